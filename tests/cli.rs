//! End-to-end tests of the real `faultline` binary on real scenario files: exit codes, the
//! JSON contract, determinism across processes and `--jobs`, and the output files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline")).args(args).current_dir(root()).output().expect("the binary runs")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(o)))
}

/// `tests/fixtures/*` but `hardening/` (the reliability pass's hostile files: not UTF-8, a
/// bare CR, scenarios too large to run, each with its own test) and `terraform/` (JSON).
fn fixtures_but_hardening() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root().join("tests/fixtures"))
        .expect("tests/fixtures")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n != "hardening" && n != "terraform")
        .map(|n| format!("tests/fixtures/{n}"))
        .collect();
    out.sort();
    out
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faultline-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

#[test]
fn run_without_arguments_runs_the_flagship_and_prints_seed_fingerprint_and_reproduce_line() {
    let o = faultline(&["run"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    for needle in ["verdict      pass", "seed         ", "fingerprint  ", "reproduce:   faultline run "] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

#[test]
fn exit_codes_are_0_pass_1_fail_2_inconclusive_3_invalid() {
    assert_eq!(faultline(&["run", "tests/fixtures/small-cut.toml", "-q"]).status.code(), Some(0));
    assert_eq!(faultline(&["run", "tests/fixtures/fails.toml", "-q"]).status.code(), Some(1));
    assert_eq!(faultline(&["run", "tests/fixtures/no-effect.toml", "-q"]).status.code(), Some(2));
    assert_eq!(faultline(&["run", "no-such-scenario"]).status.code(), Some(3));
    assert_eq!(faultline(&["run", "--seed", "minus-one"]).status.code(), Some(3));
    assert_eq!(faultline(&["frobnicate"]).status.code(), Some(3));
    assert_eq!(faultline(&["sweep", "channel-cut", "--seeds", "9..3"]).status.code(), Some(3));
    assert_eq!(faultline(&["--help"]).status.code(), Some(0));
}

#[test]
fn an_unknown_library_name_suggests_the_nearest() {
    let o = faultline(&["run", "chanel-cut"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("channel-cut"), "{}", stderr(&o));
}

#[test]
fn two_processes_give_the_same_fingerprint_and_a_different_seed_gives_another() {
    let a = json(&faultline(&["run", "silent-blackhole-bfd", "--json"]));
    let b = json(&faultline(&["run", "silent-blackhole-bfd", "--json"]));
    let c = json(&faultline(&["run", "silent-blackhole-bfd", "--json", "--seed", "99"]));
    assert_eq!(a["fingerprint"], b["fingerprint"]);
    assert_eq!(a["faults"], b["faults"]);
    assert_ne!(a["fingerprint"], c["fingerprint"], "BFD jitter depends on the seed");
}

#[test]
fn run_json_follows_the_documented_contract() {
    let v = json(&faultline(&["run", "tests/fixtures/small-cut.toml", "--json"]));
    for key in ["scenario", "seed", "fingerprint", "verdict", "faults", "traffic", "expectations", "stats"] {
        assert!(v.get(key).is_some(), "missing `{key}`");
    }
    assert!(v["fingerprint"].as_str().is_some_and(|s| s.len() == 16 && s.chars().all(|c| c.is_ascii_hexdigit())));
    assert_eq!(v["verdict"], "pass");
    let f = &v["faults"][0];
    for key in ["id", "kind", "target", "at_s", "detect_s", "converge_s", "recover_s", "blackhole_s", "lost_bytes"] {
        assert!(f.get(key).is_some(), "fault lacks `{key}`");
    }
    assert_eq!(f["kind"], "cut");
    assert_eq!(f["detect_s"], 0.0);
    let t = &v["traffic"][0];
    for key in ["id", "offered_bps", "delivered_bytes", "min_throughput_bps", "stall_p99_s", "stall_max_s"] {
        assert!(t.get(key).is_some(), "traffic lacks `{key}`");
    }
    for key in ["name", "pass", "measured", "limit"] {
        assert!(v["expectations"][0].get(key).is_some(), "expectation lacks `{key}`");
    }
    assert!(v["stats"]["events"].as_u64().is_some_and(|n| n > 0));
    assert!(v["stats"]["wall_s"].as_f64().is_some());
}

#[test]
fn sweep_results_do_not_depend_on_jobs() {
    let one = json(&faultline(&["sweep", "silent-blackhole-bfd", "--seeds", "1..25", "--jobs", "1", "--json"]));
    let two = json(&faultline(&["sweep", "silent-blackhole-bfd", "--seeds", "1..25", "--jobs", "2", "--json"]));
    for key in ["runs", "pass", "fail", "inconclusive", "detect_s", "recover_s", "failing_seeds", "digest"] {
        assert_eq!(one[key], two[key], "`{key}` differs between --jobs 1 and 2");
    }
    assert_eq!(one["runs"], 24);
    // Detection varies with BFD jitter, inside RFC 5880's window.
    let p50 = one["detect_s"]["p50"].as_f64().expect("p50");
    assert!((0.6..=0.91).contains(&p50), "{p50}");
}

#[test]
fn check_runs_a_directory_and_writes_junit() {
    let junit = tmp("check.xml");
    let mut args = vec!["check".to_string()];
    args.extend(fixtures_but_hardening());
    args.extend(["--junit".to_string(), junit.to_str().expect("utf-8 path").to_string()]);
    let o = faultline(&args.iter().map(String::as_str).collect::<Vec<_>>());
    // fails.toml fails, so the worst verdict is fail.
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("small-cut") && out.contains("no-effect") && out.contains("reproduce: faultline run"), "{out}");
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(xml.contains("<testsuite") && xml.contains("name=\"small-cut\"") && xml.contains("<failure"), "{xml}");
}

#[test]
fn trace_and_svg_files_are_written() {
    let trace = tmp("trace.jsonl");
    let svg = tmp("tput.svg");
    let o = faultline(&[
        "run",
        "tests/fixtures/small-cut.toml",
        "--json",
        "--trace",
        trace.to_str().expect("utf-8"),
        "--svg",
        svg.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(&trace).expect("trace").lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    // A header line (binary, scenario, seed, fingerprint), then one line per record.
    assert_eq!(lines[0]["type"], "header");
    assert_eq!(lines[0]["fingerprint"], v["fingerprint"]);
    assert!(lines[0]["faultline"]["commit"].is_string());
    assert_eq!(lines.len() as u64 - 1, v["stats"]["trace_records"].as_u64().expect("count"));
    assert!(lines.iter().any(|l| l["text"].as_str().is_some_and(|t| t.contains("session ash/ch2 down"))));
    let text = std::fs::read_to_string(&svg).expect("svg");
    assert!(text.starts_with("<svg") && text.contains("app"), "{}", &text[..text.len().min(200)]);
}

#[test]
fn list_show_validate_and_schema_work() {
    let o = faultline(&["list"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("channel-cut"));
    let o = faultline(&["show", "channel-cut"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("ash/ch1"), "{}", stdout(&o));
    let mut args = vec!["validate".to_string()];
    args.extend(fixtures_but_hardening());
    assert_eq!(faultline(&args.iter().map(String::as_str).collect::<Vec<_>>()).status.code(), Some(0));
    let s = json(&faultline(&["schema"]));
    assert!(s.get("$schema").is_some() || s.get("properties").is_some());
}

#[test]
fn every_broken_file_gives_exit_3_and_names_the_line() {
    let dir = root().join("tests/broken");
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let mut files: Vec<PathBuf> =
        entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
    files.sort();
    assert!(files.len() >= 20, "the broken corpus has {} files", files.len());
    for f in files {
        let rel = f.strip_prefix(root()).unwrap_or(&f).to_string_lossy().into_owned();
        let o = faultline(&["validate", &rel]);
        assert_eq!(o.status.code(), Some(3), "{rel}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(&format!("{rel}:")), "{rel}: the message does not name file:line: {err}");
        assert!(!err.contains("panicked"), "{rel}: {err}");
        let _ = Path::new(&rel);
    }
}

#[test]
fn packet_fidelity_gives_the_same_fingerprint_in_two_processes() {
    let a = json(&faultline(&["run", "tests/fixtures/packet-small.toml", "--json"]));
    let b = json(&faultline(&["run", "tests/fixtures/packet-small.toml", "--json"]));
    let c = json(&faultline(&["run", "tests/fixtures/packet-small.toml", "--json", "--seed", "6"]));
    assert_eq!(a["traffic"][0]["tcp_model"], "smoltcp-0.14/cubic");
    assert!(a["stats"]["packet_hops"].as_u64().is_some_and(|h| h > 10_000));
    assert_eq!(a["fingerprint"], b["fingerprint"]);
    assert_eq!(a["traffic"], b["traffic"]);
    assert_ne!(a["fingerprint"], c["fingerprint"], "wire loss draws depend on the seed");
}
