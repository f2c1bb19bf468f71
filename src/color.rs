//! Colour on standard output: verdict words (PASS/FAIL, INCONCLUSIVE, invalid, the verdict
//! line) in colour on a terminal, plain text everywhere else.
//!
//! `--color auto` (the default) asks anstream, the crate clap itself colours its help with:
//! `NO_COLOR` set to anything non-empty turns colour off (https://no-color.org), then
//! `CLICOLOR_FORCE` turns it on even into a pipe (CI logs that show ANSI), `CLICOLOR=0` off,
//! and otherwise standard output must be a terminal that supports colour. `--color always` and
//! `--color never` override all of these: a flag typed on the command line beats the
//! environment, as no-color.org asks.
//!
//! Only the words are coloured; text is laid out on its plain form ([`width`]) so columns line
//! up the same with or without colour.

use std::sync::atomic::{AtomicBool, Ordering};

use anstyle::{AnsiColor, Style};

/// `--color`: when to colour standard output.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum When {
    /// On a colour terminal, unless `NO_COLOR` is set; also into a pipe with `CLICOLOR_FORCE`.
    #[default]
    Auto,
    /// Always, whatever the environment says.
    Always,
    /// Never.
    Never,
}

#[derive(clap::Args, Debug, Clone, Copy)]
pub struct ColorArgs {
    /// Colour the verdicts on standard output: auto (a terminal, unless NO_COLOR is set;
    /// CLICOLOR_FORCE=1 forces it), always, or never. Example: `--color always` for a CI log
    /// that shows ANSI colour.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = When::Auto, global = true)]
    pub color: When,
}

/// Off until [`init`]: unit tests and library callers get plain text.
static ON: AtomicBool = AtomicBool::new(false);

/// Decides once, at start-up, whether standard output is coloured.
pub fn init(when: When) {
    let on = match when {
        When::Always => true,
        When::Never => false,
        When::Auto => anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never,
    };
    ON.store(on, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// The kinds of word that get a colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Good,
    Bad,
    Unsure,
    Invalid,
}

impl Tone {
    /// The tone of a verdict or check status name, in any case (`pass`, `FAIL`, `invalid`…);
    /// `None` for words that are not one.
    pub fn of(word: &str) -> Option<Tone> {
        match word.to_ascii_lowercase().as_str() {
            "pass" | "ok" | "valid" | "better" => Some(Tone::Good),
            "fail" | "regression" => Some(Tone::Bad),
            "inconclusive" | "pending" => Some(Tone::Unsure),
            "invalid" => Some(Tone::Invalid),
            _ => None,
        }
    }

    fn style(self) -> Style {
        let c = match self {
            Tone::Good => AnsiColor::Green,
            Tone::Bad => AnsiColor::Red,
            Tone::Unsure => AnsiColor::Yellow,
            Tone::Invalid => AnsiColor::Magenta,
        };
        Style::new().fg_color(Some(c.into())).bold()
    }
}

/// `text` in the tone's colour when colour is on, else `text` itself.
pub fn paint(tone: Tone, text: &str) -> String {
    if enabled() && !text.is_empty() {
        let s = tone.style();
        format!("{s}{text}{s:#}")
    } else {
        text.to_string()
    }
}

/// A verdict or status word, coloured by what it says (other words are left plain).
pub fn word(text: &str) -> String {
    match Tone::of(text.trim()) {
        Some(t) => paint(t, text),
        None => text.to_string(),
    }
}

/// `N passed` etc.: coloured only when N is not zero (a zero is nothing to look at).
pub fn count(tone: Tone, n: usize, text: &str) -> String {
    if n == 0 { text.to_string() } else { paint(tone, text) }
}

/// The width of `text` on screen in characters, escape sequences left out.
pub fn width(text: &str) -> usize {
    if text.contains('\x1b') { anstream::adapter::strip_str(text).to_string().chars().count() } else { text.chars().count() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_painted_word_is_as_wide_as_the_plain_one() {
        let s = Tone::Bad.style();
        let painted = format!("{s}FAIL{s:#}");
        assert!(painted.contains('\x1b'));
        assert_eq!(width(&painted), 4);
        assert_eq!(width("—"), 1);
    }

    #[test]
    fn statuses_have_tones_and_other_words_none() {
        assert_eq!(Tone::of("PASS"), Some(Tone::Good));
        assert_eq!(Tone::of("fail"), Some(Tone::Bad));
        assert_eq!(Tone::of("Inconclusive"), Some(Tone::Unsure));
        assert_eq!(Tone::of("invalid"), Some(Tone::Invalid));
        assert_eq!(Tone::of("failover"), None);
    }
}
