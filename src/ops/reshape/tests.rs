//! Unit tests of the reshape mapping: axis groups, flat-range boxes, chunk picks.

use proptest::prelude::*;

use super::*;

fn group(inputs: Range<usize>, outputs: Range<usize>) -> AxisGroup {
    AxisGroup { inputs, outputs }
}

#[test]
fn groups_pair_merges_splits_and_identities() {
    assert_eq!(
        axis_groups(&[4, 6, 5], &[24, 5]),
        vec![group(0..2, 0..1), group(2..3, 1..2)]
    );
    assert_eq!(
        axis_groups(&[24, 5], &[4, 6, 5]),
        vec![group(0..1, 0..2), group(1..2, 2..3)]
    );
    assert_eq!(axis_groups(&[100, 20], &[20, 100]), vec![group(0..2, 0..2)]);
    assert_eq!(
        axis_groups(&[3, 1, 4], &[3, 4]),
        vec![group(0..1, 0..1), group(1..3, 1..2)]
    );
    assert_eq!(axis_groups(&[3, 1], &[3]), vec![group(0..2, 0..1)]);
    assert_eq!(axis_groups(&[0, 3], &[3, 0]), vec![group(0..2, 0..2)]);
    assert_eq!(axis_groups(&[1, 1], &[]), vec![group(0..2, 0..0)]);
}

#[test]
fn chunks_keep_the_input_chunk_volume_and_stay_contiguous() {
    let a = crate::create::zeros(&[100_000, 2000], &[2000, 2000], crate::DType::F64).unwrap();
    assert_eq!(reshape_chunks(&a, &[50_000, 4000]), vec![1000, 4000]);
    assert_eq!(reshape_chunks(&a, &[2000, 100_000]), vec![40, 100_000]);
    assert_eq!(reshape_chunks(&a, &[200_000_000]), vec![4_000_000]);
    assert_eq!(reshape_chunks(&a, &[100_000, 2, 1000]), vec![2000, 2, 1000]);
    let b = crate::create::zeros(&[1000, 1000], &[100, 10], crate::DType::F64).unwrap();
    assert_eq!(reshape_chunks(&b, &[1000, 10, 100]), vec![100, 1, 10]);
}

#[test]
fn a_row_split_reads_one_box() {
    // Output rows of (6, 4) from (24,): a box of two whole rows is one input range.
    let sub = Region {
        start: vec![2, 0],
        shape: vec![2, 4],
    };
    assert_eq!(flat_ranges(&[6, 4], &sub), vec![(8, 16)]);
    let sub = Region {
        start: vec![2, 1],
        shape: vec![2, 2],
    };
    assert_eq!(flat_ranges(&[6, 4], &sub), vec![(9, 11), (13, 15)]);
}

proptest! {
    #[test]
    fn range_boxes_tile_the_range_in_order(
        shape in proptest::collection::vec(1u64..6, 1..4),
        a in 0u64..1000,
        b in 0u64..1000,
    ) {
        let total: u64 = shape.iter().product();
        let (lo, hi) = ((a % (total + 1)).min(b % (total + 1)), (a % (total + 1)).max(b % (total + 1)));
        let mut boxes = Vec::new();
        range_boxes(&shape, lo, hi, &mut boxes);
        prop_assert!(boxes.len() < 2 * shape.len() || lo == hi);
        let mut next = lo;
        for (start, box_shape) in &boxes {
            let region = Region { start: start.clone(), shape: box_shape.clone() };
            for flat in flat_ranges(&shape, &region) {
                prop_assert_eq!(flat.0, next);
                next = flat.1;
            }
            prop_assert_eq!(flat_ranges(&shape, &region).len(), 1);
        }
        prop_assert_eq!(next, hi);
    }
}
