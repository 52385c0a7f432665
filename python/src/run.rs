//! Running engine work from Python: Ctrl-C and progress bars.
//!
//! [`engine`] runs the work on a runner thread (`runner`: kept between runs), on a
//! view of the context that a [`tessera::Cancel`] flag stops. The calling thread waits
//! with the GIL released, in slices of [`SLICE`]; between slices it attaches briefly to
//! look at signals (`Python::check_signals`, which runs Python's handlers: Ctrl-C raises
//! KeyboardInterrupt there) and to draw the active progress bars. On an exception from
//! a handler it sets the flag, waits for the engine to stop (within about one chunk's
//! work; nothing is committed) and raises that exception.
//!
//! Python runs signal handlers only on its main thread, so on another thread with no
//! bar to draw the work simply runs on the calling thread with the GIL released.
//!
//! The engine reports progress from its worker threads into two atomic counters, never
//! touching Python; only the waiting thread calls the bars (`tessera._progress`), at
//! most once a slice.

mod runner;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::Result as Outcome;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyList;
use tessera::convert::ProgressFn;

use runner::Runner;

/// How long the waiting thread keeps the GIL released between looks at signals and
/// progress.
const SLICE: Duration = Duration::from_millis(50);

/// Runs `work` on the engine with `ctx`, stoppable with Ctrl-C and drawn by the active
/// progress bars (see the module's documentation). `work` gets the context (a view
/// that Ctrl-C cancels) and the progress callback to hand to the engine (`None` when
/// no bar is active).
///
/// The outer error is a Python exception raised while waiting (KeyboardInterrupt from
/// Ctrl-C, whatever another signal handler raised, a failure to start the bars); the
/// inner result is the engine's own.
pub(crate) fn engine<T: Send + 'static>(
    py: Python<'_>,
    ctx: Arc<tessera::Context>,
    work: impl FnOnce(&tessera::Context, Option<&ProgressFn<'_>>) -> tessera::Result<T> + Send + 'static,
) -> PyResult<tessera::Result<T>> {
    let bars = Bars::start(py)?;
    if bars.is_empty() && !on_main_thread(py)? {
        return Ok(py.detach(|| work(&ctx, None)));
    }
    let cancel = tessera::Cancel::new();
    let run = Arc::new(Run::new(!bars.is_empty()));
    let job = {
        let (run, view) = (Arc::clone(&run), ctx.with_cancel(&cancel));
        Box::new(move || run.execute(view, work))
    };
    let runner = Runner::run(job)?;
    let interrupt = watch(py, &run, &cancel, &bars);
    runner.give_back();
    let result = match run.take() {
        Some(Ok(result)) => result,
        Some(Err(panic)) => std::panic::resume_unwind(panic),
        None => Err(tessera::Error::internal("a run ended without an outcome")),
    };
    let (done, total) = run.counts.get();
    bars.finish(py, done, total, interrupt.is_none() && result.is_ok());
    match interrupt {
        Some(exception) => Err(exception),
        None => Ok(result),
    }
}

/// Waits for `run` to end, looking at signals and drawing progress between slices;
/// the exception a signal handler raised, if any (the flag is set then).
fn watch<T: Send>(
    py: Python<'_>,
    run: &Run<T>,
    cancel: &tessera::Cancel,
    bars: &Bars,
) -> Option<PyErr> {
    let mut interrupt = None;
    while !py.detach(|| run.wait(SLICE)) {
        if interrupt.is_some() {
            continue;
        }
        if let Err(exception) = py.check_signals() {
            cancel.cancel();
            interrupt = Some(exception);
            continue;
        }
        let (done, total) = run.counts.get();
        bars.update(py, done, total);
    }
    interrupt
}

/// True on Python's main thread, the only one where signal handlers run.
fn on_main_thread(py: Python<'_>) -> PyResult<bool> {
    static MAIN_THREAD: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static GET_IDENT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let main = MAIN_THREAD
        .import(py, "threading", "main_thread")?
        .call0()?;
    let me = GET_IDENT.import(py, "threading", "get_ident")?.call0()?;
    main.getattr(pyo3::intern!(py, "ident"))?.eq(me)
}

/// One run handed to a runner: its outcome once it has ended, and its progress.
struct Run<T> {
    outcome: Mutex<Option<Outcome<tessera::Result<T>>>>,
    ended: Condvar,
    counts: Counts,
    /// Whether the engine is asked to report progress (a bar is active).
    report: bool,
}

impl<T: Send> Run<T> {
    fn new(report: bool) -> Run<T> {
        Run {
            outcome: Mutex::new(None),
            ended: Condvar::new(),
            counts: Counts::default(),
            report,
        }
    }

    /// Runs `work` on `view` (on the runner) and records its outcome, a panic included.
    fn execute(
        &self,
        view: tessera::Context,
        work: impl FnOnce(&tessera::Context, Option<&ProgressFn<'_>>) -> tessera::Result<T>,
    ) {
        let record = |done: u64, total: u64| self.counts.record(done, total);
        let progress: Option<&ProgressFn<'_>> = self.report.then_some(&record);
        let outcome = catch_unwind(AssertUnwindSafe(|| work(&view, progress)));
        drop(view);
        *self.outcome.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
        self.ended.notify_all();
    }

    /// True once the run has ended; waits up to `slice` for it.
    fn wait(&self, slice: Duration) -> bool {
        let outcome = self.outcome.lock().unwrap_or_else(|p| p.into_inner());
        let (outcome, _) = self
            .ended
            .wait_timeout_while(outcome, slice, |outcome| outcome.is_none())
            .unwrap_or_else(|p| p.into_inner());
        outcome.is_some()
    }

    /// The outcome, once the run has ended.
    fn take(&self) -> Option<Outcome<tessera::Result<T>>> {
        self.outcome
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
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
            report_failure(py, run, run.bind(py).call_method1("update", (done, total)));
        }
    }

    fn finish(&self, py: Python<'_>, done: u64, total: u64, ok: bool) {
        for run in &self.0 {
            report_failure(
                py,
                run,
                run.bind(py).call_method1("finish", (done, total, ok)),
            );
        }
    }
}

/// Reports an exception a bar raised as unraisable (`sys.unraisablehook`).
fn report_failure(py: Python<'_>, run: &Py<PyAny>, outcome: PyResult<Bound<'_, PyAny>>) {
    if let Err(e) = outcome {
        e.write_unraisable(py, Some(run.bind(py)));
    }
}
