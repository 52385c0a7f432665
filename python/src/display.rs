//! How an `Array` shows itself in a notebook (`_repr_html_`): dask's summary table of
//! the whole array against one chunk (bytes, shape, dtype), and the number of chunks.

use tessera::Array;

/// The HTML summary table of `array`, as dask.array shows one.
pub(crate) fn html(array: &Array) -> String {
    let shape = array.shape();
    let chunks = array.chunks();
    let item = array.dtype().size() as u64;
    let count: u64 = shape
        .iter()
        .zip(chunks)
        .map(|(n, c)| if *c == 0 { 0 } else { n.div_ceil(*c) })
        .product();
    let chunk_shape: Vec<u64> = shape.iter().zip(chunks).map(|(n, c)| *n.min(c)).collect();
    let array_bytes = shape.iter().product::<u64>().saturating_mul(item);
    let chunk_bytes = chunk_shape.iter().product::<u64>().saturating_mul(item);
    let row = |name: &str, whole: String, one: String| {
        format!("<tr><th>{name}</th><td>{whole}</td><td>{one}</td></tr>")
    };
    format!(
        "<table><thead><tr><td></td><th>Array</th><th>Chunk</th></tr></thead><tbody>{}{}{}\
         <tr><th>Count</th><td colspan=\"2\">{count} chunks, computed lazily by tessera</td></tr>\
         </tbody></table>",
        row("Bytes", bytes(array_bytes), bytes(chunk_bytes)),
        row("Shape", tuple(shape), tuple(&chunk_shape)),
        row(
            "Dtype",
            array.dtype().name().to_string(),
            array.dtype().name().to_string()
        ),
    )
}

/// `(3, 4)`, `(5,)`, `()`.
pub(crate) fn tuple(values: &[u64]) -> String {
    match values {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            values
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A byte count as dask prints it: `96 B`, `7.63 MiB`, `1.00 GiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.2} {}", UNITS[unit])
}
