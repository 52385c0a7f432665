//! `einsum` for what tensordot, diagonal, sums and transposes can express: one or two
//! operands, no ellipsis, no index shared by both operands and the output (a batch
//! index). Each operand is first reduced on its own (a repeated index takes the
//! diagonal; an index found only there and not in the output is summed), the two are
//! then contracted with one tensordot over their shared indices, and the result is
//! transposed into the output's order.
//!
//! dtypes follow numpy's einsum: one operand keeps its dtype (sums wrap in it, bool sums
//! are logical ors), two give numpy's `result_type`.

use super::{DotAxes, tensordot};
use crate::error::{Error, Result};
use crate::graph::Array;
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

/// numpy's `einsum(subscripts, *operands)` for one or two operands: `'ij,jk->ik'`,
/// `'ij->ji'`, `'ii->'`, `'ij,j'` (implicit output: the indices found once, in
/// alphabetical order). Batch indices (`'bij,bjk->bik'`), ellipsis and more than two
/// operands are refused with a message saying what to use instead. One operand keeps
/// its dtype (sums wrap in it, bool sums are logical ors); two give numpy's
/// `result_type`.
///
/// # Errors
/// Subscripts that are not letters, name another number of operands than given, or
/// another number of axes than an operand has; an output index repeated or found in no
/// operand; an index more than twice in one operand; an index naming axes of different
/// lengths; a batch index, an ellipsis or more than two operands (see above).
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
///
/// assert!(einsum("bij,bjk->bik", &[&a, &a]).is_err()); // batch index
/// assert!(einsum("ij,jk,kl->il", &[&a, &a, &a]).is_err()); // three operands
/// assert!(einsum("ijk->i", &[&a]).is_err()); // a has two axes
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn einsum(subscripts: &str, operands: &[&Array]) -> Result<Array> {
    let parsed = parse(subscripts, operands.len())?;
    let mut labeled = Vec::with_capacity(operands.len());
    for (k, (array, labels)) in operands.iter().zip(&parsed.inputs).enumerate() {
        if labels.len() != array.ndim() {
            return Err(refuse(
                subscripts,
                &format!(
                    "operand {k} has {} axes (shape {:?}) but its subscripts '{}' name {}",
                    array.ndim(),
                    array.shape(),
                    labels.iter().collect::<String>(),
                    labels.len()
                ),
            ));
        }
        let operand = Labeled {
            array: (*array).clone(),
            labels: labels.clone(),
        };
        labeled.push(take_diagonals(operand, subscripts, k)?);
    }
    let keep = |k: usize, label: char| {
        parsed.output.contains(&label)
            || labeled
                .iter()
                .enumerate()
                .any(|(other, l)| other != k && l.labels.contains(&label))
    };
    let mut reduced = Vec::with_capacity(labeled.len());
    for (k, operand) in labeled.iter().enumerate() {
        reduced.push(sum_unused(operand, |label| keep(k, label))?);
    }
    let result = match reduced.as_mut_slice() {
        [one] => Labeled {
            array: one.array.clone(),
            labels: std::mem::take(&mut one.labels),
        },
        [a, b] => contract(a, b, subscripts)?,
        _ => {
            return Err(Error::internal(format!(
                "einsum '{subscripts}': one or two operands expected"
            )));
        }
    };
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

/// Splits and checks `subscripts` for `count` operands.
fn parse(subscripts: &str, count: usize) -> Result<Subscripts> {
    let text: String = subscripts.chars().filter(|c| !c.is_whitespace()).collect();
    if text.contains('.') {
        return Err(refuse(
            subscripts,
            "ellipsis ('...') is not supported; write out every index, e.g. 'ij,jk->ik'",
        ));
    }
    let (inputs, output) = match text.split_once("->") {
        Some((inputs, output)) => (inputs, Some(output)),
        None => (text.as_str(), None),
    };
    let terms: Vec<Vec<char>> = inputs.split(',').map(|t| t.chars().collect()).collect();
    if terms.len() > 2 {
        return Err(refuse(
            subscripts,
            &format!(
                "{} operands are not supported; contract two at a time (einsum or tensordot of two, then of the result with the next)",
                terms.len()
            ),
        ));
    }
    if terms.len() != count {
        return Err(refuse(
            subscripts,
            &format!(
                "the subscripts name {} operand(s) but {count} array(s) were given",
                terms.len()
            ),
        ));
    }
    let output: Vec<char> = match output {
        Some(out) => out.chars().collect(),
        None => implicit_output(&terms),
    };
    for label in terms.iter().flatten().chain(&output) {
        if !label.is_ascii_alphabetic() {
            return Err(refuse(
                subscripts,
                &format!("'{label}' is not an index; indices are letters a-z and A-Z"),
            ));
        }
    }
    for (i, label) in output.iter().enumerate() {
        if output[..i].contains(label) {
            return Err(refuse(
                subscripts,
                &format!("index '{label}' appears twice in the output"),
            ));
        }
        if !terms.iter().flatten().any(|l| l == label) {
            return Err(refuse(
                subscripts,
                &format!("output index '{label}' appears in no operand"),
            ));
        }
    }
    refuse_batch_indices(&terms, &output, subscripts)?;
    Ok(Subscripts {
        inputs: terms,
        output,
    })
}

/// Fails on an index found in both operands and in the output (a batch index).
fn refuse_batch_indices(terms: &[Vec<char>], output: &[char], subscripts: &str) -> Result<()> {
    let [a, b] = terms else {
        return Ok(());
    };
    match a.iter().find(|l| b.contains(l) && output.contains(l)) {
        Some(label) => Err(refuse(
            subscripts,
            &format!(
                "index '{label}' is in both operands and the output (a batch index), which is not supported; slice the batch axis and stack per-slice einsums or tensordots"
            ),
        )),
        None => Ok(()),
    }
}

/// numpy's implicit output: the indices found exactly once, in alphabetical (ASCII) order.
fn implicit_output(terms: &[Vec<char>]) -> Vec<char> {
    let all: Vec<char> = terms.iter().flatten().copied().collect();
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

/// `operand` summed over the indices `keep` rejects, in its own dtype.
fn sum_unused(operand: &Labeled, keep: impl Fn(char) -> bool) -> Result<Labeled> {
    let (axes, labels): (Vec<i64>, Vec<char>) = {
        let mut axes = Vec::new();
        let mut labels = Vec::new();
        for (d, &label) in operand.labels.iter().enumerate() {
            if keep(label) {
                labels.push(label);
            } else {
                axes.push(d as i64);
            }
        }
        (axes, labels)
    };
    if axes.is_empty() {
        return Ok(Labeled {
            array: operand.array.clone(),
            labels,
        });
    }
    let dtype = operand.array.dtype();
    // Integer sums run in 64 bits; cast back they wrap as numpy's einsum does in the
    // operand's dtype, and a bool count cast back is numpy's logical or.
    let array = operand
        .array
        .reduce(ReduceOp::Sum, &axes[..])?
        .astype(dtype)?;
    Ok(Labeled { array, labels })
}

/// `a` and `b` contracted over their shared indices (batch indices are refused by `parse`).
fn contract(a: &Labeled, b: &Labeled, subscripts: &str) -> Result<Labeled> {
    let mut a_axes = Vec::new();
    let mut b_axes = Vec::new();
    for (i, label) in a.labels.iter().enumerate() {
        let Some(j) = b.labels.iter().position(|l| l == label) else {
            continue;
        };
        let (n, m) = (a.array.shape()[i], b.array.shape()[j]);
        if n != m {
            return Err(refuse(
                subscripts,
                &format!("index '{label}' has length {n} in operand 0 but {m} in operand 1"),
            ));
        }
        a_axes.push(i as i64);
        b_axes.push(j as i64);
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
