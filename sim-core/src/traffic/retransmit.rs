//! A fluid flow's TCP through a broken path and back: the stall, the tail loss probe, the
//! retransmission timeouts on the host's timer clock, giving the connection up, SYNs, the
//! repair after the path returns, and the window's regrowth.
//!
//! Every timing comes from a pure function of `crate::tcp`; this file only sequences them
//! and keeps the ledger. It touches only the flows, their groups and their timers.

use super::{NS, TcpState, Traffic, World};
use crate::events::{Broken, Effect, Outbox};
use crate::model::GroupId;
use crate::routing::mix64;
use crate::tcp::{self, growth, probe, repair, rto, wheel};
use crate::time::{SimDuration, SimTime};

/// Until when a path that works again finds the flow's ACK clock running: data sent before
/// the break is still to arrive (its one-way trip plus the standing queue), so ACKs follow.
fn ack_clock_until(fl: &super::Flow, now: SimTime) -> SimTime {
    now + SimDuration(fl.srtt(now).0.as_nanos() / 2) + fl.standing
}

/// Bytes of the window a flow has out at `rate` bits per second over `rtt`.
fn window_bytes(rate: u64, rtt: SimDuration) -> u64 {
    (u128::from(rate) * u128::from(rtt.as_nanos()) / (8 * NS)) as u64
}

impl Traffic {
    /// When a timeout of `wait`, armed now on the host of group `g`, really fires.
    fn fire_at(&self, w: World<'_>, g: usize, now: SimTime, wait: SimDuration) -> SimTime {
        wheel::fire_at(w.model.groups[g].spec.tcp.clock, self.phases[g], now, wait)
    }

    /// The path stopped working: what was in flight is decided at the end of the instant,
    /// and so is the first timer (`settle_stalls`), timed from the last ACK (ACKs already on
    /// their way still come in, tcp-timing §1).
    pub(super) fn stall(&mut self, f: u32, w: World<'_>, out: &mut Outbox<'_>) {
        let now = out.now();
        let fi = f as usize;
        let g = self.flows[fi].group as usize;
        let tcp = Self::tcp(w, g);
        self.groups[g].settle(now);
        let fl = &mut self.flows[fi];
        let broken = fl.broken.unwrap_or(Broken::End { end: 0 });
        let (path_rtt, rttvar) = fl.srtt(now);
        let srtt = path_rtt + fl.standing;
        let base = tcp::rto(&tcp, srtt, rttvar);
        // The window the sender had: what limited it, or what it carried over srtt.
        let cwnd = match fl.state {
            TcpState::Repairing { w_max, .. } => w_max,
            s => s.cwnd().unwrap_or(0).max(window_bytes(fl.rate, srtt)),
        }
        .max(u64::from(fl.mss));
        // Provisional: which directions the break took is known once every change of the
        // instant is in; `settle_stalls` then arms the first timer, so faults acting together
        // count alike whatever their order.
        let acks_lost = !fl.acks_deliver;
        let acks_until = ack_clock_until(fl, now);
        let probe = tcp.tail_loss_probe;
        let in_flight = std::mem::take(&mut fl.window);
        fl.state = TcpState::Stalled { since: now, rtos: 0, base, probe, w: cwnd, hole: false, acks_lost, acks_until };
        fl.ramp_at = None;
        let ideal = fl.ideal;
        out.sched.cancel(fl.timer);
        self.fresh_stalls.push(f);
        let gr = &mut self.groups[g];
        gr.window -= in_flight;
        gr.stranded += in_flight;
        if in_flight > 0 {
            self.stranded.push((f, in_flight));
        }
        out.emit(Effect::Stall { flow: f, group: GroupId(g as u32), broken });
        self.set_rate(f, 0, ideal, now);
        self.note_changed(f);
    }

    /// Arms the first timer of every flow that stalled this instant, now that every change
    /// of the instant is in. ACKs still arrive for what crossed the break before it: half a
    /// round trip of them when the ACK path broke too; when only the data path broke, the
    /// ACKs of all that was queued or on the wire, a round trip and the standing queue. The
    /// probe (or the RTO) is timed from the last of them.
    pub fn settle_stalls(&mut self, w: World<'_>, out: &mut Outbox<'_>) {
        let now = out.now();
        for f in std::mem::take(&mut self.fresh_stalls) {
            let fi = f as usize;
            let g = self.flows[fi].group as usize;
            let tcp = Self::tcp(w, g);
            let fl = &self.flows[fi];
            let TcpState::Stalled { since, rtos: 0, base, probe, w: cwnd, hole, .. } = fl.state else {
                continue;
            };
            if since != now {
                continue;
            }
            let (path_rtt, _) = fl.srtt(now);
            let srtt = path_rtt + fl.standing;
            let acks_lost = !fl.acks_deliver;
            let one_way = SimDuration(path_rtt.as_nanos() / 2);
            let last_ack = now + if acks_lost { one_way } else { srtt };
            let acks_until = ack_clock_until(fl, now);
            let wait = if probe { probe::probe_timeout(&tcp, srtt, cwnd <= u64::from(fl.mss), base) } else { base };
            let at = self.fire_at(w, g, last_ack, wait);
            let fl = &mut self.flows[fi];
            fl.state = TcpState::Stalled { since, rtos: 0, base, probe, w: cwnd, hole, acks_lost, acks_until };
            out.sched.arm(fl.timer, at);
        }
    }

    /// A segment sent into the broken path: lost on the wire if the data path drops it and
    /// the sender is alive (a retransmission whose data arrives but whose ACK dies duplicates
    /// delivered data; a dead sender sends nothing). Returns whether it was lost.
    fn lose_segment(&mut self, f: u32, out: &mut Outbox<'_>) -> bool {
        let fl = &self.flows[f as usize];
        if !fl.source_alive || fl.data_delivers {
            return false;
        }
        let (g, seg, broken) = (fl.group as usize, u128::from(fl.mss) * 8 * NS, fl.broken);
        let gr = &mut self.groups[g];
        gr.sent += seg;
        gr.lost += seg;
        out.emit(Effect::Lost { group: GroupId(g as u32), bits: seg, broken, flow: Some(f) });
        true
    }

    /// The probe or retransmission timer of a stalled flow fired.
    pub(super) fn on_stalled_timer(&mut self, f: u32, w: World<'_>, out: &mut Outbox<'_>) {
        let now = out.now();
        let fi = f as usize;
        let g = self.flows[fi].group as usize;
        let tcp = Self::tcp(w, g);
        let TcpState::Stalled { since, rtos, base, probe, w: cwnd, hole, acks_lost, acks_until } = self.flows[fi].state else {
            return;
        };
        let ssthresh = growth::ssthresh(&tcp, cwnd, self.flows[fi].mss);
        if probe {
            // RFC 8985 §7.3: the probe (new data, or the last segment again) gets through if
            // the path works; its ACK and SACKs start fast recovery at ssthresh, no timeout,
            // and CUBIC keeps the window it lost at.
            if self.flows[fi].ok {
                let until = now + repair::repair_time(&tcp, repair::Damage { hole: false, acks_lost }, self.flows[fi].rtt);
                self.resume(f, since, TcpState::Repairing { until, cwnd: ssthresh, ssthresh, w_max: cwnd }, out);
                return;
            }
            let lost = self.lose_segment(f, out);
            // `tcp_send_loss_probe` re-arms the RTO from the probe, unclamped.
            let at = self.fire_at(w, g, now, base);
            let fl = &mut self.flows[fi];
            fl.state = TcpState::Stalled { since, rtos, base, probe: false, w: cwnd, hole: hole || lost, acks_lost, acks_until };
            out.sched.arm(fl.timer, at);
            return;
        }
        // `tcp_retransmit_timer` → `tcp_write_timeout`: give up before retransmitting.
        let elapsed = now - since;
        if rto::gives_up(&tcp, elapsed, rtos) {
            self.abort(f, since, tcp.user_timeout.is_some_and(|u| elapsed >= u), w, out);
            return;
        }
        if w.model.groups[g].spec.rehash_on_rto {
            // `sk_rethink_txhash`: a new flow label, so ECMP may pick another member.
            let fl = &mut self.flows[fi];
            fl.hash = mix64(fl.hash ^ self.salt);
            self.refresh_flow(f, w, out);
        }
        if self.flows[fi].ok {
            let damage = repair::Damage { hole, acks_lost };
            let rtt = self.flows[fi].rtt;
            let next = if repair::undoes(&tcp, damage) {
                // F-RTO found the timeout spurious: the window from before it comes back.
                TcpState::Repairing { until: now + rtt, cwnd, ssthresh: cwnd, w_max: cwnd }
            } else {
                // Slow start from one segment after the repair. `tcp_enter_loss` sets CUBIC to
                // its Loss state, whose `bictcp_reset` forgets the window it lost at: growth
                // after ssthresh is convex from there.
                let until = now + repair::repair_time(&tcp, damage, rtt);
                TcpState::Repairing { until, cwnd: u64::from(self.flows[fi].mss), ssthresh, w_max: 0 }
            };
            self.resume(f, since, next, out);
            return;
        }
        let lost = self.lose_segment(f, out);
        let next = rtos + 1;
        let wait = rto::clamp_to_user_timeout(&tcp, tcp::backoff(&tcp, base, next), now - since);
        let at = self.fire_at(w, g, now, wait);
        let fl = &mut self.flows[fi];
        fl.state = TcpState::Stalled { since, rtos: next, base, probe: false, w: cwnd, hole: hole || lost, acks_lost, acks_until };
        out.sched.arm(fl.timer, at);
    }

    /// The flow's path works (again): a flow stalled so briefly that ACKs of data sent before
    /// the break still arrive resumes by fast recovery, with no timer; a flow whose random
    /// loss fell (a degradation repaired) regrows its window from the loss-limited one by
    /// congestion avoidance rather than jumping to the new rate.
    pub(super) fn path_works(&mut self, f: u32, loss_before: u32, w: World<'_>, out: &mut Outbox<'_>) {
        let now = out.now();
        let fi = f as usize;
        let g = self.flows[fi].group as usize;
        let tcp = Self::tcp(w, g);
        match self.flows[fi].state {
            TcpState::Stalled { since, rtos: 0, w: cwnd, acks_until, .. } if now <= acks_until => {
                let fl = &self.flows[fi];
                let ssthresh = growth::ssthresh(&tcp, cwnd, fl.mss);
                // RACK/SACK repair the hole a round trip after the first SACK.
                let next = TcpState::Repairing { until: now + fl.rtt, cwnd: ssthresh, ssthresh, w_max: cwnd };
                self.resume(f, since, next, out);
            }
            TcpState::Open if self.flows[fi].loss_ppm < loss_before && self.flows[fi].rate > 0 => {
                let fl = &mut self.flows[fi];
                let cwnd = window_bytes(fl.rate, fl.rtt).max(u64::from(fl.mss));
                fl.state = TcpState::Avoiding { cwnd, epoch: now, w0: cwnd, w_max: cwnd };
                fl.ramp_at = Some(now + Self::avoid_step(&tcp, fl.state, fl.rtt, fl.mss, fl.ideal));
                self.mark_dirty(f);
                self.note_changed(f);
                self.rearm_flow_timer(f, out.sched);
            }
            _ => {}
        }
    }

    /// The stall that began at `since` ends: a transmission found a working path. The flow
    /// goes on as `next` says (a `Repairing` state: in-order data at its `until`, then its window).
    fn resume(&mut self, f: u32, since: SimTime, next: TcpState, out: &mut Outbox<'_>) {
        let TcpState::Repairing { until, .. } = next else {
            return;
        };
        let now = out.now();
        let g = self.flows[f as usize].group as usize;
        let stalled = now - since;
        self.groups[g].record_stall(stalled);
        out.emit(Effect::Resume { flow: f, group: GroupId(g as u32), stalled });
        let fl = &mut self.flows[f as usize];
        fl.state = next;
        fl.ramp_at = Some(until);
        self.mark_dirty(f);
        self.note_changed(f);
        self.rearm_flow_timer(f, out.sched);
    }

    /// The connection is given up (ETIMEDOUT); the application reconnects at once.
    fn abort(&mut self, f: u32, since: SimTime, by_user_timeout: bool, w: World<'_>, out: &mut Outbox<'_>) {
        let g = self.flows[f as usize].group as usize;
        self.groups[g].connections_aborted += 1;
        out.emit(Effect::ConnectionAborted { flow: f, group: GroupId(g as u32), by_user_timeout });
        self.flows[f as usize].state = TcpState::Connecting { since, syns: 0 };
        self.send_syn(f, w, out);
    }

    /// Starts connecting flow `f` now: a new connection, stalled from now until it connects.
    pub(super) fn start_connecting(&mut self, f: u32, w: World<'_>, out: &mut Outbox<'_>) {
        let now = out.now();
        let fl = &mut self.flows[f as usize];
        fl.state = TcpState::Connecting { since: now, syns: 0 };
        fl.ramp_at = None;
        self.send_syn(f, w, out);
    }

    /// The next SYN of a connecting flow, or connect() failing after the last wait.
    pub(super) fn send_syn(&mut self, f: u32, w: World<'_>, out: &mut Outbox<'_>) {
        let now = out.now();
        let fi = f as usize;
        let g = self.flows[fi].group as usize;
        let tcp = Self::tcp(w, g);
        let TcpState::Connecting { since, mut syns } = self.flows[fi].state else {
            return;
        };
        let waits = tcp.syn.waits();
        if syns as usize >= waits.len() {
            // connect() returns ETIMEDOUT; the application tries again at once [ASSUMPTION].
            self.groups[g].connect_failures += 1;
            out.emit(Effect::ConnectFailed { flow: f, group: GroupId(g as u32), syns });
            syns = 0;
        }
        if self.flows[fi].ok {
            // The handshake completes a round trip later. RFC 6298 §5.7 (Linux
            // `tcp_init_transfer`): a connection whose SYN was retransmitted starts at one segment.
            let mss = u64::from(self.flows[fi].mss);
            let iw = if syns == 0 { u64::from(tcp.initial_window) * mss } else { mss };
            let until = now + self.flows[fi].rtt;
            let next = TcpState::Repairing { until, cwnd: iw, ssthresh: u64::MAX, w_max: 0 };
            if since < now {
                self.resume(f, since, next, out);
            } else {
                let fl = &mut self.flows[fi];
                fl.state = next;
                fl.ramp_at = Some(until);
                self.mark_dirty(f);
                self.note_changed(f);
                self.rearm_flow_timer(f, out.sched);
            }
            return;
        }
        let at = self.fire_at(w, g, now, waits[syns as usize]);
        let fl = &mut self.flows[fi];
        fl.state = TcpState::Connecting { since, syns: syns + 1 };
        out.sched.arm(fl.timer, at);
    }

    /// The repair is done (or the handshake): in-order data flows, and the window grows.
    pub(super) fn repaired(&mut self, f: u32, w: World<'_>, now: SimTime) {
        let TcpState::Repairing { cwnd, ssthresh, w_max, .. } = self.flows[f as usize].state else {
            return;
        };
        let g = self.flows[f as usize].group as usize;
        let tcp = Self::tcp(w, g);
        let fl = &mut self.flows[f as usize];
        fl.state = if cwnd >= ssthresh {
            TcpState::Avoiding { cwnd, epoch: now, w0: cwnd, w_max: w_max.max(cwnd) }
        } else {
            TcpState::Ramping { cwnd, ssthresh, w_max }
        };
        fl.ramp_at = Some(now + fl.rtt);
        if let TcpState::Avoiding { .. } = fl.state {
            fl.ramp_at = Some(now + Self::avoid_step(&tcp, fl.state, fl.rtt, fl.mss, fl.ideal));
        }
        self.mark_dirty(f);
        self.note_changed(f);
    }

    /// Time from the epoch to the next window step of congestion avoidance: when the window
    /// has grown by a thirty-second (at least a segment and a round trip), or reaches what
    /// the network allows the flow (`ideal_bps`), whichever is first; so the rate follows the
    /// curve within about 3 % and opens on time, and a regrowth over seconds costs tens of
    /// events, not one per RTT.
    fn avoid_step(tcp: &crate::tcp::TcpSpec, state: TcpState, rtt: SimDuration, mss: u32, ideal_bps: u64) -> SimDuration {
        match state {
            TcpState::Avoiding { cwnd, w0, w_max, .. } => {
                let e = growth::Epoch { w0, w_max };
                let mut target = cwnd + (cwnd / 32).max(u64::from(mss));
                let needed = window_bytes(ideal_bps, rtt);
                if needed > cwnd {
                    target = target.min(needed);
                }
                growth::time_to_reach(tcp, e, target, rtt, mss)
            }
            _ => rtt,
        }
    }

    /// A window step: slow start doubles, congestion avoidance follows its curve; a flow the
    /// network, not its window, limits is open.
    pub(super) fn grow_window(&mut self, f: u32, w: World<'_>, now: SimTime) {
        let fi = f as usize;
        let g = self.flows[fi].group as usize;
        let tcp = Self::tcp(w, g);
        let fl = &mut self.flows[fi];
        let Some(cwnd) = fl.state.cwnd() else {
            return;
        };
        if (fl.rate as f64) < tcp::window_bps(cwnd, fl.rtt) * 0.99 {
            fl.state = TcpState::Open;
            fl.ramp_at = None;
            self.mark_dirty(f);
            self.note_changed(f);
            return;
        }
        fl.state = match fl.state {
            TcpState::Ramping { cwnd, ssthresh, w_max } => {
                let next = cwnd.saturating_mul(2);
                if next >= ssthresh {
                    TcpState::Avoiding { cwnd: ssthresh, epoch: now, w0: ssthresh, w_max: w_max.max(ssthresh) }
                } else {
                    TcpState::Ramping { cwnd: next, ssthresh, w_max }
                }
            }
            TcpState::Avoiding { epoch, w0, w_max, .. } => {
                let e = growth::Epoch { w0, w_max };
                let cwnd = growth::window_at(&tcp, e, now - epoch, fl.rtt, fl.mss);
                TcpState::Avoiding { cwnd, epoch, w0, w_max }
            }
            s => s,
        };
        fl.ramp_at = Some(match fl.state {
            TcpState::Avoiding { epoch, .. } => (epoch + Self::avoid_step(&tcp, fl.state, fl.rtt, fl.mss, fl.ideal)).max(now + fl.rtt),
            _ => now + fl.rtt,
        });
        self.mark_dirty(f);
        self.note_changed(f);
    }
}
