//! Simulated time paced by the wall clock: `speed` simulated seconds per wall second,
//! stopped while paused. The only wall clock the simulation's pace depends on.

use std::time::{Duration, Instant};

use sim_core::{SimDuration, SimTime};

#[derive(Clone, Copy, Debug)]
pub struct Pace {
    /// Wall instant at which simulated time `base` was reached.
    origin: Instant,
    base: SimTime,
    speed: f64,
    paused: bool,
}

impl Pace {
    pub fn start(now: Instant, speed: f64) -> Pace {
        Pace { origin: now, base: SimTime::ZERO, speed, paused: false }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// The simulated time the wall clock has reached at `wall`.
    pub fn sim_at(&self, wall: Instant) -> SimTime {
        if self.paused {
            return self.base;
        }
        let elapsed = wall.saturating_duration_since(self.origin).as_secs_f64() * self.speed;
        self.base + SimDuration((elapsed * 1e9).min(u64::MAX as f64 / 2.0) as u64)
    }

    /// The wall instant at which simulated time `t` falls due (now if it already has).
    pub fn wall_at(&self, t: SimTime) -> Option<Instant> {
        if self.paused {
            return None;
        }
        let ahead = t.saturating_since(self.base).as_nanos() as f64 / 1e9 / self.speed;
        Some(self.origin + Duration::from_secs_f64(ahead.min(1e9)))
    }

    /// A simulated duration as wall time.
    pub fn to_wall(&self, d: SimDuration) -> Duration {
        Duration::from_secs_f64(d.as_nanos() as f64 / 1e9 / self.speed)
    }

    /// Stops simulated time at `at` (the time the simulation has reached).
    pub fn pause(&mut self, at: SimTime) {
        self.base = at;
        self.paused = true;
    }

    /// Restarts simulated time from where it was paused, now.
    pub fn resume(&mut self, wall: Instant) {
        if self.paused {
            self.origin = wall;
            self.paused = false;
        }
    }

    /// Re-bases the pace at (`wall`, `t`): simulated time ran ahead to `t` (an injection at
    /// the next clean millisecond) and continues from there.
    pub fn rebase(&mut self, wall: Instant, t: SimTime) {
        if t > self.sim_at(wall) {
            self.base = t;
            self.origin = wall;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_scales_and_pause_stops() {
        let w0 = Instant::now();
        let mut p = Pace::start(w0, 10.0);
        assert_eq!(p.sim_at(w0 + Duration::from_millis(100)), SimTime::ZERO + SimDuration::from_secs(1));
        p.pause(SimTime::ZERO + SimDuration::from_secs(1));
        assert_eq!(p.sim_at(w0 + Duration::from_secs(5)), SimTime::ZERO + SimDuration::from_secs(1));
        p.resume(w0 + Duration::from_secs(5));
        assert_eq!(p.sim_at(w0 + Duration::from_millis(5100)), SimTime::ZERO + SimDuration::from_secs(2));
        assert_eq!(p.to_wall(SimDuration::from_secs(1)), Duration::from_millis(100));
    }
}
