//! `[[alarm]]` and `[[runbook]]` tables: alarm conditions, and each step's trigger, delay
//! and action (shift, drain, prefer, failover), with loops of `after` triggers rejected.
//!
//! It reads the topology and the traffic groups, and adds alarms and steps to the spec.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use sim_core::model::Model;
use sim_core::spec::*;
use sim_core::{SimDuration, SimTime};

use super::R;
use super::context::{Ctx, Decorate, claim, element, expect_class};
use super::sites::route;
use super::traffic::group;
use crate::error::did_you_mean;
use crate::format::{self, Either, Sp};
use crate::units::Dur;

pub(super) fn alarm(cx: &mut Ctx<'_>, spec: &mut ModelSpec, topo: &Model, a: &Sp<format::Alarm>) -> R<()> {
    let t = &a.value;
    claim(cx, &t.id.value, &t.id.span, "alarm")?;
    let n = [t.below.is_some(), t.session_down.is_some(), t.unreachable.is_some(), t.loss_above.is_some(), t.latency_above.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    if n != 1 {
        return Err(cx
            .err(&t.id.span, format!("alarm `{}` needs exactly one condition", t.id.value))
            .help("one of below = {...}, session_down = {...}, unreachable = {...}, loss_above = {...}, latency_above = {...}"));
    }
    let condition = if let Some(b) = &t.below {
        let g = &b.value;
        if g.threshold.value.0 == 0 {
            return cx.fail(&g.threshold.span, "the threshold must be above 0%");
        }
        AlarmCondition::GroupBelow { group: group(cx, spec, &g.traffic)?, fraction_ppm: g.threshold.value.0, for_: g.for_.value.0 }
    } else if let Some(s) = &t.session_down {
        let e = element(cx, topo, &s.value.target, "alarm target")?;
        expect_class(cx, &s.value.target, e, &["link", "interconnect"], "session_down")?;
        AlarmCondition::SessionDown { target: s.value.target.value.clone(), for_: s.value.for_.value.0 }
    } else if let Some(u) = &t.unreachable {
        AlarmCondition::Unreachable { group: group(cx, spec, &u.value.traffic)?, for_: u.value.for_.value.0 }
    } else if let Some(l) = &t.loss_above {
        let g = &l.value;
        if g.threshold.value.0 >= 1_000_000 {
            return cx.fail(&g.threshold.span, "a loss threshold must be below 100%");
        }
        AlarmCondition::LossAbove { group: group(cx, spec, &g.traffic)?, loss_ppm: g.threshold.value.0, for_: g.for_.value.0 }
    } else if let Some(l) = &t.latency_above {
        let g = &l.value;
        AlarmCondition::LatencyAbove { group: group(cx, spec, &g.traffic)?, rtt: g.threshold.value.0, for_: g.for_.value.0 }
    } else {
        return cx.fail(&a.span, "alarm without a condition");
    };
    spec.alarms.push(AlarmSpec { id: t.id.value.clone(), condition });
    Ok(())
}

fn shift(cx: &Ctx<'_>, spec: &ModelSpec, topo: &Model, s: &format::ShiftTable) -> R<(String, Vec<String>)> {
    let g = group(cx, spec, &s.traffic)?;
    if s.to.value.len() < 2 {
        return Err(cx
            .err(&s.to.span, "`to` is the new route: at least a source and a destination site")
            .help("e.g. to = [\"aws:us-west-2\", \"gcp:us-west1\"]"));
    }
    let sites: Vec<(String, Range<usize>)> = s.to.value.iter().map(|x| (x.value.clone(), x.span.clone())).collect();
    Ok((g, route(cx, topo, &sites)?))
}

pub(super) fn runbook(cx: &mut Ctx<'_>, spec: &mut ModelSpec, topo: &Model, list: &[Sp<format::Runbook>]) -> R<()> {
    for r in list {
        claim(cx, &r.value.id.value, &r.value.id.span, "runbook step")?;
    }
    // Indexes of ids, so that resolving a trigger is a lookup and not a scan.
    let ids = TriggerIds {
        steps: list.iter().map(|r| r.value.id.value.as_str()).collect(),
        step_set: list.iter().map(|r| r.value.id.value.as_str()).collect(),
        alarms: spec.alarms.iter().map(|a| a.id.clone()).collect(),
    };
    for r in list {
        let t = &r.value;
        let trigger = step_trigger(cx, spec, t, &ids)?;
        let delay = step_delay(cx, t)?;
        let action = step_action(cx, spec, topo, r)?;
        spec.steps.push(StepSpec { id: t.id.value.clone(), trigger, delay, action });
    }
    check_step_loops(cx, &spec.steps, list)
}

/// Exactly one of `on` (an alarm), `at` (a time in the run) or `after` (another step).
/// What a trigger may name: the steps (in file order, for suggestions, and as a set) and
/// the alarms.
struct TriggerIds<'a> {
    steps: Vec<&'a str>,
    step_set: HashSet<&'a str>,
    alarms: HashSet<String>,
}

fn step_trigger(cx: &Ctx<'_>, spec: &ModelSpec, t: &format::Runbook, ids: &TriggerIds<'_>) -> R<StepTrigger> {
    let id = &t.id.value;
    match (&t.on, &t.at, &t.after) {
        (Some(on), None, None) => {
            if !ids.alarms.contains(&on.value) {
                let mut d = cx.err(&on.span, format!("runbook step `{id}` waits on an unknown alarm `{}`", on.value));
                if let Some(n) = did_you_mean(&on.value, spec.alarms.iter().map(|a| a.id.as_str())) {
                    d = d.label(format!("did you mean `{n}`?"));
                } else if spec.alarms.is_empty() {
                    d = d.help("define it in an [[alarm]] table");
                }
                return Err(d);
            }
            Ok(StepTrigger::Alarm(on.value.clone()))
        }
        (None, Some(at), None) => {
            if at.value.0 >= cx.duration {
                return cx.fail(&at.span, format!("step `{id}` runs at {}, after the end of the run ({})", at.value.0, cx.duration));
            }
            Ok(StepTrigger::At(SimTime::ZERO + at.value.0))
        }
        (None, None, Some(after)) => {
            if !ids.step_set.contains(after.value.as_str()) {
                let mut d = cx.err(&after.span, format!("`after` names an unknown runbook step `{}`", after.value));
                if let Some(n) = did_you_mean(&after.value, ids.steps.iter().copied()) {
                    d = d.label(format!("did you mean `{n}`?"));
                }
                return Err(d);
            }
            Ok(StepTrigger::AfterStep(after.value.clone()))
        }
        (None, None, None) => Err(cx
            .err(&t.id.span, format!("runbook step `{id}` has no trigger"))
            .help("add one of on = \"alarm-id\", at = \"60s\", after = \"step-id\"")),
        _ => cx.fail(&t.id.span, format!("runbook step `{id}` has more than one trigger; use one of `on`, `at`, `after`")),
    }
}

/// The wait between the trigger and the action: none, fixed (`"5m"`) or uniform in a range.
fn step_delay(cx: &Ctx<'_>, t: &format::Runbook) -> R<Delay> {
    let Some(d) = &t.delay else { return Ok(Delay::Fixed(SimDuration::ZERO)) };
    match &d.value {
        Either::Str(s) => Ok(Delay::Fixed(format::parse_str::<Dur>(s).map_err(|e| cx.err(&d.span, e))?.0)),
        Either::Table(range) => {
            if range.min.value > range.max.value {
                return cx.fail(&range.max.span, format!("delay max {} is below min {}", range.max.value.0, range.min.value.0));
            }
            Ok(Delay::Uniform { min: range.min.value.0, max: range.max.value.0 })
        }
        _ => cx.fail(&d.span, "delay is a duration (\"5m\") or { min = \"2m\", max = \"10m\" }"),
    }
}

/// Exactly one of shift, drain, prefer or failover, with its references checked.
fn step_action(cx: &Ctx<'_>, spec: &ModelSpec, topo: &Model, r: &Sp<format::Runbook>) -> R<StepAction> {
    let t = &r.value;
    let n = [t.shift.is_some(), t.drain.is_some(), t.prefer.is_some(), t.failover.is_some()].iter().filter(|b| **b).count();
    if n != 1 {
        return Err(cx
            .err(&t.id.span, format!("runbook step `{}` needs exactly one action", t.id.value))
            .help("one of shift, drain, prefer, failover"));
    }
    if let Some(s) = &t.shift {
        let (group, route) = shift(cx, spec, topo, &s.value)?;
        Ok(StepAction::Shift { group, route })
    } else if let Some(l) = &t.drain {
        let e = element(cx, topo, l, "link")?;
        expect_class(cx, l, e, &["link"], "drain")?;
        Ok(StepAction::Drain { link: l.value.clone() })
    } else if let Some(p) = &t.prefer {
        prefer(cx, topo, &p.value)
    } else if let Some(f) = &t.failover {
        if f.value.is_empty() {
            return cx.fail(&f.span, "failover lists at least one { traffic, to } shift");
        }
        let shifts = f.value.iter().map(|s| shift(cx, spec, topo, &s.value)).collect::<R<Vec<_>>>()?;
        Ok(StepAction::Failover { shifts })
    } else {
        cx.fail(&r.span, "runbook step without an action")
    }
}

/// `prefer = { link, local_pref, prepend, med }`: unset attributes take the defaults.
fn prefer(cx: &Ctx<'_>, topo: &Model, p: &format::PreferTable) -> R<StepAction> {
    let e = element(cx, topo, &p.link, "link")?;
    expect_class(cx, &p.link, e, &["link"], "prefer")?;
    let d = RouteAttrs::DEFAULT;
    let attrs = RouteAttrs {
        local_pref: p.local_pref.unwrap_or(d.local_pref),
        prepend: p.prepend.unwrap_or(d.prepend),
        med: p.med.unwrap_or(d.med),
    };
    Ok(StepAction::Prefer { link: p.link.value.clone(), attrs })
}

/// Loops of `after` triggers, reported at the first step (in file order) whose chain loops,
/// with the walk from it; the chains are resolved through an index of ids, in linear time.
fn check_step_loops(cx: &Ctx<'_>, steps: &[StepSpec], list: &[Sp<format::Runbook>]) -> R<()> {
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(steps.len());
    for (i, s) in steps.iter().enumerate() {
        index.entry(s.id.as_str()).or_insert(i);
    }
    let next: Vec<Option<usize>> = steps
        .iter()
        .map(|s| match &s.trigger {
            StepTrigger::AfterStep(prev) => index.get(prev.as_str()).copied(),
            _ => None,
        })
        .collect();
    let Some(walk) = sim_core::model::first_loop(&next) else { return Ok(()) };
    let r = &list[walk[0]];
    let ids: Vec<&str> = walk.iter().map(|&k| steps[k].id.as_str()).collect();
    let span = r.value.after.as_ref().map_or(&r.span, |a| &a.span);
    Err(cx.err(span, format!("runbook steps form a loop: {}", ids.join(" -> "))).help("a step cannot (indirectly) wait for itself"))
}
