//! Unit tests of `graph.rs`.

use super::*;
use crate::store::memory::MemorySource;

fn array(shape: &[u64], chunks: &[u64], dtype: DType) -> Array {
    let data = Chunk::zeros(dtype, shape);
    Array::from_source(Arc::new(MemorySource::new(data, chunks).unwrap()))
}

#[test]
fn python_slices_resolve_like_python() {
    let r =
        |start, stop, step| resolve_slice(SliceItem::Range { start, stop, step }, 10, 0).unwrap();
    assert_eq!(
        r(None, None, None),
        AxisSlice::Range {
            start: 0,
            step: 1,
            len: 10
        }
    );
    assert_eq!(
        r(Some(2), Some(8), Some(3)),
        AxisSlice::Range {
            start: 2,
            step: 3,
            len: 2
        }
    );
    assert_eq!(
        r(None, None, Some(-1)),
        AxisSlice::Range {
            start: 9,
            step: -1,
            len: 10
        }
    );
    assert_eq!(
        r(Some(-3), None, None),
        AxisSlice::Range {
            start: 7,
            step: 1,
            len: 3
        }
    );
    assert_eq!(
        r(Some(8), Some(2), Some(-2)),
        AxisSlice::Range {
            start: 8,
            step: -2,
            len: 3
        }
    );
    assert_eq!(
        r(Some(5), Some(2), None),
        AxisSlice::Range {
            start: 5,
            step: 1,
            len: 0
        }
    );
    assert_eq!(
        r(Some(-100), Some(100), None),
        AxisSlice::Range {
            start: 0,
            step: 1,
            len: 10
        }
    );
    assert_eq!(
        resolve_slice(SliceItem::Index(-1), 10, 0).unwrap(),
        AxisSlice::Index(9)
    );
    assert!(resolve_slice(SliceItem::Index(10), 10, 0).is_err());
    assert!(
        resolve_slice(
            SliceItem::Range {
                start: None,
                stop: None,
                step: Some(0)
            },
            10,
            0
        )
        .is_err()
    );
}

#[test]
fn broadcasting_follows_numpy() {
    assert_eq!(broadcast_shapes(&[&[3, 1], &[4]]).unwrap(), vec![3, 4]);
    assert_eq!(broadcast_shapes(&[&[], &[2, 2]]).unwrap(), vec![2, 2]);
    assert!(broadcast_shapes(&[&[3], &[4]]).is_err());
}

#[test]
fn axes_normalize_and_refuse_bad_ones() {
    assert_eq!(
        normalize_axes(Some(&[-1, 0]), 3, "sum").unwrap(),
        vec![0, 2]
    );
    assert_eq!(normalize_axes(None, 2, "sum").unwrap(), vec![0, 1]);
    assert!(normalize_axes(Some(&[3]), 3, "sum").is_err());
    assert!(normalize_axes(Some(&[1, -1]), 2, "sum").is_err());
}

#[test]
fn elementwise_chains_fuse_into_one_node() {
    let a = array(&[10, 10], &[5, 5], DType::F64);
    let b = array(&[10], &[5], DType::F32);
    let diff = a.binary(BinaryOp::Sub, &b).unwrap();
    let squared = diff.binary(BinaryOp::Pow, 2i64).unwrap();
    let scaled = squared.binary(BinaryOp::Mul, &a).unwrap();
    let Op::Elementwise { inputs, program } = &scaled.node().op else {
        panic!("not fused");
    };
    assert_eq!(inputs.len(), 2, "a and b once each");
    assert_eq!(scaled.shape(), &[10, 10]);
    assert_eq!(scaled.dtype(), DType::F64);
    assert!(program.op_count() >= 3);
}

#[test]
fn reductions_shape_and_type() {
    let a = array(&[4, 6, 8], &[2, 3, 4], DType::I32);
    let s = a.reduce(ReduceOp::Sum, Some(&[1]), false).unwrap();
    assert_eq!(
        (s.shape(), s.chunks(), s.dtype()),
        (&[4u64, 8][..], &[2u64, 4][..], DType::I64)
    );
    let m = a.reduce(ReduceOp::Mean, None, true).unwrap();
    assert_eq!((m.shape(), m.dtype()), (&[1u64, 1, 1][..], DType::F64));
    assert!(a.reduce(ReduceOp::ArgMax, Some(&[0, 1]), false).is_err());
}

#[test]
fn shape_errors_are_caught_when_building() {
    let a = array(&[4, 6], &[2, 3], DType::F64);
    let b = array(&[5], &[5], DType::F64);
    assert!(a.binary(BinaryOp::Add, &b).is_err());
    assert!(a.matmul(&b).is_err());
    assert!(a.transpose(&[0, 0]).is_err());
    assert!(a.slice(&[SliceItem::Index(4)]).is_err());
    assert!(
        a.slice(&[SliceItem::ALL, SliceItem::ALL, SliceItem::ALL])
            .is_err()
    );
}

#[test]
fn unit_axis_views_collapse() {
    let a = array(&[3, 1, 4], &[2, 1, 4], DType::F64);
    let squeezed = a.squeeze(None).unwrap();
    assert_eq!(squeezed.shape(), &[3, 4]);
    assert_eq!(squeezed.chunks(), &[2, 4]);
    let expanded = squeezed.expand_dims(-1).unwrap();
    assert_eq!(expanded.shape(), &[3, 4, 1]);
    // One view over the source, not a view of a view.
    match &expanded.node().op {
        Op::UnitAxes { input, axes } => {
            assert!(Arc::ptr_eq(&input.node, &a.node));
            assert_eq!(axes, &[Some(0), Some(2), None]);
        }
        _ => panic!("expected a unit-axes view"),
    }
    // Back to the input's own layout: the input itself.
    let back = squeezed.expand_dims(1).unwrap();
    assert!(Arc::ptr_eq(&back.node, &a.node));
    assert!(Arc::ptr_eq(&a.squeeze(Some(&[])).unwrap().node, &a.node));
}

#[test]
fn broadcast_axes_get_bounded_chunks() {
    let a = array(&[1, 1000], &[1, 100], DType::F64);
    let b = a.broadcast_to(&[7, 1_000_000, 1000]).unwrap();
    assert_eq!(b.chunks()[2], 100);
    let chunk_bytes = b.chunks().iter().product::<u64>() * 8;
    assert!(chunk_bytes <= BROADCAST_CHUNK_BYTES, "{:?}", b.chunks());
    assert_eq!(b.chunks()[0], 1);
    assert_eq!(
        b.broadcast_to(&[7, 1_000_000, 1000]).unwrap().shape(),
        b.shape()
    );
}

/// Concatenating a random array with itself and summing streams under a budget that a
/// whole input (64 MiB) would not fit in.
#[test]
fn concatenate_then_sum_streams_under_a_small_budget() {
    use crate::context::Context;
    use crate::generate::{Dist, RandomSource};
    let source =
        RandomSource::new(&[2048, 4096], &[256, 512], DType::F64, 7, Dist::Normal).unwrap();
    let a = Array::from_source(Arc::new(source));
    assert_eq!(a.len() * 8, 64 << 20);
    let budget = 16 << 20;
    let ctx = Context::with_limits(budget, 4).unwrap();
    let joined = concatenate(&[a.clone(), a.clone()], 1).unwrap();
    assert_eq!(joined.shape(), &[2048, 8192]);
    assert_eq!(joined.chunks(), &[256, 512]);
    let total = joined.sum().unwrap();
    let plan = total.plan(&ctx).unwrap();
    assert!(plan.peak_bytes <= budget, "{}", plan.explain());
    let got = total.compute(&ctx).unwrap().as_slice::<f64>().unwrap()[0];
    let once = a
        .sum()
        .unwrap()
        .compute(&ctx)
        .unwrap()
        .as_slice::<f64>()
        .unwrap()[0];
    let want = once * 2.0;
    assert!(
        (got - want).abs() <= 1e-12 * want.abs(),
        "sum of the concatenation {got} vs twice the sum {want}"
    );
    assert_eq!(
        ctx.budget().used(),
        budget / 8,
        "only the cache stays reserved"
    );
}
