//! The runbook part of the build: alarms (a condition on a group or sessions, held for a
//! period) and runbook steps (trigger, delay, action).
//!
//! Reads the topology and groups the builder already holds; adds alarms and steps. Step
//! loops are checked by `Model::build` once every step is in.

use std::collections::BTreeMap;

use super::Builder;
use crate::model::error::{BuildError, invalid, nearest};
use crate::model::ids::{AlarmId, Element, StepId};
use crate::model::types::{Action, Alarm, Condition, Step, StepTrig};
use crate::spec::{AlarmCondition, Delay, ModelSpec, StepAction, StepTrigger};

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
                StepAction::Shift { group, route } => {
                    let g = self.lookup_group(&owner, group)?;
                    Action::Shift(vec![(g, self.route(&owner, group, route)?)])
                }
                StepAction::Failover { shifts } => {
                    let mut v = Vec::new();
                    for (group, route) in shifts {
                        let g = self.lookup_group(&owner, group)?;
                        v.push((g, self.route(&owner, group, route)?));
                    }
                    Action::Shift(v)
                }
                StepAction::Drain { link } => Action::Drain(self.lookup_link(&owner, link)?),
                StepAction::Prefer { link, attrs } => Action::Prefer(self.lookup_link(&owner, link)?, *attrs),
            };
            self.m.steps.push(Step { id: s.id.clone(), trigger, delay: s.delay, action });
        }
        Ok(())
    }
}
