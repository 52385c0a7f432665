//! `tessera.Array`: a lazy array, with numpy's operators, indexing and reductions, that
//! computes into numpy arrays or streams into files.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pyclass::CompareOp;
use pyo3::types::{PyInt, PyTuple};
use tessera::{Array, BinaryOp, DType, Operand, UnaryOp};

use crate::context;
use crate::convert::{chunk_to_numpy, dtype_arg, numpy_dtype, operand};
use crate::display;
use crate::errors::py;
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
}

impl From<Array> for PyArray {
    fn from(inner: Array) -> PyArray {
        PyArray { inner }
    }
}

/// `Ok(PyArray)` from an engine result.
fn wrap(result: tessera::Result<Array>) -> PyResult<PyArray> {
    py(result).map(PyArray::from)
}

impl PyArray {
    /// `self op other`.
    fn binary(&self, op: BinaryOp, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        wrap(self.inner.binary(op, operand(other)?))
    }

    /// `other op self` (the reflected operators).
    fn rbinary(&self, op: BinaryOp, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
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
    fn transposed(&self) -> PyResult<PyArray> {
        wrap(self.inner.t())
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
    /// Pickling for process-based schedulers is not supported yet: use threads.
    fn to_dask<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let dask = py.import("dask.array")?;
        let numpy = py.import("numpy")?;
        let dtype = numpy_dtype(py, this.inner.dtype())?;
        let empty_shape = PyTuple::new(py, vec![0u64; this.inner.shape().len()])?;
        let meta = numpy.call_method1("empty", (empty_shape, dtype))?;
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

    fn __add__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.binary(BinaryOp::Add, other)
    }
    fn __radd__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.rbinary(BinaryOp::Add, other)
    }
    fn __sub__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.binary(BinaryOp::Sub, other)
    }
    fn __rsub__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.rbinary(BinaryOp::Sub, other)
    }
    fn __mul__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.binary(BinaryOp::Mul, other)
    }
    fn __rmul__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.rbinary(BinaryOp::Mul, other)
    }
    fn __truediv__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.binary(BinaryOp::Div, other)
    }
    fn __rtruediv__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.rbinary(BinaryOp::Div, other)
    }
    fn __floordiv__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.binary(BinaryOp::FloorDiv, other)
    }
    fn __rfloordiv__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.rbinary(BinaryOp::FloorDiv, other)
    }
    fn __mod__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.binary(BinaryOp::Rem, other)
    }
    fn __rmod__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.rbinary(BinaryOp::Rem, other)
    }
    fn __pow__(
        &self,
        other: &Bound<'_, PyAny>,
        modulo: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyArray> {
        no_modulo(modulo)?;
        self.binary(BinaryOp::Pow, other)
    }
    fn __rpow__(
        &self,
        other: &Bound<'_, PyAny>,
        modulo: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyArray> {
        no_modulo(modulo)?;
        self.rbinary(BinaryOp::Pow, other)
    }
    fn __matmul__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        let other = matmul_operand(other)?;
        wrap(self.inner.matmul(&other))
    }
    fn __rmatmul__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        let other = matmul_operand(other)?;
        wrap(other.matmul(&self.inner))
    }
    fn __and__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.logic(BinaryOp::And, other)
    }
    fn __rand__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.logic(BinaryOp::And, other)
    }
    fn __or__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.logic(BinaryOp::Or, other)
    }
    fn __ror__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.logic(BinaryOp::Or, other)
    }
    fn __xor__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.logic(BinaryOp::Xor, other)
    }
    fn __rxor__(&self, other: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.logic(BinaryOp::Xor, other)
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<PyArray> {
        let op = match op {
            CompareOp::Lt => BinaryOp::Lt,
            CompareOp::Le => BinaryOp::Le,
            CompareOp::Eq => BinaryOp::Eq,
            CompareOp::Ne => BinaryOp::Ne,
            CompareOp::Gt => BinaryOp::Gt,
            CompareOp::Ge => BinaryOp::Ge,
        };
        self.binary(op, other)
    }

    fn __neg__(&self) -> PyResult<PyArray> {
        wrap(self.inner.unary(UnaryOp::Neg))
    }
    fn __pos__(&self) -> PyResult<PyArray> {
        wrap(self.inner.unary(UnaryOp::Pos))
    }
    fn __abs__(&self) -> PyResult<PyArray> {
        wrap(self.inner.unary(UnaryOp::Abs))
    }
    fn __invert__(&self) -> PyResult<PyArray> {
        if self.inner.dtype() != DType::Bool {
            return Err(PyTypeError::new_err(
                "tessera has no bitwise operations: ~ takes a bool array",
            ));
        }
        wrap(self.inner.unary(UnaryOp::Not))
    }

    /// ``a[key]``: numpy's basic indexing (integers, slices with steps, ``...``,
    /// ``None``), lazily.
    fn __getitem__(&self, key: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        Ok(crate::index::getitem(&self.inner, key)?.into())
    }

    /// ``transpose(*axes)``: the axes permuted (reversed when none are given), as
    /// numpy's ``ndarray.transpose``: ``a.transpose(1, 0)`` or ``a.transpose((1, 0))``.
    #[pyo3(signature = (*axes))]
    fn transpose(&self, axes: &Bound<'_, PyTuple>) -> PyResult<PyArray> {
        let perm: Vec<i64> = match axes.len() {
            0 => return wrap(self.inner.t()),
            1 if !axes.get_item(0)?.is_instance_of::<PyInt>() => {
                let first = axes.get_item(0)?;
                if first.is_none() {
                    return wrap(self.inner.t());
                }
                first.extract()?
            }
            _ => axes.extract()?,
        };
        wrap(self.inner.transpose(&perm))
    }

    /// ``astype(dtype)``: the values converted to ``dtype``, lazily. Float to integer
    /// truncates and saturates (NaN gives 0), where numpy leaves it undefined.
    #[pyo3(signature = (dtype, copy = true))]
    fn astype(&self, dtype: &Bound<'_, PyAny>, copy: bool) -> PyResult<PyArray> {
        let _ = copy; // lazy arrays never share memory with their input
        wrap(self.inner.astype(dtype_arg(dtype)?))
    }

    /// ``rechunk(chunks)``: the same values in chunks of ``chunks`` (an int for every
    /// axis, or a tuple where -1 or None is the whole axis).
    fn rechunk(&self, chunks: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        let chunks =
            crate::convert::chunk_shape(Some(chunks), self.inner.shape(), self.inner.dtype())?;
        wrap(self.inner.rechunk(&chunks))
    }

    /// ``reshape(*shape)``: the values in C order in a new shape (one entry may be -1).
    #[pyo3(signature = (*shape))]
    fn reshape(&self, shape: &Bound<'_, PyTuple>) -> PyResult<PyArray> {
        let shape: Vec<i64> = match shape.len() {
            1 if !shape.get_item(0)?.is_instance_of::<PyInt>() => shape.get_item(0)?.extract()?,
            _ => shape.extract()?,
        };
        wrap(self.inner.reshape(&shape))
    }

    /// ``sum(axis=None, dtype=None, out=None, keepdims=False)``: the sum over ``axis``
    /// (None: every axis; an int or a tuple of ints), as numpy's ``ndarray.sum``. Float
    /// sums are pairwise/compensated in float64 and bit-identical on any thread count;
    /// integers and bools sum in int64/uint64 as numpy's; ``dtype`` accumulates in that
    /// dtype (integers wrap). ``out`` is not supported (tessera arrays are lazy).
    #[pyo3(signature = (axis = None, dtype = None, out = None, keepdims = false))]
    fn sum(
        &self,
        axis: Option<&Bound<'_, PyAny>>,
        dtype: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        reduce(
            &self.inner,
            Reduction::new(tessera::ReduceOp::Sum, axis, dtype, out, keepdims),
        )
        .map(Into::into)
    }

    /// ``prod(axis=None, dtype=None, out=None, keepdims=False)``: the product over
    /// ``axis``, as numpy's ``ndarray.prod`` (float products keep numpy's sequential
    /// outcome for inf and NaN). ``out`` is not supported.
    #[pyo3(signature = (axis = None, dtype = None, out = None, keepdims = false))]
    fn prod(
        &self,
        axis: Option<&Bound<'_, PyAny>>,
        dtype: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        reduce(
            &self.inner,
            Reduction::new(tessera::ReduceOp::Prod, axis, dtype, out, keepdims),
        )
        .map(Into::into)
    }

    /// ``mean(axis=None, dtype=None, out=None, keepdims=False)``: the arithmetic mean over
    /// ``axis``, as numpy's ``ndarray.mean``: float64 for integer and bool input, the
    /// input's dtype for floats (accumulated in float64). ``dtype`` must be a float
    /// dtype. ``out`` is not supported.
    #[pyo3(signature = (axis = None, dtype = None, out = None, keepdims = false))]
    fn mean(
        &self,
        axis: Option<&Bound<'_, PyAny>>,
        dtype: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        reduce(
            &self.inner,
            Reduction::new(tessera::ReduceOp::Mean, axis, dtype, out, keepdims),
        )
        .map(Into::into)
    }

    /// ``var(axis=None, dtype=None, out=None, ddof=0, keepdims=False)``: the variance over
    /// ``axis`` with ``ddof`` delta degrees of freedom, as numpy's ``ndarray.var``,
    /// combined stably (Welford/Chan). ``out`` is not supported.
    #[pyo3(signature = (axis = None, dtype = None, out = None, ddof = 0, keepdims = false))]
    fn var(
        &self,
        axis: Option<&Bound<'_, PyAny>>,
        dtype: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        ddof: u32,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        reduce(
            &self.inner,
            Reduction::new(tessera::ReduceOp::Var { ddof }, axis, dtype, out, keepdims),
        )
        .map(Into::into)
    }

    /// ``std(axis=None, dtype=None, out=None, ddof=0, keepdims=False)``: the standard
    /// deviation over ``axis`` (the square root of ``var``), as numpy's ``ndarray.std``.
    /// ``out`` is not supported.
    #[pyo3(signature = (axis = None, dtype = None, out = None, ddof = 0, keepdims = false))]
    fn std(
        &self,
        axis: Option<&Bound<'_, PyAny>>,
        dtype: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        ddof: u32,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        reduce(
            &self.inner,
            Reduction::new(tessera::ReduceOp::Std { ddof }, axis, dtype, out, keepdims),
        )
        .map(Into::into)
    }

    /// ``min(axis=None, out=None, keepdims=False)``: the minimum over ``axis``, as
    /// numpy's ``ndarray.min`` (NaN propagates). ``out`` is not supported.
    #[pyo3(signature = (axis = None, out = None, keepdims = false))]
    fn min(
        &self,
        axis: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        reduce(
            &self.inner,
            Reduction::new(tessera::ReduceOp::Min, axis, None, out, keepdims),
        )
        .map(Into::into)
    }

    /// ``max(axis=None, out=None, keepdims=False)``: the maximum over ``axis``, as
    /// numpy's ``ndarray.max`` (NaN propagates). ``out`` is not supported.
    #[pyo3(signature = (axis = None, out = None, keepdims = false))]
    fn max(
        &self,
        axis: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        reduce(
            &self.inner,
            Reduction::new(tessera::ReduceOp::Max, axis, None, out, keepdims),
        )
        .map(Into::into)
    }

    /// ``any(axis=None, out=None, keepdims=False)``: whether any element over ``axis`` is
    /// nonzero (NaN counts as nonzero), as numpy's ``ndarray.any``.
    #[pyo3(signature = (axis = None, out = None, keepdims = false))]
    fn any(
        &self,
        axis: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        reduce(
            &self.inner,
            Reduction::new(tessera::ReduceOp::Any, axis, None, out, keepdims),
        )
        .map(Into::into)
    }

    /// ``all(axis=None, out=None, keepdims=False)``: whether every element over ``axis``
    /// is nonzero, as numpy's ``ndarray.all``.
    #[pyo3(signature = (axis = None, out = None, keepdims = false))]
    fn all(
        &self,
        axis: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        reduce(
            &self.inner,
            Reduction::new(tessera::ReduceOp::All, axis, None, out, keepdims),
        )
        .map(Into::into)
    }

    /// ``argmin(axis=None, out=None, *, keepdims=False)``: the index of the minimum along
    /// one ``axis``, or into the flattened array when ``axis`` is None; the first
    /// occurrence wins (NaN is the minimum), as numpy's ``ndarray.argmin``.
    #[pyo3(signature = (axis = None, out = None, *, keepdims = false))]
    fn argmin(
        &self,
        axis: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        reduce(
            &self.inner,
            Reduction::new(tessera::ReduceOp::ArgMin, axis, None, out, keepdims),
        )
        .map(Into::into)
    }

    /// ``argmax(axis=None, out=None, *, keepdims=False)``: the index of the maximum along
    /// one ``axis``, or into the flattened array when ``axis`` is None; the first
    /// occurrence wins (NaN is the maximum), as numpy's ``ndarray.argmax``.
    #[pyo3(signature = (axis = None, out = None, *, keepdims = false))]
    fn argmax(
        &self,
        axis: Option<&Bound<'_, PyAny>>,
        out: Option<&Bound<'_, PyAny>>,
        keepdims: bool,
    ) -> PyResult<PyArray> {
        reduce(
            &self.inner,
            Reduction::new(tessera::ReduceOp::ArgMax, axis, None, out, keepdims),
        )
        .map(Into::into)
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
