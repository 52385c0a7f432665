//! Zarr chunk decoding throughput through tessera's `ZarrSource`, one codec at a time:
//! zstd (the benchmark data's codec), gzip, and blosc with lz4 and with zstd (byte
//! shuffle), on 1 and 2 rayon threads reading chunks in parallel as the engine does.
//!
//! Each array: 2000 x 2000 float64 (32 MB), chunks 500 x 500, smooth values plus noise
//! so it compresses moderately, written once per run to a temporary directory. Run with
//! `cargo bench --bench zarr_decode`.

// criterion_group!/criterion_main! generate undocumented `pub fn`s; a bench has no API.
#![allow(missing_docs)]

use std::path::Path;
use std::time::Duration;

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tessera::address::{Address, Format};
use tessera::store::zarr::{ZarrSink, ZarrSource};
use tessera::store::{ChunkSource, Codec};

const SHAPE: [u64; 2] = [2000, 2000];
const CHUNKS: [u64; 2] = [500, 500];

fn address(path: &Path) -> Address {
    Address {
        path: path.to_path_buf(),
        format: Format::Zarr,
        array: String::new(),
    }
}

fn write_array(path: &Path, codec: Codec) {
    let sink = ZarrSink::create(
        &address(path),
        &common::layout(SHAPE, CHUNKS),
        &common::options(CHUNKS, codec),
    )
    .expect("create");
    common::fill(Box::new(sink));
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut group = c.benchmark_group("zarr_decode");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for (name, codec) in [
        ("zstd1", Codec::Zstd(1)),
        ("gzip1", Codec::Gzip(1)),
        ("blosc_lz4_5", Codec::BloscLz4(5)),
        ("blosc_zstd_1", Codec::BloscZstd(1)),
    ] {
        let path = dir.path().join(format!("{name}.zarr"));
        write_array(&path, codec);
        let source = ZarrSource::open(&address(&path)).expect("open");
        let meta = source.meta().clone();
        eprintln!(
            "{name}: {} bytes logical, {} stored ({:.2}x)",
            meta.logical_bytes(),
            meta.stored_bytes.unwrap_or(0),
            meta.logical_bytes() as f64 / meta.stored_bytes.unwrap_or(1) as f64,
        );
        let indices: Vec<Vec<u64>> = meta.grid().expect("grid").indices().collect();
        group.throughput(Throughput::Bytes(meta.logical_bytes()));
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            group.bench_function(format!("{name}_threads_{threads}"), |b| {
                b.iter(|| pool.install(|| common::read_all(&source, &indices)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
