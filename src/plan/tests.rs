//! Unit tests of `plan.rs`.

use super::*;
use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::store::memory::MemorySource;
use std::sync::Arc;

fn array(shape: &[u64], chunks: &[u64]) -> Array {
    let data = Chunk::zeros(DType::F64, shape);
    Array::from_source(Arc::new(MemorySource::new(data, chunks).unwrap()))
}

#[test]
fn a_task_that_cannot_fit_is_refused_with_a_smaller_chunk_shape() {
    let ctx = Context::with_limits(4 << 20, 1).unwrap();
    let a = array(&[1024, 1024], &[1024, 1024]); // 8 MiB chunks
    let err = Plan::new(&ctx, &a.sum().unwrap()).unwrap_err().to_string();
    assert!(err.contains("sum"), "{err}");
    assert!(err.contains("needs"), "{err}");
}

#[test]
fn explain_lists_fused_stages_and_memory() {
    let ctx = Context::with_limits(64 << 20, 2).unwrap();
    let a = array(&[100, 100], &[50, 50]);
    let expr = a
        .binary(crate::kernels::elementwise::BinaryOp::Mul, 2.0)
        .unwrap();
    let plan = Plan::new(&ctx, &expr.mean().unwrap()).unwrap();
    let text = plan.explain();
    assert!(text.contains("fused elementwise"), "{text}");
    assert!(text.contains("mean over axes [0, 1]"), "{text}");
    assert_eq!(plan.tasks, 1);
    assert!(to_dot(&expr).contains("->"));
}

#[test]
fn matmul_memory_does_not_grow_with_the_contracted_axis() {
    use crate::generate::{Dist, RandomSource};
    let ctx = Context::with_limits(256 << 20, 2).unwrap();
    let task_bytes = |k: u64| {
        let random = |shape: &[u64], chunks: &[u64]| {
            let source = RandomSource::new(shape, chunks, DType::F64, 1, Dist::Normal).unwrap();
            Array::from_source(Arc::new(source))
        };
        let a = random(&[2000, k], &[500, 1000]);
        let b = random(&[k, 300], &[1000, 300]);
        Plan::new(&ctx, &a.matmul(&b).unwrap()).unwrap().task_bytes
    };
    assert_eq!(task_bytes(10_000), task_bytes(10_000_000));
}
