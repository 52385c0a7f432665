//! Full disks, vanishing output directories and outputs that cannot fit.

use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};

use crate::harness::{
    DEADLINE, Snapshot, at, command, generate, leftovers, spawn, tessera, wait_for,
};

#[test]
fn an_output_larger_than_the_free_space_is_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = Snapshot::of(dir.path());
    // 10^7 x 10^7 float64 is 800 TB: no test machine has that free.
    for dst in ["huge.npy", "huge.h5:/x", "huge.zarr"] {
        tessera(&[
            "gen",
            "random",
            &at(dir.path(), dst),
            "--shape",
            "10000000,10000000",
            "--chunks",
            "10000,10000",
        ])
        .refused(&["huge", "free"]);
    }
    snapshot.unchanged();
}

#[test]
fn an_output_needing_more_files_than_free_inodes_or_space_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let src = generate(dir.path(), "in.npy", "100,100", "100,100");
    let snapshot = Snapshot::of(dir.path());
    // 10^12 one-element chunks: far more files (and blocks) than any filesystem has.
    tessera(&[
        "gen",
        "random",
        &at(dir.path(), "many.zarr"),
        "--shape",
        "1000000,1000000",
        "--chunks",
        "1,1",
    ])
    .refused(&["many.zarr"]);
    snapshot.unchanged();
    let _ = src;
}

/// Runs tessera with a file-size limit, the way a full disk looks to a writer.
pub(crate) fn run_with_file_size_limit(args: &[&str], limit: u64) -> crate::harness::Outcome {
    let mut command = command(args);
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        command.pre_exec(move || {
            let rlim = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &rlim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    wait_for(command.spawn().unwrap(), args, DEADLINE)
}

#[test]
fn a_write_that_runs_out_of_room_fails_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let src = generate(dir.path(), "in.h5:/data", "1024,1024", "128,128");
    let snapshot = Snapshot::of(dir.path());
    for dst in ["out.npy", "out.h5:/d", "out.zarr"] {
        let outcome = run_with_file_size_limit(
            &[
                "convert",
                &src,
                &at(dir.path(), dst),
                "--chunks",
                "1024,1024",
                "--quiet",
            ],
            1 << 20,
        );
        outcome.refused(&["out"]);
        assert!(
            leftovers(dir.path()).is_empty(),
            "{dst}: {:?}",
            leftovers(dir.path())
        );
        snapshot.unchanged();
    }
}

#[test]
fn a_vanishing_output_directory_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    // A slow read (4096 small gzip chunks on one thread), so every target is still
    // being written when its directory goes.
    let slow = at(dir.path(), "slow.h5:/data");
    tessera(&[
        "gen",
        "random",
        &slow,
        "--shape",
        "4096,4096",
        "--chunks",
        "64,64",
        "--codec",
        "gzip:9",
        "--quiet",
    ])
    .succeeded();
    for dst in ["out.zarr", "out.npy", "out.h5:/d"] {
        let outdir = dir.path().join("outdir");
        std::fs::create_dir(&outdir).unwrap();
        let child = spawn(&[
            "convert",
            &slow,
            &at(&outdir, dst),
            "--chunks",
            "64,64",
            "--codec",
            "gzip:9",
            "--threads",
            "1",
            "--quiet",
        ]);
        let started = Instant::now();
        while leftovers(&outdir).is_empty() && started.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(20));
        // The writer keeps adding files while this runs: repeat until it is gone.
        while outdir.exists() {
            let _ = std::fs::remove_dir_all(&outdir);
        }
        let outcome = wait_for(child, &["convert"], DEADLINE);
        // Never success over a vanished directory, and never a target recreated there.
        outcome.refused(&[]);
        let name = dst.split(':').next().unwrap();
        assert!(!outdir.join(name).exists(), "{dst}: the target appeared");
        let _ = std::fs::remove_dir_all(&outdir);
    }
}
