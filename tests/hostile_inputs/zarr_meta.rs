//! Malicious and wrong Zarr v2/v3 metadata: every case is refused with one line naming the store and the field.
