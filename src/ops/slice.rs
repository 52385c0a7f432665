//! Basic indexing (`a[i]`, `a[start:stop:step]`, `flip`): each output region maps to a
//! strided box of the input, read chunk by chunk and gathered in place; copies run
//! whole rows when the innermost axis walks forward.

use crate::chunk::Chunk;
use crate::error::{Error, Result};
use crate::graph::{Array, Evaluator, Operator, normalize_axes, out_bytes, region_cost};
use crate::grid::{ChunkGrid, Region, region_indices, strides, unravel};

/// The operator of a slice of `input`: one entry per input axis.
pub(crate) struct Slice {
    input: Array,
    axes: Vec<AxisSlice>,
}

/// What a slice does to one input axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AxisSlice {
    /// Elements `start, start + step, ...`, `len` of them (step may be negative).
    Range { start: u64, step: i64, len: u64 },
    /// A single element; the axis disappears.
    Index(u64),
}

/// One item of basic indexing, as numpy writes it inside `a[...]`: an index `i` or a
/// range `start:stop:step`. Given to [`Array::slice`], one per leading axis.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![[0, 1, 2, 3], [4, 5, 6, 7]].view(), &[1, 2])?;
/// // a[-1, ::2]
/// let every_other = SliceItem::Range { start: None, stop: None, step: Some(2) };
/// let b = a.slice(&[SliceItem::Index(-1), every_other])?;
/// assert_eq!(b.compute_vec::<i32>(&ctx)?, vec![4, 6]);
/// // a[:, 1:3]
/// let middle = SliceItem::Range { start: Some(1), stop: Some(3), step: None };
/// let c = a.slice(&[SliceItem::ALL, middle])?;
/// assert_eq!(c.compute_vec::<i32>(&ctx)?, vec![1, 2, 5, 6]);
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SliceItem {
    /// One index (negative counts from the end); the axis disappears from the result.
    Index(i64),
    /// A range `start:stop:step`, bounds clamped to the axis as Python's
    /// `slice.indices` does.
    Range {
        /// First index (negative counts from the end); `None` is the start of the axis
        /// (its end when `step` is negative).
        start: Option<i64>,
        /// Index where the range stops, not included (negative counts from the end);
        /// `None` runs to the end of the axis (its start when `step` is negative).
        stop: Option<i64>,
        /// Step, not zero; negative walks backwards. `None` is 1.
        step: Option<i64>,
    },
}

impl SliceItem {
    /// `:`, the whole axis.
    ///
    /// # Examples
    /// ```
    /// use tessera::SliceItem;
    /// let all = SliceItem::Range { start: None, stop: None, step: None };
    /// assert_eq!(SliceItem::ALL, all);
    /// ```
    pub const ALL: SliceItem = SliceItem::Range {
        start: None,
        stop: None,
        step: None,
    };
}

impl Array {
    /// Basic indexing (numpy's `a[i, start:stop:step, ...]`): one [`SliceItem`] per
    /// leading axis; missing trailing items mean `:`. An index removes its axis; a
    /// range keeps it, with Python's clamping of out-of-range bounds (an empty range
    /// gives a length-0 axis). No numpy `...` or `newaxis`: use [`Array::expand_dims`].
    ///
    /// Chunks: along a ranged axis, the input's chunk length divided by the step's
    /// magnitude (at least 1, at most the result's length), so an output chunk reads
    /// about one input chunk. A slice that selects everything returns `self`.
    ///
    /// # Errors
    /// [`Error::Shape`] for more items than axes, an index out of
    /// range, or a step of 0.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let values = ndarray::Array2::from_shape_fn((4, 6), |(i, j)| (i * 6 + j) as f64);
    /// let a = Array::from_ndarray(values.view(), &[2, 4])?;
    /// // a[1, 1::2]
    /// let odd = SliceItem::Range { start: Some(1), stop: None, step: Some(2) };
    /// let b = a.slice(&[SliceItem::Index(1), odd])?;
    /// assert_eq!(b.shape(), &[3]);
    /// assert_eq!(b.chunks(), &[2]);
    /// assert_eq!(b.compute_vec::<f64>(&ctx)?, vec![7.0, 9.0, 11.0]);
    /// // a[-1] keeps the trailing axis whole.
    /// let last = a.slice(&[SliceItem::Index(-1)])?;
    /// assert_eq!(last.compute_vec::<f64>(&ctx)?, vec![18.0, 19.0, 20.0, 21.0, 22.0, 23.0]);
    ///
    /// assert!(a.slice(&[SliceItem::Index(4)]).is_err()); // only 4 rows
    /// let zero_step = SliceItem::Range { start: None, stop: None, step: Some(0) };
    /// assert!(a.slice(&[zero_step]).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
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
        let op = Slice {
            input: self.clone(),
            axes,
        };
        Ok(Array::from_node(op, shape, chunks, self.dtype()))
    }

    /// Elements in reverse order along `axes`, every axis when `None` (numpy's `flip`).
    /// Negative axes count from the end. It is a slice with step -1, so chunks keep
    /// their lengths.
    ///
    /// # Errors
    /// [`Error::Shape`] for an axis out of range or repeated.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1, 2, 3], [4, 5, 6]].view(), &[1, 2])?;
    /// assert_eq!(a.flip(None)?.compute_vec::<i32>(&ctx)?, vec![6, 5, 4, 3, 2, 1]);
    /// assert_eq!(a.flip(Some(&[-1]))?.compute_vec::<i32>(&ctx)?, vec![3, 2, 1, 6, 5, 4]);
    /// assert_eq!(a.flip(Some(&[0]))?.chunks(), &[1, 2]);
    /// assert!(a.flip(Some(&[2])).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
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
}

impl Operator for Slice {
    fn name(&self) -> &'static str {
        "a slice"
    }

    fn label(&self, _node: &Array) -> String {
        "slice".into()
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.input]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        let (input, axes) = (&self.input, &self.axes);
        let mut out = Chunk::zeros(node.dtype(), &region.shape);
        if region.is_empty() {
            return Ok(out);
        }
        let bbox = slice_bounding_box(axes, region);
        let grid = ChunkGrid::new(input.shape(), input.chunks())?;
        for index in region_indices(&grid.chunks_touching(&bbox)) {
            let Some(piece) = grid.chunk_region(&index).intersect(&bbox) else {
                continue;
            };
            let values = ev.region(input, &piece)?;
            gather_slice(&values, &piece, axes, region, &mut out);
        }
        Ok(out)
    }

    /// The output, and one input chunk (within the slice) at a time.
    fn cost(&self, node: &Array, shape: &[u64], batch: u64) -> u64 {
        let piece: Vec<u64> = self
            .input
            .chunks()
            .iter()
            .zip(&self.axes)
            .map(|(c, a)| {
                if matches!(a, AxisSlice::Index(_)) {
                    1
                } else {
                    *c
                }
            })
            .collect();
        out_bytes(node, shape).saturating_add(region_cost(&self.input, &piece, batch))
    }
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

#[cfg(test)]
mod tests;
