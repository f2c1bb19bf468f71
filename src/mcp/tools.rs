//! What each tool does, as plain functions of their parameters (no protocol types): each
//! returns a [`Reply`] or the error text the caller reads, the same text the CLI prints.
//! They run on a blocking thread, one request each, under the process's budgets.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::input::{Root, ScenarioArg, TEXT_ORIGIN, check_size};
use crate::runner::RunOpts;
use crate::sweep::plan::Plan;
use crate::sweep::summary::Collector;

/// A tool's answer: text for a person, and the JSON a program reads.
pub struct Reply {
    pub text: Vec<String>,
    pub json: Option<Value>,
}

impl Reply {
    fn new(text: String, json: Value) -> Reply {
        Reply { text: vec![text], json: Some(json) }
    }
}

pub type Answer = Result<Reply, String>;

/// The most seeds one `sweep` call runs (100 points × 1,000 seeds).
pub const MAX_SWEEP_RUNS: u64 = 100_000;
/// A sweep's wall budget when the call gives none: seeds not started by then are listed
/// as unrun and the sweep is inconclusive, as with `faultline sweep --budget`.
pub const DEFAULT_SWEEP_BUDGET: &str = "5m";
/// Candidates a `shrink` call judges when it asks for no number, and at most.
pub const DEFAULT_SHRINK_RUNS: u64 = 500;
pub const MAX_SHRINK_RUNS: u64 = 2000;

pub fn list() -> Answer {
    let lib = scenarios::library();
    let mut text = String::new();
    let rows: Vec<Value> = lib
        .iter()
        .map(|e| {
            let summary = scenarios::load_library(e.name).map(|s| s.summary).unwrap_or_default();
            text.push_str(&format!("{:<40} {summary}\n", e.name));
            json!({
                "name": e.name,
                "uri": format!("faultline://scenarios/{}", e.name),
                "summary": summary,
                "expect": scenarios::documented_verdict(e.text).map(scenarios::Verdict::name),
                "flagship": e.name == scenarios::FLAGSHIP,
            })
        })
        .collect();
    Ok(Reply::new(text, json!({ "faultline": crate::version::json(), "scenarios": rows })))
}

fn warnings(s: &scenarios::Scenario) -> Vec<String> {
    s.warnings.iter().map(|w| w.to_string()).collect()
}

pub fn show(a: &ScenarioArg, root: &Root) -> Answer {
    let s = a.load(root)?;
    let text = scenarios::describe(&s);
    let spec = serde_json::to_value(&s.spec).map_err(|e| format!("the compiled scenario did not serialise: {e}"))?;
    Ok(Reply::new(
        text,
        json!({
            "name": s.name,
            "summary": s.summary,
            "seed": s.seed,
            "duration_s": s.duration.as_secs_f64(),
            "warnings": warnings(&s),
            "spec": spec,
        }),
    ))
}

pub fn validate(a: &ScenarioArg, root: &Root) -> Answer {
    let s = a.load(root)?;
    let w = warnings(&s);
    let mut text = format!("valid: {} ({})\n", s.name, s.summary);
    for line in &w {
        text.push_str(&format!("warning: {line}\n"));
    }
    Ok(Reply::new(text, json!({ "valid": true, "name": s.name, "summary": s.summary, "warnings": w })))
}

/// `run`'s parameters.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RunParams {
    #[serde(flatten)]
    pub scenario: ScenarioArg,
    /// The seed (default: the scenario's own).
    #[serde(default)]
    pub seed: Option<u64>,
}

/// How a run that was handed text or edited by `set` can be replayed: its text.
fn replay_note(a: &ScenarioArg, s: &scenarios::Scenario) -> Option<String> {
    (a.scenario_toml.is_some() || !a.set.is_empty()).then(|| {
        format!(
            "The scenario ran from text ({}): save the TOML below as a file and replace the name on the reproduce line with it.\n\n{}",
            if a.set.is_empty() { TEXT_ORIGIN.to_string() } else { format!("with set {}", a.set.join(", ")) },
            s.source.text
        )
    })
}

pub fn run(p: &RunParams, root: &Root) -> Answer {
    let s = p.scenario.load(root)?;
    let o = outcome(&s, p.seed)?;
    let mut reply = Reply::new(crate::human::summary(&o), crate::json::run(&o));
    reply.text.extend(replay_note(&p.scenario, &s));
    Ok(reply)
}

fn outcome(s: &scenarios::Scenario, seed: Option<u64>) -> Result<crate::outcome::Outcome, String> {
    crate::runner::run(s, seed.unwrap_or(s.seed), RunOpts { keep_trace: false, progress: false })
        .map_err(|e| format!("{}: {e:#}", s.source.display_name()))
}

/// `explain`'s parameters.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ExplainParams {
    #[serde(flatten)]
    pub scenario: ScenarioArg,
    /// The seed (default: the scenario's own).
    #[serde(default)]
    pub seed: Option<u64>,
    /// One fault's id (default: every fault of the run, in order).
    #[serde(default)]
    pub fault: Option<String>,
}

pub fn explain(p: &ExplainParams, root: &Root) -> Answer {
    let s = p.scenario.load(root)?;
    let o = outcome(&s, p.seed)?;
    let text = super::explain::explain(&o, &s, p.fault.as_deref())?;
    let j = crate::json::run(&o);
    Ok(Reply::new(
        text,
        json!({ "scenario": o.scenario, "seed": o.seed, "fingerprint": o.report.fingerprint, "verdict": o.verdict.name(), "reproduce": o.reproduce(), "faults": j["faults"] }),
    ))
}

/// `sweep`'s parameters.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SweepParams {
    #[serde(flatten)]
    pub scenario: ScenarioArg,
    /// Seeds to run: `A..B` (end exclusive) or `A..=B` (default `1..=20`).
    #[serde(default)]
    pub seeds: Option<String>,
    /// Sweep an assumption too, as `faultline sweep --vary`: `KEY=A..B:N` (N values from A
    /// to B) or `KEY=v1,v2,v3`, e.g. `bfd.interval=100ms..1s:4`.
    #[serde(default)]
    pub vary: Option<String>,
    /// Stop starting seeds after this much wall time (default `5m`); the rest are listed as
    /// unrun and the sweep is inconclusive.
    #[serde(default)]
    pub budget: Option<String>,
}

/// Runs the sweep, telling `progress` (runs done, runs in all) after each run; when it
/// answers false (the call or task was cancelled) no further run starts.
pub fn sweep(p: &SweepParams, root: &Root, jobs: usize, progress: &(dyn Fn(u64, u64) -> bool + Sync)) -> Answer {
    let base = p.scenario.load(root)?;
    let seeds = crate::sweep::parse_seeds(p.seeds.as_deref().unwrap_or("1..=20")).map_err(|e| e.replace("--seeds", "seeds"))?;
    let vary = p.vary.as_deref().map(crate::vary::parse).transpose().map_err(|e| e.replace("--vary", "vary"))?;
    if vary.as_ref().is_some_and(|v| v.values.is_empty()) {
        return Err("vary gives no value".into());
    }
    let budget =
        crate::sweep::parse_budget(p.budget.as_deref().unwrap_or(DEFAULT_SWEEP_BUDGET)).map_err(|e| e.replace("--budget", "budget"))?;
    let plan = Plan::new(base, vary, seeds).map_err(|e| e.to_string())?;
    let runs = plan.runs();
    if runs > MAX_SWEEP_RUNS {
        return Err(format!(
            "{runs} runs (points × seeds) is above the {MAX_SWEEP_RUNS} one sweep call may ask for: split the seeds over several calls"
        ));
    }
    let budget_mem = crate::limits::memory_budget();
    let per_sim = plan.points.iter().map(|pt| sim_core::budget::Estimate::of(&pt.scenario.spec).bytes()).max().unwrap_or(0);
    let sims = per_sim.saturating_mul(jobs as u64);
    if sims > budget_mem {
        return Err(format!(
            "{jobs} runs at once x {} each (the scenario's estimate) is above the memory budget of {} (start the server with a larger --max-memory)",
            scenarios::units::approx_bytes(per_sim),
            scenarios::units::approx_bytes(budget_mem)
        ));
    }
    crate::sweep::memory::check(&plan, &(0..runs), "seeds", budget_mem - sims)?;
    let start = std::time::Instant::now();
    let mut collector = Collector::new(&plan);
    let mut done = 0u64;
    let ran = crate::sweep::engine::run(&plan, 0..runs, jobs, Some(budget), |r| {
        collector.add(&r);
        done += 1;
        if progress(done, runs) { Ok(()) } else { Err(anyhow::anyhow!("the sweep was cancelled after {done} of {runs} runs")) }
    })
    .map_err(|e| format!("{e:#}"))?;
    let unrun = if ran.unrun.is_empty() { Vec::new() } else { vec![ran.unrun] };
    let report = collector.finish(&plan, 0..runs, &unrun, None, jobs, start.elapsed().as_secs_f64());
    Ok(Reply::new(report.human(), report.json()))
}

/// `shrink`'s parameters.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ShrinkParams {
    #[serde(flatten)]
    pub scenario: ScenarioArg,
    /// The seed of the failing run (default: the scenario's own).
    #[serde(default)]
    pub seed: Option<u64>,
    /// The expectation to preserve (an `[expect]` key that fails; default: the first).
    #[serde(default)]
    pub expect: Option<String>,
    /// Candidates to judge at most (default 500, at most 2000); the smallest failing
    /// scenario found so far is returned.
    #[serde(default)]
    pub max_runs: Option<u64>,
}

pub fn shrink(p: &ShrinkParams, root: &Root, jobs: usize) -> Answer {
    let s = p.scenario.load(root)?;
    let max_runs = p.max_runs.unwrap_or(DEFAULT_SHRINK_RUNS);
    if !(1..=MAX_SHRINK_RUNS).contains(&max_runs) {
        return Err(format!("max_runs {max_runs}: give 1 to {MAX_SHRINK_RUNS}"));
    }
    let seed = p.seed.unwrap_or(s.seed);
    let opts = scenarios::shrink::Options {
        expect: p.expect.clone(),
        keep_random: false,
        max_runs,
        jobs,
        made_by: crate::version::tag(),
        output_name: None,
        progress: None,
    };
    let sh = scenarios::shrink::shrink(&s, seed, &opts).map_err(|e| format!("{}: {e}", s.source.display_name()))?;
    let code = if sh.smaller { 0 } else { 2 };
    let summary = crate::shrink_cmd::summary(&sh, None);
    let j = crate::shrink_cmd::to_json(&sh, None, code);
    Ok(Reply { text: vec![summary, sh.text.clone()], json: Some(j) })
}

/// `import`'s parameters.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ImportParams {
    /// The text of `terraform show -json` (a plan or a state).
    #[serde(default)]
    pub plan_json: Option<String>,
    /// Or that JSON's file, relative to the server's `--root`.
    #[serde(default)]
    pub path: Option<String>,
}

pub fn import(p: &ImportParams, root: &Root) -> Answer {
    let (text, source) = match (&p.plan_json, &p.path) {
        (Some(t), None) => {
            check_size("plan_json", t)?;
            (t.clone(), "<plan_json>".to_string())
        }
        (None, Some(path)) => (root.read(path)?, path.clone()),
        (None, None) => {
            return Err("give `plan_json` (the text of `terraform show -json`) or `path` (its file under the server's root)".into());
        }
        _ => return Err("give only one of `plan_json` and `path`".into()),
    };
    let imported = crate::import::terraform_to_scenario(&text, &source).map_err(|e| e.to_string())?;
    let mut text = imported.toml.clone();
    if !imported.unmodelled.is_empty() {
        text.push_str(&format!("\n# not modelled: {}\n", imported.unmodelled.join(", ")));
    }
    Ok(Reply::new(text, json!({ "toml": imported.toml, "unmodelled": imported.unmodelled })))
}
