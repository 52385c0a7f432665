"""Criterion 4: whole-file copies of netCDF files, opened by xarray.

For each netCDF file, `tessera convert in.nc out.nc`, `out_v3.zarr` (Zarr v3) and
`out_v2.zarr` (`--zarr-version 2`); xarray opens the input (engine netcdf4, decoded)
and each output (`out.nc` with engines netcdf4 and h5netcdf, the stores with
`xr.open_zarr`), and the datasets must have the same variables, dimensions (names and
sizes), attributes (global and per variable, by value: numpy scalars, 1-element arrays
and Python numbers are equal when their values are), CF encoding (_FillValue,
scale_factor, add_offset, units, calendar, missing_value) and decoded values. The
variables tessera reports as skipped (`tessera: note: /NAME ... not copied`) are left
out of the comparison and listed separately.
"""

import os
import re

import numpy as np

from tessera_cli import MISMATCH, OK, REFERENCE_CANNOT_READ, short
import tessera_cli

CHECKS = ("xr.netcdf4", "xr.h5netcdf", "xr.zarr3", "xr.zarr2")
ENCODING_KEYS = ("_FillValue", "scale_factor", "add_offset", "units", "calendar", "missing_value")
# A whole-file copy's note for a variable it leaves out (other notes, such as an
# attribute left out, name the output and are not variables skipped).
NOTE = re.compile(r"^tessera: note: (\S+) was not copied: ")


def targets(work):
    return {
        "nc": (os.path.join(work, "out.nc"), []),
        "zarr3": (os.path.join(work, "out_v3.zarr"), ["--zarr-version", "3"]),
        "zarr2": (os.path.join(work, "out_v2.zarr"), ["--zarr-version", "2"]),
    }


def convert_all(path, work):
    """The three tessera runs of one file (for the thread pool)."""
    os.makedirs(work, exist_ok=True)
    return {key: tessera_cli.convert(path, dst, *options) for key, (dst, options) in targets(work).items()}


def skipped(runs):
    names = set()
    for run in runs.values():
        for line in run.notes():
            match = NOTE.match(line)
            if match:
                names.add(match.group(1).lstrip("/"))
    return sorted(names)


def open_dataset(kind, path, decode_times=True, mask_and_scale=True):
    import xarray as xr

    if kind == "xr.zarr3" or kind == "xr.zarr2":
        return xr.open_zarr(path, consolidated=None, decode_times=decode_times, mask_and_scale=mask_and_scale)
    engine = kind.split(".", 1)[1]
    return xr.open_dataset(path, engine=engine, decode_times=decode_times, mask_and_scale=mask_and_scale)


def plain(value):
    """An attribute value as a Python scalar or (nested) list, for comparing by value."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    array = np.asarray(value)
    if array.dtype.kind in "SO":
        array = np.vectorize(plain, otypes=[object])(array) if array.size else array
    if array.size == 1:
        return array.reshape(-1)[0].item() if hasattr(array.reshape(-1)[0], "item") else array.reshape(-1)[0]
    return array.tolist()


def same_value(a, b):
    a, b = plain(a), plain(b)
    if isinstance(a, list) or isinstance(b, list):
        if not (isinstance(a, list) and isinstance(b, list)) or len(a) != len(b):
            return False
        return all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return (np.isnan(a) and np.isnan(b)) or a == b
    if isinstance(b, float) and isinstance(a, (int, float)) and not isinstance(a, bool):
        return (np.isnan(a) and np.isnan(b)) or a == b
    return a == b


def compare_attr_dicts(got, want, where):
    problems = []
    for key in sorted(set(want) | set(got)):
        if key not in got:
            problems.append(f"{where} attribute '{key}' missing")
        elif key not in want:
            problems.append(f"{where} unexpected attribute '{key}'")
        elif not same_value(got[key], want[key]):
            problems.append(f"{where} attribute '{key}' = {short(plain(got[key]), 40)}, expected {short(plain(want[key]), 40)}")
    return problems


def same_values(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    if a.dtype.kind == "M" and b.dtype.kind == "M":
        return bool(np.array_equal(a, b, equal_nan=True))
    try:
        return bool(np.array_equal(a, b))
    except (TypeError, ValueError):
        return False


def compare_datasets(got, want, skip, kind, raw=None):
    """Reasons (possibly empty) why `got` is not `want`. `raw()` opens both undecoded
    (mask_and_scale off), for variables whose decoded values differ only in precision."""
    problems = []
    want_vars = set(map(str, want.variables)) - set(skip)
    got_vars = set(map(str, got.variables))
    if want_vars - got_vars:
        problems.append(f"variables missing: {sorted(want_vars - got_vars)}")
    if got_vars - want_vars:
        problems.append(f"unexpected variables: {sorted(got_vars - want_vars)}")
    want_dims = {str(k): v for k, v in want.sizes.items()}
    got_dims = {str(k): v for k, v in got.sizes.items()}
    used = {d for v in want_vars for d in want[v].dims}
    want_dims = {k: v for k, v in want_dims.items() if k in used or not skip}
    if got_dims != want_dims:
        problems.append(f"dimensions {got_dims}, expected {want_dims}")
    want_attrs = dict(want.attrs)
    if kind in ("xr.zarr3", "xr.zarr2"):
        # xarray's Zarr backend hides global attributes named _nc* (any case), which the
        # store holds; its netCDF backends show them.
        want_attrs = {k: v for k, v in want_attrs.items() if not k.lower().startswith("_nc")}
    problems += compare_attr_dicts(dict(got.attrs), want_attrs, "global")
    for name in sorted(want_vars & got_vars):
        g, w = got[name], want[name]
        if tuple(map(str, g.dims)) != tuple(map(str, w.dims)):
            problems.append(f"variable '{name}': dims {tuple(map(str, g.dims))}, expected {tuple(map(str, w.dims))}")
            continue
        problems += compare_attr_dicts(dict(g.attrs), dict(w.attrs), f"variable '{name}'")
        for key in ENCODING_KEYS:
            if key in w.encoding or key in g.encoding:
                if key not in g.encoding or key not in w.encoding or not same_value(g.encoding[key], w.encoding[key]):
                    problems.append(f"variable '{name}': encoding {key} = {short(g.encoding.get(key), 40)}, expected {short(w.encoding.get(key), 40)}")
        try:
            if not same_values(g.values, w.values) and not same_raw(name, g, w, raw):
                problems.append(f"variable '{name}': decoded values differ")
        except Exception as e:  # noqa: BLE001
            problems.append(f"variable '{name}': cannot read values: {short(e, 80)}")
    return problems


def same_raw(name, got, want, raw):
    """Decoded values that differ only because a Zarr attribute is a float64 where the
    source's is a float32 (JSON has no float32: xarray decodes scale_factor of a Zarr
    copy in float64): the stored values must then be identical."""
    if raw is None or not (want.dtype == np.float32 and got.dtype == np.float64):
        return False
    raw_got, raw_want = raw()
    return same_values(raw_got[name].values, raw_want[name].values)


def check_file(name, path, work, runs):
    """{check: (outcome, reason)} for one netCDF file, and the skipped variables."""
    results = {}
    skip = skipped(runs)
    decode_times = True
    try:
        want = open_dataset("xr.netcdf4", path)
        want.load()
    except Exception:  # noqa: BLE001 - e.g. time units xarray cannot decode
        decode_times = False
        try:
            want = open_dataset("xr.netcdf4", path, decode_times=False)
            want.load()
        except Exception as e:  # noqa: BLE001
            reason = f"xarray cannot open the input: {short(e, 160)}"
            return {c: (REFERENCE_CANNOT_READ, reason) for c in CHECKS}, skip
    paths = {key: dst for key, (dst, _) in targets(work).items()}
    for check in CHECKS:
        key = {"xr.netcdf4": "nc", "xr.h5netcdf": "nc", "xr.zarr3": "zarr3", "xr.zarr2": "zarr2"}[check]
        run = runs[key]
        if not run.ok:
            results[check] = run.refusal([os.path.basename(path), path])
            continue
        try:
            got = open_dataset(check, paths[key], decode_times)
            got.load()
        except Exception as e:  # noqa: BLE001
            results[check] = (MISMATCH, f"xarray cannot open the output of tessera: {short(e, 160)}")
            continue
        def raw(check=check, key=key):
            opened = (open_dataset(check, paths[key], decode_times, False),
                      open_dataset("xr.netcdf4", path, decode_times, False))
            return opened
        problems = compare_datasets(got, want, skip, check, raw)
        results[check] = (OK, "") if not problems else (MISMATCH, problems)
        got.close()
    want.close()
    return results, skip
