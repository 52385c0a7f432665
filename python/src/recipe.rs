//! Pickling: each array remembers the Python call that made it (its recipe), and a
//! pickle holds that call, with its arguments, down to the inputs' addresses. Arrays
//! travel to dask or multiprocessing workers this way without their data: the worker
//! rebuilds the same lazy graph and reads the inputs itself.
//!
//! An array made from values in memory (`from_numpy`) has no recipe; it pickles its
//! values, computed within the budget.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::array::PyArray;

/// A call `callable(*args, **kwargs)` that makes an array.
pub(crate) struct Recipe {
    callable: Py<PyAny>,
    args: Py<PyTuple>,
    kwargs: Option<Py<PyDict>>,
}

impl Recipe {
    /// The call `callable(*args, **kwargs)`.
    pub(crate) fn new(
        callable: Bound<'_, PyAny>,
        args: Bound<'_, PyTuple>,
        kwargs: Option<Bound<'_, PyDict>>,
    ) -> Recipe {
        Recipe {
            callable: callable.unbind(),
            args: args.unbind(),
            kwargs: kwargs.map(Bound::unbind),
        }
    }

    /// The call of the native module's function `name` (`open`, `call`).
    pub(crate) fn function<'py>(
        py: Python<'py>,
        name: &str,
        args: Bound<'py, PyTuple>,
        kwargs: Option<Bound<'py, PyDict>>,
    ) -> PyResult<Recipe> {
        let callable = py.import("tessera._tessera")?.getattr(name)?;
        Ok(Recipe::new(callable, args, kwargs))
    }

    /// The call `Array.<method>(slf, *args, **kwargs)`.
    pub(crate) fn method<'py>(
        slf: &Bound<'py, PyArray>,
        method: &str,
        args: Bound<'py, PyTuple>,
        kwargs: Option<Bound<'py, PyDict>>,
    ) -> PyResult<Recipe> {
        let py = slf.py();
        let callable = py.get_type::<PyArray>().getattr(method)?;
        let mut all = vec![slf.clone().into_any()];
        all.extend(args.iter());
        Ok(Recipe::new(callable, PyTuple::new(py, all)?, kwargs))
    }

    /// `(_rebuild, (callable, args, kwargs))`: what `__reduce__` returns.
    pub(crate) fn reduce<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let rebuild = py.import("tessera._tessera")?.getattr("_rebuild")?;
        let kwargs = match &self.kwargs {
            Some(kwargs) => kwargs.bind(py).clone(),
            None => PyDict::new(py),
        };
        let call = (self.callable.bind(py), self.args.bind(py), kwargs);
        (rebuild, call).into_pyobject(py)
    }
}

/// ``_rebuild(callable, args, kwargs)``: ``callable(*args, **kwargs)``, the call a
/// pickled array's recipe makes when it is loaded.
#[pyfunction]
pub(crate) fn _rebuild<'py>(
    callable: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    kwargs: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    callable.call(args, Some(kwargs))
}
