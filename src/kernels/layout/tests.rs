//! Unit tests of `kernels/layout.rs`.

use super::*;

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
