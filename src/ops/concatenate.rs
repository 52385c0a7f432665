//! Joining arrays: `concatenate` along an existing axis, `stack` along a new one, and
//! `block` for nested lists. A region reads from each input only the part that meets
//! it, one input after another, and copies it in place.

use crate::chunk::Chunk;
use crate::error::{Error, Result};
use crate::graph::{Array, Evaluator, Operator, normalize_axis, out_bytes, region_cost};
use crate::grid::Region;
use crate::kernels::promote::result_type;

/// The operator of `inputs` joined along `axis`; input `i` starts at `offsets[i]` on
/// that axis. All inputs have the node's dtype and agree with its shape off `axis`.
pub(crate) struct Concatenate {
    inputs: Vec<Array>,
    axis: usize,
    offsets: Vec<u64>,
}

/// Nested lists of arrays for [`block`], as numpy's `block` takes nested Python lists.
///
/// # Examples
/// ```
/// use tessera::Blocks;
/// use tessera::prelude::*;
/// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0]].view(), &[1, 2])?;
/// let b = Array::from_ndarray(ndarray::array![[3.0]].view(), &[1, 1])?;
/// // [[a, b]]: one row of two blocks
/// let row = Blocks::List(vec![Blocks::List(vec![Blocks::Array(a), Blocks::Array(b)])]);
/// assert_eq!(block(&row)?.shape(), &[1, 3]);
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone)]
pub enum Blocks {
    /// One array.
    Array(Array),
    /// A list of nested lists or arrays, joined along one axis.
    List(Vec<Blocks>),
}

/// `arrays` joined along an existing `axis` (numpy's / dask's `concatenate`; negative
/// counts from the end). Shapes must agree on every other axis; the dtype is the
/// promotion of all inputs' dtypes. One array (or one that is not empty along `axis`)
/// is returned as it is, cast to that dtype.
///
/// Chunks: a regular grid has one chunk length per axis, so along `axis` the result
/// takes the inputs' common chunk length when they share one, else the smallest of
/// them. An output chunk then never spans more than two chunks of any input along the
/// axis, and output chunk boundaries fall on input chunk boundaries when every input
/// but the last is a whole number of chunks long (dask instead keeps each input's own
/// chunk list, which a regular grid cannot express). Other axes take the chunking of
/// the first input that is not empty along `axis`.
///
/// # Errors
/// [`Error::Invalid`] for no arrays; [`Error::Shape`] for 0-d arrays, an axis out of
/// range, shapes (or numbers of axes) that differ off `axis`, or a result whose length
/// or byte count would overflow `u64`.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![[1i32, 2], [3, 4]].view(), &[2, 2])?;
/// let b = Array::from_ndarray(ndarray::array![[5.5, 6.5]].view(), &[1, 1])?;
/// let c = concatenate(&[a.clone(), b], 0)?;
/// assert_eq!(c.shape(), &[3, 2]);
/// assert_eq!(c.dtype(), DType::F64); // int32 and float64 promote to float64
/// assert_eq!(c.chunks(), &[1, 2]); // the smaller chunk along the axis, the rest from `a`
/// assert_eq!(c.compute_vec::<f64>(&ctx)?, vec![1.0, 2.0, 3.0, 4.0, 5.5, 6.5]);
///
/// let wide = concatenate(&[a.clone(), a.clone()], -1)?;
/// assert_eq!(wide.shape(), &[2, 4]);
///
/// let column = Array::from_ndarray(ndarray::array![[7i32], [8]].view(), &[1, 1])?;
/// assert!(concatenate(&[a.clone(), column], 0).is_err()); // 2 columns vs 1
/// assert!(concatenate(&[], 0).is_err());
/// # Ok::<(), tessera::Error>(())
/// ```
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
    let op = Concatenate {
        inputs,
        axis,
        offsets,
    };
    Array::checked_node(op, shape, chunks, dtype)
}

/// `arrays`, which must all have the same shape, joined along a new `axis` of the
/// result (numpy's / dask's `stack`; negative counts from the end of the result): each
/// gets a length-1 axis there ([`Array::expand_dims`]) and they are concatenated along
/// it, so the new axis has chunks of 1. The dtype is the promotion of all inputs'.
///
/// # Errors
/// [`Error::Invalid`] for no arrays; [`Error::Shape`] for shapes that differ, or an
/// axis out of range for an array of `ndim + 1` axes.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0].view(), &[3])?;
/// let b = Array::from_ndarray(ndarray::array![4.0, 5.0, 6.0].view(), &[3])?;
/// let rows = stack(&[a.clone(), b.clone()], 0)?;
/// assert_eq!(rows.shape(), &[2, 3]);
/// assert_eq!(rows.chunks(), &[1, 3]);
/// assert_eq!(rows.compute_vec::<f64>(&ctx)?, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// let columns = stack(&[a.clone(), b], -1)?;
/// assert_eq!(columns.compute_vec::<f64>(&ctx)?, vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
///
/// let short = Array::from_ndarray(ndarray::array![1.0, 2.0].view(), &[2])?;
/// assert!(stack(&[a, short], 0).is_err());
/// # Ok::<(), tessera::Error>(())
/// ```
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

/// Arrays assembled from nested lists of blocks (numpy's `block`): the innermost lists
/// are joined along the last axis, the lists of those along the axis before it, and so
/// on. Every array gets leading length-1 axes up to the nesting depth or the most axes
/// of any array, whichever is more. Each join is a [`concatenate`], with its dtype
/// promotion and chunking.
///
/// # Errors
/// [`Error::Shape`] for an empty list, arrays nested to different depths, or blocks
/// whose shapes do not fit together.
///
/// # Examples
/// ```
/// use tessera::Blocks;
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let eye = Array::from_ndarray(ndarray::array![[1.0, 0.0], [0.0, 1.0]].view(), &[2, 2])?;
/// let zero = Array::from_ndarray(ndarray::array![[0.0, 0.0], [0.0, 0.0]].view(), &[2, 2])?;
/// let row = |a: &Array, b: &Array| {
///     Blocks::List(vec![Blocks::Array(a.clone()), Blocks::Array(b.clone())])
/// };
/// // [[eye, zero], [zero, eye]]
/// let big = block(&Blocks::List(vec![row(&eye, &zero), row(&zero, &eye)]))?;
/// assert_eq!(big.shape(), &[4, 4]);
/// assert_eq!(big.compute_vec::<f64>(&ctx)?[..8], [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
///
/// // A 1-d array in a list of depth 1 is joined along its only axis.
/// let v = Array::from_ndarray(ndarray::array![1.0, 2.0].view(), &[2])?;
/// let joined = block(&Blocks::List(vec![Blocks::Array(v.clone()), Blocks::Array(v.clone())]))?;
/// assert_eq!(joined.compute_vec::<f64>(&ctx)?, vec![1.0, 2.0, 1.0, 2.0]);
///
/// // [eye, [zero]]: depths differ.
/// let uneven = Blocks::List(vec![Blocks::Array(eye), Blocks::List(vec![Blocks::Array(zero)])]);
/// assert!(block(&uneven).is_err());
/// assert!(block(&Blocks::List(vec![])).is_err());
/// # Ok::<(), tessera::Error>(())
/// ```
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

impl Operator for Concatenate {
    fn name(&self) -> &'static str {
        "concatenate"
    }

    fn label(&self, _node: &Array) -> String {
        format!(
            "concatenate {} arrays along axis {}",
            self.inputs.len(),
            self.axis
        )
    }

    fn inputs(&self) -> Vec<&Array> {
        self.inputs.iter().collect()
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        let axis = self.axis;
        if region.is_empty() {
            return Ok(Chunk::zeros(node.dtype(), &region.shape));
        }
        let (lo, hi) = (region.start[axis], region.start[axis] + region.shape[axis]);
        // Per input meeting the region: its part of the region, in its own and in the
        // output's coordinates.
        let parts: Vec<(&Array, Region, Region)> = self
            .inputs
            .iter()
            .zip(&self.offsets)
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
            return ev.region(input, own);
        }
        let mut out = Chunk::zeros(node.dtype(), &region.shape);
        for (input, own, placed) in &parts {
            let values = ev.region(input, own)?;
            values.copy_overlap_into(placed, &mut out, region);
        }
        Ok(out)
    }

    /// The output, and one input's part of it at a time (with its own cost).
    fn cost(&self, node: &Array, shape: &[u64], batch: u64) -> u64 {
        let largest = self
            .inputs
            .iter()
            .map(|input| {
                let mut piece = shape.to_vec();
                piece[self.axis] = piece[self.axis].min(input.shape()[self.axis]);
                region_cost(input, &piece, batch)
            })
            .max()
            .unwrap_or(0);
        out_bytes(node, shape).saturating_add(largest)
    }
}

#[cfg(test)]
mod tests;
