//! Unit tests of `dtype.rs`.

use super::*;

#[test]
fn numpy_strings_round_trip() {
    for dtype in DType::ALL {
        for endian in [Endian::Little, Endian::Big] {
            let text = dtype.numpy_str(endian);
            let (back, order) = DType::from_numpy_str(&text).unwrap();
            assert_eq!(back, dtype);
            if dtype.size() > 1 {
                assert_eq!(order, endian);
            }
        }
    }
    assert_eq!(DType::from_numpy_str("<U7"), None);
    assert_eq!(DType::from_numpy_str("|O"), None);
}

#[test]
fn parses_cli_names() {
    assert_eq!(DType::parse("f64"), Some(DType::F64));
    assert_eq!(DType::parse("float32"), Some(DType::F32));
    assert_eq!(DType::parse("i8"), Some(DType::I8));
    assert_eq!(DType::parse("<i8"), Some(DType::I64));
    assert_eq!(DType::parse("u8"), Some(DType::U8));
    assert_eq!(DType::parse("uint8"), Some(DType::U8));
    assert_eq!(DType::parse("bool"), Some(DType::Bool));
    assert_eq!(DType::parse("complex"), None);
}
