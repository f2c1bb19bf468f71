//! Rate limits of a TCP sender that are not the network's share: its window per round trip
//! and the window random loss allows.

use super::growth::{CUBIC_BETA, CUBIC_C};
use super::profile::{Growth, TcpSpec};
use crate::time::SimDuration;

/// Mathis et al. (1997): (MSS / RTT) · √(3/2) / √p, bits per second.
pub fn mathis_bps(mss_bytes: u32, rtt: SimDuration, loss_ppm: u32) -> f64 {
    if loss_ppm == 0 {
        return f64::INFINITY;
    }
    let p = f64::from(loss_ppm) / 1e6;
    let rtt_s = rtt.as_secs_f64().max(1e-9);
    f64::from(mss_bytes) * 8.0 / rtt_s * (1.5f64).sqrt() / p.sqrt()
}

/// The average window, in segments, a sender holds under independent per-packet loss `p`
/// with SACK recovery (RFC 6675) and RACK-TLP (RFC 8985), which repair isolated losses by fast
/// recovery rather than timeouts ([ASSUMPTION] none under independent loss up to about 1 %, as
/// issue 9 states; tcp-timing.md has no random-loss measurement):
/// - CUBIC (RFC 9438 §5.1, from Ha, Rhee and Xu 2008): the larger of
///   (C·(3+β) / (4·(1−β)))^¼ · (RTT/p)^¾ and its Reno-friendly region's Reno average;
/// - Reno: √(3 / (2·b·p)) (Padhye et al. 1998 without the timeout term), where b is the
///   segments per ACK that grow the window: 1 for a byte-counting sender (RFC 3465, Linux),
///   2 for a per-ACK sender behind delayed ACKs.
pub fn loss_window_segments(tcp: &TcpSpec, rtt: SimDuration, p: f64) -> f64 {
    let b = if tcp.byte_counting { 1.0 } else { 2.0 };
    let reno = (3.0 / (2.0 * b * p)).sqrt();
    match tcp.growth {
        Growth::Reno => reno,
        Growth::Cubic => {
            let k = libm::pow(CUBIC_C * (3.0 + CUBIC_BETA) / (4.0 * (1.0 - CUBIC_BETA)), 0.25);
            let cubic = k * libm::pow(rtt.as_secs_f64() / p, 0.75);
            cubic.max(reno)
        }
    }
}

/// What random loss of `loss_ppm` lets the sender carry at round trip `rtt`, bits per
/// second: `loss_window_segments` segments per RTT.
pub fn loss_limited_bps(tcp: &TcpSpec, mss_bytes: u32, rtt: SimDuration, loss_ppm: u32) -> f64 {
    if loss_ppm == 0 {
        return f64::INFINITY;
    }
    let p = f64::from(loss_ppm.min(1_000_000)) / 1e6;
    let rtt_s = rtt.as_secs_f64().max(1e-9);
    loss_window_segments(tcp, rtt, p) * f64::from(mss_bytes) * 8.0 / rtt_s
}

/// A window of `bytes` per round trip, in bits per second.
pub fn window_bps(bytes: u64, rtt: SimDuration) -> f64 {
    bytes as f64 * 8.0 / rtt.as_secs_f64().max(1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// interconnect-facts §6.3 table: MSS 1448, RTT 1.5 ms, p = 1e-4 gives 946 Mbps;
    /// RTT 60 ms, p = 1e-3 gives 7.5 Mbps.
    #[test]
    fn mathis_matches_the_published_table() {
        let m = mathis_bps(1448, SimDuration::from_micros(1500), 100) / 1e6;
        assert!((m - 946.0).abs() < 1.0, "{m}");
        let m = mathis_bps(1448, SimDuration::from_millis(60), 1000) / 1e6;
        assert!((m - 7.5).abs() < 0.1, "{m}");
    }

    /// At interconnect round trips CUBIC sits in its Reno-friendly region, whose average is
    /// Reno's, so Linux matches Mathis there; on long paths the cubic term takes over
    /// (RFC 9438 §5.1: at RTT 100 ms and p = 1e-4 CUBIC's window is several times Reno's...
    /// here 1.054 · (0.1 / 1e-4)^0.75 = 187 segments against 122).
    #[test]
    fn cubic_response_is_renos_at_short_rtt_and_larger_at_long() {
        let short = loss_limited_bps(&TcpSpec::LINUX, 1448, SimDuration::from_micros(1500), 100);
        let mathis = mathis_bps(1448, SimDuration::from_micros(1500), 100);
        assert!((short / mathis - 1.0).abs() < 1e-9);
        let w = loss_window_segments(&TcpSpec::LINUX, SimDuration::from_millis(100), 1e-4);
        assert!((w - 187.4).abs() < 1.0, "{w}");
        // A per-ACK Reno sender behind delayed ACKs: √(3/4p).
        let w = loss_window_segments(&TcpSpec::RFC6298, SimDuration::from_millis(100), 1e-4);
        assert!((w - 86.6).abs() < 0.1, "{w}");
    }
}
