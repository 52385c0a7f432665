//! Zarr chunk decoding throughput through tessera's `ZarrSource`, one codec at a time:
//! zstd (the benchmark data's codec), gzip, and blosc with lz4 and with zstd (byte
//! shuffle), on 1 and 2 rayon threads reading chunks in parallel as the engine does.
//!
//! Each array: 2000 x 2000 float64 (32 MB), chunks 500 x 500, smooth values plus noise
//! so it compresses moderately, written once per run to a temporary directory. Run with
//! `cargo bench --bench zarr_decode`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;
use tessera::DType;
use tessera::address::{Address, Format};
use tessera::chunk::Chunk;
use tessera::store::zarr::{ZarrSink, ZarrSource};
use tessera::store::{ArrayMeta, ChunkSink, ChunkSource, Codec, WriteOptions, ZarrVersion};

const SHAPE: [u64; 2] = [2000, 2000];
const CHUNKS: [u64; 2] = [500, 500];

fn address(path: &Path) -> Address {
    Address {
        path: path.to_path_buf(),
        format: Format::Zarr,
        array: String::new(),
    }
}

/// Smooth signal plus a little pseudo-random noise, by global element position.
fn value(row: u64, col: u64) -> f64 {
    let i = row * SHAPE[1] + col;
    let noise = (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as f64 / (1u64 << 24) as f64;
    (i as f64 * 1e-4).sin() + 1e-3 * noise
}

fn write_array(path: &Path, codec: Codec) {
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
        codec,
        zarr_version: ZarrVersion::V3,
        shard: None,
        overwrite: true,
    };
    let sink = ZarrSink::create(&address(path), &like, &options).expect("create");
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

fn read_all(source: &ZarrSource, indices: &[Vec<u64>]) {
    indices.par_iter().for_each(|index| {
        black_box(source.read_chunk(index).expect("read"));
    });
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
                b.iter(|| pool.install(|| read_all(&source, &indices)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
