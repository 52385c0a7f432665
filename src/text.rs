//! Text for people: byte counts with units and strings cut to a length. Messages all
//! over the crate use these, so they depend on nothing else in it.

/// Formats a byte count for people: `256.0 MiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `text` cut to `max` characters, ending in `...` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(3)).collect();
    format!("{kept}...")
}

/// `text` as the one line the command line prints after `tessera: error: `: runs of
/// whitespace (newlines from libraries included) made one space, and every quotation
/// longer than 80 characters shortened in its middle.
pub fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    shorten_quotes(&joined, 80)
}

/// Replaces the middle of every '...' or "..." quotation longer than `max` characters
/// with an ellipsis, and caps the whole line.
fn shorten_quotes(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(4096));
    let mut quote: Option<(char, String)> = None;
    let mut previous = ' ';
    for c in text.chars() {
        match &mut quote {
            Some((open, inner)) if c == *open => {
                out.push(c);
                out.push_str(&shorten_middle(inner, max));
                out.push(c);
                quote = None;
            }
            Some((_, inner)) => inner.push(c),
            // An opening quote follows a space or bracket: "doesn't" opens nothing.
            None if (c == '\'' || c == '"') && !previous.is_alphanumeric() => {
                quote = Some((c, String::new()));
            }
            None => out.push(c),
        }
        previous = c;
    }
    if let Some((open, inner)) = quote {
        out.push(open);
        out.push_str(&shorten_middle(&inner, max));
    }
    shorten_middle(&out, 4 * max.max(100))
}

/// `text` cut to `max` characters by replacing its middle with `...`.
fn shorten_middle(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let keep = max / 2;
    let head: String = text.chars().take(keep).collect();
    let tail: String = text.chars().skip(count - keep).collect();
    format!("{head}...{tail}")
}
