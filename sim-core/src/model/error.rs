//! [`BuildError`], why a model is invalid, and [`nearest`], the "did you mean" suggestion its
//! `Unknown` variant carries.
//!
//! Plain strings only: nothing here reads a model or a spec. The `invalid` shorthand is
//! shared by the checks and the builder.

use thiserror::Error;

/// Why a model is invalid. Each variant names the element (and field) at fault.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum BuildError {
    #[error("duplicate id `{id}`: it is already used by a {class}")]
    Duplicate { id: String, class: &'static str },
    #[error("{owner}: unknown {wanted} `{name}`{}", nearest.as_ref().map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default())]
    Unknown { owner: String, wanted: &'static str, name: String, nearest: Option<String> },
    #[error("{owner}: `{field}` {reason}")]
    Invalid { owner: String, field: &'static str, reason: String },
    #[error("traffic `{group}`: no link joins `{a}` and `{b}`")]
    NoPath { group: String, a: String, b: String },
    #[error("{owner}: a {action} fault cannot target a {class} (`{target}`)")]
    BadTarget { owner: String, action: &'static str, class: &'static str, target: String },
    #[error("runbook steps form a loop: {}", cycle.join(" -> "))]
    RunbookLoop { cycle: Vec<String> },
    #[error("faults form a loop of `after` triggers: {}", cycle.join(" -> "))]
    FaultLoop { cycle: Vec<String> },
}

/// The id among `candidates` closest to `name`, if any is close enough to be a likely typo.
pub fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = strsim::levenshtein(name, c);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(2)).map(|(_, c)| c.to_string())
}

pub(super) fn invalid(owner: &str, field: &'static str, reason: impl Into<String>) -> BuildError {
    BuildError::Invalid { owner: owner.to_string(), field, reason: reason.into() }
}
