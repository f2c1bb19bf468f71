//! The control plane, state by state: what each kind of failure does to the BGP and BFD
//! sessions of a channel, and when forwarding follows. Expected times come from the timers
//! in the model (RFC 5880 BFD, RFC 4271 BGP), not from running the code.

use sim_core::presets::{Quad, traffic};
use sim_core::spec::*;
use sim_core::trace::{DownReason, TraceKind, TraceRecord};
use sim_core::*;

const GBPS: u64 = 1_000_000_000;

fn dx() -> Quad {
    Quad::aws_dx_max_resiliency("dx", "us-east-1", "equinix-dc2", 10 * GBPS)
}

fn model(q: &Quad, faults: Vec<FaultSpec>, secs: u64) -> ModelSpec {
    ModelSpec {
        links: q.links(),
        adjacencies: vec![q.adjacency()],
        traffic: vec![traffic("app", &[&q.a_site, &q.b_site], 32, Some(8 * GBPS))],
        faults,
        duration: SimDuration::from_secs(secs),
        ..ModelSpec::default()
    }
}

fn fault(id: &str, target: &str, action: FaultAction, at_s: u64, dur_s: Option<u64>) -> FaultSpec {
    FaultSpec {
        id: id.into(),
        target: target.into(),
        action,
        trigger: Trigger::At(SimTime::from_secs(at_s)),
        duration: dur_s.map(SimDuration::from_secs),
    }
}

fn run(spec: &ModelSpec, seed: u64) -> Simulation {
    let mut sim = Simulation::new(Model::build(spec).expect("valid"), seed, SimOptions { keep_trace: true, ..SimOptions::default() });
    sim.run();
    sim
}

fn records(sim: &Simulation, kind: TraceKind) -> Vec<TraceRecord> {
    sim.trace().records().iter().filter(|r| r.kind == kind).copied().collect()
}

/// A one-way partition (A to B silent): B stops hearing BFD and declares the session down
/// after 3 x 300 ms; its BFD packets now carry state Down, which A still receives, so A goes
/// down too (RFC 5880 §6.8.6) — well before A's own BGP hold timer could notice anything.
#[test]
fn one_way_partition_takes_both_sides_down_through_bfd_state_signalling() {
    let spec = model(&dx(), vec![fault("p", "dx/ch1", FaultAction::Partition(Direction::AToB), 10, None)], 30);
    let sim = run(&spec, 4);
    let downs = records(&sim, TraceKind::SessionDown);
    assert_eq!(downs.len(), 2, "{downs:?}");
    let b = downs.iter().find(|r| r.b == 1).expect("side B down");
    let a = downs.iter().find(|r| r.b == 0).expect("side A down");
    assert_eq!(DownReason::from_code(b.v), Some(DownReason::BfdTimeout));
    assert!(matches!(DownReason::from_code(a.v), Some(DownReason::NeighborSignaledDown | DownReason::Notification)));
    let tb = (b.t - SimTime::from_secs(10)).as_secs_f64();
    assert!(tb > 0.6 && tb <= 0.901, "B detected after {tb} s");
    // A learns within one BFD interval plus the propagation delay.
    assert!((a.t - b.t).as_secs_f64() <= 0.301, "A followed {} s later", (a.t - b.t).as_secs_f64());
}

/// BFD switched off by mistake, then a blackhole: only the BGP hold timer (90 s, keepalive
/// 30 s jittered to 22.5-30 s) finds it, so detection lands in (60, 90] s.
#[test]
fn with_bfd_disabled_a_blackhole_waits_for_the_hold_timer() {
    let spec = model(
        &dx(),
        vec![fault("oops", "dx/ch2", FaultAction::BfdDisable, 5, None), fault("bh", "dx/ch2", FaultAction::Blackhole, 20, None)],
        200,
    );
    let sim = run(&spec, 2);
    let down = records(&sim, TraceKind::SessionDown).into_iter().next().expect("detected");
    assert_eq!(DownReason::from_code(down.v), Some(DownReason::HoldTimerExpired));
    let d = (down.t - SimTime::from_secs(20)).as_secs_f64();
    assert!(d > 60.0 && d <= 90.001, "{d}");
    let r = sim.report();
    let bh = r.faults.iter().find(|f| f.id == "bh").expect("bh");
    assert_eq!(bh.detect_s, Some(d), "detection is credited to the blackhole, not to the BFD misconfiguration");
}

/// A BGP reset (a speaker sends NOTIFICATION) takes the session down at once and brings it
/// back after the establish time; forwarding drops the channel and takes it back, each after
/// the convergence delay.
#[test]
fn bgp_reset_goes_down_at_once_and_reestablishes_after_the_establish_time() {
    let spec = model(&dx(), vec![fault("reset", "dx/ch3", FaultAction::BgpReset, 10, None)], 30);
    let sim = run(&spec, 1);
    let down: Vec<(SimTime, u32, Option<DownReason>)> =
        records(&sim, TraceKind::SessionDown).iter().map(|r| (r.t, r.b, DownReason::from_code(r.v))).collect();
    // The resetting speaker sends a NOTIFICATION; the peer goes down on receiving it.
    let t = SimTime::from_secs(10);
    assert_eq!(down, vec![(t, 0, Some(DownReason::AdminReset)), (t, 1, Some(DownReason::Notification))]);
    let up = records(&sim, TraceKind::SessionUp);
    assert_eq!(up.iter().map(|r| r.t).collect::<Vec<_>>(), vec![SimTime::from_secs(10) + SessionSpec::DEFAULT_ESTABLISH]);
    let fib: Vec<(SimTime, u64)> = records(&sim, TraceKind::Fib).iter().map(|r| (r.t, r.v)).collect();
    let conv = AdjacencySpec::DEFAULT_CONVERGENCE;
    assert!(fib.contains(&(SimTime::from_secs(10) + conv, 3)), "{fib:?}");
    assert!(fib.contains(&(SimTime::from_secs(10) + SessionSpec::DEFAULT_ESTABLISH + conv, 4)), "{fib:?}");
}

/// While a link cannot carry the session (still blackholed after BFD took it down), the
/// routers retry every `connect_retry`; the first attempt after the repair succeeds.
#[test]
fn a_session_comes_back_at_the_first_connect_attempt_after_the_repair() {
    let spec = model(&dx(), vec![fault("bh", "dx/ch1", FaultAction::Blackhole, 10, Some(20))], 60);
    let sim = run(&spec, 3);
    let down = records(&sim, TraceKind::SessionDown).into_iter().map(|r| r.t).min().expect("down");
    let up = records(&sim, TraceKind::SessionUp).into_iter().next().expect("back up").t;
    let retry = SessionSpec::DEFAULT_CONNECT_RETRY;
    // Attempts at down + k * retry; the first one at or after the repair at 30 s.
    let mut attempt = down + retry;
    while attempt < SimTime::from_secs(30) {
        attempt += retry;
    }
    assert_eq!(up, attempt);
}

/// Maintenance drain: the channel's routes are prepended, forwarding moves away after the
/// convergence delay, and only then (after `wait`) the channel goes down — so no flow stalls
/// and no byte is lost.
#[test]
fn a_drain_moves_traffic_before_the_channel_goes_down_and_loses_nothing() {
    let q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 10 * GBPS);
    let spec = model(&q, vec![fault("drain", "ash/ch2", FaultAction::Drain { wait: SimDuration::from_secs(30) }, 10, Some(60))], 90);
    let sim = run(&spec, 1);
    assert!(records(&sim, TraceKind::Stall).is_empty(), "a drained channel stalls no flow");
    let r = sim.report();
    assert_eq!(r.faults[0].lost_bytes, 0);
    assert_eq!(r.traffic[0].lost_bytes, 0);
    let fib = records(&sim, TraceKind::Fib);
    assert_eq!(
        fib.first().map(|r| (r.t, r.v)),
        Some((SimTime::from_secs(11), 3)),
        "forwarding left ch2 one convergence delay after the prepend"
    );
    let down = records(&sim, TraceKind::LinkState).into_iter().find(|r| r.b == 1).expect("goes down");
    assert_eq!(down.t, SimTime::from_secs(40), "down only after the wait");
}

/// Active-passive by AS-path prepend: the prepended channels carry nothing until every
/// preferred one is gone.
#[test]
fn active_passive_uses_the_backup_channels_only_when_the_primaries_are_down() {
    let q = dx();
    let mut spec = model(&q, vec![fault("fac-a", "dx/fac-a", FaultAction::Down, 10, None)], 30);
    for l in spec.links.iter_mut().filter(|l| l.facility.as_deref() == Some("dx/fac-b")) {
        l.route = [RouteAttrs { prepend: 2, ..RouteAttrs::DEFAULT }; 2];
    }
    let model = Model::build(&spec).expect("valid");
    let mut sim = Simulation::new(model, 1, SimOptions::default());
    sim.run_until(SimTime::from_secs(9));
    let load = |sim: &Simulation, i: u32| sim.link(sim_core::model::LinkId(i)).load_bps[0];
    assert!(load(&sim, 0) > 0 && load(&sim, 1) > 0, "primaries carry the traffic");
    assert_eq!((load(&sim, 2), load(&sim, 3)), (0, 0), "backups idle");
    sim.run_until(SimTime::from_secs(20));
    assert_eq!((load(&sim, 0), load(&sim, 1)), (0, 0));
    assert!(load(&sim, 2) > 0 && load(&sim, 3) > 0, "backups took over");
}
