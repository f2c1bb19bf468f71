//! A TCP endpoint in packet fidelity: one smoltcp interface with one socket, driven by
//! virtual time only.
//!
//! smoltcp never reads a clock here: every call passes `Instant::from_micros(now_ns / 1000)`.
//! The device is a pair of packet queues; the simulator moves buffers in and out, and spent
//! buffers go back to a shared pool, so steady state allocates nothing per packet.
//! Checksums are off: the simulated wire never corrupts a packet (crate-notes §2).

use std::collections::VecDeque;

use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{self, ChecksumCapabilities, DeviceCapabilities, Medium};
use smoltcp::socket::tcp;
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr, Ipv4Address};

use crate::spec::CongestionControl;
use crate::time::SimTime;

/// Client and server addresses. Every flow has its own pair of interfaces, so all flows can
/// use the same two addresses; the simulator routes by flow, not by address.
pub const CLIENT: Ipv4Address = Ipv4Address::new(10, 0, 0, 1);
pub const SERVER: Ipv4Address = Ipv4Address::new(10, 0, 0, 2);
const PORT: u16 = 443;

/// The device: received packets waiting for smoltcp, and packets smoltcp sent.
pub(crate) struct Device<'a> {
    pub rx: &'a mut VecDeque<Vec<u8>>,
    pub tx: &'a mut Vec<Vec<u8>>,
    /// Spare buffers for transmission.
    pub pool: &'a mut Vec<Vec<u8>>,
    /// Received buffers smoltcp is done with; the caller returns them to the pool.
    pub spent: &'a mut Vec<Vec<u8>>,
    pub mtu: usize,
}

pub(crate) struct RxToken<'a> {
    buf: Vec<u8>,
    spent: &'a mut Vec<Vec<u8>>,
}

pub(crate) struct TxToken<'a> {
    tx: &'a mut Vec<Vec<u8>>,
    pool: &'a mut Vec<Vec<u8>>,
}

impl phy::RxToken for RxToken<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        let r = f(&self.buf);
        self.spent.push(self.buf);
        r
    }
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buf = self.pool.pop().unwrap_or_default();
        // smoltcp writes every byte of what it emits (headers, option padding, payload,
        // a zeroed checksum: wire/tcp.rs, wire/ipv4.rs), so a recycled buffer long enough
        // is cut to length, not zeroed first: the zero-fill was a share of every hop
        // (issue 15). Only a buffer shorter than the packet grows, with zeros.
        if buf.len() >= len {
            buf.truncate(len);
        } else {
            buf.resize(len, 0);
        }
        let r = f(&mut buf);
        self.tx.push(buf);
        r
    }
}

impl phy::Device for Device<'_> {
    type RxToken<'b>
        = RxToken<'b>
    where
        Self: 'b;
    type TxToken<'b>
        = TxToken<'b>
    where
        Self: 'b;

    fn receive(&mut self, _t: Instant) -> Option<(RxToken<'_>, TxToken<'_>)> {
        let buf = self.rx.pop_front()?;
        Some((RxToken { buf, spent: self.spent }, TxToken { tx: self.tx, pool: self.pool }))
    }

    fn transmit(&mut self, _t: Instant) -> Option<TxToken<'_>> {
        Some(TxToken { tx: self.tx, pool: self.pool })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ip;
        caps.max_transmission_unit = self.mtu;
        caps.checksum = ChecksumCapabilities::ignored();
        caps
    }
}

/// One side of a packet flow.
pub(crate) struct Endpoint {
    pub iface: Interface,
    pub sockets: SocketSet<'static>,
    pub handle: SocketHandle,
    pub rx: VecDeque<Vec<u8>>,
    spent: Vec<Vec<u8>>,
    pub is_client: bool,
}

pub(crate) struct EndpointOptions {
    pub cc: CongestionControl,
    pub buffer_bytes: usize,
    pub mtu: usize,
    pub seed: u64,
}

pub(crate) fn instant(t: SimTime) -> Instant {
    Instant::from_micros((t.as_nanos() / 1_000) as i64)
}

impl Endpoint {
    pub fn new(is_client: bool, o: &EndpointOptions, pool: &mut Vec<Vec<u8>>, now: SimTime) -> Endpoint {
        let mut config = Config::new(HardwareAddress::Ip);
        config.random_seed = o.seed;
        let mut rx = VecDeque::new();
        let mut tx = Vec::new();
        let mut spent = Vec::new();
        let mut dev = Device { rx: &mut rx, tx: &mut tx, pool, spent: &mut spent, mtu: o.mtu };
        let mut iface = Interface::new(config, &mut dev, instant(now));
        let addr = if is_client { CLIENT } else { SERVER };
        iface.update_ip_addrs(|a| {
            // The address list has room for one address; a full list is a bug.
            a.push(IpCidr::new(IpAddress::Ipv4(addr), 24)).expect("room for one address");
        });
        let mut socket = tcp::Socket::new(tcp::SocketBuffer::new(vec![0; o.buffer_bytes]), tcp::SocketBuffer::new(vec![0; o.buffer_bytes]));
        // Feature unification could change smoltcp's default controller: always set it.
        socket.set_congestion_control(match o.cc {
            CongestionControl::Cubic => tcp::CongestionControl::Cubic,
            CongestionControl::Reno => tcp::CongestionControl::Reno,
        });
        socket.set_nagle_enabled(true);
        socket.set_ack_delay(Some(Duration::from_millis(10)));
        let mut sockets = SocketSet::new(Vec::with_capacity(1));
        let handle = sockets.add(socket);
        let s = sockets.get_mut::<tcp::Socket>(handle);
        if is_client {
            // Connecting to a fixed remote from a fixed port never fails on a fresh socket.
            s.connect(iface.context(), (IpAddress::Ipv4(SERVER), PORT), 49_152).expect("fresh socket connects");
        } else {
            s.listen(PORT).expect("fresh socket listens");
        }
        Endpoint { iface, sockets, handle, rx, spent, is_client }
    }

    /// Polls the stack at `now`, runs the application (`send_budget` bytes may be queued by
    /// a client; a server drains everything), polls again while that made progress, and
    /// returns (bytes the server application received, bytes the client queued).
    pub fn poll(&mut self, now: SimTime, tx: &mut Vec<Vec<u8>>, pool: &mut Vec<Vec<u8>>, mtu: usize, send_budget: u64) -> (u64, u64) {
        let t = instant(now);
        let (mut received, mut queued) = (0u64, 0u64);
        for _ in 0..4 {
            let mut dev = Device { rx: &mut self.rx, tx, pool, spent: &mut self.spent, mtu };
            self.iface.poll(t, &mut dev, &mut self.sockets);
            pool.append(&mut self.spent);
            let s = self.sockets.get_mut::<tcp::Socket>(self.handle);
            let mut progress = 0usize;
            if self.is_client {
                let budget = send_budget.saturating_sub(queued);
                if s.can_send() && budget > 0 {
                    // Claim free space without copying: the payload's content is irrelevant.
                    progress = s
                        .send(|b| {
                            let n = b.len().min(usize::try_from(budget).unwrap_or(usize::MAX));
                            (n, n)
                        })
                        .unwrap_or(0);
                    queued += progress as u64;
                }
            } else if s.can_recv() {
                progress = s.recv(|b| (b.len(), b.len())).unwrap_or(0);
                received += progress as u64;
            } else if s.state() == tcp::State::CloseWait || s.state() == tcp::State::Closed {
                // A server whose client went away listens again (a new connection after a shift).
                if s.state() == tcp::State::Closed {
                    let _ = s.listen(PORT);
                }
            }
            if progress == 0 {
                break;
            }
        }
        (received, queued)
    }

    /// Whether the connection is open for sending (past the handshake, not closed).
    pub fn is_open(&mut self) -> bool {
        self.sockets.get_mut::<tcp::Socket>(self.handle).can_send()
    }

    /// Whether the client's application could queue more data now: the connection is open
    /// for sending and its send buffer has room. Before the handshake completes it cannot
    /// (`can_send` is false in SYN-SENT), so a rate-limited sender must not be woken for its
    /// budget then: it was, every microsecond until the SYN-ACK came (6 M events for a
    /// SYN lost to a cut at 0 s, against 22 k with the cut a second later).
    pub fn has_send_room(&mut self) -> bool {
        let s = self.sockets.get_mut::<tcp::Socket>(self.handle);
        s.can_send() && s.send_queue() < s.send_capacity()
    }

    /// When smoltcp next wants to be polled, at least 1 us after `now` so a "poll now"
    /// answer cannot spin.
    pub fn poll_at(&mut self, now: SimTime) -> Option<SimTime> {
        let at = self.iface.poll_at(instant(now), &self.sockets)?;
        let ns = u64::try_from(at.total_micros()).unwrap_or(0).saturating_mul(1_000);
        Some(SimTime(ns.max(now.as_nanos() + 1_000)))
    }
}

/// The smoltcp-only baseline for packet fidelity's speed (issue 15, `cargo bench -p sim-core
/// -- packet`): a client and a server built exactly as packet fidelity builds its endpoints
/// (same device, pool and options), joined by a wire that hands over one packet at a time,
/// as a serialising link does, with no delay and no simulator around it: each packet is
/// given to its endpoint and the endpoint polled, which is the smoltcp work every hop's end
/// costs in a run. Virtual time steps 12 µs a packet (1,500 B at 1 Gbps). Runs until at
/// least `packets` packets have crossed either way; returns (packets moved, bytes the
/// server received). Whatever a packet costs beyond this is the simulator's.
pub fn smoltcp_pair_loop(packets: u64, buffer_bytes: usize, mtu: usize) -> (u64, u64) {
    let opts = |seed| EndpointOptions { cc: CongestionControl::Cubic, buffer_bytes, mtu, seed };
    let mut pool = Vec::new();
    let mut now = SimTime::ZERO;
    let mut ends = [Endpoint::new(true, &opts(1), &mut pool, now), Endpoint::new(false, &opts(2), &mut pool, now)];
    // wire[i]: packets on their way to ends[i].
    let mut wire: [VecDeque<Vec<u8>>; 2] = [VecDeque::new(), VecDeque::new()];
    let mut tx = Vec::new();
    let (mut moved, mut received) = (0u64, 0u64);
    ends[0].poll(now, &mut tx, &mut pool, mtu, u64::MAX);
    wire[1].extend(tx.drain(..));
    while moved < packets {
        let mut any = false;
        for to in [1, 0] {
            let Some(p) = wire[to].pop_front() else { continue };
            any = true;
            moved += 1;
            now += crate::time::SimDuration::from_micros(12);
            ends[to].rx.push_back(p);
            let budget = if to == 0 { u64::MAX } else { 0 };
            received += ends[to].poll(now, &mut tx, &mut pool, mtu, budget).0;
            wire[1 - to].extend(tx.drain(..));
        }
        if !any {
            // Nothing in flight: a delayed ACK or a timer is due; let time pass.
            now += crate::time::SimDuration::from_millis(1);
            for at in [0, 1] {
                let budget = if at == 0 { u64::MAX } else { 0 };
                received += ends[at].poll(now, &mut tx, &mut pool, mtu, budget).0;
                wire[1 - at].extend(tx.drain(..));
            }
        }
    }
    (moved, received)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_baseline_loop_moves_data_both_ways() {
        let (moved, received) = super::smoltcp_pair_loop(2_000, 1 << 20, 1500);
        assert!(moved >= 2_000);
        // Most packets are full segments client to server; the rest are ACKs.
        assert!(received > 1_000_000, "{received} bytes");
    }
}
