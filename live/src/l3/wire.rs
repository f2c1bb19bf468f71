//! One direction of one flow's emulated path: a serializer at the path's rate behind a
//! drop-tail queue, then the one-way delay, with random loss and outages.
//!
//! Pure: every call is given the wall instant it happens at, so the tests drive it without a
//! clock. A packet offered at `now` starts serializing when the previous one has left
//! (`busy_until`), takes `len × 8 / rate` to leave, and is delivered one one-way delay later;
//! deliveries never overtake each other (a shorter delay after a path change waits for the
//! packets ahead, as a FIFO path would). The queue is the serializer's backlog: a packet that
//! would make it exceed the limit is dropped at the tail.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::Serialize;
use sim_core::rng::Stream;

/// The lowest rate a wire serializes at: a flow the simulation gives no share (stalled, or
/// starting) still lets the real TCP's probes and SYNs through.
pub(crate) const MIN_RATE_BPS: u64 = 1_000_000;
/// The smallest drop-tail queue, bytes: one BDP, but never less than this.
pub(crate) const MIN_QUEUE_BYTES: u64 = 64 * 1024;
/// Bytes a wire may hold in flight (queued and propagating) at most, whatever its delay:
/// the memory one emulated direction may take.
pub(crate) const MAX_IN_FLIGHT_BYTES: u64 = 64 * 1024 * 1024;

/// What the simulation says of one direction now, in wall-clock terms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Link {
    /// The direction delivers (no outage, both ends alive).
    pub delivers: bool,
    /// One-way delay, wall time (the simulated delay divided by the speed).
    pub delay: Duration,
    /// Serialization rate, bits per second of wall time; `None`: not rate-limited.
    pub rate_bps: Option<u64>,
    /// Drop-tail limit of the serializer's backlog, bytes.
    pub queue_bytes: u64,
    /// Random loss, parts per million.
    pub loss_ppm: u32,
}

impl Link {
    /// A path nothing impairs (a group the snapshot does not hold).
    pub const CLEAR: Link = Link { delivers: true, delay: Duration::ZERO, rate_bps: None, queue_bytes: u64::MAX, loss_ppm: 0 };
}

/// Packets a wire dropped, by cause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct L3Drops {
    /// The direction did not deliver (a blackhole, a cut, a dead end): when offered, or when
    /// due while the path had since broken.
    pub outage: u64,
    /// The drop-tail queue was full.
    pub queue: u64,
    /// Random loss (the path's `loss_ppm`).
    pub loss: u64,
}

impl L3Drops {
    pub fn total(&self) -> u64 {
        self.outage + self.queue + self.loss
    }

    pub(crate) fn add(&mut self, why: Cause) {
        match why {
            Cause::Outage => self.outage += 1,
            Cause::Queue => self.queue += 1,
            Cause::Loss => self.loss += 1,
        }
    }
}

/// Why a packet was not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cause {
    Outage,
    Queue,
    Loss,
}

/// A packet on its way, with what its owner wants back at delivery.
#[derive(Debug)]
pub(crate) struct InFlight<T> {
    pub due: Instant,
    pub packet: Vec<u8>,
    pub tag: T,
}

#[derive(Debug)]
pub(crate) struct Wire<T> {
    busy_until: Option<Instant>,
    last_due: Option<Instant>,
    in_flight: VecDeque<InFlight<T>>,
    in_flight_bytes: u64,
    loss: Stream,
    pub drops: L3Drops,
    pub delivered: u64,
}

impl<T> Wire<T> {
    /// A wire whose loss draws come from `loss` (one draw per packet offered while the
    /// direction delivers).
    pub fn new(loss: Stream) -> Wire<T> {
        Wire {
            busy_until: None,
            last_due: None,
            in_flight: VecDeque::new(),
            in_flight_bytes: 0,
            loss,
            drops: L3Drops::default(),
            delivered: 0,
        }
    }

    /// Bytes waiting for the serializer at `now`.
    pub fn backlog(&self, now: Instant, rate_bps: u64) -> u64 {
        let wait = self.busy_until.map_or(Duration::ZERO, |b| b.saturating_duration_since(now));
        (wait.as_secs_f64() * rate_bps as f64 / 8.0) as u64
    }

    /// Offers a packet at `now`: queued (it will be due later), or dropped and why.
    pub fn offer(&mut self, now: Instant, link: &Link, packet: Vec<u8>, tag: T) -> Result<(), Cause> {
        let len = packet.len() as u64;
        let why = self.admit(now, link, len);
        if let Err(why) = why {
            self.drops.add(why);
            return Err(why);
        }
        let start = self.busy_until.map_or(now, |b| b.max(now));
        let done = match link.rate_bps {
            Some(r) => start + Duration::from_secs_f64(len as f64 * 8.0 / r.max(MIN_RATE_BPS) as f64),
            None => start,
        };
        self.busy_until = Some(done);
        // Loss happens on the wire: the packet took its turn at the serializer.
        if self.loss.chance_ppm(link.loss_ppm) {
            self.drops.add(Cause::Loss);
            return Err(Cause::Loss);
        }
        let due = self.last_due.map_or(done + link.delay, |d| d.max(done + link.delay));
        self.last_due = Some(due);
        self.in_flight_bytes += len;
        self.in_flight.push_back(InFlight { due, packet, tag });
        Ok(())
    }

    fn admit(&self, now: Instant, link: &Link, len: u64) -> Result<(), Cause> {
        if !link.delivers {
            return Err(Cause::Outage);
        }
        if let Some(r) = link.rate_bps
            && self.backlog(now, r.max(MIN_RATE_BPS)) + len > link.queue_bytes
        {
            return Err(Cause::Queue);
        }
        if self.in_flight_bytes + len > MAX_IN_FLIGHT_BYTES {
            return Err(Cause::Queue);
        }
        Ok(())
    }

    /// When the next packet falls due.
    pub fn next_due(&self) -> Option<Instant> {
        self.in_flight.front().map(|p| p.due)
    }

    /// The next packet due at or before `now`, if any. The caller delivers it, or drops it
    /// if the direction stopped delivering meanwhile ([`Wire::dropped_in_flight`]).
    pub fn pop_due(&mut self, now: Instant) -> Option<InFlight<T>> {
        if self.in_flight.front().is_some_and(|p| p.due <= now) {
            let p = self.in_flight.pop_front()?;
            self.in_flight_bytes -= p.packet.len() as u64;
            return Some(p);
        }
        None
    }

    pub fn dropped_in_flight(&mut self) {
        self.drops.add(Cause::Outage);
    }

    pub fn delivered_one(&mut self) {
        self.delivered += 1;
    }
}

/// One BDP of the path at `rate_bps` over `rtt` (wall), at least [`MIN_QUEUE_BYTES`].
pub(crate) fn bdp_bytes(rate_bps: u64, rtt: Duration) -> u64 {
    ((rate_bps as f64 * rtt.as_secs_f64() / 8.0) as u64).max(MIN_QUEUE_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(rate: u64, delay_ms: u64, queue: u64) -> Link {
        Link { delivers: true, delay: Duration::from_millis(delay_ms), rate_bps: Some(rate), queue_bytes: queue, loss_ppm: 0 }
    }

    #[test]
    fn serializes_then_delays_in_order() {
        let t0 = Instant::now();
        let mut w: Wire<u32> = Wire::new(Stream::derive(1, "t"));
        // 8 Mbit/s: a 1000-byte packet takes 1 ms.
        let l = link(8_000_000, 10, 1 << 20);
        for i in 0..3 {
            w.offer(t0, &l, vec![0; 1000], i).expect("queued");
        }
        assert_eq!(w.next_due(), Some(t0 + Duration::from_millis(11)));
        assert!(w.pop_due(t0 + Duration::from_millis(10)).is_none());
        let dues: Vec<_> = std::iter::from_fn(|| w.pop_due(t0 + Duration::from_secs(1))).map(|p| (p.tag, p.due - t0)).collect();
        assert_eq!(dues, vec![(0, Duration::from_millis(11)), (1, Duration::from_millis(12)), (2, Duration::from_millis(13))]);
        // A shorter delay later does not overtake.
        let mut w: Wire<u32> = Wire::new(Stream::derive(1, "t"));
        w.offer(t0, &l, vec![0; 1000], 0).expect("queued");
        w.offer(t0, &link(8_000_000, 0, 1 << 20), vec![0; 1000], 1).expect("queued");
        assert_eq!(w.pop_due(t0 + Duration::from_secs(1)).map(|p| p.due), Some(t0 + Duration::from_millis(11)));
        assert_eq!(w.pop_due(t0 + Duration::from_secs(1)).map(|p| p.due), Some(t0 + Duration::from_millis(11)));
    }

    #[test]
    fn drop_tail_outage_and_loss() {
        let t0 = Instant::now();
        let mut w: Wire<()> = Wire::new(Stream::derive(1, "t"));
        let l = link(8_000_000, 0, 3000);
        let results: Vec<_> = (0..5).map(|_| w.offer(t0, &l, vec![0; 1000], ())).collect();
        // The backlog after three packets is 3000 bytes: the fourth no longer fits.
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3);
        assert_eq!(w.drops.queue, 2);
        // 1 ms later one packet has left: one more fits.
        assert!(w.offer(t0 + Duration::from_millis(1), &l, vec![0; 1000], ()).is_ok());
        let dark = Link { delivers: false, ..l };
        assert_eq!(w.offer(t0, &dark, vec![0; 10], ()), Err(Cause::Outage));
        let lossy = Link { loss_ppm: 1_000_000, queue_bytes: u64::MAX, ..l };
        assert_eq!(w.offer(t0, &lossy, vec![0; 10], ()), Err(Cause::Loss));
        assert_eq!(w.drops, L3Drops { outage: 1, queue: 2, loss: 1 });
        // Half the packets, roughly, at 50 %; the same draws under the same seed.
        let draws = |seed| {
            let mut w: Wire<()> = Wire::new(Stream::derive(seed, "t"));
            let l = Link { loss_ppm: 500_000, ..Link::CLEAR };
            (0..1000).map(|_| w.offer(t0, &l, vec![0; 10], ()).is_ok()).collect::<Vec<_>>()
        };
        let ok = draws(7).iter().filter(|x| **x).count();
        assert!((400..600).contains(&ok), "{ok}");
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
    }

    #[test]
    fn bdp_has_a_floor() {
        assert_eq!(bdp_bytes(100_000_000, Duration::from_millis(20)), 250_000);
        assert_eq!(bdp_bytes(1_000_000, Duration::from_millis(1)), MIN_QUEUE_BYTES);
    }
}
