//! What each real connection went through on the emulated path, from its packets alone.
//!
//! A connection is a TCP 4-tuple seen on a TUN device; its client is the end that sent the
//! SYN (or the client-side namespace's end, for a connection whose SYN was not seen). Per
//! direction the tracker follows the sender's highest sequence number sent (read from the
//! sender's TUN), the highest acknowledgment delivered back to it, and the highest sequence
//! number delivered to the receiver. From those:
//!
//! - *bytes* each way: how far the highest payload byte delivered got past the SYN (a
//!   retransmission of delivered bytes adds nothing; a hole counts once the bytes past it
//!   arrive): on a connection that completed, exactly what the application read;
//! - a *new* byte: one delivered past what the receiver had acknowledged (read from the
//!   receiver's device), so a hole's retransmission is new and a spurious one is not;
//! - *observed stall*: the longest wall interval, in either direction, during which the sender
//!   had unacknowledged payload and no new payload byte was delivered; it starts at the last
//!   delivery of a new byte, or when the sender sent a byte with nothing outstanding, and ends
//!   at the next delivery of a new byte (an acknowledgment of everything ends it uncounted:
//!   the sender was idle). Reported in simulated seconds (wall × speed);
//! - *recovery*, per repair of the bound flow's path (both directions deliver again) at which
//!   the connection had unacknowledged payload: from the repair to the first new payload
//!   byte delivered after it. The prediction is the simulated flow's: from the same repair to
//!   the instant the simulation says its TCP moves data again (its Resume), simulated time.

use std::collections::HashMap;
use std::net::{SocketAddr, SocketAddrV4};
use std::time::Instant;

use serde::Serialize;
use sim_core::{SimDuration, SimTime};

use super::packet::{Segment, seq_after};
use super::wire::{Cause, L3Drops};

/// One real connection through `--l3`, predicted against observed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct L3Connection {
    /// Numbered from 1 in the order connections were first seen, across all proxies.
    pub id: u64,
    /// The `[[proxy]]` table's name.
    pub proxy: String,
    /// The traffic group's id.
    pub traffic: String,
    /// The flow of the group the connection is bound to: its index within the group
    /// ([`super::bind_flow`]).
    pub flow: usize,
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// Simulated time the first packet was seen, seconds.
    pub opened_s: f64,
    /// Simulated time both FINs were delivered or a RST was sent; `None`: still open.
    pub closed_s: Option<f64>,
    /// New payload bytes delivered client to server.
    pub bytes_up: u64,
    /// New payload bytes delivered server to client.
    pub bytes_down: u64,
    /// Packets of the connection dropped client to server, by cause.
    pub dropped_up: L3Drops,
    /// Packets of the connection dropped server to client, by cause.
    pub dropped_down: L3Drops,
    /// The longest time the bound simulated flow was stalled while the connection was open,
    /// simulated seconds.
    pub predicted_stall_max_s: f64,
    /// The longest time, either way, the sender had unacknowledged bytes and no new byte was
    /// delivered, simulated seconds (wall × speed).
    pub observed_stall_max_s: f64,
    /// A kernel sent a RST.
    pub reset: bool,
    /// Per repair of the path that found the connection waiting.
    pub recoveries: Vec<L3Recovery>,
}

/// One repair of the bound flow's path, as the simulation predicted it and as the real
/// connection lived it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct L3Recovery {
    /// Simulated time the path delivered again in both directions, seconds.
    pub repaired_s: f64,
    /// From the repair to the simulated flow's resume, simulated seconds; `None`: it had
    /// not resumed (by the end, or before the path broke again).
    pub predicted_s: Option<f64>,
    /// From the repair to the first new payload byte delivered, simulated seconds (wall ×
    /// speed); `None`: none was delivered (by the end, or before the path broke again).
    pub observed_s: Option<f64>,
}

/// One direction of a connection, by the wire its payload travels on.
#[derive(Clone, Copy, Debug, Default)]
struct Dir {
    /// One past the highest payload byte the sender has sent.
    sent: Option<u32>,
    /// The highest acknowledgment delivered back to the sender.
    acked: Option<u32>,
    /// One past the highest payload byte delivered to the receiver (from the SYN on: its
    /// sequence number plus one).
    delivered: Option<u32>,
    /// The highest acknowledgment the receiver has sent (read from its device).
    receiver_acked: Option<u32>,
    bytes: u64,
    /// Since when no new byte was delivered while bytes were outstanding.
    gap_from: Option<Instant>,
    stall_max_s: f64,
    fin: bool,
}

impl Dir {
    fn outstanding(&self) -> bool {
        match (self.sent, self.acked) {
            (Some(s), Some(a)) => seq_after(s, a),
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

#[derive(Clone, Debug)]
struct Conn {
    id: u64,
    flow: usize,
    client: SocketAddrV4,
    server: SocketAddrV4,
    /// The wire the client's bytes travel on (0: side a to side b).
    up: usize,
    opened: SimTime,
    closed: Option<SimTime>,
    reset: bool,
    dirs: [Dir; 2],
    drops: [L3Drops; 2],
    predicted_stall: SimDuration,
    recoveries: Vec<Recovery>,
    /// The recovery still waiting for its first new byte.
    waiting: Option<usize>,
}

#[derive(Clone, Copy, Debug)]
struct Recovery {
    repaired: SimTime,
    repaired_wall: Instant,
    predicted: Option<SimDuration>,
    observed_s: Option<f64>,
}

/// The connections of one proxy.
#[derive(Debug, Default)]
pub(crate) struct Conns {
    list: Vec<Conn>,
    /// (client, server) to the latest connection on that 4-tuple.
    by_key: HashMap<(SocketAddrV4, SocketAddrV4), usize>,
}

impl Conns {
    /// The connection `seg` (read from wire `wire`) belongs to, opened if new: a SYN on a
    /// 4-tuple whose connection has closed opens a new one. `flow_of(client, server)` binds
    /// a new connection; `next_id` numbers it.
    pub fn find_or_open(
        &mut self,
        seg: &Segment,
        wire: usize,
        now: SimTime,
        flow_of: impl FnOnce(SocketAddrV4, SocketAddrV4) -> usize,
        next_id: impl FnOnce() -> u64,
    ) -> usize {
        let found = self.by_key.get(&(seg.src, seg.dst)).or_else(|| self.by_key.get(&(seg.dst, seg.src))).copied();
        if let Some(i) = found
            && !(seg.opens() && self.list[i].closed.is_some())
        {
            return i;
        }
        let (client, server, up) = if seg.opens() || wire == 0 { (seg.src, seg.dst, wire) } else { (seg.dst, seg.src, 1 - wire) };
        let i = self.list.len();
        self.list.push(Conn {
            id: next_id(),
            flow: flow_of(client, server),
            client,
            server,
            up,
            opened: now,
            closed: None,
            reset: false,
            dirs: [Dir::default(); 2],
            drops: [L3Drops::default(); 2],
            predicted_stall: SimDuration::ZERO,
            recoveries: Vec::new(),
            waiting: None,
        });
        self.by_key.insert((client, server), i);
        i
    }

    pub fn flow(&self, i: usize) -> usize {
        self.list[i].flow
    }

    /// `seg` of connection `i` was read from wire `wire`'s source at `now`.
    pub fn on_read(&mut self, i: usize, wire: usize, seg: &Segment, now: Instant, sim: SimTime) {
        let c = &mut self.list[i];
        if seg.rst {
            c.reset = true;
            c.closed.get_or_insert(sim);
        }
        if let Some(a) = seg.ack {
            let back = &mut c.dirs[1 - wire];
            if back.receiver_acked.is_none_or(|x| seq_after(a, x)) {
                back.receiver_acked = Some(a);
            }
        }
        let d = &mut c.dirs[wire];
        if seg.syn {
            d.delivered.get_or_insert(seg.seq.wrapping_add(1));
        }
        if seg.len > 0 && d.sent.is_none_or(|s| seq_after(seg.end(), s)) {
            if !d.outstanding() && d.gap_from.is_none() {
                d.gap_from = Some(now);
            }
            d.sent = Some(seg.end());
        }
    }

    /// A packet of connection `i` on wire `wire` was dropped.
    pub fn on_drop(&mut self, i: usize, wire: usize, why: Cause) {
        self.list[i].drops[wire].add(why);
    }

    /// `seg` of connection `i` was delivered on wire `wire` at `now`.
    pub fn on_deliver(&mut self, i: usize, wire: usize, seg: &Segment, now: Instant, sim: SimTime, speed: f64) {
        let c = &mut self.list[i];
        let d = &mut c.dirs[wire];
        if seg.len > 0 {
            match d.delivered {
                Some(x) if seq_after(seg.end(), x) => {
                    d.bytes += u64::from(seg.end().wrapping_sub(x));
                    d.delivered = Some(seg.end());
                }
                Some(_) => {}
                None => {
                    d.bytes += u64::from(seg.len);
                    d.delivered = Some(seg.end());
                }
            }
            // New to the receiver: past what it has acknowledged (a hole's retransmission
            // is new; a spurious one is not).
            if d.receiver_acked.is_none_or(|r| seq_after(seg.end(), r)) {
                if let Some(g) = d.gap_from {
                    d.stall_max_s = d.stall_max_s.max(now.saturating_duration_since(g).as_secs_f64() * speed);
                }
                d.gap_from = d.outstanding().then_some(now);
                if let Some(r) = c.waiting.take() {
                    c.recoveries[r].observed_s = Some(now.saturating_duration_since(c.recoveries[r].repaired_wall).as_secs_f64() * speed);
                }
            }
        }
        if seg.fin {
            d.fin = true;
            if c.dirs[1 - wire].fin {
                c.closed.get_or_insert(sim);
            }
        }
        if let Some(a) = seg.ack {
            let back = &mut c.dirs[1 - wire];
            if back.acked.is_none_or(|x| seq_after(a, x)) {
                back.acked = Some(a);
            }
            if !back.outstanding() {
                back.gap_from = None;
            }
        }
    }

    /// Flow `flow`'s path delivers again both ways, at `now` (`sim`); `flow_stalled`: the
    /// simulated flow is still stalled (its resume is the prediction).
    pub fn on_repair(&mut self, flow: usize, now: Instant, sim: SimTime, flow_stalled: bool) {
        for c in self.list.iter_mut().filter(|c| c.flow == flow && c.closed.is_none()) {
            if c.dirs.iter().any(Dir::outstanding) {
                c.recoveries.push(Recovery {
                    repaired: sim,
                    repaired_wall: now,
                    predicted: (!flow_stalled).then_some(SimDuration::ZERO),
                    observed_s: None,
                });
                c.waiting = Some(c.recoveries.len() - 1);
            }
        }
    }

    /// Flow `flow`'s path stopped delivering (in either direction): a recovery still
    /// waiting stays unobserved.
    pub fn on_break(&mut self, flow: usize) {
        for c in self.list.iter_mut().filter(|c| c.flow == flow) {
            c.waiting = None;
        }
    }

    /// The simulated flow `flow` stalled from `since` and moves data again at `sim`.
    pub fn on_resume(&mut self, flow: usize, since: SimTime, sim: SimTime) {
        for c in self.list.iter_mut().filter(|c| c.flow == flow) {
            c.note_stall(since, sim);
            for r in c.recoveries.iter_mut().filter(|r| r.predicted.is_none()) {
                r.predicted = Some(sim.saturating_since(r.repaired));
            }
        }
    }

    /// The report of every connection at `now` (`sim`); `stalled_since[f]`: flow `f`'s
    /// simulated stall still running.
    pub fn report(
        &self,
        proxy: &str,
        traffic: &str,
        now: Instant,
        sim: SimTime,
        speed: f64,
        stalled_since: &[Option<SimTime>],
    ) -> Vec<L3Connection> {
        self.list
            .iter()
            .map(|c| {
                let mut c = c.clone();
                if let Some(Some(since)) = stalled_since.get(c.flow) {
                    c.note_stall(*since, sim);
                }
                let ongoing = |d: &Dir| match d.gap_from {
                    Some(g) if d.outstanding() && c.closed.is_none() => now.saturating_duration_since(g).as_secs_f64() * speed,
                    _ => 0.0,
                };
                let stall = c.dirs.iter().map(|d| d.stall_max_s.max(ongoing(d))).fold(0.0, f64::max);
                let (up, down) = (c.up, 1 - c.up);
                L3Connection {
                    id: c.id,
                    proxy: proxy.to_string(),
                    traffic: traffic.to_string(),
                    flow: c.flow,
                    client: SocketAddr::V4(c.client),
                    server: SocketAddr::V4(c.server),
                    opened_s: c.opened.as_secs_f64(),
                    closed_s: c.closed.map(SimTime::as_secs_f64),
                    bytes_up: c.dirs[up].bytes,
                    bytes_down: c.dirs[down].bytes,
                    dropped_up: c.drops[up],
                    dropped_down: c.drops[down],
                    predicted_stall_max_s: c.predicted_stall.as_secs_f64(),
                    observed_stall_max_s: stall,
                    reset: c.reset,
                    recoveries: c
                        .recoveries
                        .iter()
                        .map(|r| L3Recovery {
                            repaired_s: r.repaired.as_secs_f64(),
                            predicted_s: r.predicted.map(SimDuration::as_secs_f64),
                            observed_s: r.observed_s,
                        })
                        .collect(),
                }
            })
            .collect()
    }
}

impl Conn {
    /// A simulated stall from `since` to `until`, clipped to the connection's life.
    fn note_stall(&mut self, since: SimTime, until: SimTime) {
        let from = since.max(self.opened);
        let to = self.closed.map_or(until, |c| c.min(until));
        self.predicted_stall = SimDuration(self.predicted_stall.as_nanos().max(to.saturating_since(from).as_nanos()));
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::time::Duration;

    use super::*;

    fn seg(src: SocketAddrV4, dst: SocketAddrV4, seq: u32, ack: Option<u32>, len: u32) -> Segment {
        Segment { src, dst, seq, ack, syn: false, fin: false, rst: false, len }
    }

    #[test]
    fn follows_a_stall_and_its_recovery() {
        let a = SocketAddrV4::new(Ipv4Addr::new(10, 201, 0, 1), 40000);
        let b = SocketAddrV4::new(Ipv4Addr::new(10, 201, 0, 2), 5001);
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let sim = |ms: u64| SimTime::from_millis(ms);
        let mut cs = Conns::default();
        let syn = Segment { syn: true, ..seg(a, b, 99, None, 0) };
        let i = cs.find_or_open(&syn, 0, sim(0), |_, _| 3, || 1);
        assert_eq!(cs.flow(i), 3);
        // The reply from b finds the same connection.
        assert_eq!(cs.find_or_open(&Segment { syn: true, ..seg(b, a, 5, Some(100), 0) }, 1, sim(0), |_, _| 0, || 2), i);
        // 1000 bytes sent at 0, delivered at 10 ms, acked at 20 ms: a 10 ms gap, then idle.
        let d1 = seg(a, b, 100, Some(6), 1000);
        cs.on_read(i, 0, &Segment { syn: true, ..seg(a, b, 99, None, 0) }, at(0), sim(0));
        cs.on_read(i, 0, &d1, at(0), sim(0));
        cs.on_deliver(i, 0, &d1, at(10), sim(10), 1.0);
        let ack = seg(b, a, 6, Some(1100), 0);
        cs.on_read(i, 1, &ack, at(20), sim(20));
        cs.on_deliver(i, 1, &ack, at(20), sim(20), 1.0);
        // Idle for a second: no stall. Then 1000 bytes at 1000 ms, lost; the path breaks and
        // is repaired at 1500 ms; the retransmission is delivered at 1700 ms.
        let d2 = seg(a, b, 1100, Some(6), 1000);
        cs.on_read(i, 0, &d2, at(1000), sim(1000));
        cs.on_drop(i, 0, Cause::Outage);
        cs.on_break(3);
        cs.on_repair(3, at(1500), sim(1500), true);
        cs.on_read(i, 0, &d2, at(1690), sim(1690));
        cs.on_deliver(i, 0, &d2, at(1700), sim(1700), 1.0);
        cs.on_resume(3, sim(1000), sim(1650));
        cs.on_read(i, 1, &seg(b, a, 6, Some(2100), 0), at(1700), sim(1700));
        // A duplicate delivery adds no bytes, and is no new byte: the stall since 1700 runs.
        cs.on_deliver(i, 0, &d2, at(1710), sim(1710), 1.0);
        let r = cs.report("p", "t", at(2000), sim(2000), 1.0, &[None; 4]);
        assert_eq!(r.len(), 1);
        let c = &r[0];
        assert_eq!((c.bytes_up, c.bytes_down, c.client, c.server), (2000, 0, SocketAddr::V4(a), SocketAddr::V4(b)));
        assert!((c.observed_stall_max_s - 0.7).abs() < 1e-9, "{}", c.observed_stall_max_s);
        assert!((c.predicted_stall_max_s - 0.65).abs() < 1e-9);
        assert_eq!(c.dropped_up.outage, 1);
        assert_eq!(c.recoveries.len(), 1);
        let rec = c.recoveries[0];
        assert!((rec.observed_s.expect("observed") - 0.2).abs() < 1e-9);
        assert!((rec.predicted_s.expect("predicted") - 0.15).abs() < 1e-9);
        // Still unacknowledged at the sender at the report: the stall runs on (0.3 s since
        // 1.7 s), below 0.7.
        assert!(c.closed_s.is_none() && !c.reset);
    }

    #[test]
    fn a_hole_counts_once_and_its_fill_is_new() {
        let a = SocketAddrV4::new(Ipv4Addr::new(10, 201, 0, 1), 40000);
        let b = SocketAddrV4::new(Ipv4Addr::new(10, 201, 0, 2), 5001);
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut cs = Conns::default();
        let syn = Segment { syn: true, ..seg(a, b, 0, None, 0) };
        let i = cs.find_or_open(&syn, 0, SimTime::ZERO, |_, _| 0, || 1);
        cs.on_read(i, 0, &syn, at(0), SimTime::ZERO);
        let (s1, s2, s3) = (seg(a, b, 1, Some(1), 100), seg(a, b, 101, Some(1), 100), seg(a, b, 201, Some(1), 100));
        for s in [&s1, &s2, &s3] {
            cs.on_read(i, 0, s, at(0), SimTime::ZERO);
        }
        // s2 is lost: s1 and s3 arrive, the receiver acknowledges 101 twice.
        cs.on_deliver(i, 0, &s1, at(10), SimTime::ZERO, 1.0);
        cs.on_read(i, 1, &seg(b, a, 1, Some(101), 0), at(10), SimTime::ZERO);
        cs.on_deliver(i, 0, &s3, at(11), SimTime::ZERO, 1.0);
        cs.on_read(i, 1, &seg(b, a, 1, Some(101), 0), at(11), SimTime::ZERO);
        // The hole's retransmission, 500 ms later, is new: the stall ends there.
        cs.on_read(i, 0, &s2, at(500), SimTime::ZERO);
        cs.on_deliver(i, 0, &s2, at(511), SimTime::ZERO, 1.0);
        cs.on_read(i, 1, &seg(b, a, 1, Some(301), 0), at(511), SimTime::ZERO);
        cs.on_deliver(i, 1, &seg(b, a, 1, Some(301), 0), at(521), SimTime::ZERO, 1.0);
        let r = cs.report("p", "t", at(600), SimTime::ZERO, 1.0, &[]);
        assert_eq!(r[0].bytes_up, 300);
        assert!((r[0].observed_stall_max_s - 0.5).abs() < 1e-9, "{}", r[0].observed_stall_max_s);
    }

    #[test]
    fn orientation_close_and_reuse() {
        let a = SocketAddrV4::new(Ipv4Addr::new(10, 201, 0, 1), 5001);
        let b = SocketAddrV4::new(Ipv4Addr::new(10, 201, 0, 2), 40000);
        let t0 = Instant::now();
        let mut cs = Conns::default();
        // A server in side a: the SYN comes from b, on wire 1; the client's bytes go on wire 1.
        let syn = Segment { syn: true, ..seg(b, a, 0, None, 0) };
        let i = cs.find_or_open(&syn, 1, SimTime::ZERO, |_, _| 0, || 1);
        let up = seg(b, a, 1, Some(1), 10);
        cs.on_read(i, 1, &up, t0, SimTime::ZERO);
        cs.on_deliver(i, 1, &up, t0, SimTime::ZERO, 1.0);
        cs.on_deliver(i, 1, &Segment { fin: true, ..seg(b, a, 11, Some(1), 0) }, t0, SimTime::from_millis(5), 1.0);
        cs.on_deliver(i, 0, &Segment { fin: true, ..seg(a, b, 1, Some(12), 0) }, t0, SimTime::from_millis(6), 1.0);
        // The same 4-tuple opens again.
        let j = cs.find_or_open(&syn, 1, SimTime::from_millis(7), |_, _| 0, || 2);
        assert_ne!(i, j);
        cs.on_read(j, 0, &Segment { rst: true, ..seg(a, b, 0, None, 0) }, t0, SimTime::from_millis(8));
        let r = cs.report("p", "t", t0, SimTime::from_millis(9), 1.0, &[]);
        assert_eq!(r[0].client, SocketAddr::V4(b));
        assert_eq!((r[0].bytes_up, r[0].closed_s, r[0].reset), (10, Some(0.006), false));
        assert_eq!((r[1].id, r[1].closed_s, r[1].reset), (2, Some(0.008), true));
    }
}
