//! Test data shared by the decode benches: a 2-D float64 array of smooth values plus a
//! little pseudo-random noise (so it compresses moderately), written chunk by chunk,
//! and the parallel read of all its chunks that the benches time.

use std::hint::black_box;

use rayon::prelude::*;
use tessera::DType;
use tessera::chunk::Chunk;
use tessera::store::{ArrayMeta, ChunkSink, ChunkSource, Codec, WriteOptions, ZarrVersion};

/// Smooth signal plus noise, by global element position in an array `cols` wide.
fn value(row: u64, col: u64, cols: u64) -> f64 {
    let i = row * cols + col;
    let noise = (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as f64 / (1u64 << 24) as f64;
    (i as f64 * 1e-4).sin() + 1e-3 * noise
}

/// The layout of a float64 array of `shape` in `chunks`, for creating sinks.
pub(crate) fn layout(shape: [u64; 2], chunks: [u64; 2]) -> ArrayMeta {
    ArrayMeta {
        shape: shape.to_vec(),
        chunks: chunks.to_vec(),
        dtype: DType::F64,
        fill_value: vec![0; 8],
        codec: String::new(),
        layout: String::new(),
        attributes: Default::default(),
        dimension_names: None,
        stored_bytes: None,
        fill_marks_missing: false,
    }
}

/// Write options: `chunks`, `codec`, Zarr v3, overwriting.
pub(crate) fn options(chunks: [u64; 2], codec: Codec) -> WriteOptions {
    WriteOptions {
        chunks: chunks.to_vec(),
        codec,
        zarr_version: ZarrVersion::V3,
        shard: None,
        overwrite: true,
    }
}

/// Writes every chunk of the sink's array, in parallel, and commits it.
pub(crate) fn fill(sink: Box<dyn ChunkSink>) {
    let grid = sink.meta().grid().expect("grid");
    let cols = sink.meta().shape[1];
    let indices: Vec<Vec<u64>> = grid.indices().collect();
    indices.par_iter().for_each(|index| {
        let region = grid.chunk_region(index);
        let values: Vec<f64> = (0..region.shape[0])
            .flat_map(|r| (0..region.shape[1]).map(move |c| (r, c)))
            .map(|(r, c)| value(region.start[0] + r, region.start[1] + c, cols))
            .collect();
        let chunk = Chunk::from_slice(&region.shape, &values).expect("chunk");
        sink.write_chunk(index, &chunk).expect("write");
    });
    sink.commit().expect("commit");
}

/// Reads the chunks at `indices` in parallel on the current rayon pool, as the engine does.
pub(crate) fn read_all(source: &dyn ChunkSource, indices: &[Vec<u64>]) {
    indices.par_iter().for_each(|index| {
        black_box(source.read_chunk(index).expect("read"));
    });
}
