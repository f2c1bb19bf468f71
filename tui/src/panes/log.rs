//! The event log pane: the newest lines that fit, oldest at the top, each stamped with the
//! simulated time it happened at.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::App;
use crate::panes::block;
use crate::theme::{self, THEME};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let rows = area.height.saturating_sub(2) as usize;
    let lines = &app.log.lines;
    let first = lines.len().saturating_sub(rows);
    let shown: Vec<Line> = lines[first..]
        .iter()
        .map(|l| {
            Line::from(vec![
                Span::styled(format!("{:>8} ", l.t.to_string()), THEME.dim),
                Span::styled(l.text.clone(), theme::log_line(l.kind)),
            ])
        })
        .collect();
    let title = format!("Events ({})", lines.len());
    // Long lines are cut, not wrapped, so the newest line is always on screen.
    Paragraph::new(shown).block(block(title)).render(area, buf);
}
