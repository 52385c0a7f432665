"""xarray backend: ``xr.open_dataset(path, engine="tessera")``.

Opens HDF5/netCDF-4 files, netCDF-3 files, Zarr v2/v3 stores and .npy files through
tessera. Every variable is lazy: xarray indexes it through ``TesseraBackendArray``,
which reads only the requested box, chunk by chunk, within the current
``tessera.Context``. Dimension names come from netCDF dimension scales, Zarr v2
``_ARRAY_DIMENSIONS`` and Zarr v3 ``dimension_names`` (``phony_dim_N`` for unnamed
axes, as h5netcdf names them); attributes keep their stored types (a float32
``scale_factor`` stays float32, so values decode as from the source);
``preferred_chunks`` is the storage chunk shape. CF decoding (masking, scaling, times)
is xarray's own, with its usual keywords.

A variable tessera cannot read (strings, compound types) is left out with a warning
naming it and the reason. The variables are plain backend arrays, not chunked arrays: xarray loads them on
``.load()``/``.values``, and ``chunks=`` hands them to dask as usual.
"""

from __future__ import annotations

import json
import os
import threading
import warnings

import numpy as np

from tessera import _tessera

try:
    from xarray.backends import BackendArray, BackendEntrypoint
    from xarray.core import indexing
except ImportError:  # pragma: no cover - xarray is optional
    BackendArray = object
    BackendEntrypoint = object
    indexing = None

_SUFFIXES = (".h5", ".hdf5", ".he5", ".nc", ".nc4", ".zarr", ".npy")
_NON_FINITE = {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf}


def _floats(value):
    """``value`` with the strings "NaN", "Infinity", "-Infinity" in its lists as floats."""
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return _NON_FINITE.get(value, value) if isinstance(value, str) else value


def _attribute(value, dtype, shape):
    """An attribute as h5py/netCDF4 give it: numpy values of the stored dtype."""
    if dtype == "str":
        return value
    if dtype is None:
        # JSON-only (Zarr): a string stays a string; lists may hold non-finite floats.
        return value if isinstance(value, str) else _floats(value)
    array = np.asarray(_floats(value), dtype=np.dtype(dtype))
    # A scalar attribute, or a one-element netCDF one, as netCDF4/h5netcdf give it.
    if array.size == 1 and (shape is None or len(shape) <= 1):
        return array.reshape(-1)[0]
    return array


def _attributes(described):
    return {name: _attribute(*entry) for name, entry in described.items()}


class TesseraBackendArray(BackendArray):
    """One array of a file or store, read lazily by box through tessera."""

    def __init__(self, address, shape, dtype, lock):
        self.address = address
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self._lock = lock
        self._array = None

    def _opened(self):
        with self._lock:
            if self._array is None:
                self._array = _tessera.open(self.address)
            return self._array

    def __getitem__(self, key):
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.BASIC, self._getitem
        )

    def _getitem(self, key):
        return np.asarray(self._opened()[key].compute())


def _parts(path):
    """The components of a group or array path (``"/a/b"``, ``"a/b/"``: ``["a", "b"]``)."""
    return [p for p in (path or "").split("/") if p]


def _in_group(name, group):
    """The variable name of array ``name`` when it lies directly in ``group``."""
    parts = _parts(name)
    prefix = _parts(group)
    if parts[: len(prefix)] != prefix or len(parts) != len(prefix) + 1:
        return None
    return parts[-1]


def _address(path, name):
    return f"{path}:/{name.lstrip('/')}" if name.strip("/") else path


class TesseraBackendEntrypoint(BackendEntrypoint):
    """``engine="tessera"``: HDF5/netCDF, Zarr and .npy through tessera."""

    description = "Open HDF5/netCDF-4, netCDF-3, Zarr v2/v3 and .npy lazily with tessera"
    url = "https://github.com/tessera-arrays/tessera"
    open_dataset_parameters = ("filename_or_obj", "drop_variables", "group")

    def guess_can_open(self, filename_or_obj):
        try:
            path = os.fspath(filename_or_obj)
        except TypeError:
            return False
        return str(path).rstrip("/").lower().endswith(_SUFFIXES)

    def open_dataset(
        self,
        filename_or_obj,
        *,
        drop_variables=None,
        group=None,
        mask_and_scale=True,
        decode_times=True,
        concat_characters=True,
        decode_coords=True,
        use_cftime=None,
        decode_timedelta=None,
    ):
        import xarray as xr

        path = str(os.fspath(filename_or_obj)).rstrip("/")
        described = json.loads(_tessera.describe(path))
        drop = set([drop_variables] if isinstance(drop_variables, str) else drop_variables or ())
        lock = threading.Lock()
        variables = {}
        for entry in described["arrays"]:
            # A store or .npy that is itself one array gives the variable "data".
            name = _in_group(entry["name"], group) if entry["name"].strip("/") else "data"
            if name is None or name in drop:
                continue
            if "error" in entry:
                warnings.warn(f"tessera: variable {name!r} is not read: {entry['error']}", stacklevel=2)
                continue
            names = entry["dimension_names"] or [None] * len(entry["shape"])
            dims = tuple(n if n is not None else f"phony_dim_{i}" for i, n in enumerate(names))
            data = indexing.LazilyIndexedArray(
                TesseraBackendArray(_address(path, entry["name"]), entry["shape"], entry["dtype"], lock)
            )
            encoding = {
                "chunks": tuple(entry["chunks"]),
                "preferred_chunks": dict(zip(dims, entry["chunks"])),
                "source": path,
                "original_shape": tuple(entry["shape"]),
                "dtype": np.dtype(entry["dtype"]),
            }
            variables[name] = xr.Variable(dims, data, _attributes(entry["attributes"]), encoding)
        attrs = {}
        for entry in described["groups"]:
            if _parts(entry["name"]) == _parts(group):
                attrs = _attributes(entry["attributes"])
        dataset = xr.Dataset(variables, attrs=attrs)
        dataset = xr.decode_cf(
            dataset,
            mask_and_scale=mask_and_scale,
            decode_times=decode_times,
            concat_characters=concat_characters,
            decode_coords=decode_coords,
            use_cftime=use_cftime,
            decode_timedelta=decode_timedelta,
        )
        dataset.set_close(None)
        return dataset
