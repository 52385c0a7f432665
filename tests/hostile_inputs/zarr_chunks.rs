//! Corrupt, oversized and bombing Zarr chunks and shard indexes, symlinks and FIFOs inside stores, and stores of very many chunks.
