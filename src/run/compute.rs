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
    /// Plans computing this array in `ctx`: the tasks, the memory each takes and how
    /// many run at once (dask's `visualize`, as numbers). Nothing is read or
    /// computed. [`Plan::explain`] gives it as text.
    ///
    /// # Errors
    /// [`Error::OverBudget`] when one task (one result chunk) can never fit in the
    /// budget's free memory, with a chunk shape that would; a graph with a node of more
    /// chunks than tessera plans (10^12).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::builder().memory(64 << 20).threads(2).build()?;
    /// let a = Array::from_ndarray(ndarray::Array2::<f64>::ones((4, 6)).view(), &[2, 3])?;
    /// let plan = a.sum_axis(0)?.plan(&ctx)?;
    /// assert_eq!((plan.tasks, plan.task_chunk.clone()), (2, vec![3]));
    /// assert!(plan.task_bytes > 0 && plan.peak_bytes <= ctx.memory_limit());
    ///
    /// // One chunk of 8 MiB can never fit a 1 MiB budget.
    /// let small = Context::builder().memory(1 << 20).threads(1).build()?;
    /// let big = Array::from_ndarray(ndarray::array![1.0].view(), &[1])?
    ///     .broadcast_to(&[1 << 20])?
    ///     .rechunk(&[1 << 20])?;
    /// assert!(matches!(big.plan(&small), Err(Error::OverBudget { .. })));
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn plan(&self, ctx: &Context) -> Result<Plan> {
        Plan::new(ctx, self)
    }

    /// Computes the array into memory, chunk by chunk and in parallel within the
    /// budget (dask's `compute`). The result's bytes count against the budget while it
    /// is assembled; a result too large for the budget is refused (write it with
    /// [`Array::store`] instead). [`Array::compute_vec`] and [`Array::compute_ndarray`]
    /// give typed values.
    ///
    /// # Errors
    /// [`Error::OverBudget`] when the result does not fit in the budget's free memory,
    /// or when the plan is refused (see [`Array::plan`]); any error reading an input
    /// (I/O, a corrupt chunk) or from a [`map_blocks`](Array::map_blocks) function.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1i16, 2], [3, 4]].view(), &[1, 1])?;
    /// let chunk = (&a * 10i64)?.compute(&ctx)?;
    /// assert_eq!((chunk.shape(), chunk.dtype()), (&[2, 2][..], DType::I16));
    /// assert_eq!(chunk.as_slice::<i16>(), Some(&[10, 20, 30, 40][..]));
    ///
    /// // 8 MiB of results do not fit a 1 MiB budget.
    /// let small = Context::builder().memory(1 << 20).build()?;
    /// let big = Array::from_ndarray(ndarray::array![1.0].view(), &[1])?.broadcast_to(&[1 << 20])?;
    /// assert!(matches!(big.compute(&small), Err(Error::OverBudget { .. })));
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn compute(&self, ctx: &Context) -> Result<Chunk> {
        self.compute_with_progress(ctx, None)
    }

    /// Computes the array into an ndarray of `T` (which must be its dtype), of the
    /// array's shape.
    ///
    /// # Errors
    /// As [`Array::compute`], and a `T` that is not the array's dtype.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].view(), &[1, 2])?;
    /// let t = a.t()?.compute_ndarray::<f64>(&ctx)?;
    /// assert_eq!(t, ndarray::array![[1.0, 3.0], [2.0, 4.0]].into_dyn());
    /// assert!(a.compute_ndarray::<f32>(&ctx).is_err()); // a is float64
    /// # Ok::<(), tessera::Error>(())
    /// ```
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

    /// [`Array::compute`], calling `progress` with (tasks done, tasks in all) as each
    /// task ends. `progress` may be called from several threads at once; it may borrow
    /// the caller's state.
    ///
    /// # Errors
    /// As [`Array::compute`].
    ///
    /// # Examples
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0, 4.0, 5.0].view(), &[2])?;
    /// let (calls, done) = (AtomicU64::new(0), AtomicU64::new(0));
    /// let progress = |finished: u64, total: u64| {
    ///     assert_eq!(total, 3); // one task per chunk
    ///     calls.fetch_add(1, Ordering::Relaxed);
    ///     done.fetch_max(finished, Ordering::Relaxed);
    /// };
    /// let chunk = (&a * 2.0)?.compute_with_progress(&ctx, Some(&progress))?;
    /// assert_eq!(chunk.as_slice::<f64>(), Some(&[2.0, 4.0, 6.0, 8.0, 10.0][..]));
    /// assert_eq!((calls.into_inner(), done.into_inner()), (3, 3));
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn compute_with_progress(
        &self,
        ctx: &Context,
        progress: Option<&ProgressFn<'_>>,
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
    /// `options.chunks` (empty: this array's chunks), within the budget (dask's
    /// `store` / `to_zarr` / `to_hdf5`). The target is written under a temporary name
    /// and appears at `address` only when complete; an existing target is replaced
    /// only with `options.overwrite`. `progress`, when given, is called with (tasks
    /// done, tasks in all). Small results are computed in memory first, then written.
    ///
    /// # Errors
    /// A target that exists without `options.overwrite` (or with it, one that holds
    /// anything but one array); a target that is, contains or lies inside an input of
    /// this array; `options` whose chunks or shard do not fit the array's shape; a
    /// filesystem without room for the output; any error of [`Array::compute`] or of
    /// writing the file.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// use tessera::store::WriteOptions;
    /// let ctx = Context::new()?;
    /// let dir = std::env::temp_dir().join(format!("tessera-doc-store-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("squares.npy").display().to_string();
    /// let address = tessera::Address::parse(&path)?;
    /// let mut options = WriteOptions::new(&[]);
    /// let a = Array::from_ndarray(ndarray::array![[1i64, 2], [3, 4]].view(), &[1, 2])?;
    /// (&a * &a)?.store(&ctx, &address, &options, None)?;
    /// assert_eq!(Array::open(&path)?.compute_vec::<i64>(&ctx)?, vec![1, 4, 9, 16]);
    ///
    /// // The target exists: refused unless overwrite is set.
    /// assert!(a.store(&ctx, &address, &options, None).is_err());
    /// options.overwrite = true;
    /// a.store(&ctx, &address, &options, None)?;
    /// assert_eq!(Array::open(&path)?.compute_vec::<i64>(&ctx)?, vec![1, 2, 3, 4]);
    ///
    /// // Never over an input, even with overwrite.
    /// let b = Array::open(&path)?;
    /// assert!((&b + 1i64)?.store(&ctx, &address, &options, None).is_err());
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn store(
        &self,
        ctx: &Context,
        address: &Address,
        options: &WriteOptions,
        progress: Option<&ProgressFn<'_>>,
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
            dimension_names: source_dimension_names(array),
            stored_bytes: None,
            fill_marks_missing: false,
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
fn source_attributes(array: &Array) -> crate::store::Attributes {
    match array.source() {
        Some(source) => source.meta().attributes.clone(),
        None => crate::store::Attributes::new(),
    }
}

/// Axis names carried to a stored result: those of a bare source, none otherwise.
fn source_dimension_names(array: &Array) -> Option<Vec<Option<String>>> {
    array.source()?.meta().dimension_names.clone()
}

/// The files and stores `array` reads: the input paths of its source nodes.
pub(crate) fn input_paths_of(array: &Array) -> Vec<std::path::PathBuf> {
    sources_of(array)
        .iter()
        .filter_map(|node| node.source().map(|s| s.input_paths()))
        .flatten()
        .collect()
}
