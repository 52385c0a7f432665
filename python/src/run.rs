//! Running engine work from Python: Ctrl-C and progress bars.
//!
//! [`engine`] runs the work on a thread of its own, on a view of the context that a
//! [`tessera::Cancel`] flag stops. The calling thread waits with the GIL released, in
//! slices of [`SLICE`]; between slices it attaches briefly to look at signals
//! (`Python::check_signals`, which runs Python's handlers: Ctrl-C raises
//! KeyboardInterrupt there) and to draw the active progress bars. On an exception from
//! a handler it sets the flag, waits for the engine to stop (within about one chunk's
//! work; nothing is committed) and raises that exception.
//!
//! The engine reports progress from its worker threads into two atomic counters, never
//! touching Python; only the waiting thread calls the bars (`tessera._progress`), at
//! most once a slice.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyList;
use tessera::convert::ProgressFn;


/// How long the waiting thread keeps the GIL released between looks at signals and
/// progress.
const SLICE: Duration = Duration::from_millis(50);

/// Runs `work` on the engine with `ctx`, stoppable with Ctrl-C and drawn by the active
/// progress bars (see the module's documentation). `work` gets the context view to run
/// on and the progress callback to hand to the engine (`None` when no bar is active).
///
/// The outer error is a Python exception raised while waiting (KeyboardInterrupt from
/// Ctrl-C, whatever another signal handler raised, a failure to start the bars); the
/// inner result is the engine's own.
pub(crate) fn engine<T: Send>(
    py: Python<'_>,
    ctx: Arc<tessera::Context>,
    work: impl FnOnce(&tessera::Context, Option<&ProgressFn<'_>>) -> tessera::Result<T> + Send,
) -> PyResult<tessera::Result<T>> {
    let bars = Bars::start(py)?;
    let cancel = tessera::Cancel::new();
    let view = ctx.with_cancel(&cancel);
    let counts = Counts::default();
    let report = |done: u64, total: u64| counts.record(done, total);
    let progress: Option<&ProgressFn<'_>> = (!bars.is_empty()).then_some(&report);
    let finished = Finished::default();
    let (outcome, interrupt) = std::thread::scope(|scope| {
        let engine = scope.spawn(|| {
            let _done = finished.on_drop();
            work(&view, progress)
        });
        let interrupt = watch(py, &finished, &cancel, &bars, &counts);
        (engine.join(), interrupt)
    });
    let result = match outcome {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    let (done, total) = counts.get();
    bars.finish(py, done, total, interrupt.is_none() && result.is_ok());
    match interrupt {
        Some(exception) => Err(exception),
        None => Ok(result),
    }
}

/// Waits for the engine to finish, looking at signals and drawing progress between
/// slices; the exception a signal handler raised, if any (the flag is set then).
fn watch(
    py: Python<'_>,
    finished: &Finished,
    cancel: &tessera::Cancel,
    bars: &Bars,
    counts: &Counts,
) -> Option<PyErr> {
    let mut interrupt = None;
    while !py.detach(|| finished.wait(SLICE)) {
        if interrupt.is_some() {
            continue;
        }
        if let Err(exception) = py.check_signals() {
            cancel.cancel();
            interrupt = Some(exception);
            continue;
        }
        let (done, total) = counts.get();
        bars.update(py, done, total);
    }
    interrupt
}

/// Set when the engine's thread ends (also by a panic).
#[derive(Default)]
struct Finished {
    done: Mutex<bool>,
    signal: Condvar,
}

/// Marks a [`Finished`] done when dropped.
struct SetOnDrop<'a>(&'a Finished);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        *self.0.done.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.0.signal.notify_all();
    }
}

impl Finished {
    fn on_drop(&self) -> SetOnDrop<'_> {
        SetOnDrop(self)
    }

    /// True once done; waits up to `slice` for it.
    fn wait(&self, slice: Duration) -> bool {
        let done = self.done.lock().unwrap_or_else(|p| p.into_inner());
        let (done, _) = self
            .signal
            .wait_timeout_while(done, slice, |done| !*done)
            .unwrap_or_else(|p| p.into_inner());
        *done
    }
}

/// The latest (tasks done, tasks in all) the engine reported, from any thread.
#[derive(Default)]
struct Counts {
    done: AtomicU64,
    total: AtomicU64,
}

impl Counts {
    fn record(&self, done: u64, total: u64) {
        // Phases of a run (a rechunk's two passes, several outputs) report their own
        // totals: the bar follows the latest.
        self.total.store(total, Ordering::Relaxed);
        self.done.store(done, Ordering::Relaxed);
    }

    fn get(&self) -> (u64, u64) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }
}

/// The progress bars drawing one run: `tessera._progress` run objects, with `update`
/// and `finish` methods. A bar that raises is reported as unraisable (the run goes on).
struct Bars(Vec<Py<PyAny>>);

impl Bars {
    /// The bars active now (`tessera.ProgressBar`), each started for this run.
    fn start(py: Python<'_>) -> PyResult<Bars> {
        static BEGIN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let runs = BEGIN
            .import(py, "tessera._progress", "_begin")?
            .call0()?
            .cast_into::<PyList>()?;
        Ok(Bars(runs.iter().map(Bound::unbind).collect()))
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn update(&self, py: Python<'_>, done: u64, total: u64) {
        for run in &self.0 {
            report(py, run, run.bind(py).call_method1("update", (done, total)));
        }
    }

    fn finish(&self, py: Python<'_>, done: u64, total: u64, ok: bool) {
        for run in &self.0 {
            report(py, run, run.bind(py).call_method1("finish", (done, total, ok)));
        }
    }
}

/// Reports an exception a bar raised as unraisable (`sys.unraisablehook`).
fn report(py: Python<'_>, run: &Py<PyAny>, outcome: PyResult<Bound<'_, PyAny>>) {
    if let Err(e) = outcome {
        e.write_unraisable(py, Some(run.bind(py)));
    }
}
