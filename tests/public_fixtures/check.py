#!/usr/bin/env python3
"""Acceptance harness for "Faithful copies" over the public real-world fixtures.

    TESSERA_BIN=target/release/tessera python tests/public_fixtures/check.py \
        ../shared/fixtures/public [--only TARBALL] [--limit N] [--keep DIR] [--all-writes]

Unpacks each tarball of FIXTURES (a folder of *.tar.gz, see its SOURCES.md) into a
temporary folder (or --keep DIR, which is kept, with every output tessera wrote), lists
every array (inventory.py) and reads it with the reference library, then checks:

- `read`: `tessera convert ADDRESS out.npy` equals the reference (shape, dtype, values,
  NaN positions, sign of zero). Arrays over 64 MiB: their first and last rows only,
  through `tessera eval 'a[i:j]'`.
- write-back, on the arrays that read identically (every one with --all-writes, else a
  fixed subset: for zsnap the first array of every data type and of every codec, and at
  most 5 datasets from any group holding more than 60), to `out.h5:/x`, `out_v2.zarr`
  (`--zarr-version 2`) and `out_v3.zarr` (`--zarr-version 3 --chunks C --shard S`, C the
  source chunks, S = C times 2 along each axis, clipped to one chunk where the array
  has only one): checks `h5.write`, `zarr2.write`, `zarr3.write` (the conversion ran),
  then for each target `.data` (values and dtype by h5py / zarr-python), `.chunks` (the
  source's chunks, or the chunks `tessera info --json` gives a contiguous source;
  Zarr v3 also its shard), `.attrs` (HDF5 to HDF5 by dtype, shape and value; into Zarr
  by JSON value and type with nesting; see compare.py) and `.dims` (netCDF / HDF5
  dimension scales / Zarr dimension names to Zarr v3 `dimension_names`, Zarr v2
  `_ARRAY_DIMENSIONS` and HDF5 dimension scales; none must stay none).
- criterion 4, every `*.nc`: whole-file copies opened by xarray (whole_nc.py).

Each array x check is one of: ok, mismatch, refused-one-line, refused-badly (exit code
other than 2, several lines, no file name, a hang), reference-cannot-read. It prints a
JSON summary on stdout: counts per tarball and check, every failure (mismatch,
refused-badly) with a one-line reason, the refusals grouped by message (and which of
them the reference library reads), and what was not compared. Progress goes to stderr.
"""

import argparse
import concurrent.futures as cf
import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
import time
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import compare  # noqa: E402
import inventory  # noqa: E402
import tessera_cli  # noqa: E402
import whole_nc  # noqa: E402
from tessera_cli import MISMATCH, OK, REFERENCE_CANNOT_READ, REFUSED, short  # noqa: E402

WORKERS = 2
TARGETS = ("h5", "zarr2", "zarr3")
ASPECTS = ("data", "chunks", "attrs", "dims")
GROUP_LIMIT = 60
GROUP_SAMPLE = 5
MAX_READ_CHUNKS = 512


def log(*args):
    print(*args, file=sys.stderr, flush=True)


class Report:
    """Outcomes of every array x check."""

    def __init__(self):
        self.counts = defaultdict(lambda: defaultdict(Counter))  # tarball -> check -> outcome
        self.records = []  # (tarball, name, check, outcome, reason, reference_reads)
        self.not_compared = []
        self.skipped_in_copies = []
        self.arrays = Counter()
        self.write_checked = Counter()
        self.references = defaultdict(Counter)  # tarball -> reference library -> arrays

    def add(self, tarball, name, check, outcome, reason="", reference_reads=True):
        """`reason`: a string, or a list of problems (joined with '; ', grouped one by one)."""
        problems = list(reason) if isinstance(reason, list) else ([reason] if reason else [])
        self.counts[tarball][check][outcome] += 1
        self.records.append((tarball, name, check, outcome, short("; ".join(problems), 600), reference_reads, problems))

    def summary(self, elapsed, binary):
        failures = [
            {"tarball": t, "array": n, "check": c, "outcome": o, "reason": r}
            for t, n, c, o, r, _, _ in self.records if o in tessera_cli.FAILURES
        ]
        # each pattern counts the array x check records showing it at least once
        groups = Counter()
        for t, n, c, o, r, _, problems in self.records:
            if o in tessera_cli.FAILURES:
                for key in {f"{c} {o}: {pattern(p)}" for p in problems}:
                    groups[key] += 1
        refusals = Counter()
        refused_but_reference_reads = Counter()
        for t, n, c, o, r, ref_ok, _ in self.records:
            if o == REFUSED:
                refusals[f"{c}: {pattern(r, names=False)}"] += 1
                if ref_ok and c == "read":
                    refused_but_reference_reads[f"{t}: {pattern(r, names=False)}"] += 1
        cannot = Counter(f"{t} {c}: {pattern(r)}" for t, n, c, o, r, _, _ in self.records if o == REFERENCE_CANNOT_READ)
        return {
            "tessera": binary,
            "seconds": round(elapsed, 1),
            "arrays": dict(self.arrays),
            "write_checked": dict(self.write_checked),
            "references": {t: dict(c) for t, c in self.references.items()},
            "counts": {t: {c: dict(o) for c, o in sorted(checks.items())} for t, checks in self.counts.items()},
            "failure_count": len(failures),
            "failure_groups": dict(groups.most_common()),
            "failures": failures,
            "refusal_groups": dict(refusals.most_common()),
            "refused_numeric_arrays_the_reference_reads": dict(refused_but_reference_reads.most_common()),
            "reference_cannot_read": dict(cannot.most_common()),
            "attributes_not_compared": self.not_compared,
            "skipped_in_whole_file_copies": self.skipped_in_copies,
        }


def pattern(reason, names=True):
    """A reason with paths (and names and numbers, unless `names` is false) blanked,
    for grouping."""
    text = re.sub(r"(?<![\w.])/(tmp|work|home|root|dev/shm)/\S*", "PATH", reason)
    if not names:
        return short(text, 200)
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"\"[^\"]*\"", "\"…\"", text)
    text = re.sub(r"\['…'(, '…')*\]", "[names]", text)
    text = re.sub(r"\('…'(, '…')*,?\)", "(names)", text)
    text = re.sub(r"\{'…': N(, '…': N)*\}", "{sizes}", text)
    text = re.sub(r"(?<![\w.])-?\d+(\.\d+)?(e[-+]?\d+)?\b", "N", text)
    return short(text, 160)


# -------------------------------------------------------------------------- unpack

def unpack(fixtures, root, only):
    names = sorted(f[: -len(".tar.gz")] for f in os.listdir(fixtures) if f.endswith(".tar.gz"))
    if only:
        names = [n for n in names if n in only.split(",")]
    for name in names:
        if not os.path.isdir(os.path.join(root, name)):
            with tarfile.open(os.path.join(fixtures, name + ".tar.gz")) as tar:
                tar.extractall(root, filter="data")
    return names


# ---------------------------------------------------------------------------- read

def read_job(entry, work):
    """tessera's values of `entry` (run in the pool): (Run, [npy paths])."""
    os.makedirs(work, exist_ok=True)
    if not entry.huge:
        out = os.path.join(work, "read.npy")
        return tessera_cli.convert(entry.address, out), [out]
    rows = len(entry.head_tail[0])
    n = entry.shape[0]
    outs = [os.path.join(work, "head.npy"), os.path.join(work, "tail.npy")]
    runs = []
    for out, (lo, hi) in zip(outs, [(0, rows), (n - rows, n)]):
        runs.append(tessera_cli.run(["eval", f"a[{lo}:{hi}]", "-i", f"a={entry.address}", "--out", out, "--quiet"]))
        if not runs[-1].ok:
            return runs[-1], outs
    return runs[-1], outs


def check_read(report, entry, run, outs):
    reads = entry.numeric
    if not run.ok:
        outcome, reason = run.refusal(entry.names())
        report.add(entry.tarball, entry.name, "read", outcome, reason, reads)
        return False
    if entry.ref_error:
        report.add(entry.tarball, entry.name, "read", REFERENCE_CANNOT_READ,
                   f"{entry.ref_error} (tessera read it)", False)
        return False
    try:
        got = [np.load(p, allow_pickle=False) for p in outs]
    except Exception as e:  # noqa: BLE001
        report.add(entry.tarball, entry.name, "read", MISMATCH, f"numpy cannot load tessera's .npy: {short(e, 120)}")
        return False
    if entry.huge:
        why = compare.compare_arrays(got[0], entry.head_tail[0]) or compare.compare_arrays(got[1], entry.head_tail[1])
        why = why and f"(first/last rows of a huge array) {why}"
    else:
        why = compare.compare_arrays(got[0], entry.values)
    report.add(entry.tarball, entry.name, "read", MISMATCH if why else OK, why or "")
    return why is None


# --------------------------------------------------------------------- write-back

def select_for_writes(entries, all_writes):
    """The fixed subset of read-identical arrays checked on write-back."""
    if all_writes:
        return list(entries)
    chosen = []
    seen_dtype, seen_codec = set(), set()
    by_group = defaultdict(list)
    for e in entries:
        if e.tarball == "zsnap" and len(e.group) == 2:
            dtype, codec = e.group
            if dtype not in seen_dtype or codec not in seen_codec:
                chosen.append(e)
                seen_dtype.add(dtype)
                seen_codec.add(codec)
        else:
            by_group[e.group].append(e)
    for members in by_group.values():
        chosen += members if len(members) <= GROUP_LIMIT else members[:GROUP_SAMPLE]
    return sorted(chosen, key=lambda e: e.name)


def expected_chunks(entry, infos):
    if entry.chunks is not None:
        return tuple(int(c) for c in entry.chunks)
    listing = infos.get(entry.path) or {}
    got = listing.get(entry.inner) or listing.get(entry.inner.lstrip("/"))
    if got and got.get("chunks") is not None:
        return tuple(int(c) for c in got["chunks"])
    return tuple(int(s) for s in entry.shape)


def shard_for(chunks, shape):
    shard = []
    for c, s in zip(chunks, shape):
        c = max(1, c)
        per = -(-s // c) if s else 1
        shard.append(c * min(2, max(1, per)))
    return tuple(shard)


def write_paths(work):
    return {
        "h5": (os.path.join(work, "out.h5"), "x"),
        "zarr2": (os.path.join(work, "out_v2.zarr"), None),
        "zarr3": (os.path.join(work, "out_v3.zarr"), None),
    }


def write_job(entry, work, chunks):
    """The three conversions of one array (run in the pool)."""
    os.makedirs(work, exist_ok=True)
    paths = write_paths(work)
    runs = {"h5": tessera_cli.convert(entry.address, f"{paths['h5'][0]}:/x")}
    runs["zarr2"] = tessera_cli.convert(entry.address, paths["zarr2"][0], "--zarr-version", "2")
    options = ["--zarr-version", "3"]
    if chunks and len(entry.shape) > 0:
        options += ["--chunks", ",".join(map(str, (max(1, c) for c in chunks))),
                    "--shard", ",".join(map(str, shard_for(chunks, entry.shape)))]
    runs["zarr3"] = tessera_cli.convert(entry.address, paths["zarr3"][0], *options)
    return runs


def read_target(target, path):
    """What h5py / zarr-python read of tessera's output: a dict with values, shape,
    chunks, shards, attrs, form (of the attributes) and dims."""
    if target == "h5":
        import h5py

        with h5py.File(path, "r") as f:
            # A variable named like one of its dimensions without being its coordinate
            # variable is stored as netCDF-C stores it, `_nc4_non_coord_x`, beside the
            # dimension `x` (netCDF readers strip the prefix, as h5netcdf does here).
            ds = f["_nc4_non_coord_x"] if "_nc4_non_coord_x" in f else f["x"]
            return {
                "values": ds[()] if ds.shape is not None else None,
                "shape": ds.shape,
                "chunks": ds.chunks,
                "shards": None,
                "attrs": {k: compare.typed_from_h5(ds.attrs, k) for k in ds.attrs.keys()},
                "form": "typed",
                "dims": inventory.h5_dims(path, "/x", ds),
            }
    import zarr

    fmt = 2 if target == "zarr2" else 3
    a = zarr.open_array(path, mode="r", zarr_format=fmt)
    attrs = a.attrs.asdict()
    rows = leading_rows(a.shape, a.chunks)
    return {
        "values": a[...] if rows is None else a[:rows],
        "shape": a.shape,
        "chunks": a.chunks,
        "shards": a.shards if fmt == 3 else None,
        "attrs": attrs,
        "fill": a.fill_value.item() if hasattr(a.fill_value, "item") else a.fill_value,
        "form": "json",
        "dims": attrs.get("_ARRAY_DIMENSIONS") if fmt == 2 else a.metadata.dimension_names,
    }


def leading_rows(shape, chunks):
    """zarr-python pays about a millisecond a chunk: of a store with more than
    MAX_READ_CHUNKS chunks, only the leading rows holding about that many are read back
    (None: all of it)."""
    if not shape or not chunks or 0 in shape or 0 in chunks:
        return None
    counts = [-(-s // c) for s, c in zip(shape, chunks)]
    total = int(np.prod(counts, dtype=np.int64))
    if total <= MAX_READ_CHUNKS:
        return None
    per_row = total // counts[0]
    chunk_rows = max(1, MAX_READ_CHUNKS // per_row)
    return min(shape[0], chunk_rows * chunks[0])


def check_writes(report, entry, runs, work, chunks):
    paths = write_paths(work)
    for target in TARGETS:
        run = runs[target]
        check = f"{target}.write"
        if not run.ok:
            outcome, reason = run.refusal(entry.names())
            report.add(entry.tarball, entry.name, check, outcome, reason)
            continue
        report.add(entry.tarball, entry.name, check, OK)
        try:
            got = read_target(target, paths[target][0])
        except Exception as e:  # noqa: BLE001
            for aspect in ASPECTS:
                report.add(entry.tarball, entry.name, f"{target}.{aspect}", MISMATCH,
                           f"{'h5py' if target == 'h5' else 'zarr-python'} cannot read the output of tessera: {short(e, 160)}")
            continue
        why = data_reason(got, entry)
        report.add(entry.tarball, entry.name, f"{target}.data", MISMATCH if why else OK, why or "")
        why = chunk_reason(target, chunks, got["chunks"], got["shards"], entry.shape)
        report.add(entry.tarball, entry.name, f"{target}.chunks", MISMATCH if why else OK, why or "")
        source_attrs = entry.attrs
        left_out = [n for n in run.notes() if "attribute _FillValue" in n and "not copied" in n]
        if left_out:
            # tessera left out a _FillValue the Zarr v3 form cannot hold (NaN for an
            # integer array), and said so: not compared, listed.
            source_attrs = {k: v for k, v in entry.attrs.items() if k != "_FillValue"}
            text = f"{entry.name}: _FillValue ({target}: {left_out[0].split(': ', 2)[-1]})"
            if text not in report.not_compared:
                report.not_compared.append(text)
        elif "_FillValue" in entry.attrs and "_FillValue" not in got["attrs"] and got.get("fill") is not None:
            # tessera keeps a _FillValue the dtype holds in Zarr v2's fill_value, where
            # xarray writes it (and, in v3, reads an attribute of that name only base64-coded).
            got["attrs"]["_FillValue"] = got["fill"]
        # In v3 stores a float _FillValue is xarray's base64 of the float64 bytes.
        coded = got["attrs"].get("_FillValue")
        if target == "zarr3" and isinstance(coded, str):
            import base64
            import struct
            try:
                got["attrs"]["_FillValue"] = struct.unpack("<d", base64.b64decode(coded))[0]
            except (ValueError, struct.error):
                pass
        result = compare.compare_attrs(source_attrs, got["attrs"], entry.attrs_form, got["form"])
        for item in result.not_compared:
            text = f"{entry.name}: {item}"
            if text not in report.not_compared:
                report.not_compared.append(text)
        report.add(entry.tarball, entry.name, f"{target}.attrs", MISMATCH if result.problems else OK, result.problems)
        why = compare.compare_dims(got["dims"], entry.dims)
        report.add(entry.tarball, entry.name, f"{target}.dims", MISMATCH if why else OK, why or "")


def data_reason(got, entry):
    if got["values"] is None:
        return "no values (a null dataspace)"
    if tuple(got["shape"]) != tuple(entry.shape):
        return f"shape {list(got['shape'])}, expected {list(entry.shape)}"
    values, want = got["values"], entry.values
    if values.shape != want.shape:
        want = want[: values.shape[0]]  # only the leading rows were read back
    return compare.compare_arrays(values, want)


def chunk_reason(target, want, got, shards, shape):
    want = tuple(want) if want is not None else None
    got = tuple(got) if got is not None else None
    if target == "h5" and got is None:
        # contiguous (or compact) output: equal to one chunk covering the whole array
        if want == tuple(shape) or len(shape) == 0:
            return None
        return f"contiguous, expected chunks {list(want)}"
    if len(shape) == 0:
        return None
    if got != want:
        return f"chunks {list(got) if got else got}, expected {list(want)}"
    if target == "zarr3":
        expected_shard = shard_for(want, shape)
        if tuple(shards or ()) != expected_shard:
            return f"shards {list(shards) if shards else None}, expected {list(expected_shard)}"
    return None


# -------------------------------------------------------------------------- main

def run_tarball(report, pool, root, tarball, args, work_root):
    t0 = time.time()
    entries = inventory.list_tarball(root, tarball)
    if args.limit:
        entries = entries[: args.limit]
    for e in entries:
        inventory.read_reference(e)
        report.references[tarball][e.ref_lib if not e.ref_error else "none (cannot read)"] += 1
    report.arrays[tarball] = len(entries)
    log(f"{tarball}: {len(entries)} arrays listed and read by the references in {time.time() - t0:.1f} s")

    work = {e.name: os.path.join(work_root, tarball, f"{i:05d}") for i, e in enumerate(entries)}
    futures = {pool.submit(read_job, e, work[e.name]): e for e in entries}
    identical = []
    for future in cf.as_completed(futures):
        e = futures[future]
        run, outs = future.result()
        if check_read(report, e, run, outs):
            identical.append(e)
        if not args.keep:
            for p in outs:
                if os.path.exists(p):
                    os.remove(p)
    log(f"{tarball}: read checks done at {time.time() - t0:.1f} s")

    # huge arrays (read-checked on their first and last rows) are not written back
    chosen = select_for_writes(sorted((e for e in identical if not e.huge), key=lambda e: e.name), args.all_writes)
    report.write_checked[tarball] = len(chosen)
    infos = {}
    for e in chosen:
        if e.chunks is None and e.path not in infos:
            infos[e.path] = tessera_cli.info(e.path)
    chunks = {e.name: expected_chunks(e, infos) for e in chosen}
    futures = {pool.submit(write_job, e, work[e.name], chunks[e.name]): e for e in chosen}
    for future in cf.as_completed(futures):
        e = futures[future]
        check_writes(report, e, future.result(), work[e.name], chunks[e.name])
        if not args.keep:
            shutil.rmtree(work[e.name], ignore_errors=True)
    inventory.close_all()
    log(f"{tarball}: write-back checks of {len(chosen)} arrays done at {time.time() - t0:.1f} s")


def netcdf_files(root, tarballs):
    found = []
    for tarball in tarballs:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, tarball)):
            dirnames.sort()
            found += [os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".nc")]
    return found


def run_whole_files(report, pool, root, tarballs, work_root, keep):
    files = netcdf_files(root, tarballs)
    works = {f: os.path.join(work_root, "whole", os.path.relpath(f, root).replace(os.sep, "__")) for f in files}
    futures = {pool.submit(whole_nc.convert_all, f, works[f]): f for f in files}
    for future in cf.as_completed(futures):
        f = futures[future]
        name = os.path.relpath(f, root)
        results, skip = whole_nc.check_file(name, f, works[f], future.result())
        for check, (outcome, reason) in results.items():
            report.add("netcdf-whole-file", name, check, outcome, reason)
        report.skipped_in_copies += [f"{name}: /{s}" for s in skip]
        if not keep:
            shutil.rmtree(works[f], ignore_errors=True)
    report.arrays["netcdf-whole-file"] = len(files)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fixtures", help="the folder of *.tar.gz (../shared/fixtures/public)")
    parser.add_argument("--only", help="tarball names, comma-separated (jhdf,zsnap,...)")
    parser.add_argument("--limit", type=int, default=0, help="at most N arrays per tarball")
    parser.add_argument("--keep", help="unpack and write into DIR, and keep it")
    parser.add_argument("--all-writes", action="store_true", help="write-back check every array")
    parser.add_argument("--no-whole-files", action="store_true", help="skip the xarray whole-file checks")
    args = parser.parse_args()

    start = time.time()
    binary = tessera_cli.binary()
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        root = os.path.abspath(args.keep)
        cleanup = None
    else:
        # tmpfs where there is one: the fixtures are thousands of small files
        shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        cleanup = tempfile.TemporaryDirectory(prefix="tessera-public-", dir=os.environ.get("TESSERA_PUBLIC_TMP", shm))
        root = cleanup.name
    unpacked = os.path.join(root, "in")
    work_root = os.path.join(root, "out")
    shutil.rmtree(work_root, ignore_errors=True)  # tessera refuses existing targets
    os.makedirs(unpacked, exist_ok=True)
    tarballs = unpack(os.path.abspath(args.fixtures), unpacked, args.only)
    log(f"unpacked {', '.join(tarballs)} in {time.time() - start:.1f} s")
    report = Report()
    with cf.ThreadPoolExecutor(WORKERS) as pool:
        for tarball in tarballs:
            run_tarball(report, pool, unpacked, tarball, args, work_root)
        if not args.no_whole_files:
            run_whole_files(report, pool, unpacked, tarballs, work_root, args.keep)
    summary = report.summary(time.time() - start, binary)
    json.dump(summary, sys.stdout, indent=1, default=str)
    print()
    if cleanup:
        cleanup.cleanup()


if __name__ == "__main__":
    main()
