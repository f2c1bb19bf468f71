//! `faultline`: run, check and sweep scenarios of multicloud interconnect failures.
//!
//! Exit codes: 0 pass, 1 an expectation failed, 2 inconclusive, 3 invalid input (a
//! scenario file or the command line), 4 its own output could not be written, 130/143
//! stopped by SIGINT/SIGTERM. Nothing a user writes makes it panic.

mod annotations;
mod check;
mod color;
mod completions;
mod control;
mod diff;
mod emit;
mod html;
mod human;
mod import;
mod interrupt;
mod json;
mod junit;
mod limits;
mod live_cmd;
mod mcp;
mod merge;
mod outcome;
mod output;
mod runner;
mod shard;
mod shrink_cmd;
mod svg;
mod sweep;
mod trace;
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
#[command(after_help = "Examples:
  faultline run channel-cut --seed 7            one library scenario, one seed
  faultline check scenarios-data/ -q            every scenario in a directory, for CI
  faultline sweep channel-cut --seeds 1..=100   percentiles over 100 seeds

Exit codes: 0 pass, 1 an expectation failed, 2 inconclusive, 3 invalid input, 4 output could not be written, 130/143 stopped by SIGINT/SIGTERM.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    budget: limits::BudgetArgs,
    #[command(flatten)]
    control: control::ControlArgs,
    #[command(flatten)]
    color: color::ColorArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run one scenario (a path or a library name; the flagship scenario by default).
    #[command(after_help = "Examples:
  faultline run                                 the flagship scenario (facility-power-loss)
  faultline run channel-cut --seed 7            a library scenario with another seed
  faultline run my.toml --json --trace t.jsonl  a file; JSON on stdout, the trace to t.jsonl
  faultline import terraform plan.json | faultline run -   a scenario from standard input")]
    Run {
        /// A scenario file (`my.toml`), `-` for standard input, or a library name (`faultline
        /// list`); default: the flagship scenario.
        #[arg(value_name = "SCENARIO")]
        scenario: Option<String>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Simulate every traffic group at this fidelity: `fluid` or `packet` (smoltcp TCP).
        #[arg(long, value_enum)]
        fidelity: Option<FidelityArg>,
        #[command(flatten)]
        out: OutputArgs,
        /// Write the trace as JSON lines, one per event (`-`: standard output).
        #[arg(long, value_name = "FILE")]
        trace: Option<PathBuf>,
        /// Write the throughput timeline as SVG, fault windows shaded (`-`: standard output).
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Write the run's HTML report (the same as `faultline report --html`; `-`: standard
        /// output).
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        #[command(flatten)]
        ann: annotations::AnnotationArgs,
    },
    /// Run one scenario and write its report for a postmortem: one self-contained HTML file.
    #[command(after_help = "Examples:
  faultline report ashburn-facility-power-2018 --html ash.html   the 2018 Ashburn replay
  faultline report my.toml --seed 7 --html r.html --svg r.svg   a file with another seed, and its chart
  faultline report dr.toml --html dr.html --annotations a.json  with Grafana annotations of the same run")]
    Report {
        /// A scenario file (`my.toml`), `-` for standard input, or a library name (`faultline list`).
        #[arg(value_name = "SCENARIO")]
        scenario: String,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Simulate every traffic group at this fidelity: `fluid` or `packet` (smoltcp TCP).
        #[arg(long, value_enum)]
        fidelity: Option<FidelityArg>,
        /// Where to write the HTML report (`-`: standard output, the verdict line then on
        /// stderr).
        #[arg(long, value_name = "FILE")]
        html: PathBuf,
        /// Also write the throughput timeline as SVG (`-`: standard output).
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        #[command(flatten)]
        ann: annotations::AnnotationArgs,
    },
    /// Run many scenarios (files, directories of *.toml, or library names) for CI.
    #[command(after_help = "Examples:
  faultline check scenarios-data/               every scenario under a directory
  faultline check a.toml channel-cut -q         a file and a library scenario, verdict lines only
  faultline check ci/ --junit report.xml        a JUnit report for the CI server too
  faultline import terraform plan.json | faultline check -   a scenario from standard input")]
    Check {
        /// Scenario files, directories (searched for *.toml with a [scenario] table), `-` for
        /// standard input, or library names.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Run one scenario over a range of seeds in parallel (or one shard of them).
    #[command(after_help = "Examples:
  faultline sweep channel-cut --seeds 1..=100           100 seeds on every core
  faultline sweep my.toml --shard 0/4 -o shard0.ndjson  one of 4 shards, for `merge`
  faultline sweep channel-cut --vary bfd.interval=100ms..1s:4 --budget 10m")]
    Sweep(sweep::SweepArgs),
    /// Combine the NDJSON of sharded sweeps into the unsharded sweep's summary.
    #[command(after_help = "Examples:
  faultline merge shard*.ndjson                 the summary of the whole sweep
  faultline merge shards/ --json                the same as JSON")]
    Merge(merge::MergeArgs),
    /// Shrink a failing scenario to a smaller one that fails the same expectation.
    #[command(after_help = "Examples:
  faultline shrink my.toml --seed 7 -o small.toml")]
    Shrink(shrink_cmd::ShrinkArgs),
    /// Compare two run or sweep JSON outputs: what changed, per fault, group and percentile.
    #[command(after_help = "Examples:
  faultline diff old.json new.json              what changed between two `run --json` outputs
  faultline diff base.json pr.json --fail-on-regression --tolerance 5%")]
    Diff(diff::DiffArgs),
    /// Check scenario files without running them.
    #[command(after_help = "Examples:
  faultline validate my.toml                    errors name file:line:column, exit 3
  faultline validate scenarios-data/            every scenario under a directory")]
    Validate {
        /// Scenario files, directories (searched for *.toml with a [scenario] table), `-` for
        /// standard input, or library names.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
    },
    /// Write a scenario of what an infrastructure definition describes (Terraform).
    #[command(after_help = "Examples:
  faultline import terraform plan.json -o ic.toml   a commented scenario of a plan
  terraform show -json tfplan | faultline import terraform - | faultline run -")]
    Import {
        #[command(subcommand)]
        from: ImportFrom,
    },
    /// List the embedded scenario library.
    #[command(after_help = "Examples:
  faultline list                                names and summaries
  faultline list --json                         the same, with each one's documented verdict")]
    List {
        /// One JSON object on stdout: every scenario's name, summary and documented verdict.
        #[arg(long)]
        json: bool,
    },
    /// Show a scenario's topology, timers, faults and expectations.
    #[command(after_help = "Examples:
  faultline show channel-cut                    a library scenario
  faultline show my.toml                        a file, as the simulator compiled it")]
    Show {
        /// A scenario file, `-` for standard input, or a library name (`faultline list`).
        scenario: String,
    },
    /// Print the JSON Schema of the scenario format.
    #[command(after_help = "Examples:
  faultline schema > faultline.schema.json      for an editor's TOML language server")]
    Schema,
    /// Run a scenario paced by the wall clock, with real TCP through its `[[proxy]]` tables
    /// and a control API (native and Toxiproxy-compatible).
    #[command(after_help = "Examples:
  faultline live my.toml --speed 10             ten simulated seconds per wall second
  faultline live my.toml --hold --token-file t  keep the proxies up; the API token in t")]
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
        /// Write the scenario with the injected faults scripted in to FILE (`-`: standard
        /// output, the summary then on stderr).
        #[arg(long, value_name = "FILE")]
        export: Option<PathBuf>,
        /// One JSON object on stdout: the `run` object plus `live`.
        #[arg(long)]
        json: bool,
    },
    /// Explore a scenario interactively in the terminal, or follow a `faultline live` run.
    #[command(after_help = "Examples:
  faultline tui                                 the flagship scenario
  faultline tui channel-cut --seed 7            a library scenario with another seed
  faultline tui --attach 127.0.0.1:8474         follow a `faultline live` run")]
    Tui {
        /// A scenario file or a library name (`faultline list`); default: the flagship
        /// scenario.
        #[arg(conflicts_with = "attach")]
        scenario: Option<String>,
        /// Override the scenario's seed.
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
    /// Serve the Model Context Protocol on standard input and output, for agents: list,
    /// show, validate, run, sweep, shrink, explain and import as read-only tools.
    #[command(after_help = "Examples:
  faultline mcp                                 scenario text and library names only
  faultline mcp --root ~/net                    also scenario files under ~/net
  faultline mcp --root . --timeout 30s          each run stopped after 30 s of wall time

Each run gets a 120 s --timeout unless one is given, so no request runs forever.
An agent's configuration (Claude Desktop, VS Code): {\"command\": \"faultline\", \"args\": [\"mcp\", \"--root\", \"/path/to/scenarios\"]}")]
    Mcp {
        /// Let tools read files under DIR (paths relative to it; `..` and symbolic links out
        /// of it refused). Without it, tools read no files at all.
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// Run at most N simulations at once over all calls and tasks (default: one per
        /// core); a call that finds none free waits, and is refused as busy when 4 x N wait.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        max_running: Option<u16>,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "Examples:
  source <(faultline completions bash)          this bash session
  faultline completions zsh > ~/.zfunc/_faultline
  faultline completions fish > ~/.config/fish/completions/faultline.fish")]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory.
    #[command(after_help = "Examples:
  faultline man | man -l -                      read it now
  faultline man --dir /usr/local/share/man/man1 faultline.1 and faultline-run.1, ...")]
    Man {
        /// Write faultline.1 and one faultline-COMMAND.1 per command into DIR instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// What `faultline import` reads.
#[derive(Subcommand, Debug)]
enum ImportFrom {
    /// Read `terraform show -json` output (a plan or a state) and write a scenario of its
    /// interconnects, VPNs and a default set of faults (README "Importing from Terraform").
    #[command(after_help = "Examples:
  terraform show -json tfplan > plan.json && faultline import terraform plan.json
  faultline import terraform plan.json | faultline run -   a first answer in one line
  faultline import terraform - -o ic.toml < state.json       from standard input, to a file")]
    Terraform {
        /// The JSON file (`terraform show -json` output), or `-` for standard input.
        #[arg(value_name = "FILE")]
        file: String,
        /// Write the scenario to FILE (atomically) instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
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
    /// Write a JUnit XML report (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    // Set when another output owns standard output (`--svg -`): the summary goes to stderr.
    #[arg(skip)]
    summary_to_stderr: bool,
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
    // An agent's request must not run forever: `mcp` gives each run a wall budget unless
    // `--timeout` sets one.
    let mut budget = cli.budget.clone();
    if matches!(cli.command, Command::Mcp { .. }) && budget.timeout.is_none() {
        budget.timeout = Some(mcp::DEFAULT_TIMEOUT);
    }
    limits::install(&budget);
    control::install(&cli.control);
    color::init(cli.color.color);
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
        // A closed pipe (`| head -1`) stopped a streaming command before its end: say so,
        // since `exit_code` prints nothing for a reader that merely went away.
        if output::stdout_closed() {
            output::err("faultline: standard output was closed by its reader; stopped before the end (exit 4)");
        }
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
    if matches!(cmd, Command::Run { .. } | Command::Report { .. } | Command::Check { .. } | Command::Sweep(_)) {
        interrupt::install();
    }
    match cmd {
        Command::Run { scenario, seed, fidelity, out, trace, svg, html, ann } => {
            cmd_run(scenario, seed, fidelity, &out, Files { trace, svg, html, ann }, tty)
        }
        Command::Report { scenario, seed, fidelity, html, svg, ann } => {
            let out = OutputArgs { json: false, quiet: true, junit: None, summary_to_stderr: false };
            cmd_run(Some(scenario), seed, fidelity, &out, Files { trace: None, svg, html: Some(html), ann }, tty)
        }
        Command::Check { paths, out } => check::cmd_check(&paths, &out),
        Command::Sweep(a) => sweep::cmd_sweep(&a, tty),
        Command::Merge(a) => merge::cmd_merge(&a),
        Command::Shrink(a) => shrink_cmd::cmd_shrink(&a),
        Command::Diff(a) => diff::cmd_diff(&a),
        Command::Validate { paths } => Ok(check::cmd_validate(&paths)),
        Command::List { json } => cmd_list(json),
        Command::Import { from: ImportFrom::Terraform { file, output } } => import::cmd_terraform(&file, output.as_deref()),
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
        Command::Mcp { root, max_running } => mcp::cmd_mcp(root.as_deref(), max_running.map(usize::from)),
        Command::Completions { shell } => completions::completions::<Cli>(shell),
        Command::Man { dir } => completions::man::<Cli>(dir.as_deref()),
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

/// The files `run` and `report` write besides their output.
struct Files {
    trace: Option<PathBuf>,
    svg: Option<PathBuf>,
    html: Option<PathBuf>,
    ann: annotations::AnnotationArgs,
}

fn cmd_run(
    scenario: Option<String>,
    seed: Option<u64>,
    fidelity: Option<FidelityArg>,
    out: &OutputArgs,
    files: Files,
    tty: bool,
) -> anyhow::Result<u8> {
    let Files { trace, svg, html, ann } = files;
    let mut out = out.clone();
    let claims = [
        ("--json", out.json),
        ("--junit -", out.junit.as_deref().is_some_and(output::is_stdout)),
        ("--trace -", trace.as_deref().is_some_and(output::is_stdout)),
        ("--svg -", svg.as_deref().is_some_and(output::is_stdout)),
        ("--html -", html.as_deref().is_some_and(output::is_stdout)),
        ("--annotations -", ann.annotations.as_deref().is_some_and(output::is_stdout)),
    ];
    match output::stdout_owner(&claims) {
        Ok(owner) => out.summary_to_stderr = owner.is_some_and(|f| f != "--json"),
        Err(msg) => {
            output::err(&format!("error: {msg}"));
            return Ok(EXIT_INVALID);
        }
    }
    let out = &out;
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
        output::write_atomic(path, svg::render(&o, Some(&s.expect)).as_bytes())?;
    }
    if let Some(path) = &html {
        output::write_atomic(path, html::run(&o, &s).as_bytes())?;
    }
    ann.write(&o, &s.expect)?;
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
        control: scenarios::control(),
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
        control: scenarios::control(),
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

#[cfg(test)]
mod cli_tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every command has a one-line summary and examples, every argument a help line (the
    /// generated completions and man pages show the same text).
    #[test]
    fn every_command_and_argument_has_help() {
        let cmd = Cli::command();
        cmd.clone().debug_assert();
        let mut missing = vec![];
        let mut visit = vec![cmd];
        while let Some(c) = visit.pop() {
            let name = c.get_bin_name().unwrap_or(c.get_name()).to_string();
            if c.get_about().is_none() && c.get_name() != "faultline" {
                missing.push(format!("{name}: no about"));
            }
            if c.get_name() != "faultline" && c.get_after_help().is_none_or(|h| !h.to_string().contains("faultline ")) {
                missing.push(format!("{name}: no example"));
            }
            for a in c.get_arguments() {
                if a.get_help().is_none_or(|h| h.to_string().trim().is_empty()) {
                    missing.push(format!("{name} {}: no help", a.get_id()));
                }
            }
            visit.extend(c.get_subcommands().cloned());
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }
}
