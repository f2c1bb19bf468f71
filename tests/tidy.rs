//! Tidy checks: the architecture invariants that a compiler cannot see, enforced by grep
//! (in the manner of TigerBeetle's `tidy.zig` and rust-analyzer's tidy tests).

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// sim-core must be sans-IO and deterministic (ARCHITECTURE.md, "Invariants").
#[test]
fn sim_core_uses_no_clock_no_os_randomness_no_unordered_maps_no_threads_no_io() {
    let banned = [
        "std::time",
        "Instant::now",
        "SystemTime",
        "thread_rng",
        "rand::rng(",
        "StdRng",
        "OsRng",
        "from_entropy",
        "HashMap",
        "HashSet",
        "std::thread",
        "tokio",
        "std::fs",
        "std::env",
        "std::net",
        "println!",
        "eprintln!",
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-core/src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    let mut hits = Vec::new();
    for f in &files {
        let text = fs::read_to_string(f).expect("readable");
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for b in banned {
                if code.contains(b) {
                    hits.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(hits.is_empty(), "banned APIs in sim-core:\n{}", hits.join("\n"));
    assert!(files.len() > 10, "the walk found the sources");
}

/// sim-core depends on no runtime, UI or format crate.
#[test]
fn sim_core_depends_on_no_runtime_ui_or_format_crate() {
    let manifest = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-core/Cargo.toml")).expect("manifest");
    let deps = manifest.split("[dependencies]").nth(1).and_then(|s| s.split("\n[").next()).unwrap_or("");
    for banned in ["tokio", "clap", "ratatui", "crossterm", "serde_json", "toml", "anyhow"] {
        assert!(!deps.lines().any(|l| l.trim_start().starts_with(banned)), "sim-core depends on {banned}");
    }
}

/// tokio lives in `live/` and in `faultline mcp`'s server (`src/mcp.rs`, `src/mcp/`) only:
/// no other crate of the workspace depends on it and no other file of the CLI uses it, so the
/// simulator, the scenario format, the TUI and every other command stay synchronous.
#[test]
fn tokio_lives_in_live_and_the_mcp_server_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for krate in ["sim-core", "scenarios", "tui"] {
        let manifest = fs::read_to_string(root.join(krate).join("Cargo.toml")).expect("manifest");
        assert!(!manifest.lines().any(|l| l.trim_start().starts_with("tokio")), "{krate} depends on tokio");
    }
    let mut files = Vec::new();
    for dir in ["sim-core/src", "scenarios/src", "tui/src", "src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let server = |f: &Path| f.ends_with("src/mcp.rs") || f.parent().is_some_and(|d| d.ends_with("src/mcp"));
    let hits: Vec<String> = files
        .iter()
        .filter(|f| !server(f.as_path()) && fs::read_to_string(f).is_ok_and(|t| t.contains("tokio::")))
        .map(|f| f.display().to_string())
        .collect();
    assert!(hits.is_empty(), "tokio used outside live/ and the MCP server:\n{}", hits.join("\n"));
}

/// scenarios-data holds data only.
#[test]
fn scenarios_data_contains_no_rust() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios-data");
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries {
            let p = e.expect("entry").path();
            assert!(p.extension().is_none_or(|x| x != "rs"), "{} is Rust", p.display());
        }
    }
}
