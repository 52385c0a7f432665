"""Side-by-side benchmark of tessera against dask.array, numpy and the copy-speed limit.

Generates the data with tessera itself, runs every workload of every engine in its own
process timed from outside (`/usr/bin/time`: wall seconds and peak RSS), interleaves the
engines, repeats each measurement and writes the medians to a markdown table.
Run it through `scripts/compare.sh`, which builds tessera and prepares the virtualenv.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESSERA = ROOT / "target" / "release" / "tessera"
PYTHON = sys.executable


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--cols", type=int, default=2000)
    p.add_argument("--chunk", type=int, default=2000, help="square chunk side of the data")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--memory", default="256MiB", help="tessera's --memory")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--data", type=Path, default=ROOT / "bench-data")
    p.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    p.add_argument("--only", default="", help="comma-separated workload names")
    p.add_argument("--overhead-chunks", type=int, default=1_000_000)
    p.add_argument("--dask-overhead-chunks", type=int, default=100_000,
                   help="dask builds one task per chunk; 10^6 takes minutes per run")
    return p.parse_args()


# ----- data -------------------------------------------------------------------------


def generate(args):
    """The benchmark arrays, made by tessera (kept between runs for the same sizes)."""
    d = args.data
    d.mkdir(parents=True, exist_ok=True)
    stamp = d / "params.json"
    params = {"rows": args.rows, "cols": args.cols, "chunk": args.chunk}
    if stamp.exists() and json.loads(stamp.read_text()) == params:
        return
    shape = f"{args.rows},{args.cols}"
    chunks = f"{args.chunk},{args.chunk}"
    jobs = [
        (f"{d}/a.h5:/a", "1", "none", chunks, shape),
        (f"{d}/agz.h5:/a", "1", "gzip:1", chunks, shape),
        (f"{d}/a.zarr", "1", "zstd:1", chunks, shape),
        (f"{d}/b.zarr", "2", "zstd:1", chunks, shape),
        (f"{d}/v.npy", "3", "none", str(args.cols), str(args.cols)),
    ]
    for target, seed, codec, ch, sh in jobs:
        print(f"generating {target}", file=sys.stderr)
        subprocess.run([TESSERA, "gen", "random", target, "--shape", sh, "--chunks", ch,
                        "--seed", seed, "--codec", codec, "--overwrite", "--quiet",
                        "--memory", args.memory], check=True)
    stamp.write_text(json.dumps(params))


# ----- workloads --------------------------------------------------------------------

DASK_PRELUDE = """
import dask, dask.array as da, h5py, zarr, numpy as np
dask.config.set(scheduler="threads", num_workers={threads})
D = "{data}"
def h5(name):
    ds = h5py.File(f"{{D}}/{{name}}", "r")["a"]
    return da.from_array(ds, chunks=ds.chunks, lock=False)
def zr(name):
    z = zarr.open_array(f"{{D}}/{{name}}", mode="r")
    return da.from_zarr(z)
def zarr_target(name, shape, chunks):
    return zarr.create_array(f"{{OUT}}/{{name}}", shape=shape, chunks=chunks, dtype="f8",
                             compressors=zarr.codecs.ZstdCodec(level=1), overwrite=True)
"""

NUMPY_PRELUDE = """
import time, h5py, zarr, numpy as np
D = "{data}"
def h5(name):
    return h5py.File(f"{{D}}/{{name}}", "r")["a"][...]
def zr(name):
    return zarr.open_array(f"{{D}}/{{name}}", mode="r")[...]
"""


def workloads(args):
    """(name, tessera argv after the binary, dask code, numpy code or None, limit)."""
    d = args.data
    a_h5, a_gz = f"{d}/a.h5:/a", f"{d}/agz.h5:/a"
    a_zarr, b_zarr, v = f"{d}/a.zarr", f"{d}/b.zarr", f"{d}/v.npy"
    raw = args.rows * args.cols * 8
    return [
        ("sum(a_h5)", ["reduce", "sum", a_h5],
         "h5('a.h5').sum().compute()",
         ("a = h5('a.h5')", "a.sum()"),
         {"read": [f"{d}/a.h5"]}),
        ("std(a_h5)", ["reduce", "std", a_h5],
         "h5('a.h5').std().compute()",
         ("a = h5('a.h5')", "a.std()"),
         {"read": [f"{d}/a.h5"]}),
        ("mean(a_h5_gzip, axis=0)", ["reduce", "mean", a_gz, "--axis", "0", "--out", "{out}/m.npy"],
         "h5('agz.h5').mean(axis=0).compute()",
         ("a = h5('agz.h5')", "a.mean(axis=0)"),
         {"read": [f"{d}/agz.h5"], "decode": ("gzip", raw)}),
        ("mean((a_zarr - b_zarr)**2)", ["eval", "mean((a - b)**2)", "-i", f"a={a_zarr}", "-i", f"b={b_zarr}"],
         "((zr('a.zarr') - zr('b.zarr'))**2).mean().compute()",
         ("a = zr('a.zarr'); b = zr('b.zarr')", "((a - b)**2).mean()"),
         {"read": [a_zarr, b_zarr], "decode": ("zstd", 2 * raw)}),
        ("a_h5 @ v", ["eval", "a @ v", "-i", f"a={a_h5}", "-i", f"v={v}", "--out", "{out}/av.npy"],
         "(h5('a.h5') @ da.from_array(np.load(f'{D}/v.npy'))).compute()",
         ("a = h5('a.h5'); v = np.load(f'{D}/v.npy')", "a @ v"),
         {"read": [f"{d}/a.h5"]}),
        ("convert a_h5_gzip -> zarr (1000,1000) zstd",
         ["convert", a_gz, "{out}/c.zarr", "--chunks", "1000,1000", "--codec", "zstd:1"],
         "x = h5('agz.h5'); da.store(x.rechunk((1000, 1000)), zarr_target('c.zarr', x.shape, (1000, 1000)), lock=False)",
         None,
         {"read": [f"{d}/agz.h5"], "decode": ("gzip", raw), "encode": ("zstd", raw)}),
        ("a_zarr.T -> zarr (1000,1000)",
         ["eval", "a.T", "-i", f"a={a_zarr}", "--out", "{out}/t.zarr", "--chunks", "1000,1000", "--codec", "zstd:1"],
         "x = zr('a.zarr').T; da.store(x.rechunk((1000, 1000)), zarr_target('t.zarr', x.shape, (1000, 1000)), lock=False)",
         None,
         {"read": [a_zarr], "decode": ("zstd", raw), "encode": ("zstd", raw)}),
        ("a_h5.T @ a_h5", ["eval", "a.T @ a", "-i", f"a={a_h5}", "--out", "{out}/ata.npy"],
         "x = h5('a.h5'); (x.T @ x).compute()",
         ("a = h5('a.h5')", "a.T @ a"),
         {"read": [f"{d}/a.h5"]}),
        (f"task overhead: sum over {args.overhead_chunks} tiny chunks",
         ["eval", f"sum(ones(({args.overhead_chunks},), chunks=(1,)))"],
         f"da.ones(({args.dask_overhead_chunks},), chunks=(1,)).sum().compute()",
         None,
         {"tasks": (args.overhead_chunks, args.dask_overhead_chunks)}),
    ]


# ----- running ----------------------------------------------------------------------


def timed(argv, env=None):
    """Wall seconds and peak RSS (bytes) of a command, measured by /usr/bin/time."""
    with tempfile.NamedTemporaryFile(mode="r", suffix=".time") as report:
        proc = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%e %M", *argv],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"{argv[:3]} failed: {proc.stderr.strip()[-500:]}")
        wall, rss_kib = report.read().split()[-2:]
    return float(wall), int(rss_kib) * 1024


def run_tessera(argv, args, out):
    argv = [a.replace("{out}", out) for a in argv]
    extra = ["--memory", args.memory, "--threads", str(args.threads), "--quiet"]
    if "--out" in argv or argv[0] == "convert":
        extra.append("--overwrite")
    return timed([str(TESSERA), *argv, *extra])


def run_dask(code, args, out):
    prelude = DASK_PRELUDE.format(threads=args.threads, data=args.data)
    return timed([PYTHON, "-c", f"OUT = {out!r}\n{prelude}\n{code}\n"])


def run_numpy(code, args):
    """numpy with the data in memory: the load is not timed, the computation is."""
    load, compute = code
    script = NUMPY_PRELUDE.format(data=args.data) + textwrap.dedent(f"""
        {load}
        t0 = time.perf_counter()
        {compute}
        print(time.perf_counter() - t0)
    """)
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", PYTHON, "-c", script],
                          capture_output=True, text=True,
                          env={**os.environ, "OMP_NUM_THREADS": str(args.threads)})
    if proc.returncode != 0:
        raise RuntimeError(f"numpy failed: {proc.stderr.strip()[-500:]}")
    return float(proc.stdout.split()[-1]), int(proc.stderr.split()[-1]) * 1024


def run_cat(paths):
    files = []
    for p in paths:
        p = Path(p)
        files += [str(f) for f in p.rglob("*") if f.is_file()] if p.is_dir() else [str(p)]
    return timed(["sh", "-c", 'cat "$@" > /dev/null', "cat", *files])


def codec_rates():
    """Single-core decode and encode bytes/s of the data's codecs (numcodecs)."""
    import numcodecs
    import numpy as np

    values = np.random.default_rng(0).standard_normal(2_000_000)
    raw = values.tobytes()
    rates = {}
    for name, codecs in {
        "gzip": [numcodecs.Shuffle(elementsize=8), numcodecs.Zlib(level=1)],
        "zstd": [numcodecs.Zstd(level=1)],
    }.items():
        def encode(data):
            for c in codecs:
                data = c.encode(data)
            return data

        def decode(data):
            for c in reversed(codecs):
                data = c.decode(data)
            return data

        packed = encode(raw)
        t0 = time.perf_counter()
        for _ in range(3):
            encode(raw)
        enc = 3 * len(raw) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for _ in range(3):
            decode(packed)
        dec = 3 * len(raw) / (time.perf_counter() - t0)
        rates[name] = (dec, enc)
    return rates


def limit_seconds(limit, cat_seconds, rates, threads):
    """The physical limit: page-cache read time, or codec time over all cores."""
    codec = 0.0
    if "decode" in limit:
        name, nbytes = limit["decode"]
        codec += nbytes / (rates[name][0] * threads)
    if "encode" in limit:
        name, nbytes = limit["encode"]
        codec += nbytes / (rates[name][1] * threads)
    return max(cat_seconds, codec)


# ----- report -----------------------------------------------------------------------


def versions():
    import dask
    import h5py
    import numpy
    import zarr

    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    tessera = subprocess.run([str(TESSERA), "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{tessera} (git {rev}), dask {dask.__version__}, numpy {numpy.__version__}, "
            f"h5py {h5py.__version__}, zarr {zarr.__version__}, Python {platform.python_version()}")


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def mib(nbytes):
    return f"{nbytes / 2**20:.0f}"


def table(rows, args, rates):
    budget_limit = 256 + 64
    lines = [
        "# Benchmarks: tessera vs dask.array and numpy",
        "",
        f"Generated by `scripts/compare.sh --rows {args.rows} --cols {args.cols} --chunk {args.chunk} "
        f"--repeat {args.repeat}` on {time.strftime('%Y-%m-%d')}. Do not edit by hand.",
        "",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
        f"{args.threads} threads for every engine.",
        f"- Versions: {versions()}.",
        f"- Data: {args.rows}x{args.cols} float64 ({args.rows * args.cols * 8 / 1e9:.2f} GB per array), "
        f"chunks ({args.chunk}, {args.chunk}); warm page cache; median of {args.repeat} runs, engines interleaved.",
        f"- tessera runs with `--memory {args.memory}`; dask uses the threaded scheduler over h5py/zarr-python "
        "with the files' chunks; numpy times the computation only, on data already in memory.",
        "- Limit: the page-cache read time of the bytes involved (`cat > /dev/null`), or for compressed "
        "data the codec's own decode (and encode) time on all cores, whichever is larger. "
        + ", ".join(f"{k}: decode {v[0] / 1e9:.2f} GB/s, encode {v[1] / 1e9:.2f} GB/s per core"
                    for k, v in rates.items()) + " (numcodecs).",
        "- Target: tessera at least 3x faster than dask, or within 1.2x of the limit, "
        f"whichever asks less; peak RSS within {budget_limit} MiB.",
        "",
        "| workload | tessera s | tessera RSS MiB | dask s | dask RSS MiB | numpy s | limit s "
        "| dask / tessera | tessera / limit | target |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "per_task" in r:
            t_us, d_us = r["per_task"]
            lines.append(
                f"| {r['name']} | {r['tessera'][0]:.2f} ({t_us:.1f} µs/task) | {mib(r['tessera'][1])} "
                f"| {r['dask'][0]:.2f} for {args.dask_overhead_chunks} ({d_us:.1f} µs/task) | {mib(r['dask'][1])} "
                f"| – | – | {d_us / t_us:.1f}x per task | – | {'met' if t_us <= 5 else 'missed'} (≤ 5 µs/task) |")
            continue
        t, d = r["tessera"][0], r["dask"][0]
        numpy_s = f"{r['numpy'][0]:.2f}" if r.get("numpy") else "–"
        speedup, to_limit = d / t, t / r["limit"]
        met = (speedup >= 3 or to_limit <= 1.2) and r["tessera"][1] <= budget_limit * 2**20
        lines.append(
            f"| {r['name']} | {t:.2f} | {mib(r['tessera'][1])} | {d:.2f} | {mib(r['dask'][1])} | {numpy_s} "
            f"| {r['limit']:.2f} | {speedup:.1f}x | {to_limit:.2f}x | {'met' if met else 'missed'} |")
    return "\n".join(lines) + "\n"


# Where the part of BENCHMARKS.md that this script does not write begins (the Python
# examples' tables); it is kept when the comparison is regenerated.
KEPT_MARKER = "<!-- The section below is not written by scripts/compare.sh"


def kept_sections(out):
    """The text of `out` from KEPT_MARKER on (with a blank line before it), or ""."""
    if not out.exists():
        return ""
    text = out.read_text()
    at = text.find(KEPT_MARKER)
    return "" if at < 0 else "\n" + text[at:]


def main():
    args = parse_args()
    generate(args)
    rates = codec_rates()
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    rows = []
    with tempfile.TemporaryDirectory(dir=args.data) as out:
        for name, targv, dcode, ncode, limit in workloads(args):
            if only and not any(o in name for o in only):
                continue
            samples = {"tessera": [], "dask": [], "numpy": [], "cat": []}
            for i in range(args.repeat):
                samples["tessera"].append(run_tessera(targv, args, out))
                samples["dask"].append(run_dask(dcode, args, out))
                if ncode:
                    samples["numpy"].append(run_numpy(ncode, args))
                if "read" in limit:
                    samples["cat"].append(run_cat(limit["read"]))
                print(f"{name}: run {i + 1}/{args.repeat}: tessera {samples['tessera'][-1][0]:.2f} s, "
                      f"dask {samples['dask'][-1][0]:.2f} s", file=sys.stderr)
            med = {k: (statistics.median(s[0] for s in v), max(s[1] for s in v))
                   for k, v in samples.items() if v}
            row = {"name": name, "tessera": med["tessera"], "dask": med["dask"], "numpy": med.get("numpy")}
            if "tasks" in limit:
                t_tasks, d_tasks = limit["tasks"]
                row["per_task"] = (med["tessera"][0] / t_tasks * 1e6, med["dask"][0] / d_tasks * 1e6)
            else:
                row["limit"] = limit_seconds(limit, med["cat"][0], rates, args.threads)
            rows.append(row)
    args.out.write_text(table(rows, args, rates) + kept_sections(args.out))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
