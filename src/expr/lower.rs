//! Lowering: turns a parsed expression into lazy array operations over named inputs.
//!
//! Names resolve to the inputs (`-i a=file.h5:/x`), to dtypes (`float32`), to the
//! constants `nan`, `inf`, `pi` and `e`, or to `None` (only as `axis=None`). A call is
//! looked up in the function registry (`registry.rs`): the entry's `Lower` step picks
//! the code that takes its arguments, by numpy's names or by position, and builds the
//! array: the elementwise functions and reductions here, the others in `lower/`
//! (`creation`, `shape`, `linalg`, `overlap`; argument helpers in `args`). A name the
//! registry lacks gets the closest names and the whole list. `a.sum(axis=0)` is the
//! same as `sum(a, axis=0)`. Literal arithmetic (`1 / 3`) is folded before it meets an
//! array. Errors point at the column.

use std::collections::BTreeMap;

use super::ast::{BinaryOp as AstBinary, Expr, IndexItem, Span, UnaryOp as AstUnary};
use super::registry::{self, Lower};
use crate::context::Context;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::graph::Array;
use crate::kernels::elementwise::{BinaryOp, UnaryOp};
use crate::kernels::promote::Scalar;
use crate::kernels::reduce::ReduceOp;
use crate::ops::slice::SliceItem;

mod args;
mod creation;
mod linalg;
mod overlap;
mod shape;

/// Chunk size of arrays created in an expression without `chunks=`.
const EVAL_CHUNK_BYTES: u64 = 16 << 20;

/// Functions suggested first in an unknown-function message: the closest by edit distance.
const SUGGESTIONS: usize = 3;

/// "unknown function": the name (shortened) and the available functions closest to it
/// (the caller lists them all after it).
fn unknown_function(name: &str) -> String {
    let typed: String = name.chars().take(24).collect();
    // Distance to the whole name, or to its start as long as the candidate (a typo
    // followed by junk still finds the function it began as).
    let score = |f: &str| {
        let start: String = typed.chars().take(f.chars().count()).collect();
        edit_distance(&typed, f).min(edit_distance(&start, f) + 1)
    };
    let mut all: Vec<&str> = registry::function_names().collect();
    all.sort_by_key(|f| (score(f), *f));
    let closest = all[..SUGGESTIONS.min(all.len())].join(", ");
    format!(
        "unknown function '{}' (closest: {closest})",
        crate::text::shorten(name, 24)
    )
}

/// Levenshtein distance between two short strings, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// A literal as a float.
fn as_f64(s: Scalar) -> f64 {
    match s {
        Scalar::Bool(b) => f64::from(u8::from(b)),
        Scalar::Int(i) => i as f64,
        Scalar::Float(f) => f,
    }
}

/// A value met while lowering.
#[derive(Clone)]
enum Value {
    Array(Array),
    Scalar(Scalar),
    Tuple(Vec<Value>),
    Str(String),
    DType(DType),
    None,
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Array(_) => "an array",
            Value::Scalar(_) => "a number",
            Value::Tuple(_) => "a tuple",
            Value::Str(_) => "a string",
            Value::DType(_) => "a dtype",
            Value::None => "None",
        }
    }
}

/// Parses `source` and lowers it over `inputs` into one lazy array. Boolean masks
/// (`a[a > 0]`) count their true elements in a default context; use [`evaluate_in`] to
/// count them under the run's budget.
pub fn evaluate(source: &str, inputs: &BTreeMap<String, Array>) -> Result<Array> {
    lower(source, inputs, None)
}

/// [`evaluate`], counting boolean masks in `ctx`.
pub fn evaluate_in(source: &str, inputs: &BTreeMap<String, Array>, ctx: &Context) -> Result<Array> {
    lower(source, inputs, Some(ctx))
}

fn lower(source: &str, inputs: &BTreeMap<String, Array>, ctx: Option<&Context>) -> Result<Array> {
    let tree = super::parse(source)?;
    let lowering = Lowering {
        source,
        inputs,
        ctx,
    };
    match lowering.value(&tree)? {
        Value::Array(array) => Ok(array),
        other => Err(lowering.error(
            tree.span(),
            &format!(
                "the expression gives {}, not an array: it must use an input",
                other.kind()
            ),
        )),
    }
}

struct Lowering<'a> {
    source: &'a str,
    inputs: &'a BTreeMap<String, Array>,
    /// Where boolean masks count their elements (a default context when `None`).
    ctx: Option<&'a Context>,
}

/// Call arguments, consumed by name or position.
struct Arguments {
    positional: Vec<(Value, Span)>,
    keyword: Vec<(String, Value, Span)>,
    call: Span,
    name: String,
}

impl Lowering<'_> {
    fn error(&self, span: Span, message: &str) -> Error {
        Error::Invalid(super::error::one_line(self.source, span, message))
    }

    /// Attaches the column of `span` to an error from the array layer.
    fn at(&self, span: Span) -> impl Fn(Error) -> Error + '_ {
        move |e| self.error(span, &e.to_string())
    }

    fn value(&self, expr: &Expr) -> Result<Value> {
        match expr {
            Expr::Int { value, .. } => Ok(Value::Scalar(Scalar::Int(*value))),
            Expr::Float { value, .. } => Ok(Value::Scalar(Scalar::Float(*value))),
            Expr::Bool { value, .. } => Ok(Value::Scalar(Scalar::Bool(*value))),
            Expr::Str { value, .. } => Ok(Value::Str(value.clone())),
            Expr::Name { name, span } => self.name(name, *span),
            Expr::Unary { op, operand, span } => self.unary(*op, operand, *span),
            Expr::Binary { op, lhs, rhs, span } => self.binary(*op, lhs, rhs, *span),
            Expr::Call {
                func,
                args,
                kwargs,
                span,
            } => self.call(func, args, kwargs, *span),
            Expr::Index {
                target,
                items,
                span,
            } => self.index(target, items, *span),
            Expr::Attr { target, name, span } => self.attribute(target, name, *span),
            Expr::Tuple { items, .. } | Expr::List { items, .. } => Ok(Value::Tuple(
                items.iter().map(|e| self.value(e)).collect::<Result<_>>()?,
            )),
        }
    }

    fn name(&self, name: &str, span: Span) -> Result<Value> {
        if let Some(array) = self.inputs.get(name) {
            return Ok(Value::Array(array.clone()));
        }
        let constant = match name {
            "nan" => Some(f64::NAN),
            "inf" => Some(f64::INFINITY),
            "pi" => Some(std::f64::consts::PI),
            "e" => Some(std::f64::consts::E),
            _ => None,
        };
        if let Some(value) = constant {
            return Ok(Value::Scalar(Scalar::Float(value)));
        }
        if name == "None" {
            return Ok(Value::None);
        }
        if let Some(dtype) = DType::parse(name) {
            return Ok(Value::DType(dtype));
        }
        let known: Vec<&str> = self.inputs.keys().map(String::as_str).collect();
        Err(self.error(
            span,
            &format!(
                "unknown name '{name}' (inputs: {}; add one with -i {name}=ADDRESS)",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        ))
    }

    fn unary(&self, op: AstUnary, operand: &Expr, span: Span) -> Result<Value> {
        let value = self.value(operand)?;
        match (op, value) {
            (AstUnary::Pos, v @ Value::Scalar(_)) => Ok(v),
            (AstUnary::Neg, Value::Scalar(Scalar::Int(i))) => i
                .checked_neg()
                .map(|n| Value::Scalar(Scalar::Int(n)))
                .ok_or_else(|| self.error(span, "integer overflow")),
            (AstUnary::Neg, Value::Scalar(Scalar::Float(f))) => {
                Ok(Value::Scalar(Scalar::Float(-f)))
            }
            (AstUnary::Not, Value::Scalar(Scalar::Bool(b))) => Ok(Value::Scalar(Scalar::Bool(!b))),
            (op, Value::Array(array)) => {
                let kernel = match op {
                    AstUnary::Not => UnaryOp::Not,
                    AstUnary::Pos => UnaryOp::Pos,
                    _ => UnaryOp::Neg,
                };
                array.unary(kernel).map(Value::Array).map_err(self.at(span))
            }
            (_, other) => Err(self.error(
                span,
                &format!("cannot apply this operator to {}", other.kind()),
            )),
        }
    }

    fn binary(&self, op: AstBinary, lhs: &Expr, rhs: &Expr, span: Span) -> Result<Value> {
        let (left, right) = (self.value(lhs)?, self.value(rhs)?);
        if op == AstBinary::MatMul {
            return match (left, right) {
                (Value::Array(a), Value::Array(b)) => {
                    a.matmul(&b).map(Value::Array).map_err(self.at(span))
                }
                _ => Err(self.error(span, "'@' needs two arrays")),
            };
        }
        let kernel = kernel_binary(op);
        match (left, right) {
            (Value::Array(a), Value::Array(b)) => a.binary(kernel, &b),
            (Value::Array(a), Value::Scalar(s)) => {
                a.binary(kernel, crate::ops::elementwise::Operand::Scalar(s))
            }
            (Value::Scalar(s), Value::Array(b)) => b.rbinary(kernel, s),
            (Value::Scalar(x), Value::Scalar(y)) => {
                return fold_scalars(kernel, x, y)
                    .map(Value::Scalar)
                    .ok_or_else(|| {
                        self.error(
                            span,
                            "this operation on two numbers is not supported; use an array",
                        )
                    });
            }
            (x, y) => {
                return Err(self.error(
                    span,
                    &format!("cannot combine {} with {}", x.kind(), y.kind()),
                ));
            }
        }
        .map(Value::Array)
        .map_err(self.at(span))
    }

    fn attribute(&self, target: &Expr, name: &str, span: Span) -> Result<Value> {
        match (self.value(target)?, name) {
            (Value::Array(a), "T") => a.t().map(Value::Array).map_err(self.at(span)),
            (Value::Array(_), _) => Err(self.error(
                span,
                &format!("unknown attribute '.{name}' (arrays have .T)"),
            )),
            (other, _) => Err(self.error(
                span,
                &format!("{} has no attribute '.{name}'", other.kind()),
            )),
        }
    }

    fn index(&self, target: &Expr, items: &[IndexItem], span: Span) -> Result<Value> {
        let Value::Array(array) = self.value(target)? else {
            return Err(self.error(span, "only arrays can be indexed"));
        };
        let mut slice = Vec::with_capacity(items.len());
        // One integer list (`a[[0, 2]]`, `a[:, [3, 1]]`) or one bool mask (`a[a > 0]`).
        let mut fancy: Option<(usize, Value, Span)> = None;
        for item in items {
            slice.push(match item {
                IndexItem::Expr(e) => match self.value(e)? {
                    Value::Scalar(Scalar::Int(i)) => SliceItem::Index(i),
                    value @ (Value::Tuple(_) | Value::Array(_)) if fancy.is_none() => {
                        let axis = slice.iter().filter(|s| !matches!(s, SliceItem::Index(_))).count();
                        fancy = Some((axis, value, e.span()));
                        SliceItem::ALL
                    }
                    Value::Tuple(_) | Value::Array(_) => {
                        return Err(self.error(e.span(), "only one index list or mask is supported per indexing"));
                    }
                    other => {
                        return Err(self.error(
                            e.span(),
                            &format!("expected an integer, a slice, a list of integers or a bool mask, got {}", other.kind()),
                        ));
                    }
                },
                IndexItem::Slice {
                    start, stop, step, ..
                } => SliceItem::Range {
                    start: start.as_ref().map(|e| self.integer(e)).transpose()?,
                    stop: stop.as_ref().map(|e| self.integer(e)).transpose()?,
                    step: step.as_ref().map(|e| self.integer(e)).transpose()?,
                },
                IndexItem::NewAxis(s) | IndexItem::Ellipsis(s) => {
                    return Err(
                        self.error(*s, "new axes and '...' are not supported in indexing yet")
                    );
                }
            });
        }
        let Some((axis, value, at)) = fancy else {
            return array.slice(&slice).map(Value::Array).map_err(self.at(span));
        };
        match value {
            Value::Array(mask) if items.len() == 1 => self.masked(&array, &mask),
            Value::Array(_) => Err(self.error(at, "a bool mask must be the only index: a[mask]")),
            list => {
                let indices = self.int_list(list, at)?;
                array
                    .slice(&slice)
                    .and_then(|a| a.take(&indices, axis as i64))
            }
        }
        .map(Value::Array)
        .map_err(self.at(span))
    }

    fn integer(&self, expr: &Expr) -> Result<i64> {
        match self.value(expr)? {
            Value::Scalar(Scalar::Int(i)) => Ok(i),
            other => Err(self.error(
                expr.span(),
                &format!("expected an integer, got {}", other.kind()),
            )),
        }
    }

    // ----- function calls ------------------------------------------------------------

    fn call(
        &self,
        func: &str,
        args: &[Expr],
        kwargs: &[(String, Expr)],
        span: Span,
    ) -> Result<Value> {
        let mut positional = Vec::with_capacity(args.len() + 1);
        let mut name = func.to_string();
        // `a.sum(axis=0)`: a method call on an input.
        if let Some((object, method)) = func.rsplit_once('.')
            && self.inputs.contains_key(object)
        {
            positional.push((self.name(object, span)?, span));
            name = method.to_string();
        }
        for arg in args {
            positional.push((self.value(arg)?, arg.span()));
        }
        let keyword = kwargs
            .iter()
            .map(|(k, e)| Ok((k.clone(), self.value(e)?, e.span())))
            .collect::<Result<Vec<_>>>()?;
        let mut call = Arguments {
            positional,
            keyword,
            call: span,
            name,
        };
        let result = self.function(&mut call)?;
        self.no_more(&call)?;
        Ok(Value::Array(result))
    }

    /// Looks the call's name up in the registry and lowers it by the entry's step.
    fn function(&self, call: &mut Arguments) -> Result<Array> {
        let span = call.call;
        let Some(function) = registry::lookup(&call.name) else {
            let available: Vec<&str> = registry::function_names().collect();
            return Err(Error::Invalid(super::error::one_line_listing(
                self.source,
                span,
                &unknown_function(&call.name),
                &available.join(", "),
            )));
        };
        match function.lower {
            Lower::Reduce(op) => self.reduction(call, op),
            Lower::Unary(op) => self
                .array_arg(call, 0, "x")?
                .unary(op)
                .map_err(self.at(span)),
            Lower::Binary(op) => {
                let a = self.array_arg(call, 0, "x1")?;
                let b = self.operand_arg(call, 1, "x2")?;
                a.binary(op, b).map_err(self.at(span))
            }
            Lower::Round => {
                let a = self.array_arg(call, 0, "a")?;
                let decimals = self.int_or(call, 1, "decimals", 0)?;
                let decimals = i32::try_from(decimals)
                    .map_err(|_| self.error(span, "round: decimals is out of range"))?;
                a.unary(UnaryOp::Round { decimals }).map_err(self.at(span))
            }
            Lower::Clip => {
                let a = self.array_arg(call, 0, "a")?;
                let lo = self.operand_arg(call, 1, "a_min")?;
                let hi = self.operand_arg(call, 2, "a_max")?;
                a.clip(lo, hi).map_err(self.at(span))
            }
            Lower::Where => {
                let cond = self.array_arg(call, 0, "condition")?;
                let x = self.operand_arg(call, 1, "x")?;
                let y = self.operand_arg(call, 2, "y")?;
                Array::where_(&cond, x, y).map_err(self.at(span))
            }
            Lower::Astype => {
                let a = self.array_arg(call, 0, "a")?;
                let (value, at) = self.required(call, 1, "dtype")?;
                match value {
                    Value::DType(dtype) => a.astype(dtype).map_err(self.at(span)),
                    other => Err(self.error(
                        at,
                        &format!("expected a dtype such as float32, got {}", other.kind()),
                    )),
                }
            }
            Lower::MatMul => {
                let a = self.array_arg(call, 0, "a")?;
                let b = self.array_arg(call, 1, "b")?;
                a.matmul(&b).map_err(self.at(span))
            }
            Lower::Transpose => self.transpose(call),
            Lower::Rechunk => self.rechunk(call),
            Lower::Filled { ones } => self.filled(call, ones),
            Lower::Full => self.full(call),
            Lower::Arange => self.arange(call),
            Lower::Linspace => self.linspace(call),
            Lower::Eye => self.eye(call),
            Lower::Sample(kind) => self.random(call, kind),
            Lower::Join { new_axis } => self.join(call, new_axis),
            Lower::Block => self.block(call),
            Lower::Reshape => self.reshape(call),
            Lower::Ravel => self.ravel(call),
            Lower::Squeeze => self.squeeze_or_flip(call, false),
            Lower::Flip => self.squeeze_or_flip(call, true),
            Lower::ExpandDims => self.expand_dims(call),
            Lower::SwapAxes => self.swap_or_move(call, false),
            Lower::MoveAxis => self.swap_or_move(call, true),
            Lower::BroadcastTo => self.broadcast_to(call),
            Lower::Take => self.take(call),
            Lower::Extract => self.extract(call),
            Lower::Cumulative { product } => self.cumulative(call, product),
            Lower::TensorDot => self.tensordot(call),
            Lower::Einsum => self.einsum(call),
            Lower::Outer => self.outer(call),
            Lower::Diagonal => self.diagonal(call, false),
            Lower::Trace => self.diagonal(call, true),
            Lower::MapOverlap => self.map_overlap(call),
        }
    }

    /// `sum(a, axis=None, keepdims=False)` and the other reductions; `var` and `std`
    /// also take `ddof=`.
    fn reduction(&self, call: &mut Arguments, op: ReduceOp) -> Result<Array> {
        let span = call.call;
        let array = self.array_arg(call, 0, "a")?;
        let axes = self.axes_arg(call)?;
        let keepdims = self.bool_arg(call, "keepdims")?;
        let ddof = self
            .optional(call, usize::MAX, "ddof")
            .map(|(v, s)| self.as_int(v, s))
            .transpose()?;
        let op = match (op, ddof) {
            (op, None) => op,
            (ReduceOp::Var { .. } | ReduceOp::Std { .. }, Some(d)) => {
                let ddof = u32::try_from(d)
                    .map_err(|_| self.error(span, "ddof must be a small non-negative integer"))?;
                if matches!(op, ReduceOp::Var { .. }) {
                    ReduceOp::Var { ddof }
                } else {
                    ReduceOp::Std { ddof }
                }
            }
            (_, Some(_)) => {
                return Err(self.error(span, &format!("{} takes no ddof", call.name)));
            }
        };
        array
            .reduce(
                op,
                crate::ops::reduce::Axes::from(axes.as_deref()).keepdims(keepdims),
            )
            .map_err(self.at(span))
    }
}

fn kernel_binary(op: AstBinary) -> BinaryOp {
    match op {
        AstBinary::Add => BinaryOp::Add,
        AstBinary::Sub => BinaryOp::Sub,
        AstBinary::Mul => BinaryOp::Mul,
        AstBinary::Div => BinaryOp::Div,
        AstBinary::FloorDiv => BinaryOp::FloorDiv,
        AstBinary::Mod => BinaryOp::Rem,
        AstBinary::Pow => BinaryOp::Pow,
        AstBinary::Lt => BinaryOp::Lt,
        AstBinary::Le => BinaryOp::Le,
        AstBinary::Gt => BinaryOp::Gt,
        AstBinary::Ge => BinaryOp::Ge,
        AstBinary::Eq => BinaryOp::Eq,
        AstBinary::Ne => BinaryOp::Ne,
        AstBinary::And => BinaryOp::And,
        AstBinary::Or => BinaryOp::Or,
        AstBinary::Xor => BinaryOp::Xor,
        // invariant: `@` is handled before this mapping is consulted.
        AstBinary::MatMul => BinaryOp::Mul,
    }
}

/// Arithmetic on two literals, as Python does it (ints stay ints where Python's do).
fn fold_scalars(op: BinaryOp, x: Scalar, y: Scalar) -> Option<Scalar> {
    if let (Scalar::Int(a), Scalar::Int(b)) = (x, y) {
        let int = match op {
            BinaryOp::Add => a.checked_add(b),
            BinaryOp::Sub => a.checked_sub(b),
            BinaryOp::Mul => a.checked_mul(b),
            // checked_*: i64::MIN // -1 overflows (Python's ints would not; it folds
            // in float64 below instead of panicking).
            BinaryOp::FloorDiv if b != 0 => a
                .checked_div_euclid(b)
                .zip(a.checked_rem_euclid(b))
                .and_then(|(q, r)| q.checked_sub(i64::from(r != 0 && b < 0))),
            BinaryOp::Rem if b != 0 => a
                .checked_rem_euclid(b)
                .map(|r| if r != 0 && b < 0 { r + b } else { r }),
            BinaryOp::Pow if b >= 0 => u32::try_from(b).ok().and_then(|e| a.checked_pow(e)),
            _ => None,
        };
        if let Some(v) = int {
            return Some(Scalar::Int(v));
        }
    }
    let (a, b) = (as_f64(x), as_f64(y));
    let value = match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
        BinaryOp::Pow => a.powf(b),
        BinaryOp::FloorDiv => (a / b).floor(),
        BinaryOp::Rem => a - b * (a / b).floor(),
        _ => return None,
    };
    Some(Scalar::Float(value))
}

#[cfg(test)]
mod tests;
