//! `faultline sweep`: one scenario over a range of seeds (and, with `--vary`, over the
//! values of one assumption), in parallel, with percentiles of detection and recovery, the
//! failing seeds and a digest. Results are taken in run order, so they are identical for
//! any `--jobs` and for any sharding: `--shard I/N` (or a batch engine's index variable)
//! runs one contiguous slice and streams NDJSON that `faultline merge` turns back into
//! exactly the unsharded summary.

pub mod engine;
pub mod memory;
pub mod ndjson;
pub mod plan;
pub mod result;
pub mod summary;

use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use indicatif::ProgressBar;

use crate::output::AtomicWriter;
use crate::shard::Shard;
use ndjson::{End, Manifest};
use plan::Plan;
use summary::{Collector, Fnv, Report};

/// `faultline sweep`'s arguments (owned here so the command's options live with it).
#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// A scenario file or library name.
    pub scenario: String,
    /// Seeds to run: A..B (end exclusive) or A..=B.
    #[arg(long, default_value = "1..101")]
    pub seeds: String,
    /// Worker threads (default: all cores). The result does not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// One JSON object on stdout instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// Print only the verdict line (scenario, verdict, runs and digest).
    #[arg(long, short)]
    pub quiet: bool,
    /// Run shard I of N (0-based): seeds A + floor(I·len/N) .. A + floor((I+1)·len/N).
    /// Without it the shard comes from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID,
    /// AWS_BATCH_JOB_ARRAY_INDEX or CI_NODE_INDEX when one is set.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// The number of shards, for engines whose index variable comes without a total
    /// (Kubernetes Indexed Jobs; also FAULTLINE_SHARDS).
    #[arg(long, value_name = "N")]
    pub shards: Option<u64>,
    /// Write the NDJSON (manifest, one line per seed, trailer) to FILE; the summary still
    /// goes to standard output (`-`: the NDJSON to standard output, the summary to stderr).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Stream NDJSON to standard output even without a shard (a shard always does).
    #[arg(long)]
    pub ndjson: bool,
    /// Stop starting seeds once this much wall time is spent (`90s`, `10m`, `2h`): the
    /// seeds left are listed as unrun and make the sweep inconclusive.
    #[arg(long, value_name = "DURATION")]
    pub budget: Option<String>,
    /// Sweep an assumption too: KEY=A..B:N runs every seed at N values from A to B.
    #[arg(long, value_name = "KEY=A..B:N")]
    pub vary: Option<String>,
    /// Exit 0 once the slice ran and its NDJSON is written, whatever its verdict (for
    /// batch-engine workers that would retry a failed task: `merge` gives the verdict).
    /// Invalid input still exits 3.
    #[arg(long)]
    pub exit_zero: bool,
    /// Write the sweep's HTML report: the detect and recover distributions and the failing
    /// seeds with their reproduce lines (`-`: standard output, the summary then on stderr).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

fn invalid(msg: &str) -> anyhow::Result<u8> {
    crate::output::err(&format!("error: {msg}"));
    Ok(crate::EXIT_INVALID)
}

/// Parses `--budget`: a duration in the scenario format's units.
pub fn parse_budget(text: &str) -> Result<Duration, String> {
    scenarios::units::parse_duration(text).map(|d| Duration::from_nanos(d.0)).map_err(|e| format!("--budget: {e}"))
}

/// Where the NDJSON goes.
enum Sink {
    Stdout,
    /// `-o FILE`: a temporary file beside it, renamed into place once the end line is
    /// written (also when a signal stopped the sweep), so `FILE` is the old file or a whole
    /// new one. A shard killed outright leaves the temporary file, `.FILE.XXXXXX.tmp`.
    File(AtomicWriter),
}

impl Sink {
    /// Writes `text` and a newline, flushed (to the file, not to the disk).
    fn line(&mut self, text: &str) -> anyhow::Result<()> {
        match self {
            Sink::Stdout if crate::output::out(&format!("{text}\n")) => Ok(()),
            // The reader went away or the device is full: stop (main says why, exit 4).
            Sink::Stdout => Err(crate::output::StdoutFailed.into()),
            Sink::File(w) => Ok(w.line(text)?),
        }
    }
}

/// Creates the temporary file for `path`, and any missing parent directory (a shard
/// writing onto a fresh volume).
/// The `-o` file, refused (exit 3, before any run) when its directory does not exist: a
/// sweep creates no directories, like every other output of faultline.
fn create(path: &std::path::Path) -> anyhow::Result<AtomicWriter> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
        anyhow::bail!("cannot write {}: the directory {} does not exist (create it first)", path.display(), dir.display());
    }
    Ok(AtomicWriter::create(path)?)
}

pub fn cmd_sweep(a: &SweepArgs, tty: bool) -> anyhow::Result<u8> {
    let s = match scenarios::resolve(&a.scenario) {
        Ok(s) => s,
        Err(e) => return Ok(crate::invalid(&e)),
    };
    crate::check::print_warnings(&s);
    let seeds = match parse_seeds(&a.seeds) {
        Ok(r) => r,
        Err(msg) => return invalid(&msg),
    };
    let vary = match a.vary.as_deref().map(crate::vary::parse).transpose() {
        Ok(Some(v)) if v.values.is_empty() => return invalid(&format!("--vary `{}` gives no value", v.key)),
        Ok(v) => v,
        Err(msg) => return invalid(&msg),
    };
    let budget = match a.budget.as_deref().map(parse_budget).transpose() {
        Ok(b) => b,
        Err(msg) => return invalid(&msg),
    };
    let env = |k: &str| std::env::var_os(k).map(|v| v.to_string_lossy().into_owned());
    let shard = match crate::shard::detect(a.shard.as_deref(), a.shards, &env) {
        Ok(s) => s,
        Err(msg) => return invalid(&msg),
    };
    let plan = match Plan::new(s, vary, seeds) {
        Ok(p) => p,
        Err(e) => return Ok(crate::invalid(&e)),
    };
    if let Some(sh) = &shard
        && let Err(msg) = crate::shard::check_fits(sh, plan.runs())
    {
        return invalid(&msg);
    }
    // `-o -` is `--ndjson` spelt as a file: the NDJSON on standard output.
    let to_file = a.output.as_deref().filter(|p| !crate::output::is_stdout(p));
    let ndjson = shard.is_some() || a.output.is_some() || a.ndjson;
    let ndjson_flag = if a.output.is_some() {
        "-o -"
    } else if a.ndjson {
        "--ndjson"
    } else {
        "--shard (its NDJSON)"
    };
    let claims = [
        ("--json", a.json),
        (ndjson_flag, ndjson && to_file.is_none()),
        ("--html -", a.html.as_deref().is_some_and(crate::output::is_stdout)),
    ];
    let summary_to_stderr = match crate::output::stdout_owner(&claims) {
        Ok(owner) => owner.is_some_and(|f| f != "--json"),
        Err(msg) => return invalid(&msg),
    };
    let covered = shard.map_or(0..plan.runs(), |sh| sh.slice(plan.runs()));
    let jobs = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    // Before anything grows with the seeds: `jobs` runs held at once, each as large as its
    // estimate, and the per-seed results the summary keeps.
    let budget_mem = crate::limits::memory_budget();
    let per_sim = plan.points.iter().map(|p| sim_core::budget::Estimate::of(&p.scenario.spec).bytes()).max().unwrap_or(0);
    let sims = per_sim.saturating_mul(jobs as u64);
    if sims > budget_mem {
        let (sims_s, budget_s) = scenarios::units::approx_above(sims, budget_mem);
        return invalid(&format!(
            "--jobs {jobs}: {jobs} runs at once x {} each (the scenario's estimate) = {sims_s}, above the memory budget of {budget_s}: use fewer --jobs, or raise the budget with --max-memory",
            scenarios::units::approx_bytes(per_sim),
        ));
    }
    if let Err(msg) = memory::check(&plan, &covered, &format!("--seeds {}", a.seeds), budget_mem - sims) {
        return invalid(&format!("{msg}, or raise the budget with --max-memory"));
    }
    let mut sink = match (to_file, ndjson) {
        (Some(path), _) => match create(path) {
            Ok(w) => Some(Sink::File(w)),
            Err(e) => return invalid(&format!("{e:#}")),
        },
        (None, true) => Some(Sink::Stdout),
        (None, false) => None,
    };
    if let Some(sh) = shard {
        crate::output::err(&format!("{} covering {}", sh.describe(), plan.describe(&covered)));
    }
    let report = sweep(&plan, covered, shard, jobs, budget, sink.as_mut(), tty && !a.quiet && !a.json)?;
    if let Some(path) = &a.html {
        crate::output::write_atomic(path, report.html().as_bytes())?;
    }
    let ndjson_on_stdout = matches!(sink, Some(Sink::Stdout));
    if let Some(Sink::File(w)) = sink {
        w.commit()?;
    }
    if ndjson_on_stdout {
        // A stream for `merge`: the verdict line on stderr, as it always was.
        if !a.quiet {
            crate::output::err_raw(&report.quiet());
        }
    } else if a.json {
        crate::output::out(&(serde_json::to_string_pretty(&report.json())? + "\n"));
    } else if a.quiet {
        crate::output::summary(&report.quiet(), summary_to_stderr);
    } else {
        crate::output::summary(&report.human(), summary_to_stderr);
    }
    if let Some(sig) = report.interrupted {
        return Ok(sig.exit_code());
    }
    if a.exit_zero {
        return Ok(0);
    }
    Ok(report.verdict().exit_code() as u8)
}

/// Runs `covered` of `plan` (streaming NDJSON to `sink` if there is one) and summarises it.
fn sweep(
    plan: &Plan,
    covered: Range<u64>,
    shard: Option<Shard>,
    jobs: usize,
    budget: Option<Duration>,
    mut sink: Option<&mut Sink>,
    progress: bool,
) -> anyhow::Result<Report> {
    let start = std::time::Instant::now();
    if let Some(sink) = sink.as_deref_mut() {
        sink.line(&Manifest::new(plan, shard, covered.clone(), budget.map(|b| b.as_secs_f64())).json().to_string())?;
    }
    let bar = if progress { ProgressBar::new(covered.end - covered.start) } else { ProgressBar::hidden() };
    let mut collector = Collector::new(plan);
    let vary = plan.vary.is_some();
    let mut ran_count = 0u64;
    let mut lines = Fnv::new();
    let ran = engine::run(plan, covered.clone(), jobs, budget, |r| {
        if let Some(sink) = sink.as_deref_mut() {
            let text = ndjson::seed_line(&r, vary).to_string();
            lines.feed(text.as_bytes());
            sink.line(&text)?;
        }
        collector.add(&r);
        ran_count += 1;
        bar.inc(1);
        Ok(())
    })?;
    bar.finish_and_clear();
    let interrupted = match ran.stop {
        Some(engine::Stop::Signal(sig)) => Some(sig),
        Some(engine::Stop::Budget) | None => None,
    };
    let unrun: Vec<Range<u64>> = if ran.unrun.is_empty() { Vec::new() } else { vec![ran.unrun] };
    let wall_s = start.elapsed().as_secs_f64();
    let mut report = collector.finish(plan, covered, &unrun, shard, jobs, wall_s);
    report.interrupted = interrupted;
    if let Some(sink) = sink {
        let end = End {
            ran: ran_count,
            unrun,
            verdict: report.verdict(),
            digest: report.digest.clone(),
            lines_digest: lines.hex(),
            jobs,
            wall_s,
            interrupted,
        };
        sink.line(&end.json(plan).to_string())?;
    }
    Ok(report)
}

/// Parses `A..B` (end exclusive) or `A..=B`.
pub fn parse_seeds(s: &str) -> Result<std::ops::Range<u64>, String> {
    let bad = || format!("--seeds `{s}`: expected a range like 1..1000 or 1..=1000");
    let (a, b, inclusive) = if let Some((a, b)) = s.split_once("..=") {
        (a, b, true)
    } else if let Some((a, b)) = s.split_once("..") {
        (a, b, false)
    } else {
        return Err(bad());
    };
    let num = |t: &str| -> Result<u64, String> {
        t.trim().parse::<u64>().map_err(|e| match e.kind() {
            std::num::IntErrorKind::PosOverflow => {
                format!("--seeds `{s}`: {} is past the largest seed, {}", t.trim(), u64::MAX)
            }
            _ => bad(),
        })
    };
    let (a, b) = (num(a)?, num(b)?);
    let b = if inclusive {
        b.checked_add(1).ok_or_else(|| {
            format!("--seeds `{s}`: the range overflows: {b} is the largest seed, and an inclusive range needs one past its end")
        })?
    } else {
        b
    };
    if b <= a {
        return Err(format!("--seeds `{s}` is empty"));
    }
    if b - a > 100_000_000 {
        return Err(format!("--seeds `{s}`: more than 100,000,000 seeds"));
    }
    Ok(a..b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_parse_exclusive_and_inclusive() {
        assert_eq!(parse_seeds("1..4"), Ok(1..4));
        assert_eq!(parse_seeds("1..=4"), Ok(1..5));
        assert!(parse_seeds("4..1").is_err());
        assert!(parse_seeds("x..3").is_err());
        let e = parse_seeds("1..=18446744073709551615").expect_err("overflow");
        assert!(e.contains("overflows"), "{e}");
        let e = parse_seeds("1..18446744073709551616").expect_err("overflow");
        assert!(e.contains("past the largest seed"), "{e}");
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(summary::percentile(&v, 0.5), Some(50.0));
        assert_eq!(summary::percentile(&v, 0.99), Some(99.0));
        assert_eq!(summary::percentile(&[], 0.5), None);
    }

    /// `--vary` through the engine and the collector, without `vary::parse` (written
    /// elsewhere): two points of two seeds, run and summarised.
    #[test]
    fn vary_points_run_in_point_major_order() {
        let base = scenarios::load_library("channel-cut").expect("library scenario");
        let vary = crate::vary::Vary { key: "convergence".into(), values: vec!["1s".into(), "2s".into()] };
        let plan = Plan::new(base, Some(vary), 5..7).expect("plan");
        let mut seen = Vec::new();
        let ran = engine::run(&plan, 0..plan.runs(), 2, None, |r| {
            seen.push((r.point, r.seed));
            let line = ndjson::seed_line(&r, true);
            assert_eq!(line["point"], r.point);
            Ok(())
        })
        .expect("runs");
        assert!(ran.unrun.is_empty() && ran.stop.is_none());
        assert_eq!(seen, vec![(0, 5), (0, 6), (1, 5), (1, 6)]);
        let report = sweep(&plan, 0..4, None, 2, None, None, false).expect("sweep");
        let j = report.json();
        assert_eq!(j["runs"], 4);
        assert_eq!(j["points"][0]["value"], "1s");
        assert_eq!(j["points"][1]["runs"], 2);
        // The sensitivity table: a row per value under a header named by the key.
        let human = report.human();
        assert!(human.lines().any(|l| l.starts_with("convergence ") && l.contains("recover p50")), "{human}");
        assert!(human.lines().any(|l| l.starts_with("2s ")), "{human}");
        // A budget already spent starts nothing and lists every run, per point.
        let report = sweep(&plan, 0..4, None, 2, Some(Duration::ZERO), None, false).expect("sweep");
        assert_eq!(report.runs(), 0);
        assert_eq!(report.unrun(), 4);
        assert_eq!(report.verdict(), scenarios::Verdict::Inconclusive);
        assert_eq!(report.json()["points"][1]["unrun"], serde_json::json!([[5, 7]]));
    }

    #[test]
    fn budgets_parse() {
        assert_eq!(parse_budget("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_budget("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_budget("0s"), Ok(Duration::ZERO));
        assert!(parse_budget("soon").is_err());
    }
}
