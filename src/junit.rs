//! JUnit XML for CI systems, valid against the strict Jenkins `junit-10.xsd` (which the
//! lenient readers also accept).
//!
//! One `<testsuite>` per scenario run, one `<testcase>` per expectation (the evidence check
//! `fault_effect` included): a failing expectation is one `<failure>`, one with nothing to
//! measure one `<skipped>`, so a suite's `failures` is the number of failing expectations
//! and a failing run is counted once. Each case's `system-out` holds the measured value, the
//! limit and the sentence `run` prints (which names the worst fault); the suite's
//! `<properties>` and `system-out` hold the faultline version and commit, the model
//! version, the seed, the fingerprint and the reproduce line. A run that is inconclusive
//! only because `[expect]` is empty gets one skipped case, `expect`, saying so. A file that
//! could not be loaded is a suite with one `<error>` case. A case's `classname` is the
//! scenario's origin (its path, or its library name), so two files that share a scenario
//! name still give distinct cases. Timing attributes hold wall time,
//! the only place wall time appears in any output.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer};

use crate::check::Invalid;
use crate::outcome::{Check, NO_EXPECTATIONS, Outcome, Verdict};
use crate::version;

pub fn report(outcomes: &[Outcome], invalid: &[Invalid]) -> anyhow::Result<String> {
    let mut report = Report::new("faultline");
    report.set_time(Duration::from_secs_f64(outcomes.iter().map(|o| o.wall_s).sum::<f64>().max(0.0)));
    for o in outcomes {
        report.add_test_suite(suite(o));
    }
    for i in invalid {
        report.add_test_suite(invalid_suite(i));
    }
    strict(&report.to_string()?)
}

fn suite(o: &Outcome) -> TestSuite {
    let mut suite = TestSuite::new(o.scenario.clone());
    suite.set_time(Duration::from_secs_f64(o.wall_s.max(0.0)));
    suite.add_properties(properties(o));
    let mut out =
        format!("verdict {}\nseed {}\nfingerprint {}\nreproduce: {}\n", o.verdict.name(), o.seed, o.report.fingerprint, o.reproduce());
    for why in o.inconclusive() {
        out.push_str(&format!("inconclusive: {why}\n"));
    }
    suite.set_system_out(out);
    for c in &o.checks {
        suite.add_test_case(case(o, c));
    }
    // The verdict comes from the checks (fail beats inconclusive beats pass), except that an
    // empty `[expect]` is inconclusive with every check passing: say so in a case of its own,
    // or the report would look green.
    if o.verdict == Verdict::Inconclusive && o.checks.iter().all(|c| c.status != Verdict::Inconclusive) {
        let mut status = TestCaseStatus::skipped();
        status.set_message(NO_EXPECTATIONS);
        let mut case = TestCase::new("expect", status);
        case.set_classname(o.origin.clone());
        suite.add_test_case(case);
    }
    suite
}

fn properties(o: &Outcome) -> Vec<Property> {
    [
        ("faultline.version", version::VERSION.to_string()),
        ("faultline.commit", version::COMMIT.to_string()),
        ("faultline.model", sim_core::MODEL_VERSION.to_string()),
        ("scenario", o.scenario.clone()),
        ("origin", o.origin.clone()),
        ("seed", o.seed.to_string()),
        ("fingerprint", o.report.fingerprint.clone()),
        ("verdict", o.verdict.name().to_string()),
        ("reproduce", o.reproduce()),
    ]
    .into_iter()
    .map(|(k, v)| Property::new(k, v))
    .collect()
}

fn case(o: &Outcome, c: &Check) -> TestCase {
    let mut status = match c.status {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::Fail => TestCaseStatus::non_success(NonSuccessKind::Failure),
        Verdict::Inconclusive => TestCaseStatus::skipped(),
    };
    if !c.pass {
        status.set_message(c.detail.clone());
    }
    if c.status == Verdict::Fail {
        status.set_type(c.name);
    }
    let mut case = TestCase::new(c.name, status);
    case.set_classname(o.origin.clone());
    let mut out = String::new();
    // A fraction reads as percentages with the digits that tell measured from limit.
    let pct = match (c.unit, c.measured, c.limit) {
        ("fraction", Some(m), Some(l)) => Some(sim_core::show::show_pct_pair(m, l)),
        _ => None,
    };
    match (c.measured, &pct) {
        (Some(v), Some((m, _))) => out.push_str(&format!("measured {m} ({v} fraction)\n")),
        (Some(v), None) => out.push_str(&format!("measured {}\n", value(v, c.unit))),
        (None, _) => out.push_str("measured nothing\n"),
    }
    match (c.limit, &pct) {
        (Some(v), Some((_, l))) => out.push_str(&format!("limit {l} ({v} fraction)\n")),
        (Some(v), None) => out.push_str(&format!("limit {}\n", value(v, c.unit))),
        (None, _) => {}
    }
    out.push_str(&c.detail);
    out.push('\n');
    case.set_system_out(out);
    case
}

/// `279.111ms`, `2.00Gbps (2000000000 bps)`, `96.6kB (96566 bytes)`, `0.5 fraction`:
/// times, rates and sizes as every other message writes them (`sim_core::show`), the exact
/// value beside a rounded one so that a CI log can still be compared to the digit.
fn value(v: f64, unit: &str) -> String {
    let exact = || if v.fract() == 0.0 && v.abs() < 1e15 { format!("{v:.0} {unit}") } else { format!("{v} {unit}") };
    match unit {
        "s" => scenarios::units::show_secs_exact(v),
        "bps" => format!("{} ({})", sim_core::show::show_bps(v), exact()),
        "bytes" if (0.0..1.8e19).contains(&v) => format!("{} ({})", sim_core::show::show_bytes(v as u64), exact()),
        _ => exact(),
    }
}

fn invalid_suite(i: &Invalid) -> TestSuite {
    let mut suite = TestSuite::new(i.path.clone());
    suite.add_properties([
        Property::new("faultline.version", version::VERSION),
        Property::new("faultline.commit", version::COMMIT),
        Property::new("faultline.model", sim_core::MODEL_VERSION.to_string()),
    ]);
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    status.set_message(i.message.lines().next().unwrap_or("invalid").to_string());
    status.set_type("invalid");
    status.set_description(i.message.clone());
    let mut case = TestCase::new("load", status);
    case.set_classname(i.path.clone());
    suite.add_test_case(case);
    suite
}

/// quick-junit writes `skipped` on `<testsuites>`, which junit-10.xsd does not allow (it
/// allows it on `<testsuite>`); every reader takes the per-suite counts. Drops it.
fn strict(xml: &str) -> anyhow::Result<String> {
    let mut reader = Reader::from_str(xml);
    let mut writer = Writer::new(Vec::new());
    loop {
        match reader.read_event()? {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == b"testsuites" => {
                let mut root = BytesStart::new("testsuites");
                for a in e.attributes() {
                    let a = a?;
                    if a.key.as_ref() != b"skipped" {
                        root.push_attribute(a);
                    }
                }
                writer.write_event(Event::Start(root))?;
            }
            ev => writer.write_event(ev)?,
        }
    }
    let mut text = String::from_utf8(writer.into_inner())?;
    text.push('\n');
    Ok(text)
}
