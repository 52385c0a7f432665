//! tessera's errors as Python exceptions.
//!
//! Every exception carries [`tessera::Error::one_line`], the text the command line prints
//! after `tessera: error: `. The class follows what numpy and the standard library raise
//! for the same mistake:
//!
//! | tessera error | Python exception |
//! |---|---|
//! | `BadAddress`, `Shape`, `InvalidArgument`, `OutOfRange`, `Invalid`, `UnsupportedCodec` | `ValueError` |
//! | `Io` of a missing path | `FileNotFoundError` |
//! | `Io` otherwise, `Format`, `Hdf5`, `Zarr`, `CorruptChunk` | `OSError` |
//! | `TargetExists`, or an existing array inside a file or store | `FileExistsError` |
//! | `UnsupportedDtype`, an operation numpy has no loop for (`-bools`) | `TypeError` |
//! | `OverBudget` | `tessera.BudgetError` (a `MemoryError`) |
//! | an integer literal out of the dtype's range | `OverflowError`, as numpy 2 |
//! | `Cancelled` (a run stopped by Ctrl-C) | `KeyboardInterrupt` |
//! | `Internal` and anything newer | `RuntimeError` |

use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyKeyboardInterrupt, PyMemoryError, PyOSError,
    PyOverflowError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;

pyo3::create_exception!(
    tessera,
    BudgetError,
    PyMemoryError,
    "Work that can never fit in the memory budget, refused before it starts. The message names the operation, the bytes it needs and what to change (a larger `Context(memory=...)`, smaller chunks)."
);

/// The Python exception for `error`, with the command line's one-line text.
pub(crate) fn to_py(error: tessera::Error) -> PyErr {
    let text = error.one_line();
    match &error {
        tessera::Error::OverBudget { .. } => BudgetError::new_err(text),
        tessera::Error::UnsupportedDtype { .. } => PyTypeError::new_err(text),
        tessera::Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(text)
        }
        tessera::Error::TargetExists { .. } => PyFileExistsError::new_err(text),
        tessera::Error::Cancelled => PyKeyboardInterrupt::new_err(text),
        tessera::Error::Io { .. }
        | tessera::Error::Format { .. }
        | tessera::Error::Hdf5 { .. }
        | tessera::Error::Zarr { .. }
        | tessera::Error::CorruptChunk { .. } => PyOSError::new_err(text),
        // The engine refuses an out-of-range integer literal with numpy's wording; numpy
        // raises it as OverflowError.
        tessera::Error::Invalid(reason) if reason.contains("raises OverflowError") => {
            PyOverflowError::new_err(text)
        }
        // An operation numpy has no loop for (`-bools`, `bools - bools`, `+bools`) is
        // refused as `Invalid` in numpy's words; numpy raises it as TypeError
        // (`UFuncTypeError`).
        tessera::Error::Invalid(reason) if reason.contains(": numpy does not ") => {
            PyTypeError::new_err(text)
        }
        // An existing array inside a file or store is refused as `Invalid`, with the
        // same words as `TargetExists`.
        tessera::Error::Invalid(reason)
            if reason.contains(": already exists (pass --overwrite") =>
        {
            PyFileExistsError::new_err(text)
        }
        tessera::Error::BadAddress { .. }
        | tessera::Error::Shape { .. }
        | tessera::Error::InvalidArgument { .. }
        | tessera::Error::OutOfRange { .. }
        | tessera::Error::Invalid(_)
        | tessera::Error::UnsupportedCodec { .. } => PyValueError::new_err(text),
        _ => PyRuntimeError::new_err(text),
    }
}

/// `result` with its error turned into a Python exception ([`to_py`]).
pub(crate) fn py<T>(result: tessera::Result<T>) -> PyResult<T> {
    result.map_err(to_py)
}
