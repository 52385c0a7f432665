//! Float-only math: the unary functions numpy computes in floats (`sqrt`, `tan`,
//! `log1p`, `rint`, `deg2rad`, ...) and the binary ones (`arctan2`, `hypot`,
//! `copysign`, `nextafter`, `heaviside`, `float_power`). Each runs on f16, f32 or f64;
//! float16 computes in f32 and rounds each result, as numpy's float16 loops do (except
//! `copysign` and `nextafter`, which work on the bits, as numpy's do).
//!
//! f32 and f64 call the platform's libm through Rust's std (as numpy calls its C
//! library), so transcendental results can differ from numpy's in the last place where
//! numpy uses its own SIMD implementations; edge values (±0, ±inf, NaN) are exact.

use super::{BinaryOp, Operand, UnaryOp, map_with, view, view_mut, zip_with};
use crate::dtype::DType;
use crate::error::{Error, Result};
use half::f16;

/// `out = op(a)` for a float math function; `a` is f16, f32 or f64 and `out` the same.
pub(super) fn unary(op: UnaryOp, a: Operand, out: &mut [u8]) -> Result<()> {
    let w = op.name();
    match a.dtype {
        DType::F16 => {
            let f = unary_f32(op)?;
            map_with(w, view::<f16>(a.bytes, w)?, view_mut(out, w)?, |x| {
                f16::from_f32(f(x.to_f32()))
            })
        }
        DType::F32 => map_with(
            w,
            view::<f32>(a.bytes, w)?,
            view_mut(out, w)?,
            unary_f32(op)?,
        ),
        DType::F64 => map_with(
            w,
            view::<f64>(a.bytes, w)?,
            view_mut(out, w)?,
            unary_f64(op)?,
        ),
        d => Err(Error::Invalid(format!(
            "{w}: needs a float operand, not {d}"
        ))),
    }
}

macro_rules! unary_fn {
    ($fname:ident, $t:ident) => {
        /// The function computing `op` on one element.
        fn $fname(op: UnaryOp) -> Result<fn($t) -> $t> {
            use std::$t::consts::PI;
            Ok(match op {
                UnaryOp::Sqrt => $t::sqrt,
                UnaryOp::Exp => $t::exp,
                UnaryOp::Log => $t::ln,
                UnaryOp::Sin => $t::sin,
                UnaryOp::Cos => $t::cos,
                UnaryOp::Tan => $t::tan,
                UnaryOp::Arcsin => $t::asin,
                UnaryOp::Arccos => $t::acos,
                UnaryOp::Arctan => $t::atan,
                UnaryOp::Sinh => $t::sinh,
                UnaryOp::Cosh => $t::cosh,
                UnaryOp::Tanh => $t::tanh,
                UnaryOp::Arcsinh => $t::asinh,
                UnaryOp::Arccosh => $t::acosh,
                UnaryOp::Arctanh => $t::atanh,
                UnaryOp::Log10 => $t::log10,
                UnaryOp::Log2 => $t::log2,
                UnaryOp::Log1p => $t::ln_1p,
                UnaryOp::Expm1 => $t::exp_m1,
                UnaryOp::Exp2 => $t::exp2,
                UnaryOp::Cbrt => $t::cbrt,
                UnaryOp::Rint => $t::round_ties_even,
                UnaryOp::Fabs => $t::abs,
                // numpy multiplies by the constant computed in the type (npy_deg2rad).
                UnaryOp::Deg2Rad => |x| x * (PI / 180.0),
                UnaryOp::Rad2Deg => |x| x * (180.0 / PI),
                _ => {
                    return Err(Error::Invalid(format!(
                        "{} is not a float math function",
                        op.name()
                    )));
                }
            })
        }
    };
}
unary_fn!(unary_f32, f32);
unary_fn!(unary_f64, f64);

/// `out = op(a, b)` for a float-only binary function; `a`, `b` and `out` are one float
/// dtype (f64 for `float_power`).
pub(super) fn binary(op: BinaryOp, a: Operand, b: Operand, out: &mut [u8]) -> Result<()> {
    let w = op.name();
    match a.dtype {
        DType::F16 => {
            let (x, y, o) = (
                view::<f16>(a.bytes, w)?,
                view::<f16>(b.bytes, w)?,
                view_mut::<f16>(out, w)?,
            );
            match op {
                BinaryOp::CopySign => zip_with(w, x, y, o, |x, y| {
                    f16::from_bits((x.to_bits() & 0x7fff) | (y.to_bits() & 0x8000))
                }),
                BinaryOp::NextAfter => zip_with(w, x, y, o, nextafter_f16),
                _ => {
                    let f = binary_f32(op)?;
                    zip_with(w, x, y, o, |x, y| f16::from_f32(f(x.to_f32(), y.to_f32())))
                }
            }
        }
        DType::F32 => zip_with(
            w,
            view::<f32>(a.bytes, w)?,
            view(b.bytes, w)?,
            view_mut(out, w)?,
            binary_f32(op)?,
        ),
        DType::F64 => zip_with(
            w,
            view::<f64>(a.bytes, w)?,
            view(b.bytes, w)?,
            view_mut(out, w)?,
            binary_f64(op)?,
        ),
        d => Err(Error::Invalid(format!(
            "{w}: needs float operands, not {d}"
        ))),
    }
}

macro_rules! binary_fn {
    ($fname:ident, $t:ident, $next:ident) => {
        /// The function computing `op` on one pair of elements.
        fn $fname(op: BinaryOp) -> Result<fn($t, $t) -> $t> {
            Ok(match op {
                BinaryOp::Arctan2 => $t::atan2,
                BinaryOp::Hypot => $t::hypot,
                BinaryOp::CopySign => $t::copysign,
                BinaryOp::NextAfter => $next,
                BinaryOp::FloatPower => $t::powf,
                BinaryOp::Heaviside => |x, h| {
                    if x.is_nan() {
                        x
                    } else if x == 0.0 {
                        h
                    } else if x < 0.0 {
                        0.0
                    } else {
                        1.0
                    }
                },
                _ => {
                    return Err(Error::Invalid(format!(
                        "{} is not a float math function",
                        op.name()
                    )));
                }
            })
        }
    };
}

/// C's `nextafter` on the bits of one float type.
macro_rules! nextafter {
    ($fname:ident, $t:ty, $from_bits:expr, $to_bits:expr, $zero:expr, $tiny:expr) => {
        /// The next representable value after `x` toward `y` (C's `nextafter`).
        fn $fname(x: $t, y: $t) -> $t {
            if x.is_nan() || y.is_nan() {
                return if x.is_nan() { x } else { y };
            }
            if x == y {
                return y;
            }
            let bits = $to_bits(x);
            if x == $zero {
                // The smallest subnormal, with y's sign (y is not zero: x == y otherwise).
                let tiny: $t = $from_bits($tiny);
                return if y < $zero { -tiny } else { tiny };
            }
            let away_from_zero = (y > x) == (x > $zero);
            $from_bits(if away_from_zero { bits + 1 } else { bits - 1 })
        }
    };
}
nextafter!(nextafter_f64, f64, f64::from_bits, f64::to_bits, 0.0, 1u64);
nextafter!(nextafter_f32, f32, f32::from_bits, f32::to_bits, 0.0, 1u32);
nextafter!(
    nextafter_c_f16,
    f16,
    f16::from_bits,
    f16::to_bits,
    f16::ZERO,
    1u16
);

/// numpy's `npy_half_nextafter`: C's `nextafter`, except that equal operands give `x`
/// (so `nextafter(-0.0, 0.0)` is -0.0 in float16).
fn nextafter_f16(x: f16, y: f16) -> f16 {
    if x == y { x } else { nextafter_c_f16(x, y) }
}

binary_fn!(binary_f32, f32, nextafter_f32);
binary_fn!(binary_f64, f64, nextafter_f64);
