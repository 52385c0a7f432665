//! Unit tests of boolean masks, against a filter.

use super::*;

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
fn masks_select_in_c_order() {
    let v = values(9, 7);
    let a = Array::from_ndarray(v.view(), &[4, 3]).unwrap();
    let m = a
        .binary(crate::kernels::elementwise::BinaryOp::Gt, 350i64)
        .unwrap();
    // Chunk the mask differently from the array.
    let m = m.rechunk(&[2, 5]).unwrap();
    let selected = a.mask(&m, &ctx()).unwrap();
    let want: Vec<i64> = v.iter().copied().filter(|&x| x > 350).collect();
    assert_eq!(selected.shape(), &[want.len() as u64]);
    let got = selected.compute_ndarray::<i64>(&ctx()).unwrap();
    assert_eq!(got.iter().copied().collect::<Vec<_>>(), want);
}

#[test]
fn masks_must_be_bool_and_shaped_alike() {
    let a = Array::from_ndarray(values(4, 4).view(), &[2, 2]).unwrap();
    assert!(error_of(a.mask(&a, &ctx())).contains("dtype bool"));
    let b = crate::create::ones(&[4, 3], &[2, 2], DType::Bool).unwrap();
    assert!(error_of(a.mask(&b, &ctx())).contains("differs"));
}
