//! Mapped reads (`src/store/mapped.rs`) against `pread`: every command gives the same
//! bytes with `TESSERA_MMAP=0` as with mapping on, over the layouts that map (unfiltered
//! HDF5 chunks, cropped edge chunks, C-order `.npy` runs) and those that must not (a
//! big-endian `.npy`, chunks under 1 MiB).

use std::path::Path;
use std::process::Command;

/// Runs the CLI with `TESSERA_MMAP` set to `mmap`, asserting success; its stdout.
fn tessera(args: &[&str], mmap: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .env("TESSERA_MMAP", mmap)
        .output()
        .expect("run tessera");
    assert!(
        output.status.success(),
        "tessera {args:?} (TESSERA_MMAP={mmap}) failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

/// `reduce sum`, `reduce max --axis 0` and a copy through an expression of `address`
/// give identical output with mapping on and off.
fn same_with_and_without_mapping(dir: &Path, address: &str) {
    let sum = |mmap| tessera(&["reduce", "sum", address, "--quiet"], mmap);
    assert_eq!(sum("1"), sum("0"), "sum of {address}");
    for mmap in ["0", "1"] {
        let out = path(dir, &format!("max-{mmap}.npy"));
        tessera(
            &[
                "reduce",
                "max",
                address,
                "--axis",
                "0",
                "--out",
                &out,
                "--quiet",
                "--overwrite",
            ],
            mmap,
        );
        let out = path(dir, &format!("copy-{mmap}.npy"));
        let expr = [
            "eval",
            "a * 1",
            "-i",
            &format!("a={address}"),
            "--out",
            &out,
        ];
        let mut args = expr.to_vec();
        args.extend(["--quiet", "--overwrite", "--memory", "64MiB"]);
        tessera(&args, mmap);
    }
    for name in ["max", "copy"] {
        let read = |mmap: &str| std::fs::read(dir.join(format!("{name}-{mmap}.npy"))).unwrap();
        assert_eq!(read("1"), read("0"), "{name} of {address}");
    }
}

#[test]
fn hdf5_chunks_mapped_or_read_give_the_same_values() {
    let dir = tempfile::tempdir().unwrap();
    // 2 MiB chunks (mapped), cropped at both edges; and 80 KB chunks (read).
    for (name, chunks) in [("big.h5", "512,512"), ("small.h5", "100,100")] {
        let target = format!("{}:/a", path(dir.path(), name));
        tessera(
            &[
                "gen",
                "random",
                &target,
                "--shape",
                "1100,1300",
                "--chunks",
                chunks,
                "--codec",
                "none",
                "--seed",
                "5",
                "--quiet",
            ],
            "1",
        );
        same_with_and_without_mapping(dir.path(), &target);
    }
}

#[test]
fn npy_runs_mapped_or_read_give_the_same_values() {
    let dir = tempfile::tempdir().unwrap();
    let native = path(dir.path(), "x.npy");
    tessera(
        &[
            "gen", "random", &native, "--shape", "1500,700", "--seed", "9", "--quiet",
        ],
        "1",
    );
    same_with_and_without_mapping(dir.path(), &native);

    // The same values big-endian: swapped on read, never mapped.
    let bytes = std::fs::read(&native).unwrap();
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]])) + 10;
    let header = String::from_utf8_lossy(&bytes[10..header_len]).into_owned();
    let data = &bytes[header_len..];
    let big: Vec<u8> = data
        .chunks_exact(8)
        .flat_map(|v| v.iter().rev().copied())
        .collect();
    let swapped = header.replace("'<f8'", "'>f8'");
    assert_ne!(swapped, header, "the header names <f8: {header}");
    let mut file = bytes[..10].to_vec();
    file.extend_from_slice(swapped.as_bytes());
    file.extend_from_slice(&big);
    let big_endian = path(dir.path(), "big.npy");
    std::fs::write(&big_endian, file).unwrap();
    let sum = |address: &str, mmap| tessera(&["reduce", "sum", address, "--quiet"], mmap);
    assert_eq!(sum(&big_endian, "1"), sum(&native, "0"));
    assert_eq!(sum(&big_endian, "0"), sum(&native, "0"));
}
