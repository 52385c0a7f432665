//! Links the system OpenBLAS when the `blas` feature is on (the default), with one clear
//! error when it is missing instead of the linker's "cannot find -lopenblas".

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=TESSERA_OPENBLAS_LIB_DIR");
    if std::env::var_os("CARGO_FEATURE_BLAS").is_none() {
        return;
    }
    match openblas_dir() {
        Some(dir) => {
            println!("cargo:rustc-link-search=native={}", dir.display());
            println!("cargo:rustc-link-lib=dylib=openblas");
        }
        None => panic!(
            "tessera's `blas` feature (on by default) links the system OpenBLAS, and no \
             libopenblas.so was found. Install it (Debian/Ubuntu: apt-get install \
             libopenblas-dev; scripts/setup.sh does this), point TESSERA_OPENBLAS_LIB_DIR \
             at its directory, or build with --no-default-features"
        ),
    }
}

/// The first directory holding libopenblas.so: TESSERA_OPENBLAS_LIB_DIR, then the
/// linker's usual places.
fn openblas_dir() -> Option<PathBuf> {
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let multiarch = format!("/usr/lib/{arch}-linux-gnu");
    let from_env = std::env::var_os("TESSERA_OPENBLAS_LIB_DIR").map(PathBuf::from);
    let library_path = std::env::var_os("LIBRARY_PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    let usual = [
        multiarch.as_str(),
        "/usr/lib64",
        "/usr/lib",
        "/usr/local/lib",
    ];
    from_env
        .into_iter()
        .chain(library_path)
        .chain(usual.iter().map(PathBuf::from))
        .find(|dir| Path::new(dir).join("libopenblas.so").exists())
}
