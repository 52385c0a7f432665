//! HDF5 chunk decoding throughput: tessera's lock-free fast path (positioned reads +
//! inflate/unshuffle on the caller's threads) with 1 and 2 rayon threads, against
//! HDF5's own `H5Dread` of the same dataset (serialised behind hdf5-metno's lock).
//!
//! The dataset: 5000 x 5000 float64 (200 MB), chunks 500 x 500, shuffle+deflate(1),
//! smooth values plus noise so it compresses moderately. Written once per run to a
//! temporary directory. Run with `cargo bench --bench hdf5_decode`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;
use tessera::DType;
use tessera::address::{Address, Format};
use tessera::chunk::Chunk;
use tessera::store::hdf5::{Hdf5Sink, Hdf5Source};
use tessera::store::{ArrayMeta, ChunkSink, ChunkSource, Codec, WriteOptions, ZarrVersion};

const SHAPE: [u64; 2] = [5000, 5000];
const CHUNKS: [u64; 2] = [500, 500];

fn address(path: &Path) -> Address {
    Address {
        path: path.to_path_buf(),
        format: Format::Hdf5,
        array: "/data".to_string(),
    }
}

/// Smooth signal plus a little pseudo-random noise, by global element position.
fn value(row: u64, col: u64) -> f64 {
    let i = row * SHAPE[1] + col;
    let noise = (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as f64 / (1u64 << 24) as f64;
    (i as f64 * 1e-4).sin() + 1e-3 * noise
}

fn write_dataset(path: &Path) {
    let like = ArrayMeta {
        shape: SHAPE.to_vec(),
        chunks: CHUNKS.to_vec(),
        dtype: DType::F64,
        fill_value: vec![0; 8],
        codec: String::new(),
        layout: String::new(),
        attributes: Default::default(),
        stored_bytes: None,
    };
    let options = WriteOptions {
        chunks: CHUNKS.to_vec(),
        codec: Codec::Gzip(1),
        zarr_version: ZarrVersion::V3,
        shard: None,
        overwrite: true,
    };
    let sink = Hdf5Sink::create(&address(path), &like, &options).expect("create");
    let grid = sink.meta().grid().expect("grid");
    let indices: Vec<Vec<u64>> = grid.indices().collect();
    indices.par_iter().for_each(|index| {
        let region = grid.chunk_region(index);
        let values: Vec<f64> = (0..region.shape[0])
            .flat_map(|r| (0..region.shape[1]).map(move |c| (r, c)))
            .map(|(r, c)| value(region.start[0] + r, region.start[1] + c))
            .collect();
        let chunk = Chunk::from_slice(&region.shape, &values).expect("chunk");
        sink.write_chunk(index, &chunk).expect("write");
    });
    Box::new(sink).commit().expect("commit");
}

fn read_all(source: &Hdf5Source, indices: &[Vec<u64>]) {
    indices.par_iter().for_each(|index| {
        black_box(source.read_chunk(index).expect("read"));
    });
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
            b.iter(|| pool.install(|| read_all(&source, &indices)))
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
