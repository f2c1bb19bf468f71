//! What "the same failure" means: the expectation a candidate must still fail.
//!
//! A candidate fails the same way as the original when the check of the same name fails
//! and, in the same form:
//! - for a per-fault expectation (`detect_within`, `converge_within`, `recover_within`) the
//!   check names the same fault (the one its detail names, `` fault `id` ``): the shrunk
//!   file must keep the fault that broke it, not fail on another one;
//! - a failure with a measured value (recovery took 1.4 s > 100 ms) stays one with a
//!   measured value, and one without (never recovered, never detected) stays without; so
//!   cutting the run short cannot turn "too slow" into "never happened before the end".
//!
//! Two more conditions are the judge's (`judge`: every kept fault reacts as it did) and the
//! passes' (`passes`: a "never" failure keeps its time, no fault moves into the warm-up).

use serde::Serialize;

use crate::{Check, Verdict};

/// The expectations whose check names the fault it failed on.
const PER_FAULT: [&str; 3] = ["detect_within", "converge_within", "recover_within"];

/// The failure a shrink preserves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The check's name (the `[expect]` key).
    pub check: String,
    /// For a per-fault expectation, the id of the fault its detail names.
    pub fault: Option<String>,
    /// Whether the failing check measured a value.
    pub measured: bool,
}

impl Target {
    /// The target a failing check defines.
    pub fn of(c: &Check) -> Target {
        let fault = PER_FAULT.contains(&c.name).then(|| fault_named(&c.detail)).flatten();
        Target { check: c.name.to_string(), fault, measured: c.measured.is_some() }
    }

    /// The check among `checks` that fails this way, if any.
    pub fn find<'a>(&self, checks: &'a [Check]) -> Option<&'a Check> {
        checks.iter().find(|c| c.status == Verdict::Fail && c.name == self.check && Target::of(c) == *self)
    }

    /// How messages name it: `recover_within (fault `cut-1`)`.
    pub fn describe(&self) -> String {
        match &self.fault {
            Some(f) => format!("{} (fault `{f}`)", self.check),
            None => self.check.clone(),
        }
    }
}

/// The fault a per-fault check's detail names: `fault `x` (cut ash/ch1) was never
/// detected` or `worst 1.400 s (fault `x`) > 0.100 s`.
pub fn fault_named(detail: &str) -> Option<String> {
    let rest = &detail[detail.find("fault `")? + "fault `".len()..];
    Some(rest[..rest.find('`')?].to_string())
}

/// The target of a shrink: `NAME` when given (it must fail in `checks`), else the first
/// failing check. The error lists the checks that do fail (empty: the run does not fail).
pub fn choose(checks: &[Check], expect: Option<&str>) -> Result<Target, Vec<String>> {
    let failing: Vec<&Check> = checks.iter().filter(|c| c.status == Verdict::Fail).collect();
    let pick = match expect {
        Some(name) => failing.iter().find(|c| c.name == name),
        None => failing.first(),
    };
    pick.map(|c| Target::of(c)).ok_or_else(|| failing.iter().map(|c| c.name.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &'static str, status: Verdict, measured: Option<f64>, detail: &str) -> Check {
        Check { name, pass: status == Verdict::Pass, status, measured, limit: Some(0.1), unit: "s", detail: detail.into() }
    }

    #[test]
    fn per_fault_checks_name_their_fault() {
        let c = check("recover_within", Verdict::Fail, Some(1.4), "worst 1.400 s (fault `cut-1`) > 0.100 s");
        assert_eq!(Target::of(&c), Target { check: "recover_within".into(), fault: Some("cut-1".into()), measured: true });
        let never = check("detect_within", Verdict::Fail, None, "fault `r1#3` (cut ash/ch1) was never detected (no session went down)");
        assert_eq!(Target::of(&never).fault.as_deref(), Some("r1#3"));
        let other = check("min_throughput", Verdict::Fail, Some(0.2), "lowest 20.0% of offered (`app`) < 30%");
        assert_eq!(Target::of(&other).fault, None, "not a per-fault check");
    }

    #[test]
    fn the_same_failure_needs_the_same_fault_and_form() {
        let t = Target::of(&check("recover_within", Verdict::Fail, Some(1.4), "worst 1.400 s (fault `a`) > 0.100 s"));
        let other_fault = check("recover_within", Verdict::Fail, Some(1.4), "worst 1.400 s (fault `b`) > 0.100 s");
        let never = check("recover_within", Verdict::Fail, None, "fault `a` (cut x) never recovered before the next fault or the end");
        let passes = check("recover_within", Verdict::Pass, Some(0.05), "worst 0.050 s (fault `a`) <= 0.100 s");
        for c in [other_fault, never, passes] {
            assert!(t.find(std::slice::from_ref(&c)).is_none(), "{c:?}");
        }
        let same = check("recover_within", Verdict::Fail, Some(0.9), "worst 0.900 s (fault `a`) > 0.100 s");
        assert!(t.find(&[same]).is_some());
    }

    #[test]
    fn choosing_names_what_does_fail() {
        let checks = [check("detect_within", Verdict::Pass, Some(0.1), ""), check("max_lost_bytes", Verdict::Fail, Some(9.0), "")];
        assert_eq!(choose(&checks, None).map(|t| t.check), Ok("max_lost_bytes".to_string()));
        assert_eq!(choose(&checks, Some("detect_within")), Err(vec!["max_lost_bytes".to_string()]));
    }
}
