//! The `tessera` command line: a thin layer over the library. It parses arguments,
//! calls one library function per subcommand, and prints results; errors become one line
//! on stderr and exit code 2.

mod compute;
mod info;
mod many;
mod progress;

/// Large buffers get their own huge-page mappings, a few reused and the rest returned to
/// the system when freed.
#[global_allocator]
static ALLOCATOR: tessera::memory::ChunkAllocator = tessera::memory::ChunkAllocator;

use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

use tessera::convert::{self, ConvertReport, Strategy};
use tessera::create::{CreateSource, Dist};
use tessera::store::{Codec, WriteOptions, ZarrVersion};
use tessera::{Address, Context, DType, Error, Result};
use tessera::{memory::parse_bytes, text::format_bytes};

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "Out-of-core arrays: inspect, convert and generate HDF5, Zarr and .npy data within a memory budget",
    after_help = "Addresses: file.h5:/group/dataset (also .hdf5, .nc, .he5), store.zarr, store.zarr:/group/array, file.npy"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every array in a file or store: shape, dtype, chunks, codec, sizes, attributes.
    Info {
        /// An HDF5/netCDF4 file, a Zarr store or a .npy file (an address's array part is ignored).
        path: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Copy an array into a new file or store, or add it to an existing HDF5 file or
    /// Zarr store (dst.zarr:/name), with new chunks and compression. Given a whole
    /// file or store (in.nc, a Zarr group), copy every array, group, attribute and
    /// dimension name into a new one.
    Convert {
        /// Address of the array to read, or a whole file or store.
        src: String,
        /// Address of the array to create, or the new file or store for a whole copy.
        dst: String,
        #[command(flatten)]
        layout: LayoutArgs,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Reduce an array: sum, mean, std, argmax, ... over some or all axes.
    Reduce {
        /// sum, prod, min, max, mean, var, std, count, any, all, argmin, argmax,
        /// nansum, nanmean, nanmin, nanmax.
        op: String,
        /// Address of the array.
        src: String,
        /// Axes to reduce, e.g. 0 or 0,1 (default: all; negative counts from the end).
        #[arg(long, allow_hyphen_values = true)]
        axis: Option<String>,
        /// Keep reduced axes with length 1.
        #[arg(long)]
        keepdims: bool,
        /// Delta degrees of freedom for var and std.
        #[arg(long, default_value_t = 0)]
        ddof: u32,
        #[command(flatten)]
        output: compute::OutputArgs,
        #[command(flatten)]
        layout: LayoutArgs,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Evaluate numpy-style expressions over named arrays, e.g.
    /// 'mean((a - b)**2, axis=0)' -i a=x.h5:/t -i b=y.zarr. Several expressions run in
    /// one pass over their shared inputs ('sum(a)' 'std(a)'); give --out once per
    /// expression, in order, to store each.
    Eval {
        /// The expressions.
        #[arg(required = true, value_name = "EXPR")]
        exprs: Vec<String>,
        /// An input, NAME=ADDRESS (repeatable).
        #[arg(short = 'i', long = "input", value_name = "NAME=ADDRESS")]
        inputs: Vec<String>,
        #[command(flatten)]
        output: compute::OutputArgs,
        #[command(flatten)]
        layout: LayoutArgs,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Generate test data.
    Gen {
        #[command(subcommand)]
        kind: GenKind,
    },
}

#[derive(Subcommand)]
enum GenKind {
    /// A seeded random array, made chunk by chunk in parallel.
    Random {
        /// Address of the array to create.
        dst: String,
        /// Shape, e.g. 100000,2000.
        #[arg(long)]
        shape: String,
        /// Element type: bool, i8..i64, u8..u64, f16, f32, f64.
        #[arg(long, default_value = "f64")]
        dtype: String,
        /// Seed; the same seed and chunks give the same data on any number of threads.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Distribution: normal or uniform.
        #[arg(long, default_value = "normal")]
        dist: String,
        #[command(flatten)]
        layout: LayoutArgs,
        #[command(flatten)]
        run: RunArgs,
    },
}

/// How to lay out a new array.
#[derive(Args)]
pub struct LayoutArgs {
    /// Chunk shape of the new array, e.g. 1000,1000 (default: the source's).
    #[arg(long)]
    chunks: Option<String>,
    /// Compression: none, gzip:L, zstd:L, blosc-lz4:L, blosc-zstd:L (HDF5: none or gzip).
    #[arg(long, default_value = "none")]
    codec: String,
    /// Zarr format of a new store: 2 or 3.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(2..=3))]
    zarr_version: u8,
    /// Shard shape for Zarr v3 (a multiple of --chunks).
    #[arg(long)]
    shard: Option<String>,
    /// Replace the target if it exists.
    #[arg(long)]
    overwrite: bool,
}

/// Resources of a run.
#[derive(Args)]
pub struct RunArgs {
    /// Memory budget, e.g. 256MiB, 1GiB.
    #[arg(long, default_value = "1GiB")]
    memory: String,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Print the summary as JSON (for scripts).
    #[arg(long)]
    json: bool,
}

impl RunArgs {
    /// The budget, cache and thread pool these arguments ask for.
    pub fn context(&self) -> Result<Context> {
        let memory =
            parse_bytes(&self.memory).map_err(|e| Error::Invalid(format!("--memory: {e}")))?;
        Context::with_limits(memory, self.threads)
    }
}

fn main() -> ExitCode {
    tessera::memory::tune_allocator();
    remove_staging_on_signals();
    // A file-size limit (RLIMIT_FSIZE) then fails the write with EFBIG, reported like a
    // full disk, instead of killing the process with its staging left behind.
    // SAFETY: ignoring a signal has no preconditions.
    unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let result = run(cli.command);
    while tessera::store::staging::stopping() {
        // A signal is being handled: its thread removes the staging and exits.
        std::thread::park();
    }
    report_peak_rss();
    match result {
        Ok(()) => {
            for note in tessera::store::staging::take_notes() {
                eprintln!("tessera: note: {note}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("tessera: error: {}", error.one_line());
            ExitCode::from(2)
        }
    }
}

/// Help and version go to stdout as clap prints them; every other argument error is one
/// line and exit code 2, like any refusal.
fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprintln!(
                "tessera: error: no command given: expected info, convert, reduce, eval or gen (see tessera --help)"
            );
            ExitCode::from(2)
        }
        _ => {
            // clap's text: "error: <reason>" (perhaps over a few lines), a blank line,
            // then usage and tips.
            let text = error.render().to_string();
            let reason = text
                .lines()
                .take_while(|line| !line.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let reason = reason.strip_prefix("error: ").unwrap_or(&reason);
            eprintln!("tessera: error: {} (see tessera --help)", one_line(reason));
            ExitCode::from(2)
        }
    }
}

/// On SIGINT, SIGTERM or SIGHUP: remove every staged output and scratch file, say so
/// in one line, and exit with 128 + the signal. A commit in progress finishes first, so
/// the target is the old one or the new one, never neither.
fn remove_staging_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return; // no handler: a signal kills the process, and the next run cleans up
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let removed = tessera::store::staging::remove_all_active();
            let name = match signal {
                SIGINT => "SIGINT",
                SIGTERM => "SIGTERM",
                _ => "SIGHUP",
            };
            eprintln!(
                "tessera: error: interrupted by {name}; removed {removed} staged output(s), the target is as it was"
            );
            // SAFETY: _exit ends the process at once. atexit handlers must not run:
            // HDF5's would wait for the lock a worker may hold.
            unsafe { libc::_exit(128 + signal) };
        }
    });
}

/// Writes `text` and a newline to stdout. A closed pipe (`tessera info x | head`) is
/// not an error worth reporting, so write failures end the output quietly.
pub fn emit(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", text.trim_end_matches('\n'));
}

/// Errors from libraries may carry newlines, and may quote what the user gave at any
/// length: the user gets exactly one line, with long quotations shortened.
fn one_line(text: &str) -> String {
    tessera::text::one_line(text)
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Info { path, json } => info::run(&path, json),
        Command::Convert {
            src,
            dst,
            layout,
            run,
        } => run_convert(&src, &dst, &layout, &run),
        Command::Reduce {
            op,
            src,
            axis,
            keepdims,
            ddof,
            output,
            layout,
            run,
        } => {
            let array = reduction(&op, &src, axis.as_deref(), keepdims, ddof)?;
            compute::finish(&array, &output, &layout, &run)
        }
        Command::Eval {
            exprs,
            inputs,
            output,
            layout,
            run,
        } => {
            let inputs = open_inputs(&inputs)?;
            // Boolean masks count their elements while the expression is built, under
            // the run's budget; that context (and its cache) is gone before the run.
            let arrays = {
                let ctx = run.context()?;
                exprs
                    .iter()
                    .map(|expr| tessera::expr::evaluate_in(expr, &inputs, &ctx))
                    .collect::<Result<Vec<_>>>()?
            };
            many::finish_many(&exprs, &arrays, &output, &layout, &run)
        }
        Command::Gen {
            kind:
                GenKind::Random {
                    dst,
                    shape,
                    dtype,
                    seed,
                    dist,
                    layout,
                    run,
                },
        } => run_gen_random(&dst, &shape, &dtype, seed, &dist, &layout, &run),
    }
}

fn run_convert(src: &str, dst: &str, layout: &LayoutArgs, run: &RunArgs) -> Result<()> {
    let (src, dst) = (Address::parse(src)?, Address::parse(dst)?);
    let ctx = run.context()?;
    let options = write_options(layout, None)?;
    if convert::tree::is_tree(&src) {
        return run_convert_tree(&src, &dst, &options, run, &ctx);
    }
    run_write(run, &ctx, "converted", &src.display(), &dst, |progress| {
        convert::convert(&ctx, &src, &dst, &options, Some(progress))
    })
}

/// A whole-file copy: one summary line per array, and one note per array skipped.
fn run_convert_tree(
    src: &Address,
    dst: &Address,
    options: &tessera::store::WriteOptions,
    run: &RunArgs,
    ctx: &Context,
) -> Result<()> {
    let name = dst.path.file_name().unwrap_or_default().to_string_lossy();
    let bar = progress::Bar::new(run.quiet, &format!("writing {name}"));
    let started = Instant::now();
    let report = convert::tree::convert_tree(ctx, src, dst, options, Some(&bar.callback()))?;
    bar.finish();
    for (array, why) in &report.skipped {
        eprintln!("tessera: note: {array} was not copied: {why}");
    }
    if run.json {
        let doc = serde_json::json!({
            "source": src.display(),
            "target": dst.display(),
            "arrays": report.arrays.iter().map(|(name, r)| serde_json::json!({
                "name": name, "chunks_written": r.chunks_written, "chunks_read": r.chunks_read,
            })).collect::<Vec<_>>(),
            "groups": report.groups,
            "skipped": report.skipped.iter().map(|(name, why)| serde_json::json!({
                "name": name, "reason": why,
            })).collect::<Vec<_>>(),
            "seconds": started.elapsed().as_secs_f64(),
            "peak_rss_bytes": peak_rss(),
            "memory_limit_bytes": ctx.memory_limit(),
        });
        emit(&doc.to_string());
        return Ok(());
    }
    let chunks: u64 = report.arrays.iter().map(|(_, r)| r.chunks_written).sum();
    emit(&format!(
        "copied {} -> {}: {} arrays, {} groups, {chunks} chunks written, {} skipped; {:.2} s; peak RSS {}; budget {}",
        src.display(),
        dst.display(),
        report.arrays.len(),
        report.groups,
        report.skipped.len(),
        started.elapsed().as_secs_f64(),
        peak_rss().map_or("unknown".into(), format_bytes),
        format_bytes(ctx.memory_limit()),
    ));
    Ok(())
}

fn run_gen_random(
    dst: &str,
    shape: &str,
    dtype: &str,
    seed: u64,
    dist: &str,
    layout: &LayoutArgs,
    run: &RunArgs,
) -> Result<()> {
    let dst = Address::parse(dst)?;
    let shape = tessera::grid::parse_shape(shape, "--shape")?;
    let dtype = DType::parse(dtype).ok_or_else(|| {
        Error::invalid_argument(
            "--dtype",
            dtype,
            "unknown dtype: expected bool, i8, i16, i32, i64, u8, u16, u32, u64, f16, f32 or f64",
        )
    })?;
    let ctx = run.context()?;
    let default_chunks = tessera::store::row_block_chunks(&shape, dtype, 8 << 20);
    let options = write_options(layout, Some(&default_chunks))?;
    let source = CreateSource::random(&shape, &options.chunks, dtype, seed, Dist::parse(dist)?)?;
    run_write(run, &ctx, "generated", "random", &dst, |progress| {
        convert::write_source(&ctx, &source, &dst, &options, Some(progress))
    })
}

/// Runs a job that writes an array, with a progress bar, and prints its summary.
pub fn run_write(
    run: &RunArgs,
    ctx: &Context,
    verb: &str,
    from: &str,
    dst: &Address,
    job: impl FnOnce(&convert::ProgressFn<'_>) -> Result<ConvertReport>,
) -> Result<()> {
    let name = dst.path.file_name().unwrap_or_default().to_string_lossy();
    let bar = progress::Bar::new(run.quiet, &format!("writing {name}"));
    let started = Instant::now();
    let report = job(&bar.callback())?;
    bar.finish();
    print_summary(verb, from, dst, &report, started, ctx, run.json);
    Ok(())
}

/// Opens `NAME=ADDRESS` inputs.
fn open_inputs(specs: &[String]) -> Result<std::collections::BTreeMap<String, tessera::Array>> {
    let mut inputs = std::collections::BTreeMap::new();
    for spec in specs {
        let (name, address) = spec.split_once('=').ok_or_else(|| {
            Error::invalid_argument("-i", spec, "expected NAME=ADDRESS, e.g. -i a=data.h5:/x")
        })?;
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !valid {
            return Err(Error::invalid_argument(
                "-i",
                spec,
                format!("'{name}' is not a valid name"),
            ));
        }
        if inputs
            .insert(name.to_string(), tessera::Array::open(address)?)
            .is_some()
        {
            return Err(Error::Invalid(format!(
                "-i: the name '{name}' is given twice"
            )));
        }
    }
    Ok(inputs)
}

fn reduction(
    op: &str,
    src: &str,
    axis: Option<&str>,
    keepdims: bool,
    ddof: u32,
) -> Result<tessera::Array> {
    let op = tessera::reduce_op(op, ddof).ok_or_else(|| {
        Error::Invalid(format!(
            "unknown reduction '{op}': expected one of {}",
            tessera::REDUCTIONS
        ))
    })?;
    let axes = match axis {
        None => None,
        Some(text) => Some(
            text.split(',')
                .map(|a| {
                    a.trim().parse::<i64>().map_err(|_| {
                        Error::invalid_argument("--axis", text, "expected integers like 0 or 0,1")
                    })
                })
                .collect::<Result<Vec<i64>>>()?,
        ),
    };
    tessera::Array::open(src)?.reduce(op, tessera::Axes::from(axes.as_deref()).keepdims(keepdims))
}

/// The write options of `--chunks`, `--codec`, `--zarr-version`, `--shard` and
/// `--overwrite`; `default_chunks` when `--chunks` is not given.
pub fn write_options(layout: &LayoutArgs, default_chunks: Option<&[u64]>) -> Result<WriteOptions> {
    let chunks = match (&layout.chunks, default_chunks) {
        (Some(text), _) => tessera::grid::parse_shape(text, "--chunks")?,
        (None, Some(chunks)) => chunks.to_vec(),
        (None, None) => Vec::new(),
    };
    let shard = match &layout.shard {
        Some(text) => Some(tessera::grid::parse_shape(text, "--shard")?),
        None => None,
    };
    if shard.is_some() && layout.zarr_version == 2 {
        return Err(Error::Invalid(
            "--shard needs Zarr v3 (--zarr-version 3)".into(),
        ));
    }
    Ok(WriteOptions {
        chunks,
        codec: Codec::parse(&layout.codec)?,
        zarr_version: if layout.zarr_version == 2 {
            ZarrVersion::V2
        } else {
            ZarrVersion::V3
        },
        shard,
        overwrite: layout.overwrite,
    })
}

/// Prints what a write did: the verb, source and target, the layout, and the memory it
/// took against the budget.
pub fn print_summary(
    verb: &str,
    from: &str,
    dst: &Address,
    report: &ConvertReport,
    started: Instant,
    ctx: &Context,
    as_json: bool,
) {
    let seconds = started.elapsed().as_secs_f64();
    let peak = peak_rss();
    let cache = ctx.cache_stats();
    let (strategy, how) = match &report.strategy {
        Strategy::Direct { unit } => ("direct", format!("direct, units {unit:?}")),
        Strategy::Intermediate { scratch_bytes } => (
            "intermediate",
            format!("via a {} scratch file", format_bytes(*scratch_bytes)),
        ),
    };
    if as_json {
        let doc = serde_json::json!({
            "source": from,
            "target": dst.display(),
            "strategy": strategy,
            "chunks_written": report.chunks_written,
            "chunks_read": report.chunks_read,
            "task_bytes": report.task_bytes,
            "seconds": seconds,
            "peak_rss_bytes": peak,
            "memory_limit_bytes": ctx.memory_limit(),
            "cache_hits": cache.hits,
            "cache_misses": cache.misses,
        });
        emit(&doc.to_string());
        return;
    }
    emit(&format!(
        "{verb} {from} -> {dst}: {} chunks written, {} read ({how}); {seconds:.2} s; peak RSS {}; budget {}; cache hits {} misses {}",
        report.chunks_written,
        report.chunks_read,
        peak.map_or("unknown".into(), format_bytes),
        format_bytes(ctx.memory_limit()),
        cache.hits,
        cache.misses,
    ));
}

/// Writes this process's peak RSS in bytes to the file named by `TESSERA_PEAK_RSS_FILE`,
/// if set. Test harnesses use it: a parent's `wait4` counts the parent's own memory in a
/// child's `ru_maxrss` (the high-water mark survives the fork and the exec), so it
/// overstates what tessera itself held.
fn report_peak_rss() {
    if let (Some(file), Some(peak)) = (std::env::var_os("TESSERA_PEAK_RSS_FILE"), peak_rss()) {
        let _ = std::fs::write(file, peak.to_string());
    }
}

/// Peak resident set size of this process (VmHWM), where /proc tells it.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
