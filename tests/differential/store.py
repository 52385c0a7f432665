"""Inputs for the differential test: random arrays of every dtype with hostile values,
written by the reference libraries (numpy, zarr-python, h5py) in a random layout.

Imported by oracle.py; `write(rng, arr, base)` returns (address, format description).
"""

import warnings

import numpy as np

DTYPES = [
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64",
]
# float64 and the common integers come up more often; every dtype appears.
DTYPE_WEIGHTS = [6, 3, 3, 5, 8, 5, 3, 3, 4, 4, 8, 14]

FORMATS = [
    "npy", "npy-be", "npy-fortran", "zarr2", "zarr2-fortran", "zarr2-be", "zarr3",
    "zarr3-sharded", "zarr3-be", "zarr3-gzip", "h5-contiguous", "h5-chunked", "h5-gzip",
]


def values(rng, dtype, shape):
    """Random values of `dtype` and `shape`: mostly small numbers, with hostile ones
    (NaN, infinities, -0.0, subnormals, extremes, huge magnitudes) mixed in."""
    dt = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    if dt == np.bool_:
        return (rng.random(n) < 0.5).reshape(shape)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo = 0 if dt.kind == "u" else -4
        out = rng.integers(lo, 7, n).astype(np.int64)
        out = out.astype(object)
        extremes = [info.min, info.max, info.min + 1, info.max - 1, 0, 1]
        for i in range(n):
            r = rng.random()
            if r < 0.08:
                out[i] = extremes[rng.integers(len(extremes))]
            elif r < 0.12:
                out[i] = int(rng.integers(info.min, info.max, endpoint=True, dtype=dt))
        return np.array(list(out), dtype=dt).reshape(shape) if n else np.zeros(shape, dt)
    info = np.finfo(dt)
    out = rng.normal(0, 3, n)
    # Half the values are exact quarters: sums and products of them are exact.
    exact = rng.random(n) < 0.5
    out[exact] = np.round(out[exact] * 4) / 4
    hostile = [
        np.nan, np.inf, -np.inf, -0.0, 0.0, float(info.smallest_subnormal),
        -3.0 * float(info.smallest_subnormal), float(info.tiny), float(info.max),
        -float(info.max), float(info.max) / 7, 1.0e30 if dt != np.float16 else 3.0e4,
    ]
    for i in range(n):
        if rng.random() < 0.12:
            out[i] = hostile[rng.integers(len(hostile))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return out.astype(dt).reshape(shape)


def _chunks(rng, shape):
    """Odd chunk shapes: 1, 2, 3 or the whole axis (at least 1)."""
    return tuple(max(1, int(rng.choice([1, 2, 3, d]))) for d in shape)


def write(rng, arr, base):
    """Writes `arr` under `base` (a path without extension) in a random format.
    Returns (tessera address, format description). Falls back to .npy when the
    reference library cannot write that layout (e.g. chunked 0-d HDF5)."""
    fmt = FORMATS[rng.integers(len(FORMATS))]
    try:
        return _write(rng, arr, base, fmt)
    except Exception as e:  # noqa: BLE001 - any writer failure falls back to .npy
        path = base + ".npy"
        np.save(path, arr)
        return path, f"npy (fallback from {fmt}: {type(e).__name__})"


def _write(rng, arr, base, fmt):
    if fmt.startswith("npy"):
        path = base + ".npy"
        data = arr
        if fmt == "npy-be":
            data = arr.astype(arr.dtype.newbyteorder(">"))
        elif fmt == "npy-fortran":
            data = np.array(arr, order="F")  # asfortranarray would make 0-d arrays 1-d
        np.save(path, data)
        return path, fmt
    if fmt.startswith("zarr"):
        import zarr
        from zarr.codecs import BytesCodec, GzipCodec

        path = base + ".zarr"
        chunks = _chunks(rng, arr.shape)
        kwargs = {}
        dtype = arr.dtype
        if fmt.startswith("zarr2"):
            kwargs["zarr_format"] = 2
            if fmt == "zarr2-fortran":
                kwargs["order"] = "F"
            if fmt == "zarr2-be" and arr.dtype.itemsize > 1:
                dtype = arr.dtype.newbyteorder(">")
        else:
            kwargs["zarr_format"] = 3
            if fmt == "zarr3-sharded" and arr.ndim > 0:
                kwargs["shards"] = tuple(c * int(rng.integers(1, 3)) for c in chunks)
            if fmt == "zarr3-be":
                kwargs["serializer"] = BytesCodec(endian="big")
            if fmt == "zarr3-gzip":
                kwargs["compressors"] = [GzipCodec(level=1)]
        z = zarr.create_array(store=path, shape=arr.shape, chunks=chunks, dtype=dtype, **kwargs)
        if arr.size:
            z[...] = arr
        desc = f"{fmt} chunks={chunks}"
        if "shards" in kwargs:
            desc += f" shards={kwargs['shards']}"
        return path, desc
    import h5py

    path = base + ".h5"
    kwargs = {}
    if fmt in ("h5-chunked", "h5-gzip") and arr.ndim > 0 and arr.size > 0:
        kwargs["chunks"] = _chunks(rng, arr.shape)
        if fmt == "h5-gzip":
            kwargs["compression"] = "gzip"
            kwargs["shuffle"] = bool(rng.random() < 0.5)
    inner = "/x" if rng.random() < 0.5 else "/group/x"
    with h5py.File(path, "w") as f:
        f.create_dataset(inner, data=arr, **kwargs)
    return f"{path}:{inner}", f"{fmt} {kwargs}" if kwargs else fmt
