//! Packet fidelity (smoltcp endpoints, packets hop by hop) cross-checked against references
//! and against the fluid model.

use sim_core::presets::{Quad, traffic};
use sim_core::spec::*;
use sim_core::workloads::packet_clean_path;
use sim_core::*;

fn run(spec: &ModelSpec, seed: u64) -> Report {
    let mut sim = Simulation::new(Model::build(spec).expect("valid"), seed, SimOptions::default());
    sim.run();
    sim.report()
}

/// 1 Gbps x 10 ms, buffers sized to BDP + queue: smoltcp's goodput reaches at least 95 % of
/// the line rate after Ethernet framing (MSS 1460 of 1542 wire bytes per packet), and the
/// fluid model (MSS 1448 with timestamps) agrees within 10 %.
#[test]
fn clean_1gbps_10ms_path_reaches_line_rate_and_agrees_with_the_fluid_model() {
    let packet = run(&packet_clean_path(Fidelity::Packet, 10), 1);
    let fluid = run(&packet_clean_path(Fidelity::Fluid, 10), 1);
    let line = 1e9 * 1460.0 / 1542.0;
    let p = packet.traffic[0].mean_throughput_bps as f64;
    let f = fluid.traffic[0].mean_throughput_bps as f64;
    assert!(p >= 0.95 * line, "packet goodput {p} < 95 % of {line}");
    assert!((p - f).abs() <= 0.10 * f, "packet {p} vs fluid {f}");
    assert_eq!(packet.traffic[0].tcp_model, "smoltcp-0.14/cubic");
    assert_eq!(fluid.traffic[0].tcp_model, "fluid/linux");
    let stats = packet.traffic[0].packet.as_ref().expect("packet stats");
    assert_eq!(stats.drops, 0, "buffers sized to BDP + queue never overflow the queue");
    // The RTT seen on the wire is the 10 ms path plus at most the 1 MiB queue at 1 Gbps.
    let rtt = stats.rtt_p50_s.expect("rtt samples");
    assert!((0.010..0.010 + 8.0 * 1_048_576.0 / 1e9 + 0.001).contains(&rtt), "rtt {rtt}");
    assert!(packet.packet_hops > 1_000_000);
}

/// Padhye et al. (SIGCOMM 1998) throughput with timeouts, in bits per second: the lower
/// edge of the band. b = 2 packets per ACK (delayed ACKs), T0 = smoltcp's 1 s minimum RTO.
fn pftk(mss: f64, rtt: f64, p: f64) -> f64 {
    let b = 2.0;
    let t0 = 1.0;
    let denom = rtt * (2.0 * b * p / 3.0).sqrt() + t0 * (3.0 * (3.0 * b * p / 8.0).sqrt()).min(1.0) * p * (1.0 + 32.0 * p * p);
    mss * 8.0 / denom
}

/// Mathis et al. (1997): MSS/RTT * sqrt(3/2)/sqrt(p), the upper edge (no timeouts, one
/// packet per ACK).
fn mathis(mss: f64, rtt: f64, p: f64) -> f64 {
    mss * 8.0 / rtt * 1.5f64.sqrt() / p.sqrt()
}

/// Random loss: smoltcp (no SACK recovery, 1 s minimum RTO) lands between the timeout-aware
/// PFTK estimate and the Mathis bound. The band: [0.8 x PFTK, 1.2 x Mathis].
#[test]
fn random_loss_goodput_falls_in_the_band_the_mathis_and_pftk_models_predict() {
    for (loss_ppm, label) in [(1_000u32, "0.1%"), (10_000, "1%")] {
        let mut spec = packet_clean_path(Fidelity::Packet, 60);
        spec.links[0].base_loss_ppm = loss_ppm;
        let r = run(&spec, 3);
        let p = f64::from(loss_ppm) / 1e6;
        let got = r.traffic[0].mean_throughput_bps as f64;
        let (lo, hi) = (0.8 * pftk(1460.0, 0.010, p), 1.2 * mathis(1460.0, 0.010, p));
        eprintln!("loss {label}: {:.1} Mbps in [{:.1}, {:.1}]", got / 1e6, lo / 1e6, hi / 1e6);
        assert!(got >= lo && got <= hi, "{label}: {:.1} Mbps outside [{:.1}, {:.1}]", got / 1e6, lo / 1e6, hi / 1e6);
        assert!(r.traffic[0].packet.as_ref().is_some_and(|s| s.retransmissions > 0));
    }
}

fn blackhole_model(fidelity: Fidelity, tcp: TcpSpec) -> ModelSpec {
    let q = Quad::aws_dx_max_resiliency("dx", "us-east-1", "equinix-dc2", 10_000_000_000);
    let mut t = traffic("app", &[&q.a_site, &q.b_site], 8, Some(800_000_000));
    t.fidelity = fidelity;
    t.tcp = tcp;
    ModelSpec {
        links: q.links(),
        adjacencies: vec![q.adjacency()],
        traffic: vec![t],
        faults: vec![FaultSpec {
            id: "bh".into(),
            target: "dx/ch2".into(),
            action: FaultAction::Blackhole,
            trigger: Trigger::At(SimTime::from_secs(5)),
            duration: None,
        }],
        duration: SimDuration::from_secs(20),
        ..ModelSpec::default()
    }
}

/// A silent blackhole found by BFD: the packet model (smoltcp, an RFC 6298 host in its timers,
/// tcp-timing §4) agrees with the fluid model given the `smoltcp` or the `rfc6298` profile
/// (1 s minimum RTO, no probe) within one RTT plus one RTO step, and its report says whose
/// timing it shows.
#[test]
fn silent_blackhole_recovery_agrees_between_packet_and_fluid_rfc6298_hosts() {
    for (seed, host) in [(1, TcpSpec::SMOLTCP), (2, TcpSpec::SMOLTCP), (3, TcpSpec::SMOLTCP), (1, TcpSpec::RFC6298), (2, TcpSpec::RFC6298)]
    {
        let packet = run(&blackhole_model(Fidelity::Packet, TcpSpec::SMOLTCP), seed);
        let fluid = run(&blackhole_model(Fidelity::Fluid, host), seed);
        assert_eq!(packet.traffic[0].tcp_host, "rfc6298");
        assert_eq!(fluid.traffic[0].tcp_host, host.profile.name());
        let (pf, ff) = (&packet.faults[0], &fluid.faults[0]);
        assert_eq!(pf.detect_s, ff.detect_s, "detection is the control plane's, identical in both");
        let (pr, fr) = (pf.recover_s.expect("packet recovered"), ff.recover_s.expect("fluid recovered"));
        let rtt = 0.0015;
        let rto_step = 2.0; // the second smoltcp backoff interval (1 s, then 2 s)
        eprintln!("seed {seed}: detect {:?} recover packet {pr} fluid {fr}", pf.detect_s);
        assert!((pr - fr).abs() <= rtt + rto_step, "seed {seed}: packet {pr} s vs fluid {fr} s");
        assert!(pf.lost_bytes > 0);
    }
}

#[test]
fn packet_runs_are_deterministic_and_seed_dependent() {
    let mut spec = packet_clean_path(Fidelity::Packet, 5);
    spec.links[0].base_loss_ppm = 1_000;
    let a = run(&spec, 11);
    let b = run(&spec, 11);
    let c = run(&spec, 12);
    assert_eq!(a, b);
    assert_ne!(a.fingerprint, c.fingerprint, "loss draws depend on the seed");
}

/// A capacity degrade to nothing and back: the wire's queue, timed at the old rate, is
/// dropped and the flow resumes once the line returns.
#[test]
fn a_line_that_loses_all_capacity_for_a_second_recovers() {
    let mut spec = packet_clean_path(Fidelity::Packet, 20);
    spec.traffic[0].demand_bps = Some(50_000_000);
    let none = Degradation { loss_ppm: 0, burst: 1, extra_delay: SimDuration::ZERO, jitter: SimDuration::ZERO, capacity_ppm: 0 };
    spec.faults.push(FaultSpec {
        id: "starve".into(),
        target: "wan".into(),
        action: FaultAction::Degrade(none),
        trigger: Trigger::At(SimTime::from_secs(3)),
        duration: Some(SimDuration::from_secs(1)),
    });
    let r = run(&spec, 1);
    // 50 Mbps for about 19 of 20 s is about 119 MB; a stuck wire would stop at about 19 MB.
    assert!(r.traffic[0].delivered_bytes > 100_000_000, "{}", r.traffic[0].delivered_bytes);
}
