//! Alarms over metrics, and runbook steps that react to them after a human's delay.
//!
//! An alarm's condition is re-evaluated after every event; it fires once the condition has
//! held continuously for its `for_` period, and clears when the condition does. A step
//! fires on an alarm, at a time, or after another step, waits its delay (fixed or drawn
//! from the seed per step), then acts on the simulation like an operator would.

use crate::model::{Action, Condition, StepTrig};
use crate::rng::Stream;
use crate::scheduler::TimerId;
use crate::sim::{Ev, Simulation};
use crate::spec::Delay;
use crate::time::SimTime;
use crate::trace::TraceKind;

#[derive(Clone, Debug)]
pub(crate) struct AlarmRt {
    pub since: Option<SimTime>,
    pub active: bool,
    pub timer: TimerId,
    pub fired: Vec<SimTime>,
}

#[derive(Clone, Debug)]
pub(crate) struct StepRt {
    pub triggered: Option<SimTime>,
    pub acted: Option<SimTime>,
    pub rng: Stream,
}

impl Simulation {
    pub(crate) fn init_runbook(&mut self) {
        for a in 0..self.model.alarms.len() {
            let timer = self.sched.add_timer(Ev::AlarmCheck { alarm: a as u32 });
            self.alarms.push(AlarmRt { since: None, active: false, timer, fired: Vec::new() });
        }
        for s in 0..self.model.steps.len() {
            let rng = Stream::derive(self.seed, &format!("step/{}", self.model.steps[s].id));
            self.steps.push(StepRt { triggered: None, acted: None, rng });
        }
        for s in 0..self.model.steps.len() {
            if let StepTrig::At(t) = self.model.steps[s].trigger {
                self.trigger_step(s, t);
            }
        }
    }

    fn condition_holds(&self, c: &Condition) -> bool {
        match c {
            Condition::GroupBelow { group, fraction_ppm, .. } => {
                let g = group.index();
                let gr = &self.flows.groups[g];
                let reference = self.model.groups[g].spec.demand_bps.unwrap_or(gr.peak);
                gr.started && (u128::from(gr.rate) * 1_000_000) < u128::from(reference) * u128::from(*fraction_ppm)
            }
            Condition::Unreachable { group, .. } => {
                let gr = &self.flows.groups[group.index()];
                gr.started && gr.rate == 0
            }
            Condition::SessionDown { links, .. } => links.iter().any(|l| !(self.side_up(l.0, 0) && self.side_up(l.0, 1))),
        }
    }

    pub(crate) fn check_alarms(&mut self) {
        self.flows.changed_groups.clear();
        let now = self.now();
        for a in 0..self.alarms.len() {
            let holds = self.condition_holds(&self.model.alarms[a].condition);
            let rt = &mut self.alarms[a];
            match (holds, rt.since) {
                (true, None) => {
                    rt.since = Some(now);
                    let for_ = match self.model.alarms[a].condition {
                        Condition::GroupBelow { for_, .. } | Condition::Unreachable { for_, .. } | Condition::SessionDown { for_, .. } => {
                            for_
                        }
                    };
                    let t = rt.timer;
                    self.sched.arm(t, now + for_);
                }
                (false, Some(_)) => {
                    rt.since = None;
                    rt.active = false;
                    let t = rt.timer;
                    self.sched.cancel(t);
                }
                _ => {}
            }
        }
    }

    pub(crate) fn on_alarm_check(&mut self, a: u32) {
        let now = self.now();
        let rt = &mut self.alarms[a as usize];
        if rt.since.is_none() || rt.active {
            return;
        }
        rt.active = true;
        rt.fired.push(now);
        self.trace.record(now, TraceKind::Alarm, a, 0, 0);
        for s in 0..self.model.steps.len() {
            if matches!(self.model.steps[s].trigger, StepTrig::Alarm(id) if id.0 == a) {
                self.trigger_step(s, now);
            }
        }
    }

    /// A step's trigger happened at `at`: it acts after its delay. Each step acts once.
    fn trigger_step(&mut self, s: usize, at: SimTime) {
        if self.steps[s].triggered.is_some() {
            return;
        }
        let delay = match self.model.steps[s].delay {
            Delay::Fixed(d) => d,
            Delay::Uniform { min, max } => self.steps[s].rng.uniform_duration(min, max),
        };
        self.steps[s].triggered = Some(at);
        self.sched.schedule(at + delay, Ev::StepRun { step: s as u32 });
    }

    pub(crate) fn on_step_run(&mut self, s: u32) {
        let now = self.now();
        let si = s as usize;
        self.steps[si].acted = Some(now);
        self.trace.record(now, TraceKind::Step, s, 0, 0);
        match self.model.steps[si].action.clone() {
            Action::Shift(shifts) => {
                for (g, route) in shifts {
                    self.shift_group(g.index(), route);
                }
            }
            Action::Drain(l) => {
                self.change_link(l.0, |st| st.drained += 1);
                self.routing_changed(l.0);
            }
            Action::Prefer(l, attrs) => {
                self.model.links[l.index()].spec.route = [attrs, attrs];
                self.routing_changed(l.0);
            }
        }
        for t in 0..self.model.steps.len() {
            if matches!(self.model.steps[t].trigger, StepTrig::AfterStep(id) if id.0 == s) {
                self.trigger_step(t, now);
            }
        }
    }
}
