//! The resolved model: every name turned into a typed index, every value checked.
//!
//! [`Model::build`] is the only way in, so the simulation never meets a dangling reference
//! or an impossible value. Errors are typed and name the element and field at fault; the
//! `scenarios` crate maps them back to file positions.
//!
//! The module is split by concept; this file is the root and holds only the [`Model`] type
//! itself (whose private name index the submodules share) and the re-exports that keep every
//! `sim_core::model::X` path working:
//!
//! - `ids` — the typed indices (`LinkId`, `SiteId`, …) and [`Element`];
//! - `types` — the resolved elements a [`Model`] holds (sites, links, adjacencies, routes,
//!   groups, faults, alarms, runbook steps);
//! - `error` — [`BuildError`] and the typo suggestions of [`nearest`];
//! - `chains` — `after` chains as a graph: the first loop, in linear time;
//! - `checks` — value checks that need nothing but their input (link, TCP, fault action,
//!   trigger loops);
//! - `build` — the builder behind [`Model::build`], with one submodule per part of the spec;
//! - `query` — the read-only lookups on a built [`Model`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::time::SimDuration;

mod build;
mod chains;
mod checks;
mod error;
mod ids;
mod query;
mod types;

pub use build::MAX_DURATION;
pub use chains::first_loop;
pub(crate) use checks::check_action;
pub use error::{BuildError, nearest};
pub use ids::{AdjId, AlarmId, Element, EndpointId, FacilityId, FaultId, GroupId, InterconnectId, LinkId, RouterId, SiteId, StepId};
pub use types::{
    Action, AdjPolicy, Adjacency, Alarm, Condition, Endpoint, Facility, Fault, FaultTrigger, Group, Hop, Interconnect, Link, RandomFaults,
    Route, Router, Site, Step, StepTrig,
};

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
    /// The adjacency of each pair of sites (the lower `SiteId` first), so that asking
    /// whether two sites are joined is a lookup and not a scan of every adjacency.
    #[serde(skip)]
    adjacency_of: BTreeMap<(SiteId, SiteId), AdjId>,
}
