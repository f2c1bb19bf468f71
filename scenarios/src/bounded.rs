//! Runs held to a budget: events (deterministic), memory (the estimate plus what the run
//! grew), and whatever else the caller polls for (a wall-clock timeout, a signal), with the
//! verdict a run that stopped early gets: inconclusive, saying where and why it stopped.

use std::fmt;

use sim_core::budget::Estimate;
use sim_core::{Report, SimTime, Simulation};

use crate::Scenario;
use crate::budget::budget;
use crate::expect::{Check, Verdict, evaluate_until};
use crate::units::approx_above;

/// Why a run stopped before its end.
#[derive(Clone, Debug, PartialEq)]
pub enum Exhausted {
    /// The event budget (`--max-events`, or the estimate's default).
    Events { max: u64, flag: bool },
    /// The memory budget: the estimate plus the trace kept so far.
    Memory { max: u64, reached: u64 },
    /// The wall-clock budget (`--timeout`); the only machine-dependent stop.
    Wall { limit_s: f64 },
    /// A signal asked the process to stop (SIGINT, SIGTERM).
    Signal { name: &'static str },
}

/// Where a run stopped, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetStop {
    pub at: SimTime,
    pub events: u64,
    pub why: Exhausted,
}

impl fmt::Display for BudgetStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.at;
        match &self.why {
            Exhausted::Signal { name } => write!(f, "interrupted by {name} at t = {at} after {} events", self.events),
            Exhausted::Events { max, flag } => write!(
                f,
                "budget exhausted at t = {at}: the event budget of {max} ran out in the instant at t = {at} ({} events run, the instant finished; {})",
                self.events,
                if *flag {
                    "set by --max-events"
                } else {
                    "the default: the larger of 10^9 and 4x the scenario's estimate; raise it with --max-events"
                }
            ),
            Exhausted::Memory { max, reached } => {
                let (reached, max) = approx_above(*reached, *max);
                write!(
                    f,
                    "budget exhausted at t = {at}: the run's memory reached about {reached} (estimate plus kept trace), the memory budget is {max} (raise it with --max-memory)",
                )
            }
            Exhausted::Wall { limit_s } => write!(
                f,
                "budget exhausted at t = {at}: the wall-clock timeout (--timeout {}) passed; the run had reached t = {at} with {} events run (this stop depends on the machine's speed)",
                sim_core::SimDuration::from_secs_f64(*limit_s),
                self.events
            ),
        }
    }
}

/// The event budget a run of `s` gets: the process's `--max-events`, else the default of its
/// estimate. The second value says whether a flag set it.
pub fn max_events(s: &Scenario) -> (u64, bool) {
    match budget().max_events {
        Some(m) => (m, true),
        None => (Estimate::of(&s.spec).default_max_events(), false),
    }
}

/// Events ([`sim_core::Simulation::work`]: control packets of clean sessions do not count)
/// a bounded run runs between two polls of the budgets and the caller's check: often
/// enough that a slow run (a re-solve per event over thousands of flows) still sees a
/// timeout or a signal within seconds, rarely enough that the poll (O(groups)) costs nothing.
pub const POLL_EVERY: u64 = 1 << 12;

/// Runs `sim` to `until` within the process's budget for `s`, checking the memory budget
/// and polling `poll` every [`POLL_EVERY`] events. Returns where it stopped when a budget or
/// the poll stopped it; a run that reached `until` is complete and returns `None`.
///
/// Every stop lands on an instant boundary (never after the clock was advanced to `until`
/// without events), so `--max-events` with the events a stopped run ran stops it at the
/// same place with the same fingerprint, whatever stopped it the first time.
pub fn run_bounded(
    s: &Scenario,
    sim: &mut Simulation,
    until: SimTime,
    poll: &mut dyn FnMut(&Simulation) -> Option<Exhausted>,
) -> Option<BudgetStop> {
    let (max, flag) = max_events(s);
    let max_memory = budget().max_memory;
    let base = Estimate::of(&s.spec).bytes();
    loop {
        // Polled by work, not events: lazy control packets are counted only when caught up,
        // so a poll every N events would fall elsewhere in a lazy and a per-packet run.
        let poll_at = sim.work().saturating_add(POLL_EVERY);
        if sim.run_until_limited(until, max, poll_at) {
            return None;
        }
        let grown = base.saturating_add(sim.grown_bytes());
        let why = if sim.events() >= max {
            Exhausted::Events { max, flag }
        } else if grown > max_memory {
            Exhausted::Memory { max: max_memory, reached: grown }
        } else if let Some(why) = poll(sim) {
            why
        } else {
            continue;
        };
        sim.mark_stopped();
        return Some(BudgetStop { at: sim.now(), events: sim.events(), why });
    }
}

impl BudgetStop {
    /// What replays this stop exactly: the events it ran, as an event budget. A stop by
    /// `--max-events` replays with its own flag; one by memory, a timeout or a signal with
    /// the events it had run when it stopped.
    pub fn replay_events(&self) -> u64 {
        match self.why {
            Exhausted::Events { max, .. } => max,
            _ => self.events,
        }
    }
}

/// The name of the check a stopped run adds.
pub const BUDGET_CHECK: &str = "budget";

/// Judges a run that may have stopped early: the expectations as [`evaluate`] judges them
/// at the time it stopped, plus a `budget` check that makes the verdict inconclusive.
pub fn evaluate_bounded(s: &Scenario, report: &Report, stop: Option<&BudgetStop>) -> (Verdict, Vec<Check>) {
    let (verdict, mut checks) = evaluate_until(s, report, stop.map(|s| s.at));
    match stop {
        None => (verdict, checks),
        Some(stop) => {
            checks.push(Check::new(BUDGET_CHECK, Verdict::Inconclusive, None, None, "s", stop.to_string()));
            (Verdict::Inconclusive, checks)
        }
    }
}
