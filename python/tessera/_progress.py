"""Progress bars for tessera's runs, in the shape of dask's
``dask.diagnostics.ProgressBar``.

While a ``ProgressBar`` is active (a ``with`` block, or between ``register()`` and
``unregister()``), every compute and store, from any thread, draws a bar::

    [########################################] | 100% Completed |  2.1s

The engine counts finished tasks from its worker threads without touching Python; the
thread that started the run (and waits with the GIL released) hands the counts to
``_Run.update`` a few times a second and to ``_Run.finish`` at the end. Lines are
redrawn with a carriage return, which terminals and Jupyter both honour.
"""

import os
import sys
import threading
import time

_lock = threading.Lock()
_active: list["ProgressBar"] = []


def _after_fork_in_child():
    """A fresh lock in a forked child: another thread may have held it at the fork."""
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


class ProgressBar:
    """A text progress bar for every tessera run while it is active.

    ``ProgressBar(minimum=0.0, width=40, dt=0.1, out=None)``: runs shorter than
    ``minimum`` seconds draw nothing; the bar is ``width`` characters wide and redrawn
    at most every ``dt`` seconds on ``out`` (default ``sys.stderr``, looked up when a run
    starts). As with dask, use it as a ``with`` block, or call ``register()`` to show it
    for every run until ``unregister()``::

        with ts.ProgressBar():
            a.to_zarr("out.zarr")

    An active bar serves runs started on any thread.
    """

    def __init__(self, minimum=0.0, width=40, dt=0.1, out=None):
        self.minimum = minimum
        self.width = width
        self.dt = dt
        self.out = out

    def __enter__(self):
        self.register()
        return self

    def __exit__(self, *exc):
        self.unregister()

    def register(self):
        """Shows this bar for every run until ``unregister()``."""
        with _lock:
            if self not in _active:
                _active.append(self)

    def unregister(self):
        """Stops showing this bar (runs already started keep theirs)."""
        with _lock:
            if self in _active:
                _active.remove(self)


class _Run:
    """One run's bar: drawn by the thread that waits for the run."""

    def __init__(self, bar):
        self._bar = bar
        self._out = bar.out if bar.out is not None else sys.stderr
        self._start = time.perf_counter()
        self._last = None

    def update(self, done, total):
        """Redraws the bar when the run is old enough and the last draw is ``dt`` old."""
        now = time.perf_counter()
        if now - self._start < self._bar.minimum:
            return
        if self._last is not None and now - self._last < self._bar.dt:
            return
        self._last = now
        self._draw(done, total, now - self._start)

    def finish(self, done, total, ok):
        """Draws the last state (100% when the run succeeded) and ends the line."""
        elapsed = time.perf_counter() - self._start
        if self._last is None and elapsed < self._bar.minimum:
            return
        if ok:
            done = total = max(total, 1)
        self._draw(done, total, elapsed)
        self._out.write("\n")
        self._out.flush()

    def _draw(self, done, total, elapsed):
        fraction = min(done / total, 1.0) if total else 0.0
        width = self._bar.width
        bar = "#" * int(width * fraction)
        self._out.write(
            f"\r[{bar:<{width}}] | {fraction * 100:3.0f}% Completed | {_format_time(elapsed)}"
        )
        self._out.flush()


def _format_time(seconds):
    """``12.3s``, ``4min 5.6s`` or ``1hr 2min``, as dask prints elapsed times."""
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    if hours:
        return f"{hours:2d}hr {minutes:2d}min"
    if minutes:
        return f"{minutes:2d}min {seconds:4.1f}s"
    return f"{seconds:4.1f}s"


def _begin():
    """The bars of a run starting now, one ``_Run`` per active ``ProgressBar`` (called
    by the native module)."""
    with _lock:
        bars = list(_active)
    return [_Run(bar) for bar in bars]
