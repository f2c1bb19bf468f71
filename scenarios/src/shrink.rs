//! Shrinking a failing scenario: delta debugging over its faults (random processes
//! materialised as scripted faults), then shorter fault spans and earlier times, then the
//! traffic groups, interconnects, alarms and runbook steps the failure does not need. Every
//! candidate is compiled and re-run; only one that fails the same expectation is kept.
//!
//! The steps, in order:
//! 1. run the original under its seed and pick the target: `--expect NAME`, or the first
//!    failing check (`target`);
//! 2. write the seed and every default id into the text (`normalise`), and check that this
//!    file fails the same way;
//! 3. write each fault the random processes started as a scripted `[[fault]]`
//!    (`materialise`); keep the processes instead if that does not fail the same way;
//! 4. note how the network reacted to each fault (detected, forwarding changed: every
//!    candidate must keep that for the faults it keeps) and when the traffic is warm (no
//!    fault moves earlier), then repeat rounds of the passes (`passes`: ddmin over faults,
//!    the other checks, a common shift of every start, `duration`, each start, each span,
//!    ddmin over each structural kind, `count`s) until a round keeps nothing or the budget
//!    of candidates runs out;
//! 5. write the result with a header saying what it was shrunk from (`render`) and check
//!    that the written file replays the failure.
//!
//! Deterministic: no clock, no randomness, candidates judged in a fixed order, and the
//! result is the same for any number of worker threads (`judge`).

mod ddmin;
mod edit;
mod judge;
mod materialise;
mod passes;
mod render;
mod target;

use std::fmt;

use serde::Serialize;
use sim_core::{SimDuration, SimOptions};

pub use ddmin::ddmin;
pub use passes::TIME_STEP;
pub use target::{Target, fault_named};

use crate::{Check, Scenario, Verdict};
use edit::{Doc, Kind, get_dur, set_value};

/// How a shrink runs.
pub struct Options<'a> {
    /// The check to preserve (`--expect NAME`); default: the first failing check.
    pub expect: Option<String>,
    /// Keep the `[[random_faults]]` processes (shrink them as whole tables) instead of
    /// writing their faults as scripted ones.
    pub keep_random: bool,
    /// Stop after this many candidates (the best so far is still written).
    pub max_runs: u64,
    /// Candidates run at once; the result does not depend on it.
    pub jobs: usize,
    /// Who shrank it, for the header: `faultline 0.1.0 1234abcd5678`.
    pub made_by: String,
    /// The file the result is written to, for its replay line (`None`: standard output).
    pub output_name: Option<String>,
    /// Told the target, what became of the random processes, and the count of
    /// candidates after each batch.
    pub progress: Option<&'a (dyn Fn(Progress<'_>) + Sync)>,
}

/// What a shrink reports while it runs.
#[derive(Clone, Copy, Debug)]
pub enum Progress<'p> {
    /// The check the shrink preserves, as it failed in the original run.
    Target(&'p Check),
    /// Whether the random processes could be written as scripted faults.
    Random(&'p RandomFaults),
    /// Candidates judged so far, and the pass judging them.
    Candidates { stage: &'static str, candidates: u64 },
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            expect: None,
            keep_random: false,
            max_runs: 2000,
            jobs: 1,
            made_by: "faultline".into(),
            output_name: None,
            progress: None,
        }
    }
}

/// How big a scenario is, in the units the shrinker removes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sizes {
    /// Scripted `[[fault]]` tables.
    pub faults: usize,
    /// `[[random_faults]]` processes.
    pub random_processes: usize,
    /// Faults the random processes started in the run.
    pub random_faults_started: usize,
    /// Traffic groups and interconnects count their `count` copies.
    pub traffic_groups: u64,
    pub interconnects: u64,
    pub vpns: u64,
    pub backbones: u64,
    pub endpoints: u64,
    pub alarms: u64,
    pub runbook_steps: u64,
    pub proxies: u64,
    /// `[expect]` checks.
    pub expectations: usize,
    #[serde(serialize_with = "ser_ns")]
    pub duration: SimDuration,
}

fn ser_ns<S: serde::Serializer>(d: &SimDuration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl Sizes {
    fn of(doc: &Doc, started: usize) -> Sizes {
        Sizes {
            faults: doc.len(Kind::Fault),
            random_processes: doc.len(Kind::RandomFaults),
            random_faults_started: started,
            traffic_groups: doc.count(Kind::Traffic),
            interconnects: doc.count(Kind::Interconnect),
            vpns: doc.count(Kind::Vpn),
            backbones: doc.count(Kind::Backbone),
            endpoints: doc.count(Kind::Endpoint),
            alarms: doc.count(Kind::Alarm),
            runbook_steps: doc.count(Kind::Runbook),
            proxies: doc.count(Kind::Proxy),
            expectations: doc.top("expect").map_or(0, |e| e.iter().filter(|(k, _)| *k != "traffic").count()),
            duration: doc.top("scenario").and_then(|t| get_dur(t, "duration")).unwrap_or(SimDuration::ZERO),
        }
    }

    /// Faults in the run: scripted ones plus those the random processes started.
    pub fn faults_in_run(&self) -> usize {
        self.faults + self.random_faults_started
    }
}

/// One end of a shrink: the run's fingerprint, the target check and the sizes.
#[derive(Clone, Debug, Serialize)]
pub struct Side {
    pub fingerprint: String,
    pub check: Check,
    pub sizes: Sizes,
}

/// What became of the random processes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum RandomFaults {
    /// The scenario has none.
    None,
    /// Written as scripted faults, which fail the same way.
    Scripted { processes: usize, faults: usize },
    /// Kept as processes: asked for (`asked`), or the scripted faults did not fail the
    /// same way.
    Kept { processes: usize, faults: usize, asked: bool },
}

/// A shrunk scenario and how it was found.
#[derive(Clone, Debug, Serialize)]
pub struct Shrunk {
    /// The original's name for messages (a path or a library name) and its scenario name.
    pub origin: String,
    pub library: bool,
    pub scenario: String,
    pub seed: u64,
    /// The failure preserved, as identified in the result (a realised random fault is
    /// named by its scripted id).
    pub target: Target,
    pub before: Side,
    pub after: Side,
    pub random: RandomFaults,
    /// Candidates judged (each compiled and, when it compiled, run).
    pub candidates: u64,
    /// Of those, candidates that did not compile.
    pub invalid: u64,
    /// Candidates kept.
    pub accepted: u32,
    /// Rounds of passes.
    pub rounds: u32,
    pub max_runs: u64,
    /// The budget ran out before a round found nothing more.
    pub budget_exhausted: bool,
    /// Simulations run, speculative ones of parallel batches included (depends on `jobs`;
    /// not written into the file).
    pub executed: u64,
    /// Whether any candidate was kept: the result is smaller than the input.
    pub smaller: bool,
    /// The file: header and scenario.
    pub text: String,
}

/// Why a scenario cannot be shrunk.
#[derive(Clone, Debug, PartialEq)]
pub enum ShrinkError {
    /// The run does not fail: its verdict and every check's name and status.
    DoesNotFail { verdict: Verdict, checks: Vec<(String, Verdict)> },
    /// `--expect NAME` names a check that does not fail; `failing` are those that do,
    /// `checks` every check of the run.
    NotFailing { name: String, failing: Vec<String>, checks: Vec<String> },
    /// The seed is larger than a TOML integer can hold, so no file can replay it.
    Seed(u64),
    /// The scenario's text could not be edited or no longer fails once rewritten (a bug).
    Lost(String),
}

impl fmt::Display for ShrinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShrinkError::DoesNotFail { verdict, checks } => {
                let list: Vec<String> = checks.iter().map(|(n, v)| format!("{n} {}", v.name())).collect();
                write!(f, "the run does not fail (verdict {}): nothing to shrink", verdict.name())?;
                if !list.is_empty() {
                    write!(f, "; checks: {}", list.join(", "))?;
                }
                Ok(())
            }
            ShrinkError::NotFailing { name, failing, checks } => {
                if checks.contains(name) {
                    write!(f, "--expect {name}: `{name}` does not fail in this run")?;
                } else {
                    write!(f, "--expect {name}: the run has no check `{name}` (its checks: {})", checks.join(", "))?;
                }
                if failing.is_empty() {
                    write!(f, "; no check fails, so there is nothing to shrink")
                } else {
                    write!(f, "; failing: {}", failing.join(", "))
                }
            }
            ShrinkError::Seed(s) => write!(f, "seed {s} is larger than a TOML integer (at most {}); no file can replay it", i64::MAX),
            ShrinkError::Lost(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for ShrinkError {}

/// Shrinks `s` run under `seed` to a smaller scenario that fails the same expectation.
pub fn shrink(s: &Scenario, seed: u64, opts: &Options<'_>) -> Result<Shrunk, ShrinkError> {
    let origin = s.source.display_name();
    let lost = |why: &str| ShrinkError::Lost(format!("{origin}: {why}"));
    let mut sim = crate::prepare(s, seed, SimOptions::default()).map_err(|e| lost(&e.to_string()))?;
    sim.run();
    let report = sim.report();
    let (verdict, checks) = crate::evaluate(s, &report);
    let target = target::choose(&checks, opts.expect.as_deref()).map_err(|failing| match &opts.expect {
        Some(name) => ShrinkError::NotFailing { name: name.clone(), failing, checks: checks.iter().map(|c| c.name.to_string()).collect() },
        None => ShrinkError::DoesNotFail { verdict, checks: checks.iter().map(|c| (c.name.to_string(), c.status)).collect() },
    })?;
    let before_check = target.find(&checks).cloned().ok_or_else(|| lost("the target check vanished"))?;
    let seed_int = i64::try_from(seed).map_err(|_| ShrinkError::Seed(seed))?;
    let faults = sim.fault_list();
    let started = faults.iter().filter(|f| f.id.contains('#')).count();

    let doc = normalise(&s.source.text, seed_int).map_err(|e| lost(&e))?;
    let before = Side { fingerprint: report.fingerprint.clone(), check: before_check, sizes: Sizes::of(&doc, started) };
    if let Some(p) = opts.progress {
        p(Progress::Target(&before.check));
    }
    let mut judge = judge::Judge::new(&origin, target.clone(), opts.jobs, opts.max_runs, opts.progress);
    if !judge.verify(&doc.text()) {
        return Err(lost("with its seed and ids written in, the file no longer fails the same way"));
    }
    let processes = s.spec.random_faults.len();
    let scripted = if opts.keep_random { None } else { materialise::materialise(&doc, s, seed, &faults) };
    let (doc, random) = match scripted {
        None if processes == 0 => (doc, RandomFaults::None),
        None => (doc, RandomFaults::Kept { processes, faults: started, asked: true }),
        Some(m) => {
            let renamed = Target { fault: target.fault.as_ref().map(|f| m.renamed.get(f).cloned().unwrap_or(f.clone())), ..target.clone() };
            judge.retarget(renamed);
            if judge.verify(&m.doc.text()) {
                (m.doc, RandomFaults::Scripted { processes, faults: m.renamed.len() })
            } else {
                judge.retarget(target.clone());
                (doc, RandomFaults::Kept { processes, faults: started, asked: false })
            }
        }
    };
    if let Some(p) = opts.progress {
        p(Progress::Random(&random));
    }
    // From here on, the faults keep how the network reacted to them (see `judge`).
    judge.require(judge::reactions(&origin, &doc.text()));
    let earliest = warm_up(&doc, &origin).as_nanos();
    let tail = (!target.measured).then(|| never_window(&target, &faults, s.duration)).flatten();
    let mut sh = passes::Shrinker { doc, judge, accepted: 0, earliest, tail };
    let mut rounds = 0;
    while !sh.judge.exhausted {
        rounds += 1;
        if !sh.round() {
            break;
        }
    }
    let body = sh.doc.text();
    let target = sh.judge.target().clone();
    let remaining = faults_started(&sh.doc, &origin, &body)?;
    let after = side(&origin, &body, &target, Sizes::of(&sh.doc, remaining)).ok_or_else(|| lost("the shrunk file does not fail"))?;
    let mut shrunk = Shrunk {
        origin: origin.clone(),
        library: matches!(s.source.origin, crate::Origin::Library(_)),
        scenario: s.name.clone(),
        seed,
        target,
        before,
        after,
        random,
        candidates: sh.judge.candidates,
        invalid: sh.judge.invalid,
        accepted: sh.accepted,
        rounds,
        max_runs: opts.max_runs,
        budget_exhausted: sh.judge.exhausted,
        executed: sh.judge.executed,
        smaller: sh.accepted > 0,
        text: String::new(),
    };
    shrunk.text = render::file(&shrunk, &body, opts);
    // The file as written must replay the failure (the header is comments only).
    match side(&shrunk.origin, &shrunk.text, &shrunk.target, shrunk.after.sizes.clone()) {
        Some(v) if v.fingerprint == shrunk.after.fingerprint => Ok(shrunk),
        _ => Err(lost("the written file does not replay the shrunk run")),
    }
}

/// The text with the run's seed and every default id written in, so removing a table
/// renumbers nothing and the file replays without `--seed`.
fn normalise(text: &str, seed: i64) -> Result<Doc, String> {
    let mut doc = Doc::parse(text)?;
    for (kind, prefix) in [(Kind::Fault, "f"), (Kind::RandomFaults, "r")] {
        for i in 0..doc.len(kind) {
            if let Some(t) = doc.table_mut(kind, i)
                && !t.contains_key("id")
            {
                set_value(t, "id", format!("{prefix}{}", i + 1));
                doc.key_first(kind, i, "id");
            }
        }
    }
    let scenario = doc.top_mut("scenario").ok_or("no [scenario] table")?;
    set_value(scenario, "seed", seed);
    Ok(doc)
}

/// When the traffic has warmed up: the first moment every traffic group carries 95 % of what
/// its path allows (its `ideal` rate), in a run of `doc` without any fault. Faults are not
/// moved earlier than this: in the flows' start-up the throughput is low anyway, and a
/// fault there would "fail" an expectation for a reason that has nothing to do with it.
/// A group that never gets there is left out; without traffic it is 0.
fn warm_up(doc: &Doc, origin: &str) -> SimDuration {
    let faults: std::collections::BTreeSet<edit::Unit> = doc.units(Kind::Fault).into_iter().chain(doc.units(Kind::RandomFaults)).collect();
    let Some(quiet) = doc.without(&faults) else { return SimDuration::ZERO };
    let Ok(s) = crate::load_str(origin, &quiet.text()) else { return SimDuration::ZERO };
    let Ok(mut sim) = crate::prepare(&s, s.seed, SimOptions::default()) else { return SimDuration::ZERO };
    sim.run();
    let warm = (0..s.spec.traffic.len()).filter_map(|g| {
        let line = sim.group_timeline(sim_core::model::GroupId(g as u32));
        line.iter().find(|p| p.2 > 0 && u128::from(p.1) * 100 >= u128::from(p.2) * 95).map(|p| p.0.as_nanos())
    });
    SimDuration(warm.max().unwrap_or(0).div_ceil(TIME_STEP) * TIME_STEP)
}

/// How long the original run went on after the start of the fault a "never" failure is
/// about: the target's fault, or else the last fault to start.
fn never_window(target: &Target, faults: &[sim_core::FaultView], duration: SimDuration) -> Option<u64> {
    let start = match &target.fault {
        Some(id) => faults.iter().find(|f| &f.id == id)?.start?,
        None => faults.iter().filter_map(|f| f.start).max()?,
    };
    Some(duration.as_nanos().saturating_sub(start.as_nanos()))
}

/// Faults random processes started in a run of `text` (0 when none are left).
fn faults_started(doc: &Doc, origin: &str, text: &str) -> Result<usize, ShrinkError> {
    if doc.len(Kind::RandomFaults) == 0 {
        return Ok(0);
    }
    let s = crate::load_str(origin, text).map_err(|e| ShrinkError::Lost(e.to_string()))?;
    let mut sim = crate::prepare(&s, s.seed, SimOptions::default()).map_err(|e| ShrinkError::Lost(e.to_string()))?;
    sim.run();
    Ok(sim.fault_list().iter().filter(|f| f.id.contains('#')).count())
}

/// A run of `text`, if it fails `target`.
fn side(origin: &str, text: &str, target: &Target, sizes: Sizes) -> Option<Side> {
    let s = crate::load_str(origin, text).ok()?;
    let o = crate::run(&s, s.seed, SimOptions::default()).ok()?;
    let check = target.find(&o.checks)?.clone();
    Some(Side { fingerprint: o.report.fingerprint, check, sizes })
}

/// The ids of the faults a shrunk text keeps (for tests and messages).
pub fn fault_ids(text: &str) -> Vec<String> {
    Doc::parse(text).map(|d| passes::fault_ids(&d)).unwrap_or_default()
}
