//! Every function of the engine's registry (the functions of `tessera eval`), called
//! from Python by name: `call("cumsum", a, axis=1)`. The package builds its numpy-named
//! functions (`tessera.cumsum`, `tessera.random.normal`, ...) and the matching `Array`
//! methods from `functions()`, so the command line and Python share one list, one
//! argument binding and one set of semantics.

use pyo3::exceptions::{PyNotImplementedError, PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple, PyType};
use tessera::expr::{Category, Value};

use crate::array::PyArray;
use crate::convert::{dtype_arg, from_numpy, weak_scalar};
use crate::recipe::Recipe;

/// ``call(name, *args, **kwargs)``: the registry's function ``name`` (see
/// ``functions()``) applied to the arguments, lazily, with numpy's argument names.
/// Arrays are tessera arrays or anything numpy makes an array of; Python numbers are
/// weak scalars (NEP 50).
#[pyfunction]
#[pyo3(signature = (name, *args, **kwargs))]
pub(crate) fn call<'py>(
    name: &Bound<'py, PyString>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<PyArray> {
    let py = name.py();
    let function = name.to_str()?;
    let strong =
        tessera::expr::lookup(function).is_some_and(|f| f.category == Category::Elementwise);
    let positional = args
        .iter()
        .map(|a| value(&a, strong))
        .collect::<PyResult<Vec<_>>>()?;
    let mut keyword = Vec::new();
    for (key, arg) in kwargs.into_iter().flatten() {
        let key: String = key.extract()?;
        if key == "out" {
            no_out(function, &arg)?;
            continue;
        }
        let converted = if key == "dtype" && !arg.is_none() {
            Value::DType(dtype_arg(&arg)?)
        } else {
            value(&arg, strong)?
        };
        keyword.push((key, converted));
    }
    let ctx = crate::context::current()?;
    let array = crate::errors::py(tessera::expr::call(
        function,
        positional,
        keyword,
        Some(&ctx),
    ))?;
    let mut all = vec![name.clone().into_any()];
    all.extend(args.iter());
    let recipe = Recipe::function(py, "call", PyTuple::new(py, all)?, kwargs.cloned())?;
    Ok(PyArray::made_by(array, recipe))
}

/// ``functions()``: the registry as a list of ``(name, signature, summary, category)``.
#[pyfunction]
pub(crate) fn functions() -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    tessera::expr::FUNCTIONS
        .iter()
        .map(|f| (f.name(), f.signature, f.summary, f.category.title()))
        .collect()
}

/// `out=`: only `None` (tessera arrays are lazy).
fn no_out(function: &str, out: &Bound<'_, PyAny>) -> PyResult<()> {
    if out.is_none() {
        return Ok(());
    }
    Err(PyNotImplementedError::new_err(format!(
        "{function}(out=...) is not supported: tessera arrays are lazy; use the returned array"
    )))
}

/// A Python argument as the registry takes it. numpy scalars are arrays of their dtype
/// where every argument is an operand (`strong`, the elementwise functions), and plain
/// numbers elsewhere (axes, counts).
fn value(arg: &Bound<'_, PyAny>, strong: bool) -> PyResult<Value> {
    if let Ok(array) = arg.cast::<PyArray>() {
        return Ok(Value::Array(array.get().inner.clone()));
    }
    if arg.is_none() {
        return Ok(Value::None);
    }
    if let Ok(text) = arg.cast::<PyString>() {
        return Ok(Value::Str(text.to_str()?.to_string()));
    }
    if let Ok(tuple) = arg.cast::<PyTuple>() {
        let items = tuple.iter().map(|a| value(&a, strong));
        return Ok(Value::Tuple(items.collect::<PyResult<_>>()?));
    }
    if let Ok(list) = arg.cast::<PyList>() {
        let items = list.iter().map(|a| value(&a, strong));
        return Ok(Value::List(items.collect::<PyResult<_>>()?));
    }
    if arg.is_instance_of::<PyType>() || is_numpy(arg, "dtype")? {
        return Ok(Value::DType(dtype_arg(arg)?));
    }
    if let Some(number) = python_number(arg)? {
        return Ok(number);
    }
    if is_numpy(arg, "generic")? && !strong {
        let item = arg.call_method0("item")?;
        if let Some(number) = python_number(&item)? {
            return Ok(number);
        }
    }
    if is_numpy(arg, "ndarray")? || is_numpy(arg, "generic")? {
        return Ok(Value::Array(from_numpy(arg, None)?));
    }
    Err(PyTypeError::new_err(format!(
        "tessera cannot take a {} argument",
        arg.get_type().name()?
    )))
}

/// A Python `bool`, `int` or `float` as a weak scalar; an int beyond 64 bits as a big
/// integer (numpy takes one beside a float array).
fn python_number(arg: &Bound<'_, PyAny>) -> PyResult<Option<Value>> {
    match weak_scalar(arg) {
        Ok(Some(scalar)) => Ok(Some(Value::Scalar(scalar))),
        Ok(None) => Ok(None),
        Err(error) if error.is_instance_of::<PyOverflowError>(arg.py()) => arg
            .extract::<i128>()
            .map(|big| Some(Value::BigInt(big)))
            .map_err(|_| error),
        Err(error) => Err(error),
    }
}

/// Whether `arg` is an instance of `numpy.<class>`.
fn is_numpy(arg: &Bound<'_, PyAny>, class: &str) -> PyResult<bool> {
    let class = arg.py().import("numpy")?.getattr(class)?;
    arg.is_instance(&class)
}
