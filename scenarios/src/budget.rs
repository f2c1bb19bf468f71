//! The budgets a process holds its scenarios to: memory (checked while compiling, against
//! sim-core's estimate) and events (checked as a run goes).
//!
//! A process-wide setting, because it is a property of the process (its memory limits, the
//! flags it was started with), not of a scenario: the CLI sets it once at start from
//! `--max-memory` / `--max-events` or the machine's limits, and every compile and run in the
//! process (a check of a directory, every seed of a sweep, a shrink's candidates) is held to
//! it. Library code and tests that never set it get [`Budget::default`].

use std::sync::RwLock;

/// How much a run may take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Heap bytes a run's estimate may reach.
    pub max_memory: u64,
    /// Where `max_memory` came from, in words, for error messages ("--max-memory 2 GiB",
    /// "75% of RLIMIT_AS (2 GiB) less 40 MiB in use").
    pub source: String,
    /// Events a run may run; `None` takes the estimate's default
    /// ([`sim_core::budget::Estimate::default_max_events`]).
    pub max_events: Option<u64>,
}

/// The built-in memory budget when nothing set one: 8 GiB.
pub const DEFAULT_MAX_MEMORY: u64 = 8 << 30;

impl Default for Budget {
    fn default() -> Budget {
        Budget { max_memory: DEFAULT_MAX_MEMORY, source: "the built-in default of 8 GiB".to_string(), max_events: None }
    }
}

static CURRENT: RwLock<Option<Budget>> = RwLock::new(None);

/// Sets the budget every later compile and run in this process is held to.
pub fn set_budget(b: Budget) {
    if let Ok(mut g) = CURRENT.write() {
        *g = Some(b);
    }
}

/// The budget in force.
pub fn budget() -> Budget {
    CURRENT.read().ok().and_then(|g| g.clone()).unwrap_or_default()
}
