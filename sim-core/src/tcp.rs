//! The fluid model's TCP: retransmission timeouts, backoff, and rate caps.
//!
//! Pure formulas, each from its reference: the RTO rules of Linux (`tcp_rtt_estimator`) and
//! RFC 6298, exponential backoff capped at `rto_max` (RFC 6298 §5.5), the window limit
//! rwnd / RTT, and the Mathis et al. (1997) loss bound MSS / RTT * sqrt(3/2) / sqrt(p).

use crate::spec::{RtoRule, TcpSpec};
use crate::time::SimDuration;

/// The retransmission timeout for a path with smoothed RTT `srtt` and variation `rttvar`.
pub fn rto(tcp: &TcpSpec, srtt: SimDuration, rttvar: SimDuration) -> SimDuration {
    let var4 = rttvar.saturating_mul(4);
    let raw = match tcp.rule {
        RtoRule::Linux => srtt + if var4 > tcp.rto_min { var4 } else { tcp.rto_min },
        RtoRule::Rfc6298 => {
            let r = srtt + var4;
            if r > tcp.rto_min { r } else { tcp.rto_min }
        }
    };
    raw.min(tcp.rto_max)
}

/// The timeout before retransmission number `attempt` (0-based): base doubled per attempt,
/// capped at `rto_max`.
pub fn backoff(tcp: &TcpSpec, base: SimDuration, attempt: u32) -> SimDuration {
    let factor = 1u64.checked_shl(attempt.min(40)).unwrap_or(u64::MAX);
    base.saturating_mul(factor).min(tcp.rto_max)
}

/// Mathis bound in bits per second: (MSS / RTT) * C / sqrt(p), C = sqrt(3/2).
pub fn mathis_bps(mss_bytes: u32, rtt: SimDuration, loss_ppm: u32) -> f64 {
    if loss_ppm == 0 {
        return f64::INFINITY;
    }
    let p = f64::from(loss_ppm) / 1e6;
    let rtt_s = rtt.as_secs_f64().max(1e-9);
    f64::from(mss_bytes) * 8.0 / rtt_s * (1.5f64).sqrt() / p.sqrt()
}

/// A window of `bytes` per round trip, in bits per second.
pub fn window_bps(bytes: u64, rtt: SimDuration) -> f64 {
    bytes as f64 * 8.0 / rtt.as_secs_f64().max(1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_rto_is_srtt_plus_200ms_on_a_stable_path() {
        let srtt = SimDuration::from_micros(1500);
        assert_eq!(rto(&TcpSpec::LINUX, srtt, SimDuration::ZERO), SimDuration::from_micros(201_500));
        assert_eq!(rto(&TcpSpec::SMOLTCP, srtt, SimDuration::ZERO), SimDuration::from_secs(1));
    }

    #[test]
    fn backoff_doubles_and_caps_at_rto_max() {
        let base = SimDuration::from_secs(1);
        assert_eq!(backoff(&TcpSpec::LINUX, base, 0), SimDuration::from_secs(1));
        assert_eq!(backoff(&TcpSpec::LINUX, base, 3), SimDuration::from_secs(8));
        assert_eq!(backoff(&TcpSpec::LINUX, base, 7), SimDuration::from_secs(120));
        assert_eq!(backoff(&TcpSpec::LINUX, base, 60), SimDuration::from_secs(120));
    }

    /// interconnect-facts §6.3 table: MSS 1448, RTT 1.5 ms, p = 1e-4 gives 946 Mbps;
    /// RTT 60 ms, p = 1e-3 gives 7.5 Mbps.
    #[test]
    fn mathis_matches_the_published_table() {
        let m = mathis_bps(1448, SimDuration::from_micros(1500), 100) / 1e6;
        assert!((m - 946.0).abs() < 1.0, "{m}");
        let m = mathis_bps(1448, SimDuration::from_millis(60), 1000) / 1e6;
        assert!((m - 7.5).abs() < 0.1, "{m}");
    }
}
