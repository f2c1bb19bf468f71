//! SLA accounting end to end: the real binary's `--json` `sla` array and its `sla_within`
//! check, against hand-worked examples from the providers' published terms (Google counts
//! only Downtime Periods of 120 s or more; AWS Interconnect owes 10 % below 99.99 %, which
//! over a 30-day month of 2 592 000 s is above 259.2 s of downtime), and metamorphic checks:
//! a fault on another interconnect does not change this one's downtime, and neither does
//! slicing the run.

mod common;

use serde_json::Value;
use sim_core::{SimDuration, SimOptions, SimTime, Simulation};

fn row<'a>(v: &'a Value, ic: &str, terms: &str) -> &'a Value {
    v["sla"]
        .as_array()
        .expect("as the test set it up")
        .iter()
        .find(|a| a["interconnect"] == ic && a["terms"] == terms)
        .unwrap_or_else(|| panic!("no {ic}/{terms} row in {v}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("as the test set it up")
}

/// 119 s down (a 118 s cut plus the 1 s the sessions take to re-establish): AWS counts 119 s,
/// Google 0 s; 121 s: both count 121 s; neither owes a credit (121 < 259.2).
#[test]
fn google_counts_121_seconds_but_not_119() {
    let (code, v) = common::run_json("tests/fixtures/sla/down-119s.toml", &[]);
    assert_eq!(code, Some(0), "{v}");
    let (aws, gcp) = (row(&v, "ash", "aws-interconnect"), row(&v, "ash", "gcp-interconnect"));
    assert_eq!((f(&aws["downtime_s"]), f(&aws["counted_downtime_s"])), (119.0, 119.0));
    assert_eq!((f(&gcp["downtime_s"]), f(&gcp["counted_downtime_s"]), gcp["counted_periods"].as_u64()), (119.0, 0.0, Some(0)));
    assert_eq!(f(&gcp["monthly_uptime_pct"]), 100.0);
    assert!((f(&aws["monthly_uptime_pct"]) - (1.0 - 119.0 / 2_592_000.0) * 100.0).abs() < 1e-9);
    assert_eq!((aws["credit_pct"].as_u64(), gcp["credit_pct"].as_u64()), (Some(0), Some(0)));
    assert_eq!(aws["sla_target_pct"], 99.99);

    let (code, v) = common::run_json("tests/fixtures/sla/down-121s.toml", &[]);
    assert_eq!(code, Some(0), "{v}");
    let gcp = row(&v, "ash", "gcp-interconnect");
    assert_eq!((f(&gcp["counted_downtime_s"]), gcp["counted_periods"].as_u64(), gcp["met"].as_bool()), (121.0, Some(1), Some(true)));
}

/// 271 s down is above 259.2 s: 99.98954 % < 99.99 %, so 10 % under both providers' terms,
/// and `sla_within = true` fails (exit 1) naming the interconnect.
#[test]
fn above_the_allowance_owes_ten_percent_and_fails_sla_within() {
    let (code, v) = common::run_json("tests/fixtures/sla/down-271s.toml", &[]);
    assert_eq!(code, Some(1), "{v}");
    for t in ["aws-interconnect", "gcp-interconnect"] {
        let a = row(&v, "ash", t);
        assert_eq!((f(&a["counted_downtime_s"]), a["credit_pct"].as_u64(), a["met"].as_bool()), (271.0, Some(10), Some(false)), "{t}");
    }
    let c = v["expectations"]
        .as_array()
        .expect("as the test set it up")
        .iter()
        .find(|c| c["name"] == "sla_within")
        .expect("as the test set it up");
    assert_eq!(c["status"], "fail");
    assert!(c["detail"].as_str().expect("as the test set it up").contains("`ash`"), "{c}");
    // The untouched interconnect is at 100 %.
    assert_eq!(f(&row(&v, "pdx", "aws-interconnect")["monthly_uptime_pct"]), 100.0);
    // The human table says the same.
    let o = common::faultline(&["run", "tests/fixtures/sla/down-271s.toml"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.lines().any(|l| l.starts_with("ash") && l.contains("aws-interconnect") && l.ends_with("10%")), "{text}");
}

/// A percentage floor and `[sla]` overrides: a 31-day month allows 267.84 s at 99.99 %, so
/// 271 s still fails; at 99.9 % (non-critical) it passes. Bad names are errors with a line.
#[test]
fn month_and_terms_are_settings() {
    let base = std::fs::read_to_string(common::root().join("tests/fixtures/sla/down-271s.toml")).expect("as the test set it up");
    let dir = std::env::temp_dir().join(format!("faultline-sla-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("as the test set it up");
    let write = |name: &str, text: String| {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("as the test set it up");
        p.to_string_lossy().into_owned()
    };
    let p = write(
        "noncrit.toml",
        base.replace(
            "sla_within = true",
            "sla_within = true\n\n[sla]\nmonth = \"31d\"\nterms = { ash = [\"gcp-interconnect-non-critical\"] }",
        ),
    );
    let (code, v) = common::run_json(&p, &[]);
    assert_eq!(code, Some(0), "{v}");
    let a = row(&v, "ash", "gcp-interconnect-non-critical");
    assert_eq!((f(&a["month_s"]), a["met"].as_bool(), f(&a["sla_target_pct"])), (31.0 * 86_400.0, Some(true), 99.9));
    assert_eq!(v["sla"].as_array().expect("as the test set it up").iter().filter(|a| a["interconnect"] == "ash").count(), 1);

    let p = write("floor.toml", base.replace("sla_within = true", "sla_within = \"99.98%\""));
    let (code, v) = common::run_json(&p, &[]);
    assert_eq!(code, Some(0), "99.98954 % >= 99.98 %: {v}");

    let p = write("typo.toml", base.replace("sla_within = true", "sla_within = true\n\n[sla]\nterms = { ash = [\"aws-interconect\"] }"));
    let o = common::faultline(&["run", &p]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("unknown SLA terms `aws-interconect`") && err.contains("aws-interconnect") && err.contains("typo.toml:"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Metamorphic: a fault on `pdx` leaves `ash`'s down periods as they were; and running the
/// same scenario in slices of odd lengths gives the same report (and SLA rows) as one run.
#[test]
fn another_interconnects_fault_and_slicing_change_nothing() {
    let path = common::root().join("tests/fixtures/sla/down-271s.toml");
    let base = std::fs::read_to_string(&path).expect("as the test set it up");
    let a = scenarios::load_str("a.toml", &base).expect("as the test set it up");
    let b = scenarios::load_str("b.toml", &format!("{base}\n[[fault]]\nid = \"lose-pdx\"\nat = \"100s\"\ncut = \"pdx\"\nfor = \"30s\"\n"))
        .expect("as the test set it up");
    let ra = scenarios::run(&a, 1, SimOptions::default()).expect("as the test set it up").report;
    let rb = scenarios::run(&b, 1, SimOptions::default()).expect("as the test set it up").report;
    let ash = |r: &sim_core::Report| r.interconnects.iter().find(|i| i.id == "ash").expect("as the test set it up").clone();
    assert_eq!(ash(&ra), ash(&rb));
    let pdx = rb.interconnects.iter().find(|i| i.id == "pdx").expect("as the test set it up");
    assert_eq!(pdx.down.iter().map(|p| p.duration_ns).sum::<u64>(), 31_000_000_000, "30 s cut + 1 s to re-establish");
    assert_eq!(scenarios::sla::account(&a.sla, &ra)[..2], scenarios::sla::account(&b.sla, &rb)[..2]);

    let mut sim = scenarios::prepare(&a, 1, SimOptions::default()).expect("as the test set it up");
    let mut t = SimTime::ZERO;
    while !sim.is_finished() {
        t += SimDuration::from_millis(7_919);
        sim.run_until(t.min(sim.end()));
    }
    let sliced: Simulation = sim;
    assert_eq!(sliced.report().interconnects, ra.interconnects);
}
