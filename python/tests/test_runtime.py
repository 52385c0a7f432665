"""The Python runtime side: zero-copy results, numpy protocols, contexts, determinism
across thread counts, the GIL released during computes, docstrings."""

import gc
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import tessera as ts
from conftest import assert_same


def test_compute_is_zero_copy(rng):
    x = rng.normal(size=(64, 64))
    result = ts.from_numpy(x, chunks=16).compute()
    assert not result.flags.owndata
    assert result.flags.c_contiguous and result.flags.writeable
    result[0, 0] = 42.0  # the buffer is the caller's now
    assert result[0, 0] == 42.0


def test_from_numpy_shares_the_buffer_like_dask(rng):
    x = rng.normal(size=(64, 64))
    whole, chunked = ts.from_numpy(x), ts.from_numpy(x, chunks=16)
    result = whole.compute()
    assert not np.shares_memory(result, x), "a result never aliases the input"
    result[0, 0] = 42.0
    assert x[0, 0] != 42.0
    before = chunked.sum().compute()
    x[3, 5] += 1000.0  # not copied: a later compute sees the change, as with da.from_array
    assert chunked.sum().compute() == pytest.approx(before + 1000.0)
    assert whole[3, 5].compute() == x[3, 5]
    # The array keeps the buffer alive after the caller lets go of it.
    expected = x.sum()
    del x, result
    gc.collect()
    assert chunked.sum().compute() == pytest.approx(expected)
    x = rng.normal(size=(64, 64))
    # Buffers numpy must convert (strided, big-endian, unaligned) are converted once.
    for odd in (x[:, ::2], x.astype(">f8"), np.frombuffer(x.tobytes()[1:-7], dtype="<f8")):
        a = ts.from_numpy(odd, chunks=8)
        assert_same(a.compute(), np.asarray(odd, dtype="f8"))


def test_asarray_and_array_protocol(rng):
    x = rng.integers(0, 9, (3, 5)).astype(np.int16)
    a = ts.from_numpy(x, chunks=2)
    assert_same(np.asarray(a), x)
    assert_same(np.asarray(a, dtype=np.float64), x.astype(np.float64))
    assert_same(np.array(a), x)
    assert_same(np.add(x, a), x + x)  # a numpy ufunc materialises the array
    with pytest.raises(ValueError):
        np.asarray(a, dtype=np.float64, copy=False)
    assert bool(ts.from_numpy(np.array([3])) > 2)
    with pytest.raises(ValueError):
        bool(a)
    assert len(a) == 3


def test_context_stack_and_settings():
    default = ts.get_context()
    with ts.Context(memory="32MiB", threads=1) as outer:
        assert ts.get_context().memory == 32 << 20 and ts.get_context().threads == 1
        with ts.Context(memory=16 << 20, threads=2):
            assert ts.get_context().memory == 16 << 20
        assert ts.get_context().memory == outer.memory
    assert ts.get_context().memory == default.memory
    with pytest.raises(ValueError):
        ts.Context(memory="1KiB")
    with pytest.raises(ValueError):
        ts.Context(memory="lots")


def test_with_block_is_per_thread():
    seen = []
    with ts.Context(memory="24MiB", threads=1):
        worker = threading.Thread(target=lambda: seen.append(ts.get_context().memory))
        worker.start()
        worker.join()
    assert seen and seen[0] != 24 << 20


def test_default_threads_from_environment():
    code = "import tessera as ts; print(ts.get_context().threads)"
    env = dict(os.environ, TESSERA_NUM_THREADS="3")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3"


def test_bit_identical_across_thread_counts(rng):
    x = rng.normal(size=(300, 200)) * 1e3
    a = ts.from_numpy(x, chunks=(17, 23))
    exprs = lambda: (a.sum(), a.mean(axis=0), a.std(axis=1, ddof=1), (a * a).sum(axis=(0, 1)), a.var())
    with ts.Context(memory="64MiB", threads=1):
        one = ts.compute(*exprs())
    with ts.Context(memory="64MiB", threads=2):
        two = ts.compute(*exprs())
    for r1, r2 in zip(one, two):
        assert r1.tobytes() == r2.tobytes()


def test_threads_calling_at_once_agree(rng):
    x = rng.normal(size=(200, 200))
    a = ts.from_numpy(x, chunks=(13, 29))
    results = [None] * 4

    def run(i):
        results[i] = a.std(axis=0).compute()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.tobytes() == results[0].tobytes() for r in results)


def test_gil_is_released_during_compute(rng):
    a = ts.from_numpy(rng.random((2000, 2000)), chunks=(250, 2000))
    slow = a
    for _ in range(8):  # elementwise only: each chunk is read once
        slow = (slow * 1.5 + 0.25) ** 0.5
    count = 0
    done = threading.Event()

    def counter():
        nonlocal count
        while not done.is_set():
            count += 1

    thread = threading.Thread(target=counter)
    thread.start()
    try:
        before = count
        slow.sum().compute()
        advanced = count - before
    finally:
        done.set()
        thread.join()
    assert advanced > 1000, f"the counter thread advanced only {advanced} times during the compute"


def test_docstrings():
    assert "ddof" in ts.Array.std.__doc__
    assert "keepdims" in ts.Array.mean.__doc__ and "numpy" in ts.Array.mean.__doc__
    assert "without a copy" in ts.Array.compute.__doc__
    assert ts.Context.__doc__ and ts.open.__doc__ and ts.from_numpy.__doc__
    assert issubclass(ts.BudgetError, MemoryError)
