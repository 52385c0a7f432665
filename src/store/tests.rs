//! Unit tests of `store/mod.rs`.

use super::*;

#[test]
fn parses_codecs() {
    assert_eq!(Codec::parse("none").unwrap(), Codec::None);
    assert_eq!(Codec::parse("gzip:6").unwrap(), Codec::Gzip(6));
    assert_eq!(Codec::parse("zstd:1").unwrap(), Codec::Zstd(1));
    assert_eq!(Codec::parse("blosc-lz4:5").unwrap(), Codec::BloscLz4(5));
    assert_eq!(Codec::parse("blosc-zstd").unwrap(), Codec::BloscZstd(5));
    assert!(Codec::parse("gzip:12").is_err());
    assert!(Codec::parse("snappy").is_err());
}

#[test]
fn row_blocks_stay_near_the_target() {
    let c = row_block_chunks(&[100_000, 2000], DType::F64, 8 << 20);
    assert_eq!(c, vec![524, 2000]);
    let c = row_block_chunks(&[10, 10], DType::F64, 8 << 20);
    assert_eq!(c, vec![10, 10]);
    let c = row_block_chunks(&[3, 4_000_000], DType::F64, 8 << 20);
    assert_eq!(c, vec![1, 1_048_576]);
}

#[test]
fn row_blocks_of_empty_axes_are_positive() {
    assert_eq!(row_block_chunks(&[0], DType::F32, 8 << 20), vec![1]);
    assert_eq!(row_block_chunks(&[0, 5], DType::F32, 8 << 20), vec![1, 5]);
    assert_eq!(
        row_block_chunks(&[4, 0, 3], DType::F32, 8 << 20),
        vec![4, 1, 3]
    );
}

#[test]
fn a_shard_of_the_wrong_rank_is_named_as_the_shard() {
    let like = ArrayMeta {
        shape: vec![0, 5],
        chunks: vec![1, 5],
        dtype: DType::F32,
        fill_value: Vec::new(),
        codec: String::new(),
        layout: String::new(),
        attributes: Attributes::new(),
        dimension_names: None,
        stored_bytes: None,
        fill_marks_missing: false,
    };
    let options = WriteOptions {
        shard: Some(vec![2]),
        ..WriteOptions::new(&[1, 5])
    };
    let text = check_write_options(&like, &options)
        .unwrap_err()
        .to_string();
    assert!(text.contains("--shard [2] has 1 axes"), "{text}");
    assert!(!text.contains("chunk shape"), "{text}");
    let options = WriteOptions {
        shard: Some(vec![2, 5]),
        ..WriteOptions::new(&[1, 5])
    };
    assert!(check_write_options(&like, &options).is_ok());
}
