//! Issue 12's TUI export cases (`tests/fixtures/hardening/tui-export-*.toml`, copied from the
//! reliability pass): files on which the old line-matching export claimed "replay checked" and
//! wrote a file that did not compile or replayed another fingerprint. Each session here cuts a
//! channel by hand, repairs it, exports, and then the file read from disk must compile, define
//! every id once, carry the session's seed, and replay the session's fingerprint to the end.
//! Also: an export whose replay does not match says so and keeps the file.

#[path = "common/fixture.rs"]
mod fixture;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use faultline_tui::{App, Compiled, Compiler, LineKind, Msg, Session};
use fixture::{compiler, judge, send, ticks};
use ratatui::crossterm::event::KeyCode;

fn case(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/hardening").join(format!("tui-export-{name}.toml"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn export_dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tui-export-cases").join(test);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The file opened at `seed` as `faultline tui FILE --seed N` opens it.
fn open(name: &str, seed: u64) -> App {
    let source = case(name);
    let s = scenarios::load_str(name, &source).unwrap_or_else(|e| panic!("the case compiles: {e}"));
    let session = Session {
        name: s.name,
        origin: format!("tui-export-{name}.toml"),
        source,
        spec: s.spec,
        seed,
        duration: s.duration,
        judge: Some(judge()),
        compile: Some(compiler()),
        control: sim_core::ControlMode::default(),
    };
    let mut app = App::new(session).expect("builds");
    app.export_dir = export_dir(name);
    app
}

/// 10 s in, ch2 is cut by hand; 5 s later it is repaired; 3 s later, paused, ch3 is cut.
fn cut_repair_cut(app: &mut App) {
    send(app, &[Msg::char(' ')]);
    ticks(app, 10);
    send(app, &[Msg::key(KeyCode::Down), Msg::char('c')]);
    ticks(app, 5);
    send(app, &[Msg::char('u')]);
    ticks(app, 3);
    send(app, &[Msg::char(' '), Msg::key(KeyCode::Down), Msg::char('c')]);
    assert_eq!(app.hand.len(), 2, "{:?}", app.log.lines.last());
    assert!(app.hand[0].repaired.is_some(), "{:?}", app.hand);
}

fn play_to_end(app: &mut App) {
    send(app, &vec![Msg::char('+'); 20]);
    if !app.playing {
        send(app, &[Msg::char(' ')]);
    }
    for _ in 0..10_000 {
        if app.sim.is_finished() {
            return;
        }
        ticks(app, 1);
    }
    panic!("the run did not finish");
}

/// Exports with `e`; the export must say "replay checked" and the file, read back from disk,
/// must compile at the session's seed with every id defined once. Returns its text and what
/// `faultline run` on it gives.
fn export_checked(app: &mut App) -> (String, scenarios::Scenario) {
    send(app, &[Msg::char('e')]);
    let last = app.log.lines.last().expect("logged").clone();
    let path = app.last_export.clone().expect("written");
    assert!(last.kind == LineKind::Note && last.text.contains("replay checked"), "{}", last.text);
    let text = std::fs::read_to_string(&path).expect("readable");
    let s = scenarios::load_path(&path).unwrap_or_else(|e| panic!("the export compiles: {e}\n{text}"));
    assert_eq!(s.seed, app.seed, "the session's seed:\n{text}");
    // Every fault id (the file's and the hand's) is new to every other id in the file.
    let ids = s.ids();
    let others: BTreeSet<&str> = s
        .spec
        .traffic
        .iter()
        .map(|t| t.id.as_str())
        .chain(s.spec.links.iter().map(|l| l.id.as_str()))
        .chain(s.spec.sites.iter().map(|x| x.id.as_str()))
        .collect();
    for h in &app.hand {
        assert!(s.spec.faults.iter().any(|f| f.id == h.id), "{} is scripted:\n{text}", h.id);
        assert!(!others.contains(h.id.as_str()), "{} is also another element's id:\n{text}", h.id);
        assert!(ids.contains(&h.id));
    }
    (text, s)
}

/// The whole check for one case: a session with hand faults exported mid-run replays, to the
/// end, the fingerprint the session reaches.
fn replays(name: &str, seed: u64) -> (App, String) {
    let mut app = open(name, seed);
    cut_repair_cut(&mut app);
    let (text, exported) = export_checked(&mut app);
    let outcome = scenarios::run(&exported, exported.seed, sim_core::SimOptions::default()).expect("runs");
    play_to_end(&mut app);
    assert_eq!(outcome.report.fingerprint, format!("{:016x}", app.sim.fingerprint()), "{name}:\n{text}");
    assert!(text.contains(&format!("# fingerprint at the end of the run: {}", outcome.report.fingerprint)), "{text}");
    (app, text)
}

#[test]
fn a_hand_fault_id_that_a_traffic_group_already_has_is_not_reused() {
    let (app, text) = replays("idclash", 3);
    // The traffic group is `manual-1`, so the first hand fault is `manual-2`.
    assert_eq!(app.hand.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["manual-2", "manual-3"], "{text}");
}

#[test]
fn a_quoted_seed_key_is_set_to_the_session_s_seed() {
    let (_, text) = replays("quoted-seed", 5);
    assert!(text.contains("\n\"seed\" = 5\n") && !text.contains("seed = 1"), "{text}");
}

#[test]
fn faults_written_as_an_inline_array_get_the_hand_faults_in_it() {
    let (_, text) = replays("inline-fault", 4);
    let first = text.lines().nth(1).unwrap_or_default();
    assert!(first.starts_with("fault = [ { id = \"pre\", at = \"50s\", cut = \"ash/ch4\", for = \"5s\" }, { id = \"manual-1\""), "{text}");
    assert!(!text.contains("[[fault]]"), "one fault array, not two:\n{text}");
}

#[test]
fn an_inline_scenario_table_gets_the_session_s_seed() {
    let (_, text) = replays("inline-scenario", 9);
    assert!(text.contains("scenario = { name = \"dotted\", summary = \"inline scenario table\", duration = \"60s\", seed = 9 }"), "{text}");
}

/// A compiler that reads every file one seed off: the export's replay cannot match, so it
/// must say so, keep the file and not claim a check.
#[test]
fn an_export_whose_replay_does_not_match_says_so_and_keeps_the_file() {
    let mut app = open("quoted-seed", 2);
    let honest = compiler();
    app.session.compile = Some(Compiler::new(move |text| honest.compile(text).map(|c| Compiled { seed: c.seed + 1, ..c })));
    cut_repair_cut(&mut app);
    send(&mut app, &[Msg::char('e')]);
    let last = app.log.lines.last().expect("logged");
    assert_eq!(last.kind, LineKind::Problem, "{}", last.text);
    assert!(last.text.contains("does NOT match") && !last.text.contains("replay checked"), "{}", last.text);
    assert!(app.last_export.as_ref().is_some_and(|p| p.is_file()), "the file is kept");

    app.session.compile = None;
    send(&mut app, &[Msg::char('e')]);
    let last = app.log.lines.last().expect("logged");
    assert!(last.kind == LineKind::Problem && last.text.contains("replay not checked"), "{}", last.text);
}
