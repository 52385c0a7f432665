//! The command line as a user meets it: bad input gets one line on stderr and exit code
//! 2, never a panic, and never leaves output behind.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn tessera(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .output()
        .expect("the tessera binary runs")
}

/// Asserts a refusal: exit code 2, exactly one line on stderr mentioning `needle`.
fn assert_refused(output: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one line expected: {stderr}"
    );
    assert!(stderr.contains(needle), "'{needle}' not in: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn unknown_address_form_lists_the_accepted_ones() {
    let output = tessera(&["convert", "data.csv", "out.zarr"]);
    assert_refused(&output, "Accepted forms");
}

#[test]
fn missing_input_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.h5");
    let target = dir.path().join("out.zarr");
    let output = tessera(&[
        "convert",
        &format!("{}:/x", missing.display()),
        target.to_str().unwrap(),
    ]);
    assert_refused(&output, "nope.h5");
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn existing_target_is_kept_without_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("a.npy");
    let dst = dir.path().join("b.npy");
    let ok = tessera(&["gen", "random", src.to_str().unwrap(), "--shape", "10,10"]);
    assert!(ok.status.success());
    std::fs::write(&dst, b"precious").unwrap();
    let output = tessera(&["convert", src.to_str().unwrap(), dst.to_str().unwrap()]);
    assert_refused(&output, "--overwrite");
    assert_eq!(std::fs::read(&dst).unwrap(), b"precious");
    let output = tessera(&[
        "convert",
        src.to_str().unwrap(),
        dst.to_str().unwrap(),
        "--overwrite",
    ]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        common::read_all_at(dst.to_str().unwrap()).unwrap(),
        common::read_all_at(src.to_str().unwrap()).unwrap()
    );
}

#[test]
fn overwrite_never_destroys_other_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.zarr");
    let a = format!("{}:/a", store.display());
    let b = format!("{}:/b", store.display());
    let made = tessera(&["gen", "random", &a, "--shape", "10,10"]);
    assert!(made.status.success(), "{made:?}");
    let again = tessera(&[
        "gen",
        "random",
        &a,
        "--shape",
        "10,10",
        "--seed",
        "1",
        "--overwrite",
    ]);
    assert!(
        again.status.success(),
        "replacing the only array is allowed: {again:?}"
    );
    let output = tessera(&["gen", "random", &b, "--shape", "10,10", "--overwrite"]);
    assert_refused(&output, "also holds a");
    assert!(common::read_all_at(&a).is_ok(), "array a must survive");
}

#[test]
fn bad_options_are_refused_before_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("a.npy");
    assert!(
        tessera(&["gen", "random", src.to_str().unwrap(), "--shape", "10,10"])
            .status
            .success()
    );
    let dst = dir.path().join("b.zarr");
    let (s, d) = (src.to_str().unwrap(), dst.to_str().unwrap());
    let cases: [(&[&str], &str); 6] = [
        (&["convert", s, d, "--codec", "snappy"], "unknown codec"),
        (&["convert", s, d, "--codec", "gzip:12"], "level"),
        (&["convert", s, d, "--chunks", "0,5"], "--chunks"),
        (&["convert", s, d, "--chunks", "5,5,5"], "axes"),
        (&["convert", s, d, "--memory", "lots"], "bad size"),
        (
            &["convert", s, d, "--chunks", "5,5", "--shard", "7,7"],
            "multiple",
        ),
    ];
    for (args, needle) in cases {
        assert_refused(&tessera(args), needle);
        assert_eq!(entries(dir.path()), vec!["a.npy"], "after {args:?}");
    }
    let h5 = dir.path().join("b.h5");
    let target = format!("{}:/x", h5.display());
    assert_refused(
        &tessera(&["convert", s, &target, "--codec", "zstd:1"]),
        "HDF5",
    );
    assert_eq!(entries(dir.path()), vec!["a.npy"]);
}

#[test]
fn a_plan_that_cannot_fit_is_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("a.npy");
    let args = [
        "gen",
        "random",
        src.to_str().unwrap(),
        "--shape",
        "4096,512",
    ];
    assert!(tessera(&args).status.success());
    // 4096x512 f64 rows read as one 16 MiB block; a 2 MiB budget cannot hold it.
    let dst = dir.path().join("b.zarr");
    let output = tessera(&[
        "convert",
        src.to_str().unwrap(),
        dst.to_str().unwrap(),
        "--chunks",
        "4096,4",
        "--memory",
        "2MiB",
    ]);
    assert_refused(&output, "memory budget");
    assert_eq!(entries(dir.path()), vec!["a.npy"]);
}

#[test]
fn negative_fixtures_are_refused_with_one_line() {
    let Some(fixtures) = common::fixtures_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.zarr");
    let negative = fixtures.join("negative");
    for name in entries(&negative) {
        let path = negative.join(&name);
        let info = tessera(&["info", path.to_str().unwrap()]);
        let address = if name.ends_with(".zarr") {
            path.display().to_string()
        } else {
            format!("{}:/data", path.display())
        };
        let convert = tessera(&["convert", &address, target.to_str().unwrap()]);
        assert_refused(&convert, &name);
        // `info` refuses a file it cannot open, and lists an array it cannot read
        // with the reason.
        if info.status.success() {
            let text = String::from_utf8_lossy(&info.stdout);
            assert!(text.contains("cannot be read"), "{name}: {text}");
        } else {
            assert_refused(&info, &name);
        }
        assert!(entries(dir.path()).is_empty(), "{name} left output behind");
    }
}

#[test]
fn non_numeric_arrays_are_refused_with_one_line() {
    let Some(fixtures) = common::fixtures_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.npy");
    let manifest = common::load_manifest(&fixtures);
    let mut refused = 0;
    for entry in manifest.iter().filter(|e| e.expected.is_none()) {
        let address = entry.address(&fixtures);
        let output = tessera(&["convert", &address, target.to_str().unwrap()]);
        assert_refused(&output, &entry.path);
        assert!(
            entries(dir.path()).is_empty(),
            "{address} left output behind"
        );
        refused += 1;
    }
    assert!(refused > 20, "only {refused} non-numeric entries found");
}

#[test]
fn generated_data_is_the_same_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for threads in ["1", "2", "4"] {
        let path = dir.path().join(format!("r{threads}.npy"));
        let output = tessera(&[
            "gen",
            "random",
            path.to_str().unwrap(),
            "--shape",
            "300,200",
            "--chunks",
            "64,50",
            "--seed",
            "42",
            "--threads",
            threads,
        ]);
        assert!(output.status.success(), "{output:?}");
        files.push(std::fs::read(&path).unwrap());
    }
    assert_eq!(files[0], files[1]);
    assert_eq!(files[0], files[2]);
}

#[test]
fn info_lists_arrays_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.zarr");
    let target = format!("{}:/grp/arr", store.display());
    let generated = tessera(&[
        "gen", "random", &target, "--shape", "100,40", "--chunks", "30,40", "--codec", "zstd:1",
        "--dtype", "f32",
    ]);
    assert!(generated.status.success(), "{generated:?}");
    let output = tessera(&["info", "--json", store.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let array = &doc["arrays"][0];
    assert_eq!(array["name"], "grp/arr");
    assert_eq!(array["shape"], serde_json::json!([100, 40]));
    assert_eq!(array["chunks"], serde_json::json!([30, 40]));
    assert_eq!(array["dtype"], "float32");
    assert_eq!(array["num_chunks"], 4);
    assert_eq!(array["logical_bytes"], 16000);
    let table = tessera(&["info", store.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("grp/arr") && text.contains("100x40"),
        "{text}"
    );
}
