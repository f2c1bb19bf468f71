//! One fluid flow: its TCP state, its path and its rate.

use crate::model::GroupId;
use crate::scheduler::TimerId;
use crate::time::{SimDuration, SimTime};

/// A path: (link, direction) per hop. Most paths have one or two hops, kept inline (24 B,
/// no allocation); longer ones spill to the heap.
pub(crate) type Path = smallvec::SmallVec<[(u32, u8); 2]>;

/// Where a flow's TCP stands. Windows are in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpState {
    /// Not started yet.
    Waiting,
    /// Limited only by the network, its demand and its windows.
    Open,
    /// Slow start: the window doubles every RTT until `ssthresh`, then congestion avoidance
    /// towards `w_max` (the window it lost at; zero for a new connection).
    Ramping { cwnd: u64, ssthresh: u64, w_max: u64 },
    /// Congestion avoidance (CUBIC or Reno) since `epoch`, from `w0` towards `w_max`.
    Avoiding { cwnd: u64, epoch: SimTime, w0: u64, w_max: u64 },
    /// No working path since `since`: the tail loss probe (`probe` while it is pending),
    /// then retransmissions; `rtos` timeouts have fired, backing off from `base`. `w` is the
    /// window when it stalled; `hole` whether data it sent was lost (the receiver waits for it);
    /// `acks_lost` whether ACKs of delivered data died. A path that works again by
    /// `acks_until` finds the ACK clock still running (ACKs of data sent before the break are
    /// still to come), and the flow recovers without a timer.
    Stalled { since: SimTime, rtos: u32, base: SimDuration, probe: bool, w: u64, hole: bool, acks_lost: bool, acks_until: SimTime },
    /// Connecting (a new connection, or after an abort): `syns` SYNs sent in this attempt;
    /// no data has moved since `since`.
    Connecting { since: SimTime, syns: u32 },
    /// A transmission got through; the application sees in-order bytes at `until`, then the
    /// window starts at `cwnd` (slow start to `ssthresh`, towards `w_max`).
    Repairing { until: SimTime, cwnd: u64, ssthresh: u64, w_max: u64 },
    /// Sent all its bytes.
    Done,
}

impl TcpState {
    /// No data can move: the path is broken, or a connection is being made again.
    pub fn is_stalled(self) -> bool {
        matches!(self, TcpState::Stalled { .. } | TcpState::Connecting { .. })
    }

    /// When the current stall began.
    pub fn stalled_since(self) -> Option<SimTime> {
        match self {
            TcpState::Stalled { since, .. } | TcpState::Connecting { since, .. } => Some(since),
            _ => None,
        }
    }

    /// Sending data (possibly window-limited): a path break stalls it.
    pub fn is_sending(self) -> bool {
        matches!(self, TcpState::Open | TcpState::Ramping { .. } | TcpState::Avoiding { .. } | TcpState::Repairing { .. })
    }

    /// The congestion window that limits the rate, if one does.
    pub fn cwnd(self) -> Option<u64> {
        match self {
            TcpState::Ramping { cwnd, .. } | TcpState::Avoiding { cwnd, .. } => Some(cwnd),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Flow {
    pub group: u32,
    pub hash: u64,
    pub state: TcpState,
    /// Data path: (link, direction) per hop; empty when a hop has no route.
    pub fwd: Path,
    /// ACK path.
    pub rev: Path,
    /// Both directions deliver and both ends are alive.
    pub ok: bool,
    /// Where the path is broken, when it is.
    pub broken: Option<crate::events::Broken>,
    /// Data sent now would reach the receiver (the ACK path may be broken).
    pub data_delivers: bool,
    /// The sending end is alive.
    pub source_alive: bool,
    /// ACKs sent now would reach the sender (the data path may be broken).
    pub acks_deliver: bool,
    pub loss_ppm: u32,
    /// Mean loss burst along the forward path, packets (the longest of its links').
    pub loss_burst: u32,
    pub rtt: SimDuration,
    pub jitter: SimDuration,
    /// The path's RTT and jitter before the instant `rtt_since`, when they last changed: the
    /// sender has no sample of a path changed at this very instant.
    pub prev_rtt: (SimDuration, SimDuration),
    pub rtt_since: Option<SimTime>,
    /// Queueing delay of the standing queue loss-based senders keep at the saturated
    /// drop-tail bottlenecks of the forward path, as of the last solve: part of the sender's
    /// srtt (tcp-timing §1.1).
    pub standing: SimDuration,
    pub mss: u32,
    pub rate: u64,
    pub loss_rate: u64,
    /// The part of `loss_rate` above the path's background loss: what faults cause.
    pub fault_loss_rate: u64,
    /// `loss_ppm` when the loss rates were last computed.
    pub loss_ppm_applied: u32,
    /// Background (`base_loss_ppm`) loss of the forward path, parts per million.
    pub base_loss_ppm: u32,
    pub ideal: u64,
    /// Bits in flight, in ledger units.
    pub window: u128,
    pub timer: TimerId,
    pub ramp_at: Option<SimTime>,
    pub remaining: Option<u128>,
    pub last: SimTime,
    pub dirty: bool,
    pub changed: bool,
    pub seen: u32,
}

impl Flow {
    /// The RTT and jitter the sender's estimator holds at `now`: the path's, unless the path
    /// changed at this very instant, in which case the one before (no sample yet).
    pub fn srtt(&self, now: SimTime) -> (SimDuration, SimDuration) {
        if self.rtt_since == Some(now) { self.prev_rtt } else { (self.rtt, self.jitter) }
    }

    /// Whether the window in flight is what `rate` over the flow's RTT puts there (always
    /// true while stalled or done, which keep theirs). A path change that moves the RTT but
    /// not the rate (onto a VPN and back, demand-capped) must still resize the window: a
    /// later cut loses what is in flight, and lost twice the bytes with the VPN's window.
    pub fn window_current(&self, rate: u64) -> bool {
        matches!(self.state, TcpState::Stalled { .. } | TcpState::Done) || self.window == u128::from(rate) * u128::from(self.rtt.as_nanos())
    }

    /// Sets the path's RTT and jitter at `now`, keeping what the sender knew before.
    pub fn set_rtt(&mut self, now: SimTime, rtt: SimDuration, jitter: SimDuration) {
        if (rtt, jitter) == (self.rtt, self.jitter) {
            return;
        }
        // The first path a flow is given is known to its sender (a run starts in steady state).
        if self.rtt_since != Some(now) && self.rtt != SimDuration::ZERO {
            self.prev_rtt = (self.rtt, self.jitter);
            self.rtt_since = Some(now);
        }
        self.rtt = rtt;
        self.jitter = jitter;
    }
}

/// A read-only view of one flow.
#[derive(Clone, Copy, Debug)]
pub struct FlowView {
    pub group: GroupId,
    pub state: TcpState,
    pub rate_bps: u64,
    pub rtt: SimDuration,
}
