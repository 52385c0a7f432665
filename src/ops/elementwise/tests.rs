//! Unit tests of elementwise nodes.

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
fn elementwise_chains_fuse_into_one_node() {
    let a = array(&[10, 10], &[5, 5], DType::F64);
    let b = array(&[10], &[5], DType::F32);
    let diff = a.binary(BinaryOp::Sub, &b).unwrap();
    let squared = diff.binary(BinaryOp::Pow, 2i64).unwrap();
    let scaled = squared.binary(BinaryOp::Mul, &a).unwrap();
    let Some(Elementwise { inputs, program }) = scaled.op::<Elementwise>() else {
        panic!("not fused");
    };
    assert_eq!(inputs.len(), 2, "a and b once each");
    assert_eq!(scaled.shape(), &[10, 10]);
    assert_eq!(scaled.dtype(), DType::F64);
    assert!(program.op_count() >= 3);
}
