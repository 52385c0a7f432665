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
    f(Reduction, Reduce(ReduceOp::Sum), "sum(a, axis=None, dtype=None, *, keepdims=False)", "Sum (pairwise/compensated for floats).", "sum(a, axis=0)"),
    f(Reduction, Reduce(ReduceOp::Prod), "prod(a, axis=None, dtype=None, *, keepdims=False)", "Product.", "prod(a, axis=1)"),
    f(Reduction, Reduce(ReduceOp::Min), "min(a, axis=None, *, keepdims=False)", "Smallest element.", "min(a)"),
    f(Reduction, Reduce(ReduceOp::Max), "max(a, axis=None, *, keepdims=False)", "Largest element.", "a.max(axis=0)"),
    f(Reduction, Reduce(ReduceOp::Mean), "mean(a, axis=None, dtype=None, *, keepdims=False)", "Arithmetic mean.", "mean(a, axis=(0, 1), keepdims=True)"),
    f(Reduction, Reduce(ReduceOp::Var { ddof: 0 }), "var(a, axis=None, dtype=None, *, keepdims=False, ddof=0)", "Variance, dividing by N - ddof.", "var(a, axis=0, ddof=1)"),
    f(Reduction, Reduce(ReduceOp::Std { ddof: 0 }), "std(a, axis=None, dtype=None, *, keepdims=False, ddof=0)", "Standard deviation, dividing by N - ddof.", "std(a)"),
    f(Reduction, Reduce(ReduceOp::Count), "count(a, axis=None, *, keepdims=False)", "Number of non-NaN elements (xarray's `count`).", "count(a, axis=1)"),
    f(Reduction, Reduce(ReduceOp::Any), "any(a, axis=None, *, keepdims=False)", "True if any element is true (non-zero).", "any(a > 0, axis=0)"),
    f(Reduction, Reduce(ReduceOp::All), "all(a, axis=None, *, keepdims=False)", "True if every element is true (non-zero).", "all(a > -100)"),
    f(Reduction, Reduce(ReduceOp::ArgMin), "argmin(a, axis=None, *, keepdims=False)", "Index of the smallest element (in the flattened array when axis is None).", "argmin(a, axis=0)"),
    f(Reduction, Reduce(ReduceOp::ArgMax), "argmax(a, axis=None, *, keepdims=False)", "Index of the largest element (in the flattened array when axis is None).", "argmax(a)"),
    f(Reduction, Reduce(ReduceOp::NanSum), "nansum(a, axis=None, dtype=None, *, keepdims=False)", "Sum, skipping NaNs.", "nansum(a, axis=0)"),
    f(Reduction, Reduce(ReduceOp::NanMean), "nanmean(a, axis=None, dtype=None, *, keepdims=False)", "Mean, skipping NaNs.", "nanmean(a)"),
    f(Reduction, Reduce(ReduceOp::NanMin), "nanmin(a, axis=None, *, keepdims=False)", "Smallest element, skipping NaNs.", "nanmin(a, axis=1)"),
    f(Reduction, Reduce(ReduceOp::NanMax), "nanmax(a, axis=None, *, keepdims=False)", "Largest element, skipping NaNs.", "nanmax(a)"),
    f(Reduction, Reduce(ReduceOp::NanProd), "nanprod(a, axis=None, dtype=None, *, keepdims=False)", "Product, skipping NaNs (as ones).", "nanprod(a, axis=0)"),
    f(Reduction, Reduce(ReduceOp::NanVar { ddof: 0 }), "nanvar(a, axis=None, dtype=None, *, keepdims=False, ddof=0)", "Variance, skipping NaNs; NaN where N - ddof <= 0.", "nanvar(a, axis=1, ddof=1)"),
    f(Reduction, Reduce(ReduceOp::NanStd { ddof: 0 }), "nanstd(a, axis=None, dtype=None, *, keepdims=False, ddof=0)", "Standard deviation, skipping NaNs.", "nanstd(a)"),
    f(Reduction, Reduce(ReduceOp::NanArgMin), "nanargmin(a, axis=None, *, keepdims=False)", "Index of the smallest element, skipping NaNs; an all-NaN slice is an error.", "nanargmin(a, axis=0)"),
    f(Reduction, Reduce(ReduceOp::NanArgMax), "nanargmax(a, axis=None, *, keepdims=False)", "Index of the largest element, skipping NaNs; an all-NaN slice is an error.", "nanargmax(a)"),
    f(Reduction, Reduce(ReduceOp::CountNonzero), "count_nonzero(a, axis=None, *, keepdims=False)", "Number of nonzero elements, as int64 (NaN is nonzero).", "count_nonzero(a > 0, axis=1)"),
    f(Reduction, Ptp, "ptp(a, axis=None, *, keepdims=False)", "Range: max - min, in a's dtype (integers wrap).", "ptp(a, axis=0)"),
    f(Reduction, Median { nan: false }, "median(a, axis=None, *, keepdims=False)", "Median (exact; whole lanes over the reduced axes in memory); NaN where a lane holds one.", "median(a, axis=1)"),
    f(Reduction, Median { nan: true }, "nanmedian(a, axis=None, *, keepdims=False)", "Median, skipping NaNs.", "nanmedian(a)"),
    f(Reduction, Quantile { nan: false, percent: false }, "quantile(a, q, axis=None, *, method='linear', keepdims=False)", "The q-th quantile (q a number or a list in [0, 1]; a list adds a leading axis); method is 'linear', 'lower', 'higher', 'nearest' or 'midpoint'.", "quantile(a, [0.25, 0.75], axis=0)"),
    f(Reduction, Quantile { nan: true, percent: false }, "nanquantile(a, q, axis=None, *, method='linear', keepdims=False)", "The q-th quantile, skipping NaNs.", "nanquantile(a, 0.5, axis=1)"),
    f(Reduction, Quantile { nan: false, percent: true }, "percentile(a, q, axis=None, *, method='linear', keepdims=False)", "The q-th percentile (q in [0, 100]).", "percentile(a, 90, method='nearest')"),
    f(Reduction, Quantile { nan: true, percent: true }, "nanpercentile(a, q, axis=None, *, method='linear', keepdims=False)", "The q-th percentile, skipping NaNs.", "nanpercentile(a, [10, 90])"),
    f(Reduction, Average, "average(a, axis=None, weights=None, *, keepdims=False)", "Weighted mean: sum(a * weights) / sum(weights); the mean without weights.", "average(a, axis=1, weights=v)"),
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
    f(Elementwise, Binary(BinaryOp::Maximum), "maximum(x1, x2)", "The larger of x1 and x2 (an array or a number) element by element.", "maximum(a, 0)"),
    f(Elementwise, Binary(BinaryOp::Minimum), "minimum(x1, x2)", "The smaller of x1 and x2 (an array or a number) element by element.", "minimum(a, v)"),
    f(Elementwise, Clip, "clip(a, a_min, a_max)", "a limited to [a_min, a_max]; the limits are arrays or numbers.", "clip(a, -1, 1)"),
    f(Elementwise, Where, "where(condition, x, y)", "x where condition is true, y elsewhere; x and y are arrays or numbers.", "where(a > 0, a, 0)"),
    f(Elementwise, Astype, "astype(a, dtype)", "a converted to dtype (`float32`, `int16`, `bool`, ...).", "astype(a, float32)"),
    // ----- scans --------------------------------------------------------------------
    f(Scan, Cumulative { product: false }, "cumsum(a, axis=None, dtype=None)", "Running sum along axis (in dtype when given: integers wrap in it).", "cumsum(a, axis=0)"),
    f(Scan, Cumulative { product: true }, "cumprod(a, axis=None, dtype=None)", "Running product along axis (in dtype when given).", "cumprod(v)"),
    f(Scan, Diff, "diff(a, n=1, axis=-1)", "The n-th difference along axis: a[1:] - a[:-1], n times (bools: !=).", "diff(a, axis=0)"),
    // ----- shape and selection ------------------------------------------------------
    f(Shape, Transpose, "transpose(a, axes=None)", "Axes reversed, or permuted as axes says (`a.T` reverses them).", "transpose(a, (1, 0))"),
    f(Shape, Reshape, "reshape(a, shape)", "The same elements in C order, in a new shape; one length may be -1.", "reshape(a, (-1,))"),
    f(Shape, Ravel, "ravel(a)", "The elements in C order, as one axis.", "ravel(a)"),
    f(Shape, Ravel, "flatten(a)", "Same as `ravel`.", "a.flatten()"),
    f(Shape, Squeeze, "squeeze(a, axis=None)", "Length-1 axes removed: all of them, or those in axis.", "squeeze(a[0:1, :])"),
    f(Shape, ExpandDims, "expand_dims(a, axis)", "A length-1 axis inserted at axis.", "expand_dims(v, 0)"),
    f(Shape, SwapAxes, "swapaxes(a, axis1, axis2)", "Two axes exchanged.", "swapaxes(a, 0, 1)"),
    f(Shape, MoveAxis, "moveaxis(a, source, destination)", "One axis moved to a new position, the others keeping their order.", "moveaxis(a, 0, -1)"),
    f(Shape, Sort { arg: false }, "sort(a, axis=-1)", "Sorted along axis (NaN last; None: the flattened array); whole lanes in memory.", "sort(a, axis=0)"),
    f(Shape, Sort { arg: true }, "argsort(a, axis=-1)", "The int64 indices that sort a along axis (stable; NaN last).", "argsort(v)"),
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
