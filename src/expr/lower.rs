//! Lowering: turns a parsed expression into lazy array operations over named inputs.
//!
//! Names resolve to the inputs (`-i a=file.h5:/x`), to dtypes (`float32`), to the
//! constants `nan`, `inf`, `pi` and `e`, or to `None` (only as `axis=None`). Functions
//! take numpy's argument names: `mean(a, axis=(0, 1), keepdims=True)`, `std(a, ddof=1)`,
//! `clip(a, -1, 1)`, `where(a > 0, a, 0)`, `astype(a, float32)`, `transpose(a, (1, 0))`,
//! `rechunk(a, (100, 100))`, `tensordot(a, b, axes=([1], [0]))`, `einsum('ij,jk->ik', a, b)`
//! (see `lower/linalg.rs`). `a.sum(axis=0)` is the same as `sum(a, axis=0)`. Literal
//! arithmetic (`1 / 3`) is folded before it meets an array. Errors point at the column.

use std::collections::BTreeMap;

use super::ast::{BinaryOp as AstBinary, Expr, IndexItem, Span, UnaryOp as AstUnary};
use crate::context::Context;
use crate::create;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::graph::Array;
use crate::kernels::elementwise::{BinaryOp, UnaryOp};
use crate::kernels::promote::{Scalar, scalar_default_dtype};
use crate::ops::reduce::{REDUCTIONS, reduce_op};
use crate::ops::slice::SliceItem;
use linalg::LINALG_FUNCTIONS;

mod linalg;

/// Chunk size of arrays created in an expression without `chunks=`.
const EVAL_CHUNK_BYTES: u64 = 16 << 20;

/// Shape functions, for messages.
const SHAPE_FUNCTIONS: &str = "concatenate, stack, block, reshape, ravel, squeeze, expand_dims, swapaxes, moveaxis, flip, broadcast_to, take, extract";

/// Creation functions, for messages.
const CREATION_FUNCTIONS: &str =
    "zeros, ones, full, arange, linspace, eye, random.uniform, random.normal, random.integers";

/// Every function name, for messages.
fn all_functions() -> Vec<&'static str> {
    [
        REDUCTIONS,
        "abs, sqrt, exp, log, sin, cos, isnan, maximum, minimum, clip, where, astype, matmul, dot, transpose, rechunk",
        SHAPE_FUNCTIONS,
        LINALG_FUNCTIONS,
        CREATION_FUNCTIONS,
    ]
    .iter()
    .flat_map(|list| list.split(", "))
    .collect()
}

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
    let mut all = all_functions();
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
            (AstUnary::Pos, v @ (Value::Array(_) | Value::Scalar(_))) => Ok(v),
            (AstUnary::Neg, Value::Scalar(Scalar::Int(i))) => i
                .checked_neg()
                .map(|n| Value::Scalar(Scalar::Int(n)))
                .ok_or_else(|| self.error(span, "integer overflow")),
            (AstUnary::Neg, Value::Scalar(Scalar::Float(f))) => {
                Ok(Value::Scalar(Scalar::Float(-f)))
            }
            (AstUnary::Not, Value::Scalar(Scalar::Bool(b))) => Ok(Value::Scalar(Scalar::Bool(!b))),
            (op, Value::Array(array)) => {
                let kernel = if op == AstUnary::Not {
                    UnaryOp::Not
                } else {
                    UnaryOp::Neg
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

    fn function(&self, call: &mut Arguments) -> Result<Array> {
        let name = call.name.clone();
        let span = call.call;
        if let Some(op) = reduce_op(&name, 0) {
            let array = self.array_arg(call, 0, "a")?;
            let axes = self.axes_arg(call)?;
            let keepdims = self.bool_arg(call, "keepdims")?;
            let ddof = self
                .optional(call, usize::MAX, "ddof")
                .map(|(v, s)| self.as_int(v, s))
                .transpose()?;
            let op = match ddof {
                Some(d) if matches!(name.as_str(), "var" | "std") => reduce_op(
                    &name,
                    u32::try_from(d).map_err(|_| {
                        self.error(span, "ddof must be a small non-negative integer")
                    })?,
                )
                .unwrap_or(op),
                Some(_) => return Err(self.error(span, &format!("{name} takes no ddof"))),
                None => op,
            };
            return array
                .reduce(op, axes.as_deref(), keepdims)
                .map_err(self.at(span));
        }
        let unary = match name.as_str() {
            "abs" | "absolute" => Some(UnaryOp::Abs),
            "sqrt" => Some(UnaryOp::Sqrt),
            "exp" => Some(UnaryOp::Exp),
            "log" => Some(UnaryOp::Log),
            "sin" => Some(UnaryOp::Sin),
            "cos" => Some(UnaryOp::Cos),
            "isnan" => Some(UnaryOp::IsNan),
            "negative" => Some(UnaryOp::Neg),
            "logical_not" => Some(UnaryOp::Not),
            _ => None,
        };
        if let Some(op) = unary {
            return self
                .array_arg(call, 0, "x")?
                .unary(op)
                .map_err(self.at(span));
        }
        if let Some(array) = self.creation(call)? {
            return Ok(array);
        }
        if let Some(array) = self.shape_function(call)? {
            return Ok(array);
        }
        if let Some(array) = self.linalg_function(call)? {
            return Ok(array);
        }
        match name.as_str() {
            "map_overlap" => self.map_overlap(call),
            "maximum" | "minimum" => {
                let a = self.array_arg(call, 0, "x1")?;
                let b = self.operand_arg(call, 1, "x2")?;
                let op = if name == "maximum" {
                    BinaryOp::Maximum
                } else {
                    BinaryOp::Minimum
                };
                a.binary(op, b).map_err(self.at(span))
            }
            "clip" => {
                let a = self.array_arg(call, 0, "a")?;
                let lo = self.operand_arg(call, 1, "a_min")?;
                let hi = self.operand_arg(call, 2, "a_max")?;
                a.clip(lo, hi).map_err(self.at(span))
            }
            "where" => {
                let cond = self.array_arg(call, 0, "condition")?;
                let x = self.operand_arg(call, 1, "x")?;
                let y = self.operand_arg(call, 2, "y")?;
                Array::where_(&cond, x, y).map_err(self.at(span))
            }
            "astype" => {
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
            "matmul" | "dot" => {
                let a = self.array_arg(call, 0, "a")?;
                let b = self.array_arg(call, 1, "b")?;
                a.matmul(&b).map_err(self.at(span))
            }
            "transpose" => {
                let a = self.array_arg(call, 0, "a")?;
                match self.optional(call, 1, "axes") {
                    None | Some((Value::None, _)) => a.t(),
                    Some((value, at)) => {
                        let perm = self.int_list(value, at)?;
                        let perm: Vec<usize> = perm
                            .iter()
                            .map(|p| usize::try_from(*p).unwrap_or(usize::MAX))
                            .collect();
                        a.transpose(&perm)
                    }
                }
                .map_err(self.at(span))
            }
            "rechunk" => {
                let a = self.array_arg(call, 0, "x")?;
                let (value, at) = self.required(call, 1, "chunks")?;
                let chunks = self.int_list(value, at)?;
                let chunks: Vec<u64> = chunks
                    .iter()
                    .map(|c| u64::try_from(*c).unwrap_or(0))
                    .collect();
                a.rechunk(&chunks).map_err(self.at(at))
            }
            _ => Err(Error::Invalid(super::error::one_line_listing(
                self.source,
                span,
                &unknown_function(&name),
                &all_functions().join(", "),
            ))),
        }
    }

    /// Array creation: `zeros((100, 100))`, `arange(10)`, `random.normal(shape=(..))`.
    fn creation(&self, call: &mut Arguments) -> Result<Option<Array>> {
        let span = call.call;
        let name = call.name.clone();
        let array = match name.as_str() {
            "zeros" | "ones" | "empty" => {
                let shape = self.shape_arg(call, 0, "shape")?;
                let dtype = self.dtype_arg(call, usize::MAX, "dtype", DType::F64)?;
                let chunks = self.chunks_arg(call, &shape, dtype)?;
                if name == "ones" {
                    create::ones(&shape, &chunks, dtype)
                } else {
                    create::zeros(&shape, &chunks, dtype)
                }
            }
            "full" => {
                let shape = self.shape_arg(call, 0, "shape")?;
                let (value, at) = self.required(call, 1, "fill_value")?;
                let Value::Scalar(value) = value else {
                    return Err(self.error(at, "fill_value must be a number"));
                };
                let dtype =
                    self.dtype_arg(call, usize::MAX, "dtype", scalar_default_dtype(value))?;
                let chunks = self.chunks_arg(call, &shape, dtype)?;
                create::full(&shape, &chunks, value, dtype)
            }
            "arange" => {
                let first = self.number_arg(call, 0, "start")?;
                let second = self
                    .optional(call, 1, "stop")
                    .map(|(v, s)| self.number(v, s))
                    .transpose()?;
                let step = self
                    .optional(call, 2, "step")
                    .map(|(v, s)| self.number(v, s))
                    .transpose()?;
                let (start, stop) = match second {
                    Some(stop) => (first, stop),
                    None => (Scalar::Int(0), first),
                };
                let step = step.unwrap_or(Scalar::Int(1));
                let all_ints = [start, stop, step]
                    .iter()
                    .all(|s| matches!(s, Scalar::Int(_)));
                let default = if all_ints { DType::I64 } else { DType::F64 };
                let dtype = self.dtype_arg(call, usize::MAX, "dtype", default)?;
                let (start, stop, step) = (as_f64(start), as_f64(stop), as_f64(step));
                let len = ((stop - start) / step).ceil().max(1.0) as u64;
                let chunks = self.chunks_arg(call, &[len], dtype)?;
                create::arange(start, stop, step, chunks[0], dtype)
            }
            "linspace" => {
                let start = as_f64(self.number_arg(call, 0, "start")?);
                let stop = as_f64(self.number_arg(call, 1, "stop")?);
                let num = match self.optional(call, 2, "num") {
                    Some((v, s)) => u64::try_from(self.as_int(v, s)?)
                        .map_err(|_| self.error(s, "num must not be negative"))?,
                    None => 50,
                };
                let endpoint = match self.optional(call, 3, "endpoint") {
                    None => true,
                    Some((Value::Scalar(Scalar::Bool(b)), _)) => b,
                    Some((other, at)) => {
                        return Err(self.error(
                            at,
                            &format!("'endpoint' must be True or False, got {}", other.kind()),
                        ));
                    }
                };
                let dtype = self.dtype_arg(call, usize::MAX, "dtype", DType::F64)?;
                let chunks = self.chunks_arg(call, &[num.max(1)], dtype)?;
                create::linspace(start, stop, num, endpoint, chunks[0], dtype)
            }
            "eye" => {
                let n = self.size_arg(call, 0, "N")?;
                let m = self
                    .optional(call, 1, "M")
                    .filter(|(v, _)| !matches!(v, Value::None));
                let m = m
                    .map(|(v, s)| self.as_int(v, s).map(|m| m.max(0) as u64))
                    .transpose()?;
                let k = match self.optional(call, 2, "k") {
                    Some((v, s)) => self.as_int(v, s)?,
                    None => 0,
                };
                let dtype = self.dtype_arg(call, usize::MAX, "dtype", DType::F64)?;
                let chunks = self.chunks_arg(call, &[n, m.unwrap_or(n)], dtype)?;
                create::eye(n, m, k, &chunks, dtype)
            }
            "random.uniform" | "random.normal" | "random.integers" => {
                return self.random(call).map(Some);
            }
            _ => return Ok(None),
        };
        array.map(Some).map_err(self.at(span))
    }

    /// `random.uniform(low, high, shape=, chunks=, seed=, dtype=)` and its siblings.
    fn random(&self, call: &mut Arguments) -> Result<Array> {
        let span = call.call;
        let kind = call.name.clone();
        let (first, second, default_dtype) = match kind.as_str() {
            "random.uniform" => (("low", 0.0), ("high", 1.0), DType::F64),
            "random.normal" => (("loc", 0.0), ("scale", 1.0), DType::F64),
            _ => (("low", 0.0), ("high", f64::NAN), DType::I64),
        };
        let a = self
            .optional(call, 0, first.0)
            .map(|(v, s)| self.number(v, s))
            .transpose()?;
        let b = self
            .optional(call, 1, second.0)
            .map(|(v, s)| self.number(v, s))
            .transpose()?;
        let shape = match self
            .optional(call, 2, "shape")
            .or_else(|| self.optional(call, usize::MAX, "size"))
        {
            Some((v, s)) => self.shape_of(v, s)?,
            None => return Err(self.error(span, &format!("{kind}() needs shape=(...)"))),
        };
        let dtype = self.dtype_arg(call, usize::MAX, "dtype", default_dtype)?;
        let chunks = self.chunks_arg(call, &shape, dtype)?;
        let seed = match self.optional(call, usize::MAX, "seed") {
            Some((v, s)) => u64::try_from(self.as_int(v, s)?)
                .map_err(|_| self.error(s, "seed must not be negative"))?,
            None => 0,
        };
        let (a, b) = (a.map_or(first.1, as_f64), b.map(as_f64).unwrap_or(second.1));
        match kind.as_str() {
            "random.uniform" => create::random_uniform(&shape, &chunks, a, b, seed, dtype),
            "random.normal" => create::random_normal(&shape, &chunks, a, b, seed, dtype),
            _ if b.is_nan() => return Err(self.error(span, "random.integers() needs high")),
            _ => create::random_integers(&shape, &chunks, a as i64, b as i64, seed, dtype),
        }
        .map_err(self.at(span))
    }

    /// `concatenate([a, b], axis=1)`, `squeeze(a)`, `flip(a, 0)`, ...
    fn shape_function(&self, call: &mut Arguments) -> Result<Option<Array>> {
        let span = call.call;
        let name = call.name.clone();
        let array = match name.as_str() {
            "concatenate" | "stack" => {
                let (value, at) = self.required(call, 0, "arrays")?;
                let Value::Tuple(items) = value else {
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
                if name == "stack" {
                    crate::ops::concatenate::stack(&arrays, axis)
                } else {
                    crate::ops::concatenate::concatenate(&arrays, axis)
                }
            }
            "squeeze" | "flip" => {
                let a = self.array_arg(call, 0, "a")?;
                let axes = self.axes_arg(call)?;
                if name == "squeeze" {
                    a.squeeze(axes.as_deref())
                } else {
                    a.flip(axes.as_deref())
                }
            }
            "expand_dims" => {
                let a = self.array_arg(call, 0, "a")?;
                let (v, s) = self.required(call, 1, "axis")?;
                a.expand_dims(self.as_int(v, s)?)
            }
            "swapaxes" | "moveaxis" => {
                let a = self.array_arg(call, 0, "a")?;
                let (x, xs) = self.required(
                    call,
                    1,
                    if name == "swapaxes" {
                        "axis1"
                    } else {
                        "source"
                    },
                )?;
                let (y, ys) = self.required(
                    call,
                    2,
                    if name == "swapaxes" {
                        "axis2"
                    } else {
                        "destination"
                    },
                )?;
                let (x, y) = (self.as_int(x, xs)?, self.as_int(y, ys)?);
                if name == "swapaxes" {
                    a.swapaxes(x, y)
                } else {
                    a.moveaxis(x, y)
                }
            }
            "cumsum" | "cumprod" => {
                let a = self.array_arg(call, 0, "a")?;
                let axis = match self.optional(call, 1, "axis") {
                    Some((v, s)) if !matches!(v, Value::None) => self.as_int(v, s)?,
                    _ if a.ndim() == 1 => 0,
                    _ => return Err(self.error(span, &format!("{name}() needs axis= for an array of {} axes (flattening is not supported)", a.ndim()))),
                };
                if name == "cumsum" {
                    a.cumsum(axis)
                } else {
                    a.cumprod(axis)
                }
            }
            "broadcast_to" => {
                let a = self.array_arg(call, 0, "array")?;
                let shape = self.shape_arg(call, 1, "shape")?;
                a.broadcast_to(&shape)
            }
            "reshape" => {
                let a = self.array_arg(call, 0, "a")?;
                let (value, at) = self.required(call, 1, "shape")?;
                let shape = self.int_list(value, at)?;
                a.reshape(&shape)
            }
            "ravel" | "flatten" => self.array_arg(call, 0, "a")?.ravel(),
            "block" => {
                let (value, at) = self.required(call, 0, "arrays")?;
                crate::ops::concatenate::block(&self.blocks(value, at)?)
            }
            "take" => {
                let a = self.array_arg(call, 0, "a")?;
                let (value, at) = self.required(call, 1, "indices")?;
                let indices = self.int_list(value, at)?;
                match self.optional(call, 2, "axis") {
                    None | Some((Value::None, _)) => {
                        a.ravel().and_then(|flat| flat.take(&indices, 0))
                    }
                    Some((v, s)) => a.take(&indices, self.as_int(v, s)?),
                }
            }
            "extract" => {
                let condition = self.array_arg(call, 0, "condition")?;
                self.masked(&self.array_arg(call, 1, "arr")?, &condition)
            }
            _ => return Ok(None),
        };
        array.map(Some).map_err(self.at(span))
    }

    /// `array[mask]`, counting the mask in the lowering's context.
    fn masked(&self, array: &Array, mask: &Array) -> Result<Array> {
        match self.ctx {
            Some(ctx) => array.mask(mask, ctx),
            None => array.mask(mask, &Context::new()?),
        }
    }

    /// The nested lists of `block([[a, b], [c, d]])`.
    fn blocks(&self, value: Value, at: Span) -> Result<crate::ops::concatenate::Blocks> {
        match value {
            Value::Array(a) => Ok(crate::ops::concatenate::Blocks::Array(a)),
            Value::Tuple(items) => Ok(crate::ops::concatenate::Blocks::List(
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

    fn int_or(
        &self,
        call: &mut Arguments,
        position: usize,
        name: &str,
        default: i64,
    ) -> Result<i64> {
        match self.optional(call, position, name) {
            Some((v, s)) => self.as_int(v, s),
            None => Ok(default),
        }
    }

    fn number(&self, value: Value, at: Span) -> Result<Scalar> {
        match value {
            Value::Scalar(s) => Ok(s),
            other => Err(self.error(at, &format!("expected a number, got {}", other.kind()))),
        }
    }

    fn number_arg(&self, call: &mut Arguments, position: usize, name: &str) -> Result<Scalar> {
        let (value, at) = self.required(call, position, name)?;
        self.number(value, at)
    }

    fn size_arg(&self, call: &mut Arguments, position: usize, name: &str) -> Result<u64> {
        let (value, at) = self.required(call, position, name)?;
        u64::try_from(self.as_int(value, at)?)
            .map_err(|_| self.error(at, &format!("{name} must not be negative")))
    }

    /// A shape: an integer or a tuple of non-negative integers.
    fn shape_of(&self, value: Value, at: Span) -> Result<Vec<u64>> {
        self.int_list(value, at)?
            .into_iter()
            .map(|n| {
                u64::try_from(n).map_err(|_| self.error(at, "shape lengths must not be negative"))
            })
            .collect()
    }

    fn shape_arg(&self, call: &mut Arguments, position: usize, name: &str) -> Result<Vec<u64>> {
        let (value, at) = self.required(call, position, name)?;
        self.shape_of(value, at)
    }

    fn dtype_arg(
        &self,
        call: &mut Arguments,
        position: usize,
        name: &str,
        default: DType,
    ) -> Result<DType> {
        match self.optional(call, position, name) {
            None | Some((Value::None, _)) => Ok(default),
            Some((Value::DType(dtype), _)) => Ok(dtype),
            Some((other, at)) => Err(self.error(
                at,
                &format!("expected a dtype such as float32, got {}", other.kind()),
            )),
        }
    }

    /// `chunks=(..)`, or chunks of about `EVAL_CHUNK_BYTES` when absent.
    fn chunks_arg(&self, call: &mut Arguments, shape: &[u64], dtype: DType) -> Result<Vec<u64>> {
        match self.optional(call, usize::MAX, "chunks") {
            None | Some((Value::None, _)) => {
                Ok(create::auto_chunks(shape, dtype, EVAL_CHUNK_BYTES))
            }
            Some((value, at)) => {
                let chunks = self.shape_of(value, at)?;
                if chunks.len() == 1 && shape.len() > 1 {
                    return Ok(vec![chunks[0]; shape.len()]);
                }
                Ok(chunks)
            }
        }
    }

    /// Takes the argument at `position` or named `name`.
    fn optional(&self, call: &mut Arguments, position: usize, name: &str) -> Option<(Value, Span)> {
        if let Some(i) = call.keyword.iter().position(|(k, _, _)| k == name) {
            let (_, value, span) = call.keyword.remove(i);
            return Some((value, span));
        }
        if position < call.positional.len() {
            let slot = std::mem::replace(&mut call.positional[position], (Value::None, call.call));
            return Some(slot);
        }
        None
    }

    fn required(&self, call: &mut Arguments, position: usize, name: &str) -> Result<(Value, Span)> {
        self.optional(call, position, name).ok_or_else(|| {
            self.error(
                call.call,
                &format!("{}() is missing its argument '{name}'", call.name),
            )
        })
    }

    fn array_arg(&self, call: &mut Arguments, position: usize, name: &str) -> Result<Array> {
        match self.required(call, position, name)? {
            (Value::Array(a), _) => Ok(a),
            (other, at) => Err(self.error(
                at,
                &format!("'{name}' must be an array, got {}", other.kind()),
            )),
        }
    }

    fn operand_arg(
        &self,
        call: &mut Arguments,
        position: usize,
        name: &str,
    ) -> Result<crate::ops::elementwise::Operand> {
        match self.required(call, position, name)? {
            (Value::Array(a), _) => Ok(crate::ops::elementwise::Operand::Array(a)),
            (Value::Scalar(s), _) => Ok(crate::ops::elementwise::Operand::Scalar(s)),
            (other, at) => Err(self.error(
                at,
                &format!(
                    "'{name}' must be an array or a number, got {}",
                    other.kind()
                ),
            )),
        }
    }

    fn axes_arg(&self, call: &mut Arguments) -> Result<Option<Vec<i64>>> {
        match self.optional(call, 1, "axis") {
            None | Some((Value::None, _)) => Ok(None),
            Some((value, at)) => self.int_list(value, at).map(Some),
        }
    }

    fn bool_arg(&self, call: &mut Arguments, name: &str) -> Result<bool> {
        match self.optional(call, usize::MAX, name) {
            None => Ok(false),
            Some((Value::Scalar(Scalar::Bool(b)), _)) => Ok(b),
            Some((other, at)) => Err(self.error(
                at,
                &format!("'{name}' must be True or False, got {}", other.kind()),
            )),
        }
    }

    fn as_int(&self, value: Value, at: Span) -> Result<i64> {
        match value {
            Value::Scalar(Scalar::Int(i)) => Ok(i),
            other => Err(self.error(at, &format!("expected an integer, got {}", other.kind()))),
        }
    }

    /// A string argument (`boundary='reflect'`).
    fn as_str(&self, value: Value, at: Span) -> Result<String> {
        match value {
            Value::Str(text) => Ok(text),
            other => Err(self.error(at, &format!("expected a string, got {}", other.kind()))),
        }
    }

    /// An integer or a tuple/list of integers.
    fn int_list(&self, value: Value, at: Span) -> Result<Vec<i64>> {
        match value {
            Value::Tuple(items) => items.into_iter().map(|v| self.as_int(v, at)).collect(),
            other => Ok(vec![self.as_int(other, at)?]),
        }
    }

    /// Fails on arguments nobody took.
    fn no_more(&self, call: &Arguments) -> Result<()> {
        if let Some((name, _, span)) = call.keyword.first() {
            return Err(self.error(
                *span,
                &format!("{}() got an unexpected argument '{name}'", call.name),
            ));
        }
        let taken = |v: &Value| matches!(v, Value::None);
        if let Some((_, span)) = call.positional.iter().find(|(v, _)| !taken(v)) {
            return Err(self.error(*span, &format!("{}() got too many arguments", call.name)));
        }
        Ok(())
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

mod overlap;

#[cfg(test)]
mod tests;
