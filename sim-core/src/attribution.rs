//! Attribution: which fault did what. A fold over the timed effects the other components
//! report, with the causes each link, site and forwarding entry has at that moment.
//!
//! Nothing here changes the simulation; it only reads it. Every figure a report gives per
//! fault (detect, converge, recover, blackhole, lost, evidence) and per group (RTO episodes,
//! attributed loss) is accumulated here as the effects happen, with their own timestamps, so
//! no number depends on how a caller slices time or on which fault touched a link last.
//!
//! Causes. A link keeps the list of faults acting on it (see `link.rs`). A session that goes
//! down is credited to every fault on its link that can drop packets (not a pure delay),
//! and to a reset of that session in the same instant. A routing decision carries the
//! causes of the session changes behind it through the convergence queue. A flow that stalls
//! is credited to the causes of what broke its path: the link direction, the empty
//! forwarding entry, or the dead endpoint. A flow whose rate drops below 95 % of what it had
//! is credited to the faults that changed something on its route at that instant.

use crate::events::{Broken, Effect};
use crate::link::CauseEffect;
use crate::model::{AdjId, FaultId, GroupId, LinkId, Model};
use crate::network::Network;
use crate::routing::Routing;
use crate::time::{SimDuration, SimTime};
use crate::trace::DownReason;
use crate::traffic::{TcpState, Traffic};
use thin_vec::ThinVec;

/// The share of its target a flow or group must reach to count as recovered.
pub const RECOVERY_PPM: u64 = 950_000;

/// How long a flow or group must hold its target to count as recovered: a burst of catch-up
/// traffic or one good moment between stalls is not recovery. [ASSUMPTION] 1 s.
pub const RECOVERY_HOLD: SimDuration = SimDuration::from_secs(1);

fn below(rate: u64, target: u64) -> bool {
    u128::from(rate) * 1_000_000 < u128::from(target) * u128::from(RECOVERY_PPM)
}

/// A rate integrated over time in ledger units (bit-nanoseconds).
#[derive(Clone, Copy, Debug, Default)]
struct Integral {
    rate: u64,
    acc: u128,
    last: SimTime,
}

impl Integral {
    fn set(&mut self, now: SimTime, rate: u64) {
        self.acc += u128::from(self.rate) * u128::from(now.saturating_since(self.last).as_nanos());
        self.last = now;
        self.rate = rate;
    }
    fn at(&self, now: SimTime) -> u128 {
        self.acc + u128::from(self.rate) * u128::from(now.saturating_since(self.last).as_nanos())
    }
}

/// What one fault did.
#[derive(Clone, Debug, Default)]
pub(crate) struct FaultEvidence {
    pub start: Option<SimTime>,
    pub detect: Option<SimTime>,
    pub last_fib: Option<SimTime>,
    pub sessions_down: u32,
    pub flows_moved: u64,
    pub links_changed: u32,
    pub workloads_down: u32,
    /// Forwarding entries pointing into a link this fault stops from delivering.
    bh_entries: u32,
    bh_since: SimTime,
    bh_ns: u64,
    lost_once: u128,
    lost_rate: Integral,
    /// Flows this fault disrupted (a flow disrupted twice counts twice).
    pub disrupted: u64,
    /// Disrupted flows not yet back at their target.
    pending: u64,
    recover_at: Option<SimTime>,
}

/// One flow as attribution follows it. There is one per flow (100,000 in bench-scale) and
/// almost all of them never meet a fault, so the two lists are `ThinVec`s: 8 bytes each
/// while empty instead of a `Vec`'s 24 (README "Setup and memory at scale").
#[derive(Clone, Debug, Default)]
struct FlowTrack {
    /// Faults that disrupted it and wait for it to recover.
    waiting: ThinVec<FaultId>,
    /// Its rate before the disruption it is recovering from.
    reference: u64,
    last_rate: u64,
    good_since: Option<SimTime>,
    /// Its fault-caused loss rate, split among the faults behind it.
    loss: ThinVec<(FaultId, u64)>,
}

/// A stretch of time a group spent below 95 % of its reference.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Episode {
    pub start: SimTime,
    pub reference: u64,
    /// The faults that disrupted the group's flows at the instant it fell.
    pub causes: Vec<FaultId>,
    pub above_since: Option<SimTime>,
}

#[derive(Clone, Debug, Default)]
struct GroupTrack {
    last_rate: u64,
    /// The group has delivered at some point (a group that starts inside an outage has not).
    ever: bool,
    open: Option<Episode>,
    /// The longest closed episode: (length, causes).
    worst: Option<(SimDuration, Vec<FaultId>)>,
    episodes: u32,
    lost_once: u128,
    lost_rate: Integral,
}

/// What attribution reads of the rest of the simulation.
#[derive(Clone, Copy)]
pub(crate) struct Views<'a> {
    pub model: &'a Model,
    pub net: &'a Network,
    pub routing: &'a Routing,
    pub traffic: &'a Traffic,
}

#[derive(Debug, Default)]
pub(crate) struct Attribution {
    faults: Vec<FaultEvidence>,
    flows: Vec<FlowTrack>,
    /// Packet groups, followed as one track each (their flows are smoltcp's).
    packet: Vec<Option<FlowTrack>>,
    groups: Vec<GroupTrack>,
    /// Per adjacency side: the causes of the forwarding change last applied there.
    fib_causes: Vec<[Vec<FaultId>; 2]>,
    /// Per adjacency side: the faults behind each forwarding entry into a dead link.
    broken: Vec<[Vec<FaultId>; 2]>,
    touched: Vec<u32>,
    touched_flag: Vec<bool>,
    /// This instant: faults that changed something, and where.
    instant: Vec<(FaultId, AdjId)>,
    /// This instant: session resets by fault.
    resets: Vec<(LinkId, FaultId)>,
    /// This instant: which faults disrupted flows of which group.
    disruptors: Vec<(GroupId, FaultId)>,
    /// Per link and side: the faults that took the session down, until it is back up.
    down_causes: Vec<[Vec<FaultId>; 2]>,
    /// Per link: faults that started while something else held its carrier down, and have
    /// not shown yet (masked; see `settle_links_and_sessions`).
    masked: Vec<Vec<FaultId>>,
    /// Per link: the faults that have BFD switched off.
    bfd_off: Vec<Vec<FaultId>>,
    /// This instant: links whose BFD was switched off.
    bfd_hides: Vec<LinkId>,
    /// This instant: sessions that went down, to credit at its end.
    downs: Vec<(LinkId, u8, DownReason)>,
    /// This instant: route preference changes by fault (drains).
    prefs: Vec<(LinkId, FaultId)>,
    /// This instant: links that changed, their state before, and the faults applied to them.
    link_changes: Vec<(LinkId, crate::link::LinkSummary, Vec<FaultId>)>,
    /// This instant: losses to credit at its end.
    pending_loss: Vec<(GroupId, u128, Option<Broken>, Option<u32>)>,
    scratch: Vec<FaultId>,
}

impl Attribution {
    pub fn new(model: &Model, flows: usize) -> Attribution {
        Attribution {
            faults: vec![FaultEvidence::default(); model.faults.len()],
            flows: vec![FlowTrack::default(); flows],
            packet: model.groups.iter().map(|g| (g.spec.fidelity == crate::spec::Fidelity::Packet).then(FlowTrack::default)).collect(),
            groups: vec![GroupTrack::default(); model.groups.len()],
            fib_causes: vec![Default::default(); model.adjacencies.len()],
            down_causes: vec![Default::default(); model.links.len()],
            bfd_off: vec![Vec::new(); model.links.len()],
            masked: vec![Vec::new(); model.links.len()],
            broken: vec![Default::default(); model.adjacencies.len()],
            touched_flag: vec![false; model.adjacencies.len()],
            ..Default::default()
        }
    }

    fn fault(&mut self, f: FaultId) -> &mut FaultEvidence {
        fault_mut(&mut self.faults, f)
    }

    pub fn evidence(&self, f: FaultId) -> FaultEvidence {
        self.faults.get(f.index()).cloned().unwrap_or_default()
    }

    fn touch(&mut self, a: AdjId) {
        if !self.touched_flag[a.index()] {
            self.touched_flag[a.index()] = true;
            self.touched.push(a.0);
        }
    }

    /// The faults a session going down on `link` (at `side`, for `reason`) is credited to:
    /// every fault on the link that can drop packets, a reset of it this instant, and, when
    /// the peer's NOTIFICATION or BFD Down state brought it down, whatever brought the peer
    /// down (even if that fault has been repaired since: the session is still its doing).
    fn session_causes(&self, net: &Network, link: LinkId, side: usize, reason: DownReason) -> Vec<FaultId> {
        let st = net.link(link);
        // Packets side `side` receives travel in link direction 1 - side (0 is A to B).
        let inbound = 1 - side;
        let mut c: Vec<FaultId> = match reason {
            // Only what took the carrier away.
            DownReason::CarrierLoss => st.carrier_causes().collect(),
            // A timer ran out because packets towards this side stopped arriving: what drops
            // them all in that direction; failing that, what drops some of them.
            DownReason::BfdTimeout | DownReason::HoldTimerExpired => {
                let all: Vec<FaultId> = st.breaking(inbound).collect();
                let some: Vec<FaultId> = st.lossy().map(|(f, _)| f).collect();
                match (all.is_empty(), some.is_empty()) {
                    (false, _) => all,
                    (true, false) => some,
                    // Nothing on the link now: the peer went down first and stopped sending.
                    (true, true) => self.down_causes[link.index()][1 - side].clone(),
                }
            }
            // The peer told us: whatever brought the peer down.
            DownReason::Notification | DownReason::NeighborSignaledDown => self.down_causes[link.index()][1 - side].clone(),
            DownReason::AdminReset => Vec::new(),
        };
        c.extend(self.resets.iter().filter(|r| r.0 == link).map(|r| r.1));
        dedup(&mut c);
        c
    }

    /// The faults a routing decision prompted by `link` this instant is credited to: those
    /// that took its session down, or carrier (a link without a session), or changed its
    /// route preference.
    pub fn routing_causes(&self, net: &Network, link: LinkId) -> Vec<FaultId> {
        let [a, b] = &self.down_causes[link.index()];
        let mut c: Vec<FaultId> = a.iter().chain(b).copied().collect();
        c.extend(self.prefs.iter().filter(|p| p.0 == link).map(|p| p.1));
        // Routing follows carrier too (local repair; a link without a session has nothing
        // else): what took it away, even when the session was down already.
        c.extend(net.link(link).carrier_causes());
        dedup(&mut c);
        c
    }

    /// The first half of an instant's end, before routing decides: which faults changed which
    /// links, and which took which sessions down. Credited with the causes in force at the end
    /// of the instant, so faults that act at the same instant are credited alike, whatever
    /// their order in the file.
    pub fn settle_links_and_sessions(&mut self, now: SimTime, v: &Views<'_>) {
        let changes = std::mem::take(&mut self.link_changes);
        for (link, before, applied) in &changes {
            let st = v.net.link(*link);
            let after = st.summary();
            let shows: Vec<FaultId> = st.effective().collect();
            // A fault that starts on a link without carrier (a blackhole inside a cut) is
            // masked: it changes nothing while the carrier is gone. It is remembered, so that
            // if it outlasts what took the carrier, its effect is credited when it shows.
            let on_link = |f: &FaultId| st.causes().iter().any(|c| c.fault == Some(*f));
            let masked = &mut self.masked[link.index()];
            masked.retain(|f| on_link(f));
            for f in applied {
                if on_link(f) && !shows.contains(f) && !masked.contains(f) {
                    masked.push(*f);
                }
            }
            // A link down before and after carried nothing either way: no change.
            if after.same_effect(before) || (!before.carrier && !after.carrier) {
                continue;
            }
            let mut credited: Vec<FaultId> = applied.iter().chain(masked.iter()).copied().filter(|f| shows.contains(f)).collect();
            dedup(&mut credited);
            masked.retain(|f| !shows.contains(f));
            for f in credited {
                self.fault(f).links_changed += 1;
                self.instant.extend(v.model.adjacencies_of(*link).map(|a| (f, a)));
            }
            // A link without a session (a backbone span) is noticed by its carrier: routing
            // sees the loss at once, which is its detection.
            if v.model.links[link.index()].spec.session.is_none() && before.carrier && !after.carrier {
                let down: Vec<FaultId> = st.carrier_causes().collect();
                for f in down {
                    self.fault(f).detect.get_or_insert(now);
                }
            }
        }
        // BFD switched off on a link that now drops packets silently: the failure goes
        // unnoticed by BFD, which is that fault's doing (whether or not a timer runs out later).
        let mut hides = std::mem::take(&mut self.bfd_hides);
        hides.extend(changes.iter().map(|c| c.0));
        for &link in &hides {
            let st = v.net.link(link);
            let bfd = v.model.links[link.index()].spec.session.is_some_and(|s| s.bfd.is_some());
            if bfd && st.carrier() && (st.breaking(0).next().is_some() || st.breaking(1).next().is_some()) {
                for i in 0..self.bfd_off[link.index()].len() {
                    let f = self.bfd_off[link.index()][i];
                    self.fault(f).links_changed += 1;
                }
            }
        }
        hides.clear();
        self.bfd_hides = hides;
        let mut changes = changes;
        changes.clear();
        self.link_changes = changes;
        let downs = std::mem::take(&mut self.downs);
        for &(link, side, reason) in &downs {
            let mut causes = self.session_causes(v.net, link, side as usize, reason);
            // A hold timer ran out where BFD would have been faster: whoever switched BFD off
            // made this detection late, so it is theirs too.
            if reason == DownReason::HoldTimerExpired && v.model.links[link.index()].spec.session.is_some_and(|s| s.bfd.is_some()) {
                for &f in &self.bfd_off[link.index()] {
                    if !causes.contains(&f) {
                        causes.push(f);
                    }
                }
            }
            for &f in &causes {
                let ev = self.fault(f);
                ev.sessions_down += 1;
                ev.detect.get_or_insert(now);
            }
            self.down_causes[link.index()][side as usize] = causes;
        }
        let mut downs = downs;
        downs.clear();
        self.downs = downs;
    }

    /// The faults behind a broken path.
    fn broken_causes(&self, v: &Views<'_>, group: GroupId, b: Broken, out: &mut Vec<FaultId>) {
        out.clear();
        match b {
            Broken::Link { link, dir } => out.extend(v.net.link(link).stopping(dir as usize)),
            Broken::NoRoute { adj, side } => out.extend_from_slice(&self.fib_causes[adj.index()][side as usize]),
            Broken::End { end } => out.extend(v.net.end_causes(v.traffic.route(group.index()), end as usize)),
        }
        dedup(out);
    }

    /// Folds one effect in.
    pub fn observe(&mut self, now: SimTime, e: &Effect, v: &Views<'_>) {
        match e {
            Effect::FaultStarted { fault } => self.fault(*fault).start = Some(now),
            Effect::FaultEnded { .. } => {}
            // BFD switched off shows only when a failure is then found late: remember it.
            Effect::BfdToggled { link, fault, off, .. } => {
                let list = &mut self.bfd_off[link.index()];
                if *off {
                    list.push(*fault);
                    self.bfd_hides.push(*link);
                } else if let Some(i) = list.iter().position(|f| f == fault) {
                    list.remove(i);
                }
            }
            Effect::SessionUp { link } => self.down_causes[link.index()] = Default::default(),
            Effect::LinkChanged { link, fault, applied, delta } => {
                let i = match self.link_changes.iter().position(|c| c.0 == *link) {
                    Some(i) => i,
                    None => {
                        self.link_changes.push((*link, delta.before, Vec::new()));
                        self.link_changes.len() - 1
                    }
                };
                if let Some(f) = fault
                    && *applied
                    && !self.link_changes[i].2.contains(f)
                {
                    self.link_changes[i].2.push(*f);
                }
                for a in v.model.adjacencies_of(*link) {
                    self.touch(a);
                }
            }
            Effect::WorkloadChanged { groups, fault: Some(f), down: true } => {
                self.fault(*f).workloads_down += 1;
                for g in groups {
                    for hop in &v.traffic.route(g.index()).hops {
                        self.instant.push((*f, hop.adj));
                    }
                }
            }
            Effect::WorkloadChanged { .. } => {}
            Effect::SessionReset { link, fault } => {
                self.resets.push((*link, *fault));
                self.instant.extend(v.model.adjacencies_of(*link).map(|a| (*fault, a)));
            }
            Effect::PreferenceChanged { link, fault } => {
                if let Some(f) = fault {
                    self.prefs.push((*link, *f));
                    self.instant.extend(v.model.adjacencies_of(*link).map(|a| (*f, a)));
                }
            }
            Effect::SessionDown { link, side, reason } => self.downs.push((*link, *side, *reason)),
            Effect::FibChanged { adj, side, causes, moved, .. } => {
                for &f in causes {
                    let ev = self.fault(f);
                    ev.last_fib = Some(now);
                    ev.flows_moved += moved;
                    self.instant.push((f, *adj));
                }
                self.fib_causes[adj.index()][*side as usize] = causes.clone();
                self.touch(*adj);
            }
            // Stalls and losses are credited at the end of the instant, with every cause in
            // force by then, so faults that act together are credited alike whatever their
            // order in the file.
            Effect::Stall { .. } => {}
            Effect::Lost { group, bits, broken, flow } => self.pending_loss.push((*group, *bits, *broken, *flow)),
            Effect::Resume { .. } | Effect::GroupRate { .. } | Effect::ConnectionAborted { .. } | Effect::ConnectFailed { .. } => {}
            Effect::AlarmFired { .. } | Effect::StepActed { .. } => {}
            Effect::PacketSent { .. } | Effect::PacketDelivered { .. } | Effect::PacketBin { .. } => {}
        }
    }

    /// Every fault behind what is broken on flow `fi`'s path now: each link direction of its
    /// data and ACK paths that does not deliver, an empty forwarding entry, a dead end. With
    /// `data_only`, only what stops its data (a lost byte is the data path's doing, never the
    /// ACK path's): the data path's links, the empty entry, the receiving end.
    fn flow_causes(&self, v: &Views<'_>, fi: usize, data_only: bool, out: &mut Vec<FaultId>) {
        out.clear();
        let fl = &v.traffic.flows[fi];
        let rev: &[(u32, u8)] = if data_only { &[] } else { &fl.rev };
        for &(l, d) in fl.fwd.iter().chain(rev) {
            out.extend(v.net.link(LinkId(l)).stopping(d as usize));
        }
        if let Some(Broken::NoRoute { adj, side }) = fl.broken {
            out.extend_from_slice(&self.fib_causes[adj.index()][side as usize]);
        }
        let route = v.traffic.route(fl.group as usize);
        for end in if data_only { 1..2 } else { 0..2 } {
            out.extend(v.net.end_causes(route, end));
        }
        dedup(out);
    }

    /// Shares `bits` lost equally among `causes`; the remainder goes to the first.
    fn credit_loss(&mut self, group: GroupId, bits: u128, causes: &[FaultId]) {
        if causes.is_empty() {
            return;
        }
        let n = causes.len() as u128;
        for (i, &f) in causes.iter().enumerate() {
            let share = bits / n + if i == 0 { bits % n } else { 0 };
            self.fault(f).lost_once += share;
        }
        self.groups[group.index()].lost_once += bits;
    }

    /// Flow `f` was disrupted by `causes` now (a stall or a rate drop).
    fn disrupt(&mut self, now: SimTime, f: u32, group: GroupId, causes: &[FaultId]) {
        disrupt_track(&mut self.faults, &mut self.flows[f as usize], now, causes);
        self.note_disruptors(group, causes);
    }

    /// Remembers, for this instant, which faults disrupted the group (its RTO episode's cause).
    fn note_disruptors(&mut self, group: GroupId, causes: &[FaultId]) {
        for &c in causes {
            if !self.disruptors.contains(&(group, c)) {
                self.disruptors.push((group, c));
            }
        }
    }

    /// Whether a flow is at its target: sending (not stalled, not waiting to start) on a
    /// working path at 95 % of min(its pre-disruption rate, what the network allows it).
    fn good(track: &FlowTrack, fl: &crate::traffic::Flow) -> bool {
        match fl.state {
            TcpState::Done => true,
            TcpState::Waiting | TcpState::Stalled { .. } | TcpState::Connecting { .. } | TcpState::Repairing { .. } => false,
            TcpState::Open | TcpState::Ramping { .. } | TcpState::Avoiding { .. } => {
                let target = if track.reference > 0 { track.reference.min(fl.ideal) } else { fl.ideal };
                fl.ok && target > 0 && !below(fl.rate, target)
            }
        }
    }

    /// The end of an instant: blackhole entries, flows whose rate or state changed, group
    /// episodes. `changed` lists the flows traffic changed this instant.
    pub fn settle(&mut self, now: SimTime, v: &Views<'_>, changed: &[u32]) {
        self.recount_blackholes(now, v);
        let mut causes = std::mem::take(&mut self.scratch);
        let losses = std::mem::take(&mut self.pending_loss);
        for &(group, bits, broken, flow) in &losses {
            match flow {
                Some(f) if !v.traffic.flows[f as usize].ok => self.flow_causes(v, f as usize, true, &mut causes),
                _ => {
                    causes.clear();
                    if let Some(b) = broken {
                        self.broken_causes(v, group, b, &mut causes);
                        // A packet lost to random loss: the faults adding loss on that link.
                        if causes.is_empty()
                            && let Broken::Link { link, .. } = b
                        {
                            causes.extend(v.net.link(link).lossy().map(|(f, _)| f));
                            dedup(&mut causes);
                        }
                    }
                }
            }
            self.credit_loss(group, bits, &causes);
            if flow.is_none()
                && !causes.is_empty()
                && let Some(t) = self.packet[group.index()].as_mut()
            {
                disrupt_track(&mut self.faults, t, now, &causes);
                self.note_disruptors(group, &causes);
            }
        }
        let mut losses = losses;
        losses.clear();
        self.pending_loss = losses;
        for &f in changed {
            let fi = f as usize;
            let fl = &v.traffic.flows[fi];
            let group = GroupId(fl.group);
            if fl.state.is_stalled() {
                self.flow_causes(v, fi, false, &mut causes);
                if !causes.is_empty() {
                    self.disrupt(now, f, group, &causes);
                }
            } else if below(fl.rate, self.flows[fi].last_rate) {
                causes.clear();
                let hops = &v.traffic.route(group.index()).hops;
                causes.extend(self.instant.iter().filter(|(_, a)| hops.iter().any(|h| h.adj == *a)).map(|(c, _)| *c));
                // And whatever degrades the path it is on now (a flow moved onto a lossy or
                // slowed link by someone else's repair is held back by that degradation).
                for &(l, _) in &fl.fwd {
                    causes.extend(
                        v.net
                            .link(LinkId(l))
                            .causes()
                            .iter()
                            .filter(|c| matches!(c.effect, CauseEffect::Degrade(_)))
                            .filter_map(|c| c.fault),
                    );
                }
                dedup(&mut causes);
                if !causes.is_empty() {
                    self.disrupt(now, f, group, &causes);
                }
            }
            let good = Self::good(&self.flows[fi], fl);
            step_track(&mut self.faults, &mut self.flows[fi], now, good);
            self.flows[fi].last_rate = fl.rate;
            self.split_loss(now, fi, v);
        }
        self.scratch = causes;
        for &g in v.traffic.changed_groups() {
            let g = g as usize;
            if let Some(t) = self.packet[g].as_mut() {
                // Packet groups are followed as a whole, by their goodput per bin.
                let gr = &v.traffic.groups[g];
                let target = if t.reference > 0 { t.reference.min(gr.ideal) } else { gr.ideal };
                // Never while one of its flows is still stalled.
                let good = gr.packet_stalled == 0 && gr.rate > 0 && target > 0 && !below(gr.rate, target);
                step_track(&mut self.faults, t, now, good);
                t.last_rate = gr.rate;
            }
            self.group_rate(now, g, v);
        }
        self.instant.clear();
        self.resets.clear();
        self.prefs.clear();
        self.disruptors.clear();
    }

    /// Splits a flow's fault-caused loss rate among the faults degrading its data path, in
    /// proportion to the loss each adds; the remainder goes to the first.
    fn split_loss(&mut self, now: SimTime, fi: usize, v: &Views<'_>) {
        let fl = &v.traffic.flows[fi];
        if fl.fault_loss_rate == 0 && self.flows[fi].loss.is_empty() {
            return;
        }
        let mut new: ThinVec<(FaultId, u64)> = ThinVec::new();
        if fl.fault_loss_rate > 0 {
            for &(l, _) in &fl.fwd {
                for (f, ppm) in v.net.link(LinkId(l)).lossy() {
                    match new.iter_mut().find(|x| x.0 == f) {
                        Some(x) => x.1 += u64::from(ppm),
                        None => new.push((f, u64::from(ppm))),
                    }
                }
            }
            let total: u64 = new.iter().map(|x| x.1).sum();
            let mut given = 0;
            for x in new.iter_mut() {
                x.1 = if total == 0 { 0 } else { (u128::from(fl.fault_loss_rate) * u128::from(x.1) / u128::from(total)) as u64 };
                given += x.1;
            }
            if let Some(first) = new.first_mut() {
                first.1 += fl.fault_loss_rate - given;
            }
        }
        if new == self.flows[fi].loss {
            return;
        }
        let old = std::mem::take(&mut self.flows[fi].loss);
        let g = fl.group as usize;
        let mut group_rate = self.groups[g].lost_rate.rate;
        for &(f, r) in &old {
            let ev = self.fault(f);
            let rate = ev.lost_rate.rate - r;
            ev.lost_rate.set(now, rate);
            group_rate -= r;
        }
        for &(f, r) in &new {
            let ev = self.fault(f);
            let rate = ev.lost_rate.rate + r;
            ev.lost_rate.set(now, rate);
            group_rate += r;
        }
        self.groups[g].lost_rate.set(now, group_rate);
        self.flows[fi].loss = new;
    }

    /// Updates the blackhole entries of every adjacency touched this instant.
    fn recount_blackholes(&mut self, now: SimTime, v: &Views<'_>) {
        let touched = std::mem::take(&mut self.touched);
        for &a in &touched {
            let ai = a as usize;
            self.touched_flag[ai] = false;
            for side in 0..2 {
                let mut new = Vec::new();
                for &l in v.routing.fib(ai, side) {
                    let dir = v.model.links[l as usize].side_at(side);
                    new.extend(v.net.link(LinkId(l)).stopping(dir));
                }
                let old = std::mem::replace(&mut self.broken[ai][side], new);
                for f in old {
                    let ev = self.fault(f);
                    ev.bh_entries -= 1;
                    if ev.bh_entries == 0 {
                        ev.bh_ns += now.saturating_since(ev.bh_since).as_nanos();
                    }
                }
                for i in 0..self.broken[ai][side].len() {
                    let f = self.broken[ai][side][i];
                    let ev = self.fault(f);
                    if ev.bh_entries == 0 {
                        ev.bh_since = now;
                    }
                    ev.bh_entries += 1;
                }
            }
        }
        let mut touched = touched;
        touched.clear();
        self.touched = touched;
    }

    /// A group's rate changed: open or close its disruption episode.
    fn group_rate(&mut self, now: SimTime, g: usize, v: &Views<'_>) {
        let gr = &v.traffic.groups[g];
        let rate = gr.rate;
        let demand = v.model.groups[g].spec.demand_bps;
        let mut causes: Vec<FaultId> = self.disruptors.iter().filter(|d| d.0.index() == g).map(|d| d.1).collect();
        if causes.is_empty()
            && let Some(t) = &self.packet[g]
        {
            // A packet group's goodput is binned: its drop shows a bin after the losses that
            // disrupted it.
            causes.extend_from_slice(&t.waiting);
        }
        let packet = self.packet[g].is_some();
        let t = &mut self.groups[g];
        if let Some(ep) = t.open.as_mut() {
            // Demand groups must be back at 95 % of their demand; bulk groups at 95 % of
            // what they had, or of what the network allows now if that is less.
            let target = if demand.is_some() { ep.reference } else { ep.reference.min(gr.ideal) };
            if rate > 0 && !below(rate, target) {
                ep.above_since.get_or_insert(now);
            } else if let Some(a) = ep.above_since {
                if now.saturating_since(a) >= RECOVERY_HOLD {
                    let ep = ep.clone();
                    t.close(ep, a);
                } else {
                    ep.above_since = None;
                }
            }
        }
        if t.open.is_none() {
            let reference = match demand {
                // A group that could not deliver from its start (it opened into an outage)
                // is measured against its demand, or for bulk traffic against what the network
                // allows it (the target below takes the smaller).
                _ if !t.ever && !causes.is_empty() => demand.unwrap_or(u64::MAX),
                Some(d) if !below(t.last_rate, d) => d,
                _ => t.last_rate,
            };
            // A packet group's goodput is binned (10 ms) and dips below its offered rate with
            // its start-up ramp and with every loss a clean path's own background loss brings:
            // those are TCP at work, not an outage, so its episodes start only when a fault
            // disrupted its flows. A fluid group's rate is exact: any fall of a group with an
            // offered rate is one (a runbook shift's slow start, say).
            if reference > 0 && below(rate, reference) && ((demand.is_some() && !packet) || !causes.is_empty()) {
                // A bulk group may be at what the network allows it from the very instant it
                // fell (its other flows took the capacity over): that counts from now.
                let target = if demand.is_some() { reference } else { reference.min(gr.ideal) };
                let above_since = (rate > 0 && !below(rate, target)).then_some(now);
                t.open = Some(Episode { start: now, reference, causes, above_since });
                t.episodes += 1;
            }
        }
        t.last_rate = rate;
        t.ever |= rate > 0;
    }

    // Read-outs for the report, as of `end`. They finish what is still open without
    // changing any state.

    /// When each fault recovered, if it has: every flow it disrupted back at its target for
    /// the hold; `Some(start)` for a fault that disrupted no flow. One pass over the flows
    /// for all faults, finishing good stretches that have held by `end`.
    pub fn recoveries(&self, end: SimTime) -> Vec<Option<SimTime>> {
        let mut pending: Vec<u64> = self.faults.iter().map(|e| e.pending).collect();
        let mut at: Vec<Option<SimTime>> = self.faults.iter().map(|e| e.recover_at).collect();
        if pending.iter().any(|&p| p > 0) {
            for t in self.flows.iter().chain(self.packet.iter().flatten()) {
                if let Some(g) = t.good_since
                    && end.saturating_since(g) >= RECOVERY_HOLD
                {
                    for f in &t.waiting {
                        pending[f.index()] -= 1;
                        at[f.index()] = Some(at[f.index()].map_or(g, |r| r.max(g)));
                    }
                }
            }
        }
        self.faults
            .iter()
            .enumerate()
            .map(|(i, ev)| {
                let start = ev.start?;
                match (ev.disrupted, pending[i]) {
                    (0, _) => Some(start),
                    (_, 0) => at[i].map(|a| a.max(start)),
                    _ => None,
                }
            })
            .collect()
    }

    /// Time forwarding pointed into links this fault stopped from delivering.
    pub fn blackhole(&self, f: FaultId, end: SimTime) -> SimDuration {
        let Some(ev) = self.faults.get(f.index()) else { return SimDuration::ZERO };
        let open = if ev.bh_entries > 0 { end.saturating_since(ev.bh_since).as_nanos() } else { 0 };
        SimDuration(ev.bh_ns + open)
    }

    /// Bits lost because of fault `f` (ledger units).
    pub fn lost(&self, f: FaultId, end: SimTime) -> u128 {
        self.faults.get(f.index()).map_or(0, |ev| ev.lost_once + ev.lost_rate.at(end))
    }

    /// Bits group `g` lost because of some fault (ledger units).
    pub fn group_attributed_loss(&self, g: usize, end: SimTime) -> u128 {
        let t = &self.groups[g];
        t.lost_once + t.lost_rate.at(end)
    }

    /// The group's disruption episodes as of `end`: (worst length, the faults that started
    /// it, whether an episode is still open (never recovered), number of episodes).
    pub fn episodes(&self, g: usize, end: SimTime) -> (Option<SimDuration>, Vec<FaultId>, bool, u32) {
        let t = &self.groups[g];
        let mut worst = t.worst.clone();
        let mut open = false;
        if let Some(ep) = &t.open {
            match ep.above_since {
                Some(a) if end.saturating_since(a) >= RECOVERY_HOLD => {
                    let d = a.saturating_since(ep.start);
                    if worst.as_ref().is_none_or(|w| d > w.0) {
                        worst = Some((d, ep.causes.clone()));
                    }
                }
                _ => {
                    // An episode that never ended is the one the report is about.
                    open = true;
                    worst = Some((end.saturating_since(ep.start), ep.causes.clone()));
                }
            }
        }
        match worst {
            Some((d, causes)) => (Some(d), causes, open, t.episodes),
            None => (None, Vec::new(), open, t.episodes),
        }
    }
}

impl GroupTrack {
    fn close(&mut self, ep: Episode, at: SimTime) {
        let d = at.saturating_since(ep.start);
        if self.worst.as_ref().is_none_or(|w| d > w.0) {
            self.worst = Some((d, ep.causes));
        }
        self.open = None;
    }
}

fn fault_mut(faults: &mut Vec<FaultEvidence>, f: FaultId) -> &mut FaultEvidence {
    if faults.len() <= f.index() {
        faults.resize_with(f.index() + 1, Default::default);
    }
    &mut faults[f.index()]
}

/// A followed flow (or packet group) was disrupted by `causes` at `now`.
fn disrupt_track(faults: &mut Vec<FaultEvidence>, t: &mut FlowTrack, now: SimTime, causes: &[FaultId]) {
    // A good stretch that lasted long enough was a recovery, whatever comes now.
    if let Some(g) = t.good_since.take()
        && now.saturating_since(g) >= RECOVERY_HOLD
    {
        confirm_track(faults, t, g);
    }
    if causes.is_empty() {
        return;
    }
    if t.waiting.is_empty() {
        t.reference = t.last_rate;
    }
    for &c in causes {
        if !t.waiting.contains(&c) {
            t.waiting.push(c);
            let ev = fault_mut(faults, c);
            ev.pending += 1;
            ev.disrupted += 1;
        }
    }
}

/// The track has been at its target since `since` for the hold: it recovered then.
fn confirm_track(faults: &mut Vec<FaultEvidence>, t: &mut FlowTrack, since: SimTime) {
    for &c in &t.waiting {
        let ev = fault_mut(faults, c);
        ev.pending -= 1;
        ev.recover_at = Some(ev.recover_at.map_or(since, |r| r.max(since)));
    }
    t.waiting.clear();
}

/// Moves a track's good stretch on: starts it, or ends it (a recovery if it held).
fn step_track(faults: &mut Vec<FaultEvidence>, t: &mut FlowTrack, now: SimTime, good: bool) {
    match (good, t.good_since) {
        (true, None) => t.good_since = Some(now),
        (false, Some(g)) => {
            t.good_since = None;
            if now.saturating_since(g) >= RECOVERY_HOLD {
                confirm_track(faults, t, g);
            }
        }
        _ => {}
    }
}

fn dedup(v: &mut Vec<FaultId>) {
    let mut seen = Vec::with_capacity(v.len());
    v.retain(|f| {
        if seen.contains(f) {
            false
        } else {
            seen.push(*f);
            true
        }
    });
}
