//! The key map, shown in full by the help overlay (`?`) and compactly by the hint bar.
//!
//! [`KEYS`] is the single list of keys; the update's key handling is tested against it so
//! the help cannot forget a key. This module draws; it does not handle keys.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use crate::panes::block;
use crate::theme::THEME;

/// One entry of the key map.
pub struct Key {
    /// The keys as the help writes them.
    pub keys: &'static str,
    /// The keys as the hint bar writes them when space is short.
    pub hint_keys: &'static str,
    /// One word for the hint bar.
    pub hint: &'static str,
    /// What it does, for the help overlay.
    pub help: &'static str,
}

pub const KEYS: &[Key] = &[
    Key { keys: "space", hint_keys: "␣", hint: "play", help: "play / pause (also p)" },
    Key { keys: "+/-", hint_keys: "+-", hint: "speed", help: "speed ×0.1 … ×10,000 of real time" },
    Key { keys: "n", hint_keys: "n", hint: "step", help: "step to the next event (also .)" },
    Key { keys: "r", hint_keys: "r", hint: "restart", help: "restart the run (same seed)" },
    Key { keys: "s", hint_keys: "s", hint: "seed", help: "new seed: restart at seed + 1" },
    Key { keys: "↑↓", hint_keys: "↑↓", hint: "select", help: "select a channel (also ←→, j k)" },
    Key { keys: "tab", hint_keys: "⇥", hint: "group", help: "next interconnect (shift-tab: previous)" },
    Key { keys: "c", hint_keys: "c", hint: "cut", help: "cut the selected channel" },
    Key { keys: "u", hint_keys: "u", hint: "repair", help: "repair your latest fault on it" },
    Key { keys: "b", hint_keys: "b", hint: "blackhole", help: "blackhole it: up, drops everything" },
    Key { keys: "d", hint_keys: "d", hint: "degrade", help: "degrade it: 2% packet loss" },
    Key { keys: "f", hint_keys: "f", hint: "facility", help: "facility down: the channel's facility" },
    Key { keys: "m", hint_keys: "m", hint: "drain", help: "maintenance drain: prepend, wait 30s, down" },
    Key { keys: "e", hint_keys: "e", hint: "export", help: "export the session as a scenario file" },
    Key { keys: "?", hint_keys: "?", hint: "help", help: "this help (any key closes it)" },
    Key { keys: "q", hint_keys: "q", hint: "quit", help: "quit (also ctrl-c)" },
];

/// The hint bar's groups: keys and one word, covering every key of [`KEYS`].
pub const HINTS: &[(&str, &str)] = &[
    ("␣", "play"),
    ("+-", "speed"),
    ("n", "step"),
    ("r", "rerun"),
    ("s", "seed"),
    ("↑↓⇥", "pick"),
    ("cubdfm", "fault"),
    ("e", "save"),
    ("?", "help"),
    ("q", "quit"),
];

/// The hint bar while attached to a live run: the faults go to its API, space pauses it.
pub const ATTACHED_HINTS: &[(&str, &str)] =
    &[("␣", "pause live"), ("↑↓⇥", "pick"), ("cbdfm", "fault via API"), ("u", "repair"), ("e", "save"), ("?", "help"), ("q", "quit")];

/// Draws the help box centred over `area` (`attached`: with a line on what changes when
/// following a live run).
pub fn render(attached: bool, area: Rect, buf: &mut Buffer) {
    let height = (KEYS.len() as u16 + 4 + 2 * u16::from(attached)).min(area.height);
    let width = 58.min(area.width);
    let [row] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(row);
    Clear.render(rect, buf);
    let mut lines: Vec<Line> =
        KEYS.iter().map(|k| Line::from(vec![Span::styled(format!(" {:<7}", k.keys), THEME.title), Span::raw(k.help)])).collect();
    lines.push(Line::default());
    lines.push(Line::styled(" Faults hit the selected channel at the next whole ms.", THEME.dim));
    if attached {
        lines.push(Line::styled(" Attached: faults and space go to the live run's API;", THEME.dim));
        lines.push(Line::styled(" its own clock sets the pace (+- n r s do nothing).", THEME.dim));
    }
    Paragraph::new(lines).block(block("Keys (any key closes)")).render(rect, buf);
}
