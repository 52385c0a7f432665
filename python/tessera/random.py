"""Seeded random arrays, lazily: the same ``seed`` and chunks give the same values on any
thread count, and each chunk is generated where it is used, so a random array larger
than memory costs nothing to hold.

``uniform``, ``normal`` and ``integers`` are the engine's (see their docstrings);
``random`` and ``standard_normal`` are numpy's spellings of the first two. Shapes are
given as ``shape=`` or numpy's ``size=``.

>>> import tessera as ts
>>> ts.random.normal(0.0, 1.0, shape=(1000, 1000), chunks=250, seed=7).std().compute()
"""

from tessera._registry import functions

_engine = functions("random.")

uniform = _engine["uniform"]
normal = _engine["normal"]
integers = _engine["integers"]


def random(size=None, *, shape=None, dtype="float64", chunks=None, seed=0):
    """``random(size, *, dtype=float64, chunks=None, seed=0)``: uniform values in
    [0, 1), as numpy's ``Generator.random``."""
    return uniform(0.0, 1.0, shape=size if shape is None else shape, dtype=dtype, chunks=chunks, seed=seed)


def standard_normal(size=None, *, shape=None, dtype="float64", chunks=None, seed=0):
    """``standard_normal(size, *, dtype=float64, chunks=None, seed=0)``: normal values
    of mean 0 and standard deviation 1, as numpy's ``Generator.standard_normal``."""
    return normal(0.0, 1.0, shape=size if shape is None else shape, dtype=dtype, chunks=chunks, seed=seed)


__all__ = ["integers", "normal", "random", "standard_normal", "uniform"]
