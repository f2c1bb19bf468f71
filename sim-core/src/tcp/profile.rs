//! Host TCP profiles: the constants of Linux, Windows, macOS, a plain RFC 6298 host and
//! smoltcp, each with its source (shared/reference/tcp-timing.md, "tcp-timing" below).
//!
//! A profile is data only; the mechanisms that read it live in the sibling modules.

use serde::{Deserialize, Serialize};

use crate::time::SimDuration;

/// Which host's TCP a traffic group runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TcpProfile {
    Linux,
    Windows,
    Macos,
    Rfc6298,
    Smoltcp,
}

impl TcpProfile {
    pub const ALL: [TcpProfile; 5] = [TcpProfile::Linux, TcpProfile::Windows, TcpProfile::Macos, TcpProfile::Rfc6298, TcpProfile::Smoltcp];

    pub fn name(self) -> &'static str {
        match self {
            TcpProfile::Linux => "linux",
            TcpProfile::Windows => "windows",
            TcpProfile::Macos => "macos",
            TcpProfile::Rfc6298 => "rfc6298",
            TcpProfile::Smoltcp => "smoltcp",
        }
    }

    pub fn spec(self) -> TcpSpec {
        match self {
            TcpProfile::Linux => TcpSpec::LINUX,
            TcpProfile::Windows => TcpSpec::WINDOWS,
            TcpProfile::Macos => TcpSpec::MACOS,
            TcpProfile::Rfc6298 => TcpSpec::RFC6298,
            TcpProfile::Smoltcp => TcpSpec::SMOLTCP,
        }
    }
}

/// How the retransmission timeout is computed from the RTT estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RtoRule {
    /// Linux: RTO = SRTT + max(4*RTTVAR, rto_min) (tcp_input.c `tcp_rtt_estimator`, `__tcp_set_rto`).
    Linux,
    /// RFC 6298 §2 (Windows, smoltcp): RTO = max(SRTT + 4*RTTVAR, rto_min).
    Rfc6298,
    /// XNU: max(SRTT + 4*RTTVAR, rto_min) plus `rto_slop` on established connections
    /// (`TCP_REXMTVAL` and `tcp_timer.h` in apple-oss-distributions/xnu).
    Xnu,
}

/// The host's timer clock: where a timeout really fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimerClock {
    /// Fires exactly when due (hosts whose timer granularity is not modelled).
    Exact,
    /// Linux jiffies at `hz` ticks per second on the hierarchical timer wheel
    /// (kernel/time/timer.c), which never fires early and rounds up by level.
    Jiffies { hz: u32 },
}

/// What happens after a retransmission timeout once the path works again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Repair {
    /// F-RTO (RFC 5682, Linux `tcp_frto = 2`) then SACK recovery: the first in-order bytes reach
    /// the application about 3 RTT after the retransmission that got through (tcp-timing §1.5).
    FrtoSack,
    /// Go-back-N from the first unacknowledged byte (no F-RTO): the hole is resent as soon
    /// as the spurious retransmission's ACK returns.
    GoBackN,
}

/// Congestion control the fluid model follows for ssthresh and window growth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Growth {
    /// CUBIC (RFC 9438): beta 0.7, C 0.4, with the Reno-friendly region.
    Cubic,
    /// Reno (RFC 5681): halve, then one segment per RTT.
    Reno,
}

/// When a connection whose data stays unacknowledged is given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AbortRule {
    /// Linux `retransmits_timed_out`: at the first RTO once the time since the first
    /// unacknowledged transmission reaches `tcp_model_timeout(retries, rto_min)` (924.6 s for
    /// `tcp_retries2` = 15), net/ipv4/tcp_timer.c.
    LinuxModel,
    /// At the timeout that follows the `retries`-th retransmission (Windows, XNU, RFC 1122 R2).
    Count,
    /// Never (smoltcp without a socket timeout).
    Never,
}

/// The waits after each SYN: SYN 0 at once, SYN k+1 `waits[k]` after SYN k, and connect()
/// fails when the last wait runs out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynSchedule {
    waits: [SimDuration; SynSchedule::MAX],
    len: u8,
}

impl SynSchedule {
    pub const MAX: usize = 16;

    /// `linear` waits of `initial`, then doubling up to `cap`, `count` waits in all.
    pub const fn backoff(initial: SimDuration, linear: u32, count: u32, cap: SimDuration) -> SynSchedule {
        let mut waits = [SimDuration::ZERO; SynSchedule::MAX];
        let mut i = 0;
        let mut w = initial;
        while i < count as usize && i < SynSchedule::MAX {
            if i as u32 >= linear {
                w = SimDuration(if w.0.saturating_mul(2) > cap.0 { cap.0 } else { w.0 * 2 });
            }
            waits[i] = w;
            i += 1;
        }
        SynSchedule { waits, len: i as u8 }
    }

    /// From explicit waits; `None` when there are none, more than `MAX`, or one is zero.
    pub fn from_waits(list: &[SimDuration]) -> Option<SynSchedule> {
        if list.is_empty() || list.len() > SynSchedule::MAX || list.iter().any(|w| w.0 == 0) {
            return None;
        }
        let mut waits = [SimDuration::ZERO; SynSchedule::MAX];
        waits[..list.len()].copy_from_slice(list);
        Some(SynSchedule { waits, len: list.len() as u8 })
    }

    pub fn waits(&self) -> &[SimDuration] {
        &self.waits[..usize::from(self.len)]
    }

    /// When connect() fails, counted from the first SYN.
    pub fn give_up(&self) -> SimDuration {
        self.waits().iter().fold(SimDuration::ZERO, |a, w| a + *w)
    }
}

/// TCP constants for a traffic group. Every field can be overridden per group; the profile
/// names where the defaults come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpSpec {
    pub profile: TcpProfile,
    pub rule: RtoRule,
    /// RTO before any RTT sample (RFC 6298 §2.1: 1 s).
    pub rto_initial: SimDuration,
    pub rto_min: SimDuration,
    pub rto_max: SimDuration,
    /// Added to the RTO of established connections (`RtoRule::Xnu`); zero elsewhere.
    pub rto_slop: SimDuration,
    /// Initial window in segments after a connection (re)opens (RFC 6928: 10).
    pub initial_window: u32,
    /// Receive window in bytes: caps a flow at rwnd / RTT.
    pub rwnd_bytes: u64,
    pub clock: TimerClock,
    /// RFC 8985 tail loss probe before the first RTO.
    pub tail_loss_probe: bool,
    pub repair: Repair,
    pub growth: Growth,
    /// Retransmissions before the connection is given up (Linux: `tcp_retries2`).
    pub retries: u32,
    pub abort: AbortRule,
    /// TCP_USER_TIMEOUT (RFC 5482): unacknowledged data older than this aborts the connection.
    pub user_timeout: Option<SimDuration>,
    pub syn: SynSchedule,
    /// The receiver acknowledges every second segment or after this delay (RFC 1122 §4.2.3.2).
    pub delayed_ack: SimDuration,
    /// The sender grows its window per acknowledged byte (RFC 3465 ABC, as Linux counts
    /// `acked` packets), so delayed ACKs do not slow its growth; a per-ACK sender grows by
    /// one segment per ACK, half as fast under delayed ACKs.
    pub byte_counting: bool,
}

const fn s(x: u64) -> SimDuration {
    SimDuration::from_secs(x)
}

const fn ms(x: u64) -> SimDuration {
    SimDuration::from_millis(x)
}

impl TcpSpec {
    /// Linux 6.x defaults (tcp-timing §1–2): RTO min 200 ms (`TCP_RTO_MIN`), initial 1 s
    /// (`TCP_TIMEOUT_INIT`), max 120 s (`TCP_RTO_MAX`), HZ = 250 on the timer wheel, tail loss
    /// probe on (`tcp_early_retrans = 3`), F-RTO (`tcp_frto = 2`) and SACK, CUBIC,
    /// `tcp_retries2` = 15, SYN waits 1, 1, 1, 1, 1, 2, 4, 8, 16, 32, 64 s
    /// (`tcp_syn_retries` = 6 with `tcp_syn_linear_timeouts` = 4: last SYN at 67 s, connect()
    /// fails at 131 s); rwnd 6 MiB (the `tcp_rmem` maximum default), delayed ACK 40 ms
    /// (`TCP_DELACK_MAX` is 200 ms, `TCP_ATO_MIN` 40 ms).
    pub const LINUX: TcpSpec = TcpSpec {
        profile: TcpProfile::Linux,
        rule: RtoRule::Linux,
        rto_initial: s(1),
        rto_min: ms(200),
        rto_max: s(120),
        rto_slop: SimDuration::ZERO,
        initial_window: 10,
        rwnd_bytes: 6 * 1024 * 1024,
        clock: TimerClock::Jiffies { hz: 250 },
        tail_loss_probe: true,
        repair: Repair::FrtoSack,
        growth: Growth::Cubic,
        retries: 15,
        abort: AbortRule::LinuxModel,
        user_timeout: None,
        syn: SynSchedule::backoff(s(1), 5, 11, s(120)),
        delayed_ack: ms(40),
        byte_counting: true,
    };

    /// Windows 10/11, Internet profile (tcp-timing §3; the figures come from secondary
    /// `Get-NetTCPSetting` listings and Microsoft Learn): RTO min 300 ms, initial 1 s, about 9
    /// retransmissions before RST, 4 SYN retransmissions, delayed ACK 40 ms. [ASSUMPTION] rto_max
    /// 60 s (not published); RACK-TLP and SACK as in Windows 11's stack; SYN waits 1, 2, 4, 8, 16 s
    /// (doubling from the initial RTO).
    pub const WINDOWS: TcpSpec = TcpSpec {
        profile: TcpProfile::Windows,
        rule: RtoRule::Rfc6298,
        rto_initial: s(1),
        rto_min: ms(300),
        rto_max: s(60),
        rto_slop: SimDuration::ZERO,
        initial_window: 10,
        rwnd_bytes: 6 * 1024 * 1024,
        clock: TimerClock::Exact,
        tail_loss_probe: true,
        repair: Repair::GoBackN,
        growth: Growth::Cubic,
        retries: 9,
        abort: AbortRule::Count,
        user_timeout: None,
        syn: SynSchedule::backoff(s(1), 1, 5, s(60)),
        delayed_ack: ms(40),
        byte_counting: true,
    };

    /// macOS (XNU `bsd/netinet/tcp_timer.h`, tcp-timing §3): RTO min 30 ms plus 200 ms slop on
    /// established connections, initial 1 s, max 64 s, 12 retransmissions, SYN backoff
    /// 1, 1, 1, 1, 1, 2, 4, 8, 16, 32 s with the 75 s connection-establishment timer
    /// (`TCPTV_KEEP_INIT`) ending the last wait. [ASSUMPTION] delayed ACK 40 ms; tail loss
    /// probe and SACK on (XNU's `tcp_do_tlp`).
    pub const MACOS: TcpSpec = TcpSpec {
        profile: TcpProfile::Macos,
        rule: RtoRule::Xnu,
        rto_initial: s(1),
        rto_min: ms(30),
        rto_max: s(64),
        rto_slop: ms(200),
        initial_window: 10,
        rwnd_bytes: 4 * 1024 * 1024,
        clock: TimerClock::Exact,
        tail_loss_probe: true,
        repair: Repair::GoBackN,
        growth: Growth::Cubic,
        retries: 12,
        abort: AbortRule::Count,
        user_timeout: None,
        syn: SynSchedule::MACOS_SYN,
        delayed_ack: ms(40),
        byte_counting: true,
    };

    /// A host that follows RFC 6298 to the letter: RTO min 1 s (§2.4), initial 1 s, max 60 s
    /// (§2.5 allows it), no tail loss probe, Reno with per-ACK growth and delayed ACKs, SACK
    /// without F-RTO; gives up after 15 retransmissions, SYNs doubling from 1 s, 6 retries
    /// (RFC 1122 §4.2.3.5 leaves both to the host).
    pub const RFC6298: TcpSpec = TcpSpec {
        profile: TcpProfile::Rfc6298,
        rule: RtoRule::Rfc6298,
        rto_initial: s(1),
        rto_min: s(1),
        rto_max: s(60),
        rto_slop: SimDuration::ZERO,
        initial_window: 10,
        rwnd_bytes: 8 * 1024 * 1024,
        clock: TimerClock::Exact,
        tail_loss_probe: false,
        repair: Repair::GoBackN,
        growth: Growth::Reno,
        retries: 15,
        abort: AbortRule::Count,
        user_timeout: None,
        syn: SynSchedule::backoff(s(1), 1, 7, s(60)),
        delayed_ack: ms(200),
        byte_counting: false,
    };

    /// smoltcp 0.14 (tcp-timing §4, crate-notes §2): `RTTE_MIN_RTO` = 1 s, `RTTE_MAX_RTO` = 60 s,
    /// no tail loss probe, no SACK, no give-up without a socket timeout; an RFC 6298 host in its
    /// timers. Packet fidelity runs smoltcp itself; this profile is its fluid counterpart.
    pub const SMOLTCP: TcpSpec = TcpSpec {
        profile: TcpProfile::Smoltcp,
        rule: RtoRule::Rfc6298,
        rto_initial: s(1),
        rto_min: s(1),
        rto_max: s(60),
        rto_slop: SimDuration::ZERO,
        initial_window: 10,
        rwnd_bytes: 8 * 1024 * 1024,
        clock: TimerClock::Exact,
        tail_loss_probe: false,
        repair: Repair::GoBackN,
        growth: Growth::Cubic,
        retries: u32::MAX,
        abort: AbortRule::Never,
        user_timeout: None,
        syn: SynSchedule::backoff(s(1), 1, 16, s(60)),
        delayed_ack: SimDuration::ZERO,
        byte_counting: true,
    };
}

impl SynSchedule {
    /// XNU: `tcp_syn_backoff` 1, 1, 1, 1, 1, 2, 4, 8, 16, 32 s, the last SYN at 67 s, and the
    /// 75 s establishment timer ends the wait after it.
    const MACOS_SYN: SynSchedule = {
        let mut waits = [SimDuration::ZERO; SynSchedule::MAX];
        let list = [1u64, 1, 1, 1, 1, 2, 4, 8, 16, 32, 8];
        let mut i = 0;
        while i < list.len() {
            waits[i] = s(list[i]);
            i += 1;
        }
        SynSchedule { waits, len: 11 }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tcp-timing §2: with `tcp_syn_linear_timeouts` = 4 the last SYN goes at 67 s and
    /// connect() fails at 131 s.
    #[test]
    fn linux_syn_schedule_matches_ip_sysctl() {
        let syn = TcpSpec::LINUX.syn;
        let secs: Vec<u64> = syn.waits().iter().map(|w| w.as_nanos() / 1_000_000_000).collect();
        assert_eq!(secs, [1, 1, 1, 1, 1, 2, 4, 8, 16, 32, 64]);
        let last_syn: u64 = secs[..secs.len() - 1].iter().sum();
        assert_eq!(last_syn, 67);
        assert_eq!(syn.give_up(), s(131));
    }

    #[test]
    fn macos_connect_gives_up_at_the_establishment_timer() {
        assert_eq!(TcpSpec::MACOS.syn.give_up(), s(75));
        assert_eq!(TcpSpec::WINDOWS.syn.waits().len(), 5, "4 SYN retransmissions, then the last wait");
    }
}
