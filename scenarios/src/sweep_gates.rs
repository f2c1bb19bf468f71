//! `[sweep]`: expectations over the seeds of a sweep (`recover_p99_within = "3s"`,
//! `fail_rate_within = "1%"`), so a scenario with random faults is a usable CI gate
//! instead of failing on its one unlucky seed. Without a `[sweep]` table a sweep's verdict
//! is its worst seed's.
//!
//! (Issue 11: the table and its gates are being written; today only the worst-seed rule.)

use serde::Serialize;

use crate::{Check, Verdict};

/// The gates of `[sweep]`. `None` means "not checked".
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SweepExpect {}

impl SweepExpect {
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
    /// Detection times of every fault of every run, sorted ascending.
    pub detect_s: &'a [f64],
    /// Recovery times of every fault of every run, sorted ascending.
    pub recover_s: &'a [f64],
    /// Faults that never recovered, over all runs.
    pub unrecovered: usize,
}

/// Nearest-rank percentile of sorted values (`q` in 0..=1): the value at rank ceil(q·n).
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// The sweep's verdict and the checks of its gates. With no gates: the worst seed's
/// verdict (fail over inconclusive over pass) and no checks.
pub fn evaluate_sweep(e: &SweepExpect, st: &SweepStats<'_>) -> (Verdict, Vec<Check>) {
    let _ = e;
    let worst = if st.fail > 0 {
        Verdict::Fail
    } else if st.inconclusive > 0 {
        Verdict::Inconclusive
    } else {
        Verdict::Pass
    };
    (worst, Vec::new())
}
