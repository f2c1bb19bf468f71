//! The simulation: the scheduler, the trace, the components, and the one dispatcher in
//! which the order of an instant is written.
//!
//! Each component owns its state and is driven with the events addressed to it; what it did
//! comes back as [`Effect`]s. The dispatcher is the only code that hands one component's
//! effect to another:
//!
//! - `LinkChanged` → packet wires (a direction that stops delivering loses what is on it),
//!   control plane (carrier), routing (reconsider), traffic (repath the adjacency);
//! - `SessionDown` / `SessionUp` / `PreferenceChanged` → routing, with the causes
//!   attribution credits (a session down by carrier loss also has that side repair locally);
//! - `WorkloadChanged` → traffic; a forwarding change → traffic (repath), then `FibChanged`;
//! - packet ledger effects → traffic's group ledgers.
//!
//! Every effect is also folded into the trace (fingerprint) and shown to attribution, in
//! the order it happened. After the last event of an instant: routing decides, traffic
//! re-solves rates, attribution settles the instant, traffic records group rates, and the
//! operator checks alarms. Several changes at one instant cost one recomputation.

use crate::attribution::{Attribution, Views};
use crate::availability::Availability;
pub use crate::control::ControlMode;
use crate::control::ControlPlane;
use crate::events::{Effect, Ev, Outbox};
use crate::faults::{Faults, Op};
use crate::link::{CauseEffect, LinkCause};
use crate::model::{Action, AdjId, AlarmId, FaultId, GroupId, LinkId, Model, StepId};
use crate::network::Network;
use crate::operator::Operator;
use crate::packet::{Io, PacketView, PacketWorld};
use crate::report::StepFinding;
use crate::routing::Routing;
use crate::scheduler::Scheduler;
use crate::time::SimTime;
use crate::trace::{DownReason, Trace, TraceKind};
use crate::traffic::{Traffic, World};

pub use crate::traffic::{FlowView, TcpState};

/// Options that do not change what happens, only what is kept.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimOptions {
    /// Keep every trace record (for `--trace` and the TUI), not just the fingerprint.
    pub keep_trace: bool,
    /// How control packets on clean links run (`--control`); never changes a result.
    pub control: ControlMode,
}

/// A deterministic simulation of one model under one seed.
pub struct Simulation {
    pub(crate) model: Model,
    pub(crate) seed: u64,
    pub(crate) sched: Scheduler<Ev>,
    pub(crate) trace: Trace,
    pub(crate) end: SimTime,
    pub(crate) events: u64,
    pub(crate) net: Network,
    pub(crate) control: ControlPlane,
    pub(crate) routing: Routing,
    pub(crate) traffic: Traffic,
    pub(crate) packets: PacketWorld,
    pub(crate) faults: Faults,
    pub(crate) operator: Operator,
    pub(crate) attribution: Attribution,
    /// Per-interconnect down periods, for SLA accounting; watches only.
    pub(crate) availability: Availability,
    /// Effects waiting to be dispatched, and the generation being dispatched (both reused).
    effects: Vec<Effect>,
    batch: Vec<Effect>,
    /// Whether anything happened this instant beyond timers re-arming themselves (most
    /// instants are a keepalive or BFD packet that changes nothing).
    busy: bool,
    ops: Vec<Op>,
    changed_flows: Vec<u32>,
    /// Links changed this instant, with their label before it.
    labels: Vec<(LinkId, &'static str)>,
}

impl Simulation {
    /// Prepares a run of `model` under `seed`. Nothing happens until it is stepped.
    pub fn new(model: Model, seed: u64, opts: SimOptions) -> Simulation {
        let end = SimTime::ZERO + model.duration;
        let mut sched = Scheduler::new();
        let net = Network::new(&model);
        let control = ControlPlane::new(&model, seed, opts.control, &mut sched);
        let routing = Routing::new(&model, &control, &net);
        let traffic = Traffic::new(&model, seed, &mut sched);
        let first_flows: Vec<u32> = traffic.groups.iter().map(|g| g.first_flow).collect();
        let packets = PacketWorld::new(&model, seed, &first_flows, &mut sched);
        let faults = Faults::new(&model, seed, &mut sched);
        let operator = Operator::new(&model, seed, &mut sched);
        let attribution = Attribution::new(&model, traffic.flows.len());
        let availability = Availability::new(&model);
        let mut sim = Simulation {
            trace: Trace::new(opts.keep_trace, crate::digest::model_digest(&model, seed)),
            seed,
            sched,
            end,
            events: 0,
            net,
            control,
            routing,
            traffic,
            packets,
            faults,
            operator,
            attribution,
            availability,
            effects: Vec::new(),
            batch: Vec::new(),
            busy: true,
            ops: Vec::new(),
            changed_flows: Vec::new(),
            labels: Vec::new(),
            model,
        };
        let mut effects = std::mem::take(&mut sim.effects);
        {
            let w = World { model: &sim.model, net: &sim.net, routing: &sim.routing };
            let mut out = Outbox { sched: &mut sim.sched, effects: &mut effects };
            sim.traffic.init(w, &mut out);
        }
        sim.effects = effects;
        sim.dispatch_effects();
        sim.end_instant();
        sim
    }

    pub fn now(&self) -> SimTime {
        self.sched.now()
    }
    pub fn end(&self) -> SimTime {
        self.end
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn model(&self) -> &Model {
        &self.model
    }
    /// Events run so far: what the per-packet run counts, lazy control packets included
    /// (exact after `run_until` and `step`, which catch the lazy sessions up).
    pub fn events(&self) -> u64 {
        let c = self.control.counts();
        self.events + c.replayed - c.phantom
    }

    /// Events run so far that were not control packets of a clean session: the same in a
    /// lazy and a per-packet run, so budgets polled by it stop both at the same place.
    pub fn work(&self) -> u64 {
        let c = self.control.counts();
        self.events - c.phantom - c.quiet
    }
    pub fn fingerprint(&self) -> u64 {
        self.trace.fingerprint()
    }
    pub fn trace(&self) -> &Trace {
        &self.trace
    }
    pub fn is_finished(&self) -> bool {
        self.now() >= self.end
    }

    /// Time of the next event, if there is one before the end of the run.
    pub fn peek(&mut self) -> Option<SimTime> {
        self.sched.peek_time().filter(|&t| t < self.end)
    }

    /// Runs the next instant: every event at the next event time. Returns false once no
    /// event remains before the end of the run.
    pub fn step(&mut self) -> bool {
        let ran = self.step_before(self.end);
        self.control.catch_up_all(&mut self.sched);
        ran
    }

    /// Runs the next instant's events if it comes before `limit`: every event at that time,
    /// then one settling of the instant. Flows of a group share an RTT, so their timers fire
    /// together; settling once per instant keeps a burst of N timers from costing N re-solves.
    fn step_before(&mut self, limit: SimTime) -> bool {
        if self.busy || self.traffic.has_pending() || self.routing.has_pending() {
            // Work left for the next instant, whatever it is: a lazy packet may be it.
            let next = self.sched.peek_time();
            self.control.wake_next_packet(next, &mut self.sched);
        }
        let t = match self.sched.peek_time() {
            Some(t) if t < limit => t,
            _ => return false,
        };
        while self.next_is_at(t) {
            let Some((_, ev)) = self.sched.pop() else { break };
            self.events += 1;
            self.handle(ev);
            self.dispatch_effects();
        }
        self.end_instant();
        true
    }

    /// Whether the next event is at `t`. The peek that says no settles re-armed timers'
    /// heap entries, and where it stops decides their order against what the end of the
    /// instant queues: with lazy control packets it stops where the per-packet run's heap,
    /// holding them, would have stopped (see ARCHITECTURE.md, "Lazy control packets").
    fn next_is_at(&mut self, t: SimTime) -> bool {
        if !self.control.any_lazy() {
            return self.sched.peek_time() == Some(t);
        }
        match self.sched.peek_time_before(SimTime(t.as_nanos().saturating_add(1))) {
            Ok(next) => next == Some(t),
            Err(_) => {
                let bound = self.control.first_kept(&mut self.sched).unwrap_or(SimTime(u64::MAX));
                let _ = self.sched.peek_time_before(bound);
                false
            }
        }
    }

    /// Runs every event strictly before `t` (capped at the end of the run).
    pub fn run_until(&mut self, t: SimTime) {
        let t = t.min(self.end);
        while self.step_before(t) {}
        self.sched.advance_to(t);
        self.control.catch_up_all(&mut self.sched);
        let now = self.now();
        self.traffic.settle_all(now);
    }

    /// Runs every event strictly before `t` (capped at the end of the run), but starts no
    /// instant once `max_events` events have run. Returns whether it reached `t`; when it
    /// did not, the simulation stands at the instant it stopped after, and [`Self::report`]
    /// reports what happened up to then. The stop depends on the event count only, so it
    /// is the same on every machine.
    pub fn run_until_bounded(&mut self, t: SimTime, max_events: u64) -> bool {
        self.run_until_limited(t, max_events, u64::MAX)
    }

    /// [`Self::run_until_bounded`], also stopping (at an instant boundary, like the event
    /// budget) once [`Self::work`] reaches `max_work`: the cadence at which a caller polls
    /// its other budgets, the same whether control packets run lazily or not.
    pub fn run_until_limited(&mut self, t: SimTime, max_events: u64, max_work: u64) -> bool {
        let t = t.min(self.end);
        // Lazy packets are counted when replayed: while the ones not yet counted cannot
        // take the run to its event budget before `t`, it cannot stop on the way; once
        // they might, every packet becomes an event again so the stop is exact.
        let mut uncounted = if max_events == u64::MAX { 0 } else { self.control.uncounted_bound(self.now(), t) };
        loop {
            if uncounted > 0 && self.events().saturating_add(uncounted) >= max_events {
                self.control.go_per_packet(&mut self.sched);
                uncounted = 0;
            }
            if self.events() >= max_events || self.work() >= max_work {
                // Out of budget: stopped here unless nothing is left to run before `t`, in
                // which case the run reached `t` and is advanced to it like any other.
                if self.sched.peek_time().is_some_and(|next| next < t) || self.control.any_kept_before(t) {
                    self.control.catch_up_all(&mut self.sched);
                    return false;
                }
                break;
            }
            if !self.step_before(t) {
                break;
            }
        }
        self.sched.advance_to(t);
        self.control.catch_up_all(&mut self.sched);
        let now = self.now();
        self.traffic.settle_all(now);
        true
    }

    /// Heap bytes the run has added since it was built: the kept trace (records, and the
    /// JSON line a caller renders from each), the groups' throughput timelines (a point per
    /// group whose rate changed, per instant) and the faults drawn at run time. Checked
    /// against a memory budget as a run goes; O(groups) to compute.
    pub fn grown_bytes(&self) -> u64 {
        use crate::budget::{Estimate, FAULT_BYTES, TIMELINE_POINT_BYTES};
        let points: u64 = self.traffic.groups.iter().map(|g| g.timeline.len() as u64).sum();
        Estimate::trace_bytes(self.trace.records().len() as u64)
            .saturating_add(points.saturating_mul(TIMELINE_POINT_BYTES))
            .saturating_add((self.faults.all().len() as u64).saturating_mul(FAULT_BYTES))
    }

    /// Records that the run stops here, before its end: the fingerprint folds the time and
    /// the events run, so the report of a cut-short run cannot pass for a complete one.
    pub fn mark_stopped(&mut self) {
        let (now, events) = (self.now(), self.events());
        self.trace.mix_stop(now, events);
    }

    /// Runs to the end of the run.
    pub fn run(&mut self) {
        let end = self.end;
        self.run_until(end);
    }

    /// Hands a scheduled event to the component that owns it.
    fn handle(&mut self, ev: Ev) {
        if let Ev::StepRun { step } = ev {
            let mut out = Outbox { sched: &mut self.sched, effects: &mut self.effects };
            let action = self.operator.on_step_run(&self.model, StepId(step), &mut out).clone();
            if let Some(found) = self.run_action(StepId(step), action) {
                self.operator.note_finding(StepId(step), found);
            }
            return;
        }
        let mut effects = std::mem::take(&mut self.effects);
        let mut ops = std::mem::take(&mut self.ops);
        {
            let (m, net) = (&self.model, &self.net);
            let mut out = Outbox { sched: &mut self.sched, effects: &mut effects };
            let w = World { model: m, net, routing: &self.routing };
            match ev {
                Ev::KeepaliveTx { link, side } => self.control.on_keepalive_tx(m, net, LinkId(link), side as usize, &mut out),
                Ev::HoldExpire { link, side } => self.control.on_hold_expire(m, net, LinkId(link), side as usize, &mut out),
                Ev::BfdTx { link, side } => self.control.on_bfd_tx(m, net, LinkId(link), side as usize, &mut out),
                Ev::BfdDetect { link, side } => self.control.on_bfd_detect(m, net, LinkId(link), side as usize, &mut out),
                Ev::Connect { link } => self.control.on_connect(m, net, LinkId(link), &mut out),
                Ev::FibApply { adj, side } => {
                    let now = out.now();
                    if let Some(applied) = self.routing.on_fib_apply(m, &self.control, net, AdjId(adj), side as usize, now) {
                        let w = World { model: m, net, routing: &self.routing };
                        let moved = self.traffic.repath_adjacency(applied.adj, w, &mut out);
                        out.emit(Effect::FibChanged {
                            adj: applied.adj,
                            side: applied.side,
                            members: applied.members,
                            causes: applied.causes,
                            moved,
                        });
                    }
                }
                Ev::FlowTimer { flow } => self.traffic.on_flow_timer(flow, w, &mut out),
                Ev::GroupStart { group } => {
                    self.traffic.on_group_start(group as usize, w, &mut out);
                }
                Ev::BacklogDrained { group } => self.traffic.on_backlog_drained(group as usize, w, &mut out),
                Ev::FaultStart { fault } => self.faults.on_fault_start(FaultId(fault), m, &mut out, &mut ops),
                Ev::FaultEnd { fault } => self.faults.on_fault_end(FaultId(fault), m, &mut out, &mut ops),
                Ev::FlapToggle { fault, phase } => self.faults.on_flap_toggle(FaultId(fault), phase, m, &mut out, &mut ops),
                Ev::DrainDown { fault } => self.faults.on_drain_down(FaultId(fault), m, &mut ops),
                Ev::RandomFail { process, element } => self.faults.on_random_fail(process, element, m, &mut out, &mut ops),
                Ev::AlarmCheck { alarm } => self.operator.on_alarm_check(m, AlarmId(alarm), &mut out),
                Ev::StepRun { .. } => unreachable!("handled above"),
                Ev::EndpointWake { ep } => {
                    let pv = PacketView { model: m, net, routing: &self.routing, traffic: &self.traffic };
                    let mut io = Io { w: pv, trace: &mut self.trace, out: &mut out };
                    self.packets.on_endpoint_wake(ep, &mut io);
                }
                Ev::WireArrive { wire } => {
                    let pv = PacketView { model: m, net, routing: &self.routing, traffic: &self.traffic };
                    let mut io = Io { w: pv, trace: &mut self.trace, out: &mut out };
                    self.packets.on_wire_arrive(wire, &mut io);
                }
                Ev::PacketBin => {
                    let pv = PacketView { model: m, net, routing: &self.routing, traffic: &self.traffic };
                    let mut io = Io { w: pv, trace: &mut self.trace, out: &mut out };
                    self.packets.on_packet_bin(&mut io);
                }
            }
        }
        self.effects = effects;
        self.apply_ops(&mut ops);
        self.ops = ops;
    }

    /// Carries out what a fault does, op by op, dispatching the effects of each.
    fn apply_ops(&mut self, ops: &mut Vec<Op>) {
        for op in ops.drain(..) {
            match op {
                Op::Link { link, cause, on } => self.change_link(link, cause, on),
                Op::Site { site, fault, on } => {
                    if self.net.set_site(site, Some(fault), on) {
                        let groups = (0..self.model.groups.len())
                            .filter(|&g| self.traffic.route(g).sites.contains(&site))
                            .map(|g| GroupId(g as u32))
                            .collect();
                        self.effects.push(Effect::WorkloadChanged { groups, fault: Some(fault), down: on });
                    }
                }
                Op::Endpoint { endpoint, fault, on } => {
                    if self.net.set_endpoint(endpoint, Some(fault), on) {
                        let groups = (0..self.model.groups.len())
                            .filter(|&g| self.traffic.route(g).ends.contains(&Some(endpoint)))
                            .map(|g| GroupId(g as u32))
                            .collect();
                        self.effects.push(Effect::WorkloadChanged { groups, fault: Some(fault), down: on });
                    }
                }
                Op::Reset { link, fault } => {
                    self.effects.push(Effect::SessionReset { link, fault });
                    self.dispatch_effects();
                    let mut out = Outbox { sched: &mut self.sched, effects: &mut self.effects };
                    self.control.reset(&self.model, &self.net, link, &mut out);
                }
                Op::Bfd { link, fault, on } => {
                    let mut out = Outbox { sched: &mut self.sched, effects: &mut self.effects };
                    self.control.set_bfd_disabled(&self.net, link, on, &mut out);
                    self.effects.push(Effect::BfdToggled { link, fault, off: on });
                }
                Op::Preference { link, fault } => self.effects.push(Effect::PreferenceChanged { link, fault }),
            }
            self.dispatch_effects();
        }
    }

    /// Adds or removes a cause on a link and reports what changed.
    fn change_link(&mut self, link: LinkId, cause: LinkCause, on: bool) {
        let delta = self.net.apply(link, cause, on);
        self.effects.push(Effect::LinkChanged { link, fault: cause.fault, applied: on, delta });
    }

    /// A runbook step's action, and what it found if the work was already done.
    fn run_action(&mut self, step: StepId, action: Action) -> Option<StepFinding> {
        let found = match action {
            Action::Shift(shifts) => {
                // The step's own record first, so each group's shift note follows it. Nothing
                // reads a `StepActed` but the trace, so dispatching it before the move changes
                // no state and leaves the hashed records in the same order.
                self.dispatch_effects();
                let (mut moved, mut delivering, mut unavailable) = (false, true, false);
                for (g, route) in shifts {
                    if self.trace.keeps() {
                        let from = self.last_shift_of(g);
                        let now = self.now();
                        self.trace.note(now, TraceKind::Shift, g.0, step.0, from.map_or(0, |s| u64::from(s.0) + 1));
                    }
                    let w = World { model: &self.model, net: &self.net, routing: &self.routing };
                    let mut out = Outbox { sched: &mut self.sched, effects: &mut self.effects };
                    let o = self.traffic.shift_group(g.index(), route, w, &mut out);
                    (moved, delivering) = (moved || o.moved, delivering && o.delivering);
                    unavailable |= o.unavailable;
                    self.dispatch_effects();
                }
                if unavailable {
                    Some(StepFinding::Unavailable)
                } else if !moved {
                    Some(StepFinding::AlreadyThere)
                } else {
                    delivering.then_some(StepFinding::AlreadyFlowing)
                }
            }
            Action::Drain(l) => {
                // Only a drain already in force: a link that is down now (a flap, a cut) is
                // drained when it comes back, which changes what happens then.
                let idle = self.net.link(l).drained();
                self.change_link(l, LinkCause { fault: None, effect: CauseEffect::Drain }, true);
                self.effects.push(Effect::PreferenceChanged { link: l, fault: None });
                idle.then_some(StepFinding::AlreadyOut)
            }
            Action::Prefer(links, attrs) => {
                let set = links.iter().all(|&l| self.routing.preference_is(&self.model, l, attrs));
                for l in links {
                    self.routing.set_preference(l, attrs);
                    self.effects.push(Effect::PreferenceChanged { link: l, fault: None });
                }
                set.then_some(StepFinding::AlreadySet)
            }
        };
        self.dispatch_effects();
        found
    }

    /// The step whose shift put group `g` on its current route, from the trace's notes (kept
    /// only with the records); `None` while the group is on its own route.
    fn last_shift_of(&self, g: GroupId) -> Option<StepId> {
        self.trace.records().iter().rev().find(|r| r.kind == TraceKind::Shift && r.a == g.0).map(|r| StepId(r.b))
    }

    /// Dispatches queued effects, and those they cause, in the order they happened.
    /// Effects are taken in generations: those queued, then those they caused, and so on,
    /// which is first-in first-out order without copying an effect.
    fn dispatch_effects(&mut self) {
        let mut batch = std::mem::take(&mut self.batch);
        while !self.effects.is_empty() {
            std::mem::swap(&mut batch, &mut self.effects);
            for e in batch.drain(..) {
                // A packet's ledger entry changes nothing the end of an instant looks at.
                self.busy |= !matches!(e, Effect::PacketSent { .. } | Effect::PacketDelivered { .. });
                let now = self.now();
                self.record(now, &e);
                let v = Views { model: &self.model, net: &self.net, routing: &self.routing, traffic: &self.traffic };
                self.attribution.observe(now, &e, &v);
                self.react(&e);
            }
        }
        self.batch = batch;
    }

    /// What the other components do about an effect.
    fn react(&mut self, e: &Effect) {
        let effects = &mut self.effects;
        {
            let m = &self.model;
            match e {
                Effect::LinkChanged { link, delta, .. } => {
                    // Its packets so far ran on the link as it was; from here they run per packet.
                    self.control.wake(*link, &mut self.sched);
                    self.availability.touch(m, *link);
                    let (before, after) = (delta.before, delta.after);
                    for dir in 0..2 {
                        // A direction that stops delivering loses what is on it. One whose
                        // line rate changes keeps its queue, as a router's does: the packets
                        // queued were timed at the old rate and keep those times, the next
                        // start where they end at the new one (a degrade used to flush the
                        // wire, dropping a SYN at t = 0 and every queued packet).
                        if before.delivers[dir] && !after.delivers[dir] {
                            self.packets.wire_broken(link.index() * 2 + dir);
                        }
                    }
                    let mut out = Outbox { sched: &mut self.sched, effects };
                    if before.carrier && !after.carrier {
                        self.control.carrier_down(m, &self.net, *link, &mut out);
                    } else if !before.carrier && after.carrier {
                        self.control.carrier_up(*link, &mut out);
                    }
                    if delta.changed() {
                        if before.carrier && !after.carrier {
                            // Both ends see the interface go down and repair locally, whatever
                            // BGP knew: a session already down (a reset, a blackhole found by
                            // BFD) emits no second SessionDown, and a link without a session
                            // has only its carrier to tell.
                            self.routing.mark_carrier_loss(m, *link, None);
                        } else if !self.control.has_session(*link) && !before.carrier && after.carrier {
                            self.routing.mark(m, *link, false);
                        }
                        let w = World { model: m, net: &self.net, routing: &self.routing };
                        self.traffic.repath_adjacency(m.links[link.index()].adjacency, w, &mut out);
                    }
                }
                // Carrier loss: that side's routers saw the interface go down and repair at
                // once; anything else was learned through BGP or BFD and waits convergence.
                Effect::SessionDown { link, side, reason: DownReason::CarrierLoss } => {
                    self.availability.touch(m, *link);
                    self.routing.mark_carrier_loss(m, *link, Some(usize::from(*side)))
                }
                Effect::SessionDown { link, .. } => {
                    self.availability.touch(m, *link);
                    self.routing.mark(m, *link, true)
                }
                Effect::SessionUp { link } => {
                    self.availability.touch(m, *link);
                    self.routing.mark(m, *link, false)
                }
                Effect::PreferenceChanged { link, .. } => self.routing.mark(m, *link, true),
                Effect::WorkloadChanged { groups, down, .. } => {
                    let w = World { model: m, net: &self.net, routing: &self.routing };
                    let mut out = Outbox { sched: &mut self.sched, effects };
                    self.traffic.workloads_changed(groups, *down, w, &mut out);
                }
                Effect::PacketSent { group, bits } => self.traffic.packet_sent(group.index(), *bits),
                Effect::PacketDelivered { group, bits, gap } => self.traffic.packet_delivered(group.index(), *bits, *gap),
                Effect::Lost { group, bits, flow: None, .. } => self.traffic.packet_lost(group.index(), *bits),
                Effect::PacketBin { group, rate, ideal, stalled } => {
                    self.traffic.packet_bin(group.index(), *rate, *ideal, *stalled, self.sched.now())
                }
                _ => {}
            }
        }
    }

    /// The trace record of an effect, if it is one that changes state.
    fn record(&mut self, now: SimTime, e: &Effect) {
        let t = &mut self.trace;
        let labels = &mut self.labels;
        match e {
            Effect::FaultStarted { fault } => t.record(now, TraceKind::Fault, fault.0, 1, 0),
            Effect::FaultEnded { fault } => t.record(now, TraceKind::Fault, fault.0, 0, 0),
            // One record per link and instant, written when the instant ends, so faults acting
            // together leave the same record whatever order they run in.
            Effect::LinkChanged { link, delta, .. } if !labels.iter().any(|l| l.0 == *link) => {
                labels.push((*link, delta.before.label));
            }
            Effect::SessionDown { link, side, reason } => t.record(now, TraceKind::SessionDown, link.0, u32::from(*side), *reason as u64),
            Effect::SessionUp { link } => t.record(now, TraceKind::SessionUp, link.0, 0, 0),
            Effect::FibChanged { adj, side, members, moved, .. } => {
                t.record(now, TraceKind::Fib, adj.0, u32::from(*side), u64::from(*members));
                if *moved > 0 {
                    t.record(now, TraceKind::FlowsMoved, adj.0, u32::from(*side), *moved);
                }
            }
            Effect::Stall { flow, .. } => t.record(now, TraceKind::Stall, *flow, 0, 0),
            Effect::Resume { flow, stalled, .. } => t.record(now, TraceKind::Resume, *flow, 0, stalled.as_nanos()),
            Effect::ConnectionAborted { flow, by_user_timeout, .. } => {
                t.record(now, TraceKind::ConnectionAborted, *flow, 0, 1 + u64::from(*by_user_timeout))
            }
            Effect::ConnectFailed { flow, syns, .. } => t.record(now, TraceKind::ConnectFailed, *flow, 0, u64::from(*syns)),
            Effect::GroupRate { group, rate } => t.record(now, TraceKind::GroupRate, group.0, 0, *rate),
            Effect::AlarmFired { alarm } => t.record(now, TraceKind::Alarm, alarm.0, 0, 0),
            Effect::StepActed { step } => t.record(now, TraceKind::Step, step.0, 0, 0),
            _ => {}
        }
    }

    /// Settles an instant: routing decisions, then rates, then what they mean, then alarms.
    pub(crate) fn end_instant(&mut self) {
        if !std::mem::take(&mut self.busy) && !self.traffic.has_pending() && !self.routing.has_pending() {
            // Nothing changed: no decision, no rate, no credit and no alarm can differ.
            return;
        }
        let now = self.now();
        for (link, before) in std::mem::take(&mut self.labels) {
            let after = self.net.link(link).label();
            if after != before {
                self.trace.record(now, TraceKind::LinkState, link.0, label_code(after), 0);
            }
        }
        {
            let v = Views { model: &self.model, net: &self.net, routing: &self.routing, traffic: &self.traffic };
            self.attribution.settle_links_and_sessions(now, &v);
        }
        let mut effects = std::mem::take(&mut self.effects);
        {
            let mut out = Outbox { sched: &mut self.sched, effects: &mut effects };
            self.traffic.settle_stranded(&mut out);
            let w = World { model: &self.model, net: &self.net, routing: &self.routing };
            self.traffic.settle_stalls(w, &mut out);
            let (attribution, net) = (&self.attribution, &self.net);
            self.routing.decide(&self.model, &self.control, net, |l| attribution.routing_causes(net, l), &mut out);
            let w = World { model: &self.model, net: &self.net, routing: &self.routing };
            self.traffic.reallocate(w, out.sched);
        }
        self.effects = effects;
        self.dispatch_effects();
        let mut changed = std::mem::take(&mut self.changed_flows);
        self.traffic.take_changed_flows(&mut changed);
        let v = Views { model: &self.model, net: &self.net, routing: &self.routing, traffic: &self.traffic };
        self.attribution.settle(now, &v, &changed);
        self.changed_flows = changed;
        let mut effects = std::mem::take(&mut self.effects);
        {
            let w = World { model: &self.model, net: &self.net, routing: &self.routing };
            let mut out = Outbox { sched: &mut self.sched, effects: &mut effects };
            self.traffic.finish_instant(w, &mut out);
        }
        self.effects = effects;
        self.dispatch_effects();
        self.operator.check_alarms(&self.model, &self.traffic, &self.control, &self.net, &self.packets, &mut self.sched);
        self.availability.settle(now, &self.model, &self.net, &self.control);
    }

    /// Injects a fault now, by hand (the TUI) or from an embedding program. It behaves exactly
    /// like a scripted fault whose `at` is the current time, and is recorded like one.
    pub fn inject(
        &mut self,
        id: &str,
        target: &str,
        action: crate::spec::FaultAction,
        duration: Option<crate::time::SimDuration>,
    ) -> Result<FaultId, crate::model::BuildError> {
        let owner = format!("fault `{id}`");
        let element = self.model.element(target).ok_or_else(|| crate::model::BuildError::Unknown {
            owner: owner.clone(),
            wanted: "fault target",
            name: target.to_string(),
            nearest: crate::model::nearest(target, self.model.ids().map(|(n, _)| n)),
        })?;
        crate::model::check_action(&owner, &action, element, target)?;
        if self.faults.all().iter().any(|f| f.def.id == id) {
            return Err(crate::model::BuildError::Duplicate { id: id.to_string(), class: "fault" });
        }
        let now = self.now();
        let def = crate::model::Fault {
            id: id.to_string(),
            target: element,
            target_name: target.to_string(),
            action,
            trigger: crate::model::FaultTrigger::At(now),
            duration,
        };
        let fid = self.faults.add(def);
        self.handle(Ev::FaultStart { fault: fid.0 });
        self.dispatch_effects();
        self.end_instant();
        Ok(fid)
    }

    /// Repairs an injected or scripted fault now.
    pub fn repair(&mut self, fault: FaultId) {
        if fault.index() < self.faults.len() {
            self.handle(Ev::FaultEnd { fault: fault.0 });
            self.dispatch_effects();
            self.end_instant();
        }
    }
}

fn label_code(label: &str) -> u32 {
    match label {
        "up" => 0,
        "down" => 1,
        "blackhole" => 2,
        "partition" => 3,
        "degraded" => 4,
        "drained" => 5,
        _ => 9,
    }
}
