//! The executor: runs independent tasks on the context's rayon pool, admitting each
//! only when its projected bytes fit the memory budget.
//!
//! The caller's thread is the dispatcher. It walks the tasks in order, waits (blocking
//! only itself) until a task's reservation fits, and hands the task to the pool with its
//! reservation; the reservation is released when the task ends. Workers never wait for
//! memory, so tasks that use rayon inside themselves (a reduction reading its pieces in
//! parallel) cannot deadlock against admission. The first error stops dispatching, and
//! tasks already queued skip their work. A cancelled context
//! ([`Context::with_cancel`](crate::Context::with_cancel)) counts as that first error:
//! the dispatcher looks before each task, and each queued task before it starts.
//!
//! Besides bytes, the dispatcher bounds how many tasks wait in the pool's queue
//! ([`QUEUED_PER_THREAD`] a thread): each queued task is a heap job of about 90 bytes,
//! and a million tiny tasks whose bytes all fit would otherwise queue 90 MB of them.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use crate::context::Context;
use crate::error::{Error, Result};

/// Tasks queued or running at once, per pool thread.
pub const QUEUED_PER_THREAD: u64 = 64;

/// Called with (tasks done, tasks in all).
pub type ProgressFn<'a> = dyn Fn(u64, u64) + Send + Sync + 'a;

/// Runs `task(0..count)` in parallel, each admitted when `bytes` are free.
/// `op` names the work in budget errors.
pub fn run_admitted(
    ctx: &Context,
    op: &str,
    count: u64,
    bytes: u64,
    progress: Option<&(dyn Fn(u64, u64) + Send + Sync + '_)>,
    task: impl Fn(u64) -> Result<()> + Send + Sync,
) -> Result<()> {
    run_admitted_sized(ctx, op, count, |_| bytes, progress, task)
}

/// `run_admitted` where task `index` reserves `bytes(index)` (tasks of unequal size,
/// such as several outputs' tasks interleaved in one run).
pub fn run_admitted_sized(
    ctx: &Context,
    op: &str,
    count: u64,
    bytes: impl Fn(u64) -> u64,
    progress: Option<&(dyn Fn(u64, u64) + Send + Sync + '_)>,
    task: impl Fn(u64) -> Result<()> + Send + Sync,
) -> Result<()> {
    check_task_count(op, count)?;
    if count > 0 {
        ctx.budget()
            .check_fits((0..count).map(&bytes).max().unwrap_or(0), op)?;
    }
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let failed = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let queue = QueueBound::new(ctx);
    let fail = |error: Error| {
        failed.store(true, Ordering::Relaxed);
        let mut slot = failure.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(error);
    };
    ctx.in_place_scope(|scope| {
        for index in 0..count {
            if failed.load(Ordering::Relaxed) {
                break;
            }
            if let Err(e) = ctx.check_cancelled() {
                fail(e);
                break;
            }
            queue.wait_for_room(index);
            let reservation = match ctx.budget().reserve(bytes(index), op) {
                Ok(r) => r,
                Err(e) => {
                    fail(e);
                    break;
                }
            };
            let (task, fail, failed, done, queue) = (&task, &fail, &failed, &done, &queue);
            scope.spawn(move |_| {
                let _reservation = reservation;
                let _ended = queue.on_end();
                if failed.load(Ordering::Relaxed) {
                    return;
                }
                if let Err(e) = ctx.check_cancelled() {
                    fail(e);
                    return;
                }
                match task(index) {
                    Ok(()) => {
                        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                        if let Some(report) = progress {
                            report(finished, count);
                        }
                    }
                    Err(e) => fail(e),
                }
            });
        }
    })?;
    match failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// How many dispatched tasks have ended, and the dispatcher to wake when one does.
struct QueueBound {
    limit: u64,
    ended: AtomicU64,
    /// While the dispatcher waits: the count of ended tasks it waits for (0: none).
    wake_at: AtomicU64,
    dispatcher: std::thread::Thread,
}

/// Counts a task as ended when dropped (also when it fails or panics).
struct Ended<'a>(&'a QueueBound);

impl Drop for Ended<'_> {
    fn drop(&mut self) {
        let ended = self.0.ended.fetch_add(1, Ordering::SeqCst) + 1;
        let wake_at = self.0.wake_at.load(Ordering::SeqCst);
        if wake_at != 0 && ended >= wake_at {
            self.0.dispatcher.unpark();
        }
    }
}

impl QueueBound {
    fn new(ctx: &Context) -> QueueBound {
        // A dispatcher that is itself a pool thread must never park: the tasks it waits
        // for might need its thread to run.
        let limit = if rayon::current_thread_index().is_some() {
            u64::MAX
        } else {
            (ctx.threads().max(1) as u64).saturating_mul(QUEUED_PER_THREAD)
        };
        QueueBound {
            limit,
            ended: AtomicU64::new(0),
            wake_at: AtomicU64::new(0),
            dispatcher: std::thread::current(),
        }
    }

    fn on_end(&self) -> Ended<'_> {
        Ended(self)
    }

    /// Blocks the dispatcher until task `index` may be queued. A full queue is let drain
    /// to half before dispatching resumes, so the dispatcher sleeps once per half queue,
    /// not once per task.
    fn wait_for_room(&self, index: u64) {
        if index.saturating_sub(self.ended.load(Ordering::SeqCst)) < self.limit {
            return;
        }
        let resume_at = index.saturating_sub(self.limit / 2).max(1);
        self.wake_at.store(resume_at, Ordering::SeqCst);
        while self.ended.load(Ordering::SeqCst) < resume_at {
            // The timeout covers a wake-up that raced with storing `wake_at`.
            std::thread::park_timeout(Duration::from_millis(1));
        }
        self.wake_at.store(0, Ordering::SeqCst);
    }
}

/// Refuses a run of more than [`crate::grid::MAX_TASKS`] tasks before enumerating any.
pub fn check_task_count(op: &str, count: u64) -> Result<()> {
    if count > crate::grid::MAX_TASKS {
        return Err(Error::Invalid(format!(
            "{op} would run {count} tasks, more than the 10^12 tessera plans: use larger chunks"
        )));
    }
    Ok(())
}

/// Folds `items` (given in index order) with `combine` along a fixed binary tree whose
/// shape depends only on the number of items: item pairs (0,1), (2,3), ... first, then
/// pairs of pairs. Holds at most log2(n) + 1 partial results at a time.
#[derive(Default)]
pub struct TreeFold<T> {
    /// Partial results; `levels[i]` covers 2^i consecutive items.
    stack: Vec<(u32, T)>,
}

impl<T> TreeFold<T> {
    /// Most partial results a fold of `items` items holds at once (for memory
    /// projections): one per level of the tree, plus the item being pushed.
    pub fn depth(items: u64) -> u64 {
        64 - u64::from(items.max(1).leading_zeros()) + 1
    }

    /// An empty fold.
    pub fn new() -> TreeFold<T> {
        TreeFold { stack: Vec::new() }
    }

    /// Adds the next item in index order.
    pub fn push(&mut self, item: T, combine: &impl Fn(T, T) -> Result<T>) -> Result<()> {
        let mut carry = (0u32, item);
        while let Some((level, _)) = self.stack.last() {
            if *level != carry.0 {
                break;
            }
            let (level, left) = self
                .stack
                .pop()
                .ok_or_else(|| Error::internal("tree fold stack underflow"))?;
            carry = (level + 1, combine(left, carry.1)?);
        }
        self.stack.push(carry);
        Ok(())
    }

    /// The combination of every item pushed, or `None` when there was none.
    pub fn finish(mut self, combine: &impl Fn(T, T) -> Result<T>) -> Result<Option<T>> {
        let Some((_, mut acc)) = self.stack.pop() else {
            return Ok(None);
        };
        while let Some((_, left)) = self.stack.pop() {
            acc = combine(left, acc)?;
        }
        Ok(Some(acc))
    }
}

#[cfg(test)]
mod tests;
