//! `faultline`: run, check and sweep scenarios of multicloud interconnect failures.
//!
//! Exit codes: 0 pass, 1 an expectation failed, 2 inconclusive, 3 invalid input (a
//! scenario file or the command line). Nothing a user writes makes it panic.

mod human;
mod json;
mod junit;
mod live_cmd;
mod outcome;
mod runner;
mod svg;
mod sweep;

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use scenarios::{Scenario, ScenarioError, Verdict};

use crate::outcome::Outcome;
use crate::runner::RunOpts;

pub(crate) const EXIT_INVALID: u8 = 3;

#[derive(Parser, Debug)]
#[command(name = "faultline", version, about = "Deterministic chaos testbed for multicloud private interconnects", long_about = None)]
#[command(after_help = "Exit codes: 0 pass, 1 an expectation failed, 2 inconclusive, 3 invalid input.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run one scenario (a path or a library name; the flagship scenario by default).
    Run {
        scenario: Option<String>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Simulate every traffic group at this fidelity: `fluid` or `packet` (smoltcp TCP).
        #[arg(long, value_enum)]
        fidelity: Option<FidelityArg>,
        #[command(flatten)]
        out: OutputArgs,
        /// Write the trace as JSON lines, one per event.
        #[arg(long, value_name = "FILE")]
        trace: Option<PathBuf>,
        /// Write the throughput timeline as SVG, fault windows shaded.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
    /// Run many scenarios (files, directories of *.toml, or library names) for CI.
    Check {
        #[arg(required = true)]
        paths: Vec<String>,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Run one scenario over a range of seeds in parallel.
    Sweep {
        scenario: String,
        /// Seeds to run: A..B (end exclusive) or A..=B.
        #[arg(long, default_value = "1..101")]
        seeds: String,
        /// Worker threads (default: all cores). The result does not depend on it.
        #[arg(long)]
        jobs: Option<usize>,
        #[arg(long)]
        json: bool,
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check scenario files without running them.
    Validate {
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// List the embedded scenario library.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a scenario's topology, timers, faults and expectations.
    Show { scenario: String },
    /// Print the JSON Schema of the scenario format.
    Schema,
    /// Run a scenario paced by the wall clock, with real TCP through its `[[proxy]]` tables
    /// and a control API (native and Toxiproxy-compatible).
    Live {
        /// A scenario file or library name.
        scenario: String,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Simulated seconds per wall second.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Where the control API listens.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8474")]
        api: SocketAddr,
        /// Run without the control API.
        #[arg(long, conflicts_with_all = ["allow_remote", "toxiproxy_compat"])]
        no_api: bool,
        /// Serve the API on a non-loopback address.
        #[arg(long)]
        allow_remote: bool,
        /// Read the API token from FILE (or write a new one there); else `FAULTLINE_TOKEN`.
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
        /// Accept Toxiproxy requests without a token (loopback binds only).
        #[arg(long)]
        toxiproxy_compat: bool,
        /// Keep the proxies and the API up after the run's end, until Ctrl-C.
        #[arg(long)]
        hold: bool,
        /// Forward real IP packets between network namespaces (Linux, CAP_NET_ADMIN).
        #[arg(long)]
        l3: bool,
        /// Write the scenario with the injected faults scripted in to FILE.
        #[arg(long, value_name = "FILE")]
        export: Option<PathBuf>,
        /// One JSON object on stdout: the `run` object plus `live`.
        #[arg(long)]
        json: bool,
    },
    /// Explore a scenario interactively in the terminal, or follow a `faultline live` run.
    Tui {
        #[arg(conflicts_with = "attach")]
        scenario: Option<String>,
        #[arg(long, conflicts_with = "attach")]
        seed: Option<u64>,
        /// Follow the live run whose API listens at ADDR (e.g. 127.0.0.1:8474): the same
        /// panes, faults injected through the API.
        #[arg(long, value_name = "ADDR")]
        attach: Option<String>,
        /// The API's bearer token, for injecting faults (default: $FAULTLINE_TOKEN).
        #[arg(long, value_name = "FILE", requires = "attach")]
        token_file: Option<PathBuf>,
    },
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum FidelityArg {
    Fluid,
    Packet,
}

#[derive(clap::Args, Debug, Clone)]
struct OutputArgs {
    /// One JSON object on stdout instead of the human summary.
    #[arg(long)]
    json: bool,
    /// Print only the verdict line.
    #[arg(long, short)]
    quiet: bool,
    /// Write a JUnit XML report.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_INVALID } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match dispatch(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_INVALID)
        }
    }
}

/// Prints a scenario error (it names file:line:column) and returns exit code 3.
fn invalid(e: &ScenarioError) -> u8 {
    eprintln!("{e}");
    EXIT_INVALID
}

pub(crate) fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

pub(crate) fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = out.write_all(text.as_bytes());
}

fn dispatch(cmd: Command) -> anyhow::Result<u8> {
    let tty = std::io::stderr().is_terminal();
    match cmd {
        Command::Run { scenario, seed, fidelity, out, trace, svg } => cmd_run(scenario, seed, fidelity, &out, trace, svg, tty),
        Command::Check { paths, out } => cmd_check(&paths, &out),
        Command::Sweep { scenario, seeds, jobs, json, quiet } => cmd_sweep(&scenario, &seeds, jobs, json, quiet, tty),
        Command::Validate { paths } => Ok(cmd_validate(&paths)),
        Command::List { json } => cmd_list(json),
        Command::Show { scenario } => match scenarios::resolve(&scenario) {
            Ok(s) => {
                print_stdout(&scenarios::describe(&s));
                Ok(0)
            }
            Err(e) => Ok(invalid(&e)),
        },
        Command::Schema => {
            print_stdout(&(serde_json::to_string_pretty(&scenarios::schema())? + "\n"));
            Ok(0)
        }
        Command::Tui { attach: Some(addr), token_file, .. } => cmd_tui_attach(&addr, token_file.as_deref()),
        Command::Tui { scenario, seed, .. } => cmd_tui(scenario, seed),
        Command::Live { scenario, seed, speed, api, no_api, allow_remote, token_file, toxiproxy_compat, hold, l3, export, json } => {
            let s = match scenarios::resolve(&scenario) {
                Ok(s) => s,
                Err(e) => return Ok(invalid(&e)),
            };
            let api = (!no_api).then_some(api);
            live_cmd::cmd_live(
                &s,
                live_cmd::LiveArgs { seed, speed, api, allow_remote, token_file, toxiproxy_compat, hold, l3, json, export },
            )
        }
    }
}

fn cmd_run(
    scenario: Option<String>,
    seed: Option<u64>,
    fidelity: Option<FidelityArg>,
    out: &OutputArgs,
    trace: Option<PathBuf>,
    svg: Option<PathBuf>,
    tty: bool,
) -> anyhow::Result<u8> {
    let name = scenario.unwrap_or_else(|| scenarios::FLAGSHIP.to_string());
    let mut s = match scenarios::resolve(&name) {
        Ok(s) => s,
        Err(e) => return Ok(invalid(&e)),
    };
    if let Some(f) = fidelity {
        let f = match f {
            FidelityArg::Fluid => sim_core::spec::Fidelity::Fluid,
            FidelityArg::Packet => sim_core::spec::Fidelity::Packet,
        };
        for t in &mut s.spec.traffic {
            t.fidelity = f;
        }
    }
    let seed = seed.unwrap_or(s.seed);
    let mut o = runner::run(&s, seed, RunOpts { keep_trace: trace.is_some(), progress: tty && !out.quiet && !out.json })?;
    if let Some(f) = fidelity {
        o.extra_args = format!(" --fidelity {}", if f == FidelityArg::Packet { "packet" } else { "fluid" });
    }
    if let (Some(path), Some(lines)) = (&trace, &o.trace) {
        write_file(path, &(lines.join("\n") + "\n"))?;
    }
    if let Some(path) = &svg {
        write_file(path, &svg::render(&o)?)?;
    }
    emit(&[o], out)
}

fn cmd_check(paths: &[String], out: &OutputArgs) -> anyhow::Result<u8> {
    let (list, mut code) = collect(paths);
    let mut outcomes = Vec::new();
    for s in &list {
        let o = runner::run(s, s.seed, RunOpts { keep_trace: false, progress: false })?;
        outcomes.push(o);
    }
    let verdict_code = emit(&outcomes, out)?;
    if code == 0 {
        code = verdict_code;
    }
    Ok(code)
}

fn cmd_sweep(scenario: &str, seeds: &str, jobs: Option<usize>, json: bool, quiet: bool, tty: bool) -> anyhow::Result<u8> {
    let s = match scenarios::resolve(scenario) {
        Ok(s) => s,
        Err(e) => return Ok(invalid(&e)),
    };
    let seeds = match sweep::parse_seeds(seeds) {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("error: {msg}");
            return Ok(EXIT_INVALID);
        }
    };
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let result = sweep::sweep(&s, seeds, jobs, tty && !quiet && !json)?;
    if json {
        print_stdout(&(serde_json::to_string_pretty(&result.json())? + "\n"));
    } else if quiet {
        print_stdout(&format!(
            "{}: {} ({} runs, digest {})\n",
            result.scenario,
            result.verdict().name(),
            result.results.len(),
            result.digest()
        ));
    } else {
        print_stdout(&result.human());
    }
    Ok(result.verdict().exit_code() as u8)
}

fn cmd_validate(paths: &[String]) -> u8 {
    let (list, code) = collect(paths);
    for s in &list {
        print_stdout(&format!("ok  {}  ({})\n", s.source.display_name(), s.name));
    }
    code
}

fn cmd_list(json: bool) -> anyhow::Result<u8> {
    let lib = scenarios::library();
    if json {
        let v: Vec<_> = lib
            .iter()
            .map(|e| {
                let s = scenarios::load_library(e.name).ok();
                serde_json::json!({
                    "name": e.name,
                    "summary": s.as_ref().map(|s| s.summary.clone()),
                    "expect": scenarios::documented_verdict(e.text).map(Verdict::name),
                })
            })
            .collect();
        print_stdout(&(serde_json::to_string_pretty(&v)? + "\n"));
    } else {
        let rows: Vec<Vec<String>> = lib
            .iter()
            .map(|e| {
                let summary = scenarios::load_library(e.name).map(|s| s.summary).unwrap_or_else(|e| format!("(invalid: {e})"));
                let flag = if e.name == scenarios::FLAGSHIP { "*" } else { "" };
                vec![format!("{}{flag}", e.name), summary]
            })
            .collect();
        let mut text = String::new();
        for r in rows {
            text.push_str(&format!("{:<40} {}\n", r[0], r[1]));
        }
        text.push_str(&format!("\n* the flagship scenario, run by `faultline run` with no argument ({} scenarios)\n", lib.len()));
        print_stdout(&text);
    }
    Ok(0)
}

fn cmd_tui(scenario: Option<String>, seed: Option<u64>) -> anyhow::Result<u8> {
    let name = scenario.unwrap_or_else(|| scenarios::FLAGSHIP.to_string());
    let s = match scenarios::resolve(&name) {
        Ok(s) => s,
        Err(e) => return Ok(invalid(&e)),
    };
    let session = faultline_tui::Session {
        name: s.name.clone(),
        origin: s.source.display_name(),
        source: s.source.text.clone(),
        seed: seed.unwrap_or(s.seed),
        duration: s.duration,
        spec: s.spec.clone(),
        judge: Some(judge(s)),
    };
    faultline_tui::run(session)?;
    Ok(0)
}

/// `tui --attach ADDR`: follows a `faultline live` run by replaying its scenario locally.
fn cmd_tui_attach(addr: &str, token_file: Option<&Path>) -> anyhow::Result<u8> {
    let token = match token_file {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("error: cannot read the token file {}: {e}", path.display());
                return Ok(EXIT_INVALID);
            }
        },
        None => std::env::var("FAULTLINE_TOKEN").ok(),
    };
    let (client, info) = match faultline_tui::attach::connect(addr, token) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: cannot attach to {addr}: {e}");
            eprintln!("  is `faultline live SCENARIO --api {addr}` running?");
            return Ok(EXIT_INVALID);
        }
    };
    let s = match scenarios::load_str(&info.origin, &info.text) {
        Ok(s) => s,
        Err(e) => return Ok(invalid(&e)),
    };
    let session = faultline_tui::Session {
        name: s.name.clone(),
        origin: info.origin.clone(),
        source: info.text.clone(),
        seed: info.seed,
        duration: s.duration,
        spec: s.spec.clone(),
        judge: Some(judge(s)),
    };
    let origin = info.origin;
    let compile: faultline_tui::attach::Compile =
        std::sync::Arc::new(move |text: &str| scenarios::load_str(&origin, text).map(|s| s.spec).map_err(|e| e.to_string()));
    faultline_tui::attach::run(session, addr, client, compile)?;
    Ok(0)
}

/// The TUI's view of the scenario's expectations: the same rules as `run`.
fn judge(s: Scenario) -> faultline_tui::Judge {
    // The TUI judges the file it would export (hand faults included), exactly as
    // `faultline run` would judge that file.
    let origin = s.source.display_name();
    faultline_tui::Judge::of_file(
        move |text| scenarios::load_str(&origin, text).map_err(|e| e.to_string()),
        |scenario: &Scenario, report: &sim_core::Report| {
            let (verdict, checks) = scenarios::evaluate(scenario, report);
            let checks = checks
                .into_iter()
                .map(|c| faultline_tui::Check {
                    name: c.name.to_string(),
                    status: c.status.name(),
                    limit: c.limit,
                    unit: c.unit,
                    detail: c.detail,
                })
                .collect();
            faultline_tui::Judgement { verdict: Some(verdict.name()), checks }
        },
    )
}

/// Resolves every argument (files, directories of `*.toml`, library names). Invalid ones
/// are reported and make the exit code 3; the valid ones are still returned.
fn collect(args: &[String]) -> (Vec<Scenario>, u8) {
    let mut out = Vec::new();
    let mut code = 0;
    for a in args {
        let p = Path::new(a);
        if p.is_dir() {
            let mut files: Vec<PathBuf> = match std::fs::read_dir(p) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|f| f.extension().is_some_and(|x| x == "toml")).collect(),
                Err(e) => {
                    eprintln!("error: cannot read directory {a}: {e}");
                    code = EXIT_INVALID;
                    continue;
                }
            };
            files.sort();
            if files.is_empty() {
                eprintln!("error: no *.toml scenario files in {a}");
                code = EXIT_INVALID;
            }
            for f in files {
                match scenarios::load_path(&f) {
                    Ok(s) => out.push(s),
                    Err(e) => code = invalid(&e),
                }
            }
        } else {
            match scenarios::resolve(a) {
                Ok(s) => out.push(s),
                Err(e) => code = invalid(&e),
            }
        }
    }
    (out, code)
}

/// Prints outcomes in the chosen format, writes JUnit, and returns the worst exit code.
fn emit(outcomes: &[Outcome], out: &OutputArgs) -> anyhow::Result<u8> {
    if let Some(path) = &out.junit {
        write_file(path, &junit::report(outcomes)?)?;
    }
    let worst = outcomes.iter().map(|o| o.verdict).max_by_key(|v| match v {
        Verdict::Pass => 0,
        Verdict::Inconclusive => 1,
        Verdict::Fail => 2,
    });
    if out.json {
        let v = if outcomes.len() == 1 {
            json::run(&outcomes[0])
        } else {
            serde_json::json!({
                "verdict": worst.map_or("pass", Verdict::name),
                "scenarios": outcomes.iter().map(json::run).collect::<Vec<_>>(),
            })
        };
        print_stdout(&(serde_json::to_string_pretty(&v)? + "\n"));
    } else if out.quiet {
        for o in outcomes {
            print_stdout(&(human::verdict_line(o) + "\n"));
        }
    } else if outcomes.len() == 1 {
        print_stdout(&human::summary(&outcomes[0]));
    } else {
        let rows: Vec<Vec<String>> = outcomes
            .iter()
            .map(|o| {
                let max = |f: fn(&sim_core::report::FaultReport) -> Option<f64>| {
                    o.report.faults.iter().filter_map(f).fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x))))
                };
                vec![
                    o.scenario.clone(),
                    o.verdict.name().to_string(),
                    o.report.faults.len().to_string(),
                    human::secs(max(|f| f.detect_s)),
                    human::secs(max(|f| f.recover_s)),
                    o.report.fingerprint.clone(),
                ]
            })
            .collect();
        let mut text = human::table(&["scenario", "verdict", "faults", "detect", "recover", "fingerprint"], &rows);
        for o in outcomes.iter().filter(|o| o.verdict != Verdict::Pass) {
            text.push_str(&format!("\n{}: {}\n", o.scenario, o.verdict.name()));
            for c in o.checks.iter().filter(|c| !c.pass) {
                text.push_str(&format!("  {} {}: {}\n", c.status.name(), c.name, c.detail));
            }
            text.push_str(&format!("  reproduce: {}\n", o.reproduce()));
        }
        print_stdout(&text);
    }
    Ok(worst.map_or(0, |v| v.exit_code() as u8))
}
