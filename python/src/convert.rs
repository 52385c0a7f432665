//! Values crossing between Python and the engine: dtypes, numpy arrays in, computed
//! chunks out (without a copy), operands of arithmetic and axis arguments.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PySlice, PyTuple};
use tessera::{Array, DType, Operand, Scalar};

use crate::errors::py;

/// Bytes a default chunk of `from_numpy` holds at most (whole rows of the trailing axes).
const DEFAULT_CHUNK_BYTES: u64 = 64 << 20;

/// The `numpy` module.
fn numpy(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import("numpy")
}

/// numpy's dtype object for `dtype`.
pub(crate) fn numpy_dtype(py: Python<'_>, dtype: DType) -> PyResult<Bound<'_, PyAny>> {
    numpy(py)?.getattr("dtype")?.call1((dtype.name(),))
}

/// An empty numpy array of `array`'s dtype and number of axes (every length 0): dask's
/// `meta`, and the block `map_blocks` finds a function's dtype with.
pub(crate) fn empty_block<'py>(py: Python<'py>, array: &Array) -> PyResult<Bound<'py, PyAny>> {
    let shape = PyTuple::new(py, vec![0u64; array.ndim()])?;
    numpy(py)?.call_method1("empty", (shape, numpy_dtype(py, array.dtype())?))
}

/// The tessera dtype of anything numpy takes as a dtype (`"float32"`, `np.int8`, a dtype
/// object, `float`); a TypeError for dtypes tessera does not compute on.
pub(crate) fn dtype_arg(value: &Bound<'_, PyAny>) -> PyResult<DType> {
    let py = value.py();
    let dtype = numpy(py)?.getattr("dtype")?.call1((value,))?;
    let name: String = dtype.getattr("name")?.extract()?;
    DType::parse(&name).ok_or_else(|| unsupported_dtype(&name))
}

/// The refusal of a numpy dtype tessera does not compute on.
fn unsupported_dtype(name: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "unsupported dtype {name}: tessera handles bool, int8-64, uint8-64, float16/32/64"
    ))
}

/// An array over the numpy array (or anything `numpy.asarray` takes), cut into `chunks`.
/// A C-ordered, native-order, aligned numpy array is not copied, as dask's `from_array`
/// does not copy: the array keeps it alive, and changes made to it before a compute show
/// in the result. Anything else is converted once by numpy.
pub(crate) fn from_numpy(
    values: &Bound<'_, PyAny>,
    chunks: Option<&Bound<'_, PyAny>>,
) -> PyResult<Array> {
    let (dtype, shape, flat) = c_ordered_bytes(values)?;
    let chunk = match shared_chunk(dtype, &shape, &flat)? {
        Some(chunk) => chunk,
        None => copied_chunk(dtype, &shape, &flat)?,
    };
    let chunks = chunk_shape(chunks, chunk.shape(), chunk.dtype())?;
    py(Array::from_chunk(chunk, &chunks))
}

/// A chunk holding a copy of the numpy array (or anything `numpy.asarray` takes).
pub(crate) fn numpy_to_chunk(values: &Bound<'_, PyAny>) -> PyResult<tessera::Chunk> {
    let (dtype, shape, flat) = c_ordered_bytes(values)?;
    copied_chunk(dtype, &shape, &flat)
}

/// The dtype, shape and C-ordered native bytes (a flat uint8 numpy array, a view where
/// numpy needed no conversion) of anything `numpy.asarray` takes.
fn c_ordered_bytes<'py>(
    values: &Bound<'py, PyAny>,
) -> PyResult<(DType, Vec<u64>, Bound<'py, PyAny>)> {
    let token = values.py();
    let np = numpy(token)?;
    let values = np.getattr("asarray")?.call1((values,))?;
    let name: String = values.getattr("dtype")?.getattr("name")?.extract()?;
    let dtype = DType::parse(&name).ok_or_else(|| unsupported_dtype(&name))?;
    // C order, native byte order, then the bytes as one flat uint8 view. (Not
    // `ascontiguousarray`, which makes a 0-d array 1-d.)
    let kwargs = pyo3::types::PyDict::new(token);
    kwargs.set_item("dtype", numpy_dtype(token, dtype)?)?;
    kwargs.set_item("order", "C")?;
    let contiguous = np.getattr("asarray")?.call((values,), Some(&kwargs))?;
    let shape: Vec<u64> = contiguous.getattr("shape")?.extract()?;
    let flat = contiguous
        .call_method1("reshape", (-1,))?
        .call_method1("view", (np.getattr("uint8")?,))?;
    Ok((dtype, shape, flat))
}

fn copied_chunk(dtype: DType, shape: &[u64], flat: &Bound<'_, PyAny>) -> PyResult<tessera::Chunk> {
    let bytes: PyReadonlyArray1<'_, u8> = flat.extract()?;
    py(tessera::Chunk::from_bytes(dtype, shape, bytes.as_slice()?))
}

/// A chunk standing on the numpy buffer itself, or `None` when it starts unaligned.
fn shared_chunk(
    dtype: DType,
    shape: &[u64],
    flat: &Bound<'_, PyAny>,
) -> PyResult<Option<tessera::Chunk>> {
    let bytes: PyReadonlyArray1<'_, u8> = flat.extract()?;
    let slice = bytes.as_slice()?;
    let buffer = NumpyBuffer {
        _owner: flat.clone().unbind(),
        address: slice.as_ptr() as usize,
        len: slice.len(),
    };
    Ok(tessera::Chunk::from_shared(dtype, shape, Box::new(buffer)))
}

/// A numpy array's buffer, kept alive by a reference to the array.
#[derive(Debug)]
struct NumpyBuffer {
    _owner: Py<PyAny>,
    address: usize,
    len: usize,
}

impl tessera::SharedBytes for NumpyBuffer {
    fn bytes(&self) -> &[u8] {
        // SAFETY: the array `_owner` holds keeps its buffer at `address` (numpy never
        // moves a buffer an array owns or views) for as long as the reference lives;
        // `len` is the buffer's length in bytes. Nothing here writes to it.
        unsafe { std::slice::from_raw_parts(self.address as *const u8, self.len) }
    }
}

/// A chunk shape from Python: `None` (whole rows up to 64 MiB), an int for every axis, or
/// a tuple with an entry per axis where `-1` or `None` is the whole axis. Lengths are
/// clamped to the axis, as dask does.
pub(crate) fn chunk_shape(
    chunks: Option<&Bound<'_, PyAny>>,
    shape: &[u64],
    dtype: DType,
) -> PyResult<Vec<u64>> {
    let Some(chunks) = chunks.filter(|c| !c.is_none()) else {
        return Ok(tessera::store::row_block_chunks(
            shape,
            dtype,
            DEFAULT_CHUNK_BYTES,
        ));
    };
    let given: Vec<Option<i64>> = if let Ok(n) = chunks.extract::<i64>() {
        vec![Some(n); shape.len()]
    } else {
        chunks.extract().map_err(|_| {
            PyTypeError::new_err(
                "chunks must be an int or a tuple of ints (-1 or None: the whole axis)",
            )
        })?
    };
    if given.len() != shape.len() {
        return Err(shape_error(format!(
            "{} lengths given for an array of {} axes",
            given.len(),
            shape.len()
        )));
    }
    given
        .iter()
        .zip(shape)
        .map(|(c, n)| match c {
            None | Some(-1) => Ok((*n).max(1)),
            Some(c) if *c > 0 => Ok((*c as u64).min((*n).max(1))),
            Some(c) => Err(shape_error(format!(
                "chunk length {c} must be positive (or -1 for the whole axis)"
            ))),
        })
        .collect()
}

/// A refusal of a chunk shape, as the engine words it.
fn shape_error(reason: String) -> PyErr {
    crate::errors::to_py(tessera::Error::Shape {
        what: "chunks".into(),
        reason,
    })
}

/// The computed `chunk` as a numpy array that owns no data: it views the chunk's own
/// buffer, handed to numpy without a copy (`result.flags.owndata` is False).
pub(crate) fn chunk_to_numpy(py: Python<'_>, chunk: tessera::Chunk) -> PyResult<Bound<'_, PyAny>> {
    let dtype = chunk.dtype();
    let shape = chunk.shape().to_vec();
    let len = chunk.len();
    let words = PyArray1::<u64>::from_vec(py, chunk.into_words());
    let typed = words.call_method1("view", (numpy_dtype(py, dtype)?,))?;
    let elements = typed.get_item(PySlice::new(py, 0, len as isize, 1))?;
    elements.call_method1("reshape", (PyTuple::new(py, shape)?,))
}

/// A Python value as an operand of arithmetic: a tessera array, a weak Python scalar
/// (NEP 50: `bool`, `int`, `float` take the array's dtype where they fit), or anything
/// numpy makes an array of (numpy scalars and arrays keep their dtype).
pub(crate) fn operand(value: &Bound<'_, PyAny>) -> PyResult<Operand> {
    if let Ok(array) = value.cast::<crate::array::PyArray>() {
        return Ok(Operand::Array(array.get().inner.clone()));
    }
    if let Some(scalar) = weak_scalar(value)? {
        return Ok(Operand::Scalar(scalar));
    }
    Ok(Operand::Array(from_numpy(value, None)?))
}

/// A Python `bool`, `int` or `float` (not a numpy scalar) as a weak scalar.
pub(crate) fn weak_scalar(value: &Bound<'_, PyAny>) -> PyResult<Option<Scalar>> {
    if value.is_exact_instance_of::<PyBool>() {
        return Ok(Some(Scalar::Bool(value.extract()?)));
    }
    if value.is_exact_instance_of::<PyInt>() {
        return value
            .extract::<i64>()
            .map(|v| Some(Scalar::Int(v)))
            .map_err(|_| {
                PyOverflowError::new_err(format!(
                    "Python integer {value} is outside tessera's literal range (int64)"
                ))
            });
    }
    if value.is_exact_instance_of::<PyFloat>() {
        return Ok(Some(Scalar::Float(value.extract()?)));
    }
    Ok(None)
}

/// numpy's `axis` argument: `None` (every axis), an int, or a tuple of ints. A list is
/// refused, as numpy refuses it.
pub(crate) fn axes_arg(axis: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<i64>>> {
    let Some(axis) = axis.filter(|a| !a.is_none()) else {
        return Ok(None);
    };
    if let Ok(tuple) = axis.cast::<PyTuple>() {
        return tuple.extract().map(Some).map_err(|_| axis_error(axis));
    }
    if axis.is_instance_of::<PyBool>() {
        return Err(axis_error(axis));
    }
    axis.extract::<i64>()
        .map(|a| Some(vec![a]))
        .map_err(|_| axis_error(axis))
}

/// The TypeError numpy raises for an axis that is not an int or a tuple of ints.
fn axis_error(axis: &Bound<'_, PyAny>) -> PyErr {
    let kind = axis
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into());
    PyTypeError::new_err(format!(
        "'{kind}' object cannot be interpreted as an integer: axis must be None, an int or a tuple of ints"
    ))
}
