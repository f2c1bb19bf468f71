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
//! Ledger units are bit-nanoseconds (`bits * 1e9`), so rate x duration needs no division.

use hdrhistogram::Histogram;

use crate::link::mss;
use crate::model::GroupId;
use crate::routing::mix64;
use crate::scheduler::TimerId;
use crate::sim::{Ev, Simulation};
use crate::spec::TcpSpec;
use crate::tcp;
use crate::time::{SimDuration, SimTime};
use crate::trace::TraceKind;

const NS: u128 = 1_000_000_000;

/// The ECMP hash of a flow at hop `k` of its route, for the data direction.
pub(crate) fn hop_hash(flow_hash: u64, k: usize) -> u64 {
    mix64(flow_hash ^ (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// The hash of the same flow's ACKs at that hop (the 5-tuple reversed hashes differently).
pub(crate) fn rev_hash(hop_hash: u64) -> u64 {
    mix64(hop_hash ^ 0x5bd1_e995)
}

/// Where a flow's TCP stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpState {
    /// Not started yet.
    Waiting,
    /// Limited only by the network, its demand and its windows.
    Open,
    /// Slow start: the window (bytes) doubles every RTT.
    Ramping { cwnd: u64 },
    /// No working path: retransmitting on the RTO schedule.
    Stalled { since: SimTime, attempt: u32, base: SimDuration },
    /// Sent all its bytes.
    Done,
}

#[derive(Clone, Debug)]
pub(crate) struct Flow {
    pub group: u32,
    pub hash: u64,
    pub state: TcpState,
    pub fwd: Vec<(u32, u8)>,
    pub rev: Vec<(u32, u8)>,
    pub routed: bool,
    pub ok: bool,
    pub loss_ppm: u32,
    pub rtt: SimDuration,
    pub jitter: SimDuration,
    pub mss: u32,
    pub rate: u64,
    pub loss_rate: u64,
    /// The part of `loss_rate` above the path's background loss: what faults cause.
    pub fault_loss_rate: u64,
    /// Background (`base_loss_ppm`) loss of the forward path, parts per million.
    pub base_loss_ppm: u32,
    pub ideal: u64,
    /// Bits in flight, in ledger units.
    pub window: u128,
    pub timer: TimerId,
    pub ramp_at: Option<SimTime>,
    pub remaining: Option<u128>,
    pub last: SimTime,
    pub dirty: bool,
    pub seen: u32,
    /// The link whose failure stalled the flow, for attributing its losses.
    pub broken_link: Option<u32>,
}

/// Per-group runtime: sums over its flows, the exact ledger and the timeline.
#[derive(Clone, Debug)]
pub(crate) struct GroupRt {
    pub first_flow: u32,
    pub n_flows: u32,
    pub started: bool,
    pub rate: u64,
    pub ideal: u64,
    pub loss_rate: u64,
    pub fault_loss_rate: u64,
    pub offered_rate: u64,
    pub last: SimTime,
    pub sent: u128,
    pub delivered: u128,
    pub lost: u128,
    pub offered: u128,
    pub window: u128,
    /// (time, delivered rate, rate the surviving capacity allows), one point per change.
    pub timeline: Vec<(SimTime, u64, u64)>,
    pub stalls: Histogram<u64>,
    pub peak: u64,
    pub rpo: Option<(SimTime, u128)>,
    pub changed: bool,
    /// Packet fidelity: the ledger is kept by `packet`, not by rate integration.
    pub packet: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Flows {
    pub flows: Vec<Flow>,
    pub groups: Vec<GroupRt>,
    /// Flows whose forward path crosses each link direction (index link * 2 + dir).
    pub res_flows: Vec<Vec<u32>>,
    /// Flows whose route crosses each adjacency.
    pub adj_flows: Vec<Vec<u32>>,
    /// Fluid load per link direction, bits per second (what packets must leave to fluid).
    pub res_load: Vec<u64>,
    pub dirty: Vec<u32>,
    pub changed_groups: Vec<u32>,
    /// Reused buffer for computing a flow's new forward path.
    scratch_path: Vec<(u32, u8)>,
    epoch: u32,
    res_seen: Vec<u32>,
    res_local: Vec<u32>,
    comp_flows: Vec<u32>,
    comp_res: Vec<u32>,
    capacity: Vec<f64>,
    cap_now: Vec<f64>,
    cap_ideal: Vec<f64>,
    path_start: Vec<u32>,
    path: Vec<u32>,
    out_now: Vec<f64>,
    out_ideal: Vec<f64>,
}

/// A read-only view of one flow.
#[derive(Clone, Copy, Debug)]
pub struct FlowView {
    pub group: GroupId,
    pub state: TcpState,
    pub rate_bps: u64,
    pub rtt: SimDuration,
}

fn new_histogram() -> Histogram<u64> {
    // Microseconds from 1 us to about 3 hours at 3 significant digits.
    Histogram::new_with_bounds(1, 10_000_000_000, 3).expect("static histogram bounds are valid")
}

impl Simulation {
    pub(crate) fn init_flows(&mut self) {
        let nres = self.model.links.len() * 2;
        self.flows.res_flows = vec![Vec::new(); nres];
        self.flows.res_seen = vec![0; nres];
        self.flows.res_load = vec![0; nres];
        self.flows.res_local = vec![0; nres];
        self.flows.adj_flows = vec![Vec::new(); self.model.adjacencies.len()];
        for g in 0..self.model.groups.len() {
            let spec = &self.model.groups[g].spec;
            let first = self.flows.flows.len() as u32;
            self.flows.groups.push(GroupRt {
                first_flow: first,
                n_flows: spec.flows,
                started: false,
                rate: 0,
                ideal: 0,
                loss_rate: 0,
                fault_loss_rate: 0,
                offered_rate: 0,
                last: SimTime::ZERO,
                sent: 0,
                delivered: 0,
                lost: 0,
                offered: 0,
                window: 0,
                timeline: vec![(SimTime::ZERO, 0, 0)],
                stalls: new_histogram(),
                peak: 0,
                rpo: None,
                changed: false,
                packet: spec.fidelity == crate::spec::Fidelity::Packet,
            });
            let (start, n, id_hash) = (spec.start, spec.flows, crate::rng::fnv1a(spec.id.as_bytes()));
            for i in 0..n {
                let f = self.flows.flows.len() as u32;
                let timer = self.sched.add_timer(Ev::FlowTimer { flow: f });
                self.flows.flows.push(Flow {
                    group: g as u32,
                    hash: mix64(id_hash ^ mix64(u64::from(i))),
                    state: TcpState::Waiting,
                    fwd: Vec::new(),
                    rev: Vec::new(),
                    routed: false,
                    ok: false,
                    loss_ppm: 0,
                    rtt: SimDuration::ZERO,
                    jitter: SimDuration::ZERO,
                    mss: 1448,
                    rate: 0,
                    loss_rate: 0,
                    fault_loss_rate: 0,
                    base_loss_ppm: 0,
                    ideal: 0,
                    window: 0,
                    timer,
                    ramp_at: None,
                    remaining: None,
                    last: SimTime::ZERO,
                    dirty: false,
                    seen: 0,
                    broken_link: None,
                });
            }
            self.attach_group(g);
            if start == SimTime::ZERO {
                self.on_group_start(g as u32);
            } else {
                self.sched.schedule(start, Ev::GroupStart { group: g as u32 });
            }
        }
    }

    /// Registers a group's flows with the adjacencies of its current route. Packet groups
    /// are carried by `packet`, not by the fluid solver.
    fn attach_group(&mut self, g: usize) {
        if self.flows.groups[g].packet {
            return;
        }
        let (first, n) = (self.flows.groups[g].first_flow, self.flows.groups[g].n_flows);
        for hop in &self.model.groups[g].route.hops {
            let list = &mut self.flows.adj_flows[hop.adj.index()];
            list.extend(first..first + n);
        }
        for f in first..first + n {
            self.refresh_flow(f);
        }
    }

    fn detach_group(&mut self, g: usize) {
        if self.flows.groups[g].packet {
            return;
        }
        let (first, n) = (self.flows.groups[g].first_flow, self.flows.groups[g].n_flows);
        for hop in &self.model.groups[g].route.hops {
            self.flows.adj_flows[hop.adj.index()].retain(|f| !(first..first + n).contains(f));
        }
        for f in first..first + n {
            let fwd = std::mem::take(&mut self.flows.flows[f as usize].fwd);
            let rate = self.flows.flows[f as usize].rate;
            self.unregister_path(f, &fwd, rate);
            self.flows.flows[f as usize].rev.clear();
        }
    }

    /// Removes flow `f` (at `rate`) from the link directions of `path`.
    fn unregister_path(&mut self, f: u32, path: &[(u32, u8)], rate: u64) {
        for &(l, d) in path {
            let r = l as usize * 2 + d as usize;
            let list = &mut self.flows.res_flows[r];
            if let Some(p) = list.iter().position(|x| *x == f) {
                list.swap_remove(p);
            }
            self.flows.res_load[r] -= rate;
        }
    }

    /// Adds flow `f` (at `rate`) to the link directions of `path`.
    fn register_path(&mut self, f: u32, path: &[(u32, u8)], rate: u64) {
        for &(l, d) in path {
            let r = l as usize * 2 + d as usize;
            self.flows.res_flows[r].push(f);
            self.flows.res_load[r] += rate;
        }
    }

    pub(crate) fn on_group_start(&mut self, g: u32) {
        let now = self.now();
        let gi = g as usize;
        self.settle_group(gi, now);
        self.flows.groups[gi].started = true;
        if self.flows.groups[gi].packet {
            // Endpoints were armed for the start time by `init_packets`.
            return;
        }
        let spec = &self.model.groups[gi].spec;
        let (bytes, steady) = (spec.bytes_per_flow, now == SimTime::ZERO);
        let (first, n) = (self.flows.groups[gi].first_flow, self.flows.groups[gi].n_flows);
        for f in first..first + n {
            self.flows.flows[f as usize].remaining = bytes.map(|b| u128::from(b) * 8 * NS);
            self.flows.flows[f as usize].last = now;
            // A run that starts with traffic starts in steady state; later starts open
            // new connections and go through slow start.
            self.open_connection(f, steady);
        }
        self.update_offered(gi);
    }

    /// Starts a new connection on flow `f`: slow start from the initial window if the path
    /// works, else SYN retransmissions from the initial RTO.
    fn open_connection(&mut self, f: u32, steady: bool) {
        let now = self.now();
        let fi = f as usize;
        let tcp = self.group_tcp(self.flows.flows[fi].group as usize);
        let fl = &mut self.flows.flows[fi];
        fl.dirty = true;
        self.flows.dirty.push(f);
        if !fl.ok {
            fl.state = TcpState::Stalled { since: now, attempt: 0, base: tcp.rto_initial };
            let t = fl.timer;
            self.sched.arm(t, now + tcp.rto_initial);
            return;
        }
        if steady {
            fl.state = TcpState::Open;
        } else {
            fl.state = TcpState::Ramping { cwnd: u64::from(tcp.initial_window) * u64::from(fl.mss) };
            let at = now + fl.rtt;
            fl.ramp_at = Some(at);
            let t = fl.timer;
            self.sched.arm(t, at);
        }
    }

    fn group_tcp(&self, g: usize) -> TcpSpec {
        self.model.groups[g].spec.tcp
    }

    /// Recomputes flow `f`'s path and status from forwarding and link state. Returns whether
    /// its forward path changed. A flow whose path stops working stalls here.
    pub(crate) fn refresh_flow(&mut self, f: u32) -> bool {
        let fi = f as usize;
        let g = self.flows.flows[fi].group as usize;
        let n_hops = self.model.groups[g].route.hops.len();
        let sites = (self.model.groups[g].route.sites[0], *self.model.groups[g].route.sites.last().expect("route has sites"));
        let h = self.flows.flows[fi].hash;
        // The old forward path stays in the flow until the new one is known; the new one is
        // built in a reused scratch vector, so a refresh allocates nothing once warm.
        let mut fwd = std::mem::take(&mut self.flows.scratch_path);
        let mut rev = std::mem::take(&mut self.flows.flows[fi].rev);
        fwd.clear();
        rev.clear();
        let mut routed = true;
        for k in 0..n_hops {
            let hop = self.model.groups[g].route.hops[k];
            let hk = hop_hash(h, k);
            let a = hop.adj.index();
            let from = hop.from_side as usize;
            match (self.member(a, from, hk), self.member(a, 1 - from, rev_hash(hk))) {
                (Some(lf), Some(lr)) => {
                    fwd.push((lf, self.model.links[lf as usize].side_at(from) as u8));
                    rev.push((lr, self.model.links[lr as usize].side_at(1 - from) as u8));
                }
                _ => {
                    routed = false;
                    break;
                }
            }
        }
        if !routed {
            fwd.clear();
            rev.clear();
        }
        let old = std::mem::replace(&mut self.flows.flows[fi].fwd, fwd);
        let changed = self.flows.flows[fi].fwd != old;
        if changed {
            let rate = self.flows.flows[fi].rate;
            self.unregister_path(f, &old, rate);
            let new = std::mem::take(&mut self.flows.flows[fi].fwd);
            self.register_path(f, &new, rate);
            self.flows.flows[fi].fwd = new;
        }
        let moved = changed && !old.is_empty();
        self.flows.scratch_path = old;
        let fwd = std::mem::take(&mut self.flows.flows[fi].fwd);
        // Status: both directions deliver, both end sites are alive.
        let mut ok = routed && self.end_alive(g, 0) && self.end_alive(g, 1);
        let mut pass = 1.0f64;
        let mut base_pass = 1.0f64;
        let mut rtt =
            self.model.sites[sites.0.index()].internal_rtt.as_nanos() / 2 + self.model.sites[sites.1.index()].internal_rtt.as_nanos() / 2;
        let mut jitter = SimDuration::ZERO;
        let mut mtu = u32::MAX;
        for &(l, d) in &fwd {
            let st = &self.links[l as usize];
            let spec = &self.model.links[l as usize].spec;
            ok &= st.delivers(d as usize);
            pass *= 1.0 - f64::from(st.loss_ppm().saturating_add(spec.base_loss_ppm).min(1_000_000)) / 1e6;
            base_pass *= 1.0 - f64::from(spec.base_loss_ppm) / 1e6;
            rtt += (spec.one_way_delay + st.extra_delay()).as_nanos();
            jitter = jitter + st.jitter();
            mtu = mtu.min(spec.mtu);
        }
        for &(l, d) in &rev {
            let st = &self.links[l as usize];
            ok &= st.delivers(d as usize);
            rtt += (self.model.links[l as usize].spec.one_way_delay + st.extra_delay()).as_nanos();
        }
        let fl = &mut self.flows.flows[fi];
        fl.fwd = fwd;
        fl.rev = rev;
        fl.routed = routed;
        fl.ok = ok;
        fl.loss_ppm = ((1.0 - pass) * 1e6).round() as u32;
        fl.base_loss_ppm = ((1.0 - base_pass) * 1e6).round() as u32;
        fl.rtt = SimDuration(rtt.max(1_000));
        fl.jitter = jitter;
        if mtu != u32::MAX {
            fl.mss = mss(mtu);
        }
        if !fl.dirty {
            fl.dirty = true;
            self.flows.dirty.push(f);
        }
        if !ok && matches!(self.flows.flows[fi].state, TcpState::Open | TcpState::Ramping { .. }) {
            self.stall(f);
        }
        moved
    }

    /// Refreshes every flow crossing adjacency `a`; returns how many changed forward path.
    pub(crate) fn repath_adjacency(&mut self, a: usize) -> u64 {
        let list = std::mem::take(&mut self.flows.adj_flows[a]);
        let mut moved = 0;
        for &f in &list {
            if self.refresh_flow(f) {
                moved += 1;
            }
        }
        self.flows.adj_flows[a] = list;
        moved
    }

    /// The path stopped working: in-flight data is lost and the RTO clock starts.
    fn stall(&mut self, f: u32) {
        let now = self.now();
        let fi = f as usize;
        let g = self.flows.flows[fi].group as usize;
        let tcp = self.group_tcp(g);
        self.settle_group(g, now);
        let broken = {
            let fl = &self.flows.flows[fi];
            fl.fwd.iter().chain(fl.rev.iter()).find(|(l, d)| !self.links[*l as usize].delivers(*d as usize)).map(|(l, _)| *l)
        };
        let fl = &mut self.flows.flows[fi];
        fl.broken_link = broken;
        let base = tcp::rto(&tcp, fl.rtt, fl.jitter);
        let lost = std::mem::take(&mut fl.window);
        fl.state = TcpState::Stalled { since: now, attempt: 0, base };
        fl.ramp_at = None;
        let (t, ideal) = (fl.timer, fl.ideal);
        self.sched.arm(t, now + base);
        let gr = &mut self.flows.groups[g];
        gr.window -= lost;
        gr.lost += lost;
        self.note_lost_on(broken, lost);
        self.set_rate(f, 0, ideal);
        self.trace.record(now, TraceKind::Stall, f, 0, 0);
    }

    pub(crate) fn on_flow_timer(&mut self, f: u32) {
        let now = self.now();
        let fi = f as usize;
        let g = self.flows.flows[fi].group as usize;
        self.settle_group(g, now);
        self.settle_flow(f, now);
        if self.flows.flows[fi].remaining == Some(0) {
            // Every byte has arrived (delivery is the integral of the rate). The window the
            // ledger held in flight ahead of that was never real data: take it back.
            let fl = &mut self.flows.flows[fi];
            fl.state = TcpState::Done;
            fl.ramp_at = None;
            let w = std::mem::take(&mut fl.window);
            let gr = &mut self.flows.groups[g];
            gr.window -= w;
            gr.sent -= w;
            self.set_rate(f, 0, 0);
            self.mark_dirty(f);
            return;
        }
        match self.flows.flows[fi].state {
            TcpState::Stalled { since, attempt, base } => self.retransmit(f, since, attempt, base),
            TcpState::Ramping { cwnd } => {
                let fl = &mut self.flows.flows[fi];
                let cap = tcp::window_bps(cwnd, fl.rtt);
                if (fl.rate as f64) < cap * 0.99 {
                    // The network, not the window, limits the flow now.
                    fl.state = TcpState::Open;
                    fl.ramp_at = None;
                } else {
                    fl.state = TcpState::Ramping { cwnd: cwnd.saturating_mul(2) };
                    fl.ramp_at = Some(now + fl.rtt);
                }
                self.mark_dirty(f);
                self.rearm_flow_timer(f);
            }
            _ => self.rearm_flow_timer(f),
        }
    }

    /// An RTO fired: the retransmission gets through if the path works now.
    fn retransmit(&mut self, f: u32, since: SimTime, attempt: u32, base: SimDuration) {
        let now = self.now();
        let fi = f as usize;
        let g = self.flows.flows[fi].group as usize;
        let tcp = self.group_tcp(g);
        let seg = u128::from(self.flows.flows[fi].mss) * 8 * NS;
        if self.flows.flows[fi].ok {
            // RFC 5681 §3.1: after a timeout the window restarts at one segment.
            let fl = &mut self.flows.flows[fi];
            fl.state = TcpState::Ramping { cwnd: u64::from(fl.mss) };
            fl.ramp_at = Some(now + fl.rtt);
            let stalled = now - since;
            let gr = &mut self.flows.groups[g];
            let _ = gr.stalls.record((stalled.as_nanos() / 1_000).max(1));
            self.trace.record(now, TraceKind::Resume, f, 0, stalled.as_nanos());
            self.mark_dirty(f);
            self.rearm_flow_timer(f);
        } else {
            let gr = &mut self.flows.groups[g];
            gr.sent += seg;
            gr.lost += seg;
            let broken = self.flows.flows[fi].broken_link;
            self.note_lost_on(broken, seg);
            let next = attempt + 1;
            let wait = tcp::backoff(&tcp, base, next);
            let fl = &mut self.flows.flows[fi];
            fl.state = TcpState::Stalled { since, attempt: next, base };
            let t = fl.timer;
            self.sched.arm(t, now + wait);
        }
    }

    fn mark_dirty(&mut self, f: u32) {
        let fl = &mut self.flows.flows[f as usize];
        if !fl.dirty {
            fl.dirty = true;
            self.flows.dirty.push(f);
        }
    }

    /// Arms the flow's timer for its next ramp step or its finish, whichever is first.
    fn rearm_flow_timer(&mut self, f: u32) {
        let now = self.now();
        let fl = &self.flows.flows[f as usize];
        if matches!(fl.state, TcpState::Stalled { .. }) {
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
        let t = fl.timer;
        match at {
            Some(at) => self.sched.arm(t, at),
            None => self.sched.cancel(t),
        }
    }

    fn settle_flow(&mut self, f: u32, now: SimTime) {
        let fl = &mut self.flows.flows[f as usize];
        if let Some(r) = fl.remaining {
            let dt = u128::from(now.saturating_since(fl.last).as_nanos());
            fl.remaining = Some(r.saturating_sub(u128::from(fl.rate) * dt));
        }
        fl.last = now;
    }

    /// Brings group `g`'s ledger up to `now` at its current rates.
    pub(crate) fn settle_group(&mut self, g: usize, now: SimTime) {
        let gr = &mut self.flows.groups[g];
        if gr.packet {
            return;
        }
        let dt = u128::from(now.saturating_since(gr.last).as_nanos());
        if dt > 0 {
            gr.sent += u128::from(gr.rate + gr.loss_rate) * dt;
            gr.delivered += u128::from(gr.rate) * dt;
            gr.lost += u128::from(gr.loss_rate) * dt;
            gr.offered += u128::from(gr.offered_rate) * dt;
            // Background loss is the link's, not a fault's: only the excess is attributed.
            let fault_lost = u128::from(gr.fault_loss_rate) * dt;
            gr.last = now;
            self.note_lost(fault_lost);
        }
    }

    pub(crate) fn settle_all(&mut self, now: SimTime) {
        for g in 0..self.flows.groups.len() {
            self.settle_group(g, now);
        }
    }

    /// The source keeps writing at its demand while its site is up.
    pub(crate) fn update_offered(&mut self, g: usize) {
        let now = self.now();
        self.settle_group(g, now);
        let spec = &self.model.groups[g].spec;
        let alive = self.end_alive(g, 0) && self.flows.groups[g].started;
        self.flows.groups[g].offered_rate = if alive { spec.demand_bps.unwrap_or(0) } else { 0 };
    }

    /// Changes a flow's rate, keeping the group's sums and ledger exact. The caller has
    /// settled the group to now.
    fn set_rate(&mut self, f: u32, rate: u64, ideal: u64) {
        let fi = f as usize;
        let g = self.flows.flows[fi].group as usize;
        // A finite flow's countdown runs at the old rate up to now.
        let now = self.now();
        self.settle_flow(f, now);
        let fl = &mut self.flows.flows[fi];
        if fl.rate == rate && fl.ideal == ideal {
            return;
        }
        let loss_rate = if fl.loss_ppm == 0 || rate == 0 {
            0
        } else {
            (u128::from(rate) * u128::from(fl.loss_ppm) / u128::from(1_000_000 - fl.loss_ppm.min(999_999))) as u64
        };
        let fault_loss_rate = if fl.loss_ppm <= fl.base_loss_ppm || rate == 0 {
            0
        } else {
            (u128::from(rate) * u128::from(fl.loss_ppm - fl.base_loss_ppm) / u128::from(1_000_000 - fl.loss_ppm.min(999_999))) as u64
        };
        let old_fault_loss = std::mem::replace(&mut fl.fault_loss_rate, fault_loss_rate);
        let window = u128::from(rate) * u128::from(fl.rtt.as_nanos());
        let (old_rate, old_loss, old_ideal, old_window) = (fl.rate, fl.loss_rate, fl.ideal, fl.window);
        for &(l, d) in &fl.fwd {
            let r = l as usize * 2 + d as usize;
            self.flows.res_load[r] = self.flows.res_load[r] - old_rate + rate;
        }
        fl.rate = rate;
        fl.loss_rate = loss_rate;
        fl.ideal = ideal;
        let stalled = matches!(fl.state, TcpState::Stalled { .. } | TcpState::Done);
        if !stalled {
            fl.window = window;
        }
        let gr = &mut self.flows.groups[g];
        gr.rate = gr.rate - old_rate + rate;
        gr.loss_rate = gr.loss_rate - old_loss + loss_rate;
        gr.fault_loss_rate = gr.fault_loss_rate - old_fault_loss + fault_loss_rate;
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
            self.flows.changed_groups.push(g as u32);
        }
    }

    /// Recomputes max-min rates over the connected components of everything marked dirty.
    pub(crate) fn reallocate(&mut self) {
        if self.flows.dirty.is_empty() {
            self.finish_group_changes();
            return;
        }
        let now = self.now();
        self.flows.epoch = self.flows.epoch.wrapping_add(1).max(1);
        let epoch = self.flows.epoch;
        let mut queue = std::mem::take(&mut self.flows.dirty);
        let mut comp_flows = std::mem::take(&mut self.flows.comp_flows);
        let mut comp_res = std::mem::take(&mut self.flows.comp_res);
        comp_flows.clear();
        comp_res.clear();
        let mut qi = 0;
        while qi < queue.len() {
            let f = queue[qi];
            qi += 1;
            let fl = &mut self.flows.flows[f as usize];
            fl.dirty = false;
            if fl.seen == epoch {
                continue;
            }
            fl.seen = epoch;
            comp_flows.push(f);
            for &(l, d) in &self.flows.flows[f as usize].fwd {
                let r = l as usize * 2 + d as usize;
                if self.flows.res_seen[r] != epoch {
                    self.flows.res_seen[r] = epoch;
                    self.flows.res_local[r] = comp_res.len() as u32;
                    comp_res.push(r as u32);
                    queue.extend_from_slice(&self.flows.res_flows[r]);
                }
            }
        }
        queue.clear();
        self.flows.dirty = queue;
        self.solve_component(&comp_flows, &comp_res, now);
        self.flows.comp_flows = comp_flows;
        self.flows.comp_res = comp_res;
        self.finish_group_changes();
    }

    fn solve_component(&mut self, comp_flows: &[u32], comp_res: &[u32], now: SimTime) {
        let fs = &mut self.flows;
        fs.capacity.clear();
        for &r in comp_res {
            let l = r as usize / 2;
            let cap = self.model.links[l].goodput_bps as f64 * f64::from(self.links[l].capacity_ppm()) / 1e6;
            fs.capacity.push(cap);
        }
        fs.cap_now.clear();
        fs.cap_ideal.clear();
        fs.path_start.clear();
        fs.path.clear();
        fs.path_start.push(0);
        for &f in comp_flows {
            let fl = &fs.flows[f as usize];
            let g = &self.model.groups[fl.group as usize].spec;
            let started = fs.groups[fl.group as usize].started;
            let demand = g.demand_bps.map_or(f64::INFINITY, |d| (d / u64::from(g.flows)) as f64);
            let window = tcp::window_bps(g.tcp.rwnd_bytes, fl.rtt);
            let base = demand.min(window);
            let ideal = if fl.ok && started && fl.state != TcpState::Done { base } else { 0.0 };
            let now_cap = match fl.state {
                TcpState::Open => base.min(tcp::mathis_bps(fl.mss, fl.rtt, fl.loss_ppm)),
                TcpState::Ramping { cwnd } => base.min(tcp::mathis_bps(fl.mss, fl.rtt, fl.loss_ppm)).min(tcp::window_bps(cwnd, fl.rtt)),
                _ => 0.0,
            };
            fs.cap_now.push(if fl.ok { now_cap } else { 0.0 });
            fs.cap_ideal.push(ideal);
            for &(l, d) in &fl.fwd {
                fs.path.push(fs.res_local[l as usize * 2 + d as usize]);
            }
            fs.path_start.push(fs.path.len() as u32);
        }
        let problem = crate::maxmin::Problem { capacity: &fs.capacity, flow_cap: &fs.cap_now, path_start: &fs.path_start, path: &fs.path };
        self.maxmin.solve(&problem, &mut fs.out_now);
        let problem =
            crate::maxmin::Problem { capacity: &fs.capacity, flow_cap: &fs.cap_ideal, path_start: &fs.path_start, path: &fs.path };
        self.maxmin.solve(&problem, &mut fs.out_ideal);
        for (i, &f) in comp_flows.iter().enumerate() {
            let (rate, ideal) = (self.flows.out_now[i] as u64, self.flows.out_ideal[i] as u64);
            let fl = &self.flows.flows[f as usize];
            if fl.rate == rate && fl.ideal == ideal {
                continue;
            }
            let g = fl.group as usize;
            self.settle_group(g, now);
            self.set_rate(f, rate, ideal);
            if self.flows.flows[f as usize].remaining.is_some() {
                self.rearm_flow_timer(f);
            }
        }
    }

    /// Records a timeline point for every group whose rate changed at this instant.
    fn finish_group_changes(&mut self) {
        let now = self.now();
        for i in 0..self.flows.changed_groups.len() {
            let g = self.flows.changed_groups[i] as usize;
            let gr = &mut self.flows.groups[g];
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
            let rate = gr.rate;
            self.trace.record(now, TraceKind::GroupRate, g as u32, 0, rate);
        }
        // check_alarms consumes changed_groups after this.
    }

    /// Moves a group onto a new route: its flows open new connections there.
    pub(crate) fn shift_group(&mut self, g: usize, route: crate::model::Route) {
        let now = self.now();
        self.settle_group(g, now);
        self.detach_group(g);
        self.model.groups[g].route = route;
        if self.flows.groups[g].packet {
            // Packet flows keep their connections; their packets take the new route.
            self.update_offered(g);
            return;
        }
        let (first, n) = (self.flows.groups[g].first_flow, self.flows.groups[g].n_flows);
        for f in first..first + n {
            let fi = f as usize;
            let ideal = self.flows.flows[fi].ideal;
            let fl = &mut self.flows.flows[fi];
            if fl.state == TcpState::Done || fl.state == TcpState::Waiting {
                continue;
            }
            // The old connection's unacknowledged data is abandoned.
            let w = std::mem::take(&mut fl.window);
            fl.state = TcpState::Waiting;
            let gr = &mut self.flows.groups[g];
            gr.window -= w;
            gr.lost += w;
            self.note_lost(w);
            self.set_rate(f, 0, ideal);
        }
        self.attach_group(g);
        if self.flows.groups[g].started {
            for f in first..first + n {
                if self.flows.flows[f as usize].state == TcpState::Waiting {
                    self.open_connection(f, false);
                }
            }
        }
        self.update_offered(g);
    }

    /// Read-only view of a flow.
    pub fn flow(&self, f: usize) -> FlowView {
        let fl = &self.flows.flows[f];
        FlowView { group: GroupId(fl.group), state: fl.state, rate_bps: fl.rate, rtt: fl.rtt }
    }

    pub fn flow_count(&self) -> usize {
        self.flows.flows.len()
    }
}
