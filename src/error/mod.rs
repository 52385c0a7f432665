//! The one error type of the library.
//!
//! Every fallible function in tessera returns [`Result<T>`], whose error is [`Error`]: one
//! `#[non_exhaustive]` enum, so a caller matches the variants it can act on and prints the
//! rest. The CLI prints any error as `tessera: error: <error>` on one line, so every
//! `Display` text is a single line that says what went wrong and where.
//!
//! Which variant is used for what, and the rules every variant follows, are in
//! [`Error`]'s documentation (the module itself is private; `Error` is re-exported at the
//! crate root).

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in tessera. The `Display` text is one line fit for
/// `tessera: error: <error>` on stderr.
///
/// # Which variant for what
///
/// | Variant | When |
/// |---|---|
/// | [`Error::BadAddress`] | an address string (`file.h5:/x`, `store.zarr`, ...) of no accepted form |
/// | [`Error::Io`] | the operating system refused a read, write, open or rename on a path |
/// | [`Error::Format`] | a file or store that exists but is not what it claims to be, when tessera itself found out why |
/// | [`Error::Hdf5`] | libhdf5 reported the failure; its error is kept as the [`source`](std::error::Error::source) |
/// | [`Error::Zarr`] | zarrs reported the failure; its error is kept as the [`source`](std::error::Error::source) |
/// | [`Error::UnsupportedDtype`], [`Error::UnsupportedCodec`] | readable data tessera does not handle |
/// | [`Error::CorruptChunk`] | one chunk's bytes do not decode |
/// | [`Error::TargetExists`] | a write would replace something without `--overwrite` |
/// | [`Error::Shape`] | shapes, chunk shapes or indices that do not fit together |
/// | [`Error::OverBudget`] | work that can never fit in the memory budget; refused before it starts |
/// | [`Error::InvalidArgument`] | an argument's value is malformed: the argument and the value are fields |
/// | [`Error::OutOfRange`] | a memory budget, chunk cache or thread count tessera cannot run with |
/// | [`Error::Invalid`] | any other refusal of what the caller asked for, as one sentence |
/// | [`Error::Cancelled`] | a run stopped by its [`Cancel`](crate::Cancel) flag ([`Context::with_cancel`](crate::Context::with_cancel)) |
/// | [`Error::Internal`] | a bug in tessera, never a problem with the input |
///
/// # Rules
///
/// - **Name the file or array.** Every variant about a file or store carries its path (or
///   the `file:/array` address) and its text starts with it; [`Error::Shape`] and
///   [`Error::OverBudget`] name the array or operation. A variant without a path
///   ([`Error::Invalid`], [`Error::InvalidArgument`], [`Error::OutOfRange`]) is about the
///   caller's own arguments, and its text quotes them.
/// - **Keep the source.** An error from the OS, libhdf5 or zarrs is kept whole as the
///   [`source`](std::error::Error::source) ([`Error::Io`], [`Error::Hdf5`], [`Error::Zarr`]),
///   so a caller can downcast it, even where tessera rewords the reason (an HDF5 file
///   without a signature says "not an HDF5 or netCDF4 file"). The text still states the
///   reason in one line, because the CLI prints only the top error; a report that walks
///   the source chain sees that reason twice.
/// - **A library's variant only with that library's error.** A problem tessera finds
///   itself while reading an HDF5 file or a Zarr store is [`Error::Format`] (or a more
///   specific variant), never an [`Error::Hdf5`] or [`Error::Zarr`] without a source. One
///   exception the other way: a chunk that does not decode is [`Error::CorruptChunk`]
///   whichever library found it, since that is what a caller acts on.
/// - **Fields where a caller can act.** A caller that retries with a larger budget, a
///   clamped thread count or a corrected argument reads the fields of
///   [`Error::OverBudget`], [`Error::OutOfRange`] or [`Error::InvalidArgument`], never the
///   text. The text of any variant may change between versions.
/// - **Internal means a bug.** [`Error::Internal`] is for broken invariants: states that no
///   input, file or argument can cause. Its text asks the user to report it. A condition
///   that hostile input can reach is a user-facing variant, however unlikely.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let a = Array::from_ndarray(ndarray::array![1.0, 2.0].view(), &[2])?;
/// match a.sum_axis(3) {
///     Err(Error::Shape { what, .. }) => assert_eq!(what, "sum"),
///     other => panic!("expected a shape error, got {:?}", other.map(|x| x.shape().to_vec())),
/// }
/// // Every error reads as one line naming what it is about.
/// let refused = tessera::Context::builder().threads(100_000).build();
/// assert!(refused.is_err_and(|e| !e.to_string().contains('\n')));
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An address string that matches none of the accepted forms.
    #[error(
        "bad address '{address}': {reason}. Accepted forms: file.h5:/group/dataset (also .hdf5, .nc, .he5), store.zarr or store.zarr:/group/array, file.npy"
    )]
    BadAddress {
        /// The address as given.
        address: String,
        /// Why it matches no accepted form.
        reason: String,
    },

    /// An operating-system I/O failure on a named path.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory the operation was on.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// A file or store that exists but cannot be read as what it claims to be, where
    /// tessera itself found the reason (a libhdf5 or zarrs failure is [`Error::Hdf5`] or
    /// [`Error::Zarr`]).
    #[error("{}: {reason}", path.display())]
    Format {
        /// The file, store, or `file:/array` address.
        path: PathBuf,
        /// What is wrong with it, in one line.
        reason: String,
    },

    /// A dtype tessera cannot compute on (strings, objects, compound types, ...).
    #[error("{}: unsupported dtype {dtype}: tessera handles bool, int8-64, uint8-64, float16/32/64", path.display())]
    UnsupportedDtype {
        /// The file or `file:/array` address whose array has the dtype.
        path: PathBuf,
        /// The dtype as the file describes it.
        dtype: String,
    },

    /// A codec or filter that tessera cannot decode or encode.
    #[error("{}: unsupported codec or filter '{codec}'{}", path.display(), if detail.is_empty() { String::new() } else { format!(": {detail}") })]
    UnsupportedCodec {
        /// The file or `file:/array` address that uses the codec.
        path: PathBuf,
        /// The codec's or filter's name (or id).
        codec: String,
        /// More about why it is unsupported; may be empty.
        detail: String,
    },

    /// A chunk whose bytes do not decode (bad checksum, truncated stream, wrong size).
    #[error("{}: chunk {chunk:?} is corrupt: {reason}", path.display())]
    CorruptChunk {
        /// The file or `file:/array` address holding the chunk.
        path: PathBuf,
        /// The chunk's index in the chunk grid.
        chunk: Vec<u64>,
        /// Why it does not decode.
        reason: String,
    },

    /// The target of a write already exists and `--overwrite` was not given.
    #[error("{}: already exists (pass --overwrite to replace it)", path.display())]
    TargetExists {
        /// The existing file or store.
        path: PathBuf,
    },

    /// A shape, chunk shape or index that does not fit the array.
    #[error("{what}: {reason}")]
    Shape {
        /// The array, operation or argument the shape belongs to.
        what: String,
        /// What does not fit.
        reason: String,
    },

    /// A piece of work that can never fit in the memory budget, refused before it starts.
    #[error("{op} needs {} but the memory budget is {}; {hint}", crate::text::format_bytes(*needed), crate::text::format_bytes(*budget))]
    OverBudget {
        /// The operation (and array) that needs the memory.
        op: String,
        /// Bytes the smallest piece of it needs at once.
        needed: u64,
        /// Bytes of the memory budget.
        budget: u64,
        /// What to change so that it fits (larger budget, smaller chunks, ...).
        hint: String,
    },

    /// An argument whose value is malformed: a shape that is not a list of integers, an
    /// unknown codec, an axis that is not a number, ... The text is
    /// `<name> '<value>': <reason>`.
    #[error("{name} '{value}': {reason}")]
    InvalidArgument {
        /// The argument as the CLI spells it (`--chunks`, `--codec`, `-i`, ...); library
        /// functions that parse the same text use the same name.
        name: String,
        /// The value given, verbatim.
        value: String,
        /// What is wrong with it and what would be accepted.
        reason: String,
    },

    /// A memory budget, chunk cache or thread count outside the range tessera accepts
    /// (see [`crate::Context::with_cache`]). A caller may clamp `given` into `min..=max`
    /// and try again.
    #[error("{}", out_of_range_text(*setting, *given, *min, *max))]
    OutOfRange {
        /// Which setting.
        setting: Setting,
        /// The value asked for (bytes, or a thread count).
        given: u64,
        /// The smallest value accepted.
        min: u64,
        /// The largest value accepted.
        max: u64,
    },

    /// Any other refusal of what the caller asked for (conflicting options, a target that
    /// is one of the inputs, ...), as one complete sentence fragment that names what it is
    /// about.
    #[error("{0}")]
    Invalid(String),

    /// A run stopped because its [`Cancel`](crate::Cancel) flag was set (Ctrl-C in the
    /// Python package). Nothing was committed and its memory was given back.
    #[error("cancelled")]
    Cancelled,

    /// A broken invariant inside tessera: a bug, never a mistake in the input. The text
    /// says which invariant; please report it.
    #[error("internal error (a bug in tessera, please report it): {0}")]
    Internal(String),

    /// A failure reported by libhdf5. The text is `<path>: HDF5 error: <reason>`.
    #[error("{}: HDF5 error: {reason}", path.display())]
    Hdf5 {
        /// The HDF5 file, or the `file:/dataset` address.
        path: PathBuf,
        /// One line: HDF5's own reason (the outermost and innermost frames of its error
        /// stack), after what tessera was doing where that helps,
        /// or tessera's reading of it where tessera recognises the failure.
        reason: String,
        /// The error from hdf5-metno, with its full error stack.
        #[source]
        source: hdf5::Error,
    },

    /// A failure reported by zarrs (or by the metadata parser it uses). The text is
    /// `<path>: Zarr error: <reason>`.
    #[error("{}: Zarr error: {reason}", path.display())]
    Zarr {
        /// The Zarr store, or the `store:/array` address.
        path: PathBuf,
        /// One line: the zarrs error's text, after what tessera was doing (`chunk [0, 3]`)
        /// where that helps.
        reason: String,
        /// The error from zarrs: one of its several error types (`ArrayCreateError`,
        /// `StorageError`, `ArrayError`, `CodecError`, ...) or a `serde_json::Error`;
        /// downcast to the one you expect.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A setting of a [`crate::Context`] that [`Error::OutOfRange`] refuses.
///
/// # Examples
/// ```
/// use tessera::{Context, Error, Setting};
/// let Err(Error::OutOfRange { setting, max, .. }) = Context::builder().threads(5000).build() else {
///     panic!("5000 threads should be refused");
/// };
/// assert_eq!((setting, max), (Setting::Threads, 1024));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Setting {
    /// The memory budget in bytes (`--memory`).
    MemoryBudget,
    /// The bytes given to the chunk cache, at most half of the memory budget.
    ChunkCache,
    /// The number of worker threads (`--threads`; 0 means one per core).
    Threads,
}

impl Error {
    /// The error as the one line the command line prints after `tessera: error: `:
    /// whitespace runs made one space and long quotations shortened. Bindings (the
    /// Python package) raise exceptions with this text.
    ///
    /// # Examples
    /// ```
    /// let e = tessera::Error::Invalid("two\nlines".into());
    /// assert_eq!(e.one_line(), "two lines");
    /// ```
    pub fn one_line(&self) -> String {
        crate::text::one_line(&self.to_string())
    }

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

    /// A malformed value of the argument `name` (see [`Error::InvalidArgument`]).
    pub fn invalid_argument(
        name: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidArgument {
            name: name.into(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// An HDF5 error on `path`, its reason in HDF5's words (the outermost and innermost
    /// frames of its error stack), after
    /// `context` (what tessera was doing) unless that is empty.
    pub fn hdf5(path: impl Into<PathBuf>, context: &str, source: hdf5::Error) -> Self {
        let reason = hdf5_reason(&source);
        Error::Hdf5 {
            path: path.into(),
            reason: if context.is_empty() {
                reason
            } else {
                format!("{context}: {reason}")
            },
            source,
        }
    }

    /// A zarrs error on `path`, its text on one line, after `context` (what tessera was
    /// doing) unless that is empty.
    pub fn zarr(
        path: impl Into<PathBuf>,
        context: &str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        let reason = one_line(&source.to_string());
        Error::Zarr {
            path: path.into(),
            reason: if context.is_empty() {
                reason
            } else {
                format!("{context}: {reason}")
            },
            source: Box::new(source),
        }
    }
}

/// One line of an hdf5-metno error in HDF5's own words: the outermost frame of its
/// error stack (what failed) and the innermost (why), e.g. `unable to open file:
/// truncated file: eof = 1, sblock->base_addr = 0, stored_eof = 2048`.
pub(crate) fn hdf5_reason(e: &hdf5::Error) -> String {
    let text = match e.stack() {
        Some(stack) if !stack.is_empty() => {
            let descs: Vec<&str> = stack.iter().map(|f| f.desc().trim()).collect();
            stack_text(&descs)
        }
        _ => match e.to_string() {
            t if t == "unknown library error" => {
                "the HDF5 library failed without saying why".to_string()
            }
            t => t,
        },
    };
    one_line(&text)
}

/// `outer: inner` from a stack's frame descriptions (outermost first), without
/// repeating one that says the same.
fn stack_text(descs: &[&str]) -> String {
    match descs {
        [] => "the HDF5 library failed without saying why".to_string(),
        [only] => (*only).to_string(),
        [outer, .., inner] if outer == inner => (*outer).to_string(),
        [outer, .., inner] => format!("{outer}: {inner}"),
    }
}

/// `text` with every run of whitespace (newlines included) made one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of [`Error::OutOfRange`].
fn out_of_range_text(setting: Setting, given: u64, min: u64, max: u64) -> String {
    match setting {
        Setting::MemoryBudget if given < min => format!(
            "memory budget of {given} bytes is too small: give at least {}",
            exact_bytes(min)
        ),
        Setting::MemoryBudget => {
            let power = if max.is_power_of_two() {
                format!(" (2^{} bytes)", max.trailing_zeros())
            } else {
                String::new()
            };
            format!(
                "memory budget of {given} bytes is too large: give at most {}{power}",
                exact_bytes(max)
            )
        }
        Setting::ChunkCache => format!(
            "a chunk cache of {given} bytes is more than half of the memory budget: give at most {max} bytes"
        ),
        Setting::Threads => {
            format!("--threads {given} is too many: give at most {max} (0 means one per core)")
        }
    }
}

/// `bytes` in the largest binary unit that divides it exactly: `1MiB`, `1EiB`, `1536KiB`.
fn exact_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes;
    let mut unit = None;
    for name in UNITS {
        if value == 0 || !value.is_multiple_of(1024) {
            break;
        }
        value /= 1024;
        unit = Some(name);
    }
    match unit {
        Some(name) => format!("{value}{name}"),
        None => format!("{bytes} bytes"),
    }
}

#[cfg(test)]
mod tests;
