//! `--l3`: real kernels on a simulated path.
//!
//! The two ends of each `[[proxy]]` sit in network namespaces of their own, `fl<pid>-<n>a`
//! (side a, the client side, address `10.201.<i>.1/30`) and `fl<pid>-<n>b` (side b, the
//! server side, `10.201.<i>.2/30`), where `i` is the proxy's index and `n` numbers the pairs
//! this process made (so that two sessions in one process, such as tests, never collide;
//! in a `faultline live` run `n` is `i`). Each namespace's only link is a TUN device of the
//! same name, created in the root namespace and moved into it (its file descriptor stays
//! ours). faultline reads every IP packet either kernel sends and writes it to the other
//! device after what the simulated path says at that instant:
//!
//! - the direction a → b is the flow's data direction, b → a its ACK direction: each has
//!   the path's one-way delay (divided by the speed: simulated time runs `speed` times the
//!   wall clock) and delivers nothing while the simulation says it does not
//!   (`FlowPathView::delivers`, which includes dead ends): packets offered then are dropped,
//!   and so are those on their way that fall due then;
//! - both directions serialize at `ideal_bps`, the share of the bottleneck the network
//!   allows the flow (not `rate_bps`, the simulated TCP's own rate: the real kernel does its
//!   own congestion control), at least 1 Mbit/s, behind a drop-tail queue of one BDP at that
//!   rate over the path's round trip, at least 64 KiB. The view gives one rate; the ACK
//!   direction gets the same;
//! - the data direction drops each packet with probability `loss_ppm` (the view gives the
//!   data direction's loss only), drawn from a ChaCha8 stream derived from the run seed and
//!   the proxy, flow and direction (`sim_core::rng::Stream`): the same draws for the same
//!   packet sequence.
//!
//! Packets are bound to a flow of the proxy's group: a TCP connection by its 4-tuple, client
//! first ([`bind_flow`], the rule the TCP proxy shares), any other IPv4 packet by its
//! addresses and UDP ports; non-IPv4 packets (the kernels' IPv6 link-local chatter) are
//! dropped. Timers are tokio's, whose resolution is 1 ms: a packet is late by up to a
//! millisecond, and packets due within the same millisecond leave together (the rate holds on
//! average). Nothing here injects RSTs: a dead end is silence to the real kernel, which
//! retransmits, backs off and gives up as it would; that is what `--l3` measures.
//!
//! Each connection's report ([`L3Connection`]) sets what the simulation predicted of its
//! flow against what its packets showed: the stall, and the recovery after each repair of
//! the path (definitions in `l3/conn.rs`).
//!
//! Why TUN and not veth pairs with `tc netem`: the impairment must follow the simulation
//! instant by instant (a route change moves the delay, a repair ends the outage at the
//! simulated instant) and bind each connection to its flow; netem would need a qdisc change
//! per event and cannot see flows. Why one task per proxy: the two directions share the
//! connection books, and at the rates a 2-core machine forwards (~10^4 packets/s) one task is
//! not the bottleneck.

mod conn;
mod forward;
mod netns;
mod packet;
mod wire;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use conn::{L3Connection, L3Recovery};
pub use wire::L3Drops;

use crate::state::Snapshot;
use forward::{Ctx, State, lock};
use netns::{Netns, ip};

/// Why `--l3` could not start.
#[derive(Debug, thiserror::Error)]
pub enum L3Error {
    #[error("--l3 needs CAP_NET_ADMIN (run as root)")]
    NotPermitted,
    #[error("--l3 needs /dev/net/tun (load the tun module: modprobe tun)")]
    NoTun,
    #[error("--l3 needs the `ip` command (iproute2): {0}")]
    NoIp(String),
    #[error("--l3 runs on Linux only (network namespaces and TUN devices)")]
    Unsupported,
    #[error("--l3 gives each proxy 10.201.<i>.0/30, so at most 256 proxies; this scenario has {0}")]
    TooManyProxies(usize),
    #[error("--l3 has no proxy to set up: the scenario has no [[proxy]] table")]
    NoProxies,
    #[error("--l3 could not name a namespace `{0}` (interface names have at most 15 characters)")]
    NameTooLong(String),
    #[error("--l3 could not create the TUN device {name}: {reason}")]
    Tun { name: String, reason: String },
    #[error("--l3 setup failed: `ip {args}`: {stderr}")]
    Ip { args: String, stderr: String },
    #[error("--l3 setup was interrupted: {0}")]
    Setup(String),
}

/// Where the two ends of one proxy live: run the server in `server_ns` (it listens on
/// `server_addr` or any address) and the client in `client_ns`, connecting to
/// `server_addr`: `ip netns exec <client_ns> CLIENT <server_addr> PORT`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct L3Ends {
    pub proxy: String,
    pub traffic: String,
    /// Side a: the flow's source, whose packets take the data direction.
    pub client_ns: String,
    pub client_addr: Ipv4Addr,
    /// Side b: the flow's destination.
    pub server_ns: String,
    pub server_addr: Ipv4Addr,
}

/// What one proxy's forwarder moved and dropped, by direction (a to b is the data direction).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct L3Stats {
    pub proxy: String,
    pub delivered_a_to_b: u64,
    pub delivered_b_to_a: u64,
    pub dropped_a_to_b: L3Drops,
    pub dropped_b_to_a: L3Drops,
    /// Non-IPv4 packets dropped (the kernels' IPv6 chatter).
    pub not_ipv4: u64,
    /// Packets a destination device refused.
    pub write_errors: u64,
    /// I/O errors that stopped reading a device.
    pub errors: Vec<String>,
}

/// A running `--l3` setup. Dropping it stops the forwarders and deletes the namespaces (and
/// with them the devices).
#[derive(Debug)]
pub struct L3Handle {
    ends: Vec<L3Ends>,
    states: Vec<Arc<Mutex<State>>>,
    tasks: Vec<JoinHandle<()>>,
    stop: watch::Sender<bool>,
    /// Last: deleted after the tasks were told to stop.
    netns: Netns,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("l3::State")
    }
}

/// The flow of a group of `n` flows that the connection from `client` to `server` is bound
/// to: FNV-1a over a fixed encoding of the 4-tuple (per address, client first: the address's
/// octets, then the port big-endian), mixed by `sim_core::mix64`, modulo `n` (0 when `n` is
/// 0). The TCP proxy uses this same function, so both kinds of connection ride the same flows.
pub fn bind_flow(client: SocketAddr, server: SocketAddr, n: usize) -> usize {
    let mut bytes = Vec::with_capacity(36);
    for a in [client, server] {
        match a.ip() {
            IpAddr::V4(ip) => bytes.extend_from_slice(&ip.octets()),
            IpAddr::V6(ip) => bytes.extend_from_slice(&ip.octets()),
        }
        bytes.extend_from_slice(&a.port().to_be_bytes());
    }
    // FNV-1a alone, taken modulo a power of two, keeps only the low bits of each byte, and
    // Linux picks even ephemeral ports: half the flows would be unreachable from one client.
    // The finalizer mixes every bit in.
    (sim_core::mix64(sim_core::rng::fnv1a(&bytes)) % n.max(1) as u64) as usize
}

/// Namespace pairs made by this process so far (see the module comment).
static PAIRS: AtomicU32 = AtomicU32::new(0);

/// Sets up the namespaces and devices of every proxy and starts forwarding. Forwarding stops
/// when `shutdown` turns true, or when the handle is stopped or dropped (a dropped
/// `shutdown` sender is not a shutdown); the namespaces live as long as the handle. `speed` is used while a snapshot carries none;
/// `seed` seeds the loss draws.
pub async fn start(
    proxies: &[scenarios::live::Proxy],
    snapshot: watch::Receiver<Arc<Snapshot>>,
    speed: f64,
    seed: u64,
    shutdown: watch::Receiver<bool>,
) -> Result<L3Handle, L3Error> {
    if proxies.is_empty() {
        return Err(L3Error::NoProxies);
    }
    if proxies.len() > 256 {
        return Err(L3Error::TooManyProxies(proxies.len()));
    }
    run_blocking(netns::preflight).await?;
    let pid = std::process::id();
    let mut ends = Vec::new();
    let mut tuns = Vec::new();
    let mut names = Vec::new();
    for (i, p) in proxies.iter().enumerate() {
        let n = PAIRS.fetch_add(1, Ordering::Relaxed);
        let (a, b) = (format!("fl{pid}-{n}a"), format!("fl{pid}-{n}b"));
        if a.len() > 15 {
            return Err(L3Error::NameTooLong(a));
        }
        let octet = i as u8;
        let (addr_a, addr_b) = (Ipv4Addr::new(10, 201, octet, 1), Ipv4Addr::new(10, 201, octet, 2));
        tuns.push((new_tun(&a)?, new_tun(&b)?));
        names.push([(a.clone(), addr_a), (b.clone(), addr_b)]);
        ends.push(L3Ends {
            proxy: p.name.clone(),
            traffic: p.traffic.clone(),
            client_ns: a,
            client_addr: addr_a,
            server_ns: b,
            server_addr: addr_b,
        });
    }
    // The `ip` commands block (a few milliseconds each): off the runtime's threads. The
    // namespaces made so far are deleted if one fails (`Netns` drops).
    let netns = run_blocking(move || {
        let mut ns = Netns::default();
        for pair in &names {
            for (name, addr) in pair {
                ns.add(name)?;
                ip(&["link", "set", "dev", name, "netns", name])?;
                ip(&["-n", name, "addr", "add", &format!("{addr}/30"), "dev", name])?;
                ip(&["-n", name, "link", "set", "dev", name, "up"])?;
                ip(&["-n", name, "link", "set", "dev", "lo", "up"])?;
            }
        }
        Ok(ns)
    })
    .await?;
    let (stop, stop_rx) = watch::channel(false);
    let next_id = Arc::new(AtomicU64::new(0));
    let first = snapshot.borrow().clone();
    let mut states = Vec::new();
    let mut tasks = Vec::new();
    for (p, (a, b)) in proxies.iter().zip(tuns) {
        let ctx = Ctx { proxy: p.name.clone(), traffic: p.traffic.clone(), group: p.group, seed, speed, next_id: next_id.clone() };
        let state = Arc::new(Mutex::new(State::new(ctx, first.clone())));
        tasks.push(tokio::spawn(forward::run(state.clone(), a, b, snapshot.clone(), shutdown.clone(), stop_rx.clone())));
        states.push(state);
    }
    Ok(L3Handle { ends, states, tasks, stop, netns })
}

async fn run_blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, L3Error> + Send + 'static) -> Result<T, L3Error> {
    tokio::task::spawn_blocking(f).await.map_err(|e| L3Error::Setup(e.to_string()))?
}

fn new_tun(name: &str) -> Result<tokio_tun::Tun, L3Error> {
    let mut tuns = tokio_tun::Tun::builder().name(name).build().map_err(|e| {
        let reason = e.to_string();
        if reason.contains("EPERM") || reason.contains("ermission denied") || reason.contains("not permitted") {
            L3Error::NotPermitted
        } else {
            L3Error::Tun { name: name.to_string(), reason }
        }
    })?;
    tuns.pop().ok_or_else(|| L3Error::Tun { name: name.to_string(), reason: "no queue".into() })
}

impl L3Handle {
    /// Each proxy's namespaces and addresses, in the order of the proxies.
    pub fn ends(&self) -> &[L3Ends] {
        &self.ends
    }

    /// Every connection seen so far, predicted against observed (ongoing stalls counted to
    /// now), in the order of the proxies, then of first packets.
    pub fn report(&self) -> Vec<L3Connection> {
        let now = Instant::now();
        let mut all: Vec<L3Connection> = self.states.iter().flat_map(|s| lock(s).report(now)).collect();
        all.sort_by_key(|c| c.id);
        all
    }

    /// What each proxy's forwarder moved and dropped.
    pub fn stats(&self) -> Vec<L3Stats> {
        self.states.iter().map(|s| lock(s).stats()).collect()
    }

    /// Stops forwarding, waits for the forwarders to let go of their devices, deletes the
    /// namespaces and returns the final report.
    pub async fn stop(mut self) -> Vec<L3Connection> {
        let _ = self.stop.send(true);
        for t in std::mem::take(&mut self.tasks) {
            let _ = t.await;
        }
        let report = self.report();
        let netns = std::mem::take(&mut self.netns);
        let _ = tokio::task::spawn_blocking(move || drop(netns)).await;
        report
    }
}

impl Drop for L3Handle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for t in &self.tasks {
            t.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_flow_is_stable_and_spreads() {
        let c: SocketAddr = "10.201.0.1:40000".parse().expect("addr");
        let s: SocketAddr = "10.201.0.2:5001".parse().expect("addr");
        assert_eq!(bind_flow(c, s, 0), 0);
        assert_eq!(bind_flow(c, s, 1), 0);
        assert_eq!(bind_flow(c, s, 8), bind_flow(c, s, 8));
        // The fixed encoding: pinned, so the TCP proxy and --l3 agree across releases.
        let mut bytes = vec![10, 201, 0, 1];
        bytes.extend_from_slice(&40000u16.to_be_bytes());
        bytes.extend_from_slice(&[10, 201, 0, 2]);
        bytes.extend_from_slice(&5001u16.to_be_bytes());
        assert_eq!(bind_flow(c, s, 1000) as u64, sim_core::mix64(sim_core::rng::fnv1a(&bytes)) % 1000);
        let mut seen = [0u32; 8];
        for port in 30000..31000 {
            seen[bind_flow(SocketAddr::new(c.ip(), port), s, 8)] += 1;
        }
        assert!(seen.iter().all(|&k| (60..190).contains(&k)), "{seen:?}");
        // Even ports only (what Linux connect() picks) still reach every flow, evenly.
        let mut even = [0u32; 64];
        for port in (32768..32768 + 256 * 16).step_by(2) {
            even[bind_flow(SocketAddr::new(c.ip(), port), s, 64)] += 1;
        }
        assert!(even.iter().all(|&k| (10..60).contains(&k)), "{even:?}");
    }
}
