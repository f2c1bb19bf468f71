//! The topology part of the build: sites (named or implied by a link), routers, facilities,
//! interconnects, links and the adjacencies they form, and the routing policies set per
//! adjacency or per interconnect.
//!
//! Touches the builder's sites, routers, facilities, interconnects, links, adjacencies and the
//! adjacency index; it runs before traffic, faults and the runbook.

use super::Builder;
use crate::link::goodput_bps;
use crate::model::checks::check_link;
use crate::model::error::{BuildError, invalid};
use crate::model::ids::{AdjId, Element, FacilityId, InterconnectId, LinkId, RouterId, SiteId, idx};
use crate::model::types::{AdjPolicy, Adjacency, Facility, Interconnect, Link, Router, Site};
use crate::spec::{AdjacencySpec, Cloud, LinkSpec, SiteKind, SiteSpec};
use crate::time::SimDuration;

impl Builder {
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

    pub(super) fn add_site(&mut self, owner: &str, s: &SiteSpec) -> Result<SiteId, BuildError> {
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
                pin: None,
                policies: vec![AdjPolicy {
                    interconnect: None,
                    max_paths: 8,
                    convergence: [AdjacencySpec::DEFAULT_CONVERGENCE; 2],
                    local_repair: [AdjacencySpec::DEFAULT_LOCAL_REPAIR; 2],
                }],
            });
            id
        });
        (id, a != key.0)
    }

    pub(super) fn link(&mut self, l: &LinkSpec) -> Result<(), BuildError> {
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
            pins: Vec::new(),
            flipped,
            goodput_bps: goodput,
            policy: 0,
        });
        Ok(())
    }

    pub(super) fn adjacency_policy(&mut self, p: &AdjacencySpec) -> Result<(), BuildError> {
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
        for side in 0..2 {
            if p.local_repair[side] > p.convergence[side] {
                let which = ["a", "b"][side];
                return Err(invalid(
                    &owner,
                    "local_repair",
                    format!(
                        "side {which}: {} exceeds the convergence delay {} (a router drops a dead interface's next hop no later than BGP would)",
                        p.local_repair[side], p.convergence[side]
                    ),
                ));
            }
        }
        let flip = |v: [SimDuration; 2]| if a == key.0 { v } else { [v[1], v[0]] };
        let (conv, repair) = (flip(p.convergence), flip(p.local_repair));
        let scope = match &p.interconnect {
            None => None,
            Some(name) => match self.lookup(&owner, "interconnect", name)? {
                Element::Interconnect(i) => Some(i),
                other => return Err(invalid(&owner, "interconnect", format!("`{name}` is a {}, not an interconnect", other.class()))),
            },
        };
        let policy = AdjPolicy { interconnect: scope, max_paths: p.max_paths, convergence: conv, local_repair: repair };
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
}
