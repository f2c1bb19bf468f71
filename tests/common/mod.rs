//! What the end-to-end tests share: running the real binary from the workspace root and
//! reading its `--json`.

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
