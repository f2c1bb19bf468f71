//! The failover metrics pane: for the fault that started last, how long detection,
//! convergence and recovery took, the blackhole time and the bytes lost; then the verdict
//! and the scenario's expectations, judged on the session's exported file (`pending` until
//! they can be judged).
//!
//! The numbers are the simulation's report (`Simulation::report`), cached by the update
//! after each change; this pane only formats them.
//!
//! The expectations are what a user watches for, so on a short pane (80×24) they keep their
//! lines: the fault's six numbers fold into three rows of two, then the rows that still do
//! not fit are left out, last first; checks that cannot fit end in a `+N more` line.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::PENDING;
use crate::app::App;
use crate::panes::{block, secs};
use crate::theme::THEME;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let room = area.height.saturating_sub(2) as usize;
    let Some(f) = &app.latest else {
        let hint = vec![Line::styled("no fault yet", THEME.dim), Line::styled("select a channel, press c", THEME.dim)];
        let exp = fit_expectations(expectations(app), room.saturating_sub(1));
        let hint: Vec<Line> = hint.into_iter().take(room.saturating_sub(exp.len()).max(1)).collect();
        return Paragraph::new([hint, exp].concat()).block(block("Failover")).render(area, buf);
    };
    // An absent figure reads as the report writes it (`—`) once the run is over; before,
    // it may still come (`…`).
    let finished = app.sim.is_finished();
    let show = |v: Option<f64>| if finished || v.is_some() { sim_core::show::show_secs_or_dash(v) } else { "…".to_string() };
    let row = |k: &str, v: String| Line::from(vec![Span::styled(format!("{k:<10}"), THEME.dim), Span::raw(v)]);
    let title = Line::from(vec![Span::styled(format!("{} ", f.kind), THEME.title), Span::raw(f.target.clone())]);
    let numbers = [
        ("at", "at", secs(f.at_s)),
        ("detect", "det", show(f.detect_s)),
        ("converge", "conv", show(f.converge_s)),
        ("recover", "rec", show(f.recover_s)),
        ("blackhole", "hole", secs(f.blackhole_s)),
        ("lost", "lost", bytes(f.lost_bytes)),
    ];
    let exp = fit_expectations(expectations(app), room.saturating_sub(1));
    let left = room.saturating_sub(1 + exp.len());
    let details: Vec<Line> = if left >= numbers.len() {
        numbers.iter().map(|(k, _, v)| row(k, v.clone())).collect()
    } else {
        // Two numbers a row, short labels: `at   20.000s  det  0s`.
        let pair = |a: &(&str, &str, String), b: &(&str, &str, String)| {
            Line::from(vec![
                Span::styled(format!("{:<5}", a.1), THEME.dim),
                Span::raw(format!("{:<9}", a.2)),
                Span::styled(format!("{:<5}", b.1), THEME.dim),
                Span::raw(b.2.clone()),
            ])
        };
        numbers.chunks(2).map(|c| pair(&c[0], &c[1])).take(left).collect()
    };
    let lines = [vec![title], details, exp].concat();
    Paragraph::new(lines).block(block(format!("Failover: {}", f.id))).render(area, buf);
}

/// The verdict line and as many checks as `room` holds; when some do not fit, the last line
/// says how many are not shown (`+2 more`), failed ones counted apart so a failure is never
/// hidden silently.
fn fit_expectations(mut lines: Vec<Line<'static>>, room: usize) -> Vec<Line<'static>> {
    if lines.len() <= room.max(1) {
        return lines;
    }
    let keep = room.max(2) - 1;
    let hidden = lines.split_off(keep);
    let failed = hidden.iter().filter(|l| l.spans.first().is_some_and(|s| s.content.trim() == "fail")).count();
    let more = if failed > 0 { format!("+{} more ({failed} fail)", hidden.len()) } else { format!("+{} more", hidden.len()) };
    lines.push(Line::styled(more, if failed > 0 { status_style("fail") } else { THEME.dim }));
    lines
}

/// The verdict, then one line per expectation with its status word coloured (`—` when the
/// session has none). Until the run ends the verdict is `pending`, and so is each check whose
/// window has not passed (see [`crate::shown`]).
fn expectations(app: &App) -> Vec<Line<'static>> {
    let label = |k: &str| Span::styled(format!("{k:<10}"), THEME.dim);
    let checks = match &app.judgement {
        None => return vec![Line::from(vec![label("expect"), Span::raw("—")])],
        Some(Err(e)) => return vec![Line::from(vec![label("expect"), Span::styled(format!("cannot judge: {e}"), status_style("fail"))])],
        Some(Ok(_)) => app.checks(),
    };
    let mut lines = vec![match app.verdict() {
        Some(v) => Line::from(vec![label("verdict"), Span::styled(v, status_style(v))]),
        None if checks.is_empty() => Line::from(vec![label("expect"), Span::raw("—")]),
        None => Line::styled(if app.sim.is_finished() { "expect" } else { "expect (so far)" }, THEME.dim),
    }];
    for (c, status) in checks {
        lines.push(Line::from(vec![Span::styled(format!("{status:<4} "), status_style(status)), Span::raw(c.name.clone())]));
    }
    lines
}

fn status_style(status: &str) -> Style {
    match status {
        "pass" => Style::new().fg(Color::Green),
        "fail" => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        PENDING => THEME.dim,
        _ => Style::new().fg(Color::Yellow),
    }
}

/// `0B`, `12.3MB`: as the CLI writes bytes (`sim_core::show::show_bytes`).
fn bytes(b: u64) -> String {
    sim_core::show::show_bytes(b)
}
