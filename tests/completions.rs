//! `faultline completions SHELL` loaded into the real shells, and `faultline man` rendered by
//! the real groff and man, with warnings on.

mod common;

use std::process::{Command, Stdio};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_faultline")
}

/// What bash's completion offers for the words typed so far (the last one being completed).
fn bash_complete(words: &[&str]) -> Vec<String> {
    let line = words.join(" ");
    let script = format!(
        r#"source <("$FAULTLINE" completions bash) || exit 9
complete -p faultline || exit 8
COMP_WORDS=({words})
COMP_CWORD={cword}
COMP_LINE='{line}'
COMP_POINT=${{#COMP_LINE}}
_faultline faultline '{cur}' '{prev}'
printf '%s\n' "${{COMPREPLY[@]}}""#,
        words = words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" "),
        cword = words.len() - 1,
        cur = words[words.len() - 1],
        prev = words[words.len() - 2],
    );
    let o = Command::new("bash").arg("-c").arg(&script).env("FAULTLINE", bin()).output().expect("bash runs");
    assert!(o.status.success(), "bash exit {:?}: {}", o.status.code(), String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let mut lines = out.lines();
    let spec = lines.next().unwrap_or_default();
    assert!(spec.contains("-F _faultline") && spec.ends_with("faultline"), "complete -p: {spec}");
    lines.map(str::to_string).collect()
}

#[test]
fn bash_completes_commands_and_flags() {
    if !common::have("bash_completes_commands_and_flags", &["bash"]) {
        return;
    }
    assert_eq!(bash_complete(&["faultline", "ru"]), vec!["run"]);
    let man = bash_complete(&["faultline", "m"]);
    assert_eq!(man, vec!["merge", "mcp", "man"], "`m` completes to every command starting with it");
    let seed = bash_complete(&["faultline", "run", "--se"]);
    assert_eq!(seed, vec!["--seed"]);
    let shells = bash_complete(&["faultline", "completions", "z"]);
    assert_eq!(shells, vec!["zsh"]);
}

#[test]
fn zsh_reads_its_completion_script() {
    if !common::have("zsh_reads_its_completion_script", &["zsh"]) {
        return;
    }
    let o = Command::new(bin()).args(["completions", "zsh"]).output().expect("runs");
    assert!(o.status.success());
    let path = std::env::temp_dir().join(format!("_faultline-{}", std::process::id()));
    std::fs::write(&path, &o.stdout).expect("write");
    // -n: parse only. A syntax error exits non-zero and names the line.
    let z = Command::new("zsh").arg("-n").arg(&path).output().expect("zsh runs");
    let _ = std::fs::remove_file(&path);
    assert!(z.status.success(), "zsh -n: {}", String::from_utf8_lossy(&z.stderr));
    let script = String::from_utf8_lossy(&o.stdout);
    assert!(script.starts_with("#compdef faultline"), "{}", &script[..60.min(script.len())]);
}

#[test]
fn every_shell_gets_a_script_and_a_bad_one_is_exit_3() {
    for (shell, marker) in [
        ("bash", "_faultline()"),
        ("zsh", "#compdef faultline"),
        ("fish", "complete -c faultline"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[faultline]"),
    ] {
        let o = common::faultline(&["completions", shell]);
        assert!(o.status.success(), "{shell}");
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(s.contains(marker), "{shell}: no `{marker}`");
        assert!(s.contains("sweep"), "{shell}: the commands are in it");
    }
    let o = common::faultline(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("possible values: bash"), "{}", String::from_utf8_lossy(&o.stderr));
}

/// groff's warnings (all of them: `-ww`) on stderr for a roff page; empty when clean.
fn groff_warnings(roff: &[u8]) -> (String, String) {
    let mut child = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("groff runs");
    use std::io::Write;
    child.stdin.take().expect("stdin").write_all(roff).expect("feed groff");
    let o = child.wait_with_output().expect("groff ends");
    assert!(o.status.success());
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn the_man_page_renders_without_warnings() {
    if !common::have("the_man_page_renders_without_warnings", &["groff", "man"]) {
        return;
    }
    let o = common::faultline(&["man"]);
    assert!(o.status.success());
    let (text, warnings) = groff_warnings(&o.stdout);
    assert_eq!(warnings, "", "groff warns");
    // groff justifies the examples' lines, so compare with runs of spaces collapsed.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in ["NAME", "SYNOPSIS", "faultline-run(1)", "--color", "Exit", "faultline run channel-cut --seed 7"] {
        assert!(flat.contains(want), "the rendered page has {want}:\n{text}");
    }
    // The real man(1) on the same page.
    let mut child = Command::new("man")
        .args(["-l", "-"])
        .env("MANWIDTH", "80")
        .env("MAN_KEEP_FORMATTING", "0")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("man runs");
    use std::io::Write;
    child.stdin.take().expect("stdin").write_all(&o.stdout).expect("feed man");
    let m = child.wait_with_output().expect("man ends");
    assert!(m.status.success(), "man -l -: {}", String::from_utf8_lossy(&m.stderr));
    assert_eq!(String::from_utf8_lossy(&m.stderr), "");
    assert!(String::from_utf8_lossy(&m.stdout).contains("Deterministic chaos testbed"));
}

#[test]
fn man_dir_writes_one_page_per_command() {
    if !common::have("man_dir_writes_one_page_per_command", &["groff"]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("UTF-8 path");
    let o = common::faultline(&["man", "--dir", d]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).expect("read").map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    for want in ["faultline.1", "faultline-run.1", "faultline-check.1", "faultline-sweep.1", "faultline-completions.1", "faultline-man.1"] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    assert!(!names.iter().any(|n| n.contains("help")), "no page for clap's help command: {names:?}");
    for n in &names {
        let roff = std::fs::read(dir.path().join(n)).expect("read page");
        let (text, warnings) = groff_warnings(&roff);
        assert_eq!(warnings, "", "{n}: groff warns");
        assert!(text.contains("Examples:"), "{n} has the examples");
    }
    let o = common::faultline(&["man", "--dir", "/nonexistent/dir"]);
    assert_eq!(o.status.code(), Some(3));
}
