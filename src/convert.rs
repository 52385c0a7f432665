//! Store-to-store copies with new chunks and compression, in bounded memory.
//!
//! A conversion is planned as one of two strategies, picked by what fits the budget:
//!
//! * **Direct.** The target array is cut into *units*: boxes of whole target chunks.
//!   Along each axis a unit spans `lcm(source chunk, target chunk)` when that fits, so
//!   each source chunk is decoded once and its pieces land in several target chunks;
//!   otherwise it spans one target chunk, and source chunks shared between units come
//!   from the chunk cache or are read again. A unit reads the source chunks it touches,
//!   assembles its target chunks and writes them. Units run in parallel, each admitted
//!   only when its reservation fits the budget.
//! * **Through an intermediate file** (pangeo's rechunker does the same with an
//!   intermediate store). When one target chunk needs more source data than the budget
//!   holds, e.g. row blocks to column blocks, phase 1 reads each source chunk once and
//!   writes its intersection with every target chunk (a *piece*) as one contiguous run
//!   into a scratch file laid out target chunk by target chunk; phase 2 reads each target
//!   chunk's pieces back with one positioned read, assembles the chunk and writes it.
//!   Both phases hold one chunk's worth per task, and the scratch file sits beside the
//!   target under a hidden name and is deleted afterwards.
//!
//! The output is staged by the sink and only renamed into place when complete.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::address::Address;
use crate::cache::next_source_id;
use crate::chunk::Chunk;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::exec::run_admitted;
use crate::grid::{ChunkGrid, Region, region_indices};
use crate::store::{self, ArrayMeta, ChunkSink, ChunkSource, WriteOptions};
use crate::text::format_bytes;

/// Most times the direct strategy may decode one source chunk before the intermediate
/// file (one decode per chunk, plus a write and a read of raw bytes) is cheaper.
const MAX_REREADS: u64 = 2;

pub use crate::exec::ProgressFn;

/// How a conversion was carried out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Source chunks copied straight into target chunks, with units of this shape.
    Direct { unit: Vec<u64> },
    /// Through a scratch file of this many bytes.
    Intermediate { scratch_bytes: u64 },
}

/// What a conversion did.
#[derive(Clone, Debug)]
pub struct ConvertReport {
    /// The plan that was run.
    pub strategy: Strategy,
    /// Target chunks written.
    pub chunks_written: u64,
    /// Source chunks decoded (cache misses included, hits not).
    pub chunks_read: u64,
    /// Largest reservation one task made.
    pub task_bytes: u64,
}

/// Copies the array at `src` into a new array at `dst`. `options.chunks` empty means
/// "keep the source's chunks".
pub fn convert(
    ctx: &Context,
    src: &Address,
    dst: &Address,
    options: &WriteOptions,
    progress: Option<&ProgressFn<'_>>,
) -> Result<ConvertReport> {
    refuse_same_path(&src.path, &dst.path)?;
    let source = store::open(src)?;
    write_source(ctx, source.as_ref(), dst, options, progress)
}

/// Streams any `ChunkSource` (a store, generated data, ...) into a new array at `dst`.
pub fn write_source(
    ctx: &Context,
    source: &dyn ChunkSource,
    dst: &Address,
    options: &WriteOptions,
    progress: Option<&ProgressFn<'_>>,
) -> Result<ConvertReport> {
    let mut options = options.clone();
    if options.chunks.is_empty() {
        options.chunks = source.meta().chunks.clone();
    }
    let sink = store::create(dst, source.meta(), &options, &source.input_paths())?;
    let report = copy(
        ctx,
        source,
        sink.as_ref(),
        &scratch_path_for(&dst.path),
        progress,
    )?;
    // A run cancelled after its last task still commits nothing.
    ctx.check_cancelled()?;
    sink.commit()?;
    Ok(report)
}

/// Copies every element of `source` into `sink`, rechunking on the way, within the
/// context's budget. `scratch` names the file used if the copy needs an intermediate.
pub fn copy(
    ctx: &Context,
    source: &dyn ChunkSource,
    sink: &dyn ChunkSink,
    scratch: &Path,
    progress: Option<&ProgressFn<'_>>,
) -> Result<ConvertReport> {
    if source.meta().shape != sink.meta().shape {
        return Err(Error::shape(
            source.origin().to_string(),
            format!(
                "shape {:?} cannot be written to an array of shape {:?}",
                source.meta().shape,
                sink.meta().shape
            ),
        ));
    }
    let plan = RechunkPlan::new(ctx, source, sink, scratch)?;
    plan.run(ctx, source, sink, progress)
}

fn refuse_same_path(src: &Path, dst: &Path) -> Result<()> {
    let same = match (src.canonicalize(), dst.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(Error::Invalid(format!(
            "{}: the target is the source; write to a new path",
            dst.display()
        )));
    }
    Ok(())
}

/// The chosen strategy and the numbers it was chosen on.
struct RechunkPlan {
    source_grid: ChunkGrid,
    target_grid: ChunkGrid,
    elem: u64,
    /// Bytes reading one source chunk holds beyond the chunk (`ChunkSource::read_cost`).
    read_cost: u64,
    /// The sink's peak for a chunk handed over, as a multiple of the chunk
    /// (`ChunkSink::owned_write_peak`).
    write_peak: u64,
    strategy: Strategy,
    scratch_path: PathBuf,
    task_bytes: u64,
}

impl RechunkPlan {
    fn new(
        ctx: &Context,
        source: &dyn ChunkSource,
        sink: &dyn ChunkSink,
        scratch: &Path,
    ) -> Result<RechunkPlan> {
        let read_cost = source.read_cost();
        let source = source.meta();
        let source_grid = source.grid()?;
        let target_grid = sink.meta().grid()?;
        let elem = source.dtype.size() as u64;
        let free = ctx.memory_limit() - ctx.budget().used();
        let mut plan = RechunkPlan {
            source_grid,
            target_grid,
            elem,
            read_cost,
            write_peak: sink.owned_write_peak(),
            strategy: Strategy::Intermediate { scratch_bytes: 0 },
            scratch_path: scratch.to_path_buf(),
            task_bytes: 0,
        };
        // The intermediate strategy is preferred for its parallelism over a direct unit
        // that runs one at a time only when the writes compress (an uncompressed write
        // gains nothing from it) and its scratch file fits on disk.
        let worth_scratch = sink.compresses()
            && crate::store::target::check_scratch_space(scratch, source.logical_bytes()).is_ok();
        let threads = if worth_scratch {
            ctx.threads().max(1) as u64
        } else {
            1
        };
        if let Some((unit, bytes)) = plan.direct_unit(free, threads) {
            plan.strategy = Strategy::Direct { unit };
            plan.task_bytes = bytes;
            return Ok(plan);
        }
        plan.task_bytes = plan.intermediate_task_bytes();
        if plan.task_bytes > free {
            return Err(plan.over_budget(free, source));
        }
        plan.strategy = Strategy::Intermediate {
            scratch_bytes: source.logical_bytes(),
        };
        Ok(plan)
    }

    /// The direct unit to use, if any, and its reservation. Units aligned to both grids
    /// (lcm) on as many axes as possible are preferred. A unit that fits but would make
    /// each source chunk be decoded more than `MAX_REREADS` times is taken only when the
    /// intermediate strategy does not fit either. A unit that fits only one at a time
    /// gives way to the intermediate strategy when that runs a task per thread: encoding
    /// dominates, and one unit at a time leaves every other core idle.
    fn direct_unit(&self, free: u64, threads: u64) -> Option<(Vec<u64>, u64)> {
        let shared = free / threads;
        let intermediate = self.intermediate_task_bytes();
        let fitting = self.fitting_units(free);
        let good = |limit: u64| {
            fitting
                .iter()
                .find(|(_, bytes, rereads)| *bytes <= limit && *rereads <= MAX_REREADS)
        };
        let chosen = match good(shared) {
            Some(unit) => Some(unit),
            None if threads > 1 && intermediate <= shared => None,
            None => good(free).or_else(|| fitting.first().filter(|_| intermediate > free)),
        };
        chosen.map(|(unit, bytes, _)| (unit.clone(), *bytes))
    }

    /// Every unit of at most `free` bytes, most aligned first, with its reservation and
    /// how many times it makes a source chunk be decoded.
    fn fitting_units(&self, free: u64) -> Vec<(Vec<u64>, u64, u64)> {
        let shape = self.target_grid.shape();
        let src = self.source_grid.chunk_shape();
        let tgt = self.target_grid.chunk_shape();
        let ndim = shape.len();
        let aligned: Vec<u64> = (0..ndim)
            // At least one target chunk: an empty axis still has a (positive) unit.
            .map(|d| lcm(src[d], tgt[d]).min(shape[d].div_ceil(tgt[d]).max(1) * tgt[d]))
            .collect();
        let mut choices: Vec<u32> = (0..1u32 << ndim.min(16)).collect();
        choices.sort_by_key(|mask| std::cmp::Reverse(mask.count_ones()));
        choices
            .into_iter()
            .filter_map(|mask| {
                let unit: Vec<u64> = (0..ndim)
                    .map(|d| {
                        if mask & (1 << d) != 0 {
                            aligned[d]
                        } else {
                            tgt[d]
                        }
                    })
                    .collect();
                let bytes = self.direct_unit_bytes(&unit);
                let rereads = self.rereads(&unit);
                (bytes <= free).then_some((unit, bytes, rereads))
            })
            .collect()
    }

    /// How many units touch one source chunk, at most: the number of times a source
    /// chunk is decoded when the cache cannot keep it between units.
    fn rereads(&self, unit: &[u64]) -> u64 {
        let src = self.source_grid.chunk_shape();
        let shape = self.source_grid.shape();
        (0..unit.len())
            .map(|d| {
                let (u, c) = (unit[d], src[d]);
                if u >= shape[d] || u % c == 0 {
                    1
                } else if c % u == 0 {
                    c / u
                } else {
                    c.div_ceil(u) + 1
                }
            })
            .product()
    }

    /// Reservation of a direct unit. Source chunks are used one at a time (those worth
    /// keeping sit in the cache, whose bytes are reserved apart), so a unit holds one
    /// decoded source chunk plus the decoder's working copy, the assembled unit (unless
    /// the unit is that chunk), and the write of each target chunk: a chunk cut from
    /// the unit is handed over to the sink (its owned-write peak), one that is the unit
    /// is lent (the encoder's buffers beyond it).
    fn direct_unit_bytes(&self, unit: &[u64]) -> u64 {
        let src = self.source_grid.chunk_shape();
        let tgt = self.target_grid.chunk_shape();
        let source_chunk: u64 = src.iter().product();
        let target_chunk: u64 = tgt.iter().product();
        // A unit that is one source chunk (or passes chunks through) is cut from that
        // chunk; any other is assembled into its own buffer.
        let assembled: u64 = if self.is_passthrough() || unit == src {
            0
        } else {
            unit.iter().product()
        };
        let write = if unit == tgt {
            self.write_peak.saturating_sub(1)
        } else {
            self.write_peak
        };
        // Saturating: chunks of up to 2^60 elements each must not wrap to a small sum.
        let elements = [source_chunk, assembled, write.saturating_mul(target_chunk)]
            .iter()
            .fold(0u64, |acc, n| acc.saturating_add(*n));
        self.read_cost
            .saturating_add(self.elem.saturating_mul(elements))
    }

    /// True when source and target share one grid, so chunks pass through unchanged.
    fn is_passthrough(&self) -> bool {
        self.source_grid.chunk_shape() == self.target_grid.chunk_shape()
    }

    /// Reservation of the larger intermediate-phase task. Phase 1 holds a decoded
    /// source chunk, its decoder's working copy and one piece; phase 2 holds a target
    /// chunk's pieces, one piece being placed and the chunk they assemble into, then
    /// hands the chunk over to the sink (its owned-write peak).
    fn intermediate_task_bytes(&self) -> u64 {
        let source_chunk: u64 = self.source_grid.chunk_shape().iter().product();
        let target_chunk: u64 = self.target_grid.chunk_shape().iter().product();
        let piece = source_chunk.min(target_chunk);
        let phase1 = self
            .read_cost
            .saturating_add(self.elem.saturating_mul(source_chunk.saturating_add(piece)));
        let assembly = target_chunk.saturating_mul(2).saturating_add(piece);
        let write = self.write_peak.saturating_mul(target_chunk);
        let phase2 = self.elem.saturating_mul(assembly.max(write));
        phase1.max(phase2)
    }

    fn over_budget(&self, free: u64, source: &ArrayMeta) -> Error {
        let src = self.source_grid.chunk_shape();
        let tgt = self.target_grid.chunk_shape();
        let per_element = self.elem.saturating_mul(self.write_peak.max(2) + 1);
        let fit = shrink_to_fit(tgt, per_element, free);
        Error::OverBudget {
            op: format!(
                "rechunking {:?} {} from chunks {src:?} to {tgt:?}",
                source.shape, source.dtype
            ),
            needed: self.intermediate_task_bytes(),
            budget: free,
            hint: format!(
                "source chunks of {} must be decoded whole; raise --memory, or write target chunks of at most {fit:?}",
                format_bytes(self.elem * src.iter().product::<u64>())
            ),
        }
    }

    fn run(
        &self,
        ctx: &Context,
        source: &dyn ChunkSource,
        sink: &dyn ChunkSink,
        progress: Option<&ProgressFn<'_>>,
    ) -> Result<ConvertReport> {
        let counters = Counters::default();
        match &self.strategy {
            Strategy::Direct { unit } => {
                self.run_direct(ctx, source, sink, unit, &counters, progress)?
            }
            Strategy::Intermediate { .. } => {
                self.run_intermediate(ctx, source, sink, &counters, progress)?
            }
        }
        Ok(ConvertReport {
            strategy: self.strategy.clone(),
            chunks_written: counters.written.load(Ordering::Relaxed),
            chunks_read: counters.read.load(Ordering::Relaxed),
            task_bytes: self.task_bytes,
        })
    }

    fn run_direct(
        &self,
        ctx: &Context,
        source: &dyn ChunkSource,
        sink: &dyn ChunkSink,
        unit: &[u64],
        counters: &Counters,
        progress: Option<&ProgressFn<'_>>,
    ) -> Result<()> {
        let unit_grid = ChunkGrid::new(self.target_grid.shape(), unit)?;
        let total = unit_grid.num_chunks();
        let source_id = next_source_id();
        run_admitted(
            ctx,
            "rechunk unit",
            total,
            self.task_bytes,
            progress,
            |linear| {
                let region = unit_grid.chunk_region(&unit_grid.unravel(linear));
                self.copy_unit(ctx, source, sink, source_id, &region, counters)
            },
        )
    }

    /// Reads the source chunks meeting `region` and writes the target chunks in it.
    fn copy_unit(
        &self,
        ctx: &Context,
        source: &dyn ChunkSource,
        sink: &dyn ChunkSink,
        source_id: u64,
        region: &Region,
        counters: &Counters,
    ) -> Result<()> {
        if self.is_passthrough() {
            let index = self.target_grid.chunks_touching(region).start;
            let chunk = source.read_chunk(&index)?;
            counters.read.fetch_add(1, Ordering::Relaxed);
            sink.write_chunk(&index, &chunk)?;
            counters.written.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        let touching = self.source_grid.chunks_touching(region);
        let load = |index: &[u64]| {
            let key = (source_id, self.source_grid.ravel(index));
            ctx.cache().get_or_load(key, || {
                counters.read.fetch_add(1, Ordering::Relaxed);
                source.read_chunk(index)
            })
        };
        if touching.len() == 1 && self.source_grid.chunk_region(&touching.start) == *region {
            // The unit is one source chunk: its target chunks are cut from it directly.
            let chunk = load(&touching.start)?;
            return self.write_targets(sink, &chunk, region, counters);
        }
        let meta = source.meta();
        let mut assembled = Chunk::filled(meta.dtype, &region.shape, &meta.fill_value);
        for index in region_indices(&touching) {
            ctx.check_cancelled()?;
            load(&index)?.copy_overlap_into(
                &self.source_grid.chunk_region(&index),
                &mut assembled,
                region,
            );
        }
        self.write_targets(sink, &assembled, region, counters)
    }

    /// Writes the target chunks inside `region` from `values`, which holds the region.
    fn write_targets(
        &self,
        sink: &dyn ChunkSink,
        values: &Chunk,
        region: &Region,
        counters: &Counters,
    ) -> Result<()> {
        let targets = self.target_grid.chunks_touching(region);
        if targets.len() == 1 {
            sink.write_chunk(&targets.start, values)?;
            counters.written.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        for index in region_indices(&targets) {
            let target_region = self.target_grid.chunk_region(&index);
            let piece = values.extract(&target_region.relative_to(&region.start));
            sink.write_owned_chunk(&index, piece)?;
            counters.written.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    fn run_intermediate(
        &self,
        ctx: &Context,
        source: &dyn ChunkSource,
        sink: &dyn ChunkSink,
        counters: &Counters,
        progress: Option<&ProgressFn<'_>>,
    ) -> Result<()> {
        let bytes = match self.strategy {
            Strategy::Intermediate { scratch_bytes } => scratch_bytes,
            Strategy::Direct { .. } => 0,
        };
        let scratch = Scratch::create(&self.scratch_path, bytes)?;
        let (phase1, phase2) = (self.source_grid.num_chunks(), self.target_grid.num_chunks());
        let total = phase1 + phase2;
        let report = move |done: u64, _: u64| {
            if let Some(progress) = progress {
                progress(done, total);
            }
        };
        run_admitted(
            ctx,
            "rechunk phase 1",
            phase1,
            self.task_bytes,
            Some(&report),
            |i| self.scatter_source_chunk(source, &scratch, i, counters),
        )?;
        let report = move |done: u64, _: u64| report(phase1 + done, total);
        run_admitted(
            ctx,
            "rechunk phase 2",
            phase2,
            self.task_bytes,
            Some(&report),
            |i| self.gather_target_chunk(source.meta(), sink, &scratch, i, counters),
        )
    }

    /// Phase 1: writes each piece of source chunk `linear` to its place in the scratch file.
    fn scatter_source_chunk(
        &self,
        source: &dyn ChunkSource,
        scratch: &Scratch,
        linear: u64,
        counters: &Counters,
    ) -> Result<()> {
        let index = self.source_grid.unravel(linear);
        let chunk = source.read_chunk(&index)?;
        counters.read.fetch_add(1, Ordering::Relaxed);
        let chunk_region = self.source_grid.chunk_region(&index);
        for target in region_indices(&self.target_grid.chunks_touching(&chunk_region)) {
            let target_region = self.target_grid.chunk_region(&target);
            let Some(piece_region) = chunk_region.intersect(&target_region) else {
                continue;
            };
            let piece = chunk.extract(&piece_region.relative_to(&chunk_region.start));
            let offset = self.piece_offset(&target_region, &piece_region);
            scratch.write_at(piece.bytes(), offset)?;
        }
        Ok(())
    }

    /// Phase 2: reads target chunk `linear`'s pieces, assembles and writes the chunk.
    fn gather_target_chunk(
        &self,
        meta: &ArrayMeta,
        sink: &dyn ChunkSink,
        scratch: &Scratch,
        linear: u64,
        counters: &Counters,
    ) -> Result<()> {
        let index = self.target_grid.unravel(linear);
        let target_region = self.target_grid.chunk_region(&index);
        let mut blob = vec![0u8; (target_region.len() * self.elem) as usize];
        scratch.read_at(&mut blob, self.chunk_offset(&target_region))?;
        let mut assembled = Chunk::zeros(meta.dtype, &target_region.shape);
        let mut at = 0usize;
        for source in region_indices(&self.source_grid.chunks_touching(&target_region)) {
            let source_region = self.source_grid.chunk_region(&source);
            let Some(piece_region) = source_region.intersect(&target_region) else {
                continue;
            };
            let len = (piece_region.len() * self.elem) as usize;
            let piece = Chunk::from_bytes(meta.dtype, &piece_region.shape, &blob[at..at + len])?;
            piece.copy_overlap_into(&piece_region, &mut assembled, &target_region);
            at += len;
        }
        drop(blob);
        sink.write_owned_chunk(&index, assembled)?;
        counters.written.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Byte offset of a target chunk in the scratch file: the elements of every target
    /// chunk before it in C order. Chunks before it along axis d contribute whole slabs.
    fn chunk_offset(&self, target_region: &Region) -> u64 {
        let shape = self.target_grid.shape();
        let mut elements = 0u64;
        for d in 0..shape.len() {
            // Chunks in the same slab on axes < d, before this one on axis d.
            let outer: u64 = target_region.shape[..d].iter().product();
            let inner: u64 = shape[d + 1..].iter().product();
            elements += outer * target_region.start[d] * inner;
        }
        elements * self.elem
    }

    /// Byte offset of `piece` (a source chunk's intersection with the target chunk
    /// `target_region`) in the scratch file. Pieces of one target chunk are stored in
    /// C order of the source chunks they come from.
    fn piece_offset(&self, target_region: &Region, piece: &Region) -> u64 {
        let mut elements = 0u64;
        for d in 0..piece.start.len() {
            // Pieces agreeing on axes < d and lying before this one on axis d.
            let outer: u64 = piece.shape[..d].iter().product();
            let before = piece.start[d] - target_region.start[d];
            let inner: u64 = target_region.shape[d + 1..].iter().product();
            elements += outer * before * inner;
        }
        self.chunk_offset(target_region) + elements * self.elem
    }
}

/// The chunk shape nearest `chunks` (halving the largest axis) whose bytes times
/// `per_elem_bytes` fit in `free`.
fn shrink_to_fit(chunks: &[u64], per_elem_bytes: u64, free: u64) -> Vec<u64> {
    let mut shape = chunks.to_vec();
    while shape.iter().product::<u64>() * per_elem_bytes > free {
        let Some((d, _)) = shape.iter().enumerate().max_by_key(|(_, n)| **n) else {
            break;
        };
        if shape[d] == 1 {
            break;
        }
        shape[d] = shape[d].div_ceil(2);
    }
    shape
}

fn lcm(a: u64, b: u64) -> u64 {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    (a / gcd(a, b)).saturating_mul(b) // callers clip it to the array
}

#[derive(Default)]
struct Counters {
    read: AtomicU64,
    written: AtomicU64,
}

/// Where the scratch file of a copy into `target` goes: beside it, under a hidden,
/// unpredictable name chosen when it is created (`store::staging::create_scratch`).
pub(crate) fn scratch_path_for(target: &Path) -> PathBuf {
    target.to_path_buf()
}

/// The phase-1/phase-2 scratch file, removed on drop.
struct Scratch {
    path: PathBuf,
    file: Arc<File>,
}

impl Scratch {
    /// Creates the scratch file of `bytes` beside `target`.
    fn create(target: &Path, bytes: u64) -> Result<Scratch> {
        crate::store::target::check_scratch_space(target, bytes)?;
        let (path, file) = crate::store::staging::create_scratch(target)?;
        Ok(Scratch {
            path,
            file: Arc::new(file),
        })
    }

    fn write_at(&self, bytes: &[u8], offset: u64) -> Result<()> {
        self.file
            .write_all_at(bytes, offset)
            .map_err(|e| Error::io(&self.path, e))
    }

    fn read_at(&self, bytes: &mut [u8], offset: u64) -> Result<()> {
        self.file
            .read_exact_at(bytes, offset)
            .map_err(|e| Error::io(&self.path, e))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // A scratch file left by a killed process is removed by the next write beside it.
        crate::store::staging::remove_scratch(&self.path);
    }
}

pub mod tree;

#[cfg(test)]
mod tests;
