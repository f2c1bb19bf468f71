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

/// What random loss of `loss_ppm`, in bursts of `burst` packets on average, lets the sender
/// carry at round trip `rtt`, bits per second.
///
/// Independent loss (`burst` 1): `loss_window_segments` segments per RTT, no timeouts. Bursty
/// loss: loss events come at p / burst, each wiping out a run of packets; the window follows
/// the event rate, and an event that takes out as much as the window leaves SACK nothing to
/// work with and ends in a retransmission timeout, with probability min(1, burst / W) (the
/// share of windows a run covers whole). Each cycle of 1/p_e packets then takes
/// (1/p_e)·RTT/W + Q·RTO, the structure of Padhye et al. (1998) with their Q̂ replaced by the
/// burst's reach: B = 1 / (RTT/W + p_e·Q·RTO) packets per second.
pub fn loss_limited_bps(tcp: &TcpSpec, mss_bytes: u32, rtt: SimDuration, loss_ppm: u32, burst: u32) -> f64 {
    if loss_ppm == 0 {
        return f64::INFINITY;
    }
    let p = f64::from(loss_ppm.min(1_000_000)) / 1e6;
    let rtt_s = rtt.as_secs_f64().max(1e-9);
    let seg_bits = f64::from(mss_bytes) * 8.0;
    if burst <= 1 {
        return loss_window_segments(tcp, rtt, p) * seg_bits / rtt_s;
    }
    let b = f64::from(burst);
    let p_e = (p / b).max(1e-12);
    let w = loss_window_segments(tcp, rtt, p_e).max(1.0);
    let q = (b / w).min(1.0);
    let rto = super::rto::rto(tcp, rtt, SimDuration::ZERO).as_secs_f64();
    seg_bits / (rtt_s / w + p_e * q * rto)
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
        let short = loss_limited_bps(&TcpSpec::LINUX, 1448, SimDuration::from_micros(1500), 100, 1);
        let mathis = mathis_bps(1448, SimDuration::from_micros(1500), 100);
        assert!((short / mathis - 1.0).abs() < 1e-9);
        let w = loss_window_segments(&TcpSpec::LINUX, SimDuration::from_millis(100), 1e-4);
        assert!((w - 187.4).abs() < 1.0, "{w}");
        // A per-ACK Reno sender behind delayed ACKs: √(3/4p).
        let w = loss_window_segments(&TcpSpec::RFC6298, SimDuration::from_millis(100), 1e-4);
        assert!((w - 86.6).abs() < 0.1, "{w}");
    }

    /// The same long-run loss in runs: fewer loss events, so a larger window, until the runs
    /// reach the window and end in timeouts. 1 % on a 10 ms path: independent, √(1.5/p) =
    /// 12.2 segments per RTT; in runs of 2, the window grows to 17.3 and Q = 2/17.3, one RTO
    /// (204 ms) per 8.6 events; in runs of 50 (p_e = 2e-4, W = 86.6 ≥ 50: Q = 0.58) the
    /// timeouts cost 0.58 × 210 ms every 5,000 packets.
    #[test]
    fn bursty_loss_trades_loss_events_for_timeouts() {
        let rtt = SimDuration::from_millis(10);
        let independent = loss_limited_bps(&TcpSpec::LINUX, 1448, rtt, 10_000, 1);
        assert!((independent / mathis_bps(1448, rtt, 10_000) - 1.0).abs() < 1e-9);
        let pairs = loss_limited_bps(&TcpSpec::LINUX, 1448, rtt, 10_000, 2);
        let seg = 1448.0 * 8.0;
        let w: f64 = (1.5f64 / 0.005).sqrt();
        let expected = seg / (0.010 / w + 0.005 * (2.0 / w) * 0.212);
        assert!((pairs / expected - 1.0).abs() < 1e-6, "{pairs} vs {expected}");
        let runs = loss_limited_bps(&TcpSpec::LINUX, 1448, rtt, 10_000, 50);
        assert!(runs > independent, "fewer, longer loss events leave a larger window");
        // Runs that wipe out whole windows cost a timeout each: below what the same number
        // of loss events would allow if SACK could repair them.
        let no_timeouts = loss_window_segments(&TcpSpec::LINUX, rtt, 0.01 / 50.0) * seg / 0.010;
        assert!(runs < no_timeouts * 0.9, "{runs} vs {no_timeouts}");
    }
}
