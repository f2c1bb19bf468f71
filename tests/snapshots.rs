//! Snapshot tests of what users read and script against: the human summary and the JSON of
//! a small scenario. Wall-clock time is the only non-deterministic field; it is removed. The
//! faultline version and commit (on `reproduce:` lines and in the JSON's `faultline` key)
//! change with every commit; they are redacted to `[version]` and `[commit]`.

use std::process::Command;

fn faultline(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_faultline")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("runs");
    redact(&String::from_utf8_lossy(&o.stdout))
}

/// (version, commit) as `faultline --version` prints them: `faultline 0.1.0 (commit abc)`.
fn version() -> (String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_faultline")).arg("--version").output().expect("runs");
    let line = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let rest = line.strip_prefix("faultline ").unwrap_or_else(|| panic!("unexpected --version: {line}"));
    let (v, c) = rest.split_once(" (commit ").unwrap_or_else(|| panic!("unexpected --version: {line}"));
    (v.to_string(), c.trim_end_matches(')').to_string())
}

fn redact(text: &str) -> String {
    let (v, c) = version();
    text.replace(&format!("# faultline {v} {c}"), "# faultline [version] [commit]")
}

#[test]
fn human_summary_of_a_small_cut() {
    insta::assert_snapshot!(faultline(&["run", "tests/fixtures/small-cut.toml"]));
}

#[test]
fn json_of_a_small_cut() {
    let mut v: serde_json::Value = serde_json::from_str(&faultline(&["run", "tests/fixtures/small-cut.toml", "--json"])).expect("JSON");
    v["stats"]["wall_s"] = serde_json::Value::Null;
    // The memory budget follows the machine's limits.
    v["budget"]["max_memory"] = serde_json::Value::Null;
    v["faultline"]["version"] = "[version]".into();
    v["faultline"]["commit"] = "[commit]".into();
    insta::assert_snapshot!(serde_json::to_string_pretty(&v).expect("serialises"));
}

#[test]
fn human_summary_of_a_failing_check() {
    insta::assert_snapshot!(faultline(&["check", "tests/fixtures/fails.toml", "tests/fixtures/no-effect.toml"]));
}
