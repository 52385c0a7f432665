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

#[test]
fn clones_share_storage_until_written() {
    let original = Chunk::from_slice(&[3], &[1i32, 2, 3]).unwrap();
    let mut copy = original.clone();
    assert_eq!(
        copy.bytes().as_ptr(),
        original.bytes().as_ptr(),
        "a clone shares the bytes"
    );
    copy.as_slice_mut::<i32>().unwrap()[0] = 9;
    assert_eq!(
        original.as_slice::<i32>().unwrap(),
        &[1, 2, 3],
        "the original is untouched"
    );
    assert_eq!(copy.as_slice::<i32>().unwrap(), &[9, 2, 3]);
    assert_ne!(copy.bytes().as_ptr(), original.bytes().as_ptr());
    assert_eq!(
        original.clone().into_words().len(),
        2,
        "a shared chunk's words are a copy"
    );
}

#[test]
fn mapped_chunks_read_the_file_and_copy_on_write() {
    use std::io::Write;
    let values: Vec<f64> = (0..(1 << 18) + 3).map(|i| i as f64 * 0.5).collect();
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(&[7u8; 24]).unwrap();
    file.write_all(bytemuck::cast_slice(&values[3..])).unwrap();
    let len = (values.len() - 3) * 8;
    let shape = [(values.len() - 3) as u64];
    let mut chunk = crate::store::mapped::chunk(&file, 24, DType::F64, &shape).expect("2 MiB map");
    assert_eq!(chunk.as_slice::<f64>().unwrap(), &values[3..]);
    let shared = chunk.clone();
    chunk.as_slice_mut::<f64>().unwrap()[0] = -1.0;
    assert_eq!(
        shared.as_slice::<f64>().unwrap()[0],
        values[3],
        "the file's pages are not written"
    );
    assert_eq!(chunk.as_slice::<f64>().unwrap()[..2], [-1.0, values[4]]);

    let odd = crate::store::mapped::map(&file, 23, len).unwrap();
    assert!(
        Chunk::from_shared(DType::F64, &shape, Box::new(odd)).is_none(),
        "unaligned"
    );
    assert!(crate::store::mapped::chunk(&file, 23, DType::F64, &shape).is_none());
    assert!(
        crate::store::mapped::map(&file, 32, len).is_none(),
        "past the end of the file"
    );
    assert!(
        crate::store::mapped::map(&file, 0, 4096).is_none(),
        "too small to be worth it"
    );
}
