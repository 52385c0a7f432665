//! Unit tests of `take`, against ndarray's select.

use super::*;
use crate::context::Context;

fn error_of(result: Result<Array>) -> String {
    match result {
        Ok(a) => panic!("expected an error, got an array of shape {:?}", a.shape()),
        Err(e) => e.to_string(),
    }
}

fn ctx() -> Context {
    Context::with_limits(16 << 20, 2).unwrap()
}

fn values(rows: usize, cols: usize) -> ndarray::Array2<i64> {
    ndarray::Array2::from_shape_fn((rows, cols), |(i, j)| (i * 100 + j) as i64)
}

#[test]
fn take_rows_and_columns_in_any_order() {
    let v = values(7, 5);
    let a = Array::from_ndarray(v.view(), &[3, 2]).unwrap();
    let rows = [6i64, 0, 0, 3, 4, 5, -1];
    let got = a
        .take(&rows, 0)
        .unwrap()
        .compute_ndarray::<i64>(&ctx())
        .unwrap();
    let want = v
        .select(ndarray::Axis(0), &[6, 0, 0, 3, 4, 5, 6])
        .into_dyn();
    assert_eq!(got, want);
    let got = a
        .take(&[4, 1, 2], -1)
        .unwrap()
        .compute_ndarray::<i64>(&ctx())
        .unwrap();
    assert_eq!(got, v.select(ndarray::Axis(1), &[4, 1, 2]).into_dyn());
    let got = a.take(&[], 0).unwrap();
    assert_eq!(got.shape(), &[0, 5]);
}

#[test]
fn take_refuses_out_of_bounds_indices() {
    let a = Array::from_ndarray(values(4, 4).view(), &[2, 2]).unwrap();
    let message = error_of(a.take(&[1, 4], 0));
    assert!(
        message.contains("index 4 is out of bounds for axis 0 of length 4"),
        "{message}"
    );
    assert!(a.take(&[-5], 1).is_err());
    assert!(a.take(&[0], 2).is_err());
}
