//! `faultline merge FILES...`: combines the NDJSON of sharded sweeps into exactly the
//! summary, percentiles and digest the unsharded sweep prints.
//!
//! (Issue 11: to be written.)

/// `faultline merge`'s arguments.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// NDJSON files written by `faultline sweep --shard I/N`.
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
}

pub fn cmd_merge(_a: &MergeArgs) -> anyhow::Result<u8> {
    eprintln!("error: `faultline merge` is not written yet");
    Ok(crate::EXIT_INVALID)
}
