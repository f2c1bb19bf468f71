//! Errors a user can cause, rendered like rustc's: a message, the `file:line:column`, the
//! offending line with the span underlined, and a suggestion where one exists.
//!
//! Positions are byte spans into the original text; this module turns them into lines and
//! columns. It does not decide what is wrong with a file (that is `compile`'s job).

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use thiserror::Error;
use unicode_width::UnicodeWidthChar;

/// A problem at a place in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file path or library name the text came from.
    pub origin: String,
    /// 1-based line and column (in characters) of the start of the span.
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The text of the line the span starts on.
    pub source_line: String,
    /// How many characters of `source_line` to underline (at least 1).
    pub underline: usize,
    /// A short suggestion printed under the span (e.g. "did you mean `bandwidth`?").
    pub label: Option<String>,
    /// A longer note printed after the snippet.
    pub help: Option<String>,
}

impl Diagnostic {
    /// Locates `span` (byte offsets into `text`) and builds a diagnostic.
    pub fn new(origin: &str, text: &str, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        let start = floor_char(text, span.start.min(text.len()));
        let end = floor_char(text, span.end.clamp(start, text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let source_line = visible(text[line_start..line_end].trim_end_matches('\r'));
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let underline = text[start..end.min(line_end)].chars().count().max(1);
        Diagnostic { origin: origin.to_string(), line, column, message: message.into(), source_line, underline, label: None, help: None }
    }

    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

/// `line` with its control characters (a bare CR, an escape, a NUL) replaced by the Unicode
/// pictures of them (`␍`, `␛`, `␀`), one character for one, so the snippet shows them, a
/// terminal does not act on them, and the column still counts the same characters. Tabs are
/// kept: the caret line copies them to stay aligned.
fn visible(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            '\t' => c,
            '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\u{7f}' => '\u{2421}',
            _ => c,
        })
        .collect()
}

/// Characters of a snippet shown on each side of the column (and at most twice this many
/// underlined).
const SNIPPET_CONTEXT: usize = 100;

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let num = self.line.to_string();
        let pad = " ".repeat(num.len());
        writeln!(f, "error: {}", self.message)?;
        writeln!(f, "{pad}--> {}:{}:{}", self.origin, self.line, self.column)?;
        writeln!(f, "{pad} |")?;
        // A long line (a 3-million-character one) is shown as a window around the column,
        // with `…` where it was cut, so an error never prints megabytes.
        let col = self.column.saturating_sub(1);
        let underline = self.underline.min(SNIPPET_CONTEXT * 2);
        let total = self.source_line.chars().count();
        let start = col.saturating_sub(SNIPPET_CONTEXT);
        let end = (col + underline + SNIPPET_CONTEXT).min(total);
        let (head, tail) = (if start > 0 { "…" } else { "" }, if end < total { "…" } else { "" });
        let window: String = self.source_line.chars().skip(start).take(end - start).collect();
        writeln!(f, "{num} | {head}{window}{tail}")?;
        // The caret goes under the column as a terminal draws the line: a tab stays a tab, a
        // wide character (CJK, most emoji) takes two cells, a combining mark none.
        let cells = |c: char| if c == '\t' { 1 } else { UnicodeWidthChar::width(c).unwrap_or(0) };
        let mut indent = String::from(if start > 0 { " " } else { "" });
        for c in window.chars().take(col - start) {
            if c == '\t' {
                indent.push('\t');
            } else {
                indent.extend(std::iter::repeat_n(' ', cells(c)));
            }
        }
        let under: usize = window.chars().skip(col - start).take(underline).map(cells).sum();
        write!(f, "{pad} | {indent}{}", "^".repeat(under.max(1)))?;
        if let Some(l) = &self.label {
            write!(f, " {l}")?;
        }
        if let Some(h) = &self.help {
            write!(f, "\n{pad} = help: {h}")?;
        }
        Ok(())
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// The file is not a valid scenario; the diagnostic says where and why.
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
    #[error("error: cannot read `{}`: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("error: no scenario file or library scenario named `{name}`{}", nearest.as_ref().map(|n| format!("; did you mean `{n}`?")).unwrap_or_else(|| " (`faultline list` shows the library)".to_string()))]
    UnknownName { name: String, nearest: Option<String> },
}

impl ScenarioError {
    /// The diagnostic, for errors inside a file.
    pub fn diagnostic(&self) -> Option<&Diagnostic> {
        match self {
            ScenarioError::Invalid(d) => Some(d),
            _ => None,
        }
    }
}

impl From<Diagnostic> for ScenarioError {
    fn from(d: Diagnostic) -> Self {
        ScenarioError::Invalid(Box::new(d))
    }
}

/// The candidate closest to `name`, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(name, c);
        if best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.filter(|(s, _)| *s >= 0.8).map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_very_long_line_is_shown_as_a_window_around_the_column() {
        let text = format!("a = \"{}\" bad{}\n", "x".repeat(3_000_000), "y".repeat(3_000_000));
        let at = text.find("bad").unwrap_or(0);
        let d = Diagnostic::new("big.toml", &text, at..at + 3, "not a key");
        assert_eq!((d.line, d.column), (1, at + 1));
        let s = d.to_string();
        assert!(s.len() < 1000, "{} bytes", s.len());
        let lines: Vec<&str> = s.lines().collect();
        // The caret is under `bad` in the window, past the `…` that marks the cut.
        let (shown, caret) = (lines[3], lines[4]);
        let col = |l: &str, pat: &str| l.find(pat).map(|i| l[..i].chars().count());
        assert!(shown.contains("…") && shown.ends_with("…"), "{shown}");
        assert_eq!(col(shown, "bad"), col(caret, "^^^"), "{shown}\n{caret}");
    }

    #[test]
    fn renders_like_rustc() {
        let text = "[scenario]\nname = \"x\"\n\n[[interconnect]]\nbandwith = \"10Gbps\"\n";
        let start = text.find("bandwith").unwrap_or(0);
        let d = Diagnostic::new("a.toml", text, start..start + 8, "unknown key `bandwith` in [[interconnect]]")
            .label("did you mean `bandwidth`?");
        assert_eq!((d.line, d.column), (5, 1));
        let s = d.to_string();
        assert_eq!(
            s,
            "error: unknown key `bandwith` in [[interconnect]]\n --> a.toml:5:1\n  |\n5 | bandwith = \"10Gbps\"\n  | ^^^^^^^^ did you mean `bandwidth`?"
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("bandwith", ["bandwidth", "bfd", "id"]), Some("bandwidth".into()));
        assert_eq!(did_you_mean("zzz", ["bandwidth", "bfd"]), None);
    }
}
