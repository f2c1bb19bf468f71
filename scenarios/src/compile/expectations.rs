//! The `[expect]` table, checked against the traffic it is scoped to.
//!
//! It reads the finished spec and returns `Expectations`; it adds nothing to the spec.

use sim_core::spec::{ModelSpec, TrafficSpec};

use super::R;
use super::context::{Ctx, Decorate};
use super::traffic::group;
use crate::expect::Expectations;
use crate::format::{self, Sp};
use crate::units::{Dur, Throughput, fmt_bps};

pub(super) fn expectations(cx: &Ctx<'_>, spec: &ModelSpec, e: &Sp<format::Expect>) -> R<Expectations> {
    let t = &e.value;
    let mut scope = Vec::new();
    for g in &t.traffic {
        scope.push(group(cx, spec, g)?);
    }
    let in_scope: Vec<&TrafficSpec> = spec.traffic.iter().filter(|g| scope.is_empty() || scope.contains(&g.id)).collect();
    let d = |x: &Option<Sp<Dur>>| x.as_ref().map(|v| v.value.0);
    if let Some(m) = &t.min_throughput {
        if in_scope.is_empty() {
            return cx.fail(&m.span, "min_throughput needs a [[traffic]] group to measure");
        }
        if let Throughput::Fraction(_) = m.value
            && !in_scope.iter().any(|g| g.demand_bps.is_some())
        {
            return Err(cx
                .err(&m.span, "a percentage of the offered rate needs a traffic group with a `rate`")
                .help(format!("give the traffic a rate, or write an absolute floor such as \"{}\"", fmt_bps(4_000_000_000))));
        }
    }
    if let Some(r) = &t.rpo_within
        && !spec.traffic.iter().any(|g| g.replication)
    {
        return Err(cx.err(&r.span, "rpo_within needs a traffic group with `replication = true`"));
    }
    let undetected = t.undetected.as_ref().is_some_and(|u| u.value);
    if undetected && let Some(dw) = &t.detect_within {
        return cx.fail(&dw.span, "detect_within contradicts undetected = true");
    }
    Ok(Expectations {
        traffic: scope,
        detect_within: d(&t.detect_within),
        converge_within: d(&t.converge_within),
        recover_within: d(&t.recover_within),
        min_throughput: t.min_throughput.as_ref().map(|m| m.value),
        max_lost_bytes: t.max_lost_bytes.as_ref().map(|b| b.value.0),
        no_loss: t.no_loss.as_ref().is_some_and(|b| b.value),
        rto_within: d(&t.rto_within),
        rpo_within: d(&t.rpo_within),
        stall_p99_within: d(&t.stall_p99_within),
        undetected,
    })
}
