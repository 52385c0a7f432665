//! Unit tests of `lower.rs`.

use super::*;
use ndarray::{ArrayD, IxDyn};

fn inputs() -> BTreeMap<String, Array> {
    let a = ArrayD::from_shape_fn(IxDyn(&[6, 4]), |i| (i[0] * 4 + i[1]) as f64 - 10.0);
    let b = ArrayD::from_shape_fn(IxDyn(&[6, 4]), |i| (i[0] + i[1]) as f64 * 0.5);
    let v = ArrayD::from_shape_fn(IxDyn(&[4]), |i| i[0] as f64 + 1.0);
    let mut map = BTreeMap::new();
    map.insert(
        "a".to_string(),
        Array::from_ndarray(a.view(), &[4, 3]).unwrap(),
    );
    map.insert(
        "b".to_string(),
        Array::from_ndarray(b.view(), &[2, 4]).unwrap(),
    );
    map.insert(
        "v".to_string(),
        Array::from_ndarray(v.view(), &[2]).unwrap(),
    );
    map
}

fn run(source: &str) -> Vec<f64> {
    let ctx = crate::context::Context::with_limits(16 << 20, 1).unwrap();
    let array = evaluate(source, &inputs()).unwrap_or_else(|e| panic!("{source}: {e}"));
    let chunk = array.astype(DType::F64).unwrap().compute(&ctx).unwrap();
    chunk.as_slice::<f64>().unwrap().to_vec()
}

fn fails(source: &str, column: usize, needle: &str) {
    let err = match evaluate(source, &inputs()) {
        Ok(_) => panic!("{source}: lowered without error"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains(&format!("column {column}:")),
        "{source}: {err}"
    );
    assert!(err.contains(needle), "{source}: {err}");
}

#[test]
fn arithmetic_follows_numpy() {
    assert_eq!(run("sum(a)"), vec![36.0]);
    assert_eq!(run("mean((a - b)**2)").len(), 1);
    assert_eq!(run("a[0, :] * 2 + 1"), vec![-19.0, -17.0, -15.0, -13.0]);
    assert_eq!(run("-a[0, 0]**2"), vec![-100.0]);
    assert_eq!(run("a[1, ::-1] / (1 / 2)"), vec![-6.0, -8.0, -10.0, -12.0]);
    assert_eq!(run("sum(a > 0)"), vec![13.0]);
    assert_eq!(run("(a @ v)[0]"), vec![-10.0 - 18.0 - 24.0 - 28.0]);
}

#[test]
fn functions_take_numpy_arguments() {
    assert_eq!(run("sum(a, axis=0)"), vec![0.0, 6.0, 12.0, 18.0]);
    assert_eq!(run("a.sum(axis=(0, 1), keepdims=True)"), vec![36.0]);
    assert_eq!(run("sum(a, axis=None)"), vec![36.0]);
    assert_eq!(run("max(a, -1)"), vec![-7.0, -3.0, 1.0, 5.0, 9.0, 13.0]);
    assert_eq!(run("clip(a[0], -9, -8)"), vec![-9.0, -9.0, -8.0, -8.0]);
    assert_eq!(
        run("where(a[0] < -8.5, 0, a[0])"),
        vec![0.0, 0.0, -8.0, -7.0]
    );
    assert_eq!(run("astype(a[0, :2] / 3, int32)"), vec![-3.0, -3.0]);
    assert_eq!(run("std(v, ddof=1)"), vec![(5.0f64 / 3.0).sqrt()]);
    assert_eq!(run("transpose(a)[0, :2]"), vec![-10.0, -6.0]);
    assert_eq!(run("a.T[1, 1]"), vec![-5.0]);
    assert_eq!(run("rechunk(a, (1, 1))[5, 3]"), vec![13.0]);
    assert_eq!(run("argmax(a[:, 2])"), vec![5.0]);
}

#[test]
fn mistakes_point_at_the_column() {
    fails("sum(c)", 5, "unknown name 'c'");
    fails("a + b[0, 0, 0]", 5, "too many indices");
    fails("mean(a, axis=2)", 1, "axis 2 is out of range");
    fails("a @ a", 1, "do not align");
    fails("frobnicate(a)", 1, "unknown function");
    fails("sum(a, keepdims=3)", 17, "True or False");
    fails("sum(a, axs=0)", 12, "unexpected argument 'axs'");
    fails("1 + 2", 1, "not an array");
    fails("a[0.5]", 3, "expected an integer");
    fails("sum(a, 0, None, 1)", 17, "too many arguments");
    fails("sum(a, 0, 1)", 11, "expected a dtype");
    fails("mean(a", 7, "expected ')'");
}

#[test]
fn creation_and_shape_functions() {
    assert_eq!(run("sum(ones((3, 4)))"), vec![12.0]);
    assert_eq!(run("zeros(3, dtype=int32) + 2"), vec![2.0, 2.0, 2.0]);
    assert_eq!(run("full((2,), 7.5)"), vec![7.5, 7.5]);
    assert_eq!(run("arange(5)"), vec![0.0, 1.0, 2.0, 3.0, 4.0]);
    assert_eq!(
        run("arange(1, 2, 0.25, chunks=2)"),
        vec![1.0, 1.25, 1.5, 1.75]
    );
    assert_eq!(run("linspace(0, 1, 5)"), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    assert_eq!(run("sum(eye(4, k=1))"), vec![3.0]);
    let normal = run("mean(random.normal(shape=(1000, 1000), chunks=(100, 100), seed=1))");
    assert!(normal[0].abs() < 0.01, "{normal:?}");
    assert_eq!(
        run("random.uniform(shape=(3,), seed=4)"),
        run("random.uniform(0, 1, shape=(3,), seed=4)")
    );
    let ints = run("random.integers(0, 3, shape=(50,), seed=2)");
    assert!(ints.iter().all(|v| (0.0..3.0).contains(v)));
    assert_eq!(run("concatenate([a[0], v], axis=0)").len(), 8);
    assert_eq!(run("stack([v, v], axis=1)[1]"), vec![2.0, 2.0]);
    assert_eq!(run("squeeze(expand_dims(v, 0))"), vec![1.0, 2.0, 3.0, 4.0]);
    assert_eq!(run("flip(v)"), vec![4.0, 3.0, 2.0, 1.0]);
    assert_eq!(run("swapaxes(a, 0, 1)[0, :2]"), vec![-10.0, -6.0]);
    assert_eq!(run("moveaxis(a, 0, -1)[1, 1]"), vec![-5.0]);
    assert_eq!(
        run("sum(broadcast_to(v, (3, 4)), axis=0)"),
        vec![3.0, 6.0, 9.0, 12.0]
    );
    assert_eq!(run("cumsum(v)"), vec![1.0, 3.0, 6.0, 10.0]);
    assert_eq!(run("cumprod(a, axis=1)[0, :3]"), vec![-10.0, 90.0, -720.0]);
    // numpy flattens without an axis; a 0-d array gives one element.
    assert_eq!(run("cumsum(a)[:3]"), vec![-10.0, -19.0, -27.0]);
    assert_eq!(run("cumsum(a[0, 0])"), vec![-10.0]);
    assert_eq!(run("cumprod(a[0, 0], axis=-1)"), vec![-10.0]);
    fails("concatenate(a, axis=0)", 13, "list of arrays");
    fails("random.normal(seed=1)", 1, "needs shape");
}

#[test]
fn reshape_block_and_selection() {
    // a is 6x4 holding -10..14 in C order.
    let a: Vec<f64> = (0..24).map(|i| i as f64 - 10.0).collect();
    assert_eq!(run("reshape(a, (4, -1))"), a);
    assert_eq!(run("reshape(a, (3, 8))[1, :2]"), vec![-2.0, -1.0]);
    assert_eq!(run("ravel(a)[5:7]"), vec![-5.0, -4.0]);
    assert_eq!(run("block([[v, v], [v, v]])").len(), 16);
    assert_eq!(run("block([v[:2], v[3:]])"), vec![1.0, 2.0, 4.0]);
    assert_eq!(run("a[[5, 0], 1]"), vec![11.0, -9.0]);
    assert_eq!(run("a[1, [3, 0, 0]]"), vec![-3.0, -6.0, -6.0]);
    assert_eq!(run("take(a, [1, -1], axis=1)[0]"), vec![-9.0, -7.0]);
    assert_eq!(run("take(a, [23, 0])"), vec![13.0, -10.0]);
    assert_eq!(run("a[a > 10]"), vec![11.0, 12.0, 13.0]);
    assert_eq!(run("extract(v > 2, v)"), vec![3.0, 4.0]);
    assert_eq!(run("sum(a[(a > 0) & (a < 3)])"), vec![3.0]);
    fails("reshape(a, (5, 5))", 1, "cannot reshape [6, 4] to [5, 5]");
    fails("a[[0, 9]]", 1, "out of bounds");
    fails("a[a > 0, 1]", 1, "too many indices");
    fails("a[a]", 3, "integers or bools, not float64");
    fails("block([[v], v])", 1, "mismatched");
}

fn with_u8(source: &str) -> Result<Vec<f64>> {
    let u = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1u8, 200, 0, 255, 7, 9]).unwrap();
    let mut map = inputs();
    map.insert(
        "u".to_string(),
        Array::from_ndarray(u.view(), &[1, 2]).unwrap(),
    );
    let ctx = crate::context::Context::with_limits(16 << 20, 1).unwrap();
    let chunk = evaluate(source, &map)?.astype(DType::F64)?.compute(&ctx)?;
    Ok(chunk.as_slice::<f64>().unwrap_or_default().to_vec())
}

#[test]
fn python_integers_out_of_the_dtype_range_follow_numpy() {
    // Comparisons answer what is true; arithmetic refuses (numpy's OverflowError).
    assert_eq!(with_u8("u < 300").unwrap(), vec![1.0; 6]);
    assert_eq!(with_u8("300 > u").unwrap(), vec![1.0; 6]);
    assert_eq!(with_u8("u == 300").unwrap(), vec![0.0; 6]);
    assert_eq!(with_u8("u >= -1").unwrap(), vec![1.0; 6]);
    assert_eq!(with_u8("u < 2**70").unwrap(), vec![1.0; 6]);
    for refused in [
        "u + 300",
        "maximum(u, 300)",
        "minimum(-1, u)",
        "u ** 2**70",
        "where(u > 1, u, 300)",
        "clip(u, 300, 400)",
    ] {
        let err = with_u8(refused).expect_err(refused).to_string();
        assert!(
            err.contains("out of bounds") || err.contains("does not fit"),
            "{refused}: {err}"
        );
        assert!(!err.contains('\n'), "{err}");
    }
    // clip ignores a bound beyond the range on its own side, as numpy 2 does.
    assert_eq!(
        with_u8("clip(u, -5, 100)").unwrap(),
        vec![1.0, 100.0, 0.0, 100.0, 7.0, 9.0]
    );
    assert_eq!(
        with_u8("clip(u, None, 300)").unwrap(),
        vec![1.0, 200.0, 0.0, 255.0, 7.0, 9.0]
    );
    // A float array takes a wide integer as a float.
    assert_eq!(run("a[0, 0] * 0 + 2**64"), vec![18446744073709551616.0]);
    // Literal folding follows Python.
    assert_eq!(run("a[0, 0] * 0 + 7 // 2 + 2**-1"), vec![3.5]);
    for refused in ["a + 7 // 0", "a + 10**400", "a + 0**-1", "a * (-8.0)**0.5"] {
        assert!(evaluate(refused, &inputs()).is_err(), "{refused}");
    }
}

#[test]
fn indexing_follows_numpy() {
    // a is 6 x 4, values 4*i + j - 10.
    let at = |i: usize, j: usize| (4 * i + j) as f64 - 10.0;
    assert_eq!(run("a[(2, 0)]"), vec![at(2, 0)]);
    assert_eq!(run("a[None, 1, 1:3]"), vec![at(1, 1), at(1, 2)]);
    assert_eq!(
        evaluate("a[None, :, None]", &inputs()).unwrap().shape(),
        &[1, 6, 1, 4]
    );
    assert_eq!(
        evaluate("a[..., None]", &inputs()).unwrap().shape(),
        &[6, 4, 1]
    );
    assert_eq!(
        run("a[..., 3]"),
        (0..6).map(|i| at(i, 3)).collect::<Vec<_>>()
    );
    assert_eq!(run("a[[0, 5], [1, 3]]"), vec![at(0, 1), at(5, 3)]);
    assert_eq!(
        run("a[[[0], [5]], [1, 3]]"),
        vec![at(0, 1), at(0, 3), at(5, 1), at(5, 3)]
    );
    assert_eq!(run("a[0, v > 2]"), vec![at(0, 2), at(0, 3)]);
    fails("a[v > 2, 0]", 1, "does not match");
    assert_eq!(run("a[a[:, 0] > 0, 1]"), vec![at(3, 1), at(4, 1), at(5, 1)]);
    assert_eq!(
        run("a[1:3, v > 2]"),
        vec![at(1, 2), at(1, 3), at(2, 2), at(2, 3)]
    );
    assert_eq!(
        run("a[astype(v, int64) - 1, 0]"),
        vec![at(0, 0), at(1, 0), at(2, 0), at(3, 0)]
    );
    assert_eq!(
        run("a.shape[0] + a.ndim * 10 + a.size * 100 + 0 * a[0, 0]"),
        vec![6.0 + 20.0 + 2400.0]
    );
    fails("a[1, 2, 3]", 1, "too many indices");
    fails("a[..., ...]", 8, "ellipsis");
    fails("a[[0, 9]]", 1, "out of bounds");
}

#[test]
fn advanced_indices_apart_go_first() {
    // numpy: x[2, :, [0, 1]] has shape (2, 6) for x of shape (3, 6, 4).
    let x = ArrayD::from_shape_fn(IxDyn(&[3, 6, 4]), |i| {
        (i[0] * 100 + i[1] * 10 + i[2]) as f64
    });
    let mut map = inputs();
    map.insert(
        "x".to_string(),
        Array::from_ndarray(x.view(), &[2, 4, 3]).unwrap(),
    );
    let ctx = crate::context::Context::with_limits(16 << 20, 1).unwrap();
    let y = evaluate("x[2, :, [0, 1]]", &map).unwrap();
    assert_eq!(y.shape(), &[2, 6]);
    let values = y.compute_vec::<f64>(&ctx).unwrap();
    assert_eq!(values[..3], [200.0, 210.0, 220.0]);
    assert_eq!(values[6..9], [201.0, 211.0, 221.0]);
    // Adjacent advanced indices stay in place: x[:, [0, 1], [2, 3]] is (3, 2).
    let z = evaluate("x[:, [0, 1], [2, 3]]", &map).unwrap();
    assert_eq!(z.shape(), &[3, 2]);
    assert_eq!(
        z.compute_vec::<f64>(&ctx).unwrap(),
        vec![2.0, 13.0, 102.0, 113.0, 202.0, 213.0]
    );
}

#[test]
fn methods_apply_to_any_expression_and_scalars_come_first() {
    assert_eq!(run("(a - b).mean(axis=0)"), run("mean(a - b, axis=0)"));
    assert_eq!(run("abs(a).max()"), vec![13.0]);
    assert_eq!(run("a.T.sum(axis=1)"), run("sum(a, axis=0)"));
    assert_eq!(run("maximum(0, a)[0]"), vec![0.0; 4]);
    assert_eq!(run("clip(a, None, 1)[5]"), vec![1.0; 4]);
    fails("sum(a, axis=[0])", 13, "not a list");
}

#[test]
fn einsum_sums_in_the_result_dtype() {
    let bools = "einsum('ij,jk->', a > 100, astype(a > 100, int64).T)";
    assert_eq!(run(bools), vec![0.0]);
    let u = ArrayD::from_shape_vec(IxDyn(&[1, 2]), vec![200u8, 100]).unwrap();
    let w = ArrayD::from_shape_vec(IxDyn(&[2, 1]), vec![1i16, 1]).unwrap();
    let mut map = inputs();
    map.insert(
        "u".to_string(),
        Array::from_ndarray(u.view(), &[1, 2]).unwrap(),
    );
    map.insert(
        "w".to_string(),
        Array::from_ndarray(w.view(), &[1, 1]).unwrap(),
    );
    let ctx = crate::context::Context::with_limits(16 << 20, 1).unwrap();
    let r = evaluate("einsum('ij,jk->', u, w)", &map).unwrap();
    assert_eq!(r.dtype(), DType::I16);
    assert_eq!(r.compute_vec::<i16>(&ctx).unwrap(), vec![300]);
    assert_eq!(run("einsum('ij,ij->i', a, b)"), run("sum(a * b, axis=1)"));
    assert_eq!(run("einsum('...j,j', a, v)"), run("a @ v"));
    assert_eq!(
        run("einsum('ij,jk,kl->il', a, a.T, a)"),
        run("(a @ a.T) @ a")
    );
    assert_eq!(run("tensordot(a, a, axes=([-2], [0]))"), run("a.T @ a"));
}

#[test]
fn lane_functions_diff_and_average() {
    // a is 6x4 holding -10..14 in C order, v is 1..4; values from numpy 2.4.
    assert_eq!(run("median(a, axis=0)"), vec![0.0, 1.0, 2.0, 3.0]);
    assert_eq!(
        run("quantile(a, [0.25, 0.75], axis=0)[:, 0]"),
        vec![-5.0, 5.0]
    );
    assert_eq!(run("percentile(a, 90, method='nearest')"), vec![11.0]);
    let p = run("nanpercentile(a, [10, 90])");
    assert!(
        (p[0] + 7.7).abs() < 1e-12 && (p[1] - 10.7).abs() < 1e-12,
        "{p:?}"
    );
    assert_eq!(run("sort(-a, axis=0)[0]"), vec![-10.0, -11.0, -12.0, -13.0]);
    assert_eq!(run("argsort(-v)"), vec![3.0, 2.0, 1.0, 0.0]);
    assert_eq!(run("diff(a, axis=0)[0]"), vec![4.0; 4]);
    assert_eq!(run("diff(v, n=2)"), vec![0.0, 0.0]);
    assert_eq!(run("average(a, axis=1, weights=v)[:2]"), vec![-8.0, -4.0]);
    assert_eq!(run("average(a, weights=a * 0 + 1)"), vec![1.5]);
    // numpy's ufunc reductions take axis 0 or -1 of a 0-d array; mean and median do not.
    assert_eq!(run("sum(a[0, 0], axis=0)"), vec![-10.0]);
    assert_eq!(run("max(a[0, 0], axis=-1)"), vec![-10.0]);
    fails("mean(a[0, 0], axis=0)", 1, "out of range");
    fails("sum(a[0, 0], axis=(0,))", 1, "out of range");
    fails("quantile(a, 1.5)", 13, "range [0, 1]");
    fails("quantile(a, 0.5, method='hazen')", 25, "not supported");
    fails("diff(a[0, 0])", 1, "at least one axis");
}
