//! Lazy control packets: a session on a clean link is caught up instead of simulated packet
//! by packet.
//!
//! On a link that carries both directions with no loss, a BGP keepalive or BFD packet
//! changes three things only: where the session's random stream stands (one loss draw, one
//! jitter draw), when the sender's timer fires next, and the receiver's hold or detection
//! deadline (pushed to `sent + one-way delay + window`). Nothing else reads them while the
//! link stays clean, so the packets need not be run when they fall due: a lazy session
//! keeps its periodic timers off the heap and replays them, in the order the scheduler
//! would have run them, when something asks (`catch_up`): a change to its link, a reset, a
//! BFD toggle, one of its own timers surfacing, a read of the event count, the end of a
//! `run_until`. ARCHITECTURE.md ("Lazy control packets") says why the replay is exact.
//!
//! Indexing: periodic timer `k` is 0/1 the keepalive of side 0/1, 2/3 the BFD transmit of
//! side 0/1; deadline `d` is 0/1 the hold timer of side 0/1, 2/3 the BFD detection timer.
//! A packet of periodic timer `k` from side `s` pushes deadline `(k & 2) | (1 - s)`.

use super::{Negotiated, Session, jitter_bfd, jitter_bgp};
use crate::events::Ev;
use crate::rng::Stream;
use crate::scheduler::{Scheduler, TimerId};
use crate::time::{SimDuration, SimTime};

const NONE: u64 = u64::MAX;

/// The replay state of a lazy session.
#[derive(Clone, Copy, Debug)]
pub(super) struct Lazy {
    /// When each periodic timer fires next, once it has fired while lazy (its re-arm is kept
    /// here, not on the heap); `NONE` while its heap entry from before is still live.
    next: [u64; 4],
    /// Tie-break between periodic timers due at the same nanosecond: the order of their
    /// re-arms, as the scheduler's sequence numbers would give.
    order: [u64; 4],
    /// When the last packet that pushes each deadline was sent; `NONE`: none since lazy.
    last_rx: [u64; 4],
    /// Deadlines whose heap entry surfaced while lazy and was retired: kept here until the
    /// session leaves lazy mode.
    retired: [bool; 4],
    /// Each armed deadline's value when the session went lazy, and where its heap entry was
    /// then (`NONE`: not armed, left alone).
    base: [u64; 4],
    entry_queued: [u64; 4],
    /// Where the per-packet run's heap entry of each deadline stands now: it surfaces at
    /// this time and re-queues itself at the deadline of that moment.
    chain: [u64; 4],
    /// The earliest of `chain`: most packets move no chain (a hold or detection window holds
    /// several packets), and this lets them skip the four deadline computations.
    chain_min: u64,
    /// One-way delay of the link while lazy (any change to the link ends lazy mode first).
    owd: SimDuration,
}

impl Lazy {
    pub(super) fn new(owd: SimDuration, session: &Session, sched: &Scheduler<Ev>) -> Lazy {
        let mut lz = Lazy {
            next: [NONE; 4],
            order: [0; 4],
            last_rx: [NONE; 4],
            retired: [false; 4],
            base: [NONE; 4],
            entry_queued: [NONE; 4],
            chain: [NONE; 4],
            chain_min: NONE,
            owd,
        };
        for d in 0..4 {
            if let Some(t) = session.deadline_timer(d)
                && let (Some(at), Some(q)) = (sched.deadline(t), sched.queued(t))
            {
                lz.base[d] = at.as_nanos();
                lz.entry_queued[d] = q.as_nanos();
                lz.chain[d] = q.as_nanos();
            }
        }
        lz.chain_min = lz.chain.iter().copied().min().unwrap_or(NONE);
        lz
    }

    /// The earliest periodic timer kept here that falls due strictly before `limit`.
    fn earliest_before(&self, limit: u64) -> Option<usize> {
        let mut best: Option<usize> = None;
        for k in 0..4 {
            if self.next[k] < limit && best.is_none_or(|b| (self.next[k], self.order[k]) < (self.next[b], self.order[b])) {
                best = Some(k);
            }
        }
        best
    }

    /// The next packet kept here, as `(time, re-arm order)`.
    pub(super) fn next_packet(&self) -> Option<(u64, u64)> {
        (0..4).filter(|&k| self.next[k] != NONE).map(|k| (self.next[k], self.order[k])).min()
    }
}

/// What replay counts, for the event count and the poll cadence (see `Simulation::events`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counts {
    /// Packets replayed without an event: each was an event of the per-packet run.
    pub replayed: u64,
    /// Events a lazy run popped that the per-packet run does not have (a deadline's heap
    /// entry surfacing while the packets that pushed it are not yet replayed).
    pub phantom: u64,
    /// Events of either run that were a packet of a clean session (they do no work).
    pub quiet: u64,
}

/// What replay reads and writes of a session besides its `Lazy` state: borrowed apart from
/// it, so a replay works on the session in place (moving the ~240-byte `Lazy` out and back
/// on every replay was a tenth of a lazy run, issue 15).
pub(super) struct Replayer<'a> {
    pub rng: &'a mut Stream,
    pub timers: &'a Negotiated,
    pub bfd_multiplier: [u32; 2],
}

impl Lazy {
    /// The deadline `d` the replayed packets give (the one from before without one).
    fn deadline(&self, timers: &Negotiated, d: usize) -> SimTime {
        if self.last_rx[d] == NONE {
            return SimTime(self.base[d]);
        }
        let window = if d < 2 { timers.hold } else { timers.bfd_detect[d - 2] };
        SimTime(self.last_rx[d]) + self.owd + window
    }

    /// Moves the per-packet run's heap entries of the deadlines on to `limit`: each that
    /// surfaces before it re-queues itself at the deadline of that moment.
    fn advance_chains(&mut self, timers: &Negotiated, limit: u64) {
        if self.chain_min >= limit {
            return;
        }
        for d in 0..4 {
            while self.chain[d] < limit {
                let at = self.deadline(timers, d).as_nanos();
                if at <= self.chain[d] {
                    break; // it fires there: the session is woken by its heap entry first
                }
                self.chain[d] = at;
            }
        }
        self.chain_min = self.chain.iter().copied().min().unwrap_or(NONE);
    }

    /// One packet of periodic timer `k` sent at `t` on a clean link: the draws and the timer
    /// writes `on_keepalive_tx` / `on_bfd_tx` make there, in their order.
    pub(super) fn fire(&mut self, r: &mut Replayer<'_>, k: usize, t: u64, order: &mut u64) {
        let side = k & 1;
        // The loss draw `packet_arrives` always takes (the loss is zero: it never loses).
        let _ = r.rng.next_u64(); // = chance_ppm(0), without its division
        self.advance_chains(r.timers, t);
        let d = (k & 2) | (1 - side);
        self.last_rx[d] = t;
        let next = if k < 2 {
            jitter_bgp(r.rng, r.timers.keepalive[side])
        } else {
            jitter_bfd(r.rng, r.timers.bfd_tx[side], r.bfd_multiplier[side])
        };
        self.next[k] = t + next.as_nanos();
        self.order[k] = *order;
        *order += 1;
    }

    /// Replays every packet kept here that falls due strictly before `limit`. Returns how
    /// many. Deadlines are not written to the scheduler until the session leaves lazy mode.
    pub(super) fn replay(&mut self, r: &mut Replayer<'_>, limit: u64, order: &mut u64) -> u64 {
        let mut n = 0;
        while let Some(k) = self.earliest_before(limit) {
            self.fire(r, k, self.next[k], order);
            n += 1;
        }
        self.advance_chains(r.timers, limit);
        n
    }

    /// A deadline's heap entry surfaced at `now` while lazy, after the replay up to `now`.
    /// Returns true when it really fires (no packet pushed it since the session went lazy,
    /// or the pushes still end at `now`); false when the per-packet run would only have
    /// re-queued it: it is retired, kept here until the session leaves lazy mode.
    pub(super) fn deadline_fires(&mut self, timers: &Negotiated, d: usize, now: SimTime) -> bool {
        if self.last_rx[d] == NONE || self.deadline(timers, d) <= now {
            self.chain[d] = NONE; // the per-packet code takes it from here
            self.chain_min = self.chain.iter().copied().min().unwrap_or(NONE);
            return true;
        }
        self.retired[d] = true;
        false
    }
}

impl Session {
    /// The lazy state and what replay needs of the rest, borrowed apart; `None` if the
    /// session is not lazy.
    pub(super) fn lazy_parts(&mut self) -> Option<(&mut Lazy, Replayer<'_>)> {
        let Session { lazy, rng, timers, bfd_multiplier, .. } = self;
        lazy.as_mut().map(|lz| (lz, Replayer { rng, timers, bfd_multiplier: *bfd_multiplier }))
    }

    /// What replay needs of a session whose `Lazy` has been taken out (it is leaving).
    pub(super) fn replayer(&mut self) -> Replayer<'_> {
        Replayer { rng: &mut self.rng, timers: &self.timers, bfd_multiplier: self.bfd_multiplier }
    }

    fn deadline_timer(&self, d: usize) -> Option<TimerId> {
        let sp = &self.sides[d & 1];
        if d < 2 { sp.hold } else { sp.bfd_detect }
    }

    fn periodic_timer(&self, k: usize) -> Option<TimerId> {
        let sp = &self.sides[k & 1];
        if k < 2 { sp.keepalive } else { sp.bfd_tx }
    }

    /// Leaves lazy mode: the periodic timers kept here and the retired deadlines go back on
    /// the heap at the times the replay gives (replay up to now first).
    pub(super) fn materialize(&self, lazy: &mut Lazy, sched: &mut Scheduler<Ev>) {
        let mut ks: Vec<usize> = (0..4).filter(|&k| lazy.next[k] != NONE).collect();
        ks.sort_by_key(|&k| lazy.order[k]);
        for k in ks {
            if let Some(t) = self.periodic_timer(k) {
                sched.arm(t, SimTime(lazy.next[k]));
            }
        }
        for d in 0..4 {
            let Some(t) = self.deadline_timer(d) else { continue };
            if lazy.chain[d] == NONE {
                continue;
            }
            let at = lazy.deadline(&self.timers, d);
            if lazy.chain[d] == lazy.entry_queued[d] {
                // Its heap entry from before has not surfaced (or just did): a later
                // deadline rewrites the slot, as the per-packet re-arms did.
                if lazy.last_rx[d] != NONE || lazy.retired[d] {
                    sched.arm(t, at);
                }
            } else {
                sched.arm_queued(t, at, SimTime(lazy.chain[d]));
            }
        }
    }

    /// An upper bound on the packets of this session's periodic timers that fall due in
    /// `[from, to)`: each gap is at least three quarters of its interval (the jitter floor).
    pub(super) fn packets_bound(&self, lazy: Option<&Lazy>, from: SimTime, to: SimTime) -> u64 {
        let mut n = 0u64;
        for k in 0..4 {
            let interval = if k < 2 { self.timers.keepalive[k & 1] } else { self.timers.bfd_tx[k & 1] };
            if self.periodic_timer(k).is_none() || interval.as_nanos() == 0 {
                continue;
            }
            let base = lazy.map_or(NONE, |l| l.next[k]).min(from.as_nanos());
            let gap = (interval.as_nanos() / 4 * 3).max(1);
            if to.as_nanos() > base {
                n = n.saturating_add(1 + (to.as_nanos() - base) / gap);
            }
        }
        n
    }
}
