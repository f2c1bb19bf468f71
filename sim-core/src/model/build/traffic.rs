//! The traffic part of the build: routes (site or endpoint names to adjacency hops) and
//! traffic groups with their flow, TCP and packet-fidelity limits.
//!
//! Reads the topology the builder already holds; adds groups and their names. `route` is
//! shared with the runbook's shift actions.

use super::Builder;
use crate::model::checks::check_tcp;
use crate::model::error::{BuildError, invalid};
use crate::model::ids::{Element, GroupId, idx};
use crate::model::types::{Group, Hop, Route};
use crate::spec::{Fidelity, TrafficSpec};

impl Builder {
    pub(super) fn route(&self, owner: &str, group: &str, sites: &[String]) -> Result<Route, BuildError> {
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

    pub(super) fn traffic(&mut self, t: &TrafficSpec) -> Result<(), BuildError> {
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
            // Four socket buffers per flow (send and receive at both ends), each holding its
            // full size in memory. The scenario compiler's estimate refuses these first, with
            // the process's budget and a bound of the default buffer; this is the backstop for
            // a spec built by hand, for buffers it sets (a default buffer is at most 64 MiB).
            let per_flow = crate::budget::PACKET_BUFFERS_PER_FLOW * t.packet.buffer_bytes.unwrap_or(0);
            if let Some(b) = t.packet.buffer_bytes
                && !(4096..=(1 << 30)).contains(&b)
            {
                return Err(invalid(&owner, "buffer", "must be between 4 KiB and 1 GiB"));
            }
            if u64::from(t.flows).saturating_mul(per_flow) > crate::packet::MAX_BUFFER_MEMORY {
                return Err(invalid(
                    &owner,
                    "buffer",
                    "flows x 4 x buffer exceeds the 8 GiB packet fidelity allows; use fewer flows or smaller buffers",
                ));
            }
        }
        let route = self.route(&owner, &t.id, &t.route)?;
        let g: GroupId = idx(self.m.groups.len());
        self.name(&t.id, Element::Group(g))?;
        self.m.groups.push(Group { spec: t.clone(), route });
        Ok(())
    }
}
