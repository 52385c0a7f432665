//! The lazy engine against ndarray in memory: random shapes, chunkings and chains of
//! operations computed by tessera and by ndarray must agree (integers exactly, floats
//! within 1e-12 relative), and results must be bit-identical across thread counts.

use ndarray::{ArrayD, Axis, IxDyn, Slice};
use proptest::prelude::*;
use tessera::kernels::elementwise::{BinaryOp, UnaryOp};
use tessera::kernels::reduce::ReduceOp;
use tessera::{Array, Context, SliceItem};

fn ctx(threads: usize) -> Context {
    Context::with_limits(64 << 20, threads).unwrap()
}

fn compute_f64(array: &Array, ctx: &Context) -> ArrayD<f64> {
    array.compute(ctx).unwrap().to_ndarray::<f64>().unwrap()
}

fn assert_close(got: &ArrayD<f64>, want: &ArrayD<f64>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    for (g, w) in got.iter().zip(want.iter()) {
        let both_nan = g.is_nan() && w.is_nan();
        let close = (g - w).abs() <= 1e-12 * w.abs().max(1.0);
        assert!(both_nan || close || g == w, "{what}: {g} != {w}");
    }
}

/// A shape of 1-4 axes, a chunking of it, and values.
fn array_strategy() -> impl Strategy<Value = (ArrayD<f64>, Vec<u64>)> {
    (1usize..=4)
        .prop_flat_map(|ndim| {
            let side = [300u64, 30, 10, 6][ndim - 1];
            proptest::collection::vec(1..=side, ndim)
        })
        .prop_flat_map(|shape| {
            let chunks: Vec<_> = shape.iter().map(|n| 1..=*n).collect();
            let len = shape.iter().product::<u64>() as usize;
            (
                Just(shape),
                chunks,
                proptest::collection::vec(-100.0f64..100.0, len),
            )
        })
        .prop_map(|(shape, chunks, values)| {
            let dims: Vec<usize> = shape.iter().map(|n| *n as usize).collect();
            (
                ArrayD::from_shape_vec(IxDyn(&dims), values).unwrap(),
                chunks,
            )
        })
}

fn lazy(values: &ArrayD<f64>, chunks: &[u64]) -> Array {
    Array::from_ndarray(values.view(), chunks).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn elementwise_chains_match((values, chunks) in array_strategy(), scale in -3.0f64..3.0) {
        let a = lazy(&values, &chunks);
        // (a - 1.5)**2 * scale + abs(a) / 7
        let expr = a.binary(BinaryOp::Sub, 1.5).unwrap()
            .binary(BinaryOp::Pow, 2i64).unwrap()
            .binary(BinaryOp::Mul, scale).unwrap()
            .binary(BinaryOp::Add, a.unary(UnaryOp::Abs).unwrap().binary(BinaryOp::Div, 7i64).unwrap())
            .unwrap();
        let want = values.mapv(|x| (x - 1.5).powi(2) * scale + x.abs() / 7.0);
        assert_close(&compute_f64(&expr, &ctx(2)), &want, "elementwise");
    }

    #[test]
    fn reductions_match(
        (values, chunks) in array_strategy(),
        axis_mask in 0u8..16,
        keepdims in any::<bool>(),
    ) {
        let a = lazy(&values, &chunks);
        let ndim = values.ndim();
        let axes: Vec<i64> = (0..ndim as i64).filter(|d| axis_mask & (1 << d) != 0).collect();
        let axes_opt = if axes.is_empty() { None } else { Some(&axes[..]) };
        let reduced: Vec<usize> = match axes_opt {
            None => (0..ndim).collect(),
            Some(list) => list.iter().map(|d| *d as usize).collect(),
        };
        let oracle = |f: &dyn Fn(&[f64]) -> f64| reduce_oracle(&values, &reduced, keepdims, f);
        let cases: Vec<(ReduceOp, ArrayD<f64>)> = vec![
            (ReduceOp::Sum, oracle(&|v| v.iter().sum())),
            (ReduceOp::Mean, oracle(&|v| v.iter().sum::<f64>() / v.len() as f64)),
            (ReduceOp::Min, oracle(&|v| v.iter().cloned().fold(f64::INFINITY, f64::min))),
            (ReduceOp::Max, oracle(&|v| v.iter().cloned().fold(f64::NEG_INFINITY, f64::max))),
            (ReduceOp::Var { ddof: 0 }, oracle(&|v| variance(v, 0))),
            (ReduceOp::Std { ddof: 1 }, oracle(&|v| variance(v, 1).sqrt())),
        ];
        for (op, want) in cases {
            let got = compute_f64(&a.reduce(op, tessera::Axes::from(axes_opt).keepdims(keepdims)).unwrap(), &ctx(2));
            assert_close(&got, &want, op.name());
        }
        let count = a.reduce(ReduceOp::Count, tessera::Axes::from(axes_opt).keepdims(keepdims)).unwrap().compute(&ctx(2)).unwrap();
        let count = count.to_ndarray::<i64>().unwrap().mapv(|c| c as f64);
        assert_close(&count, &oracle(&|v| v.len() as f64), "count");
    }

    #[test]
    fn argmin_argmax_match((values, chunks) in array_strategy(), axis in 0usize..4) {
        let a = lazy(&values, &chunks);
        let axis = axis % values.ndim();
        let got = a.reduce(ReduceOp::ArgMax, [axis as i64]).unwrap()
            .compute(&ctx(2)).unwrap().to_ndarray::<i64>().unwrap();
        let want = values.map_axis(Axis(axis), |lane| {
            let mut best = 0;
            for (i, v) in lane.iter().enumerate() {
                if *v > lane[best] { best = i; }
            }
            best as i64
        });
        prop_assert_eq!(got, want);
        let flat = a.reduce(ReduceOp::ArgMin, tessera::Axes::all()).unwrap()
            .compute(&ctx(2)).unwrap().to_ndarray::<i64>().unwrap();
        let mut best = 0;
        for (i, v) in values.iter().enumerate() {
            if *v < values.as_slice().unwrap()[best] { best = i; }
        }
        prop_assert_eq!(flat.into_raw_vec_and_offset().0, vec![best as i64]);
    }

    #[test]
    fn slices_match(
        (values, chunks) in array_strategy(),
        picks in proptest::collection::vec((any::<i16>(), any::<i16>(), -3i64..=3, any::<bool>()), 4),
    ) {
        let a = lazy(&values, &chunks);
        let mut items = Vec::new();
        let mut want = values.clone();
        let mut dropped = 0;
        for (d, &(start, stop, step, as_index)) in picks.iter().take(values.ndim()).enumerate() {
            let n = values.shape()[d] as i64;
            let axis = Axis(d - dropped);
            if as_index {
                let i = (start as i64).rem_euclid(n);
                items.push(SliceItem::Index(i));
                want = want.index_axis(axis, i as usize).to_owned();
                dropped += 1;
            } else {
                let step = if step == 0 { 1 } else { step };
                let (s, e) = ((start as i64) % (n + 2), (stop as i64) % (n + 2));
                items.push(SliceItem::Range { start: Some(s), stop: Some(e), step: Some(step) });
                want = python_slice(&want, axis, s, e, step);
            }
        }
        let got = compute_f64(&a.slice(&items).unwrap(), &ctx(2));
        assert_close(&got, &want, "slice");
    }

    #[test]
    fn transposes_match((values, chunks) in array_strategy(), seed in any::<u64>()) {
        let a = lazy(&values, &chunks);
        let mut perm: Vec<usize> = (0..values.ndim()).collect();
        let mut s = seed;
        for i in (1..perm.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            perm.swap(i, (s >> 33) as usize % (i + 1));
        }
        let got = compute_f64(&a.transpose(&axes_of(&perm)).unwrap(), &ctx(2));
        assert_close(&got, &values.clone().permuted_axes(perm.clone()), "transpose");
        let back = compute_f64(&a.transpose(&axes_of(&perm)).unwrap().rechunk(&vec![3; perm.len()]).unwrap().t().unwrap(), &ctx(1));
        let mut reversed = perm.clone();
        reversed.reverse();
        assert_close(&back, &values.clone().permuted_axes(reversed), "transpose of rechunk");
    }

    #[test]
    fn broadcasting_matches(rows in 1u64..40, cols in 1u64..40, rc in 1u64..10, cc in 1u64..10) {
        let m = ArrayD::from_shape_fn(IxDyn(&[rows as usize, cols as usize]), |i| (i[0] * 7 + i[1]) as f64);
        let row = ArrayD::from_shape_fn(IxDyn(&[cols as usize]), |i| i[0] as f64 * 0.5);
        let col = ArrayD::from_shape_fn(IxDyn(&[rows as usize, 1]), |i| i[0] as f64 - 3.0);
        let a = lazy(&m, &[rc.min(rows), cc.min(cols)]);
        let r = lazy(&row, &[cc.min(cols)]);
        let c = lazy(&col, &[rc.min(rows), 1]);
        let got = compute_f64(&a.binary(BinaryOp::Add, &r).unwrap().binary(BinaryOp::Mul, &c).unwrap(), &ctx(2));
        let want = (&m + &row) * &col;
        assert_close(&got, &want, "broadcast");
    }

    #[test]
    fn matmul_matches(m in 1u64..60, k in 1u64..60, n in 1u64..30, cm in 1u64..20, ck in 1u64..20, cn in 1u64..20) {
        let a = ArrayD::from_shape_fn(IxDyn(&[m as usize, k as usize]), |i| ((i[0] * 31 + i[1] * 17) % 23) as f64 - 11.0);
        let b = ArrayD::from_shape_fn(IxDyn(&[k as usize, n as usize]), |i| ((i[0] * 13 + i[1] * 7) % 19) as f64 * 0.25);
        let la = lazy(&a, &[cm.min(m), ck.min(k)]);
        let lb = lazy(&b, &[ck.min(k), cn.min(n)]);
        let want = a.view().into_dimensionality::<ndarray::Ix2>().unwrap()
            .dot(&b.view().into_dimensionality::<ndarray::Ix2>().unwrap()).into_dyn();
        assert_close(&compute_f64(&la.matmul(&lb).unwrap(), &ctx(2)), &want, "matmul");
        let v = b.index_axis(Axis(1), 0).to_owned();
        let lv = lazy(&v, &[ck.min(k)]);
        let want_v = a.view().into_dimensionality::<ndarray::Ix2>().unwrap()
            .dot(&v.view().into_dimensionality::<ndarray::Ix1>().unwrap()).into_dyn();
        assert_close(&compute_f64(&la.matmul(&lv).unwrap(), &ctx(2)), &want_v, "matvec");
    }
}

/// Reduces `values` over `axes` with `f` applied to each lane's values.
fn reduce_oracle(
    values: &ArrayD<f64>,
    axes: &[usize],
    keepdims: bool,
    f: &dyn Fn(&[f64]) -> f64,
) -> ArrayD<f64> {
    let kept: Vec<usize> = (0..values.ndim()).filter(|d| !axes.contains(d)).collect();
    let out_shape: Vec<usize> = kept.iter().map(|&d| values.shape()[d]).collect();
    let mut out = ArrayD::zeros(IxDyn(&out_shape));
    for (index, slot) in out.indexed_iter_mut() {
        let lane: Vec<f64> = values
            .indexed_iter()
            .filter(|(i, _)| kept.iter().enumerate().all(|(k, &d)| i[d] == index[k]))
            .map(|(_, v)| *v)
            .collect();
        *slot = f(&lane);
    }
    if keepdims {
        let shape: Vec<usize> = (0..values.ndim())
            .map(|d| {
                if axes.contains(&d) {
                    1
                } else {
                    values.shape()[d]
                }
            })
            .collect();
        out = out.into_shape_with_order(IxDyn(&shape)).unwrap();
    }
    out
}

fn variance(values: &[f64], ddof: usize) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - ddof as f64)
}

/// numpy's `a[s:e:step]` along `axis` (s, e may be negative or past the end).
fn python_slice(values: &ArrayD<f64>, axis: Axis, s: i64, e: i64, step: i64) -> ArrayD<f64> {
    let n = values.len_of(axis) as i64;
    let fix = |v: i64| if v < 0 { v + n } else { v };
    let indices: Vec<usize> = if step > 0 {
        let (s, e) = (fix(s).clamp(0, n), fix(e).clamp(0, n));
        (s..e).step_by(step as usize).map(|i| i as usize).collect()
    } else {
        let (s, e) = (fix(s).clamp(-1, n - 1), fix(e).clamp(-1, n - 1));
        let mut out = Vec::new();
        let mut i = s;
        while i > e {
            out.push(i as usize);
            i += step;
        }
        out
    };
    let _ = Slice::from(0..1);
    values.select(axis, &indices)
}

#[test]
fn dask_chunk_size_example_runs_end_to_end() {
    // dask's docs: a 1000x1000 random matrix with chunks (1000, 100) times a vector.
    let ctx = ctx(2);
    let m = ArrayD::from_shape_fn(IxDyn(&[1000, 1000]), |i| {
        ((i[0] * 7919 + i[1] * 104729) % 1000) as f64 / 1000.0
    });
    let v = ArrayD::from_shape_fn(IxDyn(&[1000, 1]), |i| (i[0] % 17) as f64 - 8.0);
    let got = lazy(&m, &[1000, 100]).matmul(&lazy(&v, &[100, 1])).unwrap();
    assert_eq!(got.shape(), &[1000, 1]);
    let want = m
        .view()
        .into_dimensionality::<ndarray::Ix2>()
        .unwrap()
        .dot(&v.view().into_dimensionality::<ndarray::Ix2>().unwrap())
        .into_dyn();
    assert_close(&compute_f64(&got, &ctx), &want, "dask example");
}

#[test]
fn results_are_bit_identical_across_thread_counts() {
    let values = ArrayD::from_shape_fn(IxDyn(&[997, 301]), |i| {
        ((i[0] * 31 + i[1]) as f64).sin() * 1e6
    });
    let mut results = Vec::new();
    for threads in [1, 2, 8] {
        let ctx = ctx(threads);
        let a = lazy(&values, &[37, 41]);
        let sum = a.sum().unwrap().compute(&ctx).unwrap();
        let std = a
            .reduce(ReduceOp::Std { ddof: 0 }, tessera::Axes::all())
            .unwrap()
            .compute(&ctx)
            .unwrap();
        let mean0 = a
            .reduce(ReduceOp::Mean, [0])
            .unwrap()
            .compute(&ctx)
            .unwrap();
        let gram = a.t().unwrap().matmul(&a).unwrap().compute(&ctx).unwrap();
        results.push((sum, std, mean0, gram));
    }
    assert!(results[0] == results[1], "1 vs 2 threads");
    assert!(results[0] == results[2], "1 vs 8 threads");
}

#[test]
fn plans_that_cannot_fit_are_refused_before_any_work() {
    let ctx = Context::with_limits(2 << 20, 1).unwrap();
    let values = ArrayD::<f64>::zeros(IxDyn(&[1024, 1024]));
    let a = lazy(&values, &[1024, 1024]);
    let err = a.sum().unwrap().compute(&ctx).unwrap_err().to_string();
    assert!(err.contains("needs") && err.contains("budget"), "{err}");
}

#[test]
fn stored_results_equal_computed_ones_in_every_format() {
    use tessera::store::{Codec, WriteOptions, ZarrVersion};
    let ctx = ctx(2);
    let dir = tempfile::tempdir().unwrap();
    let values = ArrayD::from_shape_fn(IxDyn(&[90, 70]), |i| (i[0] * 70 + i[1]) as f64);
    let a = lazy(&values, &[20, 30]);
    let expressions = [
        a.t().unwrap(),
        a.binary(BinaryOp::Mul, 3.0).unwrap().t().unwrap(),
        a.reduce(ReduceOp::Sum, tessera::Axes::from([1]).keepdims(true))
            .unwrap(),
        a.slice(&[SliceItem::Range {
            start: Some(5),
            stop: None,
            step: Some(2),
        }])
        .unwrap(),
    ];
    for (i, expr) in expressions.iter().enumerate() {
        let want = expr.compute(&ctx).unwrap();
        for (j, target) in ["x.npy", "x.zarr", "x.h5:/x"].iter().enumerate() {
            let address =
                tessera::Address::parse(&format!("{}/{i}{j}{target}", dir.path().display()))
                    .unwrap();
            let chunks: Vec<u64> = expr.shape().iter().map(|n| (n / 3).max(1)).collect();
            let options = WriteOptions {
                chunks,
                codec: Codec::None,
                zarr_version: ZarrVersion::V3,
                shard: None,
                overwrite: false,
            };
            expr.store(&ctx, &address, &options, None).unwrap();
            let source = tessera::store::open(&address).unwrap();
            let got = source
                .read_region(&tessera::grid::Region::whole(expr.shape()))
                .unwrap();
            assert!(got == want, "expression {i} stored as {target}");
        }
    }
}

/// A permutation as `Array::transpose` takes it (signed axes).
fn axes_of(perm: &[usize]) -> Vec<i64> {
    perm.iter().map(|&p| p as i64).collect()
}
