//! The builder behind [`Model::build`]: it resolves names to typed ids in spec order and
//! runs every check, so a built [`Model`] never holds a dangling reference or an impossible
//! value.
//!
//! This file holds the `Builder` state, the build order, and the name registry and lookups
//! every part shares. The parts themselves live in submodules, one per section of the spec:
//! `topology` (sites, routers, facilities, interconnects, links, adjacencies and their
//! routing policies), `traffic` (routes and groups), `faults` (scripted and random faults)
//! and `runbook` (alarms and steps). Only this module and its submodules touch a `Builder`.

use std::collections::BTreeMap;

use super::Model;
use super::checks::{check_fault_cycles, check_step_cycles};
use super::error::{BuildError, invalid, nearest};
use super::ids::{AdjId, Element, EndpointId, FaultId, GroupId, LinkId, SiteId, idx};
use super::types::Endpoint;
use crate::spec::ModelSpec;
use crate::time::SimDuration;

mod faults;
mod runbook;
mod topology;
mod traffic;

struct Builder {
    m: Model,
    adj_index: BTreeMap<(SiteId, SiteId), AdjId>,
    /// Pinned adjacencies by base adjacency and links, so that shifts onto one connection
    /// share one.
    pin_index: BTreeMap<(AdjId, Vec<LinkId>), AdjId>,
}

impl Builder {
    fn name(&mut self, id: &str, e: Element) -> Result<(), BuildError> {
        if let Some(prev) = self.m.names.get(id) {
            return Err(BuildError::Duplicate { id: id.to_string(), class: prev.class() });
        }
        self.m.names.insert(id.to_string(), e);
        Ok(())
    }

    fn unknown(&self, owner: &str, wanted: &'static str, name: &str) -> BuildError {
        let nearest = nearest(name, self.m.names.keys().map(String::as_str));
        BuildError::Unknown { owner: owner.to_string(), wanted, name: name.to_string(), nearest }
    }

    fn lookup(&self, owner: &str, wanted: &'static str, name: &str) -> Result<Element, BuildError> {
        self.m.names.get(name).copied().ok_or_else(|| self.unknown(owner, wanted, name))
    }

    fn lookup_site(&self, owner: &str, name: &str) -> Result<SiteId, BuildError> {
        match self.lookup(owner, "site", name)? {
            Element::Site(s) => Ok(s),
            other => Err(invalid(owner, "site", format!("`{name}` is a {}, not a site", other.class()))),
        }
    }

    fn lookup_group(&self, owner: &str, name: &str) -> Result<GroupId, BuildError> {
        match self.m.names.get(name) {
            Some(Element::Group(g)) => Ok(*g),
            _ => {
                let nearest = nearest(name, self.m.groups.iter().map(|g| g.spec.id.as_str()));
                Err(BuildError::Unknown { owner: owner.to_string(), wanted: "traffic group", name: name.to_string(), nearest })
            }
        }
    }

    fn lookup_link(&self, owner: &str, name: &str) -> Result<LinkId, BuildError> {
        match self.m.names.get(name) {
            Some(Element::Link(l)) => Ok(*l),
            _ => {
                let nearest = nearest(name, self.m.links.iter().map(|l| l.spec.id.as_str()));
                Err(BuildError::Unknown { owner: owner.to_string(), wanted: "link", name: name.to_string(), nearest })
            }
        }
    }
}

/// The longest run a model may ask for: a year (and a day). Longer runs would take hours of
/// wall time for control-plane timers alone; split them instead.
pub const MAX_DURATION: SimDuration = SimDuration::from_secs(366 * 24 * 3600);

impl Model {
    /// Resolves and validates a spec.
    pub fn build(spec: &ModelSpec) -> Result<Model, BuildError> {
        if spec.duration.as_nanos() == 0 {
            return Err(invalid("scenario", "duration", "must be positive"));
        }
        if spec.duration > MAX_DURATION {
            return Err(invalid("scenario", "duration", "is longer than 366 days"));
        }
        let mut b = Builder {
            m: Model {
                sites: vec![],
                endpoints: vec![],
                routers: vec![],
                facilities: vec![],
                interconnects: vec![],
                links: vec![],
                adjacencies: vec![],
                groups: vec![],
                faults: vec![],
                random_faults: vec![],
                alarms: vec![],
                steps: vec![],
                duration: spec.duration,
                names: BTreeMap::new(),
                adjacency_of: BTreeMap::new(),
            },
            adj_index: BTreeMap::new(),
            pin_index: BTreeMap::new(),
        };
        for s in &spec.sites {
            b.add_site(&format!("site `{}`", s.id), s)?;
        }
        for l in &spec.links {
            b.link(l)?;
        }
        for e in &spec.endpoints {
            let owner = format!("endpoint `{}`", e.id);
            let site = b.lookup_site(&owner, &e.site)?;
            let id: EndpointId = idx(b.m.endpoints.len());
            b.name(&e.id, Element::Endpoint(id))?;
            b.m.endpoints.push(Endpoint { id: e.id.clone(), site });
        }
        for p in &spec.adjacencies {
            b.adjacency_policy(p)?;
        }
        for t in &spec.traffic {
            b.traffic(t)?;
        }
        let total: u64 = spec.traffic.iter().map(|t| u64::from(t.flows)).sum();
        if total > 2_000_000 {
            return Err(invalid("scenario", "flows", format!("{total} flows in all; at most 2,000,000 are supported")));
        }
        check_fault_cycles(spec)?;
        let mut fault_ids = BTreeMap::new();
        for (i, f) in spec.faults.iter().enumerate() {
            if fault_ids.insert(f.id.clone(), FaultId(i as u32)).is_some() {
                return Err(BuildError::Duplicate { id: f.id.clone(), class: "fault" });
            }
        }
        for f in &spec.faults {
            let fault = b.fault(f, &fault_ids)?;
            b.m.faults.push(fault);
        }
        b.random_faults(spec)?;
        let alarm_ids = b.alarms(spec)?;
        b.steps(spec, &alarm_ids)?;
        check_step_cycles(&b.m.steps)?;
        b.m.adjacency_of = b.adj_index;
        Ok(b.m)
    }
}
