//! Crash safety: a conversion killed with SIGKILL part-way leaves nothing at the target
//! path, and the input's bytes are unchanged.

use std::hash::{DefaultHasher, Hasher};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn digest(path: &Path) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write(&std::fs::read(path).unwrap());
    hasher.finish()
}

fn staged_entries(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().ends_with(".partial")
        })
        .count()
}

#[test]
fn kill_9_mid_conversion_leaves_no_target_and_an_intact_input() {
    let dir = tempfile::tempdir().unwrap();
    let src_file = dir.path().join("in.h5");
    let src = format!("{}:/data", src_file.display());
    let status = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args([
            "gen",
            "random",
            &src,
            "--shape",
            "4096,4096",
            "--chunks",
            "256,256",
            "--quiet",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let before = digest(&src_file);

    for target in ["out.zarr", "out.h5:/data", "out.npy"] {
        let dst = format!("{}/{target}", dir.path().display());
        let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args([
                "convert", &src, &dst, "--chunks", "100,100", "--codec", "gzip:9",
            ])
            .args(["--threads", "1", "--quiet"])
            .spawn()
            .unwrap();
        // Wait until the staged output exists, so the kill lands mid-write.
        let started = Instant::now();
        while staged_entries(dir.path()) == 0 && started.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(200));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "{target}: finished before it could be killed"
        );
        let final_path = dir.path().join(target.split(':').next().unwrap());
        assert!(
            !final_path.exists(),
            "{target}: something is at the target path"
        );
        assert_eq!(digest(&src_file), before, "{target}: the input changed");
    }
}
