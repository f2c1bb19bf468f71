//! Issue 12's scale cases through the real binary, each under a 2 GiB address-space cap
//! (`prlimit --as`), so that running out of memory fails the test instead of the machine:
//! 4,000-long `after` chains of faults and of runbook steps validate (they took 75 s and
//! 40 s, cubic in the chain), chains that end in a loop still report the loop exactly, and
//! one group of a million flows through a cut runs to its verdict (it took 58 s, n^1.9), and
//! random faults on 120 channels run to their end. No timing is asserted here; `cargo bench --bench scale` measures the growth.

mod common;

use std::process::Output;

use common::{faultline, have, root};

/// 2 GiB of address space.
const CAP: &str = "--as=2147483648";

/// `faultline ARGS…` under the memory cap.
fn capped(args: &[&str]) -> Output {
    let bin = env!("CARGO_BIN_EXE_faultline");
    let mut all = vec![CAP, "--", bin];
    all.extend_from_slice(args);
    std::process::Command::new("prlimit").args(&all).current_dir(root()).output().expect("prlimit runs")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn after_chains_of_4000_faults_and_steps_validate_and_run() {
    if !have("after_chains_of_4000_faults_and_steps_validate_and_run", &["prlimit"]) {
        return;
    }
    for (file, name, verdict, code) in [
        ("validate-75s-fault-after-chain-4000.toml", "chain", "fail", 1),
        ("validate-40s-runbook-after-chain-4000.toml", "steps", "pass", 0),
    ] {
        let path = format!("tests/fixtures/hardening/{file}");
        let o = capped(&["validate", &path]);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(0), "validate {file}: {out}{err}");
        assert!(out.contains("1 scenario: 1 valid, 0 invalid"), "validate {file}: {out}");
        // The run resolves every `after` at run time too: the chain's faults (or steps) all
        // act, and the verdict is the file's.
        let o = capped(&["run", "-q", &path]);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(code), "run {file}: {out}{err}");
        assert!(out.starts_with(&format!("{name}: {verdict} (seed 1, fingerprint ")), "run {file}: {out}");
    }
}

/// The message names the first table whose chain reaches the loop and walks it from there:
/// 1,000 `d` tables each wait for the next, and the last three wait in a ring.
#[test]
fn chains_that_end_in_a_loop_report_the_walk_into_it() {
    if !have("chains_that_end_in_a_loop_report_the_walk_into_it", &["prlimit"]) {
        return;
    }
    for (file, what, prefix, line) in [
        ("validate-fault-chain-into-loop.toml", "faults form a loop of `after` triggers: ", "d", 7024),
        ("validate-runbook-chain-into-loop.toml", "runbook steps form a loop: ", "r", 5024),
    ] {
        let path = format!("tests/fixtures/hardening/{file}");
        let o = capped(&["validate", &path]);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(3), "{file}: {out}{err}");
        let walk: Vec<String> = (0..1000).map(|i| format!("{prefix}{i}")).chain([format!("{prefix}997")]).collect();
        let expected = format!("{what}{}", walk.join(" -> "));
        let first = err.lines().next().unwrap_or_default();
        assert_eq!(first, format!("error: {expected}"), "{file}: {err}");
        assert!(err.contains(&format!("{path}:{line}:9")), "{file}: the error points at the first `after` of the loop's walk\n{err}");
    }
}

/// The filed million-flow case itself: about 9 s and 770 MB in release after the fix (58 s
/// before); `cargo bench --bench scale` times the growth.
#[test]
fn one_group_of_a_million_flows_through_a_cut_runs_to_its_verdict() {
    if !have("one_group_of_a_million_flows_through_a_cut_runs_to_its_verdict", &["prlimit"]) {
        return;
    }
    let path = "tests/fixtures/hardening/run-60s-flows-1000000.toml";
    let filed = std::fs::read_to_string(root().join(path)).expect("the fixture is there");
    assert!(filed.contains("flows = 1000000"), "the filed case has a million flows");
    let o = capped(&["run", "-q", path]);
    let (out, err) = text(&o);
    // A verdict, not a signal: pass (the group keeps well above 1 % through the cut).
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.starts_with("groups: pass (seed 1, fingerprint "), "{out}");
}

/// The filed 120-channel file with random faults at an MTBF of 1 s ran for minutes; it now
/// runs to its end (about 7.5 s, 4.5 M events) under the cap, and fails its expectations
/// with a verdict rather than running on.
#[test]
fn random_faults_on_120_channels_run_to_their_verdict() {
    if !have("random_faults_on_120_channels_run_to_their_verdict", &["prlimit"]) {
        return;
    }
    let o = capped(&["run", "-q", "tests/fixtures/hardening/run-120s-random-faults-120ch.toml"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(out.starts_with("ics: fail (seed 1, fingerprint 7ded1ea0d6a32a9c)"), "{out}{err}");
}

/// The same binary, uncapped, is what the capped runs compare with: `faultline` itself
/// starts under the cap (a cap too small for the binary would fail every test above for a
/// reason that is not theirs).
#[test]
fn the_binary_starts_under_the_cap() {
    if !have("the_binary_starts_under_the_cap", &["prlimit"]) {
        return;
    }
    let o = capped(&["--version"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert_eq!(o.stdout, faultline(&["--version"]).stdout);
}
