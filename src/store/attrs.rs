//! Attributes: the user metadata of arrays and groups, kept with the element type and
//! shape each value was stored with, so that a copy writes back what it read.
//!
//! A value is held as JSON (what `info` prints and what Zarr stores): a scalar, or
//! arrays nested by shape, with non-finite floats as the strings `"NaN"`, `"Infinity"`
//! and `"-Infinity"`. Formats whose attributes are typed (HDF5, netCDF) also record a
//! [`StoredType`]: a float32 `scale_factor` stays float32 and a 2x3 attribute stays
//! 2x3 when written to HDF5 again. Zarr's attributes are plain JSON, so a Zarr source
//! records no type and HDF5 output infers one from the JSON (int64, uint64, float64,
//! bool or string).

use serde_json::{Map, Number, Value};

use crate::dtype::DType;

/// One attribute value and, where the format records it, how it was stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// The value as JSON: a scalar, or arrays nested by shape. One-element attributes
    /// read from formats that store every attribute as an array (netCDF) are scalars
    /// here; their [`StoredType`] keeps the one-element shape.
    pub value: Value,
    /// The stored element type and shape; `None` for JSON-native attributes.
    pub stored: Option<StoredType>,
}

/// The element type and shape an attribute had where it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredType {
    /// Element type.
    pub element: AttrElement,
    /// Shape of the stored value.
    pub shape: AttrShape,
}

/// Element type of a stored attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttrElement {
    /// Numbers (or bools) of one dtype.
    Number(DType),
    /// Text (variable- or fixed-length strings; written back as variable-length UTF-8).
    Text,
}

/// Shape of a stored attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttrShape {
    /// A scalar dataspace: one value.
    Scalar,
    /// An array of this shape (possibly with zero elements).
    Array(Vec<u64>),
    /// HDF5's null dataspace (h5py's `Empty`): a type and no value; the JSON is `null`.
    Null,
}

impl Attribute {
    /// A JSON-native attribute (no stored type).
    pub fn json(value: impl Into<Value>) -> Attribute {
        Attribute {
            value: value.into(),
            stored: None,
        }
    }

    /// An attribute with the type and shape it was stored with.
    pub fn typed(value: Value, element: AttrElement, shape: AttrShape) -> Attribute {
        Attribute {
            value,
            stored: Some(StoredType { element, shape }),
        }
    }

    /// The stored numeric dtype, if the attribute was stored as numbers.
    pub fn stored_dtype(&self) -> Option<DType> {
        match self.stored.as_ref()?.element {
            AttrElement::Number(dtype) => Some(dtype),
            AttrElement::Text => None,
        }
    }
}

/// The attributes of one array or group, in the order the source lists them, and
/// those of the source that tessera could not read (shown by `info`, noted by copies).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attributes {
    entries: Vec<(String, Attribute)>,
    unread: Vec<UnreadAttribute>,
}

/// An attribute of the source that tessera does not read (an HDF5 compound or
/// reference type, ...), and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadAttribute {
    /// Its name.
    pub name: String,
    /// Why it was not read, as a phrase (`has a compound type`).
    pub reason: String,
}

impl Attributes {
    /// No attributes.
    pub fn new() -> Attributes {
        Attributes::default()
    }

    /// The source's attributes that were not read.
    pub fn unread(&self) -> &[UnreadAttribute] {
        &self.unread
    }

    /// Records an attribute of the source that was not read.
    pub fn push_unread(&mut self, name: String, reason: String) {
        self.unread.push(UnreadAttribute { name, reason });
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The attribute called `name`.
    pub fn get(&self, name: &str) -> Option<&Attribute> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }

    /// True when there is an attribute called `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The JSON value of the attribute called `name`.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.get(name).map(|a| &a.value)
    }

    /// Sets `name`, in place when it exists, else at the end.
    pub fn insert(&mut self, name: impl Into<String>, attribute: Attribute) {
        let name = name.into();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some((_, slot)) => *slot = attribute,
            None => self.entries.push((name, attribute)),
        }
    }

    /// Removes `name`, returning it.
    pub fn remove(&mut self, name: &str) -> Option<Attribute> {
        let at = self.entries.iter().position(|(n, _)| n == name)?;
        Some(self.entries.remove(at).1)
    }

    /// Keeps the attributes for which `keep(name, attribute)` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &Attribute) -> bool) {
        self.entries.retain(|(n, a)| keep(n, a));
    }

    /// The attributes in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Attribute)> {
        self.entries.iter().map(|(n, a)| (n.as_str(), a))
    }

    /// The values as one JSON object (what Zarr stores and `info --json` prints).
    pub fn to_json(&self) -> Map<String, Value> {
        self.entries
            .iter()
            .map(|(n, a)| (n.clone(), a.value.clone()))
            .collect()
    }
}

/// `attributes["units"]`: the JSON value, or `null` when there is no such attribute
/// (as indexing a `serde_json::Value` does).
impl std::ops::Index<&str> for Attributes {
    type Output = Value;

    fn index(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.value(name).unwrap_or(&NULL)
    }
}

impl Attributes {
    /// The values as Zarr stores them (JSON), with float16/float32 attributes written
    /// as the float64 their value widens to: shown as `0.01` (float32), it is written
    /// as `0.009999999776482582`, which is what h5py, netCDF4 and xarray read from the
    /// source, so readers of the copy see the same number.
    pub fn to_widened_json(&self) -> Map<String, Value> {
        self.entries
            .iter()
            .map(|(name, attribute)| {
                let narrow = matches!(attribute.stored_dtype(), Some(DType::F32 | DType::F16));
                let value = if narrow {
                    widen(&attribute.value)
                } else {
                    attribute.value.clone()
                };
                (name.clone(), value)
            })
            .collect()
    }
}

/// A JSON value with every finite number re-read as float32 and widened to float64.
fn widen(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(widen).collect()),
        Value::Number(n) => match n.as_f64() {
            Some(v) => float_json(f64::from(v as f32)),
            None => value.clone(),
        },
        other => other.clone(),
    }
}

impl Attributes {
    /// JSON attributes, those named in `floats` typed float64 with the shape of their
    /// nested arrays: a Zarr attribute that zarr-python wrote as a float (or arrays of
    /// floats) with a bare non-finite token among them, whose `NaN` is a float and not
    /// the string `"NaN"`.
    pub fn from_json_with_floats(map: Map<String, Value>, floats: &[String]) -> Attributes {
        map.into_iter()
            .map(|(name, value)| {
                let shape = floats
                    .contains(&name)
                    .then(|| flatten(&value).map(|(_, shape)| shape))
                    .flatten();
                let attribute = match shape {
                    Some(shape) if shape.is_empty() => {
                        Attribute::typed(value, AttrElement::Number(DType::F64), AttrShape::Scalar)
                    }
                    Some(shape) => Attribute::typed(
                        value,
                        AttrElement::Number(DType::F64),
                        AttrShape::Array(shape),
                    ),
                    None => Attribute::json(value),
                };
                (name, attribute)
            })
            .collect()
    }
}

impl From<Map<String, Value>> for Attributes {
    fn from(map: Map<String, Value>) -> Attributes {
        map.into_iter()
            .map(|(n, v)| (n, Attribute::json(v)))
            .collect()
    }
}

impl FromIterator<(String, Attribute)> for Attributes {
    fn from_iter<I: IntoIterator<Item = (String, Attribute)>>(iter: I) -> Attributes {
        let mut out = Attributes::new();
        for (name, attribute) in iter {
            out.insert(name, attribute);
        }
        out
    }
}

/// A float as JSON; non-finite values as the strings "NaN", "Infinity", "-Infinity".
pub fn float_json(v: f64) -> Value {
    match Number::from_f64(v) {
        Some(n) => Value::Number(n),
        None if v.is_nan() => Value::from("NaN"),
        None if v > 0.0 => Value::from("Infinity"),
        None => Value::from("-Infinity"),
    }
}

/// The float a JSON value stands for: a number, or one of the non-finite strings.
pub fn json_float(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// `values` (C order) nested into JSON arrays by `shape`; a 0-d shape gives the one
/// value itself. `None` when the count does not match the shape.
pub fn nest(values: Vec<Value>, shape: &[u64]) -> Option<Value> {
    let count = shape.iter().try_fold(1u64, |acc, n| acc.checked_mul(*n))?;
    if count != values.len() as u64 {
        return None;
    }
    if shape.is_empty() {
        return values.into_iter().next();
    }
    Some(nest_axis(&mut values.into_iter(), shape))
}

fn nest_axis(values: &mut impl Iterator<Item = Value>, shape: &[u64]) -> Value {
    match shape {
        [] => values.next().unwrap_or(Value::Null),
        [n] => Value::Array(values.take(*n as usize).collect()),
        [n, rest @ ..] => Value::Array((0..*n).map(|_| nest_axis(values, rest)).collect()),
    }
}

/// The leaves of a JSON value in C order and its shape, when it is a scalar or arrays
/// nested regularly (every row of one axis the same length); `None` for ragged arrays
/// and objects.
pub fn flatten(value: &Value) -> Option<(Vec<&Value>, Vec<u64>)> {
    let mut shape = Vec::new();
    let mut probe = value;
    while let Value::Array(items) = probe {
        shape.push(items.len() as u64);
        match items.first() {
            Some(first) => probe = first,
            None => break,
        }
    }
    let mut leaves = Vec::new();
    collect_leaves(value, &shape, &mut leaves)?;
    Some((leaves, shape))
}

fn collect_leaves<'a>(value: &'a Value, shape: &[u64], out: &mut Vec<&'a Value>) -> Option<()> {
    match (value, shape) {
        (Value::Array(_) | Value::Object(_), []) => None,
        (leaf, []) => {
            out.push(leaf);
            Some(())
        }
        (Value::Array(items), [n, rest @ ..]) if items.len() as u64 == *n => items
            .iter()
            .try_for_each(|item| collect_leaves(item, rest, out)),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
