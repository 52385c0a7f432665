//! The function lists of the docs, generated from the registry: [`functions_markdown`]
//! for `docs/expressions.md` (every signature, with a summary and an example) and
//! [`readme_functions`] for the README's `eval` section (the names by category). A test
//! keeps the committed files equal to these texts.

use std::fmt::Write;

use super::{Category, FUNCTIONS, Function};

/// The functions of `category`, in the registry's order.
fn in_category(category: Category) -> impl Iterator<Item = &'static Function> {
    FUNCTIONS.iter().filter(move |f| f.category == category)
}

/// The functions as Markdown: a section per category (a `###` heading, what its
/// functions share, and a table of signature, summary and example).
pub fn functions_markdown() -> String {
    let mut text = String::new();
    for category in Category::ALL {
        // invariant: writing to a String cannot fail.
        let _ = write!(
            text,
            "\n### {}\n\n{}\n\n| function | what it does | example |\n|---|---|---|\n",
            category.title(),
            category.blurb()
        );
        for function in in_category(category) {
            let _ = writeln!(
                text,
                "| `{}` | {} | `{}` |",
                function.signature, function.summary, function.example
            );
        }
    }
    text.push('\n');
    text
}

/// The function names as a Markdown table of one row per category, for the README.
pub fn readme_functions() -> String {
    let mut text = String::from("\n| kind | functions |\n|---|---|\n");
    for category in Category::ALL {
        let names: Vec<String> = in_category(category)
            .map(|f| format!("`{}`", f.name()))
            .collect();
        // invariant: writing to a String cannot fail.
        let _ = writeln!(
            text,
            "| {} | {} |",
            category.title().to_lowercase(),
            names.join(" ")
        );
    }
    text.push('\n');
    text
}
