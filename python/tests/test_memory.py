"""Memory is the contract: a 2 GiB input computed under ``Context(memory="256MiB")`` in a
fresh process keeps its peak RSS (``VmHWM``, see below) within the RSS after imports +
320 MiB,
over reductions, a composed expression and a rechunk streamed into Zarr, with every
answer checked against values known in closed form. And a reduction broadcast back
against its input reads that input a bounded number of times."""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tessera as ts

ROWS, COLS, SLAB = 32768, 8192, 1024  # float64: 2 GiB, written as 32 slabs of 64 MiB
BOUND_MIB = 320


def base_slab():
    """Slab k of the input holds ``base_slab() + k``."""
    return (np.add.outer(np.arange(SLAB) * 7, np.arange(COLS) * 3) % 1000) * 0.25 - 50.0


@pytest.fixture
def big_npy(tmp_path):
    """The 2 GiB .npy input, written slab by slab (this process holds one slab), and
    deleted after the test together with whatever the test wrote beside it."""
    need = 2 * ROWS * COLS * 8 + (1 << 30)  # the input, the Zarr copy (compressed), slack
    free = shutil.disk_usage(tmp_path).free
    if free < need:
        pytest.skip(f"needs {need >> 30} GiB free under {tmp_path}, has {free >> 30} GiB")
    path = tmp_path / "big.npy"
    base = base_slab()
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": (ROWS, COLS)})
        for k in range(ROWS // SLAB):
            (base + k).tofile(f)
    assert path.stat().st_size >= ROWS * COLS * 8
    yield path
    shutil.rmtree(tmp_path, ignore_errors=True)


WORKLOAD = textwrap.dedent(
    """
    import json, resource, sys
    import numpy as np
    import tessera as ts

    def peak():
        # VmHWM, this process's peak RSS. Not ru_maxrss alone: Linux carries it over
        # fork and exec, so a child of a large pytest process would start at the
        # parent's peak and could grow unseen beneath it.
        with open("/proc/self/status") as f:
            hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return hwm * 1024, maxrss * 1024  # both KiB on Linux

    baseline, inherited = peak()
    path, out, rows, cols, slab = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
    a = ts.open(path)
    assert a.shape == (rows, cols) and a.dtype == np.float64
    got, after = {}, {}
    with ts.Context(memory="256MiB", threads=2) as ctx:
        idle = ctx.memory_used  # the chunk cache's share of the budget
        got["sum"] = a.sum().compute(); after["sum"] = peak()[0]
        got["mean0"] = a.mean(axis=0).compute(); after["mean0"] = peak()[0]
        got["std"] = a.std().compute(); after["std"] = peak()[0]
        # (a - a.mean(axis=0)).sum(axis=1) with the mean computed once (the lazy form
        # re-reads the input per result chunk: see test_broadcast_reduction_reads_input_once).
        got["centred"] = (a - got["mean0"]).sum(axis=1).compute(); after["centred"] = peak()[0]
        got["revmax"] = abs(a[::-1] * 2 - 3).max(axis=1).compute(); after["revmax"] = peak()[0]
        a.rechunk((4096, 512)).to_zarr(out, chunks=(4096, 512), codec="zstd:1"); after["zarr"] = peak()[0]
        held = ctx.memory_used - idle

    # Measured; now the oracle (this process may grow from here on).
    k = np.arange(rows // slab)
    base = (np.add.outer(np.arange(slab) * 7, np.arange(cols) * 3) % 1000) * 0.25 - 50.0
    expected = {
        "sum": len(k) * base.sum() + slab * cols * k.sum(),
        "mean0": base.mean(axis=0) + k.mean(),
        "std": np.sqrt(base.var() + k.var()),  # independent slab offset: variances add
        "centred": (base.sum(axis=1)[None, :] - base.mean(axis=0).sum() + cols * (k - k.mean())[:, None]).ravel(),
        "revmax": np.concatenate([np.abs(2 * (base + i) - 3).max(axis=1) for i in k])[::-1],
    }
    for name, value in expected.items():
        assert got[name].dtype == np.float64 and got[name].shape == np.shape(value), name
        np.testing.assert_allclose(got[name], value, rtol=1e-10, err_msg=name)
    import zarr
    z = zarr.open_array(out, mode="r")
    assert z.shape == (rows, cols) and z.chunks == (4096, 512) and z.dtype == np.float64
    for r0 in range(0, rows, 4 * slab):
        block = z[r0 : r0 + 4 * slab]
        want = np.concatenate([base + (r0 // slab + i) for i in range(4)])
        np.testing.assert_array_equal(block, want, err_msg=f"zarr rows {r0}..")
    print(json.dumps({"baseline": baseline, "after": after, "held": held, "maxrss": peak()[1], "inherited": inherited}))
    """
)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads the peak RSS from Linux's /proc/self/status")
def test_2gib_input_under_256mib_budget(big_npy, tmp_path):
    env = dict(os.environ)
    # The child imports the same tessera as this process.
    package_root = os.path.dirname(os.path.dirname(ts.__file__))
    env["PYTHONPATH"] = os.pathsep.join([package_root, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("TESSERA_NUM_THREADS", None)
    out = tmp_path / "rechunked.zarr"
    run = subprocess.run(
        [sys.executable, "-c", WORKLOAD, str(big_npy), str(out), str(ROWS), str(COLS), str(SLAB)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["held"] == 0, "the budget still holds bytes after the computations"
    growth = {name: (peak - report["baseline"]) >> 20 for name, peak in report["after"].items()}
    print("peak RSS over the baseline after each workload, MiB:", growth, "baseline:", report["baseline"] >> 20,
          "ru_maxrss at start (inherited from this process):", report["inherited"] >> 20)
    for name, mib in growth.items():
        assert mib <= BOUND_MIB, f"{name}: peak RSS grew {mib} MiB over the baseline, more than {BOUND_MIB} MiB ({growth})"


def rchar():
    """Bytes this process has read through read(2)/pread(2) so far."""
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="needs Linux's /proc/self/io to count bytes read")
@pytest.mark.xfail(
    strict=True,
    reason="engine: a reduction broadcast back against its input, (a - a.mean(axis=0)), is "
    "re-evaluated for every result chunk of the outer expression (graph/evaluate pulls "
    "the whole reduction per region, nothing keeps it), so the input is read 1 + "
    "n_chunks times: quadratic I/O and CPU. On a 2 GiB .npy in 512 chunks the lazy "
    "(a - a.mean(axis=0)).sum(axis=1) runs ~45 min instead of ~3 s.",
)
def test_broadcast_reduction_reads_input_once(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_MMAP", "0")  # rchar counts read(2), not mapped pages
    x = np.random.default_rng(7).normal(size=(2048, 2048))  # 32 MiB in 8 row chunks
    np.save(tmp_path / "x.npy", x)
    a = ts.open(str(tmp_path / "x.npy"))
    assert a.chunks[0] < a.shape[0] // 4
    with ts.Context(memory="256MiB", threads=2, cache="1MiB"):  # a cache too small to hide re-reads
        before = rchar()
        np.testing.assert_allclose(a.sum().compute(), x.sum(), rtol=1e-12)
        assert rchar() - before < 1.5 * x.nbytes  # the control: one pass reads it once
        before = rchar()
        result = (a - a.mean(axis=0)).sum(axis=1).compute()
        read = rchar() - before
    np.testing.assert_allclose(result, (x - x.mean(axis=0)).sum(axis=1), rtol=1e-9, atol=1e-9)
    assert read <= 3 * x.nbytes, f"read the input {read / x.nbytes:.1f} times"
