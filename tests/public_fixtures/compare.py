"""Comparisons: array values, attributes (typed and JSON), dimension names.

Every `compare_*` returns None when equal, else a short reason (one line).

Attributes come in two forms:
- typed (`Typed`): HDF5 and netCDF attributes, with a numpy dtype and a shape; strings
  are compared by text (fixed-length and variable-length strings, ASCII and UTF-8, are
  the same string), numbers by dtype (kind and size; byte order aside), shape and value.
- JSON: Zarr attributes, compared by value with nesting and by JSON type (int, float,
  bool, string, list, object, null), NaN equal to NaN.

Attributes that are the machinery of HDF5 dimension scales and netCDF-4 (DIMENSION_LIST,
REFERENCE_LIST, CLASS, NAME, _Netcdf4Dimid, ...) and Zarr v2's _ARRAY_DIMENSIONS are
not compared as attributes: they are dimension names, compared separately.
"""

import json
import math
from dataclasses import dataclass

import numpy as np

from tessera_cli import short

HIDDEN_ATTRIBUTES = {
    "DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_Netcdf4Dimid",
    "_Netcdf4Coordinates", "_nc3_strict", "_NCProperties", "_ARRAY_DIMENSIONS",
}


# ----------------------------------------------------------------------------- values

def native(dtype):
    return np.dtype(dtype).newbyteorder("=") if np.dtype(dtype).byteorder not in "|=" else np.dtype(dtype)


def dtype_name(dtype):
    return str(native(dtype))


def compare_arrays(got, want):
    """Shape, dtype (byte order aside) and values, NaN positions and the sign of zero
    included."""
    got = np.asarray(got)
    want = np.asarray(want)
    if got.shape != want.shape:
        return f"shape {list(got.shape)}, expected {list(want.shape)}"
    if native(got.dtype) != native(want.dtype):
        return f"dtype {dtype_name(got.dtype)}, expected {dtype_name(want.dtype)}"
    if got.size == 0:
        return None
    kind = want.dtype.kind
    if kind in "fc":
        parts = [(got.real, want.real), (got.imag, want.imag)] if kind == "c" else [(got, want)]
        bad = np.zeros(want.shape, dtype=bool)
        for g, w in parts:
            gn, wn = np.isnan(g), np.isnan(w)
            bad |= gn != wn
            both = ~gn & ~wn
            bad |= both & ((g != w) | (np.signbit(g) != np.signbit(w)))
    else:
        bad = got != want
    if not bad.any():
        return None
    first = np.unravel_index(int(np.argmax(bad.ravel())), bad.shape)
    return (f"{int(bad.sum())} of {bad.size} elements differ; first at {list(map(int, first))}: "
            f"got {got[first]!r}, expected {want[first]!r}")


# ------------------------------------------------------------------ typed attributes

@dataclass
class Typed:
    """An HDF5 / netCDF attribute: kind 'num' | 'str' | 'empty' | 'other'."""

    kind: str
    dtype: object  # numpy dtype, or None
    shape: tuple
    value: object  # numpy array (num), nested list of str (str), description (other)
    one_or_scalar: bool = False  # netCDF: a length-1 attribute is a scalar too

    def describe(self):
        if self.kind == "str":
            return f"string{list(self.shape)}"
        return f"{dtype_name(self.dtype) if self.dtype is not None else self.kind}{list(self.shape)}"


def _decode(x):
    if isinstance(x, bytes):
        return x.decode("utf-8", "replace")
    return str(x)


def _strings(array):
    array = np.asarray(array, dtype=object)
    if array.ndim == 0:
        return _decode(array.item())
    return [_strings(a) for a in array] if array.ndim > 1 else [_decode(x) for x in array]


def typed_from_h5(attrs, name):
    """An h5py attribute as `Typed`, or a Typed of kind 'other' when h5py cannot
    read it or it is not a number or string."""
    import h5py

    try:
        aid = attrs.get_id(name)
        dtype, shape = aid.dtype, aid.shape
    except Exception as e:  # noqa: BLE001 - any h5py failure is described
        return Typed("other", None, (), f"h5py cannot read its type: {short(e, 80)}")
    try:
        value = attrs[name]
    except Exception as e:  # noqa: BLE001
        return Typed("other", dtype, (), f"h5py cannot read it: {short(e, 80)}")
    if isinstance(value, h5py.Empty) or shape is None:
        return Typed("empty", dtype, (), None)
    string_info = h5py.check_string_dtype(dtype)
    if string_info is not None:
        return Typed("str", None, tuple(shape), _strings(value))
    if dtype.names is not None or dtype.kind in "OV" or h5py.check_enum_dtype(dtype) is not None \
            or h5py.check_vlen_dtype(dtype) is not None:
        return Typed("other", dtype, tuple(shape), f"{dtype}")
    if dtype.kind not in "biufc":
        return Typed("other", dtype, tuple(shape), f"{dtype}")
    return Typed("num", dtype, tuple(shape), np.asarray(value).reshape(shape))


def typed_from_nc(value):
    """A netCDF4-python attribute value (netCDF-3: always a vector)."""
    if isinstance(value, (str, bytes)):
        return Typed("str", None, (), _decode(value), one_or_scalar=True)
    array = np.asarray(value)
    if array.dtype.kind in "SUO":
        return Typed("str", None, array.shape, _strings(array), one_or_scalar=True)
    array = array.reshape(-1)
    return Typed("num", array.dtype, array.shape, array, one_or_scalar=True)


def typed_from_json(value):
    """What a Zarr (JSON) attribute becomes in HDF5: int64, float64, bool or strings;
    anything else (objects, null, mixed lists) as a JSON string."""
    array = None
    try:
        if isinstance(value, (bool, int, float, str)) or (isinstance(value, list) and value):
            array = np.array(value)
    except (ValueError, OverflowError):
        array = None
    if array is not None and array.dtype.kind in "bifU" and array.dtype != object:
        if array.dtype.kind == "U":
            return Typed("str", None, array.shape, _strings(array))
        if array.dtype.kind == "i" and array.dtype != np.int64:
            array = array.astype(np.int64)
        return Typed("num", array.dtype, array.shape, array)
    return Typed("str", None, (), json.dumps(value), one_or_scalar=True)


def _same_shape(got, want):
    if got.shape == want.shape:
        return True
    scalar_like = {(), (1,)}
    return (want.one_or_scalar or got.one_or_scalar) and {got.shape, want.shape} <= scalar_like


def compare_typed(got, want):
    """HDF5 attribute against HDF5 attribute (or against what a JSON one must become)."""
    if want.kind != got.kind:
        return f"{got.describe()} ({got.kind}), expected {want.describe()} ({want.kind})"
    if want.kind == "empty":
        return None if native(got.dtype) == native(want.dtype) else \
            f"empty of {got.dtype}, expected empty of {want.dtype}"
    if not _same_shape(got, want):
        return f"shape {list(got.shape)}, expected {list(want.shape)}"
    if want.kind == "str":
        g, w = got.value, want.value
        if _flat(g) != _flat(w):
            return f"value {short(g, 80)!r}, expected {short(w, 80)!r}"
        return None
    if want.kind == "num":
        if native(got.dtype) != native(want.dtype):
            return f"dtype {dtype_name(got.dtype)}, expected {dtype_name(want.dtype)}"
        why = compare_arrays(got.value.reshape(-1), want.value.reshape(-1))
        return None if why is None else f"value {got.value.tolist()!r}, expected {want.value.tolist()!r}"
    return None


def _flat(value):
    if isinstance(value, list):
        out = []
        for v in value:
            out.extend(_flat(v))
        return out
    return [value]


# --------------------------------------------------------------- JSON attributes

def json_of_typed(t):
    """The JSON values a Zarr attribute may hold for a typed attribute: a list of
    acceptable alternatives (a length-1 attribute as [x] or x; NaN or "NaN")."""
    if t.kind == "str":
        options = [t.value]
        if t.shape == (1,) and isinstance(t.value, list):
            options.append(t.value[0])
        if t.shape == () and t.one_or_scalar:
            options.append([t.value])
        return options
    if t.kind != "num":
        return None
    values = t.value.tolist()
    options = [values]
    if t.value.shape == (1,):
        options.append(values[0])
    if t.value.shape == ():
        options.append([values])
    return options


def json_type(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "object"
    if v is None:
        return "null"
    return type(v).__name__


def json_equal(got, want, nan_strings=True):
    """Type-aware JSON equality; NaN equals NaN (and the strings "NaN", "Infinity",
    "-Infinity" stand for the floats)."""
    if isinstance(want, float) and isinstance(got, str) and nan_strings:
        special = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
        if got in special:
            got = special[got]
    if isinstance(want, complex) or isinstance(got, complex):
        return got == want
    if json_type(got) != json_type(want):
        # numpy bool_/integers in expected values come as Python types from tolist()
        return False
    if isinstance(want, float):
        return (math.isnan(got) and math.isnan(want)) or got == want
    if isinstance(want, list):
        return len(got) == len(want) and all(json_equal(g, w) for g, w in zip(got, want))
    if isinstance(want, dict):
        return got.keys() == want.keys() and all(json_equal(got[k], want[k]) for k in want)
    return got == want


def compare_json(got, options):
    if any(json_equal(got, w) for w in options):
        return None
    want = options[0]
    for w in options:
        if isinstance(w, float) and isinstance(got, float) and np.float32(got) == np.float32(w) \
                and np.float64(np.float32(w)) == w:
            return (f"float32 {w!r} written as its shortest float32 form {got!r}, "
                    "which reads back as another float64")
    if json_type(got) != json_type(want):
        return f"JSON {json_type(got)} {short(got, 60)!r}, expected {json_type(want)} {short(want, 60)!r}"
    return f"{short(got, 80)!r}, expected {short(want, 80)!r}"


# ------------------------------------------------------------ attribute dictionaries

@dataclass
class AttrResult:
    problems: list  # empty when equal
    not_compared: list  # names of source attributes that cannot be compared


def _diff(got, want_names, compare_one, not_compared):
    problems = []
    for name in sorted(want_names):
        if name not in got:
            problems.append(f"'{name}' missing")
            continue
        why = compare_one(name)
        if why:
            problems.append(f"'{name}': {why}")
    extra = sorted(set(got) - set(want_names) - set(not_compared))
    if extra:
        problems.append(f"unexpected {extra}")
    return problems


def compare_attrs(source, target, source_form, target_form):
    """`source`/`target`: {name: Typed} (form 'typed') or {name: JSON} (form 'json')."""
    source = {k: v for k, v in source.items() if k not in HIDDEN_ATTRIBUTES}
    target = {k: v for k, v in target.items() if k not in HIDDEN_ATTRIBUTES}
    not_compared = []
    want = {}
    for name, value in source.items():
        if source_form == "typed" and value.kind == "other":
            not_compared.append(f"{name} ({value.value})")
            continue
        if source_form == "typed" and value.kind == "empty" and target_form == "json":
            not_compared.append(f"{name} (empty attribute: no JSON form)")
            continue
        want[name] = value
    skip = {n.split(" (")[0] for n in not_compared}

    def one(name):
        w, g = want[name], target[name]
        if source_form == "typed" and target_form == "typed":
            return compare_typed(g, w)
        if source_form == "typed" and target_form == "json":
            options = json_of_typed(w)
            return compare_json(g, options)
        if source_form == "json" and target_form == "json":
            return compare_json(g, [w])
        # JSON source into HDF5
        expected = typed_from_json(w)
        if expected.kind == "str" and isinstance(expected.value, str) and g.kind == "str" \
                and isinstance(g.value, str) and not isinstance(w, str):
            try:
                return None if json_equal(json.loads(g.value), w) else \
                    f"{short(g.value, 60)!r}, expected JSON {short(json.dumps(w), 60)}"
            except json.JSONDecodeError:
                pass
        return compare_typed(g, expected)

    return AttrResult(_diff(target, set(want), one, skip), not_compared)


# -------------------------------------------------------------- dimension names

def compare_dims(got, want):
    """Lists of names (None for none)."""
    got = list(got) if got else None
    want = list(want) if want else None
    if got == want:
        return None
    if want is None:
        return f"has dimension names {got}, the source has none"
    if got is None:
        return f"no dimension names, expected {want}"
    return f"dimension names {got}, expected {want}"
