//! Records the commit the binary was built from, for `--version` and every machine output.
//!
//! Order: `FAULTLINE_COMMIT` from the environment (a Docker build or a packager sets it),
//! else `git rev-parse` of the checkout (a clone, or `cargo install --git`'s checkout), else
//! `unknown`. A build never fails for want of git.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=FAULTLINE_COMMIT");
    let commit = std::env::var("FAULTLINE_COMMIT").ok().filter(|c| !c.trim().is_empty()).or_else(git_commit);
    if std::path::Path::new(".git").exists() {
        // Rebuild the version string when HEAD moves (a commit, a checkout).
        println!("cargo:rerun-if-changed=.git/HEAD");
        if let Ok(head) = std::fs::read_to_string(".git/HEAD")
            && let Some(r) = head.trim().strip_prefix("ref: ")
        {
            println!("cargo:rerun-if-changed=.git/{r}");
        }
        println!("cargo:rerun-if-changed=.git/packed-refs");
    }
    println!("cargo:rustc-env=FAULTLINE_COMMIT={}", commit.unwrap_or_else(|| "unknown".into()).trim());
}

fn git_commit() -> Option<String> {
    let out = Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let c = String::from_utf8(out.stdout).ok()?;
    let c = c.trim();
    (!c.is_empty()).then(|| c.to_string())
}
