//! Keeps `ARCHITECTURE.md`'s code map of `mlpipe-core` true: every top-level module imports
//! (`crate::<module>`) exactly the modules its row lists, and only modules listed above it, so the
//! layers the map draws are the layers the code has. Test code (a file's `#[cfg(test)]` part and
//! test-only files) may borrow fixtures from anywhere and is not counted.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The rows of the code map, in order: each module (`train`, `hash`, …) with the modules its row
/// says it imports.
fn code_map() -> Vec<(String, BTreeSet<String>)> {
    let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../ARCHITECTURE.md")).unwrap();
    let start = text.find("## Code map of `mlpipe-core`").expect("ARCHITECTURE.md has the code map");
    let section = &text[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |end| end + 3)];
    let mut rows = Vec::new();
    for line in section.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 3, "a code map row has module, job, imports: {line}");
        let imports: BTreeSet<String> = if cells[2] == "—" {
            BTreeSet::new()
        } else {
            split_outside_parentheses(cells[2])
                .map(|name| name.split(" (").next().unwrap().trim().to_string())
                .collect()
        };
        for module in cells[0].split(", ") {
            let name = module.trim_matches('`').trim_end_matches('/').trim_end_matches(".rs");
            rows.push((name.to_string(), imports.clone()));
        }
    }
    rows
}

fn split_outside_parentheses(text: &str) -> impl Iterator<Item = &str> {
    let mut depth = 0;
    let mut start = 0;
    let mut parts = Vec::new();
    for (at, ch) in text.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter()
}

/// The `.rs` files of a top-level module: `src/<name>.rs` or everything under `src/<name>/`.
fn files_of(src: &Path, module: &str) -> Vec<PathBuf> {
    let file = src.join(format!("{module}.rs"));
    if file.is_file() {
        return vec![file];
    }
    let mut files = Vec::new();
    let mut folders = vec![src.join(module)];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).unwrap_or_else(|err| panic!("{}: {err}", folder.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The other top-level modules a file's non-test code names as `crate::<module>`.
fn imports_of(file: &Path, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let name = file.file_name().unwrap().to_string_lossy();
    if name == "tests.rs" || name.starts_with("test_") {
        return BTreeSet::new();
    }
    let text = fs::read_to_string(file).unwrap();
    let code = &text[..text.find("#[cfg(test)]").unwrap_or(text.len())];
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let word: String = rest.chars().take_while(|ch| ch.is_ascii_lowercase() || *ch == '_').collect();
        if modules.contains(&word) {
            found.insert(word);
        }
    }
    found
}

#[test]
fn the_code_map_lists_every_module_with_what_it_imports_and_only_layers_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rows = code_map();
    let listed: BTreeSet<String> = rows.iter().map(|(name, _)| name.clone()).collect();
    let modules: BTreeSet<String> = fs::read_dir(&src)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir() || path.extension().is_some_and(|ext| ext == "rs"))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|name| name != "lib")
        .collect();
    assert_eq!(listed, modules, "ARCHITECTURE.md's code map lists exactly core's top-level modules");

    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut actual_imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, declared) in &rows {
        let mut actual = BTreeSet::new();
        for file in files_of(&src, module) {
            actual.extend(imports_of(&file, &modules));
        }
        actual.remove(module);
        // The engine's error type is returned by every module; the map says so once.
        actual.remove("error");
        if &actual != declared {
            problems.push(format!("{module}: the map says it imports {declared:?}, the code imports {actual:?}"));
        }
        for import in &actual {
            if !seen.contains(import) {
                problems.push(format!("{module} imports {import}, which the map lists below it"));
            }
        }
        seen.insert(module.clone());
        actual_imports.insert(module.clone(), actual);
    }
    assert!(problems.is_empty(), "ARCHITECTURE.md's code map is out of date:\n{}", problems.join("\n"));
    // The layering the map promises for the training loop, checked on its own.
    assert!(actual_imports["train"].is_disjoint(&["tune", "track", "steps"].map(String::from).into()));
}
