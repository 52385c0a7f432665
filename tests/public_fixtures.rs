//! Acceptance test of "Faithful copies" over the public real-world files in
//! `../shared/fixtures/public` (five tarballs; their SOURCES.md says where each comes
//! from and which reference library reads it).
//!
//! One Python process (`tests/public_fixtures/check.py`, run with `$TESSERA_PYTHON`, the
//! virtualenv of scripts/setup.sh) unpacks the tarballs into a temporary folder, lists
//! every array (h5py, netCDF4-python, zarr-python) and runs this build's `tessera` on
//! each one:
//!
//! - `read`: `tessera convert ARRAY out.npy` must equal what the reference library reads
//!   (shape, dtype, values, NaN positions);
//! - write-back to `out.h5:/x`, `out_v2.zarr` and a sharded `out_v3.zarr`, read by h5py
//!   and zarr-python: `*.write`, `*.data`, `*.chunks`, `*.attrs`, `*.dims`;
//! - every netCDF file copied whole (`tessera convert in.nc out.nc|out.zarr`) and opened
//!   by xarray (engines netcdf4 and h5netcdf, `open_zarr`): `xr.*`.
//!
//! Each array x check is `ok`, `mismatch`, `refused-one-line` (exit code 2, one line
//! naming the file), `refused-badly` (a panic, a hang, several lines, no file name) or
//! `reference-cannot-read`. The test prints the counts per tarball and check and fails
//! on any `mismatch` or `refused-badly`, listing each with its reason.
//!
//! `TESSERA_PUBLIC_ARGS="--only zsnap --limit 50"` narrows a run; `--keep DIR` keeps the
//! unpacked files and every output; `--all-writes` write-back checks every array instead
//! of the fixed subset. The script runs on its own too:
//! `TESSERA_BIN=target/release/tessera .venv/bin/python tests/public_fixtures/check.py
//! ../shared/fixtures/public`.

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The outcomes that fail the test.
const FAILING: [&str; 2] = ["mismatch", "refused-badly"];

/// The columns of the printed table, in order.
const OUTCOMES: [&str; 5] = [
    "ok",
    "mismatch",
    "refused-one-line",
    "refused-badly",
    "reference-cannot-read",
];

/// Runs check.py over `public` and parses the JSON summary it prints.
fn run_check(python: &Path, public: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/public_fixtures/check.py");
    let mut command = Command::new(python);
    command
        .arg(&script)
        .arg(public)
        .env("TESSERA_BIN", env!("CARGO_BIN_EXE_tessera"));
    if let Ok(extra) = std::env::var("TESSERA_PUBLIC_ARGS") {
        command.args(extra.split_whitespace());
    }
    let output = command
        .output()
        .expect("run tests/public_fixtures/check.py");
    // check.py writes its progress to stderr
    print!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "check.py failed ({}); its stderr is above",
        output.status
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "check.py did not print JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// The counts per tarball and check, one row each.
fn print_counts(summary: &Value) {
    println!(
        "{:<18} {:<13} {:>6} {:>9} {:>17} {:>14} {:>22}",
        "tarball", "check", OUTCOMES[0], OUTCOMES[1], OUTCOMES[2], OUTCOMES[3], OUTCOMES[4]
    );
    let Some(tarballs) = summary["counts"].as_object() else {
        return;
    };
    for (tarball, checks) in tarballs {
        let Some(checks) = checks.as_object() else {
            continue;
        };
        for (check, outcomes) in checks {
            let count = |outcome: &str| outcomes[outcome].as_u64().unwrap_or(0);
            println!(
                "{:<18} {:<13} {:>6} {:>9} {:>17} {:>14} {:>22}",
                tarball,
                check,
                count(OUTCOMES[0]),
                count(OUTCOMES[1]),
                count(OUTCOMES[2]),
                count(OUTCOMES[3]),
                count(OUTCOMES[4])
            );
        }
    }
    println!(
        "arrays: {}; write-back checked: {}; {} s",
        summary["arrays"], summary["write_checked"], summary["seconds"]
    );
}

/// Prints a `{text: count}` object of the summary under a heading.
fn print_groups(summary: &Value, key: &str, heading: &str) {
    let Some(groups) = summary[key].as_object() else {
        return;
    };
    if groups.is_empty() {
        return;
    }
    println!("{heading}:");
    for (text, count) in groups {
        println!("  {count:5}  {text}");
    }
}

/// One line per failing array x check: `[tarball] array check outcome: reason`.
fn failure_lines(summary: &Value) -> Vec<String> {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
    summary["failures"]
        .as_array()
        .map(|failures| {
            failures
                .iter()
                .filter(|f| FAILING.contains(&f["outcome"].as_str().unwrap_or_default()))
                .map(|f| {
                    format!(
                        "[{}] {} {} {}: {}",
                        text(&f["tarball"]),
                        text(&f["array"]),
                        text(&f["check"]),
                        text(&f["outcome"]),
                        text(&f["reason"])
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn public_files_read_write_back_and_open_in_xarray_like_the_reference_libraries() {
    let Some(python) = common::python() else {
        return;
    };
    let Some(fixtures) = common::fixtures_dir() else {
        return;
    };
    let public = fixtures.join("public");
    if !public.is_dir() {
        println!("skipping: {} not found", public.display());
        return;
    }
    let summary = run_check(&python, &public);
    print_counts(&summary);
    print_groups(&summary, "failure_groups", "failures, grouped");
    print_groups(
        &summary,
        "refused_numeric_arrays_the_reference_reads",
        "numeric arrays tessera refuses (in one line) and the reference library reads",
    );
    print_groups(
        &summary,
        "reference_cannot_read",
        "arrays the reference library cannot read",
    );
    let failures = failure_lines(&summary);
    let known = known_gaps();
    let new: Vec<String> = failures
        .iter()
        .filter(|line| !known.iter().any(|key| line_key(line) == *key))
        .cloned()
        .collect();
    let closed: Vec<String> = known
        .iter()
        .filter(|key| !failures.iter().any(|line| line_key(line) == **key))
        .map(|key| format!("{key}: passes now; remove it from known_gaps.txt"))
        .collect();
    println!(
        "{} failing checks, {} of them known gaps (tests/public_fixtures/known_gaps.txt)",
        failures.len(),
        failures.len() - new.len()
    );
    common::assert_no_failures("public-fixture checks", &[new, closed].concat());
}

/// `TARBALL ARRAY CHECK` of each gap known today (tests/public_fixtures/known_gaps.txt).
fn known_gaps() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/public_fixtures/known_gaps.txt");
    std::fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

/// The `TARBALL ARRAY CHECK` key of a failure line `[TARBALL] ARRAY CHECK OUTCOME: ...`.
fn line_key(line: &str) -> String {
    let (head, _) = line.split_once(": ").unwrap_or((line, ""));
    let mut words: Vec<&str> = head.split(' ').collect();
    words.pop(); // the outcome
    words.join(" ").replacen('[', "", 1).replacen(']', "", 1)
}
