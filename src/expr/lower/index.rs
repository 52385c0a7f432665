//! Indexing, as numpy does it: `a[1:, ::2]`, `a[2]`, `a[None]`, `a[..., 0]`,
//! `a[[0, 2], [1, 1]]`, `a[2, :, [0, 1]]`, `a[i]` with an integer array `i`, and bool
//! masks, on their own (`a[a > 0]`, lazy) or beside other indices (`a[m, 1:]`).
//!
//! Basic indices (integers, slices, `None`, `...`) become one lazy slice and new unit
//! axes. Advanced ones (integer lists and arrays, bool masks beside other indices) follow
//! numpy's rules: they broadcast together; an integer beside them counts as one too; the
//! broadcast axes replace the indexed ones where those are adjacent, and go first
//! otherwise. Index arrays are small (their values must be known to plan the reads): an
//! integer array or a mask used as an index is computed first, under the budget.

use super::{Lowering, Value};
use crate::context::Context;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::expr::ast::{Expr, IndexItem, Span};
use crate::graph::{Array, broadcast_shapes};
use crate::kernels::promote::Scalar;
use crate::ops::slice::SliceItem;

/// One index after evaluation.
enum Index {
    Int(i64),
    Range(SliceItem),
    NewAxis,
    Ellipsis,
    /// Integer indices and their shape.
    Ints(Vec<i64>, Vec<u64>),
    /// A bool mask over as many axes as it has.
    Mask(Array),
}

impl Index {
    /// How many axes of the indexed array the index consumes.
    fn consumes(&self) -> usize {
        match self {
            Index::NewAxis | Index::Ellipsis => 0,
            Index::Mask(m) => m.ndim(),
            _ => 1,
        }
    }
}

/// Where an axis of the result comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Label {
    /// The axis a slice kept, by the position of its index.
    Kept(usize),
    /// A new axis from `None`, by the position of its index.
    New(usize),
    /// An axis of the advanced indices' broadcast shape.
    Broadcast(usize),
}

/// One entry of an index for [`index`](super::index): a value (an integer, an integer
/// list or array, a bool mask), a slice, `None` or `...`.
#[derive(Clone)]
pub enum Subscript {
    /// An integer, a list of integers, an integer array or a bool mask.
    Value(Value),
    /// `start:stop:step`.
    Slice {
        /// First index (`None`: from the start, or the end for a negative step).
        start: Option<i64>,
        /// Index past the last (`None`: to the end).
        stop: Option<i64>,
        /// Step (`None`: 1).
        step: Option<i64>,
    },
    /// `None`: a new axis of length 1.
    NewAxis,
    /// `...`: as many whole axes as the other entries leave.
    Ellipsis,
}

impl Lowering<'_> {
    /// `array[subscripts]` for [`index`](super::index).
    pub(super) fn subscripts(&self, array: &Array, subscripts: Vec<Subscript>) -> Result<Array> {
        let at = Span::new(0, 0);
        let indices = subscripts
            .into_iter()
            .map(|s| match s {
                Subscript::Value(value) => self.value_index(value, at),
                Subscript::Slice { start, stop, step } => {
                    Ok(Index::Range(SliceItem::Range { start, stop, step }))
                }
                Subscript::NewAxis => Ok(Index::NewAxis),
                Subscript::Ellipsis => Ok(Index::Ellipsis),
            })
            .collect::<Result<Vec<_>>>()?;
        self.apply_indices(array, indices)
    }

    /// `target[items]`.
    pub(super) fn index(&self, target: &Expr, items: &[IndexItem], span: Span) -> Result<Value> {
        let array = match self.value(target)? {
            Value::Array(array) => array,
            Value::Tuple(values) | Value::List(values) => {
                return self.item_of(values, items, span);
            }
            _ => return Err(self.error(span, "only arrays, tuples and lists can be indexed")),
        };
        // `a[(2, 0)]` is `a[2, 0]`: a tuple is the index tuple itself.
        let unpacked: Vec<IndexItem>;
        let items = match items {
            [IndexItem::Expr(Expr::Tuple { items: inner, .. })] => {
                unpacked = inner.iter().cloned().map(IndexItem::Expr).collect();
                &unpacked[..]
            }
            _ => items,
        };
        let mut indices = Vec::with_capacity(items.len());
        for item in items {
            indices.push(self.index_item(item)?);
        }
        self.apply_indices(&array, indices)
            .map(Value::Array)
            .map_err(self.at(span))
    }

    /// `a.shape[0]`: one element of a tuple or list, by an integer.
    fn item_of(&self, values: Vec<Value>, items: &[IndexItem], span: Span) -> Result<Value> {
        let [IndexItem::Expr(e)] = items else {
            return Err(self.error(span, "a tuple takes one integer index"));
        };
        let i = self.integer(e)?;
        let len = values.len() as i64;
        let at = if i < 0 { i + len } else { i };
        usize::try_from(at)
            .ok()
            .and_then(|at| values.into_iter().nth(at))
            .ok_or_else(|| self.error(e.span(), &format!("tuple index {i} out of range")))
    }

    fn index_item(&self, item: &IndexItem) -> Result<Index> {
        Ok(match item {
            IndexItem::NewAxis(_) => Index::NewAxis,
            IndexItem::Ellipsis(_) => Index::Ellipsis,
            IndexItem::Slice {
                start, stop, step, ..
            } => Index::Range(SliceItem::Range {
                start: start.as_ref().map(|e| self.integer(e)).transpose()?,
                stop: stop.as_ref().map(|e| self.integer(e)).transpose()?,
                step: step.as_ref().map(|e| self.integer(e)).transpose()?,
            }),
            IndexItem::Expr(e) => self.value_index(self.value(e)?, e.span())?,
        })
    }

    /// The index a value gives: an integer, `None`, a bool mask, or integer indices
    /// (an integer array, or a nested list of integers).
    fn value_index(&self, value: Value, at: Span) -> Result<Index> {
        Ok(match value {
            Value::Scalar(Scalar::Int(i)) => Index::Int(i),
            Value::None => Index::NewAxis,
            Value::Array(a) if a.dtype() == DType::Bool => Index::Mask(a),
            Value::Array(a) if a.dtype().int_range().is_some() => {
                let values = self.computed(&a.astype(DType::I64)?)?;
                Index::Ints(values, a.shape().to_vec())
            }
            Value::Array(a) => {
                return Err(self.error(
                    at,
                    &format!(
                        "arrays used as indices must be integers or bools, not {}",
                        a.dtype().name()
                    ),
                ));
            }
            value @ (Value::List(_) | Value::Tuple(_)) => {
                let mut shape = Vec::new();
                let mut values = Vec::new();
                self.nested_ints(value, at, 0, &mut shape, &mut values)?;
                Index::Ints(values, shape)
            }
            other => {
                return Err(self.error(
                            at,
                            &format!(
                                "expected an integer, a slice, None, ..., a list of integers, an integer array or a bool mask, got {}",
                                other.kind()
                            ),
                        ));
            }
        })
    }

    /// The integers of a nested list, in C order, and its shape.
    fn nested_ints(
        &self,
        value: Value,
        at: Span,
        depth: usize,
        shape: &mut Vec<u64>,
        values: &mut Vec<i64>,
    ) -> Result<()> {
        match value {
            Value::List(items) | Value::Tuple(items) => {
                let len = items.len() as u64;
                match shape.get(depth) {
                    // A new level only before any integer: `[0, [1]]` is ragged.
                    None if depth == shape.len() && values.is_empty() => shape.push(len),
                    Some(&n) if n == len => {}
                    _ => return Err(self.error(at, "the index lists must be rectangular")),
                }
                items
                    .into_iter()
                    .try_for_each(|v| self.nested_ints(v, at, depth + 1, shape, values))
            }
            Value::Scalar(Scalar::Int(i)) if depth == shape.len() => {
                values.push(i);
                Ok(())
            }
            Value::Scalar(Scalar::Int(_)) => {
                Err(self.error(at, "the index lists must be rectangular"))
            }
            other => Err(self.error(
                at,
                &format!("index lists hold integers, not {}", other.kind()),
            )),
        }
    }

    /// Computes a small array that an index needs, under the run's budget.
    fn computed(&self, a: &Array) -> Result<Vec<i64>> {
        match self.ctx {
            Some(ctx) => a.compute_vec::<i64>(ctx),
            None => a.compute_vec::<i64>(&Context::new()?),
        }
    }

    fn apply_indices(&self, array: &Array, mut indices: Vec<Index>) -> Result<Array> {
        let ndim = array.ndim();
        let consumed: usize = indices.iter().map(Index::consumes).sum();
        let ellipses = indices
            .iter()
            .filter(|i| matches!(i, Index::Ellipsis))
            .count();
        if ellipses > 1 {
            return Err(Error::Invalid(
                "an index can only have a single ellipsis ('...')".into(),
            ));
        }
        if consumed > ndim {
            return Err(Error::Invalid(format!(
                "too many indices for an array of {ndim} dimensions: {consumed} were given"
            )));
        }
        let fill = || (0..ndim - consumed).map(|_| Index::Range(SliceItem::ALL));
        match indices.iter().position(|i| matches!(i, Index::Ellipsis)) {
            Some(at) => {
                indices.splice(at..=at, fill());
            }
            None => indices.extend(fill()),
        }
        // `a[mask]` with a mask of the array's shape: lazy, chunk by chunk.
        if let [Index::Mask(mask)] = &indices[..]
            && mask.shape() == array.shape()
            && ndim > 0
        {
            return self.masked(array, mask);
        }
        let indices = self.masks_to_ints(array, indices)?;
        if indices.iter().any(|i| matches!(i, Index::Ints(..))) {
            self.advanced(array, indices)
        } else {
            basic(array, &indices)
        }
    }

    /// Bool masks beside other indices become the integer indices of their true
    /// elements (numpy's `nonzero`), one list per axis they cover.
    fn masks_to_ints(&self, array: &Array, indices: Vec<Index>) -> Result<Vec<Index>> {
        let mut out = Vec::with_capacity(indices.len());
        let mut axis = 0;
        for index in indices {
            let Index::Mask(mask) = index else {
                axis += index.consumes();
                out.push(index);
                continue;
            };
            let covered = &array.shape()[axis..axis + mask.ndim()];
            if mask.shape() != covered {
                return Err(Error::Invalid(format!(
                    "boolean index of shape {:?} does not match the indexed axes of shape {covered:?}",
                    mask.shape()
                )));
            }
            let flags = self.computed(&mask.astype(DType::I64)?)?;
            let trues: Vec<usize> = (0..flags.len()).filter(|&i| flags[i] != 0).collect();
            if mask.ndim() == 0 {
                return Err(Error::Invalid(
                    "a 0-d bool index (a[True]) is not supported".into(),
                ));
            }
            let mut lists = vec![Vec::with_capacity(trues.len()); mask.ndim()];
            for flat in trues {
                let mut rest = flat as u64;
                for d in (0..mask.ndim()).rev() {
                    let n = mask.shape()[d];
                    lists[d].push((rest % n) as i64);
                    rest /= n;
                }
            }
            for list in lists {
                let len = list.len() as u64;
                out.push(Index::Ints(list, vec![len]));
            }
            axis += mask.ndim();
        }
        Ok(out)
    }

    /// Advanced indexing: integer lists broadcast together; integers count as 0-d lists.
    fn advanced(&self, array: &Array, indices: Vec<Index>) -> Result<Array> {
        let mut slice = Vec::new();
        let mut labels = Vec::new(); // the axes of `kept`, in order
        let mut lists: Vec<(usize, Vec<i64>, Vec<u64>)> = Vec::new(); // (axis of `kept`, values, shape)
        let mut advanced_positions = Vec::new();
        let mut new_axes = Vec::new();
        let mut axis = 0;
        for (position, index) in indices.into_iter().enumerate() {
            match index {
                Index::Int(i) => {
                    // Applied as a plain index; its place still counts as advanced.
                    check_index(i, array.shape()[axis], axis)?;
                    slice.push(SliceItem::Index(i));
                    advanced_positions.push(position);
                    axis += 1;
                }
                Index::Range(range) => {
                    slice.push(range);
                    labels.push(Label::Kept(position));
                    axis += 1;
                }
                Index::Ints(values, shape) => {
                    for &i in &values {
                        check_index(i, array.shape()[axis], axis)?;
                    }
                    slice.push(SliceItem::ALL);
                    lists.push((labels.len(), values, shape));
                    labels.push(Label::Broadcast(usize::MAX));
                    advanced_positions.push(position);
                    axis += 1;
                }
                Index::NewAxis => new_axes.push(position),
                // invariant: masks became lists and the ellipsis was expanded.
                Index::Mask(_) | Index::Ellipsis => {
                    return Err(Error::internal("an index was not resolved"));
                }
            }
        }
        let kept = array.slice(&slice)?;
        let shapes: Vec<&[u64]> = lists.iter().map(|(_, _, s)| s.as_slice()).collect();
        let broadcast = broadcast_shapes(&shapes).map_err(|_| {
            Error::Invalid(format!(
                "shape mismatch: the index arrays of shapes {shapes:?} do not broadcast together"
            ))
        })?;
        let (gathered, mut labels) = gather(&kept, &lists, &broadcast, labels)?;
        // New axes go last for now; the final transpose puts every axis in its place.
        let mut result = gathered;
        for &position in &new_axes {
            result = result.expand_dims(result.ndim() as i64)?;
            labels.push(Label::New(position));
        }
        let order = final_order(&labels, &advanced_positions, broadcast.len());
        let perm: Vec<i64> = order
            .iter()
            .map(|l| labels.iter().position(|x| x == l).map_or(0, |p| p as i64))
            .collect();
        if perm.iter().enumerate().all(|(i, &p)| p == i as i64) {
            Ok(result)
        } else {
            result.transpose(&perm)
        }
    }
}

fn check_index(i: i64, len: u64, axis: usize) -> Result<()> {
    let ok = if i < 0 {
        i.unsigned_abs() <= len
    } else {
        (i as u64) < len
    };
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "index {i} is out of bounds for axis {axis} with size {len}"
        )))
    }
}

/// Basic indexing: one slice, then the new axes in place.
fn basic(array: &Array, indices: &[Index]) -> Result<Array> {
    let mut slice = Vec::new();
    let mut new_positions = Vec::new(); // positions in the result
    let mut out_axis = 0i64;
    for index in indices {
        match index {
            Index::Int(i) => slice.push(SliceItem::Index(*i)),
            Index::Range(range) => {
                slice.push(*range);
                out_axis += 1;
            }
            Index::NewAxis => {
                new_positions.push(out_axis);
                out_axis += 1;
            }
            // invariant: only basic indices reach here.
            _ => return Err(Error::internal("an advanced index reached basic indexing")),
        }
    }
    let mut result = array.slice(&slice)?;
    for position in new_positions {
        result = result.expand_dims(position)?;
    }
    Ok(result)
}

/// Gathers the broadcast index lists from `kept`: the lists' axes are replaced by the
/// broadcast axes, which come first. Returns the result and its axis labels.
fn gather(
    kept: &Array,
    lists: &[(usize, Vec<i64>, Vec<u64>)],
    broadcast: &[u64],
    labels: Vec<Label>,
) -> Result<(Array, Vec<Label>)> {
    let list_axes: Vec<usize> = lists.iter().map(|(axis, _, _)| *axis).collect();
    let rest: Vec<usize> = (0..kept.ndim())
        .filter(|a| !list_axes.contains(a))
        .collect();
    // The lists' axes first, merged into one, then a flat take along it.
    let perm: Vec<i64> = list_axes.iter().chain(&rest).map(|&a| a as i64).collect();
    let moved = if perm.iter().enumerate().all(|(i, &p)| p == i as i64) {
        kept.clone()
    } else {
        kept.transpose(&perm)?
    };
    let dims: Vec<u64> = list_axes.iter().map(|&a| kept.shape()[a]).collect();
    let merged = if dims.len() == 1 {
        moved
    } else {
        let mut shape = vec![dims.iter().product::<u64>() as i64];
        shape.extend(rest.iter().map(|&a| kept.shape()[a] as i64));
        moved.reshape(&shape)?
    };
    let count: u64 = broadcast.iter().product();
    let mut flat = Vec::with_capacity(count as usize);
    for n in 0..count {
        let mut f: i64 = 0;
        for ((_, values, shape), &dim) in lists.iter().zip(&dims) {
            let i = broadcast_value(values, shape, broadcast, n);
            let i = if i < 0 { i + dim as i64 } else { i };
            f = f * dim as i64 + i;
        }
        flat.push(f);
    }
    let taken = merged.take(&flat, 0)?;
    let mut shape: Vec<i64> = broadcast.iter().map(|&d| d as i64).collect();
    shape.extend(rest.iter().map(|&a| kept.shape()[a] as i64));
    let result = if broadcast.len() == 1 {
        taken
    } else {
        taken.reshape(&shape)?
    };
    let mut out_labels: Vec<Label> = (0..broadcast.len()).map(Label::Broadcast).collect();
    out_labels.extend(rest.iter().map(|&a| labels[a]));
    Ok((result, out_labels))
}

/// The value of a list of `shape` at flat position `n` of the `broadcast` shape.
fn broadcast_value(values: &[i64], shape: &[u64], broadcast: &[u64], n: u64) -> i64 {
    let mut rest = n;
    let mut offset = 0u64;
    let mut stride = 1u64;
    let skip = broadcast.len() - shape.len();
    for d in (0..broadcast.len()).rev() {
        let coordinate = rest % broadcast[d];
        rest /= broadcast[d];
        if d >= skip {
            let len = shape[d - skip];
            if len != 1 {
                offset += coordinate * stride;
            }
            stride *= len;
        }
    }
    values.get(offset as usize).copied().unwrap_or(0)
}

/// numpy's order of the result's axes: the broadcast axes where the advanced indices
/// were when those are adjacent, else first; kept and new axes in index order.
fn final_order(
    labels: &[Label],
    advanced_positions: &[usize],
    broadcast_ndim: usize,
) -> Vec<Label> {
    let first = advanced_positions.first().copied().unwrap_or(0);
    let last = advanced_positions.last().copied().unwrap_or(0);
    let adjacent = advanced_positions.windows(2).all(|w| w[1] == w[0] + 1);
    let position = |l: &Label| match l {
        Label::Kept(p) | Label::New(p) => *p,
        Label::Broadcast(_) => usize::MAX,
    };
    let mut others: Vec<Label> = labels
        .iter()
        .copied()
        .filter(|l| !matches!(l, Label::Broadcast(_)))
        .collect();
    others.sort_by_key(position);
    let broadcast: Vec<Label> = (0..broadcast_ndim).map(Label::Broadcast).collect();
    if adjacent {
        let before: Vec<Label> = others
            .iter()
            .copied()
            .filter(|l| position(l) < first)
            .collect();
        let after = others.iter().copied().filter(|l| position(l) > last);
        before.into_iter().chain(broadcast).chain(after).collect()
    } else {
        broadcast.into_iter().chain(others).collect()
    }
}
