//! Shape operations (squeeze, expand_dims, swapaxes, moveaxis, flip, broadcast_to,
//! concatenate, stack) against ndarray in memory: random 1-4-D shapes and chunkings.
//! These operations only move values, so results must be bit-identical to the oracle.
//! Bad axes and mismatched shapes must be refused when the graph is built.

use ndarray::{ArrayD, Axis, Dimension, IxDyn};
use proptest::prelude::*;
use tessera::{Array, Context, DType};
use tessera::{concatenate, stack};

fn ctx() -> Context {
    Context::with_limits(64 << 20, 2).unwrap()
}

fn compute_f64(array: &Array) -> ArrayD<f64> {
    array.compute(&ctx()).unwrap().to_ndarray::<f64>().unwrap()
}

/// Same shape and the same bits in every element.
fn assert_identical(got: &ArrayD<f64>, want: &ArrayD<f64>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    let bits = |a: &ArrayD<f64>| a.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(got), bits(want), "{what}: values");
}

fn lazy(values: &ArrayD<f64>, chunks: &[u64]) -> Array {
    Array::from_ndarray(values.view(), chunks).unwrap()
}

fn to_ndarray(shape: &[u64], values: Vec<f64>) -> ArrayD<f64> {
    let dims: Vec<usize> = shape.iter().map(|n| *n as usize).collect();
    ArrayD::from_shape_vec(IxDyn(&dims), values).unwrap()
}

/// A shape of 1-4 axes (length 1 is frequent, for squeeze and broadcasts).
fn shape_strategy() -> impl Strategy<Value = Vec<u64>> {
    (1usize..=4).prop_flat_map(|ndim| {
        let side = [200u64, 24, 9, 6][ndim - 1];
        proptest::collection::vec(prop_oneof![1 => Just(1u64), 3 => 1..=side], ndim)
    })
}

/// Values of `shape` and a chunking of it.
fn filled(shape: Vec<u64>) -> impl Strategy<Value = (ArrayD<f64>, Vec<u64>)> {
    let chunks: Vec<_> = shape.iter().map(|n| 1..=(*n).max(1)).collect();
    let len = shape.iter().product::<u64>() as usize;
    (
        chunks,
        proptest::collection::vec(-1e6f64..1e6, len),
        Just(shape),
    )
        .prop_map(|(chunks, values, shape)| (to_ndarray(&shape, values), chunks))
}

fn array_strategy() -> impl Strategy<Value = (ArrayD<f64>, Vec<u64>)> {
    shape_strategy().prop_flat_map(filled)
}

/// `ndim` axes from a bit mask, as signed axes (some negative).
fn axes_from_mask(mask: u8, ndim: usize, negative: bool) -> Vec<i64> {
    (0..ndim as i64)
        .filter(|d| mask & (1 << d) != 0)
        .map(|d| if negative { d - ndim as i64 } else { d })
        .collect()
}

fn normalize(axis: i64, ndim: usize) -> usize {
    if axis < 0 {
        (axis + ndim as i64) as usize
    } else {
        axis as usize
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn squeeze_matches((values, chunks) in array_strategy(), mask in any::<u8>(), all in any::<bool>(), negative in any::<bool>()) {
        let a = lazy(&values, &chunks);
        let ndim = values.ndim();
        let unit: Vec<usize> = (0..ndim).filter(|&d| values.shape()[d] == 1).collect();
        let (got, removed) = if all {
            (a.squeeze(None).unwrap(), unit.clone())
        } else {
            let chosen: Vec<usize> = unit.iter().copied().filter(|d| mask & (1 << d) != 0).collect();
            let axes: Vec<i64> = chosen
                .iter()
                .map(|&d| if negative { d as i64 - ndim as i64 } else { d as i64 })
                .collect();
            (a.squeeze(Some(&axes)).unwrap(), chosen)
        };
        let mut want = values.clone();
        for &d in removed.iter().rev() {
            want = want.index_axis_move(Axis(d), 0);
        }
        assert_identical(&compute_f64(&got), &want, "squeeze");
    }

    #[test]
    fn expand_dims_matches((values, chunks) in array_strategy(), pick in 0usize..10, negative in any::<bool>()) {
        let a = lazy(&values, &chunks);
        let ndim = values.ndim();
        let at = pick % (ndim + 1);
        let axis = if negative { at as i64 - (ndim as i64 + 1) } else { at as i64 };
        let got = a.expand_dims(axis).unwrap();
        assert_identical(&compute_f64(&got), &values.clone().insert_axis(Axis(at)), "expand_dims");
        // A view of a view collapses, and squeezing it back gives the input.
        let back = got.squeeze(Some(&[axis])).unwrap();
        assert_identical(&compute_f64(&back), &values, "expand_dims then squeeze");
    }

    #[test]
    fn swapaxes_matches((values, chunks) in array_strategy(), a_axis in -4i64..4, b_axis in -4i64..4) {
        let ndim = values.ndim() as i64;
        let (x, y) = (a_axis.rem_euclid(2 * ndim) - ndim, b_axis.rem_euclid(2 * ndim) - ndim);
        let got = lazy(&values, &chunks).swapaxes(x, y).unwrap();
        let mut want = values.clone();
        want.swap_axes(normalize(x, values.ndim()), normalize(y, values.ndim()));
        assert_identical(&compute_f64(&got), &want.as_standard_layout().to_owned(), "swapaxes");
    }

    #[test]
    fn moveaxis_matches((values, chunks) in array_strategy(), source in 0usize..4, destination in 0usize..4, negative in any::<bool>()) {
        let ndim = values.ndim();
        let (s, d) = (source % ndim, destination % ndim);
        let signed = |v: usize| if negative { v as i64 - ndim as i64 } else { v as i64 };
        let got = compute_f64(&lazy(&values, &chunks).moveaxis(signed(s), signed(d)).unwrap());
        // Oracle by index: output index i reads the input at i with the entry at `d`
        // moved back to position `s`.
        let mut shape: Vec<usize> = values.shape().to_vec();
        let n = shape.remove(s);
        shape.insert(d, n);
        prop_assert_eq!(got.shape(), &shape[..]);
        for (index, value) in got.indexed_iter() {
            let mut at: Vec<usize> = index.slice().to_vec();
            let i = at.remove(d);
            at.insert(s, i);
            prop_assert_eq!(value.to_bits(), values[IxDyn(&at)].to_bits());
        }
    }

    #[test]
    fn flip_matches((values, chunks) in array_strategy(), mask in any::<u8>(), all in any::<bool>(), negative in any::<bool>()) {
        let a = lazy(&values, &chunks);
        let ndim = values.ndim();
        let axes = axes_from_mask(mask, ndim, negative);
        let (got, flipped): (Array, Vec<usize>) = if all {
            (a.flip(None).unwrap(), (0..ndim).collect())
        } else {
            (a.flip(Some(&axes)).unwrap(), axes.iter().map(|&x| normalize(x, ndim)).collect())
        };
        let mut want = values.clone();
        for d in flipped {
            want.invert_axis(Axis(d));
        }
        assert_identical(&compute_f64(&got), &want.as_standard_layout().to_owned(), "flip");
    }

    #[test]
    fn broadcast_to_matches(
        (values, chunks) in array_strategy(),
        new_axes in proptest::collection::vec(1u64..=4, 0..=2),
        stretch in proptest::collection::vec(prop_oneof![Just(1u64), 1u64..=7], 4),
    ) {
        let a = lazy(&values, &chunks);
        let mut target = new_axes.clone();
        for (d, &n) in values.shape().iter().enumerate() {
            target.push(if n == 1 { stretch[d] } else { n as u64 });
        }
        let got = a.broadcast_to(&target).unwrap();
        let dims: Vec<usize> = target.iter().map(|n| *n as usize).collect();
        let want = values.broadcast(IxDyn(&dims)).unwrap().to_owned();
        assert_identical(&compute_f64(&got), &want, "broadcast_to");
        // Broadcast arrays feed the rest of the graph like any other.
        let doubled = compute_f64(&(&got * 2.0).unwrap());
        assert_identical(&doubled, &want.mapv(|x| x * 2.0), "broadcast_to * 2");
    }

    #[test]
    fn concatenate_matches(
        base in shape_strategy(),
        axis_pick in 0usize..4,
        negative in any::<bool>(),
        parts in proptest::collection::vec((0u64..=40, 1u64..=16, any::<u64>()), 1..=4),
    ) {
        let ndim = base.len();
        let axis = axis_pick % ndim;
        let mut oracles = Vec::new();
        let mut arrays = Vec::new();
        for (k, &(len, chunk, seed)) in parts.iter().enumerate() {
            let mut shape = base.clone();
            shape[axis] = len;
            let count = shape.iter().product::<u64>();
            let values: Vec<f64> = (0..count)
                .map(|i| ((i.wrapping_mul(2654435761) ^ seed) % 100_003) as f64 * 0.37 - k as f64)
                .collect();
            let values = to_ndarray(&shape, values);
            // Each input chunked its own way: its chunk length along the axis, and a
            // seed-dependent one elsewhere.
            let chunks: Vec<u64> = shape
                .iter()
                .enumerate()
                .map(|(d, &n)| if d == axis { chunk } else { 1 + (seed >> (8 * d)) % n.max(1) })
                .collect();
            arrays.push(lazy(&values, &chunks));
            oracles.push(values);
        }
        let signed = if negative { axis as i64 - ndim as i64 } else { axis as i64 };
        let got = concatenate(&arrays, signed).unwrap();
        let views: Vec<_> = oracles.iter().map(|v| v.view()).collect();
        let want = ndarray::concatenate(Axis(axis), &views).unwrap();
        assert_identical(&compute_f64(&got), &want, "concatenate");
        // Then sliced and flipped: regions that straddle inputs.
        let flipped = got.flip(Some(&[signed])).unwrap();
        let mut want_flipped = want.clone();
        want_flipped.invert_axis(Axis(axis));
        assert_identical(&compute_f64(&flipped), &want_flipped.as_standard_layout().to_owned(), "flip(concatenate)");
        // Rechunked to other task shapes.
        let odd: Vec<u64> = got.shape().iter().map(|n| (n / 3).max(1)).collect();
        assert_identical(&compute_f64(&got.rechunk(&odd).unwrap()), &want, "rechunked concatenate");
    }

    #[test]
    fn stack_matches(
        (first, chunks) in array_strategy(),
        count in 1usize..=4,
        pick in 0usize..5,
        negative in any::<bool>(),
    ) {
        let ndim = first.ndim();
        let at = pick % (ndim + 1);
        let axis = if negative { at as i64 - (ndim as i64 + 1) } else { at as i64 };
        let oracles: Vec<ArrayD<f64>> = (0..count).map(|k| first.mapv(|x| x + k as f64)).collect();
        let arrays: Vec<Array> = oracles
            .iter()
            .enumerate()
            .map(|(k, v)| {
                let c: Vec<u64> = chunks.iter().zip(v.shape()).map(|(c, n)| 1 + (c + k as u64) % *n as u64).collect();
                lazy(v, &c)
            })
            .collect();
        let got = stack(&arrays, axis).unwrap();
        let views: Vec<_> = oracles.iter().map(|v| v.view()).collect();
        let want = ndarray::stack(Axis(at), &views).unwrap();
        assert_identical(&compute_f64(&got), &want, "stack");
    }
}

#[test]
fn concatenate_promotes_dtypes() {
    let ints = ndarray::arr2(&[[1i32, -2], [3, 4]]).into_dyn();
    let floats = ndarray::arr2(&[[0.5f32, 1.5]]).into_dyn();
    let a = Array::from_ndarray(ints.view(), &[1, 2]).unwrap();
    let b = Array::from_ndarray(floats.view(), &[1, 1]).unwrap();
    let joined = concatenate(&[a, b], 0).unwrap();
    assert_eq!(joined.dtype(), DType::F64);
    assert_eq!(joined.shape(), &[3, 2]);
    let got = compute_f64(&joined);
    assert_eq!(
        got.iter().copied().collect::<Vec<_>>(),
        vec![1.0, -2.0, 3.0, 4.0, 0.5, 1.5]
    );
}

#[test]
fn zero_length_inputs_are_skipped() {
    let empty = Array::from_ndarray(ArrayD::<f64>::zeros(IxDyn(&[0, 3])).view(), &[1, 3]).unwrap();
    let values = ndarray::Array2::from_shape_fn((2, 3), |(i, j)| (i * 3 + j) as f64).into_dyn();
    let full = Array::from_ndarray(values.view(), &[1, 2]).unwrap();
    let joined = concatenate(&[empty.clone(), full.clone(), empty.clone()], 0).unwrap();
    assert_identical(&compute_f64(&joined), &values, "concatenate with empties");
    let nothing = concatenate(&[empty.clone(), empty], 0).unwrap();
    assert_eq!(nothing.shape(), &[0, 3]);
}

fn error_of(result: tessera::Result<Array>) -> String {
    match result {
        Ok(a) => panic!("expected an error, got an array of shape {:?}", a.shape()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_axes_and_shapes_are_refused() {
    let values = ArrayD::<f64>::zeros(IxDyn(&[2, 1, 3]));
    let a = lazy(&values, &[1, 1, 2]);
    let check = |result: tessera::Result<Array>, words: &[&str]| {
        let message = error_of(result);
        for word in words {
            assert!(message.contains(word), "'{message}' lacks '{word}'");
        }
        assert!(!message.contains('\n'), "one line: {message}");
    };
    check(a.squeeze(Some(&[0])), &["squeeze", "length 2", "length-1"]);
    check(a.squeeze(Some(&[3])), &["squeeze", "axis 3"]);
    check(a.squeeze(Some(&[1, -2])), &["squeeze", "repeated"]);
    check(a.expand_dims(4), &["expand_dims", "axis 4"]);
    check(a.expand_dims(-5), &["expand_dims", "axis -5"]);
    check(a.swapaxes(0, 3), &["swapaxes", "axis 3"]);
    check(a.moveaxis(-4, 0), &["moveaxis", "axis -4"]);
    check(a.moveaxis(0, 3), &["moveaxis", "axis 3"]);
    check(a.flip(Some(&[5])), &["flip", "axis 5"]);
    check(a.flip(Some(&[0, 0])), &["flip", "repeated"]);
    check(a.broadcast_to(&[2, 3]), &["broadcast_to", "fewer axes"]);
    check(a.broadcast_to(&[4, 1, 3]), &["broadcast_to", "axis 0"]);
    check(a.broadcast_to(&[2, 5, 4]), &["broadcast_to", "axis 2"]);

    let b = lazy(&ArrayD::<f64>::zeros(IxDyn(&[2, 1, 4])), &[2, 1, 4]);
    let c = lazy(&ArrayD::<f64>::zeros(IxDyn(&[2, 3])), &[2, 3]);
    check(concatenate(&[], 0), &["concatenate", "at least one"]);
    check(
        concatenate(&[a.clone(), b.clone()], 0),
        &["concatenate", "[2, 1, 3]", "[2, 1, 4]", "except on axis 0"],
    );
    check(
        concatenate(&[a.clone(), c.clone()], 0),
        &["concatenate", "[2, 3]"],
    );
    check(
        concatenate(&[a.clone(), a.clone()], 3),
        &["concatenate", "axis 3"],
    );
    let scalar = Array::from_ndarray(ndarray::arr0(1.0f64).into_dyn().view(), &[]).unwrap();
    check(
        concatenate(&[scalar.clone(), scalar], 0),
        &["concatenate", "zero-dimensional"],
    );
    check(stack(&[], 0), &["stack", "at least one"]);
    check(stack(&[a.clone(), b], 0), &["stack", "same shape"]);
    check(stack(&[a.clone(), a.clone()], 4), &["stack", "axis 4"]);
    check(stack(&[a.clone(), a], -5), &["stack", "axis -5"]);
}

#[test]
fn concatenated_chunks_follow_the_inputs() {
    let zeros = |shape: &[usize], chunks: &[u64]| lazy(&ArrayD::<f64>::zeros(IxDyn(shape)), chunks);
    // A common chunk length is kept: boundaries fall on the inputs' own.
    let a = zeros(&[8, 5], &[4, 5]);
    let b = zeros(&[12, 5], &[4, 2]);
    let joined = concatenate(&[a.clone(), b.clone()], 0).unwrap();
    assert_eq!(joined.chunks(), &[4, 5]);
    // Different lengths: the smallest; other axes follow the first input.
    let joined = concatenate(&[b, zeros(&[3, 5], &[3, 1]), a], 0).unwrap();
    assert_eq!(joined.shape(), &[23, 5]);
    assert_eq!(joined.chunks(), &[3, 2]);
    // stack: one chunk per input along the new axis.
    let s = stack(&[zeros(&[6], &[4]), zeros(&[6], &[4])], 0).unwrap();
    assert_eq!(s.chunks(), &[1, 4]);
}

/// A shape of `ndim` axes holding `total` elements: each prime factor of `total` goes to
/// the axis `picks` names.
fn factored_shape(total: u64, ndim: usize, picks: &[usize]) -> Vec<u64> {
    let mut shape = vec![1u64; ndim];
    let (mut rest, mut p, mut i) = (total, 2u64, 0);
    while rest > 1 {
        if rest % p == 0 {
            shape[picks[i % picks.len()] % ndim] *= p;
            rest /= p;
            i += 1;
        } else {
            p += 1;
        }
    }
    if total == 0 {
        shape[picks[0] % ndim] = 0;
    }
    shape
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn reshape_matches(
        (values, chunks) in array_strategy(),
        ndim in 1usize..=4,
        picks in proptest::collection::vec(0usize..4, 1..8),
        infer in proptest::option::of(0usize..4),
        rechunk in proptest::collection::vec(1u64..40, 4),
    ) {
        let a = lazy(&values, &chunks);
        let target = factored_shape(values.len() as u64, ndim, &picks);
        let mut asked: Vec<i64> = target.iter().map(|&n| n as i64).collect();
        if let Some(i) = infer {
            asked[i % ndim] = -1;
        }
        let dims: Vec<usize> = target.iter().map(|&n| n as usize).collect();
        let want = values.to_shape(IxDyn(&dims)).unwrap().to_owned();
        let reshaped = a.reshape(&asked).unwrap();
        prop_assert_eq!(reshaped.shape(), target.as_slice());
        assert_identical(&compute_f64(&reshaped), &want, "reshape");
        // Regions that are not the reshape's own chunks.
        let other: Vec<u64> = rechunk[..ndim].to_vec();
        assert_identical(&compute_f64(&reshaped.rechunk(&other).unwrap()), &want, "reshape + rechunk");
        // And back.
        let back: Vec<i64> = values.shape().iter().map(|&n| n as i64).collect();
        assert_identical(&compute_f64(&reshaped.reshape(&back).unwrap()), &values, "reshape back");
        assert_identical(&compute_f64(&a.ravel().unwrap()), &values.iter().copied().collect::<ndarray::Array1<f64>>().into_dyn(), "ravel");
    }
}

#[test]
fn reshape_keeps_chunks_bounded_and_streams_in_a_small_budget() {
    // 400 x 300 in (40, 300) chunks to (300, 400): each output chunk is one input run.
    let values = ArrayD::from_shape_fn(IxDyn(&[400, 300]), |i| (i[0] * 300 + i[1]) as f64);
    let a = lazy(&values, &[40, 300]);
    let b = a.reshape(&[300, 400]).unwrap();
    assert_eq!(b.chunks(), &[30, 400]);
    let small = Context::with_limits(4 << 20, 2).unwrap();
    let got = b.compute(&small).unwrap().to_ndarray::<f64>().unwrap();
    assert_identical(
        &got,
        &values.to_shape(IxDyn(&[300, 400])).unwrap().to_owned(),
        "reshape",
    );
    let plan = tessera::plan::Plan::new(&small, &b).unwrap();
    assert!(plan.task_bytes < 4 * 40 * 300 * 8, "{}", plan.explain());
}

#[test]
fn bad_reshapes_are_refused() {
    let a = Array::from_ndarray(ndarray::Array2::<f64>::zeros((6, 4)).view(), &[3, 2]).unwrap();
    assert!(error_of(a.reshape(&[5, 5])).contains("cannot reshape [6, 4] to [5, 5]"));
    assert!(error_of(a.reshape(&[-1, -1])).contains("only one length may be -1"));
    assert!(error_of(a.reshape(&[-1, 5])).contains("no length fits the -1"));
    assert!(error_of(a.reshape(&[-2, 12])).contains("positive or -1"));
    assert_eq!(a.reshape(&[2, -1, 3]).unwrap().shape(), &[2, 4, 3]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn take_matches(
        (values, chunks) in array_strategy(),
        axis in 0usize..4,
        picks in proptest::collection::vec(any::<u32>(), 0..30),
        negative in any::<bool>(),
    ) {
        let a = lazy(&values, &chunks);
        let axis = axis % values.ndim();
        let n = values.shape()[axis];
        let indices: Vec<usize> = picks.iter().map(|p| *p as usize % n).collect();
        let asked: Vec<i64> = indices
            .iter()
            .map(|&i| if negative { i as i64 - n as i64 } else { i as i64 })
            .collect();
        let want = values.select(Axis(axis), &indices);
        let taken = a.take(&asked, axis as i64).unwrap();
        assert_identical(&compute_f64(&taken), &want, "take");
    }

    #[test]
    fn masks_match((values, chunks) in array_strategy(), mask_chunks in proptest::collection::vec(1u64..30, 4), threshold in -1e6f64..1e6) {
        let a = lazy(&values, &chunks);
        let mask = a
            .binary(tessera::kernels::elementwise::BinaryOp::Gt, threshold)
            .unwrap()
            .rechunk(&mask_chunks[..values.ndim()])
            .unwrap();
        let selected = a.mask(&mask, &ctx()).unwrap();
        let want: Vec<f64> = values.iter().copied().filter(|&x| x > threshold).collect();
        let got = compute_f64(&selected);
        prop_assert_eq!(got.iter().copied().collect::<Vec<_>>(), want);
    }

    #[test]
    fn block_matches((values, chunks) in array_strategy(), split in 0u64..1000) {
        // Cut the array into four quadrants over its last two axes and block them back.
        prop_assume!(values.ndim() >= 2);
        let a = lazy(&values, &chunks);
        let nd = values.ndim();
        let cut = |n: u64| split % (n + 1);
        let (r, c) = (cut(values.shape()[nd - 2] as u64) as i64, cut(values.shape()[nd - 1] as u64) as i64);
        let part = |rows: tessera::SliceItem, cols: tessera::SliceItem| {
            let mut items = vec![tessera::SliceItem::ALL; nd - 2];
            items.extend([rows, cols]);
            tessera::Blocks::Array(a.slice(&items).unwrap())
        };
        let before = |at: i64| tessera::SliceItem::Range { start: None, stop: Some(at), step: None };
        let after = |at: i64| tessera::SliceItem::Range { start: Some(at), stop: None, step: None };
        let blocks = tessera::Blocks::List(vec![
            tessera::Blocks::List(vec![part(before(r), before(c)), part(before(r), after(c))]),
            tessera::Blocks::List(vec![part(after(r), before(c)), part(after(r), after(c))]),
        ]);
        assert_identical(&compute_f64(&tessera::block(&blocks).unwrap()), &values, "block");
    }
}
