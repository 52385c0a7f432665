//! Unit tests of broadcast_to.

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
fn broadcast_axes_get_bounded_chunks() {
    let a = array(&[1, 1000], &[1, 100], DType::F64);
    let b = a.broadcast_to(&[7, 1_000_000, 1000]).unwrap();
    assert_eq!(b.chunks()[2], 100);
    let chunk_bytes = b.chunks().iter().product::<u64>() * 8;
    assert!(chunk_bytes <= BROADCAST_CHUNK_BYTES, "{:?}", b.chunks());
    assert_eq!(b.chunks()[0], 1);
    assert_eq!(
        b.broadcast_to(&[7, 1_000_000, 1000]).unwrap().shape(),
        b.shape()
    );
}
