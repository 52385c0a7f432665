//! Linear algebra on the lazy graph (`tensordot`, `matmul`, `outer`, `einsum`,
//! `diagonal`, `trace`) against brute-force oracles over ndarray: random shapes,
//! chunkings, axes, subscripts and thread counts. Integers and bools must match exactly
//! (integers wrap as numpy's do), float64 within 1e-12 relative to the sum of the
//! absolute products, float32 within 1e-5. Also: bit-identical results across thread
//! counts, memory projections that do not grow with the contracted length, small
//! budgets, refusals, and the `tessera eval` syntax.

use std::collections::BTreeMap;

use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use tessera::{Array, Chunk, Context, DType};
use tessera::{DotAxes, einsum, outer, tensordot};

// ----- data and oracles ------------------------------------------------------------------

/// A tiny deterministic generator (splitmix64), so one proptest seed drives a case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

const DTYPES: [DType; 7] = [
    DType::F64,
    DType::F32,
    DType::I64,
    DType::I32,
    DType::I8,
    DType::U8,
    DType::Bool,
];

/// Random values of `dtype` (held as f64, exactly), ranges chosen so integer sums
/// overflow and wrap.
fn values(rng: &mut Rng, dtype: DType, shape: &[usize]) -> ArrayD<f64> {
    ArrayD::from_shape_simple_fn(IxDyn(shape), || match dtype {
        DType::F64 => rng.range(-1 << 20, 1 << 20) as f64 / (1 << 19) as f64 + 1e-7,
        DType::F32 => (rng.range(-1 << 20, 1 << 20) as f64 / (1 << 19) as f64) as f32 as f64,
        DType::I64 => rng.range(-1_000_000, 1_000_000) as f64,
        DType::I32 => rng.range(-60_000, 60_000) as f64,
        DType::I8 => rng.range(-128, 127) as f64,
        DType::U8 => rng.range(0, 255) as f64,
        _ => rng.range(0, 1) as f64,
    })
}

/// A lazy array of `dtype` holding `values`, in chunks of `chunks`.
fn lazy(values: &ArrayD<f64>, dtype: DType, chunks: &[u64]) -> Array {
    let made = match dtype {
        DType::F64 => Array::from_ndarray(values.view(), chunks),
        DType::F32 => Array::from_ndarray(values.mapv(|v| v as f32).view(), chunks),
        DType::I64 => Array::from_ndarray(values.mapv(|v| v as i64).view(), chunks),
        DType::I32 => Array::from_ndarray(values.mapv(|v| v as i32).view(), chunks),
        DType::I8 => Array::from_ndarray(values.mapv(|v| v as i8).view(), chunks),
        DType::U8 => Array::from_ndarray(values.mapv(|v| v as u8).view(), chunks),
        _ => Array::from_ndarray(values.mapv(|v| u8::from(v != 0.0)).view(), chunks)
            .and_then(|a| a.astype(DType::Bool)),
    };
    made.unwrap()
}

/// Random chunks for `shape` (1..=length per axis).
fn chunks(rng: &mut Rng, shape: &[usize]) -> Vec<u64> {
    shape
        .iter()
        .map(|&n| rng.range(1, n.max(1) as i64) as u64)
        .collect()
}

/// Per element of a result: the exact integer sum of products, the float sum, and the
/// sum of absolute products (the scale of a float sum's rounding error).
struct Oracle {
    shape: Vec<usize>,
    exact: Vec<i128>,
    approx: Vec<f64>,
    scale: Vec<f64>,
}

impl Oracle {
    fn new(shape: Vec<usize>) -> Oracle {
        Oracle {
            shape,
            exact: Vec::new(),
            approx: Vec::new(),
            scale: Vec::new(),
        }
    }

    fn push(&mut self, products: impl Iterator<Item = f64>) {
        let (mut exact, mut approx, mut scale) = (0i128, 0f64, 0f64);
        for p in products {
            if p.fract() == 0.0 && p.abs() < 1e30 {
                exact += p as i128;
            }
            approx += p;
            scale += p.abs();
        }
        self.exact.push(exact);
        self.approx.push(approx);
        self.scale.push(scale);
    }
}

/// `v` as the integer `dtype` holds it (wrapping), or as a bool (nonzero).
fn wrap(v: i128, dtype: DType) -> i128 {
    match dtype {
        DType::I64 => v as i64 as i128,
        DType::I32 => v as i32 as i128,
        DType::I8 => v as i8 as i128,
        DType::U8 => v as u8 as i128,
        DType::Bool => i128::from(v != 0),
        _ => v,
    }
}

fn as_f64s(chunk: &Chunk) -> Vec<f64> {
    match chunk.dtype() {
        DType::F64 => chunk.as_slice::<f64>().unwrap().to_vec(),
        DType::F32 => chunk
            .as_slice::<f32>()
            .unwrap()
            .iter()
            .map(|&v| f64::from(v))
            .collect(),
        other => panic!("not a float: {other}"),
    }
}

fn as_ints(chunk: &Chunk) -> Vec<i128> {
    match chunk.dtype() {
        DType::I64 => chunk
            .as_slice::<i64>()
            .unwrap()
            .iter()
            .map(|&v| v as i128)
            .collect(),
        DType::I32 => chunk
            .as_slice::<i32>()
            .unwrap()
            .iter()
            .map(|&v| v as i128)
            .collect(),
        DType::I8 => chunk
            .as_slice::<i8>()
            .unwrap()
            .iter()
            .map(|&v| v as i128)
            .collect(),
        DType::U8 => chunk
            .as_slice::<u8>()
            .unwrap()
            .iter()
            .map(|&v| v as i128)
            .collect(),
        DType::U64 => chunk
            .as_slice::<u64>()
            .unwrap()
            .iter()
            .map(|&v| v as i128)
            .collect(),
        DType::Bool => chunk.bytes().iter().map(|&v| i128::from(v != 0)).collect(),
        other => panic!("not an integer: {other}"),
    }
}

fn ctx(threads: usize) -> Context {
    Context::with_limits(64 << 20, threads).unwrap()
}

/// Computes `got` and checks it against `want` in `dtype`.
fn check(got: &Array, want: &Oracle, dtype: DType, threads: usize, what: &str) {
    assert_eq!(got.dtype(), dtype, "{what}: dtype");
    let shape: Vec<u64> = want.shape.iter().map(|&n| n as u64).collect();
    assert_eq!(got.shape(), shape.as_slice(), "{what}: shape");
    let chunk = got.compute(&ctx(threads)).unwrap();
    if dtype.is_float() {
        let tol = if dtype == DType::F64 { 1e-12 } else { 1e-5 };
        for (i, g) in as_f64s(&chunk).into_iter().enumerate() {
            let (w, s) = (want.approx[i], want.scale[i]);
            assert!(
                (g - w).abs() <= tol * s.max(w.abs()),
                "{what}: element {i}: got {g}, want {w}"
            );
        }
    } else {
        let wrapped: Vec<i128> = want.exact.iter().map(|&v| wrap(v, dtype)).collect();
        assert_eq!(as_ints(&chunk), wrapped, "{what}");
    }
}

/// `index` of a C-order walk over `shape`.
fn unravel(mut linear: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for d in (0..shape.len()).rev() {
        index[d] = linear % shape[d].max(1);
        linear /= shape[d].max(1);
    }
    index
}

/// Brute-force einsum over labels: every assignment of the non-output labels is summed.
fn oracle_einsum(operands: &[(&ArrayD<f64>, &[char])], output: &[char]) -> Oracle {
    let mut length: BTreeMap<char, usize> = BTreeMap::new();
    for (values, labels) in operands {
        for (d, l) in labels.iter().enumerate() {
            length.insert(*l, values.shape()[d]);
        }
    }
    let summed: Vec<char> = length
        .keys()
        .copied()
        .filter(|l| !output.contains(l))
        .collect();
    let out_shape: Vec<usize> = output.iter().map(|l| length[l]).collect();
    let sum_shape: Vec<usize> = summed.iter().map(|l| length[l]).collect();
    let mut oracle = Oracle::new(out_shape.clone());
    let count = |shape: &[usize]| shape.iter().product::<usize>();
    for o in 0..count(&out_shape) {
        let at = unravel(o, &out_shape);
        let products = (0..count(&sum_shape)).map(|s| {
            let inner = unravel(s, &sum_shape);
            let value_of = |l: &char| match output.iter().position(|x| x == l) {
                Some(k) => at[k],
                None => inner[summed.iter().position(|x| x == l).unwrap()],
            };
            operands
                .iter()
                .map(|(values, labels)| {
                    let index: Vec<usize> = labels.iter().map(value_of).collect();
                    values[IxDyn(&index)]
                })
                .product::<f64>()
        });
        oracle.push(products);
    }
    oracle
}

/// Labels `a`, `b`, ... for `n` axes starting at `first`.
fn labels(first: u8, n: usize) -> Vec<char> {
    (0..n).map(|i| (first + i as u8) as char).collect()
}

// ----- tensordot and matmul --------------------------------------------------------------

/// A random tensordot case: shapes, contracted axis pairs (some written negative), and
/// the oracle over einsum labels.
struct DotCase {
    a: ArrayD<f64>,
    b: ArrayD<f64>,
    a_axes: Vec<i64>,
    b_axes: Vec<i64>,
    oracle: Oracle,
}

fn dot_case(rng: &mut Rng, dtype: DType) -> DotCase {
    let (na, nb) = (rng.range(1, 3) as usize, rng.range(1, 3) as usize);
    let n = rng.range(0, na.min(nb) as i64) as usize;
    let contracted: Vec<usize> = (0..n)
        .map(|_| {
            if rng.below(8) == 0 {
                0
            } else {
                rng.range(1, 6) as usize
            }
        })
        .collect();
    let mut a_pos: Vec<usize> = (0..na).collect();
    let mut b_pos: Vec<usize> = (0..nb).collect();
    rng.shuffle(&mut a_pos);
    rng.shuffle(&mut b_pos);
    let mut a_shape = vec![0; na];
    let mut b_shape = vec![0; nb];
    let mut a_labels = vec![' '; na];
    let mut b_labels = vec![' '; nb];
    for (i, &k) in contracted.iter().enumerate() {
        a_shape[a_pos[i]] = k;
        b_shape[b_pos[i]] = k;
        a_labels[a_pos[i]] = (b'a' + i as u8) as char;
        b_labels[b_pos[i]] = (b'a' + i as u8) as char;
    }
    for (i, &d) in a_pos[n..].iter().enumerate() {
        a_shape[d] = rng.range(1, 5) as usize;
        a_labels[d] = (b'i' + i as u8) as char;
    }
    for (i, &d) in b_pos[n..].iter().enumerate() {
        b_shape[d] = rng.range(1, 5) as usize;
        b_labels[d] = (b'p' + i as u8) as char;
    }
    let output: Vec<char> = a_labels
        .iter()
        .chain(&b_labels)
        .copied()
        .filter(|l| *l >= 'i')
        .collect();
    let a = values(rng, dtype, &a_shape);
    let b = values(rng, dtype, &b_shape);
    let oracle = oracle_einsum(&[(&a, &a_labels), (&b, &b_labels)], &output);
    let written = |rng: &mut Rng, d: usize, ndim: usize| {
        if rng.below(2) == 0 {
            d as i64
        } else {
            d as i64 - ndim as i64
        }
    };
    let a_axes = a_pos[..n].iter().map(|&d| written(rng, d, na)).collect();
    let b_axes = b_pos[..n].iter().map(|&d| written(rng, d, nb)).collect();
    DotCase {
        a,
        b,
        a_axes,
        b_axes,
        oracle,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// tensordot with any axis pairs (negative ones too, zero-length contracted axes,
    /// no contracted axes at all), any chunking and thread count, every dtype.
    #[test]
    fn tensordot_matches_the_oracle(seed in any::<u64>(), pick in 0usize..DTYPES.len(), threads in 1usize..=3) {
        let mut rng = Rng(seed);
        let dtype = DTYPES[pick];
        let case = dot_case(&mut rng, dtype);
        let sa: Vec<usize> = case.a.shape().to_vec();
        let sb: Vec<usize> = case.b.shape().to_vec();
        let a = lazy(&case.a, dtype, &chunks(&mut rng, &sa));
        let b = lazy(&case.b, dtype, &chunks(&mut rng, &sb));
        let axes = DotAxes::Pairs(case.a_axes.clone(), case.b_axes.clone());
        let what = format!("tensordot {dtype} {sa:?} {sb:?} axes {:?} {:?} on {threads} threads", case.a_axes, case.b_axes);
        check(&tensordot(&a, &b, axes).unwrap(), &case.oracle, dtype, threads, &what);
    }

    /// `axes=N`: the last N axes of a with the first N of b.
    #[test]
    fn tensordot_with_a_count_contracts_trailing_with_leading(seed in any::<u64>(), threads in 1usize..=2) {
        let mut rng = Rng(seed);
        let n = rng.range(0, 2) as usize;
        let free_a: Vec<usize> = (0..rng.range(0, 2)).map(|_| rng.range(1, 4) as usize).collect();
        let free_b: Vec<usize> = (0..rng.range(0, 2)).map(|_| rng.range(1, 4) as usize).collect();
        let shared: Vec<usize> = (0..n).map(|_| rng.range(1, 5) as usize).collect();
        let sa = [free_a.clone(), shared.clone()].concat();
        let sb = [shared.clone(), free_b.clone()].concat();
        let la = [labels(b'i', free_a.len()), labels(b'a', n)].concat();
        let lb = [labels(b'a', n), labels(b'p', free_b.len())].concat();
        let out = [labels(b'i', free_a.len()), labels(b'p', free_b.len())].concat();
        let (x, y) = (values(&mut rng, DType::I64, &sa), values(&mut rng, DType::I64, &sb));
        let oracle = oracle_einsum(&[(&x, &la), (&y, &lb)], &out);
        let a = lazy(&x, DType::I64, &chunks(&mut rng, &sa));
        let b = lazy(&y, DType::I64, &chunks(&mut rng, &sb));
        check(&tensordot(&a, &b, n).unwrap(), &oracle, DType::I64, threads, &format!("axes={n} {sa:?} {sb:?}"));
    }

    /// matrix@matrix, matrix@vector, vector@matrix, vector@vector.
    #[test]
    fn matmul_covers_matrices_and_vectors(seed in any::<u64>(), pick in 0usize..DTYPES.len(), threads in 1usize..=2) {
        let mut rng = Rng(seed);
        let dtype = DTYPES[pick];
        let (m, k, n) = (rng.range(1, 6) as usize, rng.range(1, 9) as usize, rng.range(1, 6) as usize);
        let (a_vec, b_vec) = (rng.below(2) == 0, rng.below(2) == 0);
        let sa = if a_vec { vec![k] } else { vec![m, k] };
        let sb = if b_vec { vec![k] } else { vec![k, n] };
        let la: Vec<char> = if a_vec { vec!['k'] } else { vec!['i', 'k'] };
        let lb: Vec<char> = if b_vec { vec!['k'] } else { vec!['k', 'j'] };
        let out: Vec<char> = la.iter().chain(&lb).copied().filter(|&l| l != 'k').collect();
        let (x, y) = (values(&mut rng, dtype, &sa), values(&mut rng, dtype, &sb));
        let oracle = oracle_einsum(&[(&x, &la), (&y, &lb)], &out);
        let a = lazy(&x, dtype, &chunks(&mut rng, &sa));
        let b = lazy(&y, dtype, &chunks(&mut rng, &sb));
        check(&a.matmul(&b).unwrap(), &oracle, dtype, threads, &format!("{dtype} {sa:?} @ {sb:?}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Gram products (`x.T @ x`, `x @ x.T`, tensordot of `x` with itself over the same
    /// axes, through stacked transposes): the engine computes the diagonal blocks as
    /// symmetric and reads each piece once; every chunking puts some output regions on
    /// the diagonal and some off it.
    #[test]
    fn gram_products_match_the_oracle(seed in any::<u64>(), pick in 0usize..DTYPES.len(), form in 0usize..4, threads in 1usize..=3) {
        let mut rng = Rng(seed);
        let dtype = DTYPES[pick];
        let (k, n) = (rng.range(1, 9) as usize, rng.range(1, 7) as usize);
        let x = values(&mut rng, dtype, &[k, n]);
        let a = lazy(&x, dtype, &chunks(&mut rng, &[k, n]));
        let (got, labels) = match form {
            0 => (a.t().unwrap().matmul(&a).unwrap(), [['k', 'i'], ['k', 'j'], ['i', 'j']]),
            1 => (a.matmul(&a.t().unwrap()).unwrap(), [['i', 'k'], ['j', 'k'], ['i', 'j']]),
            2 => (tensordot(&a, &a, DotAxes::Pairs(vec![0], vec![0])).unwrap(), [['k', 'i'], ['k', 'j'], ['i', 'j']]),
            _ => {
                let twice = a.t().unwrap().t().unwrap();
                (tensordot(&twice, &a.t().unwrap(), DotAxes::Pairs(vec![0], vec![1])).unwrap(), [['k', 'i'], ['k', 'j'], ['i', 'j']])
            }
        };
        let oracle = oracle_einsum(&[(&x, &labels[0]), (&x, &labels[1])], &labels[2]);
        check(&got, &oracle, dtype, threads, &format!("gram form {form} {dtype} {k}x{n}"));
    }
}

#[test]
fn mixed_dtypes_promote_as_numpy() {
    let x = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |i| (i[0] * 4 + i[1]) as f64);
    let a32 = lazy(&x, DType::I32, &[2, 3]);
    let f32a = lazy(&x, DType::F32, &[2, 2]);
    let u8a = lazy(&x, DType::U8, &[3, 1]);
    let i8a = lazy(&x, DType::I8, &[1, 4]);
    let pairs = [
        (&a32, &f32a, DType::F64),
        (&u8a, &i8a, DType::I16),
        (&a32, &a32, DType::I32),
    ];
    for (a, b, want) in pairs {
        let got = tensordot(a, b, DotAxes::Pairs(vec![0], vec![0])).unwrap();
        assert_eq!(got.dtype(), want, "{} with {}", a.dtype(), b.dtype());
        let gram = got.astype(DType::F64).unwrap().compute(&ctx(2)).unwrap();
        let want_values: Vec<f64> = (0..16)
            .map(|e| (0..3).map(|r| x[[r, e / 4]] * x[[r, e % 4]]).sum())
            .collect();
        assert_eq!(gram.as_slice::<f64>().unwrap(), want_values.as_slice());
    }
}

#[test]
fn results_are_bit_identical_across_thread_counts() {
    let mut rng = Rng(7);
    let x = values(&mut rng, DType::F64, &[9, 300, 5]);
    let y = values(&mut rng, DType::F64, &[5, 300, 7]);
    let a = lazy(&x, DType::F64, &[4, 13, 2]);
    let b = lazy(&y, DType::F64, &[3, 17, 7]);
    let dot = tensordot(&a, &b, DotAxes::Pairs(vec![1, 2], vec![1, 0])).unwrap();
    let ein = einsum("ikj,jkl->li", &[&a, &b]).unwrap();
    let diag = a.diagonal(1, 0, 2).unwrap().sum().unwrap();
    // Large enough that each block product is multiplied in place, split into tiles
    // across threads (the Gram one computing only its upper triangle).
    let zv = values(&mut rng, DType::F64, &[400, 600]);
    let wv = values(&mut rng, DType::F64, &[600, 400]);
    let z = lazy(&zv, DType::F64, &[150, 600]);
    let w = lazy(&wv, DType::F64, &[300, 200]);
    let gram = z.t().unwrap().matmul(&z).unwrap();
    let wide = z.matmul(&w).unwrap();
    let as_2d = |v: &ArrayD<f64>| v.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
    let (z2, w2) = (as_2d(&zv), as_2d(&wv));
    for (array, want) in [(&gram, z2.t().dot(&z2)), (&wide, z2.dot(&w2))] {
        let got = array.compute(&ctx(2)).unwrap();
        let scale = want.iter().fold(0f64, |m, v| m.max(v.abs()));
        for (g, w) in as_f64s(&got).iter().zip(want.iter()) {
            assert!((g - w).abs() <= 1e-12 * scale * 600.0, "got {g}, want {w}");
        }
    }
    for array in [&dot, &ein, &diag, &gram, &wide] {
        let bits = |threads: usize| array.compute(&ctx(threads)).unwrap().bytes().to_vec();
        let one = bits(1);
        for threads in [2, 3, 4] {
            assert!(one == bits(threads), "{threads} threads differ from one");
        }
    }
}

// ----- memory ----------------------------------------------------------------------------

fn random(shape: &[u64], chunks: &[u64]) -> Array {
    use tessera::create::{CreateSource, Dist};
    let source = CreateSource::random(shape, chunks, DType::F64, 1, Dist::Normal).unwrap();
    Array::from_source(std::sync::Arc::new(source))
}

#[test]
fn projected_memory_does_not_grow_with_the_contracted_length() {
    let ctx = Context::with_limits(256 << 20, 2).unwrap();
    let task_bytes = |k: u64| {
        let a = random(&[40, k, 30], &[20, 1000, 10]);
        let b = random(&[30, 50, k], &[30, 25, 700]);
        let dot = tensordot(&a, &b, DotAxes::Pairs(vec![1, 2], vec![2, 0])).unwrap();
        let ein = einsum("ikj,jlk->il", &[&a, &b]).unwrap();
        (
            dot.plan(&ctx).unwrap().task_bytes,
            ein.plan(&ctx).unwrap().task_bytes,
        )
    };
    assert_eq!(task_bytes(5_000), task_bytes(50_000_000));
    // A diagonal's tasks do not grow with its length; a trace adds only the reduction's
    // fold-tree partials (logarithmic in the number of pieces).
    let diagonal_bytes = |n: u64| {
        let a = random(&[n, n], &[300, 200]);
        let diagonal = a.diagonal(0, 0, 1).unwrap();
        let trace = a.trace(0, 0, 1).unwrap();
        (
            diagonal.plan(&ctx).unwrap().task_bytes,
            trace.plan(&ctx).unwrap().task_bytes,
        )
    };
    let (short, long) = (diagonal_bytes(10_000), diagonal_bytes(100_000_000));
    assert_eq!(short.0, long.0);
    assert!(long.1 - short.1 <= 64 * 24, "{short:?} {long:?}");
}

#[test]
fn a_long_contraction_runs_in_a_small_budget() {
    // 8 MiB budget; the operands are 32 MiB each, generated chunk by chunk.
    let ctx = Context::with_limits(8 << 20, 2).unwrap();
    let a = random(&[4, 1 << 20], &[4, 1 << 14]);
    let b = random(&[1 << 20, 4], &[1 << 14, 4]);
    let product = a.matmul(&b).unwrap();
    let plan = product.plan(&ctx).unwrap();
    assert!(plan.task_bytes <= 8 << 20, "{}", plan.explain());
    let got = product.compute(&ctx).unwrap();
    // The same product from row and column blocks computed separately.
    let mut want = [0.0f64; 16];
    let step = 1 << 16;
    for k0 in (0..1u64 << 20).step_by(step) {
        let rows = a
            .slice(&[tessera::SliceItem::ALL, range(k0, step)])
            .unwrap();
        let cols = b.slice(&[range(k0, step)]).unwrap();
        let part = rows.matmul(&cols).unwrap().compute(&ctx).unwrap();
        for (w, p) in want.iter_mut().zip(part.as_slice::<f64>().unwrap()) {
            *w += p;
        }
    }
    for (g, w) in got.as_slice::<f64>().unwrap().iter().zip(want) {
        assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0), "{g} vs {w}");
    }
    let diagonal = random(&[20_000, 20_000], &[300, 400])
        .diagonal(-3, 0, 1)
        .unwrap();
    if let Err(e) = diagonal.compute(&ctx) {
        panic!("{e}");
    }
}

fn range(start: u64, len: usize) -> tessera::SliceItem {
    tessera::SliceItem::Range {
        start: Some(start as i64),
        stop: Some(start as i64 + len as i64),
        step: None,
    }
}

// ----- einsum ----------------------------------------------------------------------------

/// A random two-operand einsum: contracted, free and summed-away indices in random
/// positions, an output in random order (or numpy's implicit one).
fn einsum_case(rng: &mut Rng) -> (Vec<char>, Vec<char>, Vec<char>, bool) {
    let mut next = b'a';
    let mut take = |count: usize| -> Vec<char> {
        let out = labels(next, count);
        next += count as u8;
        out
    };
    let contracted = take(rng.range(0, 2) as usize);
    let free_a = take(rng.range(0, 2) as usize);
    let free_b = take(rng.range(0, 2) as usize);
    let sum_a = take(rng.range(0, 1) as usize);
    let sum_b = take(rng.range(0, 1) as usize);
    let mut la = [contracted.clone(), free_a.clone(), sum_a].concat();
    let mut lb = [contracted, free_b.clone(), sum_b].concat();
    rng.shuffle(&mut la);
    rng.shuffle(&mut lb);
    let implicit = rng.below(3) == 0;
    let output = if implicit {
        let all: Vec<char> = la.iter().chain(&lb).copied().collect();
        let mut once: Vec<char> = all
            .iter()
            .copied()
            .filter(|l| all.iter().filter(|m| *m == l).count() == 1)
            .collect();
        once.sort_unstable();
        once
    } else {
        let mut out = [free_a, free_b].concat();
        rng.shuffle(&mut out);
        out
    };
    (la, lb, output, implicit)
}

fn shape_for(labels: &[char], length: &BTreeMap<char, usize>) -> Vec<usize> {
    labels.iter().map(|l| length[l]).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Two-operand einsums: contractions, outer products, indices summed away first,
    /// outputs in any order, implicit outputs.
    #[test]
    fn einsum_of_two_matches_the_oracle(seed in any::<u64>(), pick in 0usize..DTYPES.len(), threads in 1usize..=3) {
        let mut rng = Rng(seed);
        let dtype = DTYPES[pick];
        let (la, lb, output, implicit) = einsum_case(&mut rng);
        let length: BTreeMap<char, usize> = la.iter().chain(&lb).map(|&l| (l, rng.range(1, 4) as usize)).collect();
        let (sa, sb) = (shape_for(&la, &length), shape_for(&lb, &length));
        let (x, y) = (values(&mut rng, dtype, &sa), values(&mut rng, dtype, &sb));
        let oracle = oracle_einsum(&[(&x, &la), (&y, &lb)], &output);
        let a = lazy(&x, dtype, &chunks(&mut rng, &sa));
        let b = lazy(&y, dtype, &chunks(&mut rng, &sb));
        let text = |l: &[char]| l.iter().collect::<String>();
        let subscripts = if implicit {
            format!("{},{}", text(&la), text(&lb))
        } else {
            format!("{},{}->{}", text(&la), text(&lb), text(&output))
        };
        let got = einsum(&subscripts, &[&a, &b]).unwrap();
        check(&got, &oracle, dtype, threads, &format!("einsum {subscripts} {dtype} {sa:?} {sb:?}"));
    }

    /// One-operand einsums: transposes, sums, traces and diagonals (a repeated index),
    /// explicit or implicit output; the dtype stays the operand's (sums wrap in it).
    #[test]
    fn einsum_of_one_matches_the_oracle(seed in any::<u64>(), pick in 0usize..DTYPES.len(), threads in 1usize..=2) {
        let mut rng = Rng(seed);
        let dtype = DTYPES[pick];
        let ndim = rng.range(1, 4) as usize;
        let mut la = labels(b'a', ndim);
        if ndim >= 2 && rng.below(2) == 0 {
            let (p, q) = (rng.below(ndim), rng.below(ndim));
            if p != q {
                la[q] = la[p];
            }
        }
        let mut distinct: Vec<char> = la.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let implicit = rng.below(3) == 0;
        let output: Vec<char> = if implicit {
            distinct.iter().copied().filter(|l| la.iter().filter(|m| *m == l).count() == 1).collect()
        } else {
            let mut out: Vec<char> = distinct.into_iter().filter(|_| rng.below(3) != 0).collect();
            rng.shuffle(&mut out);
            out
        };
        let length: BTreeMap<char, usize> = la.iter().map(|&l| (l, rng.range(1, 5) as usize)).collect();
        let sa = shape_for(&la, &length);
        let x = values(&mut rng, dtype, &sa);
        let oracle = oracle_einsum(&[(&x, &la)], &output);
        let a = lazy(&x, dtype, &chunks(&mut rng, &sa));
        let text = |l: &[char]| l.iter().collect::<String>();
        let subscripts = if implicit { text(&la) } else { format!("{}->{}", text(&la), text(&output)) };
        let got = einsum(&subscripts, &[&a]).unwrap();
        check(&got, &oracle, dtype, threads, &format!("einsum {subscripts} {dtype} {sa:?}"));
    }
}

// ----- diagonal, trace, outer ------------------------------------------------------------

/// numpy's diagonal, by brute force: other axes first, then the diagonal.
fn oracle_diagonal(x: &ArrayD<f64>, offset: i64, axis1: usize, axis2: usize) -> Oracle {
    let shape = x.shape();
    let (r0, c0) = if offset >= 0 {
        (0, offset as usize)
    } else {
        ((-offset) as usize, 0)
    };
    let len = shape[axis1]
        .saturating_sub(r0)
        .min(shape[axis2].saturating_sub(c0));
    let others: Vec<usize> = (0..shape.len())
        .filter(|&d| d != axis1 && d != axis2)
        .collect();
    let mut out_shape: Vec<usize> = others.iter().map(|&d| shape[d]).collect();
    out_shape.push(len);
    let mut oracle = Oracle::new(out_shape.clone());
    for o in 0..out_shape.iter().product::<usize>() {
        let at = unravel(o, &out_shape);
        let mut index = vec![0; shape.len()];
        for (k, &d) in others.iter().enumerate() {
            index[d] = at[k];
        }
        let t = at[others.len()];
        index[axis1] = r0 + t;
        index[axis2] = c0 + t;
        oracle.push(std::iter::once(x[IxDyn(&index)]));
    }
    oracle
}

/// Sums the last axis of an oracle (a trace from a diagonal).
fn sum_last(d: &Oracle) -> Oracle {
    let n = *d.shape.last().unwrap();
    let shape = d.shape[..d.shape.len() - 1].to_vec();
    let mut oracle = Oracle::new(shape.clone());
    for o in 0..shape.iter().product::<usize>() {
        oracle.push((0..n).map(|t| d.approx[o * n + t]));
    }
    oracle
}

fn trace_dtype(dtype: DType) -> DType {
    match dtype {
        DType::U8 => DType::U64,
        d if d.is_float() => d,
        _ => DType::I64,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// diagonal and trace at any offset (past the edges too), of any two axes (negative
    /// ones too) of 2-4-D arrays, in any chunking.
    #[test]
    fn diagonal_and_trace_match_the_oracle(seed in any::<u64>(), pick in 0usize..DTYPES.len(), threads in 1usize..=3) {
        let mut rng = Rng(seed);
        let dtype = DTYPES[pick];
        let ndim = rng.range(2, 4) as usize;
        let shape: Vec<usize> = (0..ndim).map(|_| rng.range(1, 9) as usize).collect();
        let (axis1, mut axis2) = (rng.below(ndim), rng.below(ndim));
        if axis2 == axis1 {
            axis2 = (axis1 + 1) % ndim;
        }
        let offset = rng.range(-10, 10);
        let x = values(&mut rng, dtype, &shape);
        let a = lazy(&x, dtype, &chunks(&mut rng, &shape));
        let written = |d: usize, rng: &mut Rng| if rng.below(2) == 0 { d as i64 } else { d as i64 - ndim as i64 };
        let (w1, w2) = (written(axis1, &mut rng), written(axis2, &mut rng));
        let want = oracle_diagonal(&x, offset, axis1, axis2);
        let what = format!("diagonal({shape:?}, {offset}, {w1}, {w2}) {dtype}");
        check(&a.diagonal(offset, w1, w2).unwrap(), &want, dtype, threads, &what);
        let trace_type = trace_dtype(dtype);
        check(&a.trace(offset, w1, w2).unwrap(), &sum_last(&want), trace_type, threads, &format!("trace of {what}"));
    }

    #[test]
    fn outer_matches_the_oracle(seed in any::<u64>(), pick in 0usize..DTYPES.len()) {
        let mut rng = Rng(seed);
        let dtype = DTYPES[pick];
        let (m, n) = (rng.range(1, 12) as usize, rng.range(1, 12) as usize);
        let (x, y) = (values(&mut rng, dtype, &[m]), values(&mut rng, dtype, &[n]));
        let oracle = oracle_einsum(&[(&x, &['i']), (&y, &['j'])], &['i', 'j']);
        let a = lazy(&x, dtype, &chunks(&mut rng, &[m]));
        let b = lazy(&y, dtype, &chunks(&mut rng, &[n]));
        check(&outer(&a, &b).unwrap(), &oracle, dtype, 2, &format!("outer {dtype} {m} {n}"));
        check(&tensordot(&a, &b, 0).unwrap(), &oracle, dtype, 2, &format!("tensordot axes=0 {dtype} {m} {n}"));
        // n-D inputs are flattened first, as numpy does.
        let (a2, b2) = (a.reshape(&[1, m as i64]).unwrap(), b.reshape(&[n as i64, 1]).unwrap());
        check(&outer(&a2, &b2).unwrap(), &oracle, dtype, 2, &format!("outer of 2-D {dtype} {m} {n}"));
    }
}

#[test]
fn a_diagonal_reads_only_near_the_diagonal() {
    // A 200_000 x 200_000 generated matrix (320 GB if read whole) under a 64 MiB budget.
    let ctx = Context::with_limits(64 << 20, 2).unwrap();
    let a = random(&[200_000, 200_000], &[1000, 700]);
    let diagonal = a.diagonal(5, 0, 1).unwrap();
    assert_eq!(diagonal.shape(), &[199_995]);
    assert_eq!(diagonal.chunks(), &[700]);
    let values = diagonal
        .slice(&[range(1000, 3)])
        .unwrap()
        .compute(&ctx)
        .unwrap();
    let want = a
        .slice(&[range(1000, 3), range(1005, 3)])
        .unwrap()
        .compute(&ctx)
        .unwrap();
    let want = want.as_slice::<f64>().unwrap();
    assert_eq!(
        values.as_slice::<f64>().unwrap(),
        &[want[0], want[4], want[8]]
    );
}

// ----- refusals --------------------------------------------------------------------------

fn refusal(result: tessera::Result<Array>) -> String {
    match result {
        Ok(a) => panic!("accepted, giving shape {:?}", a.shape()),
        Err(e) => {
            let text = e.to_string();
            assert!(!text.contains('\n'), "one line: {text}");
            text
        }
    }
}

#[test]
fn bad_input_is_refused_with_one_clear_line() {
    let m = lazy(&ArrayD::zeros(IxDyn(&[3, 4])), DType::F64, &[2, 2]);
    let v = lazy(&ArrayD::zeros(IxDyn(&[5])), DType::F64, &[2]);
    let t = lazy(&ArrayD::zeros(IxDyn(&[2, 3, 4])), DType::F64, &[2, 2, 2]);
    let cases: Vec<(tessera::Result<Array>, &str)> = vec![
        (tensordot(&m, &m, 1), "do not align"),
        (tensordot(&m, &v, 3), "axes=3"),
        (
            tensordot(&m, &m, DotAxes::Pairs(vec![0], vec![0, 1])),
            "same length",
        ),
        (
            tensordot(&m, &m, DotAxes::Pairs(vec![0, 0], vec![0, 1])),
            "repeated",
        ),
        (
            tensordot(&m, &m, DotAxes::Pairs(vec![2], vec![0])),
            "out of range",
        ),
        (
            tensordot(&m, &m, DotAxes::Pairs(vec![-3], vec![0])),
            "out of range",
        ),
        (m.matmul(&v), "do not align"),
        (t.matmul(&t), "tensordot or einsum"),
        (v.diagonal(0, 0, 1), "at least 2 axes"),
        (m.diagonal(0, 1, -1), "must differ"),
        (m.trace(0, 0, 2), "out of range"),
        (einsum("bij,bjk->bik", &[&t, &m]), "has 2 axes"),
        (einsum("...ij->ji", &[&t]), "write '...' in the output"),
        (einsum("i.->i", &[&m]), "not an index"),
        (einsum("ij,jk->ik", &[&m]), "2 operand(s) but 1"),
        (einsum("ijk->i", &[&m]), "has 2 axes"),
        (einsum("ij,jk->ik", &[&m, &m]), "lengths 4 and 3"),
        (einsum("ij->iz", &[&m]), "appears in no operand"),
        (einsum("ij->ii", &[&m]), "twice in the output"),
        (einsum("i1->i", &[&m]), "not an index"),
        (einsum("ii->i", &[&m]), "equal lengths"),
        (einsum("iii->i", &[&t]), "more than twice"),
    ];
    for (result, needle) in cases {
        let text = refusal(result);
        assert!(text.contains(needle), "wanted '{needle}' in: {text}");
    }
}

// ----- tessera eval -----------------------------------------------------------------------

fn inputs() -> (
    BTreeMap<String, Array>,
    ArrayD<f64>,
    ArrayD<f64>,
    ArrayD<f64>,
) {
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |i| (i[0] * 4 + i[1]) as f64 - 5.0);
    let b = ArrayD::from_shape_fn(IxDyn(&[4, 2]), |i| (i[0] + 2 * i[1]) as f64 * 0.5);
    let v = ArrayD::from_shape_fn(IxDyn(&[4]), |i| i[0] as f64 + 1.0);
    let mut map = BTreeMap::new();
    map.insert("a".into(), lazy(&a, DType::F64, &[2, 3]));
    map.insert("b".into(), lazy(&b, DType::F64, &[3, 1]));
    map.insert("v".into(), lazy(&v, DType::F64, &[3]));
    (map, a, b, v)
}

fn eval(source: &str) -> Vec<f64> {
    let (map, ..) = inputs();
    let array = tessera::expr::evaluate(source, &map).unwrap_or_else(|e| panic!("{source}: {e}"));
    as_f64s(&array.compute(&ctx(2)).unwrap())
}

#[test]
fn eval_syntax_reaches_the_library() {
    let (map, a, b, v) = inputs();
    let la = map["a"].clone();
    let lb = map["b"].clone();
    let lv = map["v"].clone();
    let lib = |array: Array| as_f64s(&array.compute(&ctx(2)).unwrap());
    let ab = lib(la.matmul(&lb).unwrap());
    assert_eq!(ab[0], (0..4).map(|k| a[[0, k]] * b[[k, 0]]).sum::<f64>());
    assert_eq!(eval("tensordot(a, b, axes=([1], [0]))"), ab);
    assert_eq!(eval("tensordot(a, b, 1)"), ab);
    assert_eq!(eval("tensordot(a, b, axes=(1, 0))"), ab);
    assert_eq!(eval("tensordot(a, b, axes=([-1], [-2]))"), ab);
    assert_eq!(eval("einsum('ij,jk->ik', a, b)"), ab);
    assert_eq!(eval("einsum('ij,jk', a, b)"), ab);
    assert_eq!(
        eval("einsum('ij,jk->ki', a, b)"),
        lib(la.matmul(&lb).unwrap().t().unwrap())
    );
    assert_eq!(
        eval("tensordot(a, a, axes=2)"),
        vec![a.iter().map(|x| x * x).sum::<f64>()]
    );
    assert_eq!(eval("tensordot(a, a)"), eval("tensordot(a, a, axes=2)"));
    assert_eq!(
        eval("einsum('i,i', v, v)"),
        vec![v.iter().map(|x| x * x).sum::<f64>()]
    );
    assert_eq!(eval("v @ v"), eval("einsum('i,i', v, v)"));
    assert_eq!(
        eval("einsum('ij->j', a)"),
        lib(la
            .reduce(tessera::kernels::reduce::ReduceOp::Sum, [0])
            .unwrap())
    );
    assert_eq!(eval("outer(v, v)")[5], v[1] * v[1]);
    assert_eq!(eval("outer(v, v)").len(), 16);
    assert_eq!(eval("diagonal(a)"), vec![a[[0, 0]], a[[1, 1]], a[[2, 2]]]);
    assert_eq!(
        eval("diagonal(a, offset=1)"),
        vec![a[[0, 1]], a[[1, 2]], a[[2, 3]]]
    );
    assert_eq!(
        eval("diagonal(a, -1, 1, 0)"),
        vec![a[[0, 1]], a[[1, 2]], a[[2, 3]]]
    );
    assert_eq!(eval("a.diagonal(offset=-1)"), vec![a[[1, 0]], a[[2, 1]]]);
    assert_eq!(eval("trace(a)"), vec![a[[0, 0]] + a[[1, 1]] + a[[2, 2]]]);
    assert_eq!(eval("a.trace(1)"), vec![a[[0, 1]] + a[[1, 2]] + a[[2, 3]]]);
    assert_eq!(eval("einsum('ii', a[:, :3])"), eval("trace(a)"));
    assert_eq!(
        eval("trace(a @ b @ (a @ b).T)"),
        eval("einsum('ij,ji', a @ b, (a @ b).T)")
    );
    assert_eq!(lv.shape(), &[4]);
}

#[test]
fn eval_mistakes_point_at_the_column() {
    let (map, ..) = inputs();
    let fails = |source: &str, column: usize, needle: &str| {
        let err = match tessera::expr::evaluate(source, &map) {
            Ok(_) => panic!("{source}: lowered without error"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains(&format!("column {column}:")),
            "{source}: {err}"
        );
        assert!(err.contains(needle), "{source}: {err}");
    };
    fails("1 + tensordot(a, a, axes=1)", 5, "do not align");
    fails("tensordot(a, b, axes=-1)", 22, "must not be negative");
    fails("tensordot(a, b, axes=(1, 0, 2))", 22, "pair of axis lists");
    fails("tensordot(a, b, axes='x')", 22, "expected an integer");
    fails("einsum(a, b)", 8, "expected a string");
    assert_eq!(eval("einsum('ij,ij->ij', a, a)"), eval("a * a"));
    fails("einsum('bij,bjk->bik', a, b)", 1, "has 2 axes");
    fails("einsum('ij,jk->ik', a, 2)", 24, "must be an array");
    assert_eq!(eval("outer(a, v)").len(), eval("a").len() * eval("v").len());
    fails("diagonal(v)", 1, "at least 2 axes");
    fails("trace(a, axis1=0, axis2=0)", 1, "must differ");
    fails("diagonal(a, offset=1.5)", 20, "expected an integer");
    fails("diagonal(a, bogus=1)", 19, "unexpected argument 'bogus'");
    fails(
        "tensordoot(a, b)",
        1,
        "tensordot, einsum, outer, diagonal, trace",
    );
}
