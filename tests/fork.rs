//! Fork safety: a child forked after tessera ran (its pool threads exist only in the
//! parent) computes again with the parent's context, reading HDF5 and Zarr, also when
//! another thread of the parent was in the middle of HDF5 calls at the fork (the fork
//! handlers hold libhdf5's lock across it). A child that hangs is killed and fails the
//! test instead of hanging it.

use std::time::{Duration, Instant};

use tessera::prelude::*;
use tessera::store::WriteOptions;
use tessera::{Address, Context};

/// How long a child may take before it counts as deadlocked.
const CHILD_LIMIT: Duration = Duration::from_secs(60);

/// Runs `work` in a forked child; true when it returned true and exited in time (a
/// child that hangs is killed).
fn in_child(work: impl FnOnce() -> bool) -> bool {
    // SAFETY: the child only runs `work` and leaves with _exit; the libraries it uses
    // (rayon, libhdf5, the staging registry) are what these tests check for fork safety.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or(false);
        // SAFETY: ends the child at once, without running the parent's exit handlers.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) }
    }
    let started = Instant::now();
    loop {
        let mut status = 0;
        // SAFETY: waits for our own child without blocking.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if done == pid {
            return libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
        }
        if started.elapsed() > CHILD_LIMIT {
            eprintln!("the forked child hung (killed after {CHILD_LIMIT:?})");
            // SAFETY: our own child, stuck.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sum of the array at `address` (every element is 1).
fn sum_of(ctx: &Context, address: &str) -> f64 {
    let a = Array::open(address).unwrap();
    a.sum().unwrap().compute_vec::<f64>(ctx).unwrap()[0]
}

// One test in this binary: a fork copies only the forking thread, and other tests'
// threads would hold whatever they hold.
#[test]
fn a_forked_child_computes_with_the_parents_context() {
    let ctx = Context::with_limits(64 << 20, 2).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let h5 = format!("{}:/x", dir.path().join("in.h5").display());
    let zarr = dir.path().join("in.zarr").display().to_string();
    let ones = tessera::ones(&[256, 256], &[32, 32], DType::F64).unwrap();
    for target in [&h5, &zarr] {
        let address = Address::parse(target).unwrap();
        ones.store(&ctx, &address, &WriteOptions::new(&[]), None)
            .unwrap();
    }
    assert_eq!(sum_of(&ctx, &h5), 65536.0);

    // The pool's threads exist only here: the child rebuilds it.
    let out = dir.path().join("child.npy").display().to_string();
    assert!(in_child(|| {
        let written = (&ones * 2.0).unwrap().store(
            &ctx,
            &Address::parse(&out).unwrap(),
            &WriteOptions::new(&[]),
            None,
        );
        written.is_ok() && sum_of(&ctx, &h5) == 65536.0 && sum_of(&ctx, &zarr) == 65536.0
    }));
    assert_eq!(sum_of(&ctx, &out), 131072.0, "the child's store committed");
    assert_eq!(
        sum_of(&ctx, &h5),
        65536.0,
        "the parent computes on after the fork"
    );

    // Forks while another thread keeps making HDF5 calls: the child's first HDF5 call
    // must not wait for a lock held by a thread it lacks.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let children_ok = std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let reader = Context::with_limits(16 << 20, 2).unwrap();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    assert_eq!(sum_of(&reader, &h5), 65536.0);
                }
            });
        }
        let ok = (0..20).all(|_| {
            std::thread::sleep(Duration::from_millis(5));
            let (child, h5) = (Context::with_limits(16 << 20, 2), &h5);
            in_child(move || child.is_ok_and(|c| sum_of(&c, h5) == 65536.0))
        });
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        ok
    });
    assert!(children_ok);
}
