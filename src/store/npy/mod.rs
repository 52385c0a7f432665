//! NumPy `.npy` files: one array, a small text header, then the raw elements.
//!
//! Reading parses the header (format versions 1.0, 2.0 and 3.0), then serves chunks with
//! positioned reads (`pread`), never `mmap`: mapped pages count in the process RSS, which
//! the memory budget has to bound. The read unit is a block of whole rows (about 4 MiB)
//! in the file's own order, so every chunk is one contiguous read: blocks of the leading
//! axis for C order, blocks of the last axis for Fortran order (those are transposed
//! into C order in memory). Big-endian files are byte-swapped to native order.
//!
//! Writing produces a version 1.0 file (2.0 when the header does not fit), little-endian,
//! C order. The write unit is a block of whole trailing rows, so each `write_chunk` is a
//! single positioned write at its offset and chunks can be written from many threads at
//! once. The format has neither chunks nor compression nor attributes: the chunk shape
//! and codec of `WriteOptions` are ignored, and so are the source's attributes and fill
//! value (parts never written read as zero).

mod header;

use header::*;

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::address::{Address, Format};
use crate::chunk::Chunk;
use crate::dtype::{DType, Endian, swap_bytes_in_place};
use crate::error::{Error, Result};
use crate::grid::{ChunkGrid, Region, ravel, strides, unravel};
use crate::store::{
    ArrayEntry, ArrayMeta, Attributes, ChunkSink, ChunkSource, Staging, WriteOptions,
    row_block_chunks,
};

/// Target size of one read or write unit.
const BLOCK_BYTES: u64 = 4 << 20;

/// The magic string every .npy file starts with.
const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Largest header accepted; numpy itself refuses headers over 10 000 bytes by default.
const MAX_HEADER_BYTES: u64 = 1 << 20;

/// What the header of a .npy file says.
#[derive(Clone, Debug, PartialEq)]
struct Header {
    dtype: DType,
    endian: Endian,
    fortran_order: bool,
    shape: Vec<u64>,
    /// Byte offset of the first element.
    data_offset: u64,
}

/// A .npy file opened for reading.
pub struct NpySource {
    address: Address,
    meta: ArrayMeta,
    header: Header,
    file: File,
    grid: ChunkGrid,
}

impl NpySource {
    /// Opens and checks the .npy file at `address.path`.
    pub fn open(address: &Address) -> Result<NpySource> {
        NpySource::open_with_block(address, BLOCK_BYTES)
    }

    fn open_with_block(address: &Address, block_bytes: u64) -> Result<NpySource> {
        let path = &address.path;
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let file_len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let header = read_header(&file, file_len, path)?;
        // numpy's own limit, zero-length axes counted as 1: an empty array whose other
        // axes overflow is refused before any chunk arithmetic sees its shape.
        crate::grid::check_bytes(
            &header.shape,
            header.dtype.size(),
            "the .npy header's shape",
        )
        .map_err(|e| Error::format(path, e.to_string()))?;
        let data_bytes = data_bytes(&header.shape, header.dtype, path)?;
        let available = file_len.saturating_sub(header.data_offset);
        if available < data_bytes {
            return Err(Error::format(
                path,
                format!(
                    "file is shorter than its data: shape {:?} of {} needs {data_bytes} bytes after the header, found {available}",
                    header.shape, header.dtype
                ),
            ));
        }
        let chunks = read_unit(&header, block_bytes);
        let grid = ChunkGrid::new(&header.shape, &chunks)
            .map_err(|e| Error::format(path, e.to_string()))?;
        let meta = ArrayMeta {
            shape: header.shape.clone(),
            chunks,
            dtype: header.dtype,
            fill_value: vec![0; header.dtype.size()],
            codec: "none".to_string(),
            layout: "contiguous".to_string(),
            attributes: Attributes::new(),
            dimension_names: None,
            stored_bytes: Some(file_len),
            fill_marks_missing: false,
        };
        Ok(NpySource {
            address: address.clone(),
            meta,
            header,
            file,
            grid,
        })
    }

    /// Reads `region` (C-ordered array coordinates) of a C-order file, one positioned
    /// read per contiguous run.
    fn read_c_region(&self, region: &Region) -> Result<Chunk> {
        let dtype = self.header.dtype;
        let layout = FileLayout::new(&self.header.shape, &self.header);
        if let Some(mapped) = layout
            .single_run_offset(region)
            .filter(|_| self.header.endian == Endian::NATIVE)
            .and_then(|offset| {
                crate::store::mapped::chunk(&self.file, offset, dtype, &region.shape)
            })
        {
            return Ok(mapped);
        }
        let mut out = Chunk::zeros(dtype, &region.shape);
        layout.read_runs(&self.file, region, out.bytes_mut(), &self.address.path)?;
        self.to_native(out.bytes_mut());
        Ok(out)
    }

    /// Reads `region` of a Fortran-order file: the file is the C-order layout of the
    /// reversed shape, so read the reversed region and transpose it.
    fn read_f_region(&self, region: &Region) -> Result<Chunk> {
        let dtype = self.header.dtype;
        let file_shape: Vec<u64> = self.header.shape.iter().rev().copied().collect();
        let file_region = Region {
            start: region.start.iter().rev().copied().collect(),
            shape: region.shape.iter().rev().copied().collect(),
        };
        let mut raw = Chunk::zeros(dtype, &file_region.shape);
        let layout = FileLayout::new(&file_shape, &self.header);
        layout.read_runs(
            &self.file,
            &file_region,
            raw.bytes_mut(),
            &self.address.path,
        )?;
        self.to_native(raw.bytes_mut());
        let mut out = Chunk::zeros(dtype, &region.shape);
        reverse_axes(
            raw.bytes(),
            &file_region.shape,
            out.bytes_mut(),
            dtype.size(),
        );
        Ok(out)
    }

    fn to_native(&self, bytes: &mut [u8]) {
        if self.header.endian != Endian::NATIVE {
            swap_bytes_in_place(bytes, self.header.dtype.size());
        }
    }

    fn read_any_region(&self, region: &Region) -> Result<Chunk> {
        if self.header.fortran_order {
            self.read_f_region(region)
        } else {
            self.read_c_region(region)
        }
    }
}

impl ChunkSource for NpySource {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }

    fn origin(&self) -> crate::store::Origin<'_> {
        crate::store::Origin::Stored(&self.address)
    }

    fn read_chunk(&self, index: &[u64]) -> Result<Chunk> {
        check_index(&self.grid, index, &self.address.path)?;
        self.read_any_region(&self.grid.chunk_region(index))
    }

    /// Reads the box directly from the file (no per-chunk assembly).
    fn read_region(&self, region: &Region) -> Result<Chunk> {
        crate::store::check_region(&self.meta, region, self.origin())?;
        if region.is_empty() {
            return Ok(Chunk::zeros(self.meta.dtype, &region.shape));
        }
        self.read_any_region(region)
    }
}

/// A new .npy file being written under a staged name.
pub struct NpySink {
    meta: ArrayMeta,
    path: std::path::PathBuf,
    file: File,
    data_offset: u64,
    grid: ChunkGrid,
    staging: Staging,
}

impl NpySink {
    /// Stages a new .npy file at `address` with the shape and dtype of `like`. The
    /// chunk shape and codec of `options` are ignored: .npy has neither.
    pub fn create(address: &Address, like: &ArrayMeta, options: &WriteOptions) -> Result<NpySink> {
        NpySink::create_with_block(address, like, options, BLOCK_BYTES)
    }

    fn create_with_block(
        address: &Address,
        like: &ArrayMeta,
        options: &WriteOptions,
        block_bytes: u64,
    ) -> Result<NpySink> {
        let path = address.path.clone();
        let staging = Staging::new(&path, options.overwrite)?;
        let header = encode_header(like.dtype, &like.shape);
        let data_offset = header.len() as u64;
        let total = data_bytes(&like.shape, like.dtype, &path)?
            .checked_add(data_offset)
            .ok_or_else(|| Error::format(&path, "array too large for a .npy file"))?;
        let temp = staging.temp_path();
        let file = File::create(temp).map_err(|e| Error::io(temp, e))?;
        file.set_len(total).map_err(|e| Error::io(temp, e))?;
        file.write_all_at(&header, 0)
            .map_err(|e| Error::io(temp, e))?;
        let chunks = row_block_chunks(&like.shape, like.dtype, block_bytes);
        let grid = ChunkGrid::new(&like.shape, &chunks)?;
        let meta = ArrayMeta {
            shape: like.shape.clone(),
            chunks,
            dtype: like.dtype,
            fill_value: vec![0; like.dtype.size()],
            codec: "none".to_string(),
            layout: "contiguous".to_string(),
            attributes: Attributes::new(),
            dimension_names: None,
            stored_bytes: Some(total),
            fill_marks_missing: false,
        };
        Ok(NpySink {
            meta,
            path,
            file,
            data_offset,
            grid,
            staging,
        })
    }
}

impl ChunkSink for NpySink {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }

    fn write_chunk(&self, index: &[u64], chunk: &Chunk) -> Result<()> {
        check_index(&self.grid, index, &self.path)?;
        let region = self.grid.chunk_region(index);
        if chunk.dtype() != self.meta.dtype || chunk.shape() != region.shape.as_slice() {
            return Err(Error::shape(
                self.path.display().to_string(),
                format!(
                    "chunk {index:?} must be {:?} of {}, got {:?} of {}",
                    region.shape,
                    self.meta.dtype,
                    chunk.shape(),
                    chunk.dtype()
                ),
            ));
        }
        let element = ravel(&region.start, &self.meta.shape);
        let offset = self.data_offset + element * self.meta.dtype.size() as u64;
        let temp = self.staging.temp_path();
        if Endian::NATIVE == Endian::Little {
            self.file.write_all_at(chunk.bytes(), offset)
        } else {
            let mut bytes = chunk.bytes().to_vec();
            swap_bytes_in_place(&mut bytes, self.meta.dtype.size());
            self.file.write_all_at(&bytes, offset)
        }
        .map_err(|e| Error::io(temp, e))
    }

    fn commit(self: Box<Self>) -> Result<()> {
        let temp = self.staging.temp_path();
        self.file.sync_all().map_err(|e| Error::io(temp, e))?;
        drop(self.file);
        self.staging.commit()
    }
}

/// Lists the one array of a .npy file (name ""). A file whose dtype tessera does not
/// handle is listed with the reason instead of its metadata.
pub fn list(path: &Path) -> Result<Vec<ArrayEntry>> {
    let address = Address {
        path: path.to_path_buf(),
        format: Format::Npy,
        array: String::new(),
    };
    let meta = match NpySource::open(&address) {
        Ok(source) => Ok(source.meta),
        Err(e @ Error::UnsupportedDtype { .. }) => Err(e.to_string()),
        Err(e) => return Err(e),
    };
    Ok(vec![ArrayEntry {
        name: String::new(),
        meta,
        aliases: Vec::new(),
    }])
}

/// The read unit: whole rows in the file's order, about `block_bytes` each.
fn read_unit(header: &Header, block_bytes: u64) -> Vec<u64> {
    if header.fortran_order {
        let reversed: Vec<u64> = header.shape.iter().rev().copied().collect();
        let mut chunks = row_block_chunks(&reversed, header.dtype, block_bytes);
        chunks.reverse();
        chunks
    } else {
        row_block_chunks(&header.shape, header.dtype, block_bytes)
    }
}

/// Total element bytes of `shape`, refusing sizes that overflow.
fn data_bytes(shape: &[u64], dtype: DType, path: &Path) -> Result<u64> {
    shape
        .iter()
        .try_fold(dtype.size() as u64, |acc, n| acc.checked_mul(*n))
        .ok_or_else(|| Error::format(path, format!("shape {shape:?} is too large")))
}

fn check_index(grid: &ChunkGrid, index: &[u64], path: &Path) -> Result<()> {
    let grid_shape = grid.grid_shape();
    if index.len() != grid_shape.len() || index.iter().zip(&grid_shape).any(|(i, n)| i >= n) {
        return Err(Error::shape(
            path.display().to_string(),
            format!("chunk index {index:?} is outside the chunk grid {grid_shape:?}"),
        ));
    }
    Ok(())
}

/// A C-ordered block of elements in a file: its shape, element size and data offset.
struct FileLayout<'a> {
    shape: &'a [u64],
    elem: usize,
    data_offset: u64,
}

impl<'a> FileLayout<'a> {
    fn new(shape: &'a [u64], header: &Header) -> FileLayout<'a> {
        FileLayout {
            shape,
            elem: header.dtype.size(),
            data_offset: header.data_offset,
        }
    }

    /// The axis where the runs of `region` start: the last axis, or the first axis
    /// before it that the region does not cover whole.
    fn run_axis(&self, region: &Region) -> usize {
        let mut first = self.shape.len().saturating_sub(1);
        while first > 0 && region.shape[first] == self.shape[first] {
            first -= 1;
        }
        first
    }

    /// The file offset of `region` when it is one contiguous run of the file.
    fn single_run_offset(&self, region: &Region) -> Option<u64> {
        let first = self.run_axis(region);
        region.shape[..first].iter().all(|n| *n == 1).then(|| {
            let element = crate::grid::ravel(&region.start, self.shape);
            self.data_offset + element * self.elem as u64
        })
    }

    /// Fills `out` (C order, `region.shape`) from the file, one read per run of the
    /// innermost contiguous axes.
    fn read_runs(&self, file: &File, region: &Region, out: &mut [u8], path: &Path) -> Result<()> {
        if region.is_empty() {
            return Ok(());
        }
        let ndim = self.shape.len();
        // The run: the last axis plus every axis before it that the region covers whole.
        let first = self.run_axis(region);
        let run: u64 = region.shape[first..].iter().product();
        let run_bytes = run as usize * self.elem;
        let outer = &region.shape[..first];
        let file_strides = strides(self.shape);
        for (i, dst) in out.chunks_exact_mut(run_bytes).enumerate() {
            let pos = unravel(i as u64, outer);
            let element: u64 = (0..ndim)
                .map(|d| (region.start[d] + pos.get(d).copied().unwrap_or(0)) * file_strides[d])
                .sum();
            let offset = self.data_offset + element * self.elem as u64;
            read_at(file, dst, offset, path)?;
        }
        Ok(())
    }
}

/// One positioned read; a short file is a format error, not an I/O one.
fn read_at(file: &File, buf: &mut [u8], offset: u64, path: &Path) -> Result<()> {
    file.read_exact_at(buf, offset).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::format(
                path,
                format!(
                    "file is shorter than its data: cannot read {} bytes at offset {offset}",
                    buf.len()
                ),
            )
        } else {
            Error::io(path, e)
        }
    })
}

/// Transposes `src`, C-ordered with shape `src_shape`, into `dst`, C-ordered with the
/// reversed shape (element `[i0, .., ik]` of `src` lands at `[ik, .., i0]`).
fn reverse_axes(src: &[u8], src_shape: &[u64], dst: &mut [u8], elem: usize) {
    let ndim = src_shape.len();
    if ndim < 2 {
        dst.copy_from_slice(src);
        return;
    }
    let dst_shape: Vec<u64> = src_shape.iter().rev().copied().collect();
    let src_strides = strides(src_shape);
    // Stride in `src` (elements) of each destination axis.
    let along: Vec<u64> = src_strides.iter().rev().copied().collect();
    let last = dst_shape[ndim - 1] as usize;
    let step = along[ndim - 1] as usize * elem;
    let outer = &dst_shape[..ndim - 1];
    for (i, row) in dst.chunks_exact_mut(last * elem).enumerate() {
        let pos = unravel(i as u64, outer);
        let base: u64 = pos.iter().zip(&along).map(|(p, s)| p * s).sum();
        let mut s = base as usize * elem;
        for out in row.chunks_exact_mut(elem) {
            out.copy_from_slice(&src[s..s + elem]);
            s += step;
        }
    }
}

#[cfg(test)]
mod tests;
