//! Deciding which outputs share a pass, before any work starts.
//!
//! * Reductions of one same input node (two or more) share a `ReductionPass`.
//! * Outputs with the same shape and task chunks that are linked by the sources they
//!   read (directly, or through other outputs) form a `ChunkGroup`: one combined task
//!   per chunk evaluates all of them over that region, with a `ChunkPin` so a shared
//!   source chunk is decoded once per task. A group is split where its combined task
//!   would not fit the free budget.
//! * Everything else is a group of one. The tasks of all groups run interleaved in one
//!   admitted run, so reads shared between groups can still be caught by the chunk cache.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use crate::context::Context;
use crate::error::Result;
use crate::graph::{Array, out_bytes, region_cost};
use crate::grid::ChunkGrid;
use crate::ops::source::sources_of;
use crate::plan::{Plan, task_chunk_shape};
use crate::text::format_bytes;

use super::reductions::{ReductionPass, plan_pass, reduction_input};

/// Outputs evaluated together, one combined task per chunk of their common grid.
pub(crate) struct ChunkGroup {
    /// Positions of the outputs.
    pub outputs: Vec<usize>,
    /// Each output's own plan (its batch).
    pub plans: Vec<Plan>,
    /// The common grid of tasks.
    pub grid: ChunkGrid,
    /// Node ids of the sources two or more outputs read (sorted): the ones pinned.
    pub shared_sources: Arc<[u64]>,
    /// Bytes the pin may hold per task.
    pub pin_bytes: u64,
    /// Projected bytes of one combined task: the outputs' tasks (with their write
    /// buffers when storing) plus the pin.
    pub task_bytes: u64,
}

/// How several outputs are run.
pub(crate) struct Schedule {
    /// Reductions sharing a read of their input.
    pub reductions: Vec<ReductionPass>,
    /// Chunk-task groups, run interleaved.
    pub groups: Vec<ChunkGroup>,
    /// Outputs left to the caller: stores whose task over a target chunk would not fit.
    pub others: Vec<usize>,
}

impl Schedule {
    /// Schedules `arrays` for computing: chunk tasks over each output's own chunks.
    pub(crate) fn for_compute(ctx: &Context, arrays: &[Array]) -> Result<Schedule> {
        let units: Vec<Vec<u64>> = arrays.iter().map(task_chunk_shape).collect();
        Schedule::new(ctx, arrays, &units, 0, false)
    }

    /// Schedules `arrays` for storing: chunk tasks over `units[i]`, the chunks output
    /// `i`'s target writes, each task also holding `write_factor` times a unit's bytes
    /// for encoding. Reduction passes reserve their results (they are written after).
    pub(crate) fn for_store(
        ctx: &Context,
        arrays: &[Array],
        units: &[Vec<u64>],
        write_factor: u64,
    ) -> Result<Schedule> {
        Schedule::new(ctx, arrays, units, write_factor, true)
    }

    fn new(
        ctx: &Context,
        arrays: &[Array],
        units: &[Vec<u64>],
        write_factor: u64,
        hold_results: bool,
    ) -> Result<Schedule> {
        let free = ctx.memory_limit() - ctx.budget().used();
        let reductions = reduction_passes(ctx, arrays, free, hold_results);
        let in_pass: HashSet<usize> = reductions
            .iter()
            .flat_map(|p| p.outputs.iter().copied())
            .collect();
        let mut members = Vec::new();
        let mut others = Vec::new();
        for i in (0..arrays.len()).filter(|i| !in_pass.contains(i)) {
            let plan = Plan::new(ctx, &arrays[i])?;
            let unit = &units[i];
            let mut bytes = if *unit == plan.task_chunk {
                plan.task_bytes
            } else {
                region_cost(&arrays[i], unit, plan.batch as u64)
            };
            let unit_bytes = out_bytes(&arrays[i], unit);
            bytes = bytes.saturating_add(write_factor.saturating_mul(unit_bytes));
            if bytes <= free {
                members.push((i, plan, sources_of(&arrays[i]), bytes));
            } else {
                others.push(i);
            }
        }
        let groups = chunk_groups(arrays, units, members, free)?;
        Ok(Schedule {
            reductions,
            groups,
            others,
        })
    }

    /// What runs with what, and the projected bytes, for `--explain`.
    pub(crate) fn explain(&self, arrays: &[Array]) -> String {
        let mut text = String::from("passes:\n");
        for pass in &self.reductions {
            let _ = writeln!(
                text,
                "  outputs {} share one read of [{}]: reductions fed piece by piece, {} input chunks, {} at a time, {} reserved",
                list(&pass.outputs),
                &pass.input.label(),
                ChunkGrid::new(pass.input.shape(), pass.input.chunks())
                    .map_or(0, |g| g.num_chunks()),
                pass.batch,
                format_bytes(pass.bytes)
            );
        }
        for group in &self.groups {
            let shared = if group.outputs.len() > 1 {
                format!(
                    "outputs {} share one pass: each combined task evaluates all of them and reads a shared input chunk once",
                    list(&group.outputs)
                )
            } else {
                format!("output {} runs alone", group.outputs[0])
            };
            let _ = writeln!(
                text,
                "  {shared}; {} tasks of {:?}, {} per task",
                group.grid.num_chunks(),
                group.grid.chunk_shape(),
                format_bytes(group.task_bytes)
            );
        }
        if self.groups.len() > 1 {
            text.push_str("  the tasks of these chunk passes run interleaved, so the chunk cache can catch reads they share\n");
        }
        for &i in &self.others {
            let _ = writeln!(
                text,
                "  output {i} is written on its own (a task over its target's chunks would not fit)"
            );
        }
        let _ = write!(text, "outputs ({}):", arrays.len());
        for (i, array) in arrays.iter().enumerate() {
            let _ = write!(
                text,
                "\n  {i}: {} -> {:?} {}",
                array.label(),
                array.shape(),
                array.dtype()
            );
        }
        text
    }
}

fn list(outputs: &[usize]) -> String {
    outputs
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reductions grouped by their input node, for inputs shared by two or more.
fn reduction_passes(
    ctx: &Context,
    arrays: &[Array],
    free: u64,
    hold_results: bool,
) -> Vec<ReductionPass> {
    let mut by_input: BTreeMap<u64, (Array, Vec<usize>)> = BTreeMap::new();
    for (i, array) in arrays.iter().enumerate() {
        if let Some(input) = reduction_input(array) {
            by_input
                .entry(input.id())
                .or_insert_with(|| (input.clone(), Vec::new()))
                .1
                .push(i);
        }
    }
    by_input
        .into_values()
        .filter(|(_, outputs)| outputs.len() > 1)
        .filter_map(|(input, outputs)| plan_pass(ctx, arrays, &input, outputs, free, hold_results))
        .collect()
}

/// Groups `members` by (shape, task unit) and shared sources, packing each group's
/// members while the combined task fits `free`.
fn chunk_groups(
    arrays: &[Array],
    units: &[Vec<u64>],
    members: Vec<Member>,
    free: u64,
) -> Result<Vec<ChunkGroup>> {
    let mut by_grid: BTreeMap<(Vec<u64>, Vec<u64>), Vec<Member>> = BTreeMap::new();
    for member in members {
        let key = (arrays[member.0].shape().to_vec(), units[member.0].clone());
        by_grid.entry(key).or_default().push(member);
    }
    let mut groups = Vec::new();
    for ((shape, chunks), members) in by_grid {
        for component in connected_by_sources(members) {
            let mut open: Vec<Vec<Member>> = Vec::new();
            for member in component {
                if let Some(member) = join_a_group(&mut open, member, &shape, &chunks, free) {
                    open.push(vec![member]);
                }
            }
            for members in open {
                groups.push(make_group(members, &shape, &chunks)?);
            }
        }
    }
    Ok(groups)
}

/// `members` split into sets linked by shared sources (directly or through others),
/// each in the original order.
fn connected_by_sources(members: Vec<Member>) -> Vec<Vec<Member>> {
    let mut sets: Vec<(HashSet<u64>, Vec<Member>)> = Vec::new();
    for member in members {
        let ids: HashSet<u64> = member.2.iter().map(|a| a.id()).collect();
        let (mut linked, rest): (Vec<_>, Vec<_>) =
            sets.into_iter().partition(|(s, _)| !s.is_disjoint(&ids));
        let mut merged = (ids, Vec::new());
        for (s, m) in linked.drain(..) {
            merged.0.extend(s);
            merged.1.extend(m);
        }
        merged.1.push(member);
        merged.1.sort_by_key(|m| m.0);
        sets = rest;
        sets.push(merged);
    }
    sets.sort_by_key(|(_, m)| m.first().map_or(0, |m| m.0));
    sets.into_iter().map(|(_, m)| m).collect()
}

/// An output with its plan, the sources it reads, and its own task bytes.
type Member = (usize, Plan, Vec<Array>, u64);

/// Adds `member` to the first group (of one connected set) it still fits with in
/// `free`; gives it back when there is none.
fn join_a_group(
    open: &mut [Vec<Member>],
    member: Member,
    shape: &[u64],
    chunks: &[u64],
    free: u64,
) -> Option<Member> {
    let mut member = Some(member);
    for group in open.iter_mut() {
        group.push(member.take()?);
        if group_bytes(group, shape, chunks).2 <= free {
            return None;
        }
        member = group.pop();
    }
    member
}

fn make_group(members: Vec<Member>, shape: &[u64], chunks: &[u64]) -> Result<ChunkGroup> {
    let (shared_sources, pin_bytes, task_bytes) = group_bytes(&members, shape, chunks);
    let (outputs, plans) = members.into_iter().map(|(i, p, _, _)| (i, p)).unzip();
    Ok(ChunkGroup {
        outputs,
        plans,
        grid: ChunkGrid::new(shape, chunks)?,
        shared_sources,
        pin_bytes,
        task_bytes,
    })
}

/// The shared sources of a group, its pin capacity, and its combined task bytes.
fn group_bytes(members: &[Member], shape: &[u64], chunks: &[u64]) -> (Arc<[u64]>, u64, u64) {
    let mut seen: BTreeMap<u64, (Array, usize)> = BTreeMap::new();
    for (_, _, sources, _) in members {
        for source in sources {
            seen.entry(source.id())
                .or_insert_with(|| (source.clone(), 0))
                .1 += 1;
        }
    }
    let shared: Vec<(u64, Array)> = seen
        .into_iter()
        .filter(|(_, (_, n))| *n > 1)
        .map(|(id, (a, _))| (id, a))
        .collect();
    let pin_bytes: u64 = shared
        .iter()
        .map(|(_, source)| pinned_bytes_per_task(source, shape, chunks))
        .sum();
    let tasks: u64 = members.iter().map(|(_, _, _, bytes)| bytes).sum();
    let ids: Arc<[u64]> = shared.iter().map(|(id, _)| *id).collect();
    (ids, pin_bytes, tasks + pin_bytes)
}

/// Bytes of the chunks of `source` one task of `chunks` over an output of `shape` may
/// touch: exact where the source lines up with the output (same rank, equal or
/// broadcast axes), one chunk otherwise (further chunks then pass through the pin).
fn pinned_bytes_per_task(source: &Array, shape: &[u64], chunks: &[u64]) -> u64 {
    let chunk_bytes =
        task_chunk_shape(source).iter().product::<u64>() * source.dtype().size() as u64;
    let logical = source.len() * source.dtype().size() as u64;
    let aligned = source.ndim() == shape.len()
        && source
            .shape()
            .iter()
            .zip(shape)
            .all(|(s, o)| s == o || *s == 1);
    if !aligned {
        return chunk_bytes.min(logical);
    }
    let touched = (0..shape.len())
        .map(|d| {
            let (s, c, t) = (source.shape()[d], source.chunks()[d].max(1), chunks[d]);
            let spans = if s == 1 {
                1
            } else if t % c == 0 {
                t / c
            } else {
                t.div_ceil(c) + 1
            };
            spans.min(s.div_ceil(c)).max(1)
        })
        .fold(1u64, u64::saturating_mul);
    touched.saturating_mul(chunk_bytes).min(logical)
}
