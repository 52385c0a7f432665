//! Reading HDF5 attributes as typed tessera [`Attribute`]s: the JSON value and the
//! element type and shape the value was stored with.
//!
//! What is read:
//!
//! - numbers of every tessera dtype (int8..uint64, float16/32/64, h5py's bool enum),
//!   in either byte order; float32 and float16 values show as their shortest decimal
//!   (0.01f32 reads as 0.01, not 0.009999999776482582);
//! - text: fixed- and variable-length strings, ASCII or UTF-8 (invalid UTF-8 is read
//!   with replacement characters; space-padded strings lose their padding);
//! - any shape: a scalar dataspace gives a scalar, an N-d one arrays nested by shape
//!   (`attrs::nest`), a one-element array the scalar itself (netCDF stores scalars as
//!   one-element arrays; the stored shape keeps `[1]`), an empty one `[]`; and the null
//!   dataspace (h5py's `Empty`): `null`, with its element type kept.
//!
//! Attributes of other types (compound, reference, enum other than bool, opaque,
//! bitfield, variable-length sequences, array types) and attributes of more than
//! [`MAX_ATTRIBUTE_ELEMENTS`] elements are not read: they are listed with the reason in
//! [`ReadAttributes::skipped`], so a caller can say what a copy leaves behind. The
//! metadata ([`crate::store::ArrayMeta`], [`crate::store::GroupEntry`]) carries only the
//! attributes read.
//!
//! Storage plumbing is left out altogether (not even listed as skipped): netCDF-4's
//! bookkeeping (`_Netcdf4*`, `_nc3*`, `_NCProperties`) and HDF5 dimension scales
//! (`DIMENSION_LIST`, `REFERENCE_LIST`, and `CLASS`/`NAME` on a scale). It describes
//! this file's layout; copied elsewhere it would mislead netCDF readers. Dimension
//! names are read from it separately (`dims`).
//!
//! Attributes come in creation order where the object tracks it (netCDF-4 files do),
//! else in name order (as h5py lists them).

use std::ffi::c_uint;

use hdf5::types::{FloatSize, IntSize, TypeDescriptor, VarLenAscii, VarLenUnicode};
use hdf5::{Datatype, H5Type, IndexType, IterationOrder, Location};
use hdf5_sys::h5i::{H5I_type_t, H5Iget_type, hid_t};
use hdf5_sys::h5p::{H5P_CRT_ORDER_TRACKED, H5Pclose, H5Pget_attr_creation_order};
use hdf5_sys::h5t::{H5T_class_t, H5T_cset_t, H5T_str_t};
use serde_json::Value;

use crate::dtype::DType;
use crate::store::attrs::{float_json, nest};
use crate::store::{AttrElement, AttrShape, Attribute, Attributes};

/// Attributes larger than this (elements, or bytes / 64 of fixed strings) are not
/// read: a hostile file could otherwise make `info` allocate without bound.
pub(crate) const MAX_ATTRIBUTE_ELEMENTS: usize = 1 << 16;

/// At most this many attributes of one object are read.
pub(crate) const MAX_ATTRIBUTES: usize = 1 << 12;

/// The attributes of one object, and those that were not read.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ReadAttributes {
    /// The attributes read, in order, plumbing left out.
    pub attributes: Attributes,
    /// Attributes not read, each with why (`has a compound type`, ...).
    pub skipped: Vec<SkippedAttribute>,
}

/// An attribute tessera does not read, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SkippedAttribute {
    /// Its name.
    pub name: String,
    /// Why it was not read, as a phrase (`has a compound type`).
    pub reason: String,
}

impl ReadAttributes {
    /// The attributes read, with those skipped recorded as unread.
    pub(crate) fn into_attributes(self) -> Attributes {
        let mut attributes = self.attributes;
        for skipped in self.skipped {
            attributes.push_unread(skipped.name, skipped.reason);
        }
        attributes
    }
}

/// The attributes of a dataset, group or file root.
pub(crate) fn read_attributes(loc: &Location) -> ReadAttributes {
    let (names, total) = attribute_names(loc);
    let mut out = ReadAttributes::default();
    for name in names.into_iter().filter(|n| !is_plumbing(n)) {
        let read = loc
            .attr(&name)
            .map_err(|e| format!("cannot be opened: {}", crate::error::hdf5_reason(&e)))
            .and_then(|attr| read_attribute(&attr));
        match read {
            Ok(attribute) => out.attributes.insert(name, attribute),
            Err(reason) => out.skipped.push(SkippedAttribute { name, reason }),
        }
    }
    if total > MAX_ATTRIBUTES {
        out.skipped.push(SkippedAttribute {
            name: format!("({} more)", total - MAX_ATTRIBUTES),
            reason: format!(
                "the object has {total} attributes; tessera reads the first {MAX_ATTRIBUTES}"
            ),
        });
    }
    drop_scale_plumbing(&mut out);
    out
}

/// True for the bookkeeping attributes of netCDF-4 and of HDF5 dimension scales.
pub(super) fn is_plumbing(name: &str) -> bool {
    name.starts_with("_Netcdf4")
        || name.starts_with("_nc3")
        || name == "_NCProperties"
        || name == "DIMENSION_LIST"
        || name == "REFERENCE_LIST"
}

/// `CLASS` and `NAME` are a dimension scale's own plumbing.
fn drop_scale_plumbing(read: &mut ReadAttributes) {
    let is_scale =
        read.attributes.value("CLASS").and_then(Value::as_str) == Some("DIMENSION_SCALE");
    if is_scale {
        read.attributes.retain(|n, _| n != "CLASS" && n != "NAME");
        read.skipped
            .retain(|s| s.name != "CLASS" && s.name != "NAME");
    }
}

/// The first [`MAX_ATTRIBUTES`] names in creation order when tracked, else in name
/// order; and how many attributes the object has.
fn attribute_names(loc: &Location) -> (Vec<String>, usize) {
    let index = if tracks_creation_order(loc.id()) {
        IndexType::CreationOrder
    } else {
        IndexType::Name
    };
    let mut names = Vec::new();
    let mut total = 0usize;
    let _ = loc.find_attr(index, IterationOrder::Increasing, |name, _| {
        total += 1;
        if names.len() < MAX_ATTRIBUTES {
            names.push(name.to_owned());
        }
        Ok(None::<()>)
    });
    (names, total)
}

/// True when the object (dataset, group or file root) tracks attribute creation order.
fn tracks_creation_order(id: hid_t) -> bool {
    hdf5::sync::sync(|| {
        // SAFETY: `id` is a live object id; the property list is ours and closed here.
        unsafe {
            let plist = match H5Iget_type(id) {
                H5I_type_t::H5I_DATASET => hdf5_sys::h5d::H5Dget_create_plist(id),
                H5I_type_t::H5I_GROUP => hdf5_sys::h5g::H5Gget_create_plist(id),
                H5I_type_t::H5I_FILE => hdf5_sys::h5f::H5Fget_create_plist(id),
                _ => return false,
            };
            if plist < 0 {
                return false;
            }
            let mut flags: c_uint = 0;
            let ret = H5Pget_attr_creation_order(plist, &mut flags);
            H5Pclose(plist);
            ret >= 0 && flags & H5P_CRT_ORDER_TRACKED != 0
        }
    })
}

/// What an attribute's elements are, as far as tessera reads them.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Number(DType),
    VarText { utf8: bool },
    FixedText { size: usize, space_padded: bool },
}

/// One attribute, or why it is not read.
pub(super) fn read_attribute(attr: &hdf5::Attribute) -> Result<Attribute, String> {
    let reason = |e: hdf5::Error| crate::error::hdf5_reason(&e);
    let shape = attribute_shape(attr)?;
    let count = element_count(&shape)?;
    let datatype = attr.dtype().map_err(reason)?;
    let kind = element_kind(&datatype)?;
    let element = match kind {
        Kind::Number(dtype) => AttrElement::Number(dtype),
        Kind::VarText { .. } | Kind::FixedText { .. } => AttrElement::Text,
    };
    let value = match &shape {
        AttrShape::Null => Value::Null,
        AttrShape::Scalar => one(read_values(attr, &datatype, kind, count)?)?,
        AttrShape::Array(_) if count == 1 => one(read_values(attr, &datatype, kind, count)?)?,
        AttrShape::Array(dims) => nest(read_values(attr, &datatype, kind, count)?, dims)
            .ok_or("read a number of values that does not match its shape")?,
    };
    Ok(Attribute::typed(value, element, shape))
}

fn one(values: Vec<Value>) -> Result<Value, String> {
    values
        .into_iter()
        .next()
        .ok_or_else(|| "read no value".to_string())
}

/// The attribute's dataspace as a tessera shape.
fn attribute_shape(attr: &hdf5::Attribute) -> Result<AttrShape, String> {
    let space = attr.space().map_err(|e| crate::error::hdf5_reason(&e))?;
    Ok(if space.is_null() {
        AttrShape::Null
    } else if space.is_scalar() {
        AttrShape::Scalar
    } else {
        AttrShape::Array(space.shape().iter().map(|n| *n as u64).collect())
    })
}

/// Elements in `shape`, refused beyond [`MAX_ATTRIBUTE_ELEMENTS`].
fn element_count(shape: &AttrShape) -> Result<usize, String> {
    let count = match shape {
        AttrShape::Null => Some(0),
        AttrShape::Scalar => Some(1),
        AttrShape::Array(dims) => dims.iter().try_fold(1u64, |acc, n| acc.checked_mul(*n)),
    };
    match count {
        Some(n) if n <= MAX_ATTRIBUTE_ELEMENTS as u64 => Ok(n as usize),
        _ => Err(format!(
            "has shape {shape:?}, more than the {MAX_ATTRIBUTE_ELEMENTS} elements tessera reads"
        )),
    }
}

/// The element kind of `datatype`, or the reason tessera does not read it. The type's
/// class is checked before it is described, so nested types are never walked.
fn element_kind(datatype: &Datatype) -> Result<Kind, String> {
    let class = hdf5::sync::sync(|| {
        // SAFETY: a live datatype id.
        unsafe { hdf5_sys::h5t::H5Tget_class(datatype.id()) }
    });
    match class {
        H5T_class_t::H5T_INTEGER | H5T_class_t::H5T_FLOAT | H5T_class_t::H5T_ENUM => {
            number_kind(datatype).map(Kind::Number)
        }
        H5T_class_t::H5T_STRING => text_kind(datatype),
        H5T_class_t::H5T_COMPOUND => Err("has a compound type".into()),
        H5T_class_t::H5T_REFERENCE => Err("holds object or region references".into()),
        H5T_class_t::H5T_VLEN => Err("has a variable-length sequence type".into()),
        H5T_class_t::H5T_ARRAY => Err("has an HDF5 array type".into()),
        H5T_class_t::H5T_OPAQUE => Err("has an opaque type".into()),
        H5T_class_t::H5T_BITFIELD => Err("has a bitfield type".into()),
        _ => Err("has a type tessera does not read".into()),
    }
}

fn number_kind(datatype: &Datatype) -> Result<DType, String> {
    let desc = datatype.to_descriptor().map_err(|e| {
        format!(
            "has a type tessera does not read ({})",
            crate::error::hdf5_reason(&e)
        )
    })?;
    let rank = |size: IntSize| match size {
        IntSize::U1 => 0,
        IntSize::U2 => 1,
        IntSize::U4 => 2,
        IntSize::U8 => 3,
    };
    Ok(match desc {
        TypeDescriptor::Boolean => DType::Bool,
        TypeDescriptor::Integer(s) => [DType::I8, DType::I16, DType::I32, DType::I64][rank(s)],
        TypeDescriptor::Unsigned(s) => [DType::U8, DType::U16, DType::U32, DType::U64][rank(s)],
        TypeDescriptor::Float(FloatSize::U2) => DType::F16,
        TypeDescriptor::Float(FloatSize::U4) => DType::F32,
        TypeDescriptor::Float(FloatSize::U8) => DType::F64,
        TypeDescriptor::Enum(_) => return Err("is an enum (other than h5py's bool)".into()),
        other => return Err(format!("has type {other}, which tessera does not read")),
    })
}

fn text_kind(datatype: &Datatype) -> Result<Kind, String> {
    hdf5::sync::sync(|| {
        // SAFETY: a live string datatype id.
        unsafe {
            let id = datatype.id();
            let cset = hdf5_sys::h5t::H5Tget_cset(id);
            if hdf5_sys::h5t::H5Tis_variable_str(id) > 0 {
                return Ok(Kind::VarText {
                    utf8: cset == H5T_cset_t::H5T_CSET_UTF8,
                });
            }
            let size = hdf5_sys::h5t::H5Tget_size(id);
            if size == 0 {
                return Err("has a string type of size 0".to_string());
            }
            let space_padded = hdf5_sys::h5t::H5Tget_strpad(id) == H5T_str_t::H5T_STR_SPACEPAD;
            Ok(Kind::FixedText { size, space_padded })
        }
    })
}

fn read_values(
    attr: &hdf5::Attribute,
    datatype: &Datatype,
    kind: Kind,
    count: usize,
) -> Result<Vec<Value>, String> {
    let reason = |e: hdf5::Error| crate::error::hdf5_reason(&e);
    match kind {
        Kind::Number(dtype) => {
            // Bools are read as the file's own one-byte enum: any byte is valid.
            let memtype = if dtype == DType::Bool {
                datatype.clone()
            } else {
                Datatype::from_descriptor(&super::meta::descriptor(dtype)).map_err(reason)?
            };
            let bytes = read_bytes(attr, &memtype, dtype.size(), count)?;
            Ok(bytes
                .chunks_exact(dtype.size())
                .map(|b| number_json(dtype, b))
                .collect())
        }
        Kind::VarText { utf8: true } => var_strings::<VarLenUnicode>(attr, |s| s.as_bytes()),
        Kind::VarText { utf8: false } => var_strings::<VarLenAscii>(attr, |s| s.as_bytes()),
        Kind::FixedText { size, space_padded } => {
            if size.saturating_mul(count) > MAX_ATTRIBUTE_ELEMENTS * 64 {
                return Err(format!(
                    "holds {count} strings of {size} bytes, more text than tessera reads"
                ));
            }
            let bytes = read_bytes(attr, datatype, size, count)?;
            Ok(bytes
                .chunks_exact(size)
                .map(|s| Value::from(fixed_text(s, space_padded)))
                .collect())
        }
    }
}

/// The attribute's `count` elements converted to `memtype` (`size` bytes each).
fn read_bytes(
    attr: &hdf5::Attribute,
    memtype: &Datatype,
    size: usize,
    count: usize,
) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; size * count];
    if buf.is_empty() {
        return Ok(buf);
    }
    let ret = hdf5::sync::sync(|| {
        // SAFETY: buf holds `count` elements of `size` bytes, the size of `memtype`.
        unsafe { hdf5_sys::h5a::H5Aread(attr.id(), memtype.id(), buf.as_mut_ptr().cast()) }
    });
    super::raw::check(i64::from(ret), "cannot read the attribute")
        .map_err(|e| crate::error::hdf5_reason(&e))?;
    Ok(buf)
}

fn var_strings<T: H5Type>(
    attr: &hdf5::Attribute,
    bytes: impl Fn(&T) -> &[u8],
) -> Result<Vec<Value>, String> {
    let strings = attr
        .read_raw::<T>()
        .map_err(|e| crate::error::hdf5_reason(&e))?;
    Ok(strings
        .iter()
        .map(|s| Value::from(String::from_utf8_lossy(bytes(s)).into_owned()))
        .collect())
}

/// A fixed-length string: up to its first NUL, without the padding of space-padded
/// (Fortran) strings.
fn fixed_text(bytes: &[u8], space_padded: bool) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    let text = String::from_utf8_lossy(&bytes[..end]);
    if space_padded {
        text.trim_end_matches(' ').to_string()
    } else {
        text.into_owned()
    }
}

/// One native-order element of `dtype` as JSON.
fn number_json(dtype: DType, b: &[u8]) -> Value {
    use bytemuck::pod_read_unaligned as read;
    match dtype {
        DType::Bool => Value::Bool(b.iter().any(|x| *x != 0)),
        DType::I8 => Value::from(read::<i8>(b)),
        DType::I16 => Value::from(read::<i16>(b)),
        DType::I32 => Value::from(read::<i32>(b)),
        DType::I64 => Value::from(read::<i64>(b)),
        DType::U8 => Value::from(read::<u8>(b)),
        DType::U16 => Value::from(read::<u16>(b)),
        DType::U32 => Value::from(read::<u32>(b)),
        DType::U64 => Value::from(read::<u64>(b)),
        DType::F16 => float_json(shortest_f16(half::f16::from_bits(read::<u16>(b)))),
        DType::F32 => float_json(shortest_f32(read::<f32>(b))),
        DType::F64 => float_json(read::<f64>(b)),
    }
}

/// The float64 of the shortest decimal that reads back as `v` (0.01f32 -> 0.01).
pub(super) fn shortest_f32(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

/// The float64 of the shortest decimal that reads back as `v` (float16 0.1 -> 0.1).
pub(super) fn shortest_f16(v: half::f16) -> f64 {
    let exact = v.to_f64();
    if !exact.is_finite() {
        return exact;
    }
    (0..17)
        .filter_map(|digits| format!("{exact:.digits$e}").parse::<f64>().ok())
        .find(|p| half::f16::from_f64(*p) == v)
        .unwrap_or(exact)
}
