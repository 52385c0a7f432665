//! dask.array's creation functions (`tessera::create`) computed through the lazy engine
//! against ndarray and std: deterministic values never depend on the chunking, random
//! values depend only on the seed and chunking (never on the thread count), and
//! statistics of random arrays are plausible.

use ndarray::{Array2, ArrayD, IxDyn};
use tessera::create::{self, auto_chunks};
use tessera::kernels::promote::Scalar;
use tessera::{Array, Context, DType, SliceItem};

fn ctx(threads: usize) -> Context {
    Context::with_limits(64 << 20, threads).unwrap()
}

fn f64s(array: &Array, ctx: &Context) -> ArrayD<f64> {
    array.compute_ndarray::<f64>(ctx).unwrap()
}

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-12 * w.abs().max(1.0),
            "{what}: element {i}: {g} != {w}"
        );
    }
}

fn err(result: tessera::Result<Array>) -> String {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn zeros_ones_full_match_ndarray_for_every_chunking() {
    let c = ctx(4);
    for chunks in [[1u64, 1], [3, 4], [7, 13], [50, 50]] {
        let shape = [7u64, 13];
        let z = create::zeros(&shape, &chunks, DType::F64).unwrap();
        assert_eq!(f64s(&z, &c), ArrayD::<f64>::zeros(IxDyn(&[7, 13])));
        let o = create::ones(&shape, &chunks, DType::I32).unwrap();
        assert_eq!(
            o.compute_ndarray::<i32>(&c).unwrap(),
            ArrayD::from_elem(IxDyn(&[7, 13]), 1)
        );
        let f = create::full(&shape, &chunks, Scalar::Float(-2.75), DType::F32).unwrap();
        assert_eq!(
            f.compute_ndarray::<f32>(&c).unwrap(),
            ArrayD::from_elem(IxDyn(&[7, 13]), -2.75f32)
        );
        let t = create::full(&shape, &chunks, Scalar::Float(9.99), DType::U8).unwrap();
        assert_eq!(
            t.compute_ndarray::<u8>(&c).unwrap(),
            ArrayD::from_elem(IxDyn(&[7, 13]), 9u8)
        );
        let b = create::ones(&shape, &chunks, DType::Bool).unwrap();
        let bytes = b.compute(&c).unwrap();
        assert!(bytes.bytes().iter().all(|v| *v == 1));
    }
    // 0-d and empty arrays.
    let scalar = create::full(&[], &[], Scalar::Int(5), DType::I64).unwrap();
    assert_eq!(scalar.compute_ndarray::<i64>(&c).unwrap().sum(), 5);
    let empty = create::zeros(&[0, 4], &[2, 2], DType::F64).unwrap();
    assert_eq!(f64s(&empty, &c).len(), 0);
}

#[test]
fn arange_matches_numpy_length_and_values_whatever_the_chunking() {
    let c = ctx(3);
    let cases: [(f64, f64, f64); 7] = [
        (0.0, 10.0, 1.0),
        (0.0, 10.0, 3.0),
        (1.0, 2.0, 0.3),
        (10.0, 0.0, -3.0),
        (-5.5, 17.25, 0.125),
        (0.1, 1000.0, 0.7),
        (3.0, 3.0, 1.0),
    ];
    for (start, stop, step) in cases {
        let len = ((stop - start) / step).ceil().max(0.0) as usize;
        let want: Vec<f64> = (0..len).map(|i| start + i as f64 * step).collect();
        for chunks in [1, 3, 64, 10_000] {
            let a = create::arange(start, stop, step, chunks, DType::F64).unwrap();
            assert_eq!(a.shape(), &[len as u64]);
            let got = f64s(&a, &c);
            let what = format!("arange({start}, {stop}, {step}) chunks {chunks}");
            assert_close(got.as_slice().unwrap(), &want, &what);
            // Bit-identical across chunkings, not just close.
            assert_eq!(got.as_slice().unwrap(), want.as_slice(), "{what}");
        }
    }
    // numpy's examples.
    let a = create::arange(0.0, 10.0, 3.0, 2, DType::I64).unwrap();
    assert_eq!(
        a.compute_ndarray::<i64>(&c)
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![0, 3, 6, 9]
    );
    let a = create::arange(10.0, 0.0, -3.0, 3, DType::I16).unwrap();
    assert_eq!(
        a.compute_ndarray::<i16>(&c)
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![10, 7, 4, 1]
    );
    let a = create::arange(0.0, 1.0, 0.25, 3, DType::F32).unwrap();
    assert_eq!(
        a.compute_ndarray::<f32>(&c)
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![0.0, 0.25, 0.5, 0.75]
    );
    // Integers exactly, against std, across chunkings.
    let want: Vec<i64> = (-1000..5000).step_by(7).collect();
    for chunks in [1, 5, 100, 858] {
        let a = create::arange(-1000.0, 5000.0, 7.0, chunks, DType::I64).unwrap();
        assert_eq!(
            a.compute_ndarray::<i64>(&c)
                .unwrap()
                .into_raw_vec_and_offset()
                .0,
            want
        );
    }
}

#[test]
fn arange_sums_lazily() {
    let c = ctx(4);
    let n = 1_000_000u64;
    let a = create::arange(0.0, n as f64, 1.0, 4096, DType::F64).unwrap();
    let total = f64s(&a.sum().unwrap(), &c);
    assert_eq!(total.sum(), (n * (n - 1) / 2) as f64);
}

#[test]
fn linspace_matches_numpy() {
    let c = ctx(2);
    for (start, stop, num, endpoint) in [
        (0.0, 1.0, 11u64, true),
        (0.0, 1.0, 10, false),
        (-3.3, 7.7, 1000, true),
        (5.0, -5.0, 77, true),
        (2.0, 3.0, 1, true),
        (2.0, 3.0, 1, false),
        (1.0, 1.0, 5, true),
    ] {
        let div = if endpoint { num - 1 } else { num };
        let step = if div > 0 {
            (stop - start) / div as f64
        } else {
            0.0
        };
        let mut want: Vec<f64> = (0..num).map(|i| start + i as f64 * step).collect();
        if endpoint && num > 1 {
            want[num as usize - 1] = stop;
        }
        for chunks in [1, 4, 333, 5000] {
            let a = create::linspace(start, stop, num, endpoint, chunks, DType::F64).unwrap();
            let got = f64s(&a, &c);
            let what = format!("linspace({start}, {stop}, {num}, {endpoint}) chunks {chunks}");
            assert_close(got.as_slice().unwrap(), &want, &what);
            assert_eq!(got.as_slice().unwrap(), want.as_slice(), "{what}");
            if endpoint {
                assert_eq!(got[[num as usize - 1]], if num > 1 { stop } else { start });
            }
        }
    }
    // numpy 2 floors for integer dtypes.
    let a = create::linspace(0.0, 10.0, 4, true, 3, DType::I32).unwrap();
    assert_eq!(
        a.compute_ndarray::<i32>(&c)
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![0, 3, 6, 10]
    );
    let a = create::linspace(-1.0, 0.0, 3, true, 2, DType::I8).unwrap();
    assert_eq!(
        a.compute_ndarray::<i8>(&c)
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![-1, -1, 0]
    );
}

#[test]
fn eye_matches_ndarray_on_every_diagonal_and_chunking() {
    let c = ctx(4);
    for (n, m) in [(6u64, None), (5, Some(9)), (9, Some(4))] {
        let cols = m.unwrap_or(n) as usize;
        for k in -10i64..=10 {
            let mut want = Array2::<f64>::zeros((n as usize, cols));
            for i in 0..n as usize {
                let j = i as i64 + k;
                if j >= 0 && (j as usize) < cols {
                    want[[i, j as usize]] = 1.0;
                }
            }
            for chunks in [[1u64, 1], [2, 3], [4, 4], [10, 10]] {
                let a = create::eye(n, m, k, &chunks, DType::F64).unwrap();
                let got = f64s(&a, &c);
                assert_eq!(
                    got,
                    want.clone().into_dyn(),
                    "eye({n}, {m:?}, {k}) {chunks:?}"
                );
            }
        }
    }
    let identity = create::eye(64, None, 0, &[10, 10], DType::I64).unwrap();
    let got = identity.compute_ndarray::<i64>(&c).unwrap();
    assert_eq!(got, Array2::<i64>::eye(64).into_dyn());
}

#[test]
fn random_arrays_are_reproducible_whatever_the_thread_count() {
    type Maker = Box<dyn Fn(u64) -> Array>;
    let makers: Vec<(&str, Maker)> = vec![
        (
            "uniform",
            Box::new(|seed| {
                create::random_uniform(&[300, 70], &[64, 32], -2.0, 5.0, seed, DType::F64).unwrap()
            }),
        ),
        (
            "normal",
            Box::new(|seed| {
                create::random_normal(&[300, 70], &[64, 32], 1.0, 3.0, seed, DType::F32).unwrap()
            }),
        ),
        (
            "integers",
            Box::new(|seed| {
                create::random_integers(&[300, 70], &[64, 32], -50, 50, seed, DType::I16).unwrap()
            }),
        ),
    ];
    for (name, make) in makers {
        let reference = make(42).compute(&ctx(1)).unwrap();
        for threads in [1, 2, 8] {
            for _ in 0..2 {
                let got = make(42).compute(&ctx(threads)).unwrap();
                assert_eq!(got, reference, "{name}: seed 42 with {threads} threads");
            }
        }
        let other = make(43).compute(&ctx(8)).unwrap();
        assert_ne!(other, reference, "{name}: seeds 42 and 43 agree");
        // The same array read again through another graph node agrees too.
        let sliced = make(42)
            .slice(&[
                SliceItem::Range {
                    start: Some(10),
                    stop: Some(200),
                    step: Some(3),
                },
                SliceItem::ALL,
            ])
            .unwrap()
            .compute(&ctx(8))
            .unwrap();
        assert_eq!(sliced.shape(), &[64, 70]);
        let size = reference.dtype().size();
        let row = 70 * size;
        for (r, i) in (10..200).step_by(3).enumerate() {
            assert_eq!(
                &sliced.bytes()[r * row..(r + 1) * row],
                &reference.bytes()[i * row..(i + 1) * row],
                "{name}: sliced row {i}"
            );
        }
    }
}

#[test]
fn random_statistics_are_plausible() {
    let c = ctx(8);
    let n = 100_000usize;
    let (mean, std) = (2.5, 4.0);
    let a = create::random_normal(&[n as u64], &[7_000], mean, std, 11, DType::F64).unwrap();
    let v = f64s(&a, &c).into_raw_vec_and_offset().0;
    let m = v.iter().sum::<f64>() / n as f64;
    let s = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let se_mean = std / (n as f64).sqrt();
    let se_std = std / (2.0 * n as f64).sqrt();
    assert!((m - mean).abs() < 5.0 * se_mean, "normal mean {m}");
    assert!((s - std).abs() < 5.0 * se_std, "normal std {s}");

    let (low, high) = (-3.0, 1.5);
    let a = create::random_uniform(&[400, 250], &[128, 100], low, high, 12, DType::F64).unwrap();
    let v = f64s(&a, &c).into_raw_vec_and_offset().0;
    assert!(v.iter().all(|x| (low..high).contains(x)));
    let m = v.iter().sum::<f64>() / n as f64;
    let se = (high - low) / 12f64.sqrt() / (n as f64).sqrt();
    assert!(
        (m - (low + high) / 2.0).abs() < 5.0 * se,
        "uniform mean {m}"
    );

    // float16 and float32 stay below high even where rounding would reach it.
    for dtype in [DType::F16, DType::F32] {
        let a = create::random_uniform(&[20_000], &[999], 0.0, 1.0, 13, dtype).unwrap();
        let v = a.astype(DType::F64).unwrap();
        let v = f64s(&v, &c).into_raw_vec_and_offset().0;
        assert!(v.iter().all(|x| (0.0..1.0).contains(x)), "{dtype}");
    }

    let a = create::random_integers(&[n as u64], &[4096], -7, 9, 14, DType::I8).unwrap();
    let v = a
        .compute_ndarray::<i8>(&c)
        .unwrap()
        .into_raw_vec_and_offset()
        .0;
    assert!(v.iter().all(|x| (-7..9).contains(x)));
    for want in -7..9 {
        let count = v.iter().filter(|x| **x == want).count() as f64;
        let expected = n as f64 / 16.0;
        assert!(
            (count - expected).abs() < 5.0 * expected.sqrt(),
            "{want}: {count} times"
        );
    }
    let a = create::random_integers(&[1000], &[100], i64::MIN, i64::MAX, 15, DType::I64).unwrap();
    assert_eq!(a.compute_ndarray::<i64>(&c).unwrap().len(), 1000);
}

#[test]
fn invalid_arguments_are_clear_errors() {
    let e = err(create::zeros(&[4, 4], &[2], DType::F64));
    assert!(e.contains("axes"), "{e}");
    let e = err(create::ones(&[4, 4], &[2, 0], DType::F64));
    assert!(e.contains("zero-length"), "{e}");
    let e = err(create::arange(0.0, 1.0, 0.0, 10, DType::F64));
    assert!(e.contains("step must not be zero"), "{e}");
    let e = err(create::arange(0.0, 10.0, -1.0, 10, DType::F64));
    assert!(e.contains("other sign"), "{e}");
    let e = err(create::arange(0.0, f64::NAN, 1.0, 10, DType::F64));
    assert!(e.contains("finite"), "{e}");
    let e = err(create::arange(0.0, 300.0, 1.0, 10, DType::U8));
    assert!(e.contains("299 does not fit in uint8"), "{e}");
    let e = err(create::arange(-1.0, 3.0, 1.0, 10, DType::U32));
    assert!(e.contains("does not fit in uint32"), "{e}");
    let e = err(create::arange(0.0, 1e300, 1e-300, 10, DType::F64));
    assert!(e.contains("too many"), "{e}");
    let e = err(create::linspace(0.0, 1.0, 0, true, 10, DType::F64));
    assert!(e.contains("num must be at least 1"), "{e}");
    let e = err(create::linspace(0.0, 1000.0, 5, true, 10, DType::I8));
    assert!(e.contains("does not fit in int8"), "{e}");
    let e = err(create::full(&[3], &[3], Scalar::Int(1000), DType::I8));
    assert!(
        e.contains("full") && e.contains("1000 does not fit in int8"),
        "{e}"
    );
    let e = err(create::full(
        &[3],
        &[3],
        Scalar::Float(f64::NAN),
        DType::I32,
    ));
    assert!(e.contains("does not fit in int32"), "{e}");
    let e = err(create::eye(4, None, 0, &[2], DType::F64));
    assert!(e.contains("axes"), "{e}");
    let e = err(create::random_integers(&[3], &[3], 5, 5, 0, DType::I64));
    assert!(e.contains("low < high"), "{e}");
    let e = err(create::random_integers(&[3], &[3], 0, 200, 0, DType::I8));
    assert!(e.contains("199 does not fit in int8"), "{e}");
    let e = err(create::random_integers(&[3], &[3], 0, 3, 0, DType::Bool));
    assert!(e.contains("bool"), "{e}");
    let e = err(create::random_integers(&[3], &[3], 0, 3, 0, DType::F64));
    assert!(e.contains("integer dtype"), "{e}");
    let e = err(create::random_uniform(&[3], &[3], 1.0, 1.0, 0, DType::F64));
    assert!(e.contains("low < high"), "{e}");
    let e = err(create::random_uniform(&[3], &[3], 0.0, 1.0, 0, DType::I32));
    assert!(e.contains("makes floats"), "{e}");
    let e = err(create::random_normal(&[3], &[3], 0.0, -1.0, 0, DType::F64));
    assert!(e.contains("std must not be negative"), "{e}");
    for e in [
        err(create::zeros(&[4, 4], &[2], DType::F64)),
        err(create::arange(0.0, 10.0, -1.0, 10, DType::F64)),
    ] {
        assert!(!e.contains('\n'), "one line: {e}");
    }
}

#[test]
fn huge_arrays_stay_lazy_and_compute_within_the_budget() {
    // 10^12 elements: never materialised, only the chunks a result needs are made.
    let big = create::random_normal(
        &[1_000_000, 1_000_000],
        &[1000, 1000],
        0.0,
        1.0,
        3,
        DType::F64,
    )
    .unwrap();
    let corner = big
        .slice(&[
            SliceItem::Range {
                start: Some(999_990),
                stop: None,
                step: None,
            },
            SliceItem::Range {
                start: Some(5),
                stop: Some(8),
                step: None,
            },
        ])
        .unwrap();
    assert_eq!(f64s(&corner, &ctx(4)).shape(), &[10, 3]);

    // 3.2 GB of ones summed under a 64 MiB budget.
    let ones = create::ones(&[20_000, 20_000], &[1000, 1000], DType::F64).unwrap();
    let total = f64s(&ones.sum().unwrap(), &ctx(8));
    assert_eq!(total.sum(), 4e8);
    let eye = create::eye(30_000, None, 0, &[1000, 1000], DType::F64).unwrap();
    assert_eq!(f64s(&eye.sum().unwrap(), &ctx(8)).sum(), 30_000.0);
}

#[test]
fn auto_chunks_follow_the_target_and_the_budget() {
    for (shape, dtype) in [
        (vec![100_000u64, 100_000], DType::F64),
        (vec![10, 1 << 40], DType::F32),
        (vec![1 << 30, 3, 3], DType::U8),
    ] {
        let chunks = auto_chunks(&shape, dtype, create::DEFAULT_CHUNK_BYTES);
        let bytes = chunks.iter().product::<u64>() * dtype.size() as u64;
        assert!(
            bytes <= create::DEFAULT_CHUNK_BYTES,
            "{shape:?}: {chunks:?}"
        );
        assert!(
            bytes > create::DEFAULT_CHUNK_BYTES / 2,
            "{shape:?}: {chunks:?}"
        );
    }
    let values = ndarray::Array::from_shape_fn((700, 900), |(i, j)| (i * 1000 + j) as f64);
    for memory in [1u64 << 20, 8 << 20, 64 << 20, 4 << 30] {
        let c = Context::with_limits(memory, 2).unwrap();
        let a = create::from_ndarray_auto(values.view(), &c).unwrap();
        let chunk_bytes = a.chunks().iter().product::<u64>() * 8;
        assert!(chunk_bytes <= memory / 8, "{memory}: {:?}", a.chunks());
        assert!(chunk_bytes <= create::DEFAULT_CHUNK_BYTES);
        assert_eq!(create::auto_chunk_bytes(&c), (memory / 8).min(128 << 20));
        if memory >= 8 << 20 {
            assert_eq!(f64s(&a, &c), values.clone().into_dyn());
        }
    }
    // A small budget gives square-ish chunks, not rows.
    let c = Context::with_limits(8 << 20, 2).unwrap();
    let a = create::from_ndarray_auto(values.view(), &c).unwrap();
    let (r, cc) = (a.chunks()[0], a.chunks()[1]);
    assert!(r.abs_diff(cc) <= 1, "{:?}", a.chunks());
}
