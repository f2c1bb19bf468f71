//! The event loop: the only place with a terminal and a wall clock.
//!
//! `ratatui::init` switches to the alternate screen and raw mode and installs a panic hook
//! that restores the terminal before the panic message prints; `ratatui::restore` undoes it
//! on every way out of the loop. Each frame draws, waits for input until the frame's
//! deadline, turns terminal events into [`Msg`]s and ends with a [`Msg::Tick`] carrying the
//! wall time that passed. The simulation never sees the clock.
//!
//! Attached to a live run, each frame also exchanges with the API's worker thread
//! ([`Link`]): the answers that arrived become [`Msg::Remote`], the requests the update
//! queued are sent, and `GET /state` is asked for every [`POLL`] (one at a time).

use std::time::{Duration, Instant};

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event, KeyEventKind};

use crate::app::App;
use crate::attach::{Link, POLL, Reply, Request};
use crate::msg::Msg;
use crate::update::update;
use crate::view::view;

/// About 30 frames per second.
const FRAME: Duration = Duration::from_millis(33);

/// A frame that took longer than this (a suspended terminal) advances as if it took this.
const LONGEST_TICK: Duration = Duration::from_millis(250);

/// Runs the app in the terminal until it quits, restoring the terminal on the way out.
pub fn run_app(app: App) -> anyhow::Result<()> {
    run_with(app, None)
}

/// [`run_app`] for an app attached to a live run, talking to it through `link`.
pub fn run_attached(app: App, link: Link) -> anyhow::Result<()> {
    run_with(app, Some(Remote { link, asked: None, waiting: false }))
}

fn run_with(app: App, remote: Option<Remote>) -> anyhow::Result<()> {
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, app, remote);
    ratatui::restore();
    result
}

/// The API's worker and when the state was last asked for.
struct Remote {
    link: Link,
    asked: Option<Instant>,
    /// A state request is on its way.
    waiting: bool,
}

impl Remote {
    /// Delivers the answers that arrived, sends what the app queued, asks for the state.
    fn exchange(&mut self, app: &mut App) {
        while let Some(reply) = self.link.try_recv() {
            if matches!(&reply, Reply::State(_)) || matches!(&reply, Reply::Failed { request, .. } if request == "state") {
                self.waiting = false;
            }
            update(app, Msg::Remote(reply));
        }
        if let Some(a) = app.attached.as_mut() {
            for r in a.outbox.drain(..) {
                self.link.send(r);
            }
        }
        let due = self.asked.is_none_or(|t| t.elapsed() >= POLL);
        if due && !self.waiting && self.link.send(Request::State) {
            self.asked = Some(Instant::now());
            self.waiting = true;
        }
    }
}

fn event_loop(terminal: &mut DefaultTerminal, mut app: App, mut remote: Option<Remote>) -> anyhow::Result<()> {
    let mut last = Instant::now();
    while !app.quit {
        if let Some(r) = remote.as_mut() {
            r.exchange(&mut app);
        }
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
