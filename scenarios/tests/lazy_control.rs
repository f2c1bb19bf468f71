//! Lazy control packets are an execution strategy: over the whole library, a lazy run and a
//! per-packet run give the same fingerprint, the same trace and the same JSON outcome
//! (report, verdict, checks), run in one go, in slices, and stopped by an event budget.
//! The random-schedule property is `p5` in `metamorphic.rs`.
//!
//! Run: `cargo test --release -p scenarios --test lazy_control -- --nocapture`

#[path = "support/budget_stops.rs"]
mod budget_stops;

use scenarios::Scenario;
use sim_core::{ControlMode, Model, SimOptions, SimTime, Simulation};

/// Too large for a test: measured by hand and by `cargo bench --bench scale -- lazy`.
const SKIP: &[&str] = &["bench-scale"];

fn sim(s: &Scenario, control: ControlMode) -> Simulation {
    let model = Model::build(&s.spec).unwrap_or_else(|e| panic!("{}: {e}", s.name));
    Simulation::new(model, s.seed, SimOptions { keep_trace: true, control })
}

fn outcome_json(s: &Scenario, control: ControlMode) -> String {
    let o = scenarios::run(s, s.seed, SimOptions { control, ..SimOptions::default() }).unwrap_or_else(|e| panic!("{}: {e}", s.name));
    serde_json::to_string_pretty(&o).expect("serializes")
}

/// The first line where two texts differ, for a readable failure.
fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}: per-packet `{x}`, lazy `{y}`", i + 1);
        }
    }
    format!("lengths {} and {} lines", a.lines().count(), b.lines().count())
}

fn check(s: &Scenario) -> Result<(), String> {
    let (a, b) = (outcome_json(s, ControlMode::PerPacket), outcome_json(s, ControlMode::Lazy));
    if a != b {
        return Err(format!("outcomes differ: {}", first_difference(&a, &b)));
    }
    // In slices (TUI-like reads of the event count between them), keeping the trace.
    let end = SimTime::ZERO + s.duration;
    let mut per_packet = sim(s, ControlMode::PerPacket);
    per_packet.run();
    let mut lazy = sim(s, ControlMode::Lazy);
    for k in 1..=13u64 {
        lazy.run_until(SimTime(end.as_nanos() / 13 * k - k));
        let _ = lazy.events();
    }
    lazy.run();
    if per_packet.trace().records() != lazy.trace().records() {
        return Err("traces differ when the lazy run is sliced".into());
    }
    if per_packet.report() != lazy.report() {
        return Err("reports differ when the lazy run is sliced".into());
    }
    // Stopped by an event budget: the same instant, events and fingerprint.
    let events = per_packet.events();
    for max in [events / 7 + 1, events / 2 + 3, events.saturating_sub(5).max(1)] {
        budget_stops::agree(|c| sim(s, c), end, max)?;
    }
    Ok(())
}

#[test]
fn lazy_and_per_packet_runs_of_the_library_are_identical() {
    let mut failures = Vec::new();
    let mut n = 0;
    for e in scenarios::library().iter().filter(|e| !SKIP.contains(&e.name)) {
        let s = scenarios::load_library(e.name).unwrap_or_else(|err| panic!("{}: {err}", e.name));
        n += 1;
        if let Err(why) = check(&s) {
            failures.push(format!("{}: {why}", e.name));
        }
    }
    assert!(n > 30, "the library has {n} scenarios");
    assert!(failures.is_empty(), "{} of {n} scenarios differ:\n{}", failures.len(), failures.join("\n"));
}
