//! Chunk-aware reshape. A C-order reshape splits into independent axis groups: runs of
//! input axes whose lengths multiply to the same count as a run of output axes (a merge,
//! a split, or an identity). Within a group, elements keep their C-order position, so a
//! box of the output is a few contiguous runs of that position, and each run is at most
//! `2 * ndim - 1` boxes of the input. Output chunks are picked per group to hold as many
//! elements as the input chunk does there, laid out so that they are one run: a reshape
//! never merges chunks into a giant one (dask's failure mode in dask#8110).

use std::ops::Range;

use crate::chunk::Chunk;
use crate::error::{Error, Result};
use crate::graph::{Array, Evaluator, Operator, out_bytes, region_cost};
use crate::grid::{ChunkGrid, Region, ravel, unravel};

/// The operator of a reshape: the same elements in C order with the node's shape.
pub(crate) struct Reshape {
    input: Array,
}

impl Array {
    /// The same elements in C order with another shape (numpy's `reshape`, C order
    /// only). One length may be `-1`: it is worked out from the element count.
    ///
    /// Chunks: the axes split into groups that hold the same elements before and after
    /// (a merge, a split, or an axis kept); in each group the output chunk holds as many
    /// elements as an input chunk does there, laid out from the last axis so that each
    /// chunk is one contiguous run. A reshape never merges chunks into one giant chunk,
    /// as dask's can (dask#8110). The same shape returns `self`.
    ///
    /// # Errors
    /// [`Error::Shape`] when the element counts differ, more than
    /// one length is `-1`, a length is below `-1`, or no length fits the `-1`.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let values = ndarray::Array2::from_shape_fn((4, 6), |(i, j)| (i * 6 + j) as f64);
    /// let a = Array::from_ndarray(values.view(), &[2, 3])?;
    /// let b = a.reshape(&[2, 2, -1])?; // axis 0 splits; axis 1 stays
    /// assert_eq!(b.shape(), &[2, 2, 6]);
    /// assert_eq!(b.chunks(), &[1, 2, 3]);
    /// assert_eq!(b.compute_vec::<f64>(&ctx)?, a.compute_vec::<f64>(&ctx)?);
    /// let c = a.reshape(&[24])?; // both axes merge: chunks of 2 x 3 elements
    /// assert_eq!(c.chunks(), &[6]);
    ///
    /// assert!(a.reshape(&[5, -1]).is_err()); // 24 is not a multiple of 5
    /// assert!(a.reshape(&[-1, -1]).is_err());
    /// assert!(a.reshape(&[25]).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn reshape(&self, shape: &[i64]) -> Result<Array> {
        let shape = resolve_reshape(self.shape(), shape)?;
        if shape == self.shape() {
            return Ok(self.clone());
        }
        let chunks = reshape_chunks(self, &shape);
        Ok(Array::from_node(
            Reshape {
                input: self.clone(),
            },
            shape,
            chunks,
            self.dtype(),
        ))
    }

    /// The elements as a 1-d array in C order (numpy's `ravel` and `flatten`):
    /// `reshape(&[-1])`, so a chunk holds as many elements as an input chunk.
    ///
    /// # Errors
    /// None in practice: every array has a 1-d shape.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1, 2, 3], [4, 5, 6]].view(), &[1, 3])?;
    /// let flat = a.ravel()?;
    /// assert_eq!(flat.shape(), &[6]);
    /// assert_eq!(flat.chunks(), &[3]);
    /// assert_eq!(flat.compute_vec::<i32>(&ctx)?, vec![1, 2, 3, 4, 5, 6]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn ravel(&self) -> Result<Array> {
        self.reshape(&[-1])
    }
}

impl Operator for Reshape {
    fn name(&self) -> &'static str {
        "reshape"
    }

    fn label(&self, node: &Array) -> String {
        format!("reshape {:?} -> {:?}", self.input.shape(), node.shape())
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.input]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        evaluate_region(ev, node, &self.input, region)
    }

    /// The output, and one input box at a time (with its own cost).
    fn cost(&self, node: &Array, shape: &[u64], batch: u64) -> u64 {
        let largest = largest_input_box(node, &self.input, shape);
        out_bytes(node, shape).saturating_add(region_cost(&self.input, &largest, batch))
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

/// Input axes `inputs` that hold the same elements, in the same C order, as output axes
/// `outputs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AxisGroup {
    pub inputs: Range<usize>,
    pub outputs: Range<usize>,
}

/// The axis groups of reshaping `in_shape` to `out_shape` (same element count).
pub(crate) fn axis_groups(in_shape: &[u64], out_shape: &[u64]) -> Vec<AxisGroup> {
    let total: u64 = in_shape.iter().product();
    if total == 0 || in_shape.is_empty() || out_shape.is_empty() {
        return vec![AxisGroup {
            inputs: 0..in_shape.len(),
            outputs: 0..out_shape.len(),
        }];
    }
    let mut groups = Vec::new();
    let (mut i, mut j) = (0, 0);
    while let (Some(&first_in), Some(&first_out)) = (in_shape.get(i), out_shape.get(j)) {
        let (i0, j0) = (i, j);
        let (mut held_in, mut held_out) = (first_in, first_out);
        (i, j) = (i + 1, j + 1);
        while held_in != held_out {
            let next = if held_in < held_out {
                in_shape.get(i).map(|n| (&mut held_in, n, &mut i))
            } else {
                out_shape.get(j).map(|n| (&mut held_out, n, &mut j))
            };
            let Some((held, n, axis)) = next else { break };
            *held *= n;
            *axis += 1;
        }
        groups.push(AxisGroup {
            inputs: i0..i,
            outputs: j0..j,
        });
    }
    // Trailing length-1 axes join the last group.
    if let Some(last) = groups.last_mut() {
        last.inputs.end = in_shape.len();
        last.outputs.end = out_shape.len();
    }
    groups
}

/// Output chunks for reshaping `input` to `out_shape`: per group, as many elements as
/// an input chunk holds there, filled from the innermost output axis so that each
/// chunk is one contiguous run of the group.
fn reshape_chunks(input: &Array, out_shape: &[u64]) -> Vec<u64> {
    let mut chunks = vec![1; out_shape.len()];
    for group in axis_groups(input.shape(), out_shape) {
        let mut target: u64 = group
            .inputs
            .clone()
            .map(|d| input.chunks()[d].min(input.shape()[d]).max(1))
            .product();
        for d in group.outputs.clone().rev() {
            let n = out_shape[d].max(1);
            chunks[d] = n.min(target).max(1);
            target = if chunks[d] == n { target / n } else { 1 };
        }
    }
    chunks
}

/// A contiguous stretch of a group's elements: `len` of them from position `src` of an
/// input box and position `dst` of the output region (both within the group).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    src: u64,
    dst: u64,
    len: u64,
}

/// One input box of a group (over the group's input axes) and where its elements go.
#[derive(Clone, Debug)]
struct Piece {
    start: Vec<u64>,
    shape: Vec<u64>,
    runs: Vec<Run>,
}

impl Piece {
    fn len(&self) -> u64 {
        self.shape.iter().product()
    }
}

/// What one group of an output region reads: its pieces and the region's element count
/// over the group's output axes.
struct GroupPlan {
    pieces: Vec<Piece>,
    out_len: u64,
}

/// The pieces of every group for an output `region` of `out_shape`.
fn plan_region(in_shape: &[u64], out_shape: &[u64], region: &Region) -> Vec<GroupPlan> {
    axis_groups(in_shape, out_shape)
        .into_iter()
        .map(|group| {
            let outs = group.outputs.clone();
            let sub = Region {
                start: region.start[outs.clone()].to_vec(),
                shape: region.shape[outs.clone()].to_vec(),
            };
            let group_out_shape = &out_shape[outs];
            let group_in_shape = &in_shape[group.inputs.clone()];
            let mut pieces = Vec::new();
            for (lo, hi) in flat_ranges(group_out_shape, &sub) {
                let mut boxes = Vec::new();
                range_boxes(group_in_shape, lo, hi, &mut boxes);
                let mut at = lo;
                for (start, shape) in boxes {
                    let len: u64 = shape.iter().product();
                    let runs = destination_runs(group_out_shape, &sub, at, len);
                    pieces.push(Piece { start, shape, runs });
                    at += len;
                }
            }
            GroupPlan {
                pieces,
                out_len: sub.len(),
            }
        })
        .collect()
}

/// The C-order positions of a box of an array of `shape`, as merged half-open ranges.
fn flat_ranges(shape: &[u64], sub: &Region) -> Vec<(u64, u64)> {
    if shape.is_empty() {
        return vec![(0, 1)];
    }
    // Axes after `k` are whole, so each index of the axes before it is one run.
    let k = (0..shape.len())
        .rev()
        .find(|&d| sub.shape[d] != shape[d])
        .unwrap_or(0);
    let run_len: u64 = sub.shape[k] * shape[k + 1..].iter().product::<u64>();
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    let outer = &sub.shape[..k];
    let count: u64 = outer.iter().product();
    let mut index: Vec<u64> = sub.start.clone();
    for n in 0..count {
        let offset = unravel(n, outer);
        for (d, o) in offset.iter().enumerate() {
            index[d] = sub.start[d] + o;
        }
        let lo = ravel(&index, shape);
        match ranges.last_mut() {
            Some(last) if last.1 == lo => last.1 = lo + run_len,
            _ => ranges.push((lo, lo + run_len)),
        }
    }
    ranges
}

/// Splits the C-order positions `lo..hi` of an array of `shape` into boxes, in order.
/// Each box is `(start, shape)`, and there are at most `2 * ndim - 1` of them.
fn range_boxes(shape: &[u64], lo: u64, hi: u64, out: &mut Vec<(Vec<u64>, Vec<u64>)>) {
    if lo >= hi {
        return;
    }
    let Some((&rows, inner_shape)) = shape.split_first() else {
        out.push((Vec::new(), Vec::new()));
        return;
    };
    let inner: u64 = inner_shape.iter().product::<u64>().max(1);
    let prefixed = |row: u64, count: u64, boxes: Vec<(Vec<u64>, Vec<u64>)>| {
        boxes.into_iter().map(move |(s, n)| {
            (
                std::iter::once(row).chain(s).collect(),
                std::iter::once(count).chain(n).collect(),
            )
        })
    };
    let (first_row, last_row) = (lo / inner, (hi - 1) / inner);
    debug_assert!(last_row < rows);
    let within = |row: u64, from: u64, to: u64, out: &mut Vec<(Vec<u64>, Vec<u64>)>| {
        let mut sub = Vec::new();
        range_boxes(inner_shape, from, to, &mut sub);
        out.extend(prefixed(row, 1, sub));
    };
    if first_row == last_row {
        within(
            first_row,
            lo - first_row * inner,
            hi - first_row * inner,
            out,
        );
        return;
    }
    let mut full_from = first_row;
    if !lo.is_multiple_of(inner) {
        within(first_row, lo % inner, inner, out);
        full_from += 1;
    }
    let full_to = if hi.is_multiple_of(inner) {
        last_row + 1
    } else {
        last_row
    };
    if full_to > full_from {
        let mut start = vec![full_from];
        start.extend(std::iter::repeat_n(0, inner_shape.len()));
        let mut box_shape = vec![full_to - full_from];
        box_shape.extend_from_slice(inner_shape);
        out.push((start, box_shape));
    }
    if !hi.is_multiple_of(inner) {
        within(last_row, 0, hi % inner, out);
    }
}

/// Where the group positions `at..at + len` (all inside `sub`) land in `sub`'s C order.
fn destination_runs(shape: &[u64], sub: &Region, at: u64, len: u64) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut done = 0;
    while done < len {
        let index = unravel(at + done, shape);
        let local: Vec<u64> = index.iter().zip(&sub.start).map(|(i, s)| i - s).collect();
        let room = match (index.last(), sub.start.last(), sub.shape.last()) {
            (Some(i), Some(s), Some(n)) => s + n - i,
            _ => len - done,
        };
        let run = Run {
            src: done,
            dst: ravel(&local, &sub.shape),
            len: room.min(len - done),
        };
        match runs.last_mut() {
            Some(last) if last.src + last.len == run.src && last.dst + last.len == run.dst => {
                last.len += run.len;
            }
            _ => runs.push(run),
        }
        done += run.len;
    }
    runs
}

/// The values of the reshape `array` of `input` in `region`: each combination of one
/// piece per group is one input box, read and scattered into place in turn.
fn evaluate_region(
    evaluator: &Evaluator<'_>,
    array: &Array,
    input: &Array,
    region: &Region,
) -> Result<Chunk> {
    if region.is_empty() {
        return Ok(Chunk::zeros(array.dtype(), &region.shape));
    }
    let groups = plan_region(input.shape(), array.shape(), region);
    if groups.iter().all(is_whole_run) {
        let whole = combined_box(&groups, &vec![0; groups.len()]);
        return evaluator.region(input, &whole)?.reshaped(&region.shape);
    }
    let mut out = Chunk::zeros(array.dtype(), &region.shape);
    let counts: Vec<u64> = groups.iter().map(|g| g.pieces.len() as u64).collect();
    let out_lens: Vec<u64> = groups.iter().map(|g| g.out_len).collect();
    for n in 0..counts.iter().product::<u64>() {
        let choice: Vec<usize> = unravel(n, &counts)
            .into_iter()
            .map(|i| i as usize)
            .collect();
        let values = evaluator.region(input, &combined_box(&groups, &choice))?;
        let pieces: Vec<&Piece> = groups
            .iter()
            .zip(&choice)
            .map(|(g, &c)| &g.pieces[c])
            .collect();
        Scatter::new(&pieces, &out_lens, array.dtype().size())
            .copy(values.bytes(), out.bytes_mut());
    }
    Ok(out)
}

/// True when a group reads one box whose elements are the region's, in order.
fn is_whole_run(group: &GroupPlan) -> bool {
    matches!(group.pieces.as_slice(), [piece] if piece.runs == [Run { src: 0, dst: 0, len: group.out_len }])
}

/// The input box made of piece `choice[g]` of each group `g`.
fn combined_box(groups: &[GroupPlan], choice: &[usize]) -> Region {
    let mut start = Vec::new();
    let mut shape = Vec::new();
    for (group, &c) in groups.iter().zip(choice) {
        start.extend_from_slice(&group.pieces[c].start);
        shape.extend_from_slice(&group.pieces[c].shape);
    }
    Region { start, shape }
}

/// Copies an input box (one piece per group) into the output region's buffer.
struct Scatter<'a> {
    pieces: &'a [&'a Piece],
    src_strides: Vec<u64>,
    dst_strides: Vec<u64>,
    size: usize,
}

impl<'a> Scatter<'a> {
    fn new(pieces: &'a [&'a Piece], out_lens: &[u64], size: usize) -> Scatter<'a> {
        let suffix_products = |lens: Vec<u64>| {
            let mut strides = vec![1; lens.len()];
            for g in (0..lens.len().saturating_sub(1)).rev() {
                strides[g] = strides[g + 1] * lens[g + 1];
            }
            strides
        };
        Scatter {
            pieces,
            src_strides: suffix_products(pieces.iter().map(|p| p.len()).collect()),
            dst_strides: suffix_products(out_lens.to_vec()),
            size,
        }
    }

    fn copy(&self, src: &[u8], dst: &mut [u8]) {
        self.copy_group(0, 0, 0, src, dst);
    }

    fn copy_group(&self, g: usize, src_base: u64, dst_base: u64, src: &[u8], dst: &mut [u8]) {
        let last = g + 1 == self.pieces.len();
        for run in &self.pieces[g].runs {
            if last {
                let from = (src_base + run.src) as usize * self.size;
                let to = (dst_base + run.dst) as usize * self.size;
                let bytes = run.len as usize * self.size;
                dst[to..to + bytes].copy_from_slice(&src[from..from + bytes]);
                continue;
            }
            for i in 0..run.len {
                self.copy_group(
                    g + 1,
                    src_base + (run.src + i) * self.src_strides[g],
                    dst_base + (run.dst + i) * self.dst_strides[g],
                    src,
                    dst,
                );
            }
        }
    }
}

/// The largest input box read for an output region of `shape`, sampled at a few
/// positions of the output's chunk grid (first, second and middle chunks): per group,
/// the piece with the most elements.
fn largest_input_box(array: &Array, input: &Array, shape: &[u64]) -> Vec<u64> {
    let Ok(grid) = ChunkGrid::new(array.shape(), shape) else {
        return input.shape().to_vec();
    };
    let grid_shape = grid.grid_shape();
    let samples = [
        vec![0; shape.len()],
        grid_shape
            .iter()
            .map(|&n| 1.min(n.saturating_sub(1)))
            .collect(),
        grid_shape.iter().map(|&n| n / 2).collect::<Vec<u64>>(),
    ];
    let mut largest: Vec<u64> = vec![0; input.ndim()];
    let mut largest_len = 0;
    for index in samples {
        let mut region = grid.chunk_region(&index);
        for (d, (&want, &n)) in shape.iter().zip(array.shape()).enumerate() {
            region.start[d] = region.start[d].min(n.saturating_sub(want));
            region.shape[d] = want.min(n);
        }
        if region.is_empty() {
            continue;
        }
        let boxed: Vec<u64> = plan_region(input.shape(), array.shape(), &region)
            .iter()
            .flat_map(|g| {
                g.pieces
                    .iter()
                    .max_by_key(|p| p.len())
                    .map(|p| p.shape.clone())
                    .unwrap_or_default()
            })
            .collect();
        let len = boxed.iter().product::<u64>();
        if boxed.len() == input.ndim() && len >= largest_len {
            (largest, largest_len) = (boxed, len);
        }
    }
    largest
}

#[cfg(test)]
mod tests;
