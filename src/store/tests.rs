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
