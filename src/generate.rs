//! Generated data: seeded random arrays made chunk by chunk, in parallel, within the
//! memory budget. Chunk `i` of the generation grid draws from its own random stream,
//! seeded from `(seed, i)`, so the values depend on the seed and the chunk shape only,
//! never on the number of threads or the order chunks are made in.

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::{Map, Value};

use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::grid::ChunkGrid;
use crate::store::Origin;
use crate::store::{ArrayMeta, ChunkSource};

/// The distribution values are drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dist {
    /// Floats in [0, 1); integers in [0, 100); bools with p = 0.5.
    Uniform,
    /// Floats from N(0, 1); integers rounded from N(0, 100²), clamped to the type.
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

/// A seeded random array, produced chunk by chunk on demand.
pub struct RandomSource {
    /// What made the values, for messages.
    name: String,
    meta: ArrayMeta,
    grid: ChunkGrid,
    seed: u64,
    dist: Dist,
}

impl RandomSource {
    /// A random array of `shape` and `dtype`, generated in chunks of `chunks`.
    pub fn new(shape: &[u64], chunks: &[u64], dtype: DType, seed: u64, dist: Dist) -> Result<Self> {
        let grid = ChunkGrid::new(shape, chunks)?;
        let mut attributes = Map::new();
        attributes.insert("generator".into(), Value::from("tessera gen random"));
        attributes.insert("seed".into(), Value::from(seed));
        attributes.insert("distribution".into(), Value::from(dist.name()));
        let meta = ArrayMeta {
            shape: shape.to_vec(),
            chunks: chunks.to_vec(),
            dtype,
            fill_value: vec![0; dtype.size()],
            codec: "none".into(),
            layout: "generated".into(),
            attributes,
            stored_bytes: None,
        };
        Ok(RandomSource {
            name: format!("<random seed={seed}>"),
            meta,
            grid,
            seed,
            dist,
        })
    }
}

impl ChunkSource for RandomSource {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }

    fn origin(&self) -> Origin<'_> {
        Origin::Made(&self.name)
    }

    fn input_paths(&self) -> Vec<std::path::PathBuf> {
        Vec::new() // made in memory: reads no file
    }

    fn read_chunk(&self, index: &[u64]) -> Result<Chunk> {
        let region = self.grid.chunk_region(index);
        let stream = splitmix(self.seed ^ splitmix(self.grid.ravel(index)));
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(stream);
        let mut chunk = Chunk::zeros(self.meta.dtype, &region.shape);
        fill_random(&mut chunk, &mut rng, self.dist);
        Ok(chunk)
    }
}

/// SplitMix64's finaliser: spreads nearby integers over the whole 64-bit range. Shared
/// by every seeded source so that chunk streams are derived one way.
pub(crate) fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fill_random(chunk: &mut Chunk, rng: &mut Xoshiro256PlusPlus, dist: Dist) {
    macro_rules! fill_float {
        ($t:ty, $conv:expr) => {{
            let values = chunk.as_slice_mut::<$t>().into_iter().flatten();
            for v in values {
                let x: f64 = match dist {
                    Dist::Uniform => rng.random::<f64>(),
                    Dist::Normal => StandardNormal.sample(rng),
                };
                *v = $conv(x);
            }
        }};
    }
    macro_rules! fill_int {
        ($t:ty) => {{
            let values = chunk.as_slice_mut::<$t>().into_iter().flatten();
            for v in values {
                *v = match dist {
                    Dist::Uniform => rng.random_range(0..100) as $t,
                    Dist::Normal => {
                        let x: f64 = StandardNormal.sample(rng);
                        (x * 100.0)
                            .round()
                            .clamp(<$t>::MIN as f64, <$t>::MAX as f64) as $t
                    }
                };
            }
        }};
    }
    match chunk.dtype() {
        DType::Bool => {
            for v in chunk.bytes_mut() {
                *v = u8::from(rng.random::<bool>());
            }
        }
        DType::F64 => fill_float!(f64, |x: f64| x),
        DType::F32 => fill_float!(f32, |x: f64| x as f32),
        DType::F16 => fill_float!(half::f16, half::f16::from_f64),
        DType::I8 => fill_int!(i8),
        DType::I16 => fill_int!(i16),
        DType::I32 => fill_int!(i32),
        DType::I64 => fill_int!(i64),
        DType::U8 => fill_int!(u8),
        DType::U16 => fill_int!(u16),
        DType::U32 => fill_int!(u32),
        DType::U64 => fill_int!(u64),
    }
}

#[cfg(test)]
mod tests;
