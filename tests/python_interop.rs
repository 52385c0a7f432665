//! What tessera writes opens in the reference implementations with identical values:
//! h5py (libhdf5) for HDF5, zarr-python 3 for Zarr v2 and v3 (sharded included) and
//! numpy for .npy. The Python peers come from the virtualenv that scripts/setup.sh makes
//! (TESSERA_PYTHON, or .venv/bin/python in the checkout).

mod common;

use std::process::Command;

use common::python;

use tessera::create::{CreateSource, Dist};
use tessera::store::{Codec, WriteOptions, ZarrVersion};
use tessera::{Address, Context, DType, convert};

const CHECK: &str = r#"
import json, sys
import numpy as np, h5py, zarr

cases = json.load(open(sys.argv[1]))
failures = []
for case in cases:
    ref = np.load(case["reference"])
    kind, path, inner = case["format"], case["path"], case["array"]
    if kind == "hdf5":
        with h5py.File(path, "r") as f:
            ds = f[inner]
            got, chunks = ds[()], ds.chunks
            attrs = {k: ds.attrs[k] for k in ds.attrs}
    elif kind == "zarr":
        arr = zarr.open_array(store=path, path=inner, mode="r")
        got, chunks, attrs = arr[...], arr.chunks, dict(arr.attrs)
        if case.get("shards") is not None and tuple(arr.shards or ()) != tuple(case["shards"]):
            problems_shards = f"shards {arr.shards} != {case['shards']}"
            failures.append(f"{path}:{inner}: {problems_shards}")
    else:
        got, chunks, attrs = np.load(path), None, {}
    problems = []
    if got.dtype != ref.dtype:
        problems.append(f"dtype {got.dtype} != {ref.dtype}")
    elif got.shape != ref.shape:
        problems.append(f"shape {got.shape} != {ref.shape}")
    elif got.tobytes() != ref.tobytes():
        problems.append("values differ")
    if case["chunks"] is not None and tuple(chunks) != tuple(case["chunks"]):
        problems.append(f"chunks {chunks} != {case['chunks']}")
    if kind != "npy" and attrs.get("seed") != case["seed"]:
        problems.append(f"attribute seed missing or wrong: {attrs}")
    if problems:
        failures.append(f"{path}:{inner}: " + "; ".join(problems))
print(f"checked {len(cases)} arrays")
if failures:
    print("\n".join(failures))
    sys.exit(1)
"#;

/// (label, format, codec, zarr version, shard).
fn layouts() -> Vec<(&'static str, Codec, ZarrVersion, bool)> {
    vec![
        ("h5-none", Codec::None, ZarrVersion::V3, false),
        ("h5-gzip", Codec::Gzip(4), ZarrVersion::V3, false),
        ("z2-none", Codec::None, ZarrVersion::V2, false),
        ("z2-gzip", Codec::Gzip(5), ZarrVersion::V2, false),
        ("z2-zstd", Codec::Zstd(3), ZarrVersion::V2, false),
        ("z2-blosclz4", Codec::BloscLz4(5), ZarrVersion::V2, false),
        ("z2-bloscztd", Codec::BloscZstd(5), ZarrVersion::V2, false),
        ("z3-none", Codec::None, ZarrVersion::V3, false),
        ("z3-gzip", Codec::Gzip(5), ZarrVersion::V3, false),
        ("z3-zstd", Codec::Zstd(3), ZarrVersion::V3, false),
        ("z3-blosclz4", Codec::BloscLz4(5), ZarrVersion::V3, false),
        ("z3-blosczstd", Codec::BloscZstd(5), ZarrVersion::V3, false),
        ("z3-sharded", Codec::Zstd(1), ZarrVersion::V3, true),
        ("npy", Codec::None, ZarrVersion::V3, false),
    ]
}

#[test]
fn tessera_output_opens_in_h5py_zarr_python_and_numpy() {
    let Some(python) = python() else {
        return;
    };
    let ctx = Context::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (shape, chunks) = ([37u64, 23], [10u64, 7]);
    let mut cases = Vec::new();
    for dtype in DType::ALL {
        let seed = 11 + dtype.size() as u64;
        let random = CreateSource::random(&shape, &chunks, dtype, seed, Dist::Normal).unwrap();
        let reference = dir.path().join(format!("ref-{dtype}.npy"));
        let reference_address = Address::parse(reference.to_str().unwrap()).unwrap();
        let plain = WriteOptions {
            chunks: chunks.to_vec(),
            codec: Codec::None,
            zarr_version: ZarrVersion::V3,
            shard: None,
            overwrite: false,
        };
        convert::write_source(&ctx, &random, &reference_address, &plain, None).unwrap();
        for (label, codec, zarr_version, sharded) in layouts() {
            let (format, file, inner) = match &label[..2] {
                "h5" => ("hdf5", format!("{label}-{dtype}.h5"), "/grp/data"),
                "z2" | "z3" => ("zarr", format!("{label}-{dtype}.zarr"), "grp/data"),
                _ => ("npy", format!("{label}-{dtype}.npy"), ""),
            };
            let path = dir.path().join(&file);
            let text = match format {
                "hdf5" => format!("{}:{inner}", path.display()),
                "zarr" => format!("{}:/{inner}", path.display()),
                _ => path.display().to_string(),
            };
            let options = WriteOptions {
                chunks: chunks.to_vec(),
                codec,
                zarr_version,
                shard: sharded.then(|| vec![20, 14]),
                overwrite: false,
            };
            convert::write_source(
                &ctx,
                &random,
                &Address::parse(&text).unwrap(),
                &options,
                None,
            )
            .unwrap_or_else(|e| panic!("{text}: {e}"));
            let expected_chunks = match format {
                "npy" => serde_json::Value::Null,
                _ => serde_json::json!(chunks),
            };
            let shards = sharded.then(|| serde_json::json!([20, 14]));
            cases.push(serde_json::json!({
                "format": format, "path": path, "array": inner, "reference": reference,
                "chunks": expected_chunks, "shards": shards, "seed": seed,
            }));
        }
    }
    let list = dir.path().join("cases.json");
    std::fs::write(&list, serde_json::to_vec(&cases).unwrap()).unwrap();
    let script = dir.path().join("check.py");
    std::fs::write(&script, CHECK).unwrap();
    let output = Command::new(&python)
        .arg(&script)
        .arg(&list)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "Python check failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(&format!("checked {} arrays", cases.len())));
}
