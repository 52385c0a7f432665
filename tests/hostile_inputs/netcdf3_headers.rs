//! Fuzzed netCDF-3 headers: every mutation is read or refused by name, never a panic, a
//! hang or an allocation the file cannot back.
//!
//! Property-based (proptest, in-process): byte edits and 4-byte word overwrites (with
//! the values that break parsers: 0, all ones, the sign bit, lengths near the file's)
//! of valid CDF-1, CDF-2 and CDF-5 files are listed, and every variable is opened and
//! read whole. Each must give arrays whose data fits in the file, or errors that name
//! the file in one short line. The case count defaults to a few thousand (seconds) and
//! follows `PROPTEST_CASES`. Fixed cases run the CLI on headers that claim 2^40
//! dimensions, more records than the file holds, and text variables.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tessera::grid::Region;
use tessera::store::ChunkSource;
use tessera::store::netcdf3::{Netcdf3Source, address};

use super::harness::{Snapshot, at, tessera};

/// Cases per property unless `PROPTEST_CASES` says otherwise.
const DEFAULT_CASES: u32 = 3000;

/// Longest error line accepted, beyond the file's path.
const MAX_REASON: usize = 400;

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// A valid file: dimensions `t` (records), `x` = 3; a text global attribute; a fixed
/// short `a(x)` with a `_FillValue`, record variables `r(t, x)` float and `b(t)` byte
/// (and, with `one_record`, only `r`); `records` records. Returns the bytes and the
/// header's length.
pub(crate) fn nc3_bytes(version: u8, records: u32, one_record: bool) -> (Vec<u8>, usize) {
    let wide = version == 5;
    let count = |out: &mut Vec<u8>, n: u64| {
        if wide {
            out.extend_from_slice(&n.to_be_bytes());
        } else {
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
    };
    let name = |out: &mut Vec<u8>, text: &str| {
        count(out, text.len() as u64);
        out.extend_from_slice(text.as_bytes());
        out.resize(out.len().next_multiple_of(4), 0);
    };
    let header = |begins: &[u64]| {
        let mut out = vec![b'C', b'D', b'F', version];
        count(&mut out, records as u64);
        out.extend_from_slice(&0x0Au32.to_be_bytes());
        count(&mut out, 2);
        name(&mut out, "t");
        count(&mut out, 0);
        name(&mut out, "x");
        count(&mut out, 3);
        out.extend_from_slice(&0x0Cu32.to_be_bytes());
        count(&mut out, 1);
        name(&mut out, "title");
        out.extend_from_slice(&2u32.to_be_bytes());
        count(&mut out, 5);
        out.extend_from_slice(b"hello\0\0\0");
        out.extend_from_slice(&0x0Bu32.to_be_bytes());
        let vars: &[(&str, &[u64], u32, u64)] = if one_record {
            &[("a", &[1], 3, 8), ("r", &[0, 1], 5, 12)]
        } else {
            &[("a", &[1], 3, 8), ("r", &[0, 1], 5, 12), ("b", &[0], 1, 4)]
        };
        count(&mut out, vars.len() as u64);
        for ((var, dims, ty, vsize), begin) in vars.iter().zip(begins) {
            name(&mut out, var);
            count(&mut out, dims.len() as u64);
            for d in *dims {
                count(&mut out, *d);
            }
            if *var == "a" {
                out.extend_from_slice(&0x0Cu32.to_be_bytes());
                count(&mut out, 1);
                name(&mut out, "_FillValue");
                out.extend_from_slice(&3u32.to_be_bytes());
                count(&mut out, 1);
                out.extend_from_slice(&[0xff, 0xfe, 0, 0]);
            } else {
                out.extend_from_slice(&[0; 4]);
                count(&mut out, 0);
            }
            out.extend_from_slice(&ty.to_be_bytes());
            count(&mut out, *vsize);
            if version == 1 {
                out.extend_from_slice(&(*begin as u32).to_be_bytes());
            } else {
                out.extend_from_slice(&begin.to_be_bytes());
            }
        }
        out
    };
    let len = header(&[0, 0, 0]).len() as u64;
    let begins = [len, len + 8, len + 8 + 12];
    let recsize = if one_record { 12 } else { 16 };
    let mut out = header(&begins);
    out.extend_from_slice(&[0, 1, 0, 2, 0, 3, 0, 0]);
    for r in 0..records {
        for i in 0..3u32 {
            out.extend_from_slice(&((r * 3 + i) as f32).to_be_bytes());
        }
        if !one_record {
            out.extend_from_slice(&[r as u8, 0, 0, 0]);
        }
    }
    assert_eq!(out.len() as u64, begins[1] + recsize * records as u64);
    (out, len as usize)
}

/// Lists `bytes` written at `path` and opens and reads every variable, catching panics.
/// Returns (variables read, variables refused); fails on a panic, on an error that does
/// not name the file or is too long, and on an array larger than the file.
fn read_checked(path: &Path, bytes: &[u8]) -> Result<(u64, u64), TestCaseError> {
    std::fs::write(path, bytes).unwrap();
    let name = path.display().to_string();
    let check = |text: String| -> Result<(), TestCaseError> {
        prop_assert!(
            text.contains(&name),
            "the error does not name the file: {text}"
        );
        prop_assert!(!text.contains('\n'), "an error of several lines: {text}");
        prop_assert!(
            text.len() <= name.len() * 2 + MAX_REASON,
            "a long error: {text}"
        );
        Ok(())
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<(u64, u64), TestCaseError> {
        let entries = match tessera::store::list(path) {
            Ok(entries) => entries,
            Err(e) => {
                check(e.to_string())?;
                return Ok((0, 1));
            }
        };
        if let Err(e) = tessera::store::groups(path) {
            check(e.to_string())?;
        }
        let (mut read, mut refused) = (0, 0);
        for entry in entries {
            match Netcdf3Source::open(&address(path, &entry.name)) {
                Ok(source) => {
                    let meta = source.meta();
                    prop_assert!(
                        meta.logical_bytes() <= bytes.len() as u64,
                        "{} bytes of array in a file of {}",
                        meta.logical_bytes(),
                        bytes.len()
                    );
                    match source.read_region(&Region::whole(&meta.shape.clone())) {
                        Ok(_) => read += 1,
                        Err(e) => {
                            check(e.to_string())?;
                            refused += 1;
                        }
                    }
                }
                Err(e) => {
                    check(e.to_string())?;
                    refused += 1;
                }
            }
        }
        Ok((read, refused))
    }));
    match outcome {
        Ok(result) => result,
        Err(_) => Err(TestCaseError::fail(format!("panic on {bytes:?}"))),
    }
}

/// One edit of a file.
#[derive(Clone, Debug)]
enum Mutation {
    Insert(usize, u8),
    Delete(usize),
    Replace(usize, u8),
    /// Overwrites the aligned 4-byte word at a position with a value.
    Word(usize, u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let byte = prop_oneof![
        any::<u8>(),
        prop::sample::select(vec![0u8, 1, 2, 3, 5, 6, 7, 10, 11, 12, 0x7f, 0x80, 0xff]),
    ];
    let word = prop_oneof![
        any::<u32>(),
        prop::sample::select(vec![
            0u32,
            1,
            2,
            3,
            4,
            0x0A,
            0x0B,
            0x0C,
            0x7fff_ffff,
            0x8000_0000,
            0xffff_ffff,
            0xffff_fffe,
            100,
            1000,
            1 << 20,
        ]),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(p, b)| Mutation::Insert(p, b)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), byte).prop_map(|(p, b)| Mutation::Replace(p, b)),
        (any::<usize>(), word).prop_map(|(p, w)| Mutation::Word(p, w)),
    ]
}

/// Applies `edits`, each at a position inside the first `span` bytes.
fn apply(bytes: &mut Vec<u8>, edits: &[Mutation], span: usize) {
    for edit in edits {
        let n = bytes.len().min(span);
        match *edit {
            Mutation::Insert(p, b) => bytes.insert(p % (n + 1), b),
            Mutation::Delete(p) if n > 0 => {
                bytes.remove(p % n);
            }
            Mutation::Replace(p, b) if n > 0 => bytes[p % n] = b,
            Mutation::Word(p, w) if n >= 4 => {
                let at = (p % (n / 4)) * 4;
                bytes[at..at + 4].copy_from_slice(&w.to_be_bytes());
            }
            _ => {}
        }
    }
}

#[test]
fn fuzz_mutations_of_valid_netcdf3_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.nc");
    let mut runner = TestRunner::new(config(cases()));
    let strategy = (
        prop::sample::select(vec![1u8, 2, 5]),
        0u32..5,
        any::<bool>(),
        prop::collection::vec(mutation(), 1..6),
        any::<bool>(),
    );
    let totals = std::cell::Cell::new((0u64, 0u64));
    runner
        .run(&strategy, |(version, records, one, edits, whole)| {
            let (mut bytes, header_len) = nc3_bytes(version, records, one);
            // Most edits land in the header; some anywhere.
            let span = if whole { bytes.len() } else { header_len };
            apply(&mut bytes, &edits, span);
            let (read, refused) = read_checked(&path, &bytes)?;
            let (r, f) = totals.get();
            totals.set((r + read, f + refused));
            Ok(())
        })
        .unwrap();
    let (read, refused) = totals.get();
    eprintln!("netCDF-3 mutations: {read} variables read, {refused} refused");
    assert!(read > 0 && refused > 0);
}

#[test]
fn valid_files_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    for version in [1, 2, 5] {
        for (records, one) in [(0, false), (3, false), (4, true)] {
            let (bytes, _) = nc3_bytes(version, records, one);
            let path = dir.path().join(format!("ok{version}-{records}.nc"));
            let (read, refused) = read_checked(&path, &bytes).unwrap();
            assert_eq!((read, refused), (if one { 2 } else { 3 }, 0));
        }
    }
}

// ----- fixed cases through the CLI ------------------------------------------------------

/// Writes `bytes` as `dir/name`, runs `tessera info` and `tessera convert` of `/r` on
/// it and asserts both refuse with `needles` and the file's name, changing nothing.
fn both_refuse(name: &str, bytes: &[u8], needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let snapshot = Snapshot::of(dir.path());
    let src = path.to_str().unwrap();
    let mut all = needles.to_vec();
    all.push(name);
    tessera(&["info", src]).refused(&all);
    let var = format!("{src}:/r");
    tessera(&["convert", &var, &at(dir.path(), "out.zarr"), "--quiet"]).refused(&all);
    snapshot.unchanged();
}

#[test]
fn two_to_the_forty_dimensions() {
    let mut bytes = b"CDF\x05".to_vec();
    bytes.extend_from_slice(&0u64.to_be_bytes());
    bytes.extend_from_slice(&0x0Au32.to_be_bytes());
    bytes.extend_from_slice(&(1u64 << 40).to_be_bytes());
    bytes.resize(4096, 0);
    both_refuse("dims.nc", &bytes, &["claims 1099511627776 dimensions"]);
}

#[test]
fn more_records_than_the_file_holds() {
    let (mut bytes, _) = nc3_bytes(2, 3, false);
    bytes[4..8].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.nc");
    std::fs::write(&path, &bytes).unwrap();
    let src = path.to_str().unwrap();
    // `info` lists the file, the record variables with the reason.
    let info = tessera(&["info", src]);
    info.succeeded();
    assert!(
        info.stdout
            .contains("the data lies past the end of the file"),
        "{}",
        info.stdout
    );
    let var = format!("{src}:/r");
    tessera(&["convert", &var, &at(dir.path(), "out.zarr"), "--quiet"])
        .refused(&["records.nc:/r", "past the end of the file"]);
}

#[test]
fn text_variables_and_netcdf3_outputs_are_refused() {
    let (mut bytes, _) = nc3_bytes(1, 2, false);
    // Make `r` a char variable: its type code follows its (empty) attribute list.
    let at_r = bytes
        .windows(8)
        .position(|w| w == b"\0\0\0\x01r\0\0\0")
        .unwrap();
    let ty = at_r + 8 + 4 + 8 + 8;
    assert_eq!(bytes[ty..ty + 4], 5u32.to_be_bytes());
    bytes[ty..ty + 4].copy_from_slice(&2u32.to_be_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text.nc");
    std::fs::write(&path, &bytes).unwrap();
    let src = path.to_str().unwrap();
    tessera(&[
        "convert",
        &format!("{src}:/r"),
        &at(dir.path(), "o.zarr"),
        "--quiet",
    ])
    .refused(&["text.nc:/r", "char variables are text, not numbers"]);
    // A netCDF-3 file as the output: refused, and left as it was.
    let (good, _) = nc3_bytes(1, 2, false);
    let target = dir.path().join("target.nc");
    std::fs::write(&target, &good).unwrap();
    std::fs::write(dir.path().join("source.nc"), &good).unwrap();
    let snapshot = Snapshot::of(dir.path());
    let a = at(dir.path(), "source.nc:/a");
    tessera(&[
        "convert",
        &a,
        &format!("{}:/copy", target.display()),
        "--quiet",
        "--overwrite",
    ])
    .refused(&["not netCDF-3"]);
    snapshot.unchanged();
}
