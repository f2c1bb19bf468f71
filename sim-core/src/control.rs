//! The control plane: one BGP session per link, optionally with BFD.
//!
//! Keepalives and BFD packets are simulated one by one on a jittered schedule, and each is
//! delivered or lost according to the link's state, so a blackhole is found only when the
//! receiver's detection or hold timer runs out, and partial loss is found only if enough
//! consecutive packets are lost (a gray failure may never be). A received packet pushes the
//! receiver's timer back without a heap operation (see `scheduler`). Carrier loss tears both
//! sides down at once (fast-external-fallover, interconnect-facts §3.1).

use crate::rng::Stream;
use crate::scheduler::TimerId;
use crate::sim::{Ev, SessionRt, Simulation, SpeakerRt};
use crate::time::{SimDuration, SimTime};
use crate::trace::{DownReason, TraceKind};

/// RFC 4271 §10: timers are jittered by a factor drawn uniformly from [0.75, 1.0].
fn jitter_bgp(rng: &mut Stream, d: SimDuration) -> SimDuration {
    let lo = SimDuration(d.as_nanos() / 4 * 3);
    rng.uniform_duration(lo, d)
}

/// RFC 5880 §6.8.7: each BFD interval is reduced by 0-25 %, or by 10-25 % when the
/// multiplier is 1 (so never more than 90 % of the interval).
fn jitter_bfd(rng: &mut Stream, d: SimDuration, multiplier: u32) -> SimDuration {
    let lo = SimDuration(d.as_nanos() / 4 * 3);
    let hi = if multiplier == 1 { SimDuration(d.as_nanos() / 10 * 9) } else { d };
    rng.uniform_duration(lo, hi)
}

/// What the two sides of a session agree on. Index 0 is side A, 1 is side B.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// Negotiated hold time: the lower of the two (RFC 4271 §4.2).
    pub hold: SimDuration,
    /// Keepalive interval per side: its own, but at most a third of the hold time.
    pub keepalive: [SimDuration; 2],
    /// BFD interval of packets sent by each side: max(own desired tx, peer's required rx)
    /// (RFC 5880 §6.8.2); zero without BFD.
    pub bfd_tx: [SimDuration; 2],
    /// BFD detection time at each side: the peer's multiplier times the peer's interval
    /// (RFC 5880 §6.8.4); zero without BFD.
    pub bfd_detect: [SimDuration; 2],
}

/// Negotiates BGP and BFD timers between the two sides of `spec`. The one place this is
/// computed: the simulation and `faultline show` both call it.
pub fn negotiate(spec: &crate::spec::SessionSpec) -> Negotiated {
    let hold = spec.bgp[0].hold.min(spec.bgp[1].hold);
    let third = SimDuration(hold.as_nanos() / 3);
    let keepalive = [spec.bgp[0].keepalive.min(third), spec.bgp[1].keepalive.min(third)];
    let (bfd_tx, bfd_detect) = match spec.bfd {
        Some(b) => {
            let tx = |s: usize| b[s].desired_min_tx.max(b[1 - s].required_min_rx);
            let tx = [tx(0), tx(1)];
            // Detection at side s counts the peer's packets: peer multiplier x peer interval.
            let det = [tx[1].saturating_mul(u64::from(b[1].multiplier)), tx[0].saturating_mul(u64::from(b[0].multiplier))];
            (tx, det)
        }
        None => ([SimDuration::ZERO; 2], [SimDuration::ZERO; 2]),
    };
    Negotiated { hold, keepalive, bfd_tx, bfd_detect }
}

impl Simulation {
    pub(crate) fn init_control(&mut self) {
        let n = self.model.links.len();
        self.sessions = Vec::with_capacity(n);
        for l in 0..n {
            let link = &self.model.links[l];
            let Some(spec) = link.spec.session else {
                self.sessions.push(None);
                continue;
            };
            let Negotiated { hold, keepalive, bfd_tx, bfd_detect } = negotiate(&spec);
            let rng = Stream::derive(self.seed, &format!("session/{}", link.spec.id));
            self.sessions.push(Some(SessionRt {
                sides: [SpeakerRt::default(); 2],
                connect: None,
                bfd_disabled: 0,
                rng,
                hold,
                keepalive,
                bfd_tx,
                bfd_detect,
            }));
            let li = l as u32;
            let mut timers = [[None; 4]; 2];
            for (side, t) in timers.iter_mut().enumerate() {
                let s = side as u8;
                t[0] = Some(self.sched.add_timer(Ev::KeepaliveTx { link: li, side: s }));
                t[1] = Some(self.sched.add_timer(Ev::HoldExpire { link: li, side: s }));
                if spec.bfd.is_some() {
                    t[2] = Some(self.sched.add_timer(Ev::BfdTx { link: li, side: s }));
                    t[3] = Some(self.sched.add_timer(Ev::BfdDetect { link: li, side: s }));
                }
            }
            let connect = self.sched.add_timer(Ev::Connect { link: li });
            let s = self.sessions[l].as_mut().expect("just pushed");
            s.connect = Some(connect);
            for (sp, t) in s.sides.iter_mut().zip(timers) {
                sp.keepalive = t[0];
                sp.hold = t[1];
                sp.bfd_tx = t[2];
                sp.bfd_detect = t[3];
            }
            // The run starts in steady state: sessions established, timers at random phases.
            self.establish(li, true);
        }
    }

    fn session(&mut self, link: u32) -> &mut SessionRt {
        self.sessions[link as usize].as_mut().expect("event for a link without a session")
    }

    fn bfd_active(&self, link: u32) -> bool {
        let s = self.sessions[link as usize].as_ref().expect("session");
        self.model.links[link as usize].spec.session.is_some_and(|sp| sp.bfd.is_some()) && s.bfd_disabled == 0
    }

    /// Whether a control packet sent by `side` arrives: the direction delivers and the
    /// packet survives the link's random loss (one draw per packet, always taken).
    fn control_packet_arrives(&mut self, link: u32, side: usize) -> bool {
        let st = &self.links[link as usize];
        let delivers = st.delivers(side);
        let loss = st.loss_ppm().saturating_add(self.model.links[link as usize].spec.base_loss_ppm).min(1_000_000);
        let lost = self.session(link).rng.chance_ppm(loss);
        delivers && !lost
    }

    fn one_way(&self, link: u32) -> SimDuration {
        self.model.links[link as usize].spec.one_way_delay + self.links[link as usize].extra_delay()
    }

    fn arm(&mut self, t: Option<TimerId>, at: SimTime) {
        if let Some(t) = t {
            self.sched.arm(t, at);
        }
    }

    fn cancel(&mut self, t: Option<TimerId>) {
        if let Some(t) = t {
            self.sched.cancel(t);
        }
    }

    /// Brings both sides up. At start-up the periodic timers begin at random phases.
    fn establish(&mut self, link: u32, random_phase: bool) {
        let now = self.now();
        let bfd = self.bfd_active(link);
        for side in 0..2 {
            let s = self.session(link);
            let hold = s.hold;
            let ka = s.keepalive[side];
            let det = s.bfd_detect[side];
            let bfd_iv = s.bfd_tx[side];
            let first_ka = if random_phase { s.rng.uniform_duration(SimDuration::ZERO, ka) } else { jitter_bgp(&mut s.rng, ka) };
            let first_bfd = s.rng.uniform_duration(SimDuration::ZERO, bfd_iv);
            s.sides[side].up = true;
            s.sides[side].bfd_up = bfd;
            let sp = s.sides[side];
            self.arm(sp.keepalive, now + first_ka);
            self.arm(sp.hold, now + hold);
            if bfd {
                self.arm(sp.bfd_detect, now + det);
                if self.sched.deadline(sp.bfd_tx.expect("bfd timer")).is_none() {
                    self.arm(sp.bfd_tx, now + first_bfd);
                }
            }
        }
        if !random_phase {
            self.trace.record(now, TraceKind::SessionUp, link, 0, 0);
            self.routing_changed(link);
        }
    }

    pub(crate) fn on_keepalive_tx(&mut self, link: u32, side: usize) {
        let now = self.now();
        if !self.session(link).sides[side].up {
            return;
        }
        if self.control_packet_arrives(link, side) {
            let other = 1 - side;
            let owd = self.one_way(link);
            let s = self.session(link);
            if s.sides[other].up {
                let (t, hold) = (s.sides[other].hold, s.hold);
                self.arm(t, now + owd + hold);
            }
        }
        let s = self.session(link);
        let ka = s.keepalive[side];
        let next = jitter_bgp(&mut s.rng, ka);
        let t = s.sides[side].keepalive;
        self.arm(t, now + next);
    }

    pub(crate) fn on_hold_expire(&mut self, link: u32, side: usize) {
        self.side_down(link, side, DownReason::HoldTimerExpired);
    }

    pub(crate) fn on_bfd_tx(&mut self, link: u32, side: usize) {
        let now = self.now();
        if !self.bfd_active(link) || !self.links[link as usize].carrier() {
            return;
        }
        if self.control_packet_arrives(link, side) {
            let other = 1 - side;
            let owd = self.one_way(link);
            let s = self.session(link);
            let sender_up = s.sides[side].bfd_up;
            let rx = s.sides[other];
            if rx.bfd_up {
                if sender_up {
                    let det = s.bfd_detect[other];
                    self.arm(rx.bfd_detect, now + owd + det);
                } else {
                    // RFC 5880 §6.8.6: a received State of Down takes an Up session down.
                    self.side_down(link, other, DownReason::NeighborSignaledDown);
                }
            }
        }
        let mult = self.model.links[link as usize].spec.session.and_then(|s| s.bfd).map_or(3, |b| b[side].multiplier);
        let s = self.session(link);
        let iv = s.bfd_tx[side];
        let next = jitter_bfd(&mut s.rng, iv, mult);
        let t = s.sides[side].bfd_tx;
        self.arm(t, now + next);
    }

    pub(crate) fn on_bfd_detect(&mut self, link: u32, side: usize) {
        self.side_down(link, side, DownReason::BfdTimeout);
    }

    /// One side declares the session down. Unless the carrier is gone it sends a
    /// NOTIFICATION, which takes the peer down too if it arrives.
    pub(crate) fn side_down(&mut self, link: u32, side: usize, why: DownReason) {
        let now = self.now();
        let s = self.session(link);
        if !s.sides[side].up {
            return;
        }
        s.sides[side].up = false;
        s.sides[side].bfd_up = false;
        let sp = s.sides[side];
        self.cancel(sp.keepalive);
        self.cancel(sp.hold);
        self.cancel(sp.bfd_detect);
        self.trace.record(now, TraceKind::SessionDown, link, side as u32, why as u64);
        self.note_session_down(link);
        self.routing_changed(link);
        if why != DownReason::CarrierLoss && why != DownReason::Notification && self.control_packet_arrives(link, side) {
            self.side_down(link, 1 - side, DownReason::Notification);
        }
        let retry = self.model.links[link as usize].spec.session.map_or(SimDuration::from_secs(5), |s| s.connect_retry);
        let c = self.session(link).connect.expect("connect timer");
        if self.sched.deadline(c).is_none() && self.links[link as usize].carrier() {
            self.sched.arm(c, now + retry);
        }
    }

    /// A connection attempt: succeeds if the link carries packets both ways.
    pub(crate) fn on_connect(&mut self, link: u32) {
        let now = self.now();
        let s = self.session(link);
        if s.sides[0].up && s.sides[1].up {
            return;
        }
        let st = &self.links[link as usize];
        if st.delivers(0) && st.delivers(1) && self.control_packet_arrives(link, 0) && self.control_packet_arrives(link, 1) {
            self.establish(link, false);
        } else {
            let retry = self.model.links[link as usize].spec.session.map_or(SimDuration::from_secs(5), |s| s.connect_retry);
            let c = self.session(link).connect;
            self.arm(c, now + retry);
        }
    }

    /// Carrier lost: both sides drop the session at once, BFD stops.
    pub(crate) fn carrier_down(&mut self, link: u32) {
        if self.sessions[link as usize].is_none() {
            self.routing_changed(link);
            return;
        }
        for side in 0..2 {
            self.side_down(link, side, DownReason::CarrierLoss);
        }
        let s = self.session(link);
        let (c, b0, b1) = (s.connect, s.sides[0].bfd_tx, s.sides[1].bfd_tx);
        self.cancel(c);
        self.cancel(b0);
        self.cancel(b1);
    }

    /// Carrier back: BFD restarts and BGP re-establishes after the establish time.
    pub(crate) fn carrier_up(&mut self, link: u32) {
        let now = self.now();
        let Some(spec) = self.model.links[link as usize].spec.session else {
            self.routing_changed(link);
            return;
        };
        if self.bfd_active(link) {
            for side in 0..2 {
                let iv = self.session(link).bfd_tx[side];
                let t = self.session(link).sides[side].bfd_tx;
                self.arm(t, now + iv);
            }
        }
        let c = self.session(link).connect;
        self.arm(c, now + spec.establish);
    }

    /// An operator or a fault resets the session: side A sends a NOTIFICATION, which takes
    /// side B down when it arrives; both reconnect after the establish time.
    pub(crate) fn reset_session(&mut self, link: u32) {
        if self.sessions[link as usize].is_none() {
            return;
        }
        self.side_down(link, 0, DownReason::AdminReset);
        self.side_down(link, 1, DownReason::AdminReset);
        let now = self.now();
        let est = self.model.links[link as usize].spec.session.map_or(SimDuration::ZERO, |s| s.establish);
        if self.links[link as usize].carrier() {
            let c = self.session(link).connect;
            self.arm(c, now + est);
        }
    }

    /// BFD switched off (or back on) by a misconfiguration fault.
    pub(crate) fn set_bfd_disabled(&mut self, link: u32, disabled: bool) {
        if self.sessions[link as usize].is_none() {
            return;
        }
        let now = self.now();
        let s = self.session(link);
        if disabled {
            s.bfd_disabled += 1;
        } else {
            s.bfd_disabled = s.bfd_disabled.saturating_sub(1);
        }
        let active = self.bfd_active(link);
        for side in 0..2 {
            let s = self.session(link);
            let sp = s.sides[side];
            let (iv, det) = (s.bfd_tx[side], s.bfd_detect[side]);
            if active {
                s.sides[side].bfd_up = sp.up;
                if sp.up {
                    self.arm(sp.bfd_detect, now + det);
                }
                if self.links[link as usize].carrier() {
                    self.arm(sp.bfd_tx, now + iv);
                }
            } else {
                s.sides[side].bfd_up = false;
                self.cancel(sp.bfd_detect);
                self.cancel(sp.bfd_tx);
            }
        }
    }

    /// Whether `side` of `link` currently has the session (or, without a session, carrier).
    pub(crate) fn side_up(&self, link: u32, side: usize) -> bool {
        match &self.sessions[link as usize] {
            Some(s) => s.sides[side].up,
            None => self.links[link as usize].carrier(),
        }
    }
}
