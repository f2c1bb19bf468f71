//! The network's fault state: every link's active causes, and which sites and endpoints are
//! down and why.
//!
//! This component owns nothing but that state. Faults and runbook steps change it only
//! through [`Network::apply`], [`Network::set_site`] and [`Network::set_endpoint`], which
//! report what changed; everyone else reads it.

use crate::link::{LinkCause, LinkState, LinkSummary};
use crate::model::{EndpointId, FaultId, LinkId, Model, Route, SiteId};

/// What a change did to one link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LinkDelta {
    pub before: LinkSummary,
    pub after: LinkSummary,
}

impl LinkDelta {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

#[derive(Debug)]
pub(crate) struct Network {
    links: Vec<LinkState>,
    /// Per site, the faults (or `None`: an operator) that have it down.
    sites: Vec<Vec<Option<FaultId>>>,
    endpoints: Vec<Vec<Option<FaultId>>>,
}

impl Network {
    pub fn new(model: &Model) -> Network {
        Network {
            links: vec![LinkState::healthy(); model.links.len()],
            sites: vec![Vec::new(); model.sites.len()],
            endpoints: vec![Vec::new(); model.endpoints.len()],
        }
    }

    pub fn link(&self, l: LinkId) -> &LinkState {
        &self.links[l.index()]
    }

    /// Adds (`on`) or removes a cause on a link and says what changed.
    pub fn apply(&mut self, l: LinkId, cause: LinkCause, on: bool) -> LinkDelta {
        let st = &mut self.links[l.index()];
        let before = st.summary();
        if on {
            st.add(cause);
        } else {
            st.remove(&cause);
        }
        LinkDelta { before, after: st.summary() }
    }

    /// Marks a site down (`on`) or back up for one cause; returns whether liveness changed.
    pub fn set_site(&mut self, s: SiteId, by: Option<FaultId>, on: bool) -> bool {
        toggle(&mut self.sites[s.index()], by, on)
    }

    pub fn set_endpoint(&mut self, e: EndpointId, by: Option<FaultId>, on: bool) -> bool {
        toggle(&mut self.endpoints[e.index()], by, on)
    }

    pub fn site_alive(&self, s: SiteId) -> bool {
        self.sites[s.index()].is_empty()
    }

    /// Whether the workload at end `end` (0 = source, 1 = destination) of a route is up: its
    /// site, and its endpoint if the route names one.
    pub fn end_alive(&self, route: &Route, end: usize) -> bool {
        self.site_alive(end_site(route, end)) && route.ends[end].is_none_or(|e| self.endpoints[e.index()].is_empty())
    }

    /// The faults that have end `end` of a route down.
    pub fn end_causes(&self, route: &Route, end: usize) -> impl Iterator<Item = FaultId> + '_ {
        let site = self.sites[end_site(route, end).index()].iter();
        let ep = route.ends[end].map(|e| self.endpoints[e.index()].iter()).into_iter().flatten();
        site.chain(ep).filter_map(|c| *c)
    }
}

pub(crate) fn end_site(route: &Route, end: usize) -> SiteId {
    if end == 0 { route.sites[0] } else { *route.sites.last().expect("a route has sites") }
}

fn toggle(list: &mut Vec<Option<FaultId>>, by: Option<FaultId>, on: bool) -> bool {
    let was = list.is_empty();
    if on {
        list.push(by);
    } else if let Some(i) = list.iter().position(|x| *x == by) {
        list.remove(i);
    }
    was != list.is_empty()
}
