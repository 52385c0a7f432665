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
    fails("a + b[0, 0, 0]", 5, "3 indices");
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
fn literal_arithmetic_folds_like_python() {
    assert_eq!(
        fold_scalars(BinaryOp::FloorDiv, Scalar::Int(7), Scalar::Int(-2)),
        Some(Scalar::Int(-4))
    );
    assert_eq!(
        fold_scalars(BinaryOp::Rem, Scalar::Int(7), Scalar::Int(-2)),
        Some(Scalar::Int(-1))
    );
    assert_eq!(
        fold_scalars(BinaryOp::Rem, Scalar::Int(-7), Scalar::Int(2)),
        Some(Scalar::Int(1))
    );
    assert_eq!(
        fold_scalars(BinaryOp::Div, Scalar::Int(1), Scalar::Int(2)),
        Some(Scalar::Float(0.5))
    );
    assert_eq!(
        fold_scalars(BinaryOp::Pow, Scalar::Int(2), Scalar::Int(10)),
        Some(Scalar::Int(1024))
    );
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
    fails("cumsum(a)", 1, "needs axis=");
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
    fails("a[a > 0, 1]", 3, "only index");
    fails("a[a]", 1, "dtype bool");
    fails("block([[v], v])", 1, "mismatched");
}
