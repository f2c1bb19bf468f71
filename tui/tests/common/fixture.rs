//! The scenario the TUI tests open, and helpers to drive and draw the app headless.

// Each test crate includes this module and uses only part of it.
#![allow(dead_code)]

use std::time::Duration;

use faultline_tui::{App, Msg, Session, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A 60 s managed AWS-GCP quad with 6 Gbps over 64 flows; the file's seed is 1.
pub const SOURCE: &str = include_str!("../fixtures/tui-fixture.toml");

/// The fixture opened at `seed`, as `faultline tui fixture.toml --seed N` would.
pub fn session(seed: u64) -> Session {
    let s = scenarios::load_str("tui-fixture", SOURCE).expect("the fixture compiles");
    Session {
        name: s.name,
        origin: "tui-fixture.toml".into(),
        source: SOURCE.into(),
        spec: s.spec,
        seed,
        duration: s.duration,
        judge: None,
    }
}

/// Sends messages in order.
pub fn send(app: &mut App, msgs: &[Msg]) {
    for m in msgs {
        update(app, *m);
    }
}

/// `n` ticks of 100 ms of wall time each.
pub fn ticks(app: &mut App, n: usize) {
    for _ in 0..n {
        update(app, Msg::Tick(Duration::from_millis(100)));
    }
}

/// Draws the app on a headless terminal of the given size.
pub fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test backend never fails");
    terminal.draw(|f| view(app, f)).expect("a test backend never fails");
    terminal
}
