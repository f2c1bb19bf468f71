//! `faultline shrink` end to end, on the real binary: a hand-written failing file and
//! failing seeds of `random-chaos` shrink to smaller files that `faultline run` replays with
//! the same failing expectation; two runs write the same bytes; exit codes 0, 2 and 3.

mod common;

use std::path::PathBuf;

use common::{faultline, run_json};
use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/shrink/one-cut-breaks-recovery.toml";

fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("shrink-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `faultline shrink ARGS`: exit code, stdout, stderr.
fn shrink(args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["shrink"];
    all.extend_from_slice(args);
    let o = faultline(&all);
    (o.status.code(), text(&o.stdout), text(&o.stderr))
}

/// The expectation `name` in a `run --json` object.
fn expectation<'a>(run: &'a Value, name: &str) -> &'a Value {
    run["expectations"].as_array().and_then(|a| a.iter().find(|e| e["name"] == name)).unwrap_or_else(|| panic!("no {name} in {run}"))
}

/// Faults in a run (`run --json`), scripted and random.
fn faults_in(run: &Value) -> usize {
    run["faults"].as_array().map_or(0, Vec::len)
}

#[test]
fn a_hand_written_file_shrinks_and_replays_the_same_failure() {
    let out = tmp("one-cut.toml");
    let out_s = out.to_str().expect("utf-8 path");
    let (code, stdout, stderr) = shrink(&[FIXTURE, "-o", out_s]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.is_empty(), "with -o the file goes to the file");
    assert!(stderr.contains("preserving `recover_within`"), "{stderr}");
    assert!(stderr.contains("before") && stderr.contains("after") && stderr.contains("candidates judged"), "{stderr}");
    let shrunk = std::fs::read_to_string(&out).expect("written");
    assert_eq!(faults_in(&run_json(FIXTURE, &[]).1), 4);
    assert!(shrunk.contains(&format!("# replay       faultline run {out_s} --seed 3")), "{shrunk}");
    assert!(shrunk.contains("# shrunk by faultline "), "{shrunk}");
    // The real binary replays it: the same expectation fails on the same fault.
    for extra in [&[][..], &["--seed", "3"][..]] {
        let (code, run) = run_json(out_s, extra);
        assert_eq!(code, Some(1), "{run}");
        assert_eq!(faults_in(&run), 1, "{shrunk}");
        let e = expectation(&run, "recover_within");
        assert_eq!(e["pass"], false);
        assert!(e["detail"].as_str().is_some_and(|d| d.contains("fault `cut`")), "{e}");
    }
}

#[test]
fn two_runs_write_the_same_bytes() {
    let a = faultline(&["shrink", FIXTURE, "--quiet"]);
    let b = faultline(&["shrink", FIXTURE, "--quiet", "--jobs", "2"]);
    assert_eq!(a.status.code(), Some(0));
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout, "same input, same output (and --jobs changes nothing)");
    assert!(a.stderr.is_empty(), "--quiet: {}", text(&a.stderr));
}

#[test]
fn an_already_minimal_file_exits_2_and_is_still_written() {
    let first = tmp("minimal.toml");
    let (code, _, stderr) = shrink(&[FIXTURE, "-o", first.to_str().expect("utf-8")]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stdout, stderr) = shrink(&[first.to_str().expect("utf-8")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("nothing smaller fails the same way"), "{stderr}");
    assert!(stdout.contains("# not shrunk"), "{stdout}");
    let again = tmp("minimal-again.toml");
    std::fs::write(&again, &stdout).expect("write");
    let (code, run) = run_json(again.to_str().expect("utf-8"), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(expectation(&run, "recover_within")["pass"], false);
    assert_eq!(stdout.matches("# The original file's header").count(), 1, "headers do not nest:\n{stdout}");
}

#[test]
fn inputs_that_do_not_fail_exit_3() {
    let (code, stdout, stderr) = shrink(&["channel-cut"]);
    assert_eq!(code, Some(3));
    assert!(stdout.is_empty());
    assert!(stderr.contains("does not fail (verdict pass)"), "{stderr}");
    let (code, _, stderr) = shrink(&[FIXTURE, "--expect", "max_lost_bytes"]);
    assert_eq!(code, Some(3));
    assert!(stderr.contains("`max_lost_bytes` does not fail") && stderr.contains("failing: recover_within"), "{stderr}");
    let (code, _, stderr) = shrink(&[FIXTURE, "--expect", "recover_witin"]);
    assert_eq!(code, Some(3));
    assert!(stderr.contains("no check `recover_witin`"), "{stderr}");
    let (code, _, stderr) = shrink(&["tests/broken/dangling-fault-target.toml"]);
    assert_eq!(code, Some(3));
    assert!(stderr.contains("dangling-fault-target.toml:"), "names the file and line: {stderr}");
}

#[test]
fn failing_seeds_of_random_chaos_shrink_and_replay() {
    for seed in ["52", "21"] {
        let out = tmp(&format!("random-chaos-{seed}.toml"));
        let out_s = out.to_str().expect("utf-8");
        let (code, _, stderr) = shrink(&["random-chaos", "--seed", seed, "-o", out_s]);
        assert_eq!(code, Some(0), "seed {seed}: {stderr}");
        assert!(stderr.contains("written as scripted faults, they fail the same way"), "{stderr}");
        // Counts in number, never `process(es)`, `fault(s)` or `round(s)`.
        assert!(stderr.contains("2 random processes started ") && stderr.contains(" faults; written"), "{stderr}");
        assert!(stderr.contains(" candidates judged (") && !stderr.contains("(s)") && !stderr.contains("(es)"), "{stderr}");
        let shrunk = std::fs::read_to_string(&out).expect("written");
        assert!(!shrunk.contains("[[random_faults]]\n"), "processes written as faults:\n{shrunk}");
        assert!(shrunk.contains(&format!("seed = {seed}\n")), "the seed is in the file");
        let before = faults_in(&run_json("random-chaos", &["--seed", seed]).1);
        let (code, run) = run_json(out_s, &[]);
        assert_eq!(code, Some(1), "{run}");
        let after = faults_in(&run);
        assert!(after >= 1 && after < before, "seed {seed}: {before} faults, then {after}\n{shrunk}");
        assert_eq!(run["seed"].as_u64().map(|s| s.to_string()).as_deref(), Some(seed));
        assert_eq!(expectation(&run, "min_throughput")["pass"], false, "seed {seed}");
    }
}

#[test]
fn json_carries_the_version_and_the_sizes() {
    let o = faultline(&["shrink", FIXTURE, "--json", "--quiet"]);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(v["faultline"]["version"].is_string() && v["faultline"]["commit"].is_string(), "{v}");
    assert_eq!(v["expectation"]["name"], "recover_within");
    assert_eq!(v["expectation"]["fault"], "cut");
    assert_eq!(v["before"]["sizes"]["faults"], 4);
    assert_eq!(v["after"]["sizes"]["faults"], 1);
    assert_eq!(v["shrunk"], true);
    assert_eq!(v["exit"], 0);
    assert!(v["toml"].as_str().is_some_and(|t| t.contains("[[fault]]")));
    assert!(v["candidates"].as_u64().is_some_and(|n| n > 0));
}

#[test]
fn the_budget_still_writes_the_best_so_far() {
    let (code, stdout, stderr) = shrink(&[FIXTURE, "--max-runs", "6"]);
    assert!(matches!(code, Some(0) | Some(2)), "{stderr}");
    assert!(stderr.contains("--max-runs 6 ran out"), "{stderr}");
    assert!(stdout.contains("# budget       --max-runs 6 ran out"), "{stdout}");
    let f = tmp("budget.toml");
    std::fs::write(&f, &stdout).expect("write");
    let (code, run) = run_json(f.to_str().expect("utf-8"), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(expectation(&run, "recover_within")["pass"], false);
}

#[test]
fn a_random_chaos_shrink_is_byte_for_byte_repeatable() {
    let a = faultline(&["shrink", "random-chaos", "--seed", "52", "--quiet"]);
    let b = faultline(&["shrink", "random-chaos", "--seed", "52", "--quiet", "--jobs", "1"]);
    assert_eq!(a.status.code(), Some(0), "{}", text(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
}

/// From a hostile review: a kept fault recovers as it did in the input (here by failover:
/// a cut shortened below the 50 ms local repair would recover by repair instead), and faults
/// keep their spacing (moving one start on its own made independent faults coincide).
#[test]
fn kept_faults_recover_the_same_way_and_keep_their_spacing() {
    let out = tmp("mechanism.toml");
    let out_s = out.to_str().expect("utf-8 path");
    assert_eq!(shrink(&[FIXTURE, "-o", out_s]).0, Some(0));
    let before = run_json(FIXTURE, &[]).1;
    let by = |run: &Value| run["faults"].as_array().and_then(|f| f.iter().find(|f| f["id"] == "cut")).map(|f| f["recovered_by"].clone());
    let (_, after) = run_json(out_s, &[]);
    assert_eq!(by(&after), by(&before), "the cut recovers the same way");

    let out = tmp("spacing.toml");
    let out_s = out.to_str().expect("utf-8 path");
    assert_eq!(shrink(&["random-chaos", "--seed", "2", "-o", out_s]).0, Some(0));
    let (_, run) = run_json(out_s, &[]);
    let starts: Vec<f64> = run["faults"].as_array().expect("faults").iter().filter_map(|f| f["at_s"].as_f64()).collect();
    assert!(starts.len() >= 2, "{run}");
    let mut sorted = starts.clone();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    assert_eq!(sorted.len(), starts.len(), "no two faults start together: {starts:?}");
}

/// An output that cannot be written is refused before the search, not after it.
#[test]
fn an_unwritable_output_is_refused_up_front() {
    let (code, _, stderr) = shrink(&["random-chaos", "--seed", "2", "-o", "/nonexistent-dir/x.toml"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("cannot write /nonexistent-dir/x.toml") && !stderr.contains("candidates judged"), "{stderr}");
}
