//! Which faultline made an output: the crate version and the commit it was built from
//! (`build.rs`). Every JSON, NDJSON and JUnit output and every `reproduce:` line carries
//! it, so a result found in a CI artefact months later says which binary replays it.

use serde_json::{Value, json};

/// The crate version, e.g. `0.1.0`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The commit the binary was built from (12 hex digits), or `unknown`.
pub const COMMIT: &str = env!("FAULTLINE_COMMIT");

/// `0.1.0 (commit 1234abcd5678)`: what `faultline --version` prints after the name.
pub const LONG: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("FAULTLINE_COMMIT"), ")");

/// `faultline 0.1.0 1234abcd5678`: the shell comment closing a `reproduce:` line.
pub fn tag() -> String {
    format!("faultline {VERSION} {COMMIT}")
}

/// `{"version": "0.1.0", "commit": "1234abcd5678", "model": 1}`, the `faultline` key of
/// machine outputs. `model` is `sim_core::MODEL_VERSION`: equal model versions give equal
/// fingerprints for the same scenario and seed, so a diff across releases can tell a model
/// change from a scenario change.
pub fn json() -> Value {
    json!({ "version": VERSION, "commit": COMMIT, "model": sim_core::MODEL_VERSION })
}
