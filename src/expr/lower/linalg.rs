//! Lowering of the linear-algebra functions: `tensordot(a, b, axes=([1], [0]))`,
//! `tensordot(a, b, 2)`, `einsum('ij,jk->ik', a, b)`, `outer(a, b)`,
//! `diagonal(a, offset=1, axis1=0, axis2=1)` and `trace(a)` (also as methods,
//! `a.diagonal()`, `a.trace()`).

use super::{Arguments, Lowering, Value};
use crate::error::Result;
use crate::graph::Array;
use crate::ops::tensordot::{DotAxes, einsum, outer, tensordot};

impl Lowering<'_> {
    /// `tensordot(a, b, axes=2)`.
    pub(super) fn tensordot(&self, call: &mut Arguments) -> Result<Array> {
        let a = self.array_arg(call, 0, "a")?;
        let b = self.array_arg(call, 1, "b")?;
        let axes = self.dot_axes_arg(call)?;
        tensordot(&a, &b, axes).map_err(self.at(call.call))
    }

    /// `einsum(subscripts, *operands)`.
    pub(super) fn einsum(&self, call: &mut Arguments) -> Result<Array> {
        let (value, at) = self.required(call, 0, "subscripts")?;
        let subscripts = self.as_str(value, at)?;
        let operands = (1..call.positional.len())
            .map(|i| self.array_arg(call, i, "operands"))
            .collect::<Result<Vec<Array>>>()?;
        einsum(&subscripts, &operands.iter().collect::<Vec<_>>()).map_err(self.at(call.call))
    }

    /// `outer(a, b)`.
    pub(super) fn outer(&self, call: &mut Arguments) -> Result<Array> {
        let a = self.array_arg(call, 0, "a")?;
        let b = self.array_arg(call, 1, "b")?;
        outer(&a, &b).map_err(self.at(call.call))
    }

    /// `diagonal(a, offset=0, axis1=0, axis2=1)`, or `trace` (its sum) when `sum`.
    pub(super) fn diagonal(&self, call: &mut Arguments, sum: bool) -> Result<Array> {
        let a = self.array_arg(call, 0, "a")?;
        let offset = self.int_or(call, 1, "offset", 0)?;
        let axis1 = self.int_or(call, 2, "axis1", 0)?;
        let axis2 = self.int_or(call, 3, "axis2", 1)?;
        if sum {
            a.trace(offset, axis1, axis2)
        } else {
            a.diagonal(offset, axis1, axis2)
        }
        .map_err(self.at(call.call))
    }

    /// tensordot's `axes`: an integer N (default 2), or a pair of an axis or axis list
    /// for each array (`([1, 2], [0, 1])`, `(1, 0)`).
    fn dot_axes_arg(&self, call: &mut Arguments) -> Result<DotAxes> {
        let Some((value, at)) = self.optional(call, 2, "axes") else {
            return Ok(DotAxes::Last(2));
        };
        match value {
            Value::Tuple(pair) | Value::List(pair) if pair.len() == 2 => {
                let mut lists = pair.into_iter().map(|v| self.int_list(v, at));
                let (Some(a), Some(b)) = (lists.next(), lists.next()) else {
                    return Err(self.error(at, "axes must be a pair of axis lists"));
                };
                Ok(DotAxes::Pairs(a?, b?))
            }
            Value::Tuple(_) | Value::List(_) => Err(self.error(
                at,
                "axes must be an integer or a pair of axis lists, e.g. ([1], [0])",
            )),
            other => {
                let n = self.as_int(other, at)?;
                usize::try_from(n)
                    .map(DotAxes::Last)
                    .map_err(|_| self.error(at, &format!("axes={n} must not be negative")))
            }
        }
    }
}
