"""Generator and numpy oracle of tessera's differential test (tests/differential.rs).

    oracle.py --seed S --count N --dir DIR --functions sum,prod,...

writes N cases into DIR: random inputs (store.py) in random formats, a random expression
rendered twice (tessera's language and the numpy code numpy 2 evaluates), and numpy's
answer: `DIR/cases.jsonl`, one JSON object a line:

    {"id", "expr", "numpy", "inputs": [{"name", "address", "format", "dtype", "shape",
     "values"}], "expected": path | null, "bound": path | null,
     "error": null | {"type", "message"}, "shape_unreliable": bool}

`bound` (bounds.py) is the per-element tolerance of float results; no bound means exact.
Only the functions named in --functions (the engine's registry) are generated.
The numpy code may call the helpers `count` and `map_overlap` of helpers.py (tessera's
`count` is xarray's; `map_overlap` computes dask's window functions with numpy.pad).
"""

import argparse
import json
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bounds as B  # noqa: E402
import exprgen  # noqa: E402
from helpers import count, map_overlap  # noqa: E402
import store  # noqa: E402


SUPPORTED = set(store.DTYPES)


def excerpt(arr, limit=12):
    flat = np.asarray(arr).ravel()
    items = [repr(v.item()) for v in flat[:limit]]
    return "[" + ", ".join(items) + (", ..." if flat.size > limit else "") + "]"


def make_inputs(rng, case_dir):
    nd = int(rng.choice([0, 1, 2, 3], p=[0.08, 0.3, 0.37, 0.25]))
    dims = [0, 1, 2, 3, 4, 5, 6]
    dim_p = [0.04, 0.12, 0.2, 0.22, 0.2, 0.12, 0.1]
    base = tuple(int(rng.choice(dims, p=dim_p)) for _ in range(nd))
    n = int(rng.choice([1, 2, 3], p=[0.35, 0.45, 0.2]))
    chain = None
    if rng.random() < 0.3:  # shapes that chain for matmul/einsum/tensordot: (m,k) (k,n) (n,p)
        d = [int(x) for x in rng.integers(1, 6, 5)]
        chain = [(d[0], d[1]), (d[1], d[2]), (d[2], d[3])]
        if rng.random() < 0.3:
            chain = [(d[4],) + s for s in chain]
        elif rng.random() < 0.3:
            chain[2] = (d[2],)
        n = int(rng.choice([2, 3]))
    env, meta = {}, []
    for k, name in enumerate("abc"[:n]):
        shape = base if chain is None else chain[k]
        r = rng.random() if chain is None else 1.0
        if r < 0.15 and nd > 0:
            shape = base[int(rng.integers(1, nd + 1)):]
        elif r < 0.3 and nd > 0:
            shape = tuple(1 if rng.random() < 0.5 else d for d in base)
        dtype = str(rng.choice(store.DTYPES, p=np.array(store.DTYPE_WEIGHTS) / sum(store.DTYPE_WEIGHTS)))
        arr = store.values(rng, dtype, shape)
        address, fmt = store.write(rng, arr, os.path.join(case_dir, name))
        env[name] = arr
        meta.append({"name": name, "address": address, "format": fmt, "dtype": dtype,
                     "shape": list(shape), "values": excerpt(arr)})
    return env, meta


def evaluate(src, env):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return eval(src, env)  # noqa: S307 - our own generated numpy code
        except Exception as e:  # noqa: BLE001 - numpy's refusal is the expected outcome
            return e


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--functions", default="")
    args = ap.parse_args()
    functions = set(f for f in args.functions.split(",") if f)
    rng = np.random.default_rng(args.seed)
    out = open(os.path.join(args.dir, "cases.jsonl"), "w")
    accepted = 0
    gen_errors = []
    for i in range(args.count):
        case_dir = os.path.join(args.dir, f"c{i:05d}")
        os.makedirs(case_dir)
        env, meta = make_inputs(rng, case_dir)
        scope = {"np": np, "count": count, "map_overlap": map_overlap, **env}
        gen = exprgen.Gen(rng, functions, env, lambda src: evaluate(src, scope))
        node = None
        for attempt in range(12):
            try:
                cand = gen.root()
            except B.Unreliable:
                continue
            except Exception as e:  # noqa: BLE001 - a generator bug must not stop the campaign
                gen_errors.append(f"case {i}: {type(e).__name__}: {e}")
                continue
            if cand is None:
                continue
            val = cand.val
            if isinstance(val, Exception):
                # keep some of numpy's refusals: about 1 case in 5 ends up one
                if rng.random() < 0.2 or attempt == 11:
                    node = cand
                    break
                continue
            a = np.asarray(val)
            if str(a.dtype) not in SUPPORTED or a.size > 20000 or cand.lit:
                continue
            node = cand
            break
        if node is None:
            node = gen.leaf()
        record = {"id": f"c{i:05d}", "expr": node.tess, "numpy": node.npy, "inputs": meta,
                  "expected": None, "bound": None, "error": None,
                  "shape_unreliable": bool(node.shape_unreliable)}
        if isinstance(node.val, Exception):
            record["error"] = {"type": type(node.val).__name__, "message": str(node.val)}
        else:
            accepted += 1
            a = np.array(np.asarray(node.val), order="C")  # ascontiguousarray makes 0-d 1-d
            path = os.path.join(case_dir, "expected.npy")
            np.save(path, a)
            record["expected"] = path
            if node.err is not None and a.dtype.kind in "fbiu":
                err = np.broadcast_to(np.asarray(node.err, dtype=np.float64), a.shape)
                err = np.where(np.isnan(err), np.inf, err)  # a bound we could not compute
                if np.any(err != 0):
                    bpath = os.path.join(case_dir, "bound.npy")
                    np.save(bpath, np.array(err, order="C"))
                    record["bound"] = bpath
        out.write(json.dumps(record) + "\n")
    out.close()
    print(f"oracle: {args.count} cases, numpy answers {accepted}", file=sys.stderr)
    if gen_errors:
        print(f"oracle: {len(gen_errors)} generator errors, first: {gen_errors[0]}", file=sys.stderr)


if __name__ == "__main__":
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()
