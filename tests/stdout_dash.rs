//! `-` on the real binary: as an output FILE it is standard output for every output flag,
//! and stdout then holds only that document (the human summary goes to stderr); two
//! documents on stdout are refused (exit 3, both flags named, nothing run). As an input,
//! `diff` and `merge` read `-` from standard input and name it `<stdin>`.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const SMALL: &str = "tests/fixtures/small-cut.toml";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `faultline ARGS` with `stdin` piped in.
fn with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(common::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let _ = child.stdin.take().expect("stdin").write_all(stdin);
    child.wait_with_output().expect("it ends")
}

/// The bytes `faultline ARGS FLAG FILE` writes to FILE, for comparing with `FLAG -`.
fn written(args: &[&str], flag: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("out");
    let file = file.to_str().expect("utf-8 path");
    let mut all = args.to_vec();
    all.extend([flag, file]);
    let o = common::faultline(&all);
    assert!(o.status.code().is_some_and(|c| c < 3), "{all:?}: {}", text(&o.stderr));
    std::fs::read(file).expect("the file was written")
}

/// `b` as text without JUnit's wall-clock `time="…"` attributes, the one part of an output
/// that differs from run to run.
fn untimed(b: &[u8]) -> String {
    let mut t = text(b);
    while let Some(i) = t.find(" time=\"") {
        let end = t[i + 7..].find('"').map_or(t.len(), |j| i + 7 + j + 1);
        t.replace_range(i..end, "");
    }
    t
}

/// Runs `ARGS FLAG -` and checks stdout is exactly what `ARGS FLAG FILE` writes to FILE,
/// and the summary (`in_stderr`) is on stderr, not on stdout.
fn dash_is_stdout(c: &mut common::Checks, args: &[&str], flag: &str, in_stderr: &str) -> Vec<u8> {
    let mut all = args.to_vec();
    all.extend([flag, "-"]);
    let o = common::faultline(&all);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    c.that(o.status.code().is_some_and(|c| c < 3), format!("{all:?}: exit {:?}: {err}", o.status.code()));
    c.that(
        untimed(&o.stdout) == untimed(&written(args, flag)),
        format!("{all:?}: stdout is not what {flag} FILE writes:\n{}", &out[..out.len().min(300)]),
    );
    c.that(err.contains(in_stderr), format!("{all:?}: `{in_stderr}` not on stderr: {err}"));
    let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    c.that(!first.is_empty() && !out.contains(first), format!("{all:?}: the summary (`{first}`) is on stdout too"));
    c.that(!std::path::Path::new(&common::root().join("-")).exists(), format!("{all:?}: wrote a file named `-`"));
    o.stdout
}

/// Exit 3, nothing on stdout, and a message naming both flags.
fn refused(c: &mut common::Checks, args: &[&str], first: &str, second: &str) {
    let o = common::faultline(args);
    let err = text(&o.stderr);
    c.that(o.status.code() == Some(3), format!("{args:?}: exit {:?}, not 3: {err}", o.status.code()));
    c.that(o.stdout.is_empty(), format!("{args:?}: printed {}", text(&o.stdout)));
    let want = format!("error: {first} and {second} both write to standard output");
    c.that(err.contains(&want), format!("{args:?}: stderr lacks `{want}`: {err}"));
}

#[test]
fn run_writes_each_output_to_stdout_alone() {
    let mut c = common::Checks::new("run_writes_each_output_to_stdout_alone");
    let run = ["run", SMALL];
    let svg = dash_is_stdout(&mut c, &run, "--svg", "scenario  small-cut");
    c.that(text(&svg).contains("<svg"), "--svg - is an SVG");
    let html = dash_is_stdout(&mut c, &run, "--html", "scenario  small-cut");
    c.that(text(&html).to_ascii_lowercase().starts_with("<!doctype html"), "--html - is HTML");
    let junit = dash_is_stdout(&mut c, &run, "--junit", "scenario  small-cut");
    c.that(text(&junit).starts_with("<?xml"), "--junit - is XML");
    let trace = dash_is_stdout(&mut c, &run, "--trace", "scenario  small-cut");
    c.that(text(&trace).lines().all(|l| serde_json::from_str::<Value>(l).is_ok()), "--trace - is JSON lines");
    let ann = dash_is_stdout(&mut c, &run, "--annotations", "scenario  small-cut");
    c.that(serde_json::from_slice::<Value>(&ann).is_ok_and(|v| v.is_array()), "--annotations - is a JSON array");
    // --quiet's verdict line moves to stderr too.
    dash_is_stdout(&mut c, &["run", SMALL, "-q"], "--svg", "small-cut");
    // Two documents on stdout: refused before anything runs, both flags named.
    refused(&mut c, &["run", SMALL, "--json", "--svg", "-"], "--json", "--svg -");
    refused(&mut c, &["run", SMALL, "--svg", "-", "--html", "-"], "--svg -", "--html -");
    refused(&mut c, &["run", SMALL, "--trace", "-", "--junit", "-"], "--junit -", "--trace -");
    refused(&mut c, &["run", SMALL, "--json", "--annotations", "-"], "--json", "--annotations -");
    // `--json` alone, and files, are as before.
    let (code, v) = common::run_json(SMALL, &[]);
    c.that(code == Some(0) && v["fingerprint"].is_string(), "run --json");
    c.finish();
}

#[test]
fn report_check_sweep_merge_and_shrink_take_dash_too() {
    let mut c = common::Checks::new("report_check_sweep_merge_and_shrink_take_dash_too");
    // report: the verdict line on stderr, the page on stdout.
    let html = dash_is_stdout(&mut c, &["report", SMALL], "--html", "small-cut");
    c.that(text(&html).to_ascii_lowercase().starts_with("<!doctype html"), "report --html - is HTML");
    refused(&mut c, &["report", SMALL, "--html", "-", "--svg", "-"], "--svg -", "--html -");
    // check: the totals line on stderr.
    let junit = dash_is_stdout(&mut c, &["check", SMALL], "--junit", "1 scenario");
    c.that(text(&junit).starts_with("<?xml"), "check --junit - is XML");
    refused(&mut c, &["check", SMALL, "--json", "--junit", "-"], "--json", "--junit -");
    // sweep: the summary on stderr; NDJSON and another document on stdout refused.
    let sweep = ["sweep", SMALL, "--seeds", "1..3", "--jobs", "1"];
    let html = dash_is_stdout(&mut c, &sweep, "--html", "small-cut");
    c.that(text(&html).to_ascii_lowercase().starts_with("<!doctype html"), "sweep --html - is HTML");
    refused(&mut c, &["sweep", SMALL, "--seeds", "1..3", "--ndjson", "--html", "-"], "--ndjson", "--html -");
    refused(&mut c, &["sweep", SMALL, "--seeds", "1..3", "--json", "--ndjson"], "--json", "--ndjson");
    refused(&mut c, &["sweep", SMALL, "--seeds", "1..3", "-o", "-", "--json"], "--json", "-o -");
    refused(&mut c, &["sweep", SMALL, "--seeds", "1..3", "--json", "--html", "-"], "--json", "--html -");
    refused(&mut c, &["sweep", SMALL, "--seeds", "1..3", "--shard", "0/1", "--html", "-"], "--shard (its NDJSON)", "--html -");
    // `-o -` streams the NDJSON on stdout, as `--ndjson` does; `merge -` reads it back and
    // gives the sweep's own summary.
    let o = common::faultline(&["sweep", SMALL, "--seeds", "1..3", "-o", "-"]);
    let ndjson = o.stdout.clone();
    let lines: Vec<Value> = text(&ndjson).lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    c.that(o.status.code() == Some(0) && lines.len() == 4, format!("sweep -o -: {} lines: {}", lines.len(), text(&o.stderr)));
    // What `--ndjson` prints, but for the end line's wall time.
    let plain = common::faultline(&["sweep", SMALL, "--seeds", "1..3", "--ndjson"]);
    let timeless = |b: &[u8]| -> Vec<Value> {
        text(b)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .map(|mut v| {
                if let Some(m) = v.as_object_mut() {
                    m.remove("wall_s");
                }
                v
            })
            .collect()
    };
    c.that(timeless(&plain.stdout) == timeless(&ndjson), "sweep -o - prints what --ndjson prints");
    let summary = common::faultline(&["sweep", SMALL, "--seeds", "1..3", "--json"]);
    let want: Value = serde_json::from_slice(&summary.stdout).expect("sweep --json");
    let m = with_stdin(&["merge", "-", "--json"], &ndjson);
    let got: Value = serde_json::from_slice(&m.stdout).unwrap_or(Value::Null);
    c.that(m.status.code() == Some(0) && got["digest"] == want["digest"], format!("merge - --json: {}", text(&m.stderr)));
    // merge --json-out -: the JSON on stdout, the human summary on stderr.
    let m = with_stdin(&["merge", "-", "--json-out", "-"], &ndjson);
    let got: Value = serde_json::from_slice(&m.stdout).unwrap_or(Value::Null);
    c.that(got["digest"] == want["digest"], format!("merge --json-out -: {}", text(&m.stdout)));
    c.that(text(&m.stderr).contains("small-cut"), format!("merge --json-out -: summary on stderr: {}", text(&m.stderr)));
    refused(&mut c, &["merge", "tests/none.ndjson", "--json", "--json-out", "-"], "--json", "--json-out -");
    // An error in what came from standard input names `<stdin>`.
    let m = with_stdin(&["merge", "-"], b"not json\n");
    c.that(m.status.code() == Some(3) && text(&m.stderr).contains("<stdin>"), format!("merge - of junk: {}", text(&m.stderr)));
    // shrink: `-o -` is the file on stdout; with --json it is two documents.
    let o = common::faultline(&["shrink", SMALL, "--json", "-o", "-"]);
    c.that(o.status.code() == Some(3) && text(&o.stderr).contains("--json and -o - both write to standard output"), text(&o.stderr));
    // live: two documents refused, and the token file is never standard output; both
    // before anything starts.
    refused(&mut c, &["live", SMALL, "--no-api", "--json", "--export", "-"], "--json", "--export -");
    let o = common::faultline(&["live", SMALL, "--token-file", "-"]);
    c.that(o.status.code() == Some(3) && text(&o.stderr).contains("never written to standard output"), text(&o.stderr));
    c.that(o.stdout.is_empty(), "live --token-file - printed something");
    c.finish();
}

#[test]
fn diff_reads_dash_from_standard_input() {
    let mut c = common::Checks::new("diff_reads_dash_from_standard_input");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("old.json");
    let run = common::faultline(&["run", SMALL, "--json"]);
    std::fs::write(&file, &run.stdout).expect("write");
    let file = file.to_str().expect("utf-8");
    for args in [["diff", "-", file], ["diff", file, "-"]] {
        let o = with_stdin(&args, &run.stdout);
        c.that(o.status.code() == Some(0), format!("{args:?}: {}", text(&o.stderr)));
        c.that(text(&o.stdout).contains("small-cut"), format!("{args:?}: {}", text(&o.stdout)));
        let j = with_stdin(&[args[0], args[1], args[2], "--json"], &run.stdout);
        let v: Value = serde_json::from_slice(&j.stdout).unwrap_or(Value::Null);
        c.that(v["comparisons"][0]["identical"] == true, format!("{args:?} --json: {v}"));
        c.that(v.to_string().contains("<stdin>"), format!("{args:?} --json names <stdin>: {v}"));
    }
    let o = with_stdin(&["diff", "-", file], b"this is not json");
    c.that(o.status.code() == Some(3), "diff of junk on stdin exits 3");
    c.that(text(&o.stderr).contains("error: <stdin> is not JSON"), format!("names <stdin>: {}", text(&o.stderr)));
    let o = with_stdin(&["diff", "-", "-"], &run.stdout);
    c.that(o.status.code() == Some(3) && text(&o.stderr).contains("both `-`"), format!("diff - -: {}", text(&o.stderr)));
    c.finish();
}
