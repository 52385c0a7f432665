//! Corrupt, oversized and bombing Zarr chunks and shard indexes, symlinks and FIFOs inside stores, and stores of very many chunks.
//!
//! Chunk bytes are made here with the same libraries tessera links (libdeflate, zstd,
//! bzip2, blosc through zarrs, lz4_flex). Chunk-level cases leave the metadata valid, so
//! `info` succeeds and `convert` / `reduce sum` are refused with one line naming the
//! store and the chunk; bombs are refused within `--memory 64MiB` + 64 MiB of RSS.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::harness::{DEADLINE, Outcome, Snapshot, tessera, wait_for};
use super::zarr_meta::{V2_OK, f64_bytes, mkfifo, refused_everywhere, v2_store};

const MIB: u64 = 1 << 20;

/// Elements of float64 in the one chunk of the codec stores: 1 MiB decoded.
const CHUNK_ELEMENTS: usize = 131_072;

/// How much a bomb inflates to: four times the budget given to the runs.
const BOMB_BYTES: usize = 256 << 20;

#[derive(Clone, Copy, Debug)]
enum Codec {
    Raw,
    Gzip,
    Zlib,
    Zstd,
    Bz2,
    Blosc,
    Lz4,
}

const COMPRESSORS: [Codec; 6] = [
    Codec::Gzip,
    Codec::Zlib,
    Codec::Zstd,
    Codec::Bz2,
    Codec::Blosc,
    Codec::Lz4,
];

impl Codec {
    /// The numcodecs compressor of a v2 `.zarray`.
    fn v2_json(self) -> &'static str {
        match self {
            Codec::Raw => "null",
            Codec::Gzip => r#"{"id": "gzip", "level": 1}"#,
            Codec::Zlib => r#"{"id": "zlib", "level": 1}"#,
            Codec::Zstd => r#"{"id": "zstd", "level": 1}"#,
            Codec::Bz2 => r#"{"id": "bz2", "level": 1}"#,
            Codec::Blosc => {
                r#"{"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0}"#
            }
            Codec::Lz4 => r#"{"id": "lz4", "acceleration": 1}"#,
        }
    }

    fn encode(self, data: &[u8]) -> Vec<u8> {
        match self {
            Codec::Raw => data.to_vec(),
            Codec::Gzip | Codec::Zlib => {
                let mut c =
                    libdeflater::Compressor::new(libdeflater::CompressionLvl::new(1).unwrap());
                let mut out = vec![0; c.gzip_compress_bound(data.len()) + 64];
                let n = if matches!(self, Codec::Gzip) {
                    c.gzip_compress(data, &mut out).unwrap()
                } else {
                    c.zlib_compress(data, &mut out).unwrap()
                };
                out.truncate(n);
                out
            }
            Codec::Zstd => zstd::bulk::compress(data, 1).unwrap(),
            Codec::Bz2 => {
                let mut out = Vec::new();
                bzip2::read::BzEncoder::new(data, bzip2::Compression::fast())
                    .read_to_end(&mut out)
                    .unwrap();
                out
            }
            Codec::Blosc => {
                use zarrs::array::codec::{
                    BloscCompressionLevel, BloscCompressor, BloscShuffleMode, blosc_compress_bytes,
                };
                blosc_compress_bytes(
                    data,
                    BloscCompressionLevel::try_from(5).unwrap(),
                    BloscShuffleMode::Shuffle,
                    8,
                    BloscCompressor::LZ4,
                    0,
                    1,
                )
                .unwrap()
            }
            Codec::Lz4 => {
                let mut out = (data.len() as u32).to_le_bytes().to_vec();
                out.extend_from_slice(&lz4_flex::block::compress(data));
                out
            }
        }
    }
}

/// The chunk's values: 0, 1, 2, ... as float64.
fn chunk_values() -> Vec<u8> {
    let values: Vec<f64> = (0..CHUNK_ELEMENTS).map(|i| i as f64).collect();
    f64_bytes(&values)
}

/// A v2 store of one 1 MiB float64 chunk compressed with `codec`, whose chunk file
/// holds `chunk`.
fn codec_store(dir: &Path, codec: Codec, chunk: &[u8]) -> PathBuf {
    let n = CHUNK_ELEMENTS;
    let zarray = format!(
        r#"{{"zarr_format": 2, "shape": [{n}], "chunks": [{n}], "dtype": "<f8",
        "compressor": {}, "fill_value": 0.0, "order": "C", "filters": null}}"#,
        codec.v2_json()
    );
    let store = dir.join("s.zarr");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(store.join(".zarray"), zarray).unwrap();
    std::fs::write(store.join("0"), chunk).unwrap();
    store
}

/// `info` succeeds (the metadata is fine); `convert` and `reduce sum` under
/// `--memory 64MiB` are refused in one line naming the store and holding `needles`,
/// within `rss` bytes of peak RSS; nothing under `dir` changes.
fn chunk_refused(dir: &Path, store: &Path, needles: &[&str], rss: u64) {
    let snapshot = Snapshot::of(dir);
    let path = store.to_str().unwrap();
    let out = dir.join("out.zarr");
    let mut all = vec![path];
    all.extend_from_slice(needles);
    tessera(&["info", path]).succeeded();
    measured(&["convert", path, out.to_str().unwrap(), "--memory", "64MiB"])
        .refused(&all)
        .rss_within(rss);
    measured(&["reduce", "sum", path, "--memory", "64MiB"])
        .refused(&all)
        .rss_within(rss);
    snapshot.unchanged();
}

/// Runs `tessera ARGS` as the child of a small Python process that reports the
/// child's own peak RSS. The harness's `wait4` figure cannot be used here: a child
/// started with `posix_spawn` (vfork) inherits the high-water RSS of the test process,
/// which other tests in this binary drive well over the bounds asserted.
fn measured(args: &[&str]) -> Outcome {
    const WRAPPER: &str = "import os, sys\n\
        out, argv = sys.argv[1], sys.argv[2:]\n\
        pid = os.fork()\n\
        if pid == 0:\n    os.execv(argv[0], argv)\n\
        _, status, usage = os.wait4(pid, 0)\n\
        open(out, 'w').write(str(usage.ru_maxrss))\n\
        if os.WIFSIGNALED(status):\n    os.kill(os.getpid(), os.WTERMSIG(status))\n\
        os._exit(os.waitstatus_to_exitcode(status))\n";
    let python = std::env::var("TESSERA_PYTHON").unwrap_or_else(|_| "python3".into());
    let report = tempfile::NamedTempFile::new().unwrap();
    let child = std::process::Command::new(python)
        .arg("-c")
        .arg(WRAPPER)
        .arg(report.path())
        .arg(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    let mut outcome = wait_for(child, args, DEADLINE);
    let kib: u64 = std::fs::read_to_string(report.path())
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(u64::MAX >> 10);
    outcome.peak_rss = kib << 10;
    outcome
}

/// Peak RSS allowed: the budget plus 64 MiB.
const RSS_LIMIT: u64 = 64 * MIB + 64 * MIB;

fn sum_of(path: &str) -> String {
    let out = tessera(&["reduce", "sum", path]);
    out.succeeded();
    out.stdout.trim().to_string()
}

#[test]
fn valid_chunks_of_every_codec_read() {
    let expected = (CHUNK_ELEMENTS * (CHUNK_ELEMENTS - 1) / 2) as f64;
    for codec in COMPRESSORS.into_iter().chain([Codec::Raw]) {
        let dir = tempfile::tempdir().unwrap();
        let store = codec_store(dir.path(), codec, &codec.encode(&chunk_values()));
        let sum: f64 = sum_of(store.to_str().unwrap()).parse().unwrap();
        assert_eq!(sum, expected, "{codec:?}");
    }
}

// ---- corrupt bytes, one case per codec ----

/// Deterministic garbage.
fn garbage(n: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn corrupt_case(codec: Codec) {
    let dir = tempfile::tempdir().unwrap();
    let store = codec_store(dir.path(), codec, &garbage(4000));
    chunk_refused(dir.path(), &store, &["chunk [0]", "corrupt"], RSS_LIMIT);
}

#[test]
fn corrupt_raw_chunk_of_the_wrong_size() {
    corrupt_case(Codec::Raw);
}

#[test]
fn corrupt_gzip_chunk() {
    corrupt_case(Codec::Gzip);
}

#[test]
fn corrupt_zlib_chunk() {
    corrupt_case(Codec::Zlib);
}

#[test]
fn corrupt_zstd_chunk() {
    corrupt_case(Codec::Zstd);
}

#[test]
fn corrupt_bz2_chunk() {
    corrupt_case(Codec::Bz2);
}

#[test]
fn corrupt_blosc_chunk() {
    corrupt_case(Codec::Blosc);
}

#[test]
fn corrupt_lz4_chunk() {
    corrupt_case(Codec::Lz4);
}

// ---- truncated chunks ----

fn truncated_case(codec: Codec) {
    let dir = tempfile::tempdir().unwrap();
    let encoded = codec.encode(&chunk_values());
    let store = codec_store(dir.path(), codec, &encoded[..encoded.len() / 2]);
    chunk_refused(dir.path(), &store, &["chunk [0]", "corrupt"], RSS_LIMIT);
}

#[test]
fn truncated_raw_chunk() {
    truncated_case(Codec::Raw);
}

#[test]
fn truncated_gzip_chunk() {
    truncated_case(Codec::Gzip);
}

#[test]
fn truncated_zlib_chunk() {
    truncated_case(Codec::Zlib);
}

#[test]
fn truncated_zstd_chunk() {
    truncated_case(Codec::Zstd);
}

#[test]
fn truncated_bz2_chunk() {
    truncated_case(Codec::Bz2);
}

#[test]
fn truncated_blosc_chunk() {
    truncated_case(Codec::Blosc);
}

#[test]
fn truncated_lz4_chunk() {
    truncated_case(Codec::Lz4);
}

// ---- compression bombs: 256 MiB of zeros in a chunk of 1 MiB ----

/// Bombs are made one at a time: each needs a 256 MiB buffer in the test process.
static BOMB_MAKER: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn bomb(codec: Codec) -> Vec<u8> {
    let _one_at_a_time = BOMB_MAKER.lock().unwrap_or_else(|e| e.into_inner());
    codec.encode(&vec![0u8; BOMB_BYTES])
}

fn bomb_case(codec: Codec) {
    let dir = tempfile::tempdir().unwrap();
    let bomb = bomb(codec);
    assert!(
        bomb.len() < 2 << 20,
        "{codec:?} bomb of {} bytes",
        bomb.len()
    );
    let store = codec_store(dir.path(), codec, &bomb);
    chunk_refused(dir.path(), &store, &["chunk [0]", "corrupt"], RSS_LIMIT);
}

#[test]
fn gzip_bomb() {
    bomb_case(Codec::Gzip);
}

#[test]
fn zlib_bomb() {
    bomb_case(Codec::Zlib);
}

#[test]
fn zstd_bomb() {
    bomb_case(Codec::Zstd);
}

#[test]
fn bz2_bomb() {
    bomb_case(Codec::Bz2);
}

#[test]
fn blosc_bomb() {
    bomb_case(Codec::Blosc);
}

#[test]
fn lz4_bomb() {
    bomb_case(Codec::Lz4);
}

// ---- sharded stores ----

/// A v3 store with one shard of `shard` float64 in inner chunks of `inner`, inner
/// codecs `inner_codecs` (JSON list), index at the end without checksum; the shard file
/// holds `shard_bytes`.
fn sharded_store(
    dir: &Path,
    shard: usize,
    inner: usize,
    inner_codecs: &str,
    shard_bytes: &[u8],
) -> PathBuf {
    let zarr_json = format!(
        r#"{{"zarr_format": 3, "node_type": "array", "shape": [{shard}], "data_type": "float64",
        "chunk_grid": {{"name": "regular", "configuration": {{"chunk_shape": [{shard}]}}}},
        "chunk_key_encoding": {{"name": "default"}}, "fill_value": 0.0,
        "codecs": [{{"name": "sharding_indexed", "configuration": {{"chunk_shape": [{inner}],
          "codecs": {inner_codecs},
          "index_codecs": [{{"name": "bytes", "configuration": {{"endian": "little"}}}}],
          "index_location": "end"}}}}]}}"#
    );
    let store = dir.join("s.zarr");
    std::fs::create_dir_all(store.join("c")).unwrap();
    std::fs::write(store.join("zarr.json"), zarr_json).unwrap();
    std::fs::write(store.join("c").join("0"), shard_bytes).unwrap();
    store
}

const RAW_INNER: &str = r#"[{"name": "bytes", "configuration": {"endian": "little"}}]"#;

/// A shard of 4 float64 in two raw inner chunks, with `index` as its (offset, length)
/// entries.
fn shard_with_index(index: [(u64, u64); 2]) -> Vec<u8> {
    let mut bytes = f64_bytes(&[1.0, 2.0, 3.0, 4.0]);
    for (offset, length) in index {
        bytes.extend_from_slice(&offset.to_le_bytes());
        bytes.extend_from_slice(&length.to_le_bytes());
    }
    bytes
}

#[test]
fn honest_shard_index_reads() {
    let dir = tempfile::tempdir().unwrap();
    let store = sharded_store(
        dir.path(),
        4,
        2,
        RAW_INNER,
        &shard_with_index([(0, 16), (16, 16)]),
    );
    assert_eq!(sum_of(store.to_str().unwrap()), "10.0");
}

/// Inner chunks read whole (gzip), so every byte the index claims is asked for.
const GZIP_INNER: &str = r#"[{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "gzip", "configuration": {"level": 1}}]"#;

/// The shard index entry of a chunk never written: the second chunk reads as the fill
/// value, so the lying first entry is the only possible error, whatever the read order.
const MISSING: (u64, u64) = (u64::MAX, u64::MAX);

fn lying_index_case(index: [(u64, u64); 2]) {
    let dir = tempfile::tempdir().unwrap();
    let store = sharded_store(dir.path(), 4, 2, GZIP_INNER, &shard_with_index(index));
    chunk_refused(dir.path(), &store, &["chunk [0]", "byte range"], RSS_LIMIT);
}

#[test]
fn shard_index_offset_past_the_end() {
    lying_index_case([(1 << 40, 16), MISSING]);
}

#[test]
fn shard_index_huge_length() {
    lying_index_case([(0, 1 << 62), MISSING]);
}

#[test]
fn shard_index_offset_and_length_that_overflow() {
    lying_index_case([(u64::MAX - 4, 16), MISSING]);
}

#[test]
fn shard_index_with_a_bad_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let mut shard = shard_with_index([(0, 16), (16, 16)]);
    shard.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    let store = sharded_store(dir.path(), 4, 2, RAW_INNER, &shard);
    let json = std::fs::read_to_string(store.join("zarr.json")).unwrap();
    let with_crc = json.replace(
        r#""index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}]"#,
        r#""index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}]"#,
    );
    assert_ne!(json, with_crc);
    std::fs::write(store.join("zarr.json"), with_crc).unwrap();
    // Both chunks share the bad index: either may be the one reported.
    chunk_refused(dir.path(), &store, &["chunk [", "checksum"], RSS_LIMIT);
}

#[test]
fn gzip_bomb_inside_a_shard() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = bomb(Codec::Gzip);
    let mut shard = bomb.clone();
    shard.extend_from_slice(&0u64.to_le_bytes());
    shard.extend_from_slice(&(bomb.len() as u64).to_le_bytes());
    let codecs = r#"[{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "gzip", "configuration": {"level": 1}}]"#;
    let store = sharded_store(dir.path(), CHUNK_ELEMENTS, CHUNK_ELEMENTS, codecs, &shard);
    chunk_refused(dir.path(), &store, &["chunk [0]", "corrupt"], RSS_LIMIT);
}

// ---- sparse oversized files ----

#[test]
fn sparse_terabyte_chunk_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = v2_store(dir.path(), "s.zarr", V2_OK);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(store.join("0"))
        .unwrap();
    file.set_len(1 << 40).unwrap();
    chunk_refused(
        dir.path(),
        &store,
        &["chunk [0]", "corrupt", "1099511627776"],
        RSS_LIMIT,
    );
}

#[test]
fn sparse_terabyte_shard_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = sharded_store(
        dir.path(),
        4,
        2,
        RAW_INNER,
        &shard_with_index([(0, 16), (16, 16)]),
    );
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(store.join("c").join("0"))
        .unwrap();
    file.set_len(1 << 40).unwrap();
    chunk_refused(dir.path(), &store, &["corrupt", "1099511627776"], RSS_LIMIT);
}

// ---- symlinks ----

/// A v2 store of 4 float64 in two chunks, chunk 0 = [1, 2] and chunk 1 = [3, 4].
fn two_chunk_store(dir: &Path) -> PathBuf {
    let store = v2_store(dir, "s.zarr", V2_OK);
    std::fs::write(store.join("1"), f64_bytes(&[3.0, 4.0])).unwrap();
    store
}

#[test]
fn chunk_symlink_out_of_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_chunk_store(dir.path());
    std::fs::write(dir.path().join("secret"), f64_bytes(&[3.0, 4.0])).unwrap();
    std::fs::remove_file(store.join("1")).unwrap();
    std::os::unix::fs::symlink("../secret", store.join("1")).unwrap();
    chunk_refused(
        dir.path(),
        &store,
        &["s.zarr/1", "symlink leads outside the store"],
        RSS_LIMIT,
    );
}

#[test]
fn metadata_symlink_out_of_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_chunk_store(dir.path());
    std::fs::write(dir.path().join("outside.json"), V2_OK).unwrap();
    std::fs::remove_file(store.join(".zarray")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside.json"), store.join(".zarray")).unwrap();
    refused_everywhere(
        dir.path(),
        &store,
        &[".zarray", "symlink leads outside the store"],
    );
}

#[test]
fn chunk_directory_symlink_out_of_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = super::zarr_meta::v3_store(dir.path(), "s.zarr", super::zarr_meta::V3_OK);
    let outside = dir.path().join("elsewhere");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::rename(store.join("c"), outside.join("c")).unwrap();
    std::os::unix::fs::symlink(outside.join("c"), store.join("c")).unwrap();
    chunk_refused(
        dir.path(),
        &store,
        &["s.zarr/c/0", "symlink leads outside the store"],
        RSS_LIMIT,
    );
}

#[test]
fn array_directory_symlink_out_of_a_hierarchy() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.zarr");
    std::fs::create_dir_all(store.join("inside")).unwrap();
    std::fs::write(store.join(".zgroup"), r#"{"zarr_format": 2}"#).unwrap();
    std::fs::write(store.join("inside").join(".zarray"), V2_OK).unwrap();
    let outside = v2_store(dir.path(), "outside.zarr", V2_OK);
    std::os::unix::fs::symlink(&outside, store.join("a")).unwrap();
    let snapshot = Snapshot::of(dir.path());
    let path = store.to_str().unwrap();
    tessera(&["info", path]).refused(&[path, "h.zarr/a", "symlink leads outside the store"]);
    let array = format!("{path}:/a");
    tessera(&["reduce", "sum", &array]).refused(&[path, "symlink leads outside the store"]);
    let out = dir.path().join("out.zarr");
    tessera(&["convert", &array, out.to_str().unwrap()])
        .refused(&[path, "symlink leads outside the store"]);
    snapshot.unchanged();
}

#[test]
fn relative_chunk_symlink_inside_the_store_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_chunk_store(dir.path());
    std::fs::create_dir_all(store.join("extra")).unwrap();
    std::fs::rename(store.join("1"), store.join("extra").join("one")).unwrap();
    std::os::unix::fs::symlink("extra/one", store.join("1")).unwrap();
    let snapshot = Snapshot::of(dir.path());
    assert_eq!(sum_of(store.to_str().unwrap()), "10.0");
    snapshot.unchanged();
}

#[test]
fn absolute_chunk_symlink_inside_the_store_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_chunk_store(dir.path());
    std::fs::rename(store.join("1"), store.join("one")).unwrap();
    std::os::unix::fs::symlink(store.join("one"), store.join("1")).unwrap();
    let snapshot = Snapshot::of(dir.path());
    assert_eq!(sum_of(store.to_str().unwrap()), "10.0");
    snapshot.unchanged();
}

#[test]
fn chunk_directory_symlink_inside_the_store_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let store = super::zarr_meta::v3_store(dir.path(), "s.zarr", super::zarr_meta::V3_OK);
    std::fs::write(store.join("c").join("1"), f64_bytes(&[3.0, 4.0])).unwrap();
    std::fs::rename(store.join("c"), store.join("c_real")).unwrap();
    std::os::unix::fs::symlink("c_real", store.join("c")).unwrap();
    assert_eq!(sum_of(store.to_str().unwrap()), "10.0");
}

#[test]
fn store_root_named_through_a_symlink_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_chunk_store(dir.path());
    let link = dir.path().join("link.zarr");
    std::os::unix::fs::symlink(&store, &link).unwrap();
    assert_eq!(sum_of(link.to_str().unwrap()), "10.0");
    tessera(&["info", link.to_str().unwrap()]).succeeded();
}

#[test]
fn array_path_with_dot_dot_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.zarr");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(store.join(".zgroup"), r#"{"zarr_format": 2}"#).unwrap();
    v2_store(dir.path(), "sibling.zarr", V2_OK);
    let array = format!("{}:/../sibling.zarr", store.display());
    let snapshot = Snapshot::of(dir.path());
    tessera(&["reduce", "sum", &array]).refused(&[store.to_str().unwrap()]);
    snapshot.unchanged();
}

// ---- FIFOs ----

#[test]
fn chunk_that_is_a_fifo_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_chunk_store(dir.path());
    std::fs::remove_file(store.join("1")).unwrap();
    mkfifo(&store.join("1"));
    chunk_refused(dir.path(), &store, &["s.zarr/1", "FIFO"], RSS_LIMIT);
}

#[test]
fn shard_that_is_a_fifo_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let store = sharded_store(dir.path(), 4, 2, RAW_INNER, &[]);
    std::fs::remove_file(store.join("c").join("0")).unwrap();
    mkfifo(&store.join("c").join("0"));
    chunk_refused(dir.path(), &store, &["s.zarr/c/0", "FIFO"], RSS_LIMIT);
}

// ---- very many chunks ----

/// A v2 array of `n` one-byte chunks, none written (all read as the fill value 1).
fn many_chunks(dir: &Path, n: u64) -> PathBuf {
    let store = dir.join(format!("m{n}.zarr"));
    std::fs::create_dir_all(&store).unwrap();
    let zarray = format!(
        r#"{{"zarr_format": 2, "shape": [{n}], "chunks": [1], "dtype": "|u1",
        "compressor": null, "fill_value": 1, "order": "C", "filters": null}}"#
    );
    std::fs::write(store.join(".zarray"), zarray).unwrap();
    store
}

#[test]
fn rss_does_not_grow_per_chunk_touched() {
    let dir = tempfile::tempdir().unwrap();
    let n = 50_000u64;
    let mut peaks = Vec::new();
    for count in [n, 4 * n] {
        let store = many_chunks(dir.path(), count);
        let out = tessera(&[
            "reduce",
            "sum",
            store.to_str().unwrap(),
            "--memory",
            "16MiB",
        ]);
        out.succeeded();
        assert_eq!(out.stdout.trim(), count.to_string());
        peaks.push(out.peak_rss);
    }
    let growth = peaks[1].saturating_sub(peaks[0]);
    assert!(
        growth <= 4 * MIB,
        "peak RSS grew by {} KiB from {n} to {} chunks touched ({peaks:?})",
        growth >> 10,
        4 * n
    );
}
