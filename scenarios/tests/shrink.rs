//! `scenarios::shrink`: what a shrink keeps and removes, that its result replays the same
//! failure, and that it is deterministic (for any number of worker threads). The fixtures
//! are in `tests/fixtures/shrink/` at the workspace root; the ddmin unit tests (the
//! Zeller-Hildebrandt example) are in `src/shrink/ddmin.rs`.

use std::path::Path;

use scenarios::shrink::{Options, RandomFaults, ShrinkError, Shrunk, fault_ids, shrink};
use scenarios::{Scenario, Verdict};
use sim_core::SimOptions;

fn fixture(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/shrink").join(name);
    scenarios::load_path(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn opts() -> Options<'static> {
    Options { made_by: "faultline test".into(), ..Options::default() }
}

/// The shrunk text, compiled and run under its own seed: the check it fails as the target
/// names it, and the fingerprint.
fn replay(sh: &Shrunk) -> (Verdict, Option<scenarios::Check>, String) {
    let s = scenarios::load_str("shrunk", &sh.text).unwrap_or_else(|e| panic!("the shrunk file is invalid: {e}\n{}", sh.text));
    assert_eq!(s.seed, sh.seed, "the seed is written into the file");
    let o = scenarios::run(&s, s.seed, SimOptions::default()).expect("runs");
    (o.verdict, sh.target.find(&o.checks).cloned(), o.report.fingerprint)
}

#[test]
fn the_hand_written_file_shrinks_to_the_one_cut_that_breaks_recovery() {
    let s = fixture("one-cut-breaks-recovery.toml");
    let sh = shrink(&s, s.seed, &opts()).expect("shrinks");
    assert!(sh.smaller);
    assert_eq!(sh.target.check, "recover_within");
    assert_eq!(sh.target.fault.as_deref(), Some("cut"), "the per-fault check names the cut");
    assert_eq!(fault_ids(&sh.text), ["cut"]);
    let (b, a) = (&sh.before.sizes, &sh.after.sizes);
    assert_eq!((b.faults, b.traffic_groups, b.interconnects, b.vpns, b.alarms, b.runbook_steps, b.expectations), (4, 2, 2, 1, 1, 1, 2));
    assert_eq!((a.faults, a.traffic_groups, a.interconnects, a.vpns, a.alarms, a.runbook_steps, a.expectations), (1, 1, 1, 0, 0, 0, 1));
    assert!(a.duration < b.duration, "{} then {}", b.duration, a.duration);
    let (verdict, check, fingerprint) = replay(&sh);
    assert_eq!(verdict, Verdict::Fail);
    let check = check.expect("the replay fails recover_within on the cut");
    assert!(check.detail.contains("fault `cut`"), "{}", check.detail);
    assert_eq!(fingerprint, sh.after.fingerprint);
    assert!(sh.text.contains("# shrunk by faultline test\n"), "{}", sh.text);
    assert!(sh.text.contains("# expect: fail\n") && !sh.text.contains("expect: pass"));
    assert!(sh.text.contains(&format!("fingerprint {}", sh.before.fingerprint)), "the header names the original");
}

#[test]
fn same_input_same_output_for_any_number_of_threads() {
    let s = fixture("one-cut-breaks-recovery.toml");
    let one = shrink(&s, s.seed, &opts()).expect("shrinks");
    let again = shrink(&s, s.seed, &opts()).expect("shrinks");
    let three = shrink(&s, s.seed, &Options { jobs: 3, ..opts() }).expect("shrinks");
    assert_eq!(one.text, again.text);
    assert_eq!(one.text, three.text, "--jobs changes nothing but the speculative runs");
    assert_eq!((one.candidates, one.accepted), (three.candidates, three.accepted));
    assert!(three.executed >= three.candidates - three.invalid);
}

#[test]
fn a_failure_that_never_recovered_keeps_the_time_it_had() {
    let s = fixture("never-recovers.toml");
    let sh = shrink(&s, s.seed, &opts()).expect("shrinks");
    assert_eq!(fault_ids(&sh.text), ["all-down"]);
    assert!(!sh.target.measured && sh.after.check.measured.is_none());
    // The cut started at 30 s of 120 s: the shrunk run goes on at least 90 s after it.
    let s2 = scenarios::load_str("shrunk", &sh.text).expect("valid");
    let at = s2.spec.faults[0].trigger.clone();
    let sim_core::spec::Trigger::At(at) = at else { panic!("a timed fault") };
    assert!(s2.duration.as_nanos() - at.as_nanos() >= 90_000_000_000, "{} after {at}", s2.duration);
    assert!(sh.text.contains("fault = [\n    { id = \"all-down\""), "the inline array stays inline:\n{}", sh.text);
    assert_eq!(replay(&sh).0, Verdict::Fail);
}

#[test]
fn random_faults_become_scripted_faults_and_shrink() {
    let s = scenarios::load_library("random-chaos").expect("library");
    let sh = shrink(&s, 52, &opts()).expect("seed 52 fails");
    assert_eq!(sh.target.check, "min_throughput");
    let RandomFaults::Scripted { processes, faults } = sh.random else { panic!("{:?}", sh.random) };
    assert_eq!(processes, 2);
    assert_eq!(faults, sh.before.sizes.random_faults_started);
    assert!(sh.after.sizes.faults < faults, "{} of {faults} faults left", sh.after.sizes.faults);
    assert_eq!(sh.after.sizes.random_processes, 0);
    assert!(fault_ids(&sh.text).iter().all(|id| id.starts_with("channel-cuts-") || id.starts_with("router-failures-")));
    assert!(sh.text.contains("# random       2 [[random_faults]] processes started"), "{}", sh.text);
    assert!(!sh.text.contains("(s)") && !sh.text.contains("(es)"), "a `(s)` plural in the header:\n{}", sh.text);
    let (verdict, check, _) = replay(&sh);
    assert_eq!(verdict, Verdict::Fail);
    assert!(check.is_some(), "the replay fails min_throughput");
}

#[test]
fn random_processes_can_be_kept_whole() {
    let s = scenarios::load_library("random-chaos").expect("library");
    let sh = shrink(&s, 52, &Options { keep_random: true, max_runs: 60, ..opts() }).expect("seed 52 fails");
    assert!(matches!(sh.random, RandomFaults::Kept { processes: 2, asked: true, .. }), "{:?}", sh.random);
    assert!(sh.after.sizes.random_processes >= 1 && sh.after.sizes.faults == 0);
    assert!(replay(&sh).1.is_some(), "the replay fails min_throughput");
}

#[test]
fn the_budget_stops_the_search_with_the_best_so_far() {
    let s = fixture("one-cut-breaks-recovery.toml");
    let sh = shrink(&s, s.seed, &Options { max_runs: 8, ..opts() }).expect("shrinks");
    assert!(sh.budget_exhausted);
    assert!(sh.candidates <= 8, "{} candidates", sh.candidates);
    assert!(sh.text.contains("--max-runs 8 ran out"), "{}", sh.text);
    assert!(replay(&sh).1.is_some(), "still fails the same way");
}

#[test]
fn a_file_that_does_not_fail_or_an_expectation_that_holds_is_refused() {
    let pass = scenarios::load_library("channel-cut").expect("library");
    match shrink(&pass, pass.seed, &opts()) {
        Err(ShrinkError::DoesNotFail { verdict: Verdict::Pass, checks }) => assert!(checks.iter().any(|c| c.0 == "recover_within")),
        other => panic!("{other:?}"),
    }
    let s = fixture("one-cut-breaks-recovery.toml");
    match shrink(&s, s.seed, &Options { expect: Some("max_lost_bytes".into()), ..opts() }) {
        Err(e @ ShrinkError::NotFailing { .. }) => {
            assert!(e.to_string().contains("failing: recover_within"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    let named = shrink(&s, s.seed, &Options { expect: Some("recover_within".into()), ..opts() }).expect("fails");
    assert_eq!(named.target.check, "recover_within");
    assert!(matches!(shrink(&s, u64::MAX, &opts()), Err(ShrinkError::Seed(_)) | Err(ShrinkError::DoesNotFail { .. })));
}
