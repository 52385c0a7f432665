//! Checks on a write's target before any work, so that no write loses data, and where
//! the new array goes ([`Placement`]):
//!
//! - **A member of an existing file or store.** An address that names an array inside
//!   a container (`file.h5:/g/t`, `store.zarr:/g/t`) adds that array to the existing
//!   file or store, leaving everything else in it as it is. When the array exists,
//!   `--overwrite` replaces that one array and nothing else, and only when it is an
//!   array (an HDF5 dataset reached by a hard link; a Zarr array directory holding
//!   only its metadata and chunks).
//! - **Never an input.** The target may not be an input (the same file, through a hard
//!   link or a symlink), contain an input (a store holding it), or lie inside an input
//!   store. This holds with and without `--overwrite`.
//! - **Replace only what is provably ours to replace.** With `--overwrite`, an existing
//!   target is replaced only when tessera can read it completely as exactly one array,
//!   the one being written, and it holds nothing else: no other arrays or groups, no
//!   links, no attributes outside the array, no stray files in a store, no bytes after
//!   a .npy's data. Everything else is refused and left as it is.
//! - **Room to write.** The output's largest possible size (every chunk at its codec's
//!   worst case, in whole filesystem blocks) and its file count are compared with what
//!   `statvfs` says is free, and a write that cannot fit is refused up front.

use std::collections::HashSet;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::address::{Address, Format};
use crate::error::{Error, Result};
use crate::grid::ChunkGrid;
use crate::store::staging::parent_of;
use crate::store::{ArrayMeta, Codec, WriteOptions};

/// Metadata file names of Zarr v2 and v3.
const ZARR_METADATA: [&str; 5] = ["zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata"];

/// Filesystem block assumed when statvfs does not tell.
const DEFAULT_BLOCK: u64 = 4096;

/// Headroom for metadata files, the HDF5 superblock and object headers.
const METADATA_SLACK: u64 = 1 << 20;

/// Where a new array goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Into a new file or store at a path where nothing exists.
    New,
    /// Into a new file or store that replaces the existing one, which holds exactly
    /// this one array (a .npy, or a Zarr store that is itself the array).
    ReplaceWhole,
    /// Into an existing file or store beside its other contents.
    Member {
        /// An array of that name is there and `--overwrite` replaces it.
        replace: bool,
    },
}

/// All checks on `address` before writing an array like `like` there with `options`,
/// and where it goes; `inputs` are the paths of everything the written values are read
/// from.
pub fn check_target(
    address: &Address,
    like: &ArrayMeta,
    options: &WriteOptions,
    inputs: &[PathBuf],
) -> Result<Placement> {
    check_not_an_input(&address.path, inputs)?;
    let placement = placement(address, options.overwrite)?;
    check_free_space(address, like, options)?;
    if matches!(placement, Placement::Member { .. }) {
        check_copy_space(address)?;
    }
    Ok(placement)
}

/// True when `address` names an array inside a file or store (rather than the file or
/// store itself being the array).
pub fn is_member_address(address: &Address) -> bool {
    match address.format {
        Format::Hdf5 => true,
        Format::Zarr => !address.array.trim_matches('/').is_empty(),
        _ => false,
    }
}

/// Where an array written to `address` goes, or why it may not be written there.
pub fn placement(address: &Address, overwrite: bool) -> Result<Placement> {
    let path = &address.path;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(Placement::New);
    };
    if !is_member_address(address) {
        if !overwrite {
            return Err(Error::TargetExists { path: path.clone() });
        }
        check_replaceable(address)?;
        return Ok(Placement::ReplaceWhole);
    }
    let refuse = |why: String| {
        Err(Error::Invalid(format!(
            "{}: cannot add the array {}: {why}",
            path.display(),
            address.array
        )))
    };
    if meta.file_type().is_symlink() {
        return refuse("the path is a symlink; tessera never writes through one".into());
    }
    match crate::address::sniff_format(path) {
        Some(format) if format == address.format => {}
        Some(format) => return refuse(format!("it holds {} data", format.name())),
        None => {
            return refuse(format!(
                "it exists and is not {} {}",
                if address.format == Format::Hdf5 {
                    "an"
                } else {
                    "a"
                },
                match address.format {
                    Format::Hdf5 => "HDF5 file",
                    _ => "Zarr store",
                }
            ));
        }
    }
    let exists = match address.format {
        Format::Hdf5 => hdf5_member_exists(address)?,
        _ => zarr_member_exists(address)?,
    };
    if !exists {
        return Ok(Placement::Member { replace: false });
    }
    if !overwrite {
        return Err(Error::Invalid(format!(
            "{}: already exists (pass --overwrite to replace this one array; the rest of {} is kept)",
            address.display(),
            path.display()
        )));
    }
    match address.format {
        Format::Hdf5 => check_hdf5_member_replaceable(address)?,
        _ => check_zarr_member_replaceable(address)?,
    }
    Ok(Placement::Member { replace: true })
}

/// Refuses a target that is, contains, or lies inside one of `inputs`.
pub fn check_not_an_input(target: &Path, inputs: &[PathBuf]) -> Result<()> {
    let refuse = |input: &Path, how: &str| {
        Err(Error::Invalid(format!(
            "{}: {how} {}; tessera never writes over its inputs: write to a new path",
            target.display(),
            input.display()
        )))
    };
    let target_real = target.canonicalize().ok();
    let parent_real = parent_of(target).canonicalize().ok();
    for input in inputs {
        let Ok(input_meta) = std::fs::metadata(input) else {
            continue; // not on disk: generated or in-memory data
        };
        let Ok(input_real) = input.canonicalize() else {
            continue;
        };
        if let Ok(target_meta) = std::fs::metadata(target)
            && (target_meta.dev(), target_meta.ino()) == (input_meta.dev(), input_meta.ino())
        {
            return refuse(input, "the target is the input");
        }
        if let Some(target_real) = &target_real
            && input_real.starts_with(target_real)
        {
            return refuse(input, "the target contains the input");
        }
        if input_meta.is_dir()
            && let Some(parent_real) = &parent_real
            && parent_real.starts_with(&input_real)
        {
            return refuse(input, "the target lies inside the input store");
        }
    }
    Ok(())
}

// ---- --overwrite: what may be replaced ----

/// Fails unless the existing target (if any) holds exactly the one array at
/// `address.array`, fully readable, and nothing else.
pub fn check_replaceable(address: &Address) -> Result<()> {
    let path = &address.path;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    let refuse = |why: String| {
        Err(Error::Invalid(format!(
            "{}: --overwrite refused: {why}; tessera replaces only a file or store that holds exactly the one array being written, and nothing else",
            path.display()
        )))
    };
    if meta.file_type().is_symlink() {
        return refuse("it is a symlink".into());
    }
    if !meta.is_file() && !meta.is_dir() {
        return refuse("it is not a regular file or a directory".into());
    }
    let Some(format) = crate::address::sniff_format(path) else {
        return refuse("it is not an HDF5 or netCDF file, a Zarr store or a .npy file".into());
    };
    if format != address.format {
        return refuse(format!("it holds {} data", format.name()));
    }
    let entries = match crate::store::list(path) {
        Ok(entries) => entries,
        Err(e) => return refuse(format!("it cannot be read ({e})")),
    };
    let wanted = address.array.trim_matches('/');
    let others: Vec<&str> = entries
        .iter()
        .map(|e| e.name.trim_matches('/'))
        .filter(|name| *name != wanted)
        .collect();
    if !others.is_empty() {
        return refuse(format!("it also holds {}", shown(&others)));
    }
    match entries.first().map(|e| &e.meta) {
        None => return refuse(format!("it holds no array '{wanted}'")),
        Some(Err(reason)) => return refuse(format!("its array cannot be read ({reason})")),
        Some(Ok(_)) => {}
    }
    let extras = match format {
        Format::Npy => npy_extras(path)?,
        Format::Zarr => zarr_extras(path, wanted)?,
        Format::Hdf5 => hdf5_extras(path, wanted)?,
        Format::Netcdf3 => {
            return refuse(
                "it is a netCDF-3 file, and tessera writes netCDF-4 (HDF5), not netCDF-3".into(),
            );
        }
    };
    if !extras.is_empty() {
        let names: Vec<&str> = extras.iter().map(String::as_str).collect();
        return refuse(format!("it also holds {}", shown(&names)));
    }
    Ok(())
}

fn shown(names: &[&str]) -> String {
    let mut text = names.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    if names.len() > 5 {
        text.push_str(&format!(" and {} more", names.len() - 5));
    }
    text
}

/// Bytes of a .npy file beyond its header and data.
fn npy_extras(path: &Path) -> Result<Vec<String>> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut pre = [0u8; 12];
    let got = file.read_at(&mut pre, 0).map_err(|e| Error::io(path, e))?;
    let header_end = match pre[6] {
        1 if got >= 10 => 10 + u64::from(u16::from_le_bytes([pre[8], pre[9]])),
        2 | 3 if got >= 12 => {
            12 + u64::from(u32::from_le_bytes([pre[8], pre[9], pre[10], pre[11]]))
        }
        _ => return Ok(vec!["an unreadable header".into()]),
    };
    let address = Address {
        path: path.to_path_buf(),
        format: Format::Npy,
        array: String::new(),
    };
    let meta = crate::store::npy::NpySource::open(&address)?;
    let data = crate::store::ChunkSource::meta(&meta).logical_bytes();
    let trailing = len.saturating_sub(header_end.saturating_add(data));
    Ok(if trailing > 0 {
        vec![format!("{trailing} bytes after the array's data")]
    } else {
        Vec::new()
    })
}

/// Entries of a Zarr store that are neither metadata on the way to `array` nor chunk
/// files of it.
fn zarr_extras(root: &Path, array: &str) -> Result<Vec<String>> {
    let array_dir = if array.is_empty() {
        root.to_path_buf()
    } else {
        root.join(array)
    };
    let mut extras = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            let is_metadata = entry
                .file_name()
                .to_str()
                .is_some_and(|n| ZARR_METADATA.contains(&n));
            let on_the_way = array_dir.starts_with(&path);
            let inside_array = path.starts_with(&array_dir);
            if kind.is_dir() && (on_the_way || inside_array) {
                pending.push(path);
            } else if kind.is_file() && is_metadata && array_dir.starts_with(&dir) {
                // metadata of the array or of a group above it
            } else if kind.is_file() && inside_array && is_chunk_key(&path, &array_dir) {
                // a chunk of the array
            } else {
                extras.push(relative);
            }
        }
        if extras.len() > 5 {
            break;
        }
    }
    extras.sort();
    Ok(extras)
}

/// `c/0/1`, `c.0.1`, `0.1`, `0/1` or `c` / `0` (0-d): a chunk key of any encoding.
fn is_chunk_key(path: &Path, array_dir: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(array_dir) else {
        return false;
    };
    let text = String::from_utf8_lossy(relative.as_os_str().as_bytes()).into_owned();
    let mut parts: Vec<&str> = text.split(['/', '.']).collect();
    if parts.first() == Some(&"c") {
        parts.remove(0);
    }
    parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Objects of an HDF5 file other than `array` and the groups that lead to it: other
/// links of any kind, named datatypes, and attributes on the file or those groups.
fn hdf5_extras(path: &Path, array: &str) -> Result<Vec<String>> {
    let wanted = format!("/{array}");
    let file = hdf5::File::open(path).map_err(|e| Error::hdf5(path, "", e))?;
    let mut extras = Vec::new();
    let mut seen = HashSet::new();
    collect_hdf5_extras(path, &file, "", &wanted, &mut seen, &mut extras)?;
    Ok(extras)
}

fn collect_hdf5_extras(
    path: &Path,
    group: &hdf5::Group,
    prefix: &str,
    wanted: &str,
    seen: &mut HashSet<String>,
    extras: &mut Vec<String>,
) -> Result<()> {
    let h5 = |e: hdf5::Error| Error::hdf5(path, "", e);
    let here = if prefix.is_empty() { "/" } else { prefix };
    if !seen.insert(here.to_string()) || extras.len() > 5 {
        return Ok(());
    }
    if !group.attr_names().map_err(h5)?.is_empty() {
        extras.push(format!("attributes on {here}"));
    }
    let mut links = Vec::new();
    group
        .iter_visit_default(|name, info| {
            links.push((name.to_string(), info.link_type));
            Ok(())
        })
        .map_err(h5)?;
    for (name, link_type) in links {
        let full = format!("{prefix}/{name}");
        let on_the_way = wanted.starts_with(&format!("{full}/"));
        if link_type != hdf5::LinkType::Hard {
            extras.push(format!("the link {full}"));
            continue;
        }
        let kind = group.loc_type_by_name(&name).map_err(h5)?;
        match kind {
            hdf5::LocationType::Dataset if full == wanted => {}
            hdf5::LocationType::Group if on_the_way => {
                let child = group.group(&name).map_err(h5)?;
                collect_hdf5_extras(path, &child, &full, wanted, seen, extras)?;
            }
            _ => extras.push(full),
        }
    }
    Ok(())
}

// ---- arrays added to an existing file or store ----

fn hdf5_member_exists(address: &Address) -> Result<bool> {
    use crate::store::hdf5::MemberKind;
    Ok(!matches!(
        crate::store::hdf5::member_kind(&address.path, &address.array)?,
        MemberKind::Missing
    ))
}

/// Refuses to replace anything but a dataset reached by hard links only.
fn check_hdf5_member_replaceable(address: &Address) -> Result<()> {
    use crate::store::hdf5::MemberKind;
    match crate::store::hdf5::member_kind(&address.path, &address.array)? {
        MemberKind::Dataset | MemberKind::Missing => Ok(()),
        MemberKind::Other(what) => Err(Error::Invalid(format!(
            "{}: --overwrite refused: it is {what}; --overwrite replaces a dataset only",
            address.display()
        ))),
    }
}

fn zarr_member_exists(address: &Address) -> Result<bool> {
    let root = &address.path;
    let at = root.join(address.array.trim_matches('/'));
    // A member cannot go inside an array: the store root or a group above must not be one.
    let parts: Vec<&str> = address.array.trim_matches('/').split('/').collect();
    for depth in 0..parts.len() {
        if zarr_node_is_array(root, &parts[..depth].join("/")) {
            return Err(Error::Invalid(format!(
                "{}: cannot add the array {}: {} is an array, not a group",
                root.display(),
                address.array,
                if depth == 0 {
                    "the store itself".to_string()
                } else {
                    format!("/{}", parts[..depth].join("/"))
                }
            )));
        }
    }
    Ok(std::fs::symlink_metadata(at).is_ok())
}

/// True when the Zarr store at `root` is itself an array (not a group of arrays).
pub fn zarr_root_is_array(root: &Path) -> bool {
    zarr_node_is_array(root, "")
}

/// True when the node `key` of the store at `root` holds Zarr array metadata (v2
/// `.zarray`, or a v3 `zarr.json` whose node type is array); metadata is read through
/// the store's bounded, in-store reader.
fn zarr_node_is_array(root: &Path, key: &str) -> bool {
    let Ok(store) = crate::store::zarr::fs::StoreDir::open(root) else {
        return false;
    };
    let file = |name: &str| {
        if key.is_empty() {
            name.to_string()
        } else {
            format!("{key}/{name}")
        }
    };
    if matches!(store.read_metadata(&file(".zarray")), Ok(Some(_))) {
        return true;
    }
    let Ok(Some(bytes)) = store.read_metadata(&file("zarr.json")) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|doc| doc.get("node_type")?.as_str().map(|t| t == "array"))
        .unwrap_or(false)
}

/// Refuses to replace anything but an array directory holding just its metadata and
/// chunks.
fn check_zarr_member_replaceable(address: &Address) -> Result<()> {
    let dir = address.path.join(address.array.trim_matches('/'));
    let refuse = |why: String| {
        Err(Error::Invalid(format!(
            "{}: --overwrite refused: {why}; --overwrite replaces one array, never a group or other files",
            address.display()
        )))
    };
    let meta = std::fs::symlink_metadata(&dir).map_err(|e| Error::io(&dir, e))?;
    if !meta.is_dir() {
        return refuse("it is not a directory".into());
    }
    if !zarr_node_is_array(&address.path, address.array.trim_matches('/')) {
        return refuse("it is not a Zarr array (a group, or no metadata)".into());
    }
    let extras = zarr_extras(&dir, "")?;
    if !extras.is_empty() {
        let names: Vec<&str> = extras.iter().map(String::as_str).collect();
        return refuse(format!("it also holds {}", shown(&names)));
    }
    Ok(())
}

/// An HDF5 file gets a member by being copied whole: the copy must fit beside it.
fn check_copy_space(address: &Address) -> Result<()> {
    if address.format != Format::Hdf5 {
        return Ok(());
    }
    let size = std::fs::metadata(&address.path).map_or(0, |m| m.len());
    let Some(free) = filesystem_free(&parent_of(&address.path)) else {
        return Ok(());
    };
    if round_up(size, free.block) <= free.bytes {
        return Ok(());
    }
    Err(Error::io(
        &address.path,
        std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            format!(
                "adding an array copies the file ({}), but its filesystem has {} free; free some space or write a new file",
                crate::text::format_bytes(size),
                crate::text::format_bytes(free.bytes)
            ),
        ),
    ))
}

// ---- room to write ----

/// Refuses an output that cannot fit in the free space (or free inodes) of its
/// filesystem at its largest.
pub fn check_free_space(address: &Address, like: &ArrayMeta, options: &WriteOptions) -> Result<()> {
    let parent = parent_of(&address.path);
    let Some(free) = filesystem_free(&parent) else {
        return Ok(()); // statvfs unavailable: the writes themselves report a full disk
    };
    let Some((bytes, files)) = max_output_size(address.format, like, options, free.block) else {
        return Err(Error::Invalid(format!(
            "{}: the output's size does not fit in 64 bits",
            address.path.display()
        )));
    };
    if bytes > free.bytes {
        return Err(Error::io(
            &address.path,
            std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                format!(
                    "the output may take up to {} but its filesystem has {} free; free some space or write elsewhere",
                    crate::text::format_bytes(bytes),
                    crate::text::format_bytes(free.bytes)
                ),
            ),
        ));
    }
    if free.files.is_some_and(|f| files > f) {
        return Err(Error::io(
            &address.path,
            std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                format!(
                    "the output needs up to {files} files but its filesystem has {} free inodes",
                    free.files.unwrap_or(0)
                ),
            ),
        ));
    }
    Ok(())
}

/// Refuses a rechunking scratch file of `bytes` beside `target` that cannot fit in the
/// free space of its filesystem.
pub fn check_scratch_space(target: &Path, bytes: u64) -> Result<()> {
    let Some(free) = filesystem_free(&parent_of(target)) else {
        return Ok(());
    };
    let needed = round_up(bytes, free.block);
    if needed <= free.bytes {
        return Ok(());
    }
    Err(Error::io(
        target,
        std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            format!(
                "this rechunk needs a scratch file of {} beside the target, but its filesystem has {} free; free some space, write elsewhere, or give more --memory",
                crate::text::format_bytes(needed),
                crate::text::format_bytes(free.bytes)
            ),
        ),
    ))
}

struct FreeSpace {
    bytes: u64,
    files: Option<u64>,
    block: u64,
}

fn filesystem_free(dir: &Path) -> Option<FreeSpace> {
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs is plain data, filled in by the call.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid NUL-terminated path and a valid out-pointer.
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    let block = if stat.f_frsize > 0 {
        stat.f_frsize
    } else {
        DEFAULT_BLOCK
    };
    Some(FreeSpace {
        bytes: (stat.f_bavail as u64).saturating_mul(block),
        // Filesystems without inode accounting report zero inodes in all.
        files: (stat.f_files > 0).then_some(stat.f_favail as u64),
        block,
    })
}

/// The output's largest size in bytes (whole blocks) and its number of files.
fn max_output_size(
    format: Format,
    like: &ArrayMeta,
    options: &WriteOptions,
    block: u64,
) -> Option<(u64, u64)> {
    let elem = like.dtype.size() as u64;
    let logical = like
        .shape
        .iter()
        .try_fold(elem, |acc, &n| acc.checked_mul(n))?;
    if format == Format::Npy || like.shape.is_empty() {
        return Some((round_up(logical.checked_add(METADATA_SLACK)?, block), 1));
    }
    let unit = options.shard.as_ref().unwrap_or(&options.chunks);
    let grid = ChunkGrid::new(&like.shape, unit).ok()?;
    let units = grid
        .grid_shape()
        .iter()
        .try_fold(1u64, |acc, &n| acc.checked_mul(n))?;
    let unit_bytes = unit.iter().try_fold(elem, |acc, &n| acc.checked_mul(n))?;
    let inner_chunks = match &options.shard {
        Some(shard) => shard
            .iter()
            .zip(&options.chunks)
            .try_fold(1u64, |acc, (s, c)| acc.checked_mul(s / c.max(&1)))?,
        None => 1,
    };
    let encoded = codec_bound(options.codec, unit_bytes, inner_chunks)?;
    let per_unit = match format {
        Format::Zarr => round_up(encoded, block),
        _ => encoded,
    };
    let total = per_unit.checked_mul(units)?.checked_add(METADATA_SLACK)?;
    let files = match format {
        Format::Zarr => units.checked_add(16)?,
        _ => 1,
    };
    Some((round_up(total, block), files))
}

/// The most bytes `n` bytes in `chunks` inner chunks can take after compression, with
/// a shard index when sharded.
fn codec_bound(codec: Codec, n: u64, chunks: u64) -> Option<u64> {
    let index = if chunks > 1 {
        chunks.checked_mul(16)?
    } else {
        0
    };
    let overhead = match codec {
        Codec::None => 0,
        // zstd's and blosc's compress bounds are below n/128 + 128 per chunk; deflate's
        // far below.
        _ => (n / 128).checked_add(chunks.checked_mul(128)?)?,
    };
    n.checked_add(overhead)?.checked_add(index)
}

fn round_up(n: u64, block: u64) -> u64 {
    n.div_ceil(block).saturating_mul(block)
}

#[cfg(test)]
mod tests;
