//! `Array.__getitem__`: numpy's basic indexing (integers, slices, `...`, `None`) turned
//! into the engine's `slice` and `expand_dims`.

use pyo3::exceptions::{
    PyIndexError, PyNotImplementedError, PyOverflowError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PySlice, PyString, PyTuple};
use tessera::{Array, SliceItem};

use crate::errors::to_py;

/// One entry of an index tuple.
enum Key {
    /// An integer or a slice, on the next axis of the array.
    Axis(SliceItem),
    /// `None`: a new axis of length 1.
    NewAxis,
    /// `...`: as many whole axes as the other entries leave.
    Ellipsis,
}

/// `array[key]`. Out-of-range integers are IndexError, as numpy's; integer or boolean
/// array indices are not supported yet (NotImplementedError).
pub(crate) fn getitem(array: &Array, key: &Bound<'_, PyAny>) -> PyResult<Array> {
    let keys = match key.cast::<PyTuple>() {
        Ok(tuple) => tuple
            .iter()
            .map(|k| parse(&k))
            .collect::<PyResult<Vec<_>>>()?,
        Err(_) => vec![parse(key)?],
    };
    let (items, new_axes) = expand(keys, array.ndim())?;
    let mut result = array.slice(&items).map_err(index_error)?;
    for axis in new_axes {
        result = result.expand_dims(axis as i64).map_err(index_error)?;
    }
    Ok(result)
}

/// One index entry.
fn parse(key: &Bound<'_, PyAny>) -> PyResult<Key> {
    if key.is_none() {
        return Ok(Key::NewAxis);
    }
    if key.is(key.py().Ellipsis()) {
        return Ok(Key::Ellipsis);
    }
    if let Ok(slice) = key.cast::<PySlice>() {
        let bound = |name: &str| slice_bound(&slice.getattr(name)?);
        // CPython's PySlice_Unpack keeps a step of at least -PY_SSIZE_T_MAX.
        let step = bound("step")?.map(|s| s.max(-i64::MAX));
        return Ok(Key::Axis(SliceItem::Range {
            start: bound("start")?,
            stop: bound("stop")?,
            step,
        }));
    }
    if key.is_instance_of::<PyString>() || key.is_instance_of::<PyBytes>() {
        // Not a sequence of indices: numpy's IndexError, as for any other object.
        return Err(invalid_index());
    }
    if !key.is_instance_of::<PyBool>()
        && let Ok(index) = key.extract::<i64>()
    {
        return Ok(Key::Axis(SliceItem::Index(index)));
    }
    if key.hasattr("__len__")? || key.hasattr("__array__")? {
        return Err(PyNotImplementedError::new_err(
            "tessera supports numpy's basic indexing only (integers, slices, ..., None); integer and boolean array indices are not supported yet",
        ));
    }
    Err(invalid_index())
}

/// numpy's IndexError for an index entry of the wrong type.
fn invalid_index() -> PyErr {
    PyIndexError::new_err(
        "only integers, slices (`:`), ellipsis (`...`) and None (`numpy.newaxis`) are valid indices",
    )
}

/// A slice's start, stop or step as CPython's `PySlice_Unpack` (and so numpy) reads it:
/// None, or an integer (anything with `__index__`) clamped to the 64-bit range, so
/// `a[:2**70]` is the whole axis; anything else is a TypeError.
fn slice_bound(value: &Bound<'_, PyAny>) -> PyResult<Option<i64>> {
    if value.is_none() {
        return Ok(None);
    }
    match value.extract::<i64>() {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_instance_of::<PyOverflowError>(value.py()) => {
            Ok(Some(if value.lt(0)? { i64::MIN } else { i64::MAX }))
        }
        Err(_) => Err(PyTypeError::new_err(
            "slice indices must be integers or None or have an __index__ method",
        )),
    }
}

/// The slice items for every axis of an `ndim`-axis array, and the positions in the
/// result where `None` entries add an axis (increasing).
fn expand(keys: Vec<Key>, ndim: usize) -> PyResult<(Vec<SliceItem>, Vec<usize>)> {
    let used = keys.iter().filter(|k| matches!(k, Key::Axis(_))).count();
    if used > ndim {
        return Err(PyIndexError::new_err(format!(
            "too many indices for array: array is {ndim}-dimensional, but {used} were indexed"
        )));
    }
    if keys.iter().filter(|k| matches!(k, Key::Ellipsis)).count() > 1 {
        return Err(PyIndexError::new_err(
            "an index can only have a single ellipsis ('...')",
        ));
    }
    let fill = ndim - used;
    let mut items = Vec::with_capacity(ndim);
    let mut new_axes = Vec::new();
    let mut position = 0;
    let mut filled = false;
    for key in keys {
        match key {
            Key::Axis(item) => {
                position += usize::from(matches!(item, SliceItem::Range { .. }));
                items.push(item);
            }
            Key::NewAxis => {
                new_axes.push(position);
                position += 1;
            }
            Key::Ellipsis => {
                items.extend(std::iter::repeat_n(SliceItem::ALL, fill));
                position += fill;
                filled = true;
            }
        }
    }
    if !filled {
        items.extend(std::iter::repeat_n(SliceItem::ALL, fill));
    }
    Ok((items, new_axes))
}

/// An engine refusal of an index, as numpy's IndexError; a zero slice step is numpy's
/// (and Python's) ValueError. The engine checks the axes in order, as numpy does, so
/// the first bad entry decides which.
fn index_error(error: tessera::Error) -> PyErr {
    match error {
        tessera::Error::Shape {
            ref what,
            ref reason,
        } if what == "slice" && reason.starts_with("step 0 ") => {
            PyValueError::new_err(format!("slice step cannot be zero ({})", error.one_line()))
        }
        tessera::Error::Shape { .. } => PyIndexError::new_err(error.one_line()),
        other => to_py(other),
    }
}
