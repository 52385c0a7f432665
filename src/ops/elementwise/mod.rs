//! Elementwise operations with numpy's broadcasting and type promotion: arithmetic,
//! comparisons, math functions, casts, `clip` and `where`. They fuse as they are built
//! (see `fusion`): an elementwise node over elementwise nodes becomes one node whose
//! program (see `program`) holds the whole expression, evaluated in blocks of `BLOCK`
//! elements in one pass per chunk.

use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::Result;
use crate::graph::{
    Array, Evaluator, Operator, broadcast_input_shape, broadcast_shapes, broadcast_source_region,
    out_bytes, region_cost, sat_mul, sat_sum,
};
use crate::grid::Region;
use crate::kernels::elementwise::{BLOCK, BinaryOp, UnaryOp};
use crate::kernels::promote::{Scalar, result_type, result_type_with_scalar};

mod fusion;
pub(crate) mod literal;
mod program;

use fusion::{Fusion, elementwise_binary, fused};
pub(crate) use program::Expr;

/// The operator of a fused elementwise node: `program` over `inputs`, broadcast to the
/// node's shape.
pub(crate) struct Elementwise {
    pub(crate) inputs: Vec<Array>,
    pub(crate) program: Expr,
}

impl Elementwise {
    /// Each input's part of `region` (broadcast inputs read once).
    pub(crate) fn read_inputs(&self, ev: &Evaluator<'_>, region: &Region) -> Result<Vec<Chunk>> {
        self.inputs
            .iter()
            .map(|input| ev.region(input, &broadcast_source_region(region, input.shape())))
            .collect()
    }

    /// Writes elements `lo..hi` (C order of a region of `shape`) of the program over
    /// `values` (from `read_inputs`) into `out`, a block at a time.
    pub(crate) fn fill(
        &self,
        values: &[Chunk],
        shape: &[u64],
        lo: usize,
        hi: usize,
        out: &mut [u8],
    ) -> Result<()> {
        let size = self.program.dtype().size();
        for at in (lo..hi).step_by(BLOCK) {
            let end = (at + BLOCK).min(hi);
            let bytes = &mut out[(at - lo) * size..(end - lo) * size];
            program::evaluate_into(&self.program, values, shape, at, end, bytes)?;
        }
        Ok(())
    }

    /// Projected peak bytes of the inputs for a region of `shape`: they are read one
    /// after another and all held; each one's working memory is released before the
    /// next is read.
    pub(crate) fn inputs_cost(&self, shape: &[u64], batch: u64) -> u64 {
        let (mut held, mut transient) = (0u64, 0u64);
        for input in &self.inputs {
            let input_shape = broadcast_input_shape(shape, input.shape());
            let input_out = out_bytes(input, &input_shape);
            held = held.saturating_add(input_out);
            transient =
                transient.max(region_cost(input, &input_shape, batch).saturating_sub(input_out));
        }
        held.saturating_add(transient)
    }

    /// Scratch of the program: a block of 8-byte values per operation.
    pub(crate) fn scratch(&self) -> u64 {
        sat_mul(&[self.program.op_count() as u64 + 2, BLOCK as u64, 8])
    }
}

impl Operator for Elementwise {
    fn name(&self) -> &'static str {
        "an elementwise operation (broadcast)"
    }

    fn label(&self, _node: &Array) -> String {
        format!(
            "fused elementwise ({} ops over {} inputs)",
            self.program.op_count(),
            self.inputs.len()
        )
    }

    fn inputs(&self) -> Vec<&Array> {
        self.inputs.iter().collect()
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        let values = self.read_inputs(ev, region)?;
        let mut out = Chunk::zeros(node.dtype(), &region.shape);
        let total = out.len();
        self.fill(&values, &region.shape, 0, total, out.bytes_mut())?;
        Ok(out)
    }

    fn cost(&self, node: &Array, shape: &[u64], batch: u64) -> u64 {
        sat_sum(&[
            out_bytes(node, shape),
            self.inputs_cost(shape, batch),
            self.scratch(),
        ])
    }
}

impl Array {
    // ----- elementwise -------------------------------------------------------------

    /// `self op other` with numpy's broadcasting and type promotion (numpy's ufuncs
    /// `add`, `less`, `logical_and`, ...; the operators `+ - * / %` call this).
    ///
    /// A literal `other` is typed as a Python scalar is in numpy 2 (NEP 50): it adapts
    /// to the array's dtype (`int8 + 1` stays `int8`; `int8 + 1.5` is `float64`). True
    /// division of integers gives float64; comparisons and logical operations give
    /// bool. Chunks: on each axis, those of the first input that spans it (not
    /// broadcast along it). Elementwise operations fuse: chained ones run as one pass
    /// per chunk.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when the shapes do not broadcast together
    /// (or the result's byte count would overflow `u64`);
    /// [`Error::Invalid`](crate::Error::Invalid) for an operation numpy refuses on the
    /// promoted dtype (subtracting booleans).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].view(), &[1, 2])?;
    /// let row = Array::from_ndarray(ndarray::array![10.0, 20.0].view(), &[2])?;
    /// let sum = a.binary(BinaryOp::Add, &row)?; // [2] broadcasts against [2, 2]
    /// assert_eq!(sum.compute_vec::<f64>(&ctx)?, vec![11.0, 22.0, 13.0, 24.0]);
    /// assert_eq!(sum.chunks(), &[1, 2]);
    ///
    /// let big = a.binary(BinaryOp::Gt, 2.5)?;
    /// assert_eq!(big.dtype(), DType::Bool);
    /// assert_eq!(big.astype(DType::U8)?.compute_vec::<u8>(&ctx)?, vec![0, 0, 1, 1]);
    ///
    /// // Integer true division gives float64.
    /// let i = Array::from_ndarray(ndarray::array![3i32, 4].view(), &[2])?;
    /// assert_eq!(i.binary(BinaryOp::Div, 2)?.compute_vec::<f64>(&ctx)?, vec![1.5, 2.0]);
    ///
    /// // [3] does not broadcast against [2, 2].
    /// let three = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0].view(), &[3])?;
    /// assert!(matches!(a.binary(BinaryOp::Add, &three), Err(Error::Shape { .. })));
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn binary(&self, op: BinaryOp, other: impl Into<Operand>) -> Result<Array> {
        elementwise_binary(op, Operand::Array(self.clone()), other.into())
    }

    /// `scalar op self`, the literal on the left (as in `1 - a` or `2 ** a`). Typing and
    /// chunks are as in [`Array::binary`].
    ///
    /// # Errors
    /// [`Error::Invalid`](crate::Error::Invalid) for an operation numpy refuses on the
    /// promoted dtype (subtracting booleans).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// use tessera::Scalar;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1i64, 2, 3].view(), &[2])?;
    /// let r = a.rbinary(BinaryOp::Sub, Scalar::Int(10))?;
    /// assert_eq!(r.compute_vec::<i64>(&ctx)?, vec![9, 8, 7]);
    /// let p = a.rbinary(BinaryOp::Pow, Scalar::Int(2))?;
    /// assert_eq!(p.compute_vec::<i64>(&ctx)?, vec![2, 4, 8]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn rbinary(&self, op: BinaryOp, scalar: Scalar) -> Result<Array> {
        elementwise_binary(op, Operand::Scalar(scalar), Operand::Array(self.clone()))
    }

    /// A unary ufunc ([`UnaryOp`]): `negative`, `absolute`, `sqrt`, `exp`, `log`, `sin`,
    /// `tanh`, `round`, `isinf`, ...
    ///
    /// Dtypes are numpy 2's: the float functions (`sqrt`, `tan`, `log1p`, `rint`,
    /// `fabs`, ...) keep float inputs' dtype, and give float16 for bool, int8 and uint8,
    /// float32 for int16 and uint16, float64 for wider integers. `logical_not`, `isnan`,
    /// `isinf`, `isfinite` and `signbit` give bool. `negative`, `positive`, `absolute`,
    /// `sign`, `floor`, `ceil`, `trunc`, `round`, `square` and `reciprocal` keep the
    /// dtype (`square` and `reciprocal` of bool give int8, `round` of bool float16).
    /// Where the result equals the input (`positive`; `floor` of integers), `self` is
    /// returned. Chunks are those of `self`.
    ///
    /// # Errors
    /// [`Error::Invalid`](crate::Error::Invalid) for `negative`, `positive` or `sign` of
    /// a bool array, and `round` of one to nonzero decimals (numpy refuses them too).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1i64, 4, 9].view(), &[2])?;
    /// let root = a.unary(UnaryOp::Sqrt)?;
    /// assert_eq!(root.dtype(), DType::F64);
    /// assert_eq!(root.compute_vec::<f64>(&ctx)?, vec![1.0, 2.0, 3.0]);
    /// assert_eq!(a.unary(UnaryOp::Neg)?.compute_vec::<i64>(&ctx)?, vec![-1, -4, -9]);
    ///
    /// let flags = a.binary(BinaryOp::Gt, 2)?;
    /// assert!(flags.unary(UnaryOp::Neg).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn unary(&self, op: UnaryOp) -> Result<Array> {
        let (compute, out) = op.types(self.dtype())?;
        if op.is_identity_for(self.dtype()) {
            return Ok(self.clone());
        }
        let (inputs, program) = Fusion::new().absorb_one(self);
        let program = Expr::Unary(op, Box::new(program.cast_to(compute)), out);
        fused(inputs, program)
    }

    /// Elements converted to `dtype` (numpy's `astype`, with its default unsafe
    /// casting: floats to integers truncate toward zero, anything nonzero is `true`).
    /// The same dtype returns `self` unchanged. Chunks are those of `self`.
    ///
    /// # Errors
    /// Every dtype converts to every other; only a result whose byte count would
    /// overflow `u64` is refused ([`Error::Shape`](crate::Error::Shape)).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1.7, -1.7, 0.0].view(), &[3])?;
    /// let i = a.astype(DType::I32)?;
    /// assert_eq!(i.dtype(), DType::I32);
    /// assert_eq!(i.compute_vec::<i32>(&ctx)?, vec![1, -1, 0]);
    /// let b = a.astype(DType::Bool)?.astype(DType::U8)?;
    /// assert_eq!(b.compute_vec::<u8>(&ctx)?, vec![1, 1, 0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn astype(&self, dtype: DType) -> Result<Array> {
        if dtype == self.dtype() {
            return Ok(self.clone());
        }
        let (inputs, program) = Fusion::new().absorb_one(self);
        fused(inputs, program.cast_to(dtype))
    }

    /// Values limited to `[lo, hi]` (numpy's `clip`): `minimum(maximum(self, lo), hi)`,
    /// so where `lo > hi` the result is `hi`, as in numpy. The bounds may be literals or
    /// arrays that broadcast against `self`; the dtype is promoted as in
    /// [`Array::binary`].
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when a bound does not broadcast against
    /// `self`.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![-5i32, 0, 5, 10].view(), &[2])?;
    /// let c = a.clip(0, 6)?;
    /// assert_eq!(c.dtype(), DType::I32);
    /// assert_eq!(c.compute_vec::<i32>(&ctx)?, vec![0, 0, 5, 6]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn clip(&self, lo: impl Into<Operand>, hi: impl Into<Operand>) -> Result<Array> {
        let (lo, hi) = (lo.into(), hi.into());
        let dtype = literal::clip_dtype(self.dtype(), [Some(&lo), Some(&hi)]);
        // numpy 2 checks integer literals against the array's own dtype.
        let lo = literal::clip_bound(self.dtype(), lo, false)?;
        let hi = literal::clip_bound(self.dtype(), hi, true)?;
        // Promoted first, as numpy does, so a literal is checked against the result.
        let promoted = self.astype(dtype)?;
        let low = match lo {
            Some(lo) => promoted.binary(BinaryOp::Maximum, lo)?,
            None => promoted,
        };
        match hi {
            Some(hi) => low.binary(BinaryOp::Minimum, hi),
            None => Ok(low),
        }
    }

    /// `self ** exponent` (numpy's `power`), an array or a literal, with the typing of
    /// [`Array::binary`].
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when `exponent` does not broadcast against
    /// `self`.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0].view(), &[3])?;
    /// assert_eq!(a.pow(2)?.compute_vec::<f64>(&ctx)?, vec![1.0, 4.0, 9.0]);
    /// assert_eq!(a.pow(&a)?.compute_vec::<f64>(&ctx)?, vec![1.0, 4.0, 27.0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn pow(&self, exponent: impl Into<Operand>) -> Result<Array> {
        self.binary(BinaryOp::Pow, exponent)
    }

    /// `where(cond, a, b)` (numpy's `where` with three arguments): elements of `a`
    /// where `cond` is true, else of `b`. `cond` of any dtype counts nonzero as true;
    /// the three broadcast together, and the result has the promoted dtype of `a` and
    /// `b` (a literal adapting to an array as in [`Array::binary`]).
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when `cond`, `a` and `b` do not broadcast
    /// together.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1.0, -2.0], [-3.0, 4.0]].view(), &[1, 2])?;
    /// let positive = a.binary(BinaryOp::Gt, 0.0)?;
    /// let relu = Array::where_(&positive, &a, 0.0)?;
    /// assert_eq!(relu.compute_vec::<f64>(&ctx)?, vec![1.0, 0.0, 0.0, 4.0]);
    ///
    /// let short = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0].view(), &[3])?;
    /// assert!(Array::where_(&positive, &short, 0.0).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn where_(cond: &Array, a: impl Into<Operand>, b: impl Into<Operand>) -> Result<Array> {
        let (a, b) = (a.into(), b.into());
        let dtype = match (&a, &b) {
            (Operand::Array(x), Operand::Array(y)) => result_type(x.dtype(), y.dtype()),
            (Operand::Array(x), Operand::Scalar(s)) | (Operand::Scalar(s), Operand::Array(x)) => {
                result_type_with_scalar(x.dtype(), *s)
            }
            (Operand::Scalar(x), Operand::Scalar(y)) => {
                let x = crate::kernels::promote::scalar_default_dtype(*x);
                result_type_with_scalar(x, *y)
            }
        };
        literal::where_branch(dtype, &a)?;
        literal::where_branch(dtype, &b)?;
        let mut fusion = Fusion::new();
        let c = fusion.absorb(&Operand::Array(cond.clone()));
        let a = fusion.absorb(&a);
        let b = fusion.absorb(&b);
        let shape =
            broadcast_shapes(&[cond.shape(), &fusion.shape_of(&a)?, &fusion.shape_of(&b)?])?;
        let program = Expr::Where(
            Box::new(c.cast_to(DType::Bool)),
            Box::new(a.cast_to(dtype)),
            Box::new(b.cast_to(dtype)),
            dtype,
        );
        fusion.finish(program, shape)
    }
}

/// An operand of an elementwise operation: an array or a Python-like literal. Methods
/// such as [`Array::binary`], [`Array::clip`] and [`Array::where_`], and the operators
/// `+ - * / %`, take `impl Into<Operand>`, so an `&Array`, an `Array`, an `f64`, an
/// `i64` or a `bool` can be passed as is.
///
/// # Examples
/// ```
/// use tessera::Operand;
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![1.0, 2.0].view(), &[2])?;
/// assert!(matches!(Operand::from(2.0), Operand::Scalar(_)));
/// assert!(matches!(Operand::from(&a), Operand::Array(_)));
///
/// // The operators take any operand and return a `Result`.
/// let b = ((&a * 2.0)? + &a)?;
/// assert_eq!(b.compute_vec::<f64>(&ctx)?, vec![3.0, 6.0]);
/// let c = (-&a)?;
/// assert_eq!(c.compute_vec::<f64>(&ctx)?, vec![-1.0, -2.0]);
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone)]
pub enum Operand {
    /// A lazy array.
    Array(Array),
    /// A literal, typed by numpy's rules for Python scalars (NEP 50).
    Scalar(Scalar),
}

impl From<&Array> for Operand {
    fn from(a: &Array) -> Operand {
        Operand::Array(a.clone())
    }
}
impl From<Array> for Operand {
    fn from(a: Array) -> Operand {
        Operand::Array(a)
    }
}
impl From<f64> for Operand {
    fn from(v: f64) -> Operand {
        Operand::Scalar(Scalar::Float(v))
    }
}
impl From<i64> for Operand {
    fn from(v: i64) -> Operand {
        Operand::Scalar(Scalar::Int(v))
    }
}
impl From<Scalar> for Operand {
    fn from(v: Scalar) -> Operand {
        Operand::Scalar(v)
    }
}
impl From<bool> for Operand {
    fn from(v: bool) -> Operand {
        Operand::Scalar(Scalar::Bool(v))
    }
}

/// Arithmetic operators on arrays, as in numpy: `(&a - &b)?`, `(&a * 2.0)?`. They
/// return `Result` because shapes and dtypes are checked when the graph is built.
macro_rules! array_operator {
    ($trait:ident, $method:ident, $op:expr) => {
        impl<T: Into<Operand>> std::ops::$trait<T> for &Array {
            type Output = Result<Array>;
            fn $method(self, other: T) -> Result<Array> {
                self.binary($op, other)
            }
        }
        impl<T: Into<Operand>> std::ops::$trait<T> for Array {
            type Output = Result<Array>;
            fn $method(self, other: T) -> Result<Array> {
                self.binary($op, other)
            }
        }
    };
}

array_operator!(Add, add, BinaryOp::Add);
array_operator!(Sub, sub, BinaryOp::Sub);
array_operator!(Mul, mul, BinaryOp::Mul);
array_operator!(Div, div, BinaryOp::Div);
array_operator!(Rem, rem, BinaryOp::Rem);

impl std::ops::Neg for &Array {
    type Output = Result<Array>;
    fn neg(self) -> Result<Array> {
        self.unary(UnaryOp::Neg)
    }
}

#[cfg(test)]
mod tests;
