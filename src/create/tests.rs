//! Unit tests of `create.rs`: sources read directly, without a context.

use super::*;

fn source(array: &Array) -> Arc<dyn ChunkSource> {
    Arc::clone(array.source().expect("a source node"))
}

fn whole(array: &Array) -> Chunk {
    source(array)
        .read_region(&Region::whole(array.shape()))
        .unwrap()
}

/// Assembled chunk by chunk through `read_chunk`.
fn by_chunks(array: &Array) -> Chunk {
    let s = source(array);
    let grid = s.meta().grid().unwrap();
    let mut out = Chunk::zeros(array.dtype(), array.shape());
    let all = Region::whole(array.shape());
    for index in grid.indices() {
        let chunk = s.read_chunk(&index).unwrap();
        assert_eq!(chunk.shape(), grid.chunk_region(&index).shape.as_slice());
        chunk.copy_overlap_into(&grid.chunk_region(&index), &mut out, &all);
    }
    out
}

#[test]
fn auto_chunks_grow_all_axes_together() {
    // 1-D: as many elements as fit.
    assert_eq!(
        auto_chunks(&[1 << 30], DType::F64, 128 << 20),
        vec![16 << 20]
    );
    // Short array: whole.
    assert_eq!(auto_chunks(&[1000], DType::F64, 128 << 20), vec![1000]);
    // Square: 4096 x 4096 f64 = 128 MiB.
    assert_eq!(
        auto_chunks(&[100_000, 100_000], DType::F64, 128 << 20),
        vec![4096, 4096]
    );
    // A short axis is taken whole, the rest goes to the other.
    assert_eq!(
        auto_chunks(&[10, 1 << 30], DType::F64, 128 << 20),
        vec![10, (16 << 20) / 10]
    );
    // Zero-length and unit axes get chunk 1; 0-d gets nothing.
    assert_eq!(auto_chunks(&[0, 5], DType::U8, 1 << 20), vec![1, 5]);
    assert_eq!(auto_chunks(&[], DType::U8, 1 << 20), Vec::<u64>::new());
    // A target below one element still gives one element.
    assert_eq!(auto_chunks(&[7, 7], DType::F64, 3), vec![1, 1]);
}

#[test]
fn auto_chunks_stay_within_target() {
    let shapes: [&[u64]; 6] = [
        &[12_345, 6_789],
        &[3, 1_000_000, 7],
        &[999, 999, 999],
        &[17; 6],
        &[1 << 40, 1 << 40],
        &[u64::MAX, 2, u64::MAX],
    ];
    for shape in shapes {
        for dtype in [DType::U8, DType::F32, DType::F64] {
            for target in [1000u64, 1 << 20, 7_777_777, 128 << 20] {
                let chunks = auto_chunks(shape, dtype, target);
                assert_eq!(chunks.len(), shape.len());
                let bytes = chunks.iter().product::<u64>() * dtype.size() as u64;
                assert!(bytes <= target, "{shape:?} {dtype} {target}: {chunks:?}");
                assert!(
                    bytes * 4
                        >= target.min(shape.iter().fold(1u64, |p, n| p.saturating_mul(*n))) / 2,
                    "{shape:?} {dtype} {target}: {chunks:?} far below the target"
                );
                for (c, n) in chunks.iter().zip(shape) {
                    assert!(*c >= 1 && *c <= (*n).max(1));
                }
            }
        }
    }
}

#[test]
fn full_converts_with_astype_rules() {
    assert_eq!(
        scalar_bytes(Scalar::Float(3.9), DType::I32).unwrap(),
        3i32.to_ne_bytes()
    );
    assert_eq!(
        scalar_bytes(Scalar::Float(-3.9), DType::I8).unwrap(),
        (-3i8).to_ne_bytes()
    );
    assert_eq!(scalar_bytes(Scalar::Int(7), DType::Bool).unwrap(), [1]);
    assert_eq!(scalar_bytes(Scalar::Float(0.0), DType::Bool).unwrap(), [0]);
    assert_eq!(
        scalar_bytes(Scalar::Bool(true), DType::F64).unwrap(),
        1f64.to_ne_bytes()
    );
    assert_eq!(
        scalar_bytes(Scalar::Int(-1), DType::F16).unwrap(),
        half::f16::from_f64(-1.0).to_ne_bytes()
    );
    let err = scalar_bytes(Scalar::Int(1000), DType::I8).unwrap_err();
    assert!(err.to_string().contains("does not fit in int8"), "{err}");
    assert!(scalar_bytes(Scalar::Int(-1), DType::U64).is_err());
    assert!(scalar_bytes(Scalar::Float(f64::NAN), DType::I64).is_err());
    assert!(scalar_bytes(Scalar::Float(1e20), DType::I64).is_err());
    assert!(scalar_bytes(Scalar::Float(f64::INFINITY), DType::F32).is_ok());
}

#[test]
fn fill_chunks_are_clipped_and_filled() {
    let a = full(&[5, 7], &[2, 3], Scalar::Float(2.5), DType::F32).unwrap();
    let s = source(&a);
    assert_eq!(s.meta().fill_value, 2.5f32.to_ne_bytes());
    assert_eq!(s.meta().layout, "generated");
    let edge = s.read_chunk(&[2, 2]).unwrap();
    assert_eq!(edge.shape(), &[1, 1]);
    assert_eq!(edge.as_slice::<f32>().unwrap(), &[2.5]);
    let all = whole(&a);
    assert!(all.as_slice::<f32>().unwrap().iter().all(|v| *v == 2.5));
}

#[test]
fn arange_values_do_not_depend_on_chunking() {
    let want: Vec<f64> = (0..1000).map(|i| -3.25 + i as f64 * 0.1).collect();
    for chunks in [1, 7, 64, 999, 1000, 5000] {
        let a = arange(-3.25, -3.25 + 100.0, 0.1, chunks, DType::F64).unwrap();
        assert_eq!(a.shape(), &[1000]);
        assert_eq!(by_chunks(&a).as_slice::<f64>().unwrap(), want.as_slice());
        assert_eq!(whole(&a).as_slice::<f64>().unwrap(), want.as_slice());
    }
}

#[test]
fn arange_integers_are_exact_past_2_pow_53() {
    let start = (1i64 << 60) as f64;
    let a = arange(start, start + 4096.0 * 3.0, 4096.0, 2, DType::I64).unwrap();
    let got = whole(&a);
    let want: Vec<i64> = (0..3).map(|i| (1i64 << 60) + i * 4096).collect();
    assert_eq!(got.as_slice::<i64>().unwrap(), want.as_slice());
}

#[test]
fn uniform_bounds_exclude_high_in_every_float_type() {
    for dtype in [DType::F16, DType::F32, DType::F64] {
        let (lo, hi) = float_bounds_in(dtype, 0.1, 0.2).unwrap();
        assert!(lo >= 0.1 && hi < 0.2, "{dtype}: {lo} {hi}");
        assert_eq!(round_to(dtype, lo), lo);
        assert_eq!(round_to(dtype, hi), hi);
        assert!(step_float(dtype, hi, true) >= 0.2);
        assert!(step_float(dtype, lo, false) < 0.1);
    }
    assert!(float_bounds_in(DType::F16, 1.0001, 1.0002).is_err());
    assert_eq!(
        float_bounds_in(DType::F16, 1.0, 1.0001).unwrap(),
        (1.0, 1.0)
    );
    assert_eq!(step_float(DType::F16, 0.0, true), 2f64.powi(-24));
    assert_eq!(step_float(DType::F16, -1.0, true), -1.0 + 2f64.powi(-11));
}

#[test]
fn random_chunks_come_from_their_own_streams() {
    let a = random_normal(&[100, 10], &[30, 10], 0.0, 1.0, 7, DType::F64).unwrap();
    let b = random_normal(&[100, 10], &[30, 10], 0.0, 1.0, 7, DType::F64).unwrap();
    let (sa, sb) = (source(&a), source(&b));
    assert_eq!(
        sa.read_chunk(&[3, 0]).unwrap(),
        sb.read_chunk(&[3, 0]).unwrap()
    );
    assert_ne!(
        sa.read_chunk(&[0, 0]).unwrap(),
        sa.read_chunk(&[1, 0]).unwrap()
    );
    // An arbitrary region agrees with the chunks it cuts across.
    let region = Region {
        start: vec![25, 3],
        shape: vec![40, 5],
    };
    let cut = sa.read_region(&region).unwrap();
    let all = by_chunks(&a);
    assert_eq!(cut, all.extract(&region));
    assert!(sa.origin().to_string().contains("seed=7"));
}

#[test]
fn random_integers_of_every_integer_dtype() {
    for dtype in DType::ALL {
        let made = random_integers(&[500], &[128], 0, 2, 5, dtype);
        if dtype.is_float() {
            assert!(made.is_err());
            continue;
        }
        let chunk = by_chunks(&made.unwrap());
        assert!(chunk.bytes().iter().all(|b| *b <= 1), "{dtype}");
        assert!(chunk.bytes().contains(&1), "{dtype}");
    }
}

#[test]
fn generated_data_is_seeded_per_chunk() {
    let a = CreateSource::random(&[100, 10], &[30, 10], DType::F64, 7, Dist::Normal).unwrap();
    let b = CreateSource::random(&[100, 10], &[30, 10], DType::F64, 7, Dist::Normal).unwrap();
    assert_eq!(
        a.read_chunk(&[3, 0]).unwrap(),
        b.read_chunk(&[3, 0]).unwrap()
    );
    assert_eq!(a.read_chunk(&[3, 0]).unwrap().shape(), &[10, 10]);
    assert_ne!(
        a.read_chunk(&[0, 0]).unwrap(),
        a.read_chunk(&[1, 0]).unwrap()
    );
}

#[test]
fn generated_uniform_floats_lie_in_the_unit_interval() {
    let a = CreateSource::random(&[1000], &[100], DType::F32, 1, Dist::Uniform).unwrap();
    let chunk = a.read_chunk(&[2]).unwrap();
    assert!(
        chunk
            .as_slice::<f32>()
            .unwrap()
            .iter()
            .all(|v| (0.0..1.0).contains(v))
    );
}

#[test]
fn every_dtype_generates_within_its_range() {
    for dtype in DType::ALL {
        for dist in [Dist::Uniform, Dist::Normal] {
            let a = CreateSource::random(&[64], &[64], dtype, 3, dist).unwrap();
            let chunk = a.read_chunk(&[0]).unwrap();
            assert_eq!(chunk.len(), 64);
            if dtype == DType::U8 {
                assert!(chunk.as_slice::<u8>().unwrap().iter().all(|v| *v < 100));
            }
        }
    }
}

#[test]
fn generated_floats_match_random_uniform_with_the_same_seed() {
    // One seeded source: `generate` data is random_uniform over [0, 1).
    let generated = CreateSource::random(&[50], &[10], DType::F64, 11, Dist::Uniform).unwrap();
    let uniform = random_uniform(&[50], &[10], 0.0, 1.0, 11, DType::F64).unwrap();
    assert_eq!(
        generated.read_chunk(&[2]).unwrap(),
        source(&uniform).read_chunk(&[2]).unwrap()
    );
}
