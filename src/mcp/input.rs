//! What a tool call names as its scenario (a library name, scenario text, or a file under
//! the server's `--root`), the `set` overrides applied to it, and the one rule for paths.
//!
//! Paths are the only way a request reaches the file system, so they are checked before
//! anything is opened: no root, no paths; a path with `..` or outside the root (also through
//! a symbolic link, found by canonicalising) is refused with a message that names only the
//! path the caller wrote. A refused file is never opened, so no error can show its text.

use std::path::{Component, Path, PathBuf};

use scenarios::Scenario;
use schemars::JsonSchema;
use serde::Deserialize;

/// The scenario a tool works on: exactly one of `name`, `scenario_toml` or `path`.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
pub struct ScenarioArg {
    /// A library scenario's name (the `list` tool; e.g. `channel-cut`).
    #[serde(default)]
    pub name: Option<String>,
    /// A whole scenario file's TOML text (errors name it `<scenario_toml>:LINE:COL`).
    #[serde(default)]
    pub scenario_toml: Option<String>,
    /// A scenario file, relative to the server's `--root` (refused without one, and outside
    /// it).
    #[serde(default)]
    pub path: Option<String>,
    /// Overrides for "what if" questions, each `KEY=VALUE` with a key `faultline sweep
    /// --vary` knows (e.g. `bfd.interval=1s`, `bfd.multiplier=5`, `convergence=2s`,
    /// `interconnect.ash.delay=3ms`); applied in order, each recompiling the scenario.
    #[serde(default)]
    pub set: Vec<String>,
}

/// How errors name scenario text handed in as `scenario_toml`.
pub const TEXT_ORIGIN: &str = "<scenario_toml>";

/// The directory requests may read files under (canonical), if the server was given one.
#[derive(Clone, Debug)]
pub struct Root(Option<PathBuf>);

impl Root {
    /// `--root DIR`, canonicalised once at start (so a later symlink swap of DIR itself
    /// changes nothing).
    pub fn new(dir: Option<&Path>) -> anyhow::Result<Root> {
        match dir {
            None => Ok(Root(None)),
            Some(d) => {
                let c = d.canonicalize().map_err(|e| anyhow::anyhow!("--root {}: {e}", d.display()))?;
                anyhow::ensure!(c.is_dir(), "--root {}: not a directory", d.display());
                Ok(Root(Some(c)))
            }
        }
    }

    /// The file `rel` names under the root, or why it is refused. The message names only
    /// `rel` as given, never what the file holds, and does not say whether something
    /// outside the root exists.
    pub fn file(&self, rel: &str) -> Result<PathBuf, String> {
        let Some(root) = &self.0 else {
            return Err(format!(
                "path `{rel}` refused: this server was started without --root, so it reads no files; pass `scenario_toml` (the text) or `name` (a library scenario)"
            ));
        };
        let p = Path::new(rel);
        if rel.is_empty() || p.components().any(|c| matches!(c, Component::ParentDir | Component::Prefix(_))) {
            return Err(format!("path `{rel}` refused: paths are relative to the server's root and may not contain `..`"));
        }
        // An absolute path is taken as is only when it is already inside the root.
        let joined = if p.is_absolute() { p.to_path_buf() } else { root.join(p) };
        let Ok(under) = joined.strip_prefix(root) else {
            return Err(format!("path `{rel}` refused: it is outside the server's root"));
        };
        let canonical = match resolve(root, under) {
            Resolved::Inside(c) => c,
            Resolved::Outside => return Err(format!("path `{rel}` refused: it leads outside the server's root (a symbolic link)")),
            Resolved::Missing => return Err(format!("path `{rel}`: no such file under the server's root")),
        };
        if !canonical.is_file() {
            return Err(format!("path `{rel}`: not a regular file"));
        }
        Ok(canonical)
    }

    /// Reads `rel` (a file under the root) as UTF-8 text, held to the same size cap as a
    /// scenario file on the command line.
    pub fn read(&self, rel: &str) -> Result<String, String> {
        let path = self.file(rel)?;
        scenarios::read_file(&path).map_err(|e| match e {
            // The I/O message names the canonical path; say it with the caller's.
            scenarios::ScenarioError::Io { source, .. } => format!("path `{rel}`: {source}"),
            other => other.to_string().replace(&path.display().to_string(), rel),
        })
    }
}

/// Where a path under the root leads.
#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    /// The path, its symbolic links followed, inside the root.
    Inside(PathBuf),
    /// A symbolic link leads out of the root (whether or not its target exists).
    Outside,
    /// Some component inside the root does not exist.
    Missing,
}

/// The most symbolic links one path may pass through (Linux's `MAXSYMLINKS`); more is
/// treated as a loop, which is missing (canonicalize says ELOOP).
const MAX_LINKS: usize = 40;

/// Follows `rel` from `root` (canonical) one component at a time, reading each symbolic
/// link itself instead of asking the file system to resolve the whole path. The walk is
/// refused the moment it would step out of the root, before anything outside is looked at,
/// so a link to a file outside gets the same answer whether that file exists or not (a
/// canonicalize first would fail only for the missing one, telling the caller what exists
/// outside the root).
fn resolve(root: &Path, rel: &Path) -> Resolved {
    // Outside means neither in the root nor one of its ancestors (on the way down to it,
    // from an absolute link target; the root is canonical, so those hold no links).
    let allowed = |p: &Path| p.starts_with(root) || root.starts_with(p);
    let mut at = root.to_path_buf();
    let mut todo: std::collections::VecDeque<std::ffi::OsString> =
        rel.components().filter(|c| matches!(c, Component::Normal(_))).map(|c| c.as_os_str().to_os_string()).collect();
    let mut links = 0;
    while let Some(name) = todo.pop_front() {
        if name == ".." {
            at.pop();
        } else if name != "." {
            at.push(&name);
        }
        if !allowed(&at) {
            return Resolved::Outside;
        }
        if name == ".." || name == "." {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(&at) else { return Resolved::Missing };
        if !meta.file_type().is_symlink() {
            continue;
        }
        links += 1;
        let Ok(target) = std::fs::read_link(&at) else { return Resolved::Missing };
        if links > MAX_LINKS {
            return Resolved::Missing;
        }
        at.pop();
        let mut next: Vec<std::ffi::OsString> = vec![];
        for c in target.components() {
            match c {
                Component::RootDir | Component::Prefix(_) => {
                    at = PathBuf::from(c.as_os_str());
                    next.clear();
                }
                Component::CurDir => {}
                Component::ParentDir => next.push("..".into()),
                Component::Normal(n) => next.push(n.to_os_string()),
            }
        }
        for n in next.into_iter().rev() {
            todo.push_front(n);
        }
    }
    if at.starts_with(root) { Resolved::Inside(at) } else { Resolved::Outside }
}

/// The most scenario text a request may hand in: what the memory budget can parse, the cap
/// `faultline run FILE` reads a file to (scenarios::read_file).
pub fn text_cap() -> u64 {
    scenarios::budget::budget().max_memory / PARSE_BYTES_PER_BYTE
}

/// Bytes of memory parsing takes per byte of text, at most: `scenarios::read`'s
/// `PARSE_BYTES_PER_BYTE` (private to that crate), the factor its file cap uses.
const PARSE_BYTES_PER_BYTE: u64 = 8;

/// Refuses text above [`text_cap`] (an inline `scenario_toml` or `plan_json`).
pub fn check_size(what: &str, text: &str) -> Result<(), String> {
    let cap = text_cap();
    if text.len() as u64 > cap {
        return Err(format!(
            "`{what}` is {} long, above {}, the most the memory budget of {} can parse (start the server with a larger --max-memory)",
            scenarios::units::approx_bytes(text.len() as u64),
            scenarios::units::approx_bytes(cap),
            scenarios::units::approx_bytes(scenarios::budget::budget().max_memory),
        ));
    }
    Ok(())
}

impl ScenarioArg {
    /// The scenario, compiled, with `set` applied; an error is the text `faultline run`
    /// would print (file:line:column).
    pub fn load(&self, root: &Root) -> Result<Scenario, String> {
        let s = match (&self.name, &self.scenario_toml, &self.path) {
            (Some(n), None, None) => scenarios::load_library(n).map_err(|e| e.to_string())?,
            (None, Some(t), None) => {
                check_size("scenario_toml", t)?;
                scenarios::load_str(TEXT_ORIGIN, t).map_err(|e| e.to_string())?
            }
            (None, None, Some(p)) => {
                let text = root.read(p)?;
                scenarios::load_str(p, &text).map_err(|e| e.to_string())?
            }
            (None, None, None) => return Err("name the scenario: give one of `name` (a library scenario), `scenario_toml` (its text) or `path` (a file under the server's root)".into()),
            _ => return Err("give only one of `name`, `scenario_toml` and `path`".into()),
        };
        apply_sets(s, &self.set)
    }
}

/// Applies each `KEY=VALUE` with `--vary`'s editor (comments and layout kept; a value out of
/// range is the file's own error at the key's line).
pub fn apply_sets(mut s: Scenario, sets: &[String]) -> Result<Scenario, String> {
    for item in sets {
        let v = crate::vary::parse(item).map_err(|e| e.replace("--vary", "set"))?;
        let [value] = v.values.as_slice() else {
            return Err(format!("set `{item}`: one value per override (a range of values is the `sweep` tool's `vary`)"));
        };
        s = crate::vary::apply(&s, &v.key, value).map_err(|e| e.to_string())?;
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_under_the_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let inside = dir.path().join("in");
        std::fs::create_dir(&inside).expect("dir");
        std::fs::write(inside.join("a.toml"), "x").expect("file");
        std::fs::write(dir.path().join("secret.toml"), "top secret").expect("file");
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("secret.toml"), inside.join("link.toml")).expect("symlink");
        let root = Root::new(Some(&inside)).expect("root");
        assert!(root.file("a.toml").is_ok());
        for bad in ["../secret.toml", "sub/../../secret.toml", "/etc/passwd", ""] {
            let e = root.file(bad).expect_err(bad);
            assert!(e.contains("refused") && !e.contains("top secret"), "{bad}: {e}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            let out = root.file("link.toml").expect_err("symlink out");
            assert!(out.contains("outside"), "{out}");
            // A link to nothing outside the root says the same: no existence leak.
            symlink(dir.path().join("no-such-file.toml"), inside.join("dangling.toml")).expect("symlink");
            let dangling = root.file("dangling.toml").expect_err("dangling out");
            assert_eq!(dangling, out.replace("link.toml", "dangling.toml"));
            // Relative links, chains and absolute links back into the root are followed.
            symlink("a.toml", inside.join("rel.toml")).expect("symlink");
            symlink(inside.join("rel.toml"), inside.join("abs.toml")).expect("symlink");
            symlink("../in/a.toml", inside.join("back.toml")).expect("symlink");
            for ok in ["rel.toml", "abs.toml", "./rel.toml", "back.toml"] {
                assert_eq!(root.file(ok).expect(ok), root.file("a.toml").expect("a"), "{ok}");
            }
            // A link through a directory beside the root is refused before it is looked at.
            symlink("../elsewhere/../in/a.toml", inside.join("through.toml")).expect("symlink");
            assert!(root.file("through.toml").expect_err("through outside").contains("outside"));
            symlink("loop.toml", inside.join("loop.toml")).expect("symlink");
            assert!(root.file("loop.toml").expect_err("loop").contains("no such file"));
            // Inside the root, a missing file is still "no such file".
            symlink("nothing.toml", inside.join("inside-dangling.toml")).expect("symlink");
            assert!(root.file("inside-dangling.toml").expect_err("dangling in").contains("no such file"));
        }
        assert!(root.file("missing.toml").expect_err("missing").contains("no such file"));
        assert!(Root::new(None).expect("no root").file("a.toml").expect_err("no root").contains("without --root"));
    }
}
