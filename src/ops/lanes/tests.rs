//! Lane operations: chunks, values across input chunks, and the plan's refusal of a
//! lane block that cannot fit the budget.

use std::sync::Arc;

use super::*;
use crate::chunk::Chunk;
use crate::context::Context;
use crate::dtype::DType;
use crate::store::memory::MemorySource;

fn array(values: &[f64], shape: &[u64], chunks: &[u64]) -> Array {
    let data = Chunk::from_slice(shape, values).unwrap();
    Array::from_source(Arc::new(MemorySource::new(data, chunks).unwrap()))
}

#[test]
fn sort_reads_whole_lanes_across_chunks() {
    let ctx = Context::new().unwrap();
    let values: Vec<f64> = (0..24).map(|i| ((i * 7) % 11) as f64).collect();
    let a = array(&values, &[4, 6], &[3, 2]);
    let rows = a.sort(Some(1)).unwrap();
    assert_eq!(rows.chunks(), &[3, 6]);
    let got = rows.compute_vec::<f64>(&ctx).unwrap();
    for (r, row) in got.chunks(6).enumerate() {
        let mut want = values[r * 6..(r + 1) * 6].to_vec();
        want.sort_by(f64::total_cmp);
        assert_eq!(row, want.as_slice());
    }
    let columns = a.argsort(Some(0)).unwrap();
    assert_eq!(columns.dtype(), DType::I64);
    assert_eq!(
        columns.compute_vec::<i64>(&ctx).unwrap()[..6],
        [0, 3, 1, 3, 3, 1]
    );
    assert_eq!(a.sort(None).unwrap().shape(), &[24]);
    assert!(a.sort(Some(2)).is_err());
}

#[test]
fn lane_blocks_are_narrowed_to_about_an_input_chunk() {
    let a = crate::zeros(&[64, 1 << 20], &[64, 1 << 16], DType::F32).unwrap();
    let sorted = a.sort(Some(1)).unwrap();
    // 1 Mi elements a lane: an input chunk (4 Mi elements) holds four.
    assert_eq!(sorted.chunks(), &[4, 1 << 20]);
    let thin = crate::zeros(&[64, 1 << 20], &[64, 1 << 10], DType::F32).unwrap();
    // Input chunks of 64 Ki elements: blocks of at least 2^21 elements, two lanes.
    assert_eq!(thin.sort(Some(1)).unwrap().chunks(), &[2, 1 << 20]);
}

#[test]
fn a_lane_too_long_for_the_budget_is_refused_with_its_bytes() {
    let ctx = Context::builder()
        .memory(16 << 20)
        .threads(1)
        .build()
        .unwrap();
    let a = crate::zeros(&[4, 4 << 20], &[1, 1 << 16], DType::F64).unwrap();
    // One lane is 32 MiB: no chunking of the other axis can fit 16 MiB.
    let err = a.sort(Some(1)).unwrap().plan(&ctx).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, crate::Error::OverBudget { needed, .. } if needed > 32 << 20),
        "{text}"
    );
    assert!(text.contains("sort along axis 1"), "{text}");
    // Lanes along the short axis fit.
    assert!(a.sort(Some(0)).unwrap().plan(&ctx).is_ok());
}
