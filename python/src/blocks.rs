//! `Array.map_blocks` with a Python function: the engine's `map_blocks`, whose block
//! function calls into Python.
//!
//! Each call takes the GIL for the call only: the block is copied into a numpy array,
//! the function runs, and its result is copied back into a chunk. The engine's threads
//! therefore run the function one at a time (more than one only where it releases the
//! GIL itself, as numpy's large operations do), and each block costs two copies on top
//! of the function. Prefer tessera's own operations where they exist.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use tessera::{Array, Chunk, DType};

use crate::convert::{chunk_to_numpy, numpy_to_chunk};

/// `array` with `func(block, *args, **kwargs)` applied to each block.
pub(crate) fn map_blocks(
    array: &Array,
    func: Py<PyAny>,
    args: Py<PyTuple>,
    kwargs: Option<Py<PyDict>>,
    dtype: DType,
) -> Array {
    array.map_blocks(dtype, move |block: &Chunk| {
        Python::attach(|py| {
            let values = chunk_to_numpy(py, block.clone())?;
            let mut all = vec![values];
            all.extend(args.bind(py).iter());
            let kwargs = kwargs.as_ref().map(|k| k.bind(py));
            let result = func.bind(py).call(PyTuple::new(py, all)?, kwargs)?;
            numpy_to_chunk(&result)
        })
        .map_err(|error| {
            tessera::Error::Invalid(format!("map_blocks: the function raised {error}"))
        })
    })
}

/// The dtype `func` gives, found as dask finds it: by calling it on an empty block of
/// `array`'s dtype and number of axes.
pub(crate) fn infer_dtype(
    py: Python<'_>,
    array: &Array,
    func: &Bound<'_, PyAny>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<DType> {
    let mut all = vec![crate::convert::empty_block(py, array)?];
    all.extend(args.iter());
    let result = func.call(PyTuple::new(py, all)?, kwargs).map_err(|error| {
        pyo3::exceptions::PyValueError::new_err(format!(
            "map_blocks: calling the function on an empty block to find its dtype raised {error}; pass dtype="
        ))
    })?;
    let result = py.import("numpy")?.call_method1("asarray", (result,))?;
    crate::convert::dtype_arg(&result.getattr("dtype")?)
}
