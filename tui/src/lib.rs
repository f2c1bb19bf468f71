//! The interactive explorer (`faultline tui`): a ratatui application over a running
//! simulation. Placeholder API; the implementation lands with its issue.

use sim_core::{ModelSpec, SimDuration};

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
}

/// Runs the explorer until the user quits.
pub fn run(session: Session) -> anyhow::Result<()> {
    let _ = session;
    anyhow::bail!("the TUI is not built yet")
}
