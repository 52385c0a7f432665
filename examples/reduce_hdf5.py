"""Reductions over an HDF5 file larger than tessera's memory budget, dask.array vs tessera.

dask's classic out-of-core example: h5py writes a chunked, uncompressed float64
dataset (default 1.5 GB in chunks of (1000, 1000), six times the 256 MiB budget) into a
temporary directory; then each engine computes ``x.sum()``, ``x.mean(axis=0)`` and
``x.std()`` over it:

    with h5py.File(path) as f:                               # dask
        x = da.from_array(f["x"], chunks=f["x"].chunks)
        x.sum().compute()
    with ts.Context(memory="256MiB", threads=2):             # tessera
        ts.open(f"{path}:/x").sum().compute()

dask reads in the file's chunks, as tessera does (``--dask-chunks auto`` gives dask its
``chunks="auto"`` of about 128 MiB instead). Each timed run opens the file; the file is
on disk and in the page cache (written and fsynced before timing). The two engines'
results are checked against each other first.

    .venv/bin/python examples/reduce_hdf5.py [--quick] [--size 1.5] [--repeat 3]
"""

from __future__ import annotations

import os
import tempfile
import time

import dask.array as da
import h5py
import numpy as np

import tessera as ts
from _timing import check, finish, parser, race, table, use_dask_threads

REDUCTIONS = {
    "x.sum()": lambda x: x.sum(),
    "x.mean(axis=0)": lambda x: x.mean(axis=0),
    "x.std()": lambda x: x.std(),
}


def generate(path: str, rows: int, cols: int, chunks: tuple[int, int]) -> None:
    """A seeded random float64 dataset ``/x`` of ``rows`` x ``cols`` in ``chunks``,
    written by h5py in row blocks of whole chunks and fsynced."""
    rng = np.random.default_rng(42)
    block = max(chunks[0], (64 << 20) // (8 * cols) // chunks[0] * chunks[0])
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("x", shape=(rows, cols), dtype="f8", chunks=chunks)
        for start in range(0, rows, block):
            stop = min(rows, start + block)
            ds[start:stop] = rng.random((stop - start, cols))
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def main() -> None:
    p = parser(__doc__, repeat=3)
    p.add_argument("--size", type=float, default=None,
                   help="dataset size in GB (default 1.5, 0.01 with --quick)")
    p.add_argument("--cols", type=int, default=None, help="columns (default 4000, 400 with --quick)")
    p.add_argument("--chunks", default=None,
                   help="the file's chunk shape ROWS,COLS (default 1000,1000; 100,100 with --quick)")
    p.add_argument("--dask-chunks", choices=["file", "auto"], default="file",
                   help="dask's chunks: the file's (default) or chunks='auto'")
    p.add_argument("--dir", default=None, help="where the file goes (default: a new temporary directory)")
    args = p.parse_args()
    if args.quick and args.memory == p.get_default("memory"):
        args.memory = "4MiB"  # still smaller than the file
    args = finish(args)
    size = args.size or (0.01 if args.quick else 1.5)
    cols = args.cols or (400 if args.quick else 4000)
    chunks = tuple(int(c) for c in (args.chunks or ("100,100" if args.quick else "1000,1000")).split(","))
    rows = max(chunks[0], round(size * 1e9 / (8 * cols) / chunks[0]) * chunks[0])

    use_dask_threads(args.threads)
    rows_out = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = os.path.join(tmp, "data.h5")
        start = time.perf_counter()
        generate(path, rows, cols, chunks)
        nbytes = rows * cols * 8
        print(f"wrote {path}: {rows}x{cols} float64 ({nbytes / 1e9:.2f} GB) in chunks {chunks}, "
              f"in {time.perf_counter() - start:.1f} s; tessera's budget is {args.memory}")

        with ts.Context(memory=args.memory, threads=args.threads) as ctx:
            if nbytes <= ctx.memory:
                print(f"note: the file ({nbytes} bytes) fits the budget ({ctx.memory} bytes)")
            for name, reduce in REDUCTIONS.items():
                def with_dask():
                    with h5py.File(path, "r") as f:
                        dset = f["x"]
                        dchunks = dset.chunks if args.dask_chunks == "file" else "auto"
                        return reduce(da.from_array(dset, chunks=dchunks)).compute()

                def with_tessera():
                    return reduce(ts.open(f"{path}:/x")).compute()

                case = f"{name}, {nbytes / 1e9:.2f} GB in chunks {chunks}"
                if args.dask_chunks == "auto":
                    case += " (dask chunks='auto')"
                check(case, with_tessera(), with_dask())
                best = race({"dask": with_dask, "tessera": with_tessera}, args.repeat)
                rows_out.append((case, best["dask"], best["tessera"]))
    print(table(f"reduce_hdf5: reductions over an HDF5 file, tessera budget {args.memory}", rows_out, args))


if __name__ == "__main__":
    main()
