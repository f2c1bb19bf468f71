//! A VPN or an interconnect named as a whole (`prefer = { link = "vpn" }`, `to = ["vpn"]`):
//! its links and the two sites it joins.
//!
//! Reads the built topology; an interconnect is an element of it, a VPN is the set of its
//! tunnels (`ID/tunnelN`, the links a `[[vpn]]` table adds).

use std::collections::BTreeMap;

use sim_core::model::{Element, LinkId, Model};
use sim_core::spec::LinkKind;

/// What a name stands for when it names a connection.
pub(super) struct Connection {
    pub(super) name: String,
    /// "vpn" or "interconnect", for messages.
    pub(super) class: &'static str,
    pub(super) links: Vec<String>,
    /// The site ids at its two ends.
    pub(super) sites: [String; 2],
}

impl Connection {
    /// Whether it joins sites `a` and `b`, in either order.
    pub(super) fn joins(&self, a: &str, b: &str) -> bool {
        (self.sites[0] == a && self.sites[1] == b) || (self.sites[0] == b && self.sites[1] == a)
    }
}

/// The topology's VPNs by id, indexed once so that resolving a name is a lookup.
pub(super) struct Connections<'m> {
    topo: &'m Model,
    vpns: BTreeMap<&'m str, Vec<LinkId>>,
}

impl<'m> Connections<'m> {
    pub(super) fn new(topo: &'m Model) -> Connections<'m> {
        let mut vpns: BTreeMap<&str, Vec<LinkId>> = BTreeMap::new();
        for (i, l) in topo.links.iter().enumerate() {
            if l.spec.kind == LinkKind::Vpn
                && let Some((vpn, _)) = l.spec.id.rsplit_once('/')
            {
                vpns.entry(vpn).or_default().push(LinkId(i as u32));
            }
        }
        Connections { topo, vpns }
    }

    /// Every VPN's and interconnect's id, for suggestions.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.vpns.keys().copied().chain(self.topo.interconnects.iter().map(|i| i.id.as_str()))
    }

    /// The VPN or interconnect `name` names, if it names one.
    pub(super) fn get(&self, name: &str) -> Option<Connection> {
        let t = self.topo;
        let (class, links) = match t.element(name) {
            Some(Element::Interconnect(i)) => ("interconnect", t.interconnects[i.index()].links.clone()),
            None => ("vpn", self.vpns.get(name)?.clone()),
            Some(_) => return None,
        };
        let first = &t.links[links.first()?.index()];
        Some(Connection {
            name: name.to_string(),
            class,
            links: links.iter().map(|l| t.links[l.index()].spec.id.clone()).collect(),
            sites: first.sites.map(|s| t.sites[s.index()].id.clone()),
        })
    }
}
