"""Native citizenship beyond numpy: the notebook view (dask's summary table) and dask
interop (``Array.to_dask``, ``dask.array.from_array`` of a tessera array)."""

import numpy as np
import pytest

import tessera as ts


def test_html_view_is_dasks_summary_table():
    a = ts.from_numpy(np.zeros((1000, 300)), chunks=(256, 100))
    html = a._repr_html_()
    for text in ("2.29 MiB", "200.00 KiB", "(1000, 300)", "(256, 100)", "float64", "12 chunks"):
        assert text in html, (text, html)
    assert repr(a) == "tessera.Array<shape=(1000, 300), dtype=float64, chunks=(256, 100)>"


def test_to_dask_keeps_the_chunks_and_computes_the_values(rng):
    da = pytest.importorskip("dask.array")
    x = rng.standard_normal((10, 12))
    a = ts.from_numpy(x, chunks=(4, 5))
    d = a.to_dask()
    assert isinstance(d, da.Array)
    assert d.chunks == ((4, 4, 2), (5, 5, 2))
    assert d.dtype == x.dtype
    np.testing.assert_array_equal(d.compute(scheduler="threads"), x)
    np.testing.assert_allclose((d * 2).mean(axis=0).compute(scheduler="threads"), (x * 2).mean(axis=0))


def test_dask_from_array_takes_a_lazy_tessera_expression(rng):
    da = pytest.importorskip("dask.array")
    x = rng.standard_normal((9, 7))
    a = ts.from_numpy(x, chunks=(3, 7))
    lazy = abs(a - a.mean(axis=0)) ** 0.5
    d = da.from_array(lazy, chunks=(3, 7), asarray=True)
    np.testing.assert_allclose(d.compute(scheduler="threads"), np.abs(x - x.mean(axis=0)) ** 0.5, rtol=1e-12)
