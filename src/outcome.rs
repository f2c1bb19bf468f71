//! One scenario run as the CLI sees it: the report, the verdict, the expectation checks, and
//! what the output formats need (timelines, fault windows, trace). Built by `runner`.

use sim_core::Report;

pub use scenarios::{Check, Verdict};

/// A traffic group's throughput over time: (seconds, bits per second).
#[derive(Clone, Debug)]
pub struct Series {
    pub id: String,
    pub points: Vec<(f64, f64)>,
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub scenario: String,
    /// How to name the scenario on a `reproduce:` line (library name or path).
    pub origin: String,
    pub seed: u64,
    pub report: Report,
    /// Per interconnect and provider terms: the run's downtime and what it means for the
    /// month (`scenarios::sla`).
    pub sla: Vec<scenarios::sla::Account>,
    pub verdict: Verdict,
    pub checks: Vec<Check>,
    pub wall_s: f64,
    pub series: Vec<Series>,
    /// JSON lines, when a trace was asked for.
    pub trace: Option<Vec<String>>,
    /// Options that changed the run and so belong on the `reproduce:` line.
    pub extra_args: String,
    /// Where and why the run stopped before its end (a budget, a signal), if it did.
    pub stop: Option<scenarios::BudgetStop>,
    /// What the run was estimated to cost and the budgets it was held to.
    pub budget: BudgetUse,
    /// The file's warnings (`file:line:column: message`), as stderr prints them.
    pub warnings: Vec<String>,
}

/// A run's estimate and budgets, as `--json` reports them under `budget`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BudgetUse {
    pub estimate_bytes: u64,
    pub estimate_events: u64,
    pub max_memory: u64,
    pub max_events: u64,
}

impl BudgetUse {
    pub fn of(s: &scenarios::Scenario) -> BudgetUse {
        let est = sim_core::budget::Estimate::of(&s.spec);
        BudgetUse {
            estimate_bytes: est.bytes(),
            estimate_events: est.events,
            max_memory: scenarios::budget::budget().max_memory,
            max_events: scenarios::max_events(s).0,
        }
    }
}

impl Outcome {
    /// Why the run is inconclusive, when it is: the checks that had nothing to measure, or
    /// (when no check is inconclusive) an empty `[expect]`, which proves nothing.
    pub fn inconclusive(&self) -> Vec<String> {
        let mut why: Vec<String> =
            self.checks.iter().filter(|c| c.status == Verdict::Inconclusive).map(|c| format!("{}: {}", c.name, c.detail)).collect();
        if why.is_empty() && self.verdict == Verdict::Inconclusive {
            why.push(NO_EXPECTATIONS.to_string());
        }
        why
    }

    /// The line that replays this run; a stopped run's carries the event budget that stops
    /// it at the same place (`BudgetStop::replay_events`).
    pub fn reproduce(&self) -> String {
        reproduce_line_with(&self.origin, self.seed, &self.extra_args, self.stop.as_ref().map(|s| s.replay_events()))
    }
}

/// The reason an inconclusive run with no inconclusive check gives: `[expect]` is empty.
pub const NO_EXPECTATIONS: &str = "expect: no expectations ([expect] is empty), so the run proves nothing";

/// The one way a `reproduce:` line is written, by every command that prints one:
/// `faultline run channel-cut --seed 3  # faultline 0.1.0 abcdef123456`. `extra` holds the
/// options that changed the run (` --fidelity packet`), with a leading space. The version
/// is a trailing shell comment, so the line still runs as pasted and says which binary
/// replays the fingerprint.
pub fn reproduce_line(origin: &str, seed: u64, extra: &str) -> String {
    reproduce_line_with(origin, seed, extra, None)
}

/// [`reproduce_line`] with the event budget that replays a stopped run (`None`: the
/// process's `--max-events`, if one was given).
pub fn reproduce_line_with(origin: &str, seed: u64, extra: &str, max_events: Option<u64>) -> String {
    // An event budget set on the command line changes where a run stops, so every
    // reproduce line (run, check, sweep, shrink) carries it.
    let budget = max_events.or(scenarios::budget::budget().max_events).map(|m| format!(" --max-events {m}")).unwrap_or_default();
    format!("faultline run {} --seed {seed}{extra}{budget}  #{} {}", origin_arg(origin), stdin_note(origin), crate::version::tag())
}

/// How a `reproduce:` line names the scenario: `-` for standard input, else the origin as
/// one shell word.
pub fn origin_arg(origin: &str) -> String {
    if is_stdin(origin) { scenarios::STDIN_ARG.to_string() } else { shell_word(origin) }
}

/// For a scenario read from standard input, the comment that says which text to pipe in
/// again (its digest, as `sweep`'s NDJSON records it), ending in ` #`; else nothing. The
/// line cannot name a file the process never saw, so it names the text.
pub fn stdin_note(origin: &str) -> String {
    match scenarios::stdin_text().filter(|_| is_stdin(origin)) {
        Some(text) => format!(
            " the scenario was read from standard input: pipe in the same text (scenario digest {})  #",
            crate::sweep::ndjson::scenario_digest(text)
        ),
        None => String::new(),
    }
}

/// Whether `origin` (a `Source::display_name`) is standard input that this process read.
fn is_stdin(origin: &str) -> bool {
    origin == scenarios::STDIN_NAME && scenarios::stdin_text().is_some()
}

/// Quotes a word for a POSIX shell when it needs it.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
