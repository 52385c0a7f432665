"""tessera's numpy-named functions and numpy's protocols, against numpy: every function
of the engine's registry is a tessera function with numpy's signature; numpy's ufuncs
and functions of tessera arrays stay lazy; what tessera lacks is computed within the
budget; the extra ndarray methods; map_blocks with a Python function."""

import inspect

import numpy as np
import pytest

import tessera as ts
from conftest import assert_same
from tessera._functions import NAMESPACE, REGISTRY

# Inputs where every unary function is defined (arccosh needs >= 1, arctanh |x| < 1).
_DOMAIN = {"arccosh": (1.5, 4.0), "arctanh": (-0.9, 0.9), "arcsin": (-0.9, 0.9), "arccos": (-0.9, 0.9)}

UNARY = sorted(
    name for name, f in REGISTRY.items()
    if list(inspect.signature(f).parameters) == ["x"] and hasattr(np, name)
)
BINARY = sorted(
    name for name, f in REGISTRY.items()
    if list(inspect.signature(f).parameters) == ["x1", "x2"] and hasattr(np, name)
)


def test_every_registry_function_is_exported_with_signature_and_doc():
    assert len(REGISTRY) > 120
    for name, function in REGISTRY.items():
        assert getattr(ts, name) is NAMESPACE[name], name
        assert function.__doc__ and name in function.__doc__, name
        assert name in ts.__all__
    assert str(inspect.signature(ts.cumsum)) == "(a, axis=None, dtype=None)"
    assert "Running sum along axis" in ts.cumsum.__doc__
    assert ts.Array.mean.__doc__.startswith("``mean(")
    assert "numpy.cumsum" in ts.cumsum.__doc__


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["float64", "float32", "int16"])
def test_unary_functions_match_numpy(ctx, rng, name, dtype):
    low, high = _DOMAIN.get(name, (-3.0, 3.0))
    x = rng.uniform(low, high, (7, 5))
    if dtype == "int16":
        if name in ("arccosh", "arctanh", "arcsin", "arccos"):
            pytest.skip("integer inputs fall outside the domain")
        x = np.round(x * 3)
    x = x.astype(dtype)
    expected = getattr(np, name)(x)
    result = getattr(ts, name)(ts.from_numpy(x, chunks=(3, 2)))
    assert isinstance(result, ts.Array)
    got = result.compute()
    assert got.dtype == expected.dtype, (name, got.dtype, expected.dtype)
    tolerance = 1e-3 if expected.dtype == np.float16 else 1e-6 if expected.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance * 1e-3, equal_nan=True)


@pytest.mark.parametrize("name", BINARY)
def test_binary_functions_match_numpy_with_broadcasting_and_weak_scalars(ctx, rng, name):
    x = rng.uniform(0.5, 3.0, (6, 4))
    y = rng.uniform(0.5, 3.0, (4,)).astype(np.float32)
    for args in ((x, y), (x, 2), (y, 1.5)):
        expected = getattr(np, name)(*args)
        tessera_args = [ts.from_numpy(a, chunks=2) if isinstance(a, np.ndarray) else a for a in args]
        got = getattr(ts, name)(*tessera_args).compute()
        assert got.dtype == expected.dtype, (name, args, got.dtype, expected.dtype)
        np.testing.assert_allclose(got, expected, rtol=1e-6, equal_nan=True)


def test_numpy_scalars_are_strong_in_elementwise_functions(ctx):
    a = ts.from_numpy(np.ones(4, dtype=np.float32), chunks=2)
    assert ts.maximum(a, np.float64(2)).dtype == np.maximum(np.ones(4, np.float32), np.float64(2)).dtype
    assert ts.maximum(a, 2.0).dtype == np.float32  # a Python float is weak


def test_reductions_scans_and_shape_functions_match_numpy(ctx, rng):
    x = rng.normal(size=(6, 5))
    x[1, 2] = np.nan
    a = ts.from_numpy(x, chunks=(4, 2))
    cases = [
        ("nansum", dict(axis=0)), ("nanmean", dict(axis=1)), ("nanmax", {}), ("nanstd", dict(ddof=1)),
        ("median", dict(axis=0)), ("nanmedian", dict(axis=1, keepdims=True)), ("ptp", dict(axis=1)),
        ("count_nonzero", dict(axis=0)), ("cumsum", dict(axis=1)), ("cumprod", dict(axis=0)),
        ("diff", dict(axis=0)), ("sort", dict(axis=1)), ("argsort", dict(axis=0)), ("flip", dict(axis=1)),
        ("squeeze", {}), ("ravel", {}), ("moveaxis", dict(source=0, destination=1)),
    ]
    for name, kwargs in cases:
        expected = getattr(np, name)(x, **kwargs)
        assert_same(getattr(ts, name)(a, **kwargs).compute(), expected)
    assert_same(ts.quantile(a, 0.3, axis=0).compute(), np.quantile(x, 0.3, axis=0))
    assert_same(ts.nanpercentile(a, 90, axis=1).compute(), np.nanpercentile(x, 90, axis=1))
    y = np.nan_to_num(x)
    b = ts.from_numpy(y, chunks=(4, 2))
    assert_same(ts.concatenate([b, y], axis=1).compute(), np.concatenate([y, y], axis=1))
    assert_same(ts.stack([b, b], axis=0).compute(), np.stack([y, y]))
    assert_same(ts.where(b > 0, b, -1.0).compute(), np.where(y > 0, y, -1.0))
    assert_same(ts.take(b, [0, 4, 2], axis=0).compute(), np.take(y, [0, 4, 2], axis=0))
    assert_same(ts.einsum("ij,ij->j", b, b).compute(), np.einsum("ij,ij->j", y, y))
    assert_same(ts.tensordot(b, b, axes=([0], [0])).compute(), np.tensordot(y, y, axes=([0], [0])))
    assert_same(ts.outer(b[0], b[1]).compute(), np.outer(y[0], y[1]))
    assert_same(ts.trace(b).compute(), np.trace(y))
    assert_same(ts.average(b, axis=0, weights=np.arange(1.0, 7.0)).compute(),
                np.average(y, axis=0, weights=np.arange(1.0, 7.0)))


def test_creation_functions_and_like_creators(ctx):
    assert_same(ts.zeros((3, 4), dtype="int8", chunks=2).compute(), np.zeros((3, 4), np.int8))
    assert_same(ts.full((2, 3), 7.5).compute(), np.full((2, 3), 7.5))
    assert_same(ts.arange(2, 20, 3, chunks=2).compute(), np.arange(2, 20, 3))
    assert_same(ts.linspace(0, 1, 11).compute(), np.linspace(0, 1, 11))
    assert_same(ts.eye(4, k=1, dtype=np.float32).compute(), np.eye(4, k=1, dtype=np.float32))
    a = ts.from_numpy(np.arange(6, dtype=np.int16).reshape(2, 3), chunks=(1, 2))
    like = ts.ones_like(a)
    assert (like.shape, like.dtype, like.chunks) == ((2, 3), np.int16, (1, 2))
    assert_same(ts.full_like(a, 4, dtype=np.float32).compute(), np.full((2, 3), 4, np.float32))
    assert_same(ts.zeros_like(np.ones((2, 2))).compute(), np.zeros((2, 2)))


def test_random_is_seeded_and_the_same_on_any_thread_count():
    with ts.Context(threads=1):
        one = ts.random.normal(2.0, 3.0, shape=(300, 200), chunks=64, seed=11).compute()
    with ts.Context(threads=2):
        two = ts.random.normal(2.0, 3.0, size=(300, 200), chunks=64, seed=11).compute()
    np.testing.assert_array_equal(one, two)
    assert abs(one.mean() - 2.0) < 0.05 and abs(one.std() - 3.0) < 0.05
    u = ts.random.random(1000, seed=3).compute()
    assert u.min() >= 0 and u.max() < 1
    i = ts.random.integers(0, 5, shape=(100,), seed=1).compute()
    assert i.dtype == np.int64 and set(np.unique(i)) <= set(range(5))
    assert ts.random.standard_normal((10,)).shape == (10,)


def test_numpy_ufuncs_of_tessera_arrays_are_lazy(ctx, rng):
    x = rng.uniform(0.5, 2.0, (5, 4))
    a = ts.from_numpy(x, chunks=2)
    for result, expected in [
        (np.sqrt(a), np.sqrt(x)),
        (np.add(x, a), x + x),
        (x * a, x * x),  # numpy's operator defers to tessera
        (np.add.reduce(a), np.add.reduce(x)),
        (np.maximum.reduce(a, axis=1, keepdims=True), np.maximum.reduce(x, axis=1, keepdims=True)),
        (np.multiply.accumulate(a, axis=1), np.multiply.accumulate(x, axis=1)),
        (np.matmul(a, x.T), x @ x.T),
        (np.bitwise_and(a > 1, a < 1.5), (x > 1) & (x < 1.5)),
    ]:
        assert isinstance(result, ts.Array), result
        assert_same(result.compute(), expected)


def test_numpy_functions_of_tessera_arrays_are_lazy(ctx, rng):
    x = rng.normal(size=(5, 4))
    a = ts.from_numpy(x, chunks=2)
    for result, expected in [
        (np.sum(a, axis=0), np.sum(x, axis=0)),
        (np.mean(a, axis=1, keepdims=True), np.mean(x, axis=1, keepdims=True)),
        (np.amax(a), np.amax(x)),
        (np.concatenate([a, x]), np.concatenate([x, x])),
        (np.where(a > 0, a, 0.0), np.where(x > 0, x, 0.0)),
        (np.cumsum(a, axis=0), np.cumsum(x, axis=0)),
        (np.transpose(a), x.T),
        (np.clip(a, -0.5, 0.5), np.clip(x, -0.5, 0.5)),
        (np.median(a, axis=0), np.median(x, axis=0)),
        (np.round(a, 2), np.round(x, 2)),
    ]:
        assert isinstance(result, ts.Array), result
        assert_same(result.compute(), expected)
    assert np.shape(a) == (5, 4) and np.ndim(a) == 2 and np.size(a) == 20


def test_what_tessera_lacks_is_computed_within_the_budget(rng):
    x = rng.normal(size=(50, 40))
    a = ts.from_numpy(x, chunks=10)
    assert np.linalg.norm(a) == pytest.approx(np.linalg.norm(x), rel=1e-12)
    assert_same(np.unique(a > 0), np.unique(x > 0))
    out = np.empty_like(x)
    assert np.add(a, 1.0, out=out) is out
    assert_same(out, x + 1.0)
    with ts.Context(memory="16MiB"):
        big = ts.zeros((4096, 4096), chunks=512)  # 128 MiB
        with pytest.raises(ts.BudgetError):
            np.linalg.norm(big)


def test_extra_ndarray_methods(ctx, rng):
    x = rng.normal(size=(4, 6))
    a = ts.from_numpy(x, chunks=(3, 4))
    assert_same(a.cumsum(axis=1).compute(), x.cumsum(axis=1))
    assert_same(a.clip(-0.2, 0.3).compute(), x.clip(-0.2, 0.3))
    assert_same(a.clip(max=0.1).compute(), x.clip(max=0.1))
    assert_same(a.round(1).compute(), x.round(1))
    assert_same(a.swapaxes(0, 1).compute(), x.swapaxes(0, 1))
    assert_same(a.ravel().compute(), x.ravel())
    assert_same(a.flatten().compute(), x.flatten())
    assert_same(a.dot(x.T).compute(), x.dot(x.T))
    assert_same(a.diagonal(1).compute(), x.diagonal(1))
    assert_same(a.trace().compute(), x.trace())
    assert_same(a.take([3, 0], axis=1).compute(), x.take([3, 0], axis=1))
    assert_same(a.argsort(axis=0).compute(), x.argsort(axis=0))
    assert a.copy() is a
    assert a.tolist() == x.tolist() and a[1, 2].item() == x[1, 2]
    assert a.tobytes() == x.tobytes()
    with pytest.raises(NotImplementedError):
        a.cumsum(axis=0, out=np.empty_like(x))


def _scaled_block(block, factor, offset=0.0):
    return block * factor + offset


def test_map_blocks_with_a_python_function(ctx, rng):
    x = rng.normal(size=(10, 7))
    a = ts.from_numpy(x, chunks=(4, 3))
    assert_same(a.map_blocks(_scaled_block, 2.0, offset=1.0).compute(), x * 2.0 + 1.0)
    per_block = a.map_blocks(lambda b: np.full_like(b, b.size)).compute()
    assert per_block[0, 0] == 12 and per_block[9, 6] == 2  # edge blocks are clipped
    assert a.map_blocks(lambda b: b > 0).dtype == np.bool_  # found on an empty block
    assert a.map_blocks(np.sqrt, dtype="float32").dtype == np.float32
    with pytest.raises(ValueError, match="ZeroDivisionError"):
        a.map_blocks(lambda b: 1 / 0, dtype=float).compute()
    with pytest.raises(ValueError, match="for a block of"):
        a.map_blocks(lambda b: b[:1], dtype=float).compute()
    with pytest.raises(TypeError):
        a.map_blocks(np.add, a)


def test_map_blocks_gives_the_same_bits_on_any_thread_count(rng):
    x = rng.normal(size=(200, 50))
    results = []
    for threads in (1, 2):
        with ts.Context(threads=threads):
            a = ts.from_numpy(x, chunks=(16, 50))
            results.append(a.map_blocks(np.cumsum, axis=1).sum(axis=0).compute())
    np.testing.assert_array_equal(results[0], results[1])


def test_the_committed_type_stubs_list_every_function():
    import importlib.util
    import pathlib

    script = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "python_stubs.py"
    spec = importlib.util.spec_from_file_location("python_stubs", script)
    stubs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stubs)
    assert stubs.generated() in stubs.STUBS.read_text(), "run: .venv/bin/python scripts/python_stubs.py"
