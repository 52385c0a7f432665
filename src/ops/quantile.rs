//! Medians and quantiles (`median`, `nanmedian`, `quantile`, `nanquantile`; the
//! expression language's `percentile`s divide q by 100): exact order statistics of
//! whole lanes (`ops/lanes.rs`), found with `select_nth_unstable` per lane and
//! interpolated with numpy 2's arithmetic (`kernels/lanes.rs`).
//!
//! Several axes are moved last and merged into one (a reshape), `None` flattens, and
//! the lane kernel runs along the merged axis; list quantiles then become the leading
//! axis, as numpy's. Memory: whole lanes are held, so the reduced axes together must
//! fit the budget (the plan refuses them otherwise).

use crate::error::{Error, Result};
use crate::graph::{Array, normalize_axes};
use crate::kernels::lanes::{LaneKernel, QuantileMethod};
use crate::ops::reduce::Axes;

/// Which quantiles [`Array::quantile`] computes: one (the result has no quantile axis,
/// as numpy's scalar `q`) or several (a leading axis of their number, as numpy's
/// list `q`). Each must lie in [0, 1].
#[derive(Clone, Debug, PartialEq)]
pub enum Quantiles {
    /// One quantile, a Python number in numpy's terms: float16/float32 inputs keep
    /// their dtype.
    One(f64),
    /// Several, an array in numpy's terms: the result is float64 unless the method
    /// picks elements (`lower`, `higher`, `nearest`).
    Many(Vec<f64>),
}

impl Array {
    /// The median over `axes` (numpy's `median`): the middle element, or the mean of
    /// the two middle ones; NaN where a lane holds a NaN. Floats keep their dtype,
    /// integers and bools give float64. Exact: whole lanes over the reduced axes are
    /// held in memory (the plan refuses lanes too long for the budget).
    ///
    /// # Errors
    /// An axis out of range or repeated.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[3, 1, 2], [4, 6, 5]].view(), &[1, 2])?;
    /// assert_eq!(a.median(Axes::all())?.compute_vec::<f64>(&ctx)?, vec![3.5]);
    /// assert_eq!(a.median(1)?.compute_vec::<f64>(&ctx)?, vec![2.0, 5.0]);
    /// assert_eq!(a.median(Axes::from(0).keepdims(true))?.shape(), &[1, 3]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn median(&self, axes: impl Into<Axes>) -> Result<Array> {
        self.lane_reduce(LaneKernel::Median { skip_nan: false }, &axes.into(), false)
    }

    /// The median over `axes` skipping NaNs (numpy's `nanmedian`); NaN where a lane is
    /// all NaN. Otherwise as [`Array::median`].
    ///
    /// # Errors
    /// An axis out of range or repeated.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1.0, f64::NAN, 4.0].view(), &[2])?;
    /// assert_eq!(a.nanmedian(Axes::all())?.compute_vec::<f64>(&ctx)?, vec![2.5]);
    /// assert!(a.median(0)?.compute_vec::<f64>(&ctx)?[0].is_nan());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn nanmedian(&self, axes: impl Into<Axes>) -> Result<Array> {
        self.lane_reduce(LaneKernel::Median { skip_nan: true }, &axes.into(), false)
    }

    /// The quantiles `q` over `axes` (numpy's `quantile`; `percentile` is `q / 100`),
    /// exact, with numpy's `method`s and its arithmetic (see `kernels/lanes.rs`); NaN
    /// where a lane holds a NaN. [`Quantiles::Many`] adds a leading axis. Dtypes as
    /// numpy's: `lower`/`higher`/`nearest` keep the input's; `linear`/`midpoint` give
    /// float64, or the float16/float32 input's dtype for [`Quantiles::One`]. Whole
    /// lanes over the reduced axes are held in memory.
    ///
    /// # Errors
    /// A quantile outside [0, 1]; an axis out of range or repeated; lanes of length 0
    /// (numpy raises `IndexError`); `linear`/`midpoint` of bools (numpy refuses to
    /// subtract them).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// use tessera::{QuantileMethod, Quantiles};
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0, 4.0, 5.0].view(), &[2])?;
    /// let q = a.quantile(&Quantiles::One(0.3), Axes::all(), QuantileMethod::Linear)?;
    /// assert_eq!(q.compute_vec::<f64>(&ctx)?, vec![2.2]);
    /// let qs = a.quantile(&Quantiles::Many(vec![0.0, 0.5]), 0, QuantileMethod::Lower)?;
    /// assert_eq!(qs.compute_vec::<f64>(&ctx)?, vec![1.0, 3.0]);
    /// assert!(a.quantile(&Quantiles::One(1.5), 0, QuantileMethod::Linear).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn quantile(
        &self,
        q: &Quantiles,
        axes: impl Into<Axes>,
        method: QuantileMethod,
    ) -> Result<Array> {
        self.quantile_of(q, false, &axes.into(), method, false)
    }

    /// The quantiles `q` over `axes` skipping NaNs (numpy's `nanquantile`); NaN where a
    /// lane is all NaN. Otherwise as [`Array::quantile`].
    ///
    /// # Errors
    /// As [`Array::quantile`].
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// use tessera::{QuantileMethod, Quantiles};
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1.0, f64::NAN, 3.0].view(), &[2])?;
    /// let q = a.nanquantile(&Quantiles::One(0.5), Axes::all(), QuantileMethod::Linear)?;
    /// assert_eq!(q.compute_vec::<f64>(&ctx)?, vec![2.0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn nanquantile(
        &self,
        q: &Quantiles,
        axes: impl Into<Axes>,
        method: QuantileMethod,
    ) -> Result<Array> {
        self.quantile_of(q, false, &axes.into(), method, true)
    }

    /// A quantile call; `integer_q`: q were Python integers (numpy then picks
    /// elements for `linear`, keeping the dtype).
    pub(crate) fn quantile_of(
        &self,
        q: &Quantiles,
        integer_q: bool,
        axes: &Axes,
        method: QuantileMethod,
        skip_nan: bool,
    ) -> Result<Array> {
        let name = if skip_nan { "nanquantile" } else { "quantile" };
        let (values, weak) = match q {
            Quantiles::One(q) => (vec![*q], true),
            Quantiles::Many(q) => (q.clone(), false),
        };
        if let Some(bad) = values.iter().find(|q| !(0.0..=1.0).contains(*q)) {
            return Err(Error::Invalid(format!(
                "{name}: quantiles must be in the range [0, 1], got {bad}"
            )));
        }
        let kernel = LaneKernel::Quantile {
            q: values,
            method,
            skip_nan,
            weak,
            integer_q,
        };
        self.lane_reduce(kernel, axes, !weak)
    }

    /// `kernel` (one output per quantile) over the lanes of `axes` merged; `leading`:
    /// the kernel's outputs become a leading axis, else the one output replaces the
    /// reduced axes.
    fn lane_reduce(&self, kernel: LaneKernel, axes: &Axes, leading: bool) -> Result<Array> {
        let name = kernel.name();
        let reduced = normalize_axes(axes.axes(), self.ndim(), name)?;
        let kept: Vec<usize> = (0..self.ndim()).filter(|d| !reduced.contains(d)).collect();
        let lane: u64 = reduced
            .iter()
            .fold(1u64, |n, &d| n.saturating_mul(self.shape()[d]));
        let nan_empty_ok = matches!(kernel, LaneKernel::Median { .. })
            || (self.dtype().is_float() && name == "nanquantile");
        if lane == 0 && !nan_empty_ok {
            return Err(Error::Invalid(format!(
                "{name} of an empty lane (numpy raises IndexError: cannot take a quantile of no elements)"
            )));
        }
        // One reduced axis is worked on in place; several are moved last and merged.
        let (base, axis) = if reduced.len() == 1 {
            (self.clone(), reduced[0])
        } else {
            let mut perm = kept.clone();
            perm.extend(&reduced);
            let merged_shape: Vec<i64> = kept
                .iter()
                .map(|&d| self.shape()[d] as i64)
                .chain([lane as i64])
                .collect();
            (self.permute(&perm)?.reshape(&merged_shape)?, kept.len())
        };
        if !leading && !axes.keeps_dims() {
            // The one output a lane replaces the lane: the result is the kept axes.
            return base.lanes_with(axis, kernel, true);
        }
        let out = base.lanes(axis, kernel)?;
        let m = out.shape()[axis] as i64;
        // The result: [m] (when leading) + the kept axes, with the reduced ones as 1
        // when keepdims.
        let mut shape: Vec<i64> = Vec::new();
        if leading {
            shape.push(m);
        }
        for d in 0..self.ndim() {
            if !reduced.contains(&d) {
                shape.push(self.shape()[d] as i64);
            } else if axes.keeps_dims() {
                shape.push(1);
            }
        }
        let out = if leading {
            out.moveaxis(axis as i64, 0)?
        } else {
            out
        };
        if out
            .shape()
            .iter()
            .map(|&s| s as i64)
            .eq(shape.iter().copied())
        {
            return Ok(out);
        }
        out.reshape(&shape)
    }
}

#[cfg(test)]
mod tests;
