//! Route selection and forwarding between adjacent sites.
//!
//! Each side of an adjacency (a pair of sites joined by links) selects, from the links whose
//! session it has up, the best routes by local preference, AS-path length and MED (RFC 4271
//! §9.1.2); ties up to `max_paths` form the ECMP set. A new selection reaches forwarding after
//! the side's convergence delay, in order. Flows pick an ECMP member by a stable hash, modulo
//! N, or through a resilient bucket table where only flows of a removed member move.

use crate::link::DRAIN_PREPEND;
use crate::sim::{Ev, Simulation};
use crate::spec::RouteAttrs;
use crate::trace::TraceKind;

/// SplitMix64 finaliser: a stable, well-mixed hash for ECMP member choice.
pub fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

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

impl Simulation {
    pub(crate) fn init_routing(&mut self) {
        for a in 0..self.adj.len() {
            for side in 0..2 {
                let sel = self.select(a, side);
                let n = self.model.adjacencies[a].resilient_buckets;
                let rt = &mut self.adj[a][side];
                rt.fib = sel.clone();
                rt.decided = sel;
                if let Some(n) = n {
                    rebalance_buckets(&mut rt.buckets, n as usize, &rt.fib.clone());
                }
            }
            self.recount_broken(a);
        }
    }

    /// The attributes side `adj_side` sees for routes over `link`, drain included.
    fn attrs(&self, link: u32, adj_side: usize) -> RouteAttrs {
        let l = &self.model.links[link as usize];
        let mut a = l.spec.route[l.side_at(adj_side)];
        if self.links[link as usize].drained > 0 {
            a.prepend += DRAIN_PREPEND;
        }
        a
    }

    /// The ECMP set side `side` of adjacency `a` would choose now.
    fn select(&self, a: usize, side: usize) -> Vec<u32> {
        let adj = &self.model.adjacencies[a];
        let mut best: Option<(std::cmp::Reverse<u32>, u32, u32)> = None;
        let mut set = Vec::new();
        for &l in &adj.links {
            let link = &self.model.links[l.index()];
            if !self.side_up(l.0, link.side_at(side)) {
                continue;
            }
            let r = rank(self.attrs(l.0, side));
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
        set.truncate(adj.max_paths as usize);
        set
    }

    /// A session (or carrier, or preference) on `link` changed: both sides reconsider.
    pub(crate) fn routing_changed(&mut self, link: u32) {
        let a = self.model.links[link as usize].adjacency.index();
        let cause = self.link_cause[link as usize].or(self.window);
        for side in 0..2 {
            self.adj[a][side].cause = cause;
            if !self.adj[a][side].dirty {
                self.adj[a][side].dirty = true;
                self.dirty_adj.push((a as u32, side as u8));
            }
        }
    }

    /// Turns pending route changes into forwarding changes scheduled after convergence.
    pub(crate) fn decide_routes(&mut self) {
        let now = self.now();
        let mut i = 0;
        while i < self.dirty_adj.len() {
            let (a, side) = self.dirty_adj[i];
            i += 1;
            let (au, s) = (a as usize, side as usize);
            self.adj[au][s].dirty = false;
            let sel = self.select(au, s);
            if sel == self.adj[au][s].decided {
                continue;
            }
            let at = now + self.model.adjacencies[au].convergence[s];
            self.adj[au][s].decided = sel.clone();
            let cause = self.adj[au][s].cause;
            self.adj[au][s].pending.push_back((at, sel, cause));
            self.sched.schedule(at, Ev::FibApply { adj: a, side });
        }
        self.dirty_adj.clear();
    }

    pub(crate) fn on_fib_apply(&mut self, a: u32, side: usize) {
        let now = self.now();
        let au = a as usize;
        let Some((at, set, cause)) = self.adj[au][side].pending.front().cloned() else { return };
        if at > now {
            return;
        }
        self.adj[au][side].pending.pop_front();
        self.trace.record(now, TraceKind::Fib, a, side as u32, set.len() as u64);
        if let Some(n) = self.model.adjacencies[au].resilient_buckets {
            rebalance_buckets(&mut self.adj[au][side].buckets, n as usize, &set);
        }
        self.adj[au][side].fib = set;
        self.note_fib_change(cause);
        self.recount_broken(au);
        let moved = self.repath_adjacency(au);
        if moved > 0 {
            self.trace.record(now, TraceKind::FlowsMoved, a, side as u32, moved);
            self.note_flows_moved(cause, moved);
        }
    }

    /// The link side `side` of adjacency `a` forwards a flow with hash `h` onto.
    pub(crate) fn member(&self, a: usize, side: usize, h: u64) -> Option<u32> {
        let rt = &self.adj[a][side];
        if rt.fib.is_empty() {
            return None;
        }
        if !rt.buckets.is_empty() {
            return Some(rt.buckets[(h % rt.buckets.len() as u64) as usize]);
        }
        Some(rt.fib[(h % rt.fib.len() as u64) as usize])
    }

    /// Recounts forwarding entries that point into a link that drops everything in the
    /// sending direction: the blackhole the control plane has not yet noticed.
    pub(crate) fn recount_broken(&mut self, a: usize) {
        let now = self.now();
        let before = self.adj[a][0].broken + self.adj[a][1].broken;
        for side in 0..2 {
            let mut broken = 0;
            for &l in &self.adj[a][side].fib {
                let dir = self.model.links[l as usize].side_at(side);
                if !self.links[l as usize].delivers(dir) {
                    broken += 1;
                }
            }
            self.adj[a][side].broken = broken;
        }
        let after = self.adj[a][0].broken + self.adj[a][1].broken;
        let was = self.broken_routes;
        self.broken_routes = self.broken_routes - before + after;
        if was == 0 && self.broken_routes > 0 {
            self.broken_since = Some(now);
        } else if was > 0
            && self.broken_routes == 0
            && let Some(since) = self.broken_since.take()
        {
            self.note_blackhole(since, now);
        }
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
