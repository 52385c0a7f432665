//! Matrix products on chunks: `acc += a @ b` for 2-D blocks, the building block of a
//! chunked matmul (the engine sums the products of matching row/column chunk pairs), and
//! `out = pᵀp` (a Gram matrix, the block product of `x.T @ x`), which computes only the
//! upper triangle and mirrors it, as BLAS's `syrk` does.
//!
//! Operands may be transposed views of their chunk ([`MatrixRef`]), so `x.T @ y` never
//! copies `x`. f32/f64 use ndarray's `general_mat_mul`: the system BLAS (OpenBLAS,
//! one thread per call) with the `blas` feature, matrixmultiply (packed, SIMD,
//! cache-blocked) without; the diagonal tiles of a Gram matrix use BLAS's `syrk` when
//! there is one (see [`crate::kernels::blas`]). Large products are split into stripes of [`STRIPE`] rows or columns
//! run on rayon's threads. The split is fixed, so every bit of the result is the same
//! whatever the thread count. f16 goes through f32; integers wrap like numpy, looping
//! i-k-j so the inner loop runs along contiguous rows of `b` and `acc`; bool is numpy's
//! logical or of ands.

use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::kernels::blas::{self, SyrkScalar};
use crate::kernels::elementwise::{view, view_mut};
use crate::kernels::layout::permute_axes;
use crate::kernels::promote::result_type;
use bytemuck::Pod;
use half::f16;
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2, Axis, s};
use rayon::prelude::*;
use std::borrow::Cow;

/// Rows or columns per piece (the side of a tile) when one product is split across
/// threads.
pub const STRIPE: usize = 256;

/// Products with fewer multiply-adds than this run on the calling thread.
pub const PARALLEL_MIN_MULTIPLY_ADDS: usize = 1 << 24;

/// The dtype of `a @ b`: numpy's `result_type`.
pub fn matmul_dtype(a: DType, b: DType) -> DType {
    result_type(a, b)
}

/// A 2-D operand: `values` holds the matrix row-major, or, when `transposed`, holds its
/// transpose row-major (so the matrix is `values.T`).
#[derive(Clone, Copy, Debug)]
pub struct MatrixRef<'a> {
    pub values: &'a Chunk,
    pub transposed: bool,
}

impl<'a> MatrixRef<'a> {
    /// `values` as it is.
    pub fn plain(values: &'a Chunk) -> MatrixRef<'a> {
        MatrixRef {
            values,
            transposed: false,
        }
    }

    /// `values.T`.
    pub fn transposed(values: &'a Chunk) -> MatrixRef<'a> {
        MatrixRef {
            values,
            transposed: true,
        }
    }

    /// (rows, cols) of the matrix, or None when `values` is not 2-D.
    fn dims(&self) -> Option<(usize, usize)> {
        match *self.values.shape() {
            [r, c] if self.transposed => Some((c as usize, r as usize)),
            [r, c] => Some((r as usize, c as usize)),
            _ => None,
        }
    }

    /// The matrix laid out row-major (a copy only when transposed).
    fn contiguous(&self) -> Cow<'a, Chunk> {
        if self.transposed {
            Cow::Owned(permute_axes(self.values, &[1, 0]))
        } else {
            Cow::Borrowed(self.values)
        }
    }

    /// The matrix as an ndarray view (strided when transposed).
    fn view<T: Pod>(&self) -> Result<ArrayView2<'a, T>> {
        let (rows, cols) = self.dims().ok_or_else(|| not_2d(self.values))?;
        let data: &[T] = view(self.values.bytes(), "matmul")?;
        if self.transposed {
            Ok(ArrayView2::from_shape((cols, rows), data)
                .map_err(shape_error)?
                .reversed_axes())
        } else {
            ArrayView2::from_shape((rows, cols), data).map_err(shape_error)
        }
    }
}

fn not_2d(values: &Chunk) -> Error {
    Error::shape(
        "matmul",
        format!("operands must be 2-D, got shape {:?}", values.shape()),
    )
}

fn shape_error(e: ndarray::ShapeError) -> Error {
    Error::shape("matmul", e.to_string())
}

/// `acc += a @ b` for a (m×k), b (k×n) and acc (m×n), all of one dtype.
pub fn matmul_accumulate(a: &Chunk, b: &Chunk, acc: &mut Chunk) -> Result<()> {
    matmul_accumulate_views(MatrixRef::plain(a), MatrixRef::plain(b), acc)
}

/// `acc += a @ b` where either operand may be a transposed view of its chunk.
pub fn matmul_accumulate_views(a: MatrixRef, b: MatrixRef, acc: &mut Chunk) -> Result<()> {
    let (m, k, n) = check_shapes(a, b, acc)?;
    match acc.dtype() {
        DType::F64 => gemm::<f64>(a.view()?, b.view()?, acc_view(acc, m, n)?),
        DType::F32 => gemm::<f32>(a.view()?, b.view()?, acc_view(acc, m, n)?),
        _ => contiguous_accumulate(&a.contiguous(), &b.contiguous(), acc, (m, k, n)),
    }
}

/// `out = p.T @ p` for p (k×n) and out (n×n): the upper triangle is computed and the
/// lower one copied from it, so the result is exactly symmetric.
pub fn gram_into(p: MatrixRef, out: &mut Chunk) -> Result<()> {
    out.bytes_mut().fill(0);
    gram_accumulate_upper(p, out)?;
    mirror_upper_triangle(out)
}

/// `acc += p.T @ p` on the upper triangle of `acc` (diagonal included), in row stripes;
/// the strict lower triangle is left for [`mirror_upper_triangle`] once the sum is
/// complete. Dtypes without a packed kernel accumulate the whole product.
pub fn gram_accumulate_upper(p: MatrixRef, acc: &mut Chunk) -> Result<()> {
    let pt = MatrixRef {
        values: p.values,
        transposed: !p.transposed,
    };
    let (_, _, n) = check_shapes(pt, p, acc)?;
    match acc.dtype() {
        DType::F64 => gram_upper::<f64>(p.view()?, acc_view(acc, n, n)?),
        DType::F32 => gram_upper::<f32>(p.view()?, acc_view(acc, n, n)?),
        _ => matmul_accumulate_views(pt, p, acc),
    }
}

/// Copies the upper triangle of the square matrix `acc` onto its strict lower one.
pub fn mirror_upper_triangle(acc: &mut Chunk) -> Result<()> {
    let n = match *acc.shape() {
        [r, c] if r == c => r as usize,
        ref other => {
            return Err(Error::shape(
                "matmul",
                format!("a Gram matrix is square, got shape {other:?}"),
            ));
        }
    };
    // Elements move as plain words of their size; chunk storage is 8-byte aligned.
    match acc.dtype().size() {
        1 => mirror_upper::<u8>(&mut acc_view(acc, n, n)?),
        2 => mirror_upper::<u16>(&mut acc_view(acc, n, n)?),
        4 => mirror_upper::<u32>(&mut acc_view(acc, n, n)?),
        _ => mirror_upper::<u64>(&mut acc_view(acc, n, n)?),
    }
    Ok(())
}

/// The accumulator as a mutable (m×n) view.
fn acc_view<T: Pod>(acc: &mut Chunk, m: usize, n: usize) -> Result<ArrayViewMut2<'_, T>> {
    let data: &mut [T] = view_mut(acc.bytes_mut(), "matmul")?;
    ArrayViewMut2::from_shape((m, n), data).map_err(shape_error)
}

/// `acc += a @ b` for row-major operands of the dtypes without a packed kernel.
fn contiguous_accumulate(
    a: &Chunk,
    b: &Chunk,
    acc: &mut Chunk,
    (m, k, n): (usize, usize, usize),
) -> Result<()> {
    let w = "matmul";
    macro_rules! wrapping {
        ($t:ty) => {
            int_mm::<$t>(a, b, acc, m, k, n, |s, x, y| {
                s.wrapping_add(x.wrapping_mul(y))
            })
        };
    }
    match acc.dtype() {
        DType::F64 | DType::F32 => matmul_accumulate(a, b, acc),
        DType::F16 => {
            let widen = |x: &[f16]| x.iter().map(|v| v.to_f32()).collect::<Vec<f32>>();
            let (a32, b32) = (widen(view(a.bytes(), w)?), widen(view(b.bytes(), w)?));
            let acc16: &mut [f16] = view_mut(acc.bytes_mut(), w)?;
            let mut acc32 = widen(acc16);
            gemm::<f32>(
                ArrayView2::from_shape((m, k), &a32[..]).map_err(shape_error)?,
                ArrayView2::from_shape((k, n), &b32[..]).map_err(shape_error)?,
                ArrayViewMut2::from_shape((m, n), &mut acc32[..]).map_err(shape_error)?,
            )?;
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
        DType::I8 => wrapping!(i8),
        DType::I16 => wrapping!(i16),
        DType::I32 => wrapping!(i32),
        DType::I64 => wrapping!(i64),
        DType::U8 => wrapping!(u8),
        DType::U16 => wrapping!(u16),
        DType::U32 => wrapping!(u32),
        DType::U64 => wrapping!(u64),
    }
}

fn check_shapes(a: MatrixRef, b: MatrixRef, acc: &Chunk) -> Result<(usize, usize, usize)> {
    let dtype = acc.dtype();
    if a.values.dtype() != dtype || b.values.dtype() != dtype {
        return Err(Error::Invalid(format!(
            "matmul: operands are {} and {} with a {} accumulator; cast all three to one dtype first",
            a.values.dtype(),
            b.values.dtype(),
            dtype
        )));
    }
    let describe = |m: MatrixRef| {
        let suffix = if m.transposed { ".T" } else { "" };
        format!("{:?}{suffix}", m.values.shape())
    };
    let mismatch = || {
        Error::shape(
            "matmul",
            format!(
                "cannot accumulate {} @ {} into {:?}: need (m, k) @ (k, n) into (m, n)",
                describe(a),
                describe(b),
                acc.shape()
            ),
        )
    };
    match (a.dims(), b.dims(), acc.shape()) {
        (Some((m, k)), Some((k2, n)), &[m2, n2]) if k == k2 && m as u64 == m2 && n as u64 == n2 => {
            Ok((m, k, n))
        }
        _ => Err(mismatch()),
    }
}

/// `c += a @ b`, split into column (or row) stripes across threads when large.
fn gemm<T: ndarray::LinalgScalar + Send + Sync>(
    a: ArrayView2<T>,
    b: ArrayView2<T>,
    mut c: ArrayViewMut2<T>,
) -> Result<()> {
    let (m, k) = a.dim();
    let n = b.dim().1;
    let one = T::one();
    blas::single_threaded();
    if m.saturating_mul(k).saturating_mul(n) < PARALLEL_MIN_MULTIPLY_ADDS {
        general_mat_mul(one, &a, &b, one, &mut c);
    } else if n >= m {
        let stripes: Vec<_> = c
            .axis_chunks_iter_mut(Axis(1), STRIPE)
            .zip(b.axis_chunks_iter(Axis(1), STRIPE))
            .collect();
        stripes
            .into_par_iter()
            .for_each(|(mut c, b)| general_mat_mul(one, &a, &b, one, &mut c));
    } else {
        let stripes: Vec<_> = c
            .axis_chunks_iter_mut(Axis(0), STRIPE)
            .zip(a.axis_chunks_iter(Axis(0), STRIPE))
            .collect();
        stripes
            .into_par_iter()
            .for_each(|(mut c, a)| general_mat_mul(one, &a, &b, one, &mut c));
    }
    Ok(())
}

/// `out += p.T @ p` on the upper triangle, in square tiles of side [`STRIPE`] (those on
/// or above the diagonal; the diagonal ones by BLAS's `syrk` where there is one, whole
/// otherwise). Equal tiles keep the threads evenly
/// loaded, which stripes of a triangle would not.
fn gram_upper<T: ndarray::LinalgScalar + SyrkScalar + Send + Sync>(
    p: ArrayView2<T>,
    mut out: ArrayViewMut2<T>,
) -> Result<()> {
    let (k, n) = p.dim();
    blas::single_threaded();
    let tile = |(i, j, mut c): (usize, usize, ArrayViewMut2<T>)| {
        let columns = |t: usize, len: usize| p.slice(s![.., t * STRIPE..t * STRIPE + len]);
        if i == j && blas::syrk_upper(columns(i, c.nrows()), c.view_mut()) {
            return;
        }
        let a = columns(i, c.nrows()).reversed_axes();
        let b = columns(j, c.ncols());
        general_mat_mul(T::one(), &a, &b, T::one(), &mut c);
    };
    let tiles: Vec<_> = out
        .axis_chunks_iter_mut(Axis(0), STRIPE)
        .enumerate()
        .flat_map(|(i, rows)| {
            rows.into_axis_chunks_iter_mut(Axis(1), STRIPE)
                .enumerate()
                .filter(move |(j, _)| *j >= i)
                .map(move |(j, c)| (i, j, c))
        })
        .collect();
    if k.saturating_mul(n).saturating_mul(n) / 2 < PARALLEL_MIN_MULTIPLY_ADDS {
        tiles.into_iter().for_each(tile);
    } else {
        tiles.into_par_iter().with_max_len(1).for_each(tile);
    }
    Ok(())
}

/// Copies the upper triangle onto the strict lower one, in square tiles so the rows read
/// and the rows written both stay in cache.
fn mirror_upper<T: Copy>(out: &mut ArrayViewMut2<T>) {
    const TILE: usize = 64;
    let n = out.nrows();
    for i0 in (0..n).step_by(TILE) {
        for j0 in (0..=i0).step_by(TILE) {
            for i in i0..(i0 + TILE).min(n) {
                for j in j0..(j0 + TILE).min(i) {
                    out[[i, j]] = out[[j, i]];
                }
            }
        }
    }
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
