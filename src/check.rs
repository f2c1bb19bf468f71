//! `faultline check` and `faultline validate`: resolving paths (files, directory trees,
//! library names) to scenarios, running them, and the totals line CI reads.
//!
//! A directory is walked recursively, in file-name order at each level, so two machines list
//! the same files in the same order. A `.toml` file is run when it has a `[scenario]` table
//! (or is not valid TOML at all: then it is a broken scenario and the loader says where);
//! valid TOML without one (`Cargo.toml`, `pyproject.toml`) is listed as skipped, with the
//! reason. Other files are ignored. Hidden directories (`.git/`), build output (`target/`,
//! `node_modules/`) and symbolic links to directories are not entered (so a link loop cannot
//! trap the walk) and are listed too. Nothing is skipped silently that could hold a scenario.

use std::ffi::OsStr;
use std::path::Path;

use scenarios::Scenario;
use walkdir::WalkDir;

use crate::outcome::{Outcome, Verdict};
use crate::runner::{self, RunOpts};
use crate::{EXIT_INVALID, OutputArgs, human};

/// An argument, file or directory that makes the exit code 3: a file that does not load, an
/// unreadable entry, an unknown library name, or a directory with no scenario in it.
#[derive(Clone, Debug)]
pub struct Invalid {
    /// The file or argument, as the user would type it.
    pub path: String,
    /// The full message (for a scenario file: `error: …` with file:line:column).
    pub message: String,
}

/// Why the walk passed over a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// A `.toml` file that parses but has no `[scenario]` table.
    NoScenarioTable,
    /// A directory whose name starts with `.`.
    HiddenDirectory,
    /// `target/` or `node_modules/`: build output, possibly huge.
    BuildOutput,
    /// A symbolic link to a directory (not followed: no loops, no file seen twice).
    SymlinkedDirectory,
}

impl Why {
    pub fn text(self) -> &'static str {
        match self {
            Why::NoScenarioTable => "no [scenario] table, so not a scenario",
            Why::HiddenDirectory => "hidden directory, not searched",
            Why::BuildOutput => "build output, not searched",
            Why::SymlinkedDirectory => "symbolic link to a directory, not followed",
        }
    }

    /// A file passed over (the totals line counts these), as opposed to a directory.
    pub fn is_file(self) -> bool {
        self == Why::NoScenarioTable
    }
}

#[derive(Clone, Debug)]
pub struct Skipped {
    pub path: String,
    pub why: Why,
}

/// What the arguments resolved to.
#[derive(Debug, Default)]
pub struct Found {
    pub scenarios: Vec<Scenario>,
    pub invalid: Vec<Invalid>,
    pub skipped: Vec<Skipped>,
}

/// A finished `check`: what ran, what could not, what was passed over.
#[derive(Debug)]
pub struct CheckRun {
    pub outcomes: Vec<Outcome>,
    pub invalid: Vec<Invalid>,
    pub skipped: Vec<Skipped>,
}

/// The counts of the totals line (and of `--json`'s `totals`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub inconclusive: usize,
    pub invalid: usize,
    /// `.toml` files without a `[scenario]` table.
    pub skipped_files: usize,
    /// Directories not entered (hidden, build output, symbolic links).
    pub skipped_dirs: usize,
}

impl Totals {
    pub fn of(run: &CheckRun) -> Totals {
        let count = |v: Verdict| run.outcomes.iter().filter(|o| o.verdict == v).count();
        let skipped_files = run.skipped.iter().filter(|s| s.why.is_file()).count();
        Totals {
            passed: count(Verdict::Pass),
            failed: count(Verdict::Fail),
            inconclusive: count(Verdict::Inconclusive),
            invalid: run.invalid.len(),
            skipped_files,
            skipped_dirs: run.skipped.len() - skipped_files,
        }
    }

    /// Every scenario asked for: those that ran and those that could not.
    pub fn scenarios(&self) -> usize {
        self.passed + self.failed + self.inconclusive + self.invalid
    }

    /// `invalid` (exit 3) beats `fail` (1) beats `inconclusive` (2) beats `pass` (0).
    pub fn verdict(&self) -> &'static str {
        if self.invalid > 0 {
            "invalid"
        } else if self.failed > 0 {
            Verdict::Fail.name()
        } else if self.inconclusive > 0 {
            Verdict::Inconclusive.name()
        } else {
            Verdict::Pass.name()
        }
    }

    pub fn exit_code(&self) -> u8 {
        if self.invalid > 0 {
            EXIT_INVALID
        } else if self.failed > 0 {
            Verdict::Fail.exit_code() as u8
        } else if self.inconclusive > 0 {
            Verdict::Inconclusive.exit_code() as u8
        } else {
            0
        }
    }
}

pub fn cmd_check(paths: &[String], out: &OutputArgs) -> anyhow::Result<u8> {
    let mut out = out.clone();
    let claims = [("--json", out.json), ("--junit -", out.junit.as_deref().is_some_and(crate::output::is_stdout))];
    match crate::output::stdout_owner(&claims) {
        Ok(owner) => out.summary_to_stderr = owner.is_some_and(|f| f != "--json"),
        Err(msg) => {
            crate::output::err(&format!("error: {msg}"));
            return Ok(crate::EXIT_INVALID);
        }
    }
    let out = &out;
    let found = collect(paths);
    print_notes(&found);
    let mut outcomes = Vec::new();
    let mut invalid = found.invalid;
    for s in &found.scenarios {
        match runner::run(s, s.seed, RunOpts { keep_trace: false, progress: false }) {
            Ok(o) => outcomes.push(o),
            Err(e) if e.downcast_ref::<crate::interrupt::Interrupted>().is_some() => return Err(e),
            // A file that loads but cannot be simulated is invalid; the others still run.
            Err(e) => {
                let bad = Invalid { path: runner::origin(s), message: format!("error: {}: {e:#}", runner::origin(s)) };
                crate::output::err(&bad.message);
                invalid.push(bad);
            }
        }
    }
    crate::emit::check(&CheckRun { outcomes, invalid, skipped: found.skipped }, out)
}

pub fn cmd_validate(paths: &[String]) -> u8 {
    let found = collect(paths);
    print_notes(&found);
    for s in &found.scenarios {
        crate::output::out(&format!("{}  {}  ({})\n", crate::color::word("ok"), s.source.display_name(), s.name));
    }
    let skipped_files = found.skipped.iter().filter(|s| s.why.is_file()).count();
    crate::output::out(&(human::validate_totals(found.scenarios.len(), found.invalid.len(), skipped_files) + "\n"));
    if found.invalid.is_empty() { 0 } else { EXIT_INVALID }
}

/// The skipped paths and the errors, on standard error (standard output keeps the results).
fn print_notes(found: &Found) {
    for s in &found.skipped {
        crate::output::err(&format!("skipped {}: {}", s.path, s.why.text()));
    }
    for i in &found.invalid {
        crate::output::err(&i.message);
    }
    for s in &found.scenarios {
        print_warnings(s);
    }
}

/// A scenario's warnings (a region no cloud lists), one line each on standard error as
/// `warning: FILE:LINE:COL: ...`; they change no exit code.
pub fn print_warnings(s: &scenarios::Scenario) {
    for w in &s.warnings {
        crate::output::err(&format!("warning: {}:{}:{}: {}", w.origin, w.line, w.column, w.message));
    }
}

/// Resolves every argument: a directory is walked (module doc), anything else is a file or
/// a library name. Invalid ones are collected; the valid ones are still returned.
pub fn collect(args: &[String]) -> Found {
    let mut found = Found::default();
    let mut dashes = 0;
    for a in args {
        // Standard input holds one text: a second `-` would run the same scenario again and
        // count it twice in the totals, which no one means.
        if a == scenarios::STDIN_ARG {
            dashes += 1;
            if dashes > 1 {
                found.invalid.push(Invalid {
                    path: a.clone(),
                    message: "error: `-` (standard input) is named more than once: it holds one scenario, read once; name it once, or save the text to files".into(),
                });
                continue;
            }
        }
        let p = Path::new(a);
        if p.is_dir() {
            let before = (found.scenarios.len(), found.invalid.len(), found.skipped.len());
            walk(p, &mut found);
            if (found.scenarios.len(), found.invalid.len()) == (before.0, before.1) {
                let passed_over = found.skipped.len() - before.2;
                let note = if passed_over > 0 { format!(" ({passed_over} skipped, listed above)") } else { String::new() };
                found.invalid.push(Invalid {
                    path: a.clone(),
                    message: format!("error: no scenario in {a}: no .toml file with a [scenario] table{note}"),
                });
            }
        } else {
            match scenarios::resolve(a) {
                Ok(s) => found.scenarios.push(s),
                Err(e) => found.invalid.push(Invalid { path: a.clone(), message: e.to_string() }),
            }
        }
    }
    found
}

fn walk(dir: &Path, found: &mut Found) {
    // Symbolic links are not followed (walkdir's default): a link to a file is read below,
    // a link to a directory is listed and passed over.
    let mut it = WalkDir::new(dir).sort_by_file_name().into_iter();
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(dir).display().to_string();
                let why = e.io_error().map_or_else(|| e.to_string(), ToString::to_string);
                found.invalid.push(Invalid { message: format!("error: cannot read {path}: {why}"), path });
                continue;
            }
        };
        let path = entry.path();
        let ft = entry.file_type();
        // The directory named on the command line is entered even through a link (walkdir
        // follows the root); links found inside it are not.
        if entry.depth() > 0 && ft.is_symlink() && std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            found.skipped.push(Skipped { path: format!("{}/", path.display()), why: Why::SymlinkedDirectory });
            continue;
        }
        if ft.is_dir() {
            if entry.depth() > 0
                && let Some(why) = not_searched(entry.file_name())
            {
                found.skipped.push(Skipped { path: format!("{}/", path.display()), why });
                it.skip_current_dir();
            }
            continue;
        }
        if path.extension().is_some_and(|x| x.eq_ignore_ascii_case("toml")) {
            classify(path, found);
        }
    }
}

/// Directories the walk does not enter (the directory named on the command line always is).
fn not_searched(name: &OsStr) -> Option<Why> {
    let name = name.to_string_lossy();
    if name.starts_with('.') {
        Some(Why::HiddenDirectory)
    } else if name == "target" || name == "node_modules" {
        Some(Why::BuildOutput)
    } else {
        None
    }
}

/// A `.toml` file found by the walk: a scenario, a broken scenario, or something else.
fn classify(path: &Path, found: &mut Found) {
    let shown = path.display().to_string();
    // Bytes that are not UTF-8 are an error at their line and column, not "cannot read".
    let text = match scenarios::read_file(path) {
        Ok(t) => t,
        Err(e) => {
            found.invalid.push(Invalid { message: e.to_string(), path: shown });
            return;
        }
    };
    // Only well-formed TOML can prove it is not a scenario; a syntax error in a scenario
    // must fail the run, not skip it.
    if let Ok(table) = toml::from_str::<toml::Table>(&text)
        && !table.contains_key("scenario")
    {
        found.skipped.push(Skipped { path: shown, why: Why::NoScenarioTable });
        return;
    }
    match scenarios::load_path(path) {
        Ok(s) => found.scenarios.push(s),
        Err(e) => found.invalid.push(Invalid { path: shown, message: e.to_string() }),
    }
}
