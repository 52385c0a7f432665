//! `tessera._tessera.describe(path)`: what a file or store holds, as JSON text, for the
//! xarray backend (`tessera/xarray_backend.py`): every array with its shape, dtype,
//! chunks, dimension names and typed attributes, and every group with its attributes
//! and dimensions. Arrays tessera cannot read are listed with the reason.

use std::path::Path;

use pyo3::prelude::*;
use serde_json::{Value, json};
use tessera::store::{AttrElement, AttrShape, Attributes, GroupEntry};

use crate::errors::py;

/// ``describe(path)``: the arrays and groups of the file or store at ``path``, as JSON
/// text (``{"arrays": [...], "groups": [...]}``). Each attribute is ``[value, dtype,
/// shape]``: ``dtype`` is a numpy dtype name (``"str"`` for text, None for JSON-only
/// attributes), ``shape`` a list (None for a scalar or JSON-only attribute), and a
/// non-finite float is the string ``"NaN"``, ``"Infinity"`` or ``"-Infinity"``.
#[pyfunction]
pub(crate) fn describe(py_token: Python<'_>, path: &str) -> PyResult<String> {
    let path = path.to_string();
    py(py_token.detach(move || {
        let path = Path::new(&path);
        let arrays = tessera::store::list(path)?;
        let groups = tessera::store::groups(path)?;
        let arrays: Vec<Value> = arrays
            .iter()
            .map(|entry| match &entry.meta {
                Ok(meta) => json!({
                    "name": entry.name,
                    "shape": meta.shape,
                    "dtype": meta.dtype.name(),
                    "chunks": meta.chunks,
                    "dimension_names": meta.dimension_names,
                    "attributes": attributes(&meta.attributes),
                }),
                Err(reason) => json!({ "name": entry.name, "error": reason }),
            })
            .collect();
        let groups: Vec<Value> = groups.iter().map(group).collect();
        Ok(json!({ "arrays": arrays, "groups": groups }).to_string())
    }))
}

fn group(group: &GroupEntry) -> Value {
    let dimensions: Vec<Value> = group.dimensions.iter().map(|d| d.to_json()).collect();
    json!({
        "name": group.name,
        "attributes": attributes(&group.attributes),
        "dimensions": dimensions,
    })
}

/// `{name: [value, dtype, shape]}` in the source's order.
fn attributes(attributes: &Attributes) -> Value {
    let entries: serde_json::Map<String, Value> = attributes
        .iter()
        .map(|(name, attribute)| {
            let (dtype, shape) = match &attribute.stored {
                Some(stored) => {
                    let dtype = match stored.element {
                        AttrElement::Number(dtype) => Value::from(dtype.name()),
                        _ => Value::from("str"),
                    };
                    let shape = match &stored.shape {
                        AttrShape::Array(shape) => json!(shape),
                        _ => Value::Null,
                    };
                    (dtype, shape)
                }
                None => (Value::Null, Value::Null),
            };
            (name.to_string(), json!([attribute.value, dtype, shape]))
        })
        .collect();
    Value::Object(entries)
}
