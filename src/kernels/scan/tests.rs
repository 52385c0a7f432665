//! Unit tests of `scan.rs`.

use super::*;

#[test]
fn cumsum_continues_from_the_carry() {
    let values = Chunk::from_slice(&[2, 3], &[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let mut carry = Chunk::from_slice(&[1, 3], &[10.0f64, 20.0, 30.0]).unwrap();
    let out = scan(ScanOp::Sum, &values, 0, &mut carry).unwrap();
    assert_eq!(
        out.as_slice::<f64>().unwrap(),
        &[11.0, 22.0, 33.0, 15.0, 27.0, 39.0]
    );
    assert_eq!(carry.as_slice::<f64>().unwrap(), &[15.0, 27.0, 39.0]);
    let mut row_carry = identity(ScanOp::Prod, DType::I64, &[2, 1]);
    let ints = Chunk::from_slice(&[2, 3], &[1i64, 2, 3, 4, 5, 6]).unwrap();
    let out = scan(ScanOp::Prod, &ints, 1, &mut row_carry).unwrap();
    assert_eq!(out.as_slice::<i64>().unwrap(), &[1, 2, 6, 4, 20, 120]);
    assert_eq!(row_carry.as_slice::<i64>().unwrap(), &[6, 120]);
}

#[test]
fn mismatched_carries_are_errors() {
    let values = Chunk::zeros(DType::F64, &[2, 3]);
    let mut carry = Chunk::zeros(DType::F64, &[2, 1]);
    assert!(scan(ScanOp::Sum, &values, 0, &mut carry).is_err());
    assert!(scan(ScanOp::Sum, &values, 5, &mut carry).is_err());
}

/// A carry that crosses chunks keeps numpy's sequential running product:
/// np.cumprod([1e200, 1e200, 0.0, 2.0]) is [1e200, inf, nan, nan].
#[test]
fn cumprod_carries_overflow_into_the_next_chunk() {
    let mut carry = identity(ScanOp::Prod, DType::F64, &[1]);
    let first = Chunk::from_slice(&[2], &[1e200f64, 1e200]).unwrap();
    let out = scan(ScanOp::Prod, &first, 0, &mut carry).unwrap();
    assert_eq!(out.as_slice::<f64>().unwrap(), &[1e200, f64::INFINITY]);
    let second = Chunk::from_slice(&[2], &[0.0f64, 2.0]).unwrap();
    let out = scan(ScanOp::Prod, &second, 0, &mut carry).unwrap();
    assert!(out.as_slice::<f64>().unwrap().iter().all(|x| x.is_nan()));
}
