//! One direction of a connection: read, hold for the simulated one-way delay, pace at the
//! simulated rate, hold while the simulated TCP is stalled, write.
//!
//! A stall never drops a byte: the writer holds what it has, the byte budget between reader
//! and writer runs out, and the reader stops reading, so the sender's socket buffer fills
//! and its writes block, as behind a dead path. The sender's kernel sees a silent peer (its
//! segments are acknowledged by our socket, then the window closes), not loss: `--l3` is the
//! mode where real kernels retransmit.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::sync::{Semaphore, mpsc, watch};

use super::conn::flow_in;
use crate::report::{ConnectionLog, Ending};
use crate::state::Snapshot;
use crate::toxic::{Stream, Toxic, ToxicKind};

const READ_SIZE: usize = 16 * 1024;
/// The bytes one direction may hold between reading and writing: twice what its path holds
/// (rate × delay, in wall time), at least 256 KiB, at most 64 MiB. Too small a budget would
/// cap the throughput at budget / delay below the simulated rate.
const BUDGET_MIN: usize = 256 * 1024;
const BUDGET_MAX: usize = 64 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Client to upstream: the flow's data direction.
    Up,
    /// Upstream to client: the flow's ACK direction.
    Down,
}

impl Direction {
    fn index(self) -> usize {
        match self {
            Direction::Up => 0,
            Direction::Down => 1,
        }
    }

    fn stream(self) -> Stream {
        match self {
            Direction::Up => Stream::Upstream,
            Direction::Down => Stream::Downstream,
        }
    }
}

/// Since when a direction holds bytes it cannot forward (read and held, or waiting unread in
/// its socket); shared with the connection so a reset can record a stall still open.
pub(crate) type Hold = Arc<Mutex<Option<Instant>>>;

#[derive(Clone)]
pub(crate) struct PumpCtx {
    pub id: u64,
    pub group: Option<usize>,
    pub flow: Option<usize>,
    pub snapshot: watch::Receiver<Arc<Snapshot>>,
    pub toxics: watch::Receiver<Arc<Vec<Toxic>>>,
    pub log: ConnectionLog,
    pub seed: u64,
    /// The connection was made during a stall of its flow (on a path that works again): a
    /// fresh handshake has fresh timers (RFC 6298 §2), so that stall is not this
    /// connection's. Cleared when the flow resumes; later stalls apply.
    pub fresh: Arc<AtomicBool>,
}

/// Why a direction stopped other than by a clean end of stream.
#[derive(Debug)]
pub(crate) enum Stop {
    /// Reset both sockets, for this reason.
    Reset(Ending),
    /// Close both sockets normally (a `limit_data` toxic).
    Close(Ending),
    /// A socket failed: the client's (`client`) or the upstream's.
    Io { client: bool },
}

enum Item {
    Data { bytes: Vec<u8>, due: Instant },
    Eof,
}

/// Whether toxic `t` applies to connection `id`: a draw from the run's seed, the
/// connection and the toxic's name, against its toxicity.
pub fn applies(t: &Toxic, seed: u64, id: u64) -> bool {
    if t.toxicity >= 1.0 {
        return true;
    }
    let mut key = Vec::new();
    key.extend_from_slice(&seed.to_le_bytes());
    key.extend_from_slice(&id.to_le_bytes());
    key.extend_from_slice(t.name.as_bytes());
    ((sim_core::rng::fnv1a(&key) >> 11) as f64 / (1u64 << 53) as f64) < t.toxicity
}

/// What applies to this direction now.
struct Now {
    stalled: bool,
    delay: Duration,
    /// Simulated one-way delay, seconds (for the report).
    delay_s: f64,
    /// Bits per second; `None`: unlimited.
    rate: Option<u64>,
    /// A `timeout` toxic holds everything.
    held: bool,
    latency: Duration,
    jitter: Duration,
    limit: Option<u64>,
    slow_close: Duration,
}

fn now_for(cx: &PumpCtx, dir: Direction) -> Now {
    let snap = cx.snapshot.borrow().clone();
    let f = flow_in(&snap, cx.group, cx.flow);
    let speed = snap.speed.max(1e-9);
    if f.is_some_and(|f| !f.stalled) {
        cx.fresh.store(false, Ordering::Relaxed);
    }
    let fresh = cx.fresh.load(Ordering::Relaxed);
    let one_way = f.map_or(sim_core::SimDuration::ZERO, |f| f.path.one_way[dir.index()]);
    let mut n = Now {
        // The path is dead, or the simulated TCP is stalled (a stall this connection was
        // made after excepted): nothing passes. Once the run has ended, nothing changes.
        stalled: !snap.finished && f.is_some_and(|f| !f.path.path_ok || (f.stalled && !fresh)),
        delay: Duration::from_secs_f64(one_way.as_nanos() as f64 / 1e9 / speed),
        delay_s: one_way.as_secs_f64(),
        // A sending flow limits the bytes to its rate; a fresh connection during the old
        // one's stall to what the network allows; a flow not started or done does not limit.
        rate: f.and_then(|f| {
            if f.path.state.is_sending() && f.path.rate_bps > 0 {
                Some(f.path.rate_bps)
            } else if fresh && f.path.ideal_bps > 0 {
                Some(f.path.ideal_bps)
            } else {
                None
            }
        }),
        held: false,
        latency: Duration::ZERO,
        jitter: Duration::ZERO,
        limit: None,
        slow_close: Duration::ZERO,
    };
    for t in cx.toxics.borrow().iter().filter(|t| t.stream == dir.stream() && applies(t, cx.seed, cx.id)) {
        match t.kind {
            ToxicKind::Latency { latency_ms, jitter_ms } => {
                n.latency += Duration::from_millis(latency_ms);
                n.jitter += Duration::from_millis(jitter_ms);
            }
            ToxicKind::Bandwidth { rate_kbps } => {
                let bps = rate_kbps.saturating_mul(8 * 1000).max(1);
                n.rate = Some(n.rate.map_or(bps, |r| r.min(bps)));
            }
            ToxicKind::Timeout { .. } => n.held = true,
            ToxicKind::LimitData { bytes } => n.limit = Some(n.limit.map_or(bytes, |l| l.min(bytes))),
            ToxicKind::SlowClose { delay_ms } => n.slow_close = n.slow_close.max(Duration::from_millis(delay_ms)),
            ToxicKind::ResetPeer { .. } => {}
        }
    }
    n
}

/// The byte budget of a direction, from what applies when the connection opens.
fn budget(n: &Now) -> usize {
    let delay = (n.delay + n.latency + n.jitter).as_secs_f64();
    let bdp = n.rate.map_or(f64::INFINITY, |r| r as f64 / 8.0 * delay);
    (2.0 * bdp).clamp(BUDGET_MIN as f64, BUDGET_MAX as f64) as usize
}

async fn sleep_until(t: Instant) {
    // A deadline already past would still wait for the timer wheel's next tick (about 1 ms).
    if t > Instant::now() {
        tokio::time::sleep_until(t.into()).await;
    }
}

/// Moves one direction's bytes until end of stream (then half-closes the other side).
pub(crate) async fn pump(mut rd: ReadHalf<'_>, mut wr: WriteHalf<'_>, dir: Direction, cx: PumpCtx, hold: Hold) -> Result<(), Stop> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Item>();
    let budget = budget(&now_for(&cx, dir));
    let room = Arc::new(Semaphore::new(budget));
    let client_reads = dir == Direction::Up;

    let reader = {
        let cx = cx.clone();
        let hold = hold.clone();
        let room = room.clone();
        async move {
            let mut snap_rx = cx.snapshot.clone();
            let mut toxics = cx.toxics.clone();
            let mut buf = vec![0u8; READ_SIZE];
            let mut draw = cx.id.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ dir.index() as u64;
            loop {
                let n = now_for(&cx, dir);
                if n.stalled || n.held {
                    // Stop reading; note when data started waiting unread.
                    let noted = lock(&hold).is_some();
                    tokio::select! {
                        r = rd.as_ref().readable(), if !noted => {
                            if r.is_ok() { lock(&hold).get_or_insert_with(Instant::now); }
                        }
                        r = snap_rx.changed() => if r.is_err() { return Err(Stop::Reset(Ending::Shutdown)) },
                        r = toxics.changed() => if r.is_err() { return Err(Stop::Reset(Ending::Shutdown)) },
                    }
                    continue;
                }
                // Room for one more read: when the writer holds its whole budget, reading stops.
                let Ok(permit) = room.acquire_many(READ_SIZE as u32).await else { return Ok(()) };
                permit.forget();
                let got = tokio::select! {
                    r = rd.read(&mut buf) => r,
                    r = snap_rx.changed() => {
                        room.add_permits(READ_SIZE);
                        if r.is_err() { return Err(Stop::Reset(Ending::Shutdown)) }
                        continue
                    }
                    r = toxics.changed() => {
                        room.add_permits(READ_SIZE);
                        if r.is_err() { return Err(Stop::Reset(Ending::Shutdown)) }
                        continue
                    }
                };
                match got {
                    Ok(0) => {
                        let _ = tx.send(Item::Eof);
                        return Ok(());
                    }
                    Ok(k) => {
                        room.add_permits(READ_SIZE - k);
                        let read_at = Instant::now();
                        draw = draw.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        // Toxiproxy's jitter: latency ± jitter, uniformly.
                        let u = (draw >> 11) as f64 / (1u64 << 53) as f64;
                        let extra = (n.latency.as_secs_f64() + n.jitter.as_secs_f64() * (2.0 * u - 1.0)).max(0.0);
                        let due = read_at + n.delay + Duration::from_secs_f64(extra);
                        if tx.send(Item::Data { bytes: buf[..k].to_vec(), due }).is_err() {
                            return Ok(());
                        }
                    }
                    Err(_) => return Err(Stop::Io { client: client_reads }),
                }
            }
        }
    };

    let writer = async {
        let mut snap_rx = cx.snapshot.clone();
        let mut toxics = cx.toxics.clone();
        let mut next_free = Instant::now();
        let mut passed: u64 = 0;
        let mut delay_s = f64::NAN;
        while let Some(item) = rx.recv().await {
            let (bytes, due) = match item {
                Item::Eof => {
                    let n = now_for(&cx, dir);
                    if !n.slow_close.is_zero() {
                        tokio::time::sleep(n.slow_close).await;
                    }
                    let _ = wr.shutdown().await;
                    return Ok(());
                }
                Item::Data { bytes, due } => (bytes, due),
            };
            sleep_until(due).await;
            // Hold while stalled; the bytes waited from when they were due or first waited
            // unread, whichever was first.
            let mut intended = due;
            loop {
                let n = now_for(&cx, dir);
                if !(n.stalled || n.held) {
                    break;
                }
                lock(&hold).get_or_insert_with(Instant::now);
                tokio::select! {
                    r = snap_rx.changed() => if r.is_err() { return Err(Stop::Reset(Ending::Shutdown)) },
                    r = toxics.changed() => if r.is_err() { return Err(Stop::Reset(Ending::Shutdown)) },
                }
                intended = Instant::now();
            }
            let n = now_for(&cx, dir);
            if let Some(rate) = n.rate {
                let start = intended.max(next_free);
                next_free = start + Duration::from_secs_f64(bytes.len() as f64 * 8.0 / rate as f64);
                sleep_until(start).await;
                intended = start;
            }
            let mut slice = &bytes[..];
            if let Some(limit) = n.limit {
                let left = limit.saturating_sub(passed) as usize;
                slice = &slice[..slice.len().min(left)];
            }
            if !slice.is_empty() && wr.write_all(slice).await.is_err() {
                return Err(Stop::Io { client: !client_reads });
            }
            room.add_permits(bytes.len());
            let done = Instant::now();
            passed += slice.len() as u64;
            if let Some(from) = lock(&hold).take() {
                let snap = cx.snapshot.borrow().clone();
                cx.log.stall(cx.id, snap.sim_at(from), done.saturating_duration_since(from).as_secs_f64() * snap.speed);
            }
            if n.delay_s != delay_s {
                delay_s = n.delay_s;
                cx.log.update(cx.id, |c| if dir == Direction::Up { c.delay_up_s = delay_s } else { c.delay_down_s = delay_s });
            }
            // The proxy's own cost: from when the chunk was due to go (after its delay, a
            // stall and pacing) to when it was written, timer lateness included.
            let overhead = done.saturating_duration_since(intended).as_secs_f64() * 1e6;
            cx.log.chunk(cx.id, dir == Direction::Up, slice.len() as u64, overhead);
            if n.limit.is_some_and(|l| passed >= l) {
                return Err(Stop::Close(Ending::ClosedToxic));
            }
        }
        Ok(())
    };

    // The writer's end is the direction's end; the reader ending first (end of stream, or an
    // error) leaves the writer to drain what it holds.
    tokio::pin!(reader);
    tokio::pin!(writer);
    tokio::select! {
        w = &mut writer => w,
        r = &mut reader => match r {
            Ok(()) => writer.await,
            Err(e) => Err(e),
        },
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
