//! Compute kernels: tight loops over contiguous slices, knowing nothing of files.
