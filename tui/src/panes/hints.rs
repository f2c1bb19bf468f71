//! The one-line hint bar: every key, in the longest form that fits the width.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::help::{ATTACHED_HINTS, HINTS, KEYS};
use crate::theme::THEME;

/// `attached`: the keys of a session following a live run (faults through its API).
pub fn render(attached: bool, area: Rect, buf: &mut Buffer) {
    let width = area.width as usize;
    let line = if attached {
        [spaced(ATTACHED_HINTS.iter().copied(), 2), spaced(ATTACHED_HINTS.iter().copied(), 1)]
            .into_iter()
            .find(|l| l.width() <= width)
            .unwrap_or_else(|| spaced(ATTACHED_HINTS.iter().copied(), 1))
    } else {
        [full(), grouped(2), grouped(1)].into_iter().find(|l| l.width() <= width).unwrap_or_else(|| grouped(1))
    };
    line.render(area, buf);
}

/// Every key with its own word: for wide terminals.
fn full() -> Line<'static> {
    spaced(KEYS.iter().map(|k| (k.hint_keys, k.hint)), 1)
}

/// The grouped form (`cubdfm fault`), `gap` spaces between entries.
fn grouped(gap: usize) -> Line<'static> {
    spaced(HINTS.iter().copied(), gap)
}

fn spaced<'a>(entries: impl Iterator<Item = (&'a str, &'a str)>, gap: usize) -> Line<'static> {
    let mut spans = Vec::new();
    for (keys, word) in entries {
        if !spans.is_empty() {
            spans.push(Span::raw(" ".repeat(gap)));
        }
        spans.push(Span::styled(keys.to_string(), THEME.key));
        spans.push(Span::raw(format!(" {word}")));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grouped_hint_bar_fits_80_columns() {
        assert!(grouped(1).width() <= 80, "{}", grouped(1).width());
        assert!(spaced(ATTACHED_HINTS.iter().copied(), 1).width() <= 80);
    }

    #[test]
    fn the_grouped_hint_bar_names_every_key_of_the_help() {
        let all: String = HINTS.iter().map(|h| h.0).collect();
        for k in KEYS {
            assert!(k.hint_keys.chars().all(|c| all.contains(c)), "{} is missing from the hint bar", k.keys);
        }
    }
}
