//! The cases of a campaign as the oracle wrote them, their outcomes, and the report:
//! a count per class, refusals grouped by message, each failure with a repro line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One input of a case.
#[derive(Clone, Debug)]
pub(crate) struct Input {
    pub(crate) name: String,
    pub(crate) address: String,
    /// Format, dtype, shape and the first values, for the failure report.
    pub(crate) description: String,
}

/// One line of the oracle's manifest.
#[derive(Clone, Debug)]
pub(crate) struct Case {
    pub(crate) id: String,
    pub(crate) expr: String,
    pub(crate) numpy: String,
    pub(crate) inputs: Vec<Input>,
    pub(crate) expected: Option<String>,
    pub(crate) bound: Option<String>,
    /// numpy's exception, `Type: message`.
    pub(crate) numpy_error: Option<String>,
    pub(crate) shape_unreliable: bool,
}

fn text(value: &serde_json::Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_string()
}

impl Case {
    pub(crate) fn from_json(v: &serde_json::Value) -> Case {
        let inputs = v["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .map(|i| Input {
                name: text(i, "name"),
                address: text(i, "address"),
                description: format!(
                    "{} {} {} {}",
                    text(i, "dtype"),
                    i["shape"],
                    text(i, "format"),
                    text(i, "values")
                ),
            })
            .collect();
        Case {
            id: text(v, "id"),
            expr: text(v, "expr"),
            numpy: text(v, "numpy"),
            inputs,
            expected: v["expected"].as_str().map(String::from),
            bound: v["bound"].as_str().map(String::from),
            numpy_error: v["error"].as_object().map(|e| {
                format!(
                    "{}: {}",
                    e["type"].as_str().unwrap_or(""),
                    e["message"].as_str().unwrap_or("")
                )
            }),
            shape_unreliable: v["shape_unreliable"].as_bool().unwrap_or(false),
        }
    }
}

/// What happened to one case; the string says how.
#[derive(Debug)]
pub(crate) enum Outcome {
    Match,
    Unchecked,
    WrongValue(String),
    WrongShape(String),
    WrongDType(String),
    WrongNan(String),
    Answered(String),
    Refused(String),
    BothRefuse,
    Panicked(String),
    MultiLineError(String),
    Hung,
}

impl Outcome {
    fn class(&self) -> &'static str {
        match self {
            Outcome::Match => "match",
            Outcome::Unchecked => "unchecked",
            Outcome::WrongValue(_) => "wrong-value",
            Outcome::WrongShape(_) => "wrong-shape",
            Outcome::WrongDType(_) => "wrong-dtype",
            Outcome::WrongNan(_) => "wrong-nan",
            Outcome::Answered(_) => "answered-where-numpy-raises",
            Outcome::Refused(_) => "refused-where-numpy-answers",
            Outcome::BothRefuse => "both-refuse",
            Outcome::Panicked(_) => "panicked",
            Outcome::MultiLineError(_) => "multi-line-error",
            Outcome::Hung => "hung",
        }
    }

    fn is_failure(&self) -> bool {
        !matches!(
            self,
            Outcome::Match | Outcome::Unchecked | Outcome::Refused(_) | Outcome::BothRefuse
        )
    }
}

/// Failures printed in full per class; the rest are counted.
const SHOWN_PER_CLASS: usize = 25;

/// The outcomes of a campaign.
pub(crate) struct Report {
    seed: u64,
    count: usize,
    dir: PathBuf,
    kept: bool,
    counts: BTreeMap<&'static str, usize>,
    refusals: BTreeMap<String, (usize, String)>,
    failures: Vec<(String, &'static str, String)>,
    /// `id<TAB>class<TAB>expression` per case, written to outcomes.tsv when kept.
    outcomes: Vec<String>,
}

/// A refusal's message without the parts that vary from case to case, for grouping.
fn refusal_group(message: &str) -> String {
    let mut m = message;
    if let Some(rest) = m.strip_prefix("bad expression at column ") {
        m = rest.split_once(": ").map_or(rest, |(_, r)| r);
    }
    let m = m.split(" in \"").next().unwrap_or(m);
    // Quoted source text (anything but a short name) varies from case to case.
    let mut quoted = String::new();
    for (i, part) in m.split('\'').enumerate() {
        let name = part.len() <= 12
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '='));
        if i % 2 == 1 && !name {
            quoted += "'…'";
        } else if i % 2 == 1 {
            quoted += &format!("'{part}'");
        } else {
            quoted += part;
        }
    }
    let m = quoted.as_str();
    let words: Vec<String> = m
        .split_whitespace()
        .take(9)
        .map(|w| {
            w.chars()
                .map(|c| if c.is_ascii_digit() { '#' } else { c })
                .collect()
        })
        .collect();
    words.join(" ")
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Report {
    pub(crate) fn new(seed: u64, count: usize, dir: &Path, kept: bool) -> Report {
        Report {
            seed,
            count,
            dir: dir.to_path_buf(),
            kept,
            counts: BTreeMap::new(),
            refusals: BTreeMap::new(),
            failures: Vec::new(),
            outcomes: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, case: &Case, outcome: Outcome) {
        let class = outcome.class();
        self.outcomes
            .push(format!("{}\t{class}\t{}", case.id, case.expr));
        *self.counts.entry(class).or_default() += 1;
        if let Outcome::Refused(message) = &outcome {
            let entry = self
                .refusals
                .entry(refusal_group(message))
                .or_insert((0, format!("{} {}", case.expr, message)));
            entry.0 += 1;
        }
        if outcome.is_failure() {
            let detail = match &outcome {
                Outcome::WrongValue(d)
                | Outcome::WrongShape(d)
                | Outcome::WrongDType(d)
                | Outcome::WrongNan(d)
                | Outcome::Panicked(d)
                | Outcome::MultiLineError(d) => d.clone(),
                Outcome::Answered(got) => format!(
                    "tessera answered {got}; numpy raised {}",
                    case.numpy_error.as_deref().unwrap_or("")
                ),
                _ => String::new(),
            };
            self.failures.push((self.describe(case), class, detail));
        }
    }

    fn describe(&self, case: &Case) -> String {
        let mut out = format!("{}: {}\n", case.id, case.expr);
        let mut repro = format!("tessera eval {}", shell_quote(&case.expr));
        for input in &case.inputs {
            out += &format!(
                "    {} = {} ({})\n",
                input.name, input.address, input.description
            );
            repro += &format!(" -i {}={}", input.name, input.address);
        }
        out += &format!("    numpy: {}\n", case.numpy);
        out += &format!("    repro: {repro}\n");
        out
    }

    /// Prints the table, the refusals and the failures; returns the number of failures.
    pub(crate) fn print(&self) -> usize {
        let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
        for (case, class, detail) in &self.failures {
            let n = shown.entry(class).or_default();
            *n += 1;
            if *n <= SHOWN_PER_CLASS {
                println!("FAIL [{class}] {case}    {detail}\n");
            }
        }
        println!("refusals where numpy answers, by message (count, first example):");
        let mut refusals: Vec<_> = self.refusals.iter().collect();
        refusals.sort_by_key(|(_, (n, _))| std::cmp::Reverse(*n));
        for (group, (n, example)) in refusals {
            println!("  {n:5}  {group}\n         e.g. {example}");
        }
        println!(
            "\ndifferential test: seed {}, {} cases, files in {}{}",
            self.seed,
            self.count,
            self.dir.display(),
            if self.kept {
                ""
            } else {
                " (deleted; set TESSERA_DIFF_KEEP=DIR to keep them)"
            }
        );
        let classes = [
            "match",
            "unchecked",
            "refused-where-numpy-answers",
            "both-refuse",
            "wrong-value",
            "wrong-shape",
            "wrong-dtype",
            "wrong-nan",
            "answered-where-numpy-raises",
            "panicked",
            "multi-line-error",
            "hung",
        ];
        for class in classes {
            println!(
                "  {class:30} {:6}",
                self.counts.get(class).copied().unwrap_or(0)
            );
        }
        if self.kept {
            let path = self.dir.join("outcomes.tsv");
            std::fs::write(&path, self.outcomes.join("\n") + "\n").expect("write outcomes.tsv");
        }
        self.failures.len()
    }
}
