//! The reductions as `Array` methods, named as numpy and ndarray name them: `a.sum()`
//! over every axis, `a.sum_axis(0)` over one (the axis disappears), and
//! `a.reduce(op, axes)` for any set of axes, with `keepdims` on [`Axes`].

use crate::error::{Error, Result};
use crate::graph::{Array, normalize_axes};
use crate::kernels::reduce::ReduceOp;

use super::Reduce;

/// Which axes a reduction runs over and whether they stay as length-1 axes: numpy's
/// `axis=` and `keepdims=`. Negative axes count from the end.
///
/// # Examples
/// ```
/// use tessera::Axes;
/// let every = Axes::all();
/// let rows = Axes::from(0);
/// let both = Axes::from([0, -1]).keepdims(true);
/// assert_ne!(every, rows);
/// assert!(both.keeps_dims());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Axes {
    axes: Option<Vec<i64>>,
    keepdims: bool,
}

impl Axes {
    /// Every axis (numpy's `axis=None`).
    ///
    /// # Examples
    /// ```
    /// assert_eq!(tessera::Axes::all(), tessera::Axes::default());
    /// ```
    pub fn all() -> Axes {
        Axes::default()
    }

    /// These axes, kept as length-1 axes of the result when `keep` (numpy's
    /// `keepdims=True`).
    ///
    /// # Examples
    /// ```
    /// let kept = tessera::Axes::from(1).keepdims(true);
    /// assert!(kept.keeps_dims());
    /// ```
    #[must_use]
    pub fn keepdims(mut self, keep: bool) -> Axes {
        self.keepdims = keep;
        self
    }

    /// True when reduced axes stay as length-1 axes.
    ///
    /// # Examples
    /// ```
    /// assert!(!tessera::Axes::all().keeps_dims());
    /// ```
    pub fn keeps_dims(&self) -> bool {
        self.keepdims
    }

    /// The axes as given, or `None` for every axis.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(tessera::Axes::from([0, 2]).axes(), Some(&[0, 2][..]));
    /// assert_eq!(tessera::Axes::all().axes(), None);
    /// ```
    pub fn axes(&self) -> Option<&[i64]> {
        self.axes.as_deref()
    }
}

impl From<i64> for Axes {
    fn from(axis: i64) -> Axes {
        Axes {
            axes: Some(vec![axis]),
            keepdims: false,
        }
    }
}

impl From<&[i64]> for Axes {
    fn from(axes: &[i64]) -> Axes {
        Axes {
            axes: Some(axes.to_vec()),
            keepdims: false,
        }
    }
}

impl<const N: usize> From<[i64; N]> for Axes {
    fn from(axes: [i64; N]) -> Axes {
        Axes::from(&axes[..])
    }
}

impl From<Option<&[i64]>> for Axes {
    fn from(axes: Option<&[i64]>) -> Axes {
        Axes {
            axes: axes.map(<[i64]>::to_vec),
            keepdims: false,
        }
    }
}

impl Array {
    /// Reduces over `axes` with `op`: any reduction over any set of axes, with
    /// `keepdims`. Negative axes count from the end; `argmin` and `argmax` take one
    /// axis or all of them (the flat index).
    ///
    /// # Errors
    /// An axis out of range or repeated, `argmin`/`argmax` over several but not all
    /// axes, or a dtype the reduction does not take.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].view(), &[1, 2])?;
    /// let rows = a.reduce(ReduceOp::Mean, Axes::from(1).keepdims(true))?;
    /// assert_eq!(rows.shape(), &[2, 1]);
    /// assert_eq!(rows.compute_vec::<f64>(&ctx)?, vec![1.5, 3.5]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn reduce(&self, op: ReduceOp, axes: impl Into<Axes>) -> Result<Array> {
        let Axes { axes, keepdims } = axes.into();
        let axes = normalize_axes(axes.as_deref(), self.ndim(), op.name())?;
        if matches!(op, ReduceOp::ArgMin | ReduceOp::ArgMax)
            && axes.len() != 1
            && axes.len() != self.ndim()
        {
            return Err(Error::Invalid(format!(
                "{} takes one axis or none (all), not {axes:?}",
                op.name()
            )));
        }
        // numpy's nanvar/nanstd of an array that cannot hold NaN are var/std, which
        // divide by max(N - ddof, 0) (inf, not NaN, where too few elements remain).
        let op = match op {
            ReduceOp::NanVar { ddof } if !self.dtype().is_float() => ReduceOp::Var { ddof },
            ReduceOp::NanStd { ddof } if !self.dtype().is_float() => ReduceOp::Std { ddof },
            op => op,
        };
        // numpy refuses an empty reduction without identity even where the result is
        // empty too; refused now, since nothing might ever be computed.
        if op.needs_elements() && axes.iter().any(|&d| self.shape()[d] == 0) {
            return Err(crate::kernels::reduce::empty_reduction(op));
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
        let op = Reduce {
            input: self.clone(),
            op,
            axes,
            keepdims,
        };
        Ok(Array::from_node(op, shape, chunks, dtype))
    }

    /// The variance over every axis with `ddof` delta degrees of freedom (numpy's
    /// `a.var(ddof=ddof)`), computed with a stable combine (Chan's).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].view(), &[1, 2])?;
    /// assert_eq!(a.var(0)?.compute_vec::<f64>(&ctx)?, vec![1.25]);
    /// assert_eq!(a.var(1)?.compute_vec::<f64>(&ctx)?, vec![5.0 / 3.0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn var(&self, ddof: u32) -> Result<Array> {
        self.reduce(ReduceOp::Var { ddof }, Axes::all())
    }

    /// The variance along `axis` with `ddof` delta degrees of freedom (numpy's
    /// `a.var(axis=axis, ddof=ddof)`).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].view(), &[1, 2])?;
    /// assert_eq!(a.var_axis(0, 0)?.compute_vec::<f64>(&ctx)?, vec![1.0, 1.0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn var_axis(&self, axis: i64, ddof: u32) -> Result<Array> {
        self.reduce(ReduceOp::Var { ddof }, axis)
    }

    /// The standard deviation over every axis with `ddof` delta degrees of freedom
    /// (numpy's `a.std(ddof=ddof)`).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1.0, 3.0], [1.0, 3.0]].view(), &[1, 2])?;
    /// assert_eq!(a.std(0)?.compute_vec::<f64>(&ctx)?, vec![1.0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn std(&self, ddof: u32) -> Result<Array> {
        self.reduce(ReduceOp::Std { ddof }, Axes::all())
    }

    /// The standard deviation along `axis` with `ddof` delta degrees of freedom
    /// (numpy's `a.std(axis=axis, ddof=ddof)`).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1.0, 3.0], [1.0, 3.0]].view(), &[1, 2])?;
    /// assert_eq!(a.std_axis(1, 0)?.compute_vec::<f64>(&ctx)?, vec![1.0, 1.0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn std_axis(&self, axis: i64, ddof: u32) -> Result<Array> {
        self.reduce(ReduceOp::Std { ddof }, axis)
    }
}

/// Two methods per reduction: over every axis, and along one axis (which disappears).
/// Each example reduces `[[1, 2], [3, 4]]` (`[[1, 0], [3, 4]]` for `any` and `all`, whose
/// bool results are read as uint8).
macro_rules! reductions {
    ($($all:ident, $along:ident => $op:ident, $numpy:literal, $t:ident, $read:literal, $whole:literal, $axis0:literal;)*) => {
        impl Array {
            $(
                #[doc = concat!("`", $numpy, "` over every axis (numpy's `a.", $numpy, "()`).")]
                ///
                /// # Errors
                /// A dtype the reduction does not take.
                ///
                /// # Examples
                /// ```
                /// use tessera::prelude::*;
                /// let ctx = Context::new()?;
                #[doc = concat!("let a = Array::from_ndarray(", example_input!($t), ".view(), &[1, 2])?;")]
                #[doc = concat!("assert_eq!(a.", stringify!($all), "()?", $read, ".compute_vec::<", stringify!($t), ">(&ctx)?, vec!", $whole, ");")]
                /// # Ok::<(), tessera::Error>(())
                /// ```
                pub fn $all(&self) -> Result<Array> {
                    self.reduce(ReduceOp::$op, Axes::all())
                }

                #[doc = concat!("`", $numpy, "` along `axis`, which disappears from the result (numpy's `a.", $numpy, "(axis=axis)`); negative axes count from the end.")]
                ///
                /// # Errors
                /// An axis out of range, or a dtype the reduction does not take.
                ///
                /// # Examples
                /// ```
                /// use tessera::prelude::*;
                /// let ctx = Context::new()?;
                #[doc = concat!("let a = Array::from_ndarray(", example_input!($t), ".view(), &[1, 2])?;")]
                #[doc = concat!("assert_eq!(a.", stringify!($along), "(0)?", $read, ".compute_vec::<", stringify!($t), ">(&ctx)?, vec!", $axis0, ");")]
                /// # Ok::<(), tessera::Error>(())
                /// ```
                pub fn $along(&self, axis: i64) -> Result<Array> {
                    self.reduce(ReduceOp::$op, axis)
                }
            )*
        }
    };
}

/// The input of a reduction's example for a result of type `$t`.
macro_rules! example_input {
    (u8) => {
        "ndarray::array![[1.0, 0.0], [3.0, 4.0]]"
    };
    ($t:ident) => {
        "ndarray::array![[1.0, 2.0], [3.0, 4.0]]"
    };
}

reductions! {
    sum, sum_axis => Sum, "sum", f64, "", "[10.0]", "[4.0, 6.0]";
    prod, prod_axis => Prod, "prod", f64, "", "[24.0]", "[3.0, 8.0]";
    min, min_axis => Min, "min", f64, "", "[1.0]", "[1.0, 2.0]";
    max, max_axis => Max, "max", f64, "", "[4.0]", "[3.0, 4.0]";
    mean, mean_axis => Mean, "mean", f64, "", "[2.5]", "[2.0, 3.0]";
    argmin, argmin_axis => ArgMin, "argmin", i64, "", "[0]", "[0, 0]";
    argmax, argmax_axis => ArgMax, "argmax", i64, "", "[3]", "[1, 1]";
    any, any_axis => Any, "any", u8, ".astype(DType::U8)?", "[1]", "[1, 1]";
    all, all_axis => All, "all", u8, ".astype(DType::U8)?", "[0]", "[1, 0]";
    nansum, nansum_axis => NanSum, "nansum", f64, "", "[10.0]", "[4.0, 6.0]";
    nanmean, nanmean_axis => NanMean, "nanmean", f64, "", "[2.5]", "[2.0, 3.0]";
    nanmin, nanmin_axis => NanMin, "nanmin", f64, "", "[1.0]", "[1.0, 2.0]";
    nanmax, nanmax_axis => NanMax, "nanmax", f64, "", "[4.0]", "[3.0, 4.0]";
    count, count_axis => Count, "count", i64, "", "[4]", "[2, 2]";
}

impl Array {
    /// The weighted mean over `axes` (numpy's `average`): `sum(a * w) / sum(w)`, both
    /// sums in numpy's result dtype (`result_type(a, w)`, with float64 for integer or
    /// bool `a`); without weights, the mean. `weights` has `a`'s shape, or (with
    /// `axes` given) the lengths of those axes in the order given, as numpy's.
    ///
    /// Unlike numpy, weights summing to zero are not checked (numpy raises
    /// `ZeroDivisionError`): the division gives inf or NaN there.
    ///
    /// # Errors
    /// Weights of another shape (or of another shape with no axes given), an axis out
    /// of range or repeated; an empty result without weights (numpy raises
    /// `ZeroDivisionError`).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1, 2], [3, 4]].view(), &[1, 2])?;
    /// let w = Array::from_ndarray(ndarray::array![3.0, 1.0].view(), &[2])?;
    /// let rows = a.average(Some(&w), 1)?;
    /// assert_eq!(rows.compute_vec::<f64>(&ctx)?, vec![1.25, 3.25]);
    /// assert_eq!(a.average(None, Axes::all())?.compute_vec::<f64>(&ctx)?, vec![2.5]);
    /// assert!(a.average(Some(&w), Axes::all()).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn average(&self, weights: Option<&Array>, axes: impl Into<Axes>) -> Result<Array> {
        let axes = axes.into();
        let Some(weights) = weights else {
            let mean = self.reduce(ReduceOp::Mean, axes)?;
            if mean.is_empty() {
                // numpy divides a.size by the result's size in Python: 0 / 0.
                return Err(Error::Invalid(
                    "average of an empty result: numpy raises ZeroDivisionError".into(),
                ));
            }
            return Ok(mean);
        };
        let float = if self.dtype().is_float() {
            self.dtype()
        } else {
            crate::DType::F64
        };
        let dtype = crate::kernels::promote::result_type(float, weights.dtype());
        let weights = if weights.shape() == self.shape() {
            weights.clone()
        } else {
            let Some(given) = axes.axes() else {
                return Err(Error::shape(
                    "average",
                    "axis must be given when the shapes of a and weights differ (numpy's rule)",
                ));
            };
            let mut order = Vec::with_capacity(given.len());
            for &axis in given {
                let d = crate::graph::normalize_axis(axis, self.ndim(), "average")?;
                if order.contains(&d) {
                    return Err(Error::shape("average", format!("axis {axis} is repeated")));
                }
                order.push(d);
            }
            let wanted: Vec<u64> = order.iter().map(|&d| self.shape()[d]).collect();
            if weights.shape() != wanted.as_slice() {
                return Err(Error::shape(
                    "average",
                    format!(
                        "weights of shape {:?} do not match a's shape {:?} along axes {given:?}",
                        weights.shape(),
                        self.shape()
                    ),
                ));
            }
            // The weights' axes in a's order, then length-1 axes where a has others.
            let mut perm: Vec<usize> = (0..order.len()).collect();
            perm.sort_by_key(|&i| order[i]);
            let sorted = weights.permute(&perm)?;
            let shape: Vec<i64> = (0..self.ndim())
                .map(|d| {
                    if order.contains(&d) {
                        self.shape()[d] as i64
                    } else {
                        1
                    }
                })
                .collect();
            sorted.reshape(&shape)?
        };
        let weights = weights.astype(dtype)?;
        let product = self.astype(dtype)?.binary(crate::BinaryOp::Mul, &weights)?;
        let total = product.reduce(ReduceOp::Sum, axes.clone())?;
        let scale = weights.reduce(ReduceOp::Sum, axes)?;
        let quotient = total.binary(crate::BinaryOp::Div, &scale)?;
        if quotient.dtype() == dtype {
            Ok(quotient)
        } else {
            quotient.astype(dtype)
        }
    }
}
