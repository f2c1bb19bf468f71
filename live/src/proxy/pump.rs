//! One direction of a connection: read, hold for the simulated one-way delay, pace at the
//! simulated rate, hold while the simulated TCP is stalled, write.
//!
//! A stall never drops a byte: the writer holds what it has, the bounded channel between
//! reader and writer fills, and the reader stops reading, so the sender's socket buffer
//! fills and its writes block, as behind a dead path. The sender's kernel sees a silent
//! peer (its segments are acknowledged by our socket, then the window closes), not loss:
//! `--l3` is the mode where real kernels retransmit.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::sync::{mpsc, watch};

use super::conn::flow_in;
use crate::report::{ConnectionLog, Ending};
use crate::state::Snapshot;
use crate::toxic::{Stream, Toxic, ToxicKind};

/// Chunks held between the reader and the writer of one direction: with 16 KiB reads,
/// at most 128 KiB of a direction sits in the proxy.
const CHANNEL_CHUNKS: usize = 8;
const READ_SIZE: usize = 16 * 1024;

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

#[derive(Clone)]
pub(crate) struct PumpCtx {
    pub id: u64,
    pub group: Option<usize>,
    pub flow: Option<usize>,
    pub snapshot: watch::Receiver<Arc<Snapshot>>,
    pub toxics: watch::Receiver<Arc<Vec<Toxic>>>,
    pub log: ConnectionLog,
    pub seed: u64,
}

/// Why a direction stopped other than by a clean end of stream.
#[derive(Debug)]
pub(crate) enum Stop {
    Reset(Ending),
    Io,
}

enum Item {
    Data { bytes: Vec<u8>, read_at: Instant, due: Instant },
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
    let mut n = Now {
        stalled: f.is_some_and(|f| f.stalled) && !snap.finished,
        delay: f.map_or(Duration::ZERO, |f| Duration::from_secs_f64(f.path.one_way[dir.index()].as_nanos() as f64 / 1e9 / speed)),
        // A flow that is sending limits the bytes to its rate; one not started or done does not.
        rate: f.filter(|f| f.path.state.is_sending() && f.path.rate_bps > 0).map(|f| f.path.rate_bps),
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

/// Moves one direction's bytes until end of stream (then half-closes the other side).
pub(crate) async fn pump(mut rd: ReadHalf<'_>, mut wr: WriteHalf<'_>, dir: Direction, cx: PumpCtx) -> Result<(), Stop> {
    let (tx, mut rx) = mpsc::channel::<Item>(CHANNEL_CHUNKS);
    // When the reader first saw data it did not read because the flow was stalled.
    let unread_since: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));

    let reader = {
        let cx = cx.clone();
        let unread_since = unread_since.clone();
        async move {
            let mut snap_rx = cx.snapshot.clone();
            let mut toxics = cx.toxics.clone();
            let mut buf = vec![0u8; READ_SIZE];
            let mut jitter_draw = cx.id.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ dir.index() as u64;
            loop {
                let n = now_for(&cx, dir);
                if n.stalled || n.held {
                    // Stop reading; note when data started waiting unread.
                    let noted = lock(&unread_since).is_some();
                    tokio::select! {
                        r = rd.as_ref().readable(), if !noted => {
                            if r.is_ok() { *lock(&unread_since) = Some(Instant::now()); }
                        }
                        r = snap_rx.changed() => if r.is_err() { return Err(Stop::Reset(Ending::Shutdown)) },
                        r = toxics.changed() => if r.is_err() { return Err(Stop::Reset(Ending::Shutdown)) },
                    }
                    continue;
                }
                let got = tokio::select! {
                    r = rd.read(&mut buf) => r,
                    r = snap_rx.changed() => { if r.is_err() { return Err(Stop::Reset(Ending::Shutdown)) } continue }
                    r = toxics.changed() => { if r.is_err() { return Err(Stop::Reset(Ending::Shutdown)) } continue }
                };
                match got {
                    Ok(0) => {
                        let _ = tx.send(Item::Eof).await;
                        return Ok(());
                    }
                    Ok(k) => {
                        let read_at = Instant::now();
                        jitter_draw = jitter_draw.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        let jitter = if n.jitter.is_zero() {
                            Duration::ZERO
                        } else {
                            n.jitter.mul_f64((jitter_draw >> 11) as f64 / (1u64 << 53) as f64)
                        };
                        let due = read_at + n.delay + n.latency + jitter;
                        if tx.send(Item::Data { bytes: buf[..k].to_vec(), read_at, due }).await.is_err() {
                            return Ok(());
                        }
                    }
                    Err(_) => return Err(Stop::Io),
                }
            }
        }
    };

    let writer = async {
        let mut snap_rx = cx.snapshot.clone();
        let mut toxics = cx.toxics.clone();
        let mut next_free = Instant::now();
        let mut passed: u64 = 0;
        let speed = || cx.snapshot.borrow().speed.max(1e-9);
        while let Some(item) = rx.recv().await {
            let (bytes, read_at, due) = match item {
                Item::Eof => {
                    let n = now_for(&cx, dir);
                    if !n.slow_close.is_zero() {
                        tokio::time::sleep(n.slow_close).await;
                    }
                    let _ = wr.shutdown().await;
                    return Ok(());
                }
                Item::Data { bytes, read_at, due } => (bytes, read_at, due),
            };
            tokio::time::sleep_until(due.into()).await;
            // Hold while stalled; the time bytes waited counts from when they were due or
            // first waited unread, whichever was first.
            let mut held_from: Option<Instant> = None;
            loop {
                let n = now_for(&cx, dir);
                if !(n.stalled || n.held) {
                    break;
                }
                held_from.get_or_insert_with(Instant::now);
                tokio::select! {
                    r = snap_rx.changed() => if r.is_err() { return Err(Stop::Reset(Ending::Shutdown)) },
                    r = toxics.changed() => if r.is_err() { return Err(Stop::Reset(Ending::Shutdown)) },
                }
            }
            let unread = lock(&unread_since).take();
            let waited_from = [held_from, unread].into_iter().flatten().min();
            let n = now_for(&cx, dir);
            let mut ready = Instant::now();
            if let Some(rate) = n.rate {
                let start = ready.max(next_free);
                next_free = start + Duration::from_secs_f64(bytes.len() as f64 * 8.0 / rate as f64);
                if start > ready {
                    tokio::time::sleep_until(start.into()).await;
                    ready = start;
                }
            }
            let mut slice = &bytes[..];
            if let Some(limit) = n.limit {
                let left = limit.saturating_sub(passed) as usize;
                slice = &slice[..slice.len().min(left)];
            }
            if !slice.is_empty() && wr.write_all(slice).await.is_err() {
                return Err(Stop::Io);
            }
            let done = Instant::now();
            passed += slice.len() as u64;
            if let Some(from) = waited_from {
                cx.log.stall(cx.id, done.saturating_duration_since(from).as_secs_f64() * speed());
            }
            let overhead = done.saturating_duration_since(ready.max(due)).as_secs_f64() * 1e6;
            let _ = read_at;
            cx.log.chunk(cx.id, dir == Direction::Up, slice.len() as u64, overhead);
            if n.limit.is_some_and(|l| passed >= l) {
                return Err(Stop::Reset(Ending::ResetToxic));
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
