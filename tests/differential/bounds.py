"""Error bounds for the differential test: how far tessera's float results may lie from
numpy's, element by element, written next to the expected value as `bound.npy`.

Every node of a generated expression carries `err`: None when tessera must match numpy
exactly, else a float64 array of the node's shape. An element's bound is the largest
|tessera - numpy| allowed; `inf` means the element is not compared (its value depends on
rounding choices numpy leaves open, e.g. a comparison of a sum that lies within its
rounding error of the threshold); NAN_ONLY (-1) compares the NaN positions only. The rules (see tests/differential.rs for the table):

- exact operations (+ - * / // %, comparisons, casts, sqrt, min/max, where, indexing, shape
  operations) add nothing; given inexact operands their bound is the operands' bound
  carried through the operation (evaluated at the corners operand ± bound in float64)
  plus 1 ulp of the result;
- transcendental functions and float powers add ULPS ulp of the result (numpy's SIMD
  loops and Rust's libm both stay within a few ulp);
- sums, means, cumsums, products, var/std, einsum/tensordot/matmul and the window sums of
  map_overlap add 2 * n * eps(result dtype) * (the same operation over |terms|): the
  classic bound for any summation order (numpy's pairwise sum in the input dtype,
  tessera's compensated f64 sum). Where |terms| overflow the result dtype (the order
  decides whether an intermediate overflows) the element is not compared;
- argmin/argmax/any/all/count over inexact operands are not compared.
"""

import itertools

import numpy as np

ULPS = 4
# A bound that compares NaN positions only (the value depends on rounding order).
NAN_ONLY = -1.0


class Unreliable(Exception):
    """The result's shape depends on rounding (a mask computed from inexact values)."""


def is_float(v):
    return np.asarray(v).dtype.kind == "f"


def ulp(v):
    v = np.asarray(v)
    s = np.array(np.spacing(np.abs(v)), dtype=np.float64)
    s[~np.isfinite(s)] = 0.0
    return s


def eps(dtype):
    return float(np.finfo(dtype).eps)


def finite_part(err, shape):
    """(finite bound broadcast to shape, mask of elements not compared)."""
    if err is None:
        return np.zeros(shape), np.zeros(shape, bool)
    e = np.broadcast_to(err, shape)
    bad = ~np.isfinite(e) | (e < 0)
    return np.where(bad, 0.0, e), bad


def as64(v):
    a = np.asarray(v)
    if a.dtype.kind == "f":
        return a.astype(np.float64)
    return v


def nonzero_err(node):
    return node.err is not None and bool(np.any(node.err != 0))


def elementwise(children, fn, val, inexact=False, periodic=False):
    """Bound of an element-wise operation `fn` of the children. A `periodic` one (`%`)
    of inexact operands is not compared: the corners do not bound what lies between."""
    v = np.asarray(val)
    isf = v.dtype.kind == "f"
    has = [nonzero_err(c) for c in children]
    if not any(has):
        return ULPS * ulp(v) if (isf and inexact) else None
    if periodic:
        return np.full(v.shape, np.inf)
    bad = np.zeros(v.shape, bool)
    args = [as64(c.val) for c in children]
    errs = []
    for c, h in zip(children, has):
        if not h:
            errs.append(None)
            continue
        e = np.asarray(c.err)
        nonfinite = ~np.isfinite(e) | (e < 0)
        bad |= np.broadcast_to(nonfinite, v.shape) if nonfinite.ndim <= v.ndim else False
        errs.append(np.where(nonfinite, 0.0, e) if is_float(c.val) else None)
    try:
        base = np.asarray(fn(*args))
        worst = np.zeros(v.shape)
        moving = [i for i, e in enumerate(errs) if e is not None]
        for signs in itertools.product([-1.0, 1.0], repeat=len(moving)):
            pargs = list(args)
            for s, i in zip(signs, moving):
                pargs[i] = args[i] + s * errs[i]
            r = np.asarray(fn(*pargs))
            if isf:
                rb, r = base.astype(np.float64), r.astype(np.float64)
                bad |= np.isnan(r) != np.isnan(rb)
                bad |= np.isinf(r) != np.isinf(rb)
                d = np.abs(r - rb)
                worst = np.maximum(worst, np.where(np.isfinite(d), d, 0.0))
            else:
                bad |= r != base
    except Exception:  # noqa: BLE001 - a perturbed operand numpy refuses: do not compare
        return np.full(v.shape, np.inf)
    if not isf:
        return np.where(bad, np.inf, 0.0) if bad.any() else None
    bad |= np.isfinite(v) != np.isfinite(base.astype(np.float64))
    out = np.array(worst + (ULPS if inexact else 1) * ulp(v), dtype=np.float64)
    out[bad] = np.inf
    return out


def _abs_finite(v):
    a = np.abs(np.asarray(v, dtype=np.float64))
    return np.where(np.isfinite(a), a, 0.0)


def discrete(children, val):
    """argmin/argmax/any/all/count: exact over exact operands, else not compared."""
    if any(nonzero_err(c) for c in children):
        return np.full(np.asarray(val).shape, np.inf)
    return None


def counted(child, red64, val, zero_matters):
    """count (NaN status) and any/all/count_nonzero (zero status) of inexact operands:
    exact where no operand element in the reduced set may change that status."""
    v = np.asarray(val)
    if not nonzero_err(child):
        return None
    x = np.asarray(child.val)
    e, bad = finite_part(child.err, x.shape)
    if zero_matters:
        bad = bad | ((e > 0) & (np.abs(np.asarray(x, dtype=np.float64)) <= e))
    hit = np.asarray(red64(bad.astype(np.float64))) > 0
    return np.broadcast_to(np.where(hit, np.inf, 0.0), v.shape).copy()


def summation(child, fn64, val, nterms, squares=False, mean=False):
    """A sum-like reduction: fn64 applies the same reduction to a float64 array (a mean
    when `mean`). Where the terms may overflow the result dtype, values are not compared;
    NaN positions still are (NAN_ONLY) unless terms may overflow both ways (inf - inf)."""
    v = np.asarray(val)
    if v.dtype.kind != "f":
        return discrete([child], val)
    x = np.asarray(child.val)
    e, bad = finite_part(child.err, x.shape)
    ax = _abs_finite(x)
    if squares:
        ax = ax * ax
        e = 2 * _abs_finite(x) * e + e * e
    s = np.asarray(fn64(ax), dtype=np.float64)
    out = np.asarray(fn64(e), dtype=np.float64) + 2.0 * max(nterms, 1) * eps(v.dtype) * s
    out = out + ULPS * ulp(v)
    top = float(np.finfo(v.dtype).max)
    scale = max(nterms, 1) if mean else 1
    xs = np.where(np.isfinite(np.asarray(x, dtype=np.float64)), np.asarray(x, dtype=np.float64), 0.0)
    up = np.asarray(fn64(np.maximum(xs, 0.0)), dtype=np.float64) * scale > top
    down = np.asarray(fn64(np.maximum(-xs, 0.0)), dtype=np.float64) * scale > top
    if squares:
        up = down = s * scale > top
    out = np.where(s * scale > top, NAN_ONLY, out)
    out = np.where(up & down, np.inf, out)
    # An infinite term beside finite ones that overflow the dtype: numpy's sum reaches
    # inf - inf (NaN) or not depending on order and width; tessera's f64 sum does not.
    infinite = np.asarray(fn64(np.isinf(np.asarray(x, dtype=np.float64)).astype(np.float64)), dtype=np.float64) > 0
    out = np.where((s * scale > top) & infinite, np.inf, out)
    if bad.any():
        out = np.where(np.asarray(fn64(bad.astype(np.float64))) > 0, np.inf, out)
    return np.broadcast_to(out, v.shape).copy()


def std_from_var(var_bound, val):
    v = np.asarray(val, dtype=np.float64)
    with np.errstate(all="ignore"):
        tight = np.where(v > 0, var_bound / np.where(v > 0, v, 1.0), np.inf)
    with np.errstate(all="ignore"):
        out = np.minimum(np.sqrt(var_bound), tight) + ULPS * ulp(np.asarray(val))
    out = np.where(np.isnan(out), np.inf, out)
    return np.where(var_bound < 0, NAN_ONLY, out)


def product(child, fn64, val, nterms):
    """prod/cumprod: relative bound; an order-dependent overflow or underflow of an
    intermediate product is not compared."""
    v = np.asarray(val)
    if v.dtype.kind != "f":
        return discrete([child], val)
    x = np.asarray(child.val)
    e, bad = finite_part(child.err, x.shape)
    ax = _abs_finite(x)
    info = np.finfo(v.dtype)
    s = np.asarray(fn64(ax + e), dtype=np.float64)
    s0 = np.asarray(fn64(ax), dtype=np.float64)
    out = (s - s0) + 2.0 * max(nterms, 1) * eps(v.dtype) * s + ULPS * ulp(v)
    big = np.asarray(fn64(np.maximum(ax, 1.0)), dtype=np.float64)
    small = np.asarray(fn64(np.where(ax == 0, 1.0, np.minimum(ax, 1.0))), dtype=np.float64)
    risky = (big > float(info.max) / 4) | (small < float(info.tiny) * 4)
    # Without zeros an overflowed partial product stays inf: NaN positions still compare.
    zero = np.asarray(fn64((ax != 0).astype(np.float64)), dtype=np.float64) == 0
    out = np.where(risky, np.where(zero, np.inf, NAN_ONLY), out)
    if bad.any():
        # A product of (1 + flag) exceeds 1 where any term is not compared.
        out = np.where(np.asarray(fn64(1.0 + bad.astype(np.float64))) > 1, np.inf, out)
    return np.broadcast_to(out, v.shape).copy()


def extreme(child, fnmax64, val, inexact=False):
    """min/max-like (min, max, ptp, median, quantile, window min/max): the operand's
    largest bound in the reduced set; interpolating ones add ulps of the operand."""
    v = np.asarray(val)
    if not nonzero_err(child):
        if v.dtype.kind == "f" and inexact:
            return ULPS * np.broadcast_to(np.asarray(fnmax64(ulp(child.val))), v.shape).copy()
        return None
    x = np.asarray(child.val)
    e, bad = finite_part(child.err, x.shape)
    out = 2.0 * np.asarray(fnmax64(e), dtype=np.float64) + ULPS * ulp(v)
    if bad.any():
        out = np.where(np.asarray(fnmax64(bad.astype(np.float64))) > 0, np.inf, out)
    return np.broadcast_to(out, v.shape).copy()


def multilinear(children, fn64, val, nterms):
    """einsum/tensordot/matmul/outer/trace: fn64 applied to the operands' magnitudes."""
    v = np.asarray(val)
    if v.dtype.kind != "f":
        return discrete(children, val)
    mags, bads = [], []
    for c in children:
        x = np.asarray(c.val)
        e, bad = finite_part(c.err, x.shape)
        mags.append((_abs_finite(x), e))
        bads.append(bad)
    s0 = np.asarray(fn64(*[m for m, _ in mags]), dtype=np.float64)
    s = np.asarray(fn64(*[m + e for m, e in mags]), dtype=np.float64)
    out = (s - s0) + 2.0 * max(nterms, 1) * eps(v.dtype) * s + ULPS * ulp(v)
    out = np.where(s > float(np.finfo(v.dtype).max) / 4, np.inf, out)
    if any(b.any() for b in bads):
        return np.full(v.shape, np.inf)
    return np.broadcast_to(out, v.shape).copy()


def structural(children, fn, val):
    """Indexing and shape operations move bounds with the elements."""
    v = np.asarray(val)
    if not any(c.err is not None for c in children):
        return None
    errs = [
        np.broadcast_to(c.err, np.asarray(c.val).shape)
        if c.err is not None
        else np.zeros(np.asarray(c.val).shape)
        for c in children
    ]
    return np.asarray(fn(*errs), dtype=np.float64).reshape(v.shape)
