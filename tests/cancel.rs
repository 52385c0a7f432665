//! Cancelling runs (`Context::with_cancel`): a run whose `Cancel` flag is set from
//! another thread ends with `Error::Cancelled` after at most the blocks already running,
//! commits nothing (no target, no staging, no scratch file left in the directory) and
//! gives back every byte it reserved. Counted, not timed: each test counts the blocks
//! that ran after the flag was set.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::Duration;

use tessera::prelude::*;
use tessera::store::WriteOptions;
use tessera::{Address, Cancel, Chunk};

const THREADS: usize = 2;
/// Blocks of the slow arrays.
const BLOCKS: u64 = 64;
/// The block whose evaluation sets the flag.
const CANCEL_AT: u64 = 4;

/// A context of 64 MiB and [`THREADS`] threads.
fn context() -> Context {
    Context::with_limits(64 << 20, THREADS).unwrap()
}

/// Counts the blocks evaluated, and sets the flag once the block [`CANCEL_AT`] runs.
#[derive(Clone, Default)]
struct Probe {
    blocks: Arc<AtomicU64>,
    cancel: Cancel,
}

impl Probe {
    fn blocks(&self) -> u64 {
        self.blocks.load(Ordering::SeqCst)
    }

    /// No more blocks than those running when the flag was set: the one that set it and
    /// one on each other thread (a reduction runs its pieces in parallel too).
    fn assert_stopped_early(&self) {
        let blocks = self.blocks();
        assert!(
            blocks <= CANCEL_AT + THREADS as u64,
            "{blocks} blocks ran after the cancel at block {CANCEL_AT}"
        );
    }
}

/// A float64 array of `BLOCKS` blocks of `block` elements, each taking a few
/// milliseconds, the `CANCEL_AT`th one setting `probe`'s flag (from a pool thread).
fn slow(probe: &Probe, block: u64) -> Array {
    let probe = probe.clone();
    tessera::ones(&[BLOCKS * block], &[block], DType::F64)
        .unwrap()
        .map_blocks(DType::F64, move |values: &Chunk| {
            let seen = probe.blocks.fetch_add(1, Ordering::SeqCst) + 1;
            if seen == CANCEL_AT {
                probe.cancel.cancel();
            }
            std::thread::sleep(Duration::from_millis(5));
            Ok(values.clone())
        })
}

#[test]
fn a_compute_cancelled_from_another_thread_stops_and_gives_back_its_memory() {
    let ctx = context();
    let baseline = ctx.memory_used();
    let probe = Probe::default();
    let (started, wait) = mpsc::channel();
    let watched = {
        let (probe, started) = (probe.clone(), Mutex::new(started));
        tessera::ones(&[BLOCKS * 1024], &[1024], DType::F64)
            .unwrap()
            .map_blocks(DType::F64, move |values: &Chunk| {
                probe.blocks.fetch_add(1, Ordering::SeqCst);
                let _ = started.lock().unwrap().send(());
                std::thread::sleep(Duration::from_millis(30));
                Ok(values.clone())
            })
    };
    let cancel = probe.cancel.clone();
    let stopper = std::thread::spawn(move || {
        wait.recv().unwrap();
        cancel.cancel();
    });
    let result = watched.compute(&ctx.with_cancel(&probe.cancel));
    stopper.join().unwrap();
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(probe.blocks() < BLOCKS / 2, "{} blocks ran", probe.blocks());
    assert_eq!(ctx.memory_used(), baseline);
    assert_eq!(Error::Cancelled.to_string(), "cancelled");
}

#[test]
fn a_long_reduction_stops_inside_its_one_task() {
    let ctx = context();
    let baseline = ctx.memory_used();
    let probe = Probe::default();
    // One output chunk: the whole sum is one task reading every block.
    let result = slow(&probe, 1024)
        .sum()
        .unwrap()
        .compute(&ctx.with_cancel(&probe.cancel));
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    probe.assert_stopped_early();
    assert_eq!(ctx.memory_used(), baseline);
}

#[test]
fn several_results_computed_together_stop_too() {
    let ctx = context();
    let probe = Probe::default();
    let a = slow(&probe, 1024);
    let outputs = [(&a + 1.0).unwrap(), (&a * 2.0).unwrap()];
    let result = tessera::compute_many(&outputs, &ctx.with_cancel(&probe.cancel));
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    probe.assert_stopped_early();
}

#[test]
fn a_cancelled_store_leaves_nothing_in_any_format() {
    let ctx = context();
    let baseline = ctx.memory_used();
    // 8 MiB of results: more than a sixteenth of the budget, so streamed chunk by chunk;
    // 64 KiB: computed in memory first, then written.
    for block in [1 << 14, 1 << 7] {
        for name in ["out.zarr", "out.h5:/x", "out.npy"] {
            let dir = tempfile::tempdir().unwrap();
            let target = Address::parse(&dir.path().join(name).display().to_string()).unwrap();
            let probe = Probe::default();
            let options = WriteOptions::new(&[]);
            let result =
                slow(&probe, block).store(&ctx.with_cancel(&probe.cancel), &target, &options, None);
            assert!(
                matches!(result, Err(Error::Cancelled)),
                "{name}: {result:?}"
            );
            probe.assert_stopped_early();
            assert_eq!(
                common::dir_entries(dir.path()),
                Vec::<String>::new(),
                "{name}"
            );
            assert_eq!(ctx.memory_used(), baseline, "{name}");
        }
    }
}

#[test]
fn a_cancelled_store_many_commits_no_target() {
    let ctx = context();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| Address::parse(&dir.path().join(name).display().to_string());
    let probe = Probe::default();
    let a = slow(&probe, 1 << 14);
    let targets = [
        (path("a.zarr").unwrap(), WriteOptions::new(&[])),
        (path("b.h5:/b").unwrap(), WriteOptions::new(&[])),
    ];
    let outputs = [(&a + 1.0).unwrap(), a.sum().unwrap()];
    let result = tessera::store_many(&outputs, &targets, &ctx.with_cancel(&probe.cancel), None);
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    probe.assert_stopped_early();
    assert_eq!(common::dir_entries(dir.path()), Vec::<String>::new());
}

#[test]
fn a_flag_set_before_the_run_runs_nothing_and_other_views_go_on() {
    let ctx = context();
    let dir = tempfile::tempdir().unwrap();
    let target = Address::parse(&dir.path().join("out.zarr").display().to_string()).unwrap();
    let probe = Probe::default();
    probe.cancel.cancel();
    let cancelled = ctx.with_cancel(&probe.cancel);
    let a = slow(&probe, 1024);
    assert!(matches!(a.compute(&cancelled), Err(Error::Cancelled)));
    let stored = a.store(&cancelled, &target, &WriteOptions::new(&[]), None);
    assert!(matches!(stored, Err(Error::Cancelled)), "{stored:?}");
    assert_eq!(probe.blocks(), 0);
    assert_eq!(common::dir_entries(dir.path()), Vec::<String>::new());
    // The context itself, and a view with a fresh flag, are not cancelled.
    let fresh = Cancel::new();
    assert_eq!(
        a.sum().unwrap().compute_vec::<f64>(&ctx).unwrap(),
        vec![65536.0]
    );
    assert_eq!(
        a.sum()
            .unwrap()
            .compute_vec::<f64>(&ctx.with_cancel(&fresh))
            .unwrap(),
        vec![65536.0]
    );
}

#[test]
fn a_cancelled_overwrite_keeps_the_old_target_byte_for_byte() {
    let ctx = context();
    for name in ["old.zarr", "old.h5:/x", "old.npy"] {
        let dir = tempfile::tempdir().unwrap();
        let target = Address::parse(&dir.path().join(name).display().to_string()).unwrap();
        let old = tessera::ones(&[BLOCKS << 7], &[1 << 7], DType::F64).unwrap();
        old.store(&ctx, &target, &WriteOptions::new(&[]), None)
            .unwrap();
        let before = common::dir_contents(dir.path());
        let probe = Probe::default();
        let mut options = WriteOptions::new(&[]);
        options.overwrite = true;
        let result = (&slow(&probe, 1 << 7) * 3.0).unwrap().store(
            &ctx.with_cancel(&probe.cancel),
            &target,
            &options,
            None,
        );
        assert!(
            matches!(result, Err(Error::Cancelled)),
            "{name}: {result:?}"
        );
        assert_eq!(
            common::dir_contents(dir.path()),
            before,
            "{name}: the old target, nothing else"
        );
    }
}

#[test]
fn a_cancelled_writer_racing_a_live_one_leaves_the_live_output_whole() {
    let ctx = Arc::new(context());
    let dir = tempfile::tempdir().unwrap();
    let target = Address::parse(&dir.path().join("race.zarr").display().to_string()).unwrap();
    let mut options = WriteOptions::new(&[]);
    options.overwrite = true;
    let probe = Probe::default();
    let cancelled = {
        let (ctx, target, options, probe) = (ctx.clone(), target.clone(), options.clone(), probe);
        std::thread::spawn(move || {
            slow(&probe, 1 << 7).store(&ctx.with_cancel(&probe.cancel), &target, &options, None)
        })
    };
    let live = tessera::full(
        &[BLOCKS << 7],
        &[1 << 7],
        tessera::Scalar::Float(7.0),
        DType::F64,
    )
    .unwrap();
    live.store(&ctx, &target, &options, None).unwrap();
    assert!(matches!(cancelled.join().unwrap(), Err(Error::Cancelled)));
    let read = Array::open(&target.display()).unwrap();
    assert_eq!(
        read.sum().unwrap().compute_vec::<f64>(&ctx).unwrap(),
        vec![7.0 * (BLOCKS << 7) as f64]
    );
    assert_eq!(
        common::dir_entries(dir.path()),
        vec!["race.zarr".to_string()]
    );
}
