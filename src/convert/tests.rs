//! Unit tests of `convert.rs`.

use super::*;
use crate::create::{CreateSource, Dist};
use crate::dtype::DType;
use crate::store::memory::MemorySource;
use std::sync::Mutex;

/// Collects written chunks into one in-memory array.
struct MemorySink {
    meta: ArrayMeta,
    data: Mutex<Chunk>,
    writes: AtomicU64,
}

impl MemorySink {
    fn new(like: &ArrayMeta, chunks: &[u64]) -> MemorySink {
        let mut meta = like.clone();
        meta.chunks = chunks.to_vec();
        MemorySink {
            data: Mutex::new(Chunk::zeros(meta.dtype, &meta.shape)),
            meta,
            writes: AtomicU64::new(0),
        }
    }
}

impl ChunkSink for MemorySink {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }
    fn write_chunk(&self, index: &[u64], chunk: &Chunk) -> Result<()> {
        let grid = self.meta.grid()?;
        let region = grid.chunk_region(index);
        assert_eq!(chunk.shape(), &region.shape[..], "clipped chunk {index:?}");
        let mut data = self.data.lock().unwrap();
        chunk.copy_overlap_into(&region, &mut data, &Region::whole(&self.meta.shape));
        self.writes.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
    fn commit(self: Box<Self>) -> Result<()> {
        Ok(())
    }
}

fn rechunk(shape: &[u64], from: &[u64], to: &[u64], memory: u64) -> (ConvertReport, bool) {
    let ctx = Context::with_limits(memory, 2).unwrap();
    let random = CreateSource::random(shape, from, DType::F64, 5, Dist::Normal).unwrap();
    let whole = random.read_region(&Region::whole(shape)).unwrap();
    let source = MemorySource::new(whole.clone(), from).unwrap();
    let sink = MemorySink::new(source.meta(), to);
    let dir = tempfile::tempdir().unwrap();
    let report = copy(&ctx, &source, &sink, &dir.path().join("scratch"), None).unwrap();
    let grid = ChunkGrid::new(shape, to).unwrap();
    assert_eq!(sink.writes.load(Ordering::Relaxed), grid.num_chunks());
    assert_eq!(
        ctx.budget().used(),
        ctx.memory_limit() / 8,
        "reservations leaked"
    );
    let same = *sink.data.lock().unwrap() == whole;
    (report, same)
}

#[test]
fn aligned_rechunk_is_direct_and_exact() {
    let (report, same) = rechunk(&[200, 90], &[40, 30], &[20, 15], 64 << 20);
    assert!(same);
    assert!(matches!(report.strategy, Strategy::Direct { .. }));
    assert_eq!(report.chunks_read, 5 * 3, "each source chunk decoded once");
}

#[test]
fn misaligned_rechunk_is_exact() {
    let (report, same) = rechunk(&[101, 67, 3], &[13, 20, 2], &[17, 9, 3], 64 << 20);
    assert!(same);
    assert!(matches!(report.strategy, Strategy::Direct { .. }));
}

#[test]
fn orthogonal_rechunk_goes_through_scratch_and_is_exact() {
    // Row blocks of 200 x 512 f64 (800 KiB) to columns of 4000 x 8 (250 KiB): one
    // target chunk needs the whole 16 MiB array, far over a 4 MiB budget.
    let (report, same) = rechunk(&[4000, 512], &[200, 512], &[4000, 8], 4 << 20);
    assert!(same);
    assert!(matches!(report.strategy, Strategy::Intermediate { .. }));
    assert_eq!(report.chunks_read, 20);
}

#[test]
fn ragged_orthogonal_rechunk_is_exact() {
    let (report, same) = rechunk(&[997, 131], &[97, 131], &[997, 7], 1 << 20);
    assert!(same);
    assert!(matches!(report.strategy, Strategy::Intermediate { .. }));
}

#[test]
fn impossible_plans_are_refused_before_any_work() {
    let ctx = Context::with_limits(1 << 20, 1).unwrap();
    let random =
        CreateSource::random(&[4096, 4096], &[4096, 4096], DType::F64, 5, Dist::Uniform).unwrap();
    let sink = MemorySink::new(random.meta(), &[64, 64]);
    let err = copy(
        &ctx,
        &random,
        &sink,
        Path::new("/nonexistent/scratch"),
        None,
    )
    .unwrap_err();
    assert!(matches!(err, Error::OverBudget { .. }), "{err}");
    assert_eq!(sink.writes.load(Ordering::Relaxed), 0);
}

#[test]
fn lcm_and_shrink() {
    assert_eq!(lcm(2000, 1000), 2000);
    assert_eq!(lcm(6, 4), 12);
    assert_eq!(shrink_to_fit(&[1000, 1000], 8, 8 * 250_000), vec![500, 500]);
}

#[test]
fn compressing_writes_take_the_scratch_file_to_run_in_parallel() {
    // 8 MB of rows (100 x 1000) to columns (1000 x 100) under 16 MiB on 2 threads: the
    // only direct unit without rereads is the whole array, which fits once but not
    // twice, while the scratch strategy's tasks fit two at a time.
    let (shape, from, to) = ([1000, 1000], [100, 1000], [1000, 100]);
    let random = CreateSource::random(&shape, &from, DType::F64, 7, Dist::Normal).unwrap();
    let whole = random.read_region(&Region::whole(&shape)).unwrap();
    let source = MemorySource::new(whole.clone(), &from).unwrap();
    for (codec, intermediate) in [("none", false), ("zstd(1)", true)] {
        let ctx = Context::with_limits(16 << 20, 2).unwrap();
        let mut sink = MemorySink::new(source.meta(), &to);
        sink.meta.codec = codec.to_string();
        let dir = tempfile::tempdir().unwrap();
        let report = copy(&ctx, &source, &sink, &dir.path().join("scratch"), None).unwrap();
        let chose = matches!(report.strategy, Strategy::Intermediate { .. });
        assert_eq!(chose, intermediate, "codec {codec}: {:?}", report.strategy);
        assert!(
            *sink.data.lock().unwrap() == whole,
            "codec {codec}: values differ"
        );
    }
}
