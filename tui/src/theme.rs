//! Colours and styles, in one place: every pane takes its styles from [`THEME`].
//!
//! Colours carry meaning only together with text (state names are always written out), so
//! the screen still reads on a monochrome terminal and in text snapshots.

use ratatui::style::{Color, Modifier, Style};

use crate::events::LineKind;

pub struct Theme {
    pub title: Style,
    pub border: Style,
    pub text: Style,
    pub dim: Style,
    pub key: Style,
    pub selected: Style,
    pub status: Style,
    pub playing: Style,
    pub paused: Style,
    pub aggregate: Color,
    pub fault_marker: Color,
    pub series: [Color; 6],
}

pub const THEME: Theme = Theme {
    title: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
    border: Style::new().fg(Color::DarkGray),
    text: Style::new(),
    dim: Style::new().fg(Color::DarkGray),
    key: Style::new().fg(Color::Black).bg(Color::Cyan),
    selected: Style::new().add_modifier(Modifier::REVERSED),
    status: Style::new().fg(Color::White).bg(Color::Blue),
    playing: Style::new().fg(Color::Black).bg(Color::Green).add_modifier(Modifier::BOLD),
    paused: Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD),
    aggregate: Color::White,
    fault_marker: Color::Red,
    series: [Color::Green, Color::Cyan, Color::Magenta, Color::Yellow, Color::LightBlue, Color::LightGreen],
};

/// The colour of a link state as `LinkView::state` names it.
pub fn link_state(state: &str) -> Style {
    let s = Style::new().add_modifier(Modifier::BOLD);
    match state {
        "up" => s.fg(Color::Green),
        "down" => s.fg(Color::Red),
        "blackhole" | "partition" => s.fg(Color::Magenta),
        "degraded" => s.fg(Color::Yellow),
        "drained" => s.fg(Color::Blue),
        _ => s,
    }
}

/// The colour of a log line.
pub fn log_line(kind: LineKind) -> Style {
    match kind {
        LineKind::Fault => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        LineKind::Down => Style::new().fg(Color::LightRed),
        LineKind::Up => Style::new().fg(Color::Green),
        LineKind::Routing => Style::new().fg(Color::Cyan),
        LineKind::Flows => Style::new().fg(Color::Yellow),
        LineKind::Alarm => Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        LineKind::Note => Style::new().fg(Color::LightBlue),
        LineKind::Problem => Style::new().fg(Color::Black).bg(Color::LightRed),
    }
}

/// The colour of a utilization bar: green, yellow above 80 %, red at 95 %.
pub fn utilization(fraction: f64) -> Style {
    match fraction {
        f if f >= 0.95 => Style::new().fg(Color::Red),
        f if f >= 0.8 => Style::new().fg(Color::Yellow),
        _ => Style::new().fg(Color::Green),
    }
}
