//! Medians and quantiles over several axes, kept axes and list quantiles, against
//! numpy 2.4's values, on inputs of several chunks.

use std::sync::Arc;

use super::*;
use crate::chunk::Chunk;
use crate::context::Context;
use crate::store::memory::MemorySource;

/// numpy's `(np.arange(60.).reshape(3, 4, 5) * 37) % 23 - 4.5`, in chunks of (2, 3, 2).
fn cube() -> Array {
    let values: Vec<f64> = (0..60).map(|i| ((i * 37) % 23) as f64 - 4.5).collect();
    let data = Chunk::from_slice(&[3, 4, 5], &values).unwrap();
    Array::from_source(Arc::new(MemorySource::new(data, &[2, 3, 2]).unwrap()))
}

fn close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-12 * w.abs().max(1.0),
            "{got:?} vs {want:?}"
        );
    }
}

#[test]
fn quantiles_over_merged_axes_lead_with_q() {
    let ctx = Context::new().unwrap();
    let q = Quantiles::Many(vec![0.2, 0.9]);
    let r = cube().quantile(&q, [0, 2], QuantileMethod::Linear).unwrap();
    assert_eq!(r.shape(), &[2, 4]);
    close(
        &r.compute_vec::<f64>(&ctx).unwrap(),
        &[-0.5, -0.3, 0.7, 1.7, 14.1, 14.5, 15.5, 16.5],
    );
    let kept = cube()
        .quantile(
            &q,
            Axes::from([0, 2]).keepdims(true),
            QuantileMethod::Linear,
        )
        .unwrap();
    assert_eq!(kept.shape(), &[2, 1, 4, 1]);
}

#[test]
fn medians_keep_dims_and_match_numpy() {
    let ctx = Context::new().unwrap();
    let m = cube().median(Axes::from(1).keepdims(true)).unwrap();
    assert_eq!(m.shape(), &[3, 1, 5]);
    let values = m.compute_vec::<f64>(&ctx).unwrap();
    assert_eq!(values[..6], [-3.0, 11.0, 2.0, 16.0, 7.0, 1.0]);
    let all = cube().median(Axes::all()).unwrap();
    assert_eq!(all.shape(), &[] as &[u64]);
}

#[test]
fn empty_lanes_and_bad_quantiles_are_refused() {
    let empty = Chunk::zeros(crate::DType::F64, &[2, 0]);
    let a = Array::from_source(Arc::new(MemorySource::new(empty, &[1, 1]).unwrap()));
    let q = Quantiles::One(0.5);
    assert!(a.quantile(&q, 1, QuantileMethod::Linear).is_err());
    assert!(a.median(1).is_ok(), "numpy's median of nothing is NaN");
    assert!(
        cube()
            .quantile(&Quantiles::One(-0.1), 0, QuantileMethod::Linear)
            .is_err()
    );
    assert!(cube().median([0, 0]).is_err());
}
