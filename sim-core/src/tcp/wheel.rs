//! Where a Linux jiffy timer really fires: the hierarchical timer wheel of
//! kernel/time/timer.c (`calc_wheel_index`, `calc_index`).
//!
//! Level n holds timeouts of up to 63·8ⁿ ticks at a granularity of 8ⁿ ticks, and a timer is
//! queued in the bucket after its expiry, rounded up at its level's granularity, so it never
//! fires early and fires later the longer it is: up to 1 tick under 63 jiffies, 8 ticks under
//! 504, 64 under 4,032, 512 beyond (tcp-timing §1.4). The buckets are absolute (jiffies since
//! boot), so where a fault falls against them depends on the host's `phase`.

use super::profile::TimerClock;
use super::rto::{jiffy, to_jiffies};
use crate::time::{SimDuration, SimTime};

const LVL_CLK_SHIFT: u32 = 3;
const LVL_BITS: u32 = 6;
const LVL_SIZE: u64 = 1 << LVL_BITS;
/// Levels of the wheel at HZ > 100 (`LVL_DEPTH`).
const LVL_DEPTH: u32 = 9;

/// `LVL_START(n)`: the smallest delta queued at level n.
const fn lvl_start(n: u32) -> u64 {
    (LVL_SIZE - 1) << ((n - 1) * LVL_CLK_SHIFT)
}

/// The tick (jiffies since boot) at which a timer armed at tick `clk` to expire at tick
/// `expires` is run: `calc_wheel_index` picks the level by the delta and `calc_index` rounds
/// the expiry up to the next boundary of that level's granularity.
pub fn bucket_expiry(clk: u64, expires: u64) -> u64 {
    let delta = expires.saturating_sub(clk);
    let mut lvl = 0;
    while lvl + 1 < LVL_DEPTH && delta >= lvl_start(lvl + 1) {
        lvl += 1;
    }
    let shift = lvl * LVL_CLK_SHIFT;
    ((expires >> shift) + 1) << shift
}

/// When a timeout of `timeout`, armed at `now`, fires on a host whose clock runs `phase`
/// nanoseconds ahead of the simulation's (its tick k falls at k·jiffy − phase).
pub fn fire_at(clock: TimerClock, phase: u64, now: SimTime, timeout: SimDuration) -> SimTime {
    match clock {
        TimerClock::Exact => now + timeout,
        TimerClock::Jiffies { hz } => {
            let j = jiffy(hz).as_nanos();
            let clk = (now.as_nanos() + phase) / j;
            let tick = bucket_expiry(clk, clk + to_jiffies(timeout, hz));
            SimTime::ZERO + SimDuration((tick * j).saturating_sub(phase))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granularity_grows_by_level() {
        // Level 0: one tick late at most; the expiry itself is never run early.
        assert_eq!(bucket_expiry(1000, 1055), 1056);
        // 110 jiffies (440 ms): level 1, rounded up to a multiple of 8.
        assert_eq!(bucket_expiry(1000, 1110), 1112);
        assert_eq!(bucket_expiry(1002, 1112), 1120);
        // 880 jiffies: level 2, multiples of 64.
        assert_eq!(bucket_expiry(0, 880), 896);
        // 4,400 jiffies: level 3, multiples of 512.
        assert_eq!(bucket_expiry(0, 4400), 4608);
    }

    #[test]
    fn a_timer_never_fires_early_and_lateness_stays_in_its_band() {
        let clock = TimerClock::Jiffies { hz: 250 };
        for phase in (0..4_000_000_000u64).step_by(7_777_777) {
            for (ms, band) in [(220u64, 8u64), (440, 36), (880, 36), (1760, 36), (3520, 260)] {
                let now = SimTime::from_millis(5) + SimDuration(phase % 3_000_000);
                let at = fire_at(clock, phase, now, SimDuration::from_millis(ms));
                let late = at.saturating_since(now + SimDuration::from_millis(ms));
                assert!(at >= now + SimDuration::from_millis(ms));
                assert!(late <= SimDuration::from_millis(band), "{ms} ms late by {late}");
            }
        }
    }
}
