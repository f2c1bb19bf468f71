//! The tail loss probe (RFC 8985 §7; Linux `tcp_schedule_loss_probe`, net/ipv4/tcp_output.c).

use super::profile::{TcpSpec, TimerClock};
use super::rto::on_clock;
use crate::time::SimDuration;

/// Linux's `TCP_TIMEOUT_MIN_US`: the probe's floor over 2·srtt, 2 ms, added in
/// microseconds before the conversion to jiffies (kernel commit "tcp: fix TLP timer not set
/// when CA_STATE changes", and "tcp: use 2ms floor for TLP and RACK timers"; older kernels
/// added 2 whole jiffies, 8 ms at HZ = 250, which the measured 42.5 ms probe rules out).
const TIMEOUT_MIN: SimDuration = SimDuration::from_millis(2);

/// RFC 8985 §7.2 `WCDelAckT`: the worst-case delayed ACK a lone segment may wait for.
const WC_DEL_ACK: SimDuration = SimDuration::from_millis(200);

/// The probe timeout after the last ACK, capped at the RTO that would otherwise fire first.
/// Linux `tcp_schedule_loss_probe` (net/ipv4/tcp_output.c): 2·srtt plus rto_min when exactly
/// one segment is in flight (the receiver may be holding a delayed ACK), else plus 2 ms,
/// rounded up to jiffies. Other hosts follow RFC 8985 §7.2: 2·srtt, plus `WCDelAckT` for a
/// lone segment.
pub fn probe_timeout(tcp: &TcpSpec, srtt: SimDuration, one_segment: bool, rto: SimDuration) -> SimDuration {
    let two = srtt.saturating_mul(2);
    let pto = match tcp.clock {
        TimerClock::Jiffies { .. } => on_clock(tcp.clock, two + if one_segment { tcp.rto_min } else { TIMEOUT_MIN }),
        TimerClock::Exact => two + if one_segment { WC_DEL_ACK } else { SimDuration::ZERO },
    };
    pto.min(rto)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tcp-timing §1.2: srtt 18 ms gives 2·18 + 2 = 38 ms, 10 jiffies = 40 ms, plus up to a
    /// tick of timer-wheel lateness: 40–44 ms after the last ACK (measured 42.5 ms, 30.5–46.2,
    /// over runs whose srtt varied with the queue).
    #[test]
    fn linux_probe_at_srtt_18ms() {
        let rto = SimDuration::from_millis(220);
        assert_eq!(probe_timeout(&TcpSpec::LINUX, SimDuration::from_millis(18), false, rto), SimDuration::from_millis(40));
        assert_eq!(probe_timeout(&TcpSpec::LINUX, SimDuration::from_millis(18), true, rto), SimDuration::from_millis(220));
        assert_eq!(probe_timeout(&TcpSpec::LINUX, SimDuration::from_millis(2), true, rto), SimDuration::from_millis(204));
    }
}
