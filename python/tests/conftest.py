"""Shared fixtures of the Python test suite: seeded data and a small test context."""

import numpy as np
import pytest

import tessera as ts


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def ctx():
    """A small context (64 MiB, two threads) made current for the test."""
    with ts.Context(memory="64MiB", threads=2) as c:
        yield c


def assert_same(result, expected):
    """Values, dtype and shape as numpy gives them (NaN in the same places)."""
    result = np.asarray(result)
    expected = np.asarray(expected)
    assert result.dtype == expected.dtype, (result.dtype, expected.dtype)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(result, expected, rtol=1e-12, atol=0, equal_nan=True)
    else:
        np.testing.assert_array_equal(result, expected)
