//! `tessera reduce` and `tessera eval`: build a lazy expression, then print its result,
//! write it with `--out`, or show the plan with `--explain` / `--dot`.

use std::io::Write;

use clap::Args;

use tessera::chunk::Chunk;
use tessera::dtype::DType;
use tessera::{Address, Array, Context, Error, Result};

use crate::{LayoutArgs, RunArgs, emit, run_write, write_options};

/// Results up to this many elements are printed; larger ones need `--out`.
pub(crate) const PRINT_LIMIT: u64 = 1000;

/// What to do with a computed expression.
#[derive(Args)]
pub(crate) struct OutputArgs {
    /// Write the result to this address instead of printing it (with several
    /// expressions: once per expression, in order).
    #[arg(long)]
    pub out: Vec<String>,
    /// Print the plan (stages after fusion, tasks, projected memory) and stop.
    #[arg(long)]
    pub explain: bool,
    /// Write the expression graph to FILE in graphviz's dot language.
    #[arg(long, value_name = "FILE")]
    pub dot: Option<String>,
}

/// Prints, stores or explains `array`.
pub(crate) fn finish(
    array: &Array,
    output: &OutputArgs,
    layout: &LayoutArgs,
    run: &RunArgs,
) -> Result<()> {
    let ctx = run.context()?;
    if let Some(path) = &output.dot {
        std::fs::write(path, tessera::plan::to_dot(array)).map_err(|e| Error::io(path, e))?;
    }
    let plan = array.plan(&ctx)?;
    if output.explain {
        emit(&plan.explain());
        return Ok(());
    }
    match single_out(output)? {
        Some(target) => {
            let dst = Address::parse(target)?;
            let options = write_options(layout, None)?;
            run_write(run, &ctx, "computed", "expression", &dst, |progress| {
                array.store(&ctx, &dst, &options, Some(progress))
            })
        }
        None => print_result(array, &ctx, run, std::time::Instant::now()),
    }
}

/// The one `--out` of a single expression, if any.
fn single_out(output: &OutputArgs) -> Result<Option<&String>> {
    match output.out.as_slice() {
        [] => Ok(None),
        [target] => Ok(Some(target)),
        many => Err(Error::Invalid(format!(
            "--out is given {} times for one expression; give it once",
            many.len()
        ))),
    }
}

fn print_result(
    array: &Array,
    ctx: &Context,
    run: &RunArgs,
    started: std::time::Instant,
) -> Result<()> {
    let as_json = run.json;
    if array.len() > PRINT_LIMIT {
        return Err(Error::Invalid(format!(
            "the result has shape {:?} ({} elements); write it to a file with --out",
            array.shape(),
            array.len()
        )));
    }
    let bar = crate::progress::Bar::new(run.quiet, "computing");
    let values = array.compute_with_progress(ctx, Some(&bar.callback()))?;
    bar.finish();
    let text = nested(&values, &format_values(&values, as_json));
    if as_json {
        let peak = crate::peak_rss().map_or("null".to_string(), |b| b.to_string());
        let doc = format!(
            "{{\"shape\": {:?}, \"dtype\": \"{}\", \"value\": {text}, \"seconds\": {}, \"peak_rss_bytes\": {peak}}}",
            array.shape(),
            array.dtype(),
            started.elapsed().as_secs_f64()
        );
        emit(&doc);
    } else {
        emit(&text);
    }
    std::io::stdout().flush().ok();
    Ok(())
}

/// Each element as text: shortest round-trip form for floats; JSON mode quotes
/// non-finite floats, which JSON cannot hold.
pub(crate) fn format_values(chunk: &Chunk, as_json: bool) -> Vec<String> {
    fn float(v: f64, as_json: bool) -> String {
        match (v.is_finite(), as_json) {
            (true, _) => format!("{v:?}"),
            (false, true) => format!("\"{v}\""),
            (false, false) => format!("{v}"),
        }
    }
    macro_rules! ints {
        ($t:ty) => {
            chunk
                .as_slice::<$t>()
                .unwrap_or(&[])
                .iter()
                .map(|v| v.to_string())
                .collect()
        };
    }
    match chunk.dtype() {
        DType::Bool => chunk
            .bytes()
            .iter()
            .map(|b| (*b != 0).to_string())
            .collect(),
        DType::I8 => ints!(i8),
        DType::I16 => ints!(i16),
        DType::I32 => ints!(i32),
        DType::I64 => ints!(i64),
        DType::U8 => ints!(u8),
        DType::U16 => ints!(u16),
        DType::U32 => ints!(u32),
        DType::U64 => ints!(u64),
        DType::F16 => chunk
            .as_slice::<half::f16>()
            .unwrap_or(&[])
            .iter()
            .map(|v| float(v.to_f64(), as_json))
            .collect(),
        DType::F32 => chunk
            .as_slice::<f32>()
            .unwrap_or(&[])
            .iter()
            .map(|v| float(f64::from(*v), as_json))
            .collect(),
        DType::F64 => chunk
            .as_slice::<f64>()
            .unwrap_or(&[])
            .iter()
            .map(|v| float(*v, as_json))
            .collect(),
    }
}

/// Values laid out as nested lists of the chunk's shape (a bare value for 0-d).
pub(crate) fn nested(chunk: &Chunk, values: &[String]) -> String {
    fn level(shape: &[u64], values: &[String]) -> String {
        match shape.split_first() {
            None => values.first().cloned().unwrap_or_default(),
            Some((&n, rest)) => {
                let step = rest.iter().product::<u64>() as usize;
                let parts: Vec<String> = (0..n as usize)
                    .map(|i| level(rest, &values[i * step..(i + 1) * step]))
                    .collect();
                format!("[{}]", parts.join(", "))
            }
        }
    }
    if chunk.shape().iter().all(|n| *n == 1) && !values.is_empty() {
        // A single value (also one kept by keepdims) prints bare.
        if chunk.shape().is_empty() {
            return values[0].clone();
        }
    }
    level(chunk.shape(), values)
}
