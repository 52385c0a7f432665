//! Casts between dtypes (numpy's `astype`) and `where` selection over byte blocks.

use super::{Operand, length_error, map_with, view, view_mut};
use crate::dtype::DType;
use crate::error::{Error, Result};
use bytemuck::Pod;
use half::f16;

/// Conversion of one element to another numeric type with numpy's `astype` rules (see
/// the module docs for float → int saturation).
trait CastTo<D> {
    fn cast_to(self) -> D;
}

macro_rules! cast_as {
    ($($s:ty),*) => { $( cast_as!(@one $s; i8, i16, i32, i64, u8, u16, u32, u64, f32, f64); )* };
    (@one $s:ty; $($d:ty),*) => {
        $( impl CastTo<$d> for $s { #[inline(always)] fn cast_to(self) -> $d { self as $d } } )*
        impl CastTo<f16> for $s { #[inline(always)] fn cast_to(self) -> f16 { f16::from_f64(self as f64) } }
    };
}
cast_as!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

macro_rules! cast_from_f16 {
    ($($d:ty),*) => {
        $( impl CastTo<$d> for f16 { #[inline(always)] fn cast_to(self) -> $d { self.to_f32() as $d } } )*
    };
}
cast_from_f16!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
impl CastTo<f16> for f16 {
    #[inline(always)]
    fn cast_to(self) -> f16 {
        self
    }
}

/// A source element type castable to every dtype.
trait CastAll:
    Pod
    + PartialEq
    + Default
    + CastTo<i8>
    + CastTo<i16>
    + CastTo<i32>
    + CastTo<i64>
    + CastTo<u8>
    + CastTo<u16>
    + CastTo<u32>
    + CastTo<u64>
    + CastTo<f16>
    + CastTo<f32>
    + CastTo<f64>
{
}
impl<T> CastAll for T where
    T: Pod
        + PartialEq
        + Default
        + CastTo<i8>
        + CastTo<i16>
        + CastTo<i32>
        + CastTo<i64>
        + CastTo<u8>
        + CastTo<u16>
        + CastTo<u32>
        + CastTo<u64>
        + CastTo<f16>
        + CastTo<f32>
        + CastTo<f64>
{
}

/// Converts `a` to dtype `to` into `out` (numpy `astype`): ints wrap, floats truncate
/// toward zero and saturate when converted to ints (NaN → 0), anything → bool is
/// `!= 0` (NaN → true), bool → numbers is 0/1, f16 converts through half. A length-1
/// `a` fills the whole of `out`.
///
/// A ragged, misaligned or mis-sized buffer cannot be converted: `out` is then zeroed
/// (the function never panics); use [`try_cast`] to get the error instead.
pub fn cast(a: Operand, out: &mut [u8], to: DType) {
    if try_cast(a, out, to).is_err() {
        out.fill(0);
    }
}

/// [`cast`], reporting malformed buffers as errors.
pub fn try_cast(a: Operand, out: &mut [u8], to: DType) -> Result<()> {
    if a.dtype == to && a.bytes.len() == out.len() {
        out.copy_from_slice(a.bytes);
        return Ok(());
    }
    dispatch!(a.dtype,
        T => cast_from::<T>(view(a.bytes, "cast")?, out, to),
        bool => cast_from::<u8>(a.bytes, out, to))
}

fn cast_from<S: CastAll>(a: &[S], out: &mut [u8], to: DType) -> Result<()> {
    let w = "cast";
    match to {
        DType::Bool => {
            let z = S::default();
            map_with(w, a, out, |x| u8::from(x != z))
        }
        _ => dispatch!(to,
            D => map_with(w, a, view_mut::<D>(out, w)?, <S as CastTo<D>>::cast_to),
            bool => Ok(())),
    }
}

/// `out[i] = if cond[i] { a[i] } else { b[i] }` (numpy `where`). `cond` is bool; `a`
/// and `b` are already in the output dtype; any of the three may be length 1.
///
/// Mismatched dtypes or lengths cannot be selected: `out` is then zeroed (the function
/// never panics); use [`try_where_select`] to get the error instead.
pub fn where_select(cond: Operand, a: Operand, b: Operand, out: &mut [u8]) {
    if try_where_select(cond, a, b, out).is_err() {
        out.fill(0);
    }
}

/// [`where_select`], reporting malformed operands as errors.
pub fn try_where_select(cond: Operand, a: Operand, b: Operand, out: &mut [u8]) -> Result<()> {
    let w = "where";
    if cond.dtype != DType::Bool || a.dtype != b.dtype {
        return Err(Error::Invalid(format!(
            "{w}: condition must be bool ({} given) and both branches one dtype ({} and {} given)",
            cond.dtype, a.dtype, b.dtype
        )));
    }
    match a.dtype.size() {
        1 => select::<u8>(cond.bytes, a.bytes, b.bytes, out),
        2 => select::<u16>(cond.bytes, a.bytes, b.bytes, out),
        4 => select::<u32>(cond.bytes, a.bytes, b.bytes, out),
        _ => select::<u64>(cond.bytes, a.bytes, b.bytes, out),
    }
}

fn select<T: Pod>(cond: &[u8], a: &[u8], b: &[u8], out: &mut [u8]) -> Result<()> {
    let w = "where";
    let (a, b, out) = (view::<T>(a, w)?, view::<T>(b, w)?, view_mut::<T>(out, w)?);
    let n = out.len();
    if let [c] = cond {
        let src = if *c != 0 { a } else { b };
        return map_with(w, src, out, |x| x);
    }
    if cond.len() != n {
        return Err(length_error(w, cond.len(), a.len().max(b.len()), n));
    }
    let pick = |c: u8, x: T, y: T| if c != 0 { x } else { y };
    match (a, b) {
        _ if a.len() == n && b.len() == n => {
            for (((o, &c), &x), &y) in out.iter_mut().zip(cond).zip(a).zip(b) {
                *o = pick(c, x, y);
            }
        }
        ([x], _) if b.len() == n => {
            for ((o, &c), &y) in out.iter_mut().zip(cond).zip(b) {
                *o = pick(c, *x, y);
            }
        }
        (_, [y]) if a.len() == n => {
            for ((o, &c), &x) in out.iter_mut().zip(cond).zip(a) {
                *o = pick(c, x, *y);
            }
        }
        ([x], [y]) => {
            for (o, &c) in out.iter_mut().zip(cond) {
                *o = pick(c, *x, *y);
            }
        }
        _ => return Err(length_error(w, a.len(), b.len(), n)),
    }
    Ok(())
}
