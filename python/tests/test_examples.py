"""The scripts in examples/ still run: each one, in its ``--quick`` smoke mode, in a
subprocess, exits 0 (it exits 1 when tessera and dask disagree) and prints its table.
Timings are printed, never asserted."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("dask.array")
pytest.importorskip("h5py")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = ["matvec.py", "to_hdf5.py", "reduce_hdf5.py"]


def test_every_example_is_tested():
    found = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
    assert found == sorted(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_example_runs(script, tmp_path):
    argv = [sys.executable, str(EXAMPLES / script), "--quick"]
    if script != "matvec.py":
        argv += ["--dir", str(tmp_path)]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert proc.returncode == 0, f"{script} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "| case | dask s | tessera s | dask / tessera |" in proc.stdout, proc.stdout
    assert not list(tmp_path.iterdir()), "the example left files behind"


def test_a_disagreement_exits_1(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    import numpy as np
    from _timing import check

    check("same", np.arange(3.0), np.arange(3.0))
    for actual in (np.arange(3.0) + 1e-6, np.arange(4.0), np.arange(3)):
        with pytest.raises(SystemExit) as e:
            check("differs", actual, np.arange(3.0))
        assert e.value.code == 1
