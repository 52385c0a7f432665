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

use super::ast::{BinaryOp as AstBinary, Expr, Span, UnaryOp as AstUnary};
use super::registry::{self, Lower};
use crate::context::Context;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::graph::Array;
use crate::kernels::elementwise::{BinaryOp, UnaryOp};
use crate::kernels::promote::Scalar;
use crate::kernels::reduce::ReduceOp;
use literal::{Folded, Number};

mod args;
mod creation;
mod index;
pub use index::Subscript;
mod linalg;
mod literal;
mod overlap;
mod reduce;
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

/// A value met while lowering, and an argument of [`call`].
#[derive(Clone)]
pub enum Value {
    /// An array.
    Array(Array),
    /// A number or bool, weak as Python's literals are (NEP 50).
    Scalar(Scalar),
    /// An integer literal beyond 64 bits, such as `2**64` (Python's integers are
    /// unbounded; numpy takes one beside a float array).
    BigInt(i128),
    /// `(...)`.
    Tuple(Vec<Value>),
    /// `[...]`: numpy takes a list where it takes a tuple, except for `axis=`.
    List(Vec<Value>),
    /// A string (a dtype name is taken where a dtype is expected).
    Str(String),
    /// A dtype.
    DType(DType),
    /// `None`.
    None,
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Array(_) => "an array",
            Value::Scalar(_) | Value::BigInt(_) => "a number",
            Value::Tuple(_) => "a tuple",
            Value::List(_) => "a list",
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

/// Calls the registry's function `name` on values, as a program calls a numpy function:
/// `call("cumsum", vec![Value::Array(a)], vec![("axis".into(), Value::Scalar(..))], ..)`
/// is the expression `cumsum(a, axis=...)` with `a` bound. Arguments bind by numpy's
/// names or by position, as in an expression. Errors carry no column (there is no
/// source text), and errors of the array layer keep their kind.
pub fn call(
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
    ctx: Option<&Context>,
) -> Result<Array> {
    let span = Span::new(0, 0);
    let mut call = Arguments {
        positional: args.into_iter().map(|v| (v, span)).collect(),
        keyword: kwargs.into_iter().map(|(k, v)| (k, v, span)).collect(),
        call: span,
        name: name.to_string(),
    };
    direct(ctx, |lowering| {
        let result = lowering.function(&mut call)?;
        lowering.no_more(&call)?;
        Ok(result)
    })
}

/// `work` on a lowering for a program's direct call: no source text, no named inputs.
fn direct<T>(ctx: Option<&Context>, work: impl FnOnce(&Lowering<'_>) -> Result<T>) -> Result<T> {
    let inputs = BTreeMap::new();
    let lowering = Lowering {
        source: "",
        direct: true,
        inputs: &inputs,
        ctx,
    };
    work(&lowering)
}

/// `array[subscripts]` with numpy's basic and advanced indexing, as a program indexes an
/// array (see [`Subscript`]); integer arrays and masks used as indices are computed
/// first, in `ctx`. Errors carry no column.
pub fn index(array: &Array, subscripts: Vec<Subscript>, ctx: Option<&Context>) -> Result<Array> {
    direct(ctx, |lowering| lowering.subscripts(array, subscripts))
}

fn lower(source: &str, inputs: &BTreeMap<String, Array>, ctx: Option<&Context>) -> Result<Array> {
    let tree = super::parse(source)?;
    let lowering = Lowering {
        source,
        direct: false,
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
    /// A [`call`] from a program: errors say what is wrong without a column.
    direct: bool,
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
        if self.direct {
            return Error::Invalid(message.to_string());
        }
        Error::Invalid(super::error::one_line(self.source, span, message))
    }

    /// Attaches the column of `span` to an error from the array layer (in a direct
    /// [`call`], the error as it is).
    fn at(&self, span: Span) -> impl Fn(Error) -> Error + '_ {
        move |e| {
            if self.direct {
                e
            } else {
                self.error(span, &e.to_string())
            }
        }
    }

    fn value(&self, expr: &Expr) -> Result<Value> {
        match expr {
            Expr::Int { value, .. } => Ok(integer(*value)),
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
            Expr::Tuple { items, .. } => Ok(Value::Tuple(
                items.iter().map(|e| self.value(e)).collect::<Result<_>>()?,
            )),
            Expr::List { items, .. } => Ok(Value::List(
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
            (AstUnary::Pos, v @ (Value::Scalar(_) | Value::BigInt(_))) => Ok(v),
            (AstUnary::Neg, Value::Scalar(Scalar::Int(i))) => Ok(integer(-i128::from(i))),
            (AstUnary::Neg, Value::BigInt(i)) => Ok(integer(-i)),
            (AstUnary::Neg, Value::Scalar(Scalar::Bool(b))) => Ok(integer(-i128::from(b))),
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
        // numpy's `**` with the literal 2 is `square`, which gives int8 for bools
        // (`power(b, 2)`, the ufunc, gives int64).
        if let (AstBinary::Pow, Value::Array(x), Value::Scalar(Scalar::Int(2))) =
            (op, &left, &right)
            && x.dtype() == DType::Bool
        {
            return x
                .unary(UnaryOp::Square)
                .map(Value::Array)
                .map_err(self.at(span));
        }
        self.combine(kernel_binary(op), left, right, span)
    }

    /// `left op right` for arrays and numbers: numpy's ufunc with NEP 50 literals, or
    /// Python's arithmetic when both are numbers.
    fn combine(&self, op: BinaryOp, left: Value, right: Value, span: Span) -> Result<Value> {
        match (left, right) {
            (Value::Array(a), Value::Array(b)) => a.binary(op, &b),
            (Value::Array(a), Value::Scalar(s)) => {
                a.binary(op, crate::ops::elementwise::Operand::Scalar(s))
            }
            (Value::Scalar(s), Value::Array(b)) => b.rbinary(op, s),
            (Value::Array(a), Value::BigInt(i)) => self.big_literal(op, &a, i, false),
            (Value::BigInt(i), Value::Array(b)) => self.big_literal(op, &b, i, true),
            (
                x @ (Value::Scalar(_) | Value::BigInt(_)),
                y @ (Value::Scalar(_) | Value::BigInt(_)),
            ) => {
                let folded = literal::fold(op, number(&x), number(&y))
                    .map_err(|message| self.error(span, &message))?;
                return Ok(match folded {
                    Folded::Bool(b) => Value::Scalar(Scalar::Bool(b)),
                    Folded::Number(Number::Int(i)) => integer(i),
                    Folded::Number(Number::Float(f)) => Value::Scalar(Scalar::Float(f)),
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

    /// An array beside an integer beyond 64 bits: a float array takes it as a float (as
    /// numpy converts it), an integer or bool array cannot hold it (numpy's
    /// `OverflowError`), except in comparisons and logic, which numpy answers.
    fn big_literal(&self, op: BinaryOp, array: &Array, value: i128, left: bool) -> Result<Array> {
        use crate::ops::elementwise::literal::{checked_int, computes_in_float};
        if matches!(op, BinaryOp::And | BinaryOp::Or | BinaryOp::Xor) {
            // numpy converts a logical operand to a C long first, whatever the array.
            return Err(Error::Invalid(format!(
                "Python integer {value} out of bounds for int64 (numpy 2 raises OverflowError)"
            )));
        }
        if computes_in_float(op, array.dtype()) {
            let s = Scalar::Float(value as f64);
            return if left {
                array.rbinary(op, s)
            } else {
                array.binary(op, s)
            };
        }
        match checked_int(op, array, value, left)? {
            Some(constant) => Ok(constant),
            None => Err(Error::Invalid(format!(
                "the integer {value} does not fit in 64 bits; tessera takes such literals only beside float arrays"
            ))),
        }
    }

    fn attribute(&self, target: &Expr, name: &str, span: Span) -> Result<Value> {
        let value = self.value(target)?;
        self.attribute_of(value, name, span)
    }

    /// `.T`, `.shape`, `.ndim`, `.size` and `.dtype` of an array.
    fn attribute_of(&self, value: Value, name: &str, span: Span) -> Result<Value> {
        let int = |n: u64| {
            i64::try_from(n)
                .map(|n| Value::Scalar(Scalar::Int(n)))
                .map_err(|_| self.error(span, "the length does not fit in 64 bits"))
        };
        match (value, name) {
            (Value::Array(a), "T") => a.t().map(Value::Array).map_err(self.at(span)),
            (Value::Array(a), "shape") => Ok(Value::Tuple(
                a.shape().iter().map(|&n| int(n)).collect::<Result<_>>()?,
            )),
            (Value::Array(a), "ndim") => int(a.ndim() as u64),
            (Value::Array(a), "size") => int(a.shape().iter().product()),
            (Value::Array(a), "dtype") => Ok(Value::DType(a.dtype())),
            (Value::Array(_), _) => Err(self.error(
                span,
                &format!(
                    "unknown attribute '.{name}' (arrays have .T, .shape, .ndim, .size and .dtype, and methods such as .sum())"
                ),
            )),
            (other, _) => Err(self.error(
                span,
                &format!("{} has no attribute '.{name}'", other.kind()),
            )),
        }
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
        // `a.sum(axis=0)`, `a.T.sum()`: a method of an input or of its attributes.
        if registry::lookup(func).is_none()
            && let Some((object, method)) = func.rsplit_once('.')
        {
            let mut parts = object.split('.');
            let head = parts.next().unwrap_or(object);
            if self.inputs.contains_key(head) {
                let mut receiver = self.name(head, span)?;
                for attribute in parts {
                    receiver = self.attribute_of(receiver, attribute, span)?;
                }
                positional.push((receiver, span));
                name = method.to_string();
            }
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
            if self.direct {
                return Err(self.error(span, &unknown_function(&call.name)));
            }
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
            Lower::Ptp => self.ptp(call),
            Lower::Median { nan } => self.median(call, nan),
            Lower::Quantile { nan, percent } => self.quantile(call, nan, percent),
            Lower::Average => self.average(call),
            Lower::Unary(op) => self
                .array_arg(call, 0, "x")?
                .unary(op)
                .map_err(self.at(span)),
            Lower::Binary(op) => {
                let (a, _) = self.required(call, 0, "x1")?;
                let (b, _) = self.required(call, 1, "x2")?;
                match self.combine(op, a, b, span)? {
                    Value::Array(array) => Ok(array),
                    other => Err(self.error(
                        span,
                        &format!(
                            "{}() of two numbers gives {}, not an array",
                            call.name,
                            other.kind()
                        ),
                    )),
                }
            }
            Lower::Round => {
                let a = self.array_arg(call, 0, "a")?;
                let decimals = self.int_or(call, 1, "decimals", 0)?;
                let decimals = i32::try_from(decimals)
                    .map_err(|_| self.error(span, "round: decimals is out of range"))?;
                a.unary(UnaryOp::Round { decimals }).map_err(self.at(span))
            }
            Lower::Clip => self.clip(call),
            Lower::Where => {
                let cond = self.array_arg(call, 0, "condition")?;
                let x = self.operand_arg(call, 1, "x")?;
                let y = self.operand_arg(call, 2, "y")?;
                Array::where_(&cond, x, y).map_err(self.at(span))
            }
            Lower::Astype => {
                let a = self.array_arg(call, 0, "a")?;
                match self.optional_dtype(call, 1, "dtype")? {
                    Some(dtype) => a.astype(dtype).map_err(self.at(span)),
                    None => Err(self.error(span, "astype() needs a dtype such as float32")),
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
            Lower::Sort { arg } => self.sort(call, arg),
            Lower::Diff => self.diff(call),
            Lower::TensorDot => self.tensordot(call),
            Lower::Einsum => self.einsum(call),
            Lower::Outer => self.outer(call),
            Lower::Diagonal => self.diagonal(call, false),
            Lower::Trace => self.diagonal(call, true),
            Lower::MapOverlap => self.map_overlap(call),
        }
    }

    /// `clip(a, a_min, a_max)`; either bound may be None.
    fn clip(&self, call: &mut Arguments) -> Result<Array> {
        let span = call.call;
        let a = self.array_arg(call, 0, "a")?;
        let mut bound = |position, name| match self.required(call, position, name)? {
            (Value::None, _) => Ok(None),
            (Value::Array(b), _) => Ok(Some(crate::ops::elementwise::Operand::Array(b))),
            (Value::Scalar(s), _) => Ok(Some(crate::ops::elementwise::Operand::Scalar(s))),
            (Value::BigInt(i), at) => Err(self.error(at, &wide_integer(i))),
            (other, at) => Err(self.error(
                at,
                &format!(
                    "'{name}' must be an array, a number or None, got {}",
                    other.kind()
                ),
            )),
        };
        let lo = bound(1, "a_min")?;
        let hi = bound(2, "a_max")?;
        use crate::ops::elementwise::literal::{clip_bound, clip_dtype};
        let dtype = clip_dtype(a.dtype(), [lo.as_ref(), hi.as_ref()]);
        // numpy 2 checks integer literals against the array's own dtype.
        let own = a.dtype();
        if let (Some(lo), Some(hi)) = (&lo, &hi) {
            return a.clip(lo.clone(), hi.clone()).map_err(self.at(span));
        }
        let a = a.astype(dtype).map_err(self.at(span))?;
        match (lo, hi) {
            (Some(_), Some(_)) => Err(Error::internal("clip: both bounds were handled above")),
            (Some(lo), None) => match clip_bound(own, lo, false) {
                Ok(Some(lo)) => a.binary(BinaryOp::Maximum, lo),
                Ok(None) => Ok(a),
                Err(e) => Err(e),
            },
            (None, Some(hi)) => match clip_bound(own, hi, true) {
                Ok(Some(hi)) => a.binary(BinaryOp::Minimum, hi),
                Ok(None) => Ok(a),
                Err(e) => Err(e),
            },
            // numpy 2 applies `positive` (refused for bools).
            (None, None) => a.unary(UnaryOp::Pos),
        }
        .map_err(self.at(span))
    }

    /// `sum(a, axis=None, dtype=None, keepdims=False)` and the other reductions (in
    /// `lower/reduce.rs`).
    fn reduction(&self, call: &mut Arguments, op: ReduceOp) -> Result<Array> {
        self.reduce_call(call, op)
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

/// The refusal of an integer beyond 64 bits where only operators take one.
fn wide_integer(i: i128) -> String {
    format!(
        "the integer {i} does not fit in 64 bits; tessera takes wider integers only in operators and ufuncs (a + 2**64)"
    )
}

/// A literal as a float.
fn as_f64(s: Scalar) -> f64 {
    Number::from(s).as_f64()
}

/// An integer as a value: a [`Scalar::Int`] when it fits 64 bits.
fn integer(i: i128) -> Value {
    match i64::try_from(i) {
        Ok(i) => Value::Scalar(Scalar::Int(i)),
        Err(_) => Value::BigInt(i),
    }
}

/// A number value (a literal or a folded integer) for folding; `x` is one.
fn number(x: &Value) -> Number {
    match x {
        Value::Scalar(s) => Number::from(*s),
        Value::BigInt(i) => Number::Int(*i),
        // invariant: only called on numbers.
        _ => Number::Float(f64::NAN),
    }
}

#[cfg(test)]
mod tests;
