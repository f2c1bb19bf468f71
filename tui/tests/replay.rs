//! Record and replay at the update level: keys drive a session (play, select, inject,
//! repair, step, export), the exported text is compiled by the `scenarios` crate and run the
//! way `faultline run` runs it, and its fingerprint must equal the interactive session's
//! when both reach the end.

#[path = "common/fixture.rs"]
mod fixture;

use std::path::PathBuf;

use faultline_tui::{App, HandKind, LineKind, MAX_EVENTS_PER_FRAME, Msg, update};
use fixture::{send, session, ticks};
use ratatui::crossterm::event::KeyCode;
use sim_core::SimOptions;

fn export_dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tui-replay").join(test);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Plays at the top speed until the run ends.
fn play_to_end(app: &mut App) {
    send(app, &[Msg::char('+'); 20]);
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

/// Exports, then returns the file's text and what `faultline run` makes of it.
fn export_and_replay(app: &mut App) -> (String, scenarios::Scenario, String) {
    send(app, &[Msg::char('e')]);
    let path = app.last_export.clone().expect("the export was written");
    assert_eq!(path.file_name().and_then(|n| n.to_str()), Some(format!("faultline-session-tui-fixture-{}.toml", app.seed).as_str()));
    let last = app.log.lines.last().expect("the export is logged");
    assert!(last.text.contains(&path.display().to_string()) && last.text.contains("replay checked"), "{}", last.text);
    let text = std::fs::read_to_string(&path).expect("readable");
    let scenario = scenarios::load_path(&path).unwrap_or_else(|e| panic!("the export compiles: {e:?}\n{text}"));
    let outcome = scenarios::run(&scenario, scenario.seed, SimOptions::default()).expect("runs");
    (text, scenario, outcome.report.fingerprint)
}

#[test]
fn a_session_with_every_kind_of_hand_fault_exports_a_file_that_replays_its_fingerprint() {
    let mut app = App::new(session(7)).expect("valid");
    app.export_dir = export_dir("every-kind");
    send(&mut app, &[Msg::char(' ')]);
    ticks(&mut app, 10);
    send(&mut app, &[Msg::key(KeyCode::Down), Msg::char('c')]);
    ticks(&mut app, 5);
    send(&mut app, &[Msg::char('u'), Msg::key(KeyCode::Down), Msg::char('b')]);
    ticks(&mut app, 3);
    // Single steps leave the clock inside an instant; the next fault must still replay.
    send(&mut app, &[Msg::char(' '), Msg::char('n'), Msg::char('.'), Msg::char('n'), Msg::key(KeyCode::Down), Msg::char('d')]);
    send(&mut app, &[Msg::char(' ')]);
    ticks(&mut app, 2);
    send(&mut app, &[Msg::char('f'), Msg::key(KeyCode::Down), Msg::char('m')]);
    ticks(&mut app, 4);
    send(&mut app, &[Msg::key(KeyCode::Up), Msg::char('u')]);
    let kinds: Vec<HandKind> = app.hand.iter().map(|h| h.kind).collect();
    assert_eq!(kinds, [HandKind::Cut, HandKind::Blackhole, HandKind::Degrade, HandKind::FacilityDown, HandKind::Drain]);
    assert!(app.hand[0].repaired.is_some() && app.hand[3].repaired.is_some(), "{:?}", app.hand);

    let (text, scenario, exported_mid_run) = export_and_replay(&mut app);
    assert_eq!(scenario.seed, 7, "the session's seed, not the file's 1:\n{text}");
    for key in [
        "cut = \"ash/ch2\"",
        "blackhole = \"ash/ch3\"",
        "degrade = { target = \"ash/ch4\", loss = \"2%\" }",
        "facility_down = \"ash/fac-b\"",
        "drain = { target = \"ash/ch1\"",
    ] {
        assert!(text.contains(key), "missing `{key}`:\n{text}");
    }
    play_to_end(&mut app);
    let live = format!("{:016x}", app.sim.fingerprint());
    assert_eq!(exported_mid_run, live, "exported in the middle of the run:\n{text}");
    // Exported again at the end, with nothing new: the same file and the same fingerprint.
    let (again, _, exported_at_end) = export_and_replay(&mut app);
    assert_eq!(exported_at_end, live);
    assert_eq!(again, text);
}

#[test]
fn a_cut_then_a_new_seed_exports_the_new_seed() {
    let mut app = App::new(session(1)).expect("valid");
    app.export_dir = export_dir("new-seed");
    send(&mut app, &[Msg::char('s'), Msg::char(' ')]);
    assert_eq!(app.seed, 2);
    ticks(&mut app, 12);
    send(&mut app, &[Msg::key(KeyCode::Tab), Msg::key(KeyCode::Down), Msg::char('c')]);
    let (text, scenario, fingerprint) = export_and_replay(&mut app);
    assert_eq!(scenario.seed, 2, "{text}");
    assert!(text.contains("seed = 2\n") && !text.contains("seed = 1\n"), "{text}");
    play_to_end(&mut app);
    assert_eq!(fingerprint, format!("{:016x}", app.sim.fingerprint()));
}

#[test]
fn an_untouched_session_exports_the_scenario_unchanged_but_for_the_seed() {
    let mut app = App::new(session(1)).expect("valid");
    app.export_dir = export_dir("untouched");
    let (text, _, fingerprint) = export_and_replay(&mut app);
    assert!(text.starts_with(fixture::SOURCE), "{text}");
    assert!(!text.contains("[[fault]]"));
    play_to_end(&mut app);
    assert_eq!(fingerprint, format!("{:016x}", app.sim.fingerprint()));
}

#[test]
fn a_frame_runs_at_most_the_event_cap_and_carries_the_rest() {
    let mut app = App::new(session(1)).expect("valid");
    send(&mut app, &[Msg::char(' ')]);
    send(&mut app, &[Msg::char('+'); 20]);
    let before = app.sim.events();
    update(&mut app, Msg::Tick(std::time::Duration::from_millis(250)));
    let ran = app.sim.events() - before;
    assert!(ran <= MAX_EVENTS_PER_FRAME, "{ran} events in one frame");
    // ×10,000 for 250 ms is 2,500 s of budget: more than the run, so it ends in a few frames.
    ticks(&mut app, 50);
    assert!(app.sim.is_finished());
    assert!(!app.playing, "it pauses at the end");
}

#[test]
fn repairing_with_nothing_to_repair_and_injecting_after_the_end_are_refused_in_the_log() {
    let mut app = App::new(session(1)).expect("valid");
    send(&mut app, &[Msg::char('u')]);
    assert_eq!(app.log.lines.last().map(|l| l.kind), Some(LineKind::Problem));
    play_to_end(&mut app);
    send(&mut app, &[Msg::char('c')]);
    assert!(app.hand.is_empty());
    assert_eq!(app.log.lines.last().map(|l| l.kind), Some(LineKind::Problem));
}
