//! Unit tests of unit-axis views.

use std::sync::Arc;

use super::*;
use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::store::memory::MemorySource;

fn array(shape: &[u64], chunks: &[u64], dtype: DType) -> Array {
    let data = Chunk::zeros(dtype, shape);
    Array::from_source(Arc::new(MemorySource::new(data, chunks).unwrap()))
}

#[test]
fn unit_axis_views_collapse() {
    let a = array(&[3, 1, 4], &[2, 1, 4], DType::F64);
    let squeezed = a.squeeze(None).unwrap();
    assert_eq!(squeezed.shape(), &[3, 4]);
    assert_eq!(squeezed.chunks(), &[2, 4]);
    let expanded = squeezed.expand_dims(-1).unwrap();
    assert_eq!(expanded.shape(), &[3, 4, 1]);
    // One view over the source, not a view of a view.
    let view = expanded.op::<UnitAxes>().expect("a unit-axes view");
    assert!(view.input.is_same(&a));
    assert_eq!(view.axes, &[Some(0), Some(2), None]);
    // Back to the input's own layout: the input itself.
    let back = squeezed.expand_dims(1).unwrap();
    assert!(Arc::ptr_eq(&back.node, &a.node));
    assert!(Arc::ptr_eq(&a.squeeze(Some(&[])).unwrap().node, &a.node));
}
