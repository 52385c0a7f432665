//! Several outputs in one run, like dask's `dask.compute(x, y)` and
//! `da.store([a, b], [t1, t2])`: a chunk of an input the outputs share is read and
//! decoded once, not once per output, in the common cases.
//!
//! ```text
//!  outputs ──► Schedule ──┬─► ReductionPass   reductions of one input: each input chunk,
//!                         │                    read once, feeds every reduction's partials
//!                         ├─► ChunkGroup      same grid, common sources: one combined
//!                         │   (interleaved)    task per chunk evaluates all outputs, with
//!                         │                    a ChunkPin holding the shared chunks
//!                         └─► others          (store only) outputs whose task over a
//!                                              target chunk would not fit: written one
//!                                              after another by `convert`
//! ```
//!
//! Computed outputs run tasks over their own chunks; stored ones over the chunks their
//! targets write (an .npy target writes blocks of rows), so outputs share combined tasks
//! when they have one shape and one such grid. Every task reserves its projected bytes
//! before it runs (a combined task: all its outputs' tasks, their write buffers, and its
//! pin). Outputs that cannot share a pass (other chunkings, other shapes) run as groups
//! of one, interleaved with the rest so the chunk cache can catch shared reads. Within a
//! task a shared chunk is read once; a source chunk that straddles several tasks' regions
//! is read by each of them unless the cache keeps it. `explain_many` says which outputs
//! share a pass.
//!
//! `store_many` stages every target, runs everything, and renames the targets into
//! place only when all of them are complete: on an error nothing is committed and
//! existing files are kept.

mod pass;
mod reductions;
pub(crate) mod schedule;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::compute::BoundArray;
use crate::address::Address;
use crate::chunk::Chunk;
use crate::context::Context;
use crate::convert::{self, ConvertReport, Strategy};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::exec::ProgressFn;
use crate::graph::Array;
use crate::grid::Region;
use crate::plan::{Plan, task_chunk_shape};
use crate::store::memory::MemorySource;
use crate::store::{self, ChunkSink, ChunkSource, WriteOptions};

pub(crate) use schedule::Schedule;

/// Computes several arrays into memory in one run (dask's `dask.compute(x, y)`): a
/// chunk of an input they share is read and decoded once, not once per output, where
/// they share a pass (see [`explain_many`]). Every result's bytes count against the
/// budget while they are assembled. The results come in the order of `arrays`.
///
/// # Errors
/// [`Error::OverBudget`](crate::Error::OverBudget) when the results together do not fit
/// in the budget's free memory, or when an output's plan is refused (see
/// [`Array::plan`]); any error reading an input or from a
/// [`map_blocks`](Array::map_blocks) function.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].view(), &[1, 2])?;
/// let results = tessera::compute_many(&[a.sum()?, a.max()?, (&a * 2.0)?], &ctx)?;
/// assert_eq!(results[0].as_slice::<f64>(), Some(&[10.0][..]));
/// assert_eq!(results[1].as_slice::<f64>(), Some(&[4.0][..]));
/// assert_eq!(results[2].shape(), &[2, 2]);
/// assert_eq!(results[2].as_slice::<f64>(), Some(&[2.0, 4.0, 6.0, 8.0][..]));
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn compute_many(arrays: &[Array], ctx: &Context) -> Result<Vec<Chunk>> {
    compute_many_with_progress(arrays, ctx, None)
}

/// [`compute_many`] into ndarrays of `T` (which must be every output's dtype).
///
/// # Errors
/// As [`compute_many`], and an output whose dtype is not `T`.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![[1i64, 2], [3, 4]].view(), &[1, 2])?;
/// let [rows, cols] = &tessera::compute_many_ndarray::<i64>(&[a.sum_axis(1)?, a.sum_axis(0)?], &ctx)?[..]
/// else {
///     unreachable!()
/// };
/// assert_eq!(rows, &ndarray::array![3, 7].into_dyn());
/// assert_eq!(cols, &ndarray::array![4, 6].into_dyn());
/// assert!(tessera::compute_many_ndarray::<i64>(&[a.mean()?], &ctx).is_err()); // float64
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn compute_many_ndarray<T: Element>(
    arrays: &[Array],
    ctx: &Context,
) -> Result<Vec<ndarray::ArrayD<T>>> {
    compute_many(arrays, ctx)?
        .iter()
        .map(Chunk::to_ndarray::<T>)
        .collect()
}

/// [`compute_many`], calling `progress` with (chunk tasks done, in all) as each task
/// ends; reductions that share a read of their input are not counted as tasks.
/// `progress` may be called from several threads at once; it may borrow the caller's
/// state.
///
/// # Errors
/// As [`compute_many`].
///
/// # Examples
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0, 4.0].view(), &[2])?;
/// static DONE: AtomicU64 = AtomicU64::new(0);
/// static TOTAL: AtomicU64 = AtomicU64::new(0);
/// let progress = |finished: u64, total: u64| {
///     DONE.fetch_max(finished, Ordering::Relaxed);
///     TOTAL.store(total, Ordering::Relaxed);
/// };
/// let outputs = [(&a + 1.0)?, (&a * 3.0)?];
/// let results = tessera::compute_many_with_progress(&outputs, &ctx, Some(&progress))?;
/// assert_eq!(results[0].as_slice::<f64>(), Some(&[2.0, 3.0, 4.0, 5.0][..]));
/// assert_eq!(results[1].as_slice::<f64>(), Some(&[3.0, 6.0, 9.0, 12.0][..]));
/// let total = TOTAL.load(Ordering::Relaxed);
/// assert!(total > 0 && DONE.load(Ordering::Relaxed) == total);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn compute_many_with_progress(
    arrays: &[Array],
    ctx: &Context,
    progress: Option<&ProgressFn<'_>>,
) -> Result<Vec<Chunk>> {
    let _results = reserve_results(arrays, ctx)?;
    let schedule = Schedule::for_compute(ctx, arrays)?;
    let mut slots: Vec<Option<Chunk>> = vec![None; arrays.len()];
    for pass in &schedule.reductions {
        let (results, _pass) = reductions::run_pass(ctx, arrays, pass)?;
        for (&i, result) in pass.outputs.iter().zip(results) {
            slots[i] = Some(result);
        }
    }
    let outs: Vec<Mutex<Chunk>> = slots
        .into_iter()
        .zip(arrays)
        .map(|(slot, a)| Mutex::new(slot.unwrap_or_else(|| Chunk::zeros(a.dtype(), a.shape()))))
        .collect();
    pass::run_groups(
        ctx,
        arrays,
        &schedule.groups,
        progress,
        |output, _, region, values| {
            let mut out = outs[output].lock().unwrap_or_else(|p| p.into_inner());
            let whole = Region::whole(out.shape());
            values.copy_overlap_into(region, &mut out, &whole);
            Ok(())
        },
    )?;
    Ok(outs
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect())
}

/// Reserves the bytes of every result, refusing (not waiting) when they do not fit.
fn reserve_results(arrays: &[Array], ctx: &Context) -> Result<crate::memory::Reservation> {
    let bytes: u64 = arrays
        .iter()
        .map(|a| a.len() * a.dtype().size() as u64)
        .sum();
    ctx.budget()
        .try_reserve(bytes)
        .ok_or_else(|| Error::OverBudget {
            op: format!("computing {} results in memory", arrays.len()),
            needed: bytes,
            budget: ctx.memory_limit() - ctx.budget().used(),
            hint: "write the large ones to files instead (store_many / --out)".into(),
        })
}

/// Writes each array to its target (`options.chunks` empty: the array's own chunks),
/// in one run, within the budget (dask's `da.store([a, b], [t1, t2])`): a chunk of an
/// input the arrays share is read once where they share a pass. Several targets may
/// name arrays in one HDF5 file or Zarr store (`out.h5:/a`, `out.h5:/b`), new or
/// existing: they share its staging and appear together. Every target is staged and
/// renamed into place only when all are complete: on an error nothing is committed
/// and existing files are kept. `progress`, when given, is called with (tasks done,
/// tasks in all).
///
/// # Errors
/// Another number of targets than arrays; two targets naming one array (or one inside
/// another); an existing array without `overwrite`, or a .npy / whole-store target
/// that holds anything but the one array; a target that is, contains or lies inside an
/// input of any of the arrays; options whose chunks or
/// shard do not fit an array's shape; a plan refused (see [`Array::plan`]); any error
/// reading an input or writing a target.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// use tessera::store::WriteOptions;
/// use tessera::Address;
/// let ctx = Context::new()?;
/// let dir = std::env::temp_dir().join(format!("tessera-doc-store-many-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = |name: &str| dir.join(name).display().to_string();
/// let options = |overwrite| WriteOptions {
///     overwrite,
///     ..WriteOptions::new(&[])
/// };
/// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].view(), &[1, 2])?;
/// let targets = [
///     (Address::parse(&path("double.npy"))?, options(false)),
///     (Address::parse(&path("square.npy"))?, options(false)),
/// ];
/// let reports = tessera::store_many(&[(&a * 2.0)?, (&a * &a)?], &targets, &ctx, None)?;
/// assert_eq!(reports.len(), 2);
/// assert_eq!(Array::open(&path("double.npy"))?.compute_vec::<f64>(&ctx)?, vec![2.0, 4.0, 6.0, 8.0]);
/// assert_eq!(Array::open(&path("square.npy"))?.compute_vec::<f64>(&ctx)?, vec![1.0, 4.0, 9.0, 16.0]);
///
/// // One target per array, and no two the same array.
/// assert!(tessera::store_many(&[a.clone()], &targets, &ctx, None).is_err());
/// let same = [targets[0].clone(), targets[0].clone()];
/// assert!(tessera::store_many(&[a.clone(), a.clone()], &same, &ctx, None).is_err());
/// // An error commits nothing: square.npy exists, so neither target is written.
/// let retry = [(Address::parse(&path("new.npy"))?, options(false)), targets[1].clone()];
/// assert!(tessera::store_many(&[a.clone(), a.clone()], &retry, &ctx, None).is_err());
/// assert!(!dir.join("new.npy").exists());
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn store_many(
    arrays: &[Array],
    targets: &[(Address, WriteOptions)],
    ctx: &Context,
    progress: Option<&ProgressFn<'_>>,
) -> Result<Vec<ConvertReport>> {
    check_targets(arrays, targets)?;
    let plans = arrays
        .iter()
        .map(|a| Plan::new(ctx, a))
        .collect::<Result<Vec<_>>>()?;
    let bound: Vec<BoundArray> = arrays
        .iter()
        .zip(&plans)
        .map(|(a, p)| BoundArray::new(a, ctx, p.batch))
        .collect();
    // No target may be an input of any of the outputs: all are read before any commits.
    let inputs: Vec<std::path::PathBuf> = bound.iter().flat_map(|b| b.input_paths()).collect();
    let sinks = create_sinks(&bound, targets, &inputs)?;
    let units: Vec<Vec<u64>> = sinks
        .iter()
        .map(|sink| sink.meta().chunks.clone())
        .collect();
    let schedule = Schedule::for_store(ctx, arrays, &units, store::ENCODE_FACTOR)?;
    let mut reports: Vec<Option<ConvertReport>> = vec![None; arrays.len()];
    let scratch = |i: usize| convert::scratch_path_for(&targets[i].0.path);
    for pass in &schedule.reductions {
        let (results, _pass) = reductions::run_pass(ctx, arrays, pass)?;
        for (&i, result) in pass.outputs.iter().zip(results) {
            let source = MemorySource::new(result, &task_chunk_shape(&arrays[i]))?;
            let report = convert::copy(ctx, &source, sinks[i].as_ref(), &scratch(i), progress)?;
            reports[i] = Some(report);
        }
    }
    let written: Vec<AtomicU64> = arrays.iter().map(|_| AtomicU64::new(0)).collect();
    pass::run_groups(
        ctx,
        arrays,
        &schedule.groups,
        progress,
        |output, index, _, values| {
            sinks[output].write_chunk(index, &values)?;
            written[output].fetch_add(1, Ordering::Relaxed);
            Ok(())
        },
    )?;
    for group in &schedule.groups {
        for &i in &group.outputs {
            let chunks = written[i].load(Ordering::Relaxed);
            reports[i] = Some(ConvertReport {
                strategy: Strategy::Direct {
                    unit: group.grid.chunk_shape().to_vec(),
                },
                chunks_written: chunks,
                chunks_read: chunks,
                task_bytes: group.task_bytes,
            });
        }
    }
    for &i in &schedule.others {
        let report = convert::copy(ctx, &bound[i], sinks[i].as_ref(), &scratch(i), progress)?;
        reports[i] = Some(report);
    }
    // A run cancelled after its last task still commits nothing.
    ctx.check_cancelled()?;
    for sink in sinks {
        sink.commit()?;
    }
    reports
        .into_iter()
        .map(|r| r.ok_or_else(|| Error::internal("an output was not written")))
        .collect()
}

/// What [`compute_many`] would do, as text: which outputs share a pass, their tasks
/// and projected bytes, then each output's own plan ([`Plan::explain`]). Nothing is
/// computed.
///
/// # Errors
/// An output whose plan is refused (see [`Array::plan`]).
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].view(), &[1, 2])?;
/// let text = tessera::explain_many(&[(&a + 1.0)?, (&a * 2.0)?], &ctx)?;
/// assert!(text.starts_with("passes:\n  outputs 0, 1 share one pass"));
/// assert!(text.contains("output 1 alone:"));
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn explain_many(arrays: &[Array], ctx: &Context) -> Result<String> {
    let schedule = Schedule::for_compute(ctx, arrays)?;
    let mut text = schedule.explain(arrays);
    for (i, array) in arrays.iter().enumerate() {
        let plan = Plan::new(ctx, array)?.explain();
        text.push_str(&format!(
            "\noutput {i} alone:\n  {}",
            plan.replace('\n', "\n  ")
        ));
    }
    Ok(text)
}

/// The graphs of several arrays in graphviz's dot language, shared nodes drawn once
/// (see [`plan::to_dot`](crate::plan::to_dot) for one array).
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let a = Array::from_ndarray(ndarray::array![1.0, 2.0].view(), &[1])?;
/// let dot = tessera::to_dot_many(&[a.sum()?, a.max()?]);
/// assert!(dot.starts_with("digraph tessera {"));
/// // One source, shared, and the two reductions.
/// assert_eq!(dot.matches("[label=").count(), 3);
/// assert_eq!(dot.matches(" -> ").count(), 2);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn to_dot_many(arrays: &[Array]) -> String {
    let mut text = String::from("digraph tessera {\n  rankdir=BT;\n  node [shape=box];\n");
    let mut seen = std::collections::HashSet::new();
    for array in arrays {
        crate::plan::dot_node(array, &mut text, &mut seen);
    }
    text.push_str("}\n");
    text
}

/// One sink per target (arrays bound for one file or store share it), each laid out
/// with its source's chunks where the options give none.
fn create_sinks(
    sources: &[BoundArray],
    targets: &[(Address, WriteOptions)],
    inputs: &[std::path::PathBuf],
) -> Result<Vec<Box<dyn ChunkSink>>> {
    let options: Vec<WriteOptions> = sources
        .iter()
        .zip(targets)
        .map(|(source, (_, options))| {
            let mut options = options.clone();
            if options.chunks.is_empty() {
                options.chunks = source.meta().chunks.clone();
            }
            options
        })
        .collect();
    let wanted: Vec<store::output::Target<'_>> = sources
        .iter()
        .zip(targets)
        .zip(&options)
        .map(|((source, (address, _)), options)| store::output::Target {
            address,
            like: source.meta(),
            options,
        })
        .collect();
    store::output::create_many(&wanted, inputs)
}

/// One target per array; arrays may share a file or store but not an array path
/// (checked when the sinks are created).
fn check_targets(arrays: &[Array], targets: &[(Address, WriteOptions)]) -> Result<()> {
    if arrays.len() != targets.len() {
        return Err(Error::Invalid(format!(
            "{} arrays but {} targets: give one target per array",
            arrays.len(),
            targets.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
