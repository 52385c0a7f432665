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
    // Target chunks of 20 MiB, over a third of the budget: the HDF5 sink frees each
    // assembled chunk once shuffled, so a chunk's write holds twice its size, not three
    // times (which was refused).
    let dst = format!("{}:/cols", path(dir.path(), "cols.h5"));
    let args = [
        "convert", &src, &dst, "--chunks", "8192,320", "--codec", "gzip:1",
    ];
    let peak = peak_rss_of(&args);
    assert_within_budget("HDF5 rows (128x8192) -> HDF5 gzip columns (8192x320)", peak);
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

/// The lazy-engine workloads of the compute issue at 1/4 scale: 400 MB of float64
/// (25000 x 2000, chunks 1000 x 1000) under 64 MiB.
#[test]
fn compute_workloads_stay_in_budget() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| path(dir.path(), name);
    let generate = |target: &str, seed: &str, codec: &str| {
        peak_rss_of(&[
            "gen",
            "random",
            target,
            "--shape",
            "25000,2000",
            "--chunks",
            "1000,1000",
            "--seed",
            seed,
            "--codec",
            codec,
        ])
    };
    let (plain, packed) = (format!("{}:/a", p("a.h5")), format!("{}:/a", p("agz.h5")));
    generate(&plain, "1", "none");
    generate(&packed, "1", "gzip:1");
    generate(&p("a.zarr"), "1", "zstd:1");
    generate(&p("b.zarr"), "2", "zstd:1");
    peak_rss_of(&[
        "gen",
        "random",
        &p("v.npy"),
        "--shape",
        "2000",
        "--seed",
        "3",
    ]);
    let a_h5 = format!("a={plain}");
    let (a_zarr, b_zarr) = (format!("a={}", p("a.zarr")), format!("b={}", p("b.zarr")));
    let v = format!("v={}", p("v.npy"));
    let workloads: [(&str, Vec<String>); 7] = [
        ("sum", vec!["reduce".into(), "sum".into(), plain.clone()]),
        ("std", vec!["reduce".into(), "std".into(), plain.clone()]),
        (
            "mean(axis=0) of shuffle+deflate HDF5",
            vec![
                "reduce".into(),
                "mean".into(),
                packed.clone(),
                "--axis".into(),
                "0".into(),
                "--out".into(),
                p("mean0.npy"),
            ],
        ),
        (
            "mean((a - b)**2) over Zarr",
            vec![
                "eval".into(),
                "mean((a - b)**2)".into(),
                "-i".into(),
                a_zarr.clone(),
                "-i".into(),
                b_zarr,
            ],
        ),
        (
            "a @ v",
            vec![
                "eval".into(),
                "a @ v".into(),
                "-i".into(),
                a_h5.clone(),
                "-i".into(),
                v,
                "--out".into(),
                p("av.npy"),
            ],
        ),
        (
            "a.T stored to Zarr (1000, 1000)",
            vec![
                "eval".into(),
                "a.T".into(),
                "-i".into(),
                a_zarr,
                "--out".into(),
                p("at.zarr"),
                "--chunks".into(),
                "1000,1000".into(),
            ],
        ),
        (
            "a.T @ a",
            vec![
                "eval".into(),
                "a.T @ a".into(),
                "-i".into(),
                a_h5,
                "--out".into(),
                p("ata.npy"),
            ],
        ),
    ];
    for (what, args) in workloads {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_within_budget(what, peak_rss_of(&args));
    }
}

/// The dask-surface workloads at 1/4 scale (25000 x 2000 float64, chunks 1000 x 1000,
/// 400 MB) under 64 MiB: a scan, a reshape, a concatenation and a stencil.
#[test]
fn dask_surface_workloads_stay_in_budget() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| path(dir.path(), name);
    let plain = format!("{}:/a", p("a.h5"));
    peak_rss_of(&[
        "gen",
        "random",
        &plain,
        "--shape",
        "25000,2000",
        "--chunks",
        "1000,1000",
        "--seed",
        "5",
    ]);
    let a = format!("a={plain}");
    let workloads = [
        (
            "cumsum(axis=0) to Zarr",
            "cumsum(a, axis=0)",
            Some("cumsum.zarr"),
        ),
        (
            "reshape to Zarr",
            "reshape(a, (50000, 1000))",
            Some("reshaped.zarr"),
        ),
        (
            "concatenate summed",
            "sum(concatenate([a, a], axis=1))",
            None,
        ),
        (
            "3x3 mean filter to Zarr",
            "map_overlap(a, 'mean', depth=1, boundary='reflect')",
            Some("smooth.zarr"),
        ),
    ];
    for (what, expr, out) in workloads {
        let mut args = vec!["eval".to_string(), expr.to_string(), "-i".into(), a.clone()];
        if let Some(name) = out {
            args.extend(["--out".to_string(), p(name)]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_within_budget(what, peak_rss_of(&args));
    }
}

/// Lane operations (sort, median, quantile) hold whole lanes along the axis: lanes that
/// fit run within the budget over an array much larger than it, and a lane that cannot
/// fit is refused before any work, with the bytes it needs.
#[test]
fn lane_operations_stay_in_budget_or_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| path(dir.path(), name);
    let plain = format!("{}:/a", p("a.h5"));
    // 25000 x 2000 float64: 400 MB, over six times the budget.
    peak_rss_of(&[
        "gen",
        "random",
        &plain,
        "--shape",
        "25000,2000",
        "--chunks",
        "1000,1000",
        "--seed",
        "7",
    ]);
    let a = format!("a={plain}");
    let workloads = [
        ("median along axis 0", "sum(median(a, axis=0))", None),
        (
            "quantiles along axis 0 to Zarr",
            "quantile(a, [0.1, 0.9], axis=0)",
            Some("quantiles.zarr"),
        ),
        (
            "sort along axis 1 to Zarr",
            "sort(a, axis=1)",
            Some("sorted.zarr"),
        ),
    ];
    for (what, expr, out) in workloads {
        let mut args = vec!["eval".to_string(), expr.to_string(), "-i".into(), a.clone()];
        if let Some(name) = out {
            args.extend(["--out".to_string(), p(name)]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_within_budget(what, peak_rss_of(&args));
    }
    // The whole array is one lane of 400 MB: refused up front, naming the bytes.
    let output = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["eval", "median(a)", "-i", &a])
        .args(["--memory", &format!("{BUDGET_MIB}MiB"), "--quiet"])
        .output()
        .expect("the tessera binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "a 400 MB lane ran in 64 MiB");
    assert!(
        stderr.contains("median")
            && stderr.contains("needs")
            && stderr.contains("memory budget is"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}
