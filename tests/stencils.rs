//! `map_overlap` (stencils) against an in-memory oracle: the whole array padded as
//! each boundary mode says (numpy.pad 'symmetric', 'wrap', 'edge', 'constant', or no
//! padding), then every window read off the padded array. Random 1-3-D shapes,
//! chunkings and depths (often deeper than a chunk, or than the array). Also: a user
//! closure (a Laplacian), thread-count independence, a small budget, reads limited to
//! the halo, the memory the plan projects against what evaluation allocates, refusals
//! of bad input, and the expression syntax.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use ndarray::{ArrayD, Dimension, IxDyn};
use proptest::prelude::*;
use tessera::Boundary;
use tessera::graph::Evaluator;
use tessera::grid::Region;
use tessera::kernels::promote::Scalar;
use tessera::kernels::stencil::WindowOp;
use tessera::store::memory::MemorySource;
use tessera::store::{ArrayMeta, ChunkSource};
use tessera::{Array, Chunk, Context, DType};

// ----- an allocator that counts this thread's bytes, when asked -----------------------

struct Counting;

thread_local! {
    /// (tracking, bytes now, peak bytes) of allocations on this thread.
    static TRACK: Cell<(bool, i64, i64)> = const { Cell::new((false, 0, 0)) };
}

fn track(delta: i64) {
    let _ = TRACK.try_with(|t| {
        let (on, now, peak) = t.get();
        if on {
            let now = now + delta;
            t.set((on, now, peak.max(now)));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        track(layout.size() as i64);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        track(-(layout.size() as i64));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        track(new_size as i64 - layout.size() as i64);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak bytes this thread allocated beyond what it held when `work` started.
fn peak_allocated<T>(work: impl FnOnce() -> T) -> (T, i64) {
    TRACK.with(|t| t.set((true, 0, 0)));
    let out = work();
    let (_, _, peak) = TRACK.with(|t| t.get());
    TRACK.with(|t| t.set((false, 0, 0)));
    (out, peak)
}

// ----- the oracle --------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Mode {
    None,
    Reflect,
    Periodic,
    Nearest,
    Constant(f64),
}

fn boundary_of(mode: Mode) -> Boundary {
    match mode {
        Mode::None => Boundary::None,
        Mode::Reflect => Boundary::Reflect,
        Mode::Periodic => Boundary::Periodic,
        Mode::Nearest => Boundary::Nearest,
        Mode::Constant(v) => Boundary::Constant(Scalar::Float(v)),
    }
}

/// Where padded position `p` (`0 <= p + d < n + 2d`) takes its value from, by walking
/// the mirror or wrap step by step (an independent statement of numpy.pad's modes).
fn padded_source(mode: Mode, mut p: i64, n: i64) -> Option<i64> {
    if (0..n).contains(&p) {
        return Some(p);
    }
    match mode {
        Mode::None | Mode::Constant(_) => None,
        Mode::Nearest => Some(p.clamp(0, n - 1)),
        Mode::Periodic => {
            while p < 0 {
                p += n;
            }
            while p >= n {
                p -= n;
            }
            Some(p)
        }
        Mode::Reflect => {
            while !(0..n).contains(&p) {
                p = if p < 0 { -1 - p } else { 2 * n - 1 - p };
            }
            Some(p)
        }
    }
}

/// The array padded by `depth`: `None` where mode `none` leaves no element.
fn pad(values: &ArrayD<f64>, depth: &[usize], mode: Mode) -> ArrayD<Option<f64>> {
    let shape: Vec<usize> = values
        .shape()
        .iter()
        .zip(depth)
        .map(|(n, d)| n + 2 * d)
        .collect();
    ArrayD::from_shape_fn(IxDyn(&shape), |q| {
        let mut at = Vec::with_capacity(depth.len());
        for (a, &d) in depth.iter().enumerate() {
            let n = values.shape()[a] as i64;
            match padded_source(mode, q[a] as i64 - d as i64, n) {
                Some(i) => at.push(i as usize),
                None => {
                    return match mode {
                        Mode::Constant(v) => Some(v),
                        _ => None,
                    };
                }
            }
        }
        Some(values[IxDyn(&at)])
    })
}

/// `op` over the elements of `values` in the box `[lo, hi]` (clipped to `values`):
/// (result, sum of magnitudes, count).
fn stat(op: WindowOp, values: &ArrayD<Option<f64>>, lo: &[i64], hi: &[i64]) -> (f64, f64, f64) {
    let ndim = lo.len();
    let lo: Vec<usize> = lo.iter().map(|&l| l.max(0) as usize).collect();
    let hi: Vec<usize> = (0..ndim)
        .map(|a| (hi[a] as usize).min(values.shape()[a] - 1))
        .collect();
    let extent: Vec<usize> = (0..ndim).map(|a| hi[a] + 1 - lo[a]).collect();
    let (mut sum, mut magnitude, mut count) = (0.0, 0.0, 0.0);
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for offset in ndarray::indices(IxDyn(&extent)) {
        let at: Vec<usize> = (0..ndim).map(|a| lo[a] + offset[a]).collect();
        if let Some(x) = values[IxDyn(&at)] {
            sum += x;
            magnitude += x.abs();
            count += 1.0;
            min = min.min(x);
            max = max.max(x);
        }
    }
    let result = match op {
        WindowOp::Sum => sum,
        WindowOp::Mean => sum / count,
        WindowOp::Min => min,
        WindowOp::Max => max,
        _ => unimplemented!("no oracle for {op:?}"),
    };
    (result, magnitude, count)
}

/// The expected result: every window read off the padded array. Returns (values,
/// tolerance per element).
fn oracle(
    op: WindowOp,
    values: &ArrayD<f64>,
    depth: &[usize],
    mode: Mode,
) -> (ArrayD<f64>, ArrayD<f64>) {
    let padded = pad(values, depth, mode);
    let per = ArrayD::from_shape_fn(values.raw_dim(), |i| {
        let lo: Vec<i64> = (0..depth.len()).map(|a| i[a] as i64).collect();
        let hi: Vec<i64> = (0..depth.len())
            .map(|a| (i[a] + 2 * depth[a]) as i64)
            .collect();
        stat(op, &padded, &lo, &hi)
    });
    let expected = per.mapv(|(r, _, _)| r);
    let tolerance = per.mapv(|(_, magnitude, count)| match op {
        WindowOp::Sum => 1e-12 * magnitude,
        WindowOp::Mean => 1e-12 * magnitude / count,
        _ => 0.0,
    });
    (expected, tolerance)
}

fn assert_close(got: &ArrayD<f64>, want: &ArrayD<f64>, tolerance: &ArrayD<f64>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    for ((i, g), w) in got.indexed_iter().zip(want.iter()) {
        let tol = tolerance[&i];
        assert!(
            (g - w).abs() <= tol,
            "{what}: at {i:?} got {g}, want {w} (tolerance {tol})"
        );
    }
}

// ----- strategies --------------------------------------------------------------------

fn ctx() -> Context {
    Context::with_limits(64 << 20, 2).unwrap()
}

fn mode_strategy() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::None),
        Just(Mode::Reflect),
        Just(Mode::Periodic),
        Just(Mode::Nearest),
        (-5i32..5).prop_map(|v| Mode::Constant(f64::from(v) * 1.5)),
    ]
}

fn op_strategy() -> impl Strategy<Value = WindowOp> {
    prop_oneof![
        Just(WindowOp::Sum),
        Just(WindowOp::Mean),
        Just(WindowOp::Min),
        Just(WindowOp::Max),
    ]
}

/// Shape, chunks and depth (up to 5: often deeper than a chunk, sometimes than the
/// axis) of 1-3 axes.
fn geometry() -> impl Strategy<Value = (Vec<usize>, Vec<u64>, Vec<usize>)> {
    (1usize..=3)
        .prop_flat_map(|ndim| {
            let side = [40usize, 12, 6][ndim - 1];
            proptest::collection::vec(1..=side, ndim)
        })
        .prop_flat_map(|shape| {
            let chunks: Vec<_> = shape.iter().map(|&n| 1..=n as u64).collect();
            let depth = proptest::collection::vec(0usize..=5, shape.len());
            (Just(shape), chunks, depth)
        })
}

fn u64s(v: &[usize]) -> Vec<u64> {
    v.iter().map(|&n| n as u64).collect()
}

/// The clipped-window sum of every element of `block`: what a stencil function does
/// with its extended block (halo elements get a value too, which trimming drops).
fn clipped_window_sums(block: &Chunk, depth: &[usize]) -> tessera::Result<Chunk> {
    let values = block.to_ndarray::<f64>()?.mapv(Some);
    let sums = ArrayD::from_shape_fn(values.raw_dim(), |i| {
        let lo: Vec<i64> = (0..depth.len())
            .map(|a| i[a] as i64 - depth[a] as i64)
            .collect();
        let hi: Vec<i64> = (0..depth.len()).map(|a| (i[a] + depth[a]) as i64).collect();
        stat(WindowOp::Sum, &values, &lo, &hi).0
    });
    Ok(Chunk::from_ndarray(sums.view()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn named_windows_match_the_padded_oracle(
        (shape, chunks, depth) in geometry(),
        mode in mode_strategy(),
        op in op_strategy(),
        seed in any::<u64>(),
    ) {
        let values = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
            let k = i.slice().iter().fold(seed, |h, &x| h.wrapping_mul(6364136223846793005).wrapping_add(x as u64 + 1));
            ((k >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 2e3
        });
        let a = Array::from_ndarray(values.view(), &chunks).unwrap();
        let got = a.moving_window(op, &u64s(&depth), boundary_of(mode)).unwrap();
        prop_assert_eq!(got.dtype(), DType::F64);
        prop_assert_eq!(got.chunks(), &chunks[..]);
        let got = got.compute(&ctx()).unwrap().to_ndarray::<f64>().unwrap();
        let (want, tolerance) = oracle(op, &values, &depth, mode);
        assert_close(&got, &want, &tolerance, &format!("{op:?} {mode:?} depth {depth:?} chunks {chunks:?}"));
    }

    #[test]
    fn integer_windows_are_exact(
        (shape, chunks, depth) in geometry(),
        mode in mode_strategy(),
        op in op_strategy(),
        raw in proptest::collection::vec(-1000i32..1000, 216),
    ) {
        let len: usize = shape.iter().product();
        let ints = ArrayD::from_shape_vec(IxDyn(&shape), raw[..len].to_vec()).unwrap();
        let mode = match mode {
            Mode::Constant(v) => Mode::Constant(v.trunc()),
            other => other,
        };
        let a = Array::from_ndarray(ints.view(), &chunks).unwrap();
        let got = a.moving_window(op, &u64s(&depth), boundary_of(mode)).unwrap();
        let (want, _) = oracle(op, &ints.mapv(f64::from), &depth, mode);
        let chunk = got.compute(&ctx()).unwrap();
        match op {
            WindowOp::Sum => {
                let got = chunk.to_ndarray::<i64>().unwrap();
                prop_assert_eq!(got, want.mapv(|x| x as i64));
            }
            WindowOp::Mean => {
                let got = chunk.to_ndarray::<f64>().unwrap();
                prop_assert_eq!(got, want);
            }
            _ => {
                let got = chunk.to_ndarray::<i32>().unwrap();
                prop_assert_eq!(got, want.mapv(|x| x as i32));
            }
        }
    }

    #[test]
    fn user_functions_see_the_padded_halo(
        (shape, chunks, depth) in geometry(),
        mode in mode_strategy(),
        seed in 0u64..1000,
    ) {
        let values = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
            (i.slice().iter().fold(seed, |h, &x| h * 31 + x as u64) % 97) as f64 - 48.0
        });
        let a = Array::from_ndarray(values.view(), &chunks).unwrap();
        let d = depth.clone();
        let got = a
            .map_overlap(DType::F64, &u64s(&depth), boundary_of(mode), true, move |block| {
                clipped_window_sums(block, &d)
            })
            .unwrap();
        prop_assert_eq!(got.shape(), a.shape());
        let got = got.compute(&ctx()).unwrap().to_ndarray::<f64>().unwrap();
        let (want, _) = oracle(WindowOp::Sum, &values, &depth, mode);
        prop_assert_eq!(got, want);
    }
}

// ----- a user closure: the 5-point Laplacian -------------------------------------------

fn laplacian(block: &Chunk) -> tessera::Result<Chunk> {
    let (rows, cols) = (block.shape()[0] as usize, block.shape()[1] as usize);
    let x = block.as_slice::<f64>().unwrap_or_default();
    let mut out = Chunk::zeros(DType::F64, block.shape());
    let y = out.as_slice_mut::<f64>().unwrap_or_default();
    // Halo elements stay 0: trimming drops them.
    for r in 1..rows.saturating_sub(1) {
        for c in 1..cols.saturating_sub(1) {
            let at = r * cols + c;
            y[at] = x[at - cols] + x[at + cols] + x[at - 1] + x[at + 1] - 4.0 * x[at];
        }
    }
    Ok(out)
}

fn grid_values(rows: usize, cols: usize) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(&[rows, cols]), |i| {
        ((i[0] * 7 + i[1] * 13) % 17) as f64 * 0.25 - (i[0] as f64).sqrt()
    })
}

#[test]
fn a_laplacian_closure_matches_the_padded_oracle() {
    let values = grid_values(23, 17);
    for mode in [
        Mode::Reflect,
        Mode::Periodic,
        Mode::Nearest,
        Mode::Constant(2.0),
    ] {
        let a = Array::from_ndarray(values.view(), &[5, 4]).unwrap();
        let got = a
            .map_overlap(DType::F64, &[1, 1], boundary_of(mode), true, laplacian)
            .unwrap()
            .compute(&ctx())
            .unwrap()
            .to_ndarray::<f64>()
            .unwrap();
        let padded = pad(&values, &[1, 1], mode).mapv(|x| x.unwrap_or(f64::NAN));
        let want = ArrayD::from_shape_fn(values.raw_dim(), |i| {
            let (r, c) = (i[0] + 1, i[1] + 1);
            padded[[r - 1, c]] + padded[[r + 1, c]] + padded[[r, c - 1]] + padded[[r, c + 1]]
                - 4.0 * padded[[r, c]]
        });
        assert_eq!(got, want, "{mode:?}");
    }
}

#[test]
fn untrimmed_results_hold_the_extended_blocks_side_by_side() {
    let values = ArrayD::from_shape_fn(IxDyn(&[10]), |i| i[0] as f64);
    let a = Array::from_ndarray(values.view(), &[4]).unwrap();
    let got = a
        .map_overlap(DType::F64, &[1], Boundary::Periodic, false, |b| {
            Ok(b.clone())
        })
        .unwrap();
    assert_eq!(got.chunks(), &[6]);
    let got = got.compute(&ctx()).unwrap().to_ndarray::<f64>().unwrap();
    let want = [
        9., 0., 1., 2., 3., 4., 3., 4., 5., 6., 7., 8., 7., 8., 9., 0.,
    ];
    assert_eq!(got.as_slice().unwrap(), &want);
}

#[test]
fn results_are_identical_across_thread_counts() {
    let values = grid_values(300, 257);
    let a = Array::from_ndarray(values.view(), &[64, 48]).unwrap();
    let arrays = [
        a.moving_window(WindowOp::Mean, &[3, 5], Boundary::Reflect)
            .unwrap(),
        a.moving_window(WindowOp::Max, &[70, 2], Boundary::Periodic)
            .unwrap(),
        a.map_overlap(DType::F64, &[1, 1], Boundary::Nearest, true, laplacian)
            .unwrap(),
    ];
    for array in &arrays {
        let compute = |threads| {
            let ctx = Context::with_limits(64 << 20, threads).unwrap();
            let chunk = array.compute(&ctx).unwrap();
            chunk.bytes().to_vec()
        };
        assert_eq!(compute(1), compute(4));
    }
}

#[test]
fn a_small_budget_streams_the_stencil() {
    let big = tessera::create::random_uniform(&[2000, 2000], &[250, 250], -1.0, 1.0, 7, DType::F64)
        .unwrap();
    let smoothed = big
        .moving_window(WindowOp::Mean, &[2, 2], Boundary::Reflect)
        .unwrap()
        .sum()
        .unwrap();
    let small = Context::with_limits(8 << 20, 2).unwrap();
    let plan = smoothed.plan(&small).unwrap();
    assert!(plan.peak_bytes <= 8 << 20, "{}", plan.explain());
    assert!(plan.explain().contains("map_overlap 'mean' window"));
    let got = smoothed.compute(&small).unwrap();
    let roomy = Context::with_limits(512 << 20, 2).unwrap();
    assert_eq!(got, smoothed.compute(&roomy).unwrap());
}

// ----- only halos are read -----------------------------------------------------------

/// A memory source that records every chunk read.
struct Recording {
    inner: MemorySource,
    reads: Mutex<BTreeSet<Vec<u64>>>,
}

impl ChunkSource for Recording {
    fn meta(&self) -> &ArrayMeta {
        self.inner.meta()
    }
    fn origin(&self) -> tessera::store::Origin<'_> {
        self.inner.origin()
    }
    fn read_chunk(&self, index: &[u64]) -> tessera::Result<Chunk> {
        self.reads.lock().unwrap().insert(index.to_vec());
        self.inner.read_chunk(index)
    }
}

fn recording(shape: &[usize], chunks: &[u64]) -> (Array, Arc<Recording>) {
    let values = ArrayD::from_shape_fn(IxDyn(shape), |i| i.slice().iter().sum::<usize>() as f64);
    let source = Arc::new(Recording {
        inner: MemorySource::new(Chunk::from_ndarray(values.view()), chunks).unwrap(),
        reads: Mutex::new(BTreeSet::new()),
    });
    (Array::from_source(source.clone()), source)
}

fn chunk_set(rows: std::ops::RangeInclusive<u64>, cols: &[u64]) -> BTreeSet<Vec<u64>> {
    rows.flat_map(|r| cols.iter().map(move |&c| vec![r, c]))
        .collect()
}

#[test]
fn an_output_block_reads_only_its_halo() {
    // Depth 2 rows (within a chunk) and 15 columns (more than a chunk of 10).
    let (a, source) = recording(&[100, 100], &[10, 10]);
    let out = a
        .moving_window(WindowOp::Sum, &[2, 15], Boundary::Periodic)
        .unwrap();
    let ctx = ctx();
    let block = Region {
        start: vec![50, 50],
        shape: vec![10, 10],
    };
    Evaluator::new(&ctx, 1).region(&out, &block).unwrap();
    // Rows 48..62 and columns 35..75.
    assert_eq!(
        *source.reads.lock().unwrap(),
        chunk_set(4..=6, &[3, 4, 5, 6, 7])
    );

    // At the corner, the periodic halo wraps to the far chunks (rows -2..12 and
    // columns -15..25), and to nothing else.
    source.reads.lock().unwrap().clear();
    let corner = Region {
        start: vec![0, 0],
        shape: vec![10, 10],
    };
    let fresh = Context::with_limits(64 << 20, 1).unwrap();
    Evaluator::new(&fresh, 1).region(&out, &corner).unwrap();
    let mut want = chunk_set(0..=1, &[8, 9, 0, 1, 2]);
    want.extend(chunk_set(9..=9, &[8, 9, 0, 1, 2]));
    assert_eq!(*source.reads.lock().unwrap(), want);
}

#[test]
fn projected_bytes_depend_on_the_halo_not_on_the_array() {
    let cost = |rows: usize, depth: u64| {
        let (a, _) = recording(&[rows, 64], &[16, 16]);
        let out = a
            .moving_window(WindowOp::Mean, &[depth, depth], Boundary::Reflect)
            .unwrap();
        tessera::graph::region_cost(&out, &[16, 16], 1)
    };
    assert_eq!(cost(64, 2), cost(4096, 2));
    assert!(cost(64, 40) > cost(64, 2));
}

#[test]
fn the_plan_covers_what_evaluation_allocates() {
    // Chunks of 2 MiB are larger than the 1 MiB chunk cache, so it keeps none and the
    // measured bytes are the evaluation's own.
    let values = ArrayD::from_shape_fn(IxDyn(&[1100, 1100]), |i| (i[0] ^ i[1]) as f64);
    let a = Array::from_ndarray(values.view(), &[512, 512]).unwrap();
    let cases = [
        a.moving_window(WindowOp::Mean, &[3, 3], Boundary::Reflect)
            .unwrap(),
        a.moving_window(WindowOp::Max, &[600, 1], Boundary::Periodic)
            .unwrap(),
        a.moving_window(WindowOp::Sum, &[4, 4], Boundary::None)
            .unwrap(),
        a.map_overlap(DType::F64, &[1, 1], Boundary::Nearest, true, laplacian)
            .unwrap(),
        a.map_overlap(
            DType::F64,
            &[2, 2],
            Boundary::Constant(Scalar::Int(0)),
            false,
            |b| Ok(b.clone()),
        )
        .unwrap(),
    ];
    let ctx = Context::with_limits(8 << 20, 1).unwrap();
    for array in &cases {
        let task = array.chunks().to_vec();
        let projected = tessera::graph::region_cost(array, &task, 1) as i64;
        let block = Region {
            start: task.clone(),
            shape: task.clone(),
        };
        let (result, peak) = peak_allocated(|| Evaluator::new(&ctx, 1).region(array, &block));
        result.unwrap();
        assert!(
            peak <= projected,
            "{}: allocated {peak} bytes, projected {projected}",
            tessera::plan::to_dot(array)
        );
    }
}

// ----- refusals ----------------------------------------------------------------------

#[test]
fn bad_input_is_refused_with_one_clear_line() {
    let values = grid_values(8, 8);
    let a = Array::from_ndarray(values.view(), &[4, 4]).unwrap();
    let message = |r: tessera::Result<Array>| r.err().map(|e| e.to_string()).unwrap_or_default();

    let wrong_length = message(a.moving_window(WindowOp::Sum, &[1], Boundary::Reflect));
    assert!(
        wrong_length.contains("depth has 1 entries for an array of 2 axes"),
        "{wrong_length}"
    );
    let too_deep = message(a.moving_window(WindowOp::Sum, &[u64::MAX / 2, 1], Boundary::Reflect));
    assert!(too_deep.contains("too large"), "{too_deep}");
    let untrimmed = message(
        a.map_overlap(
            DType::F64,
            &[1, 0],
            Boundary::None,
            false,
            |b| Ok(b.clone()),
        ),
    );
    assert!(untrimmed.contains("boundary none"), "{untrimmed}");

    // A function returning the wrong shape fails the computation, without a panic.
    let shrinking = a
        .map_overlap(DType::F64, &[1, 1], Boundary::Reflect, true, |b| {
            Ok(Chunk::zeros(DType::F64, &[1, 1])
                .reshaped(&[1, 1])
                .unwrap_or_else(|_| b.clone()))
        })
        .unwrap();
    let err = shrinking.compute(&ctx()).unwrap_err().to_string();
    assert!(
        err.contains("map_overlap") && err.contains("[6, 6]"),
        "{err}"
    );
    let retyped = a
        .map_overlap(DType::F32, &[1, 1], Boundary::Reflect, true, |b| {
            Ok(b.clone())
        })
        .unwrap();
    let err = retyped.compute(&ctx()).unwrap_err().to_string();
    assert!(err.contains("float32"), "{err}");
}

// ----- the expression language -------------------------------------------------------

fn eval_inputs() -> BTreeMap<String, Array> {
    let values = grid_values(9, 7);
    let mut inputs = BTreeMap::new();
    inputs.insert(
        "a".to_string(),
        Array::from_ndarray(values.view(), &[4, 3]).unwrap(),
    );
    let ints = ArrayD::from_shape_fn(IxDyn(&[12]), |i| i[0] as i16);
    inputs.insert(
        "k".to_string(),
        Array::from_ndarray(ints.view(), &[5]).unwrap(),
    );
    inputs
}

fn eval(source: &str) -> tessera::Result<Chunk> {
    tessera::expr::evaluate(source, &eval_inputs())?.compute(&ctx())
}

#[test]
fn eval_syntax_follows_dask() {
    let inputs = eval_inputs();
    let a = &inputs["a"];
    let same = |source: &str, want: &Array| {
        let got = eval(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        assert_eq!(got, want.compute(&ctx()).unwrap(), "{source}");
    };
    same(
        "map_overlap(a, 'mean', depth=1, boundary='reflect')",
        &a.moving_window(WindowOp::Mean, &[1, 1], Boundary::Reflect)
            .unwrap(),
    );
    same(
        "map_overlap('max', a, depth=(2, 0), boundary='periodic')",
        &a.moving_window(WindowOp::Max, &[2, 0], Boundary::Periodic)
            .unwrap(),
    );
    same(
        "a.map_overlap('sum', 1)",
        &a.moving_window(WindowOp::Sum, &[1, 1], Boundary::None)
            .unwrap(),
    );
    let constant = a
        .moving_window(
            WindowOp::Min,
            &[1, 1],
            Boundary::Constant(Scalar::Float(-0.5)),
        )
        .unwrap();
    same("map_overlap(a, 'min', depth=1, boundary=-0.5)", &constant);
    same(
        "map_overlap(a, 'min', depth=1, boundary='constant', value=-0.5)",
        &constant,
    );
    same(
        "map_overlap(a, 'sum', depth=1, boundary='nearest', trim=True) * 2",
        &(a.moving_window(WindowOp::Sum, &[1, 1], Boundary::Nearest)
            .unwrap()
            * 2.0)
            .unwrap(),
    );
    // Integers: mean is float64, sum int64 (numpy's dtypes).
    assert_eq!(
        eval("map_overlap(k, 'mean', depth=2)").unwrap().dtype(),
        DType::F64
    );
    assert_eq!(
        eval("map_overlap(k, 'sum', depth=2)").unwrap().dtype(),
        DType::I64
    );
    assert_eq!(
        eval("map_overlap(k, 'max', depth=2)").unwrap().dtype(),
        DType::I16
    );
    let sums = eval("map_overlap(k, 'sum', depth=1, boundary='constant')").unwrap();
    assert_eq!(sums.as_slice::<i64>().unwrap()[..3], [1, 3, 6]);
}

#[test]
fn eval_errors_point_at_the_column_and_list_the_choices() {
    let fails = |source: &str, column: usize, needle: &str| {
        let err = match tessera::expr::evaluate(source, &eval_inputs()) {
            Ok(_) => panic!("{source}: lowered without error"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains(&format!("column {column}:")),
            "{source}: {err}"
        );
        assert!(err.contains(needle), "{source}: {err}");
    };
    fails(
        "map_overlap(a, 'median', depth=1)",
        16,
        "valid: mean, sum, min, max",
    );
    fails(
        "map_overlap(a, 'mean', depth=1, boundary='mirror')",
        42,
        "valid: none, reflect, periodic, nearest, constant",
    );
    fails(
        "map_overlap(a, 'mean', depth=(1, 2, 3))",
        30,
        "depth has 3 entries",
    );
    fails(
        "map_overlap(a, 'mean', depth=-1)",
        30,
        "must not be negative",
    );
    fails("map_overlap(a, 'mean')", 1, "missing its argument 'depth'");
    fails(
        "map_overlap(a, 'mean', depth=1, trim=False)",
        38,
        "always trim",
    );
    fails(
        "map_overlap(a, 'mean', depth=1, boundary='reflect', value=1)",
        59,
        "only goes with boundary='constant'",
    );
    fails(
        "map_overlap(a, 'mean', depth=1, boundary=1, value=1)",
        51,
        "given twice",
    );
    fails("map_overlap(a, 3, depth=1)", 16, "expected a string");
}
