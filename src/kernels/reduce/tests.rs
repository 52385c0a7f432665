use super::*;

fn f64s(c: &Chunk) -> Vec<f64> {
    c.as_slice::<f64>().unwrap().to_vec()
}

fn whole(op: ReduceOp, c: &Chunk, axes: &[usize]) -> Result<Chunk> {
    let start = vec![0; c.shape().len()];
    partial(op, c, axes, &start, c.shape())?.finish()
}

/// Deterministic pseudo-random values with a wide dynamic range.
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.3) * 100.0
        })
        .collect()
}

/// Naive reduction of `data` (C-ordered `shape`) over `axes` with `f` on the gathered
/// values of each output element, in C order.
fn naive(data: &[f64], shape: &[usize], axes: &[usize], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let out_shape: Vec<usize> = shape
        .iter()
        .enumerate()
        .map(|(d, &n)| if axes.contains(&d) { 1 } else { n })
        .collect();
    let out_len: usize = out_shape.iter().product();
    let mut groups = vec![Vec::new(); out_len];
    for (flat, &v) in data.iter().enumerate() {
        let mut rest = flat;
        let mut coords = vec![0; shape.len()];
        for d in (0..shape.len()).rev() {
            coords[d] = rest % shape[d];
            rest /= shape[d];
        }
        let mut o = 0;
        for d in 0..shape.len() {
            o = o * out_shape[d] + if axes.contains(&d) { 0 } else { coords[d] };
        }
        groups[o].push(v);
    }
    groups.iter().map(|g| f(g)).collect()
}

fn close(a: &[f64], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!(
            (x - y).abs() <= tol * (1.0 + y.abs()) || (x.is_nan() && y.is_nan()),
            "{x} vs {y}"
        );
    }
}

fn all_axis_sets(ndim: usize) -> Vec<Vec<usize>> {
    (0..1usize << ndim)
        .map(|m| (0..ndim).filter(|d| m >> d & 1 == 1).collect())
        .collect()
}

type Reference<'a> = dyn Fn(&[f64]) -> f64 + 'a;

#[test]
fn float_ops_match_naive_for_every_axis_set() {
    let shape = [3usize, 4, 150];
    let data = values(shape.iter().product(), 1);
    let chunk = Chunk::from_slice(&[3, 4, 150], &data).unwrap();
    for axes in all_axis_sets(3) {
        let sum = |g: &[f64]| g.iter().sum::<f64>();
        let mean = |g: &[f64]| g.iter().sum::<f64>() / g.len() as f64;
        let var = |g: &[f64]| {
            let m = mean(g);
            g.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (g.len() as f64 - 1.0)
        };
        let min = |g: &[f64]| g.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = |g: &[f64]| g.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let cases: [(ReduceOp, &Reference<'_>); 5] = [
            (ReduceOp::Sum, &sum),
            (ReduceOp::Mean, &mean),
            (ReduceOp::Var { ddof: 1 }, &var),
            (ReduceOp::Min, &min),
            (ReduceOp::Max, &max),
        ];
        for (op, f) in cases {
            let got = whole(op, &chunk, &axes).unwrap();
            let expect = naive(&data, &shape, &axes, f);
            if axes.is_empty() && matches!(op, ReduceOp::Var { .. }) {
                assert!(f64s(&got).iter().all(|v| v.is_nan()));
                continue;
            }
            close(&f64s(&got), &expect, 1e-12);
            let expect_shape: Vec<u64> = (0..3)
                .map(|d| {
                    if axes.contains(&d) {
                        1
                    } else {
                        shape[d] as u64
                    }
                })
                .collect();
            assert_eq!(got.shape(), expect_shape, "{op:?} {axes:?}");
        }
    }
}

#[test]
fn partials_combined_match_whole_chunk() {
    let data = values(64 * 10, 2);
    let full = Chunk::from_slice(&[64, 10], &data).unwrap();
    for op in [
        ReduceOp::Sum,
        ReduceOp::Mean,
        ReduceOp::Std { ddof: 0 },
        ReduceOp::Max,
        ReduceOp::ArgMin,
        ReduceOp::ArgMax,
        ReduceOp::Count,
    ] {
        for axes in [vec![0], vec![0, 1]] {
            let expect = whole(op, &full, &axes).unwrap();
            let mut acc: Option<Partial> = None;
            for r in (0..64).step_by(16) {
                let piece = Chunk::from_slice(&[16, 10], &data[r * 10..(r + 16) * 10]).unwrap();
                let p = partial(op, &piece, &axes, &[r as u64, 0], &[64, 10]).unwrap();
                acc = Some(match acc {
                    None => p,
                    Some(a) => a.combine(&p).unwrap(),
                });
            }
            let got = acc.unwrap().finish().unwrap();
            assert_eq!(got.dtype(), expect.dtype());
            match got.dtype() {
                DType::I64 => assert_eq!(got, expect, "{op:?} {axes:?}"),
                _ => close(&f64s(&got), &f64s(&expect), 1e-13),
            }
        }
    }
}

#[test]
fn argminmax_global_indices_identical_across_groupings() {
    // 6x5 array with ties and a NaN-free layout; chunks of 2x5 rows or 3x... columns.
    let data: Vec<f64> = (0..30).map(|i| ((i * 7) % 11) as f64).collect();
    let shape = [6u64, 5];
    let pieces: Vec<(u64, u64, u64, u64)> =
        vec![(0, 0, 2, 3), (0, 3, 2, 2), (2, 0, 4, 3), (2, 3, 4, 2)];
    let chunk_of = |(r, c, h, w): (u64, u64, u64, u64)| {
        let mut v = Vec::new();
        for i in r..r + h {
            for j in c..c + w {
                v.push(data[(i * 5 + j) as usize]);
            }
        }
        Chunk::from_slice(&[h, w], &v).unwrap()
    };
    for op in [ReduceOp::ArgMin, ReduceOp::ArgMax] {
        let ps: Vec<Partial> = pieces
            .iter()
            .map(|&p| partial(op, &chunk_of(p), &[0, 1], &[p.0, p.1], &shape).unwrap())
            .collect();
        let left = ps[0]
            .clone()
            .combine(&ps[1])
            .unwrap()
            .combine(&ps[2])
            .unwrap()
            .combine(&ps[3])
            .unwrap();
        let tree = ps[0]
            .clone()
            .combine(&ps[1])
            .unwrap()
            .combine(&ps[2].clone().combine(&ps[3]).unwrap())
            .unwrap();
        let rev = ps[3]
            .clone()
            .combine(&ps[2])
            .unwrap()
            .combine(&ps[1])
            .unwrap()
            .combine(&ps[0])
            .unwrap();
        let (a, b, c) = (
            left.finish().unwrap(),
            tree.finish().unwrap(),
            rev.finish().unwrap(),
        );
        assert_eq!(a, b);
        assert_eq!(a, c);
        // naive: first occurrence in C order
        let best = data.iter().enumerate().fold(0, |bi, (i, &v)| {
            let better = if op == ReduceOp::ArgMin {
                v < data[bi]
            } else {
                v > data[bi]
            };
            if better { i } else { bi }
        });
        assert_eq!(a.as_slice::<i64>().unwrap(), [best as i64]);
    }
    // axis=0 across row chunks; numpy: argmax([[1,5,5],[5,0,2]], axis=0) == [1, 0, 0]
    let top = Chunk::from_slice(&[1, 3], &[1i32, 5, 5]).unwrap();
    let bottom = Chunk::from_slice(&[1, 3], &[5i32, 0, 2]).unwrap();
    let p0 = partial(ReduceOp::ArgMax, &top, &[0], &[0, 0], &[2, 3]).unwrap();
    let p1 = partial(ReduceOp::ArgMax, &bottom, &[0], &[1, 0], &[2, 3]).unwrap();
    let a = p1.clone().combine(&p0).unwrap().finish().unwrap();
    assert_eq!(a.as_slice::<i64>().unwrap(), [1, 0, 0]);
    let whole2 = Chunk::from_slice(&[2, 3], &[1i32, 5, 5, 5, 0, 2]).unwrap();
    assert_eq!(
        whole(ReduceOp::ArgMax, &whole2, &[0, 1])
            .unwrap()
            .as_slice::<i64>()
            .unwrap(),
        [1]
    );
    assert!(partial(ReduceOp::ArgMax, &whole2, &[], &[0, 0], &[2, 3]).is_err());
    let cube = Chunk::zeros(DType::F64, &[2, 2, 2]);
    assert!(partial(ReduceOp::ArgMin, &cube, &[0, 1], &[0, 0, 0], &[2, 2, 2]).is_err());
}

#[test]
fn nan_rules_follow_numpy() {
    let nan = f64::NAN;
    let c = Chunk::from_slice(&[2, 3], &[1.0, nan, 3.0, 4.0, 5.0, -1.0]).unwrap();
    let one = |op| f64s(&whole(op, &c, &[0, 1]).unwrap())[0];
    assert!(one(ReduceOp::Max).is_nan());
    assert!(one(ReduceOp::Sum).is_nan());
    assert_eq!(one(ReduceOp::NanSum), 12.0);
    assert_eq!(one(ReduceOp::NanMin), -1.0);
    assert_eq!(one(ReduceOp::NanMax), 5.0);
    close(
        &f64s(&whole(ReduceOp::NanMean, &c, &[0]).unwrap()),
        &[2.5, 5.0, 1.0],
        0.0,
    );
    assert_eq!(
        whole(ReduceOp::Count, &c, &[0, 1])
            .unwrap()
            .as_slice::<i64>()
            .unwrap(),
        [5]
    );
    // numpy: argmin([3, nan, 1, nan]) == 1
    let a = Chunk::from_slice(&[4], &[3.0, nan, 1.0, nan]).unwrap();
    assert_eq!(
        whole(ReduceOp::ArgMin, &a, &[0])
            .unwrap()
            .as_slice::<i64>()
            .unwrap(),
        [1]
    );
    let all_nan = Chunk::from_slice(&[2], &[nan, nan]).unwrap();
    assert!(f64s(&whole(ReduceOp::NanMin, &all_nan, &[0]).unwrap())[0].is_nan());
    assert!(f64s(&whole(ReduceOp::NanMean, &all_nan, &[0]).unwrap())[0].is_nan());
    assert_eq!(
        f64s(&whole(ReduceOp::NanSum, &all_nan, &[0]).unwrap())[0],
        0.0
    );
    // NaN in a later partial still wins for max, loses for nanmax
    let p = Chunk::from_slice(&[2], &[1.0, 2.0]).unwrap();
    let q = Chunk::from_slice(&[2], &[nan, 0.0]).unwrap();
    let comb = |op| {
        let a = partial(op, &p, &[0], &[0], &[4]).unwrap();
        let b = partial(op, &q, &[0], &[2], &[4]).unwrap();
        a.combine(&b).unwrap().finish().unwrap()
    };
    assert!(f64s(&comb(ReduceOp::Max))[0].is_nan());
    assert_eq!(f64s(&comb(ReduceOp::NanMax))[0], 2.0);
    assert_eq!(comb(ReduceOp::ArgMax).as_slice::<i64>().unwrap(), [2]);
    // row sweeps (axis 0 of a 2-D chunk) follow the same rules
    let r = Chunk::from_slice(&[3, 2], &[1.0, nan, nan, 2.0, 0.5, 3.0]).unwrap();
    let m = f64s(&whole(ReduceOp::Max, &r, &[0]).unwrap());
    assert!(m[0].is_nan() && m[1].is_nan());
    assert_eq!(
        f64s(&whole(ReduceOp::NanMin, &r, &[0]).unwrap()),
        [0.5, 2.0]
    );
    assert_eq!(
        whole(ReduceOp::ArgMax, &r, &[0])
            .unwrap()
            .as_slice::<i64>()
            .unwrap(),
        [1, 0]
    );
}

#[test]
fn empty_reductions_follow_numpy() {
    let e = Chunk::zeros(DType::F64, &[0, 3]);
    assert_eq!(f64s(&whole(ReduceOp::Sum, &e, &[0]).unwrap()), [0.0; 3]);
    assert!(
        f64s(&whole(ReduceOp::Mean, &e, &[0]).unwrap())
            .iter()
            .all(|v| v.is_nan())
    );
    assert_eq!(f64s(&whole(ReduceOp::Prod, &e, &[0]).unwrap()), [1.0; 3]);
    let err = whole(ReduceOp::Min, &e, &[0]).unwrap_err().to_string();
    assert!(err.contains("zero-size array"), "{err}");
    assert!(whole(ReduceOp::ArgMax, &e, &[0, 1]).is_err());
    // an empty partial combined with a real one is neutral
    let real = Chunk::from_slice(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let a = partial(ReduceOp::Min, &e, &[0], &[0, 0], &[2, 3]).unwrap();
    let b = partial(ReduceOp::Min, &real, &[0], &[0, 0], &[2, 3]).unwrap();
    assert_eq!(
        f64s(&a.combine(&b).unwrap().finish().unwrap()),
        [1.0, 2.0, 3.0]
    );
}

#[test]
fn var_and_std_with_ddof() {
    let c = Chunk::from_slice(&[5], &[1.0, 2.0, 3.0, 4.0, 10.0]).unwrap();
    assert_eq!(
        f64s(&whole(ReduceOp::Var { ddof: 1 }, &c, &[0]).unwrap()),
        [12.5]
    );
    close(
        &f64s(&whole(ReduceOp::Std { ddof: 0 }, &c, &[0]).unwrap()),
        &[3.1622776601683795],
        1e-15,
    );
    // numpy: np.var(x, ddof=len(x)) divides by zero: inf, or NaN for equal elements
    assert_eq!(
        f64s(&whole(ReduceOp::Var { ddof: 5 }, &c, &[0]).unwrap()),
        [f64::INFINITY]
    );
    let same = Chunk::from_slice(&[2], &[3.0, 3.0]).unwrap();
    assert!(f64s(&whole(ReduceOp::Var { ddof: 2 }, &same, &[0]).unwrap())[0].is_nan());
    // ints give f64
    let i = Chunk::from_slice(&[4], &[1i32, 2, 3, 4]).unwrap();
    let v = whole(ReduceOp::Var { ddof: 0 }, &i, &[0]).unwrap();
    assert_eq!(v.as_slice::<f64>().unwrap(), [1.25]);
}

#[test]
fn integer_and_bool_dtypes() {
    let u = Chunk::from_slice(&[2], &[200u8, 100]).unwrap();
    let s = whole(ReduceOp::Sum, &u, &[0]).unwrap();
    assert_eq!(s.as_slice::<u64>().unwrap(), [300]);
    let w = Chunk::from_slice(&[2], &[i64::MAX, 1]).unwrap();
    assert_eq!(
        whole(ReduceOp::Sum, &w, &[0])
            .unwrap()
            .as_slice::<i64>()
            .unwrap(),
        [i64::MIN]
    );
    let b = Chunk::from_bytes(DType::Bool, &[3], &[1, 1, 0]).unwrap();
    assert_eq!(
        whole(ReduceOp::Sum, &b, &[0])
            .unwrap()
            .as_slice::<i64>()
            .unwrap(),
        [2]
    );
    assert_eq!(whole(ReduceOp::Any, &b, &[0]).unwrap().bytes(), [1]);
    assert_eq!(whole(ReduceOp::All, &b, &[0]).unwrap().bytes(), [0]);
    assert_eq!(whole(ReduceOp::Min, &b, &[0]).unwrap().bytes(), [0]);
    assert_eq!(whole(ReduceOp::Max, &b, &[0]).unwrap().dtype(), DType::Bool);
    let i = Chunk::from_slice(&[2, 2], &[-3i8, 7, 5, -128]).unwrap();
    assert_eq!(
        whole(ReduceOp::Min, &i, &[0])
            .unwrap()
            .as_slice::<i8>()
            .unwrap(),
        [-3, -128]
    );
    assert_eq!(
        whole(ReduceOp::Max, &i, &[1])
            .unwrap()
            .as_slice::<i8>()
            .unwrap(),
        [7, 5]
    );
    assert_eq!(
        whole(ReduceOp::Prod, &i, &[1])
            .unwrap()
            .as_slice::<i64>()
            .unwrap(),
        [-21, -640]
    );
    let m = whole(ReduceOp::Mean, &i, &[0, 1]).unwrap();
    assert_eq!(m.as_slice::<f64>().unwrap(), [-119.0 / 4.0]);
}

#[test]
fn float32_and_float16_accumulate_in_f64() {
    // 1 + 1e-8 * many: f32 accumulation would lose them all.
    let mut v = vec![1e-8f32; 1_000_000];
    v[0] = 1.0;
    let c = Chunk::from_slice(&[1000, 1000], &v).unwrap();
    for axes in [vec![0, 1], vec![1], vec![0]] {
        let s = partial(ReduceOp::Sum, &c, &axes, &[0, 0], &[1000, 1000]).unwrap();
        let parts: Vec<f32> = s.finish().unwrap().as_slice::<f32>().unwrap().to_vec();
        let total: f64 = parts.iter().map(|&x| f64::from(x)).sum();
        assert!((total - 1.01).abs() < 1e-6, "{axes:?}: {total}");
    }
    let h: Vec<f16> = (0..4096).map(|_| f16::from_f32(0.1)).collect();
    let c = Chunk::from_slice(&[4096], &h).unwrap();
    let m = whole(ReduceOp::Mean, &c, &[0]).unwrap();
    assert_eq!(m.as_slice::<f16>().unwrap(), [f16::from_f32(0.1)]);
}

#[test]
fn pairwise_sum_is_accurate_and_deterministic() {
    // Multiples of 2^-10 plus one large value: the exact sum is known via integers.
    let data: Vec<f64> = (0..100_000i64)
        .map(|i| {
            if i == 0 {
                1e12
            } else {
                (i % 1000) as f64 / 1024.0
            }
        })
        .collect();
    let exact = 1e12
        + (0..100_000i64)
            .skip(1)
            .map(|i| (i % 1000) as f64)
            .sum::<f64>()
            / 1024.0;
    let c = Chunk::from_slice(&[100_000], &data).unwrap();
    let a = whole(ReduceOp::Sum, &c, &[0]).unwrap();
    assert_eq!(a, whole(ReduceOp::Sum, &c, &[0]).unwrap());
    assert_eq!(f64s(&a)[0], exact);
    let rows = Chunk::from_slice(&[50_000, 2], &data).unwrap();
    let r = f64s(&whole(ReduceOp::Sum, &rows, &[0]).unwrap());
    assert_eq!(r[0] + r[1], exact);
}

#[test]
fn bad_arguments_are_errors() {
    let c = Chunk::zeros(DType::F64, &[2, 2]);
    assert!(partial(ReduceOp::Sum, &c, &[1, 0], &[0, 0], &[2, 2]).is_err());
    assert!(partial(ReduceOp::Sum, &c, &[2], &[0, 0], &[2, 2]).is_err());
    assert!(partial(ReduceOp::ArgMin, &c, &[0], &[1, 0], &[2, 2]).is_err());
    let a = partial(ReduceOp::Sum, &c, &[0], &[0, 0], &[2, 2]).unwrap();
    let b = partial(ReduceOp::Sum, &c, &[1], &[0, 0], &[2, 2]).unwrap();
    assert!(a.clone().combine(&b).is_err());
    let m = partial(ReduceOp::Max, &c, &[0], &[0, 0], &[2, 2]).unwrap();
    assert!(a.combine(&m).is_err());
    assert!(b.nbytes() >= 32);
    assert_eq!(b.shape(), [2, 1]);
}

/// Sequences of awkward factors (overflow, underflow, zeros, infinities, NaN) from a
/// seed: each a few elements long.
fn awkward(seed: u64, n: usize) -> Vec<f64> {
    const POOL: [f64; 16] = [
        1e200,
        -1e200,
        1e-200,
        1e300,
        1e-300,
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        2.0,
        0.5,
        -3.0,
        1e30,
        1e-30,
        1e20,
        f64::NAN,
    ];
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            // NaN rarely, so most sequences test the race between overflow and zero
            let k = (s >> 40) as usize % (POOL.len() * 4);
            if k < POOL.len() - 1 {
                POOL[k]
            } else if k < 40 {
                POOL[k % 5]
            } else {
                POOL[if k == 63 { 15 } else { k % 15 }]
            }
        })
        .collect()
}

/// The same outcome class (NaN, signed zero, signed infinity, finite) and, for finite
/// values, a close value.
fn same_class(got: f64, want: f64, what: &str) {
    if want.is_nan() || got.is_nan() {
        assert!(want.is_nan() && got.is_nan(), "{what}: {got} vs {want}");
    } else if want == 0.0 || want.is_infinite() {
        assert!(
            got == want && got.is_sign_negative() == want.is_sign_negative(),
            "{what}: {got} vs {want}"
        );
    } else {
        assert!(
            (got - want).abs() <= 1e-12 * want.abs(),
            "{what}: {got} vs {want}"
        );
    }
}

/// prod folds like numpy's sequential product whatever the chunking: every split of
/// the sequence into runs (one chunk along the axis, rows of a 2-D chunk) and every
/// piece length, for float64, float32 and float16 (which numpy multiplies in float32).
#[test]
fn float_products_match_the_sequential_class_for_any_chunking() {
    for seed in 0..400u64 {
        let n = 1 + (seed as usize % 9);
        let data = awkward(seed, n);
        for dtype in [DType::F64, DType::F32, DType::F16] {
            let (chunk, want): (Chunk, f64) = match dtype {
                DType::F64 => (
                    Chunk::from_slice(&[n as u64], &data).unwrap(),
                    data.iter().fold(1.0, |p, x| p * x),
                ),
                DType::F32 => {
                    let v: Vec<f32> = data.iter().map(|&x| x as f32).collect();
                    let want = v.iter().fold(1.0f32, |p, x| p * x) as f64;
                    (Chunk::from_slice(&[n as u64], &v).unwrap(), want)
                }
                _ => {
                    let v: Vec<f16> = data.iter().map(|&x| f16::from_f64(x)).collect();
                    let want = v.iter().fold(1.0f32, |p, x| p * x.to_f32());
                    let want = f16::from_f32(want).to_f64();
                    (Chunk::from_slice(&[n as u64], &v).unwrap(), want)
                }
            };
            let value = |c: &Chunk| -> f64 {
                match dtype {
                    DType::F64 => c.as_slice::<f64>().unwrap()[0],
                    DType::F32 => f64::from(c.as_slice::<f32>().unwrap()[0]),
                    _ => c.as_slice::<f16>().unwrap()[0].to_f64(),
                }
            };
            for op in [ReduceOp::Prod, ReduceOp::NanProd] {
                let want = if op == ReduceOp::NanProd {
                    let kept: Vec<f64> = data.iter().copied().filter(|x| !x.is_nan()).collect();
                    match dtype {
                        DType::F64 => kept.iter().fold(1.0, |p, x| p * x),
                        DType::F32 => kept.iter().fold(1.0f32, |p, &x| p * x as f32) as f64,
                        _ => f16::from_f32(
                            kept.iter()
                                .fold(1.0f32, |p, &x| p * f16::from_f64(x).to_f32()),
                        )
                        .to_f64(),
                    }
                } else {
                    want
                };
                // one run
                let whole_value = value(&whole(op, &chunk, &[0]).unwrap());
                same_class(whole_value, want, &format!("{op:?} {dtype} {data:?} whole"));
                // as a column (rows mode)
                let column = chunk.clone().reshaped(&[n as u64, 1]).unwrap();
                let rows = value(&whole(op, &column, &[0]).unwrap());
                same_class(rows, want, &format!("{op:?} {dtype} {data:?} rows"));
                // every piece length, pieces combined in order (and in a tree)
                for len in 1..n {
                    let parts: Vec<Partial> = (0..n)
                        .step_by(len)
                        .map(|lo| {
                            let hi = (lo + len).min(n);
                            let piece = whole_slice(&chunk, lo, hi);
                            partial(op, &piece, &[0], &[lo as u64], &[n as u64]).unwrap()
                        })
                        .collect();
                    let mut fold = crate::exec::TreeFold::new();
                    let combine = |a: Partial, b: Partial| a.combine(&b);
                    for p in parts.iter().cloned() {
                        fold.push(p, &combine).unwrap();
                    }
                    let tree = fold.finish(&combine).unwrap().unwrap().finish().unwrap();
                    same_class(
                        value(&tree),
                        want,
                        &format!("{op:?} {dtype} {data:?} by {len}"),
                    );
                }
            }
        }
    }
}

/// Elements `[lo, hi)` of a 1-D chunk.
fn whole_slice(c: &Chunk, lo: usize, hi: usize) -> Chunk {
    let size = c.dtype().size();
    let mut out = Chunk::zeros(c.dtype(), &[(hi - lo) as u64]);
    out.bytes_mut()
        .copy_from_slice(&c.bytes()[lo * size..hi * size]);
    out
}

#[test]
fn numpy_products_and_nan_reductions() {
    let prod = |v: &[f64], by: usize| -> f64 {
        let n = v.len();
        let c = Chunk::from_slice(&[n as u64], v).unwrap();
        let mut acc: Option<Partial> = None;
        for lo in (0..n).step_by(by) {
            let piece = whole_slice(&c, lo, (lo + by).min(n));
            let p = partial(ReduceOp::Prod, &piece, &[0], &[lo as u64], &[n as u64]).unwrap();
            acc = Some(match acc {
                None => p,
                Some(a) => a.combine(&p).unwrap(),
            });
        }
        f64s(&acc.unwrap().finish().unwrap())[0]
    };
    // numpy 2.4: np.prod([1e200, 1e200, 0.0]) is nan, np.prod([0.0, 1e200, 1e200]) is 0.0
    assert!(prod(&[1e200, 1e200, 0.0], 2).is_nan());
    assert_eq!(prod(&[0.0, 1e200, 1e200], 1), 0.0);
    // np.prod([1e200, 1e-200, 1e200, 0.0]) is 0.0
    assert_eq!(prod(&[1e200, 1e-200, 1e200, 0.0], 1), 0.0);
    // np.prod([-1e200, 1e200, 1e-300, 1e-300, 1e-300]) is -inf
    assert_eq!(
        prod(&[-1e200, 1e200, 1e-300, 1e-300, 1e-300], 2),
        f64::NEG_INFINITY
    );
    // np.prod([1e-300, 1e-300, 1e300, 1e300, 1e300]) is 0.0
    assert_eq!(prod(&[1e-300, 1e-300, 1e300, 1e300, 1e300], 3), 0.0);
    let c = Chunk::from_slice(&[5], &[1.0, f64::NAN, 3.0, f64::NAN, 0.5]).unwrap();
    // np.nanvar([1, nan, 3, nan, .5], ddof=1) = 1.75; np.nanstd(.., ddof=3) = nan
    close(
        &f64s(&whole(ReduceOp::NanVar { ddof: 1 }, &c, &[0]).unwrap()),
        &[1.75],
        1e-15,
    );
    assert!(f64s(&whole(ReduceOp::NanStd { ddof: 3 }, &c, &[0]).unwrap())[0].is_nan());
    assert_eq!(
        f64s(&whole(ReduceOp::NanProd, &c, &[0]).unwrap()),
        vec![1.5]
    );
    let arg = whole(ReduceOp::NanArgMin, &c, &[0]).unwrap();
    assert_eq!(arg.as_slice::<i64>().unwrap(), &[4]);
    let arg = whole(ReduceOp::NanArgMax, &c, &[0]).unwrap();
    assert_eq!(arg.as_slice::<i64>().unwrap(), &[2]);
    let nonzero = whole(ReduceOp::CountNonzero, &c, &[0]).unwrap();
    assert_eq!(nonzero.as_slice::<i64>().unwrap(), &[5]);
    let all_nan = Chunk::from_slice(&[2, 2], &[f64::NAN, 1.0, f64::NAN, 2.0]).unwrap();
    let err = whole(ReduceOp::NanArgMax, &all_nan, &[0])
        .unwrap_err()
        .to_string();
    assert!(err.contains("All-NaN slice encountered"), "{err}");
    let rows = whole(ReduceOp::NanArgMax, &all_nan, &[1]).unwrap();
    assert_eq!(rows.as_slice::<i64>().unwrap(), &[1, 1]);
}
