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
mod read;
pub mod regions;
mod schema;
pub mod shrink;
pub mod sla;
mod sweep_gates;
pub mod templates;
pub mod units;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sim_core::spec::Fidelity;
use sim_core::{Model, ModelSpec, SimDuration};

pub use bounded::{BUDGET_CHECK, BudgetStop, Exhausted, evaluate_bounded, max_events, run_bounded};
pub use describe::describe;
pub use error::{Diagnostic, ScenarioError};
pub use expect::{Check, Expectations, Outcome, Verdict, control, evaluate, prepare, run, set_control};
pub use library::{LibraryEntry, library};
pub use read::{STDIN_ARG, STDIN_NAME, decode, read_file, read_stdin, stdin_text};
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
    /// Standard input, named `-` on the command line and `<stdin>` in messages.
    Stdin,
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
            Origin::Stdin => STDIN_NAME.to_string(),
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
    /// Which providers' SLA terms each interconnect is accounted under, and the month.
    pub sla: sla::Plan,
    /// `[[proxy]]` tables, for `faultline live` (every other command ignores them).
    pub proxies: Vec<live::Proxy>,
    pub source: Source,
    /// Every id the file claimed (interconnects, VPNs, backbones, endpoints, traffic groups,
    /// faults, random fault processes, alarms, runbook steps, `count` copies expanded).
    #[serde(skip)]
    pub(crate) claimed: BTreeSet<String>,
    /// What the file may have meant otherwise but is not an error (a region no cloud lists):
    /// the CLI prints them on standard error as `warning: FILE:LINE:COL: ...`; they change no
    /// exit code and nothing the run hashes.
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
}

impl Scenario {
    /// The verdict the file's header documents in a `# expect: pass` line, if any.
    pub fn documented_verdict(&self) -> Option<Verdict> {
        documented_verdict(&self.source.text)
    }

    /// Every id in the scenario: what the file claimed and every element of its model
    /// (sites, routers, facilities, channels and links the templates made). A table added to
    /// the file (an exported fault) needs an id outside this set, as the compiler rejects an id
    /// it claimed and a fault named like an element would read as one.
    pub fn ids(&self) -> BTreeSet<String> {
        let mut ids = self.claimed.clone();
        if let Ok(model) = Model::build(&self.spec) {
            ids.extend(model.ids().map(|(id, _)| id.to_string()));
        }
        ids
    }
}

/// What the command line changes in a scenario (`faultline run --fidelity packet`). The
/// compiler applies it as if the file said so, so the value from a flag passes every check
/// the same key in the file would, and an error it causes names the flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Every traffic group at this fidelity (`--fidelity`).
    pub fidelity: Option<Fidelity>,
}

impl Overrides {
    /// Whether nothing is overridden.
    pub fn is_empty(&self) -> bool {
        *self == Overrides::default()
    }

    /// The flags as written on the command line (`--fidelity packet`); empty for none.
    pub fn flags(&self) -> String {
        let mut out = Vec::new();
        if let Some(f) = self.fidelity {
            out.push(format!("--fidelity {}", if f == Fidelity::Packet { "packet" } else { "fluid" }));
        }
        out.join(" ")
    }
}

/// Reads `# expect: <verdict>` from the leading comment block.
pub fn documented_verdict(text: &str) -> Option<Verdict> {
    text.lines()
        .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        .find_map(|l| l.trim_start().trim_start_matches('#').trim().strip_prefix("expect:").and_then(Verdict::parse))
}

/// Compiles `text` with `overrides`. When only the overrides make it fail (the file alone
/// compiles), the error's message starts with the flags, so it names both the flag and the
/// key it hit; when the file fails on its own, its own error is the one reported.
fn load(origin: Origin, text: String, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    let source = Source { origin, text };
    let with = match compile::compile(&source, overrides) {
        Ok(s) => return Ok(s),
        Err(d) => d,
    };
    if overrides.is_empty() {
        return Err(ScenarioError::Invalid(with));
    }
    match compile::compile(&source, &Overrides::default()) {
        Ok(_) => Err(ScenarioError::Invalid(Box::new(Diagnostic { message: format!("{}: {}", overrides.flags(), with.message), ..*with }))),
        Err(own) => Err(ScenarioError::Invalid(own)),
    }
}

/// Loads and validates a scenario file.
pub fn load_path(path: &Path) -> Result<Scenario, ScenarioError> {
    load_path_with(path, &Overrides::default())
}

/// [`load_path`] with command-line overrides.
pub fn load_path_with(path: &Path, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    let text = read_file(path)?;
    load(Origin::Path(path.to_path_buf()), text, overrides)
}

/// Loads and validates scenario text; `origin_name` names it in error messages.
pub fn load_str(origin_name: &str, text: &str) -> Result<Scenario, ScenarioError> {
    load_str_with(origin_name, text, &Overrides::default())
}

/// [`load_str`] with command-line overrides.
pub fn load_str_with(origin_name: &str, text: &str, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    load(Origin::Text(origin_name.to_string()), text.to_string(), overrides)
}

/// Loads a library scenario by name.
pub fn load_library(name: &str) -> Result<Scenario, ScenarioError> {
    load_library_with(name, &Overrides::default())
}

/// [`load_library`] with command-line overrides.
pub fn load_library_with(name: &str, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    match library::find(name) {
        Some(e) => load(Origin::Library(e.name), e.text.to_string(), overrides),
        None => {
            Err(ScenarioError::UnknownName { name: name.to_string(), nearest: error::did_you_mean(name, library().iter().map(|e| e.name)) })
        }
    }
}

/// Standard input if `arg` is `-`; a path if it names an existing file or looks like one (has
/// a `/` or ends in `.toml`); otherwise a library name.
pub fn resolve(arg: &str) -> Result<Scenario, ScenarioError> {
    resolve_with(arg, &Overrides::default())
}

/// [`resolve`] with command-line overrides (`faultline run NAME --fidelity packet`).
pub fn resolve_with(arg: &str, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    if arg == STDIN_ARG {
        let text = read_stdin()?;
        // `faultline import … | faultline run -` whose first command failed pipes in
        // nothing; "missing key `scenario`" at <stdin>:1:1 would blame the wrong command.
        if text.trim().is_empty() {
            return Err(ScenarioError::Io {
                path: STDIN_NAME.into(),
                source: std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "standard input is empty: no scenario was piped in (did the command before `|` fail?)",
                ),
            });
        }
        return load(Origin::Stdin, text, overrides);
    }
    let path = Path::new(arg);
    if path.is_file() || ((arg.contains('/') || arg.contains('\\') || arg.ends_with(".toml")) && library::find(arg).is_none()) {
        return load_path_with(path, overrides);
    }
    load_library_with(arg, overrides)
}
