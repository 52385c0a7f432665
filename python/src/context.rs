//! `tessera.Context`: the memory budget and threads a computation runs with, and the
//! stack that says which context is current.
//!
//! Each thread has a stack of contexts, pushed by `with Context(...):` and popped at the
//! end of the block. Below the stack is the default context, made on first use with the
//! default budget (1 GiB) and `TESSERA_NUM_THREADS` threads (one per core when unset),
//! so that dask workers or process pools can keep tessera from oversubscribing cores.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::errors::py;

/// Environment variable with the default context's thread count.
const THREADS_VARIABLE: &str = "TESSERA_NUM_THREADS";

thread_local! {
    /// Contexts entered with `with` on this thread, innermost last.
    static STACK: RefCell<Vec<Arc<tessera::Context>>> = const { RefCell::new(Vec::new()) };
}

/// The default context, made on first use.
static DEFAULT: Mutex<Option<Arc<tessera::Context>>> = Mutex::new(None);

/// Memory budget and worker threads for tessera's computations.
///
/// ``Context(memory="1GiB", threads=0, cache=None)``: ``memory`` is a size such as
/// ``"256MiB"`` or a number of bytes, and bounds everything the engine holds (cache,
/// chunks in flight, partial results, write buffers). ``threads=0`` starts one worker per
/// core; ``None`` takes ``TESSERA_NUM_THREADS`` when set. ``cache`` is the chunk cache in
/// bytes (default an eighth of the budget).
///
/// Use it as a ``with`` block to make it current on this thread::
///
///     with ts.Context(memory="256MiB", threads=2):
///         total = a.sum().compute()
#[pyclass(name = "Context", module = "tessera", frozen)]
pub(crate) struct PyContext {
    pub(crate) inner: Arc<tessera::Context>,
}

#[pymethods]
impl PyContext {
    #[new]
    #[pyo3(signature = (memory = None, threads = None, cache = None))]
    fn new(
        py: Python<'_>,
        memory: Option<&Bound<'_, PyAny>>,
        threads: Option<usize>,
        cache: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyContext> {
        let memory = match memory {
            Some(m) => bytes_arg(m, "memory")?,
            None => tessera::DEFAULT_MEMORY,
        };
        let threads = match threads {
            Some(t) => t,
            None => env_threads()?,
        };
        let cache = cache.map(|c| bytes_arg(c, "cache")).transpose()?;
        let inner = py.detach(|| build(memory, threads, cache))?;
        Ok(PyContext {
            inner: Arc::new(inner),
        })
    }

    /// The memory budget in bytes.
    #[getter]
    fn memory(&self) -> u64 {
        self.inner.memory_limit()
    }

    /// The number of worker threads.
    #[getter]
    fn threads(&self) -> usize {
        self.inner.threads()
    }

    /// Bytes of the budget held now (the cache's share and whatever runs hold).
    #[getter]
    fn memory_used(&self) -> u64 {
        self.inner.memory_used()
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        let inner = Arc::clone(&slf.get().inner);
        STACK.with(|stack| stack.borrow_mut().push(inner));
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        let popped = STACK.with(|stack| stack.borrow_mut().pop());
        match popped {
            Some(ctx) if Arc::ptr_eq(&ctx, &self.inner) => Ok(false),
            _ => Err(PyRuntimeError::new_err(
                "tessera.Context blocks were exited out of order",
            )),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "tessera.Context(memory={}, threads={})",
            self.inner.memory_limit(),
            self.inner.threads()
        )
    }
}

/// The context computations use now: the innermost `with` block's on this thread, or
/// the default one.
pub(crate) fn current() -> PyResult<Arc<tessera::Context>> {
    if let Some(ctx) = STACK.with(|stack| stack.borrow().last().cloned()) {
        return Ok(ctx);
    }
    let mut default = DEFAULT
        .lock()
        .map_err(|_| PyRuntimeError::new_err("tessera's default context lock is poisoned"))?;
    if let Some(ctx) = default.as_ref() {
        return Ok(Arc::clone(ctx));
    }
    let ctx = Arc::new(build(tessera::DEFAULT_MEMORY, env_threads()?, None)?);
    *default = Some(Arc::clone(&ctx));
    Ok(ctx)
}

/// The current context (see ``tessera.Context``): the innermost ``with`` block's on this
/// thread, or the default one (1 GiB, ``TESSERA_NUM_THREADS`` threads).
#[pyfunction]
pub(crate) fn get_context() -> PyResult<PyContext> {
    Ok(PyContext { inner: current()? })
}

/// A context of `memory` bytes, `threads` workers and an optional cache size.
fn build(memory: u64, threads: usize, cache: Option<u64>) -> PyResult<tessera::Context> {
    let mut builder = tessera::Context::builder().memory(memory).threads(threads);
    if let Some(cache) = cache {
        builder = builder.cache(cache);
    }
    py(builder.build())
}

/// `TESSERA_NUM_THREADS`, or 0 (one thread per core) when unset or empty.
fn env_threads() -> PyResult<usize> {
    match std::env::var(THREADS_VARIABLE) {
        Ok(text) if !text.trim().is_empty() => text.trim().parse().map_err(|_| {
            PyValueError::new_err(format!(
                "{THREADS_VARIABLE} '{text}': expected a number of threads (0: one per core)"
            ))
        }),
        _ => Ok(0),
    }
}

/// A size given as a number of bytes or as text such as `"256MiB"`.
fn bytes_arg(value: &Bound<'_, PyAny>, name: &str) -> PyResult<u64> {
    if let Ok(text) = value.extract::<String>() {
        return py(tessera::parse_bytes(&text));
    }
    value.extract::<u64>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{name} must be a number of bytes or a size such as '256MiB'"
        ))
    })
}
