//! The program of a fused elementwise node: an expression tree over the node's inputs,
//! evaluated a block of `BLOCK` elements at a time so that no chunk-sized temporary
//! exists per operation. Broadcast inputs and literals stay one element wide until an
//! operation needs them repeated.

use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::Result;
use crate::kernels::elementwise::{self, BinaryOp, Operand, UnaryOp};
use crate::kernels::layout::gather_broadcast;
use crate::kernels::promote::Scalar;

/// An elementwise program: a tree over the node's inputs. Every node carries the
/// dtype it produces.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    /// Input `i`, broadcast to the output shape.
    Input(usize, DType),
    /// A literal, already converted to `DType`.
    Scalar(Scalar, DType),
    /// A conversion.
    Cast(Box<Expr>, DType),
    /// A unary operation computing in the operand's dtype.
    Unary(UnaryOp, Box<Expr>, DType),
    /// A binary operation; both operands are already in the compute dtype.
    Binary(BinaryOp, Box<Expr>, Box<Expr>, DType),
    /// `where(cond, a, b)`; `a` and `b` already in the output dtype.
    Where(Box<Expr>, Box<Expr>, Box<Expr>, DType),
}

impl Expr {
    /// The dtype this expression produces.
    pub(crate) fn dtype(&self) -> DType {
        match self {
            Expr::Input(_, d)
            | Expr::Scalar(_, d)
            | Expr::Cast(_, d)
            | Expr::Unary(_, _, d)
            | Expr::Binary(_, _, _, d)
            | Expr::Where(_, _, _, d) => *d,
        }
    }

    /// This expression converted to `dtype` (no-op when it already is).
    pub(crate) fn cast_to(self, dtype: DType) -> Expr {
        match self {
            _ if self.dtype() == dtype => self,
            Expr::Scalar(value, _) => Expr::Scalar(value, dtype),
            other => Expr::Cast(Box::new(other), dtype),
        }
    }

    /// Renumbers inputs by `map` (old index -> new index).
    pub(crate) fn remap(self, map: &[usize]) -> Expr {
        let boxed = |e: Box<Expr>| Box::new(e.remap(map));
        match self {
            Expr::Input(i, d) => Expr::Input(map[i], d),
            Expr::Scalar(..) => self,
            Expr::Cast(e, d) => Expr::Cast(boxed(e), d),
            Expr::Unary(op, e, d) => Expr::Unary(op, boxed(e), d),
            Expr::Binary(op, a, b, d) => Expr::Binary(op, boxed(a), boxed(b), d),
            Expr::Where(c, a, b, d) => Expr::Where(boxed(c), boxed(a), boxed(b), d),
        }
    }

    /// Number of operations (for `--explain`).
    pub(crate) fn op_count(&self) -> usize {
        match self {
            Expr::Input(..) | Expr::Scalar(..) => 0,
            Expr::Cast(e, _) | Expr::Unary(_, e, _) => 1 + e.op_count(),
            Expr::Binary(_, a, b, _) => 1 + a.op_count() + b.op_count(),
            Expr::Where(c, a, b, _) => 1 + c.op_count() + a.op_count() + b.op_count(),
        }
    }
}

/// Writes elements `lo..hi` (C order of a region of `out_shape`) of `program` over
/// `values` (each input's part of the region, broadcast to it) into `out`.
pub(crate) fn evaluate_into(
    program: &Expr,
    values: &[Chunk],
    out_shape: &[u64],
    lo: usize,
    hi: usize,
    out: &mut [u8],
) -> Result<()> {
    let inputs = ProgramInputs { values, out_shape };
    let value = eval_block(program, &inputs, lo, hi)?;
    out.copy_from_slice(&value.bytes(hi - lo, program.dtype().size()));
    Ok(())
}

/// The input values of one elementwise evaluation.
struct ProgramInputs<'a> {
    values: &'a [Chunk],
    out_shape: &'a [u64],
}

/// A block of values: `n` elements, or one element that broadcasts over the block.
/// Owned bytes live in 8-byte words so that kernels can view them as any dtype.
struct Block<'a> {
    data: BlockData<'a>,
    scalar: bool,
}

enum BlockData<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u64>, usize),
}

/// Zeroed, 8-byte-aligned storage for `len` bytes.
fn aligned(len: usize) -> (Vec<u64>, usize) {
    (vec![0u64; len.div_ceil(8)], len)
}

impl<'a> Block<'a> {
    fn borrowed(bytes: &'a [u8], scalar: bool) -> Block<'a> {
        Block {
            data: BlockData::Borrowed(bytes),
            scalar,
        }
    }

    fn owned((words, len): (Vec<u64>, usize), scalar: bool) -> Block<'a> {
        Block {
            data: BlockData::Owned(words, len),
            scalar,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match &self.data {
            BlockData::Borrowed(bytes) => bytes,
            BlockData::Owned(words, len) => &bytemuck::cast_slice(words)[..*len],
        }
    }

    fn operand(&self, dtype: DType) -> Operand<'_> {
        Operand {
            bytes: self.as_bytes(),
            dtype,
        }
    }

    /// The block's bytes for `len` elements of `size`, repeating a broadcast element.
    fn bytes(&self, len: usize, size: usize) -> std::borrow::Cow<'_, [u8]> {
        if self.scalar && len != 1 {
            std::borrow::Cow::Owned(self.as_bytes()[..size].repeat(len))
        } else {
            std::borrow::Cow::Borrowed(self.as_bytes())
        }
    }
}

/// Mutable bytes of an aligned buffer.
fn bytes_mut((words, len): &mut (Vec<u64>, usize)) -> &mut [u8] {
    &mut bytemuck::cast_slice_mut(words)[..*len]
}

fn eval_block<'a>(
    expr: &Expr,
    inputs: &ProgramInputs<'a>,
    lo: usize,
    hi: usize,
) -> Result<Block<'a>> {
    let n = hi - lo;
    // An operation's result is a broadcast element when all its operands are.
    let output = |dtype: DType, operands: &[&Block]| {
        let scalar = operands.iter().all(|b| b.scalar);
        (aligned(if scalar { 1 } else { n } * dtype.size()), scalar)
    };
    Ok(match expr {
        Expr::Input(i, dtype) => load_input(&inputs.values[*i], inputs.out_shape, lo, hi, *dtype),
        Expr::Scalar(value, dtype) => Block::owned(scalar_bytes(*value, *dtype)?, true),
        Expr::Cast(inner, to) => {
            let value = eval_block(inner, inputs, lo, hi)?;
            let (mut out, scalar) = output(*to, &[&value]);
            elementwise::try_cast(value.operand(inner.dtype()), bytes_mut(&mut out), *to)?;
            Block::owned(out, scalar)
        }
        Expr::Unary(op, inner, dtype) => {
            let value = eval_block(inner, inputs, lo, hi)?;
            let (mut out, scalar) = output(*dtype, &[&value]);
            elementwise::unary(
                *op,
                value.operand(inner.dtype()),
                bytes_mut(&mut out),
                *dtype,
            )?;
            Block::owned(out, scalar)
        }
        Expr::Binary(op, a, b, dtype) => {
            let (x, y) = (
                eval_block(a, inputs, lo, hi)?,
                eval_block(b, inputs, lo, hi)?,
            );
            let (mut out, scalar) = output(*dtype, &[&x, &y]);
            elementwise::binary(
                *op,
                x.operand(a.dtype()),
                y.operand(b.dtype()),
                bytes_mut(&mut out),
                *dtype,
            )?;
            Block::owned(out, scalar)
        }
        Expr::Where(c, a, b, dtype) => {
            let cond = eval_block(c, inputs, lo, hi)?;
            let (x, y) = (
                eval_block(a, inputs, lo, hi)?,
                eval_block(b, inputs, lo, hi)?,
            );
            let (mut out, scalar) = output(*dtype, &[&cond, &x, &y]);
            elementwise::try_where_select(
                cond.operand(DType::Bool),
                x.operand(*dtype),
                y.operand(*dtype),
                bytes_mut(&mut out),
            )?;
            Block::owned(out, scalar)
        }
    })
}

/// One element of `dtype` holding `value` (numpy's conversion of a literal).
fn scalar_bytes(value: Scalar, dtype: DType) -> Result<(Vec<u64>, usize)> {
    let (raw, from): (Vec<u8>, DType) = match value {
        Scalar::Bool(b) => (vec![u8::from(b)], DType::Bool),
        Scalar::Int(i) => (i.to_ne_bytes().to_vec(), DType::I64),
        Scalar::Float(f) => (f.to_ne_bytes().to_vec(), DType::F64),
    };
    let mut source = aligned(raw.len());
    bytes_mut(&mut source).copy_from_slice(&raw);
    let bytes = &bytemuck::cast_slice::<u64, u8>(&source.0)[..source.1];
    let mut out = aligned(dtype.size());
    elementwise::try_cast(Operand { bytes, dtype: from }, bytes_mut(&mut out), dtype)?;
    Ok(out)
}

/// Elements `lo..hi` (C order of the output region) of an input, broadcasting it.
fn load_input<'a>(
    value: &'a Chunk,
    out_shape: &[u64],
    lo: usize,
    hi: usize,
    dtype: DType,
) -> Block<'a> {
    let size = dtype.size();
    if value.shape() == out_shape {
        return Block::borrowed(&value.bytes()[lo * size..hi * size], false);
    }
    if value.len() == 1 {
        return Block::borrowed(value.bytes(), true);
    }
    let gathered = gather_broadcast(value, out_shape, lo, hi);
    let mut out = aligned(gathered.len());
    bytes_mut(&mut out).copy_from_slice(&gathered);
    Block::owned(out, false)
}
