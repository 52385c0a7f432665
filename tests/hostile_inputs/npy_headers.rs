//! Fuzzed .npy headers: every mutation is read or refused by name, never a panic.
//!
//! Property-based (proptest, in-process): random byte mutations of valid files (magic,
//! version, header length and dictionary alike) and random dictionary texts are written
//! to a file and opened with `NpySource::open`; each must give a source whose metadata
//! agrees with the file, or an error that names the file in one short line. The case
//! count defaults to a few thousand (seconds) and follows `PROPTEST_CASES`. Fixed cases
//! run the CLI on headers that once overflowed or divided by zero.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tessera::store::ChunkSource;
use tessera::store::npy::NpySource;
use tessera::{Address, Format};

use super::harness::{Snapshot, at, tessera};

/// Cases per property unless `PROPTEST_CASES` says otherwise.
const DEFAULT_CASES: u32 = 4000;

/// Longest error line accepted, beyond the file's path.
const MAX_REASON: usize = 400;

/// `cases` cases, without a regressions file (the suite is one binary of modules,
/// where proptest cannot find the source file to keep it beside).
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

/// A complete .npy file: magic, version 1.0, the dictionary padded to 64 bytes, then
/// `data_len` zero bytes.
pub(crate) fn npy_bytes(dict: &str, data_len: usize) -> Vec<u8> {
    let unpadded = 10 + dict.len() + 1;
    let total = unpadded.div_ceil(64) * 64;
    let mut text = dict.as_bytes().to_vec();
    text.resize(total - 10 - 1, b' ');
    text.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(text.len() as u16).to_le_bytes());
    out.extend_from_slice(&text);
    out.resize(out.len() + data_len, 0);
    out
}

/// Opens `bytes` written at `path` as a .npy source, catching panics. Returns the error
/// text, or `None` for a file that opened; panics (test failure) on a panic, on an
/// error that does not name the file or spans several lines or is too long, and on
/// metadata the file cannot hold.
fn open_checked(path: &Path, bytes: &[u8]) -> Result<Option<String>, TestCaseError> {
    std::fs::write(path, bytes).unwrap();
    let address = Address {
        path: path.to_path_buf(),
        format: Format::Npy,
        array: String::new(),
    };
    let opened = catch_unwind(AssertUnwindSafe(|| NpySource::open(&address)));
    let Ok(opened) = opened else {
        return Err(TestCaseError::fail(format!("panic on {bytes:?}")));
    };
    match opened {
        Ok(source) => {
            let meta = source.meta();
            let elements = meta
                .shape
                .iter()
                .try_fold(1u64, |a, n| a.checked_mul(*n))
                .ok_or_else(|| TestCaseError::fail("an opened shape overflows"))?;
            let bytes_needed = elements * meta.dtype.size() as u64;
            prop_assert!(
                bytes_needed <= bytes.len() as u64,
                "data past the file's end"
            );
            prop_assert!(meta.chunks.iter().all(|c| *c >= 1), "a zero chunk length");
            Ok(None)
        }
        Err(error) => {
            let text = error.to_string();
            let name = path.display().to_string();
            prop_assert!(
                text.contains(&name),
                "the error does not name the file: {text}"
            );
            let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
            prop_assert!(
                line.len() <= name.len() + MAX_REASON,
                "an error of {} bytes: {}",
                line.len(),
                &line[..line.len().min(500)]
            );
            Ok(Some(text))
        }
    }
}

/// Valid dictionaries: a dtype numpy writes, an order and a small shape.
fn valid_dict() -> impl Strategy<Value = (String, usize)> {
    let descr = prop::sample::select(vec![
        "<f8", "<f4", ">f8", "<i8", ">i4", "|u1", "|b1", "<u2", "<f2", "|i1", "<c16", "|S3",
    ]);
    let shape = prop::collection::vec(0u64..6, 0..4);
    (descr, any::<bool>(), shape).prop_map(|(descr, fortran, shape)| {
        let dims: Vec<String> = shape.iter().map(|n| n.to_string()).collect();
        let shape_text = match dims.len() {
            1 => format!("({},)", dims[0]),
            _ => format!("({})", dims.join(", ")),
        };
        let order = if fortran { "True" } else { "False" };
        let dict =
            format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape_text}, }}");
        let size: usize = descr[2..].parse().unwrap_or(1);
        (dict, shape.iter().product::<u64>() as usize * size)
    })
}

/// One edit of a byte string: insert, delete or replace at a position.
#[derive(Clone, Debug)]
enum Mutation {
    Insert(usize, u8),
    Delete(usize),
    Replace(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Bytes that matter to the parser are drawn more often than uniform ones.
    let byte = prop_oneof![
        any::<u8>(),
        prop::sample::select(b"{}()[]':,0123456789 LTrueFalseNone\"\\\n\x00\xff<>|".to_vec()),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(p, b)| Mutation::Insert(p, b)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), byte).prop_map(|(p, b)| Mutation::Replace(p, b)),
    ]
}

fn apply(bytes: &mut Vec<u8>, edits: &[Mutation]) {
    for edit in edits {
        let n = bytes.len();
        match *edit {
            Mutation::Insert(p, b) => bytes.insert(p % (n + 1), b),
            Mutation::Delete(p) if n > 0 => {
                bytes.remove(p % n);
            }
            Mutation::Replace(p, b) if n > 0 => bytes[p % n] = b,
            _ => {}
        }
    }
}

#[test]
fn fuzz_byte_mutations_of_valid_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.npy");
    let mut runner = TestRunner::new(config(cases()));
    let strategy = (
        valid_dict(),
        prop::collection::vec(mutation(), 1..8),
        0usize..16,
    );
    let (opened, refused) = (std::cell::Cell::new(0u64), std::cell::Cell::new(0u64));
    runner
        .run(&strategy, |((dict, data), edits, extra)| {
            let mut bytes = npy_bytes(&dict, data + extra);
            // Half of the edits land in the first 128 bytes, where the header lives.
            let header_edits: Vec<Mutation> = edits
                .iter()
                .map(|e| match *e {
                    Mutation::Insert(p, b) => Mutation::Insert(p % 128, b),
                    Mutation::Delete(p) => Mutation::Delete(p % 128),
                    Mutation::Replace(p, b) => Mutation::Replace(p % 128, b),
                })
                .collect();
            apply(&mut bytes, &header_edits);
            match open_checked(&path, &bytes)? {
                None => opened.set(opened.get() + 1),
                Some(_) => refused.set(refused.get() + 1),
            }
            Ok(())
        })
        .unwrap();
    let (opened, refused) = (opened.get(), refused.get());
    eprintln!("npy byte mutations: {opened} opened, {refused} refused");
    assert!(refused > 0);
}

/// Dictionary texts from Python-literal fragments, including absurd shapes.
fn dict_text() -> impl Strategy<Value = String> {
    let fragment = prop::sample::select(vec![
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ",",
        ":",
        " ",
        "'descr'",
        "'fortran_order'",
        "'shape'",
        "'<f8'",
        "'>i2'",
        "'|b1'",
        "'<U5'",
        "[('a', '<f8')]",
        "True",
        "False",
        "None",
        "0",
        "1",
        "7",
        "4294967296",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
        "1099511627776",
        "-1",
        "3L",
        "1.5",
        "'\\'",
        "\"x\"",
        "\u{e9}",
        "\u{0}",
        "\n",
    ]);
    prop_oneof![
        prop::collection::vec(fragment, 0..40).prop_map(|parts| parts.concat()),
        // A well-formed dictionary with a random shape of possibly huge lengths.
        (
            prop::collection::vec(
                prop_oneof![0u64..4, Just(1u64 << 32), Just(1u64 << 40), Just(u64::MAX)],
                0..5
            ),
            prop::sample::select(vec!["'<f8'", "'|u1'", "'<i4'"])
        )
            .prop_map(|(shape, descr)| {
                let dims: Vec<String> = shape.iter().map(|n| format!("{n}, ")).collect();
                format!(
                    "{{'descr': {descr}, 'fortran_order': False, 'shape': ({}), }}",
                    dims.concat()
                )
            }),
        "\\PC{0,120}",
    ]
}

#[test]
fn fuzz_random_dictionary_texts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dict.npy");
    let mut runner = TestRunner::new(config(cases()));
    let (opened, refused) = (std::cell::Cell::new(0u64), std::cell::Cell::new(0u64));
    runner
        .run(&(dict_text(), 0usize..64), |(dict, data)| {
            if dict.len() > 60000 {
                return Ok(());
            }
            match open_checked(&path, &npy_bytes(&dict, data))? {
                None => opened.set(opened.get() + 1),
                Some(_) => refused.set(refused.get() + 1),
            }
            Ok(())
        })
        .unwrap();
    let (opened, refused) = (opened.get(), refused.get());
    eprintln!("npy dictionary texts: {opened} opened, {refused} refused");
    assert!(refused > 0);
}

// ----- fixed cases through the CLI ------------------------------------------------------

/// Writes `bytes` as `dir/name`, runs `tessera info` and `tessera convert` on it and
/// asserts both refuse with `needles` and the file's name, changing nothing.
fn both_refuse(name: &str, bytes: &[u8], needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let snapshot = Snapshot::of(dir.path());
    let src = path.to_str().unwrap();
    let mut all = needles.to_vec();
    all.push(name);
    tessera(&["info", src]).refused(&all);
    tessera(&["convert", src, &at(dir.path(), "out.zarr"), "--quiet"]).refused(&all);
    tessera(&["reduce", "sum", src, "--quiet"]).refused(&all);
    snapshot.unchanged();
}

#[test]
fn empty_array_whose_other_axes_overflow() {
    // Zero data bytes, so no size check catches it; the row-block chunking once
    // multiplied 2^40 * 2^40 * 2 * 8, wrapped to 0 and divided by it.
    let dict =
        "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1099511627776, 1099511627776, 2), }";
    both_refuse("wrap.npy", &npy_bytes(dict, 0), &["too large"]);
}

#[test]
fn fortran_empty_array_whose_other_axes_overflow() {
    let dict =
        "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 1099511627776, 1099511627776, 0), }";
    both_refuse("wrapf.npy", &npy_bytes(dict, 0), &["too large"]);
}

#[test]
fn shape_past_u64() {
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (18446744073709551616,), }";
    both_refuse("huge.npy", &npy_bytes(dict, 8), &["integer is too large"]);
}

#[test]
fn shape_of_2_64_elements() {
    let dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (4294967296, 4294967296), }";
    both_refuse("wide.npy", &npy_bytes(dict, 64), &["too large"]);
}

#[test]
fn negative_length() {
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }";
    both_refuse("negative.npy", &npy_bytes(dict, 8), &["bad .npy header"]);
}

#[test]
fn header_length_past_the_file() {
    let mut bytes = npy_bytes(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
        8,
    );
    bytes[8] = 0xff;
    bytes[9] = 0xff;
    both_refuse("long.npy", &bytes, &["truncated"]);
}

#[test]
fn sixty_kilobyte_word_is_not_echoed() {
    let word = "x".repeat(60_000);
    let dict = format!("{{'descr': {word}, 'fortran_order': False, 'shape': (1,), }}");
    let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
    let mut text = dict.into_bytes();
    text.push(b'\n');
    bytes.extend_from_slice(&(text.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&text);
    bytes.extend_from_slice(&[0; 8]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("word.npy");
    std::fs::write(&path, &bytes).unwrap();
    let outcome = tessera(&["info", path.to_str().unwrap()]);
    outcome.refused(&["word.npy", "bad .npy header", "unexpected word"]);
    assert!(
        outcome.stderr.len() < 600,
        "{} bytes on stderr",
        outcome.stderr.len()
    );
}
