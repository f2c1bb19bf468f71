//! The event log's contents: trace records put into words (via `Simulation::describe`) and
//! the explorer's own notes (injections, exports, restarts), stamped with simulated time.
//!
//! Per-flow records are too chatty for a log: group-rate records and resumes are left out,
//! and the stalls of one instant become one line. This module keeps lines; the log pane
//! (`panes::log`) decides how many fit.

use sim_core::trace::TraceKind;
use sim_core::{SimTime, Simulation};

/// Lines kept; older ones are dropped.
const KEEP: usize = 2_000;

/// What a line is about, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    Fault,
    Down,
    Up,
    Routing,
    Flows,
    Alarm,
    /// The explorer's own note (injection, export, restart).
    Note,
    /// A request the explorer refused, or an export that failed.
    Problem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub t: SimTime,
    pub kind: LineKind,
    pub text: String,
}

/// The log and how far into the trace it has read.
#[derive(Clone, Debug, Default)]
pub struct EventLog {
    pub lines: Vec<LogLine>,
    cursor: usize,
}

impl EventLog {
    pub fn clear(&mut self) {
        self.lines.clear();
        self.cursor = 0;
    }

    /// Adds the explorer's own line at simulated time `t`.
    pub fn note(&mut self, t: SimTime, kind: LineKind, text: impl Into<String>) {
        self.push(LogLine { t, kind, text: text.into() });
    }

    /// Reads the trace records added since the last call.
    pub fn collect(&mut self, sim: &Simulation) {
        let records = sim.trace().records();
        let new = records.get(self.cursor..).unwrap_or_default();
        let mut stalls: Option<(SimTime, u32)> = None;
        for r in new {
            if r.kind == TraceKind::Stall {
                stalls = match stalls {
                    Some((t, n)) if t == r.t => Some((t, n + 1)),
                    other => {
                        self.flush_stalls(other);
                        Some((r.t, 1))
                    }
                };
                continue;
            }
            let kind = match r.kind {
                TraceKind::GroupRate | TraceKind::Resume | TraceKind::Stall => continue,
                TraceKind::Fault => LineKind::Fault,
                TraceKind::LinkState if r.b == 0 => LineKind::Up,
                TraceKind::LinkState | TraceKind::SessionDown => LineKind::Down,
                TraceKind::SessionUp => LineKind::Up,
                TraceKind::Fib => LineKind::Routing,
                TraceKind::FlowsMoved | TraceKind::ConnectionAborted | TraceKind::ConnectFailed => LineKind::Flows,
                TraceKind::Alarm | TraceKind::Step | TraceKind::Shift => LineKind::Alarm,
            };
            self.flush_stalls(stalls.take());
            self.push(LogLine { t: r.t, kind, text: sim.describe(r) });
        }
        self.flush_stalls(stalls);
        self.cursor = records.len();
    }

    fn flush_stalls(&mut self, stalls: Option<(SimTime, u32)>) {
        if let Some((t, n)) = stalls {
            self.push(LogLine {
                t,
                kind: LineKind::Flows,
                text: format!("{} stalled: their path drops everything", crate::count(n as usize, "flow", "flows")),
            });
        }
    }

    fn push(&mut self, line: LogLine) {
        if self.lines.len() >= KEEP {
            self.lines.drain(..KEEP / 4);
        }
        self.lines.push(line);
    }
}
