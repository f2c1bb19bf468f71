//! JUnit XML for CI systems: one test suite per scenario, one test case for the scenario's
//! verdict and one per expectation. Timing fields hold wall time, which is the only place
//! wall time appears in any output.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::outcome::{Outcome, Verdict};

pub fn report(outcomes: &[Outcome]) -> anyhow::Result<String> {
    let mut report = Report::new("faultline");
    for o in outcomes {
        let mut suite = TestSuite::new(o.scenario.clone());
        let mut status = match o.verdict {
            Verdict::Pass => TestCaseStatus::success(),
            Verdict::Fail => TestCaseStatus::non_success(NonSuccessKind::Failure),
            Verdict::Inconclusive => TestCaseStatus::skipped(),
        };
        if o.verdict != Verdict::Pass {
            let why = if o.inconclusive().is_empty() {
                o.checks.iter().filter(|c| !c.pass).map(|c| format!("{}: {}", c.name, c.detail)).collect::<Vec<_>>().join("; ")
            } else {
                o.inconclusive().join("; ")
            };
            status.set_message(format!("{} ({})", o.verdict.name(), why));
        }
        let mut case = TestCase::new("verdict", status);
        case.set_classname(o.scenario.clone());
        case.set_time(Duration::from_secs_f64(o.wall_s));
        case.set_system_out(format!("seed {}\nfingerprint {}\nreproduce: {}\n", o.seed, o.report.fingerprint, o.reproduce()));
        suite.add_test_case(case);
        for c in &o.checks {
            let mut status = match c.status {
                Verdict::Pass => TestCaseStatus::success(),
                Verdict::Fail => TestCaseStatus::non_success(NonSuccessKind::Failure),
                Verdict::Inconclusive => TestCaseStatus::skipped(),
            };
            if !c.pass {
                status.set_message(c.detail.clone());
            }
            let mut case = TestCase::new(c.name, status);
            case.set_classname(o.scenario.clone());
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    Ok(report.to_string()?)
}
