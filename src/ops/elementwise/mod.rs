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

    /// `self op other` with numpy broadcasting and type promotion.
    pub fn binary(&self, op: BinaryOp, other: impl Into<Operand>) -> Result<Array> {
        elementwise_binary(op, Operand::Array(self.clone()), other.into())
    }

    /// `scalar op self` (the literal on the left, as in `1 - a`).
    pub fn rbinary(&self, op: BinaryOp, scalar: Scalar) -> Result<Array> {
        elementwise_binary(op, Operand::Scalar(scalar), Operand::Array(self.clone()))
    }

    /// A unary operation (`-a`, `sqrt(a)`, ...).
    pub fn unary(&self, op: UnaryOp) -> Result<Array> {
        let (compute, out) = op.types(self.dtype())?;
        let (inputs, program) = Fusion::new().absorb_one(self);
        let program = Expr::Unary(op, Box::new(program.cast_to(compute)), out);
        fused(inputs, program)
    }

    /// Elements converted to `dtype` (numpy's `astype`).
    pub fn astype(&self, dtype: DType) -> Result<Array> {
        if dtype == self.dtype() {
            return Ok(self.clone());
        }
        let (inputs, program) = Fusion::new().absorb_one(self);
        fused(inputs, program.cast_to(dtype))
    }

    /// Limits values to `[lo, hi]` (numpy's `clip`).
    pub fn clip(&self, lo: impl Into<Operand>, hi: impl Into<Operand>) -> Result<Array> {
        self.binary(BinaryOp::Maximum, lo)?
            .binary(BinaryOp::Minimum, hi)
    }

    /// `self ** exponent`.
    pub fn pow(&self, exponent: impl Into<Operand>) -> Result<Array> {
        self.binary(BinaryOp::Pow, exponent)
    }

    /// `where(cond, a, b)`: elements of `a` where `cond` is true, else of `b`.
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

/// An operand of an elementwise operation: an array or a Python-like literal.
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
