//! `[[alarm]]` and `[[runbook]]` tables: alarm conditions, and each step's trigger, delay
//! and action (shift, drain, prefer, failover), with loops of `after` triggers rejected.
//!
//! It reads the topology and the traffic groups, and adds alarms and steps to the spec.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use sim_core::model::{Element, Model};
use sim_core::spec::*;
use sim_core::{SimDuration, SimTime};

use super::R;
use super::connection::{Connection, Connections};
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

/// `shift = { traffic, to }`. `to` is a route of sites (endpoints at the ends), in which a
/// VPN or an interconnect may stand between the two sites it joins to pin that hop to it
/// (`["aws:us-east-1", "vpn", "gcp:us-east4"]`); or just a connection (`["vpn"]`): the group's
/// route as its table writes it, with the hop that connection joins pinned to it.
fn shift(cx: &Ctx<'_>, spec: &ModelSpec, topo: &Model, conns: &Connections<'_>, s: &format::ShiftTable) -> R<ShiftSpec> {
    let g = group(cx, spec, &s.traffic)?;
    let to = &s.to.value;
    if let [only] = to.as_slice()
        && let Some(c) = conns.get(&only.value)
    {
        return pin_written_route(cx, spec, topo, g, c, &only.span);
    }
    if let [only] = to.as_slice() {
        let mut d = cx.err(&only.span, format!("`{}` is not a VPN or an interconnect", only.value));
        if let Some(n) = did_you_mean(&only.value, conns.names()) {
            d = d.label(format!("did you mean `{n}`?"));
        }
        return Err(d.help("`to` is a VPN or an interconnect alone, or a route of at least a source and a destination site"));
    }
    if to.len() < 2 {
        return Err(cx
            .err(&s.to.span, "`to` is the new route: at least a source and a destination site, or one VPN or interconnect")
            .help("e.g. to = [\"aws:us-west-2\", \"gcp:us-west1\"], or to = [\"vpn-id\"] to move the group onto that VPN"));
    }
    let mut sites: Vec<(String, Range<usize>)> = Vec::with_capacity(to.len());
    let mut pins: Vec<(usize, PinSpec)> = Vec::new();
    for (i, e) in to.iter().enumerate() {
        let Some(c) = conns.get(&e.value) else {
            sites.push((e.value.clone(), e.span.clone()));
            continue;
        };
        let between = i > 0 && i + 1 < to.len() && conns.get(&to[i - 1].value).is_none() && conns.get(&to[i + 1].value).is_none();
        if !between {
            return Err(cx
                .err(&e.span, format!("`{}` is a {}: in a route it stands between the two sites it joins", c.name, c.class))
                .help(format!("e.g. to = [\"{}\", \"{}\", \"{}\"], or to = [\"{}\"] alone", c.sites[0], c.name, c.sites[1], c.name)));
        }
        let (a, b) = (site_of(topo, &to[i - 1].value), site_of(topo, &to[i + 1].value));
        if !c.joins(&a, &b) {
            return cx.fail(&e.span, format!("`{}` joins `{}` and `{}`, not `{a}` and `{b}`", c.name, c.sites[0], c.sites[1]));
        }
        pins.push((sites.len() - 1, PinSpec { name: c.name, links: c.links }));
    }
    let route = route(cx, topo, &sites)?;
    let mut over = Vec::new();
    if !pins.is_empty() {
        over = vec![None; route.len() - 1];
        for (k, p) in pins {
            over[k] = Some(p);
        }
    }
    Ok(ShiftSpec { group: g, route, over })
}

/// The site a route entry stands for: an endpoint's site, or the entry itself.
fn site_of(topo: &Model, name: &str) -> String {
    match topo.element(name) {
        Some(Element::Endpoint(e)) => topo.sites[topo.endpoints[e.index()].site.index()].id.clone(),
        _ => name.to_string(),
    }
}

/// `to = ["vpn"]`: the group's route as its table writes it, with the hop `c` joins pinned.
fn pin_written_route(cx: &Ctx<'_>, spec: &ModelSpec, topo: &Model, g: String, c: Connection, span: &Range<usize>) -> R<ShiftSpec> {
    let Some(t) = spec.traffic.iter().find(|t| t.id == g) else {
        return cx.fail(span, format!("unknown traffic group `{g}`"));
    };
    let sites: Vec<String> = t.route.iter().map(|s| site_of(topo, s)).collect();
    let Some(k) = sites.windows(2).position(|w| c.joins(&w[0], &w[1])) else {
        return Err(cx
            .err(
                span,
                format!(
                    "`{}` joins `{}` and `{}`, which the route of `{g}` ({}) does not cross",
                    c.name,
                    c.sites[0],
                    c.sites[1],
                    sites.join(" -> ")
                ),
            )
            .help(format!("write the whole route: to = [\"{}\", \"{}\", \"{}\"]", c.sites[0], c.name, c.sites[1])));
    };
    let mut over = vec![None; t.route.len() - 1];
    over[k] = Some(PinSpec { name: c.name, links: c.links });
    Ok(ShiftSpec { group: g, route: t.route.clone(), over })
}

pub(super) fn runbook(cx: &mut Ctx<'_>, spec: &mut ModelSpec, topo: &Model, list: &[Sp<format::Runbook>]) -> R<()> {
    for r in list {
        claim(cx, &r.value.id.value, &r.value.id.span, "runbook step")?;
    }
    let conns = Connections::new(topo);
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
        let action = step_action(cx, spec, topo, &conns, r)?;
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
fn step_action(cx: &Ctx<'_>, spec: &ModelSpec, topo: &Model, conns: &Connections<'_>, r: &Sp<format::Runbook>) -> R<StepAction> {
    let t = &r.value;
    let n = [t.shift.is_some(), t.drain.is_some(), t.prefer.is_some(), t.failover.is_some()].iter().filter(|b| **b).count();
    if n != 1 {
        return Err(cx
            .err(&t.id.span, format!("runbook step `{}` needs exactly one action", t.id.value))
            .help("one of shift, drain, prefer, failover"));
    }
    if let Some(s) = &t.shift {
        Ok(StepAction::Shift(shift(cx, spec, topo, conns, &s.value)?))
    } else if let Some(l) = &t.drain {
        let e = element(cx, topo, l, "link")?;
        expect_class(cx, l, e, &["link"], "drain")?;
        Ok(StepAction::Drain { link: l.value.clone() })
    } else if let Some(p) = &t.prefer {
        prefer(cx, topo, conns, &p.value)
    } else if let Some(f) = &t.failover {
        if f.value.is_empty() {
            return cx.fail(&f.span, "failover lists at least one { traffic, to } shift");
        }
        let shifts = f.value.iter().map(|s| shift(cx, spec, topo, conns, &s.value)).collect::<R<Vec<_>>>()?;
        // One place per group: a second shift of the same group would silently win.
        for (i, s) in f.value.iter().enumerate() {
            if f.value[..i].iter().any(|p| p.value.traffic.value == s.value.traffic.value) {
                return cx.fail(&s.value.traffic.span, format!("failover moves `{}` twice", s.value.traffic.value));
            }
        }
        Ok(StepAction::Failover { shifts })
    } else {
        cx.fail(&r.span, "runbook step without an action")
    }
}

/// `prefer = { link, local_pref, prepend, med }`: `link` names a link, or a VPN or an
/// interconnect as a whole (every one of its links); unset attributes take the defaults.
fn prefer(cx: &Ctx<'_>, topo: &Model, conns: &Connections<'_>, p: &format::PreferTable) -> R<StepAction> {
    let links = match conns.get(&p.link.value) {
        Some(c) => c.links,
        None => {
            let Some(e) = topo.element(&p.link.value) else {
                let mut d = cx.err(&p.link.span, format!("unknown link, VPN or interconnect `{}`", p.link.value));
                let links = topo.links.iter().map(|l| l.spec.id.as_str());
                if let Some(n) = did_you_mean(&p.link.value, conns.names().chain(links)) {
                    d = d.label(format!("did you mean `{n}`?"));
                }
                return Err(d);
            };
            expect_class(cx, &p.link, e, &["link", "vpn", "interconnect"], "prefer")?;
            vec![p.link.value.clone()]
        }
    };
    let d = RouteAttrs::DEFAULT;
    let attrs = RouteAttrs {
        local_pref: p.local_pref.unwrap_or(d.local_pref),
        prepend: p.prepend.unwrap_or(d.prepend),
        med: p.med.unwrap_or(d.med),
    };
    Ok(StepAction::Prefer { name: p.link.value.clone(), links, attrs })
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
