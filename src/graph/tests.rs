//! Unit tests of the graph's shape arithmetic.

use super::*;

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
