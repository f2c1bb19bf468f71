//! Runs a slice of a sweep's runs on `jobs` threads and hands the results on in run order,
//! as they finish (a reorder buffer of at most a window of runs), so a shard's NDJSON is
//! streamed and a killed job leaves a file that shows what ran.
//!
//! Runs are handed out in increasing order, so the runs that started are always a prefix
//! of the slice: a `--budget` stops handing out new ones (those already running finish) and
//! what is left is one range, listed as unrun. The budget is the only thing here that reads
//! the clock, and it decides only how many runs start, never what a run computes.

use std::collections::BTreeMap;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use super::plan::Plan;
use super::result::{SeedResult, run_one};

/// Runs `runs` of `plan`, calling `sink` with each result in run order. Returns the runs
/// the budget left unstarted (empty when all ran).
pub fn run(
    plan: &Plan,
    runs: Range<u64>,
    jobs: usize,
    budget: Option<Duration>,
    mut sink: impl FnMut(SeedResult) -> anyhow::Result<()>,
) -> anyhow::Result<Range<u64>> {
    let started = Instant::now();
    let spent = || budget.is_some_and(|b| started.elapsed() >= b);
    let jobs = jobs.clamp(1, usize::try_from(runs.end - runs.start).unwrap_or(usize::MAX).max(1));
    // Enough runs in flight to keep every thread busy while one slow run holds the head.
    let window = (jobs as u64 * 16).max(32);
    let (work_tx, work_rx) = mpsc::sync_channel::<u64>(usize::try_from(window).unwrap_or(usize::MAX));
    let work_rx = Mutex::new(work_rx);
    let (res_tx, res_rx) = mpsc::channel::<(u64, anyhow::Result<SeedResult>)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let res_tx = res_tx.clone();
            let work_rx = &work_rx;
            scope.spawn(move || {
                loop {
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok(k) = next else { break };
                    let (point, seed) = plan.run(k);
                    let r = catch_unwind(AssertUnwindSafe(|| run_one(&plan.points[point].scenario, point, seed)))
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("seed {seed} panicked (a bug: please report it with this seed)")));
                    if res_tx.send((k, r)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(res_tx);
        let mut next = runs.start;
        let mut emitted = runs.start;
        let mut pending: BTreeMap<u64, anyhow::Result<SeedResult>> = BTreeMap::new();
        let mut stop = false;
        let mut failure: Option<anyhow::Error> = None;
        loop {
            while !stop && next < runs.end && next - emitted < window {
                if spent() {
                    stop = true;
                    break;
                }
                if work_tx.send(next).is_err() {
                    stop = true;
                    break;
                }
                next += 1;
            }
            if emitted == next {
                break;
            }
            let Ok((k, r)) = res_rx.recv() else {
                failure.get_or_insert_with(|| anyhow::anyhow!("the sweep's worker threads stopped"));
                break;
            };
            pending.insert(k, r);
            while let Some(r) = pending.remove(&emitted) {
                emitted += 1;
                if failure.is_some() {
                    continue;
                }
                if let Err(e) = r.and_then(&mut sink) {
                    failure = Some(e);
                    stop = true;
                }
            }
        }
        drop(work_tx);
        match failure {
            Some(e) => Err(e),
            None => Ok(next..runs.end),
        }
    })
}
