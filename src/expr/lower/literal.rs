//! Arithmetic on literals alone, as Python does it: `7 // 2` is 3, `7 / 2` is 3.5,
//! `2**64` stays an exact integer, `7 // 0` is a `ZeroDivisionError` and `10**400` an
//! overflow. Python's integers are unbounded; tessera's hold 128 bits, and a result
//! beyond that is refused (numpy refuses such an integer beside any array anyway).

use crate::kernels::elementwise::BinaryOp;
use crate::kernels::promote::Scalar;

/// A literal number while folding: Python's `bool` counts as an `int`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Number {
    Int(i128),
    Float(f64),
}

/// The result of folding: a number, or a truth value for a comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Folded {
    Number(Number),
    Bool(bool),
}

impl From<Scalar> for Number {
    fn from(s: Scalar) -> Number {
        match s {
            Scalar::Bool(b) => Number::Int(i128::from(b)),
            Scalar::Int(i) => Number::Int(i128::from(i)),
            Scalar::Float(f) => Number::Float(f),
        }
    }
}

impl Number {
    pub(super) fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

const TOO_BIG: &str = "integer result beyond 128 bits (tessera's literals hold 128 bits; numpy cannot use such an integer with an array either)";

/// `x op y` for two literals, or Python's error message.
pub(super) fn fold(op: BinaryOp, x: Number, y: Number) -> Result<Folded, String> {
    if let Some(truth) = compare(op, x, y) {
        return Ok(Folded::Bool(truth));
    }
    match (x, y) {
        (Number::Int(a), Number::Int(b)) => fold_ints(op, a, b),
        _ => fold_floats(op, x.as_f64(), y.as_f64()),
    }
    .map(Folded::Number)
}

fn compare(op: BinaryOp, x: Number, y: Number) -> Option<bool> {
    let ordering = match (x, y) {
        (Number::Int(a), Number::Int(b)) => Some(a.cmp(&b)),
        _ => x.as_f64().partial_cmp(&y.as_f64()),
    };
    let is = |o: std::cmp::Ordering| ordering == Some(o);
    use std::cmp::Ordering::{Equal, Greater, Less};
    Some(match op {
        BinaryOp::Lt => is(Less),
        BinaryOp::Le => is(Less) || is(Equal),
        BinaryOp::Gt => is(Greater),
        BinaryOp::Ge => is(Greater) || is(Equal),
        BinaryOp::Eq => is(Equal),
        BinaryOp::Ne => !is(Equal),
        _ => return None,
    })
}

fn fold_ints(op: BinaryOp, a: i128, b: i128) -> Result<Number, String> {
    let zero_division = || "ZeroDivisionError: integer division or modulo by zero".to_string();
    let int = match op {
        BinaryOp::Add => a.checked_add(b),
        BinaryOp::Sub => a.checked_sub(b),
        BinaryOp::Mul => a.checked_mul(b),
        BinaryOp::FloorDiv | BinaryOp::Rem if b == 0 => return Err(zero_division()),
        BinaryOp::FloorDiv => floor_div(a, b),
        BinaryOp::Rem => a
            .checked_rem_euclid(b)
            .map(|r| if r != 0 && b < 0 { r + b } else { r }),
        BinaryOp::Div if b == 0 => return Err("ZeroDivisionError: division by zero".to_string()),
        BinaryOp::Div => return Ok(Number::Float(a as f64 / b as f64)),
        BinaryOp::Pow if b < 0 && a == 0 => {
            return Err("ZeroDivisionError: 0 cannot be raised to a negative power".to_string());
        }
        BinaryOp::Pow if b < 0 => return fold_floats(op, a as f64, b as f64),
        BinaryOp::Pow => int_pow(a, b),
        _ => return Err(unsupported(op)),
    };
    int.map(Number::Int).ok_or_else(|| TOO_BIG.to_string())
}

/// Python's `a // b` (rounding toward negative infinity), `None` on overflow.
fn floor_div(a: i128, b: i128) -> Option<i128> {
    let q = a.checked_div(b)?;
    let r = a.checked_rem(b)?;
    if r != 0 && ((r < 0) != (b < 0)) {
        q.checked_sub(1)
    } else {
        Some(q)
    }
}

/// `a ** b` for `b >= 0`, `None` beyond 128 bits.
fn int_pow(a: i128, b: i128) -> Option<i128> {
    match a {
        0 | 1 => Some(if b == 0 { 1 } else { a }),
        -1 => Some(if b % 2 == 0 { 1 } else { -1 }),
        _ => u32::try_from(b).ok().and_then(|e| a.checked_pow(e)),
    }
}

fn fold_floats(op: BinaryOp, a: f64, b: f64) -> Result<Number, String> {
    let value = match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div if b == 0.0 => {
            return Err("ZeroDivisionError: float division by zero".to_string());
        }
        BinaryOp::Div => a / b,
        BinaryOp::FloorDiv | BinaryOp::Rem if b == 0.0 => {
            return Err("ZeroDivisionError: float floor division or modulo by zero".to_string());
        }
        BinaryOp::FloorDiv => python_divmod(a, b).0,
        BinaryOp::Rem => python_divmod(a, b).1,
        BinaryOp::Pow => return float_pow(a, b),
        _ => return Err(unsupported(op)),
    };
    Ok(Number::Float(value))
}

/// Python's `float ** float`, which raises where C's `pow` would give inf or a complex
/// number's real part.
fn float_pow(a: f64, b: f64) -> Result<Number, String> {
    if a == 0.0 && b < 0.0 {
        return Err("ZeroDivisionError: zero to a negative power".to_string());
    }
    if a < 0.0 && a.is_finite() && b.is_finite() && b.fract() != 0.0 {
        return Err(
            "a negative number to a fractional power is complex, which tessera does not support"
                .to_string(),
        );
    }
    let value = a.powf(b);
    if value.is_infinite() && a.is_finite() && b.is_finite() {
        return Err("OverflowError: numerical result out of range".to_string());
    }
    Ok(Number::Float(value))
}

/// Python's `divmod` for floats (CPython's `float_divmod`): the remainder takes the
/// divisor's sign and the quotient is rounded so that `q * b + r == a` closely.
fn python_divmod(a: f64, b: f64) -> (f64, f64) {
    let mut rem = a % b;
    let mut div = (a - rem) / b;
    if rem != 0.0 {
        if (b < 0.0) != (rem < 0.0) {
            rem += b;
            div -= 1.0;
        }
    } else {
        rem = 0.0_f64.copysign(b);
    }
    let floordiv = if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 { f + 1.0 } else { f }
    } else {
        0.0_f64.copysign(a / b)
    };
    (floordiv, rem)
}

fn unsupported(op: BinaryOp) -> String {
    format!(
        "{} of two numbers is not supported; use an array",
        op.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: i128) -> Number {
        Number::Int(v)
    }

    #[test]
    fn integers_fold_exactly_as_python() {
        assert_eq!(
            fold(BinaryOp::Pow, int(2), int(64)),
            Ok(Folded::Number(int(1 << 64)))
        );
        assert_eq!(
            fold(BinaryOp::FloorDiv, int(-7), int(2)),
            Ok(Folded::Number(int(-4)))
        );
        assert_eq!(
            fold(BinaryOp::Rem, int(-7), int(2)),
            Ok(Folded::Number(int(1)))
        );
        assert_eq!(
            fold(BinaryOp::Rem, int(7), int(-2)),
            Ok(Folded::Number(int(-1)))
        );
        assert_eq!(
            fold(BinaryOp::Div, int(7), int(2)),
            Ok(Folded::Number(Number::Float(3.5)))
        );
        assert_eq!(
            fold(BinaryOp::Pow, int(2), int(-1)),
            Ok(Folded::Number(Number::Float(0.5)))
        );
        assert_eq!(fold(BinaryOp::Lt, int(1), int(2)), Ok(Folded::Bool(true)));
        assert_eq!(
            fold(BinaryOp::Pow, int(-1), int(1 << 80)),
            Ok(Folded::Number(int(1)))
        );
    }

    #[test]
    fn python_errors_are_errors() {
        for (op, a, b) in [
            (BinaryOp::FloorDiv, 7, 0),
            (BinaryOp::Rem, 7, 0),
            (BinaryOp::Div, 7, 0),
            (BinaryOp::Pow, 0, -1),
            (BinaryOp::Pow, 10, 400),
        ] {
            assert!(fold(op, int(a), int(b)).is_err(), "{op:?} {a} {b}");
        }
        let float = Number::Float;
        assert!(fold(BinaryOp::Pow, float(10.0), float(400.0)).is_err());
        assert!(fold(BinaryOp::Pow, float(-8.0), float(1.0 / 3.0)).is_err());
        assert!(fold(BinaryOp::Div, float(1.0), float(0.0)).is_err());
        assert_eq!(
            fold(BinaryOp::Mul, float(1e308), float(10.0)),
            Ok(Folded::Number(float(f64::INFINITY)))
        );
    }

    #[test]
    fn float_floor_division_and_remainder_follow_python() {
        // Values checked with CPython: divmod(-7.5, 2) == (-4.0, 0.5),
        // divmod(7.5, -2) == (-4.0, -0.5), divmod(1e-320, -1) == (-1.0, -1.0 + 1e-320).
        assert_eq!(python_divmod(-7.5, 2.0), (-4.0, 0.5));
        assert_eq!(python_divmod(7.5, -2.0), (-4.0, -0.5));
        assert_eq!(python_divmod(0.0, -2.0).1.to_bits(), (-0.0f64).to_bits());
    }
}
