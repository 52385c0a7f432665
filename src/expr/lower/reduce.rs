//! Lowering of the reductions (`sum(a, axis=0, dtype=int8)`, `nanvar(a, ddof=1)`,
//! `ptp(a)`, ...). Names and arguments follow numpy's.

use super::{Arguments, Lowering, Value};
use crate::dtype::DType;
use crate::error::Result;
use crate::expr::ast::Span;
use crate::graph::Array;
use crate::kernels::elementwise::BinaryOp;
use crate::kernels::lanes::QuantileMethod;
use crate::kernels::promote::Scalar;
use crate::kernels::reduce::ReduceOp;
use crate::ops::quantile::Quantiles;
use crate::ops::reduce::Axes;

impl Lowering<'_> {
    /// A reduction call: `a`, `axis`, `dtype` (where numpy takes one), `keepdims`, and
    /// `ddof` for the variances.
    ///
    /// `dtype=T` follows numpy's result dtype: sums and products run on `a` converted to
    /// `T` and are converted back to `T`, which wraps integers exactly as numpy's
    /// accumulation in `T` does (wrapping is arithmetic modulo 2^bits) and gives the
    /// logical or/and for bool; means and variances take a float `T` and compute in it
    /// (floats still accumulate in f64, see docs/dask.md).
    pub(super) fn reduce_call(&self, call: &mut Arguments, op: ReduceOp) -> Result<Array> {
        let span = call.call;
        let array = self.array_arg(call, 0, "a")?;
        // numpy's mean/var/std count the reduced elements with a checked axis, so they
        // refuse axis=0 of a 0-d array; the nan versions of floats go through sums.
        let zero_d_axis = match op {
            ReduceOp::Mean | ReduceOp::Var { .. } | ReduceOp::Std { .. } => false,
            ReduceOp::NanMean | ReduceOp::NanVar { .. } | ReduceOp::NanStd { .. } => {
                array.dtype().is_float()
            }
            _ => true,
        };
        let axes = self.reduce_axes(call, 1, &array, zero_d_axis)?;
        let dtype = self.optional_dtype(call, 2, "dtype")?;
        let keepdims = self.bool_arg(call, "keepdims")?;
        let ddof = self
            .optional(call, usize::MAX, "ddof")
            .map(|(v, s)| self.as_int(v, s))
            .transpose()?;
        let op = match (op, ddof) {
            (op, None) => op,
            (
                ReduceOp::Var { .. }
                | ReduceOp::Std { .. }
                | ReduceOp::NanVar { .. }
                | ReduceOp::NanStd { .. },
                Some(d),
            ) => {
                let ddof = u32::try_from(d)
                    .map_err(|_| self.error(span, "ddof must be a small non-negative integer"))?;
                match op {
                    ReduceOp::Var { .. } => ReduceOp::Var { ddof },
                    ReduceOp::Std { .. } => ReduceOp::Std { ddof },
                    ReduceOp::NanVar { .. } => ReduceOp::NanVar { ddof },
                    _ => ReduceOp::NanStd { ddof },
                }
            }
            (_, Some(_)) => {
                return Err(self.error(span, &format!("{} takes no ddof", call.name)));
            }
        };
        let axes = Axes::from(axes.as_deref()).keepdims(keepdims);
        let Some(dtype) = dtype else {
            return array.reduce(op, axes).map_err(self.at(span));
        };
        let accumulates = matches!(
            op,
            ReduceOp::Sum | ReduceOp::Prod | ReduceOp::NanSum | ReduceOp::NanProd
        );
        if !accumulates && !dtype.is_float() {
            return Err(self.error(
                span,
                &format!(
                    "{}(dtype={dtype}) is not supported: give a float dtype",
                    call.name
                ),
            ));
        }
        let reduced = array
            .astype(dtype)
            .and_then(|a| a.reduce(op, axes))
            .map_err(self.at(span))?;
        if reduced.dtype() == dtype {
            Ok(reduced)
        } else {
            reduced.astype(dtype).map_err(self.at(span))
        }
    }

    /// `ptp(a, axis=None, keepdims=False)`: `max - min` in `a`'s dtype, as numpy
    /// (integers wrap; bool is refused as numpy's subtract refuses it).
    pub(super) fn ptp(&self, call: &mut Arguments) -> Result<Array> {
        let span = call.call;
        let array = self.array_arg(call, 0, "a")?;
        if array.dtype() == DType::Bool {
            return Err(self.error(
                span,
                "ptp of a bool array is not supported (numpy's subtract refuses bools)",
            ));
        }
        let axes = self.reduce_axes(call, 1, &array, true)?;
        let keepdims = self.bool_arg(call, "keepdims")?;
        let axes = Axes::from(axes.as_deref()).keepdims(keepdims);
        let max = array.reduce(ReduceOp::Max, axes.clone());
        let min = array.reduce(ReduceOp::Min, axes);
        max.and_then(|max| min.and_then(|min| max.binary(BinaryOp::Sub, &min)))
            .map_err(self.at(span))
    }

    /// `axis` at `position`: `None`, an integer or a tuple of them. On a 0-d array,
    /// where `zero_d` (numpy's ufunc reductions), the integer 0 or -1 is taken as every
    /// axis, as numpy takes it (a tuple is refused, as numpy's).
    pub(super) fn reduce_axes(
        &self,
        call: &mut Arguments,
        position: usize,
        array: &Array,
        zero_d: bool,
    ) -> Result<Option<Vec<i64>>> {
        match self.optional(call, position, "axis") {
            None | Some((Value::None, _)) => Ok(None),
            Some((Value::List(_), at)) => Err(self.error(
                at,
                "axis must be an integer or a tuple of integers, not a list (numpy refuses a list too)",
            )),
            Some((Value::Scalar(Scalar::Int(0 | -1)), _)) if zero_d && array.ndim() == 0 => {
                Ok(None)
            }
            Some((value, at)) => self.int_list(value, at).map(Some),
        }
    }

    /// `median(a, axis=None, keepdims=False)`, or `nanmedian` when `nan`.
    pub(super) fn median(&self, call: &mut Arguments, nan: bool) -> Result<Array> {
        let span = call.call;
        let array = self.array_arg(call, 0, "a")?;
        let axes = self.reduce_axes(call, 1, &array, false)?;
        let keepdims = self.bool_arg(call, "keepdims")?;
        let axes = Axes::from(axes.as_deref()).keepdims(keepdims);
        if nan {
            array.nanmedian(axes)
        } else {
            array.median(axes)
        }
        .map_err(self.at(span))
    }

    /// `quantile(a, q, axis=None, method='linear', keepdims=False)` and `nanquantile`;
    /// the `percentile`s divide q by 100 first (in float64, as numpy).
    pub(super) fn quantile(&self, call: &mut Arguments, nan: bool, percent: bool) -> Result<Array> {
        let span = call.call;
        let array = self.array_arg(call, 0, "a")?;
        let (q, at) = self.required(call, 1, "q")?;
        let (q, integer_q) = self.quantiles(q, at, percent)?;
        let axes = self.reduce_axes(call, 2, &array, false)?;
        let method = match self.optional(call, usize::MAX, "method") {
            None => QuantileMethod::Linear,
            Some((value, at)) => {
                let name = self.as_str(value, at)?;
                QuantileMethod::parse(&name).ok_or_else(|| {
                    self.error(
                        at,
                        &format!(
                            "method '{name}' is not supported: use 'linear', 'lower', 'higher', 'nearest' or 'midpoint'"
                        ),
                    )
                })?
            }
        };
        let keepdims = self.bool_arg(call, "keepdims")?;
        let axes = Axes::from(axes.as_deref()).keepdims(keepdims);
        array
            .quantile_of(&q, integer_q, &axes, method, nan)
            .map_err(self.at(span))
    }

    /// q as quantiles: a number or a flat list/tuple of numbers; true when every one
    /// is a Python integer (numpy then picks elements for `linear`).
    fn quantiles(&self, value: Value, at: Span, percent: bool) -> Result<(Quantiles, bool)> {
        let bound = if percent { 100.0 } else { 1.0 };
        let one = |value: Value| -> Result<(f64, bool)> {
            let (q, integer) = match value {
                Value::Scalar(Scalar::Int(i)) => (i as f64, true),
                Value::Scalar(Scalar::Float(x)) => (x, false),
                Value::Scalar(Scalar::Bool(b)) => (f64::from(u8::from(b)), true),
                other => {
                    return Err(self.error(
                        at,
                        &format!(
                            "q must be a number or a list of numbers, got {}",
                            other.kind()
                        ),
                    ));
                }
            };
            if !(0.0..=bound).contains(&q) {
                return Err(self.error(
                    at,
                    &format!(
                        "{} must be in the range [0, {bound}], got {q}",
                        if percent { "percentiles" } else { "quantiles" }
                    ),
                ));
            }
            Ok((if percent { q / 100.0 } else { q }, integer && !percent))
        };
        match value {
            Value::List(items) | Value::Tuple(items) => {
                let mut qs = Vec::with_capacity(items.len());
                let mut integer = true;
                for item in items {
                    let (q, i) = one(item)?;
                    qs.push(q);
                    integer &= i;
                }
                Ok((Quantiles::Many(qs), integer))
            }
            value => {
                let (q, integer) = one(value)?;
                Ok((Quantiles::One(q), integer))
            }
        }
    }

    /// `average(a, axis=None, weights=None, keepdims=False)`.
    pub(super) fn average(&self, call: &mut Arguments) -> Result<Array> {
        let span = call.call;
        let array = self.array_arg(call, 0, "a")?;
        let axes = self.reduce_axes(call, 1, &array, false)?;
        let weights = match self.optional(call, 2, "weights") {
            None | Some((Value::None, _)) => None,
            Some((Value::Array(w), _)) => Some(w),
            Some((other, at)) => {
                return Err(self.error(
                    at,
                    &format!("'weights' must be an array, got {}", other.kind()),
                ));
            }
        };
        let keepdims = self.bool_arg(call, "keepdims")?;
        let axes = Axes::from(axes.as_deref()).keepdims(keepdims);
        array.average(weights.as_ref(), axes).map_err(self.at(span))
    }
}
