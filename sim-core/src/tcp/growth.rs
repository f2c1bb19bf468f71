//! Window reduction and growth after a loss: ssthresh, then CUBIC (RFC 9438) or Reno
//! (RFC 5681) congestion avoidance, in bytes and seconds. Cube roots come from libm, which
//! gives the same bits on every platform (the platform's `cbrt` need not).

use super::profile::{Growth, TcpSpec};
use crate::time::SimDuration;

/// CUBIC's multiplicative decrease (RFC 9438 §4.6; Linux `beta` = 717/1024).
pub const CUBIC_BETA: f64 = 0.7;
/// CUBIC's scaling constant, segments per second cubed (RFC 9438 §5.1).
pub const CUBIC_C: f64 = 0.4;

/// The slow-start threshold after a loss at window `cwnd` bytes: Linux
/// `bictcp_recalc_ssthresh` (cwnd·β) and `tcp_reno_ssthresh` (cwnd / 2), at least two segments.
pub fn ssthresh(tcp: &TcpSpec, cwnd: u64, mss: u32) -> u64 {
    let reduced = match tcp.growth {
        Growth::Cubic => cwnd / 10 * 7 + cwnd % 10 * 7 / 10,
        Growth::Reno => cwnd / 2,
    };
    reduced.max(2 * u64::from(mss))
}

/// Where congestion avoidance starts: the window `w0` it starts from and the `w_max` it
/// lost at, both in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Epoch {
    pub w0: u64,
    pub w_max: u64,
}

/// Segments per RTT the Reno(-friendly) estimate grows by: Reno's one (half that under
/// delayed ACKs without byte counting), CUBIC's α = 3(1−β)/(1+β) (RFC 9438 §4.3).
fn reno_slope(tcp: &TcpSpec) -> f64 {
    let alpha = match tcp.growth {
        Growth::Cubic => 3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA),
        Growth::Reno => 1.0,
    };
    if tcp.byte_counting { alpha } else { alpha / 2.0 }
}

/// The window `t` into congestion avoidance, bytes. CUBIC: W(t) = C·(t − K)³ + W_max with
/// K = ∛((W_max − W_0)/C) (RFC 9438 §4.2, Eq. 1–2), or the Reno-friendly estimate if larger
/// (§4.3); Reno: linear growth.
pub fn window_at(tcp: &TcpSpec, e: Epoch, t: SimDuration, rtt: SimDuration, mss: u32) -> u64 {
    let seg = f64::from(mss.max(1));
    let (w0, w_max) = (e.w0 as f64 / seg, e.w_max as f64 / seg);
    let ts = t.as_secs_f64();
    let rtts = ts / rtt.as_secs_f64().max(1e-9);
    let reno = w0 + reno_slope(tcp) * rtts;
    let w = match tcp.growth {
        Growth::Cubic => {
            let k = libm::cbrt((w_max - w0).max(0.0) / CUBIC_C);
            (CUBIC_C * (ts - k) * (ts - k) * (ts - k) + w_max).max(reno)
        }
        Growth::Reno => reno,
    };
    (w.max(w0) * seg) as u64
}

/// How long after the epoch the window reaches `target` bytes (the inverse of `window_at`),
/// at least one RTT.
pub fn time_to_reach(tcp: &TcpSpec, e: Epoch, target: u64, rtt: SimDuration, mss: u32) -> SimDuration {
    let seg = f64::from(mss.max(1));
    let (w0, w_max, goal) = (e.w0 as f64 / seg, e.w_max as f64 / seg, target as f64 / seg);
    let rtt_s = rtt.as_secs_f64().max(1e-9);
    let reno = (goal - w0).max(0.0) / reno_slope(tcp) * rtt_s;
    let t = match tcp.growth {
        Growth::Cubic => {
            let k = libm::cbrt((w_max - w0).max(0.0) / CUBIC_C);
            (k + libm::cbrt((goal - w_max) / CUBIC_C)).max(0.0).min(reno)
        }
        Growth::Reno => reno,
    };
    SimDuration((t.max(rtt_s).min(1e9) * 1e9).ceil() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cubic_returns_to_w_max_after_k() {
        let mss = 1448;
        let e = Epoch { w0: 700 * 1448, w_max: 1000 * 1448 };
        let rtt = SimDuration::from_millis(100);
        // K = cbrt(300 / 0.4) = 9.086 s.
        let k = SimDuration::from_secs_f64((300.0f64 / 0.4).cbrt());
        let w = window_at(&TcpSpec::LINUX, e, k, rtt, mss);
        assert!((w as f64 / 1448.0 - 1000.0).abs() < 1.0, "{}", w / 1448);
        let back = time_to_reach(&TcpSpec::LINUX, e, 1000 * 1448, rtt, mss);
        assert!((back.as_secs_f64() - k.as_secs_f64()).abs() < 1e-3);
        assert_eq!(ssthresh(&TcpSpec::LINUX, 1000 * 1448, mss), 700 * 1448);
        assert_eq!(ssthresh(&TcpSpec::RFC6298, 1000 * 1448, mss), 500 * 1448);
    }

    #[test]
    fn reno_friendly_region_wins_at_short_rtt() {
        // At 1 ms RTT CUBIC's curve is flat for seconds; the Reno-friendly estimate grows.
        let e = Epoch { w0: 70 * 1448, w_max: 100 * 1448 };
        let w = window_at(&TcpSpec::LINUX, e, SimDuration::from_millis(100), SimDuration::from_millis(1), 1448);
        assert!(w > 110 * 1448, "{}", w / 1448);
    }
}
