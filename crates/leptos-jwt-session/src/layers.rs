//! The crate's layers, checked: every `crate::` path in a module names a module of its own layer
//! or of one below it (the crate docs draw them). The test hooks stand outside.

use std::fs;
use std::path::Path;

/// Top to bottom. A module may use its own layer and the ones after it.
const LAYERS: &[&[&str]] = &[
    &["app", "server"],
    &["api"],
    &["session"],
    &["config"],
    &["tabs"],
    &["http"],
    &["platform", "json"],
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The first-level modules a source text names through `crate::` in its code (comments, which
/// may point anywhere, left out), including those in `use crate::{a::…, b::…}`.
fn named_modules(source: &str) -> Vec<String> {
    let code: String = source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut names = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut start = true;
            let mut name = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 1 => break,
                    '}' => depth -= 1,
                    ',' if depth == 1 => start = true,
                    c if start && (c.is_alphanumeric() || c == '_') => name.push(c),
                    _ if start && !name.is_empty() => {
                        names.push(std::mem::take(&mut name));
                        start = false;
                    }
                    _ => {}
                }
            }
            if !name.is_empty() {
                names.push(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.push(name);
        }
    }
    names
}

fn check_folder(folder: &Path, layer: usize, violations: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(source) = fs::read_to_string(&path) else {
            continue;
        };
        // Unit tests may reach anywhere.
        let code = source.split("#[cfg(test)]").next().unwrap_or_default();
        for module in named_modules(code) {
            match rank(&module) {
                Some(used) if used < layer => {
                    violations.push(format!("{} uses crate::{module}", path.display()));
                }
                _ => {}
            }
        }
    }
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (layer, modules) in LAYERS.iter().enumerate() {
        for module in *modules {
            check_folder(&src.join(module), layer, &mut violations);
            let file = src.join(format!("{module}.rs"));
            if file.exists() {
                let source = fs::read_to_string(&file).unwrap_or_default();
                let code = source.split("#[cfg(test)]").next().unwrap_or_default();
                for used in named_modules(code) {
                    if rank(&used).is_some_and(|used| used < layer) {
                        violations.push(format!("{} uses crate::{used}", file.display()));
                    }
                }
            }
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn grouped_and_plain_paths_are_both_read() {
    assert_eq!(
        named_modules("use crate::{api::x, session::{a, b}}; crate::http::y()"),
        ["api", "session", "http"]
    );
}
