//! `[[fault]]` tables (trigger, exactly one action, target, duration, `after` chains) and
//! `[[random_faults]]` processes.
//!
//! It reads the topology and adds faults and random fault processes to the spec.

use std::collections::HashMap;
use std::ops::Range;

use sim_core::model::Model;
use sim_core::spec::*;
use sim_core::{SimDuration, SimTime};

use super::R;
use super::context::{Ctx, Decorate, choice, claim, element, expect_class};
use crate::error::did_you_mean;
use crate::format::{self, Either, Sp};
use crate::templates::DEFAULT_DRAIN_WAIT;

const ACTION_KEYS: &str = "cut, blackhole, degrade, partition, flap, router_down, facility_down, site_down, region_down, endpoint_down, bgp_reset, bfd_disable, drain";

/// The limits sim-core's `Model::build` puts on flaps and random faults, checked here first
/// so the error points at the key (sim-core checks them again).
const MIN_FLAP_PERIOD: SimDuration = SimDuration::from_millis(1);
pub(crate) const MAX_FLAP_COUNT: u32 = 1_000_000;
const MIN_MTBF: SimDuration = SimDuration::from_secs(1);
const MIN_MTTR: SimDuration = SimDuration::from_millis(1);

/// The element classes that link-level fault actions apply to.
const LINK_LIKE: [&str; 2] = ["link", "interconnect"];

pub(super) fn faults(cx: &mut Ctx<'_>, spec: &mut ModelSpec, topo: &Model, list: &[Sp<format::Fault>]) -> R<()> {
    // Ids come first, as a whole, so that `after` may name a fault defined further down.
    let ids: Vec<(String, Range<usize>)> = list
        .iter()
        .enumerate()
        .map(|(i, f)| f.value.id.as_ref().map_or_else(|| (format!("f{}", i + 1), f.span.clone()), |s| (s.value.clone(), s.span.clone())))
        .collect();
    for (id, span) in &ids {
        claim(cx, id, span, "fault")?;
    }
    let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, (id, _))| (id.as_str(), i)).collect();
    for (f, (id, _)) in list.iter().zip(&ids) {
        let trigger = fault_trigger(cx, f, id, &ids, &index)?;
        check_one_action(cx, f, id)?;
        let (target, action) = fault_action(cx, topo, f)?;
        cx.spans.insert(target.value.clone(), target.span.clone());
        // Where sim-core's fault checks (its backstop for the limits below) point.
        if let Some(fl) = &f.value.flap {
            cx.fields.set(id, "flap", &fl.span);
        }
        if let Some(d) = &f.value.degrade {
            cx.fields.set(id, "degrade", &d.span);
        }
        let duration = match &f.value.for_ {
            Some(d) => Some(cx.positive(d, "a fault's `for`")?),
            None => None,
        };
        spec.faults.push(FaultSpec { id: id.clone(), target: target.value, action, trigger, duration });
    }
    check_fault_chains(cx, &spec.faults, list)?;
    warn_overlapping_maintenance(cx, spec, list);
    Ok(())
}

/// The interconnect spec's maintenance rule: "Devices that comprise the same interconnect
/// should never be under scheduled maintenance at the same time" (aws/Interconnect at 8c3beb1,
/// connection-coordinator/docs/Protocols.md; updates-2026-12.md §1.3). A `drain` is scheduled
/// maintenance, so two drains whose windows overlap on different channels of one
/// interconnect break it. A warning, not an error: the rule is a "should" between the
/// providers' coordinators, emergency maintenance is exempt from it (and is written as a
/// drain too), and a file that breaks it on purpose rehearses a coordination failure, which
/// is worth simulating. A drain of a whole interconnect alone is taking it out of service
/// (a migration's last step), not two devices' maintenance, and is not warned about. Runbook
/// drains start when an alarm fires, which only a run knows, so they are not checked.
fn warn_overlapping_maintenance(cx: &Ctx<'_>, spec: &ModelSpec, list: &[Sp<format::Fault>]) {
    if spec.faults.iter().filter(|f| matches!(f.action, FaultAction::Drain { .. })).nth(1).is_none() {
        return;
    }
    let index: HashMap<&str, usize> = spec.faults.iter().enumerate().map(|(i, f)| (f.id.as_str(), i)).collect();
    let next: Vec<Option<usize>> = spec
        .faults
        .iter()
        .map(|f| match &f.trigger {
            Trigger::After { fault, .. } => index.get(fault.as_str()).copied(),
            Trigger::At(_) => None,
        })
        .collect();
    let (mut start, mut pending) = (vec![None; spec.faults.len()], Vec::new());
    // Each drain: its index, interconnect, channels and window [from, to).
    let mut drains: Vec<(usize, &str, Vec<&str>, SimDuration, SimDuration)> = Vec::new();
    for (i, f) in spec.faults.iter().enumerate() {
        if !matches!(f.action, FaultAction::Drain { .. }) {
            continue;
        }
        let (ic, channels): (&str, Vec<&str>) = match spec.links.iter().find(|l| l.id == f.target) {
            Some(l) => match &l.interconnect {
                Some(ic) => (ic.as_str(), vec![l.id.as_str()]),
                None => continue,
            },
            None => (
                f.target.as_str(),
                spec.links.iter().filter(|l| l.interconnect.as_deref() == Some(f.target.as_str())).map(|l| l.id.as_str()).collect(),
            ),
        };
        let from = chain_start(&spec.faults, &next, &mut start, &mut pending, i);
        let to = f.duration.map_or(cx.duration, |d| (from + d).min(cx.duration));
        drains.push((i, ic, channels, from, to));
    }
    for (k, (j, ic, chans, from, to)) in drains.iter().enumerate() {
        let clash = drains[..k].iter().find(|(_, other_ic, other, f0, t0)| {
            other_ic == ic && f0 < to && from < t0 && other.iter().chain(chans).collect::<std::collections::BTreeSet<_>>().len() > 1
        });
        let Some((i, _, other, f0, t0)) = clash else { continue };
        let names = |c: &[&str]| if c.len() == 1 { format!("`{}`", c[0]) } else { format!("all {} channels", c.len()) };
        let span = list[*j].value.drain.as_ref().map_or(&list[*j].span, |d| &d.span);
        cx.warn(
            span,
            format!(
                "faults `{}` and `{}` drain {} and {} of interconnect `{ic}` at the same time ({} to {}): the interconnect spec says devices of one interconnect are never under scheduled maintenance at once (aws/Interconnect Protocols.md, maintenance coordination); ignore this for emergency maintenance or a rehearsed coordination failure",
                spec.faults[*i].id,
                spec.faults[*j].id,
                names(other),
                names(chans),
                (*f0).max(*from),
                (*t0).min(*to),
            ),
            "stagger the drains so that one channel of the interconnect is in maintenance at a time",
        );
    }
}

/// `at` a time before the end of the run, or `after` another fault (plus an optional `delay`).
fn fault_trigger(
    cx: &Ctx<'_>,
    f: &Sp<format::Fault>,
    id: &str,
    ids: &[(String, Range<usize>)],
    index: &HashMap<&str, usize>,
) -> R<Trigger> {
    let t = &f.value;
    match (&t.at, &t.after) {
        (Some(at), None) => {
            if let Some(d) = &t.delay {
                return cx.fail(&d.span, "`delay` goes with `after`; with `at`, write the time directly");
            }
            if at.value.0 >= cx.duration {
                return Err(cx
                    .err(&at.span, format!("fault `{id}` starts at {}, after the end of the run", at.value.0))
                    .help(format!("the scenario lasts {}; start the fault earlier or make the run longer", cx.duration)));
            }
            Ok(Trigger::At(SimTime::ZERO + at.value.0))
        }
        (None, Some(after)) => {
            if !index.contains_key(after.value.as_str()) {
                let mut d = cx.err(&after.span, format!("`after` names an unknown fault `{}`", after.value));
                if let Some(n) = did_you_mean(&after.value, ids.iter().map(|(k, _)| k.as_str())) {
                    d = d.label(format!("did you mean `{n}`?"));
                }
                return Err(d);
            }
            Ok(Trigger::After { fault: after.value.clone(), delay: t.delay.as_ref().map_or(SimDuration::ZERO, |d| d.value.0) })
        }
        (Some(at), Some(_)) => cx.fail(&at.span, "a fault starts either `at` a time or `after` another fault, not both"),
        (None, None) => Err(cx.err(&f.span, format!("fault `{id}` has no start")).help("add `at = \"30s\"` or `after = \"other-fault\"`")),
    }
}

/// The action keys a fault table sets, in `ACTION_KEYS` order, with their spans.
fn action_keys(t: &format::Fault) -> Vec<(&'static str, Range<usize>)> {
    let s = |o: &Option<Sp<String>>| o.as_ref().map(|x| x.span.clone());
    [
        ("cut", s(&t.cut)),
        ("blackhole", s(&t.blackhole)),
        ("degrade", t.degrade.as_ref().map(|x| x.span.clone())),
        ("partition", t.partition.as_ref().map(|x| x.span.clone())),
        ("flap", t.flap.as_ref().map(|x| x.span.clone())),
        ("router_down", s(&t.router_down)),
        ("facility_down", s(&t.facility_down)),
        ("site_down", s(&t.site_down)),
        ("region_down", s(&t.region_down)),
        ("endpoint_down", s(&t.endpoint_down)),
        ("bgp_reset", s(&t.bgp_reset)),
        ("bfd_disable", s(&t.bfd_disable)),
        ("drain", t.drain.as_ref().map(|x| x.span.clone())),
    ]
    .into_iter()
    .filter_map(|(k, span)| span.map(|span| (k, span)))
    .collect()
}

/// A fault has exactly one action; a second one is reported where it is written.
fn check_one_action(cx: &Ctx<'_>, f: &Sp<format::Fault>, id: &str) -> R<()> {
    let actions = action_keys(&f.value);
    match actions.len() {
        0 => Err(cx.err(&f.span, format!("fault `{id}` has no action")).help(format!("add exactly one of: {ACTION_KEYS}"))),
        1 => Ok(()),
        _ => cx.fail(
            &actions[1].1,
            format!("fault `{id}` has two actions, `{}` and `{}`; write one [[fault]] per action", actions[0].0, actions[1].0),
        ),
    }
}

/// The target and action of a fault with exactly one action key.
fn fault_action(cx: &Ctx<'_>, topo: &Model, f: &Sp<format::Fault>) -> R<(Sp<String>, FaultAction)> {
    let t = &f.value;
    if let Some(x) = &t.cut {
        named_target(cx, topo, x, &LINK_LIKE, "cut", FaultAction::Down)
    } else if let Some(x) = &t.blackhole {
        named_target(cx, topo, x, &LINK_LIKE, "blackhole", FaultAction::Blackhole)
    } else if let Some(x) = &t.router_down {
        named_target(cx, topo, x, &["router"], "router_down", FaultAction::Down)
    } else if let Some(x) = &t.facility_down {
        named_target(cx, topo, x, &["facility"], "facility_down", FaultAction::Down)
    } else if let Some(x) = t.site_down.as_ref().or(t.region_down.as_ref()) {
        named_target(cx, topo, x, &["site"], "site_down", FaultAction::Down)
    } else if let Some(x) = &t.endpoint_down {
        named_target(cx, topo, x, &["endpoint"], "endpoint_down", FaultAction::Down)
    } else if let Some(x) = &t.bgp_reset {
        named_target(cx, topo, x, &LINK_LIKE, "bgp_reset", FaultAction::BgpReset)
    } else if let Some(x) = &t.bfd_disable {
        named_target(cx, topo, x, &LINK_LIKE, "bfd_disable", FaultAction::BfdDisable)
    } else if let Some(d) = &t.degrade {
        degrade(cx, topo, d)
    } else if let Some(p) = &t.partition {
        partition(cx, topo, p)
    } else if let Some(fl) = &t.flap {
        flap(cx, topo, &fl.value)
    } else if let Some(dr) = &t.drain {
        drain(cx, topo, dr)
    } else {
        cx.fail(&f.span, "fault without an action")
    }
}

/// An action whose key's value is the target (`cut = "link-id"`), which must be one of
/// `classes`.
fn named_target(
    cx: &Ctx<'_>,
    topo: &Model,
    x: &Sp<String>,
    classes: &[&str],
    key: &str,
    action: FaultAction,
) -> R<(Sp<String>, FaultAction)> {
    let e = element(cx, topo, x, "fault target")?;
    expect_class(cx, x, e, classes, key)?;
    Ok((x.clone(), action))
}

/// `degrade = { target, loss, delay, jitter, capacity }`: unset impairments stay neutral.
fn degrade(cx: &Ctx<'_>, topo: &Model, d: &Sp<format::DegradeTable>) -> R<(Sp<String>, FaultAction)> {
    let g = &d.value;
    let e = element(cx, topo, &g.target, "fault target")?;
    expect_class(cx, &g.target, e, &LINK_LIKE, "degrade")?;
    if g.loss.is_none() && g.delay.is_none() && g.jitter.is_none() && g.capacity.is_none() {
        return cx.fail(&d.span, "degrade needs at least one of loss, delay, jitter, capacity");
    }
    let deg = Degradation {
        loss_ppm: g.loss.as_ref().map_or(0, |x| x.value.0),
        burst: match &g.burst {
            Some(b) if b.value == 0 || b.value > 10_000 => {
                return cx.fail(&b.span, format!("burst is the mean length of a loss burst in packets: 1 to 10000, not {}", b.value));
            }
            Some(b) if g.loss.is_none() => return cx.fail(&b.span, "burst shapes the loss: give `loss` too"),
            Some(b) => b.value,
            None => 1,
        },
        extra_delay: g.delay.as_ref().map_or(SimDuration::ZERO, |x| x.value.0),
        jitter: g.jitter.as_ref().map_or(SimDuration::ZERO, |x| x.value.0),
        capacity_ppm: g.capacity.as_ref().map_or(1_000_000, |x| x.value.0),
    };
    Ok((g.target.clone(), FaultAction::Degrade(deg)))
}

/// `[[random_faults]]` classes and actions, as `random_faults` matches them (the schema's
/// enums list these).
pub(crate) const RANDOM_CLASSES: &[&str] = &["channel", "router", "facility"];
pub(crate) const RANDOM_ACTIONS: &[&str] = &["cut", "down", "blackhole", "bgp_reset", "bfd_disable"];

pub(crate) const DIRECTIONS: &[(&str, Direction)] = &[("a-to-b", Direction::AToB), ("b-to-a", Direction::BToA), ("both", Direction::Both)];

/// `partition = "target"` (both directions) or `{ target, direction }`.
fn partition(cx: &Ctx<'_>, topo: &Model, p: &Sp<Either<format::PartitionTable>>) -> R<(Sp<String>, FaultAction)> {
    let (target, dir) = match &p.value {
        Either::Str(s) => (Sp::new(s.clone(), p.span.clone()), Direction::Both),
        Either::Table(pt) => {
            let help = "direction is \"a-to-b\", \"b-to-a\" or \"both\"";
            (pt.target.clone(), choice(cx, &pt.direction, &p.span, "direction", DIRECTIONS, Direction::Both, help)?)
        }
        _ => return cx.fail(&p.span, "partition takes a target or { target = \"...\", direction = \"a-to-b\" }"),
    };
    let e = element(cx, topo, &target, "fault target")?;
    expect_class(cx, &target, e, &LINK_LIKE, "partition")?;
    Ok((target, FaultAction::Partition(dir)))
}

/// `flap = { target, period, duty, count }`: `count` cycles, up for `duty` of each period.
fn flap(cx: &Ctx<'_>, topo: &Model, g: &format::FlapTable) -> R<(Sp<String>, FaultAction)> {
    let e = element(cx, topo, &g.target, "fault target")?;
    expect_class(cx, &g.target, e, &LINK_LIKE, "flap")?;
    let period = cx.positive(&g.period, "the flap period")?;
    if period < MIN_FLAP_PERIOD {
        return Err(cx
            .err(&g.period.span, format!("a flap period of {period} is below the 1 ms faultline simulates"))
            .label("each period is an up and a down transition of the link"));
    }
    if g.count.value == 0 {
        return cx.fail(&g.count.span, "count must be at least 1");
    }
    if g.count.value > MAX_FLAP_COUNT {
        return Err(cx
            .err(&g.count.span, format!("a flap count of {} is above the 1,000,000 cycles faultline simulates", g.count.value))
            .help("a link flapping for longer is better modelled as down, or as random faults"));
    }
    if g.duty.value.0 == 0 || g.duty.value.0 >= 1_000_000 {
        return cx.fail(&g.duty.span, "duty (the share of each period the link is up) must be strictly between 0% and 100%");
    }
    Ok((g.target.clone(), FaultAction::Flap { period, up_ppm: g.duty.value.0, count: g.count.value }))
}

/// `drain = "target"` or `{ target, wait }`: prepend, wait, then take the link down.
fn drain(cx: &Ctx<'_>, topo: &Model, dr: &Sp<Either<format::DrainTable>>) -> R<(Sp<String>, FaultAction)> {
    let (target, wait) = match &dr.value {
        Either::Str(s) => (Sp::new(s.clone(), dr.span.clone()), DEFAULT_DRAIN_WAIT),
        Either::Table(d) => (d.target.clone(), d.wait.as_ref().map_or(DEFAULT_DRAIN_WAIT, |w| w.value.0)),
        _ => return cx.fail(&dr.span, "drain takes a target or { target = \"...\", wait = \"30s\" }"),
    };
    let e = element(cx, topo, &target, "fault target")?;
    expect_class(cx, &target, e, &LINK_LIKE, "drain")?;
    Ok((target, FaultAction::Drain { wait }))
}

/// Resolves `after` chains: each fault's start, summed along its chain, must come before
/// the end of the run, and no chain may loop back on itself. The first fault (in file order)
/// that fails either check is reported, as a walk of every chain in turn would; the chains
/// are resolved through an index of ids and each start is computed once.
fn check_fault_chains(cx: &Ctx<'_>, faults: &[FaultSpec], list: &[Sp<format::Fault>]) -> R<()> {
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(faults.len());
    for (i, f) in faults.iter().enumerate() {
        index.entry(f.id.as_str()).or_insert(i);
    }
    let next: Vec<Option<usize>> = faults
        .iter()
        .map(|f| match &f.trigger {
            Trigger::After { fault, .. } => index.get(fault.as_str()).copied(),
            Trigger::At(_) => None,
        })
        .collect();
    let walk = sim_core::model::first_loop(&next);
    // Every fault before the first one whose chain loops has a chain that ends.
    let ends = walk.as_ref().map_or(faults.len(), |w| w[0]);
    let mut start: Vec<Option<SimDuration>> = vec![None; faults.len()];
    let mut pending = Vec::new();
    for (i, f) in faults.iter().enumerate().take(ends) {
        let t = chain_start(faults, &next, &mut start, &mut pending, i);
        if t >= cx.duration {
            let span =
                list[i].value.delay.as_ref().map_or_else(|| list[i].value.after.as_ref().map_or(&list[i].span, |a| &a.span), |d| &d.span);
            return Err(cx
                .err(span, format!("fault `{}` starts at {t}, after the end of the run", f.id))
                .help(format!("the scenario lasts {}", cx.duration)));
        }
    }
    if let Some(walk) = walk {
        let i = walk[0];
        let ids: Vec<&str> = walk.iter().map(|&k| faults[k].id.as_str()).collect();
        let span = list[i].value.after.as_ref().map_or(&list[i].span, |a| &a.span);
        return cx.fail(span, format!("faults form a loop of `after` triggers: {}", ids.join(" -> ")));
    }
    Ok(())
}

/// When fault `i` starts: its `at`, or its delay plus the start of the fault it waits for
/// (just the delay when that fault is unknown). Memoized in `start`; `i`'s chain must end.
/// Iterative, so a chain of any length needs no stack.
fn chain_start(
    faults: &[FaultSpec],
    next: &[Option<usize>],
    start: &mut [Option<SimDuration>],
    pending: &mut Vec<usize>,
    i: usize,
) -> SimDuration {
    pending.clear();
    let mut cur = Some(i);
    let mut t = SimDuration::ZERO;
    while let Some(k) = cur {
        if let Some(known) = start[k] {
            t = known;
            break;
        }
        pending.push(k);
        cur = next[k];
    }
    // Saturating sums of non-negative durations do not depend on the order they are added in.
    for &k in pending.iter().rev() {
        t = match &faults[k].trigger {
            Trigger::At(at) => SimDuration(at.as_nanos()),
            Trigger::After { delay, .. } => *delay + t,
        };
        start[k] = Some(t);
    }
    t
}

pub(super) fn random_faults(cx: &mut Ctx<'_>, spec: &mut ModelSpec, i: usize, r: &Sp<format::RandomFaults>) -> R<()> {
    let t = &r.value;
    let (id, span) = t.id.as_ref().map_or_else(|| (format!("r{}", i + 1), r.span.clone()), |s| (s.value.clone(), s.span.clone()));
    claim(cx, &id, &span, "random_faults")?;
    let class = match t.class.value.as_str() {
        "channel" => ElementClass::Channel,
        "router" => ElementClass::Router,
        "facility" => ElementClass::Facility,
        other => {
            let mut d = cx.err(&t.class.span, format!("unknown element class `{other}`"));
            if let Some(n) = did_you_mean(other, RANDOM_CLASSES.iter().copied()) {
                d = d.label(format!("did you mean `{n}`?"));
            }
            return Err(d.help("class is \"channel\", \"router\" or \"facility\""));
        }
    };
    let action = match t.action.as_ref().map(|a| a.value.as_str()) {
        None | Some("cut") | Some("down") => FaultAction::Down,
        Some(a) if class == ElementClass::Channel => match a {
            "blackhole" => FaultAction::Blackhole,
            "bgp_reset" => FaultAction::BgpReset,
            "bfd_disable" => FaultAction::BfdDisable,
            other => {
                let span = t.action.as_ref().map_or(&r.span, |a| &a.span);
                let mut d = cx.err(span, format!("unknown random fault action `{other}`"));
                if let Some(n) = did_you_mean(other, RANDOM_ACTIONS.iter().copied()) {
                    d = d.label(format!("did you mean `{n}`?"));
                }
                return Err(d.help("for channels: cut, blackhole, bgp_reset or bfd_disable"));
            }
        },
        Some(other) => {
            let span = t.action.as_ref().map_or(&r.span, |a| &a.span);
            return cx.fail(span, format!("routers and facilities can only be `cut` (taken down), not `{other}`"));
        }
    };
    let mtbf = cx.positive(&t.mtbf, "mtbf")?;
    let mttr = cx.positive(&t.mttr, "mttr")?;
    if mtbf < MIN_MTBF {
        return Err(cx
            .err(&t.mtbf.span, format!("an MTBF of {mtbf} is below the 1 s faultline simulates"))
            .label("the mean time between failures of each element"));
    }
    if mttr < MIN_MTTR {
        return Err(cx
            .err(&t.mttr.span, format!("an MTTR of {mttr} is below the 1 ms faultline simulates"))
            .label("the mean time to repair each failure"));
    }
    cx.fields.set(&id, "mtbf", &t.mtbf.span);
    spec.random_faults.push(RandomFaultSpec { id, class, action, mtbf, mttr, max_faults: t.max.unwrap_or(0) });
    Ok(())
}
