//! Array addresses: one syntax for every command and API call.
//!
//! ```text
//! file.h5:/group/dataset     HDF5 (also .hdf5, .nc, .he5)
//! file.nc:/variable          netCDF-3 (classic, 64-bit offset, 64-bit data), read only
//! store.zarr                 a Zarr store that is itself one array (v2 or v3)
//! store.zarr:/group/array    an array inside a Zarr store
//! file.npy                   a NumPy .npy file
//! ```
//!
//! An existing path is recognised by its contents (HDF5 signature, netCDF-3 or .npy
//! magic, Zarr metadata) whatever its name, so a `.nc` file is netCDF-4 (HDF5) or
//! netCDF-3 by what it holds, so `fixtures/my-store:/a` works; a path to be created is
//! recognised by its extension.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The storage formats tessera reads and writes.
///
/// Non-exhaustive: more formats may be added, so a match outside tessera needs a `_` arm.
///
/// # Examples
/// ```
/// use tessera::{Address, Format};
/// assert_eq!(Address::parse("data.zarr")?.format, Format::Zarr);
/// assert_eq!(Format::Hdf5.name(), "hdf5");
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// An HDF5 file (netCDF4 files are HDF5 and read as such): `file.h5:/group/dataset`.
    Hdf5,
    /// A Zarr v2 or v3 store, a directory: `store.zarr` or `store.zarr:/group/array`.
    Zarr,
    /// A NumPy `.npy` file holding one array.
    Npy,
    /// A netCDF-3 file (CDF-1, CDF-2 or CDF-5), read only: `file.nc:/variable`.
    Netcdf3,
}

impl Format {
    /// A short name for messages and `info` output.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(tessera::Format::Npy.name(), "npy");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Format::Hdf5 => "hdf5",
            Format::Zarr => "zarr",
            Format::Npy => "npy",
            Format::Netcdf3 => "netcdf3",
        }
    }
}

/// A parsed address: the file or store on disk, its format, and the array inside it.
///
/// # Examples
/// ```
/// use tessera::{Address, Format};
/// let a = Address::parse("run.h5:/results/temperature")?;
/// assert_eq!((a.format, a.array.as_str()), (Format::Hdf5, "/results/temperature"));
/// assert_eq!(a.path, std::path::PathBuf::from("run.h5"));
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    /// The file (HDF5, .npy) or directory (Zarr) on disk.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// The array inside: `/group/dataset` for HDF5, `group/array` (no leading slash) for
    /// Zarr, empty for .npy and for a Zarr store that is itself an array.
    pub array: String,
}

impl Address {
    /// Parses `text`. Fails with the accepted forms when the format can be told neither
    /// from the contents of an existing path nor from the extension.
    ///
    /// # Examples
    /// ```
    /// use tessera::Address;
    /// assert!(Address::parse("x.npy").is_ok());
    /// assert!(Address::parse("notes.txt").is_err(), "no known format");
    /// ```
    pub fn parse(text: &str) -> Result<Address> {
        if text.trim().is_empty() {
            return Err(bad(text, "it is empty"));
        }
        let (path_part, array_part) = split_address(text);
        let path = PathBuf::from(path_part);
        if std::fs::metadata(&path).is_ok() {
            check_readable_kind(&path).map_err(|e| bad(text, &e.to_string()))?;
        }
        if let Some(inner) = array_part {
            check_array_path(inner).map_err(|reason| bad(text, &reason))?;
        }
        let format = sniff_format(&path)
            .or_else(|| format_from_extension(&path))
            .ok_or_else(|| {
                if path.exists() {
                    bad(
                        text,
                        "the path is neither an HDF5 or netCDF file, a Zarr store nor a .npy file",
                    )
                } else {
                    bad(text, "unknown extension (and no such file to look into)")
                }
            })?;
        let array = match format {
            // No dataset path: the whole file (`convert in.nc out.zarr`); reading or
            // writing one array needs one (see `Address::require_array`).
            Format::Hdf5 | Format::Netcdf3 => match array_part.unwrap_or("").trim_matches('/') {
                "" => String::new(),
                inner => format!("/{inner}"),
            },
            Format::Zarr => array_part.unwrap_or("").trim_matches('/').to_string(),
            Format::Npy => {
                if array_part.is_some_and(|a| !a.trim_matches('/').is_empty()) {
                    return Err(bad(
                        text,
                        "a .npy file holds one array: drop the ':/...' part",
                    ));
                }
                String::new()
            }
        };
        Ok(Address {
            path,
            format,
            array,
        })
    }

    /// Fails unless the address names one array: an HDF5 address needs its dataset path
    /// (a bare file names the whole file, which only a whole-file copy takes).
    pub fn require_array(&self) -> Result<()> {
        if !self.array.is_empty() {
            return Ok(());
        }
        let reason = match self.format {
            Format::Hdf5 => {
                "an HDF5 address needs the dataset path after ':', e.g. file.h5:/group/data"
            }
            Format::Netcdf3 => {
                "a netCDF address needs the variable after ':', e.g. file.nc:/temperature"
            }
            _ => return Ok(()),
        };
        Err(bad(&self.path.display().to_string(), reason))
    }

    /// The address written back in the accepted syntax.
    ///
    /// # Examples
    /// ```
    /// let a = tessera::Address::parse("run.h5:/t")?;
    /// assert_eq!(a.display(), "run.h5:/t");
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn display(&self) -> String {
        match (self.format, self.array.is_empty()) {
            (Format::Npy, _) | (Format::Zarr, true) => self.path.display().to_string(),
            (Format::Hdf5 | Format::Netcdf3, _) if self.array.is_empty() => {
                self.path.display().to_string()
            }
            (Format::Hdf5 | Format::Netcdf3, _) => {
                format!("{}:{}", self.path.display(), self.array)
            }
            (Format::Zarr, false) => format!("{}:/{}", self.path.display(), self.array),
        }
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

fn bad(text: &str, reason: &str) -> Error {
    Error::BadAddress {
        address: text.to_string(),
        reason: reason.to_string(),
    }
}

/// Splits at the first ':' whose left side is an existing path or has a known extension.
fn split_address(text: &str) -> (&str, Option<&str>) {
    for (i, _) in text.match_indices(':') {
        let left = &text[..i];
        let path = Path::new(left);
        if !left.is_empty() && (format_from_extension(path).is_some() || path.exists()) {
            return (left, Some(&text[i + 1..]));
        }
    }
    (text, None)
}

fn format_from_extension(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "h5" | "hdf5" | "nc" | "he5" | "nc4" => Some(Format::Hdf5),
        "zarr" => Some(Format::Zarr),
        "npy" => Some(Format::Npy),
        _ => None,
    }
}

/// Fails unless `path` exists and is a regular file or a directory (after following
/// symlinks). FIFOs, devices and sockets are refused without opening them, so nothing
/// blocks on a FIFO with no writer.
pub fn check_readable_kind(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| {
        let reason = if e.kind() == std::io::ErrorKind::NotFound {
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory")
        } else {
            e
        };
        Error::io(path, reason)
    })?;
    let kind = meta.file_type();
    if kind.is_file() || kind.is_dir() {
        return Ok(());
    }
    use std::os::unix::fs::FileTypeExt;
    let what = if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    };
    Err(Error::format(
        path,
        format!("is {what}; tessera reads only regular files and directories"),
    ))
}

/// The array part of an address: `/`-separated names, none of them `.` or `..`, and no
/// control characters (so no address can lead out of its file or store).
fn check_array_path(inner: &str) -> std::result::Result<(), String> {
    if let Some(part) = inner.split('/').find(|part| *part == "." || *part == "..") {
        return Err(format!(
            "the array path may not contain '{part}' (names lead down from the file or store, never out of it)"
        ));
    }
    if inner.chars().any(char::is_control) {
        return Err("the array path holds a control character".into());
    }
    Ok(())
}

/// Looks inside an existing path: Zarr metadata in a directory, or a file's magic bytes.
/// Anything but a regular file or directory is `None`, without opening it.
pub fn sniff_format(path: &Path) -> Option<Format> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() && !meta.is_dir() {
        return None;
    }
    if meta.is_dir() {
        let zarr_files = [".zarray", ".zgroup", "zarr.json", ".zattrs"];
        let has_metadata = zarr_files.iter().any(|f| path.join(f).exists());
        // A store whose root has no metadata (only the arrays below it have some) is
        // told by its name, as `Address::parse` tells it, so `info` takes what
        // `convert` takes.
        let named_zarr = format_from_extension(path) == Some(Format::Zarr);
        return (has_metadata || named_zarr).then_some(Format::Zarr);
    }
    let mut head = [0u8; 8];
    let mut file = std::fs::File::open(path).ok()?;
    use std::io::{Read, Seek, SeekFrom};
    if file.read_exact(&mut head[..6]).is_ok() && &head[..6] == b"\x93NUMPY" {
        return Some(Format::Npy);
    }
    file.seek(SeekFrom::Start(0)).ok()?;
    if file.read_exact(&mut head[..4]).is_ok()
        && matches!(&head[..4], b"CDF\x01" | b"CDF\x02" | b"CDF\x05")
    {
        return Some(Format::Netcdf3);
    }
    // The HDF5 superblock sits at 0, 512, 1024, 2048, ... (after a user block).
    let len = meta.len();
    let mut offset = 0u64;
    while offset + 8 <= len {
        file.seek(SeekFrom::Start(offset)).ok()?;
        if file.read_exact(&mut head).is_ok() && &head == b"\x89HDF\r\n\x1a\n" {
            return Some(Format::Hdf5);
        }
        offset = if offset == 0 { 512 } else { offset * 2 };
    }
    None
}

#[cfg(test)]
mod tests;
