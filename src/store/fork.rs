//! Locks that a `fork` must not copy while another thread holds them: libhdf5's
//! process-wide lock (every HDF5 call takes it) and the staging registries. A child
//! forked while another thread held one would wait for it forever on its first HDF5
//! call or write. Handlers installed with `pthread_atfork` take these locks in the
//! forking thread just before the fork (waiting for an HDF5 call or a registry update
//! in progress to end) and release them on both sides just after, so that the child
//! starts with all of them free.
//!
//! No holder of these locks waits for anything while holding them (an HDF5 call runs
//! to its end, a registry update is a push or a rename), so taking them never
//! deadlocks the forking thread.
//!
//! libhdf5's lock is a parking_lot mutex: threads that wait for it sit in parking_lot's
//! global queue. Threads that were waiting at the fork are copied into the child's
//! queue without existing there, and unlocking could hand the lock to one of them. The
//! child therefore empties that queue (`unpark_all` on the lock) before unlocking.
//! (What remains: a parking_lot bucket lock held by another thread at the very instant
//! of the fork, a window of a few instructions.)

use std::any::Any;
use std::cell::RefCell;
use std::sync::Once;

use super::staging;

thread_local! {
    /// The locks the forking thread holds across a fork.
    static HELD: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// Installs the fork handlers, once per process (later calls do nothing).
pub(crate) fn install_handlers() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        // SAFETY: the three handlers are plain functions that live as long as the
        // process; pthread_atfork only records them.
        unsafe {
            libc::pthread_atfork(
                Some(before_fork),
                Some(after_fork_in_parent),
                Some(after_fork_in_child),
            );
        }
    });
}

/// Takes every lock, in one fixed order, and keeps the guards until the fork is done.
extern "C" fn before_fork() {
    let (active, notes) = staging::lock_registries();
    let hdf5 = hdf5_sys::LOCK.lock();
    HELD.with(|held| {
        if let Ok(mut held) = held.try_borrow_mut() {
            held.push(Box::new(active));
            held.push(Box::new(notes));
            held.push(Box::new(hdf5));
        }
    });
}

/// Releases the locks taken before the fork, in the parent.
extern "C" fn after_fork_in_parent() {
    release();
}

/// Forgets the threads that waited for libhdf5's lock in the parent, then releases the
/// locks taken before the fork (the child's only thread is the one that took them).
extern "C" fn after_fork_in_child() {
    // SAFETY: `raw` only exposes the lock's raw mutex, whose address is the key its
    // waiters are queued under; nothing is locked or unlocked through it. The threads
    // queued there do not exist in the child, and `unpark_all` only writes to their
    // (copied) records and wakes no one.
    unsafe {
        let key = std::ptr::from_ref(hdf5_sys::LOCK.raw()) as usize;
        parking_lot_core::unpark_all(key, parking_lot_core::DEFAULT_UNPARK_TOKEN);
    }
    release();
}

/// Drops the guards `before_fork` kept, newest first.
fn release() {
    HELD.with(|held| {
        if let Ok(mut held) = held.try_borrow_mut() {
            while let Some(guard) = held.pop() {
                drop(guard);
            }
        }
    });
}
