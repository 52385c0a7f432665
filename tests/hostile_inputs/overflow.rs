//! Shapes, chunk shapes and counts whose products overflow, refused by name before any work.
//!
//! Every case runs the CLI and asserts the promise: exit code 2, one `tessera: error:`
//! line naming what is too large, no panic or hang, a small peak RSS (nothing was
//! allocated for the absurd size), and nothing written in the working directory.
//! Absurd resources (`--threads`, `--memory`) are refused the same way.

use super::harness::{Outcome, Snapshot, at, tessera, tessera_in};

/// Makes a small seeded HDF5 (or other) input with `tessera gen random` and returns its
/// address (the harness's `gen` is a reserved word in edition 2024).
pub(crate) fn make_input(dir: &std::path::Path, name: &str, shape: &str, chunks: &str) -> String {
    let address = at(dir, name);
    tessera(&[
        "gen", "random", &address, "--shape", shape, "--chunks", chunks, "--quiet",
    ])
    .succeeded();
    address
}

/// Peak RSS allowed for a refusal: it must happen before any large allocation.
const REFUSAL_RSS: u64 = 200 << 20;

/// Runs `args` in a fresh directory and asserts a refusal containing `needles`, a small
/// peak RSS and an unchanged directory.
fn refused_in_empty_dir(args: &[&str], needles: &[&str]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = Snapshot::of(dir.path());
    let outcome = tessera_in(dir.path(), args);
    outcome.refused(needles).rss_within(REFUSAL_RSS);
    snapshot.unchanged();
    outcome
}

/// `tessera eval EXPR` with no inputs (creation functions only), refused.
fn eval_refused(expr: &str, needles: &[&str]) {
    refused_in_empty_dir(&["eval", expr, "--quiet"], needles);
}

#[test]
fn gen_shape_whose_element_count_overflows_u64() {
    refused_in_empty_dir(
        &[
            "gen",
            "random",
            "out.zarr",
            "--shape",
            "4294967296,4294967296",
            "--quiet",
        ],
        &["--shape", "too large", "4294967296"],
    );
}

#[test]
fn gen_shape_past_2_60_elements() {
    // 2^61 elements fit u64 but their float64 bytes do not fit i64 (numpy's limit).
    refused_in_empty_dir(
        &[
            "gen",
            "random",
            "out.zarr",
            "--shape",
            "2305843009213693952",
            "--quiet",
        ],
        &["--shape", "too large"],
    );
}

#[test]
fn gen_three_axes_whose_product_wraps_to_zero() {
    // 2^22 * 2^21 * 2^21 = 2^64, which wraps to exactly 0 in unchecked u64 arithmetic.
    refused_in_empty_dir(
        &[
            "gen",
            "random",
            "out.zarr",
            "--shape",
            "4194304,2097152,2097152",
            "--quiet",
        ],
        &["--shape", "too large"],
    );
}

#[test]
fn gen_chunks_whose_product_overflows() {
    refused_in_empty_dir(
        &[
            "gen",
            "random",
            "out.zarr",
            "--shape",
            "10,10",
            "--chunks",
            "4294967296,4294967296",
            "--quiet",
        ],
        &["--chunks", "too large"],
    );
}

#[test]
fn convert_chunks_whose_product_overflows() {
    let dir = tempfile::tempdir().unwrap();
    let src = make_input(dir.path(), "in.h5:/x", "20,20", "10,10");
    let snapshot = Snapshot::of(dir.path());
    tessera(&[
        "convert",
        &src,
        &at(dir.path(), "out.zarr"),
        "--chunks",
        "8589934592,8589934592",
        "--quiet",
    ])
    .refused(&["--chunks", "too large"])
    .rss_within(REFUSAL_RSS);
    snapshot.unchanged();
}

#[test]
fn gen_more_than_10_12_chunks_is_refused_up_front() {
    // 2^40 chunks of one element: a plan that would take days to enumerate.
    let outcome = refused_in_empty_dir(
        &[
            "gen",
            "random",
            "out.zarr",
            "--shape",
            "1099511627776",
            "--chunks",
            "1",
            "--quiet",
        ],
        &["out.zarr"],
    );
    // Refused for its task count, or before that for the space its 2^40 chunk files
    // would take: either way before any work.
    let line = &outcome.stderr;
    assert!(
        line.contains("1099511627776 tasks") || line.contains("free"),
        "{line}"
    );
    assert!(outcome.stdout.is_empty());
}

#[test]
fn eval_reduction_over_more_than_10_12_input_chunks() {
    // One result chunk, but the reduction would walk 2^40 input chunks.
    eval_refused(
        "sum(zeros((2**20, 2**20), chunks=(1, 1)))",
        &["1099511627776 tasks", "10^12"],
    );
}

#[test]
fn eval_zeros_of_2_80_elements() {
    eval_refused(
        "zeros((2**40, 2**40))",
        &["column 1", "too large", "1099511627776"],
    );
}

#[test]
fn eval_broadcast_whose_shape_overflows() {
    eval_refused(
        "zeros((2**32, 1), chunks=(1024, 1)) + zeros((1, 2**32), chunks=(1, 1024))",
        &["column", "too large", "[4294967296, 4294967296]"],
    );
}

#[test]
fn eval_outer_product_past_2_60_elements() {
    eval_refused(
        "outer(zeros(2**31, chunks=2**20), zeros(2**31, chunks=2**20))",
        &["too large", "[2147483648, 2147483648]"],
    );
}

#[test]
fn eval_tensordot_past_2_60_elements() {
    eval_refused(
        "tensordot(zeros((2**31, 2), chunks=(2**20, 2)), zeros((2, 2**31), chunks=(2, 2**20)), 1)",
        &["too large", "tensor"],
    );
}

#[test]
fn eval_matmul_past_2_60_elements() {
    eval_refused(
        "zeros((2**32, 3), chunks=(2**20, 3)) @ zeros((3, 2**32), chunks=(3, 2**20))",
        &["too large", "[4294967296, 4294967296]"],
    );
}

#[test]
fn eval_concatenate_whose_length_overflows() {
    // Eight arrays of 2^60 elements each: 2^63 along the axis, past the limit.
    let part = "zeros(2**60, chunks=2**40)";
    let parts = [part; 8].join(", ");
    eval_refused(
        &format!("concatenate([{parts}])"),
        &["concatenate", "too large"],
    );
}

#[test]
fn eval_reshape_whose_lengths_overflow() {
    eval_refused(
        "reshape(zeros(6), (2**40, 2**40, 2**40))",
        &["reshape", "multiply past 2^64"],
    );
}

#[test]
fn eval_broadcast_to_an_overflowing_shape() {
    eval_refused(
        "broadcast_to(zeros(1), (2**32, 2**32))",
        &["broadcast_to", "too large"],
    );
}

#[test]
fn eval_empty_array_whose_other_axes_overflow() {
    // numpy refuses np.zeros((2**40, 2**40, 0)) ("array is too big") though it is empty.
    eval_refused("zeros((2**40, 2**40, 0))", &["too large"]);
}

#[test]
fn eval_slice_with_extreme_steps_is_not_an_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let src = at(dir.path(), "a.npy");
    tessera(&[
        "gen", "random", &src, "--shape", "10", "--dtype", "i64", "--seed", "3", "--quiet",
    ])
    .succeeded();
    let whole = tessera(&["eval", "a", "-i", &format!("a={src}"), "--json", "--quiet"]);
    whole.succeeded();
    let first = tessera(&[
        "eval",
        "a[0:10:9223372036854775807]",
        "-i",
        &format!("a={src}"),
        "--json",
        "--quiet",
    ]);
    first.succeeded();
    let last = tessera(&[
        "eval",
        "a[::-9223372036854775807-1]",
        "-i",
        &format!("a={src}"),
        "--json",
        "--quiet",
    ]);
    last.succeeded();
    let values = |o: &Outcome| -> Vec<i64> {
        let doc: serde_json::Value = serde_json::from_str(o.stdout.trim()).unwrap();
        doc["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect()
    };
    let all = values(&whole);
    assert_eq!(
        values(&first),
        vec![all[0]],
        "numpy: a[0:10:2**63-1] is [a[0]]"
    );
    assert_eq!(values(&last), vec![all[9]], "numpy: a[::-2**63] is [a[-1]]");
}

// ----- absurd resources ---------------------------------------------------------------

/// A tiny input for the resource cases, and the directory holding it.
fn small_input() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let src = make_input(dir.path(), "in.h5:/x", "10,10", "5,5");
    (dir, src)
}

fn reduce_with(option: &str, value: &str, needles: &[&str]) {
    let (dir, src) = small_input();
    let snapshot = Snapshot::of(dir.path());
    // `--option=value`, so that clap takes values starting with '-' as values.
    tessera(&[
        "reduce",
        "sum",
        &src,
        &format!("{option}={value}"),
        "--quiet",
    ])
    .refused(needles)
    .rss_within(REFUSAL_RSS);
    snapshot.unchanged();
}

#[test]
fn threads_one_hundred_thousand() {
    reduce_with("--threads", "100000", &["--threads 100000", "at most 1024"]);
}

#[test]
fn threads_u64_max() {
    reduce_with(
        "--threads",
        "18446744073709551615",
        &["--threads 18446744073709551615", "at most 1024"],
    );
}

#[test]
fn threads_at_the_cap_still_run() {
    let (_dir, src) = small_input();
    tessera(&["reduce", "sum", &src, "--threads", "1024", "--quiet"]).succeeded();
}

#[test]
fn memory_zero() {
    reduce_with("--memory", "0", &["bad size '0'"]);
}

#[test]
fn memory_one_byte() {
    reduce_with("--memory", "1", &["too small", "at least 1MiB"]);
}

#[test]
fn memory_that_overflows_u64() {
    reduce_with(
        "--memory",
        "99999999999999999999GiB",
        &["99999999999999999999GiB", "too large"],
    );
}

#[test]
fn memory_past_the_cap() {
    reduce_with("--memory", "2048PiB", &["bad size"]);
    reduce_with("--memory", "4194304TiB", &["too large", "at most 1EiB"]);
}

#[test]
fn memory_nan() {
    reduce_with("--memory", "NaN", &["bad size 'NaN'"]);
}

#[test]
fn memory_negative() {
    reduce_with("--memory", "-5MiB", &["bad size '-5MiB'"]);
}

#[test]
fn memory_1e400() {
    reduce_with("--memory", "1e400", &["bad size '1e400'"]);
}

#[test]
fn file_shape_overflows_on_convert_from_npy() {
    // A .npy header claiming 2^32 x 2^32 float64 over 16 bytes of data.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.npy");
    std::fs::write(
        &path,
        super::npy_headers::npy_bytes(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
            16,
        ),
    )
    .unwrap();
    let snapshot = Snapshot::of(dir.path());
    tessera(&[
        "convert",
        path.to_str().unwrap(),
        &at(dir.path(), "out.zarr"),
        "--quiet",
    ])
    .refused(&["big.npy", "too large"])
    .rss_within(REFUSAL_RSS);
    snapshot.unchanged();
}

// ----- in-process: the library API is the entry point ----------------------------------

#[test]
fn api_constructors_refuse_overflowing_shapes() {
    use tessera::DType;
    let err = tessera::create::zeros(&[1 << 40, 1 << 40], &[1 << 20, 1 << 20], DType::F64)
        .err()
        .expect("2^80 elements are refused");
    assert!(err.to_string().contains("too large"), "{err}");
    let column = tessera::create::zeros(&[1 << 32, 1], &[1 << 20, 1], DType::F64).unwrap();
    let row = tessera::create::zeros(&[1, 1 << 32], &[1, 1 << 20], DType::F64).unwrap();
    let err = (&column + &row).err().expect("2^64 elements are refused");
    assert!(
        err.to_string().contains("[4294967296, 4294967296]"),
        "{err}"
    );
    let err = column.broadcast_to(&[1 << 32, 1 << 32]).err().unwrap();
    assert!(err.to_string().contains("broadcast_to"), "{err}");
    let err = column.reshape(&[1 << 40, 1 << 40, 1 << 40]).err().unwrap();
    assert!(err.to_string().contains("multiply past 2^64"), "{err}");
    let long = tessera::create::zeros(&[1 << 60], &[1 << 40], DType::U8).unwrap();
    let err = tessera::concatenate(&vec![long; 16], 0).err().unwrap();
    assert!(err.to_string().contains("concatenate"), "{err}");
}

#[test]
fn api_context_refuses_absurd_resources() {
    let err = tessera::Context::with_limits(1 << 30, 100_000)
        .err()
        .unwrap();
    assert!(err.to_string().contains("at most 1024"), "{err}");
    let err = tessera::Context::with_limits(u64::MAX, 1).err().unwrap();
    assert!(err.to_string().contains("at most 1EiB"), "{err}");
    let err = tessera::Context::with_limits(1, 1).err().unwrap();
    assert!(err.to_string().contains("too small"), "{err}");
    let err = tessera::memory::parse_bytes("99999999999999999999GiB").unwrap_err();
    assert!(err.to_string().contains("too large"), "{err}");
}
