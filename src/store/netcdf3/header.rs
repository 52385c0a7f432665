//! The netCDF-3 header: magic and version, the record count, the dimensions, the global
//! attributes and the variables (name, dimension ids, attributes, type, data offset).
//!
//! The header is parsed as it is read, front to back, from any `Read + Seek` (a buffered
//! file, or bytes in tests). Every count, length and offset is checked against the bytes
//! the file has left before anything is allocated for it, all arithmetic is checked, and
//! the bytes read into memory are capped at [`MAX_HEADER_BYTES`]: a hostile header can
//! make the parse fail, never make it allocate without bound, panic or loop.

use std::io::{Read, Seek, SeekFrom};

use serde_json::Value;

use crate::dtype::DType;
use crate::store::attrs::float_json;
use crate::store::{AttrElement, AttrShape, Attribute, Attributes};

/// Names longer than this many bytes are refused (netCDF's `NC_MAX_NAME` is 256
/// characters, at most 1024 bytes of UTF-8).
const MAX_NAME_BYTES: u64 = 1024;

/// Dimensions a variable may have (netCDF's `NC_MAX_VAR_DIMS`).
const MAX_VAR_DIMS: u64 = 1024;

/// Attributes whose values take more bytes than this are left out of the metadata (the
/// header is still read past them).
pub(super) const MAX_ATTRIBUTE_BYTES: u64 = 1 << 20;

/// Bytes of header (names, attribute values, fixed fields) read into memory at most;
/// real headers take kilobytes.
pub(super) const MAX_HEADER_BYTES: u64 = 16 << 20;

/// `name` as messages quote it: control characters escaped, cut to 80 characters, so
/// that an error stays one short line whatever the file holds.
pub(super) fn shown(name: &str) -> String {
    crate::text::shorten(&name.escape_debug().to_string(), 80)
}

/// The three variants of the format, by the version byte after `CDF`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Version {
    /// CDF-1, the classic format: 32-bit offsets.
    Classic,
    /// CDF-2, 64-bit offsets.
    Offset64,
    /// CDF-5, 64-bit data: 64-bit counts and the unsigned and 64-bit integer types.
    Data64,
}

impl Version {
    /// netCDF's name for the variant (`format=` in netCDF4-python).
    pub(super) fn name(self) -> &'static str {
        match self {
            Version::Classic => "NETCDF3_CLASSIC",
            Version::Offset64 => "NETCDF3_64BIT_OFFSET",
            Version::Data64 => "NETCDF3_64BIT_DATA",
        }
    }

    /// Bytes of a count (`NON_NEG`): 4, or 8 in CDF-5.
    fn count_bytes(self) -> usize {
        match self {
            Version::Data64 => 8,
            _ => 4,
        }
    }

    /// Bytes of a data offset (`OFFSET`): 4 in CDF-1, else 8.
    fn offset_bytes(self) -> usize {
        match self {
            Version::Classic => 4,
            _ => 8,
        }
    }
}

/// An external data type (`nc_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NcType {
    Byte,
    Char,
    Short,
    Int,
    Float,
    Double,
    UByte,
    UShort,
    UInt,
    Int64,
    UInt64,
}

impl NcType {
    fn from_code(code: u32) -> Option<NcType> {
        Some(match code {
            1 => NcType::Byte,
            2 => NcType::Char,
            3 => NcType::Short,
            4 => NcType::Int,
            5 => NcType::Float,
            6 => NcType::Double,
            7 => NcType::UByte,
            8 => NcType::UShort,
            9 => NcType::UInt,
            10 => NcType::Int64,
            11 => NcType::UInt64,
            _ => return None,
        })
    }

    /// The element type, or `None` for `char` (text).
    pub(super) fn dtype(self) -> Option<DType> {
        Some(match self {
            NcType::Byte => DType::I8,
            NcType::Char => return None,
            NcType::Short => DType::I16,
            NcType::Int => DType::I32,
            NcType::Float => DType::F32,
            NcType::Double => DType::F64,
            NcType::UByte => DType::U8,
            NcType::UShort => DType::U16,
            NcType::UInt => DType::U32,
            NcType::Int64 => DType::I64,
            NcType::UInt64 => DType::U64,
        })
    }

    /// Bytes of one element on disk.
    pub(super) fn size(self) -> usize {
        self.dtype().map_or(1, DType::size)
    }

    /// True for the types only CDF-5 has.
    fn is_cdf5_only(self) -> bool {
        matches!(
            self,
            NcType::UByte | NcType::UShort | NcType::UInt | NcType::Int64 | NcType::UInt64
        )
    }

    /// netCDF's name for the type.
    pub(super) fn name(self) -> &'static str {
        match self {
            NcType::Byte => "byte",
            NcType::Char => "char",
            NcType::Short => "short",
            NcType::Int => "int",
            NcType::Float => "float",
            NcType::Double => "double",
            NcType::UByte => "ubyte",
            NcType::UShort => "ushort",
            NcType::UInt => "uint",
            NcType::Int64 => "int64",
            NcType::UInt64 => "uint64",
        }
    }
}

/// A dimension; length 0 marks the record (unlimited) dimension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Dim {
    pub(super) name: String,
    pub(super) len: u64,
}

/// A variable as the header describes it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Var {
    pub(super) name: String,
    /// Indices into the header's dimensions, slowest-varying first.
    pub(super) dimids: Vec<usize>,
    pub(super) attributes: Attributes,
    /// The raw big-endian bytes of a `_FillValue` attribute of the variable's own type.
    pub(super) fill: Option<Vec<u8>>,
    pub(super) nc_type: NcType,
    /// Offset of the data (of the first record, for a record variable).
    pub(super) begin: u64,
}

/// A parsed header. `numrecs` is as stored: `None` for a streaming file, whose record
/// count follows from its length.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Header {
    pub(super) version: Version,
    pub(super) numrecs: Option<u64>,
    pub(super) dims: Vec<Dim>,
    pub(super) attributes: Attributes,
    pub(super) vars: Vec<Var>,
}

impl Header {
    /// The index of the record dimension, if there is one.
    pub(super) fn record_dim(&self) -> Option<usize> {
        self.dims.iter().position(|d| d.len == 0)
    }
}

/// Tags that open the three lists.
const NC_DIMENSION: u32 = 0x0A;
const NC_VARIABLE: u32 = 0x0B;
const NC_ATTRIBUTE: u32 = 0x0C;

/// Reads a header from `src`, a file of `len` bytes. Errors are the reason alone (the
/// caller names the file).
pub(super) fn parse<R: Read + Seek>(src: R, len: u64) -> Result<Header, String> {
    let mut r = Reader {
        src,
        pos: 0,
        len,
        read: 0,
    };
    let magic = r
        .bytes(4)
        .map_err(|_| "too short for a netCDF-3 header".to_string())?;
    if &magic[..3] != b"CDF" {
        return Err("not a netCDF-3 file: the magic bytes CDF are missing".into());
    }
    let version = match magic[3] {
        1 => Version::Classic,
        2 => Version::Offset64,
        5 => Version::Data64,
        other => {
            return Err(format!(
                "unknown netCDF-3 version byte {other}: tessera reads 1 (classic), 2 (64-bit offset) and 5 (64-bit data)"
            ));
        }
    };
    let numrecs = r.numrecs(version)?;
    let c = version.count_bytes() as u64;
    // The fewest bytes an item can take: counts, a 4-byte name, fixed fields.
    let (dim_bytes, var_bytes) = (2 * c + 4, 4 * c + 12 + version.offset_bytes() as u64);
    let dims = r.list(version, NC_DIMENSION, "dimension", dim_bytes, |r| {
        r.dim(version)
    })?;
    check_dims(&dims)?;
    let attributes = r.attributes(version, "global")?.0;
    let vars = r.list(version, NC_VARIABLE, "variable", var_bytes, |r| {
        r.var(version, &dims)
    })?;
    Ok(Header {
        version,
        numrecs,
        dims,
        attributes,
        vars,
    })
}

/// At most one dimension may be the record dimension (length 0).
fn check_dims(dims: &[Dim]) -> Result<(), String> {
    let records: Vec<String> = dims
        .iter()
        .filter(|d| d.len == 0)
        .map(|d| shown(&d.name))
        .collect();
    if records.len() > 1 {
        return Err(format!(
            "{} dimensions ({}) have length 0, but only the one record dimension may",
            records.len(),
            records.join(", ")
        ));
    }
    Ok(())
}

/// A cursor over the header that knows the file's length and counts the bytes read.
struct Reader<R> {
    src: R,
    pos: u64,
    len: u64,
    read: u64,
}

impl<R: Read + Seek> Reader<R> {
    /// Bytes left after the cursor.
    fn left(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    /// Fails unless `n` more bytes lie inside the file.
    fn need(&self, n: u64, what: &str) -> Result<(), String> {
        if n > self.left() {
            return Err(format!(
                "the header is truncated: {what} needs {n} bytes at offset {}, the file has {} left",
                self.pos,
                self.left()
            ));
        }
        Ok(())
    }

    /// Reads `N` bytes.
    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        self.need(N as u64, "a field")?;
        let mut out = [0u8; N];
        self.fill(&mut out)?;
        Ok(out)
    }

    /// Reads `n` bytes (already checked against the file's length by the caller or here).
    fn bytes(&mut self, n: u64) -> Result<Vec<u8>, String> {
        self.need(n, "a value")?;
        let mut out = vec![0u8; usize::try_from(n).map_err(|_| "a value is too large")?];
        self.fill(&mut out)?;
        Ok(out)
    }

    fn fill(&mut self, out: &mut [u8]) -> Result<(), String> {
        let n = out.len() as u64;
        self.read = self.read.saturating_add(n);
        if self.read > MAX_HEADER_BYTES {
            return Err(format!(
                "the header holds more than {} MiB of names, values and fields; tessera refuses headers this large",
                MAX_HEADER_BYTES >> 20
            ));
        }
        self.src
            .read_exact(out)
            .map_err(|e| format!("cannot read the header at offset {}: {e}", self.pos))?;
        self.pos += n;
        Ok(())
    }

    /// Moves the cursor `n` bytes on without reading them.
    fn skip(&mut self, n: u64) -> Result<(), String> {
        self.need(n, "a value")?;
        self.pos += n;
        self.src
            .seek(SeekFrom::Start(self.pos))
            .map(|_| ())
            .map_err(|e| format!("cannot seek in the header to offset {}: {e}", self.pos))
    }

    /// Skips the padding after `n` bytes of a value, up to a multiple of 4.
    fn skip_padding(&mut self, n: u64) -> Result<(), String> {
        let pad = (4 - n % 4) % 4;
        self.need(pad, "padding")?;
        let mut buf = [0u8; 3];
        self.fill(&mut buf[..pad as usize])
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_be_bytes(self.array::<4>()?))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_be_bytes(self.array::<8>()?))
    }

    /// A `NON_NEG` of the version's width. CDF-5's are signed 64-bit integers, so a
    /// value with the top bit set is negative and refused.
    fn non_neg(&mut self, version: Version, what: &str) -> Result<u64, String> {
        let value = match version.count_bytes() {
            8 => self.u64()?,
            _ => u64::from(self.u32()?),
        };
        if value > i64::MAX as u64 {
            return Err(format!("{what} is negative ({})", value as i64));
        }
        Ok(value)
    }

    /// A data offset (`OFFSET`), 4 bytes in CDF-1 and 8 otherwise.
    fn offset(&mut self, version: Version) -> Result<u64, String> {
        match version.offset_bytes() {
            8 => self.u64(),
            _ => Ok(u64::from(self.u32()?)),
        }
    }

    /// The record count; all bits set means "streaming" (count it from the length).
    fn numrecs(&mut self, version: Version) -> Result<Option<u64>, String> {
        let raw = match version.count_bytes() {
            8 => self.u64()?,
            _ => u64::from(self.u32()?),
        };
        let streaming = match version.count_bytes() {
            8 => u64::MAX,
            _ => u64::from(u32::MAX),
        };
        if raw == streaming {
            return Ok(None);
        }
        if raw > i64::MAX as u64 {
            return Err(format!("the record count is negative ({})", raw as i64));
        }
        Ok(Some(raw))
    }

    /// A count of `what` that needs at least `min_bytes` each, checked against what the
    /// file has left.
    fn count(&mut self, version: Version, what: &str, min_bytes: u64) -> Result<u64, String> {
        let n = self.non_neg(version, &format!("the number of {what}s"))?;
        if n.checked_mul(min_bytes).is_none_or(|b| b > self.left()) {
            return Err(format!(
                "the header claims {n} {what}s, more than the {} bytes left in the file can hold",
                self.left()
            ));
        }
        Ok(n)
    }

    /// A list: its tag (or ABSENT, a zero tag and a zero count), its count, then items.
    fn list<T>(
        &mut self,
        version: Version,
        tag: u32,
        what: &str,
        min_bytes: u64,
        mut item: impl FnMut(&mut Self) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        let found = self.u32()?;
        let n = self.count(version, what, min_bytes)?;
        if found != tag && !(found == 0 && n == 0) {
            return Err(format!(
                "expected the {what} list (tag {tag:#x}) or an empty one, found tag {found:#x} with {n} items"
            ));
        }
        // Grown as items are read (each consumed bytes of the file), never reserved
        // from the claimed count.
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(item(self)?);
        }
        Ok(out)
    }

    /// A name: its length, UTF-8 bytes, padding.
    fn name(&mut self, version: Version, what: &str) -> Result<String, String> {
        let n = self.non_neg(version, &format!("the length of a {what} name"))?;
        if n == 0 {
            return Err(format!("a {what} has an empty name"));
        }
        if n > MAX_NAME_BYTES {
            return Err(format!(
                "a {what} name of {n} bytes is longer than the {MAX_NAME_BYTES} accepted"
            ));
        }
        let bytes = self.bytes(n)?;
        self.skip_padding(n)?;
        String::from_utf8(bytes).map_err(|_| format!("a {what} name is not valid UTF-8"))
    }

    fn dim(&mut self, version: Version) -> Result<Dim, String> {
        let name = self.name(version, "dimension")?;
        let what = format!("the length of dimension '{}'", shown(&name));
        let len = self.non_neg(version, &what)?;
        Ok(Dim { name, len })
    }

    fn nc_type(&mut self, owner: &str) -> Result<NcType, String> {
        let code = self.u32()?;
        NcType::from_code(code).ok_or_else(|| format!("{owner} has an unknown type code {code}"))
    }

    /// An attribute list; also returns the raw bytes of `_FillValue` and its type.
    fn attributes(&mut self, version: Version, owner: &str) -> Result<AttrList, String> {
        let mut fill = None;
        let min = 2 * version.count_bytes() as u64 + 8;
        let items = self.list(version, NC_ATTRIBUTE, "attribute", min, |r| {
            r.attribute(version, owner)
        })?;
        let mut attributes = Attributes::new();
        for (name, nc_type, raw) in items {
            let Some(raw) = raw else { continue };
            if name == "_FillValue" {
                fill = Some((nc_type, raw.clone()));
            }
            attributes.insert(name, attribute_value(nc_type, &raw));
        }
        Ok((attributes, fill))
    }

    /// One attribute: name, type and the raw values (`None` when over
    /// [`MAX_ATTRIBUTE_BYTES`] and skipped).
    fn attribute(
        &mut self,
        version: Version,
        owner: &str,
    ) -> Result<(String, NcType, Option<Vec<u8>>), String> {
        let name = self.name(version, "attribute")?;
        let owner = format!("attribute '{}' of {owner}", shown(&name));
        let nc_type = self.nc_type(&owner)?;
        check_type_in_version(nc_type, version, &owner)?;
        let n = self.non_neg(version, &format!("the length of {owner}"))?;
        let bytes = n
            .checked_mul(nc_type.size() as u64)
            .filter(|b| *b <= self.left())
            .ok_or_else(|| {
                format!("{owner} claims {n} values, more than the file has bytes left")
            })?;
        let raw = if bytes > MAX_ATTRIBUTE_BYTES {
            self.skip(bytes)?;
            None
        } else {
            Some(self.bytes(bytes)?)
        };
        self.skip_padding(bytes)?;
        Ok((name, nc_type, raw))
    }

    fn var(&mut self, version: Version, dims: &[Dim]) -> Result<Var, String> {
        let name = self.name(version, "variable")?;
        let owner = format!("variable '{}'", shown(&name));
        let ndims = self.count(version, "dimension id", version.count_bytes() as u64)?;
        if ndims > MAX_VAR_DIMS {
            return Err(format!(
                "{owner} has {ndims} dimensions, more than the {MAX_VAR_DIMS} accepted"
            ));
        }
        let mut dimids = Vec::new();
        for _ in 0..ndims {
            let id = self.non_neg(version, &format!("a dimension id of {owner}"))?;
            match usize::try_from(id).ok().filter(|i| *i < dims.len()) {
                Some(i) if dims[i].len == 0 && !dimids.is_empty() => {
                    return Err(format!(
                        "{owner} has the record dimension '{}' after its first dimension; only the first may be",
                        shown(&dims[i].name)
                    ));
                }
                Some(i) => dimids.push(i),
                None => {
                    return Err(format!(
                        "{owner} names dimension id {id}, but the file has {} dimensions",
                        dims.len()
                    ));
                }
            }
        }
        let (attributes, fill) = self.attributes(version, &owner)?;
        let nc_type = self.nc_type(&owner)?;
        check_type_in_version(nc_type, version, &owner)?;
        // vsize is redundant (and saturated for large variables in CDF-1/2): the
        // reader computes sizes from the shape.
        let _vsize = self.non_neg(version, &format!("the size of {owner}"))?;
        let begin = self.offset(version)?;
        let fill = fill.filter(|(t, raw)| *t == nc_type && raw.len() >= nc_type.size());
        Ok(Var {
            name,
            dimids,
            attributes,
            fill: fill.map(|(_, raw)| raw[..nc_type.size()].to_vec()),
            nc_type,
            begin,
        })
    }
}

/// Attributes, and the type and raw bytes of `_FillValue` if there is one.
type AttrList = (Attributes, Option<(NcType, Vec<u8>)>);

/// The unsigned and 64-bit types belong to CDF-5 only.
fn check_type_in_version(nc_type: NcType, version: Version, owner: &str) -> Result<(), String> {
    if nc_type.is_cdf5_only() && version != Version::Data64 {
        return Err(format!(
            "{owner} has type {}, which only the 64-bit data format (CDF-5) has, not {}",
            nc_type.name(),
            version.name()
        ));
    }
    Ok(())
}

/// An attribute's typed value: text for `char` (trailing NULs trimmed), else the
/// numbers, one-element lists as scalars.
fn attribute_value(nc_type: NcType, raw: &[u8]) -> Attribute {
    let Some(dtype) = nc_type.dtype() else {
        let end = raw.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
        let text = String::from_utf8_lossy(&raw[..end]).into_owned();
        return Attribute::typed(Value::String(text), AttrElement::Text, AttrShape::Scalar);
    };
    let values: Vec<Value> = raw
        .chunks_exact(dtype.size())
        .map(|b| number_json(dtype, b))
        .collect();
    let shape = AttrShape::Array(vec![values.len() as u64]);
    let value = match <[Value; 1]>::try_from(values) {
        Ok([one]) => one,
        Err(values) => Value::Array(values),
    };
    Attribute::typed(value, AttrElement::Number(dtype), shape)
}

/// One big-endian number as JSON; float32 through its shortest decimal form, so that
/// 0.01f32 reads as 0.01.
fn number_json(dtype: DType, b: &[u8]) -> Value {
    let mut buf = [0u8; 8];
    buf[8 - b.len()..].copy_from_slice(b);
    let u = u64::from_be_bytes(buf);
    match dtype {
        DType::I8 => Value::from(u as u8 as i8),
        DType::I16 => Value::from(u as u16 as i16),
        DType::I32 => Value::from(u as u32 as i32),
        DType::I64 => Value::from(u as i64),
        DType::F32 => {
            let v = f32::from_bits(u as u32);
            float_json(v.to_string().parse().unwrap_or(f64::from(v)))
        }
        DType::F64 => float_json(f64::from_bits(u)),
        _ => Value::from(u),
    }
}
