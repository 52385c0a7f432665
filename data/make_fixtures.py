#!/usr/bin/env python3
"""Writes tessera's own interoperability fixtures with the reference implementations.

    python data/make_fixtures.py        (from the checkout, with the packages of scripts/requirements.txt)

Every array is written by h5py/libhdf5, netCDF4-python/netCDF-C, zarr-python 3 (Zarr
v2 and v3 formats) or numpy, then read back with the same library; what that reader
returns is saved under data/expected/ as a plain .npy, and listed in data/manifest.json
(same schema as ../shared/fixtures/manifest.json). Entries with "expected": null hold
data a numeric engine must refuse (strings). Files under data/negative/ must all be
refused. The output is deterministic: fixed seeds, no timestamps in HDF5 objects.
"""

import gzip
import json
import shutil
from pathlib import Path

import h5py
import netCDF4
import numcodecs
import numpy as np
import zarr
from zarr.codecs import (
    BloscCodec,
    BytesCodec,
    GzipCodec,
    TransposeCodec,
    ZstdCodec,
)

HERE = Path(__file__).resolve().parent

# gzip streams carry a timestamp; pin it to 0 so that reruns write identical bytes.
_gzip_init = gzip.GzipFile.__init__
_gzip_compress = gzip.compress


def _gzip_init_at_epoch(self, *args, mtime=None, **kwargs):
    _gzip_init(self, *args, mtime=0 if mtime is None else mtime, **kwargs)


gzip.GzipFile.__init__ = _gzip_init_at_epoch
gzip.compress = lambda data, compresslevel=9, *, mtime=None: _gzip_compress(
    data, compresslevel, mtime=0 if mtime is None else mtime)
EXPECTED = HERE / "expected"
MANIFEST = []


def rng(seed):
    return np.random.default_rng(seed)


def expected_name(path, array):
    flat = (path + "__" + array).replace("/", "__")
    return f"expected/{flat}.npy"


def record(fmt, path, array, values, chunks, codec, note=None):
    """Adds a manifest entry; `values` is what the reference reader read (None: refused)."""
    entry = {"format": fmt, "path": path, "array": array}
    if values is not None:
        name = expected_name(path, array)
        np.save(HERE / name, np.array(values, order="C"))  # keeps 0-d arrays 0-d
        entry.update(dtype=values.dtype.str, shape=list(values.shape))
    else:
        name = None
    entry.update(chunks=chunks, codec=codec, expected=name)
    if note:
        entry["note"] = note
    MANIFEST.append(entry)


def special_floats(dtype, shape, seed):
    """Random values with NaN, infinities, -0.0 and a subnormal mixed in."""
    values = rng(seed).normal(0, 1e3, size=shape).astype(dtype)
    flat = values.reshape(-1)
    tiny = np.finfo(dtype).smallest_subnormal
    specials = [np.nan, np.inf, -np.inf, -0.0, tiny]
    flat[: len(specials)] = np.array(specials, dtype=dtype)
    return values


# ----- HDF5 ---------------------------------------------------------------------------

def hdf5_fixtures():
    path = "hdf5/tessera.h5"
    target = HERE / path
    target.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(target, "w", libver="earliest", track_order=False) as f:
        f.attrs["title"] = "tessera interop fixtures"
        made = {}

        def dataset(name, data, **kw):
            made[name] = kw
            return f.create_dataset(name, data=data, track_times=False, **kw)

        d = dataset("/contiguous/f8", special_floats(np.float64, (37, 23), 1))
        d.attrs["units"] = "kelvin"
        d.attrs["scale_factor"] = 0.5
        dataset("/contiguous/empty_f8", np.zeros((0, 5)))
        dataset("/contiguous/scalar_i8", np.array(-123456789012, dtype=np.int64))
        dataset("/chunked/i4_deflate", rng(2).integers(-2**31, 2**31 - 1, (50, 40), dtype=np.int32),
                chunks=(16, 16), compression="gzip", compression_opts=4)
        dataset("/chunked/f4_shuffle_deflate", special_floats(np.float32, (64, 33), 3),
                chunks=(10, 8), shuffle=True, compression="gzip", compression_opts=6)
        dataset("/chunked/u2_fletcher32", rng(4).integers(0, 2**16, 100, dtype=np.uint16),
                chunks=(30,), fletcher32=True)
        dataset("/chunked/f8_big_endian", rng(5).normal(size=(20, 30)).astype(">f8"),
                chunks=(7, 7), compression="gzip")
        dataset("/chunked/u1_3d", rng(6).integers(0, 256, (5, 6, 7), dtype=np.uint8),
                chunks=(2, 3, 4), shuffle=True, compression="gzip", compression_opts=9)
        sparse = f.create_dataset("/chunked/i2_missing_fill", shape=(40, 40), dtype=np.int16,
                                  chunks=(10, 10), fillvalue=-7, compression="gzip",
                                  track_times=False)
        sparse[3:12, 25:31] = rng(7).integers(-1000, 1000, (9, 6), dtype=np.int16)
        made["/chunked/i2_missing_fill"] = {"chunks": (10, 10), "compression": "gzip"}
        f.create_dataset("/strings/fixed", data=np.array([b"alpha", b"beta", b"gamma"], dtype="S5"),
                         track_times=False)
        f.create_dataset("/strings/vlen", data=["one", "two", "three"],
                         dtype=h5py.string_dtype(), track_times=False)

    with h5py.File(target, "r") as f:
        for name, kw in made.items():
            d = f[name]
            filters = [k for k in ("shuffle", "compression", "fletcher32") if d.__getattribute__(k)]
            record("hdf5", path, name, d[()], list(d.chunks) if d.chunks else None,
                   "+".join(str(d.__getattribute__(k)) if k == "compression" else k
                            for k in filters) or None)
        for name in ("/strings/fixed", "/strings/vlen"):
            record("hdf5", path, name, None, None, None,
                   note="non-numeric dtype: a numeric engine must refuse it with a clear error")



def hdf5_chunk_index_fixtures():
    """One dataset per HDF5 chunk-index type of the latest file format (1.10+): single
    chunk, implicit, fixed array, extensible array and version 2 B-tree. The earliest
    format's version 1 B-tree is in hdf5/tessera.h5."""
    path = "hdf5/chunk_indexes.h5"
    target = HERE / path
    made = {}
    with h5py.File(target, "w", libver="latest", track_order=False) as f:
        def dataset(name, data, **kw):
            made[name] = kw
            return f.create_dataset(name, data=data, track_times=False, **kw)

        dataset("/single_chunk", rng(20).normal(size=(12, 9)), chunks=(12, 9),
                compression="gzip", shuffle=True)
        dataset("/fixed_array", rng(21).integers(-50, 50, (30, 20), dtype=np.int16),
                chunks=(7, 6), compression="gzip")
        ext = dataset("/extensible_array", rng(22).normal(size=(25, 12)).astype(np.float32),
                      chunks=(4, 5), maxshape=(None, 12), fletcher32=True)
        ext.resize((33, 12))
        ext[25:33] = rng(23).normal(size=(8, 12)).astype(np.float32)
        btree = dataset("/btree_v2", rng(24).integers(0, 1000, (15, 14), dtype=np.uint32),
                        chunks=(4, 4), maxshape=(None, None), compression="gzip")
        btree.resize((21, 17))
        # Implicit index: no filters, fixed shape, space allocated early.
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((5, 5))
        dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
        space = h5py.h5s.create_simple((11, 13))
        h5py.h5d.create(f.id, b"implicit", h5py.h5t.NATIVE_INT64, space, dcpl=dcpl)
        f["implicit"][...] = np.arange(11 * 13, dtype=np.int64).reshape(11, 13) * 3 - 100
        made["/implicit"] = {}
    with h5py.File(target, "r") as f:
        for name in made:
            d = f[name]
            filters = [k for k in ("shuffle", "compression", "fletcher32") if getattr(d, k)]
            record("hdf5", path, name, d[()], list(d.chunks),
                   "+".join(str(getattr(d, k)) if k == "compression" else k
                            for k in filters) or None)


# ----- netCDF4 ------------------------------------------------------------------------

def netcdf_fixtures():
    path = "netcdf4/tessera.nc"
    target = HERE / path
    target.parent.mkdir(parents=True, exist_ok=True)
    with netCDF4.Dataset(target, "w", format="NETCDF4") as nc:
        nc.title = "tessera interop fixture"
        nc.createDimension("time", None)
        nc.createDimension("lat", 20)
        nc.createDimension("lon", 30)
        lat = nc.createVariable("lat", "f8", ("lat",))
        lat[:] = np.linspace(-47.5, 47.5, 20)
        lat.units = "degrees_north"
        lon = nc.createVariable("lon", "f8", ("lon",))
        lon[:] = np.linspace(0, 348, 30)
        temp = nc.createVariable("temp", "f4", ("time", "lat", "lon"), zlib=True, complevel=4,
                                 shuffle=True, chunksizes=(2, 10, 15), fill_value=-9999.0)
        temp.units = "K"
        temp[0:6] = (rng(10).normal(280, 15, (6, 20, 30))).astype(np.float32)
        packed = nc.createVariable("packed", "i2", ("lat", "lon"), zlib=True, chunksizes=(8, 8))
        packed.scale_factor = 0.01
        packed.set_auto_maskandscale(False)
        packed[:] = rng(11).integers(-30000, 30000, (20, 30), dtype=np.int16)
        sparse = nc.createVariable("sparse", "i4", ("lat", "lon"), zlib=True,
                                   chunksizes=(5, 5), fill_value=-999)
        sparse[0:5, 10:20] = rng(12).integers(0, 100, (5, 10), dtype=np.int32)

    with netCDF4.Dataset(target, "r") as nc:
        nc.set_auto_maskandscale(False)
        for name in ("lat", "lon", "temp", "packed", "sparse"):
            var = nc.variables[name]
            chunking = var.chunking()
            filters = var.filters()
            codec = "+".join(k for k in ("shuffle", "zlib") if filters.get(k)) or None
            record("netcdf4", path, "/" + name, np.asarray(var[...]),
                   None if chunking == "contiguous" else list(chunking), codec)


# ----- Zarr ---------------------------------------------------------------------------

def zarr_record(fmt, path, name, arr, codec):
    read = zarr.open_array(HERE / path, path=name, mode="r")
    record(fmt, path, name, read[...], list(read.chunks), codec)


def zarr2_fixtures():
    path = "zarr2.zarr"
    root = zarr.open_group(HERE / path, mode="w", zarr_format=2)
    root.attrs["title"] = "tessera zarr v2 fixtures"

    def array(name, data, codec, **kw):
        a = root.create_array(name, shape=data.shape, dtype=data.dtype, **kw)
        if data.size:
            a[...] = data
        zarr_record("zarr2", path, name, a, codec)
        return a

    array("c_blosc_f8", special_floats(np.float64, (50, 30), 20), "blosc-lz4-shuffle",
          chunks=(16, 16), compressors=numcodecs.Blosc("lz4", 5, numcodecs.Blosc.SHUFFLE))
    array("f_zlib_i4", rng(21).integers(-10**6, 10**6, (21, 13), dtype=np.int32), "zlib",
          chunks=(8, 5), order="F", compressors=numcodecs.Zlib(level=3))
    array("be_u4_raw", rng(22).integers(0, 2**32, (17, 9), dtype=np.uint32).astype(">u4"),
          None, chunks=(5, 9), compressors=None)
    array("bool_gzip", rng(23).random((33,)) > 0.5, "gzip", chunks=(10,),
          compressors=numcodecs.GZip(level=5))
    array("f2_blosc_zstd", rng(24).normal(size=(12, 12)).astype(np.float16), "blosc-zstd",
          chunks=(5, 5), compressors=numcodecs.Blosc("zstd", 3, numcodecs.Blosc.BITSHUFFLE))
    array("scalar_f4", np.array(3.75, dtype=np.float32), None, chunks=(), compressors=None)

    sparse = root.create_array("missing_fill_i2", shape=(40, 40), dtype=np.int16,
                               chunks=(10, 10), fill_value=42,
                               compressors=numcodecs.Zlib(level=1))
    sparse[12:18, 0:9] = rng(25).integers(-500, 500, (6, 9), dtype=np.int16)
    zarr_record("zarr2", path, "missing_fill_i2", sparse, "zlib")

    strings = root.create_array("strings_U5", shape=(3,), dtype="<U5", chunks=(3,))
    strings[...] = np.array(["a", "bb", "ccc"])
    record("zarr2", path, "strings_U5", None, [3], None,
           note="non-numeric dtype: a numeric engine must refuse it with a clear error")


def zarr3_fixtures():
    path = "zarr3.zarr"
    root = zarr.open_group(HERE / path, mode="w", zarr_format=3)
    root.attrs["title"] = "tessera zarr v3 fixtures"

    def array(name, data, codec, fill=None, region=None, **kw):
        a = root.create_array(name, shape=data.shape, dtype=data.dtype,
                              fill_value=fill if fill is not None else 0, **kw)
        if region is None:
            a[...] = data
        else:
            a[region] = data[region]
        zarr_record("zarr3", path, name, a, codec)

    sharded = special_floats(np.float32, (64, 48), 30)
    sharded[32:64, 0:24] = 0  # one shard of fill only: never written
    sharded[0:8, 24:32] = 0   # one inner chunk of fill only: absent from its shard
    array("sharded_zstd_f4", sharded, "sharding(shard 32x24; zstd)", chunks=(8, 8), shards=(32, 24),
          compressors=ZstdCodec(level=3))
    array("ragged_sharded_i2", rng(31).integers(-999, 999, (45, 37), dtype=np.int16),
          "sharding(shard 8x10; gzip)", chunks=(4, 5), shards=(8, 10), compressors=GzipCodec(level=5))
    array("gzip_i8", rng(32).integers(-2**62, 2**62, (100,), dtype=np.int64), "gzip",
          chunks=(30,), compressors=GzipCodec(level=6))
    array("transpose_f8", rng(33).normal(size=(19, 11)), "transpose(1,0)+blosc",
          chunks=(8, 4), filters=[TransposeCodec(order=(1, 0))],
          compressors=BloscCodec(cname="zstd", clevel=3, shuffle="shuffle"))
    array("big_endian_i2", rng(34).integers(-2**15, 2**15, (23, 7), dtype=np.int16),
          "bytes(big)", chunks=(10, 7), serializer=BytesCodec(endian="big"), compressors=None)
    missing = rng(35).integers(0, 200, (30, 30), dtype=np.uint8)
    array("missing_fill_u1", missing, "zstd", fill=255, region=np.s_[0:10, 0:10],
          chunks=(10, 10), compressors=ZstdCodec(level=1))
    array("bool_blosc", rng(36).random((5, 6, 7)) > 0.3, "blosc",
          chunks=(2, 3, 4), compressors=BloscCodec(cname="lz4", clevel=5, shuffle="bitshuffle"))
    array("f2_raw", rng(37).normal(size=(40,)).astype(np.float16), None, chunks=(16,),
          compressors=None)

    strings = root.create_array("strings_vlen", shape=(3,), dtype=str, chunks=(3,))
    strings[...] = np.array(["x", "yy", "zzz"])
    record("zarr3", path, "strings_vlen", None, [3], "vlen-utf8",
           note="non-numeric dtype: a numeric engine must refuse it with a clear error")


# ----- .npy ---------------------------------------------------------------------------

def npy_fixtures():
    folder = HERE / "npy"
    folder.mkdir(parents=True, exist_ok=True)

    def save(name, values, version=None):
        path = f"npy/{name}.npy"
        with open(HERE / path, "wb") as f:
            np.lib.format.write_array(f, values, version=version, allow_pickle=False)
        record("npy", path, "", np.load(HERE / path), None, None)

    save("c_f8", special_floats(np.float64, (13, 7), 40))
    save("big_endian_i4", rng(41).integers(-2**31, 2**31 - 1, (9, 4), dtype=np.int32).astype(">i4"))
    save("fortran_f4", np.asfortranarray(special_floats(np.float32, (6, 5, 4), 42)))
    save("fortran_big_endian_u2",
         np.asfortranarray(rng(43).integers(0, 2**16, (11, 3), dtype=np.uint16).astype(">u2")))
    save("v2_header_b1", rng(44).random((3, 8)) > 0.5, version=(2, 0))
    save("scalar_i2", np.array(-321, dtype=np.int16))
    save("empty_u8", np.zeros((0, 3), dtype=np.uint64))


def negative_fixtures():
    folder = HERE / "negative"
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "strings.npy", np.array(["abc", "de"]))
    good = folder / "truncated.npy"
    np.save(good, np.arange(100, dtype=np.float64))
    good.write_bytes(good.read_bytes()[:-16])
    np.save(folder / "structured.npy", np.zeros(3, dtype=[("a", "<i4"), ("b", "<f8")]))
    (folder / "bad_header.npy").write_bytes(b"\x93NUMPY\x01\x00\x20\x00{'descr': '<f8', 'shape'  \n")
    with h5py.File(folder / "strings_only.h5", "w") as f:
        f.create_dataset("names", data=np.array([b"a", b"bc"], dtype="S2"), track_times=False)


def main():
    for name in ("expected", "hdf5", "netcdf4", "zarr2.zarr", "zarr3.zarr", "npy", "negative"):
        shutil.rmtree(HERE / name, ignore_errors=True)
    EXPECTED.mkdir()
    hdf5_fixtures()
    hdf5_chunk_index_fixtures()
    netcdf_fixtures()
    zarr2_fixtures()
    zarr3_fixtures()
    npy_fixtures()
    negative_fixtures()
    (HERE / "manifest.json").write_text(json.dumps(MANIFEST, indent=1) + "\n")
    total = sum(p.stat().st_size for p in HERE.rglob("*") if p.is_file())
    print(f"{len(MANIFEST)} manifest entries, {total} bytes under {HERE}")


if __name__ == "__main__":
    main()
