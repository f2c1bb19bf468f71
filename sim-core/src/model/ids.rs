//! Typed indices into a [`Model`](super::Model)'s element vectors, and [`Element`], anything
//! with a stable id that a fault, alarm or runbook step can name.
//!
//! Plain data: this file depends on nothing else in the crate, and the rest of `model` may
//! use it freely.

use serde::Serialize;

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

pub(super) fn idx<T: From<u32>>(n: usize) -> T {
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
