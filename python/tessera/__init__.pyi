"""Type stubs of tessera (the native module tessera._tessera, re-exported here)."""

import types
from collections.abc import Sequence
from typing import IO, Any, Literal

import numpy as np
import numpy.typing as npt

from tessera import random as random

_Axis = int | tuple[int, ...] | None
_Chunks = int | tuple[int | None, ...] | None
_Operand = Array | npt.ArrayLike

class BudgetError(MemoryError):
    """Work that can never fit in the memory budget, refused before it starts. The
    message names the operation, the bytes it needs and what to change."""

class Context:
    """Memory budget and worker threads for tessera's computations.

    ``memory`` is a size such as ``"256MiB"`` or a number of bytes (default 1 GiB) and
    bounds everything the engine holds. ``threads=0`` starts one worker per core;
    ``None`` takes ``TESSERA_NUM_THREADS`` when set. ``cache`` is the chunk cache in
    bytes (default an eighth of the budget). ``with Context(...):`` makes it current on
    this thread."""

    def __init__(
        self, memory: str | int | None = None, threads: int | None = None, cache: str | int | None = None
    ) -> None: ...
    @property
    def memory(self) -> int:
        """The memory budget in bytes."""
    @property
    def threads(self) -> int:
        """The number of worker threads."""
    @property
    def memory_used(self) -> int:
        """Bytes of the budget held now."""
    def __enter__(self) -> Context: ...
    def __exit__(self, *exc: object) -> bool: ...

class Array:
    """A lazy n-dimensional array: operations build a graph, checked for shape and dtype
    as they are built; nothing is read until ``compute()``, ``numpy.asarray(a)`` or a
    ``to_zarr``/``to_hdf5``/``to_npy`` call. numpy 2 semantics (NEP 50 promotion)."""

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape."""
    @property
    def dtype(self) -> np.dtype[Any]:
        """The element type, a numpy dtype."""
    @property
    def ndim(self) -> int:
        """The number of axes."""
    @property
    def size(self) -> int:
        """The number of elements."""
    @property
    def nbytes(self) -> int:
        """Bytes of the elements."""
    @property
    def itemsize(self) -> int:
        """Bytes per element."""
    @property
    def chunks(self) -> tuple[int, ...]:
        """The chunk shape (regular grid; edge chunks are clipped)."""
    @property
    def T(self) -> Array:
        """The transpose (axes reversed)."""
    def __len__(self) -> int: ...
    def __bool__(self) -> bool: ...
    def __add__(self, other: _Operand) -> Array: ...
    def __radd__(self, other: _Operand) -> Array: ...
    def __sub__(self, other: _Operand) -> Array: ...
    def __rsub__(self, other: _Operand) -> Array: ...
    def __mul__(self, other: _Operand) -> Array: ...
    def __rmul__(self, other: _Operand) -> Array: ...
    def __truediv__(self, other: _Operand) -> Array: ...
    def __rtruediv__(self, other: _Operand) -> Array: ...
    def __floordiv__(self, other: _Operand) -> Array: ...
    def __rfloordiv__(self, other: _Operand) -> Array: ...
    def __mod__(self, other: _Operand) -> Array: ...
    def __rmod__(self, other: _Operand) -> Array: ...
    def __pow__(self, other: _Operand, modulo: None = None) -> Array: ...
    def __rpow__(self, other: _Operand, modulo: None = None) -> Array: ...
    def __matmul__(self, other: _Operand) -> Array: ...
    def __rmatmul__(self, other: _Operand) -> Array: ...
    def __and__(self, other: _Operand) -> Array: ...
    def __rand__(self, other: _Operand) -> Array: ...
    def __or__(self, other: _Operand) -> Array: ...
    def __ror__(self, other: _Operand) -> Array: ...
    def __xor__(self, other: _Operand) -> Array: ...
    def __rxor__(self, other: _Operand) -> Array: ...
    def __lt__(self, other: _Operand) -> Array: ...
    def __le__(self, other: _Operand) -> Array: ...
    def __gt__(self, other: _Operand) -> Array: ...
    def __ge__(self, other: _Operand) -> Array: ...
    def __eq__(self, other: _Operand) -> Array: ...  # type: ignore[override]
    def __ne__(self, other: _Operand) -> Array: ...  # type: ignore[override]
    def __neg__(self) -> Array: ...
    def __pos__(self) -> Array: ...
    def __abs__(self) -> Array: ...
    def __invert__(self) -> Array: ...
    def __getitem__(
        self, key: Any
    ) -> Array:
        """numpy's indexing, lazily: integers, slices, ``...``, ``None``, integer lists and
        arrays, bool masks (index arrays are computed first, under the budget)."""
    def transpose(self, *axes: int | Sequence[int] | None) -> Array:
        """The axes permuted (reversed when none are given)."""
    def astype(self, dtype: npt.DTypeLike, copy: bool = True) -> Array:
        """The values converted to ``dtype``, lazily."""
    def rechunk(self, chunks: _Chunks) -> Array:
        """The same values in chunks of ``chunks``."""
    def reshape(self, *shape: int | Sequence[int]) -> Array:
        """The values in C order in a new shape (one entry may be -1)."""
    def sum(self, axis: _Axis = None, dtype: npt.DTypeLike | None = None, out: None = None, keepdims: bool = False) -> Array:
        """The sum over ``axis``, as numpy's ``ndarray.sum``."""
    def prod(self, axis: _Axis = None, dtype: npt.DTypeLike | None = None, out: None = None, keepdims: bool = False) -> Array:
        """The product over ``axis``, as numpy's ``ndarray.prod``."""
    def mean(self, axis: _Axis = None, dtype: npt.DTypeLike | None = None, out: None = None, keepdims: bool = False) -> Array:
        """The arithmetic mean over ``axis``, as numpy's ``ndarray.mean``."""
    def var(
        self, axis: _Axis = None, dtype: npt.DTypeLike | None = None, out: None = None, ddof: int = 0, keepdims: bool = False
    ) -> Array:
        """The variance over ``axis`` with ``ddof`` delta degrees of freedom."""
    def std(
        self, axis: _Axis = None, dtype: npt.DTypeLike | None = None, out: None = None, ddof: int = 0, keepdims: bool = False
    ) -> Array:
        """The standard deviation over ``axis`` with ``ddof`` delta degrees of freedom."""
    def min(self, axis: _Axis = None, out: None = None, keepdims: bool = False) -> Array:
        """The minimum over ``axis`` (NaN propagates)."""
    def max(self, axis: _Axis = None, out: None = None, keepdims: bool = False) -> Array:
        """The maximum over ``axis`` (NaN propagates)."""
    def any(self, axis: _Axis = None, out: None = None, keepdims: bool = False) -> Array:
        """Whether any element over ``axis`` is nonzero."""
    def all(self, axis: _Axis = None, out: None = None, keepdims: bool = False) -> Array:
        """Whether every element over ``axis`` is nonzero."""
    def argmin(self, axis: int | None = None, out: None = None, *, keepdims: bool = False) -> Array:
        """The index of the minimum along one axis (flat when ``axis`` is None)."""
    def argmax(self, axis: int | None = None, out: None = None, *, keepdims: bool = False) -> Array:
        """The index of the maximum along one axis (flat when ``axis`` is None)."""
    def map_blocks(self, func: Any, *args: Any, dtype: npt.DTypeLike | None = None, **kwargs: Any) -> Array:
        """``map_blocks(func, *args, dtype=None, **kwargs)``: ``func(block, *args, **kwargs)``
        on every chunk, lazily, as dask's; ``func`` returns a block of the same shape. Each
        call holds the GIL and costs two copies of the block."""
    def cumsum(self, axis: int | None = None, dtype: npt.DTypeLike | None = None, out: None = None) -> Array:
        """``tessera.cumsum(a, ...)``."""
    def cumprod(self, axis: int | None = None, dtype: npt.DTypeLike | None = None, out: None = None) -> Array:
        """``tessera.cumprod(a, ...)``."""
    def clip(self, min: _Operand | None = None, max: _Operand | None = None, out: None = None, **kwargs: Any) -> Array:
        """The values limited to [min, max], lazily."""
    def round(self, decimals: int = 0) -> Array:
        """``tessera.round(a, decimals)``."""
    def squeeze(self, axis: _Axis = None) -> Array:
        """``tessera.squeeze(a, axis)``."""
    def swapaxes(self, axis1: int, axis2: int) -> Array:
        """``tessera.swapaxes(a, axis1, axis2)``."""
    def ravel(self) -> Array:
        """``tessera.ravel(a)``."""
    def flatten(self) -> Array:
        """``tessera.flatten(a)``."""
    def dot(self, b: _Operand) -> Array:
        """``tessera.dot(a, b)``."""
    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
        """``tessera.diagonal(a, offset, axis1, axis2)``."""
    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
        """``tessera.trace(a, offset, axis1, axis2)``."""
    def take(self, indices: Any, axis: int | None = None) -> Array:
        """``tessera.take(a, indices, axis)``."""
    def argsort(self, axis: int | None = -1) -> Array:
        """``tessera.argsort(a, axis)``."""
    def map_overlap(self, func: str, depth: Any, boundary: str = "none", *, value: float = 0, trim: bool = True) -> Array:
        """``tessera.map_overlap(a, func, depth, ...)``: a moving-window function by name."""
    def copy(self) -> Array:
        """The array itself (tessera arrays are immutable and lazy)."""
    def tolist(self) -> Any:
        """The computed values as nested lists."""
    def item(self, *args: Any) -> Any:
        """One element, computed."""
    def tobytes(self, order: str = "C") -> bytes:
        """The computed values' bytes."""
    def __reduce__(self) -> Any:
        """Pickling: the calls that made the array, down to its inputs' addresses."""
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any: ...
    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any: ...
    def compute(self) -> np.ndarray[Any, Any]:
        """Runs the graph in the current context; the numpy result takes over tessera's
        buffer without a copy (``flags.owndata`` is False)."""
    def __array__(self, dtype: npt.DTypeLike | None = None, copy: bool | None = None) -> np.ndarray[Any, Any]: ...
    def to_dask(self) -> Any:
        """This array as a dask array of the same chunks, each task computing its box
        through tessera (``dask.array.from_array``); threads only, no pickling yet."""
    def _repr_html_(self) -> str:
        """dask's summary table: bytes, shape and dtype of the array and of one chunk."""
    def explain(self) -> str:
        """The plan as text; nothing is computed."""
    def to_zarr(
        self,
        url: str,
        component: str | None = None,
        *,
        chunks: _Chunks = None,
        codec: str = "none",
        zarr_version: Literal[2, 3] = 3,
        shard: Sequence[int] | None = None,
        overwrite: bool = False,
    ) -> None:
        """Streams the values into a Zarr store (atomically)."""
    def to_hdf5(
        self, filename: str, datapath: str | None = None, *, chunks: _Chunks = None, codec: str = "none", overwrite: bool = False
    ) -> None:
        """Streams the values into an HDF5 dataset (atomically)."""
    def to_npy(self, path: str, *, overwrite: bool = False) -> None:
        """Streams the values into a .npy file (atomically)."""

def open(address: str) -> Array:
    """The array at ``address`` (``file.h5:/x``, ``store.zarr``, ``store.zarr:/a``,
    ``file.npy``), lazily."""

def from_numpy(x: npt.ArrayLike, chunks: _Chunks = None) -> Array:
    """A tessera array over ``x`` (not copied, like ``da.from_array``), cut into ``chunks``."""

def compute(*arrays: Array) -> tuple[np.ndarray[Any, Any], ...]:
    """Computes several arrays in one pass over their shared inputs."""

def explain(*arrays: Array) -> str:
    """How ``compute(*arrays)`` would run; nothing is computed."""

def store(
    arrays: Sequence[Array], targets: Sequence[str], *, codec: str = "none", zarr_version: Literal[2, 3] = 3, overwrite: bool = False
) -> None:
    """Streams each array into the target address at its position, in one pass."""

def describe(path: str) -> str:
    """The arrays and groups of the file or store at ``path``, as JSON text
    (``{"arrays": [...], "groups": [...]}``), with typed attributes: what the xarray
    backend (``engine="tessera"``) builds its datasets from."""

def get_context() -> Context:
    """The current context: the innermost ``with`` block's on this thread, or the default."""

class ProgressBar:
    """A text progress bar for every compute and store while active (a ``with`` block,
    or ``register()`` until ``unregister()``), as dask's ``ProgressBar``: runs shorter
    than ``minimum`` seconds draw nothing; redrawn at most every ``dt`` seconds on
    ``out`` (default ``sys.stderr``)."""

    minimum: float
    width: int
    dt: float
    out: IO[str] | None
    def __init__(self, minimum: float = 0.0, width: int = 40, dt: float = 0.1, out: IO[str] | None = None) -> None: ...
    def __enter__(self) -> ProgressBar: ...
    def __exit__(self, *exc: object) -> None: ...
    def register(self) -> None:
        """Shows this bar for every run until ``unregister()``."""
    def unregister(self) -> None:
        """Stops showing this bar."""

def shape(a: Any) -> tuple[int, ...]:
    """``shape(a)``: the shape, without computing anything."""

def ndim(a: Any) -> int:
    """``ndim(a)``: the number of axes, without computing anything."""

def size(a: Any) -> int:
    """``size(a)``: the number of elements, without computing anything."""

# --- generated by scripts/python_stubs.py from the engine's registry; do not edit ---
def abs(x: Any) -> Array:
    """abs(x)

    Absolute value.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.abs). Arrays may be tessera arrays or anything numpy takes."""

def absolute(x: Any) -> Array:
    """absolute(x)

    Same as `abs`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.absolute). Arrays may be tessera arrays or anything numpy takes."""

def add(x1: Any, x2: Any) -> Array:
    """add(x1, x2)

    Same as `x1 + x2`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.add). Arrays may be tessera arrays or anything numpy takes."""

def all(a: Any, *args: Any, **kwargs: Any) -> Array:
    """``all(a, ...)``: ``a.all(...)``, lazily.

    ``all(axis=None, out=None, keepdims=False)``: whether every element over ``axis``
    is nonzero, as numpy's ``ndarray.all``."""

def any(a: Any, *args: Any, **kwargs: Any) -> Array:
    """``any(a, ...)``: ``a.any(...)``, lazily.

    ``any(axis=None, out=None, keepdims=False)``: whether any element over ``axis`` is
    nonzero (NaN counts as nonzero), as numpy's ``ndarray.any``."""

def arange(*args: Any, **kwargs: Any) -> Array:
    """arange([start,] stop[, step], *, dtype=None, chunks=None)

    Evenly spaced values in [start, stop); int64 when every bound is an integer.

    Creation: lazy, with numpy's semantics and argument names (numpy.arange). Arrays may be tessera arrays or anything numpy takes."""

def arccos(x: Any) -> Array:
    """arccos(x)

    Inverse cosine, in radians; NaN outside [-1, 1].

    Element-wise: lazy, with numpy's semantics and argument names (numpy.arccos). Arrays may be tessera arrays or anything numpy takes."""

def arccosh(x: Any) -> Array:
    """arccosh(x)

    Inverse hyperbolic cosine; NaN below 1.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.arccosh). Arrays may be tessera arrays or anything numpy takes."""

def arcsin(x: Any) -> Array:
    """arcsin(x)

    Inverse sine, in radians; NaN outside [-1, 1].

    Element-wise: lazy, with numpy's semantics and argument names (numpy.arcsin). Arrays may be tessera arrays or anything numpy takes."""

def arcsinh(x: Any) -> Array:
    """arcsinh(x)

    Inverse hyperbolic sine.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.arcsinh). Arrays may be tessera arrays or anything numpy takes."""

def arctan(x: Any) -> Array:
    """arctan(x)

    Inverse tangent, in radians.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.arctan). Arrays may be tessera arrays or anything numpy takes."""

def arctan2(x1: Any, x2: Any) -> Array:
    """arctan2(x1, x2)

    The angle of the point (x2, x1) in radians: arctan(x1 / x2) in the right quadrant.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.arctan2). Arrays may be tessera arrays or anything numpy takes."""

def arctanh(x: Any) -> Array:
    """arctanh(x)

    Inverse hyperbolic tangent; NaN outside [-1, 1].

    Element-wise: lazy, with numpy's semantics and argument names (numpy.arctanh). Arrays may be tessera arrays or anything numpy takes."""

def argmax(a: Any, *args: Any, **kwargs: Any) -> Array:
    """``argmax(a, ...)``: ``a.argmax(...)``, lazily.

    ``argmax(axis=None, out=None, *, keepdims=False)``: the index of the maximum along
    one ``axis``, or into the flattened array when ``axis`` is None; the first
    occurrence wins (NaN is the maximum), as numpy's ``ndarray.argmax``."""

def argmin(a: Any, *args: Any, **kwargs: Any) -> Array:
    """``argmin(a, ...)``: ``a.argmin(...)``, lazily.

    ``argmin(axis=None, out=None, *, keepdims=False)``: the index of the minimum along
    one ``axis``, or into the flattened array when ``axis`` is None; the first
    occurrence wins (NaN is the minimum), as numpy's ``ndarray.argmin``."""

def argsort(a: Any, axis: Any = -1) -> Array:
    """argsort(a, axis=-1)

    The int64 indices that sort a along axis (stable; NaN last).

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.argsort). Arrays may be tessera arrays or anything numpy takes."""

def asarray(x: Any, chunks: Any = None) -> Array:
    """``asarray(x, chunks=None)``: ``x`` itself when it is a tessera array, else a
        tessera array over ``x`` (see ``from_numpy``)."""

def astype(a: Any, dtype: Any) -> Array:
    """astype(a, dtype)

    a converted to dtype (`float32`, `int16`, `bool`, ...).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.astype). Arrays may be tessera arrays or anything numpy takes."""

def average(a: Any, axis: Any = None, weights: Any = None, *, keepdims: Any = False) -> Array:
    """average(a, axis=None, weights=None, *, keepdims=False)

    Weighted mean: sum(a * weights) / sum(weights); the mean without weights.

    Reductions: lazy, with numpy's semantics and argument names (numpy.average). Arrays may be tessera arrays or anything numpy takes."""

def block(arrays: Any) -> Array:
    """block(arrays)

    An array assembled from nested lists of blocks, as numpy's `block`.

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.block). Arrays may be tessera arrays or anything numpy takes."""

def broadcast_to(array: Any, shape: Any) -> Array:
    """broadcast_to(array, shape)

    array broadcast to shape, by numpy's rules.

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.broadcast_to). Arrays may be tessera arrays or anything numpy takes."""

def cbrt(x: Any) -> Array:
    """cbrt(x)

    Cube root (of negative numbers too).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.cbrt). Arrays may be tessera arrays or anything numpy takes."""

def ceil(x: Any) -> Array:
    """ceil(x)

    The smallest integer >= x (integers keep their dtype and values).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.ceil). Arrays may be tessera arrays or anything numpy takes."""

def clip(a: Any, a_min: Any, a_max: Any) -> Array:
    """clip(a, a_min, a_max)

    a limited to [a_min, a_max]; the limits are arrays or numbers.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.clip). Arrays may be tessera arrays or anything numpy takes."""

def concatenate(arrays: Any, axis: Any = 0) -> Array:
    """concatenate(arrays, axis=0)

    A list of arrays joined along an existing axis.

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.concatenate). Arrays may be tessera arrays or anything numpy takes."""

def copysign(x1: Any, x2: Any) -> Array:
    """copysign(x1, x2)

    The magnitude of x1 with the sign of x2.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.copysign). Arrays may be tessera arrays or anything numpy takes."""

def cos(x: Any) -> Array:
    """cos(x)

    Cosine (radians).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.cos). Arrays may be tessera arrays or anything numpy takes."""

def cosh(x: Any) -> Array:
    """cosh(x)

    Hyperbolic cosine.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.cosh). Arrays may be tessera arrays or anything numpy takes."""

def count(a: Any, axis: Any = None, *, keepdims: Any = False) -> Array:
    """count(a, axis=None, *, keepdims=False)

    Number of non-NaN elements (xarray's `count`).

    Reductions: lazy, with numpy's semantics and argument names (numpy.count). Arrays may be tessera arrays or anything numpy takes."""

def count_nonzero(a: Any, axis: Any = None, *, keepdims: Any = False) -> Array:
    """count_nonzero(a, axis=None, *, keepdims=False)

    Number of nonzero elements, as int64 (NaN is nonzero).

    Reductions: lazy, with numpy's semantics and argument names (numpy.count_nonzero). Arrays may be tessera arrays or anything numpy takes."""

def cumprod(a: Any, axis: Any = None, dtype: Any = None) -> Array:
    """cumprod(a, axis=None, dtype=None)

    Running product along axis (in dtype when given).

    Scans: lazy, with numpy's semantics and argument names (numpy.cumprod). Arrays may be tessera arrays or anything numpy takes."""

def cumsum(a: Any, axis: Any = None, dtype: Any = None) -> Array:
    """cumsum(a, axis=None, dtype=None)

    Running sum along axis (in dtype when given: integers wrap in it).

    Scans: lazy, with numpy's semantics and argument names (numpy.cumsum). Arrays may be tessera arrays or anything numpy takes."""

def deg2rad(x: Any) -> Array:
    """deg2rad(x)

    Degrees to radians.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.deg2rad). Arrays may be tessera arrays or anything numpy takes."""

def degrees(x: Any) -> Array:
    """degrees(x)

    Same as `rad2deg`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.degrees). Arrays may be tessera arrays or anything numpy takes."""

def diagonal(a: Any, offset: Any = 0, axis1: Any = 0, axis2: Any = 1) -> Array:
    """diagonal(a, offset=0, axis1=0, axis2=1)

    The diagonal offset from the main one, of the axes axis1 and axis2.

    Linear algebra: lazy, with numpy's semantics and argument names (numpy.diagonal). Arrays may be tessera arrays or anything numpy takes."""

def diff(a: Any, n: Any = 1, axis: Any = -1) -> Array:
    """diff(a, n=1, axis=-1)

    The n-th difference along axis: a[1:] - a[:-1], n times (bools: !=).

    Scans: lazy, with numpy's semantics and argument names (numpy.diff). Arrays may be tessera arrays or anything numpy takes."""

def divide(x1: Any, x2: Any) -> Array:
    """divide(x1, x2)

    Same as `x1 / x2` (true division; integers give float64).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.divide). Arrays may be tessera arrays or anything numpy takes."""

def dot(a: Any, b: Any) -> Array:
    """dot(a, b)

    Same as `matmul`.

    Linear algebra: lazy, with numpy's semantics and argument names (numpy.dot). Arrays may be tessera arrays or anything numpy takes."""

def einsum(subscripts: Any, *operands: Any) -> Array:
    """einsum(subscripts, *operands)

    Einstein summation, e.g. `einsum('ij,jk->ik', a, b)`.

    Linear algebra: lazy, with numpy's semantics and argument names (numpy.einsum). Arrays may be tessera arrays or anything numpy takes."""

def empty(shape: Any, *, dtype: Any = ..., chunks: Any = None) -> Array:
    """empty(shape, *, dtype=float64, chunks=None)

    Same as `zeros` (tessera never leaves memory uninitialised).

    Creation: lazy, with numpy's semantics and argument names (numpy.empty). Arrays may be tessera arrays or anything numpy takes."""

def empty_like(a: Any, dtype: Any = None, *, chunks: Any = None) -> Array:
    """``empty_like(a, dtype=None, *, chunks=None)``: as ``zeros_like`` (tessera's empty
        arrays hold zeros, so results never depend on memory contents)."""

def equal(x1: Any, x2: Any) -> Array:
    """equal(x1, x2)

    Same as `x1 == x2`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.equal). Arrays may be tessera arrays or anything numpy takes."""

def exp(x: Any) -> Array:
    """exp(x)

    e to the power x.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.exp). Arrays may be tessera arrays or anything numpy takes."""

def exp2(x: Any) -> Array:
    """exp2(x)

    2 to the power x.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.exp2). Arrays may be tessera arrays or anything numpy takes."""

def expand_dims(a: Any, axis: Any) -> Array:
    """expand_dims(a, axis)

    A length-1 axis inserted at axis.

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.expand_dims). Arrays may be tessera arrays or anything numpy takes."""

def expm1(x: Any) -> Array:
    """expm1(x)

    exp(x) - 1, accurate for small x.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.expm1). Arrays may be tessera arrays or anything numpy takes."""

def extract(condition: Any, arr: Any) -> Array:
    """extract(condition, arr)

    The elements of arr where condition is true, as one axis (same as `arr[condition]`).

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.extract). Arrays may be tessera arrays or anything numpy takes."""

def eye(N: Any, M: Any = None, k: Any = 0, *, dtype: Any = ..., chunks: Any = None) -> Array:
    """eye(N, M=None, k=0, *, dtype=float64, chunks=None)

    An N x M array with ones on diagonal k and zeros elsewhere.

    Creation: lazy, with numpy's semantics and argument names (numpy.eye). Arrays may be tessera arrays or anything numpy takes."""

def fabs(x: Any) -> Array:
    """fabs(x)

    Absolute value as a float (integers give floats).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.fabs). Arrays may be tessera arrays or anything numpy takes."""

def flatten(a: Any) -> Array:
    """flatten(a)

    Same as `ravel`.

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.flatten). Arrays may be tessera arrays or anything numpy takes."""

def flip(a: Any, axis: Any = None) -> Array:
    """flip(a, axis=None)

    The order of elements reversed along axis (every axis when None).

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.flip). Arrays may be tessera arrays or anything numpy takes."""

def float_power(x1: Any, x2: Any) -> Array:
    """float_power(x1, x2)

    x1 to the power x2, computed and returned in float64.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.float_power). Arrays may be tessera arrays or anything numpy takes."""

def floor(x: Any) -> Array:
    """floor(x)

    The largest integer <= x (integers keep their dtype and values).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.floor). Arrays may be tessera arrays or anything numpy takes."""

def floor_divide(x1: Any, x2: Any) -> Array:
    """floor_divide(x1, x2)

    Same as `x1 // x2`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.floor_divide). Arrays may be tessera arrays or anything numpy takes."""

def fmax(x1: Any, x2: Any) -> Array:
    """fmax(x1, x2)

    The larger of x1 and x2, ignoring NaN (NaN only where both are).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.fmax). Arrays may be tessera arrays or anything numpy takes."""

def fmin(x1: Any, x2: Any) -> Array:
    """fmin(x1, x2)

    The smaller of x1 and x2, ignoring NaN (NaN only where both are).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.fmin). Arrays may be tessera arrays or anything numpy takes."""

def fmod(x1: Any, x2: Any) -> Array:
    """fmod(x1, x2)

    C's remainder, with the sign of x1 (integer fmod by zero gives 0).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.fmod). Arrays may be tessera arrays or anything numpy takes."""

def full(shape: Any, fill_value: Any, *, dtype: Any = None, chunks: Any = None) -> Array:
    """full(shape, fill_value, *, dtype=None, chunks=None)

    An array of fill_value; dtype None takes the value's (int64, float64 or bool).

    Creation: lazy, with numpy's semantics and argument names (numpy.full). Arrays may be tessera arrays or anything numpy takes."""

def full_like(a: Any, fill_value: Any, dtype: Any = None, *, chunks: Any = None) -> Array:
    """``full_like(a, fill_value, dtype=None, *, chunks=None)``: ``fill_value`` in ``a``'s
        shape, dtype and chunks, lazily."""

def greater(x1: Any, x2: Any) -> Array:
    """greater(x1, x2)

    Same as `x1 > x2`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.greater). Arrays may be tessera arrays or anything numpy takes."""

def greater_equal(x1: Any, x2: Any) -> Array:
    """greater_equal(x1, x2)

    Same as `x1 >= x2`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.greater_equal). Arrays may be tessera arrays or anything numpy takes."""

def heaviside(x1: Any, x2: Any) -> Array:
    """heaviside(x1, x2)

    Step function: 0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.heaviside). Arrays may be tessera arrays or anything numpy takes."""

def hypot(x1: Any, x2: Any) -> Array:
    """hypot(x1, x2)

    The hypotenuse sqrt(x1**2 + x2**2), without undue overflow.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.hypot). Arrays may be tessera arrays or anything numpy takes."""

def isfinite(x: Any) -> Array:
    """isfinite(x)

    True where x is neither infinite nor NaN.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.isfinite). Arrays may be tessera arrays or anything numpy takes."""

def isinf(x: Any) -> Array:
    """isinf(x)

    True where x is +inf or -inf.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.isinf). Arrays may be tessera arrays or anything numpy takes."""

def isnan(x: Any) -> Array:
    """isnan(x)

    True where x is NaN.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.isnan). Arrays may be tessera arrays or anything numpy takes."""

def less(x1: Any, x2: Any) -> Array:
    """less(x1, x2)

    Same as `x1 < x2`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.less). Arrays may be tessera arrays or anything numpy takes."""

def less_equal(x1: Any, x2: Any) -> Array:
    """less_equal(x1, x2)

    Same as `x1 <= x2`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.less_equal). Arrays may be tessera arrays or anything numpy takes."""

def linspace(start: Any, stop: Any, num: Any = 50, endpoint: Any = True, *, dtype: Any = ..., chunks: Any = None) -> Array:
    """linspace(start, stop, num=50, endpoint=True, *, dtype=float64, chunks=None)

    num evenly spaced values from start to stop (included unless endpoint=False).

    Creation: lazy, with numpy's semantics and argument names (numpy.linspace). Arrays may be tessera arrays or anything numpy takes."""

def log(x: Any) -> Array:
    """log(x)

    Natural logarithm.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.log). Arrays may be tessera arrays or anything numpy takes."""

def log10(x: Any) -> Array:
    """log10(x)

    Base-10 logarithm.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.log10). Arrays may be tessera arrays or anything numpy takes."""

def log1p(x: Any) -> Array:
    """log1p(x)

    log(1 + x), accurate for small x.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.log1p). Arrays may be tessera arrays or anything numpy takes."""

def log2(x: Any) -> Array:
    """log2(x)

    Base-2 logarithm.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.log2). Arrays may be tessera arrays or anything numpy takes."""

def logical_and(x1: Any, x2: Any) -> Array:
    """logical_and(x1, x2)

    Same as `x1 & x2` and `x1 and x2`: true where both are nonzero.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.logical_and). Arrays may be tessera arrays or anything numpy takes."""

def logical_not(x: Any) -> Array:
    """logical_not(x)

    Same as `~x` and `not x`: true where x is false or zero.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.logical_not). Arrays may be tessera arrays or anything numpy takes."""

def logical_or(x1: Any, x2: Any) -> Array:
    """logical_or(x1, x2)

    Same as `x1 or x2` (and the bar operator): true where either is nonzero.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.logical_or). Arrays may be tessera arrays or anything numpy takes."""

def logical_xor(x1: Any, x2: Any) -> Array:
    """logical_xor(x1, x2)

    Same as `x1 ^ x2`: true where exactly one is nonzero.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.logical_xor). Arrays may be tessera arrays or anything numpy takes."""

def map_overlap(array: Any, func: Any, depth: Any, boundary: Any = 'none', *, value: Any = 0, trim: Any = True) -> Array:
    """map_overlap(array, func, depth, boundary='none', *, value=0, trim=True)

    The window function func ('mean', 'sum', 'min' or 'max') over each element's neighbourhood of depth elements on every side; boundary is 'none', 'reflect', 'periodic', 'nearest', 'constant' (with value) or a number.

    Stencils: lazy, with numpy's semantics and argument names (numpy.map_overlap). Arrays may be tessera arrays or anything numpy takes."""

def matmul(a: Any, b: Any) -> Array:
    """matmul(a, b)

    Matrix product of matrices and vectors (same as `a @ b`); n-D operands are refused.

    Linear algebra: lazy, with numpy's semantics and argument names (numpy.matmul). Arrays may be tessera arrays or anything numpy takes."""

def max(a: Any, *args: Any, **kwargs: Any) -> Array:
    """``max(a, ...)``: ``a.max(...)``, lazily.

    ``max(axis=None, out=None, keepdims=False)``: the maximum over ``axis``, as
    numpy's ``ndarray.max`` (NaN propagates). ``out`` is not supported."""

def maximum(x1: Any, x2: Any) -> Array:
    """maximum(x1, x2)

    The larger of x1 and x2 (an array or a number) element by element.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.maximum). Arrays may be tessera arrays or anything numpy takes."""

def mean(a: Any, *args: Any, **kwargs: Any) -> Array:
    """``mean(a, ...)``: ``a.mean(...)``, lazily.

    ``mean(axis=None, dtype=None, out=None, keepdims=False)``: the arithmetic mean over
    ``axis``, as numpy's ``ndarray.mean``: float64 for integer and bool input, the
    input's dtype for floats (accumulated in float64). ``dtype`` must be a float
    dtype. ``out`` is not supported."""

def median(a: Any, axis: Any = None, *, keepdims: Any = False) -> Array:
    """median(a, axis=None, *, keepdims=False)

    Median (exact; whole lanes over the reduced axes in memory); NaN where a lane holds one.

    Reductions: lazy, with numpy's semantics and argument names (numpy.median). Arrays may be tessera arrays or anything numpy takes."""

def min(a: Any, *args: Any, **kwargs: Any) -> Array:
    """``min(a, ...)``: ``a.min(...)``, lazily.

    ``min(axis=None, out=None, keepdims=False)``: the minimum over ``axis``, as
    numpy's ``ndarray.min`` (NaN propagates). ``out`` is not supported."""

def minimum(x1: Any, x2: Any) -> Array:
    """minimum(x1, x2)

    The smaller of x1 and x2 (an array or a number) element by element.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.minimum). Arrays may be tessera arrays or anything numpy takes."""

def mod(x1: Any, x2: Any) -> Array:
    """mod(x1, x2)

    Same as `remainder`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.mod). Arrays may be tessera arrays or anything numpy takes."""

def moveaxis(a: Any, source: Any, destination: Any) -> Array:
    """moveaxis(a, source, destination)

    One axis moved to a new position, the others keeping their order.

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.moveaxis). Arrays may be tessera arrays or anything numpy takes."""

def multiply(x1: Any, x2: Any) -> Array:
    """multiply(x1, x2)

    Same as `x1 * x2`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.multiply). Arrays may be tessera arrays or anything numpy takes."""

def nanargmax(a: Any, axis: Any = None, *, keepdims: Any = False) -> Array:
    """nanargmax(a, axis=None, *, keepdims=False)

    Index of the largest element, skipping NaNs; an all-NaN slice is an error.

    Reductions: lazy, with numpy's semantics and argument names (numpy.nanargmax). Arrays may be tessera arrays or anything numpy takes."""

def nanargmin(a: Any, axis: Any = None, *, keepdims: Any = False) -> Array:
    """nanargmin(a, axis=None, *, keepdims=False)

    Index of the smallest element, skipping NaNs; an all-NaN slice is an error.

    Reductions: lazy, with numpy's semantics and argument names (numpy.nanargmin). Arrays may be tessera arrays or anything numpy takes."""

def nanmax(a: Any, axis: Any = None, *, keepdims: Any = False) -> Array:
    """nanmax(a, axis=None, *, keepdims=False)

    Largest element, skipping NaNs.

    Reductions: lazy, with numpy's semantics and argument names (numpy.nanmax). Arrays may be tessera arrays or anything numpy takes."""

def nanmean(a: Any, axis: Any = None, dtype: Any = None, *, keepdims: Any = False) -> Array:
    """nanmean(a, axis=None, dtype=None, *, keepdims=False)

    Mean, skipping NaNs.

    Reductions: lazy, with numpy's semantics and argument names (numpy.nanmean). Arrays may be tessera arrays or anything numpy takes."""

def nanmedian(a: Any, axis: Any = None, *, keepdims: Any = False) -> Array:
    """nanmedian(a, axis=None, *, keepdims=False)

    Median, skipping NaNs.

    Reductions: lazy, with numpy's semantics and argument names (numpy.nanmedian). Arrays may be tessera arrays or anything numpy takes."""

def nanmin(a: Any, axis: Any = None, *, keepdims: Any = False) -> Array:
    """nanmin(a, axis=None, *, keepdims=False)

    Smallest element, skipping NaNs.

    Reductions: lazy, with numpy's semantics and argument names (numpy.nanmin). Arrays may be tessera arrays or anything numpy takes."""

def nanpercentile(a: Any, q: Any, axis: Any = None, *, method: Any = 'linear', keepdims: Any = False) -> Array:
    """nanpercentile(a, q, axis=None, *, method='linear', keepdims=False)

    The q-th percentile, skipping NaNs.

    Reductions: lazy, with numpy's semantics and argument names (numpy.nanpercentile). Arrays may be tessera arrays or anything numpy takes."""

def nanprod(a: Any, axis: Any = None, dtype: Any = None, *, keepdims: Any = False) -> Array:
    """nanprod(a, axis=None, dtype=None, *, keepdims=False)

    Product, skipping NaNs (as ones).

    Reductions: lazy, with numpy's semantics and argument names (numpy.nanprod). Arrays may be tessera arrays or anything numpy takes."""

def nanquantile(a: Any, q: Any, axis: Any = None, *, method: Any = 'linear', keepdims: Any = False) -> Array:
    """nanquantile(a, q, axis=None, *, method='linear', keepdims=False)

    The q-th quantile, skipping NaNs.

    Reductions: lazy, with numpy's semantics and argument names (numpy.nanquantile). Arrays may be tessera arrays or anything numpy takes."""

def nanstd(a: Any, axis: Any = None, dtype: Any = None, *, keepdims: Any = False, ddof: Any = 0) -> Array:
    """nanstd(a, axis=None, dtype=None, *, keepdims=False, ddof=0)

    Standard deviation, skipping NaNs.

    Reductions: lazy, with numpy's semantics and argument names (numpy.nanstd). Arrays may be tessera arrays or anything numpy takes."""

def nansum(a: Any, axis: Any = None, dtype: Any = None, *, keepdims: Any = False) -> Array:
    """nansum(a, axis=None, dtype=None, *, keepdims=False)

    Sum, skipping NaNs.

    Reductions: lazy, with numpy's semantics and argument names (numpy.nansum). Arrays may be tessera arrays or anything numpy takes."""

def nanvar(a: Any, axis: Any = None, dtype: Any = None, *, keepdims: Any = False, ddof: Any = 0) -> Array:
    """nanvar(a, axis=None, dtype=None, *, keepdims=False, ddof=0)

    Variance, skipping NaNs; NaN where N - ddof <= 0.

    Reductions: lazy, with numpy's semantics and argument names (numpy.nanvar). Arrays may be tessera arrays or anything numpy takes."""

def negative(x: Any) -> Array:
    """negative(x)

    Same as `-x`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.negative). Arrays may be tessera arrays or anything numpy takes."""

def nextafter(x1: Any, x2: Any) -> Array:
    """nextafter(x1, x2)

    The next float after x1 toward x2.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.nextafter). Arrays may be tessera arrays or anything numpy takes."""

def not_equal(x1: Any, x2: Any) -> Array:
    """not_equal(x1, x2)

    Same as `x1 != x2`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.not_equal). Arrays may be tessera arrays or anything numpy takes."""

def ones(shape: Any, *, dtype: Any = ..., chunks: Any = None) -> Array:
    """ones(shape, *, dtype=float64, chunks=None)

    An array of ones.

    Creation: lazy, with numpy's semantics and argument names (numpy.ones). Arrays may be tessera arrays or anything numpy takes."""

def ones_like(a: Any, dtype: Any = None, *, chunks: Any = None) -> Array:
    """``ones_like(a, dtype=None, *, chunks=None)``: ones of ``a``'s shape, dtype and
        chunks, lazily."""

def outer(a: Any, b: Any) -> Array:
    """outer(a, b)

    Outer product of the flattened inputs: `a[i] * b[j]`.

    Linear algebra: lazy, with numpy's semantics and argument names (numpy.outer). Arrays may be tessera arrays or anything numpy takes."""

def percentile(a: Any, q: Any, axis: Any = None, *, method: Any = 'linear', keepdims: Any = False) -> Array:
    """percentile(a, q, axis=None, *, method='linear', keepdims=False)

    The q-th percentile (q in [0, 100]).

    Reductions: lazy, with numpy's semantics and argument names (numpy.percentile). Arrays may be tessera arrays or anything numpy takes."""

def positive(x: Any) -> Array:
    """positive(x)

    Same as `+x`: x unchanged; refused for bool, as numpy does.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.positive). Arrays may be tessera arrays or anything numpy takes."""

def pow(x1: Any, x2: Any) -> Array:
    """pow(x1, x2)

    Same as `power`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.pow). Arrays may be tessera arrays or anything numpy takes."""

def power(x1: Any, x2: Any) -> Array:
    """power(x1, x2)

    Same as `x1 ** x2`; an integer to a negative integer power is refused, as numpy does.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.power). Arrays may be tessera arrays or anything numpy takes."""

def prod(a: Any, *args: Any, **kwargs: Any) -> Array:
    """``prod(a, ...)``: ``a.prod(...)``, lazily.

    ``prod(axis=None, dtype=None, out=None, keepdims=False)``: the product over
    ``axis``, as numpy's ``ndarray.prod`` (float products keep numpy's sequential
    outcome for inf and NaN). ``out`` is not supported."""

def ptp(a: Any, axis: Any = None, *, keepdims: Any = False) -> Array:
    """ptp(a, axis=None, *, keepdims=False)

    Range: max - min, in a's dtype (integers wrap).

    Reductions: lazy, with numpy's semantics and argument names (numpy.ptp). Arrays may be tessera arrays or anything numpy takes."""

def quantile(a: Any, q: Any, axis: Any = None, *, method: Any = 'linear', keepdims: Any = False) -> Array:
    """quantile(a, q, axis=None, *, method='linear', keepdims=False)

    The q-th quantile (q a number or a list in [0, 1]; a list adds a leading axis); method is 'linear', 'lower', 'higher', 'nearest' or 'midpoint'.

    Reductions: lazy, with numpy's semantics and argument names (numpy.quantile). Arrays may be tessera arrays or anything numpy takes."""

def rad2deg(x: Any) -> Array:
    """rad2deg(x)

    Radians to degrees.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.rad2deg). Arrays may be tessera arrays or anything numpy takes."""

def radians(x: Any) -> Array:
    """radians(x)

    Same as `deg2rad`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.radians). Arrays may be tessera arrays or anything numpy takes."""

def ravel(a: Any) -> Array:
    """ravel(a)

    The elements in C order, as one axis.

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.ravel). Arrays may be tessera arrays or anything numpy takes."""

def rechunk(x: Any, chunks: Any) -> Array:
    """rechunk(x, chunks)

    The same values in new chunks, one length per axis.

    Chunking: lazy, with numpy's semantics and argument names (numpy.rechunk). Arrays may be tessera arrays or anything numpy takes."""

def reciprocal(x: Any) -> Array:
    """reciprocal(x)

    1 / x in x's dtype (for integers, 0 unless x is 1 or -1; bool gives int8).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.reciprocal). Arrays may be tessera arrays or anything numpy takes."""

def remainder(x1: Any, x2: Any) -> Array:
    """remainder(x1, x2)

    Same as `x1 % x2`: the remainder with the sign of x2.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.remainder). Arrays may be tessera arrays or anything numpy takes."""

def reshape(a: Any, shape: Any) -> Array:
    """reshape(a, shape)

    The same elements in C order, in a new shape; one length may be -1.

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.reshape). Arrays may be tessera arrays or anything numpy takes."""

def rint(x: Any) -> Array:
    """rint(x)

    The nearest integer, half to even, as a float.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.rint). Arrays may be tessera arrays or anything numpy takes."""

def round(a: Any, decimals: Any = 0) -> Array:
    """round(a, decimals=0)

    Rounded to decimals places, half to even (negative decimals: to tens, hundreds, ...); integers keep their dtype.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.round). Arrays may be tessera arrays or anything numpy takes."""

def sign(x: Any) -> Array:
    """sign(x)

    -1, 0 or 1 by the sign of x, in x's dtype (NaN stays NaN); refused for bool.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.sign). Arrays may be tessera arrays or anything numpy takes."""

def signbit(x: Any) -> Array:
    """signbit(x)

    True where the sign bit is set (negative numbers and -0.0).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.signbit). Arrays may be tessera arrays or anything numpy takes."""

def sin(x: Any) -> Array:
    """sin(x)

    Sine (radians).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.sin). Arrays may be tessera arrays or anything numpy takes."""

def sinh(x: Any) -> Array:
    """sinh(x)

    Hyperbolic sine.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.sinh). Arrays may be tessera arrays or anything numpy takes."""

def sort(a: Any, axis: Any = -1) -> Array:
    """sort(a, axis=-1)

    Sorted along axis (NaN last; None: the flattened array); whole lanes in memory.

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.sort). Arrays may be tessera arrays or anything numpy takes."""

def sqrt(x: Any) -> Array:
    """sqrt(x)

    Square root.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.sqrt). Arrays may be tessera arrays or anything numpy takes."""

def square(x: Any) -> Array:
    """square(x)

    x * x in x's dtype (integers wrap; bool gives int8).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.square). Arrays may be tessera arrays or anything numpy takes."""

def squeeze(a: Any, axis: Any = None) -> Array:
    """squeeze(a, axis=None)

    Length-1 axes removed: all of them, or those in axis.

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.squeeze). Arrays may be tessera arrays or anything numpy takes."""

def stack(arrays: Any, axis: Any = 0) -> Array:
    """stack(arrays, axis=0)

    A list of arrays of one shape joined along a new axis.

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.stack). Arrays may be tessera arrays or anything numpy takes."""

def std(a: Any, *args: Any, **kwargs: Any) -> Array:
    """``std(a, ...)``: ``a.std(...)``, lazily.

    ``std(axis=None, dtype=None, out=None, ddof=0, keepdims=False)``: the standard
    deviation over ``axis`` (the square root of ``var``), as numpy's ``ndarray.std``.
    ``out`` is not supported."""

def subtract(x1: Any, x2: Any) -> Array:
    """subtract(x1, x2)

    Same as `x1 - x2`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.subtract). Arrays may be tessera arrays or anything numpy takes."""

def sum(a: Any, *args: Any, **kwargs: Any) -> Array:
    """``sum(a, ...)``: ``a.sum(...)``, lazily.

    ``sum(axis=None, dtype=None, out=None, keepdims=False)``: the sum over ``axis``
    (None: every axis; an int or a tuple of ints), as numpy's ``ndarray.sum``. Float
    sums are pairwise/compensated in float64 and bit-identical on any thread count;
    integers and bools sum in int64/uint64 as numpy's; ``dtype`` accumulates in that
    dtype (integers wrap). ``out`` is not supported (tessera arrays are lazy)."""

def swapaxes(a: Any, axis1: Any, axis2: Any) -> Array:
    """swapaxes(a, axis1, axis2)

    Two axes exchanged.

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.swapaxes). Arrays may be tessera arrays or anything numpy takes."""

def take(a: Any, indices: Any, axis: Any = None) -> Array:
    """take(a, indices, axis=None)

    The elements at indices along axis (of the flattened array when axis is None).

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.take). Arrays may be tessera arrays or anything numpy takes."""

def tan(x: Any) -> Array:
    """tan(x)

    Tangent (radians).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.tan). Arrays may be tessera arrays or anything numpy takes."""

def tanh(x: Any) -> Array:
    """tanh(x)

    Hyperbolic tangent.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.tanh). Arrays may be tessera arrays or anything numpy takes."""

def tensordot(a: Any, b: Any, axes: Any = 2) -> Array:
    """tensordot(a, b, axes=2)

    Sum of products over the last axes of a and the first of b, or over a pair of axis lists.

    Linear algebra: lazy, with numpy's semantics and argument names (numpy.tensordot). Arrays may be tessera arrays or anything numpy takes."""

def trace(a: Any, offset: Any = 0, axis1: Any = 0, axis2: Any = 1) -> Array:
    """trace(a, offset=0, axis1=0, axis2=1)

    Sum along a diagonal, as `diagonal` picks it.

    Linear algebra: lazy, with numpy's semantics and argument names (numpy.trace). Arrays may be tessera arrays or anything numpy takes."""

def transpose(a: Any, axes: Any = None) -> Array:
    """transpose(a, axes=None)

    Axes reversed, or permuted as axes says (`a.T` reverses them).

    Shape and selection: lazy, with numpy's semantics and argument names (numpy.transpose). Arrays may be tessera arrays or anything numpy takes."""

def true_divide(x1: Any, x2: Any) -> Array:
    """true_divide(x1, x2)

    Same as `divide`.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.true_divide). Arrays may be tessera arrays or anything numpy takes."""

def trunc(x: Any) -> Array:
    """trunc(x)

    x rounded toward zero (integers keep their dtype and values).

    Element-wise: lazy, with numpy's semantics and argument names (numpy.trunc). Arrays may be tessera arrays or anything numpy takes."""

def var(a: Any, *args: Any, **kwargs: Any) -> Array:
    """``var(a, ...)``: ``a.var(...)``, lazily.

    ``var(axis=None, dtype=None, out=None, ddof=0, keepdims=False)``: the variance over
    ``axis`` with ``ddof`` delta degrees of freedom, as numpy's ``ndarray.var``,
    combined stably (Welford/Chan). ``out`` is not supported."""

def where(condition: Any, x: Any, y: Any) -> Array:
    """where(condition, x, y)

    x where condition is true, y elsewhere; x and y are arrays or numbers.

    Element-wise: lazy, with numpy's semantics and argument names (numpy.where). Arrays may be tessera arrays or anything numpy takes."""

def zeros(shape: Any, *, dtype: Any = ..., chunks: Any = None) -> Array:
    """zeros(shape, *, dtype=float64, chunks=None)

    An array of zeros.

    Creation: lazy, with numpy's semantics and argument names (numpy.zeros). Arrays may be tessera arrays or anything numpy takes."""

def zeros_like(a: Any, dtype: Any = None, *, chunks: Any = None) -> Array:
    """``zeros_like(a, dtype=None, *, chunks=None)``: zeros of ``a``'s shape, dtype and
        chunks, lazily."""
# --- end of generated stubs ---
