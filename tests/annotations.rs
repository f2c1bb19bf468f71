//! `--annotations FILE`: the JSON array of bodies Grafana's `POST /api/annotations` takes,
//! checked against a JSON Schema of that body written from Grafana's HTTP API documentation
//! (tests/schemas/grafana-annotation.schema.json) with a real validator (python3-jsonschema),
//! and against the run's own JSON: one region per fault window, one point per detection,
//! convergence, recovery, alarm and runbook action, at the epoch plus the simulated time.

mod common;

use serde_json::Value;

fn annotations(args: &[&str]) -> (Value, Value, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("well-formed output of the test");
    let path = dir.path().join("ann.json");
    let mut a = vec!["run"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["--json", "--annotations", path.to_str().expect("well-formed output of the test")]);
    let o = common::faultline(&a);
    let run: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&o.stderr)));
    let ann: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("well-formed output of the test"))
        .expect("well-formed output of the test");
    (run, ann, path, dir)
}

fn ms(epoch: i64, s: &Value) -> i64 {
    epoch + (s.as_f64().expect("well-formed output of the test") * 1e3).round() as i64
}

/// The annotations the run's JSON calls for: (time, timeEnd, kind tag).
fn expected(run: &Value, epoch: i64) -> Vec<(i64, Option<i64>, String)> {
    let mut v = Vec::new();
    let end = &run["stats"]["simulated_s"];
    for f in run["faults"].as_array().expect("well-formed output of the test") {
        let at = f["at_s"].as_f64().expect("well-formed output of the test");
        v.push((ms(epoch, &f["at_s"]), Some(ms(epoch, if f["end_s"].is_null() { end } else { &f["end_s"] })), "fault".to_string()));
        for (k, tag) in [("detect_s", "detection"), ("converge_s", "convergence"), ("recover_s", "recovery")] {
            if let Some(d) = f[k].as_f64() {
                v.push((epoch + ((at + d) * 1e3).round() as i64, None, tag.to_string()));
            }
        }
    }
    for a in run["alarms"].as_array().expect("well-formed output of the test") {
        for t in a["fired_s"].as_array().expect("well-formed output of the test") {
            v.push((ms(epoch, t), None, "alarm".into()));
        }
    }
    for s in run["runbook"].as_array().expect("well-formed output of the test") {
        if !s["acted_s"].is_null() {
            v.push((ms(epoch, &s["acted_s"]), None, "runbook".into()));
        }
    }
    v.sort();
    v
}

fn got(ann: &Value) -> Vec<(i64, Option<i64>, String)> {
    let mut v: Vec<_> = ann
        .as_array()
        .expect("well-formed output of the test")
        .iter()
        .map(|a| {
            (
                a["time"].as_i64().expect("well-formed output of the test"),
                a["timeEnd"].as_i64(),
                a["tags"][1].as_str().expect("well-formed output of the test").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn one_annotation_per_window_and_event_at_the_default_epoch() {
    for scenario in ["region-outage-dr", "ashburn-facility-power-2018", "flapping-channel"] {
        let (run, ann, _, _dir) = annotations(&[scenario]);
        // 2000-01-01T00:00:00Z (`date -u -d 2000-01-01 +%s` = 946684800).
        assert_eq!(got(&ann), expected(&run, 946_684_800_000), "{scenario}");
        let times: Vec<i64> = ann
            .as_array()
            .expect("well-formed output of the test")
            .iter()
            .map(|a| a["time"].as_i64().expect("well-formed output of the test"))
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{scenario}: in time order");
        for a in ann.as_array().expect("well-formed output of the test") {
            let tags: Vec<&str> = a["tags"]
                .as_array()
                .expect("well-formed output of the test")
                .iter()
                .map(|t| t.as_str().expect("well-formed output of the test"))
                .collect();
            assert_eq!(tags[0], "faultline");
            assert!(tags.contains(&scenario), "{scenario}: the scenario is a tag");
            assert!(a["text"].as_str().expect("well-formed output of the test").contains(scenario));
        }
    }
}

#[test]
fn the_epoch_option_takes_rfc3339_and_milliseconds() {
    let dir = tempfile::tempdir().expect("well-formed output of the test");
    let path = dir.path().join("a.json");
    let p = path.to_str().expect("well-formed output of the test");
    for (epoch, ms) in [("2026-03-02T14:00:00+01:00", 1_772_456_400_000i64), ("1772456400000", 1_772_456_400_000)] {
        let o = common::faultline(&[
            "run",
            "region-outage-dr",
            "-q",
            "--annotations",
            p,
            "--annotations-epoch",
            epoch,
            "--annotations-dashboard",
            "abc-123",
            "--annotations-panel",
            "2",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        let ann: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("well-formed output of the test"))
            .expect("well-formed output of the test");
        // region-down starts at 60 s.
        assert_eq!(ann[0]["time"], ms + 60_000);
        assert_eq!(ann[0]["dashboardUID"], "abc-123");
        assert_eq!(ann[0]["panelId"], 2);
    }
    let o = common::faultline(&["run", "region-outage-dr", "-q", "--annotations", p, "--annotations-epoch", "next tuesday"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("RFC 3339"));
}

/// A local date-time (no `Z`, no `+01:00`) names no instant: the refusal says an offset is
/// what is missing and shows the date-time with one, rather than call it no date at all.
#[test]
fn an_epoch_without_an_offset_is_refused_saying_so() {
    let dir = tempfile::tempdir().expect("well-formed output of the test");
    let path = dir.path().join("a.json");
    let p = path.to_str().expect("well-formed output of the test");
    let o = common::faultline(&["run", "region-outage-dr", "-q", "--annotations", p, "--annotations-epoch", "2026-12-01T10:00:00"]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no UTC offset"), "{err}");
    assert!(err.contains("`Z`") && err.contains("`+01:00`"), "{err}");
    assert!(err.contains("e.g. 2026-12-01T10:00:00Z"), "{err}");
    assert!(!path.exists(), "a file was written");
}

#[test]
fn annotations_validate_against_grafanas_body_schema() {
    if !common::have("annotations_validate_against_grafanas_body_schema", &["python3"]) {
        return;
    }
    let probe = std::process::Command::new("python3").args(["-c", "import jsonschema"]).output().expect("well-formed output of the test");
    if !probe.status.success() {
        common::skip("annotations_validate_against_grafanas_body_schema", "python3-jsonschema not installed");
        return;
    }
    let schema = common::root().join("tests/schemas/grafana-annotation.schema.json");
    for scenario in ["region-outage-dr", "us-east-1-oct-2025"] {
        let (_, _, path, _dir) = annotations(&[scenario]);
        let o = std::process::Command::new("python3")
            .args([
                "-c",
                "import json,sys,jsonschema\nschema=json.load(open(sys.argv[1]))\nitems=json.load(open(sys.argv[2]))\nassert isinstance(items,list) and items\nv=jsonschema.Draft202012Validator(schema)\nerrs=[e.message for a in items for e in v.iter_errors(a)]\nprint('\\n'.join(errs))\nsys.exit(1 if errs else 0)",
            ])
            .arg(&schema)
            .arg(&path)
            .output()
            .expect("well-formed output of the test");
        assert!(o.status.success(), "{scenario}: {}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    }
}
