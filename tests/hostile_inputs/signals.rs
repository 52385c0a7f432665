//! SIGINT, SIGTERM and kill -9 at any moment leave the old target or the new one whole, and no staging behind.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::harness::{
    DEADLINE, Snapshot, at, digest, generate, leftovers, spawn, sum_value, tessera, wait_for,
};

/// Starts a slow conversion (gzip:9, small chunks, one thread) of `src` into `dst`.
fn start_slow_convert(src: &str, dst: &str, extra: &[&str]) -> std::process::Child {
    let mut args = vec![
        "convert",
        src,
        dst,
        "--chunks",
        "64,64",
        "--codec",
        "gzip:9",
        "--threads",
        "1",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    spawn(&args)
}

/// Waits until something is staged in `dir` (the write has begun), then `delay` more.
fn wait_until_staged(dir: &Path, delay: Duration) -> bool {
    let started = Instant::now();
    while leftovers(dir).is_empty() {
        if started.elapsed() > Duration::from_secs(30) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(delay);
    true
}

fn signal(child: &std::process::Child, signal: i32) {
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
}

fn big_input(dir: &Path) -> String {
    // 4096 small gzip chunks: reading takes about a second on one thread, so every
    // target (even a .npy, which costs nothing to encode) is mid-write when signalled.
    let address = at(dir, "in.h5:/data");
    tessera(&[
        "gen",
        "random",
        &address,
        "--shape",
        "4096,4096",
        "--chunks",
        "64,64",
        "--codec",
        "gzip:1",
        "--quiet",
    ])
    .succeeded();
    address
}

#[test]
fn sigint_and_sigterm_remove_the_staged_output() {
    let dir = tempfile::tempdir().unwrap();
    let src = big_input(dir.path());
    let input = digest(&dir.path().join("in.h5"));
    for (sig, target) in [
        (libc::SIGINT, "out.zarr"),
        (libc::SIGTERM, "out.h5:/d"),
        (libc::SIGINT, "out.npy"),
        (libc::SIGHUP, "out2.zarr"),
    ] {
        let child = start_slow_convert(&src, &at(dir.path(), target), &[]);
        assert!(wait_until_staged(dir.path(), Duration::from_millis(100)));
        signal(&child, sig);
        let outcome = wait_for(child, &["convert"], DEADLINE);
        assert_eq!(outcome.code, Some(128 + sig), "{outcome:?}");
        assert_eq!(outcome.stderr.lines().count(), 1, "{outcome:?}");
        assert!(
            outcome.stderr.starts_with("tessera: error: interrupted"),
            "{outcome:?}"
        );
        assert_eq!(leftovers(dir.path()), Vec::<String>::new(), "{sig}");
        let name = target.split(':').next().unwrap();
        assert!(!dir.path().join(name).exists(), "{target} appeared");
        assert_eq!(digest(&dir.path().join("in.h5")), input);
    }
}

#[test]
fn sigterm_during_an_orthogonal_rechunk_removes_the_scratch_file() {
    let dir = tempfile::tempdir().unwrap();
    let src = generate(dir.path(), "rows.h5:/data", "8192,1024", "16,1024");
    let cols = at(dir.path(), "cols.zarr");
    let child = spawn(&[
        "convert",
        &src,
        &cols,
        "--chunks",
        "8192,8",
        "--memory",
        "16MiB",
        "--threads",
        "1",
        "--quiet",
    ]);
    assert!(wait_until_staged(dir.path(), Duration::from_millis(50)));
    signal(&child, libc::SIGTERM);
    let outcome = wait_for(child, &["convert"], DEADLINE);
    // It may have finished before the signal; either way nothing is left behind.
    assert!(matches!(outcome.code, Some(0) | Some(143)), "{outcome:?}");
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

#[test]
fn sigint_during_overwrite_keeps_the_old_target() {
    let dir = tempfile::tempdir().unwrap();
    let src = big_input(dir.path());
    let small = generate(dir.path(), "small.npy", "8,8", "8,8");
    let target = at(dir.path(), "out.zarr");
    tessera(&["convert", &small, &target, "--quiet"]).succeeded();
    let old = digest(&dir.path().join("out.zarr"));
    let child = start_slow_convert(&src, &target, &["--overwrite"]);
    assert!(wait_until_staged(dir.path(), Duration::from_millis(150)));
    signal(&child, libc::SIGINT);
    let outcome = wait_for(child, &["convert"], DEADLINE);
    assert_eq!(outcome.code, Some(130), "{outcome:?}");
    assert_eq!(digest(&dir.path().join("out.zarr")), old);
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

/// kill -9 at random moments of an `--overwrite`, the commit included: the target is
/// always the old array whole or the new one whole, and the next run removes what the
/// killed one left, saying so.
#[test]
fn kill_9_at_any_moment_of_an_overwrite_leaves_old_or_new_whole() {
    let dir = tempfile::tempdir().unwrap();
    let src = generate(dir.path(), "in.h5:/data", "512,512", "64,64");
    let small = generate(dir.path(), "small.npy", "8,8", "8,8");
    for target in ["out.zarr", "out.npy", "out.h5:/data"] {
        let dst = at(dir.path(), target);
        let name = target.split(':').next().unwrap();
        // The reference new target, made once without interference.
        let reference = at(dir.path(), &format!("ref-{target}"));
        tessera(&[
            "convert", &src, &reference, "--chunks", "64,64", "--codec", "gzip:9", "--quiet",
        ])
        .succeeded();
        let new = digest(&dir.path().join(format!("ref-{name}")));
        let mut outcomes = [0usize; 2];
        for round in 0..12u64 {
            let _ = std::fs::remove_dir_all(dir.path().join(name));
            let _ = std::fs::remove_file(dir.path().join(name));
            tessera(&["convert", &small, &dst, "--quiet"]).succeeded();
            let old = digest(&dir.path().join(name));
            let child = start_slow_convert(&src, &dst, &["--overwrite"]);
            // Spread the kills over the whole run, commit included.
            std::thread::sleep(Duration::from_millis(round * round * 4));
            signal(&child, libc::SIGKILL);
            let outcome = wait_for(child, &["convert"], DEADLINE);
            let now = digest(&dir.path().join(name));
            if now == old {
                outcomes[0] += 1;
            } else {
                // HDF5 files differ in their timestamps: compare values instead.
                let same_values = sum_value(&dst) == sum_value(&reference);
                assert!(
                    now == new || same_values,
                    "{target} round {round}: neither old nor new ({outcome:?})"
                );
                outcomes[1] += 1;
            }
            // The next write beside it finds the leftovers and removes them.
            let next = tessera(&["convert", &small, &dst, "--overwrite", "--quiet"]);
            next.succeeded();
            assert_eq!(
                leftovers(dir.path()),
                Vec::<String>::new(),
                "{target} round {round}"
            );
        }
        assert!(
            outcomes[0] > 0,
            "{target}: no kill landed before the commit"
        );
    }
}

#[test]
fn leftovers_of_a_killed_run_are_reported_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let src = big_input(dir.path());
    let target = at(dir.path(), "out.zarr");
    let child = start_slow_convert(&src, &target, &[]);
    assert!(wait_until_staged(dir.path(), Duration::from_millis(100)));
    signal(&child, libc::SIGKILL);
    wait_for(child, &["convert"], DEADLINE);
    assert_eq!(leftovers(dir.path()).len(), 1);
    let snapshot = Snapshot::of(&dir.path().join("in.h5"));
    let small = generate(dir.path(), "small.npy", "8,8", "8,8");
    let outcome = tessera(&["convert", &small, &target]);
    outcome.succeeded();
    assert!(
        outcome.stderr.contains("tessera: note: removed"),
        "{outcome:?}"
    );
    assert!(outcome.stderr.contains("no longer running"), "{outcome:?}");
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    snapshot.unchanged();
}

#[test]
fn a_live_writers_staging_is_never_removed() {
    let dir = tempfile::tempdir().unwrap();
    let src = big_input(dir.path());
    let target = at(dir.path(), "out.zarr");
    let child = start_slow_convert(&src, &target, &[]);
    assert!(wait_until_staged(dir.path(), Duration::from_millis(50)));
    // A second, quick writer to the same new target commits first; it must leave the
    // first one's staging alone, and the first must then be refused at its commit,
    // never replace the second's output.
    let small = generate(dir.path(), "small.npy", "8,8", "8,8");
    tessera(&["convert", &small, &target, "--quiet"]).succeeded();
    let committed = digest(&dir.path().join("out.zarr"));
    let first = wait_for(child, &["convert"], DEADLINE);
    first.refused(&["out.zarr", "already exists"]);
    assert_eq!(digest(&dir.path().join("out.zarr")), committed);
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}
