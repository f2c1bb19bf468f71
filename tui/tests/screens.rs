//! Headless snapshots of the screen (ratatui TestBackend + insta): the main screen before
//! and after a cut, with the help overlay, at 80×24 and larger. No wall time reaches the
//! view, so the snapshots are exact.

#[path = "common/fixture.rs"]
mod fixture;

use faultline_tui::{App, Msg};
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

/// With a judge (as `faultline tui` passes one), the failover pane lists each expectation and
/// its status on the report so far: a cut is detected at once, so `detect_within` passes.
#[test]
fn the_failover_pane_shows_each_expectation_with_its_status() {
    let mut session = session(1);
    let scenario = scenarios::load_str("tui-fixture", fixture::SOURCE).expect("compiles");
    session.judge = Some(faultline_tui::Judge(std::sync::Arc::new(move |r: &sim_core::Report| {
        scenarios::evaluate(&scenario, r)
            .1
            .into_iter()
            .map(|c| faultline_tui::ExpectationStatus { name: c.name.to_string(), status: c.status.name(), detail: c.detail })
            .collect()
    })));
    let mut app = App::new(session).expect("valid");
    send(&mut app, &[Msg::key(KeyCode::Down), Msg::key(KeyCode::Char('c'))]);
    ticks(&mut app, 5);
    assert!(app.checks.iter().any(|c| c.name == "detect_within" && c.status == "pass"), "{:?}", app.checks);
    let screen = draw(&app, 100, 30).backend().to_string();
    assert!(screen.contains("detect_within"), "{screen}");
}
