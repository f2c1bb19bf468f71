//! The failover metrics pane: for the fault that started last, how long detection,
//! convergence and recovery took, the blackhole time and the bytes lost; then the verdict
//! and the scenario's expectations, judged on the session's exported file (`pending` until
//! they can be judged).
//!
//! The numbers are the simulation's report (`Simulation::report`), cached by the update
//! after each change; this pane only formats them.

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
    let Some(f) = &app.latest else {
        let mut lines = vec![Line::styled("no fault yet", THEME.dim), Line::styled("select a channel, press c", THEME.dim)];
        lines.extend(expectations(app));
        return Paragraph::new(lines).block(block("Failover")).render(area, buf);
    };
    let pending = if app.sim.is_finished() { "never" } else { "…" };
    let show = |v: Option<f64>| v.map_or_else(|| pending.to_string(), secs);
    let row = |k: &str, v: String| Line::from(vec![Span::styled(format!("{k:<10}"), THEME.dim), Span::raw(v)]);
    let mut lines = vec![
        Line::from(vec![Span::styled(format!("{} ", f.kind), THEME.title), Span::raw(f.target.clone())]),
        row("at", secs(f.at_s)),
        row("detect", show(f.detect_s)),
        row("converge", show(f.converge_s)),
        row("recover", show(f.recover_s)),
        row("blackhole", secs(f.blackhole_s)),
        row("lost", bytes(f.lost_bytes)),
    ];
    lines.extend(expectations(app));
    Paragraph::new(lines).block(block(format!("Failover: {}", f.id))).render(area, buf);
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

/// `0 B`, `12.3 MB` (SI).
fn bytes(b: u64) -> String {
    match b {
        b if b >= 1_000_000_000 => format!("{:.1} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.1} kB", b as f64 / 1e3),
        b => format!("{b} B"),
    }
}
