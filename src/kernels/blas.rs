//! The system BLAS (OpenBLAS) under the matrix kernels, when the `blas` feature is on.
//!
//! ndarray's own `blas` feature sends `general_mat_mul` on f32/f64 to `cblas_?gemm`; this
//! module adds what ndarray does not: the symmetric rank-k update (`cblas_?syrk`) for
//! the diagonal tiles of a Gram matrix, and pinning OpenBLAS to one thread. The engine
//! splits a product into tiles fixed by shape and runs them on its own threads, so a
//! BLAS that threaded inside a tile would oversubscribe the cores and could change the
//! summation order with the thread count. A single-threaded BLAS call is deterministic,
//! so results stay bit-identical whatever `--threads` says.
//!
//! Without the feature, [`single_threaded`] does nothing and [`syrk_upper`] declines,
//! so the caller falls back to the packed Rust kernel (matrixmultiply).

use ndarray::{ArrayView2, ArrayViewMut2};

/// Makes sure OpenBLAS runs every call on the calling thread. Cheap after the first call.
pub fn single_threaded() {
    #[cfg(feature = "blas")]
    {
        static PINNED: std::sync::Once = std::sync::Once::new();
        // SAFETY: openblas_set_num_threads only stores the count; called once, before
        // any BLAS call of ours.
        PINNED.call_once(|| unsafe { openblas_set_num_threads(1) });
    }
}

#[cfg(feature = "blas")]
unsafe extern "C" {
    /// OpenBLAS's own entry point (not part of CBLAS): the threads each call may use.
    fn openblas_set_num_threads(count: std::os::raw::c_int);
}

/// The floats BLAS has a rank-k update for.
pub trait SyrkScalar: Copy + 'static {
    /// `c = alpha * op(a) op(a)ᵀ + beta * c` on the upper triangle of row-major `c`.
    ///
    /// # Safety
    /// The pointers and leading dimensions must describe matrices of the given sizes.
    #[cfg(feature = "blas")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn syrk(
        trans: cblas_sys::CBLAS_TRANSPOSE,
        n: i32,
        k: i32,
        a: *const Self,
        lda: i32,
        c: *mut Self,
        ldc: i32,
    );
}

/// `SyrkScalar` for a float and its CBLAS routine.
macro_rules! syrk_scalar {
    ($float:ty, $routine:ident) => {
        impl SyrkScalar for $float {
            #[cfg(feature = "blas")]
            unsafe fn syrk(
                trans: cblas_sys::CBLAS_TRANSPOSE,
                n: i32,
                k: i32,
                a: *const $float,
                lda: i32,
                c: *mut $float,
                ldc: i32,
            ) {
                use cblas_sys::{CBLAS_LAYOUT, CBLAS_UPLO};
                // SAFETY: forwarded from the caller's contract.
                unsafe {
                    cblas_sys::$routine(
                        CBLAS_LAYOUT::CblasRowMajor,
                        CBLAS_UPLO::CblasUpper,
                        trans,
                        n,
                        k,
                        1.0,
                        a,
                        lda,
                        1.0,
                        c,
                        ldc,
                    )
                }
            }
        }
    };
}

syrk_scalar!(f64, cblas_dsyrk);
syrk_scalar!(f32, cblas_ssyrk);

/// `c += pᵀ p` on the upper triangle of the square `c` (diagonal included), for `p`
/// of shape (k, n); the strict lower triangle of `c` is left as it was. Returns false,
/// touching nothing, when there is no BLAS or the layouts are not ones BLAS takes (the
/// caller then computes the product itself).
pub fn syrk_upper<T: SyrkScalar>(p: ArrayView2<T>, c: ArrayViewMut2<T>) -> bool {
    #[cfg(feature = "blas")]
    {
        blas_syrk_upper(p, c)
    }
    #[cfg(not(feature = "blas"))]
    {
        let _ = (p, c);
        false
    }
}

#[cfg(feature = "blas")]
fn blas_syrk_upper<T: SyrkScalar>(p: ArrayView2<T>, mut c: ArrayViewMut2<T>) -> bool {
    use cblas_sys::CBLAS_TRANSPOSE::{CblasNoTrans, CblasTrans};
    let (k, n) = p.dim();
    let fits = |x: usize| i32::try_from(x).ok().filter(|&v| v > 0);
    let positive = |s: isize| usize::try_from(s).ok();
    let [ps0, ps1] = [p.strides()[0], p.strides()[1]];
    let [cs0, cs1] = [c.strides()[0], c.strides()[1]];
    // c must be row-major with a leading dimension BLAS accepts.
    let (Some(n32), Some(k32), Some(ldc)) = (fits(n), fits(k), positive(cs0).and_then(fits)) else {
        return false;
    };
    if c.dim() != (n, n) || cs1 != 1 || (ldc as usize) < n {
        return false;
    }
    // p row-major (k×n): C = pᵀp is "trans". p column-major: it is row-major pᵀ (n×k),
    // and C = (pᵀ)(pᵀ)ᵀ is "no trans".
    let (trans, lda) = match (positive(ps0).and_then(fits), positive(ps1).and_then(fits)) {
        (Some(lda), Some(1)) if lda as usize >= n => (CblasTrans, lda),
        (Some(1), Some(lda)) if lda as usize >= k => (CblasNoTrans, lda),
        _ => return false,
    };
    single_threaded();
    // SAFETY: p is (k×n) with the strides checked above, c is (n×n) row-major with
    // leading dimension ldc ≥ n; both views are alive and c is borrowed mutably.
    unsafe { T::syrk(trans, n32, k32, p.as_ptr(), lda, c.as_mut_ptr(), ldc) };
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, s};

    #[test]
    fn syrk_fills_the_upper_triangle_only_or_declines() {
        let p = Array2::from_shape_fn((5, 3), |(i, j)| (i * 3 + j) as f64 - 4.0);
        let want = p.t().dot(&p);
        // Row-major p, and p given as the transpose of a row-major matrix.
        let p_t = p.t().as_standard_layout().into_owned();
        for view in [p.view(), p_t.t()] {
            let mut c = Array2::from_elem((3, 3), -1.0);
            let done = syrk_upper(view, c.view_mut());
            assert_eq!(done, cfg!(feature = "blas"), "BLAS takes plain layouts");
            if !done {
                continue;
            }
            for i in 0..3 {
                for j in 0..3 {
                    let expected = if j >= i { want[[i, j]] - 1.0 } else { -1.0 };
                    assert_eq!(c[[i, j]], expected, "({i}, {j})");
                }
            }
        }
        // Every other column: no unit stride, so BLAS cannot take it.
        let wide = Array2::<f64>::zeros((5, 6));
        let mut c = Array2::from_elem((3, 3), -1.0);
        assert!(!syrk_upper(wide.slice(s![.., ..;2]), c.view_mut()));
        assert!(c.iter().all(|&x| x == -1.0));
    }
}
