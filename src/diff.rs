//! `faultline diff OLD.json NEW.json`: what changed between two run or sweep outputs.
//!
//! (Issue 11: to be written.)

/// `faultline diff`'s arguments.
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The baseline: a `run --json`, `check --json` or `sweep --json` output.
    pub old: std::path::PathBuf,
    /// The candidate, of the same kind.
    pub new: std::path::PathBuf,
}

pub fn cmd_diff(_a: &DiffArgs) -> anyhow::Result<u8> {
    eprintln!("error: `faultline diff` is not written yet");
    Ok(crate::EXIT_INVALID)
}
