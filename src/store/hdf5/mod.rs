//! HDF5 (and netCDF4) arrays.
//!
//! HDF5 is serialised: hdf5-metno holds one process-wide lock around every library call,
//! decompression inside `H5Dread` included. So the reader does as little as it can
//! under that lock:
//!
//! ```text
//! open:        lock -> dtype, filters, fill value, chunk index (offset -> addr, size, mask)
//! read_chunk:  pread raw bytes -> fletcher32 / inflate or LZF / unshuffle -> byte swap
//!              -> crop (no lock: chunks decode in parallel on the caller's threads)
//! ```
//!
//! Datasets whose filters tessera does not run itself (nbit, scaleoffset, ...) are
//! read with `H5Dread` under the lock when the library can decode them, and refused at
//! open when it cannot (szip in most builds). Contiguous datasets are read with
//! positioned reads in blocks of rows; compact ones through `H5Dread`.
//!
//! Hostile files: nothing outside the given file is read (external links, external
//! raw storage and virtual datasets are refused by name, see `links`); a chunk index
//! entry is checked against the file's length and the most bytes the dataset's
//! filters can produce before anything is allocated or `H5Dread` runs; decoders stop
//! at the chunk's size; shapes whose byte count overflows 64 bits and null dataspaces
//! are refused; FIFOs and devices are refused before anything opens them.
//!
//! The writer encodes chunks (pad, shuffle, deflate) on the calling thread and only
//! takes the lock to hand the finished bytes to `H5Dwrite_chunk`.

mod decode;
mod links;
mod meta;
mod raw;

use std::collections::HashMap;
use std::ffi::CString;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use hdf5::dataset::Layout;
use hdf5::{Dataset, Datatype, Extent, Extents, SimpleExtents};

use crate::address::Address;
use crate::chunk::Chunk;
use crate::dtype::{DType, Endian, swap_bytes_in_place};
use crate::error::{Error, Result};
use crate::grid::{ChunkGrid, Region, copy_box};
use crate::store::{
    ArrayEntry, ArrayMeta, ChunkSink, ChunkSource, Codec, Staging, WriteOptions, row_block_chunks,
};

pub use decode::{Pipeline, Step};

use meta::h5err;

/// Rows per block when reading contiguous datasets.
const CONTIGUOUS_BLOCK_BYTES: u64 = 4 << 20;

/// HDF5 chunks are at most 4 GiB; a larger shape in a file means damage.
const MAX_CHUNK_BYTES: u64 = 4 << 30;

/// Reads chunks of one HDF5 dataset.
pub struct Hdf5Source {
    address: Address,
    meta: ArrayMeta,
    grid: ChunkGrid,
    /// The file stores big-endian elements on a little-endian machine or the reverse.
    swap: bool,
    storage: Storage,
}

/// Where a dataset's bytes come from.
enum Storage {
    /// Chunked, every filter one tessera runs: positioned reads + own decoding.
    Chunks(ChunkIndex),
    /// Contiguous in this file at `offset` (None: never written, reads as fill).
    Contiguous {
        file: std::fs::File,
        offset: Option<u64>,
    },
    /// Anything else: `H5Dread` under the lock; for chunked datasets each chunk's index
    /// entry is checked first, so HDF5 never reads (allocates) an impossible size.
    Library {
        ds: Dataset,
        memtype: Datatype,
        table: Option<ChunkTable>,
    },
}

/// The chunk index of a chunked dataset that tessera decodes itself.
struct ChunkIndex {
    file: std::fs::File,
    pipeline: Pipeline,
    table: ChunkTable,
}

/// A chunked dataset's index, read once at open, and the bounds an entry must meet.
struct ChunkTable {
    /// C-order chunk position -> where its bytes are.
    chunks: HashMap<u64, ChunkLoc>,
    file_len: u64,
    /// The most stored bytes a chunk can take with this dataset's filters.
    max_stored: u64,
}

impl ChunkTable {
    /// The entry of chunk `position` (None: never written), or why it is impossible.
    fn locate(&self, position: u64) -> std::result::Result<Option<ChunkLoc>, String> {
        let Some(loc) = self.chunks.get(&position) else {
            return Ok(None);
        };
        if loc
            .addr
            .checked_add(loc.size)
            .is_none_or(|end| end > self.file_len)
        {
            return Err(format!(
                "its {} stored bytes at offset {} lie past the end of the file ({} bytes; truncated file?)",
                loc.size, loc.addr, self.file_len
            ));
        }
        if loc.size > self.max_stored {
            return Err(format!(
                "its index says {} stored bytes, more than any chunk of this dataset can take ({} at most)",
                loc.size, self.max_stored
            ));
        }
        Ok(Some(*loc))
    }
}

#[derive(Clone, Copy, Debug)]
struct ChunkLoc {
    addr: u64,
    size: u64,
    filter_mask: u32,
}

/// What `inspect` learns about a dataset without reading its chunk index.
struct Inspected {
    meta: ArrayMeta,
    endian: Endian,
    layout: Layout,
    /// The pipeline when tessera can decode every filter itself.
    pipeline: Option<Pipeline>,
}

impl Hdf5Source {
    /// Opens `address.array` in the HDF5 file `address.path`, read-only.
    pub fn open(address: &Address) -> Result<Hdf5Source> {
        let path = address.path.as_path();
        let file = meta::open_file(path)?;
        let ds = open_dataset(&file, path, &address.array)?;
        let inspected = inspect(path, &address.array, &ds)?;
        let grid = inspected.meta.grid()?;
        let storage = storage_for(path, &ds, &inspected, &grid)?;
        Ok(Hdf5Source {
            address: address.clone(),
            swap: inspected.endian != Endian::NATIVE,
            meta: inspected.meta,
            grid,
            storage,
        })
    }

    /// True when chunks are read and decoded without the HDF5 lock.
    pub fn is_fast_path(&self) -> bool {
        !matches!(self.storage, Storage::Library { .. })
    }

    fn corrupt(&self, index: &[u64], reason: impl Into<String>) -> Error {
        Error::CorruptChunk {
            path: self.address.path.clone(),
            chunk: index.to_vec(),
            reason: reason.into(),
        }
    }

    fn check_index(&self, index: &[u64]) -> Result<()> {
        let grid_shape = self.grid.grid_shape();
        let inside =
            index.len() == grid_shape.len() && index.iter().zip(&grid_shape).all(|(i, n)| i < n);
        if inside {
            Ok(())
        } else {
            Err(Error::shape(
                self.address.display(),
                format!("chunk index {index:?} is outside the chunk grid {grid_shape:?}"),
            ))
        }
    }

    fn fill(&self, region: &Region) -> Chunk {
        Chunk::filled(self.meta.dtype, &region.shape, &self.meta.fill_value)
    }

    /// Native-order chunk from file-order bytes covering `shape`.
    fn to_chunk(&self, mut bytes: Vec<u8>, shape: &[u64]) -> Result<Chunk> {
        if self.swap {
            swap_bytes_in_place(&mut bytes, self.meta.dtype.size());
        }
        Chunk::from_bytes(self.meta.dtype, shape, &bytes)
    }

    fn read_stored_chunk(&self, idx: &ChunkIndex, index: &[u64], region: &Region) -> Result<Chunk> {
        let located = idx.table.locate(self.grid.ravel(index));
        let Some(loc) = located.map_err(|reason| self.corrupt(index, reason))? else {
            return Ok(self.fill(region));
        };
        // Decode straight into the chunk that is returned (unfiltered bytes are read
        // into it), then crop edge chunks (HDF5 stores them full size).
        let mut full = Chunk::zeros(self.meta.dtype, &self.meta.chunks);
        let read = |into: &mut [u8]| {
            idx.file
                .read_exact_at(into, loc.addr)
                .map_err(|e| Error::io(&self.address.path, e))
        };
        if idx.pipeline.is_identity(loc.filter_mask) && loc.size == full.nbytes() as u64 {
            read(full.bytes_mut())?;
        } else {
            let mut raw = crate::memory::zeroed_bytes(loc.size as usize);
            read(&mut raw)?;
            idx.pipeline
                .decode_into(
                    raw,
                    loc.filter_mask,
                    self.meta.dtype.size(),
                    full.bytes_mut(),
                )
                .map_err(|reason| self.corrupt(index, reason))?;
        }
        if self.swap {
            swap_bytes_in_place(full.bytes_mut(), self.meta.dtype.size());
        }
        if region.shape == self.meta.chunks {
            Ok(full)
        } else {
            Ok(full.extract(&Region::whole(&region.shape)))
        }
    }

    fn read_contiguous(
        &self,
        file: &std::fs::File,
        offset: Option<u64>,
        region: &Region,
    ) -> Result<Chunk> {
        let Some(offset) = offset else {
            return Ok(self.fill(region));
        };
        let elem = self.meta.dtype.size() as u64;
        let start = crate::grid::ravel(&region.start, &self.meta.shape) * elem;
        let mut bytes = vec![0u8; (region.len() * elem) as usize];
        file.read_exact_at(&mut bytes, offset.saturating_add(start))
            .map_err(|e| Error::io(&self.address.path, e))?;
        self.to_chunk(bytes, &region.shape)
    }
}

impl ChunkSource for Hdf5Source {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }

    fn origin(&self) -> crate::store::Origin<'_> {
        crate::store::Origin::Stored(&self.address)
    }

    /// Bytes a chunk read holds besides the chunk: nothing for unfiltered chunks (read
    /// straight into it), else a chunk's worth of stored and intermediate bytes.
    fn read_cost(&self) -> u64 {
        match &self.storage {
            Storage::Chunks(idx) if idx.pipeline.steps.is_empty() => 0,
            _ => self.meta.chunk_bytes(),
        }
    }

    fn read_chunk(&self, index: &[u64]) -> Result<Chunk> {
        self.check_index(index)?;
        let region = self.grid.chunk_region(index);
        match &self.storage {
            Storage::Chunks(idx) => self.read_stored_chunk(idx, index, &region),
            Storage::Contiguous { file, offset } => self.read_contiguous(file, *offset, &region),
            Storage::Library { ds, memtype, table } => {
                if let Some(table) = table {
                    table
                        .locate(self.grid.ravel(index))
                        .map_err(|reason| self.corrupt(index, reason))?;
                }
                let bytes = raw::read_region(ds, memtype, &region, self.meta.dtype.size())
                    .map_err(h5err(&self.address.path))?;
                Chunk::from_bytes(self.meta.dtype, &region.shape, &bytes)
            }
        }
    }
}

/// `path:name`, as refusals about one object name it.
fn object_at(path: &Path, name: &str) -> PathBuf {
    PathBuf::from(format!("{}:{name}", path.display()))
}

/// Opens a dataset by path without leaving the file: an external link at any
/// component is refused by name; a missing one is reported with the datasets that
/// exist.
fn open_dataset(file: &hdf5::File, path: &Path, name: &str) -> Result<Dataset> {
    let guard = links::LinkGuard::new().map_err(h5err(path))?;
    match links::check_path(file, name, &guard) {
        Ok(()) => {}
        Err(links::PathProblem::External { at, target }) => {
            return Err(Error::format(
                object_at(path, &at),
                links::external_reason(&target),
            ));
        }
        Err(links::PathProblem::LeadsOutside { target }) => {
            return Err(Error::format(
                object_at(path, name),
                links::leads_outside_reason(&target),
            ));
        }
        Err(links::PathProblem::Other { at, code }) => {
            return Err(Error::format(
                object_at(path, &at),
                format!(
                    "is a user-defined link (type {code}); tessera reads only datasets stored in the file"
                ),
            ));
        }
    }
    let opened = open_guarded(file, name, &guard);
    if let Some(target) = guard.take_denied() {
        return Err(Error::format(
            object_at(path, name),
            links::leads_outside_reason(&target),
        ));
    }
    match opened {
        Ok(ds) => Ok(ds),
        Err(e)
            if crate::error::hdf5_reason(&e)
                .to_ascii_lowercase()
                .contains("too many links") =>
        {
            Err(Error::hdf5(
                object_at(path, name),
                "its soft links form a cycle or a chain longer than HDF5's limit of 16 links",
                e,
            ))
        }
        Err(e) if is_dataset(file, name, &guard) => Err(Error::hdf5(
            object_at(path, name),
            "is a dataset HDF5 cannot open",
            e,
        )),
        Err(_) => Err(missing_dataset(file, path, name)),
    }
}

/// True when `name` leads to a dataset's object header (read without opening it).
fn is_dataset(file: &hdf5::File, name: &str, guard: &links::LinkGuard) -> bool {
    links::object_kind(file.id(), name, guard) == Some(hdf5_sys::h5o::H5O_type_t::H5O_TYPE_DATASET)
}

/// H5Dopen2 with the guard as the access list, so no external link is followed.
fn open_guarded(file: &hdf5::File, name: &str, guard: &links::LinkGuard) -> hdf5::Result<Dataset> {
    let cname = CString::new(name).map_err(|_| hdf5::Error::from("the name holds a NUL byte"))?;
    hdf5::sync::sync(|| {
        // SAFETY: a live file id, a NUL-terminated name and a live access list.
        let id = unsafe { hdf5_sys::h5d::H5Dopen2(file.id(), cname.as_ptr(), guard.id()) };
        raw::check(id, "cannot open the dataset")?;
        // SAFETY: a dataset id just returned by H5Dopen2, owned by the handle.
        unsafe { hdf5::from_id::<Dataset>(id) }
    })
}

/// Why `name` does not open: a group, or nothing; with the datasets that exist.
fn missing_dataset(file: &hdf5::File, path: &Path, name: &str) -> Error {
    let is_group = links::LinkGuard::new().is_ok_and(|guard| {
        links::object_kind(file.id(), name, &guard)
            == Some(hdf5_sys::h5o::H5O_type_t::H5O_TYPE_GROUP)
    });
    let mut names = Vec::new();
    let _ = links::walk(file, &mut |m| {
        if let links::Member::Dataset { name, .. } = m {
            names.push(name);
        }
    });
    let shown = names
        .iter()
        .take(20)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let more = if names.len() > 20 {
        format!(" and {} more", names.len() - 20)
    } else {
        String::new()
    };
    let what = if is_group {
        "is a group, not a dataset"
    } else {
        "no such dataset"
    };
    let listing = if names.is_empty() {
        "the file holds no datasets".to_string()
    } else {
        format!("datasets in the file: {shown}{more}")
    };
    Error::format(path, format!("'{name}': {what}; {listing}"))
}

/// Reads a dataset's metadata and decides how its chunks can be read.
fn inspect(path: &Path, name: &str, ds: &Dataset) -> Result<Inspected> {
    let at = object_at(path, name);
    // The layout comes first: asking a virtual dataset for its dataspace makes HDF5
    // open its source files.
    let dcpl = ds.dcpl().map_err(h5err(path))?;
    let layout = dcpl.layout();
    refuse_data_elsewhere(&at, layout, dcpl.id())?;
    if raw::is_null_space(ds).map_err(h5err(path))? {
        return Err(Error::format(
            at,
            "has a null dataspace (h5py Empty): it holds no data, not even a 0-d element, so there is nothing to read",
        ));
    }
    let (dtype, endian) = meta::dtype_of(&at, &ds.dtype().map_err(h5err(path))?)?;
    let shape: Vec<u64> = ds.shape().iter().map(|n| *n as u64).collect();
    check_sizes(&at, &shape, dtype)?;
    let filters = raw::filters(dcpl.id()).map_err(h5err(path))?;
    let pipeline = own_pipeline(&filters);
    if pipeline.is_none() {
        refuse_unavailable_filters(path, &filters)?;
    }
    let memtype = meta::memtype(path, dtype)?;
    let fill_value = raw::fill_value(dcpl.id(), &memtype, dtype.size()).map_err(h5err(path))?;
    let chunks: Vec<u64> = match (layout, ds.chunk()) {
        (Layout::Chunked, Some(c)) => c.iter().map(|n| *n as u64).collect(),
        _ => row_block_chunks(&shape, dtype, CONTIGUOUS_BLOCK_BYTES),
    };
    if chunks.len() != shape.len() || chunks.contains(&0) {
        return Err(Error::format(
            at,
            format!(
                "chunk shape {chunks:?} does not fit the dataset shape {shape:?} (damaged file?)"
            ),
        ));
    }
    let chunk_bytes = chunks
        .iter()
        .try_fold(dtype.size() as u64, |acc, c| acc.checked_mul(*c));
    if chunk_bytes.is_none_or(|b| b > MAX_CHUNK_BYTES) {
        return Err(Error::format(
            path,
            format!(
                "dataset chunk shape {chunks:?} is over HDF5's 4 GiB chunk limit (damaged file?)"
            ),
        ));
    }
    let codec = if filters.is_empty() {
        "none".to_string()
    } else {
        filters
            .iter()
            .map(|f| meta::filter_name(f.id, &f.params))
            .collect::<Vec<_>>()
            .join("+")
    };
    let meta = ArrayMeta {
        shape,
        chunks,
        dtype,
        fill_value,
        codec,
        layout: layout_name(layout).to_string(),
        attributes: meta::read_attributes(ds),
        stored_bytes: Some(ds.storage_size()),
    };
    Ok(Inspected {
        meta,
        endian,
        layout,
        pipeline,
    })
}

/// Refuses datasets whose data lives in other files: virtual datasets (mappings from
/// source datasets) and external raw storage. Their names are read, nothing is opened.
/// tessera refuses rather than follows them: it reads only the file it is given.
fn refuse_data_elsewhere(at: &Path, layout: Layout, dcpl: hdf5_sys::h5i::hid_t) -> Result<()> {
    if layout == Layout::Virtual {
        let sources = raw::virtual_sources(dcpl);
        let shown: Vec<String> = sources
            .iter()
            .take(3)
            .map(|(f, d)| format!("{f}:{d}"))
            .collect();
        let more = if sources.len() > 3 {
            format!(" and {} more", sources.len() - 3)
        } else {
            String::new()
        };
        return Err(Error::format(
            at,
            format!(
                "is a virtual dataset mapped from {}{more}; tessera reads only data stored in the dataset itself, in the file it is given",
                shown.join(", ")
            ),
        ));
    }
    let external = raw::external_files(dcpl);
    if !external.is_empty() {
        return Err(Error::format(
            at,
            format!(
                "stores its data in external file(s) {}; tessera reads only the file it is given",
                external.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Refuses a shape whose element or byte count does not fit 64 bits.
fn check_sizes(at: &Path, shape: &[u64], dtype: DType) -> Result<()> {
    let bytes = shape
        .iter()
        .try_fold(dtype.size() as u64, |acc, n| acc.checked_mul(*n));
    if bytes.is_none() {
        return Err(Error::format(
            at,
            format!(
                "shape {shape:?} of {dtype} holds more bytes than fit in 64 bits (damaged file?)"
            ),
        ));
    }
    Ok(())
}

fn layout_name(layout: Layout) -> &'static str {
    match layout {
        Layout::Chunked => "chunked",
        Layout::Contiguous => "contiguous",
        Layout::Compact => "compact",
        Layout::Virtual => "virtual",
    }
}

/// The pipeline as steps tessera runs itself, or None when some filter is not one.
fn own_pipeline(filters: &[raw::FilterSpec]) -> Option<Pipeline> {
    let steps = filters
        .iter()
        .map(|f| match f.id {
            decode::DEFLATE => Some(Step::Deflate(f.params.first().copied().unwrap_or(0))),
            decode::SHUFFLE => Some(Step::Shuffle),
            decode::FLETCHER32 => Some(Step::Fletcher32),
            decode::LZF => Some(Step::Lzf),
            _ => None,
        })
        .collect::<Option<Vec<Step>>>()?;
    Some(Pipeline { steps })
}

/// Fails with UnsupportedCodec when the HDF5 library cannot run one of the filters.
fn refuse_unavailable_filters(path: &Path, filters: &[raw::FilterSpec]) -> Result<()> {
    for f in filters {
        let ours = matches!(
            f.id,
            decode::DEFLATE | decode::SHUFFLE | decode::FLETCHER32 | decode::LZF
        );
        if !ours && !raw::filter_available(f.id) {
            return Err(Error::UnsupportedCodec {
                path: path.to_path_buf(),
                codec: meta::filter_name(f.id, &f.params),
                detail: format!(
                    "HDF5 filter id {} is not available in this build; re-save the data with gzip (deflate) or no compression, e.g. `h5repack -f GZIP=4 IN OUT`",
                    f.id
                ),
            });
        }
    }
    Ok(())
}

/// Chooses how to read: own decoding when possible, else the library.
fn storage_for(
    path: &Path,
    ds: &Dataset,
    inspected: &Inspected,
    grid: &ChunkGrid,
) -> Result<Storage> {
    let chunk_bytes = inspected.meta.chunk_bytes();
    match (inspected.layout, &inspected.pipeline) {
        (Layout::Chunked, Some(pipeline)) => {
            let (file, file_len) = raw_file(path)?;
            Ok(Storage::Chunks(ChunkIndex {
                file,
                pipeline: pipeline.clone(),
                table: ChunkTable {
                    chunks: chunk_index(path, ds, grid)?,
                    file_len,
                    max_stored: max_stored_bytes(&pipeline.steps, chunk_bytes),
                },
            }))
        }
        (Layout::Contiguous, _) => {
            let (file, file_len) = raw_file(path)?;
            let offset = ds.offset();
            check_contiguous(path, &inspected.meta, offset, file_len)?;
            Ok(Storage::Contiguous { file, offset })
        }
        (layout, _) => {
            let table = if layout == Layout::Chunked {
                let (_, file_len) = raw_file(path)?;
                Some(ChunkTable {
                    chunks: chunk_index(path, ds, grid)?,
                    file_len,
                    max_stored: chunk_bytes.saturating_mul(2).max(chunk_bytes + (1 << 20)),
                })
            } else {
                None
            };
            Ok(Storage::Library {
                ds: ds.clone(),
                memtype: meta::memtype(path, inspected.meta.dtype)?,
                table,
            })
        }
    }
}

/// The most bytes a chunk of `chunk_bytes` can take once `steps` are applied: deflate
/// may grow incompressible data by a few bytes per block (bounded generously here),
/// fletcher32 adds 4. A larger size in the chunk index is damage, refused before
/// anything is allocated.
fn max_stored_bytes(steps: &[Step], chunk_bytes: u64) -> u64 {
    steps.iter().fold(chunk_bytes, |n, step| match step {
        Step::Deflate(_) => n.saturating_add(n / 8).saturating_add(1024),
        Step::Shuffle => n,
        Step::Fletcher32 => n.saturating_add(4),
        // h5py stores a chunk LZF cannot shrink unfiltered.
        Step::Lzf => n.saturating_add(n / 16).saturating_add(64),
    })
}

/// Refuses contiguous data that would lie past the end of the file.
fn check_contiguous(
    path: &Path,
    meta: &ArrayMeta,
    offset: Option<u64>,
    file_len: u64,
) -> Result<()> {
    let Some(offset) = offset else {
        return Ok(());
    };
    let bytes = meta.logical_bytes();
    if offset.checked_add(bytes).is_none_or(|end| end > file_len) {
        return Err(Error::format(
            path,
            format!(
                "the dataset's {bytes} contiguous bytes at offset {offset} lie past the end of the file ({file_len} bytes; truncated or damaged file?)"
            ),
        ));
    }
    Ok(())
}

fn raw_file(path: &Path) -> Result<(std::fs::File, u64)> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    Ok((file, len))
}

/// Every allocated chunk of the dataset: C-order grid position -> location.
fn chunk_index(path: &Path, ds: &Dataset, grid: &ChunkGrid) -> Result<HashMap<u64, ChunkLoc>> {
    let chunk_shape = grid.chunk_shape().to_vec();
    let grid_shape = grid.grid_shape();
    let mut chunks = HashMap::new();
    ds.chunks_visit(|info| {
        let position: Vec<u64> = info
            .offset
            .iter()
            .zip(&chunk_shape)
            .map(|(o, c)| o / c)
            .collect();
        let inside = position.len() == grid_shape.len()
            && position.iter().zip(&grid_shape).all(|(p, n)| p < n);
        if inside && info.addr != hdf5_sys::h5::HADDR_UNDEF {
            let loc = ChunkLoc {
                addr: info.addr,
                size: info.size,
                filter_mask: info.filter_mask,
            };
            chunks.insert(crate::grid::ravel(&position, &grid_shape), loc);
        }
        0
    })
    .map_err(h5err(path))?;
    Ok(chunks)
}

/// Writes one new HDF5 dataset chunk by chunk.
pub struct Hdf5Sink {
    meta: ArrayMeta,
    grid: ChunkGrid,
    target: PathBuf,
    pipeline: Pipeline,
    // Field order matters: the dataset and file close before the staging removes the
    // temporary file.
    ds: Option<Dataset>,
    file: Option<hdf5::File>,
    staging: Staging,
}

impl Hdf5Sink {
    /// Creates `address.array` in a new HDF5 file staged beside `address.path`.
    pub fn create(address: &Address, like: &ArrayMeta, options: &WriteOptions) -> Result<Hdf5Sink> {
        let target = address.path.clone();
        let level = match options.codec {
            Codec::None => None,
            Codec::Gzip(level) => Some(level.min(9)),
            other => {
                return Err(Error::UnsupportedCodec {
                    path: target,
                    codec: format!("{other:?}").to_lowercase(),
                    detail: "HDF5 output supports --codec none or gzip:L (shuffle+deflate)".into(),
                });
            }
        };
        let grid = ChunkGrid::new(&like.shape, &options.chunks)?;
        let staging = Staging::new(&target, options.overwrite)?;
        let temp = staging.temp_path().to_path_buf();
        let file = hdf5::File::create(&temp).map_err(h5err(&target))?;
        let ds = create_dataset(&file, &target, &address.array, like, &options.chunks, level)?;
        meta::write_attributes(&target, &ds, like.dtype, &like.attributes)?;
        let dcpl = ds.dcpl().map_err(h5err(&target))?;
        let filters = raw::filters(dcpl.id()).map_err(h5err(&target))?;
        let pipeline = own_pipeline(&filters).unwrap_or_default();
        let meta = ArrayMeta {
            chunks: options.chunks.clone(),
            codec: pipeline.describe(),
            layout: if like.shape.is_empty() {
                "contiguous"
            } else {
                "chunked"
            }
            .to_string(),
            stored_bytes: None,
            ..like.clone()
        };
        Ok(Hdf5Sink {
            meta,
            grid,
            target,
            pipeline,
            ds: Some(ds),
            file: Some(file),
            staging,
        })
    }

    fn dataset(&self) -> Result<&Dataset> {
        self.ds
            .as_ref()
            .ok_or_else(|| Error::format(&self.target, "the HDF5 output is already closed"))
    }

    /// The clipped chunk padded to the full chunk shape with the fill value.
    fn padded(&self, chunk: &Chunk) -> Chunk {
        if chunk.shape() == self.meta.chunks.as_slice() {
            return chunk.clone();
        }
        let mut full = Chunk::filled(self.meta.dtype, &self.meta.chunks, &self.meta.fill_value);
        let origin = vec![0; chunk.shape().len()];
        let full_shape = self.meta.chunks.clone();
        copy_box(
            chunk.bytes(),
            chunk.shape(),
            &origin,
            full.bytes_mut(),
            &full_shape,
            &origin,
            chunk.shape(),
            self.meta.dtype.size(),
        );
        full
    }

    fn check_chunk(&self, index: &[u64], chunk: &Chunk) -> Result<Region> {
        let grid_shape = self.grid.grid_shape();
        let inside =
            index.len() == grid_shape.len() && index.iter().zip(&grid_shape).all(|(i, n)| i < n);
        if !inside {
            return Err(Error::shape(
                self.target.display().to_string(),
                format!("chunk index {index:?} is outside the chunk grid {grid_shape:?}"),
            ));
        }
        let region = self.grid.chunk_region(index);
        if chunk.shape() != region.shape.as_slice() || chunk.dtype() != self.meta.dtype {
            return Err(Error::shape(
                self.target.display().to_string(),
                format!(
                    "chunk {index:?} must be {} of shape {:?}, got {} of shape {:?}",
                    self.meta.dtype,
                    region.shape,
                    chunk.dtype(),
                    chunk.shape()
                ),
            ));
        }
        Ok(region)
    }
}

impl ChunkSink for Hdf5Sink {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }

    fn write_chunk(&self, index: &[u64], chunk: &Chunk) -> Result<()> {
        let region = self.check_chunk(index, chunk)?;
        let ds = self.dataset()?;
        if self.meta.shape.is_empty() {
            let memtype = meta::memtype(&self.target, self.meta.dtype)?;
            return raw::write_all(ds, &memtype, chunk.bytes()).map_err(h5err(&self.target));
        }
        let full = self.padded(chunk);
        let encoded = self
            .pipeline
            .encode(full.bytes(), self.meta.dtype.size())
            .map_err(|reason| {
                Error::format(
                    &self.target,
                    format!("cannot encode chunk {index:?}: {reason}"),
                )
            })?;
        raw::write_chunk(ds, &region.start, &encoded).map_err(h5err(&self.target))
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        drop(self.ds.take());
        if let Some(file) = self.file.take() {
            file.close().map_err(h5err(&self.target))?;
        }
        let Hdf5Sink { staging, .. } = *self;
        staging.commit()
    }
}

/// Creates the dataset (and its groups): chunked with the given chunk shape, or
/// contiguous for a 0-d array; shuffle+deflate when `level` is given.
fn create_dataset(
    file: &hdf5::File,
    target: &Path,
    name: &str,
    like: &ArrayMeta,
    chunks: &[u64],
    level: Option<u32>,
) -> Result<Dataset> {
    let extents = extents_for(&like.shape, chunks);
    let mut builder = file
        .new_dataset_builder()
        .empty_as(meta::descriptor(like.dtype))
        .shape(extents);
    if !like.shape.is_empty() {
        builder = builder.chunk(chunks.iter().map(|c| *c as usize).collect::<Vec<_>>());
        if let Some(level) = level {
            builder = builder.shuffle().deflate(level as u8);
        }
    }
    builder = with_fill_value(builder, like.dtype, &like.fill_value);
    builder.create(name).map_err(h5err(target))
}

/// Fixed extents, except axes shorter than their chunk: HDF5 only allows a chunk
/// longer than a fixed axis when the axis may grow, so those are made unlimited.
fn extents_for(shape: &[u64], chunks: &[u64]) -> Extents {
    if shape.is_empty() {
        return Extents::Scalar;
    }
    let axes = shape
        .iter()
        .zip(chunks)
        .map(|(n, c)| {
            if c > n {
                Extent::resizable(*n as usize)
            } else {
                Extent::fixed(*n as usize)
            }
        })
        .collect();
    Extents::Simple(SimpleExtents::from_vec(axes))
}

fn with_fill_value(
    builder: hdf5::DatasetBuilderEmptyShape,
    dtype: DType,
    fill: &[u8],
) -> hdf5::DatasetBuilderEmptyShape {
    if fill.len() != dtype.size() || fill.iter().all(|b| *b == 0) {
        return builder;
    }
    macro_rules! typed {
        ($t:ty) => {
            builder.fill_value(bytemuck::pod_read_unaligned::<$t>(fill))
        };
    }
    match dtype {
        DType::Bool => builder.fill_value(fill[0] != 0), // invariant: fill.len() == 1, checked above
        DType::I8 => typed!(i8),
        DType::I16 => typed!(i16),
        DType::I32 => typed!(i32),
        DType::I64 => typed!(i64),
        DType::U8 => typed!(u8),
        DType::U16 => typed!(u16),
        DType::U32 => typed!(u32),
        DType::U64 => typed!(u64),
        DType::F16 => typed!(half::f16),
        DType::F32 => typed!(f32),
        DType::F64 => typed!(f64),
    }
}

/// Every dataset in the HDF5 file at `path`, with its metadata or why it cannot be
/// read; links that lead out of the file are listed with the reason, not followed.
pub fn list(path: &Path) -> Result<Vec<ArrayEntry>> {
    let file = meta::open_file(path)?;
    let mut entries = Vec::new();
    links::walk(&file, &mut |member| {
        entries.push(match member {
            links::Member::Dataset { name, ds } => ArrayEntry {
                meta: inspect(path, &name, &ds)
                    .map(|i| i.meta)
                    .map_err(|e| e.to_string()),
                name,
            },
            links::Member::Refused { name, reason } => ArrayEntry {
                meta: Err(format!("{}: {reason}", object_at(path, &name).display())),
                name,
            },
        });
    })
    .map_err(h5err(path))?;
    Ok(entries)
}

#[cfg(test)]
mod tests;
