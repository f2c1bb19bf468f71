//! Read-only queries on a built [`Model`]: look an element up by id, list ids, name an
//! element, the adjacency between two sites, and the links a fault on an element acts on.
//!
//! Reads the model (including its private name index) and never changes it.

use super::Model;
use super::ids::{AdjId, Element, LinkId, SiteId, idx};

impl Model {
    /// Looks an element up by its stable id.
    pub fn element(&self, id: &str) -> Option<Element> {
        self.names.get(id).copied()
    }

    /// All ids, in sorted order (for suggestions and listings).
    pub fn ids(&self) -> impl Iterator<Item = (&str, Element)> {
        self.names.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// The adjacency joining two sites, in either order, if any link joins them.
    pub fn adjacency_between(&self, a: SiteId, b: SiteId) -> Option<AdjId> {
        self.adjacency_of.get(&if a <= b { (a, b) } else { (b, a) }).copied()
    }

    /// Every adjacency `link` belongs to: its own, then the pinned ones over it.
    pub fn adjacencies_of(&self, link: LinkId) -> impl Iterator<Item = AdjId> + '_ {
        let l = &self.links[link.index()];
        std::iter::once(l.adjacency).chain(l.pins.iter().copied())
    }

    /// The adjacency a pinned one refines, or `a` itself.
    pub fn base_adjacency(&self, a: AdjId) -> AdjId {
        self.adjacencies[a.index()].pin.as_ref().map_or(a, |p| p.base)
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
