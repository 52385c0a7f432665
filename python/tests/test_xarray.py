"""The xarray backend: ``xr.open_dataset(p, engine="tessera")`` gives the dataset that
xarray's own engines give for the same file (netcdf4 and h5netcdf for netCDF-4, zarr
for Zarr v2 and v3), lazily, with the storage chunks as ``preferred_chunks``."""

import glob
import os
import warnings

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
netCDF4 = pytest.importorskip("netCDF4")


@pytest.fixture
def netcdf(tmp_path):
    """A netCDF-4 file with coordinates, packed int16 data (float32 scale_factor),
    a _FillValue, times, an unlimited dimension, a 2-D variable named like none of
    its axes, global attributes and a group."""
    path = str(tmp_path / "model.nc")
    with netCDF4.Dataset(path, "w") as nc:
        nc.title = "model run"
        nc.version = np.int32(3)
        nc.createDimension("time", None)
        nc.createDimension("lat", 5)
        nc.createDimension("lon", 4)
        t = nc.createVariable("time", "f8", ("time",))
        t.units = "days since 2000-01-01"
        t[:] = np.arange(6)
        lat = nc.createVariable("lat", "f4", ("lat",))
        lat.units = "degrees_north"
        lat[:] = np.linspace(-60, 60, 5)
        v = nc.createVariable("t2m", "i2", ("time", "lat", "lon"), fill_value=-32767, chunksizes=(2, 5, 2), zlib=True)
        v.scale_factor = np.float32(0.01)
        v.add_offset = np.float32(273.15)
        v.units = "K"
        v.valid_range = np.array([-30000, 30000], "i2")
        data = np.arange(120, dtype="i2").reshape(6, 5, 4) * 7
        v[:] = data
        v[0, 0, 0] = np.ma.masked
        m = nc.createVariable("mask", "u1", ("lat", "lon"))
        m[:] = np.arange(20).reshape(5, 4) % 2
        g = nc.createGroup("sub")
        g.note = "inner"
        g.createDimension("z", 3)
        g.createVariable("depth", "f8", ("z",))[:] = [1.0, 2.0, 3.0]
    return path


@pytest.mark.parametrize("engine", ["netcdf4", "h5netcdf"])
def test_netcdf_opens_as_xarrays_engines_open_it(netcdf, engine):
    got = xr.open_dataset(netcdf, engine="tessera")
    want = xr.open_dataset(netcdf, engine=engine)
    xr.testing.assert_identical(got.load(), want.load())
    assert got["t2m"].dtype == want["t2m"].dtype == np.float32
    assert got["t2m"].encoding["preferred_chunks"] == {"time": 2, "lat": 5, "lon": 2}


def test_groups_open_with_their_own_variables_and_attributes(netcdf):
    got = xr.open_dataset(netcdf, engine="tessera", group="sub")
    want = xr.open_dataset(netcdf, engine="h5netcdf", group="sub")
    xr.testing.assert_identical(got.load(), want.load())


def test_variables_are_lazy_and_read_by_box(netcdf):
    ds = xr.open_dataset(netcdf, engine="tessera")
    assert not ds["t2m"].variable._in_memory
    want = xr.open_dataset(netcdf, engine="netcdf4")
    box = ds["t2m"].isel(time=slice(1, 5, 2), lat=3)
    xr.testing.assert_identical(box.load(), want["t2m"].isel(time=slice(1, 5, 2), lat=3).load())


def test_undecoded_values_are_the_stored_integers(netcdf):
    got = xr.open_dataset(netcdf, engine="tessera", mask_and_scale=False, decode_times=False)
    want = xr.open_dataset(netcdf, engine="netcdf4", mask_and_scale=False, decode_times=False)
    xr.testing.assert_identical(got.load(), want.load())
    assert got["t2m"].dtype == np.int16


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zarr_stores_open_as_xarrays_zarr_engine_opens_them(tmp_path, zarr_format):
    store = str(tmp_path / f"data{zarr_format}.zarr")
    ds = xr.Dataset(
        {
            "temperature": (("time", "x"), np.arange(12.0).reshape(3, 4), {"units": "K", "missing": np.nan}),
            "counts": (("x",), np.array([1, 2, 3, 4], "i4")),
        },
        coords={"x": [10, 20, 30, 40]},
        attrs={"title": "zarr"},
    )
    ds.to_zarr(store, zarr_format=zarr_format, consolidated=False)
    got = xr.open_dataset(store, engine="tessera")
    want = xr.open_dataset(store, engine="zarr", consolidated=False)
    xr.testing.assert_identical(got.load(), want.load())


def test_unreadable_variables_are_left_out_with_a_warning(tmp_path):
    path = str(tmp_path / "strings.nc")
    with netCDF4.Dataset(path, "w") as nc:
        nc.createDimension("n", 2)
        nc.createVariable("name", str, ("n",))[:] = np.array(["a", "bc"], dtype=object)
        nc.createVariable("value", "f8", ("n",))[:] = [1.0, 2.0]
    with pytest.warns(UserWarning, match="'name' is not read"):
        ds = xr.open_dataset(path, engine="tessera")
    assert list(ds.data_vars) == ["value"]


def test_engine_is_found_by_the_entry_point(netcdf):
    assert "tessera" in xr.backends.list_engines()
    # guess_can_open: netCDF, HDF5, Zarr and .npy paths.
    backend = xr.backends.list_engines()["tessera"]
    assert backend.guess_can_open(netcdf) and backend.guess_can_open("x.zarr/")
    assert not backend.guess_can_open("x.csv")


PUBLIC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "fixtures", "public")


def test_public_netcdf_files_match_the_netcdf4_engine(tmp_path):
    """The real netCDF files of the public fixtures (xarray's and netCDF4-python's test
    data), unpacked: identical to engine netcdf4, string variables aside."""
    import tarfile

    tarballs = [os.path.join(PUBLIC, t) for t in ("xrdata.tar.gz", "nc4py.tar.gz")]
    if not all(os.path.exists(t) for t in tarballs):
        pytest.skip("../shared/fixtures/public is absent")
    for tarball in tarballs:
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp_path, filter="data")
    checked = 0
    for path in sorted(glob.glob(str(tmp_path / "**" / "*.nc"), recursive=True)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                want = xr.open_dataset(path, engine="netcdf4").load()
            except Exception:  # noqa: BLE001 - files xarray itself cannot decode
                continue
            got = xr.open_dataset(path, engine="tessera").load()
        strings = [n for n in want.variables if want[n].dtype.kind in "SUO"]
        xr.testing.assert_identical(got, want.drop_vars(strings))
        checked += 1
    assert checked >= 8
