//! Differential test against numpy (issue 12): random expressions over random inputs,
//! evaluated by tessera and by numpy 2, must agree.
//!
//! One Python process (`tests/differential/oracle.py`, run with `$TESSERA_PYTHON`, the
//! virtualenv of scripts/setup.sh) generates the whole campaign: inputs of every dtype
//! with hostile values (NaN, ±inf, -0.0, subnormals, integer extremes, huge magnitudes;
//! 0-d to 3-d, empty and length-1 axes) written by the reference libraries (.npy incl.
//! big-endian and Fortran order, Zarr v2/v3 by zarr-python incl. sharded, F order and
//! big-endian, HDF5 by h5py, chunked/contiguous/gzip), expressions over the functions the
//! registry has ([`tessera::expr::function_names`]), rendered as tessera source and as
//! numpy code, and numpy's answer or exception. This test opens the inputs, evaluates
//! each expression with `evaluate_in` under a 64 MiB budget on 2 threads, and compares.
//!
//! Outcomes: `match`; the failures `wrong-value`, `wrong-shape`, `wrong-dtype`,
//! `wrong-nan`, `answered-where-numpy-raises`, `panicked`, `hung` and `multi-line-error`
//! (an error's Display must be one line); the non-failures `refused-where-numpy-answers`
//! (listed by message), `both-refuse` and `unchecked` (numpy's result shape depends on
//! rounding: a mask of inexact values; only the dtype is compared).
//!
//! Tolerances (computed by `tests/differential/bounds.py`, one bound per element,
//! written as `bound.npy` next to `expected.npy`):
//!
//! | result                                               | allowed |got - expected| |
//! |------------------------------------------------------|----------------------------|
//! | integers, bools                                      | exact                      |
//! | floats from + - * / // %, comparisons, casts, sqrt,   | exact (-0.0 == 0.0)        |
//! | abs, min/max, where, clip, indexing, shape ops       |                            |
//! | exp log sin cos tan tanh arc* log10 log2 log1p expm1, | 4 ulp of the result dtype  |
//! | arctan2, hypot, float `**`/power                     | (float16 computes via f32) |
//! | sum mean nansum nanmean average cumsum, window sums  | 2·n·eps(dtype)·Σ|terms|    |
//! | var std (and nan*)                                   | 2·n·eps·mean(x²); std: √   |
//! | prod cumprod nanprod                                 | 2·n·eps·Π|terms|           |
//! | einsum tensordot matmul dot outer trace              | 2·n·eps·(op on |operands|) |
//! | median quantile percentile                           | 4 ulp of the largest term  |
//!
//! plus 4 ulp of the result. Bounds follow the tree: an operation on inexact operands
//! carries their bound (evaluated at operand ± bound) plus 1 ulp. Elements whose value
//! depends on rounding order are not compared (bound `inf`): a sum whose terms overflow
//! the dtype, a product whose partial products may overflow or underflow, a comparison,
//! cast or argmin of inexact values near the threshold, and float → int casts of NaN,
//! ±inf or out-of-range values (undefined in numpy; docs/dask.md). NaN positions must
//! match wherever the bound is finite, and ±inf must be equal.
//!
//! Campaigns: `cargo test --release --test differential` runs 400 expressions of a fixed
//! seed. `TESSERA_DIFF_COUNT=20000 TESSERA_DIFF_SEED=7 cargo test --release --test
//! differential -- --nocapture` runs a long one; `TESSERA_DIFF_KEEP=dir` keeps the inputs,
//! the expected results, `cases.jsonl` and `outcomes.tsv` in `dir` so a printed
//! `tessera eval` line reproduces a failure; `TESSERA_DIFF_FUNCTIONS=einsum,prod` narrows
//! the functions generated (operators and indexing always are).

mod common;

#[path = "differential/compare.rs"]
mod compare;
#[path = "differential/report.rs"]
mod report;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::python;
use std::sync::mpsc;
use std::time::Duration;

use report::{Case, Outcome, Report};
use tessera::{Array, Context};

const DEFAULT_SEED: u64 = 12;
const DEFAULT_COUNT: usize = 400;
/// A case still running after this long is reported as hung and fails the test.
const CASE_TIMEOUT: Duration = Duration::from_secs(60);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text} is not a number")),
        Err(_) => default,
    }
}

/// Runs the oracle once for the whole campaign and reads its manifest.
fn generate(python: &Path, seed: u64, count: usize, dir: &Path) -> Vec<Case> {
    // TESSERA_DIFF_FUNCTIONS=einsum,prod narrows a campaign to those functions (and the
    // operators and indexing, which are always generated).
    let only = std::env::var("TESSERA_DIFF_FUNCTIONS").ok();
    let functions: Vec<&str> = tessera::expr::function_names()
        .filter(|f| {
            only.as_deref()
                .is_none_or(|only| only.split(',').any(|o| o == *f))
        })
        .collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/oracle.py");
    let output = Command::new(python)
        .arg(&script)
        .args(["--seed", &seed.to_string(), "--count", &count.to_string()])
        .arg("--dir")
        .arg(dir)
        .args(["--functions", &functions.join(",")])
        .output()
        .expect("run the oracle");
    assert!(
        output.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    print!("{}", String::from_utf8_lossy(&output.stderr));
    let manifest = std::fs::read_to_string(dir.join("cases.jsonl")).expect("read cases.jsonl");
    manifest
        .lines()
        .map(|line| serde_json::from_str(line).expect("a manifest line"))
        .map(|value: serde_json::Value| Case::from_json(&value))
        .collect()
}

/// Computes an array that numpy's .npy holds (expected values and bounds).
fn read_npy(path: &str, ctx: &Context) -> tessera::Chunk {
    Array::open(path)
        .and_then(|a| a.compute(ctx))
        .unwrap_or_else(|e| panic!("tessera cannot read the oracle's {path}: {e}"))
}

/// Evaluates one case with tessera and classifies the outcome.
fn run_case(case: &Case, ctx: &Context) -> Outcome {
    let attempt = catch_unwind(AssertUnwindSafe(|| {
        let mut inputs = BTreeMap::new();
        for input in &case.inputs {
            inputs.insert(input.name.clone(), Array::open(&input.address)?);
        }
        tessera::expr::evaluate_in(&case.expr, &inputs, ctx)?.compute(ctx)
    }));
    let result = match attempt {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_default();
            return Outcome::Panicked(message);
        }
    };
    match (result, &case.numpy_error) {
        (Err(e), _) if e.to_string().contains('\n') => Outcome::MultiLineError(e.to_string()),
        (Err(_), Some(_)) => Outcome::BothRefuse,
        (Err(e), None) => Outcome::Refused(e.to_string()),
        (Ok(got), Some(_)) => Outcome::Answered(compare::excerpt(&got)),
        (Ok(got), None) => {
            let expected = read_npy(case.expected.as_deref().expect("expected.npy"), ctx);
            let bound =
                case.bound
                    .as_deref()
                    .map(|path| match compare::values(&read_npy(path, ctx)) {
                        compare::Values::Float(v) => v,
                        compare::Values::Int(_) => panic!("bound.npy must be float64"),
                    });
            let detail = || {
                format!(
                    "got {} {:?} {}, expected {} {:?} {}",
                    got.dtype(),
                    got.shape(),
                    compare::excerpt(&got),
                    expected.dtype(),
                    expected.shape(),
                    compare::excerpt(&expected)
                )
            };
            match compare::compare(&got, &expected, bound.as_deref(), !case.shape_unreliable) {
                None if case.shape_unreliable => Outcome::Unchecked,
                None => Outcome::Match,
                Some(compare::Mismatch::Shape) => Outcome::WrongShape(detail()),
                Some(compare::Mismatch::DType) => Outcome::WrongDType(detail()),
                Some(compare::Mismatch::Nan(at)) => {
                    Outcome::WrongNan(format!("{at}; {}", detail()))
                }
                Some(compare::Mismatch::Value(at)) => {
                    Outcome::WrongValue(format!("{at}; {}", detail()))
                }
            }
        }
    }
}

#[test]
fn tessera_agrees_with_numpy() {
    let Some(python) = python() else { return };
    let seed = env_or("TESSERA_DIFF_SEED", DEFAULT_SEED);
    let count = env_or("TESSERA_DIFF_COUNT", DEFAULT_COUNT);
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = match std::env::var_os("TESSERA_DIFF_KEEP") {
        Some(keep) => {
            let keep = PathBuf::from(keep);
            if keep.exists() {
                std::fs::remove_dir_all(&keep).expect("clear TESSERA_DIFF_KEEP");
            }
            std::fs::create_dir_all(&keep).expect("create TESSERA_DIFF_KEEP");
            keep
        }
        None => temp.path().to_path_buf(),
    };
    let cases = generate(&python, seed, count, &dir);
    let ctx = Context::builder()
        .memory(64 << 20)
        .threads(2)
        .build()
        .expect("context");

    // The cases run on a worker; a case that does not finish in time is reported as hung.
    let (send, receive) = mpsc::channel();
    let worker_cases = cases.clone();
    std::thread::spawn(move || {
        for (i, case) in worker_cases.iter().enumerate() {
            let outcome = run_case(case, &ctx);
            if send.send((i, outcome)).is_err() {
                return;
            }
        }
    });
    let mut report = Report::new(
        seed,
        count,
        &dir,
        std::env::var_os("TESSERA_DIFF_KEEP").is_some(),
    );
    for i in 0..cases.len() {
        match receive.recv_timeout(CASE_TIMEOUT) {
            Ok((done, outcome)) => report.add(&cases[done], outcome),
            Err(_) => {
                report.add(&cases[i], Outcome::Hung);
                break;
            }
        }
    }
    let failures = report.print();
    assert!(
        failures == 0,
        "{failures} of {count} cases disagree with numpy (seed {seed}); see the cases above"
    );
}
