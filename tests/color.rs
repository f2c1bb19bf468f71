//! Colour on standard output: none into a pipe, none under `NO_COLOR` (any non-empty value),
//! some with `--color always` or `CLICOLOR_FORCE`, and on a real terminal (tmux). Only the
//! words are coloured: with the escape sequences removed the output is the plain one, byte
//! for byte, so the columns line up the same.

mod common;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The real binary with the colour variables cleared, then `env` set.
fn faultline(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_faultline"));
    c.args(args).current_dir(common::root());
    for v in ["NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR"] {
        c.env_remove(v);
    }
    c.envs(env.iter().copied());
    c.output().expect("the binary runs")
}

fn has_esc(o: &Output) -> bool {
    o.stdout.contains(&0x1b)
}

/// Removes SGR sequences (`ESC [ … m`), the only ones colouring writes.
fn strip(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            assert_eq!(chars.next(), Some('['), "only CSI sequences: {text:?}");
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
                assert!(d.is_ascii_digit() || d == ';', "only SGR sequences: {text:?}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Lines that differ between two runs of the same command (the wall time of a sweep).
fn stable(text: &str) -> String {
    text.lines().filter(|l| !l.starts_with("sweep ")).collect::<Vec<_>>().join("\n")
}

/// Each output the colour touches: a run, a single and a many-scenario check (with a failure),
/// validate, a sweep and a diff. The diff's inputs are written first.
fn commands(dir: &std::path::Path) -> Vec<Vec<String>> {
    for (seed, name) in [("1", "a.json"), ("2", "b.json")] {
        let o = faultline(&["run", "channel-cut", "--seed", seed, "--json"], &[]);
        std::fs::write(dir.join(name), &o.stdout).expect("write");
    }
    let a = dir.join("a.json").display().to_string();
    let b = dir.join("b.json").display().to_string();
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        v(&["run", "channel-cut"]),
        v(&["run", "channel-cut", "-q"]),
        v(&["check", "us-east-1-oct-2025"]),
        v(&["check", "channel-cut", "us-east-1-oct-2025", "silent-blackhole-no-bfd"]),
        v(&["validate", "channel-cut", "scenarios-data/us-east-1-oct-2025.toml"]),
        v(&["sweep", "channel-cut", "--seeds", "1..4", "--jobs", "1"]),
        v(&["diff", &a, &b]),
    ]
}

#[test]
fn piped_output_is_plain_and_always_colours_only_the_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in commands(dir.path()) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let plain = faultline(&args, &[]);
        assert!(!has_esc(&plain), "faultline {args:?} into a pipe has no ESC byte");
        let mut always_args = args.clone();
        always_args.extend(["--color", "always"]);
        let always = faultline(&always_args, &[]);
        assert!(has_esc(&always), "faultline {args:?} --color always has colour");
        assert_eq!(always.status.code(), plain.status.code(), "{args:?}: colour changes no exit code");
        let (p, a) = (String::from_utf8_lossy(&plain.stdout), String::from_utf8_lossy(&always.stdout));
        assert_eq!(stable(&strip(&a)), stable(&p), "faultline {args:?}: uncoloured, it is the plain text");
        let never = faultline(&[&args[..], &["--color", "never"]].concat(), &[("CLICOLOR_FORCE", "1")]);
        assert!(!has_esc(&never), "--color never beats CLICOLOR_FORCE");
    }
}

#[test]
fn the_environment_decides_under_auto_and_no_color_wins() {
    let run = ["run", "us-east-1-oct-2025"];
    assert!(has_esc(&faultline(&run, &[("CLICOLOR_FORCE", "1")])), "CLICOLOR_FORCE colours a pipe (CI logs)");
    assert!(!has_esc(&faultline(&run, &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")])), "NO_COLOR wins over CLICOLOR_FORCE");
    assert!(!has_esc(&faultline(&run, &[("NO_COLOR", "yes please")])), "any non-empty NO_COLOR");
    assert!(has_esc(&faultline(&run, &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")])), "an empty NO_COLOR is not set");
    assert!(has_esc(&faultline(&[&run[..], &["--color", "always"]].concat(), &[("NO_COLOR", "1")])), "the flag beats the environment");
    // The failing expectation is red, the passing ones green, the verdict line red.
    let o = faultline(&[&run[..], &["--color", "always"]].concat(), &[]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("\x1b[1m\x1b[31mFAIL\x1b[0m"), "{text}");
    assert!(text.contains("\x1b[1m\x1b[32mPASS\x1b[0m"), "{text}");
    assert!(text.contains("verdict      \x1b[1m\x1b[31mfail\x1b[0m"), "{text}");
}

/// tmux: its own server, one window of `faultline run` on a real pseudo-terminal.
struct Tmux(String);

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-L").arg(&self.0).args(args).output().expect("tmux runs")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// The screen of `faultline run us-east-1-oct-2025` in tmux, escape sequences kept (`-e`),
/// once the verdict is on it.
fn on_a_terminal(tag: &str, env: &str) -> String {
    let tmux = Tmux(format!("faultline-color-{tag}-{}", std::process::id()));
    let cmd = format!(
        "env -u NO_COLOR -u CLICOLOR_FORCE TERM=xterm-256color {env} {} run us-east-1-oct-2025 -q; sleep 60",
        env!("CARGO_BIN_EXE_faultline")
    );
    let dir = common::root().display().to_string();
    let o = tmux.run(&["new-session", "-d", "-s", "main", "-x", "120", "-y", "10", "-c", &dir, &cmd]);
    assert!(o.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&o.stderr));
    let start = Instant::now();
    loop {
        let screen = String::from_utf8_lossy(&tmux.run(&["capture-pane", "-e", "-p", "-t", "main"]).stdout).into_owned();
        if screen.contains("fingerprint") {
            return screen;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no verdict line on the terminal:\n{screen}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_real_terminal_gets_colour_unless_no_color() {
    if !common::have("a_real_terminal_gets_colour_unless_no_color", &["tmux"]) {
        return;
    }
    let screen = on_a_terminal("tty", "");
    // tmux re-encodes the colour it was given: red foreground (31) around `fail`.
    let line = screen.lines().find(|l| l.contains("fingerprint")).unwrap_or_default();
    assert!(line.contains("\x1b[") && line.contains("31m"), "the verdict is red on a terminal: {line:?}");
    assert!(strip(line).contains("us-east-1-oct-2025: fail (seed"), "{line:?}");
    let screen = on_a_terminal("nocolor", "NO_COLOR=1");
    let line = screen.lines().find(|l| l.contains("fingerprint")).unwrap_or_default();
    assert!(!line.contains('\x1b'), "NO_COLOR=1: plain on a terminal too: {line:?}");
}
