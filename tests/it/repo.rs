//! Checks on the repository itself: every file path a comment or document cites exists in the
//! repository (with the cited section, when it names one), and the modules depend on each other
//! only in the direction ARCHITECTURE.md draws.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every file below `dir` (relative to the repository root), recursively.
fn files_below(dir: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root().join(dir)];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("a readable folder") {
                stack.push(entry.expect("a folder entry").path());
            }
        } else if path.is_file() {
            out.push(path);
        }
    }
    out.sort();
    out
}

// --- Cited paths -----------------------------------------------------------------------------

/// Where prose and comments live: the sources, docs, scripts, tests, examples, benches and the
/// top-level and model documents.
fn cited_from() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = [
        "src", "docs", "scripts", "tests/it", "benches", "examples", ".ci",
    ]
    .iter()
    .flat_map(|dir| files_below(dir))
    .collect();
    for entry in std::fs::read_dir(root()).expect("the repository root") {
        let path = entry.expect("a root entry").path();
        if path.extension().is_some_and(|ext| ext == "md") {
            files.push(path);
        }
    }
    files.push(root().join("models/README.md"));
    files.push(root().join("tests/data/NOTICE"));
    // This file's own examples of citations are not citations.
    files.retain(|file| !file.ends_with("tests/it/repo.rs"));
    files
}

/// The repository's top-level folders that paths are cited from.
const REPO_DIRS: [&str; 8] = [
    "src/",
    "docs/",
    "scripts/",
    "models/",
    "tests/",
    "benches/",
    "examples/",
    ".ci/",
];

/// Paths that are not in a fresh clone on purpose: `scripts/convert-models` works in
/// `models/.work/`, and the shared media set sits beside the clone (`../shared/media`, where
/// CI puts it; the tests that need it say so).
const NOT_IN_THE_CLONE: [&str; 2] = ["models/.work/", "../shared/media/"];

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-')
}

/// One cited path: where, what, and the section number after it (`docs/X.md` §3.2).
#[derive(Debug)]
struct Citation {
    file: PathBuf,
    path: String,
    section: Option<String>,
}

/// The paths `text` cites: tokens that start with a repository folder, or name a `.md` file.
/// A bare `.md` name inside a string literal is a file name the code uses, not a citation.
fn citations(file: &Path, text: &str) -> Vec<Citation> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_path_char(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_path_char(chars[i]) {
            i += 1;
        }
        let before = start.checked_sub(1).map(|k| chars[k]);
        let token: String = chars[start..i].iter().collect();
        let token = token.trim_end_matches('.');
        let token = token.strip_prefix("./").unwrap_or(token);
        let in_repo = REPO_DIRS.iter().any(|dir| token.starts_with(dir));
        let markdown = Path::new(token)
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("md"));
        if !(in_repo || markdown) || before == Some(':') {
            continue;
        }
        if markdown && !in_repo && matches!(before, Some('"' | '\'')) {
            continue;
        }
        if NOT_IN_THE_CLONE.iter().any(|dir| token.starts_with(dir)) {
            continue;
        }
        // A section: `§3.2` after the path, possibly after a closing backtick.
        let mut k = i;
        while k < chars.len() && matches!(chars[k], '`' | ' ') {
            k += 1;
        }
        let section = (chars.get(k) == Some(&'§')).then(|| {
            chars[k + 1..]
                .iter()
                .skip_while(|c| **c == ' ')
                .take_while(|c| c.is_ascii_digit() || **c == '.')
                .collect::<String>()
                .trim_end_matches('.')
                .to_owned()
        });
        out.push(Citation {
            file: file.to_path_buf(),
            path: token.to_owned(),
            section: section.filter(|s| !s.is_empty()),
        });
    }
    out
}

/// The cited file: relative to the repository root, or to the citing file's folder.
fn resolve(citation: &Citation) -> Option<PathBuf> {
    let from_root = root().join(&citation.path);
    let beside = citation.file.parent().map(|dir| dir.join(&citation.path));
    [Some(from_root), beside]
        .into_iter()
        .flatten()
        .find(|path| path.exists())
}

/// Whether the Markdown text has a numbered heading `section` (`## 3.` or `### 3.2 ...`).
fn has_section(markdown: &str, section: &str) -> bool {
    markdown.lines().any(|line| {
        let heading = line.trim_start_matches('#');
        heading.len() < line.len()
            && heading
                .trim_start()
                .strip_prefix(section)
                .is_some_and(|rest| rest.starts_with(['.', ' ']) || rest.is_empty())
    })
}

#[test]
fn every_cited_path_and_section_exists_in_the_repository() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for file in cited_from() {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue; // binary files cite nothing
        };
        for citation in citations(&file, &text) {
            checked += 1;
            let Some(target) = resolve(&citation) else {
                missing.push(format!("{}: {}", citation.file.display(), citation.path));
                continue;
            };
            if let Some(section) = &citation.section {
                let markdown = std::fs::read_to_string(&target).unwrap_or_default();
                if !has_section(&markdown, section) {
                    missing.push(format!(
                        "{}: {} §{section} (no such heading)",
                        citation.file.display(),
                        citation.path
                    ));
                }
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} citations found: is the scan broken?"
    );
    assert!(
        missing.is_empty(),
        "cited but missing:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_citation_scanner_finds_paths_and_sections() {
    let file = root().join("src/lib.rs");
    let found = citations(
        &file,
        "see `docs/MEASUREMENT.md` §3.2, models/README.md §4 and PARITY.md; \
         read(\"SOURCES.md\"), https://example.org/x.md, ../shared/media/SOURCES.md.",
    );
    let found: Vec<(&str, Option<&str>)> = found
        .iter()
        .map(|c| (c.path.as_str(), c.section.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            ("docs/MEASUREMENT.md", Some("3.2")),
            ("models/README.md", Some("4")),
            ("PARITY.md", None),
        ]
    );
    assert!(has_section("# T\n\n## 3. CVA\n### 3.2 Fit", "3.2"));
    assert!(has_section("## 3. CVA", "3"));
    assert!(!has_section("## 3. CVA\nsee 3.2 here", "3.2"));
    assert!(!has_section("## 13. Other", "3"));
}

// --- Dependency direction --------------------------------------------------------------------

/// The top-level modules of the library.
const MODULES: [&str; 15] = [
    "bounds", "capture", "runtime", "models", "pose", "geometry", "posture", "render", "store",
    "report", "pipeline", "desktop", "config", "ui", "cli",
];

/// What each module may use (ARCHITECTURE.md, "Modules and dependency direction").
fn allowed(module: &str) -> &'static [&'static str] {
    match module {
        "bounds" | "capture" | "runtime" | "geometry" => &[],
        "models" => &["runtime"],
        "pose" => &["capture", "models", "runtime"],
        "posture" => &["pose", "geometry", "bounds"],
        "store" => &["posture"],
        "render" => &["pose", "posture"],
        // `capture` for a recording's own date (`capture::date`) and, with `render` and
        // `pose`, for the stills (`report::stills`: a frame decoded again and drawn on);
        // `pipeline` for the running session's updates counted into today's totals
        // (`report::today::Tally::observe`).
        "report" => &["store", "posture", "capture", "render", "pose", "pipeline"],
        // `render` for the annotated video (`pipeline::annotate`: the pipeline's frames drawn
        // on and encoded).
        "pipeline" => &[
            "capture", "runtime", "models", "pose", "posture", "store", "render", "bounds",
        ],
        // Its tests build frames and estimates (`capture`, `pose`).
        "desktop" => &["pipeline", "posture", "pose", "capture", "bounds"],
        "config" => &["posture", "desktop", "bounds"],
        "ui" => &[
            "capture", "pose", "posture", "render", "store", "report", "pipeline", "desktop",
            "config", "bounds",
        ],
        "cli" => &MODULES,
        other => panic!("unknown module {other}"),
    }
}

/// The top-level modules named after `crate::` in the code of `text` (comments left out),
/// including `use crate::{a, b::c}` groups.
fn crate_uses(text: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // Only the first segment of each item of the group.
                let mut depth = 0;
                let mut item_start = true;
                for (index, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => item_start = true,
                        c if item_start && (c.is_ascii_alphabetic() || c == '_') => {
                            let name: String = group[index..]
                                .chars()
                                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                                .collect();
                            used.insert(name);
                            item_start = false;
                        }
                        _ => {}
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                used.insert(name);
            }
        }
    }
    used
}

#[test]
fn modules_depend_only_downwards() {
    let mut wrong = Vec::new();
    for module in MODULES {
        let mut files = files_below(&format!("src/{module}"));
        let single = root().join(format!("src/{module}.rs"));
        if single.exists() {
            files.push(single);
        }
        assert!(!files.is_empty(), "no source for module {module}");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable source");
            for used in crate_uses(&text) {
                let fine = used == module || allowed(module).contains(&used.as_str());
                if !fine && MODULES.contains(&used.as_str()) {
                    wrong.push(format!("{} uses crate::{used}", file.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the dependency direction:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_import_scanner_reads_groups_and_skips_comments() {
    let used = crate_uses(
        "use crate::posture::{Metric, View};\nuse crate::{store::Store, pipeline};\n\
         // crate::ui is only mentioned\nlet x = crate::report::build(); // crate::cli",
    );
    let used: Vec<&str> = used.iter().map(String::as_str).collect();
    assert_eq!(used, ["pipeline", "posture", "report", "store"]);
}
