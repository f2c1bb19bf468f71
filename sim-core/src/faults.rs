//! The fault schedule: scripted faults, flap and drain sequencing, random MTBF/MTTR
//! processes, and faults injected at run time.
//!
//! `Faults` owns each fault's lifecycle (started, in force, repaired) and nothing else. It
//! does not touch links: it returns the [`Op`]s that start or repair a fault's effect, and
//! the dispatcher applies them to the network, the control plane and traffic. What a fault
//! *did* (detection, convergence, loss…) is attribution's business, not this file's.

use crate::events::{Effect, Ev, Outbox};
use crate::link::{CauseEffect, LinkCause};
use crate::model::{Element, EndpointId, Fault, FaultId, FaultTrigger, LinkId, Model, SiteId};
use crate::rng::Stream;
use crate::scheduler::Scheduler;
use crate::spec::{Direction, FaultAction};
use crate::time::{SimDuration, SimTime};

/// One change a fault makes to the rest of the simulation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Op {
    /// Add (`on`) or remove a cause on a link.
    Link {
        link: LinkId,
        cause: LinkCause,
        on: bool,
    },
    Site {
        site: SiteId,
        fault: FaultId,
        on: bool,
    },
    Endpoint {
        endpoint: EndpointId,
        fault: FaultId,
        on: bool,
    },
    /// Reset the BGP session on a link.
    Reset {
        link: LinkId,
        fault: FaultId,
    },
    /// Switch BFD off (`on`) or back on.
    Bfd {
        link: LinkId,
        fault: FaultId,
        on: bool,
    },
    /// Route preference over a link changed: a drain's prepend (crediting the drain), or its
    /// removal at repair (crediting no one).
    Preference {
        link: LinkId,
        fault: Option<FaultId>,
    },
}

/// A fault's lifecycle.
#[derive(Clone, Debug)]
pub(crate) struct FaultRt {
    pub def: Fault,
    pub start: Option<SimTime>,
    pub end: Option<SimTime>,
    pub active: bool,
    flap_down: bool,
    drain_down: bool,
}

impl FaultRt {
    fn new(def: Fault) -> FaultRt {
        FaultRt { def, start: None, end: None, active: false, flap_down: false, drain_down: false }
    }
    /// A fault that acts once and is over at the instant it starts (a BGP reset).
    pub fn is_instant(&self) -> bool {
        matches!(self.def.action, FaultAction::BgpReset)
    }
}

/// A random failure process over the elements of one class.
#[derive(Clone, Debug)]
struct RandomRt {
    streams: Vec<Stream>,
    started: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    faults: Vec<FaultRt>,
    random: Vec<RandomRt>,
    /// Per scripted fault, the faults triggered `after` it, in spec order: an index, so a
    /// start does not scan every fault (a 4,000-fault chain was quadratic).
    after: Vec<Vec<u32>>,
}

impl Faults {
    pub fn new(model: &Model, seed: u64, sched: &mut Scheduler<Ev>) -> Faults {
        let mut after = vec![Vec::new(); model.faults.len()];
        for (i, f) in model.faults.iter().enumerate() {
            match f.trigger {
                FaultTrigger::At(t) => sched.schedule(t, Ev::FaultStart { fault: i as u32 }),
                FaultTrigger::After { fault, .. } => after[fault.index()].push(i as u32),
            }
        }
        let mut fs = Faults { faults: model.faults.iter().cloned().map(FaultRt::new).collect(), random: Vec::new(), after };
        for (p, r) in model.random_faults.iter().enumerate() {
            let mut streams = Vec::with_capacity(r.elements.len());
            for (e, el) in r.elements.iter().enumerate() {
                let mut s = Stream::derive(seed, &format!("random/{}/{}", r.spec.id, model.element_name(*el)));
                let first = s.exponential(r.spec.mtbf);
                streams.push(s);
                sched.schedule(SimTime::ZERO + first, Ev::RandomFail { process: p as u32, element: e as u32 });
            }
            fs.random.push(RandomRt { streams, started: 0 });
        }
        fs
    }

    pub fn all(&self) -> &[FaultRt] {
        &self.faults
    }

    pub fn get(&self, f: FaultId) -> &FaultRt {
        &self.faults[f.index()]
    }

    pub fn len(&self) -> usize {
        self.faults.len()
    }

    /// Adds a fault created at run time (random or injected); it starts when started.
    pub fn add(&mut self, def: Fault) -> FaultId {
        let id = FaultId(self.faults.len() as u32);
        self.faults.push(FaultRt::new(def));
        id
    }

    pub fn on_fault_start(&mut self, f: FaultId, model: &Model, out: &mut Outbox<'_>, ops: &mut Vec<Op>) {
        let now = out.now();
        let rt = &mut self.faults[f.index()];
        if rt.start.is_some() {
            return;
        }
        rt.start = Some(now);
        rt.active = true;
        out.emit(Effect::FaultStarted { fault: f });
        let def = rt.def.clone();
        self.apply(f, &def, true, model, out, ops);
        if self.faults[f.index()].is_instant() {
            // A reset is over the moment it is done; what it set in motion is its effect.
            let rt = &mut self.faults[f.index()];
            rt.active = false;
            rt.end = Some(now);
            out.emit(Effect::FaultEnded { fault: f });
        } else if let Some(d) = def.duration
            && !matches!(def.action, FaultAction::Flap { .. })
        {
            out.sched.schedule(now + d, Ev::FaultEnd { fault: f.0 });
        }
        // Faults triggered `after` this one (a fault added at run time has none).
        for &i in self.after.get(f.index()).map_or(&[][..], Vec::as_slice) {
            if let FaultTrigger::After { delay, .. } = model.faults[i as usize].trigger {
                out.sched.schedule(now + delay, Ev::FaultStart { fault: i });
            }
        }
    }

    pub fn on_fault_end(&mut self, f: FaultId, model: &Model, out: &mut Outbox<'_>, ops: &mut Vec<Op>) {
        let now = out.now();
        let rt = &mut self.faults[f.index()];
        if !rt.active {
            return;
        }
        rt.active = false;
        rt.end = Some(now);
        out.emit(Effect::FaultEnded { fault: f });
        let def = rt.def.clone();
        self.apply(f, &def, false, model, out, ops);
    }

    /// The ops that start (`on`) or repair a fault's effect on its target.
    fn apply(&mut self, f: FaultId, def: &Fault, on: bool, model: &Model, out: &mut Outbox<'_>, ops: &mut Vec<Op>) {
        let links = model.links_of(def.target);
        let cause = |effect| LinkCause { fault: Some(f), effect };
        match def.action {
            FaultAction::Down => {
                match def.target {
                    Element::Site(site) => ops.push(Op::Site { site, fault: f, on }),
                    Element::Endpoint(endpoint) => ops.push(Op::Endpoint { endpoint, fault: f, on }),
                    _ => {}
                }
                ops.extend(links.iter().map(|&link| Op::Link { link, cause: cause(CauseEffect::Down), on }));
            }
            FaultAction::Blackhole => {
                ops.extend(links.iter().map(|&link| Op::Link { link, cause: cause(CauseEffect::Blackhole([true, true])), on }));
            }
            FaultAction::Partition(dir) => {
                let d = match dir {
                    Direction::AToB => [true, false],
                    Direction::BToA => [false, true],
                    Direction::Both => [true, true],
                };
                ops.extend(links.iter().map(|&link| Op::Link { link, cause: cause(CauseEffect::Blackhole(d)), on }));
            }
            FaultAction::Degrade(d) => {
                ops.extend(links.iter().map(|&link| Op::Link { link, cause: cause(CauseEffect::Degrade(d)), on }));
            }
            FaultAction::Flap { .. } => {
                if on {
                    self.on_flap_toggle(f, 0, model, out, ops);
                } else if std::mem::take(&mut self.faults[f.index()].flap_down) {
                    ops.extend(links.iter().map(|&link| Op::Link { link, cause: cause(CauseEffect::Down), on: false }));
                }
            }
            FaultAction::BgpReset => {
                if on {
                    ops.extend(links.iter().map(|&link| Op::Reset { link, fault: f }));
                }
            }
            FaultAction::BfdDisable => {
                ops.extend(links.iter().map(|&link| Op::Bfd { link, fault: f, on }));
            }
            FaultAction::Drain { wait } => {
                if on {
                    for &link in &links {
                        ops.push(Op::Link { link, cause: cause(CauseEffect::Drain), on: true });
                        ops.push(Op::Preference { link, fault: Some(f) });
                    }
                    out.sched.schedule(out.now() + wait, Ev::DrainDown { fault: f.0 });
                } else {
                    let was_down = std::mem::take(&mut self.faults[f.index()].drain_down);
                    for &link in &links {
                        if was_down {
                            ops.push(Op::Link { link, cause: cause(CauseEffect::Down), on: false });
                        }
                        ops.push(Op::Link { link, cause: cause(CauseEffect::Drain), on: false });
                        ops.push(Op::Preference { link, fault: None });
                    }
                }
            }
        }
    }

    pub fn on_flap_toggle(&mut self, f: FaultId, phase: u32, model: &Model, out: &mut Outbox<'_>, ops: &mut Vec<Op>) {
        let now = out.now();
        let FaultAction::Flap { period, up_ppm, count } = self.faults[f.index()].def.action else { return };
        if !self.faults[f.index()].active {
            return;
        }
        let links = model.links_of(self.faults[f.index()].def.target);
        let down = LinkCause { fault: Some(f), effect: CauseEffect::Down };
        let up_time = SimDuration((u128::from(period.as_nanos()) * u128::from(up_ppm) / 1_000_000) as u64);
        let down_time = SimDuration(period.as_nanos() - up_time.as_nanos());
        if phase.is_multiple_of(2) {
            self.faults[f.index()].flap_down = true;
            ops.extend(links.iter().map(|&link| Op::Link { link, cause: down, on: true }));
            out.sched.schedule(now + down_time, Ev::FlapToggle { fault: f.0, phase: phase + 1 });
        } else {
            self.faults[f.index()].flap_down = false;
            ops.extend(links.iter().map(|&link| Op::Link { link, cause: down, on: false }));
            if phase + 1 >= count * 2 {
                self.on_fault_end(f, model, out, ops);
            } else {
                out.sched.schedule(now + up_time, Ev::FlapToggle { fault: f.0, phase: phase + 1 });
            }
        }
    }

    pub fn on_drain_down(&mut self, f: FaultId, model: &Model, ops: &mut Vec<Op>) {
        if !self.faults[f.index()].active {
            return;
        }
        self.faults[f.index()].drain_down = true;
        let down = LinkCause { fault: Some(f), effect: CauseEffect::Down };
        ops.extend(model.links_of(self.faults[f.index()].def.target).into_iter().map(|link| Op::Link { link, cause: down, on: true }));
    }

    /// A random process's element fails: a new fault, repaired after a drawn MTTR.
    pub fn on_random_fail(&mut self, p: u32, e: u32, model: &Model, out: &mut Outbox<'_>, ops: &mut Vec<Op>) {
        let now = out.now();
        let (pi, ei) = (p as usize, e as usize);
        let spec = &model.random_faults[pi].spec;
        if spec.max_faults > 0 && self.random[pi].started >= spec.max_faults {
            return;
        }
        let target = model.random_faults[pi].elements[ei];
        let repair = self.random[pi].streams[ei].exponential(spec.mttr).max(SimDuration::from_millis(1));
        let next = self.random[pi].streams[ei].exponential(spec.mtbf);
        self.random[pi].started += 1;
        let def = Fault {
            id: format!("{}#{}", spec.id, self.random[pi].started),
            target,
            target_name: model.element_name(target).to_string(),
            action: spec.action,
            trigger: FaultTrigger::At(now),
            duration: Some(repair),
        };
        let id = self.add(def);
        self.on_fault_start(id, model, out, ops);
        out.sched.schedule(now + repair + next, Ev::RandomFail { process: p, element: e });
    }
}
