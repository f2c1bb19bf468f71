//! The `[expect]` table, checked against the traffic it is scoped to.
//!
//! It reads the finished spec and returns `Expectations`; it adds nothing to the spec.

use sim_core::spec::{ModelSpec, TrafficSpec};

use super::R;
use super::context::{Ctx, Decorate};
use super::traffic::group;
use crate::expect::{Expectations, SlaWithin};
use crate::format::{self, Either, Sp};
use crate::sla::Plan;
use crate::units::{Dur, Percent, Throughput, fmt_bps};

pub(super) fn expectations(cx: &Ctx<'_>, spec: &ModelSpec, e: &Sp<format::Expect>, sla: &Plan) -> R<Expectations> {
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
    let sla_within = match &t.sla_within {
        None => None,
        Some(w) => Some(sla_within(cx, w, sla)?),
    };
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
        sla_within,
    })
}

/// `sla_within = true` (each provider's own target) or a percentage floor.
fn sla_within(cx: &Ctx<'_>, w: &Sp<Either<format::NoUptimeTable>>, sla: &Plan) -> R<SlaWithin> {
    let v = match &w.value {
        Either::Bool(true) => SlaWithin::Own,
        Either::Str(s) => {
            let p = format::parse_str::<Percent>(s).map_err(|e| cx.err(&w.span, e))?;
            if p.0 == 0 || p.0 > 1_000_000 {
                return cx.fail(&w.span, "sla_within is a monthly uptime above 0% and at most 100%, e.g. \"99.99%\"");
            }
            SlaWithin::AtLeast(p.0)
        }
        _ => {
            return Err(cx
                .err(&w.span, "sla_within is `true` (every interconnect met its provider's SLA) or a monthly uptime such as \"99.99%\"")
                .help("remove the key to check nothing"));
        }
    };
    if sla.rows.is_empty() {
        return Err(cx
            .err(&w.span, "sla_within needs an [[interconnect]] with SLA terms")
            .help("every template has terms unless [sla] terms sets them to []"));
    }
    Ok(v)
}
