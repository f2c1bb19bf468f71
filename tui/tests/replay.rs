//! Record and replay at the update level: keys drive a session (play, select, inject,
//! repair, step, export), the exported text is compiled by the `scenarios` crate and run the
//! way `faultline run` runs it, and its fingerprint must equal the interactive session's
//! when both reach the end. So must the verdict and every check: the session's, judged as
//! `faultline tui` judges it, against the replay's `scenarios::evaluate`.

#[path = "common/fixture.rs"]
mod fixture;

use std::path::PathBuf;

use faultline_tui::{App, HandKind, LineKind, MAX_EVENTS_PER_FRAME, Msg, PENDING, update};
use fixture::{flagship, judged, judgement, send, session, ticks};
use ratatui::crossterm::event::KeyCode;
use sim_core::{Report, SimOptions};

fn export_dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tui-replay").join(test);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Plays at the top speed until the run ends.
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

/// Exports, then returns the file's text, the scenario it compiles to and what `faultline
/// run` makes of it. Checks on the way that what the session shows now is the judge's
/// answer on the exported file at the present: `scenarios::evaluate` over a replay of the
/// file to the session's present.
fn export_and_replay(app: &mut App) -> (String, scenarios::Scenario, scenarios::Outcome) {
    send(app, &[Msg::char('e')]);
    let path = app.last_export.clone().expect("the export was written");
    assert_eq!(path.file_name().and_then(|n| n.to_str()), Some(faultline_tui::file_name(&app.session.name, app.seed).as_str()));
    let last = app.log.lines.last().expect("the export is logged");
    assert!(last.text.contains(&path.display().to_string()) && last.text.contains("replay checked"), "{}", last.text);
    let text = std::fs::read_to_string(&path).expect("readable");
    let scenario = scenarios::load_path(&path).unwrap_or_else(|e| panic!("the export compiles: {e:?}\n{text}"));
    let present = replay_to_present(&scenario, app);
    let (verdict, checks) = scenarios::evaluate(&scenario, &present);
    assert_eq!(app.judgement, Some(Ok(judgement(verdict, &checks))), "judged on the exported file so far:\n{text}");
    let outcome = scenarios::run(&scenario, scenario.seed, SimOptions::default()).expect("runs");
    (text, scenario, outcome)
}

/// The report of `scenario` run to the session's present: up to its time, and as far into
/// the instant as the session's trace (as the export's own check replays it).
fn replay_to_present(scenario: &scenarios::Scenario, app: &App) -> Report {
    let mut sim = scenarios::prepare(scenario, scenario.seed, SimOptions { keep_trace: true, ..SimOptions::default() }).expect("builds");
    let now = app.sim.now();
    sim.run_until(now);
    while sim.trace().len() < app.sim.trace().len() && sim.peek() == Some(now) {
        sim.step();
    }
    assert_eq!(sim.fingerprint(), app.sim.fingerprint(), "the replay is at the session's present");
    sim.report()
}

/// At the end of the run the session's verdict and checks are the replay's, on the same
/// report. (The reports differ only in the count of events: a scripted fault's start and
/// end are events of the queue, an injection and a repair by hand are not.)
fn assert_judged_as_the_replay(app: &App, replay: &scenarios::Outcome, text: &str) {
    assert!(app.sim.is_finished(), "compared at the end of the run");
    let without_events = |r: &Report| Report { events: 0, ..r.clone() };
    assert_eq!(without_events(&app.sim.report()), without_events(&replay.report), "the same report:\n{text}");
    assert_eq!(app.verdict(), Some(replay.verdict.name()), "the verdict of `faultline run` on the export:\n{text}");
    assert_eq!(app.judgement, Some(Ok(judgement(replay.verdict, &replay.checks))), "{text}");
    let shown: Vec<(&str, &str)> = app.checks().into_iter().map(|(c, s)| (c.name.as_str(), s)).collect();
    let want: Vec<(&str, &str)> = replay.checks.iter().map(|c| (c.name, c.status.name())).collect();
    assert_eq!(shown, want, "nothing is left pending at the end:\n{text}");
}

#[test]
fn a_session_with_every_kind_of_hand_fault_exports_a_file_that_replays_its_fingerprint() {
    let mut app = App::new(judged(session(7))).expect("valid");
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

    let (text, scenario, mid_run) = export_and_replay(&mut app);
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
    assert_eq!(mid_run.report.fingerprint, live, "exported in the middle of the run:\n{text}");
    assert_judged_as_the_replay(&app, &mid_run, &text);
    // Exported again at the end, with nothing new: the same file, fingerprint and verdict.
    let (again, _, at_end) = export_and_replay(&mut app);
    assert_eq!(at_end.report.fingerprint, live);
    assert_eq!(again, text);
    assert_judged_as_the_replay(&app, &at_end, &text);
}

#[test]
fn a_cut_then_a_new_seed_exports_the_new_seed() {
    let mut app = App::new(judged(session(1))).expect("valid");
    app.export_dir = export_dir("new-seed");
    send(&mut app, &[Msg::char('s'), Msg::char(' ')]);
    assert_eq!(app.seed, 2);
    ticks(&mut app, 12);
    send(&mut app, &[Msg::key(KeyCode::Tab), Msg::key(KeyCode::Down), Msg::char('c')]);
    let (text, scenario, replay) = export_and_replay(&mut app);
    assert_eq!(scenario.seed, 2, "{text}");
    assert!(text.contains("seed = 2\n") && !text.contains("seed = 1\n"), "{text}");
    play_to_end(&mut app);
    assert_eq!(replay.report.fingerprint, format!("{:016x}", app.sim.fingerprint()));
    assert_judged_as_the_replay(&app, &replay, &text);
}

#[test]
fn an_untouched_session_exports_the_scenario_unchanged_but_for_the_seed() {
    let mut app = App::new(judged(session(1))).expect("valid");
    app.export_dir = export_dir("untouched");
    let (text, _, replay) = export_and_replay(&mut app);
    assert!(text.starts_with(fixture::SOURCE), "{text}");
    assert!(!text.contains("[[fault]]"));
    play_to_end(&mut app);
    assert_eq!(replay.report.fingerprint, format!("{:016x}", app.sim.fingerprint()));
    assert_judged_as_the_replay(&app, &replay, &text);
}

#[test]
fn a_frame_runs_at_most_the_event_cap_and_carries_the_rest() {
    let mut app = App::new(session(1)).expect("valid");
    send(&mut app, &[Msg::char(' ')]);
    send(&mut app, &vec![Msg::char('+'); 20]);
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

/// Issue 8: the flagship (facility A loses power at 30 s for 60 s) with ch2, already down
/// with its facility, cut by hand at 35 s. The cut changes nothing, so the exported file has
/// a scripted fault without effect; the session must judge it exactly as `faultline run`
/// judges the file. (Which verdict that is depends on sim-core's attribution; only the
/// agreement is asserted.)
#[test]
fn the_flagship_with_a_cut_while_its_facility_is_down_is_judged_as_its_replay() {
    let mut app = App::new(flagship()).expect("valid");
    app.export_dir = export_dir("flagship-cut");
    assert_eq!(app.verdict(), Some(PENDING));
    // ×10 by default: 35 ticks of 100 ms are 35 s simulated.
    send(&mut app, &[Msg::char(' ')]);
    ticks(&mut app, 35);
    send(&mut app, &[Msg::char(' '), Msg::key(KeyCode::Down), Msg::char('c')]);
    assert_eq!(app.hand.len(), 1, "{:?}", app.log.lines.last());
    assert_eq!((app.hand[0].target.as_str(), app.hand[0].at), ("ash/ch2", sim_core::SimTime::from_secs(35)));
    let power = app.sim.fault_list().into_iter().find(|f| f.id == "power-fac-a").expect("the flagship's fault");
    assert!(power.active, "fac-a is down when ch2 is cut");

    let (text, _, mid_run) = export_and_replay(&mut app);
    assert!(text.contains("cut = \"ash/ch2\"") && text.contains("at = \"35000ms\""), "{text}");
    assert_eq!(app.verdict(), Some(PENDING), "not before the end");
    play_to_end(&mut app);
    assert_judged_as_the_replay(&app, &mid_run, &text);
    let (_, _, at_end) = export_and_replay(&mut app);
    assert_judged_as_the_replay(&app, &at_end, &text);
}

/// `--control` reaches the explorer: the same keys in a session whose control packets run
/// one by one and in one that catches them up lazily give the same fingerprint at every
/// pause and the same report at the end (the event count included: lazy control counts the
/// packets it catches up).
#[test]
fn the_same_keys_give_the_same_run_with_lazy_and_per_packet_control() {
    let drive = |control: sim_core::ControlMode| {
        let mut app = App::new(judged(faultline_tui::Session { control, ..session(7) })).expect("valid");
        let mut prints = Vec::new();
        send(&mut app, &[Msg::char(' ')]);
        ticks(&mut app, 10);
        prints.push(app.sim.fingerprint());
        send(&mut app, &[Msg::key(KeyCode::Down), Msg::char('c')]);
        ticks(&mut app, 5);
        prints.push(app.sim.fingerprint());
        send(&mut app, &[Msg::char('u'), Msg::key(KeyCode::Down), Msg::char('d')]);
        ticks(&mut app, 3);
        prints.push(app.sim.fingerprint());
        play_to_end(&mut app);
        (prints, app.sim.report())
    };
    let (lazy_prints, lazy) = drive(sim_core::ControlMode::Lazy);
    let (packet_prints, packet) = drive(sim_core::ControlMode::PerPacket);
    assert_eq!(lazy_prints, packet_prints, "the fingerprint at each pause");
    assert_eq!(lazy, packet, "the report at the end");
}
