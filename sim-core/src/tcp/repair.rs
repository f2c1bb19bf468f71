//! How long after the first transmission that gets through a stalled connection's
//! application sees in-order bytes again.

use super::profile::{Repair, TcpSpec};
use crate::time::SimDuration;

/// Round trips from the transmission that got through to the first in-order bytes at the
/// receiving application.
///
/// After an RTO whose data path lost a hole (tcp-timing §1.5, 30 of 30 runs): the
/// retransmission is spurious (the head had arrived, its ACKs died); its cumulative ACK comes
/// back after 1 RTT, F-RTO (`tcp_process_loss`, RFC 5682) sends new data, whose SACKs reveal
/// the hole after a 2nd RTT, and SACK recovery's retransmission of the hole arrives half a
/// round trip later, then its data is read: about 3 RTT in all (measured). Without F-RTO the
/// sender resends from the hole once the first ACK is back: 1.5 RTT. Without a hole (only
/// ACKs were lost, or the tail loss probe repaired it) new data follows the first ACK: 1.5 RTT.
pub fn repair_time(tcp: &TcpSpec, hole: bool, rtt: SimDuration) -> SimDuration {
    let halves = match (hole, tcp.repair) {
        (true, Repair::FrtoSack) => 6,
        _ => 3,
    };
    SimDuration(rtt.as_nanos().saturating_mul(halves) / 2)
}
