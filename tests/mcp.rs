//! `faultline mcp` driven by a real MCP client no one here wrote: the official Python SDK
//! (`mcp` from PyPI, pinned in .ci/run) launches the server over stdio, lists its tools and
//! resources, calls them, and prints what it saw (tests/mcp/client.py); this file checks it.
//! A run through MCP must give the fingerprint `faultline run --json` gives.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Checks;
use serde_json::Value;

/// The secret a file outside the root holds: no answer may contain it.
const SECRET: &str = "TOP-SECRET-do-not-leak-4711";

/// The Python with the `mcp` package: .ci/run's virtual environment, else a `python3` that
/// imports it; `None` after a loud skip.
fn python(test: &str) -> Option<PathBuf> {
    let tools = std::env::var_os("FAULTLINE_CI_TOOLS").map(PathBuf::from).unwrap_or_else(|| common::root().join("target/ci-tools"));
    let venv = tools.join("mcp-venv/bin/python");
    if venv.is_file() {
        return Some(venv);
    }
    if !common::have(test, &["python3"]) {
        return None;
    }
    let ok = Command::new("python3").args(["-c", "import mcp.client.stdio"]).output().is_ok_and(|o| o.status.success());
    if ok {
        Some(PathBuf::from("python3"))
    } else {
        common::skip(test, "the Python `mcp` package (PyPI) is not installed");
        None
    }
}

/// A root with a copy of a library scenario, a broken file and a symbolic link out of it;
/// beside it (outside the root) a file holding [`SECRET`].
fn fixture(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    let mine = root.join("mine");
    std::fs::create_dir_all(&mine).expect("root");
    std::fs::write(dir.join("secret.toml"), format!("[scenario]\nname = \"{SECRET}\"\n{SECRET} = 1\n")).expect("secret");
    let text = std::fs::read_to_string(common::root().join("scenarios-data/channel-cut.toml")).expect("library file");
    std::fs::write(mine.join("channel-cut.toml"), text).expect("copy");
    std::fs::write(mine.join("broken.toml"), "[scenario]\nname = \"broken\"\nduration = \"2 fortnights\"\n").expect("broken");
    std::os::unix::fs::symlink(dir.join("secret.toml"), mine.join("link.toml")).expect("symlink");
    root
}

fn texts(call: &Value) -> String {
    call["texts"].as_array().map(|t| t.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n")).unwrap_or_default()
}

#[test]
fn the_python_sdk_lists_calls_and_reads() {
    let test = "the_python_sdk_lists_calls_and_reads";
    let Some(py) = python(test) else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fixture(dir.path());
    let out = Command::new(&py)
        .arg(common::root().join("tests/mcp/client.py"))
        .arg(env!("CARGO_BIN_EXE_faultline"))
        .arg(&root)
        .output()
        .expect("python runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the client failed: {stderr}");
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("client output is not JSON ({e}): {stderr}"));
    let m = &seen["main"];
    let calls = &m["calls"];
    let mut c = Checks::new(test);

    // Tools: the eight, each annotated as what it is (it only simulates).
    let names: Vec<&str> = m["tools"].as_array().expect("tools").iter().filter_map(|t| t["name"].as_str()).collect();
    c.that(
        names.len() == 8 && ["list", "show", "validate", "run", "sweep", "shrink", "explain", "import"].iter().all(|n| names.contains(n)),
        format!("tools: {names:?}"),
    );
    for t in m["tools"].as_array().expect("tools") {
        let a = &t["annotations"];
        let want =
            serde_json::json!({"read_only_hint": true, "destructive_hint": false, "idempotent_hint": true, "open_world_hint": false});
        c.that(*a == want, format!("{}: annotations {a}", t["name"]));
        c.that(t["description"].as_str().is_some_and(|d| d.len() > 20), format!("{}: no description", t["name"]));
    }
    let run_tool = m["tools"].as_array().expect("tools").iter().find(|t| t["name"] == "run").expect("run");
    for key in ["name", "scenario_toml", "path", "set", "seed"] {
        c.that(
            run_tool["input_schema"]["properties"].get(key).is_some(),
            format!("run's schema lacks `{key}`: {}", run_tool["input_schema"]),
        );
    }

    // Resources: every library scenario and the schema, read back as written.
    let uris: Vec<&str> = m["resources"].as_array().expect("resources").iter().filter_map(|r| r["uri"].as_str()).collect();
    let lib = common::faultline(&["list", "--json"]);
    let lib: Value = serde_json::from_slice(&lib.stdout).expect("list --json");
    let lib_names: Vec<&str> = lib["scenarios"].as_array().expect("scenarios").iter().filter_map(|s| s["name"].as_str()).collect();
    for n in &lib_names {
        c.that(uris.contains(&format!("faultline://scenarios/{n}").as_str()), format!("no resource for {n}"));
    }
    c.that(uris.contains(&"faultline://schema"), "no schema resource");
    let file = std::fs::read_to_string(common::root().join("scenarios-data/channel-cut.toml")).expect("library file");
    c.that(m["resource_channel_cut"]["text"] == file.as_str(), "the channel-cut resource is not the library file");
    let schema = common::faultline(&["schema"]);
    let schema: Value = serde_json::from_slice(&schema.stdout).expect("schema");
    c.that(m["resource_schema"] == schema, "the schema resource is not `faultline schema`");

    // run: the fingerprint `faultline run --json` gives, by name, by text and by path.
    let (code, cli) = common::run_json("channel-cut", &[]);
    c.that(code.is_some(), "faultline run ended by a signal");
    let fp = cli["fingerprint"].as_str().expect("fingerprint");
    for key in ["run_name", "run_name_again", "run_text", "run_path"] {
        let r = &calls[key];
        c.that(r["is_error"] == false, format!("{key}: error {}", texts(r)));
        c.that(r["structured"]["fingerprint"] == fp, format!("{key}: fingerprint {} != {fp}", r["structured"]["fingerprint"]));
        c.that(r["structured"]["verdict"] == cli["verdict"], format!("{key}: verdict {}", r["structured"]["verdict"]));
    }
    let r = &calls["run_name"]["structured"];
    // The same JSON as the CLI's, wall time and the memory budget (75 % of what the machine
    // had free when each process started) aside.
    let strip = |v: &Value| {
        let mut v = v.clone();
        v["stats"]["wall_s"] = Value::Null;
        v["budget"]["max_memory"] = Value::Null;
        v
    };
    c.that(strip(r) == strip(&cli), "run's structured content differs from `faultline run --json`");
    let human = texts(&calls["run_name"]);
    c.that(human.contains(fp) && human.contains("reproduce:   faultline run channel-cut --seed 1"), format!("run's text: {human}"));

    // A what-if: BFD at 1 s x 5 (GCP Cloud Router's floor) instead of the scenario's 300 ms x
    // 3 on a silent blackhole: detection needs about five missed 1 s intervals instead of
    // three of 300 ms (RFC 5880 §6.8.4: detection time = remote multiplier x interval), so
    // detection and the RTO grow; the answer says what ran.
    let base = &calls["run_bfd_base"];
    let bfd = &calls["run_bfd"];
    c.that(bfd["is_error"] == false && base["is_error"] == false, format!("run_bfd: {}", texts(bfd)));
    let (_, cli_base) = common::run_json("silent-blackhole-bfd", &[]);
    c.that(base["structured"]["fingerprint"] == cli_base["fingerprint"], "silent-blackhole-bfd's fingerprint differs from the CLI's");
    c.that(bfd["structured"]["fingerprint"] != base["structured"]["fingerprint"], "BFD 1 s x 5 gave the same fingerprint");
    c.that(texts(bfd).contains("interval = \"1s\", multiplier = 5"), "run_bfd does not show the edited scenario");
    let num = |v: &Value, p: &str| v["structured"].pointer(p).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let (d0, d1) = (num(base, "/faults/0/detect_s"), num(bfd, "/faults/0/detect_s"));
    // At most 3 x 300 ms before, between 4 and 5 intervals of 1 s after (RFC 5880 jitter
    // and the phase of the last packet before the fault shorten it).
    c.that(d0 <= 0.9 && (4.0..=5.0).contains(&d1), format!("detect: {d0} s at 300 ms x 3, {d1} s at 1 s x 5"));
    let (r0, r1) = (num(base, "/traffic/0/rto_s"), num(bfd, "/traffic/0/rto_s"));
    c.that(r1 > r0 + 3.0, format!("RTO: {r0} s at 300 ms x 3, {r1} s at 1 s x 5"));
    let bad = &calls["run_bad_set"];
    c.that(bad["is_error"] == true && texts(bad).contains("did you mean `bfd.interval`"), format!("run_bad_set: {}", texts(bad)));

    // Paths: refused outside the root, by `..`, a symbolic link or an absolute path, and
    // never with the file's text.
    for key in ["escape_dotdot", "escape_symlink", "escape_absolute"] {
        let r = &calls[key];
        let t = texts(r);
        c.that(r["is_error"] == true && t.contains("refused"), format!("{key}: {t}"));
        c.that(!t.contains(SECRET) && !t.contains("root:x:"), format!("{key} leaked file content: {t}"));
    }
    c.that(
        seen["no_root"]["path"]["is_error"] == true && texts(&seen["no_root"]["path"]).contains("without --root"),
        "a path was read without --root",
    );

    // Invalid input: a tool error naming file:line:column, and the server keeps serving.
    let t = texts(&calls["invalid_text"]);
    c.that(calls["invalid_text"]["is_error"] == true && t.contains("<scenario_toml>:3:"), format!("invalid_text: {t}"));
    let t = texts(&calls["invalid_path"]);
    c.that(calls["invalid_path"]["is_error"] == true && t.contains("mine/broken.toml:3:"), format!("invalid_path: {t}"));
    c.that(calls["two_inputs"]["is_error"] == true, "two scenario inputs were accepted");
    c.that(calls["list_after_errors"]["is_error"] == false, "the server stopped serving after errors");
    c.that(calls["list_after_errors"]["structured"]["scenarios"].as_array().map(Vec::len) == Some(lib_names.len()), "list after errors");

    // The other tools answer.
    c.that(calls["validate_name"]["structured"]["valid"] == true, format!("validate: {}", texts(&calls["validate_name"])));
    let show = common::faultline(&["show", "channel-cut"]);
    c.that(
        texts(&calls["show_name"]).starts_with(String::from_utf8_lossy(&show.stdout).trim_end()),
        "show's text is not `faultline show`'s",
    );
    let ex = texts(&calls["explain_name"]);
    c.that(ex.contains("It starts at T+") && ex.contains("detected"), format!("explain: {ex}"));
    let sw = &calls["sweep_name"];
    c.that(sw["is_error"] == false && sw["structured"]["runs"] == 4, format!("sweep: {}", texts(sw)));
    let sweep_cli = common::faultline(&["sweep", "channel-cut", "--seeds", "1..=4", "--json"]);
    let sweep_cli: Value = serde_json::from_slice(&sweep_cli.stdout).expect("sweep --json");
    c.that(
        sw["structured"]["digest"] == sweep_cli["digest"],
        format!("sweep digest {} != {}", sw["structured"]["digest"], sweep_cli["digest"]),
    );
    c.that(
        seen["main"]["sweep_progress"].as_array().is_some_and(|p| p.len() == 4),
        format!("sweep progress: {}", seen["main"]["sweep_progress"]),
    );
    // channel-cut passes, so there is nothing to shrink: a tool error that says so.
    c.that(calls["shrink_name"]["is_error"] == true, format!("shrink: {}", texts(&calls["shrink_name"])));
    c.that(calls["import_text"]["is_error"] == true, "import of an empty plan succeeded");
    let imported = calls["import_plan"].to_string();
    c.that(calls["import_plan"]["is_error"] == false && imported.contains("[[interconnect]]"), format!("import of a plan: {imported}"));

    // Budgets: text above what the memory budget parses is refused; an event budget stops a
    // run (inconclusive, named); the server keeps serving.
    let b = &seen["budget"];
    c.that(
        b["too_big"]["is_error"] == true && texts(&b["too_big"]).contains("memory budget"),
        format!("too_big: {}", texts(&b["too_big"])),
    );
    let few = &b["few_events"];
    c.that(few["structured"]["verdict"] == "inconclusive", format!("few_events verdict: {}", few["structured"]["verdict"]));
    c.that(few["structured"]["budget"]["stopped"].is_string(), format!("few_events: {}", few["structured"]["budget"]));
    c.that(b["still_serving"]["is_error"] == false, "the server stopped serving after a budget");

    // One simulation slot (`--max-running 1`) held by a sweep: of five runs, four wait and
    // then give the CLI's fingerprint, the fifth is refused at once as busy.
    let s = &seen["slots"];
    let runs = s["runs"].as_array().map(Vec::as_slice).unwrap_or_default();
    let busy: Vec<String> = runs.iter().filter(|r| r["is_error"] == true).map(texts).collect();
    c.that(busy.len() == 1 && busy[0].starts_with("busy: all 1 simulation slots are taken"), format!("busy: {busy:?}"));
    let waited = runs.iter().filter(|r| r["is_error"] == false && r["structured"]["fingerprint"] == fp).count();
    c.that(waited == 4, format!("{waited} of the runs that waited gave fingerprint {fp}"));
    c.that(s["sweep"]["is_error"] == false && s["sweep"]["structured"]["stats"]["jobs"] == 1, format!("sweep: {}", s["sweep"]));
    c.finish();
}

/// One JSON-RPC exchange on the server's stdio (the wire as the MCP spec writes it).
struct Wire {
    child: std::process::Child,
    out: std::io::BufReader<std::process::ChildStdout>,
}

impl Wire {
    fn start(args: &[&str]) -> Wire {
        let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("faultline mcp starts");
        let out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        Wire { child, out }
    }

    fn send(&mut self, v: Value) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{v}").and_then(|()| stdin.flush()).expect("write");
    }

    /// A line as it is, valid JSON or not.
    fn send_raw(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{line}").and_then(|()| stdin.flush()).expect("write");
    }

    /// The next response (notifications are skipped), whatever its id.
    fn next_response(&mut self) -> Value {
        use std::io::BufRead;
        loop {
            let mut line = String::new();
            assert!(self.out.read_line(&mut line).expect("read") > 0, "the server closed its output");
            let v: Value = serde_json::from_str(&line).expect("JSON-RPC");
            if v.get("id").is_some() {
                return v;
            }
        }
    }

    /// `faultline mcp` after the handshake of a client without extensions.
    fn plain_client() -> Wire {
        let mut w = Wire::start(&["mcp"]);
        w.send(serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "tests/mcp.rs", "version": "0"}}}));
        w.answer(1);
        w.send(serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        w
    }

    /// The next message that answers request `id` (notifications are skipped).
    fn answer(&mut self, id: u64) -> Value {
        use std::io::BufRead;
        loop {
            let mut line = String::new();
            assert!(self.out.read_line(&mut line).expect("read") > 0, "the server closed its output");
            let v: Value = serde_json::from_str(&line).expect("JSON-RPC");
            if v["id"] == id {
                return v;
            }
        }
    }
}

impl Drop for Wire {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// A client that declares the tasks extension gets `sweep` as a task (SEP-2663: the call
/// returns the task, `tasks/get` is polled until it completes), with the result the CLI's
/// sweep gives. No SDK client here speaks this extension yet (the Python SDK 2.3.0 has none),
/// so this test writes the JSON-RPC itself.
#[test]
fn a_sweep_runs_as_a_task_for_a_client_that_declares_tasks() {
    let mut w = Wire::start(&["mcp"]);
    w.send(serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}},
        "clientInfo": {"name": "tests/mcp.rs", "version": "0"}}}));
    let init = w.answer(1);
    assert!(init["result"]["capabilities"]["extensions"].get("io.modelcontextprotocol/tasks").is_some(), "{init}");
    w.send(serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    w.send(serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "sweep", "arguments": {"name": "channel-cut", "seeds": "1..=4"}}}));
    let created = w.answer(2);
    assert_eq!(created["result"]["resultType"], "task", "{created}");
    let id = created["result"]["taskId"].as_str().expect("taskId").to_string();
    let mut done = None;
    for n in 0..600u64 {
        w.send(serde_json::json!({"jsonrpc": "2.0", "id": 10 + n, "method": "tasks/get", "params": {"taskId": id}}));
        let got = w.answer(10 + n);
        if got["result"]["status"] != "working" {
            done = Some(got);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let done = done.expect("the task never ended");
    assert_eq!(done["result"]["status"], "completed", "{done}");
    assert_eq!(done["result"]["statusMessage"], "4 of 4 runs", "{done}");
    let cli = common::faultline(&["sweep", "channel-cut", "--seeds", "1..=4", "--json"]);
    let cli: Value = serde_json::from_slice(&cli.stdout).expect("sweep --json");
    assert_eq!(done["result"]["result"]["structuredContent"]["digest"], cli["digest"], "{done}");
    // A client without the extension gets the answer in the call.
    let mut plain = Wire::plain_client();
    plain.send(serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "sweep", "arguments": {"name": "channel-cut", "seeds": "1..=4"}}}));
    let r = plain.answer(2);
    assert_eq!(r["result"]["structuredContent"]["digest"], cli["digest"], "{r}");
}

/// `explain` counts in number (`channel-cut`'s cut): `the first of the 2 BGP sessions it took
/// down`, `disrupted 28 flows`, never `session(s)` or `flow(s)`.
#[test]
fn explain_counts_sessions_and_flows_in_number() {
    let mut w = Wire::plain_client();
    w.send(serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "explain", "arguments": {"name": "channel-cut"}}}));
    let r = w.answer(2);
    let text: String = r["result"]["content"]
        .as_array()
        .map(|c| c.iter().filter_map(|t| t["text"].as_str()).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default();
    assert!(text.contains("it was detected: the first of the 2 BGP sessions it took down went down."), "{text}");
    assert!(text.contains("- It disrupted 28 flows (stalled"), "{text}");
    assert!(!text.contains("(s)"), "{text}");
}

/// JSON-RPC 2.0 §5.1 on the wire: a line that is not JSON is answered -32700 (Parse error,
/// id null), a known method with params that do not fit it -32602 (Invalid params) with the
/// request's id, JSON that is no message -32600 (Invalid Request); a notification is never
/// answered; and the server keeps serving after each. (rmcp alone drops the first and
/// answers the second -32601, "method not found".) The two answers of a step may come in
/// either order; `next_response` skips notifications only, so `"id": null` must be there.
#[test]
fn bad_lines_get_the_json_rpc_error_codes() {
    let mut w = Wire::plain_client();
    let mut c = Checks::new("bad_lines_get_the_json_rpc_error_codes");
    let code = |v: &Value| v["error"]["code"].as_i64();
    // Each bad line, then a ping: the ping's answer comes after the bad line's, and proves
    // the server still serves (and that a line nothing answers really got no answer).
    let cases: [(&str, Option<(Value, i64)>); 6] = [
        ("this is not json", Some((Value::Null, -32700))),
        (
            "{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": \"tools/call\", \"params\": {\"name\": \"run\", \"arguments\": \"oops\"}}",
            Some((2.into(), -32602)),
        ),
        ("{\"jsonrpc\": \"2.0\", \"id\": 3, \"method\": \"tools/call\", \"params\": {\"arguments\": {}}}", Some((3.into(), -32602))),
        (
            "{\"jsonrpc\": \"2.0\", \"id\": 4, \"method\": \"tools/call\", \"params\": {\"name\": \"no-such-tool\"}}",
            Some((4.into(), -32602)),
        ),
        ("{\"id\": 5}", Some((5.into(), -32600))),
        ("{\"jsonrpc\": \"2.0\", \"method\": \"notifications/progress\", \"params\": 5}", None),
    ];
    for (i, (line, want)) in cases.iter().enumerate() {
        w.send_raw(line);
        let ping = 100 + i as u64;
        w.send(serde_json::json!({"jsonrpc": "2.0", "id": ping, "method": "ping"}));
        // The two answers may come in either order (calls are served concurrently).
        let first = w.next_response();
        match want {
            Some((id, want_code)) => {
                let second = w.next_response();
                let (pong, err) = if first["id"] == ping { (first, second) } else { (second, first) };
                c.that(err["id"] == *id && code(&err) == Some(*want_code), format!("{line}: {err}"));
                c.that(pong["id"] == ping && pong.get("result").is_some(), format!("after {line}: {pong}"));
            }
            None => c.that(first["id"] == ping && first.get("result").is_some(), format!("{line} was answered: {first}")),
        }
    }
    // The messages say what was wrong.
    w.send_raw("{\"jsonrpc\": \"2.0\", \"id\": 7, \"method\": \"tools/call\", \"params\": {\"name\": \"run\", \"arguments\": [1]}}");
    let r = w.answer(7);
    let m = r["error"]["message"].as_str().unwrap_or_default();
    c.that(m.starts_with("Invalid params for `tools/call`") && m.contains("expected a map"), format!("{r}"));
    // A message above 16 MiB is not read, but its `id`, written before `params` as the SDKs
    // do, is found in its first bytes: the answer names the request, so the client's call
    // fails at once instead of waiting forever (the Python SDK drops an answer with id null).
    let huge = format!(
        "{{\"jsonrpc\": \"2.0\", \"id\": 8, \"method\": \"tools/call\", \"params\": {{\"name\": \"run\", \"arguments\": {{\"scenario_toml\": \"{}\"}}}}}}",
        "x".repeat(17 << 20)
    );
    w.send_raw(&huge);
    let r = w.answer(8);
    c.that(r["error"]["code"] == -32600 && r["error"]["message"].as_str().is_some_and(|m| m.contains("above 16 MiB")), format!("{r}"));
    w.send(serde_json::json!({"jsonrpc": "2.0", "id": 9, "method": "ping"}));
    c.that(w.answer(9).get("result").is_some(), "the server serves after a huge line".to_string());
    c.finish();
}

/// A symbolic link out of the root gets the same answer whether its target exists or not:
/// "outside the root" for both, so no answer tells an agent what exists outside it. Also
/// for a link to a directory outside with a missing file under it, and a chain of links.
#[test]
fn links_out_of_the_root_answer_the_same_whether_or_not_their_target_exists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fixture(dir.path());
    let mine = root.join("mine");
    std::os::unix::fs::symlink(dir.path().join("no-such-file.toml"), mine.join("dangling.toml")).expect("symlink");
    std::os::unix::fs::symlink(dir.path(), mine.join("outdir")).expect("symlink");
    std::os::unix::fs::symlink("dangling.toml", mine.join("chain.toml")).expect("symlink");
    let mut w = Wire::start(&["mcp", "--root", root.to_str().expect("utf-8")]);
    w.send(serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "tests/mcp.rs", "version": "0"}}}));
    w.answer(1);
    w.send(serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let mut answer = |id: u64, tool: &str, path: &str| {
        w.send(serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": tool, "arguments": {"path": path}}}));
        let r = w.answer(id);
        let t: Vec<&str> = r["result"]["content"].as_array().into_iter().flatten().filter_map(|c| c["text"].as_str()).collect();
        (r["result"]["isError"] == true, t.join("\n").replace(path, "PATH"))
    };
    let mut c = Checks::new("links_out_of_the_root_answer_the_same_whether_or_not_their_target_exists");
    let mut id = 10;
    for tool in ["validate", "show", "run"] {
        let live = answer(id, tool, "mine/link.toml");
        let dangling = answer(id + 1, tool, "mine/dangling.toml");
        let chain = answer(id + 2, tool, "mine/chain.toml");
        let present = answer(id + 3, tool, "mine/outdir/secret.toml");
        let absent = answer(id + 4, tool, "mine/outdir/no-such-file.toml");
        id += 5;
        c.that(live.0 && live.1.contains("outside the server's root"), format!("{tool} live link: {live:?}"));
        c.that(!live.1.contains(SECRET), format!("{tool} leaked the secret: {live:?}"));
        c.that(dangling == live, format!("{tool}: a dangling link answers {dangling:?}, a live one {live:?}"));
        c.that(chain == live, format!("{tool}: a chain to a dangling link answers {chain:?}"));
        c.that(present == live && absent == live, format!("{tool}: through a linked directory {present:?} / {absent:?}"));
    }
    // Inside the root, a missing file is still said to be missing.
    let missing = answer(id, "validate", "mine/nothing.toml");
    c.that(missing.0 && missing.1.contains("no such file"), format!("missing inside: {missing:?}"));
    c.finish();
}
