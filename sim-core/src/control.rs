//! The control plane: one BGP session per link, optionally with BFD.
//!
//! Keepalives and BFD packets are simulated one by one on a jittered schedule, and each is
//! delivered or lost according to the link's state, so a blackhole is found only when the
//! receiver's detection or hold timer runs out, and partial loss is found only if enough
//! consecutive packets are lost (a gray failure may never be). A received packet pushes the
//! receiver's timer back without a heap operation (see `scheduler`). Carrier loss tears both
//! sides down at once (fast-external-fallover, interconnect-facts §3.1).
//!
//! On a clean link (both directions deliver, no loss) the packets change nothing but the
//! session's random stream and its timers, so by default they are not run one by one but
//! replayed in bulk when something needs them (`lazy`); `ControlMode::PerPacket` keeps the
//! packet-by-packet run, the reference the lazy one is tested against.
//!
//! `ControlPlane` owns the sessions and their timers. It reads the network's link state (is
//! a packet delivered? how late?) and reports `SessionDown` / `SessionUp`; it never touches
//! forwarding, traffic or faults.

use crate::events::{Effect, Ev, Outbox};
use crate::model::{LinkId, Model};
use crate::network::Network;
use crate::rng::Stream;
use crate::scheduler::{Scheduler, TimerId};
use crate::time::{SimDuration, SimTime};
use crate::trace::DownReason;

mod kept;
mod lazy;

use kept::Kept;
use lazy::{Counts, Lazy};

/// How control packets on clean links are run. An execution strategy, not a model input:
/// both give the same fingerprint and report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ControlMode {
    /// Caught up in bulk when something about the link changes or reads it (the default).
    #[default]
    Lazy,
    /// Every packet is an event of its own (the reference).
    PerPacket,
}

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

/// Runtime state of one side of a session.
#[derive(Clone, Copy, Debug, Default)]
struct Speaker {
    up: bool,
    bfd_up: bool,
    keepalive: Option<TimerId>,
    hold: Option<TimerId>,
    bfd_tx: Option<TimerId>,
    bfd_detect: Option<TimerId>,
}

#[derive(Clone, Debug)]
struct Session {
    sides: [Speaker; 2],
    connect: TimerId,
    bfd_configured: bool,
    bfd_disabled: u32,
    rng: Stream,
    timers: Negotiated,
    bfd_multiplier: [u32; 2],
    establish: SimDuration,
    connect_retry: SimDuration,
    /// Replay state while the session's packets are run lazily.
    lazy: Option<Lazy>,
    /// Whether the timers keep a clean session up on their own (every gap between a side's
    /// packets is shorter than the peer's hold or detection window), which lazy replay needs.
    lazy_ok: bool,
}

/// A read-only view of one session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionView {
    pub up: [bool; 2],
    pub bfd: bool,
}

/// Every link's BGP session (and BFD), by link index; `None` where a link runs none.
#[derive(Debug, Default)]
pub(crate) struct ControlPlane {
    sessions: Vec<Option<Session>>,
    /// Whether sessions on clean links may go lazy (false: `ControlMode::PerPacket`, or a
    /// lazy run that came close to its event budget and now counts every packet).
    lazy_allowed: bool,
    /// Re-arms of lazy periodic timers so far: their tie-break order.
    order: u64,
    counts: Counts,
    /// Sessions lazy now.
    lazy_sessions: u32,
    /// When each lazy session's next kept packet falls due, by link (`kept`).
    kept: Kept,
}

impl ControlPlane {
    /// Sessions start established, their periodic timers at random phases drawn from the seed.
    pub fn new(model: &Model, seed: u64, mode: ControlMode, sched: &mut Scheduler<Ev>) -> ControlPlane {
        let mut cp = ControlPlane {
            sessions: Vec::with_capacity(model.links.len()),
            lazy_allowed: mode == ControlMode::Lazy,
            order: 0,
            counts: Counts::default(),
            lazy_sessions: 0,
            kept: Kept::with_links(model.links.len()),
        };
        for (l, link) in model.links.iter().enumerate() {
            let Some(spec) = link.spec.session else {
                cp.sessions.push(None);
                continue;
            };
            let li = l as u32;
            let mut sides = [Speaker::default(); 2];
            for (side, sp) in sides.iter_mut().enumerate() {
                let s = side as u8;
                sp.keepalive = Some(sched.add_timer(Ev::KeepaliveTx { link: li, side: s }));
                sp.hold = Some(sched.add_timer(Ev::HoldExpire { link: li, side: s }));
                if spec.bfd.is_some() {
                    sp.bfd_tx = Some(sched.add_timer(Ev::BfdTx { link: li, side: s }));
                    sp.bfd_detect = Some(sched.add_timer(Ev::BfdDetect { link: li, side: s }));
                }
            }
            let connect = sched.add_timer(Ev::Connect { link: li });
            cp.sessions.push(Some(Session {
                sides,
                connect,
                bfd_configured: spec.bfd.is_some(),
                bfd_disabled: 0,
                rng: Stream::derive(seed, &format!("session/{}", link.spec.id)),
                timers: negotiate(&spec),
                bfd_multiplier: spec.bfd.map_or([3, 3], |b| [b[0].multiplier, b[1].multiplier]),
                establish: spec.establish,
                connect_retry: spec.connect_retry,
                lazy: None,
                lazy_ok: timers_keep_up(&negotiate(&spec), spec.bfd.map(|b| [b[0].multiplier, b[1].multiplier])),
            }));
            let mut effects = Vec::new();
            let mut out = Outbox { sched, effects: &mut effects };
            cp.establish(LinkId(li), true, &mut out);
        }
        cp
    }

    fn session(&mut self, link: LinkId) -> &mut Session {
        self.sessions[link.index()].as_mut().expect("event for a link without a session")
    }

    pub fn has_session(&self, link: LinkId) -> bool {
        self.sessions[link.index()].is_some()
    }

    fn bfd_active(&self, link: LinkId) -> bool {
        self.sessions[link.index()].as_ref().is_some_and(|s| s.bfd_configured && s.bfd_disabled == 0)
    }

    /// Whether `side` of `link` has the session up (or, without a session, carrier).
    pub fn side_up(&self, net: &Network, link: LinkId, side: usize) -> bool {
        match &self.sessions[link.index()] {
            Some(s) => s.sides[side].up,
            None => net.link(link).carrier(),
        }
    }

    pub fn view(&self, link: LinkId) -> Option<SessionView> {
        self.sessions[link.index()]
            .as_ref()
            .map(|s| SessionView { up: [s.sides[0].up, s.sides[1].up], bfd: s.sides[0].bfd_up || s.sides[1].bfd_up })
    }

    /// Whether the session on `link` runs on a clean link: both sides up (with BFD when it
    /// is active), carrier, both directions delivering, no loss. Its packets there change
    /// only its random stream and its timers.
    fn clean(&self, model: &Model, net: &Network, link: LinkId) -> bool {
        let Some(s) = &self.sessions[link.index()] else { return false };
        let st = net.link(link);
        let loss = st.loss_ppm().saturating_add(model.links[link.index()].spec.base_loss_ppm);
        let bfd = s.bfd_configured && s.bfd_disabled == 0;
        s.lazy_ok && st.carrier() && st.delivers(0) && st.delivers(1) && loss == 0 && s.sides.iter().all(|sp| sp.up && sp.bfd_up == bfd)
    }

    /// A periodic packet (timer `k`, see `lazy`) is due now. On a clean link it is counted
    /// quiet; in lazy mode the session goes (or stays) lazy, the packets kept since are
    /// replayed and this one is run the replayed way. Returns true when it was run here.
    fn quiet_packet(&mut self, model: &Model, net: &Network, link: LinkId, k: usize, out: &mut Outbox<'_>) -> bool {
        let was_lazy = self.session(link).lazy.is_some();
        if !was_lazy && !self.clean(model, net, link) {
            return false;
        }
        self.counts.quiet += 1;
        if !was_lazy {
            if !self.lazy_allowed {
                return false;
            }
            let owd = Self::one_way(model, net, link);
            let s = self.sessions[link.index()].as_mut().expect("a session");
            s.lazy = Some(Lazy::new(owd, s, out.sched));
            self.lazy_sessions += 1;
        }
        let now = out.now().as_nanos();
        let s = self.sessions[link.index()].as_mut().expect("a lazy session");
        let (lz, mut r) = s.lazy_parts().expect("a lazy session");
        self.counts.replayed += lz.replay(&mut r, now, &mut self.order);
        lz.fire(&mut r, k, now, &mut self.order);
        self.kept.set(link.index(), lz.next_packet());
        true
    }

    /// Deadline `d` (see `lazy`) of a session surfaced from the heap. Returns whether it
    /// really fires; if the session is lazy and the packets replayed up to now pushed it
    /// back, it does not (the per-packet run would only have re-queued it).
    fn lazy_deadline_fires(&mut self, link: LinkId, d: usize, sched: &mut Scheduler<Ev>) -> bool {
        let s = self.sessions[link.index()].as_mut().expect("event for a link without a session");
        let Some((lz, mut r)) = s.lazy_parts() else { return true };
        let now = sched.now();
        self.counts.replayed += lz.replay(&mut r, now.as_nanos(), &mut self.order);
        let fires = lz.deadline_fires(r.timers, d, now);
        let next = lz.next_packet();
        if fires {
            let mut lz = s.lazy.take().expect("a lazy session");
            s.materialize(&mut lz, sched);
            self.kept.set(link.index(), None);
            self.lazy_sessions -= 1;
            return true;
        }
        self.counts.phantom += 1;
        self.kept.set(link.index(), next);
        false
    }

    /// Something is about to change or read the session on `link`: replay its packets due
    /// before now and put its timers back on the heap (it goes lazy again at its next
    /// packet if its link is still clean). Packets due at exactly now run after the caller.
    pub fn wake(&mut self, link: LinkId, sched: &mut Scheduler<Ev>) {
        let Some(s) = self.sessions[link.index()].as_mut() else { return };
        let Some(mut lz) = s.lazy.take() else { return };
        self.counts.replayed += lz.replay(&mut s.replayer(), sched.now().as_nanos(), &mut self.order);
        s.materialize(&mut lz, sched);
        self.kept.set(link.index(), None);
        self.lazy_sessions -= 1;
    }

    /// Replays every lazy session's packets due before now; they stay lazy.
    pub fn catch_up_all(&mut self, sched: &mut Scheduler<Ev>) {
        self.replay_due(sched.now().as_nanos());
    }

    /// Replays the packets every lazy session keeps before `limit`, in link order (the
    /// order their re-arms are numbered in); they stay lazy.
    fn replay_due(&mut self, limit: u64) {
        let mut from = 0;
        while let Some(l) = self.kept.next_due(from, limit) {
            let next = match self.sessions[l].as_mut().and_then(Session::lazy_parts) {
                Some((lz, mut r)) => {
                    self.counts.replayed += lz.replay(&mut r, limit, &mut self.order);
                    lz.next_packet()
                }
                None => None,
            };
            self.kept.set(l, next);
            from = l + 1;
        }
    }

    /// The first packet kept by a lazy session, as `(time, re-arm order)`, and its link.
    fn first_packet(&self) -> Option<((u64, u64), usize)> {
        let t = self.kept.first()?;
        self.kept.at(t).filter_map(|l| next_kept(&self.sessions[l]).map(|p| (p, l))).min()
    }

    /// The last instant left work for the next one (a replication group's catch-up marks
    /// its flows for the next re-solve): in the per-packet run the next instant may be a
    /// packet, so the lazy session whose packet comes first, if before `before`, goes back
    /// on the heap to give that instant. Packets due up to now are replayed first.
    pub fn wake_next_packet(&mut self, before: Option<SimTime>, sched: &mut Scheduler<Ev>) {
        self.replay_due(sched.now().as_nanos().saturating_add(1));
        if let Some(((t, _), l)) = self.first_packet()
            && before.is_none_or(|b| t < b.as_nanos())
        {
            self.wake(LinkId(l as u32), sched);
        }
    }

    /// Whether any session is lazy now.
    pub fn any_lazy(&self) -> bool {
        self.lazy_sessions > 0
    }

    /// The first packet kept off the heap after now (packets due up to now are replayed).
    pub fn first_kept(&mut self, sched: &mut Scheduler<Ev>) -> Option<SimTime> {
        self.replay_due(sched.now().as_nanos().saturating_add(1));
        self.kept.first().map(SimTime)
    }

    /// Ends lazy mode for the rest of the run: every session is caught up and its timers
    /// go back on the heap, so from here every packet is an event (an exact event budget).
    pub fn go_per_packet(&mut self, sched: &mut Scheduler<Ev>) {
        self.lazy_allowed = false;
        for l in 0..self.sessions.len() {
            self.wake(LinkId(l as u32), sched);
        }
    }

    /// Whether a lazy session keeps a packet due before `t` (an event the per-packet run
    /// still has ahead).
    pub fn any_kept_before(&self, t: SimTime) -> bool {
        self.kept.next_due(0, t.as_nanos()).is_some()
    }

    /// An upper bound on the packets not yet counted as events that fall due before `t`,
    /// from `now`: every periodic timer's, lazy or not (a session may go lazy on the way).
    pub fn uncounted_bound(&self, now: SimTime, t: SimTime) -> u64 {
        self.sessions.iter().flatten().fold(0u64, |n, s| n.saturating_add(s.packets_bound(s.lazy.as_ref(), now, t)))
    }

    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Whether a control packet sent by `side` arrives: the direction delivers and the
    /// packet survives the link's random loss (one draw per packet, always taken).
    fn packet_arrives(&mut self, model: &Model, net: &Network, link: LinkId, side: usize) -> bool {
        let st = net.link(link);
        let delivers = st.delivers(side);
        let loss = st.loss_ppm().saturating_add(model.links[link.index()].spec.base_loss_ppm).min(1_000_000);
        let lost = self.session(link).rng.chance_ppm(loss);
        delivers && !lost
    }

    fn one_way(model: &Model, net: &Network, link: LinkId) -> SimDuration {
        model.links[link.index()].spec.one_way_delay + net.link(link).extra_delay()
    }

    /// Brings both sides up. At start-up the periodic timers begin at random phases.
    fn establish(&mut self, link: LinkId, random_phase: bool, out: &mut Outbox<'_>) {
        let now = out.now();
        let bfd = self.bfd_active(link);
        let s = self.session(link);
        for side in 0..2 {
            let t = s.timers;
            let first_ka = if random_phase {
                s.rng.uniform_duration(SimDuration::ZERO, t.keepalive[side])
            } else {
                jitter_bgp(&mut s.rng, t.keepalive[side])
            };
            let first_bfd = s.rng.uniform_duration(SimDuration::ZERO, t.bfd_tx[side]);
            s.sides[side].up = true;
            s.sides[side].bfd_up = bfd;
            let sp = s.sides[side];
            arm(out.sched, sp.keepalive, now + first_ka);
            arm(out.sched, sp.hold, now + t.hold);
            if bfd {
                arm(out.sched, sp.bfd_detect, now + t.bfd_detect[side]);
                if sp.bfd_tx.is_some_and(|b| out.sched.deadline(b).is_none()) {
                    arm(out.sched, sp.bfd_tx, now + first_bfd);
                }
            }
        }
        if !random_phase {
            out.emit(Effect::SessionUp { link });
        }
    }

    pub fn on_keepalive_tx(&mut self, model: &Model, net: &Network, link: LinkId, side: usize, out: &mut Outbox<'_>) {
        let now = out.now();
        if !self.session(link).sides[side].up {
            return;
        }
        if self.quiet_packet(model, net, link, side, out) {
            return;
        }
        if self.packet_arrives(model, net, link, side) {
            let owd = Self::one_way(model, net, link);
            let s = self.session(link);
            let rx = s.sides[1 - side];
            if rx.up {
                arm(out.sched, rx.hold, now + owd + s.timers.hold);
            }
        }
        let s = self.session(link);
        let next = jitter_bgp(&mut s.rng, s.timers.keepalive[side]);
        arm(out.sched, s.sides[side].keepalive, now + next);
    }

    pub fn on_hold_expire(&mut self, model: &Model, net: &Network, link: LinkId, side: usize, out: &mut Outbox<'_>) {
        if !self.lazy_deadline_fires(link, side, out.sched) {
            return;
        }
        self.side_down(model, net, link, side, DownReason::HoldTimerExpired, out);
    }

    pub fn on_bfd_tx(&mut self, model: &Model, net: &Network, link: LinkId, side: usize, out: &mut Outbox<'_>) {
        let now = out.now();
        if !self.bfd_active(link) || !net.link(link).carrier() {
            return;
        }
        if self.quiet_packet(model, net, link, 2 + side, out) {
            return;
        }
        if self.packet_arrives(model, net, link, side) {
            let owd = Self::one_way(model, net, link);
            let s = self.session(link);
            let sender_up = s.sides[side].bfd_up;
            let rx = s.sides[1 - side];
            if rx.bfd_up {
                if sender_up {
                    arm(out.sched, rx.bfd_detect, now + owd + s.timers.bfd_detect[1 - side]);
                } else {
                    // RFC 5880 §6.8.6: a received State of Down takes an Up session down.
                    self.side_down(model, net, link, 1 - side, DownReason::NeighborSignaledDown, out);
                }
            }
        }
        let s = self.session(link);
        let next = jitter_bfd(&mut s.rng, s.timers.bfd_tx[side], s.bfd_multiplier[side]);
        arm(out.sched, s.sides[side].bfd_tx, now + next);
    }

    pub fn on_bfd_detect(&mut self, model: &Model, net: &Network, link: LinkId, side: usize, out: &mut Outbox<'_>) {
        if !self.lazy_deadline_fires(link, 2 + side, out.sched) {
            return;
        }
        self.side_down(model, net, link, side, DownReason::BfdTimeout, out);
    }

    /// One side declares the session down. Unless the carrier is gone it sends a
    /// NOTIFICATION, which takes the peer down too if it arrives.
    fn side_down(&mut self, model: &Model, net: &Network, link: LinkId, side: usize, why: DownReason, out: &mut Outbox<'_>) {
        let now = out.now();
        let s = self.session(link);
        if !s.sides[side].up {
            return;
        }
        s.sides[side].up = false;
        s.sides[side].bfd_up = false;
        let sp = s.sides[side];
        cancel(out.sched, sp.keepalive);
        cancel(out.sched, sp.hold);
        cancel(out.sched, sp.bfd_detect);
        out.emit(Effect::SessionDown { link, side: side as u8, reason: why });
        if why != DownReason::CarrierLoss && why != DownReason::Notification && self.packet_arrives(model, net, link, side) {
            self.side_down(model, net, link, 1 - side, DownReason::Notification, out);
        }
        let s = self.session(link);
        if out.sched.deadline(s.connect).is_none() && net.link(link).carrier() {
            out.sched.arm(s.connect, now + s.connect_retry);
        }
    }

    /// A connection attempt: succeeds if the link carries packets both ways.
    pub fn on_connect(&mut self, model: &Model, net: &Network, link: LinkId, out: &mut Outbox<'_>) {
        let now = out.now();
        let s = self.session(link);
        if s.sides[0].up && s.sides[1].up {
            return;
        }
        let st = net.link(link);
        if st.delivers(0) && st.delivers(1) && self.packet_arrives(model, net, link, 0) && self.packet_arrives(model, net, link, 1) {
            self.establish(link, false, out);
        } else {
            let s = self.session(link);
            out.sched.arm(s.connect, now + s.connect_retry);
        }
    }

    /// Carrier lost: both sides drop the session at once, BFD stops.
    pub fn carrier_down(&mut self, model: &Model, net: &Network, link: LinkId, out: &mut Outbox<'_>) {
        if !self.has_session(link) {
            return;
        }
        self.wake(link, out.sched);
        for side in 0..2 {
            self.side_down(model, net, link, side, DownReason::CarrierLoss, out);
        }
        let s = self.session(link);
        out.sched.cancel(s.connect);
        cancel(out.sched, s.sides[0].bfd_tx);
        cancel(out.sched, s.sides[1].bfd_tx);
    }

    /// Carrier back: BFD restarts and BGP re-establishes after the establish time.
    pub fn carrier_up(&mut self, link: LinkId, out: &mut Outbox<'_>) {
        let now = out.now();
        if !self.has_session(link) {
            return;
        }
        self.wake(link, out.sched);
        let bfd = self.bfd_active(link);
        let s = self.session(link);
        if bfd {
            for side in 0..2 {
                arm(out.sched, s.sides[side].bfd_tx, now + s.timers.bfd_tx[side]);
            }
        }
        out.sched.arm(s.connect, now + s.establish);
    }

    /// A fault resets the session: each side sends a NOTIFICATION and goes down; both
    /// reconnect after the establish time.
    pub fn reset(&mut self, model: &Model, net: &Network, link: LinkId, out: &mut Outbox<'_>) {
        if !self.has_session(link) {
            return;
        }
        self.wake(link, out.sched);
        self.side_down(model, net, link, 0, DownReason::AdminReset, out);
        self.side_down(model, net, link, 1, DownReason::AdminReset, out);
        let now = out.now();
        if net.link(link).carrier() {
            let s = self.session(link);
            out.sched.arm(s.connect, now + s.establish);
        }
    }

    /// BFD switched off (or back on) by a misconfiguration fault.
    pub fn set_bfd_disabled(&mut self, net: &Network, link: LinkId, disabled: bool, out: &mut Outbox<'_>) {
        if !self.has_session(link) {
            return;
        }
        self.wake(link, out.sched);
        let now = out.now();
        let s = self.session(link);
        if disabled {
            s.bfd_disabled += 1;
        } else {
            s.bfd_disabled = s.bfd_disabled.saturating_sub(1);
        }
        let active = self.bfd_active(link);
        let carrier = net.link(link).carrier();
        let s = self.session(link);
        for side in 0..2 {
            let sp = s.sides[side];
            if active {
                s.sides[side].bfd_up = sp.up;
                if sp.up {
                    arm(out.sched, sp.bfd_detect, now + s.timers.bfd_detect[side]);
                }
                if carrier {
                    arm(out.sched, sp.bfd_tx, now + s.timers.bfd_tx[side]);
                }
            } else {
                s.sides[side].bfd_up = false;
                cancel(out.sched, sp.bfd_detect);
                cancel(out.sched, sp.bfd_tx);
            }
        }
    }
}

/// The next packet a session keeps off the heap, if it is lazy.
fn next_kept(s: &Option<Session>) -> Option<(u64, u64)> {
    s.as_ref()?.lazy.as_ref()?.next_packet()
}

/// Whether every gap between one side's packets is shorter than the window the peer waits
/// for them: keepalives against the hold time, BFD packets (at most the interval, or 90 % of
/// it with multiplier 1) against the detection time. Then a clean link never lets a hold or
/// detection timer fire, which replay relies on.
fn timers_keep_up(t: &Negotiated, bfd_multiplier: Option<[u32; 2]>) -> bool {
    let bgp = (0..2).all(|s| t.keepalive[s] > SimDuration::ZERO && t.keepalive[s] < t.hold);
    let bfd = bfd_multiplier.is_none_or(|m| {
        (0..2).all(|s| {
            let tx = t.bfd_tx[s];
            let gap = if m[s] == 1 { SimDuration(tx.as_nanos() / 10 * 9) } else { tx };
            tx > SimDuration::ZERO && gap < t.bfd_detect[1 - s]
        })
    });
    bgp && bfd
}

fn arm(sched: &mut Scheduler<Ev>, t: Option<TimerId>, at: SimTime) {
    if let Some(t) = t {
        sched.arm(t, at);
    }
}

fn cancel(sched: &mut Scheduler<Ev>, t: Option<TimerId>) {
    if let Some(t) = t {
        sched.cancel(t);
    }
}
