use super::*;

fn naive_i64(a: &[i64], b: &[i64], m: usize, k: usize, n: usize) -> Vec<i64> {
    let mut c = vec![0i64; m * n];
    for i in 0..m {
        for j in 0..n {
            for p in 0..k {
                c[i * n + j] = c[i * n + j].wrapping_add(a[i * k + p].wrapping_mul(b[p * n + j]));
            }
        }
    }
    c
}

#[test]
fn f64_matches_naive_and_accumulates() {
    let (m, k, n) = (7, 13, 5);
    let a: Vec<f64> = (0..m * k).map(|i| (i % 5) as f64 - 2.0).collect();
    let b: Vec<f64> = (0..k * n).map(|i| (i % 3) as f64 * 0.5).collect();
    let ai: Vec<i64> = (0..m * k).map(|i| (i % 5) as i64 - 2).collect();
    let bi: Vec<i64> = (0..k * n).map(|i| (i % 3) as i64).collect();
    let ca = Chunk::from_slice(&[m as u64, k as u64], &a).unwrap();
    let cb = Chunk::from_slice(&[k as u64, n as u64], &b).unwrap();
    let mut acc = Chunk::filled(DType::F64, &[m as u64, n as u64], &1.0f64.to_ne_bytes());
    matmul_accumulate(&ca, &cb, &mut acc).unwrap();
    matmul_accumulate(&ca, &cb, &mut acc).unwrap();
    let expect = naive_i64(&ai, &bi, m, k, n);
    let got = acc.as_slice::<f64>().unwrap();
    for (g, e) in got.iter().zip(&expect) {
        assert_eq!(*g, 1.0 + 2.0 * 0.5 * *e as f64);
    }
}

#[test]
fn f32_and_f16_match_naive() {
    let (m, k, n) = (4, 6, 3);
    let ai: Vec<i64> = (0..m * k).map(|i| (i % 4) as i64).collect();
    let bi: Vec<i64> = (0..k * n).map(|i| (i % 5) as i64 - 1).collect();
    let expect = naive_i64(&ai, &bi, m, k, n);
    let a32: Vec<f32> = ai.iter().map(|&x| x as f32).collect();
    let b32: Vec<f32> = bi.iter().map(|&x| x as f32).collect();
    let mut acc = Chunk::zeros(DType::F32, &[4, 3]);
    matmul_accumulate(
        &Chunk::from_slice(&[4, 6], &a32).unwrap(),
        &Chunk::from_slice(&[6, 3], &b32).unwrap(),
        &mut acc,
    )
    .unwrap();
    let got: Vec<i64> = acc
        .as_slice::<f32>()
        .unwrap()
        .iter()
        .map(|&x| x as i64)
        .collect();
    assert_eq!(got, expect);
    let a16: Vec<f16> = a32.iter().map(|&x| f16::from_f32(x)).collect();
    let b16: Vec<f16> = b32.iter().map(|&x| f16::from_f32(x)).collect();
    let mut acc = Chunk::zeros(DType::F16, &[4, 3]);
    matmul_accumulate(
        &Chunk::from_slice(&[4, 6], &a16).unwrap(),
        &Chunk::from_slice(&[6, 3], &b16).unwrap(),
        &mut acc,
    )
    .unwrap();
    let got: Vec<i64> = acc
        .as_slice::<f16>()
        .unwrap()
        .iter()
        .map(|x| x.to_f32() as i64)
        .collect();
    assert_eq!(got, expect);
}

#[test]
fn ints_wrap_and_bools_are_logical() {
    let a = [i64::MAX, 2, 3, 4];
    let b = [2i64, 0, 1, 5];
    let mut acc = Chunk::zeros(DType::I64, &[2, 2]);
    matmul_accumulate(
        &Chunk::from_slice(&[2, 2], &a).unwrap(),
        &Chunk::from_slice(&[2, 2], &b).unwrap(),
        &mut acc,
    )
    .unwrap();
    assert_eq!(acc.as_slice::<i64>().unwrap(), naive_i64(&a, &b, 2, 2, 2));
    let a8 = [100i8, 100, -3, 7];
    let mut acc = Chunk::zeros(DType::I8, &[2, 2]);
    matmul_accumulate(
        &Chunk::from_slice(&[2, 2], &a8).unwrap(),
        &Chunk::from_slice(&[2, 2], &a8).unwrap(),
        &mut acc,
    )
    .unwrap();
    let wide: Vec<i64> = a8.iter().map(|&x| x as i64).collect();
    let expect: Vec<i8> = naive_i64(&wide, &wide, 2, 2, 2)
        .iter()
        .map(|&x| x as i8)
        .collect();
    assert_eq!(acc.as_slice::<i8>().unwrap(), expect);
    let ab = Chunk::from_bytes(DType::Bool, &[2, 2], &[1, 0, 0, 0]).unwrap();
    let bb = Chunk::from_bytes(DType::Bool, &[2, 2], &[0, 1, 1, 1]).unwrap();
    let mut acc = Chunk::zeros(DType::Bool, &[2, 2]);
    matmul_accumulate(&ab, &bb, &mut acc).unwrap();
    assert_eq!(acc.bytes(), [0, 1, 0, 0]);
}

#[test]
fn mismatches_are_errors() {
    let a = Chunk::zeros(DType::F64, &[2, 3]);
    let b = Chunk::zeros(DType::F64, &[2, 3]);
    let mut acc = Chunk::zeros(DType::F64, &[2, 3]);
    assert!(matches!(
        matmul_accumulate(&a, &b, &mut acc),
        Err(Error::Shape { .. })
    ));
    let b32 = Chunk::zeros(DType::F32, &[3, 3]);
    assert!(matmul_accumulate(&a, &b32, &mut acc).is_err());
    let v = Chunk::zeros(DType::F64, &[3]);
    assert!(matmul_accumulate(&a, &v, &mut acc).is_err());
    assert_eq!(matmul_dtype(DType::I32, DType::F32), DType::F64);
}

/// `values` (rows × cols, row-major) transposed into a new row-major chunk.
fn transposed_copy<T: crate::dtype::Element>(values: &[T], rows: usize, cols: usize) -> Chunk {
    let t: Vec<T> = (0..cols * rows)
        .map(|i| values[(i % rows) * cols + i / rows])
        .collect();
    Chunk::from_slice(&[cols as u64, rows as u64], &t).unwrap()
}

#[test]
fn transposed_views_match_copies_for_every_path() {
    let (m, k, n) = (5, 7, 4);
    let ai: Vec<i64> = (0..m * k).map(|i| (i as i64 * 7) % 11 - 5).collect();
    let bi: Vec<i64> = (0..k * n).map(|i| (i as i64 * 5) % 9 - 4).collect();
    let expect = naive_i64(&ai, &bi, m, k, n);
    // i64 goes through the row-major copy; f64 through strided packed views.
    let a_t = transposed_copy(&ai, m, k);
    let b_t = transposed_copy(&bi, k, n);
    let mut acc = Chunk::zeros(DType::I64, &[m as u64, n as u64]);
    matmul_accumulate_views(
        MatrixRef::transposed(&a_t),
        MatrixRef::transposed(&b_t),
        &mut acc,
    )
    .unwrap();
    assert_eq!(acc.as_slice::<i64>().unwrap(), &expect[..]);
    let af: Vec<f64> = ai.iter().map(|&x| x as f64).collect();
    let bf: Vec<f64> = bi.iter().map(|&x| x as f64).collect();
    let a_t = transposed_copy(&af, m, k);
    let b = Chunk::from_slice(&[k as u64, n as u64], &bf).unwrap();
    let mut acc = Chunk::zeros(DType::F64, &[m as u64, n as u64]);
    matmul_accumulate_views(MatrixRef::transposed(&a_t), MatrixRef::plain(&b), &mut acc).unwrap();
    let want: Vec<f64> = expect.iter().map(|&x| x as f64).collect();
    assert_eq!(acc.as_slice::<f64>().unwrap(), &want[..]);
}

#[test]
fn gram_is_exactly_symmetric_and_matches_the_product() {
    // Big enough for the parallel tiles; integer-valued so every sum is exact.
    let (k, n) = (300, 700);
    let pi: Vec<i64> = (0..k * n).map(|i| (i as i64 * 31) % 17 - 8).collect();
    let pi_t = transposed_copy(&pi, k, n);
    let want = naive_i64(pi_t.as_slice::<i64>().unwrap(), &pi, n, k, n);
    let pf: Vec<f64> = pi.iter().map(|&x| x as f64).collect();
    let p = Chunk::from_slice(&[k as u64, n as u64], &pf).unwrap();
    let mut out = Chunk::filled(DType::F64, &[n as u64, n as u64], &7.0f64.to_ne_bytes());
    gram_into(MatrixRef::plain(&p), &mut out).unwrap();
    let got = out.as_slice::<f64>().unwrap();
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(*g, *w as f64);
    }
    // p.T as a view: the Gram matrix of p.T is p @ p.T.
    let pt = transposed_copy(&pf, k, n);
    let mut out = Chunk::zeros(DType::F64, &[k as u64, k as u64]);
    gram_into(MatrixRef::transposed(&p), &mut out).unwrap();
    let mut want = Chunk::zeros(DType::F64, &[k as u64, k as u64]);
    matmul_accumulate(&p, &pt, &mut want).unwrap();
    assert_eq!(out, want);
    // Integers take the general path.
    let p = Chunk::from_slice(&[k as u64, n as u64], &pi).unwrap();
    let mut out = Chunk::zeros(DType::I64, &[n as u64, n as u64]);
    gram_into(MatrixRef::plain(&p), &mut out).unwrap();
    let want_i = naive_i64(pi_t.as_slice::<i64>().unwrap(), &pi, n, k, n);
    assert_eq!(out.as_slice::<i64>().unwrap(), &want_i[..]);
}

#[test]
fn gram_refuses_a_mismatched_output() {
    let p = Chunk::zeros(DType::F64, &[3, 4]);
    let mut out = Chunk::zeros(DType::F64, &[3, 3]);
    let message = gram_into(MatrixRef::plain(&p), &mut out)
        .unwrap_err()
        .to_string();
    assert!(message.contains("[3, 4].T @ [3, 4]"), "{message}");
}
