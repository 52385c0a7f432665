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
//!
//! Metadata survives a copy: attributes are read and written with the element type and
//! shape they were stored with (`attr_read`, `attr_write`), netCDF-4 dimensions are
//! read from dimension scales into `ArrayMeta::dimension_names` and written back as
//! scales (`dims`), and `groups` lists every group with its attributes and dimensions.

mod attr_read;
mod attr_write;
mod container;
mod decode;
mod dims;
mod groups;
mod layout;
mod links;
mod meta;
mod noncoord;
mod plugins;
mod raw;
mod sink;

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
    ArrayEntry, ArrayMeta, ChunkSink, ChunkSource, Codec, WriteOptions, row_block_chunks,
};

pub use container::{MemberKind, member_kind};
pub use decode::{Pipeline, Step};
pub use sink::{Hdf5File, Hdf5Sink};

use layout::{inspect, own_pipeline, storage_for};

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

    fn read_stored_chunk(&self, idx: &ChunkIndex, index: &[u64], region: &Region) -> Result<Chunk> {
        let located = idx.table.locate(self.grid.ravel(index));
        let Some(loc) = located.map_err(|reason| self.corrupt(index, reason))? else {
            return Ok(self.fill(region));
        };
        // Stored as raw elements: mapped when in native order, else read.
        let raw = idx.pipeline.is_identity(loc.filter_mask) && loc.size == self.meta.chunk_bytes();
        if let Some(mapped) = (raw && !self.swap)
            .then(|| {
                crate::store::mapped::chunk(&idx.file, loc.addr, self.meta.dtype, &self.meta.chunks)
            })
            .flatten()
        {
            return Ok(mapped.cropped(&region.shape));
        }
        // Decode straight into the chunk that is returned (unfiltered bytes are read
        // into it), then crop edge chunks (HDF5 stores them full size).
        let mut full = Chunk::zeros(self.meta.dtype, &self.meta.chunks);
        let read = |into: &mut [u8]| {
            idx.file
                .read_exact_at(into, loc.addr)
                .map_err(|e| Error::io(&self.address.path, e))
        };
        if raw {
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
        Ok(full.cropped(&region.shape))
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
        // The region is a block of whole rows, so one run of the file.
        let elem = self.meta.dtype.size() as u64;
        let at = offset.saturating_add(crate::grid::ravel(&region.start, &self.meta.shape) * elem);
        if let Some(mapped) = (!self.swap)
            .then(|| crate::store::mapped::chunk(file, at, self.meta.dtype, &region.shape))
            .flatten()
        {
            return Ok(mapped);
        }
        let mut chunk = Chunk::zeros(self.meta.dtype, &region.shape);
        file.read_exact_at(chunk.bytes_mut(), at)
            .map_err(|e| Error::io(&self.address.path, e))?;
        if self.swap {
            swap_bytes_in_place(chunk.bytes_mut(), self.meta.dtype.size());
        }
        Ok(chunk)
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
    let opened = open_guarded(file, &noncoord::stored_variable(file, name, &guard), &guard);
    if let Some(target) = guard.take_denied() {
        return Err(Error::format(
            object_at(path, name),
            links::leads_outside_reason(&target),
        ));
    }
    match opened {
        Ok(ds) => Ok(ds),
        Err(e) if links::is_too_many_links(&e) => Err(Error::hdf5(
            object_at(path, name),
            "its soft links form a cycle or a chain longer than HDF5's limit of 16 links",
            e,
        )),
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

/// Every dataset in the HDF5 file at `path`, with its metadata or why it cannot be
/// read, once each under its first path in listing order (depth first, a group's
/// datasets in name order before its subgroups), with the other paths that reach it
/// (more hard links, soft links to it or to a group holding it) as its aliases. Links
/// that lead out of the file and dangling soft links are listed with the reason, not
/// followed. netCDF's pure dimension datasets are no variables and are left out; a
/// variable stored under netCDF's prefix is listed under its own name (`noncoord`).
pub fn list(path: &Path) -> Result<Vec<ArrayEntry>> {
    let file = meta::open_file(path)?;
    let guard = links::LinkGuard::new().map_err(h5err(path))?;
    // Each entry with the path the walk found it under (aliases are keyed by it).
    let mut entries: Vec<(String, ArrayEntry)> = Vec::new();
    let paths = links::walk(&file, &mut |member| {
        let (found, name, meta) = match member {
            // A netCDF dimension without a coordinate variable is no variable: `groups`
            // lists it as a dimension.
            links::Member::Dataset { ds, .. } if dims::is_pure_dimension(&ds) => return,
            links::Member::Dataset { name, ds } => {
                let meta = inspect(path, &name, &ds).map(|i| i.meta);
                let listed = noncoord::listed_path(&file, &name, &guard);
                (name, listed, meta.map_err(|e| e.to_string()))
            }
            links::Member::Refused { name, reason } => {
                let meta = Err(format!("{}: {reason}", object_at(path, &name).display()));
                (name.clone(), name, meta)
            }
        };
        let entry = ArrayEntry {
            name,
            meta,
            aliases: Vec::new(),
        };
        entries.push((found, entry));
    })
    .map_err(h5err(path))?;
    let at: HashMap<String, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, (found, _))| (found.clone(), i))
        .collect();
    for (first, alias) in paths.aliases() {
        if let Some(&i) = at.get(&first) {
            entries[i].1.aliases.push(alias);
        }
    }
    Ok(entries.into_iter().map(|(_, entry)| entry).collect())
}

#[cfg(test)]
mod tests;

/// Every group of the HDF5 file at `path`: the root (`/`) first, then depth first in
/// name order, each once; with its attributes and the dimensions defined in it.
pub fn groups(path: &Path) -> Result<Vec<crate::store::GroupEntry>> {
    groups::groups(path)
}
