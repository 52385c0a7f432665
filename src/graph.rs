//! The lazy expression graph. An `Array` is a cheap handle on a `Node`: a source, or an
//! operation over other arrays with its shape, chunking and dtype worked out when it is
//! built, so that type and shape errors surface at once and nothing is read until
//! `compute` or `store`.
//!
//! Elementwise operations fuse as they are built: an elementwise node over elementwise
//! nodes becomes one node whose `Program` holds the whole expression, evaluated in one
//! pass per chunk (see `eval`).

use std::sync::Arc;

use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::kernels::elementwise::{BinaryOp, UnaryOp};
use crate::kernels::promote::{Scalar, result_type, result_type_with_scalar};
use crate::kernels::reduce::ReduceOp;
pub use crate::kernels::scan::ScanOp;
use crate::store::ChunkSource;

/// A function applied to every block by `map_blocks`.
pub type BlockFn = Arc<dyn Fn(&Chunk) -> Result<Chunk> + Send + Sync>;

/// A lazy n-dimensional array.
#[derive(Clone)]
pub struct Array {
    pub(crate) node: Arc<Node>,
}

/// One vertex of the graph.
pub struct Node {
    /// Process-unique id, from the same counter as other cache users (cache keys,
    /// graph output).
    pub id: u64,
    /// What produces the values.
    pub op: Op,
    /// Shape of the result.
    pub shape: Vec<u64>,
    /// Chunk shape of the result: the unit of work when it is computed.
    pub chunks: Vec<u64>,
    /// Element type of the result.
    pub dtype: DType,
}

/// The operations of the graph.
pub enum Op {
    /// Values read from a store (or memory, or a generator).
    Source(Arc<dyn ChunkSource>),
    /// A fused elementwise expression over `inputs`, broadcast to `shape`.
    Elementwise { inputs: Vec<Array>, program: Expr },
    /// A reduction over `axes` of `input`.
    Reduce {
        input: Array,
        op: ReduceOp,
        axes: Vec<usize>,
        keepdims: bool,
    },
    /// Basic indexing: one entry per input axis.
    Slice { input: Array, axes: Vec<AxisSlice> },
    /// Axes permuted: output axis `d` is input axis `perm[d]`.
    Transpose { input: Array, perm: Vec<usize> },
    /// The same values with another chunking.
    Rechunk { input: Array },
    /// A tensor contraction (`tensordot`, `matmul`); see `crate::linalg::TensorDot`.
    TensorDot(crate::linalg::TensorDot),
    /// A diagonal of two axes (`diagonal`, `trace`); see `crate::linalg::Diagonal`.
    Diagonal(crate::linalg::Diagonal),
    /// A user function applied to each block of `input`'s chunking.
    MapBlocks { input: Array, func: BlockFn },
    /// The same values with length-1 axes inserted or removed (`squeeze`,
    /// `expand_dims`): output axis `d` is input axis `axes[d]`, or a new length-1 axis
    /// where it is `None`. Input axes not listed have length 1.
    UnitAxes {
        input: Array,
        axes: Vec<Option<usize>>,
    },
    /// `input` broadcast to the node's shape by numpy's rules (`broadcast_to`).
    BroadcastTo { input: Array },
    /// Running sums or products along `axis` (`cumsum`, `cumprod`); `input` is already
    /// in the result dtype. `carries` keeps the running totals at input chunk
    /// boundaries, so each chunk needs only the carry of the chunks before it.
    Scan {
        input: Array,
        axis: usize,
        op: ScanOp,
        carries: CarryCache,
    },
    /// `inputs` joined along `axis`; input `i` starts at `offsets[i]` on that axis. All
    /// inputs have the node's dtype and agree with its shape off `axis`.
    Concatenate {
        inputs: Vec<Array>,
        axis: usize,
        offsets: Vec<u64>,
    },
    /// The same elements in C order with the node's shape (see `crate::reshape`).
    Reshape { input: Array },
    /// The elements at `indices` along `axis` (see `crate::select`).
    Take {
        input: Array,
        axis: usize,
        indices: crate::select::Indices,
    },
    /// The elements of the 1-D `input` where the 1-D bool `mask` (chunked alike) is true;
    /// `offsets[i]` counts the true elements before input chunk `i`.
    Compress {
        input: Array,
        mask: Array,
        offsets: crate::select::Indices,
    },
    /// A function over blocks extended by a halo from their neighbours
    /// (`map_overlap`, see `crate::overlap`).
    Overlap(crate::overlap::Overlap),
}

impl Op {
    /// The operation's name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Source(_) => "a source",
            Op::Elementwise { .. } => "an elementwise operation (broadcast)",
            Op::Reduce { .. } => "a reduction",
            Op::Slice { .. } => "a slice",
            Op::Transpose { .. } => "a transpose",
            Op::Rechunk { .. } => "rechunk",
            Op::TensorDot(_) => "a tensor product (tensordot, matmul, outer, einsum)",
            Op::Diagonal(_) => "diagonal",
            Op::MapBlocks { .. } => "map_blocks",
            Op::UnitAxes { .. } => "squeeze/expand_dims",
            Op::BroadcastTo { .. } => "broadcast_to",
            Op::Scan { .. } => "a cumulative scan",
            Op::Concatenate { .. } => "concatenate",
            Op::Reshape { .. } => "reshape",
            Op::Take { .. } => "take",
            Op::Compress { .. } => "a boolean mask",
            Op::Overlap(_) => "map_overlap",
        }
    }
}

/// Running totals of a scan at input chunk boundaries, keyed by the boundary's chunk
/// index along the axis and the region of the other axes (with the axis collapsed).
pub type CarryCache =
    std::sync::Mutex<std::collections::HashMap<(u64, crate::grid::Region), Arc<Chunk>>>;

/// What a slice does to one input axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AxisSlice {
    /// Elements `start, start + step, ...`, `len` of them (step may be negative).
    Range { start: u64, step: i64, len: u64 },
    /// A single element; the axis disappears.
    Index(u64),
}

/// A slice item as users write it: `a[i]`, `a[start:stop:step]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SliceItem {
    /// One index (negative counts from the end).
    Index(i64),
    /// A range with optional bounds (negative counts from the end) and a non-zero step.
    Range {
        start: Option<i64>,
        stop: Option<i64>,
        step: Option<i64>,
    },
}

impl SliceItem {
    /// `..` : the whole axis.
    pub const ALL: SliceItem = SliceItem::Range {
        start: None,
        stop: None,
        step: None,
    };
}

/// An elementwise program: a tree over the node's inputs. Every node carries the
/// dtype it produces.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
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
    pub fn dtype(&self) -> DType {
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
    fn cast_to(self, dtype: DType) -> Expr {
        match self {
            _ if self.dtype() == dtype => self,
            Expr::Scalar(value, _) => Expr::Scalar(value, dtype),
            other => Expr::Cast(Box::new(other), dtype),
        }
    }

    /// Renumbers inputs by `map` (old index -> new index).
    fn remap(self, map: &[usize]) -> Expr {
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
    pub fn op_count(&self) -> usize {
        match self {
            Expr::Input(..) | Expr::Scalar(..) => 0,
            Expr::Cast(e, _) | Expr::Unary(_, e, _) => 1 + e.op_count(),
            Expr::Binary(_, a, b, _) => 1 + a.op_count() + b.op_count(),
            Expr::Where(c, a, b, _) => 1 + c.op_count() + a.op_count() + b.op_count(),
        }
    }
}

/// An operand of an elementwise operation: an array or a Python-like literal.
#[derive(Clone)]
pub enum Operand {
    Array(Array),
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

/// Nested lists of arrays for [`block`].
#[derive(Clone)]
pub enum Blocks {
    Array(Array),
    List(Vec<Blocks>),
}

/// Node ids share the cache's id space, since source nodes key cached chunks by them.
fn next_node_id() -> u64 {
    crate::cache::next_source_id()
}

impl Array {
    /// A node whose shape and chunks are new (broadcasts, joins, products, ...): refused
    /// by name when its element or byte count would overflow (see
    /// [`crate::grid::check_bytes`]), so that no later count wraps.
    pub(crate) fn checked_node(
        op: Op,
        shape: Vec<u64>,
        chunks: Vec<u64>,
        dtype: DType,
    ) -> Result<Array> {
        let what = format!("the result of {}", op.name());
        crate::grid::check_bytes(&shape, dtype.size(), &what)?;
        crate::grid::check_bytes(
            &chunks,
            dtype.size(),
            &format!("the chunks of {}", op.name()),
        )?;
        Ok(Array::from_node(op, shape, chunks, dtype))
    }

    pub(crate) fn from_node(op: Op, shape: Vec<u64>, chunks: Vec<u64>, dtype: DType) -> Array {
        Array {
            node: Arc::new(Node {
                id: next_node_id(),
                op,
                shape,
                chunks,
                dtype,
            }),
        }
    }

    /// An array backed by any chunk source (a store, memory, a generator).
    pub fn from_source(source: Arc<dyn ChunkSource>) -> Array {
        let meta = source.meta();
        let (shape, chunks, dtype) = (meta.shape.clone(), meta.chunks.clone(), meta.dtype);
        Array::from_node(Op::Source(source), shape, chunks, dtype)
    }

    /// Opens the array at an address (`file.h5:/data`, `store.zarr`, `file.npy`).
    /// Nothing is read but metadata.
    pub fn open(address: &str) -> Result<Array> {
        let address = crate::address::Address::parse(address)?;
        let source = crate::store::open(&address)?;
        source
            .meta()
            .grid()
            .map_err(|e| Error::format(&address.path, e.to_string()))?;
        Ok(Array::from_source(Arc::from(source)))
    }

    /// An array holding a copy of `values`, cut into chunks of `chunks`.
    pub fn from_ndarray<T: crate::dtype::Element, D: ndarray::Dimension>(
        values: ndarray::ArrayView<'_, T, D>,
        chunks: &[u64],
    ) -> Result<Array> {
        let source = crate::store::memory::MemorySource::new(Chunk::from_ndarray(values), chunks)?;
        Ok(Array::from_source(Arc::new(source)))
    }

    /// Shape.
    pub fn shape(&self) -> &[u64] {
        &self.node.shape
    }

    /// Chunk shape.
    pub fn chunks(&self) -> &[u64] {
        &self.node.chunks
    }

    /// Element type.
    pub fn dtype(&self) -> DType {
        self.node.dtype
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.node.shape.len()
    }

    /// Number of elements (saturating at `u64::MAX`; checked nodes never reach it).
    pub fn len(&self) -> u64 {
        crate::grid::sat_len(&self.node.shape)
    }

    /// True when some axis has length zero.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The graph node behind this array.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// True when both handles are the same lazy node (not merely equal values).
    pub fn is_same(&self, other: &Array) -> bool {
        Arc::ptr_eq(&self.node, &other.node)
    }

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

    // ----- shape -------------------------------------------------------------------

    /// Axes reversed (`.T`).
    pub fn t(&self) -> Result<Array> {
        let perm: Vec<usize> = (0..self.ndim()).rev().collect();
        self.transpose(&perm)
    }

    /// Axes permuted: output axis `d` is input axis `perm[d]`.
    pub fn transpose(&self, perm: &[usize]) -> Result<Array> {
        let mut seen = vec![false; self.ndim()];
        let valid = perm.len() == self.ndim()
            && perm
                .iter()
                .all(|&p| p < seen.len() && !std::mem::replace(&mut seen[p], true));
        if !valid {
            return Err(Error::shape(
                "transpose",
                format!("{perm:?} is not a permutation of the {} axes", self.ndim()),
            ));
        }
        if perm.iter().enumerate().all(|(i, p)| i == *p) {
            return Ok(self.clone());
        }
        let shape = perm.iter().map(|&p| self.shape()[p]).collect();
        let chunks = perm.iter().map(|&p| self.chunks()[p]).collect();
        let op = Op::Transpose {
            input: self.clone(),
            perm: perm.to_vec(),
        };
        Ok(Array::from_node(op, shape, chunks, self.dtype()))
    }

    /// The same values with chunks of `chunks`.
    pub fn rechunk(&self, chunks: &[u64]) -> Result<Array> {
        crate::grid::ChunkGrid::new(self.shape(), chunks)?;
        if chunks == self.chunks() {
            return Ok(self.clone());
        }
        let op = Op::Rechunk {
            input: self.clone(),
        };
        Ok(Array::from_node(
            op,
            self.shape().to_vec(),
            chunks.to_vec(),
            self.dtype(),
        ))
    }

    /// Basic indexing: one item per leading axis; missing trailing items mean `:`.
    pub fn slice(&self, items: &[SliceItem]) -> Result<Array> {
        if items.len() > self.ndim() {
            return Err(Error::shape(
                "index",
                format!(
                    "{} indices given for an array of {} axes",
                    items.len(),
                    self.ndim()
                ),
            ));
        }
        let mut axes = Vec::with_capacity(self.ndim());
        for (d, &n) in self.shape().iter().enumerate() {
            let item = items.get(d).copied().unwrap_or(SliceItem::ALL);
            axes.push(resolve_slice(item, n, d)?);
        }
        if axes.iter().zip(self.shape()).all(|(a, &n)| {
            *a == AxisSlice::Range {
                start: 0,
                step: 1,
                len: n,
            }
        }) {
            return Ok(self.clone());
        }
        let mut shape = Vec::new();
        let mut chunks = Vec::new();
        for (d, axis) in axes.iter().enumerate() {
            if let AxisSlice::Range { step, len, .. } = *axis {
                shape.push(len);
                let per_chunk = (self.chunks()[d] / step.unsigned_abs()).max(1);
                chunks.push(per_chunk.min(len.max(1)));
            }
        }
        let op = Op::Slice {
            input: self.clone(),
            axes,
        };
        Ok(Array::from_node(op, shape, chunks, self.dtype()))
    }

    /// The same elements in C order with another shape; one length may be `-1` (inferred).
    /// Chunks are picked per group of merged or split axes to hold as many elements as an
    /// input chunk, so a reshape never merges chunks into one giant chunk.
    pub fn reshape(&self, shape: &[i64]) -> Result<Array> {
        let shape = resolve_reshape(self.shape(), shape)?;
        if shape == self.shape() {
            return Ok(self.clone());
        }
        let chunks = crate::reshape::reshape_chunks(self, &shape);
        Ok(Array::from_node(
            Op::Reshape {
                input: self.clone(),
            },
            shape,
            chunks,
            self.dtype(),
        ))
    }

    /// The elements as a 1-D array in C order (`ravel`, `flatten`).
    pub fn ravel(&self) -> Result<Array> {
        self.reshape(&[-1])
    }

    /// Removes length-1 axes: those in `axes` (an error when one is longer), or every
    /// length-1 axis when `None` (numpy's `squeeze`).
    pub fn squeeze(&self, axes: Option<&[i64]>) -> Result<Array> {
        let drop: Vec<usize> = match axes {
            None => (0..self.ndim()).filter(|&d| self.shape()[d] == 1).collect(),
            Some(axes) => {
                let axes = normalize_axes(Some(axes), self.ndim(), "squeeze")?;
                if let Some(&d) = axes.iter().find(|&&d| self.shape()[d] != 1) {
                    return Err(Error::shape(
                        "squeeze",
                        format!(
                            "cannot remove axis {d} of length {} from shape {:?}: only length-1 axes can be squeezed",
                            self.shape()[d],
                            self.shape()
                        ),
                    ));
                }
                axes
            }
        };
        let keep = (0..self.ndim())
            .filter(|d| !drop.contains(d))
            .map(Some)
            .collect();
        Ok(self.unit_axes(keep))
    }

    /// Inserts a length-1 axis at position `axis` of the result (negative counts from
    /// the end of the result, as in numpy's `expand_dims`).
    pub fn expand_dims(&self, axis: i64) -> Result<Array> {
        let at = normalize_axis(axis, self.ndim() + 1, "expand_dims")?;
        let axes = (0..=self.ndim())
            .map(|d| match d.cmp(&at) {
                std::cmp::Ordering::Less => Some(d),
                std::cmp::Ordering::Equal => None,
                std::cmp::Ordering::Greater => Some(d - 1),
            })
            .collect();
        Ok(self.unit_axes(axes))
    }

    /// A `UnitAxes` view (see `Op::UnitAxes`); views of views collapse into one.
    fn unit_axes(&self, axes: Vec<Option<usize>>) -> Array {
        let (input, axes) = match &self.node.op {
            Op::UnitAxes { input, axes: inner } => (
                input,
                axes.iter().map(|a| a.and_then(|i| inner[i])).collect(),
            ),
            _ => (self, axes),
        };
        // Axes keep their order, so when every kept axis is in its place the new
        // axes fill the input's unlisted (length-1) axes: the input itself.
        let identity = axes.len() == input.ndim()
            && axes
                .iter()
                .enumerate()
                .all(|(d, a)| a.is_none_or(|i| i == d));
        if identity {
            return input.clone();
        }
        let shape = axes
            .iter()
            .map(|a| a.map_or(1, |i| input.shape()[i]))
            .collect();
        let chunks = axes
            .iter()
            .map(|a| a.map_or(1, |i| input.chunks()[i]))
            .collect();
        let op = Op::UnitAxes {
            input: input.clone(),
            axes,
        };
        Array::from_node(op, shape, chunks, input.dtype())
    }

    /// Axes `a` and `b` exchanged (a transpose).
    pub fn swapaxes(&self, a: i64, b: i64) -> Result<Array> {
        let a = normalize_axis(a, self.ndim(), "swapaxes")?;
        let b = normalize_axis(b, self.ndim(), "swapaxes")?;
        let mut perm: Vec<usize> = (0..self.ndim()).collect();
        perm.swap(a, b);
        self.transpose(&perm)
    }

    /// Axis `source` moved to position `destination`, the others keeping their order
    /// (a transpose, as numpy's `moveaxis` with one axis).
    pub fn moveaxis(&self, source: i64, destination: i64) -> Result<Array> {
        let source = normalize_axis(source, self.ndim(), "moveaxis")?;
        let destination = normalize_axis(destination, self.ndim(), "moveaxis")?;
        let mut perm: Vec<usize> = (0..self.ndim()).filter(|&d| d != source).collect();
        perm.insert(destination, source);
        self.transpose(&perm)
    }

    /// Elements in reverse order along `axes` (every axis when `None`): a slice with
    /// step -1, as numpy's `flip`.
    pub fn flip(&self, axes: Option<&[i64]>) -> Result<Array> {
        let axes = normalize_axes(axes, self.ndim(), "flip")?;
        let reversed = SliceItem::Range {
            start: None,
            stop: None,
            step: Some(-1),
        };
        let items: Vec<SliceItem> = (0..self.ndim())
            .map(|d| {
                if axes.contains(&d) {
                    reversed
                } else {
                    SliceItem::ALL
                }
            })
            .collect();
        self.slice(&items)
    }

    /// The array broadcast to `shape` by numpy's rules: `shape` has at least as many
    /// axes, and each of this array's axes (aligned at the end) matches or has length 1.
    ///
    /// Chunks: axes this array spans keep its chunk length; broadcast axes (new ones,
    /// or stretched from length 1) get chunks as long as fits in
    /// `max(BROADCAST_CHUNK_BYTES, this array's chunk bytes)`, filled from the last
    /// axis. (dask makes each broadcast axis one whole chunk, which a large target
    /// would not fit in the budget.)
    pub fn broadcast_to(&self, shape: &[u64]) -> Result<Array> {
        let ndim = shape.len();
        if ndim < self.ndim() {
            return Err(Error::shape(
                "broadcast_to",
                format!(
                    "cannot broadcast shape {:?} to {shape:?}, which has fewer axes",
                    self.shape()
                ),
            ));
        }
        let offset = ndim - self.ndim();
        for (i, &n) in self.shape().iter().enumerate() {
            if n != 1 && n != shape[offset + i] {
                return Err(Error::shape(
                    "broadcast_to",
                    format!(
                        "cannot broadcast shape {:?} to {shape:?} (axis {}: {n} vs {})",
                        self.shape(),
                        offset + i,
                        shape[offset + i]
                    ),
                ));
            }
        }
        if shape == self.shape() {
            return Ok(self.clone());
        }
        let spanned = |d: usize| d >= offset && self.shape()[d - offset] == shape[d];
        let mut chunks = vec![1u64; ndim];
        let mut elements = 1u64;
        for d in (0..ndim).filter(|&d| spanned(d)) {
            chunks[d] = self.chunks()[d - offset];
            elements = elements.saturating_mul(chunks[d].min(shape[d]).max(1));
        }
        let size = self.dtype().size() as u64;
        let limit = (BROADCAST_CHUNK_BYTES / size).max(elements);
        for d in (0..ndim).rev().filter(|&d| !spanned(d)) {
            chunks[d] = (limit / elements).clamp(1, shape[d].max(1));
            elements = elements.saturating_mul(chunks[d]);
        }
        let op = Op::BroadcastTo {
            input: self.clone(),
        };
        Array::checked_node(op, shape.to_vec(), chunks, self.dtype())
    }

    // ----- reductions --------------------------------------------------------------

    /// Reduces over `axes` (all axes when `None`; negative axes count from the end).
    pub fn reduce(&self, op: ReduceOp, axes: Option<&[i64]>, keepdims: bool) -> Result<Array> {
        let axes = normalize_axes(axes, self.ndim(), op.name())?;
        if matches!(op, ReduceOp::ArgMin | ReduceOp::ArgMax)
            && axes.len() != 1
            && axes.len() != self.ndim()
        {
            return Err(Error::Invalid(format!(
                "{} takes one axis or none (all), not {axes:?}",
                op.name()
            )));
        }
        let dtype = op.output_dtype(self.dtype())?;
        let mut shape = Vec::new();
        let mut chunks = Vec::new();
        for d in 0..self.ndim() {
            if !axes.contains(&d) {
                shape.push(self.shape()[d]);
                chunks.push(self.chunks()[d]);
            } else if keepdims {
                shape.push(1);
                chunks.push(1);
            }
        }
        let op = Op::Reduce {
            input: self.clone(),
            op,
            axes,
            keepdims,
        };
        Ok(Array::from_node(op, shape, chunks, dtype))
    }

    /// Running sums (`ScanOp::Sum`) or products along `axis`, with numpy's result
    /// dtypes (int64 for signed and bool, uint64 for unsigned, floats keep theirs).
    pub fn scan(&self, op: ScanOp, axis: i64) -> Result<Array> {
        let axis = normalize_axes(Some(&[axis]), self.ndim(), op.name())?[0];
        let reduce = if op == ScanOp::Sum {
            ReduceOp::Sum
        } else {
            ReduceOp::Prod
        };
        let dtype = reduce.output_dtype(self.dtype())?;
        let input = self.astype(dtype)?;
        let op = Op::Scan {
            input,
            axis,
            op,
            carries: CarryCache::default(),
        };
        Ok(Array::from_node(
            op,
            self.shape().to_vec(),
            self.chunks().to_vec(),
            dtype,
        ))
    }

    /// `cumsum` along `axis`.
    pub fn cumsum(&self, axis: i64) -> Result<Array> {
        self.scan(ScanOp::Sum, axis)
    }

    /// `cumprod` along `axis`.
    pub fn cumprod(&self, axis: i64) -> Result<Array> {
        self.scan(ScanOp::Prod, axis)
    }

    /// Sum over all axes.
    pub fn sum(&self) -> Result<Array> {
        self.reduce(ReduceOp::Sum, None, false)
    }

    /// Mean over all axes.
    pub fn mean(&self) -> Result<Array> {
        self.reduce(ReduceOp::Mean, None, false)
    }

    /// `self ** exponent`.
    pub fn pow(&self, exponent: impl Into<Operand>) -> Result<Array> {
        self.binary(BinaryOp::Pow, exponent)
    }

    /// Applies `func` to every block of this array's chunking. `func` must return a
    /// chunk of the block's shape in `dtype`.
    pub fn map_blocks(
        &self,
        dtype: DType,
        func: impl Fn(&Chunk) -> Result<Chunk> + Send + Sync + 'static,
    ) -> Array {
        let op = Op::MapBlocks {
            input: self.clone(),
            func: Arc::new(func),
        };
        Array::from_node(op, self.shape().to_vec(), self.chunks().to_vec(), dtype)
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
        let shape = broadcast_shapes(&[cond.shape(), &fusion.shape_of(&a), &fusion.shape_of(&b)])?;
        let program = Expr::Where(
            Box::new(c.cast_to(DType::Bool)),
            Box::new(a.cast_to(dtype)),
            Box::new(b.cast_to(dtype)),
            dtype,
        );
        fusion.finish(program, shape)
    }
}

/// Bytes a `broadcast_to` result chunk may reach along its broadcast axes (4 MiB).
pub const BROADCAST_CHUNK_BYTES: u64 = 4 << 20;

/// `arrays` joined along an existing `axis` (numpy's / dask's `concatenate`). Shapes
/// must agree on every other axis; the dtype is the promotion of all inputs' dtypes.
///
/// Chunks: a regular grid has one chunk length per axis, so along `axis` the result
/// takes the inputs' common chunk length when they share one, else the smallest of
/// them. An output chunk then never spans more than two chunks of any input along the
/// axis, and output chunk boundaries fall on input chunk boundaries when every input
/// but the last is a whole number of chunks long (dask instead keeps each input's own
/// chunk list, which a regular grid cannot express). Other axes take the chunking of
/// the first input that is not empty along `axis`.
pub fn concatenate(arrays: &[Array], axis: i64) -> Result<Array> {
    let Some(first) = arrays.first() else {
        return Err(Error::Invalid(
            "concatenate: needs at least one array".into(),
        ));
    };
    let ndim = first.ndim();
    if ndim == 0 {
        return Err(Error::shape(
            "concatenate",
            "zero-dimensional arrays cannot be concatenated",
        ));
    }
    let axis = normalize_axis(axis, ndim, "concatenate")?;
    for (i, array) in arrays.iter().enumerate().skip(1) {
        let agrees = array.ndim() == ndim
            && (0..ndim).all(|d| d == axis || array.shape()[d] == first.shape()[d]);
        if !agrees {
            return Err(Error::shape(
                "concatenate",
                format!(
                    "shapes must agree except on axis {axis}: input 0 has shape {:?}, input {i} has {:?}",
                    first.shape(),
                    array.shape()
                ),
            ));
        }
    }
    let dtype = arrays
        .iter()
        .fold(first.dtype(), |t, a| result_type(t, a.dtype()));
    let inputs = arrays
        .iter()
        .filter(|a| a.shape()[axis] > 0)
        .map(|a| a.astype(dtype))
        .collect::<Result<Vec<_>>>()?;
    match inputs.as_slice() {
        [] => return first.astype(dtype),
        [only] => return Ok(only.clone()),
        _ => {}
    }
    let mut offsets = Vec::with_capacity(inputs.len());
    let mut total = 0u64;
    for input in &inputs {
        offsets.push(total);
        total = total.checked_add(input.shape()[axis]).ok_or_else(|| {
            Error::shape(
                "concatenate",
                format!("the lengths along axis {axis} add up past 2^64"),
            )
        })?;
    }
    let mut shape = inputs[0].shape().to_vec();
    shape[axis] = total;
    let mut chunks = inputs[0].chunks().to_vec();
    chunks[axis] = inputs
        .iter()
        .map(|a| a.chunks()[axis].max(1))
        .min()
        .unwrap_or(1); // invariant: at least two inputs here
    let op = Op::Concatenate {
        inputs,
        axis,
        offsets,
    };
    Array::checked_node(op, shape, chunks, dtype)
}

/// `arrays`, which must all have the same shape, joined along a new `axis` of the
/// result (numpy's / dask's `stack`): each gets a length-1 axis there (`expand_dims`)
/// and they are concatenated along it, so the new axis has chunks of 1.
pub fn stack(arrays: &[Array], axis: i64) -> Result<Array> {
    let Some(first) = arrays.first() else {
        return Err(Error::Invalid("stack: needs at least one array".into()));
    };
    if let Some((i, other)) = arrays
        .iter()
        .enumerate()
        .find(|(_, a)| a.shape() != first.shape())
    {
        return Err(Error::shape(
            "stack",
            format!(
                "all inputs must have the same shape: input 0 has shape {:?}, input {i} has {:?}",
                first.shape(),
                other.shape()
            ),
        ));
    }
    let at = normalize_axis(axis, first.ndim() + 1, "stack")?;
    let expanded = arrays
        .iter()
        .map(|a| a.expand_dims(at as i64))
        .collect::<Result<Vec<_>>>()?;
    concatenate(&expanded, at as i64)
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

/// The reduction called `name` (`sum`, `nanmean`, `argmax`, ...); `ddof` is used by
/// `var` and `std`.
pub fn reduce_op(name: &str, ddof: u32) -> Option<ReduceOp> {
    Some(match name {
        "sum" => ReduceOp::Sum,
        "prod" => ReduceOp::Prod,
        "min" => ReduceOp::Min,
        "max" => ReduceOp::Max,
        "mean" => ReduceOp::Mean,
        "var" => ReduceOp::Var { ddof },
        "std" => ReduceOp::Std { ddof },
        "count" => ReduceOp::Count,
        "any" => ReduceOp::Any,
        "all" => ReduceOp::All,
        "argmin" => ReduceOp::ArgMin,
        "argmax" => ReduceOp::ArgMax,
        "nansum" => ReduceOp::NanSum,
        "nanmean" => ReduceOp::NanMean,
        "nanmin" => ReduceOp::NanMin,
        "nanmax" => ReduceOp::NanMax,
        _ => return None,
    })
}

/// Names accepted by `reduce_op`, for messages.
pub const REDUCTIONS: &str = "sum, prod, min, max, mean, var, std, count, any, all, argmin, argmax, nansum, nanmean, nanmin, nanmax";

/// Turns a user slice item into an `AxisSlice` of an axis of length `n`.
/// A reshape target with its `-1` worked out, checked against the element count.
/// numpy's `block`: the innermost lists are joined along the last axis, the lists of
/// those along the axis before it, and so on; arrays with fewer axes than the nesting
/// depth get leading length-1 axes.
pub fn block(blocks: &Blocks) -> Result<Array> {
    let depth = block_depth(blocks)?;
    let ndim = block_max_ndim(blocks).max(depth);
    build_block(blocks, depth, ndim)
}

fn block_depth(blocks: &Blocks) -> Result<usize> {
    match blocks {
        Blocks::Array(_) => Ok(0),
        Blocks::List(items) => {
            let depths = items.iter().map(block_depth).collect::<Result<Vec<_>>>()?;
            match depths.split_first() {
                None => Err(Error::shape("block", "lists must not be empty")),
                Some((first, rest)) if rest.iter().all(|d| d == first) => Ok(first + 1),
                Some(_) => Err(Error::shape(
                    "block",
                    "list depths are mismatched: nest every array equally deep",
                )),
            }
        }
    }
}

fn block_max_ndim(blocks: &Blocks) -> usize {
    match blocks {
        Blocks::Array(a) => a.ndim(),
        Blocks::List(items) => items.iter().map(block_max_ndim).max().unwrap_or(0),
    }
}

fn build_block(blocks: &Blocks, depth: usize, ndim: usize) -> Result<Array> {
    match blocks {
        Blocks::Array(a) => {
            let mut a = a.clone();
            while a.ndim() < ndim {
                a = a.expand_dims(0)?;
            }
            Ok(a)
        }
        Blocks::List(items) => {
            let parts = items
                .iter()
                .map(|b| build_block(b, depth - 1, ndim))
                .collect::<Result<Vec<_>>>()?;
            concatenate(&parts, -(depth as i64))
        }
    }
}

fn resolve_reshape(from: &[u64], to: &[i64]) -> Result<Vec<u64>> {
    let total: u64 = from.iter().product();
    let cannot = |why: &str| {
        Error::shape(
            "reshape",
            format!("cannot reshape {from:?} to {to:?}: {why}"),
        )
    };
    if to.iter().filter(|&&n| n == -1).count() > 1 {
        return Err(cannot("only one length may be -1"));
    }
    if to.iter().any(|&n| n < -1) {
        return Err(cannot("lengths must be positive or -1"));
    }
    let known = to
        .iter()
        .filter(|&&n| n >= 0)
        .try_fold(1u64, |acc, &n| acc.checked_mul(n as u64))
        .ok_or_else(|| cannot("the lengths multiply past 2^64"))?;
    let inferred = if !to.contains(&-1) {
        None
    } else if known == 0 || !total.is_multiple_of(known) {
        return Err(cannot("no length fits the -1"));
    } else {
        Some(total / known)
    };
    let shape: Vec<u64> = to
        .iter()
        .map(|&n| u64::try_from(n).ok().or(inferred).unwrap_or(0))
        .collect();
    if crate::grid::checked_len(&shape) != Some(total) {
        return Err(cannot(&format!("{total} elements do not fit")));
    }
    Ok(shape)
}

fn resolve_slice(item: SliceItem, n: u64, axis: usize) -> Result<AxisSlice> {
    let n_i = n as i64;
    match item {
        SliceItem::Index(i) => {
            let at = if i < 0 { i + n_i } else { i };
            if !(0..n_i).contains(&at) {
                return Err(Error::shape(
                    "index",
                    format!("index {i} is out of range for axis {axis} of length {n}"),
                ));
            }
            Ok(AxisSlice::Index(at as u64))
        }
        SliceItem::Range { start, stop, step } => {
            let step = step.unwrap_or(1);
            if step == 0 {
                return Err(Error::shape("slice", format!("step 0 on axis {axis}")));
            }
            // Python's slice.indices().
            let clamp = |v: i64, lo: i64, hi: i64| v.clamp(lo, hi);
            let fix = |v: i64| if v < 0 { v + n_i } else { v };
            let (start, stop) = if step > 0 {
                (
                    start.map_or(0, |s| clamp(fix(s), 0, n_i)),
                    stop.map_or(n_i, |s| clamp(fix(s), 0, n_i)),
                )
            } else {
                (
                    start.map_or(n_i - 1, |s| clamp(fix(s), -1, n_i - 1)),
                    stop.map_or(-1, |s| clamp(fix(s), -1, n_i - 1)),
                )
            };
            // In i128: a step near i64::MAX or i64::MIN must not overflow.
            let (span, stride) = if step > 0 {
                (stop as i128 - start as i128, step as i128)
            } else {
                (start as i128 - stop as i128, -(step as i128))
            };
            let len = if span > 0 {
                (span + stride - 1) / stride
            } else {
                0
            };
            // With at most one element the step does not matter, and i64::MIN cannot
            // be negated in later offset arithmetic; otherwise |step| < n.
            let step = if len <= 1 && step == i64::MIN {
                1
            } else {
                step
            };
            Ok(AxisSlice::Range {
                start: start.max(0) as u64,
                step,
                len: len as u64,
            })
        }
    }
}

/// Axes as sorted unique non-negative indices.
pub fn normalize_axes(axes: Option<&[i64]>, ndim: usize, what: &str) -> Result<Vec<usize>> {
    let Some(axes) = axes else {
        return Ok((0..ndim).collect());
    };
    let mut out = Vec::with_capacity(axes.len());
    for &a in axes {
        let d = if a < 0 { a + ndim as i64 } else { a };
        if !(0..ndim as i64).contains(&d) {
            return Err(Error::shape(
                what,
                format!("axis {a} is out of range for an array of {ndim} axes"),
            ));
        }
        if out.contains(&(d as usize)) {
            return Err(Error::shape(what, format!("axis {a} is repeated")));
        }
        out.push(d as usize);
    }
    out.sort_unstable();
    Ok(out)
}

/// One axis as a non-negative index (negative counts from the end).
pub fn normalize_axis(axis: i64, ndim: usize, what: &str) -> Result<usize> {
    let d = if axis < 0 { axis + ndim as i64 } else { axis };
    if !(0..ndim as i64).contains(&d) {
        return Err(Error::shape(
            what,
            format!("axis {axis} is out of range for {ndim} axes"),
        ));
    }
    Ok(d as usize)
}

/// numpy broadcasting of several shapes.
pub fn broadcast_shapes(shapes: &[&[u64]]) -> Result<Vec<u64>> {
    let ndim = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1u64; ndim];
    for shape in shapes {
        for (i, &n) in shape.iter().enumerate() {
            let d = ndim - shape.len() + i;
            if out[d] == 1 {
                out[d] = n;
            } else if n != 1 && n != out[d] {
                return Err(Error::shape(
                    "broadcast",
                    format!(
                        "shapes {:?} cannot be broadcast together (axis {d}: {} vs {n})",
                        shapes, out[d]
                    ),
                ));
            }
        }
    }
    Ok(out)
}

fn elementwise_binary(op: BinaryOp, lhs: Operand, rhs: Operand) -> Result<Array> {
    let dtype_of = |o: &Operand, other: &Operand| match (o, other) {
        (Operand::Array(a), _) => a.dtype(),
        (Operand::Scalar(s), Operand::Array(a)) => result_type_with_scalar(a.dtype(), *s),
        (Operand::Scalar(s), Operand::Scalar(_)) => {
            crate::kernels::promote::scalar_default_dtype(*s)
        }
    };
    let (left, right) = (dtype_of(&lhs, &rhs), dtype_of(&rhs, &lhs));
    let (compute, out) = op.types(left, right)?;
    let mut fusion = Fusion::new();
    let a = fusion.absorb(&lhs);
    let b = fusion.absorb(&rhs);
    let shape = broadcast_shapes(&[&fusion.shape_of(&a), &fusion.shape_of(&b)])?;
    let program = strength_reduce(op, a.cast_to(compute), b.cast_to(compute), out);
    fusion.finish(program, shape)
}

/// `x ** 2` becomes `x * x`; everything else stays as written.
fn strength_reduce(op: BinaryOp, a: Expr, b: Expr, out: DType) -> Expr {
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

fn fused(inputs: Vec<Array>, program: Expr) -> Result<Array> {
    let shape =
        broadcast_shapes(&inputs.iter().map(|i| i.shape()).collect::<Vec<_>>()).unwrap_or_default(); // invariant: a single input's shape always broadcasts
    let chunks = output_chunks(&inputs, &shape);
    let dtype = program.dtype();
    Array::checked_node(Op::Elementwise { inputs, program }, shape, chunks, dtype)
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
struct Fusion {
    inputs: Vec<Array>,
}

impl Fusion {
    fn new() -> Fusion {
        Fusion { inputs: Vec::new() }
    }

    /// The program of `operand`, with its inputs added to this fusion.
    fn absorb(&mut self, operand: &Operand) -> Expr {
        match operand {
            Operand::Scalar(s) => {
                let dtype = crate::kernels::promote::scalar_default_dtype(*s);
                Expr::Scalar(*s, dtype)
            }
            Operand::Array(array) => match &array.node.op {
                Op::Elementwise { inputs, program } => {
                    let map: Vec<usize> = inputs.iter().map(|i| self.input_index(i)).collect();
                    program.clone().remap(&map)
                }
                _ => Expr::Input(self.input_index(array), array.dtype()),
            },
        }
    }

    fn absorb_one(mut self, array: &Array) -> (Vec<Array>, Expr) {
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
    fn shape_of(&self, program: &Expr) -> Vec<u64> {
        let mut shapes: Vec<&[u64]> = Vec::new();
        collect_inputs(program, &mut |i| shapes.push(self.inputs[i].shape()));
        broadcast_shapes(&shapes).unwrap_or_default() // invariant: checked when absorbed
    }

    fn finish(self, program: Expr, shape: Vec<u64>) -> Result<Array> {
        let chunks = output_chunks(&self.inputs, &shape);
        let dtype = program.dtype();
        let op = Op::Elementwise {
            inputs: self.inputs,
            program,
        };
        Array::checked_node(op, shape, chunks, dtype)
    }
}

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

#[cfg(test)]
mod tests;
