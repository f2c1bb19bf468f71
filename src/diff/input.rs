//! What `faultline diff` reads: a `run --json` (or `live --json`), `check --json` or
//! `sweep --json` output, told apart by its keys, with the `faultline` key that names the
//! version, commit and model version that made it (absent in older outputs).

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The kind of output a file holds. A run and a check are both lists of runs and compare
/// with each other; a sweep compares only with a sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Run,
    Check,
    Sweep,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Check => "check",
            Kind::Sweep => "sweep",
        }
    }
}

pub struct Input {
    pub path: PathBuf,
    pub kind: Kind,
    pub value: Value,
}

impl Input {
    /// Reads and classifies `path`; the error names the file and says what it holds instead.
    pub fn load(path: &Path) -> Result<Input, String> {
        // `-` is standard input, named `<stdin>` in messages, as for every command's paths.
        let (path, text) = if path.as_os_str() == scenarios::STDIN_ARG {
            (PathBuf::from(scenarios::STDIN_NAME), scenarios::read_stdin().map_err(|e| e.to_string())?)
        } else {
            (path.to_path_buf(), std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?)
        };
        let name = path.display();
        let value: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                // One JSON object per line is a sharded sweep's NDJSON, not a summary.
                let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                if text.lines().filter(|l| !l.trim().is_empty()).count() > 1 && serde_json::from_str::<Value>(first).is_ok() {
                    return Err(format!(
                        "{name} holds one JSON object per line (a sharded sweep's NDJSON?): combine the shards with `faultline merge` and diff its --json output"
                    ));
                }
                return Err(format!(
                    "{name} is not JSON ({e}): diff takes the output of `faultline run --json`, `check --json` or `sweep --json`"
                ));
            }
        };
        let kind = classify(&value).ok_or_else(|| {
            format!(
                "{name} is JSON but not a faultline run, check or sweep output (it has no `fingerprint`, `scenarios` or `digest` key): diff takes the output of `faultline run --json`, `check --json` or `sweep --json`"
            )
        })?;
        // A known key of the wrong type would otherwise read as absent: "no change".
        super::shape::check(&value, kind).map_err(|e| {
            format!(
                "{name} is not a well-formed faultline {} output: {e}: diff takes the unedited output of `faultline {} --json`",
                kind.name(),
                kind.name()
            )
        })?;
        Ok(Input { path: path.clone(), kind, value })
    }

    /// The runs it holds: one for a run, every scenario's for a check, none for a sweep.
    pub fn runs(&self) -> Vec<&Value> {
        match self.kind {
            Kind::Run => vec![&self.value],
            Kind::Check => self.value["scenarios"].as_array().map(|a| a.iter().collect()).unwrap_or_default(),
            Kind::Sweep => Vec::new(),
        }
    }

    /// The `faultline` key (`{version, commit, model}`): at the top, else on the first run.
    pub fn meta(&self) -> Option<&Value> {
        let top = self.value.get("faultline").filter(|m| m.is_object());
        top.or_else(|| self.runs().first().and_then(|r| r.get("faultline")).filter(|m| m.is_object()))
    }

    /// The model version, if the output names it.
    pub fn model(&self) -> Option<&Value> {
        self.meta().and_then(|m| m.get("model")).filter(|m| !m.is_null())
    }

    /// `faultline 0.1.0 (commit 1234abcd5678)`, or what is known of it.
    pub fn made_by(&self) -> String {
        match self.meta() {
            None => "faultline version unknown".to_string(),
            Some(m) => {
                let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("?").to_string();
                format!("faultline {} (commit {})", s("version"), s("commit"))
            }
        }
    }
}

fn classify(v: &Value) -> Option<Kind> {
    let o = v.as_object()?;
    if o.get("scenarios").is_some_and(Value::is_array) {
        Some(Kind::Check)
    } else if o.contains_key("digest") && o.contains_key("runs") {
        Some(Kind::Sweep)
    } else if o.contains_key("fingerprint") && o.get("faults").is_some_and(Value::is_array) {
        Some(Kind::Run)
    } else {
        None
    }
}
