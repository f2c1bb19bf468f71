//! Retransmission timeouts: the RTO from the RTT estimate, back-off, and when a connection
//! whose data stays unacknowledged is given up.

use super::profile::{AbortRule, RtoRule, TcpSpec, TimerClock};
use crate::time::SimDuration;

/// One tick of a jiffy clock at `hz`.
pub fn jiffy(hz: u32) -> SimDuration {
    SimDuration(1_000_000_000 / u64::from(hz.max(1)))
}

/// `usecs_to_jiffies`: whole ticks, rounded up.
pub fn to_jiffies(d: SimDuration, hz: u32) -> u64 {
    d.as_nanos().div_ceil(jiffy(hz).as_nanos())
}

/// A duration rounded up to the host clock's granularity.
pub fn on_clock(clock: TimerClock, d: SimDuration) -> SimDuration {
    match clock {
        TimerClock::Exact => d,
        TimerClock::Jiffies { hz } => SimDuration(to_jiffies(d, hz) * jiffy(hz).as_nanos()),
    }
}

/// The retransmission timeout for smoothed RTT `srtt` and variation `rttvar`.
///
/// Linux `__tcp_set_rto` (net/ipv4/tcp_input.c): srtt + max(4·rttvar, rto_min), where
/// `tcp_rtt_estimator` keeps the variation term at rto_min or more; `usecs_to_jiffies` rounds
/// it up to whole jiffies. RFC 6298 §2.3–2.4: max(srtt + 4·rttvar, rto_min). XNU
/// `TCP_REXMTVAL`: the same plus the established-connection slop. All capped at rto_max.
pub fn rto(tcp: &TcpSpec, srtt: SimDuration, rttvar: SimDuration) -> SimDuration {
    let var4 = rttvar.saturating_mul(4);
    let raw = match tcp.rule {
        RtoRule::Linux => srtt + var4.max(tcp.rto_min),
        RtoRule::Rfc6298 => (srtt + var4).max(tcp.rto_min),
        RtoRule::Xnu => (srtt + var4).max(tcp.rto_min) + tcp.rto_slop,
    };
    on_clock(tcp.clock, raw).min(tcp.rto_max)
}

/// The timeout armed after `attempt` back-offs (0 = the first RTO): Linux
/// `inet_csk_rto_backoff` and RFC 6298 §5.5, the RTO armed at the first timeout doubled per
/// attempt and capped at rto_max.
pub fn backoff(tcp: &TcpSpec, base: SimDuration, attempt: u32) -> SimDuration {
    let factor = 1u64.checked_shl(attempt.min(40)).unwrap_or(u64::MAX);
    base.saturating_mul(factor).min(tcp.rto_max)
}

/// Linux `tcp_model_timeout` (net/ipv4/tcp_timer.c): how long `boundary` back-offs from
/// `rto_base` take, doubling until `rto_max` and linear after. 924.6 s for 15 from 200 ms.
pub fn linux_model_timeout(boundary: u32, rto_base: SimDuration, rto_max: SimDuration) -> SimDuration {
    let base = rto_base.as_nanos().max(1);
    let thresh = (rto_max.as_nanos() / base).max(1).ilog2();
    let nanos = if boundary <= thresh {
        ((2u128 << boundary) - 1) * u128::from(base)
    } else {
        ((2u128 << thresh) - 1) * u128::from(base) + u128::from(boundary - thresh) * u128::from(rto_max.as_nanos())
    };
    SimDuration(nanos.min(u128::from(u64::MAX / 4)) as u64)
}

/// Whether a retransmission timer that fires `elapsed` after the first unacknowledged
/// transmission, after `retransmits` retransmissions, gives the connection up instead of
/// retransmitting: Linux `tcp_write_timeout` / `retransmits_timed_out`, RFC 5482
/// TCP_USER_TIMEOUT, RFC 1122 §4.2.3.5 R2 for the hosts that count.
pub fn gives_up(tcp: &TcpSpec, elapsed: SimDuration, retransmits: u32) -> bool {
    // `retransmits_timed_out`: "if (!icsk->icsk_retransmits) return false", so the first
    // timeout always retransmits, whatever the user timeout.
    if retransmits == 0 {
        return false;
    }
    if let Some(u) = tcp.user_timeout {
        return elapsed >= u;
    }
    match tcp.abort {
        AbortRule::LinuxModel => elapsed >= linux_model_timeout(tcp.retries, tcp.rto_min, tcp.rto_max),
        AbortRule::Count => retransmits >= tcp.retries,
        AbortRule::Never => false,
    }
}

/// Linux `tcp_clamp_rto_to_user_timeout`: a timer armed `elapsed` into the stall fires no
/// later than the user timeout (at least one tick on).
pub fn clamp_to_user_timeout(tcp: &TcpSpec, wait: SimDuration, elapsed: SimDuration) -> SimDuration {
    match tcp.user_timeout {
        Some(u) => wait.min(on_clock(tcp.clock, u.saturating_sub(elapsed)).max(on_clock(tcp.clock, SimDuration(1)))),
        None => wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tcp-timing §1.1: srtt 18 ms (10 ms path + the standing queue) gives `tcpi_rto` 220 ms:
    /// 218 ms rounded up to 55 jiffies of 4 ms.
    #[test]
    fn linux_rto_at_srtt_18ms_is_220ms() {
        assert_eq!(rto(&TcpSpec::LINUX, SimDuration::from_millis(18), SimDuration::from_micros(400)), SimDuration::from_millis(220));
        assert_eq!(rto(&TcpSpec::SMOLTCP, SimDuration::from_millis(18), SimDuration::ZERO), SimDuration::from_secs(1));
        assert_eq!(rto(&TcpSpec::MACOS, SimDuration::from_millis(18), SimDuration::ZERO), SimDuration::from_millis(230));
        assert_eq!(rto(&TcpSpec::WINDOWS, SimDuration::from_millis(18), SimDuration::ZERO), SimDuration::from_millis(300));
    }

    #[test]
    fn backoff_doubles_and_caps_at_rto_max() {
        let base = SimDuration::from_secs(1);
        assert_eq!(backoff(&TcpSpec::LINUX, base, 0), SimDuration::from_secs(1));
        assert_eq!(backoff(&TcpSpec::LINUX, base, 3), SimDuration::from_secs(8));
        assert_eq!(backoff(&TcpSpec::LINUX, base, 7), SimDuration::from_secs(120));
        assert_eq!(backoff(&TcpSpec::LINUX, base, 60), SimDuration::from_secs(120));
    }

    /// ip-sysctl.rst: `tcp_retries2` = 15 is "a hypothetical timeout of 924.6 seconds".
    #[test]
    fn linux_gives_up_at_924_6s() {
        let t = linux_model_timeout(15, SimDuration::from_millis(200), SimDuration::from_secs(120));
        assert_eq!(t, SimDuration::from_millis(924_600));
        assert!(!gives_up(&TcpSpec::LINUX, SimDuration::from_millis(924_599), 30));
        assert!(gives_up(&TcpSpec::LINUX, SimDuration::from_millis(924_600), 1));
        // tcp_syn_retries-style boundary below the linear threshold: 2^(n+1) - 1 bases.
        assert_eq!(linux_model_timeout(3, SimDuration::from_secs(1), SimDuration::from_secs(120)), SimDuration::from_secs(15));
    }

    #[test]
    fn user_timeout_overrides_and_clamps() {
        let tcp = TcpSpec { user_timeout: Some(SimDuration::from_secs(20)), ..TcpSpec::LINUX };
        assert!(gives_up(&tcp, SimDuration::from_secs(20), 1));
        assert!(!gives_up(&tcp, SimDuration::from_secs(20), 0), "the first timeout always retransmits");
        assert!(!gives_up(&tcp, SimDuration::from_millis(19_999), 99));
        assert_eq!(clamp_to_user_timeout(&tcp, SimDuration::from_secs(7), SimDuration::from_secs(15)), SimDuration::from_secs(5));
        assert_eq!(clamp_to_user_timeout(&tcp, SimDuration::from_secs(3), SimDuration::from_secs(15)), SimDuration::from_secs(3));
    }
}
