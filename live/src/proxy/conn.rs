//! One real connection: bound to a simulated flow by the ECMP hash of its 4-tuple, connected
//! upstream on the simulated SYN schedule, its bytes pumped both ways, and reset when the
//! simulated connection aborts or an end of its flow is down.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use sim_core::SimTime;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::Shared;
use super::pump::{self, Direction, Hold, PumpCtx, Stop};
use crate::report::Ending;
use crate::state::{FlowNow, Snapshot};
use crate::toxic::{Toxic, ToxicKind};

/// What the connections of one proxy share.
#[derive(Clone)]
pub struct ProxyCtx {
    pub name: String,
    pub upstream: String,
    pub group: Option<usize>,
    pub toxics: watch::Receiver<Arc<Vec<Toxic>>>,
    pub generation: watch::Receiver<u64>,
    pub shared: Shared,
}

pub use crate::l3::bind_flow;

pub(crate) async fn accept_loop(listener: TcpListener, ctx: ProxyCtx) {
    loop {
        match listener.accept().await {
            Ok((sock, peer)) => {
                tokio::spawn(handle(sock, peer, ctx.clone()));
            }
            // Out of descriptors and the like: back off instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// The flow a connection is bound to, read from a snapshot.
pub(crate) fn flow_in(snap: &Snapshot, group: Option<usize>, k: Option<usize>) -> Option<FlowNow> {
    snap.group(group?)?.flows.get(k?).copied()
}

async fn handle(sock: TcpStream, peer: SocketAddr, ctx: ProxyCtx) {
    let mut snap_rx = ctx.shared.snapshot.clone();
    let snap = snap_rx.borrow_and_update().clone();
    let local = sock.local_addr().unwrap_or(peer);
    let gn = ctx.group.and_then(|g| snap.group(g));
    let k = gn.map(|g| bind_flow(peer, local, g.flows.len()));
    let syn_waits = gn.map(|g| g.syn_waits.clone()).unwrap_or_default();
    let traffic = ctx.group.and_then(|g| ctx.shared.groups.get(g).cloned());
    let log = ctx.shared.log.clone();
    let id = log.open(&ctx.name, traffic, k, peer.to_string(), snap.sim_now());
    let _ = sock.set_nodelay(true);

    // Connect on the SYN schedule: a SYN at 0 and after each wait; the first one sent while
    // the path works connects (after the handshake's round trip). When the schedule runs
    // out, the client's connection is refused (reset: the kernel has already accepted it).
    let opened = snap.sim_now();
    if k.is_some() {
        match syn_schedule(&mut snap_rx, ctx.group, k, &syn_waits).await {
            Ok(handshake) => {
                let waited = snap_rx.borrow().sim_now().saturating_since(opened);
                log.update(id, |c| c.connect_delay_s = waited.as_secs_f64());
                tokio::time::sleep(handshake).await;
            }
            Err(ending) => {
                reset(&sock);
                log.close(id, snap_rx.borrow().sim_now(), ending);
                return;
            }
        }
    }
    let mut up = match TcpStream::connect(ctx.upstream.as_str()).await {
        Ok(s) => s,
        Err(_) => {
            reset(&sock);
            log.close(id, snap_rx.borrow().sim_now(), Ending::UpstreamError);
            return;
        }
    };
    let _ = up.set_nodelay(true);
    let mut sock = sock;
    let (aborts0, fresh) = flow_in(&snap_rx.borrow(), ctx.group, k).map_or((0, false), |f| (f.aborts, f.stalled));
    let started = Instant::now();
    let holds: [Hold; 2] = Default::default();
    let ending = {
        let (cr, cw) = sock.split();
        let (ur, uw) = up.split();
        let pc = PumpCtx {
            id,
            group: ctx.group,
            flow: k,
            snapshot: ctx.shared.snapshot.clone(),
            toxics: ctx.toxics.clone(),
            log: log.clone(),
            seed: ctx.shared.seed,
            fresh: Arc::new(AtomicBool::new(fresh)),
        };
        // A direction's clean end of stream leaves the other running (a half-close); the
        // first failure in either ends the connection at once.
        let both = async {
            let up_dir = pump::pump(cr, uw, Direction::Up, pc.clone(), holds[0].clone());
            let down_dir = pump::pump(ur, cw, Direction::Down, pc.clone(), holds[1].clone());
            tokio::pin!(up_dir);
            tokio::pin!(down_dir);
            let first = tokio::select! {
                r = &mut up_dir => (r, true),
                r = &mut down_dir => (r, false),
            };
            let r = match first {
                (Ok(()), true) => down_dir.await,
                (Ok(()), false) => up_dir.await,
                (e, _) => e,
            };
            match r {
                Ok(()) => Ending::Closed,
                Err(Stop::Reset(e) | Stop::Close(e)) => e,
                Err(Stop::Io { client: true }) => Ending::ClientError,
                Err(Stop::Io { client: false }) => Ending::UpstreamError,
            }
        };
        tokio::select! {
            e = both => e,
            e = reset_signal(ctx.clone(), k, aborts0, id, started) => e,
        }
    };
    // A hold still open when the connection ends is a stall too (the connections a fault
    // kills are the ones that stalled longest).
    let snap = snap_rx.borrow().clone();
    for h in &holds {
        if let Some(from) = pump::lock(h).take() {
            log.stall(id, snap.sim_at(from), from.elapsed().as_secs_f64() * snap.speed);
        }
    }
    if !matches!(ending, Ending::Closed | Ending::ClosedToxic) {
        reset(&sock);
        reset(&up);
    }
    log.close(id, snap_rx.borrow().sim_now(), ending);
}

/// Sets SO_LINGER to zero so that dropping the socket sends a RST.
fn reset(s: &TcpStream) {
    let _ = s.set_zero_linger();
}

/// Waits for the first SYN of the schedule that finds the path working; returns the
/// handshake's round trip (wall time), or `Refused` when the schedule runs out. The first
/// SYN goes at once and each later one after the previous wait; connect() fails when the
/// last wait runs out, with no SYN sent then (as `sim_core::tcp::SynSchedule` says).
async fn syn_schedule(
    snap_rx: &mut watch::Receiver<Arc<Snapshot>>,
    group: Option<usize>,
    k: Option<usize>,
    waits: &[sim_core::SimDuration],
) -> Result<Duration, Ending> {
    let mut due = snap_rx.borrow().sim_now();
    for w in waits.iter().copied().chain(waits.is_empty().then_some(sim_core::SimDuration::ZERO)) {
        let snap = snap_rx.borrow_and_update().clone();
        let Some(f) = flow_in(&snap, group, k) else { return Ok(Duration::ZERO) };
        if f.path.end_down {
            return Err(Ending::ResetEndDown);
        }
        if f.path.path_ok {
            let rtt = f.path.one_way[0] + f.path.one_way[1];
            return Ok(Duration::from_secs_f64(rtt.as_nanos() as f64 / 1e9 / snap.speed));
        }
        due += w;
        wait_sim_until(snap_rx, due).await;
    }
    Err(Ending::Refused)
}

/// Sleeps until simulated time `t` (following pauses and speed changes).
pub(crate) async fn wait_sim_until(snap_rx: &mut watch::Receiver<Arc<Snapshot>>, t: SimTime) {
    loop {
        let snap = snap_rx.borrow_and_update().clone();
        let now = snap.sim_now();
        if now >= t || (snap.finished && snap.now >= snap.end) {
            return;
        }
        let wall = if snap.paused {
            Duration::from_millis(50)
        } else {
            Duration::from_secs_f64(t.saturating_since(now).as_nanos() as f64 / 1e9 / snap.speed)
        };
        tokio::select! {
            _ = tokio::time::sleep(wall) => {}
            r = snap_rx.changed() => if r.is_err() { return },
        }
    }
}

/// Resolves when the connection must be reset: its simulated connection aborted, an end of
/// its flow went down, the proxy was disabled or deleted, a `reset_peer` or `timeout` toxic
/// ran out, or the session stopped.
async fn reset_signal(ctx: ProxyCtx, k: Option<usize>, aborts0: u32, id: u64, started: Instant) -> Ending {
    let mut snap_rx = ctx.shared.snapshot.clone();
    let mut gen_rx = ctx.generation.clone();
    let gen0 = *gen_rx.borrow_and_update();
    let mut toxics = ctx.toxics.clone();
    let mut shutdown = ctx.shared.shutdown.clone();
    let seed = ctx.shared.seed;
    // When this connection first saw each toxic: a `timeout` or `reset_peer` counts from
    // then (Toxiproxy starts its timer when the toxic reaches the connection).
    let mut seen: std::collections::BTreeMap<String, Instant> = std::collections::BTreeMap::new();
    loop {
        if *shutdown.borrow_and_update() {
            return Ending::Shutdown;
        }
        if *gen_rx.borrow_and_update() != gen0 {
            return Ending::ResetToxic;
        }
        if let Some(f) = flow_in(&snap_rx.borrow_and_update(), ctx.group, k) {
            if f.aborts > aborts0 {
                return Ending::ResetAbort;
            }
            if f.path.end_down {
                return Ending::ResetEndDown;
            }
        }
        // The earliest toxic deadline that resets this connection.
        let current = toxics.borrow_and_update().clone();
        seen.retain(|name, _| current.iter().any(|t| &t.name == name));
        let deadline = current
            .iter()
            .filter(|t| pump::applies(t, seed, id))
            .filter_map(|t| {
                let from = *seen.entry(t.name.clone()).or_insert_with(|| Instant::now().max(started));
                match t.kind {
                    ToxicKind::ResetPeer { timeout_ms } => Some(from + Duration::from_millis(timeout_ms)),
                    ToxicKind::Timeout { timeout_ms } if timeout_ms > 0 => Some(from + Duration::from_millis(timeout_ms)),
                    _ => None,
                }
            })
            .min();
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.max(Instant::now()).into()).await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = sleep => return Ending::ResetToxic,
            r = snap_rx.changed() => if r.is_err() { return Ending::Shutdown },
            r = gen_rx.changed() => if r.is_err() { return Ending::ResetToxic },
            r = toxics.changed() => if r.is_err() { return Ending::ResetToxic },
            r = shutdown.changed() => if r.is_err() { return Ending::Shutdown },
        }
    }
}
