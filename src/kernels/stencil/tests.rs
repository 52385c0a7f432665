//! Unit tests of `stencil.rs`.

use super::*;

fn whole_interior(shape: &[u64], depth: &[u64]) -> Region {
    Region {
        start: depth.to_vec(),
        shape: shape.iter().zip(depth).map(|(n, d)| n - 2 * d).collect(),
    }
}

/// Brute force: `op` over the clipped window of every interior element of a 1-D box.
fn brute_1d(op: WindowOp, values: &[f64], start: usize, count: usize, d: usize) -> Vec<f64> {
    (start..start + count)
        .map(|p| {
            let lo = p.saturating_sub(d);
            let hi = (p + d).min(values.len() - 1);
            let window = &values[lo..=hi];
            let nan = window.iter().any(|x| x.is_nan());
            match op {
                WindowOp::Sum => window.iter().sum(),
                WindowOp::Mean => window.iter().sum::<f64>() / window.len() as f64,
                WindowOp::Min if nan => f64::NAN,
                WindowOp::Max if nan => f64::NAN,
                WindowOp::Min => window.iter().copied().fold(f64::INFINITY, f64::min),
                WindowOp::Max => window.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            }
        })
        .collect()
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

#[test]
fn one_dimensional_windows_match_brute_force_for_every_start_and_depth() {
    let values: Vec<f64> = (0..23).map(|i| ((i * 37) % 11) as f64 - 5.0).collect();
    let chunk = Chunk::from_slice(&[23], &values).unwrap();
    for op in [WindowOp::Sum, WindowOp::Mean, WindowOp::Min, WindowOp::Max] {
        for d in 0..9usize {
            for start in 0..5usize {
                let count = 23 - start - 2;
                let interior = Region {
                    start: vec![start as u64],
                    shape: vec![count as u64],
                };
                let got = window(op, &chunk, &interior, &[d as u64]).unwrap();
                let want = brute_1d(op, &values, start, count, d);
                let got = got.as_slice::<f64>().unwrap();
                for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        same(*g, *w),
                        "{op:?} d={d} start={start} at {k}: {g} vs {w}"
                    );
                }
            }
        }
    }
}

#[test]
fn nan_and_infinities_leave_the_sum_when_they_leave_the_window() {
    let values = [1.0, f64::NAN, 2.0, 3.0, f64::INFINITY, 4.0, 5.0, 6.0];
    let chunk = Chunk::from_slice(&[8], &values).unwrap();
    let interior = Region {
        start: vec![0],
        shape: vec![8],
    };
    for op in [WindowOp::Sum, WindowOp::Min, WindowOp::Max] {
        let got = window(op, &chunk, &interior, &[1]).unwrap();
        let want = brute_1d(op, &values, 0, 8, 1);
        for (g, w) in got.as_slice::<f64>().unwrap().iter().zip(&want) {
            assert!(same(*g, *w), "{op:?}: {g} vs {w}");
        }
    }
    let sums = window(WindowOp::Sum, &chunk, &interior, &[1]).unwrap();
    assert_eq!(sums.as_slice::<f64>().unwrap()[7], 11.0);
}

#[test]
fn two_dimensional_sum_is_separable() {
    // 5x5 ones, depth 1, interior 3x3 at (1, 1): every window holds 9 ones.
    let chunk = Chunk::from_slice(&[5, 5], &[1i32; 25]).unwrap();
    let interior = whole_interior(&[5, 5], &[1, 1]);
    let got = window(WindowOp::Sum, &chunk, &interior, &[1, 1]).unwrap();
    assert_eq!(got.dtype(), DType::I64);
    assert_eq!(got.as_slice::<i64>().unwrap(), &[9; 9]);
    // The whole box as interior: corners see 4, edges 6, the middle 9.
    let all = Region::whole(&[5, 5]);
    let mean = window(WindowOp::Mean, &chunk, &all, &[1, 1]).unwrap();
    assert_eq!(mean.dtype(), DType::F64);
    assert!(mean.as_slice::<f64>().unwrap().iter().all(|m| *m == 1.0));
    let sums = window(WindowOp::Sum, &chunk, &all, &[1, 1]).unwrap();
    let sums = sums.as_slice::<i64>().unwrap();
    assert_eq!((sums[0], sums[1], sums[12]), (4, 6, 9));
}

#[test]
fn dtypes_follow_numpy_reductions() {
    let cases = [
        (WindowOp::Mean, DType::I16, DType::F64),
        (WindowOp::Mean, DType::F32, DType::F32),
        (WindowOp::Sum, DType::U8, DType::U64),
        (WindowOp::Sum, DType::Bool, DType::I64),
        (WindowOp::Sum, DType::F16, DType::F16),
        (WindowOp::Min, DType::I8, DType::I8),
        (WindowOp::Max, DType::Bool, DType::Bool),
    ];
    for (op, input, want) in cases {
        assert_eq!(op.output_dtype(input).unwrap(), want, "{op:?} of {input}");
    }
}

#[test]
fn integer_extremes_round_trip_exactly() {
    let values = [u64::MAX, 3, u64::MAX - 1, 0, 7];
    let chunk = Chunk::from_slice(&[5], &values).unwrap();
    let all = Region::whole(&[5]);
    let max = window(WindowOp::Max, &chunk, &all, &[1]).unwrap();
    assert_eq!(
        max.as_slice::<u64>().unwrap(),
        &[u64::MAX, u64::MAX, u64::MAX - 1, u64::MAX - 1, 7]
    );
    let min = window(WindowOp::Min, &chunk, &all, &[2]).unwrap();
    assert_eq!(min.as_slice::<u64>().unwrap(), &[3, 0, 0, 0, 0]);
}

#[test]
fn an_interior_outside_the_box_is_refused() {
    let chunk = Chunk::zeros(DType::F64, &[4, 4]);
    let interior = Region {
        start: vec![2, 0],
        shape: vec![3, 4],
    };
    let err = window(WindowOp::Sum, &chunk, &interior, &[1, 1]).unwrap_err();
    assert!(err.to_string().contains("does not fit"), "{err}");
    let err = window(WindowOp::Sum, &chunk, &Region::whole(&[4, 4]), &[1]).unwrap_err();
    assert!(err.to_string().contains("depth"), "{err}");
}

/// Window sums that overflow give ±inf (numpy: np.sum([1e308, 1e308, 1.0]) is inf),
/// not NaN from the compensation, and come back once the large values leave the
/// window; NaN propagates through sum, mean, min and max.
#[test]
fn overflowing_window_sums_are_infinite_and_recover() {
    let values = [
        1e308,
        1e308,
        1.0,
        2.0,
        3.0,
        4.0,
        -1e308,
        -1e308,
        5.0,
        f64::NAN,
        6.0,
        7.0,
        8.0,
    ];
    let n = values.len() as u64;
    let chunk = Chunk::from_slice(&[n], &values).unwrap();
    let interior = Region {
        start: vec![0],
        shape: vec![n],
    };
    for op in [WindowOp::Sum, WindowOp::Mean, WindowOp::Min, WindowOp::Max] {
        let got = window(op, &chunk, &interior, &[1]).unwrap();
        let got = got.as_slice::<f64>().unwrap();
        let want = brute_1d(op, &values, 0, values.len(), 1);
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(same(*g, *w), "{op:?} at {i}: {g} vs {w}");
        }
    }
    let sums = window(WindowOp::Sum, &chunk, &interior, &[1]).unwrap();
    let sums = sums.as_slice::<f64>().unwrap();
    assert_eq!(sums[0], f64::INFINITY);
    assert_eq!(sums[1], f64::INFINITY);
    assert_eq!(sums[3], 6.0);
    assert_eq!(sums[6], f64::NEG_INFINITY);
    assert!(sums[9].is_nan());
}
