"""Files written by h5py, zarr-python and numpy opened with ts.open, and tessera's
writers read back by them; errors as Python exceptions."""

import h5py
import numpy as np
import pytest
import zarr

import tessera as ts
from conftest import assert_same


@pytest.fixture
def grid(rng):
    return rng.normal(size=(40, 30)).astype(np.float32)


def test_open_hdf5_written_by_h5py(tmp_path, grid):
    path = tmp_path / "in.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("g/t2m", data=grid, chunks=(16, 10), compression="gzip", shuffle=True)
    a = ts.open(f"{path}:/g/t2m")
    assert a.shape == grid.shape and a.dtype == grid.dtype and a.chunks == (16, 10)
    assert_same(a.compute(), grid)
    assert_same(a.max(axis=0).compute(), grid.max(axis=0))


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_open_zarr_written_by_zarr_python(tmp_path, zarr_format):
    x = np.arange(600, dtype=np.int32).reshape(20, 30)
    path = tmp_path / "in.zarr"
    group = zarr.open_group(str(path), mode="w", zarr_format=zarr_format)
    group.create_array("a", shape=x.shape, dtype=x.dtype, chunks=(7, 11))[...] = x
    a = ts.open(f"{path}:/a")
    assert a.chunks == (7, 11)
    assert_same(a.compute(), x)
    assert_same((a[::2] * 2).sum(axis=1).compute(), (x[::2] * 2).sum(axis=1))


def test_open_npy(tmp_path):
    x = np.arange(24, dtype=">i2").reshape(4, 6)  # big-endian on disk
    np.save(tmp_path / "x.npy", x)
    assert_same(ts.open(str(tmp_path / "x.npy")).compute(), x.astype("<i2"))


@pytest.mark.parametrize("version", [2, 3])
def test_to_zarr_read_back_by_zarr_python(tmp_path, grid, version):
    a = ts.from_numpy(grid, chunks=(16, 16))
    (a * 2).to_zarr(str(tmp_path / "out.zarr"), chunks=(10, 10), codec="zstd:3", zarr_version=version)
    z = zarr.open_array(str(tmp_path / "out.zarr"), mode="r")
    assert z.chunks == (10, 10) and z.metadata.zarr_format == version
    assert_same(z[...], grid * 2)
    (a + 1).to_zarr(str(tmp_path / "g.zarr"), "sub/b")
    assert_same(zarr.open_array(str(tmp_path / "g.zarr"), path="sub/b", mode="r")[...], grid + 1)


def test_to_hdf5_read_back_by_h5py(tmp_path, grid):
    a = ts.from_numpy(grid, chunks=(16, 16))
    a.to_hdf5(str(tmp_path / "out.h5"), "/x", chunks=(20, 15), codec="gzip:4")
    a.mean(axis=0).to_hdf5(f"{tmp_path / 'out.h5'}:/m")
    with h5py.File(tmp_path / "out.h5", "r") as f:
        assert f["x"].chunks == (20, 15)
        assert_same(f["x"][...], grid)
        assert_same(f["m"][...], grid.mean(axis=0, dtype=np.float64).astype(np.float32))
    with pytest.raises(FileExistsError):
        a.to_hdf5(str(tmp_path / "out.h5"), "/x")
    (a * 0).to_hdf5(str(tmp_path / "out.h5"), "/x", overwrite=True)
    with h5py.File(tmp_path / "out.h5", "r") as f:
        assert float(f["x"][...].sum()) == 0.0


def test_to_npy_read_back_by_numpy(tmp_path, grid):
    a = ts.from_numpy(grid, chunks=7)
    a.T.to_npy(str(tmp_path / "t.npy"))
    assert_same(np.load(tmp_path / "t.npy"), grid.T)


def test_store_many_in_one_pass(tmp_path, grid):
    a = ts.from_numpy(grid, chunks=(10, 10))
    ts.store([a + 1, a * 3], [str(tmp_path / "p.npy"), str(tmp_path / "q.zarr")])
    assert_same(np.load(tmp_path / "p.npy"), grid + 1)
    assert_same(zarr.open_array(str(tmp_path / "q.zarr"), mode="r")[...], grid * 3)


def test_compute_many_and_explain(grid):
    a = ts.from_numpy(grid, chunks=(10, 10))
    total, top = ts.compute(a.sum(), a.max(axis=0))
    np.testing.assert_allclose(total, grid.sum(dtype=np.float64), rtol=1e-6)
    assert_same(top, grid.max(axis=0))
    assert not total.flags.owndata and not top.flags.owndata
    assert "tasks" in a.sum().explain()
    assert "output 1 alone" in ts.explain(a.sum(), a.max(axis=0))


def test_error_types(tmp_path):
    with pytest.raises(ValueError, match="bad address"):
        ts.open("no-extension")
    with pytest.raises(FileNotFoundError, match="missing.h5"):
        ts.open(str(tmp_path / "missing.h5") + ":/x")
    with h5py.File(tmp_path / "s.h5", "w") as f:
        f["c"] = np.zeros(3, dtype=np.complex64)
    with pytest.raises(TypeError, match="unsupported dtype"):
        ts.open(f"{tmp_path / 's.h5'}:/c")
    with pytest.raises(TypeError, match="unsupported dtype"):
        ts.from_numpy(np.zeros(3, dtype=np.complex64))
    big = ts.from_numpy(np.zeros(1 << 20))  # 8 MiB
    with ts.Context(memory="2MiB", threads=1):
        with pytest.raises(ts.BudgetError) as refused:
            big.compute()
    assert isinstance(refused.value, MemoryError)
    assert "\n" not in str(refused.value) and "budget" in str(refused.value)
