//! What the cargo-fuzz target `scenario` (`fuzz/fuzz_targets/scenario.rs`) does with one
//! input, kept here so that the stable test `scenarios/tests/fuzz_corpus.rs` replays the
//! committed corpus and every regression through exactly the same code.
//!
//! One input: the bytes are decoded and loaded as a scenario file the way the CLI loads one;
//! a file that compiles is run at fluid fidelity for at most [`MAX_SIMULATED`] of simulated
//! time under a small budget ([`MAX_MEMORY`], [`MAX_EVENTS`]), judged, described and
//! serialised as `run --json` would. Nothing here may panic, whatever the bytes: a panic,
//! an abort, a run past the fuzzer's `-rss_limit_mb` or `-timeout` is a finding.
//!
//! Not part of the crate's API (hidden from its docs); the fuzz target and the replay test
//! are its only callers.

use std::sync::Once;

use sim_core::spec::Fidelity;
use sim_core::{SimDuration, SimOptions, SimTime};

use crate::budget::{Budget, set_budget};

/// The memory budget a fuzzed scenario compiles under: compile refuses a file whose estimate
/// is above it, so the fuzzer spends its time on what a run does, not on allocating.
pub const MAX_MEMORY: u64 = 256 << 20;
/// The event budget of one fuzzed run (a few hundred milliseconds of one core in release).
pub const MAX_EVENTS: u64 = 2_000_000;
/// How much simulated time a fuzzed run covers at most; the rest of a longer file is not run.
pub const MAX_SIMULATED: SimDuration = SimDuration::from_secs(60);

/// How far one input got, for the replay test's tally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reached {
    /// The bytes are not UTF-8 (the CLI reports the first bad byte's position).
    NotUtf8,
    /// The loader rejected the text with a diagnostic.
    Rejected,
    /// The scenario compiled but its fluid-only copy did not build (it should always).
    NotBuilt,
    /// The run stopped at a budget before its (capped) end.
    Stopped,
    /// The run reached its (capped) end.
    Ran,
}

static BUDGET: Once = Once::new();

/// Loads, runs and judges `data` as a scenario file; see the module docs.
///
/// Sets the process-wide budget (`budget::set_budget`) on its first call: only a process
/// that runs nothing else may call it (the fuzz target, a test binary of its own).
pub fn exercise(data: &[u8]) -> Reached {
    BUDGET.call_once(|| {
        set_budget(Budget {
            max_memory: MAX_MEMORY,
            source: "the fuzz target's budget of 256 MiB".to_string(),
            max_events: Some(MAX_EVENTS),
        });
    });
    // The loader the CLI reads files with: a located error for bytes that are not UTF-8.
    let Ok(text) = crate::decode("fuzz-input.toml", data.to_vec()) else { return Reached::NotUtf8 };
    let Ok(mut scenario) = crate::load_str("fuzz-input.toml", &text) else { return Reached::Rejected };
    let _ = scenario.documented_verdict();
    let _ = crate::describe(&scenario);
    // Packet fidelity runs real TCP stacks, a thousand times slower per simulated second;
    // the fuzzer explores the model and the compiler, so every group runs fluid.
    for t in &mut scenario.spec.traffic {
        t.fidelity = Fidelity::Fluid;
    }
    let Ok(mut sim) = crate::prepare(&scenario, scenario.seed, SimOptions::default()) else { return Reached::NotBuilt };
    // Stopping early rather than shortening the file keeps its faults valid (a fault must
    // start before the end of the run).
    let until = sim.end().min(SimTime::ZERO + MAX_SIMULATED);
    let stop = crate::run_bounded(&scenario, &mut sim, until, &mut |_| None);
    let report = sim.report();
    let (verdict, checks) = crate::evaluate_bounded(&scenario, &report, stop.as_ref());
    let _ = sim.fingerprint();
    let outcome = crate::Outcome { report, verdict, checks };
    let _ = serde_json::to_writer(std::io::sink(), &outcome);
    if stop.is_some() { Reached::Stopped } else { Reached::Ran }
}
