"""Shared helpers of the examples: command-line flags, best-of-N wall time, result checks
and the side-by-side table (dask s, tessera s, dask / tessera).

Both engines run in this one process, one after the other, with the same number of
threads: dask's threaded scheduler with ``num_workers=threads`` and a
``tessera.Context(threads=threads)``. Runs of the two engines alternate, so a change in
machine load hits both; each reports its best (minimum) wall time of ``--repeat`` runs,
and its least CPU time (user + system, all threads), which a busy machine disturbs less.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def parser(doc: str | None, repeat: int = 5) -> argparse.ArgumentParser:
    """The flags every example takes: ``--quick``, ``--repeat`` (default ``repeat``),
    ``--threads``, ``--memory``."""
    p = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes and one run per engine: a smoke test, not a benchmark")
    p.add_argument("--repeat", type=int, default=None,
                   help=f"runs per engine and case; the best is reported (default {repeat}, 1 with --quick)")
    p.add_argument("--threads", type=int, default=2,
                   help="worker threads of both engines (default 2)")
    p.add_argument("--memory", default="256MiB", help="tessera's memory budget (default 256MiB)")
    p.set_defaults(default_repeat=repeat)
    return p


def finish(args: argparse.Namespace) -> argparse.Namespace:
    """Fills in the defaults that depend on ``--quick``."""
    if args.repeat is None:
        args.repeat = 1 if args.quick else args.default_repeat
    return args


def use_dask_threads(threads: int) -> None:
    """dask's threaded scheduler with ``threads`` workers, for every compute and store."""
    import dask

    dask.config.set(scheduler="threads", num_workers=threads)


def _cpu() -> float:
    """CPU seconds (user + system) of this process so far, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def wall(fn: Callable[[], Any], setup: Callable[[], Any] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one call of ``fn`` (``setup`` runs first, untimed)."""
    if setup is not None:
        setup()
    cpu = _cpu()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start, _cpu() - cpu


def race(cases: dict[str, Callable[[], Any]], repeat: int,
         setup: Callable[[], Any] | None = None) -> dict[str, tuple[float, float]]:
    """The best wall time and the least CPU time of each callable over ``repeat``
    rounds; each round runs them all in turn (interleaved), ``setup`` untimed before
    each call."""
    best = {name: (float("inf"), float("inf")) for name in cases}
    for _ in range(repeat):
        for name, fn in cases.items():
            w, c = wall(fn, setup)
            best[name] = (min(best[name][0], w), min(best[name][1], c))
    return best


def check(case: str, actual: Any, expected: Any, rtol: float = 1e-10, atol: float = 0.0) -> None:
    """Stops the script with exit code 1 when ``actual`` and ``expected`` differ in shape,
    dtype or values (floats within ``rtol``/``atol``)."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    try:
        assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
        assert actual.dtype == expected.dtype, f"dtype {actual.dtype} != {expected.dtype}"
        if expected.dtype.kind in "fc":
            np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)
        else:
            np.testing.assert_array_equal(actual, expected)
    except AssertionError as e:
        print(f"{case}: tessera and dask disagree: {e}", file=sys.stderr)
        sys.exit(1)


def machine() -> str:
    """One line on the machine and versions, printed above each table."""
    import dask
    import tessera

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:  # the git commit of the checkout that tessera is imported from
        version = "git " + subprocess.run(
            ["git", "-C", os.path.dirname(tessera.__file__), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        version = "?"
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
            f"numpy {np.__version__}, dask {dask.__version__}, tessera {version}")


def load() -> str:
    """The 1-minute load average, or '?'."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def table(title: str, rows: list[tuple[str, tuple[float, float], tuple[float, float]]],
          args: argparse.Namespace) -> str:
    """A Markdown table of (case, dask (wall, cpu), tessera (wall, cpu)) rows with the
    ratio of wall times dask / tessera, and the CPU seconds (all threads) of each."""
    lines = [
        f"{title} ({args.threads} threads each, best of {args.repeat}"
        f"{', --quick' if args.quick else ''})",
        f"machine: {machine()}; load average {load()} at the end",
        "",
        "| case | dask s | tessera s | dask / tessera | dask CPU s | tessera CPU s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for case, (dask_s, dask_cpu), (tessera_s, tessera_cpu) in rows:
        lines.append(f"| {case} | {dask_s:.4f} | {tessera_s:.4f} | {dask_s / tessera_s:.1f}x "
                     f"| {dask_cpu:.3f} | {tessera_cpu:.3f} |")
    return "\n".join(lines)
