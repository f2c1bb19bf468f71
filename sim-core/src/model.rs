//! The resolved model: every name turned into a typed index, every value checked.
//!
//! [`Model::build`] is the only way in, so the simulation never meets a dangling reference
//! or an impossible value. Errors are typed and name the element and field at fault; the
//! `scenarios` crate maps them back to file positions.

use std::collections::BTreeMap;

use serde::Serialize;
use thiserror::Error;

use crate::link::goodput_bps;
use crate::spec::*;
use crate::time::{SimDuration, SimTime};

macro_rules! id_type {
    ($($name:ident),*) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize { self.0 as usize }
        }
    )*};
}
id_type!(SiteId, LinkId, RouterId, FacilityId, InterconnectId, AdjId, GroupId, FaultId, AlarmId, StepId, EndpointId);

fn idx<T: From<u32>>(n: usize) -> T {
    T::from(u32::try_from(n).expect("more than 2^32 elements"))
}
macro_rules! from_u32 { ($($name:ident),*) => {$( impl From<u32> for $name { fn from(v: u32) -> Self { $name(v) } } )*}; }
from_u32!(SiteId, LinkId, RouterId, FacilityId, InterconnectId, AdjId, GroupId, FaultId, AlarmId, StepId, EndpointId);

/// Anything with a stable id that a fault, alarm or runbook step can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Element {
    Site(SiteId),
    Link(LinkId),
    Router(RouterId),
    Facility(FacilityId),
    Interconnect(InterconnectId),
    Group(GroupId),
    Endpoint(EndpointId),
}

impl Element {
    pub fn class(self) -> &'static str {
        match self {
            Element::Site(_) => "site",
            Element::Link(_) => "link",
            Element::Router(_) => "router",
            Element::Facility(_) => "facility",
            Element::Interconnect(_) => "interconnect",
            Element::Group(_) => "traffic group",
            Element::Endpoint(_) => "endpoint",
        }
    }
}

/// Why a model is invalid. Each variant names the element (and field) at fault.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum BuildError {
    #[error("duplicate id `{id}`: it is already used by a {class}")]
    Duplicate { id: String, class: &'static str },
    #[error("{owner}: unknown {wanted} `{name}`{}", nearest.as_ref().map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default())]
    Unknown { owner: String, wanted: &'static str, name: String, nearest: Option<String> },
    #[error("{owner}: `{field}` {reason}")]
    Invalid { owner: String, field: &'static str, reason: String },
    #[error("traffic `{group}`: no link joins `{a}` and `{b}`")]
    NoPath { group: String, a: String, b: String },
    #[error("{owner}: a {action} fault cannot target a {class} (`{target}`)")]
    BadTarget { owner: String, action: &'static str, class: &'static str, target: String },
    #[error("runbook steps form a loop: {}", cycle.join(" -> "))]
    RunbookLoop { cycle: Vec<String> },
    #[error("faults form a loop of `after` triggers: {}", cycle.join(" -> "))]
    FaultLoop { cycle: Vec<String> },
}

#[derive(Clone, Debug, Serialize)]
pub struct Site {
    pub id: String,
    pub cloud: Cloud,
    pub kind: SiteKind,
    pub internal_rtt: SimDuration,
}

#[derive(Clone, Debug, Serialize)]
pub struct Endpoint {
    pub id: String,
    pub site: SiteId,
}

#[derive(Clone, Debug, Serialize)]
pub struct Router {
    pub id: String,
    pub site: SiteId,
    pub facility: Option<FacilityId>,
    pub links: Vec<LinkId>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Facility {
    pub id: String,
    pub links: Vec<LinkId>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Interconnect {
    pub id: String,
    pub links: Vec<LinkId>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Link {
    pub spec: LinkSpec,
    pub sites: [SiteId; 2],
    pub routers: [RouterId; 2],
    pub facility: Option<FacilityId>,
    pub interconnect: Option<InterconnectId>,
    pub adjacency: AdjId,
    /// True when the link's A side is the adjacency's B side.
    pub flipped: bool,
    /// Capacity available to TCP payload per direction, bits per second.
    pub goodput_bps: u64,
    /// The routing policy of the adjacency that governs this link (index into
    /// `Adjacency::policies`; 0 is the adjacency-wide one).
    pub policy: u32,
}

impl Link {
    pub fn id(&self) -> &str {
        &self.spec.id
    }
    /// The link side (0 = A, 1 = B) at a given adjacency side.
    pub fn side_at(&self, adj_side: usize) -> usize {
        if self.flipped { 1 - adj_side } else { adj_side }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Adjacency {
    pub sites: [SiteId; 2],
    pub links: Vec<LinkId>,
    pub resilient_buckets: Option<u32>,
    /// Policy 0 governs every link no interconnect-scoped policy claims; the others, the
    /// links of one interconnect each. ECMP width counts per policy.
    pub policies: Vec<AdjPolicy>,
}

/// Convergence delay and ECMP width for a set of links of an adjacency.
#[derive(Clone, Debug, Serialize)]
pub struct AdjPolicy {
    pub interconnect: Option<InterconnectId>,
    pub max_paths: u32,
    /// Per adjacency side.
    pub convergence: [SimDuration; 2],
}

/// One hop of a route: an adjacency crossed from `from_side` (0 or 1) to the other side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub adj: AdjId,
    pub from_side: u8,
}

#[derive(Clone, Debug, Serialize)]
pub struct Route {
    pub sites: Vec<SiteId>,
    pub hops: Vec<Hop>,
    /// The endpoints the route starts and ends at, when it names them.
    pub ends: [Option<EndpointId>; 2],
}

#[derive(Clone, Debug, Serialize)]
pub struct Group {
    pub spec: TrafficSpec,
    pub route: Route,
}

#[derive(Clone, Debug, Serialize)]
pub enum FaultTrigger {
    At(SimTime),
    After { fault: FaultId, delay: SimDuration },
}

#[derive(Clone, Debug, Serialize)]
pub struct Fault {
    pub id: String,
    pub target: Element,
    pub target_name: String,
    pub action: FaultAction,
    pub trigger: FaultTrigger,
    pub duration: Option<SimDuration>,
}

impl Fault {
    /// The kind as reports name it: the action, refined by the target's class.
    pub fn kind(&self) -> &'static str {
        match (self.action, self.target) {
            (FaultAction::Down, Element::Router(_)) => "router-down",
            (FaultAction::Down, Element::Facility(_)) => "facility-down",
            (FaultAction::Down, Element::Site(_)) => "site-down",
            (FaultAction::Down, Element::Endpoint(_)) => "endpoint-down",
            (FaultAction::Down, _) => "cut",
            (FaultAction::Blackhole, _) => "blackhole",
            (FaultAction::Partition(_), _) => "partition",
            (FaultAction::Degrade(_), _) => "degrade",
            (FaultAction::Flap { .. }, _) => "flap",
            (FaultAction::BgpReset, _) => "bgp-reset",
            (FaultAction::BfdDisable, _) => "bfd-disable",
            (FaultAction::Drain { .. }, _) => "drain",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct RandomFaults {
    pub spec: RandomFaultSpec,
    pub elements: Vec<Element>,
}

#[derive(Clone, Debug, Serialize)]
pub enum Condition {
    GroupBelow { group: GroupId, fraction_ppm: u32, for_: SimDuration },
    SessionDown { links: Vec<LinkId>, for_: SimDuration },
    Unreachable { group: GroupId, for_: SimDuration },
}

#[derive(Clone, Debug, Serialize)]
pub struct Alarm {
    pub id: String,
    pub condition: Condition,
}

#[derive(Clone, Debug, Serialize)]
pub enum StepTrig {
    Alarm(AlarmId),
    At(SimTime),
    AfterStep(StepId),
}

#[derive(Clone, Debug, Serialize)]
pub enum Action {
    Shift(Vec<(GroupId, Route)>),
    Drain(LinkId),
    Prefer(LinkId, RouteAttrs),
}

#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub id: String,
    pub trigger: StepTrig,
    pub delay: Delay,
    pub action: Action,
}

/// A validated model, ready to simulate.
#[derive(Clone, Debug, Serialize)]
pub struct Model {
    pub sites: Vec<Site>,
    pub endpoints: Vec<Endpoint>,
    pub routers: Vec<Router>,
    pub facilities: Vec<Facility>,
    pub interconnects: Vec<Interconnect>,
    pub links: Vec<Link>,
    pub adjacencies: Vec<Adjacency>,
    pub groups: Vec<Group>,
    pub faults: Vec<Fault>,
    pub random_faults: Vec<RandomFaults>,
    pub alarms: Vec<Alarm>,
    pub steps: Vec<Step>,
    pub duration: SimDuration,
    #[serde(skip)]
    names: BTreeMap<String, Element>,
}

/// The id among `candidates` closest to `name`, if any is close enough to be a likely typo.
pub fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = strsim::levenshtein(name, c);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(2)).map(|(_, c)| c.to_string())
}

struct Builder {
    m: Model,
    adj_index: BTreeMap<(SiteId, SiteId), AdjId>,
}

fn invalid(owner: &str, field: &'static str, reason: impl Into<String>) -> BuildError {
    BuildError::Invalid { owner: owner.to_string(), field, reason: reason.into() }
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

    fn site(&mut self, owner: &str, id: &str) -> Result<SiteId, BuildError> {
        match self.m.names.get(id) {
            Some(Element::Site(s)) => Ok(*s),
            Some(other) => Err(invalid(owner, "site", format!("`{id}` is a {}, not a site", other.class()))),
            None => {
                let spec = SiteSpec { id: id.to_string(), kind: SiteKind::Region, internal_rtt: SiteSpec::DEFAULT_INTERNAL_RTT };
                self.add_site(owner, &spec)
            }
        }
    }

    fn add_site(&mut self, owner: &str, s: &SiteSpec) -> Result<SiteId, BuildError> {
        let (cloud, region) =
            s.id.split_once(':')
                .ok_or_else(|| invalid(owner, "site", format!("`{}` must be written cloud:region, e.g. aws:us-east-1", s.id)))?;
        let cloud =
            Cloud::parse(cloud).ok_or_else(|| invalid(owner, "site", format!("`{cloud}` is not a cloud (aws, gcp, azure, onprem)")))?;
        if region.is_empty() {
            return Err(invalid(owner, "site", format!("`{}` has an empty region", s.id)));
        }
        let id: SiteId = idx(self.m.sites.len());
        self.name(&s.id, Element::Site(id))?;
        self.m.sites.push(Site { id: s.id.clone(), cloud, kind: s.kind, internal_rtt: s.internal_rtt });
        Ok(id)
    }

    fn router(&mut self, owner: &str, id: &str, site: SiteId, facility: Option<FacilityId>) -> Result<RouterId, BuildError> {
        match self.m.names.get(id) {
            Some(Element::Router(r)) => {
                if self.m.routers[r.index()].site != site {
                    return Err(invalid(owner, "router", format!("router `{id}` is in another site")));
                }
                Ok(*r)
            }
            Some(other) => Err(invalid(owner, "router", format!("`{id}` is a {}, not a router", other.class()))),
            None => {
                let r: RouterId = idx(self.m.routers.len());
                self.name(id, Element::Router(r))?;
                self.m.routers.push(Router { id: id.to_string(), site, facility, links: Vec::new() });
                Ok(r)
            }
        }
    }

    fn facility(&mut self, owner: &str, id: &str) -> Result<FacilityId, BuildError> {
        match self.m.names.get(id) {
            Some(Element::Facility(f)) => Ok(*f),
            Some(other) => Err(invalid(owner, "facility", format!("`{id}` is a {}, not a facility", other.class()))),
            None => {
                let f: FacilityId = idx(self.m.facilities.len());
                self.name(id, Element::Facility(f))?;
                self.m.facilities.push(Facility { id: id.to_string(), links: Vec::new() });
                Ok(f)
            }
        }
    }

    fn interconnect(&mut self, owner: &str, id: &str) -> Result<InterconnectId, BuildError> {
        match self.m.names.get(id) {
            Some(Element::Interconnect(i)) => Ok(*i),
            Some(other) => Err(invalid(owner, "interconnect", format!("`{id}` is a {}, not an interconnect", other.class()))),
            None => {
                let i: InterconnectId = idx(self.m.interconnects.len());
                self.name(id, Element::Interconnect(i))?;
                self.m.interconnects.push(Interconnect { id: id.to_string(), links: Vec::new() });
                Ok(i)
            }
        }
    }

    fn adjacency(&mut self, a: SiteId, b: SiteId) -> (AdjId, bool) {
        let key = if a <= b { (a, b) } else { (b, a) };
        let id = *self.adj_index.entry(key).or_insert_with(|| {
            let id: AdjId = idx(self.m.adjacencies.len());
            self.m.adjacencies.push(Adjacency {
                sites: [key.0, key.1],
                links: Vec::new(),
                resilient_buckets: None,
                policies: vec![AdjPolicy { interconnect: None, max_paths: 8, convergence: [AdjacencySpec::DEFAULT_CONVERGENCE; 2] }],
            });
            id
        });
        (id, a != key.0)
    }

    fn link(&mut self, l: &LinkSpec) -> Result<(), BuildError> {
        let owner = format!("link `{}`", l.id);
        check_link(&owner, l)?;
        let a = self.site(&owner, &l.a_site)?;
        let b = self.site(&owner, &l.b_site)?;
        if a == b {
            return Err(invalid(&owner, "b_site", "a link must join two different sites"));
        }
        let id: LinkId = idx(self.m.links.len());
        self.name(&l.id, Element::Link(id))?;
        let facility = match &l.facility {
            Some(f) => Some(self.facility(&owner, f)?),
            None => None,
        };
        let interconnect = match &l.interconnect {
            Some(i) => Some(self.interconnect(&owner, i)?),
            None => None,
        };
        let ra = l.a_router.clone().unwrap_or_else(|| format!("{}/a-router", l.id));
        let rb = l.b_router.clone().unwrap_or_else(|| format!("{}/b-router", l.id));
        let ra = self.router(&owner, &ra, a, facility)?;
        let rb = self.router(&owner, &rb, b, facility)?;
        if ra == rb {
            return Err(invalid(&owner, "b_router", "both ends are the same router"));
        }
        self.m.routers[ra.index()].links.push(id);
        self.m.routers[rb.index()].links.push(id);
        if let Some(f) = facility {
            self.m.facilities[f.index()].links.push(id);
        }
        if let Some(i) = interconnect {
            self.m.interconnects[i.index()].links.push(id);
        }
        let (adj, flipped) = self.adjacency(a, b);
        self.m.adjacencies[adj.index()].links.push(id);
        if self.m.adjacencies[adj.index()].links.len() > 64 {
            return Err(invalid(&owner, "a_site", "more than 64 links join one pair of sites"));
        }
        let line = u64::from(l.members)
            .checked_mul(l.member_bps)
            .ok_or_else(|| invalid(&owner, "bandwidth", "members x member bandwidth overflows"))?;
        let goodput = goodput_bps(line, l.mtu, l.framing);
        self.m.links.push(Link {
            spec: l.clone(),
            sites: [a, b],
            routers: [ra, rb],
            facility,
            interconnect,
            adjacency: adj,
            flipped,
            goodput_bps: goodput,
            policy: 0,
        });
        Ok(())
    }

    fn adjacency_policy(&mut self, p: &AdjacencySpec) -> Result<(), BuildError> {
        let owner = format!("routing between `{}` and `{}`", p.a_site, p.b_site);
        let a = self.lookup_site(&owner, &p.a_site)?;
        let b = self.lookup_site(&owner, &p.b_site)?;
        let key = if a <= b { (a, b) } else { (b, a) };
        let Some(&adj) = self.adj_index.get(&key) else {
            return Err(BuildError::NoPath { group: owner, a: p.a_site.clone(), b: p.b_site.clone() });
        };
        if p.max_paths == 0 || p.max_paths > 64 {
            return Err(invalid(&owner, "max_paths", "must be between 1 and 64"));
        }
        if let Some(n) = p.resilient_buckets
            && !(1..=4096).contains(&n)
        {
            return Err(invalid(&owner, "resilient_buckets", "must be between 1 and 4096"));
        }
        let conv = if a == key.0 { p.convergence } else { [p.convergence[1], p.convergence[0]] };
        let scope = match &p.interconnect {
            None => None,
            Some(name) => match self.lookup(&owner, "interconnect", name)? {
                Element::Interconnect(i) => Some(i),
                other => return Err(invalid(&owner, "interconnect", format!("`{name}` is a {}, not an interconnect", other.class()))),
            },
        };
        let policy = AdjPolicy { interconnect: scope, max_paths: p.max_paths, convergence: conv };
        let adjm = &mut self.m.adjacencies[adj.index()];
        if p.resilient_buckets.is_some() || scope.is_none() {
            adjm.resilient_buckets = p.resilient_buckets;
        }
        let links = adjm.links.clone();
        match scope {
            // A policy for the whole pair of sites replaces every earlier one.
            None => {
                adjm.policies = vec![policy];
                for l in links {
                    self.m.links[l.index()].policy = 0;
                }
            }
            Some(ic) => {
                let governed: Vec<LinkId> = links.into_iter().filter(|l| self.m.links[l.index()].interconnect == Some(ic)).collect();
                if governed.is_empty() {
                    return Err(invalid(
                        &owner,
                        "interconnect",
                        format!("`{}` has no link between these sites", p.interconnect.as_deref().unwrap_or("?")),
                    ));
                }
                let adjm = &mut self.m.adjacencies[adj.index()];
                let k = match adjm.policies.iter().position(|q| q.interconnect == Some(ic)) {
                    Some(k) => {
                        adjm.policies[k] = policy;
                        k
                    }
                    None => {
                        adjm.policies.push(policy);
                        adjm.policies.len() - 1
                    }
                };
                for l in governed {
                    self.m.links[l.index()].policy = k as u32;
                }
            }
        }
        Ok(())
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

    fn route(&self, owner: &str, group: &str, sites: &[String]) -> Result<Route, BuildError> {
        if sites.len() < 2 {
            return Err(invalid(owner, "route", "needs at least a source and a destination site"));
        }
        if sites.len() > 64 {
            return Err(invalid(owner, "route", "crosses more than 64 sites"));
        }
        let last = sites.len() - 1;
        let mut ends = [None, None];
        let mut ids = Vec::with_capacity(sites.len());
        for (i, s) in sites.iter().enumerate() {
            match self.m.names.get(s) {
                Some(Element::Endpoint(e)) if i == 0 || i == last => {
                    ends[usize::from(i == last)] = Some(*e);
                    ids.push(self.m.endpoints[e.index()].site);
                }
                _ => ids.push(self.lookup_site(owner, s)?),
            }
        }
        let mut hops = Vec::with_capacity(ids.len() - 1);
        for (i, w) in ids.windows(2).enumerate() {
            let key = if w[0] <= w[1] { (w[0], w[1]) } else { (w[1], w[0]) };
            let Some(&adj) = self.adj_index.get(&key) else {
                return Err(BuildError::NoPath { group: group.to_string(), a: sites[i].clone(), b: sites[i + 1].clone() });
            };
            hops.push(Hop { adj, from_side: u8::from(w[0] != key.0) });
        }
        Ok(Route { sites: ids, hops, ends })
    }

    fn traffic(&mut self, t: &TrafficSpec) -> Result<(), BuildError> {
        let owner = format!("traffic `{}`", t.id);
        if t.flows == 0 {
            return Err(invalid(&owner, "flows", "must be at least 1"));
        }
        if t.flows > 1_000_000 {
            return Err(invalid(&owner, "flows", "more than 1,000,000 flows in one group"));
        }
        if t.demand_bps == Some(0) {
            return Err(invalid(&owner, "rate", "must be positive (omit it for bulk flows)"));
        }
        if t.bytes_per_flow == Some(0) {
            return Err(invalid(&owner, "bytes", "must be positive"));
        }
        check_tcp(&owner, &t.tcp)?;
        if t.fidelity == Fidelity::Packet {
            if t.flows > 1024 {
                return Err(invalid(&owner, "flows", "packet fidelity runs a TCP stack per flow: at most 1024 flows per group"));
            }
            // Two socket buffers per flow, each holding its full size in memory.
            let per_flow = 2 * t.packet.buffer_bytes.unwrap_or(crate::packet::MAX_DEFAULT_BUFFER);
            if let Some(b) = t.packet.buffer_bytes
                && !(4096..=(1 << 30)).contains(&b)
            {
                return Err(invalid(&owner, "buffer", "must be between 4 KiB and 1 GiB"));
            }
            if u64::from(t.flows).saturating_mul(per_flow) > crate::packet::MAX_BUFFER_MEMORY {
                return Err(invalid(
                    &owner,
                    "buffer",
                    "flows x 2 x buffer exceeds the 8 GiB packet fidelity allows; use fewer flows or smaller buffers",
                ));
            }
        }
        let route = self.route(&owner, &t.id, &t.route)?;
        let g: GroupId = idx(self.m.groups.len());
        self.name(&t.id, Element::Group(g))?;
        self.m.groups.push(Group { spec: t.clone(), route });
        Ok(())
    }

    fn fault(&mut self, f: &FaultSpec, ids: &BTreeMap<String, FaultId>) -> Result<Fault, BuildError> {
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
}

fn check_link(owner: &str, l: &LinkSpec) -> Result<(), BuildError> {
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

fn check_tcp(owner: &str, t: &TcpSpec) -> Result<(), BuildError> {
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

fn check_fault_cycles(spec: &ModelSpec) -> Result<(), BuildError> {
    for f in &spec.faults {
        let mut seen = vec![f.id.clone()];
        let mut cur = f;
        while let Trigger::After { fault, .. } = &cur.trigger {
            if seen.contains(fault) {
                seen.push(fault.clone());
                return Err(BuildError::FaultLoop { cycle: seen });
            }
            seen.push(fault.clone());
            match spec.faults.iter().find(|g| &g.id == fault) {
                Some(next) => cur = next,
                None => break,
            }
        }
    }
    Ok(())
}

fn check_step_cycles(steps: &[Step]) -> Result<(), BuildError> {
    for (i, s) in steps.iter().enumerate() {
        let mut seen = vec![i];
        let mut cur = s;
        while let StepTrig::AfterStep(prev) = cur.trigger {
            if seen.contains(&prev.index()) {
                seen.push(prev.index());
                return Err(BuildError::RunbookLoop { cycle: seen.iter().map(|&k| steps[k].id.clone()).collect() });
            }
            seen.push(prev.index());
            cur = &steps[prev.index()];
        }
    }
    Ok(())
}

impl Builder {
    fn random_faults(&mut self, spec: &ModelSpec) -> Result<(), BuildError> {
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

    fn alarms(&mut self, spec: &ModelSpec) -> Result<BTreeMap<String, AlarmId>, BuildError> {
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

    fn steps(&mut self, spec: &ModelSpec, alarm_ids: &BTreeMap<String, AlarmId>) -> Result<(), BuildError> {
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
            },
            adj_index: BTreeMap::new(),
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
        Ok(b.m)
    }

    /// Looks an element up by its stable id.
    pub fn element(&self, id: &str) -> Option<Element> {
        self.names.get(id).copied()
    }

    /// All ids, in sorted order (for suggestions and listings).
    pub fn ids(&self) -> impl Iterator<Item = (&str, Element)> {
        self.names.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// Human id of any element.
    pub fn element_name(&self, e: Element) -> &str {
        match e {
            Element::Site(i) => &self.sites[i.index()].id,
            Element::Link(i) => &self.links[i.index()].spec.id,
            Element::Router(i) => &self.routers[i.index()].id,
            Element::Facility(i) => &self.facilities[i.index()].id,
            Element::Interconnect(i) => &self.interconnects[i.index()].id,
            Element::Group(i) => &self.groups[i.index()].spec.id,
            Element::Endpoint(i) => &self.endpoints[i.index()].id,
        }
    }

    /// Links a fault on `e` acts on.
    pub fn links_of(&self, e: Element) -> Vec<LinkId> {
        match e {
            Element::Link(l) => vec![l],
            Element::Interconnect(i) => self.interconnects[i.index()].links.clone(),
            Element::Router(r) => self.routers[r.index()].links.clone(),
            Element::Facility(f) => self.facilities[f.index()].links.clone(),
            Element::Site(s) => (0..self.links.len()).filter(|&i| self.links[i].sites.contains(&s)).map(idx).collect(),
            Element::Group(_) | Element::Endpoint(_) => vec![],
        }
    }
}
