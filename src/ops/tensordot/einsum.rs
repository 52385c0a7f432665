//! `einsum`: any number of operands, batch indices, `...` and numpy's implicit output.
//!
//! Each operand is first reduced on its own (a repeated index takes the diagonal; an
//! index found only there and not in the output is summed). The operands are then
//! combined left to right, two at a time: shared indices needed by no later operand
//! and not by the output are contracted with one tensordot (chunk-aligned, memory
//! bounded by the output), or, when a shared index is also kept (a batch index, as in
//! `'bij,bjk->bik'` or `'ij,ij->i'`) or a length-1 axis broadcasts, by a fused
//! broadcast product summed over the contracted indices, streamed chunk by chunk. The
//! result is transposed into the output's order.
//!
//! dtypes follow numpy's einsum: the result has the operands' `result_type`, and every
//! sum runs in it as numpy's does (integers wrap, bool sums are logical ors); operands
//! are cast to it before any sum, so an index summed within one operand is not summed
//! in a narrower dtype than numpy's.

use super::{DotAxes, tensordot};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::graph::Array;
use crate::kernels::elementwise::BinaryOp;
use crate::kernels::promote::result_type;
use crate::kernels::reduce::ReduceOp;

/// An array with one index letter per axis.
struct Labeled {
    array: Array,
    labels: Vec<char>,
}

/// Parsed subscripts: one label list per operand, and the output's.
struct Subscripts {
    inputs: Vec<Vec<char>>,
    output: Vec<char>,
}

fn refuse(subscripts: &str, reason: &str) -> Error {
    Error::Invalid(format!("einsum '{subscripts}': {reason}"))
}

/// The label of the broadcast axis `i` places from the right that `...` stands for
/// (never a letter).
fn ellipsis_label(i: usize) -> char {
    char::from_u32(0x100 + i as u32).unwrap_or('\u{100}')
}

/// numpy's `einsum(subscripts, *operands)`: `'ij,jk->ik'`, `'ij->ji'`, `'ii->'`,
/// `'ij,ij->i'` (a batch index), `'...ij,...jk'` (ellipsis, broadcast), any number of
/// operands, and the implicit output (`'ij,j'`: the broadcast axes, then the indices
/// found once, in alphabetical order). The result has the operands' `result_type`, and
/// sums run in it as numpy's do (integers wrap, bool sums are logical ors).
///
/// # Errors
/// Subscripts that are not letters, name another number of operands than given, or
/// another number of axes than an operand has; an output index repeated or found in no
/// operand; an index more than twice in one operand; an index naming axes of different
/// lengths (other than 1, which broadcasts); broadcast axes but no `...` in an explicit
/// output.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].view(), &[1, 2])?;
/// let v = Array::from_ndarray(ndarray::array![1.0, -1.0].view(), &[2])?;
/// let value = |subscripts: &str, operands: &[&Array]| {
///     einsum(subscripts, operands)?.compute_vec::<f64>(&ctx)
/// };
/// assert_eq!(value("ij,jk->ik", &[&a, &a])?, vec![7.0, 10.0, 15.0, 22.0]); // a @ a
/// assert_eq!(value("ij->ji", &[&a])?, vec![1.0, 3.0, 2.0, 4.0]); // a.T
/// assert_eq!(value("ii->", &[&a])?, vec![5.0]); // trace
/// assert_eq!(value("ii->i", &[&a])?, vec![1.0, 4.0]); // diagonal
/// assert_eq!(value("ij,j", &[&a, &v])?, vec![-1.0, -1.0]); // implicit output 'i'
/// assert_eq!(value("i,j->ij", &[&v, &v])?, vec![1.0, -1.0, -1.0, 1.0]); // outer
/// assert_eq!(value("ij,ij->i", &[&a, &a])?, vec![5.0, 25.0]); // batch index
/// assert_eq!(value("...j,j", &[&a, &v])?, vec![-1.0, -1.0]); // ellipsis
/// assert_eq!(value("ij,jk,kl->", &[&a, &a, &a])?, vec![290.0]); // three operands
///
/// assert!(einsum("ijk->i", &[&a]).is_err()); // a has two axes
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn einsum(subscripts: &str, operands: &[&Array]) -> Result<Array> {
    let ndims: Vec<usize> = operands.iter().map(|a| a.ndim()).collect();
    let parsed = parse(subscripts, &ndims)?;
    let dtype = operands
        .iter()
        .map(|a| a.dtype())
        .reduce(result_type)
        .ok_or_else(|| refuse(subscripts, "at least one operand is needed"))?;
    let mut labeled = Vec::with_capacity(operands.len());
    for (k, (array, labels)) in operands.iter().zip(&parsed.inputs).enumerate() {
        let operand = Labeled {
            array: array.astype(dtype)?,
            labels: labels.clone(),
        };
        labeled.push(take_diagonals(operand, subscripts, k)?);
    }
    let mut reduced = Vec::with_capacity(labeled.len());
    for (k, operand) in labeled.iter().enumerate() {
        let keep = |label: char| {
            parsed.output.contains(&label)
                || labeled
                    .iter()
                    .enumerate()
                    .any(|(other, l)| other != k && l.labels.contains(&label))
        };
        reduced.push(sum_unused(operand, keep, dtype)?);
    }
    let mut rest = reduced.into_iter();
    let mut result = rest
        .next()
        .ok_or_else(|| refuse(subscripts, "at least one operand is needed"))?;
    let later: Vec<Labeled> = rest.collect();
    for (k, next) in later.iter().enumerate() {
        let needed = |label: char| {
            parsed.output.contains(&label)
                || later[k + 1..].iter().any(|l| l.labels.contains(&label))
        };
        result = pair(&result, next, needed, dtype, subscripts)?;
    }
    let perm: Vec<usize> = parsed
        .output
        .iter()
        .map(|label| result.labels.iter().position(|l| l == label))
        .collect::<Option<_>>()
        .ok_or_else(|| {
            Error::internal(format!("einsum '{subscripts}': an output index was lost"))
        })?;
    result.array.permute(&perm)
}

/// Splits and checks `subscripts` for operands of `ndims` axes, expanding `...`.
fn parse(subscripts: &str, ndims: &[usize]) -> Result<Subscripts> {
    let text: String = subscripts.chars().filter(|c| !c.is_whitespace()).collect();
    let (inputs, output) = match text.split_once("->") {
        Some((inputs, output)) => (inputs, Some(output)),
        None => (text.as_str(), None),
    };
    let terms: Vec<&str> = inputs.split(',').collect();
    if terms.len() != ndims.len() {
        return Err(refuse(
            subscripts,
            &format!(
                "the subscripts name {} operand(s) but {} array(s) were given",
                terms.len(),
                ndims.len()
            ),
        ));
    }
    let mut broadcast = 0;
    let mut expanded = Vec::with_capacity(terms.len());
    for (k, (term, &ndim)) in terms.iter().zip(ndims).enumerate() {
        let labels = expand_term(term, ndim, subscripts, k)?;
        broadcast = broadcast.max(labels.iter().filter(|l| !l.is_ascii_alphabetic()).count());
        expanded.push(labels);
    }
    let ellipsis: Vec<char> = (0..broadcast).rev().map(ellipsis_label).collect();
    let output: Vec<char> = match output {
        Some(out) => expand_output(out, &ellipsis, subscripts)?,
        None => ellipsis
            .iter()
            .copied()
            .chain(implicit_output(&expanded))
            .collect(),
    };
    for (i, label) in output.iter().enumerate() {
        if output[..i].contains(label) {
            return Err(refuse(
                subscripts,
                &format!("index '{label}' appears twice in the output"),
            ));
        }
        if label.is_ascii_alphabetic() && !expanded.iter().flatten().any(|l| l == label) {
            return Err(refuse(
                subscripts,
                &format!("output index '{label}' appears in no operand"),
            ));
        }
    }
    Ok(Subscripts {
        inputs: expanded,
        output,
    })
}

/// One operand's labels, with `...` replaced by the labels of its broadcast axes (the
/// last ones of all broadcast axes, as numpy aligns them from the right).
fn expand_term(term: &str, ndim: usize, subscripts: &str, k: usize) -> Result<Vec<char>> {
    let (before, after) = match term.split_once("...") {
        Some((before, after)) => (before, Some(after)),
        None => (term, None),
    };
    let letters = |part: &str| -> Result<Vec<char>> {
        part.chars()
            .map(|c| {
                if c.is_ascii_alphabetic() {
                    Ok(c)
                } else {
                    Err(refuse(
                        subscripts,
                        &format!(
                            "'{c}' is not an index; indices are letters a-z and A-Z, and '...'"
                        ),
                    ))
                }
            })
            .collect()
    };
    let head = letters(before)?;
    let tail = after.map(letters).transpose()?.unwrap_or_default();
    let named = head.len() + tail.len();
    let wrong = || {
        refuse(
            subscripts,
            &format!("operand {k} has {ndim} axes but its subscripts '{term}' name {named}"),
        )
    };
    match after {
        None if named != ndim => Err(wrong()),
        None => Ok(head),
        Some(_) if named > ndim => Err(wrong()),
        Some(_) => {
            let count = ndim - named;
            // Broadcast axes are labelled from the right, so that operands with fewer
            // of them share the last labels.
            let labels = (0..count).rev().map(ellipsis_label);
            Ok(head.into_iter().chain(labels).chain(tail).collect())
        }
    }
}

/// The explicit output's labels, `...` standing for every broadcast axis.
fn expand_output(out: &str, ellipsis: &[char], subscripts: &str) -> Result<Vec<char>> {
    let mut labels = Vec::new();
    let (before, after) = match out.split_once("...") {
        Some((before, after)) => (before, Some(after)),
        None if !ellipsis.is_empty() => {
            return Err(refuse(
                subscripts,
                "the operands have broadcast axes ('...') but the output names none; write '...' in the output",
            ));
        }
        None => (out, None),
    };
    labels.extend(before.chars());
    if let Some(after) = after {
        labels.extend(ellipsis.iter().copied());
        labels.extend(after.chars());
    }
    match labels
        .iter()
        .find(|c| !c.is_ascii_alphabetic() && !ellipsis.contains(c))
    {
        Some(c) => Err(refuse(
            subscripts,
            &format!("'{c}' is not an index; indices are letters a-z and A-Z, and '...'"),
        )),
        None => Ok(labels),
    }
}

/// numpy's implicit output: the letters found exactly once, in alphabetical (ASCII)
/// order.
fn implicit_output(terms: &[Vec<char>]) -> Vec<char> {
    let all: Vec<char> = terms
        .iter()
        .flatten()
        .copied()
        .filter(char::is_ascii_alphabetic)
        .collect();
    let mut once: Vec<char> = all
        .iter()
        .copied()
        .filter(|l| all.iter().filter(|m| *m == l).count() == 1)
        .collect();
    once.sort_unstable();
    once
}

/// `operand` with each index repeated within it replaced by the diagonal over its two
/// axes (which becomes the last axis).
fn take_diagonals(mut operand: Labeled, subscripts: &str, k: usize) -> Result<Labeled> {
    loop {
        let repeated = operand.labels.iter().enumerate().find_map(|(p, label)| {
            let rest = &operand.labels[p + 1..];
            rest.iter().position(|l| l == label).map(|q| (p, p + 1 + q))
        });
        let Some((p, q)) = repeated else {
            return Ok(operand);
        };
        let label = operand.labels[p];
        if operand.labels.iter().filter(|l| **l == label).count() > 2 {
            return Err(refuse(
                subscripts,
                &format!(
                    "index '{label}' appears more than twice in operand {k}; at most twice (a diagonal) is supported"
                ),
            ));
        }
        let (n, m) = (operand.array.shape()[p], operand.array.shape()[q]);
        if n != m {
            return Err(refuse(
                subscripts,
                &format!(
                    "index '{label}' of operand {k} names axes of lengths {n} and {m}; a repeated index needs equal lengths"
                ),
            ));
        }
        operand.array = operand.array.diagonal(0, p as i64, q as i64)?;
        operand.labels.remove(q);
        operand.labels.remove(p);
        operand.labels.push(label);
    }
}

/// `operand` summed over the indices `keep` rejects, in `dtype` (the result's).
fn sum_unused(operand: &Labeled, keep: impl Fn(char) -> bool, dtype: DType) -> Result<Labeled> {
    let mut axes = Vec::new();
    let mut labels = Vec::new();
    for (d, &label) in operand.labels.iter().enumerate() {
        if keep(label) {
            labels.push(label);
        } else {
            axes.push(d as i64);
        }
    }
    let array = summed(&operand.array, &axes, dtype)?;
    Ok(Labeled { array, labels })
}

/// `array` summed over `axes` with the result in `dtype`: integer sums run in 64 bits
/// and wrap when cast back, as numpy's einsum does in `dtype`, and a bool count cast
/// back is numpy's logical or.
fn summed(array: &Array, axes: &[i64], dtype: DType) -> Result<Array> {
    if axes.is_empty() {
        return Ok(array.clone());
    }
    array.reduce(ReduceOp::Sum, axes)?.astype(dtype)
}

/// `a` and `b` combined: their shared indices that `needed` rejects are contracted,
/// the others kept (batch indices).
fn pair(
    a: &Labeled,
    b: &Labeled,
    needed: impl Fn(char) -> bool,
    dtype: DType,
    subscripts: &str,
) -> Result<Labeled> {
    // A length-1 axis against a longer one broadcasts: numpy drops it, so the index is
    // then the other operand's alone and is summed there first when no longer needed.
    let (a, b) = (without_unit(a, b)?, without_unit(b, a)?);
    let (a, b) = (
        sum_unused(&a, |l| needed(l) || b.labels.contains(&l), dtype)?,
        sum_unused(&b, |l| needed(l) || a.labels.contains(&l), dtype)?,
    );
    let (a, b) = (&a, &b);
    let mut batch = false;
    let mut broadcasts = false;
    for (i, label) in a.labels.iter().enumerate() {
        let Some(j) = b.labels.iter().position(|l| l == label) else {
            continue;
        };
        let (n, m) = (a.array.shape()[i], b.array.shape()[j]);
        if n != m && n != 1 && m != 1 {
            return Err(refuse(
                subscripts,
                &format!(
                    "index '{}' has lengths {n} and {m} in two operands",
                    shown(*label)
                ),
            ));
        }
        broadcasts |= n != m;
        batch |= needed(*label);
    }
    if batch || broadcasts {
        broadcast_product(a, b, needed, dtype)
    } else {
        contract(a, b)
    }
}

/// `x` without its length-1 axes whose index names a longer axis of `other`.
fn without_unit(x: &Labeled, other: &Labeled) -> Result<Labeled> {
    let mut axes = Vec::new();
    let mut labels = Vec::new();
    for (d, label) in x.labels.iter().enumerate() {
        let longer = other
            .labels
            .iter()
            .position(|l| l == label)
            .is_some_and(|j| other.array.shape()[j] > 1);
        if x.array.shape()[d] == 1 && longer {
            axes.push(d as i64);
        } else {
            labels.push(*label);
        }
    }
    if axes.is_empty() {
        return Ok(Labeled {
            array: x.array.clone(),
            labels,
        });
    }
    Ok(Labeled {
        array: x.array.squeeze(Some(&axes))?,
        labels,
    })
}

/// An index as the user wrote it (`...` for a broadcast axis).
fn shown(label: char) -> String {
    if label.is_ascii_alphabetic() {
        label.to_string()
    } else {
        "...".to_string()
    }
}

/// `a * b` broadcast over the union of their indices, summed over the shared ones that
/// `needed` rejects: one fused product streamed into a reduction.
fn broadcast_product(
    a: &Labeled,
    b: &Labeled,
    needed: impl Fn(char) -> bool,
    dtype: DType,
) -> Result<Labeled> {
    let contracted: Vec<char> = a
        .labels
        .iter()
        .copied()
        .filter(|l| b.labels.contains(l) && !needed(*l))
        .collect();
    let kept: Vec<char> = a
        .labels
        .iter()
        .chain(b.labels.iter().filter(|l| !a.labels.contains(l)))
        .copied()
        .filter(|l| !contracted.contains(l))
        .collect();
    let order: Vec<char> = kept.iter().chain(&contracted).copied().collect();
    let product = aligned(a, &order)?.binary(BinaryOp::Mul, &aligned(b, &order)?)?;
    let axes: Vec<i64> = (kept.len()..order.len()).map(|d| d as i64).collect();
    Ok(Labeled {
        array: summed(&product, &axes, dtype)?,
        labels: kept,
    })
}

/// `operand`'s axes put in `order`, with unit axes for the labels it lacks.
fn aligned(operand: &Labeled, order: &[char]) -> Result<Array> {
    let present: Vec<char> = order
        .iter()
        .copied()
        .filter(|l| operand.labels.contains(l))
        .collect();
    let perm: Vec<usize> = present
        .iter()
        .filter_map(|l| operand.labels.iter().position(|m| m == l))
        .collect();
    let mut array = operand.array.permute(&perm)?;
    for (d, label) in order.iter().enumerate() {
        if !operand.labels.contains(label) {
            array = array.expand_dims(d as i64)?;
        }
    }
    Ok(array)
}

/// `a` and `b` contracted over all their shared indices with one tensordot.
fn contract(a: &Labeled, b: &Labeled) -> Result<Labeled> {
    let mut a_axes = Vec::new();
    let mut b_axes = Vec::new();
    for (i, label) in a.labels.iter().enumerate() {
        if let Some(j) = b.labels.iter().position(|l| l == label) {
            a_axes.push(i as i64);
            b_axes.push(j as i64);
        }
    }
    let array = tensordot(
        &a.array,
        &b.array,
        DotAxes::Pairs(a_axes.clone(), b_axes.clone()),
    )?;
    let free = |l: &Labeled, axes: &[i64]| -> Vec<char> {
        l.labels
            .iter()
            .enumerate()
            .filter(|(d, _)| !axes.contains(&(*d as i64)))
            .map(|(_, c)| *c)
            .collect()
    };
    let labels = [free(a, &a_axes), free(b, &b_axes)].concat();
    Ok(Labeled { array, labels })
}
