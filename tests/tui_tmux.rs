//! End to end: the real `faultline tui` in a detached tmux session of a fixed size. Keys go in
//! with `send-keys`, the screen comes out with `capture-pane`. The test plays, selects a
//! channel, cuts it and checks the channel's state and the event log; runs to the end,
//! exports, and checks that `faultline run` on the export prints the session's fingerprint;
//! then quits and checks that the process exited and the terminal left the alternate screen.
//!
//! Skips (with a note) when tmux is not installed; CI installs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The scenario the TUI's own tests open (tui/tests/fixtures).
const SCENARIO: &str = include_str!("../tui/tests/fixtures/tui-fixture.toml");

/// A tmux server of our own (its own socket), killed when the test ends however it ends.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("tmux runs")
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "send-keys {keys:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "main"]).stdout).into_owned()
    }

    /// Polls the screen until `ok` holds (30 s at most).
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}; the screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success())
}

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen.lines().find(|l| l.contains(needle)).unwrap_or("")
}

/// The 16 hex digits after `fp ` in the status bar.
fn fingerprint(screen: &str) -> String {
    let at = screen.find("fp ").expect("the status bar shows the fingerprint") + 3;
    screen[at..].chars().take(16).collect()
}

fn work_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("tui-tmux-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn start(dir: &Path) -> Tmux {
    std::fs::write(dir.join("tui-fixture.toml"), SCENARIO).expect("write the scenario");
    let tmux = Tmux { socket: format!("faultline-tui-test-{}", std::process::id()) };
    let bin = env!("CARGO_BIN_EXE_faultline");
    let command = format!("'{bin}' tui tui-fixture.toml --seed 3; echo \"EXITED=$?\"; sleep 120");
    let dir = dir.to_str().expect("UTF-8 temp dir");
    let out = tmux.run(&["new-session", "-d", "-s", "main", "-x", "110", "-y", "30", "-c", dir, &command]);
    assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
    tmux
}

#[test]
fn play_select_cut_export_and_quit_in_a_real_terminal() {
    if !tmux_available() {
        eprintln!("note: tmux is not installed; skipping the end-to-end TUI test");
        return;
    }
    let dir = work_dir();
    let tmux = start(&dir);

    let screen = tmux.wait_for("the first frame", |s| s.contains("Topology") && s.contains("PAUSE"));
    assert!(line_with(&screen, "ch2 ").contains("UP"), "{screen}");
    assert_eq!(tmux.run(&["display-message", "-p", "-t", "main", "#{alternate_on}"]).stdout, b"1\n", "the TUI uses the alternate screen");

    tmux.keys(&["Space"]);
    tmux.wait_for("play", |s| s.contains("PLAY"));
    tmux.keys(&["Down"]);
    tmux.wait_for("ch2 selected", |s| s.contains("▶ch2"));
    tmux.keys(&["c"]);
    let screen = tmux.wait_for("the cut", |s| line_with(s, "▶ch2").contains("DOWN") && s.contains("session ash/ch2 down"));
    assert!(screen.contains("Failover: manual-1"), "{screen}");

    // Run to the end at top speed, export, and replay the export with `faultline run`.
    tmux.keys(&["+", "+", "+", "+", "+", "+", "+", "+", "+", "+"]);
    let screen = tmux.wait_for("the end of the run", |s| s.contains("END"));
    let fp = fingerprint(&screen);
    tmux.keys(&["e"]);
    let export = dir.join("faultline-session-tui-fixture-3.toml");
    tmux.wait_for("the export", |s| s.contains("exported") && s.contains("replay checked"));
    assert!(export.is_file(), "{} was not written", export.display());
    let run = Command::new(env!("CARGO_BIN_EXE_faultline")).arg("run").arg(&export).output().expect("faultline run");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains(&fp), "`faultline run` on the export does not reproduce fingerprint {fp}:\n{stdout}");

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the process to exit", |s| s.contains("EXITED="));
    assert!(screen.contains("EXITED=0"), "{screen}");
    assert!(!screen.contains("Topology"), "the TUI is still on screen:\n{screen}");
    assert_eq!(tmux.run(&["display-message", "-p", "-t", "main", "#{alternate_on}"]).stdout, b"0\n", "the alternate screen was left");
    let _ = std::fs::remove_dir_all(&dir);
}
