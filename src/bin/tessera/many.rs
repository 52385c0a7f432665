//! `tessera eval` with several expressions: computed together (`compute_many`) and
//! printed labelled by expression, or stored one per `--out` (`store_many`), or
//! explained (`explain_many`). One expression keeps the single-output path unchanged.

use std::time::Instant;

use tessera::{Address, Array, Context, Error, Result};
use tessera::{compute_many_with_progress, explain_many, store_many, to_dot_many};

use crate::compute::{OutputArgs, PRINT_LIMIT, finish, format_values, nested};
use crate::{LayoutArgs, RunArgs, emit, peak_rss, print_summary, write_options};

/// Prints, stores or explains the arrays of `exprs`.
pub(crate) fn finish_many(
    exprs: &[String],
    arrays: &[Array],
    output: &OutputArgs,
    layout: &LayoutArgs,
    run: &RunArgs,
) -> Result<()> {
    if let [array] = arrays {
        return finish(array, output, layout, run);
    }
    let ctx = run.context()?;
    if let Some(path) = &output.dot {
        std::fs::write(path, to_dot_many(arrays)).map_err(|e| Error::io(path, e))?;
    }
    if output.explain {
        emit(&explain_many(arrays, &ctx)?);
        return Ok(());
    }
    match output.out.len() {
        0 => print_results(exprs, arrays, &ctx, run),
        n if n == arrays.len() => store_results(exprs, arrays, &output.out, &ctx, layout, run),
        n => Err(Error::Invalid(format!(
            "--out is given {n} times for {} expressions: give it once per expression, in order, or not at all to print the results",
            arrays.len()
        ))),
    }
}

fn print_results(exprs: &[String], arrays: &[Array], ctx: &Context, run: &RunArgs) -> Result<()> {
    let started = Instant::now();
    for (expr, array) in exprs.iter().zip(arrays) {
        if array.len() > PRINT_LIMIT {
            return Err(Error::Invalid(format!(
                "'{}' has shape {:?} ({} elements); write it to a file with --out (once per expression)",
                tessera::text::shorten(expr, 80),
                array.shape(),
                array.len()
            )));
        }
    }
    let bar = crate::progress::Bar::new(run.quiet, "computing");
    let values = compute_many_with_progress(arrays, ctx, Some(&bar.callback()))?;
    bar.finish();
    let texts: Vec<String> = values
        .iter()
        .map(|v| nested(v, &format_values(v, run.json)))
        .collect();
    if !run.json {
        for (expr, text) in exprs.iter().zip(&texts) {
            emit(&format!("{}: {text}", tessera::text::shorten(expr, 80)));
        }
        return Ok(());
    }
    let results: Vec<String> = exprs
        .iter()
        .zip(arrays)
        .zip(&texts)
        .map(|((expr, array), text)| {
            format!(
                "{{\"expr\": {}, \"shape\": {:?}, \"dtype\": \"{}\", \"value\": {text}}}",
                serde_json::Value::from(expr.as_str()),
                array.shape(),
                array.dtype()
            )
        })
        .collect();
    let peak = peak_rss().map_or("null".to_string(), |b| b.to_string());
    emit(&format!(
        "{{\"results\": [{}], \"seconds\": {}, \"peak_rss_bytes\": {peak}}}",
        results.join(", "),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

fn store_results(
    exprs: &[String],
    arrays: &[Array],
    outs: &[String],
    ctx: &Context,
    layout: &LayoutArgs,
    run: &RunArgs,
) -> Result<()> {
    let options = write_options(layout, None)?;
    let targets = outs
        .iter()
        .map(|out| Ok((Address::parse(out)?, options.clone())))
        .collect::<Result<Vec<_>>>()?;
    let bar = crate::progress::Bar::new(run.quiet, &format!("writing {} outputs", outs.len()));
    let started = Instant::now();
    let reports = store_many(arrays, &targets, ctx, Some(&bar.callback()))?;
    bar.finish();
    if !run.json {
        for ((expr, (dst, _)), report) in exprs.iter().zip(&targets).zip(&reports) {
            print_summary("computed", expr, dst, report, started, ctx, false);
        }
        return Ok(());
    }
    let outputs: Vec<serde_json::Value> = exprs
        .iter()
        .zip(&targets)
        .zip(&reports)
        .map(|((expr, (dst, _)), report)| {
            serde_json::json!({
                "source": expr,
                "target": dst.display(),
                "chunks_written": report.chunks_written,
                "chunks_read": report.chunks_read,
                "task_bytes": report.task_bytes,
            })
        })
        .collect();
    let cache = ctx.cache_stats();
    let doc = serde_json::json!({
        "outputs": outputs,
        "seconds": started.elapsed().as_secs_f64(),
        "peak_rss_bytes": peak_rss(),
        "memory_limit_bytes": ctx.memory_limit(),
        "cache_hits": cache.hits,
        "cache_misses": cache.misses,
    });
    emit(&doc.to_string());
    Ok(())
}
