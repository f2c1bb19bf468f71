//! The fault part of the build: scripted faults (target, action, trigger) and random fault
//! processes over a class of elements.
//!
//! Reads the topology and groups the builder already holds; adds faults and random fault
//! processes. Fault ids and `after` loops are settled by `Model::build` before this runs.

use std::collections::BTreeMap;

use super::Builder;
use crate::model::checks::check_action;
use crate::model::error::{BuildError, invalid, nearest};
use crate::model::ids::{Element, FaultId, idx};
use crate::model::types::{Fault, FaultTrigger, RandomFaults};
use crate::spec::{ElementClass, FaultSpec, LinkKind, ModelSpec, Trigger};
use crate::time::SimDuration;

impl Builder {
    pub(super) fn fault(&mut self, f: &FaultSpec, ids: &BTreeMap<String, FaultId>) -> Result<Fault, BuildError> {
        let owner = format!("fault `{}`", f.id);
        let target = self.lookup(&owner, "fault target", &f.target)?;
        check_action(&owner, &f.action, target, &f.target)?;
        if f.duration == Some(SimDuration::ZERO) {
            return Err(invalid(&owner, "duration", "must be positive"));
        }
        let trigger = match &f.trigger {
            Trigger::At(t) => {
                if t.as_nanos() >= self.m.duration.as_nanos() {
                    return Err(invalid(&owner, "at", format!("{t} is not before the end of the run ({})", self.m.duration)));
                }
                FaultTrigger::At(*t)
            }
            Trigger::After { fault, delay } => {
                let Some(&other) = ids.get(fault) else {
                    let nearest = nearest(fault, ids.keys().map(String::as_str));
                    return Err(BuildError::Unknown { owner, wanted: "fault", name: fault.clone(), nearest });
                };
                FaultTrigger::After { fault: other, delay: *delay }
            }
        };
        Ok(Fault { id: f.id.clone(), target, target_name: f.target.clone(), action: f.action, trigger, duration: f.duration })
    }

    pub(super) fn random_faults(&mut self, spec: &ModelSpec) -> Result<(), BuildError> {
        for r in &spec.random_faults {
            let owner = format!("random faults `{}`", r.id);
            if r.mtbf < SimDuration::from_secs(1) || r.mttr < SimDuration::from_millis(1) {
                return Err(invalid(&owner, "mtbf", "MTBF must be at least 1 s and MTTR at least 1 ms"));
            }
            let elements: Vec<Element> = match r.class {
                ElementClass::Channel => (0..self.m.links.len())
                    .filter(|&i| self.m.links[i].spec.kind == LinkKind::Channel)
                    .map(|i| Element::Link(idx(i)))
                    .collect(),
                ElementClass::Router => (0..self.m.routers.len()).map(|i| Element::Router(idx(i))).collect(),
                ElementClass::Facility => (0..self.m.facilities.len()).map(|i| Element::Facility(idx(i))).collect(),
            };
            if let Some(&e) = elements.first() {
                check_action(&owner, &r.action, e, &r.id)?;
            }
            self.m.random_faults.push(RandomFaults { spec: r.clone(), elements });
        }
        Ok(())
    }
}
