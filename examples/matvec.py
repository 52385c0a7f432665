"""A random matrix times a vector, with dask.array and with tessera, side by side.

dask's classic first example: a 1000x1000 random matrix, cut into chunks of (1000, 100)
(ten tasks) and of (10, 100) (a thousand tiny tasks, where dask's per-task overhead
dominates), times a vector. Both engines get the same numpy matrix (so that the results
can be compared exactly): ``da.from_array(x, chunks=c) @ v`` against
``ts.from_numpy(x, chunks=c) @ v``. Each timed run wraps the matrix and computes the
product, as a user would; the results are checked against numpy's ``x @ v`` first.

    .venv/bin/python examples/matvec.py [--quick] [--n 1000] [--repeat 5]
"""

from __future__ import annotations

import dask.array as da
import numpy as np

import tessera as ts
from _timing import check, finish, parser, race, table, use_dask_threads


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--n", type=int, default=None, help="matrix side (default 1000, 100 with --quick)")
    args = finish(p.parse_args())
    n = args.n or (100 if args.quick else 1000)
    # The classic chunks for n = 1000, scaled with n.
    chunk_shapes = [(n, max(1, n // 10)), (max(1, n // 100), max(1, n // 10))]

    rng = np.random.default_rng(42)
    x = rng.random((n, n))
    v = rng.random(n)
    expected = x @ v

    use_dask_threads(args.threads)
    rows = []
    with ts.Context(memory=args.memory, threads=args.threads):
        for c in chunk_shapes:
            def with_dask():
                return (da.from_array(x, chunks=c) @ v).compute()

            def with_tessera():
                return (ts.from_numpy(x, chunks=c) @ v).compute()

            case = f"x @ v, x {n}x{n} in chunks {c} ({(n // c[0]) * (n // c[1])} chunks)"
            check(case + " [dask]", with_dask(), expected)
            check(case + " [tessera]", with_tessera(), expected)
            best = race({"dask": with_dask, "tessera": with_tessera}, args.repeat)
            rows.append((case, best["dask"], best["tessera"]))
    print(table("matvec: random matrix times a vector", rows, args))


if __name__ == "__main__":
    main()
