//! Reading a scenario file from disk or from standard input (`-`): its bytes as UTF-8 text,
//! or a diagnostic at the first byte that is not UTF-8 (line, column, the byte and its offset).
//!
//! It reads and decodes only; parsing is `compile`'s job. Both sources are held to the same
//! byte cap, which the memory budget sets.

use crate::units::approx_bytes;
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use crate::error::{Diagnostic, ScenarioError};

/// The text of the scenario file at `path`. An unreadable file is `ScenarioError::Io`; a
/// file that is not UTF-8 is `ScenarioError::Invalid`, pointing at the first bad byte.
pub fn read_file(path: &Path) -> Result<String, ScenarioError> {
    let io = |source| ScenarioError::Io { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let bytes = read_capped(file, "file").map_err(io)?;
    decode(&path.display().to_string(), bytes).map_err(ScenarioError::Invalid)
}

/// The argument that names standard input wherever a scenario path is taken.
pub const STDIN_ARG: &str = "-";

/// How messages name standard input: `<stdin>:LINE:COL`.
pub const STDIN_NAME: &str = "<stdin>";

/// What reading standard input gave, kept so that a second `-` (or a second reader in the
/// same process) sees the same text instead of an empty, already-consumed stream.
#[derive(Clone, Debug)]
enum Stdin {
    Text(String),
    Io(std::io::ErrorKind, String),
    Invalid(Box<Diagnostic>),
}

static STDIN: OnceLock<Stdin> = OnceLock::new();

/// The text on standard input, read once per process (at most the byte cap a file has, plus
/// one byte to notice a larger stream) and decoded like a file; errors name `<stdin>`.
pub fn read_stdin() -> Result<String, ScenarioError> {
    let got = STDIN.get_or_init(|| match read_capped(std::io::stdin().lock(), "input") {
        Err(e) => Stdin::Io(e.kind(), e.to_string()),
        Ok(bytes) => match decode(STDIN_NAME, bytes) {
            Ok(text) => Stdin::Text(text),
            Err(d) => Stdin::Invalid(d),
        },
    });
    match got {
        Stdin::Text(t) => Ok(t.clone()),
        Stdin::Io(kind, msg) => Err(ScenarioError::Io { path: STDIN_NAME.into(), source: std::io::Error::new(*kind, msg.clone()) }),
        Stdin::Invalid(d) => Err(ScenarioError::Invalid(d.clone())),
    }
}

/// The text standard input held, if this process has read it (for a `reproduce:` line that
/// must say which text to pipe in again).
pub fn stdin_text() -> Option<&'static str> {
    match STDIN.get() {
        Some(Stdin::Text(t)) => Some(t),
        _ => None,
    }
}

/// Reads at most the byte cap, and one byte more to tell that a source is larger than it.
/// Parsing holds about seven bytes per byte of text (measured 6.9 on a 300 MB comment), so
/// a source is refused before it is read past what the memory budget can parse; a device
/// such as /dev/zero, or an endless pipe, is read only that far too.
fn read_capped(source: impl Read, what: &str) -> std::io::Result<Vec<u8>> {
    let budget = crate::budget::budget();
    let max = budget.max_memory / PARSE_BYTES_PER_BYTE;
    let mut bytes = Vec::new();
    source.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::other(format!(
            "the {what} is larger than {}, the most the memory budget of {} can parse (about {PARSE_BYTES_PER_BYTE} bytes of memory per byte of text; {}; raise it with --max-memory)",
            approx_bytes(max),
            approx_bytes(budget.max_memory),
            budget.source
        )));
    }
    Ok(bytes)
}

/// Bytes of memory parsing and compiling take per byte of scenario text, at most (measured
/// 6.9 for a file that is one long comment; under 1 for a typical file).
pub const PARSE_BYTES_PER_BYTE: u64 = 8;

/// `bytes` as UTF-8 text, or a diagnostic naming `origin` at the first invalid byte.
///
/// The snippet is the line decoded lossily: the invalid sequence shows as one `�`, and
/// since everything before it is valid, the byte offset, line and column are the same in
/// the file and in the lossy text.
pub fn decode(origin: &str, bytes: Vec<u8>) -> Result<String, Box<Diagnostic>> {
    let e = match String::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(e) => e,
    };
    let at = e.utf8_error().valid_up_to();
    let bytes = e.into_bytes();
    let byte = bytes.get(at).copied().unwrap_or_default();
    let shown = String::from_utf8_lossy(&bytes);
    // U+FFFD, the replacement, is three bytes long in the lossy text.
    let d = Diagnostic::new(origin, &shown, at..at + 3, format!("invalid UTF-8 (byte 0x{byte:02X} at byte offset {at})"))
        .label("not UTF-8")
        .help("scenario files are UTF-8 text; convert this one, e.g. `iconv -f latin1 -t utf-8 FILE`");
    Err(Box::new(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_invalid_byte_is_located_by_line_column_and_offset() {
        let d = decode("x.toml", b"[scenario]\nname = \"\xc3\xbcx\xff\"\n".to_vec()).expect_err("not UTF-8");
        assert_eq!((d.line, d.column), (2, 11));
        assert_eq!(d.message, "invalid UTF-8 (byte 0xFF at byte offset 22)");
        assert_eq!(d.source_line, "name = \"üx\u{fffd}\"");
        assert!(d.to_string().contains("2 | name = \"üx\u{fffd}\"\n  |           ^ not UTF-8"), "{d}");
    }

    #[test]
    fn a_truncated_sequence_at_the_end_is_located_too() {
        let d = decode("x.toml", b"a = 1\n\xe2\x82".to_vec()).expect_err("truncated");
        assert_eq!((d.line, d.column, d.message.as_str()), (2, 1, "invalid UTF-8 (byte 0xE2 at byte offset 6)"));
    }

    #[test]
    fn utf8_passes() {
        assert_eq!(decode("x", "ü".as_bytes().to_vec()).ok().as_deref(), Some("ü"));
    }
}
