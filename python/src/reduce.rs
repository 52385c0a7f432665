//! The reductions' numpy signatures (`axis`, `dtype`, `out`, `keepdims`, `ddof`) turned
//! into the engine's `reduce`, with numpy's rules for `dtype=` and for an axis of a 0-d
//! array.

use pyo3::exceptions::{PyNotImplementedError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyTuple};
use tessera::{Array, Axes, ReduceOp};

use crate::convert::{axes_arg, dtype_arg};
use crate::errors::py;

/// One reduction call as Python made it.
pub(crate) struct Reduction<'a, 'py> {
    op: ReduceOp,
    axis: Option<&'a Bound<'py, PyAny>>,
    dtype: Option<&'a Bound<'py, PyAny>>,
    out: Option<&'a Bound<'py, PyAny>>,
    keepdims: bool,
}

impl<'a, 'py> Reduction<'a, 'py> {
    /// The call `op(axis=..., dtype=..., out=..., keepdims=...)`.
    pub(crate) fn new(
        op: ReduceOp,
        axis: Option<&'a Bound<'py, PyAny>>,
        dtype: Option<&'a Bound<'py, PyAny>>,
        out: Option<&'a Bound<'py, PyAny>>,
        keepdims: bool,
    ) -> Reduction<'a, 'py> {
        Reduction {
            op,
            axis,
            dtype,
            out,
            keepdims,
        }
    }
}

/// The reduction of `array`, lazily.
///
/// `dtype=T` follows numpy's result dtype, as the expression language does: sums and
/// products run on the array converted to `T` and give `T` (integers wrap as numpy's
/// accumulation in `T`); means and variances take a float `T`.
pub(crate) fn reduce(array: &Array, call: Reduction<'_, '_>) -> PyResult<Array> {
    if call.out.is_some_and(|o| !o.is_none()) {
        return Err(PyNotImplementedError::new_err(format!(
            "{}(out=...) is not supported: tessera arrays are lazy; use the returned array",
            call.op.name()
        )));
    }
    let axes = Axes::from(axes(array, &call)?.as_deref()).keepdims(call.keepdims);
    let dtype = call
        .dtype
        .filter(|d| !d.is_none())
        .map(dtype_arg)
        .transpose()?;
    let Some(dtype) = dtype else {
        return py(array.reduce(call.op, axes));
    };
    let accumulates = matches!(call.op, ReduceOp::Sum | ReduceOp::Prod);
    if !accumulates && !dtype.is_float() {
        return Err(PyTypeError::new_err(format!(
            "{}(dtype={dtype}) is not supported: give a float dtype",
            call.op.name()
        )));
    }
    let reduced = py(array.astype(dtype).and_then(|a| a.reduce(call.op, axes)))?;
    if reduced.dtype() == dtype {
        Ok(reduced)
    } else {
        py(reduced.astype(dtype))
    }
}

/// The axes to reduce. numpy's ufunc reductions (and argmin/argmax) take the integer
/// axis 0 or -1 of a 0-d array as all of its axes; mean/var/std and a tuple refuse it.
/// argmin/argmax refuse any tuple.
fn axes(array: &Array, call: &Reduction<'_, '_>) -> PyResult<Option<Vec<i64>>> {
    let one_axis = matches!(call.op, ReduceOp::ArgMin | ReduceOp::ArgMax);
    if one_axis && let Some(tuple) = call.axis.filter(|a| a.is_instance_of::<PyTuple>()) {
        // numpy's argmin/argmax take one axis or None; a tuple, even of one axis, is
        // a TypeError there.
        return Err(PyTypeError::new_err(format!(
            "'tuple' object cannot be interpreted as an integer: {}(axis={tuple}) takes one axis or None",
            call.op.name()
        )));
    }
    let axes = axes_arg(call.axis)?;
    let ufunc_like = !matches!(
        call.op,
        ReduceOp::Mean | ReduceOp::Var { .. } | ReduceOp::Std { .. }
    );
    let int_axis = call.axis.is_some_and(|a| a.is_instance_of::<PyInt>());
    match axes.as_deref() {
        Some([0 | -1]) if array.ndim() == 0 && ufunc_like && int_axis => Ok(None),
        Some([axis, ..]) if array.ndim() == 0 => Err(axis_error(call.axis, *axis)),
        _ => Ok(axes),
    }
}

/// numpy's `AxisError` (a ValueError and an IndexError) for `axis` of a 0-d array.
fn axis_error(given: Option<&Bound<'_, PyAny>>, axis: i64) -> PyErr {
    let Some(given) = given else {
        return PyValueError::new_err(format!(
            "axis {axis} is out of bounds for array of dimension 0"
        ));
    };
    let made = given
        .py()
        .import("numpy.exceptions")
        .and_then(|m| m.getattr("AxisError"))
        .and_then(|class| class.call1((axis, 0)));
    match made {
        Ok(error) => PyErr::from_value(error),
        Err(error) => error,
    }
}
