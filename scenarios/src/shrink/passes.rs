//! The passes of a shrink, each a search over one aspect of the file, and the rounds that
//! repeat them until none finds anything more.
//!
//! Every pass proposes candidate documents and keeps one only when the judge says it fails
//! the target. Removals use `ddmin`; times, spans and counts use bisection on a grid
//! ([`TIME_STEP`] for times): the smallest value on the grid that still fails, when failing
//! is monotone in the value, and in any case a value that was tested and fails.

use std::collections::BTreeSet;

use sim_core::SimDuration;
use toml_edit::{Item, TableLike};

use super::ddmin::ddmin;
use super::edit::{Doc, Kind, Unit, get_dur, get_int, get_str, set_dur, set_value};
use super::judge::Judge;

/// The grid of the time searches (`at`, `delay`, `for`, `duration`): 1 ms. Finer would
/// add runs for digits nobody reads; a value the search does not improve keeps its exact
/// nanoseconds.
pub const TIME_STEP: u64 = 1_000_000;

/// The structural kinds removed after the faults, in this order (dependents before what
/// they depend on, so a step goes before its alarm and an alarm before its traffic group).
const STRUCTURE: [Kind; 8] =
    [Kind::Runbook, Kind::Alarm, Kind::Proxy, Kind::Traffic, Kind::Vpn, Kind::Backbone, Kind::Endpoint, Kind::Interconnect];

/// `[expect]` keys that are not checks.
const EXPECT_SCOPE: &str = "traffic";

/// The passes of a round, in the order they run: removals first (every later run is
/// cheaper), then the shift and `duration` (shorter runs), then each fault's own times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    Faults,
    Expectations,
    Shift,
    Duration,
    Spans,
    Structure,
    Counts,
}

impl Pass {
    // `Starts` (each fault's `at` moved on its own) is not run: it made independent faults
    // coincide, a failure the original never had (a hostile review, seed 2 of random-chaos).
    // `Shift` moves every fault together, keeping their spacing.
    const ALL: [Pass; 7] = [Pass::Faults, Pass::Expectations, Pass::Shift, Pass::Duration, Pass::Spans, Pass::Structure, Pass::Counts];

    fn name(self) -> &'static str {
        match self {
            Pass::Faults => "faults",
            Pass::Expectations => "expectations",
            Pass::Shift => "shift",
            Pass::Duration => "duration",
            Pass::Spans => "spans",
            Pass::Structure => "structure",
            Pass::Counts => "counts",
        }
    }
}

pub(crate) struct Shrinker<'j> {
    pub doc: Doc,
    pub judge: Judge<'j>,
    /// Candidates kept.
    pub accepted: u32,
    /// No fault is moved earlier than this (nanoseconds): when the traffic has warmed up
    /// (see `warm_up`), so a failure is never "found" in the start-up of the flows.
    pub earliest: u64,
    /// For a failure without a measured value (never detected, never recovered): how long
    /// the original run went on after the fault's start (the target's fault, or the last
    /// fault), in nanoseconds. The shrunk run keeps at least that long after it, so "never
    /// recovered in 11 minutes" cannot become "never recovered in the 1 ms left".
    pub tail: Option<u64>,
}

impl<'j> Shrinker<'j> {
    /// One round of every pass; true when any of them kept a candidate.
    pub fn round(&mut self) -> bool {
        let mut changed = false;
        for pass in Pass::ALL {
            if self.judge.exhausted {
                break;
            }
            self.judge.stage = pass.name();
            changed |= match pass {
                Pass::Faults => self.faults(),
                Pass::Expectations => self.expectations(),
                Pass::Shift => self.shift(),
                Pass::Duration => self.duration(),
                Pass::Spans => self.spans(),
                Pass::Structure => self.structure(),
                Pass::Counts => self.counts(),
            };
        }
        changed
    }

    /// Keeps a candidate if it fails the target.
    fn try1(&mut self, d: Option<Doc>) -> bool {
        let Some(d) = d else { return false };
        if self.judge.fails(Some(d.text())) {
            self.doc = d;
            self.accepted += 1;
            true
        } else {
            false
        }
    }

    /// `ddmin` over `units` of the current document; `pinned` ones are always kept.
    fn minimise(&mut self, units: Vec<Unit>, pinned: &BTreeSet<Unit>) -> bool {
        let free: Vec<Unit> = units.into_iter().filter(|u| !pinned.contains(u)).collect();
        if free.is_empty() {
            return false;
        }
        let base = self.doc.clone();
        let judge = &mut self.judge;
        let mut kept = 0;
        let removed = |cfg: &[Unit]| -> BTreeSet<Unit> { free.iter().filter(|u| !cfg.contains(u)).copied().collect() };
        let keep = ddmin(&free, |batch| {
            let texts: Vec<Option<String>> = batch.iter().map(|cfg| base.without(&removed(cfg)).map(|d| d.text())).collect();
            let hit = judge.first_failing(&texts);
            kept += u32::from(hit.is_some());
            hit
        });
        self.accepted += kept;
        if keep.len() == free.len() {
            return false;
        }
        match base.without(&removed(&keep)) {
            Some(d) => {
                self.doc = d;
                true
            }
            None => false,
        }
    }

    /// The smallest value on the `step` grid in `floor..cur` for which `make(value)` still
    /// fails, by bisection (the lowest point is tried first). True when one was kept.
    fn bisect(&mut self, cur: u64, floor: u64, step: u64, make: impl Fn(u64) -> Option<Doc>) -> bool {
        let first = floor.div_ceil(step) * step;
        if first >= cur {
            return false;
        }
        if self.try1(make(first)) {
            return true;
        }
        let (mut bad, mut good) = (first, cur);
        let mut changed = false;
        while !self.judge.exhausted {
            let mid = (bad + (good - bad) / 2) / step * step;
            if mid <= bad || mid >= good {
                break;
            }
            if self.try1(make(mid)) {
                good = mid;
                changed = true;
            } else {
                bad = mid;
            }
        }
        changed
    }

    /// The fault (or, with random processes kept, the process) the target names.
    fn pinned(&self) -> BTreeSet<Unit> {
        let Some(f) = self.judge.target().fault.clone() else { return BTreeSet::new() };
        let (kind, id) = match f.split_once('#') {
            Some((process, _)) => (Kind::RandomFaults, process.to_string()),
            None => (Kind::Fault, f),
        };
        self.doc.units(kind).into_iter().filter(|u| self.doc.id(u.kind, u.index).as_deref() == Some(id.as_str())).collect()
    }

    /// Delta debugging over the faults (and random processes, when they are kept).
    fn faults(&mut self) -> bool {
        let mut units = self.doc.units(Kind::Fault);
        units.extend(self.doc.units(Kind::RandomFaults));
        let pinned = self.pinned();
        self.minimise(units, &pinned)
    }

    /// Every `[expect]` check but the target's, in one candidate: the other checks do not
    /// change the run, only what it is judged on.
    fn expectations(&mut self) -> bool {
        let target = self.judge.target().check.clone();
        let Some(e) = self.doc.top("expect") else { return false };
        let others: Vec<String> = e.iter().map(|(k, _)| k.to_string()).filter(|k| *k != target && k != EXPECT_SCOPE).collect();
        if others.is_empty() {
            return false;
        }
        let mut d = self.doc.clone();
        if let Some(e) = d.top_mut("expect") {
            for k in &others {
                e.remove(k);
            }
        }
        self.try1(Some(d))
    }

    /// Every `at` of the faults and runbook steps earlier by the same amount, so faults
    /// keep their order and overlaps: the earliest moves toward 0.
    fn shift(&mut self) -> bool {
        let timed: Vec<(Kind, usize, u64)> = [Kind::Fault, Kind::Runbook]
            .iter()
            .flat_map(|&k| self.doc.units(k))
            .filter_map(|u| self.doc.table(u.kind, u.index).and_then(|t| get_dur(t, "at")).map(|d| (u.kind, u.index, d.as_nanos())))
            .collect();
        let Some(min) = timed.iter().filter(|t| t.0 == Kind::Fault).map(|t| t.2).min() else { return false };
        let base = self.doc.clone();
        // The steps may not move before 0 either.
        let floor = self.earliest.max(min.saturating_sub(timed.iter().map(|t| t.2).min().unwrap_or(min)));
        self.bisect(min, floor, TIME_STEP, |v| {
            let by = min - v;
            let mut d = base.clone();
            for &(k, i, at) in &timed {
                set_dur(d.table_mut(k, i)?, "at", SimDuration(at - by));
            }
            Some(d)
        })
    }

    /// The run's `duration` as short as still fails: just past the last fault's effect, as
    /// the judge rejects a run that ends before a kept fault is detected or converges (see
    /// `judge`), and not before the last scripted start (a fault must start before the end).
    /// A fault whose span would reach past the new end loses its `for` (it lasts to the end,
    /// as it did).
    fn duration(&mut self) -> bool {
        let Some(cur) = self.doc.top("scenario").and_then(|t| get_dur(t, "duration")) else { return false };
        let spans: Vec<(usize, u64, Option<u64>)> = (0..self.doc.len(Kind::Fault))
            .filter_map(|i| {
                let t = self.doc.table(Kind::Fault, i)?;
                Some((i, get_dur(t, "at")?.as_nanos(), get_dur(t, "for").map(|d| d.as_nanos())))
            })
            .collect();
        let mut floor = spans.iter().map(|s| s.1.saturating_add(1)).max().unwrap_or(0).max(TIME_STEP);
        if let Some(tail) = self.tail {
            let target = self.judge.target().fault.clone();
            let reference = match &target {
                Some(f) => (0..self.doc.len(Kind::Fault))
                    .find(|&i| self.doc.id(Kind::Fault, i).as_deref() == Some(f.as_str()))
                    .and_then(|i| spans.iter().find(|s| s.0 == i))
                    .map(|s| s.1),
                None => spans.iter().map(|s| s.1).max(),
            };
            // Without a start to measure from, the run keeps its length.
            let Some(at) = reference else { return false };
            floor = floor.max(at.saturating_add(tail));
        }
        let base = self.doc.clone();
        self.bisect(cur.as_nanos(), floor, TIME_STEP, |v| {
            let mut d = base.clone();
            set_dur(d.top_mut("scenario")?, "duration", SimDuration(v));
            for &(i, at, span) in &spans {
                if span.is_some_and(|f| at.saturating_add(f) >= v) {
                    d.table_mut(Kind::Fault, i)?.remove("for");
                }
            }
            Some(d)
        })
    }

    /// Each fault shorter: `for` toward 1 ms (a fault without `for` lasts to the end and keeps
    /// doing so), a flap's `count` toward 1. Resets are instant: nothing to shorten.
    fn spans(&mut self) -> bool {
        let mut changed = false;
        for i in 0..self.doc.len(Kind::Fault) {
            let Some(t) = self.doc.table(Kind::Fault, i) else { continue };
            if t.contains_key("bgp_reset") {
                continue;
            }
            if let Some(flap) = t.get("flap").and_then(Item::as_table_like) {
                let Some(count) = get_int(flap, "count").filter(|&c| c > 1) else { continue };
                let base = self.doc.clone();
                changed |= self.bisect(count as u64, 1, 1, |v| {
                    let mut d = base.clone();
                    let flap = d.table_mut(Kind::Fault, i)?.get_mut("flap")?.as_table_like_mut()?;
                    set_value(flap, "count", v as i64);
                    Some(d)
                });
                continue;
            }
            // A fault without `for` lasts to the end: giving it one would let it recover in the
            // shrunk file where the original never did.
            let Some(cur) = get_dur(t, "for").map(|d| d.as_nanos()) else { continue };
            changed |= self.set_dur_search(Kind::Fault, i, "for", cur, TIME_STEP);
        }
        changed
    }

    /// Bisection of one duration key of one table.
    fn set_dur_search(&mut self, kind: Kind, i: usize, key: &'static str, cur: u64, floor: u64) -> bool {
        let base = self.doc.clone();
        self.bisect(cur, floor, TIME_STEP, |v| {
            let mut d = base.clone();
            set_dur(d.table_mut(kind, i)?, key, SimDuration(v));
            Some(d)
        })
    }

    /// Delta debugging over runbook steps, alarms, proxies, traffic groups, VPNs,
    /// backbones, endpoints and interconnects, one kind at a time.
    fn structure(&mut self) -> bool {
        let mut changed = false;
        for kind in STRUCTURE {
            if self.judge.exhausted {
                break;
            }
            let units = self.doc.units(kind);
            changed |= self.minimise(units, &BTreeSet::new());
        }
        changed
    }

    /// Fewer copies of a replicated interconnect or traffic group (`count` toward 1).
    fn counts(&mut self) -> bool {
        let mut changed = false;
        for kind in [Kind::Traffic, Kind::Interconnect] {
            for i in 0..self.doc.len(kind) {
                let Some(count) = self.doc.table(kind, i).and_then(|t| get_int(t, "count")).filter(|&c| c > 1) else { continue };
                let base = self.doc.clone();
                changed |= self.bisect(count as u64, 1, 1, |v| {
                    let mut d = base.clone();
                    set_value(d.table_mut(kind, i)?, "count", v as i64);
                    Some(d)
                });
            }
        }
        changed
    }
}

/// The ids of every fault in `doc` (for the report).
pub(crate) fn fault_ids(doc: &Doc) -> Vec<String> {
    (0..doc.len(Kind::Fault)).filter_map(|i| doc.table(Kind::Fault, i).and_then(|t: &dyn TableLike| get_str(t, "id"))).collect()
}
