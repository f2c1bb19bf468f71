//! The state-following logic against canned `/state` answers: no network, no terminal.
//! The live run is stood in for by JSON whose fingerprints come from an independent run of
//! the same scenario with the API's faults scripted at their times, which is what a live
//! run that injected them reports.

use ratatui::crossterm::event::KeyCode;
use sim_core::spec::{FaultAction, FaultSpec, Trigger};
use sim_core::{Model, SimDuration, SimOptions, SimTime, Simulation};

use super::*;
use crate::inject::HandKind;
use crate::msg::Msg;
use crate::testing::{SOURCE, session};
use crate::update::update;

const S: u64 = 1_000_000_000;

fn compile() -> Compile {
    Arc::new(|text: &str| scenarios::load_str("tui-fixture", text).map(|s| s.spec).map_err(|e| e.to_string()))
}

fn attached() -> App {
    open(session(), "127.0.0.1:8474", compile()).expect("the fixture builds")
}

/// The fixture at seed 7 run to `t` with `faults` scripted: what the live run's
/// fingerprint is at `t` after injecting them through the API.
fn reference(t: SimTime, faults: &[FaultSpec]) -> u64 {
    let mut spec = session().spec;
    spec.faults.extend_from_slice(faults);
    let mut sim = Simulation::new(Model::build(&spec).expect("builds"), 7, SimOptions::default());
    sim.run_until(t);
    sim.fingerprint()
}

fn cut(id: &str, target: &str, at: SimTime, lasting: Option<SimDuration>) -> FaultSpec {
    FaultSpec { id: id.into(), target: target.into(), action: FaultAction::Down, trigger: Trigger::At(at), duration: lasting }
}

/// A `/state` answer as `faultline live` writes it (a connection included, with fields the
/// explorer does not read).
fn state(now_ns: u64, fingerprint: u64, injected: &str) -> Msg {
    let json = format!(
        r#"{{"scenario":"tui-fixture","seed":7,"now_ns":{now_ns},"now_s":{now_s},"end_ns":60000000000,"speed":5.0,
            "paused":false,"finished":false,"fingerprint":"{fingerprint:016x}",
            "links":[{{"id":"ash/ch1","state":"up","session":"up","capacity_bps":10000000000,"load_bps":[1,2]}}],
            "faults":[{{"id":"api-1","kind":"cut","target":"ash/ch2","start_ns":10000000000,"end_ns":null,"active":true}}],
            "injected":[{injected}],
            "connections":[{{"id":1,"proxy":"app-db","traffic":"app-db","flow":3,"client":"127.0.0.1:5000","opened_s":1.5,
              "closed_s":null,"bytes_up":10,"bytes_down":20,"connect_delay_s":0.0,"predicted_stall_max_s":0.0,
              "observed_stall_max_s":0.0,"delay_up_s":0.001,"delay_down_s":0.001,"overhead_p50_us":5.0,
              "overhead_max_us":9.0,"reset":false,"ending":"open"}}]}}"#,
        now_s = now_ns as f64 / 1e9
    );
    let s: StateView = serde_json::from_str(&json).expect("the canned state parses");
    Msg::Remote(Reply::State(Box::new(s)))
}

const API_1: &str = r#"{"id":"api-1","target":"ash/ch2","at_ns":10000000000,"repaired_ns":REPAIRED,"table":"[[fault]]\nid = \"api-1\"\ncut = \"ash/ch2\"\n"}"#;

fn api_1(repaired: Option<u64>) -> String {
    API_1.replace("REPAIRED", &repaired.map_or("null".to_string(), |r| r.to_string()))
}

/// Ticks until the local copy has caught up (each tick runs a capped number of events).
fn settle(app: &mut App) {
    for _ in 0..1_000 {
        update(app, Msg::Tick(std::time::Duration::from_millis(33)));
        if app.attached.as_ref().is_some_and(|a| !a.behind) {
            return;
        }
    }
    panic!("the local copy never caught up");
}

fn logged(app: &App, needle: &str) -> bool {
    app.log.lines.iter().any(|l| l.text.contains(needle))
}

#[test]
fn the_local_copy_follows_the_live_run_and_replays_its_faults_at_their_times() {
    let mut app = attached();
    update(&mut app, state(5 * S, reference(SimTime::from_secs(5), &[]), ""));
    settle(&mut app);
    assert_eq!(app.sim.now(), SimTime::from_secs(5));
    assert!(app.playing, "the live run plays");
    assert_eq!(app.attached.as_ref().and_then(|a| a.mismatch), None);

    // The API injected a cut at 10 s and repaired it at 15 s; the live run is at 20 s.
    let scripted = [cut("api-1", "ash/ch2", SimTime::from_secs(10), Some(SimDuration::from_secs(5)))];
    update(&mut app, state(20 * S, reference(SimTime::from_secs(20), &scripted), &api_1(Some(15 * S))));
    settle(&mut app);
    assert_eq!(app.sim.now(), SimTime::from_secs(20));
    let f = app.sim.fault_list().into_iter().find(|f| f.id == "api-1").expect("replayed locally");
    assert_eq!((f.start, f.end, f.active), (Some(SimTime::from_secs(10)), Some(SimTime::from_secs(15)), false));
    let a = app.attached.as_ref().expect("attached");
    assert_eq!(a.mismatch, None, "the fingerprints agree: {:?}", app.log.lines.last());
    assert!(a.checked);
    assert!(logged(&app, "the live run injected api-1: cut ash/ch2") && logged(&app, "the live run repaired api-1"));

    // The export scripts the fault at its times and replays to the same fingerprint.
    let text = app.scenario_text().expect("the session file");
    assert!(text.contains("[[fault]]\nat = \"10000ms\"\nfor = \"5000ms\"\nid = \"api-1\"\ncut = \"ash/ch2\"\n"), "{text}");
    assert!(text.starts_with(&SOURCE[..40]) && text.contains("--attach 127.0.0.1:8474"), "{text}");
    let compiled = scenarios::load_str("x", &text).expect("the export compiles");
    let mut replay = Simulation::new(Model::build(&compiled.spec).expect("builds"), compiled.seed, SimOptions::default());
    replay.run_until(SimTime::from_secs(20));
    assert_eq!(replay.fingerprint(), app.sim.fingerprint());
}

#[test]
fn a_fault_still_active_is_replayed_and_its_later_repair_too() {
    let mut app = attached();
    let open = [cut("api-1", "ash/ch2", SimTime::from_secs(10), None)];
    update(&mut app, state(12 * S, reference(SimTime::from_secs(12), &open), &api_1(None)));
    settle(&mut app);
    assert!(app.sim.fault_list().iter().any(|f| f.id == "api-1" && f.active));
    let closed = [cut("api-1", "ash/ch2", SimTime::from_secs(10), Some(SimDuration::from_secs(5)))];
    update(&mut app, state(16 * S, reference(SimTime::from_secs(16), &closed), &api_1(Some(15 * S))));
    settle(&mut app);
    assert!(app.sim.fault_list().iter().any(|f| f.id == "api-1" && !f.active));
    assert_eq!(app.attached.as_ref().and_then(|a| a.mismatch), None);
}

#[test]
fn a_different_fingerprint_is_flagged_once_in_the_log_and_the_status_bar() {
    let mut app = attached();
    update(&mut app, state(3 * S, 0xdead_beef, ""));
    settle(&mut app);
    update(&mut app, state(4 * S, 0xdead_beef, ""));
    settle(&mut app);
    let m = app.attached.as_ref().and_then(|a| a.mismatch).expect("flagged");
    assert_eq!((m.at, m.remote), (SimTime::from_secs(3), 0xdead_beef));
    assert_eq!(app.log.lines.iter().filter(|l| l.text.contains("diverged")).count(), 1);
    let mut buf = ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, 140, 1));
    crate::panes::status::render(&app, buf.area, &mut buf);
    let bar: String = (0..140).map(|x| buf[(x, 0)].symbol().to_string()).collect();
    assert!(bar.contains("attached to 127.0.0.1:8474") && bar.contains("≠ LIVE") && bar.contains("1 conn (1 open)"), "{bar}");
}

#[test]
fn fault_keys_go_to_the_api_and_the_local_clock_keys_explain() {
    let mut app = attached();
    update(&mut app, state(S, reference(SimTime::from_secs(1), &[]), ""));
    settle(&mut app);
    let events = app.sim.events();
    update(&mut app, Msg::char('c'));
    update(&mut app, Msg::key(KeyCode::Down));
    update(&mut app, Msg::char('d'));
    update(&mut app, Msg::char('m'));
    update(&mut app, Msg::char(' '));
    let speed = app.speed;
    update(&mut app, Msg::char('+'));
    assert_eq!(app.speed, speed);
    assert!(logged(&app, "keeps its own clock"));
    let a = app.attached.as_ref().expect("attached");
    assert_eq!(
        a.outbox,
        [
            Request::Inject(serde_json::json!({"id": "manual-1", "cut": "ash/ch1"})),
            Request::Inject(serde_json::json!({"id": "manual-2", "degrade": {"target": "ash/ch2", "loss": "2%"}})),
            Request::Inject(serde_json::json!({"id": "manual-3", "drain": {"target": "ash/ch2", "wait": "30000ms"}})),
            Request::Pause(true),
        ]
    );
    assert!(app.sim.fault_list().iter().all(|f| !f.id.starts_with("manual")), "nothing is injected locally");
    assert_eq!(app.sim.events(), events);

    // `u` repairs the latest active API fault on the selected channel.
    update(&mut app, state(12 * S, 0, &api_1(None)));
    update(&mut app, Msg::key(KeyCode::Up));
    update(&mut app, Msg::char('u'));
    assert!(logged(&app, "no active fault injected through the API on ash/ch1"));
    update(&mut app, Msg::key(KeyCode::Down));
    update(&mut app, Msg::char('u'));
    assert_eq!(app.attached.as_ref().and_then(|a| a.outbox.last()), Some(&Request::Repair("api-1".into())));
}

#[test]
fn a_lost_api_keeps_the_last_state_and_says_so_once() {
    let mut app = attached();
    update(&mut app, state(2 * S, reference(SimTime::from_secs(2), &[]), ""));
    settle(&mut app);
    let lost = || Msg::Remote(Reply::Failed { request: "state".into(), error: ClientError::Unreachable("connection refused".into()) });
    update(&mut app, lost());
    update(&mut app, lost());
    settle(&mut app);
    let a = app.attached.as_ref().expect("attached");
    assert!(!a.reachable && a.remote.as_ref().is_some_and(|r| r.now_ns == 2 * S));
    assert_eq!(app.log.lines.iter().filter(|l| l.text.contains("lost the live API at 127.0.0.1:8474")).count(), 1);
    assert_eq!(app.sim.now(), SimTime::from_secs(2));
    update(
        &mut app,
        Msg::Remote(Reply::Failed {
            request: "inject".into(),
            error: ClientError::Refused { status: 401, message: "missing token".into() },
        }),
    );
    assert!(logged(&app, "the live run refused to inject: missing token (401"));
    update(&mut app, state(3 * S, reference(SimTime::from_secs(3), &[]), ""));
    assert!(logged(&app, "answers again"));
}

/// The bodies the fault keys send are what the live API accepts (`scenarios::live::fault_request`,
/// which `faultline live` runs on every `POST /faults`), and the table it records for each
/// compiles here to the fault it injected there.
#[test]
fn every_fault_key_s_request_is_accepted_by_the_live_api_and_replays_as_injected() {
    let app = attached();
    let scenario = scenarios::load_str("tui-fixture", SOURCE).expect("the fixture compiles");
    let link = &app.sim.model().links[app.order[1].index()];
    let facility = link.facility.map(|f| app.sim.model().facilities[f.index()].id.clone()).expect("ch2 has a facility");
    for kind in [HandKind::Cut, HandKind::Blackhole, HandKind::Degrade, HandKind::FacilityDown, HandKind::Drain] {
        let target = if kind == HandKind::FacilityDown { facility.clone() } else { link.id().to_string() };
        let body = super::keys::request(kind, "manual-1", &target);
        let live = scenarios::live::fault_request(&scenario, &body).unwrap_or_else(|e| panic!("{kind:?}: {body} refused: {e}"));
        assert_eq!((live.target.as_str(), &live.action, live.duration), (target.as_str(), &kind.action(), None), "{kind:?}");
        let injected = InjectedFault { id: live.id, target: live.target, at_ns: 5 * S, repaired_ns: None, table: live.table };
        let a = app.attached.as_ref().expect("attached");
        let spec = a.fault_spec(SOURCE, &injected).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!((spec.target, spec.action, spec.duration), (target, kind.action(), None), "{kind:?}");
    }
}
