//! The event loop: the only place with a terminal and a wall clock.
//!
//! [`run_with`] refuses to start without a terminal on standard input and output
//! ([`NoTerminal`]), switches to the alternate screen and raw mode, and installs a panic
//! hook that restores the terminal (leaves the alternate screen, disables raw mode, shows
//! the cursor) before the panic message prints; [`restore`] does the same on every way out
//! of the loop. SIGTERM, SIGINT and SIGHUP set a flag the loop checks every frame: it
//! quits, restores the terminal, and the command exits 128 + the signal ([`Interrupted`]).
//! Each frame draws, waits for input until the frame's
//! deadline, turns terminal events into [`Msg`]s and ends with a [`Msg::Tick`] carrying the
//! wall time that passed. The simulation never sees the clock.
//!
//! Attached to a live run, each frame also exchanges with the API's worker thread
//! ([`Link`]): the answers that arrived become [`Msg::Remote`], the requests the update
//! queued are sent, and `GET /state` is asked for every [`POLL`] (one at a time).

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use ratatui::crossterm::{cursor, execute, terminal};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

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

/// `faultline tui` without a terminal: the message `main` prints (exit 3).
#[derive(Debug, Clone)]
pub struct NoTerminal(&'static str);

impl std::fmt::Display for NoTerminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "faultline tui needs a terminal: {} is not one (run it in a terminal, or use `faultline run` for a report)", self.0)
    }
}

impl std::error::Error for NoTerminal {}

/// The explorer was stopped by a signal: the terminal is restored, the command exits
/// [`Interrupted::exit_code`].
#[derive(Debug, Clone, Copy)]
pub struct Interrupted {
    pub signal: i32,
}

impl Interrupted {
    /// 128 + the signal's number.
    pub fn exit_code(self) -> u8 {
        u8::try_from(128 + self.signal).unwrap_or(u8::MAX)
    }
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stopped by signal {}", self.signal)
    }
}

impl std::error::Error for Interrupted {}

/// Refuses to start when standard input or output is not a terminal: raw mode and the
/// alternate screen would fail, or draw into a file.
pub fn check_terminal() -> Result<(), NoTerminal> {
    if !std::io::stdin().is_terminal() {
        return Err(NoTerminal("standard input"));
    }
    if !std::io::stdout().is_terminal() {
        return Err(NoTerminal("standard output"));
    }
    Ok(())
}

/// SIGTERM, SIGINT and SIGHUP recorded in a flag while the explorer runs (in raw mode a
/// Ctrl-C is a key, not a SIGINT: these come from `kill` or a closed terminal).
struct Signals {
    received: Arc<AtomicUsize>,
    ids: Vec<signal_hook::SigId>,
}

impl Signals {
    fn install() -> Signals {
        let received = Arc::new(AtomicUsize::new(0));
        let ids = [SIGTERM, SIGINT, SIGHUP]
            .into_iter()
            .filter_map(|sig| signal_hook::flag::register_usize(sig, Arc::clone(&received), sig as usize).ok())
            .collect();
        Signals { received, ids }
    }

    fn received(&self) -> Option<i32> {
        match self.received.load(Ordering::Relaxed) {
            0 => None,
            n => i32::try_from(n).ok(),
        }
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// Leaves the alternate screen, disables raw mode and shows the cursor; errors are
/// ignored (there is no better terminal to report them on).
pub fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(std::io::stdout(), terminal::LeaveAlternateScreen, cursor::Show);
}

/// Raw mode, the alternate screen and the panic hook.
fn init() -> anyhow::Result<DefaultTerminal> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        hook(info);
    }));
    let started = terminal::enable_raw_mode()
        .and_then(|()| execute!(std::io::stdout(), terminal::EnterAlternateScreen))
        .and_then(|()| ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout())));
    started.map_err(|e| {
        restore();
        anyhow::anyhow!("cannot set up the terminal: {e}")
    })
}

fn run_with(app: App, remote: Option<Remote>) -> anyhow::Result<()> {
    check_terminal()?;
    let signals = Signals::install();
    let mut terminal = init()?;
    let result = event_loop(&mut terminal, app, remote, &signals);
    restore();
    drop(terminal);
    if let Some(signal) = signals.received() {
        return Err(Interrupted { signal }.into());
    }
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

fn event_loop(terminal: &mut DefaultTerminal, mut app: App, mut remote: Option<Remote>, signals: &Signals) -> anyhow::Result<()> {
    let mut last = Instant::now();
    while !app.quit && signals.received().is_none() {
        if let Some(r) = remote.as_mut() {
            r.exchange(&mut app);
        }
        terminal.draw(|f| view(&app, f))?;
        let deadline = last + FRAME;
        while !app.quit && signals.received().is_none() {
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
