//! Evaluation: produces any box (`Region`) of any graph node as a `Chunk`.
//!
//! Each node pulls the regions it needs from its inputs, so work fuses along the way:
//!
//! * an elementwise node reads its inputs' regions and evaluates its whole expression in
//!   blocks of `BLOCK` elements, so no chunk-sized temporary exists per operator;
//! * a reduction walks its input one chunk-sized piece at a time along the reduced axes,
//!   in parallel batches, and folds the partial results in a fixed tree (bit-identical
//!   whatever the thread count);
//! * a tensordot (matmul) streams blocks of the contracted axes the same way, so memory
//!   does not grow with them (see `linalg`); a diagonal reads only along the diagonal;
//! * slices, transposes, rechunks, unit-axis views (squeeze, expand_dims) and broadcasts
//!   only map regions and move elements;
//! * a concatenation reads from each input only the part that meets the region, one
//!   input after another, and copies it in place.
//!
//! What a region costs in memory is projected in `plan`; the executor admits work by it.

use std::sync::Arc;

use rayon::prelude::*;

use crate::chunk::Chunk;
use crate::context::Context;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::exec::TreeFold;
use crate::graph::{Array, AxisSlice, CarryCache, Expr, Op};
use crate::grid::{ChunkGrid, Region, region_indices, strides, unravel};
use crate::kernels::elementwise::{self, BinaryOp, Operand};
use crate::kernels::promote::Scalar;
use crate::kernels::reduce::{self, Partial, ReduceOp};
use crate::kernels::scan::{self, ScanOp};

/// Elements evaluated at a time by a fused elementwise expression.
pub const BLOCK: usize = 8192;

/// Elements of an elementwise node reduced at a time when the reduction consumes it
/// directly (whole rows of the leading axis, at least one row).
pub const SLAB: usize = 1 << 16;

/// True when a reduction of `axes` reads `input` slab by slab instead of whole pieces:
/// the input is an elementwise node and the leading axis is reduced, so slabs of leading
/// rows are contiguous runs of the piece and their partials combine.
pub(crate) fn reduces_by_slab(input: &Array, axes: &[usize]) -> bool {
    matches!(input.node().op, Op::Elementwise { .. }) && axes.first() == Some(&0)
}

/// Evaluates graph nodes within a context (its cache and thread count).
pub struct Evaluator<'a> {
    ctx: &'a Context,
    batch: usize,
    /// Source chunks kept for the length of one combined task (see `many::pin`).
    pin: Option<&'a crate::many::ChunkPin>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator over `ctx` whose streaming nodes work on `batch` pieces at once
    /// (the plan picks the widest batch that fits the budget).
    pub fn new(ctx: &'a Context, batch: usize) -> Evaluator<'a> {
        Evaluator {
            ctx,
            batch: batch.max(1),
            pin: None,
        }
    }

    /// This evaluator, reading source chunks through `pin` first (so that the outputs
    /// of one combined task decode a shared chunk once).
    pub fn with_pin(mut self, pin: &'a crate::many::ChunkPin) -> Evaluator<'a> {
        self.pin = Some(pin);
        self
    }

    /// Pieces a streaming node works on at once.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The values of `array` in `region`.
    pub fn region(&self, array: &Array, region: &Region) -> Result<Chunk> {
        let node = array.node();
        match &node.op {
            Op::Source(source) => self.source_region(array, source.as_ref(), region),
            Op::Elementwise { inputs, program } => self.elementwise(array, inputs, program, region),
            Op::Reduce {
                input,
                op,
                axes,
                keepdims,
            } => self.reduce(array, input, *op, axes, *keepdims, region),
            Op::Slice { input, axes } => self.slice(array, input, axes, region),
            Op::Transpose { input, perm } => self.transpose(input, perm, region),
            Op::Rechunk { input } => self.region(input, region),
            Op::TensorDot(dot) => crate::linalg::eval_tensordot(self, array, dot, region),
            Op::Diagonal(node) => crate::linalg::eval_diagonal(self, array, node, region),
            Op::MapBlocks { input, func } => self.map_blocks(array, input, func, region),
            Op::UnitAxes { input, axes } => self.unit_axes(array, input, axes, region),
            Op::BroadcastTo { input } => self.broadcast_to(array, input, region),
            Op::Scan {
                input,
                axis,
                op,
                carries,
            } => self.scan(array, input, *axis, *op, carries, region),
            Op::Concatenate {
                inputs,
                axis,
                offsets,
            } => self.concatenate(array, inputs, *axis, offsets, region),
            Op::Reshape { input } => crate::reshape::region(self, array, input, region),
            Op::Take {
                input,
                axis,
                indices,
            } => crate::select::take_region(self, array, input, *axis, indices, region),
            Op::Compress {
                input,
                mask,
                offsets,
            } => crate::select::compress_region(self, array, input, mask, offsets, region),
            Op::Overlap(overlap) => crate::overlap::evaluate(self, array, overlap, region),
        }
    }

    fn source_region(
        &self,
        array: &Array,
        source: &dyn crate::store::ChunkSource,
        region: &Region,
    ) -> Result<Chunk> {
        let grid = ChunkGrid::new(array.shape(), array.chunks())?;
        let id = array.node().id;
        let touching = grid.chunks_touching(region);
        if region.is_empty() {
            return Ok(Chunk::zeros(array.dtype(), &region.shape));
        }
        let read = |index: &[u64]| {
            let key = (id, grid.ravel(index));
            let load = || {
                self.ctx
                    .cache()
                    .get_or_load(key, || source.read_chunk(index))
            };
            match self.pin {
                Some(pin) => pin.get_or_load(key, load),
                None => load(),
            }
        };
        if touching.len() == 1 && grid.chunk_region(&touching.start) == *region {
            let chunk = read(&touching.start)?;
            return Ok(Arc::try_unwrap(chunk).unwrap_or_else(|shared| (*shared).clone()));
        }
        let mut out = Chunk::zeros(array.dtype(), &region.shape);
        for index in region_indices(&touching) {
            read(&index)?.copy_overlap_into(&grid.chunk_region(&index), &mut out, region);
        }
        Ok(out)
    }

    // ----- elementwise ---------------------------------------------------------------

    fn elementwise(
        &self,
        array: &Array,
        inputs: &[Array],
        program: &Expr,
        region: &Region,
    ) -> Result<Chunk> {
        let values = self.elementwise_inputs(inputs, region)?;
        let mut out = Chunk::zeros(array.dtype(), &region.shape);
        let total = out.len();
        let size = array.dtype().size();
        let program_inputs = ProgramInputs {
            values: &values,
            out_shape: &region.shape,
        };
        for lo in (0..total).step_by(BLOCK) {
            let hi = (lo + BLOCK).min(total);
            let value = eval_block(program, &program_inputs, lo, hi)?;
            let bytes = value.bytes(hi - lo, size);
            out.bytes_mut()[lo * size..hi * size].copy_from_slice(&bytes);
        }
        Ok(out)
    }

    /// Each input's part of an elementwise node's `region` (broadcast inputs read once).
    fn elementwise_inputs(&self, inputs: &[Array], region: &Region) -> Result<Vec<Chunk>> {
        inputs
            .iter()
            .map(|input| {
                let input_region = broadcast_source_region(region, input.shape());
                self.region(input, &input_region)
            })
            .collect()
    }

    // ----- reductions ----------------------------------------------------------------

    fn reduce(
        &self,
        array: &Array,
        input: &Array,
        op: ReduceOp,
        axes: &[usize],
        keepdims: bool,
        region: &Region,
    ) -> Result<Chunk> {
        let input_region = reduced_input_region(input.shape(), axes, keepdims, region);
        let pieces = Pieces::new(input, axes, &input_region);
        let by_slab = reduces_by_slab(input, axes);
        let partials = |index: usize| -> Result<Partial> {
            let piece = &pieces.get(index);
            if by_slab && !piece.is_empty() {
                return self.reduce_by_slab(input, op, axes, piece);
            }
            let values = self.region(input, piece)?;
            reduce::partial(op, &values, axes, &piece.start, input.shape())
        };
        let combine = |a: Partial, b: Partial| a.combine(&b);
        let mut fold = TreeFold::new();
        if pieces.len() == 0 {
            let empty = Chunk::zeros(input.dtype(), &input_region.shape);
            fold.push(
                reduce::partial(op, &empty, axes, &input_region.start, input.shape())?,
                &combine,
            )?;
        }
        self.in_order(pieces.len(), partials, |p| fold.push(p, &combine))?;
        let partial = fold
            .finish(&combine)?
            .ok_or_else(|| Error::internal("reduction without pieces"))?;
        partial.finish()?.reshaped(&region.shape).map_err(|_| {
            Error::Internal(format!(
                "reduction result does not have shape {:?} for {}",
                region.shape,
                array.dtype()
            ))
        })
    }

    /// The partial of reducing `axes` (the leading one among them) of `piece` of the
    /// elementwise node `input`, which is never held whole: slabs of leading rows are
    /// evaluated block by block into one buffer, reduced as they come, and their
    /// partials folded in a fixed tree.
    fn reduce_by_slab(
        &self,
        input: &Array,
        op: ReduceOp,
        axes: &[usize],
        piece: &Region,
    ) -> Result<Partial> {
        let Op::Elementwise { inputs, program } = &input.node().op else {
            return Err(Error::internal("slab reduction of a non-elementwise node"));
        };
        let values = self.elementwise_inputs(inputs, piece)?;
        let program_inputs = ProgramInputs {
            values: &values,
            out_shape: &piece.shape,
        };
        let (dtype, size) = (input.dtype(), input.dtype().size());
        let row = piece.shape[1..].iter().product::<u64>().max(1) as usize;
        let rows_per_slab = (SLAB / row).max(1) as u64;
        let combine = |a: Partial, b: Partial| a.combine(&b);
        let mut fold = TreeFold::new();
        let mut slab_shape = piece.shape.clone();
        slab_shape[0] = rows_per_slab.min(piece.shape[0]);
        let mut slab = Chunk::zeros(dtype, &slab_shape);
        for first in (0..piece.shape[0]).step_by(rows_per_slab as usize) {
            let rows = rows_per_slab.min(piece.shape[0] - first);
            if rows != slab.shape()[0] {
                slab_shape[0] = rows;
                slab = Chunk::zeros(dtype, &slab_shape);
            }
            let (lo, hi) = (first as usize * row, (first + rows) as usize * row);
            for at in (lo..hi).step_by(BLOCK) {
                let end = (at + BLOCK).min(hi);
                let value = eval_block(program, &program_inputs, at, end)?;
                slab.bytes_mut()[(at - lo) * size..(end - lo) * size]
                    .copy_from_slice(&value.bytes(end - at, size));
            }
            let mut start = piece.start.clone();
            start[0] += first;
            let partial = reduce::partial(op, &slab, axes, &start, input.shape())?;
            fold.push(partial, &combine)?;
        }
        fold.finish(&combine)?
            .ok_or_else(|| Error::internal("slab reduction without slabs"))
    }

    /// Computes items `0..count` in parallel batches and hands them to `consume` in
    /// index order.
    pub(crate) fn in_order<T: Send>(
        &self,
        count: usize,
        item: impl Fn(usize) -> Result<T> + Sync,
        mut consume: impl FnMut(T) -> Result<()>,
    ) -> Result<()> {
        for start in (0..count).step_by(self.batch) {
            let end = (start + self.batch).min(count);
            let results: Vec<Result<T>> = (start..end).into_par_iter().map(&item).collect();
            for result in results {
                consume(result?)?;
            }
        }
        Ok(())
    }

    // ----- slicing and transposes ----------------------------------------------------

    fn slice(
        &self,
        array: &Array,
        input: &Array,
        axes: &[AxisSlice],
        region: &Region,
    ) -> Result<Chunk> {
        let mut out = Chunk::zeros(array.dtype(), &region.shape);
        if region.is_empty() {
            return Ok(out);
        }
        let bbox = slice_bounding_box(axes, region);
        let grid = ChunkGrid::new(input.shape(), input.chunks())?;
        for index in region_indices(&grid.chunks_touching(&bbox)) {
            let Some(piece) = grid.chunk_region(&index).intersect(&bbox) else {
                continue;
            };
            let values = self.region(input, &piece)?;
            gather_slice(&values, &piece, axes, region, &mut out);
        }
        Ok(out)
    }

    fn transpose(&self, input: &Array, perm: &[usize], region: &Region) -> Result<Chunk> {
        let mut input_region = Region {
            start: vec![0; perm.len()],
            shape: vec![0; perm.len()],
        };
        for (d, &p) in perm.iter().enumerate() {
            input_region.start[p] = region.start[d];
            input_region.shape[p] = region.shape[d];
        }
        let values = self.region(input, &input_region)?;
        Ok(permute_axes(&values, perm))
    }

    // ----- unit axes, broadcasts, concatenation ---------------------------------------

    fn unit_axes(
        &self,
        array: &Array,
        input: &Array,
        axes: &[Option<usize>],
        region: &Region,
    ) -> Result<Chunk> {
        if region.is_empty() {
            return Ok(Chunk::zeros(array.dtype(), &region.shape));
        }
        // Input axes not listed have length 1: they stay [0, 1).
        let mut input_region = Region {
            start: vec![0; input.ndim()],
            shape: vec![1; input.ndim()],
        };
        for (d, axis) in axes.iter().enumerate() {
            if let Some(i) = *axis {
                input_region.start[i] = region.start[d];
                input_region.shape[i] = region.shape[d];
            }
        }
        // Same elements in the same C order: only the shape changes.
        self.region(input, &input_region)?.reshaped(&region.shape)
    }

    fn broadcast_to(&self, array: &Array, input: &Array, region: &Region) -> Result<Chunk> {
        let values = self.region(input, &broadcast_source_region(region, input.shape()))?;
        if values.shape() == region.shape.as_slice() {
            return Ok(values);
        }
        if region.is_empty() {
            return Ok(Chunk::zeros(array.dtype(), &region.shape));
        }
        if values.len() == 1 {
            return Ok(Chunk::filled(array.dtype(), &region.shape, values.bytes()));
        }
        let bytes = gather_broadcast(&values, &region.shape, 0, region.len() as usize);
        drop(values);
        Chunk::from_bytes(array.dtype(), &region.shape, &bytes)
    }

    fn concatenate(
        &self,
        array: &Array,
        inputs: &[Array],
        axis: usize,
        offsets: &[u64],
        region: &Region,
    ) -> Result<Chunk> {
        if region.is_empty() {
            return Ok(Chunk::zeros(array.dtype(), &region.shape));
        }
        let (lo, hi) = (region.start[axis], region.start[axis] + region.shape[axis]);
        // Per input meeting the region: its part of the region, in its own and in the
        // output's coordinates.
        let parts: Vec<(&Array, Region, Region)> = inputs
            .iter()
            .zip(offsets)
            .filter_map(|(input, &offset)| {
                let (from, to) = (lo.max(offset), hi.min(offset + input.shape()[axis]));
                (from < to).then(|| {
                    let mut placed = region.clone();
                    placed.start[axis] = from;
                    placed.shape[axis] = to - from;
                    let mut own = placed.clone();
                    own.start[axis] = from - offset;
                    (input, own, placed)
                })
            })
            .collect();
        if let [(input, own, placed)] = parts.as_slice()
            && placed == region
        {
            return self.region(input, own);
        }
        let mut out = Chunk::zeros(array.dtype(), &region.shape);
        for (input, own, placed) in &parts {
            let values = self.region(input, own)?;
            values.copy_overlap_into(placed, &mut out, region);
        }
        Ok(out)
    }

    // ----- scans ---------------------------------------------------------------------

    fn scan(
        &self,
        array: &Array,
        input: &Array,
        axis: usize,
        op: ScanOp,
        carries: &CarryCache,
        region: &Region,
    ) -> Result<Chunk> {
        let mut out = Chunk::zeros(array.dtype(), &region.shape);
        if region.is_empty() {
            return Ok(out);
        }
        let mut carry = self.carry_at(input, axis, op, carries, region, region.start[axis])?;
        let step = input.chunks()[axis].max(1);
        let (mut at, end) = (region.start[axis], region.start[axis] + region.shape[axis]);
        while at < end {
            let next = ((at / step + 1) * step).min(end);
            let piece = along(region, axis, at, next);
            let values = self.region(input, &piece)?;
            scan::scan(op, &values, axis, &mut carry)?.copy_overlap_into(&piece, &mut out, region);
            at = next;
        }
        Ok(out)
    }

    /// The running total of `input` along `axis` over `[0, position)`, for the other
    /// axes of `region`. Totals at chunk boundaries are cached in `carries`, so walking
    /// the array in order reads each chunk once more (for its total), not once per
    /// later chunk.
    fn carry_at(
        &self,
        input: &Array,
        axis: usize,
        op: ScanOp,
        carries: &CarryCache,
        region: &Region,
        position: u64,
    ) -> Result<Chunk> {
        let step = input.chunks()[axis].max(1);
        let key = along(region, axis, 0, 1);
        let boundary = position / step;
        let cached = |j: u64| {
            let map = carries.lock().unwrap_or_else(|p| p.into_inner());
            map.get(&(j, key.clone())).cloned()
        };
        // Walk back to the nearest boundary whose carry is known.
        let mut j = boundary;
        let mut carry = loop {
            if j == 0 {
                break scan::identity(op, input.dtype(), &key.shape);
            }
            if let Some(known) = cached(j) {
                break (*known).clone();
            }
            j -= 1;
        };
        while j < boundary {
            let total = self.total(
                input,
                axis,
                op,
                &along(region, axis, j * step, (j + 1) * step),
            )?;
            carry = combine_carry(op, carry, &total)?;
            j += 1;
            let mut map = carries.lock().unwrap_or_else(|p| p.into_inner());
            map.insert((j, key.clone()), Arc::new(carry.clone()));
        }
        if position > boundary * step {
            let total = self.total(
                input,
                axis,
                op,
                &along(region, axis, boundary * step, position),
            )?;
            carry = combine_carry(op, carry, &total)?;
        }
        Ok(carry)
    }

    /// The sum or product of `input` over `piece` along `axis`, keeping the axis.
    fn total(&self, input: &Array, axis: usize, op: ScanOp, piece: &Region) -> Result<Chunk> {
        let values = self.region(input, piece)?;
        let reduce = if op == ScanOp::Sum {
            ReduceOp::Sum
        } else {
            ReduceOp::Prod
        };
        reduce::partial(reduce, &values, &[axis], &piece.start, input.shape())?.finish()
    }

    // ----- map_blocks ----------------------------------------------------------------

    fn map_blocks(
        &self,
        array: &Array,
        input: &Array,
        func: &crate::graph::BlockFn,
        region: &Region,
    ) -> Result<Chunk> {
        let grid = ChunkGrid::new(input.shape(), input.chunks())?;
        let mut out = Chunk::zeros(array.dtype(), &region.shape);
        if region.is_empty() {
            return Ok(out);
        }
        for index in region_indices(&grid.chunks_touching(region)) {
            let block_region = grid.chunk_region(&index);
            let block = self.region(input, &block_region)?;
            let mapped = func(&block)?;
            if mapped.shape() != block.shape() || mapped.dtype() != array.dtype() {
                return Err(Error::shape(
                    "map_blocks",
                    format!(
                        "the function returned {:?} {} for a block of {:?}; expected {:?} {}",
                        mapped.shape(),
                        mapped.dtype(),
                        block.shape(),
                        block.shape(),
                        array.dtype()
                    ),
                ));
            }
            mapped.copy_overlap_into(&block_region, &mut out, region);
        }
        Ok(out)
    }
}

// ----- elementwise blocks -------------------------------------------------------------

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

/// Copies elements `lo..hi` of `value` broadcast to `out_shape`.
fn gather_broadcast(value: &Chunk, out_shape: &[u64], lo: usize, hi: usize) -> Vec<u8> {
    let size = value.dtype().size();
    let ndim = out_shape.len();
    let offset = ndim - value.shape().len();
    let in_strides = strides(value.shape());
    // Stride of each output axis in the input (0 where broadcast).
    let axis_strides: Vec<u64> = (0..ndim)
        .map(|d| {
            if d < offset || value.shape()[d - offset] == 1 {
                0
            } else {
                in_strides[d - offset]
            }
        })
        .collect();
    let src = value.bytes();
    let mut out = Vec::with_capacity((hi - lo) * size);
    let mut index = unravel(lo as u64, out_shape);
    for _ in lo..hi {
        let at: u64 = index.iter().zip(&axis_strides).map(|(i, s)| i * s).sum();
        let at = at as usize * size;
        out.extend_from_slice(&src[at..at + size]);
        // Advance the C-order odometer.
        for d in (0..ndim).rev() {
            index[d] += 1;
            if index[d] < out_shape[d] {
                break;
            }
            index[d] = 0;
        }
    }
    out
}

/// The region of an input (of `input_shape`) that broadcasts onto `region`.
fn broadcast_source_region(region: &Region, input_shape: &[u64]) -> Region {
    let offset = region.start.len() - input_shape.len();
    let mut start = Vec::with_capacity(input_shape.len());
    let mut shape = Vec::with_capacity(input_shape.len());
    for (i, &n) in input_shape.iter().enumerate() {
        let d = i + offset;
        if n == 1 && region.shape[d] != 1 {
            start.push(0);
            shape.push(1);
        } else if n == 1 {
            start.push(0);
            shape.push(region.shape[d]);
        } else {
            start.push(region.start[d]);
            shape.push(region.shape[d]);
        }
    }
    Region { start, shape }
}

/// `region` with `axis` limited to `[lo, hi)`.
fn along(region: &Region, axis: usize, lo: u64, hi: u64) -> Region {
    let mut piece = region.clone();
    piece.start[axis] = lo;
    piece.shape[axis] = hi - lo;
    piece
}

/// A scan's carry advanced over a piece whose total is `total`.
fn combine_carry(op: ScanOp, carry: Chunk, total: &Chunk) -> Result<Chunk> {
    match op {
        ScanOp::Sum => add_chunks(carry, total),
        ScanOp::Prod => {
            let dtype = carry.dtype();
            let mut out = aligned(carry.nbytes());
            let (a, b) = (
                Operand {
                    bytes: carry.bytes(),
                    dtype,
                },
                Operand {
                    bytes: total.bytes(),
                    dtype,
                },
            );
            elementwise::binary(BinaryOp::Mul, a, b, bytes_mut(&mut out), dtype)?;
            Chunk::from_bytes(dtype, carry.shape(), &bytemuck::cast_slice(&out.0)[..out.1])
        }
    }
}

fn add_chunks(mut acc: Chunk, other: &Chunk) -> Result<Chunk> {
    let dtype = acc.dtype();
    let sum = {
        let a = Operand {
            bytes: acc.bytes(),
            dtype,
        };
        let b = Operand {
            bytes: other.bytes(),
            dtype,
        };
        let mut out = aligned(acc.nbytes());
        elementwise::binary(BinaryOp::Add, a, b, bytes_mut(&mut out), dtype)?;
        out
    };
    acc.bytes_mut()
        .copy_from_slice(&bytemuck::cast_slice(&sum.0)[..sum.1]);
    Ok(acc)
}

// ----- reductions ---------------------------------------------------------------------

/// The input region a reduction's output `region` depends on: the same extent on kept
/// axes, everything on reduced ones.
fn reduced_input_region(
    input_shape: &[u64],
    axes: &[usize],
    keepdims: bool,
    region: &Region,
) -> Region {
    let mut start = Vec::with_capacity(input_shape.len());
    let mut shape = Vec::with_capacity(input_shape.len());
    let mut out_axis = 0;
    for (d, &n) in input_shape.iter().enumerate() {
        if axes.contains(&d) {
            start.push(0);
            shape.push(n);
            if keepdims {
                out_axis += 1;
            }
        } else {
            start.push(region.start[out_axis]);
            shape.push(region.shape[out_axis]);
            out_axis += 1;
        }
    }
    Region { start, shape }
}

/// A reduction's input region split along the reduced axes at the input's chunk
/// boundaries, in C order. Kept axes are never split, so every piece's partial result
/// has the same shape. Pieces are computed on demand: a reduction over a million
/// chunks does not hold a million regions.
pub(crate) struct Pieces<'a> {
    region: &'a Region,
    axes: &'a [usize],
    chunks: &'a [u64],
    counts: Vec<u64>,
}

impl<'a> Pieces<'a> {
    pub(crate) fn new(input: &'a Array, axes: &'a [usize], region: &'a Region) -> Pieces<'a> {
        let chunks = input.chunks();
        let counts = (0..region.shape.len())
            .map(|d| {
                if region.is_empty() {
                    0
                } else if axes.contains(&d) {
                    let first = region.start[d] / chunks[d];
                    let last = (region.start[d] + region.shape[d] - 1) / chunks[d];
                    last - first + 1
                } else {
                    1
                }
            })
            .collect();
        Pieces {
            region,
            axes,
            chunks,
            counts,
        }
    }

    /// Number of pieces.
    pub(crate) fn len(&self) -> usize {
        self.counts.iter().product::<u64>() as usize
    }

    /// The `index`-th piece.
    pub(crate) fn get(&self, index: usize) -> Region {
        let position = unravel(index as u64, &self.counts);
        let mut piece = self.region.clone();
        for &d in self.axes {
            let c = self.chunks[d];
            let first = self.region.start[d] / c + position[d];
            let lo = (first * c).max(self.region.start[d]);
            let hi = ((first + 1) * c).min(self.region.start[d] + self.region.shape[d]);
            piece.start[d] = lo;
            piece.shape[d] = hi - lo;
        }
        piece
    }
}

// ----- slices -------------------------------------------------------------------------

/// The input box holding every element the slice maps into `region`.
fn slice_bounding_box(axes: &[AxisSlice], region: &Region) -> Region {
    let mut start = Vec::with_capacity(axes.len());
    let mut shape = Vec::with_capacity(axes.len());
    let mut out_axis = 0;
    for axis in axes {
        match *axis {
            AxisSlice::Index(i) => {
                start.push(i);
                shape.push(1);
            }
            AxisSlice::Range { start: s, step, .. } => {
                let (o0, n) = (region.start[out_axis] as i64, region.shape[out_axis] as i64);
                let first = s as i64 + step * o0;
                let last = s as i64 + step * (o0 + n - 1);
                let (lo, hi) = (first.min(last), first.max(last));
                start.push(lo as u64);
                shape.push((hi - lo + 1) as u64);
                out_axis += 1;
            }
        }
    }
    Region { start, shape }
}

/// Copies the elements of `values` (the input box `piece`) that the slice sends into
/// the output `region` into `out`.
fn gather_slice(
    values: &Chunk,
    piece: &Region,
    axes: &[AxisSlice],
    region: &Region,
    out: &mut Chunk,
) {
    // Per output axis: the (output offset, input offset within piece) pairs it hits.
    let mut lists: Vec<Vec<(u64, u64)>> = Vec::new();
    let mut input_axis_of: Vec<usize> = Vec::new();
    let mut fixed_offset = 0u64;
    let in_strides = strides(&piece.shape);
    let mut out_axis = 0;
    for (d, axis) in axes.iter().enumerate() {
        match *axis {
            AxisSlice::Index(i) => fixed_offset += (i - piece.start[d]) * in_strides[d],
            AxisSlice::Range { start, step, .. } => {
                let (o0, n) = (region.start[out_axis], region.shape[out_axis]);
                let hits: Vec<(u64, u64)> = (0..n)
                    .filter_map(|k| {
                        let at = start as i64 + step * (o0 + k) as i64;
                        let lo = piece.start[d] as i64;
                        (at >= lo && at < lo + piece.shape[d] as i64).then(|| (k, (at - lo) as u64))
                    })
                    .collect();
                lists.push(hits);
                input_axis_of.push(d);
                out_axis += 1;
            }
        }
    }
    if lists.iter().any(Vec::is_empty) {
        return;
    }
    let size = values.dtype().size();
    let out_strides = strides(out.shape());
    let src = values.bytes();
    // When the innermost output axis walks the innermost input axis forward, its
    // elements form one contiguous run per outer position: copy runs, not elements.
    let run = match (lists.last(), input_axis_of.last()) {
        (Some(last), Some(&axis))
            if in_strides[axis] == 1 && last.windows(2).all(|w| w[1].1 == w[0].1 + 1) =>
        {
            last.len()
        }
        _ => 1,
    };
    let counts: Vec<u64> = lists
        .iter()
        .enumerate()
        .map(|(k, l)| {
            if k + 1 == lists.len() && run > 1 {
                1
            } else {
                l.len() as u64
            }
        })
        .collect();
    let total: u64 = counts.iter().product();
    let bytes = run * size;
    let dst = out.bytes_mut();
    for linear in 0..total {
        let position = unravel(linear, &counts);
        let mut from = fixed_offset;
        let mut to = 0u64;
        for (k, &p) in position.iter().enumerate() {
            let (o, i) = lists[k][p as usize];
            from += i * in_strides[input_axis_of[k]];
            to += o * out_strides[k];
        }
        let (from, to) = (from as usize * size, to as usize * size);
        dst[to..to + bytes].copy_from_slice(&src[from..from + bytes]);
    }
}

/// `values` with axes permuted: output axis `d` is input axis `perm[d]`.
pub(crate) fn permute_axes(values: &Chunk, perm: &[usize]) -> Chunk {
    let out_shape: Vec<u64> = perm.iter().map(|&p| values.shape()[p]).collect();
    let mut out = Chunk::zeros(values.dtype(), &out_shape);
    let in_strides = strides(values.shape());
    let along: Vec<u64> = perm.iter().map(|&p| in_strides[p]).collect();
    // Elements move as plain words of their size; chunk storage is 8-byte aligned.
    macro_rules! permute {
        ($t:ty) => {
            permute_words::<$t>(
                bytemuck::cast_slice(values.bytes()),
                bytemuck::cast_slice_mut(out.bytes_mut()),
                &out_shape,
                &along,
            )
        };
    }
    match values.dtype().size() {
        1 => permute!(u8),
        2 => permute!(u16),
        4 => permute!(u32),
        _ => permute!(u64),
    }
    out
}

/// Side of the square tiles a 2-D transpose copies, so both sides stay in cache.
const TILE: usize = 32;

/// Fills `dst` (C order, `out_shape`) from `src`, where output axis `d` steps `along[d]`
/// elements in `src`.
fn permute_words<T: Copy>(src: &[T], dst: &mut [T], out_shape: &[u64], along: &[u64]) {
    let ndim = out_shape.len();
    if dst.is_empty() {
        return;
    }
    if ndim == 0 {
        dst[0] = src[0];
        return;
    }
    if ndim == 2 && along[1] != 1 {
        let (rows, cols) = (out_shape[0] as usize, out_shape[1] as usize);
        let (row_step, col_step) = (along[0] as usize, along[1] as usize);
        for r0 in (0..rows).step_by(TILE) {
            for c0 in (0..cols).step_by(TILE) {
                for r in r0..(r0 + TILE).min(rows) {
                    for c in c0..(c0 + TILE).min(cols) {
                        dst[r * cols + c] = src[r * row_step + c * col_step];
                    }
                }
            }
        }
        return;
    }
    // General case: one pass per output row along the last axis.
    let inner = out_shape[ndim - 1] as usize;
    let step = along[ndim - 1] as usize;
    let outer: Vec<u64> = out_shape[..ndim - 1].to_vec();
    let rows: u64 = outer.iter().product();
    for row in 0..rows {
        let index = unravel(row, &outer);
        let base: u64 = index.iter().zip(along).map(|(i, s)| i * s).sum();
        let (base, at) = (base as usize, row as usize * inner);
        for (k, slot) in dst[at..at + inner].iter_mut().enumerate() {
            *slot = src[base + k * step];
        }
    }
}

#[cfg(test)]
mod tests;
