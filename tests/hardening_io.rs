//! End to end, issue 12's outputs and signals: output files are renamed into place whole
//! (two writers of one `--junit` leave a valid file; a write that fails partway leaves the
//! old file and no temporary file), standard output and error failures never panic and exit
//! with a documented code, SIGINT/SIGTERM stop a sweep with a partial summary and a committed
//! NDJSON file that says so, `tui` without a terminal is refused, and a sweep too large for
//! the memory budget is refused before it allocates. The real binary, under a memory cap
//! (`prlimit --as`) where a case could abort.

mod common;

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{have, root};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_faultline");
/// 4 GiB: far above what these commands need, far below what an unbounded one would take.
const CAP: &str = "--as=4294967296";

fn work_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("hardening-io-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `prlimit --as=4GiB -- faultline ARGS` in the workspace root.
fn capped(args: &[&str]) -> Command {
    let mut c = Command::new("prlimit");
    c.arg(CAP).arg("--").arg(BIN).args(args).current_dir(root());
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn no_panic(o: &Output, what: &str) {
    let stderr = text(&o.stderr);
    assert_ne!(o.status.code(), Some(101), "{what} panicked: {stderr}");
    assert!(!stderr.contains("panicked"), "{what} panicked: {stderr}");
}

/// Temporary files an atomic write left in `dir`.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("readable dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n.ends_with(".tmp"))
        .collect()
}

/// Whether `path` holds one whole XML document: quick-xml reads it to the end with end
/// names checked, every element closed, one root.
fn well_formed(path: &Path) -> Result<(), String> {
    use quick_xml::events::Event;
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut r = quick_xml::Reader::from_reader(bytes.as_slice());
    let (mut depth, mut roots, mut buf) = (0usize, 0usize, Vec::new());
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(_)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            Ok(Event::End(_)) => depth = depth.checked_sub(1).ok_or("an end tag without a start")?,
            Ok(Event::Empty(_)) if depth == 0 => roots += 1,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("at byte {}: {e}", r.buffer_position())),
        }
        buf.clear();
    }
    match (depth, roots) {
        (0, 1) => Ok(()),
        (d, n) => Err(format!("{d} element(s) left open, {n} root(s)")),
    }
}

/// The shared `junit-race.sh`, shortened to 40 pairs: two processes write one `--junit`
/// file at once; every file left must be whole.
#[test]
fn two_writers_of_one_junit_file_leave_a_whole_file() {
    let dir = work_dir("race");
    let fixtures = root().join("tests/fixtures/hardening");
    let long = fixtures.join("junit-race-long.toml");
    let short = fixtures.join("junit-race-short.toml");
    let junit = dir.join("same.xml");
    let mut corrupt = Vec::new();
    for i in 0..40 {
        let _ = std::fs::remove_file(&junit);
        let start = |scenario: &Path| {
            Command::new(BIN)
                .arg("run")
                .arg(scenario)
                .args(["-q", "--junit"])
                .arg(&junit)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("faultline starts")
        };
        let (mut a, mut b) = (start(&long), start(&short));
        let (ca, cb) = (a.wait().expect("waits"), b.wait().expect("waits"));
        assert!(ca.success() && cb.success(), "pair {i}: exit {ca} and {cb}");
        if let Err(e) = well_formed(&junit) {
            corrupt.push(format!("pair {i}: {e}"));
        }
    }
    assert!(corrupt.is_empty(), "corrupt={} of 40:\n{}", corrupt.len(), corrupt.join("\n"));
    // The check itself catches a file cut short, as the race used to leave one.
    let whole = std::fs::read(&junit).expect("read");
    let cut = dir.join("cut.xml");
    std::fs::write(&cut, &whole[..whole.len() / 2]).expect("write");
    assert!(well_formed(&cut).is_err(), "a half file passed the check");
    std::fs::remove_file(&cut).expect("remove");
    assert!(leftovers(&dir).is_empty(), "temporary files left: {:?}", leftovers(&dir));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A write that fails partway (here a file-size limit, `prlimit --fsize`, with SIGXFSZ
/// ignored so the write returns EFBIG, as a full disk returns ENOSPC) leaves the old
/// `--junit` and `--trace` files as they were, no temporary file, and exits 4 naming the file.
#[test]
fn a_write_that_fails_partway_leaves_the_old_file() {
    if !have("a_write_that_fails_partway_leaves_the_old_file", &["sh", "prlimit"]) {
        return;
    }
    let dir = work_dir("partway");
    for (flag, name) in [("--junit", "report.xml"), ("--trace", "trace.ndjson")] {
        let target = dir.join(name);
        std::fs::write(&target, "the old, valid file\n").expect("write the old file");
        // `trap '' XFSZ` sets the signal ignored, which exec keeps.
        let script = format!("trap '' XFSZ; exec prlimit --fsize=1500 -- '{BIN}' run channel-cut -q {flag} '{}'", target.display());
        let o = Command::new("sh").args(["-c", &script]).current_dir(root()).output().expect("sh runs");
        no_panic(&o, flag);
        let stderr = text(&o.stderr);
        assert_eq!(o.status.code(), Some(4), "{flag}: {stderr}");
        assert!(stderr.contains(&format!("cannot write {}", target.display())), "{flag}: {stderr}");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "the old, valid file\n", "{flag}: the old file changed");
        assert!(leftovers(&dir).is_empty(), "{flag}: temporary files left: {:?}", leftovers(&dir));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--junit` into a directory that cannot be written: exit 4, the file named, the old file
/// untouched. (Root writes anywhere, so as root only the failure to create is checked, with
/// a missing directory.)
#[test]
fn an_unwritable_directory_fails_cleanly() {
    let dir = work_dir("readonly");
    let locked = dir.join("locked");
    std::fs::create_dir_all(&locked).expect("dir");
    let target = locked.join("report.xml");
    std::fs::write(&target, "old\n").expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    }
    let writable = std::fs::write(locked.join("probe"), "").is_ok();
    let target_arg = if writable {
        eprintln!("note: running as root, {} stays writable; checking a missing directory instead", locked.display());
        dir.join("missing/report.xml")
    } else {
        target.clone()
    };
    let o = capped(&["run", "channel-cut", "-q", "--junit", target_arg.to_str().expect("UTF-8 path")]).output().expect("runs");
    no_panic(&o, "--junit into a locked directory");
    let stderr = text(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains(&format!("cannot write {}", target_arg.display())), "{stderr}");
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "old\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A full device as an output, on stdout, as `--junit` and as stderr.
#[test]
fn full_devices_and_closed_pipes_never_panic() {
    if !Path::new("/dev/full").exists() {
        common::skip("full_devices_and_closed_pipes_never_panic", "/dev/full does not exist");
        return;
    }
    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full opens");

    // stdout on a full device: exit 4 and a message on stderr.
    let o = capped(&["run", "channel-cut"]).stdout(full()).output().expect("runs");
    no_panic(&o, "run > /dev/full");
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("cannot write to standard output: No space left on device"), "{}", text(&o.stderr));

    // --junit /dev/full: written in place (a device is not replaced), fails cleanly.
    let o = capped(&["run", "channel-cut", "-q", "--junit", "/dev/full"]).output().expect("runs");
    no_panic(&o, "--junit /dev/full");
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("cannot write /dev/full: No space left on device"), "{}", text(&o.stderr));

    // stderr on a full device: an input error still exits 3.
    let o = capped(&["validate", "tests/broken/dangling-fault-target.toml"]).stderr(full()).output().expect("runs");
    assert_eq!(o.status.code(), Some(3), "validate 2>/dev/full");
    assert!(!text(&o.stdout).contains("panicked"), "{}", text(&o.stdout));
    let o = capped(&["run", "no-such-scenario-anywhere"]).stderr(full()).output().expect("runs");
    assert_eq!(o.status.code(), Some(3), "run of a missing scenario 2>/dev/full");

    // A pipe closed by its reader (`| head`) is no error: exit 0, nothing on stderr.
    let mut child = capped(&["list"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("starts");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("waits");
    assert_eq!(o.status.code(), Some(0), "list into a closed pipe: {}", text(&o.stderr));
    assert!(o.stderr.is_empty(), "{}", text(&o.stderr));
    if have("full_devices_and_closed_pipes_never_panic", &["bash", "head"]) {
        let o = Command::new("bash")
            .args(["-c", &format!("'{BIN}' list | head -1 >/dev/null; exit ${{PIPESTATUS[0]}}")])
            .current_dir(root())
            .output()
            .expect("bash runs");
        assert_eq!(o.status.code(), Some(0), "faultline list | head -1: {}", text(&o.stderr));
    }
}

/// No `println!`-family macro in the CLI: they panic on a write error.
#[test]
fn the_cli_prints_through_output_rs_only() {
    let mut hits = Vec::new();
    for dir in ["src", "tui/src"] {
        for entry in walk(&root().join(dir)) {
            let Ok(t) = std::fs::read_to_string(&entry) else { continue };
            if entry.ends_with("output.rs") || entry.to_string_lossy().contains("/tests") {
                continue;
            }
            for (n, line) in t.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                if ["println!(", "print!(", "eprintln!(", "eprint!("].iter().any(|m| code.contains(m)) {
                    hits.push(format!("{}:{}: {}", entry.display(), n + 1, code));
                }
            }
        }
    }
    assert!(hits.is_empty(), "print macros (they panic on a write error; use src/output.rs):\n{}", hits.join("\n"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("readable").filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// A sweep started in `dir` with its NDJSON to `out.ndjson`; killed on drop if still running.
struct Sweep {
    child: Child,
    dir: PathBuf,
}

impl Drop for Sweep {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sweep {
    fn start(dir: &Path, extra: &[&str]) -> Sweep {
        let mut args = vec!["sweep", "channel-cut", "--seeds", "1..1000001", "--jobs", "2", "-o", "out.ndjson"];
        args.extend_from_slice(extra);
        let child = Command::new("prlimit")
            .arg(CAP)
            .arg("--")
            .arg(BIN)
            .args(&args)
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the sweep starts");
        Sweep { child, dir: dir.to_path_buf() }
    }

    /// Waits until the temporary NDJSON file holds `lines` lines (the manifest and seeds).
    fn wait_for_lines(&self, lines: usize) {
        let start = Instant::now();
        loop {
            let tmp = leftovers(&self.dir);
            if let Some(name) = tmp.first()
                && let Ok(f) = std::fs::File::open(self.dir.join(name))
                && std::io::BufReader::new(f).lines().take(lines).count() == lines
            {
                return;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "no {lines} NDJSON lines after 60 s in {}", self.dir.display());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, sig: &str) {
        let o = Command::new("kill").args([sig, &self.child.id().to_string()]).output().expect("kill runs");
        assert!(o.status.success(), "kill {sig}: {}", text(&o.stderr));
    }

    fn finish(mut self) -> (Option<i32>, String, String) {
        let (mut out, mut err) = (String::new(), String::new());
        if let Some(mut s) = self.child.stdout.take() {
            let _ = s.read_to_string(&mut out);
        }
        if let Some(mut s) = self.child.stderr.take() {
            let _ = s.read_to_string(&mut err);
        }
        let status = self.child.wait().expect("waits");
        (status.code(), out, err)
    }
}

/// The NDJSON file's lines, parsed (every one must be JSON).
fn ndjson(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{} was not committed: {e}", path.display()));
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: not JSON ({e}): {l}", path.display()))).collect()
}

/// SIGINT: the sweep stops, prints the partial human summary, commits its NDJSON with an
/// end line that says so, exits 130; `merge` refuses the file.
#[test]
fn sigint_stops_a_sweep_with_a_partial_summary() {
    if !have("sigint_stops_a_sweep_with_a_partial_summary", &["prlimit", "kill"]) {
        return;
    }
    let dir = work_dir("sigint");
    let sweep = Sweep::start(&dir, &[]);
    sweep.wait_for_lines(20);
    sweep.signal("-INT");
    let (code, out, err) = sweep.finish();
    assert_eq!(code, Some(130), "stdout:\n{out}\nstderr:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    let line = out.lines().find(|l| l.starts_with("interrupted by SIGINT: ")).unwrap_or_else(|| panic!("no interrupted line:\n{out}"));
    assert!(line.contains(" of 1000000 runs ran; this summary is partial"), "{line}");
    assert!(out.lines().any(|l| l.starts_with("unrun    seeds ") && l.contains("interrupted by SIGINT")), "{out}");
    assert!(out.contains("verdict  inconclusive"), "{out}");

    let lines = ndjson(&dir.join("out.ndjson"));
    assert!(leftovers(&dir).is_empty(), "temporary files left: {:?}", leftovers(&dir));
    let end = lines.last().expect("lines");
    assert_eq!(end["type"], "end", "{end}");
    assert_eq!(end["interrupted"], "SIGINT", "{end}");
    let seeds = lines.iter().filter(|l| l["type"] == "seed").count() as u64;
    assert!(seeds >= 19, "{seeds} seed lines");
    assert_eq!(end["ran"].as_u64(), Some(seeds), "{end}");
    assert_eq!(end["unrun"], serde_json::json!([[seeds + 1, 1_000_001]]), "{end}");
    // The seeds that ran are a prefix, in order.
    let numbers: Vec<u64> = lines.iter().filter_map(|l| l["seed"].as_u64()).collect();
    assert_eq!(numbers, (1..=seeds).collect::<Vec<_>>());

    let o = capped(&["merge", dir.join("out.ndjson").to_str().expect("UTF-8")]).output().expect("merge runs");
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("was interrupted by SIGINT after"), "{}", text(&o.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGTERM (a batch engine preempting the job): exit 143, the JSON summary marked partial.
#[test]
fn sigterm_stops_a_sweep_with_partial_json() {
    if !have("sigterm_stops_a_sweep_with_partial_json", &["prlimit", "kill"]) {
        return;
    }
    let dir = work_dir("sigterm");
    let sweep = Sweep::start(&dir, &["--json"]);
    sweep.wait_for_lines(5);
    sweep.signal("-TERM");
    let (code, out, err) = sweep.finish();
    assert_eq!(code, Some(143), "stdout:\n{out}\nstderr:\n{err}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}\n{err}"));
    assert_eq!(v["partial"], true, "{v}");
    assert_eq!(v["interrupted"], "SIGTERM", "{v}");
    assert_eq!(v["verdict"], "inconclusive", "{v}");
    assert!(v["runs"].as_u64().is_some_and(|n| (4..1_000_000).contains(&n)), "{v}");
    let lines = ndjson(&dir.join("out.ndjson"));
    assert_eq!(lines.last().map(|l| l["interrupted"].clone()), Some(Value::from("SIGTERM")));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `faultline tui` with piped standard streams: a message and exit 3, no panic.
#[test]
fn tui_without_a_terminal_is_refused() {
    let o = capped(&["tui", "channel-cut"]).stdin(Stdio::null()).output().expect("runs");
    no_panic(&o, "tui without a terminal");
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("faultline tui needs a terminal"), "{}", text(&o.stderr));
}

/// 100,000,000 seeds: refused before anything is allocated, under a 4 GiB cap.
#[test]
fn a_sweep_too_large_for_the_memory_budget_is_refused_up_front() {
    if !have("a_sweep_too_large_for_the_memory_budget_is_refused_up_front", &["prlimit"]) {
        return;
    }
    let o = capped(&["sweep", "channel-cut", "--seeds", "1..100000001"]).output().expect("runs");
    no_panic(&o, "sweep --seeds 1..100000001");
    let stderr = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("--seeds 1..100000001: 100,000,000 runs × "), "{stderr}");
    assert!(stderr.contains("B of per-seed results") && stderr.contains("above the memory budget of"), "{stderr}");
}

/// Waits until process `pid` catches SIGINT (bit 1 of `SigCgt` in /proc/PID/status): its
/// handlers are installed, so a signal now is the command's to handle. False without /proc.
fn wait_until_catching_sigint(pid: u32) -> bool {
    let start = Instant::now();
    loop {
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else { return false };
        let caught = status
            .lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
            .is_some_and(|mask| mask & (1 << (2 - 1)) != 0);
        if caught {
            return true;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "process {pid} never installed its SIGINT handler");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// SIGINT during a long `run` (packet fidelity takes minutes): it stops between slices of
/// the simulation, writes no `--junit`, and exits 130.
#[test]
fn sigint_stops_a_run_and_writes_nothing() {
    if !have("sigint_stops_a_run_and_writes_nothing", &["kill"]) {
        return;
    }
    let dir = work_dir("run-sigint");
    let junit = dir.join("report.xml");
    let mut child = Command::new(BIN)
        .args(["run", "channel-cut", "--fidelity", "packet", "--junit"])
        .arg(&junit)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    if !wait_until_catching_sigint(child.id()) {
        let _ = child.kill();
        let _ = child.wait();
        common::skip("sigint_stops_a_run_and_writes_nothing", "/proc/PID/status is not readable");
        return;
    }
    let k = Command::new("kill").args(["-INT", &child.id().to_string()]).output().expect("kill runs");
    assert!(k.status.success());
    let o = child.wait_with_output().expect("waits");
    let stderr = text(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted by SIGINT; nothing was written"), "{stderr}");
    assert!(!junit.exists(), "a --junit was written");
    assert!(leftovers(&dir).is_empty(), "temporary files left: {:?}", leftovers(&dir));
    let _ = std::fs::remove_dir_all(&dir);
}
