//! Unit tests of `overlap.rs`.

use super::*;

fn sources(boundary: Boundary, start: i64, len: u64, n: u64) -> Vec<Option<u64>> {
    (0..len as i64)
        .map(|k| boundary.source_index(start + k, n as i64))
        .collect()
}

#[test]
fn boundaries_pad_as_numpy_pad_modes() {
    // Axis of 5, virtual positions -3..8.
    let some = |v: &[u64]| v.iter().map(|&i| Some(i)).collect::<Vec<_>>();
    assert_eq!(
        sources(Boundary::Reflect, -3, 11, 5),
        some(&[2, 1, 0, 0, 1, 2, 3, 4, 4, 3, 2])
    );
    assert_eq!(
        sources(Boundary::Periodic, -3, 11, 5),
        some(&[2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2])
    );
    assert_eq!(
        sources(Boundary::Nearest, -3, 11, 5),
        some(&[0, 0, 0, 0, 1, 2, 3, 4, 4, 4, 4])
    );
    let constant = sources(Boundary::Constant(Scalar::Int(7)), -1, 7, 5);
    assert_eq!(constant[0], None);
    assert_eq!(constant[6], None);
    assert_eq!(constant[1], Some(0));
    // Deeper than the axis: the reflection repeats with period 2n.
    assert_eq!(sources(Boundary::Reflect, -5, 2, 2), some(&[0, 0]));
}

#[test]
fn segments_are_contiguous_reads() {
    let runs = segments(&Boundary::Reflect, -2, 9, 5);
    let shapes: Vec<(u64, Option<Vec<u64>>)> =
        runs.iter().map(|s| (s.at, s.sources.clone())).collect();
    assert_eq!(
        shapes,
        vec![
            (0, Some(vec![1, 0])),
            (2, Some(vec![0, 1, 2, 3, 4])),
            (7, Some(vec![4, 3])),
        ]
    );
    let runs = segments(&Boundary::Constant(Scalar::Float(1.5)), -2, 6, 3);
    let fills: Vec<(u64, u64, bool)> = runs
        .iter()
        .map(|s| (s.at, s.len, s.sources.is_none()))
        .collect();
    assert_eq!(fills, vec![(0, 2, true), (2, 3, false), (5, 1, true)]);
}

#[test]
fn placing_mirrors_and_repeats() {
    let values = Chunk::from_slice(&[2, 3], &[1u8, 2, 3, 4, 5, 6]).unwrap();
    let mut dst = Chunk::zeros(DType::U8, &[3, 4]);
    // Rows 1, 0 mirrored; columns 2, 1, 0 mirrored, placed at (1, 1).
    place(&values, &[vec![1, 0], vec![2, 1, 0]], &mut dst, &[1, 1]);
    assert_eq!(
        dst.as_slice::<u8>().unwrap(),
        &[0, 0, 0, 0, 0, 6, 5, 4, 0, 3, 2, 1]
    );
}

#[test]
fn untrimmed_blocks_grow_by_the_halo() {
    let a = Array::from_ndarray(ndarray::Array1::<f64>::zeros(10).view(), &[4]).unwrap();
    let out = a
        .map_overlap(
            DType::F64,
            &[2],
            Boundary::Reflect,
            false,
            |c| Ok(c.clone()),
        )
        .unwrap();
    assert_eq!((out.shape(), out.chunks()), (&[22u64][..], &[8u64][..]));
    let refused = a
        .map_overlap(DType::F64, &[2], Boundary::None, false, |c| Ok(c.clone()))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(refused.contains("one chunk"), "{refused}");
}
