//! Writing tessera [`Attribute`]s as HDF5 attributes, on datasets, groups or a file's
//! root.
//!
//! An attribute with a stored type ([`StoredType`]) that its JSON value fits is written
//! with exactly that element type and shape: a float32 `scale_factor` stays float32, a
//! 2x3 attribute stays 2x3, a one-element array stays a one-element array even though
//! its value shows as a scalar, an empty int32 array stays one, and a null-dataspace
//! attribute (h5py's `Empty`) stays one. A value that no longer fits its stored type
//! (edited, or a type that cannot hold it) is written as if it had none.
//!
//! Without a stored type (Zarr attributes, or values made by tessera) the type comes
//! from the JSON: scalars or regularly nested arrays (an N-d shape) of
//!
//! - integers: int64, or uint64 when some value is beyond int64 and none negative;
//! - numbers with any float (`"NaN"`, `"Infinity"`, `"-Infinity"` in a numeric array
//!   count as floats): float64; an empty array: float64 of shape `[0]` (numpy's
//!   default);
//! - bools: h5py's bool enum; strings: variable-length UTF-8.
//!
//! On a dataset, the CF attributes `_FillValue`, `missing_value`, `valid_min`,
//! `valid_max` and `valid_range` without a stored type take the dataset's own dtype
//! (netCDF refuses other types), when their values fit it.
//!
//! Anything else (JSON objects, `null`, ragged or mixed arrays, which Zarr attributes
//! can hold) is written as a scalar variable-length string holding the JSON text, so
//! nothing is dropped. An attribute that already exists on the object is replaced.
//! Storage plumbing (the names `attr_read` leaves out, and `CLASS = "DIMENSION_SCALE"`)
//! is not written: it would describe a layout the output does not have.

use std::ffi::CString;
use std::path::Path;

use hdf5::types::VarLenUnicode;
use hdf5::{Datatype, Extents, Location, SimpleExtents};
use serde_json::Value;

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::store::attrs::{flatten, json_float};
use crate::store::{AttrElement, AttrShape, Attribute, Attributes, StoredType};

/// CF attributes that must have the variable's own type (netCDF refuses a
/// `_FillValue` of another type).
const SAME_TYPE_AS_DATA: [&str; 5] = [
    "_FillValue",
    "missing_value",
    "valid_min",
    "valid_max",
    "valid_range",
];

/// What to write for one attribute: its shape and its elements.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Plan {
    pub shape: AttrShape,
    pub payload: Payload,
}

/// The elements of a planned attribute.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Payload {
    /// Native-order elements of one dtype.
    Numbers(DType, Vec<u8>),
    /// Strings, written as variable-length UTF-8.
    Text(Vec<String>),
}

/// Writes `attrs` onto `loc` (a dataset, group or file). `data_dtype` is the dtype of
/// a dataset's elements, for the CF attributes that must share it; `None` for groups.
/// Errors name `path` and the attribute.
pub(crate) fn write_attributes(
    path: &Path,
    loc: &Location,
    data_dtype: Option<DType>,
    attrs: &Attributes,
) -> Result<()> {
    for (name, attribute) in attrs.iter().filter(|(n, a)| !is_plumbing(n, a)) {
        let cf_dtype = data_dtype.filter(|_| SAME_TYPE_AS_DATA.contains(&name));
        let plan = plan(attribute, cf_dtype);
        write_plan(loc, name, &plan)
            .map_err(|e| Error::hdf5(path, &format!("cannot write attribute '{name}'"), e))?;
    }
    Ok(())
}

/// Storage plumbing is never written from metadata: netCDF-4 bookkeeping and
/// dimension-scale attributes would describe a layout the output does not have
/// (dimensions are written by `dims` from `dimension_names`).
fn is_plumbing(name: &str, attribute: &Attribute) -> bool {
    super::attr_read::is_plumbing(name)
        || (name == "CLASS" && attribute.value.as_str() == Some("DIMENSION_SCALE"))
}

/// How `attribute` is written: its stored type when the value fits it, else the
/// dataset's dtype (`cf_dtype`) when given and the value fits, else the type the JSON
/// implies.
pub(super) fn plan(attribute: &Attribute, cf_dtype: Option<DType>) -> Plan {
    let value = &attribute.value;
    let planned = match &attribute.stored {
        Some(stored) => stored_plan(value, stored),
        None => cf_dtype.and_then(|dtype| dtype_plan(value, dtype)),
    };
    planned.unwrap_or_else(|| inferred_plan(value))
}

/// The stored type and shape, when `value` fits them.
fn stored_plan(value: &Value, stored: &StoredType) -> Option<Plan> {
    let (leaves, shape) = match (&stored.shape, value) {
        (AttrShape::Null, Value::Null) => (Vec::new(), AttrShape::Null),
        (AttrShape::Null, _) => return None,
        (AttrShape::Scalar, leaf) if !leaf.is_array() && !leaf.is_object() => {
            (vec![leaf], AttrShape::Scalar)
        }
        (AttrShape::Scalar, _) => return None,
        (AttrShape::Array(dims), value) => (fitting_leaves(value, dims)?, stored.shape.clone()),
    };
    let payload = match stored.element {
        AttrElement::Number(dtype) => Payload::Numbers(dtype, encode_numbers(dtype, &leaves)?),
        AttrElement::Text => Payload::Text(texts(&leaves)?),
    };
    Some(Plan { shape, payload })
}

/// The leaves of `value` when they fill `dims`: the same nested shape, or any nesting
/// of the one value of a one-element shape, or no leaves for a shape with a zero.
fn fitting_leaves<'a>(value: &'a Value, dims: &[u64]) -> Option<Vec<&'a Value>> {
    let (leaves, shape) = flatten(value)?;
    let count = dims.iter().try_fold(1u64, |acc, n| acc.checked_mul(*n))?;
    let fits = shape == dims || (count <= 1 && leaves.len() as u64 == count);
    fits.then_some(leaves)
}

/// `value` (a number, or numbers nested regularly) as `dtype`, when every number fits.
fn dtype_plan(value: &Value, dtype: DType) -> Option<Plan> {
    let (leaves, shape) = flatten(value)?;
    if leaves.is_empty() {
        return None;
    }
    let bytes = encode_numbers(dtype, &leaves)?;
    Some(Plan {
        shape: json_shape(shape),
        payload: Payload::Numbers(dtype, bytes),
    })
}

/// A scalar for a 0-d JSON value, else an array of its shape.
fn json_shape(shape: Vec<u64>) -> AttrShape {
    if shape.is_empty() {
        AttrShape::Scalar
    } else {
        AttrShape::Array(shape)
    }
}

/// The type the JSON implies; the JSON text as a string when it implies none.
pub(super) fn inferred_plan(value: &Value) -> Plan {
    let inferred = flatten(value).and_then(|(leaves, shape)| {
        let payload = infer_payload(&leaves)?;
        Some(Plan {
            shape: json_shape(shape),
            payload,
        })
    });
    inferred.unwrap_or_else(|| Plan {
        shape: AttrShape::Scalar,
        payload: Payload::Text(vec![value.to_string()]),
    })
}

/// int64 / uint64 / float64 / bool / text elements for `leaves`, or None when they
/// mix kinds (or hold a null).
fn infer_payload(leaves: &[&Value]) -> Option<Payload> {
    if leaves.is_empty() {
        return Some(Payload::Numbers(DType::F64, Vec::new()));
    }
    if leaves.iter().all(|v| v.is_boolean()) {
        return Some(Payload::Numbers(
            DType::Bool,
            encode_numbers(DType::Bool, leaves)?,
        ));
    }
    let any_number = leaves.iter().any(|v| v.is_number());
    if !any_number {
        return texts(leaves).map(Payload::Text);
    }
    let integers = leaves.iter().all(|v| v.is_i64() || v.is_u64());
    let beyond_i64 = leaves.iter().any(|v| !v.is_i64());
    let negative = leaves.iter().any(|v| v.as_i64().is_some_and(|i| i < 0));
    let dtype = match (integers, beyond_i64, negative) {
        (true, false, _) => DType::I64,
        (true, true, false) => DType::U64,
        _ => DType::F64,
    };
    Some(Payload::Numbers(dtype, encode_numbers(dtype, leaves)?))
}

fn texts(leaves: &[&Value]) -> Option<Vec<String>> {
    leaves
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// The leaves as native-order elements of `dtype`, when each is exactly a value of
/// it: bools for bool; integers in range (or integral floats) for ints; numbers or
/// the non-finite strings for floats.
pub(super) fn encode_numbers(dtype: DType, leaves: &[&Value]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(leaves.len() * dtype.size());
    for leaf in leaves {
        out.extend_from_slice(&encode_number(dtype, leaf)?);
    }
    Some(out)
}

fn encode_number(dtype: DType, leaf: &Value) -> Option<Vec<u8>> {
    macro_rules! int {
        ($t:ty) => {
            <$t>::try_from(integer(leaf)?)
                .ok()
                .map(|v| v.to_ne_bytes().to_vec())
        };
    }
    match dtype {
        DType::Bool => leaf.as_bool().map(|b| vec![u8::from(b)]),
        DType::I8 => int!(i8),
        DType::I16 => int!(i16),
        DType::I32 => int!(i32),
        DType::I64 => int!(i64),
        DType::U8 => int!(u8),
        DType::U16 => int!(u16),
        DType::U32 => int!(u32),
        DType::U64 => int!(u64),
        DType::F16 => float(leaf).map(|v| half::f16::from_f64(v).to_ne_bytes().to_vec()),
        DType::F32 => float(leaf).map(|v| (v as f32).to_ne_bytes().to_vec()),
        DType::F64 => float(leaf).map(|v| v.to_ne_bytes().to_vec()),
    }
}

/// An integer JSON value (or an integral float within 2^63), widened to i128.
fn integer(leaf: &Value) -> Option<i128> {
    let Value::Number(n) = leaf else {
        return None;
    };
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    let f = n.as_f64()?;
    (f.fract() == 0.0 && f.abs() < 9.2e18).then_some(f as i128)
}

/// A float JSON value: a number or one of the non-finite strings.
fn float(leaf: &Value) -> Option<f64> {
    match leaf {
        Value::Number(_) | Value::String(_) => json_float(leaf),
        _ => None,
    }
}

/// Creates attribute `name` on `loc` as planned (replacing one of that name).
pub(super) fn write_plan(loc: &Location, name: &str, plan: &Plan) -> hdf5::Result<()> {
    if attribute_exists(loc, name)? {
        loc.delete_attr(name)?;
    }
    let extents = match &plan.shape {
        AttrShape::Null => Extents::Null,
        AttrShape::Scalar => Extents::Scalar,
        AttrShape::Array(dims) => Extents::Simple(SimpleExtents::from_vec(
            dims.iter()
                .map(|n| hdf5::Extent::fixed(*n as usize))
                .collect(),
        )),
    };
    match &plan.payload {
        Payload::Numbers(dtype, bytes) => {
            let desc = super::meta::descriptor(*dtype);
            let attr = loc
                .new_attr_builder()
                .empty_as(&desc)
                .shape(extents)
                .create(name)?;
            if bytes.is_empty() {
                return Ok(());
            }
            let memtype = Datatype::from_descriptor(&desc)?;
            write_bytes(&attr, &memtype, bytes)
        }
        Payload::Text(strings) => {
            let values = strings
                .iter()
                .map(|s| s.parse::<VarLenUnicode>())
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|_| {
                    hdf5::Error::from("its text holds a NUL byte, which HDF5 strings cannot hold")
                })?;
            let attr = loc
                .new_attr::<VarLenUnicode>()
                .shape(extents)
                .create(name)?;
            if values.is_empty() || plan.shape == AttrShape::Null {
                return Ok(());
            }
            attr.write_raw(&values)
        }
    }
}

/// True when `loc` has an attribute called `name`.
fn attribute_exists(loc: &Location, name: &str) -> hdf5::Result<bool> {
    let cname = CString::new(name).map_err(|_| hdf5::Error::from("the name holds a NUL byte"))?;
    let ret = hdf5::sync::sync(|| {
        // SAFETY: a live object id and a NUL-terminated name.
        unsafe { hdf5_sys::h5a::H5Aexists(loc.id(), cname.as_ptr()) }
    });
    super::raw::check(i64::from(ret), "cannot look up the attribute")?;
    Ok(ret > 0)
}

/// Writes native-order element bytes (as many as the attribute holds) to `attr`.
fn write_bytes(attr: &hdf5::Attribute, memtype: &Datatype, bytes: &[u8]) -> hdf5::Result<()> {
    let expected = attr.size().saturating_mul(memtype.size());
    if expected != bytes.len() {
        return Err(hdf5::Error::from(format!(
            "{} bytes of values for an attribute of {expected} bytes",
            bytes.len()
        )));
    }
    let ret = hdf5::sync::sync(|| {
        // SAFETY: `bytes` holds exactly the attribute's elements in `memtype` (checked).
        unsafe { hdf5_sys::h5a::H5Awrite(attr.id(), memtype.id(), bytes.as_ptr().cast()) }
    });
    super::raw::check(i64::from(ret), "cannot write the attribute")
}

#[cfg(test)]
mod tests;
