//! The scenario's expectations in the explorer: who judges them, on what, and how the
//! result is shown while the run is still going.
//!
//! The embedding program supplies the [`Judge`] (this crate does not depend on the scenario
//! format). The explorer hands it the session's scenario file as `e` would export it now —
//! the seed of the run and every hand fault appended as a `[[fault]]` table — together with
//! the report so far. A judge built with [`Judge::of_file`] compiles that text and applies
//! the rules `faultline run` applies to the exported file, so at the end of a run the
//! explorer's verdict is the replay's by construction: same function, same file, same
//! report (the live run reproduces the replay's fingerprint).
//!
//! The rules judge a finished run. On a run in progress a check that cannot be judged yet
//! (at time zero nothing has been delivered, so `min_throughput` "fails") is shown as
//! `pending` until its window has passed: see [`shown`]. The verdict is `pending` until the
//! run ends.

use std::sync::{Arc, Mutex, PoisonError};

use sim_core::Report;

/// Judges the session's scenario against reports of the run.
#[derive(Clone)]
pub struct Judge(pub Arc<dyn Judging>);

impl std::fmt::Debug for Judge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Judge(..)")
    }
}

impl Judge {
    /// The judge to use: `compile` turns the scenario file, as the session would export it,
    /// into a scenario (`scenarios::load_str`), and `evaluate` judges a report against it
    /// with the rules `faultline run` applies to the file (`scenarios::evaluate`). The file
    /// is compiled again only when its text changes (a hand fault, a new seed); an `Err` from
    /// `compile` is shown instead of the expectations.
    pub fn of_file<S, C, E>(compile: C, evaluate: E) -> Judge
    where
        S: Send + Sync + 'static,
        C: Fn(&str) -> Result<S, String> + Send + Sync + 'static,
        E: Fn(&S, &Report) -> Judgement + Send + Sync + 'static,
    {
        Judge(Arc::new(OfFile { compile, evaluate, compiled: Mutex::new(None) }))
    }
}

/// What a [`Judge`] wraps.
pub trait Judging: Send + Sync {
    /// Judges `report`, the run so far, against the scenario file `scenario`.
    fn judge(&self, scenario: &str, report: &Report) -> Result<Judgement, String>;
}

/// A file's text and what it compiled to.
type Compiled<S> = Option<(String, Result<Arc<S>, String>)>;

struct OfFile<S, C, E> {
    compile: C,
    evaluate: E,
    /// The last text compiled (scale models take a noticeable part of a second).
    compiled: Mutex<Compiled<S>>,
}

impl<S, C, E> Judging for OfFile<S, C, E>
where
    S: Send + Sync,
    C: Fn(&str) -> Result<S, String> + Send + Sync,
    E: Fn(&S, &Report) -> Judgement + Send + Sync,
{
    fn judge(&self, scenario: &str, report: &Report) -> Result<Judgement, String> {
        let compiled = {
            // A panic elsewhere while the lock was held leaves a usable cache.
            let mut cache = self.compiled.lock().unwrap_or_else(PoisonError::into_inner);
            match &*cache {
                Some((text, compiled)) if text == scenario => compiled.clone(),
                _ => {
                    let compiled = (self.compile)(scenario).map(Arc::new);
                    *cache = Some((scenario.to_string(), compiled.clone()));
                    compiled
                }
            }
        };
        Ok((self.evaluate)(&*compiled?, report))
    }
}

/// The older form, a function of the report alone: it judges the scenario as it was
/// opened, which knows nothing of the faults injected by hand, so its checks can differ
/// from a replay of the exported file and it gives no verdict. Use [`Judge::of_file`].
impl<F> Judging for F
where
    F: Fn(&Report) -> Vec<ExpectationStatus> + Send + Sync,
{
    fn judge(&self, _scenario: &str, report: &Report) -> Result<Judgement, String> {
        let checks =
            self(report).into_iter().map(|c| Check { name: c.name, status: c.status, limit: None, unit: "", detail: c.detail }).collect();
        Ok(Judgement { verdict: None, checks })
    }
}

/// What a judge found: the verdict and each check, as `faultline run` reports them.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    /// `pass`, `fail` or `inconclusive`; `None` from a judge that gives no verdict.
    pub verdict: Option<&'static str>,
    pub checks: Vec<Check>,
}

/// One expectation checked against a report (the scenario crate's `Check`).
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// The `[expect]` key, or `fault_effect`.
    pub name: String,
    /// `pass`, `fail` or `inconclusive`.
    pub status: &'static str,
    /// The limit, in `unit`.
    pub limit: Option<f64>,
    /// `s`, `bps`, `bytes`, `fraction` or `faults`.
    pub unit: &'static str,
    pub detail: String,
}

/// One expectation's status, as the older report-only judge gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectationStatus {
    pub name: String,
    /// `pass`, `fail` or `inconclusive`.
    pub status: &'static str,
    pub detail: String,
}

/// The status shown for a check or a verdict that cannot be judged yet.
pub const PENDING: &str = "pending";

/// The checks measured from each fault's start: their window closes `limit` seconds after it.
const PER_FAULT_TIMES: [&str; 3] = ["detect_within", "converge_within", "recover_within"];

/// How the explorer shows `check`, judged at `now_s` on a run whose latest fault started at
/// `latest_fault_s` (`None`: no fault yet): the judge's status once the run is `finished`;
/// before that `pending`, except for a time-to check (`detect_within`, `converge_within`,
/// `recover_within`) once its limit has passed since the latest fault's start, which shows
/// the judge's status (a later fault makes it pending again). Every other check measures the
/// whole run, so its window is the run.
pub fn shown(check: &Check, latest_fault_s: Option<f64>, now_s: f64, finished: bool) -> &'static str {
    if finished {
        return check.status;
    }
    let window_passed = match (latest_fault_s, check.limit) {
        (Some(at), Some(limit)) if check.unit == "s" && PER_FAULT_TIMES.contains(&check.name.as_str()) => now_s + 1e-9 >= at + limit,
        _ => false,
    };
    if window_passed { check.status } else { PENDING }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use sim_core::{Model, SimOptions, Simulation};

    use super::*;
    use crate::testing::session;

    #[test]
    fn a_file_judge_compiles_each_text_once_and_shows_why_one_does_not_compile() {
        static COMPILED: AtomicUsize = AtomicUsize::new(0);
        let judge = Judge::of_file(
            |text: &str| {
                COMPILED.fetch_add(1, Ordering::Relaxed);
                if text.is_empty() { Err("empty".to_string()) } else { Ok(text.len()) }
            },
            |len: &usize, report: &Report| Judgement {
                verdict: Some("pass"),
                checks: vec![Check {
                    name: format!("len {len} at {}", report.duration_s),
                    status: "pass",
                    limit: None,
                    unit: "",
                    detail: String::new(),
                }],
            },
        );
        let s = session();
        let mut sim = Simulation::new(Model::build(&s.spec).expect("valid"), s.seed, SimOptions::default());
        let at_zero = judge.0.judge("abc", &sim.report()).expect("compiles");
        sim.run();
        let at_end = judge.0.judge("abc", &sim.report()).expect("compiles");
        assert_eq!(COMPILED.load(Ordering::Relaxed), 1, "the same text is compiled once");
        assert_eq!((at_zero.checks[0].name.as_str(), at_end.checks[0].name.as_str()), ("len 3 at 0", "len 3 at 60"));
        assert_eq!(judge.0.judge("", &sim.report()), Err("empty".to_string()));
        assert_eq!(judge.0.judge("abcd", &sim.report()).map(|j| j.checks[0].name.clone()), Ok("len 4 at 60".to_string()));
        assert_eq!(COMPILED.load(Ordering::Relaxed), 3);
    }

    fn check(name: &str, status: &'static str, limit: Option<f64>) -> Check {
        Check { name: name.into(), status, limit, unit: if name.ends_with("_within") { "s" } else { "fraction" }, detail: String::new() }
    }

    #[test]
    fn a_finished_run_shows_the_judges_status() {
        assert_eq!(shown(&check("min_throughput", "fail", Some(0.25)), None, 120.0, true), "fail");
        assert_eq!(shown(&check("detect_within", "inconclusive", Some(1.0)), None, 120.0, true), "inconclusive");
    }

    #[test]
    fn a_whole_run_check_is_pending_until_the_end() {
        for status in ["pass", "fail", "inconclusive"] {
            assert_eq!(shown(&check("min_throughput", status, Some(0.25)), Some(30.0), 0.0, false), PENDING);
            assert_eq!(shown(&check("fault_effect", status, None), Some(30.0), 119.0, false), PENDING);
        }
    }

    #[test]
    fn a_time_to_check_shows_once_its_limit_has_passed_since_the_latest_fault() {
        let c = check("detect_within", "fail", Some(1.0));
        assert_eq!(shown(&c, None, 50.0, false), PENDING, "no fault yet");
        assert_eq!(shown(&c, Some(30.0), 30.5, false), PENDING, "still inside the window");
        assert_eq!(shown(&c, Some(30.0), 31.0, false), "fail");
        assert_eq!(shown(&check("recover_within", "pass", Some(3.0)), Some(30.0), 33.0, false), "pass");
        assert_eq!(shown(&check("rto_within", "pass", Some(3.0)), Some(30.0), 90.0, false), PENDING, "RTO is per group, not per fault");
        assert_eq!(shown(&check("detect_within", "pass", None), Some(30.0), 90.0, false), PENDING, "no limit known");
    }
}
