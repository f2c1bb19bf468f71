//! Issue 12, "every input error has a file:line:column": the real binary, under a memory cap
//! (`prlimit --as`, so an abort fails the test), on the reliability pass's files
//! (`tests/fixtures/hardening/`): bytes that are not UTF-8, a bare carriage return, and
//! packet-fidelity limits reached through `--fidelity` rather than the file.
//!
//! The flap and random-fault limits are in the broken corpus (`tests/broken/`), whose test
//! checks each file's line and column.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::{have, root};

/// 2 GiB of address space: far more than any of these needs, and an abort is a failure.
const CAP: &str = "--as=2147483648";

fn capped(args: &[&str]) -> Output {
    Command::new("prlimit")
        .arg(CAP)
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("prlimit runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hardening-input");
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// Exit 3 with every `needle` in stderr, nothing printed as a panic, no raw CR.
fn invalid(args: &[&str], needles: &[&str]) {
    let o = capped(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "`faultline {}`: {err}", args.join(" "));
    assert!(!err.contains("panicked") && !err.contains('\r'), "{err}");
    for n in needles {
        assert!(err.contains(n), "`faultline {}`: missing {n:?} in\n{err}", args.join(" "));
    }
}

#[test]
fn invalid_utf8_is_reported_at_its_line_column_and_byte_offset() {
    if !have("invalid_utf8_is_reported_at_its_line_column_and_byte_offset", &["prlimit"]) {
        return;
    }
    let file = "tests/fixtures/hardening/invalid-utf8.toml";
    let want = [
        "error: invalid UTF-8 (byte 0xFF at byte offset 20)\n",
        " --> tests/fixtures/hardening/invalid-utf8.toml:2:10\n",
        "2 | name = \"x\u{fffd}\"\n  |          ^ not UTF-8\n",
    ];
    for cmd in ["validate", "run", "check", "show"] {
        invalid(&[cmd, file], &want);
    }
}

#[test]
fn a_bare_cr_is_located_where_an_editor_shows_it_and_drawn_visibly() {
    if !have("a_bare_cr_is_located_where_an_editor_shows_it_and_drawn_visibly", &["prlimit"]) {
        return;
    }
    invalid(
        &["validate", "tests/fixtures/hardening/bare-cr.toml"],
        &[
            "error: a carriage return not followed by a line feed (bare CR) at line 2, column 12\n",
            "--> tests/fixtures/hardening/bare-cr.toml:2:12\n",
            "2 | name = \"cr\"␍duration = \"10s\"\n  |            ^ bare CR",
        ],
    );
    // Columns count characters, not bytes: `ü` is two bytes, `語` three (and two cells wide,
    // so the caret moves two cells for it).
    let multibyte = scratch("bare-cr-multibyte.toml");
    std::fs::write(&multibyte, "[scenario]\nname = \"ü語\"\rduration = \"10s\"\n").expect("write");
    let shown = multibyte.to_string_lossy().into_owned();
    invalid(
        &["validate", &shown],
        &[&format!("{shown}:2:12\n"), "(bare CR) at line 2, column 12", "2 | name = \"ü語\"␍duration = \"10s\"\n  |             ^ bare CR"],
    );
}

#[test]
fn a_packet_limit_reached_through_fidelity_names_the_flag_and_the_key() {
    if !have("a_packet_limit_reached_through_fidelity_names_the_flag_and_the_key", &["prlimit"]) {
        return;
    }
    let file = "tests/fixtures/hardening/fluid-4096-flows.toml";
    invalid(
        &["run", file, "--fidelity", "packet"],
        &[
            "error: --fidelity packet: traffic `app-db`: packet fidelity runs a TCP stack per flow: at most 1024 flows per group (this group has 4096)\n",
            "--> tests/fixtures/hardening/fluid-4096-flows.toml:18:9\n",
            "18 | flows = 4096\n   |         ^^^^\n",
        ],
    );
    // The file as written is valid (4,096 fluid flows); only the flag makes it invalid.
    invalid(&["run", file, "--fidelity", "packet", "--json"], &["--fidelity packet: "]);
    let o = capped(&["validate", file]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The other way round: packet-only keys under `--fidelity fluid`.
    invalid(
        &["run", "packet-clean-path", "--fidelity", "fluid"],
        &["error: --fidelity fluid: traffic `bulk`: `cc` and `buffer` apply to packet fidelity only", "--> packet-clean-path:36:6\n"],
    );
}

#[test]
fn a_file_that_is_invalid_on_its_own_reports_its_own_error_under_a_flag() {
    if !have("a_file_that_is_invalid_on_its_own_reports_its_own_error_under_a_flag", &["prlimit"]) {
        return;
    }
    let o = capped(&["run", "tests/broken/unknown-key.toml", "--fidelity", "packet"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.starts_with("error: unknown key `bandwith`") && err.contains("unknown-key.toml:11:1"), "{err}");
}
