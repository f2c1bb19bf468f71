//! Records the commit the binary was built from, for `--version` and every machine output.
//!
//! Order: `FAULTLINE_COMMIT` from the environment (a Docker build, the GitHub Action or a
//! packager sets it; a full 40-digit hash is shortened to 12), else `git rev-parse` of the
//! checkout this package is tracked in (a clone, a worktree, `cargo install --path` of a
//! clone, `cargo install --git`'s checkout), else `unknown`. A build never fails for want
//! of git, and a source tree that git does not track (a tarball unpacked inside some other
//! repository) is `unknown` rather than that repository's commit.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=FAULTLINE_COMMIT");
    let from_env = std::env::var("FAULTLINE_COMMIT").ok().and_then(|c| clean(&c));
    let commit = from_env.or_else(|| {
        let c = git_commit();
        if c.is_some() {
            watch_head();
        }
        c
    });
    println!("cargo:rustc-env=FAULTLINE_COMMIT={}", commit.as_deref().unwrap_or("unknown"));
}

/// One line, no blanks; a full hash shortened to the 12 digits `git rev-parse --short=12`
/// gives, so both sources print alike.
fn clean(c: &str) -> Option<String> {
    let c = c.lines().next()?.trim();
    if c.is_empty() {
        None
    } else if c.len() == 40 && c.chars().all(|x| x.is_ascii_hexdigit()) {
        Some(c[..12].to_ascii_lowercase())
    } else {
        Some(c.to_string())
    }
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?;
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn git_commit() -> Option<String> {
    // This very file must be tracked by the repository git finds, or it is someone else's.
    git(&["ls-files", "--error-unmatch", "build.rs"])?;
    git(&["rev-parse", "--short=12", "HEAD"])
}

/// Rebuilds the version string when HEAD moves (a commit, a checkout). `--git-path` finds
/// the files in a worktree too, where `.git` is a file and the refs live in the main
/// repository. Only existing paths are named: cargo reruns a script on every build when a
/// named path is missing.
fn watch_head() {
    let watch = |p: &str| {
        if Path::new(p).exists() {
            println!("cargo:rerun-if-changed={p}");
        }
    };
    let Some(head) = git(&["rev-parse", "--git-path", "HEAD"]) else { return };
    watch(&head);
    if let Ok(text) = std::fs::read_to_string(&head)
        && let Some(r) = text.trim().strip_prefix("ref: ")
        && let Some(loose) = git(&["rev-parse", "--git-path", r])
    {
        if Path::new(&loose).exists() {
            watch(&loose);
        } else if let Some(dir) = Path::new(&loose).parent().and_then(Path::to_str) {
            // A packed ref: the loose file appears with the next commit.
            watch(dir);
        }
    }
    if let Some(packed) = git(&["rev-parse", "--git-path", "packed-refs"]) {
        watch(&packed);
    }
}
