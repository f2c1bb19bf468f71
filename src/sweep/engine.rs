//! Runs a slice of a sweep's runs on `jobs` threads and hands the results on in run order,
//! as they finish (a reorder buffer of at most a window of runs), so a shard's NDJSON is
//! streamed and a killed job leaves a file that shows what ran.
//!
//! Runs are handed out in increasing order, so the runs that started are always a prefix
//! of the slice: a `--budget` stops handing out new ones (those already running finish) and
//! what is left is one range, listed as unrun. The budget is the only thing here that reads
//! the clock, and it decides only how many runs start, never what a run computes. SIGINT or
//! SIGTERM stops handing out runs too and abandons those in flight; results are handed on
//! up to the first abandoned run, so what is left is again one range.

use std::collections::BTreeMap;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use super::plan::Plan;
use super::result::{SeedResult, run_one};
use crate::interrupt::{self, Signal};

/// Why runs were left unstarted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// `--budget` ran out.
    Budget,
    /// SIGINT or SIGTERM.
    Signal(Signal),
}

/// What a slice's run left undone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ran {
    /// The runs never started or abandoned (empty when all ran): always a suffix.
    pub unrun: Range<u64>,
    pub stop: Option<Stop>,
}

/// Runs `runs` of `plan`, calling `sink` with each result in run order, until all ran, the
/// budget is spent or a signal arrives.
///
/// On a signal no run starts, the runs in flight are abandoned (they stop within a few
/// thousand instants), and the results are handed on up to the first abandoned one:
/// what ran is still a prefix, the rest one unrun range.
pub fn run(
    plan: &Plan,
    runs: Range<u64>,
    jobs: usize,
    budget: Option<Duration>,
    mut sink: impl FnMut(SeedResult) -> anyhow::Result<()>,
) -> anyhow::Result<Ran> {
    let started = Instant::now();
    let stop_now = || match interrupt::received() {
        Some(sig) => Some(Stop::Signal(sig)),
        None => budget.is_some_and(|b| started.elapsed() >= b).then_some(Stop::Budget),
    };
    let abandon = || interrupt::received().is_some();
    let jobs = jobs.clamp(1, usize::try_from(runs.end - runs.start).unwrap_or(usize::MAX).max(1));
    // Enough runs in flight to keep every thread busy while one slow run holds the head.
    let window = (jobs as u64 * 16).max(32);
    let (work_tx, work_rx) = mpsc::sync_channel::<u64>(usize::try_from(window).unwrap_or(usize::MAX));
    let work_rx = Mutex::new(work_rx);
    type Done = (u64, anyhow::Result<Option<SeedResult>>);
    let (res_tx, res_rx) = mpsc::channel::<Done>();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let res_tx = res_tx.clone();
            let work_rx = &work_rx;
            let abandon = &abandon;
            scope.spawn(move || {
                loop {
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok(k) = next else { break };
                    let (point, seed) = plan.run(k);
                    let r = catch_unwind(AssertUnwindSafe(|| run_one(&plan.points[point].scenario, point, seed, abandon)))
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
        let mut received = 0u64;
        let mut pending: BTreeMap<u64, anyhow::Result<Option<SeedResult>>> = BTreeMap::new();
        let mut stop: Option<Stop> = None;
        // The first abandoned run: nothing from it on is handed on.
        let mut cut: Option<u64> = None;
        let mut failure: Option<anyhow::Error> = None;
        loop {
            while stop.is_none() && failure.is_none() && next < runs.end && next - emitted < window {
                if let Some(s) = stop_now() {
                    stop = Some(s);
                    break;
                }
                if work_tx.send(next).is_err() {
                    failure.get_or_insert_with(|| anyhow::anyhow!("the sweep's worker threads stopped"));
                    break;
                }
                next += 1;
            }
            if received == next - runs.start {
                break;
            }
            let Ok((k, r)) = res_rx.recv() else {
                failure.get_or_insert_with(|| anyhow::anyhow!("the sweep's worker threads stopped"));
                break;
            };
            received += 1;
            pending.insert(k, r);
            while cut.is_none()
                && let Some(r) = pending.remove(&emitted)
            {
                match r {
                    Ok(None) => {
                        cut = Some(emitted);
                        // Only a signal abandons a run.
                        stop = interrupt::received().map(Stop::Signal).or(stop);
                    }
                    Ok(Some(_)) | Err(_) if failure.is_some() => emitted += 1,
                    Ok(Some(r)) => {
                        emitted += 1;
                        if let Err(e) = sink(r) {
                            failure = Some(e);
                        }
                    }
                    Err(e) => {
                        emitted += 1;
                        failure = Some(e);
                    }
                }
            }
        }
        drop(work_tx);
        match failure {
            Some(e) => Err(e),
            None => {
                let from = cut.unwrap_or(next);
                // Runs handed out before the stop but finished after it still ran: the
                // stop is the reason only when something was left.
                let stop = if from < runs.end { stop } else { None };
                Ok(Ran { unrun: from..runs.end, stop })
            }
        }
    })
}
