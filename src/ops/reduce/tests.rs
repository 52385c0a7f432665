//! Unit tests of `ops/reduce.rs`.

use std::sync::Arc;

use super::*;
use crate::dtype::DType;
use crate::store::memory::MemorySource;

#[test]
fn reduction_pieces_split_only_reduced_axes() {
    let data = Chunk::zeros(DType::F64, &[10, 7]);
    let a = Array::from_source(Arc::new(MemorySource::new(data, &[4, 3]).unwrap()));
    let region = Region {
        start: vec![0, 3],
        shape: vec![10, 3],
    };
    let pieces = Pieces::new(&a, &[0], &region);
    let starts: Vec<_> = (0..pieces.len())
        .map(|i| pieces.get(i))
        .map(|p| (p.start.clone(), p.shape.clone()))
        .collect();
    assert_eq!(
        starts,
        vec![
            (vec![0, 3], vec![4, 3]),
            (vec![4, 3], vec![4, 3]),
            (vec![8, 3], vec![2, 3])
        ]
    );
}

fn array(shape: &[u64], chunks: &[u64], dtype: DType) -> Array {
    let data = Chunk::zeros(dtype, shape);
    Array::from_source(Arc::new(MemorySource::new(data, chunks).unwrap()))
}

#[test]
fn reductions_shape_and_type() {
    let a = array(&[4, 6, 8], &[2, 3, 4], DType::I32);
    let s = a.reduce(ReduceOp::Sum, [1]).unwrap();
    assert_eq!(
        (s.shape(), s.chunks(), s.dtype()),
        (&[4u64, 8][..], &[2u64, 4][..], DType::I64)
    );
    let m = a
        .reduce(
            ReduceOp::Mean,
            crate::ops::reduce::Axes::all().keepdims(true),
        )
        .unwrap();
    assert_eq!((m.shape(), m.dtype()), (&[1u64, 1, 1][..], DType::F64));
    assert!(a.reduce(ReduceOp::ArgMax, [0, 1]).is_err());
}
