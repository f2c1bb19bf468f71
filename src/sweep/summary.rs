//! The summary of a sweep, built run by run in run order: counts, exact nearest-rank
//! percentiles, the failing seeds, the digest, the `[sweep]` gates. `sweep` and `merge` feed
//! the same [`Collector`] the same runs in the same order, so they print the same bytes (but
//! for the timing fields: `jobs` and `wall_s`).
//!
//! Memory: nothing per run is kept but its fault times (8 bytes for each measured detect
//! and recover time: the exact percentiles need every value) and, for a run that did not
//! pass, its seed, fingerprint and failed expectation names. The digest is folded as runs
//! arrive.

use std::fmt::Write;
use std::ops::Range;

use scenarios::{Check, SweepStats, Verdict};
use serde_json::{Value, json};

use super::plan::Plan;
use super::result::SeedResult;
use crate::interrupt::Signal;
use crate::outcome::shell_word;
use crate::shard::Shard;
use crate::vary::Vary;

pub use scenarios::percentile;

/// FNV-1a folded incrementally: equal to `sim_core::rng::fnv1a` over the concatenation.
#[derive(Clone, Copy, Debug)]
pub struct Fnv(u64);

impl Fnv {
    pub fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub fn hex(self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The size of a failing run's entry (its heap parts aside), for the memory estimate.
pub const FAILING_BYTES: u64 = std::mem::size_of::<Failing>() as u64;

#[derive(Clone, Debug)]
struct Failing {
    seed: u64,
    verdict: Verdict,
    fingerprint: String,
    failed: Vec<String>,
}

/// One point's runs so far.
#[derive(Clone, Debug)]
struct Tally {
    runs: usize,
    pass: usize,
    fail: usize,
    inconclusive: usize,
    detect: Vec<f64>,
    recover: Vec<f64>,
    unrecovered: usize,
    /// Runs a budget stopped before their end: their open faults are not known to be
    /// unrecovered, so they count here and not in `unrecovered`.
    stopped: usize,
    digest: Fnv,
    failing: Vec<Failing>,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            runs: 0,
            pass: 0,
            fail: 0,
            inconclusive: 0,
            detect: vec![],
            recover: vec![],
            unrecovered: 0,
            stopped: 0,
            digest: Fnv::new(),
            failing: vec![],
        }
    }

    /// What the gates (and the sweep's HTML) read; `detect` and `recover` are sorted by then.
    fn stats(&self) -> SweepStats<'_> {
        SweepStats {
            runs: self.runs,
            pass: self.pass,
            fail: self.fail,
            inconclusive: self.inconclusive,
            detect_s: &self.detect,
            recover_s: &self.recover,
            unrecovered: self.unrecovered,
        }
    }

    fn add(&mut self, r: &SeedResult) {
        self.runs += 1;
        match r.verdict {
            Verdict::Pass => self.pass += 1,
            Verdict::Fail => self.fail += 1,
            Verdict::Inconclusive => self.inconclusive += 1,
        }
        self.detect.extend(r.faults.iter().filter_map(|f| f.detect_s));
        self.recover.extend(r.faults.iter().filter_map(|f| f.recover_s));
        if r.inconclusive.iter().any(|c| c == scenarios::BUDGET_CHECK) {
            self.stopped += 1;
        } else {
            self.unrecovered += r.faults.iter().filter(|f| f.recover_s.is_none()).count();
        }
        self.digest.feed(r.fingerprint.as_bytes());
        if r.verdict != Verdict::Pass {
            self.failing.push(Failing { seed: r.seed, verdict: r.verdict, fingerprint: r.fingerprint.clone(), failed: r.failed.clone() });
        }
    }
}

/// Takes every run of a sweep (or of one shard) in run order.
pub struct Collector {
    tallies: Vec<Tally>,
    digest: Fnv,
}

impl Collector {
    pub fn new(plan: &Plan) -> Collector {
        Collector { tallies: vec![Tally::new(); plan.points.len()], digest: Fnv::new() }
    }

    pub fn add(&mut self, r: &SeedResult) {
        self.digest.feed(r.fingerprint.as_bytes());
        if let Some(t) = self.tallies.get_mut(r.point) {
            t.add(r);
        }
    }

    /// The summary. `covered` is the slice of runs this summary is about (all of them
    /// unless it is one shard's), `unrun` the runs in it that never started (a budget).
    pub fn finish(self, plan: &Plan, covered: Range<u64>, unrun: &[Range<u64>], shard: Option<Shard>, jobs: usize, wall_s: f64) -> Report {
        let mut points = Vec::new();
        for (i, mut t) in self.tallies.into_iter().enumerate() {
            t.detect.sort_by(f64::total_cmp);
            t.recover.sort_by(f64::total_cmp);
            let stats = t.stats();
            let point = &plan.points[i];
            let (mut verdict, gates) = scenarios::evaluate_sweep(&point.scenario.sweep, &stats);
            let unrun: Vec<Range<u64>> =
                unrun.iter().flat_map(|r| plan.split(r.clone())).filter(|(p, _)| *p == i).map(|(_, s)| s).collect();
            // Runs that never started are never a pass.
            if !unrun.is_empty() && verdict == Verdict::Pass {
                verdict = Verdict::Inconclusive;
            }
            let seeds = plan.split(covered.clone()).into_iter().find(|(p, _)| *p == i).map(|(_, s)| s);
            points.push(Summary { value: point.value.clone(), tally: t, verdict, gates, unrun, seeds });
        }
        Report {
            scenario: plan.base.name.clone(),
            origin: plan.base.source.display_name(),
            vary: plan.vary.clone(),
            seeds: plan.seeds.clone(),
            shard,
            covering: plan.describe(&covered),
            covered,
            points,
            digest: self.digest.hex(),
            jobs,
            wall_s,
            interrupted: None,
        }
    }
}

/// One point's finished summary.
#[derive(Clone, Debug)]
pub struct Summary {
    value: Option<String>,
    tally: Tally,
    pub verdict: Verdict,
    pub gates: Vec<Check>,
    /// Seed ranges (end exclusive) that never started.
    pub unrun: Vec<Range<u64>>,
    /// The seeds this summary covers (`None`: a shard with none of this point's runs).
    seeds: Option<Range<u64>>,
}

fn dist(v: &[f64]) -> Value {
    json!({ "count": v.len(), "p50": percentile(v, 0.5), "p99": percentile(v, 0.99), "max": v.last() })
}

fn ranges(r: &[Range<u64>]) -> Value {
    r.iter().map(|r| json!([r.start, r.end])).collect()
}

fn worst(vs: impl Iterator<Item = Verdict>) -> Verdict {
    vs.fold(Verdict::Pass, |w, v| match (w, v) {
        (Verdict::Fail, _) | (_, Verdict::Fail) => Verdict::Fail,
        (Verdict::Inconclusive, _) | (_, Verdict::Inconclusive) => Verdict::Inconclusive,
        _ => Verdict::Pass,
    })
}

/// A whole sweep's summary (or one shard's).
#[derive(Clone, Debug)]
pub struct Report {
    pub scenario: String,
    pub origin: String,
    pub vary: Option<Vary>,
    pub seeds: Range<u64>,
    pub shard: Option<Shard>,
    /// `seeds 301..401`: what the slice covers.
    pub covering: String,
    /// The runs (offsets into the plan's list) it covers.
    pub covered: Range<u64>,
    pub points: Vec<Summary>,
    /// Every run's fingerprint in run order, hashed.
    pub digest: String,
    pub jobs: usize,
    pub wall_s: f64,
    /// The signal that stopped the sweep before every run finished: the summary is partial.
    pub interrupted: Option<Signal>,
}

impl Report {
    /// The worst point's verdict (each point judged by its own gates).
    pub fn verdict(&self) -> Verdict {
        worst(self.points.iter().map(|p| p.verdict))
    }

    pub fn runs(&self) -> usize {
        self.points.iter().map(|p| p.tally.runs).sum()
    }

    pub fn unrun(&self) -> u64 {
        self.points.iter().flat_map(|p| p.unrun.iter()).map(|r| r.end - r.start).sum()
    }

    fn count(&self, f: impl Fn(&Tally) -> usize) -> usize {
        self.points.iter().map(|p| f(&p.tally)).sum()
    }

    /// `faultline run ORIGIN --seed N  # faultline 0.1.0 abc`; under `--vary`, the
    /// one-point sweep that replays it.
    fn reproduce(&self, p: &Summary, seed: u64) -> String {
        let tag = crate::version::tag();
        match (&self.vary, &p.value) {
            (Some(v), Some(value)) => format!(
                "faultline sweep {} --vary {} --seeds {seed}..={seed}  #{} {tag}",
                crate::outcome::origin_arg(&self.origin),
                shell_word(&format!("{}={value}", v.key)),
                crate::outcome::stdin_note(&self.origin)
            ),
            _ => crate::outcome::reproduce_line(&self.origin, seed, ""),
        }
    }

    fn shard_json(&self) -> Value {
        match &self.shard {
            None => Value::Null,
            Some(s) => json!({
                "index": s.index,
                "count": s.count,
                "from": s.from.name(),
                "runs": { "start": self.covered.start, "end": self.covered.end },
                "covering": self.covering,
            }),
        }
    }

    /// One point's keys (the whole object without `--vary`).
    fn point_json(&self, p: &Summary) -> Value {
        let t = &p.tally;
        let failing: Vec<Value> = t
            .failing
            .iter()
            .map(|f| {
                json!({
                    "seed": f.seed,
                    "verdict": f.verdict.name(),
                    "fingerprint": f.fingerprint,
                    "failed": f.failed,
                    "reproduce": self.reproduce(p, f.seed),
                })
            })
            .collect();
        json!({
            "runs": t.runs,
            "pass": t.pass,
            "fail": t.fail,
            "inconclusive": t.inconclusive,
            "verdict": p.verdict.name(),
            "detect_s": dist(&t.detect),
            "recover_s": dist(&t.recover),
            "unrecovered_faults": t.unrecovered,
            "stopped_by_budget": t.stopped,
            "failing_seeds": failing,
            "unrun": ranges(&p.unrun),
            "gates": p.gates.iter().map(|c| json!({
                "name": c.name,
                "pass": c.pass,
                "measured": c.measured,
                "limit": c.limit,
                "detail": c.detail,
            })).collect::<Vec<_>>(),
            "digest": t.digest.hex(),
        })
    }

    pub fn json(&self) -> Value {
        let mut v = match (&self.vary, self.points.as_slice()) {
            (None, [p]) => self.point_json(p),
            _ => json!({
                "runs": self.runs(),
                "pass": self.count(|t| t.pass),
                "fail": self.count(|t| t.fail),
                "inconclusive": self.count(|t| t.inconclusive),
                "verdict": self.verdict().name(),
                "digest": self.digest,
                "vary": self.vary.as_ref().map(|v| json!({ "key": v.key, "values": v.values })),
                "points": self.points.iter().map(|p| {
                    let mut o = self.point_json(p);
                    o["key"] = json!(self.vary.as_ref().map(|v| v.key.clone()));
                    o["value"] = json!(p.value);
                    o
                }).collect::<Vec<_>>(),
            }),
        };
        v["scenario"] = json!(self.scenario);
        v["faultline"] = crate::version::json();
        v["seeds"] = json!({ "start": self.seeds.start, "end": self.seeds.end });
        v["shard"] = self.shard_json();
        v["stats"] = json!({ "jobs": self.jobs, "wall_s": self.wall_s });
        // Partial: some runs of the slice never ran (a budget, a signal); `interrupted`
        // names the signal.
        v["partial"] = json!(self.unrun() > 0);
        v["interrupted"] = json!(self.interrupted.map(Signal::name));
        v
    }

    /// `sweep --html`: the summary as the HTML report reads it (src/html/sweep.rs).
    pub fn html(&self) -> String {
        let single = self.vary.is_none() && self.points.len() == 1;
        let label = |p: &Summary| match (&self.vary, &p.value) {
            (Some(v), Some(value)) => Some(format!("{}={value}", v.key)),
            _ => None,
        };
        let points = self
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| crate::html::SweepPoint {
                label: label(p),
                pointer: if single { String::new() } else { format!("/points/{i}") },
                stats: p.tally.stats(),
                verdict: p.verdict,
                gates: &p.gates,
                failing: p
                    .tally
                    .failing
                    .iter()
                    .map(|f| crate::html::FailingSeed {
                        seed: f.seed,
                        verdict: f.verdict,
                        fingerprint: f.fingerprint.clone(),
                        failed: f.failed.clone(),
                        reproduce: self.reproduce(p, f.seed),
                    })
                    .collect(),
            })
            .collect();
        crate::html::sweep(&crate::html::SweepView {
            scenario: &self.scenario,
            origin: &self.origin,
            seeds: self.seeds.clone(),
            verdict: self.verdict(),
            digest: &self.digest,
            points,
        })
    }

    /// `-q`: one line.
    pub fn quiet(&self) -> String {
        let unrun = match (self.unrun(), self.interrupted) {
            (0, _) => String::new(),
            (n, None) => format!(", {n} unrun"),
            (n, Some(sig)) => format!(", {n} unrun, interrupted by {}", sig.name()),
        };
        format!("{}: {} ({} runs{unrun}, digest {})\n", self.scenario, crate::color::word(self.verdict().name()), self.runs(), self.digest)
    }

    /// `shard 3/16 (0-based, from JOB_COMPLETION_INDEX) covering seeds 301..401`, or `None`.
    pub fn slice_line(&self) -> Option<String> {
        self.shard.map(|s| format!("{} covering {}", s.describe(), self.covering))
    }

    pub fn human(&self) -> String {
        let mut out = String::new();
        let seeds = |p: &Summary| match &p.seeds {
            Some(r) if r.end > r.start => format!("{}..={}", r.start, r.end - 1),
            _ => "(none)".to_string(),
        };
        let vary = self.vary.as_ref().map_or(String::new(), |v| format!("  --vary {} ({} values)", v.key, v.values.len()));
        let first = self.points.iter().find(|p| p.seeds.is_some()).or(self.points.first());
        let _ = writeln!(
            out,
            "sweep {}{vary}  seeds {}  ({} runs, {} jobs, {:.1}s)",
            self.scenario,
            first.map_or("(none)".to_string(), seeds),
            self.runs(),
            self.jobs,
            self.wall_s
        );
        if let Some(line) = self.slice_line() {
            let _ = writeln!(out, "{line}");
        }
        let tally = |tone, word: &str, n: usize| crate::color::count(tone, n, &format!("{word} {n}"));
        let _ = writeln!(
            out,
            "{}  {}  {}",
            tally(crate::color::Tone::Good, "pass", self.count(|t| t.pass)),
            tally(crate::color::Tone::Bad, "fail", self.count(|t| t.fail)),
            tally(crate::color::Tone::Unsure, "inconclusive", self.count(|t| t.inconclusive))
        );
        out.push('\n');
        let f = |x: Option<f64>| crate::human::secs(x);
        match (&self.vary, self.points.as_slice()) {
            (None, [p]) => {
                let row = |name: &str, v: &[f64]| {
                    vec![name.to_string(), v.len().to_string(), f(percentile(v, 0.5)), f(percentile(v, 0.99)), f(v.last().copied())]
                };
                let rows = vec![row("detect", &p.tally.detect), row("recover", &p.tally.recover)];
                out.push_str(&crate::human::table(&["metric", "faults", "p50", "p99", "max"], &rows));
                // The recover row counts only faults that recovered: say how many never did,
                // or a sweep whose faults never recover would show an empty row.
                if p.tally.unrecovered > 0 {
                    let _ = writeln!(
                        out,
                        "unrecovered  {} of {} faults never recovered (not in the recover row)",
                        p.tally.unrecovered,
                        p.tally.unrecovered + p.tally.recover.len()
                    );
                }
                if p.tally.stopped > 0 {
                    let _ = writeln!(
                        out,
                        "stopped      {} of {} runs stopped by a budget (inconclusive; faults still open when they stopped are not counted as unrecovered)",
                        p.tally.stopped, p.tally.runs
                    );
                }
            }
            _ => {
                let key = self.vary.as_ref().map_or("value", |v| v.key.as_str());
                let rows: Vec<Vec<String>> = self
                    .points
                    .iter()
                    .map(|p| {
                        let t = &p.tally;
                        vec![
                            p.value.clone().unwrap_or_default(),
                            t.runs.to_string(),
                            t.pass.to_string(),
                            t.fail.to_string(),
                            t.inconclusive.to_string(),
                            f(percentile(&t.detect, 0.5)),
                            f(percentile(&t.detect, 0.99)),
                            f(percentile(&t.recover, 0.5)),
                            f(percentile(&t.recover, 0.99)),
                            t.unrecovered.to_string(),
                            t.digest.hex(),
                        ]
                    })
                    .collect();
                out.push_str(&crate::human::table(
                    &[key, "runs", "pass", "fail", "inconcl.", "detect p50", "p99", "recover p50", "p99", "unrecovered", "digest"],
                    &rows,
                ));
            }
        }
        let label = |p: &Summary| match (&self.vary, &p.value) {
            (Some(v), Some(value)) => format!("{}={value} ", v.key),
            _ => String::new(),
        };
        let gates: Vec<Vec<String>> = self
            .points
            .iter()
            .flat_map(|p| {
                p.gates.iter().map(move |c| {
                    vec![format!("{}{}", label(p), c.name), crate::color::word(&c.status.name().to_uppercase()), c.detail.clone()]
                })
            })
            .collect();
        if !gates.is_empty() {
            out.push('\n');
            out.push_str(&crate::human::table(&["gate", "result", "measured"], &gates));
        }
        let failing: Vec<(&Summary, &Failing)> = self.points.iter().flat_map(|p| p.tally.failing.iter().map(move |f| (p, f))).collect();
        if !failing.is_empty() {
            out.push('\n');
            for (p, r) in failing.iter().take(20) {
                let _ = writeln!(
                    out,
                    "{} {}seed {}: reproduce: {}",
                    crate::color::word(r.verdict.name()),
                    label(p),
                    r.seed,
                    self.reproduce(p, r.seed)
                );
            }
            if failing.len() > 20 {
                let _ = writeln!(out, "… and {} more (see --json)", failing.len() - 20);
            }
        }
        out.push('\n');
        if let Some(sig) = self.interrupted {
            let _ = writeln!(
                out,
                "interrupted by {}: {} of {} runs ran; this summary is partial",
                sig.name(),
                self.runs(),
                self.covered.end - self.covered.start
            );
        }
        let why = match self.interrupted {
            Some(sig) => format!("interrupted by {} before they ran", sig.name()),
            None => "the --budget would run out before they finished (not started, or stopped at the budget and dropped)".to_string(),
        };
        for p in &self.points {
            for r in &p.unrun {
                // Inclusive, as the header writes its seeds.
                let _ =
                    writeln!(out, "unrun    {}seeds {}..={} ({} runs): {why}", label(p), r.start, r.end.saturating_sub(1), r.end - r.start);
            }
        }
        let _ = writeln!(out, "verdict  {}", crate::color::word(self.verdict().name()));
        let _ = writeln!(out, "digest   {}", self.digest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folded_digest_is_fnv1a_of_the_concatenation() {
        let parts = ["0313da447256cb68", "eea3f7ea420f4937", ""];
        let mut h = Fnv::new();
        for p in parts {
            h.feed(p.as_bytes());
        }
        assert_eq!(h.0, sim_core::rng::fnv1a(parts.concat().as_bytes()));
        assert_eq!(Fnv::new().0, sim_core::rng::fnv1a(b""));
    }

    #[test]
    fn worst_verdict() {
        use Verdict::*;
        assert_eq!(worst([Pass, Inconclusive, Pass].into_iter()), Inconclusive);
        assert_eq!(worst([Inconclusive, Fail].into_iter()), Fail);
        assert_eq!(worst(std::iter::empty()), Pass);
    }
}
