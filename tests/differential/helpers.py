"""numpy helpers the generated numpy code calls: tessera's `count` and `map_overlap`."""

import numpy as np


def count(x, axis=None, keepdims=False):
    """tessera's count (xarray's): the number of non-NaN elements."""
    x = np.asarray(x)
    return np.sum(~np.isnan(x.astype(np.float64)), axis=axis, keepdims=keepdims)


def map_overlap(x, func, depth, boundary="none", value=0):
    """dask's map_overlap with a named window function, as docs/dask.md states it:
    'none' shrinks windows at the edges; the other boundaries pad as numpy.pad."""
    x = np.asarray(x)
    depth = (depth,) * x.ndim if isinstance(depth, int) else tuple(depth)
    if len(depth) != x.ndim or any(d < 0 for d in depth):
        raise ValueError("depth needs one non-negative entry per axis")
    red = {"sum": np.sum, "mean": np.mean, "min": np.min, "max": np.max}[func]
    if not isinstance(boundary, str):
        boundary, value = "constant", boundary
    out = np.empty(x.shape, red(np.zeros((1,), x.dtype)).dtype)
    if x.size == 0:
        return out
    if x.ndim == 0:  # no axes: each window is the element itself
        out[()] = red(x)
        return out
    if boundary == "none":
        for idx in np.ndindex(x.shape):
            out[idx] = red(x[tuple(slice(max(0, i - d), i + d + 1) for i, d in zip(idx, depth))])
        return out
    mode = {"reflect": "symmetric", "periodic": "wrap", "nearest": "edge", "constant": "constant"}
    kw = {"constant_values": value} if boundary == "constant" else {}
    p = np.pad(x, [(d, d) for d in depth], mode=mode[boundary], **kw)
    for idx in np.ndindex(x.shape):
        out[idx] = red(p[tuple(slice(i, i + 2 * d + 1) for i, d in zip(idx, depth))])
    return out
