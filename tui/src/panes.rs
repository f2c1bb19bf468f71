//! The panes of the main screen, one file each. Each is a `render(&App, Rect, &mut Buffer)`
//! function that reads the app and draws into its rectangle; none changes state.

pub mod chart;
pub mod hints;
pub mod log;
pub mod metrics;
pub mod status;
pub mod topology;

use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType};

use crate::theme::THEME;

/// The frame every pane sits in.
pub(crate) fn block(title: impl Into<String>) -> Block<'static> {
    Block::bordered().border_type(BorderType::Rounded).border_style(THEME.border).title(Span::styled(title.into(), THEME.title))
}

/// Bits per second with an SI prefix, three significant digits: `5.00G`, `640M`.
pub(crate) fn rate(bps: u64) -> String {
    let v = bps as f64;
    let (x, unit) = match bps {
        b if b >= 1_000_000_000 => (v / 1e9, "G"),
        b if b >= 1_000_000 => (v / 1e6, "M"),
        b if b >= 1_000 => (v / 1e3, "k"),
        0 => return "0".to_string(),
        _ => (v, ""),
    };
    match x {
        x if x >= 100.0 => format!("{x:.0}{unit}"),
        x if x >= 10.0 => format!("{x:.1}{unit}"),
        _ => format!("{x:.2}{unit}"),
    }
}

/// A span of seconds as the CLI's tables write it (`sim_core::show::show_secs`): `1.25s`, `0s`.
pub(crate) fn secs(s: f64) -> String {
    sim_core::show::show_secs(s)
}
