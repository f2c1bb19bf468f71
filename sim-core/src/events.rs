//! The two vocabularies of the simulation: scheduled events (`Ev`: what the scheduler hands
//! back at a time) and effects (`Effect`: what a component says it did).
//!
//! Components never call each other. A component handles an `Ev` addressed to it and
//! returns effects; the dispatcher in `sim.rs` turns each effect into a trace record, shows
//! it to attribution, and passes it on to the components that react to it.

use crate::model::{AdjId, AlarmId, FaultId, GroupId, LinkId, StepId};
use crate::network::LinkDelta;
use crate::time::SimDuration;
use crate::trace::DownReason;

/// Scheduled events. Small and `Copy`: the heap holds them by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ev {
    KeepaliveTx {
        link: u32,
        side: u8,
    },
    HoldExpire {
        link: u32,
        side: u8,
    },
    BfdTx {
        link: u32,
        side: u8,
    },
    BfdDetect {
        link: u32,
        side: u8,
    },
    Connect {
        link: u32,
    },
    FibApply {
        adj: u32,
        side: u8,
    },
    FlowTimer {
        flow: u32,
    },
    GroupStart {
        group: u32,
    },
    /// A replication group's backlog is due to be caught up.
    BacklogDrained {
        group: u32,
    },
    FaultStart {
        fault: u32,
    },
    FaultEnd {
        fault: u32,
    },
    FlapToggle {
        fault: u32,
        phase: u32,
    },
    DrainDown {
        fault: u32,
    },
    RandomFail {
        process: u32,
        element: u32,
    },
    AlarmCheck {
        alarm: u32,
    },
    StepRun {
        step: u32,
    },
    EndpointWake {
        ep: u32,
    },
    WireArrive {
        wire: u32,
    },
    PacketBin,
}

/// Where a flow's path broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Broken {
    /// A link on its data or ACK path stopped delivering in direction `dir`.
    Link { link: LinkId, dir: u8 },
    /// A hop has no forwarding entry at side `side` of adjacency `adj`.
    NoRoute { adj: AdjId, side: u8 },
    /// The workload at end 0 (source) or 1 (destination) is down.
    End { end: u8 },
}

/// What a component did. Ordered as they happened within an instant.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Effect {
    FaultStarted {
        fault: FaultId,
    },
    FaultEnded {
        fault: FaultId,
    },
    /// A fault (or, with `fault: None`, a runbook step) changed a link.
    LinkChanged {
        link: LinkId,
        fault: Option<FaultId>,
        applied: bool,
        delta: LinkDelta,
    },
    /// A site or endpoint went down or came back; the groups whose routes it ends.
    WorkloadChanged {
        groups: Vec<GroupId>,
        fault: Option<FaultId>,
        down: bool,
    },
    /// A fault reset the session on `link` (the downs it causes follow).
    SessionReset {
        link: LinkId,
        fault: FaultId,
    },
    /// A fault switched BFD off (`off`) or back on.
    BfdToggled {
        link: LinkId,
        fault: FaultId,
        off: bool,
    },
    /// A drain or a step changed route preference over `link`.
    PreferenceChanged {
        link: LinkId,
        fault: Option<FaultId>,
    },
    SessionDown {
        link: LinkId,
        side: u8,
        reason: DownReason,
    },
    SessionUp {
        link: LinkId,
    },
    /// A forwarding change reached side `side` of `adj` after its convergence delay;
    /// `causes` are the faults behind the decision, taken when it was decided.
    FibChanged {
        adj: AdjId,
        side: u8,
        members: u32,
        causes: Vec<FaultId>,
        moved: u64,
    },
    Stall {
        flow: u32,
        group: GroupId,
        broken: Broken,
    },
    Resume {
        flow: u32,
        group: GroupId,
        stalled: SimDuration,
    },
    /// A stalled flow's TCP gave the connection up; it reconnects on its SYN schedule.
    ConnectionAborted {
        flow: u32,
        group: GroupId,
        by_user_timeout: bool,
    },
    /// A flow's connect() failed after its last SYN; it tries again at once.
    ConnectFailed {
        flow: u32,
        group: GroupId,
        syns: u32,
    },
    /// `bits` (ledger units: bit-nanoseconds) lost at once: a window lost on a broken path,
    /// a failed retransmission, a dropped packet. `flow` names the fluid flow; `None` is a
    /// packet, whose group ledger is updated from this effect.
    Lost {
        group: GroupId,
        bits: u128,
        broken: Option<Broken>,
        flow: Option<u32>,
    },
    GroupRate {
        group: GroupId,
        rate: u64,
    },
    /// Packet fidelity: payload a sender put on the wire (ledger units).
    PacketSent {
        group: GroupId,
        bits: u128,
    },
    /// Packet fidelity: payload delivered in order; `gap` when delivery had paused a stall's length.
    PacketDelivered {
        group: GroupId,
        bits: u128,
        gap: Option<SimDuration>,
    },
    /// Packet fidelity: the goodput of the last bin, what the surviving capacity allows, and
    /// how many of the group's flows have delivered nothing for a stall's length.
    PacketBin {
        group: GroupId,
        rate: u64,
        ideal: u64,
        stalled: u32,
    },
    AlarmFired {
        alarm: AlarmId,
    },
    StepActed {
        step: StepId,
    },
}

/// What a component may touch while it handles something: the clock, its own timers (by
/// scheduling), and the list of effects it reports. Nothing else of the simulation.
pub(crate) struct Outbox<'a> {
    pub sched: &'a mut crate::scheduler::Scheduler<Ev>,
    pub effects: &'a mut Vec<Effect>,
}

impl Outbox<'_> {
    pub fn now(&self) -> crate::time::SimTime {
        self.sched.now()
    }
    pub fn emit(&mut self, e: Effect) {
        self.effects.push(e);
    }
}
