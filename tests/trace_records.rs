//! `run --trace FILE`: every record names its kind, its target and (for flows and groups) its
//! traffic group in words; the README's "Trace records" table lists exactly the fields
//! written; and asking for a trace changes no fingerprint.

mod common;

use std::collections::BTreeSet;

use serde_json::Value;

fn trace(scenario: &str) -> (Value, Vec<Value>) {
    let dir = tempfile::tempdir().expect("well-formed output of the test");
    let path = dir.path().join("t.jsonl");
    let (_, run) = common::run_json(scenario, &["--trace", path.to_str().expect("well-formed output of the test")]);
    let lines = std::fs::read_to_string(&path)
        .expect("well-formed output of the test")
        .lines()
        .map(|l| serde_json::from_str(l).expect("well-formed output of the test"))
        .collect();
    (run, lines)
}

#[test]
fn every_record_names_its_target_and_group() {
    let mut kinds = BTreeSet::new();
    let mut fields = BTreeSet::new();
    for scenario in [
        "facility-power-loss",
        "region-outage-dr",
        "flapping-channel",
        "tests/fixtures/small-cut.toml",
        "tests/fixtures/runbook/shift-to-vpn.toml",
    ] {
        let (run, lines) = trace(scenario);
        let (_, plain) = common::run_json(scenario, &[]);
        assert_eq!(run["fingerprint"], plain["fingerprint"], "{scenario}: a trace changes the fingerprint");
        assert_eq!(lines[0]["type"], "header");
        let groups: BTreeSet<&str> = run["traffic"]
            .as_array()
            .expect("well-formed output of the test")
            .iter()
            .map(|g| g["id"].as_str().expect("well-formed output of the test"))
            .collect();
        for r in &lines[1..] {
            fields.extend(r.as_object().expect("well-formed output of the test").keys().cloned());
            let kind = r["kind"].as_str().expect("well-formed output of the test");
            kinds.insert(kind.to_string());
            let target = r["target"].as_str().unwrap_or_else(|| panic!("{scenario}: no target in {r}"));
            assert!(!target.is_empty() && target != "?", "{scenario}: {r}");
            assert!(!r["detail"].as_str().expect("well-formed output of the test").is_empty(), "{scenario}: {r}");
            let tk = r["target_kind"].as_str().expect("well-formed output of the test");
            if matches!(tk, "flow" | "group") {
                let g = r["group"].as_str().unwrap_or_else(|| panic!("{scenario}: a {kind} record names no group: {r}"));
                assert!(groups.contains(g), "{scenario}: group {g} is not one of {groups:?}");
                assert!(
                    r["text"].as_str().expect("well-formed output of the test").contains(g),
                    "{scenario}: the text names the group: {r}"
                );
            } else {
                assert!(r["group"].is_null(), "{scenario}: {r}");
            }
        }
    }
    for k in ["fault", "link-state", "session-down", "session-up", "fib", "stall", "resume", "group-rate", "alarm", "step", "shift"] {
        assert!(kinds.contains(k), "no {k} record in the sample (have {kinds:?})");
    }
    // The README's table lists every field, and only those.
    let readme = std::fs::read_to_string(common::root().join("README.md")).expect("well-formed output of the test");
    let section = readme.split("### Trace records").nth(1).expect("README has a Trace records section");
    let section = section.split("\n## ").next().expect("well-formed output of the test");
    let documented: BTreeSet<String> =
        section.lines().filter_map(|l| l.strip_prefix("| `")).filter_map(|l| l.split('`').next()).map(str::to_string).collect();
    let header = ["type", "faultline", "scenario", "origin", "seed", "fingerprint"];
    let undocumented: Vec<&String> = fields.iter().filter(|f| !documented.contains(*f)).collect();
    assert!(undocumented.is_empty(), "fields missing from README's table: {undocumented:?}");
    let extra: Vec<&String> = documented.iter().filter(|f| !fields.contains(*f) && !header.contains(&f.as_str())).collect();
    assert!(extra.is_empty(), "README lists fields no record has: {extra:?}");
}

#[test]
fn a_shift_step_is_followed_by_a_shift_record_naming_the_group_and_both_routes() {
    // shift-to-vpn: step `app-db-to-vpn` moves `app-db` from the interconnect onto the VPN.
    let (run, lines) = trace("tests/fixtures/runbook/shift-to-vpn.toml");
    let (_, plain) = common::run_json("tests/fixtures/runbook/shift-to-vpn.toml", &[]);
    assert_eq!(run["fingerprint"], plain["fingerprint"], "the shift record changed the fingerprint");
    let at = lines.iter().position(|r| r["kind"] == "shift").expect("a shift record");
    let (step, shift) = (&lines[at - 1], &lines[at]);
    assert_eq!(step["kind"], "step", "the shift record follows the step record: {step}");
    assert_eq!(step["target"], "app-db-to-vpn");
    assert_eq!(shift["t_ns"], step["t_ns"]);
    assert_eq!(shift["target_kind"], "group");
    assert_eq!(shift["target"], "app-db");
    assert_eq!(shift["group"], "app-db");
    assert_eq!(shift["from"], "aws:us-east-1 → gcp:us-east4", "{shift}");
    assert_eq!(shift["to"], "aws:us-east-1 → gcp:us-east4 over vpn", "{shift}");
    assert_eq!(
        shift["text"],
        "runbook step app-db-to-vpn shifts traffic app-db from aws:us-east-1 → gcp:us-east4 to aws:us-east-1 → gcp:us-east4 over vpn"
    );
    // Only the moved group has one, and no other kind of record carries routes.
    assert_eq!(lines.iter().filter(|r| r["kind"] == "shift").count(), 1);
    assert!(lines[1..].iter().filter(|r| r["kind"] != "shift").all(|r| r.get("from").is_none() && r.get("to").is_none()));
    // The step acted when the JSON says it did.
    let acted = run["runbook"][0]["acted_s"].as_f64().expect("the step acted");
    assert!((shift["t_s"].as_f64().expect("t_s") - acted).abs() < 1e-9);
}
