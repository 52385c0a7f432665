//! Hostile HDF5 chunk data: chunk indexes that lie, deflate bombs, truncated and absurd sizes.
//!
//! Files are written with h5py and then damaged by byte surgery (Python, in the test)
//! or filled with `write_direct_chunk`, which stores bytes as given. Each case runs
//! `reduce sum` (and `convert` where it writes) under `--memory 64MiB`, asserting one
//! corrupt-chunk line naming the file, peak RSS within the budget + 64 MiB, and the
//! directory unchanged.

use std::path::Path;

use crate::harness::{Snapshot, at, tessera};
use crate::hdf5_objects::python;

/// Budget + fixed overhead that every hostile read must stay within.
const RSS_LIMIT: u64 = (64 + 64) << 20;

/// A script prelude: a chunked deflate dataset `d` of 64x64 float64 in 8x8... chunks,
/// and `patch(old, new)`, which replaces the one occurrence of `old` in x.h5.
const PRELUDE: &str = r#"
import struct, zlib
def patch(old, new):
    data = open('x.h5', 'rb').read()
    assert data.count(old) == 1, data.count(old)
    open('x.h5', 'wb').write(data.replace(old, new))
"#;

/// Runs `reduce sum` and `convert` on `x.h5:/d` and asserts both are refused with the
/// needles, within the RSS bound, leaving the directory unchanged.
fn refused_reading(dir: &Path, needles: &[&str]) {
    let snap = Snapshot::of(dir);
    let src = format!("{}:/d", at(dir, "x.h5"));
    let mut all = vec!["x.h5"];
    all.extend_from_slice(needles);
    tessera(&["reduce", "sum", &src, "--memory", "64MiB", "--quiet"])
        .refused(&all)
        .rss_within(RSS_LIMIT);
    let out = at(dir, "out.npy");
    tessera(&["convert", &src, &out, "--memory", "64MiB", "--quiet"])
        .refused(&all)
        .rss_within(RSS_LIMIT);
    tessera(&["info", &at(dir, "x.h5")]).succeeded();
    snap.unchanged();
}

fn craft(script: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    python(dir.path(), &format!("{PRELUDE}{script}"));
    dir
}

/// h5py: a 2-D chunked dataset and the index entry of its first chunk.
const CHUNKED: &str = r#"
with h5py.File('x.h5', 'w') as f:
    d = f.create_dataset('d', data=np.arange(4096.0).reshape(64, 64), chunks=(32, 32), compression='gzip', shuffle=True)
    info = d.id.get_chunk_info(0)
addr, size = info.byte_offset, info.size
"#;

#[test]
fn chunk_address_past_the_end_of_file_is_corrupt() {
    let dir = craft(&format!(
        "{CHUNKED}patch(struct.pack('<IIQQQ', size, 0, 0, 0, 0) + struct.pack('<Q', addr), struct.pack('<IIQQQ', size, 0, 0, 0, 0) + struct.pack('<Q', 1 << 40))\n"
    ));
    refused_reading(
        dir.path(),
        &["chunk [0, 0] is corrupt", "past the end of the file"],
    );
}

#[test]
fn chunk_address_near_u64_max_is_corrupt() {
    let dir = craft(&format!(
        "{CHUNKED}patch(struct.pack('<IIQQQ', size, 0, 0, 0, 0) + struct.pack('<Q', addr), struct.pack('<IIQQQ', size, 0, 0, 0, 0) + struct.pack('<Q', 2**64 - 16))\n"
    ));
    refused_reading(dir.path(), &["chunk [0, 0] is corrupt", "past the end"]);
}

#[test]
fn chunk_size_that_lies_hugely_is_corrupt_before_allocation() {
    let dir = craft(&format!(
        "{CHUNKED}patch(struct.pack('<IIQQQ', size, 0, 0, 0, 0), struct.pack('<IIQQQ', 0xFFFFFFF0, 0, 0, 0, 0))\n"
    ));
    refused_reading(dir.path(), &["chunk [0, 0] is corrupt"]);
}

#[test]
fn chunk_size_larger_than_any_encoding_is_corrupt() {
    // A real 40 MB stored chunk for a chunk that decodes to 8 KiB.
    let dir = craft(
        "with h5py.File('x.h5', 'w') as f:\n    d = f.create_dataset('d', shape=(1024,), chunks=(1024,), dtype='f8', compression='gzip')\n    d.id.write_direct_chunk((0,), bytes(40 << 20))\n",
    );
    refused_reading(dir.path(), &["chunk [0] is corrupt", "more than any chunk"]);
}

#[test]
fn chunk_size_that_lies_small_is_corrupt() {
    let dir = craft(&format!(
        "{CHUNKED}patch(struct.pack('<IIQQQ', size, 0, 0, 0, 0), struct.pack('<IIQQQ', size // 3, 0, 0, 0, 0))\n"
    ));
    refused_reading(dir.path(), &["chunk [0, 0] is corrupt", "deflate"]);
}

#[test]
fn zero_size_chunk_is_corrupt() {
    let dir = craft(&format!(
        "{CHUNKED}patch(struct.pack('<IIQQQ', size, 0, 0, 0, 0), struct.pack('<IIQQQ', 0, 0, 0, 0, 0))\n"
    ));
    refused_reading(dir.path(), &["x.h5"]);
}

#[test]
fn file_truncated_in_its_chunk_data_is_refused() {
    let dir = craft(
        "with h5py.File('x.h5', 'w') as f:\n    f.create_dataset('d', data=np.random.default_rng(1).random(1 << 16), chunks=(1 << 12,), compression='gzip')\ndata = open('x.h5', 'rb').read()\nopen('x.h5', 'wb').write(data[:len(data) - 20000])\n",
    );
    let snap = Snapshot::of(dir.path());
    let src = format!("{}:/d", at(dir.path(), "x.h5"));
    tessera(&["reduce", "sum", &src, "--memory", "64MiB"]).refused(&["x.h5", "truncated", "eof"]);
    tessera(&["info", &at(dir.path(), "x.h5")]).refused(&["x.h5", "truncated"]);
    snap.unchanged();
}

/// Writes chunk 0 of dataset `d` (float64 of `n` elements, gzip) as the deflate of
/// `zeros` zero bytes: a compression bomb.
fn bomb(n: u64, zeros: u64) -> tempfile::TempDir {
    craft(&format!(
        "c = zlib.compressobj(9)\nparts = [c.compress(bytes(1 << 24)) for _ in range({zeros} >> 24)]\nparts.append(c.flush())\nwith h5py.File('x.h5', 'w') as f:\n    d = f.create_dataset('d', shape=({n},), chunks=({n},), dtype='f8', compression='gzip')\n    d.id.write_direct_chunk((0,), b''.join(parts))\n"
    ))
}

#[test]
fn deflate_bomb_is_a_corrupt_chunk_within_memory() {
    // 1 MiB of deflate that decodes to 1 GiB, for a chunk of 1 MiB.
    let dir = bomb(1 << 17, 1 << 30);
    refused_reading(
        dir.path(),
        &["chunk [0] is corrupt", "decodes to more than"],
    );
}

#[test]
fn deflate_bomb_in_a_large_chunk_stays_within_memory() {
    // A 16 MiB chunk whose stream decodes to 2 GiB.
    let dir = bomb(2 << 20, 2 << 30);
    refused_reading(
        dir.path(),
        &["chunk [0] is corrupt", "decodes to more than"],
    );
}

#[test]
fn deflate_bomb_in_a_small_chunk_is_refused_by_its_size() {
    // 1 MiB of deflate (decoding to 1 GiB) cannot be the encoding of an 8 KiB chunk.
    let dir = bomb(1024, 1 << 30);
    refused_reading(dir.path(), &["chunk [0] is corrupt", "more than any chunk"]);
}

#[test]
fn deflate_stream_of_garbage_is_corrupt() {
    let dir = craft(
        "with h5py.File('x.h5', 'w') as f:\n    d = f.create_dataset('d', shape=(1024,), chunks=(1024,), dtype='f8', compression='gzip')\n    d.id.write_direct_chunk((0,), b'\\x78\\x9c' + bytes(range(256)) * 8)\n",
    );
    refused_reading(dir.path(), &["chunk [0] is corrupt"]);
}

#[test]
fn unsupported_filter_is_refused_by_name() {
    let dir = craft(
        "with h5py.File('x.h5', 'w') as f:\n    d = f.create_dataset('d', shape=(16,), chunks=(16,), dtype='f8', compression=40000, allow_unknown_filter=True)\n    d.id.write_direct_chunk((0,), bytes(128))\n",
    );
    let snap = Snapshot::of(dir.path());
    let src = format!("{}:/d", at(dir.path(), "x.h5"));
    tessera(&["reduce", "sum", &src]).refused(&["x.h5", "unsupported codec or filter", "40000"]);
    let info = tessera(&["info", &at(dir.path(), "x.h5")]);
    info.succeeded();
    assert!(info.stdout.contains("filter 40000"), "{}", info.stdout);
    snap.unchanged();
}

#[test]
fn lzf_chunk_with_impossible_size_is_corrupt() {
    let dir = craft(
        "with h5py.File('x.h5', 'w') as f:\n    d = f.create_dataset('d', data=np.arange(4096.0).reshape(64, 64), chunks=(32, 32), compression='lzf')\n    info = d.id.get_chunk_info(0)\npatch(struct.pack('<IIQQQ', info.size, 0, 0, 0, 0), struct.pack('<IIQQQ', 0xFFFFFFF0, 0, 0, 0, 0))\n",
    );
    refused_reading(dir.path(), &["chunk [0, 0] is corrupt"]);
}

#[test]
fn lzf_bomb_is_a_corrupt_chunk_within_memory() {
    // 2 MiB of LZF (one literal, then 264-byte back references) decoding to 176 MiB,
    // for a chunk of 2 MiB. libhdf5's LZF filter would grow its buffer to fit.
    let dir = craft(
        "stream = bytes([0, 0]) + bytes([0xE0, 0xFF, 0x00]) * ((2 << 20) // 3 - 1)
with h5py.File('x.h5', 'w') as f:
    d = f.create_dataset('d', shape=(1 << 18,), chunks=(1 << 18,), dtype='f8', compression='lzf')
    d.id.write_direct_chunk((0,), stream)
",
    );
    refused_reading(dir.path(), &["chunk [0] is corrupt", "lzf", "more than"]);
}

#[test]
fn scaleoffset_chunk_with_impossible_size_is_corrupt_before_h5dread() {
    // scaleoffset is run by libhdf5 (H5Dread): the index entry is checked first.
    let dir = craft(
        "with h5py.File('x.h5', 'w') as f:\n    f.create_dataset('d', data=np.arange(4096, dtype='i4').reshape(64, 64), chunks=(32, 32), scaleoffset=0)\n    info = f['d'].id.get_chunk_info(0)\npatch(struct.pack('<IIQQQ', info.size, 0, 0, 0, 0), struct.pack('<IIQQQ', 0xFFFFFFF0, 0, 0, 0, 0))\n",
    );
    refused_reading(dir.path(), &["chunk [0, 0] is corrupt", "stored bytes"]);
}

#[test]
fn contiguous_data_past_the_end_of_file_is_refused() {
    let dir = craft(
        "with h5py.File('x.h5', 'w') as f:\n    d = f.create_dataset('d', data=np.arange(1000.0))\n    off = d.id.get_offset()\npatch(struct.pack('<QQ', off, 8000), struct.pack('<QQ', 1 << 40, 8000))\n",
    );
    let snap = Snapshot::of(dir.path());
    let src = format!("{}:/d", at(dir.path(), "x.h5"));
    tessera(&["reduce", "sum", &src, "--memory", "64MiB"])
        .refused(&["x.h5:/d", "cannot open"])
        .rss_within(RSS_LIMIT);
    let info = tessera(&["info", &at(dir.path(), "x.h5")]);
    info.succeeded();
    assert!(info.stdout.contains("/d cannot be read"), "{}", info.stdout);
    snap.unchanged();
}

#[test]
fn chunk_dims_beyond_fixed_max_dims_do_not_panic() {
    // The file says: shape (10,), max shape (10,), chunks (20,), which HDF5 never writes.
    let dir = craft(
        "with h5py.File('x.h5', 'w') as f:\n    f.create_dataset('d', data=np.arange(10.0), maxshape=(None,), chunks=(20,))\npatch(struct.pack('<QQ', 10, 2**64 - 1), struct.pack('<QQ', 10, 10))\n",
    );
    let x = at(dir.path(), "x.h5");
    let snap = Snapshot::of(dir.path());
    let out = tessera(&["reduce", "sum", &format!("{x}:/d"), "--quiet"]);
    out.succeeded_or_refused();
    if out.code == Some(0) {
        assert_eq!(out.stdout.trim(), "45.0");
    } else {
        out.refused(&["x.h5"]);
    }
    tessera(&["info", &x]).succeeded_or_refused();
    snap.unchanged();
}
