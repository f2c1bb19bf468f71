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

/// A total above 1 with no index beside it: a split whose index variable went missing.
fn orphan(env: Env<'_>, total: &str, index: &str) -> Result<Option<Claim>, String> {
    match number(env, total)? {
        Some(n) if n > 1 => {
            Err(format!("{total}={n} is set but {index} is not: nothing names this worker's shard; refusing to run the whole sweep"))
        }
        _ => Ok(None),
    }
}

fn kubernetes(env: Env<'_>) -> Result<Option<Claim>, String> {
    let Some(index) = number(env, "JOB_COMPLETION_INDEX")? else { return Ok(None) };
    Ok(Some(Claim { from: Source::Kubernetes, index, total: None, said: format!("JOB_COMPLETION_INDEX={index}") }))
}

/// The base of a Slurm array rerun as one task (`sbatch --array=I`): what the original
/// array's first id was, so that task `I` is shard `I − base`.
pub const BASE_VAR: &str = "FAULTLINE_SHARD_BASE";

fn slurm(env: Env<'_>, explicit: Option<&(u64, String)>) -> Result<Option<Claim>, String> {
    let Some(id) = number(env, "SLURM_ARRAY_TASK_ID")? else {
        return match number(env, "SLURM_ARRAY_TASK_COUNT")? {
            Some(n) if n > 1 => Err(format!(
                "SLURM_ARRAY_TASK_COUNT={n} is set but SLURM_ARRAY_TASK_ID is not: nothing names this task's shard; \
                 refusing to run the whole sweep in every task"
            )),
            _ => Ok(None),
        };
    };
    let min = number(env, "SLURM_ARRAY_TASK_MIN")?;
    let max = number(env, "SLURM_ARRAY_TASK_MAX")?;
    let step_var = number(env, "SLURM_ARRAY_TASK_STEP")?;
    let count = number(env, "SLURM_ARRAY_TASK_COUNT")?;
    let show = |v: Option<u64>, unset: &str| v.map_or(unset.to_string(), |n| n.to_string());
    let said = format!(
        "SLURM_ARRAY_TASK_ID={id}, SLURM_ARRAY_TASK_MIN={}, SLURM_ARRAY_TASK_MAX={}, SLURM_ARRAY_TASK_STEP={}, SLURM_ARRAY_TASK_COUNT={}",
        show(min, "(unset, so 0)"),
        show(max, "(unset)"),
        show(step_var, "(unset, so 1)"),
        show(count, "(unset)")
    );
    let step_hint = if step_var.is_none() { "; set --array with a step? SLURM_ARRAY_TASK_STEP is unset" } else { "" };
    let step = step_var.unwrap_or(1);
    if step == 0 {
        return Err(format!("{said}: a step of 0 is not an array"));
    }
    let min = min.unwrap_or(0);
    if id < min || max.is_some_and(|m| id > m) {
        return Err(format!("{said}: the task id is outside min..=max"));
    }
    if !(id - min).is_multiple_of(step) {
        return Err(format!("{said}: the task id is not min + a multiple of the step{step_hint}; use --array=0-N (or A-B:S)"));
    }
    if let (Some(max), Some(n)) = (max, count) {
        let spanned = (max - min.min(max)) / step + 1;
        if n != spanned {
            return Err(format!(
                "{said}: {min}..={max} in steps of {step} is {spanned} tasks, not {n}{step_hint} (an array given as a list, \
                 --array=0,3,7, is not one contiguous split either); use --array=0-N (or A-B:S)"
            ));
        }
    }
    // `sbatch --array=I` (rerunning one task of a bigger array) is an array of one task:
    // its variables say 0/1, which would run the whole sweep. Only an explicit total says
    // which slice it is; then the id, less the original array's base, is the index.
    if count == Some(1) && max.is_none_or(|m| m == id) && min == id {
        let Some((total, total_said)) = explicit.filter(|(n, _)| *n > 1) else {
            return Err(format!(
                "{said}: a one-task array, most likely one task of a bigger array rerun (sbatch --array=I), whose \
                 variables cannot say which slice it is; pass the original total (--shards N, FAULTLINE_SHARDS=N or \
                 --shard I/N) and, if the original array did not start at 0, {BASE_VAR}; refusing to run the whole sweep"
            ));
        };
        let base = number(env, BASE_VAR)?.unwrap_or(0);
        let Some(index) = id.checked_sub(base) else {
            return Err(format!("{said}: the task id is below {BASE_VAR}={base}"));
        };
        let said = format!("SLURM_ARRAY_TASK_ID={id} (a one-task array: index {id} − {BASE_VAR} {base} of {total_said})");
        return Ok(Some(Claim { from: Source::Slurm, index, total: Some((*total, total_said.clone())), said }));
    }
    let total = count.map(|n| (n, format!("SLURM_ARRAY_TASK_COUNT={n}")));
    Ok(Some(Claim { from: Source::Slurm, index: (id - min) / step, total, said }))
}

fn aws_batch(env: Env<'_>) -> Result<Option<Claim>, String> {
    let Some(index) = number(env, "AWS_BATCH_JOB_ARRAY_INDEX")? else {
        return orphan(env, "AWS_BATCH_JOB_ARRAY_SIZE", "AWS_BATCH_JOB_ARRAY_INDEX");
    };
    let total = number(env, "AWS_BATCH_JOB_ARRAY_SIZE")?.map(|n| (n, format!("AWS_BATCH_JOB_ARRAY_SIZE={n}")));
    Ok(Some(Claim { from: Source::AwsBatch, index, total, said: format!("AWS_BATCH_JOB_ARRAY_INDEX={index}") }))
}

fn gitlab(env: Env<'_>) -> Result<Option<Claim>, String> {
    // GitLab sets CI_NODE_TOTAL=1 in every job; only CI_NODE_INDEX says the job is split.
    let Some(one_based) = number(env, "CI_NODE_INDEX")? else { return orphan(env, "CI_NODE_TOTAL", "CI_NODE_INDEX") };
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
    let flag = flag.map(|text| parse_flag(text).map(|(i, n)| (text, i, n))).transpose()?;
    // The explicit totals: --shards, FAULTLINE_SHARDS and --shard's N, which must agree.
    let explicit: Vec<(u64, String)> = [
        shards.map(|n| (n, format!("--shards {n}"))),
        number(env, "FAULTLINE_SHARDS")?.map(|n| (n, format!("FAULTLINE_SHARDS={n}"))),
        flag.map(|(text, _, n)| (n, format!("--shard {text}"))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some((_, said)) = explicit.iter().find(|(n, _)| *n == 0) {
        return Err(format!("{said}: a sweep needs at least one shard"));
    }
    if let Some((_, sb)) = explicit.iter().find(|(n, _)| *n != explicit[0].0) {
        return Err(format!("{} disagrees with {sb}", explicit[0].1));
    }
    let hint = explicit.first();
    let mut found: Vec<Shard> = Vec::new();
    let mut saids: Vec<String> = Vec::new();
    for claim in [kubernetes(env)?, slurm(env, hint)?, aws_batch(env)?, gitlab(env)?].into_iter().flatten() {
        let count = match (&claim.total, hint) {
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
        let total_said = claim.total.as_ref().or(hint).map_or(String::new(), |(_, s)| s.clone());
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
        Some((text, index, count)) => {
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
        None => match (found.first(), hint) {
            (Some(s), _) => Ok(Some(*s)),
            (None, Some((_, said))) => Err(format!(
                "{said} is given but nothing names this worker's index (no --shard I/N, JOB_COMPLETION_INDEX, \
                 SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX or CI_NODE_INDEX); refusing to run the whole sweep"
            )),
            (None, None) => Ok(None),
        },
    }
}

/// Refuses a split with more shards than runs: a shard with nothing to run would pass
/// having proved nothing.
pub fn check_fits(shard: &Shard, runs: u64) -> Result<(), String> {
    if shard.count > runs {
        return Err(format!(
            "{} shards for {runs} runs: at most {runs} (every shard must have a run; fewer shards, or more seeds)",
            shard.count
        ));
    }
    Ok(())
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
        assert_eq!(
            run(None, None, &[("CI_NODE_TOTAL", "1"), ("SLURM_ARRAY_TASK_COUNT", "1"), ("AWS_BATCH_JOB_ARRAY_SIZE", "1")]),
            Ok(None)
        );
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
        // An engine's total whose index variable went missing.
        err(None, None, &[("AWS_BATCH_JOB_ARRAY_SIZE", "4")], &["AWS_BATCH_JOB_ARRAY_SIZE=4", "AWS_BATCH_JOB_ARRAY_INDEX"]);
        err(None, None, &[("CI_NODE_TOTAL", "4")], &["CI_NODE_TOTAL=4", "CI_NODE_INDEX"]);
        err(None, None, &[("SLURM_ARRAY_TASK_COUNT", "4")], &["SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_ID"]);
        err(Some("1/4"), None, &[("CI_NODE_TOTAL", "4")], &["CI_NODE_TOTAL=4"]);
    }

    #[test]
    fn the_flag_gives_an_index_variable_its_total() {
        // JOB_COMPLETION_INDEX with --shard I/N: N is the total, I must be the index.
        assert_eq!(ok(Some("1/3"), None, &[("JOB_COMPLETION_INDEX", "1")]), (1, 3, Source::Flag));
        err(Some("2/3"), None, &[("JOB_COMPLETION_INDEX", "1")], &["--shard 2/3", "JOB_COMPLETION_INDEX=1", "1/3"]);
        err(Some("1/3"), None, &[("FAULTLINE_SHARDS", "4")], &["FAULTLINE_SHARDS=4", "--shard 1/3"]);
        err(Some("1/3"), None, &[("AWS_BATCH_JOB_ARRAY_INDEX", "1"), ("AWS_BATCH_JOB_ARRAY_SIZE", "4")], &["AWS_BATCH_JOB_ARRAY_SIZE=4"]);
    }

    fn slurm_vars<'a>(id: &'a str, min: &'a str, max: &'a str, step: Option<&'a str>, count: &'a str) -> Vec<(&'a str, &'a str)> {
        let mut v = vec![
            ("SLURM_ARRAY_TASK_ID", id),
            ("SLURM_ARRAY_TASK_MIN", min),
            ("SLURM_ARRAY_TASK_MAX", max),
            ("SLURM_ARRAY_TASK_COUNT", count),
        ];
        v.extend(step.map(|s| ("SLURM_ARRAY_TASK_STEP", s)));
        v
    }

    #[test]
    fn slurm_variables_must_add_up() {
        // --array=1-7:2 is ids 1, 3, 5, 7: id 3 is index 1.
        assert_eq!(ok(None, None, &slurm_vars("3", "1", "7", Some("2"), "4")), (1, 4, Source::Slurm));
        // The same without STEP: 1..=7 in steps of 1 is 7 tasks, not 4.
        err(None, None, &slurm_vars("3", "1", "7", None, "4"), &["7 tasks, not 4", "SLURM_ARRAY_TASK_STEP is unset"]);
        err(None, None, &slurm_vars("3", "1", "7", Some("1"), "4"), &["7 tasks, not 4"]);
        err(None, None, &slurm_vars("3", "1", "7", Some("0"), "4"), &["SLURM_ARRAY_TASK_STEP=0", "step of 0"]);
        err(None, None, &slurm_vars("2", "0", "1", None, "2"), &["SLURM_ARRAY_TASK_ID=2", "SLURM_ARRAY_TASK_MAX=1", "outside"]);
        err(None, None, &slurm_vars("0", "1", "7", Some("2"), "4"), &["outside"]);
        err(None, None, &slurm_vars("4", "1", "7", Some("2"), "4"), &["multiple of the step"]);
        assert_eq!(ok(None, None, &slurm_vars("4", "1", "7", None, "7")), (3, 7, Source::Slurm));
    }

    #[test]
    fn a_slurm_task_rerun_alone_needs_the_total() {
        // `sbatch --array=5`: Slurm says ID = MIN = MAX = 5, COUNT = 1.
        let rerun = slurm_vars("5", "5", "5", Some("1"), "1");
        err(None, None, &rerun, &["SLURM_ARRAY_TASK_COUNT=1", "one-task array", "--shards N", "FAULTLINE_SHARD_BASE"]);
        assert_eq!(ok(None, Some(16), &rerun), (5, 16, Source::Slurm));
        assert_eq!(ok(Some("5/16"), None, &rerun), (5, 16, Source::Flag));
        err(Some("4/16"), None, &rerun, &["--shard 4/16", "SLURM_ARRAY_TASK_ID=5"]);
        // An array that counted from 1: the base says so.
        let mut based = rerun.clone();
        based.push(("FAULTLINE_SHARD_BASE", "1"));
        assert_eq!(ok(None, Some(16), &based), (4, 16, Source::Slurm));
        err(None, Some(5), &rerun, &["out of range"]);
        based[4] = ("FAULTLINE_SHARD_BASE", "6");
        err(None, Some(16), &based, &["below FAULTLINE_SHARD_BASE=6"]);
        // --array=0 alone is a rerun of task 0 as much as a one-task split.
        err(None, None, &slurm_vars("0", "0", "0", None, "1"), &["one-task array"]);
        // The normal array with the script's --shards agrees.
        assert_eq!(ok(None, Some(16), &slurm_vars("5", "0", "15", Some("1"), "16")), (5, 16, Source::Slurm));
    }

    #[test]
    fn more_shards_than_runs_is_refused() {
        let s = Shard { index: 0, count: 16, from: Source::Flag };
        let e = check_fits(&s, 10).expect_err("too many");
        assert!(e.contains("16 shards for 10 runs: at most 10"), "{e}");
        assert!(check_fits(&s, 16).is_ok());
        assert!(check_fits(&Shard { index: 0, count: u64::MAX, from: Source::Flag }, 5).is_err());
    }
}
