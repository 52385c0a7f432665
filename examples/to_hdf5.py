"""Writing an array to HDF5 at four chunk shapes, with dask.array and with tessera.

dask's classic ``x.to_hdf5('myfile.hdf5', '/x')``: a 4000x4000 float64 array (128 MB)
is written, uncompressed, into a new HDF5 dataset whose chunks are the array's chunks:
(1000, 1000), (4000, 100), (250, 250) and (100, 100), from 16 to 1600 chunks. Both
engines get the same random numpy array (so that the files can be compared):
``da.from_array(x, chunks=c).to_hdf5(path, '/x')`` against
``ts.from_numpy(x, chunks=c).to_hdf5(path, '/x', chunks=c)``. Each timed run wraps the
array and writes a new file (the old one is removed, untimed). The files are read back
with h5py and checked against ``x`` and the chunk shape first.

    .venv/bin/python examples/to_hdf5.py [--quick] [--n 4000] [--repeat 3]
"""

from __future__ import annotations

import os
import tempfile

import dask.array as da
import h5py
import numpy as np

import tessera as ts
from _timing import check, finish, parser, race, table, use_dask_threads


def main() -> None:
    p = parser(__doc__, repeat=3)
    p.add_argument("--n", type=int, default=None, help="array side (default 4000, 400 with --quick)")
    p.add_argument("--dir", default=None, help="where the files go (default: a new temporary directory)")
    args = finish(p.parse_args())
    n = args.n or (400 if args.quick else 4000)
    # The chunk shapes for n = 4000, scaled with n.
    chunk_shapes = [(n // 4, n // 4), (n, n // 40), (n // 16, n // 16), (n // 40, n // 40)]

    x = np.random.default_rng(42).random((n, n))
    use_dask_threads(args.threads)
    rows = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp, \
            ts.Context(memory=args.memory, threads=args.threads):
        paths = {"dask": os.path.join(tmp, "dask.h5"), "tessera": os.path.join(tmp, "tessera.h5")}

        def remove():
            for path in paths.values():
                if os.path.exists(path):
                    os.remove(path)

        for c in chunk_shapes:
            def with_dask():
                da.from_array(x, chunks=c).to_hdf5(paths["dask"], "/x")

            def with_tessera():
                ts.from_numpy(x, chunks=c).to_hdf5(paths["tessera"], "/x", chunks=c)

            case = f"to_hdf5 {n}x{n} float64 in chunks {c} ({(n // c[0]) * (n // c[1])} chunks)"
            remove()
            with_dask()
            with_tessera()
            for engine, path in paths.items():
                with h5py.File(path, "r") as f:
                    check(f"{case} [{engine}]", f["x"][...], x)
                    check(f"{case} [{engine}] chunks", f["x"].chunks, c)
            best = race({"dask": with_dask, "tessera": with_tessera}, args.repeat, setup=remove)
            rows.append((case, best["dask"], best["tessera"]))
        remove()
    print(table("to_hdf5: an array written to a new HDF5 file", rows, args))


if __name__ == "__main__":
    main()
