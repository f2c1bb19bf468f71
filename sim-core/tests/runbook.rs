//! Alarms, runbooks, RTO and RPO: a region outage handled by a human runbook, checked
//! against timings worked out by hand from the scenario's own parameters.

use sim_core::presets::{Quad, traffic};
use sim_core::spec::*;
use sim_core::*;

const GBPS: u64 = 1_000_000_000;

fn dr_model(delay: Delay) -> ModelSpec {
    let east = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 10 * GBPS);
    let west = Quad::aws_gcp_managed("pdx", "us-west-2", "us-west1", 10 * GBPS);
    let mut repl = traffic("db-repl", &["aws:us-east-1", "gcp:us-east4"], 16, Some(2 * GBPS));
    repl.replication = true;
    ModelSpec {
        links: [east.links(), west.links()].concat(),
        adjacencies: vec![east.adjacency(), west.adjacency()],
        traffic: vec![repl],
        faults: vec![FaultSpec {
            id: "region".into(),
            target: "aws:us-east-1".into(),
            action: FaultAction::Down,
            trigger: Trigger::At(SimTime::from_secs(60)),
            duration: None,
        }],
        alarms: vec![AlarmSpec {
            id: "repl-down".into(),
            condition: AlarmCondition::Unreachable { group: "db-repl".into(), for_: SimDuration::from_secs(30) },
        }],
        steps: vec![
            StepSpec {
                id: "page-oncall".into(),
                trigger: StepTrigger::Alarm("repl-down".into()),
                delay,
                action: StepAction::Failover {
                    shifts: vec![ShiftSpec::sites("db-repl", vec!["aws:us-west-2".into(), "gcp:us-west1".into()])],
                },
            },
            StepSpec {
                id: "drain-east".into(),
                trigger: StepTrigger::AfterStep("page-oncall".into()),
                delay: Delay::Fixed(SimDuration::from_secs(60)),
                action: StepAction::Drain { link: "ash/ch1".into() },
            },
        ],
        duration: SimDuration::from_secs(900),
        ..ModelSpec::default()
    }
}

#[test]
fn region_outage_runbook_rto_is_alarm_delay_plus_human_delay_and_rpo_is_the_data_in_flight() {
    let model = Model::build(&dr_model(Delay::Fixed(SimDuration::from_secs(300)))).expect("valid");
    let mut sim = Simulation::new(model, 1, SimOptions::default());
    sim.run();
    let r = sim.report();
    // The alarm needs 30 s of silence after the outage at 60 s.
    assert_eq!(r.alarms[0].fired_s, vec![90.0]);
    // The on-call engineer acts 300 s later; the drain follows 60 s after that.
    assert_eq!(r.runbook[0].triggered_s, Some(90.0));
    assert_eq!(r.runbook[0].acted_s, Some(390.0));
    assert_eq!(r.runbook[1].acted_s, Some(450.0));
    // RTO: from 60 s to 390 s plus slow start from 10 segments at a 1.5 ms RTT to the
    // 125 Mbps per-flow share: well under a tenth of a second.
    let rto = r.traffic[0].rto_s.expect("recovered");
    assert!((330.0..330.1).contains(&rto), "RTO {rto}");
    // RPO: the replica missed exactly what was still on its way: 2 Gbps x the 0.75 ms one-way
    // delay (half the 1.5 ms RTT; what was sent earlier had arrived, only its ACK had not).
    let rpo = r.traffic[0].rpo_s.expect("rpo measured");
    assert!((rpo - 0.00075).abs() < 1e-6, "RPO {rpo}");
    assert_eq!(r.traffic[0].rpo_bytes, Some(2 * GBPS / 8 * 75 / 100_000));
}

#[test]
fn a_random_human_delay_is_drawn_from_the_seed_within_its_bounds() {
    let delay = Delay::Uniform { min: SimDuration::from_secs(120), max: SimDuration::from_secs(600) };
    let mut acted = Vec::new();
    for seed in 0..20 {
        let model = Model::build(&dr_model(delay)).expect("valid");
        let mut sim = Simulation::new(model, seed, SimOptions::default());
        sim.run();
        let t = sim.report().runbook[0].acted_s.expect("acted");
        assert!((210.0..=690.0).contains(&t), "seed {seed}: acted at {t}");
        acted.push(t);
    }
    acted.dedup();
    assert!(acted.len() > 10, "delays do not vary with the seed");
}

#[test]
fn a_fault_without_effect_leaves_no_evidence() {
    let q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 10 * GBPS);
    let spec = ModelSpec {
        links: q.links(),
        adjacencies: vec![q.adjacency()],
        traffic: vec![traffic("app", &["aws:us-east-1", "gcp:us-east4"], 8, Some(GBPS))],
        faults: vec![
            FaultSpec {
                id: "cut".into(),
                target: "ash/ch1".into(),
                action: FaultAction::Down,
                trigger: Trigger::At(SimTime::from_secs(10)),
                duration: None,
            },
            // Cutting a channel that is already down changes nothing.
            FaultSpec {
                id: "again".into(),
                target: "ash/ch1".into(),
                action: FaultAction::Down,
                trigger: Trigger::At(SimTime::from_secs(20)),
                duration: None,
            },
        ],
        duration: SimDuration::from_secs(30),
        ..ModelSpec::default()
    };
    let model = Model::build(&spec).expect("valid");
    let mut sim = Simulation::new(model, 1, SimOptions::default());
    sim.run();
    let r = sim.report();
    assert!(r.faults[0].effect.any());
    assert!(!r.faults[1].effect.any(), "{:?}", r.faults[1].effect);
}

/// An endpoint fails while its site stays up: only the traffic that ends at it stops, and a
/// runbook moves it to a standby endpoint in another region.
#[test]
fn an_endpoint_down_stops_only_its_traffic_and_a_runbook_moves_it_to_the_standby() {
    let mut spec = dr_model(Delay::Fixed(SimDuration::from_secs(60)));
    spec.endpoints = vec![
        EndpointSpec { id: "db-primary".into(), site: "gcp:us-east4".into() },
        EndpointSpec { id: "db-standby".into(), site: "gcp:us-west1".into() },
    ];
    spec.traffic[0].route = vec!["aws:us-east-1".into(), "db-primary".into()];
    spec.traffic.push(traffic("web", &["aws:us-east-1", "gcp:us-east4"], 8, Some(GBPS)));
    spec.faults[0].target = "db-primary".into();
    // The standby is reached over the western interconnect from the western region.
    spec.steps.truncate(1);
    spec.steps[0].action =
        StepAction::Failover { shifts: vec![ShiftSpec::sites("db-repl", vec!["aws:us-west-2".into(), "db-standby".into()])] };
    let model = Model::build(&spec).expect("valid");
    let mut sim = Simulation::new(model, 1, SimOptions::default());
    sim.run();
    let r = sim.report();
    assert_eq!(r.faults[0].kind, "endpoint-down");
    assert!(r.faults[0].effect.any());
    // The other group, at the same site, never noticed.
    let web = r.traffic.iter().find(|g| g.id == "web").expect("web");
    assert_eq!(web.min_throughput_bps, Some(GBPS));
    let repl = r.traffic.iter().find(|g| g.id == "db-repl").expect("repl");
    // Alarm at 90 s, failover 60 s later: the RTO is 90 s plus slow start.
    let rto = repl.rto_s.expect("recovered");
    assert!((90.0..90.1).contains(&rto), "RTO {rto}");
    // The replica's end was lost, not the primary: every write still exists, so no RPO.
    assert_eq!(repl.rpo_s, None);
}
