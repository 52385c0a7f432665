//! Threads kept between runs to carry engine work for a waiting Python thread:
//! starting a thread for each run costs about as much as a small compute.
//!
//! An idle runner waits for a job on its channel. A caller takes an idle runner (or
//! starts one), hands it the job, and gives it back once the job has ended. The idle
//! list is only touched with the GIL held, so a fork (which holds the GIL) never finds
//! its lock held. Runners are tagged with their process: a forked child, which lacks
//! the parent's runner threads, starts its own.

use std::sync::{Mutex, mpsc};

use pyo3::PyResult;
use pyo3::exceptions::PyRuntimeError;

/// Work handed to a runner.
pub(super) type Job = Box<dyn FnOnce() + Send + 'static>;

/// Most idle runners kept; one given back beyond that ends its thread.
const MAX_IDLE: usize = 4;

/// Runners waiting for a job.
static IDLE: Mutex<Vec<Runner>> = Mutex::new(Vec::new());

/// A thread that runs the jobs sent to it, one after another.
pub(super) struct Runner {
    pid: u32,
    jobs: mpsc::Sender<Job>,
}

impl Runner {
    /// Runs `job` on an idle runner of this process, or on a new one; the runner, to be
    /// given back ([`Runner::give_back`]) once the job has ended.
    pub(super) fn run(job: Job) -> PyResult<Runner> {
        let job = match Runner::take_idle() {
            Some(runner) => match runner.jobs.send(job) {
                Ok(()) => return Ok(runner),
                // Its thread is gone (it cannot be, short of an abort): start another.
                Err(mpsc::SendError(job)) => job,
            },
            None => job,
        };
        let runner = Runner::start()?;
        runner
            .jobs
            .send(job)
            .map_err(|_| PyRuntimeError::new_err("tessera's run thread ended at its start"))?;
        Ok(runner)
    }

    /// Keeps the runner for later runs (up to [`MAX_IDLE`]).
    pub(super) fn give_back(self) {
        let mut idle = IDLE.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(self);
        }
    }

    /// An idle runner of this process; those of a parent process are forgotten (their
    /// threads do not exist here, and dropping their channels could wait for a lock one
    /// of those threads held at the fork).
    fn take_idle() -> Option<Runner> {
        let pid = std::process::id();
        let mut idle = IDLE.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(runner) = idle.pop() {
            if runner.pid == pid {
                return Some(runner);
            }
            std::mem::forget(runner);
        }
        None
    }

    /// A new runner thread, `tessera-run`.
    fn start() -> PyResult<Runner> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("tessera-run".into())
            .spawn(move || {
                for job in queue {
                    job();
                }
            })
            .map_err(|e| {
                PyRuntimeError::new_err(format!("cannot start a thread to run tessera: {e}"))
            })?;
        Ok(Runner {
            pid: std::process::id(),
            jobs,
        })
    }
}
