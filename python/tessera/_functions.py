"""tessera's numpy-named functions: ``tessera.cumsum``, ``tessera.where``,
``tessera.concatenate``, ``tessera.zeros``, ...

Most come straight from the engine's registry (see ``_registry``). The reductions that
are also ``Array`` methods (``sum``, ``mean``, ``argmax``, ...) call the method, so that
``tessera.sum(a, ...)``, ``a.sum(...)`` and ``numpy.sum(a, ...)`` are one code path with
numpy's ``dtype=``/``out=``/``keepdims=`` rules. The ``*_like`` creators and ``asarray``
are written here.
"""

import numpy as np

from tessera import _tessera
from tessera._registry import functions

# The registry's functions, by name (``random.*`` live in ``tessera.random``).
REGISTRY = functions()

# Reductions that are ``Array`` methods with numpy's full signature.
METHOD_REDUCTIONS = ("sum", "prod", "mean", "var", "std", "min", "max", "any", "all", "argmin", "argmax")


def asarray(x, chunks=None):
    """``asarray(x, chunks=None)``: ``x`` itself when it is a tessera array, else a
    tessera array over ``x`` (see ``from_numpy``)."""
    if isinstance(x, _tessera.Array):
        return x if chunks is None else x.rechunk(chunks)
    return _tessera.from_numpy(x, chunks)


def _reduction(name):
    def reduction(a, *args, **kwargs):
        return getattr(asarray(a), name)(*args, **kwargs)

    method = getattr(_tessera.Array, name)
    reduction.__name__ = reduction.__qualname__ = name
    reduction.__module__ = "tessera"
    reduction.__doc__ = f"``{name}(a, ...)``: ``a.{name}(...)``, lazily.\n\n{method.__doc__}"
    return reduction


REDUCTIONS = {name: _reduction(name) for name in METHOD_REDUCTIONS}


def _like(a, dtype, chunks):
    """Shape, dtype and chunks of a new array made like ``a``."""
    a = a if isinstance(a, _tessera.Array) else np.asarray(a)
    dtype = a.dtype if dtype is None else dtype
    chunks = getattr(a, "chunks", None) if chunks is None else chunks
    return a.shape, dtype, chunks


def zeros_like(a, dtype=None, *, chunks=None):
    """``zeros_like(a, dtype=None, *, chunks=None)``: zeros of ``a``'s shape, dtype and
    chunks, lazily."""
    shape, dtype, chunks = _like(a, dtype, chunks)
    return REGISTRY["zeros"](shape, dtype=dtype, chunks=chunks)


def ones_like(a, dtype=None, *, chunks=None):
    """``ones_like(a, dtype=None, *, chunks=None)``: ones of ``a``'s shape, dtype and
    chunks, lazily."""
    shape, dtype, chunks = _like(a, dtype, chunks)
    return REGISTRY["ones"](shape, dtype=dtype, chunks=chunks)


def empty_like(a, dtype=None, *, chunks=None):
    """``empty_like(a, dtype=None, *, chunks=None)``: as ``zeros_like`` (tessera's empty
    arrays hold zeros, so results never depend on memory contents)."""
    return zeros_like(a, dtype, chunks=chunks)


def full_like(a, fill_value, dtype=None, *, chunks=None):
    """``full_like(a, fill_value, dtype=None, *, chunks=None)``: ``fill_value`` in ``a``'s
    shape, dtype and chunks, lazily."""
    shape, dtype, chunks = _like(a, dtype, chunks)
    return REGISTRY["full"](shape, fill_value, dtype=dtype, chunks=chunks)


def shape(a):
    """``shape(a)``: the shape, without computing anything."""
    return a.shape if isinstance(a, _tessera.Array) else np.shape(a)


def ndim(a):
    """``ndim(a)``: the number of axes, without computing anything."""
    return a.ndim if isinstance(a, _tessera.Array) else np.ndim(a)


def size(a):
    """``size(a)``: the number of elements, without computing anything."""
    return a.size if isinstance(a, _tessera.Array) else np.size(a)


HELPERS = {
    f.__name__: f for f in (asarray, zeros_like, ones_like, empty_like, full_like, shape, ndim, size)
}

# Every numpy-named function tessera has, by name.
NAMESPACE = {**REGISTRY, **REDUCTIONS, **HELPERS}
