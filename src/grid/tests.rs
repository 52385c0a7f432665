//! Unit tests of `grid.rs`.

use super::*;

#[test]
fn edge_chunks_are_clipped() {
    let grid = ChunkGrid::new(&[10, 7], &[4, 3]).unwrap();
    assert_eq!(grid.grid_shape(), vec![3, 3]);
    assert_eq!(grid.num_chunks(), 9);
    let last = grid.chunk_region(&[2, 2]);
    assert_eq!(last.start, vec![8, 6]);
    assert_eq!(last.shape, vec![2, 1]);
}

#[test]
fn touching_chunks_cover_the_region() {
    let grid = ChunkGrid::new(&[100], &[10]).unwrap();
    let r = Region {
        start: vec![15],
        shape: vec![20],
    };
    let t = grid.chunks_touching(&r);
    assert_eq!((t.start, t.shape), (vec![1], vec![3]));
}

#[test]
fn copy_box_moves_a_sub_box() {
    // 3x4 source holding 0..12, copy the 2x2 box at (1,1) to (0,0) of a 2x3 dest.
    let src: Vec<u8> = (0..12).collect();
    let mut dst = vec![0u8; 6];
    copy_box(
        &src,
        &[3, 4],
        &[1, 1],
        &mut dst,
        &[2, 3],
        &[0, 0],
        &[2, 2],
        1,
    );
    assert_eq!(dst, vec![5, 6, 0, 9, 10, 0]);
}

#[test]
fn ravel_unravel_agree() {
    let shape = [3, 4, 5];
    for i in 0..60 {
        assert_eq!(ravel(&unravel(i, &shape), &shape), i);
    }
}

#[test]
fn parses_shapes() {
    assert_eq!(parse_shape("10, 20", "chunks").unwrap(), vec![10, 20]);
    assert!(parse_shape("10,0", "chunks").is_err());
    assert!(parse_shape("a", "chunks").is_err());
}

#[test]
fn grids_whose_counts_overflow_are_refused() {
    assert!(ChunkGrid::new(&[1 << 32, 1 << 32], &[1, 1]).is_err());
    assert!(ChunkGrid::new(&[10, 10], &[1 << 32, 1 << 32]).is_err());
    // numpy counts a zero-length axis as 1 when it checks the size.
    assert!(ChunkGrid::new(&[0, 1 << 40, 1 << 40], &[1, 1, 1]).is_err());
    assert!(ChunkGrid::new(&[1 << 30, 1 << 30], &[1 << 20, 1 << 20]).is_ok());
    assert_eq!(check_len(&[0, 5], "x").unwrap(), 0);
    assert_eq!(check_bytes(&[1 << 30, 1 << 30], 8, "x").unwrap(), 1 << 63);
    assert_eq!(sat_len(&[u64::MAX, 2]), u64::MAX);
    assert_eq!(checked_len(&[u64::MAX, 2]), None);
}

#[test]
fn array_shapes_may_have_empty_axes_but_chunks_may_not() {
    assert_eq!(parse_shape("0,5", "--shape").unwrap(), vec![0, 5]);
    assert!(parse_shape("0,5", "--chunks").is_err());
    let err = parse_shape("4294967296,4294967296", "--shape").unwrap_err();
    assert!(err.to_string().contains("too large"), "{err}");
}
