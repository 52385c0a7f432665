//! `Array.__getitem__`: numpy's indexing, basic (integers, slices, `...`, `None`) and
//! advanced (integer lists and arrays, bool masks), by the engine's indexing (the one
//! `tessera eval` uses). Index arrays are computed first, under the budget; the indexed
//! array stays lazy.

use pyo3::exceptions::{PyIndexError, PyNotImplementedError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyList, PySlice, PyTuple};
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
        let bound = |name: &str| -> PyResult<Option<i64>> { slice.getattr(name)?.extract() };
        return Ok(Subscript::Slice {
            start: bound("start")?,
            stop: bound("stop")?,
            step: bound("step")?,
        });
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
    Err(PyIndexError::new_err(
        "only integers, slices (`:`), ellipsis (`...`), None (`numpy.newaxis`) and integer or boolean arrays are valid indices",
    ))
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
