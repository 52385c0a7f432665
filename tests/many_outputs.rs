//! Several outputs in one run (`compute_many`, `store_many`, `tessera eval` with several
//! expressions): results equal computing each output alone and ndarray; a chunk of a
//! shared input is read once, counted by a wrapper source under a context with no chunk
//! cache (so nothing but the one-pass grouping can save a read); targets are committed
//! all together or not at all; and the child process stays within its memory budget.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use ndarray::{ArrayD, Axis, IxDyn};
use tessera::kernels::elementwise::BinaryOp;
use tessera::kernels::reduce::ReduceOp;
use tessera::store::memory::MemorySource;
use tessera::store::{ArrayMeta, ChunkSource, Codec, WriteOptions, ZarrVersion};
use tessera::{Address, Array, Chunk, Context, Error};
use tessera::{compute_many, compute_many_ndarray, explain_many, store_many};

/// A source that counts `read_chunk` calls per chunk index.
struct Counting {
    inner: MemorySource,
    reads: Mutex<HashMap<Vec<u64>, u64>>,
}

impl Counting {
    fn new(values: &ArrayD<f64>, chunks: &[u64]) -> Arc<Counting> {
        let inner = MemorySource::new(Chunk::from_ndarray(values.view()), chunks).unwrap();
        Arc::new(Counting {
            inner,
            reads: Mutex::new(HashMap::new()),
        })
    }

    fn array(self: &Arc<Self>) -> Array {
        Array::from_source(self.clone())
    }

    /// Reads per chunk, for every chunk of the grid (0 for chunks never read).
    fn counts(&self) -> Vec<u64> {
        let reads = self.reads.lock().unwrap();
        let grid = self.inner.meta().grid().unwrap();
        grid.indices()
            .map(|i| reads.get(&i).copied().unwrap_or(0))
            .collect()
    }

    fn reset(&self) {
        self.reads.lock().unwrap().clear();
    }
}

impl ChunkSource for Counting {
    fn meta(&self) -> &ArrayMeta {
        self.inner.meta()
    }

    fn origin(&self) -> tessera::store::Origin<'_> {
        self.inner.origin()
    }

    fn read_chunk(&self, index: &[u64]) -> tessera::Result<Chunk> {
        *self
            .reads
            .lock()
            .unwrap()
            .entry(index.to_vec())
            .or_default() += 1;
        self.inner.read_chunk(index)
    }
}

/// A context without a chunk cache: every use of a chunk reads it unless the run
/// shares it.
fn uncached(threads: usize) -> Context {
    Context::with_cache(64 << 20, threads, 0).unwrap()
}

fn values(shape: &[usize], seed: u64) -> ArrayD<f64> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) * 200.0 - 100.0
    })
}

fn alone(array: &Array, ctx: &Context) -> ArrayD<f64> {
    array.compute(ctx).unwrap().to_ndarray::<f64>().unwrap()
}

fn assert_bits(got: &ArrayD<f64>, want: &ArrayD<f64>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.to_bits(), w.to_bits(), "{what}: {g} != {w}");
    }
}

fn assert_close(got: &ArrayD<f64>, want: &ArrayD<f64>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-9 * w.abs().max(1.0),
            "{what}: {g} != {w}"
        );
    }
}

fn options(chunks: &[u64]) -> WriteOptions {
    WriteOptions {
        chunks: chunks.to_vec(),
        codec: Codec::None,
        zarr_version: ZarrVersion::V3,
        shard: None,
        overwrite: false,
    }
}

fn at(dir: &Path, name: &str) -> Address {
    Address::parse(dir.join(name).to_str().unwrap()).unwrap()
}

fn read_back(address: &Address) -> ArrayD<f64> {
    common::read_all(address)
        .unwrap()
        .to_ndarray::<f64>()
        .unwrap()
}

#[test]
fn same_grid_outputs_read_each_shared_chunk_once() {
    let (va, vb) = (values(&[70, 45], 1), values(&[70, 45], 2));
    let (a, b) = (Counting::new(&va, &[16, 20]), Counting::new(&vb, &[16, 20]));
    let (x, y) = (a.array(), b.array());
    let outputs = [
        x.binary(BinaryOp::Sub, &y).unwrap(),
        x.binary(BinaryOp::Add, &y).unwrap(),
        x.binary(BinaryOp::Mul, 2.0).unwrap(),
    ];
    for threads in [1, 4] {
        let ctx = uncached(threads);
        a.reset();
        b.reset();
        let got = compute_many_ndarray::<f64>(&outputs, &ctx).unwrap();
        assert!(a.counts().iter().all(|n| *n == 1), "a: {:?}", a.counts());
        assert!(b.counts().iter().all(|n| *n == 1), "b: {:?}", b.counts());
        // The control: computed one by one, every chunk of a is read three times.
        a.reset();
        let want: Vec<_> = outputs.iter().map(|o| alone(o, &ctx)).collect();
        assert!(
            a.counts().iter().all(|n| *n == 3),
            "a alone: {:?}",
            a.counts()
        );
        for (g, w) in got.iter().zip(&want) {
            assert_bits(g, w, "compute_many vs alone");
        }
        assert_close(&got[0], &(&va - &vb), "a - b");
        assert_close(&got[1], &(&va + &vb), "a + b");
        assert_close(&got[2], &(&va * 2.0), "a * 2");
    }
}

#[test]
fn reductions_of_one_input_read_it_once_and_match_each_alone() {
    let va = values(&[130, 95], 3);
    let a = Counting::new(&va, &[32, 25]);
    let x = a.array();
    let outputs = [
        x.sum().unwrap(),
        x.reduce(ReduceOp::Std { ddof: 0 }, tessera::Axes::all())
            .unwrap(),
        x.reduce(ReduceOp::Mean, [0]).unwrap(),
        x.reduce(ReduceOp::Max, [1]).unwrap(),
        x.reduce(
            ReduceOp::Var { ddof: 1 },
            tessera::Axes::from([0]).keepdims(true),
        )
        .unwrap(),
    ];
    for threads in [1, 3, 8] {
        let ctx = uncached(threads);
        a.reset();
        let got = compute_many_ndarray::<f64>(&outputs, &ctx).unwrap();
        assert!(a.counts().iter().all(|n| *n == 1), "{:?}", a.counts());
        a.reset();
        for (g, o) in got.iter().zip(&outputs) {
            assert_bits(g, &alone(o, &ctx), "reduction in a pass vs alone");
        }
        assert!(
            a.counts().iter().all(|n| *n == 5),
            "alone: {:?}",
            a.counts()
        );
    }
    let ctx = uncached(2);
    let got = compute_many_ndarray::<f64>(&outputs, &ctx).unwrap();
    let n = va.len() as f64;
    let mean = va.sum() / n;
    let var = va.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    assert_close(&got[0], &ArrayD::from_elem(IxDyn(&[]), va.sum()), "sum");
    assert_close(&got[1], &ArrayD::from_elem(IxDyn(&[]), var.sqrt()), "std");
    assert_close(&got[2], &va.mean_axis(Axis(0)).unwrap(), "mean axis 0");
    let row_max = va.map_axis(Axis(1), |r| r.iter().cloned().fold(f64::MIN, f64::max));
    assert_close(&got[3], &row_max, "max axis 1");
    let var0 = va.var_axis(Axis(0), 1.0).insert_axis(Axis(0));
    assert_close(&got[4], &var0, "var axis 0 ddof 1 keepdims");
}

#[test]
fn outputs_that_cannot_share_a_pass_still_compute_and_explain_says_so() {
    let va = values(&[60, 40], 4);
    let a = Counting::new(&va, &[16, 20]);
    let x = a.array();
    let outputs = [
        x.binary(BinaryOp::Add, 1.0).unwrap(),
        x.binary(BinaryOp::Mul, 3.0).unwrap(),
        x.rechunk(&[25, 40])
            .unwrap()
            .binary(BinaryOp::Sub, 1.0)
            .unwrap(),
        x.t().unwrap(),
        x.sum().unwrap(),
    ];
    let ctx = Context::with_limits(64 << 20, 2).unwrap();
    let got = compute_many(&outputs, &ctx).unwrap();
    for (g, o) in got.iter().zip(&outputs) {
        let g = g.to_ndarray::<f64>().unwrap();
        assert_bits(&g, &alone(o, &ctx), "mixed outputs vs alone");
    }
    let text = explain_many(&outputs, &ctx).unwrap();
    assert!(text.contains("outputs 0, 1 share one pass"), "{text}");
    assert!(text.contains("output 2 runs alone"), "{text}");
    assert!(text.contains("interleaved"), "{text}");
    let reductions = [x.sum().unwrap(), x.mean().unwrap()];
    let text = explain_many(&reductions, &ctx).unwrap();
    assert!(text.contains("outputs 0, 1 share one read"), "{text}");
}

#[test]
fn store_many_reads_shared_chunks_once_and_writes_what_compute_gives() {
    let dir = tempfile::tempdir().unwrap();
    let va = values(&[90, 33], 5);
    let a = Counting::new(&va, &[20, 11]);
    let x = a.array();
    let outputs = [
        x.binary(BinaryOp::Add, 1.0).unwrap(),
        x.binary(BinaryOp::Mul, 2.0).unwrap(),
    ];
    let ctx = uncached(3);
    let d = dir.path().display();
    // Targets that write the array's own chunks, and .npy targets (blocks of rows).
    let pairs = [
        [format!("{d}/plus.zarr"), format!("{d}/times.h5:/x")],
        [format!("{d}/plus.npy"), format!("{d}/times.npy")],
    ];
    for pair in pairs {
        let targets = pair
            .clone()
            .map(|t| (Address::parse(&t).unwrap(), options(&[])));
        a.reset();
        let reports = store_many(&outputs, &targets, &ctx, None).unwrap();
        assert!(
            a.counts().iter().all(|n| *n == 1),
            "{pair:?}: {:?}",
            a.counts()
        );
        assert!(reports.iter().all(|r| r.chunks_written > 0));
        for ((address, _), output) in targets.iter().zip(&outputs) {
            assert_bits(&read_back(address), &alone(output, &ctx), "stored vs alone");
        }
        assert_close(&read_back(&targets[0].0), &(&va + 1.0), "a + 1");
    }
    // The control: stored one by one, every chunk is read once per output.
    a.reset();
    for (output, name) in outputs.iter().zip(["p.zarr", "q.zarr"]) {
        output
            .store(&ctx, &at(dir.path(), name), &options(&[]), None)
            .unwrap();
    }
    assert!(
        a.counts().iter().all(|n| *n == 2),
        "alone: {:?}",
        a.counts()
    );
}

#[test]
fn store_many_mixes_reductions_rechunked_targets_and_chunk_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let va = values(&[64, 48], 6);
    let x = Array::from_ndarray(va.view(), &[16, 16]).unwrap();
    let outputs = [
        x.reduce(ReduceOp::Mean, [0]).unwrap(),
        x.reduce(ReduceOp::Min, [1]).unwrap(),
        x.binary(BinaryOp::Sub, 5.0).unwrap(),
        x.binary(BinaryOp::Div, 4.0).unwrap(),
    ];
    let d = dir.path().display();
    let targets = [
        (format!("{d}/mean0.npy"), options(&[])),
        (format!("{d}/min1.zarr"), options(&[])),
        (format!("{d}/sub.h5:/d"), options(&[])),
        (format!("{d}/div.zarr"), options(&[32, 24])),
    ]
    .map(|(a, o)| (Address::parse(&a).unwrap(), o));
    let ctx = Context::with_limits(16 << 20, 2).unwrap();
    store_many(&outputs, &targets, &ctx, None).unwrap();
    for ((address, _), output) in targets.iter().zip(&outputs) {
        assert_bits(&read_back(address), &alone(output, &ctx), "stored vs alone");
    }
}

#[test]
fn a_failing_output_commits_no_target_and_keeps_existing_files() {
    let dir = tempfile::tempdir().unwrap();
    let va = values(&[40, 40], 7);
    let x = Array::from_ndarray(va.view(), &[10, 10]).unwrap();
    let failing = x.map_blocks(tessera::DType::F64, |_| {
        Err(Error::Invalid("this block fails".into()))
    });
    let keep = at(dir.path(), "keep.npy");
    let ctx = Context::with_limits(16 << 20, 2).unwrap();
    // An existing array, which --overwrite may replace only if every output succeeds.
    x.store(&ctx, &keep, &options(&[]), None).unwrap();
    let precious = std::fs::read(&keep.path).unwrap();
    let mut overwrite = options(&[]);
    overwrite.overwrite = true;
    let outputs = [x.binary(BinaryOp::Add, 1.0).unwrap(), failing];
    let targets = [
        (keep.clone(), overwrite),
        (at(dir.path(), "new.zarr"), options(&[])),
    ];
    let err = store_many(&outputs, &targets, &ctx, None).unwrap_err();
    assert!(err.to_string().contains("this block fails"), "{err}");
    assert_eq!(std::fs::read(&keep.path).unwrap(), precious);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["keep.npy"], "only the old file is left");
}

#[test]
fn bad_target_lists_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let x = Array::from_ndarray(values(&[8], 8).view(), &[4]).unwrap();
    let outputs = [x.clone(), x.binary(BinaryOp::Add, 1.0).unwrap()];
    let ctx = Context::with_limits(16 << 20, 1).unwrap();
    let same = at(dir.path(), "same.npy");
    let doubled = [(same.clone(), options(&[])), (same, options(&[]))];
    let err = store_many(&outputs, &doubled, &ctx, None).unwrap_err();
    assert!(err.to_string().contains("outputs 0 and 1"), "{err}");
    let short = [(at(dir.path(), "one.npy"), options(&[]))];
    let err = store_many(&outputs, &short, &ctx, None).unwrap_err();
    assert!(err.to_string().contains("2 arrays but 1 targets"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

// ----- the command line ---------------------------------------------------------------

fn tessera(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .output()
        .expect("the tessera binary runs")
}

fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn eval_prints_stores_and_explains_several_expressions() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.zarr");
    let a_text = a.to_str().unwrap();
    stdout_of(&tessera(&[
        "gen", "random", a_text, "--shape", "50,30", "--chunks", "16,16", "-q",
    ]));
    let ia = format!("a={a_text}");
    let single = |expr: &str| stdout_of(&tessera(&["eval", expr, "-i", &ia, "-q"]));
    let text = stdout_of(&tessera(&[
        "eval",
        "sum(a)",
        "max(a, axis=0)",
        "-i",
        &ia,
        "-q",
    ]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0], format!("sum(a): {}", single("sum(a)").trim()));
    assert_eq!(
        lines[1],
        format!("max(a, axis=0): {}", single("max(a, axis=0)").trim())
    );
    let json = stdout_of(&tessera(&[
        "eval", "sum(a)", "std(a)", "-i", &ia, "--json", "-q",
    ]));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["results"][1]["expr"], "std(a)");
    let std_alone: f64 = single("std(a)").trim().parse().unwrap();
    assert_eq!(doc["results"][1]["value"].as_f64(), Some(std_alone));
    assert!(doc["peak_rss_bytes"].as_u64().is_some(), "{json}");
    let explain = stdout_of(&tessera(&[
        "eval",
        "a + 1",
        "a * 2",
        "-i",
        &ia,
        "--explain",
    ]));
    assert!(explain.contains("outputs 0, 1 share one pass"), "{explain}");
    let (p, q) = (dir.path().join("p.npy"), dir.path().join("q.zarr"));
    stdout_of(&tessera(&[
        "eval",
        "a + 1",
        "a * 2",
        "-i",
        &ia,
        "--out",
        p.to_str().unwrap(),
        "--out",
        q.to_str().unwrap(),
        "-q",
    ]));
    let stored = common::read_all_at(q.to_str().unwrap()).unwrap();
    let source = common::read_all_at(a_text).unwrap();
    let want: Vec<f64> = source
        .as_slice::<f64>()
        .unwrap()
        .iter()
        .map(|v| v * 2.0)
        .collect();
    assert_eq!(stored.as_slice::<f64>().unwrap(), want.as_slice());
    assert!(p.exists());
}

#[test]
fn eval_refuses_mismatched_outputs_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.npy");
    stdout_of(&tessera(&[
        "gen",
        "random",
        a.to_str().unwrap(),
        "--shape",
        "10",
        "-q",
    ]));
    let ia = format!("a={}", a.display());
    let out = dir.path().join("o.npy");
    let out = out.to_str().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &["eval", "a + 1", "a * 2", "-i", &ia, "--out", out],
            "--out is given 1 times for 2 expressions",
        ),
        (
            &[
                "eval", "a + 1", "a * 2", "-i", &ia, "--out", out, "--out", out,
            ],
            "outputs 0 and 1",
        ),
        (
            &["eval", "a + 1", "-i", &ia, "--out", out, "--out", out],
            "give it once",
        ),
    ];
    for (args, needle) in cases {
        let output = tessera(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
    assert!(!Path::new(out).exists());
}

// ----- the memory contract ------------------------------------------------------------

const BUDGET_MIB: u64 = 64;
const OVERHEAD_MIB: u64 = 64;

/// Runs tessera with `args` plus the budget and --json; its peak RSS.
fn peak_rss_of(args: &[&str]) -> u64 {
    let output = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .args(["--memory", &format!("{BUDGET_MIB}MiB"), "--json", "--quiet"])
        .output()
        .expect("the tessera binary runs");
    let stdout = stdout_of(&output);
    let summary: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON summary");
    summary["peak_rss_bytes"]
        .as_u64()
        .expect("peak RSS reported")
}

/// 200 MB of float64 (25000 x 1000, chunks 500 x 1000) under 64 MiB: four reductions
/// computed together, and two elementwise outputs stored together.
#[test]
fn several_outputs_stay_in_budget() {
    let dir = tempfile::tempdir().unwrap();
    let a = format!("{}:/a", dir.path().join("a.h5").display());
    peak_rss_of(&[
        "gen",
        "random",
        &a,
        "--shape",
        "25000,1000",
        "--chunks",
        "1000,1000",
    ]);
    let ia = format!("a={a}");
    let (p, q) = (dir.path().join("p.zarr"), dir.path().join("q.zarr"));
    let runs: [(&str, Vec<&str>); 2] = [
        (
            "sum, std, mean(axis=0), max(axis=0) in one pass",
            vec![
                "eval",
                "sum(a)",
                "std(a)",
                "mean(a, axis=0)",
                "max(a, axis=0)",
                "-i",
                &ia,
            ],
        ),
        (
            "a + 1 and a * 2 stored in one pass",
            vec![
                "eval",
                "a + 1",
                "a * 2",
                "-i",
                &ia,
                "--out",
                p.to_str().unwrap(),
                "--out",
                q.to_str().unwrap(),
            ],
        ),
    ];
    for (what, args) in runs {
        let limit = (BUDGET_MIB + OVERHEAD_MIB) << 20;
        let peak = peak_rss_of(&args);
        println!(
            "{what}: peak RSS {} MiB (limit {} MiB)",
            peak >> 20,
            limit >> 20
        );
        assert!(peak <= limit, "{what}: peak RSS {} MiB", peak >> 20);
    }
}
