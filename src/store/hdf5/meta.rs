//! What an HDF5 dataset is, in tessera's terms: opening files with one-line errors,
//! dtype and byte order, filter names, and attributes to and from JSON.

use std::path::Path;

use hdf5::types::{FloatSize, IntSize, TypeDescriptor, VarLenAscii, VarLenUnicode};
use hdf5::{Dataset, Datatype, H5Type, Location};
use serde_json::{Map, Number, Value};

use crate::dtype::{DType, Endian};
use crate::error::{Error, Result, hdf5_reason};
use crate::store::Attributes;

/// Wraps an hdf5-metno error as tessera's HDF5 error on `path`.
pub(super) fn h5err(path: &Path) -> impl Fn(hdf5::Error) -> Error + '_ {
    move |e| Error::hdf5(path, "", e)
}

/// Opens `path` for reading without blocking, and refuses anything but a regular
/// file: a FIFO or device named `x.h5` would otherwise block HDF5's own open forever.
fn open_regular(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(Error::format(
            path,
            "is not a regular file (a FIFO, socket, device or directory); tessera reads HDF5 only from regular files",
        ));
    }
    Ok(file)
}

/// Opens an HDF5 file read-only; failures say why in words a user can act on, and keep
/// HDF5's error as the source.
pub(super) fn open_file(path: &Path) -> Result<hdf5::File> {
    super::plugins::apply_policy();
    drop(open_regular(path)?);
    hdf5::File::open(path).map_err(|e| {
        let text = hdf5_reason(&e);
        let lower = text.to_ascii_lowercase();
        let reason = if lower.contains("already open for write") || lower.contains("swmr") {
            format!(
                "cannot open the file: its header says another program has it open for \
                 writing (file locking/SWMR flag); if no program is writing it, clear the flag \
                 with `h5clear -s {}` and try again",
                path.display()
            )
        } else if lower.contains("signature") {
            "cannot open the file: no HDF5 signature found (not an HDF5 or netCDF4 file)"
                .to_string()
        } else if lower.contains("truncated") || lower.contains("eof") {
            format!("cannot open the file: it is truncated (shorter than its header says): {text}")
        } else {
            format!("cannot open the file: {text}")
        };
        Error::Hdf5 {
            path: path.to_path_buf(),
            reason,
            source: e,
        }
    })
}

/// The tessera dtype and byte order of a dataset's element type, or the reason it is
/// not numeric.
pub(super) fn dtype_of(path: &Path, datatype: &Datatype) -> Result<(DType, Endian)> {
    let unsupported = |what: String| Error::UnsupportedDtype {
        path: path.to_path_buf(),
        dtype: what,
    };
    let desc = datatype
        .to_descriptor()
        .map_err(|e| unsupported(hdf5_reason(&e)))?;
    let dtype = match &desc {
        TypeDescriptor::Boolean => DType::Bool,
        TypeDescriptor::Integer(s) => [DType::I8, DType::I16, DType::I32, DType::I64][int_rank(*s)],
        TypeDescriptor::Unsigned(s) => {
            [DType::U8, DType::U16, DType::U32, DType::U64][int_rank(*s)]
        }
        TypeDescriptor::Float(FloatSize::U2) => DType::F16,
        TypeDescriptor::Float(FloatSize::U4) => DType::F32,
        TypeDescriptor::Float(FloatSize::U8) => DType::F64,
        other => return Err(unsupported(other.to_string())),
    };
    let endian = match datatype.byte_order() {
        hdf5::datatype::ByteOrder::BigEndian => Endian::Big,
        _ => Endian::Little,
    };
    Ok((dtype, endian))
}

fn int_rank(size: IntSize) -> usize {
    match size {
        IntSize::U1 => 0,
        IntSize::U2 => 1,
        IntSize::U4 => 2,
        IntSize::U8 => 3,
    }
}

/// The HDF5 type description of a tessera dtype (native byte order; bool as h5py's
/// FALSE/TRUE enum of int8).
pub(super) fn descriptor(dtype: DType) -> TypeDescriptor {
    match dtype {
        DType::Bool => TypeDescriptor::Boolean,
        DType::I8 => TypeDescriptor::Integer(IntSize::U1),
        DType::I16 => TypeDescriptor::Integer(IntSize::U2),
        DType::I32 => TypeDescriptor::Integer(IntSize::U4),
        DType::I64 => TypeDescriptor::Integer(IntSize::U8),
        DType::U8 => TypeDescriptor::Unsigned(IntSize::U1),
        DType::U16 => TypeDescriptor::Unsigned(IntSize::U2),
        DType::U32 => TypeDescriptor::Unsigned(IntSize::U4),
        DType::U64 => TypeDescriptor::Unsigned(IntSize::U8),
        DType::F16 => TypeDescriptor::Float(FloatSize::U2),
        DType::F32 => TypeDescriptor::Float(FloatSize::U4),
        DType::F64 => TypeDescriptor::Float(FloatSize::U8),
    }
}

/// The in-memory HDF5 type of a tessera dtype.
pub(super) fn memtype(path: &Path, dtype: DType) -> Result<Datatype> {
    Datatype::from_descriptor(&descriptor(dtype)).map_err(h5err(path))
}

/// A filter's usual name, for messages and `codec` text.
pub(super) fn filter_name(id: i32, params: &[u32]) -> String {
    match id {
        1 => format!("deflate({})", params.first().copied().unwrap_or(0)),
        2 => "shuffle".into(),
        3 => "fletcher32".into(),
        4 => "szip".into(),
        5 => "nbit".into(),
        6 => "scaleoffset".into(),
        307 => "bzip2".into(),
        32000 => "lzf".into(),
        32001 => "blosc".into(),
        32004 => "lz4".into(),
        32008 => "bitshuffle".into(),
        32013 => "zfp".into(),
        32015 => "zstd".into(),
        32017 => "sz".into(),
        other => format!("filter {other}"),
    }
}

/// The dataset's attributes as JSON: numbers, bools and strings, scalars or arrays
/// (one-element arrays, as netCDF stores scalars, become scalars). Others are skipped.
/// Storage plumbing (netCDF-4 bookkeeping, HDF5 dimension scales) is left out: it
/// describes this file's layout, and copied elsewhere it would mislead netCDF readers.
pub(super) fn read_attributes(loc: &Location) -> Attributes {
    let mut out = Map::new();
    for name in loc.attr_names().unwrap_or_default() {
        if let Some(value) = loc.attr(&name).ok().and_then(|a| attribute_json(&a)) {
            out.insert(name, value);
        }
    }
    if out.get("CLASS").and_then(Value::as_str) == Some("DIMENSION_SCALE") {
        out.remove("CLASS");
        out.remove("NAME");
    }
    out.retain(|name, _| !is_plumbing(name));
    out.into()
}

fn is_plumbing(name: &str) -> bool {
    name.starts_with("_Netcdf4")
        || name.starts_with("_nc3")
        || name == "_NCProperties"
        || name == "DIMENSION_LIST"
        || name == "REFERENCE_LIST"
}

/// CF attributes that must have the variable's own type (netCDF refuses a
/// `_FillValue` of another type).
const SAME_TYPE_AS_DATA: [&str; 5] = [
    "_FillValue",
    "missing_value",
    "valid_min",
    "valid_max",
    "valid_range",
];

/// Attributes larger than this (elements, or bytes of fixed strings) are left out of
/// the metadata: a hostile file could otherwise make `info` allocate without bound.
const MAX_ATTRIBUTE_ELEMENTS: usize = 1 << 16;

fn attribute_json(attr: &hdf5::Attribute) -> Option<Value> {
    if attr.size() > MAX_ATTRIBUTE_ELEMENTS {
        return None;
    }
    let desc = attr.dtype().ok()?.to_descriptor().ok()?;
    let values: Vec<Value> = match desc {
        TypeDescriptor::Integer(_) => numbers::<i64>(attr, |v| Some(Value::from(v)))?,
        TypeDescriptor::Unsigned(_) => numbers::<u64>(attr, |v| Some(Value::from(v)))?,
        // float32 goes through its shortest decimal form: 0.01f32 reads as 0.01.
        TypeDescriptor::Float(FloatSize::U8) => numbers::<f64>(attr, |v| Some(float_json(v)))?,
        TypeDescriptor::Float(_) => numbers::<f32>(attr, |v| {
            Some(float_json(v.to_string().parse().unwrap_or(f64::from(v))))
        })?,
        TypeDescriptor::Boolean => numbers::<bool>(attr, |v| Some(Value::from(v)))?,
        TypeDescriptor::VarLenUnicode => {
            numbers::<VarLenUnicode>(attr, |v| Some(Value::from(v.as_str())))?
        }
        TypeDescriptor::VarLenAscii => {
            numbers::<VarLenAscii>(attr, |v| Some(Value::from(v.as_str())))?
        }
        TypeDescriptor::FixedAscii(n) | TypeDescriptor::FixedUnicode(n) => fixed_strings(attr, n)?,
        _ => return None,
    };
    Some(match (attr.ndim(), values.len()) {
        (0, _) | (_, 1) => values.into_iter().next()?,
        _ => Value::Array(values),
    })
}

fn numbers<T: H5Type>(
    attr: &hdf5::Attribute,
    f: impl Fn(T) -> Option<Value>,
) -> Option<Vec<Value>> {
    attr.read_raw::<T>().ok()?.into_iter().map(f).collect()
}

fn fixed_strings(attr: &hdf5::Attribute, n: usize) -> Option<Vec<Value>> {
    if n == 0 || n.checked_mul(attr.size().max(1))? > MAX_ATTRIBUTE_ELEMENTS * 64 {
        return None;
    }
    let datatype = attr.dtype().ok()?;
    let count = attr.size().max(1);
    let mut buf = vec![0u8; n * count];
    let ret = hdf5::sync::sync(|| {
        // SAFETY: buf holds `count` strings of the attribute's own fixed size.
        unsafe { hdf5_sys::h5a::H5Aread(attr.id(), datatype.id(), buf.as_mut_ptr().cast()) }
    });
    if ret < 0 {
        return None;
    }
    Some(
        buf.chunks_exact(n)
            .map(|s| {
                let end = s.iter().position(|b| *b == 0).unwrap_or(s.len());
                Value::from(String::from_utf8_lossy(&s[..end]).trim_end().to_string())
            })
            .collect(),
    )
}

/// A float as JSON; non-finite values as the strings "NaN", "Infinity", "-Infinity".
fn float_json(v: f64) -> Value {
    match Number::from_f64(v) {
        Some(n) => Value::Number(n),
        None if v.is_nan() => Value::from("NaN"),
        None if v > 0.0 => Value::from("Infinity"),
        None => Value::from("-Infinity"),
    }
}

/// Writes JSON attributes onto a dataset: numbers, bools, strings and arrays of numbers
/// or of strings. Anything else (objects, null, mixed arrays) is skipped.
/// CF value attributes (`_FillValue`, `valid_range`, ...) take the dataset's `dtype`.
pub(super) fn write_attributes(
    path: &Path,
    ds: &Dataset,
    dtype: DType,
    attrs: &Attributes,
) -> Result<()> {
    for (name, attribute) in attrs.iter() {
        let value = &attribute.value;
        let written = if SAME_TYPE_AS_DATA.contains(&name) {
            write_typed_attribute(ds, name, dtype, value)
        } else {
            write_attribute(ds, name, value)
        };
        written.map_err(|e| Error::hdf5(path, &format!("cannot write attribute '{name}'"), e))?;
    }
    Ok(())
}

fn write_attribute(ds: &Location, name: &str, value: &Value) -> hdf5::Result<()> {
    match value {
        Value::Bool(b) => scalar(ds, name, *b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => scalar(ds, name, i),
            (None, Some(u), _) => scalar(ds, name, u),
            (None, None, Some(f)) => scalar(ds, name, f),
            _ => Ok(()),
        },
        Value::String(s) => match s.parse::<VarLenUnicode>() {
            Ok(v) => scalar(ds, name, v),
            Err(_) => Ok(()),
        },
        Value::Array(items) => write_array_attribute(ds, name, items),
        Value::Null | Value::Object(_) => Ok(()),
    }
}

/// Numbers written as the dataset's dtype (HDF5 converts); anything else as usual.
fn write_typed_attribute(
    ds: &Location,
    name: &str,
    dtype: DType,
    value: &Value,
) -> hdf5::Result<()> {
    let items = match value {
        Value::Array(items) => items.as_slice(),
        one => std::slice::from_ref(one),
    };
    let Some(numbers) = items
        .iter()
        .map(Value::as_f64)
        .collect::<Option<Vec<f64>>>()
    else {
        return write_attribute(ds, name, value);
    };
    let builder = ds.new_attr_builder().empty_as(descriptor(dtype));
    let ints = items
        .iter()
        .map(Value::as_i64)
        .collect::<Option<Vec<i64>>>();
    if value.is_array() {
        let attr = builder.shape(numbers.len()).create(name)?;
        match ints {
            Some(ints) if !dtype.is_float() => attr.write_raw(&ints),
            _ => attr.write_raw(&numbers),
        }
    } else {
        let attr = builder.create(name)?;
        match ints {
            // invariant: a scalar value gives exactly one number (checked non-empty above).
            Some(ints) if !dtype.is_float() => attr.write_scalar(&ints[0]),
            _ => attr.write_scalar(&numbers[0]), // invariant: as above
        }
    }
}

fn write_array_attribute(ds: &Location, name: &str, items: &[Value]) -> hdf5::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    if let Some(ints) = items
        .iter()
        .map(Value::as_i64)
        .collect::<Option<Vec<i64>>>()
    {
        return array(ds, name, &ints);
    }
    if let Some(floats) = items
        .iter()
        .map(Value::as_f64)
        .collect::<Option<Vec<f64>>>()
    {
        return array(ds, name, &floats);
    }
    let strings: Option<Vec<VarLenUnicode>> = items
        .iter()
        .map(|v| v.as_str().and_then(|s| s.parse().ok()))
        .collect();
    match strings {
        Some(strings) => array(ds, name, &strings),
        None => Ok(()),
    }
}

fn scalar<T: H5Type>(ds: &Location, name: &str, value: T) -> hdf5::Result<()> {
    ds.new_attr::<T>().create(name)?.write_scalar(&value)
}

fn array<T: H5Type>(ds: &Location, name: &str, values: &[T]) -> hdf5::Result<()> {
    ds.new_attr_builder()
        .with_data(values)
        .create(name)
        .map(|_| ())
}

/// Writes attributes onto a group (the file's root included); no CF typing applies.
pub(super) fn write_group_attributes(
    path: &Path,
    group: &hdf5::Group,
    attrs: &Attributes,
) -> Result<()> {
    for (name, attribute) in attrs.iter() {
        write_attribute(group, name, &attribute.value)
            .map_err(|e| Error::hdf5(path, &format!("cannot write attribute '{name}'"), e))?;
    }
    Ok(())
}
