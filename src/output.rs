//! Everything the CLI writes: output files, standard output and standard error.
//!
//! Files are never half-written: [`write_atomic`] and [`AtomicWriter`] write to a temporary
//! file in the target's directory, flush and `fsync` it, then rename it over the target, so
//! a reader (or a second faultline writing the same file) sees the old file or a whole new
//! one. On any error the temporary file is removed and the old file is left as it was.
//! Targets that are not regular files (`/dev/stdout`, `/dev/null`, a FIFO) cannot be
//! replaced by a rename and are written in place.
//!
//! Standard output and standard error never panic on a write error (`println!` and
//! `eprintln!` do): [`out`] records a failure and [`exit_code`] turns it into exit code
//! [`EXIT_OUTPUT`] at the end, with a message on stderr if one can still be written. A
//! closed pipe (`faultline list | head -1`) is not a failure: the reader asked for no more.
//! [`err`] ignores its own failures: the exit code still says what happened.

use std::fmt;
use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tempfile::TempPath;

/// Exit code: the command's own output (stdout, or a file it was asked to write) could not
/// be written. An input error (3) and a signal (130, 143) keep their own codes.
pub const EXIT_OUTPUT: u8 = 4;

/// An output file that could not be written: names the file.
#[derive(Debug)]
pub struct OutputError {
    pub path: PathBuf,
    pub source: io::Error,
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_stdout(&self.path) {
            return write!(f, "cannot write to standard output: {}", self.source);
        }
        write!(f, "cannot write {}: {}", self.path.display(), self.source)
    }
}

/// Whether an output flag's FILE is `-`, which means standard output for every output flag.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The one output on standard output, from each output's flag and whether it goes there
/// (`("--json", json)`, `("--svg -", svg == "-")`, …): none, one (the caller sends its
/// human summary to stderr unless that one is the summary itself), or an error naming the
/// first two, since two documents on one stream can be read as neither.
pub fn stdout_owner<'a>(claims: &[(&'a str, bool)]) -> Result<Option<&'a str>, String> {
    let mut on: Vec<&str> = claims.iter().filter(|(_, yes)| *yes).map(|(flag, _)| *flag).collect();
    match on.len() {
        0 => Ok(None),
        1 => Ok(on.pop()),
        _ => Err(format!("{} and {} both write to standard output, where one document can go: send one of them to a file", on[0], on[1])),
    }
}

/// `text` on standard output, or on standard error when another document owns standard
/// output (`--svg -` and the human summary: stdout holds only the SVG).
pub fn summary(text: &str, to_stderr: bool) {
    if to_stderr {
        err_raw(text);
    } else {
        out(text);
    }
}

// No `source()`: the message already ends with the OS error, and `{:#}` would repeat it.
impl std::error::Error for OutputError {}

/// Writes `bytes` to `path` atomically (see the module's documentation); `-` is standard
/// output (a failure there is [`exit_code`]'s to report, as for every stdout write).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut w = AtomicWriter::create(path)?;
    w.write_all(bytes).map_err(|e| w.error(e))?;
    w.commit()
}

/// [`write_atomic`] for a secret: a new file gets mode 0600 whatever the umask.
pub fn write_atomic_private(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut w = AtomicWriter::create_with(path, Mode::Private)?;
    w.write_all(bytes).map_err(|e| w.error(e))?;
    w.commit()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A new file gets 0666 less the umask, as `File::create` gives; a replaced file keeps
    /// its permissions.
    Default,
    /// 0600, new or replaced.
    Private,
}

enum Target {
    /// A temporary file beside `dest`, renamed over it by `commit`.
    Temp { file: BufWriter<File>, temp: TempPath, dest: PathBuf, keep: Option<Permissions> },
    /// A device, FIFO or `/dev/stdout`: written in place.
    Direct(BufWriter<File>),
    /// `-`: standard output, through [`out_bytes`] (so a closed pipe is not an error).
    Stdout,
}

/// A file written as it goes (a sweep's NDJSON, a trace) and renamed into place by
/// [`commit`](AtomicWriter::commit). Dropped without a commit (an error, a panic), it
/// removes its temporary file and leaves the target as it was. A process killed outright
/// (SIGKILL) leaves the temporary file, `.NAME.XXXXXX.tmp` beside the target, holding what
/// was written so far.
pub struct AtomicWriter {
    path: PathBuf,
    target: Option<Target>,
}

impl AtomicWriter {
    /// Creates the temporary file (so an unwritable directory is found before any work).
    pub fn create(path: &Path) -> Result<AtomicWriter, OutputError> {
        AtomicWriter::create_with(path, Mode::Default)
    }

    fn create_with(path: &Path, mode: Mode) -> Result<AtomicWriter, OutputError> {
        let fail = |source| OutputError { path: path.to_path_buf(), source };
        if is_stdout(path) {
            // A secret (the live API token) is never printed where a log may keep it.
            if mode == Mode::Private {
                return Err(fail(io::Error::new(ErrorKind::InvalidInput, "a secret is not written to standard output: name a file")));
            }
            return Ok(AtomicWriter { path: path.to_path_buf(), target: Some(Target::Stdout) });
        }
        if let Some(file) = in_place(path) {
            let file = OpenOptions::new().write(true).truncate(true).open(file).map_err(fail)?;
            return Ok(AtomicWriter { path: path.to_path_buf(), target: Some(Target::Direct(BufWriter::new(file))) });
        }
        // A symlink to a file: replace the file it points to, not the link.
        let dest = match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(fail)?,
            _ => path.to_path_buf(),
        };
        if dest.is_dir() {
            return Err(fail(io::Error::new(ErrorKind::IsADirectory, "it is a directory")));
        }
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let keep = std::fs::metadata(&dest).ok().filter(|m| m.is_file()).map(|m| m.permissions());
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut b = tempfile::Builder::new();
        b.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Applied at open(2), so the umask narrows it exactly as for `File::create`.
            b.permissions(Permissions::from_mode(if mode == Mode::Private { 0o600 } else { 0o666 }));
        }
        // The file and its path apart: the path removes the file when dropped uncommitted.
        let (file, temp) = b.tempfile_in(&dir).map_err(fail)?.into_parts();
        let keep = if mode == Mode::Private { None } else { keep };
        Ok(AtomicWriter { path: path.to_path_buf(), target: Some(Target::Temp { file: BufWriter::new(file), temp, dest, keep }) })
    }

    /// `e` as an error naming this file.
    pub fn error(&self, e: io::Error) -> OutputError {
        OutputError { path: self.path.clone(), source: e }
    }

    /// Writes `text` and flushes it to the file (not to the disk): a line at a time.
    pub fn line(&mut self, text: &str) -> Result<(), OutputError> {
        self.write_all(text.as_bytes()).and_then(|()| self.write_all(b"\n")).and_then(|()| self.flush()).map_err(|e| self.error(e))
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let path = self.path.clone();
        let fail = |source| OutputError { path: path.clone(), source };
        match self.target.take() {
            None | Some(Target::Stdout) => Ok(()),
            Some(Target::Direct(mut w)) => w.flush().map_err(fail),
            Some(Target::Temp { file, temp, dest, keep }) => {
                let file = file.into_inner().map_err(|e| fail(e.into_error()))?;
                file.sync_all().map_err(fail)?;
                if let Some(p) = keep {
                    file.set_permissions(p).map_err(fail)?;
                }
                drop(file);
                temp.persist(&dest).map_err(|e| fail(e.error))?;
                sync_dir(&dest);
                Ok(())
            }
        }
    }
}

impl Write for AtomicWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            Some(Target::Temp { file, .. }) => file.write(buf),
            Some(Target::Direct(w)) => w.write(buf),
            Some(Target::Stdout) => out_write(buf),
            None => Err(io::Error::other("already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Some(Target::Temp { file, .. }) => file.flush(),
            Some(Target::Direct(w)) => w.flush(),
            Some(Target::Stdout) | None => Ok(()),
        }
    }
}

/// Syncs the directory that holds `dest`, so the rename itself survives a crash (on Linux a
/// rename is durable only once its directory is synced). Best effort: the rename has already
/// made the new file whole and visible, and some filesystems refuse to sync a directory.
pub fn sync_dir(dest: &Path) {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The file to write in place, when `path` cannot be replaced by a rename: under `/dev/`
/// or `/proc/` (`/dev/stdout` is a link to whatever standard output is), or an existing
/// target that is not a regular file (a device, a FIFO).
fn in_place(path: &Path) -> Option<&Path> {
    if path.starts_with("/dev") || path.starts_with("/proc") {
        return Some(path);
    }
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => Some(path),
        _ => None,
    }
}

/// What became of standard output.
enum StdoutState {
    Fine,
    /// The reader went away (EPIPE): nothing more is written, and that is not an error.
    Closed,
    /// Any other error (ENOSPC on `> /dev/full`, EIO): exit [`EXIT_OUTPUT`].
    Failed(String),
}

static STDOUT: Mutex<StdoutState> = Mutex::new(StdoutState::Fine);

/// Writes `text` to standard output and flushes it. False when it could not be written
/// (now or earlier); the failure is remembered for [`exit_code`].
pub fn out(text: &str) -> bool {
    out_bytes(text.as_bytes())
}

/// [`out`] for bytes.
pub fn out_bytes(bytes: &[u8]) -> bool {
    let mut state = STDOUT.lock().unwrap_or_else(|p| p.into_inner());
    if !matches!(*state, StdoutState::Fine) {
        return false;
    }
    let mut o = io::stdout().lock();
    match o.write_all(bytes).and_then(|()| o.flush()) {
        Ok(()) => true,
        Err(e) => {
            *state = if e.kind() == ErrorKind::BrokenPipe { StdoutState::Closed } else { StdoutState::Failed(e.to_string()) };
            false
        }
    }
}

/// A `Write` for [`Target::Stdout`]: the whole buffer through [`out_bytes`]; once standard
/// output failed, an error, so a long writer (a trace) stops instead of computing lines no
/// one reads.
fn out_write(buf: &[u8]) -> io::Result<usize> {
    if out_bytes(buf) {
        Ok(buf.len())
    } else if stdout_closed() {
        Err(io::Error::new(ErrorKind::BrokenPipe, "closed by its reader"))
    } else {
        Err(io::Error::other("standard output failed"))
    }
}

/// Writes `line` and a newline to standard error, ignoring a failure (there is nowhere
/// left to report it; the exit code still says what happened).
pub fn err(line: &str) {
    err_raw(&format!("{line}\n"));
}

/// [`err`] without the newline (for text that brings its own).
pub fn err_raw(text: &str) {
    let mut e = io::stderr().lock();
    let _ = e.write_all(text.as_bytes()).and_then(|()| e.flush());
}

/// The error a streaming command stops with when [`out`] failed: `main` prints no message
/// of its own ([`exit_code`] says what failed, unless the pipe was merely closed) and exits
/// [`EXIT_OUTPUT`].
#[derive(Debug, Clone, Copy)]
pub struct StdoutFailed;

impl fmt::Display for StdoutFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("standard output could not be written")
    }
}

impl std::error::Error for StdoutFailed {}

/// Remembers a standard-output error met outside [`out`] (clap's help text).
pub fn stdout_error(e: &io::Error) {
    let mut state = STDOUT.lock().unwrap_or_else(|p| p.into_inner());
    if matches!(*state, StdoutState::Fine) {
        *state = if e.kind() == ErrorKind::BrokenPipe { StdoutState::Closed } else { StdoutState::Failed(e.to_string()) };
    }
}

/// Whether standard output's reader closed the pipe (EPIPE).
pub fn stdout_closed() -> bool {
    matches!(*STDOUT.lock().unwrap_or_else(|p| p.into_inner()), StdoutState::Closed)
}

/// The process's exit code: `code`, or [`EXIT_OUTPUT`] if standard output could not be
/// written (saying so on stderr), unless `code` already reports an input error (3) or a
/// signal (128 and up), which stay.
pub fn exit_code(code: u8) -> u8 {
    let state = STDOUT.lock().unwrap_or_else(|p| p.into_inner());
    match &*state {
        StdoutState::Failed(e) => {
            err(&format!("error: cannot write to standard output: {e}"));
            if code == crate::EXIT_INVALID || code >= 128 { code } else { EXIT_OUTPUT }
        }
        StdoutState::Fine | StdoutState::Closed => code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("faultline-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    }

    fn leftovers(d: &Path) -> Vec<String> {
        std::fs::read_dir(d)
            .expect("readable")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn a_commit_replaces_the_file_and_a_drop_leaves_it() {
        let d = dir("commit");
        let f = d.join("out.xml");
        write_atomic(&f, b"old").expect("write");
        let mut w = AtomicWriter::create(&f).expect("create");
        w.line("new, half").expect("line");
        assert_eq!(std::fs::read(&f).expect("read"), b"old", "nothing shows before the commit");
        assert_eq!(leftovers(&d).len(), 1);
        drop(w);
        assert_eq!(std::fs::read(&f).expect("read"), b"old", "a dropped writer leaves the old file");
        assert!(leftovers(&d).is_empty(), "and removes its temporary file");
        let mut w = AtomicWriter::create(&f).expect("create");
        w.line("new").expect("line");
        w.commit().expect("commit");
        assert_eq!(std::fs::read(&f).expect("read"), b"new\n");
        assert!(leftovers(&d).is_empty());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[cfg(unix)]
    #[test]
    fn permissions_are_kept_and_private_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let d = dir("perms");
        let f = d.join("report.xml");
        std::fs::write(&f, "old").expect("write");
        std::fs::set_permissions(&f, Permissions::from_mode(0o640)).expect("chmod");
        write_atomic(&f, b"new").expect("write");
        assert_eq!(std::fs::metadata(&f).expect("meta").permissions().mode() & 0o777, 0o640);
        let t = d.join("token");
        write_atomic_private(&t, b"secret").expect("write");
        assert_eq!(std::fs::metadata(&t).expect("meta").permissions().mode() & 0o777, 0o600);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_symlink_is_followed_and_devices_are_written_in_place() {
        let d = dir("link");
        let real = d.join("real.txt");
        std::fs::write(&real, "old").expect("write");
        #[cfg(unix)]
        {
            let link = d.join("link.txt");
            std::os::unix::fs::symlink(&real, &link).expect("symlink");
            write_atomic(&link, b"new").expect("write");
            assert!(std::fs::symlink_metadata(&link).expect("meta").file_type().is_symlink(), "the link stays a link");
            assert_eq!(std::fs::read(&real).expect("read"), b"new");
        }
        write_atomic(Path::new("/dev/null"), b"x").expect("/dev/null takes anything");
        if Path::new("/dev/full").exists() {
            let e = write_atomic(Path::new("/dev/full"), b"x").expect_err("/dev/full is full");
            assert!(e.to_string().starts_with("cannot write /dev/full: "), "{e}");
        }
        let e = write_atomic(&d.join("missing/x.txt"), b"x").expect_err("no such directory");
        assert!(e.to_string().contains("missing/x.txt"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }
}
