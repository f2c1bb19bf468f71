//! The interactive explorer (`faultline tui`): a ratatui application over a running
//! simulation.
//!
//! # Brief overview
//!
//! The Elm architecture: [`App`] is the model (the [`sim_core::Simulation`] plus UI state),
//! [`Msg`] the messages (keys, ticks, resizes), [`update`] the only mutation and [`view`]
//! the drawing, which reads the app through `&App`. [`run`] wraps them in a terminal event
//! loop (`terminal`), the only code that sees a wall clock or a terminal.
//!
//! The simulation advances by a budget of simulated time per frame (speed × frame time),
//! capped in events per frame (`advance`). Faults injected by hand (`inject`) are recorded
//! with their simulated times, and `e` exports the session as a scenario file that replays
//! it exactly (`export`). The scenario's expectations are judged on that exported file
//! (`judge`), so the verdict at the end is `faultline run`'s on it. Panes live in `panes/`,
//! one file each; colours in `theme`.
//!
//! `faultline tui --attach ADDR` follows a `faultline live` run instead ([`attach`]): the
//! same panes over a local replay of the live run, kept in step with its `GET /state`, and
//! fault keys that go to its API.

mod advance;
mod app;
mod atomic;
pub mod attach;
mod events;
mod export;
mod help;
mod history;
mod inject;
mod judge;
mod msg;
pub mod panes;
mod terminal;
mod theme;
mod update;
mod view;

#[cfg(test)]
mod testing;

use sim_core::{ControlMode, ModelSpec, SimDuration};

pub use app::{App, DEFAULT_SPEED, MAX_EVENTS_PER_FRAME, Overlay, SPEEDS_TENTHS};
pub use events::{EventLog, LineKind, LogLine};
pub use export::{Compiled, Compiler, Exported, Replay, export_to, fault_table, file_name, replay_spec, scenario_text, with_seed};
pub use help::{KEYS, Key};
pub use history::History;
pub use inject::{DEGRADE_LOSS_PPM, DRAIN_WAIT, HandFault, HandKind};
pub use judge::{Check, ExpectationStatus, Judge, Judgement, Judging, PENDING, shown};
pub use msg::Msg;
pub use terminal::{Interrupted, NoTerminal};
pub use update::update;
pub use view::{Areas, view};

/// `1 flow`, `28 flows`: a count and its noun in the number it takes (`one`, `many`), as
/// the CLI's reports write counts (the one helper, in sim-core); never `flow(s)`.
pub(crate) use sim_core::show::count;

/// What the explorer opens: a scenario already compiled to a model, plus what it needs to
/// export the session as a scenario file that replays it.
#[derive(Clone, Debug)]
pub struct Session {
    /// The scenario's name.
    pub name: String,
    /// How the user named it (library name or path), for `reproduce:` lines.
    pub origin: String,
    /// The scenario file's original text; an export appends the hand-injected faults to it.
    pub source: String,
    pub spec: ModelSpec,
    pub seed: u64,
    pub duration: SimDuration,
    /// Judges the scenario's expectations (the CLI passes the scenarios crate's rules, see
    /// [`Judge::of_file`]); `None` shows no expectations.
    pub judge: Option<Judge>,
    /// Compiles scenario text (the CLI passes the scenarios crate's compiler): an export is
    /// checked by compiling the file read back from disk, and hand fault ids are chosen
    /// outside the file's ids. `None`: exports say they were not checked.
    pub compile: Option<Compiler>,
    /// How control packets on clean links run (`--control`): never changes a result, only
    /// how long stepping takes; the explorer, its restarts and its export replays all use it.
    pub control: ControlMode,
}

/// Runs the explorer until the user quits.
///
/// Refuses to start without a terminal ([`NoTerminal`]). The terminal is restored on
/// return, on a panic (a panic hook) and on SIGTERM, SIGINT or SIGHUP (then the error is
/// [`Interrupted`]).
pub fn run(session: Session) -> anyhow::Result<()> {
    terminal::check_terminal()?;
    let app = App::new(session)?;
    terminal::run_app(app)
}

#[cfg(test)]
mod count_tests {
    #[test]
    fn counts_take_the_number_of_their_noun() {
        assert_eq!(super::count(1, "flow", "flows"), "1 flow");
        assert_eq!(super::count(28, "flow", "flows"), "28 flows");
        assert_eq!(super::count(0, "fault", "faults"), "0 faults");
    }
}
