//! Fault injection and repair, and the evidence each fault leaves.
//!
//! A fault acts on the links (and, for a site, the workloads) of its target by adding a
//! cause to their state; repair removes it. `change_link` compares the link before and after
//! and propagates exactly what changed: carrier to the control plane, delivery and quality to
//! forwarding and flows. The most recently started fault owns the "window" to which detection,
//! convergence, blackhole time and losses are attributed.

use crate::link::LinkState;
use crate::model::{Element, Fault, FaultId, FaultTrigger};
use crate::rng::Stream;
use crate::sim::{Ev, FaultRt, Simulation};
use crate::spec::{Direction, FaultAction};
use crate::time::{SimDuration, SimTime};
use crate::trace::TraceKind;

/// A random failure process over the elements of one class.
#[derive(Clone, Debug)]
pub(crate) struct RandomRt {
    pub streams: Vec<Stream>,
    pub started: u32,
}

fn fingerprint(s: &LinkState) -> (bool, bool, bool, u32, u32, u64, &'static str) {
    (s.carrier(), s.delivers(0), s.delivers(1), s.loss_ppm(), s.capacity_ppm(), s.extra_delay().as_nanos(), s.label())
}

impl Simulation {
    pub(crate) fn init_faults(&mut self) {
        for (i, f) in self.model.faults.iter().enumerate() {
            if let FaultTrigger::At(t) = f.trigger {
                self.sched.schedule(t, Ev::FaultStart { fault: i as u32 });
            }
        }
        for (p, r) in self.model.random_faults.iter().enumerate() {
            let mut streams = Vec::with_capacity(r.elements.len());
            for (e, el) in r.elements.iter().enumerate() {
                let mut s = Stream::derive(self.seed, &format!("random/{}/{}", r.spec.id, self.model.element_name(*el)));
                let first = s.exponential(r.spec.mtbf);
                streams.push(s);
                self.sched.schedule(SimTime::ZERO + first, Ev::RandomFail { process: p as u32, element: e as u32 });
            }
            self.random.push(RandomRt { streams, started: 0 });
        }
    }

    /// Applies `mutate` to link `l` and propagates whatever changed.
    pub(crate) fn change_link(&mut self, l: u32, mutate: impl FnOnce(&mut LinkState)) {
        let now = self.now();
        let li = l as usize;
        let before = fingerprint(&self.links[li]);
        mutate(&mut self.links[li]);
        let after = fingerprint(&self.links[li]);
        if before.6 != after.6 {
            self.trace.record(now, TraceKind::LinkState, l, label_code(after.6), 0);
        }
        if let Some(f) = self.applying
            && before != after
        {
            // Only a fault that changed the link becomes the cause of what follows on it.
            self.link_cause[li] = Some(f);
            self.faults[f.index()].links_changed += 1;
        }
        for dir in 0..2 {
            let (was, is) = if dir == 0 { (before.1, after.1) } else { (before.2, after.2) };
            // A direction that stops delivering loses what is on it; so does one whose line
            // rate changes (the queue was timed at the old rate: a line-card reconfiguration).
            if (was && !is) || before.4 != after.4 {
                self.wire_broken(li * 2 + dir);
            }
        }
        if before.0 && !after.0 {
            self.carrier_down(l);
        } else if !before.0 && after.0 {
            self.carrier_up(l);
        }
        if before != after {
            let a = self.model.links[li].adjacency.index();
            self.recount_broken(a);
            self.repath_adjacency(a);
        }
    }

    fn open_window(&mut self, f: FaultId) {
        let now = self.now();
        self.window = Some(f);
        let rt = &mut self.faults[f.index()];
        rt.start = Some(now);
        rt.active = true;
        if self.broken_routes > 0 {
            // A blackhole already in progress counts towards the new window from now on.
            if let Some(since) = self.broken_since {
                self.broken_since = Some(since.max(now));
            }
        }
    }

    pub(crate) fn on_fault_start(&mut self, f: FaultId) {
        let now = self.now();
        if self.faults[f.index()].start.is_some() {
            return;
        }
        self.settle_all(now);
        if let (Some(_), Some(since)) = (self.window, self.broken_since) {
            // Close the previous window's blackhole interval at the boundary.
            self.note_blackhole(since, now);
            self.broken_since = Some(now);
        }
        self.open_window(f);
        self.trace.record(now, TraceKind::Fault, f.0, 1, 0);
        let def = self.faults[f.index()].def.clone();
        self.apply(f, &def, true);
        if let Some(d) = def.duration
            && !matches!(def.action, FaultAction::Flap { .. } | FaultAction::BgpReset)
        {
            self.sched.schedule(now + d, Ev::FaultEnd { fault: f.0 });
        }
        // Faults triggered `after` this one.
        for (i, other) in self.model.faults.iter().enumerate() {
            if let FaultTrigger::After { fault, delay } = other.trigger
                && fault == f
            {
                self.sched.schedule(now + delay, Ev::FaultStart { fault: i as u32 });
            }
        }
    }

    pub(crate) fn on_fault_end(&mut self, f: FaultId) {
        let now = self.now();
        let rt = &self.faults[f.index()];
        if !rt.active {
            return;
        }
        self.faults[f.index()].active = false;
        self.faults[f.index()].end = Some(now);
        if self.window == Some(f) {
            // Effects with no known cause go to the latest fault still in force, or nowhere.
            self.window = (0..self.faults.len())
                .filter(|&i| self.faults[i].active && self.faults[i].start.is_some())
                .max_by_key(|&i| (self.faults[i].start, i))
                .map(|i| FaultId(i as u32));
        }
        self.trace.record(now, TraceKind::Fault, f.0, 0, 0);
        let def = self.faults[f.index()].def.clone();
        self.apply(f, &def, false);
    }

    /// Starts (`on`) or repairs a fault's effect on its target.
    fn apply(&mut self, f: FaultId, def: &Fault, on: bool) {
        let outer = self.applying.replace(f);
        self.apply_inner(f, def, on);
        self.applying = outer;
    }

    fn apply_inner(&mut self, f: FaultId, def: &Fault, on: bool) {
        let links = self.model.links_of(def.target);
        let delta = |c: &mut u32| {
            if on { *c += 1 } else { *c = c.saturating_sub(1) }
        };
        match def.action {
            FaultAction::Down => {
                match def.target {
                    Element::Site(s) => self.set_site(s.index(), on),
                    Element::Endpoint(e) => self.set_endpoint(e.index(), on),
                    _ => {}
                }
                for l in links {
                    self.change_link(l.0, |st| delta(&mut st.down));
                }
            }
            FaultAction::Blackhole => {
                for l in links {
                    self.change_link(l.0, |st| {
                        delta(&mut st.blackhole[0]);
                        delta(&mut st.blackhole[1]);
                    });
                }
            }
            FaultAction::Partition(dir) => {
                for l in links {
                    self.change_link(l.0, |st| match dir {
                        Direction::AToB => delta(&mut st.blackhole[0]),
                        Direction::BToA => delta(&mut st.blackhole[1]),
                        Direction::Both => {
                            delta(&mut st.blackhole[0]);
                            delta(&mut st.blackhole[1]);
                        }
                    });
                }
            }
            FaultAction::Degrade(d) => {
                for l in links {
                    self.change_link(l.0, |st| {
                        if on {
                            st.degradations.push((f.0, d));
                        } else {
                            st.degradations.retain(|(id, _)| *id != f.0);
                        }
                    });
                }
            }
            FaultAction::Flap { .. } => {
                if on {
                    self.on_flap_toggle(f, 0);
                } else if self.faults[f.index()].flap_down {
                    self.faults[f.index()].flap_down = false;
                    for l in links {
                        self.change_link(l.0, |st| st.down = st.down.saturating_sub(1));
                    }
                }
            }
            FaultAction::BgpReset => {
                if on {
                    for l in links {
                        self.link_cause[l.index()] = Some(f);
                        self.reset_session(l.0);
                    }
                }
            }
            FaultAction::BfdDisable => {
                for l in links {
                    self.link_cause[l.index()] = Some(f);
                    self.set_bfd_disabled(l.0, on);
                }
            }
            FaultAction::Drain { wait } => {
                if on {
                    for &l in &links {
                        self.change_link(l.0, |st| st.drained += 1);
                        // A drain on an already degraded or down link changes no delivery
                        // state, but what follows on the link is still its doing.
                        self.link_cause[l.index()] = Some(f);
                        self.routing_changed(l.0);
                    }
                    self.sched.schedule(self.now() + wait, Ev::DrainDown { fault: f.0 });
                } else {
                    let was_down = std::mem::take(&mut self.faults[f.index()].drain_down);
                    for &l in &links {
                        self.change_link(l.0, |st| {
                            if was_down {
                                st.down = st.down.saturating_sub(1);
                            }
                            st.drained = st.drained.saturating_sub(1);
                        });
                        self.routing_changed(l.0);
                    }
                }
            }
        }
    }

    fn set_site(&mut self, s: usize, down: bool) {
        let c = &mut self.site_down[s];
        *c = if down { *c + 1 } else { c.saturating_sub(1) };
        let groups: Vec<usize> =
            (0..self.model.groups.len()).filter(|&g| self.model.groups[g].route.sites.iter().any(|x| x.index() == s)).collect();
        self.workloads_changed(&groups, down);
    }

    fn set_endpoint(&mut self, e: usize, down: bool) {
        let c = &mut self.endpoint_down[e];
        *c = if down { *c + 1 } else { c.saturating_sub(1) };
        let groups: Vec<usize> = (0..self.model.groups.len())
            .filter(|&g| self.model.groups[g].route.ends.iter().any(|x| x.is_some_and(|x| x.index() == e)))
            .collect();
        self.workloads_changed(&groups, down);
    }

    /// A site or endpoint the groups depend on went down (or came back): take the RPO of
    /// replication traffic at the moment of loss, stop or restart the writes, re-check flows.
    fn workloads_changed(&mut self, groups: &[usize], down: bool) {
        let now = self.now();
        for &g in groups {
            self.settle_group(g, now);
            if down && self.model.groups[g].spec.replication && self.flows.groups[g].rpo.is_none() {
                let gr = &self.flows.groups[g];
                // Data written but not yet acknowledged by the replica when the site is lost:
                // the backlog the network did not carry, plus what was in flight.
                let unreplicated = gr.offered.saturating_sub(gr.delivered + gr.window) + gr.window;
                self.flows.groups[g].rpo = Some((now, unreplicated));
            }
            self.update_offered(g);
            if self.flows.groups[g].packet {
                continue;
            }
            let (first, n) = (self.flows.groups[g].first_flow, self.flows.groups[g].n_flows);
            for fl in first..first + n {
                self.refresh_flow(fl);
            }
        }
    }

    pub(crate) fn on_flap_toggle(&mut self, f: FaultId, phase: u32) {
        let outer = self.applying.replace(f);
        self.flap_toggle(f, phase);
        self.applying = outer;
    }

    fn flap_toggle(&mut self, f: FaultId, phase: u32) {
        let now = self.now();
        let FaultAction::Flap { period, up_ppm, count } = self.fault_action(f) else { return };
        if !self.faults[f.index()].active {
            return;
        }
        let links = self.model.links_of(self.faults[f.index()].def.target);
        let down_phase = phase.is_multiple_of(2);
        let up_time = SimDuration((u128::from(period.as_nanos()) * u128::from(up_ppm) / 1_000_000) as u64);
        let down_time = SimDuration(period.as_nanos() - up_time.as_nanos());
        if down_phase {
            self.faults[f.index()].flap_down = true;
            for &l in &links {
                self.change_link(l.0, |st| st.down += 1);
            }
            self.sched.schedule(now + down_time, Ev::FlapToggle { fault: f.0, phase: phase + 1 });
        } else {
            self.faults[f.index()].flap_down = false;
            for &l in &links {
                self.change_link(l.0, |st| st.down = st.down.saturating_sub(1));
            }
            if phase + 1 >= count * 2 {
                self.on_fault_end(f);
            } else {
                self.sched.schedule(now + up_time, Ev::FlapToggle { fault: f.0, phase: phase + 1 });
            }
        }
    }

    pub(crate) fn on_drain_down(&mut self, f: FaultId) {
        if !self.faults[f.index()].active {
            return;
        }
        let outer = self.applying.replace(f);
        self.faults[f.index()].drain_down = true;
        for l in self.model.links_of(self.faults[f.index()].def.target) {
            self.change_link(l.0, |st| st.down += 1);
        }
        self.applying = outer;
    }

    pub(crate) fn on_random_fail(&mut self, p: u32, e: u32) {
        let now = self.now();
        let (pi, ei) = (p as usize, e as usize);
        let spec = self.model.random_faults[pi].spec.clone();
        if spec.max_faults > 0 && self.random[pi].started >= spec.max_faults {
            return;
        }
        let target = self.model.random_faults[pi].elements[ei];
        let repair = self.random[pi].streams[ei].exponential(spec.mttr).max(SimDuration::from_millis(1));
        let next = self.random[pi].streams[ei].exponential(spec.mtbf);
        self.random[pi].started += 1;
        let def = Fault {
            id: format!("{}#{}", spec.id, self.random[pi].started),
            target,
            target_name: self.model.element_name(target).to_string(),
            action: spec.action,
            trigger: FaultTrigger::At(now),
            duration: Some(repair),
        };
        let id = FaultId(self.faults.len() as u32);
        self.faults.push(FaultRt::new(def));
        self.on_fault_start(id);
        self.sched.schedule(now + repair + next, Ev::RandomFail { process: p, element: e });
    }

    /// Injects a fault now, by hand (the TUI) or from an embedding program. It behaves exactly
    /// like a scripted fault whose `at` is the current time, and is recorded like one.
    pub fn inject(
        &mut self,
        id: &str,
        target: &str,
        action: crate::spec::FaultAction,
        duration: Option<crate::time::SimDuration>,
    ) -> Result<crate::model::FaultId, crate::model::BuildError> {
        let owner = format!("fault `{id}`");
        let element = self.model.element(target).ok_or_else(|| crate::model::BuildError::Unknown {
            owner: owner.clone(),
            wanted: "fault target",
            name: target.to_string(),
            nearest: crate::model::nearest(target, self.model.ids().map(|(n, _)| n)),
        })?;
        crate::model::check_action(&owner, &action, element, target)?;
        if self.faults.iter().any(|f| f.def.id == id) {
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
        let fid = crate::model::FaultId(self.faults.len() as u32);
        self.faults.push(crate::sim::FaultRt::new(def));
        self.on_fault_start(fid);
        self.flush();
        Ok(fid)
    }

    /// Repairs an injected or scripted fault now.
    pub fn repair(&mut self, fault: crate::model::FaultId) {
        if fault.index() < self.faults.len() {
            self.on_fault_end(fault);
            self.flush();
        }
    }

    // Evidence hooks, called where the effect happens. Each names its cause when it can
    // (the fault that last changed the link involved) and falls back to the open window.

    fn cause_of(&self, link: Option<u32>) -> Option<FaultId> {
        link.and_then(|l| self.link_cause[l as usize]).or(self.window)
    }

    pub(crate) fn note_session_down(&mut self, link: u32) {
        let now = self.now();
        if let Some(w) = self.cause_of(Some(link)) {
            let rt = &mut self.faults[w.index()];
            // After the repair, a session going down is no longer this fault's doing.
            if rt.active {
                rt.sessions_down += 1;
                if rt.detect.is_none() {
                    rt.detect = Some(now);
                }
            }
        }
    }

    pub(crate) fn note_fib_change(&mut self, cause: Option<FaultId>) {
        let now = self.now();
        if let Some(w) = cause.or(self.window) {
            let rt = &mut self.faults[w.index()];
            // Forwarding changes after the repair are the network healing, not converging.
            if rt.active {
                rt.last_fib = Some(now);
            }
        }
    }

    pub(crate) fn note_flows_moved(&mut self, cause: Option<FaultId>, n: u64) {
        if let Some(w) = cause.or(self.window) {
            self.faults[w.index()].flows_moved += n;
        }
    }

    pub(crate) fn note_lost(&mut self, bits_ns: u128) {
        self.note_lost_on(None, bits_ns);
    }

    /// Bytes lost because `link` failed (or, without a link, lost to the open window).
    pub(crate) fn note_lost_on(&mut self, link: Option<u32>, bits_ns: u128) {
        if let Some(w) = self.cause_of(link) {
            self.faults[w.index()].lost_bits += bits_ns;
        }
    }

    pub(crate) fn note_blackhole(&mut self, since: SimTime, now: SimTime) {
        if let Some(w) = self.window {
            let rt = &mut self.faults[w.index()];
            let from = since.max(rt.start.unwrap_or(since));
            rt.blackhole_ns += now.saturating_since(from).as_nanos();
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
