//! `faultline sweep`: one scenario over a range of seeds, in parallel, with percentiles of
//! detection and recovery and the failing seeds. Results are collected in seed order, so
//! they are identical for any `--jobs`.

use indicatif::ProgressBar;
use rayon::prelude::*;
use scenarios::{Scenario, Verdict};
use serde_json::{Value, json};
use sim_core::SimOptions;

use crate::outcome::shell_word;

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
    #[arg(long)]
    pub json: bool,
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn cmd_sweep(a: &SweepArgs, tty: bool) -> anyhow::Result<u8> {
    let s = match scenarios::resolve(&a.scenario) {
        Ok(s) => s,
        Err(e) => return Ok(crate::invalid(&e)),
    };
    let seeds = match parse_seeds(&a.seeds) {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("error: {msg}");
            return Ok(crate::EXIT_INVALID);
        }
    };
    let jobs = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let result = sweep(&s, seeds, jobs, tty && !a.quiet && !a.json)?;
    if a.json {
        crate::print_stdout(&(serde_json::to_string_pretty(&result.json())? + "\n"));
    } else if a.quiet {
        crate::print_stdout(&format!(
            "{}: {} ({} runs, digest {})\n",
            result.scenario,
            result.verdict().name(),
            result.results.len(),
            result.digest()
        ));
    } else {
        crate::print_stdout(&result.human());
    }
    Ok(result.verdict().exit_code() as u8)
}

#[derive(Clone, Debug)]
pub struct SeedResult {
    pub seed: u64,
    pub verdict: Verdict,
    pub fingerprint: String,
    pub detect_s: Vec<f64>,
    pub recover_s: Vec<f64>,
    /// Faults that never recovered in this run.
    pub unrecovered: usize,
}

#[derive(Clone, Debug)]
pub struct Sweep {
    pub scenario: String,
    pub origin: String,
    pub results: Vec<SeedResult>,
    pub wall_s: f64,
    pub jobs: usize,
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
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    let b = if inclusive { b.checked_add(1).ok_or_else(bad)? } else { b };
    if b <= a {
        return Err(format!("--seeds `{s}` is empty"));
    }
    if b - a > 100_000_000 {
        return Err(format!("--seeds `{s}`: more than 100,000,000 seeds"));
    }
    Ok(a..b)
}

fn one(s: &Scenario, seed: u64) -> anyhow::Result<SeedResult> {
    let mut sim = scenarios::prepare(s, seed, SimOptions::default())?;
    sim.run();
    let report = sim.report();
    let (verdict, _) = scenarios::evaluate(s, &report);
    Ok(SeedResult {
        seed,
        verdict,
        fingerprint: report.fingerprint.clone(),
        detect_s: report.faults.iter().filter_map(|f| f.detect_s).collect(),
        recover_s: report.faults.iter().filter_map(|f| f.recover_s).collect(),
        unrecovered: report.faults.iter().filter(|f| f.recover_s.is_none()).count(),
    })
}

pub fn sweep(s: &Scenario, seeds: std::ops::Range<u64>, jobs: usize, progress: bool) -> anyhow::Result<Sweep> {
    let start = std::time::Instant::now();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build()?;
    let bar = if progress { ProgressBar::new(seeds.end - seeds.start) } else { ProgressBar::hidden() };
    let results: Vec<anyhow::Result<SeedResult>> = pool.install(|| {
        seeds
            .into_par_iter()
            .map(|seed| {
                let r = one(s, seed);
                bar.inc(1);
                r
            })
            .collect()
    });
    bar.finish_and_clear();
    let results = results.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Sweep { scenario: s.name.clone(), origin: s.source.display_name(), results, wall_s: start.elapsed().as_secs_f64(), jobs })
}

pub use scenarios::percentile;

fn dist(mut v: Vec<f64>) -> Value {
    v.sort_by(f64::total_cmp);
    json!({ "count": v.len(), "p50": percentile(&v, 0.5), "p99": percentile(&v, 0.99), "max": v.last() })
}

impl Sweep {
    pub fn count(&self, v: Verdict) -> usize {
        self.results.iter().filter(|r| r.verdict == v).count()
    }

    /// The worst verdict over all seeds.
    pub fn verdict(&self) -> Verdict {
        if self.count(Verdict::Fail) > 0 {
            Verdict::Fail
        } else if self.count(Verdict::Inconclusive) > 0 {
            Verdict::Inconclusive
        } else {
            Verdict::Pass
        }
    }

    /// A digest of every seed's fingerprint, in seed order: equal sweeps have equal digests.
    pub fn digest(&self) -> String {
        let mut text = String::new();
        for r in &self.results {
            text.push_str(&r.fingerprint);
        }
        format!("{:016x}", sim_core::rng::fnv1a(text.as_bytes()))
    }

    fn reproduce(&self, seed: u64) -> String {
        format!("faultline run {} --seed {seed}", shell_word(&self.origin))
    }

    pub fn json(&self) -> Value {
        let failing: Vec<Value> = self
            .results
            .iter()
            .filter(|r| r.verdict != Verdict::Pass)
            .map(|r| json!({ "seed": r.seed, "verdict": r.verdict.name(), "fingerprint": r.fingerprint, "reproduce": self.reproduce(r.seed) }))
            .collect();
        json!({
            "scenario": self.scenario,
            "runs": self.results.len(),
            "pass": self.count(Verdict::Pass),
            "fail": self.count(Verdict::Fail),
            "inconclusive": self.count(Verdict::Inconclusive),
            "verdict": self.verdict().name(),
            "detect_s": dist(self.results.iter().flat_map(|r| r.detect_s.iter().copied()).collect()),
            "recover_s": dist(self.results.iter().flat_map(|r| r.recover_s.iter().copied()).collect()),
            "unrecovered_faults": self.results.iter().map(|r| r.unrecovered).sum::<usize>(),
            "failing_seeds": failing,
            "digest": self.digest(),
            "stats": { "jobs": self.jobs, "wall_s": self.wall_s },
        })
    }

    pub fn human(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let (a, b) = (self.results.first().map_or(0, |r| r.seed), self.results.last().map_or(0, |r| r.seed));
        let _ = writeln!(
            out,
            "sweep {}  seeds {a}..={b}  ({} runs, {} jobs, {:.1}s)",
            self.scenario,
            self.results.len(),
            self.jobs,
            self.wall_s
        );
        let _ = writeln!(
            out,
            "pass {}  fail {}  inconclusive {}",
            self.count(Verdict::Pass),
            self.count(Verdict::Fail),
            self.count(Verdict::Inconclusive)
        );
        out.push('\n');
        let row = |name: &str, mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            let f = |x: Option<f64>| crate::human::secs(x);
            vec![name.to_string(), v.len().to_string(), f(percentile(&v, 0.5)), f(percentile(&v, 0.99)), f(v.last().copied())]
        };
        let rows = vec![
            row("detect", self.results.iter().flat_map(|r| r.detect_s.iter().copied()).collect()),
            row("recover", self.results.iter().flat_map(|r| r.recover_s.iter().copied()).collect()),
        ];
        out.push_str(&crate::human::table(&["metric", "faults", "p50", "p99", "max"], &rows));
        let failing: Vec<&SeedResult> = self.results.iter().filter(|r| r.verdict != Verdict::Pass).collect();
        if !failing.is_empty() {
            out.push('\n');
            for r in failing.iter().take(20) {
                let _ = writeln!(out, "{} seed {}: reproduce: {}", r.verdict.name(), r.seed, self.reproduce(r.seed));
            }
            if failing.len() > 20 {
                let _ = writeln!(out, "… and {} more (see --json)", failing.len() - 20);
            }
        }
        out.push('\n');
        let _ = writeln!(out, "verdict  {}", self.verdict().name());
        let _ = writeln!(out, "digest   {}", self.digest());
        out
    }
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
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), Some(50.0));
        assert_eq!(percentile(&v, 0.99), Some(99.0));
        assert_eq!(percentile(&[], 0.5), None);
    }
}
