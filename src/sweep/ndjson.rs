//! The NDJSON a sharded sweep writes, one JSON object a line:
//!
//! 1. `{"type":"manifest", ...}`: written and flushed before any run starts: the faultline
//!    version, the scenario (name, origin, digest and full source text, so `merge` can
//!    recompile it for its `[sweep]` gates), the seeds, the shard and what it covers, the
//!    budget, the `--vary` values.
//! 2. `{"type":"seed", ...}` per run, in run order, as they finish: everything `merge` needs
//!    to rebuild the same summary (verdict, fingerprint, per-fault times, the failed
//!    expectations).
//! 3. `{"type":"end", ...}`: how many ran, the unrun seed ranges, the slice's verdict,
//!    digest, a hash of the seed lines' bytes (so `merge` notices an edited line), timing,
//!    and the signal that interrupted the sweep (`null` if none). A file without it is a
//!    shard that was killed or is still running.

use std::ops::Range;

use scenarios::Verdict;
use serde_json::{Value, json};

use super::plan::Plan;
use super::result::{FaultTimes, SeedResult};
use crate::interrupt::Signal;
use crate::shard::{Shard, Source};
use crate::vary::Vary;

/// The hex FNV-1a of a scenario's source text: equal digests, equal scenarios.
pub fn scenario_digest(source: &str) -> String {
    format!("{:016x}", sim_core::rng::fnv1a(source.as_bytes()))
}

#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    pub faultline: Value,
    pub scenario: String,
    pub origin: String,
    pub scenario_digest: String,
    pub source: String,
    pub seeds: Range<u64>,
    pub shard: Option<Shard>,
    /// The runs (offsets into the plan's list) the file covers.
    pub runs: Range<u64>,
    pub budget_s: Option<f64>,
    pub vary: Option<Vary>,
}

impl Manifest {
    pub fn new(plan: &Plan, shard: Option<Shard>, runs: Range<u64>, budget_s: Option<f64>) -> Manifest {
        Manifest {
            faultline: crate::version::json(),
            scenario: plan.base.name.clone(),
            origin: plan.base.source.display_name(),
            scenario_digest: scenario_digest(&plan.base.source.text),
            source: plan.base.source.text.clone(),
            seeds: plan.seeds.clone(),
            shard,
            runs,
            budget_s,
            vary: plan.vary.clone(),
        }
    }

    pub fn json(&self) -> Value {
        let range = |r: &Range<u64>| json!({ "start": r.start, "end": r.end });
        let seeds_of_slice = (self.vary.is_none()).then(|| range(&(self.seeds.start + self.runs.start..self.seeds.start + self.runs.end)));
        json!({
            "type": "manifest",
            "faultline": self.faultline,
            "scenario": self.scenario,
            "origin": self.origin,
            "scenario_digest": self.scenario_digest,
            "source": self.source,
            "seeds": range(&self.seeds),
            "shard": self.shard.map(|s| json!({
                "index": s.index,
                "count": s.count,
                "from": s.from.name(),
                "runs": range(&self.runs),
                "seeds": seeds_of_slice,
            })),
            "budget_s": self.budget_s,
            "vary": self.vary.as_ref().map(|v| json!({ "key": v.key, "values": v.values })),
        })
    }

    pub fn parse(v: &Value) -> Result<Manifest, String> {
        if v["type"] != "manifest" {
            return Err("the first line is not a faultline sweep manifest (`\"type\":\"manifest\"`)".into());
        }
        let range = |v: &Value, what: &str| -> Result<Range<u64>, String> {
            let a = v["start"].as_u64().ok_or_else(|| format!("`{what}.start` is not a whole number"))?;
            let b = v["end"].as_u64().ok_or_else(|| format!("`{what}.end` is not a whole number"))?;
            Ok(a..b)
        };
        let shard = match &v["shard"] {
            Value::Null => None,
            s => {
                let from = s["from"].as_str().and_then(Source::parse).ok_or("`shard.from` is not a known source")?;
                Some((Shard { index: u64_of(s, "index")?, count: u64_of(s, "count")?, from }, range(&s["runs"], "shard.runs")?))
            }
        };
        let vary = match &v["vary"] {
            Value::Null => None,
            x => Some(Vary {
                key: str_of(x, "key")?,
                values: x["values"]
                    .as_array()
                    .ok_or("`vary.values` is not a list")?
                    .iter()
                    .map(|s| s.as_str().map(str::to_string).ok_or("`vary.values` holds a non-string"))
                    .collect::<Result<_, _>>()?,
            }),
        };
        let seeds = range(&v["seeds"], "seeds")?;
        Ok(Manifest {
            faultline: v["faultline"].clone(),
            scenario: str_of(v, "scenario")?,
            origin: str_of(v, "origin")?,
            scenario_digest: str_of(v, "scenario_digest")?,
            source: str_of(v, "source")?,
            runs: shard.as_ref().map_or(0..0, |(_, r)| r.clone()),
            shard: shard.map(|(s, _)| s),
            seeds,
            budget_s: v["budget_s"].as_f64(),
            vary,
        })
    }
}

fn u64_of(v: &Value, key: &str) -> Result<u64, String> {
    v[key].as_u64().ok_or_else(|| format!("`{key}` is missing or not a whole number"))
}

fn str_of(v: &Value, key: &str) -> Result<String, String> {
    v[key].as_str().map(str::to_string).ok_or_else(|| format!("`{key}` is missing or not a string"))
}

/// A required key that may be `null`: a time that never happened. Present or not is
/// checked, so a line with a key removed is refused rather than read as "never".
fn time(v: &Value, key: &str, at: &str) -> Result<Option<f64>, String> {
    match v.get(key) {
        None => Err(format!("`{at}{key}` is missing")),
        Some(Value::Null) => Ok(None),
        Some(x) => match x.as_f64() {
            Some(t) if t.is_finite() && t >= 0.0 => Ok(Some(t)),
            Some(t) => Err(format!("`{at}{key}` is {t}: a time is a finite number of seconds, 0 or more")),
            None => Err(format!("`{at}{key}` is not a number")),
        },
    }
}

fn names(v: &Value, key: &str) -> Result<Vec<String>, String> {
    match v.get(key) {
        None => Err(format!("`{key}` is missing")),
        Some(Value::Array(a)) => {
            a.iter().map(|s| s.as_str().map(str::to_string).ok_or_else(|| format!("`{key}` holds a non-string"))).collect()
        }
        Some(_) => Err(format!("`{key}` is not a list")),
    }
}

fn field<'a>(v: &'a Value, key: &str, at: &str) -> Result<&'a Value, String> {
    v.get(key).ok_or_else(|| format!("`{at}{key}` is missing"))
}

pub fn seed_line(r: &SeedResult, vary: bool) -> Value {
    let mut v = json!({
        "type": "seed",
        "seed": r.seed,
        "verdict": r.verdict.name(),
        "fingerprint": r.fingerprint,
        "faults": r.faults.iter().map(|f| json!({
            "id": f.id,
            "kind": f.kind,
            "target": f.target,
            "detect_s": f.detect_s,
            "converge_s": f.converge_s,
            "recover_s": f.recover_s,
            "blackhole_s": f.blackhole_s,
            "lost_bytes": f.lost_bytes,
        })).collect::<Vec<_>>(),
        "failed": r.failed,
        "inconclusive": r.inconclusive,
    });
    if vary {
        v["point"] = json!(r.point);
    }
    v
}

/// Reads a seed line, refusing a missing key, a negative or non-finite time, and a verdict
/// its expectation lists contradict (a seed fails exactly when an expectation failed; a
/// pass has nothing inconclusive).
pub fn parse_seed(v: &Value) -> Result<SeedResult, String> {
    let verdict = field(v, "verdict", "")?.as_str().and_then(Verdict::parse).ok_or("`verdict` is not pass, fail or inconclusive")?;
    let faults = field(v, "faults", "")?
        .as_array()
        .ok_or("`faults` is not a list")?
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let at = format!("faults[{i}].");
            let text = |key: &str| field(f, key, &at)?.as_str().map(str::to_string).ok_or_else(|| format!("`{at}{key}` is not a string"));
            Ok(FaultTimes {
                id: text("id")?,
                kind: text("kind")?,
                target: text("target")?,
                detect_s: time(f, "detect_s", &at)?,
                converge_s: time(f, "converge_s", &at)?,
                recover_s: time(f, "recover_s", &at)?,
                blackhole_s: time(f, "blackhole_s", &at)?.ok_or_else(|| format!("`{at}blackhole_s` is null"))?,
                lost_bytes: field(f, "lost_bytes", &at)?.as_u64().ok_or_else(|| format!("`{at}lost_bytes` is not a whole number"))?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let point = match &v["point"] {
        Value::Null => 0,
        p => usize::try_from(p.as_u64().ok_or("`point` is not a whole number")?).map_err(|_| "`point` is too large")?,
    };
    let failed = names(v, "failed")?;
    let inconclusive = names(v, "inconclusive")?;
    let agrees = match verdict {
        Verdict::Fail => !failed.is_empty(),
        Verdict::Inconclusive => failed.is_empty(),
        Verdict::Pass => failed.is_empty() && inconclusive.is_empty(),
    };
    if !agrees {
        return Err(format!(
            "`verdict` is {} but `failed` is {failed:?} and `inconclusive` {inconclusive:?}: a seed fails exactly when an \
             expectation failed (the line was edited?)",
            verdict.name()
        ));
    }
    Ok(SeedResult { point, seed: u64_of(v, "seed")?, verdict, fingerprint: str_of(v, "fingerprint")?, faults, failed, inconclusive })
}

/// The trailer: what ran, what did not, and the slice's own verdict and timing.
#[derive(Clone, Debug, PartialEq)]
pub struct End {
    pub ran: u64,
    /// Unrun runs, as offsets into the plan's list.
    pub unrun: Vec<Range<u64>>,
    pub verdict: Verdict,
    pub digest: String,
    /// FNV-1a (hex) over the bytes of every seed line, newlines excluded, in order: any
    /// edit of a line (a verdict, a time, a failed name) changes it. It detects edits and
    /// corruption, not forgery: anyone can recompute it.
    pub lines_digest: String,
    pub jobs: usize,
    pub wall_s: f64,
    /// SIGINT or SIGTERM stopped the slice: its unrun runs were never meant to be skipped.
    pub interrupted: Option<Signal>,
}

impl End {
    pub fn json(&self, plan: &Plan) -> Value {
        let unrun: Vec<Value> = self
            .unrun
            .iter()
            .flat_map(|r| plan.split(r.clone()))
            .map(|(p, s)| if plan.vary.is_some() { json!([p, s.start, s.end]) } else { json!([s.start, s.end]) })
            .collect();
        json!({
            "type": "end",
            "ran": self.ran,
            "unrun": unrun,
            "verdict": self.verdict.name(),
            "digest": self.digest,
            "lines_digest": self.lines_digest,
            "jobs": self.jobs,
            "wall_s": self.wall_s,
            "interrupted": self.interrupted.map(Signal::name),
        })
    }

    pub fn parse(v: &Value, plan: &Plan) -> Result<End, String> {
        let mut unrun = Vec::new();
        for r in v["unrun"].as_array().ok_or("`unrun` is not a list")? {
            let nums: Vec<u64> = r.as_array().map(|a| a.iter().filter_map(Value::as_u64).collect()).unwrap_or_default();
            let (p, a, b) = match (plan.vary.is_some(), nums.as_slice()) {
                (false, [a, b]) => (0, *a, *b),
                (true, [p, a, b]) => (*p as usize, *a, *b),
                _ => return Err(format!("`unrun` entry {r} is not a seed range")),
            };
            let (Some(start), Some(last)) = (plan.offset(p, a), b.checked_sub(1).and_then(|l| plan.offset(p, l))) else {
                return Err(format!("`unrun` entry {r} is outside the sweep's seeds"));
            };
            if last < start {
                return Err(format!("`unrun` entry {r} is empty"));
            }
            unrun.push(start..last + 1);
        }
        Ok(End {
            ran: u64_of(v, "ran")?,
            unrun,
            verdict: v["verdict"].as_str().and_then(Verdict::parse).ok_or("`verdict` is not pass, fail or inconclusive")?,
            digest: str_of(v, "digest")?,
            lines_digest: str_of(v, "lines_digest")?,
            jobs: usize::try_from(u64_of(v, "jobs")?).unwrap_or(usize::MAX),
            wall_s: time(v, "wall_s", "")?.ok_or("`wall_s` is null")?,
            interrupted: match &v["interrupted"] {
                Value::Null => None,
                x => Some(x.as_str().and_then(Signal::parse).ok_or("`interrupted` is not null, \"SIGINT\" or \"SIGTERM\"")?),
            },
        })
    }
}
