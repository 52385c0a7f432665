//! The memory contract, asserted: converting an array many times larger than the
//! budget keeps the child process's peak RSS (VmHWM, as it reports it in its --json
//! summary) within the budget plus a fixed overhead. This is the 4 GiB / 256 MiB
//! check at 1/8 scale: 512 MiB of float64 under a 64 MiB budget.

use std::path::Path;
use std::process::Command;

const BUDGET_MIB: u64 = 64;
const OVERHEAD_MIB: u64 = 64;

/// Runs tessera with `args` plus the budget and --json, and returns its peak RSS.
fn peak_rss_of(args: &[&str]) -> u64 {
    let output = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .args(["--memory", &format!("{BUDGET_MIB}MiB"), "--json", "--quiet"])
        .output()
        .expect("the tessera binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?} failed: {stderr}");
    let summary: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("a JSON summary on stdout");
    summary["peak_rss_bytes"]
        .as_u64()
        .expect("the summary reports peak RSS")
}

fn assert_within_budget(what: &str, peak: u64) {
    let limit = (BUDGET_MIB + OVERHEAD_MIB) << 20;
    println!(
        "{what}: peak RSS {} MiB (limit {} MiB)",
        peak >> 20,
        limit >> 20
    );
    assert!(
        peak <= limit,
        "{what}: peak RSS {} MiB exceeds {BUDGET_MIB} MiB budget + {OVERHEAD_MIB} MiB",
        peak >> 20
    );
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

#[test]
fn hdf5_to_zarr_rechunk_stays_in_budget() {
    let dir = tempfile::tempdir().unwrap();
    let src = format!("{}:/data", path(dir.path(), "a.h5"));
    let peak = peak_rss_of(&[
        "gen",
        "random",
        &src,
        "--shape",
        "8192,8192",
        "--chunks",
        "1024,1024",
        "--seed",
        "3",
    ]);
    assert_within_budget("generate 512 MiB HDF5", peak);
    let peak = peak_rss_of(&[
        "convert",
        &src,
        &path(dir.path(), "b.zarr"),
        "--chunks",
        "512,512",
        "--codec",
        "zstd:1",
    ]);
    assert_within_budget("HDF5 (1024x1024) -> Zarr (512x512)", peak);
}

#[test]
fn orthogonal_rechunk_stays_in_budget() {
    let dir = tempfile::tempdir().unwrap();
    let src = format!("{}:/data", path(dir.path(), "rows.h5"));
    peak_rss_of(&[
        "gen",
        "random",
        &src,
        "--shape",
        "8192,8192",
        "--chunks",
        "128,8192",
        "--seed",
        "4",
        "--codec",
        "gzip:1",
    ]);
    let dst = path(dir.path(), "cols.zarr");
    let peak = peak_rss_of(&["convert", &src, &dst, "--chunks", "8192,32"]);
    assert_within_budget("HDF5 rows (128x8192) -> Zarr columns (8192x32)", peak);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "scratch or staging left behind: {leftovers:?}"
    );
}
