//! Matrix products on chunks: `acc += a @ b` for 2-D blocks, the building block of a
//! chunked matmul (the engine sums the products of matching row/column chunk pairs).
//! f32/f64 use ndarray's `general_mat_mul` (matrixmultiply: packed, SIMD, cache-blocked);
//! f16 goes through f32; integers wrap like numpy, looping i-k-j so the inner loop runs
//! along contiguous rows of `b` and `acc`; bool is numpy's logical or of ands.

use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::kernels::elementwise::{view, view_mut};
use crate::kernels::promote::result_type;
use bytemuck::Pod;
use half::f16;
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

/// The dtype of `a @ b`: numpy's `result_type`.
pub fn matmul_dtype(a: DType, b: DType) -> DType {
    result_type(a, b)
}

/// `acc += a @ b` for a (m×k), b (k×n) and acc (m×n), all of one dtype.
pub fn matmul_accumulate(a: &Chunk, b: &Chunk, acc: &mut Chunk) -> Result<()> {
    let (m, k, n) = check_shapes(a, b, acc)?;
    let w = "matmul";
    let dtype = acc.dtype();
    match dtype {
        DType::F64 => gemm::<f64>(
            view(a.bytes(), w)?,
            view(b.bytes(), w)?,
            view_mut(acc.bytes_mut(), w)?,
            m,
            k,
            n,
        ),
        DType::F32 => gemm::<f32>(
            view(a.bytes(), w)?,
            view(b.bytes(), w)?,
            view_mut(acc.bytes_mut(), w)?,
            m,
            k,
            n,
        ),
        DType::F16 => {
            let widen = |x: &[f16]| x.iter().map(|v| v.to_f32()).collect::<Vec<f32>>();
            let (a32, b32) = (widen(view(a.bytes(), w)?), widen(view(b.bytes(), w)?));
            let acc16: &mut [f16] = view_mut(acc.bytes_mut(), w)?;
            let mut acc32 = widen(acc16);
            gemm::<f32>(&a32, &b32, &mut acc32, m, k, n)?;
            acc16
                .iter_mut()
                .zip(&acc32)
                .for_each(|(o, &x)| *o = f16::from_f32(x));
            Ok(())
        }
        DType::Bool => {
            ikj::<u8>(a.bytes(), b.bytes(), acc.bytes_mut(), m, k, n, |s, x, y| {
                s | (x & y)
            });
            Ok(())
        }
        DType::I8 => int_mm::<i8>(a, b, acc, m, k, n, |s, x, y| {
            s.wrapping_add(x.wrapping_mul(y))
        }),
        DType::I16 => int_mm::<i16>(a, b, acc, m, k, n, |s, x, y| {
            s.wrapping_add(x.wrapping_mul(y))
        }),
        DType::I32 => int_mm::<i32>(a, b, acc, m, k, n, |s, x, y| {
            s.wrapping_add(x.wrapping_mul(y))
        }),
        DType::I64 => int_mm::<i64>(a, b, acc, m, k, n, |s, x, y| {
            s.wrapping_add(x.wrapping_mul(y))
        }),
        DType::U8 => int_mm::<u8>(a, b, acc, m, k, n, |s, x, y| {
            s.wrapping_add(x.wrapping_mul(y))
        }),
        DType::U16 => int_mm::<u16>(a, b, acc, m, k, n, |s, x, y| {
            s.wrapping_add(x.wrapping_mul(y))
        }),
        DType::U32 => int_mm::<u32>(a, b, acc, m, k, n, |s, x, y| {
            s.wrapping_add(x.wrapping_mul(y))
        }),
        DType::U64 => int_mm::<u64>(a, b, acc, m, k, n, |s, x, y| {
            s.wrapping_add(x.wrapping_mul(y))
        }),
    }
}

fn check_shapes(a: &Chunk, b: &Chunk, acc: &Chunk) -> Result<(usize, usize, usize)> {
    if a.dtype() != acc.dtype() || b.dtype() != acc.dtype() {
        return Err(Error::Invalid(format!(
            "matmul: operands are {} and {} with a {} accumulator; cast all three to one dtype first",
            a.dtype(),
            b.dtype(),
            acc.dtype()
        )));
    }
    match (a.shape(), b.shape(), acc.shape()) {
        (&[m, k], &[k2, n], &[m2, n2]) if k == k2 && m == m2 && n == n2 => {
            Ok((m as usize, k as usize, n as usize))
        }
        (sa, sb, sc) => Err(Error::shape(
            "matmul",
            format!(
                "cannot accumulate {sa:?} @ {sb:?} into {sc:?}: need (m, k) @ (k, n) into (m, n)"
            ),
        )),
    }
}

fn gemm<T: ndarray::LinalgScalar>(
    a: &[T],
    b: &[T],
    acc: &mut [T],
    m: usize,
    k: usize,
    n: usize,
) -> Result<()> {
    let bad = |e: ndarray::ShapeError| Error::shape("matmul", e.to_string());
    let a = ArrayView2::from_shape((m, k), a).map_err(bad)?;
    let b = ArrayView2::from_shape((k, n), b).map_err(bad)?;
    let mut c = ArrayViewMut2::from_shape((m, n), acc).map_err(bad)?;
    general_mat_mul(T::one(), &a, &b, T::one(), &mut c);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn int_mm<T: Pod>(
    a: &Chunk,
    b: &Chunk,
    acc: &mut Chunk,
    m: usize,
    k: usize,
    n: usize,
    f: fn(T, T, T) -> T,
) -> Result<()> {
    let w = "matmul";
    ikj::<T>(
        view(a.bytes(), w)?,
        view(b.bytes(), w)?,
        view_mut(acc.bytes_mut(), w)?,
        m,
        k,
        n,
        f,
    );
    Ok(())
}

/// `acc[i, :] = f(acc[i, :], a[i, p], b[p, :])` for every p, in i-p-j order.
fn ikj<T: Pod>(
    a: &[T],
    b: &[T],
    acc: &mut [T],
    _m: usize,
    k: usize,
    n: usize,
    f: impl Fn(T, T, T) -> T,
) {
    if k == 0 || n == 0 {
        return;
    }
    for (a_row, acc_row) in a.chunks_exact(k).zip(acc.chunks_exact_mut(n)) {
        for (&x, b_row) in a_row.iter().zip(b.chunks_exact(n)) {
            for (s, &y) in acc_row.iter_mut().zip(b_row) {
                *s = f(*s, x, y);
            }
        }
    }
}

#[cfg(test)]
mod tests;
