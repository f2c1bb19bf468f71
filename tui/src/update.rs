//! The update of the Elm architecture: the only place the [`App`] changes.
//!
//! Keys map to small intents (play, speed, select, inject, export …); ticks advance the
//! simulation through [`crate::advance`]. Exporting writes a file, the one side effect
//! here. Nothing reads a clock: a tick says how much wall time passed.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::advance::{step_one, tick};
use crate::app::{App, Overlay, SPEEDS_TENTHS};
use crate::attach;
use crate::events::LineKind;
use crate::export::export;
use crate::inject::{HandKind, inject, repair};
use crate::msg::Msg;

/// Applies one message.
pub fn update(app: &mut App, msg: Msg) {
    match msg {
        Msg::Tick(_) if app.attached.is_some() => attach::tick(app),
        Msg::Tick(wall) => tick(app, wall),
        Msg::Resize(..) => {}
        Msg::Key(key) => on_key(app, key),
        Msg::Remote(reply) => attach::on_reply(app, reply),
    }
}

fn on_key(app: &mut App, key: KeyEvent) {
    if key.kind == KeyEventKind::Release {
        return;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        app.quit = true;
        return;
    }
    if app.overlay == Overlay::Help {
        // Any key closes the help; `q` still quits.
        app.overlay = Overlay::None;
        if key.code != KeyCode::Char('q') {
            return;
        }
    }
    if app.attached.is_some() && attach::on_key(app, key.code) {
        return;
    }
    match key.code {
        KeyCode::Char('q') => app.quit = true,
        KeyCode::Char('?') | KeyCode::F(1) => app.overlay = Overlay::Help,
        KeyCode::Char(' ') | KeyCode::Char('p') => toggle_play(app),
        KeyCode::Char('+') | KeyCode::Char('=') => set_speed(app, app.speed.saturating_add(1)),
        KeyCode::Char('-') | KeyCode::Char('_') => set_speed(app, app.speed.saturating_sub(1)),
        KeyCode::Char('n') | KeyCode::Char('.') => step_one(app),
        KeyCode::Char('r') => restart(app, app.seed, "restarted"),
        KeyCode::Char('s') => restart(app, app.seed.wrapping_add(1), "new seed"),
        KeyCode::Up | KeyCode::Left | KeyCode::Char('k') => select(app, -1),
        KeyCode::Down | KeyCode::Right | KeyCode::Char('j') => select(app, 1),
        KeyCode::Tab => select_group(app, true),
        KeyCode::BackTab => select_group(app, false),
        KeyCode::Char('c') => inject(app, HandKind::Cut),
        KeyCode::Char('b') => inject(app, HandKind::Blackhole),
        KeyCode::Char('d') => inject(app, HandKind::Degrade),
        KeyCode::Char('f') => inject(app, HandKind::FacilityDown),
        KeyCode::Char('m') => inject(app, HandKind::Drain),
        KeyCode::Char('u') => repair(app),
        KeyCode::Char('e') => export(app),
        _ => {}
    }
}

fn toggle_play(app: &mut App) {
    if app.sim.is_finished() {
        app.log.note(app.sim.now(), LineKind::Problem, "the run is over: r restarts, s tries the next seed");
        return;
    }
    app.playing = !app.playing;
    app.target = app.sim.now();
}

fn set_speed(app: &mut App, index: usize) {
    app.speed = index.min(SPEEDS_TENTHS.len() - 1);
}

fn restart(app: &mut App, seed: u64, why: &str) {
    let playing = app.playing;
    app.restart(seed);
    app.playing = playing;
    app.log.note(app.sim.now(), LineKind::Note, format!("{why}: seed {seed}"));
}

/// Moves the selection by `delta` links, wrapping around.
fn select(app: &mut App, delta: isize) {
    let n = app.order.len();
    if n > 0 {
        app.selected = (app.selected as isize + delta).rem_euclid(n as isize) as usize;
    }
}

/// Jumps to the first link of the next (or previous) interconnect, or of the other links.
fn select_group(app: &mut App, forward: bool) {
    let model = app.sim.model();
    let group = |i: usize| app.order.get(i).and_then(|l| model.links[l.index()].interconnect);
    let n = app.order.len();
    if n == 0 {
        return;
    }
    let current = group(app.selected);
    let mut i = app.selected;
    for _ in 0..n {
        i = if forward { (i + 1) % n } else { (i + n - 1) % n };
        if group(i) != current {
            break;
        }
    }
    // Land on the first link of the group reached.
    let g = group(i);
    while i > 0 && group(i - 1) == g {
        i -= 1;
    }
    app.selected = i;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::help::KEYS;
    use crate::testing::session;

    /// Everything a key can visibly change.
    fn state(app: &App) -> String {
        format!(
            "{:?} {} {} {} {} {} {} {:?} {} {}",
            app.overlay,
            app.quit,
            app.playing,
            app.speed,
            app.selected,
            app.seed,
            app.log.lines.len(),
            app.log.lines.last().map(|l| &l.text),
            app.hand.len(),
            app.sim.events()
        )
    }

    fn codes(keys: &str) -> Vec<KeyCode> {
        match keys {
            "space" => vec![KeyCode::Char(' ')],
            "+/-" => vec![KeyCode::Char('+'), KeyCode::Char('-')],
            "↑↓" => vec![KeyCode::Up, KeyCode::Down],
            "tab" => vec![KeyCode::Tab],
            k => k.chars().take(1).map(KeyCode::Char).collect(),
        }
    }

    #[test]
    fn every_key_in_the_help_does_something() {
        for k in KEYS {
            for code in codes(k.keys) {
                let mut app = App::new(session()).expect("valid");
                app.export_dir = std::env::temp_dir();
                app.speed = 3;
                let before = state(&app);
                update(&mut app, Msg::key(code));
                assert_ne!(state(&app), before, "`{}` ({code:?}) changed nothing", k.keys);
            }
        }
    }

    #[test]
    fn the_help_closes_on_any_key_and_q_still_quits() {
        let mut app = App::new(session()).expect("valid");
        update(&mut app, Msg::char('?'));
        assert_eq!(app.overlay, Overlay::Help);
        update(&mut app, Msg::char('c'));
        assert_eq!((app.overlay, app.hand.len()), (Overlay::None, 0), "the key that closes the help does nothing else");
        update(&mut app, Msg::char('?'));
        update(&mut app, Msg::char('q'));
        assert!(app.quit);
    }

    #[test]
    fn speed_stays_within_a_tenth_and_ten_thousand() {
        let mut app = App::new(session()).expect("valid");
        for _ in 0..30 {
            update(&mut app, Msg::char('-'));
        }
        assert_eq!(app.speed_tenths(), 1);
        for _ in 0..30 {
            update(&mut app, Msg::char('+'));
        }
        assert_eq!(app.speed_tenths(), 100_000);
    }
}
