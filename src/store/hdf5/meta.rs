//! What an HDF5 dataset is, in tessera's terms: opening files with one-line errors,
//! dtype and byte order, and filter names. Attributes are read in `attr_read` and
//! written in `attr_write`.

use std::path::Path;

use hdf5::Datatype;
use hdf5::types::{FloatSize, IntSize, TypeDescriptor};

use crate::dtype::{DType, Endian};
use crate::error::{Error, Result, hdf5_reason};

/// Wraps an hdf5-metno error as tessera's HDF5 error on `path`.
pub(super) fn h5err(path: &Path) -> impl Fn(hdf5::Error) -> Error + '_ {
    move |e| Error::hdf5(path, "", e)
}

/// Opens `path` for reading without blocking, and refuses anything but a regular
/// file: a FIFO or device named `x.h5` would otherwise block HDF5's own open forever.
fn open_regular(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(Error::format(
            path,
            "is not a regular file (a FIFO, socket, device or directory); tessera reads HDF5 only from regular files",
        ));
    }
    Ok(file)
}

/// Marks the descriptor of an open file close-on-exec. HDF5 opens files without
/// `O_CLOEXEC`, so a child process the host program starts meanwhile (a Python worker,
/// any subprocess) inherits the descriptor with HDF5's lock on it and keeps the file
/// locked for its whole life: another process then cannot open it.
pub(super) fn close_on_exec(file: &hdf5::File) {
    use hdf5_sys::h5f::H5Fget_vfd_handle;
    use hdf5_sys::h5p::H5P_DEFAULT;
    let mut handle: *mut std::ffi::c_void = std::ptr::null_mut();
    // SAFETY: a valid file id; HDF5 writes a pointer to the driver's handle, which for
    // the default (sec2) driver is its `int` descriptor. Called under HDF5's lock.
    let found =
        hdf5::sync::sync(|| unsafe { H5Fget_vfd_handle(file.id(), H5P_DEFAULT, &mut handle) });
    if found < 0 || handle.is_null() {
        return;
    }
    // SAFETY: `handle` points to the sec2 driver's descriptor, alive while `file` is.
    let fd = unsafe { *(handle as *const libc::c_int) };
    // SAFETY: fcntl on a descriptor this process owns; failure leaves it as it was.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFD);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
        }
    }
}

/// Opens an HDF5 file read-only; failures say why in words a user can act on, and keep
/// HDF5's error as the source.
pub(super) fn open_file(path: &Path) -> Result<hdf5::File> {
    drop(open_regular(path)?);
    let opened = hdf5::File::open(path);
    if let Ok(file) = &opened {
        close_on_exec(file);
    }
    opened.map_err(|e| {
        let text = hdf5_reason(&e);
        let lower = text.to_ascii_lowercase();
        let reason = if lower.contains("already open for write") || lower.contains("swmr") {
            format!(
                "cannot open the file: its header says another program has it open for \
                 writing (file locking/SWMR flag); if no program is writing it, clear the flag \
                 with `h5clear -s {}` and try again",
                path.display()
            )
        } else if lower.contains("signature") {
            "cannot open the file: no HDF5 signature found (not an HDF5 or netCDF4 file)"
                .to_string()
        } else if lower.contains("truncated") || lower.contains("eof") {
            format!("cannot open the file: it is truncated (shorter than its header says): {text}")
        } else {
            format!("cannot open the file: {text}")
        };
        Error::Hdf5 {
            path: path.to_path_buf(),
            reason,
            source: e,
        }
    })
}

/// The tessera dtype and byte order of a dataset's element type, or the reason it is
/// not numeric.
pub(super) fn dtype_of(path: &Path, datatype: &Datatype) -> Result<(DType, Endian)> {
    let unsupported = |what: String| Error::UnsupportedDtype {
        path: path.to_path_buf(),
        dtype: what,
    };
    let desc = datatype
        .to_descriptor()
        .map_err(|e| unsupported(hdf5_reason(&e)))?;
    let dtype = match &desc {
        TypeDescriptor::Boolean => DType::Bool,
        TypeDescriptor::Integer(s) => [DType::I8, DType::I16, DType::I32, DType::I64][int_rank(*s)],
        TypeDescriptor::Unsigned(s) => {
            [DType::U8, DType::U16, DType::U32, DType::U64][int_rank(*s)]
        }
        TypeDescriptor::Float(FloatSize::U2) => DType::F16,
        TypeDescriptor::Float(FloatSize::U4) => DType::F32,
        TypeDescriptor::Float(FloatSize::U8) => DType::F64,
        // An enum reads as its integer base type, as h5py reads it.
        TypeDescriptor::Enum(e) if e.signed => {
            [DType::I8, DType::I16, DType::I32, DType::I64][int_rank(e.size)]
        }
        TypeDescriptor::Enum(e) => {
            [DType::U8, DType::U16, DType::U32, DType::U64][int_rank(e.size)]
        }
        other => return Err(unsupported(other.to_string())),
    };
    let endian = match datatype.byte_order() {
        hdf5::datatype::ByteOrder::BigEndian => Endian::Big,
        _ => Endian::Little,
    };
    Ok((dtype, endian))
}

fn int_rank(size: IntSize) -> usize {
    match size {
        IntSize::U1 => 0,
        IntSize::U2 => 1,
        IntSize::U4 => 2,
        IntSize::U8 => 3,
    }
}

/// The HDF5 type description of a tessera dtype (native byte order; bool as h5py's
/// FALSE/TRUE enum of int8).
pub(super) fn descriptor(dtype: DType) -> TypeDescriptor {
    match dtype {
        DType::Bool => TypeDescriptor::Boolean,
        DType::I8 => TypeDescriptor::Integer(IntSize::U1),
        DType::I16 => TypeDescriptor::Integer(IntSize::U2),
        DType::I32 => TypeDescriptor::Integer(IntSize::U4),
        DType::I64 => TypeDescriptor::Integer(IntSize::U8),
        DType::U8 => TypeDescriptor::Unsigned(IntSize::U1),
        DType::U16 => TypeDescriptor::Unsigned(IntSize::U2),
        DType::U32 => TypeDescriptor::Unsigned(IntSize::U4),
        DType::U64 => TypeDescriptor::Unsigned(IntSize::U8),
        DType::F16 => TypeDescriptor::Float(FloatSize::U2),
        DType::F32 => TypeDescriptor::Float(FloatSize::U4),
        DType::F64 => TypeDescriptor::Float(FloatSize::U8),
    }
}

/// The in-memory HDF5 type of a tessera dtype.
pub(super) fn memtype(path: &Path, dtype: DType) -> Result<Datatype> {
    Datatype::from_descriptor(&descriptor(dtype)).map_err(h5err(path))
}

/// The memory type a dataset of element type `file_type` is read as through HDF5:
/// [`memtype`] of its dtype, or for an enum the same enum in native byte order (HDF5
/// converts no enum to an integer; the values read are the enum's integers).
pub(super) fn read_memtype(path: &Path, dtype: DType, file_type: &Datatype) -> Result<Datatype> {
    if !matches!(file_type.to_descriptor(), Ok(TypeDescriptor::Enum(_))) {
        return memtype(path, dtype);
    }
    // Not through the descriptor: it holds a big-endian enum's member values unswapped.
    use hdf5_sys::h5t::{H5T_direction_t, H5Tget_native_type};
    // SAFETY: a valid datatype id; the new id is owned by the Datatype made from it.
    let id = hdf5::sync::sync(|| unsafe {
        H5Tget_native_type(file_type.id(), H5T_direction_t::H5T_DIR_ASCEND)
    });
    if id < 0 {
        return Err(Error::format(
            path,
            "cannot make the native type of an enum",
        ));
    }
    // SAFETY: `id` is a new, valid datatype id, owned from here by the Datatype.
    unsafe { hdf5::from_id::<Datatype>(id) }.map_err(h5err(path))
}

/// A filter's usual name, for messages and `codec` text.
pub(super) fn filter_name(id: i32, params: &[u32]) -> String {
    match id {
        1 => format!("deflate({})", params.first().copied().unwrap_or(0)),
        2 => "shuffle".into(),
        3 => "fletcher32".into(),
        4 => "szip".into(),
        5 => "nbit".into(),
        6 => "scaleoffset".into(),
        307 => "bzip2".into(),
        32000 => "lzf".into(),
        32001 => "blosc".into(),
        32004 => "lz4".into(),
        32008 => "bitshuffle".into(),
        32013 => "zfp".into(),
        32015 => "zstd".into(),
        32017 => "sz".into(),
        other => format!("filter {other}"),
    }
}
