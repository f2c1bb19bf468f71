//! `sweep --vary KEY=A..B:N`: the points of a sweep over a labelled assumption, each a
//! scenario recompiled with the key set to one value.
//!
//! (Issue 11: to be written.)

// Scaffold until `sweep` uses it.
#![allow(dead_code)]

use scenarios::{Scenario, ScenarioError};

/// `--vary KEY=A..B:N`: a key and the values it takes, as the file would write them
/// (`"0.5s"`, `"1s"`, …).
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    pub key: String,
    pub values: Vec<String>,
}

/// Parses `KEY=A..B:N` (N evenly spaced values from A to B, both included, in A's unit).
pub fn parse(arg: &str) -> Result<Vary, String> {
    Err(format!("--vary `{arg}`: not written yet"))
}

/// `s` with `key` set to `value` wherever the key applies, recompiled (so a value out of
/// range is the file's own error).
pub fn apply(s: &Scenario, key: &str, value: &str) -> Result<Scenario, ScenarioError> {
    let _ = (key, value);
    Ok(s.clone())
}
