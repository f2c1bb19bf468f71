//! `loss_above` and `latency_above` alarms end to end: a gray failure BFD never sees pages
//! someone and triggers a runbook step; thresholds are judged against hand-worked figures.

mod common;

use serde_json::Value;

fn fired(v: &Value, id: &str) -> Vec<f64> {
    let a = v["alarms"]
        .as_array()
        .expect("as the test set it up")
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no alarm {id}: {v}"));
    a["fired_s"].as_array().expect("as the test set it up").iter().map(|t| t.as_f64().expect("as the test set it up")).collect()
}

fn edited(name: &str, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(common::root().join("tests/fixtures/alarms").join(name)).expect("as the test set it up");
    assert!(text.contains(from), "{from}");
    let dir = std::env::temp_dir().join(format!("faultline-alarms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("as the test set it up");
    let p = dir.join(format!("{}-{name}", from.len()));
    std::fs::write(&p, text.replace(from, to)).expect("as the test set it up");
    p.to_string_lossy().into_owned()
}

/// 2 % loss from 30 s on one of four channels: no session goes down, the group's loss is
/// above 0.1 % from 30 s, so the alarm fires at 30 + 30 = 60 s; the step drains ch1 two
/// minutes later, at 180 s, and the run passes `undetected` and `recover_within`.
#[test]
fn a_gray_failure_fires_the_loss_alarm_and_the_runbook_drains() {
    let (code, v) = common::run_json("tests/fixtures/alarms/gray-loss-pages.toml", &[]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(fired(&v, "db-loss"), vec![60.0]);
    let step = &v["runbook"][0];
    assert_eq!((step["triggered_s"].as_f64(), step["acted_s"].as_f64()), (Some(60.0), Some(180.0)));
    assert!(v["faults"][0]["detect_s"].is_null(), "BFD never saw it");
    let o = common::faultline(&["run", "tests/fixtures/alarms/gray-loss-pages.toml"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.lines().any(|l| l.starts_with("db-loss") && l.ends_with("60.00s")), "{text}");
}

/// The group's loss can never exceed the 2 % its worst channel drops (it is a share of what
/// all its flows send): a 2 % threshold never fires, and nor does the step.
#[test]
fn a_loss_threshold_above_the_links_loss_never_fires() {
    let p = edited("gray-loss-pages.toml", "threshold = \"0.1%\"", "threshold = \"2%\"");
    let (_, v) = common::run_json(&p, &[]);
    assert!(fired(&v, "db-loss").is_empty(), "{v}");
    assert!(v["runbook"][0]["triggered_s"].is_null());
}

/// 40 ms more one way on every channel: the round trip goes from about 1.5 ms to about
/// 81.5 ms at 30 s, above 50 ms; held 10 s, the alarm fires at 40 s. Above 100 ms it does not.
#[test]
fn added_delay_fires_the_latency_alarm() {
    let (code, v) = common::run_json("tests/fixtures/alarms/latency-pages.toml", &[]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(fired(&v, "db-slow"), vec![40.0]);
    let p = edited("latency-pages.toml", "threshold = \"50ms\"", "threshold = \"100ms\"");
    let (_, v) = common::run_json(&p, &[]);
    assert!(fired(&v, "db-slow").is_empty(), "{v}");
}

/// A loss threshold of 100 % could never be exceeded: an error that points at it.
#[test]
fn an_impossible_threshold_is_an_error() {
    let p = edited("gray-loss-pages.toml", "threshold = \"0.1%\"", "threshold = \"100%\"");
    let o = common::faultline(&["validate", &p]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("below 100%") && err.contains(":32:"), "{err}");
}
