//! `tessera.Context`: the memory budget and threads a computation runs with, and the
//! stack that says which context is current.
//!
//! Each thread has a stack of contexts, pushed by `with Context(...):` and popped at the
//! end of the block. Below the stack is the default context, made on first use with the
//! default budget (1 GiB) and `TESSERA_NUM_THREADS` threads (one per core when unset),
//! so that dask workers or process pools can keep tessera from oversubscribing cores.
//!
//! A `fork` (`os.fork`, multiprocessing's fork start method) copies only the forking
//! thread: the child has none of the engine's workers, and a run another thread had in
//! flight leaves its reservations and locks behind. So each context keeps its settings
//! and the process its engine context was built in ([`Settings`]), and a child builds a
//! fresh engine context (budget, cache, threads) on first use; the parent's is left
//! untouched there. `TESSERA_NUM_THREADS` is read again for the child's default context.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::errors::py;

/// Environment variable with the default context's thread count.
const THREADS_VARIABLE: &str = "TESSERA_NUM_THREADS";

thread_local! {
    /// Contexts entered with `with` on this thread, innermost last.
    static STACK: RefCell<Vec<Arc<Settings>>> = const { RefCell::new(Vec::new()) };
}

/// The default context, made on first use.
static DEFAULT: Mutex<Option<Arc<Settings>>> = Mutex::new(None);

/// What a context was made with, and the engine context built from it in this process.
/// Its lock is only taken with the GIL held, so a fork (which holds the GIL) never finds
/// it held.
pub(crate) struct Settings {
    memory: u64,
    /// `None`: `TESSERA_NUM_THREADS` when built (the default context).
    threads: Option<usize>,
    cache: Option<u64>,
    /// The process id the engine context belongs to, and the context.
    built: Mutex<(u32, Arc<tessera::Context>)>,
}

impl Settings {
    /// Settings and the engine context made from them in this process.
    fn new(memory: u64, threads: Option<usize>, cache: Option<u64>) -> PyResult<Settings> {
        let ctx = build(memory, threads, cache)?;
        Ok(Settings {
            memory,
            threads,
            cache,
            built: Mutex::new((std::process::id(), Arc::new(ctx))),
        })
    }

    /// The engine context for this process: the one built with the settings, or in a
    /// forked child a new one (the parent's is leaked there: dropping it could wait for
    /// a lock that a thread the child lacks held at the fork).
    pub(crate) fn engine(&self) -> PyResult<Arc<tessera::Context>> {
        let mut built = self
            .built
            .lock()
            .map_err(|_| PyRuntimeError::new_err("a tessera context's lock is poisoned"))?;
        let pid = std::process::id();
        if built.0 != pid {
            let fresh = Arc::new(build(self.memory, self.threads, self.cache)?);
            let stale = std::mem::replace(&mut *built, (pid, fresh));
            std::mem::forget(stale);
        }
        Ok(Arc::clone(&built.1))
    }
}

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
    settings: Arc<Settings>,
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
        // Resolved now: the context keeps the count it was made with.
        let threads = match threads {
            Some(t) => t,
            None => env_threads()?,
        };
        let cache = cache.map(|c| bytes_arg(c, "cache")).transpose()?;
        let settings = py.detach(|| Settings::new(memory, Some(threads), cache))?;
        Ok(PyContext {
            settings: Arc::new(settings),
        })
    }

    /// The memory budget in bytes.
    #[getter]
    fn memory(&self) -> PyResult<u64> {
        Ok(self.settings.engine()?.memory_limit())
    }

    /// The number of worker threads.
    #[getter]
    fn threads(&self) -> PyResult<usize> {
        Ok(self.settings.engine()?.threads())
    }

    /// Bytes of the budget held now (the cache's share and whatever runs hold).
    #[getter]
    fn memory_used(&self) -> PyResult<u64> {
        Ok(self.settings.engine()?.memory_used())
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        let settings = Arc::clone(&slf.get().settings);
        STACK.with(|stack| stack.borrow_mut().push(settings));
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        let popped = STACK.with(|stack| stack.borrow_mut().pop());
        match popped {
            Some(settings) if Arc::ptr_eq(&settings, &self.settings) => Ok(false),
            _ => Err(PyRuntimeError::new_err(
                "tessera.Context blocks were exited out of order",
            )),
        }
    }

    fn __repr__(&self) -> PyResult<String> {
        let ctx = self.settings.engine()?;
        Ok(format!(
            "tessera.Context(memory={}, threads={})",
            ctx.memory_limit(),
            ctx.threads()
        ))
    }
}

/// The context computations use now: the innermost `with` block's on this thread, or
/// the default one; built anew in a forked child.
pub(crate) fn current() -> PyResult<Arc<tessera::Context>> {
    current_settings()?.engine()
}

/// The settings of the current context (see [`current`]).
fn current_settings() -> PyResult<Arc<Settings>> {
    if let Some(settings) = STACK.with(|stack| stack.borrow().last().cloned()) {
        return Ok(settings);
    }
    let mut default = DEFAULT
        .lock()
        .map_err(|_| PyRuntimeError::new_err("tessera's default context lock is poisoned"))?;
    if let Some(settings) = default.as_ref() {
        return Ok(Arc::clone(settings));
    }
    let settings = Arc::new(Settings::new(tessera::DEFAULT_MEMORY, None, None)?);
    *default = Some(Arc::clone(&settings));
    Ok(settings)
}

/// The current context (see ``tessera.Context``): the innermost ``with`` block's on this
/// thread, or the default one (1 GiB, ``TESSERA_NUM_THREADS`` threads).
#[pyfunction]
pub(crate) fn get_context() -> PyResult<PyContext> {
    Ok(PyContext {
        settings: current_settings()?,
    })
}

/// A context of `memory` bytes, `threads` workers (`None`: `TESSERA_NUM_THREADS`) and an
/// optional cache size.
fn build(memory: u64, threads: Option<usize>, cache: Option<u64>) -> PyResult<tessera::Context> {
    let threads = match threads {
        Some(t) => t,
        None => env_threads()?,
    };
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
