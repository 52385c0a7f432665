//! Writing HDF5: a dataset created in a staged file ([`Hdf5File`]) with the requested
//! chunks, filters and fill value, written chunk by chunk; the file is renamed into
//! place when every dataset written into it is committed.

use super::*;
use std::sync::Arc;

pub use super::container::Hdf5File;

/// Writes one new HDF5 dataset chunk by chunk.
pub struct Hdf5Sink {
    meta: ArrayMeta,
    grid: ChunkGrid,
    target: PathBuf,
    pipeline: Pipeline,
    // Field order matters: the dataset closes before the file can be committed or its
    // staging removed.
    ds: Option<Dataset>,
    container: Arc<Hdf5File>,
    committed: bool,
}

impl Hdf5Sink {
    /// Creates `address.array` in a new HDF5 file staged beside `address.path`.
    pub fn create(address: &Address, like: &ArrayMeta, options: &WriteOptions) -> Result<Hdf5Sink> {
        let container = Arc::new(Hdf5File::create(&address.path, options.overwrite)?);
        Hdf5Sink::in_file(container, &address.array, like, options)
    }

    /// Creates the dataset `array` in a staged file shared with other writers; the
    /// file is committed when its last member is. The caller has removed a dataset
    /// being replaced.
    pub fn in_file(
        container: Arc<Hdf5File>,
        array: &str,
        like: &ArrayMeta,
        options: &WriteOptions,
    ) -> Result<Hdf5Sink> {
        let target = container.target().to_path_buf();
        let level = match options.codec {
            Codec::None => None,
            Codec::Gzip(level) => Some(level.min(9)),
            other => {
                return Err(Error::UnsupportedCodec {
                    path: target,
                    codec: format!("{other:?}").to_lowercase(),
                    detail: "HDF5 output supports --codec none or gzip:L (shuffle+deflate)".into(),
                });
            }
        };
        let grid = ChunkGrid::new(&like.shape, &options.chunks)?;
        let file = container.join()?;
        let mut sink = Hdf5Sink {
            meta: like.clone(),
            grid,
            target: target.clone(),
            pipeline: Pipeline::default(),
            ds: None,
            container,
            committed: false,
        };
        let ds = create_variable(&file, &target, array, like, &options.chunks, level)?;
        drop(file);
        let dcpl = ds.dcpl().map_err(h5err(&target))?;
        let filters = raw::filters(dcpl.id()).map_err(h5err(&target))?;
        let pipeline = own_pipeline(&filters).unwrap_or_default();
        let meta = ArrayMeta {
            chunks: options.chunks.clone(),
            codec: pipeline.describe(),
            layout: if like.shape.is_empty() {
                "contiguous"
            } else {
                "chunked"
            }
            .to_string(),
            stored_bytes: None,
            fill_marks_missing: false,
            ..like.clone()
        };
        sink.meta = meta;
        sink.pipeline = pipeline;
        sink.ds = Some(ds);
        Ok(sink)
    }

    fn dataset(&self) -> Result<&Dataset> {
        self.ds
            .as_ref()
            .ok_or_else(|| Error::format(&self.target, "the HDF5 output is already closed"))
    }

    /// The clipped chunk padded to the full chunk shape with the fill value (a full
    /// chunk is itself).
    fn padded_owned(&self, chunk: Chunk) -> Chunk {
        if chunk.shape() == self.meta.chunks.as_slice() {
            return chunk;
        }
        let mut full = Chunk::filled(self.meta.dtype, &self.meta.chunks, &self.meta.fill_value);
        let origin = vec![0; chunk.shape().len()];
        let full_shape = self.meta.chunks.clone();
        copy_box(
            chunk.bytes(),
            chunk.shape(),
            &origin,
            full.bytes_mut(),
            &full_shape,
            &origin,
            chunk.shape(),
            self.meta.dtype.size(),
        );
        full
    }

    fn check_chunk(&self, index: &[u64], chunk: &Chunk) -> Result<Region> {
        let grid_shape = self.grid.grid_shape();
        let inside =
            index.len() == grid_shape.len() && index.iter().zip(&grid_shape).all(|(i, n)| i < n);
        if !inside {
            return Err(Error::shape(
                self.target.display().to_string(),
                format!("chunk index {index:?} is outside the chunk grid {grid_shape:?}"),
            ));
        }
        let region = self.grid.chunk_region(index);
        if chunk.shape() != region.shape.as_slice() || chunk.dtype() != self.meta.dtype {
            return Err(Error::shape(
                self.target.display().to_string(),
                format!(
                    "chunk {index:?} must be {} of shape {:?}, got {} of shape {:?}",
                    self.meta.dtype,
                    region.shape,
                    chunk.dtype(),
                    chunk.shape()
                ),
            ));
        }
        Ok(region)
    }
}

impl ChunkSink for Hdf5Sink {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }

    /// Shares the chunk (a reference count) with the owned write, which frees nothing
    /// the caller still holds.
    fn write_chunk(&self, index: &[u64], chunk: &Chunk) -> Result<()> {
        self.write_owned_chunk(index, chunk.clone())
    }

    fn write_owned_chunk(&self, index: &[u64], chunk: Chunk) -> Result<()> {
        let region = self.check_chunk(index, &chunk)?;
        let ds = self.dataset()?;
        if self.meta.shape.is_empty() {
            let memtype = meta::memtype(&self.target, self.meta.dtype)?;
            return raw::write_all(ds, &memtype, chunk.bytes()).map_err(h5err(&self.target));
        }
        let full = self.padded_owned(chunk);
        self.pipeline
            .encode_owned(full, self.meta.dtype.size(), |encoded| {
                raw::write_chunk(ds, &region.start, encoded)
            })
            .map_err(|reason| {
                Error::format(
                    &self.target,
                    format!("cannot encode chunk {index:?}: {reason}"),
                )
            })?
            .map_err(h5err(&self.target))
    }

    /// Each filter step frees its input once its output exists (`encode_owned`).
    fn owned_write_peak(&self) -> u64 {
        2
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        drop(self.ds.take());
        self.committed = true;
        self.container.member_committed()
    }
}

impl Drop for Hdf5Sink {
    /// A sink dropped without committing abandons its file: nothing is written.
    fn drop(&mut self) {
        drop(self.ds.take());
        if !self.committed {
            self.container.member_abandoned();
        }
    }
}

/// Creates the variable `array` (and its groups) with its attributes and dimensions,
/// stored where netCDF stores it (see `noncoord`; a pure dimension of its name gives
/// way to a coordinate variable, see `dims`).
fn create_variable(
    file: &hdf5::File,
    target: &Path,
    array: &str,
    like: &ArrayMeta,
    chunks: &[u64],
    level: Option<u32>,
) -> Result<Dataset> {
    let names = like.dimension_names.as_deref();
    let link = noncoord::stored_path(file, array, names);
    let referrers = dims::take_pure_dimension(target, file, &link, names, &like.shape)?;
    let ds = create_dataset(file, target, &link, like, chunks, level)?;
    attr_write::write_attributes(target, &ds, Some(like.dtype), &like.attributes)?;
    if let Some(names) = names {
        let group = parent_group(file, target, &link)?;
        dims::attach_dimensions(target, &group, &ds, names)?;
        dims::attach_referrers(target, &ds, &referrers)?;
    }
    Ok(ds)
}

/// Creates the dataset (and its groups): chunked with the given chunk shape, or
/// contiguous for a 0-d array; shuffle+deflate when `level` is given.
fn create_dataset(
    file: &hdf5::File,
    target: &Path,
    name: &str,
    like: &ArrayMeta,
    chunks: &[u64],
    level: Option<u32>,
) -> Result<Dataset> {
    let extents = extents_for(&like.shape, chunks);
    let mut builder = file
        .new_dataset_builder()
        .empty_as(meta::descriptor(like.dtype))
        .shape(extents)
        .attr_creation_order(hdf5::file::AttrCreationOrder::Indexed);
    if !like.shape.is_empty() {
        builder = builder.chunk(chunks.iter().map(|c| *c as usize).collect::<Vec<_>>());
        if let Some(level) = level {
            builder = builder.shuffle().deflate(level as u8);
        }
    }
    builder = with_fill_value(builder, like.dtype, &like.fill_value);
    builder.create(name).map_err(h5err(target))
}

/// A new HDF5 file in the 1.8 format (what netCDF-4 readers expect), which records the
/// creation order of links and attributes (so copies keep the source's order) and can
/// hold attributes larger than 64 KiB.
pub(super) fn create_file(path: &Path) -> hdf5::Result<hdf5::File> {
    use hdf5::file::{AttrCreationOrder, LibraryVersion, LinkCreationOrder};
    let file = hdf5::File::with_options()
        .with_fapl(|p| p.libver_bounds(LibraryVersion::V18, LibraryVersion::V18))
        .with_fcpl(|p| {
            p.attr_creation_order(AttrCreationOrder::Indexed)
                .link_creation_order(LinkCreationOrder::Indexed)
        })
        .create(path)?;
    super::meta::close_on_exec(&file);
    Ok(file)
}

/// The group that holds the dataset at `name` (the root for `/ds`).
fn parent_group(file: &hdf5::File, target: &Path, name: &str) -> Result<hdf5::Group> {
    let trimmed = name.trim_end_matches('/');
    match trimmed.rsplit_once('/') {
        Some((parent, _)) if !parent.is_empty() => file.group(parent).map_err(h5err(target)),
        _ => file.group("/").map_err(h5err(target)),
    }
}

/// Fixed extents, except axes shorter than their chunk: HDF5 only allows a chunk
/// longer than a fixed axis when the axis may grow, so those are made unlimited.
fn extents_for(shape: &[u64], chunks: &[u64]) -> Extents {
    if shape.is_empty() {
        return Extents::Scalar;
    }
    let axes = shape
        .iter()
        .zip(chunks)
        .map(|(n, c)| {
            if c > n {
                Extent::resizable(*n as usize)
            } else {
                Extent::fixed(*n as usize)
            }
        })
        .collect();
    Extents::Simple(SimpleExtents::from_vec(axes))
}

fn with_fill_value(
    builder: hdf5::DatasetBuilderEmptyShape,
    dtype: DType,
    fill: &[u8],
) -> hdf5::DatasetBuilderEmptyShape {
    if fill.len() != dtype.size() || fill.iter().all(|b| *b == 0) {
        return builder;
    }
    macro_rules! typed {
        ($t:ty) => {
            builder.fill_value(bytemuck::pod_read_unaligned::<$t>(fill))
        };
    }
    match dtype {
        DType::Bool => builder.fill_value(fill[0] != 0), // invariant: fill.len() == 1, checked above
        DType::I8 => typed!(i8),
        DType::I16 => typed!(i16),
        DType::I32 => typed!(i32),
        DType::I64 => typed!(i64),
        DType::U8 => typed!(u8),
        DType::U16 => typed!(u16),
        DType::U32 => typed!(u32),
        DType::U64 => typed!(u64),
        DType::F16 => typed!(half::f16),
        DType::F32 => typed!(f32),
        DType::F64 => typed!(f64),
    }
}
