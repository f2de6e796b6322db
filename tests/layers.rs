//! The crate's layers as the README's Layout draws them (issue 15, "no import circle anywhere"):
//! each folder of `src/` may name only the layers below it, and a protocol's folder names no
//! other protocol's. Read from the source text (doc comments and `//` lines are skipped: a link
//! in prose is not a dependency), so a new upward `use crate::…` fails here with its file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each layer and the layers it may use (everything below it that it needs).
const ALLOWED: &[(&str, &[&str])] = &[
    ("core", &[]),
    ("protocol", &["core"]),
    ("sim", &["core", "protocol"]),
    ("check", &["core", "protocol", "sim"]),
    ("registry", &["core", "protocol", "sim", "check"]),
    ("spacetime", &["core", "protocol", "sim"]),
    ("lab", &["core", "check"]),
    ("travel", &["core", "protocol", "sim", "check", "registry", "spacetime"]),
    ("explore", &["core", "protocol", "sim", "check", "registry"]),
    ("wasm", &["core", "protocol", "sim", "check", "registry", "spacetime", "lab", "travel", "explore"]),
];

const PROTOCOLS: &[&str] = &["raft", "paxos", "zab", "twopc", "threepc", "dynamo"];

/// 3PC is 2PC with one more phase: it speaks 2PC's transaction vocabulary (the bank's accounts,
/// `TwoPcOp`, the effects a participant installs) rather than copying it.
const PROTOCOL_USES: &[(&str, &str)] = &[("threepc", "twopc")];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("src/ is readable").map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The `crate::<name>` paths named in code (not in comments) of one file, with their lines.
fn crate_paths(text: &str) -> Vec<(usize, String, Option<String>)> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let code = code.split(" //").next().unwrap_or(code);
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let mut parts =
                rest.split("::").map(|p| p.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or(""));
            let first = parts.next().unwrap_or("").to_string();
            let second = parts.next().map(str::to_string);
            found.push((i + 1, first, second));
        }
    }
    found
}

#[test]
fn every_layer_names_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    let mut seen_layers = 0;
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let layer = rel.components().next().unwrap().as_os_str().to_str().unwrap();
        let Some(may) = allowed.get(layer) else { continue }; // lib.rs, bin/: the top
        seen_layers += 1;
        let text = std::fs::read_to_string(file).unwrap();
        for (line, used, sub) in crate_paths(&text) {
            if used == layer || !allowed.contains_key(used.as_str()) {
                // Its own layer, or a crate-root item (e.g. a macro).
            } else if !may.contains(&used.as_str()) {
                wrong.push(format!("src/{}:{line}: {layer} uses crate::{used} (above it)", rel.display()));
            }
            // A protocol's folder names no other protocol's.
            if layer == "protocol" && used == "protocol" {
                let own = rel.components().nth(1).and_then(|c| c.as_os_str().to_str()).unwrap_or("");
                if let Some(other) = sub.filter(|s| PROTOCOLS.contains(&s.as_str())) {
                    if PROTOCOLS.contains(&own) && other != own && !PROTOCOL_USES.contains(&(own, other.as_str())) {
                        wrong.push(format!("src/{}:{line}: protocol {own} uses protocol {other}", rel.display()));
                    }
                }
            }
        }
        if layer == "protocol" {
            let own = rel.components().nth(1).and_then(|c| c.as_os_str().to_str()).unwrap_or("");
            for (i, l) in text.lines().enumerate() {
                let code = l.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                for other in PROTOCOLS {
                    if code.contains(&format!("super::{other}::"))
                        && *other != own
                        && !PROTOCOL_USES.contains(&(own, *other))
                    {
                        wrong.push(format!("src/{}:{}: protocol {own} uses protocol {other}", rel.display(), i + 1));
                    }
                }
            }
        }
    }
    assert!(seen_layers > 50, "the walk found only {seen_layers} files under the layers");
    assert!(wrong.is_empty(), "upward or sideways imports:\n{}", wrong.join("\n"));
}

#[test]
fn the_scan_sees_an_upward_import() {
    let found = crate_paths("use crate::travel::describe;\n// crate::wasm in a comment\nlet x = crate::protocol::raft::Raft::new(); // crate::lab\n");
    let names: Vec<_> = found.iter().map(|(l, a, b)| (*l, a.as_str(), b.clone())).collect();
    assert_eq!(names, vec![(1, "travel", Some("describe".into())), (3, "protocol", Some("raft".into()))]);
}

/// Issue 15: nothing protocol-specific outside its folder but the registry. No file of a layer
/// other than `protocol/` and `registry/` names a protocol's module (`protocol::raft::…`): the
/// explorer, the simulator and the checkers reach protocols through the `Protocol` trait and
/// the registry (`bin/`, the CLI on top, may name one for a protocol's own command).
#[test]
fn only_the_protocols_folders_and_the_registry_name_a_protocol() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let layer = rel.components().next().unwrap().as_os_str().to_str().unwrap();
        if matches!(layer, "protocol" | "registry" | "bin" | "lib.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (line, used, sub) in crate_paths(&text) {
            if let Some(p) = sub.filter(|s| used == "protocol" && PROTOCOLS.contains(&s.as_str())) {
                wrong.push(format!("src/{}:{line}: names protocol {p}", rel.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "protocol-specific code outside its folder and the registry:\n{}", wrong.join("\n"));
}

/// Every protocol's seeded bugs (`Protocol::UNSAFE_SWITCHES`) are offered by its view's "find a
/// bug" list (`explore` in `www/protocols/<view>.js`), which offers nothing else; the panel itself
/// names none (issue 15: one view interface, nothing else in `www/` names a protocol).
#[test]
fn every_seeded_bug_is_offered_by_its_protocols_view_and_only_there() {
    use cap_playground::registry::{unsafe_switches, ALL};
    let www = Path::new(env!("CARGO_MANIFEST_DIR")).join("www");
    let switches = unsafe_switches();
    let mut views: Vec<&str> = ALL.iter().map(|e| e.view).collect();
    views.dedup();
    for view in views {
        let text = std::fs::read_to_string(www.join("protocols").join(format!("{view}.js"))).unwrap();
        // The names listed in its `explore: [ … ]`, one entry per line.
        let offered: Vec<String> = match text.find("\n  explore: [") {
            None => Vec::new(),
            Some(at) => {
                let block = &text[at..];
                let block = &block[..block.find("\n  ],").expect("explore list closes")];
                block
                    .lines()
                    .filter_map(|l| l.trim_start().strip_prefix("['"))
                    .map(|l| l.split('\'').next().unwrap_or("").to_string())
                    .collect()
            }
        };
        let mut expected: Vec<String> = switches
            .iter()
            .filter(|s| ALL.iter().any(|e| e.view == view && s.protocols.contains(&e.name)))
            .map(|s| s.name.to_string())
            .collect();
        let mut got = offered.clone();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "www/protocols/{view}.js offers {offered:?}");
    }
    let panel = std::fs::read_to_string(www.join("explore-panel.js")).unwrap();
    for s in &switches {
        assert!(!panel.contains(&format!("'{}'", s.name)), "www/explore-panel.js names {}", s.name);
    }
}
