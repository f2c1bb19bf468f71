//! The simulation thread: advances the simulation to the time the wall clock has reached,
//! answers commands, and publishes a [`Snapshot`] of the proxied flows after each advance.
//!
//! It owns the `Simulation`; nothing else touches it. The simulation is advanced only with
//! `run_until` (no number depends on how a run is sliced), and changed only by the
//! commands of [`crate::control`], so without injected faults the run, its report and its
//! fingerprint are those of `faultline run` on the same file and seed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use scenarios::Scenario;
use sim_core::model::{FaultId, GroupId, LinkId};
use sim_core::trace::TraceKind;
use sim_core::{SimTime, Simulation};
use tokio::sync::watch;

use crate::clock::Pace;
use crate::control::{Cmd, ControlError};
use crate::report::ConnectionLog;
use crate::state::{FaultState, FlowNow, GroupNow, InjectedFault, LinkState, Snapshot, StateView};

/// The longest the driver sleeps without looking at the clock and its commands.
const MAX_SLEEP: Duration = Duration::from_millis(50);
const MS: u64 = 1_000_000;

/// What the driver hands back when it stops.
pub struct DriverOutput {
    pub sim: Simulation,
    pub injected: Vec<InjectedFault>,
    /// Per proxied flow (global index): its stalls, (start, end) — end `None` if still open.
    pub stalls: BTreeMap<usize, Vec<(SimTime, Option<SimTime>)>>,
    /// Stopped before the end of the run (Ctrl-C, SIGTERM).
    pub interrupted: bool,
    /// Each traffic group's first flow, by group id.
    first_flows: BTreeMap<String, usize>,
}

impl DriverOutput {
    /// The connections `log` recorded, with their flows' predicted stalls up to where the
    /// run stopped.
    pub fn connections(&self, log: &ConnectionLog) -> Vec<crate::report::ConnectionReport> {
        predicted(log.connections(), &self.stalls, &self.first_flows, self.sim.now())
    }
}

pub(crate) struct Driver {
    sim: Simulation,
    scenario: Scenario,
    pace: Pace,
    groups: Vec<usize>,
    publish: watch::Sender<Arc<Snapshot>>,
    log: ConnectionLog,
    injected: Vec<(InjectedFault, FaultId)>,
    stalls: BTreeMap<usize, Vec<(SimTime, Option<SimTime>)>>,
    aborts: BTreeMap<usize, u32>,
    /// How far into the trace the driver has read.
    cursor: usize,
    hold: bool,
    /// Each traffic group's first flow, by group id (to find a connection's flow).
    first_flows: BTreeMap<String, usize>,
}

impl Driver {
    /// Prepares a driver for `sim` (built with `keep_trace`, which the driver reads for
    /// stalls and aborts) and the groups proxies are bound to.
    pub(crate) fn new(
        sim: Simulation,
        scenario: Scenario,
        speed: f64,
        groups: Vec<usize>,
        log: ConnectionLog,
        hold: bool,
    ) -> (Driver, watch::Receiver<Arc<Snapshot>>) {
        let pace = Pace::start(Instant::now(), speed);
        let (publish, rx) = watch::channel(Arc::new(Snapshot {
            now: sim.now(),
            end: sim.end(),
            speed,
            paused: false,
            finished: false,
            wall: Instant::now(),
            groups: Vec::new(),
        }));
        let first_flows =
            sim.model().groups.iter().enumerate().map(|(g, gr)| (gr.spec.id.clone(), sim.group_flows(GroupId(g as u32)).start)).collect();
        let mut d = Driver {
            first_flows,
            sim,
            scenario,
            pace,
            groups,
            publish,
            log,
            injected: Vec::new(),
            stalls: BTreeMap::new(),
            aborts: BTreeMap::new(),
            cursor: 0,
            hold,
        };
        d.read_trace();
        d.publish();
        (d, rx)
    }

    /// Runs until the end of the run (or, with `hold`, until told to stop).
    pub(crate) fn run(mut self, rx: Receiver<Cmd>) -> DriverOutput {
        self.pace = Pace::start(Instant::now(), self.pace.speed());
        self.log.set_start(Instant::now());
        let mut interrupted = false;
        loop {
            if !self.pace.is_paused() && !self.sim.is_finished() {
                let target = self.pace.sim_at(Instant::now()).min(self.sim.end());
                if target > self.sim.now() {
                    self.sim.run_until(target);
                    self.read_trace();
                }
                self.publish();
            }
            if self.sim.is_finished() && !self.hold {
                break;
            }
            let wait = match self.sim.peek().and_then(|t| self.pace.wall_at(t)) {
                Some(due) => due.saturating_duration_since(Instant::now()).min(MAX_SLEEP),
                None => MAX_SLEEP,
            };
            match rx.recv_timeout(wait) {
                Ok(Cmd::Stop) => {
                    interrupted = !self.sim.is_finished();
                    break;
                }
                Ok(cmd) => self.command(cmd),
                Err(RecvTimeoutError::Timeout) => {}
                // Every handle is gone: nobody can stop us but the end of the run.
                Err(RecvTimeoutError::Disconnected) if self.sim.is_finished() => break,
                Err(RecvTimeoutError::Disconnected) => std::thread::sleep(wait),
            }
        }
        self.publish_final();
        DriverOutput {
            injected: self.injected.into_iter().map(|(f, _)| f).collect(),
            stalls: self.stalls,
            interrupted,
            first_flows: self.first_flows,
            sim: self.sim,
        }
    }

    fn command(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Inject { request, reply } => {
                let _ = reply.send(self.inject(&request));
            }
            Cmd::Repair { id, reply } => {
                let _ = reply.send(self.repair(&id));
            }
            Cmd::Pause { reply } => {
                let now = self.sim.now();
                self.pace.pause(now);
                self.publish();
                let _ = reply.send(Ok(()));
            }
            Cmd::Resume { reply } => {
                self.pace.resume(Instant::now());
                self.publish();
                let _ = reply.send(Ok(()));
            }
            Cmd::State { reply } => {
                let _ = reply.send(Ok(self.state()));
            }
            Cmd::Stop => {}
        }
    }

    /// Advances to the next whole millisecond at which no event is pending (so a replay
    /// that scripts the fault at that time runs the same events in the same order) and
    /// returns it; `Finished` past the end of the run.
    fn clean_ms(&mut self) -> Result<SimTime, ControlError> {
        let now = self.sim.now().as_nanos();
        let mut t = now.div_ceil(MS).max(1) * MS;
        loop {
            if t >= self.sim.end().as_nanos() {
                return Err(ControlError::Finished);
            }
            self.sim.run_until(SimTime(t));
            if self.sim.peek() != Some(SimTime(t)) {
                break;
            }
            t += MS;
        }
        self.read_trace();
        self.pace.rebase(Instant::now(), SimTime(t));
        Ok(SimTime(t))
    }

    fn inject(&mut self, request: &serde_json::Value) -> Result<InjectedFault, ControlError> {
        if self.sim.is_finished() {
            return Err(ControlError::Finished);
        }
        let req = scenarios::live::fault_request(&self.scenario, request).map_err(ControlError::Invalid)?;
        if self.sim.fault_list().iter().any(|f| f.id == req.id) {
            return Err(ControlError::Conflict(format!("a fault named `{}` already exists", req.id)));
        }
        let at = self.clean_ms()?;
        let fid = self.sim.inject(&req.id, &req.target, req.action, req.duration).map_err(|e| ControlError::Invalid(e.to_string()))?;
        self.read_trace();
        let f = InjectedFault { id: req.id, target: req.target, at_ns: at.as_nanos(), repaired_ns: None, table: req.table };
        self.injected.push((f.clone(), fid));
        self.publish();
        Ok(f)
    }

    fn repair(&mut self, id: &str) -> Result<InjectedFault, ControlError> {
        let Some(k) = self.injected.iter().position(|(f, _)| f.id == id) else {
            return Err(if self.sim.fault_list().iter().any(|f| f.id == id) {
                ControlError::Conflict(format!(
                    "fault `{id}` is scripted in the scenario and runs as the file says; only injected faults can be repaired"
                ))
            } else {
                ControlError::NotFound(format!("no injected fault named `{id}`"))
            });
        };
        let fid = self.injected[k].1;
        let active = self.sim.fault_list().get(fid.index()).is_some_and(|f| f.active);
        if !active || self.injected[k].0.repaired_ns.is_some() {
            return Err(ControlError::Conflict(format!("fault `{id}` is not active (already repaired or its duration ran out)")));
        }
        let at = self.clean_ms()?;
        self.sim.repair(fid);
        self.read_trace();
        self.injected[k].0.repaired_ns = Some(at.as_nanos());
        self.publish();
        Ok(self.injected[k].0.clone())
    }

    /// Reads the trace records written since the last call: stalls, resumes and aborts of
    /// the proxied flows.
    fn read_trace(&mut self) {
        let records = self.sim.trace().records();
        let ranges: Vec<std::ops::Range<usize>> = self.groups.iter().map(|&g| self.sim.group_flows(GroupId(g as u32))).collect();
        let watched = |f: usize| ranges.iter().any(|r| r.contains(&f));
        for r in &records[self.cursor.min(records.len())..] {
            let f = r.a as usize;
            match r.kind {
                TraceKind::Stall if watched(f) => {
                    let v = self.stalls.entry(f).or_default();
                    if v.last().is_none_or(|s| s.1.is_some()) {
                        v.push((r.t, None));
                    }
                }
                TraceKind::Resume if watched(f) => {
                    if let Some(s) = self.stalls.entry(f).or_default().last_mut().filter(|s| s.1.is_none()) {
                        s.1 = Some(r.t);
                    }
                }
                TraceKind::ConnectionAborted if watched(f) => *self.aborts.entry(f).or_default() += 1,
                _ => {}
            }
        }
        self.cursor = records.len();
    }

    fn snapshot(&self, finished: bool) -> Snapshot {
        let groups = self
            .groups
            .iter()
            .map(|&g| {
                let range = self.sim.group_flows(GroupId(g as u32));
                GroupNow {
                    group: g,
                    first_flow: range.start,
                    flows: range
                        .map(|f| {
                            let path = self.sim.flow_path(f);
                            FlowNow { path, stalled: path.state.is_stalled(), aborts: self.aborts.get(&f).copied().unwrap_or(0) }
                        })
                        .collect(),
                    syn_waits: self.sim.model().groups[g].spec.tcp.syn.waits().to_vec(),
                }
            })
            .collect();
        Snapshot {
            now: self.sim.now(),
            end: self.sim.end(),
            speed: self.pace.speed(),
            paused: self.pace.is_paused(),
            finished,
            wall: Instant::now(),
            groups,
        }
    }

    /// Publishes a snapshot when what the proxies apply changed (the clock alone is
    /// extrapolated from `wall` and `speed`).
    fn publish(&self) {
        let snap = self.snapshot(self.sim.is_finished());
        self.publish.send_if_modified(|old| {
            let same = old.groups == snap.groups && old.paused == snap.paused && old.finished == snap.finished;
            if !same {
                *old = Arc::new(snap);
            }
            !same
        });
    }

    fn publish_final(&self) {
        let snap = self.snapshot(true);
        self.publish.send_replace(Arc::new(snap));
    }

    fn state(&self) -> StateView {
        let m = self.sim.model();
        let links = (0..m.links.len())
            .map(|i| {
                let v = self.sim.link(LinkId(i as u32));
                LinkState {
                    id: v.id,
                    state: v.state.to_string(),
                    session: v.session.map(|s| if s.up == [true, true] { "up".to_string() } else { "down".to_string() }),
                    capacity_bps: v.capacity_bps,
                    load_bps: v.load_bps,
                }
            })
            .collect();
        let faults = self
            .sim
            .fault_list()
            .into_iter()
            .map(|f| FaultState {
                id: f.id,
                kind: f.kind.to_string(),
                target: f.target,
                start_ns: f.start.map(|t| t.as_nanos()),
                end_ns: f.end.map(|t| t.as_nanos()),
                active: f.active,
            })
            .collect();
        let now = self.sim.now();
        StateView {
            scenario: self.scenario.name.clone(),
            seed: self.sim.seed(),
            now_ns: now.as_nanos(),
            now_s: now.as_secs_f64(),
            end_ns: self.sim.end().as_nanos(),
            speed: self.pace.speed(),
            paused: self.pace.is_paused(),
            finished: self.sim.is_finished(),
            fingerprint: format!("{:016x}", self.sim.fingerprint()),
            links,
            faults,
            injected: self.injected.iter().map(|(f, _)| f.clone()).collect(),
            connections: predicted(self.log.connections(), &self.stalls, &self.first_flows, now),
        }
    }
}

/// Fills each connection's predicted stalls: its flow's stalls overlapping the connection's
/// life, clipped to it (stalls still open end at `now`). A connection reset because an end
/// went down is not clipped at the reset: the simulated flow, whose TCP sees only silence,
/// waits on, and the prediction says how long.
fn predicted(
    mut conns: Vec<crate::report::ConnectionReport>,
    stalls: &BTreeMap<usize, Vec<(SimTime, Option<SimTime>)>>,
    first_flows: &BTreeMap<String, usize>,
    now: SimTime,
) -> Vec<crate::report::ConnectionReport> {
    for c in &mut conns {
        let (Some(t), Some(k)) = (&c.traffic, c.flow) else { continue };
        let Some(first) = first_flows.get(t) else { continue };
        let from = SimTime((c.opened_s * 1e9).round() as u64);
        let to = match (c.closed_s, c.ending) {
            (_, crate::report::Ending::ResetEndDown) | (None, _) => now,
            (Some(s), _) => SimTime((s * 1e9).round() as u64),
        };
        c.predicted_stalls = stalls
            .get(&(first + k))
            .into_iter()
            .flatten()
            .filter_map(|&(s, e)| {
                let (s, e) = (s.max(from), e.unwrap_or(now).min(to));
                (e > s).then(|| [s.as_secs_f64(), e.saturating_since(s).as_secs_f64()])
            })
            .collect();
        c.predicted_stall_max_s = c.predicted_stalls.iter().map(|p| p[1]).fold(0.0, f64::max);
    }
    conns
}
