//! Which slice of a sweep this process runs: `--shard I/N`, or the index a batch engine
//! hands its workers (Kubernetes Indexed Jobs, Slurm arrays, AWS Batch arrays, GitLab
//! `parallel:`). A shard variable without a total, totals that disagree, an index out of
//! range or two sources that disagree are errors: never a silent full run (a CI whose shard
//! variables were unset ran the whole suite in every shard and went green proving nothing).
//!
//! Shards are 0-based, as Kubernetes and AWS Batch count; GitLab's 1-based `CI_NODE_INDEX`
//! and Slurm's `SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN` are brought to that. Shard `i` of
//! `n` over `len` runs covers the contiguous runs `floor(i·len/n) .. floor((i+1)·len/n)`:
//! deterministic, easy to name, and a failed shard is rerun by its index alone.
//!
//! The detection is a pure function of an environment lookup, so each engine is unit-tested
//! here without touching the process environment.

use std::ops::Range;

/// Where the shard index came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Flag,
    Kubernetes,
    Slurm,
    AwsBatch,
    GitLab,
}

impl Source {
    /// The flag or variable that named the index (what the output says it came from).
    pub fn name(self) -> &'static str {
        match self {
            Source::Flag => "--shard",
            Source::Kubernetes => "JOB_COMPLETION_INDEX",
            Source::Slurm => "SLURM_ARRAY_TASK_ID",
            Source::AwsBatch => "AWS_BATCH_JOB_ARRAY_INDEX",
            Source::GitLab => "CI_NODE_INDEX",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        [Source::Flag, Source::Kubernetes, Source::Slurm, Source::AwsBatch, Source::GitLab].into_iter().find(|x| x.name() == s)
    }
}

/// One shard: `index` of `count`, 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
    pub from: Source,
}

impl Shard {
    /// The runs (offsets into the sweep's run list of `len`) this shard covers.
    pub fn slice(&self, len: u64) -> Range<u64> {
        slice(self.index, self.count, len)
    }

    /// `shard 3/16 (0-based, from JOB_COMPLETION_INDEX)`.
    pub fn describe(&self) -> String {
        format!("shard {}/{} (0-based, from {})", self.index, self.count, self.from.name())
    }
}

/// Runs `floor(i·len/n) .. floor((i+1)·len/n)`: contiguous, in order, every run in exactly
/// one shard, sizes differing by at most one.
pub fn slice(index: u64, count: u64, len: u64) -> Range<u64> {
    let at = |i: u64| (u128::from(i) * u128::from(len) / u128::from(count.max(1))) as u64;
    at(index)..at(index + 1)
}

/// What one engine's variables say: an index (0-based) and, when the engine tells it, the
/// total; `said` quotes the variables for messages.
struct Claim {
    from: Source,
    index: u64,
    total: Option<(u64, String)>,
    said: String,
}

type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

fn number(env: Env<'_>, var: &str) -> Result<Option<u64>, String> {
    match env(var) {
        None => Ok(None),
        Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| format!("{var}={v:?} is not a whole number")),
    }
}

fn kubernetes(env: Env<'_>) -> Result<Option<Claim>, String> {
    let Some(index) = number(env, "JOB_COMPLETION_INDEX")? else { return Ok(None) };
    Ok(Some(Claim { from: Source::Kubernetes, index, total: None, said: format!("JOB_COMPLETION_INDEX={index}") }))
}

fn slurm(env: Env<'_>) -> Result<Option<Claim>, String> {
    let Some(id) = number(env, "SLURM_ARRAY_TASK_ID")? else { return Ok(None) };
    let min = number(env, "SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
    let step = number(env, "SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
    let mut said =
        format!("SLURM_ARRAY_TASK_ID={id}, SLURM_ARRAY_TASK_MIN={}", env("SLURM_ARRAY_TASK_MIN").unwrap_or_else(|| "(unset, so 0)".into()));
    if step > 1 {
        said.push_str(&format!(", SLURM_ARRAY_TASK_STEP={step}"));
    }
    if id < min || !(id - min).is_multiple_of(step) {
        return Err(format!("{said}: the task id is not min + a multiple of the step; use --array=0-N (or A-B:S)"));
    }
    let total = number(env, "SLURM_ARRAY_TASK_COUNT")?.map(|n| (n, format!("SLURM_ARRAY_TASK_COUNT={n}")));
    Ok(Some(Claim { from: Source::Slurm, index: (id - min) / step, total, said }))
}

fn aws_batch(env: Env<'_>) -> Result<Option<Claim>, String> {
    let Some(index) = number(env, "AWS_BATCH_JOB_ARRAY_INDEX")? else { return Ok(None) };
    let total = number(env, "AWS_BATCH_JOB_ARRAY_SIZE")?.map(|n| (n, format!("AWS_BATCH_JOB_ARRAY_SIZE={n}")));
    Ok(Some(Claim { from: Source::AwsBatch, index, total, said: format!("AWS_BATCH_JOB_ARRAY_INDEX={index}") }))
}

fn gitlab(env: Env<'_>) -> Result<Option<Claim>, String> {
    // GitLab sets CI_NODE_TOTAL=1 in every job; only CI_NODE_INDEX says the job is split.
    let Some(one_based) = number(env, "CI_NODE_INDEX")? else { return Ok(None) };
    if one_based == 0 {
        return Err("CI_NODE_INDEX=0: GitLab counts its parallel jobs from 1".into());
    }
    let total = number(env, "CI_NODE_TOTAL")?.map(|n| (n, format!("CI_NODE_TOTAL={n}")));
    Ok(Some(Claim { from: Source::GitLab, index: one_based - 1, total, said: format!("CI_NODE_INDEX={one_based} (1-based)") }))
}

/// Parses `--shard I/N`.
pub fn parse_flag(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("--shard `{s}`: expected I/N with 0 <= I < N, e.g. 0/4 (shards count from 0)");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let i: u64 = i.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// The shard this process runs, or `None` for a whole sweep.
///
/// `flag` is `--shard I/N`, `shards` is `--shards N` (the total for engines that do not
/// tell it: Kubernetes, or `FAULTLINE_SHARDS`). An explicit `--shard` must agree with any
/// engine variable present (unset the variable to run another slice by hand).
pub fn detect(flag: Option<&str>, shards: Option<u64>, env: Env<'_>) -> Result<Option<Shard>, String> {
    let env_total = number(env, "FAULTLINE_SHARDS")?;
    let hint = match (shards, env_total) {
        (Some(a), Some(b)) if a != b => return Err(format!("--shards {a} disagrees with FAULTLINE_SHARDS={b}")),
        (Some(a), _) => Some((a, format!("--shards {a}"))),
        (None, Some(b)) => Some((b, format!("FAULTLINE_SHARDS={b}"))),
        (None, None) => None,
    };
    if let Some((0, said)) = &hint {
        return Err(format!("{said}: a sweep needs at least one shard"));
    }
    let mut found: Vec<Shard> = Vec::new();
    let mut saids: Vec<String> = Vec::new();
    for claim in [kubernetes(env)?, slurm(env)?, aws_batch(env)?, gitlab(env)?].into_iter().flatten() {
        let count = match (&claim.total, &hint) {
            (Some((a, sa)), Some((b, sb))) if a != b => {
                return Err(format!("{sa} disagrees with {sb}: which is the number of shards?"));
            }
            (Some((a, _)), _) | (None, Some((a, _))) => *a,
            (None, None) => {
                return Err(format!(
                    "{} is set but nothing says how many shards there are: pass --shards N or set FAULTLINE_SHARDS \
                     (for an Indexed Job, its completions); refusing to run the whole sweep in every shard",
                    claim.said
                ));
            }
        };
        let total_said = claim.total.as_ref().or(hint.as_ref()).map_or(String::new(), |(_, s)| s.clone());
        if count == 0 || claim.index >= count {
            return Err(format!("{} gives shard {} of {count} ({total_said}): out of range 0..{count}", claim.said, claim.index));
        }
        let shard = Shard { index: claim.index, count, from: claim.from };
        if let (Some(first), Some(first_said)) = (found.first(), saids.first())
            && (first.index, first.count) != (shard.index, shard.count)
        {
            return Err(format!(
                "two batch engines' variables disagree: {first_said} says shard {}/{}, {} ({total_said}) says {}/{}",
                first.index, first.count, claim.said, shard.index, shard.count
            ));
        }
        saids.push(format!("{} ({total_said})", claim.said));
        found.push(shard);
    }
    match flag {
        Some(text) => {
            let (index, count) = parse_flag(text)?;
            if let Some((n, said)) = &hint
                && *n != count
            {
                return Err(format!("--shard {text} disagrees with {said}"));
            }
            if let (Some(e), Some(said)) = (found.first(), saids.first())
                && (e.index, e.count) != (index, count)
            {
                return Err(format!(
                    "--shard {text} contradicts {said}, which says shard {}/{}; unset the variable to run another slice by hand",
                    e.index, e.count
                ));
            }
            Ok(Some(Shard { index, count, from: Source::Flag }))
        }
        None => match (found.first(), &hint) {
            (Some(s), _) => Ok(Some(*s)),
            (None, Some((_, said))) => Err(format!(
                "{said} is given but nothing names this worker's index (no --shard I/N, JOB_COMPLETION_INDEX, \
                 SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX or CI_NODE_INDEX); refusing to run the whole sweep"
            )),
            (None, None) => Ok(None),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    fn run(flag: Option<&str>, shards: Option<u64>, vars: &[(&str, &str)]) -> Result<Option<Shard>, String> {
        detect(flag, shards, &env(vars))
    }

    fn ok(flag: Option<&str>, shards: Option<u64>, vars: &[(&str, &str)]) -> (u64, u64, Source) {
        let s = run(flag, shards, vars).expect("a shard").expect("some shard");
        (s.index, s.count, s.from)
    }

    fn err(flag: Option<&str>, shards: Option<u64>, vars: &[(&str, &str)], needles: &[&str]) {
        let e = run(flag, shards, vars).expect_err("an error");
        for n in needles {
            assert!(e.contains(n), "`{e}` does not name `{n}`");
        }
    }

    #[test]
    fn slices_are_contiguous_and_cover_every_run_once() {
        for len in [0u64, 1, 2, 7, 40, 1001] {
            for n in 1..=9 {
                let mut next = 0;
                for i in 0..n {
                    let r = slice(i, n, len);
                    assert_eq!(r.start, next);
                    assert!(r.end - r.start <= len / n + 1);
                    next = r.end;
                }
                assert_eq!(next, len);
            }
        }
        assert_eq!(slice(3, 16, 1600), 300..400);
        // 100 M seeds over 10^5 shards does not overflow.
        assert_eq!(slice(99_999, 100_000, 100_000_000), 99_999_000..100_000_000);
    }

    #[test]
    fn no_variable_is_a_whole_sweep() {
        assert_eq!(run(None, None, &[]), Ok(None));
        // GitLab sets CI_NODE_TOTAL=1 in every job that is not split.
        assert_eq!(run(None, None, &[("CI_NODE_TOTAL", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")]), Ok(None));
    }

    #[test]
    fn the_flag() {
        assert_eq!(ok(Some("2/4"), None, &[]), (2, 4, Source::Flag));
        assert_eq!(ok(Some("2/4"), Some(4), &[("FAULTLINE_SHARDS", "4")]), (2, 4, Source::Flag));
        err(Some("4/4"), None, &[], &["--shard `4/4`"]);
        err(Some("1/0"), None, &[], &["--shard"]);
        err(Some("x"), None, &[], &["I/N"]);
        err(Some("1/4"), Some(3), &[], &["--shard 1/4", "--shards 3"]);
        // Agreeing with the engine is fine; contradicting it is not.
        assert_eq!(ok(Some("1/3"), None, &[("JOB_COMPLETION_INDEX", "1"), ("FAULTLINE_SHARDS", "3")]), (1, 3, Source::Flag));
        err(Some("2/3"), None, &[("JOB_COMPLETION_INDEX", "1"), ("FAULTLINE_SHARDS", "3")], &["--shard 2/3", "JOB_COMPLETION_INDEX=1"]);
    }

    #[test]
    fn kubernetes_indexed_job() {
        assert_eq!(ok(None, None, &[("JOB_COMPLETION_INDEX", "1"), ("FAULTLINE_SHARDS", "3")]), (1, 3, Source::Kubernetes));
        assert_eq!(ok(None, Some(3), &[("JOB_COMPLETION_INDEX", "2")]), (2, 3, Source::Kubernetes));
        err(None, None, &[("JOB_COMPLETION_INDEX", "1")], &["JOB_COMPLETION_INDEX=1", "--shards", "FAULTLINE_SHARDS"]);
        err(None, Some(3), &[("JOB_COMPLETION_INDEX", "3")], &["JOB_COMPLETION_INDEX=3", "out of range", "--shards 3"]);
        err(None, Some(3), &[("JOB_COMPLETION_INDEX", "one")], &["JOB_COMPLETION_INDEX=\"one\""]);
        err(None, Some(3), &[("JOB_COMPLETION_INDEX", "1"), ("FAULTLINE_SHARDS", "4")], &["--shards 3", "FAULTLINE_SHARDS=4"]);
        err(None, Some(0), &[("JOB_COMPLETION_INDEX", "0")], &["--shards 0"]);
    }

    #[test]
    fn slurm_array() {
        let v = [("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "4"), ("SLURM_ARRAY_TASK_COUNT", "3")];
        assert_eq!(ok(None, None, &v), (1, 3, Source::Slurm));
        // MIN unset counts as 0.
        assert_eq!(ok(None, None, &[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "3")]), (2, 3, Source::Slurm));
        // --array=1-7:2 gives ids 1, 3, 5, 7.
        let stepped =
            [("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_STEP", "2"), ("SLURM_ARRAY_TASK_COUNT", "4")];
        assert_eq!(ok(None, None, &stepped), (2, 4, Source::Slurm));
        err(None, None, &[("SLURM_ARRAY_TASK_ID", "2")], &["SLURM_ARRAY_TASK_ID=2", "--shards"]);
        assert_eq!(ok(None, Some(3), &[("SLURM_ARRAY_TASK_ID", "2")]), (2, 3, Source::Slurm));
        err(None, Some(4), &v, &["SLURM_ARRAY_TASK_COUNT=3", "--shards 4"]);
        // A list (--array=0,3,7) is not contiguous: id 7 of 3 is out of range.
        err(None, None, &[("SLURM_ARRAY_TASK_ID", "7"), ("SLURM_ARRAY_TASK_COUNT", "3")], &["out of range"]);
        err(None, None, &[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_MIN", "4"), ("SLURM_ARRAY_TASK_COUNT", "3")], &["min"]);
    }

    #[test]
    fn aws_batch_array() {
        assert_eq!(ok(None, None, &[("AWS_BATCH_JOB_ARRAY_INDEX", "0"), ("AWS_BATCH_JOB_ARRAY_SIZE", "2")]), (0, 2, Source::AwsBatch));
        assert_eq!(ok(None, None, &[("AWS_BATCH_JOB_ARRAY_INDEX", "4"), ("FAULTLINE_SHARDS", "10")]), (4, 10, Source::AwsBatch));
        err(None, None, &[("AWS_BATCH_JOB_ARRAY_INDEX", "4")], &["AWS_BATCH_JOB_ARRAY_INDEX=4", "FAULTLINE_SHARDS"]);
        err(
            None,
            Some(3),
            &[("AWS_BATCH_JOB_ARRAY_INDEX", "0"), ("AWS_BATCH_JOB_ARRAY_SIZE", "2")],
            &["AWS_BATCH_JOB_ARRAY_SIZE=2", "--shards 3"],
        );
    }

    #[test]
    fn gitlab_parallel_is_one_based() {
        assert_eq!(ok(None, None, &[("CI_NODE_INDEX", "2"), ("CI_NODE_TOTAL", "3")]), (1, 3, Source::GitLab));
        assert_eq!(ok(None, None, &[("CI_NODE_INDEX", "3"), ("CI_NODE_TOTAL", "3")]), (2, 3, Source::GitLab));
        err(None, None, &[("CI_NODE_INDEX", "4"), ("CI_NODE_TOTAL", "3")], &["CI_NODE_INDEX=4", "out of range"]);
        err(None, None, &[("CI_NODE_INDEX", "0"), ("CI_NODE_TOTAL", "3")], &["from 1"]);
        err(None, None, &[("CI_NODE_INDEX", "1")], &["CI_NODE_INDEX=1"]);
    }

    #[test]
    fn engines_that_disagree() {
        err(
            None,
            None,
            &[("JOB_COMPLETION_INDEX", "1"), ("FAULTLINE_SHARDS", "3"), ("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "3")],
            &["JOB_COMPLETION_INDEX=1", "CI_NODE_INDEX=1", "disagree"],
        );
        err(
            None,
            None,
            &[
                ("SLURM_ARRAY_TASK_ID", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
                ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
                ("AWS_BATCH_JOB_ARRAY_SIZE", "4"),
            ],
            &["SLURM_ARRAY_TASK_COUNT=3", "AWS_BATCH_JOB_ARRAY_SIZE=4"],
        );
        // Two that agree are one shard.
        let same = [("JOB_COMPLETION_INDEX", "1"), ("FAULTLINE_SHARDS", "3"), ("CI_NODE_INDEX", "2"), ("CI_NODE_TOTAL", "3")];
        assert_eq!(ok(None, None, &same), (1, 3, Source::Kubernetes));
    }

    #[test]
    fn a_total_without_an_index_is_an_error() {
        err(None, Some(4), &[], &["--shards 4", "index"]);
        err(None, None, &[("FAULTLINE_SHARDS", "4")], &["FAULTLINE_SHARDS=4", "index"]);
    }
}
