//! Arrays written by the reference implementations (h5py/libhdf5, netCDF-C, zarr-python,
//! numpy) must read back bit for bit as the reference reader read them, and arrays those
//! formats hold but tessera cannot compute on must be refused with an error naming the
//! file. Walks `../shared/fixtures/manifest.json` (skipped when absent) and the project's
//! own `data/manifest.json`.

mod common;

use common::{assert_no_failures, check_manifest, check_negative_dir, data_dir, fixtures_dir};

#[test]
fn shared_fixtures_read_as_the_reference_read_them() {
    let Some(root) = fixtures_dir() else { return };
    assert_no_failures("shared fixture entries", &check_manifest(&root));
}

#[test]
fn shared_negative_fixtures_are_refused() {
    let Some(root) = fixtures_dir() else { return };
    let failures = negative_failures(&root.join("negative"));
    assert_no_failures("shared negative fixtures", &failures);
}

#[test]
fn project_fixtures_read_as_the_reference_read_them() {
    assert_no_failures("data/ fixture entries", &check_manifest(&data_dir()));
}

#[test]
fn project_negative_fixtures_are_refused() {
    let failures = negative_failures(&data_dir().join("negative"));
    assert_no_failures("data/negative fixtures", &failures);
}

fn negative_failures(dir: &std::path::Path) -> Vec<String> {
    let results = check_negative_dir(dir);
    assert!(!results.is_empty(), "{} holds no fixtures", dir.display());
    results
        .into_iter()
        .filter_map(|(name, result)| result.err().map(|e| format!("{name}: {e}")))
        .collect()
}
