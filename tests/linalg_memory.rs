//! What evaluating a linear-algebra region allocates, measured by a counting global
//! allocator, stays within what `plan::region_cost` projects for it (plus the chunk
//! cache's share of the budget and a small fixed allowance for bookkeeping). One test in
//! its own binary, so no other test's allocations are counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::{ArrayD, IxDyn};
use tessera::graph::Evaluator;
use tessera::graph::region_cost;
use tessera::grid::Region;
use tessera::{Array, Context, DType};
use tessera::{DotAxes, einsum, tensordot};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::SeqCst) + bytes;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allowance for bookkeeping (region and piece lists, rayon job state).
const SLACK: u64 = 64 << 10;

/// Peak bytes allocated while evaluating the first result chunk of `array`.
fn measured(ctx: &Context, array: &Array, batch: usize) -> u64 {
    let shape: Vec<u64> = array
        .chunks()
        .iter()
        .zip(array.shape())
        .map(|(&c, &n)| c.min(n))
        .collect();
    let region = Region {
        start: vec![0; shape.len()],
        shape,
    };
    let evaluator = Evaluator::new(ctx, batch);
    ctx.install(|| {
        let base = CURRENT.load(Ordering::SeqCst);
        PEAK.store(base, Ordering::SeqCst);
        let values = evaluator.region(array, &region).unwrap();
        let peak = PEAK.load(Ordering::SeqCst);
        drop(values);
        (peak - base) as u64
    })
}

fn ramp(shape: &[usize], dtype: DType, chunks: &[u64]) -> Array {
    let values = ArrayD::from_shape_fn(IxDyn(shape), |i| {
        (0..shape.len()).map(|d| (d + 1) * i[d]).sum::<usize>() as f64 * 0.25
    });
    let array = match dtype {
        DType::I32 => Array::from_ndarray(values.mapv(|v| v as i32).view(), chunks),
        _ => Array::from_ndarray(values.view(), chunks),
    };
    array.unwrap()
}

#[test]
fn evaluation_allocates_within_the_projection() {
    // A 1 MiB budget keeps the chunk cache (an eighth of it) small next to the regions.
    let ctx = Context::with_limits(1 << 20, 3).unwrap();
    let cache = (1u64 << 20) / 8;
    let a = ramp(&[30, 2000, 20], DType::F64, &[10, 250, 10]);
    let b = ramp(&[20, 2000, 40], DType::F64, &[20, 300, 20]);
    let m = ramp(&[300, 4000], DType::F64, &[100, 500]);
    let v = ramp(&[4000], DType::F64, &[700]);
    let ai = ramp(&[200, 3000], DType::I32, &[50, 400]);
    let bi = ramp(&[3000, 60], DType::I32, &[300, 60]);
    let square = ramp(&[2000, 2000], DType::F64, &[400, 300]);
    let cases: Vec<(&str, Array)> = vec![
        (
            "tensordot with permuted pieces",
            tensordot(&a, &b, DotAxes::Pairs(vec![1, 2], vec![1, 0])).unwrap(),
        ),
        ("matrix @ vector", m.matmul(&v).unwrap()),
        ("int32 matmul", ai.matmul(&bi).unwrap()),
        (
            "einsum with a transposed output",
            einsum("ij,jk->ki", &[&ai, &bi]).unwrap(),
        ),
        ("diagonal", square.diagonal(7, 0, 1).unwrap()),
        (
            "diagonal with rechunked output",
            square.diagonal(-5, 1, 0).unwrap().rechunk(&[1500]).unwrap(),
        ),
    ];
    for (what, array) in cases {
        for batch in [1usize, 3] {
            let chunk: Vec<u64> = array
                .chunks()
                .iter()
                .zip(array.shape())
                .map(|(&c, &n)| c.min(n))
                .collect();
            let projected = region_cost(&array, &chunk, batch as u64);
            let used = measured(&ctx, &array, batch);
            println!("{what}, batch {batch}: allocated {used} of {projected} projected");
            assert!(
                used <= projected + cache + SLACK,
                "{what}, batch {batch}: allocated {used} bytes, projected {projected} (+{cache} cache)"
            );
        }
    }
}
