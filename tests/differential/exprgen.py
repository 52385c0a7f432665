"""The expression generator: operators, element-wise functions, reductions and scans
(exprgen_shapes.py adds indexing, shape operations, linear algebra and stencils)."""

import operator
import os
import traceback

import numpy as np

import bounds as B
from exprgen_base import (ADD, AND, ATOM, BAND, BINOPS, BOR, CMP, CMPS, DISCRETE, DTYPE_ARG,
                          DTYPES, EXACT_BINARY, EXACT_UNARY, EXTREMES, FLOAT_LITERALS,
                          INEXACT_BINARY, INEXACT_UNARY, INT_LITERALS, METHODS, NOT, OR, PRODS,
                          SUMS, UNARY, VARS, Node, lit_text, n, t)
from exprgen_shapes import ShapeOps


class Gen(ShapeOps):
    def __init__(self, rng, functions, env, ev):
        self.rng, self.fns, self.env, self.ev = rng, functions, env, ev

    # ----- plumbing -------------------------------------------------------------------
    def r(self):
        return self.rng.random()

    def pick(self, items):
        return items[int(self.rng.integers(len(items)))]

    def has(self, name):
        return name in self.fns

    def make(self, tess, npy, prec, children, rule, lit=False, unreliable=False):
        val = self.ev(npy)
        node = Node(tess, npy, prec, val, lit=lit,
                    unreliable=unreliable or any(c.shape_unreliable for c in children))
        if node.ok and rule is not None and not any(not c.ok for c in children):
            try:
                node.err = rule(val)
            except B.Unreliable:
                raise
            except Exception as e:  # noqa: BLE001 - a bound we cannot compute: skip the values
                if os.environ.get("TESSERA_DIFF_DEBUG"):
                    traceback.print_exception(e)
                node.err = np.full(np.shape(val), np.inf)
        return node

    def ev_fn(self, fn):
        """fn() under numpy's error state of the oracle, or the exception it raises."""
        with np.errstate(all="ignore"):
            try:
                return fn()
            except Exception as e:  # noqa: BLE001 - a refusal is an answer here
                return e

    def leaf(self):
        name = self.pick(sorted(self.env))
        return Node(name, name, ATOM, self.env[name])

    def literal(self, like=None):
        kind = np.asarray(like.val).dtype.kind if like is not None and like.ok else "f"
        r = self.r()
        if r < 0.08:
            v = bool(self.r() < 0.5)
        elif r < 0.55 or kind in "iub" and r < 0.75:
            v = int(self.pick(INT_LITERALS[:7])) if self.r() < 0.6 else int(self.pick(INT_LITERALS))
            if self.r() < 0.3:
                v = -v
        elif r < 0.9:
            v = float(self.pick(FLOAT_LITERALS)) * (-1 if self.r() < 0.3 else 1)
        else:
            v = self.pick([float("nan"), float("inf"), float("-inf"), -0.0])
        tess, npy, prec = lit_text(v)
        if self.r() < 0.12:  # a literal-only subexpression, folded as Python does
            op = self.pick(["**", "//", "%", "/", "-", "*"])
            other = int(self.pick([0, 1, 2, 3, 64, 63, -1, -2]))
            o_t, o_n, o_p = lit_text(other)
            prec2, _ = BINOPS[op]
            lhs = Node(tess, npy, prec, None)
            rhs = Node(o_t, o_n, o_p, None)
            lt = t(lhs, ATOM if op == "**" else prec2)
            rt = t(rhs, UNARY if op == "**" else prec2 + 1)
            return self.make(f"{lt} {op} {rt}", f"{n(lhs)} {op} {n(rhs)}", prec2, [], None, lit=True)
        return Node(tess, npy, prec, self.ev(npy), lit=True)

    def operand(self, depth, like=None):
        if self.r() < 0.35:
            return self.literal(like)
        return self.array(depth)

    def array(self, depth):
        if depth <= 0 or self.r() < 0.15:
            return self.leaf()
        prods = [(self.binop, 14), (self.compare, 6), (self.logic, 3), (self.neg, 2),
                 (self.unary, 10), (self.binfunc, 5), (self.where, 3), (self.clip, 3),
                 (self.astype, 3), (self.reduction, 14), (self.scan, 4), (self.index, 9),
                 (self.shape_op, 7), (self.join, 3), (self.linalg, 12), (self.overlap, 5),
                 (self.take, 2), (self.attribute, 1)]
        weights = np.array([w for _, w in prods], dtype=float)
        for _ in range(6):
            f = prods[int(self.rng.choice(len(prods), p=weights / weights.sum()))][0]
            node = f(depth)
            if node is not None:
                return node
        return self.leaf()

    def root(self):
        return self.array(int(self.rng.integers(1, 4)))

    # ----- operators ------------------------------------------------------------------
    def binop(self, depth):
        op = self.pick(list(BINOPS))
        prec, fn = BINOPS[op]
        a = self.array(depth - 1)
        b = self.operand(depth - 1, like=a)
        if self.r() < 0.3:
            a, b = b, a
        if op == "**":
            tess = f"{t(a, ATOM)} ** {t(b, UNARY)}"
        else:
            tess = f"{t(a, prec)} {op} {t(b, prec + 1)}"
        inexact = op == "**"
        return self.make(tess, f"{n(a)} {op} {n(b)}", prec, [a, b],
                         lambda v: B.elementwise([a, b], fn, v, inexact, periodic=op == "%"))

    def compare(self, depth):
        op = self.pick(list(CMPS))
        a = self.array(depth - 1)
        b = self.operand(depth - 1, like=a)
        if self.r() < 0.25:
            a, b = b, a
        return self.make(f"{t(a, BOR)} {op} {t(b, BOR)}", f"{n(a)} {op} {n(b)}", CMP, [a, b],
                         lambda v: B.elementwise([a, b], CMPS[op], v))

    def logic(self, depth):
        a = self.array(depth - 1)
        kind = self.pick(["&", "|", "and", "or", "~", "not"])
        if kind in ("~", "not"):
            tess = f"~{t(a, UNARY)}" if kind == "~" else f"not {t(a, NOT)}"
            return self.make(tess, f"np.logical_not({a.npy})", UNARY if kind == "~" else NOT,
                             [a], lambda v: B.elementwise([a], np.logical_not, v))
        b = self.operand(depth - 1, like=a) if self.r() < 0.3 else self.array(depth - 1)
        prec = {"&": BAND, "|": BOR, "and": AND, "or": OR}[kind]
        fn = np.logical_and if kind in ("&", "and") else np.logical_or
        return self.make(f"{t(a, prec)} {kind} {t(b, prec + 1)}",
                         f"np.{fn.__name__}({a.npy}, {b.npy})", prec, [a, b],
                         lambda v: B.elementwise([a, b], fn, v))

    def neg(self, depth):
        a = self.array(depth - 1)
        return self.make(f"-{t(a, UNARY)}", f"-{n(a)}", UNARY, [a],
                         lambda v: B.elementwise([a], operator.neg, v))

    def unary(self, depth):
        names = [f for f in EXACT_UNARY + INEXACT_UNARY if self.has(f)]
        if not names:
            return None
        name = self.pick(names)
        a = self.array(depth - 1)
        fn = getattr(np, name)
        return self.make(f"{name}({a.tess})", f"np.{name}({a.npy})", ATOM, [a],
                         lambda v: B.elementwise([a], fn, v, name in INEXACT_UNARY, periodic=name == "tan"))

    def binfunc(self, depth):
        names = [f for f in EXACT_BINARY + INEXACT_BINARY if self.has(f)]
        if not names:
            return None
        name = self.pick(names)
        a = self.array(depth - 1)
        b = self.operand(depth - 1, like=a)
        if self.r() < 0.3:
            a, b = b, a
        fn = getattr(np, name)
        return self.make(f"{name}({a.tess}, {b.tess})", f"np.{name}({a.npy}, {b.npy})", ATOM,
                         [a, b], lambda v: B.elementwise([a, b], fn, v, name in INEXACT_BINARY,
                                                         periodic=name == "remainder"))

    def where(self, depth):
        if not self.has("where"):
            return None
        c = self.compare(depth - 1) if self.r() < 0.7 and depth > 1 else self.leaf()
        x = self.operand(depth - 1)
        y = self.operand(depth - 1, like=x)
        return self.make(f"where({c.tess}, {x.tess}, {y.tess})",
                         f"np.where({c.npy}, {x.npy}, {y.npy})", ATOM, [c, x, y],
                         lambda v: B.elementwise([c, x, y], np.where, v))

    def clip(self, depth):
        if not self.has("clip"):
            return None
        a = self.array(depth - 1)
        lo = None if self.r() < 0.25 else self.operand(depth - 2, like=a)
        hi = None if self.r() < 0.25 else self.operand(depth - 2, like=a)
        kids = [a] + [k for k in (lo, hi) if k is not None]

        def fn(x, *rest):
            it = iter(rest)
            return np.clip(x, None if lo is None else next(it), None if hi is None else next(it))
        lt = "None" if lo is None else lo.tess
        ht = "None" if hi is None else hi.tess
        ln = "None" if lo is None else lo.npy
        hn = "None" if hi is None else hi.npy
        return self.make(f"clip({a.tess}, {lt}, {ht})", f"np.clip({a.npy}, {ln}, {hn})", ATOM,
                         kids, lambda v: B.elementwise(kids, fn, v))

    def astype(self, depth):
        if not self.has("astype"):
            return None
        a = self.array(depth - 1)
        dt = self.pick(DTYPES)
        tess = f"{t(a, ATOM)}.astype({dt})" if self.r() < 0.5 else f"astype({a.tess}, {dt})"

        def rule(v):
            err = B.elementwise([a], lambda x: np.asarray(x).astype(dt), v)
            src = np.asarray(a.val)
            if src.dtype.kind == "f" and np.dtype(dt).kind in "iu":
                info = np.iinfo(dt)
                with np.errstate(all="ignore"):
                    undefined = ~np.isfinite(src) | (src <= float(info.min) - 1) | (src >= float(info.max) + 1)
                if undefined.any():  # numpy leaves these casts undefined (docs/dask.md)
                    err = np.zeros(np.shape(v)) if err is None else err
                    err = np.where(undefined, np.inf, err)
            return err
        return self.make(tess, f"{n(a)}.astype(np.{dt})", ATOM, [a], rule)

    def attribute(self, depth):
        a = self.array(depth - 1)
        name = self.leaf()
        attr = self.pick(["ndim", "size", "shape[0]", "shape[-1]"])
        node = Node(f"{name.tess}.{attr}", f"{name.npy}.{attr}", ATOM,
                    self.ev(f"{name.npy}.{attr}"), lit=True)
        op = self.pick(["+", "*", "-"])
        prec, fn = BINOPS[op]
        return self.make(f"{t(a, prec)} {op} {t(node, prec + 1)}", f"{n(a)} {op} {n(node)}",
                         prec, [a, node], lambda v: B.elementwise([a, node], fn, v))

    # ----- reductions and scans -------------------------------------------------------
    def axis_arg(self, nd, tuple_ok=True):
        r = self.r()
        if r < 0.25:
            return None, None
        if r < 0.3:
            return "None", None
        if nd == 0 or r > 0.97:
            ax = int(self.rng.integers(-nd - 1, nd + 2))
            return str(ax), ax
        if tuple_ok and nd > 1 and r < 0.45:
            k = int(self.rng.integers(1, nd + 1))
            axes = tuple(int(x) for x in self.rng.permutation(nd)[:k])
            axes = tuple(x - nd if self.r() < 0.3 else x for x in axes)
            return str(axes) if len(axes) > 1 else f"({axes[0]},)", axes
        ax = int(self.rng.integers(0, nd))
        ax = ax - nd if self.r() < 0.3 else ax
        return str(ax), ax

    def reduction(self, depth):
        names = [f for f in SUMS + VARS + PRODS + EXTREMES + DISCRETE if self.has(f)]
        if not names:
            return None
        name = self.pick(names)
        a = self.array(depth - 1)
        nd = len(a.shape)
        single = name in ("argmin", "argmax", "nanargmin", "nanargmax", "median")
        ax_text, ax = self.axis_arg(nd, tuple_ok=not single or name == "median")
        pos, kw = [], []
        if name in ("quantile", "percentile"):
            q = self.pick([0.0, 0.25, 0.5, 0.9, 1.0, 1.5])
            pos.append(repr(q * 100 if name == "percentile" else q))
        if ax_text is not None:
            kw.append(f"axis={ax_text}")
        keep = self.r() < 0.25 and name != "average"
        if keep:
            kw.append("keepdims=True")
        ddof = 0
        if name in VARS and self.r() < 0.4:
            ddof = int(self.pick([0, 1, 2]))
            kw.append(f"ddof={ddof}")
        dt = None
        if name in DTYPE_ARG and self.r() < 0.2:
            dt = self.pick(["float64", "float32", "int64", "int32", "uint8", "float16"]
                           if name not in ("mean", "nanmean") + tuple(VARS) else ["float64", "float32"])
        args_t = ", ".join(pos + kw + ([f"dtype={dt}"] if dt else []))
        args_n = ", ".join(pos + kw + ([f"dtype=np.{dt}"] if dt else []))
        sep = ", " if args_t else ""
        method = name in METHODS and self.r() < 0.35
        if method:
            tess = f"{t(a, ATOM)}.{name}({args_t})"
            npy = f"{n(a)}.{name}({args_n})"
        else:
            tess = f"{name}({a.tess}{sep}{args_t})"
            src = a.npy
            if dt and name in ("nanvar", "nanstd"):
                # numpy's nanvar keeps the deviations in the input's dtype (in place),
                # so float16 input overflows; tessera computes them in dtype
                # (docs/dask.md lists the difference): compare with the input cast.
                src = f"np.asarray({a.npy}, dtype=np.{dt})"
            npy = f"{'' if name == 'count' else 'np.'}{name}({src}{sep}{args_n})"
        fkw = {"axis": ax}
        if keep:
            fkw["keepdims"] = True

        def over(f):
            return lambda x: f(x, **fkw)

        def terms():
            shape = a.shape
            if ax is None or not shape:  # numpy takes axis 0 or -1 of a 0-d array
                return int(np.prod(shape))
            axes = ax if isinstance(ax, tuple) else (ax,)
            return int(np.prod([shape[x] for x in axes]))

        def rule(v):
            src = np.asarray(a.val)
            if dt and np.dtype(dt).kind in "iu" and src.dtype.kind == "f":
                # Casting such floats is undefined in numpy (C casts); tessera
                # saturates (docs/dask.md): the values are not compared.
                negative_to_unsigned = np.dtype(dt).kind == "u" and np.any(src < 0)
                if not np.all(np.isfinite(src)) or np.any(np.abs(src) > 2.0**31) or negative_to_unsigned:
                    return np.full(np.shape(v), np.inf)
            if name in SUMS:
                is_mean = name in ("nanmean", "mean", "average")
                f = np.nanmean if is_mean else np.nansum
                return B.summation(a, over(f), v, terms(), mean=is_mean)
            if name in VARS:
                if ddof >= terms() and dt:
                    # Zero, or a rounding residue of dtype=, divided by zero: NaN or inf
                    # by the precision of the mean (docs/dask.md).
                    return np.full(np.shape(v), np.inf)
                vb = B.summation(a, over(np.nanmean), v, terms(), squares=True, mean=True)
                if ddof:
                    vb = vb * terms() / max(terms() - ddof, 1)
                return vb if "var" in name else B.std_from_var(vb, v)
            if name in PRODS:
                return B.product(a, over(np.nanprod), v, terms())
            if name in EXTREMES:
                return B.extreme(a, over(np.nanmax), v, name in ("median", "quantile", "percentile"))
            if name in ("count", "count_nonzero", "any", "all"):
                return B.counted(a, over(np.sum), v, name != "count")
            return B.discrete([a], v)
        return self.make(tess, npy, ATOM, [a], rule)

    def scan(self, depth):
        names = [f for f in ("cumsum", "cumprod", "diff", "sort") if self.has(f)]
        if not names:
            return None
        name = self.pick(names)
        a = self.array(depth - 1)
        nd = len(a.shape)
        ax_text, ax = self.axis_arg(nd, tuple_ok=False)
        if ax_text == "None" and name == "diff":
            ax_text, ax = None, None
        kw = [] if ax_text is None else [f"axis={ax_text}"]
        if name == "diff" and self.r() < 0.4:
            kw.insert(0, f"n={int(self.pick([0, 1, 2, 3]))}")
        dt = self.pick(["float64", "int64", "float32", "int8"]) if name in DTYPE_ARG and self.r() < 0.2 else None
        kt = ", ".join(kw + ([f"dtype={dt}"] if dt else []))
        kn = ", ".join(kw + ([f"dtype=np.{dt}"] if dt else []))
        sep = ", " if kt else ""
        if name in METHODS and self.r() < 0.3:
            tess, npy = f"{t(a, ATOM)}.{name}({kt})", f"{n(a)}.{name}({kn})"
        else:
            tess, npy = f"{name}({a.tess}{sep}{kt})", f"np.{name}({a.npy}{sep}{kn})"
        axis = -1 if ax is None and name in ("diff", "sort") else ax

        def rule(v):
            src = np.asarray(a.val)
            if dt and np.dtype(dt).kind in "iu" and src.dtype.kind == "f":
                return np.full(np.shape(v), np.inf)
            length = src.size if axis is None or src.ndim == 0 else src.shape[axis]
            if name == "cumsum":
                return B.summation(a, lambda x: np.cumsum(x, axis=axis), v, length)
            if name == "cumprod":
                return B.product(a, lambda x: np.cumprod(x, axis=axis), v, length)
            if name == "sort":
                return B.extreme(a, lambda x: np.broadcast_to(np.max(x, axis=axis, keepdims=True), x.shape), v)
            if a.err is None:
                return None
            order = int(kw[0][2:]) if kw and kw[0].startswith("n=") else 1
            shape = np.shape(v)
            return B.extreme(a, lambda e: np.full(shape, 2.0**order * np.max(e, initial=0.0)), v)
        return self.make(tess, npy, ATOM, [a], rule)

