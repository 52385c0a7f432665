use std::sync::Arc;

use ndarray::ArrayD;

use super::schedule::Schedule;
use crate::cache::ChunkPin;
use crate::chunk::Chunk;
use crate::context::Context;
use crate::graph::Array;
use crate::kernels::elementwise::BinaryOp;

fn array(shape: &[usize], chunks: &[u64]) -> Array {
    let len = shape.iter().product::<usize>();
    let values =
        ArrayD::from_shape_vec(ndarray::IxDyn(shape), (0..len).map(|i| i as f64).collect())
            .unwrap();
    Array::from_ndarray(values.view(), chunks).unwrap()
}

fn chunk(bytes: usize) -> Chunk {
    Chunk::zeros(crate::dtype::DType::U8, &[bytes as u64])
}

#[test]
fn a_pin_keeps_shared_chunks_within_its_capacity_and_passes_others_through() {
    let pin = ChunkPin::new(Arc::from(vec![3u64, 7]), 100);
    let loads = std::cell::Cell::new(0);
    let load = |n: usize| {
        loads.set(loads.get() + 1);
        Ok(Arc::new(chunk(n)))
    };
    pin.get_or_load((3, 0), || load(60)).unwrap();
    pin.get_or_load((3, 0), || load(60)).unwrap();
    assert_eq!(loads.get(), 1, "a pinned chunk is not loaded again");
    pin.get_or_load((7, 1), || load(60)).unwrap();
    pin.get_or_load((7, 1), || load(60)).unwrap();
    assert_eq!(loads.get(), 3, "a chunk beyond the capacity passes through");
    assert_eq!(pin.bytes(), 60);
    pin.get_or_load((5, 0), || load(10)).unwrap();
    pin.get_or_load((5, 0), || load(10)).unwrap();
    assert_eq!(
        loads.get(),
        5,
        "chunks of unshared sources are never pinned"
    );
    assert_eq!(pin.bytes(), 60);
}

#[test]
fn outputs_group_by_grid_and_shared_sources() {
    let ctx = Context::with_limits(64 << 20, 2).unwrap();
    let (a, b) = (array(&[40, 30], &[10, 10]), array(&[40, 30], &[10, 10]));
    let outputs = [
        a.binary(BinaryOp::Add, 1.0).unwrap(),
        b.binary(BinaryOp::Add, 1.0).unwrap(),
        a.binary(BinaryOp::Mul, &b).unwrap(),
        a.rechunk(&[20, 30]).unwrap(),
        a.sum().unwrap(),
        a.mean().unwrap(),
        b.sum().unwrap(),
    ];
    let schedule = Schedule::for_compute(&ctx, &outputs).unwrap();
    assert_eq!(schedule.reductions.len(), 1);
    assert_eq!(schedule.reductions[0].outputs, [4, 5]);
    let groups: Vec<Vec<usize>> = schedule.groups.iter().map(|g| g.outputs.clone()).collect();
    assert!(groups.contains(&vec![0, 1, 2]), "{groups:?}");
    assert!(groups.contains(&vec![3]), "{groups:?}");
    assert!(groups.contains(&vec![6]), "{groups:?}");
    let shared = schedule
        .groups
        .iter()
        .find(|g| g.outputs == [0, 1, 2])
        .unwrap();
    assert_eq!(shared.shared_sources.len(), 2);
    // One 10x10 float64 chunk of each shared source per task.
    assert_eq!(shared.pin_bytes, 2 * 800);
    let alone: u64 = shared.plans.iter().map(|p| p.task_bytes).sum();
    assert_eq!(shared.task_bytes, alone + shared.pin_bytes);
}

#[test]
fn a_group_is_split_where_its_combined_task_would_not_fit() {
    let a = array(&[512, 512], &[256, 512]);
    let outputs: Vec<Array> = (1..=6)
        .map(|k| a.binary(BinaryOp::Add, k as f64).unwrap())
        .collect();
    let roomy = Context::with_limits(256 << 20, 2).unwrap();
    let schedule = Schedule::for_compute(&roomy, &outputs).unwrap();
    assert_eq!(schedule.groups.len(), 1);
    let tight = Context::with_limits(16 << 20, 2).unwrap();
    let schedule = Schedule::for_compute(&tight, &outputs).unwrap();
    let free = tight.memory_limit() - tight.budget().used();
    assert!(schedule.groups.len() > 1);
    for group in &schedule.groups {
        assert!(group.task_bytes <= free, "{} > {free}", group.task_bytes);
    }
    let all: usize = schedule.groups.iter().map(|g| g.outputs.len()).sum();
    assert_eq!(all, outputs.len());
}

#[test]
fn computing_nothing_gives_nothing() {
    let ctx = Context::with_limits(16 << 20, 1).unwrap();
    assert!(super::compute_many(&[], &ctx).unwrap().is_empty());
}
