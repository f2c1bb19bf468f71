//! Validation that needs nothing but its input: a link's values and session timers, TCP
//! parameters, whether a fault action suits its target, and loops among fault `after`
//! triggers and runbook `after` steps.
//!
//! Pure functions over spec values and resolved [`Step`]s; they never touch the builder's
//! state. `check_action` is also used at run time when a fault is injected by hand.

use std::collections::BTreeMap;

use super::chains::{first_loop, first_loop_by_id};
use super::error::{BuildError, invalid};
use super::ids::Element;
use super::types::{Step, StepTrig};
use crate::spec::{FaultAction, LinkSpec, ModelSpec, TcpSpec, Trigger};
use crate::time::SimDuration;

pub(super) fn check_link(owner: &str, l: &LinkSpec) -> Result<(), BuildError> {
    if l.members == 0 {
        return Err(invalid(owner, "members", "a LAG needs at least one member"));
    }
    if l.member_bps == 0 {
        return Err(invalid(owner, "bandwidth", "must be positive"));
    }
    if !(576..=9216).contains(&l.mtu) {
        return Err(invalid(owner, "mtu", format!("{} is outside 576..=9216 bytes", l.mtu)));
    }
    if l.base_loss_ppm >= 1_000_000 {
        return Err(invalid(owner, "loss", "must be below 100%"));
    }
    if let Some(s) = &l.session {
        for (side, t) in ["a", "b"].iter().zip(s.bgp.iter()) {
            if t.keepalive.as_nanos() == 0 || t.hold.as_nanos() == 0 {
                return Err(invalid(owner, "bgp", format!("side {side}: keepalive and hold must be positive")));
            }
            // RFC 4271 §4.2: a hold time, when not zero, is at least 3 s.
            if t.hold < SimDuration::from_secs(3) {
                return Err(invalid(owner, "bgp", format!("side {side}: hold {} is below the 3 s minimum of RFC 4271", t.hold)));
            }
            // AWS Direct Connect's minimum keepalive (interconnect-facts §3.1); shorter
            // would only burn events.
            if t.keepalive < SimDuration::from_secs(1) {
                return Err(invalid(owner, "bgp", format!("side {side}: keepalive {} is below the 1 s minimum", t.keepalive)));
            }
            if t.keepalive > t.hold {
                return Err(invalid(owner, "bgp", format!("side {side}: keepalive {} exceeds hold {}", t.keepalive, t.hold)));
            }
        }
        if let Some(bfd) = &s.bfd {
            for (side, t) in ["a", "b"].iter().zip(bfd.iter()) {
                if t.multiplier == 0 || t.multiplier > 255 {
                    return Err(invalid(owner, "bfd", format!("side {side}: multiplier must be 1..=255")));
                }
                if t.desired_min_tx < SimDuration::from_millis(1) || t.required_min_rx < SimDuration::from_millis(1) {
                    return Err(invalid(owner, "bfd", format!("side {side}: intervals below 1 ms are not supported")));
                }
            }
        }
        if s.connect_retry < SimDuration::from_millis(100) {
            return Err(invalid(owner, "connect_retry", "must be at least 100 ms"));
        }
    }
    Ok(())
}

pub(super) fn check_tcp(owner: &str, t: &TcpSpec) -> Result<(), BuildError> {
    if t.rto_min.as_nanos() == 0 || t.rto_initial.as_nanos() == 0 {
        return Err(invalid(owner, "tcp", "RTO values must be positive"));
    }
    if t.rto_max < t.rto_min {
        return Err(invalid(owner, "tcp", "rto_max is below rto_min"));
    }
    if t.initial_window == 0 {
        return Err(invalid(owner, "tcp", "initial window must be at least one segment"));
    }
    if t.rwnd_bytes < 1024 {
        return Err(invalid(owner, "tcp", "receive window below 1 KiB"));
    }
    Ok(())
}

pub(crate) fn check_action(owner: &str, a: &FaultAction, target: Element, name: &str) -> Result<(), BuildError> {
    let bad =
        |action: &'static str| BuildError::BadTarget { owner: owner.to_string(), action, class: target.class(), target: name.to_string() };
    let link_like = matches!(target, Element::Link(_) | Element::Interconnect(_));
    match a {
        FaultAction::Down => {
            if matches!(target, Element::Group(_)) {
                return Err(bad("down"));
            }
        }
        FaultAction::Blackhole | FaultAction::Partition(_) | FaultAction::BgpReset | FaultAction::BfdDisable => {
            if !link_like {
                return Err(bad("link"));
            }
        }
        FaultAction::Degrade(d) => {
            if !link_like {
                return Err(bad("degrade"));
            }
            if d.loss_ppm > 1_000_000 || d.capacity_ppm > 1_000_000 {
                return Err(invalid(owner, "degrade", "loss and capacity are fractions up to 100%"));
            }
        }
        FaultAction::Flap { period, up_ppm, count } => {
            if !link_like {
                return Err(bad("flap"));
            }
            if period.as_nanos() == 0 || *count == 0 || *up_ppm >= 1_000_000 || *up_ppm == 0 {
                return Err(invalid(owner, "flap", "needs a positive period and count, and a duty strictly between 0% and 100%"));
            }
            if *period < SimDuration::from_millis(1) || *count > 1_000_000 {
                return Err(invalid(owner, "flap", "period must be at least 1 ms and count at most 1,000,000"));
            }
        }
        FaultAction::Drain { .. } => {
            if !link_like {
                return Err(bad("drain"));
            }
        }
    }
    Ok(())
}

/// Loops of fault `after` triggers, reported as the walk from the first fault (in spec
/// order) whose chain loops. Runs before the duplicate-id check, so ids may repeat: a
/// trigger names the first fault with its id, and a walk stops at an id it met before.
pub(super) fn check_fault_cycles(spec: &ModelSpec) -> Result<(), BuildError> {
    let mut first: BTreeMap<&str, usize> = BTreeMap::new();
    let first_of: Vec<usize> = spec.faults.iter().enumerate().map(|(i, f)| *first.entry(f.id.as_str()).or_insert(i)).collect();
    let next: Vec<Option<usize>> = spec
        .faults
        .iter()
        .map(|f| match &f.trigger {
            Trigger::After { fault, .. } => first.get(fault.as_str()).copied(),
            Trigger::At(_) => None,
        })
        .collect();
    match first_loop_by_id(&next, &first_of) {
        Some(walk) => Err(BuildError::FaultLoop { cycle: walk.into_iter().map(|k| spec.faults[k].id.clone()).collect() }),
        None => Ok(()),
    }
}

/// Loops of runbook `after` steps (ids are unique by now), reported as the walk from the
/// first step whose chain loops.
pub(super) fn check_step_cycles(steps: &[Step]) -> Result<(), BuildError> {
    let next: Vec<Option<usize>> = steps
        .iter()
        .map(|s| match s.trigger {
            StepTrig::AfterStep(prev) => Some(prev.index()),
            _ => None,
        })
        .collect();
    match first_loop(&next) {
        Some(walk) => Err(BuildError::RunbookLoop { cycle: walk.into_iter().map(|k| steps[k].id.clone()).collect() }),
        None => Ok(()),
    }
}
