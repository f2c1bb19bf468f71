//! TOML and serde errors (syntax, unknown keys, missing keys, bad values) as diagnostics,
//! with the table they are in and a "did you mean".
//!
//! It reads only the text and the parser's error; nothing here knows the compiled spec.

use crate::error::{Diagnostic, did_you_mean};

/// Turns a toml/serde error into a diagnostic, adding the section and a "did you mean".
pub(super) fn toml_error(origin: &str, text: &str, e: &toml::de::Error) -> Diagnostic {
    let span = e.span().unwrap_or(0..0);
    if let Some(cr) = bare_cr(text, span.start, e.message()) {
        return bare_cr_error(origin, text, cr);
    }
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
        if let Some(s) = synonym(key, &expected).or_else(|| did_you_mean(key, expected.iter().copied())) {
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

/// Words a scenario author reaches for and the key that means it here, tried before spelling
/// (a misspelt `duration` is nearer `drain` than `for` by edit distance, but means `for`).
/// Each applies only where its key is allowed: `duration` is a key of `[scenario]` itself.
const SYNONYMS: &[(&str, &str)] = &[
    ("duration", "for"),
    ("length", "for"),
    ("lasts", "for"),
    ("start", "at"),
    ("starts", "at"),
    ("begin", "at"),
    ("time", "at"),
    ("when", "at"),
    ("name", "id"),
    ("capacity", "bandwidth"),
    ("speed", "bandwidth"),
    ("bw", "bandwidth"),
    ("src", "from"),
    ("source", "from"),
    ("dst", "to"),
    ("dest", "to"),
    ("destination", "to"),
    ("connections", "flows"),
    ("streams", "flows"),
    ("wait", "delay"),
];

/// The key `key` is a synonym of, if that key is allowed here. A misspelt synonym counts too
/// (`duraton`), when it is nearer that word than any allowed key (`drian` is `drain`).
fn synonym(key: &str, expected: &[&str]) -> Option<String> {
    let score = |w: &str| strsim::jaro_winkler(key, w);
    let nearest_key = expected.iter().map(|k| score(k)).fold(0.0, f64::max);
    let word = SYNONYMS.iter().map(|(w, _)| *w).find(|w| *w == key).or_else(|| {
        SYNONYMS
            .iter()
            .map(|(w, _)| (score(w), *w))
            .filter(|(s, _)| *s >= 0.8 && *s > nearest_key)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, w)| w)
    })?;
    SYNONYMS.iter().filter(|(w, _)| *w == word).map(|(_, k)| *k).find(|k| expected.contains(k) && *k != key).map(str::to_string)
}

/// Where the parser's error is a carriage return not followed by a line feed: the CR at or
/// just before the error's position (the parser points past it, where it wanted the LF), or
/// for a message about one, the nearest bare CR before the position, else the first in the
/// file. TOML allows a CR only in a CRLF line end, so any bare CR is an error.
fn bare_cr(text: &str, at: usize, message: &str) -> Option<usize> {
    let b = text.as_bytes();
    let is_bare = |i: usize| b.get(i) == Some(&b'\r') && b.get(i + 1) != Some(&b'\n');
    let at = at.min(b.len());
    if is_bare(at) {
        return Some(at);
    }
    if at > 0 && is_bare(at - 1) {
        return Some(at - 1);
    }
    if !message.contains("carriage return") {
        return None;
    }
    (0..at).rev().find(|&i| is_bare(i)).or_else(|| (at..b.len()).find(|&i| is_bare(i)))
}

/// The error for a bare CR at byte `cr`: its line and column as an editor counts them (lines
/// end at LF only, so the CR is a character of its line), the CR drawn as `␍`.
fn bare_cr_error(origin: &str, text: &str, cr: usize) -> Diagnostic {
    let d = Diagnostic::new(origin, text, cr..cr + 1, "");
    let message = format!("a carriage return not followed by a line feed (bare CR) at line {}, column {}", d.line, d.column);
    Diagnostic { message, ..d }
        .label("bare CR (shown as ␍)")
        .help("TOML allows a carriage return only in a CRLF line end; end lines with LF or CRLF (e.g. `dos2unix FILE`)")
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The diagnostic for `text`, which must fail to parse.
    fn parse_error(text: &str) -> Diagnostic {
        match toml::from_str::<toml::Table>(text) {
            Ok(_) => panic!("parsed: {text:?}"),
            Err(e) => toml_error("x.toml", text, &e),
        }
    }

    #[test]
    fn a_synonym_suggests_the_key_it_means() {
        let fault = ["id", "at", "after", "delay", "for", "cut", "drain", "flap"];
        assert_eq!(synonym("duration", &fault).as_deref(), Some("for"));
        assert_eq!(synonym("duraton", &fault).as_deref(), Some("for"));
        assert_eq!(synonym("start", &fault).as_deref(), Some("at"));
        // Only where the key it means is allowed; otherwise spelling decides.
        assert_eq!(synonym("duration", &["name", "summary"]), None);
        assert_eq!(synonym("drian", &fault), None);
    }

    #[test]
    fn a_bare_cr_is_reported_at_its_own_column_and_drawn() {
        let d = parse_error("[scenario]\nname = \"cr\"\rduration = \"10s\"\n");
        assert_eq!((d.line, d.column), (2, 12), "{d}");
        assert_eq!(d.message, "a carriage return not followed by a line feed (bare CR) at line 2, column 12");
        assert_eq!(d.source_line, "name = \"cr\"␍duration = \"10s\"");
        assert!(d.to_string().contains("2 | name = \"cr\"␍duration = \"10s\"\n  |            ^ bare CR"), "{d}");
    }

    #[test]
    fn a_bare_cr_anywhere_is_located_in_characters_not_bytes() {
        for (text, at) in [
            ("a = \"ü€\"\rb = 1\n", (1, 9)),
            ("# a comment ü\r\na = 1 # then \r b\n", (2, 14)),
            ("a = \"x\ry\"\n", (1, 7)),
            ("a = '''\nx\ry'''\n", (2, 2)),
            ("a = 1\r", (1, 6)),
            ("a = 1\r\nb = 2\r\n\r", (3, 1)),
        ] {
            let d = parse_error(text);
            assert_eq!((d.line, d.column), at, "{text:?}: {d}");
            assert!(d.message.contains("bare CR"), "{text:?}: {d}");
        }
    }

    #[test]
    fn crlf_files_are_not_bare_crs() {
        let d = parse_error("a = 1\r\nb = \r\n");
        assert!(!d.message.contains("bare CR"), "{d}");
        assert_eq!(d.line, 2, "{d}");
    }

    #[test]
    fn an_error_after_multibyte_characters_counts_characters() {
        let d = parse_error("name = \"üüü\" x\n");
        assert_eq!((d.line, d.column), (1, 14), "{d}");
    }
}
