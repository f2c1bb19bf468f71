//! From the first transmission that gets through a stalled connection's path to in-order
//! bytes at the receiving application, and whether the window survives the timeout.

use super::profile::{Repair, TcpSpec};
use crate::time::SimDuration;

/// What the break did to the connection's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Damage {
    /// Data sent into the dead path was lost: the receiver waits for it.
    pub hole: bool,
    /// The ACKs of data that had arrived were lost, so the first retransmission resends
    /// delivered data (it is spurious).
    pub acks_lost: bool,
}

/// Time from the transmission that got through to the first in-order bytes at the receiving
/// application.
///
/// - Two-way break under F-RTO and SACK (tcp-timing §1.5, 30 of 30 runs): the retransmission
///   is spurious (the head had arrived, its ACKs died); its cumulative ACK comes back after
///   1 RTT, F-RTO (`tcp_process_loss`, RFC 5682 §2) sends new data, whose SACKs reveal the hole
///   after a 2nd RTT, and SACK recovery's retransmission of the hole arrives half a round trip
///   later, then its data is read: about 3 RTT in all (measured). Without F-RTO the sender
///   resends from the hole once the first ACK is back: 1.5 RTT.
/// - Data path only: the retransmission is the first lost segment itself; it arrives half a
///   round trip later and the receiver can read at once.
/// - ACK path only (nothing lost): new data follows the first ACK, 1.5 RTT.
pub fn repair_time(tcp: &TcpSpec, d: Damage, rtt: SimDuration) -> SimDuration {
    let halves = match (d.hole, d.acks_lost, tcp.repair) {
        (true, true, Repair::FrtoSack) => 6,
        (true, false, _) => 1,
        _ => 3,
    };
    SimDuration(rtt.as_nanos().saturating_mul(halves) / 2)
}

/// Whether the timeout is undone: F-RTO finds it spurious when the ACK of the retransmission
/// covers data that was never retransmitted (`FLAG_ORIG_SACK_ACKED`), and
/// `tcp_try_undo_loss` restores the window from before the timeout (RFC 5682 §3.1 step 3b).
/// That happens when only ACKs were lost; the window comes back a round trip after the
/// retransmission.
pub fn undoes(tcp: &TcpSpec, d: Damage) -> bool {
    tcp.repair == Repair::FrtoSack && d.acks_lost && !d.hole
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repair_follows_what_the_break_lost() {
        let rtt = SimDuration::from_millis(10);
        let two_way = Damage { hole: true, acks_lost: true };
        assert_eq!(repair_time(&TcpSpec::LINUX, two_way, rtt), SimDuration::from_millis(30));
        assert_eq!(repair_time(&TcpSpec::SMOLTCP, two_way, rtt), SimDuration::from_millis(15));
        let data_only = Damage { hole: true, acks_lost: false };
        assert_eq!(repair_time(&TcpSpec::LINUX, data_only, rtt), SimDuration::from_millis(5));
        let acks_only = Damage { hole: false, acks_lost: true };
        assert!(undoes(&TcpSpec::LINUX, acks_only) && !undoes(&TcpSpec::LINUX, two_way) && !undoes(&TcpSpec::SMOLTCP, acks_only));
    }
}
