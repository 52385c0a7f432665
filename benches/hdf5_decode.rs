//! HDF5 chunk decoding throughput: tessera's lock-free fast path (positioned reads +
//! inflate/unshuffle on the caller's threads) with 1 and 2 rayon threads, against
//! HDF5's own `H5Dread` of the same dataset (serialised behind hdf5-metno's lock).
//!
//! The dataset: 5000 x 5000 float64 (200 MB), chunks 500 x 500, shuffle+deflate(1),
//! smooth values plus noise so it compresses moderately. Written once per run to a
//! temporary directory. Run with `cargo bench --bench hdf5_decode`.

// criterion_group!/criterion_main! generate undocumented `pub fn`s; a bench has no API.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tessera::address::{Address, Format};
use tessera::store::hdf5::{Hdf5Sink, Hdf5Source};
use tessera::store::{ChunkSource, Codec};

const SHAPE: [u64; 2] = [5000, 5000];
const CHUNKS: [u64; 2] = [500, 500];

fn address(path: &Path) -> Address {
    Address {
        path: path.to_path_buf(),
        format: Format::Hdf5,
        array: "/data".to_string(),
    }
}

fn write_dataset(path: &Path) {
    let sink = Hdf5Sink::create(
        &address(path),
        &common::layout(SHAPE, CHUNKS),
        &common::options(CHUNKS, Codec::Gzip(1)),
    )
    .expect("create");
    common::fill(Box::new(sink));
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.h5");
    write_dataset(&path);
    let source = Hdf5Source::open(&address(&path)).expect("open");
    assert!(source.is_fast_path());
    let meta = source.meta().clone();
    eprintln!(
        "dataset: {} bytes logical, {} bytes stored ({:.2}x), codec {}",
        meta.logical_bytes(),
        meta.stored_bytes.unwrap_or(0),
        meta.logical_bytes() as f64 / meta.stored_bytes.unwrap_or(1) as f64,
        meta.codec
    );
    let indices: Vec<Vec<u64>> = meta.grid().expect("grid").indices().collect();

    let mut group = c.benchmark_group("hdf5_decode");
    group.throughput(Throughput::Bytes(meta.logical_bytes()));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        group.bench_function(format!("fast_path_threads_{threads}"), |b| {
            b.iter(|| pool.install(|| common::read_all(&source, &indices)))
        });
    }
    let file = hdf5::File::open(&path).expect("open");
    let ds = file.dataset("/data").expect("dataset");
    group.bench_function("h5dread_whole", |b| {
        b.iter(|| black_box(ds.read_raw::<f64>().expect("read")))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
