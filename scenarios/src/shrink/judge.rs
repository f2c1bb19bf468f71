//! Judging candidates: each is compiled and run from its text, and it is kept only when it
//! fails the target (see `target`). Results are cached by text.
//!
//! A batch is judged as the sequential loop would judge it: in order, up to and including
//! the first that fails. With `jobs > 1` the batch is run `jobs` at a time on scoped
//! threads; runs past the first failing one are discarded (not counted, not cached), so the
//! count of candidates, the budget and every decision are the same for any `jobs`.

use std::collections::{BTreeMap, HashMap};

use sim_core::SimOptions;

use super::Progress;
use super::target::Target;

/// What one candidate did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Judged {
    /// It fails the target: keep it.
    Fails,
    /// It ran and does not fail the target.
    Other,
    /// It does not compile (a removal left a dangling reference, a time past the end).
    Invalid,
}

/// What each fault of the file the shrink starts from did: whether it was detected (a
/// session went down) and whether it changed forwarding.
/// Per fault id: detected, forwarding changed, and how it recovered (`failover`, `repair`,
/// or `None` when it never did).
pub(crate) type Reactions = BTreeMap<String, (bool, bool, Option<&'static str>)>;

pub(crate) struct Judge<'a> {
    origin: String,
    target: Target,
    /// A candidate must keep these reactions of the faults it keeps (see [`judge`]).
    reactions: Reactions,
    jobs: usize,
    max_runs: u64,
    cache: HashMap<String, bool>,
    /// Candidates judged (run or rejected by the compiler), as the sequential loop counts.
    pub candidates: u64,
    /// Of those, the ones that did not compile.
    pub invalid: u64,
    /// Simulations actually run, speculative ones of a parallel batch included.
    pub executed: u64,
    /// The budget ran out: every later batch is answered "nothing fails".
    pub exhausted: bool,
    progress: Option<&'a (dyn Fn(Progress<'_>) + Sync)>,
    pub stage: &'static str,
}

impl<'a> Judge<'a> {
    pub fn new(origin: &str, target: Target, jobs: usize, max_runs: u64, progress: Option<&'a (dyn Fn(Progress<'_>) + Sync)>) -> Judge<'a> {
        Judge {
            origin: origin.to_string(),
            target,
            reactions: Reactions::new(),
            jobs: jobs.max(1),
            max_runs,
            cache: HashMap::new(),
            candidates: 0,
            invalid: 0,
            executed: 0,
            exhausted: false,
            progress,
            stage: "",
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Changes the target (after materialising random faults renames the failing one).
    pub fn retarget(&mut self, t: Target) {
        self.target = t;
        self.cache.clear();
    }

    /// Sets the reactions every later candidate must keep.
    pub fn require(&mut self, reactions: Reactions) {
        self.reactions = reactions;
        self.cache.clear();
    }

    /// Whether `text` fails the target: a check of the shrink's own rewriting (the seed and
    /// ids spelled out, random faults scripted), not a candidate, so neither counted nor
    /// limited by the budget.
    pub fn verify(&mut self, text: &str) -> bool {
        self.executed += 1;
        judge(&self.origin, text, &self.target, &self.reactions) == Judged::Fails
    }

    /// Whether one candidate fails the target.
    pub fn fails(&mut self, text: Option<String>) -> bool {
        self.first_failing(&[text]).is_some()
    }

    /// The index of the first candidate of `batch` that fails the target (`None` entries
    /// are candidates rejected before compiling).
    pub fn first_failing(&mut self, batch: &[Option<String>]) -> Option<usize> {
        let mut pending: Vec<usize> = Vec::new();
        for (i, text) in batch.iter().enumerate() {
            let Some(text) = text else { continue };
            if let Some(&hit) = self.cache.get(text) {
                if hit {
                    return self.flush(batch, &mut pending).or(Some(i));
                }
                continue;
            }
            // A text already waiting in this batch has the earlier one's answer.
            if pending.iter().any(|&j| batch[j].as_ref() == Some(text)) {
                continue;
            }
            if self.candidates + pending.len() as u64 >= self.max_runs {
                self.exhausted = true;
                return self.flush(batch, &mut pending);
            }
            pending.push(i);
            if pending.len() == self.jobs
                && let Some(hit) = self.flush(batch, &mut pending)
            {
                return Some(hit);
            }
        }
        self.flush(batch, &mut pending)
    }

    /// Runs the pending candidates; counts and caches them up to the first that fails.
    fn flush(&mut self, batch: &[Option<String>], pending: &mut Vec<usize>) -> Option<usize> {
        if pending.is_empty() {
            return None;
        }
        let texts: Vec<&str> = pending.iter().filter_map(|&i| batch[i].as_deref()).collect();
        let results: Vec<Judged> = if texts.len() == 1 {
            vec![judge(&self.origin, texts[0], &self.target, &self.reactions)]
        } else {
            let (origin, target, reactions) = (&self.origin, &self.target, &self.reactions);
            std::thread::scope(|s| {
                let handles: Vec<_> = texts.iter().map(|t| s.spawn(move || judge(origin, t, target, reactions))).collect();
                // A panicking run is a bug in the simulator; treat it as "does not fail".
                handles.into_iter().map(|h| h.join().unwrap_or(Judged::Other)).collect()
            })
        };
        self.executed += results.iter().filter(|r| **r != Judged::Invalid).count() as u64;
        let mut hit = None;
        for (k, r) in results.iter().enumerate() {
            self.candidates += 1;
            if *r == Judged::Invalid {
                self.invalid += 1;
            }
            self.cache.insert(texts[k].to_string(), *r == Judged::Fails);
            if *r == Judged::Fails {
                hit = Some(pending[k]);
                break;
            }
        }
        pending.clear();
        if let Some(p) = self.progress {
            p(Progress::Candidates { stage: self.stage, candidates: self.candidates });
        }
        hit
    }
}

/// Compiles and runs one candidate. It fails the same way when it fails the target and
/// every fault it keeps that was detected, or changed forwarding, in the file the shrink
/// started from still does, and recovers the same way (by failover, by repair, or never):
/// so a fault is not shortened below what the network takes to notice it or to fail over
/// (a cut shorter than local repair recovers by repair, another mechanism), nor the run cut
/// before the network reacted.
fn judge(origin: &str, text: &str, target: &Target, reactions: &Reactions) -> Judged {
    let Ok(s) = crate::load_str(origin, text) else { return Judged::Invalid };
    let Ok(o) = crate::run(&s, s.seed, SimOptions::default()) else { return Judged::Invalid };
    if target.find(&o.checks).is_none() {
        return Judged::Other;
    }
    let kept = o.report.faults.iter().all(|f| {
        reactions.get(&f.id).is_none_or(|&(detected, converged, recovered_by)| {
            (!detected || f.detect_s.is_some())
                && (!converged || f.converge_s.is_some())
                && f.recovered_by.map(|b| b.label()) == recovered_by
        })
    });
    if kept { Judged::Fails } else { Judged::Other }
}

/// The reactions of every fault in a run of `text`.
pub(crate) fn reactions(origin: &str, text: &str) -> Reactions {
    let Ok(s) = crate::load_str(origin, text) else { return Reactions::new() };
    let Ok(o) = crate::run(&s, s.seed, SimOptions::default()) else { return Reactions::new() };
    o.report
        .faults
        .iter()
        .map(|f| (f.id.clone(), (f.detect_s.is_some(), f.converge_s.is_some(), f.recovered_by.map(|b| b.label()))))
        .collect()
}
