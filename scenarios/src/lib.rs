//! faultline's scenario files: the TOML format, its validation with file:line:column errors,
//! compilation into a `sim_core::ModelSpec`, the embedded library, runs and verdicts.
//!
//! ```no_run
//! let scenario = scenarios::resolve("channel-cut")?;          // a path or a library name
//! let outcome = scenarios::run(&scenario, scenario.seed, Default::default()).expect("validated");
//! std::process::exit(outcome.verdict.exit_code());
//! # Ok::<(), scenarios::ScenarioError>(())
//! ```
//!
//! The format is documented in README.md ("Scenario format") and as a JSON Schema ([`schema`]).
//! sim-core knows nothing about files; this crate knows nothing about terminals or exit
//! paths beyond [`Verdict::exit_code`].

mod bounded;
pub mod budget;
mod compile;
mod describe;
mod error;
mod expect;
pub mod format;
#[doc(hidden)]
pub mod fuzzing;
mod library;
pub mod live;
mod schema;
pub mod shrink;
mod sweep_gates;
pub mod templates;
pub mod units;

use std::path::{Path, PathBuf};

use serde::Serialize;
use sim_core::{ModelSpec, SimDuration};

pub use bounded::{BUDGET_CHECK, BudgetStop, Exhausted, evaluate_bounded, max_events, run_bounded};
pub use describe::describe;
pub use error::{Diagnostic, ScenarioError};
pub use expect::{Check, Expectations, Outcome, Verdict, evaluate, prepare, run};
pub use library::{LibraryEntry, library};
pub use schema::schema;
pub use sweep_gates::{SweepExpect, SweepStats, evaluate_sweep, percentile};

/// The library scenario `faultline run` uses when given no argument: a facility power loss
/// with BFD detection, ECMP convergence and TCP recovery in two minutes.
pub const FLAGSHIP: &str = "facility-power-loss";

/// Where a scenario's text came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    Path(PathBuf),
    Library(&'static str),
    /// Text handed to [`load_str`] under a caller-chosen name.
    Text(String),
}

/// A scenario's text and its origin (for messages and `reproduce:` lines).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Source {
    pub origin: Origin,
    pub text: String,
}

impl Source {
    /// How messages name it: the path, or the library name.
    pub fn display_name(&self) -> String {
        match &self.origin {
            Origin::Path(p) => p.display().to_string(),
            Origin::Library(n) => (*n).to_string(),
            Origin::Text(n) => n.clone(),
        }
    }
}

/// A validated scenario, ready to run.
#[derive(Clone, Debug, Serialize)]
pub struct Scenario {
    pub name: String,
    pub summary: String,
    /// The file's seed (default 1); `--seed` overrides it at run time.
    pub seed: u64,
    pub duration: SimDuration,
    pub spec: ModelSpec,
    pub expect: Expectations,
    /// `[sweep]`: gates over the seeds of `faultline sweep`.
    pub sweep: SweepExpect,
    /// `[[proxy]]` tables, for `faultline live` (every other command ignores them).
    pub proxies: Vec<live::Proxy>,
    pub source: Source,
}

impl Scenario {
    /// The verdict the file's header documents in a `# expect: pass` line, if any.
    pub fn documented_verdict(&self) -> Option<Verdict> {
        documented_verdict(&self.source.text)
    }
}

/// Reads `# expect: <verdict>` from the leading comment block.
pub fn documented_verdict(text: &str) -> Option<Verdict> {
    text.lines()
        .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        .find_map(|l| l.trim_start().trim_start_matches('#').trim().strip_prefix("expect:").and_then(Verdict::parse))
}

fn load(origin: Origin, text: String) -> Result<Scenario, ScenarioError> {
    compile::compile(Source { origin, text }).map_err(ScenarioError::Invalid)
}

/// Loads and validates a scenario file.
pub fn load_path(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
    load(Origin::Path(path.to_path_buf()), text)
}

/// Loads and validates scenario text; `origin_name` names it in error messages.
pub fn load_str(origin_name: &str, text: &str) -> Result<Scenario, ScenarioError> {
    load(Origin::Text(origin_name.to_string()), text.to_string())
}

/// Loads a library scenario by name.
pub fn load_library(name: &str) -> Result<Scenario, ScenarioError> {
    match library::find(name) {
        Some(e) => load(Origin::Library(e.name), e.text.to_string()),
        None => {
            Err(ScenarioError::UnknownName { name: name.to_string(), nearest: error::did_you_mean(name, library().iter().map(|e| e.name)) })
        }
    }
}

/// A path if `arg` names an existing file or looks like one (has a `/` or ends in `.toml`),
/// otherwise a library name.
pub fn resolve(arg: &str) -> Result<Scenario, ScenarioError> {
    let path = Path::new(arg);
    if path.is_file() || ((arg.contains('/') || arg.contains('\\') || arg.ends_with(".toml")) && library::find(arg).is_none()) {
        return load_path(path);
    }
    load_library(arg)
}
