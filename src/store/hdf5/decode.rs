//! The HDF5 filters tessera runs itself, outside the HDF5 lock: deflate (id 1), shuffle
//! (id 2), fletcher32 (id 3) and, for reading only, LZF (id 32000; h5py's filter).
//! Every decoder writes into a buffer of the decoded chunk's size and fails when the
//! stream would go past it, so a compression bomb costs no more than one chunk (the
//! LZF filter registered in libhdf5 instead grows its buffer without bound). Pure functions over byte buffers, so chunk decoding and
//! encoding parallelise across threads; `Pipeline` applies them in HDF5's order and
//! honours a chunk's filter mask.

use crate::chunk::Chunk;
use std::borrow::Cow;
use std::cell::RefCell;

use libdeflater::{CompressionLvl, Compressor, DecompressionError, Decompressor};

/// HDF5's filter ids for the filters decoded here.
pub(super) const DEFLATE: i32 = 1;
pub(super) const SHUFFLE: i32 = 2;
pub(super) const FLETCHER32: i32 = 3;
pub(super) const LZF: i32 = 32000;

/// One filter of a pipeline that tessera runs itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// zlib-format deflate at a level (the level only matters when encoding).
    Deflate(u32),
    /// Byte shuffle of elements of the dataset's element size.
    Shuffle,
    /// A 4-byte fletcher32 checksum appended to the data.
    Fletcher32,
    /// h5py's LZF compression (decoded only; tessera never writes it).
    Lzf,
}

/// A dataset's filter pipeline in write order; position `i` is bit `i` of a chunk's
/// filter mask.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pipeline {
    /// The filters in the order HDF5 applied them when writing; decoding undoes them
    /// from the last to the first.
    pub steps: Vec<Step>,
}

impl Pipeline {
    /// True when every filter is skipped for a chunk with `mask`: its stored bytes are
    /// the chunk itself.
    pub fn is_identity(&self, mask: u32) -> bool {
        (0..self.steps.len()).all(|i| skipped(mask, i))
    }

    /// Undoes the filters (last applied first), skipping those whose bit is set in
    /// `mask`, writing the decoded chunk into `out`, which it must fill exactly. The
    /// last filter undone writes straight into `out`.
    pub fn decode_into(
        &self,
        raw: Vec<u8>,
        mask: u32,
        elem: usize,
        out: &mut [u8],
    ) -> Result<(), String> {
        let active: Vec<(usize, Step)> = (0..self.steps.len())
            .rev()
            .filter(|i| !skipped(mask, *i))
            .map(|i| (i, self.steps[i]))
            .collect();
        let mut data = raw;
        for (n, (i, step)) in active.iter().enumerate() {
            let last = n + 1 == active.len();
            match step {
                Step::Fletcher32 => data = strip_fletcher32(data)?,
                Step::Deflate(_) => {
                    let len = out.len() + self.checksum_bytes_before(*i, mask);
                    if last && len == out.len() {
                        return inflate_into(&data, out);
                    }
                    data = inflate(&data, len)?;
                }
                Step::Lzf => {
                    let len = out.len() + self.checksum_bytes_before(*i, mask);
                    if last && len == out.len() {
                        return lzf_decompress_into(&data, out);
                    }
                    let mut next = crate::memory::zeroed_bytes(len);
                    lzf_decompress_into(&data, &mut next)?;
                    data = next;
                }
                Step::Shuffle if last && data.len() == out.len() => {
                    unshuffle_into(&data, elem, out);
                    return Ok(());
                }
                Step::Shuffle => data = unshuffle(&data, elem),
            }
        }
        if data.len() != out.len() {
            return Err(format!(
                "decoded to {} bytes where the chunk holds {}",
                data.len(),
                out.len()
            ));
        }
        out.copy_from_slice(&data);
        Ok(())
    }

    /// `decode_into` a new buffer of `out_len` bytes.
    pub fn decode(
        &self,
        raw: Vec<u8>,
        mask: u32,
        elem: usize,
        out_len: usize,
    ) -> Result<Vec<u8>, String> {
        let mut out = crate::memory::zeroed_bytes(out_len);
        self.decode_into(raw, mask, elem, &mut out)?;
        Ok(out)
    }

    /// Applies the filters in order to a full chunk handed over (nothing is skipped),
    /// then `write`s the result (with no filters, the chunk's own bytes). The chunk is
    /// dropped as soon as the first filter has produced its output, and each step's
    /// input as soon as the next output exists, so at most one input and one output are
    /// held at a time: twice the chunk (a deflate output is bounded by about the chunk's
    /// size). A caller that keeps its own reference to the chunk frees nothing early.
    pub fn encode_owned<R>(
        &self,
        chunk: Chunk,
        elem: usize,
        write: impl FnOnce(&[u8]) -> R,
    ) -> Result<R, String> {
        let Some((first, rest)) = self.steps.split_first() else {
            return Ok(write(chunk.bytes()));
        };
        let mut out = apply(*first, Cow::Borrowed(chunk.bytes()), elem)?;
        drop(chunk);
        for step in rest {
            out = apply(*step, Cow::Owned(out), elem)?;
        }
        Ok(write(&out))
    }

    /// A short human description: `shuffle+deflate(4)`, `fletcher32`, `none`.
    pub fn describe(&self) -> String {
        if self.steps.is_empty() {
            return "none".to_string();
        }
        let names: Vec<String> = self
            .steps
            .iter()
            .map(|s| match s {
                Step::Deflate(l) => format!("deflate({l})"),
                Step::Shuffle => "shuffle".to_string(),
                Step::Fletcher32 => "fletcher32".to_string(),
                Step::Lzf => "lzf".to_string(),
            })
            .collect();
        names.join("+")
    }

    /// Bytes of checksums that steps before position `i` appended (and that are still
    /// in the data when step `i` is undone).
    fn checksum_bytes_before(&self, i: usize, mask: u32) -> usize {
        self.steps[..i]
            .iter()
            .enumerate()
            .filter(|(j, s)| **s == Step::Fletcher32 && !skipped(mask, *j))
            .count()
            * 4
    }
}

/// One filter step of an encode.
fn apply(step: Step, data: Cow<'_, [u8]>, elem: usize) -> Result<Vec<u8>, String> {
    Ok(match step {
        Step::Deflate(level) => deflate(&data, level)?,
        Step::Shuffle => shuffle(&data, elem),
        Step::Fletcher32 => append_fletcher32(data.into_owned()),
        Step::Lzf => return Err("tessera does not write LZF".to_string()),
    })
}

fn skipped(mask: u32, position: usize) -> bool {
    position < 32 && mask & (1 << position) != 0
}

thread_local! {
    static DECOMPRESSOR: RefCell<Decompressor> = RefCell::new(Decompressor::new());
}

/// Inflates a zlib stream that must decode to exactly `out_len` bytes.
pub(super) fn inflate(data: &[u8], out_len: usize) -> Result<Vec<u8>, String> {
    let mut out = crate::memory::zeroed_bytes(out_len);
    inflate_into(data, &mut out)?;
    Ok(out)
}

/// Inflates a zlib stream that must fill `out` exactly.
pub(super) fn inflate_into(data: &[u8], out: &mut [u8]) -> Result<(), String> {
    let out_len = out.len();
    let n = DECOMPRESSOR
        .with(|d| d.borrow_mut().zlib_decompress(data, out))
        .map_err(|e| match e {
            DecompressionError::BadData => "the deflate stream is damaged".to_string(),
            DecompressionError::InsufficientSpace => {
                format!("the deflate stream decodes to more than the {out_len} bytes of a chunk")
            }
        })?;
    if n != out_len {
        return Err(format!(
            "the deflate stream decodes to {n} bytes where the chunk holds {out_len}"
        ));
    }
    Ok(())
}

/// Decodes an LZF stream (liblzf's format, as h5py's filter writes it) that must fill
/// `out` exactly; a stream that would write past `out` or read past its end is
/// refused. A chunk that LZF could not shrink is stored unfiltered (its mask says so).
pub(super) fn lzf_decompress_into(data: &[u8], out: &mut [u8]) -> Result<(), String> {
    let cap = out.len();
    let overrun = || format!("the LZF stream decodes to more than the {cap} bytes of a chunk");
    let damaged = || "the LZF stream is damaged".to_string();
    let (mut i, mut o) = (0usize, 0usize);
    while i < data.len() {
        let ctrl = usize::from(data[i]);
        i += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            let src = data.get(i..i + run).ok_or_else(damaged)?;
            out.get_mut(o..o + run)
                .ok_or_else(overrun)?
                .copy_from_slice(src);
            i += run;
            o += run;
            continue;
        }
        let mut len = ctrl >> 5;
        if len == 7 {
            len += usize::from(*data.get(i).ok_or_else(damaged)?);
            i += 1;
        }
        let low = usize::from(*data.get(i).ok_or_else(damaged)?);
        i += 1;
        let back = ((ctrl & 0x1f) << 8) + low + 1;
        let from = o.checked_sub(back).ok_or_else(damaged)?;
        let len = len + 2;
        if o + len > cap {
            return Err(overrun());
        }
        // Byte by byte: the source may overlap what is being written.
        for k in 0..len {
            out[o + k] = out[from + k];
        }
        o += len;
    }
    if o != cap {
        return Err(format!(
            "the LZF stream decodes to {o} bytes where the chunk holds {cap}"
        ));
    }
    Ok(())
}

/// Deflates `data` as a zlib stream (what HDF5's deflate filter writes).
pub(super) fn deflate(data: &[u8], level: u32) -> Result<Vec<u8>, String> {
    let lvl = CompressionLvl::new(level as i32)
        .map_err(|_| format!("deflate level {level} is out of range 0-9"))?;
    let mut compressor = Compressor::new(lvl);
    let mut out = vec![0u8; compressor.zlib_compress_bound(data.len())];
    let n = compressor
        .zlib_compress(data, &mut out)
        .map_err(|_| "deflate output did not fit its bound".to_string())?;
    out.truncate(n);
    Ok(out)
}

/// HDF5's byte shuffle: byte `j` of element `i` goes to `j * n + i`; trailing bytes
/// that make no whole element stay at the end.
pub(super) fn shuffle(data: &[u8], elem: usize) -> Vec<u8> {
    if elem <= 1 || data.len() < elem {
        return data.to_vec();
    }
    let n = data.len() / elem;
    let mut out = vec![0u8; data.len()];
    let done = match elem {
        2 => shuffle_blocks::<2>(data, &mut out, n),
        4 => shuffle_blocks::<4>(data, &mut out, n),
        8 => shuffle_blocks::<8>(data, &mut out, n),
        _ => 0,
    };
    for (i, element) in data[..n * elem].chunks_exact(elem).enumerate().skip(done) {
        for (j, byte) in element.iter().enumerate() {
            out[j * n + i] = *byte;
        }
    }
    out[n * elem..].copy_from_slice(&data[n * elem..]);
    out
}

/// Shuffles whole blocks of 8 elements of `S` bytes with 8x8 byte transposes (the
/// inverse of [`unshuffle_blocks`]); returns how many elements it did.
fn shuffle_blocks<const S: usize>(data: &[u8], out: &mut [u8], n: usize) -> usize {
    let blocks = n / 8;
    let mut planes: Vec<&mut [u8]> = out[..S * n]
        .chunks_exact_mut(n)
        .map(|plane| &mut plane[..blocks * 8])
        .collect();
    for (b, src) in data[..blocks * 8 * S].chunks_exact(8 * S).enumerate() {
        let mut rows = [0u64; 8];
        for (row, element) in rows.iter_mut().zip(src.chunks_exact(S)) {
            let mut word = [0u8; 8];
            word[..S].copy_from_slice(element);
            *row = u64::from_le_bytes(word);
        }
        transpose8x8(&mut rows);
        for (plane, row) in planes.iter_mut().zip(rows) {
            plane[b * 8..b * 8 + 8].copy_from_slice(&row.to_le_bytes());
        }
    }
    blocks * 8
}

/// Inverse of `shuffle`.
pub(super) fn unshuffle(data: &[u8], elem: usize) -> Vec<u8> {
    let mut out = vec![0u8; data.len()];
    unshuffle_into(data, elem, &mut out);
    out
}

/// Inverse of `shuffle`, into `out` (the same length as `data`).
pub(super) fn unshuffle_into(data: &[u8], elem: usize, out: &mut [u8]) {
    if elem <= 1 || data.len() < elem {
        out.copy_from_slice(data);
        return;
    }
    let n = data.len() / elem;
    let done = match elem {
        2 => unshuffle_blocks::<2>(data, out, n),
        4 => unshuffle_blocks::<4>(data, out, n),
        8 => unshuffle_blocks::<8>(data, out, n),
        _ => 0,
    };
    for i in done..n {
        for j in 0..elem {
            out[i * elem + j] = data[j * n + i];
        }
    }
    out[n * elem..].copy_from_slice(&data[n * elem..]);
}

/// Unshuffles whole blocks of 8 elements of `S` bytes with 8x8 byte transposes;
/// returns how many elements it did.
fn unshuffle_blocks<const S: usize>(data: &[u8], out: &mut [u8], n: usize) -> usize {
    let blocks = n / 8;
    let planes: [&[u8]; S] = std::array::from_fn(|j| &data[j * n..j * n + blocks * 8]);
    for (b, dst) in out[..blocks * 8 * S].chunks_exact_mut(8 * S).enumerate() {
        let mut rows = [0u64; 8];
        for (row, plane) in rows.iter_mut().zip(planes.iter()) {
            let mut word = [0u8; 8];
            word.copy_from_slice(&plane[b * 8..b * 8 + 8]);
            *row = u64::from_le_bytes(word);
        }
        transpose8x8(&mut rows);
        for (k, element) in dst.chunks_exact_mut(S).enumerate() {
            element.copy_from_slice(&rows[k].to_le_bytes()[..S]);
        }
    }
    blocks * 8
}

/// Transposes an 8x8 byte matrix held as 8 little-endian rows: byte `k` of row `j`
/// becomes byte `j` of row `k`.
fn transpose8x8(rows: &mut [u64; 8]) {
    for (shift, mask) in [
        (8, 0x00FF_00FF_00FF_00FFu64),
        (16, 0x0000_FFFF_0000_FFFF),
        (32, 0x0000_0000_FFFF_FFFF),
    ] {
        let step = shift / 8;
        for j in 0..8 {
            if j & step == 0 {
                let t = ((rows[j] >> shift) ^ rows[j + step]) & mask;
                rows[j + step] ^= t;
                rows[j] ^= t << shift;
            }
        }
    }
}

/// HDF5's fletcher32 (H5_checksum_fletcher32): sums of big-endian 16-bit words, an odd
/// trailing byte taken as the high byte of a last word.
pub(super) fn fletcher32(data: &[u8]) -> u32 {
    let (mut sum1, mut sum2) = (0u32, 0u32);
    let even = data.len() & !1;
    // 360 words at a time keep the sums from overflowing before they are folded.
    for block in data[..even].chunks(720) {
        for w in block.chunks_exact(2) {
            // invariant: chunks_exact(2) gives two-byte words.
            sum1 += (u32::from(w[0]) << 8) | u32::from(w[1]);
            sum2 += sum1;
        }
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    if let Some(last) = data.get(even) {
        sum1 += u32::from(*last) << 8;
        sum2 += sum1;
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    }
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
    (sum2 << 16) | sum1
}

/// Checks and removes the 4-byte checksum HDF5's fletcher32 filter appends (stored
/// little-endian; HDF5 also accepts the byte-reversed value old versions wrote).
pub(super) fn strip_fletcher32(mut data: Vec<u8>) -> Result<Vec<u8>, String> {
    if data.len() < 4 {
        return Err("too short to hold its fletcher32 checksum".to_string());
    }
    let body = data.len() - 4;
    let mut stored = [0u8; 4];
    stored.copy_from_slice(&data[body..]);
    let stored = u32::from_le_bytes(stored);
    let computed = fletcher32(&data[..body]);
    if stored != computed && stored != computed.swap_bytes() {
        return Err(format!(
            "fletcher32 checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
        ));
    }
    data.truncate(body);
    Ok(data)
}

/// Appends the fletcher32 checksum of `data`.
pub(super) fn append_fletcher32(mut data: Vec<u8>) -> Vec<u8> {
    let sum = fletcher32(&data);
    data.extend_from_slice(&sum.to_le_bytes());
    data
}

#[cfg(test)]
mod tests;
