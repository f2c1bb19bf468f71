//! The runbook part of the build: alarms (a condition on a group or sessions, held for a
//! period) and runbook steps (trigger, delay, action).
//!
//! Reads the topology and groups the builder already holds; adds alarms and steps. Step
//! loops are checked by `Model::build` once every step is in.

use std::collections::BTreeMap;

use super::Builder;
use crate::model::error::{BuildError, invalid, nearest};
use crate::model::ids::{AdjId, AlarmId, Element, GroupId, LinkId, StepId, idx};
use crate::model::types::{Action, AdjPin, Adjacency, Alarm, Condition, Route, Step, StepTrig};
use crate::spec::{AlarmCondition, Delay, ModelSpec, PinSpec, ShiftSpec, StepAction, StepTrigger};

impl Builder {
    pub(super) fn alarms(&mut self, spec: &ModelSpec) -> Result<BTreeMap<String, AlarmId>, BuildError> {
        let mut alarm_ids = BTreeMap::new();
        for a in &spec.alarms {
            let owner = format!("alarm `{}`", a.id);
            let condition = match &a.condition {
                AlarmCondition::GroupBelow { group, fraction_ppm, for_ } => {
                    if *fraction_ppm == 0 || *fraction_ppm > 1_000_000 {
                        return Err(invalid(&owner, "below", "must be above 0% and at most 100%"));
                    }
                    Condition::GroupBelow { group: self.lookup_group(&owner, group)?, fraction_ppm: *fraction_ppm, for_: *for_ }
                }
                AlarmCondition::Unreachable { group, for_ } => {
                    Condition::Unreachable { group: self.lookup_group(&owner, group)?, for_: *for_ }
                }
                AlarmCondition::LossAbove { group, loss_ppm, for_ } => {
                    if *loss_ppm >= 1_000_000 {
                        return Err(invalid(&owner, "loss_above", "must be below 100%"));
                    }
                    Condition::LossAbove { group: self.lookup_group(&owner, group)?, loss_ppm: *loss_ppm, for_: *for_ }
                }
                AlarmCondition::LatencyAbove { group, rtt, for_ } => {
                    Condition::LatencyAbove { group: self.lookup_group(&owner, group)?, rtt: *rtt, for_: *for_ }
                }
                AlarmCondition::SessionDown { target, for_ } => {
                    let links = match self.lookup(&owner, "link or interconnect", target)? {
                        Element::Link(l) => vec![l],
                        Element::Interconnect(i) => self.m.interconnects[i.index()].links.clone(),
                        other => {
                            return Err(invalid(
                                &owner,
                                "session_down",
                                format!("`{target}` is a {}, not a link or interconnect", other.class()),
                            ));
                        }
                    };
                    Condition::SessionDown { links, for_: *for_ }
                }
            };
            if alarm_ids.insert(a.id.clone(), AlarmId(self.m.alarms.len() as u32)).is_some() {
                return Err(BuildError::Duplicate { id: a.id.clone(), class: "alarm" });
            }
            self.m.alarms.push(Alarm { id: a.id.clone(), condition });
        }
        Ok(alarm_ids)
    }

    pub(super) fn steps(&mut self, spec: &ModelSpec, alarm_ids: &BTreeMap<String, AlarmId>) -> Result<(), BuildError> {
        let mut step_ids = BTreeMap::new();
        for (i, s) in spec.steps.iter().enumerate() {
            if step_ids.insert(s.id.clone(), StepId(i as u32)).is_some() {
                return Err(BuildError::Duplicate { id: s.id.clone(), class: "runbook step" });
            }
        }
        for s in &spec.steps {
            let owner = format!("runbook step `{}`", s.id);
            let trigger = match &s.trigger {
                StepTrigger::Alarm(a) => match alarm_ids.get(a) {
                    Some(&id) => StepTrig::Alarm(id),
                    None => {
                        return Err(BuildError::Unknown {
                            owner,
                            wanted: "alarm",
                            name: a.clone(),
                            nearest: nearest(a, alarm_ids.keys().map(String::as_str)),
                        });
                    }
                },
                StepTrigger::At(t) => StepTrig::At(*t),
                StepTrigger::AfterStep(p) => match step_ids.get(p) {
                    Some(&id) => StepTrig::AfterStep(id),
                    None => {
                        return Err(BuildError::Unknown {
                            owner,
                            wanted: "runbook step",
                            name: p.clone(),
                            nearest: nearest(p, step_ids.keys().map(String::as_str)),
                        });
                    }
                },
            };
            if let Delay::Uniform { min, max } = s.delay
                && min > max
            {
                return Err(invalid(&owner, "delay", "min is above max"));
            }
            let action = match &s.action {
                StepAction::Shift(sh) => Action::Shift(vec![self.shift(&owner, sh)?]),
                StepAction::Failover { shifts } => Action::Shift(shifts.iter().map(|sh| self.shift(&owner, sh)).collect::<Result<_, _>>()?),
                StepAction::Drain { link } => Action::Drain(self.lookup_link(&owner, link)?),
                StepAction::Prefer { links, attrs, .. } => {
                    if links.is_empty() {
                        return Err(invalid(&owner, "prefer", "names no link"));
                    }
                    Action::Prefer(links.iter().map(|l| self.lookup_link(&owner, l)).collect::<Result<_, _>>()?, *attrs)
                }
            };
            self.m.steps.push(Step { id: s.id.clone(), trigger, delay: s.delay, action });
        }
        Ok(())
    }

    /// A shift's group and its new route, each pinned hop onto its connection's adjacency.
    fn shift(&mut self, owner: &str, sh: &ShiftSpec) -> Result<(GroupId, Route), BuildError> {
        let g = self.lookup_group(owner, &sh.group)?;
        let mut route = self.route(owner, &sh.group, &sh.route)?;
        if !sh.over.is_empty() && sh.over.len() != route.hops.len() {
            return Err(invalid(owner, "over", "needs one entry per hop of the route"));
        }
        for (k, pin) in sh.over.iter().enumerate() {
            if let Some(pin) = pin {
                route.hops[k].adj = self.pinned(owner, route.hops[k].adj, pin)?;
            }
        }
        Ok((g, route))
    }

    /// The pinned adjacency over `pin`'s links of `base` (one per connection, shared by every
    /// shift onto it): same sites, policies and hashing as `base`, only those links.
    fn pinned(&mut self, owner: &str, base: AdjId, pin: &PinSpec) -> Result<AdjId, BuildError> {
        let mut links = Vec::with_capacity(pin.links.len());
        for l in &pin.links {
            let id = self.lookup_link(owner, l)?;
            if self.m.links[id.index()].adjacency != base {
                return Err(invalid(owner, "to", format!("link `{l}` of `{}` does not join the hop's sites", pin.name)));
            }
            links.push(id);
        }
        if links.is_empty() {
            return Err(invalid(owner, "to", format!("`{}` has no links", pin.name)));
        }
        // In the base adjacency's order, so that hashing picks members as it would there.
        let b = &self.m.adjacencies[base.index()];
        let links: Vec<LinkId> = b.links.iter().copied().filter(|l| links.contains(l)).collect();
        if let Some(&a) = self.pin_index.get(&(base, links.clone())) {
            return Ok(a);
        }
        let id: AdjId = idx(self.m.adjacencies.len());
        let adj = Adjacency {
            sites: b.sites,
            links: links.clone(),
            resilient_buckets: b.resilient_buckets,
            policies: b.policies.clone(),
            pin: Some(AdjPin { base, name: pin.name.clone() }),
        };
        self.m.adjacencies.push(adj);
        self.pin_index.insert((base, links.clone()), id);
        for l in links {
            self.m.links[l.index()].pins.push(id);
        }
        Ok(id)
    }
}
