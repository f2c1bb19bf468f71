//! The messages of the Elm architecture: everything that can change the [`crate::App`].
//!
//! Terminal events become messages in [`crate::terminal`]; tests build them directly. A
//! message carries no terminal handle and no clock reading beyond the tick's length.

use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Something happened: a key, a frame's worth of wall time, a new terminal size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    Key(KeyEvent),
    /// A frame passed; the simulation may advance by speed × this much wall time.
    Tick(Duration),
    Resize(u16, u16),
}

impl Msg {
    /// A key press without modifiers, as tests and scripts write it.
    pub fn key(code: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    /// A character key press.
    pub fn char(c: char) -> Msg {
        Msg::key(KeyCode::Char(c))
    }
}
