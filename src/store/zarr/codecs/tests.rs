//! Unit tests of `store/zarr/codecs.rs`.

use super::*;

#[test]
fn delta_round_trips_with_wrapping() {
    let values: Vec<i16> = vec![i16::MAX, i16::MIN, 3, -7, 0];
    let mut bytes = bytemuck::cast_slice::<i16, u8>(&values).to_vec();
    delta_in_place(&mut bytes, DType::I16, false);
    let diffs: Vec<i16> = bytemuck::pod_collect_to_vec(&bytes);
    assert_eq!(diffs[0], i16::MAX);
    assert_eq!(diffs[2], 3i16.wrapping_sub(i16::MIN));
    delta_in_place(&mut bytes, DType::I16, true);
    assert_eq!(bytemuck::pod_collect_to_vec::<u8, i16>(&bytes), values);
}

#[test]
fn lz4_round_trips_and_rejects_bad_headers() {
    let codec = Lz4Codec { acceleration: 1 };
    let data: Vec<u8> = (0..1000u32).map(|i| (i % 7) as u8).collect();
    let options = CodecOptions::default();
    let encoded = codec.encode(Cow::Borrowed(&data), &options).unwrap();
    assert_eq!(&encoded[..4], &1000u32.to_le_bytes());
    let repr = BytesRepresentation::FixedSize(1000);
    let decoded = codec.decode(encoded.clone(), &repr, &options).unwrap();
    assert_eq!(decoded.as_ref(), data.as_slice());
    let wrong = BytesRepresentation::FixedSize(999);
    assert!(codec.decode(encoded, &wrong, &options).is_err());
    assert!(
        codec
            .decode(Cow::Borrowed(&[1, 2]), &repr, &options)
            .is_err()
    );
}

#[test]
fn parses_numcodecs_dtypes() {
    assert_eq!(parse_dtype("<i2"), Some(DType::I16));
    assert_eq!(parse_dtype("int32"), Some(DType::I32));
    assert_eq!(parse_dtype("i8"), None);
}
