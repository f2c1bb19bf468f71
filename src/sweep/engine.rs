//! Runs a slice of a sweep's runs on `jobs` threads and hands the results on in run order,
//! as they finish (a reorder buffer of at most a window of runs), so a shard's NDJSON is
//! streamed and a killed job leaves a file that shows what ran.
//!
//! Runs are handed out in increasing order, so the runs that started are always a prefix
//! of the slice. A `--budget` starts no run once the time spent plus the mean wall time of
//! the runs finished so far would pass it (checked by the dispatcher and again by the
//! worker as it picks a run up, so runs queued ahead are not started late), and abandons
//! the runs still going when it is spent: a sweep ends within about one chunk of events
//! after its budget, and what is left is one range, listed as unrun. The budget is the only
//! thing here that reads the clock, and it decides only how many runs are kept, never what
//! a run computes. SIGINT or
//! SIGTERM stops handing out runs too and abandons those in flight; results are handed on
//! up to the first abandoned run, so what is left is again one range.

use std::collections::BTreeMap;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    let clock = Budget::new(budget);
    let stop_now = || match interrupt::received() {
        Some(sig) => Some(Stop::Signal(sig)),
        None => clock.no_time_for_another().then_some(Stop::Budget),
    };
    let abandon = || interrupt::received().is_some() || clock.spent();
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
            let clock = &clock;
            scope.spawn(move || {
                loop {
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok(k) = next else { break };
                    let (point, seed) = plan.run(k);
                    // A run queued before the budget ran short is not started late.
                    let r = if clock.no_time_for_another() {
                        Ok(None)
                    } else {
                        let t = Instant::now();
                        let r = catch_unwind(AssertUnwindSafe(|| run_one(&plan.points[point].scenario, point, seed, abandon)))
                            .unwrap_or_else(|_| Err(anyhow::anyhow!("seed {seed} panicked (a bug: please report it with this seed)")));
                        if matches!(r, Ok(Some(_))) {
                            clock.finished(t.elapsed());
                        }
                        r
                    };
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
                        // A signal, or the budget (a run not started or abandoned at its end).
                        stop = Some(interrupt::received().map_or(Stop::Budget, Stop::Signal));
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

/// The wall-clock budget of a sweep, and what the runs so far say a run takes.
struct Budget {
    started: Instant,
    budget: Option<Duration>,
    /// Set once a run was refused: no later run starts, so what ran stays a prefix.
    out: AtomicBool,
    runs: AtomicU64,
    run_nanos: AtomicU64,
}

impl Budget {
    fn new(budget: Option<Duration>) -> Budget {
        Budget { started: Instant::now(), budget, out: AtomicBool::new(false), runs: AtomicU64::new(0), run_nanos: AtomicU64::new(0) }
    }

    fn finished(&self, took: Duration) {
        self.run_nanos.fetch_add(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
        self.runs.fetch_add(1, Ordering::Relaxed);
    }

    /// The mean wall time of the runs finished so far (zero before the first).
    fn expected(&self) -> Duration {
        let n = self.runs.load(Ordering::Relaxed);
        Duration::from_nanos(self.run_nanos.load(Ordering::Relaxed).checked_div(n).unwrap_or(0))
    }

    /// True once the time spent plus a run's expected time passes the budget: no run starts.
    fn no_time_for_another(&self) -> bool {
        let Some(b) = self.budget else { return false };
        if self.out.load(Ordering::Relaxed) {
            return true;
        }
        let out = self.started.elapsed() + self.expected() > b || self.started.elapsed() >= b;
        if out {
            self.out.store(true, Ordering::Relaxed);
        }
        out
    }

    /// True once the budget is spent: the runs still going are abandoned.
    fn spent(&self) -> bool {
        self.budget.is_some_and(|b| self.started.elapsed() >= b)
    }
}
