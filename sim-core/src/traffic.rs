//! Fluid traffic: flows with piecewise-constant rates, an explicit TCP model, and max-min
//! fair sharing recomputed only over the part of the network a change touches.
//!
//! A flow is pinned to one link per hop by its ECMP hash (forward) and a second hash for its
//! ACKs (reverse). When either direction stops delivering, the flow stalls: what it had in
//! flight is lost and it retransmits on the RTO schedule; it resumes at the first
//! retransmission that finds a working path, then grows its window by slow start (doubling
//! per RTT) until the network, not the window, limits it. Under random loss its rate is
//! capped by the Mathis bound. Byte counts are integrals of integer rates over integer
//! nanoseconds, so they are exact.
//!
//! `Traffic` owns the flows, the groups' ledgers and each group's current route (a runbook
//! shift changes it here; the model stays as written). It reads the network and routing and
//! reports stalls, resumes, losses and group rates as effects.

mod flow;
mod group;
mod members;
mod retransmit;
mod solve;
mod stalls;

pub(crate) use flow::{Flow, Path};
pub use flow::{FlowView, TcpState};
pub(crate) use group::{GroupRt, stall_micros};
pub(crate) use stalls::Stalls;

use crate::events::{Broken, Effect, Ev, Outbox};
use crate::link::mss;
use crate::maxmin::MaxMin;
use crate::model::{AdjId, GroupId, LinkId, Model, Route};
use crate::network::Network;
use crate::routing::{Routing, mix64};
use crate::scheduler::Scheduler;
use crate::spec::{Fidelity, TcpSpec};

use crate::time::{SimDuration, SimTime};

pub(crate) const NS: u128 = 1_000_000_000;

/// The index of a link direction in the per-direction vectors (`res_flows`, `res_load`).
fn res_index((l, d): (u32, u8)) -> usize {
    l as usize * 2 + d as usize
}

/// What a runbook shift found and did to one group.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ShiftOutcome {
    /// Some flow's path changed (always, for a move to other sites).
    pub moved: bool,
    /// A hop pinned to a connection none of whose links can carry traffic: the group stays
    /// on the hop's usual routes.
    pub unavailable: bool,
    /// Before the shift, the group's traffic was flowing unharmed (see `Traffic::delivers`).
    pub delivering: bool,
}

/// What traffic reads of the rest of the simulation.
#[derive(Clone, Copy)]

pub(crate) struct World<'a> {
    pub model: &'a Model,
    pub net: &'a Network,
    pub routing: &'a Routing,
}

#[derive(Debug, Default)]
pub(crate) struct Traffic {
    pub(crate) flows: Vec<Flow>,
    pub(crate) groups: Vec<GroupRt>,
    /// Each group's current route: the model's, until a runbook shifts it.
    routes: Vec<Route>,
    /// Flows whose forward path crosses each link direction (index link * 2 + dir).
    res_flows: members::Members,
    /// Flows whose route crosses each adjacency.
    adj_flows: Vec<Vec<u32>>,
    /// Fluid load per link direction, bits per second (what packets must leave to fluid).
    res_load: Vec<u64>,
    dirty: Vec<u32>,
    changed_groups: Vec<u32>,
    /// Flows whose rate, ideal or state changed since the last `take_changed_flows`.
    changed_flows: Vec<u32>,
    /// What flows that stalled this instant had in flight, until the instant decides its fate.
    stranded: Vec<(u32, u128)>,
    /// Flows that stalled this instant, whose first timer the end of the instant arms.
    fresh_stalls: Vec<u32>,
    /// Reused buffer for computing a flow's new forward path.
    scratch_path: Path,
    solver: solve::Scratch,
    maxmin: MaxMin,
    /// Each group's host clock phase, nanoseconds (where its timer-wheel ticks fall).
    phases: Vec<u64>,
    /// Mixed into a flow's hash when an RTO re-draws its ECMP member.
    salt: u64,
}

impl Traffic {
    pub fn new(model: &Model, seed: u64, sched: &mut Scheduler<Ev>) -> Traffic {
        let nres = model.links.len() * 2;
        let mut t = Traffic {
            res_load: vec![0; nres],
            adj_flows: vec![Vec::new(); model.adjacencies.len()],
            routes: model.groups.iter().map(|g| g.route.clone()).collect(),
            solver: solve::Scratch::new(nres),
            salt: mix64(seed ^ 0x7478_6861_7368),
            ..Default::default()
        };
        // Exactly as many flows as the model has: a vector grown by doubling would hold up to
        // twice the flows' bytes (a third of bench-scale's peak was that slack).
        t.flows.reserve_exact(model.groups.iter().map(|g| g.spec.flows as usize).sum());
        for (g, group) in model.groups.iter().enumerate() {
            let spec = &group.spec;
            let first = t.flows.len() as u32;
            t.groups.push(GroupRt::new(first, spec.flows, spec.fidelity == Fidelity::Packet));
            let id_hash = crate::rng::fnv1a(spec.id.as_bytes());
            // Jiffies since boot are arbitrary against the run: one phase per sending host,
            // from the seed (tcp-timing §1.4), below 2^40 ns so clock arithmetic cannot wrap.
            let phase = crate::rng::Stream::derive(seed, &format!("tcp-clock/{}", spec.id)).next_u64() >> 24;
            t.phases.push(phase);
            for i in 0..spec.flows {
                let f = t.flows.len() as u32;
                let timer = sched.add_timer(Ev::FlowTimer { flow: f });
                t.flows.push(Flow {
                    group: g as u32,
                    hash: mix64(id_hash ^ mix64(u64::from(i))),
                    state: TcpState::Waiting,
                    fwd: Path::new(),
                    rev: Path::new(),
                    ok: false,
                    broken: None,
                    data_delivers: false,
                    source_alive: false,
                    acks_deliver: false,
                    loss_ppm: 0,
                    loss_burst: 1,
                    rtt: SimDuration::ZERO,
                    jitter: SimDuration::ZERO,
                    prev_rtt: (SimDuration::ZERO, SimDuration::ZERO),
                    rtt_since: None,
                    standing: SimDuration::ZERO,
                    mss: 1448,
                    rate: 0,
                    loss_rate: 0,
                    fault_loss_rate: 0,
                    loss_ppm_applied: 0,
                    base_loss_ppm: 0,
                    ideal: 0,
                    window: 0,
                    timer,
                    ramp_at: None,
                    remaining: None,
                    last: SimTime::ZERO,
                    dirty: false,
                    changed: false,
                    seen: 0,
                });
            }
            if spec.start != SimTime::ZERO {
                sched.schedule(spec.start, Ev::GroupStart { group: g as u32 });
            }
        }
        t.res_flows = members::Members::new(nres, t.flows.len());
        t
    }

    /// Attaches every group to its route and starts those that start at zero.
    pub fn init(&mut self, w: World<'_>, out: &mut Outbox<'_>) {
        for g in 0..self.groups.len() {
            self.attach_group(g, w, out);
            if w.model.groups[g].spec.start == SimTime::ZERO {
                self.on_group_start(g, w, out);
            }
        }
    }

    pub fn route(&self, g: usize) -> &Route {
        &self.routes[g]
    }

    /// The fluid load on a link direction, bits per second.
    pub fn fluid_load(&self, r: usize) -> u64 {
        self.res_load.get(r).copied().unwrap_or(0)
    }

    /// Fluid flows whose data crosses a link direction.
    pub fn flows_on(&self, r: usize) -> &[u32] {
        self.res_flows.on(r)
    }

    fn tcp(w: World<'_>, g: usize) -> TcpSpec {
        w.model.groups[g].spec.tcp
    }

    fn note_changed(&mut self, f: u32) {
        let fl = &mut self.flows[f as usize];
        if !fl.changed {
            fl.changed = true;
            self.changed_flows.push(f);
        }
    }

    /// Whether anything waits for the end of the instant (a re-solve, a change to report).
    pub fn has_pending(&self) -> bool {
        !self.dirty.is_empty()
            || !self.changed_flows.is_empty()
            || !self.changed_groups.is_empty()
            || !self.stranded.is_empty()
            || !self.fresh_stalls.is_empty()
    }

    /// Flows whose rate, ideal rate or TCP state changed since the last call.
    pub fn take_changed_flows(&mut self, into: &mut Vec<u32>) {
        into.clear();
        for &f in &self.changed_flows {
            self.flows[f as usize].changed = false;
        }
        std::mem::swap(into, &mut self.changed_flows);
    }

    fn mark_dirty(&mut self, f: u32) {
        let fl = &mut self.flows[f as usize];
        if !fl.dirty {
            fl.dirty = true;
            self.dirty.push(f);
        }
    }

    /// Registers a group's flows with the adjacencies of its current route. Packet groups
    /// are carried by the packet fabric, not by the fluid solver.
    fn attach_group(&mut self, g: usize, w: World<'_>, out: &mut Outbox<'_>) {
        if self.groups[g].packet {
            return;
        }
        let flows = self.groups[g].flows();
        for hop in &self.routes[g].hops {
            // A pinned hop falls back to its base adjacency's forwarding: changes there
            // repath these flows too.
            self.adj_flows[hop.adj.index()].extend(flows.clone());
            let base = w.model.base_adjacency(hop.adj);
            if base != hop.adj {
                self.adj_flows[base.index()].extend(flows.clone());
            }
        }
        for f in flows {
            self.refresh_flow(f, w, out);
        }
    }

    fn detach_group(&mut self, g: usize, model: &Model) {
        if self.groups[g].packet {
            return;
        }
        let flows = self.groups[g].flows();
        for hop in &self.routes[g].hops {
            for a in [hop.adj, model.base_adjacency(hop.adj)] {
                self.adj_flows[a.index()].retain(|f| !flows.contains(f));
            }
        }
        for f in flows {
            let fwd = std::mem::take(&mut self.flows[f as usize].fwd);
            let rate = self.flows[f as usize].rate;
            self.unregister_path(f, &fwd, rate);
            self.flows[f as usize].rev.clear();
        }
    }

    /// Removes flow `f` (at `rate`) from the link directions of `path`, the path it was
    /// registered with.
    fn unregister_path(&mut self, f: u32, path: &[(u32, u8)], rate: u64) {
        self.res_flows.leave(f);
        for &hop in path {
            self.res_load[res_index(hop)] -= rate;
        }
    }

    /// Adds flow `f` (at `rate`) to the link directions of `path`.
    fn register_path(&mut self, f: u32, path: &[(u32, u8)], rate: u64) {
        self.res_flows.join(f, path.iter().map(|&hop| res_index(hop)));
        for &hop in path {
            self.res_load[res_index(hop)] += rate;
        }
    }

    pub fn on_group_start(&mut self, g: usize, w: World<'_>, out: &mut Outbox<'_>) {
        let now = out.now();
        self.groups[g].settle(now);
        self.groups[g].started = true;
        // A start is a change of the group's rate even when nothing can flow yet (a group
        // opening into an outage): attribution sees it and may open an episode.
        if !self.groups[g].changed {
            self.groups[g].changed = true;
            self.changed_groups.push(g as u32);
        }
        if !self.groups[g].packet {
            let spec = &w.model.groups[g].spec;
            let (bytes, steady) = (spec.bytes_per_flow, now == SimTime::ZERO);
            for f in self.groups[g].flows() {
                self.flows[f as usize].remaining = bytes.map(|b| u128::from(b) * 8 * NS);
                self.flows[f as usize].last = now;
                // A run that starts with traffic starts in steady state; later starts open
                // new connections and go through slow start.
                self.open_connection(f, steady, w, out);
            }
        }
        self.update_offered(g, w, now);
    }

    /// Starts a new connection on flow `f`: a run that starts with traffic starts in steady
    /// state; otherwise the handshake (SYNs on the host's schedule while the path is down),
    /// then slow start from the initial window.
    fn open_connection(&mut self, f: u32, steady: bool, w: World<'_>, out: &mut Outbox<'_>) {
        let fi = f as usize;
        let g = self.flows[fi].group as usize;
        self.mark_dirty(f);
        self.note_changed(f);
        if self.flows[fi].ok && steady {
            self.flows[fi].state = TcpState::Open;
            return;
        }
        let ok = self.flows[fi].ok;
        self.start_connecting(f, w, out);
        if !ok {
            let broken = self.flows[fi].broken.unwrap_or(Broken::End { end: 0 });
            out.emit(Effect::Stall { flow: f, group: GroupId(g as u32), broken });
        }
    }

    /// Recomputes flow `f`'s path and status from forwarding and link state. Returns whether
    /// its forward path changed. A flow whose path stops working stalls here.
    pub fn refresh_flow(&mut self, f: u32, w: World<'_>, out: &mut Outbox<'_>) -> bool {
        let fi = f as usize;
        let g = self.flows[fi].group as usize;
        let route = &self.routes[g];
        let h = self.flows[fi].hash;
        // The old forward path stays in the flow until the new one is known; the new one is
        // built in a reused scratch vector, so a refresh allocates nothing once warm.
        let mut fwd = std::mem::take(&mut self.scratch_path);
        let mut rev = std::mem::take(&mut self.flows[fi].rev);
        fwd.clear();
        rev.clear();
        let mut broken = None;
        for k in 0..route.hops.len() {
            match w.routing.hop_links(w.model, route, h, k) {
                Ok([df, dr]) => {
                    fwd.push(df);
                    rev.push(dr);
                }
                Err((adj, side)) => {
                    broken = Some(Broken::NoRoute { adj, side });
                    break;
                }
            }
        }
        if broken.is_some() {
            fwd.clear();
            rev.clear();
        }
        let old = std::mem::replace(&mut self.flows[fi].fwd, fwd);
        let changed = self.flows[fi].fwd != old;
        if changed {
            let rate = self.flows[fi].rate;
            self.unregister_path(f, &old, rate);
            let new = std::mem::take(&mut self.flows[fi].fwd);
            self.register_path(f, &new, rate);
            self.flows[fi].fwd = new;
        }
        let moved = changed && !old.is_empty();
        self.scratch_path = old;
        self.flows[fi].rev = rev;
        let route = &self.routes[g];
        let sites = (route.sites[0], *route.sites.last().expect("route has sites"));
        let (source_alive, dest_alive) = (w.net.end_alive(route, 0), w.net.end_alive(route, 1));
        // Whether data sent now would reach the receiver (its ACKs may still be lost).
        let mut data_delivers = broken.is_none() && dest_alive;
        for (end, alive) in [(0u8, source_alive), (1, dest_alive)] {
            if broken.is_none() && !alive {
                broken = Some(Broken::End { end });
            }
        }
        // Status: both directions deliver, both end sites are alive.
        let fl = &self.flows[fi];
        let mut pass = 1.0f64;
        let mut base_pass = 1.0f64;
        let mut rtt =
            w.model.sites[sites.0.index()].internal_rtt.as_nanos() / 2 + w.model.sites[sites.1.index()].internal_rtt.as_nanos() / 2;
        let mut jitter = SimDuration::ZERO;
        let mut mtu = u32::MAX;
        let mut burst = 1u32;
        for &(l, d) in &fl.fwd {
            let st = w.net.link(LinkId(l));
            let spec = &w.model.links[l as usize].spec;
            if !st.delivers(d as usize) {
                data_delivers = false;
                if broken.is_none() {
                    broken = Some(Broken::Link { link: LinkId(l), dir: d });
                }
            }
            pass *= 1.0 - f64::from(st.loss_ppm().saturating_add(spec.base_loss_ppm).min(1_000_000)) / 1e6;
            burst = burst.max(st.loss_burst());
            base_pass *= 1.0 - f64::from(spec.base_loss_ppm) / 1e6;
            rtt += (spec.one_way_delay + st.extra_delay()).as_nanos();
            jitter = jitter + st.jitter();
            mtu = mtu.min(spec.mtu);
        }
        let mut acks_deliver = fl.fwd.len() == route.hops.len() && source_alive && dest_alive;
        for &(l, d) in &fl.rev {
            let st = w.net.link(LinkId(l));
            if !st.delivers(d as usize) {
                acks_deliver = false;
                if broken.is_none() {
                    broken = Some(Broken::Link { link: LinkId(l), dir: d });
                }
            }
            rtt += (w.model.links[l as usize].spec.one_way_delay + st.extra_delay()).as_nanos();
        }
        let fl = &mut self.flows[fi];
        // A flow already stalled whose path breaks anew (or mends) is a change attribution sees.
        let status_changed = changed || fl.broken != broken || broken.is_some();
        fl.ok = broken.is_none();
        fl.broken = broken;
        fl.data_delivers = data_delivers;
        fl.source_alive = source_alive;
        fl.acks_deliver = acks_deliver;
        let loss_before = fl.loss_ppm;
        fl.loss_ppm = ((1.0 - pass) * 1e6).round() as u32;
        fl.loss_burst = burst;
        fl.base_loss_ppm = ((1.0 - base_pass) * 1e6).round() as u32;
        fl.set_rtt(out.now(), SimDuration(rtt.max(1_000)), jitter);
        if mtu != u32::MAX {
            fl.mss = mss(mtu);
        }
        self.mark_dirty(f);
        if status_changed {
            self.note_changed(f);
        }
        if broken.is_some() && self.flows[fi].state.is_sending() {
            self.stall(f, w, out);
        } else if broken.is_none() {
            self.path_works(f, loss_before, w, out);
        }
        moved
    }

    /// Refreshes every flow crossing adjacency `a`; returns how many changed forward path.
    pub fn repath_adjacency(&mut self, a: AdjId, w: World<'_>, out: &mut Outbox<'_>) -> u64 {
        let list = std::mem::take(&mut self.adj_flows[a.index()]);
        let mut moved = 0;
        for &f in &list {
            if self.refresh_flow(f, w, out) {
                moved += 1;
            }
        }
        self.adj_flows[a.index()] = list;
        moved
    }

    pub fn on_flow_timer(&mut self, f: u32, w: World<'_>, out: &mut Outbox<'_>) {
        let now = out.now();
        let fi = f as usize;
        let g = self.flows[fi].group as usize;
        self.groups[g].settle(now);
        self.settle_flow(f, now);
        if self.flows[fi].remaining == Some(0) {
            // Every byte has arrived (delivery is the integral of the rate). The window the
            // ledger held in flight ahead of that was never real data: take it back.
            let fl = &mut self.flows[fi];
            fl.state = TcpState::Done;
            fl.ramp_at = None;
            let win = std::mem::take(&mut fl.window);
            let gr = &mut self.groups[g];
            gr.window -= win;
            gr.sent -= win;
            self.set_rate(f, 0, 0, now);
            self.mark_dirty(f);
            self.note_changed(f);
            return;
        }
        let due = self.flows[fi].ramp_at.is_some_and(|at| at <= now);
        match self.flows[fi].state {
            TcpState::Stalled { .. } => self.on_stalled_timer(f, w, out),
            TcpState::Connecting { .. } => self.send_syn(f, w, out),
            TcpState::Repairing { until, .. } if until <= now => {
                self.repaired(f, w, now);
                self.rearm_flow_timer(f, out.sched);
            }
            TcpState::Ramping { .. } | TcpState::Avoiding { .. } if due => {
                self.grow_window(f, w, now);
                self.rearm_flow_timer(f, out.sched);
            }
            _ => self.rearm_flow_timer(f, out.sched),
        }
    }

    /// Arms the flow's timer for its next ramp step or its finish, whichever is first.
    fn rearm_flow_timer(&mut self, f: u32, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let fl = &self.flows[f as usize];
        if fl.state.is_stalled() {
            return;
        }
        let finish = match (fl.remaining, fl.rate) {
            (Some(r), rate) if rate > 0 => Some(now + SimDuration(r.div_ceil(u128::from(rate)).min(u128::from(u64::MAX)) as u64)),
            _ => None,
        };
        let at = match (fl.ramp_at, finish) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match at {
            Some(at) => sched.arm(fl.timer, at),
            None => sched.cancel(fl.timer),
        }
    }

    fn settle_flow(&mut self, f: u32, now: SimTime) {
        let fl = &mut self.flows[f as usize];
        if let Some(r) = fl.remaining {
            let dt = u128::from(now.saturating_since(fl.last).as_nanos());
            fl.remaining = Some(r.saturating_sub(u128::from(fl.rate) * dt));
        }
        fl.last = now;
    }

    /// Brings every group's ledger up to `now` at its current rates.
    pub fn settle_all(&mut self, now: SimTime) {
        for g in &mut self.groups {
            g.settle(now);
        }
    }

    /// The source keeps writing at its demand while it is alive.
    fn update_offered(&mut self, g: usize, w: World<'_>, now: SimTime) {
        self.groups[g].settle(now);
        let spec = &w.model.groups[g].spec;
        let alive = w.net.end_alive(&self.routes[g], 0) && self.groups[g].started;
        self.groups[g].offered_rate = if alive { spec.demand_bps.unwrap_or(0) } else { 0 };
    }

    /// A site or endpoint the groups depend on went down (or came back): take the RPO of a
    /// replication group whose source is lost, stop or restart the writes, re-check flows.
    pub fn workloads_changed(&mut self, groups: &[GroupId], down: bool, w: World<'_>, out: &mut Outbox<'_>) {
        let now = out.now();
        for &gid in groups {
            let g = gid.index();
            self.groups[g].settle(now);
            let source_lost = !w.net.end_alive(&self.routes[g], 0);
            if down && source_lost && w.model.groups[g].spec.replication && self.groups[g].rpo.is_none() {
                // Written but not yet delivered to the replica when the source is lost.
                let bits = self.groups[g].unreplicated();
                self.groups[g].rpo = Some((now, bits));
            }
            self.update_offered(g, w, now);
            if self.groups[g].packet {
                continue;
            }
            for f in self.groups[g].flows() {
                self.refresh_flow(f, w, out);
            }
        }
    }

    /// Changes a flow's rate, keeping the group's sums and ledger exact. Settles the group.
    fn set_rate(&mut self, f: u32, rate: u64, ideal: u64, now: SimTime) {
        let fi = f as usize;
        let g = self.flows[fi].group as usize;
        self.groups[g].settle(now);
        // A finite flow's countdown runs at the old rate up to now.
        self.settle_flow(f, now);
        let fl = &mut self.flows[fi];
        if fl.rate == rate && fl.ideal == ideal && fl.loss_ppm == fl.loss_ppm_applied && fl.window_current(rate) {
            return;
        }
        let over = |ppm: u32| -> u64 {
            if ppm == 0 || rate == 0 {
                0
            } else {
                (u128::from(rate) * u128::from(ppm) / u128::from(1_000_000 - fl.loss_ppm.min(999_999))) as u64
            }
        };
        let loss_rate = over(fl.loss_ppm);
        // Background (`base_loss_ppm`) loss is the link's; only the excess is a fault's.
        let fault_loss_rate = loss_rate.saturating_sub(over(fl.base_loss_ppm.min(fl.loss_ppm)));
        let window = u128::from(rate) * u128::from(fl.rtt.as_nanos());
        let (old_rate, old_loss, old_ideal, old_window) = (fl.rate, fl.loss_rate, fl.ideal, fl.window);
        for &(l, d) in &fl.fwd {
            let r = l as usize * 2 + d as usize;
            self.res_load[r] = self.res_load[r] - old_rate + rate;
        }
        fl.rate = rate;
        fl.loss_rate = loss_rate;
        fl.fault_loss_rate = fault_loss_rate;
        fl.loss_ppm_applied = fl.loss_ppm;
        fl.ideal = ideal;
        let stalled = matches!(fl.state, TcpState::Stalled { .. } | TcpState::Done);
        if !stalled {
            fl.window = window;
        }
        let gr = &mut self.groups[g];
        gr.rate = gr.rate - old_rate + rate;
        gr.loss_rate = gr.loss_rate - old_loss + loss_rate;
        gr.ideal = gr.ideal - old_ideal + ideal;
        if !stalled {
            // The window is what the sender has out ahead of delivery. Delivery itself is the
            // integral of the rate (so delivered bytes equal the throughput timeline's area,
            // exactly); a window change moves only what the sender has put on the wire.
            if window >= old_window {
                gr.sent += window - old_window;
            } else {
                gr.sent -= old_window - window;
            }
            gr.window = gr.window - old_window + window;
        }
        if !gr.changed {
            gr.changed = true;
            self.changed_groups.push(g as u32);
        }
        self.note_changed(f);
    }

    /// What flows that stalled this instant had in flight (a round trip's worth, unacknowledged)
    /// is decided once every change of the instant is in: if their data path is broken, the
    /// data sent in the last one-way delay is lost on the wire, and the earlier half had
    /// arrived (only its ACKs were out); if only their ACKs (or their sender) died, all of it
    /// arrives. What arrived is taken back from the window (the ledger delivers at the rate,
    /// so it was never "ahead of delivery"). Deciding at the end makes faults that act
    /// together count alike whatever their order.
    pub fn settle_stranded(&mut self, out: &mut Outbox<'_>) {
        for (f, bits) in std::mem::take(&mut self.stranded) {
            let fl = &self.flows[f as usize];
            let g = fl.group as usize;
            let gr = &mut self.groups[g];
            gr.stranded -= bits;
            let lost = if fl.data_delivers { 0 } else { bits / 2 };
            if lost > 0
                && let TcpState::Stalled { hole, .. } = &mut self.flows[f as usize].state
            {
                *hole = true;
            }
            let fl = &self.flows[f as usize];
            gr.sent -= bits - lost;
            if lost > 0 {
                gr.lost += lost;
                out.emit(Effect::Lost { group: GroupId(g as u32), bits: lost, broken: fl.broken, flow: Some(f) });
            }
        }
    }

    /// Records a timeline point for every group whose rate changed at this instant, and
    /// keeps each replication group's catch-up in step with its backlog.
    pub fn finish_instant(&mut self, w: World<'_>, out: &mut Outbox<'_>) {
        let now = out.now();
        let changed = std::mem::take(&mut self.changed_groups);
        for &g in &changed {
            let gr = &mut self.groups[g as usize];
            gr.changed = false;
            gr.peak = gr.peak.max(gr.rate);
            match gr.timeline.last_mut() {
                Some(last) if last.0 == now => {
                    last.1 = gr.rate;
                    last.2 = gr.ideal;
                }
                Some(last) if last.1 == gr.rate && last.2 == gr.ideal => {}
                _ => gr.timeline.push((now, gr.rate, gr.ideal)),
            }
            out.emit(Effect::GroupRate { group: GroupId(g), rate: gr.rate });
            self.pace_backlog(g as usize, w, out);
        }
        let mut changed = changed;
        changed.clear();
        self.changed_groups = changed;
    }

    /// Group ids whose rate changed at this instant (before `finish_instant`).
    pub fn changed_groups(&self) -> &[u32] {
        &self.changed_groups
    }

    /// A replication group writes at its demand; after a stall the writes it could not send
    /// wait in a backlog, which it sends as fast as the network allows until caught up.
    /// Schedules the moment the backlog is due to be gone.
    fn pace_backlog(&mut self, g: usize, w: World<'_>, out: &mut Outbox<'_>) {
        let spec = &w.model.groups[g].spec;
        if !spec.replication || spec.demand_bps.is_none() || self.groups[g].packet {
            return;
        }
        let now = out.now();
        self.groups[g].settle(now);
        let excess = self.backlog(g, w);
        let gr = &mut self.groups[g];
        if !gr.catch_up && excess > 0 && gr.offered_rate > 0 {
            gr.catch_up = true;
            for f in gr.flows() {
                self.mark_dirty(f);
            }
            return;
        }
        if gr.catch_up {
            Self::schedule_drain(g, gr, excess, out);
        }
    }

    /// Schedules the moment a catching-up group's backlog is due to be gone, rounded up so
    /// the check never comes early.
    fn schedule_drain(g: usize, gr: &GroupRt, excess: u128, out: &mut Outbox<'_>) {
        let gain = gr.rate.saturating_sub(gr.offered_rate);
        if gain > 0 {
            let due = out.now() + SimDuration(excess.div_ceil(u128::from(gain)).clamp(1, u128::from(u64::MAX / 2)) as u64);
            out.sched.schedule(due, Ev::BacklogDrained { group: g as u32 });
        }
    }

    /// Writes not yet delivered beyond what is in flight at the write rate (plus a segment
    /// per flow of rounding), ledger units: what catching up must still deliver.
    fn backlog(&self, g: usize, w: World<'_>) -> u128 {
        let gr = &self.groups[g];
        let per_flow = u128::from(w.model.groups[g].spec.demand_bps.unwrap_or(0) / u64::from(gr.n_flows.max(1)));
        let steady: u128 = gr.flows().map(|f| per_flow * u128::from(self.flows[f as usize].rtt.as_nanos())).sum();
        let slack = u128::from(gr.n_flows) * 1448 * 8 * NS;
        gr.undelivered().saturating_sub(steady + slack)
    }

    /// A scheduled check that a replication group's backlog is gone.
    pub fn on_backlog_drained(&mut self, g: usize, w: World<'_>, out: &mut Outbox<'_>) {
        let now = out.now();
        self.groups[g].settle(now);
        let excess = self.backlog(g, w);
        let gr = &mut self.groups[g];
        if !gr.catch_up {
            return;
        }
        if excess == 0 || gr.offered_rate == 0 {
            gr.catch_up = false;
            for f in gr.flows() {
                self.mark_dirty(f);
            }
        } else {
            Self::schedule_drain(g, gr, excess, out);
        }
    }

    /// Moves a group onto a new route. Between other sites (another region pair) its flows
    /// open new connections there: a flow whose old path still works finishes what it had
    /// in flight there (make before break: nothing is lost); a stalled one ends its stall,
    /// its in-flight data already lost. Between the same ends (onto one connection of a hop)
    /// only the paths change, as when forwarding changes: connections carry on. Says what
    /// the group's traffic was doing before and whether any flow's path changed.
    pub fn shift_group(&mut self, g: usize, route: Route, w: World<'_>, out: &mut Outbox<'_>) -> ShiftOutcome {
        let old = &self.routes[g];
        let same_ends = old.ends == route.ends && old.sites.first() == route.sites.first() && old.sites.last() == route.sites.last();
        let before = same_ends.then(|| self.path_digest(g, old, w));
        let delivering = self.delivers(g, w);
        let outcome = |t: &Self, w: World<'_>| ShiftOutcome {
            moved: before.is_none_or(|b| t.path_digest(g, &t.routes[g], w) != b),
            unavailable: t.routes[g].hops.iter().any(|h| {
                w.model.adjacencies[h.adj.index()].pin.is_some() && (0..2).any(|side| w.routing.fib(h.adj.index(), side).is_empty())
            }),
            delivering,
        };
        let now = out.now();
        self.groups[g].settle(now);
        self.detach_group(g, w.model);
        self.routes[g] = route;
        if same_ends {
            self.attach_group(g, w, out);
            self.update_offered(g, w, now);
            return outcome(self, w);
        }
        if self.groups[g].packet {
            // Packet flows keep their connections; their packets take the new route.
            self.update_offered(g, w, now);
            return outcome(self, w);
        }
        for f in self.groups[g].flows() {
            let fi = f as usize;
            let ideal = self.flows[fi].ideal;
            let fl = &mut self.flows[fi];
            if fl.state == TcpState::Done || fl.state == TcpState::Waiting {
                continue;
            }
            if let Some(since) = fl.state.stalled_since() {
                let stalled = now - since;
                self.groups[g].record_stall(stalled);
                out.emit(Effect::Resume { flow: f, group: GroupId(g as u32), stalled });
            }
            let fl = &mut self.flows[fi];
            let win = std::mem::take(&mut fl.window);
            fl.state = TcpState::Waiting;
            let gr = &mut self.groups[g];
            gr.window -= win;
            gr.sent -= win;
            self.set_rate(f, 0, ideal, now);
        }
        self.attach_group(g, w, out);
        if self.groups[g].started {
            for f in self.groups[g].flows() {
                if self.flows[f as usize].state == TcpState::Waiting {
                    self.open_connection(f, false, w, out);
                }
            }
        }
        self.update_offered(g, w, now);
        outcome(self, w)
    }

    /// A digest of the links every flow of group `g` would use on `route` now (forwarding
    /// as it stands; a hop without forwarding counts as such).
    fn path_digest(&self, g: usize, route: &Route, w: World<'_>) -> u64 {
        let mut d = 0u64;
        for f in self.groups[g].flows() {
            for k in 0..route.hops.len() {
                let v = match w.routing.hop_links(w.model, route, self.flows[f as usize].hash, k) {
                    Ok([(lf, _), (lr, _)]) => (u64::from(lf) << 32) | u64::from(lr),
                    Err(_) => u64::MAX,
                };
                d = mix64(d ^ v ^ (u64::from(f) << 8) ^ k as u64);
            }
        }
        d
    }

    /// Whether group `g` has started and every one of its flows has a path that delivers
    /// both ways between live ends, with no degradation a fault added (loss, delay, lost
    /// capacity): its traffic is flowing unharmed (a gray failure still harms it, so a step
    /// that moves it off is needed).
    fn delivers(&self, g: usize, w: World<'_>) -> bool {
        let route = &self.routes[g];
        if !self.groups[g].started || !w.net.end_alive(route, 0) || !w.net.end_alive(route, 1) {
            return false;
        }
        self.groups[g].flows().all(|f| {
            (0..route.hops.len()).all(|k| match w.routing.hop_links(w.model, route, self.flows[f as usize].hash, k) {
                Ok([(lf, df), (lr, dr)]) => [(lf, df), (lr, dr)].iter().all(|&(l, d)| {
                    let st = w.net.link(LinkId(l));
                    let degraded = st.loss_ppm() > 0 || st.extra_delay() > SimDuration::ZERO || st.capacity_ppm() < 1_000_000;
                    st.delivers(usize::from(d)) && !degraded
                }),
                Err(_) => false,
            })
        })
    }

    /// Stalls still open at `end`, with their length so far.
    pub fn open_stalls(&self, g: usize, end: SimTime) -> impl Iterator<Item = SimDuration> + '_ {
        self.groups[g].flows().filter_map(move |f| self.flows[f as usize].state.stalled_since().map(|since| end.saturating_since(since)))
    }

    /// Read-only view of a flow.
    pub fn flow(&self, f: usize) -> FlowView {
        let fl = &self.flows[f];
        FlowView { group: GroupId(fl.group), state: fl.state, rate_bps: fl.rate, rtt: fl.rtt }
    }

    // Packet groups: their ledger is fed by the packet fabric's effects.

    pub fn packet_sent(&mut self, g: usize, bits: u128) {
        self.groups[g].sent += bits;
    }

    pub fn packet_delivered(&mut self, g: usize, bits: u128, gap: Option<SimDuration>) {
        let gr = &mut self.groups[g];
        gr.delivered += bits;
        if let Some(gap) = gap {
            gr.record_stall(gap);
        }
    }

    pub fn packet_lost(&mut self, g: usize, bits: u128) {
        self.groups[g].lost += bits;
    }

    /// A packet group's goodput over the last bin becomes its rate.
    pub fn packet_bin(&mut self, g: usize, rate: u64, ideal: u64, stalled: u32, now: SimTime) {
        let gr = &mut self.groups[g];
        gr.settle(now);
        gr.packet_stalled = stalled;
        gr.rate = rate;
        gr.ideal = ideal;
        gr.window = gr.sent.saturating_sub(gr.delivered + gr.lost);
        if !gr.changed {
            gr.changed = true;
            self.changed_groups.push(g as u32);
        }
    }
}
