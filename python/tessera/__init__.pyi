"""Type stubs of tessera (the native module tessera._tessera, re-exported here)."""

import types
from collections.abc import Sequence
from typing import IO, Any, Literal

import numpy as np
import numpy.typing as npt

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
        self, key: int | slice | types.EllipsisType | None | tuple[int | slice | types.EllipsisType | None, ...]
    ) -> Array:
        """numpy's basic indexing (integers, slices with steps, ``...``, ``None``), lazily."""
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
    """A tessera array holding a copy of ``x``, cut into ``chunks``."""

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
