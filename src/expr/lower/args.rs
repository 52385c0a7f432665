//! Argument helpers of the lowering: each takes one argument of a call by position or
//! by numpy's name (`optional`, `required`), checks its kind and converts it (arrays,
//! numbers, integers, shapes, dtypes, chunks, axes), with an error that points at the
//! argument's column. `no_more` refuses the arguments no function took.

use super::{Arguments, EVAL_CHUNK_BYTES, Lowering, Value};
use crate::create;
use crate::dtype::DType;
use crate::error::Result;
use crate::expr::ast::Span;
use crate::graph::Array;
use crate::kernels::promote::Scalar;

impl Lowering<'_> {
    pub(super) fn int_or(
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

    pub(super) fn number(&self, value: Value, at: Span) -> Result<Scalar> {
        match value {
            Value::Scalar(s) => Ok(s),
            other => Err(self.error(at, &format!("expected a number, got {}", other.kind()))),
        }
    }

    pub(super) fn number_arg(
        &self,
        call: &mut Arguments,
        position: usize,
        name: &str,
    ) -> Result<Scalar> {
        let (value, at) = self.required(call, position, name)?;
        self.number(value, at)
    }

    pub(super) fn size_arg(
        &self,
        call: &mut Arguments,
        position: usize,
        name: &str,
    ) -> Result<u64> {
        let (value, at) = self.required(call, position, name)?;
        u64::try_from(self.as_int(value, at)?)
            .map_err(|_| self.error(at, &format!("{name} must not be negative")))
    }

    /// A shape: an integer or a tuple of non-negative integers.
    pub(super) fn shape_of(&self, value: Value, at: Span) -> Result<Vec<u64>> {
        self.int_list(value, at)?
            .into_iter()
            .map(|n| {
                u64::try_from(n).map_err(|_| self.error(at, "shape lengths must not be negative"))
            })
            .collect()
    }

    pub(super) fn shape_arg(
        &self,
        call: &mut Arguments,
        position: usize,
        name: &str,
    ) -> Result<Vec<u64>> {
        let (value, at) = self.required(call, position, name)?;
        self.shape_of(value, at)
    }

    pub(super) fn dtype_arg(
        &self,
        call: &mut Arguments,
        position: usize,
        name: &str,
        default: DType,
    ) -> Result<DType> {
        Ok(self
            .optional_dtype(call, position, name)?
            .unwrap_or(default))
    }

    /// A dtype argument, `None` when absent or `None`.
    pub(super) fn optional_dtype(
        &self,
        call: &mut Arguments,
        position: usize,
        name: &str,
    ) -> Result<Option<DType>> {
        match self.optional(call, position, name) {
            None | Some((Value::None, _)) => Ok(None),
            Some((Value::DType(dtype), _)) => Ok(Some(dtype)),
            Some((Value::Str(name), at)) => DType::parse(&name)
                .map(Some)
                .ok_or_else(|| self.error(at, &format!("unknown dtype '{name}'"))),
            Some((other, at)) => Err(self.error(
                at,
                &format!("expected a dtype such as float32, got {}", other.kind()),
            )),
        }
    }

    /// `chunks=(..)`, or chunks of about `EVAL_CHUNK_BYTES` when absent.
    pub(super) fn chunks_arg(
        &self,
        call: &mut Arguments,
        shape: &[u64],
        dtype: DType,
    ) -> Result<Vec<u64>> {
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
    pub(super) fn optional(
        &self,
        call: &mut Arguments,
        position: usize,
        name: &str,
    ) -> Option<(Value, Span)> {
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

    pub(super) fn required(
        &self,
        call: &mut Arguments,
        position: usize,
        name: &str,
    ) -> Result<(Value, Span)> {
        self.optional(call, position, name).ok_or_else(|| {
            self.error(
                call.call,
                &format!("{}() is missing its argument '{name}'", call.name),
            )
        })
    }

    pub(super) fn array_arg(
        &self,
        call: &mut Arguments,
        position: usize,
        name: &str,
    ) -> Result<Array> {
        match self.required(call, position, name)? {
            (Value::Array(a), _) => Ok(a),
            (other, at) => Err(self.error(
                at,
                &format!("'{name}' must be an array, got {}", other.kind()),
            )),
        }
    }

    pub(super) fn operand_arg(
        &self,
        call: &mut Arguments,
        position: usize,
        name: &str,
    ) -> Result<crate::ops::elementwise::Operand> {
        match self.required(call, position, name)? {
            (Value::Array(a), _) => Ok(crate::ops::elementwise::Operand::Array(a)),
            (Value::Scalar(s), _) => Ok(crate::ops::elementwise::Operand::Scalar(s)),
            (Value::BigInt(i), at) => Err(self.error(at, &super::wide_integer(i))),
            (other, at) => Err(self.error(
                at,
                &format!(
                    "'{name}' must be an array or a number, got {}",
                    other.kind()
                ),
            )),
        }
    }

    pub(super) fn axes_arg(&self, call: &mut Arguments) -> Result<Option<Vec<i64>>> {
        match self.optional(call, 1, "axis") {
            None | Some((Value::None, _)) => Ok(None),
            Some((Value::List(_), at)) => Err(self.error(
                at,
                "axis must be an integer or a tuple of integers, not a list (numpy refuses a list too)",
            )),
            Some((value, at)) => self.int_list(value, at).map(Some),
        }
    }

    pub(super) fn bool_arg(&self, call: &mut Arguments, name: &str) -> Result<bool> {
        match self.optional(call, usize::MAX, name) {
            None => Ok(false),
            Some((Value::Scalar(Scalar::Bool(b)), _)) => Ok(b),
            Some((other, at)) => Err(self.error(
                at,
                &format!("'{name}' must be True or False, got {}", other.kind()),
            )),
        }
    }

    pub(super) fn as_int(&self, value: Value, at: Span) -> Result<i64> {
        match value {
            Value::Scalar(Scalar::Int(i)) => Ok(i),
            Value::BigInt(i) => Err(self.error(at, &super::wide_integer(i))),
            other => Err(self.error(at, &format!("expected an integer, got {}", other.kind()))),
        }
    }

    /// A string argument (`boundary='reflect'`).
    pub(super) fn as_str(&self, value: Value, at: Span) -> Result<String> {
        match value {
            Value::Str(text) => Ok(text),
            other => Err(self.error(at, &format!("expected a string, got {}", other.kind()))),
        }
    }

    /// An integer or a tuple/list of integers.
    pub(super) fn int_list(&self, value: Value, at: Span) -> Result<Vec<i64>> {
        match value {
            Value::Tuple(items) | Value::List(items) => {
                items.into_iter().map(|v| self.as_int(v, at)).collect()
            }
            other => Ok(vec![self.as_int(other, at)?]),
        }
    }

    /// Fails on arguments nobody took.
    pub(super) fn no_more(&self, call: &Arguments) -> Result<()> {
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
