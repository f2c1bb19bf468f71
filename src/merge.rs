//! `faultline merge FILES...`: combines the NDJSON of sharded sweeps into exactly the
//! summary, percentiles and digest the unsharded sweep prints (the same bytes but for the
//! timing fields `jobs` and `wall_s`), or fails (exit 3) naming the file, line and seed:
//! a missing shard or seed, a duplicated seed (even an identical one), a different
//! scenario, faultline version, seed range, `--vary` or shard count, a malformed line, a
//! shard that was killed before its end line or interrupted (SIGINT, SIGTERM). Seeds a shard's budget left unrun are listed
//! and make the merged sweep inconclusive.
//!
//! Files are read twice: once for their manifests (checked against each other), then one
//! at a time in shard order, streaming their seed lines into the same collector `sweep`
//! uses; nothing per seed is kept but what the summary needs.

use std::io::BufRead;
use std::ops::Range;
use std::path::PathBuf;

use serde_json::Value;

use crate::shard::{self, Shard, Source};
use crate::sweep::ndjson::{self, End, Manifest};
use crate::sweep::plan::Plan;
use crate::sweep::summary::{Collector, Fnv, Report};

/// `faultline merge`'s arguments.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// NDJSON files written by `faultline sweep --shard I/N` (or `-o FILE`), directories
    /// (every `*.ndjson` file in them), or `-` for standard input.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The sweep's JSON summary instead of the human one.
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON summary to FILE (what `sweep --json` prints; `-`: standard
    /// output, the human summary then on stderr).
    #[arg(long, value_name = "FILE")]
    pub json_out: Option<PathBuf>,
    /// Print only the verdict line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The files named, each directory replaced by its `*.ndjson` files in name order.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let entries = std::fs::read_dir(p).map_err(|e| format!("cannot read the directory {}: {e}", p.display()))?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "ndjson"))
            .collect();
        if found.is_empty() {
            return Err(format!("{} holds no *.ndjson file", p.display()));
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

pub fn cmd_merge(a: &MergeArgs) -> anyhow::Result<u8> {
    let claims = [("--json", a.json), ("--json-out -", a.json_out.as_deref().is_some_and(crate::output::is_stdout))];
    let summary_to_stderr = match crate::output::stdout_owner(&claims) {
        Ok(owner) => owner.is_some_and(|f| f != "--json"),
        Err(msg) => {
            crate::output::err(&format!("error: {msg}"));
            return Ok(crate::EXIT_INVALID);
        }
    };
    let files = match expand(&a.files) {
        Ok(f) => f,
        Err(msg) => {
            crate::output::err(&format!("error: {msg}"));
            return Ok(crate::EXIT_INVALID);
        }
    };
    let stdin = |p: &PathBuf| p.as_os_str() == scenarios::STDIN_ARG;
    let names: Vec<String> =
        files.iter().map(|p| if stdin(p) { scenarios::STDIN_NAME.to_string() } else { p.display().to_string() }).collect();
    let open = |i: usize| -> Result<Box<dyn BufRead>, String> {
        // Standard input is read once, within the memory budget, and kept: merge reads
        // each file twice (the manifests first, then the seeds).
        if stdin(&files[i]) {
            return scenarios::read_stdin()
                .map(|t| Box::new(std::io::Cursor::new(t.into_bytes())) as Box<dyn BufRead>)
                .map_err(|e| e.to_string());
        }
        std::fs::File::open(&files[i])
            .map(|f| Box::new(std::io::BufReader::new(f)) as Box<dyn BufRead>)
            .map_err(|e| format!("cannot read {}: {e}", names[i]))
    };
    let report = match merge(&names, &open) {
        Ok(r) => r,
        Err(msg) => {
            crate::output::err(&format!("error: {msg}"));
            return Ok(crate::EXIT_INVALID);
        }
    };
    let json = serde_json::to_string_pretty(&report.json())? + "\n";
    if let Some(path) = &a.json_out {
        crate::output::write_atomic(path, json.as_bytes())?;
    }
    if a.json {
        crate::output::out(&json);
    } else if a.quiet {
        crate::output::summary(&report.quiet(), summary_to_stderr);
    } else {
        crate::output::summary(&report.human(), summary_to_stderr);
    }
    Ok(report.verdict().exit_code() as u8)
}

/// Reads lines with their numbers (1-based), skipping blank ones.
struct Lines<'a> {
    name: &'a str,
    reader: Box<dyn BufRead>,
    number: usize,
}

impl Lines<'_> {
    fn next(&mut self) -> Result<Option<(usize, Value)>, String> {
        Ok(self.next_text()?.map(|(n, _, v)| (n, v)))
    }

    /// The next line's number, its text (without the newline) and its JSON.
    fn next_text(&mut self) -> Result<Option<(usize, String, Value)>, String> {
        loop {
            let mut text = String::new();
            let n = self.reader.read_line(&mut text).map_err(|e| format!("{}:{}: cannot read: {e}", self.name, self.number + 1))?;
            if n == 0 {
                return Ok(None);
            }
            self.number += 1;
            if text.trim().is_empty() {
                continue;
            }
            let cut = if text.ends_with('\n') { "" } else { " (the line is cut short: was the shard killed while writing?)" };
            let v: Value = serde_json::from_str(&text).map_err(|e| format!("{}:{}: not a JSON line: {e}{cut}", self.name, self.number))?;
            let bare = text.strip_suffix('\n').unwrap_or(&text);
            let bare = bare.strip_suffix('\r').unwrap_or(bare);
            return Ok(Some((self.number, bare.to_string(), v)));
        }
    }
}

/// One input: its manifest and the runs it covers.
struct Part {
    file: usize,
    manifest: Manifest,
    shard: Shard,
    runs: Range<u64>,
}

fn made_by(v: &Value) -> String {
    format!("faultline {} (commit {}, model {})", v["version"].as_str().unwrap_or("?"), v["commit"].as_str().unwrap_or("?"), v["model"])
}

/// Merges the files `names` (opened by `open`) into the sweep's report.
pub fn merge(names: &[String], open: &dyn Fn(usize) -> Result<Box<dyn BufRead>, String>) -> Result<Report, String> {
    let mut manifests = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let mut lines = Lines { name, reader: open(i)?, number: 0 };
        let (_, v) = lines.next()?.ok_or_else(|| format!("{name} is empty: the shard never started"))?;
        manifests.push(Manifest::parse(&v).map_err(|e| format!("{name}:1: {e}"))?);
    }
    let first = &manifests[0];
    let here = crate::version::json();
    if first.faultline != here {
        return Err(format!(
            "{} was made by {}, this is {}: merge with the build that ran the shards",
            names[0],
            made_by(&first.faultline),
            made_by(&here)
        ));
    }
    for (i, m) in manifests.iter().enumerate().skip(1) {
        let (a, b) = (&names[0], &names[i]);
        if m.faultline != first.faultline {
            return Err(format!(
                "{b} was made by {}, {a} by {}: merge shards of one build",
                made_by(&m.faultline),
                made_by(&first.faultline)
            ));
        }
        if m.scenario_digest != first.scenario_digest {
            return Err(format!(
                "{b} ran scenario `{}` (digest {}), {a} `{}` (digest {}): not shards of one sweep",
                m.scenario, m.scenario_digest, first.scenario, first.scenario_digest
            ));
        }
        if m.seeds != first.seeds {
            return Err(format!(
                "{b} is a sweep of seeds {}..{}, {a} of {}..{}: not shards of one sweep",
                m.seeds.start, m.seeds.end, first.seeds.start, first.seeds.end
            ));
        }
        if m.vary != first.vary {
            return Err(format!("{b} and {a} vary different values (--vary): not shards of one sweep"));
        }
    }
    if ndjson::scenario_digest(&first.source) != first.scenario_digest {
        return Err(format!("{}:1: the scenario's source does not match its digest (the file was edited?)", names[0]));
    }
    let base =
        scenarios::load_str(&first.origin, &first.source).map_err(|e| format!("{}: its scenario does not compile here: {e}", names[0]))?;
    let plan = Plan::new(base, first.vary.clone(), first.seeds.clone()).map_err(|e| format!("{}: {e}", names[0]))?;
    let total = plan.runs();
    if total == 0 {
        return Err(format!("{}:1: the manifest's sweep has no runs (`vary` with no value?)", names[0]));
    }
    let what = format!("{}:1: merging seeds {}..{}", names[0], plan.seeds.start, plan.seeds.end);
    crate::sweep::memory::check(&plan, &(0..total), &what, crate::limits::memory_budget())?;

    // Shards: one count, each index once, every index present.
    let mut parts: Vec<Part> = manifests
        .into_iter()
        .enumerate()
        .map(|(file, manifest)| {
            let shard = manifest.shard.unwrap_or(Shard { index: 0, count: 1, from: Source::Flag });
            let runs = shard.slice(total);
            Part { file, manifest, shard, runs }
        })
        .collect();
    let count = parts[0].shard.count;
    shard::check_fits(&parts[0].shard, total).map_err(|e| format!("{}:1: {e}", names[parts[0].file]))?;
    for p in &parts {
        if p.shard.count != count {
            return Err(format!(
                "{} is shard {}/{}, {} shard {}/{}: merge shards of one split",
                names[p.file], p.shard.index, p.shard.count, names[parts[0].file], parts[0].shard.index, count
            ));
        }
        if p.manifest.shard.is_some() && p.manifest.runs != p.runs {
            return Err(format!(
                "{}:1: the manifest's slice does not match shard {}/{} of {total} runs",
                names[p.file], p.shard.index, count
            ));
        }
    }
    parts.sort_by_key(|p| (p.shard.index, p.file));
    for w in parts.windows(2) {
        if w[0].shard.index == w[1].shard.index {
            let seed = describe_first(&plan, &w[0].runs);
            return Err(format!(
                "{} and {} are both shard {}/{count}: {seed} would be duplicated",
                names[w[0].file], names[w[1].file], w[0].shard.index
            ));
        }
    }
    let present: Vec<u64> = parts.iter().map(|p| p.shard.index).collect();
    let missing: Vec<u64> = (0..count).filter(|i| present.binary_search(i).is_err()).collect();
    if !missing.is_empty() {
        let listed: Vec<String> =
            missing.iter().take(10).map(|&i| format!("shard {i}/{count} ({})", plan.describe(&shard::slice(i, count, total)))).collect();
        let more = if missing.len() > 10 { format!(" and {} more", missing.len() - 10) } else { String::new() };
        return Err(format!("missing {}{more}: no file given for it", listed.join(", ")));
    }

    let mut collector = Collector::new(&plan);
    let mut unrun: Vec<Range<u64>> = Vec::new();
    let (mut jobs, mut wall_s) = (0usize, 0f64);
    for p in &parts {
        let name = names[p.file].as_str();
        let mut lines = Lines { name, reader: open(p.file)?, number: 0 };
        lines.next()?; // the manifest, read above
        let mut next = p.runs.start;
        let mut digest = Fnv::new();
        let mut line_bytes = Fnv::new();
        // The slice on its own, to check the end line's verdict.
        let mut own = Collector::new(&plan);
        let mut last_line = 1;
        let end = loop {
            let Some((n, raw, v)) = lines.next_text()? else {
                let what = if next == p.runs.start { "no seed".to_string() } else { seed_of(&plan, next - 1) };
                let lost = if next == p.runs.end {
                    "every seed of its slice is there, only the end line is missing".to_string()
                } else {
                    format!("{} missing", plan.describe(&(next..p.runs.end)))
                };
                return Err(format!(
                    "{name}: ends after {what} (line {last_line}) without its end line: shard {}/{count} was killed or is still running; {lost}",
                    p.shard.index
                ));
            };
            last_line = n;
            match v["type"].as_str() {
                Some("seed") => {
                    let r = ndjson::parse_seed(&v).map_err(|e| format!("{name}:{n}: {e}"))?;
                    let k = plan
                        .offset(r.point, r.seed)
                        .ok_or_else(|| format!("{name}:{n}: {} is not in the sweep", seed_label(&plan, r.point, r.seed)))?;
                    if !p.runs.contains(&k) {
                        return Err(format!(
                            "{name}:{n}: {} is outside shard {}/{count} ({})",
                            seed_label(&plan, r.point, r.seed),
                            p.shard.index,
                            plan.describe(&p.runs)
                        ));
                    }
                    if k < next {
                        // Lines are contiguous from the slice's start, so the first one is here:
                        let at = 2 + (k - p.runs.start);
                        return Err(format!("{name}:{n}: {} is duplicated (first at {name}:{at})", seed_label(&plan, r.point, r.seed)));
                    }
                    if k > next {
                        return Err(format!(
                            "{name}:{n}: {} follows {}: {} missing",
                            seed_label(&plan, r.point, r.seed),
                            if next == p.runs.start { "the manifest".to_string() } else { seed_of(&plan, next - 1) },
                            plan.describe(&(next..k))
                        ));
                    }
                    digest.feed(r.fingerprint.as_bytes());
                    line_bytes.feed(raw.as_bytes());
                    collector.add(&r);
                    own.add(&r);
                    next += 1;
                }
                Some("end") => break (n, End::parse(&v, &plan).map_err(|e| format!("{name}:{n}: {e}"))?),
                Some("manifest") => return Err(format!("{name}:{n}: a second manifest (two files concatenated?)")),
                _ => return Err(format!("{name}:{n}: not a sweep line (`type` is not seed or end)")),
            }
        };
        let (n, end) = end;
        if let Some(sig) = end.interrupted {
            let which = if p.manifest.shard.is_some() { format!("shard {}/{count}", p.shard.index) } else { "the sweep".to_string() };
            return Err(format!(
                "{name}:{n}: {which} was interrupted by {} after {} of {} runs ({} never ran): run it again",
                sig.name(),
                end.ran,
                p.runs.end - p.runs.start,
                plan.describe(&(next..p.runs.end))
            ));
        }
        let claimed: u64 = end.unrun.iter().map(|r| r.end - r.start).sum();
        let contiguous = end.unrun.windows(2).all(|w| w[0].end == w[1].start);
        let left = next..p.runs.end;
        let covers = claimed == left.end - left.start && (claimed == 0 || (contiguous && end.unrun[0].start == left.start));
        if !covers {
            return Err(format!(
                "{name}:{n}: the end line lists {} unrun, but the file has no line for {}",
                if claimed == 0 { "nothing".to_string() } else { format!("{claimed} runs") },
                plan.describe(&left)
            ));
        }
        if end.ran != next - p.runs.start {
            return Err(format!("{name}:{n}: the end line says {} ran, the file has {} seed lines", end.ran, next - p.runs.start));
        }
        if end.digest != digest.hex() {
            return Err(format!(
                "{name}:{n}: the end line's digest {} is not its seed lines' {} (the file was edited?)",
                end.digest,
                digest.hex()
            ));
        }
        if end.lines_digest != line_bytes.hex() {
            return Err(format!(
                "{name}:{n}: the end line's lines_digest {} is not its seed lines' {}: a seed line was edited or damaged",
                end.lines_digest,
                line_bytes.hex()
            ));
        }
        let left_unrun: Vec<Range<u64>> = if left.is_empty() { Vec::new() } else { vec![left.clone()] };
        let verdict = own.finish(&plan, p.runs.clone(), &left_unrun, Some(p.shard), 0, 0.0).verdict();
        if end.verdict != verdict {
            return Err(format!(
                "{name}:{n}: the end line's verdict is {}, but its seed lines make the slice {}",
                end.verdict.name(),
                verdict.name()
            ));
        }
        if let Some((extra, _)) = lines.next()? {
            return Err(format!("{name}:{extra}: a line after the end line"));
        }
        if !left.is_empty() {
            unrun.push(left);
        }
        jobs += end.jobs;
        wall_s = wall_s.max(end.wall_s);
    }
    Ok(collector.finish(&plan, 0..total, &unrun, None, jobs, wall_s))
}

fn seed_label(plan: &Plan, point: usize, seed: u64) -> String {
    match (&plan.vary, plan.points.get(point).and_then(|p| p.value.as_deref())) {
        (Some(v), Some(value)) => format!("seed {seed} of {}={value}", v.key),
        (Some(_), None) => format!("seed {seed} of point {point}"),
        _ => format!("seed {seed}"),
    }
}

fn seed_of(plan: &Plan, k: u64) -> String {
    let (p, seed) = plan.run(k);
    seed_label(plan, p, seed)
}

fn describe_first(plan: &Plan, r: &Range<u64>) -> String {
    if r.is_empty() { "no seed".to_string() } else { format!("{} onwards", seed_of(plan, r.start)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::sweep::result::{FaultTimes, SeedResult};
    use scenarios::Verdict;

    /// NDJSON for `plan`'s runs `covered` as shard `shard`, with made-up results (merge
    /// does not rerun anything).
    fn shard_text(plan: &Plan, shard: Option<Shard>, covered: Range<u64>) -> String {
        let mut text = Manifest::new(plan, shard, covered.clone(), None).json().to_string() + "\n";
        let mut c = Collector::new(plan);
        let mut lines = Fnv::new();
        for k in covered.clone() {
            let (point, seed) = plan.run(k);
            let r = fake(point, seed);
            c.add(&r);
            let line = ndjson::seed_line(&r, plan.vary.is_some()).to_string();
            lines.feed(line.as_bytes());
            text += &(line + "\n");
        }
        let rep = c.finish(plan, covered.clone(), &[], shard, 1, 0.5);
        let end = End {
            ran: covered.end - covered.start,
            unrun: vec![],
            verdict: rep.verdict(),
            digest: rep.digest.clone(),
            lines_digest: lines.hex(),
            jobs: 1,
            wall_s: 0.5,
            interrupted: None,
        };
        text + &end.json(plan).to_string() + "\n"
    }

    fn fake(point: usize, seed: u64) -> SeedResult {
        SeedResult {
            point,
            seed,
            verdict: if seed.is_multiple_of(5) { Verdict::Fail } else { Verdict::Pass },
            fingerprint: format!("{:016x}", seed * 7919 + point as u64),
            faults: vec![FaultTimes {
                id: "cut".into(),
                kind: "cut".into(),
                target: "ash/ch1".into(),
                detect_s: Some(0.1 * seed as f64),
                converge_s: None,
                recover_s: Some(1.0 / (seed as f64 + 3.0)),
                blackhole_s: 0.0,
                lost_bytes: 0,
            }],
            failed: if seed.is_multiple_of(5) { vec!["recover_within".into()] } else { vec![] },
            inconclusive: vec![],
        }
    }

    fn merged(texts: &[String]) -> Result<Report, String> {
        let names: Vec<String> = (0..texts.len()).map(|i| format!("s{i}.ndjson")).collect();
        let open = |i: usize| -> Result<Box<dyn BufRead>, String> { Ok(Box::new(std::io::Cursor::new(texts[i].clone().into_bytes()))) };
        merge(&names, &open)
    }

    fn plan(values: usize) -> Plan {
        let base = scenarios::load_library("channel-cut").expect("library scenario");
        let vary =
            (values > 0).then(|| crate::vary::Vary { key: "convergence".into(), values: (1..=values).map(|i| format!("{i}s")).collect() });
        Plan::new(base, vary, 3..11).expect("plan")
    }

    fn split(plan: &Plan, n: u64) -> Vec<String> {
        (0..n).map(|i| shard_text(plan, Some(Shard { index: i, count: n, from: Source::Flag }), shard::slice(i, n, plan.runs()))).collect()
    }

    /// `--vary` end to end without `vary::parse`: shards of a two-point plan merge into the
    /// whole plan's report, points and per-point digests included.
    #[test]
    fn vary_points_shard_and_merge() {
        let p = plan(2);
        let whole = merged(&[shard_text(&p, None, 0..p.runs())]).expect("whole");
        for n in [1, 3, 5] {
            let m = merged(&split(&p, n)).expect("merged");
            let untimed = |r: &Report| {
                let mut j = r.json();
                j["stats"] = Value::Null;
                j
            };
            assert_eq!(untimed(&m), untimed(&whole));
            assert_eq!(m.human().lines().skip(1).collect::<Vec<_>>(), whole.human().lines().skip(1).collect::<Vec<_>>());
        }
        let j = whole.json();
        assert_eq!(j["points"].as_array().map(Vec::len), Some(2));
        assert_eq!(j["points"][1]["value"], "2s");
        assert_eq!(j["points"][1]["key"], "convergence");
        assert_eq!(j["runs"], 16);
        assert!(whole.human().contains("convergence"), "{}", whole.human());
        // Seed lines carry their point.
        assert!(split(&p, 2)[1].contains("\"point\":1"));
    }

    #[test]
    fn errors_name_the_file_line_and_seed() {
        let p = plan(0);
        let parts = split(&p, 3);
        let err = |texts: &[String], needles: &[&str]| {
            let e = merged(texts).expect_err("an error");
            for n in needles {
                assert!(e.contains(n), "`{e}` does not name `{n}`");
            }
        };
        err(&[parts[0].clone(), parts[2].clone()], &["missing shard 1/3", "seeds 5..8"]);
        err(&[parts[0].clone(), parts[1].clone(), parts[1].clone(), parts[2].clone()], &["s1.ndjson", "s2.ndjson", "both shard 1/3"]);
        // A duplicated line inside one file.
        let lines: Vec<&str> = parts[1].lines().collect();
        let dup = [lines[0], lines[1], lines[2], lines[2], lines[3], lines[4]].join("\n") + "\n";
        err(&[parts[0].clone(), dup, parts[2].clone()], &["s1.ndjson:4", "seed 6 is duplicated", "s1.ndjson:3"]);
        // A missing line.
        let gap = [lines[0], lines[1], lines[3], lines[4]].join("\n") + "\n";
        err(&[parts[0].clone(), gap, parts[2].clone()], &["s1.ndjson:3", "seed 7 follows seed 5", "seeds 6..7 missing"]);
        // Killed: no end line, and a line cut short.
        let killed = [lines[0], lines[1]].join("\n") + "\n";
        err(&[parts[0].clone(), killed, parts[2].clone()], &["s1.ndjson", "without its end line", "seeds 6..8 missing"]);
        let cut = [lines[0], lines[1], &lines[2][..20]].join("\n");
        err(&[parts[0].clone(), cut, parts[2].clone()], &["s1.ndjson:3", "not a JSON line", "cut short"]);
        // An edited fingerprint.
        let edited = parts[1].replacen(&format!("{:016x}", 6 * 7919), "0000000000000000", 1);
        err(&[parts[0].clone(), edited, parts[2].clone()], &["s1.ndjson:5", "digest"]);
        // Shards of different splits.
        let other = split(&p, 2);
        err(&[parts[0].clone(), other[1].clone()], &["shard 1/2", "shard 0/3"]);
    }
}
