//! Operations on whole lanes along one axis (`sort`, `argsort`; the medians and
//! quantiles of `ops/quantile.rs` build on it). An output chunk needs every element of
//! its lanes: it reads the input region spanning the entire axis (the other axes as the
//! chunk's) and runs a per-lane kernel (`kernels/lanes.rs`) on it.
//!
//! Memory: a task holds its whole lane block, the output and one lane of scratch, so
//! the axis must fit the budget. The output chunks on the other axes are narrowed when
//! building the node so that a block holds about as many elements as an input chunk
//! (at least 2^21), and a block that cannot fit the budget is refused by the plan,
//! naming the bytes it needs, before any work starts.

use crate::chunk::Chunk;
use crate::error::Result;
use crate::graph::{Array, Evaluator, Operator, normalize_axis, out_bytes, region_cost, sat_sum};
use crate::grid::Region;
use crate::kernels::lanes::{self, LaneKernel};

/// Lane blocks are narrowed on the other axes to about this many elements, or an
/// input chunk's, whichever is more.
const LANE_BLOCK_ELEMENTS: u64 = 1 << 21;

/// The operator of a per-lane kernel along `axis` of `input`.
pub(crate) struct Lanes {
    input: Array,
    axis: usize,
    kernel: LaneKernel,
    /// The kernel gives one element a lane and the axis is dropped from the result.
    drop: bool,
}

impl Lanes {
    /// The region of the kernel's output (with the lane axis) that a region of the
    /// node covers.
    fn lane_region(&self, region: &Region) -> Region {
        let mut lane = region.clone();
        if self.drop {
            lane.start.insert(self.axis, 0);
            lane.shape.insert(self.axis, 1);
        }
        lane
    }

    /// The input region an output region reads: the whole axis, the other axes as the
    /// region's.
    fn input_region(&self, region: &Region) -> Region {
        let mut read = region.clone();
        read.start[self.axis] = 0;
        read.shape[self.axis] = self.input.shape()[self.axis];
        read
    }
}

impl Array {
    /// `kernel` over every lane along `axis` (already normalized).
    pub(crate) fn lanes(&self, axis: usize, kernel: LaneKernel) -> Result<Array> {
        self.lanes_with(axis, kernel, false)
    }

    /// `kernel` (one output a lane, when `drop`) along `axis`, which `drop` removes
    /// from the result.
    pub(crate) fn lanes_with(&self, axis: usize, kernel: LaneKernel, drop: bool) -> Result<Array> {
        let dtype = kernel.output_dtype(self.dtype())?;
        let n = self.shape()[axis];
        let m = kernel.output_len(n);
        let mut shape = self.shape().to_vec();
        shape[axis] = m;
        // Output chunks: whole lanes; the other axes keep the input's chunks, halved
        // (the longest first) until a block of input lanes is no larger than an input
        // chunk or LANE_BLOCK_ELEMENTS.
        let mut chunks = self.chunks().to_vec();
        chunks[axis] = m.max(1);
        let target = crate::grid::sat_len(self.chunks()).max(LANE_BLOCK_ELEMENTS);
        let block = |c: &[u64]| {
            c.iter()
                .enumerate()
                .map(|(d, &len)| if d == axis { n.max(1) } else { len.max(1) })
                .fold(1u64, |acc, x| acc.saturating_mul(x))
        };
        while block(&chunks) > target {
            let widest = chunks
                .iter()
                .enumerate()
                .filter(|(d, c)| *d != axis && **c > 1)
                .max_by_key(|(_, c)| **c)
                .map(|(d, _)| d);
            let Some(d) = widest else { break };
            chunks[d] = chunks[d].div_ceil(2);
        }
        let drop = drop && m == 1;
        if drop {
            shape.remove(axis);
            chunks.remove(axis);
        }
        let op = Lanes {
            input: self.clone(),
            axis,
            kernel,
            drop,
        };
        Array::checked_node(op, shape, chunks, dtype)
    }

    /// The array sorted along `axis` (numpy's `sort`; `None` sorts the flattened
    /// array), NaN last as numpy's. Whole lanes along the axis are held in memory: the
    /// plan refuses an axis too long for the budget.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) for an axis out of range.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[3.0, f64::NAN, 1.0], [2.0, 0.5, -1.0]].view(), &[1, 2])?;
    /// let rows = a.sort(Some(-1))?.compute_vec::<f64>(&ctx)?;
    /// assert_eq!(rows[..2], [1.0, 3.0]);
    /// assert!(rows[2].is_nan());
    /// assert_eq!(rows[3..], [-1.0, 0.5, 2.0]);
    /// assert_eq!(a.sort(None)?.shape(), &[6]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn sort(&self, axis: Option<i64>) -> Result<Array> {
        self.along_lanes(axis, "sort", LaneKernel::Sort)
    }

    /// The indices that sort the array along `axis` (numpy's `argsort` with
    /// `kind='stable'`: equal elements keep their order; NaN last), as int64; `None`
    /// sorts the flattened array. Whole lanes are held in memory, as for
    /// [`Array::sort`].
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) for an axis out of range.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![3i32, 1, 2, 1].view(), &[2])?;
    /// let order = a.argsort(Some(0))?;
    /// assert_eq!(order.dtype(), DType::I64);
    /// assert_eq!(order.compute_vec::<i64>(&ctx)?, vec![1, 3, 2, 0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn argsort(&self, axis: Option<i64>) -> Result<Array> {
        self.along_lanes(axis, "argsort", LaneKernel::ArgSort)
    }

    /// A lane kernel along `axis`, or along the flattened array when `None`.
    fn along_lanes(&self, axis: Option<i64>, name: &str, kernel: LaneKernel) -> Result<Array> {
        match axis {
            None => self.ravel()?.lanes(0, kernel),
            Some(axis) => {
                let axis = normalize_axis(axis, self.ndim(), name)?;
                self.lanes(axis, kernel)
            }
        }
    }
}

impl Operator for Lanes {
    fn name(&self) -> &'static str {
        "a lane operation (whole lanes along one axis)"
    }

    fn label(&self, _node: &Array) -> String {
        format!(
            "{} along axis {} (whole lanes of {} in memory)",
            self.kernel.name(),
            self.axis,
            self.input.shape()[self.axis]
        )
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.input]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        let lane = self.lane_region(region);
        let read = self.input_region(&lane);
        if read.is_empty() || region.is_empty() {
            return Ok(Chunk::zeros(node.dtype(), &region.shape));
        }
        let values = ev.region(&self.input, &read)?;
        let out = lanes::apply(&self.kernel, &values, self.axis)?;
        let m = out.shape()[self.axis];
        let out = if lane.start[self.axis] == 0 && lane.shape[self.axis] == m {
            out
        } else {
            let mut within = Region::whole(&lane.shape);
            within.start[self.axis] = lane.start[self.axis];
            out.extract(&within)
        };
        if self.drop {
            out.reshaped(&region.shape)
        } else {
            Ok(out)
        }
    }

    /// The lane block read (with its working memory), then held beside the output and
    /// one lane of scratch.
    fn cost(&self, node: &Array, shape: &[u64], batch: u64) -> u64 {
        let n = self.input.shape()[self.axis];
        let mut block = self.lane_region(&Region::whole(shape)).shape;
        block[self.axis] = n;
        let read = region_cost(&self.input, &block, batch);
        let held = out_bytes(&self.input, &block);
        let work = sat_sum(&[
            out_bytes(node, shape),
            self.kernel.scratch_bytes(n, self.input.dtype()),
        ]);
        held.saturating_add(read.saturating_sub(held).max(work))
    }
}

#[cfg(test)]
mod tests;
