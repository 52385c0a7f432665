//! Running a graph: `compute` into memory and `store` into a file, both planned first
//! (`plan`) and executed chunk by chunk under the budget (`exec`).

use std::sync::Mutex;

use crate::address::Address;
use crate::chunk::Chunk;
use crate::context::Context;
use crate::convert::{self, ConvertReport};
use crate::error::{Error, Result};
use crate::exec::{ProgressFn, run_admitted};
use crate::graph::{Array, Evaluator, region_cost};
use crate::grid::{ChunkGrid, Region};
use crate::ops::source::sources_of;
use crate::plan::Plan;
use crate::store::Origin;
use crate::store::memory::MemorySource;
use crate::store::{self, ArrayMeta, ChunkSource, WriteOptions};

/// A stored result of at most this share of the budget (a divisor) is computed in
/// memory, then written.
const SMALL_RESULT_SHARE: u64 = 16;

impl Array {
    /// Plans computing this array in `ctx` (refused when a task cannot fit).
    pub fn plan(&self, ctx: &Context) -> Result<Plan> {
        Plan::new(ctx, self)
    }

    /// Computes the array into memory. The result's bytes count against the budget
    /// while it is assembled; a result too large for the budget is refused (write it
    /// with `store` instead).
    pub fn compute(&self, ctx: &Context) -> Result<Chunk> {
        self.compute_with_progress(ctx, None)
    }

    /// Computes the array into an ndarray of `T` (which must be its dtype).
    pub fn compute_ndarray<T: crate::dtype::Element>(
        &self,
        ctx: &Context,
    ) -> Result<ndarray::ArrayD<T>> {
        self.compute(ctx)?.to_ndarray::<T>()
    }

    /// Computes the array into a flat `Vec<T>` in C order (`T` must be its dtype).
    ///
    /// # Errors
    /// As [`Array::compute`], and a `T` that is not the array's dtype.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1i32, 2], [3, 4]].view(), &[1, 2])?;
    /// assert_eq!(a.t()?.compute_vec::<i32>(&ctx)?, vec![1, 3, 2, 4]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn compute_vec<T: crate::dtype::Element>(&self, ctx: &Context) -> Result<Vec<T>> {
        Ok(self.compute_ndarray::<T>(ctx)?.iter().copied().collect())
    }

    /// `compute`, reporting (tasks done, tasks in all).
    pub fn compute_with_progress(
        &self,
        ctx: &Context,
        progress: Option<&ProgressFn>,
    ) -> Result<Chunk> {
        let result_bytes = self.len() * self.dtype().size() as u64;
        // Not `reserve`: nothing this thread waits for would free memory (the cache
        // keeps its share), so a result that does not fit now never will.
        let _result = ctx
            .budget()
            .try_reserve(result_bytes)
            .ok_or_else(|| Error::OverBudget {
                op: format!(
                    "computing a {:?} {} result in memory",
                    self.shape(),
                    self.dtype()
                ),
                needed: result_bytes,
                budget: ctx.memory_limit() - ctx.budget().used(),
                hint: "write it to a file instead (store / --out)".into(),
            })?;
        let plan = Plan::new(ctx, self)?;
        let grid = ChunkGrid::new(self.shape(), &plan.task_chunk)?;
        let out = Mutex::new(Chunk::zeros(self.dtype(), self.shape()));
        let whole = Region::whole(self.shape());
        let evaluator = Evaluator::new(ctx, plan.batch);
        run_admitted(
            ctx,
            "compute task",
            plan.tasks,
            plan.task_bytes,
            progress,
            |linear| {
                let region = grid.chunk_region(&grid.unravel(linear));
                let values = evaluator.region(self, &region)?;
                let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
                values.copy_overlap_into(&region, &mut out, &whole);
                Ok(())
            },
        )?;
        Ok(out.into_inner().unwrap_or_else(|p| p.into_inner()))
    }

    /// Computes the array chunk by chunk into a new array at `address`, rechunked to
    /// `options.chunks` (empty: this array's chunks), within the budget.
    pub fn store(
        &self,
        ctx: &Context,
        address: &Address,
        options: &WriteOptions,
        progress: Option<&ProgressFn>,
    ) -> Result<ConvertReport> {
        let result_bytes = self.len() * self.dtype().size() as u64;
        if result_bytes <= ctx.memory_limit() / SMALL_RESULT_SHARE {
            // Computed in parallel tasks and written from memory: streamed, a target
            // chunk covering many result chunks would evaluate them one after another.
            let values = self.compute_with_progress(ctx, progress)?;
            let _held = ctx.budget().try_reserve(result_bytes);
            let source = MemorySource::new(values, self.chunks())?
                .with_attributes(source_attributes(self))
                .with_input_paths(input_paths_of(self));
            return convert::write_source(ctx, &source, address, options, None);
        }
        let plan = Plan::new(ctx, self)?;
        let source = BoundArray::new(self, ctx, plan.batch);
        convert::write_source(ctx, &source, address, options, progress)
    }
}

/// An array bound to a context, served as a `ChunkSource` (so that `convert` can
/// stream it into any store with any chunking).
pub(crate) struct BoundArray<'a> {
    array: &'a Array,
    evaluator: Evaluator<'a>,
    meta: ArrayMeta,
    /// What made the values, for messages.
    name: String,
    read_cost: u64,
}

impl<'a> BoundArray<'a> {
    /// Binds `array` to `ctx`, with streaming nodes working on `batch` pieces at once.
    pub(crate) fn new(array: &'a Array, ctx: &'a Context, batch: usize) -> BoundArray<'a> {
        let meta = ArrayMeta {
            shape: array.shape().to_vec(),
            chunks: array.chunks().iter().map(|c| (*c).max(1)).collect(),
            dtype: array.dtype(),
            fill_value: vec![0; array.dtype().size()],
            codec: "none".into(),
            layout: "computed".into(),
            attributes: source_attributes(array),
            stored_bytes: None,
        };
        let read_cost =
            region_cost(array, &meta.chunks, batch as u64).saturating_sub(meta.chunk_bytes());
        BoundArray {
            array,
            evaluator: Evaluator::new(ctx, batch),
            meta,
            name: "<expression>".to_string(),
            read_cost,
        }
    }
}

impl ChunkSource for BoundArray<'_> {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }

    fn origin(&self) -> Origin<'_> {
        Origin::Made(&self.name)
    }

    fn input_paths(&self) -> Vec<std::path::PathBuf> {
        input_paths_of(self.array)
    }

    fn read_chunk(&self, index: &[u64]) -> Result<Chunk> {
        let region = self.meta.grid()?.chunk_region(index);
        self.evaluator.region(self.array, &region)
    }

    fn read_region(&self, region: &Region) -> Result<Chunk> {
        store::check_region(&self.meta, region, self.origin())?;
        self.evaluator.region(self.array, region)
    }

    fn read_cost(&self) -> u64 {
        self.read_cost
    }
}

/// Attributes carried to a stored result: those of a bare source, none otherwise.
fn source_attributes(array: &Array) -> serde_json::Map<String, serde_json::Value> {
    match array.source() {
        Some(source) => source.meta().attributes.clone(),
        None => serde_json::Map::new(),
    }
}

/// The files and stores `array` reads: the input paths of its source nodes.
pub(crate) fn input_paths_of(array: &Array) -> Vec<std::path::PathBuf> {
    sources_of(array)
        .iter()
        .filter_map(|node| node.source().map(|s| s.input_paths()))
        .flatten()
        .collect()
}
