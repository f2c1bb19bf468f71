//! `faultline diff` on real outputs of the binary: a slower BFD timer regresses detection
//! and recovery (exit 1 with `--fail-on-regression`), identical runs show no change, sweeps
//! compare percentiles, a run against a sweep is refused (exit 3), and a different model
//! version is named.

mod common;

use std::path::{Path, PathBuf};

use common::{faultline, root};
use serde_json::Value;

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faultline-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn out(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Runs `args` and writes what it printed on stdout to `name` in the temp dir.
fn save(name: &str, args: &[&str]) -> PathBuf {
    let o = faultline(args);
    assert!(o.status.code().is_some_and(|c| c < 3), "`faultline {}`: {}", args.join(" "), out(&o));
    let p = tmp(name);
    std::fs::write(&p, &o.stdout).expect("write");
    p
}

/// A library file with `line` added after its `bandwidth` key, in the temp dir.
fn variant(name: &str, lib: &str, line: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("scenarios-data").join(format!("{lib}.toml"))).expect("library file");
    let edited = text.replacen("bandwidth = \"10Gbps\"\n", &format!("bandwidth = \"10Gbps\"\n{line}\n"), 1);
    assert_ne!(edited, text);
    let p = tmp(name);
    std::fs::write(&p, edited).expect("write");
    p
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn diff(args: &[&str]) -> (Option<i32>, String) {
    let mut a = vec!["diff"];
    a.extend_from_slice(args);
    let o = faultline(&a);
    (o.status.code(), out(&o))
}

#[test]
fn a_slower_bfd_timer_is_a_regression() {
    let old = save("bfd-old.json", &["run", "silent-blackhole-bfd", "--json"]);
    let slow = variant("bfd-slow.toml", "silent-blackhole-bfd", "bfd = { interval = \"1000ms\", multiplier = 3 }");
    let new = save("bfd-new.json", &["run", s(&slow), "--json"]);
    let (code, text) = diff(&[s(&old), s(&new), "--fail-on-regression"]);
    assert_eq!(code, Some(1), "{text}");
    for want in ["fault blackhole-ch2", "detect_s", "recover_s", "REGRESSION", "pass", "fail", "regressions"] {
        assert!(text.contains(want), "missing `{want}`:\n{text}");
    }
    let row = text.lines().find(|l| l.contains("fault blackhole-ch2") && l.contains("detect_s")).expect("a detect row");
    assert!(row.contains("REGRESSION"), "{row}");
    // Without the flag the same diff exits 0; backwards, the slower timer's numbers got better.
    assert_eq!(diff(&[s(&old), s(&new)]).0, Some(0));
    let (code, back) = diff(&[s(&new), s(&old), "--fail-on-regression"]);
    assert_eq!(code, Some(0), "{back}");
    assert!(back.contains("better") && back.contains("no regression"), "{back}");
    // --json: the same verdict, machine-readable, with the version of the diff itself.
    let o = faultline(&["diff", s(&old), s(&new), "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(v["regressions"].as_u64().is_some_and(|n| n >= 2), "{v}");
    assert!(v["faultline"]["version"].is_string());
    let changes = v["comparisons"][0]["changes"].as_array().expect("changes");
    let detect = changes.iter().find(|c| c["scope"] == "fault blackhole-ch2" && c["metric"] == "detect_s").expect("detect row");
    assert_eq!(detect["direction"], "worse");
    assert_eq!(detect["regression"], true);
    assert!(detect["new"].as_f64() > detect["old"].as_f64(), "{detect}");
}

#[test]
fn identical_runs_show_no_change() {
    let a = save("same-a.json", &["run", "channel-cut", "--json"]);
    let b = save("same-b.json", &["run", "channel-cut", "--json"]);
    let (code, text) = diff(&[s(&a), s(&b), "--fail-on-regression"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("fingerprints equal") && text.contains("nothing changed"), "{text}");
    assert!(text.contains("no change in") && text.contains("no regression"), "{text}");
    // A different seed is said to be one.
    let c = save("same-c.json", &["run", "channel-cut", "--json", "--seed", "2"]);
    let (_, text) = diff(&[s(&a), s(&c)]);
    assert!(text.contains("different seeds: 1 (old) and 2 (new)"), "{text}");
}

#[test]
fn sweeps_compare_percentiles_and_tolerance_is_relative() {
    let slow = variant("sweep-slow.toml", "channel-cut", "local_repair = \"500ms\"");
    let a = save("sweep-a.json", &["sweep", "channel-cut", "--seeds", "1..11", "--json"]);
    let b = save("sweep-b.json", &["sweep", s(&slow), "--seeds", "1..11", "--json"]);
    let (code, text) = diff(&[s(&a), s(&b), "--fail-on-regression"]);
    assert_eq!(code, Some(1), "{text}");
    let p99 = text.lines().find(|l| l.contains("sweep recover_s") && l.contains("p99")).expect("a p99 row");
    assert!(p99.contains("REGRESSION"), "{p99}");
    assert!(text.contains("10 seeds each"), "{text}");
    // Recovery got about three times slower: a 500% tolerance lets it through.
    assert_eq!(diff(&[s(&a), s(&b), "--fail-on-regression", "--tolerance", "500%"]).0, Some(0));
    assert_eq!(diff(&[s(&a), s(&b), "--fail-on-regression", "--tolerance", "100%"]).0, Some(1), "+180% is beyond 100%");
    let (code, same) = diff(&[s(&a), s(&a), "--fail-on-regression"]);
    assert_eq!(code, Some(0), "{same}");
    assert!(same.contains("digests equal"), "{same}");
    assert_eq!(diff(&[s(&a), s(&b), "--tolerance", "5"]).0, Some(3), "a tolerance needs its %");
}

#[test]
fn a_run_against_a_sweep_or_garbage_is_exit_3_naming_the_file() {
    let run = save("kind-run.json", &["run", "channel-cut", "--json"]);
    let sweep = save("kind-sweep.json", &["sweep", "channel-cut", "--seeds", "1..3", "--json"]);
    let (code, text) = diff(&[s(&run), s(&sweep)]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("cannot compare a run output") && text.contains(s(&sweep)), "{text}");
    let junk = tmp("junk.json");
    std::fs::write(&junk, "not json").expect("write");
    let (code, text) = diff(&[s(&junk), s(&run)]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains(s(&junk)) && text.contains("not JSON"), "{text}");
    let ndjson = tmp("shard.ndjson");
    std::fs::write(&ndjson, "{\"manifest\": 1}\n{\"seed\": 1}\n").expect("write");
    let (code, text) = diff(&[s(&ndjson), s(&run)]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("faultline merge"), "{text}");
    let other = tmp("other.json");
    std::fs::write(&other, "{\"hello\": 1}").expect("write");
    let (code, text) = diff(&[s(&run), s(&other)]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("not a faultline run, check or sweep output"), "{text}");
    let (code, text) = diff(&[s(&run), "/nonexistent/faultline.json"]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("cannot read /nonexistent/faultline.json"), "{text}");
}

#[test]
fn a_different_model_version_is_named() {
    let path = save("model-old.json", &["run", "channel-cut", "--json"]);
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    // Outputs carry `faultline: {version, commit, model}`; an older one has none.
    v["faultline"] = serde_json::json!({ "version": "0.1.0", "commit": "000000000000", "model": 1 });
    std::fs::write(&path, v.to_string()).expect("write");
    v["faultline"] = serde_json::json!({ "version": "9.9.9", "commit": "999999999999", "model": 2 });
    let newer = tmp("model-new.json");
    std::fs::write(&newer, v.to_string()).expect("write");
    let (code, text) = diff(&[s(&path), s(&newer), "--fail-on-regression"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("the model changed: model version 1 -> 2"), "{text}");
    assert!(text.contains("faultline 9.9.9 (commit 999999999999)"), "{text}");
    // Without the key: unknown, said so, and the diff still runs.
    v.as_object_mut().expect("object").remove("faultline");
    let older = tmp("model-none.json");
    std::fs::write(&older, v.to_string()).expect("write");
    let (code, text) = diff(&[s(&older), s(&newer)]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("model version unknown") && text.contains(s(&older)), "{text}");
}

#[test]
fn check_outputs_match_scenarios_by_name() {
    let a = save("check-a.json", &["check", "channel-cut", "silent-blackhole-bfd", "--json"]);
    let b = save("check-b.json", &["check", "channel-cut", "gray-loss-2pct", "--json"]);
    let (code, text) = diff(&[s(&a), s(&b), "--fail-on-regression"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("only in old: silent-blackhole-bfd") && text.contains("only in new: gray-loss-2pct"), "{text}");
    assert!(text.contains("fingerprints equal"), "{text}");
}
