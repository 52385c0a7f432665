//! Lowering of the reductions (`sum(a, axis=0, dtype=int8)`, `nanvar(a, ddof=1)`,
//! `ptp(a)`, ...). Names and arguments follow numpy's.

use super::{Arguments, Lowering, Value};
use crate::dtype::DType;
use crate::error::Result;
use crate::graph::Array;
use crate::kernels::elementwise::BinaryOp;
use crate::kernels::reduce::ReduceOp;
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
        let axes = self.axes_arg(call)?;
        let dtype = match self.optional(call, 2, "dtype") {
            None | Some((Value::None, _)) => None,
            Some((Value::DType(dtype), _)) => Some(dtype),
            Some((other, at)) => {
                return Err(self.error(
                    at,
                    &format!("expected a dtype such as float32, got {}", other.kind()),
                ));
            }
        };
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
        let axes = self.axes_arg(call)?;
        let keepdims = self.bool_arg(call, "keepdims")?;
        let axes = Axes::from(axes.as_deref()).keepdims(keepdims);
        let max = array.reduce(ReduceOp::Max, axes.clone());
        let min = array.reduce(ReduceOp::Min, axes);
        max.and_then(|max| min.and_then(|min| max.binary(BinaryOp::Sub, &min)))
            .map_err(self.at(span))
    }
}
