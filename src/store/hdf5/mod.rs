//! HDF5 (and netCDF4) arrays.
//!
//! HDF5 is serialised: hdf5-metno holds one process-wide lock around every library call,
//! decompression inside `H5Dread` included. So the reader does as little as it can
//! under that lock:
//!
//! ```text
//! open:        lock -> dtype, filters, fill value, chunk index (offset -> addr, size, mask)
//! read_chunk:  pread raw bytes -> fletcher32 / inflate / unshuffle -> byte swap -> crop
//!              (no lock: chunks decode in parallel on the caller's threads)
//! ```
//!
//! Datasets whose filters tessera does not run itself (LZF, nbit, scaleoffset, ...) are
//! read with `H5Dread` under the lock when the library can decode them, and refused at
//! open when it cannot (szip in most builds). Contiguous datasets are read with
//! positioned reads in blocks of rows; compact and virtual ones through `H5Dread`.
//!
//! The writer encodes chunks (pad, shuffle, deflate) on the calling thread and only
//! takes the lock to hand the finished bytes to `H5Dwrite_chunk`.

mod decode;
mod meta;
mod raw;

use std::collections::HashMap;
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
    /// Anything else: `H5Dread` under the lock.
    Library { ds: Dataset, memtype: Datatype },
}

/// The chunk index of a chunked dataset, read once at open.
struct ChunkIndex {
    file: std::fs::File,
    file_len: u64,
    pipeline: Pipeline,
    /// C-order chunk position -> where its bytes are.
    chunks: HashMap<u64, ChunkLoc>,
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
        let inspected = inspect(path, &ds)?;
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
        let Some(loc) = idx.chunks.get(&self.grid.ravel(index)) else {
            return Ok(self.fill(region));
        };
        if loc
            .addr
            .checked_add(loc.size)
            .is_none_or(|end| end > idx.file_len)
        {
            return Err(self.corrupt(
                index,
                "its bytes lie past the end of the file (truncated file?)",
            ));
        }
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

    fn address(&self) -> &Address {
        &self.address
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
            Storage::Library { ds, memtype } => {
                let bytes = raw::read_region(ds, memtype, &region, self.meta.dtype.size())
                    .map_err(h5err(&self.address.path))?;
                Chunk::from_bytes(self.meta.dtype, &region.shape, &bytes)
            }
        }
    }
}

/// Opens a dataset by path; a missing one is reported with the datasets that exist.
fn open_dataset(file: &hdf5::File, path: &Path, name: &str) -> Result<Dataset> {
    if let Ok(ds) = file.dataset(name) {
        return Ok(ds);
    }
    let is_group = file.group(name).is_ok();
    let mut names = Vec::new();
    walk(file, 0, &mut |ds| names.push(ds.name()));
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
    Err(Error::format(path, format!("'{name}': {what}; {listing}")))
}

/// Calls `f` on every dataset under `group`, depth first, in name order.
fn walk(group: &hdf5::Group, depth: usize, f: &mut dyn FnMut(&Dataset)) {
    if depth > 64 {
        return;
    }
    let mut datasets = group.datasets().unwrap_or_default();
    datasets.sort_by_key(|d| d.name());
    for ds in &datasets {
        f(ds);
    }
    let mut groups = group.groups().unwrap_or_default();
    groups.sort_by_key(|g| g.name());
    for g in &groups {
        walk(g, depth + 1, f);
    }
}

/// Reads a dataset's metadata and decides how its chunks can be read.
fn inspect(path: &Path, ds: &Dataset) -> Result<Inspected> {
    let (dtype, endian) = meta::dtype_of(path, &ds.dtype().map_err(h5err(path))?)?;
    let shape: Vec<u64> = ds.shape().iter().map(|n| *n as u64).collect();
    let layout = ds.layout();
    let dcpl = ds.dcpl().map_err(h5err(path))?;
    let filters = raw::filters(dcpl.id()).map_err(h5err(path))?;
    let pipeline = own_pipeline(&filters);
    if pipeline.is_none() {
        refuse_unavailable_filters(path, &filters)?;
    }
    let memtype = meta::memtype(path, dtype)?;
    let fill_value = raw::fill_value(dcpl.id(), &memtype, dtype.size()).map_err(h5err(path))?;
    let chunks = match (layout, ds.chunk()) {
        (Layout::Chunked, Some(c)) => c.iter().map(|n| *n as u64).collect(),
        _ => row_block_chunks(&shape, dtype, CONTIGUOUS_BLOCK_BYTES),
    };
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
            _ => None,
        })
        .collect::<Option<Vec<Step>>>()?;
    Some(Pipeline { steps })
}

/// Fails with UnsupportedCodec when the HDF5 library cannot run one of the filters.
fn refuse_unavailable_filters(path: &Path, filters: &[raw::FilterSpec]) -> Result<()> {
    for f in filters {
        let ours = matches!(f.id, decode::DEFLATE | decode::SHUFFLE | decode::FLETCHER32);
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
    let dcpl = ds.dcpl().map_err(h5err(path))?;
    match (inspected.layout, &inspected.pipeline) {
        (Layout::Chunked, Some(pipeline)) => {
            let index = chunk_index(path, ds, grid)?;
            let (file, file_len) = raw_file(path)?;
            Ok(Storage::Chunks(ChunkIndex {
                file,
                file_len,
                pipeline: pipeline.clone(),
                chunks: index,
            }))
        }
        (Layout::Contiguous, _) if raw::external_count(dcpl.id()) == 0 => {
            let (file, _) = raw_file(path)?;
            Ok(Storage::Contiguous {
                file,
                offset: ds.offset(),
            })
        }
        _ => Ok(Storage::Library {
            ds: ds.clone(),
            memtype: meta::memtype(path, inspected.meta.dtype)?,
        }),
    }
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
        let inside = position.iter().zip(&grid_shape).all(|(p, n)| p < n);
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

/// Every dataset in the HDF5 file at `path`, with its metadata or why it cannot be read.
pub fn list(path: &Path) -> Result<Vec<ArrayEntry>> {
    let file = meta::open_file(path)?;
    let mut entries = Vec::new();
    walk(&file, 0, &mut |ds| {
        entries.push(ArrayEntry {
            name: ds.name(),
            meta: inspect(path, ds).map(|i| i.meta).map_err(|e| e.to_string()),
        });
    });
    Ok(entries)
}

#[cfg(test)]
mod tests;
