//! How a dataset is stored: its layout, its filters (decoded by tessera or refused), its
//! data kept in this file only, and the index of its chunks in the file.

use super::*;

/// Reads a dataset's metadata and decides how its chunks can be read.
pub(super) fn inspect(path: &Path, name: &str, ds: &Dataset) -> Result<Inspected> {
    let at = object_at(path, name);
    // The layout comes first: asking a virtual dataset for its dataspace makes HDF5
    // open its source files.
    let dcpl = ds.dcpl().map_err(h5err(path))?;
    let layout = dcpl.layout();
    refuse_data_elsewhere(&at, layout, dcpl.id())?;
    if raw::is_null_space(ds).map_err(h5err(path))? {
        return Err(Error::format(
            at,
            "has a null dataspace (h5py Empty): a datatype with no elements; there is no array to read",
        ));
    }
    let file_type = ds.dtype().map_err(h5err(path))?;
    let (dtype, endian) = meta::dtype_of(&at, &file_type)?;
    let shape: Vec<u64> = ds.shape().iter().map(|n| *n as u64).collect();
    check_sizes(&at, &shape, dtype)?;
    let filters = raw::filters(dcpl.id()).map_err(h5err(path))?;
    let pipeline = own_pipeline(&filters);
    if pipeline.is_none() {
        refuse_unavailable_filters(path, &filters)?;
    }
    let memtype = meta::read_memtype(path, dtype, &file_type)?;
    let fill_value = raw::fill_value(dcpl.id(), &memtype, dtype.size()).map_err(h5err(path))?;
    let chunks: Vec<u64> = match (layout, ds.chunk()) {
        (Layout::Chunked, Some(c)) => c.iter().map(|n| *n as u64).collect(),
        _ => row_block_chunks(&shape, dtype, CONTIGUOUS_BLOCK_BYTES),
    };
    if chunks.len() != shape.len() || chunks.contains(&0) {
        return Err(Error::format(
            at,
            format!(
                "chunk shape {chunks:?} does not fit the dataset shape {shape:?} (damaged file?)"
            ),
        ));
    }
    let chunk_bytes = chunks
        .iter()
        .try_fold(dtype.size() as u64, |acc, c| acc.checked_mul(*c));
    if chunk_bytes.is_none_or(|b| b > MAX_CHUNK_BYTES) {
        return Err(Error::format(
            path,
            format!(
                "dataset chunk shape {chunks:?} is over HDF5's 4 GiB chunk limit (damaged file?)"
            ),
        ));
    }
    let codec = if filters.is_empty() {
        "none".to_string()
    } else {
        filters
            .iter()
            .map(|f| meta::filter_name(f.id, &f.params))
            .collect::<Vec<_>>()
            .join("+")
    };
    let meta = ArrayMeta {
        shape,
        chunks,
        dtype,
        fill_value,
        codec,
        layout: layout_name(layout).to_string(),
        attributes: attr_read::read_attributes(ds).into_attributes(),
        dimension_names: dims::dimension_names(ds),
        stored_bytes: Some(ds.storage_size()),
        fill_marks_missing: false,
    };
    Ok(Inspected {
        meta,
        endian,
        layout,
        pipeline,
    })
}

/// Refuses datasets whose data lives in other files: virtual datasets (mappings from
/// source datasets) and external raw storage. Their names are read, nothing is opened.
/// tessera refuses rather than follows them: it reads only the file it is given.
fn refuse_data_elsewhere(at: &Path, layout: Layout, dcpl: hdf5_sys::h5i::hid_t) -> Result<()> {
    if layout == Layout::Virtual {
        let sources = raw::virtual_sources(dcpl);
        let shown: Vec<String> = sources
            .iter()
            .take(3)
            .map(|(f, d)| format!("{f}:{d}"))
            .collect();
        let more = if sources.len() > 3 {
            format!(" and {} more", sources.len() - 3)
        } else {
            String::new()
        };
        return Err(Error::format(
            at,
            format!(
                "is a virtual dataset mapped from {}{more}; tessera reads only data stored in the dataset itself, in the file it is given",
                shown.join(", ")
            ),
        ));
    }
    let external = raw::external_files(dcpl);
    if !external.is_empty() {
        return Err(Error::format(
            at,
            format!(
                "stores its data in external file(s) {}; tessera reads only the file it is given",
                external.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Refuses a shape whose element or byte count does not fit 64 bits.
fn check_sizes(at: &Path, shape: &[u64], dtype: DType) -> Result<()> {
    let bytes = shape
        .iter()
        .try_fold(dtype.size() as u64, |acc, n| acc.checked_mul(*n));
    if bytes.is_none() {
        return Err(Error::format(
            at,
            format!(
                "shape {shape:?} of {dtype} holds more bytes than fit in 64 bits (damaged file?)"
            ),
        ));
    }
    Ok(())
}

fn layout_name(layout: Layout) -> &'static str {
    match layout {
        Layout::Chunked => "chunked",
        Layout::Contiguous => "contiguous",
        Layout::Compact => "compact",
        Layout::Virtual => "virtual",
    }
}

/// The pipeline as steps tessera runs itself, or None when some filter is not one.
pub(super) fn own_pipeline(filters: &[raw::FilterSpec]) -> Option<Pipeline> {
    let steps = filters
        .iter()
        .map(|f| match f.id {
            decode::DEFLATE => Some(Step::Deflate(f.params.first().copied().unwrap_or(0))),
            decode::SHUFFLE => Some(Step::Shuffle),
            decode::FLETCHER32 => Some(Step::Fletcher32),
            decode::LZF => Some(Step::Lzf),
            _ => None,
        })
        .collect::<Option<Vec<Step>>>()?;
    Some(Pipeline { steps })
}

/// Fails with UnsupportedCodec when the HDF5 library cannot run one of the filters.
fn refuse_unavailable_filters(path: &Path, filters: &[raw::FilterSpec]) -> Result<()> {
    for f in filters {
        let ours = matches!(
            f.id,
            decode::DEFLATE | decode::SHUFFLE | decode::FLETCHER32 | decode::LZF
        );
        if !ours && !raw::filter_available(f.id) {
            return Err(Error::UnsupportedCodec {
                path: path.to_path_buf(),
                codec: meta::filter_name(f.id, &f.params),
                detail: super::plugins::unavailable_detail(f.id),
            });
        }
    }
    Ok(())
}

/// Chooses how to read: own decoding when possible, else the library.
pub(super) fn storage_for(
    path: &Path,
    ds: &Dataset,
    inspected: &Inspected,
    grid: &ChunkGrid,
) -> Result<Storage> {
    let chunk_bytes = inspected.meta.chunk_bytes();
    match (inspected.layout, &inspected.pipeline) {
        (Layout::Chunked, Some(pipeline)) => {
            let (file, file_len) = raw_file(path)?;
            Ok(Storage::Chunks(ChunkIndex {
                file,
                pipeline: pipeline.clone(),
                table: ChunkTable {
                    chunks: chunk_index(path, ds, grid)?,
                    file_len,
                    max_stored: max_stored_bytes(&pipeline.steps, chunk_bytes),
                },
            }))
        }
        (Layout::Contiguous, _) => {
            let (file, file_len) = raw_file(path)?;
            let offset = ds.offset();
            check_contiguous(path, &inspected.meta, offset, file_len)?;
            Ok(Storage::Contiguous { file, offset })
        }
        (layout, _) => {
            let table = if layout == Layout::Chunked {
                let (_, file_len) = raw_file(path)?;
                Some(ChunkTable {
                    chunks: chunk_index(path, ds, grid)?,
                    file_len,
                    max_stored: chunk_bytes.saturating_mul(2).max(chunk_bytes + (1 << 20)),
                })
            } else {
                None
            };
            Ok(Storage::Library {
                ds: ds.clone(),
                memtype: meta::memtype(path, inspected.meta.dtype)?,
                table,
            })
        }
    }
}

/// The most bytes a chunk of `chunk_bytes` can take once `steps` are applied: deflate
/// may grow incompressible data by a few bytes per block (bounded generously here),
/// fletcher32 adds 4. A larger size in the chunk index is damage, refused before
/// anything is allocated.
fn max_stored_bytes(steps: &[Step], chunk_bytes: u64) -> u64 {
    steps.iter().fold(chunk_bytes, |n, step| match step {
        Step::Deflate(_) => n.saturating_add(n / 8).saturating_add(1024),
        Step::Shuffle => n,
        Step::Fletcher32 => n.saturating_add(4),
        // h5py stores a chunk LZF cannot shrink unfiltered.
        Step::Lzf => n.saturating_add(n / 16).saturating_add(64),
    })
}

/// Refuses contiguous data that would lie past the end of the file.
fn check_contiguous(
    path: &Path,
    meta: &ArrayMeta,
    offset: Option<u64>,
    file_len: u64,
) -> Result<()> {
    let Some(offset) = offset else {
        return Ok(());
    };
    let bytes = meta.logical_bytes();
    if offset.checked_add(bytes).is_none_or(|end| end > file_len) {
        return Err(Error::format(
            path,
            format!(
                "the dataset's {bytes} contiguous bytes at offset {offset} lie past the end of the file ({file_len} bytes; truncated or damaged file?)"
            ),
        ));
    }
    Ok(())
}

fn raw_file(path: &Path) -> Result<(std::fs::File, u64)> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    Ok((file, len))
}

/// Every allocated chunk of the dataset: C-order grid position -> location.
pub(super) fn chunk_index(
    path: &Path,
    ds: &Dataset,
    grid: &ChunkGrid,
) -> Result<HashMap<u64, ChunkLoc>> {
    let chunk_shape = grid.chunk_shape().to_vec();
    let grid_shape = grid.grid_shape();
    let mut chunks = HashMap::new();
    ds.chunks_visit(|info| {
        let position: Vec<u64> = info
            .offset
            .iter()
            .zip(&chunk_shape)
            .map(|(o, c)| o / c)
            .collect();
        let inside = position.len() == grid_shape.len()
            && position.iter().zip(&grid_shape).all(|(p, n)| p < n);
        if inside && info.addr != hdf5_sys::h5::HADDR_UNDEF {
            let loc = ChunkLoc {
                addr: info.addr,
                size: info.size,
                filter_mask: info.filter_mask,
            };
            chunks.insert(crate::grid::ravel(&position, &grid_shape), loc);
        }
        0
    })
    .map_err(h5err(path))?;
    Ok(chunks)
}
