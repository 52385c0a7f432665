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

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use serde_json::Map;

use crate::address::{Address, Format};
use crate::chunk::Chunk;
use crate::dtype::{DType, Endian, swap_bytes_in_place};
use crate::error::{Error, Result};
use crate::grid::{ChunkGrid, Region, ravel, strides, unravel};
use crate::store::{
    ArrayEntry, ArrayMeta, ChunkSink, ChunkSource, Staging, WriteOptions, row_block_chunks,
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
            attributes: Map::new(),
            stored_bytes: Some(file_len),
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
        let mut out = Chunk::zeros(dtype, &region.shape);
        let layout = FileLayout::new(&self.header.shape, &self.header);
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
            attributes: Map::new(),
            stored_bytes: Some(total),
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

    /// Fills `out` (C order, `region.shape`) from the file, one read per run of the
    /// innermost contiguous axes.
    fn read_runs(&self, file: &File, region: &Region, out: &mut [u8], path: &Path) -> Result<()> {
        if region.is_empty() {
            return Ok(());
        }
        let ndim = self.shape.len();
        // The run: the last axis plus every axis before it that the region covers whole.
        let mut first = ndim.saturating_sub(1);
        while first > 0 && region.shape[first] == self.shape[first] {
            first -= 1;
        }
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

// ----- header -----------------------------------------------------------------------

/// Reads and parses the header at the start of `file`.
fn read_header(file: &File, file_len: u64, path: &Path) -> Result<Header> {
    let mut preamble = [0u8; 12];
    let pre_len = file_len.min(12) as usize;
    read_at(file, &mut preamble[..pre_len], 0, path)?;
    let (header_start, header_len) = parse_preamble(&preamble[..pre_len], path)?;
    if header_len > MAX_HEADER_BYTES {
        return Err(Error::format(
            path,
            format!(
                "the .npy header claims {header_len} bytes, more than the {MAX_HEADER_BYTES} accepted"
            ),
        ));
    }
    if header_start + header_len > file_len {
        return Err(Error::format(path, "the .npy header is truncated"));
    }
    let mut text = vec![0u8; header_len as usize];
    read_at(file, &mut text, header_start, path)?;
    let text = String::from_utf8(text)
        .map_err(|_| Error::format(path, "the .npy header is not valid text"))?;
    parse_dict(&text, header_start + header_len, path)
}

/// Checks the magic and version in the first (up to 12) bytes of a file; returns where
/// the header text starts and its length.
fn parse_preamble(bytes: &[u8], path: &Path) -> Result<(u64, u64)> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(Error::format(
            path,
            "not a .npy file: the magic string \\x93NUMPY is missing",
        ));
    }
    let truncated = || Error::format(path, "the .npy header is truncated");
    if bytes.len() < 10 {
        return Err(truncated());
    }
    match bytes[6] {
        1 => Ok((10, u16::from_le_bytes([bytes[8], bytes[9]]) as u64)),
        2 | 3 if bytes.len() >= 12 => Ok((
            12,
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as u64,
        )),
        2 | 3 => Err(truncated()),
        major => Err(Error::format(
            path,
            format!(
                "unsupported .npy format version {major}.{}: tessera reads 1.0, 2.0 and 3.0",
                bytes[7]
            ),
        )),
    }
}

/// Interprets the header dictionary.
fn parse_dict(text: &str, data_offset: u64, path: &Path) -> Result<Header> {
    // Reasons quote header text, which may be long: keep them to one short line.
    let bad = |reason: String| {
        Error::format(
            path,
            format!("bad .npy header: {}", crate::text::shorten(&reason, 200)),
        )
    };
    let value = PyParser::new(text).parse_all().map_err(&bad)?;
    let PyValue::Dict(entries) = value else {
        return Err(bad("it is not a dictionary".to_string()));
    };
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| matches!(k, PyValue::Str(s) if s == key))
            .map(|(_, v)| v)
            .ok_or_else(|| bad(format!("the key '{key}' is missing")))
    };
    let (dtype, endian) = parse_descr(get("descr")?, path)?;
    let fortran_order = match get("fortran_order")? {
        PyValue::Bool(b) => *b,
        other => return Err(bad(format!("fortran_order is {other}, not True or False"))),
    };
    let shape = match get("shape")? {
        PyValue::Seq(items) => items
            .iter()
            .map(|v| match v {
                PyValue::Int(n) => Ok(*n),
                other => Err(bad(format!("the shape holds {other}, not an integer"))),
            })
            .collect::<Result<Vec<u64>>>()?,
        other => return Err(bad(format!("the shape is {other}, not a tuple"))),
    };
    Ok(Header {
        dtype,
        endian,
        fortran_order,
        shape,
        data_offset,
    })
}

fn parse_descr(descr: &PyValue, path: &Path) -> Result<(DType, Endian)> {
    let unsupported = |dtype: String| Error::UnsupportedDtype {
        path: path.to_path_buf(),
        dtype,
    };
    match descr {
        PyValue::Str(s) => DType::from_numpy_str(s)
            .ok_or_else(|| unsupported(crate::text::shorten(&format!("'{s}'"), 60))),
        PyValue::Seq(_) => Err(unsupported(crate::text::shorten(
            &format!("structured {descr}"),
            100,
        ))),
        other => Err(Error::format(
            path,
            crate::text::shorten(
                &format!("bad .npy header: descr is {other}, not a type string"),
                200,
            ),
        )),
    }
}

/// The Python literals a .npy header uses.
#[derive(Clone, Debug, PartialEq)]
enum PyValue {
    Str(String),
    Int(u64),
    Bool(bool),
    None,
    /// A tuple or a list.
    Seq(Vec<PyValue>),
    Dict(Vec<(PyValue, PyValue)>),
}

impl std::fmt::Display for PyValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PyValue::Str(s) => write!(f, "'{s}'"),
            PyValue::Int(n) => write!(f, "{n}"),
            PyValue::Bool(b) => f.write_str(if *b { "True" } else { "False" }),
            PyValue::None => f.write_str("None"),
            PyValue::Seq(items) => {
                let parts: Vec<String> = items.iter().map(|v| v.to_string()).collect();
                write!(f, "[{}]", parts.join(", "))
            }
            PyValue::Dict(_) => f.write_str("a dictionary"),
        }
    }
}

/// A recursive-descent parser for the Python literal subset of .npy headers.
struct PyParser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    depth: usize,
}

/// Nesting deeper than this is refused (headers nest two or three levels).
const MAX_DEPTH: usize = 32;

impl<'a> PyParser<'a> {
    fn new(text: &'a str) -> PyParser<'a> {
        PyParser {
            chars: text.chars().peekable(),
            depth: 0,
        }
    }

    /// One value followed by nothing but whitespace.
    fn parse_all(mut self) -> std::result::Result<PyValue, String> {
        let value = self.value()?;
        self.skip_ws();
        match self.chars.next() {
            None => Ok(value),
            Some(c) => Err(format!("unexpected '{c}' after the dictionary")),
        }
    }

    fn skip_ws(&mut self) {
        while self.chars.next_if(|c| c.is_whitespace()).is_some() {}
    }

    fn value(&mut self) -> std::result::Result<PyValue, String> {
        self.skip_ws();
        match self.chars.peek().copied() {
            None => Err("it ends early".to_string()),
            Some('{') => self.nested(|p| p.dict()),
            Some(open @ ('(' | '[')) => {
                let close = if open == '(' { ')' } else { ']' };
                self.nested(|p| p.seq(close))
            }
            Some(quote @ ('\'' | '"')) => self.string(quote),
            Some(c) if c.is_ascii_digit() => self.int(),
            Some(c) if c.is_ascii_alphabetic() => self.word(),
            Some(c) => Err(format!("unexpected '{c}'")),
        }
    }

    fn nested(
        &mut self,
        inner: impl FnOnce(&mut Self) -> std::result::Result<PyValue, String>,
    ) -> std::result::Result<PyValue, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("it nests too deeply".to_string());
        }
        self.chars.next();
        let value = inner(self);
        self.depth -= 1;
        value
    }

    /// Items up to `close`, separated by commas, a trailing comma allowed.
    fn items(
        &mut self,
        close: char,
        mut item: impl FnMut(&mut Self) -> std::result::Result<(), String>,
    ) -> std::result::Result<(), String> {
        loop {
            self.skip_ws();
            if self.chars.next_if_eq(&close).is_some() {
                return Ok(());
            }
            item(self)?;
            self.skip_ws();
            if self.chars.next_if_eq(&',').is_none() {
                self.skip_ws();
                return match self.chars.next() {
                    Some(c) if c == close => Ok(()),
                    Some(c) => Err(format!("expected ',' or '{close}', found '{c}'")),
                    None => Err("it ends early".to_string()),
                };
            }
        }
    }

    fn seq(&mut self, close: char) -> std::result::Result<PyValue, String> {
        let mut items = Vec::new();
        self.items(close, |p| {
            items.push(p.value()?);
            Ok(())
        })?;
        Ok(PyValue::Seq(items))
    }

    fn dict(&mut self) -> std::result::Result<PyValue, String> {
        let mut entries = Vec::new();
        self.items('}', |p| {
            let key = p.value()?;
            p.skip_ws();
            if p.chars.next_if_eq(&':').is_none() {
                return Err(format!("expected ':' after the key {key}"));
            }
            entries.push((key, p.value()?));
            Ok(())
        })?;
        Ok(PyValue::Dict(entries))
    }

    fn string(&mut self, quote: char) -> std::result::Result<PyValue, String> {
        self.chars.next();
        let mut text = String::new();
        loop {
            match self.chars.next() {
                None => return Err("a string is not closed".to_string()),
                Some(c) if c == quote => return Ok(PyValue::Str(text)),
                Some('\\') => match self.chars.next() {
                    Some(c) => text.push(c),
                    None => return Err("a string is not closed".to_string()),
                },
                Some(c) => text.push(c),
            }
        }
    }

    fn int(&mut self) -> std::result::Result<PyValue, String> {
        let mut n: u64 = 0;
        while let Some(d) = self.chars.peek().and_then(|c| c.to_digit(10)) {
            self.chars.next();
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(d as u64))
                .ok_or_else(|| "an integer is too large".to_string())?;
        }
        // Python 2 wrote long integers as `3L`.
        self.chars.next_if(|c| *c == 'L' || *c == 'l');
        Ok(PyValue::Int(n))
    }

    fn word(&mut self) -> std::result::Result<PyValue, String> {
        let mut word = String::new();
        while let Some(c) = self
            .chars
            .next_if(|c| c.is_ascii_alphanumeric() || *c == '_')
        {
            word.push(c);
        }
        match word.as_str() {
            "True" => Ok(PyValue::Bool(true)),
            "False" => Ok(PyValue::Bool(false)),
            "None" => Ok(PyValue::None),
            _ => Err(format!("unexpected word '{word}'")),
        }
    }
}

/// The complete header (magic, version, length, padded dictionary) of a little-endian
/// C-order file; version 1.0 unless the dictionary needs more than 65535 bytes.
fn encode_header(dtype: DType, shape: &[u64]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|n| n.to_string()).collect();
    let shape_text = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape_text}, }}",
        dtype.numpy_str(Endian::Little)
    );
    // numpy pads so that the data starts on a multiple of 64 bytes.
    let padded = |prefix: usize| {
        let unpadded = prefix + dict.len() + 1;
        let total = unpadded.div_ceil(64) * 64;
        let mut text = dict.clone().into_bytes();
        text.resize(total - prefix - 1, b' ');
        text.push(b'\n');
        text
    };
    let text = padded(10);
    let mut out = Vec::with_capacity(text.len() + 12);
    out.extend_from_slice(MAGIC);
    if let Ok(len) = u16::try_from(text.len()) {
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&text);
    } else {
        let text = padded(12);
        out.extend_from_slice(&[2, 0]);
        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
        out.extend_from_slice(&text);
    }
    out
}

#[cfg(test)]
mod tests;
