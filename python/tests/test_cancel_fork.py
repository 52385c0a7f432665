"""Behaviour under signals, threads and processes: Ctrl-C stops a run at once and leaves
no output, ``ProgressBar`` draws runs from any thread, and a child forked after tessera
ran (by ``os.fork`` or a multiprocessing pool) computes again, HDF5 included."""

import io
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import tessera as ts

# The child scripts install Python's Ctrl-C handler themselves: a child started with
# SIGINT ignored (under a non-interactive shell's `&`, as CI may start the tests) would
# otherwise keep it ignored.

# A run long enough to interrupt: 40000 x 40000 float64 values (12.8 GB) made from two
# small vectors, so that it costs time but no input.
LONG_RUN = textwrap.dedent(
    """
    import signal; signal.signal(signal.SIGINT, signal.default_int_handler)
    import sys, numpy as np, tessera as ts
    n = 40000
    x = ts.from_numpy(np.arange(n, dtype=np.float64).reshape(n, 1), chunks=(500, 1))
    y = ts.from_numpy(np.arange(n, dtype=np.float64).reshape(1, n), chunks=(1, 500))
    big = (x * y) ** 0.5 % 7.0
    with ts.Context(memory="256MiB", threads=2):
        print("started", flush=True)
        {run}
    print("finished", flush=True)
    """
)

#: Seconds from SIGINT to the end of the process. Ctrl-C is seen within 50 ms and the
#: run stops after the chunks in flight (a few ms each); the rest is slack for a loaded
#: machine and the interpreter's exit.
INTERRUPT_LIMIT = 2.0


def interrupt(run, cwd):
    """Starts ``run`` inside LONG_RUN in a fresh interpreter, sends SIGINT a second into
    it, and returns (seconds from the signal to the exit, return code, stdout, stderr)."""
    script = LONG_RUN.format(run=run)
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert proc.stdout.readline().strip() == "started"
        time.sleep(1.0)
        assert proc.poll() is None, "the run ended before the signal: make it longer"
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("SIGINT did not stop the run within 60 s")
        elapsed = time.monotonic() - sent
        return elapsed, proc.returncode, proc.stdout.read(), proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(
    "run, target",
    [
        ('big.to_zarr("out.zarr", codec="zstd:1")', "out.zarr"),
        ('big.to_hdf5("out.h5", "/x")', "out.h5"),
        ('ts.store([big, big + 1.0], ["a.zarr", "b.npy"])', "a.zarr"),
        ("big.sum().compute()", None),
        ("ts.compute(big.max(axis=0), big.min(axis=1))", None),
    ],
    ids=["to_zarr", "to_hdf5", "store", "compute", "compute_many"],
)
def test_ctrl_c_stops_a_run_at_once_and_leaves_no_output(tmp_path, run, target):
    elapsed, code, out, err = interrupt(run, tmp_path)
    assert code != 0 and "KeyboardInterrupt" in err, err
    assert "finished" not in out
    assert elapsed < INTERRUPT_LIMIT, f"{elapsed:.2f} s from SIGINT to exit"
    # Neither the target nor a staging directory or scratch file is left.
    assert sorted(os.listdir(tmp_path)) == [], target


def test_a_run_goes_on_normally_after_an_interrupted_one(tmp_path):
    script = textwrap.dedent(
        """
        import signal; signal.signal(signal.SIGINT, signal.default_int_handler)
        import _thread, threading, numpy as np, tessera as ts
        n = 40000
        x = ts.from_numpy(np.arange(n, dtype=np.float64).reshape(n, 1), chunks=(500, 1))
        big = (x * x.T) ** 0.5
        threading.Timer(0.5, _thread.interrupt_main).start()
        try:
            big.sum().compute()
            print("not interrupted")
        except KeyboardInterrupt:
            print("interrupted")
        print(ts.get_context().memory_used == ts.get_context().memory // 8)
        print(ts.from_numpy(np.arange(10.0), chunks=3).sum().compute())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert out.stdout.split() == ["interrupted", "True", "45.0"], out.stderr


# -- progress bars ---------------------------------------------------------------------


def test_progress_bar_draws_every_kind_of_run_to_100_percent(tmp_path):
    a = ts.from_numpy(np.arange(10_000.0).reshape(100, 100), chunks=10)
    runs = [
        lambda: (a * 2).compute(),
        lambda: np.asarray(a + 1),
        lambda: ts.compute(a.sum(axis=0), a.max()),
        lambda: a.to_zarr(str(tmp_path / "a.zarr")),
        lambda: a.to_hdf5(str(tmp_path / "a.h5"), "/a"),
        lambda: a.to_npy(str(tmp_path / "a.npy")),
        lambda: ts.store([a, a.T], [str(tmp_path / "b.zarr"), str(tmp_path / "c.npy")]),
    ]
    for run in runs:
        out = io.StringIO()
        with ts.ProgressBar(out=out, dt=0):
            run()
        lines = out.getvalue().split("\n")
        assert lines[-1] == "" and len(lines) == 2, out.getvalue()
        last = lines[0].split("\r")[-1]
        assert last.startswith("[" + "#" * 40 + "] | 100% Completed |"), last
    assert np.load(tmp_path / "a.npy").sum() == a.sum().compute()


def test_progress_bar_defaults_to_stderr_and_can_be_registered(capsys):
    a = ts.from_numpy(np.arange(100.0), chunks=10)
    bar = ts.ProgressBar()
    bar.register()
    try:
        a.sum().compute()
    finally:
        bar.unregister()
    captured = capsys.readouterr()
    assert "100% Completed" in captured.err and captured.out == ""
    a.sum().compute()
    assert capsys.readouterr().err == "", "an unregistered bar draws nothing"
    with ts.ProgressBar(minimum=60):
        a.sum().compute()
    assert capsys.readouterr().err == "", "runs shorter than minimum draw nothing"


def test_progress_bar_with_runs_on_several_threads():
    out = io.StringIO()
    a = ts.from_numpy(np.arange(40_000.0).reshape(200, 200), chunks=20)
    results, errors = [], []

    def work():
        try:
            for _ in range(5):
                results.append(float((a * 2).sum().compute()))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    with ts.ProgressBar(out=out, dt=0):
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors and results == [float(np.arange(40_000.0).sum() * 2)] * 20
    assert out.getvalue().count("100% Completed") == 20


def test_a_failing_progress_bar_does_not_fail_the_run(monkeypatch):
    class Broken(io.StringIO):
        def write(self, text):
            raise OSError("the output is gone")

    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda report: seen.append(report.exc_value))
    a = ts.from_numpy(np.arange(100.0), chunks=10)
    with ts.ProgressBar(out=Broken()):
        assert a.sum().compute() == 4950.0
    assert seen and all(isinstance(e, OSError) for e in seen)


# -- fork ------------------------------------------------------------------------------


def _child_sums(h5):
    """Work for a forked pool: sums through the child's default context and through a
    context of its own, HDF5 included."""
    a = ts.from_numpy(np.arange(1000.0), chunks=100)
    with ts.Context(memory="32MiB", threads=2):
        inner = float(ts.open(h5).sum().compute())
    return float(ts.open(h5).sum().compute()), float(a.sum().compute()), inner


def _child_threads(_):
    return ts.get_context().threads


def _set_one_thread():
    os.environ["TESSERA_NUM_THREADS"] = "1"


@pytest.fixture
def h5_ones(tmp_path):
    """An HDF5 dataset of 64 x 64 ones, read once here so the pool's threads exist."""
    path = f"{tmp_path / 'ones.h5'}:/x"
    ts.from_numpy(np.ones((64, 64)), chunks=16).to_hdf5(path)
    assert ts.open(path).sum().compute() == 4096.0
    return path


def test_a_fork_pool_computes_after_the_parent_did(h5_ones):
    with ts.Context(memory="64MiB", threads=2):
        assert ts.open(h5_ones).sum().compute() == 4096.0
        with multiprocessing.get_context("fork").Pool(2) as pool:
            results = pool.map_async(_child_sums, [h5_ones] * 4).get(timeout=120)
    assert results == [(4096.0, 499500.0, 4096.0)] * 4
    # The parent's contexts are untouched by the children.
    assert ts.open(h5_ones).sum().compute() == 4096.0


def test_a_forked_default_context_reads_the_thread_count_again():
    ts.from_numpy(np.arange(10.0)).sum().compute()  # the parent's default context exists
    fork = multiprocessing.get_context("fork")
    with fork.Pool(2, initializer=_set_one_thread) as pool:
        assert pool.map_async(_child_threads, range(2)).get(timeout=120) == [1, 1]


def test_fork_while_another_thread_reads_hdf5(h5_ones):
    """The child must not wait for libhdf5's lock or a pool thread it does not have."""
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            assert ts.open(h5_ones).sum().compute() == 4096.0

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for _ in range(6):
            time.sleep(0.02)
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child
                code = 1
                try:
                    code = 0 if ts.open(h5_ones).sum().compute() == 4096.0 else 1
                finally:
                    os._exit(code)
            deadline = time.monotonic() + 60
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done == pid:
                    assert os.waitstatus_to_exitcode(status) == 0
                    break
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    pytest.fail("the forked child hung")
                time.sleep(0.01)
    finally:
        stop.set()
        thread.join()
