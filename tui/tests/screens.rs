//! Headless snapshots of the screen (ratatui TestBackend + insta): the main screen before
//! and after a cut, with the help overlay, at 80×24 and larger. No wall time reaches the
//! view, so the snapshots are exact.

#[path = "common/fixture.rs"]
mod fixture;

use faultline_tui::{App, Msg, PENDING};
use fixture::{draw, send, session, ticks};
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Color;

/// Opened at ×10, played for 2 s of wall time (20 s simulated), paused.
fn before_cut() -> App {
    let mut app = App::new(session(7)).expect("valid");
    send(&mut app, &[Msg::char(' ')]);
    ticks(&mut app, 20);
    send(&mut app, &[Msg::char(' ')]);
    app
}

/// Then ch2 selected, cut, and 5 s simulated later.
fn after_cut() -> App {
    let mut app = before_cut();
    send(&mut app, &[Msg::key(KeyCode::Down), Msg::char('c'), Msg::char(' ')]);
    ticks(&mut app, 5);
    send(&mut app, &[Msg::char(' ')]);
    app
}

/// The text of the screen, one quoted row per line.
fn screen(app: &App, width: u16, height: u16) -> String {
    draw(app, width, height).backend().to_string()
}

#[test]
fn main_screen_before_a_cut() {
    insta::assert_snapshot!(screen(&before_cut(), 100, 30));
}

#[test]
fn main_screen_after_a_cut() {
    insta::assert_snapshot!(screen(&after_cut(), 100, 30));
}

#[test]
fn main_screen_after_a_cut_at_80x24() {
    insta::assert_snapshot!(screen(&after_cut(), 80, 24));
}

#[test]
fn help_overlay() {
    let mut app = after_cut();
    send(&mut app, &[Msg::char('?')]);
    insta::assert_snapshot!(screen(&app, 80, 24));
    send(&mut app, &[Msg::char('x')]);
    assert!(!screen(&app, 80, 24).contains("Keys (any key closes)"), "any key closes the help");
}

#[test]
fn the_cut_channel_is_written_down_in_red_and_the_log_tells_why() {
    let app = after_cut();
    let terminal = draw(&app, 80, 24);
    let buf = terminal.backend().buffer();
    let (x, y) = (0..buf.area.height)
        .flat_map(|y| (0..buf.area.width).map(move |x| (x, y)))
        .find(|&(x, y)| buf[(x, y)].symbol() == "D" && buf[(x + 1, y)].symbol() == "O" && buf[(x + 2, y)].symbol() == "W")
        .expect("DOWN is on screen");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    let text = screen(&app, 100, 30);
    assert!(text.contains("session ash/ch2 down at aws:us-east-1: carrier loss"), "{text}");
    assert!(text.contains("Failover: manual-1"), "{text}");
}

#[test]
fn the_same_keys_draw_the_same_screen_styles_included() {
    let (a, b) = (after_cut(), after_cut());
    assert_eq!(draw(&a, 100, 30).backend().buffer(), draw(&b, 100, 30).backend().buffer());
}

#[test]
fn any_size_lays_out_without_panicking_and_resize_changes_nothing_else() {
    let mut app = after_cut();
    let before = app.sim.fingerprint();
    for (w, h) in [(80, 24), (200, 60), (40, 10), (10, 3), (1, 1), (0, 0), (300, 24), (80, 100)] {
        send(&mut app, &[Msg::Resize(w, h)]);
        let _ = draw(&app, w, h);
    }
    assert_eq!(app.sim.fingerprint(), before);
}

/// Three quads, twelve channels: more than the topology pane shows at 80×24.
fn three_quads() -> App {
    use sim_core::presets::{Quad, traffic};
    use sim_core::{ModelSpec, SimDuration};
    let quads = [("ash", "us-east-1", "us-east4"), ("pdx", "us-west-2", "us-west1"), ("lhr", "eu-west-2", "europe-west2")]
        .map(|(id, aws, gcp)| Quad::aws_gcp_managed(id, aws, gcp, 10_000_000_000));
    let spec = ModelSpec {
        links: quads.iter().flat_map(Quad::links).collect(),
        adjacencies: quads.iter().map(Quad::adjacency).collect(),
        traffic: vec![traffic("app", &["aws:eu-west-2", "gcp:europe-west2"], 8, Some(4_000_000_000))],
        duration: SimDuration::from_secs(30),
        ..ModelSpec::default()
    };
    let session = faultline_tui::Session {
        name: "three".into(),
        origin: "three".into(),
        source: String::new(),
        spec,
        seed: 1,
        duration: SimDuration::from_secs(30),
        judge: None,
        compile: None,
        control: sim_core::ControlMode::default(),
    };
    App::new(session).expect("valid")
}

#[test]
fn tab_jumps_between_interconnects_and_the_selection_stays_in_view() {
    let mut app = three_quads();
    send(&mut app, &[Msg::key(KeyCode::Tab), Msg::key(KeyCode::Tab)]);
    assert_eq!(app.selected_name(), Some("lhr/ch1"));
    send(&mut app, &[Msg::key(KeyCode::BackTab)]);
    assert_eq!(app.selected_name(), Some("pdx/ch1"));
    send(
        &mut app,
        &[Msg::key(KeyCode::Tab), Msg::key(KeyCode::Up), Msg::key(KeyCode::Down), Msg::key(KeyCode::Down), Msg::key(KeyCode::Down)],
    );
    assert_eq!(app.selected_name(), Some("lhr/ch3"));
    let text = screen(&app, 80, 24);
    assert!(text.contains("▶ch3") && text.contains("lhr aws:eu-west-2"), "{text}");
    send(&mut app, &[Msg::key(KeyCode::Down), Msg::key(KeyCode::Down)]);
    assert_eq!(app.selected_name(), Some("ash/ch1"), "the selection wraps around");
    assert!(screen(&app, 80, 24).contains("▶ch1"));
}

/// With a judge (as `faultline tui` passes one), the failover pane shows the verdict and
/// each expectation. The fixture's `detect_within = "1s"` is pending until 1 s after the
/// cut, then shows its status; the verdict stays pending until the run ends.
#[test]
fn the_failover_pane_shows_each_expectation_with_its_status() {
    let mut app = App::new(fixture::judged(session(1))).expect("valid");
    send(&mut app, &[Msg::key(KeyCode::Down), Msg::key(KeyCode::Char('c'))]);
    let statuses = |app: &App| app.checks().into_iter().map(|(c, s)| (c.name.clone(), s)).collect::<Vec<_>>();
    assert!(statuses(&app).iter().all(|(_, s)| *s == PENDING), "{:?}", app.judgement);
    send(&mut app, &[Msg::char(' ')]);
    ticks(&mut app, 5);
    assert!(statuses(&app).contains(&("detect_within".into(), "pass")), "{:?}", app.judgement);
    let screen = draw(&app, 100, 30).backend().to_string();
    assert!(screen.contains("verdict   pending") && screen.contains("pass detect_within"), "{screen}");
}

/// At time zero nothing has been delivered, so the rules find `min_throughput` failed; the
/// explorer shows it, and every other check, as pending: none can be judged yet.
#[test]
fn at_time_zero_every_expectation_is_pending_not_failed() {
    let app = App::new(fixture::flagship()).expect("valid");
    let judged = app.judgement.clone().expect("judged").expect("the flagship compiles");
    assert!(judged.checks.iter().any(|c| c.name == "min_throughput" && c.status == "fail"), "{judged:?}");
    assert_eq!(app.verdict(), Some(PENDING));
    assert!(app.checks().iter().all(|(_, s)| *s == PENDING), "{:?}", app.checks());
    let screen = screen(&app, 100, 30);
    assert!(screen.contains("verdict   pending") && screen.contains("pending fault_effect"), "{screen}");
    assert!(!screen.contains("fail"), "{screen}");
}

/// Played to the end untouched, the flagship shows its documented verdict and each check's.
#[test]
fn at_the_end_the_verdict_and_every_check_are_shown() {
    let mut app = App::new(fixture::flagship()).expect("valid");
    send(&mut app, &[Msg::char(' ')]);
    send(&mut app, &vec![Msg::char('+'); 20]);
    ticks(&mut app, 50);
    assert!(app.sim.is_finished());
    assert_eq!(app.verdict(), Some("pass"));
    assert!(app.checks().iter().all(|(_, s)| *s == "pass"), "{:?}", app.checks());
    let screen = screen(&app, 120, 40);
    assert!(screen.contains("verdict   pass") && screen.contains("pass min_throughput"), "{screen}");
}

/// The flagship, judged, played past its facility power loss, then exported (to a fixed
/// directory, so the message is the same on every machine).
fn flagship_after_export(test: &str) -> App {
    let mut app = App::new(fixture::flagship()).expect("valid");
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screens").join(test);
    std::fs::create_dir_all(&dir).expect("mkdir");
    app.export_dir = dir;
    send(&mut app, &[Msg::char(' ')]);
    send(&mut app, &vec![Msg::char('+'); 3]);
    ticks(&mut app, 40);
    send(&mut app, &[Msg::char(' '), Msg::char('e')]);
    // The directory differs between machines: the note names it `/tmp/x` (before drawing, so
    // the note wraps the same everywhere).
    let dir = app.export_dir.display().to_string();
    let note = app.log.lines.last_mut().expect("the export's note");
    note.text = note.text.replace(&dir, "/tmp/x");
    app
}

/// At 80×24 every expectation stays on screen beside the fault's numbers, and the export's
/// note is whole (wrapped), not cut at the pane's edge.
#[test]
fn at_80x24_the_expectations_and_the_export_note_are_whole() {
    let app = flagship_after_export("80x24");
    let text = screen(&app, 80, 24);
    for c in app.checks() {
        assert!(text.contains(&format!("{} {}", c.1, c.0.name)), "`{}` is on the 80×24 screen:\n{text}", c.0.name);
    }
    let note = app.log.lines.last().expect("a note").text.clone();
    assert!(note.starts_with("exported ") && note.contains("replay checked"), "{note}");
    assert!(text.contains("at the end)"), "the end of the export note is on screen:\n{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn at_120x40_the_same_session_shows_every_number_in_full() {
    let app = flagship_after_export("120x40");
    let text = screen(&app, 120, 40);
    assert!(text.contains("converge") && text.contains("blackhole"), "{text}");
    for c in app.checks() {
        assert!(text.contains(&format!("{} {}", c.1, c.0.name)), "{text}");
    }
    insta::assert_snapshot!(text);
}

/// A fault that took no session down and moved no route has no detection and no
/// convergence: once the run is over the failover pane says so as the report does (`—`),
/// not `never` (before the end such a figure may still come: `…`).
#[test]
fn a_figure_the_fault_never_had_reads_as_the_reports_dash() {
    let mut app = App::new(session(1)).expect("valid");
    send(&mut app, &[Msg::key(KeyCode::Down), Msg::char('d')]);
    let text = screen(&app, 100, 30);
    assert!(text.contains("converge  …"), "{text}");
    send(&mut app, &[Msg::char(' ')]);
    send(&mut app, &vec![Msg::char('+'); 20]);
    ticks(&mut app, 50);
    assert!(app.sim.is_finished());
    let f = app.latest.as_ref().expect("the degradation");
    assert!(f.detect_s.is_none() && f.converge_s.is_none(), "{f:?}");
    let text = screen(&app, 100, 30);
    assert!(text.contains("detect    —") && text.contains("converge  —"), "{text}");
    assert!(!text.contains("never"), "{text}");
}

/// An event line wider than the log pane is cut with `…`; counts take their plural.
#[test]
fn a_cut_event_line_ends_in_an_ellipsis_and_counts_read_in_words() {
    let text = screen(&after_cut(), 80, 24);
    let stalled = text.lines().find(|l| l.contains("stalled")).unwrap_or_else(|| panic!("the stall line is on screen:\n{text}"));
    let pane = stalled.split('│').nth(1).unwrap_or_default();
    assert!(pane.contains("28 flows stalled: their path drops") && pane.ends_with('…'), "{stalled}");
    assert!(!text.contains("(s)"), "{text}");
}

/// A 30-minute run's chart is labelled in minutes and a day's in hours, as the report's time
/// axis is, not `1800s` or `86400s`; so is the status bar's `now / end`.
#[test]
fn the_chart_time_axis_reads_in_minutes_and_hours_on_long_runs() {
    for (duration, label, not) in [("30m", "30m", "1800s"), ("24h", "24h", "86400s")] {
        let source = fixture::SOURCE.replace("duration = \"60s\"", &format!("duration = \"{duration}\""));
        let s = scenarios::load_str("tui-fixture", &source).expect("the fixture compiles");
        let app = App::new(faultline_tui::Session { spec: s.spec, duration: s.duration, source, ..session(1) }).expect("valid");
        let text = screen(&app, 100, 30);
        let axis = text.lines().find(|l| l.contains(label)).unwrap_or_else(|| panic!("`{label}` on the axis:\n{text}"));
        assert!(axis.contains(if label.ends_with('m') { "0m" } else { "0h" }), "{axis}");
        assert!(!axis.contains(not), "{axis}");
        // The status bar's clock is in the axis's unit too: `0m / 30m`, not `0s / 1800s`.
        let status = text.lines().next().unwrap_or_default();
        let zero = if label.ends_with('m') { "0m" } else { "0h" };
        assert!(status.contains(&format!(" {zero} / {label} ")), "{status}");
        assert!(!status.contains(not), "{status}");
    }
}
