//! The one error type of the library. Every variant names what it is about (a file, an
//! array, a chunk) so that the CLI can print it as one line that tells the user what went
//! wrong and where.

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in tessera. The `Display` text is a complete sentence
/// fragment fit for `tessera: <error>` on stderr.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An address string that matches none of the accepted forms.
    #[error(
        "bad address '{address}': {reason}. Accepted forms: file.h5:/group/dataset (also .hdf5, .nc, .he5), store.zarr or store.zarr:/group/array, file.npy"
    )]
    BadAddress { address: String, reason: String },

    /// An operating-system I/O failure on a named path.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A file or store that exists but cannot be read as what it claims to be.
    #[error("{}: {reason}", path.display())]
    Format { path: PathBuf, reason: String },

    /// A dtype tessera cannot compute on (strings, objects, compound types, ...).
    #[error("{}: unsupported dtype {dtype}: tessera handles bool, int8-64, uint8-64, float16/32/64", path.display())]
    UnsupportedDtype { path: PathBuf, dtype: String },

    /// A codec or filter that tessera cannot decode or encode.
    #[error("{}: unsupported codec or filter '{codec}'{}", path.display(), if detail.is_empty() { String::new() } else { format!(": {detail}") })]
    UnsupportedCodec {
        path: PathBuf,
        codec: String,
        detail: String,
    },

    /// A chunk whose bytes do not decode (bad checksum, truncated stream, wrong size).
    #[error("{}: chunk {chunk:?} is corrupt: {reason}", path.display())]
    CorruptChunk {
        path: PathBuf,
        chunk: Vec<u64>,
        reason: String,
    },

    /// The target of a write already exists and `--overwrite` was not given.
    #[error("{}: already exists (pass --overwrite to replace it)", path.display())]
    TargetExists { path: PathBuf },

    /// A shape, chunk shape or index that does not fit the array.
    #[error("{what}: {reason}")]
    Shape { what: String, reason: String },

    /// A piece of work that can never fit in the memory budget.
    #[error("{op} needs {} but the memory budget is {}; {hint}", crate::text::format_bytes(*needed), crate::text::format_bytes(*budget))]
    OverBudget {
        op: String,
        needed: u64,
        budget: u64,
        hint: String,
    },

    /// A command-line or API argument that is out of range or malformed.
    #[error("{0}")]
    Invalid(String),

    /// A broken invariant inside tessera: a bug, never a mistake in the input. The text
    /// says which invariant; please report it.
    #[error("internal error (a bug in tessera, please report it): {0}")]
    Internal(String),

    /// An error reported by the HDF5 library.
    #[error("{}: HDF5 error: {message}", path.display())]
    Hdf5 { path: PathBuf, message: String },

    /// An error reported by zarrs.
    #[error("{}: Zarr error: {message}", path.display())]
    Zarr { path: PathBuf, message: String },
}

impl Error {
    /// Wraps an `std::io::Error` with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A format error on `path`.
    pub fn format(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::Format {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// A broken invariant (see [`Error::Internal`]).
    pub fn internal(what: impl Into<String>) -> Self {
        Error::Internal(what.into())
    }

    /// A shape error about `what`.
    pub fn shape(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Shape {
            what: what.into(),
            reason: reason.into(),
        }
    }
}
