//! Unit tests of `generate.rs`.

use super::*;

#[test]
fn same_seed_same_chunk() {
    let a = RandomSource::new(&[100, 10], &[30, 10], DType::F64, 7, Dist::Normal).unwrap();
    let b = RandomSource::new(&[100, 10], &[30, 10], DType::F64, 7, Dist::Normal).unwrap();
    assert_eq!(
        a.read_chunk(&[3, 0]).unwrap(),
        b.read_chunk(&[3, 0]).unwrap()
    );
    assert_eq!(a.read_chunk(&[3, 0]).unwrap().shape(), &[10, 10]);
    assert_ne!(
        a.read_chunk(&[0, 0]).unwrap(),
        a.read_chunk(&[1, 0]).unwrap()
    );
}

#[test]
fn uniform_floats_lie_in_unit_interval() {
    let a = RandomSource::new(&[1000], &[100], DType::F32, 1, Dist::Uniform).unwrap();
    let chunk = a.read_chunk(&[2]).unwrap();
    assert!(
        chunk
            .as_slice::<f32>()
            .unwrap()
            .iter()
            .all(|v| (0.0..1.0).contains(v))
    );
}

#[test]
fn every_dtype_generates() {
    for dtype in DType::ALL {
        let a = RandomSource::new(&[64], &[64], dtype, 3, Dist::Normal).unwrap();
        assert_eq!(a.read_chunk(&[0]).unwrap().len(), 64);
    }
}
