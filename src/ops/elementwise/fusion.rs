//! Fusion: an elementwise operation over elementwise nodes becomes one node whose
//! program holds the whole expression, so a chain like `sqrt(a * b + 1)` reads each
//! input once and evaluates in one pass per chunk.

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::graph::{Array, broadcast_shapes};
use crate::kernels::elementwise::{BinaryOp, NEGATIVE_POWER, UnaryOp};
use crate::kernels::promote::{Scalar, result_type_with_scalar};

use super::literal::{Checked, checked_literal};
use super::program::Expr;
use super::{Elementwise, Operand};

/// `lhs op rhs` with numpy broadcasting and type promotion, fused with elementwise
/// operands.
pub(super) fn elementwise_binary(op: BinaryOp, lhs: Operand, rhs: Operand) -> Result<Array> {
    let (lhs, rhs) = match checked_literal(op, lhs, rhs)? {
        Checked::Operands(lhs, rhs) => (lhs, rhs),
        Checked::Constant(array) => return Ok(array),
    };
    let dtype_of = |o: &Operand, other: &Operand| match (o, other) {
        (Operand::Array(a), _) => a.dtype(),
        (Operand::Scalar(s), Operand::Array(a)) => result_type_with_scalar(a.dtype(), *s),
        (Operand::Scalar(s), Operand::Scalar(_)) => {
            crate::kernels::promote::scalar_default_dtype(*s)
        }
    };
    let (left, right) = (dtype_of(&lhs, &rhs), dtype_of(&rhs, &lhs));
    let (compute, out) = op.types(left, right)?;
    // numpy refuses an integer to a negative integer power; a literal exponent is known
    // now, before any work (an array exponent is checked by the kernel). An empty base
    // has no element to refuse it for: numpy returns it empty.
    if op == BinaryOp::Pow
        && !compute.is_float()
        && matches!(rhs, Operand::Scalar(Scalar::Int(e)) if e < 0)
        && !matches!(&lhs, Operand::Array(a) if a.is_empty())
    {
        return Err(Error::Invalid(NEGATIVE_POWER.into()));
    }
    let mut fusion = Fusion::new();
    let a = fusion.absorb(&lhs);
    let b = fusion.absorb(&rhs);
    let shape = broadcast_shapes(&[&fusion.shape_of(&a)?, &fusion.shape_of(&b)?])?;
    let program = strength_reduce(op, a.cast_to(compute), b.cast_to(compute), out);
    fusion.finish(program, shape)
}

/// `x ** 2` becomes `x * x` and float `x ** 0.5` becomes `sqrt(x)`, as numpy's `**` does
/// with a Python number (so `(-0.0) ** 0.5` is -0.0 and `(-inf) ** 0.5` NaN, float16
/// included); everything else stays as written.
fn strength_reduce(op: BinaryOp, a: Expr, b: Expr, out: DType) -> Expr {
    if op == BinaryOp::Pow
        && out.is_float()
        && a.dtype() == out
        && matches!(b, Expr::Scalar(Scalar::Float(h), _) if h == 0.5)
    {
        return Expr::Unary(UnaryOp::Sqrt, Box::new(a), out);
    }
    if op == BinaryOp::Pow
        && matches!(
            b,
            Expr::Scalar(Scalar::Int(2), _) | Expr::Scalar(Scalar::Float(2.0), _)
        )
        && a.dtype() == out
    {
        return Expr::Binary(BinaryOp::Mul, Box::new(a.clone()), Box::new(a), out);
    }
    Expr::Binary(op, Box::new(a), Box::new(b), out)
}

/// A node running `program` over the inputs of one absorbed array.
pub(super) fn fused(inputs: Vec<Array>, program: Expr) -> Result<Array> {
    let shapes: Vec<&[u64]> = inputs.iter().map(|i| i.shape()).collect();
    let shape = broadcast_shapes(&shapes)
        .map_err(|e| Error::internal(format!("the inputs of one node do not broadcast: {e}")))?;
    let chunks = output_chunks(&inputs, &shape);
    let dtype = program.dtype();
    Array::checked_node(Elementwise { inputs, program }, shape, chunks, dtype)
}

/// Chunking of a broadcast result: on each axis, that of the first input spanning it.
fn output_chunks(inputs: &[Array], shape: &[u64]) -> Vec<u64> {
    let ndim = shape.len();
    (0..ndim)
        .map(|d| {
            inputs
                .iter()
                .find_map(|input| {
                    let offset = ndim - input.ndim();
                    (d >= offset && input.shape()[d - offset] == shape[d])
                        .then(|| input.chunks()[d - offset])
                })
                .unwrap_or(shape[d].max(1))
        })
        .collect()
}

/// Collects the inputs of a fused elementwise node, inlining elementwise inputs.
pub(super) struct Fusion {
    inputs: Vec<Array>,
}

impl Fusion {
    pub(super) fn new() -> Fusion {
        Fusion { inputs: Vec::new() }
    }

    /// The program of `operand`, with its inputs added to this fusion.
    pub(super) fn absorb(&mut self, operand: &Operand) -> Expr {
        match operand {
            Operand::Scalar(s) => {
                let dtype = crate::kernels::promote::scalar_default_dtype(*s);
                Expr::Scalar(*s, dtype)
            }
            Operand::Array(array) => match array.op::<Elementwise>() {
                Some(node) => {
                    let map: Vec<usize> = node.inputs.iter().map(|i| self.input_index(i)).collect();
                    node.program.clone().remap(&map)
                }
                None => Expr::Input(self.input_index(array), array.dtype()),
            },
        }
    }

    /// The program of `array` alone, and its inputs.
    pub(super) fn absorb_one(mut self, array: &Array) -> (Vec<Array>, Expr) {
        let program = self.absorb(&Operand::Array(array.clone()));
        (self.inputs, program)
    }

    /// Index of `array` among the inputs, adding it once.
    fn input_index(&mut self, array: &Array) -> usize {
        if let Some(i) = self.inputs.iter().position(|a| a.is_same(array)) {
            return i;
        }
        self.inputs.push(array.clone());
        self.inputs.len() - 1
    }

    /// Broadcast shape of an absorbed program's inputs (scalars are shape `[]`).
    pub(super) fn shape_of(&self, program: &Expr) -> Result<Vec<u64>> {
        let mut shapes: Vec<&[u64]> = Vec::new();
        collect_inputs(program, &mut |i| shapes.push(self.inputs[i].shape()));
        broadcast_shapes(&shapes).map_err(|e| {
            Error::internal(format!(
                "the inputs of an absorbed node do not broadcast: {e}"
            ))
        })
    }

    /// The node running `program` over the inputs absorbed, broadcast to `shape`.
    pub(super) fn finish(self, program: Expr, shape: Vec<u64>) -> Result<Array> {
        let chunks = output_chunks(&self.inputs, &shape);
        let dtype = program.dtype();
        let op = Elementwise {
            inputs: self.inputs,
            program,
        };
        Array::checked_node(op, shape, chunks, dtype)
    }
}

/// Calls `visit` with every input index `program` reads.
fn collect_inputs(program: &Expr, visit: &mut impl FnMut(usize)) {
    match program {
        Expr::Input(i, _) => visit(*i),
        Expr::Scalar(..) => {}
        Expr::Cast(e, _) | Expr::Unary(_, e, _) => collect_inputs(e, visit),
        Expr::Binary(_, a, b, _) => {
            collect_inputs(a, visit);
            collect_inputs(b, visit);
        }
        Expr::Where(c, a, b, _) => {
            collect_inputs(c, visit);
            collect_inputs(a, visit);
            collect_inputs(b, visit);
        }
    }
}
