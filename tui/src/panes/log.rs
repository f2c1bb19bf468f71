//! The event log pane: the newest lines that fit, oldest at the top, each stamped with the
//! simulated time it happened at.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::app::App;
use crate::events::LineKind;
use crate::panes::block;
use crate::theme::{self, THEME};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let rows = area.height.saturating_sub(2) as usize;
    let width = area.width.saturating_sub(2) as usize;
    let lines = &app.log.lines;
    // From the newest line back until the pane is full. Event lines are cut, not wrapped, so
    // more of them fit, and end in `…` where they are cut; the explorer's own notes (an
    // export's path and whether its replay matched, a refused key) wrap, so they are read
    // whole.
    let mut shown: Vec<Line> = Vec::new();
    for l in lines.iter().rev() {
        if shown.len() >= rows {
            break;
        }
        let stamp = Span::styled(format!("{:>8} ", l.t.to_string()), THEME.dim);
        let style = theme::log_line(l.kind);
        let own = matches!(l.kind, LineKind::Note | LineKind::Problem);
        let room = width.saturating_sub(stamp.content.width());
        let mut parts = if own { wrap(&l.text, width.saturating_sub(STAMP)) } else { vec![ellipsis(&l.text, room)] };
        // A note taller than the pane keeps its start.
        parts.truncate(rows - shown.len());
        let mut rendered: Vec<Line> = parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let lead = if i == 0 { stamp.clone() } else { Span::raw(" ".repeat(STAMP)) };
                Line::from(vec![lead, Span::styled(p, style)])
            })
            .collect();
        rendered.extend(shown);
        shown = rendered;
    }
    let title = format!("Events ({})", lines.len());
    Paragraph::new(shown).block(block(title)).render(area, buf);
}

/// The width of the time stamp column, its space included.
const STAMP: usize = 9;

/// `text` if it fits in `width` columns, else as much of it as fits with `…` (by display
/// width: a wide character takes two columns).
fn ellipsis(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Splits `text` into rows of at most `width` characters, at spaces where it can (a path
/// longer than a row is split inside it).
fn wrap(text: &str, width: usize) -> Vec<String> {
    if width == 0 {
        return vec![text.to_string()];
    }
    let mut rows: Vec<String> = vec![];
    let mut cur = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = cur.chars().count();
            let sep = usize::from(used > 0);
            if used + sep + word.len() <= width {
                if sep == 1 {
                    cur.push(' ');
                }
                cur.extend(word.iter());
                break;
            }
            if used > 0 {
                rows.push(std::mem::take(&mut cur));
                continue;
            }
            // A word wider than a row on its own.
            let rest = word.split_off(width);
            rows.push(word.iter().collect());
            word = rest;
        }
    }
    if !cur.is_empty() || rows.is_empty() {
        rows.push(cur);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::{ellipsis, wrap};

    #[test]
    fn event_lines_too_wide_end_in_an_ellipsis_by_display_width() {
        assert_eq!(ellipsis("28 flows stalled", 30), "28 flows stalled");
        assert_eq!(ellipsis("28 flows stalled", 16), "28 flows stalled");
        assert_eq!(ellipsis("28 flows stalled", 10), "28 flows …");
        // A wide character takes two columns: five of them in nine columns keep four.
        assert_eq!(ellipsis("東京東京東", 9), "東京東京…");
        assert_eq!(ellipsis("東京東京東", 8), "東京東…");
        assert_eq!(ellipsis("abc", 1), "…");
        assert_eq!(ellipsis("abc", 0), "");
    }

    #[test]
    fn notes_wrap_at_spaces_and_long_words_are_split() {
        assert_eq!(wrap("exported /tmp/a.toml (replay checked)", 20), vec!["exported /tmp/a.toml", "(replay checked)"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), vec![""]);
    }
}
