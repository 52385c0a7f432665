//! Hostile HDF5 chunk data: chunk indexes that lie, deflate bombs, truncated and absurd sizes.
