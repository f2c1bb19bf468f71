//! The trace of state-changing events and the run's fingerprint.
//!
//! Every record is folded into an FNV-1a hash as it happens, so the fingerprint costs nothing
//! to keep and is identical across processes and machines for the same model and seed. The
//! records themselves are kept only when asked for (the `--trace` file, the TUI's event log).

use serde::Serialize;

use crate::time::SimTime;

/// What happened. The numeric fields of a record mean what the variant says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TraceKind {
    /// Fault `a` started (b = 1) or ended (b = 0).
    Fault,
    /// Link `a` changed state; `b` is the new [`crate::link::LinkState::label`] code.
    LinkState,
    /// Session on link `a`, side `b`: went down (`v` = reason code) .
    SessionDown,
    /// Session on link `a` established on both sides.
    SessionUp,
    /// Forwarding at adjacency `a`, side `b` changed; `v` = number of ECMP members.
    Fib,
    /// `v` flows of adjacency `a` moved to another member after a forwarding change.
    FlowsMoved,
    /// Flow `a` stalled (path broken).
    Stall,
    /// Flow `a` resumed after `v` ns.
    Resume,
    /// Group `a` delivers `v` bits per second.
    GroupRate,
    /// Alarm `a` fired.
    Alarm,
    /// Runbook step `a` acted.
    Step,
    /// Flow `a` gave its connection up (`v` = 1 at the retransmission limit, 2 at the user
    /// timeout) and reconnects.
    ConnectionAborted,
    /// Flow `a`'s connect() failed after its last SYN (`v` = SYNs sent); it tries again.
    ConnectFailed,
    /// Runbook step `b` moved group `a` onto the route its `shift` names; `v` is the step
    /// whose shift the group left plus one (0: the group's own route). A note written right
    /// after the step's [`TraceKind::Step`] record and never hashed (see [`Trace::note`]): the
    /// step record and the effects of the move already fold the shift into the fingerprint.
    Shift,
}

impl TraceKind {
    fn code(self) -> u8 {
        self as u8
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TraceRecord {
    pub t: SimTime,
    pub kind: TraceKind,
    pub a: u32,
    pub b: u32,
    pub v: u64,
}

/// Why a session went down (the `v` of a [`TraceKind::SessionDown`] record).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DownReason {
    CarrierLoss = 1,
    BfdTimeout = 2,
    HoldTimerExpired = 3,
    Notification = 4,
    NeighborSignaledDown = 5,
    AdminReset = 6,
}

impl DownReason {
    pub fn from_code(v: u64) -> Option<DownReason> {
        Some(match v {
            1 => DownReason::CarrierLoss,
            2 => DownReason::BfdTimeout,
            3 => DownReason::HoldTimerExpired,
            4 => DownReason::Notification,
            5 => DownReason::NeighborSignaledDown,
            6 => DownReason::AdminReset,
            _ => return None,
        })
    }
    pub fn label(self) -> &'static str {
        match self {
            DownReason::CarrierLoss => "carrier loss",
            DownReason::BfdTimeout => "BFD detection timeout",
            DownReason::HoldTimerExpired => "BGP hold timer expired",
            DownReason::Notification => "BGP NOTIFICATION received",
            DownReason::NeighborSignaledDown => "BFD neighbor signaled down",
            DownReason::AdminReset => "BGP session reset",
        }
    }
}

/// The trace: a running fingerprint and, optionally, the records.
#[derive(Clone, Debug)]
pub struct Trace {
    hash: u64,
    count: u64,
    keep: bool,
    records: Vec<TraceRecord>,
}

impl Trace {
    /// A trace whose fingerprint starts from `start` (the model's digest under the seed), so
    /// two runs agree only if they ran the same model, under the same seed, the same way.
    pub fn new(keep: bool, start: u64) -> Trace {
        Trace { hash: start, count: 0, keep, records: Vec::new() }
    }

    pub fn record(&mut self, t: SimTime, kind: TraceKind, a: u32, b: u32, v: u64) {
        let mut h = self.hash;
        let mut mix = |bytes: &[u8]| {
            for x in bytes {
                h ^= u64::from(*x);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        mix(&t.as_nanos().to_le_bytes());
        mix(&[kind.code()]);
        mix(&a.to_le_bytes());
        mix(&b.to_le_bytes());
        mix(&v.to_le_bytes());
        self.hash = h;
        self.count += 1;
        if self.keep {
            self.records.push(TraceRecord { t, kind, a, b, v });
        }
    }

    /// Keeps a record for the trace file without folding it into the fingerprint or counting
    /// it: an explanation of something already hashed (a [`TraceKind::Shift`] names the route
    /// a [`TraceKind::Step`] record's action took). Asking for a trace must change nothing.
    pub fn note(&mut self, t: SimTime, kind: TraceKind, a: u32, b: u32, v: u64) {
        if self.keep {
            self.records.push(TraceRecord { t, kind, a, b, v });
        }
    }

    /// Whether records are kept (the notes cost a look-up only then).
    pub fn keeps(&self) -> bool {
        self.keep
    }

    /// Folds a packet event (a hop completed, or a drop) into the fingerprint without keeping
    /// a record: packet runs have millions of them, and the fingerprint must still cover each.
    pub fn mix_packet(&mut self, t: SimTime, wire: u32, len: u32, dropped: bool) {
        let mut h = self.hash;
        for x in t.as_nanos().to_le_bytes().into_iter().chain(wire.to_le_bytes()).chain(len.to_le_bytes()).chain([u8::from(dropped)]) {
            h ^= u64::from(x);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.hash = h;
    }

    /// Folds a stop before the end (a budget ran out at `t` after `events` events) into the
    /// fingerprint, so a run cut short never shares its fingerprint with the complete run
    /// even when the events it skipped kept no record.
    pub fn mix_stop(&mut self, t: SimTime, events: u64) {
        let mut h = self.hash;
        for x in b"stop".iter().copied().chain(t.as_nanos().to_le_bytes()).chain(events.to_le_bytes()) {
            h ^= u64::from(x);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.hash = h;
    }

    pub fn fingerprint(&self) -> u64 {
        self.hash
    }
    pub fn len(&self) -> u64 {
        self.count
    }
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    pub fn records(&self) -> &[TraceRecord] {
        &self.records
    }
}
