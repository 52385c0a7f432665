//! `tessera._tessera`: the native module behind the Python package `tessera`.
//!
//! It binds only tessera's public facade (`tessera::Array`, `Context`, `compute_many`,
//! `store_many`, ...). Every call into the engine releases the GIL (`Python::detach`),
//! so other Python threads run while tessera works. The pure-Python package
//! (`python/tessera/__init__.py`) re-exports what is here; `__init__.pyi` types it.
//!
//! | module | what |
//! |---|---|
//! | `array` | the `Array` class: properties, operators, indexing, reductions, compute, writers |
//! | `blocks` | `map_blocks` with a Python function |
//! | `context` | `Context`, the per-thread `with` stack and the default context |
//! | `convert` | dtypes, numpy arrays in, computed chunks out without a copy, operands, axes |
//! | `describe` | what a file or store holds, as JSON, for the xarray backend |
//! | `display` | the notebook view (`_repr_html_`) |
//! | `errors` | tessera's errors as Python exceptions, `BudgetError` |
//! | `index` | numpy's indexing, basic and advanced, by the engine's |
//! | `io` | `open`, `to_zarr`/`to_hdf5`/`to_npy`, `store` |
//! | `recipe` | pickling: the call that made each array |
//! | `reduce` | numpy's reduction signatures |
//! | `registry` | every function of the engine's registry, called by name (`call`) |
//! | `run` | engine work on its own thread: Ctrl-C cancels it, progress bars draw it |

mod array;
mod blocks;
mod context;
mod convert;
mod describe;
mod display;
mod errors;
mod index;
mod io;
mod recipe;
mod reduce;
mod registry;
mod run;

use pyo3::prelude::*;
use pyo3::types::{PySequence, PyTuple};

/// Chunk-sized buffers (4 MiB or more) get their own huge-page mappings, a few reused
/// and the rest returned to the system when freed; smaller ones go to the system
/// allocator. This covers only the extension's Rust allocations, not Python's or numpy's.
#[global_allocator]
static ALLOCATOR: tessera::memory::ChunkAllocator = tessera::memory::ChunkAllocator;

use array::PyArray;
use errors::py;

/// ``open(address)``: the array at ``address``, lazily; only metadata is read.
///
/// Addresses: ``"file.h5:/group/dataset"`` (also .hdf5, .nc, .he5), ``"store.zarr"`` (a
/// store that is one array, Zarr v2 or v3), ``"store.zarr:/group/array"``,
/// ``"file.npy"``. A bad address raises ValueError, a missing file FileNotFoundError, an
/// unsupported dtype TypeError.
#[pyfunction]
fn open(py_token: Python<'_>, address: &str) -> PyResult<PyArray> {
    let text = address.to_string();
    let array = py(py_token.detach(move || tessera::Array::open(&text)))?;
    let args = PyTuple::new(py_token, [absolute(address)])?;
    let recipe = recipe::Recipe::function(py_token, "open", args, None)?;
    Ok(PyArray::made_by(array, recipe))
}

/// `address` with a relative file path made absolute, so that a pickled array opens the
/// same file in a worker with another working directory.
fn absolute(address: &str) -> String {
    if std::path::Path::new(address).is_absolute() {
        return address.to_string();
    }
    match std::env::current_dir() {
        Ok(dir) => format!("{}/{address}", dir.display()),
        Err(_) => address.to_string(),
    }
}

/// ``from_numpy(x, chunks=None)``: a tessera array over ``x`` (a numpy array, or
/// anything ``numpy.asarray`` takes), cut into ``chunks``: an int for every axis, or a
/// tuple where -1 or None is the whole axis. The default keeps whole rows of the
/// trailing axes, up to 64 MiB a chunk (the whole array when it is smaller). Like
/// ``dask.array.from_array``, a C-ordered native numpy array is not copied: every
/// compute reads it as it is then. Other inputs are converted by numpy once, now.
#[pyfunction]
#[pyo3(signature = (x, chunks = None))]
fn from_numpy(x: &Bound<'_, PyAny>, chunks: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
    convert::from_numpy(x, chunks).map(PyArray::from)
}

/// The engine arrays behind a tuple of tessera arrays.
fn arrays_of(arrays: &Bound<'_, PyTuple>) -> PyResult<Vec<tessera::Array>> {
    arrays
        .iter()
        .map(|a| Ok(a.cast::<PyArray>()?.get().inner.clone()))
        .collect()
}

/// ``compute(*arrays)``: computes several arrays in one pass over their shared inputs
/// (reductions of one input share each chunk read), as ``dask.compute``. Returns a tuple
/// of numpy arrays that own no data (see ``Array.compute``).
#[pyfunction]
#[pyo3(signature = (*arrays))]
fn compute<'py>(
    py_token: Python<'py>,
    arrays: &Bound<'py, PyTuple>,
) -> PyResult<Bound<'py, PyTuple>> {
    let arrays = arrays_of(arrays)?;
    let ctx = context::current()?;
    let chunks = py(run::engine(py_token, ctx, move |ctx, progress| {
        tessera::compute_many_with_progress(&arrays, ctx, progress)
    })?)?;
    let values = chunks
        .into_iter()
        .map(|chunk| convert::chunk_to_numpy(py_token, chunk))
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(py_token, values)
}

/// ``explain(*arrays)``: how ``compute(*arrays)`` would run: the shared passes, then each
/// output's plan alone. Nothing is computed.
#[pyfunction]
#[pyo3(signature = (*arrays))]
fn explain(arrays: &Bound<'_, PyTuple>) -> PyResult<String> {
    let arrays = arrays_of(arrays)?;
    let ctx = context::current()?;
    py(tessera::explain_many(&arrays, &ctx))
}

/// ``store(arrays, targets, *, codec="none", zarr_version=3, overwrite=False)``: streams
/// each array into the target address at the same position (``"out.zarr"``,
/// ``"f.h5:/x"``, ``"out.npy"``) in one pass over shared inputs, as ``dask.array.store``.
/// Each target keeps its array's chunks; all targets appear only when all are complete.
#[pyfunction]
#[pyo3(signature = (arrays, targets, *, codec = "none", zarr_version = 3, overwrite = false))]
fn store(
    py_token: Python<'_>,
    arrays: &Bound<'_, PySequence>,
    targets: Vec<String>,
    codec: &str,
    zarr_version: u8,
    overwrite: bool,
) -> PyResult<()> {
    let arrays = arrays_of(&arrays.to_tuple()?)?;
    if arrays.len() != targets.len() {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "store: {} arrays but {} targets",
            arrays.len(),
            targets.len()
        )));
    }
    let targets = arrays
        .iter()
        .zip(&targets)
        .map(|(array, target)| {
            let options = io::options(array, None, codec, zarr_version, None, overwrite)?;
            Ok((io::parse_target(target)?, options))
        })
        .collect::<PyResult<Vec<_>>>()?;
    io::store_many(py_token, arrays, targets)
}

/// The native module.
#[pymodule]
fn _tessera(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyArray>()?;
    m.add_class::<context::PyContext>()?;
    m.add("BudgetError", m.py().get_type::<errors::BudgetError>())?;
    m.add_function(wrap_pyfunction!(open, m)?)?;
    m.add_function(wrap_pyfunction!(from_numpy, m)?)?;
    m.add_function(wrap_pyfunction!(compute, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(store, m)?)?;
    m.add_function(wrap_pyfunction!(describe::describe, m)?)?;
    m.add_function(wrap_pyfunction!(context::get_context, m)?)?;
    m.add_function(wrap_pyfunction!(recipe::_rebuild, m)?)?;
    m.add_function(wrap_pyfunction!(registry::call, m)?)?;
    m.add_function(wrap_pyfunction!(registry::functions, m)?)?;
    Ok(())
}
