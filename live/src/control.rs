//! The only way anything changes the running simulation: commands to the driver thread.
//!
//! [`Handle`] is cheap to clone; the API and the TUI hold one each. Every command is
//! answered on a oneshot channel, so a caller learns what happened (the fault's id and time,
//! or why it was refused).

use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::state::{InjectedFault, StateView};

/// Why the driver refused a command. The API maps each to a 4xx status.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// The request names something that does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed or names an impossible fault (400).
    #[error("{0}")]
    Invalid(String),
    /// The request conflicts with the state (409): a duplicate id, repairing a fault twice.
    #[error("{0}")]
    Conflict(String),
    /// The run has ended; nothing more can be injected (409).
    #[error("the run has ended at its scenario duration; nothing can be injected")]
    Finished,
    /// The driver has stopped (the process is shutting down) (503).
    #[error("the simulation has stopped")]
    Stopped,
}

pub(crate) type Reply<T> = oneshot::Sender<Result<T, ControlError>>;

/// A command to the driver thread.
pub(crate) enum Cmd {
    /// Inject a fault now (at the next clean millisecond): a JSON object with the keys of a
    /// `[[fault]]` table.
    Inject {
        request: serde_json::Value,
        reply: Reply<InjectedFault>,
    },
    /// Repair a fault (injected or scripted) now.
    Repair {
        id: String,
        reply: Reply<InjectedFault>,
    },
    Pause {
        reply: Reply<()>,
    },
    Resume {
        reply: Reply<()>,
    },
    State {
        reply: Reply<StateView>,
    },
    /// Stop now (Ctrl-C, or the end of `--hold`): the driver returns the simulation as it is.
    Stop,
}

/// A handle on the running simulation.
#[derive(Clone)]
pub struct Handle {
    pub(crate) tx: mpsc::Sender<Cmd>,
    /// The scenario's name, its text and the run's seed (for `GET /scenario`).
    pub scenario: std::sync::Arc<ScenarioInfo>,
}

/// What an attached client needs to follow the run by replaying it (`GET /scenario`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct ScenarioInfo {
    pub name: String,
    /// Where it came from, as `reproduce:` lines name it.
    pub origin: String,
    pub seed: u64,
    pub text: String,
}

impl Handle {
    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Cmd) -> Result<T, ControlError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(make(tx)).map_err(|_| ControlError::Stopped)?;
        rx.await.map_err(|_| ControlError::Stopped)?
    }

    /// Injects a fault given as the keys of a `[[fault]]` table (`id`, `target`, `action`,
    /// `duration`, …). Returns the recorded fault.
    pub async fn inject(&self, request: serde_json::Value) -> Result<InjectedFault, ControlError> {
        self.ask(|reply| Cmd::Inject { request, reply }).await
    }

    /// Repairs the fault `id` now.
    pub async fn repair(&self, id: &str) -> Result<InjectedFault, ControlError> {
        let id = id.to_string();
        self.ask(|reply| Cmd::Repair { id, reply }).await
    }

    pub async fn pause(&self) -> Result<(), ControlError> {
        self.ask(|reply| Cmd::Pause { reply }).await
    }

    pub async fn resume(&self) -> Result<(), ControlError> {
        self.ask(|reply| Cmd::Resume { reply }).await
    }

    pub async fn state(&self) -> Result<StateView, ControlError> {
        self.ask(|reply| Cmd::State { reply }).await
    }

    /// Asks the driver to stop; it finishes the current advance and returns.
    pub fn stop(&self) {
        let _ = self.tx.send(Cmd::Stop);
    }
}
