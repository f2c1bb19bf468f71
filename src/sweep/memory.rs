//! What a sweep's summary holds per run, estimated before any run starts, so a range too
//! large for the memory budget is refused (exit 3) instead of aborting hours in. Nothing
//! else grows with the seeds: the plan numbers its runs and computes each one's point and
//! seed on demand, and results stream through a bounded reorder window into the summary.
//!
//! The summary keeps, per run, each fault's detect and recover time (8 bytes each; the
//! exact percentiles need every value) and, for a run that did not pass, its seed,
//! fingerprint and failed expectation names. The estimate is an upper bound for scripted
//! faults: it counts every run as failing every expectation, and vectors at twice their
//! length (they grow by doubling). Random faults are counted at twice their expected number.

use std::ops::Range;

use scenarios::Scenario;
use sim_core::Model;

use super::plan::Plan;

/// The estimate for one run of a point, with the figures it came from (for the message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerRun {
    /// Fault results a run reports (scripted, plus random ones estimated).
    pub faults: u64,
    /// Checks that can fail (each set expectation, plus `fault_effect`).
    pub checks: u64,
    pub bytes: u64,
}

/// Bytes of per-run results the summary holds for `runs` runs of `per_run` bytes each.
pub fn sweep_memory_estimate(runs: u64, per_run: u64) -> u64 {
    runs.saturating_mul(per_run)
}

/// Bytes one run adds to the summary at most, for `faults` fault results and `checks`
/// expectations that could fail.
pub fn per_run_bytes(faults: u64, checks: u64) -> u64 {
    // Detect and recover, 8 B each, in vectors up to twice their length.
    let times = faults.saturating_mul(2 * 8 * 2);
    // A run that did not pass: its entry (twice, for growth), its 16-digit fingerprint (a
    // 32 B heap block), and per failed name a `String` (24 B) and its text (a 32 B block).
    let failing = 2 * super::summary::FAILING_BYTES + 32 + checks.saturating_mul(24 + 32);
    times.saturating_add(failing)
}

/// The estimate for a run of `s`: its faults counted from the compiled model.
pub fn per_run(s: &Scenario) -> PerRun {
    let e = &s.expect;
    let set = [
        e.detect_within.is_some(),
        e.converge_within.is_some(),
        e.recover_within.is_some(),
        e.min_throughput.is_some(),
        e.max_lost_bytes.is_some(),
        e.no_loss,
        e.rto_within.is_some(),
        e.rpo_within.is_some(),
        e.stall_p99_within.is_some(),
        e.undetected,
    ];
    let checks = set.iter().filter(|&&b| b).count() as u64 + 1;
    let faults = match Model::build(&s.spec) {
        Ok(m) => {
            let duration = m.duration.as_nanos().max(1);
            let random: u64 = m
                .random_faults
                .iter()
                .map(|r| {
                    let per_element = duration / r.spec.mtbf.as_nanos().max(1) + 1;
                    let expected = (r.elements.len() as u64).saturating_mul(per_element).saturating_mul(2);
                    if r.spec.max_faults > 0 { expected.min(u64::from(r.spec.max_faults)) } else { expected }
                })
                .fold(0, u64::saturating_add);
            (m.faults.len() as u64).saturating_add(random)
        }
        // A scenario that does not build fails its first run with its own error.
        Err(_) => s.spec.faults.len() as u64,
    };
    PerRun { faults, checks, bytes: per_run_bytes(faults, checks) }
}

/// Refuses `runs` of `plan` (exit 3) when their results would not fit in `budget` bytes;
/// the message starts with `what` (`--seeds 1..100000001`).
pub fn check(plan: &Plan, runs: &Range<u64>, what: &str, budget: u64) -> Result<(), String> {
    let n = runs.end - runs.start;
    let per = plan.points.iter().map(|p| per_run(&p.scenario)).max_by_key(|p| p.bytes);
    let Some(per) = per else { return Ok(()) };
    let total = sweep_memory_estimate(n, per.bytes);
    if total <= budget {
        return Ok(());
    }
    Err(format!(
        "{what}: {} runs × {} B of per-seed results ({} with detect and recover times, {} \
         that can fail) = {}, above the memory budget of {}: sweep fewer seeds",
        thousands(n),
        per.bytes,
        if per.faults == 1 { "1 fault".to_string() } else { format!("{} faults", per.faults) },
        if per.checks == 1 { "1 expectation".to_string() } else { format!("{} expectations", per.checks) },
        gib(total),
        gib(budget)
    ))
}

/// `100,000,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `9.3 GiB`.
pub fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_count_the_faults_and_refuse_what_does_not_fit() {
        assert_eq!(thousands(100_000_000), "100,000,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(gib(8 << 30), "8.0 GiB");
        assert!(per_run_bytes(2, 1) > per_run_bytes(1, 1));
        assert_eq!(sweep_memory_estimate(u64::MAX, 2), u64::MAX);
        let base = scenarios::load_library("channel-cut").expect("library scenario");
        let per = per_run(&base);
        assert_eq!(per.faults, 1);
        let plan = Plan::new(base, None, 1..100_000_001).expect("plan");
        let e = check(&plan, &(0..plan.runs()), "--seeds 1..100000001", 8 << 30).expect_err("too big");
        assert!(e.starts_with("--seeds 1..100000001: 100,000,000 runs × "), "{e}");
        assert!(e.contains("above the memory budget of 8.0 GiB"), "{e}");
        assert!(check(&plan, &(0..1_000_000), "--seeds 1..1000001", 8 << 30).is_ok());
    }
}
