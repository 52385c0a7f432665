//! The halo of a `map_overlap` block: which input elements extend it on each side under
//! the boundary rule, read in as few boxes as possible and placed around the block.

use super::*;

/// A box of the input extended by its halo, in virtual coordinates (which leave
/// `[0, n)` where padding is added), and where the box itself lies inside it.
pub(super) struct Halo {
    /// First virtual position per axis.
    pub(super) start: Vec<i64>,
    /// Extended length per axis.
    pub(super) shape: Vec<u64>,
    /// The original box, relative to the extended one.
    pub(super) interior: Region,
}

impl Halo {
    pub(super) fn around(region: &Region, overlap: &Overlap) -> Halo {
        let ndim = region.shape.len();
        let (mut start, mut shape) = (Vec::with_capacity(ndim), Vec::with_capacity(ndim));
        let mut interior = Region {
            start: Vec::with_capacity(ndim),
            shape: region.shape.clone(),
        };
        for a in 0..ndim {
            let (s, e) = (region.start[a], region.start[a] + region.shape[a]);
            let (n, d) = (overlap.input.shape()[a], overlap.depth[a]);
            let (lo, hi) = match overlap.boundary {
                Boundary::None => (s.saturating_sub(d) as i64, (e + d).min(n) as i64),
                _ => (s as i64 - d as i64, (e + d) as i64),
            };
            start.push(lo);
            shape.push((hi - lo) as u64);
            interior.start.push((s as i64 - lo) as u64);
        }
        Halo {
            start,
            shape,
            interior,
        }
    }
}

/// A run of extended positions along one axis whose input indices step evenly.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Segment {
    /// First position, relative to the extended box.
    pub(super) at: u64,
    /// Input index of each position in the run, or `None` for a constant run.
    pub(super) sources: Option<Vec<u64>>,
    pub(super) len: u64,
}

/// Cuts an axis of the extended box into runs that are each one contiguous read: the
/// input indices go up by one, down by one, or repeat.
pub(super) fn segments(boundary: &Boundary, start: i64, len: u64, n: u64) -> Vec<Segment> {
    let mapped: Vec<Option<u64>> = (0..len as i64)
        .map(|k| boundary.source_index(start + k, n as i64))
        .collect();
    let mut runs = Vec::new();
    let mut k = 0usize;
    while k < mapped.len() {
        let first = mapped[k];
        let step = match (first, mapped.get(k + 1).copied().flatten()) {
            (Some(a), Some(b)) if a.abs_diff(b) <= 1 => b as i64 - a as i64,
            _ => 0,
        };
        let mut end = k + 1;
        while end < mapped.len() {
            let continues = match (mapped[end - 1], mapped[end]) {
                (None, None) => true,
                (Some(a), Some(b)) => b as i64 - a as i64 == step,
                _ => false,
            };
            if !continues {
                break;
            }
            end += 1;
        }
        runs.push(Segment {
            at: k as u64,
            sources: first.map(|_| mapped[k..end].iter().map(|m| m.unwrap_or(0)).collect()),
            len: (end - k) as u64,
        });
        k = end;
    }
    runs
}

/// The extended box: each combination of per-axis segments is one input box read and
/// copied (mirrored or repeated where the segment says) into place; constant segments
/// keep the fill.
pub(super) fn read_extended(ev: &Evaluator, overlap: &Overlap, halo: &Halo) -> Result<Chunk> {
    let input = &overlap.input;
    let dtype = input.dtype();
    let mut extended = match overlap.boundary {
        Boundary::Constant(value) => {
            Chunk::filled(dtype, &halo.shape, constant_bytes(value, dtype)?.bytes())
        }
        _ => Chunk::zeros(dtype, &halo.shape),
    };
    let axes: Vec<Vec<Segment>> = (0..halo.shape.len())
        .map(|a| {
            segments(
                &overlap.boundary,
                halo.start[a],
                halo.shape[a],
                input.shape()[a],
            )
        })
        .collect();
    let counts: Vec<u64> = axes.iter().map(|s| s.len() as u64).collect();
    let combinations = Region::whole(&counts);
    for pick in region_indices(&combinations) {
        let parts: Vec<&Segment> = pick
            .iter()
            .enumerate()
            .map(|(a, &i)| &axes[a][i as usize])
            .collect();
        let Some(sources) = parts
            .iter()
            .map(|s| s.sources.as_deref())
            .collect::<Option<Vec<&[u64]>>>()
        else {
            continue;
        };
        let read_box = Region {
            start: sources.iter().map(|s| lowest(s)).collect(),
            shape: sources
                .iter()
                .map(|s| s.iter().max().copied().unwrap_or(0) + 1 - lowest(s))
                .collect(),
        };
        let values = ev.region(input, &read_box)?;
        let offsets: Vec<Vec<u64>> = sources
            .iter()
            .zip(&read_box.start)
            .map(|(s, lo)| s.iter().map(|i| i - lo).collect())
            .collect();
        let at: Vec<u64> = parts.iter().map(|s| s.at).collect();
        place(&values, &offsets, &mut extended, &at);
    }
    Ok(extended)
}

pub(super) fn lowest(sources: &[u64]) -> u64 {
    sources.iter().min().copied().unwrap_or(0)
}

/// Copies `values` into `dst` at `at`: element `k` along axis `a` of the placed box is
/// element `offsets[a][k]` of `values`. Runs along the last axis that walk `values`
/// forward are copied whole.
pub(super) fn place(values: &Chunk, offsets: &[Vec<u64>], dst: &mut Chunk, at: &[u64]) {
    let ndim = offsets.len();
    let size = values.dtype().size();
    if ndim == 0 {
        dst.bytes_mut()[..size].copy_from_slice(&values.bytes()[..size]);
        return;
    }
    let src_strides = crate::grid::strides(values.shape());
    let dst_strides = crate::grid::strides(dst.shape());
    let last = &offsets[ndim - 1];
    let forward = last.windows(2).all(|w| w[1] == w[0] + 1);
    let outer: Vec<u64> = offsets[..ndim - 1].iter().map(|o| o.len() as u64).collect();
    let src = values.bytes();
    let out = dst.bytes_mut();
    for row in region_indices(&Region::whole(&outer)) {
        let mut from = 0u64;
        let mut to = at[ndim - 1];
        for (a, &k) in row.iter().enumerate() {
            from += offsets[a][k as usize] * src_strides[a];
            to += (at[a] + k) * dst_strides[a];
        }
        if forward {
            let (from, to) = ((from + last[0]) as usize * size, to as usize * size);
            let bytes = last.len() * size;
            out[to..to + bytes].copy_from_slice(&src[from..from + bytes]);
        } else {
            for (k, &o) in last.iter().enumerate() {
                let (from, to) = ((from + o) as usize * size, (to as usize + k) * size);
                out[to..to + size].copy_from_slice(&src[from..from + size]);
            }
        }
    }
}
