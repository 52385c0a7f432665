//! `Array.__getitem__`: numpy's indexing, basic (integers, slices, `...`, `None`) and
//! advanced (integer lists and arrays, bool masks), by the engine's indexing (the one
//! `tessera eval` uses). Index arrays are computed first, under the budget; the indexed
//! array stays lazy.

use pyo3::exceptions::{
    PyIndexError, PyNotImplementedError, PyOverflowError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyList, PySlice, PyString, PyTuple};
use tessera::Array;
use tessera::expr::{Subscript, Value};

use crate::array::PyArray;
use crate::convert::from_numpy;
use crate::errors::to_py;

/// `array[key]`, with numpy's errors: a bad or out-of-range index is an IndexError.
pub(crate) fn getitem(array: &Array, key: &Bound<'_, PyAny>) -> PyResult<Array> {
    let subscripts = match key.cast::<PyTuple>() {
        Ok(tuple) => tuple
            .iter()
            .map(|k| subscript(&k))
            .collect::<PyResult<Vec<_>>>()?,
        Err(_) => vec![subscript(key)?],
    };
    let ctx = crate::context::current()?;
    tessera::expr::index(array, subscripts, Some(&ctx)).map_err(index_error)
}

/// One entry of an index.
fn subscript(key: &Bound<'_, PyAny>) -> PyResult<Subscript> {
    if key.is_none() {
        return Ok(Subscript::NewAxis);
    }
    if key.is(key.py().Ellipsis()) {
        return Ok(Subscript::Ellipsis);
    }
    if let Ok(slice) = key.cast::<PySlice>() {
        let bound = |name: &str| slice_bound(&slice.getattr(name)?);
        // CPython's PySlice_Unpack keeps a step of at least -PY_SSIZE_T_MAX.
        let step = bound("step")?.map(|s| s.max(-i64::MAX));
        return Ok(Subscript::Slice {
            start: bound("start")?,
            stop: bound("stop")?,
            step,
        });
    }
    if key.is_instance_of::<PyString>() || key.is_instance_of::<PyBytes>() {
        // Not a sequence of indices: numpy's IndexError, as for any other object.
        return Err(invalid_index());
    }
    if key.is_instance_of::<PyBool>() {
        return Err(PyNotImplementedError::new_err(
            "a bool scalar as an index is not supported; use a bool array of the indexed axes' shape",
        ));
    }
    if let Ok(array) = key.cast::<PyArray>() {
        return Ok(Subscript::Value(Value::Array(array.get().inner.clone())));
    }
    if key.hasattr("__array__")? || key.is_instance_of::<PyList>() {
        return Ok(Subscript::Value(Value::Array(index_array(key)?)));
    }
    if let Ok(index) = key.extract::<i64>() {
        return Ok(Subscript::Value(Value::Scalar(tessera::Scalar::Int(index))));
    }
    Err(invalid_index())
}

/// numpy's IndexError for an object that is no index.
fn invalid_index() -> PyErr {
    PyIndexError::new_err(
        "only integers, slices (`:`), ellipsis (`...`), None (`numpy.newaxis`) and integer or boolean arrays are valid indices",
    )
}

/// A slice bound: `None`, or an integer clamped to 64 bits as CPython's
/// `PySlice_Unpack` clamps it (`a[:2**70]` is the whole axis).
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

/// An integer or bool index array from a numpy array or a list (an empty list indexes
/// nothing, as numpy's integer index).
fn index_array(key: &Bound<'_, PyAny>) -> PyResult<Array> {
    let numpy = key.py().import("numpy")?;
    let mut values = numpy.call_method1("asarray", (key,))?;
    if values.getattr("size")?.extract::<usize>()? == 0 {
        values = values.call_method1("astype", ("int64",))?;
    }
    from_numpy(&values, None)
}

/// An engine refusal of an index, as numpy's IndexError; a zero slice step is numpy's
/// (and Python's) ValueError, and other errors (a budget, a file) keep their kind. The
/// engine checks the axes in order, as numpy does, so the first bad entry decides which.
fn index_error(error: tessera::Error) -> PyErr {
    match error {
        tessera::Error::Shape {
            ref what,
            ref reason,
        } if what == "slice" && reason.starts_with("step 0 ") => {
            PyValueError::new_err(format!("slice step cannot be zero ({})", error.one_line()))
        }
        tessera::Error::Shape { .. }
        | tessera::Error::Invalid(_)
        | tessera::Error::OutOfRange { .. }
        | tessera::Error::InvalidArgument { .. } => PyIndexError::new_err(error.one_line()),
        other => to_py(other),
    }
}
