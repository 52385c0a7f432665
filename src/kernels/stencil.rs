//! Window (stencil) statistics over a box: each element of an interior box gets the
//! sum, mean, min or max of the `(2 * depth + 1)^ndim` window around it, the window
//! clipped to the box it is given. `map_overlap`'s named functions call this on a block
//! extended by its halo, so the clipping only ever happens at array edges under the
//! `none` boundary (where windows shrink instead of being padded).
//!
//! The kernels are separable: one pass per axis, each shrinking that axis from the box
//! to the interior. Sums keep a running total per window (one add and one subtract per
//! element whatever the depth): exact wrapping arithmetic for integers, a compensated
//! (Neumaier) f64 total for floats that counts NaN and infinities apart, so a NaN or
//! an infinity that leaves the window leaves the result too. Min and max use van
//! Herk / Gil-Werman block prefix and suffix extremes (three comparisons per element
//! whatever the depth); NaN propagates as numpy's `min`/`max` do.
//!
//! Work happens in a wide type (i64 for bool and signed integers, u64 for unsigned,
//! f64 for floats): dtypes follow numpy's `sum`/`mean`/`min`/`max` (`WindowOp::output_dtype`).

use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::grid::Region;
use crate::kernels::elementwise::{Operand, try_cast};
use crate::kernels::reduce::ReduceOp;

/// A named window function, applied over a sliding window around each element.
///
/// Non-exhaustive: more window functions may be added, so a match outside tessera needs
/// a `_` arm.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// use tessera::{Boundary, WindowOp};
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![1.0, 5.0, 2.0, 8.0].view(), &[2])?;
/// let peaks = a.moving_window(WindowOp::Max, &[1], Boundary::Nearest)?;
/// assert_eq!(peaks.compute_vec::<f64>(&ctx)?, vec![5.0, 5.0, 8.0, 8.0]);
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WindowOp {
    /// Sum over the window (numpy's `sum` dtype).
    Sum,
    /// Mean over the window (float64 for integers and bool, floats keep theirs).
    Mean,
    /// Smallest element of the window (NaN when it holds a NaN).
    Min,
    /// Largest element of the window (NaN when it holds a NaN).
    Max,
}

/// Names accepted by `WindowOp::parse`, for messages.
pub const WINDOW_FUNCTIONS: &str = "mean, sum, min, max";

impl WindowOp {
    /// The window function called `name`.
    pub fn parse(name: &str) -> Option<WindowOp> {
        Some(match name {
            "sum" => WindowOp::Sum,
            "mean" => WindowOp::Mean,
            "min" => WindowOp::Min,
            "max" => WindowOp::Max,
            _ => return None,
        })
    }

    /// The function's name.
    pub fn name(self) -> &'static str {
        match self {
            WindowOp::Sum => "sum",
            WindowOp::Mean => "mean",
            WindowOp::Min => "min",
            WindowOp::Max => "max",
        }
    }

    /// The result dtype for an input of `input`, as numpy's reduction of that name.
    pub fn output_dtype(self, input: DType) -> Result<DType> {
        let reduce = match self {
            WindowOp::Sum => ReduceOp::Sum,
            WindowOp::Mean => ReduceOp::Mean,
            WindowOp::Min => ReduceOp::Min,
            WindowOp::Max => ReduceOp::Max,
        };
        reduce.output_dtype(input)
    }

    /// The wide dtype the kernel works in.
    fn work_dtype(self, input: DType) -> DType {
        match (self, input) {
            (WindowOp::Mean, _) => DType::F64,
            (_, d) if d.is_float() => DType::F64,
            (_, DType::U8 | DType::U16 | DType::U32 | DType::U64) => DType::U64,
            _ => DType::I64,
        }
    }
}

/// Peak bytes `window` holds beyond its input for a box of `box_elements` and an
/// interior of `interior_elements` of `out_dtype`: the box in the wide (8-byte) type and
/// the next pass's buffer (never larger), plus for min/max the prefix and suffix scratch
/// (as large again at most); then the result copied into a chunk, and cast to
/// `out_dtype` when that is not the wide type.
pub fn window_work_bytes(
    op: WindowOp,
    box_elements: u64,
    interior_elements: u64,
    out_dtype: DType,
) -> u64 {
    let passes = match op {
        WindowOp::Min | WindowOp::Max => 4,
        WindowOp::Sum | WindowOp::Mean => 2,
    };
    // The wide types are f64, i64 and u64; any other result dtype is a cast copy.
    let cast = match out_dtype {
        DType::F64 | DType::I64 | DType::U64 => 0,
        other => other.size() as u64,
    };
    // Saturating: a projection past u64::MAX is simply more than any budget.
    (passes * 8u64)
        .saturating_mul(box_elements)
        .saturating_add(interior_elements.saturating_mul(8 + cast))
}

/// `op` over the window of every element of `interior` (a box relative to `values`'s
/// origin, inside it). The window of an element spans `depth[a]` elements either side
/// along axis `a`, clipped to `values`.
pub fn window(op: WindowOp, values: &Chunk, interior: &Region, depth: &[u64]) -> Result<Chunk> {
    check_interior(values.shape(), interior, depth)?;
    let out_dtype = op.output_dtype(values.dtype())?;
    let work = op.work_dtype(values.dtype());
    let geometry = Geometry {
        shape: values.shape(),
        interior,
        depth,
    };
    let mut result = match work {
        DType::U64 => run::<u64>(op, values, &geometry)?,
        DType::F64 => run::<f64>(op, values, &geometry)?,
        _ => run::<i64>(op, values, &geometry)?,
    };
    if op == WindowOp::Mean {
        divide_by_window_sizes(&mut result, &geometry)?;
    }
    if out_dtype == work {
        return Ok(result);
    }
    let mut out = Chunk::zeros(out_dtype, &interior.shape);
    try_cast(
        Operand::new(result.bytes(), work),
        out.bytes_mut(),
        out_dtype,
    )?;
    Ok(out)
}

/// Refuses an interior that is not inside the box, or a depth list of the wrong length.
fn check_interior(shape: &[u64], interior: &Region, depth: &[u64]) -> Result<()> {
    let inside = interior.start.len() == shape.len()
        && interior.shape.len() == shape.len()
        && depth.len() == shape.len()
        && (0..shape.len()).all(|d| interior.start[d] + interior.shape[d] <= shape[d]);
    if inside {
        Ok(())
    } else {
        Err(Error::shape(
            "window",
            format!("interior {interior:?} with depth {depth:?} does not fit a box of {shape:?}"),
        ))
    }
}

/// The box, its interior and the window depth per axis.
struct Geometry<'a> {
    shape: &'a [u64],
    interior: &'a Region,
    depth: &'a [u64],
}

impl Geometry<'_> {
    /// The window `[lo, hi]` (inclusive, box coordinates) of interior element `j` on
    /// `axis`.
    fn window(&self, axis: usize, j: usize) -> (usize, usize) {
        let len = self.shape[axis] as usize;
        let d = self.depth[axis] as usize;
        let p = self.interior.start[axis] as usize + j;
        (p.saturating_sub(d), (p + d).min(len - 1))
    }
}

/// Runs the separable passes on `values` converted to the wide type `T`.
fn run<T: Lane>(op: WindowOp, values: &Chunk, geometry: &Geometry) -> Result<Chunk> {
    let mut data = vec![T::default(); values.len()];
    try_cast(
        Operand::new(values.bytes(), values.dtype()),
        bytemuck::cast_slice_mut(&mut data),
        T::DTYPE,
    )?;
    let mut shape: Vec<usize> = geometry.shape.iter().map(|&n| n as usize).collect();
    for axis in 0..shape.len() {
        data = pass(op, &data, &mut shape, axis, geometry);
    }
    let interior_shape = &geometry.interior.shape;
    let mut out = Chunk::zeros(T::DTYPE, interior_shape);
    let bytes: &[u8] = bytemuck::cast_slice(&data);
    if bytes.len() != out.nbytes() {
        return Err(Error::Internal(format!(
            "window result has {} bytes for an interior of {interior_shape:?}",
            bytes.len()
        )));
    }
    out.bytes_mut().copy_from_slice(bytes);
    Ok(out)
}

/// One pass: `axis` shrinks from the box to the interior.
fn pass<T: Lane>(
    op: WindowOp,
    data: &[T],
    shape: &mut [usize],
    axis: usize,
    geometry: &Geometry,
) -> Vec<T> {
    let len = shape[axis];
    let count = geometry.interior.shape[axis] as usize;
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis + 1..].iter().product();
    let mut out = vec![T::default(); outer * count * inner];
    if count > 0 && inner > 0 {
        for o in 0..outer {
            let src = &data[o * len * inner..(o + 1) * len * inner];
            let dst = &mut out[o * count * inner..(o + 1) * count * inner];
            let lines = Lines {
                len,
                inner,
                count,
                axis,
                geometry,
            };
            match op {
                WindowOp::Sum | WindowOp::Mean => running_sums(src, dst, &lines),
                WindowOp::Min => extremes(src, dst, &lines, T::smaller),
                WindowOp::Max => extremes(src, dst, &lines, T::larger),
            }
        }
    }
    shape[axis] = count;
    out
}

/// The rows of one pass: `len` rows of `inner` elements in, `count` rows out.
struct Lines<'a> {
    len: usize,
    inner: usize,
    count: usize,
    axis: usize,
    geometry: &'a Geometry<'a>,
}

/// Window sums along the rows, kept running: each step adds the rows that enter the
/// window and subtracts those that leave it.
fn running_sums<T: Lane>(src: &[T], dst: &mut [T], lines: &Lines) {
    let inner = lines.inner;
    let row = |r: usize| &src[r * inner..(r + 1) * inner];
    let mut totals = vec![T::Acc::default(); inner];
    let (first, _) = lines.geometry.window(lines.axis, 0);
    let (mut lo, mut hi) = (first, first); // the window now summed: rows [lo, hi)
    for j in 0..lines.count {
        let (want_lo, want_hi) = lines.geometry.window(lines.axis, j);
        while hi <= want_hi {
            for (acc, &x) in totals.iter_mut().zip(row(hi)) {
                T::enter(acc, x);
            }
            hi += 1;
        }
        while lo < want_lo {
            for (acc, &x) in totals.iter_mut().zip(row(lo)) {
                T::leave(acc, x);
            }
            lo += 1;
        }
        for (slot, acc) in dst[j * inner..(j + 1) * inner].iter_mut().zip(&totals) {
            *slot = T::total(acc);
        }
    }
}

/// Window extremes along the rows by van Herk / Gil-Werman: blocks of `2 * depth + 1`
/// rows get running extremes from their start (prefix) and to their end (suffix); a
/// window meets at most two blocks, so it is one prefix, one suffix, or both.
fn extremes<T: Lane>(src: &[T], dst: &mut [T], lines: &Lines, pick: fn(T, T) -> T) {
    let (len, inner) = (lines.len, lines.inner);
    let width = 2 * lines.geometry.depth[lines.axis] as usize + 1;
    let mut prefix = src.to_vec();
    let mut suffix = src.to_vec();
    for r in 1..len {
        if r % width != 0 {
            let (before, rest) = prefix.split_at_mut(r * inner);
            let previous = &before[(r - 1) * inner..];
            for (slot, &p) in rest[..inner].iter_mut().zip(previous) {
                *slot = pick(p, *slot);
            }
        }
    }
    for r in (0..len.saturating_sub(1)).rev() {
        if (r + 1) % width != 0 {
            let (head, after) = suffix.split_at_mut((r + 1) * inner);
            for (slot, &n) in head[r * inner..].iter_mut().zip(&after[..inner]) {
                *slot = pick(*slot, n);
            }
        }
    }
    for j in 0..lines.count {
        let (lo, hi) = lines.geometry.window(lines.axis, j);
        let out = &mut dst[j * inner..(j + 1) * inner];
        let pre = &prefix[hi * inner..(hi + 1) * inner];
        let suf = &suffix[lo * inner..(lo + 1) * inner];
        if lo / width != hi / width {
            for ((slot, &s), &p) in out.iter_mut().zip(suf).zip(pre) {
                *slot = pick(s, p);
            }
        } else if lo % width == 0 {
            out.copy_from_slice(pre);
        } else {
            // Same block, not from its start: the window was clipped at the box's end.
            out.copy_from_slice(suf);
        }
    }
}

/// Divides window sums by the number of elements in each window (smaller at clipped
/// edges).
fn divide_by_window_sizes(sums: &mut Chunk, geometry: &Geometry) -> Result<()> {
    let shape = geometry.interior.shape.clone();
    let sizes: Vec<Vec<f64>> = (0..shape.len())
        .map(|axis| {
            (0..shape[axis] as usize)
                .map(|j| {
                    let (lo, hi) = geometry.window(axis, j);
                    (hi - lo + 1) as f64
                })
                .collect()
        })
        .collect();
    let values = sums
        .as_slice_mut::<f64>()
        .ok_or_else(|| Error::internal("window mean is not float64"))?;
    let Some((last_sizes, outer_sizes)) = sizes.split_last() else {
        return Ok(()); // zero-dimensional: a window of one element
    };
    if last_sizes.is_empty() {
        return Ok(());
    }
    // One row along the last axis at a time: the other axes' sizes are fixed in it.
    let outer_shape: Vec<u64> = shape[..shape.len() - 1].to_vec();
    for (row, index) in values
        .chunks_exact_mut(last_sizes.len())
        .zip(crate::grid::region_indices(&Region::whole(&outer_shape)))
    {
        let outer: f64 = index
            .iter()
            .zip(outer_sizes)
            .map(|(&i, s)| s[i as usize])
            .product();
        for (value, size) in row.iter_mut().zip(last_sizes) {
            *value /= outer * size;
        }
    }
    Ok(())
}

/// A wide element type the kernels work in.
trait Lane: bytemuck::Pod + Default + Send + Sync {
    /// Its dtype.
    const DTYPE: DType;
    /// A running window total.
    type Acc: Copy + Default;
    /// Adds an element entering the window.
    fn enter(acc: &mut Self::Acc, x: Self);
    /// Removes an element leaving the window.
    fn leave(acc: &mut Self::Acc, x: Self);
    /// The window's total.
    fn total(acc: &Self::Acc) -> Self;
    /// The larger of two (NaN wins).
    fn larger(a: Self, b: Self) -> Self;
    /// The smaller of two (NaN wins).
    fn smaller(a: Self, b: Self) -> Self;
}

macro_rules! integer_lane {
    ($t:ty, $d:ident) => {
        impl Lane for $t {
            const DTYPE: DType = DType::$d;
            type Acc = $t;
            fn enter(acc: &mut $t, x: $t) {
                *acc = acc.wrapping_add(x);
            }
            fn leave(acc: &mut $t, x: $t) {
                *acc = acc.wrapping_sub(x);
            }
            fn total(acc: &$t) -> $t {
                *acc
            }
            fn larger(a: $t, b: $t) -> $t {
                a.max(b)
            }
            fn smaller(a: $t, b: $t) -> $t {
                a.min(b)
            }
        }
    };
}

integer_lane!(i64, I64);
integer_lane!(u64, U64);

/// A compensated running float total; NaN and infinities are counted, not added, so
/// they leave the total when they leave the window.
///
/// Finite values whose sum overflows must give ±inf (as numpy's sum), and the total
/// must come back once the large values leave the window: a second compensated total
/// of the values scaled by `2^-SCALE` never overflows (a window holds far fewer than
/// `2^SCALE` elements). Its value stands in while the plain total is not finite, and
/// the plain total restarts from it once that fits again.
#[derive(Clone, Copy, Default)]
struct FloatTotal {
    sum: f64,
    compensation: f64,
    scaled: f64,
    scaled_compensation: f64,
    nans: i64,
    positive_infinities: i64,
    negative_infinities: i64,
}

/// The scale of [`FloatTotal`]'s overflow-safe total: values are multiplied by
/// `2^-SCALE` (exact above `2^(SCALE - 1022)`).
const SCALE: i32 = 128;

/// Neumaier's compensated `(sum, compensation) += y`.
fn neumaier(sum: &mut f64, compensation: &mut f64, y: f64) {
    let t = *sum + y;
    if sum.abs() >= y.abs() {
        *compensation += (*sum - t) + y;
    } else {
        *compensation += (y - t) + *sum;
    }
    *sum = t;
}

impl FloatTotal {
    fn update(&mut self, x: f64, sign: i64) {
        if x.is_nan() {
            self.nans += sign;
        } else if x == f64::INFINITY {
            self.positive_infinities += sign;
        } else if x == f64::NEG_INFINITY {
            self.negative_infinities += sign;
        } else {
            let y = if sign > 0 { x } else { -x };
            neumaier(&mut self.sum, &mut self.compensation, y);
            neumaier(
                &mut self.scaled,
                &mut self.scaled_compensation,
                y * 2f64.powi(-SCALE),
            );
            if !(self.sum.is_finite() && self.compensation.is_finite()) {
                let back = (self.scaled + self.scaled_compensation) * 2f64.powi(SCALE);
                // restart the plain total once it is back in range (with headroom)
                if back.abs() < f64::MAX / 4.0 {
                    self.sum = back;
                    self.compensation = 0.0;
                }
            }
        }
    }

    /// The total of the finite values: ±inf when it overflows.
    fn finite_total(&self) -> f64 {
        if self.sum.is_finite() && self.compensation.is_finite() {
            self.sum + self.compensation
        } else {
            (self.scaled + self.scaled_compensation) * 2f64.powi(SCALE)
        }
    }
}

impl Lane for f64 {
    const DTYPE: DType = DType::F64;
    type Acc = FloatTotal;
    fn enter(acc: &mut FloatTotal, x: f64) {
        acc.update(x, 1);
    }
    fn leave(acc: &mut FloatTotal, x: f64) {
        acc.update(x, -1);
    }
    fn total(acc: &FloatTotal) -> f64 {
        let (pos, neg) = (acc.positive_infinities > 0, acc.negative_infinities > 0);
        if acc.nans > 0 || (pos && neg) {
            f64::NAN
        } else if pos {
            f64::INFINITY
        } else if neg {
            f64::NEG_INFINITY
        } else {
            acc.finite_total()
        }
    }
    fn larger(a: f64, b: f64) -> f64 {
        if a.is_nan() || a > b { a } else { b }
    }
    fn smaller(a: f64, b: f64) -> f64 {
        if a.is_nan() || a < b { a } else { b }
    }
}

#[cfg(test)]
mod tests;
