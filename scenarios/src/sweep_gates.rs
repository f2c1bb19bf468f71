//! `[sweep]`: expectations over the seeds of a sweep (`recover_p99_within = "3s"`,
//! `fail_rate_within = "1%"`), so a scenario with random faults is a usable CI gate
//! instead of failing on its one unlucky seed.
//!
//! The rules (README, "Gates over seeds, diffs and sensitivity"):
//! - Without a `[sweep]` table a sweep's verdict is its worst seed's, with no checks.
//! - With one, the verdict is the gates': **fail** when a gate fails, otherwise
//!   **inconclusive** when a gate had nothing to measure (or too few seeds ran, or too many
//!   seeds were inconclusive), otherwise **pass**. The seed-rate gates are always checked:
//!   `fail_rate_within` and `inconclusive_rate_within` default to 0 %, so a table that only
//!   sets a percentile still fails on a failing seed.
//! - Percentiles are nearest-rank over every fault of every seed that ran, as in the
//!   sweep's table. A fault that never recovered is +∞ for the recover percentiles, so an
//!   unrecovered fault cannot hide below the p99; the detect percentiles are over the faults
//!   that were detected (an undetected fault that took effect fails its seed's
//!   `[expect] detect_within`, and so counts in `fail_rate_within`).
//!
//! This module judges numbers a sweep gathered; it runs nothing and parses nothing
//! (`compile::sweep` turns the table into a [`SweepExpect`]).

use serde::Serialize;
use sim_core::SimDuration;

use crate::units::{fmt_ppm, show_secs_exact};
use crate::{Check, Verdict};

/// The gates of `[sweep]`, in sim-core units. `None` means "not checked", except the two
/// seed rates, whose absence means 0 % once the table exists. All `None` (the default) is
/// "no `[sweep]` table": compilation rejects an empty table.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SweepExpect {
    /// At least this many seeds must run, else the sweep is inconclusive.
    pub min_runs: Option<u64>,
    /// The largest share of seeds (parts per million) whose own verdict may be fail.
    pub fail_rate_within: Option<u32>,
    /// The largest share of seeds (parts per million) whose own verdict may be inconclusive.
    pub inconclusive_rate_within: Option<u32>,
    pub detect_p50_within: Option<SimDuration>,
    pub detect_p99_within: Option<SimDuration>,
    pub detect_max_within: Option<SimDuration>,
    pub recover_p50_within: Option<SimDuration>,
    pub recover_p99_within: Option<SimDuration>,
    pub recover_max_within: Option<SimDuration>,
}

impl SweepExpect {
    /// True when the scenario has no `[sweep]` table.
    pub fn is_empty(&self) -> bool {
        *self == SweepExpect::default()
    }
}

/// What the gates read from a sweep's results (every seed that ran, in seed order).
#[derive(Clone, Copy, Debug)]
pub struct SweepStats<'a> {
    pub runs: usize,
    pub pass: usize,
    pub fail: usize,
    pub inconclusive: usize,
    /// Detection times of every fault of every run, sorted ascending (faults never detected
    /// are not in it).
    pub detect_s: &'a [f64],
    /// Recovery times of every fault of every run that recovered, sorted ascending (a fault
    /// that disrupted no flow recovers at once: 0 s, as `run` reports it).
    pub recover_s: &'a [f64],
    /// Faults that never recovered (`recover_s` null in `run --json`), over all runs: +∞
    /// for the recover percentiles.
    pub unrecovered: usize,
}

/// Nearest-rank percentile of sorted values (`q` in 0..=1): the value at rank ceil(q·n).
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let rank = rank(sorted.len(), q)?;
    Some(sorted[rank - 1])
}

/// The 1-based nearest rank ceil(q·n), clamped to 1..=n; `None` for no values.
fn rank(n: usize, q: f64) -> Option<usize> {
    if n == 0 {
        return None;
    }
    // q·n in exact-ish arithmetic: 0.99 × 100 is 98.99999999999999 in binary, whose ceiling
    // would be right by luck; 0.29 × 100 = 28.999999999999996 is not. Round to 1e-9 first.
    let x = (q * n as f64 * 1e9).round() / 1e9;
    Some((x.ceil() as usize).clamp(1, n))
}

/// The sweep's verdict and the checks of its gates. With no gates: the worst seed's
/// verdict (fail over inconclusive over pass) and no checks.
pub fn evaluate_sweep(e: &SweepExpect, st: &SweepStats<'_>) -> (Verdict, Vec<Check>) {
    if e.is_empty() {
        return (worst_seed(st), Vec::new());
    }
    let d = |x: Option<SimDuration>| x.map(SimDuration::as_secs_f64);
    let detect = Sorted { values: st.detect_s, infinite: 0 };
    let recover = Sorted { values: st.recover_s, infinite: st.unrecovered };
    // The order here is the order of the table's keys, and of the checks printed.
    let checks: Vec<Check> = [
        e.min_runs.map(|m| min_runs(st.runs, m)),
        Some(seed_rate("fail_rate_within", "failed", st.fail, st.runs, e.fail_rate_within, Verdict::Fail)),
        Some(seed_rate(
            "inconclusive_rate_within",
            "were inconclusive",
            st.inconclusive,
            st.runs,
            e.inconclusive_rate_within,
            Verdict::Inconclusive,
        )),
        d(e.detect_p50_within).map(|l| time_gate("detect_p50_within", "detect", &detect, 0.50, l)),
        d(e.detect_p99_within).map(|l| time_gate("detect_p99_within", "detect", &detect, 0.99, l)),
        d(e.detect_max_within).map(|l| time_gate("detect_max_within", "detect", &detect, 1.0, l)),
        d(e.recover_p50_within).map(|l| time_gate("recover_p50_within", "recover", &recover, 0.50, l)),
        d(e.recover_p99_within).map(|l| time_gate("recover_p99_within", "recover", &recover, 0.99, l)),
        d(e.recover_max_within).map(|l| time_gate("recover_max_within", "recover", &recover, 1.0, l)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let verdict = if checks.iter().any(|c| c.status == Verdict::Fail) {
        Verdict::Fail
    } else if checks.iter().any(|c| c.status == Verdict::Inconclusive) {
        Verdict::Inconclusive
    } else {
        Verdict::Pass
    };
    (verdict, checks)
}

/// The rule without `[sweep]`: fail over inconclusive over pass.
fn worst_seed(st: &SweepStats<'_>) -> Verdict {
    if st.fail > 0 {
        Verdict::Fail
    } else if st.inconclusive > 0 {
        Verdict::Inconclusive
    } else {
        Verdict::Pass
    }
}

fn check(name: &'static str, status: Verdict, measured: Option<f64>, limit: Option<f64>, unit: &'static str, detail: String) -> Check {
    Check { name, pass: status == Verdict::Pass, status, measured, limit, unit, detail }
}

fn min_runs(runs: usize, min: u64) -> Check {
    let ok = runs as u64 >= min;
    let detail = if ok { format!("{runs} seeds ran >= {min}") } else { format!("only {runs} seeds ran; the gates need at least {min}") };
    check("min_runs", if ok { Verdict::Pass } else { Verdict::Inconclusive }, Some(runs as f64), Some(min as f64), "runs", detail)
}

/// `count` of `runs` seeds had a verdict, at most `limit` ppm of them may (0 when unset);
/// above it the check is `over`.
fn seed_rate(name: &'static str, what: &str, count: usize, runs: usize, limit: Option<u32>, over: Verdict) -> Check {
    let ppm = limit.unwrap_or(0);
    let lim = f64::from(ppm) / 1e6;
    let default = if limit.is_none() { format!(" (the default with [sweep]: set {name} to tolerate some)") } else { String::new() };
    if runs == 0 {
        return check(name, Verdict::Inconclusive, None, Some(lim), "fraction", "no seed ran".into());
    }
    // In integers, so that 1 of 100 is exactly within "1%".
    let ok = count as u128 * 1_000_000 <= u128::from(ppm) * runs as u128;
    let rate = count as f64 / runs as f64;
    let detail = format!("{count} of {runs} seeds {what} ({}) {} {}{default}", pct(rate), if ok { "<=" } else { ">" }, fmt_ppm(ppm));
    check(name, if ok { Verdict::Pass } else { over }, Some(rate), Some(lim), "fraction", detail)
}

/// A share as a percentage with the digits it needs (`12.5%`, `0.33%`).
fn pct(f: f64) -> String {
    let s = format!("{:.2}", f * 100.0);
    format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
}

/// Sorted finite values followed by `infinite` values of +∞ (faults that never recovered).
struct Sorted<'a> {
    values: &'a [f64],
    infinite: usize,
}

impl Sorted<'_> {
    fn len(&self) -> usize {
        self.values.len() + self.infinite
    }
    /// The nearest-rank percentile; `Some(None)` when it is one of the infinite values.
    fn percentile(&self, q: f64) -> Option<Option<f64>> {
        let r = rank(self.len(), q)?;
        Some(self.values.get(r - 1).copied())
    }
}

fn label(q: f64) -> String {
    if q >= 1.0 { "max".into() } else { format!("p{}", (q * 100.0).round()) }
}

/// A percentile of detection or recovery times against a limit in seconds.
fn time_gate(name: &'static str, metric: &str, v: &Sorted<'_>, q: f64, lim: f64) -> Check {
    let p = label(q);
    let Some(m) = v.percentile(q) else {
        let why = if metric == "detect" { "no fault was detected in any seed" } else { "no seed had a fault" };
        return check(name, Verdict::Inconclusive, None, Some(lim), "s", format!("{why}, so there is no {metric} {p} to measure"));
    };
    let never = if v.infinite > 0 { format!(", {} never recovered", v.infinite) } else { String::new() };
    match m {
        None => check(
            name,
            Verdict::Fail,
            None,
            Some(lim),
            "s",
            format!(
                "{metric} {p} over {} faults is a fault that never recovered ({} of them) > {}",
                v.len(),
                v.infinite,
                show_secs_exact(lim)
            ),
        ),
        Some(m) => {
            let ok = m <= lim + 1e-9;
            let detail = format!(
                "{metric} {p} {} over {} faults{never} {} {}",
                show_secs_exact(m),
                v.len(),
                if ok { "<=" } else { ">" },
                show_secs_exact(lim)
            );
            check(name, if ok { Verdict::Pass } else { Verdict::Fail }, Some(m), Some(lim), "s", detail)
        }
    }
}
