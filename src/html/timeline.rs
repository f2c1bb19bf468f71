//! The report's timeline: one row per fault (its window, its detection, convergence and
//! recovery, the RTO / recovery targets and the RPO target before it), per alarm and per
//! runbook step, on the same time axis and with the same marks as the throughput chart; then
//! the chronology, every event in time order.

use std::fmt::Write;

use scenarios::Scenario;

use super::escape::esc;
use crate::outcome::Outcome;
use crate::svg::marks::{self, Mark, MarkKind};
use crate::svg::{self, Embed, XScale, axis};
use sim_core::show::{show_secs, show_secs_exact};

/// Rows drawn at most; the chronology below lists everything.
const MAX_ROWS: usize = 40;
const LABEL_W: f64 = 180.0;
const ROW_H: f64 = 22.0;
/// The lane of a fault row's target tags.
const TAG_H: f64 = 16.0;

enum Row<'a> {
    Fault(usize),
    Alarm(&'a sim_core::report::AlarmReport),
    Step(&'a sim_core::report::StepReport),
}

pub fn section(o: &Outcome, s: &Scenario) -> String {
    let mut b = String::new();
    let e = &s.expect;
    // The key names only what the timeline draws: the marks of this run, the tags of the
    // recovery and RTO targets that fall inside it, and the RPO span when `rpo_within` is
    // set and a fault is there to put it before.
    let end = o.report.duration_s;
    let ms = marks::marks(o, Some(e));
    let drawn: Vec<MarkKind> =
        MarkKind::ALL.into_iter().filter(|k| !k.is_target() && ms.iter().any(|m| m.kind == *k && m.t_s <= end)).collect();
    // Each target drawn, by its tag: `RTO ≤ 15min` and `recover ≤ 5s` are both red and
    // dashed, so the key says which `[expect]` key each tag stands for.
    let tag_marks: Vec<&Mark> =
        MarkKind::ALL.into_iter().filter(|k| k.is_target()).filter_map(|k| ms.iter().find(|m| m.kind == k && m.t_s <= end)).collect();
    let tags: Vec<String> = tag_marks
        .iter()
        .map(|m| format!("<strong>{}</strong> marks <code>{}</code>", esc(&m.label), m.kind.expect_key().unwrap_or("")))
        .collect();
    let rpo_drawn = e.rpo_within.is_some() && !o.report.faults.is_empty();
    // Every time target set, and whether the timeline draws it: `detect_within` and
    // `converge_within` have no mark of their own (the detection and convergence marks are
    // what happened, not the limit), so the key must not call them dashed.
    let (dashed, undrawn): (Vec<_>, Vec<_>) = [
        ("detect_within", e.detect_within, false),
        ("converge_within", e.converge_within, false),
        ("recover_within", e.recover_within, tag_marks.iter().any(|m| m.kind == MarkKind::RecoverTarget)),
        ("rto_within", e.rto_within, tag_marks.iter().any(|m| m.kind == MarkKind::RtoTarget)),
        ("rpo_within", e.rpo_within, rpo_drawn),
    ]
    .into_iter()
    .filter_map(|(k, d, drawn)| d.map(|d| (format!("<code>{k}</code> {}", esc(&show_secs_exact(d.as_secs_f64()))), drawn)))
    .partition(|t| t.1);
    let names = |v: Vec<(String, bool)>| v.into_iter().map(|t| t.0).collect::<Vec<_>>().join(", ");
    let mut key: Vec<String> = Vec::new();
    if !o.report.faults.is_empty() {
        key.push("each fault's window".into());
    }
    key.extend(drawn.iter().map(|k| format!("{} ({})", k.name(), k.glyph())));
    let mut p = format!("<p>The timeline shows {}.", if key.is_empty() { "no event".to_string() } else { key.join(", ") });
    if dashed.is_empty() && undrawn.is_empty() {
        p.push_str(" This scenario sets no <code>[expect]</code> time target.");
    }
    if !dashed.is_empty() {
        let _ = write!(p, " Targets from <code>[expect]</code> are dashed: {}.", names(dashed));
        if !tags.is_empty() {
            let _ = write!(p, " On the rows, the tag {}, each counted from the fault's start.", tags.join(" and the tag "));
        }
    }
    if rpo_drawn {
        p.push_str(" The RPO target is the dashed span before a fault whose writes may be lost.");
    }
    if !undrawn.is_empty() {
        let n = undrawn.len();
        let _ = write!(
            p,
            " {} {} not drawn; the expectations below judge {}.",
            names(undrawn),
            if n == 1 { "is" } else { "are" },
            if n == 1 { "it" } else { "them" }
        );
    }
    p.push_str("</p>");
    let _ = writeln!(b, "{p}");
    b.push_str("<figure>");
    b.push_str(&gantt(o, s));
    b.push_str("</figure>\n");
    b.push_str(&chronology(o, s));
    b
}

fn gantt(o: &Outcome, s: &Scenario) -> String {
    let r = &o.report;
    let mut rows: Vec<Row> = (0..r.faults.len()).map(Row::Fault).collect();
    rows.extend(r.alarms.iter().map(Row::Alarm));
    rows.extend(r.runbook.iter().map(Row::Step));
    let hidden = rows.len().saturating_sub(MAX_ROWS);
    rows.truncate(MAX_ROWS);
    let ax = axis::TimeAxis::new(r.duration_s.max(1e-9));
    let xs = XScale::of(&ax, LABEL_W, svg::WIDTH - LABEL_W - 40.0);
    let all_marks: Vec<Mark> = marks::marks(o, Some(&s.expect)).into_iter().filter(|m| m.t_s <= r.duration_s).collect();
    // A fault row with a target drawn gets a lane above its marks for the targets' tags
    // (`RTO ≤ 15min` is wider than a letter: beside the marks it would hide under them).
    let tag_lane = |row: &Row| match row {
        Row::Fault(k) if all_marks.iter().any(|m| m.fault == Some(*k) && m.is_tag()) => TAG_H,
        _ => 0.0,
    };
    let top = 12.0;
    let mut ys = Vec::with_capacity(rows.len());
    let mut bottom = top;
    for row in &rows {
        ys.push(bottom);
        bottom += ROW_H + tag_lane(row);
    }
    if rows.is_empty() {
        bottom += ROW_H;
    }
    let height = bottom + 44.0 + if hidden > 0 { 16.0 } else { 0.0 };
    let mut out = svg::open(Embed::Inline, svg::WIDTH, height, &format!("{} — timeline", o.scenario));
    svg::time_axis(&mut out, &xs, &ax, top, bottom, svg::WIDTH);
    let rpo = s.expect.rpo_within.map(|d| d.as_secs_f64());
    for (i, row) in rows.iter().enumerate() {
        let (y, tags_h) = (ys[i], tag_lane(row));
        let row_h = ROW_H + tags_h;
        let mid = y + tags_h + ROW_H / 2.0;
        let (name, class) = match row {
            Row::Fault(k) => (format!("fault {}", r.faults[*k].id), "fault"),
            Row::Alarm(a) => (format!("alarm {}", a.id), "alarm"),
            Row::Step(st) => (format!("step {}", st.id), "step"),
        };
        let shown = ellipsis(&name, 28);
        let _ = writeln!(
            out,
            "<g class=\"row {class}\"><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\"><title>{}</title>{}</text>",
            LABEL_W - 8.0,
            mid + 4.0,
            esc(&name),
            esc(&shown)
        );
        if i % 2 == 0 {
            let _ = writeln!(out, "<rect x=\"{LABEL_W}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{row_h}\" fill=\"#f6f6f6\"/>", xs.width);
        }
        let row_marks: Vec<&Mark> = match row {
            Row::Fault(k) => {
                let f = &r.faults[*k];
                if let Some(rpo) = rpo {
                    let (x0, x1) = (xs.x(f.at_s - rpo), xs.x(f.at_s));
                    let _ = writeln!(
                        out,
                        "<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"6\" fill=\"none\" stroke=\"#b00020\" stroke-dasharray=\"3 2\"><title>RPO target: writes up to {} before {} may be lost</title></rect>",
                        mid - 3.0,
                        (x1 - x0).max(1.0),
                        esc(&show_secs(rpo)),
                        esc(&f.id)
                    );
                }
                let end = f.end_s.unwrap_or(r.duration_s);
                let (x0, x1) = (xs.x(f.at_s), xs.x(end));
                let _ = writeln!(
                    out,
                    "<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"12\" rx=\"2\" fill=\"#e8a0a0\"><title>{} {} on {}: {} to {}</title></rect>",
                    mid - 6.0,
                    (x1 - x0).max(2.0),
                    esc(&f.id),
                    esc(f.kind),
                    esc(&f.target),
                    esc(&show_secs_exact(f.at_s)),
                    if f.end_s.is_some() { esc(&show_secs_exact(end)) } else { "the end (not repaired)".into() }
                );
                all_marks.iter().filter(|m| m.fault == Some(*k)).collect()
            }
            Row::Alarm(a) => {
                let text = format!("alarm {} fired", a.id);
                all_marks.iter().filter(|m| m.kind == MarkKind::Alarm && m.text == text).collect()
            }
            Row::Step(st) => {
                if let (Some(t0), Some(t1)) = (st.triggered_s, st.acted_s) {
                    let (x0, x1) = (xs.x(t0), xs.x(t1));
                    let _ = writeln!(
                        out,
                        "<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"6\" fill=\"#e7c6dc\"><title>step {}: triggered at {}, acted at {}</title></rect>",
                        mid - 3.0,
                        (x1 - x0).max(1.0),
                        esc(&st.id),
                        esc(&show_secs_exact(t0)),
                        esc(&show_secs_exact(t1))
                    );
                }
                let text = crate::svg::marks::step_text(st);
                all_marks.iter().filter(|m| m.kind == MarkKind::Runbook && m.text == text).collect()
            }
        };
        // Marks at (nearly) the same instant are nudged apart along the row, so each letter
        // stays readable; the tooltip keeps the exact time. Targets' tags, in their lane
        // above, are nudged among themselves, their dashed lines staying at their times.
        let (tags, events): (Vec<&Mark>, Vec<&Mark>) = row_marks.into_iter().partition(|m| m.is_tag());
        for m in &tags {
            let x = xs.x(m.t_s);
            let _ = writeln!(
                out,
                "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"3 2\"/>",
                y + 1.0,
                y + row_h - 1.0,
                m.kind.colour()
            );
        }
        for (group, gy) in [(tags, y + tags_h / 2.0), (events, mid)] {
            let mut prev_right = f64::NEG_INFINITY;
            for m in group {
                let half = m.glyph_width() / 2.0;
                let x = xs.x(m.t_s).max(prev_right + 1.0 + half);
                prev_right = x + half;
                svg::glyph(&mut out, x, gy, m);
            }
        }
        out.push_str("</g>\n");
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "<text x=\"{LABEL_W}\" y=\"{:.1}\">… and {} more: see the chronology and the tables</text>",
            height - 6.0,
            super::count(hidden, "row", "rows")
        );
    }
    out.push_str("</svg>");
    out
}

/// `T+0:30:00.213`: simulated time as a postmortem's timeline writes it.
pub fn clock(t: f64) -> String {
    let ms = (t * 1e3).round().max(0.0) as u64;
    format!("T+{}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

fn ellipsis(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).chain(std::iter::once('…')).collect() }
}

/// Rows of the chronology at most (a random-fault scenario can have thousands of events).
const MAX_EVENTS: usize = 400;

fn chronology(o: &Outcome, s: &Scenario) -> String {
    let r = &o.report;
    let mut ev: Vec<(f64, u8, String, String)> = Vec::new();
    for f in &r.faults {
        ev.push((f.at_s, 0, "fault starts".into(), format!("{} ({} on {})", f.id, f.kind, f.target)));
        if let Some(e) = f.end_s {
            ev.push((e, 9, "fault repaired".into(), f.id.clone()));
        }
    }
    for m in marks::marks(o, Some(&s.expect)) {
        // A target past the run's end was never reached by the run: say so, rather than list
        // it as if it were an event of the run (the charts leave it out).
        let what = if m.t_s > r.duration_s {
            format!("{} — beyond the end of the run ({}), not drawn", m.text, show_secs_exact(r.duration_s))
        } else {
            m.text
        };
        ev.push((m.t_s, 1 + m.kind as u8, m.kind.name().into(), what));
    }
    ev.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then_with(|| a.3.cmp(&b.3)));
    let mut b = String::from(
        "<h3>Chronology</h3>\n<table class=\"chronology\"><thead><tr><th>time</th><th>event</th><th>what</th></tr></thead><tbody>\n",
    );
    for (t, _, what, detail) in ev.iter().take(MAX_EVENTS) {
        let _ = writeln!(b, "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>", esc(&clock(*t)), esc(what), esc(detail));
    }
    b.push_str("</tbody></table>\n");
    if ev.len() > MAX_EVENTS {
        let _ = writeln!(
            b,
            "<p class=\"note\">… and {} more events (run with <code>--annotations</code> or <code>--trace</code> for all).</p>",
            ev.len() - MAX_EVENTS
        );
    }
    b
}
