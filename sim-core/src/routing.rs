//! Route selection and forwarding between adjacent sites.
//!
//! Each side of an adjacency (a pair of sites joined by links) selects, from the links whose
//! session it has up, the best routes by local preference, AS-path length and MED (RFC 4271
//! §9.1.2); ties up to `max_paths` form the ECMP set. A new selection reaches forwarding after
//! the side's convergence delay, in order. Flows pick an ECMP member by a stable hash, modulo
//! N, or through a resilient bucket table where only flows of a removed member move.
//!
//! `Routing` owns every side's FIB, its convergence queue, hashing table and the route
//! preferences a runbook set. It reads sessions (control plane) and drains (network), and
//! says when a forwarding change lands; it never moves a flow itself.

use std::collections::VecDeque;

use crate::control::ControlPlane;
use crate::events::{Ev, Outbox};
use crate::link::DRAIN_PREPEND;
use crate::model::{AdjId, FaultId, LinkId, Model};
use crate::network::Network;
use crate::spec::RouteAttrs;
use crate::time::{SimDuration, SimTime};

/// SplitMix64 finaliser: a stable, well-mixed hash for ECMP member choice.
pub fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The ECMP hash of a flow at hop `k` of its route, for the data direction.
pub(crate) fn hop_hash(flow_hash: u64, k: usize) -> u64 {
    mix64(flow_hash ^ (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// The hash of the same flow's ACKs at that hop (the 5-tuple reversed hashes differently).
pub(crate) fn rev_hash(hop_hash: u64) -> u64 {
    mix64(hop_hash ^ 0x5bd1_e995)
}

/// One hop of a flow's path: the link and direction its data takes, and its ACKs'.
pub(crate) type HopLinks = [(u32, u8); 2];

/// Orders routes: better first. Higher local-pref, then shorter AS path, then lower MED.
fn rank(a: RouteAttrs) -> (std::cmp::Reverse<u32>, u32, u32) {
    (std::cmp::Reverse(a.local_pref), a.prepend, a.med)
}

/// Rebuilds a resilient table after the member set changed: buckets of members that stay
/// keep their member; freed buckets go to the members with the fewest buckets, and a new
/// member takes buckets from the most loaded ones until the table is balanced.
pub fn rebalance_buckets(buckets: &mut Vec<u32>, n: usize, members: &[u32]) {
    if members.is_empty() {
        buckets.clear();
        return;
    }
    if buckets.len() != n {
        *buckets = (0..n).map(|i| members[i % members.len()]).collect();
        return;
    }
    let mut count: Vec<usize> = members.iter().map(|m| buckets.iter().filter(|b| *b == m).count()).collect();
    let least = |count: &Vec<usize>| (0..count.len()).min_by_key(|&i| (count[i], i)).unwrap_or(0);
    for b in buckets.iter_mut() {
        if !members.contains(b) {
            let k = least(&count);
            *b = members[k];
            count[k] += 1;
        }
    }
    let target = n / members.len();
    loop {
        let lo = least(&count);
        let hi = (0..count.len()).max_by_key(|&i| (count[i], std::cmp::Reverse(i))).unwrap_or(0);
        if count[lo] >= target || count[hi] <= count[lo] + 1 {
            break;
        }
        // Move the last bucket of the most loaded member.
        if let Some(pos) = buckets.iter().rposition(|b| *b == members[hi]) {
            buckets[pos] = members[lo];
            count[hi] -= 1;
            count[lo] += 1;
        } else {
            break;
        }
    }
}

/// One side of an adjacency: what forwarding uses, what was decided, and what is on the way.
#[derive(Clone, Debug, Default)]
struct Side {
    fib: Vec<u32>,
    decided: Vec<u32>,
    /// Decisions waiting for their convergence delay: (due, members, causes).
    pending: VecDeque<(SimTime, Vec<u32>, Vec<FaultId>)>,
    /// Resilient hashing table (link id per bucket); empty for hash modulo N.
    buckets: Vec<u32>,
    dirty: bool,
    /// Links whose change prompts the next decision, and whether the change is one to credit
    /// to its causes (a session down, a preference change), not a recovery (a session up).
    marked: Vec<(LinkId, bool)>,
}

/// A forwarding change that has just reached a FIB.
#[derive(Clone, Debug)]
pub(crate) struct FibApplied {
    pub adj: AdjId,
    pub side: u8,
    pub members: u32,
    pub causes: Vec<FaultId>,
}

#[derive(Debug, Default)]
pub(crate) struct Routing {
    sides: Vec<[Side; 2]>,
    dirty: Vec<(u32, u8)>,
    /// Route attributes a runbook step set on a link (both sides), replacing the model's.
    preference: Vec<Option<RouteAttrs>>,
}

impl Routing {
    pub fn new(model: &Model, control: &ControlPlane, net: &Network) -> Routing {
        let mut r = Routing {
            sides: vec![Default::default(); model.adjacencies.len()],
            dirty: Vec::new(),
            preference: vec![None; model.links.len()],
        };
        for a in 0..model.adjacencies.len() {
            for side in 0..2 {
                let sel = r.select(model, control, net, a, side);
                let n = model.adjacencies[a].resilient_buckets;
                let rt = &mut r.sides[a][side];
                if let Some(n) = n {
                    rebalance_buckets(&mut rt.buckets, n as usize, &sel);
                }
                rt.fib = sel.clone();
                rt.decided = sel;
            }
        }
        r
    }

    /// The attributes side `adj_side` sees for routes over `link`, drain included.
    fn attrs(&self, model: &Model, net: &Network, link: LinkId, adj_side: usize) -> RouteAttrs {
        let l = &model.links[link.index()];
        let mut a = self.preference[link.index()].unwrap_or(l.spec.route[l.side_at(adj_side)]);
        if net.link(link).drained() {
            a.prepend += DRAIN_PREPEND;
        }
        a
    }

    /// The ECMP set side `side` of adjacency `a` would choose now: the best routes, at most
    /// `max_paths` of each policy's links.
    fn select(&self, model: &Model, control: &ControlPlane, net: &Network, a: usize, side: usize) -> Vec<u32> {
        let adj = &model.adjacencies[a];
        let mut best: Option<(std::cmp::Reverse<u32>, u32, u32)> = None;
        let mut set = Vec::new();
        for &l in &adj.links {
            let link = &model.links[l.index()];
            if !control.side_up(net, l, link.side_at(side)) {
                continue;
            }
            let r = rank(self.attrs(model, net, l, side));
            match best {
                Some(b) if r > b => {}
                Some(b) if r == b => set.push(l.0),
                _ => {
                    best = Some(r);
                    set.clear();
                    set.push(l.0);
                }
            }
        }
        let mut used = vec![0u32; adj.policies.len()];
        set.retain(|&l| {
            let p = model.links[l as usize].policy as usize;
            used[p] += 1;
            used[p] <= adj.policies[p].max_paths
        });
        set
    }

    /// Something about `link` changed (session, carrier, preference): both sides of its
    /// adjacency reconsider. `credit`: the change is a failure or a policy change whose causes
    /// the decision carries; a recovery (session up) carries none.
    pub fn mark(&mut self, model: &Model, link: LinkId, credit: bool) {
        let a = model.links[link.index()].adjacency.index();
        for side in 0..2 {
            let s = &mut self.sides[a][side];
            match s.marked.iter_mut().find(|m| m.0 == link) {
                Some(m) => m.1 |= credit,
                None => s.marked.push((link, credit)),
            }
            if !s.dirty {
                s.dirty = true;
                self.dirty.push((a as u32, side as u8));
            }
        }
    }

    /// Whether a side waits for a decision.
    pub fn has_pending(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// A runbook step sets the route attributes of `link`.
    pub fn set_preference(&mut self, link: LinkId, attrs: RouteAttrs) {
        self.preference[link.index()] = Some(attrs);
    }

    /// Turns pending route changes into forwarding changes due after convergence. The delay
    /// is the longest convergence among the policies of the links that enter or leave.
    /// `causes_of` names the faults behind a marked link's change, as attribution sees it now.
    pub fn decide(
        &mut self,
        model: &Model,
        control: &ControlPlane,
        net: &Network,
        causes_of: impl Fn(LinkId) -> Vec<FaultId>,
        out: &mut Outbox<'_>,
    ) {
        let now = out.now();
        let dirty = std::mem::take(&mut self.dirty);
        for &(a, side) in &dirty {
            let (au, s) = (a as usize, side as usize);
            self.sides[au][s].dirty = false;
            let sel = self.select(model, control, net, au, s);
            let marked = std::mem::take(&mut self.sides[au][s].marked);
            if sel == self.sides[au][s].decided {
                continue;
            }
            let adj = &model.adjacencies[au];
            let old = &self.sides[au][s].decided;
            let delay = old
                .iter()
                .filter(|l| !sel.contains(l))
                .chain(sel.iter().filter(|l| !old.contains(l)))
                .map(|&l| adj.policies[model.links[l as usize].policy as usize].convergence[s])
                .max()
                .unwrap_or(SimDuration::ZERO);
            let at = now + delay;
            let mut causes: Vec<FaultId> = Vec::new();
            for &(l, credit) in &marked {
                if credit {
                    for c in causes_of(l) {
                        if !causes.contains(&c) {
                            causes.push(c);
                        }
                    }
                }
            }
            self.sides[au][s].decided = sel.clone();
            self.sides[au][s].pending.push_back((at, sel, causes));
            out.sched.schedule(at, Ev::FibApply { adj: a, side });
        }
        let mut dirty = dirty;
        dirty.clear();
        self.dirty = dirty;
    }

    /// A decision's convergence delay has passed: it becomes forwarding. Policies differ in
    /// delay, so a later decision can be due before an earlier one: the newest decision that
    /// is due applies, and the earlier ones still queued are superseded by it (each is a
    /// whole set), their causes carried along.
    pub fn on_fib_apply(&mut self, model: &Model, a: AdjId, side: usize, now: SimTime) -> Option<FibApplied> {
        let rt = &mut self.sides[a.index()][side];
        let newest_due = rt.pending.iter().rposition(|(at, _, _)| *at <= now)?;
        let mut causes: Vec<FaultId> = Vec::new();
        let mut set = Vec::new();
        for (_, s, c) in rt.pending.drain(..=newest_due) {
            for f in c {
                if !causes.contains(&f) {
                    causes.push(f);
                }
            }
            set = s;
        }
        if let Some(n) = model.adjacencies[a.index()].resilient_buckets {
            rebalance_buckets(&mut rt.buckets, n as usize, &set);
        }
        let members = set.len() as u32;
        rt.fib = set;
        Some(FibApplied { adj: a, side: side as u8, members, causes })
    }

    /// The link side `side` of adjacency `a` forwards a flow with hash `h` onto.
    pub fn member(&self, a: usize, side: usize, h: u64) -> Option<u32> {
        let rt = &self.sides[a][side];
        if rt.fib.is_empty() {
            return None;
        }
        if !rt.buckets.is_empty() {
            return Some(rt.buckets[(h % rt.buckets.len() as u64) as usize]);
        }
        Some(rt.fib[(h % rt.fib.len() as u64) as usize])
    }

    /// The links hop `k` of `route` uses for a flow with hash `h`: data from the hop's
    /// `from_side`, ACKs back from the other side, each with the link direction it crosses.
    /// `None` if either side has no forwarding entry. The one place a hop is looked up.
    pub fn hop_links(&self, model: &Model, route: &crate::model::Route, h: u64, k: usize) -> Result<HopLinks, (AdjId, u8)> {
        let hop = route.hops[k];
        let hk = hop_hash(h, k);
        let (a, from) = (hop.adj.index(), hop.from_side as usize);
        let lf = self.member(a, from, hk).ok_or((hop.adj, from as u8))?;
        let lr = self.member(a, 1 - from, rev_hash(hk)).ok_or((hop.adj, 1 - from as u8))?;
        Ok([(lf, model.links[lf as usize].side_at(from) as u8), (lr, model.links[lr as usize].side_at(1 - from) as u8)])
    }

    /// The links side `side` of adjacency `a` forwards onto now.
    pub fn fib(&self, a: usize, side: usize) -> &[u32] {
        &self.sides[a][side].fib
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resilient_rebalance_moves_only_the_removed_members_buckets() {
        let mut b = vec![];
        rebalance_buckets(&mut b, 12, &[1, 2, 3, 4]);
        let before = b.clone();
        rebalance_buckets(&mut b, 12, &[1, 2, 4]);
        for (old, new) in before.iter().zip(&b) {
            if *old != 3 {
                assert_eq!(old, new, "a bucket of a surviving member moved");
            }
        }
        assert!(!b.contains(&3));
        for m in [1, 2, 4] {
            assert_eq!(b.iter().filter(|x| **x == m).count(), 4);
        }
    }

    #[test]
    fn resilient_rebalance_on_return_takes_a_fair_share_back() {
        let mut b = vec![];
        rebalance_buckets(&mut b, 12, &[1, 2, 4]);
        rebalance_buckets(&mut b, 12, &[1, 2, 3, 4]);
        for m in [1, 2, 3, 4] {
            assert_eq!(b.iter().filter(|x| **x == m).count(), 3);
        }
    }
}
