//! Unit tests of `store/zarr/mod.rs`.

use super::sink::fill_json;
use super::*;

#[test]
fn fill_values_become_json() {
    assert_eq!(
        fill_json(DType::F64, &f64::NAN.to_ne_bytes()),
        Value::from("NaN")
    );
    assert_eq!(
        fill_json(DType::I16, &(-3i16).to_ne_bytes()),
        Value::from(-3)
    );
    assert_eq!(
        fill_json(DType::U64, &u64::MAX.to_ne_bytes()),
        Value::from(u64::MAX)
    );
    assert_eq!(fill_json(DType::Bool, &[1]), Value::from(true));
}

#[test]
fn pads_edge_chunks_with_fill() {
    let meta = ArrayMeta {
        shape: vec![3],
        chunks: vec![2],
        dtype: DType::I16,
        fill_value: 9i16.to_ne_bytes().to_vec(),
        codec: String::new(),
        layout: String::new(),
        attributes: Default::default(),
        dimension_names: None,
        stored_bytes: None,
        fill_marks_missing: false,
    };
    let chunk = Chunk::from_slice(&[1], &[5i16]).unwrap();
    let region = Region {
        start: vec![2],
        shape: vec![1],
    };
    let full = pad_to_full(&chunk, &region, &meta);
    assert_eq!(full.as_slice::<i16>().unwrap(), &[5, 9]);
}
