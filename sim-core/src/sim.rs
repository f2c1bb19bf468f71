//! The simulation: state, the event loop, and read-only views.
//!
//! `Simulation` owns the model, the scheduler and all runtime state. Behaviour is split by
//! concept into sibling modules that add `impl Simulation` blocks: `control` (BGP and BFD),
//! `routing` (route selection, forwarding, ECMP), `flows` (fluid TCP and max-min), `faults`
//! (injection and repair), `runbook` (alarms and steps), `report` (metrics). Each event
//! handler changes state and marks what it touched; [`Simulation::step`] then settles the
//! touched parts once (`flush`), so several changes at one instant cost one recomputation.

use std::collections::VecDeque;

use crate::maxmin::MaxMin;
use crate::model::{FaultId, Model};
use crate::rng::Stream;
use crate::scheduler::{Scheduler, TimerId};
use crate::spec::FaultAction;
use crate::time::{SimDuration, SimTime};
use crate::trace::Trace;

pub use crate::flows::{FlowView, TcpState};

/// Events. Small and `Copy`: the heap holds them by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ev {
    KeepaliveTx { link: u32, side: u8 },
    HoldExpire { link: u32, side: u8 },
    BfdTx { link: u32, side: u8 },
    BfdDetect { link: u32, side: u8 },
    Connect { link: u32 },
    FibApply { adj: u32, side: u8 },
    FlowTimer { flow: u32 },
    GroupStart { group: u32 },
    FaultStart { fault: u32 },
    FaultEnd { fault: u32 },
    FlapToggle { fault: u32, phase: u32 },
    DrainDown { fault: u32 },
    RandomFail { process: u32, element: u32 },
    AlarmCheck { alarm: u32 },
    StepRun { step: u32 },
    EndpointWake { ep: u32 },
    WireArrive { wire: u32 },
    PacketBin,
}

/// Options that do not change what happens, only what is kept.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimOptions {
    /// Keep every trace record (for `--trace` and the TUI), not just the fingerprint.
    pub keep_trace: bool,
}

/// Runtime state of one side of a control-plane session.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SpeakerRt {
    pub up: bool,
    pub bfd_up: bool,
    pub keepalive: Option<TimerId>,
    pub hold: Option<TimerId>,
    pub bfd_tx: Option<TimerId>,
    pub bfd_detect: Option<TimerId>,
}

#[derive(Clone, Debug)]
pub(crate) struct SessionRt {
    pub sides: [SpeakerRt; 2],
    pub connect: Option<TimerId>,
    pub bfd_disabled: u32,
    pub rng: Stream,
    /// Negotiated hold time (lower wins, RFC 4271 §4.2).
    pub hold: SimDuration,
    /// Keepalive interval per side: its own, but at most a third of the hold time.
    pub keepalive: [SimDuration; 2],
    /// BFD interval of packets sent by each side: max(own desired tx, peer's required rx).
    pub bfd_tx: [SimDuration; 2],
    /// BFD detection time at each side: the peer's multiplier times the peer's interval
    /// (RFC 5880 §6.8.4).
    pub bfd_detect: [SimDuration; 2],
}

/// A forwarding change decided at one time and applied after the convergence delay.
#[derive(Clone, Debug, Default)]
pub(crate) struct AdjSideRt {
    pub fib: Vec<u32>,
    pub decided: Vec<u32>,
    pub pending: VecDeque<(SimTime, Vec<u32>, Option<FaultId>)>,
    /// Resilient hashing table (link id per bucket); empty for hash modulo N.
    pub buckets: Vec<u32>,
    /// FIB members whose link does not deliver in this side's sending direction.
    pub broken: u32,
    pub dirty: bool,
    /// The fault behind the latest undecided change, carried to the forwarding change.
    pub cause: Option<FaultId>,
}

/// Per-fault runtime and evidence.
#[derive(Clone, Debug)]
pub(crate) struct FaultRt {
    pub def: crate::model::Fault,
    pub start: Option<SimTime>,
    pub end: Option<SimTime>,
    pub active: bool,
    pub detect: Option<SimTime>,
    pub last_fib: Option<SimTime>,
    pub blackhole_ns: u64,
    pub lost_bits: u128,
    pub sessions_down: u32,
    pub flows_moved: u64,
    pub links_changed: u32,
    pub flap_down: bool,
    pub drain_down: bool,
}

impl FaultRt {
    pub fn new(def: crate::model::Fault) -> FaultRt {
        FaultRt {
            def,
            start: None,
            end: None,
            active: false,
            detect: None,
            last_fib: None,
            blackhole_ns: 0,
            lost_bits: 0,
            sessions_down: 0,
            flows_moved: 0,
            links_changed: 0,
            flap_down: false,
            drain_down: false,
        }
    }
}

/// A deterministic simulation of one model under one seed.
pub struct Simulation {
    pub(crate) model: Model,
    pub(crate) seed: u64,
    pub(crate) sched: Scheduler<Ev>,
    pub(crate) trace: Trace,
    pub(crate) end: SimTime,
    pub(crate) events: u64,
    pub(crate) links: Vec<crate::link::LinkState>,
    pub(crate) sessions: Vec<Option<SessionRt>>,
    pub(crate) site_down: Vec<u32>,
    pub(crate) endpoint_down: Vec<u32>,
    pub(crate) adj: Vec<[AdjSideRt; 2]>,
    pub(crate) dirty_adj: Vec<(u32, u8)>,
    pub(crate) flows: crate::flows::Flows,
    pub(crate) maxmin: MaxMin,
    pub(crate) faults: Vec<FaultRt>,
    /// The most recently started fault: effects with no better-known cause go to it.
    pub(crate) window: Option<FaultId>,
    /// The fault being applied or repaired right now, if any.
    pub(crate) applying: Option<FaultId>,
    /// Per link: the fault that last changed it, so effects on that link are attributed to
    /// their cause even when faults overlap.
    pub(crate) link_cause: Vec<Option<FaultId>>,
    pub(crate) broken_routes: u32,
    pub(crate) broken_since: Option<SimTime>,
    pub(crate) random: Vec<crate::faults::RandomRt>,
    pub(crate) alarms: Vec<crate::runbook::AlarmRt>,
    pub(crate) steps: Vec<crate::runbook::StepRt>,
    pub(crate) packets: crate::packet::PacketWorld,
}

impl Simulation {
    /// Prepares a run of `model` under `seed`. Nothing happens until it is stepped.
    pub fn new(model: Model, seed: u64, opts: SimOptions) -> Simulation {
        let end = SimTime::ZERO + model.duration;
        let mut sim = Simulation {
            seed,
            sched: Scheduler::new(),
            trace: Trace::new(opts.keep_trace, crate::digest::model_digest(&model, seed)),
            end,
            events: 0,
            links: vec![Default::default(); model.links.len()],
            sessions: Vec::new(),
            site_down: vec![0; model.sites.len()],
            endpoint_down: vec![0; model.endpoints.len()],
            adj: vec![Default::default(); model.adjacencies.len()],
            dirty_adj: Vec::new(),
            flows: Default::default(),
            maxmin: MaxMin::default(),
            faults: model.faults.iter().cloned().map(FaultRt::new).collect(),
            window: None,
            applying: None,
            link_cause: vec![None; model.links.len()],
            broken_routes: 0,
            broken_since: None,
            random: Vec::new(),
            alarms: Vec::new(),
            steps: Vec::new(),
            packets: Default::default(),
            model,
        };
        sim.init_control();
        sim.init_routing();
        sim.init_flows();
        sim.init_packets();
        sim.init_faults();
        sim.init_runbook();
        sim.flush();
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
    /// Events run so far.
    pub fn events(&self) -> u64 {
        self.events
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
        self.step_before(self.end)
    }

    /// Runs the next instant's events if it comes before `limit`: every event at that time,
    /// then one flush. Flows of a group share an RTT, so their timers fire together; settling
    /// once per instant keeps a burst of N timers from costing N re-solves.
    fn step_before(&mut self, limit: SimTime) -> bool {
        let t = match self.sched.peek_time() {
            Some(t) if t < limit => t,
            _ => return false,
        };
        while self.sched.peek_time() == Some(t) {
            let Some((_, ev)) = self.sched.pop() else { break };
            self.events += 1;
            self.dispatch(ev);
        }
        self.flush();
        true
    }

    /// Runs every event strictly before `t` (capped at the end of the run).
    pub fn run_until(&mut self, t: SimTime) {
        let t = t.min(self.end);
        while self.step_before(t) {}
        self.advance_clock(t);
    }

    /// Runs to the end of the run.
    pub fn run(&mut self) {
        let end = self.end;
        self.run_until(end);
    }

    /// Settles accounting up to `t` without running events (time passes in between events).
    fn advance_clock(&mut self, t: SimTime) {
        self.sched.advance_to(t);
        let now = self.now();
        self.settle_all(now);
    }

    fn dispatch(&mut self, ev: Ev) {
        match ev {
            Ev::KeepaliveTx { link, side } => self.on_keepalive_tx(link, side as usize),
            Ev::HoldExpire { link, side } => self.on_hold_expire(link, side as usize),
            Ev::BfdTx { link, side } => self.on_bfd_tx(link, side as usize),
            Ev::BfdDetect { link, side } => self.on_bfd_detect(link, side as usize),
            Ev::Connect { link } => self.on_connect(link),
            Ev::FibApply { adj, side } => self.on_fib_apply(adj, side as usize),
            Ev::FlowTimer { flow } => self.on_flow_timer(flow),
            Ev::GroupStart { group } => self.on_group_start(group),
            Ev::FaultStart { fault } => self.on_fault_start(FaultId(fault)),
            Ev::FaultEnd { fault } => self.on_fault_end(FaultId(fault)),
            Ev::FlapToggle { fault, phase } => self.on_flap_toggle(FaultId(fault), phase),
            Ev::DrainDown { fault } => self.on_drain_down(FaultId(fault)),
            Ev::RandomFail { process, element } => self.on_random_fail(process, element),
            Ev::AlarmCheck { alarm } => self.on_alarm_check(alarm),
            Ev::StepRun { step } => self.on_step_run(step),
            Ev::EndpointWake { ep } => self.on_endpoint_wake(ep),
            Ev::WireArrive { wire } => self.on_wire_arrive(wire),
            Ev::PacketBin => self.on_packet_bin(),
        }
    }

    /// Settles everything the last event touched: routing decisions, then rates, then alarms.
    pub(crate) fn flush(&mut self) {
        self.decide_routes();
        self.reallocate();
        self.check_alarms();
    }

    /// Whether the workload at end `end` (0 = source, 1 = destination) of group `g`'s route
    /// is up: its site, and its endpoint if the route names one.
    pub(crate) fn end_alive(&self, g: usize, end: usize) -> bool {
        let route = &self.model.groups[g].route;
        let site = if end == 0 { route.sites[0] } else { *route.sites.last().expect("a route has sites") };
        self.site_down[site.index()] == 0 && route.ends[end].is_none_or(|e| self.endpoint_down[e.index()] == 0)
    }

    pub(crate) fn fault_action(&self, f: FaultId) -> FaultAction {
        self.faults[f.index()].def.action
    }
}
