//! Helpers shared by the integration tests: where the reference fixtures are, reading a
//! whole array through tessera, and walking a fixture manifest (the schema of
//! `../shared/fixtures/manifest.json`, also used by `data/manifest.json`).

#![allow(dead_code)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use serde_json::Value;
use tessera::grid::Region;
use tessera::{Address, Chunk};

/// The Python of the reference peers (`$TESSERA_PYTHON`, set by scripts/setup.sh, or
/// `.venv/bin/python`), or `None` with a notice when there is none (never under CI).
pub(crate) fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("TESSERA_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    if candidate.exists() {
        return Some(candidate);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must run with the Python peers installed (scripts/setup.sh)"
    );
    println!("skipping: no Python virtualenv with numpy/h5py/zarr (run scripts/setup.sh)");
    None
}

/// Runs `script` with `args` in the reference Python (see [`python`]); its stdout,
/// or a failure with both streams.
pub(crate) fn run_python(python: &Path, script: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The library's source files: every `.rs` under `src/` except the CLI (`src/bin`) and
/// test modules (`tests.rs`, `proptests.rs`, `tests/` folders), in a fixed order.
pub(crate) fn library_sources() -> Vec<PathBuf> {
    fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                if name != "bin" && name != "tests" {
                    collect(&path, out);
                }
            } else if name.ends_with(".rs") && name != "tests.rs" && name != "proptests.rs" {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    collect(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    files
}

/// The project's own fixtures: `data/` in the checkout.
pub(crate) fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The shared reference fixtures beside the checkout, or `None` (with a printed notice)
/// when they are absent.
pub(crate) fn fixtures_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipping: ../shared/fixtures not found");
        None
    }
}

/// Reads the whole array at `address` through `tessera::store::open`.
pub(crate) fn read_all(address: &Address) -> tessera::Result<Chunk> {
    let source = tessera::store::open(address)?;
    let shape = source.meta().shape.clone();
    source.read_region(&Region::whole(&shape))
}

/// Parses `text` as an address and reads the whole array.
pub(crate) fn read_all_at(text: &str) -> tessera::Result<Chunk> {
    read_all(&Address::parse(text)?)
}

/// Runs `f`, turning a panic into an `Err` that says so.
pub(crate) fn no_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let text = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("PANICKED: {text}")
    })
}

/// One manifest entry.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub format: String,
    pub path: String,
    pub array: String,
    pub expected: Option<String>,
}

impl Entry {
    fn from_json(value: &Value) -> Result<Entry, String> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
        Ok(Entry {
            format: text("format").ok_or("entry without a format")?,
            path: text("path").ok_or("entry without a path")?,
            array: text("array").unwrap_or_default(),
            expected: text("expected"),
        })
    }

    /// The file or store on disk, under `root`.
    pub(crate) fn store_path(&self, root: &Path) -> String {
        root.join(&self.path).display().to_string()
    }

    /// The tessera address of this entry's array.
    pub(crate) fn address(&self, root: &Path) -> String {
        let store = self.store_path(root);
        let array = self.array.trim_start_matches('/');
        match self.format.as_str() {
            "hdf5" | "netcdf4" => format!("{store}:/{array}"),
            _ if array.is_empty() => store,
            _ => format!("{store}:/{array}"),
        }
    }

    /// A short name for reports.
    pub(crate) fn name(&self) -> String {
        format!("[{}] {}:{}", self.format, self.path, self.array)
    }
}

/// Reads `root/manifest.json`.
pub(crate) fn load_manifest(root: &Path) -> Vec<Entry> {
    let path = root.join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let json: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    json.as_array()
        .unwrap_or_else(|| panic!("{} is not a JSON list", path.display()))
        .iter()
        .map(|v| Entry::from_json(v).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

/// Checks one entry: a readable one must equal its expected .npy bit for bit; one with
/// `expected: null` must be refused with an error naming its file or store.
pub(crate) fn check_entry(root: &Path, entry: &Entry) -> Result<(), String> {
    let address = entry.address(root);
    match &entry.expected {
        Some(expected) => {
            let expected_path = root.join(expected).display().to_string();
            let want = no_panic(|| read_all_at(&expected_path))?
                .map_err(|e| format!("cannot read the expected values: {e}"))?;
            let got = no_panic(|| read_all_at(&address))?.map_err(|e| e.to_string())?;
            compare(&got, &want)
        }
        None => expect_refusal(&entry.store_path(root), || read_all_at(&address)),
    }
}

/// Shape, dtype and bytes must match exactly.
pub(crate) fn compare(got: &Chunk, want: &Chunk) -> Result<(), String> {
    if got.dtype() != want.dtype() || got.shape() != want.shape() {
        return Err(format!(
            "got {:?} of {}, expected {:?} of {}",
            got.shape(),
            got.dtype(),
            want.shape(),
            want.dtype()
        ));
    }
    let size = got.dtype().size();
    let first_diff = got
        .bytes()
        .chunks_exact(size)
        .zip(want.bytes().chunks_exact(size))
        .position(|(a, b)| a != b);
    match first_diff {
        None => Ok(()),
        Some(i) => {
            let count = got
                .bytes()
                .chunks_exact(size)
                .zip(want.bytes().chunks_exact(size))
                .filter(|(a, b)| a != b)
                .count();
            Err(format!(
                "{count} of {} elements differ; the first at flat index {i}: got bytes {:?}, expected {:?}",
                got.len(),
                &got.bytes()[i * size..(i + 1) * size],
                &want.bytes()[i * size..(i + 1) * size]
            ))
        }
    }
}

/// `attempt` must return an error (not panic, not succeed) whose message names `path`.
pub(crate) fn expect_refusal<T>(
    path: &str,
    attempt: impl FnOnce() -> tessera::Result<T>,
) -> Result<(), String> {
    match no_panic(attempt)? {
        Ok(_) => Err("was read, but must be refused".to_string()),
        Err(e) if e.to_string().contains(path) => {
            println!("  refused as expected: {e}");
            Ok(())
        }
        Err(e) => Err(format!("refused, but the error does not name {path}: {e}")),
    }
}

/// Every file or store directly in `dir` must be refused: either listing it fails, or
/// every array it lists (readable-looking or not) fails to open and read, each time with
/// an error naming it.
pub(crate) fn check_negative_dir(dir: &Path) -> Vec<(String, Result<(), String>)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| (path.display().to_string(), check_negative(path)))
        .collect()
}

fn check_negative(path: &Path) -> Result<(), String> {
    let name = path.display().to_string();
    let listed = match no_panic(|| tessera::store::list(path))? {
        Err(e) if e.to_string().contains(&name) => {
            println!("  refused as expected: {e}");
            return Ok(());
        }
        Err(e) => return Err(format!("refused, but the error does not name it: {e}")),
        Ok(listed) => listed,
    };
    if listed.is_empty() {
        return Err("listed no arrays and raised no error".to_string());
    }
    for entry in listed {
        if let Err(reason) = &entry.meta {
            println!("  listed as unreadable: {}: {reason}", entry.name);
        }
        let address = if entry.name.is_empty() {
            name.clone()
        } else {
            format!("{name}:/{}", entry.name.trim_start_matches('/'))
        };
        expect_refusal(&name, || read_all_at(&address))
            .map_err(|e| format!("array '{}': {e}", entry.name))?;
    }
    Ok(())
}

/// Checks every entry of `root/manifest.json`; prints a per-format tally and returns
/// the failures as `name: reason` lines.
pub(crate) fn check_manifest(root: &Path) -> Vec<String> {
    let entries = load_manifest(root);
    let mut tally: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut failures = Vec::new();
    for entry in &entries {
        let result = check_entry(root, entry);
        let counts = tally.entry(entry.format.clone()).or_default();
        counts.1 += 1;
        match result {
            Ok(()) => counts.0 += 1,
            Err(e) => failures.push(format!("{}: {e}", entry.name())),
        }
    }
    println!(
        "{}: {} entries",
        root.join("manifest.json").display(),
        entries.len()
    );
    for (format, (passed, total)) in &tally {
        println!("  {format:8} {passed:4} / {total:4} pass");
    }
    failures
}

/// Fails with every line of `failures` at once.
pub(crate) fn assert_no_failures(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} {what} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The names in `dir`, sorted.
pub(crate) fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every file under `dir` (recursively) with its bytes, sorted by path: equal before
/// and after shows that nothing under `dir` changed.
pub(crate) fn dir_contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    out
}
