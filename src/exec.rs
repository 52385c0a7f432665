//! The executor: runs independent tasks on the context's rayon pool, admitting each
//! only when its projected bytes fit the memory budget.
//!
//! The caller's thread is the dispatcher. It walks the tasks in order, waits (blocking
//! only itself) until a task's reservation fits, and hands the task to the pool with its
//! reservation; the reservation is released when the task ends. Workers never wait for
//! memory, so tasks that use rayon inside themselves (a reduction reading its pieces in
//! parallel) cannot deadlock against admission. The first error stops dispatching, and
//! tasks already queued skip their work.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::context::Context;
use crate::error::{Error, Result};

/// Called with (tasks done, tasks in all).
pub type ProgressFn = dyn Fn(u64, u64) + Send + Sync;

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
            let reservation = match ctx.budget().reserve(bytes(index), op) {
                Ok(r) => r,
                Err(e) => {
                    fail(e);
                    break;
                }
            };
            let (task, fail, failed, done) = (&task, &fail, &failed, &done);
            scope.spawn(move |_| {
                let _reservation = reservation;
                if failed.load(Ordering::Relaxed) {
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
    });
    match failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(error) => Err(error),
        None => Ok(()),
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
                .ok_or_else(|| Error::Invalid("internal: tree fold stack underflow".into()))?;
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
