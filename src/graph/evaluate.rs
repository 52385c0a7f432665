//! The evaluation driver: produces any box (`Region`) of any node as a `Chunk` by
//! asking the node's operator, which pulls the regions it needs from its inputs through
//! the same driver. Work therefore fuses along the way and nothing is materialized that
//! no one asked for.
//!
//! The driver owns what every operator shares: the context (cache, threads), the
//! width of a streaming node's batches, and the pin of a combined task's shared chunks.

use std::sync::Arc;

use rayon::prelude::*;

use crate::cache::{ChunkKey, ChunkPin};
use crate::chunk::Chunk;
use crate::context::Context;
use crate::error::Result;
use crate::grid::Region;

use super::Array;

/// Evaluates graph nodes within a context (its cache and thread count).
pub struct Evaluator<'a> {
    ctx: &'a Context,
    batch: usize,
    /// Source chunks kept for the length of one combined task (see `ChunkPin`).
    pin: Option<&'a ChunkPin>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator over `ctx` whose streaming nodes work on `batch` pieces at once
    /// (the plan picks the widest batch that fits the budget).
    pub fn new(ctx: &'a Context, batch: usize) -> Evaluator<'a> {
        Evaluator {
            ctx,
            batch: batch.max(1),
            pin: None,
        }
    }

    /// This evaluator, reading source chunks through `pin` first (so that the outputs
    /// of one combined task decode a shared chunk once).
    pub fn with_pin(mut self, pin: &'a ChunkPin) -> Evaluator<'a> {
        self.pin = Some(pin);
        self
    }

    /// Pieces a streaming node works on at once.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The values of `array` in `region`.
    ///
    /// # Errors
    /// The operator's; [`Error::Cancelled`](crate::Error::Cancelled) once the context's
    /// run is cancelled (looked at before each region, so a long task stops within a
    /// piece).
    pub fn region(&self, array: &Array, region: &Region) -> Result<Chunk> {
        self.ctx.check_cancelled()?;
        array.node.op.evaluate(self, array, region)
    }

    /// The decoded chunk `key`, from the task's pin, else the shared cache, else
    /// `read`.
    pub(crate) fn chunk(
        &self,
        key: ChunkKey,
        read: impl FnOnce() -> Result<Chunk>,
    ) -> Result<Arc<Chunk>> {
        let load = || self.ctx.cache().get_or_load(key, read);
        match self.pin {
            Some(pin) => pin.get_or_load(key, load),
            None => load(),
        }
    }

    /// Computes items `0..count` in parallel batches and hands them to `consume` in
    /// index order.
    pub(crate) fn in_order<T: Send>(
        &self,
        count: usize,
        item: impl Fn(usize) -> Result<T> + Sync,
        mut consume: impl FnMut(T) -> Result<()>,
    ) -> Result<()> {
        for start in (0..count).step_by(self.batch) {
            self.ctx.check_cancelled()?;
            let end = (start + self.batch).min(count);
            let results: Vec<Result<T>> = (start..end).into_par_iter().map(&item).collect();
            for result in results {
                consume(result?)?;
            }
        }
        Ok(())
    }
}
