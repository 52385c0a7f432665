//! Unit tests of `store/hdf5/decode.rs`.

use super::*;
use crate::dtype::DType;

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
fn shuffle_matches_hdf5s_definition_on_every_length() {
    // The blocked transposes cover 8 elements at a time; lengths around the block
    // edges and odd tails must still put byte j of element i at j * n + i.
    for elem in [2, 3, 4, 8] {
        for len in [0, 7, 8, 9, 63, 64, 65, 8 * elem * 3 + 5] {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let n = len / elem;
            let mut want = data.clone();
            for i in 0..n {
                for j in 0..elem {
                    want[j * n + i] = data[i * elem + j];
                }
            }
            assert_eq!(shuffle(&data, elem), want, "elem {elem}, {len} bytes");
            assert_eq!(unshuffle(&want, elem), data, "elem {elem}, {len} bytes");
        }
    }
}

#[test]
fn pipeline_round_trips_and_honours_the_mask() {
    let p = Pipeline {
        steps: vec![Step::Shuffle, Step::Deflate(4), Step::Fletcher32],
    };
    let data: Vec<u8> = (0..4000u32).flat_map(|v| v.to_le_bytes()).collect();
    let chunk = Chunk::from_bytes(DType::U32, &[4000], &data).unwrap();
    let enc = p.encode_owned(chunk, 4, <[u8]>::to_vec).unwrap();
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

#[test]
fn lzf_decodes_literals_and_overlapping_references_within_bounds() {
    // "abc" as a literal run, then a reference 3 back of length 6: "abcabcabc".
    let stream = [2, b'a', b'b', b'c', (4 << 5), 2];
    let mut out = [0u8; 9];
    lzf_decompress_into(&stream, &mut out).unwrap();
    assert_eq!(&out, b"abcabcabc");
    let mut short = [0u8; 8];
    assert!(
        lzf_decompress_into(&stream, &mut short)
            .unwrap_err()
            .contains("more than")
    );
    let mut long = [0u8; 10];
    assert!(lzf_decompress_into(&stream, &mut long).is_err());
    // A reference before the start, and a literal run past the end of the stream.
    assert!(
        lzf_decompress_into(&[(1 << 5), 5], &mut out)
            .unwrap_err()
            .contains("damaged")
    );
    assert!(
        lzf_decompress_into(&[5, b'a'], &mut out)
            .unwrap_err()
            .contains("damaged")
    );
}
