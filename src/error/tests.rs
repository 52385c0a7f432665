use std::error::Error as _;
use std::path::PathBuf;

use super::*;
use crate::address::{Address, Format};

fn one_line_naming(err: &Error, name: &str) -> String {
    let text = err.to_string();
    assert!(!text.contains('\n') && !text.contains('\r'), "{text:?}");
    assert!(text.contains(name), "{text}");
    text
}

#[test]
fn an_hdf5_error_keeps_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.h5");
    std::fs::write(&path, b"this is not an HDF5 file at all\n\nnor this").unwrap();
    let address = Address {
        path: path.clone(),
        format: Format::Hdf5,
        array: "/d".to_string(),
    };
    let err = crate::store::open(&address).err().unwrap();
    let text = one_line_naming(&err, "junk.h5");
    assert!(text.contains("HDF5 error"), "{text}");
    assert!(text.contains("not an HDF5 or netCDF4 file"), "{text}");
    let Error::Hdf5 {
        path: at, source, ..
    } = &err
    else {
        panic!("expected Error::Hdf5, got {err:?}");
    };
    assert_eq!(at, &path);
    // The source is hdf5-metno's own error, with the stack that says why.
    let kept = err.source().unwrap();
    assert!(kept.downcast_ref::<hdf5::Error>().is_some(), "{kept:?}");
    let stack = source.stack().expect("libhdf5 reported an error stack");
    assert!(!stack.is_empty());
    assert!(hdf5_reason(source).contains("signature"), "{source}");
}

#[test]
fn a_zarr_error_keeps_its_source() {
    let zarrs_error =
        zarrs::array::ArraySubset::new_with_start_shape(vec![0], vec![1, 2]).unwrap_err();
    let err = Error::zarr("x.zarr:/a", "chunk [0]", zarrs_error);
    let text = one_line_naming(&err, "x.zarr:/a");
    assert!(
        text.starts_with("x.zarr:/a: Zarr error: chunk [0]: "),
        "{text}"
    );
    let kept = err.source().unwrap();
    assert!(
        kept.downcast_ref::<zarrs::array::ArraySubsetError>()
            .is_some(),
        "{kept:?}"
    );
}

#[test]
fn a_multi_line_library_message_becomes_one_line() {
    let source = std::io::Error::other("first line\nsecond line");
    let err = Error::zarr("s.zarr", "", source);
    let text = one_line_naming(&err, "s.zarr");
    assert!(text.ends_with("first line second line"), "{text}");
}

#[test]
fn every_variant_displays_one_line() {
    let path = || PathBuf::from("data/x.h5");
    let errors = [
        Error::BadAddress {
            address: "x.h5".into(),
            reason: "no dataset".into(),
        },
        Error::io(path(), std::io::Error::other("denied")),
        Error::format(path(), "bad header"),
        Error::UnsupportedDtype {
            path: path(),
            dtype: "string".into(),
        },
        Error::UnsupportedCodec {
            path: path(),
            codec: "szip".into(),
            detail: String::new(),
        },
        Error::CorruptChunk {
            path: path(),
            chunk: vec![0, 1],
            reason: "bad checksum".into(),
        },
        Error::TargetExists { path: path() },
        Error::OverBudget {
            op: "sum of data/x.h5".into(),
            needed: 1 << 30,
            budget: 1 << 20,
            hint: "use smaller chunks".into(),
        },
        Error::Zarr {
            path: path(),
            reason: "bad".into(),
            source: "bad".into(),
        },
    ];
    for err in &errors {
        one_line_naming(err, "x.h5");
    }
    for err in [
        Error::shape("reshape", "12 elements do not fit [5]"),
        Error::invalid_argument("--chunks", "0,3", "expected positive integers"),
        Error::Invalid("--out is given twice".into()),
        Error::internal("a task ran twice"),
        Error::Cancelled,
        Error::OutOfRange {
            setting: Setting::Threads,
            given: 5000,
            min: 0,
            max: 1024,
        },
    ] {
        one_line_naming(&err, "");
    }
}

#[test]
fn internal_says_it_is_a_bug() {
    let text = Error::internal("the plan has no stages").to_string();
    assert!(text.contains("a bug in tessera"), "{text}");
    assert!(text.contains("please report it"), "{text}");
    assert!(text.ends_with("the plan has no stages"), "{text}");
}

#[test]
fn invalid_argument_quotes_the_argument_and_its_value() {
    let err = Error::invalid_argument("--axis", "x", "expected integers like 0 or 0,1");
    assert_eq!(
        err.to_string(),
        "--axis 'x': expected integers like 0 or 0,1"
    );
}

#[test]
fn out_of_range_says_what_would_be_accepted() {
    let text = |setting, given, min, max| {
        Error::OutOfRange {
            setting,
            given,
            min,
            max,
        }
        .to_string()
    };
    assert_eq!(
        text(Setting::MemoryBudget, 1, 1 << 20, 1 << 60),
        "memory budget of 1 bytes is too small: give at least 1MiB"
    );
    assert_eq!(
        text(Setting::MemoryBudget, u64::MAX, 1 << 20, 1 << 60),
        "memory budget of 18446744073709551615 bytes is too large: give at most 1EiB (2^60 bytes)"
    );
    assert_eq!(
        text(Setting::Threads, 100_000, 0, 1024),
        "--threads 100000 is too many: give at most 1024 (0 means one per core)"
    );
    assert!(text(Setting::ChunkCache, 900, 0, 512).contains("at most 512 bytes"));
    // The context reports the limits it applies in the fields.
    let err = crate::Context::with_limits(1, 1).err().unwrap();
    assert!(
        matches!(
            err,
            Error::OutOfRange {
                setting: Setting::MemoryBudget,
                given: 1,
                min,
                ..
            } if min == crate::context::MIN_MEMORY
        ),
        "{err:?}"
    );
}

#[test]
fn exact_bytes_uses_the_largest_exact_unit() {
    assert_eq!(exact_bytes(1 << 20), "1MiB");
    assert_eq!(exact_bytes(1536 << 10), "1536KiB");
    assert_eq!(exact_bytes(1 << 60), "1EiB");
    assert_eq!(exact_bytes(1000), "1000 bytes");
    assert_eq!(exact_bytes(0), "0 bytes");
}

#[test]
fn hdf5_reasons_join_the_outer_and_inner_frames() {
    assert_eq!(stack_text(&["a"]), "a");
    assert_eq!(stack_text(&["a", "b", "c"]), "a: c");
    assert_eq!(stack_text(&["a", "a"]), "a");
    assert!(!stack_text(&[]).contains("unknown"));
}

#[test]
fn errors_cross_threads() {
    fn send_sync_static<T: Send + Sync + 'static>() {}
    send_sync_static::<Error>();
}
