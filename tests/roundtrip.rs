//! Round trips, property-tested: random 1-4-D shapes, chunkings, dtypes and codecs.
//! Data is written into every format, converted from every format into every other with
//! new chunks, and must read back identical (bit for bit, floats included).

mod common;

use std::path::Path;

use proptest::prelude::*;
use tessera::create::{CreateSource, Dist};
use tessera::grid::Region;
use tessera::store::{ChunkSource, Codec, WriteOptions, ZarrVersion};
use tessera::{Address, Context, DType, convert};

/// The formats a case writes: address suffix, and whether it is a sharded Zarr v3.
#[derive(Clone, Copy, Debug)]
enum Target {
    Hdf5,
    Zarr2,
    Zarr3,
    Zarr3Sharded,
    Npy,
}

const TARGETS: [Target; 5] = [
    Target::Hdf5,
    Target::Zarr2,
    Target::Zarr3,
    Target::Zarr3Sharded,
    Target::Npy,
];

impl Target {
    fn address(self, dir: &Path, stem: &str) -> Address {
        let text = match self {
            Target::Hdf5 => format!("{}/{stem}.h5:/g/data", dir.display()),
            Target::Npy => format!("{}/{stem}.npy", dir.display()),
            _ => format!("{}/{stem}.zarr:/data", dir.display()),
        };
        Address::parse(&text).unwrap()
    }

    fn options(self, chunks: &[u64], codec: Codec) -> WriteOptions {
        let codec = match (self, codec) {
            (Target::Hdf5, Codec::Gzip(_) | Codec::None) => codec,
            (Target::Hdf5, _) => Codec::Gzip(1),
            _ => codec,
        };
        WriteOptions {
            chunks: chunks.to_vec(),
            codec,
            zarr_version: match self {
                Target::Zarr2 => ZarrVersion::V2,
                _ => ZarrVersion::V3,
            },
            shard: matches!(self, Target::Zarr3Sharded)
                .then(|| chunks.iter().map(|c| c * 2).collect()),
            overwrite: false,
        }
    }
}

fn codec() -> impl Strategy<Value = Codec> {
    prop_oneof![
        Just(Codec::None),
        (0u32..=9).prop_map(Codec::Gzip),
        (1i32..=5).prop_map(Codec::Zstd),
        (1u8..=9).prop_map(Codec::BloscLz4),
        (1u8..=9).prop_map(Codec::BloscZstd),
    ]
}

/// A shape of 1-4 axes with at most ~600 elements, and two chunkings of it.
fn shape_and_chunkings() -> impl Strategy<Value = (Vec<u64>, Vec<u64>, Vec<u64>)> {
    (1usize..=4)
        .prop_flat_map(|ndim| {
            let side = [600u64, 25, 9, 5][ndim - 1];
            proptest::collection::vec(1..=side, ndim)
        })
        .prop_flat_map(|shape| {
            let chunking = shape.iter().map(|n| 1..=*n).collect::<Vec<_>>();
            (Just(shape), chunking.clone(), chunking)
        })
}

fn read_whole(address: &Address) -> tessera::Chunk {
    common::read_all(address).unwrap_or_else(|e| panic!("reading {address}: {e}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn every_format_to_every_format_reads_back_identical(
        (shape, chunks_a, chunks_b) in shape_and_chunkings(),
        dtype in proptest::sample::select(DType::ALL.to_vec()),
        codec_a in codec(),
        codec_b in codec(),
        seed in any::<u64>(),
    ) {
        let ctx = Context::with_limits(64 << 20, 2).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let random = CreateSource::random(&shape, &chunks_a, dtype, seed, Dist::Normal).unwrap();
        let expected = random.read_region(&Region::whole(&shape)).unwrap();
        for (i, from) in TARGETS.iter().enumerate() {
            let first = from.address(dir.path(), &format!("src{i}"));
            convert::write_source(&ctx, &random, &first, &from.options(&chunks_a, codec_a), None)
                .unwrap_or_else(|e| panic!("writing {from:?}: {e}"));
            prop_assert_eq!(&read_whole(&first), &expected, "{:?} written directly", from);
            for (j, to) in TARGETS.iter().enumerate() {
                let second = to.address(dir.path(), &format!("dst{i}_{j}"));
                convert::convert(&ctx, &first, &second, &to.options(&chunks_b, codec_b), None)
                    .unwrap_or_else(|e| panic!("{from:?} -> {to:?}: {e}"));
                prop_assert_eq!(&read_whole(&second), &expected, "{:?} -> {:?}", from, to);
            }
        }
    }
}
