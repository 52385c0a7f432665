//! Seeded random arrays: uniform and normal floats, uniform integers, and the generated
//! test data of `tessera generate`. Chunk `i` draws from its own stream seeded from
//! `(seed, i)`, so values depend on the seed and the chunk shape only, never on the
//! thread count or the order chunks are made in.

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::*;

/// The distribution values are drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dist {
    /// Floats in [0, 1); integers in [0, 100); bools with p = 0.5.
    Uniform,
    /// Floats from N(0, 1); signed integers in [-100, 100), unsigned in [0, 100);
    /// bools with p = 0.5.
    Normal,
}

impl Dist {
    /// Parses `uniform` or `normal`.
    pub fn parse(text: &str) -> Result<Dist> {
        match text.trim().to_ascii_lowercase().as_str() {
            "uniform" => Ok(Dist::Uniform),
            "normal" => Ok(Dist::Normal),
            _ => Err(Error::Invalid(format!(
                "unknown distribution '{text}': expected uniform or normal"
            ))),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Dist::Uniform => "uniform",
            Dist::Normal => "normal",
        }
    }
}

/// SplitMix64's finaliser: spreads nearby integers over the whole 64-bit range. Shared
/// by every seeded source so that chunk streams are derived one way.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Floats uniform in `[low, high)` (float dtypes), seeded: the same seed and chunking
/// give the same values whatever the thread count.
///
/// # Errors
/// As [`zeros`], a dtype that is not a float, or bounds that are not finite or
/// hold no value of the dtype.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let u = tessera::random_uniform(&[1000], &[100], -1.0, 1.0, 7, DType::F64)?;
/// let values = u.compute_vec::<f64>(&ctx)?;
/// assert!(values.iter().all(|v| (-1.0..1.0).contains(v)));
/// // The same seed and chunks give the same values.
/// let again = tessera::random_uniform(&[1000], &[100], -1.0, 1.0, 7, DType::F64)?;
/// assert_eq!(again.compute_vec::<f64>(&ctx)?, values);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn random_uniform(
    shape: &[u64],
    chunks: &[u64],
    low: f64,
    high: f64,
    seed: u64,
    dtype: DType,
) -> Result<Array> {
    let what = "random_uniform";
    need_float(what, dtype)?;
    need_finite(what, "low", low)?;
    need_finite(what, "high", high)?;
    if low >= high || !(high - low).is_finite() {
        return Err(Error::Invalid(format!(
            "{what}: needs low < high with a finite width, got [{low}, {high})"
        )));
    }
    float_bounds_in(dtype, low, high)?;
    let values = Values::Uniform { low, high };
    let fill = vec![0; dtype.size()];
    Ok(CreateSource::new(what, shape, chunks, dtype, fill, values, seed)?.into_array())
}

/// Floats from the normal distribution N(`mean`, `std`²) (float dtypes), seeded.
///
/// # Errors
/// As [`zeros`], a dtype that is not a float, or a mean or deviation that is not
/// finite.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let n = tessera::random_normal(&[10_000], &[1000], 5.0, 2.0, 1, DType::F64)?;
/// let mean = n.mean()?.compute_vec::<f64>(&ctx)?[0];
/// assert!((mean - 5.0).abs() < 0.1, "{mean}");
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn random_normal(
    shape: &[u64],
    chunks: &[u64],
    mean: f64,
    std: f64,
    seed: u64,
    dtype: DType,
) -> Result<Array> {
    let what = "random_normal";
    need_float(what, dtype)?;
    need_finite(what, "mean", mean)?;
    need_finite(what, "std", std)?;
    if std < 0.0 {
        return Err(Error::Invalid(format!(
            "{what}: std must not be negative, got {std}"
        )));
    }
    let values = Values::Normal { mean, std };
    let fill = vec![0; dtype.size()];
    Ok(CreateSource::new(what, shape, chunks, dtype, fill, values, seed)?.into_array())
}

/// Integers uniform in `[low, high)` (`high` exclusive, as numpy's `randint`), seeded.
/// The dtype must be an integer type (or bool, for `[0, 2)`) holding every value.
///
/// # Errors
/// As [`zeros`], an empty range, or a dtype that cannot hold every value of it.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let dice = tessera::random_integers(&[600], &[100], 1, 7, 3, DType::U8)?;
/// assert!(dice.compute_vec::<u8>(&ctx)?.iter().all(|d| (1..7).contains(d)));
/// assert!(tessera::random_integers(&[1], &[1], 0, 1000, 3, DType::U8).is_err());
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn random_integers(
    shape: &[u64],
    chunks: &[u64],
    low: i64,
    high: i64,
    seed: u64,
    dtype: DType,
) -> Result<Array> {
    let what = "random_integers";
    if dtype.is_float() {
        return Err(Error::Invalid(format!(
            "{what} makes integers: give an integer dtype or bool, not {dtype}"
        )));
    }
    if low >= high {
        return Err(Error::Invalid(format!(
            "{what}: needs low < high (high is exclusive), got [{low}, {high})"
        )));
    }
    let (lo, hi) = (i128::from(low), i128::from(high) - 1);
    if dtype == DType::Bool {
        if lo < 0 || hi > 1 {
            return Err(Error::Invalid(format!(
                "{what}: bool holds only 0 and 1, not [{low}, {high})"
            )));
        }
    } else {
        check_int_fits(what, lo, dtype)?;
        check_int_fits(what, hi, dtype)?;
    }
    let values = Values::Integers { low, high };
    let fill = vec![0; dtype.size()];
    Ok(CreateSource::new(what, shape, chunks, dtype, fill, values, seed)?.into_array())
}

impl CreateSource {
    /// Seeded test and benchmark data of any dtype (`tessera generate`): `dist` picks
    /// floats in [0, 1) or from N(0, 1), integers in [0, 100) (or [-100, 100) for a
    /// normal signed dtype) and fair bools. Chunk `i` draws from its own stream seeded
    /// from `(seed, i)`, as every random array does, so the values depend on the seed
    /// and the chunk shape only.
    ///
    /// # Errors
    /// A `shape` or `chunks` that do not fit together.
    ///
    /// # Examples
    /// ```
    /// use tessera::create::{CreateSource, Dist};
    /// use tessera::store::ChunkSource;
    /// let source = CreateSource::random(&[100], &[10], tessera::DType::I8, 7, Dist::Normal)?;
    /// let chunk = source.read_chunk(&[3])?;
    /// assert!(chunk.to_ndarray::<i8>()?.iter().all(|v| (-100..100).contains(v)));
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn random(
        shape: &[u64],
        chunks: &[u64],
        dtype: DType,
        seed: u64,
        dist: Dist,
    ) -> Result<CreateSource> {
        let values = match (dist, dtype) {
            (Dist::Uniform, d) if d.is_float() => Values::Uniform {
                low: 0.0,
                high: 1.0,
            },
            (Dist::Normal, d) if d.is_float() => Values::Normal {
                mean: 0.0,
                std: 1.0,
            },
            (_, DType::Bool) => Values::Integers { low: 0, high: 2 },
            (Dist::Normal, d) if d.is_signed_int() => Values::Integers {
                low: -100,
                high: 100,
            },
            _ => Values::Integers { low: 0, high: 100 },
        };
        let name = format!("generate {}", dist.name());
        CreateSource::new(
            &name,
            shape,
            chunks,
            dtype,
            vec![0; dtype.size()],
            values,
            seed,
        )
    }

    /// The chunk at grid position `index` of a random array, from its own stream.
    pub(super) fn make_random_chunk(&self, index: &[u64]) -> Result<Chunk> {
        let region = self.grid.chunk_region(index);
        let dtype = self.meta.dtype;
        let stream = splitmix(self.seed ^ splitmix(self.grid.ravel(index)));
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(stream);
        let n = region.len();
        let mut out = Chunk::zeros(dtype, &region.shape);
        match self.values {
            Values::Uniform { low, high } => {
                let (lo, hi) = float_bounds_in(dtype, low, high)?;
                let width = high - low;
                let values = (0..n).map(|_| {
                    let u: f64 = rng.random();
                    round_to(dtype, low + width * u).clamp(lo, hi)
                });
                write_floats(out.bytes_mut(), dtype, values)?;
            }
            Values::Normal { mean, std } => {
                let values = (0..n).map(|_| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    mean + std * z
                });
                write_floats(out.bytes_mut(), dtype, values)?;
            }
            Values::Integers { low, high } => {
                let values = (0..n).map(|_| i128::from(rng.random_range(low..high)));
                write_ints(out.bytes_mut(), dtype, values)?;
            }
            _ => return self.make_region(&region),
        }
        Ok(out)
    }
}
