//! A fault injected by hand at time t is the same run as a file that scripts it `at = t`:
//! the TUI's record-and-replay depends on it.

use sim_core::presets::one_quad;
use sim_core::spec::*;
use sim_core::*;

#[test]
fn injected_fault_replays_as_a_scripted_fault_with_the_same_fingerprint() {
    let base = one_quad(10_000_000_000, 32, Some(6_000_000_000), SimDuration::from_secs(60));
    let t_cut = SimTime::from_millis(12_345);
    let t_fix = SimTime::from_millis(31_000);

    let mut live = Simulation::new(Model::build(&base).expect("valid"), 9, SimOptions::default());
    live.run_until(t_cut);
    let id = live.inject("manual-1", "ash/ch2", FaultAction::Down, None).expect("valid target");
    live.run_until(t_fix);
    live.repair(id);
    live.run();

    let mut scripted = base.clone();
    scripted.faults.push(FaultSpec {
        id: "manual-1".into(),
        target: "ash/ch2".into(),
        action: FaultAction::Down,
        trigger: Trigger::At(t_cut),
        duration: Some(t_fix - t_cut),
    });
    let mut replay = Simulation::new(Model::build(&scripted).expect("valid"), 9, SimOptions::default());
    replay.run();
    let (a, b) = (live.report(), replay.report());
    // The scripted run has two more events (the fault's start and end); nothing else differs.
    assert_eq!(a.events + 2, b.events);
    assert_eq!(a.fingerprint, b.fingerprint);
    assert_eq!(a.faults, b.faults);
    assert_eq!(a.traffic, b.traffic);
}

#[test]
fn injecting_on_an_unknown_element_is_a_typed_error_with_a_suggestion() {
    let base = one_quad(10_000_000_000, 4, None, SimDuration::from_secs(10));
    let mut sim = Simulation::new(Model::build(&base).expect("valid"), 1, SimOptions::default());
    let err = sim.inject("x", "ash/ch9", FaultAction::Down, None).expect_err("unknown");
    assert!(err.to_string().contains("did you mean `ash/ch1`") || err.to_string().contains("did you mean"), "{err}");
}
