//! `faultline`: run, check and sweep scenarios of multicloud interconnect failures.
//!
//! Exit codes: 0 pass, 1 an expectation failed, 2 inconclusive, 3 invalid input (a
//! scenario file or the command line), 4 its own output could not be written, 130/143
//! stopped by SIGINT/SIGTERM. Nothing a user writes makes it panic.

mod check;
mod diff;
mod emit;
mod human;
mod interrupt;
mod json;
mod junit;
mod limits;
mod live_cmd;
mod merge;
mod outcome;
mod output;
mod runner;
mod shard;
mod shrink_cmd;
mod svg;
mod sweep;
mod vary;
mod version;

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use scenarios::{Scenario, ScenarioError, Verdict};

use crate::runner::RunOpts;

pub(crate) const EXIT_INVALID: u8 = 3;

#[derive(Parser, Debug)]
#[command(name = "faultline", version = version::LONG, about = "Deterministic chaos testbed for multicloud private interconnects", long_about = None)]
#[command(
    after_help = "Exit codes: 0 pass, 1 an expectation failed, 2 inconclusive, 3 invalid input, 4 output could not be written, 130/143 stopped by SIGINT/SIGTERM."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    budget: limits::BudgetArgs,
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
    /// Run one scenario over a range of seeds in parallel (or one shard of them).
    Sweep(sweep::SweepArgs),
    /// Combine the NDJSON of sharded sweeps into the unsharded sweep's summary.
    Merge(merge::MergeArgs),
    /// Shrink a failing scenario to a smaller one that fails the same expectation.
    Shrink(shrink_cmd::ShrinkArgs),
    /// Compare two run or sweep JSON outputs: what changed, per fault, group and percentile.
    Diff(diff::DiffArgs),
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
            if let Err(err) = e.print()
                && !e.use_stderr()
            {
                output::stdout_error(&err);
            }
            return ExitCode::from(output::exit_code(code));
        }
    };
    limits::install(&cli.budget);
    let code = match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => error_code(&e),
    };
    // A signal that came after the work's last check (while writing) still ends it 130/143.
    let code = interrupt::received().map_or(code, interrupt::Signal::exit_code);
    ExitCode::from(output::exit_code(code))
}

/// Prints an error that ended a command and returns its exit code: 130/143 for a signal,
/// 4 for an output that could not be written, else 3.
fn error_code(e: &anyhow::Error) -> u8 {
    if let Some(i) = e.downcast_ref::<interrupt::Interrupted>() {
        output::err(&format!("faultline: {i}; nothing was written"));
        return i.0.exit_code();
    }
    if e.downcast_ref::<output::StdoutFailed>().is_some() {
        return output::EXIT_OUTPUT;
    }
    if let Some(i) = e.downcast_ref::<faultline_tui::Interrupted>() {
        return i.exit_code();
    }
    output::err(&format!("error: {e:#}"));
    if e.downcast_ref::<output::OutputError>().is_some() { output::EXIT_OUTPUT } else { EXIT_INVALID }
}

/// Prints a scenario error (it names file:line:column) and returns exit code 3.
fn invalid(e: &ScenarioError) -> u8 {
    output::err(&e.to_string());
    EXIT_INVALID
}

fn dispatch(cmd: Command) -> anyhow::Result<u8> {
    let tty = std::io::stderr().is_terminal();
    // The commands whose loops check for SIGINT/SIGTERM (see interrupt.rs).
    if matches!(cmd, Command::Run { .. } | Command::Check { .. } | Command::Sweep(_)) {
        interrupt::install();
    }
    match cmd {
        Command::Run { scenario, seed, fidelity, out, trace, svg } => cmd_run(scenario, seed, fidelity, &out, trace, svg, tty),
        Command::Check { paths, out } => check::cmd_check(&paths, &out),
        Command::Sweep(a) => sweep::cmd_sweep(&a, tty),
        Command::Merge(a) => merge::cmd_merge(&a),
        Command::Shrink(a) => shrink_cmd::cmd_shrink(&a),
        Command::Diff(a) => diff::cmd_diff(&a),
        Command::Validate { paths } => Ok(check::cmd_validate(&paths)),
        Command::List { json } => cmd_list(json),
        Command::Show { scenario } => match scenarios::resolve(&scenario) {
            Ok(s) => {
                check::print_warnings(&s);
                output::out(&scenarios::describe(&s));
                Ok(0)
            }
            Err(e) => Ok(invalid(&e)),
        },
        Command::Schema => {
            output::out(&(serde_json::to_string_pretty(&scenarios::schema())? + "\n"));
            Ok(0)
        }
        Command::Tui { attach: Some(addr), token_file, .. } => cmd_tui_attach(&addr, token_file.as_deref()),
        Command::Tui { scenario, seed, .. } => cmd_tui(scenario, seed),
        Command::Live { scenario, seed, speed, api, no_api, allow_remote, token_file, toxiproxy_compat, hold, l3, export, json } => {
            let s = match scenarios::resolve(&scenario) {
                Ok(s) => s,
                Err(e) => return Ok(invalid(&e)),
            };
            check::print_warnings(&s);
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
    // `--fidelity` is compiled in, so it meets the limits the file's own key would (an error
    // names the flag and the key it hit).
    let overrides = scenarios::Overrides {
        fidelity: fidelity.map(|f| match f {
            FidelityArg::Fluid => sim_core::spec::Fidelity::Fluid,
            FidelityArg::Packet => sim_core::spec::Fidelity::Packet,
        }),
    };
    let s = match scenarios::resolve_with(&name, &overrides) {
        Ok(s) => s,
        Err(e) => return Ok(invalid(&e)),
    };
    check::print_warnings(&s);
    let seed = seed.unwrap_or(s.seed);
    let mut o = runner::run(&s, seed, RunOpts { keep_trace: trace.is_some(), progress: tty && !out.quiet && !out.json })?;
    if let Some(f) = fidelity {
        o.extra_args = format!(" --fidelity {}", if f == FidelityArg::Packet { "packet" } else { "fluid" });
    }
    if let (Some(path), Some(lines)) = (&trace, &o.trace) {
        let mut w = output::AtomicWriter::create(path)?;
        for line in lines {
            w.write_all(line.as_bytes()).and_then(|()| w.write_all(b"\n")).map_err(|e| w.error(e))?;
        }
        w.commit()?;
    }
    if let Some(path) = &svg {
        output::write_atomic(path, svg::render(&o)?.as_bytes())?;
    }
    emit::emit(&[o], out)
}

fn cmd_list(json: bool) -> anyhow::Result<u8> {
    let lib = scenarios::library();
    if json {
        let v = lib
            .iter()
            .map(|e| {
                let s = scenarios::load_library(e.name).ok();
                serde_json::json!({
                    "name": e.name,
                    "summary": s.as_ref().map(|s| s.summary.clone()),
                    "expect": scenarios::documented_verdict(e.text).map(Verdict::name),
                })
            })
            .collect::<Vec<_>>();
        let v = serde_json::json!({ "faultline": version::json(), "scenarios": v });
        output::out(&(serde_json::to_string_pretty(&v)? + "\n"));
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
        output::out(&text);
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
        compile: Some(tui_compiler(s.source.display_name())),
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
                output::err(&format!("error: cannot read the token file {}: {e}", path.display()));
                return Ok(EXIT_INVALID);
            }
        },
        None => std::env::var("FAULTLINE_TOKEN").ok(),
    };
    let (client, info) = match faultline_tui::attach::connect(addr, token) {
        Ok(c) => c,
        Err(e) => {
            output::err(&format!("error: cannot attach to {addr}: {e}"));
            output::err(&format!("  is `faultline live SCENARIO --api {addr}` running?"));
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
        compile: Some(tui_compiler(info.origin.clone())),
        judge: Some(judge(s)),
    };
    let origin = info.origin;
    let compile: faultline_tui::attach::Compile =
        std::sync::Arc::new(move |text: &str| scenarios::load_str(&origin, text).map(|s| s.spec).map_err(|e| e.to_string()));
    faultline_tui::attach::run(session, addr, client, compile)?;
    Ok(0)
}

/// The TUI's scenario compiler (for its exports and fresh fault ids): `faultline run`'s, with
/// every id of the file.
fn tui_compiler(origin: String) -> faultline_tui::Compiler {
    faultline_tui::Compiler::new(move |text| {
        let s = scenarios::load_str(&origin, text).map_err(|e| e.to_string())?;
        Ok(faultline_tui::Compiled { ids: s.ids(), seed: s.seed, spec: s.spec })
    })
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
