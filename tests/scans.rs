//! cumsum and cumprod against ndarray: random shapes, chunkings and axes, results
//! identical across thread counts, and streaming within a small budget.

use std::sync::Arc;

use ndarray::{ArrayD, Axis, IxDyn};
use proptest::prelude::*;
use tessera::create::{CreateSource, Dist};
use tessera::{Array, Context, DType};

fn ctx(threads: usize) -> Context {
    Context::with_limits(64 << 20, threads).unwrap()
}

fn shape_chunks_axis() -> impl Strategy<Value = (Vec<usize>, Vec<u64>, usize)> {
    (1usize..=4)
        .prop_flat_map(|ndim| {
            let side = [200usize, 25, 9, 6][ndim - 1];
            (proptest::collection::vec(1..=side, ndim), 0..ndim)
        })
        .prop_flat_map(|(shape, axis)| {
            let chunks: Vec<_> = shape.iter().map(|n| 1..=*n as u64).collect();
            (Just(shape), chunks, Just(axis))
        })
}

fn oracle<T: Copy>(values: &ArrayD<T>, axis: usize, f: impl Fn(T, T) -> T) -> ArrayD<T> {
    let mut out = values.clone();
    out.accumulate_axis_inplace(Axis(axis), |prev, cur| *cur = f(*prev, *cur));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn cumsum_matches_ndarray((shape, chunks, axis) in shape_chunks_axis(), seed in any::<u64>()) {
        let len: usize = shape.iter().product();
        let ints: Vec<i64> = (0..len).map(|i| ((i as u64 ^ seed) % 201) as i64 - 100).collect();
        let values = ArrayD::from_shape_vec(IxDyn(&shape), ints).unwrap();
        let got = Array::from_ndarray(values.view(), &chunks).unwrap()
            .cumsum(axis as i64).unwrap().compute_ndarray::<i64>(&ctx(2)).unwrap();
        prop_assert_eq!(got, oracle(&values, axis, |a, b| a + b));

        let floats = values.mapv(|v| v as f64 * 0.37);
        let got = Array::from_ndarray(floats.view(), &chunks).unwrap()
            .cumsum(axis as i64).unwrap().compute_ndarray::<f64>(&ctx(2)).unwrap();
        let want = oracle(&floats, axis, |a, b| a + b);
        for (g, w) in got.iter().zip(want.iter()) {
            prop_assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{} vs {}", g, w);
        }
    }

    #[test]
    fn cumprod_matches_ndarray((shape, chunks, axis) in shape_chunks_axis()) {
        let values = ArrayD::from_shape_fn(IxDyn(&shape), |i| 0.9 + ((0..shape.len()).map(|d| i[d]).sum::<usize>() % 5) as f64 * 0.05);
        let got = Array::from_ndarray(values.view(), &chunks).unwrap()
            .cumprod(axis as i64).unwrap().compute_ndarray::<f64>(&ctx(1)).unwrap();
        let want = oracle(&values, axis, |a, b| a * b);
        for (g, w) in got.iter().zip(want.iter()) {
            prop_assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{} vs {}", g, w);
        }
    }
}

#[test]
fn dtypes_follow_numpy() {
    let values = ArrayD::from_shape_fn(IxDyn(&[5]), |i| i[0] as i32);
    let a = Array::from_ndarray(values.view(), &[2]).unwrap();
    assert_eq!(a.cumsum(0).unwrap().dtype(), DType::I64);
    let f = ArrayD::from_shape_fn(IxDyn(&[5]), |i| i[0] as f32);
    assert_eq!(
        Array::from_ndarray(f.view(), &[2])
            .unwrap()
            .cumsum(0)
            .unwrap()
            .dtype(),
        DType::F32
    );
    assert!(a.cumsum(1).is_err());
}

#[test]
fn scans_are_identical_across_thread_counts_and_stream_in_a_small_budget() {
    // 2048 x 2048 float64 (32 MiB) in 128-row chunks, under a 12 MiB budget.
    let source =
        CreateSource::random(&[2048, 2048], &[128, 2048], DType::F64, 9, Dist::Normal).unwrap();
    let a = Array::from_source(Arc::new(source));
    let mut last_rows = Vec::new();
    for threads in [1, 2, 8] {
        let ctx = Context::with_limits(12 << 20, threads).unwrap();
        let scanned = a.cumsum(0).unwrap();
        let last = scanned
            .slice(&[tessera::SliceItem::Index(-1)])
            .unwrap()
            .compute(&ctx)
            .unwrap();
        last_rows.push(last);
    }
    assert!(last_rows[0] == last_rows[1] && last_rows[0] == last_rows[2]);
    let ctx = Context::with_limits(64 << 20, 2).unwrap();
    let sums = a
        .reduce(tessera::kernels::reduce::ReduceOp::Sum, [0])
        .unwrap()
        .compute_ndarray::<f64>(&ctx)
        .unwrap();
    let last = last_rows[0].to_ndarray::<f64>().unwrap();
    for (g, w) in last.iter().zip(sums.iter()) {
        assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0), "{g} vs {w}");
    }
}
