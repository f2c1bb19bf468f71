//! SIGINT and SIGTERM for the commands that can stop cleanly (`run`, `check`, `sweep`):
//! the first one sets a flag that their loops check, so a sweep prints and writes what it
//! finished (marked partial) and a run writes nothing half-done, then the process exits 130
//! (SIGINT) or 143 (SIGTERM). A second signal terminates at once, as if none was caught.
//!
//! Other commands keep the default action (the signal ends the process; their output files
//! are renamed into place whole, so none is left half-written). `live` and `tui` handle
//! signals on their own.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGINT, SIGTERM};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Int,
    Term,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        }
    }

    /// 128 + the signal's number, as a shell reports a process the signal ended.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Int => 130,
            Signal::Term => 143,
        }
    }

    /// The signal `name()` names.
    pub fn parse(name: &str) -> Option<Signal> {
        [Signal::Int, Signal::Term].into_iter().find(|s| s.name() == name)
    }

    fn of(raw: usize) -> Option<Signal> {
        match i32::try_from(raw).ok()? {
            SIGINT => Some(Signal::Int),
            SIGTERM => Some(Signal::Term),
            _ => None,
        }
    }
}

/// The first signal received (its number; 0 for none).
static RECEIVED: OnceLock<Arc<AtomicUsize>> = OnceLock::new();

/// Installs the handlers (once; later calls do nothing). If the OS refuses, the signals
/// keep their default action, which is safe: outputs are atomic.
pub fn install() {
    RECEIVED.get_or_init(|| {
        let received = Arc::new(AtomicUsize::new(0));
        let caught = Arc::new(AtomicBool::new(false));
        for sig in [SIGINT, SIGTERM] {
            // In this order: the conditional default sees `caught` still false on the first
            // signal, true on the second.
            let _ = signal_hook::flag::register_conditional_default(sig, Arc::clone(&caught));
            let _ = signal_hook::flag::register(sig, Arc::clone(&caught));
            let _ = signal_hook::flag::register_usize(sig, Arc::clone(&received), sig as usize);
        }
        received
    });
}

/// The signal that asked this process to stop, if one did.
pub fn received() -> Option<Signal> {
    RECEIVED.get().and_then(|r| Signal::of(r.load(Ordering::Relaxed)))
}

/// The error a loop returns when a signal stopped it: `main` exits with its code.
#[derive(Debug, Clone, Copy)]
pub struct Interrupted(pub Signal);

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "interrupted by {}", self.0.name())
    }
}

impl std::error::Error for Interrupted {}
