//! The layering of `src/`: modules import only what sits below them, so the import
//! graph has no circle. Reads the sources (not test files), maps each `crate::` and
//! sibling `super::` reference to a unit (a top-level module, or one operation under
//! `ops/` or one runner under `run/`), and fails naming every circle it finds.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The unit a source file belongs to: `ops/reduce`, `run/many`, `store`, ...
fn unit_of(relative: &Path) -> Option<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    match parts.as_slice() {
        [] => None,
        [first, ..] if first == "bin" || first == "lib" => None,
        [first, second, ..] if first == "ops" || first == "run" => {
            Some(format!("{first}/{second}"))
        }
        [first, ..] => Some(first.clone()),
    }
}

/// The unit a path `crate::a::b` names.
fn target_of(first: &str, second: Option<&str>) -> String {
    match (first, second) {
        ("ops" | "run", Some(second)) => format!("{first}/{second}"),
        _ => first.to_string(),
    }
}

/// Identifier characters following `at` in `text`.
fn word(text: &str, at: usize) -> &str {
    let rest = &text[at..];
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    &rest[..end]
}

fn import_graph(root: &Path) -> Graph {
    let files = common::library_sources();
    let mut graph = Graph::new();
    for file in files {
        let relative = file.strip_prefix(root).unwrap();
        let Some(unit) = unit_of(relative) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        let edges = graph.entry(unit.clone()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let first = word(&text, at + 7);
            let after = at + 7 + first.len();
            let second = text[after..]
                .strip_prefix("::")
                .map(|_| word(&text, after + 2));
            let target = target_of(first, second);
            if target != unit && target != "ops" && target != "run" {
                edges.insert(target);
            }
        }
        // `super::x` in a unit's own top file names a sibling unit.
        let top = relative.components().count() == 2
            || relative.ends_with("mod.rs") && relative.components().count() == 3;
        let group = unit.split('/').next().unwrap_or_default().to_string();
        if top && (group == "ops" || group == "run") {
            for (at, _) in text.match_indices("super::") {
                let target = format!("{group}/{}", word(&text, at + 7));
                if target != unit {
                    edges.insert(target);
                }
            }
        }
    }
    graph
}

/// Every strongly connected component with more than one unit (Tarjan's algorithm).
fn circles(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found
}

#[test]
fn the_import_graph_has_no_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = import_graph(&root);
    assert!(graph.contains_key("graph") && graph.contains_key("ops/reduce"));
    let found = circles(&graph);
    let described: Vec<String> = found
        .iter()
        .map(|units| {
            let edges: Vec<String> = units
                .iter()
                .map(|u| {
                    let inside: Vec<&str> = graph[u]
                        .iter()
                        .filter(|t| units.contains(t))
                        .map(String::as_str)
                        .collect();
                    format!("{u} -> {inside:?}")
                })
                .collect();
            edges.join("; ")
        })
        .collect();
    assert!(found.is_empty(), "import circles: {described:#?}");
}

#[test]
fn the_graph_names_no_operation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = import_graph(&root);
    for unit in ["graph", "plan"] {
        let ops: Vec<&String> = graph[unit]
            .iter()
            .filter(|t| t.starts_with("ops/") || t.starts_with("run/"))
            .collect();
        assert!(
            ops.is_empty(),
            "{unit} names operations or runners: {ops:?}"
        );
    }
}

#[test]
fn a_circle_is_found_when_there_is_one() {
    let mut graph = Graph::new();
    graph.insert("a".into(), ["b".to_string()].into());
    graph.insert("b".into(), ["c".to_string()].into());
    graph.insert("c".into(), ["a".to_string()].into());
    graph.insert("d".into(), ["a".to_string()].into());
    assert_eq!(circles(&graph), vec![vec!["a", "b", "c"]]);
}
