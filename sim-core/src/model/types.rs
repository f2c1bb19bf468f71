//! The resolved elements a [`Model`](super::Model) holds: sites, endpoints, routers,
//! facilities, interconnects, links, adjacencies and their routing policies, routes and traffic
//! groups, faults, random fault processes, alarms and runbook steps.
//!
//! Plain data plus a few derived accessors (`Link::side_at`, `Fault::kind`); every reference
//! is a typed id from `ids`, and values are already checked by the builder. Nothing here
//! builds or validates.

use serde::Serialize;

use super::ids::{AdjId, AlarmId, Element, EndpointId, FacilityId, FaultId, GroupId, InterconnectId, LinkId, RouterId, SiteId, StepId};
use crate::spec::{Cloud, Delay, FaultAction, LinkSpec, RandomFaultSpec, RouteAttrs, SiteKind, TrafficSpec};
use crate::time::{SimDuration, SimTime};

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
    /// The pinned adjacencies (see [`Adjacency::pin`]) this link also belongs to.
    pub pins: Vec<AdjId>,
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
    /// `Some` for a pinned adjacency: a subset of another adjacency's links (one connection's)
    /// that a runbook shift moved a group onto. It is routed like the adjacency it refines,
    /// a more-specific route advertised over those links only: its own selection,
    /// convergence and ECMP set, and, while none of its links can carry traffic, forwarding
    /// falls back to the base adjacency's (the more-specific withdrawn).
    pub pin: Option<AdjPin>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AdjPin {
    /// The adjacency of every link between the two sites.
    pub base: AdjId,
    /// The connection (a VPN's or an interconnect's id), for names in reports.
    pub name: String,
}

/// Convergence delays and ECMP width for a set of links of an adjacency.
#[derive(Clone, Debug, Serialize)]
pub struct AdjPolicy {
    pub interconnect: Option<InterconnectId>,
    pub max_paths: u32,
    /// Per adjacency side: the delay of a change learned through BGP or BFD.
    pub convergence: [SimDuration; 2],
    /// Per adjacency side: the delay from carrier loss to the local routers dropping the link.
    pub local_repair: [SimDuration; 2],
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
    LossAbove { group: GroupId, loss_ppm: u32, for_: SimDuration },
    LatencyAbove { group: GroupId, rtt: SimDuration, for_: SimDuration },
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
    Prefer(Vec<LinkId>, RouteAttrs),
}

#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub id: String,
    pub trigger: StepTrig,
    pub delay: Delay,
    pub action: Action,
}
