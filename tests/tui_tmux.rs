//! End to end: the real `faultline tui` in a detached tmux session of a fixed size. Keys go in
//! with `send-keys`, the screen comes out with `capture-pane`. The test plays, selects a
//! channel, cuts it and checks the channel's state and the event log; runs to the end,
//! exports, and checks that `faultline run` on the export prints the session's fingerprint;
//! then quits and checks that the process exited and the terminal left the alternate screen.
//!
//! A second test attaches the TUI to a `faultline live` run (`tui --attach`), cuts a channel
//! with a key, and checks both the screen and the live run's `GET /state`.
//!
//! Skips (with a loud note) when tmux is not installed, unless `FAULTLINE_NO_SKIP=1`, which
//! makes a missing tmux a failure; CI installs it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
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

/// False (after a loud note) when the test must skip for want of tmux; with
/// `FAULTLINE_NO_SKIP=1` a missing tmux fails the test instead.
fn have_tmux(test: &str) -> bool {
    if tmux_available() {
        return true;
    }
    assert!(std::env::var("FAULTLINE_NO_SKIP").as_deref() != Ok("1"), "tmux is not installed and FAULTLINE_NO_SKIP=1: {test} cannot run");
    eprintln!("\n*** NOTE: tmux is not installed; SKIPPING the end-to-end TUI test `{test}` ***\n");
    false
}

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen.lines().find(|l| l.contains(needle)).unwrap_or("")
}

/// The 16 hex digits after `fp ` in the status bar.
fn fingerprint(screen: &str) -> String {
    let at = screen.find("fp ").expect("the status bar shows the fingerprint") + 3;
    screen[at..].chars().take(16).collect()
}

fn work_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs `args` of the faultline binary in a detached 110×30 tmux session of its own
/// (`name`), in `dir`; the shell prints `EXITED=<code>` when it ends.
fn start_in_tmux(dir: &Path, name: &str, args: &str) -> Tmux {
    start_sized(dir, name, args, (110, 30))
}

/// [`start_in_tmux`] on a terminal of `size` (columns, rows).
fn start_sized(dir: &Path, name: &str, args: &str, size: (u16, u16)) -> Tmux {
    let tmux = Tmux { socket: format!("faultline-{name}-{}", std::process::id()) };
    let (w, h) = (size.0.to_string(), size.1.to_string());
    let bin = env!("CARGO_BIN_EXE_faultline");
    let command = format!("'{bin}' {args}; echo \"EXITED=$?\"; sleep 120");
    let dir = dir.to_str().expect("UTF-8 temp dir");
    let out = tmux.run(&["new-session", "-d", "-s", "main", "-x", &w, "-y", &h, "-c", dir, &command]);
    assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
    tmux
}

fn start(dir: &Path) -> Tmux {
    std::fs::write(dir.join("tui-fixture.toml"), SCENARIO).expect("write the scenario");
    start_in_tmux(dir, "tui-test", "tui tui-fixture.toml --seed 3")
}

#[test]
fn play_select_cut_export_and_quit_in_a_real_terminal() {
    if !have_tmux("play_select_cut_export_and_quit_in_a_real_terminal") {
        return;
    }
    let dir = work_dir("tui-tmux");
    let tmux = start(&dir);

    let screen = tmux.wait_for("the first frame", |s| s.contains("Topology") && s.contains("PAUSE") && line_with(s, "ch2 ").contains("UP"));
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

/// The flagship (judged by the same rules as `faultline run`) at 80×24 and 120×40: at time
/// zero every expectation is `pending` and none says `fail`; played to the end, each of
/// `faultline run`'s expectations is on screen with its status, and the export's note is on
/// screen to its last word.
#[test]
fn the_flagship_at_80x24_and_120x40_keeps_expectations_and_the_export_note() {
    if !have_tmux("the_flagship_at_80x24_and_120x40_keeps_expectations_and_the_export_note") {
        return;
    }
    let run = Command::new(env!("CARGO_BIN_EXE_faultline")).args(["run", "--json"]).output().expect("faultline run");
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).expect("run --json");
    let checks: Vec<(String, String)> = v["expectations"]
        .as_array()
        .expect("expectations")
        .iter()
        .map(|c| (c["status"].as_str().expect("status").to_string(), c["name"].as_str().expect("name").to_string()))
        .collect();
    assert!(checks.len() >= 4, "{checks:?}");
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let dir = work_dir(&format!("tui-flagship-{w}x{h}"));
        let tmux = start_sized(&dir, &format!("flagship-{w}x{h}"), "tui", (w, h));
        // Wait for the whole first frame: tmux can be read while the terminal is still being
        // drawn (seen on a loaded CI machine: the top half drawn, the panel below not yet).
        let screen = tmux.wait_for("the first frame, expectations included", |s| {
            s.contains("Topology")
                && s.contains("PAUSE")
                && s.contains("verdict   pending")
                && checks.iter().all(|(_, n)| s.contains(&format!("pending {n}")))
        });
        assert!(screen.contains("verdict   pending"), "{w}×{h} at t = 0:\n{screen}");
        for (_, name) in &checks {
            assert!(screen.contains(&format!("pending {name}")), "{w}×{h} at t = 0: `pending {name}`:\n{screen}");
        }
        assert!(!screen.contains("fail"), "{w}×{h}: nothing is judged failed at t = 0:\n{screen}");
        tmux.keys(&["Space", "+", "+", "+", "+", "+", "+", "+", "+", "+", "+"]);
        let screen = tmux.wait_for("the end of the run, expectations judged", |s| {
            s.contains("END") && checks.iter().all(|(st, n)| s.contains(&format!("{st} {n}")))
        });
        for (status, name) in &checks {
            assert!(screen.contains(&format!("{status} {name}")), "{w}×{h} at the end: `{status} {name}`:\n{screen}");
        }
        tmux.keys(&["e"]);
        let screen = tmux.wait_for("the export note, whole", |s| s.contains("exported") && s.contains("at the end)"));
        let note: String = screen
            .lines()
            .skip_while(|l| !l.contains("exported"))
            .map(|l| l.split('│').nth(1).unwrap_or_default().trim().to_string())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(note.contains("replay checked") && note.ends_with("at the end)"), "{w}×{h}: the export note is whole: {note:?}\n{screen}");
        tmux.keys(&["q"]);
        tmux.wait_for("the process to exit", |s| s.contains("EXITED=0"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A `faultline live` process, killed when the test ends however it ends.
struct Live {
    child: Child,
    port: u16,
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on at the moment of asking.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// One plain HTTP/1.1 request to the live API; the whole answer (status line, headers,
/// body), or `None` if nothing answers.
fn http(port: u16, method: &str, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    Some(answer)
}

/// Polls `GET /state` until `ok` holds (30 s at most).
fn wait_for_state(live: &Live, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let state = http(live.port, "GET", "/state").unwrap_or_default();
        if ok(&state) {
            return state;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}; GET /state:\n{state}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The fixture made ten minutes long (two at `--speed 5`), run by `faultline live` with its
/// API on a free port and `token` in a token file.
fn start_live(dir: &Path, token: &str) -> Live {
    let scenario = dir.join("live-fixture.toml");
    std::fs::write(&scenario, SCENARIO.replace("duration = \"60s\"", "duration = \"600s\"")).expect("write the scenario");
    std::fs::write(dir.join("token"), format!("{token}\n")).expect("write the token");
    let port = free_port();
    let log = std::fs::File::create(dir.join("live.log")).expect("the live log");
    let child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["live", "live-fixture.toml", "--api", &format!("127.0.0.1:{port}"), "--token-file", "token", "--speed", "5"])
        .current_dir(dir)
        .env_remove("FAULTLINE_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("faultline live starts");
    let live = Live { child, port };
    wait_for_state(&live, "the live API", |s| s.starts_with("HTTP/1.1 200") && s.contains("\"now_ns\""));
    live
}

#[test]
fn attach_to_a_live_run_cut_through_the_api_repair_and_quit() {
    if !have_tmux("attach_to_a_live_run_cut_through_the_api_repair_and_quit") {
        return;
    }
    let dir = work_dir("tui-attach");
    let live = start_live(&dir, "attach-test-token");
    let addr = format!("127.0.0.1:{}", live.port);
    let tmux = start_in_tmux(&dir, "tui-attach", &format!("tui --attach {addr} --token-file token"));

    // The first frame can come before the first `GET /state` answers ("no state yet"): wait
    // for the live state, not just the frame (a CI run lost that race).
    let screen = tmux.wait_for("the attached screen with its first live state", |s| {
        s.contains("Topology") && s.contains(&format!("attached to {addr}")) && !s.contains("no state yet")
    });
    assert!(screen.contains("0 conn (0 open)"), "{screen}");
    assert!(screen.contains("fault via API"), "the hint bar says where faults go:\n{screen}");
    tmux.wait_for("the live clock to move the local copy", |s| s.contains("PLAY") && !s.contains(" 0s / 600s"));

    tmux.keys(&["Down"]);
    tmux.wait_for("ch2 selected", |s| s.contains("▶ch2"));
    tmux.keys(&["c"]);
    let screen = tmux.wait_for("the cut, replayed from /state", |s| {
        line_with(s, "▶ch2").contains("DOWN") && s.contains("the live run injected manual-1")
    });
    assert!(!screen.contains("≠ LIVE") && !screen.contains("diverged"), "the local copy diverged:\n{screen}");
    let state = wait_for_state(&live, "the injected cut in /state", |s| s.contains("\"id\":\"manual-1\""));
    assert!(state.contains("\"target\":\"ash/ch2\""), "{state}");

    // `u` repairs it through the API; the live run records when.
    tmux.keys(&["u"]);
    tmux.wait_for("the repair", |s| s.contains("the live run repaired manual-1") && line_with(s, "▶ch2").contains("UP"));
    wait_for_state(&live, "the repair in /state", |s| s.contains("\"repaired_ns\":") && !s.contains("\"repaired_ns\":null"));
    let screen = tmux.wait_for("a few more polls", |s| s.contains("PLAY"));
    assert!(!screen.contains("≠ LIVE") && !screen.contains("diverged"), "the local copy diverged:\n{screen}");

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the process to exit", |s| s.contains("EXITED="));
    assert!(screen.contains("EXITED=0"), "{screen}");
    assert_eq!(tmux.run(&["display-message", "-p", "-t", "main", "#{alternate_on}"]).stdout, b"0\n", "the alternate screen was left");
    drop(live);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn attaching_to_nothing_is_a_clear_error_and_exit_3() {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["tui", "--attach", &format!("127.0.0.1:{}", free_port())])
        .stdin(Stdio::null())
        .output()
        .expect("faultline runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot attach to 127.0.0.1:") && !stderr.contains("panicked"), "{stderr}");
}

/// SIGTERM to the TUI (a `kill`, a closed session manager): it leaves the alternate screen,
/// disables raw mode, shows the cursor and exits 143.
#[test]
fn sigterm_restores_the_terminal() {
    if !have_tmux("sigterm_restores_the_terminal") {
        return;
    }
    let dir = work_dir("tui-sigterm");
    std::fs::write(dir.join("tui-fixture.toml"), SCENARIO).expect("write the scenario");
    let tmux = start_in_tmux(&dir, "tui-sigterm", "tui tui-fixture.toml --seed 3");
    tmux.wait_for("the first frame", |s| s.contains("Topology") && s.contains("PAUSE"));
    assert_eq!(tmux.run(&["display-message", "-p", "-t", "main", "#{alternate_on}"]).stdout, b"1\n", "the TUI uses the alternate screen");
    // The pane runs a shell whose one child is the TUI.
    let shell = String::from_utf8_lossy(&tmux.run(&["display-message", "-p", "-t", "main", "#{pane_pid}"]).stdout).trim().to_string();
    let children = Command::new("pgrep").args(["-P", &shell]).output().expect("pgrep runs");
    let pid = String::from_utf8_lossy(&children.stdout).lines().next().unwrap_or("").trim().to_string();
    assert!(!pid.is_empty(), "no child of the pane's shell {shell}");
    let kill = Command::new("kill").args(["-TERM", &pid]).output().expect("kill runs");
    assert!(kill.status.success(), "kill -TERM {pid}: {}", String::from_utf8_lossy(&kill.stderr));
    let screen = tmux.wait_for("the process to exit", |s| s.contains("EXITED="));
    assert!(screen.contains("EXITED=143"), "{screen}");
    assert!(!screen.contains("Topology"), "the TUI is still on screen:\n{screen}");
    assert_eq!(tmux.run(&["display-message", "-p", "-t", "main", "#{alternate_on}"]).stdout, b"0\n", "the alternate screen was left");
    assert_eq!(tmux.run(&["display-message", "-p", "-t", "main", "#{cursor_flag}"]).stdout, b"1\n", "the cursor is shown");
    let _ = std::fs::remove_dir_all(&dir);
}
