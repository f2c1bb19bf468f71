//! The public API: resolve, replication with `count`, describe (snapshot), schema.

use sim_core::SimOptions;

#[test]
fn describe_channel_cut() {
    let s = scenarios::load_library("channel-cut").expect("library scenario loads");
    insta::assert_snapshot!(scenarios::describe(&s));
}

#[test]
fn resolve_suggests_the_nearest_library_name() {
    let err = scenarios::resolve("chanel-cut").expect_err("no such scenario");
    assert!(err.to_string().contains("did you mean `channel-cut`?"), "{err}");
    assert!(scenarios::resolve("channel-cut").is_ok());
    assert!(scenarios::resolve("./no/such/file.toml").is_err());
}

#[test]
fn count_replicates_interconnects_and_traffic() {
    let text = r#"
[scenario]
name = "rep"
duration = "10s"

[[interconnect]]
id = "ic{n}"
count = 3
template = "aws-gcp-managed"
aws = "syn-{n}"
gcp = "syn-{n}"
bandwidth = "10Gbps"

[[traffic]]
id = "t"
count = 3
from = "aws:syn-{n}"
to = "gcp:syn-{n}"
flows = 2

[[fault]]
at = "5s"
cut = "ic0002/ch1"

[expect]
detect_within = "1s"
"#;
    let s = scenarios::load_str("rep.toml", text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.spec.links.len(), 12);
    let ids: Vec<&str> = s.spec.traffic.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["t0001", "t0002", "t0003"]);
    assert_eq!(s.spec.traffic[2].route, ["aws:syn-0003", "gcp:syn-0003"]);
    let out = scenarios::run(&s, 1, SimOptions::default()).expect("builds");
    assert_eq!(out.verdict, scenarios::Verdict::Pass, "{:?}", out.checks);
}

#[test]
fn a_fault_without_effect_is_inconclusive() {
    // BFD disabled on a healthy channel changes nothing observable.
    let text = r#"
[scenario]
name = "noop"
duration = "60s"

[[interconnect]]
id = "ash"
template = "aws-gcp-managed"
aws = "us-east-1"
gcp = "us-east4"
bandwidth = "10Gbps"

[[traffic]]
id = "app"
from = "aws:us-east-1"
to = "gcp:us-east4"
flows = 8
rate = "1Gbps"

[[fault]]
at = "10s"
bfd_disable = "ash/ch1"

[expect]
min_throughput = "90%"
"#;
    let s = scenarios::load_str("noop.toml", text).unwrap_or_else(|e| panic!("{e}"));
    let out = scenarios::run(&s, 1, SimOptions::default()).expect("builds");
    assert_eq!(out.verdict, scenarios::Verdict::Inconclusive, "{:?}", out.checks);
    assert_eq!(out.verdict.exit_code(), 2);
}

#[test]
fn recovery_without_faults_is_inconclusive() {
    let mut s = scenarios::load_library("baseline-us-east-1--us-east4").expect("loads");
    s.expect.recover_within = Some(sim_core::SimDuration::from_secs(3));
    let out = scenarios::run(&s, 1, SimOptions::default()).expect("builds");
    assert_eq!(out.verdict, scenarios::Verdict::Inconclusive, "{:?}", out.checks);
}

#[test]
fn schema_is_json_schema() {
    let s = scenarios::schema();
    assert!(s.get("$schema").is_some());
    assert!(s.to_string().contains("bandwidth"));
}
