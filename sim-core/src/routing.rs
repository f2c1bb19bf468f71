//! Route selection and forwarding between adjacent sites.
//!
//! Each side of an adjacency (a pair of sites joined by links) selects, from the links whose
//! session it has up, the best routes by local preference, AS-path length and MED (RFC 4271
//! §9.1.2); ties up to `max_paths` form the ECMP set. Flows pick an ECMP member by a stable
//! hash, modulo N, or through a resilient bucket table where only flows of a removed member
//! move.
//!
//! Two delays bring a change to forwarding, per side:
//!
//! - **Local repair** (`local_repair`, 50 ms by default): carrier loss on a link at this side
//!   (a cut, a router or facility losing power, a flap's down phase: the session went down
//!   with `DownReason::CarrierLoss`, or a sessionless link lost carrier). The router sees its
//!   interface go down and drops that next hop from the installed ECMP set. It waits for no
//!   BGP message. A cut takes carrier on both ends, so both sides repair locally. When no
//!   member is left, moving to another path (a standby channel, the VPN) is a new selection
//!   and waits for convergence.
//! - **Convergence** (`convergence`, 1 s by default): every new selection, as BGP computes it
//!   and programs it into the provider's fabric: changes learned through BGP or BFD (BFD or
//!   hold-timer timeout, NOTIFICATION, BFD Down from the peer, a reset), sessions coming up
//!   (a repaired link returns only this way), preference changes, and the selection that
//!   follows a carrier loss (usually what the local repair already forwards, so it changes
//!   nothing then). Decisions reach the FIB in order.
//!
//! So the FIB is the last decision applied, less the links repaired locally since it was
//! decided; a decision taken after a loss no longer needs the repair. A forwarding change is
//! reported only when the FIB really changes.
//!
//! `Routing` owns every side's FIB, its convergence queue, its pending local repairs, hashing
//! table and the route preferences a runbook set. It reads sessions (control plane) and
//! drains (network), and says when a forwarding change lands; it never moves a flow itself.

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

/// A selection on its way to the FIB after the convergence delay.
#[derive(Clone, Debug)]
struct Decision {
    due: SimTime,
    /// The side's decision count when it was taken: it knows of every loss up to then.
    epoch: u64,
    members: Vec<u32>,
    causes: Vec<FaultId>,
}

/// A link whose carrier this side lost, to drop from forwarding after the local repair delay.
#[derive(Clone, Debug)]
struct Repair {
    due: SimTime,
    link: u32,
    /// The decision count of the decision that first knew of the loss.
    epoch: u64,
    causes: Vec<FaultId>,
}

/// A link whose change prompts the next decision.
#[derive(Clone, Copy, Debug)]
struct Mark {
    link: LinkId,
    /// The change is one to credit to its causes (a session down, a preference change), not
    /// a recovery (a session up).
    credit: bool,
    /// This side lost the link's carrier: its routers repair locally.
    carrier: bool,
}

/// One side of an adjacency: what forwarding uses, what was decided, and what is on the way.
#[derive(Clone, Debug, Default)]
struct Side {
    /// What forwarding uses: `applied` less the links repaired locally (or, if that leaves
    /// nothing, the pre-installed backup: the newest decision less those links).
    fib: Vec<u32>,
    /// The last decision that reached forwarding.
    applied: Vec<u32>,
    decided: Vec<u32>,
    /// Decisions waiting for their convergence delay.
    pending: VecDeque<Decision>,
    /// Carrier losses waiting for their local repair delay.
    repairs: Vec<Repair>,
    /// Links repaired locally, with the epoch of the first decision that knew of the loss: an
    /// applied decision that old or newer no longer needs them excluded.
    repaired: Vec<(u32, u64)>,
    /// Decisions taken so far.
    epoch: u64,
    /// Resilient hashing table (link id per bucket); empty for hash modulo N.
    buckets: Vec<u32>,
    dirty: bool,
    marked: Vec<Mark>,
}

impl Side {
    /// Whether `link` is in forwarding, or may reach it with a queued decision.
    fn may_forward(&self, link: u32) -> bool {
        self.fib.contains(&link) || self.applied.contains(&link) || self.pending.iter().any(|d| d.members.contains(&link))
    }

    /// What forwarding uses now: the applied decision less the locally repaired links. A
    /// local repair only takes a dead member out of the installed ECMP set; when none is left,
    /// the switch to another path (a standby channel, the VPN) is a new selection and waits
    /// for convergence. A pre-installed backup (BGP PIC Edge) would be faster, but it must be
    /// in the same speaker's table, and the providers' edges resolve DX-vs-VPN and standby
    /// choices elsewhere (the VGW / TGW route table, Cloud Router), so nothing here assumes one.
    fn forwarding(&self) -> Vec<u32> {
        self.applied.iter().copied().filter(|l| !self.repaired.iter().any(|r| r.0 == *l)).collect()
    }
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
                rt.applied = sel.clone();
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
    /// A link's pinned adjacencies reconsider too.
    pub fn mark(&mut self, model: &Model, link: LinkId, credit: bool) {
        for a in model.adjacencies_of(link) {
            self.mark_in(a.index(), link, credit);
        }
    }

    fn mark_in(&mut self, a: usize, link: LinkId, credit: bool) {
        for side in 0..2 {
            let s = &mut self.sides[a][side];
            match s.marked.iter_mut().find(|m| m.link == link) {
                Some(m) => m.credit |= credit,
                None => s.marked.push(Mark { link, credit, carrier: false }),
            }
            if !s.dirty {
                s.dirty = true;
                self.dirty.push((a as u32, side as u8));
            }
        }
    }

    /// `link` lost carrier at its side `link_side` (`None`: at both ends, a link without a
    /// session): both sides reconsider, as with [`Routing::mark`], and that side's routers
    /// also drop the link locally after its `local_repair` delay.
    pub fn mark_carrier_loss(&mut self, model: &Model, link: LinkId, link_side: Option<usize>) {
        self.mark(model, link, true);
        let l = &model.links[link.index()];
        for a in model.adjacencies_of(link) {
            for side in 0..2 {
                if link_side.is_none_or(|s| l.side_at(side) == s)
                    && let Some(m) = self.sides[a.index()][side].marked.iter_mut().find(|m| m.link == link)
                {
                    m.carrier = true;
                }
            }
        }
    }

    /// Whether a side waits for a decision.
    pub fn has_pending(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// Whether both sides already give routes over `link` the attributes `attrs`.
    pub fn preference_is(&self, model: &Model, link: LinkId, attrs: RouteAttrs) -> bool {
        let spec = &model.links[link.index()].spec;
        (0..2).all(|side| self.preference[link.index()].unwrap_or(spec.route[side]) == attrs)
    }

    /// A runbook step sets the route attributes of `link`.
    pub fn set_preference(&mut self, link: LinkId, attrs: RouteAttrs) {
        self.preference[link.index()] = Some(attrs);
    }

    /// Turns pending route changes into forwarding changes: a local repair, due after the
    /// link policy's `local_repair`, for each link whose carrier this side lost while it may
    /// carry traffic; and the new selection, due after convergence: the longest convergence
    /// among the policies of the links that enter or leave. `causes_of` names the faults
    /// behind a marked link's change, as attribution sees it now.
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
            let adj = &model.adjacencies[au];
            let rt = &mut self.sides[au][s];
            let marked = std::mem::take(&mut rt.marked);
            rt.epoch += 1;
            let epoch = rt.epoch;
            for m in marked.iter().filter(|m| m.carrier) {
                let l = &model.links[m.link.index()];
                if !control.side_up(net, m.link, l.side_at(s)) && rt.may_forward(m.link.0) {
                    let due = now + adj.policies[l.policy as usize].local_repair[s];
                    rt.repairs.push(Repair { due, link: m.link.0, epoch, causes: causes_of(m.link) });
                    out.sched.schedule(due, Ev::FibApply { adj: a, side });
                }
            }
            if sel == rt.decided {
                continue;
            }
            let old = &rt.decided;
            let delay = old
                .iter()
                .filter(|l| !sel.contains(l))
                .chain(sel.iter().filter(|l| !old.contains(l)))
                .map(|&l| adj.policies[model.links[l as usize].policy as usize].convergence[s])
                .max()
                .unwrap_or(SimDuration::ZERO);
            let at = now + delay;
            let mut causes: Vec<FaultId> = Vec::new();
            for m in marked.iter().filter(|m| m.credit) {
                for c in causes_of(m.link) {
                    if !causes.contains(&c) {
                        causes.push(c);
                    }
                }
            }
            rt.decided = sel.clone();
            rt.pending.push_back(Decision { due: at, epoch, members: sel, causes });
            out.sched.schedule(at, Ev::FibApply { adj: a, side });
        }
        let mut dirty = dirty;
        dirty.clear();
        self.dirty = dirty;
    }

    /// A local repair or a decision is due. Local repairs drop their link from forwarding
    /// (unless its session is already back at this side). Policies differ in delay, so a
    /// later decision can be due before an earlier one: the newest decision that is due
    /// applies, and the earlier ones still queued are superseded by it (each is a whole set),
    /// their causes carried along. Returns the change if forwarding changed, with the causes
    /// of everything that applied.
    pub fn on_fib_apply(
        &mut self,
        model: &Model,
        control: &ControlPlane,
        net: &Network,
        a: AdjId,
        side: usize,
        now: SimTime,
    ) -> Option<FibApplied> {
        let rt = &mut self.sides[a.index()][side];
        let mut causes: Vec<FaultId> = Vec::new();
        let mut add = |c: Vec<FaultId>| {
            for f in c {
                if !causes.contains(&f) {
                    causes.push(f);
                }
            }
        };
        let mut acted = false;
        let mut i = 0;
        while i < rt.repairs.len() {
            if rt.repairs[i].due > now {
                i += 1;
                continue;
            }
            let r = rt.repairs.remove(i);
            let link = LinkId(r.link);
            if control.side_up(net, link, model.links[link.index()].side_at(side)) {
                continue;
            }
            match rt.repaired.iter_mut().find(|x| x.0 == r.link) {
                Some(x) => x.1 = x.1.max(r.epoch),
                None => rt.repaired.push((r.link, r.epoch)),
            }
            add(r.causes);
            acted = true;
        }
        if let Some(newest_due) = rt.pending.iter().rposition(|d| d.due <= now) {
            let mut epoch = 0;
            for d in rt.pending.drain(..=newest_due) {
                add(d.causes);
                rt.applied = d.members;
                epoch = d.epoch;
            }
            // A decision taken after a loss was made without the lost link.
            rt.repaired.retain(|r| epoch < r.1);
            acted = true;
        }
        if !acted {
            return None;
        }
        let fib = rt.forwarding();
        if fib == rt.fib {
            return None;
        }
        if let Some(n) = model.adjacencies[a.index()].resilient_buckets {
            rebalance_buckets(&mut rt.buckets, n as usize, &fib);
        }
        let members = fib.len() as u32;
        rt.fib = fib;
        Some(FibApplied { adj: a, side: side as u8, members, causes })
    }

    /// The link side `side` of adjacency `a` forwards a flow with hash `h` onto. A pinned
    /// adjacency with nothing in forwarding falls back to its base: the more-specific route
    /// is withdrawn and the covering one applies.
    pub fn member(&self, model: &Model, a: usize, side: usize, h: u64) -> Option<u32> {
        let rt = &self.sides[a][side];
        if rt.fib.is_empty() {
            return match &model.adjacencies[a].pin {
                Some(p) => self.member(model, p.base.index(), side, h),
                None => None,
            };
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
        let lf = self.member(model, a, from, hk).ok_or((hop.adj, from as u8))?;
        let lr = self.member(model, a, 1 - from, rev_hash(hk)).ok_or((hop.adj, 1 - from as u8))?;
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
    use crate::presets::{Quad, traffic};
    use crate::sim::{SimOptions, Simulation};
    use crate::spec::{AdjacencySpec, FaultAction, FaultSpec, ModelSpec, SessionSpec, Trigger};
    use crate::trace::{TraceKind, TraceRecord};

    const GBPS: u64 = 1_000_000_000;

    fn managed() -> Quad {
        Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 10 * GBPS)
    }

    fn fault(id: &str, target: &str, action: FaultAction, at_ms: u64, for_ms: Option<u64>) -> FaultSpec {
        FaultSpec {
            id: id.into(),
            target: target.into(),
            action,
            trigger: Trigger::At(SimTime::from_millis(at_ms)),
            duration: for_ms.map(SimDuration::from_millis),
        }
    }

    fn spec(q: &Quad, adj: AdjacencySpec, faults: Vec<FaultSpec>) -> ModelSpec {
        ModelSpec {
            links: q.links(),
            adjacencies: vec![adj],
            traffic: vec![traffic("app", &[&q.a_site, &q.b_site], 32, Some(6 * GBPS))],
            faults,
            duration: SimDuration::from_secs(40),
            ..ModelSpec::default()
        }
    }

    fn sim(spec: &ModelSpec) -> Simulation {
        Simulation::new(Model::build(spec).expect("valid"), 1, SimOptions { keep_trace: true, ..SimOptions::default() })
    }

    /// The forwarding changes of the run: (time, side, members).
    fn fib_changes(sim: &Simulation) -> Vec<(SimTime, u32, u64)> {
        sim.trace().records().iter().filter(|r| r.kind == TraceKind::Fib).map(|r: &TraceRecord| (r.t, r.b, r.v)).collect()
    }

    fn ms(t: u64) -> SimTime {
        SimTime::from_millis(t)
    }

    /// A cut takes carrier on both ends: each side's routers drop the link after the local
    /// repair delay, not the convergence delay, and BGP's own change a second later finds
    /// nothing left to change.
    #[test]
    fn a_cut_is_repaired_locally_on_both_sides() {
        let q = managed();
        let mut s = sim(&spec(&q, q.adjacency(), vec![fault("cut", "ash/ch2", FaultAction::Down, 10_000, None)]));
        let lr = AdjacencySpec::DEFAULT_LOCAL_REPAIR;
        s.run_until(ms(10_000) + lr);
        for side in 0..2 {
            assert!(s.routing.fib(0, side).contains(&1), "side {side} dropped ch2 before the local repair delay");
        }
        s.run_until(ms(10_000) + lr + SimDuration::from_millis(1));
        for side in 0..2 {
            assert_eq!(s.routing.fib(0, side), &[0, 2, 3], "side {side}");
        }
        s.run();
        let at = ms(10_000) + lr;
        assert_eq!(fib_changes(&s), vec![(at, 0, 3), (at, 1, 3)], "one change per side, at the local repair");
        assert_eq!(s.report().faults[0].converge_s, Some(lr.as_secs_f64()));
    }

    /// A silent blackhole leaves carrier up: each side changes forwarding only when it learns
    /// of the failure (BFD timeout at one side, BFD Down or NOTIFICATION at the other) plus
    /// the convergence delay.
    #[test]
    fn a_blackhole_waits_for_detection_and_convergence_at_each_side() {
        let q = managed();
        let s = {
            let mut s = sim(&spec(&q, q.adjacency(), vec![fault("bh", "ash/ch2", FaultAction::Blackhole, 10_000, None)]));
            s.run();
            s
        };
        let downs: Vec<&TraceRecord> = s.trace().records().iter().filter(|r| r.kind == TraceKind::SessionDown).collect();
        assert_eq!(downs.len(), 2);
        let conv = AdjacencySpec::DEFAULT_CONVERGENCE;
        let changes = fib_changes(&s);
        for d in downs {
            // Link side = adjacency side here (AWS is side A of both).
            assert!(changes.contains(&(d.t + conv, d.b, 3)), "side {} went down at {} but changed forwarding at {changes:?}", d.b, d.t);
        }
        assert_eq!(changes.len(), 2, "{changes:?}");
    }

    /// `local_repair` is per side and honoured as configured; it must not exceed convergence.
    #[test]
    fn a_configured_local_repair_is_honoured_per_side() {
        let q = managed();
        let mut adj = q.adjacency();
        adj.local_repair = [SimDuration::from_millis(5), SimDuration::from_millis(20)];
        let mut s = sim(&spec(&q, adj.clone(), vec![fault("cut", "ash/ch2", FaultAction::Down, 10_000, None)]));
        s.run();
        assert_eq!(fib_changes(&s), vec![(ms(10_005), 0, 3), (ms(10_020), 1, 3)]);
        assert_eq!(s.report().faults[0].converge_s, Some(0.020), "the later side's repair");
        adj.local_repair = [SimDuration::from_secs(2); 2];
        let err = Model::build(&spec(&q, adj, vec![])).expect_err("local repair slower than convergence");
        assert!(err.to_string().contains("local_repair"), "{err}");
    }

    /// With `local_repair` equal to `convergence` the old behaviour returns: one change per
    /// side at the convergence delay.
    #[test]
    fn local_repair_equal_to_convergence_is_one_change_at_the_convergence_delay() {
        let q = managed();
        let mut adj = q.adjacency();
        adj.local_repair = adj.convergence;
        let mut s = sim(&spec(&q, adj, vec![fault("cut", "ash/ch2", FaultAction::Down, 10_000, None)]));
        s.run();
        let at = ms(11_000);
        assert_eq!(fib_changes(&s), vec![(at, 0, 3), (at, 1, 3)]);
    }

    /// Repair: a link that comes back returns through BGP (establish, then convergence),
    /// never by local repair.
    #[test]
    fn a_repaired_link_returns_after_establish_and_convergence() {
        let q = managed();
        let mut s = sim(&spec(&q, q.adjacency(), vec![fault("cut", "ash/ch2", FaultAction::Down, 10_000, Some(5_000))]));
        s.run();
        let back = ms(15_000) + SessionSpec::DEFAULT_ESTABLISH + AdjacencySpec::DEFAULT_CONVERGENCE;
        let lr = ms(10_000) + AdjacencySpec::DEFAULT_LOCAL_REPAIR;
        assert_eq!(fib_changes(&s), vec![(lr, 0, 3), (lr, 1, 3), (back, 0, 4), (back, 1, 4)]);
        // Healing is not the fault's convergence.
        assert_eq!(s.report().faults[0].converge_s, Some(AdjacencySpec::DEFAULT_LOCAL_REPAIR.as_secs_f64()));
    }

    /// Losing every installed member leaves the local repair nothing to fall back on: the
    /// side forwards nowhere until the new selection (the standby facility) converges.
    #[test]
    fn losing_every_installed_member_waits_for_convergence_to_the_standby() {
        let q = Quad::aws_dx_max_resiliency("dx", "us-east-1", "equinix-dc2", 10 * GBPS);
        let mut sp = spec(&q, q.adjacency(), vec![fault("fac-a", "dx/fac-a", FaultAction::Down, 10_000, None)]);
        for l in sp.links.iter_mut().filter(|l| l.facility.as_deref() == Some("dx/fac-b")) {
            l.route = [RouteAttrs { prepend: 2, ..RouteAttrs::DEFAULT }; 2];
        }
        let mut s = sim(&sp);
        s.run_until(ms(10_000) + AdjacencySpec::DEFAULT_LOCAL_REPAIR + SimDuration::from_millis(1));
        for side in 0..2 {
            assert!(s.routing.fib(0, side).is_empty(), "side {side}: no member left after the local repair");
        }
        let backups: Vec<u32> = s
            .model()
            .links
            .iter()
            .enumerate()
            .filter(|(_, l)| l.spec.facility.as_deref() == Some("dx/fac-b"))
            .map(|(i, _)| i as u32)
            .collect();
        s.run_until(ms(11_000) + SimDuration::from_millis(1));
        for side in 0..2 {
            assert_eq!(s.routing.fib(0, side), &backups[..], "side {side}");
        }
        s.run();
        assert_eq!(s.report().faults[0].converge_s, Some(1.0));
    }

    /// A carrier loss on a link whose session is already down (a reset moments before, or a
    /// blackhole BFD already found) is still an interface going down: both sides drop it
    /// by local repair, not when the earlier BGP decision lands.
    #[test]
    fn a_cut_after_the_session_went_down_is_still_repaired_locally() {
        let q = managed();
        let faults =
            vec![fault("reset", "ash/ch2", FaultAction::BgpReset, 10_000, None), fault("cut", "ash/ch2", FaultAction::Down, 10_100, None)];
        let mut s = sim(&spec(&q, q.adjacency(), faults));
        s.run();
        let lr = ms(10_100) + AdjacencySpec::DEFAULT_LOCAL_REPAIR;
        let changes = fib_changes(&s);
        assert!(changes.iter().any(|c| c.0 == lr && c.1 == 0) && changes.iter().any(|c| c.0 == lr && c.1 == 1), "{changes:?}");
        let cut = &s.report().faults[1];
        assert_eq!(cut.converge_s, Some(AdjacencySpec::DEFAULT_LOCAL_REPAIR.as_secs_f64()));
        assert_eq!(cut.blackhole_s, AdjacencySpec::DEFAULT_LOCAL_REPAIR.as_secs_f64());
    }

    /// A selection wider than the repaired set (ECMP refilled to `max_paths` from routes that
    /// were not in it) still reaches forwarding after convergence, and is the fault's.
    #[test]
    fn a_refilled_ecmp_set_follows_after_convergence_and_counts() {
        let q = managed();
        let mut adj = q.adjacency();
        adj.max_paths = 2;
        let mut s = sim(&spec(&q, adj, vec![fault("cut", "ash/ch1", FaultAction::Down, 10_000, None)]));
        assert_eq!(s.routing.fib(0, 0), &[0, 1]);
        s.run();
        let lr = ms(10_000) + AdjacencySpec::DEFAULT_LOCAL_REPAIR;
        let conv = ms(11_000);
        assert_eq!(fib_changes(&s), vec![(lr, 0, 1), (lr, 1, 1), (conv, 0, 2), (conv, 1, 2)]);
        assert_eq!(s.routing.fib(0, 0), &[1, 2]);
        assert_eq!(s.report().faults[0].converge_s, Some(1.0));
    }

    /// A decision queued before a cut (the link coming back after a reset) does not put the
    /// dead link back into forwarding when it falls due after the local repair.
    #[test]
    fn an_older_decision_does_not_revive_a_locally_repaired_link() {
        let q = managed();
        // Reset at 10 s: down at once, back up at 11 s (establish), decision due at 12 s.
        // The cut at 11.5 s comes between.
        let faults = vec![
            fault("reset", "ash/ch2", FaultAction::BgpReset, 10_000, None),
            fault("cut", "ash/ch2", FaultAction::Down, 11_500, Some(10_000)),
        ];
        let mut s = sim(&spec(&q, q.adjacency(), faults));
        s.run_until(ms(11_501));
        let queued = |s: &Simulation| s.routing.sides[0][0].pending.iter().any(|d| d.members.contains(&1));
        assert!(queued(&s), "the decision bringing ch2 back is still queued when ch2 is cut");
        s.run_until(ms(21_000));
        let changes = fib_changes(&s);
        assert!(changes.iter().all(|c| c.2 == 3), "ch2 came back while cut: {changes:?}");
        assert_eq!(s.routing.fib(0, 0), &[0, 2, 3]);
        s.run();
        let back = ms(21_500) + SessionSpec::DEFAULT_ESTABLISH + AdjacencySpec::DEFAULT_CONVERGENCE;
        assert!(fib_changes(&s).contains(&(back, 0, 4)), "{:?}", fib_changes(&s));
    }

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
