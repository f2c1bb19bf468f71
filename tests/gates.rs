//! `[sweep]` gates end to end: `show` lists them, `run` and `check` of one seed ignore them
//! (same fingerprint, verdict and checks as without the table), the schema documents them,
//! and a sweep's verdict is the gates' (a failing seed within `fail_rate_within` does not
//! fail it) where it is the worst seed's without the table.

mod common;

use std::path::PathBuf;

use common::{faultline, root};
use serde_json::Value;

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faultline-gates-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn text(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// channel-cut with its `[expect]` replaced by `expect` and `sweep` appended, in the temp dir.
fn channel_cut(name: &str, expect: &str, sweep: &str) -> String {
    let lib = std::fs::read_to_string(root().join("scenarios-data/channel-cut.toml")).expect("library file");
    let (head, _) = lib.split_once("[expect]").expect("an [expect] table");
    let p = tmp(name);
    std::fs::write(&p, format!("{head}[expect]\n{expect}\n{sweep}")).expect("write");
    p.to_string_lossy().into_owned()
}

fn json(args: &[&str]) -> (Option<i32>, Value) {
    let o = faultline(args);
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("`faultline {}`: no JSON ({e}): {}", args.join(" "), text(&o)));
    (o.status.code(), v)
}

#[test]
fn show_lists_the_gates_and_says_who_judges_them() {
    let o = faultline(&["show", "random-chaos"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("sweep gates: at least 100 seeds; failing seeds at most 15%; inconclusive seeds at most 5%; detect p99 within 1s; recover p50 within 500ms; recover p99 within 1s"),
        "{out}"
    );
    assert!(out.contains("`run` and `check` ignore them"), "{out}");
    // A file without the table shows no gates.
    assert!(!text(&faultline(&["show", "channel-cut"])).contains("sweep gates"));
}

#[test]
fn run_and_check_ignore_the_table() {
    let expect = "detect_within = \"1s\"\nrecover_within = \"3s\"";
    let with = channel_cut("with-gates.toml", expect, "[sweep]\nfail_rate_within = \"1%\"\nrecover_p99_within = \"1ms\"\n");
    let without = channel_cut("without-gates.toml", expect, "");
    let (ca, a) = json(&["run", &with, "--json"]);
    let (cb, b) = json(&["run", &without, "--json"]);
    assert_eq!((ca, cb), (Some(0), Some(0)), "a gate the sweep would fail does not fail a run");
    for key in ["fingerprint", "verdict", "expectations", "faults", "traffic"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    let (code, c) = json(&["check", &with, "--json"]);
    assert_eq!(code, Some(0));
    assert!(!c.to_string().contains("recover_p99_within"), "check judges [expect] only");
}

#[test]
fn the_schema_documents_the_table() {
    let (code, s) = json(&["schema"]);
    assert_eq!(code, Some(0));
    let text = s.to_string();
    for key in ["\"sweep\"", "SweepTable", "recover_p99_within", "fail_rate_within", "inconclusive_rate_within", "min_runs"] {
        assert!(text.contains(key), "schema lacks {key}");
    }
}

#[test]
fn a_sweep_is_judged_by_its_gates() {
    // Every seed fails its own [expect] (a cut's recovery takes ~0.24 s).
    let strict = "recover_within = \"100ms\"";
    let worst = channel_cut("worst-seed.toml", strict, "");
    let (code, v) = json(&["sweep", &worst, "--seeds", "1..6", "--json"]);
    assert_eq!((code, v["verdict"].as_str()), (Some(1), Some("fail")), "without [sweep], the worst seed's verdict");
    let tolerant = channel_cut("tolerant.toml", strict, "[sweep]\nfail_rate_within = \"100%\"\nrecover_p99_within = \"1s\"\n");
    let (code, v) = json(&["sweep", &tolerant, "--seeds", "1..6", "--json"]);
    assert_eq!((code, v["verdict"].as_str()), (Some(0), Some("pass")), "{v}");
    let tight = channel_cut("tight.toml", strict, "[sweep]\nfail_rate_within = \"100%\"\nrecover_p99_within = \"100ms\"\n");
    let (code, v) = json(&["sweep", &tight, "--seeds", "1..6", "--json"]);
    assert_eq!((code, v["verdict"].as_str()), (Some(1), Some("fail")), "{v}");
    let gates = v["gates"].as_array().expect("the gates' checks");
    assert!(gates.iter().any(|g| g["name"] == "recover_p99_within" && g["pass"] == false), "{v}");
    // Too few seeds for `min_runs`: inconclusive.
    let few = channel_cut("few.toml", strict, "[sweep]\nmin_runs = 10\nfail_rate_within = \"100%\"\n");
    let (code, v) = json(&["sweep", &few, "--seeds", "1..6", "--json"]);
    assert_eq!((code, v["verdict"].as_str()), (Some(2), Some("inconclusive")), "{v}");
}
