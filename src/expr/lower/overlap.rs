//! Lowering of `map_overlap(a, 'mean', depth=1, boundary='reflect')`: a named window
//! function over every element's neighbourhood (see `crate::ops::overlap`).
//!
//! Arguments follow `dask.array.map_overlap`, with the array first (the function name
//! may also come first, as dask writes it): `depth` is an integer for every axis or a
//! tuple with one per axis; `boundary` is a name (`none`, the default, `reflect`,
//! `periodic`, `nearest`, `constant`) or a number, which means `constant` with that
//! value; `value=` gives the constant otherwise (0 when absent).

use super::{Arguments, Lowering, Value};
use crate::error::Result;
use crate::graph::Array;
use crate::kernels::promote::Scalar;
use crate::kernels::stencil::{WINDOW_FUNCTIONS, WindowOp};
use crate::ops::overlap::{BOUNDARIES, Boundary};

impl Lowering<'_> {
    /// `map_overlap(a, 'mean', depth=1, boundary='reflect')`.
    pub(super) fn map_overlap(&self, call: &mut Arguments) -> Result<Array> {
        let span = call.call;
        // dask's order, `map_overlap('mean', a, ...)`, is accepted too.
        if let [(Value::Str(_), _), (Value::Array(_), _), ..] = call.positional.as_slice() {
            call.positional.swap(0, 1);
        }
        let a = self.array_arg(call, 0, "array")?;
        let (name, name_at) = self.required(call, 1, "func")?;
        let name = self.as_str(name, name_at)?;
        let op = WindowOp::parse(&name).ok_or_else(|| {
            self.error(
                name_at,
                &format!("unknown window function '{name}' (valid: {WINDOW_FUNCTIONS})"),
            )
        })?;
        let depth = self.depth_arg(call, a.ndim())?;
        let boundary = self.boundary_arg(call)?;
        if let Some((value, at)) = self.optional(call, usize::MAX, "trim")
            && !matches!(value, Value::Scalar(Scalar::Bool(true)))
        {
            return Err(self.error(
                at,
                "named window functions always trim the halo: leave out trim or pass trim=True",
            ));
        }
        a.moving_window(op, &depth, boundary).map_err(self.at(span))
    }

    /// `depth=`: one non-negative integer for every axis, or a tuple of one per axis.
    fn depth_arg(&self, call: &mut Arguments, ndim: usize) -> Result<Vec<u64>> {
        let (value, at) = self.required(call, 2, "depth")?;
        let single = !matches!(value, Value::Tuple(_) | Value::List(_));
        let depth = self
            .int_list(value, at)?
            .into_iter()
            .map(|d| u64::try_from(d).map_err(|_| self.error(at, "depth must not be negative")))
            .collect::<Result<Vec<u64>>>()?;
        if single {
            return Ok(vec![depth[0]; ndim]);
        }
        if depth.len() != ndim {
            return Err(self.error(
                at,
                &format!(
                    "depth has {} entries for an array of {ndim} axes: give one per axis or a single integer",
                    depth.len()
                ),
            ));
        }
        Ok(depth)
    }

    /// `boundary=` (a name or a constant) and `value=`.
    fn boundary_arg(&self, call: &mut Arguments) -> Result<Boundary> {
        let value = self
            .optional(call, usize::MAX, "value")
            .map(|(v, at)| self.number(v, at).map(|n| (n, at)))
            .transpose()?;
        // The boundary, and whether a constant in it came from `value=`.
        let (boundary, by_name) = match self.optional(call, 3, "boundary") {
            None | Some((Value::None, _)) => (Boundary::None, true),
            Some((Value::Scalar(constant), _)) => (Boundary::Constant(constant), false),
            Some((Value::Str(name), at)) => {
                let boundary = Boundary::parse(&name, value.map(|(v, _)| v)).ok_or_else(|| {
                    self.error(
                        at,
                        &format!("unknown boundary '{name}' (valid: {BOUNDARIES})"),
                    )
                })?;
                (boundary, true)
            }
            Some((other, at)) => {
                return Err(self.error(
                    at,
                    &format!(
                        "boundary must be a name ({BOUNDARIES}) or a number, got {}",
                        other.kind()
                    ),
                ));
            }
        };
        let Some((_, value_at)) = value else {
            return Ok(boundary);
        };
        match boundary {
            Boundary::Constant(_) if by_name => Ok(boundary),
            Boundary::Constant(_) => Err(self.error(
                value_at,
                "the constant is given twice: use boundary=NUMBER or boundary='constant', value=NUMBER",
            )),
            other => Err(self.error(
                value_at,
                &format!(
                    "value= only goes with boundary='constant', not '{}'",
                    other.describe()
                ),
            )),
        }
    }
}
