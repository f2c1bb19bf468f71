//! Runs one scenario to an `Outcome`: the simulation (with a progress bar on a terminal),
//! the verdict, and the data the output formats need.

use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use scenarios::Scenario;
use sim_core::{SimOptions, Simulation};

use crate::outcome::{Outcome, Series};

#[derive(Clone, Copy, Debug, Default)]
pub struct RunOpts {
    pub keep_trace: bool,
    pub progress: bool,
}

/// How the CLI names a scenario on a `reproduce:` line.
pub fn origin(s: &Scenario) -> String {
    s.source.display_name()
}

pub fn run(s: &Scenario, seed: u64, opts: RunOpts) -> anyhow::Result<Outcome> {
    let start = Instant::now();
    let mut sim = scenarios::prepare(s, seed, SimOptions { keep_trace: opts.keep_trace, ..SimOptions::default() })?;
    let end = sim.end();
    // Progress only on a terminal: indicatif draws nothing when stderr is not one.
    let bar = if opts.progress { ProgressBar::new(1000) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {percent}% sim {prefix}").unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(s.name.clone());
    let deadline = crate::limits::timeout().map(|d| (start + d, d.as_secs_f64()));
    // One bounded run to the end, polled between chunks of events: a signal stops it (the
    // caller writes nothing and exits 130/143), a wall-clock timeout stops it inconclusive.
    // A stop between chunks lands on an instant boundary, the same one `--max-events` with
    // the events run stops at, so every stopped run can be replayed exactly.
    let mut poll = |sim: &Simulation| {
        let done = u128::from(sim.now().as_nanos()) * 1000 / u128::from(end.as_nanos().max(1));
        bar.set_position(done as u64);
        bar.set_prefix(format!("{}", sim.now()));
        if let Some(sig) = crate::interrupt::received() {
            return Some(scenarios::Exhausted::Signal { name: sig.name() });
        }
        match deadline {
            Some((at, limit_s)) if Instant::now() >= at => Some(scenarios::Exhausted::Wall { limit_s }),
            _ => None,
        }
    };
    let stop = scenarios::run_bounded(s, &mut sim, end, &mut poll);
    if let Some(sig) = crate::interrupt::received() {
        bar.finish_and_clear();
        return Err(crate::interrupt::Interrupted(sig).into());
    }
    bar.finish_and_clear();
    let mut o = outcome(s, seed, &sim, opts.keep_trace, start.elapsed().as_secs_f64());
    if let Some(stop) = stop {
        let (verdict, checks) = scenarios::evaluate_bounded(s, &o.report, Some(&stop));
        o.verdict = verdict;
        o.checks = checks;
        o.stop = Some(stop);
    }
    Ok(o)
}

/// The outcome of a simulation that has run (to its end, or where a live session stopped).
pub fn outcome(s: &Scenario, seed: u64, sim: &Simulation, keep_trace: bool, wall_s: f64) -> Outcome {
    let report = sim.report();
    let (verdict, checks) = scenarios::evaluate(s, &report);
    let series = s
        .spec
        .traffic
        .iter()
        .enumerate()
        .map(|(g, t)| Series {
            id: t.id.clone(),
            points: sim.group_timeline(sim_core::model::GroupId(g as u32)).iter().map(|p| (p.0.as_secs_f64(), p.1 as f64)).collect(),
        })
        .collect();
    let trace = keep_trace.then(|| {
        // The first line says which binary, scenario and seed wrote the records after it.
        let header = serde_json::json!({
            "type": "header",
            "faultline": crate::version::json(),
            "scenario": s.name,
            "origin": origin(s),
            "seed": seed,
            "fingerprint": report.fingerprint,
        })
        .to_string();
        std::iter::once(header).chain(sim.trace().records().iter().map(|r| crate::trace::record(sim, r).to_string())).collect()
    });
    let sla = scenarios::sla::account(&s.sla, &report);
    Outcome {
        scenario: s.name.clone(),
        origin: origin(s),
        seed,
        sla,
        report,
        verdict,
        checks,
        wall_s,
        series,
        trace,
        extra_args: String::new(),
        stop: None,
        budget: crate::outcome::BudgetUse::of(s),
        warnings: s.warnings.iter().map(|w| format!("{}:{}:{}: {}", w.origin, w.line, w.column, w.message)).collect(),
    }
}
