//! Hostile HDF5 objects: external links, external storage, virtual datasets, link cycles, huge groups, null dataspaces and odd dtypes.
