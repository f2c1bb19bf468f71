//! The operator: alarms over metrics, and runbook steps that react to them after a human's
//! delay.
//!
//! An alarm's condition is re-evaluated at the end of every instant; it fires once the
//! condition has held continuously for its `for_` period, and clears when the condition
//! does. A step fires on an alarm, at a time, or after another step, waits its delay (fixed
//! or drawn from the seed per step), then acts. `Operator` owns alarms and steps; it reads
//! traffic and sessions and returns what a step does as [`StepAction`]s for the dispatcher.

use crate::control::ControlPlane;
use crate::events::{Effect, Ev, Outbox};
use crate::model::{Action, AlarmId, Condition, Model, StepId, StepTrig};
use crate::network::Network;
use crate::packet::PacketWorld;
use crate::report::StepFinding;
use crate::rng::Stream;
use crate::scheduler::{Scheduler, TimerId};
use crate::spec::Delay;
use crate::time::SimTime;
use crate::traffic::Traffic;

#[derive(Clone, Debug)]
struct AlarmRt {
    since: Option<SimTime>,
    active: bool,
    timer: TimerId,
    fired: Vec<SimTime>,
}

#[derive(Clone, Debug)]
struct StepRt {
    triggered: Option<SimTime>,
    acted: Option<SimTime>,
    found: Option<StepFinding>,
    rng: Stream,
}

#[derive(Debug, Default)]
pub(crate) struct Operator {
    alarms: Vec<AlarmRt>,
    steps: Vec<StepRt>,
    /// Per alarm, the steps it triggers; per step, the steps `after` it; both in spec order.
    /// An index, so that firing does not scan every step (a 4,000-step chain was quadratic).
    on_alarm: Vec<Vec<usize>>,
    after_step: Vec<Vec<usize>>,
}

impl Operator {
    pub fn new(model: &Model, seed: u64, sched: &mut Scheduler<Ev>) -> Operator {
        let mut op = Operator::default();
        for a in 0..model.alarms.len() {
            let timer = sched.add_timer(Ev::AlarmCheck { alarm: a as u32 });
            op.alarms.push(AlarmRt { since: None, active: false, timer, fired: Vec::new() });
        }
        op.on_alarm = vec![Vec::new(); model.alarms.len()];
        op.after_step = vec![Vec::new(); model.steps.len()];
        for (i, s) in model.steps.iter().enumerate() {
            op.steps.push(StepRt { triggered: None, acted: None, found: None, rng: Stream::derive(seed, &format!("step/{}", s.id)) });
            match s.trigger {
                StepTrig::Alarm(a) => op.on_alarm[a.index()].push(i),
                StepTrig::AfterStep(p) => op.after_step[p.index()].push(i),
                StepTrig::At(_) => {}
            }
        }
        for s in 0..model.steps.len() {
            if let StepTrig::At(t) = model.steps[s].trigger {
                op.trigger_step(model, s, t, sched);
            }
        }
        op
    }

    fn condition_holds(
        c: &Condition,
        model: &Model,
        traffic: &Traffic,
        control: &ControlPlane,
        net: &Network,
        packets: &PacketWorld,
    ) -> bool {
        match c {
            Condition::GroupBelow { group, fraction_ppm, .. } => {
                let g = group.index();
                let gr = &traffic.groups[g];
                let reference = model.groups[g].spec.demand_bps.unwrap_or(gr.peak);
                gr.started && (u128::from(gr.rate) * 1_000_000) < u128::from(reference) * u128::from(*fraction_ppm)
            }
            Condition::Unreachable { group, .. } => {
                let gr = &traffic.groups[group.index()];
                gr.started && gr.rate == 0
            }
            Condition::SessionDown { links, .. } => links.iter().any(|&l| !(control.side_up(net, l, 0) && control.side_up(net, l, 1))),
            // Exact in integers: lost / (delivered + lost) > loss_ppm / 10^6.
            // A packet group: its data packets lost over the alarm's window (its `for`) ÷ those
            // sent (retransmissions included), as of the last 10 ms bin. Single packets are
            // lost, not a share of a rate: a window as long as the alarm waits holds enough
            // of them to tell 2 % from 0 %, and a TCP that loss has slowed to a trickle
            // still fills it.
            Condition::LossAbove { group, loss_ppm, for_ } if traffic.groups[group.index()].packet => {
                let (sent, lost) = packets.loss_window(group.index(), *for_).unwrap_or((0, 0));
                traffic.groups[group.index()].started && sent > 0 && u128::from(lost) * 1_000_000 > u128::from(sent) * u128::from(*loss_ppm)
            }
            Condition::LossAbove { group, loss_ppm, .. } => {
                let gr = &traffic.groups[group.index()];
                let sent = u128::from(gr.rate) + u128::from(gr.loss_rate);
                gr.started && sent > 0 && u128::from(gr.loss_rate) * 1_000_000 > sent * u128::from(*loss_ppm)
            }
            // A packet group: the largest of its flows' latest measured round trips (queueing
            // and delayed ACKs included), as of the last 10 ms bin.
            Condition::LatencyAbove { group, rtt, .. } if traffic.groups[group.index()].packet => {
                traffic.groups[group.index()].started && packets.latest_rtt(group.index()).is_some_and(|r| r > *rtt)
            }
            Condition::LatencyAbove { group, rtt, .. } => {
                let gr = &traffic.groups[group.index()];
                let flows = &traffic.flows[gr.first_flow as usize..(gr.first_flow + gr.n_flows) as usize];
                gr.started && flows.iter().any(|f| f.ok && f.rtt > *rtt)
            }
        }
    }

    /// Re-evaluates every alarm's condition at the end of an instant.
    pub fn check_alarms(
        &mut self,
        model: &Model,
        traffic: &Traffic,
        control: &ControlPlane,
        net: &Network,
        packets: &PacketWorld,
        sched: &mut Scheduler<Ev>,
    ) {
        let now = sched.now();
        for (a, rt) in self.alarms.iter_mut().enumerate() {
            let cond = &model.alarms[a].condition;
            let holds = Self::condition_holds(cond, model, traffic, control, net, packets);
            match (holds, rt.since) {
                (true, None) => {
                    rt.since = Some(now);
                    let (Condition::GroupBelow { for_, .. }
                    | Condition::Unreachable { for_, .. }
                    | Condition::SessionDown { for_, .. }
                    | Condition::LossAbove { for_, .. }
                    | Condition::LatencyAbove { for_, .. }) = *cond;
                    sched.arm(rt.timer, now + for_);
                }
                (false, Some(_)) => {
                    rt.since = None;
                    rt.active = false;
                    sched.cancel(rt.timer);
                }
                _ => {}
            }
        }
    }

    pub fn on_alarm_check(&mut self, model: &Model, a: AlarmId, out: &mut Outbox<'_>) {
        let now = out.now();
        let rt = &mut self.alarms[a.index()];
        if rt.since.is_none() || rt.active {
            return;
        }
        rt.active = true;
        rt.fired.push(now);
        out.emit(Effect::AlarmFired { alarm: a });
        for k in 0..self.on_alarm[a.index()].len() {
            let s = self.on_alarm[a.index()][k];
            self.trigger_step(model, s, now, out.sched);
        }
    }

    /// A step's trigger happened at `at`: it acts after its delay. Each step acts once.
    fn trigger_step(&mut self, model: &Model, s: usize, at: SimTime, sched: &mut Scheduler<Ev>) {
        if self.steps[s].triggered.is_some() {
            return;
        }
        let delay = match model.steps[s].delay {
            Delay::Fixed(d) => d,
            Delay::Uniform { min, max } => self.steps[s].rng.uniform_duration(min, max),
        };
        self.steps[s].triggered = Some(at);
        sched.schedule(at + delay, Ev::StepRun { step: s as u32 });
    }

    /// A step acts: returns its action for the dispatcher to carry out.
    pub fn on_step_run<'m>(&mut self, model: &'m Model, s: StepId, out: &mut Outbox<'_>) -> &'m Action {
        let now = out.now();
        self.steps[s.index()].acted = Some(now);
        out.emit(Effect::StepActed { step: s });
        for k in 0..self.after_step[s.index()].len() {
            let t = self.after_step[s.index()][k];
            self.trigger_step(model, t, now, out.sched);
        }
        &model.steps[s.index()].action
    }

    pub fn alarm_fired(&self, a: usize) -> &[SimTime] {
        &self.alarms[a].fired
    }

    /// (triggered, acted) of a step.
    pub fn step_times(&self, s: usize) -> (Option<SimTime>, Option<SimTime>) {
        (self.steps[s].triggered, self.steps[s].acted)
    }

    /// The step's action found its work already done (see [`StepFinding`]).
    pub fn note_finding(&mut self, s: StepId, found: StepFinding) {
        self.steps[s.index()].found = Some(found);
    }

    pub fn step_finding(&self, s: usize) -> Option<StepFinding> {
        self.steps[s].found
    }
}
