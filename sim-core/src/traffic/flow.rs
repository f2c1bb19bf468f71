//! One fluid flow: its TCP state, its path and its rate.

use crate::model::GroupId;
use crate::scheduler::TimerId;
use crate::time::{SimDuration, SimTime};

/// Where a flow's TCP stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpState {
    /// Not started yet.
    Waiting,
    /// Limited only by the network, its demand and its windows.
    Open,
    /// Slow start: the window (bytes) doubles every RTT.
    Ramping { cwnd: u64 },
    /// No working path: retransmitting on the RTO schedule.
    Stalled { since: SimTime, attempt: u32, base: SimDuration },
    /// Sent all its bytes.
    Done,
}

impl TcpState {
    pub fn is_stalled(self) -> bool {
        matches!(self, TcpState::Stalled { .. })
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Flow {
    pub group: u32,
    pub hash: u64,
    pub state: TcpState,
    /// Data path: (link, direction) per hop; empty when a hop has no route.
    pub fwd: Vec<(u32, u8)>,
    /// ACK path.
    pub rev: Vec<(u32, u8)>,
    /// Both directions deliver and both ends are alive.
    pub ok: bool,
    /// Where the path is broken, when it is.
    pub broken: Option<crate::events::Broken>,
    /// Data sent now would reach the receiver (the ACK path may be broken).
    pub data_delivers: bool,
    /// The sending end is alive.
    pub source_alive: bool,
    pub loss_ppm: u32,
    pub rtt: SimDuration,
    pub jitter: SimDuration,
    /// The path's RTT and jitter before the instant `rtt_since`, when they last changed: the
    /// sender has no sample of a path changed at this very instant.
    pub prev_rtt: (SimDuration, SimDuration),
    pub rtt_since: Option<SimTime>,
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
