"""Indexing, shape, join, linear-algebra, stencil and take productions of the expression
generator (a mixin of exprgen.Gen; split out to keep files short)."""

import itertools

import numpy as np

import bounds as B
from exprgen_base import ADD, ATOM, BINOPS, BOR, CMP, MUL, Node, n, t
from helpers import map_overlap


class ShapeOps:
    # ----- indexing ---------------------------------------------------------------------
    def index_item(self, d):
        r = self.r()
        if r < 0.35 and d > 0:
            i = int(self.rng.integers(-d, d))
            return str(i), i
        if r < 0.38:
            i = int(self.pick([d, -d - 1, 5]))  # out of range
            return str(i), i
        if r < 0.5:
            return ":", slice(None)
        bound = max(d, 1) + 2
        start = None if self.r() < 0.4 else int(self.rng.integers(-bound, bound))
        stop = None if self.r() < 0.4 else int(self.rng.integers(-bound, bound))
        step = self.pick([None, 1, 2, -1, -1, -2, 3])
        text = f"{'' if start is None else start}:{'' if stop is None else stop}"
        if step is not None:
            text += f":{step}"
        return text, slice(start, stop, step)

    def index(self, depth):
        a = self.array(depth - 1)
        shape = a.shape
        nd = len(shape)
        r = self.r()
        if r < 0.1 and nd > 0:  # a boolean mask of the array's shape
            lit = self.pick([0, 1, 0.5, -1])
            m = self.make(f"{t(a, BOR)} > {lit}", f"{n(a)} > {lit}", CMP, [a], None)
            if not m.ok:
                return None
            unreliable = B.nonzero_err(a)
            node = self.make(f"{t(a, ATOM)}[{m.tess}]", f"{n(a)}[{m.npy}]", ATOM, [a], None,
                             unreliable=unreliable)
            if node.ok and a.err is not None:
                node.err = np.asarray(np.broadcast_to(a.err, shape)[np.asarray(m.val)], dtype=float)
            return node
        if r < 0.16 and nd > 1:  # a 1-D mask on the leading axis
            lead = "[" + ", ".join([":"] + ["0"] * (nd - 1)) + "]"
            mt, mn = f"{t(a, ATOM)}{lead} > 0", f"{n(a)}{lead} > 0"
            m = self.ev(mn)
            if isinstance(m, Exception):
                return None
            node = self.make(f"{t(a, ATOM)}[{mt}]", f"{n(a)}[{mn}]", ATOM, [a], None,
                             unreliable=B.nonzero_err(a))
            if node.ok and a.err is not None:
                node.err = np.asarray(np.broadcast_to(a.err, shape)[m], dtype=float)
            return node
        if r < 0.22 and nd == 3:  # an integer and a list apart: numpy moves the list's axis first
            i = int(self.rng.integers(-shape[0], shape[0])) if shape[0] else 0
            lst = [int(self.rng.integers(0, shape[2])) if shape[2] else 0 for _ in range(2)]
            inner = f"{i}, :, {lst}" if self.r() < 0.5 else f"{lst[:1] * 2}, {i}, :"
            key = (i, slice(None), lst) if inner.startswith(str(i)) else (lst[:1] * 2, i, slice(None))
            return self.make(f"{t(a, ATOM)}[{inner}]", f"{n(a)}[{inner}]", ATOM, [a],
                             lambda v: B.structural([a], lambda e: e[key], v))
        items_t, items = [], []
        count = int(self.rng.integers(1, nd + 1)) if nd else 1
        for d in shape[:count]:
            text, obj = self.index_item(d)
            items_t.append(text)
            items.append(obj)
        r = self.r()
        if r < 0.25 and nd > 0:  # one list of integers on an axis
            k = int(self.rng.integers(len(items)))
            d = shape[k] if k < nd else 1
            lst = [int(self.rng.integers(-d, d)) if d else 0 for _ in range(int(self.rng.integers(1, 4)))]
            items_t[k], items[k] = str(lst), lst
            if self.r() < 0.2 and len(items) > 1:  # two lists: broadcast together
                j = (k + 1) % len(items)
                d2 = shape[j] if j < nd else 1
                lst2 = [int(self.rng.integers(0, max(d2, 1))) for _ in range(len(lst))]
                items_t[j], items[j] = str(lst2), lst2
        elif r < 0.4:
            pos = int(self.rng.integers(len(items) + 1))
            items_t.insert(pos, "None")
            items.insert(pos, None)
        elif r < 0.5:
            items_t, items = ["..."] + items_t[1:], [Ellipsis] + items[1:]
        if len(items) == 1 and self.r() < 0.5:
            inner = items_t[0]
        elif self.r() < 0.1:
            inner = "(" + ", ".join(items_t) + ")"
        else:
            inner = ", ".join(items_t)
        key = tuple(items)
        return self.make(f"{t(a, ATOM)}[{inner}]", f"{n(a)}[{inner}]", ATOM, [a],
                         lambda v: B.structural([a], lambda e: e[key], v))

    # ----- shape operations -------------------------------------------------------------
    def shape_op(self, depth):
        a = self.array(depth - 1)
        shape = a.shape
        nd = len(shape)
        kind = self.pick(["T", "transpose", "reshape", "ravel", "flatten", "squeeze",
                          "expand_dims", "swapaxes", "moveaxis", "flip", "broadcast_to"])
        if kind != "T" and not self.has(kind):
            return None
        ax = int(self.rng.integers(-nd, nd)) if nd else 0
        if kind == "T":
            tess, npy, f = f"{t(a, ATOM)}.T", f"{n(a)}.T", lambda e: e.T
        elif kind == "transpose":
            if self.r() < 0.5 or nd == 0:
                tess, npy, f = f"transpose({a.tess})", f"np.transpose({a.npy})", np.transpose
            else:
                perm = tuple(int(x) for x in self.rng.permutation(nd))
                tess = f"transpose({a.tess}, {perm if nd > 1 else f'({perm[0]},)'})"
                npy, f = f"np.transpose({a.npy}, {perm})", lambda e: np.transpose(e, perm)
        elif kind == "reshape":
            size = int(np.prod(shape))
            options = [(-1,), (size,), (1, -1), (-1, 1)]
            divs = [d for d in range(2, 7) if size and size % d == 0]
            if divs:
                options.append((self.pick(divs), -1))
            if self.r() < 0.1:
                options.append((size + 1,))
            new = self.pick(options)
            tess = f"reshape({a.tess}, {new})"
            npy, f = f"np.reshape({a.npy}, {new})", lambda e: np.reshape(e, new)
        elif kind in ("ravel", "flatten"):
            tess = f"{kind}({a.tess})" if self.r() < 0.5 else f"{t(a, ATOM)}.{kind}()"
            npy, f = f"np.ravel({a.npy})", np.ravel
        elif kind == "squeeze":
            ones = [i for i, d in enumerate(shape) if d == 1]
            if ones and self.r() < 0.5:
                s = int(self.pick(ones))
                tess, npy = f"squeeze({a.tess}, axis={s})", f"np.squeeze({a.npy}, axis={s})"
                f = lambda e: np.squeeze(e, axis=s)  # noqa: E731
            else:
                tess, npy, f = f"squeeze({a.tess})", f"np.squeeze({a.npy})", np.squeeze
        elif kind == "expand_dims":
            e_ax = int(self.rng.integers(-nd - 1, nd + 1))
            tess, npy = f"expand_dims({a.tess}, {e_ax})", f"np.expand_dims({a.npy}, {e_ax})"
            f = lambda e: np.expand_dims(e, e_ax)  # noqa: E731
        elif kind == "swapaxes":
            b_ax = int(self.rng.integers(0, nd)) if nd else 0
            tess, npy = f"swapaxes({a.tess}, {ax}, {b_ax})", f"np.swapaxes({a.npy}, {ax}, {b_ax})"
            f = lambda e: np.swapaxes(e, ax, b_ax)  # noqa: E731
        elif kind == "moveaxis":
            b_ax = int(self.rng.integers(-nd, nd)) if nd else 0
            tess, npy = f"moveaxis({a.tess}, {ax}, {b_ax})", f"np.moveaxis({a.npy}, {ax}, {b_ax})"
            f = lambda e: np.moveaxis(e, ax, b_ax)  # noqa: E731
        elif kind == "flip":
            if self.r() < 0.4:
                tess, npy, f = f"flip({a.tess})", f"np.flip({a.npy})", np.flip
            else:
                tess, npy = f"flip({a.tess}, {ax})", f"np.flip({a.npy}, {ax})"
                f = lambda e: np.flip(e, ax)  # noqa: E731
        else:
            new = tuple(int(self.pick([2, 3])) for _ in range(int(self.rng.integers(0, 2)))) + tuple(shape)
            tess = f"broadcast_to({a.tess}, {new if len(new) != 1 else f'({new[0]},)'})"
            npy, f = f"np.broadcast_to({a.npy}, {new})", lambda e: np.broadcast_to(e, new)
        return self.make(tess, npy, ATOM, [a], lambda v: B.structural([a], f, v))

    def join(self, depth):
        kind = self.pick(["concatenate", "stack"])
        if not self.has(kind):
            return None
        a = self.array(depth - 1)
        same = [k for k in sorted(self.env) if np.shape(self.env[k]) == a.shape and k != a.tess]
        if same and self.r() < 0.6:
            b = Node(same[0], same[0], ATOM, self.env[same[0]])
        else:
            b = self.neg(1) if False else self.binop_on(a)
        parts = [a, b] if self.r() < 0.8 else [a, b, a]
        nd = len(a.shape) + (1 if kind == "stack" else 0)
        ax = int(self.rng.integers(-nd, nd)) if nd else 0
        arg = "" if self.r() < 0.3 else f", axis={ax}"
        axis = 0 if not arg else ax
        fn = getattr(np, kind)
        return self.make(f"{kind}([{', '.join(p.tess for p in parts)}]{arg})",
                         f"np.{kind}([{', '.join(p.npy for p in parts)}]{arg})", ATOM, parts,
                         lambda v: B.structural(parts, lambda *es: fn(list(es), axis=axis), v))

    def binop_on(self, a):
        lit = self.literal(a)
        op = self.pick(["+", "*", "-"])
        prec, fn = BINOPS[op]
        return self.make(f"{t(a, prec)} {op} {t(lit, prec + 1)}", f"{n(a)} {op} {n(lit)}", prec,
                         [a, lit], lambda v: B.elementwise([a, lit], fn, v))

    # ----- linear algebra ---------------------------------------------------------------
    def operands(self, ndims):
        """Inputs (or their transposes) with the given numbers of axes, or None."""
        out = []
        for want in ndims:
            cands = [Node(k, k, ATOM, v) for k, v in sorted(self.env.items()) if np.ndim(v) == want]
            cands += [Node(f"{k}.T", f"{k}.T", ATOM, v.T) for k, v in sorted(self.env.items())
                      if np.ndim(v) == want and want > 1]
            if not cands:
                return None
            out.append(cands)
        return out

    def fit(self, cands, accepts):
        """Operands, one from each candidate list, that numpy accepts for `accepts`
        (a random choice among those), or any when none fits."""
        combos = list(itertools.product(*cands))
        order = self.rng.permutation(len(combos))[:40]
        for i in order:
            ops = list(combos[int(i)])
            if not isinstance(self.ev_fn(lambda: accepts(*[o.val for o in ops])), Exception):
                return ops
        return [self.pick(c) for c in cands]

    def linalg(self, depth):
        kind = self.pick(["einsum", "einsum", "tensordot", "matmul", "@", "dot", "outer",
                          "diagonal", "trace"])
        if kind != "@" and not self.has(kind):
            return None
        if kind == "einsum":
            spec, nds = self.pick([("ij,jk->ik", (2, 2)), ("ij,jk->", (2, 2)), ("ij,ij->i", (2, 2)),
                                   ("i,i->", (1, 1)), ("i,j->ij", (1, 1)), ("ij,j->i", (2, 1)),
                                   ("ij->ji", (2,)), ("ij->", (2,)), ("ii->i", (2,)),
                                   ("ii->", (2,)), ("ijk->kj", (3,)), ("...i,...i->...", (2, 2)),
                                   ("i...->...", (2,)), ("ij,jk,kl->il", (2, 2, 2)),
                                   ("i,i,i->", (1, 1, 1)), ("ij,kj", (2, 2)), ("bij,bjk->bik", (3, 3)),
                                   ("ij,jk->i", (2, 2)), ("ij,k->i", (2, 1)), ("ij,jk->kj", (2, 2)),
                                   ("ij,jk", (2, 2)), ("bij,bjk->", (3, 3))])
            ops = self.operands(nds)
            if ops is None:
                return None
            # Three or more operands contract left to right, two at a time (docs/dask.md);
            # numpy's default loop multiplies them all at once, which differs where
            # inf meets 0 or -inf. Compare with numpy along the same path.
            # The operands are cast to the result dtype first, as tessera (and numpy's
            # default loop) sum in it; numpy's path would sum each pair in its own type.
            path = ["einsum_path"] + [(0, 1)] * (len(nds) - 1) if len(nds) > 2 else False
            ops = self.fit(ops, lambda *xs: np.einsum(spec, *xs, optimize=path))
            tess = f"einsum('{spec}', {', '.join(o.tess for o in ops)})"
            if path:
                common = "np.result_type(" + ", ".join(o.npy for o in ops) + ")"
                cast = [f"np.asarray({o.npy}).astype({common})" for o in ops]
                npy = f"np.einsum('{spec}', {', '.join(cast)}, optimize={path!r})"
            else:
                npy = f"np.einsum('{spec}', {', '.join(o.npy for o in ops)})"

            def fn(*xs):
                if path:
                    xs = [np.asarray(x).astype(np.result_type(*xs)) for x in xs]
                return np.einsum(spec, *xs, optimize=path)
        elif kind == "tensordot":
            ops = self.operands((int(self.rng.integers(1, 4)), int(self.rng.integers(1, 4))))
            if ops is None:
                return None
            axes = self.pick(["0", "1", "2", "-1", "([1], [0])", "([-1], [-1])", "([0], [-2])",
                              "(1, 0)", "([0, 1], [1, 0])"])
            x, y = ops = self.fit(ops, lambda p, q: np.tensordot(p, q, axes=eval(axes)))  # noqa: S307
            tess = f"tensordot({x.tess}, {y.tess}, axes={axes})"
            npy = f"np.tensordot({x.npy}, {y.npy}, axes={axes})"
            fn = lambda p, q: np.tensordot(p, q, axes=eval(axes))  # noqa: E731,S307
        elif kind in ("matmul", "@", "dot", "outer"):
            ops = self.operands((int(self.rng.integers(1, 3)), int(self.rng.integers(1, 3))))
            if ops is None:
                return None
            x, y = ops = self.fit(ops, np.matmul if kind != "outer" else np.outer)
            if kind == "@":
                tess, npy = f"{x.tess} @ {y.tess}", f"{x.npy} @ {y.npy}"
                fn = np.matmul
                return self.lin_node(tess, npy, MUL, ops, fn)
            tess = f"{kind}({x.tess}, {y.tess})"
            npy = f"np.{kind}({x.npy}, {y.npy})"
            fn = getattr(np, kind)
        else:
            a = self.array(depth - 1)
            off = int(self.pick([0, 0, 1, -1, 2]))
            arg = "" if off == 0 and self.r() < 0.5 else f", {off}"
            tess, npy = f"{kind}({a.tess}{arg})", f"np.{kind}({a.npy}{arg})"
            if kind == "diagonal":
                return self.make(tess, npy, ATOM, [a], lambda v: B.structural(
                    [a], lambda e: np.diagonal(e, off), v))
            return self.lin_node(tess, npy, ATOM, [a], lambda e: np.trace(e, off))
        return self.lin_node(tess, npy, ATOM, ops, fn)

    def lin_node(self, tess, npy, prec, ops, fn):
        terms = max([int(np.size(o.val)) for o in ops] + [1])
        return self.make(tess, npy, prec, ops, lambda v: B.multilinear(ops, fn, v, terms))

    def overlap(self, depth):
        if not self.has("map_overlap"):
            return None
        a = self.array(depth - 1)
        nd = len(a.shape)
        func = self.pick(["sum", "mean", "min", "max"])
        if nd and self.r() < 0.3:
            depth_v = tuple(int(self.rng.integers(0, 3)) for _ in range(nd))
            dt = str(depth_v) if nd > 1 else f"({depth_v[0]},)"
        else:
            depth_v = int(self.pick([0, 1, 1, 2, 3]))
            dt = str(depth_v)
        boundary = self.pick(["none", "reflect", "periodic", "nearest", "constant", "number", None])
        value = 0
        if boundary is None:
            arg = ""
        elif boundary == "number":
            value = self.pick([0, 1, 2.5, -1])
            arg = f", boundary={value}"
        elif boundary == "constant" and self.r() < 0.7:
            value = self.pick([0, 1, 3, -2, 0.5])
            arg = f", boundary='constant', value={value}"
        else:
            arg = f", boundary='{boundary}'"
        tess = f"map_overlap({a.tess}, '{func}', depth={dt}{arg})"
        npy = f"map_overlap({a.npy}, '{func}', depth={dt}{arg})"
        bnd = "constant" if boundary == "number" else (boundary or "none")
        if isinstance(depth_v, int):
            window = (2 * depth_v + 1) ** nd
        else:
            window = int(np.prod([2 * d + 1 for d in depth_v]))

        def mo(x, f, v=value):
            return map_overlap_64(x, f, depth_v, bnd, v)

        def rule(v):
            if func in ("sum", "mean"):
                return B.summation(a, lambda x: mo(x, func, abs(value)), v, window, mean=func == "mean")
            return B.extreme(a, lambda x: mo(x, "max", 0), v)
        return self.make(tess, npy, ATOM, [a], rule)

    def take(self, depth):
        if not self.has("take") and not self.has("extract"):
            return None
        a = self.array(depth - 1)
        nd = len(a.shape)
        if self.has("extract") and self.r() < 0.3 and nd > 0:
            tess = f"extract({t(a, BOR)} > 0, {a.tess})"
            npy = f"np.extract({n(a)} > 0, {a.npy})"
            node = self.make(tess, npy, ATOM, [a], None, unreliable=B.nonzero_err(a))
            if node.ok and a.err is not None:
                node.err = np.asarray(np.broadcast_to(a.err, a.shape)[np.asarray(a.val) > 0], dtype=float)
            return node
        if not self.has("take"):
            return None
        d = a.shape[0] if nd else 1
        idx = [int(self.rng.integers(-max(d, 1), max(d, 1) + (1 if self.r() < 0.1 else 0)))
               for _ in range(int(self.rng.integers(1, 4)))]
        if self.r() < 0.3 or nd == 0:
            tess, npy = f"take({a.tess}, {idx})", f"np.take({a.npy}, {idx})"
            f = lambda e: np.take(e, idx)  # noqa: E731
        else:
            ax = int(self.rng.integers(-nd, nd))
            tess, npy = f"take({a.tess}, {idx}, axis={ax})", f"np.take({a.npy}, {idx}, axis={ax})"
            f = lambda e: np.take(e, idx, axis=ax)  # noqa: E731
        return self.make(tess, npy, ATOM, [a], lambda v: B.structural([a], f, v))


def map_overlap_64(x, func, depth, boundary, value):
    return map_overlap(np.asarray(x, dtype=np.float64), func, depth, boundary, value)
