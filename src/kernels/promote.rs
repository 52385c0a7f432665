//! numpy 2 type promotion for tessera's twelve dtypes: `np.result_type` between two
//! arrays, and NEP 50 "weak" Python scalars (a literal adapts to the array's dtype).
//!
//! Deliberate gap: numpy 2 raises `OverflowError` when an integer literal does not fit
//! the array's integer dtype (`np.int8 array + 1000`); type resolution here does not
//! see values, so callers that want that check must do it themselves.

use crate::dtype::DType;

/// A Python literal appearing in an expression.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// use tessera::Scalar;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![1u8, 2].view(), &[2])?;
/// // A Python-like literal is weak (NEP 50): uint8 stays uint8.
/// let b = a.binary(BinaryOp::Add, Scalar::Int(3))?;
/// assert_eq!(b.dtype(), DType::U8);
/// assert_eq!(b.compute_vec::<u8>(&ctx)?, vec![4, 5]);
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
}

/// The three kinds numpy promotes between, in promotion order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Bool,
    Int,
    Float,
}

fn kind(d: DType) -> Kind {
    if d == DType::Bool {
        Kind::Bool
    } else if d.is_float() {
        Kind::Float
    } else {
        Kind::Int
    }
}

fn signed_of_size(size: usize) -> DType {
    match size {
        1 => DType::I8,
        2 => DType::I16,
        4 => DType::I32,
        _ => DType::I64,
    }
}

fn float_of_size(size: usize) -> DType {
    match size {
        1 | 2 => DType::F16,
        4 => DType::F32,
        _ => DType::F64,
    }
}

/// The smallest float that holds every value of integer dtype `d` as numpy sees it
/// (8/16-bit ints → f16/f32, 32/64-bit ints → f64).
fn float_for_int(d: DType) -> DType {
    match d.size() {
        1 => DType::F16,
        2 => DType::F32,
        _ => DType::F64,
    }
}

fn promote_ints(a: DType, b: DType) -> DType {
    let (sa, sb) = (a.is_signed_int(), b.is_signed_int());
    if sa == sb {
        return if a.size() >= b.size() { a } else { b };
    }
    let (s, u) = if sa { (a, b) } else { (b, a) };
    if u.size() < s.size() {
        s
    } else if u.size() < 8 {
        signed_of_size(u.size() * 2)
    } else {
        DType::F64
    }
}

/// numpy's `np.result_type(a, b)` for two arrays of these dtypes.
pub fn result_type(a: DType, b: DType) -> DType {
    if a == b {
        return a;
    }
    match (kind(a), kind(b)) {
        (Kind::Bool, _) => b,
        (_, Kind::Bool) => a,
        (Kind::Int, Kind::Int) => promote_ints(a, b),
        (Kind::Float, Kind::Float) => float_of_size(a.size().max(b.size())),
        (Kind::Int, Kind::Float) => float_of_size(float_for_int(a).size().max(b.size())),
        (Kind::Float, Kind::Int) => float_of_size(float_for_int(b).size().max(a.size())),
    }
}

/// The dtype a literal takes on its own (`np.asarray(literal).dtype`).
pub fn scalar_default_dtype(s: Scalar) -> DType {
    match s {
        Scalar::Bool(_) => DType::Bool,
        Scalar::Int(_) => DType::I64,
        Scalar::Float(_) => DType::F64,
    }
}

/// The result dtype of `array (op) literal` under NEP 50: the literal is "weak" and takes
/// the array's dtype unless its kind is higher (an int literal with a bool array gives
/// int64, a float literal with a bool/int array gives float64).
pub fn result_type_with_scalar(array: DType, scalar: Scalar) -> DType {
    let sk = match scalar {
        Scalar::Bool(_) => Kind::Bool,
        Scalar::Int(_) => Kind::Int,
        Scalar::Float(_) => Kind::Float,
    };
    if sk <= kind(array) {
        array
    } else {
        scalar_default_dtype(scalar)
    }
}

#[cfg(test)]
mod tests;
