//! Lowering of the creation functions: `zeros((100, 100))`, `ones(4, dtype=int32)`,
//! `full((3, 4), 7)`, `arange(10)`, `linspace(0, 1, 50)`, `eye(4, k=1)` and the seeded
//! `random.uniform/normal/integers(.., shape=(..), seed=)`. Without `chunks=`, chunks
//! are about `EVAL_CHUNK_BYTES`.

use super::{Arguments, Lowering, Value, as_f64};
use crate::create;
use crate::dtype::DType;
use crate::error::Result;
use crate::expr::registry::RandomKind;
use crate::graph::Array;
use crate::kernels::promote::{Scalar, scalar_default_dtype};

impl Lowering<'_> {
    /// `zeros(shape, dtype=, chunks=)` (and `empty`), or `ones` when `ones`.
    pub(super) fn filled(&self, call: &mut Arguments, ones: bool) -> Result<Array> {
        let shape = self.shape_arg(call, 0, "shape")?;
        let dtype = self.dtype_arg(call, usize::MAX, "dtype", DType::F64)?;
        let chunks = self.chunks_arg(call, &shape, dtype)?;
        if ones {
            create::ones(&shape, &chunks, dtype)
        } else {
            create::zeros(&shape, &chunks, dtype)
        }
        .map_err(self.at(call.call))
    }

    /// `full(shape, fill_value, dtype=, chunks=)`.
    pub(super) fn full(&self, call: &mut Arguments) -> Result<Array> {
        let shape = self.shape_arg(call, 0, "shape")?;
        let (value, at) = self.required(call, 1, "fill_value")?;
        let Value::Scalar(value) = value else {
            return Err(self.error(at, "fill_value must be a number"));
        };
        let dtype = self.dtype_arg(call, usize::MAX, "dtype", scalar_default_dtype(value))?;
        let chunks = self.chunks_arg(call, &shape, dtype)?;
        create::full(&shape, &chunks, value, dtype).map_err(self.at(call.call))
    }

    /// `arange(stop)`, `arange(start, stop, step)`.
    pub(super) fn arange(&self, call: &mut Arguments) -> Result<Array> {
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
        if dtype == DType::Bool {
            return Err(self.error(
                call.call,
                "arange with dtype=bool is not supported (numpy allows it only for at most 2 elements)",
            ));
        }
        let (start, stop, step) = (as_f64(start), as_f64(stop), as_f64(step));
        let len = ((stop - start) / step).ceil().max(1.0) as u64;
        let chunks = self.chunks_arg(call, &[len], dtype)?;
        create::arange(start, stop, step, chunks[0], dtype).map_err(self.at(call.call))
    }

    /// `linspace(start, stop, num=50, endpoint=True)`.
    pub(super) fn linspace(&self, call: &mut Arguments) -> Result<Array> {
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
        create::linspace(start, stop, num, endpoint, chunks[0], dtype).map_err(self.at(call.call))
    }

    /// `eye(N, M=None, k=0)`.
    pub(super) fn eye(&self, call: &mut Arguments) -> Result<Array> {
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
        create::eye(n, m, k, &chunks, dtype).map_err(self.at(call.call))
    }

    /// `random.uniform(low, high, shape=, chunks=, seed=, dtype=)` and its siblings.
    pub(super) fn random(&self, call: &mut Arguments, kind: RandomKind) -> Result<Array> {
        let span = call.call;
        let name = call.name.clone();
        let (first, second, default_dtype) = match kind {
            RandomKind::Uniform => (("low", 0.0), ("high", 1.0), DType::F64),
            RandomKind::Normal => (("loc", 0.0), ("scale", 1.0), DType::F64),
            RandomKind::Integers => (("low", 0.0), ("high", f64::NAN), DType::I64),
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
            None => return Err(self.error(span, &format!("{name}() needs shape=(...)"))),
        };
        let dtype = self.dtype_arg(call, usize::MAX, "dtype", default_dtype)?;
        let chunks = self.chunks_arg(call, &shape, dtype)?;
        let seed = match self.optional(call, usize::MAX, "seed") {
            Some((v, s)) => u64::try_from(self.as_int(v, s)?)
                .map_err(|_| self.error(s, "seed must not be negative"))?,
            None => 0,
        };
        let (a, b) = (a.map_or(first.1, as_f64), b.map(as_f64).unwrap_or(second.1));
        match kind {
            RandomKind::Uniform => create::random_uniform(&shape, &chunks, a, b, seed, dtype),
            RandomKind::Normal => create::random_normal(&shape, &chunks, a, b, seed, dtype),
            RandomKind::Integers if b.is_nan() => {
                return Err(self.error(span, &format!("{name}() needs high")));
            }
            RandomKind::Integers => {
                create::random_integers(&shape, &chunks, a as i64, b as i64, seed, dtype)
            }
        }
        .map_err(self.at(span))
    }
}
