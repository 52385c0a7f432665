//! Unit tests of `eval.rs`.

use super::*;
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

#[test]
fn permuting_axes_moves_elements() {
    let values = Chunk::from_slice(&[2, 3], &[0u8, 1, 2, 3, 4, 5]).unwrap();
    let t = permute_axes(&values, &[1, 0]);
    assert_eq!(t.shape(), &[3, 2]);
    assert_eq!(t.as_slice::<u8>().unwrap(), &[0, 3, 1, 4, 2, 5]);
}

#[test]
fn broadcast_gather_repeats_rows_and_columns() {
    let row = Chunk::from_slice(&[1, 3], &[1u8, 2, 3]).unwrap();
    assert_eq!(
        gather_broadcast(&row, &[2, 3], 0, 6),
        vec![1, 2, 3, 1, 2, 3]
    );
    let col = Chunk::from_slice(&[2, 1], &[7u8, 9]).unwrap();
    assert_eq!(gather_broadcast(&col, &[2, 3], 1, 5), vec![7, 7, 9, 9]);
}
