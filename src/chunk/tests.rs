//! Unit tests of `chunk.rs`.

use super::*;

#[test]
fn typed_views_match_dtype() {
    let chunk = Chunk::from_slice(&[2, 2], &[1.0f64, 2.0, 3.0, 4.0]).unwrap();
    assert_eq!(chunk.as_slice::<f64>().unwrap(), &[1.0, 2.0, 3.0, 4.0]);
    assert!(chunk.as_slice::<f32>().is_none());
    assert_eq!(chunk.nbytes(), 32);
}

#[test]
fn fill_repeats_the_element() {
    let chunk = Chunk::filled(DType::I16, &[3], &7i16.to_ne_bytes());
    assert_eq!(chunk.as_slice::<i16>().unwrap(), &[7, 7, 7]);
}

#[test]
fn overlap_copy_places_values() {
    let src = Chunk::from_slice(&[2, 2], &[1u8, 2, 3, 4]).unwrap();
    let src_region = Region {
        start: vec![1, 1],
        shape: vec![2, 2],
    };
    let mut dst = Chunk::zeros(DType::U8, &[3, 3]);
    let dst_region = Region::whole(&[3, 3]);
    src.copy_overlap_into(&src_region, &mut dst, &dst_region);
    assert_eq!(dst.as_slice::<u8>().unwrap(), &[0, 0, 0, 0, 1, 2, 0, 3, 4]);
}
