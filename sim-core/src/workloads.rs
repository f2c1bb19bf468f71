//! The benchmark workloads, as models: shared by the bench harness and by tests that check
//! the workloads stay valid (a bench that no longer builds is found by `cargo test`).

use crate::presets::{Quad, traffic};
use crate::spec::*;
use crate::time::{SimDuration, SimTime};

const GBPS: u64 = 1_000_000_000;

/// One managed quad interconnect, 64 flows, 20 faults of every kind, a simulated day.
pub fn bench_day() -> ModelSpec {
    let q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 10 * GBPS);
    let loss = Degradation {
        loss_ppm: 20_000,
        burst: 1,
        extra_delay: SimDuration::from_millis(3),
        jitter: SimDuration::ZERO,
        capacity_ppm: 700_000,
    };
    let actions: [(&str, FaultAction, u64); 10] = [
        ("ash/ch1", FaultAction::Down, 600),
        ("ash/ch2", FaultAction::Blackhole, 900),
        ("ash/ch3", FaultAction::Degrade(loss), 1800),
        ("ash/fac-a", FaultAction::Down, 1200),
        ("ash/ch4", FaultAction::Flap { period: SimDuration::from_secs(20), up_ppm: 500_000, count: 10 }, 0),
        ("ash/ch1", FaultAction::Drain { wait: SimDuration::from_secs(30) }, 1800),
        ("ash/ch2", FaultAction::BgpReset, 0),
        ("ash/ch3", FaultAction::Partition(Direction::AToB), 300),
        ("ash/ch4", FaultAction::BfdDisable, 3600),
        ("ash/gcp-r2", FaultAction::Down, 900),
    ];
    let faults = (0..20)
        .map(|i| {
            let (target, action, dur) = actions[i % actions.len()];
            FaultSpec {
                id: format!("f{}", i + 1),
                target: target.into(),
                action,
                trigger: Trigger::At(SimTime::from_secs(1800 + i as u64 * 4200)),
                duration: (dur > 0).then(|| SimDuration::from_secs(dur)),
            }
        })
        .collect();
    ModelSpec {
        links: q.links(),
        adjacencies: vec![q.adjacency()],
        traffic: vec![traffic("app", &["aws:us-east-1", "gcp:us-east4"], 64, Some(6 * GBPS))],
        faults,
        duration: SimDuration::from_secs(24 * 3600),
        ..ModelSpec::default()
    }
}

/// `n` independent quad interconnects with `flows` flows each, random cuts and blackholes
/// capped at `faults` in total, over `secs` simulated seconds.
pub fn bench_scale(n: u32, flows: u32, faults: u32, secs: u64) -> ModelSpec {
    let mut spec = ModelSpec { duration: SimDuration::from_secs(secs), ..ModelSpec::default() };
    for i in 0..n {
        let mut q = Quad::aws_gcp_managed(&format!("ic{i:04}"), "us-east-1", "us-east4", 10 * GBPS);
        q.a_site = format!("aws:bench-{i:04}");
        q.b_site = format!("gcp:bench-{i:04}");
        spec.links.extend(q.links());
        spec.adjacencies.push(q.adjacency());
        spec.traffic.push(traffic(&format!("app{i:04}"), &[&q.a_site, &q.b_site], flows, Some(6 * GBPS)));
    }
    // Channel-hours available, spread so that about `faults` failures fall in the run.
    let channel_secs = u64::from(n) * 4 * secs;
    let mtbf = SimDuration::from_secs((channel_secs / u64::from(faults.max(1))).max(1));
    let cuts = faults * 3 / 4;
    spec.random_faults = vec![
        RandomFaultSpec {
            id: "cuts".into(),
            class: ElementClass::Channel,
            action: FaultAction::Down,
            mtbf,
            mttr: SimDuration::from_secs(120),
            max_faults: cuts,
        },
        RandomFaultSpec {
            id: "blackholes".into(),
            class: ElementClass::Channel,
            action: FaultAction::Blackhole,
            mtbf,
            mttr: SimDuration::from_secs(300),
            max_faults: faults - cuts,
        },
    ];
    spec
}

/// The packet-fidelity reference path: 1 Gbps, 10 ms RTT, 1500 B MTU, Ethernet framing, a
/// 1 MiB drop-tail queue, one bulk flow, for `secs` seconds. Sites have no internal RTT so
/// the path RTT is exactly the link's.
pub fn packet_clean_path(fidelity: Fidelity, secs: u64) -> ModelSpec {
    let link = LinkSpec {
        id: "wan".into(),
        kind: LinkKind::Channel,
        interconnect: None,
        facility: None,
        a_site: "aws:us-east-1".into(),
        b_site: "gcp:us-east4".into(),
        a_router: None,
        b_router: None,
        members: 1,
        member_bps: GBPS,
        mtu: 1500,
        framing: Framing { ethernet: true, macsec: false, extra_bytes: 0 },
        one_way_delay: SimDuration::from_millis(5),
        base_loss_ppm: 0,
        queue_bytes: 1 << 20,
        session: None,
        route: [RouteAttrs::DEFAULT; 2],
    };
    let sites =
        ["aws:us-east-1", "gcp:us-east4"].map(|id| SiteSpec { id: id.into(), kind: SiteKind::Region, internal_rtt: SimDuration::ZERO });
    let mut t = traffic("bulk", &["aws:us-east-1", "gcp:us-east4"], 1, None);
    t.fidelity = fidelity;
    ModelSpec { sites: sites.to_vec(), links: vec![link], traffic: vec![t], duration: SimDuration::from_secs(secs), ..ModelSpec::default() }
}
