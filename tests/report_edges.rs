//! The report outputs' hard cases, on the real binary (issue 13's hostile review): a 1 ms
//! fault reads as two different times; a target past the run's end is said to be; the key of
//! the timeline names only what is drawn; a fault no session noticed is not covered by "the
//! slowest detection"; an SLA uptime and its floor read differently when they differ, in the
//! human table, the HTML and JUnit; downtime is in hours, minutes and seconds; counts agree
//! in number; and a misspelt `duration` in a [[fault]] suggests `for`.

mod common;

use std::path::Path;

use serde_json::Value;

const EDGES: &str = "tests/fixtures/report/postmortem-edges.toml";
const SLA_150: &str = "tests/fixtures/sla/down-150s.toml";

fn html_of(scenario: &str) -> (Value, String) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("r.html");
    let o = common::faultline(&["run", scenario, "--json", "--html", path.to_str().expect("utf-8 path")]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&o.stderr)));
    (v, std::fs::read_to_string(&path).expect("the report was written"))
}

/// The text of the page with tags removed and the entities this report writes decoded.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut tag = false;
    for c in html.chars() {
        match c {
            '<' => tag = true,
            '>' => tag = false,
            c if !tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

#[test]
fn a_one_millisecond_fault_reads_as_two_times_and_its_length() {
    let (v, html) = html_of(EDGES);
    let blip = v["faults"].as_array().expect("faults").iter().find(|f| f["id"] == "blip").expect("blip");
    // The JSON's own times: 50 s and 50.001 s.
    assert_eq!((blip["at_s"].as_f64(), blip["end_s"].as_f64()), (Some(50.0), Some(50.001)));
    let t = text(&html);
    assert!(t.contains("blip: cut on ash/ch2 at 50s, repaired at 50.001s (after 1ms)"), "{t}");
    assert!(!t.contains("at 50.00s, repaired at 50.00s"), "{t}");
}

#[test]
fn a_target_past_the_end_of_the_run_is_said_to_be() {
    let (_, html) = html_of(EDGES);
    let chron = text(html.split("<h3>Chronology</h3>").nth(1).expect("a chronology"));
    // outlive-the-run-unrepaired starts at 59 s: its recover_within target is at 89 s > 60 s.
    let row = chron.lines().find(|l| l.contains("recover_within target for outlive-the-run-unrepaired")).expect("the target row");
    assert!(row.contains("beyond the end of the run (60s)"), "{row}");
    // Targets inside the run are listed as they are: gray's, at 10 s + 30 s.
    let inside = chron.lines().find(|l| l.contains("recover_within target for gray")).expect("gray's target row");
    assert!(!inside.contains("beyond"), "{inside}");
}

#[test]
fn the_timeline_key_names_only_what_it_draws() {
    let (_, html) = html_of(EDGES);
    let timeline = html.split("<section id=\"timeline\">").nth(1).expect("a timeline section");
    let key = text(timeline.split("</p>").next().expect("the key paragraph"));
    // No rpo_within: no RPO span is drawn, so none is explained.
    assert!(!key.contains("RPO"), "{key}");
    assert!(!html.contains("RPO target: writes up to"), "an RPO span is drawn");
    // No alarm and no runbook step in this scenario.
    assert!(!key.contains("alarm") && !key.contains("runbook"), "{key}");
    assert!(key.contains("detection (D)") && key.contains("recover_within"), "{key}");
    // A scenario with rpo_within does explain it.
    let (_, html) = html_of("tests/fixtures/metrics/rpo-backlog.toml");
    let timeline = html.split("<section id=\"timeline\">").nth(1).expect("a timeline section");
    assert!(text(timeline.split("</p>").next().expect("key")).contains("The RPO target is"), "rpo_within not explained");
}

#[test]
fn a_fault_never_detected_is_not_covered_by_the_slowest_detection() {
    let (v, html) = html_of(EDGES);
    let gray = v["faults"].as_array().expect("faults").iter().find(|f| f["id"] == "gray").expect("gray");
    assert!(gray["detect_s"].is_null(), "the gray failure is detected: {gray}");
    let summary = text(html.split("<section id=\"summary\">").nth(1).expect("a summary").split("</section>").next().expect("end"));
    assert!(summary.contains("1 fault was never detected (no BGP session went down): gray."), "{summary}");
    assert!(summary.contains("Of the faults detected, the slowest detection took"), "{summary}");
    assert!(!summary.contains("The slowest detection took 0s"), "{summary}");
}

#[test]
fn an_sla_uptime_and_its_floor_read_differently_when_they_differ() {
    // 150.336 s of a 2 592 000 s month: 99.99420 %; the floor 99.99 %.
    let (v, html) = html_of(SLA_150);
    let c = v["expectations"].as_array().expect("checks").iter().find(|c| c["name"] == "sla_within").expect("sla_within").clone();
    let m = c["measured"].as_f64().expect("measured");
    assert!((m - (1.0 - 150.336 / 2_592_000.0)).abs() < 1e-12, "{c}");
    assert_eq!(c["status"], "pass");
    // HTML: the measured and limit cells.
    let cell = |ptr: &str| {
        let at = html.find(&format!("data-json=\"{ptr}\"")).unwrap_or_else(|| panic!("no {ptr} cell"));
        let rest = &html[at..];
        let open = rest.find('>').expect("cell") + 1;
        rest[open..open + rest[open..].find("</td>").expect("cell end")].to_string()
    };
    let i = v["expectations"].as_array().expect("checks").iter().position(|c| c["name"] == "sla_within").expect("index");
    let (mh, lh) = (cell(&format!("/expectations/{i}/measured")), cell(&format!("/expectations/{i}/limit")));
    assert_eq!((mh.as_str(), lh.as_str()), ("99.994%", "99.99%"));
    // The detail, in the JSON and the human table.
    let detail = c["detail"].as_str().expect("detail");
    assert!(detail.contains("99.994% monthly uptime") && detail.contains(">= 99.99%"), "{detail}");
    // Downtime in minutes and seconds, not raw seconds.
    assert!(detail.contains("2m 30s counted of 2m 30s down"), "{detail}");
    let o = common::faultline(&["run", SLA_150]);
    let human = String::from_utf8_lossy(&o.stdout).to_string();
    let row = human.lines().find(|l| l.starts_with("ash") && l.contains("aws-interconnect")).expect("the SLA row");
    assert!(row.contains("2m 30s") && row.contains("99.994%") && row.contains("99.99%"), "{row}");
    assert!(!row.contains("150s"), "{row}");
    // JUnit: measured and limit as percentages that differ.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let junit = dir.path().join("j.xml");
    common::faultline(&["check", SLA_150, "--junit", junit.to_str().expect("utf-8 path")]);
    let xml = std::fs::read_to_string(Path::new(&junit)).expect("junit written");
    assert!(xml.contains("measured 99.994% (") && xml.contains("limit 99.99% ("), "{xml}");
}

#[test]
fn a_misspelt_duration_in_a_fault_suggests_for() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("duration.toml");
    let text = std::fs::read_to_string(common::root().join("tests/fixtures/small-cut.toml")).expect("fixture");
    let bad = text.replacen("for = ", "duration = ", 1);
    assert_ne!(bad, text, "the fixture has a `for` key");
    std::fs::write(&path, bad).expect("written");
    let o = common::faultline(&["validate", path.to_str().expect("utf-8 path")]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("unknown key `duration` in [[fault]]") && err.contains("did you mean `for`?"), "{err}");
    assert!(!err.contains("did you mean `drain`"), "{err}");
}

#[test]
fn counts_agree_in_number() {
    let (_, html) = html_of(EDGES);
    for bad in ["fault(s)", "label(s)", "row(s)", "path(s)", "flow(s)"] {
        assert!(!html.contains(bad), "the report writes `{bad}`");
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let trace = dir.path().join("t.jsonl");
    common::faultline(&["run", EDGES, "--trace", trace.to_str().expect("utf-8 path")]);
    let t = std::fs::read_to_string(&trace).expect("trace written");
    assert!(!t.contains("(s)"), "the trace writes a `(s)` plural");
    assert!(t.contains(" paths\"") || t.contains(" path\""), "no fib record in the trace");
}

/// A cut at t = 0 loses real bytes: the run starts with its traffic in steady state, so the
/// flow's in-flight data (rate x one-way delay) is on the wire when the cut comes, as it
/// would be a second later. Worked out in the fixture's header: 9375 B in flight plus four
/// lost 1408 B retransmissions.
#[test]
fn a_cut_at_zero_loses_what_steady_traffic_had_in_flight_as_a_later_cut_does() {
    let scenario = "tests/fixtures/report/cut-at-zero.toml";
    let (_, at0) = common::run_json(scenario, &[]);
    let in_flight = 100e6 * 0.000_75 / 8.0;
    let expected = in_flight as u64 + 4 * 1408;
    assert_eq!(at0["faults"][0]["lost_bytes"].as_u64(), Some(expected), "{}", at0["faults"][0]);
    // The same cut 1 s later loses the same.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let later = dir.path().join("later.toml");
    let text = std::fs::read_to_string(common::root().join(scenario)).expect("fixture");
    std::fs::write(&later, text.replace("at = \"0s\"", "at = \"1s\"")).expect("written");
    let (_, at1) = common::run_json(later.to_str().expect("utf-8 path"), &[]);
    assert_eq!(at1["faults"][0]["lost_bytes"], at0["faults"][0]["lost_bytes"]);
}
