//! Running sums and products along an axis (`cumsum`, `cumprod`). A region needs only
//! the running total of everything before it along the axis: totals at input chunk
//! boundaries are cached, so walking the array in order reads each chunk once more
//! (for its total), not once per later chunk.

use std::sync::Arc;

use crate::chunk::Chunk;
use crate::error::Result;
use crate::graph::{
    Array, Evaluator, Operator, along, normalize_axes, out_bytes, region_cost, sat_sum,
};
use crate::grid::Region;
use crate::kernels::reduce::ReduceOp;
use crate::kernels::scan::{self, ScanOp};

/// The operator of a scan of `input` (already in the result dtype) along `axis`.
pub(crate) struct Scan {
    input: Array,
    axis: usize,
    op: ScanOp,
    carries: CarryCache,
}

/// Running totals of a scan at input chunk boundaries, keyed by the boundary's chunk
/// index along the axis and the region of the other axes (with the axis collapsed).
type CarryCache =
    std::sync::Mutex<std::collections::HashMap<(u64, crate::grid::Region), Arc<Chunk>>>;

impl Array {
    /// Running sums (`ScanOp::Sum`, numpy's `cumsum`) or products (`ScanOp::Prod`,
    /// `cumprod`) along `axis` (negative counts from the end), with numpy's result
    /// dtypes: int64 for signed integers and bool, uint64 for unsigned, floats keep
    /// theirs. Unlike numpy there is no flattening form: an axis is required.
    ///
    /// Chunks are those of `self`. An output chunk needs the total of everything before
    /// it along the axis; totals at chunk boundaries are cached, so computing the whole
    /// array reads each input chunk about twice, not once per later chunk.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) for an axis out of range.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1i32, 2, 3], [4, 5, 6]].view(), &[1, 2])?;
    /// let rows = a.scan(ScanOp::Sum, -1)?;
    /// assert_eq!(rows.dtype(), DType::I64);
    /// assert_eq!(rows.chunks(), &[1, 2]);
    /// assert_eq!(rows.compute_vec::<i64>(&ctx)?, vec![1, 3, 6, 4, 9, 15]);
    /// let columns = a.scan(ScanOp::Prod, 0)?;
    /// assert_eq!(columns.compute_vec::<i64>(&ctx)?, vec![1, 2, 3, 4, 10, 18]);
    /// assert!(a.scan(ScanOp::Sum, 2).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn scan(&self, op: ScanOp, axis: i64) -> Result<Array> {
        let axis = normalize_axes(Some(&[axis]), self.ndim(), op.name())?[0];
        let reduce = if op == ScanOp::Sum {
            ReduceOp::Sum
        } else {
            ReduceOp::Prod
        };
        let dtype = reduce.output_dtype(self.dtype())?;
        let input = self.astype(dtype)?;
        let op = Scan {
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

    /// Running sums along `axis` (numpy's `cumsum` with an axis):
    /// [`Array::scan`] with [`ScanOp::Sum`], with its result dtypes
    /// and chunks.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) for an axis out of range.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![0.5, 1.0, 1.5, 2.0, 2.5].view(), &[2])?;
    /// assert_eq!(a.cumsum(0)?.compute_vec::<f64>(&ctx)?, vec![0.5, 1.5, 3.0, 5.0, 7.5]);
    /// assert!(a.cumsum(1).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn cumsum(&self, axis: i64) -> Result<Array> {
        self.scan(ScanOp::Sum, axis)
    }

    /// Running products along `axis` (numpy's `cumprod` with an axis):
    /// [`Array::scan`] with [`ScanOp::Prod`], with its result
    /// dtypes and chunks.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) for an axis out of range.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1u8, 2, 3, 4, 5].view(), &[2])?;
    /// let p = a.cumprod(-1)?;
    /// assert_eq!(p.dtype(), DType::U64);
    /// assert_eq!(p.compute_vec::<u64>(&ctx)?, vec![1, 2, 6, 24, 120]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn cumprod(&self, axis: i64) -> Result<Array> {
        self.scan(ScanOp::Prod, axis)
    }
}

impl Operator for Scan {
    fn name(&self) -> &'static str {
        "a cumulative scan"
    }

    fn label(&self, _node: &Array) -> String {
        format!(
            "{} along axis {} (carried across chunks)",
            self.op.name(),
            self.axis
        )
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.input]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        scan_region(
            ev,
            node,
            &self.input,
            self.axis,
            self.op,
            &self.carries,
            region,
        )
    }

    /// One input piece (at most a chunk along the axis) at a time, the carry, and the
    /// piece's scanned copy; carries at chunk boundaries are cached.
    fn cost(&self, node: &Array, shape: &[u64], batch: u64) -> u64 {
        let (input, axis) = (&self.input, self.axis);
        let mut piece = shape.to_vec();
        piece[axis] = piece[axis].min(input.chunks()[axis]);
        let mut carry = shape.to_vec();
        carry[axis] = 1;
        sat_sum(&[
            out_bytes(node, shape),
            region_cost(input, &piece, batch),
            out_bytes(input, &piece),
            out_bytes(input, &carry).saturating_mul(2),
        ])
    }
}

fn scan_region(
    ev: &Evaluator<'_>,
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
    let mut carry = carry_at(ev, input, axis, op, carries, region, region.start[axis])?;
    let step = input.chunks()[axis].max(1);
    let (mut at, end) = (region.start[axis], region.start[axis] + region.shape[axis]);
    while at < end {
        let next = ((at / step + 1) * step).min(end);
        let piece = along(region, axis, at, next);
        let values = ev.region(input, &piece)?;
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
    ev: &Evaluator<'_>,
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
        advance(
            ev,
            input,
            axis,
            op,
            &along(region, axis, j * step, (j + 1) * step),
            &mut carry,
        )?;
        j += 1;
        let mut map = carries.lock().unwrap_or_else(|p| p.into_inner());
        map.insert((j, key.clone()), Arc::new(carry.clone()));
    }
    if position > boundary * step {
        advance(
            ev,
            input,
            axis,
            op,
            &along(region, axis, boundary * step, position),
            &mut carry,
        )?;
    }
    Ok(carry)
}

/// Advances `carry` over `piece` of `input` along `axis`, one slice after another as
/// numpy's sequential `cumsum`/`cumprod` do, so the carry is bit for bit numpy's running
/// total (multiplying chunk products instead would turn `[1e200, 1e200, 0]` into 0,
/// where the running product is `inf * 0 = NaN`).
fn advance(
    ev: &Evaluator<'_>,
    input: &Array,
    axis: usize,
    op: ScanOp,
    piece: &Region,
    carry: &mut Chunk,
) -> Result<()> {
    let values = ev.region(input, piece)?;
    scan::scan(op, &values, axis, carry)?;
    Ok(())
}

impl Array {
    /// The `n`-th discrete difference along `axis` (numpy's `diff`): `a[1:] - a[:-1]`
    /// along the axis, `n` times, lazily (slices and a subtraction, fused); bools give
    /// `a[1:] != a[:-1]` as numpy's, integers wrap. `n = 0` returns the array; an axis
    /// shorter than `n` gives an empty one.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) for a 0-d array (numpy needs at least one
    /// axis) or an axis out of range.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1i64, 4, 9, 16].view(), &[2])?;
    /// assert_eq!(a.diff(1, -1)?.compute_vec::<i64>(&ctx)?, vec![3, 5, 7]);
    /// assert_eq!(a.diff(2, 0)?.compute_vec::<i64>(&ctx)?, vec![2, 2]);
    /// assert_eq!(a.diff(5, 0)?.shape(), &[0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn diff(&self, n: u32, axis: i64) -> Result<Array> {
        if self.ndim() == 0 {
            return Err(crate::Error::shape(
                "diff",
                "diff needs an array of at least one axis (numpy's rule)",
            ));
        }
        let axis = crate::graph::normalize_axis(axis, self.ndim(), "diff")?;
        let op = if self.dtype() == crate::DType::Bool {
            crate::BinaryOp::Ne
        } else {
            crate::BinaryOp::Sub
        };
        let mut a = self.clone();
        for _ in 0..n {
            if a.shape()[axis] == 0 {
                break;
            }
            let cut = |start: Option<i64>, stop: Option<i64>| {
                let mut items = vec![crate::SliceItem::ALL; a.ndim()];
                items[axis] = crate::SliceItem::Range {
                    start,
                    stop,
                    step: None,
                };
                a.slice(&items)
            };
            let (later, earlier) = (cut(Some(1), None)?, cut(None, Some(-1))?);
            a = later.binary(op, &earlier)?;
        }
        Ok(a)
    }
}
