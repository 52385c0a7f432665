//! A context's worker threads, and their replacement after a `fork`.
//!
//! `fork` copies only the thread that calls it: in the child, a pool built before the
//! fork has no workers, and work handed to it would wait forever. So each pool
//! remembers the process that built it. Used in another process, it is replaced by a
//! new pool of the same size, built on first use there, and the old one is never
//! dropped in that process (dropping it would signal threads that do not exist).

use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// The worker threads of a context.
pub(super) struct Workers {
    /// Threads per pool (0 asked for: one per core, resolved when built).
    count: usize,
    /// The pool built with the context, and the process it belongs to.
    first: (u32, Arc<rayon::ThreadPool>),
    /// The pool of a forked child, built on first use there.
    replacement: Mutex<Option<(u32, Arc<rayon::ThreadPool>)>>,
}

impl Workers {
    /// `threads` workers (0: one per core).
    pub(super) fn new(threads: usize) -> Result<Workers> {
        let pool = build(threads)?;
        Ok(Workers {
            count: pool.current_num_threads(),
            first: (std::process::id(), Arc::new(pool)),
            replacement: Mutex::new(None),
        })
    }

    /// Number of threads.
    pub(super) fn count(&self) -> usize {
        self.count
    }

    /// The pool this process may use: the first one, or in a forked child, one built
    /// for it.
    pub(super) fn pool(&self) -> Result<Arc<rayon::ThreadPool>> {
        let pid = std::process::id();
        if self.first.0 == pid {
            return Ok(Arc::clone(&self.first.1));
        }
        let mut replacement = self.replacement.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((owner, pool)) = replacement.as_ref()
            && *owner == pid
        {
            return Ok(Arc::clone(pool));
        }
        let pool = Arc::new(build(self.count)?);
        if let Some(stale) = replacement.replace((pid, Arc::clone(&pool))) {
            release(stale);
        }
        Ok(pool)
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        release(self.first.clone());
        let replacement = self
            .replacement
            .get_mut()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(stale) = replacement.take() {
            release(stale);
        }
    }
}

/// Lets go of `pool`: dropped in the process that built it, leaked in any other, where
/// its threads do not exist.
fn release((owner, pool): (u32, Arc<rayon::ThreadPool>)) {
    if owner != std::process::id() {
        std::mem::forget(pool);
    }
}

/// A pool of `threads` workers named `tessera-N` (0: one per core).
fn build(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("tessera-{i}"))
        .build()
        .map_err(|e| Error::Invalid(format!("cannot start {threads} threads: {e}")))
}
