//! Snapshot tests of what users read and script against: the human summary and the JSON of
//! a small scenario. Wall-clock time is the only non-deterministic field; it is removed.

use std::process::Command;

fn faultline(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_faultline")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("runs");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn human_summary_of_a_small_cut() {
    insta::assert_snapshot!(faultline(&["run", "tests/fixtures/small-cut.toml"]));
}

#[test]
fn json_of_a_small_cut() {
    let mut v: serde_json::Value = serde_json::from_str(&faultline(&["run", "tests/fixtures/small-cut.toml", "--json"])).expect("JSON");
    v["stats"]["wall_s"] = serde_json::Value::Null;
    insta::assert_snapshot!(serde_json::to_string_pretty(&v).expect("serialises"));
}

#[test]
fn human_summary_of_a_failing_check() {
    insta::assert_snapshot!(faultline(&["check", "tests/fixtures/fails.toml", "tests/fixtures/no-effect.toml"]));
}
