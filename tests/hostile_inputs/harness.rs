//! What every hostile case asserts, in one place: run the `tessera` binary as a child
//! with a deadline, measure its peak RSS, and check the promise (exit code, exactly one
//! `tessera: error:` line, no panic), plus digests of the inputs and listings of the
//! directories around the target, so a case can prove nothing else changed.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How a child run ended.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub args: Vec<String>,
    /// Exit code, or `None` when killed by a signal.
    pub code: Option<i32>,
    /// The signal that ended it, if any.
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Peak resident set size of the child in bytes: its own report where it made one
    /// (`TESSERA_PEAK_RSS_FILE`), else `ru_maxrss`, which also counts this process's
    /// memory at the fork and so can only overstate.
    pub peak_rss: u64,
    /// True when the deadline passed and the child was killed.
    pub timed_out: bool,
}

/// Deadline for one run: a hang is a failure, never a stuck CI job.
pub(crate) const DEADLINE: Duration = Duration::from_secs(60);

/// Runs `tessera ARGS` with the default deadline.
pub(crate) fn tessera(args: &[&str]) -> Outcome {
    run(args, DEADLINE, None, &[])
}

/// Runs `tessera ARGS` in `cwd`.
pub(crate) fn tessera_in(cwd: &Path, args: &[&str]) -> Outcome {
    run(args, DEADLINE, Some(cwd), &[])
}

/// Runs `tessera ARGS` with a deadline, a working directory and extra environment.
pub(crate) fn run(
    args: &[&str],
    deadline: Duration,
    cwd: Option<&Path>,
    env: &[(&str, &str)],
) -> Outcome {
    let mut command = command(args);
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    let report = peak_rss_report_path();
    command.env("TESSERA_PEAK_RSS_FILE", &report);
    let child = command.spawn().expect("the tessera binary runs");
    let mut outcome = wait_for(child, args, deadline);
    if let Some(peak) = std::fs::read_to_string(&report)
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
    {
        outcome.peak_rss = peak;
    }
    let _ = std::fs::remove_file(&report);
    outcome
}

/// A fresh path for a child's own peak-RSS report (`TESSERA_PEAK_RSS_FILE`).
fn peak_rss_report_path() -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "tessera-peak-rss-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Waits for a spawned child (stdout and stderr piped) with a deadline, collecting its
/// output and peak RSS.
pub(crate) fn wait_for(
    mut child: std::process::Child,
    args: &[&str],
    deadline: Duration,
) -> Outcome {
    let pid = child.id() as libc::pid_t;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let mut timed_out = false;
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: rusage is plain data; wait4 fills it in.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our own child, not yet reaped.
        let done = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if done == pid {
            break (status, usage);
        }
        assert!(done == 0, "wait4 failed for {args:?}");
        if started.elapsed() > deadline && !timed_out {
            timed_out = true;
            // SAFETY: signalling our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let exited = libc::WIFEXITED(status);
    Outcome {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: exited.then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        peak_rss: usage.ru_maxrss as u64 * 1024,
        timed_out,
    }
}

impl Outcome {
    fn context(&self) -> String {
        format!(
            "tessera {:?}\n  exit {:?} signal {:?} timed out {} peak RSS {} MiB\n  stdout: {}\n  stderr: {}",
            self.args,
            self.code,
            self.signal,
            self.timed_out,
            self.peak_rss >> 20,
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }

    /// The promise for a refusal: exit code 2, exactly one line on stderr that starts
    /// with `tessera: error: ` and contains every needle (case-insensitive), no panic,
    /// no hang.
    pub(crate) fn refused(&self, needles: &[&str]) -> &Self {
        let ctx = self.context();
        assert!(!self.timed_out, "hang: {ctx}");
        assert!(!self.stderr.contains("panicked"), "panic: {ctx}");
        assert_eq!(self.code, Some(2), "exit code 2 expected: {ctx}");
        let lines: Vec<&str> = self.stderr.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 1, "exactly one line expected: {ctx}");
        assert!(
            lines[0].starts_with("tessera: error: "),
            "the line must start with 'tessera: error: ': {ctx}"
        );
        assert!(
            lines[0].len() <= 2000,
            "an error line of {} bytes: {ctx}",
            lines[0].len()
        );
        let lower = lines[0].to_lowercase();
        for needle in needles {
            assert!(
                lower.contains(&needle.to_lowercase()),
                "'{needle}' not in the error line: {ctx}"
            );
        }
        self
    }

    /// The promise for a success: exit code 0, no panic, no hang.
    pub(crate) fn succeeded(&self) -> &Self {
        let ctx = self.context();
        assert!(!self.timed_out, "hang: {ctx}");
        assert!(!self.stderr.contains("panicked"), "panic: {ctx}");
        assert_eq!(self.code, Some(0), "success expected: {ctx}");
        self
    }

    /// Either a success or a proper refusal, never a panic, a hang or a crash.
    pub(crate) fn succeeded_or_refused(&self) -> &Self {
        if self.code == Some(0) {
            self.succeeded()
        } else {
            self.refused(&[])
        }
    }

    /// Peak RSS at most `limit` bytes.
    pub(crate) fn rss_within(&self, limit: u64) -> &Self {
        assert!(
            self.peak_rss <= limit,
            "peak RSS {} MiB over {} MiB: {}",
            self.peak_rss >> 20,
            limit >> 20,
            self.context()
        );
        self
    }
}

/// The sha256 of every file under `path` (or of `path` itself), keyed by relative path.
/// Symlinks are recorded by their target text, never followed; other non-regular files
/// by their kind.
pub(crate) fn digest(path: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    digest_into(path, Path::new(""), &mut out);
    out
}

fn digest_into(path: &Path, rel: &Path, out: &mut BTreeMap<PathBuf, String>) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        out.insert(rel.to_path_buf(), "missing".into());
        return;
    };
    let kind = meta.file_type();
    if kind.is_symlink() {
        let target = std::fs::read_link(path).unwrap_or_default();
        out.insert(
            rel.to_path_buf(),
            format!("symlink -> {}", target.display()),
        );
    } else if kind.is_dir() {
        out.insert(rel.to_path_buf(), "dir".into());
        let mut names: Vec<_> = std::fs::read_dir(path)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        names.sort();
        for name in names {
            digest_into(&path.join(&name), &rel.join(&name), out);
        }
    } else if kind.is_file() {
        out.insert(rel.to_path_buf(), file_sha256(path));
    } else if kind.is_fifo() {
        out.insert(rel.to_path_buf(), "fifo".into());
    } else {
        out.insert(rel.to_path_buf(), "special".into());
    }
}

/// Files larger than this (the sparse terabyte chunks of some cases) are recorded by
/// size, inode and modification time instead of hashed.
const MAX_HASHED_BYTES: u64 = 1 << 30;

/// The sha256 of a file, streamed.
fn file_sha256(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.len() > MAX_HASHED_BYTES
    {
        return format!(
            "large file: {} bytes, inode {}, modified {}.{}",
            meta.len(),
            meta.ino(),
            meta.mtime(),
            meta.mtime_nsec()
        );
    }
    let mut hasher = Sha256::new();
    let Ok(mut file) = std::fs::File::open(path) else {
        return "unreadable".into();
    };
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(_) => return "unreadable".into(),
        }
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A record of a directory tree to compare against later: "nothing outside the target
/// changed".
pub(crate) struct Snapshot {
    root: PathBuf,
    before: BTreeMap<PathBuf, String>,
}

impl Snapshot {
    pub(crate) fn of(root: &Path) -> Snapshot {
        Snapshot {
            root: root.to_path_buf(),
            before: digest(root),
        }
    }

    /// Asserts that every entry is as before, except those under the `allowed` paths
    /// (relative to the root), which may appear, change or vanish.
    pub(crate) fn unchanged_except(&self, allowed: &[&str]) {
        let after = digest(&self.root);
        let is_allowed = |p: &PathBuf| allowed.iter().any(|a| !a.is_empty() && p.starts_with(a));
        let mut diffs = Vec::new();
        for (path, was) in &self.before {
            if is_allowed(path) {
                continue;
            }
            match after.get(path) {
                Some(now) if now == was => {}
                now => diffs.push(format!("{}: {was} -> {now:?}", path.display())),
            }
        }
        for path in after.keys() {
            if !self.before.contains_key(path) && !is_allowed(path) {
                diffs.push(format!("{}: appeared", path.display()));
            }
        }
        assert!(
            diffs.is_empty(),
            "changed outside {allowed:?}:\n{}",
            diffs.join("\n")
        );
    }

    /// Asserts that nothing at all changed.
    pub(crate) fn unchanged(&self) {
        self.unchanged_except(&[]);
    }
}

/// `dir/name` as a string, for building addresses.
pub(crate) fn at(dir: &Path, name: &str) -> String {
    format!("{}/{name}", dir.display())
}

/// Makes a small input with `tessera gen random` at `dir/name` (any format) and returns its address. (`gen` is a reserved word in Rust 2024.)
pub(crate) fn generate(dir: &Path, name: &str, shape: &str, chunks: &str) -> String {
    let address = at(dir, name);
    tessera(&[
        "gen", "random", &address, "--shape", shape, "--chunks", chunks, "--quiet",
    ])
    .succeeded();
    address
}

/// `tessera ARGS` with no stdin and piped stdout and stderr, as [`wait_for`] expects.
pub(crate) fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Starts `tessera ARGS` in the background; finish it with [`wait_for`].
pub(crate) fn spawn(args: &[&str]) -> std::process::Child {
    command(args).spawn().expect("the tessera binary runs")
}

/// The value of `reduce sum` over `address`, as JSON text (timings left out). Sums are
/// bit-identical for a given chunking on any thread count.
pub(crate) fn sum_value(address: &str) -> String {
    let outcome = tessera(&["reduce", "sum", address, "--json", "--threads", "1"]);
    outcome.succeeded();
    let doc: serde_json::Value = serde_json::from_str(&outcome.stdout).expect("JSON output");
    doc["value"].to_string()
}

/// Hidden staging directories and scratch files (`.NAME.tessera-...`) in `dir`.
pub(crate) fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".tessera-"))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs a Python script with the reference libraries (h5py, zarr, numpy).
pub(crate) fn python(script: &str) {
    let python = std::env::var("TESSERA_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(python)
        .args(["-c", script])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
