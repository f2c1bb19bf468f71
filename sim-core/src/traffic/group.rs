//! A traffic group's sums and its exact ledger.
//!
//! Ledger units are bit-nanoseconds (`bits * 1e9`), so rate x duration needs no division.
//! For packet groups the ledger is fed by the packet fabric's effects instead of by rates.

use super::stalls::Stalls;
use crate::time::{SimDuration, SimTime};

#[derive(Clone, Debug)]
pub(crate) struct GroupRt {
    pub first_flow: u32,
    pub n_flows: u32,
    pub started: bool,
    pub rate: u64,
    pub ideal: u64,
    pub loss_rate: u64,
    pub offered_rate: u64,
    pub last: SimTime,
    pub sent: u128,
    pub delivered: u128,
    pub lost: u128,
    pub offered: u128,
    pub window: u128,
    /// In flight on flows that stalled this instant, lost or not by its end.
    pub stranded: u128,
    /// (time, delivered rate, rate the surviving capacity allows), one point per change.
    pub timeline: Vec<(SimTime, u64, u64)>,
    /// Stall lengths, for the report's percentiles (allocated on the first stall).
    pub stalls: Stalls,
    /// The longest stall, exactly (the report's histogram keeps 3 significant digits).
    pub stall_max: SimDuration,
    pub peak: u64,
    /// When the source was lost and what was not yet delivered then (ledger units).
    pub rpo: Option<(SimTime, u128)>,
    /// A replication group with a backlog sends as fast as the network allows until it
    /// has caught up (then at its write rate again).
    pub catch_up: bool,
    pub changed: bool,
    /// Packet fidelity: the ledger is kept from packet effects, not by rate integration.
    pub packet: bool,
    /// Packet fidelity: flows that have delivered nothing for a stall's length.
    pub packet_stalled: u32,
    /// Connections given up at the retransmission limit or the user timeout.
    pub connections_aborted: u32,
    /// connect() calls that failed after their last SYN.
    pub connect_failures: u32,
}

impl GroupRt {
    pub fn new(first_flow: u32, n_flows: u32, packet: bool) -> GroupRt {
        GroupRt {
            first_flow,
            n_flows,
            started: false,
            rate: 0,
            ideal: 0,
            loss_rate: 0,
            offered_rate: 0,
            last: SimTime::ZERO,
            sent: 0,
            delivered: 0,
            lost: 0,
            offered: 0,
            window: 0,
            stranded: 0,
            timeline: vec![(SimTime::ZERO, 0, 0)],
            stalls: Stalls::default(),
            stall_max: SimDuration::ZERO,
            peak: 0,
            rpo: None,
            catch_up: false,
            changed: false,
            packet,
            packet_stalled: 0,
            connections_aborted: 0,
            connect_failures: 0,
        }
    }

    pub fn flows(&self) -> std::ops::Range<u32> {
        self.first_flow..self.first_flow + self.n_flows
    }

    /// Brings the ledger up to `now` at the current rates. Packet groups are fed by
    /// effects; only their offered writes accrue with time.
    pub fn settle(&mut self, now: SimTime) {
        let dt = u128::from(now.saturating_since(self.last).as_nanos());
        if dt == 0 {
            return;
        }
        if !self.packet {
            self.sent += u128::from(self.rate + self.loss_rate) * dt;
            self.delivered += u128::from(self.rate) * dt;
            self.lost += u128::from(self.loss_rate) * dt;
        }
        self.offered += u128::from(self.offered_rate) * dt;
        self.last = now;
    }

    /// Writes not yet delivered (ledger units): the RPO if the source were lost now. The
    /// fluid ledger delivers at the rate from the first instant, so what is still on its way
    /// is added explicitly: the writes neither delivered nor sent, plus those sent in the last
    /// one-way delay (half the window: data sent earlier has arrived; only its ACK has not).
    pub fn unreplicated(&self) -> u128 {
        self.offered.saturating_sub(self.delivered + self.window) + self.window / 2
    }

    /// Writes the ledger has not delivered yet (ledger units), in-flight data aside.
    pub fn undelivered(&self) -> u128 {
        self.offered.saturating_sub(self.delivered)
    }

    pub fn record_stall(&mut self, d: SimDuration) {
        self.stall_max = self.stall_max.max(d);
        self.stalls.record(stall_micros(d));
    }
}

/// A stall's length as the report's histogram takes it: whole microseconds, at least 1.
pub(crate) fn stall_micros(d: SimDuration) -> u64 {
    (d.as_nanos() / 1_000).max(1)
}
