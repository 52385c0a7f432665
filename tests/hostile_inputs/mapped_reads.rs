//! Mapped reads (`src/store/mapped.rs`): unfiltered chunks of 1 MiB or more are the
//! input file's own pages. Every command gives the same bytes with `TESSERA_MMAP=0` as
//! with mapping on, over the layouts that map (unfiltered HDF5 chunks, cropped edge
//! chunks, C-order `.npy` runs) and those that must not (big-endian `.npy`, small
//! chunks); and a mapped input survives what a hostile neighbour does to it: reached
//! through a symlink, truncated or replaced after it was opened, its reader killed with
//! `kill -9` mid-write. Inputs are never written.

use std::path::Path;
use std::time::Duration;

use crate::harness::{DEADLINE, Snapshot, at, leftovers, run, spawn, wait_for};

/// `tessera ARGS` with `TESSERA_MMAP=mmap`, which must succeed; its stdout.
fn tessera_mmap(args: &[&str], mmap: &str) -> String {
    let outcome = run(args, DEADLINE, None, &[("TESSERA_MMAP", mmap)]);
    outcome.succeeded();
    outcome.stdout
}

/// `reduce sum` of `address` with mapping on or off.
fn sum(address: &str, mmap: &str) -> String {
    tessera_mmap(&["reduce", "sum", address, "--quiet"], mmap)
}

/// `tessera gen random` of `shape` into `address` (uncompressed).
fn generate(address: &str, shape: &str, chunks: &str) {
    tessera_mmap(
        &[
            "gen", "random", address, "--shape", shape, "--chunks", chunks, "--codec", "none",
            "--seed", "5", "--quiet",
        ],
        "1",
    );
}

/// `reduce sum`, `reduce max --axis 0` and a copy through an expression of `address`
/// give identical output with mapping on and off.
fn same_with_and_without_mapping(dir: &Path, address: &str) {
    assert_eq!(sum(address, "1"), sum(address, "0"), "sum of {address}");
    for mmap in ["0", "1"] {
        let out = at(dir, &format!("max-{mmap}.npy"));
        let max = ["reduce", "max", address, "--axis", "0", "--out", &out];
        tessera_mmap(&[&max[..], &["--quiet", "--overwrite"]].concat(), mmap);
        let out = at(dir, &format!("copy-{mmap}.npy"));
        let input = format!("a={address}");
        let copy = [
            "eval", "a * 1", "-i", &input, "--out", &out, "--memory", "64MiB",
        ];
        tessera_mmap(&[&copy[..], &["--quiet", "--overwrite"]].concat(), mmap);
    }
    for name in ["max", "copy"] {
        let read = |mmap: &str| std::fs::read(dir.join(format!("{name}-{mmap}.npy"))).unwrap();
        assert_eq!(read("1"), read("0"), "{name} of {address}");
    }
}

#[test]
fn hdf5_chunks_mapped_or_read_give_the_same_values() {
    let dir = tempfile::tempdir().unwrap();
    // 2 MiB chunks (mapped), cut at both edges; and 80 KB chunks (read).
    for (name, chunks) in [("big.h5", "512,512"), ("small.h5", "100,100")] {
        let address = format!("{}:/a", at(dir.path(), name));
        generate(&address, "1100,1300", chunks);
        same_with_and_without_mapping(dir.path(), &address);
    }
}

/// A .npy file's header length and bytes.
fn npy_parts(bytes: &[u8]) -> (usize, String) {
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]])) + 10;
    (
        header_len,
        String::from_utf8_lossy(&bytes[10..header_len]).into_owned(),
    )
}

#[test]
fn npy_runs_mapped_or_read_give_the_same_values() {
    let dir = tempfile::tempdir().unwrap();
    let native = at(dir.path(), "x.npy");
    generate(&native, "1500,700", "1500,700");
    same_with_and_without_mapping(dir.path(), &native);

    // The same values big-endian: swapped on read, never mapped.
    let bytes = std::fs::read(&native).unwrap();
    let (header_len, header) = npy_parts(&bytes);
    let big: Vec<u8> = bytes[header_len..]
        .chunks_exact(8)
        .flat_map(|v| v.iter().rev().copied())
        .collect();
    let swapped = header.replace("'<f8'", "'>f8'");
    assert_ne!(swapped, header, "the header names <f8: {header}");
    let file = [&bytes[..10], swapped.as_bytes(), &big].concat();
    let big_endian = at(dir.path(), "big.npy");
    std::fs::write(&big_endian, file).unwrap();
    assert_eq!(sum(&big_endian, "1"), sum(&native, "0"));
    assert_eq!(sum(&big_endian, "0"), sum(&native, "0"));
}

#[test]
fn a_symlinked_input_maps_the_file_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let real = at(dir.path(), "real.npy");
    generate(&real, "1024,512", "1024,512");
    let link = at(dir.path(), "link.npy");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let snapshot = Snapshot::of(dir.path());
    assert_eq!(sum(&link, "1"), sum(&real, "0"));
    let h5 = format!("{}:/a", at(dir.path(), "real.h5"));
    generate(&h5, "1024,512", "512,512");
    std::os::unix::fs::symlink(at(dir.path(), "real.h5"), at(dir.path(), "link.h5")).unwrap();
    let linked = format!("{}:/a", at(dir.path(), "link.h5"));
    assert_eq!(sum(&linked, "1"), sum(&h5, "0"));
    snapshot.unchanged_except(&["real.h5", "link.h5"]);
}

/// Opens `address` with the library, lets `damage` change the file, then computes its
/// sum: the result, or the error's text.
fn sum_after(address: &str, damage: impl FnOnce()) -> Result<f64, String> {
    let ctx = tessera::Context::builder().threads(2).build().unwrap();
    let array = tessera::Array::open(address).map_err(|e| e.to_string())?;
    damage();
    let total = array.sum().map_err(|e| e.to_string())?;
    let values = total.compute_vec::<f64>(&ctx).map_err(|e| e.to_string())?;
    Ok(values[0])
}

#[test]
fn an_input_truncated_after_it_was_opened_is_refused_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    for (name, address, chunks) in [
        ("x.npy", at(dir.path(), "x.npy"), "2048,512"),
        ("x.h5", format!("{}:/a", at(dir.path(), "x.h5")), "512,512"),
    ] {
        generate(&address, "2048,512", chunks);
        let path = dir.path().join(name);
        let len = std::fs::metadata(&path).unwrap().len();
        let shrink = || {
            let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            file.set_len(len / 2).unwrap();
        };
        match sum_after(&address, shrink) {
            Err(text) => assert!(text.contains(name), "{name}: {text}"),
            Ok(value) => panic!("{name}: a truncated input summed to {value}"),
        }
    }
}

#[test]
fn an_input_replaced_after_it_was_opened_is_read_whole_from_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let address = at(dir.path(), "x.npy");
    generate(&address, "2048,512", "2048,512");
    let before = sum_after(&address, || {}).unwrap();
    let replace = || {
        // A writer that replaces the file atomically: new values under the same name.
        let bytes = std::fs::read(&address).unwrap();
        let (header_len, _) = npy_parts(&bytes);
        let mut new = bytes.clone();
        new[header_len..].fill(0);
        let temp = at(dir.path(), "x.npy.new");
        std::fs::write(&temp, new).unwrap();
        std::fs::rename(&temp, &address).unwrap();
    };
    assert_eq!(
        sum_after(&address, replace),
        Ok(before),
        "the open file's values"
    );
    assert_eq!(
        sum_after(&address, || {}),
        Ok(0.0),
        "a new open sees the new file"
    );
}

#[test]
fn kill_9_while_writing_from_a_mapped_input_commits_nothing_and_leaves_the_input_whole() {
    let dir = tempfile::tempdir().unwrap();
    let input = format!("{}:/a", at(dir.path(), "in.h5"));
    generate(&input, "2048,2048", "1024,256");
    let snapshot = Snapshot::of(&dir.path().join("in.h5"));
    let target = at(dir.path(), "out.zarr");
    let binding = format!("a={input}");
    let args = [
        "eval",
        "a * 2",
        "-i",
        &binding,
        "--out",
        &target,
        "--codec",
        "gzip:9",
        "--threads",
        "1",
        "--quiet",
    ];
    let child = spawn(&args);
    let started = std::time::Instant::now();
    while leftovers(dir.path()).is_empty() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(200));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
    let outcome = wait_for(child, &args, DEADLINE);
    assert_eq!(outcome.signal, Some(libc::SIGKILL), "{outcome:?}");
    assert!(!Path::new(&target).exists(), "nothing is committed");
    snapshot.unchanged();
    // The next run cleans the dead run's staging and reads the same values.
    let again = run(&args, DEADLINE, None, &[]);
    again.succeeded();
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    snapshot.unchanged();
}
