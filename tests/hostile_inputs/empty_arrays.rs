//! Arrays with a zero-length axis convert, compute and reduce as numpy does.
//!
//! numpy (the venv's, `TESSERA_PYTHON`) is the oracle: each case is an expression in
//! tessera's language and its numpy spelling over the same .npy inputs; the CLI's
//! `--json` result must have numpy's shape, dtype and values (NaN where numpy has
//! NaN), and where numpy raises, tessera refuses with numpy's reason in one line.
//! Conversions of empty arrays to .npy, HDF5 and Zarr v2/v3 (sharded too) must open in
//! numpy, h5py and zarr-python with the right shape and positive chunk lengths.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::harness::{Outcome, Snapshot, at, tessera, tessera_in};

/// The inputs: empty arrays of several shapes and dtypes, and a small full one.
const INPUTS: &str = r#"
import numpy as np
np.save('e0.npy', np.zeros((0,), 'f8'))
np.save('e03.npy', np.zeros((0, 3), 'f8'))
np.save('e30.npy', np.zeros((3, 0), 'i4'))
np.save('eu.npy', np.zeros((0,), 'u1'))
np.save('eb.npy', np.zeros((0, 2), '?'))
np.save('e000.npy', np.zeros((2, 0, 4), 'f4'))
np.save('a.npy', np.arange(12.0).reshape(3, 4))
"#;

/// Names bound to inputs, as `-i NAME=NAME.npy`.
const NAMES: &[&str] = &["e0", "e03", "e30", "eu", "eb", "e000", "a"];

/// Runs python `code` in `dir` and returns its stdout.
fn python(dir: &Path, code: &str) -> String {
    let interpreter =
        std::env::var("TESSERA_PYTHON").expect("TESSERA_PYTHON is set by scripts/setup.sh");
    let out = Command::new(interpreter)
        .arg("-c")
        .arg(code)
        .current_dir(dir)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A directory holding the inputs.
fn inputs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    python(dir.path(), INPUTS);
    dir
}

/// numpy's answer for each expression: `{"shape", "dtype", "value"}` or `{"error"}`.
fn numpy_oracle(dir: &Path, exprs: &[&str]) -> Vec<Value> {
    let code = format!(
        r#"
import json, warnings
import numpy as np
warnings.simplefilter('ignore')
env = {{name: np.load(name + '.npy') for name in {names:?}}}
env['np'] = np
def plain(v):
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, float) and v != v:
        return 'NaN'
    return v
out = []
for expr in {exprs:?}:
    try:
        r = np.asarray(eval(expr, env))
        out.append({{'shape': list(r.shape), 'dtype': str(r.dtype), 'value': plain(r.tolist())}})
    except Exception as e:
        out.append({{'error': str(e)}})
print(json.dumps(out))
"#,
        names = NAMES,
        exprs = exprs
    );
    serde_json::from_str(python(dir, &code).trim()).unwrap()
}

/// `tessera eval EXPR --json` over every input.
fn tessera_eval(dir: &Path, expr: &str) -> Outcome {
    let specs: Vec<String> = NAMES.iter().map(|n| format!("{n}={n}.npy")).collect();
    let mut args = vec!["eval", expr, "--json", "--quiet"];
    for spec in &specs {
        args.push("-i");
        args.push(spec);
    }
    tessera_in(dir, &args)
}

/// True when two JSON values agree (floats to 1e-12 relative, "NaN" as NaN).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            (x - y).abs() <= 1e-12 * x.abs().max(y.abs()).max(1.0)
        }
        (Value::Number(_), Value::Bool(_)) | (Value::Bool(_), Value::Number(_)) => false,
        _ => a == b,
    }
}

/// Each pair is (tessera expression, numpy expression); checks shape, dtype and values,
/// or numpy's error word for word in tessera's one refusal line.
fn agree_with_numpy(cases: &[(&str, &str)]) {
    let dir = inputs();
    let snapshot = Snapshot::of(dir.path());
    let numpy: Vec<&str> = cases.iter().map(|c| c.1).collect();
    let expected = numpy_oracle(dir.path(), &numpy);
    for ((ours, theirs), want) in cases.iter().zip(&expected) {
        let outcome = tessera_eval(dir.path(), ours);
        if let Some(error) = want.get("error") {
            outcome.refused(&[error.as_str().unwrap()]);
            continue;
        }
        outcome.succeeded();
        let got: Value = serde_json::from_str(outcome.stdout.trim())
            .unwrap_or_else(|e| panic!("{ours}: {e}: {}", outcome.stdout));
        assert_eq!(
            got["shape"], want["shape"],
            "shape of {ours} (numpy: {theirs})"
        );
        assert_eq!(
            got["dtype"], want["dtype"],
            "dtype of {ours} (numpy: {theirs})"
        );
        assert!(
            same(&got["value"], &want["value"]),
            "values of {ours}: {} but numpy's {theirs} gives {}",
            got["value"],
            want["value"]
        );
    }
    snapshot.unchanged();
}

#[test]
fn reductions_of_empty_arrays_have_numpy_identities() {
    agree_with_numpy(&[
        ("sum(e0)", "np.sum(e0)"),
        ("prod(e0)", "np.prod(e0)"),
        ("sum(e30)", "np.sum(e30)"),
        ("prod(e30)", "np.prod(e30)"),
        ("sum(eu)", "np.sum(eu)"),
        ("sum(eb)", "np.sum(eb)"),
        ("count(e03)", "np.count_nonzero(e03)"),
        ("any(eb)", "np.any(eb)"),
        ("all(eb)", "np.all(eb)"),
        ("nansum(e000)", "np.nansum(e000)"),
    ]);
}

#[test]
fn mean_var_std_of_empty_arrays_are_nan() {
    agree_with_numpy(&[
        ("mean(e0)", "np.mean(e0)"),
        ("var(e0)", "np.var(e0)"),
        ("std(e0)", "np.std(e0)"),
        ("var(e03, ddof=1)", "np.var(e03, ddof=1)"),
        ("mean(e30)", "np.mean(e30)"),
        ("nanmean(e000)", "np.nanmean(e000)"),
        ("mean(e000, axis=1)", "np.mean(e000, axis=1)"),
        ("std(e30, axis=1)", "np.std(e30, axis=1)"),
    ]);
}

#[test]
fn min_max_arg_over_an_empty_axis_are_refused_with_numpys_reason() {
    agree_with_numpy(&[
        ("min(e0)", "np.min(e0)"),
        ("max(e03)", "np.max(e03)"),
        ("min(e03, axis=0)", "np.min(e03, axis=0)"),
        ("argmin(e0)", "np.argmin(e0)"),
        ("argmax(e30, axis=1)", "np.argmax(e30, axis=1)"),
    ]);
}

#[test]
fn nanmin_nanmax_over_an_empty_axis_are_refused() {
    // numpy's nanmin/nanmax reduce with fmin/fmax.
    agree_with_numpy(&[
        ("nanmin(e0)", "np.fmin.reduce(e0)"),
        ("nanmax(e03)", "np.fmax.reduce(e03, axis=None)"),
    ]);
}

#[test]
fn reductions_over_full_axes_of_arrays_with_an_empty_axis() {
    agree_with_numpy(&[
        ("min(e03, axis=1)", "np.min(e03, axis=1)"),
        ("argmax(e03, axis=1)", "np.argmax(e03, axis=1)"),
        ("sum(e03, axis=0)", "np.sum(e03, axis=0)"),
        ("prod(e03, axis=0)", "np.prod(e03, axis=0)"),
        ("sum(e03, axis=1)", "np.sum(e03, axis=1)"),
        ("max(e30, axis=0)", "np.max(e30, axis=0)"),
        ("sum(e000, axis=(0, 2))", "np.sum(e000, axis=(0, 2))"),
        (
            "sum(e000, axis=1, keepdims=True)",
            "np.sum(e000, axis=1, keepdims=True)",
        ),
        (
            "mean(e03, axis=0, keepdims=True)",
            "np.mean(e03, axis=0, keepdims=True)",
        ),
        ("any(eb, axis=0)", "np.any(eb, axis=0)"),
        ("all(eb, axis=1)", "np.all(eb, axis=1)"),
    ]);
}

#[test]
fn slices_that_select_nothing_are_empty_arrays() {
    agree_with_numpy(&[
        ("a[5:2]", "a[5:2]"),
        ("a[2:2, :]", "a[2:2, :]"),
        ("a[:, 3:1]", "a[:, 3:1]"),
        ("a[::-1][10:]", "a[::-1][10:]"),
        ("a[1:1, 1]", "a[1:1, 1]"),
        ("sum(a[5:2], axis=0)", "np.sum(a[5:2], axis=0)"),
        ("e03[::-1, ::2]", "e03[::-1, ::2]"),
        ("e30[1]", "e30[1]"),
        ("a[a > 100]", "a[a > 100]"),
    ]);
}

#[test]
fn elementwise_and_broadcasting_with_length_zero_axes() {
    agree_with_numpy(&[
        ("e03 + 1", "e03 + 1"),
        ("e03 * a[0, :3]", "e03 * a[0, :3]"),
        ("e0 + a[:, :1]", "e0 + a[:, :1]"),
        ("e30 + e0", "e30 + e0"),
        ("where(e03 > 0, e03, -1)", "np.where(e03 > 0, e03, -1)"),
        ("sqrt(e000)", "np.sqrt(e000)"),
        ("eu + eu", "eu + eu"),
        ("e03.T", "e03.T"),
        ("astype(e30, float32) / 2", "e30.astype(np.float32) / 2"),
        ("broadcast_to(e0, (3, 0))", "np.broadcast_to(e0, (3, 0))"),
    ]);
}

#[test]
fn matmul_with_a_zero_length_contracted_axis_gives_zeros() {
    agree_with_numpy(&[
        ("e30 @ e03", "e30 @ e03"),
        ("e03.T @ e03", "e03.T @ e03"),
        ("e03 @ e03.T", "e03 @ e03.T"),
        ("tensordot(e30, e03, 1)", "np.tensordot(e30, e03, 1)"),
        ("dot(e0, e0)", "np.dot(e0, e0)"),
        ("outer(e0, a)", "np.outer(e0, a)"),
        (
            "einsum('ij,jk->ik', e30, e03)",
            "np.einsum('ij,jk->ik', e30, e03)",
        ),
        ("trace(e03)", "np.trace(e03)"),
        ("diagonal(e30)", "np.diagonal(e30)"),
    ]);
}

#[test]
fn scans_and_shape_functions_of_empty_arrays() {
    agree_with_numpy(&[
        ("cumsum(e0, axis=0)", "np.cumsum(e0, axis=0)"),
        ("cumprod(e03, axis=1)", "np.cumprod(e03, axis=1)"),
        ("cumsum(e30, axis=1)", "np.cumsum(e30, axis=1)"),
        ("concatenate([e03, e03])", "np.concatenate([e03, e03])"),
        (
            "concatenate([e03, a[:, :3]], axis=0)",
            "np.concatenate([e03, a[:, :3]], axis=0)",
        ),
        ("stack([e0, e0])", "np.stack([e0, e0])"),
        ("reshape(e03, (3, 0))", "np.reshape(e03, (3, 0))"),
        ("reshape(e000, (-1,))", "np.reshape(e000, (-1,))"),
        ("flip(e03, axis=0)", "np.flip(e03, axis=0)"),
        (
            "take(a, [], axis=0)",
            "np.take(a, np.array([], dtype=int), axis=0)",
        ),
        ("zeros((0, 5))", "np.zeros((0, 5))"),
        ("arange(0)", "np.arange(0)"),
    ]);
}

#[test]
fn reduce_command_on_an_empty_axis() {
    let dir = inputs();
    let snapshot = Snapshot::of(dir.path());
    let run = |args: &[&str]| tessera_in(dir.path(), args);
    let sum = run(&[
        "reduce", "sum", "e03.npy", "--axis", "0", "--json", "--quiet",
    ]);
    sum.succeeded();
    let doc: Value = serde_json::from_str(sum.stdout.trim()).unwrap();
    assert_eq!(doc["shape"], serde_json::json!([3]));
    assert_eq!(doc["value"], serde_json::json!([0.0, 0.0, 0.0]));
    run(&["reduce", "min", "e03.npy", "--axis", "0", "--quiet"])
        .refused(&["min: zero-size array to reduction operation minimum which has no identity"]);
    run(&["reduce", "argmax", "e0.npy", "--quiet"])
        .refused(&["argmax: attempt to get argmax of an empty sequence"]);
    let mean = run(&["reduce", "mean", "e30.npy", "--axis", "1", "--quiet"]);
    mean.succeeded();
    assert_eq!(mean.stdout.trim(), "[NaN, NaN, NaN]");
    snapshot.unchanged();
}

// ----- conversions ----------------------------------------------------------------------

/// Converts `src` (in `dir`) to every format and checks each target in the reference
/// library: numpy for .npy, h5py for HDF5, zarr-python for Zarr, with the shape, the
/// dtype and positive chunk lengths.
fn converts_everywhere(dir: &Path, src: &str, shape: &[u64], dtype: &str, extra: &[&str]) {
    let targets = [
        ("t.npy", vec![]),
        ("t.h5:/x", vec![]),
        ("tg.h5:/x", vec!["--codec", "gzip:4", "--chunks", "4,4"]),
        ("t3.zarr", vec![]),
        ("t2.zarr", vec!["--zarr-version", "2", "--codec", "zstd:3"]),
        ("ts.zarr", vec!["--chunks", "2,2", "--shard", "4,4"]),
    ];
    for (i, (target, options)) in targets.iter().enumerate() {
        let dst = at(dir, target);
        let mut args = vec!["convert", src, &dst, "--quiet"];
        args.extend(options.iter().copied());
        args.extend(extra.iter().copied());
        tessera_in(dir, &args).succeeded();
        // And back to .npy, through tessera's own reader of that format.
        let back = at(dir, &format!("back-{i}.npy"));
        tessera_in(dir, &["convert", &dst, &back, "--quiet"]).succeeded();
    }
    let report = python(
        dir,
        r#"
import json, numpy as np, h5py, zarr
out = {}
for name in ['t.npy'] + ['back-%d.npy' % i for i in range(6)]:
    a = np.load(name)
    out[name] = [list(a.shape), str(a.dtype), None]
for name in ['t.h5', 'tg.h5']:
    with h5py.File(name, 'r') as f:
        d = f['x']
        out[name] = [list(d.shape), str(d.dtype), list(d.chunks) if d.chunks else None, d[()].size]
for name in ['t3.zarr', 't2.zarr', 'ts.zarr']:
    z = zarr.open(name, mode='r')
    out[name] = [list(z.shape), str(z.dtype), list(z.chunks), z[...].size]
print(json.dumps(out))
"#,
    );
    let report: Value = serde_json::from_str(report.trim()).unwrap();
    for (name, facts) in report.as_object().unwrap() {
        assert_eq!(
            facts[0],
            serde_json::json!(shape),
            "shape of {name}: {report}"
        );
        assert_eq!(
            facts[1],
            serde_json::json!(dtype),
            "dtype of {name}: {report}"
        );
        if let Some(chunks) = facts[2].as_array() {
            assert!(
                chunks.iter().all(|c| c.as_u64().unwrap() >= 1),
                "{name} has a chunk length 0: {report}"
            );
        }
        if let Some(size) = facts.get(3) {
            assert_eq!(
                size,
                &serde_json::json!(0),
                "{name} holds elements: {report}"
            );
        }
    }
}

#[test]
fn empty_leading_axis_converts_to_every_format() {
    let dir = inputs();
    converts_everywhere(dir.path(), "e03.npy", &[0, 3], "float64", &[]);
}

#[test]
fn empty_trailing_axis_converts_to_every_format() {
    let dir = inputs();
    converts_everywhere(dir.path(), "e30.npy", &[3, 0], "int32", &[]);
}

#[test]
fn gen_random_with_an_empty_axis() {
    let dir = tempfile::tempdir().unwrap();
    for (target, shape) in [("g.npy", "0,5"), ("g.h5:/x", "5,0"), ("g.zarr", "0,0")] {
        let dst = at(dir.path(), target);
        tessera(&["gen", "random", &dst, "--shape", shape, "--quiet"]).succeeded();
        let sum = tessera(&["reduce", "sum", &dst, "--json", "--quiet"]);
        sum.succeeded();
        let doc: Value = serde_json::from_str(sum.stdout.trim()).unwrap();
        assert_eq!(doc["value"], serde_json::json!(0.0), "{target}");
    }
    let report = python(
        dir.path(),
        "import numpy as np, h5py, zarr\nprint(np.load('g.npy').shape, h5py.File('g.h5','r')['x'].shape, zarr.open('g.zarr', mode='r').shape)",
    );
    assert_eq!(report.trim(), "(0, 5) (5, 0) (0, 0)");
}

#[test]
fn zero_chunk_lengths_are_still_refused() {
    let dir = inputs();
    let snapshot = Snapshot::of(dir.path());
    tessera_in(
        dir.path(),
        &["convert", "e03.npy", "o.zarr", "--chunks", "0,3", "--quiet"],
    )
    .refused(&["--chunks '0,3'", "positive integers"]);
    tessera_in(
        dir.path(),
        &[
            "gen", "random", "g.zarr", "--shape", "0,3", "--chunks", "1,0", "--quiet",
        ],
    )
    .refused(&["--chunks '1,0'", "positive integers"]);
    snapshot.unchanged();
}

#[test]
fn in_process_empty_array_api() {
    let values = ndarray::Array2::<f64>::zeros((0, 3));
    let array = tessera::Array::from_ndarray(values.view(), &[1, 3]).unwrap();
    let ctx = tessera::Context::with_limits(64 << 20, 2).unwrap();
    let sum = array.sum().unwrap().compute(&ctx).unwrap();
    assert_eq!(sum.as_slice::<f64>().unwrap(), &[0.0]);
    let mean = array.mean().unwrap().compute(&ctx).unwrap();
    assert!(mean.as_slice::<f64>().unwrap()[0].is_nan());
    // Refused when built: numpy refuses it even where nothing would be computed.
    let error = match array.reduce(tessera::reduce_op("min", 0).unwrap(), [0]) {
        Ok(_) => panic!("min over an empty axis was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        error.contains("zero-size array to reduction operation minimum which has no identity"),
        "{error}"
    );
    let rows = array
        .slice(&[tessera::SliceItem::Range {
            start: Some(5),
            stop: Some(2),
            step: None,
        }])
        .unwrap();
    assert_eq!(rows.shape(), &[0, 3]);
    let cumsum = array.cumsum(0).unwrap().compute(&ctx).unwrap();
    assert_eq!(cumsum.shape(), &[0, 3]);
}
