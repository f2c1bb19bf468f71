//! Moving the simulation forward: a budget of simulated time per frame (speed × the frame's
//! wall time), at most [`MAX_EVENTS_PER_FRAME`] events per frame with the rest carried, a
//! single step to the next event, and stopping at a clean millisecond for hand faults.
//!
//! Every path goes through [`catch_up`], which also takes the history samples at their
//! boundaries. Nothing here reads a clock; the tick's length is given.

use std::time::Duration;

use sim_core::{SimDuration, SimTime};

use crate::app::{App, MAX_EVENTS_PER_FRAME};
use crate::events::LineKind;

const MS: u64 = 1_000_000;

/// A frame of `wall` time passed: advance by speed × `wall` if playing.
pub(crate) fn tick(app: &mut App, wall: Duration) {
    let before = (app.sim.now(), app.sim.events());
    if app.playing {
        let wall_ns = u64::try_from(wall.as_nanos()).unwrap_or(u64::MAX);
        let budget = wall_ns.saturating_mul(app.speed_tenths()) / 10;
        // Carry at most one second of wall time's budget, so a slow frame cannot queue up work forever.
        let most = app.sim.now() + SimDuration(1_000_000_000u64.saturating_mul(app.speed_tenths()) / 10);
        app.target = (app.target.max(app.sim.now()) + SimDuration(budget)).min(most).min(app.sim.end());
    }
    catch_up(app, MAX_EVENTS_PER_FRAME);
    if (app.sim.now(), app.sim.events()) != before {
        app.after_change();
    }
    if app.playing && app.sim.is_finished() {
        app.playing = false;
        app.log.note(app.sim.now(), LineKind::Note, "end of the run: r restarts, s tries the next seed, e exports");
    }
}

/// Runs exactly the next event (pausing first).
pub(crate) fn step_one(app: &mut App) {
    app.playing = false;
    let Some(next) = app.sim.peek() else {
        app.log.note(app.sim.now(), LineKind::Problem, "no event left before the end of the run");
        return;
    };
    app.target = next;
    catch_up(app, u64::MAX);
    app.sim.step();
    app.mid_instant = true;
    app.after_change();
}

/// Advances to the first whole millisecond, from now on, at which no event has run and none
/// is pending, so that a fault injected or repaired there replays identically from a file.
/// `None` if the run ends first.
pub(crate) fn settle_at_clean_ms(app: &mut App) -> Option<SimTime> {
    let now = app.sim.now().as_nanos();
    let mut t = if now.is_multiple_of(MS) && !app.mid_instant { now } else { (now / MS + 1) * MS };
    // A fault at time zero would race the run's own start-up events.
    t = t.max(MS);
    loop {
        if t >= app.sim.end().as_nanos() {
            return None;
        }
        app.target = SimTime(t);
        catch_up(app, u64::MAX);
        if app.sim.peek() != Some(SimTime(t)) && !app.mid_instant {
            app.log.collect(&app.sim);
            return Some(SimTime(t));
        }
        t += MS;
    }
}

/// Runs events toward `app.target`, at most `cap` of them, taking history samples on the
/// way. Returns the number of events run.
pub(crate) fn catch_up(app: &mut App, cap: u64) -> u64 {
    let target = app.target.min(app.sim.end());
    let mut events = 0;
    loop {
        let now = app.sim.now();
        let due = app.history.due();
        if due <= now && due <= app.sim.end() {
            app.history.record(&app.sim, &app.order);
            continue;
        }
        if now >= target || events >= cap {
            return events;
        }
        let stop = target.min(due);
        match app.sim.peek() {
            Some(next) if next < stop => {
                app.sim.step();
                app.mid_instant = true;
                events += 1;
            }
            _ => {
                app.sim.run_until(stop);
                app.mid_instant = false;
            }
        }
    }
}
