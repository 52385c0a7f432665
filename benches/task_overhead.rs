//! Per-task overhead of the lazy engine: planning a graph over 10^6 chunks, and a sum
//! over 10^6 tiny in-memory chunks (cost per chunk = time / 10^6).

// criterion_group!/criterion_main! generate undocumented `pub fn`s; a bench has no API.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{ArrayD, IxDyn};
use tessera::{Array, Context};

fn million_chunks(c: &mut Criterion) {
    let ctx = Context::with_limits(1 << 30, 0).expect("context");
    let values = ArrayD::from_shape_fn(IxDyn(&[1000, 1000]), |i| (i[0] + i[1]) as f64);
    let a = Array::from_ndarray(values.view(), &[1, 1]).expect("array");
    let expr = a
        .binary(tessera::kernels::elementwise::BinaryOp::Mul, 2.0)
        .and_then(|x| x.sum())
        .expect("expression");
    let mut group = c.benchmark_group("task_overhead");
    group.sample_size(10);
    group.bench_function("plan_1e6_chunk_graph", |b| {
        b.iter(|| expr.plan(&ctx).expect("plan"))
    });
    group.bench_function("sum_1e6_chunks", |b| {
        b.iter(|| expr.compute(&ctx).expect("sum"))
    });
    let elementwise = a
        .binary(tessera::kernels::elementwise::BinaryOp::Add, 1.0)
        .expect("add");
    group.bench_function("elementwise_1e6_chunk_tasks", |b| {
        b.iter(|| elementwise.compute(&ctx).expect("add"))
    });
    group.finish();
}

criterion_group!(benches, million_chunks);
criterion_main!(benches);
