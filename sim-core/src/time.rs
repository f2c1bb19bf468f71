//! Virtual time: integer nanoseconds since the start of a run.
//!
//! Nothing here reads a clock. `SimTime` is an instant, `SimDuration` a span; both are plain
//! `u64` nanoseconds so arithmetic is exact and identical on every machine.

use core::fmt;
use core::ops::{Add, AddAssign, Sub};
use serde::{Deserialize, Serialize};

/// An instant of simulated time, in nanoseconds since the run began.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SimTime(pub u64);

/// A span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SimDuration(pub u64);

pub const NANOS_PER_SEC: u64 = 1_000_000_000;

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_secs(s: u64) -> SimTime {
        SimTime(s * NANOS_PER_SEC)
    }
    pub const fn from_millis(ms: u64) -> SimTime {
        SimTime(ms * 1_000_000)
    }
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// Seconds as a float, for reports only; never feed this back into the simulation.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }
    /// The span from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s * NANOS_PER_SEC)
    }
    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms * 1_000_000)
    }
    pub const fn from_micros(us: u64) -> SimDuration {
        SimDuration(us * 1_000)
    }
    pub const fn from_nanos(ns: u64) -> SimDuration {
        SimDuration(ns)
    }
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }
    /// Builds a duration from float seconds, rounding to the nearest nanosecond.
    ///
    /// Used only where a model formula is naturally real-valued (a Mathis rate, a random
    /// draw); the rounding is deterministic because IEEE-754 arithmetic is.
    pub fn from_secs_f64(s: f64) -> SimDuration {
        if s.is_nan() || s <= 0.0 {
            return SimDuration::ZERO;
        }
        let ns = (s * NANOS_PER_SEC as f64).round();
        if ns >= u64::MAX as f64 { SimDuration::MAX } else { SimDuration(ns as u64) }
    }
    pub fn saturating_mul(self, k: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(k))
    }
    pub fn min(self, other: SimDuration) -> SimDuration {
        if self.0 <= other.0 { self } else { other }
    }
    pub fn saturating_sub(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    /// # Panics
    /// If `rhs` is later than `self`: time never runs backwards inside the engine.
    fn sub(self, rhs: SimTime) -> SimDuration {
        assert!(self.0 >= rhs.0, "time went backwards: {} - {}", self, rhs);
        SimDuration(self.0 - rhs.0)
    }
}

/// Formats with the coarsest unit, without trailing zeros: seconds to the millisecond,
/// milliseconds to the microsecond, microseconds to the nanosecond: `90s`, `1.5s`, `300ms`,
/// `4.875ms`, `250us`.
fn fmt_nanos(ns: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let trimmed = |whole: u64, frac: u64, digits: usize| {
        let s = format!("{frac:0digits$}");
        let s = s.trim_end_matches('0');
        if s.is_empty() { whole.to_string() } else { format!("{whole}.{s}") }
    };
    if ns == 0 {
        write!(f, "0s")
    } else if ns >= NANOS_PER_SEC {
        // Seconds to the millisecond: what a reader of a log or a report wants.
        write!(f, "{}s", trimmed(ns / NANOS_PER_SEC, (ns % NANOS_PER_SEC) / 1_000_000, 3))
    } else if ns >= 1_000_000 {
        write!(f, "{}ms", trimmed(ns / 1_000_000, (ns % 1_000_000) / 1_000, 3))
    } else if ns >= 1_000 {
        write!(f, "{}us", trimmed(ns / 1_000, ns % 1_000, 3))
    } else {
        write!(f, "{ns}ns")
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_nanos(self.0, f)
    }
}

impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_nanos(self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_without_trailing_zeros() {
        let show = |ns| SimDuration(ns).to_string();
        assert_eq!(show(0), "0s");
        assert_eq!(show(90 * NANOS_PER_SEC), "90s");
        assert_eq!(show(1_500_000_000), "1.5s");
        assert_eq!(show(362_625_094_123), "362.625s");
        assert_eq!(show(300_000_000), "300ms");
        assert_eq!(show(4_875_000), "4.875ms");
        assert_eq!(show(250_000), "250us");
        assert_eq!(show(7), "7ns");
    }
}
