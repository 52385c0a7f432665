//! Integer literals that do not fit the array's dtype (NEP 50).
//!
//! A Python integer next to an integer array takes the array's dtype, so it must fit it:
//! numpy 2 raises `OverflowError` for `uint8 + 300` instead of wrapping to 44. numpy
//! answers what is mathematically true for comparisons (`uint8 < 300` is true
//! everywhere) and for logic (300 is true), and `clip` ignores a bound beyond the
//! dtype's range on its side. [`checked_literal`] applies those rules before an
//! operation is built, so no literal is ever wrapped silently.

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::graph::Array;
use crate::kernels::elementwise::BinaryOp;
use crate::kernels::promote::Scalar;

use super::Operand;

/// What an out-of-range literal turns an operation into.
pub(crate) enum Checked {
    /// The operands are fine as they are (or were made fine: a logical literal became
    /// its truth value).
    Operands(Operand, Operand),
    /// The answer is the same everywhere: `array == array` (true) or `array != array`
    /// (false), which keeps it lazy, of the array's shape and chunks.
    Constant(Array),
}

/// The one-line refusal numpy gives as `OverflowError`.
pub(super) fn out_of_bounds(value: i128, dtype: DType) -> Error {
    Error::Invalid(format!(
        "Python integer {value} out of bounds for {} (numpy 2 raises OverflowError; cast the array to a wider dtype first)",
        dtype.name()
    ))
}

/// Checks an integer literal beside an integer array for `op` (numpy's rules above).
pub(super) fn checked_literal(op: BinaryOp, lhs: Operand, rhs: Operand) -> Result<Checked> {
    // Logic takes a literal by its truth, as Python does (`-1e-310` is true, though
    // float32 cannot hold it).
    if matches!(op, BinaryOp::And | BinaryOp::Or | BinaryOp::Xor) {
        let truth = |o: Operand| match o {
            Operand::Scalar(Scalar::Int(i)) => Operand::Scalar(Scalar::Bool(i != 0)),
            Operand::Scalar(Scalar::Float(f)) => Operand::Scalar(Scalar::Bool(f != 0.0)),
            other => other,
        };
        return Ok(Checked::Operands(truth(lhs), truth(rhs)));
    }
    let (array, value, literal_left) = match (&lhs, &rhs) {
        (Operand::Array(a), Operand::Scalar(Scalar::Int(i))) => (a, *i, false),
        (Operand::Scalar(Scalar::Int(i)), Operand::Array(a)) => (a, *i, true),
        _ => return Ok(Checked::Operands(lhs, rhs)),
    };
    Ok(
        match checked_int(op, array, i128::from(value), literal_left)? {
            Some(constant) => Checked::Constant(constant),
            None => Checked::Operands(lhs, rhs),
        },
    )
}

/// [`checked_literal`] for any integer, also one wider than 64 bits (the expression
/// language folds `2**64` exactly), for an operation other than logic (whose callers
/// take a literal by its truth): `None` when the literal fits and the operation proceeds
/// unchanged, the answer of a comparison that is the same everywhere, or numpy's
/// `OverflowError`.
pub(crate) fn checked_int(
    op: BinaryOp,
    array: &Array,
    value: i128,
    literal_left: bool,
) -> Result<Option<Array>> {
    let dtype = array.dtype();
    if computes_in_float(op, dtype) {
        // The loop is a float one (`u8 / 300`): numpy converts the literal to it.
        return Ok(None);
    }
    let Some((min, max)) = dtype.int_range().or(if dtype == DType::Bool {
        // NEP 50: an integer literal beside bools is int64.
        DType::I64.int_range()
    } else {
        None
    }) else {
        return Ok(None);
    };
    if (min..=max).contains(&value) {
        return Ok(None);
    }
    if dtype == DType::Bool {
        // numpy converts the literal to int64 first and fails, even to compare.
        return Err(out_of_bounds(value, DType::I64));
    }
    let above = value > max;
    // `array op literal`, with the literal on the right.
    let op = if literal_left { mirrored(op) } else { op };
    let constant = match op {
        BinaryOp::Lt | BinaryOp::Le => Some(above),
        BinaryOp::Gt | BinaryOp::Ge => Some(!above),
        BinaryOp::Eq => Some(false),
        BinaryOp::Ne => Some(true),
        _ => None,
    };
    if let Some(truth) = constant {
        let same = if truth { BinaryOp::Eq } else { BinaryOp::Ne };
        // Integers have no NaN: x == x is true and x != x false everywhere.
        return array.binary(same, array).map(Some);
    }
    Err(out_of_bounds(value, dtype))
}

/// True when `array op integer-literal` runs numpy's float loop for an array of
/// `dtype` (true division of integers, or any float array), where the literal is
/// converted to a float instead of to the array's dtype.
pub(crate) fn computes_in_float(op: BinaryOp, dtype: DType) -> bool {
    let weak = crate::kernels::promote::result_type_with_scalar(dtype, Scalar::Int(0));
    op.types(weak, weak)
        .map(|(compute, _)| compute.is_float())
        .unwrap_or(false)
}

/// The comparison with its operands swapped: `lit < x` is `x > lit`.
fn mirrored(op: BinaryOp) -> BinaryOp {
    match op {
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::Le => BinaryOp::Ge,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::Ge => BinaryOp::Le,
        other => other,
    }
}

/// A `clip` bound: `None` when the bound can be dropped (beyond the dtype's range on its
/// own side, as numpy ignores it), the bound itself when it fits, and numpy's
/// `OverflowError` when it lies beyond the other side.
/// `dtype` is the array's own dtype: numpy 2 checks a literal bound against it, even
/// where the other bound promotes the result to a float.
pub(crate) fn clip_bound(dtype: DType, bound: Operand, upper: bool) -> Result<Option<Operand>> {
    let Operand::Scalar(Scalar::Int(value)) = bound else {
        return Ok(Some(bound));
    };
    let Some((min, max)) = dtype.int_range() else {
        return Ok(Some(bound));
    };
    let value = i128::from(value);
    match (value < min, value > max) {
        (false, false) => Ok(Some(bound)),
        (true, _) if !upper => Ok(None),
        (_, true) if upper => Ok(None),
        _ => Err(out_of_bounds(value, dtype)),
    }
}

/// A `where` branch literal must fit the result dtype: numpy wraps it with only a
/// warning (`where(c, u8, 300)` holds 44), which tessera refuses.
pub(super) fn where_branch(dtype: DType, branch: &Operand) -> Result<()> {
    if let (Operand::Scalar(Scalar::Int(value)), Some((min, max))) = (branch, dtype.int_range()) {
        let value = i128::from(*value);
        if !(min..=max).contains(&value) {
            return Err(Error::Invalid(format!(
                "where: the value {value} does not fit the result dtype {} (numpy wraps it with a warning; cast the array to a wider dtype first)",
                dtype.name()
            )));
        }
    }
    Ok(())
}

/// The dtype of `clip(array, lo, hi)`: the array's, promoted with each bound that is
/// given (a literal as a weak scalar).
pub(crate) fn clip_dtype(array: DType, bounds: [Option<&Operand>; 2]) -> DType {
    let bounds: Vec<&Operand> = bounds.into_iter().flatten().collect();
    // Arrays promote first; literals are weak and adapt to that (NEP 50).
    let arrays = bounds.iter().fold(array, |dtype, bound| match bound {
        Operand::Array(b) => crate::kernels::promote::result_type(dtype, b.dtype()),
        Operand::Scalar(_) => dtype,
    });
    bounds.iter().fold(arrays, |dtype, bound| match bound {
        Operand::Array(_) => dtype,
        Operand::Scalar(s) => crate::kernels::promote::result_type_with_scalar(dtype, *s),
    })
}
