//! The messages of the Elm architecture: everything that can change the [`crate::App`].
//!
//! Terminal events become messages in [`crate::terminal`]; tests build them directly. A
//! message carries no terminal handle and no clock reading beyond the tick's length.
//! Attached to a live run, the API's answers arrive as [`Msg::Remote`].

use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::attach::Reply;

/// Something happened: a key, a frame's worth of wall time, a new terminal size, an answer
/// from the live API.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    /// A frame passed; the simulation may advance by speed × this much wall time.
    Tick(Duration),
    Resize(u16, u16),
    /// The live API answered (attached sessions only).
    Remote(Reply),
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
