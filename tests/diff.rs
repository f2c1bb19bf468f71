//! `faultline diff` on real outputs of the binary: a slower BFD timer regresses detection
//! and recovery (exit 1 with `--fail-on-regression`), identical runs show no change, sweeps
//! compare percentiles, `--vary` sweeps compare point by point (and refuse a different key),
//! two checks compare as a whole (a scenario gone, a file newly invalid, a worse verdict),
//! a run against a sweep and a malformed file are refused (exit 3), and a different model
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
    save_exit(name, args, |c| c < 3)
}

/// `save`, for a command whose exit code `ok` accepts (a check with an invalid file exits 3).
fn save_exit(name: &str, args: &[&str], ok: impl Fn(i32) -> bool) -> PathBuf {
    let o = faultline(args);
    assert!(o.status.code().is_some_and(ok), "`faultline {}`: {}", args.join(" "), out(&o));
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
    // The seeds as `--seeds` takes them, not the JSON object they are stored as.
    assert!(text.contains("  seeds 1..11\n") && !text.contains("\"start\""), "{text}");
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

/// The diff's `--json` for `args`.
fn diff_json(args: &[&str]) -> Value {
    let mut a = vec!["diff", "--json"];
    a.extend_from_slice(args);
    let o = faultline(&a);
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("diff --json: {e}: {}", out(&o)))
}

/// The `(scope, metric)` of every regression in a diff's `--json`.
fn regressions(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for c in v["comparisons"].as_array().expect("comparisons") {
        for r in c["changes"].as_array().expect("changes") {
            if r["regression"] == true {
                out.push((r["scope"].as_str().unwrap_or("?").to_string(), r["metric"].as_str().unwrap_or("?").to_string()));
            }
        }
    }
    out
}

fn has(regs: &[(String, String)], scope: &str, metric: &str) -> bool {
    regs.iter().any(|(s, m)| s == scope && m == metric)
}

#[test]
fn a_scenario_gone_from_a_check_is_a_regression_and_one_added_is_not() {
    let a = save("check-a.json", &["check", "channel-cut", "silent-blackhole-bfd", "--json"]);
    let b = save("check-b.json", &["check", "channel-cut", "gray-loss-2pct", "--json"]);
    let (code, text) = diff(&[s(&a), s(&b), "--fail-on-regression"]);
    assert_eq!(code, Some(1), "silent-blackhole-bfd no longer runs:\n{text}");
    assert!(text.contains("only in old: silent-blackhole-bfd") && text.contains("only in new: gray-loss-2pct"), "{text}");
    assert!(text.contains("check (all scenarios)") && text.contains("fingerprints equal"), "{text}");
    let row = text.lines().find(|l| l.starts_with("scenario silent-blackhole-bfd")).expect("a row for the scenario gone");
    assert!(row.contains("ran") && row.contains("missing") && row.contains("REGRESSION"), "{row}");
    let added = text.lines().find(|l| l.starts_with("scenario gray-loss-2pct")).expect("a row for the scenario added");
    assert!(added.contains("changed") && !added.contains("REGRESSION"), "{added}");
    let v = diff_json(&[s(&a), s(&b)]);
    assert_eq!(regressions(&v), [("scenario silent-blackhole-bfd".to_string(), "ran".to_string())], "{v:#}");
    assert_eq!(v["only_old"], serde_json::json!(["silent-blackhole-bfd"]));
    assert_eq!(v["comparisons"][0]["title"], "check (all scenarios)");
    // The same check against itself: nothing gone, nothing worse.
    assert_eq!(diff(&[s(&a), s(&a), "--fail-on-regression"]).0, Some(0));
    // Only a scenario added, all passing: reported, not a regression.
    let one = save("check-one.json", &["check", "channel-cut", "--json"]);
    let (code, text) = diff(&[s(&one), s(&a), "--fail-on-regression"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("only in new: silent-blackhole-bfd"), "{text}");
}

#[test]
fn a_check_going_invalid_or_failing_is_a_regression() {
    let good = save("check-good.json", &["check", "channel-cut", "--json"]);
    let broken = root().join("tests/broken/unknown-key.toml");
    let bad = save_exit("check-invalid.json", &["check", "channel-cut", s(&broken), "--json"], |c| c == 3);
    let (code, text) = diff(&[s(&good), s(&bad), "--fail-on-regression"]);
    assert_eq!(code, Some(1), "{text}");
    let verdict = text.lines().find(|l| l.starts_with("check") && l.contains("verdict")).expect("the check's verdict row");
    assert!(verdict.contains("pass") && verdict.contains("invalid") && verdict.contains("REGRESSION"), "{verdict}");
    let v = diff_json(&[s(&good), s(&bad)]);
    let regs = regressions(&v);
    assert!(has(&regs, "check", "verdict") && has(&regs, "totals", "invalid"), "{regs:?}");
    assert!(has(&regs, &format!("file {}", s(&broken)), "loads"), "a newly invalid file: {regs:?}");
    // Backwards the file loads again: better, no regression.
    assert_eq!(diff(&[s(&bad), s(&good), "--fail-on-regression"]).0, Some(0));
    // A failing scenario added: it is no regression by being new, but the check's verdict
    // and its failed count got worse.
    let fails = root().join("tests/fixtures/fails.toml");
    let failing = save("check-fails.json", &["check", "channel-cut", s(&fails), "--json"]);
    let v = diff_json(&[s(&good), s(&failing)]);
    let regs = regressions(&v);
    assert!(has(&regs, "check", "verdict") && has(&regs, "totals", "failed"), "{regs:?}");
    assert!(!regs.iter().any(|(s, _)| s.starts_with("scenario ")), "{regs:?}");
    assert_eq!(diff(&[s(&good), s(&failing), "--fail-on-regression"]).0, Some(1));
}

#[test]
fn varied_sweeps_compare_point_by_point() {
    let lib = "silent-blackhole-bfd";
    let slow = variant("vary-slow.toml", lib, "bfd = { interval = \"1000ms\", multiplier = 3 }");
    let vary = ["--seeds", "1..4", "--vary", "convergence=0.5s,1s", "--json"];
    let a = save("vary-a.json", &[&["sweep", lib][..], &vary].concat());
    let b = save("vary-b.json", &[&["sweep", s(&slow)][..], &vary].concat());
    let (code, text) = diff(&[s(&a), s(&b), "--fail-on-regression"]);
    assert_eq!(code, Some(1), "{text}");
    for want in ["(all points)", "--vary convergence: 2 values compared", "convergence=0.5s\n", "convergence=1s\n"] {
        assert!(text.contains(want), "missing `{want}`:\n{text}");
    }
    // Each point is compared with its own counterpart: the slower BFD shows in each point.
    let v = diff_json(&[s(&a), s(&b)]);
    let titles: Vec<&str> = v["comparisons"].as_array().expect("comparisons").iter().filter_map(|c| c["title"].as_str()).collect();
    assert_eq!(titles, [format!("{lib} (all points)"), format!("{lib} convergence=0.5s"), format!("{lib} convergence=1s")]);
    for point in &v["comparisons"].as_array().expect("comparisons")[1..] {
        let changes = point["changes"].as_array().expect("changes");
        let p99 = changes.iter().find(|c| c["scope"] == "sweep detect_s" && c["metric"] == "p99").expect("a detect p99 row");
        assert_eq!(p99["regression"], true, "{point:#}");
        assert_eq!(point["identical"], false);
    }
    // Against itself every point's digest is equal.
    let (code, same) = diff(&[s(&a), s(&a), "--fail-on-regression"]);
    assert_eq!(code, Some(0), "{same}");
    assert_eq!(same.matches("digests equal").count(), 3, "{same}");
}

#[test]
fn varied_sweeps_with_other_values_compare_the_common_ones() {
    let lib = "silent-blackhole-bfd";
    let a = save("values-a.json", &["sweep", lib, "--seeds", "1..4", "--vary", "convergence=0.5s,0.6s", "--json"]);
    let b = save("values-b.json", &["sweep", lib, "--seeds", "1..4", "--vary", "convergence=0.5s,1s", "--json"]);
    let (code, text) = diff(&[s(&a), s(&b), "--fail-on-regression"]);
    assert_eq!(code, Some(1), "0.6s is no longer swept:\n{text}");
    assert!(text.contains("only in old: convergence=0.6s") && text.contains("only in new: convergence=1s"), "{text}");
    let v = diff_json(&[s(&a), s(&b)]);
    assert_eq!(regressions(&v), [("point convergence=0.6s".to_string(), "swept".to_string())], "{v:#}");
    assert_eq!(v["comparisons"].as_array().map(Vec::len), Some(2), "the whole sweep and the one common point");
    assert_eq!(v["comparisons"][1]["identical"], true, "the 0.5s point ran the same seeds of the same file");
    // No value in common: refused, naming both files and both value sets.
    let c = save("values-c.json", &["sweep", lib, "--seeds", "1..4", "--vary", "convergence=2s", "--json"]);
    let (code, text) = diff(&[s(&a), s(&c)]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains(s(&a)) && text.contains(s(&c)) && text.contains("none in common") && text.contains("2s in new"), "{text}");
}

#[test]
fn sweeps_that_vary_different_things_are_refused() {
    let lib = "silent-blackhole-bfd";
    let conv = save("key-conv.json", &["sweep", lib, "--seeds", "1..4", "--vary", "convergence=1s,1.2s", "--json"]);
    let mult = save("key-mult.json", &["sweep", lib, "--seeds", "1..4", "--vary", "bfd.multiplier=3,4", "--json"]);
    let plain = save("key-plain.json", &["sweep", lib, "--seeds", "1..4", "--json"]);
    let (code, text) = diff(&[s(&conv), s(&mult)]);
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains("vary different keys") && text.contains("--vary convergence") && text.contains("--vary bfd.multiplier"),
        "{text}"
    );
    assert!(text.contains(s(&conv)) && text.contains(s(&mult)), "{text}");
    for (old, new) in [(&plain, &conv), (&conv, &plain)] {
        let (code, text) = diff(&[s(old), s(new)]);
        assert_eq!(code, Some(3), "{text}");
        assert!(text.contains("without --vary") && text.contains(s(old)) && text.contains(s(new)), "{text}");
    }
    // A point with its value edited out cannot be matched.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&conv).expect("read")).expect("JSON");
    v["points"][1].as_object_mut().expect("point").remove("value");
    let edited = tmp("key-no-value.json");
    std::fs::write(&edited, v.to_string()).expect("write");
    let (code, text) = diff(&[s(&conv), s(&edited)]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains(s(&edited)) && text.contains("`points[1]` has no `value`"), "{text}");
}

#[test]
fn a_known_key_of_the_wrong_type_is_exit_3_naming_file_and_key() {
    let bad = tmp("wrong-types.json");
    std::fs::write(&bad, r#"{"runs":"x","digest":5}"#).expect("write");
    let (code, text) = diff(&[s(&bad), s(&bad)]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains(s(&bad)) && text.contains("key `runs` is a string (\"x\")"), "{text}");
    std::fs::write(&bad, r#"{"runs":3,"digest":5}"#).expect("write");
    let (code, text) = diff(&[s(&bad), s(&bad)]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("key `digest` is the number 5, expected a string"), "{text}");
    // Real outputs with one value edited, deep inside.
    let run = save("types-run.json", &["run", "channel-cut", "--json"]);
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&run).expect("read")).expect("JSON");
    v["faults"][0]["detect_s"] = "0.1s".into();
    let edited = tmp("types-run-edited.json");
    std::fs::write(&edited, v.to_string()).expect("write");
    let (code, text) = diff(&[s(&run), s(&edited)]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains(s(&edited)) && text.contains("`faults[0].detect_s` is a string"), "{text}");
    let check = save("types-check.json", &["check", "channel-cut", "--json"]);
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&check).expect("read")).expect("JSON");
    v["totals"]["failed"] = "none".into();
    std::fs::write(&edited, v.to_string()).expect("write");
    let (code, text) = diff(&[s(&edited), s(&check)]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("`totals.failed` is a string (\"none\"), expected a whole number"), "{text}");
    let sweep = save("types-sweep.json", &["sweep", "channel-cut", "--seeds", "1..3", "--json"]);
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&sweep).expect("read")).expect("JSON");
    v["recover_s"]["p99"] = serde_json::json!([1]);
    std::fs::write(&edited, v.to_string()).expect("write");
    let (code, text) = diff(&[s(&sweep), s(&edited)]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("`recover_s.p99` is a list, expected a number or null"), "{text}");
}
