"""Pickling: an array pickles as the calls that made it, down to its inputs' absolute
addresses (not their data), and rebuilds the same lazy array elsewhere: in this process
after a chdir, in a spawned process pool, and on a process-based dask cluster."""

import multiprocessing
import os
import pickle

import h5py
import numpy as np
import pytest

import tessera as ts
from conftest import assert_same


@pytest.fixture
def h5_input(tmp_path, rng):
    """A 1000 x 200 float64 HDF5 dataset (1.6 MB), and its values."""
    x = rng.normal(size=(1000, 200))
    with h5py.File(tmp_path / "in.h5", "w") as f:
        f.create_dataset("x", data=x, chunks=(100, 200))
    return tmp_path / "in.h5", x


def _expression(a):
    return (ts.sqrt(abs(a - a.mean(axis=0))) * 2.0).cumsum(axis=1)[::3].sum(axis=0, keepdims=True)


def _expected(x):
    return (np.sqrt(np.abs(x - x.mean(axis=0))) * 2.0).cumsum(axis=1)[::3].sum(axis=0, keepdims=True)


def test_a_file_backed_expression_pickles_as_its_recipe_not_its_data(h5_input, tmp_path, monkeypatch):
    path, x = h5_input
    monkeypatch.chdir(path.parent)
    lazy = _expression(ts.open("in.h5:/x"))  # a relative address
    data = pickle.dumps(lazy)
    assert len(data) < 4000, len(data)  # the input is 1.6 MB
    assert str(path).encode() in data  # made absolute
    monkeypatch.chdir(tmp_path.parent)
    loaded = pickle.loads(data)
    assert (loaded.shape, loaded.dtype, loaded.chunks) == (lazy.shape, lazy.dtype, lazy.chunks)
    assert_same(loaded.compute(), _expected(x))
    np.testing.assert_array_equal(loaded.compute(), lazy.compute())


def test_every_kind_of_array_round_trips(tmp_path, rng):
    x = rng.normal(size=(6, 5)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    a = ts.from_numpy(x, chunks=(4, 2))
    cases = [
        a,  # values in memory pickle their values
        ts.open(str(tmp_path / "x.npy")),
        a.T[1:, ::-2] + 1,
        ts.where(a > 0, a, np.float32(0.5)),
        ts.concatenate([a, a], axis=0).rechunk((3, 5)),
        ts.random.normal(shape=(50,), chunks=7, seed=5),
        ts.arange(10, chunks=3) ** 2,
        a.astype("int16").max(axis=1),
        a.map_blocks(np.negative),
        np.cumsum(a, axis=0),  # through numpy's protocol
        (a > 0) & (a < 1),
        a @ a.T,
    ]
    for lazy in cases:
        loaded = pickle.loads(pickle.dumps(lazy))
        assert (loaded.shape, loaded.dtype, loaded.chunks) == (lazy.shape, lazy.dtype, lazy.chunks)
        np.testing.assert_array_equal(loaded.compute(), lazy.compute())


def test_pickling_values_in_memory_respects_the_budget():
    with ts.Context(memory="16MiB"):
        big = ts.from_numpy(np.zeros(1 << 20), chunks=1 << 16) + 1  # its input pickles as values
        pickle.dumps(big)
        huge = ts.from_numpy(np.zeros(1 << 20), chunks=1 << 16)
    with ts.Context(memory="4MiB"), pytest.raises(ts.BudgetError):
        pickle.dumps(huge)


def _total(array):
    with ts.Context(threads=1):
        return float(array.sum().compute())


def test_arrays_travel_to_a_spawned_process_pool(h5_input):
    path, x = h5_input
    a = ts.open(f"{path}:/x")
    parts = [a[i : i + 250] * 2 for i in range(0, 1000, 250)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        totals = pool.map(_total, parts, chunksize=1)
    np.testing.assert_allclose(totals, [2 * x[i : i + 250].sum() for i in range(0, 1000, 250)], rtol=1e-12)


def test_dask_from_array_on_a_process_cluster(h5_input):
    distributed = pytest.importorskip("distributed")
    da = pytest.importorskip("dask.array")
    path, x = h5_input
    a = ts.open(f"{path}:/x")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        env = {"TESSERA_NUM_THREADS": "1"}
        client.run(os.environ.update, env)
        d = da.from_array(abs(a - 1.0), chunks=(250, 200), asarray=True)
        total = d.sum().compute()
        np.testing.assert_allclose(total, np.abs(x - 1.0).sum(), rtol=1e-12)
        np.testing.assert_allclose(a.to_dask().mean(axis=0).compute(), x.mean(axis=0), rtol=1e-12)
        assert all(info["nthreads"] == 1 for info in client.scheduler_info()["workers"].values())
