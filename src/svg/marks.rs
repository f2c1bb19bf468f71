//! What the charts draw besides the lines: every fault window, and a mark for each
//! detection, convergence, recovery, alarm and runbook action, and the [expect] targets.
//! Everything comes from the run's report (the numbers `--json` prints), shifted to absolute
//! simulated time: a fault's `detect_s` counts from its start.

use scenarios::Expectations;

use crate::outcome::Outcome;

/// What a mark stands for (a closed set: each has its glyph and colour in the legend).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MarkKind {
    Detect,
    Converge,
    Recover,
    Alarm,
    Runbook,
    /// A fault's start plus `[expect] rto_within`.
    RtoTarget,
    /// A fault's start plus `[expect] recover_within`.
    RecoverTarget,
}

impl MarkKind {
    pub const ALL: [MarkKind; 7] = [
        MarkKind::Detect,
        MarkKind::Converge,
        MarkKind::Recover,
        MarkKind::Alarm,
        MarkKind::Runbook,
        MarkKind::RtoTarget,
        MarkKind::RecoverTarget,
    ];

    /// The letter in the mark's circle (a target's tag reads its limit instead: see
    /// [`target_label`]).
    pub fn glyph(self) -> &'static str {
        match self {
            MarkKind::Detect => "D",
            MarkKind::Converge => "C",
            MarkKind::Recover => "R",
            MarkKind::Alarm => "A",
            MarkKind::Runbook => "S",
            MarkKind::RtoTarget => "RTO",
            MarkKind::RecoverTarget => "recover",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MarkKind::Detect => "detection",
            MarkKind::Converge => "convergence",
            MarkKind::Recover => "recovery",
            MarkKind::Alarm => "alarm",
            MarkKind::Runbook => "runbook step",
            MarkKind::RtoTarget => "RTO target",
            MarkKind::RecoverTarget => "recover_within target",
        }
    }

    pub fn colour(self) -> &'static str {
        match self {
            MarkKind::Detect => "#0072b2",
            MarkKind::Converge => "#56b4e9",
            MarkKind::Recover => "#009e73",
            MarkKind::Alarm => "#d55e00",
            MarkKind::Runbook => "#cc79a7",
            MarkKind::RtoTarget | MarkKind::RecoverTarget => "#b00020",
        }
    }

    /// The `[expect]` key a target stands for.
    pub fn expect_key(self) -> Option<&'static str> {
        match self {
            MarkKind::RtoTarget => Some("rto_within"),
            MarkKind::RecoverTarget => Some("recover_within"),
            _ => None,
        }
    }

    /// Targets are drawn dashed: they are what was asked for, not what happened.
    pub fn is_target(self) -> bool {
        matches!(self, MarkKind::RtoTarget | MarkKind::RecoverTarget)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub t_s: f64,
    pub kind: MarkKind,
    /// What it is about: `detection of cut-a`, `alarm page-oncall fired`.
    pub text: String,
    /// The fault it belongs to (its index in the report), for detection, convergence,
    /// recovery and targets.
    pub fault: Option<usize>,
    /// What its glyph reads: the kind's letter, or for a target what it is and its limit
    /// (`RTO ≤ 15min`, `recover ≤ 5s`), so the two targets, both red and dashed, are told
    /// apart on the chart itself and not only in its tooltip.
    pub label: String,
}

impl Mark {
    /// Whether it is drawn as a lettered circle (an event) or a labelled tag (a target).
    pub fn is_tag(&self) -> bool {
        self.kind.is_target()
    }

    /// Its glyph's width in pixels: a circle of radius 7, or a tag around its label.
    pub fn glyph_width(&self) -> f64 {
        if self.is_tag() { crate::svg::text_width(&self.label, 9.5) + 10.0 } else { 14.0 }
    }
}

/// A fault's window: start to repair (to the run's end when never repaired).
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub id: String,
    pub start_s: f64,
    pub end_s: f64,
    pub repaired: bool,
}

pub fn windows(o: &Outcome) -> Vec<Window> {
    o.report
        .faults
        .iter()
        .map(|f| Window { id: f.id.clone(), start_s: f.at_s, end_s: f.end_s.unwrap_or(o.report.duration_s), repaired: f.end_s.is_some() })
        .collect()
}

/// Every mark of the run, in time order (ties: kind, then text), so the charts and the
/// annotations list them the same way.
pub fn marks(o: &Outcome, expect: Option<&Expectations>) -> Vec<Mark> {
    let r = &o.report;
    let mut out = Vec::new();
    for (i, f) in r.faults.iter().enumerate() {
        let rel = |d: Option<f64>, kind: MarkKind, what: &str| {
            d.map(|d| Mark {
                t_s: f.at_s + d,
                kind,
                text: format!("{what} {}", f.id),
                fault: Some(i),
                label: if kind.is_target() { target_label(kind, d) } else { kind.glyph().to_string() },
            })
        };
        out.extend(rel(f.detect_s, MarkKind::Detect, "detection of"));
        out.extend(rel(f.converge_s, MarkKind::Converge, "convergence after"));
        // A fault that disrupted no flow "recovers" at its start (README, Metrics): say so, so a
        // postmortem does not read a recovery into a fault nothing noticed.
        out.extend(rel(f.recover_s, MarkKind::Recover, "recovery from").map(|mut m| {
            if f.effect.flows_disrupted == 0 {
                m.text.push_str(" (it disrupted no traffic)");
            }
            m
        }));
        if let Some(e) = expect {
            let secs = |d: Option<sim_core::SimDuration>| d.map(|d| d.as_secs_f64());
            out.extend(rel(secs(e.rto_within), MarkKind::RtoTarget, "RTO target for"));
            out.extend(rel(secs(e.recover_within), MarkKind::RecoverTarget, "recover_within target for"));
        }
    }
    for a in &r.alarms {
        out.extend(a.fired_s.iter().map(|&t| Mark {
            t_s: t,
            kind: MarkKind::Alarm,
            text: format!("alarm {} fired", a.id),
            fault: None,
            label: MarkKind::Alarm.glyph().into(),
        }));
    }
    for s in &r.runbook {
        out.extend(s.acted_s.map(|t| Mark {
            t_s: t,
            kind: MarkKind::Runbook,
            text: step_text(s),
            fault: None,
            label: MarkKind::Runbook.glyph().into(),
        }));
    }
    out.sort_by(|a, b| a.t_s.total_cmp(&b.t_s).then(a.kind.cmp(&b.kind)).then_with(|| a.text.cmp(&b.text)));
    out
}

/// A target's tag: `RTO ≤ 15min`, `recover ≤ 5s` (the limit as the scenario file writes
/// durations), the same text the legend and the timeline's key use.
pub fn target_label(kind: MarkKind, limit_s: f64) -> String {
    // Whole minutes from 2 min up read as a person sets them (`15min`, not `900s`).
    let whole_min = limit_s >= 120.0 && (limit_s / 60.0).fract() == 0.0;
    let limit = if whole_min { format!("{}min", limit_s / 60.0) } else { sim_core::show::show_secs_exact(limit_s) };
    format!("{} ≤ {limit}", kind.glyph())
}

/// Puts each item (a pixel extent) in the first lane where it overlaps nothing, up to
/// `max_lanes`; `None` for an item no lane has room for (drawn without its label).
pub fn lanes(extents: &[(f64, f64)], max_lanes: usize) -> Vec<Option<usize>> {
    let mut ends: Vec<f64> = Vec::new();
    let mut order: Vec<usize> = (0..extents.len()).collect();
    order.sort_by(|&a, &b| extents[a].0.total_cmp(&extents[b].0).then(a.cmp(&b)));
    let mut lane = vec![None; extents.len()];
    for i in order {
        let (x0, x1) = extents[i];
        if let Some(l) = ends.iter().position(|&e| e + 4.0 <= x0) {
            ends[l] = x1;
            lane[i] = Some(l);
        } else if ends.len() < max_lanes {
            ends.push(x1);
            lane[i] = Some(ends.len() - 1);
        }
    }
    lane
}

/// "runbook step ID acted", and what it found if its work was already done.
pub(crate) fn step_text(s: &sim_core::report::StepReport) -> String {
    match s.found {
        Some(f) => format!("runbook step {} acted: {}", s.id, f.sentence()),
        None => format!("runbook step {} acted", s.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_labels_go_to_separate_lanes() {
        let l = lanes(&[(0.0, 100.0), (50.0, 120.0), (110.0, 200.0), (300.0, 310.0)], 2);
        assert_eq!(l, vec![Some(0), Some(1), Some(0), Some(0)]);
        // A third overlapping item has no lane left.
        let l = lanes(&[(0.0, 100.0), (10.0, 100.0), (20.0, 100.0)], 2);
        assert_eq!(l, vec![Some(0), Some(1), None]);
    }
}
