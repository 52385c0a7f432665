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
    use crate::create::{CreateSource, Dist};
    let ctx = Context::with_limits(256 << 20, 2).unwrap();
    let task_bytes = |k: u64| {
        let random = |shape: &[u64], chunks: &[u64]| {
            let source = CreateSource::random(shape, chunks, DType::F64, 1, Dist::Normal).unwrap();
            Array::from_source(Arc::new(source))
        };
        let a = random(&[2000, k], &[500, 1000]);
        let b = random(&[k, 300], &[1000, 300]);
        Plan::new(&ctx, &a.matmul(&b).unwrap()).unwrap().task_bytes
    };
    assert_eq!(task_bytes(10_000), task_bytes(10_000_000));
}

#[test]
fn concatenate_costs_its_output_and_one_input_piece() {
    let a = array(&[100, 40], &[10, 40]);
    let b = array(&[50, 40], &[10, 40]);
    let joined = crate::ops::concatenate::concatenate(&[a.clone(), b], 0).unwrap();
    let chunk = [10u64, 40];
    let out = 10 * 40 * 8;
    // The output plus the larger of the two inputs' pieces.
    assert_eq!(
        region_cost(&joined, &chunk, 1),
        out + region_cost(&a, &chunk, 1)
    );
    let ctx = Context::with_limits(64 << 20, 2).unwrap();
    let text = Plan::new(&ctx, &joined).unwrap().explain();
    assert!(text.contains("concatenate 2 arrays along axis 0"), "{text}");
}

#[test]
fn views_cost_what_their_input_costs() {
    let a = array(&[30, 40], &[10, 40]);
    let e = a.expand_dims(0).unwrap();
    assert_eq!(
        region_cost(&e, &[1, 10, 40], 1),
        region_cost(&a, &[10, 40], 1)
    );
    let row = array(&[1, 40], &[1, 40]);
    let b = row.broadcast_to(&[30, 40]).unwrap();
    assert_eq!(
        region_cost(&b, &[10, 40], 1),
        region_cost(&row, &[1, 40], 1) + 2 * 10 * 40 * 8
    );
}
