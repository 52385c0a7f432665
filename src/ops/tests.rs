//! Unit tests across operations: what building a graph refuses.

use std::sync::Arc;

use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::graph::Array;
use crate::kernels::elementwise::BinaryOp;
use crate::ops::slice::SliceItem;
use crate::store::memory::MemorySource;

fn array(shape: &[u64], chunks: &[u64], dtype: DType) -> Array {
    let data = Chunk::zeros(dtype, shape);
    Array::from_source(Arc::new(MemorySource::new(data, chunks).unwrap()))
}

#[test]
fn shape_errors_are_caught_when_building() {
    let a = array(&[4, 6], &[2, 3], DType::F64);
    let b = array(&[5], &[5], DType::F64);
    assert!(a.binary(BinaryOp::Add, &b).is_err());
    assert!(a.matmul(&b).is_err());
    assert!(a.transpose(&[0, 0]).is_err());
    assert!(a.slice(&[SliceItem::Index(4)]).is_err());
    assert!(
        a.slice(&[SliceItem::ALL, SliceItem::ALL, SliceItem::ALL])
            .is_err()
    );
}
