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
    for scenario in ["facility-power-loss", "region-outage-dr", "flapping-channel", "tests/fixtures/small-cut.toml"] {
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
    for k in ["fault", "link-state", "session-down", "session-up", "fib", "stall", "resume", "group-rate", "alarm", "step"] {
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
