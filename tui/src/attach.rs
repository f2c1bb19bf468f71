//! Following a live run (`faultline tui --attach ADDR`): the same panes, fed by a local
//! replay of the run that `faultline live` serves at `ADDR`, with faults injected through
//! its API.
//!
//! # Why a replay
//!
//! The simulation is deterministic, so the explorer does not need the live run's internals
//! to draw them: it loads the scenario text and seed from `GET /scenario`, builds its own
//! [`sim_core::Simulation`], and polls `GET /state` ([`POLL`]). Each poll says how far the
//! live run has got (`now_ns`) and which faults were injected through the API, when, and
//! with the `[[fault]]` table that replays each. The local copy advances to exactly that
//! time, injecting each fault at its `at_ns` and repairing it at its `repaired_ns` in the
//! order the live run did (`follow`), and then its fingerprint must equal the live run's; if
//! it ever does not, the status bar and the log say so. Everything the panes show (states,
//! sessions, the chart, the metrics, the verdict) is then the live run's, at the cost of one
//! small JSON document per poll.
//!
//! The live run injects and repairs only at clean milliseconds (nothing pending at that
//! instant) and advances with `run_until` only, so "run until `at`, then inject" here runs
//! the same events in the same order.
//!
//! # Keys
//!
//! Fault keys (`c b d f m`) and `u` send `POST /faults` and `DELETE /faults/{id}` with the
//! run's bearer token instead of injecting locally; the local copy picks the fault up from
//! the next `/state`. Space pauses and resumes the live run. Speed, step, restart and seed
//! keys belong to the live run's own clock and only explain so (`keys`). `e` exports the
//! session with the API's faults appended, checked by replay like any export.
//!
//! This module holds no terminal and no clock: the event loop (`crate::terminal`) sends the
//! queued [`Request`]s through a [`Link`] and delivers the [`Reply`]s as
//! [`crate::Msg::Remote`].

mod client;
mod follow;
mod keys;
pub mod wire;

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sim_core::model::FaultId;
use sim_core::spec::{FaultSpec, Trigger};
use sim_core::{ModelSpec, SimTime};

pub use client::{Client, ClientError, Link, Reply, Request};
pub(crate) use follow::{on_reply, tick};
pub(crate) use keys::on_key;
pub use wire::{Connection, FaultState, InjectedFault, LinkState, ScenarioInfo, StateView};

use crate::Session;
use crate::app::App;
use crate::events::LineKind;
use crate::export::{Replay, compose, quote};

/// Compiles a scenario file's text to a model. The embedding program supplies it (the CLI
/// passes `scenarios::load_str`; this crate does not depend on the scenario format); the
/// explorer compiles each fault the live run injected by appending its table, with its
/// `at`, to the scenario text.
pub type Compile = Arc<dyn Fn(&str) -> Result<ModelSpec, String> + Send + Sync>;

/// How often the event loop asks for `GET /state`.
pub const POLL: Duration = Duration::from_millis(200);

/// The attached explorer's view of the live run.
pub struct Attached {
    /// The API's address, as given on the command line.
    pub addr: String,
    compile: Compile,
    /// The last `GET /state` answer.
    pub remote: Option<StateView>,
    /// The last request reached the API.
    pub reachable: bool,
    /// Requests for the event loop to send, oldest first.
    pub outbox: Vec<Request>,
    /// Every fault the live run injected through the API, in its order (from `/state`, and
    /// from the answers to this explorer's own requests).
    pub known: Vec<InjectedFault>,
    /// Those the local copy has replayed, in the order it did.
    pub applied: Vec<Applied>,
    /// The first time the local copy's fingerprint differed from the live run's.
    pub mismatch: Option<Mismatch>,
    /// The local copy has not yet caught up with the last state (capped frames).
    pub behind: bool,
    /// The last state has been compared with the local copy.
    checked: bool,
    /// Faults this explorer asked for, for fresh ids.
    asked: usize,
}

/// A fault of the live run, replayed locally.
#[derive(Clone, Debug)]
pub struct Applied {
    pub id: String,
    /// The local fault, `None` if it could not be replayed (the log says why).
    pub fault: Option<FaultId>,
    /// What its table compiled to.
    pub spec: Option<FaultSpec>,
    pub table: String,
    pub at: SimTime,
    pub repaired: Option<SimTime>,
}

/// The local copy and the live run disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub at: SimTime,
    pub local: u64,
    pub remote: u64,
}

impl Attached {
    pub fn new(addr: impl Into<String>, compile: Compile) -> Attached {
        Attached {
            addr: addr.into(),
            compile,
            remote: None,
            reachable: true,
            outbox: Vec::new(),
            known: Vec::new(),
            applied: Vec::new(),
            mismatch: None,
            behind: false,
            checked: false,
            asked: 0,
        }
    }

    /// The live run's simulated time as of the last state.
    pub fn remote_now(&self) -> Option<SimTime> {
        self.remote.as_ref().map(|r| SimTime(r.now_ns))
    }

    /// Compiles the table of an injected fault against the scenario `source`.
    fn fault_spec(&self, source: &str, f: &InjectedFault) -> Result<FaultSpec, String> {
        let mut text = source.to_string();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&table_at(&f.table, SimTime(f.at_ns), None));
        let spec = (self.compile)(&text)?;
        spec.faults.into_iter().find(|s| s.id == f.id).ok_or_else(|| format!("its table does not define fault `{}`", f.id))
    }

    /// The session's model with the replayed faults scripted at their times.
    pub fn replay_spec(&self, spec: &ModelSpec) -> ModelSpec {
        let mut spec = spec.clone();
        spec.faults.extend(self.applied.iter().filter(|a| a.fault.is_some()).filter_map(|a| {
            let s = a.spec.as_ref()?;
            let duration = a.repaired.map(|r| r.saturating_since(a.at)).or(s.duration);
            Some(FaultSpec { trigger: Trigger::At(a.at), duration, ..s.clone() })
        }));
        spec
    }

    /// The session file: the scenario with every replayed fault appended with its times.
    pub fn scenario_text(&self, session: &Session, seed: u64, replay: Option<&Replay>, path: &Path) -> Result<String, String> {
        let tables: Vec<String> = self.applied.iter().filter(|a| a.fault.is_some()).map(|a| table_at(&a.table, a.at, a.repaired)).collect();
        let how = format!(
            "Exported by `faultline tui --attach {}` from {} at seed {seed}, with {} injected through the live API.",
            self.addr,
            session.origin,
            crate::count(tables.len(), "fault", "faults")
        );
        compose(&session.source, seed, &how, &tables, replay, path)
    }
}

/// A `[[fault]]` table of the live run (written without `at`) with its start `at` and, once
/// repaired, `for` the time it lasted (replacing the table's own). The times go right after
/// the header, so they belong to the fault even if the table has sub-tables.
pub fn table_at(table: &str, at: SimTime, repaired: Option<SimTime>) -> String {
    let key = |line: &str, k: &str| line.trim_start().strip_prefix(k).is_some_and(|r| r.trim_start().starts_with('='));
    let mut out = String::from("[[fault]]\n");
    let _ = writeln!(out, "at = {}", quote(&duration(at.as_nanos())));
    if let Some(r) = repaired {
        let _ = writeln!(out, "for = {}", quote(&duration(r.saturating_since(at).as_nanos())));
    }
    for line in table.lines() {
        if line.trim() == "[[fault]]" || key(line, "at") || (repaired.is_some() && key(line, "for")) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Whole milliseconds as `ms`, anything else in `ns`.
fn duration(ns: u64) -> String {
    if ns.is_multiple_of(1_000_000) { format!("{}ms", ns / 1_000_000) } else { format!("{ns}ns") }
}

/// Reaches the API at `addr`: its scenario, and a client for the session.
pub fn connect(addr: &str, token: Option<String>) -> Result<(Client, ScenarioInfo), ClientError> {
    let client = Client::new(addr, token);
    let info = client.scenario()?;
    Ok((client, info))
}

/// The explorer attached to the live run at `addr`, paused at time zero until the first
/// state arrives. `session` is the scenario of `GET /scenario`, compiled.
pub fn open(session: Session, addr: &str, compile: Compile) -> anyhow::Result<App> {
    let mut app = App::new(session)?;
    app.attached = Some(Attached::new(addr, compile));
    app.log.clear();
    app.log.note(
        SimTime::ZERO,
        LineKind::Note,
        format!("attached to {addr}: following the live run of {} at seed {}; ? lists every key", app.session.name, app.seed),
    );
    Ok(app)
}

/// Runs the attached explorer until the user quits.
pub fn run(session: Session, addr: &str, client: Client, compile: Compile) -> anyhow::Result<()> {
    let app = open(session, addr, compile)?;
    let link = Link::spawn(client)?;
    crate::terminal::run_attached(app, link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_times_go_first_and_a_repair_replaces_the_table_s_own_duration() {
        let table = "[[fault]]\nid = \"api-1\"\ncut = \"ash/ch2\"\nfor = \"10s\"\n";
        let at = SimTime::from_millis(12_000);
        assert_eq!(table_at(table, at, None), "[[fault]]\nat = \"12000ms\"\nid = \"api-1\"\ncut = \"ash/ch2\"\nfor = \"10s\"\n");
        assert_eq!(
            table_at(table, at, Some(SimTime::from_millis(15_500))),
            "[[fault]]\nat = \"12000ms\"\nfor = \"3500ms\"\nid = \"api-1\"\ncut = \"ash/ch2\"\n"
        );
        assert_eq!(table_at("id = \"x\"\nformat = 1", SimTime(1), None), "[[fault]]\nat = \"1ns\"\nid = \"x\"\nformat = 1\n");
    }
}

#[cfg(test)]
mod follow_tests;
