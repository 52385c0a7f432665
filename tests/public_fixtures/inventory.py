"""Finding every array in an unpacked tarball and reading it with the reference library.

- HDF5 files (netCDF-4 included): every dataset h5py's `visititems` reaches, plus the
  datasets reached through soft and external links (one level into a linked group).
  Values from h5py, falling back to netCDF4-python where h5py cannot decode a filter.
- netCDF-3 files (no HDF5 signature): every variable, by netCDF4-python (no masking,
  no scaling, no char-to-string).
- Zarr: every directory whose `zarr.json` is an array or that holds `.zarray` (v3 wins
  when both exist, as in zarr-python). Metadata (chunks, attributes, dimension names)
  from the JSON; values from zarr-python. For zsnap arrays zarr-python cannot open, the
  reference is what zarrs' snapshot test wrote (SOURCES.md): `generated_values`, for the
  lossless codecs only; with `bitround` (the identity on decode) zarr-python reads a
  copy whose metadata lacks it.
"""

import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field

import numpy as np

from compare import typed_from_h5, typed_from_nc
from tessera_cli import short

# Arrays larger than this are checked on their first and last rows only (`huge`).
HUGE_BYTES = 64 << 20
# zsnap codecs that are lossless, so the generated data is the stored data.
LOSSLESS_UNREADABLE = {
    "reshape", "zarrs.squeeze", "packbits", "numcodecs.fletcher32", "zarrs.gdeflate",
    "numcodecs.pcodec", "zfp", "numcodecs.adler32", "crc32c",
}

warnings.filterwarnings("ignore")


@dataclass
class Entry:
    """One array: where it is, and what the reference library says about it."""

    tarball: str
    kind: str  # hdf5 | nc3 | zarr
    path: str  # the file or store root on disk
    inner: str  # "/a/b" inside the file or store, "" for a store that is the array
    name: str  # for reports: path relative to the unpack dir, ":inner"
    group: tuple = ()  # sampling key (dtype, codec) for the write-back subset
    via: str = ""  # "soft link" / "external link" when reached through one
    # filled by `read_reference`
    values: object = None
    ref_error: str = ""  # why the reference library cannot read it
    ref_lib: str = ""
    dtype: object = None
    shape: tuple = ()
    chunks: object = None  # None: contiguous (expected chunks then come from tessera info)
    attrs: dict = field(default_factory=dict)
    attrs_form: str = "typed"  # typed | json
    dims: object = None
    huge: bool = False
    head_tail: object = None  # (head, tail) row slices of a huge array

    @property
    def numeric(self):
        """The reference read it, as numbers (bool, integers, floats, complex)."""
        return not self.ref_error and self.values is not None and np.asarray(self.values).dtype.kind in "biufc" \
            or (self.huge and np.dtype(self.dtype).kind in "biufc")

    @property
    def address(self):
        return f"{self.path}:{self.inner}" if self.inner else self.path

    def names(self):
        """Strings a refusal must contain one of (the file or store name)."""
        return [os.path.basename(self.path.rstrip("/")), self.path]


# ------------------------------------------------------------------------- listing

def is_hdf5(path):
    with open(path, "rb") as f:
        head = f.read(8)
        if head == b"\x89HDF\r\n\x1a\n":
            return True
        # a user block: the signature at 512, 1024, 2048, ...
        offset = 512
        size = os.path.getsize(path)
        while offset < size:
            f.seek(offset)
            if f.read(8) == b"\x89HDF\r\n\x1a\n":
                return True
            offset *= 2
    return False


def is_netcdf3(path):
    with open(path, "rb") as f:
        return f.read(3) == b"CDF"


def list_tarball(root, tarball):
    """Every array under `root/tarball`, sorted by name."""
    base = os.path.join(root, tarball)
    entries = []
    zarr_roots = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        if is_zarr_array_dir(dirpath):
            entries.append(zarr_entry(root, tarball, dirpath))
            continue
        if "zarr.json" in filenames or ".zgroup" in filenames or ".zarray" in filenames:
            zarr_roots.append(dirpath)
            continue
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or os.path.getsize(path) < 8:
                continue
            if is_hdf5(path):
                entries.extend(hdf5_entries(root, tarball, path))
            elif is_netcdf3(path):
                entries.extend(nc3_entries(root, tarball, path))
    return sorted(entries, key=lambda e: e.name)


def rel(root, path):
    return os.path.relpath(path, root)


# ---------------------------------------------------------------------------- HDF5

_h5_files = {}


def h5file(path):
    import h5py

    if path not in _h5_files:
        _h5_files[path] = h5py.File(path, "r")
    return _h5_files[path]


_nc_files = {}


def ncfile(path):
    """netCDF4-python's view of a file, opened once (a failure to open is kept too)."""
    import netCDF4

    if path not in _nc_files:
        try:
            _nc_files[path] = netCDF4.Dataset(path)
        except Exception as e:  # noqa: BLE001
            _nc_files[path] = e
    if isinstance(_nc_files[path], Exception):
        raise _nc_files[path]
    return _nc_files[path]


def close_all():
    for f in list(_h5_files.values()) + list(_nc_files.values()):
        try:
            f.close()
        except Exception:  # noqa: BLE001
            pass
    _h5_files.clear()
    _nc_files.clear()


def hdf5_entries(root, tarball, path):
    import h5py

    try:
        f = h5file(path)
    except Exception as e:  # noqa: BLE001
        return [Entry(tarball, "hdf5", path, "/", rel(root, path) + ":/", ref_error=f"h5py cannot open: {short(e, 120)}")]
    found = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            found.append(("/" + name, ""))

    f.visititems(visit)
    links = []

    def visit_link(name, link):
        if isinstance(link, h5py.SoftLink):
            links.append((name, "soft link"))
        elif isinstance(link, h5py.ExternalLink):
            links.append((name, "external link"))

    try:
        f.visititems_links(visit_link)
    except Exception:  # noqa: BLE001
        pass
    for name, via in links:
        try:
            target = f.get("/" + name)
        except Exception:  # noqa: BLE001 - a dangling link: nothing to read
            continue
        if isinstance(target, h5py.Dataset):
            found.append(("/" + name, via))
        elif isinstance(target, h5py.Group):
            inside = []
            target.visititems(lambda n, o: inside.append(n) if isinstance(o, h5py.Dataset) else None)
            found.extend((f"/{name}/{n}", via) for n in inside)
    return [
        Entry(tarball, "hdf5", path, inner, f"{rel(root, path)}:{inner}", via=via,
              group=(os.path.basename(path), "/".join(inner.split("/")[:-1])))
        for inner, via in found
    ]


def _nc4_dimensions(path):
    """{"/group/var": [dims]} from netCDF4-python for a netCDF-4 file, or {}."""
    if not path.endswith(".nc"):
        return {}
    try:
        import netCDF4

        out = {}
        with netCDF4.Dataset(path) as ds:
            def walk(group, prefix):
                for name, var in group.variables.items():
                    out[f"{prefix}/{name}"] = list(var.dimensions)
                for name, sub in group.groups.items():
                    walk(sub, f"{prefix}/{name}")

            walk(ds, "")
        return out
    except Exception:  # noqa: BLE001
        return {}


_nc4_dims_cache = {}


def h5_dims(path, inner, ds):
    """Dimension names: netCDF4-python's for a netCDF-4 variable; else the names of the
    attached dimension scales (or the labels); a dimension scale is its own dimension."""
    if path not in _nc4_dims_cache:
        _nc4_dims_cache[path] = _nc4_dimensions(path)
    nc = _nc4_dims_cache[path]
    if inner in nc:
        return nc[inner] or None
    cls = ds.attrs.get("CLASS") if "CLASS" in ds.attrs else None
    if isinstance(cls, bytes) and cls == b"DIMENSION_SCALE" and ds.ndim == 1:
        return [inner.rsplit("/", 1)[-1]]
    names = []
    try:
        for dim in ds.dims:
            if len(dim):
                names.append(dim[0].name.rsplit("/", 1)[-1])
            else:
                names.append(dim.label or None)
    except Exception:  # noqa: BLE001
        return None
    return names if any(names) else None


def read_hdf5(e):
    import h5py

    f = h5file(e.path)
    ds = f[e.inner]
    e.ref_lib = "h5py"
    e.dtype = ds.dtype
    e.shape = ds.shape
    e.chunks = ds.chunks
    e.attrs = {k: typed_from_h5(ds.attrs, k) for k in ds.attrs.keys()}
    e.dims = h5_dims(e.path, e.inner, ds)
    if ds.shape is None:
        e.ref_error = "null dataspace (h5py Empty): no values"
        return
    nbytes = int(np.prod(ds.shape, dtype=np.int64)) * ds.dtype.itemsize
    try:
        if nbytes > HUGE_BYTES:
            e.huge = True
            rows = head_rows(ds.shape, ds.dtype.itemsize)
            e.head_tail = (ds[:rows], ds[ds.shape[0] - rows:])
        else:
            e.values = ds[()]
        return
    except Exception as err:  # noqa: BLE001 - try netCDF4's filter plugins
        first = short(err, 160)
    try:
        nc = ncfile(e.path)
        var = nc[e.inner.lstrip("/")]
        var.set_auto_maskandscale(False)
        e.values = np.asarray(var[...])
        e.ref_lib = "netCDF4"
    except Exception as err:  # noqa: BLE001
        e.ref_error = f"h5py: {first}; netCDF4: {short(err, 120)}"


def head_rows(shape, itemsize):
    row = int(np.prod(shape[1:], dtype=np.int64)) * itemsize or 1
    return max(1, min(shape[0], (4 << 20) // row))


# ----------------------------------------------------------------------- netCDF-3

def nc3_entries(root, tarball, path):
    import netCDF4

    try:
        with netCDF4.Dataset(path) as ds:
            names = sorted(ds.variables)
    except Exception as e:  # noqa: BLE001
        return [Entry(tarball, "nc3", path, "/", rel(root, path) + ":/", ref_error=f"netCDF4 cannot open: {short(e, 120)}")]
    return [Entry(tarball, "nc3", path, "/" + n, f"{rel(root, path)}:/{n}", group=(os.path.basename(path),)) for n in names]


def read_nc3(e):
    import netCDF4

    e.ref_lib = "netCDF4"
    with netCDF4.Dataset(e.path) as ds:
        var = ds.variables[e.inner.lstrip("/")]
        var.set_auto_maskandscale(False)
        var.set_auto_chartostring(False)
        e.dtype = var.dtype if isinstance(var.dtype, np.dtype) else np.dtype(object)
        e.shape = var.shape
        e.chunks = None
        e.attrs = {k: typed_from_nc(var.getncattr(k)) for k in var.ncattrs()}
        e.dims = list(var.dimensions) or None
        e.values = np.asarray(var[...])


# ---------------------------------------------------------------------------- Zarr

def zarr_meta(path):
    """(format, metadata dict, attributes dict) of the array at `path`."""
    v3 = os.path.join(path, "zarr.json")
    if os.path.exists(v3):
        with open(v3) as f:
            meta = json.load(f)
        if meta.get("node_type") == "array":
            return 3, meta, meta.get("attributes", {}) or {}
    with open(os.path.join(path, ".zarray")) as f:
        meta = json.load(f)
    attrs = {}
    if os.path.exists(os.path.join(path, ".zattrs")):
        with open(os.path.join(path, ".zattrs")) as f:
            attrs = json.load(f)
    return 2, meta, attrs


def is_zarr_array_dir(path):
    v3 = os.path.join(path, "zarr.json")
    if os.path.exists(v3):
        try:
            with open(v3) as f:
                if json.load(f).get("node_type") == "array":
                    return True
        except (OSError, ValueError):
            return False
    return os.path.exists(os.path.join(path, ".zarray"))


def is_zarr_group_dir(path):
    if os.path.exists(os.path.join(path, ".zgroup")):
        return True
    v3 = os.path.join(path, "zarr.json")
    if os.path.exists(v3):
        try:
            with open(v3) as f:
                return json.load(f).get("node_type") == "group"
        except (OSError, ValueError):
            return False
    return False


def zarr_entry(root, tarball, path):
    """The store root is the outermost enclosing Zarr group (or the array itself)."""
    store = path
    while is_zarr_group_dir(os.path.dirname(store)) and os.path.dirname(store).startswith(os.path.join(root, tarball)):
        store = os.path.dirname(store)
    inner = "" if store == path else "/" + os.path.relpath(path, store)
    name = rel(root, store) + (":" + inner if inner else "")
    group = (rel(root, store),)
    parts = rel(root, path).split(os.sep)
    if tarball == "zsnap" and len(parts) >= 6:
        group = (parts[3], parts[5].split("(")[0])  # (data type, codec)
    e = Entry(tarball, "zarr", store, inner, name, group=group)
    e.array_dir = path
    return e


def codec_names(meta):
    names = []
    for codec in meta.get("codecs", []) or []:
        names.append(codec.get("name") if isinstance(codec, dict) else str(codec))
        if isinstance(codec, dict) and codec.get("name") == "sharding_indexed":
            names += [c.get("name") for c in codec.get("configuration", {}).get("codecs", [])]
    return names


def zarr_chunks(fmt, meta):
    if fmt == 2:
        return tuple(meta["chunks"])
    codecs = meta.get("codecs", []) or []
    if codecs and isinstance(codecs[0], dict) and codecs[0].get("name") == "sharding_indexed":
        return tuple(codecs[0]["configuration"]["chunk_shape"])
    return tuple(meta["chunk_grid"]["configuration"]["chunk_shape"])


def read_zarr(e):
    import zarr

    fmt, meta, attrs = zarr_meta(e.array_dir)
    e.ref_lib = "zarr-python"
    e.shape = tuple(meta["shape"])
    e.chunks = zarr_chunks(fmt, meta)
    e.attrs = {k: v for k, v in attrs.items()}
    e.attrs_form = "json"
    e.dims = (meta.get("dimension_names") if fmt == 3 else attrs.get("_ARRAY_DIMENSIONS")) or None
    try:
        a = zarr.open_array(e.array_dir, mode="r", zarr_format=fmt)
        e.values = a[...]
        e.dtype = e.values.dtype
        return
    except Exception as err:  # noqa: BLE001
        first = f"zarr-python: {short(err, 160)}"
    codecs = codec_names(meta)
    if e.tarball == "zsnap" and "bitround" in codecs:
        try:
            e.values = read_without_bitround(e.array_dir, meta)
            e.dtype = e.values.dtype
            e.ref_lib = "zarr-python (bitround removed)"
            return
        except Exception as err:  # noqa: BLE001
            first += f"; without bitround: {short(err, 100)}"
    if e.tarball == "zsnap" and set(codecs) & LOSSLESS_UNREADABLE:
        values = generated_values(meta)
        if values is not None:
            e.values = values
            e.dtype = values.dtype
            e.ref_lib = "generated (zarrs' snapshot data)"
            return
    e.ref_error = first


def read_without_bitround(path, meta):
    import zarr

    meta = json.loads(json.dumps(meta))
    meta["codecs"] = [c for c in meta["codecs"] if not (isinstance(c, dict) and c.get("name") == "bitround")]
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "a.zarr")
        shutil.copytree(path, copy)
        with open(os.path.join(copy, "zarr.json"), "w") as f:
            json.dump(meta, f)
        return zarr.open_array(copy, mode="r", zarr_format=3)[...]


def generated_values(meta):
    """What zarrs' `generate_fixed_bytes` wrote (C order), or None for data types numpy
    lacks."""
    dtype = meta["data_type"]
    shape = tuple(meta["shape"])
    n = int(np.prod(shape, dtype=np.int64))
    i = np.arange(n, dtype=np.int64)
    if isinstance(dtype, dict):
        name = dtype.get("name")
        config = dtype.get("configuration", {})
        if name in ("numpy.datetime64", "numpy.timedelta64"):
            unit = f"{config.get('scale_factor', 1)}{config.get('unit')}" if config.get("scale_factor", 1) != 1 else config.get("unit")
            code = "M8" if name == "numpy.datetime64" else "m8"
            return i.view(f"{code}[{unit}]").reshape(shape)
        return None
    if dtype == "bool":
        values = (i % 2).astype(bool)
    elif dtype in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"):
        values = i.astype(dtype)
    elif dtype in ("float16", "float32"):
        values = (i.astype(np.float32) * np.float32(0.5)).astype(dtype)
    elif dtype == "float64":
        values = i.astype(np.float64) * 0.5
    elif dtype in ("complex64", "complex_float32"):
        values = (i.astype(np.float32) * np.float32(0.5) + 1j * (i.astype(np.float32) * np.float32(0.25))).astype(np.complex64)
    elif dtype in ("complex128", "complex_float64"):
        values = i * 0.5 + 1j * (i * 0.25)
    else:
        return None
    return values.reshape(shape)


# ---------------------------------------------------------------------------- all

def read_reference(e):
    """Fills the reference fields of `e`; never raises."""
    if e.ref_error:
        return
    try:
        {"hdf5": read_hdf5, "nc3": read_nc3, "zarr": read_zarr}[e.kind](e)
    except Exception as err:  # noqa: BLE001
        e.ref_error = f"{e.ref_lib or e.kind}: {short(err, 160)}"
    if e.values is not None:
        e.values = np.asarray(e.values)
