//! One run of a sweep: what its NDJSON line carries and what the summary is built from.

use scenarios::{Scenario, Verdict};
use sim_core::SimOptions;

/// A fault's figures in one run (seconds; `None` when it never happened).
#[derive(Clone, Debug, PartialEq)]
pub struct FaultTimes {
    pub id: String,
    pub kind: String,
    pub target: String,
    pub detect_s: Option<f64>,
    pub converge_s: Option<f64>,
    pub recover_s: Option<f64>,
    pub blackhole_s: f64,
    pub lost_bytes: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SeedResult {
    /// The `--vary` point (0 without one).
    pub point: usize,
    pub seed: u64,
    pub verdict: Verdict,
    pub fingerprint: String,
    pub faults: Vec<FaultTimes>,
    /// The expectations that failed, and those that had nothing to measure.
    pub failed: Vec<String>,
    pub inconclusive: Vec<String>,
}

/// Runs `s` under `seed` and judges it with the same rules as `faultline run`; abandoned
/// (`None`) as soon as `stop` says so, checked before the run starts and between chunks of
/// events (`scenarios::run_bounded`, which runs exactly what `Simulation::run` runs).
pub fn run_one(s: &Scenario, point: usize, seed: u64, stop: &dyn Fn() -> bool) -> anyhow::Result<Option<SeedResult>> {
    if stop() {
        return Ok(None);
    }
    let mut sim = scenarios::prepare(s, seed, SimOptions::default())?;
    let end = sim.end();
    let mut abandoned = false;
    // Held to the same budgets as `faultline run`, `--timeout` per seed included; `stop` is
    // polled between chunks of events.
    let deadline = crate::limits::timeout().map(|d| (std::time::Instant::now() + d, d.as_secs_f64()));
    let budget_stop = scenarios::run_bounded(s, &mut sim, end, &mut |_| {
        abandoned = stop();
        if abandoned {
            return Some(scenarios::Exhausted::Signal { name: "a stop request" });
        }
        match deadline {
            Some((at, limit_s)) if std::time::Instant::now() >= at => Some(scenarios::Exhausted::Wall { limit_s }),
            _ => None,
        }
    });
    if abandoned {
        return Ok(None);
    }
    let report = sim.report();
    let (verdict, checks) = scenarios::evaluate_bounded(s, &report, budget_stop.as_ref());
    let names = |v: Verdict| checks.iter().filter(|c| c.status == v).map(|c| c.name.to_string()).collect();
    Ok(Some(SeedResult {
        point,
        seed,
        verdict,
        fingerprint: report.fingerprint.clone(),
        faults: report
            .faults
            .iter()
            .map(|f| FaultTimes {
                id: f.id.clone(),
                kind: f.kind.to_string(),
                target: f.target.clone(),
                detect_s: f.detect_s,
                converge_s: f.converge_s,
                recover_s: f.recover_s,
                blackhole_s: f.blackhole_s,
                lost_bytes: f.lost_bytes,
            })
            .collect(),
        failed: names(Verdict::Fail),
        inconclusive: names(Verdict::Inconclusive),
    }))
}
