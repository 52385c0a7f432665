//! Running chunk groups: the combined tasks of every group, interleaved (task 0 of each
//! group, then task 1, ...), in one admitted run where each task reserves its group's
//! projected bytes. Interleaving keeps the outputs' reads of one input region close in
//! time, so the shared chunk cache can catch reads that no group shares explicitly.

use crate::cache::ChunkPin;
use crate::chunk::Chunk;
use crate::context::Context;
use crate::error::Result;
use crate::exec::{ProgressFn, run_admitted_sized};
use crate::graph::{Array, Evaluator};
use crate::grid::Region;

use super::schedule::ChunkGroup;

/// Runs every task of `groups`, handing each output's values to
/// `deliver(output, chunk index, region, values)`.
pub(super) fn run_groups(
    ctx: &Context,
    arrays: &[Array],
    groups: &[ChunkGroup],
    progress: Option<&ProgressFn<'_>>,
    deliver: impl Fn(usize, &[u64], &Region, Chunk) -> Result<()> + Sync,
) -> Result<()> {
    let units = interleave(groups);
    run_admitted_sized(
        ctx,
        "compute task",
        units.len() as u64,
        |unit| groups[units[unit as usize].0].task_bytes,
        progress,
        |unit| {
            let (group, task) = units[unit as usize];
            run_task(ctx, arrays, &groups[group], task, &deliver)
        },
    )
}

/// One combined task: every output of `group` over chunk `task` of its grid, reading
/// shared source chunks through one pin.
fn run_task(
    ctx: &Context,
    arrays: &[Array],
    group: &ChunkGroup,
    task: u64,
    deliver: &(impl Fn(usize, &[u64], &Region, Chunk) -> Result<()> + Sync),
) -> Result<()> {
    let index = group.grid.unravel(task);
    let region = group.grid.chunk_region(&index);
    let pin = (!group.shared_sources.is_empty())
        .then(|| ChunkPin::new(group.shared_sources.clone(), group.pin_bytes));
    for (&output, plan) in group.outputs.iter().zip(&group.plans) {
        let evaluator = match &pin {
            Some(pin) => Evaluator::new(ctx, plan.batch).with_pin(pin),
            None => Evaluator::new(ctx, plan.batch),
        };
        let values = evaluator.region(&arrays[output], &region)?;
        deliver(output, &index, &region, values)?;
    }
    Ok(())
}

/// (group, task) pairs, round robin over the groups.
fn interleave(groups: &[ChunkGroup]) -> Vec<(usize, u64)> {
    let most = groups
        .iter()
        .map(|g| g.grid.num_chunks())
        .max()
        .unwrap_or(0);
    let mut units = Vec::new();
    for task in 0..most {
        for (g, group) in groups.iter().enumerate() {
            if task < group.grid.num_chunks() {
                units.push((g, task));
            }
        }
    }
    units
}
