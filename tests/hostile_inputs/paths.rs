//! Path tricks: symlinks, '..', aliases of inputs, names with colons, spaces and unicode, FIFOs and devices.
