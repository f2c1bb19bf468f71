//! `faultline shrink SCENARIO`: the command around `scenarios::shrink` (arguments, output
//! file, sizes before and after, exit codes).
//!
//! Exit codes: 0 a smaller failing scenario was written; 2 nothing smaller fails the same
//! way (the input, with its seed and ids written in, is still written, so the replay line
//! works); 3 the input is invalid, does not fail, or `--expect` names a check that does not
//! fail. The file goes to standard output or `-o FILE`; the sizes and counts go to stderr,
//! or to standard output as JSON with `--json`.

use std::io::IsTerminal;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use scenarios::shrink::{self, Options, Progress, RandomFaults, Shrunk, Sizes};
use serde_json::{Value, json};

use crate::EXIT_INVALID;
use sim_core::show::count;

/// Exit code when nothing smaller fails the same way.
const EXIT_NOT_SHRUNK: u8 = 2;

/// `faultline shrink`'s arguments.
#[derive(clap::Args, Debug)]
pub struct ShrinkArgs {
    /// A failing scenario file or library name.
    pub scenario: String,
    /// The seed of the failing run (default: the file's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The expectation to preserve (an `[expect]` key that fails); default: the first
    /// failing one.
    #[arg(long, value_name = "NAME")]
    pub expect: Option<String>,
    /// Write the shrunk scenario to FILE instead of standard output (`-`: standard output).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// One JSON object on stdout (sizes, counts, the file's text) instead of the file.
    #[arg(long)]
    pub json: bool,
    /// Keep `[[random_faults]]` processes as they are (shrunk as whole tables) instead of
    /// writing the faults they started as scripted `[[fault]]` tables.
    #[arg(long)]
    pub keep_random: bool,
    /// Stop after judging this many candidates; the smallest failing file so far is written.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub max_runs: u64,
    /// Candidates run at once (default: all cores). The result does not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// No summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn cmd_shrink(a: &ShrinkArgs) -> anyhow::Result<u8> {
    // Progress only on a terminal.
    let tty = std::io::stderr().is_terminal();
    let s = match scenarios::resolve(&a.scenario) {
        Ok(s) => s,
        Err(e) => return Ok(crate::invalid(&e)),
    };
    crate::check::print_warnings(&s);
    if a.max_runs == 0 {
        crate::output::err("error: --max-runs must be at least 1");
        return Ok(EXIT_INVALID);
    }
    if a.json && a.output.as_deref().is_some_and(crate::output::is_stdout) {
        crate::output::err("error: --json and -o - both write to standard output, where one document can go: send one of them to a file");
        return Ok(EXIT_INVALID);
    }
    // Refuse an output that cannot be written before the search, not after it.
    if let Some(path) = a.output.as_ref().filter(|p| !crate::output::is_stdout(p)) {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        if !dir.is_dir() || path.is_dir() {
            crate::output::err(&format!(
                "error: cannot write {}: {} is not a directory",
                path.display(),
                if path.is_dir() { path } else { dir }.display()
            ));
            return Ok(EXIT_INVALID);
        }
    }
    let seed = a.seed.unwrap_or(s.seed);
    let bar = if tty && !a.quiet { ProgressBar::new_spinner() } else { ProgressBar::hidden() };
    bar.set_style(ProgressStyle::with_template("{spinner} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
    let quiet = a.quiet;
    let progress = |p: Progress<'_>| match p {
        Progress::Target(c) if !quiet => {
            bar.suspend(|| {
                crate::output::err(&format!(
                    "shrinking {} at seed {seed}: preserving `{}`, which fails: {}",
                    s.source.display_name(),
                    c.name,
                    c.detail
                ))
            });
        }
        Progress::Random(r) if !quiet => bar.suspend(|| {
            // `2 random processes started 21 faults`, `1 random process started 1 fault`.
            let started =
                |p: usize, f: usize| format!("{} started {}", count(p, "random process", "random processes"), count(f, "fault", "faults"));
            match r {
                RandomFaults::None => {}
                RandomFaults::Scripted { processes, faults } => {
                    crate::output::err(&format!("{}; written as scripted faults, they fail the same way", started(*processes, *faults)))
                }
                RandomFaults::Kept { processes, faults, asked: true } => {
                    crate::output::err(&format!("{}; kept as processes (--keep-random)", started(*processes, *faults)))
                }
                RandomFaults::Kept { processes, faults, asked: false } => crate::output::err(&format!(
                    "{}; written as scripted faults they do NOT fail the same way, so the processes are kept and shrunk as a whole",
                    started(*processes, *faults)
                )),
            }
        }),
        Progress::Candidates { stage, candidates } => bar.set_message(format!("{stage}: {candidates} candidates")),
        _ => {}
    };
    let jobs = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let opts = Options {
        expect: a.expect.clone(),
        keep_random: a.keep_random,
        max_runs: a.max_runs,
        jobs,
        made_by: crate::version::tag(),
        output_name: a.output.as_ref().filter(|p| !crate::output::is_stdout(p)).map(|p| p.display().to_string()),
        progress: Some(&progress),
    };
    let result = shrink::shrink(&s, seed, &opts);
    bar.finish_and_clear();
    let sh = match result {
        Ok(sh) => sh,
        Err(e) => {
            crate::output::err(&format!("error: {}: {e}", s.source.display_name()));
            return Ok(EXIT_INVALID);
        }
    };
    if let Some(path) = &a.output {
        crate::output::write_atomic(path, sh.text.as_bytes())?;
    }
    let code = if sh.smaller { 0 } else { EXIT_NOT_SHRUNK };
    if a.json {
        crate::output::out(&(serde_json::to_string_pretty(&to_json(&sh, a.output.as_ref(), code))? + "\n"));
    } else if a.output.is_none() {
        crate::output::out(&sh.text);
    }
    if !a.quiet {
        crate::output::err_raw(&summary(&sh, a.output.as_ref()));
    }
    Ok(code)
}

/// The sizes before and after, and what was done, for stderr.
pub fn summary(sh: &Shrunk, out: Option<&PathBuf>) -> String {
    let mut t = String::new();
    let verb = if sh.smaller { "shrunk" } else { "could not shrink" };
    t.push_str(&format!("{verb} {} (seed {}): `{}` still fails: {}\n", sh.origin, sh.seed, sh.target.describe(), sh.after.check.detail));
    t.push_str(&format!("  {:<18}{:>12}{:>12}\n", "", "before", "after"));
    for (name, b, a) in rows(&sh.before.sizes, &sh.after.sizes) {
        t.push_str(&format!("  {name:<18}{b:>12}{a:>12}\n"));
    }
    t.push_str(&format!(
        "  {} judged ({} did not compile), {} kept, {}\n",
        count(sh.candidates, "candidate", "candidates"),
        sh.invalid,
        sh.accepted,
        count(sh.rounds, "round", "rounds")
    ));
    if sh.budget_exhausted {
        t.push_str(&format!("  --max-runs {} ran out: this is the smallest failing file found so far\n", sh.max_runs));
    }
    if !sh.smaller && !sh.budget_exhausted {
        t.push_str("  nothing smaller fails the same way; the input is written with its seed and ids made explicit (exit 2)\n");
    } else if !sh.smaller {
        t.push_str("  the budget ran out before a smaller candidate was found (exit 2); raise --max-runs\n");
    }
    let file = out.map_or_else(|| "FILE".to_string(), |p| p.display().to_string());
    match out {
        Some(p) => t.push_str(&format!("  wrote {}; replay: faultline run {file} --seed {}\n", p.display(), sh.seed)),
        None => t.push_str(&format!("  replay: save it as FILE, then faultline run {file} --seed {}\n", sh.seed)),
    }
    t
}

/// Rows of the sizes table: zero on both sides are left out (faults and duration stay).
fn rows(b: &Sizes, a: &Sizes) -> Vec<(&'static str, String, String)> {
    let n = |x: u64, y: u64| (x.to_string(), y.to_string());
    let all = [
        ("faults", n(b.faults_in_run() as u64, a.faults_in_run() as u64), true),
        ("random processes", n(b.random_processes as u64, a.random_processes as u64), false),
        ("traffic groups", n(b.traffic_groups, a.traffic_groups), false),
        ("interconnects", n(b.interconnects, a.interconnects), false),
        ("vpns", n(b.vpns, a.vpns), false),
        ("backbones", n(b.backbones, a.backbones), false),
        ("endpoints", n(b.endpoints, a.endpoints), false),
        ("alarms", n(b.alarms, a.alarms), false),
        ("runbook steps", n(b.runbook_steps, a.runbook_steps), false),
        ("proxies", n(b.proxies, a.proxies), false),
        ("expectations", n(b.expectations as u64, a.expectations as u64), false),
        ("duration", (b.duration.to_string(), a.duration.to_string()), true),
    ];
    all.into_iter().filter(|(_, (x, y), always)| *always || x != "0" || y != "0").map(|(k, (x, y), _)| (k, x, y)).collect()
}

fn sizes_json(s: &Sizes) -> Value {
    json!({
        "faults": s.faults,
        "random_processes": s.random_processes,
        "random_faults_started": s.random_faults_started,
        "traffic_groups": s.traffic_groups,
        "interconnects": s.interconnects,
        "vpns": s.vpns,
        "backbones": s.backbones,
        "endpoints": s.endpoints,
        "alarms": s.alarms,
        "runbook_steps": s.runbook_steps,
        "proxies": s.proxies,
        "expectations": s.expectations,
        "duration_s": s.duration.as_secs_f64(),
        "duration_ns": s.duration.as_nanos(),
    })
}

fn side_json(s: &shrink::Side) -> Value {
    json!({
        "fingerprint": s.fingerprint,
        "check": { "name": s.check.name, "status": s.check.status.name(), "measured": s.check.measured, "limit": s.check.limit, "unit": s.check.unit, "detail": s.check.detail },
        "sizes": sizes_json(&s.sizes),
    })
}

/// The JSON object of `--json` (keys written out here so they stay stable).
pub fn to_json(sh: &Shrunk, out: Option<&PathBuf>, code: u8) -> Value {
    let random = match &sh.random {
        RandomFaults::None => json!(null),
        RandomFaults::Scripted { processes, faults } => {
            json!({ "written_as": "scripted", "processes": processes, "faults": faults, "asked": false })
        }
        RandomFaults::Kept { processes, faults, asked } => {
            json!({ "written_as": "kept", "processes": processes, "faults": faults, "asked": asked })
        }
    };
    let file = out.map(|p| p.display().to_string());
    json!({
        "faultline": crate::version::json(),
        "scenario": sh.scenario,
        "origin": sh.origin,
        "seed": sh.seed,
        "expectation": { "name": sh.target.check, "fault": sh.target.fault, "measured": sh.target.measured },
        "before": side_json(&sh.before),
        "after": side_json(&sh.after),
        "random_faults": random,
        "candidates": sh.candidates,
        "invalid": sh.invalid,
        "kept": sh.accepted,
        "rounds": sh.rounds,
        "max_runs": sh.max_runs,
        "budget_exhausted": sh.budget_exhausted,
        "executed": sh.executed,
        "shrunk": sh.smaller,
        "exit": code,
        "output": file,
        "reproduce": format!("faultline run {} --seed {}", file.as_deref().unwrap_or("FILE"), sh.seed),
        "toml": sh.text,
    })
}
