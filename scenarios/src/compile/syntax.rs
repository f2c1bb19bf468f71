//! TOML and serde errors (syntax, unknown keys, missing keys, bad values) as diagnostics,
//! with the table they are in and a "did you mean".
//!
//! It reads only the text and the parser's error; nothing here knows the compiled spec.

use crate::error::{Diagnostic, did_you_mean};

/// Turns a toml/serde error into a diagnostic, adding the section and a "did you mean".
pub(super) fn toml_error(origin: &str, text: &str, e: &toml::de::Error) -> Diagnostic {
    let span = e.span().unwrap_or(0..0);
    let msg = e.message().trim();
    let (first, rest) = msg.split_once('\n').unwrap_or((msg, ""));
    let section = section_at(text, span.start);
    let ticks: Vec<&str> = first.split('`').skip(1).step_by(2).collect();
    if let Some(after) = first.strip_prefix("unknown field ") {
        let key = ticks.first().copied().unwrap_or("");
        let expected: Vec<&str> = if after.contains("expected") { ticks[1..].to_vec() } else { Vec::new() };
        let in_header = line_at(text, span.start).trim_start().starts_with('[');
        let what = if in_header { "table" } else { "key" };
        let mut d = Diagnostic::new(origin, text, span, format!("unknown {what} `{key}` in {section}"));
        if let Some(s) = did_you_mean(key, expected.iter().copied()) {
            d = d.label(format!("did you mean `{s}`?"));
        }
        if !expected.is_empty() {
            d = d.help(format!("the keys allowed here are: {}", expected.join(", ")));
        }
        return d;
    }
    if let Some(key) = first.strip_prefix("missing field ") {
        // The span is the table itself, so its header names the section.
        let header = line_at(text, span.start).trim();
        let section = if header.starts_with('[') { header.to_string() } else { section };
        return Diagnostic::new(origin, text, span, format!("missing key {key} in {section}"))
            .help("see the 'Scenario format' section of README.md for the keys each table needs");
    }
    let mut d = Diagnostic::new(origin, text, span, first.to_string());
    if !rest.trim().is_empty() {
        d = d.help(rest.trim().replace('\n', " "));
    }
    d
}

fn line_at(text: &str, at: usize) -> &str {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// The nearest table header above `at` (`[[interconnect]]`), or "the top level".
fn section_at(text: &str, at: usize) -> String {
    let at = at.min(text.len());
    let cur = line_at(text, at).trim();
    if cur.starts_with('[') {
        return "the top level".to_string();
    }
    for line in text[..at].lines().rev() {
        let l = line.trim();
        if l.starts_with('[') {
            return l.split('#').next().unwrap_or(l).trim().to_string();
        }
    }
    "the top level".to_string()
}
