//! Concurrent writers and readers of one target.

use std::path::Path;
use std::time::Duration;

use crate::harness::{DEADLINE, at, generate, leftovers, spawn, sum_value, tessera, wait_for};

/// What a reader of a target written from `src` with `layout` must see: the sum over a
/// reference copy written the same way (sums depend on the chunking's order).
fn reference_sum(dir: &Path, src: &str, name: &str, layout: &[&str]) -> String {
    let reference = at(dir, name);
    let mut args = vec!["convert", src, &reference, "--quiet"];
    args.extend_from_slice(layout);
    tessera(&args).succeeded();
    sum_value(&reference)
}

#[test]
fn concurrent_writers_of_a_new_target_leave_exactly_one_whole_output() {
    let dir = tempfile::tempdir().unwrap();
    let a = generate(dir.path(), "a.npy", "300,200", "300,200");
    let b = generate(dir.path(), "b.h5:/x", "300,200", "50,50");
    let layout = ["--chunks", "30,30"];
    let sum_a = reference_sum(dir.path(), &a, "ref-a.zarr", &layout);
    let sum_b = reference_sum(dir.path(), &b, "ref-b.zarr", &layout);
    for round in 0..4 {
        let target = at(dir.path(), &format!("out{round}.zarr"));
        let writers: Vec<_> = [&a, &b, &a, &b]
            .iter()
            .map(|src| spawn(&["convert", src, &target, "--chunks", "30,30", "--quiet"]))
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
        let got = sum_value(&target);
        assert!(got == sum_a || got == sum_b, "a mix: {got}");
    }
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

#[test]
fn concurrent_overwrites_leave_one_whole_output() {
    let dir = tempfile::tempdir().unwrap();
    let a = generate(dir.path(), "a.npy", "300,200", "300,200");
    let b = generate(dir.path(), "b.npy", "300,200", "300,200");
    let layout = ["--chunks", "40,40"];
    let sum_a = reference_sum(dir.path(), &a, "ref-a.zarr", &layout);
    let sum_b = reference_sum(dir.path(), &b, "ref-b.zarr", &layout);
    let target = at(dir.path(), "out.zarr");
    tessera(&["convert", &a, &target, "--chunks", "40,40", "--quiet"]).succeeded();
    let writers: Vec<_> = (0..6)
        .map(|i| {
            let src = if i % 2 == 0 { &a } else { &b };
            spawn(&[
                "convert",
                src,
                &target,
                "--chunks",
                "40,40",
                "--overwrite",
                "--quiet",
            ])
        })
        .collect();
    for child in writers {
        // Each either replaced the target or was refused because another one replaced
        // it meanwhile; never a panic, never a partial store.
        wait_for(child, &["convert"], DEADLINE).succeeded_or_refused();
    }
    let got = sum_value(&target);
    assert!(got == sum_a || got == sum_b, "a mix: {got}");
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

/// Readers that run while the target is replaced again and again see the old array or
/// the new one, or fail with one line; never a mix of the two.
#[test]
fn readers_during_overwrites_see_old_or_new_never_a_mix() {
    let dir = tempfile::tempdir().unwrap();
    let a = generate(dir.path(), "a.npy", "400,300", "400,300");
    let b = at(dir.path(), "b.npy");
    tessera(&[
        "eval",
        "a * 2 + 1",
        "-i",
        &format!("a={a}"),
        "--out",
        &b,
        "--quiet",
    ])
    .succeeded();
    for target in ["out.npy", "out.h5:/d", "out.zarr"] {
        let layout = ["--chunks", "20,20"];
        let sum_a = reference_sum(dir.path(), &a, &format!("ref-a-{target}"), &layout);
        let sum_b = reference_sum(dir.path(), &b, &format!("ref-b-{target}"), &layout);
        let dst = at(dir.path(), target);
        tessera(&["convert", &a, &dst, "--chunks", "20,20", "--quiet"]).succeeded();
        let writer = std::thread::spawn({
            let (a, b, dst) = (a.clone(), b.clone(), dst.clone());
            move || {
                for i in 0..8 {
                    let src = if i % 2 == 0 { &b } else { &a };
                    tessera(&[
                        "convert",
                        src,
                        &dst,
                        "--chunks",
                        "20,20",
                        "--overwrite",
                        "--quiet",
                    ])
                    .succeeded();
                }
            }
        });
        let mut seen = 0;
        while !writer.is_finished() {
            let outcome = tessera(&["reduce", "sum", &dst, "--json", "--threads", "1"]);
            if outcome.code == Some(0) {
                let doc: serde_json::Value = serde_json::from_str(&outcome.stdout).unwrap();
                let got = doc["value"].to_string();
                assert!(got == sum_a || got == sum_b, "{target}: a mix: {got}");
                seen += 1;
            } else {
                outcome.refused(&[]);
            }
            std::thread::sleep(Duration::from_millis(3));
        }
        writer.join().unwrap();
        assert!(seen > 0, "{target}: no read completed");
    }
}
