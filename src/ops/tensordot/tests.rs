//! Unit tests of tensordot: block walks, diagonal pieces, subscript parsing, plans.

use super::*;
use crate::context::Context;
use crate::dtype::DType;
use crate::ops::diagonal::Diagonal;
use crate::plan::Plan;

fn zeros(shape: &[usize], chunks: &[u64]) -> Array {
    let values = ndarray::ArrayD::<f64>::zeros(ndarray::IxDyn(shape));
    Array::from_ndarray(values.view(), chunks).unwrap()
}

fn dot_of(array: &Array) -> &TensorDot {
    array.op::<TensorDot>().expect("a tensordot node")
}

#[test]
fn blocks_follow_the_first_operands_chunks_in_c_order() {
    let a = zeros(&[4, 10, 6], &[2, 4, 5]);
    let b = zeros(&[6, 10], &[3, 3]);
    let product = tensordot(&a, &b, DotAxes::Pairs(vec![2, 1], vec![0, 1])).unwrap();
    assert_eq!(product.shape(), &[4]);
    let dot = dot_of(&product);
    assert_eq!(dot.blocks(), vec![(5, 2), (4, 3)]);
    let region = Region {
        start: vec![2],
        shape: vec![2],
    };
    // Block 1 is the first block of axis 2 and the second of axis 1.
    let (a_region, b_region) = dot.block_regions(&region, 1);
    assert_eq!(a_region.start, vec![2, 4, 0]);
    assert_eq!(a_region.shape, vec![2, 4, 5]);
    assert_eq!(b_region.start, vec![0, 4]);
    assert_eq!(b_region.shape, vec![5, 4]);
    // The last block is cut at the ends of the axes.
    let (a_region, _) = dot.block_regions(&region, 5);
    assert_eq!(a_region.start, vec![2, 8, 5]);
    assert_eq!(a_region.shape, vec![2, 2, 1]);
}

#[test]
fn diagonal_pieces_split_at_both_axes_chunk_boundaries() {
    let a = zeros(&[10, 12], &[4, 3]);
    let node = Diagonal {
        input: a,
        axis1: 0,
        axis2: 1,
        offset: 1,
    };
    // Positions t read rows t and columns t + 1: rows split at 4, 8; columns at 3, 6, 9.
    assert_eq!(
        node.pieces(0, 10),
        vec![(0, 2), (2, 4), (4, 5), (5, 8), (8, 10)]
    );
    assert_eq!(node.pieces(3, 6), vec![(3, 4), (4, 5), (5, 6)]);
}

#[test]
fn diagonal_chunks_are_the_shorter_of_the_two_axes_chunks() {
    let a = zeros(&[3, 10, 12], &[2, 4, 3]);
    let d = a.diagonal(-2, 2, 1).unwrap();
    assert_eq!(d.shape(), &[3, 10]);
    assert_eq!(d.chunks(), &[2, 3]);
    assert_eq!(a.diagonal(20, 1, 2).unwrap().shape(), &[3, 0]);
}

#[test]
fn plans_name_the_linear_algebra_stages() {
    let ctx = Context::with_limits(64 << 20, 2).unwrap();
    let a = zeros(&[8, 6], &[4, 3]);
    let text = Plan::new(&ctx, &a.matmul(&a.t().unwrap()).unwrap())
        .unwrap()
        .explain();
    assert!(text.contains("streamed over the contracted axes"), "{text}");
    let text = Plan::new(&ctx, &a.trace(0, 0, 1).unwrap())
        .unwrap()
        .explain();
    assert!(text.contains("diagonal at offset 0"), "{text}");
}

#[test]
fn einsum_builds_one_tensordot_and_keeps_the_operand_dtype_for_sums() {
    let a = zeros(&[3, 4], &[2, 2]).astype(DType::I32).unwrap();
    let b = zeros(&[4, 5], &[2, 2]).astype(DType::I32).unwrap();
    let product = einsum("ij,jk", &[&a, &b]).unwrap();
    assert_eq!(product.shape(), &[3, 5]);
    assert!(product.op::<TensorDot>().is_some());
    let sums = einsum("ij->i", &[&a]).unwrap();
    assert_eq!(sums.dtype(), DType::I32);
    assert_eq!(einsum("Ba", &[&a]).unwrap().shape(), &[3, 4]);
    assert_eq!(einsum("bA", &[&a]).unwrap().shape(), &[4, 3]);
    assert_eq!(einsum(" i j -> j i ", &[&a]).unwrap().shape(), &[4, 3]);
}
