//! Every refusal of the command line is one line, usage errors included.

use crate::harness::{at, generate, tessera};

#[test]
fn usage_errors_are_one_line() {
    let cases: &[(&[&str], &str)] = &[
        (&[], "no command"),
        (&["frobnicate"], "frobnicate"),
        (&["info"], "required"),
        (&["convert", "a.npy"], "required"),
        (
            &["convert", "a.npy", "b.npy", "--no-such-flag"],
            "--no-such-flag",
        ),
        (
            &["convert", "a.npy", "b.npy", "--threads", "lots"],
            "--threads",
        ),
        (
            &["convert", "a.npy", "b.npy", "--zarr-version", "7"],
            "--zarr-version",
        ),
        (&["reduce", "sum", "a.npy", "--ddof", "-1"], "-1"),
        (&["gen", "random", "x.npy"], "--shape"),
        (&["gen"], "gen"),
        (&["eval"], "required"),
    ];
    for (args, needle) in cases {
        tessera(args).refused(&[needle, "tessera --help"]);
    }
}

#[test]
fn help_and_version_still_print() {
    let help = tessera(&["--help"]);
    help.succeeded();
    assert!(help.stdout.contains("convert"));
    let version = tessera(&["--version"]);
    version.succeeded();
    assert!(version.stdout.starts_with("tessera "));
    tessera(&["convert", "--help"]).succeeded();
}

#[test]
fn a_huge_bad_argument_is_not_echoed_back_whole() {
    let long = "x".repeat(60_000);
    let outcome = tessera(&["convert", &format!("{long}.csv"), "out.zarr"]);
    outcome.refused(&["bad address", "..."]);
    assert!(
        outcome.stderr.len() < 1000,
        "{} bytes",
        outcome.stderr.len()
    );
    let outcome = tessera(&["convert", "a.npy", "b.npy", "--threads", &long]);
    outcome.refused(&["--threads"]);
    assert!(
        outcome.stderr.len() < 1000,
        "{} bytes",
        outcome.stderr.len()
    );
}

#[test]
fn a_huge_bad_expression_is_not_echoed_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let src = generate(dir.path(), "a.npy", "4,4", "4,4");
    let expr = format!("{} + (", "a + 1 ".repeat(10_000).replace("1 a", "1 + a"));
    let outcome = tessera(&["eval", &expr, "-i", &format!("a={src}")]);
    outcome.refused(&["column"]);
    assert!(
        outcome.stderr.len() < 1000,
        "{} bytes",
        outcome.stderr.len()
    );
}

#[test]
fn malformed_inputs_and_options_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let src = generate(dir.path(), "a.npy", "4,4", "4,4");
    let out = at(dir.path(), "o.zarr");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["eval".into(), "a".into(), "-i".into(), "a".into()],
            "NAME=ADDRESS",
        ),
        (
            vec!["eval".into(), "a".into(), "-i".into(), format!("1a={src}")],
            "not a valid name",
        ),
        (
            vec![
                "convert".into(),
                src.clone(),
                out.clone(),
                "--codec".into(),
                "lzma:3".into(),
            ],
            "unknown codec",
        ),
        (
            vec![
                "convert".into(),
                src.clone(),
                out.clone(),
                "--codec".into(),
                "zstd:99".into(),
            ],
            "level",
        ),
        (
            vec![
                "convert".into(),
                src.clone(),
                out.clone(),
                "--chunks".into(),
                "0,1".into(),
            ],
            "chunks",
        ),
        (
            vec![
                "convert".into(),
                src.clone(),
                out.clone(),
                "--chunks".into(),
                "1,-1".into(),
            ],
            "chunks",
        ),
        (
            vec![
                "convert".into(),
                src.clone(),
                out.clone(),
                "--chunks".into(),
                "1,1,1".into(),
            ],
            "chunk",
        ),
        (
            vec![
                "convert".into(),
                src.clone(),
                out.clone(),
                "--memory".into(),
                "lots".into(),
            ],
            "memory",
        ),
        (
            vec!["reduce".into(), "median".into(), src.clone()],
            "unknown reduction",
        ),
        (
            vec![
                "reduce".into(),
                "sum".into(),
                src.clone(),
                "--axis".into(),
                "5".into(),
            ],
            "axis",
        ),
        (
            vec!["info".into(), at(dir.path(), "nothing-here.h5")],
            "no such file",
        ),
        (
            vec!["convert".into(), src.clone(), at(dir.path(), "o.txt")],
            "bad address",
        ),
    ];
    for (args, needle) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        tessera(&args).refused(&[needle]);
    }
    assert!(!dir.path().join("o.zarr").exists());
}

#[test]
fn non_utf8_arguments_are_one_line() {
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"\xff\xfe.npy");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .arg("info")
        .arg(bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("tessera: error: "), "{stderr}");
}
