//! The command line as a user meets it: bad input gets one line on stderr and exit code
//! 2, never a panic, and never leaves output behind.

mod common;

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
    assert!(common::dir_entries(dir.path()).is_empty());
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
    // Not an array tessera can read: --overwrite refuses it too.
    let overwrite = [
        "convert",
        src.to_str().unwrap(),
        dst.to_str().unwrap(),
        "--overwrite",
    ];
    assert_refused(&tessera(&overwrite), "--overwrite refused");
    assert_eq!(std::fs::read(&dst).unwrap(), b"precious");
    // A .npy holding just one array is replaced.
    std::fs::remove_file(&dst).unwrap();
    let ok = tessera(&["gen", "random", dst.to_str().unwrap(), "--shape", "3,3"]);
    assert!(ok.status.success(), "{ok:?}");
    let output = tessera(&overwrite);
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
    // Another array is added beside it; --overwrite replaces only the array named.
    let output = tessera(&["gen", "random", &b, "--shape", "10,10", "--overwrite"]);
    assert!(output.status.success(), "{output:?}");
    let again = tessera(&["gen", "random", &b, "--shape", "4,4", "--overwrite"]);
    assert!(again.status.success(), "{again:?}");
    assert_eq!(common::read_all_at(&b).unwrap().shape(), &[4, 4]);
    assert_eq!(
        common::read_all_at(&a).unwrap().shape(),
        &[10, 10],
        "array a must survive"
    );
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
        assert_eq!(
            common::dir_entries(dir.path()),
            vec!["a.npy"],
            "after {args:?}"
        );
    }
    let h5 = dir.path().join("b.h5");
    let target = format!("{}:/x", h5.display());
    assert_refused(
        &tessera(&["convert", s, &target, "--codec", "zstd:1"]),
        "HDF5",
    );
    assert_eq!(common::dir_entries(dir.path()), vec!["a.npy"]);
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
    assert_eq!(common::dir_entries(dir.path()), vec!["a.npy"]);
}

#[test]
fn negative_fixtures_are_refused_with_one_line() {
    let Some(fixtures) = common::fixtures_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.zarr");
    let negative = fixtures.join("negative");
    for name in common::dir_entries(&negative) {
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
        assert!(
            common::dir_entries(dir.path()).is_empty(),
            "{name} left output behind"
        );
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
            common::dir_entries(dir.path()).is_empty(),
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

#[test]
fn bad_expressions_and_arguments_get_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.npy");
    let b = dir.path().join("b.npy");
    assert!(
        tessera(&["gen", "random", a.to_str().unwrap(), "--shape", "40,30"])
            .status
            .success()
    );
    assert!(
        tessera(&["gen", "random", b.to_str().unwrap(), "--shape", "7"])
            .status
            .success()
    );
    let (ia, ib) = (format!("a={}", a.display()), format!("b={}", b.display()));
    let (a, ia, ib) = (a.to_str().unwrap(), ia.as_str(), ib.as_str());
    let cases: [(&[&str], &str); 11] = [
        (
            &["eval", "a + b", "-i", ia, "-i", ib],
            "cannot be broadcast",
        ),
        (&["eval", "a + c", "-i", ia], "unknown name 'c'"),
        (&["eval", "mean((a - 1)**2", "-i", ia], "column 16"),
        (&["eval", "a[40]", "-i", ia], "out of range"),
        (&["eval", "a[:, ::0]", "-i", ia], "step 0"),
        (&["eval", "a @ b", "-i", ia, "-i", ib], "do not align"),
        (&["eval", "a", "-i", "a"], "NAME=ADDRESS"),
        (&["reduce", "sum", a, "--axis", "2"], "out of range"),
        (&["reduce", "median", a], "unknown reduction"),
        (&["eval", "a * 2", "-i", ia], "--out"),
        (
            &["reduce", "mean", a, "--axis", "0", "--memory", "1KiB"],
            "memory",
        ),
    ];
    for (args, needle) in cases {
        assert_refused(&tessera(args), needle);
    }
}

#[test]
fn reduce_and_eval_print_what_the_library_computes() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.zarr");
    let made = tessera(&[
        "gen",
        "random",
        a.to_str().unwrap(),
        "--shape",
        "300,40",
        "--chunks",
        "64,16",
    ]);
    assert!(made.status.success());
    let values = common::read_all_at(a.to_str().unwrap()).unwrap();
    let values = values.as_slice::<f64>().unwrap();
    let want: f64 = values.iter().sum();
    let output = tessera(&["reduce", "sum", a.to_str().unwrap()]);
    let got: f64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap();
    assert!(
        (got - want).abs() <= 1e-12 * want.abs().max(1.0),
        "{got} vs {want}"
    );
    let ia = format!("a={}", a.display());
    let output = tessera(&["eval", "max(a[0:2, :] * 2, axis=1)", "-i", &ia, "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let row_max = |r: usize| {
        values[r * 40..(r + 1) * 40]
            .iter()
            .cloned()
            .fold(f64::MIN, f64::max)
            * 2.0
    };
    assert_eq!(doc["shape"], serde_json::json!([2]));
    assert_eq!(doc["value"], serde_json::json!([row_max(0), row_max(1)]));
    let dot = dir.path().join("g.dot");
    let explain = tessera(&[
        "eval",
        "sum((a - 1)**2)",
        "-i",
        &ia,
        "--explain",
        "--dot",
        dot.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&explain.stdout);
    assert!(
        text.contains("fused elementwise") && text.contains("projected memory"),
        "{text}"
    );
    assert!(
        std::fs::read_to_string(&dot)
            .unwrap()
            .starts_with("digraph")
    );
}
