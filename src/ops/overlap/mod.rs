//! `map_overlap`: functions over blocks that see their neighbours (stencils), as
//! `dask.array.map_overlap`.
//!
//! Each block of the input's chunking is extended by a halo of `depth[a]` elements on
//! both sides of axis `a` and handed to the function; with `trim` the halo is cut off
//! the result again, so the output has the input's shape and chunks. Where a halo
//! crosses the array's edge the `Boundary` says what it holds:
//!
//! ```text
//!   array  a b c d e    depth 2, left edge:
//!   none       a b c …  no padding: edge blocks get a smaller halo
//!   reflect  b a a b c  mirrored, the edge element repeated (numpy.pad 'symmetric')
//!   periodic d e a b c  wrapped around (numpy.pad 'wrap')
//!   nearest  a a a b c  the edge element repeated (numpy.pad 'edge')
//!   constant v v a b c  a value (numpy.pad 'constant')
//! ```
//!
//! Padding follows numpy.pad for any depth, also a depth longer than the axis (the
//! reflection or wrap repeats). A depth longer than a chunk needs no rechunk (dask
//! rechunks): the halo is read from as many neighbours as it spans.
//!
//! Evaluating an output block reads only the input box block ± depth, one contiguous
//! piece per padding segment (the interior, a mirrored strip, a wrapped strip), through
//! the evaluator's region reads, which copy just that box out of the chunks it meets.
//!
//! Named window functions (`WindowOp`: sum, mean, min, max) take the place of the
//! user function for the expression language: each output element gets the statistic
//! of its `(2 * depth + 1)^ndim` window. They do not depend on the blocking, so a region
//! is computed in one piece. Under `none` the windows shrink at the array's edges.

mod halo;

use halo::*;

use std::sync::Arc;

use super::map_blocks::BlockFn;
use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::graph::{Array, Evaluator, Operator, out_bytes, region_cost, sat_sum};
use crate::grid::{ChunkGrid, Region, region_indices};
use crate::kernels::elementwise::{Operand, try_cast};
use crate::kernels::promote::Scalar;
use crate::kernels::stencil::{WindowOp, window, window_work_bytes};

/// What a halo holds where it crosses the array's edge, in [`Array::map_overlap`] and
/// [`Array::moving_window`] (dask's `boundary=`; the padding follows `numpy.pad`'s
/// modes, for any depth).
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// use tessera::{Boundary, WindowOp};
/// use tessera::Scalar;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![1.0, 2.0, 4.0, 8.0].view(), &[2])?;
/// let sums = |boundary: Boundary, depth: u64| {
///     a.moving_window(WindowOp::Sum, &[depth], boundary)?.compute_vec::<f64>(&ctx)
/// };
/// // Windows of three: the element and its neighbours.
/// assert_eq!(sums(Boundary::None, 1)?, vec![3.0, 7.0, 14.0, 12.0]); // shrink at the edges
/// assert_eq!(sums(Boundary::Reflect, 1)?, vec![4.0, 7.0, 14.0, 20.0]); // 1 | 1 2 4 8 | 8
/// assert_eq!(sums(Boundary::Periodic, 1)?, vec![11.0, 7.0, 14.0, 13.0]); // 8 | 1 2 4 8 | 1
/// assert_eq!(sums(Boundary::Nearest, 1)?, vec![4.0, 7.0, 14.0, 20.0]); // 1 | 1 2 4 8 | 8
/// let ten = Boundary::Constant(Scalar::Float(10.0));
/// assert_eq!(sums(ten, 1)?, vec![13.0, 7.0, 14.0, 22.0]); // 10 | 1 2 4 8 | 10
/// // Deeper halos tell reflect (2 1 | 1 2 4 8 | 8 4) from nearest (1 1 | 1 2 4 8 | 8 8).
/// assert_eq!(sums(Boundary::Reflect, 2)?, vec![10.0, 16.0, 23.0, 26.0]);
/// assert_eq!(sums(Boundary::Nearest, 2)?, vec![9.0, 16.0, 23.0, 30.0]);
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Boundary {
    /// No padding: blocks at the edge get a smaller halo (dask's default).
    None,
    /// Mirrored at the edge, the edge element repeated (numpy.pad `symmetric`).
    Reflect,
    /// Wrapped around to the other end (numpy.pad `wrap`).
    Periodic,
    /// The edge element repeated (numpy.pad `edge`).
    Nearest,
    /// A constant, converted to the array's dtype (numpy.pad `constant`).
    Constant(Scalar),
}

/// The boundary names [`Boundary::parse`] accepts, for messages.
///
/// # Examples
/// ```
/// for name in ["none", "reflect", "periodic", "nearest", "constant"] {
///     assert!(tessera::BOUNDARIES.contains(name));
///     assert!(tessera::Boundary::parse(name, None).is_some());
/// }
/// ```
pub const BOUNDARIES: &str = "none, reflect, periodic, nearest, constant (with a value)";

impl Boundary {
    /// The boundary called `name` (one of [`BOUNDARIES`]), or `None` for any other
    /// name; `constant` takes `value` (0 when absent), the others ignore it.
    ///
    /// # Examples
    /// ```
    /// use tessera::Boundary;
    /// use tessera::Scalar;
    /// assert_eq!(Boundary::parse("periodic", None), Some(Boundary::Periodic));
    /// assert_eq!(Boundary::parse("constant", None), Some(Boundary::Constant(Scalar::Int(0))));
    /// assert_eq!(
    ///     Boundary::parse("constant", Some(Scalar::Float(1.5))),
    ///     Some(Boundary::Constant(Scalar::Float(1.5)))
    /// );
    /// assert_eq!(Boundary::parse("wrap", None), None);
    /// ```
    pub fn parse(name: &str, value: Option<Scalar>) -> Option<Boundary> {
        Some(match name {
            "none" => Boundary::None,
            "reflect" => Boundary::Reflect,
            "periodic" => Boundary::Periodic,
            "nearest" => Boundary::Nearest,
            "constant" => Boundary::Constant(value.unwrap_or(Scalar::Int(0))),
            _ => return None,
        })
    }

    /// The boundary as users write it: its name, and for `constant` the value.
    ///
    /// # Examples
    /// ```
    /// use tessera::Boundary;
    /// use tessera::Scalar;
    /// assert_eq!(Boundary::Reflect.describe(), "reflect");
    /// assert_eq!(Boundary::Constant(Scalar::Float(2.5)).describe(), "constant 2.5");
    /// ```
    pub fn describe(&self) -> String {
        match self {
            Boundary::None => "none".into(),
            Boundary::Reflect => "reflect".into(),
            Boundary::Periodic => "periodic".into(),
            Boundary::Nearest => "nearest".into(),
            Boundary::Constant(Scalar::Int(v)) => format!("constant {v}"),
            Boundary::Constant(Scalar::Float(v)) => format!("constant {v}"),
            Boundary::Constant(Scalar::Bool(v)) => format!("constant {v}"),
        }
    }

    /// The input index that virtual position `p` (which may lie outside `[0, n)`) holds,
    /// or `None` for a constant.
    fn source_index(&self, p: i64, n: i64) -> Option<u64> {
        let inside = (0..n).contains(&p);
        let index = match self {
            _ if inside => p,
            Boundary::None | Boundary::Constant(_) => return None,
            Boundary::Periodic => p.rem_euclid(n),
            Boundary::Nearest => p.clamp(0, n - 1),
            Boundary::Reflect => {
                let q = p.rem_euclid(2 * n);
                if q < n { q } else { 2 * n - 1 - q }
            }
        };
        Some(index as u64)
    }
}

/// What is applied to each extended block.
#[derive(Clone)]
pub(crate) enum Stencil {
    /// A user function from an extended block to a block of the same shape; with
    /// `trim` the halo is cut off its result.
    Block { func: BlockFn, trim: bool },
    /// A named window statistic (the halo never reaches the output).
    Window(WindowOp),
}

/// A `map_overlap` node: `stencil` over blocks of `input` extended by `depth`.
pub(crate) struct Overlap {
    input: Array,
    depth: Vec<u64>,
    boundary: Boundary,
    stencil: Stencil,
}

impl Array {
    /// Applies `func` to every block of this array's chunking extended by `depth[a]`
    /// elements on both sides of each axis `a`, the halo filled across the array's
    /// edges as `boundary` says (`dask.array.map_overlap`). `func` must return a chunk
    /// of the extended block's shape in `dtype`. With `trim` the halo is cut off its
    /// result, so the output has this array's shape and chunks; without, the output
    /// holds the extended blocks side by side (needs a padding boundary on every axis
    /// that is overlapped and has several chunks). A depth longer than a chunk is
    /// read from as many neighbours as it spans.
    ///
    /// As with [`Array::map_blocks`], an error `func` returns, or a block of another
    /// shape or dtype, fails the computation that runs it.
    ///
    /// # Errors
    /// A `depth` without one entry per axis, or so deep that an extended block cannot
    /// be addressed; `trim` off with [`Boundary::None`] on an overlapped axis of several
    /// chunks (the edge blocks would be smaller than the others).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// use tessera::{Boundary, Chunk};
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1.0, 2.0, 4.0, 7.0, 11.0].view(), &[2])?;
    /// // Central differences, each block seeing one neighbour on either side
    /// // (numpy's gradient inside; the edge element repeated outside).
    /// let gradient = |block: &Chunk| {
    ///     let x = block.to_ndarray::<f64>()?;
    ///     let mut d = vec![0.0; x.len()];
    ///     for i in 1..x.len() - 1 {
    ///         d[i] = (x[i + 1] - x[i - 1]) / 2.0;
    ///     }
    ///     Chunk::from_slice(block.shape(), &d)
    /// };
    /// let g = a.map_overlap(DType::F64, &[1], Boundary::Nearest, true, gradient)?;
    /// assert_eq!((g.shape(), g.chunks()), (&[5][..], &[2][..]));
    /// assert_eq!(g.compute_vec::<f64>(&ctx)?, vec![0.5, 1.5, 2.5, 3.5, 2.0]);
    ///
    /// // Untrimmed, the blocks [1 2] [4 7] [11] keep their halos, side by side.
    /// let copy = |b: &Chunk| -> tessera::Result<Chunk> { Ok(b.clone()) };
    /// let whole = a.map_overlap(DType::F64, &[1], Boundary::Nearest, false, copy)?;
    /// assert_eq!((whole.shape(), whole.chunks()), (&[11][..], &[4][..]));
    /// assert_eq!(
    ///     whole.compute_vec::<f64>(&ctx)?,
    ///     vec![1.0, 1.0, 2.0, 4.0, 2.0, 4.0, 7.0, 11.0, 7.0, 11.0, 11.0]
    /// );
    ///
    /// assert!(a.map_overlap(DType::F64, &[1, 1], Boundary::Nearest, true, copy).is_err());
    /// assert!(a.map_overlap(DType::F64, &[1], Boundary::None, false, copy).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn map_overlap(
        &self,
        dtype: DType,
        depth: &[u64],
        boundary: Boundary,
        trim: bool,
        func: impl Fn(&Chunk) -> Result<Chunk> + Send + Sync + 'static,
    ) -> Result<Array> {
        let stencil = Stencil::Block {
            func: Arc::new(func),
            trim,
        };
        overlap_node(self, dtype, depth, boundary, stencil)
    }

    /// The window statistic `op` around every element: the sum, mean, min or max of
    /// the `(2 * depth[a] + 1)` elements along each axis `a` (a moving-window filter,
    /// like scipy.ndimage's `uniform_filter`, `minimum_filter`, `maximum_filter`).
    /// Result dtypes are numpy's for the reduction of that name. The halo is filled
    /// as `boundary` says; under [`Boundary::None`] the windows shrink at the edges.
    /// The result has this array's shape and chunks.
    ///
    /// # Errors
    /// A `depth` without one entry per axis, or so deep that an extended block cannot
    /// be addressed.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// use tessera::{Boundary, WindowOp};
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1i32, 5, 2, 8], [0, 0, 0, 0]].view(), &[1, 2])?;
    /// // Windows of 1 x 3 elements.
    /// let max = a.moving_window(WindowOp::Max, &[0, 1], Boundary::None)?;
    /// assert_eq!(max.dtype(), DType::I32);
    /// assert_eq!(max.compute_vec::<i32>(&ctx)?, vec![5, 5, 8, 8, 0, 0, 0, 0]);
    /// let sum = a.moving_window(WindowOp::Sum, &[0, 1], Boundary::None)?;
    /// assert_eq!(sum.dtype(), DType::I64); // numpy's sum dtype
    /// assert_eq!(sum.compute_vec::<i64>(&ctx)?, vec![6, 8, 15, 10, 0, 0, 0, 0]);
    /// // Windows of 3 x 3 elements, the halo wrapped around.
    /// let total = a.moving_window(WindowOp::Sum, &[1, 1], Boundary::Periodic)?;
    /// assert_eq!(total.compute_vec::<i64>(&ctx)?, vec![14, 8, 15, 11, 28, 16, 30, 22]);
    /// assert!(a.moving_window(WindowOp::Sum, &[1], Boundary::None).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn moving_window(&self, op: WindowOp, depth: &[u64], boundary: Boundary) -> Result<Array> {
        let dtype = op.output_dtype(self.dtype())?;
        overlap_node(self, dtype, depth, boundary, Stencil::Window(op))
    }
}

fn overlap_node(
    input: &Array,
    dtype: DType,
    depth: &[u64],
    boundary: Boundary,
    stencil: Stencil,
) -> Result<Array> {
    check_depth(input, depth)?;
    if let Boundary::Constant(value) = boundary {
        constant_bytes(value, input.dtype())?;
    }
    let (shape, chunks) = match &stencil {
        Stencil::Block { trim: false, .. } => untrimmed_grid(input, depth, boundary)?,
        _ => (input.shape().to_vec(), input.chunks().to_vec()),
    };
    let op = Overlap {
        input: input.clone(),
        depth: depth.to_vec(),
        boundary,
        stencil,
    };
    Array::checked_node(op, shape, chunks, dtype)
}

/// Refuses a depth list that does not have one entry per axis, or an extended block
/// too large to address.
fn check_depth(input: &Array, depth: &[u64]) -> Result<()> {
    if depth.len() != input.ndim() {
        return Err(Error::shape(
            "map_overlap",
            format!(
                "depth has {} entries for an array of {} axes: give one per axis",
                depth.len(),
                input.ndim()
            ),
        ));
    }
    let mut elements: u64 = 1;
    for ((&c, &n), &d) in input.chunks().iter().zip(input.shape()).zip(depth) {
        // Virtual positions (n + 2d) must fit an i64, and an extended block a u64.
        let extended = d
            .checked_mul(2)
            .and_then(|h| h.checked_add(c.max(n)))
            .filter(|&e| e <= i64::MAX as u64)
            .and_then(|e| elements.checked_mul(e));
        elements = extended
            .ok_or_else(|| Error::shape("map_overlap", format!("depth {depth:?} is too large")))?;
    }
    Ok(())
}

/// Shape and chunks of an untrimmed result: every block grows by `2 * depth`.
fn untrimmed_grid(
    input: &Array,
    depth: &[u64],
    boundary: Boundary,
) -> Result<(Vec<u64>, Vec<u64>)> {
    let mut shape = Vec::with_capacity(depth.len());
    let mut chunks = Vec::with_capacity(depth.len());
    for (a, &d) in depth.iter().enumerate() {
        let (n, c) = (input.shape()[a], input.chunks()[a].max(1));
        let blocks = n.div_ceil(c);
        if boundary == Boundary::None {
            if d > 0 && blocks > 1 {
                return Err(Error::shape(
                    "map_overlap",
                    format!(
                        "trim=false with boundary none needs one chunk on every overlapped axis (axis {a} has {blocks}): edge blocks would be smaller than the others; use a padding boundary or trim=true"
                    ),
                ));
            }
            shape.push(n);
            chunks.push(c);
        } else {
            let too_large = || {
                Error::shape(
                    "map_overlap",
                    format!("depth {d} on axis {a} makes the extended array too large"),
                )
            };
            let halo = d.checked_mul(2).ok_or_else(too_large)?;
            let length = blocks
                .checked_mul(halo)
                .and_then(|h| h.checked_add(n))
                .ok_or_else(too_large)?;
            shape.push(length);
            chunks.push(c.min(n.max(1)).checked_add(halo).ok_or_else(too_large)?);
        }
    }
    Ok((shape, chunks))
}

/// One element of `dtype` holding `value`, as numpy converts a pad constant.
fn constant_bytes(value: Scalar, dtype: DType) -> Result<Chunk> {
    let source = match value {
        Scalar::Bool(b) => Chunk::from_bytes(DType::Bool, &[1], &[u8::from(b)])?,
        Scalar::Int(i) => Chunk::from_slice(&[1], &[i])?,
        Scalar::Float(f) => Chunk::from_slice(&[1], &[f])?,
    };
    let mut out = Chunk::zeros(dtype, &[1]);
    try_cast(
        Operand::new(source.bytes(), source.dtype()),
        out.bytes_mut(),
        dtype,
    )?;
    Ok(out)
}

// ----- evaluation -----------------------------------------------------------------------

impl Operator for Overlap {
    fn name(&self) -> &'static str {
        "map_overlap"
    }

    fn label(&self, _node: &Array) -> String {
        stage_name(self)
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.input]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        evaluate(ev, node, self, region)
    }

    fn cost(&self, node: &Array, shape: &[u64], batch: u64) -> u64 {
        cost(node, self, shape, batch)
    }
}

/// The values of the `map_overlap` node `array` in `region`.
fn evaluate(
    ev: &Evaluator<'_>,
    array: &Array,
    overlap: &Overlap,
    region: &Region,
) -> Result<Chunk> {
    if region.is_empty() {
        return Ok(Chunk::zeros(array.dtype(), &region.shape));
    }
    match &overlap.stencil {
        Stencil::Window(op) => {
            let halo = Halo::around(region, overlap);
            let extended = read_extended(ev, overlap, &halo)?;
            window(*op, &extended, &halo.interior, &overlap.depth)
        }
        Stencil::Block { func, trim } => evaluate_blocks(ev, array, overlap, func, *trim, region),
    }
}

/// A user function's output blocks meeting `region`, one after another.
fn evaluate_blocks(
    ev: &Evaluator,
    array: &Array,
    overlap: &Overlap,
    func: &BlockFn,
    trim: bool,
    region: &Region,
) -> Result<Chunk> {
    let input = &overlap.input;
    let input_grid = ChunkGrid::new(input.shape(), input.chunks())?;
    let output_grid = ChunkGrid::new(array.shape(), array.chunks())?;
    let mut out = Chunk::zeros(array.dtype(), &region.shape);
    for index in region_indices(&output_grid.chunks_touching(region)) {
        let block = input_grid.chunk_region(&index);
        let halo = Halo::around(&block, overlap);
        let extended = read_extended(ev, overlap, &halo)?;
        let mapped = func(&extended)?;
        if mapped.shape() != extended.shape() || mapped.dtype() != array.dtype() {
            return Err(Error::shape(
                "map_overlap",
                format!(
                    "the function returned {:?} {} for an extended block of {:?}; expected {:?} {}",
                    mapped.shape(),
                    mapped.dtype(),
                    extended.shape(),
                    extended.shape(),
                    array.dtype()
                ),
            ));
        }
        drop(extended);
        if trim {
            mapped
                .extract(&halo.interior)
                .copy_overlap_into(&block, &mut out, region);
        } else {
            mapped.copy_overlap_into(&output_grid.chunk_region(&index), &mut out, region);
        }
    }
    Ok(out)
}

// ----- planning -------------------------------------------------------------------------

/// Projected peak bytes of producing a region of `shape` of the `map_overlap` node
/// `array`: the output, the extended block, and then either the input box being read
/// (with its own cost) or the function's work on the extended block.
fn cost(array: &Array, overlap: &Overlap, shape: &[u64], batch: u64) -> u64 {
    let input = &overlap.input;
    let out = out_bytes(array, shape);
    let (extent, interior): (Vec<u64>, Vec<u64>) = match &overlap.stencil {
        // A window region is computed in one piece.
        Stencil::Window(_) => (shape.to_vec(), shape.to_vec()),
        // A function sees one input block at a time.
        Stencil::Block { .. } => {
            let block: Vec<u64> = input
                .chunks()
                .iter()
                .zip(input.shape())
                .map(|(&c, &n)| c.min(n).max(1))
                .collect();
            (block.clone(), block)
        }
    };
    let extended: Vec<u64> = extent
        .iter()
        .zip(&overlap.depth)
        .zip(input.shape())
        .map(|((&e, &d), &n)| match overlap.boundary {
            Boundary::None => e.saturating_add(d.saturating_mul(2)).min(n.max(e)),
            _ => e.saturating_add(d.saturating_mul(2)),
        })
        .collect();
    let extended_elements = crate::grid::sat_len(&extended);
    let extended_bytes = extended_elements.saturating_mul(input.dtype().size() as u64);
    let read = region_cost(input, &extended, batch);
    let work = match &overlap.stencil {
        Stencil::Window(op) => window_work_bytes(
            *op,
            extended_elements,
            crate::grid::sat_len(&interior),
            array.dtype(),
        ),
        Stencil::Block { .. } => {
            // The function's result and as much again for its own work, then the
            // trimmed piece.
            let size = array.dtype().size() as u64;
            let mapped = extended_elements.saturating_mul(size);
            mapped
                .saturating_mul(2)
                .saturating_add(crate::grid::sat_len(&interior).saturating_mul(size))
        }
    };
    sat_sum(&[out, extended_bytes, read.max(work)])
}

/// A short name of the node for `--explain`.
fn stage_name(overlap: &Overlap) -> String {
    let what = match &overlap.stencil {
        Stencil::Block { trim: true, .. } => "map_overlap".to_string(),
        Stencil::Block { trim: false, .. } => "map_overlap (untrimmed)".to_string(),
        Stencil::Window(op) => format!("map_overlap '{}' window", op.name()),
    };
    format!(
        "{what}, depth {:?}, boundary {}",
        overlap.depth,
        overlap.boundary.describe()
    )
}

#[cfg(test)]
mod tests;
