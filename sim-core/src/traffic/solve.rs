//! Max-min rates over the connected component of what changed.
//!
//! A change marks flows dirty; a breadth-first walk over shared link directions finds the
//! connected component, and only it is solved, twice: once with each flow's TCP caps (the
//! rates it gets now) and once without them (what the surviving network allows it).

use super::{TcpState, Traffic, World};
use crate::events::Ev;
use crate::model::LinkId;
use crate::scheduler::Scheduler;
use crate::tcp;

/// Buffers reused across solves, so a solve allocates nothing once warm.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    epoch: u32,
    res_seen: Vec<u32>,
    res_local: Vec<u32>,
    comp_flows: Vec<u32>,
    comp_res: Vec<u32>,
    capacity: Vec<f64>,
    cap_now: Vec<f64>,
    cap_ideal: Vec<f64>,
    load: Vec<f64>,
    queue_delay: Vec<u64>,
    path_start: Vec<u32>,
    path: Vec<u32>,
    out_now: Vec<f64>,
    out_ideal: Vec<f64>,
}

impl Scratch {
    pub fn new(resources: usize) -> Scratch {
        Scratch { res_seen: vec![0; resources], res_local: vec![0; resources], ..Default::default() }
    }
}

impl Traffic {
    /// Recomputes max-min rates over the connected components of everything marked dirty.
    pub fn reallocate(&mut self, w: World<'_>, sched: &mut Scheduler<Ev>) {
        if self.dirty.is_empty() {
            return;
        }
        let s = &mut self.solver;
        s.epoch = s.epoch.wrapping_add(1).max(1);
        let epoch = s.epoch;
        let mut queue = std::mem::take(&mut self.dirty);
        let mut comp_flows = std::mem::take(&mut s.comp_flows);
        let mut comp_res = std::mem::take(&mut s.comp_res);
        comp_flows.clear();
        comp_res.clear();
        let mut qi = 0;
        while qi < queue.len() {
            let f = queue[qi];
            qi += 1;
            let fl = &mut self.flows[f as usize];
            fl.dirty = false;
            if fl.seen == epoch {
                continue;
            }
            fl.seen = epoch;
            comp_flows.push(f);
            for &(l, d) in &self.flows[f as usize].fwd {
                let r = l as usize * 2 + d as usize;
                if self.solver.res_seen[r] != epoch {
                    self.solver.res_seen[r] = epoch;
                    self.solver.res_local[r] = comp_res.len() as u32;
                    comp_res.push(r as u32);
                    queue.extend_from_slice(self.res_flows.on(r));
                }
            }
        }
        queue.clear();
        self.dirty = queue;
        self.solve_component(&comp_flows, &comp_res, w, sched);
        self.solver.comp_flows = comp_flows;
        self.solver.comp_res = comp_res;
    }

    fn solve_component(&mut self, comp_flows: &[u32], comp_res: &[u32], w: World<'_>, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let s = &mut self.solver;
        s.capacity.clear();
        for &r in comp_res {
            let l = r as usize / 2;
            let cap = w.model.links[l].goodput_bps as f64 * f64::from(w.net.link(LinkId(l as u32)).capacity_ppm()) / 1e6;
            s.capacity.push(cap);
        }
        s.cap_now.clear();
        s.cap_ideal.clear();
        s.path_start.clear();
        s.path.clear();
        s.path_start.push(0);
        for &f in comp_flows {
            let fl = &self.flows[f as usize];
            let gr = &self.groups[fl.group as usize];
            let g = &w.model.groups[fl.group as usize].spec;
            // A replication group catching up on a backlog is limited by the network only.
            let demand = match g.demand_bps {
                Some(d) if !gr.catch_up => (d / u64::from(g.flows)) as f64,
                _ => f64::INFINITY,
            };
            let window = tcp::window_bps(g.tcp.rwnd_bytes, fl.rtt);
            let base = demand.min(window);
            let ideal = if fl.ok && gr.started && fl.state != TcpState::Done { base } else { 0.0 };
            let loss_cap = || tcp::loss_limited_bps(&g.tcp, fl.mss, fl.rtt, fl.loss_ppm, fl.loss_burst);
            let now_cap = match fl.state {
                TcpState::Open => base.min(loss_cap()),
                TcpState::Ramping { cwnd, .. } | TcpState::Avoiding { cwnd, .. } => base.min(loss_cap()).min(tcp::window_bps(cwnd, fl.rtt)),
                _ => 0.0,
            };
            s.cap_now.push(if fl.ok { now_cap } else { 0.0 });
            s.cap_ideal.push(ideal);
            for &(l, d) in &fl.fwd {
                s.path.push(s.res_local[l as usize * 2 + d as usize]);
            }
            s.path_start.push(s.path.len() as u32);
        }
        let problem = crate::maxmin::Problem { capacity: &s.capacity, flow_cap: &s.cap_now, path_start: &s.path_start, path: &s.path };
        self.maxmin.solve(&problem, &mut s.out_now);
        // With no flow held below its ideal (no ramp, no loss cap: most instants of a steady
        // run) the two problems are the same, bit for bit, and so is their answer.
        if s.cap_ideal.iter().zip(&s.cap_now).all(|(a, b)| a.to_bits() == b.to_bits()) {
            s.out_ideal.clone_from(&s.out_now);
        } else {
            let problem =
                crate::maxmin::Problem { capacity: &s.capacity, flow_cap: &s.cap_ideal, path_start: &s.path_start, path: &s.path };
            self.maxmin.solve(&problem, &mut s.out_ideal);
        }
        self.standing_queues(comp_flows, comp_res, w);
        for (i, &f) in comp_flows.iter().enumerate() {
            let (rate, ideal) = (self.solver.out_now[i] as u64, self.solver.out_ideal[i] as u64);
            let fl = &self.flows[f as usize];
            if fl.rate == rate && fl.ideal == ideal && fl.loss_ppm == fl.loss_ppm_applied && fl.window_current(rate) {
                continue;
            }
            self.set_rate(f, rate, ideal, now);
            if self.flows[f as usize].remaining.is_some() {
                // Finite flows re-aim their finish at the new rate.
                self.rearm_flow_timer(f, sched);
            }
        }
    }
}

/// How full loss-based senders keep a saturated drop-tail queue on average: CUBIC's window
/// swings between β·W and W above the pipe, so a 1-BDP queue sits about 80 % full
/// (tcp-timing §1.1, measured: srtt 18 ms on a 10 ms path with a 10 ms queue).
/// [ASSUMPTION] the same fill for every profile and queue size.
pub(crate) const STANDING_QUEUE_FILL: f64 = 0.8;

impl Traffic {
    /// The standing queue each flow of a solved component sees: at every link direction
    /// the component saturates with a flow that the link, not its own caps, limits, the
    /// queue holds `STANDING_QUEUE_FILL` of its size; a flow's is the sum along its path.
    fn standing_queues(&mut self, comp_flows: &[u32], comp_res: &[u32], w: World<'_>) {
        let s = &mut self.solver;
        s.load.clear();
        s.load.resize(comp_res.len(), 0.0);
        for i in 0..comp_flows.len() {
            for k in s.path_start[i]..s.path_start[i + 1] {
                s.load[s.path[k as usize] as usize] += s.out_now[i];
            }
        }
        s.queue_delay.clear();
        s.queue_delay.resize(comp_res.len(), u64::MAX);
        for i in 0..comp_flows.len() {
            if s.out_now[i] <= 0.0 || s.out_now[i] >= s.cap_now[i] * (1.0 - 1e-6) {
                continue;
            }
            // Limited by the network: the saturated links on its path hold a standing queue.
            for k in s.path_start[i]..s.path_start[i + 1] {
                let r = s.path[k as usize] as usize;
                let cap = s.capacity[r];
                if cap > 0.0 && s.load[r] >= cap * (1.0 - 1e-6) && s.queue_delay[r] == u64::MAX {
                    let l = comp_res[r] as usize / 2;
                    let bits = w.model.links[l].spec.queue_bytes as f64 * 8.0 * STANDING_QUEUE_FILL;
                    s.queue_delay[r] = (bits / cap * 1e9) as u64;
                }
            }
        }
        for (i, &f) in comp_flows.iter().enumerate() {
            let mut d = 0u64;
            for k in s.path_start[i]..s.path_start[i + 1] {
                let q = s.queue_delay[s.path[k as usize] as usize];
                if q != u64::MAX {
                    d = d.saturating_add(q);
                }
            }
            self.flows[f as usize].standing = crate::time::SimDuration(d);
        }
    }
}
