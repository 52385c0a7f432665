//! The table of functions: one [`Function`] per name the expression language accepts.
//!
//! Each entry gives the signature as users write it (numpy's argument names; only the
//! arguments tessera accepts; those after `*` are keyword-only), a one-line summary, an
//! example over the inputs `a` (float64, 3 x 4) and `v` (float64, 4 long), the docs
//! category and the lowering step. Order within a category is the order of the docs.

use super::Category::{
    Chunking, Creation, Elementwise, Linalg, Random, Reduction, Scan, Shape, Stencil,
};
use super::Lower::*;
use super::{Function, RandomKind};
use crate::kernels::elementwise::{BinaryOp, UnaryOp};
use crate::kernels::reduce::ReduceOp;

/// An entry, written in the table's column order.
const fn f(
    category: super::Category,
    lower: super::Lower,
    signature: &'static str,
    summary: &'static str,
    example: &'static str,
) -> Function {
    Function {
        signature,
        summary,
        example,
        category,
        lower,
    }
}

/// Every function of the expression language.
#[rustfmt::skip]
pub static FUNCTIONS: &[Function] = &[
    // ----- reductions ---------------------------------------------------------------
    f(Reduction, Reduce(ReduceOp::Sum), "sum(a, axis=None, *, keepdims=False)", "Sum (pairwise/compensated for floats).", "sum(a, axis=0)"),
    f(Reduction, Reduce(ReduceOp::Prod), "prod(a, axis=None, *, keepdims=False)", "Product.", "prod(a, axis=1)"),
    f(Reduction, Reduce(ReduceOp::Min), "min(a, axis=None, *, keepdims=False)", "Smallest element.", "min(a)"),
    f(Reduction, Reduce(ReduceOp::Max), "max(a, axis=None, *, keepdims=False)", "Largest element.", "a.max(axis=0)"),
    f(Reduction, Reduce(ReduceOp::Mean), "mean(a, axis=None, *, keepdims=False)", "Arithmetic mean.", "mean(a, axis=(0, 1), keepdims=True)"),
    f(Reduction, Reduce(ReduceOp::Var { ddof: 0 }), "var(a, axis=None, *, keepdims=False, ddof=0)", "Variance, dividing by N - ddof.", "var(a, axis=0, ddof=1)"),
    f(Reduction, Reduce(ReduceOp::Std { ddof: 0 }), "std(a, axis=None, *, keepdims=False, ddof=0)", "Standard deviation, dividing by N - ddof.", "std(a)"),
    f(Reduction, Reduce(ReduceOp::Count), "count(a, axis=None, *, keepdims=False)", "Number of non-NaN elements (xarray's `count`).", "count(a, axis=1)"),
    f(Reduction, Reduce(ReduceOp::Any), "any(a, axis=None, *, keepdims=False)", "True if any element is true (non-zero).", "any(a > 0, axis=0)"),
    f(Reduction, Reduce(ReduceOp::All), "all(a, axis=None, *, keepdims=False)", "True if every element is true (non-zero).", "all(a > -100)"),
    f(Reduction, Reduce(ReduceOp::ArgMin), "argmin(a, axis=None, *, keepdims=False)", "Index of the smallest element (in the flattened array when axis is None).", "argmin(a, axis=0)"),
    f(Reduction, Reduce(ReduceOp::ArgMax), "argmax(a, axis=None, *, keepdims=False)", "Index of the largest element (in the flattened array when axis is None).", "argmax(a)"),
    f(Reduction, Reduce(ReduceOp::NanSum), "nansum(a, axis=None, *, keepdims=False)", "Sum, skipping NaNs.", "nansum(a, axis=0)"),
    f(Reduction, Reduce(ReduceOp::NanMean), "nanmean(a, axis=None, *, keepdims=False)", "Mean, skipping NaNs.", "nanmean(a)"),
    f(Reduction, Reduce(ReduceOp::NanMin), "nanmin(a, axis=None, *, keepdims=False)", "Smallest element, skipping NaNs.", "nanmin(a, axis=1)"),
    f(Reduction, Reduce(ReduceOp::NanMax), "nanmax(a, axis=None, *, keepdims=False)", "Largest element, skipping NaNs.", "nanmax(a)"),
    // ----- element-wise -------------------------------------------------------------
    f(Elementwise, Unary(UnaryOp::Abs), "abs(x)", "Absolute value.", "abs(a)"),
    f(Elementwise, Unary(UnaryOp::Abs), "absolute(x)", "Same as `abs`.", "absolute(a)"),
    f(Elementwise, Unary(UnaryOp::Sqrt), "sqrt(x)", "Square root.", "sqrt(abs(a))"),
    f(Elementwise, Unary(UnaryOp::Exp), "exp(x)", "e to the power x.", "exp(a)"),
    f(Elementwise, Unary(UnaryOp::Log), "log(x)", "Natural logarithm.", "log(abs(a) + 1)"),
    f(Elementwise, Unary(UnaryOp::Sin), "sin(x)", "Sine (radians).", "sin(a * pi)"),
    f(Elementwise, Unary(UnaryOp::Cos), "cos(x)", "Cosine (radians).", "cos(a)"),
    f(Elementwise, Unary(UnaryOp::IsNan), "isnan(x)", "True where x is NaN.", "isnan(a)"),
    f(Elementwise, Unary(UnaryOp::Neg), "negative(x)", "Same as `-x`.", "negative(a)"),
    f(Elementwise, Unary(UnaryOp::Not), "logical_not(x)", "Same as `~x` and `not x`: true where x is false or zero.", "logical_not(a > 0)"),
    f(Elementwise, Unary(UnaryOp::Tan), "tan(x)", "Tangent (radians).", "tan(a)"),
    f(Elementwise, Unary(UnaryOp::Arcsin), "arcsin(x)", "Inverse sine, in radians; NaN outside [-1, 1].", "arcsin(a / 10)"),
    f(Elementwise, Unary(UnaryOp::Arccos), "arccos(x)", "Inverse cosine, in radians; NaN outside [-1, 1].", "arccos(a / 10)"),
    f(Elementwise, Unary(UnaryOp::Arctan), "arctan(x)", "Inverse tangent, in radians.", "arctan(a)"),
    f(Elementwise, Binary(BinaryOp::Arctan2), "arctan2(x1, x2)", "The angle of the point (x2, x1) in radians: arctan(x1 / x2) in the right quadrant.", "arctan2(a, v)"),
    f(Elementwise, Binary(BinaryOp::Hypot), "hypot(x1, x2)", "The hypotenuse sqrt(x1**2 + x2**2), without undue overflow.", "hypot(a, 3)"),
    f(Elementwise, Unary(UnaryOp::Sinh), "sinh(x)", "Hyperbolic sine.", "sinh(a)"),
    f(Elementwise, Unary(UnaryOp::Cosh), "cosh(x)", "Hyperbolic cosine.", "cosh(a)"),
    f(Elementwise, Unary(UnaryOp::Tanh), "tanh(x)", "Hyperbolic tangent.", "tanh(a)"),
    f(Elementwise, Unary(UnaryOp::Arcsinh), "arcsinh(x)", "Inverse hyperbolic sine.", "arcsinh(a)"),
    f(Elementwise, Unary(UnaryOp::Arccosh), "arccosh(x)", "Inverse hyperbolic cosine; NaN below 1.", "arccosh(abs(a) + 1)"),
    f(Elementwise, Unary(UnaryOp::Arctanh), "arctanh(x)", "Inverse hyperbolic tangent; NaN outside [-1, 1].", "arctanh(a / 10)"),
    f(Elementwise, Unary(UnaryOp::Deg2Rad), "deg2rad(x)", "Degrees to radians.", "deg2rad(a * 90)"),
    f(Elementwise, Unary(UnaryOp::Deg2Rad), "radians(x)", "Same as `deg2rad`.", "radians(a)"),
    f(Elementwise, Unary(UnaryOp::Rad2Deg), "rad2deg(x)", "Radians to degrees.", "rad2deg(a)"),
    f(Elementwise, Unary(UnaryOp::Rad2Deg), "degrees(x)", "Same as `rad2deg`.", "degrees(a * pi)"),
    f(Elementwise, Unary(UnaryOp::Exp2), "exp2(x)", "2 to the power x.", "exp2(a)"),
    f(Elementwise, Unary(UnaryOp::Expm1), "expm1(x)", "exp(x) - 1, accurate for small x.", "expm1(a / 1000)"),
    f(Elementwise, Unary(UnaryOp::Log10), "log10(x)", "Base-10 logarithm.", "log10(abs(a) + 1)"),
    f(Elementwise, Unary(UnaryOp::Log2), "log2(x)", "Base-2 logarithm.", "log2(abs(a) + 1)"),
    f(Elementwise, Unary(UnaryOp::Log1p), "log1p(x)", "log(1 + x), accurate for small x.", "log1p(abs(a))"),
    f(Elementwise, Unary(UnaryOp::Cbrt), "cbrt(x)", "Cube root (of negative numbers too).", "cbrt(a)"),
    f(Elementwise, Unary(UnaryOp::Square), "square(x)", "x * x in x's dtype (integers wrap; bool gives int8).", "square(a)"),
    f(Elementwise, Unary(UnaryOp::Reciprocal), "reciprocal(x)", "1 / x in x's dtype (for integers, 0 unless x is 1 or -1; bool gives int8).", "reciprocal(a + 10)"),
    f(Elementwise, Unary(UnaryOp::Sign), "sign(x)", "-1, 0 or 1 by the sign of x, in x's dtype (NaN stays NaN); refused for bool.", "sign(a)"),
    f(Elementwise, Unary(UnaryOp::Fabs), "fabs(x)", "Absolute value as a float (integers give floats).", "fabs(a)"),
    f(Elementwise, Round, "round(a, decimals=0)", "Rounded to decimals places, half to even (negative decimals: to tens, hundreds, ...); integers keep their dtype.", "round(a * 100, decimals=-1)"),
    f(Elementwise, Unary(UnaryOp::Rint), "rint(x)", "The nearest integer, half to even, as a float.", "rint(a * 10)"),
    f(Elementwise, Unary(UnaryOp::Floor), "floor(x)", "The largest integer <= x (integers keep their dtype and values).", "floor(a * 10)"),
    f(Elementwise, Unary(UnaryOp::Ceil), "ceil(x)", "The smallest integer >= x (integers keep their dtype and values).", "ceil(a * 10)"),
    f(Elementwise, Unary(UnaryOp::Trunc), "trunc(x)", "x rounded toward zero (integers keep their dtype and values).", "trunc(a * 10)"),
    f(Elementwise, Unary(UnaryOp::IsInf), "isinf(x)", "True where x is +inf or -inf.", "isinf(a / 0)"),
    f(Elementwise, Unary(UnaryOp::IsFinite), "isfinite(x)", "True where x is neither infinite nor NaN.", "isfinite(log(a))"),
    f(Elementwise, Unary(UnaryOp::SignBit), "signbit(x)", "True where the sign bit is set (negative numbers and -0.0).", "signbit(a)"),
    f(Elementwise, Binary(BinaryOp::CopySign), "copysign(x1, x2)", "The magnitude of x1 with the sign of x2.", "copysign(a, -1)"),
    f(Elementwise, Binary(BinaryOp::NextAfter), "nextafter(x1, x2)", "The next float after x1 toward x2.", "nextafter(a, 0)"),
    f(Elementwise, Binary(BinaryOp::Heaviside), "heaviside(x1, x2)", "Step function: 0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0.", "heaviside(a, 0.5)"),
    f(Elementwise, Unary(UnaryOp::Pos), "positive(x)", "Same as `+x`: x unchanged; refused for bool, as numpy does.", "positive(a)"),
    f(Elementwise, Binary(BinaryOp::Add), "add(x1, x2)", "Same as `x1 + x2`.", "add(a, v)"),
    f(Elementwise, Binary(BinaryOp::Sub), "subtract(x1, x2)", "Same as `x1 - x2`.", "subtract(a, 1)"),
    f(Elementwise, Binary(BinaryOp::Mul), "multiply(x1, x2)", "Same as `x1 * x2`.", "multiply(a, v)"),
    f(Elementwise, Binary(BinaryOp::Div), "divide(x1, x2)", "Same as `x1 / x2` (true division; integers give float64).", "divide(a, 4)"),
    f(Elementwise, Binary(BinaryOp::Div), "true_divide(x1, x2)", "Same as `divide`.", "true_divide(a, v)"),
    f(Elementwise, Binary(BinaryOp::FloorDiv), "floor_divide(x1, x2)", "Same as `x1 // x2`.", "floor_divide(a, 0.3)"),
    f(Elementwise, Binary(BinaryOp::Rem), "remainder(x1, x2)", "Same as `x1 % x2`: the remainder with the sign of x2.", "remainder(a, 0.3)"),
    f(Elementwise, Binary(BinaryOp::Rem), "mod(x1, x2)", "Same as `remainder`.", "mod(a, v)"),
    f(Elementwise, Binary(BinaryOp::Fmod), "fmod(x1, x2)", "C's remainder, with the sign of x1 (integer fmod by zero gives 0).", "fmod(a, 0.3)"),
    f(Elementwise, Binary(BinaryOp::Pow), "power(x1, x2)", "Same as `x1 ** x2`; an integer to a negative integer power is refused, as numpy does.", "power(a, 3)"),
    f(Elementwise, Binary(BinaryOp::Pow), "pow(x1, x2)", "Same as `power`.", "pow(abs(a), v)"),
    f(Elementwise, Binary(BinaryOp::FloatPower), "float_power(x1, x2)", "x1 to the power x2, computed and returned in float64.", "float_power(a, 2)"),
    f(Elementwise, Binary(BinaryOp::Fmax), "fmax(x1, x2)", "The larger of x1 and x2, ignoring NaN (NaN only where both are).", "fmax(a, log(a))"),
    f(Elementwise, Binary(BinaryOp::Fmin), "fmin(x1, x2)", "The smaller of x1 and x2, ignoring NaN (NaN only where both are).", "fmin(a, 0)"),
    f(Elementwise, Binary(BinaryOp::Lt), "less(x1, x2)", "Same as `x1 < x2`.", "less(a, v)"),
    f(Elementwise, Binary(BinaryOp::Le), "less_equal(x1, x2)", "Same as `x1 <= x2`.", "less_equal(a, 0)"),
    f(Elementwise, Binary(BinaryOp::Gt), "greater(x1, x2)", "Same as `x1 > x2`.", "greater(a, v)"),
    f(Elementwise, Binary(BinaryOp::Ge), "greater_equal(x1, x2)", "Same as `x1 >= x2`.", "greater_equal(a, 0)"),
    f(Elementwise, Binary(BinaryOp::Eq), "equal(x1, x2)", "Same as `x1 == x2`.", "equal(a, v)"),
    f(Elementwise, Binary(BinaryOp::Ne), "not_equal(x1, x2)", "Same as `x1 != x2`.", "not_equal(a, 0)"),
    f(Elementwise, Binary(BinaryOp::And), "logical_and(x1, x2)", "Same as `x1 & x2` and `x1 and x2`: true where both are nonzero.", "logical_and(a > 0, a < 1)"),
    f(Elementwise, Binary(BinaryOp::Or), "logical_or(x1, x2)", "Same as `x1 or x2` (and the bar operator): true where either is nonzero.", "logical_or(a < 0, a > 1)"),
    f(Elementwise, Binary(BinaryOp::Xor), "logical_xor(x1, x2)", "Same as `x1 ^ x2`: true where exactly one is nonzero.", "logical_xor(a > 0, v > 0)"),
    f(Elementwise, Binary(BinaryOp::Maximum), "maximum(x1, x2)", "The larger of x1 and x2 (an array or a number) element by element.", "maximum(a, 0)"),
    f(Elementwise, Binary(BinaryOp::Minimum), "minimum(x1, x2)", "The smaller of x1 and x2 (an array or a number) element by element.", "minimum(a, v)"),
    f(Elementwise, Clip, "clip(a, a_min, a_max)", "a limited to [a_min, a_max]; the limits are arrays or numbers.", "clip(a, -1, 1)"),
    f(Elementwise, Where, "where(condition, x, y)", "x where condition is true, y elsewhere; x and y are arrays or numbers.", "where(a > 0, a, 0)"),
    f(Elementwise, Astype, "astype(a, dtype)", "a converted to dtype (`float32`, `int16`, `bool`, ...).", "astype(a, float32)"),
    // ----- scans --------------------------------------------------------------------
    f(Scan, Cumulative { product: false }, "cumsum(a, axis=None)", "Running sum along axis.", "cumsum(a, axis=0)"),
    f(Scan, Cumulative { product: true }, "cumprod(a, axis=None)", "Running product along axis.", "cumprod(v)"),
    // ----- shape and selection ------------------------------------------------------
    f(Shape, Transpose, "transpose(a, axes=None)", "Axes reversed, or permuted as axes says (`a.T` reverses them).", "transpose(a, (1, 0))"),
    f(Shape, Reshape, "reshape(a, shape)", "The same elements in C order, in a new shape; one length may be -1.", "reshape(a, (-1,))"),
    f(Shape, Ravel, "ravel(a)", "The elements in C order, as one axis.", "ravel(a)"),
    f(Shape, Ravel, "flatten(a)", "Same as `ravel`.", "a.flatten()"),
    f(Shape, Squeeze, "squeeze(a, axis=None)", "Length-1 axes removed: all of them, or those in axis.", "squeeze(a[0:1, :])"),
    f(Shape, ExpandDims, "expand_dims(a, axis)", "A length-1 axis inserted at axis.", "expand_dims(v, 0)"),
    f(Shape, SwapAxes, "swapaxes(a, axis1, axis2)", "Two axes exchanged.", "swapaxes(a, 0, 1)"),
    f(Shape, MoveAxis, "moveaxis(a, source, destination)", "One axis moved to a new position, the others keeping their order.", "moveaxis(a, 0, -1)"),
    f(Shape, Flip, "flip(a, axis=None)", "The order of elements reversed along axis (every axis when None).", "flip(a, 0)"),
    f(Shape, BroadcastTo, "broadcast_to(array, shape)", "array broadcast to shape, by numpy's rules.", "broadcast_to(v, (3, 4))"),
    f(Shape, Join { new_axis: false }, "concatenate(arrays, axis=0)", "A list of arrays joined along an existing axis.", "concatenate([a, a], axis=1)"),
    f(Shape, Join { new_axis: true }, "stack(arrays, axis=0)", "A list of arrays of one shape joined along a new axis.", "stack([v, v])"),
    f(Shape, Block, "block(arrays)", "An array assembled from nested lists of blocks, as numpy's `block`.", "block([[a, a], [a, a]])"),
    f(Shape, Take, "take(a, indices, axis=None)", "The elements at indices along axis (of the flattened array when axis is None).", "take(a, [0, 2], axis=1)"),
    f(Shape, Extract, "extract(condition, arr)", "The elements of arr where condition is true, as one axis (same as `arr[condition]`).", "extract(a > 0, a)"),
    // ----- linear algebra -----------------------------------------------------------
    f(Linalg, MatMul, "matmul(a, b)", "Matrix product of matrices and vectors (same as `a @ b`); n-D operands are refused.", "matmul(a, v)"),
    f(Linalg, MatMul, "dot(a, b)", "Same as `matmul`.", "dot(a.T, a)"),
    f(Linalg, TensorDot, "tensordot(a, b, axes=2)", "Sum of products over the last axes of a and the first of b, or over a pair of axis lists.", "tensordot(a, a, axes=([0], [0]))"),
    f(Linalg, Einsum, "einsum(subscripts, *operands)", "Einstein summation, e.g. `einsum('ij,jk->ik', a, b)`.", "einsum('ij,j->i', a, v)"),
    f(Linalg, Outer, "outer(a, b)", "Outer product of the flattened inputs: `a[i] * b[j]`.", "outer(v, v)"),
    f(Linalg, Diagonal, "diagonal(a, offset=0, axis1=0, axis2=1)", "The diagonal offset from the main one, of the axes axis1 and axis2.", "diagonal(a, 1)"),
    f(Linalg, Trace, "trace(a, offset=0, axis1=0, axis2=1)", "Sum along a diagonal, as `diagonal` picks it.", "a.trace()"),
    // ----- stencils -----------------------------------------------------------------
    f(Stencil, MapOverlap, "map_overlap(array, func, depth, boundary='none', *, value=0, trim=True)", "The window function func ('mean', 'sum', 'min' or 'max') over each element's neighbourhood of depth elements on every side; boundary is 'none', 'reflect', 'periodic', 'nearest', 'constant' (with value) or a number.", "map_overlap(a, 'mean', depth=1, boundary='reflect')"),
    // ----- creation -----------------------------------------------------------------
    f(Creation, Filled { ones: false }, "zeros(shape, *, dtype=float64, chunks=None)", "An array of zeros.", "a + zeros((3, 4))"),
    f(Creation, Filled { ones: true }, "ones(shape, *, dtype=float64, chunks=None)", "An array of ones.", "ones(4, dtype=int32)"),
    f(Creation, Filled { ones: false }, "empty(shape, *, dtype=float64, chunks=None)", "Same as `zeros` (tessera never leaves memory uninitialised).", "empty((2, 2))"),
    f(Creation, Full, "full(shape, fill_value, *, dtype=None, chunks=None)", "An array of fill_value; dtype None takes the value's (int64, float64 or bool).", "full((3, 4), 7)"),
    f(Creation, Arange, "arange([start,] stop[, step], *, dtype=None, chunks=None)", "Evenly spaced values in [start, stop); int64 when every bound is an integer.", "arange(0, 1, 0.25)"),
    f(Creation, Linspace, "linspace(start, stop, num=50, endpoint=True, *, dtype=float64, chunks=None)", "num evenly spaced values from start to stop (included unless endpoint=False).", "linspace(0, 1, 5)"),
    f(Creation, Eye, "eye(N, M=None, k=0, *, dtype=float64, chunks=None)", "An N x M array with ones on diagonal k and zeros elsewhere.", "eye(4, k=1)"),
    // ----- random -------------------------------------------------------------------
    f(Random, Sample(RandomKind::Uniform), "random.uniform(low=0.0, high=1.0, *, shape, dtype=float64, chunks=None, seed=0)", "Floats uniform in [low, high).", "random.uniform(shape=(3, 4), seed=1)"),
    f(Random, Sample(RandomKind::Normal), "random.normal(loc=0.0, scale=1.0, *, shape, dtype=float64, chunks=None, seed=0)", "Floats from the normal distribution of mean loc and standard deviation scale.", "random.normal(0, 2, shape=(3, 4), seed=7)"),
    f(Random, Sample(RandomKind::Integers), "random.integers(low, high, *, shape, dtype=int64, chunks=None, seed=0)", "Integers uniform in [low, high).", "random.integers(0, 10, shape=100, chunks=10)"),
    // ----- chunking -----------------------------------------------------------------
    f(Chunking, Rechunk, "rechunk(x, chunks)", "The same values in new chunks, one length per axis.", "rechunk(a, (2, 2))"),
];
