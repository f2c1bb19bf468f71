//! Judging candidates: each is compiled and run from its text, and it is kept only when it
//! fails the target (see `target`). Results are cached by text.
//!
//! A batch is judged as the sequential loop would judge it: in order, up to and including
//! the first that fails. With `jobs > 1` the batch is run `jobs` at a time on scoped
//! threads; runs past the first failing one are discarded (not counted, not cached), so the
//! count of candidates, the budget and every decision are the same for any `jobs`.

use std::collections::HashMap;

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

pub(crate) struct Judge<'a> {
    origin: String,
    target: Target,
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
            vec![judge(&self.origin, texts[0], &self.target)]
        } else {
            let (origin, target) = (&self.origin, &self.target);
            std::thread::scope(|s| {
                let handles: Vec<_> = texts.iter().map(|t| s.spawn(move || judge(origin, t, target))).collect();
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

/// Compiles and runs one candidate.
fn judge(origin: &str, text: &str, target: &Target) -> Judged {
    let Ok(s) = crate::load_str(origin, text) else { return Judged::Invalid };
    match crate::run(&s, s.seed, SimOptions::default()) {
        Ok(o) if target.find(&o.checks).is_some() => Judged::Fails,
        Ok(_) => Judged::Other,
        Err(_) => Judged::Invalid,
    }
}
