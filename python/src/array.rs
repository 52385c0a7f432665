//! `tessera.Array`: a lazy array, with numpy's operators, indexing and reductions, that
//! computes into numpy arrays or streams into files.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pyclass::CompareOp;
use pyo3::types::{PyDict, PyInt, PyTuple};
use tessera::expr::Value;
use tessera::{Array, BinaryOp, DType, Operand, UnaryOp};

use crate::context;
use crate::convert::{chunk_to_numpy, dtype_arg, numpy_dtype, operand};
use crate::display;
use crate::errors::py;
use crate::recipe::Recipe;
use crate::reduce::{Reduction, reduce};

/// A lazy n-dimensional array, like a dask array: operations build a graph, checked for
/// shape and dtype as they are built, and nothing is read until ``compute()``,
/// ``numpy.asarray(a)`` or a ``to_zarr``/``to_hdf5``/``to_npy`` call. Work runs chunk by
/// chunk in parallel within the current ``tessera.Context``'s memory budget, with the GIL
/// released.
///
/// Make one with ``tessera.open(address)`` or ``tessera.from_numpy(x, chunks=...)``.
/// Operators, promotion and reductions follow numpy 2 (NEP 50: Python ``int`` and
/// ``float`` scalars are weak).
#[pyclass(name = "Array", module = "tessera", frozen)]
pub(crate) struct PyArray {
    pub(crate) inner: Array,
    /// The call that made this array, which its pickle holds; `None` for an array of
    /// values in memory, which pickles its values (see `recipe`).
    recipe: Option<Recipe>,
}

impl From<Array> for PyArray {
    fn from(inner: Array) -> PyArray {
        PyArray {
            inner,
            recipe: None,
        }
    }
}

impl PyArray {
    /// `inner`, made by the call `recipe`.
    pub(crate) fn made_by(inner: Array, recipe: Recipe) -> PyArray {
        PyArray {
            inner,
            recipe: Some(recipe),
        }
    }
}

/// A dict of the named local variables: a recipe's keyword arguments.
macro_rules! kwargs {
    ($py:expr; $($name:ident),*) => {{
        let dict = PyDict::new($py);
        $(dict.set_item(stringify!($name), $name)?;)*
        Some(dict)
    }};
}

/// The array `made` by `Array.<method>(slf, *args, **kwargs)`, remembering that call.
fn recorded<'py, A>(
    slf: &Bound<'py, PyArray>,
    method: &str,
    args: A,
    kwargs: Option<Bound<'py, PyDict>>,
    made: PyResult<PyArray>,
) -> PyResult<PyArray>
where
    A: IntoPyObject<'py, Target = PyTuple, Output = Bound<'py, PyTuple>>,
    A::Error: Into<PyErr>,
{
    let args = args.into_pyobject(slf.py()).map_err(Into::into)?;
    let recipe = Recipe::method(slf, method, args, kwargs)?;
    Ok(PyArray::made_by(made?.inner, recipe))
}

/// `Ok(PyArray)` from an engine result.
fn wrap(result: tessera::Result<Array>) -> PyResult<PyArray> {
    py(result).map(PyArray::from)
}

/// `slf <operator> other`, made by `make` and remembered as the call
/// `Array.<method>(slf, other)`.
fn recorded_operator<'py>(
    slf: &Bound<'py, PyArray>,
    method: &str,
    other: &Bound<'py, PyAny>,
    make: impl FnOnce(&PyArray) -> PyResult<PyArray>,
) -> PyResult<PyArray> {
    let made = make(slf.get());
    recorded(slf, method, (other,), None, made)
}

/// A Python int beyond int64 (within 128 bits): numpy takes one beside a float array,
/// in true division, in comparisons and beside uint64, and the engine's registry knows
/// where (`tessera eval` takes such literals).
fn big_int(value: &Bound<'_, PyAny>) -> Option<i128> {
    if !value.is_exact_instance_of::<PyInt>() || value.extract::<i64>().is_ok() {
        return None;
    }
    value.extract::<i128>().ok()
}

/// `left op right` where one side is an int beyond int64, by the registry's function
/// of `op`'s numpy name.
fn with_big_int(op: BinaryOp, left: Value, right: Value) -> PyResult<PyArray> {
    let ctx = context::current()?;
    wrap(tessera::expr::call(
        op.name(),
        vec![left, right],
        vec![],
        Some(&ctx),
    ))
}

impl PyArray {
    /// `self op other`.
    fn binary(&self, op: BinaryOp, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        if let Some(big) = big_int(other) {
            let this = Value::Array(self.inner.clone());
            return with_big_int(op, this, Value::BigInt(big));
        }
        wrap(self.inner.binary(op, operand(other)?))
    }

    /// `other op self` (the reflected operators).
    fn rbinary(&self, op: BinaryOp, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        if let Some(big) = big_int(other) {
            let this = Value::Array(self.inner.clone());
            return with_big_int(op, Value::BigInt(big), this);
        }
        match operand(other)? {
            Operand::Scalar(scalar) => wrap(self.inner.rbinary(op, scalar)),
            Operand::Array(lhs) => wrap(lhs.binary(op, &self.inner)),
        }
    }

    /// `&`, `|`, `^` between bool operands, where numpy's bitwise operators are the
    /// logical ones; tessera has no bitwise operations on integers.
    fn logic(&self, op: BinaryOp, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        let other = operand(other)?;
        let bool_other = match &other {
            Operand::Scalar(s) => matches!(s, tessera::Scalar::Bool(_)),
            Operand::Array(a) => a.dtype() == DType::Bool,
        };
        if self.inner.dtype() != DType::Bool || !bool_other {
            return Err(PyTypeError::new_err(
                "tessera has no bitwise operations: &, | and ^ take bool operands (compare first, e.g. (a > 0) & (b < 1))",
            ));
        }
        wrap(self.inner.binary(op, other))
    }

    /// The computed values as a numpy array (see `compute`).
    fn compute_numpy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let ctx = context::current()?;
        let array = self.inner.clone();
        let chunk = crate::run::engine(py, ctx, move |ctx, progress| {
            array.compute_with_progress(ctx, progress)
        });
        chunk_to_numpy(py, py_result(chunk?)?)
    }
}

/// An engine result as a Python one.
fn py_result<T>(result: tessera::Result<T>) -> PyResult<T> {
    py(result)
}

#[pymethods]
impl PyArray {
    /// The shape, a tuple of ints.
    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.shape())
    }

    /// The element type, a ``numpy.dtype``.
    #[getter]
    fn dtype<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        numpy_dtype(py, self.inner.dtype())
    }

    /// The number of axes.
    #[getter]
    fn ndim(&self) -> usize {
        self.inner.ndim()
    }

    /// The number of elements.
    #[getter]
    fn size(&self) -> u64 {
        self.inner.len()
    }

    /// Bytes of the elements (``size * itemsize``), as numpy's ``nbytes``.
    #[getter]
    fn nbytes(&self) -> u64 {
        self.inner.len() * self.inner.dtype().size() as u64
    }

    /// Bytes per element.
    #[getter]
    fn itemsize(&self) -> usize {
        self.inner.dtype().size()
    }

    /// The chunk shape (dask's ``chunksize``): one tuple, since tessera's chunk grids are
    /// regular (edge chunks are clipped).
    #[getter]
    fn chunks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.chunks())
    }

    /// The transpose (axes reversed).
    #[getter(T)]
    fn transposed(slf: &Bound<'_, Self>) -> PyResult<PyArray> {
        let made = wrap(slf.get().inner.t());
        recorded(slf, "transpose", (), None, made)
    }

    fn __len__(&self) -> PyResult<usize> {
        match self.inner.shape().first() {
            Some(n) => usize::try_from(*n).map_err(|_| PyValueError::new_err("length too large")),
            None => Err(PyTypeError::new_err("len() of unsized object")),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "tessera.Array<shape={}, dtype={}, chunks={}>",
            display::tuple(self.inner.shape()),
            self.inner.dtype().name(),
            display::tuple(self.inner.chunks())
        )
    }

    /// The notebook view: dask's summary table (bytes, shape and dtype of the array
    /// and of one chunk, and the number of chunks).
    fn _repr_html_(&self) -> String {
        display::html(&self.inner)
    }

    /// ``to_dask()``: this array as a dask array of the same chunks, each dask task
    /// computing its box through tessera (``dask.array.from_array``). Use it to hand
    /// tessera arrays to code that expects dask; for a whole computation, tessera's own
    /// ``compute``/``to_zarr`` run the graph with less overhead and within the budget.
    fn to_dask<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let dask = py.import("dask.array")?;
        let meta = crate::convert::empty_block(py, &this.inner)?;
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("chunks", PyTuple::new(py, this.inner.chunks())?)?;
        kwargs.set_item("asarray", true)?;
        kwargs.set_item("lock", false)?;
        kwargs.set_item("meta", meta)?;
        dask.call_method("from_array", (slf,), Some(&kwargs))
    }

    /// The truth of a one-element array (computed); ValueError otherwise, as numpy.
    fn __bool__(&self, py: Python<'_>) -> PyResult<bool> {
        if self.inner.len() != 1 {
            return Err(PyValueError::new_err(
                "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()",
            ));
        }
        self.compute_numpy(py)?.is_truthy()
    }

    fn __add__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__add__", other, |this| {
            this.binary(BinaryOp::Add, other)
        })
    }
    fn __radd__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__radd__", other, |this| {
            this.rbinary(BinaryOp::Add, other)
        })
    }
    fn __sub__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__sub__", other, |this| {
            this.binary(BinaryOp::Sub, other)
        })
    }
    fn __rsub__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__rsub__", other, |this| {
            this.rbinary(BinaryOp::Sub, other)
        })
    }
    fn __mul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__mul__", other, |this| {
            this.binary(BinaryOp::Mul, other)
        })
    }
    fn __rmul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__rmul__", other, |this| {
            this.rbinary(BinaryOp::Mul, other)
        })
    }
    fn __truediv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__truediv__", other, |this| {
            this.binary(BinaryOp::Div, other)
        })
    }
    fn __rtruediv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__rtruediv__", other, |this| {
            this.rbinary(BinaryOp::Div, other)
        })
    }
    fn __floordiv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__floordiv__", other, |this| {
            this.binary(BinaryOp::FloorDiv, other)
        })
    }
    fn __rfloordiv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__rfloordiv__", other, |this| {
            this.rbinary(BinaryOp::FloorDiv, other)
        })
    }
    fn __mod__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__mod__", other, |this| {
            this.binary(BinaryOp::Rem, other)
        })
    }
    fn __rmod__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__rmod__", other, |this| {
            this.rbinary(BinaryOp::Rem, other)
        })
    }
    fn __pow__(
        slf: &Bound<'_, Self>,
        other: &Bound<'_, PyAny>,
        modulo: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyArray> {
        no_modulo(modulo)?;
        recorded_operator(slf, "__pow__", other, |this| {
            this.binary(BinaryOp::Pow, other)
        })
    }
    fn __rpow__(
        slf: &Bound<'_, Self>,
        other: &Bound<'_, PyAny>,
        modulo: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyArray> {
        no_modulo(modulo)?;
        recorded_operator(slf, "__rpow__", other, |this| {
            this.rbinary(BinaryOp::Pow, other)
        })
    }
    fn __matmul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        let this = slf.get();
        let rhs = matmul_operand(other)?;
        let made = wrap(this.inner.matmul(&rhs));
        recorded(slf, "__matmul__", (other,), None, made)
    }
    fn __rmatmul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        let this = slf.get();
        let lhs = matmul_operand(other)?;
        let made = wrap(lhs.matmul(&this.inner));
        recorded(slf, "__rmatmul__", (other,), None, made)
    }
    fn __and__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__and__", other, |this| {
            this.logic(BinaryOp::And, other)
        })
    }
    fn __rand__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__rand__", other, |this| {
            this.logic(BinaryOp::And, other)
        })
    }
    fn __or__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__or__", other, |this| this.logic(BinaryOp::Or, other))
    }
    fn __ror__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__ror__", other, |this| {
            this.logic(BinaryOp::Or, other)
        })
    }
    fn __xor__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__xor__", other, |this| {
            this.logic(BinaryOp::Xor, other)
        })
    }
    fn __rxor__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        recorded_operator(slf, "__rxor__", other, |this| {
            this.logic(BinaryOp::Xor, other)
        })
    }

    fn __richcmp__(
        slf: &Bound<'_, Self>,
        other: &Bound<'_, PyAny>,
        op: CompareOp,
    ) -> PyResult<PyArray> {
        let (op, method) = match op {
            CompareOp::Lt => (BinaryOp::Lt, "__lt__"),
            CompareOp::Le => (BinaryOp::Le, "__le__"),
            CompareOp::Eq => (BinaryOp::Eq, "__eq__"),
            CompareOp::Ne => (BinaryOp::Ne, "__ne__"),
            CompareOp::Gt => (BinaryOp::Gt, "__gt__"),
            CompareOp::Ge => (BinaryOp::Ge, "__ge__"),
        };
        let made = slf.get().binary(op, other);
        recorded(slf, method, (other,), None, made)
    }

    fn __neg__(slf: &Bound<'_, Self>) -> PyResult<PyArray> {
        let made = wrap(slf.get().inner.unary(UnaryOp::Neg));
        recorded(slf, "__neg__", (), None, made)
    }
    fn __pos__(slf: &Bound<'_, Self>) -> PyResult<PyArray> {
        let made = wrap(slf.get().inner.unary(UnaryOp::Pos));
        recorded(slf, "__pos__", (), None, made)
    }
    fn __abs__(slf: &Bound<'_, Self>) -> PyResult<PyArray> {
        let made = wrap(slf.get().inner.unary(UnaryOp::Abs));
        recorded(slf, "__abs__", (), None, made)
    }
    fn __invert__(slf: &Bound<'_, Self>) -> PyResult<PyArray> {
        let inner = &slf.get().inner;
        if inner.dtype() != DType::Bool {
            return Err(PyTypeError::new_err(
                "tessera has no bitwise operations: ~ takes a bool array",
            ));
        }
        let made = wrap(inner.unary(UnaryOp::Not));
        recorded(slf, "__invert__", (), None, made)
    }

    /// ``a[key]``: numpy's indexing, lazily: integers, slices with steps, ``...``,
    /// ``None``, integer lists and arrays, and bool masks (the index arrays are computed
    /// first, under the budget). A bad index raises IndexError, as numpy's.
    fn __getitem__(slf: &Bound<'_, Self>, key: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        let made = crate::index::getitem(&slf.get().inner, key).map(PyArray::from);
        recorded(slf, "__getitem__", (key,), None, made)
    }

    /// ``transpose(*axes)``: the axes permuted (reversed when none are given), as
    /// numpy's ``ndarray.transpose``: ``a.transpose(1, 0)`` or ``a.transpose((1, 0))``.
    #[pyo3(signature = (*axes))]
    fn transpose(slf: &Bound<'_, Self>, axes: &Bound<'_, PyTuple>) -> PyResult<PyArray> {
        let inner = &slf.get().inner;
        let first = axes.get_item(0).ok();
        let made = match axes.len() {
            0 => wrap(inner.t()),
            1 if first.as_ref().is_some_and(|f| f.is_none()) => wrap(inner.t()),
            1 if first.as_ref().is_some_and(|f| !f.is_instance_of::<PyInt>()) => {
                let perm: Vec<i64> = axes.get_item(0)?.extract()?;
                wrap(inner.transpose(&perm))
            }
            _ => wrap(inner.transpose(&axes.extract::<Vec<i64>>()?)),
        };
        recorded(slf, "transpose", axes.clone(), None, made)
    }

    /// ``astype(dtype)``: the values converted to ``dtype``, lazily. Float to integer
    /// truncates and saturates (NaN gives 0), where numpy leaves it undefined.
    #[pyo3(signature = (dtype, copy = true))]
    fn astype(slf: &Bound<'_, Self>, dtype: &Bound<'_, PyAny>, copy: bool) -> PyResult<PyArray> {
        let _ = copy; // lazy arrays never share memory with their input
        let made = wrap(slf.get().inner.astype(dtype_arg(dtype)?));
        recorded(slf, "astype", (dtype,), None, made)
    }

    /// ``rechunk(chunks)``: the same values in chunks of ``chunks`` (an int for every
    /// axis, or a tuple where -1 or None is the whole axis).
    fn rechunk(slf: &Bound<'_, Self>, chunks: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        let inner = &slf.get().inner;
        let shape = crate::convert::chunk_shape(Some(chunks), inner.shape(), inner.dtype())?;
        let made = wrap(inner.rechunk(&shape));
        recorded(slf, "rechunk", (chunks,), None, made)
    }

    /// ``reshape(*shape)``: the values in C order in a new shape (one entry may be -1).
    #[pyo3(signature = (*shape))]
    fn reshape(slf: &Bound<'_, Self>, shape: &Bound<'_, PyTuple>) -> PyResult<PyArray> {
        let lengths: Vec<i64> = match shape.len() {
            1 if !shape.get_item(0)?.is_instance_of::<PyInt>() => shape.get_item(0)?.extract()?,
            _ => shape.extract()?,
        };
        let made = wrap(slf.get().inner.reshape(&lengths));
        recorded(slf, "reshape", shape.clone(), None, made)
    }

    /// ``sum(axis=None, dtype=None, out=None, keepdims=False)``: the sum over ``axis``
    /// (None: every axis; an int or a tuple of ints), as numpy's ``ndarray.sum``. Float
    /// sums are pairwise/compensated in float64 and bit-identical on any thread count;
    /// integers and bools sum in int64/uint64 as numpy's; ``dtype`` accumulates in that
    /// dtype (integers wrap). ``out`` is not supported (tessera arrays are lazy).
    #[pyo3(signature = (axis = None, dtype = None, out = None, keepdims = false))]
    fn sum(
        slf: &Bound<'_, Self>,
        axis: Option<&Bound<'_, PyAny>>,
        dtype: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        let made = reduce(
            &slf.get().inner,
            Reduction::new(tessera::ReduceOp::Sum, axis, dtype, out, keepdims),
        )
        .map(Into::into);
        recorded(
            slf,
            "sum",
            (),
            kwargs!(slf.py(); axis, dtype, keepdims),
            made,
        )
    }

    /// ``prod(axis=None, dtype=None, out=None, keepdims=False)``: the product over
    /// ``axis``, as numpy's ``ndarray.prod`` (float products keep numpy's sequential
    /// outcome for inf and NaN). ``out`` is not supported.
    #[pyo3(signature = (axis = None, dtype = None, out = None, keepdims = false))]
    fn prod(
        slf: &Bound<'_, Self>,
        axis: Option<&Bound<'_, PyAny>>,
        dtype: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        let made = reduce(
            &slf.get().inner,
            Reduction::new(tessera::ReduceOp::Prod, axis, dtype, out, keepdims),
        )
        .map(Into::into);
        recorded(
            slf,
            "prod",
            (),
            kwargs!(slf.py(); axis, dtype, keepdims),
            made,
        )
    }

    /// ``mean(axis=None, dtype=None, out=None, keepdims=False)``: the arithmetic mean over
    /// ``axis``, as numpy's ``ndarray.mean``: float64 for integer and bool input, the
    /// input's dtype for floats (accumulated in float64). ``dtype`` must be a float
    /// dtype. ``out`` is not supported.
    #[pyo3(signature = (axis = None, dtype = None, out = None, keepdims = false))]
    fn mean(
        slf: &Bound<'_, Self>,
        axis: Option<&Bound<'_, PyAny>>,
        dtype: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        let made = reduce(
            &slf.get().inner,
            Reduction::new(tessera::ReduceOp::Mean, axis, dtype, out, keepdims),
        )
        .map(Into::into);
        recorded(
            slf,
            "mean",
            (),
            kwargs!(slf.py(); axis, dtype, keepdims),
            made,
        )
    }

    /// ``var(axis=None, dtype=None, out=None, ddof=0, keepdims=False)``: the variance over
    /// ``axis`` with ``ddof`` delta degrees of freedom, as numpy's ``ndarray.var``,
    /// combined stably (Welford/Chan). ``out`` is not supported.
    #[pyo3(signature = (axis = None, dtype = None, out = None, ddof = 0, keepdims = false))]
    fn var(
        slf: &Bound<'_, Self>,
        axis: Option<&Bound<'_, PyAny>>,
        dtype: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        ddof: u32,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        let made = reduce(
            &slf.get().inner,
            Reduction::new(tessera::ReduceOp::Var { ddof }, axis, dtype, out, keepdims),
        )
        .map(Into::into);
        recorded(
            slf,
            "var",
            (),
            kwargs!(slf.py(); axis, dtype, ddof, keepdims),
            made,
        )
    }

    /// ``std(axis=None, dtype=None, out=None, ddof=0, keepdims=False)``: the standard
    /// deviation over ``axis`` (the square root of ``var``), as numpy's ``ndarray.std``.
    /// ``out`` is not supported.
    #[pyo3(signature = (axis = None, dtype = None, out = None, ddof = 0, keepdims = false))]
    fn std(
        slf: &Bound<'_, Self>,
        axis: Option<&Bound<'_, PyAny>>,
        dtype: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        ddof: u32,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        let made = reduce(
            &slf.get().inner,
            Reduction::new(tessera::ReduceOp::Std { ddof }, axis, dtype, out, keepdims),
        )
        .map(Into::into);
        recorded(
            slf,
            "std",
            (),
            kwargs!(slf.py(); axis, dtype, ddof, keepdims),
            made,
        )
    }

    /// ``min(axis=None, out=None, keepdims=False)``: the minimum over ``axis``, as
    /// numpy's ``ndarray.min`` (NaN propagates). ``out`` is not supported.
    #[pyo3(signature = (axis = None, out = None, keepdims = false))]
    fn min(
        slf: &Bound<'_, Self>,
        axis: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        let made = reduce(
            &slf.get().inner,
            Reduction::new(tessera::ReduceOp::Min, axis, None, out, keepdims),
        )
        .map(Into::into);
        recorded(slf, "min", (), kwargs!(slf.py(); axis, keepdims), made)
    }

    /// ``max(axis=None, out=None, keepdims=False)``: the maximum over ``axis``, as
    /// numpy's ``ndarray.max`` (NaN propagates). ``out`` is not supported.
    #[pyo3(signature = (axis = None, out = None, keepdims = false))]
    fn max(
        slf: &Bound<'_, Self>,
        axis: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        let made = reduce(
            &slf.get().inner,
            Reduction::new(tessera::ReduceOp::Max, axis, None, out, keepdims),
        )
        .map(Into::into);
        recorded(slf, "max", (), kwargs!(slf.py(); axis, keepdims), made)
    }

    /// ``any(axis=None, out=None, keepdims=False)``: whether any element over ``axis`` is
    /// nonzero (NaN counts as nonzero), as numpy's ``ndarray.any``.
    #[pyo3(signature = (axis = None, out = None, keepdims = false))]
    fn any(
        slf: &Bound<'_, Self>,
        axis: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        let made = reduce(
            &slf.get().inner,
            Reduction::new(tessera::ReduceOp::Any, axis, None, out, keepdims),
        )
        .map(Into::into);
        recorded(slf, "any", (), kwargs!(slf.py(); axis, keepdims), made)
    }

    /// ``all(axis=None, out=None, keepdims=False)``: whether every element over ``axis``
    /// is nonzero, as numpy's ``ndarray.all``.
    #[pyo3(signature = (axis = None, out = None, keepdims = false))]
    fn all(
        slf: &Bound<'_, Self>,
        axis: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        let made = reduce(
            &slf.get().inner,
            Reduction::new(tessera::ReduceOp::All, axis, None, out, keepdims),
        )
        .map(Into::into);
        recorded(slf, "all", (), kwargs!(slf.py(); axis, keepdims), made)
    }

    /// ``argmin(axis=None, out=None, *, keepdims=False)``: the index of the minimum along
    /// one ``axis``, or into the flattened array when ``axis`` is None; the first
    /// occurrence wins (NaN is the minimum), as numpy's ``ndarray.argmin``.
    #[pyo3(signature = (axis = None, out = None, *, keepdims = false))]
    fn argmin(
        slf: &Bound<'_, Self>,
        axis: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        let made = reduce(
            &slf.get().inner,
            Reduction::new(tessera::ReduceOp::ArgMin, axis, None, out, keepdims),
        )
        .map(Into::into);
        recorded(slf, "argmin", (), kwargs!(slf.py(); axis, keepdims), made)
    }

    /// ``argmax(axis=None, out=None, *, keepdims=False)``: the index of the maximum along
    /// one ``axis``, or into the flattened array when ``axis`` is None; the first
    /// occurrence wins (NaN is the maximum), as numpy's ``ndarray.argmax``.
    #[pyo3(signature = (axis = None, out = None, *, keepdims = false))]
    fn argmax(
        slf: &Bound<'_, Self>,
        axis: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        let made = reduce(
            &slf.get().inner,
            Reduction::new(tessera::ReduceOp::ArgMax, axis, None, out, keepdims),
        )
        .map(Into::into);
        recorded(slf, "argmax", (), kwargs!(slf.py(); axis, keepdims), made)
    }

    /// ``map_blocks(func, *args, dtype=None, **kwargs)``: ``func(block, *args,
    /// **kwargs)`` applied to every block (chunk) of this array, lazily, as dask's
    /// ``map_blocks``. ``func`` takes a numpy array and returns one of the same shape;
    /// ``dtype`` is the result's (by default found by calling ``func`` on an empty
    /// block, as dask does). Arguments after ``func`` are passed through unchanged.
    ///
    /// Cost: each block is copied into numpy and back, and ``func`` holds the GIL while
    /// it runs, so blocks are mapped one at a time unless ``func`` releases the GIL
    /// (numpy's large operations do). tessera's own operations, where they exist, are
    /// faster. A ``func`` that raises fails the computation with its message.
    #[pyo3(signature = (func, *args, dtype = None, **kwargs))]
    fn map_blocks(
        slf: &Bound<'_, Self>,
        func: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
        dtype: Option<&Bound<'_, PyAny>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyArray> {
        let py = slf.py();
        let inner = &slf.get().inner;
        if args.iter().any(|a| a.is_instance_of::<PyArray>()) {
            return Err(PyTypeError::new_err(
                "map_blocks maps one tessera array: combine arrays with operators first, or pass numpy arrays",
            ));
        }
        let result_dtype = match dtype.filter(|d| !d.is_none()) {
            Some(d) => dtype_arg(d)?,
            None => crate::blocks::infer_dtype(py, inner, func, args, kwargs)?,
        };
        let made = crate::blocks::map_blocks(
            inner,
            func.clone().unbind(),
            args.clone().unbind(),
            kwargs.map(|k| k.clone().unbind()),
            result_dtype,
        );
        let mut recipe_args = vec![func.clone()];
        recipe_args.extend(args.iter());
        let recipe_kwargs = PyDict::new(py);
        if let Some(kwargs) = kwargs {
            recipe_kwargs.update(kwargs.as_mapping())?;
        }
        recipe_kwargs.set_item("dtype", numpy_dtype(py, result_dtype)?)?;
        let recipe_args = PyTuple::new(py, recipe_args)?;
        recorded(
            slf,
            "map_blocks",
            recipe_args,
            Some(recipe_kwargs),
            Ok(made.into()),
        )
    }

    /// ``compute()``: runs the graph in the current context and returns a numpy array.
    /// The array takes over tessera's result buffer without a copy (its
    /// ``flags.owndata`` is False: it views that buffer). The GIL is released while the
    /// engine works. A result larger than the memory budget raises ``BudgetError``:
    /// stream it to a file with ``to_zarr``/``to_hdf5``/``to_npy`` instead.
    fn compute<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.compute_numpy(py)
    }

    /// ``__array__(dtype=None, copy=None)``, as numpy 2 calls it: the computed values
    /// (see ``compute``), converted to ``dtype`` when given. ``copy=False`` with a
    /// ``dtype`` that needs a conversion raises ValueError, as numpy's protocol asks.
    #[pyo3(signature = (dtype = None, copy = None))]
    fn __array__<'py>(
        &self,
        py: Python<'py>,
        dtype: Option<&Bound<'py, PyAny>>,
        copy: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let values = self.compute_numpy(py)?;
        let Some(dtype) = dtype.filter(|d| !d.is_none()) else {
            return Ok(values);
        };
        let wanted = py.import("numpy")?.getattr("dtype")?.call1((dtype,))?;
        if wanted.eq(values.getattr("dtype")?)? {
            return Ok(values);
        }
        if copy == Some(false) {
            return Err(PyValueError::new_err(
                "Unable to avoid copy while creating an array as requested: the dtype differs",
            ));
        }
        values.call_method1("astype", (wanted,))
    }

    /// Pickling (``pickle``, dask, multiprocessing): the call that made this array, with
    /// its arguments down to the inputs' addresses, so that a worker rebuilds the same
    /// lazy array and reads the inputs itself. An array of values in memory
    /// (``from_numpy``) pickles its values, computed within the budget.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        if let Some(recipe) = &self.recipe {
            return recipe.reduce(py);
        }
        let values = self.compute_numpy(py)?;
        let chunks = PyTuple::new(py, self.inner.chunks())?;
        let from_numpy = py.import("tessera._tessera")?.getattr("from_numpy")?;
        (from_numpy, (values, chunks)).into_pyobject(py)
    }

    /// ``explain()``: the plan as text: stages after fusion, tasks, projected memory,
    /// in the current context. Nothing is computed.
    fn explain(&self) -> PyResult<String> {
        let ctx = context::current()?;
        Ok(py(self.inner.plan(&ctx))?.explain())
    }

    /// ``to_zarr(url, component=None, *, chunks=None, codec="none", zarr_version=3,
    /// shard=None, overwrite=False)``: streams the values chunk by chunk into a Zarr
    /// store (``component``: an array inside it, also given as ``"store.zarr:/a"``),
    /// within the budget and with the GIL released. ``chunks`` defaults to this array's;
    /// ``codec`` is ``none``, ``gzip:L``, ``zstd:L``, ``blosc-lz4:L`` or ``blosc-zstd:L``;
    /// ``shard`` is a Zarr v3 shard shape. The store appears only when complete; an
    /// existing target is replaced only with ``overwrite=True``.
    #[pyo3(signature = (url, component = None, *, chunks = None, codec = "none", zarr_version = 3, shard = None, overwrite = false))]
    #[allow(clippy::too_many_arguments)]
    fn to_zarr(
        &self,
        py: Python<'_>,
        url: &str,
        component: Option<&str>,
        chunks: Option<&Bound<'_, PyAny>>,
        codec: &str,
        zarr_version: u8,
        shard: Option<Vec<u64>>,
        overwrite: bool,
    ) -> PyResult<()> {
        let target = crate::io::Target::zarr(url, component)?;
        let options =
            crate::io::options(&self.inner, chunks, codec, zarr_version, shard, overwrite)?;
        crate::io::store(py, &self.inner, target, options)
    }

    /// ``to_hdf5(filename, datapath=None, *, chunks=None, codec="none",
    /// overwrite=False)``: streams the values into the dataset ``datapath`` of an HDF5
    /// file (also given as ``"file.h5:/group/x"``), as dask's ``to_hdf5``. ``codec`` is
    /// ``none`` or ``gzip:L`` (written as shuffle+deflate). The dataset appears only when
    /// complete; other datasets of an existing file are kept.
    #[pyo3(signature = (filename, datapath = None, *, chunks = None, codec = "none", overwrite = false))]
    fn to_hdf5(
        &self,
        py: Python<'_>,
        filename: &str,
        datapath: Option<&str>,
        chunks: Option<&Bound<'_, PyAny>>,
        codec: &str,
        overwrite: bool,
    ) -> PyResult<()> {
        let target = crate::io::Target::hdf5(filename, datapath)?;
        let options = crate::io::options(&self.inner, chunks, codec, 3, None, overwrite)?;
        crate::io::store(py, &self.inner, target, options)
    }

    /// ``to_npy(path, *, overwrite=False)``: streams the values into a ``.npy`` file,
    /// which appears only when complete.
    #[pyo3(signature = (path, *, overwrite = false))]
    fn to_npy(&self, py: Python<'_>, path: &str, overwrite: bool) -> PyResult<()> {
        let target = crate::io::Target::npy(path);
        let options = crate::io::options(&self.inner, None, "none", 3, None, overwrite)?;
        crate::io::store(py, &self.inner, target, options)
    }
}

/// The right operand of `@`: an array (a scalar is refused, as numpy refuses it).
fn matmul_operand(other: &Bound<'_, PyAny>) -> PyResult<Array> {
    match operand(other)? {
        Operand::Array(a) => Ok(a),
        Operand::Scalar(_) => Err(PyValueError::new_err(
            "matmul: an operand is a scalar; use * to multiply by a scalar",
        )),
    }
}

/// Refuses the three-argument `pow(a, b, m)`.
fn no_modulo(modulo: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    match modulo {
        Some(m) if !m.is_none() => Err(PyTypeError::new_err(
            "pow() with a modulus is not supported by tessera arrays",
        )),
        _ => Ok(()),
    }
}
