//! `faultline shrink SCENARIO`: the command around `scenarios::shrink` (arguments, output
//! file, sizes before and after, exit codes).
//!
//! (Issue 11: to be written.)

/// `faultline shrink`'s arguments.
#[derive(clap::Args, Debug)]
pub struct ShrinkArgs {
    /// A failing scenario file or library name.
    pub scenario: String,
}

pub fn cmd_shrink(_a: &ShrinkArgs) -> anyhow::Result<u8> {
    eprintln!("error: `faultline shrink` is not written yet");
    Ok(crate::EXIT_INVALID)
}
