//! Packet fidelity: real TCP (smoltcp) at the endpoints, packets carried hop by hop.
//!
//! Each link direction is a wire: a FIFO of packets with a serialization horizon
//! (`busy_until`), a drop-tail queue limit, propagation delay, and random loss drawn from the
//! wire's own stream. Only the head of each wire has a heap event, so the heap holds about
//! #wires + #endpoints entries however many packets are in flight. Each hop picks its link
//! with the same ECMP hash as the fluid model, at the moment the packet reaches that hop.
//! A cut or blackhole bumps the wire's epoch: packets on the wire or in its queue are then
//! dropped on arrival. Fluid flows keep priority: packets see the capacity they leave.
//! Nothing here reads a clock; smoltcp gets virtual time only.
//!
//! `PacketWorld` owns the wires, packets and endpoints. It reads the network, routing and
//! traffic (the fluid load it must leave room for) and reports what the group ledgers need
//! (sent, delivered, lost, goodput per bin) as effects; it folds every hop and drop into the
//! fingerprint itself, since packet runs have millions of them.

use std::collections::VecDeque;

use hdrhistogram::Histogram;
use smoltcp::wire::{Ipv4Packet, TcpPacket};

use crate::endpoint::{Endpoint, EndpointOptions};
use crate::events::{Effect, Ev, Outbox};
use crate::model::{GroupId, LinkId, Model};
use crate::rng::Stream;
use crate::scheduler::{Scheduler, TimerId};
use crate::spec::{CongestionControl, Fidelity};
use crate::time::{SimDuration, SimTime};
use crate::trace::Trace;

/// The largest socket buffer sized automatically (BDP plus queue share). [ASSUMPTION] 64 MiB,
/// Linux's largest default `tcp_rmem` is 6 MiB; beyond 64 MiB a path needs tuning by hand.
pub const MAX_DEFAULT_BUFFER: u64 = 64 << 20;

/// Memory all socket buffers of one packet group may take.
pub const MAX_BUFFER_MEMORY: u64 = 8 << 30;

/// Goodput is binned at this interval into the group's throughput timeline.
pub const BIN: SimDuration = SimDuration::from_millis(10);

/// A gap in delivery at least this long counts as a stall. [ASSUMPTION] 100 ms: far above
/// any RTT on an interconnect and below the smallest RTO (200 ms on Linux, 1 s in smoltcp).
pub const STALL_GAP: SimDuration = SimDuration::from_millis(100);

pub(crate) struct Packet {
    pub data: Vec<u8>,
    pub pflow: u32,
    pub to_server: bool,
    pub hop: u8,
    pub epoch: u32,
    pub arrive: SimTime,
    pub payload: u32,
    /// A SYN or SYN-ACK: its loss holds the connection back (smoltcp retries after 1 s)
    /// though it carries no data, so it disrupts the group like a lost data packet.
    pub syn: bool,
}

#[derive(Default)]
pub(crate) struct Wire {
    pub queue: VecDeque<u32>,
    pub busy_until: SimTime,
    pub last_arrival: SimTime,
    pub epoch: u32,
    pub rng: Option<Stream>,
    /// Bursty loss: the Gilbert-Elliott channel is in its bad (dropping) state.
    pub bad: bool,
}

pub(crate) struct PFlow {
    pub group: u32,
    pub flow: u32,
    pub client: u32,
    pub server: u32,
    pub start: SimTime,
    pub demand_bps: Option<u64>,
    /// Bytes the application has offered since the start: queued into the socket, or
    /// given up because the socket could not take them then (see `on_endpoint_wake`).
    pub app_queued: u64,
    /// A replication group's writer keeps what it could not send and catches up; any other
    /// rate-limited application offers at its rate and loses what the socket refuses.
    pub keeps_backlog: bool,
    pub highest_end: Option<i32>,
    pub probe: Option<(i32, SimTime)>,
    pub last_delivery: Option<SimTime>,
    /// The flow's latest RTT sample.
    pub last_rtt: Option<SimDuration>,
}

pub(crate) struct PGroup {
    pub bin_bytes: u64,
    pub rtt: Histogram<u64>,
    pub queue: Histogram<u64>,
    pub retransmissions: u64,
    pub drops: u64,
    pub hops: u64,
    pub cc: CongestionControl,
    /// Data packets sent (retransmissions included) and lost in the current bin.
    bin_sent: u64,
    bin_lost: u64,
    /// Data packets (sent, lost) since the start, at the end of each of the last bins (as
    /// many as the longest `loss_above` window on the group needs), oldest first.
    loss_bins: VecDeque<(u64, u64)>,
    sent_total: u64,
    lost_total: u64,
    /// How many bins `loss_bins` keeps.
    loss_keep: usize,
    /// The largest of its flows' latest RTT samples, as of the last bin.
    rtt_now: Option<SimDuration>,
}

#[derive(Default)]
pub(crate) struct PacketWorld {
    seed: u64,
    pub packets: Vec<Packet>,
    pub free: Vec<u32>,
    pub pool: Vec<Vec<u8>>,
    pub tx: Vec<Vec<u8>>,
    pub wires: Vec<Wire>,
    pub endpoints: Vec<Endpoint>,
    pub ep_timer: Vec<TimerId>,
    pub ep_pflow: Vec<u32>,
    pub pflows: Vec<PFlow>,
    pub groups: Vec<Option<PGroup>>,
    pub hops: u64,
    pub mtu: Vec<usize>,
}

/// What packets read of the rest of the simulation.
#[derive(Clone, Copy)]
pub(crate) struct PacketView<'a> {
    pub model: &'a Model,
    pub net: &'a crate::network::Network,
    pub routing: &'a crate::routing::Routing,
    pub traffic: &'a crate::traffic::Traffic,
}

/// What packet handlers may touch: the world they read, the trace they fold packets into,
/// and their outbox.
pub(crate) struct Io<'a, 'b> {
    pub w: PacketView<'a>,
    pub trace: &'a mut Trace,
    pub out: &'a mut Outbox<'b>,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 1_000_000_000_000, 3).expect("static histogram bounds are valid")
}

impl PacketWorld {
    pub fn new(model: &Model, seed: u64, groups_first_flow: &[u32], sched: &mut Scheduler<Ev>) -> PacketWorld {
        let mut pw = PacketWorld { seed, ..Default::default() };
        pw.init(model, groups_first_flow, sched);
        pw
    }

    fn init(&mut self, model: &Model, groups_first_flow: &[u32], sched: &mut Scheduler<Ev>) {
        let groups: Vec<usize> = (0..model.groups.len()).filter(|&g| model.groups[g].spec.fidelity == Fidelity::Packet).collect();
        self.groups = (0..model.groups.len()).map(|_| None).collect();
        if groups.is_empty() {
            return;
        }
        self.wires = (0..model.links.len() * 2).map(|_| Wire::default()).collect();
        for g in groups {
            let spec = model.groups[g].spec.clone();
            self.groups[g] = Some(PGroup {
                bin_bytes: 0,
                rtt: histogram(),
                queue: histogram(),
                retransmissions: 0,
                drops: 0,
                hops: 0,
                cc: spec.packet.cc,
                bin_sent: 0,
                bin_lost: 0,
                loss_bins: VecDeque::from([(0, 0)]),
                sent_total: 0,
                lost_total: 0,
                loss_keep: Self::loss_keep(model, g),
                rtt_now: None,
            });
            let buffer = spec
                .packet
                .buffer_bytes
                .map_or_else(|| Self::default_buffer(model, g).min(MAX_DEFAULT_BUFFER as usize), |b| b as usize)
                .clamp(4096, 1 << 30);
            let mtu = Self::route_mtu(model, g);
            let (first, n) = (groups_first_flow[g], spec.flows);
            for f in first..first + n {
                let p = self.pflows.len() as u32;
                let mut eps = [0u32; 2];
                for (i, client) in [true, false].into_iter().enumerate() {
                    let e = self.endpoints.len() as u32;
                    let mut seed_stream = Stream::derive(self.seed, &format!("endpoint/{}/{}/{}", spec.id, f - first, i));
                    let o = EndpointOptions { cc: spec.packet.cc, buffer_bytes: buffer, mtu, seed: seed_stream.next_u64() };
                    let ep = Endpoint::new(client, &o, &mut self.pool, spec.start);
                    self.endpoints.push(ep);
                    self.mtu.push(mtu);
                    self.ep_pflow.push(p);
                    let t = sched.add_timer(Ev::EndpointWake { ep: e });
                    self.ep_timer.push(t);
                    sched.arm(t, spec.start);
                    eps[i] = e;
                }
                self.pflows.push(PFlow {
                    group: g as u32,
                    flow: f,
                    client: eps[0],
                    server: eps[1],
                    start: spec.start,
                    demand_bps: spec.demand_bps.map(|d| d / u64::from(spec.flows)),
                    app_queued: 0,
                    keeps_backlog: spec.replication,
                    highest_end: None,
                    probe: None,
                    last_delivery: None,
                    last_rtt: None,
                });
            }
        }
        sched.schedule(SimTime::ZERO + BIN, Ev::PacketBin);
    }

    /// The smallest MTU on the group's current route.
    fn route_mtu(model: &Model, g: usize) -> usize {
        let mut mtu = 9216u32;
        for hop in &model.groups[g].route.hops {
            // The base adjacency's links: a pinned hop may fall back onto any of them.
            for &l in &model.adjacencies[model.base_adjacency(hop.adj).index()].links {
                mtu = mtu.min(model.links[l.index()].spec.mtu);
            }
        }
        mtu as usize
    }

    /// A flow's bandwidth-delay product (its demand, or the route's narrowest hop) plus its
    /// share of the largest queue on the route: a window that size keeps the pipe full and
    /// never overflows the queue, even when the group's flows all burst at once.
    fn default_buffer(model: &Model, g: usize) -> usize {
        let (mut rtt_ns, mut bottleneck, mut queue) = (0u64, u64::MAX, 0u64);
        let route = &model.groups[g].route;
        let spec = &model.groups[g].spec;
        for s in [route.sites[0], *route.sites.last().expect("route has sites")] {
            rtt_ns += model.sites[s.index()].internal_rtt.as_nanos() / 2;
        }
        for hop in &route.hops {
            let links = &model.adjacencies[model.base_adjacency(hop.adj).index()].links;
            let owd = links.iter().map(|l| model.links[l.index()].spec.one_way_delay.as_nanos()).max().unwrap_or(0);
            rtt_ns += 2 * owd;
            let hop_cap = links.iter().map(|l| model.links[l.index()].goodput_bps).max().unwrap_or(0);
            bottleneck = bottleneck.min(hop_cap);
            // The queue holds wire bytes; the window counts payload: scale by MSS / wire size,
            // and keep a tenth in reserve for ACK clocking jitter (crate-notes §2: rx >= BDP +
            // queue, without drops).
            for l in links {
                let spec = &model.links[l.index()].spec;
                let wire = u64::from(spec.mtu + spec.framing.bytes_per_frame());
                let q = spec.queue_bytes * u64::from(spec.mtu.saturating_sub(40)) / wire * 9 / 10;
                queue = queue.max(q);
            }
        }
        let rate = spec.demand_bps.map_or(bottleneck, |d| bottleneck.min(d / u64::from(spec.flows)));
        let bdp = (u128::from(rate) * u128::from(rtt_ns) / 8 / 1_000_000_000) as u64;
        (bdp + queue / u64::from(spec.flows)).max(64 * 1024) as usize
    }

    /// An endpoint's timer: poll its stack and run its application.
    pub fn on_endpoint_wake(&mut self, e: u32, io: &mut Io<'_, '_>) {
        let now = io.out.now();
        let ei = e as usize;
        let p = self.ep_pflow[ei] as usize;
        let g = self.pflows[p].group as usize;
        if now < self.pflows[p].start {
            return;
        }
        let budget = match self.pflows[p].demand_bps {
            None => u64::MAX,
            Some(d) => {
                let pf = &self.pflows[p];
                let allowed = (u128::from(d) * u128::from(now.saturating_since(pf.start).as_nanos()) / 8 / 1_000_000_000) as u64;
                allowed.saturating_sub(pf.app_queued)
            }
        };
        let mtu = self.mtu[ei];
        // A connection not yet open takes nothing: the application starts offering at its
        // rate once the handshake is done, not with a burst of what accrued meanwhile.
        // (A bulk sender has no rate: it fills the socket from the poll that opens it.)
        let paced = self.endpoints[ei].is_client && self.pflows[p].demand_bps.is_some() && !self.pflows[p].keeps_backlog;
        let open = !paced || self.endpoints[ei].is_open();
        let mut tx = std::mem::take(&mut self.tx);
        let (received, queued) = self.endpoints[ei].poll(now, &mut tx, &mut self.pool, mtu, if open { budget } else { 0 });
        let pf = &mut self.pflows[p];
        pf.app_queued += queued;
        if paced && queued < budget && (!open || !self.endpoints[ei].has_send_room()) {
            // The socket could not take the rest (not connected, or its buffer full behind a
            // stall): a constant-rate application loses it, as a fluid flow carries no more
            // than its share, instead of bursting it out later at many times its rate.
            pf.app_queued += budget - queued;
        }
        if received > 0 {
            self.on_delivered(p, g, received, io);
        }
        let is_client = self.endpoints[ei].is_client;
        for buf in tx.drain(..) {
            self.send_packet(p, is_client, buf, io);
        }
        self.tx = tx;
        self.rearm_endpoint(e, io.out.sched);
    }

    fn rearm_endpoint(&mut self, e: u32, sched: &mut Scheduler<Ev>) {
        let now = sched.now();
        let ei = e as usize;
        let mut at = self.endpoints[ei].poll_at(now);
        let p = self.ep_pflow[ei] as usize;
        if self.endpoints[ei].is_client
            && let Some(d) = self.pflows[p].demand_bps
            && self.endpoints[ei].has_send_room()
        {
            // A rate-limited sender wakes when one more segment's worth of budget has accrued
            // (with a full buffer, the next ACK wakes it instead).
            let pf = &self.pflows[p];
            let next = pf.app_queued + self.mtu[ei] as u64;
            let t = pf.start + SimDuration((u128::from(next) * 8 * 1_000_000_000 / u128::from(d.max(1))) as u64);
            at = Some(at.map_or(t, |a| a.min(t)).max(now + SimDuration::from_micros(1)));
        }
        let timer = self.ep_timer[ei];
        match at {
            Some(t) => sched.arm(timer, t),
            None => sched.cancel(timer),
        }
    }

    fn on_delivered(&mut self, p: usize, g: usize, bytes: u64, io: &mut Io<'_, '_>) {
        let now = io.out.now();
        let pf = &mut self.pflows[p];
        // A connection opened into an outage stalls from its first SYN (its start), as the
        // bins count it and as README's stall definition says: the first delivery closes it.
        let since = pf.last_delivery.unwrap_or(pf.start);
        let gap = Some(now.saturating_since(since)).filter(|gap| *gap >= STALL_GAP);
        pf.last_delivery = Some(now);
        if let Some(pg) = self.groups[g].as_mut() {
            pg.bin_bytes += bytes;
        }
        io.out.emit(Effect::PacketDelivered { group: GroupId(g as u32), bits: u128::from(bytes) * 8 * 1_000_000_000, gap });
    }

    /// Takes a packet smoltcp emitted and puts it on the first hop.
    fn send_packet(&mut self, p: usize, from_client: bool, data: Vec<u8>, io: &mut Io<'_, '_>) {
        let now = io.out.now();
        let g = self.pflows[p].group as usize;
        let (mut payload, mut syn) = (0u32, false);
        if let Ok(ip) = Ipv4Packet::new_checked(&data[..])
            && let Ok(tcp) = TcpPacket::new_checked(ip.payload())
        {
            payload = tcp.payload().len() as u32;
            syn = tcp.syn();
            let seq = tcp.seq_number().0;
            if from_client && payload > 0 {
                let end = seq.wrapping_add(payload as i32);
                let pf = &mut self.pflows[p];
                let retrans = pf.highest_end.is_some_and(|h| end.wrapping_sub(h) <= 0);
                if retrans {
                    if let Some(pg) = self.groups[g].as_mut() {
                        pg.retransmissions += 1;
                    }
                    pf.probe = None; // Karn: no RTT sample across a retransmission.
                } else {
                    pf.highest_end = Some(end);
                    if pf.probe.is_none() {
                        pf.probe = Some((end, now));
                    }
                }
                if let Some(pg) = self.groups[g].as_mut() {
                    pg.bin_sent += 1;
                }
                io.out.emit(Effect::PacketSent { group: GroupId(g as u32), bits: u128::from(payload) * 8 * 1_000_000_000 });
            }
        }
        let idx = match self.free.pop() {
            Some(i) => {
                let pk = &mut self.packets[i as usize];
                pk.data = data;
                pk.pflow = p as u32;
                pk.to_server = from_client;
                pk.hop = 0;
                pk.payload = payload;
                pk.syn = syn;
                i
            }
            None => {
                self.packets.push(Packet { data, pflow: p as u32, to_server: from_client, hop: 0, epoch: 0, arrive: now, payload, syn });
                (self.packets.len() - 1) as u32
            }
        };
        self.forward(idx, io);
    }

    /// Sends packet `idx` over its next hop, or drops it.
    fn forward(&mut self, idx: u32, io: &mut Io<'_, '_>) {
        let pk = &self.packets[idx as usize];
        let (p, to_server, hop) = (pk.pflow as usize, pk.to_server, pk.hop as usize);
        let pf = &self.pflows[p];
        let g = pf.group as usize;
        let route = io.w.traffic.route(g);
        let n = route.hops.len();
        let k = if to_server { hop } else { n - 1 - hop };
        match io.w.routing.hop_links(io.w.model, route, io.w.traffic.flows[pf.flow as usize].hash, k) {
            Ok([data, ack]) => {
                let (link, dir) = if to_server { data } else { ack };
                self.enqueue(idx, link as usize * 2 + dir as usize, io);
            }
            Err((adj, side)) => self.drop_packet(idx, Some(crate::events::Broken::NoRoute { adj, side }), io),
        }
    }

    fn drop_packet(&mut self, idx: u32, at: Option<crate::events::Broken>, io: &mut Io<'_, '_>) {
        let now = io.out.now();
        let pk = &mut self.packets[idx as usize];
        let wire = match at {
            Some(crate::events::Broken::Link { link, .. }) => link.0,
            _ => u32::MAX,
        };
        io.trace.mix_packet(now, wire, pk.data.len() as u32, true);
        let (p, payload, to_server, syn) = (pk.pflow as usize, pk.payload, pk.to_server, pk.syn);
        let buf = std::mem::take(&mut pk.data);
        self.pool.push(buf);
        self.free.push(idx);
        let g = self.pflows[p].group as usize;
        if let Some(pg) = self.groups[g].as_mut() {
            pg.drops += 1;
        }
        if to_server
            && payload > 0
            && let Some(pg) = self.groups[g].as_mut()
        {
            pg.bin_lost += 1;
        }
        if to_server && payload > 0 {
            let bits = u128::from(payload) * 8 * 1_000_000_000;
            io.out.emit(Effect::Lost { group: GroupId(g as u32), bits, broken: at, flow: None });
        } else if syn {
            // No data lost, but the handshake is held back until smoltcp's SYN retry: the
            // fault that dropped it disrupted the group (it was credited with nothing and
            // read `recover 0s` with the group at zero for a second).
            io.out.emit(Effect::Lost { group: GroupId(g as u32), bits: 0, broken: at, flow: None });
        }
    }

    /// Drop-tail enqueue on wire `r` (link * 2 + direction).
    fn enqueue(&mut self, idx: u32, r: usize, io: &mut Io<'_, '_>) {
        let now = io.out.now();
        let l = r / 2;
        let dir = r % 2;
        let st = io.w.net.link(LinkId(l as u32));
        let link = &io.w.model.links[l];
        let here = crate::events::Broken::Link { link: LinkId(l as u32), dir: dir as u8 };
        if !st.delivers(dir) {
            return self.drop_packet(idx, Some(here), io);
        }
        let loss = st.loss_ppm().saturating_add(link.spec.base_loss_ppm).min(1_000_000);
        let extra = st.extra_delay();
        let jitter = st.jitter();
        let line = (u64::from(link.spec.members) * link.spec.member_bps) as f64 * f64::from(st.capacity_ppm()) / 1e6;
        // Fluid flows keep priority: packets get the share of the line they leave.
        let fluid = io.w.traffic.fluid_load(r) as f64 / (link.goodput_bps.max(1) as f64);
        // At least 1 kbit/s, so a nearly starved line still has a finite serialization time.
        let rate = (line * (1.0 - fluid).max(0.01)).max(1_000.0);
        let wire_bytes = self.packets[idx as usize].data.len() as u64 + u64::from(link.spec.framing.bytes_per_frame());
        let queue_limit = link.spec.queue_bytes;
        let owd = link.spec.one_way_delay + extra;
        let seed = self.seed;
        let w = &mut self.wires[r];
        let rng = w.rng.get_or_insert_with(|| Stream::derive(seed, &format!("wire/{}/{}", link.spec.id, dir)));
        let burst = st.loss_burst();
        let lost = if burst <= 1 {
            rng.chance_ppm(loss)
        } else {
            // Gilbert-Elliott: the bad state drops everything and lasts `burst` packets on
            // average; the good state is left at the rate that makes the long-run loss `loss`.
            let l = u64::from(burst);
            let p = u64::from(loss.min(999_999));
            let enter = (p * 1_000_000 / ((1_000_000 - p) * l)).min(1_000_000) as u32;
            let stay = (1_000_000 - 1_000_000 / l) as u32;
            w.bad = rng.chance_ppm(if w.bad { stay } else { enter });
            w.bad
        };
        let jit = if jitter.as_nanos() > 0 { rng.uniform_duration(SimDuration::ZERO, jitter) } else { SimDuration::ZERO };
        let backlog = if w.busy_until > now { ((w.busy_until - now).as_nanos() as f64 * rate / 8e9) as u64 } else { 0 };
        let p = self.packets[idx as usize].pflow as usize;
        let g = self.pflows[p].group as usize;
        if let Some(pg) = self.groups[g].as_mut() {
            let _ = pg.queue.record(backlog.max(1));
        }
        if lost || backlog + wire_bytes > queue_limit {
            // Random loss and queue overflow are the link's doing only if a fault made it so;
            // attribution finds out from the link's causes.
            return self.drop_packet(idx, Some(here), io);
        }
        let w = &mut self.wires[r];
        let start = if w.busy_until > now { w.busy_until } else { now };
        let ser = SimDuration((wire_bytes as f64 * 8e9 / rate).ceil() as u64);
        w.busy_until = start + ser;
        let arrive = (w.busy_until + owd + jit).max(w.last_arrival);
        w.last_arrival = arrive;
        let was_empty = w.queue.is_empty();
        w.queue.push_back(idx);
        let epoch = w.epoch;
        let pk = &mut self.packets[idx as usize];
        pk.arrive = arrive;
        pk.epoch = epoch;
        if was_empty {
            io.out.sched.schedule(arrive, Ev::WireArrive { wire: r as u32 });
        }
    }

    /// The head of wire `r` reaches the far end.
    pub fn on_wire_arrive(&mut self, r: u32, io: &mut Io<'_, '_>) {
        let now = io.out.now();
        let ri = r as usize;
        let Some(idx) = self.wires[ri].queue.pop_front() else { return };
        if let Some(&next) = self.wires[ri].queue.front() {
            let t = self.packets[next as usize].arrive;
            io.out.sched.schedule(t, Ev::WireArrive { wire: r });
        }
        let pk = &self.packets[idx as usize];
        let here = crate::events::Broken::Link { link: LinkId(r / 2), dir: (r % 2) as u8 };
        let alive = pk.epoch == self.wires[ri].epoch && io.w.net.link(LinkId(r / 2)).delivers(ri % 2);
        if !alive {
            return self.drop_packet(idx, Some(here), io);
        }
        self.hops += 1;
        io.trace.mix_packet(now, r, pk.data.len() as u32, false);
        let p = pk.pflow as usize;
        let g = self.pflows[p].group as usize;
        if let Some(pg) = self.groups[g].as_mut() {
            pg.hops += 1;
        }
        let pk = &mut self.packets[idx as usize];
        pk.hop += 1;
        let n = io.w.traffic.route(g).hops.len();
        if (pk.hop as usize) < n {
            return self.forward(idx, io);
        }
        self.deliver(idx, now, io);
    }

    /// The packet reached its endpoint: hand it to smoltcp and poll.
    fn deliver(&mut self, idx: u32, now: SimTime, io: &mut Io<'_, '_>) {
        let pk = &self.packets[idx as usize];
        let (p, to_server) = (pk.pflow as usize, pk.to_server);
        let g = self.pflows[p].group as usize;
        let end = usize::from(to_server);
        if !io.w.net.end_alive(io.w.traffic.route(g), end) {
            // Nobody is there to take it: a drop like any other.
            return self.drop_packet(idx, Some(crate::events::Broken::End { end: end as u8 }), io);
        }
        let pk = &mut self.packets[idx as usize];
        let data = std::mem::take(&mut pk.data);
        self.free.push(idx);
        if !to_server {
            // An ACK reached the client: close the RTT probe it covers.
            if let Ok(ip) = Ipv4Packet::new_checked(&data[..])
                && let Ok(tcp) = TcpPacket::new_checked(ip.payload())
                && tcp.ack()
                && let Some((end, sent)) = self.pflows[p].probe
                && tcp.ack_number().0.wrapping_sub(end) >= 0
            {
                self.pflows[p].probe = None;
                let sample = now.saturating_since(sent);
                self.pflows[p].last_rtt = Some(sample);
                if let Some(pg) = self.groups[g].as_mut() {
                    let _ = pg.rtt.record((sample.as_nanos() / 1_000).max(1));
                }
            }
        }
        let e = if to_server { self.pflows[p].server } else { self.pflows[p].client };
        self.endpoints[e as usize].rx.push_back(data);
        self.on_endpoint_wake(e, io);
    }

    /// Every `BIN`: packet groups' goodput becomes a point on their throughput timeline.
    pub fn on_packet_bin(&mut self, io: &mut Io<'_, '_>) {
        let now = io.out.now();
        for g in 0..self.groups.len() {
            let Some(pg) = self.groups[g].as_mut() else { continue };
            // What the group's loss and latency alarms read changes here only, once a bin,
            // so an alarm sees the same values whenever in the bin it is checked.
            pg.sent_total += std::mem::take(&mut pg.bin_sent);
            pg.lost_total += std::mem::take(&mut pg.bin_lost);
            pg.loss_bins.push_back((pg.sent_total, pg.lost_total));
            while pg.loss_bins.len() > pg.loss_keep + 1 {
                pg.loss_bins.pop_front();
            }
            pg.rtt_now = self.pflows.iter().filter(|p| p.group as usize == g).filter_map(|p| p.last_rtt).max();
            let bytes = std::mem::take(&mut pg.bin_bytes);
            let rate = (u128::from(bytes) * 8 * 1_000_000_000 / u128::from(BIN.as_nanos())) as u64;
            let ideal = Self::packet_ideal(io.w, g);
            // Flows that have delivered nothing for a stall's length.
            let stalled = self
                .pflows
                .iter()
                .filter(|p| p.group as usize == g && now >= p.start)
                .filter(|p| now.saturating_since(p.last_delivery.unwrap_or(p.start)) >= STALL_GAP)
                .count() as u32;
            io.out.emit(Effect::PacketBin { group: GroupId(g as u32), rate, ideal, stalled });
        }
        io.out.sched.schedule(now + BIN, Ev::PacketBin);
    }

    /// Bins of history a group's loss alarms need: its longest `loss_above` window.
    fn loss_keep(model: &Model, g: usize) -> usize {
        let windows = model.alarms.iter().filter_map(|a| match a.condition {
            crate::model::Condition::LossAbove { group, for_, .. } if group.index() == g => Some(Self::window_bins(for_)),
            _ => None,
        });
        windows.max().unwrap_or(1)
    }

    /// Whole bins in a window of `w` (at least one).
    fn window_bins(w: SimDuration) -> usize {
        (w.as_nanos() / BIN.as_nanos()).max(1) as usize
    }

    /// A packet group's data packets (sent, lost) over the last `window` (whole bins, at
    /// least one; from its start if it is younger), as of the last bin; `None` for a fluid
    /// group. Retransmissions count as sent.
    pub fn loss_window(&self, g: usize, window: SimDuration) -> Option<(u64, u64)> {
        let pg = self.groups.get(g)?.as_ref()?;
        let n = Self::window_bins(window).min(pg.loss_bins.len() - 1);
        let (now, then) = (pg.loss_bins[pg.loss_bins.len() - 1], pg.loss_bins[pg.loss_bins.len() - 1 - n]);
        Some((now.0 - then.0, now.1 - then.1))
    }

    /// The largest of a packet group's flows' latest RTT samples, as of the last bin.
    pub fn latest_rtt(&self, g: usize) -> Option<SimDuration> {
        self.groups.get(g)?.as_ref()?.rtt_now
    }

    /// What the surviving capacity allows a packet group: per flow, its demand or the
    /// narrowest working link of its data path, if both directions work.
    fn packet_ideal(w: PacketView<'_>, g: usize) -> u64 {
        let route = w.traffic.route(g);
        if !(w.net.end_alive(route, 0) && w.net.end_alive(route, 1)) {
            return 0;
        }
        let spec = &w.model.groups[g].spec;
        let gr = &w.traffic.groups[g];
        let mut total = 0u64;
        for f in gr.flows() {
            let h = w.traffic.flows[f as usize].hash;
            let mut cap = spec.demand_bps.map_or(u64::MAX, |d| d / u64::from(spec.flows));
            for k in 0..route.hops.len() {
                let Ok([(lf, df), (lr, dr)]) = w.routing.hop_links(w.model, route, h, k) else {
                    cap = 0;
                    break;
                };
                let (sf, sr) = (w.net.link(LinkId(lf)), w.net.link(LinkId(lr)));
                if !sf.delivers(df as usize) || !sr.delivers(dr as usize) {
                    cap = 0;
                    break;
                }
                let c = (u128::from(w.model.links[lf as usize].goodput_bps) * u128::from(sf.capacity_ppm()) / 1_000_000) as u64;
                cap = cap.min(c);
            }
            total = total.saturating_add(cap);
        }
        total
    }

    /// A wire stopped delivering: what is on it and in its queue is lost when it arrives.
    pub fn wire_broken(&mut self, r: usize) {
        if let Some(w) = self.wires.get_mut(r) {
            w.epoch = w.epoch.wrapping_add(1);
            w.busy_until = SimTime::ZERO;
            w.last_arrival = SimTime::ZERO;
        }
    }
}
