//! The event loop: the only place with a terminal and a wall clock.
//!
//! `ratatui::init` switches to the alternate screen and raw mode and installs a panic hook
//! that restores the terminal before the panic message prints; `ratatui::restore` undoes it
//! on every way out of the loop. Each frame draws, waits for input until the frame's
//! deadline, turns terminal events into [`Msg`]s and ends with a [`Msg::Tick`] carrying the
//! wall time that passed. The simulation never sees the clock.

use std::time::{Duration, Instant};

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event, KeyEventKind};

use crate::app::App;
use crate::msg::Msg;
use crate::update::update;
use crate::view::view;

/// About 30 frames per second.
const FRAME: Duration = Duration::from_millis(33);

/// A frame that took longer than this (a suspended terminal) advances as if it took this.
const LONGEST_TICK: Duration = Duration::from_millis(250);

/// Runs the app in the terminal until it quits, restoring the terminal on the way out.
pub fn run_app(app: App) -> anyhow::Result<()> {
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, app);
    ratatui::restore();
    result
}

fn event_loop(terminal: &mut DefaultTerminal, mut app: App) -> anyhow::Result<()> {
    let mut last = Instant::now();
    while !app.quit {
        terminal.draw(|f| view(&app, f))?;
        let deadline = last + FRAME;
        while !app.quit {
            let left = deadline.saturating_duration_since(Instant::now());
            if !event::poll(left)? {
                break;
            }
            match event::read()? {
                Event::Key(k) if k.kind != KeyEventKind::Release => update(&mut app, Msg::Key(k)),
                Event::Resize(w, h) => update(&mut app, Msg::Resize(w, h)),
                _ => {}
            }
            // Redraw soon after a key, but keep advancing on the frame clock.
            if Instant::now() >= deadline {
                break;
            }
            terminal.draw(|f| view(&app, f))?;
        }
        let now = Instant::now();
        update(&mut app, Msg::Tick(now.duration_since(last).min(LONGEST_TICK)));
        last = now;
    }
    Ok(())
}
