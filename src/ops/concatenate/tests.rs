//! Unit tests of concatenate.

use std::sync::Arc;

use super::*;
use crate::dtype::DType;

/// Concatenating a random array with itself and summing streams under a budget that a
/// whole input (64 MiB) would not fit in.
#[test]
fn concatenate_then_sum_streams_under_a_small_budget() {
    use crate::context::Context;
    use crate::create::{CreateSource, Dist};
    let source =
        CreateSource::random(&[2048, 4096], &[256, 512], DType::F64, 7, Dist::Normal).unwrap();
    let a = Array::from_source(Arc::new(source));
    assert_eq!(a.len() * 8, 64 << 20);
    let budget = 16 << 20;
    let ctx = Context::with_limits(budget, 4).unwrap();
    let joined = concatenate(&[a.clone(), a.clone()], 1).unwrap();
    assert_eq!(joined.shape(), &[2048, 8192]);
    assert_eq!(joined.chunks(), &[256, 512]);
    let total = joined.sum().unwrap();
    let plan = total.plan(&ctx).unwrap();
    assert!(plan.peak_bytes <= budget, "{}", plan.explain());
    let got = total.compute(&ctx).unwrap().as_slice::<f64>().unwrap()[0];
    let once = a
        .sum()
        .unwrap()
        .compute(&ctx)
        .unwrap()
        .as_slice::<f64>()
        .unwrap()[0];
    let want = once * 2.0;
    assert!(
        (got - want).abs() <= 1e-12 * want.abs(),
        "sum of the concatenation {got} vs twice the sum {want}"
    );
    assert_eq!(
        ctx.budget().used(),
        budget / 8,
        "only the cache stays reserved"
    );
}
