//! Lowering of the shape and selection functions (`concatenate([a, b], axis=1)`,
//! `squeeze(a)`, `flip(a, 0)`, `take(a, [0, 2], axis=1)`, ...), the scans (`cumsum`,
//! `cumprod`), `transpose` and `rechunk`. Names follow numpy's arguments.

use super::{Arguments, Lowering, Value};
use crate::context::Context;
use crate::error::Result;
use crate::expr::ast::Span;
use crate::graph::Array;
use crate::ops::concatenate::Blocks;

impl Lowering<'_> {
    /// `concatenate(arrays, axis=0)`, or `stack` when `new_axis`.
    pub(super) fn join(&self, call: &mut Arguments, new_axis: bool) -> Result<Array> {
        let (value, at) = self.required(call, 0, "arrays")?;
        let (Value::Tuple(items) | Value::List(items)) = value else {
            return Err(self.error(at, "expected a list of arrays, e.g. [a, b]"));
        };
        let arrays = items
            .into_iter()
            .map(|v| match v {
                Value::Array(a) => Ok(a),
                other => Err(self.error(
                    at,
                    &format!("expected arrays in the list, got {}", other.kind()),
                )),
            })
            .collect::<Result<Vec<_>>>()?;
        let axis = self.int_or(call, 1, "axis", 0)?;
        if new_axis {
            crate::ops::concatenate::stack(&arrays, axis)
        } else {
            crate::ops::concatenate::concatenate(&arrays, axis)
        }
        .map_err(self.at(call.call))
    }

    /// `block([[a, b], [c, d]])`.
    pub(super) fn block(&self, call: &mut Arguments) -> Result<Array> {
        let (value, at) = self.required(call, 0, "arrays")?;
        crate::ops::concatenate::block(&self.blocks(value, at)?).map_err(self.at(call.call))
    }

    /// The nested lists of `block([[a, b], [c, d]])`.
    fn blocks(&self, value: Value, at: Span) -> Result<Blocks> {
        match value {
            Value::Array(a) => Ok(Blocks::Array(a)),
            Value::Tuple(items) | Value::List(items) => Ok(Blocks::List(
                items
                    .into_iter()
                    .map(|v| self.blocks(v, at))
                    .collect::<Result<_>>()?,
            )),
            other => Err(self.error(
                at,
                &format!("block() takes nested lists of arrays, got {}", other.kind()),
            )),
        }
    }

    /// `squeeze(a, axis=None)`, or `flip` when `flip`.
    pub(super) fn squeeze_or_flip(&self, call: &mut Arguments, flip: bool) -> Result<Array> {
        let a = self.array_arg(call, 0, "a")?;
        let axes = self.axes_arg(call)?;
        if flip {
            a.flip(axes.as_deref())
        } else {
            a.squeeze(axes.as_deref())
        }
        .map_err(self.at(call.call))
    }

    /// `expand_dims(a, axis)`.
    pub(super) fn expand_dims(&self, call: &mut Arguments) -> Result<Array> {
        let a = self.array_arg(call, 0, "a")?;
        let (v, s) = self.required(call, 1, "axis")?;
        a.expand_dims(self.as_int(v, s)?)
            .map_err(self.at(call.call))
    }

    /// `swapaxes(a, axis1, axis2)`, or `moveaxis(a, source, destination)` when `moving`.
    pub(super) fn swap_or_move(&self, call: &mut Arguments, moving: bool) -> Result<Array> {
        let a = self.array_arg(call, 0, "a")?;
        let (first, second) = if moving {
            ("source", "destination")
        } else {
            ("axis1", "axis2")
        };
        let (x, xs) = self.required(call, 1, first)?;
        let (y, ys) = self.required(call, 2, second)?;
        let (x, y) = (self.as_int(x, xs)?, self.as_int(y, ys)?);
        if moving {
            a.moveaxis(x, y)
        } else {
            a.swapaxes(x, y)
        }
        .map_err(self.at(call.call))
    }

    /// `cumsum(a, axis=None)`, or `cumprod` when `product`.
    pub(super) fn cumulative(&self, call: &mut Arguments, product: bool) -> Result<Array> {
        let span = call.call;
        let a = self.array_arg(call, 0, "a")?;
        // numpy flattens without an axis (a 0-d array becomes one element), and
        // takes axis 0 or -1 of a 0-d array as its one element.
        let (a, axis) = match self.optional(call, 1, "axis") {
            Some((v, s)) if !matches!(v, Value::None) => {
                let axis = self.as_int(v, s)?;
                if a.ndim() == 0 && (axis == 0 || axis == -1) {
                    (a.reshape(&[1]).map_err(self.at(span))?, 0)
                } else {
                    (a, axis)
                }
            }
            _ if a.ndim() == 1 => (a, 0),
            _ => (a.ravel().map_err(self.at(span))?, 0),
        };
        // dtype=T: the scan runs on a converted to T and is converted back, which wraps
        // integers as numpy's accumulation in T does
        let dtype = self.optional_dtype(call, 2, "dtype")?;
        let a = match dtype {
            Some(dtype) => a.astype(dtype).map_err(self.at(span))?,
            None => a,
        };
        let scanned = if product {
            a.cumprod(axis)
        } else {
            a.cumsum(axis)
        }
        .map_err(self.at(span))?;
        match dtype {
            Some(dtype) if scanned.dtype() != dtype => scanned.astype(dtype).map_err(self.at(span)),
            _ => Ok(scanned),
        }
    }

    /// `broadcast_to(array, shape)`.
    pub(super) fn broadcast_to(&self, call: &mut Arguments) -> Result<Array> {
        let a = self.array_arg(call, 0, "array")?;
        let shape = self.shape_arg(call, 1, "shape")?;
        a.broadcast_to(&shape).map_err(self.at(call.call))
    }

    /// `reshape(a, shape)`.
    pub(super) fn reshape(&self, call: &mut Arguments) -> Result<Array> {
        let a = self.array_arg(call, 0, "a")?;
        let (value, at) = self.required(call, 1, "shape")?;
        let shape = self.int_list(value, at)?;
        a.reshape(&shape).map_err(self.at(call.call))
    }

    /// `ravel(a)` and `flatten(a)`.
    pub(super) fn ravel(&self, call: &mut Arguments) -> Result<Array> {
        self.array_arg(call, 0, "a")?
            .ravel()
            .map_err(self.at(call.call))
    }

    /// `take(a, indices, axis=None)`.
    pub(super) fn take(&self, call: &mut Arguments) -> Result<Array> {
        let a = self.array_arg(call, 0, "a")?;
        let (value, at) = self.required(call, 1, "indices")?;
        let indices = self.int_list(value, at)?;
        match self.optional(call, 2, "axis") {
            None | Some((Value::None, _)) => a.ravel().and_then(|flat| flat.take(&indices, 0)),
            Some((v, s)) => a.take(&indices, self.as_int(v, s)?),
        }
        .map_err(self.at(call.call))
    }

    /// `extract(condition, arr)`.
    pub(super) fn extract(&self, call: &mut Arguments) -> Result<Array> {
        let condition = self.array_arg(call, 0, "condition")?;
        self.masked(&self.array_arg(call, 1, "arr")?, &condition)
            .map_err(self.at(call.call))
    }

    /// `array[mask]`, counting the mask in the lowering's context.
    pub(super) fn masked(&self, array: &Array, mask: &Array) -> Result<Array> {
        match self.ctx {
            Some(ctx) => array.mask(mask, ctx),
            None => array.mask(mask, &Context::new()?),
        }
    }

    /// `transpose(a, axes=None)`.
    pub(super) fn transpose(&self, call: &mut Arguments) -> Result<Array> {
        let a = self.array_arg(call, 0, "a")?;
        match self.optional(call, 1, "axes") {
            None | Some((Value::None, _)) => a.t(),
            Some((value, at)) => {
                let axes = self.int_list(value, at)?;
                a.transpose(&axes)
            }
        }
        .map_err(self.at(call.call))
    }

    /// `rechunk(x, chunks)`; errors point at the chunks.
    pub(super) fn rechunk(&self, call: &mut Arguments) -> Result<Array> {
        let a = self.array_arg(call, 0, "x")?;
        let (value, at) = self.required(call, 1, "chunks")?;
        let chunks = self.int_list(value, at)?;
        let chunks: Vec<u64> = chunks
            .iter()
            .map(|c| u64::try_from(*c).unwrap_or(0))
            .collect();
        a.rechunk(&chunks).map_err(self.at(at))
    }

    /// `sort(a, axis=-1)`, or `argsort` when `arg`; `axis=None` sorts the flattened
    /// array.
    pub(super) fn sort(&self, call: &mut Arguments, arg: bool) -> Result<Array> {
        let span = call.call;
        let a = self.array_arg(call, 0, "a")?;
        let axis = match self.optional(call, 1, "axis") {
            None => Some(-1),
            Some((Value::None, _)) => None,
            Some((v, s)) => Some(self.as_int(v, s)?),
        };
        if arg { a.argsort(axis) } else { a.sort(axis) }.map_err(self.at(span))
    }

    /// `diff(a, n=1, axis=-1)`.
    pub(super) fn diff(&self, call: &mut Arguments) -> Result<Array> {
        let span = call.call;
        let a = self.array_arg(call, 0, "a")?;
        let n = self.int_or(call, 1, "n", 1)?;
        let axis = self.int_or(call, 2, "axis", -1)?;
        let n = u32::try_from(n).map_err(|_| {
            self.error(
                span,
                &format!("diff: order must be non-negative but got {n}"),
            )
        })?;
        a.diff(n, axis).map_err(self.at(span))
    }
}
