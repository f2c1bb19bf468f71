//! The `[sweep]` table: gates over the seeds of `faultline sweep`, checked for what the
//! file can get wrong on its own (an empty table, `min_runs = 0`, a lower percentile given
//! a larger limit than a higher one).
//!
//! It returns `SweepExpect`; it adds nothing to the spec, so a `[sweep]` table changes no
//! fingerprint. The gates are judged by `sweep_gates::evaluate_sweep`.

use super::R;
use super::context::{Ctx, Decorate};
use crate::SweepExpect;
use crate::format::{self, Sp};
use crate::units::Dur;

pub(super) fn sweep(cx: &Ctx<'_>, t: &Sp<format::SweepTable>) -> R<SweepExpect> {
    let s = &t.value;
    let d = |x: &Option<Sp<Dur>>| x.as_ref().map(|v| v.value.0);
    let e = SweepExpect {
        min_runs: s.min_runs.as_ref().map(|m| m.value),
        fail_rate_within: s.fail_rate_within.as_ref().map(|p| p.value.0),
        inconclusive_rate_within: s.inconclusive_rate_within.as_ref().map(|p| p.value.0),
        detect_p50_within: d(&s.detect_p50_within),
        detect_p99_within: d(&s.detect_p99_within),
        detect_max_within: d(&s.detect_max_within),
        recover_p50_within: d(&s.recover_p50_within),
        recover_p99_within: d(&s.recover_p99_within),
        recover_max_within: d(&s.recover_max_within),
    };
    if e.is_empty() {
        return Err(cx
            .err(&header(cx.text, &t.span), "an empty [sweep] table gates nothing")
            .help("add a gate such as `recover_p99_within = \"3s\"` or `fail_rate_within = \"1%\"`, or remove the table"));
    }
    if let Some(m) = &s.min_runs
        && m.value == 0
    {
        return Err(cx.err(&m.span, "min_runs must be at least 1").label("a sweep of zero seeds proves nothing"));
    }
    for gates in [
        [
            ("detect_p50_within", &s.detect_p50_within),
            ("detect_p99_within", &s.detect_p99_within),
            ("detect_max_within", &s.detect_max_within),
        ],
        [
            ("recover_p50_within", &s.recover_p50_within),
            ("recover_p99_within", &s.recover_p99_within),
            ("recover_max_within", &s.recover_max_within),
        ],
    ] {
        ordered(cx, &gates)?;
    }
    Ok(e)
}

/// A lower percentile is never above a higher one, so a larger limit on it can never be the
/// gate that fails: most likely the two were swapped.
fn ordered(cx: &Ctx<'_>, gates: &[(&str, &Option<Sp<Dur>>); 3]) -> R<()> {
    let set: Vec<(&str, &Sp<Dur>)> = gates.iter().filter_map(|(k, v)| v.as_ref().map(|v| (*k, v))).collect();
    for (i, (low, lv)) in set.iter().enumerate() {
        for (high, hv) in &set[i + 1..] {
            if lv.value.0 > hv.value.0 {
                return Err(cx
                    .err(&lv.span, format!("{low} ({}) is above {high} ({})", lv.value.0, hv.value.0))
                    .label("a lower percentile of the same faults is never above a higher one")
                    .help(format!("did you swap them? {low} should be at most {high}, or be left out")));
            }
        }
    }
    Ok(())
}

/// The span of a `[sweep]` header (the line the table starts on), for errors about the
/// table as a whole; the parser's span of a table can cover its body.
fn header(text: &str, span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    let start = span.start.min(text.len());
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    start..end
}
