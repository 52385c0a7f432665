//! Unit tests of `store/hdf5/decode.rs`.

use super::*;

#[test]
fn shuffle_round_trips_with_a_tail() {
    let data: Vec<u8> = (0..=255).chain(0..77).collect();
    for elem in [1, 2, 3, 4, 8, 16] {
        let s = shuffle(&data, elem);
        assert_eq!(unshuffle(&s, elem), data, "elem {elem}");
    }
    assert_eq!(shuffle(&[1, 2, 3, 4], 2), vec![1, 3, 2, 4]);
}

#[test]
fn pipeline_round_trips_and_honours_the_mask() {
    let p = Pipeline {
        steps: vec![Step::Shuffle, Step::Deflate(4), Step::Fletcher32],
    };
    let data: Vec<u8> = (0..4000u32).flat_map(|v| v.to_le_bytes()).collect();
    let enc = p.encode(&data, 4).unwrap();
    assert_eq!(p.decode(enc.clone(), 0, 4, data.len()).unwrap(), data);
    // Deflate skipped (bit 1): the stored bytes are shuffled + checksummed only.
    let partial = append_fletcher32(shuffle(&data, 4));
    assert_eq!(p.decode(partial, 0b010, 4, data.len()).unwrap(), data);
    let mut bad = enc;
    bad[3] ^= 0xff;
    assert!(p.decode(bad, 0, 4, data.len()).is_err());
}

#[test]
fn inflate_refuses_wrong_sizes() {
    let enc = deflate(&[7u8; 100], 1).unwrap();
    assert!(inflate(&enc, 99).is_err());
    assert!(inflate(&enc, 101).is_err());
    assert_eq!(inflate(&enc, 100).unwrap(), vec![7u8; 100]);
    assert!(inflate(&[1, 2, 3], 100).is_err());
}
