//! Cancelling a run: a [`Cancel`] handle is shared between the code that starts a run
//! (through [`Context::with_cancel`](crate::Context::with_cancel)) and whoever may stop
//! it, such as a Ctrl-C handler or another thread.
//!
//! The engine looks at the flag between tasks and between the pieces a task reads, so a
//! cancelled run ends within about one chunk's work: the tasks running finish the piece
//! they are on, queued tasks skip theirs, and the run returns
//! [`Error::Cancelled`](crate::Error::Cancelled). Reservations are dropped on the way out
//! (memory use returns to what it was), and a store commits nothing: its staged output
//! is removed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A flag that stops the runs of every context made with it
/// ([`Context::with_cancel`](crate::Context::with_cancel)). Clones share the flag; once
/// cancelled it stays cancelled, so make a new one for each run that may be stopped.
///
/// # Examples
/// ```
/// use tessera::{Cancel, Context, Error};
/// let ctx = Context::with_limits(64 << 20, 2)?;
/// let cancel = Cancel::new();
/// let run = ctx.with_cancel(&cancel);
/// let a = tessera::ones(&[1000], &[100], tessera::DType::F64)?;
/// assert_eq!(a.sum()?.compute_vec::<f64>(&run)?, vec![1000.0]);
///
/// cancel.cancel(); // from any thread, at any time
/// assert!(cancel.is_cancelled());
/// assert!(matches!(a.sum()?.compute(&run), Err(Error::Cancelled)));
/// assert!(a.sum()?.compute(&ctx).is_ok(), "the context itself is not cancelled");
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
}

impl Cancel {
    /// A flag not yet cancelled.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Asks every run using this flag to stop. Returns at once; the run ends with
    /// [`Error::Cancelled`](crate::Error::Cancelled) soon after.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// True once [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}
