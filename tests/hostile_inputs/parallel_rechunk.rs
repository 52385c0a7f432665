//! Rechunks that take the scratch file to encode on every thread, into writers that free
//! each chunk part-way through its encode (HDF5's owned writes): killed mid-run, refused
//! a full disk, reached through a symlinked directory, raced by a second writer, and
//! written with ragged edge chunks. Every case checks the values element by element.

use std::time::Duration;

use crate::disk::run_with_file_size_limit;
use crate::harness::{DEADLINE, Snapshot, at, generate, leftovers, spawn, tessera, wait_for};

/// Rows of 64 x 1024 float64 to gzip columns of 1024 x 64 under 16 MiB on 2 threads:
/// the whole-array direct unit fits once, the scratch tasks fit two at a time, so the
/// planner takes the scratch file.
const SHAPE: &str = "1024,1024";
const ROWS: &str = "64,1024";
const COLUMNS: &str = "1024,64";

fn parallel_rechunk_args<'a>(src: &'a str, dst: &'a str) -> Vec<&'a str> {
    vec![
        "convert",
        src,
        dst,
        "--chunks",
        COLUMNS,
        "--codec",
        "gzip:1",
        "--memory",
        "16MiB",
        "--threads",
        "2",
    ]
}

/// How many elements of `a` and `b` differ, as JSON text ("0" when equal).
fn differences(a: &str, b: &str) -> String {
    let outcome = tessera(&[
        "eval",
        "sum(a != b)",
        "-i",
        &format!("a={a}"),
        "-i",
        &format!("b={b}"),
        "--json",
    ]);
    outcome.succeeded();
    let doc: serde_json::Value = serde_json::from_str(&outcome.stdout).expect("JSON output");
    doc["value"].to_string()
}

#[test]
fn the_parallel_scratch_path_is_taken_and_exact_with_ragged_edges() {
    let dir = tempfile::tempdir().unwrap();
    for (shape, name) in [(SHAPE, "even"), ("1000,1021", "ragged")] {
        let src = generate(dir.path(), &format!("{name}.h5:/rows"), shape, ROWS);
        let dst = at(dir.path(), &format!("{name}-cols.h5:/cols"));
        let outcome = tessera(&parallel_rechunk_args(&src, &dst));
        outcome.succeeded();
        assert!(
            outcome.stdout.contains("scratch file"),
            "{name}: expected the scratch strategy: {}",
            outcome.stdout
        );
        assert_eq!(differences(&src, &dst), "0", "{name}");
    }
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

#[test]
fn kill_9_during_a_parallel_rechunk_commits_nothing_and_the_next_run_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    // Twice the rows of the other cases, so the kills land inside the run.
    let src = generate(dir.path(), "rows.h5:/rows", "4096,1024", ROWS);
    let dst = at(dir.path(), "cols.h5:/cols");
    let mut killed_mid_run = 0;
    for round in 0..6u64 {
        let _ = std::fs::remove_file(dir.path().join("cols.h5"));
        let child = spawn(&parallel_rechunk_args(&src, &dst));
        std::thread::sleep(Duration::from_millis(20 + round * round * 15));
        // SAFETY: kill on our own child's pid.
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let outcome = wait_for(child, &["convert"], DEADLINE);
        if outcome.code == Some(0) {
            // Finished before the kill: then it must be whole.
            assert_eq!(differences(&src, &dst), "0", "round {round}");
        } else {
            killed_mid_run += 1;
            assert!(
                !dir.path().join("cols.h5").exists(),
                "round {round}: a killed run committed its target"
            );
        }
        // The next run into the same place removes what the killed one left.
        tessera(&[&parallel_rechunk_args(&src, &dst)[..], &["--overwrite"]].concat()).succeeded();
        assert_eq!(differences(&src, &dst), "0", "round {round}");
        assert!(
            leftovers(dir.path()).is_empty(),
            "round {round}: {:?}",
            leftovers(dir.path())
        );
    }
    assert!(killed_mid_run > 0, "no kill landed before the run ended");
}

#[test]
fn a_scratch_file_that_hits_the_file_size_limit_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let src = generate(dir.path(), "rows.h5:/rows", SHAPE, ROWS);
    let snapshot = Snapshot::of(dir.path());
    // 8 MiB of scratch against a 2 MiB limit: the statvfs check passes, the writes fail.
    let outcome = run_with_file_size_limit(
        &[
            &parallel_rechunk_args(&src, &at(dir.path(), "cols.h5:/cols"))[..],
            &["--quiet"],
        ]
        .concat(),
        2 << 20,
    );
    outcome.refused(&["cols"]);
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
    snapshot.unchanged();
}

#[test]
fn a_target_through_a_symlinked_directory_keeps_its_scratch_beside_the_real_one() {
    let dir = tempfile::tempdir().unwrap();
    let src = generate(dir.path(), "rows.h5:/rows", SHAPE, ROWS);
    let real = dir.path().join("real");
    std::fs::create_dir(&real).unwrap();
    std::os::unix::fs::symlink(&real, dir.path().join("link")).unwrap();
    let dst = at(&dir.path().join("link"), "cols.h5:/cols");
    tessera(&parallel_rechunk_args(&src, &dst)).succeeded();
    assert!(
        real.join("cols.h5").is_file(),
        "the target lands in the real directory"
    );
    assert_eq!(differences(&src, &dst), "0");
    for place in [dir.path(), real.as_path()] {
        assert!(
            leftovers(place).is_empty(),
            "{place:?}: {:?}",
            leftovers(place)
        );
    }
}

#[test]
fn two_parallel_rechunks_racing_to_one_target_leave_one_whole_output() {
    let dir = tempfile::tempdir().unwrap();
    let a = generate(dir.path(), "a.h5:/rows", SHAPE, ROWS);
    let b = generate(dir.path(), "b.h5:/rows", SHAPE, ROWS);
    for round in 0..3 {
        let dst = at(dir.path(), &format!("cols{round}.h5:/cols"));
        let writers: Vec<_> = [&a, &b]
            .iter()
            .map(|src| spawn(&parallel_rechunk_args(src, &dst)))
            .collect();
        let outcomes: Vec<_> = writers
            .into_iter()
            .map(|child| wait_for(child, &["convert"], DEADLINE))
            .collect();
        let winners = outcomes.iter().filter(|o| o.code == Some(0)).count();
        assert_eq!(winners, 1, "{outcomes:#?}");
        for loser in outcomes.iter().filter(|o| o.code != Some(0)) {
            loser.refused(&["already exists"]);
        }
        let whole = differences(&a, &dst) == "0" || differences(&b, &dst) == "0";
        assert!(whole, "round {round}: the target mixes both writers");
    }
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}
