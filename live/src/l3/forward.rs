//! The forwarder of one proxy: reads IP packets from the two TUN devices, puts each on its
//! flow's wire for its direction, writes it to the other device when due, and keeps the
//! connections' and flows' books.
//!
//! One task per proxy owns both devices; the state sits behind a mutex only so that
//! [`super::L3Handle::report`] can read it while the task runs (the lock is held for one
//! packet or one batch of deliveries, never across an await).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sim_core::rng::Stream;
use sim_core::{SimDuration, SimTime};
use tokio::sync::watch;
use tokio_tun::Tun;

use super::conn::{Conns, L3Connection};
use super::packet::{Parsed, Segment, parse};
use super::wire::{L3Drops, Link, MIN_RATE_BPS, Wire, bdp_bytes};
use super::{L3Stats, bind_flow};
use crate::state::{FlowNow, Snapshot};

/// What a packet in flight carries back to the books at delivery.
type Tag = Option<(usize, Segment)>;

/// Packets read from one device before the task looks at its other work again.
const READ_BATCH: usize = 64;
/// The largest packet a TUN device hands over (its MTU is 1500; GSO is off without
/// IFF_VNET_HDR).
const BUF: usize = 65536;

/// What the forwarder knows of its proxy and run.
pub(crate) struct Ctx {
    pub proxy: String,
    pub traffic: String,
    pub group: usize,
    pub seed: u64,
    /// The speed to use when a snapshot carries none.
    pub speed: f64,
    pub next_id: Arc<AtomicU64>,
}

/// One flow's bookkeeping: the last path state seen, and its simulated stall.
#[derive(Clone, Copy, Debug)]
struct FlowBook {
    both_deliver: bool,
    stalled_since: Option<SimTime>,
}

pub(crate) struct State {
    ctx: Ctx,
    /// The latest snapshot (simulated time moves on from `snap.now`, at `snap.wall`, at
    /// the pace).
    snap: Arc<Snapshot>,
    flows: Vec<FlowBook>,
    /// Per flow index, the wire of each direction (0: side a to side b, the data direction).
    wires: BTreeMap<usize, [Wire<Tag>; 2]>,
    conns: Conns,
    not_ipv4: u64,
    write_errors: u64,
    errors: Vec<String>,
}

impl State {
    pub fn new(ctx: Ctx, snap: Arc<Snapshot>) -> State {
        let flows = group_flows(&snap, ctx.group)
            .iter()
            .map(|f| FlowBook { both_deliver: f.path.delivers[0] && f.path.delivers[1], stalled_since: f.stalled.then_some(snap.now) })
            .collect();
        State { ctx, snap, flows, wires: BTreeMap::new(), conns: Conns::default(), not_ipv4: 0, write_errors: 0, errors: Vec::new() }
    }

    fn speed(&self) -> f64 {
        [self.snap.speed, self.ctx.speed].into_iter().find(|s| s.is_finite() && *s > 0.0).unwrap_or(1.0)
    }

    /// Simulated time at `now`: the snapshot's, moved on at the pace unless paused.
    fn sim_now(&self, now: Instant) -> SimTime {
        if self.snap.paused || self.snap.finished {
            return self.snap.now;
        }
        let ahead = now.saturating_duration_since(self.snap.wall).as_secs_f64() * self.speed();
        let t = self.snap.now + SimDuration::from_secs_f64(ahead.min(1e9));
        if self.snap.end > SimTime::ZERO { t.min(self.snap.end) } else { t }
    }

    fn flow_count(&self) -> usize {
        group_flows(&self.snap, self.ctx.group).len()
    }

    /// The emulated link of flow `flow`, direction `dir`, now.
    fn link(&self, flow: usize, dir: usize) -> Link {
        match group_flows(&self.snap, self.ctx.group).get(flow) {
            Some(f) => link_of(f, dir, self.speed()),
            None => Link::CLEAR,
        }
    }

    fn wire(&mut self, flow: usize, dir: usize) -> &mut Wire<Tag> {
        let (seed, proxy) = (self.ctx.seed, &self.ctx.proxy);
        &mut self.wires.entry(flow).or_insert_with(|| {
            let stream = |d: usize| Stream::derive(seed, &format!("live/l3/{proxy}/flow{flow}/dir{d}"));
            [Wire::new(stream(0)), Wire::new(stream(1))]
        })[dir]
    }

    /// A packet read at `now` from the device of side `dir` (0: side a, travelling to b).
    pub fn on_packet(&mut self, dir: usize, packet: &[u8], now: Instant) {
        let n = self.flow_count();
        let sim = self.sim_now(now);
        let (flow, tag) = match parse(packet) {
            Parsed::NotIpv4 => {
                self.not_ipv4 += 1;
                return;
            }
            Parsed::Other { src, dst } => (bind_flow(src, dst, n), None),
            Parsed::Tcp(seg) => {
                let next_id = &self.ctx.next_id;
                let i = self.conns.find_or_open(
                    &seg,
                    dir,
                    sim,
                    |c, s| bind_flow(SocketAddr::V4(c), SocketAddr::V4(s), n),
                    || next_id.fetch_add(1, Ordering::Relaxed) + 1,
                );
                self.conns.on_read(i, dir, &seg, now, sim);
                (self.conns.flow(i), Some((i, seg)))
            }
        };
        let link = self.link(flow, dir);
        if let Err(why) = self.wire(flow, dir).offer(now, &link, packet.to_vec(), tag)
            && let Some((i, _)) = tag
        {
            self.conns.on_drop(i, dir, why);
        }
    }

    /// When the next packet falls due.
    pub fn next_due(&self) -> Option<Instant> {
        self.wires.values().flat_map(|w| w.iter().filter_map(Wire::next_due)).min()
    }

    /// Writes every packet due at `now` to its destination device (`to[dir]`), or drops it
    /// if its direction stopped delivering while it was on its way.
    pub fn deliver(&mut self, now: Instant, to: [&Tun; 2]) {
        let sim = self.sim_now(now);
        let speed = self.speed();
        let flows: Vec<usize> = self.wires.keys().copied().collect();
        for flow in flows {
            for (dir, dst) in to.iter().enumerate() {
                let delivers = self.link(flow, dir).delivers;
                while let Some(p) = self.wire(flow, dir).pop_due(now) {
                    if !delivers {
                        self.wire(flow, dir).dropped_in_flight();
                        if let Some((i, _)) = p.tag {
                            self.conns.on_drop(i, dir, super::wire::Cause::Outage);
                        }
                        continue;
                    }
                    match dst.try_send(&p.packet) {
                        Ok(_) => {
                            self.wire(flow, dir).delivered_one();
                            if let Some((i, seg)) = p.tag {
                                self.conns.on_deliver(i, dir, &seg, now, sim, speed);
                            }
                        }
                        Err(_) => self.write_errors += 1,
                    }
                }
            }
        }
    }

    /// A new snapshot at `now`: repairs, breaks and simulated stalls of each flow.
    pub fn on_snapshot(&mut self, snap: Arc<Snapshot>, now: Instant) {
        let flows: Vec<FlowNow> = group_flows(&snap, self.ctx.group).to_vec();
        self.snap = snap;
        let sim = self.snap.now;
        if self.flows.len() != flows.len() {
            self.flows = flows.iter().map(|_| FlowBook { both_deliver: true, stalled_since: None }).collect();
        }
        for (f, (book, now_f)) in self.flows.iter_mut().zip(&flows).enumerate() {
            let both = now_f.path.delivers[0] && now_f.path.delivers[1];
            if book.both_deliver && !both {
                self.conns.on_break(f);
            }
            if !book.both_deliver && both {
                self.conns.on_repair(f, now, sim, now_f.stalled);
            }
            book.both_deliver = both;
            match (book.stalled_since, now_f.stalled) {
                (None, true) => book.stalled_since = Some(sim),
                (Some(since), false) => {
                    self.conns.on_resume(f, since, sim);
                    book.stalled_since = None;
                }
                _ => {}
            }
        }
    }

    pub fn error(&mut self, e: String) {
        self.errors.push(e);
    }

    pub fn report(&self, now: Instant) -> Vec<L3Connection> {
        let stalled: Vec<Option<SimTime>> = self.flows.iter().map(|f| f.stalled_since).collect();
        self.conns.report(&self.ctx.proxy, &self.ctx.traffic, now, self.sim_now(now), self.speed(), &stalled)
    }

    pub fn stats(&self) -> L3Stats {
        let mut delivered = [0u64; 2];
        let mut dropped = [L3Drops::default(); 2];
        for w in self.wires.values() {
            for d in 0..2 {
                delivered[d] += w[d].delivered;
                let x = w[d].drops;
                dropped[d] =
                    L3Drops { outage: dropped[d].outage + x.outage, queue: dropped[d].queue + x.queue, loss: dropped[d].loss + x.loss };
            }
        }
        L3Stats {
            proxy: self.ctx.proxy.clone(),
            delivered_a_to_b: delivered[0],
            delivered_b_to_a: delivered[1],
            dropped_a_to_b: dropped[0],
            dropped_b_to_a: dropped[1],
            not_ipv4: self.not_ipv4,
            write_errors: self.write_errors,
            errors: self.errors.clone(),
        }
    }
}

fn group_flows(snap: &Snapshot, group: usize) -> &[FlowNow] {
    snap.group(group).map_or(&[], |g| g.flows.as_slice())
}

/// The emulated link a flow's path makes, direction `dir` (0: data, 1: ACKs), at `speed`.
pub(crate) fn link_of(f: &FlowNow, dir: usize, speed: f64) -> Link {
    let wall = |d: SimDuration| Duration::from_secs_f64((d.as_secs_f64() / speed).min(1e6));
    let rate = f.path.ideal_bps.max(MIN_RATE_BPS);
    // The fluid model's standing queue is the queue a loss-based sender keeps; the real
    // kernel builds its own in the emulated link, so only the propagation delay is applied.
    let one_way = [f.path.one_way[0].saturating_sub(f.path.standing), f.path.one_way[1]];
    Link {
        delivers: f.path.delivers[dir],
        delay: wall(one_way[dir]),
        rate_bps: Some(rate),
        queue_bytes: bdp_bytes(rate, wall(one_way[0]) + wall(one_way[1])),
        // The view gives the data direction's loss only.
        loss_ppm: if dir == 0 { f.path.loss_ppm } else { 0 },
    }
}

pub(crate) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Forwards between `a` and `b` until `stop` or `shutdown` says so.
pub(crate) async fn run(
    state: Arc<Mutex<State>>,
    a: Tun,
    b: Tun,
    mut snapshot: watch::Receiver<Arc<Snapshot>>,
    mut shutdown: watch::Receiver<bool>,
    mut stop: watch::Receiver<bool>,
) {
    let (mut buf_a, mut buf_b) = (vec![0u8; BUF], vec![0u8; BUF]);
    let (mut watch_snapshot, mut watch_shutdown) = (true, true);
    let mut reading = [true, true];
    if *shutdown.borrow_and_update() || *stop.borrow_and_update() {
        return;
    }
    let sleep = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(sleep);
    loop {
        let due = lock(&state).next_due();
        if let Some(t) = due {
            sleep.as_mut().reset(tokio::time::Instant::from_std(t));
        }
        tokio::select! {
            biased;
            r = stop.changed() => {
                if r.is_err() || *stop.borrow_and_update() {
                    break;
                }
            }
            r = shutdown.changed(), if watch_shutdown => match r {
                Ok(()) if *shutdown.borrow_and_update() => break,
                Ok(()) => {}
                Err(_) => watch_shutdown = false,
            },
            r = snapshot.changed(), if watch_snapshot => match r {
                Ok(()) => {
                    let s = snapshot.borrow_and_update().clone();
                    lock(&state).on_snapshot(s, Instant::now());
                }
                Err(_) => watch_snapshot = false,
            },
            () = &mut sleep, if due.is_some() => lock(&state).deliver(Instant::now(), [&b, &a]),
            r = a.recv(&mut buf_a), if reading[0] => read(&state, 0, &a, r, &mut buf_a, &mut reading),
            r = b.recv(&mut buf_b), if reading[1] => read(&state, 1, &b, r, &mut buf_b, &mut reading),
        }
    }
}

/// Books the packet `r` read from side `dir`'s device and those already waiting behind it.
fn read(state: &Mutex<State>, dir: usize, tun: &Tun, r: std::io::Result<usize>, buf: &mut [u8], reading: &mut [bool; 2]) {
    let mut st = lock(state);
    let mut r = r;
    for _ in 0..READ_BATCH {
        match r {
            Ok(n) => st.on_packet(dir, &buf[..n], Instant::now()),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                // The device is gone (its namespace deleted under us): stop reading it
                // rather than spin on the error.
                st.error(format!("side {}: reading the TUN device failed: {e}", if dir == 0 { "a" } else { "b" }));
                reading[dir] = false;
                return;
            }
        }
        r = tun.try_recv(buf);
    }
}

#[cfg(test)]
mod tests {
    use sim_core::model::GroupId;
    use sim_core::{FlowPathView, TcpState};

    use super::*;

    #[test]
    fn a_flow_path_as_an_emulated_link() {
        let f = FlowNow {
            path: FlowPathView {
                group: GroupId(0),
                state: TcpState::Open,
                rate_bps: 5,
                path_ok: true,
                end_down: false,
                one_way: [SimDuration::from_millis(10), SimDuration::from_millis(30)],
                standing: SimDuration::ZERO,
                delivers: [true, false],
                ideal_bps: 100_000_000,
                loss_ppm: 2500,
                hash: 0,
            },
            stalled: false,
            aborts: 0,
        };
        let data = link_of(&f, 0, 1.0);
        assert_eq!((data.delivers, data.delay, data.rate_bps, data.loss_ppm), (true, Duration::from_millis(10), Some(100_000_000), 2500));
        // One BDP: 100 Mbit/s over a 40 ms round trip.
        assert_eq!(data.queue_bytes, 500_000);
        let acks = link_of(&f, 1, 1.0);
        assert_eq!((acks.delivers, acks.delay, acks.loss_ppm), (false, Duration::from_millis(30), 0));
        // Ten times faster: a tenth of the delay, and of the BDP (floored at 64 KiB).
        let fast = link_of(&f, 0, 10.0);
        assert_eq!((fast.delay, fast.queue_bytes), (Duration::from_millis(1), 65_536));
        let starved = FlowNow { path: FlowPathView { ideal_bps: 0, ..f.path }, ..f };
        assert_eq!(link_of(&starved, 0, 1.0).rate_bps, Some(MIN_RATE_BPS));
    }
}
