//! The module graph, read from the `use` lines and paths of the sources: no module of the `app` or
//! `server` crate imports, directly or through others, a module that imports it back; and the
//! shared layers (`infra`, `kit`, `i18n`) know no area. A change that closes an import circle
//! fails here, naming it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → the other top-level modules of the same crate it refers to.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate's graph: each file belongs to the top-level module of its first path component
/// (`chat/ui/list.rs` → `chat`); `crate::x` anywhere in its code is an edge to `x`.
fn graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let module_of = |file: &Path| {
        let rel = file.strip_prefix(src).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
        first.trim_end_matches(".rs").to_owned()
    };
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f)).filter(|m| m != "lib" && m != "main").collect();
    let mut graph = Graph::new();
    for file in &files {
        let from = module_of(file);
        if from == "lib" || from == "main" {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        let edges = graph.entry(from.clone()).or_default();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            // `use crate::{a, b::c}` names several modules.
            let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                group.split('}').next().unwrap_or("").split(',').map(|n| n.trim()).collect()
            } else {
                vec![rest]
            };
            for name in names {
                let module: String = name.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if module != from && modules.contains(&module) {
                    edges.insert(module);
                }
            }
        }
    }
    graph
}

/// A circle of imports, if there is one.
fn circle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(node: &str, graph: &Graph, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn source(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)
}

#[test]
fn the_app_crate_has_no_import_circles_and_shared_layers_know_no_area() {
    let graph = graph(&source("src"));
    for area in ["auth", "sites", "chat", "visitors", "workbench", "infra", "kit"] {
        assert!(graph.contains_key(area), "the module {area} was read: {graph:?}");
    }
    assert_eq!(circle(&graph), None, "{graph:#?}");
    let areas = ["auth", "sites", "chat", "visitors", "workbench"];
    for shared in ["infra", "kit", "i18n"] {
        let known: Vec<_> = graph[shared].iter().filter(|m| areas.contains(&m.as_str())).collect();
        assert!(known.is_empty(), "{shared} must not import areas, but imports {known:?}");
    }
    for area in areas.iter().filter(|a| **a != "workbench") {
        assert!(!graph[*area].contains("workbench"), "{area} must not import the workbench shell");
    }
}

#[test]
fn the_server_crate_has_no_import_circles() {
    let graph = graph(&source("../server/src"));
    for module in ["agent", "visitor", "startup", "hub", "cluster", "socket", "state"] {
        assert!(graph.contains_key(module), "the module {module} was read: {graph:?}");
    }
    assert_eq!(circle(&graph), None, "{graph:#?}");
}

#[test]
fn a_circle_is_found() {
    let graph: Graph = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]
        .into_iter()
        .map(|(from, to)| (from.to_owned(), BTreeSet::from([to.to_owned()])))
        .collect();
    assert_eq!(circle(&graph), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    let graph: Graph = [("a", "b"), ("b", "c")]
        .into_iter()
        .map(|(from, to)| (from.to_owned(), BTreeSet::from([to.to_owned()])))
        .collect();
    assert_eq!(circle(&graph), None);
}
