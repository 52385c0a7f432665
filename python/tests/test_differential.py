"""Differential tests against numpy 2, as an outsider would attack the Python API:
hypothesis draws shapes (0-length axes and 0-d included), chunkings (chunk 1 and chunks
larger than the array), every dtype tessera computes on, expressions over operators,
Python scalars (NEP 50 weak, out-of-range ones included), basic indexing, transpose,
reshape, astype and every reduction with its keywords. tessera must give numpy's dtype,
shape and values (NaN in the same places), raise a comparable exception where numpy
raises (when the expression is built or when it is computed), and return numpy's values
where numpy only warns. The fixtures of ../shared/fixtures are compared the same way.

Deliberate differences listed in docs/dask.md are kept out of the comparison, each
where it applies: float reductions accumulate in float64 (compared within a bound on the
rounding of a sum), float -> int casts of values numpy leaves undefined, and a float
product over several axes that overflows.
"""

import json
import math
import operator
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import note as hypothesis_note
from hypothesis.errors import InvalidArgument
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tessera as ts

settings.register_profile(
    "differential",
    derandomize=True,  # the same examples on every run: deterministic in CI
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
# Scale the example counts with TESSERA_DIFF_SCALE (default 1) for a longer hunt.
SCALE = float(os.environ.get("TESSERA_DIFF_SCALE", "1"))


def note(text):
    """hypothesis's note inside a hypothesis test; nothing in a plain one."""
    try:
        hypothesis_note(text)
    except InvalidArgument:
        pass


def examples(n):
    return settings(settings.get_profile("differential"), max_examples=max(1, int(n * SCALE)))


DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64"]
FLOATS = [d for d in DTYPES if d.startswith("float")]

# Python scalars: small ones, boundaries of every integer dtype, beyond int64/uint64,
# and floats with special values.
INT_SCALARS = [0, 1, -1, 2, 3, -7, 127, 128, -128, -129, 255, 256, 300, -300, 32767, 65535, 65536,
               2**31 - 1, 2**31, 2**32, -(2**31) - 1, 2**63 - 1, -(2**63)]
BIG_INT_SCALARS = [2**63, 2**64 - 1, 2**64, -(2**63) - 1, 2**70]
FLOAT_SCALARS = [0.0, -0.0, 0.5, -2.25, 3.0, 1e-300, 1e300, math.inf, -math.inf, math.nan, 2.0**40]


# -- strategies --------------------------------------------------------------------


def element_strategy(dtype):
    dtype = np.dtype(dtype)
    if dtype == bool:
        return st.booleans()
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        edges = [v for v in (0, 1, -1, 2, info.min, info.max, info.min + 1, info.max - 1) if info.min <= v <= info.max]
        return st.one_of(st.integers(max(info.min, -9), min(info.max, 9)), st.sampled_from(edges), st.integers(info.min, info.max))
    # Multiples of 1/8 below 1000 keep short sums exact in float32 and float64; then
    # the special values.
    special = [math.nan, math.inf, -math.inf, -0.0, 0.0]
    return st.one_of(
        st.integers(-8000, 8000).map(lambda i: i / 8),
        st.integers(-9, 9).map(float),
        st.sampled_from(special),
        st.floats(width=32 if dtype == np.float32 else 64, allow_subnormal=False),
    )


@st.composite
def arrays(draw, dtype=None, shape=None, max_side=5, max_dims=3):
    dtype = dtype or draw(st.sampled_from(DTYPES))
    if shape is None:
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=max_side))
    return draw(hnp.arrays(np.dtype(dtype), shape, elements=element_strategy(dtype), fill=st.nothing()))


@st.composite
def chunkings(draw, shape):
    """None (tessera's default), or a chunk length per axis: 1, up to the axis, or longer."""
    if not shape or draw(st.integers(0, 5)) == 0:
        return None
    return tuple(draw(st.integers(1, n + 2)) for n in shape)


def to_tessera(x, chunks):
    return ts.from_numpy(x, chunks=chunks)


# -- running both sides ------------------------------------------------------------


class Outcome:
    """A result (an ndarray) or the exception raised while building or computing."""

    def __init__(self, value=None, error=None, stage=None):
        self.value, self.error, self.stage = value, error, stage

    def __repr__(self):
        if self.error is not None:
            return f"<{self.stage} error {type(self.error).__name__}: {self.error}>"
        return f"<{self.value.dtype} {self.value.shape} {self.value!r}>"


def numpy_side(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                return Outcome(value=np.asarray(fn()))
            except Exception as error:  # noqa: BLE001 - compared with tessera's
                return Outcome(error=error, stage="numpy")


def tessera_side(fn):
    try:
        built = fn()
    except Exception as error:  # noqa: BLE001 - compared with numpy's
        return Outcome(error=error, stage="build")
    try:
        return Outcome(value=built.compute() if isinstance(built, ts.Array) else np.asarray(built))
    except Exception as error:  # noqa: BLE001
        return Outcome(error=error, stage="compute")


# numpy's exception classes and what tessera may raise for each. numpy's AxisError is
# both a ValueError and an IndexError.
FAMILIES = (OverflowError, TypeError, IndexError, ValueError, ZeroDivisionError)


def same_error(expected, got):
    kinds = tuple(k for k in FAMILIES if isinstance(expected, k))
    assert kinds, f"numpy raised an unexpected {type(expected).__name__}: {expected}"
    assert isinstance(got, kinds), (
        f"numpy raises {type(expected).__name__} ({expected}); tessera raised "
        f"{type(got).__name__} ({got})"
    )


def float_check(got, want, atol, rtol):
    """NaN and infinities in the same places; finite values within atol + rtol*|want|."""
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg="NaN positions")
    inf = np.isinf(want)
    np.testing.assert_array_equal(got[inf], want[inf], err_msg="infinities")
    finite = np.isfinite(want)
    assert np.isfinite(got[finite]).all(), (got, want)
    atol = np.broadcast_to(atol, want.shape)[finite]
    diff = np.abs(got[finite].astype(np.float64) - want[finite].astype(np.float64))
    bound = atol + rtol * np.abs(want[finite].astype(np.float64))
    assert (diff <= bound).all(), f"values differ: got {got!r}, numpy {want!r} (bound {bound})"


def assert_matches(got, want, atol=0.0, rtol=None):
    """tessera's outcome against numpy's: the same error family, or the same dtype,
    shape and values (floats within `atol` + `rtol`; exact for the rest)."""
    note(f"numpy: {want!r}")
    note(f"tessera: {got!r}")
    if want.error is not None:
        assert got.error is not None, f"numpy raises {type(want.error).__name__} ({want.error}); tessera returned {got!r}"
        same_error(want.error, got.error)
        return
    if got.error is not None:
        raise AssertionError(f"tessera raised at {got.stage}: {type(got.error).__name__}: {got.error}; numpy gives {want!r}")
    g, w = got.value, want.value
    assert g.dtype == w.dtype, f"dtype {g.dtype}, numpy {w.dtype}"
    assert g.shape == w.shape, f"shape {g.shape}, numpy {w.shape}"
    if w.dtype.kind == "f":
        if rtol is None:
            rtol = 4 * np.finfo(w.dtype).eps
        float_check(g, w, atol, rtol)
    else:
        np.testing.assert_array_equal(g, w)


# -- elementwise expressions -------------------------------------------------------

BINARY = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow,
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}
UNARY = {"-": operator.neg, "+": operator.pos, "abs": abs}


class Node:
    """One operand of an expression on both sides: numpy's value, tessera's array, and
    the text of the expression (for the report)."""

    def __init__(self, np_value, ts_value, text):
        self.np, self.ts, self.text = np_value, ts_value, text


class Stop(Exception):
    """numpy (or tessera, when it is built) raised: the expression ends here."""

    def __init__(self, want, got, text):
        super().__init__(text)
        self.want, self.got, self.text = want, got, text


def build_only(fn):
    """tessera's array as built (not computed), or the error building it raised."""
    try:
        return Outcome(value=fn())
    except Exception as error:  # noqa: BLE001
        return Outcome(error=error, stage="build")


def combine(fn, operands, text):
    """`fn` over the operands on both sides, as a Node; Stop when numpy raises or
    tessera refuses to build it (then tessera's outcome is its build error, or what
    computing the built array gives)."""
    np_args = [o.np if isinstance(o, Node) else o for o in operands]
    ts_args = [o.ts if isinstance(o, Node) else o for o in operands]
    want = numpy_side(lambda: fn(*np_args))
    built = build_only(lambda: fn(*ts_args))
    if want.error is None and built.error is None:
        return Node(want.value, built.value, text)
    if built.error is None:
        # numpy refused; tessera may refuse when the values are computed (lazy errors).
        built = tessera_side(lambda: built.value)
    raise Stop(want, built, text)


def scalar_strategy():
    return st.one_of(
        st.booleans(),
        st.sampled_from(INT_SCALARS),
        st.integers(-20, 20),
        st.sampled_from(FLOAT_SCALARS),
        st.integers(-80, 80).map(lambda i: i / 8),
    )


@st.composite
def numpy_scalars(draw):
    """numpy scalars and 0-d arrays: strong operands (they keep their dtype)."""
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    value = draw(element_strategy(dtype))
    return np.array(value, dtype=dtype) if draw(st.booleans()) else dtype.type(value)


@st.composite
def views(draw, node):
    """`node` indexed, transposed, reshaped or cast, on both sides."""
    x = np.asarray(node.np)
    kind = draw(st.sampled_from(["index", "T", "transpose", "reshape", "astype"]))
    if kind == "index":
        key = draw(hnp.basic_indices(x.shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
        return combine(lambda v: v[key], [node], f"{node.text}[{key!r}]")
    if kind == "T":
        return combine(lambda v: v.T, [node], f"{node.text}.T")
    if kind == "transpose":
        perm = tuple(draw(st.permutations(range(x.ndim))))
        return combine(lambda v: v.transpose(perm), [node], f"{node.text}.transpose{perm}")
    if kind == "reshape":
        shape = (-1,) if draw(st.booleans()) else tuple(reversed(x.shape))
        return combine(lambda v: v.reshape(shape), [node], f"{node.text}.reshape{shape}")
    dtype = draw(st.sampled_from(DTYPES))
    if not cast_is_defined(x, dtype):
        return node
    return combine(lambda v: v.astype(dtype), [node], f"{node.text}.astype({dtype})")


@st.composite
def expressions(draw, leaves, depth):
    """A Node (or a Python scalar, never at the top) from `leaves` and operators."""
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(leaves))
    kind = draw(st.sampled_from(["binary", "binary", "binary", "unary", "view"]))
    if kind == "view":
        inner = draw(expressions(leaves, depth - 1))
        return draw(views(inner))
    if kind == "unary":
        name = draw(st.sampled_from(sorted(UNARY)))
        inner = draw(expressions(leaves, depth - 1))
        return combine(UNARY[name], [inner], f"{name}({inner.text})")
    name = draw(st.sampled_from(sorted(BINARY)))
    left = draw(expressions(leaves, depth - 1))
    if draw(st.integers(0, 4)) == 0:
        # On the right only: on the left numpy's own operator takes the tessera array
        # (see test_numpy_operands_on_the_left_stay_lazy).
        operands = [left, draw(numpy_scalars())]
    elif draw(st.booleans()):
        right = draw(scalar_strategy())
        operands = [right, left] if draw(st.booleans()) else [left, right]
    else:
        right = draw(expressions(leaves, depth - 1))
        operands = [left, right]
    left_text, right_text = (o.text if isinstance(o, Node) else repr(o) for o in operands)
    return combine(BINARY[name], operands, f"({left_text} {name} {right_text})")


@st.composite
def leaf_set(draw, max_leaves=3):
    """Up to three arrays whose shapes broadcast together, each in its own chunks."""
    count = draw(st.integers(1, max_leaves))
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=count, min_dims=0, max_dims=3, min_side=0, max_side=4))
    leaves = []
    for i, shape in enumerate(shapes.input_shapes):
        x = draw(arrays(shape=shape))
        chunks = draw(chunkings(shape))
        leaves.append(Node(x, to_tessera(x, chunks), f"x{i}:{x.dtype}{list(shape)}/{chunks}"))
    return leaves


def run_expression(data, depth=3):
    leaves = data.draw(leaf_set())
    try:
        node = data.draw(expressions(leaves, depth))
    except Stop as stop:
        note(f"expression: {stop.text}")
        assert_matches(stop.got, stop.want)
        return None
    note(f"expression: {node.text}")
    want = Outcome(value=np.asarray(node.np))
    got = tessera_side(lambda: node.ts)
    assert_matches(got, want)
    return node


@examples(300)
@given(data=st.data())
def test_expressions_match_numpy(data):
    run_expression(data)


@examples(300)
@given(x=arrays(), data=st.data(), op=st.sampled_from(sorted(BINARY)), scalar=scalar_strategy())
def test_python_scalars_are_weak_as_numpy(x, data, op, scalar):
    """`array op scalar` and `scalar op array`, with every kind of Python scalar."""
    a = to_tessera(x, data.draw(chunkings(x.shape)))
    fn = BINARY[op]
    assert_matches(tessera_side(lambda: fn(a, scalar)), numpy_side(lambda: fn(x, scalar)))
    assert_matches(tessera_side(lambda: fn(scalar, a)), numpy_side(lambda: fn(scalar, x)))


BIG_INT_GAP = (
    "the engine's literals are int64 (Scalar has no uint64): a Python int in [2**63, 2**64) "
    "beside a uint64 array is refused (ValueError), where numpy takes it as a uint64"
)


def known_big_int_gap(x, got, want):
    return (
        x.dtype == np.uint64
        and want.error is None
        and isinstance(got.error, ValueError)
        and "does not fit in 64 bits" in str(got.error)
    )


@examples(150)
@given(x=arrays(), data=st.data(), op=st.sampled_from(sorted(BINARY)), scalar=st.sampled_from(BIG_INT_SCALARS))
def test_python_ints_beyond_int64(x, data, op, scalar):
    """Python ints outside int64: where numpy raises (integer arithmetic, bools) tessera
    raises OverflowError too; where numpy answers, tessera must answer the same, except
    for the gap test_python_ints_beyond_int64_gap pins down."""
    a = to_tessera(x, data.draw(chunkings(x.shape)))
    fn = BINARY[op]
    for got, want in [
        (tessera_side(lambda: fn(a, scalar)), numpy_side(lambda: fn(x, scalar))),
        (tessera_side(lambda: fn(scalar, a)), numpy_side(lambda: fn(scalar, x))),
    ]:
        if not known_big_int_gap(x, got, want):
            assert_matches(got, want)


@pytest.mark.parametrize(
    "dtype,op,scalar",
    [("int64", operator.lt, 2**63), ("uint8", operator.ge, -(2**64)), ("float32", operator.mul, 2**70),
     ("float64", operator.add, 2**64), ("int8", operator.truediv, 2**64)],
)
def test_python_ints_beyond_int64_beside_arrays(dtype, op, scalar):
    x = np.array([0, 1, 2, 100], dtype=dtype)
    want = op(x, scalar)
    got = op(ts.from_numpy(x, chunks=3), scalar).compute()
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.xfail(strict=True, raises=ValueError, reason=BIG_INT_GAP)
@pytest.mark.parametrize("op,scalar", [(operator.add, 2**63), (operator.eq, 2**64 - 1)])
def test_python_ints_beyond_int64_gap(op, scalar):
    x = np.array([0, 1, 2, 100], dtype=np.uint64)
    want = op(x, scalar)
    got = op(ts.from_numpy(x, chunks=3), scalar).compute()
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("left", [np.float32(2), np.int8(1), np.arange(4.0), np.array(3, dtype=np.uint16)], ids=repr)
@pytest.mark.parametrize("op", [operator.mul, operator.add, operator.lt, operator.truediv], ids=lambda f: f.__name__)
def test_numpy_operands_on_the_left_stay_lazy(left, op):
    x = np.arange(1, 5, dtype=np.int16)
    want = op(left, x)
    got = op(left, ts.from_numpy(x, chunks=3))
    assert_matches(tessera_side(lambda: got), numpy_side(lambda: want))
    assert isinstance(got, ts.Array), f"{type(got).__name__}, computed eagerly"


# -- indexing and views ------------------------------------------------------------


@st.composite
def indexed(draw):
    x = draw(arrays(max_side=6))
    a = to_tessera(x, draw(chunkings(x.shape)))
    return x, a


@examples(300)
@given(xa=indexed(), data=st.data())
def test_basic_indexing(xa, data):
    x, a = xa
    key = data.draw(hnp.basic_indices(x.shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
    note(f"key: {key!r}")
    assert_matches(tessera_side(lambda: a[key]), numpy_side(lambda: x[key]))
    # Indexing twice, as chained views do.
    if a[key].ndim:
        shape = np.shape(x[key])
        again = data.draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
        note(f"then: {again!r}")
        assert_matches(tessera_side(lambda: a[key][again]), numpy_side(lambda: x[key][again]))


HUGE = [2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 2**64, -(2**70), 2**70, np.uint64(2**64 - 1), np.int64(-(2**63))]


@examples(200)
@given(xa=indexed(), data=st.data())
def test_invalid_and_edge_indices(xa, data):
    """Out-of-range integers, too many indices, zero steps, two ellipses, slice bounds
    and steps beyond 64 bits (numpy clamps them), indices of the wrong type."""
    x, a = xa
    n = x.shape[0] if x.ndim else 0
    bounds = st.none() | st.integers(-9, 9) | st.sampled_from(HUGE) | st.integers(-(2**63), 2**63 - 1)
    item = data.draw(
        st.one_of(
            st.integers(-n - 3, n + 3),
            st.builds(slice, bounds, bounds, st.none() | st.integers(-3, 3) | st.sampled_from(HUGE)),
            st.sampled_from([Ellipsis, None, np.int64(-1), np.uint8(0), (Ellipsis, Ellipsis), (0, 0, 0, 0), (), "a", b"0", 1.0]),
        )
    )
    key = item if isinstance(item, tuple) else (item,) * data.draw(st.integers(1, x.ndim + 2))
    note(f"key: {key!r}")
    assert_matches(tessera_side(lambda: a[key]), numpy_side(lambda: x[key]))


@examples(200)
@given(xa=indexed(), data=st.data())
def test_transpose_reshape(xa, data):
    x, a = xa
    perm = data.draw(st.permutations(range(x.ndim)))
    assert_matches(tessera_side(lambda: a.T), numpy_side(lambda: x.T))
    assert_matches(tessera_side(lambda: a.transpose(*perm)), numpy_side(lambda: x.transpose(*perm)))
    assert_matches(tessera_side(lambda: a.transpose(tuple(perm))), numpy_side(lambda: x.transpose(tuple(perm))))
    # Wrong permutations: repeated or out-of-range axes, the wrong count.
    bad = data.draw(st.lists(st.integers(-x.ndim - 2, x.ndim + 1), min_size=0, max_size=x.ndim + 1))
    if bad:
        assert_matches(tessera_side(lambda: a.transpose(*bad)), numpy_side(lambda: x.transpose(*bad)))
    # Reshape to a random factorisation of the size, with -1 somewhere, or a wrong one.
    size = x.size
    dims = []
    rest = size
    for _ in range(data.draw(st.integers(0, 3))):
        divisors = [d for d in range(1, rest + 1) if rest % d == 0] if rest else [0, 1, 2]
        d = data.draw(st.sampled_from(divisors))
        dims.append(d)
        rest = rest // d if d else rest
    if rest != 1 or not dims:
        dims.append(rest if size else data.draw(st.sampled_from([0, 3])))
    if data.draw(st.booleans()) and dims:
        dims[data.draw(st.integers(0, len(dims) - 1))] = -1
    if data.draw(st.integers(0, 4)) == 0:
        dims.append(data.draw(st.sampled_from([2, -1, 0])))  # probably wrong
    note(f"reshape {dims}")
    assert_matches(tessera_side(lambda: a.reshape(dims)), numpy_side(lambda: x.reshape(dims)))
    assert_matches(tessera_side(lambda: a.reshape(*dims)), numpy_side(lambda: x.reshape(*dims)))


def cast_is_defined(x, dtype):
    """numpy leaves float -> int casts of NaN, infinities and out-of-range values
    undefined (tessera saturates, docs/dask.md)."""
    dtype = np.dtype(dtype)
    if x.dtype.kind != "f" or dtype.kind not in "iu" or x.size == 0:
        return True
    info = np.iinfo(dtype)
    with np.errstate(all="ignore"):
        t = np.trunc(x.astype(np.float64))
        return bool(np.isfinite(t).all() and (t >= info.min).all() and (t <= info.max).all())


@examples(200)
@given(xa=indexed(), dtype=st.sampled_from(DTYPES))
def test_astype(xa, dtype):
    x, a = xa
    assume(cast_is_defined(x, dtype))
    assert_matches(tessera_side(lambda: a.astype(dtype)), numpy_side(lambda: x.astype(dtype)))
    assert_matches(tessera_side(lambda: a.astype(np.dtype(dtype).type)), numpy_side(lambda: x.astype(np.dtype(dtype).type)))


# -- reductions --------------------------------------------------------------------

REDUCTIONS = ["sum", "prod", "mean", "var", "std", "min", "max", "any", "all", "argmin", "argmax"]


def exact_in(x, dtype):
    """Every finite value of `x` is exact in `dtype`."""
    kind = np.dtype(dtype).type
    values = x[np.isfinite(x)] if x.dtype.kind == "f" else x
    with np.errstate(all="ignore"):
        return all(float(kind(v)) == (int(v) if x.dtype.kind in "biu" else float(v)) for v in values.ravel().tolist())


@st.composite
def axis_args(draw, ndim, name):
    """None, an int (negative too, out of range sometimes), or a tuple (unique or not)."""
    choices = [st.none(), st.integers(-ndim - 1, ndim)]
    if name not in ("argmin", "argmax") or draw(st.integers(0, 5)) == 0:
        choices.append(st.lists(st.integers(-ndim, max(ndim - 1, 0)), max_size=ndim + 1).map(tuple))
    return draw(st.one_of(*choices))


def reduction_tolerance(name, x, axis, keepdims, result_dtype, ddof=0):
    """How far a float reduction may land from numpy's: tessera accumulates floats in
    float64 with compensation, numpy in the input's dtype, pairwise; so the bound is the
    rounding of a sum of the magnitudes (per result element)."""
    eps = np.finfo(result_dtype).eps if np.dtype(result_dtype).kind == "f" else np.finfo(np.float64).eps
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mag = np.abs(x.astype(np.float64))
        mag = np.where(np.isfinite(mag), mag, 0.0)
        n = max(1, x.size)
        if name in ("sum", "mean"):
            scale = mag.sum(axis=axis, keepdims=keepdims)
            if name == "mean":
                count = x.size / max(1, np.asarray(mag.sum(axis=axis, keepdims=keepdims)).size) if x.size else 1
                scale = scale / max(count, 1)
            return 8 * n * eps * scale, 8 * eps
        if name in ("var", "std"):
            sq = (mag**2).mean(axis=axis, keepdims=keepdims) if x.size else 0.0
            count = x.size / max(1, np.asarray(mag.sum(axis=axis, keepdims=keepdims)).size) if x.size else 1
            fix = count / max(count - ddof, 1)
            # numpy squares the deviations in the input's dtype: below sqrt(tiny) they
            # underflow to zero (float32 [0, 1.2e-38] has std 0 there, 5.9e-39 here).
            tiny = 4 * n * np.finfo(result_dtype).tiny * fix if np.dtype(result_dtype).kind == "f" else 0.0
            if name == "var":
                return 16 * n * eps * sq * fix + tiny, 16 * eps
            return np.sqrt(16 * n * eps * sq * fix + tiny), 16 * eps
        if name == "prod":
            return 0.0, 4 * n * eps
    return 0.0, 0.0


@pytest.mark.xfail(
    strict=True,
    raises=(TypeError, OverflowError),
    reason="array.rs: keepdims is extracted as a Python bool (numpy takes any truthy value, "
    "keepdims=1) and ddof as u32 (numpy takes a negative or a float ddof: var(ddof=-1) divides "
    "by n + 1); a float ddof also needs ReduceOp::Var/Std to carry an f64",
)
@pytest.mark.parametrize("call", ["sum(keepdims=1)", "var(ddof=-1)", "std(ddof=0.5)", "mean(axis=0, keepdims=0)"])
def test_reduction_keywords_numpy_takes(call):
    x = np.arange(12.0).reshape(3, 4)
    want = eval(f"x.{call}")
    got = eval(f"ts.from_numpy(x, chunks=2).{call}").compute()
    assert_matches(Outcome(value=got), Outcome(value=np.asarray(want)))


@st.composite
def reduction_case(draw):
    name = draw(st.sampled_from(REDUCTIONS))
    x = draw(arrays(max_side=5))
    chunks = draw(chunkings(x.shape))
    axis = draw(axis_args(x.ndim, name))
    kwargs = {}
    if draw(st.booleans()):
        kwargs["keepdims"] = draw(st.booleans())
    if name in ("var", "std") and draw(st.booleans()):
        kwargs["ddof"] = draw(st.integers(0, 3))
    if name in ("sum", "prod") and draw(st.integers(0, 3)) == 0:
        dtype = draw(st.sampled_from(DTYPES))
        if cast_is_defined(x, dtype):
            kwargs["dtype"] = dtype
    if name in ("mean", "var", "std") and draw(st.integers(0, 3)) == 0:
        dtype = draw(st.sampled_from(FLOATS))
        # numpy's var(dtype=float32) sums the mean in float32 but takes the deviations
        # in the input's dtype, so where the values are not exact in float32 (uint64
        # beyond 2**24, float64 beyond float32's range) an element's deviation from its
        # own mean is nonzero (inf with ddof past the count) or -inf; tessera casts the
        # values first, as "computed in dtype" reads. An artefact of numpy's steps.
        if name == "mean" or exact_in(x, dtype):
            kwargs["dtype"] = dtype
    return name, x, chunks, axis, kwargs


@examples(500)
@given(case=reduction_case())
def test_reductions(case):
    name, x, chunks, axis, kwargs = case
    a = to_tessera(x, chunks)
    note(f"{x.dtype}{list(x.shape)}/{chunks}.{name}(axis={axis!r}, **{kwargs})")
    want = numpy_side(lambda: getattr(x, name)(axis=axis, **kwargs))
    got = tessera_side(lambda: getattr(a, name)(axis=axis, **kwargs))
    if want.value is not None and want.value.dtype.kind == "f":
        if name == "prod" and not np.isfinite(want.value).all() and isinstance(axis, tuple) and len(set(axis)) > 1:
            return  # docs/dask.md: a chunked product over several axes may overflow otherwise
        atol, rtol = reduction_tolerance(name, x, axis, kwargs.get("keepdims", False), want.value.dtype, kwargs.get("ddof", 0))
        assert_matches(got, want, atol=atol, rtol=rtol)
    else:
        assert_matches(got, want)


@examples(150)
@given(data=st.data(), name=st.sampled_from(REDUCTIONS))
def test_reductions_of_expressions(data, name):
    """A reduction on top of an expression tree (the fused path)."""
    node = run_expression(data, depth=2)
    assume(node is not None)
    x, a = np.asarray(node.np), node.ts
    axis = data.draw(axis_args(x.ndim, name))
    want = numpy_side(lambda: getattr(x, name)(axis=axis))
    got = tessera_side(lambda: getattr(a, name)(axis=axis))
    note(f"{name}(axis={axis!r})")
    if want.value is not None and want.value.dtype.kind == "f":
        if name == "prod" and not np.isfinite(want.value).all():
            return
        atol, rtol = reduction_tolerance(name, x, axis, False, want.value.dtype)
        assert_matches(got, want, atol=atol, rtol=rtol)
    else:
        assert_matches(got, want)


# -- the shared fixtures -----------------------------------------------------------

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "fixtures")


def fixture_entries():
    manifest = os.path.join(FIXTURES, "manifest.json")
    if not os.path.exists(manifest):
        return []
    with open(manifest) as f:
        entries = [e for e in json.load(f) if e.get("expected")]
    # Every format and folder, a sample within each (derandomised: every 5th entry).
    picked, seen = [], {}
    for e in entries:
        seen[e["path"]] = seen.get(e["path"], -1) + 1
        if seen[e["path"]] % 5 == 0:
            picked.append(e)
    return picked


def fixture_address(entry):
    path = os.path.join(FIXTURES, entry["path"])
    if entry["array"]:
        array = entry["array"] if entry["array"].startswith("/") else "/" + entry["array"]
        return f"{path}:{array}"
    return path


ENTRIES = fixture_entries()


@pytest.mark.skipif(not ENTRIES, reason="../shared/fixtures is absent (it sits beside the checkout)")
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e['path']}:{e['array']}")
def test_fixture_arrays(entry):
    expected = np.load(os.path.join(FIXTURES, entry["expected"]))
    try:
        a = ts.open(fixture_address(entry))
    except TypeError:
        # Dtypes tessera does not compute on (strings, objects) are refused as TypeError.
        assert expected.dtype.kind not in "biuf", f"tessera refused a {expected.dtype} array"
        return
    assert expected.dtype.kind in "biuf"
    want = expected.astype(expected.dtype.newbyteorder("="))
    assert a.shape == want.shape and a.dtype == want.dtype
    got = a.compute()
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    for name in ("sum", "max", "argmin", "mean"):
        if want.size == 0 and name in ("max", "argmin"):
            continue
        w = numpy_side(lambda: getattr(want, name)(axis=0 if want.ndim else None))
        g = tessera_side(lambda: getattr(a, name)(axis=0 if want.ndim else None))
        atol, rtol = (0.0, None)
        if w.value is not None and w.value.dtype.kind == "f":
            atol, rtol = reduction_tolerance(name, want, 0 if want.ndim else None, False, w.value.dtype)
        assert_matches(g, w, atol=atol, rtol=rtol)
