//! Storage: reading and writing chunks of arrays in HDF5, Zarr and .npy.
//!
//! A format is one file here. Each gives a `ChunkSource` (metadata + decoded chunks) and
//! a `ChunkSink` (encoded chunk writes into a staged target that is renamed into place on
//! `commit`). Everything above this layer sees only decoded, native-endian, C-ordered
//! `Chunk`s; byte order, memory order, codecs and fill values stay in here.

pub mod attrs;
pub(crate) mod fork;
pub mod hdf5;
pub(crate) mod mapped;
pub mod memory;
pub mod netcdf3;
pub mod npy;
pub mod output;
pub mod staging;
pub mod target;
pub mod zarr;

use std::path::{Path, PathBuf};

use crate::address::{Address, Format};
use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::grid::{ChunkGrid, Region};

pub use attrs::{AttrElement, AttrShape, Attribute, Attributes, StoredType, UnreadAttribute};
pub use staging::Staging;

/// What a reader needs to know about an array.
#[derive(Clone, Debug, PartialEq)]
pub struct ArrayMeta {
    /// Shape of the array.
    pub shape: Vec<u64>,
    /// Shape of the unit a source reads or a sink writes: the chunk shape, the inner
    /// chunk of a sharded Zarr source, the shard of a sharded Zarr sink, or a block of
    /// rows for contiguous layouts.
    pub chunks: Vec<u64>,
    /// Element type.
    pub dtype: DType,
    /// One element of fill value, native byte order (what missing chunks read as).
    pub fill_value: Vec<u8>,
    /// How the data is stored: codecs or filters, e.g. `shuffle+deflate(4)`.
    pub codec: String,
    /// Layout: `chunked`, `contiguous`, `sharded (shard 1000x1000)`, ...
    pub layout: String,
    /// User attributes, with the types they were stored with.
    pub attributes: Attributes,
    /// The name of each axis, where the format records one (netCDF dimensions, Zarr
    /// v3 `dimension_names`, Zarr v2 `_ARRAY_DIMENSIONS`); `None` when no axis is
    /// named, `Some(None)` entries for the unnamed axes of an array with some named.
    pub dimension_names: Option<Vec<Option<String>>>,
    /// Bytes the array takes on disk, when the format can tell.
    pub stored_bytes: Option<u64>,
    /// Whether the format declares the fill value as marking missing values, as a Zarr
    /// v2 `fill_value` that is not null does for xarray (which reads it as
    /// `_FillValue`). False where the fill value is only what unwritten chunks read as:
    /// HDF5 and netCDF (whose missing value is the `_FillValue` attribute), Zarr v3,
    /// and a v2 `fill_value` of null.
    pub fill_marks_missing: bool,
}

impl ArrayMeta {
    /// The grid of `chunks` over `shape`.
    pub fn grid(&self) -> Result<ChunkGrid> {
        ChunkGrid::new(&self.shape, &self.chunks)
    }

    /// Decoded size of the whole array in bytes, saturating at `u64::MAX` (sources
    /// refuse arrays whose size does not fit when they open them; a saturated size can
    /// only make a plan refuse, never wrap into a small one).
    pub fn logical_bytes(&self) -> u64 {
        saturating_bytes(&self.shape, self.dtype)
    }

    /// Decoded size of one full chunk in bytes, saturating like `logical_bytes`.
    pub fn chunk_bytes(&self) -> u64 {
        saturating_bytes(&self.chunks, self.dtype)
    }
}

fn saturating_bytes(shape: &[u64], dtype: DType) -> u64 {
    shape
        .iter()
        .fold(dtype.size() as u64, |acc, &n| acc.saturating_mul(n))
}

/// Where a source's values come from.
#[derive(Clone, Copy, Debug)]
pub enum Origin<'a> {
    /// An array in a file or store.
    Stored(&'a Address),
    /// Values tessera makes: generated (`<random seed=7>`), held in memory
    /// (`<memory>`) or computed (`<expression>`); the text names them.
    Made(&'a str),
}

impl std::fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Stored(address) => write!(f, "{}", address.display()),
            Origin::Made(name) => f.write_str(name),
        }
    }
}

/// Reads decoded chunks of one array. Implementations are safe to call from many
/// threads at once; each call returns the chunk clipped to the array's bounds.
pub trait ChunkSource: Send + Sync {
    /// The array's metadata.
    fn meta(&self) -> &ArrayMeta;

    /// Where the values come from (a stored array's address, or what made them), for
    /// messages and plans.
    fn origin(&self) -> Origin<'_>;

    /// Reads and decodes the chunk at grid position `index`. Chunks never written read
    /// as the fill value.
    fn read_chunk(&self, index: &[u64]) -> Result<Chunk>;

    /// The files and stores on disk this source reads: a write never targets them.
    /// Sources that read nothing from disk return none.
    fn input_paths(&self) -> Vec<PathBuf> {
        match self.origin() {
            Origin::Stored(address) => vec![address.path.clone()],
            Origin::Made(_) => Vec::new(),
        }
    }

    /// Bytes `read_chunk` holds beyond the chunk it returns (compressed input, decode
    /// buffers, or for computed arrays everything the computation pulls in). Planners
    /// budget this per chunk in flight.
    fn read_cost(&self) -> u64 {
        self.meta().chunk_bytes()
    }

    /// Whether chunks read from here are worth keeping in the context's cache: true
    /// for stores, where a read is I/O and decoding. Values already in memory are
    /// not cached (reading them is a copy at most), so every compute sees them as they
    /// are then.
    fn cached(&self) -> bool {
        true
    }

    /// Reads an arbitrary box of the array. The default assembles it from chunks.
    fn read_region(&self, region: &Region) -> Result<Chunk> {
        let meta = self.meta();
        let grid = meta.grid()?;
        check_region(meta, region, self.origin())?;
        let mut out = Chunk::filled(meta.dtype, &region.shape, &meta.fill_value);
        if region.is_empty() {
            return Ok(out);
        }
        let touching = grid.chunks_touching(region);
        for index in crate::grid::region_indices(&touching) {
            let chunk = self.read_chunk(&index)?;
            chunk.copy_overlap_into(&grid.chunk_region(&index), &mut out, region);
        }
        Ok(out)
    }
}

/// Bytes an encoder may hold beyond the decoded chunk it encodes, as a multiple of
/// that chunk (compressed output plus the codec's working copies).
pub(crate) const ENCODE_FACTOR: u64 = 2;

/// Writes encoded chunks of one new array into a staged target.
pub trait ChunkSink: Send + Sync {
    /// The metadata of the array being written; `chunks` is the unit `write_chunk`
    /// takes (the shard shape when sharding).
    fn meta(&self) -> &ArrayMeta;

    /// Encodes and writes the chunk at grid position `index`. `chunk` is clipped to
    /// the array (edge chunks are smaller). Safe to call from many threads for
    /// distinct indices.
    fn write_chunk(&self, index: &[u64], chunk: &Chunk) -> Result<()>;

    /// [`write_chunk`](Self::write_chunk) for a chunk the caller has no further use
    /// for: the sink may free it as soon as its first encoding step has consumed it, so
    /// the write holds less at its peak (see [`owned_write_peak`](Self::owned_write_peak)).
    fn write_owned_chunk(&self, index: &[u64], chunk: Chunk) -> Result<()> {
        self.write_chunk(index, &chunk)
    }

    /// Whether writing a chunk compresses it (the codec is not `none`): CPU-bound work
    /// that parallel writers speed up, and that a rechunk may take a scratch file for.
    fn compresses(&self) -> bool {
        self.meta().codec != "none"
    }

    /// The most bytes [`write_owned_chunk`](Self::write_owned_chunk) holds at once, the
    /// chunk included, as a multiple of the chunk's decoded size: the chunk plus the
    /// encoder's output and working copies unless the sink says better.
    fn owned_write_peak(&self) -> u64 {
        1 + ENCODE_FACTOR
    }

    /// Flushes and renames the staged target into place. A sink dropped without
    /// `commit` removes what it staged.
    fn commit(self: Box<Self>) -> Result<()>;
}

/// Compression for written arrays.
///
/// Non-exhaustive: more codecs may be added, so a match outside tessera needs a `_` arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Codec {
    /// Stored raw.
    None,
    /// gzip (Zarr) or shuffle+deflate (HDF5) at level 0-9.
    Gzip(u32),
    /// zstd at level -7..22.
    Zstd(i32),
    /// blosc with lz4 and byte shuffle, level 0-9.
    BloscLz4(u8),
    /// blosc with zstd and byte shuffle, level 0-9.
    BloscZstd(u8),
}

impl Codec {
    /// Parses `none`, `gzip:L`, `zstd:L`, `blosc-lz4:L`, `blosc-zstd:L` (level optional).
    pub fn parse(text: &str) -> Result<Codec> {
        let (name, level) = match text.split_once(':') {
            Some((n, l)) => (n, Some(l)),
            None => (text, None),
        };
        let level_in = |lo: i64, hi: i64, default: i64| -> Result<i64> {
            match level {
                None => Ok(default),
                Some(l) => l
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|v| (lo..=hi).contains(v))
                    .ok_or_else(|| {
                        Error::invalid_argument(
                            "--codec",
                            text,
                            format!("the level must be an integer from {lo} to {hi}"),
                        )
                    }),
            }
        };
        Ok(match name.trim().to_ascii_lowercase().as_str() {
            "none" | "raw" => Codec::None,
            "gzip" | "deflate" | "zlib" => Codec::Gzip(level_in(0, 9, 4)? as u32),
            "zstd" => Codec::Zstd(level_in(-7, 22, 3)? as i32),
            "blosc-lz4" => Codec::BloscLz4(level_in(0, 9, 5)? as u8),
            "blosc-zstd" => Codec::BloscZstd(level_in(0, 9, 5)? as u8),
            _ => {
                return Err(Error::invalid_argument(
                    "--codec",
                    text,
                    "unknown codec: expected none, gzip:L, zstd:L, blosc-lz4:L or blosc-zstd:L",
                ));
            }
        })
    }
}

/// Zarr format version for new stores.
///
/// Non-exhaustive: a future Zarr format version becomes a new variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ZarrVersion {
    /// Zarr v2: `.zarray`/`.zattrs` metadata, numcodecs compressors, no sharding; what
    /// zarr-python 2 and most older readers open.
    V2,
    /// Zarr v3: `zarr.json` metadata and a codec chain; the only version that shards.
    V3,
}

/// How to lay out a new array.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteOptions {
    /// Chunk shape of the new array.
    pub chunks: Vec<u64>,
    /// Compression.
    pub codec: Codec,
    /// Zarr version (ignored by other formats).
    pub zarr_version: ZarrVersion,
    /// Shard shape (Zarr v3 only): a multiple of `chunks` on every axis.
    pub shard: Option<Vec<u64>>,
    /// Replace an existing target.
    pub overwrite: bool,
}

impl WriteOptions {
    /// Chunks of `chunks`, stored raw, Zarr v3 for Zarr targets, no shards, and an
    /// existing target refused; change the fields that differ.
    ///
    /// # Examples
    /// ```
    /// use tessera::store::{Codec, WriteOptions};
    /// let options = WriteOptions {
    ///     codec: Codec::Zstd(3),
    ///     ..WriteOptions::new(&[1000, 1000])
    /// };
    /// assert_eq!(options.chunks, vec![1000, 1000]);
    /// assert!(!options.overwrite);
    /// ```
    pub fn new(chunks: &[u64]) -> WriteOptions {
        WriteOptions {
            chunks: chunks.to_vec(),
            codec: Codec::None,
            zarr_version: ZarrVersion::V3,
            shard: None,
            overwrite: false,
        }
    }
}

/// Metadata of an array listed by `info`.
#[derive(Clone, Debug, PartialEq)]
pub struct ArrayEntry {
    /// Path of the array inside the file or store (`/grp/ds`, `grp/arr`, empty).
    pub name: String,
    /// Its metadata, or why it cannot be read (strings, unsupported codec, ...).
    pub meta: std::result::Result<ArrayMeta, String>,
    /// Other paths that reach the same array (HDF5 hard and soft links), with `name`
    /// the first in listing order.
    pub aliases: Vec<String>,
}

/// A group of a file or store, listed by [`groups`].
#[derive(Clone, Debug, PartialEq)]
pub struct GroupEntry {
    /// Path of the group (`/` for the root of an HDF5 file, empty for a Zarr root).
    pub name: String,
    /// The group's attributes (netCDF's global attributes on the root).
    pub attributes: Attributes,
    /// The dimensions defined in this group (netCDF dimensions, HDF5 dimension scales),
    /// in the order the file lists them; arrays name them in `dimension_names`.
    pub dimensions: Vec<Dimension>,
}

/// A named dimension of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dimension {
    /// Its name (the last path component of an HDF5 dimension scale).
    pub name: String,
    /// Its length.
    pub len: u64,
    /// True for a dimension that can grow (netCDF's unlimited or record dimension).
    pub unlimited: bool,
}

impl Dimension {
    /// `{"name": ..., "len": ..., "unlimited": ...}`, as `info --json` and the Python
    /// package's `describe` list it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "name": self.name, "len": self.len, "unlimited": self.unlimited })
    }
}

/// Opens the array at `address` for reading.
pub fn open(address: &Address) -> Result<Box<dyn ChunkSource>> {
    address.require_array()?;
    crate::address::check_readable_kind(&address.path)?;
    match address.format {
        Format::Hdf5 => Ok(Box::new(hdf5::Hdf5Source::open(address)?)),
        Format::Zarr => Ok(Box::new(zarr::ZarrSource::open(address)?)),
        Format::Npy => Ok(Box::new(npy::NpySource::open(address)?)),
        Format::Netcdf3 => Ok(Box::new(netcdf3::Netcdf3Source::open(address)?)),
    }
}

/// Creates a new array at `address` with the shape, dtype, fill value, attributes and
/// dimension names of `like` and the layout of `options`. The array is staged under a
/// temporary name and only appears at `address` on `commit`. `inputs` are the paths the
/// written values are read from (`ChunkSource::input_paths`): the target may not be,
/// contain or lie inside any of them.
///
/// An address naming an array inside an existing HDF5 file or Zarr store adds it
/// there, leaving the rest as it is; an existing array of that name is replaced only
/// with `options.overwrite`. A .npy file, or a Zarr store that is itself the array, is
/// replaced only with `options.overwrite` and only when it holds exactly that one
/// array. An output that cannot fit in the free space of its filesystem is refused
/// (see [`target`]). To write several arrays, into one file or many, use
/// [`output::create_many`].
pub fn create(
    address: &Address,
    like: &ArrayMeta,
    options: &WriteOptions,
    inputs: &[PathBuf],
) -> Result<Box<dyn ChunkSink>> {
    let target = output::Target {
        address,
        like,
        options,
    };
    output::create_many(&[target], inputs)?
        .pop()
        .ok_or_else(|| Error::internal("create_many returned no sink for one target"))
}

/// Lists every array in the file or store at `path`.
pub fn list(path: &Path) -> Result<Vec<ArrayEntry>> {
    crate::address::check_readable_kind(path)?;
    let format = crate::address::sniff_format(path).ok_or_else(|| {
        if path.exists() {
            Error::format(
                path,
                "not an HDF5 or netCDF file, a Zarr store or a .npy file",
            )
        } else {
            Error::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
            )
        }
    })?;
    match format {
        Format::Hdf5 => hdf5::list(path),
        Format::Zarr => zarr::list(path),
        Format::Npy => npy::list(path),
        Format::Netcdf3 => netcdf3::list(path),
    }
}

/// Every group of the file or store at `path`, the root first, with its attributes.
pub fn groups(path: &Path) -> Result<Vec<GroupEntry>> {
    crate::address::check_readable_kind(path)?;
    match crate::address::sniff_format(path) {
        Some(Format::Hdf5) => hdf5::groups(path),
        Some(Format::Zarr) => zarr::groups(path),
        Some(Format::Netcdf3) => netcdf3::groups(path),
        Some(Format::Npy) | None => Ok(vec![GroupEntry {
            name: String::new(),
            attributes: Attributes::new(),
            dimensions: Vec::new(),
        }]),
    }
}

pub(crate) fn check_write_options(like: &ArrayMeta, options: &WriteOptions) -> Result<()> {
    ChunkGrid::new(&like.shape, &options.chunks)?;
    if let Some(shard) = &options.shard {
        // Named as the shard shape: the grid's own message would call it the chunk shape.
        if shard.len() != like.shape.len() {
            return Err(Error::Invalid(format!(
                "--shard {shard:?} has {} axes but the array {:?} has {}",
                shard.len(),
                like.shape,
                like.shape.len()
            )));
        }
        ChunkGrid::new(&like.shape, shard)
            .map_err(|e| Error::Invalid(format!("--shard {shard:?}: {e}")))?;
        if shard.iter().zip(&options.chunks).any(|(s, c)| s % c != 0) {
            return Err(Error::Invalid(format!(
                "--shard {shard:?} must be a multiple of the chunk shape {:?} on every axis",
                options.chunks
            )));
        }
    }
    Ok(())
}

/// Fails unless `region` lies inside the array.
pub fn check_region(meta: &ArrayMeta, region: &Region, origin: Origin<'_>) -> Result<()> {
    let inside = region.start.len() == meta.shape.len()
        && region.shape.len() == meta.shape.len()
        && region.end().iter().zip(&meta.shape).all(|(e, n)| e <= n);
    if !inside {
        return Err(Error::shape(
            origin.to_string(),
            format!(
                "region starting at {:?} with shape {:?} is outside the array of shape {:?}",
                region.start, region.shape, meta.shape
            ),
        ));
    }
    Ok(())
}

/// A chunk shape for formats without chunks (.npy, contiguous HDF5): whole rows of the
/// trailing axes, with as many leading-axis rows as fit in about `target_bytes`.
pub fn row_block_chunks(shape: &[u64], dtype: DType, target_bytes: u64) -> Vec<u64> {
    let mut chunks = shape.iter().map(|n| (*n).max(1)).collect::<Vec<_>>();
    for d in 0..chunks.len() {
        // Saturating and at least 1: a huge trailing shape never wraps to a zero divisor.
        let inner = saturating_bytes(&chunks[d + 1..], dtype).max(1);
        if inner <= target_bytes {
            chunks[d] = chunks[d].min((target_bytes / inner).max(1));
            break;
        }
        chunks[d] = 1;
    }
    chunks
}

#[cfg(test)]
mod tests;
