//! The model checked against references that do not come from this code: RFC 5880 BFD
//! detection bounds, BGP hold-timer bounds (RFC 4271), the Linux RTO schedule (RFC 6298 and
//! `tcp_rtt_estimator`), the Mathis bound, line rate after framing overheads, and byte
//! conservation. Each expected value is computed here from the reference's own formula.

use sim_core::presets::{Quad, backbone, traffic};
use sim_core::spec::*;
use sim_core::trace::{DownReason, TraceKind};
use sim_core::*;

const GBPS: u64 = 1_000_000_000;

fn fault(id: &str, target: &str, action: FaultAction, at_s: f64, dur_s: Option<f64>) -> FaultSpec {
    FaultSpec {
        id: id.into(),
        target: target.into(),
        action,
        trigger: Trigger::At(SimTime(SimDuration::from_secs_f64(at_s).as_nanos())),
        duration: dur_s.map(SimDuration::from_secs_f64),
    }
}

fn quad_model(q: &Quad, flows: u32, demand: Option<u64>, secs: u64) -> ModelSpec {
    ModelSpec {
        links: q.links(),
        adjacencies: vec![q.adjacency()],
        traffic: vec![traffic("app", &[&q.a_site, &q.b_site], flows, demand)],
        duration: SimDuration::from_secs(secs),
        ..ModelSpec::default()
    }
}

fn run(spec: &ModelSpec, seed: u64) -> (Report, Simulation) {
    let model = Model::build(spec).expect("valid model");
    let mut sim = Simulation::new(model, seed, SimOptions { keep_trace: true, ..SimOptions::default() });
    sim.run();
    (sim.report(), sim)
}

/// Seconds from the fault start to the first session-down record, and its reason.
fn first_down(sim: &Simulation, t0: SimTime) -> Option<(f64, DownReason)> {
    sim.trace()
        .records()
        .iter()
        .find(|r| r.kind == TraceKind::SessionDown && r.t >= t0)
        .map(|r| ((r.t - t0).as_secs_f64(), DownReason::from_code(r.v).expect("reason code")))
}

/// RFC 5880 §6.8.4: the detection time is the remote Detect Mult times the agreed interval
/// (here 3 x 300 ms = 0.9 s), counted from the last packet received. With §6.8.7 jitter,
/// consecutive packets are 75-100 % of the interval apart, so the last packet before a
/// silent failure at t0 arrived in (t0 - 300 ms, t0]: detection lands in
/// (0.9 - 0.3, 0.9] s after t0, plus the one-way delay.
#[test]
fn silent_blackhole_with_bfd_300ms_x3_is_detected_within_rfc5880_bounds_over_many_seeds() {
    let q = Quad::aws_dx_max_resiliency("dx", "us-east-1", "equinix-dc2", 10 * GBPS);
    let owd = q.one_way_delay.as_secs_f64();
    let mut spec = quad_model(&q, 16, Some(8 * GBPS), 40);
    spec.faults.push(fault("bh", "dx/ch2", FaultAction::Blackhole, 20.0, None));
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for seed in 0..300 {
        let (_, sim) = run(&spec, seed);
        let (d, why) = first_down(&sim, SimTime::from_secs(20)).expect("a blackhole under BFD is always detected");
        assert_eq!(why, DownReason::BfdTimeout, "seed {seed}");
        assert!(d > 0.6 && d <= 0.9 + owd + 1e-9, "seed {seed}: detected after {d} s, outside (0.6, 0.9] s");
        lo = lo.min(d);
        hi = hi.max(d);
    }
    // The jitter really spreads detection across the window rather than pinning it.
    assert!(lo < 0.65 && hi > 0.85, "detection range [{lo}, {hi}] does not span the RFC window");
}

/// RFC 4271 §4.4 and §10: keepalives every 30 s, jittered to 75-100 %; the hold timer
/// (90 s) restarts on each one. The last keepalive before the failure arrived in
/// (t0 - 30 s, t0], so the session goes down in (60, 90] s after t0.
#[test]
fn silent_blackhole_without_bfd_is_detected_within_bgp_hold_timer_bounds() {
    let mut q = Quad::aws_dx_max_resiliency("dx", "us-east-1", "equinix-dc2", 10 * GBPS);
    q.session = q.session.map(|s| SessionSpec { bfd: None, ..s });
    let owd = q.one_way_delay.as_secs_f64();
    let mut spec = quad_model(&q, 16, Some(8 * GBPS), 300);
    spec.faults.push(fault("bh", "dx/ch1", FaultAction::Blackhole, 100.0, None));
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for seed in 0..100 {
        let (_, sim) = run(&spec, seed);
        let (d, why) = first_down(&sim, SimTime::from_secs(100)).expect("the hold timer always fires");
        assert_eq!(why, DownReason::HoldTimerExpired);
        assert!(d > 60.0 && d <= 90.0 + owd + 1e-9, "seed {seed}: detected after {d} s, outside (60, 90] s");
        lo = lo.min(d);
        hi = hi.max(d);
    }
    assert!(lo < 65.0 && hi > 85.0, "range [{lo}, {hi}]");
}

/// Fast external fallover: loss of carrier terminates the BGP session immediately.
#[test]
fn carrier_loss_tears_the_session_down_at_once() {
    let q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 10 * GBPS);
    let mut spec = quad_model(&q, 16, Some(4 * GBPS), 60);
    spec.faults.push(fault("cut", "ash/ch3", FaultAction::Down, 17.3, None));
    let (report, sim) = run(&spec, 7);
    let (d, why) = first_down(&sim, SimTime::from_millis(17_300)).expect("detected");
    assert_eq!((d, why), (0.0, DownReason::CarrierLoss));
    assert_eq!(report.faults[0].detect_s, Some(0.0));
    // Both ends lost carrier: forwarding follows after the local repair delay, on both sides
    // at once, not after the convergence delay.
    assert_eq!(report.faults[0].converge_s, Some(AdjacencySpec::DEFAULT_LOCAL_REPAIR.as_secs_f64()));
}

/// The retransmission schedule after a silent outage of length D on a path with no
/// alternative, from the mechanisms in shared/reference/tcp-timing.md, not from the code.
///
/// Linux (§1–2): the clock starts at the last ACK, a one-way delay after the break; the tail
/// loss probe follows 2·srtt + 2 ms later, rounded up to 4 ms jiffies; RTO 1 follows the probe
/// by srtt + 200 ms in whole jiffies, then the RTO doubles up to 120 s. Each timer fires late by
/// at most its wheel level's granularity: 4 ms under 252 ms, 32 ms under 2.016 s, 256 ms under
/// 16.128 s, 2.048 s beyond. RFC 6298 / smoltcp (§4): RTO = max(srtt, 1 s) from the last ACK,
/// doubling to 60 s, on time. The flow resumes at the first transmission at or after the repair:
/// inside the band of a transmission no later than the first whose band starts after it.
#[test]
fn tcp_stall_after_outages_of_several_lengths_follows_the_host_schedule() {
    for (tcp, label) in [(TcpSpec::LINUX, "linux"), (TcpSpec::SMOLTCP, "smoltcp")] {
        for outage in [0.05, 0.3, 0.9, 2.5, 7.0, 40.0, 250.0] {
            for seed in 1..=4 {
                let mut link = backbone("aws:us-east-1", "aws:us-west-2", SimDuration::from_millis(70));
                link.id = "wan".into();
                let mut t = traffic("bulk", &["aws:us-east-1", "aws:us-west-2"], 1, Some(GBPS));
                t.tcp = tcp;
                let spec = ModelSpec {
                    links: vec![link],
                    traffic: vec![t],
                    faults: vec![fault("bh", "wan", FaultAction::Blackhole, 10.0, Some(outage))],
                    duration: SimDuration::from_secs(1000),
                    ..ModelSpec::default()
                };
                let (_, sim) = run(&spec, seed);
                let stall = sim.trace().records().iter().find(|r| r.kind == TraceKind::Resume).map(|r| r.v as f64 / 1e9).expect("resumed");
                let bands = schedule(label, 0.070 + 0.00025, 40);
                assert!(stall >= outage, "{label}, outage {outage} s, seed {seed}: resumed at {stall} s, before the repair");
                let first_after = bands.iter().position(|b| b.0 >= outage).expect("schedule long enough");
                let ok = bands[..=first_after].iter().any(|b| stall >= b.0 - 1e-9 && stall <= b.1 + 1e-9);
                assert!(ok, "{label}, outage {outage} s, seed {seed}: stalled {stall} s, schedule bands {:?}", &bands[..=first_after]);
            }
        }
    }
}

/// Transmission bands [earliest, latest] after a break, seconds, for a path of round trip
/// `srtt` (no queue: the flow is demand-limited).
fn schedule(host: &str, srtt: f64, n: usize) -> Vec<(f64, f64)> {
    let ceil_j = |s: f64| (s / 0.004 - 1e-9).ceil() * 0.004;
    let late = |s: f64| match (s / 0.004).round() as u64 {
        j if j < 63 => 0.004,
        j if j < 504 => 0.032,
        j if j < 4032 => 0.256,
        _ => 2.048,
    };
    let mut out = Vec::new();
    let last_ack = srtt / 2.0;
    if host == "linux" {
        let rto0 = ceil_j(srtt + 0.2);
        let pto = ceil_j(2.0 * srtt + 0.002).min(rto0);
        let (mut lo, mut hi) = (last_ack + pto, last_ack + pto + late(pto));
        out.push((lo, hi));
        let mut rto = rto0;
        for _ in 0..n {
            lo += rto;
            hi += rto + late(rto);
            out.push((lo, hi));
            rto = (rto * 2.0).min(120.0);
        }
    } else {
        let mut rto = f64::max(srtt, 1.0);
        let mut at = last_ack;
        for _ in 0..n {
            at += rto;
            out.push((at, at));
            rto = (rto * 2.0).min(60.0);
        }
    }
    out
}

/// Framing arithmetic: many bulk flows over one 10 Gbps MACsec channel deliver exactly the
/// line rate times MSS / (MTU + 42 + 32).
#[test]
fn bulk_flows_fill_a_macsec_channel_to_the_framing_line_rate() {
    for mtu in [1500u32, 8500] {
        let mut q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 20 * GBPS);
        q.channels = 1;
        q.facilities = 1;
        q.mtu = mtu;
        let spec = quad_model(&q, 32, None, 10);
        let (report, _) = run(&spec, 1);
        let expected = 10 * GBPS as u128 * u128::from(mtu - 52) / u128::from(mtu + 42 + 32);
        let got = report.traffic[0].mean_throughput_bps as u128;
        // Within the rounding of 32 flow rates to whole bits per second.
        assert!(expected - got <= 32, "MTU {mtu}: {got} bps, expected {expected}");
    }
}

/// 2 % loss on one channel: BFD at Cloud Router's 1000 ms x 5 needs five consecutive losses
/// (p^5 = 3.2e-9 per packet) and never fires in an hour, while the flows hashed onto that
/// channel are held to the Mathis bound MSS*8/RTT * sqrt(3/2)/sqrt(0.02).
#[test]
fn two_percent_loss_stays_undetected_by_bfd_while_its_flows_drop_to_the_mathis_cap() {
    let q = Quad::gcp_interconnect_9999("gcp", "us-east4", "equinix-dc2", 10 * GBPS);
    let mut spec = quad_model(&q, 64, None, 3600);
    let loss =
        Degradation { loss_ppm: 20_000, burst: 1, extra_delay: SimDuration::ZERO, jitter: SimDuration::ZERO, capacity_ppm: 1_000_000 };
    spec.faults.push(fault("gray", "gcp/ch1", FaultAction::Degrade(loss), 60.0, None));
    for seed in 0..5 {
        let model = Model::build(&spec).expect("valid");
        let mut sim = Simulation::new(model, seed, SimOptions { keep_trace: true, ..SimOptions::default() });
        sim.run_until(SimTime::from_secs(61));
        let mathis = 1388.0 * 8.0 / 0.0015 * (1.5f64).sqrt() / (0.02f64).sqrt();
        let mut capped = 0;
        for f in 0..sim.flow_count() {
            let v = sim.flow(f);
            if (v.rate_bps as f64 - mathis.floor()).abs() <= 1.0 {
                capped += 1;
            }
        }
        assert!(capped >= 8, "seed {seed}: only {capped} flows at the Mathis cap {mathis}");
        sim.run();
        let downs = sim.trace().records().iter().filter(|r| r.kind == TraceKind::SessionDown).count();
        assert_eq!(downs, 0, "seed {seed}: BFD noticed 2 % loss");
        let r = sim.report();
        assert_eq!(r.faults[0].detect_s, None);
        assert!(r.faults[0].lost_bytes > 0, "a gray failure loses bytes");
    }
}

/// Conservation at every fault: what the senders put on the wire is delivered, lost, or
/// still in flight; and the in-flight total equals the sum over flows.
#[test]
fn bytes_are_conserved_at_every_fault() {
    let q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 10 * GBPS);
    let mut spec = quad_model(&q, 64, Some(9 * GBPS), 400);
    let loss = Degradation {
        loss_ppm: 20_000,
        burst: 1,
        extra_delay: SimDuration::from_millis(2),
        jitter: SimDuration::ZERO,
        capacity_ppm: 600_000,
    };
    spec.faults = vec![
        fault("cut", "ash/ch1", FaultAction::Down, 20.0, Some(30.0)),
        fault("bh", "ash/ch2", FaultAction::Blackhole, 60.0, Some(20.0)),
        fault("fac", "ash/fac-b", FaultAction::Down, 100.0, Some(40.0)),
        fault("gray", "ash/ch3", FaultAction::Degrade(loss), 160.0, Some(60.0)),
        fault("flap", "ash/ch4", FaultAction::Flap { period: SimDuration::from_secs(4), up_ppm: 500_000, count: 5 }, 230.0, None),
        fault("drain", "ash/ch1", FaultAction::Drain { wait: SimDuration::from_secs(10) }, 280.0, Some(40.0)),
    ];
    let model = Model::build(&spec).expect("valid");
    let mut sim = Simulation::new(model, 3, SimOptions::default());
    let g = sim_core::model::GroupId(0);
    let mut checks = 0;
    for t in [20.0, 20.5, 21.0, 21.5, 60.0, 61.0, 65.0, 100.0, 101.2, 160.0, 175.0, 230.0, 233.0, 280.0, 295.0, 399.0] {
        sim.run_until(SimTime(SimDuration::from_secs_f64(t).as_nanos()));
        let (sent, delivered, lost, in_flight) = sim.group_ledger_exact(g);
        assert_eq!(sent, delivered + lost + in_flight, "at {t} s");
        assert_eq!(in_flight, sim.group_in_flight_exact(g), "at {t} s");
        checks += 1;
    }
    assert_eq!(checks, 16);
    let r = sim.report();
    assert!(r.faults.iter().all(|f| f.effect.any()), "every fault left evidence");
    let drain = r.faults.iter().find(|f| f.id == "drain").expect("drain");
    assert_eq!(drain.lost_bytes, 0, "a graceful drain loses nothing");
}

/// Same seed, same fingerprint; random faults make two seeds differ.
#[test]
fn determinism_same_seed_same_fingerprint_and_random_faults_differ_by_seed() {
    let q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 10 * GBPS);
    let mut spec = quad_model(&q, 64, Some(6 * GBPS), 3600);
    spec.random_faults.push(RandomFaultSpec {
        id: "chaos".into(),
        class: ElementClass::Channel,
        action: FaultAction::Down,
        mtbf: SimDuration::from_secs(900),
        mttr: SimDuration::from_secs(60),
        max_faults: 0,
    });
    let a = run(&spec, 42).0;
    let b = run(&spec, 42).0;
    let c = run(&spec, 43).0;
    assert_eq!(a, b);
    assert_ne!(a.fingerprint, c.fingerprint);
    assert!(!a.faults.is_empty());
}

/// Hash-modulo-N ECMP remaps most flows when a member leaves (a flow stays only if
/// h mod 4 and h mod 3 pick the same surviving member); a resilient table moves exactly the
/// flows of the member that left (RFC 2992 §4 discusses the disruption of modulo-N).
#[test]
fn modulo_n_rehash_moves_most_flows_while_resilient_hashing_moves_only_the_cut_channels() {
    let q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 10 * GBPS);
    let mut spec = quad_model(&q, 400, Some(4 * GBPS), 30);
    spec.faults.push(fault("cut", "ash/ch4", FaultAction::Down, 10.0, None));
    let (modulo, _) = run(&spec, 1);
    spec.adjacencies[0].resilient_buckets = Some(240);
    let (resilient, sim) = run(&spec, 1);
    // Forward paths only. Modulo N: a flow keeps its link only when h mod 4 = h mod 3 < 3,
    // i.e. h mod 12 in {0, 1, 2}: 3/4 of the 400 flows move (300 expected).
    let moved_modulo = modulo.faults[0].effect.flows_moved;
    // Resilient: only the quarter that was on ch4 moves (100 expected).
    let moved_resilient = resilient.faults[0].effect.flows_moved;
    assert!((255..=345).contains(&moved_modulo), "modulo-N moved {moved_modulo} flows, expected about 300");
    assert!((65..=135).contains(&moved_resilient), "resilient hashing moved {moved_resilient} flows, expected about 100");
    // Every surviving member kept its flows: the moved flows are exactly those that stalled.
    let stalled = sim.trace().records().iter().filter(|r| r.kind == TraceKind::Stall && r.t == SimTime::from_secs(10)).count() as u64;
    assert!(stalled >= moved_resilient, "{stalled} stalled at the cut, {moved_resilient} moved");
}

/// Flows with a byte count: processor sharing on one bottleneck, worked by hand. Two groups
/// of two flows share one channel of goodput C; group A's flows carry 1 GB each, group B's
/// 3 GB. All four run at C/4 until A's finish at t1 = 8e9 / (C/4); then B's two run at C/2
/// with 2 GB left each, finishing at t2 = t1 + 16e9 / (C/2). Every byte arrives.
#[test]
fn finite_flows_finish_when_processor_sharing_says() {
    let mut q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 20 * GBPS);
    q.channels = 1;
    q.facilities = 1;
    let mut a = traffic("a", &[&q.a_site, &q.b_site], 2, None);
    a.bytes_per_flow = Some(1_000_000_000);
    let mut b = traffic("b", &[&q.a_site, &q.b_site], 2, None);
    b.bytes_per_flow = Some(3_000_000_000);
    let spec = ModelSpec {
        links: q.links(),
        adjacencies: vec![q.adjacency()],
        traffic: vec![a, b],
        duration: SimDuration::from_secs(30),
        ..ModelSpec::default()
    };
    let model = Model::build(&spec).expect("valid");
    let c = model.links[0].goodput_bps as f64;
    let mut sim = Simulation::new(model, 1, SimOptions::default());
    sim.run();
    let t1 = 8e9 / (c / 4.0);
    let t2 = t1 + 16e9 / (c / 2.0);
    let done_at = |g: u32| {
        let tl = sim.group_timeline(sim_core::model::GroupId(g));
        tl.iter().find(|p| p.1 == 0 && p.0 > SimTime::ZERO).map(|p| p.0.as_secs_f64()).expect("finished")
    };
    // Integer rates (whole bits per second per flow) shift the finish by at most a few ns.
    assert!((done_at(0) - t1).abs() < 1e-6, "A finished at {} s, expected {t1}", done_at(0));
    assert!((done_at(1) - t2).abs() < 1e-6, "B finished at {} s, expected {t2}", done_at(1));
    let r = sim.report();
    assert_eq!(r.traffic[0].delivered_bytes, 2_000_000_000);
    assert_eq!(r.traffic[1].delivered_bytes, 6_000_000_000);
}

/// Delivered bytes are exactly the area under the throughput timeline (rates are whole bits
/// per second held over whole nanoseconds), through cuts, blackholes and recoveries.
#[test]
fn delivered_bytes_equal_the_area_under_the_throughput_timeline() {
    let q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 10 * GBPS);
    let mut spec = quad_model(&q, 64, Some(7 * GBPS), 200);
    spec.faults = vec![
        fault("cut", "ash/ch1", FaultAction::Down, 20.0, Some(30.0)),
        fault("bh", "ash/ch3", FaultAction::Blackhole, 80.0, Some(50.0)),
    ];
    let model = Model::build(&spec).expect("valid");
    let mut sim = Simulation::new(model, 5, SimOptions::default());
    sim.run();
    let g = sim_core::model::GroupId(0);
    let tl = sim.group_timeline(g).to_vec();
    let end = sim.now();
    let mut area: u128 = 0;
    for (i, p) in tl.iter().enumerate() {
        let next = tl.get(i + 1).map_or(end, |n| n.0);
        area += u128::from(p.1) * u128::from((next - p.0).as_nanos());
    }
    let (_, delivered, _, _) = sim.group_ledger_exact(g);
    assert_eq!(delivered, area);
}

/// The fingerprint identifies the run, not just its trace: a steady run with nothing traced
/// still differs by model and by seed.
#[test]
fn fingerprints_differ_by_model_and_seed_even_when_nothing_happens() {
    let q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 10 * GBPS);
    let a = quad_model(&q, 8, Some(GBPS), 30);
    let mut b = a.clone();
    b.links[0].one_way_delay = SimDuration::from_millis(2);
    let fp = |spec: &ModelSpec, seed| run(spec, seed).0.fingerprint;
    assert_eq!(fp(&a, 1), fp(&a, 1));
    assert_ne!(fp(&a, 1), fp(&b, 1));
    assert_ne!(fp(&a, 1), fp(&a, 2));
}

/// A finite flow that stalls half-way still delivers exactly its byte count: the countdown
/// runs at whatever rate was in force up to each change.
#[test]
fn a_finite_flow_that_stalls_delivers_exactly_its_bytes() {
    let mut link = backbone("aws:us-east-1", "aws:us-west-2", SimDuration::from_millis(10));
    link.id = "wan".into();
    let mut t = traffic("copy", &["aws:us-east-1", "aws:us-west-2"], 1, Some(GBPS));
    t.bytes_per_flow = Some(1_000_000_000);
    let spec = ModelSpec {
        links: vec![link],
        traffic: vec![t],
        faults: vec![fault("bh", "wan", FaultAction::Blackhole, 4.0, Some(1.0))],
        duration: SimDuration::from_secs(30),
        ..ModelSpec::default()
    };
    let (r, _) = run(&spec, 1);
    assert_eq!(r.traffic[0].delivered_bytes, 1_000_000_000);
}

/// Background loss belongs to the link, not to a fault elsewhere: a cut of an idle channel
/// is not credited with the random loss of the busy one.
#[test]
fn background_loss_is_not_credited_to_an_unrelated_fault() {
    let q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 10 * GBPS);
    let mut spec = quad_model(&q, 8, Some(GBPS), 600);
    for l in &mut spec.links {
        l.base_loss_ppm = 1_000;
    }
    spec.links.push({
        let mut other = backbone("aws:us-east-1", "aws:us-west-2", SimDuration::from_millis(70));
        other.id = "other".into();
        other
    });
    spec.faults.push(fault("unrelated", "other", FaultAction::Down, 10.0, Some(1.0)));
    let (r, _) = run(&spec, 1);
    assert_eq!(r.faults[0].lost_bytes, 0, "{:?}", r.faults[0]);
    assert!(r.traffic[0].lost_bytes > 0, "the group does lose bytes to background loss");
}

/// Re-hash on RTO (Linux `sk_rethink_txhash` on every retransmission timeout, tcp-timing §2):
/// with ECMP hashing the flow label, a flow pinned into a silently blackholed member draws a
/// new member at each RTO and leaves it with probability 3/4 per draw, long before routing
/// could react (BFD off: the hold timer needs tens of seconds). Without it every flow on the
/// member stays stalled until routing moves it.
#[test]
fn rehash_on_rto_lets_flows_escape_a_blackholed_member_before_routing_reacts() {
    let mut q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 10 * GBPS);
    if let Some(s) = q.session.as_mut() {
        s.bfd = None;
    }
    for rehash in [true, false] {
        let mut spec = quad_model(&q, 64, Some(4 * GBPS), 120);
        spec.traffic[0].rehash_on_rto = rehash;
        spec.faults.push(fault("bh", "ash/ch2", FaultAction::Blackhole, 30.0, None));
        let (report, sim) = run(&spec, 3);
        let detect = report.faults[0].detect_s.expect("the hold timer finds it");
        assert!(detect > 10.0, "BFD is off: detection {detect} s comes from the hold timer");
        let t0 = SimTime::from_secs(30);
        let resumed_before_detection =
            sim.trace().records().iter().filter(|r| r.kind == TraceKind::Resume && r.t >= t0 && (r.t - t0).as_secs_f64() < detect).count();
        let stalled = report.traffic[0].stalls.count as usize;
        assert!(stalled > 0);
        if rehash {
            // Each of the ~stalled flows needs k draws with P(k) = (1/4)^(k-1)·3/4 (either
            // direction may land on the dead member again): all are out within a few RTOs.
            assert_eq!(resumed_before_detection, stalled, "every stalled flow re-hashed out before detection");
        } else {
            assert_eq!(resumed_before_detection, 0, "without rehash no flow leaves before routing reacts");
        }
    }
}
