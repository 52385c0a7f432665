//! Single-thread kernel throughput: f64 sum of a chunk, and `a*b+c` over 4096-element
//! blocks the way the fused evaluator calls the elementwise kernels.

// criterion_group!/criterion_main! generate undocumented `pub fn`s; a bench has no API.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tessera::chunk::Chunk;
use tessera::dtype::DType;
use tessera::kernels::elementwise::{BinaryOp, Operand, binary};
use tessera::kernels::reduce::{ReduceOp, partial};

const N: usize = 1 << 20;
const BLOCK: usize = 4096;

fn bench(c: &mut Criterion) {
    let data: Vec<f64> = (0..N).map(|i| (i % 1000) as f64 * 0.001).collect();
    let chunk = Chunk::from_slice(&[N as u64], &data).unwrap();
    let rows = Chunk::from_slice(&[1024, 1024], &data).unwrap();
    let mut g = c.benchmark_group("kernels");
    g.throughput(Throughput::Bytes((N * 8) as u64));
    for (name, chunk, axes) in [
        ("sum_all_f64", &chunk, vec![0]),
        ("sum_axis0_f64", &rows, vec![0]),
        ("sum_axis1_f64", &rows, vec![1]),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let start = vec![0; chunk.shape().len()];
                let p = partial(
                    ReduceOp::Sum,
                    black_box(chunk),
                    &axes,
                    &start,
                    chunk.shape(),
                )
                .unwrap();
                p.finish().unwrap()
            })
        });
    }
    g.bench_function("max_all_f64", |b| {
        b.iter(|| {
            partial(ReduceOp::Max, black_box(&chunk), &[0], &[0], &[N as u64])
                .unwrap()
                .finish()
                .unwrap()
        })
    });
    let bytes = chunk.bytes();
    let mut t = vec![0u64; BLOCK];
    let mut out = vec![0u64; BLOCK];
    g.bench_function("a_mul_b_add_c_f64_blocks", |b| {
        b.iter(|| {
            for blk in bytes.chunks_exact(BLOCK * 8) {
                let op = Operand::new(blk, DType::F64);
                binary(
                    BinaryOp::Mul,
                    op,
                    op,
                    bytemuck::cast_slice_mut(&mut t),
                    DType::F64,
                )
                .unwrap();
                let tt = Operand::new(bytemuck::cast_slice(&t), DType::F64);
                binary(
                    BinaryOp::Add,
                    tt,
                    op,
                    bytemuck::cast_slice_mut(&mut out),
                    DType::F64,
                )
                .unwrap();
            }
            black_box(&out);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
