//! netCDF-3 files: the classic format (CDF-1), 64-bit offset (CDF-2) and 64-bit data
//! (CDF-5), read only. (netCDF-4 files are HDF5 and read by [`crate::store::hdf5`]; the
//! two are told apart by their first bytes, never by the `.nc` extension.)
//!
//! A file is a header (see `header`) followed by the data, big-endian and uncompressed:
//!
//! ```text
//! | header | fixed-size variables, one after another | record 0 | record 1 | ...
//!                                                      \__ a run of vsize bytes of each
//!                                                          record variable, in order
//! ```
//!
//! A fixed-size variable is one contiguous block at its `begin`. A record variable has
//! the record (unlimited) dimension first; record `r` of it is one contiguous run at
//! `begin + r * recsize`, where `recsize` is the sum of the record variables' runs, each
//! padded to 4 bytes (unpadded when there is exactly one record variable). The record
//! count is in the header, or, for a "streaming" file, follows from the file's length.
//!
//! The read unit is a block of rows of about 4 MiB, as for `.npy` (a block of whole
//! records for record variables). Chunks are read with positioned reads (`pread`, never
//! `mmap`, whose pages count in the process RSS), so many threads read at once; runs
//! separated by small gaps (the other record variables of small records) are read
//! together and picked apart. Values are swapped to native byte order.
//!
//! `char` variables are text, not numbers: they are listed with the reason and refused
//! by `open`. `char` attributes are text attributes. Each variable's `_FillValue` (or
//! netCDF's default fill for its type) is its fill value. tessera does not write
//! netCDF-3: a netCDF output is netCDF-4 (HDF5).

mod header;

use std::fs::File;
use std::io::BufReader;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use header::{Header, Var, shown};

use crate::address::{Address, Format};
use crate::chunk::Chunk;
use crate::dtype::{DType, Endian, swap_bytes_in_place};
use crate::error::{Error, Result};
use crate::grid::{ChunkGrid, Region};
use crate::store::{
    ArrayEntry, ArrayMeta, ChunkSource, Dimension, GroupEntry, Origin, row_block_chunks,
};

/// Target size of one read unit.
const BLOCK_BYTES: u64 = 4 << 20;

/// Runs this close together in the file are read with one `pread` (the bytes between
/// them are read and dropped): cheaper than one system call each.
const GAP_BYTES: u64 = 1 << 10;

/// Largest single read that gathers several runs.
const SPAN_BYTES: u64 = 1 << 20;

/// Most runs gathered into one read.
const MAX_GATHERED_RUNS: usize = 4096;

/// The header and the sizes that follow from it and from the file's length.
struct Parsed {
    header: Header,
    /// Records in the file (the record dimension's length).
    numrecs: u64,
    /// Bytes from one record to the next.
    recsize: u64,
    file_len: u64,
}

impl Parsed {
    /// Reads and checks the header of `file`.
    fn read(file: &File, path: &Path) -> Result<Parsed> {
        let file_len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let header = header::parse(BufReader::new(file), file_len)
            .map_err(|reason| Error::format(path, format!("bad netCDF-3 header: {reason}")))?;
        let recsize = record_size(&header)
            .map_err(|reason| Error::format(path, format!("bad netCDF-3 header: {reason}")))?;
        let numrecs = match header.numrecs {
            Some(n) => n,
            None => streaming_numrecs(&header, recsize, file_len),
        };
        Ok(Parsed {
            header,
            numrecs,
            recsize,
            file_len,
        })
    }

    fn open(path: &Path) -> Result<(File, Parsed)> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let parsed = Parsed::read(&file, path)?;
        Ok((file, parsed))
    }

    fn is_record(&self, var: &Var) -> bool {
        var.dimids
            .first()
            .is_some_and(|d| Some(*d) == self.header.record_dim())
    }

    fn dim_len(&self, id: usize) -> u64 {
        // invariant: `id` is a variable's dimension id, which the parser checked.
        match self.header.dims[id].len {
            0 => self.numrecs,
            n => n,
        }
    }
}

/// Bytes one record takes of a record variable (its non-record dimensions), unpadded.
fn record_bytes(header: &Header, var: &Var) -> Option<u64> {
    var.dimids
        .iter()
        .map(|d| header.dims[*d].len) // invariant: the parser checked every dimension id
        .filter(|n| *n != 0)
        .try_fold(var.nc_type.size() as u64, |acc, n| acc.checked_mul(n))
}

/// The distance between records: the record variables' sizes, each padded to 4 bytes,
/// or the one record variable's size unpadded.
fn record_size(header: &Header) -> std::result::Result<u64, String> {
    let Some(record_dim) = header.record_dim() else {
        return Ok(0);
    };
    let record_vars: Vec<&Var> = header
        .vars
        .iter()
        .filter(|v| v.dimids.first() == Some(&record_dim))
        .collect();
    let overflow = |name: &str| format!("the record size of variable '{}' overflows", shown(name));
    if let [only] = record_vars.as_slice() {
        return record_bytes(header, only).ok_or_else(|| overflow(&only.name));
    }
    record_vars.iter().try_fold(0u64, |acc, var| {
        record_bytes(header, var)
            .and_then(|b| b.checked_next_multiple_of(4))
            .and_then(|b| acc.checked_add(b))
            .ok_or_else(|| overflow(&var.name))
    })
}

/// The record count of a streaming file: the whole records between the first record
/// variable's data and the end of the file.
fn streaming_numrecs(header: &Header, recsize: u64, file_len: u64) -> u64 {
    let record_dim = header.record_dim();
    let start = header
        .vars
        .iter()
        .filter(|v| record_dim.is_some() && v.dimids.first().copied() == record_dim)
        .map(|v| v.begin)
        .min();
    match start {
        Some(start) if recsize > 0 => file_len.saturating_sub(start) / recsize,
        _ => 0,
    }
}

/// Where a variable's elements lie: `offset(index) = begin + Σ index[d] * strides[d]`.
#[derive(Clone, Debug)]
struct Placement {
    begin: u64,
    shape: Vec<u64>,
    /// Byte strides; the record axis strides by `recsize`.
    strides: Vec<u64>,
    elem: usize,
}

impl Placement {
    /// Bytes the gathering of runs may hold while reading a chunk of `chunks`: none
    /// when the chunk is one contiguous run in the file, else at most a span.
    fn gather_bytes(&self, chunks: &[u64]) -> u64 {
        let span = chunks
            .iter()
            .zip(&self.strides)
            .fold(self.elem as u64, |acc, (c, s)| {
                acc.saturating_add(c.saturating_sub(1).saturating_mul(*s))
            });
        let bytes = chunks
            .iter()
            .fold(self.elem as u64, |acc, c| acc.saturating_mul(*c));
        if span == bytes {
            0
        } else {
            span.min(SPAN_BYTES)
        }
    }
}

/// `path:/name`, as messages about one variable name it (the name escaped and cut).
fn variable_path(path: &Path, name: &str) -> PathBuf {
    PathBuf::from(format!("{}:/{}", path.display(), shown(name)))
}

/// The metadata and placement of `var`, after checking that its data lies in the file.
fn describe(
    parsed: &Parsed,
    var: &Var,
    path: &Path,
    block_bytes: u64,
) -> Result<(ArrayMeta, Placement)> {
    let at = variable_path(path, &var.name);
    let Some(dtype) = var.nc_type.dtype() else {
        return Err(Error::UnsupportedDtype {
            path: at,
            dtype: "char (netCDF text; char variables are text, not numbers)".into(),
        });
    };
    let shape: Vec<u64> = var.dimids.iter().map(|d| parsed.dim_len(*d)).collect();
    let grid_check = |e: Error| Error::format(&at, e.to_string());
    crate::grid::check_bytes(&shape, dtype.size(), "the variable's shape").map_err(grid_check)?;
    let is_record = parsed.is_record(var);
    let stored = check_in_file(parsed, var, is_record, &at)?;
    let placement = placement(parsed, var, &shape, is_record);
    let chunks = row_block_chunks(&shape, dtype, block_bytes);
    ChunkGrid::new(&shape, &chunks).map_err(grid_check)?;
    let layout = if is_record {
        format!("record variable ({} records)", parsed.numrecs)
    } else {
        "contiguous".to_string()
    };
    let meta = ArrayMeta {
        chunks,
        dtype,
        fill_value: fill_value(var, dtype),
        codec: "none".into(),
        layout,
        attributes: var.attributes.clone(),
        dimension_names: Some(dimension_names(&parsed.header, var)),
        stored_bytes: Some(stored),
        fill_marks_missing: false,
        shape,
    };
    Ok((meta, placement))
}

/// The names of a variable's dimensions.
fn dimension_names(header: &Header, var: &Var) -> Vec<Option<String>> {
    var.dimids
        .iter()
        .map(|d| Some(header.dims[*d].name.clone())) // invariant: the parser checked ids
        .collect()
}

/// Fails unless the variable's data lies inside the file; returns its size in bytes.
fn check_in_file(parsed: &Parsed, var: &Var, is_record: bool, at: &Path) -> Result<u64> {
    let per_record = record_bytes(&parsed.header, var)
        .ok_or_else(|| Error::format(at, "the variable's size overflows"))?;
    let (stored, end) = data_extent(parsed, var, is_record, per_record)
        .ok_or_else(|| Error::format(at, "the data's offset overflows"))?;
    if end > parsed.file_len {
        return Err(Error::format(
            at,
            format!(
                "the data lies past the end of the file (it ends at byte {end}, the file has {}): the file is truncated or its header is corrupt",
                parsed.file_len
            ),
        ));
    }
    Ok(stored)
}

/// The bytes a variable's data takes and the offset just past its last byte; `None` on
/// overflow.
fn data_extent(parsed: &Parsed, var: &Var, is_record: bool, per_record: u64) -> Option<(u64, u64)> {
    if !is_record {
        return Some((per_record, var.begin.checked_add(per_record)?));
    }
    // No records: nothing is read, wherever the header says they would start.
    let Some(last) = parsed.numrecs.checked_sub(1) else {
        return Some((0, 0));
    };
    let stored = per_record.checked_mul(parsed.numrecs)?;
    let end = last
        .checked_mul(parsed.recsize)?
        .checked_add(var.begin)?
        .checked_add(per_record)?;
    Some((stored, end))
}

fn placement(parsed: &Parsed, var: &Var, shape: &[u64], is_record: bool) -> Placement {
    let elem = var.nc_type.size();
    let mut strides = vec![0u64; shape.len()];
    let mut step = elem as u64;
    for d in (0..shape.len()).rev() {
        strides[d] = step;
        // Products of the non-record lengths, which `describe` bounded by the file.
        step = step.saturating_mul(shape[d]);
    }
    if is_record {
        strides[0] = parsed.recsize;
    }
    Placement {
        begin: var.begin,
        shape: shape.to_vec(),
        strides,
        elem,
    }
}

/// The `_FillValue` attribute of the variable's own type, else netCDF's default fill for
/// the type; native byte order.
fn fill_value(var: &Var, dtype: DType) -> Vec<u8> {
    let mut bytes = match &var.fill {
        Some(raw) => raw.clone(),
        None => default_fill(dtype),
    };
    if Endian::NATIVE == Endian::Little {
        bytes.reverse();
    }
    bytes
}

/// netCDF's default fill values (`NC_FILL_*`), big-endian.
fn default_fill(dtype: DType) -> Vec<u8> {
    match dtype {
        DType::I8 => (-127i8).to_be_bytes().to_vec(),
        DType::I16 => (-32767i16).to_be_bytes().to_vec(),
        DType::I32 => (-2147483647i32).to_be_bytes().to_vec(),
        DType::F32 => 9.969_21e36_f32.to_be_bytes().to_vec(),
        DType::F64 => 9.969_209_968_386_869e36_f64.to_be_bytes().to_vec(),
        DType::U8 => u8::MAX.to_be_bytes().to_vec(),
        DType::U16 => u16::MAX.to_be_bytes().to_vec(),
        DType::U32 => u32::MAX.to_be_bytes().to_vec(),
        DType::I64 => (-9223372036854775806i64).to_be_bytes().to_vec(),
        DType::U64 => (u64::MAX - 1).to_be_bytes().to_vec(),
        other => vec![0; other.size()],
    }
}

/// One variable of a netCDF-3 file, opened for reading.
pub struct Netcdf3Source {
    address: Address,
    meta: ArrayMeta,
    placement: Placement,
    grid: ChunkGrid,
    file: File,
}

impl Netcdf3Source {
    /// Opens the variable `address.array` (`/name`) of the netCDF-3 file at
    /// `address.path`.
    pub fn open(address: &Address) -> Result<Netcdf3Source> {
        Netcdf3Source::open_with_block(address, BLOCK_BYTES)
    }

    fn open_with_block(address: &Address, block_bytes: u64) -> Result<Netcdf3Source> {
        let path = &address.path;
        let (file, parsed) = Parsed::open(path)?;
        let name = address.array.trim_matches('/');
        let var = parsed
            .header
            .vars
            .iter()
            .find(|v| v.name == name)
            .ok_or_else(|| missing_variable(&parsed, path, name))?;
        let (meta, placement) = describe(&parsed, var, path, block_bytes)?;
        let grid = meta.grid()?;
        Ok(Netcdf3Source {
            address: address.clone(),
            meta,
            placement,
            grid,
            file,
        })
    }

    /// Reads `region` (inside the array) from the file.
    fn read_box(&self, region: &Region) -> Result<Chunk> {
        let mut out = Chunk::zeros(self.meta.dtype, &region.shape);
        if region.is_empty() {
            return Ok(out);
        }
        let reader = RunReader {
            file: &self.file,
            path: &self.address.path,
        };
        reader.read(&self.placement, region, out.bytes_mut())?;
        if Endian::NATIVE == Endian::Little {
            swap_bytes_in_place(out.bytes_mut(), self.placement.elem);
        }
        Ok(out)
    }
}

fn missing_variable(parsed: &Parsed, path: &Path, name: &str) -> Error {
    let names: Vec<String> = parsed.header.vars.iter().map(|v| shown(&v.name)).collect();
    let listing = match names.len() {
        0 => "the file holds no variables".to_string(),
        n if n > 20 => format!("variables: {} and {} more", names[..20].join(", "), n - 20),
        _ => format!("variables: {}", names.join(", ")),
    };
    let listing = crate::text::shorten(&listing, 300);
    Error::format(
        variable_path(path, name),
        format!("no such variable ({listing})"),
    )
}

impl ChunkSource for Netcdf3Source {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }

    fn origin(&self) -> Origin<'_> {
        Origin::Stored(&self.address)
    }

    fn read_chunk(&self, index: &[u64]) -> Result<Chunk> {
        let grid_shape = self.grid.grid_shape();
        if index.len() != grid_shape.len() || index.iter().zip(&grid_shape).any(|(i, n)| i >= n) {
            return Err(Error::shape(
                self.address.display(),
                format!("chunk index {index:?} is outside the chunk grid {grid_shape:?}"),
            ));
        }
        self.read_box(&self.grid.chunk_region(index))
    }

    /// Reads the box directly from the file (no per-chunk assembly).
    fn read_region(&self, region: &Region) -> Result<Chunk> {
        crate::store::check_region(&self.meta, region, self.origin())?;
        self.read_box(region)
    }

    /// The buffer that gathers runs with small gaps between them, if any: the values
    /// are read straight into the chunk.
    fn read_cost(&self) -> u64 {
        self.placement.gather_bytes(&self.meta.chunks)
    }
}

/// Positioned reads of the runs of a box, gathering runs with small gaps.
struct RunReader<'a> {
    file: &'a File,
    path: &'a Path,
}

impl RunReader<'_> {
    /// Fills `out` (C order, `region.shape`) with the file's bytes of `region`.
    fn read(&self, place: &Placement, region: &Region, out: &mut [u8]) -> Result<()> {
        let ndim = place.shape.len();
        // The run: axes `first..`, contiguous in the file. Axis `first - 1` joins it when
        // the axes after it are covered whole and its stride is their size (not the
        // record axis, which strides over the other record variables).
        let mut first = ndim;
        let mut inner = place.elem as u64;
        while first > 0
            && place.strides[first - 1] == inner
            && (first == ndim || region.shape[first] == place.shape[first])
        {
            first -= 1;
            inner = inner.saturating_mul(place.shape[first]);
        }
        let run_elems: u64 = region.shape[first..].iter().product();
        let run_bytes = run_elems * place.elem as u64;
        // Offsets stay below the data's end, which `describe` checked is in the file.
        let base = place.begin
            + (first..ndim)
                .map(|d| region.start[d] * place.strides[d])
                .sum::<u64>();
        let mut gather = Gather::new(run_bytes);
        let outer = &region.shape[..first];
        let mut pos = vec![0u64; first];
        loop {
            let offset = base
                + (0..first)
                    .map(|d| (region.start[d] + pos[d]) * place.strides[d])
                    .sum::<u64>();
            gather.push(offset, self, out)?;
            if !next_index(&mut pos, outer) {
                break;
            }
        }
        gather.flush(self, out)
    }

    /// One positioned read; a short file is a format error, not an I/O one.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<()> {
        self.file.read_exact_at(buf, offset).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                Error::format(
                    self.path,
                    format!(
                        "file is shorter than its data: cannot read {} bytes at offset {offset}",
                        buf.len()
                    ),
                )
            } else {
                Error::io(self.path, e)
            }
        })
    }
}

/// Advances the C-order index `pos` within `shape`; false after the last one.
fn next_index(pos: &mut [u64], shape: &[u64]) -> bool {
    for d in (0..pos.len()).rev() {
        pos[d] += 1;
        if pos[d] < shape[d] {
            return true;
        }
        pos[d] = 0;
    }
    false
}

/// Runs of `run_bytes` at increasing offsets, destined for consecutive places in the
/// output, gathered into reads of at most [`SPAN_BYTES`].
struct Gather {
    run_bytes: u64,
    pending: Vec<u64>,
    /// Where the first pending run goes in the output.
    dst: usize,
    scratch: Vec<u8>,
}

impl Gather {
    fn new(run_bytes: u64) -> Gather {
        Gather {
            run_bytes,
            pending: Vec::new(),
            dst: 0,
            scratch: Vec::new(),
        }
    }

    /// Adds the run at `offset`, first reading the pending runs when it cannot join them
    /// (too far from the last, or the span or the count would grow past the limits).
    fn push(&mut self, offset: u64, reader: &RunReader<'_>, out: &mut [u8]) -> Result<()> {
        if let (Some(&start), Some(&last)) = (self.pending.first(), self.pending.last()) {
            let gap = offset.checked_sub(last + self.run_bytes);
            let span = offset + self.run_bytes - start;
            if gap.is_none_or(|g| g > GAP_BYTES)
                || span > SPAN_BYTES
                || self.pending.len() >= MAX_GATHERED_RUNS
            {
                self.flush(reader, out)?;
            }
        }
        self.pending.push(offset);
        Ok(())
    }

    /// Reads the pending runs into their places in `out`.
    fn flush(&mut self, reader: &RunReader<'_>, out: &mut [u8]) -> Result<()> {
        // invariant: `out` holds one run per offset pushed, in order; the offsets rise
        // by at least a run each and the pending ones span at most SPAN_BYTES.
        let run = self.run_bytes as usize;
        match self.pending.as_slice() {
            [] => {}
            [only] => reader.read_at(&mut out[self.dst..self.dst + run], *only)?,
            [start, .., last] => {
                let span = (last - start) as usize + run;
                self.scratch.resize(span, 0);
                reader.read_at(&mut self.scratch, *start)?;
                for (i, offset) in self.pending.iter().enumerate() {
                    let from = (offset - start) as usize;
                    let to = self.dst + i * run;
                    out[to..to + run].copy_from_slice(&self.scratch[from..from + run]);
                }
            }
        }
        self.dst += self.pending.len() * run;
        self.pending.clear();
        Ok(())
    }
}

/// Lists every variable of the netCDF-3 file at `path` as `/name`; a variable tessera
/// cannot read (text, data past the end of the file) is listed with the reason.
pub fn list(path: &Path) -> Result<Vec<ArrayEntry>> {
    let (_, parsed) = Parsed::open(path)?;
    Ok(parsed
        .header
        .vars
        .iter()
        .map(|var| ArrayEntry {
            name: format!("/{}", var.name),
            meta: describe(&parsed, var, path, BLOCK_BYTES)
                .map(|(meta, _)| meta)
                .map_err(|e| e.to_string()),
            aliases: Vec::new(),
        })
        .collect())
}

/// The one group of a netCDF-3 file, `/`: the global attributes and the dimensions (the
/// record dimension is unlimited, its length the record count).
pub fn groups(path: &Path) -> Result<Vec<GroupEntry>> {
    let (_, parsed) = Parsed::open(path)?;
    let dimensions = parsed
        .header
        .dims
        .iter()
        .enumerate()
        .map(|(id, dim)| Dimension {
            name: dim.name.clone(),
            len: parsed.dim_len(id),
            unlimited: dim.len == 0,
        })
        .collect();
    Ok(vec![GroupEntry {
        name: "/".into(),
        attributes: parsed.header.attributes.clone(),
        dimensions,
    }])
}

/// An address of variable `name` in the netCDF-3 file at `path`.
pub fn address(path: &Path, name: &str) -> Address {
    Address {
        path: path.to_path_buf(),
        format: Format::Netcdf3,
        array: format!("/{}", name.trim_matches('/')),
    }
}

#[cfg(test)]
mod tests;
