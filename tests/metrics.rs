//! End-to-end regression tests of the failover metrics (issue 8): each case in
//! `tests/fixtures/metrics/` (copied unchanged from `shared/cases/metrics/`) is run through the
//! real `faultline` binary and its numbers are held to the value that is TRUE for the scenario,
//! derived from first principles in each test's doc comment, never to what the program printed.
//!
//! The definitions (issue 8, "The metrics, defined"):
//! - a flow is *disrupted* by a fault when the fault stalls it (data or ACK path) or lowers its rate;
//! - *detect*: fault start to the first session down it caused; *converge*: to the last forwarding
//!   change it caused, including one decided while it was in force and applied after its repair;
//! - *recover*: to the moment every flow it disrupted is back to 95 % of the rate the surviving
//!   network allows it (or its pre-fault rate) and stays there 1 s; never before they resumed;
//! - *blackhole*: how long forwarding pointed into a link that dropped everything because of it;
//! - *lost*: bytes lost on the wire because of it; faults' losses + background = group total;
//! - per group: RTO per disruption episode (worst), stalls however they end, RPO only when a
//!   replication group's source is lost.
//!
//! Every fixture uses the `aws-gcp-managed` template between a same-metro pair, so the same
//! first-principles constants apply to all of them (see the `model` module below).
//!
//! Failures are collected per test and reported together, so one run shows every wrong number.

mod common;

use common::{Checks, faultline, root, run_json};

use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// The numbers every derivation starts from.
// ---------------------------------------------------------------------------------------------

/// First-principles constants of the `aws-gcp-managed` template and Linux TCP, each with its
/// source. None of them is read from the program's output.
mod model {
    /// Round-trip time of a flow between the two regions of a same-metro managed pair:
    /// 2 × 625 µs on the channel (`presets::SAME_METRO_ONE_WAY`, interconnect-facts §4.3, §7.5:
    /// 1.5 ms VM-to-VM less 0.25 ms inside the two sites) + 0.25 ms inside the sites = 1.5 ms.
    /// (interconnect-facts §6.5's nominal schedule for it, "0.20, 0.60, 1.41, 3.02 …", is the
    /// one tcp-timing.md §1 shows wrong by 14–33 %; the schedule below follows its mechanisms.)
    pub const RTT: f64 = 0.0015;
    /// MSS of the template's path: MTU 1460 less 52 B of IP, TCP and timestamps.
    pub const MSS: f64 = 1408.0;
    /// Linux rto_min (`tcp_rto_min_us`, tcp-timing.md §1 mechanism 1): 200 ms.
    pub const RTO_MIN: f64 = 0.200;
    /// Linux rto_max (`tcp_rto_max_ms`, tcp-timing.md §1 mechanism 3): 120 s.
    pub const RTO_MAX: f64 = 120.0;
    /// One jiffy at HZ = 250 (tcp-timing.md §1): every Linux TCP timeout is whole jiffies.
    pub const JIFFY: f64 = 0.004;
    /// The tail loss probe's floor over 2·srtt with more than one segment in flight: 2 ms
    /// (tcp-timing.md §1 mechanism 2, `tcp_schedule_loss_probe`), added before the conversion
    /// to jiffies.
    pub const TLP_FLOOR: f64 = 0.002;
    /// CUBIC's multiplicative decrease β (RFC 9438 §4.6; Linux 717/1024; tcp-timing.md §1
    /// mechanism 5: ssthresh = 0.7 × the window at the stall) and scaling constant C (§5.1).
    pub const CUBIC_BETA: f64 = 0.7;
    pub const CUBIC_C: f64 = 0.4;
    /// CUBIC's Reno-friendly growth, α = 3(1 − β)/(1 + β) = 0.53 segment per RTT (RFC 9438
    /// §4.3; Linux byte-counts ACKs, RFC 3465, so delayed ACKs do not halve it).
    pub const RENO_FRIENDLY: f64 = 3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA);
    /// The standing queue a loss-based sender's srtt includes (tcp-timing.md §1 mechanism 1):
    /// at a saturated drop-tail bottleneck CUBIC keeps the queue ~80 % full; a channel's queue
    /// defaults to one BDP of its own round trip (2 × 0.625 ms × 5 Gbps line rate = 781 kB),
    /// drained at its 4.589 Gbps goodput (5 Gbps × 1408 / 1534 B per frame with MACsec
    /// framing): 0.8 × 6.25 Mbit / 4.589 Gbps = 1.09 ms. None where flows are demand-limited:
    /// nothing queues behind a link that is not full.
    pub const fn standing_queue(saturated: bool) -> f64 {
        if saturated { 0.8 * 2.0 * 0.000_625 * 5e9 / (5e9 * MSS / 1534.0) } else { 0.0 }
    }
    /// srtt at every stall of these fixtures: the path's 1.5 ms and no standing queue. Every
    /// fixture's flows are demand-limited when they stall: 64 × 93.75 Mbps (or 16 × 62.5 /
    /// 250 Mbps) on channels of 4.589 Gbps, which a group of 93.75 Mbps flows saturates only
    /// with ≥ 49 of them on one channel; even on two surviving channels ECMP puts 32 ± 4 there.
    pub const SRTT: f64 = RTT + standing_queue(false);
    /// Convergence delay from a session change to the FIB change, each side (README, presets
    /// `[ASSUMPTION]`): 1 s.
    pub const CONVERGENCE: f64 = 1.0;
    /// Time for a session to re-establish after carrier returns (ARCHITECTURE "Control plane",
    /// `establish`, assumed): 1 s.
    pub const ESTABLISH: f64 = 1.0;
    /// Local repair: on carrier loss (a cut, a facility or router down) each side's routers drop
    /// the link from forwarding after 50 ms, not after the convergence delay
    /// (`AdjacencySpec::DEFAULT_LOCAL_REPAIR`: Juniper's bound for local repair onto a
    /// pre-installed alternate; README "converge"). BGP's own change a convergence delay later
    /// then changes nothing more, so a cut's converge and blackhole are this.
    pub const LOCAL_REPAIR: f64 = 0.050;
    /// When the flows of a link that lost carrier (a cut, a facility's power) have a working
    /// path again, after the carrier went: the sessions go down at once and forwarding moves
    /// off the link by local repair (README "converge"), 50 ms. Every derivation below takes
    /// the time a path works again from here and from `RETURN`.
    pub const CARRIER_REROUTE: f64 = LOCAL_REPAIR;
    /// When forwarding uses a repaired link again, after its repair (when no other path
    /// exists): the session re-establishes, then the FIBs converge: 2 s.
    pub const RETURN: f64 = ESTABLISH + CONVERGENCE;
    /// BFD on the template: AWS 300 ms × 3, Cloud Router 1000 ms × 5. RFC 5880 §6.8.2: the
    /// interval of each direction is the slower of the sender's DesiredMinTxInterval and the
    /// receiver's RequiredMinRxInterval, so 1 s both ways. §6.8.4: the detection time at a side is
    /// the REMOTE side's Detect Mult × that interval: at GCP 3 × 1 s = 3 s, at AWS 5 × 1 s = 5 s.
    /// §6.8.7: every transmission interval is jittered to 75–100 % of the interval, so the last
    /// packet before a silent failure arrived less than one interval before it: the GCP side
    /// times out (2, 3] s after the failure, the AWS side (4, 5] s after it.
    pub const BFD_INTERVAL: f64 = 1.0;
    pub const BFD_DETECT_AT_GCP: f64 = 3.0;
    pub const BFD_DETECT_AT_AWS: f64 = 5.0;
    /// A blackhole is therefore first noticed within (2, 3] s …
    pub const BFD_FIRST_DOWN: (f64, f64) = (BFD_DETECT_AT_GCP - BFD_INTERVAL, BFD_DETECT_AT_GCP);
    /// … and the last side's FIB stops pointing into it within (5, 6] s.
    pub const BFD_LAST_FIB: (f64, f64) = (BFD_DETECT_AT_AWS - BFD_INTERVAL + CONVERGENCE, BFD_DETECT_AT_AWS + CONVERGENCE);
    /// BGP without BFD: hold negotiated to the lower of 90 s (AWS) and 60 s (Cloud Router)
    /// (RFC 4271 §4.2), keepalives every min(own, hold/3) = 20 s jittered to 75–100 % (§10).
    /// The hold timer cannot expire sooner than 60 − 20 = 40 s after a silent failure.
    pub const BGP_EARLIEST_HOLD_EXPIRY: f64 = 60.0 - 20.0;
    /// Regrowth that follows no retransmission timeout (after one, see `after_resume`): a new
    /// connection's handshake and initial window (1 RTT each; RFC 6928's 10 segments already
    /// exceed a 62.5 or 93.75 Mbps flow's 8.3 or 12.5), or a window held to the Mathis bound
    /// (8.7 segments at 2 %) growing back to 95 % of 12.5 segments in CUBIC's Reno-friendly
    /// region (6 RTT ≈ 9 ms). A margin of 25 ms covers both.
    pub const RAMP: f64 = 0.025;
    /// A flow's data and its ACKs are hashed independently onto the ECMP members (ARCHITECTURE
    /// "Forwarding"; README: "a flow stalls if either its data or its ACKs hashed onto a lost
    /// channel"). Losing k of 4 members stalls 1 − ((4 − k)/4)² of the flows: 7/16 (28 of 64) for
    /// one channel, 3/4 (48 of 64) for two. The hash is fixed, not random, but a spread more than
    /// two binomial standard deviations (√(64·p·(1−p)) ≈ 4.0 and 3.5) from that is a broken hash
    /// or a missing ACK path.
    pub fn stalled_flows(lost_members: u32) -> (f64, f64) {
        let p = 1.0 - ((4.0 - f64::from(lost_members)) / 4.0_f64).powi(2);
        let (mean, sd) = (64.0 * p, (64.0 * p * (1.0 - p)).sqrt());
        ((mean - 2.0 * sd).floor(), (mean + 2.0 * sd).ceil())
    }
    /// Mathis bound for the 1408 B MSS (MTU 1460 less 52 B of IP, TCP and timestamps) at RTT
    /// 1.5 ms and p = 2 %: MSS·8/RTT · √(3/2)/√p = 65.0 Mbps (interconnect-facts §6.3; the
    /// gray-loss-2pct header: "about 65 Mbps per flow").
    pub fn mathis_bps(loss: f64) -> f64 {
        1408.0 * 8.0 / RTT * 1.5f64.sqrt() / loss.sqrt()
    }
    /// Times that are fixed instants of the scenario (a scripted repair, a convergence delay)
    /// are asserted to within 2 ms: one-way propagation (0.625 ms) plus rounding.
    pub const EPS: f64 = 0.002;

    // The Linux stall schedule (tcp-timing.md §1, mechanisms 1–5), in seconds after the path
    // broke. tcp-timing's table was measured on a 10 ms path; these derivations apply its
    // mechanisms to the template's 1.5 ms one.

    /// A timeout in whole jiffies, rounded up (`usecs_to_jiffies`).
    pub fn jiffies(t: f64) -> f64 {
        (t / JIFFY - 1e-9).ceil() * JIFFY
    }

    /// How late the timer wheel may run a timeout (tcp-timing.md §1 mechanism 4): it never fires
    /// early and fires at the next boundary of its level, so up to 4 ms late under 63 jiffies
    /// (252 ms), 32 ms under 504 (2.016 s), 256 ms under 4032 (16.128 s), 2.048 s beyond (up to
    /// 129 s, past rto_max). Where in that band depends on the boundaries' phase, a per-host
    /// phase drawn from the seed: the derivations take the whole band.
    pub fn wheel_lateness(timeout: f64) -> f64 {
        let jiffies = (timeout / JIFFY).round();
        let g = if jiffies < 63.0 {
            1.0
        } else if jiffies < 504.0 {
            8.0
        } else if jiffies < 4032.0 {
            64.0
        } else {
            512.0
        };
        g * JIFFY
    }

    /// A transmission of a stalled flow: the tail loss probe, or RTO k (1-based).
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub enum Tx {
        Probe,
        Rto(u32),
    }

    /// One transmission of the schedule and the band it is sent in, `(lo, hi]` seconds after
    /// the path broke.
    #[derive(Clone, Copy, Debug)]
    pub struct Sent {
        pub tx: Tx,
        pub lo: f64,
        pub hi: f64,
    }

    /// What a Linux sender with `srtt` sends into a path that broke at 0 (RTT `RTT`):
    /// - its clock starts at the last ACK, half the path's RTT after the break (§1: ACKs already
    ///   on the wire still arrive; mechanism 6);
    /// - the tail loss probe (mechanism 2) after PTO = 2·srtt + 2 ms in whole jiffies, capped at
    ///   the RTO: 2 × 1.5 + 2 = 5 ms → 8 ms;
    /// - RTO = srtt + max(4·rttvar, rto_min) in whole jiffies (mechanism 1; the template's
    ///   paths do not jitter, so 4·rttvar < 200 ms): 201.5 ms → 204 ms, re-armed from the probe;
    /// - each RTO after it waits twice the last, at most rto_max (mechanism 3): 408, 816, …,
    ///   104.448 s, then 120 s;
    /// - each timer fires up to its wheel lateness later (mechanism 4).
    ///
    /// At srtt = 1.5 ms: probe (8.75, 12.75] ms, RTO 1 (212.75, 220.75] ms, RTO 2 (0.621,
    /// 0.661] s, RTO 3 (1.437, 1.509] s, RTO 4 (3.069, 3.173] s, RTO 5 (6.333, 6.693] s, RTO 6
    /// (12.861, 13.477] s, RTO 7 (25.917, 26.789] s, RTO 8 (52.029, 54.949] s, …, RTO 11
    /// (328.701, 337.765] s.
    pub fn schedule(srtt: f64) -> Vec<Sent> {
        let rto = jiffies(srtt + RTO_MIN);
        let pto = jiffies(2.0 * srtt + TLP_FLOOR).min(rto);
        let last_ack = RTT / 2.0;
        let mut out = vec![Sent { tx: Tx::Probe, lo: last_ack + pto, hi: last_ack + pto + wheel_lateness(pto) }];
        let (mut lo, mut hi) = (out[0].lo, out[0].hi);
        for k in 1..=16 {
            let wait = (rto * f64::from(1u32 << (k - 1))).min(RTO_MAX);
            lo += wait;
            hi += wait + wheel_lateness(wait);
            out.push(Sent { tx: Tx::Rto(k), lo, hi });
        }
        out
    }

    /// When a flow whose path broke at 0 and works again at `back` resumes: at its first
    /// transmission sent at or after `back`. `(lo, hi)` is where that can be; `first` and
    /// `last` the earliest and latest transmission it can be (two when `back` falls inside a
    /// transmission's band).
    #[derive(Clone, Copy, Debug)]
    pub struct Resume {
        pub lo: f64,
        pub hi: f64,
        pub first: Tx,
        pub last: Tx,
    }

    pub fn resume(back: f64) -> Resume {
        let s = schedule(SRTT);
        let first = s.iter().find(|x| x.hi >= back).expect("a transmission after the path is back");
        let last = s.iter().find(|x| x.lo >= back).expect("a transmission after the path is back");
        Resume { lo: first.lo.max(back), hi: last.hi, first: first.tx, last: last.tx }
    }

    /// Segments of a window that carries `bps` of goodput over the 1.5 ms RTT: a
    /// demand-limited flow's window at its stall (93.75 Mbps: 12.48 segments).
    pub fn segments(bps: f64) -> f64 {
        bps * RTT / 8.0 / MSS
    }

    /// From the transmission `tx` that gets through to the moment the flow's window is back at
    /// `target` segments, for a window of `w` segments at the stall (tcp-timing.md §1
    /// mechanism 5): `(lo, nominal, hi)` seconds.
    /// - Repair: after an RTO, ~3 RTT of F-RTO + SACK repair before in-order data (measured);
    ///   taken as 2–4 RTT. After the probe, its ACK starts SACK recovery at once (RFC 8985
    ///   §7.3): the hole's retransmission arrives ~1.5 RTT after the probe; 1–2.5 RTT.
    /// - Slow start (after an RTO only): from one segment, doubling per RTT (RFC 5681 §3.1), up
    ///   to ssthresh = β·w: log2(β·w) RTT, whole round trips on either side of it.
    /// - Then CUBIC from ssthresh towards W_max = w (RFC 9438): the faster of the cubic curve,
    ///   W(t) = C(t − K)³ + w with K = ∛((w − β·w)/C), and the Reno-friendly estimate, α
    ///   segments per RTT. At 1.5 ms the cubic curve is flat (K ≈ 2 s for 12.5 segments), so
    ///   the Reno-friendly one decides: 93.75 Mbps flows go from 8.74 to 11.86 segments (95 %)
    ///   in 5.9 RTT. `hi` waits for one more segment: a window is a whole number of segments.
    ///
    /// For 93.75 Mbps flows after an RTO: 16.3, 18.0, 23.7 ms.
    pub fn after_resume(tx: Tx, w: f64, target: f64) -> (f64, f64, f64) {
        let ssthresh = (CUBIC_BETA * w).max(2.0);
        let ((r_lo, r_nom, r_hi), start) = match tx {
            Tx::Probe => ((1.0, 1.5, 2.5), ssthresh),
            Tx::Rto(_) => ((2.0, 3.0, 4.0), 1.0),
        };
        let ss_to = ssthresh.min(target);
        let ss = if ss_to > start { (ss_to / start).log2() } else { 0.0 };
        let (ss_lo, ss_hi) = (((ss - 1e-9).ceil() - 1.0).max(0.0), (ss - 1e-9).ceil().max(0.0));
        let avoid = |goal: f64| -> f64 {
            if goal <= ssthresh {
                return 0.0;
            }
            let reno = (goal - ssthresh) / RENO_FRIENDLY * RTT;
            let k = ((w - ssthresh) / CUBIC_C).cbrt();
            let cubic = (k + ((goal - w) / CUBIC_C).cbrt()).max(0.0);
            reno.min(cubic)
        };
        let (ca, ca_hi) = (avoid(target), avoid(target + 1.0));
        ((r_lo + ss_lo) * RTT + ca, (r_nom + ss) * RTT + ca, (r_hi + ss_hi) * RTT + ca_hi)
    }

    /// The recover of a fault whose disrupted flows, each carrying `flow_bps` before it (their
    /// demand, which the surviving network allows them again), broke at 0 and have a working
    /// path again at `back`: from their resume (`resume`) to 95 % of their rate
    /// (`after_resume`), reported at the start of the 1 s hold.
    pub fn recover_window_for(back: f64, flow_bps: f64) -> (f64, f64) {
        let r = resume(back);
        let w = segments(flow_bps);
        let (a, b) = (after_resume(r.first, w, 0.95 * w), after_resume(r.last, w, 0.95 * w));
        (r.lo + a.0.min(b.0), r.hi + a.2.max(b.2))
    }

    /// Every fixture's `app` group: 64 flows sharing 6 Gbps, 93.75 Mbps each.
    pub const APP_FLOW_BPS: f64 = 6e9 / 64.0;

    /// `recover_window_for` the 93.75 Mbps flows of a 64 × 6 Gbps group.
    pub fn recover_window(back: f64) -> (f64, f64) {
        recover_window_for(back, APP_FLOW_BPS)
    }

    /// The group's RTO episode when at least `stalled_min` of its `flows` equal flows stall
    /// together and have a working path again at `back` (the rest keep their rate): it ends when
    /// the stalled ones carry enough to lift the group to 95 %, 1 − 0.05 · flows / stalled of
    /// their rate (they share one host's timer phase, so they resume at the same transmission),
    /// and no later than the fault's recover.
    pub fn group_rto_window(back: f64, flow_bps: f64, flows: f64, stalled_min: f64) -> (f64, f64) {
        let (r, w) = (resume(back), segments(flow_bps));
        let share = 1.0 - 0.05 * flows / stalled_min.max(1.0);
        let early = after_resume(r.first, w, share * w).0;
        (r.lo + early, recover_window_for(back, flow_bps).1)
    }
}

use model::*;

/// The derivations' own arithmetic against the numbers their doc comments quote (so a slip in
/// either shows here, independent of the program).
#[test]
fn derivation_arithmetic_matches_the_doc_comments() {
    let close = |a: f64, b: f64| (a - b).abs() < 0.0005;
    let s = schedule(SRTT);
    let quoted = [
        (Tx::Probe, 0.00875, 0.01275),
        (Tx::Rto(1), 0.21275, 0.22075),
        (Tx::Rto(2), 0.621, 0.661),
        (Tx::Rto(3), 1.437, 1.509),
        (Tx::Rto(4), 3.069, 3.173),
        (Tx::Rto(5), 6.333, 6.693),
        (Tx::Rto(6), 12.861, 13.477),
        (Tx::Rto(7), 25.917, 26.789),
        (Tx::Rto(8), 52.029, 54.949),
        (Tx::Rto(10), 208.701, 215.717),
        (Tx::Rto(11), 328.701, 337.765),
    ];
    for (tx, lo, hi) in quoted {
        let x = s.iter().find(|x| x.tx == tx).expect("in the schedule");
        assert!(close(x.lo, lo) && close(x.hi, hi), "{tx:?}: {x:?}, quoted ({lo}, {hi}]");
    }
    let w = segments(APP_FLOW_BPS);
    assert!((w - 12.48).abs() < 0.01, "{w}");
    let a = after_resume(Tx::Rto(3), w, 0.95 * w);
    assert!(close(a.0, 0.0163) && close(a.1, 0.0180) && close(a.2, 0.0237), "after an RTO: {a:?}");
    let a = after_resume(Tx::Rto(6), segments(1e9 / 16.0), 0.95 * segments(1e9 / 16.0));
    assert!(close(a.0, 0.0119) && close(a.2, 0.0192), "62.5 Mbps after an RTO: {a:?}");
    for (back, lo, hi) in [
        (0.5, 0.637, 0.684),
        (1.0, 1.453, 1.532),
        (2.0, 3.085, 3.196),
        (5.0, 6.349, 6.716),
        (6.0, 6.349, 6.716),
        (30.0, 52.045, 54.972),
        (32.0, 52.045, 54.972),
        (302.0, 328.717, 337.788),
    ] {
        let (l, h) = recover_window(back);
        assert!(close(l, lo) && close(h, hi), "back at {back} s: recover ({l}, {h}], quoted ({lo}, {hi}]");
    }
    assert!(close(recover_window(1.5).1, 3.196), "flows rehashed onto ch3: {:?}", recover_window(1.5));
    let (l, h) = recover_window_for(7.0, 1e9 / 16.0);
    assert!(close(l, 12.873) && close(h, 13.496), "rpo-backlog: ({l}, {h}]");
    let (l, h) = group_rto_window(2.0, APP_FLOW_BPS, 64.0, stalled_flows(1).0);
    assert!(close(l, 3.081) && close(h, 3.196), "bh-short group RTO: ({l}, {h}]");
    assert!((standing_queue(true) - 0.00109).abs() < 0.00001, "{}", standing_queue(true));
}

// ---------------------------------------------------------------------------------------------
// Running the binary and reading its JSON defensively.
// ---------------------------------------------------------------------------------------------

fn fixture(name: &str) -> String {
    format!("tests/fixtures/metrics/{name}.toml")
}

/// One `faultline run FILE --json` and what it said.
struct Run {
    name: String,
    code: Option<i32>,
    v: Value,
}

fn run_path(path: &str, extra: &[&str]) -> Run {
    let (code, v) = run_json(path, extra);
    Run { name: path.to_string(), code, v }
}

fn run(name: &str) -> Run {
    run_path(&fixture(name), &[])
}

/// The first of `keys` present in `v` (new names the fix may introduce come after the existing
/// one, e.g. `["rto_s", "rto_worst_s"]`).
fn get<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| v.get(*k))
}

/// A number under one of `keys`: `None` when absent or null.
fn num(v: &Value, keys: &[&str]) -> Option<f64> {
    get(v, keys).and_then(Value::as_f64)
}

impl Run {
    fn fault(&self, id: &str) -> &Value {
        self.v["faults"]
            .as_array()
            .and_then(|fs| fs.iter().find(|f| f["id"] == id))
            .unwrap_or_else(|| panic!("{}: no fault `{id}` in {}", self.name, self.v["faults"]))
    }

    fn group(&self, id: &str) -> &Value {
        self.v["traffic"]
            .as_array()
            .and_then(|gs| gs.iter().find(|g| g["id"] == id))
            .unwrap_or_else(|| panic!("{}: no traffic group `{id}` in {}", self.name, self.v["traffic"]))
    }

    /// Whether expectation `name` passed; `None` when the run did not judge it.
    fn expectation(&self, name: &str) -> Option<bool> {
        self.v["expectations"].as_array()?.iter().find(|e| e["name"] == name).and_then(|e| e["pass"].as_bool())
    }

    fn lost_sum(&self, list: &str) -> i128 {
        self.v[list].as_array().map(|xs| xs.iter().map(|x| i128::from(x["lost_bytes"].as_u64().unwrap_or(0))).sum()).unwrap_or(0)
    }

    fn fault_count(&self) -> usize {
        self.v["faults"].as_array().map_or(0, Vec::len)
    }
}

/// This file's checks on top of the shared ones (`common::Checks`).
impl Checks {
    /// `got` must be a number in `[lo, hi]`.
    fn within(&mut self, what: &str, got: Option<f64>, (lo, hi): (f64, f64), why: &str) {
        match got {
            Some(x) if x >= lo && x <= hi => {}
            Some(x) => self.failures.push(format!("{what} = {x}, true value in [{lo:.4}, {hi:.4}]: {why}")),
            None => self.failures.push(format!("{what} is null/missing, true value in [{lo:.4}, {hi:.4}]: {why}")),
        }
    }

    /// `got` must be null or absent.
    fn null(&mut self, what: &str, got: Option<&Value>, why: &str) {
        if let Some(v) = got
            && !v.is_null()
        {
            self.failures.push(format!("{what} = {v}, true value: null: {why}"));
        }
    }

    fn exit(&mut self, r: &Run, want: i32, why: &str) {
        if r.code != Some(want) {
            self.failures.push(format!("exit code {:?} (verdict {}), true: {want}: {why}", r.code, r.v["verdict"]));
        }
    }

    fn expectation(&mut self, r: &Run, name: &str, want: bool, why: &str) {
        match r.expectation(name) {
            Some(p) if p == want => {}
            got => self.failures.push(format!("expectation `{name}` pass = {got:?}, true: {want}: {why}")),
        }
    }

    /// If the report says how a fault recovered (a key the fix adds), it must say `want`.
    fn recovered_by(&mut self, fault: &Value, want: &str) {
        if let Some(s) = get(fault, &["recovered_by", "recovery", "recover_by", "recovered_via"]).and_then(Value::as_str) {
            self.that(
                s.to_ascii_lowercase().contains(want),
                format!("fault `{}` recovered by `{s}`, true: by {want}", fault["id"].as_str().unwrap_or("?")),
            );
        }
    }

    /// The faults' losses plus background loss equal the groups' total (issue 8). No fixture sets
    /// a `loss` key and the template's background loss is 0 (presets `base_loss_ppm: 0`), so
    /// background is 0; one byte per fault is allowed for rounding bits to bytes.
    fn loss_adds_up(&mut self, r: &Run) {
        let (faults, groups) = (r.lost_sum("faults"), r.lost_sum("traffic"));
        let slack = r.fault_count().max(1) as i128;
        self.that(
            (groups - faults).abs() <= slack,
            format!("faults lost {faults} B in sum but the groups lost {groups} B with no background loss"),
        );
    }
}

fn detect(f: &Value) -> Option<f64> {
    num(f, &["detect_s"])
}
fn converge(f: &Value) -> Option<f64> {
    num(f, &["converge_s"])
}
fn recover(f: &Value) -> Option<f64> {
    num(f, &["recover_s"])
}
fn blackhole(f: &Value) -> Option<f64> {
    num(f, &["blackhole_s"])
}
fn lost(v: &Value) -> Option<f64> {
    num(v, &["lost_bytes"])
}
fn rto(g: &Value) -> Option<f64> {
    num(g, &["rto_s", "rto_worst_s"])
}
fn rpo(g: &Value) -> Option<f64> {
    num(g, &["rpo_s"])
}
fn about(x: f64) -> (f64, f64) {
    (x - EPS, x + EPS)
}

// ---------------------------------------------------------------------------------------------
// The cases.
// ---------------------------------------------------------------------------------------------

/// `bh-nobfd-30s`: ash/ch2 silently blackholed at 30 s for 30 s, BFD off.
///
/// True values:
/// - detect: null (or, if the hold timer runs out after the repair, ≥ 40 s). Without BFD only the
///   BGP hold timer notices a silent failure (RFC 4271 §6.5): hold 60 s, keepalives ≤ 20 s apart
///   (§4.4, §10 jitter), so it cannot expire before 40 s > the 30 s fault.
/// - blackhole = 30 s: with no session down, no FIB ever stops pointing into ch2, so forwarding
///   points into a link that drops everything for the whole fault (30 s → 60 s).
/// - recover in (52.045, 54.972] s: the flows hashed onto ch2 (data or ACK) stall at 30 s and
///   send on the Linux schedule (`schedule`: the probe at ~10 ms, RTO 1 at ~0.217 s, then
///   doubling from 204 ms, each timer late by up to its wheel band); the path works again at
///   +30 s (the repair: nothing else moves them), after RTO 7 (at most 26.789 s), so they
///   resume at RTO 8, (52.029, 54.949] s (26.112 s after RTO 7, plus up to 2.048 s of
///   512-jiffy lateness), then 16.3–23.7 ms of repair, slow start and CUBIC to 95 % of their
///   93.75 Mbps (`after_resume`). Recovered by repair. The run lasts to 90 s, so the hold fits.
/// - stalls: 28 of 64 flows (data or ACK hashed onto ch2: 1 − (3/4)² = 7/16), each from the break
///   to RTO 8: (52.029, 54.949] s.
/// - verdict fail (exit 1): `recover_within = "1s"` fails; `min_throughput = 50%` holds (at most
///   7/16 of the flows stall, 1 − (3/4)², leaving ≥ 56 % of 6 Gbps); < 1 GB lost.
#[test]
fn bh_nobfd_30s_blackholes_30s_and_recovers_only_after_the_repair() {
    let r = run("bh-nobfd-30s");
    let mut c = Checks::new("bh-nobfd-30s");
    let f = r.fault("bh");
    if let Some(d) = detect(f) {
        c.that(d >= 30.0, format!("detect = {d} s, but the 60 s hold timer cannot expire before {BGP_EARLIEST_HOLD_EXPIRY} s"));
    } else {
        c.null("converge", get(f, &["converge_s"]), "no session went down, so no forwarding changed");
    }
    c.within("blackhole", blackhole(f), (30.0 - 0.05, 30.0 + 0.05), "FIB points into ch2 for the whole 30 s blackhole");
    // The path works again at the repair, 30 s after the break.
    let back = 30.0;
    c.within("recover", recover(f), recover_window(back), "stalled flows resume at RTO 8, the first transmission after the 30 s repair");
    c.recovered_by(f, "repair");
    c.within("lost", lost(f), (1.0, 1e9), "in-flight data and retransmissions into the blackhole are lost");
    let stall = resume(back);
    c.within("app stall p99", num(r.group("app"), &["stall_p99_s"]), (stall.lo, stall.hi), "28 of 64 flows stall to RTO 8, ~53 s");
    c.within("app stall count", num(r.group("app"), &["stall_count"]), stalled_flows(1), "7/16 of 64 flows: data OR ACK on ch2");
    c.expectation(&r, "recover_within", false, "recovery takes ~51 s > 1 s");
    c.expectation(&r, "min_throughput", true, "at most 7/16 of flows stall");
    c.expectation(&r, "max_lost_bytes", true, "well under 1 GB");
    c.exit(&r, 1, "recover_within fails");
    c.loss_adds_up(&r);
    c.finish();
}

/// `fault-at-zero`: all four channels cut at 0 s for 30 s.
///
/// True values:
/// - detect 0 (carrier loss takes the sessions down at once), converge 50 ms (both sides' local
///   repair; the re-advertisement is decided after the repair), blackhole 50 ms (from 0 to the
///   local repair the FIBs point into dead links; then there is no route at all).
/// - recover in (52.045, 54.972] s, not 0: there is no pre-fault interval, the reference is the
///   rate the repaired network allows (the offered 6 Gbps). A run that starts with traffic starts
///   in steady state, so every flow is sending its 93.75 Mbps (12.5 segments in flight, hence
///   the 2·srtt + 2 ms probe, not the lone-segment one) when it stalls at 0 s. No other path
///   exists, so the path returns only at 30 s (repair) + `RETURN` (1 s establish + 1 s
///   convergence) = 32 s, after RTO 7 (at most 26.789 s): the flows resume at RTO 8, (52.029,
///   54.949] s, then repair and regrow for 16.3–23.7 ms. Recovered by repair.
/// - group RTO in the same window (one episode from 0 s; every flow stalled and they resume
///   together): `rto_within = "1s"` and `recover_within = "1s"` both fail, exit 1.
#[test]
fn fault_at_zero_recovers_only_when_the_flows_resume_after_the_repair() {
    let r = run("fault-at-zero");
    let mut c = Checks::new("fault-at-zero");
    let f = r.fault("cut-all");
    // No other path: it works again once the repaired channels are back in the FIBs.
    let back = 30.0 + RETURN;
    c.within("detect", detect(f), about(0.0), "carrier loss");
    c.within("converge", converge(f), about(LOCAL_REPAIR), "local repair 50 ms after the carrier went");
    c.within("blackhole", blackhole(f), about(LOCAL_REPAIR), "FIBs point into the cut links until the local repair");
    c.within("recover", recover(f), recover_window(back), "the flows resume at RTO 8 (52.03-54.95 s), the first after 32 s");
    c.that(recover(f).is_some_and(|x| x > 30.0), "recover must be later than the 30 s repair");
    c.recovered_by(f, "repair");
    c.within("app rto", rto(r.group("app")), recover_window(back), "one episode from 0 s to the flows' return to 95 %");
    c.expectation(&r, "recover_within", false, "~53 s > 1 s");
    c.expectation(&r, "rto_within", false, "~53 s > 1 s");
    c.exit(&r, 1, "recover_within and rto_within fail");
    c.loss_adds_up(&r);
    c.finish();
}

/// `overlap-cuts`: ash/ch1 cut at 30 s and ash/ch3 at 30.5 s, both for 60 s.
///
/// True values (carrier loss: detect 0 for both; each side's local repair 50 ms later: converge
/// and blackhole 50 ms each). Forwarding moves off each cut link `CARRIER_REROUTE` (50 ms) after
/// it lost carrier, before the tail loss probe's band is over (~10 ms: the probe is lost) and
/// long before RTO 1, so:
/// - cut1 recover in (0.229, 0.745] s: its flows stall at 30 s; the 30.05 s local repair
///   rehashes them (modulo 3) onto ch2–ch4, which all work then, and they resume at RTO 1,
///   (0.213, 0.221] s, then 16.3–23.7 ms of repair and regrowth (the lower bound). Those put on
///   ch3 are back at 95 % but not yet through their 1 s hold when ch3 is cut at 30.5 s: they
///   stall again, work again at ch3's local repair (30.55 s) and resume at their RTO 1 after
///   30.5 s: by 30.5 + 0.245 s (the upper bound, which about a third of them reach). After
///   30.55 s ch2 and ch4 carry 2 × 4.589 Gbps > 6 Gbps, so every flow gets its full share back.
/// - cut3 recover in (0.229, 0.245] s: its flows (cut1's among them) stall at 30.5 s, work again
///   at ch3's local repair, 50 ms later, and resume at RTO 1 after 30.5 s.
/// - Both recover, by failover; `recover_within = "5s"` passes: verdict pass, exit 0.
#[test]
fn overlap_cuts_both_recover_within_about_3s() {
    let r = run("overlap-cuts");
    let mut c = Checks::new("overlap-cuts");
    let (cut1, cut3) = (r.fault("cut1"), r.fault("cut3"));
    for f in [cut1, cut3] {
        let id = f["id"].as_str().unwrap_or("?");
        c.within(&format!("{id} detect"), detect(f), about(0.0), "carrier loss");
        c.within(&format!("{id} converge"), converge(f), about(LOCAL_REPAIR), "local repair after carrier loss");
        c.within(&format!("{id} blackhole"), blackhole(f), about(LOCAL_REPAIR), "FIB points into the cut link until its local repair");
        c.recovered_by(f, "failover");
    }
    // cut3 comes 0.5 s after cut1. Each cut's flows work again at its own local repair; cut1's
    // that were put on ch3 resumed before 30.5 s and stall again with cut3's.
    let offset = 0.5;
    c.that(
        CARRIER_REROUTE + recover_window(CARRIER_REROUTE).1 < offset,
        "derivation: cut1's flows rehashed onto ch3 resume before ch3 is cut (then stall again with cut3's); re-derive otherwise",
    );
    let (lo, hi) = recover_window(CARRIER_REROUTE);
    c.within("cut1 recover", recover(cut1), (lo, offset + hi), "RTO 1 after the 30.05 s repair; those put on ch3 RTO 1 after 30.5 s");
    c.within("cut3 recover", recover(cut3), (lo, hi), "RTO 1 after 30.5 s, the first after ch3's local repair");
    c.expectation(&r, "recover_within", true, "both recover in ≤ 0.7 s ≤ 5 s");
    c.exit(&r, 0, "every expectation holds");
    c.loss_adds_up(&r);
    c.finish();
}

/// `same-instant-cuts`: ash/ch1 and ash/ch3 cut at the same instant, 30 s, for 60 s.
///
/// True values: both sessions go down at once (detect 0); one forwarding change per side, the local
/// repair 50 ms later, removes both links, and it is caused by both faults, so each has converge =
/// 50 ms and blackhole = 50 ms (BGP's withdrawal 1 s later finds nothing left to change). Every
/// stalled flow works again when forwarding moves off the cut links, `CARRIER_REROUTE` = 50 ms
/// after the cuts, after the tail loss probe and before RTO 1, and resumes at RTO 1, (0.213,
/// 0.221] s, on ch2/ch4 (9.18 Gbps for 6 Gbps, so its full share): recover in (0.229, 0.245] s
/// for both (16.3–23.7 ms of repair and regrowth after RTO 1), by failover. 3/4 of the flows stall
/// (1 − (2/4)²: data or ACK on one of the two cut channels), 48 of 64. `converge_within = "2s"` and
/// `recover_within = "5s"` pass: exit 0.
#[test]
fn same_instant_cuts_both_change_forwarding() {
    let r = run("same-instant-cuts");
    let mut c = Checks::new("same-instant-cuts");
    for id in ["cut1", "cut3"] {
        let f = r.fault(id);
        c.within(&format!("{id} detect"), detect(f), about(0.0), "carrier loss");
        c.within(&format!("{id} converge"), converge(f), about(LOCAL_REPAIR), "the shared local repair has both faults as causes");
        c.within(&format!("{id} blackhole"), blackhole(f), about(LOCAL_REPAIR), "FIB points into its link until the local repair");
        c.within(&format!("{id} recover"), recover(f), recover_window(CARRIER_REROUTE), "resume at RTO 1, 30.213-30.221 s");
        c.that(f["effect"]["forwarding_changed"] != Value::Bool(false), format!("{id}: effect.forwarding_changed is false"));
        c.recovered_by(f, "failover");
    }
    c.within("app stall count", num(r.group("app"), &["stall_count"]), stalled_flows(2), "3/4 of 64 flows: data OR ACK on ch1 or ch3");
    c.expectation(&r, "converge_within", true, "50 ms ≤ 2 s for both");
    c.expectation(&r, "recover_within", true, "≤ 0.25 s ≤ 5 s for both");
    c.exit(&r, 0, "every expectation holds");
    c.loss_adds_up(&r);
    c.finish();
}

/// `attrib-degrade`: ash/ch2 blackholed at 30 s for 60 s; a 1 ms delay added to ch2 at 31 s.
///
/// True values:
/// - bh detect in (2, 3] s: BFD at the GCP side times out 3 × 1 s after the last AWS packet, which
///   arrived less than one (jittered) 1 s interval before the blackhole (RFC 5880 §6.8.4, §6.8.7).
///   A 1 ms delay drops no packet and cannot time out a 3 s detection, so the detection is the
///   blackhole's: bh detect is set, `jitter` detect is null.
/// - bh converge and blackhole in (5, 6] s: the AWS side times out (4, 5] s after the blackhole
///   (5 × 1 s) and withdraws ch2 1 s later; until then its FIB points into ch2.
/// - the delay loses nothing and blackholes nothing: jitter lost 0 B, blackhole 0 s; the bytes lost
///   in ch2 are the blackhole's.
/// - bh recover in (6.349, 6.716] s: the stalled flows send on the Linux schedule (`schedule`).
///   Those whose data crosses ch2 work again at the AWS side's withdrawal, in (5, 6] s, after RTO
///   4 (at most 3.173 s) and before RTO 5 (at least 6.333 s): they resume at RTO 5, (6.333,
///   6.693] s, then 16.3–23.7 ms of repair and regrowth. Those with only their ACKs on ch2 work
///   again at the GCP side's withdrawal in (3, 4] s, which RTO 4's band straddles: they resume
///   at RTO 4 or RTO 5, no later than the others.
/// - `detect_within = "6s"` holds for the blackhole (≤ 3 s).
#[test]
fn attrib_degrade_the_blackhole_keeps_its_detection() {
    let r = run("attrib-degrade");
    let mut c = Checks::new("attrib-degrade");
    let (bh, jitter) = (r.fault("bh"), r.fault("jitter"));
    let (lo, hi) = BFD_FIRST_DOWN;
    c.within("bh detect", detect(bh), (lo - EPS, hi + EPS), "BFD 3 × 1 s at the GCP side");
    let (lo, hi) = BFD_LAST_FIB;
    c.within("bh converge", converge(bh), (lo - EPS, hi + EPS), "AWS side 5 × 1 s + 1 s convergence");
    c.within("bh blackhole", blackhole(bh), (lo - EPS, hi + EPS), "the AWS FIB points into ch2 until its withdrawal");
    c.within("bh lost", lost(bh), (1.0, 1e9), "in-flight data and retransmissions into ch2 are lost");
    let (first, last) = (resume(BFD_LAST_FIB.0), resume(BFD_LAST_FIB.1));
    c.that(first.first == Tx::Rto(5) && last.last == Tx::Rto(5), "derivation: a path back in (5, 6] s resumes at RTO 5");
    c.within(
        "bh recover",
        recover(bh),
        (recover_window(BFD_LAST_FIB.0).0, recover_window(BFD_LAST_FIB.1).1),
        "the data-path flows resume at RTO 5 (6.333-6.693 s), the first after the AWS withdrawal in (5, 6] s",
    );
    c.null("jitter detect", get(jitter, &["detect_s"]), "a 1 ms delay drops no BFD packet");
    c.within("jitter lost", lost(jitter), (0.0, 0.0), "a delay drops nothing");
    c.within("jitter blackhole", blackhole(jitter).or(Some(0.0)), (0.0, 0.0), "a delay does not make a link drop");
    c.loss_adds_up(&r);
    c.finish();
}

/// `bh-short`: ash/ch2 blackholed at 30 s for 2 s, BFD on.
///
/// True values:
/// - blackhole = 2 s: the earliest BFD detection is 2 s after the failure (GCP side, (2, 3]) and the
///   FIB changes 1 s after that, at ≥ 3 s > 2 s; so forwarding points into ch2 for the whole 2 s.
/// - detect null, or in (2, 3] s if the GCP timer runs out just after the repair (jitter).
/// - recover in (3.085, 3.196] s (not 0): the flows on ch2 stall at 30 s; the path works again at
///   the repair, +2 s, after RTO 3 (at most 1.509 s): they resume at RTO 4, (3.069, 3.173] s
///   (1.632 s after RTO 3 plus up to 32 ms of wheel lateness), then 16.3–23.7 ms of repair and
///   regrowth to 95 %. By repair. The flows that stall are those with data or ACKs on ch2: 7/16
///   of 64 ≈ 28.
/// - group RTO in (3.081, 3.196] s: one episode from 30 s; it ends once the stalled flows (at
///   least 20 of 64, resuming together) carry 1 − 0.05 × 64/20 = 84 % of their rate, no earlier
///   than RTO 4 plus 12.5 ms of repair, slow start and CUBIC to 84 %, and no later than the
///   fault's recover.
/// - verdict fail (exit 1): `recover_within = "1s"` fails.
#[test]
fn bh_short_blackholes_2s_and_stalls_its_flows_3s() {
    let r = run("bh-short");
    let mut c = Checks::new("bh-short");
    let f = r.fault("bh");
    c.within("blackhole", blackhole(f), about(2.0), "no FIB change can come before 3 s");
    c.that(BFD_FIRST_DOWN.0 + CONVERGENCE > 2.0, "derivation: earliest detection + convergence must exceed the 2 s fault");
    if let Some(d) = detect(f) {
        c.that(d > BFD_FIRST_DOWN.0 - EPS && d <= BFD_FIRST_DOWN.1 + EPS, format!("detect = {d}, outside BFD's (2, 3] s"));
    }
    // No forwarding change comes before the repair: the path works again at +2 s.
    let back = 2.0;
    c.within("recover", recover(f), recover_window(back), "flows resume at RTO 4 (3.069-3.173 s), the first after the repair");
    c.recovered_by(f, "repair");
    c.within(
        "app rto",
        rto(r.group("app")),
        group_rto_window(back, APP_FLOW_BPS, 64.0, stalled_flows(1).0),
        "one episode, from 30 s to the stalled flows' regrowth after RTO 4",
    );
    c.within("app stall count", num(r.group("app"), &["stall_count"]), stalled_flows(1), "7/16 of 64 flows: data OR ACK on ch2");
    c.expectation(&r, "recover_within", false, "> 3 s > 1 s");
    c.exit(&r, 1, "recover_within fails");
    c.loss_adds_up(&r);
    c.finish();
}

/// `cut-short`: ash/ch2 cut at 30 s for 500 ms.
///
/// True values:
/// - detect 0 (carrier loss).
/// - converge 50 ms: both ends lost carrier, so each side's routers drop ch2 by local repair at
///   30.05 s, while the cut is in force. BGP's withdrawal (decided at 30 s, applied at 31 s after
///   the repair) finds ch2 already gone and changes nothing; the re-advertisement (session up at
///   31.5 s, FIB 32.5 s) is decided after the repair and does not count.
/// - blackhole = 50 ms: the FIB points into the cut link from 30 s to the local repair.
/// - recover in (0.229, 0.245] s: flows stall at 30 s; their path works again when forwarding
///   moves off the link (`CARRIER_REROUTE`, 50 ms), before the 0.5 s repair and before RTO 1:
///   they resume at RTO 1, (0.213, 0.221] s, on the other channels, then 16.3–23.7 ms of repair
///   and regrowth; by failover. `recover_within = "1s"` passes: exit 0.
#[test]
fn cut_short_keeps_its_blackhole_and_convergence() {
    let r = run("cut-short");
    let mut c = Checks::new("cut-short");
    let f = r.fault("bh");
    c.within("detect", detect(f), about(0.0), "carrier loss");
    c.within("converge", converge(f), about(LOCAL_REPAIR), "local repair during the cut");
    c.within("blackhole", blackhole(f), about(LOCAL_REPAIR), "FIB points into the cut link until the local repair");
    c.that(blackhole(f).is_some_and(|b| b > 0.0 && b <= 0.5 + CONVERGENCE), "blackhole must be in (0, 0.5 s + convergence]");
    // The path works again at the repair or when forwarding moves off the link, the earlier.
    let (repair, back) = (0.5, CARRIER_REROUTE.min(0.5));
    c.within("recover", recover(f), recover_window(back), "resume at RTO 1, 0.213-0.221 s");
    c.within("app stall count", num(r.group("app"), &["stall_count"]), stalled_flows(1), "7/16 of 64 flows: data OR ACK on ch2");
    c.recovered_by(f, if back < repair { "failover" } else { "repair" });
    c.expectation(&r, "recover_within", true, "≤ 0.25 s ≤ 1 s");
    c.exit(&r, 0, "every expectation holds");
    c.loss_adds_up(&r);
    c.finish();
}

/// `bgp-reset`: a BGP reset of ash/ch2 at 30 s; a 2 s blackhole of ash/ch3 at 60 s.
///
/// True values:
/// - the reset is an instant: end = start = 30 s. It takes both sides down at once (detect 0), and
///   the session re-establishes after 1 s. converge in [1, 2] s: the withdrawal it decided at 30 s
///   reaches the FIBs at 31 s; the re-advertisement at 32 s follows the session's own return.
/// - a reset does not touch the data plane: reset blackhole 0 s and lost 0 B.
/// - later-bh blackhole = 2 s (as in `bh-short`: no FIB change can come before 3 s) and it is not
///   credited to the reset; its lost bytes are > 0 and are its own.
/// - later-bh recover in (3.085, 3.196] s, as in `bh-short`: its flows' path works again at the
///   2 s repair and they resume at RTO 4, (3.069, 3.173] s.
/// - group RTO in (3.081, 3.196] s: the reset lowers no flow's rate (the rehash moves flows
///   between working channels with 13.8 Gbps for 6 Gbps), so the only episode is later-bh's, from
///   60 s to its stalled flows' regrowth after RTO 4 (as in `bh-short`). Measured from the first
///   fault it would be 33 s.
#[test]
fn bgp_reset_is_an_instant_and_later_blackhole_time_is_not_its() {
    let r = run("bgp-reset");
    let mut c = Checks::new("bgp-reset");
    let (reset, bh) = (r.fault("reset"), r.fault("later-bh"));
    c.within("reset end", num(reset, &["end_s"]), about(30.0), "a reset is an instant: it ends where it starts");
    c.within("reset detect", detect(reset), about(0.0), "the reset takes the session down at once");
    c.within("reset converge", converge(reset), (CONVERGENCE - EPS, CONVERGENCE + ESTABLISH + EPS), "withdrawal at 31 s");
    c.within("reset blackhole", blackhole(reset).or(Some(0.0)), (0.0, EPS), "a BGP reset leaves the link forwarding");
    c.within("reset lost", lost(reset), (0.0, 0.0), "a BGP reset loses no data");
    c.within("later-bh blackhole", blackhole(bh), about(2.0), "FIB points into ch3 for its whole 2 s");
    c.within("later-bh lost", lost(bh), (1.0, 1e9), "the flows on ch3 lose their in-flight data");
    if let Some(d) = detect(bh) {
        c.that(d > BFD_FIRST_DOWN.0 - EPS && d <= BFD_FIRST_DOWN.1 + EPS, format!("later-bh detect = {d}, outside BFD's (2, 3] s"));
    }
    let back = 2.0;
    c.within("later-bh recover", recover(bh), recover_window(back), "its flows resume at RTO 4, 3.069-3.173 s after it started");
    c.within(
        "app rto",
        rto(r.group("app")),
        group_rto_window(back, APP_FLOW_BPS, 64.0, stalled_flows(1).0),
        "the only disruption episode is later-bh's",
    );
    if let Some(id) = get(r.group("app"), &["rto_fault", "rto_fault_id", "rto_started_by"]).and_then(Value::as_str) {
        c.that(id == "later-bh", format!("the worst episode was started by `{id}`, true: `later-bh`"));
    }
    c.loss_adds_up(&r);
    c.finish();
}

/// `both-facilities-power-rto`: fac-a down 60 s → 1260 s; fac-b down 660 s → 960 s.
///
/// True values:
/// - power-a: carrier loss; its flows work again on fac-b's channels (9.18 Gbps for 6 Gbps) when
///   forwarding moves off fac-a's, `CARRIER_REROUTE` = 1 s later, between RTO 2 and RTO 3:
///   recover in (1.453, 1.532] s (RTO 3 at (1.437, 1.509] s, then 16.3–23.7 ms of repair and
///   regrowth), by failover.
/// - power-b: from 660 s no channel is left; every flow stalls. fac-b returns at 960 s, sessions at
///   961 s, FIBs at 962 s (`RETURN`): 302 s after the stall. The Linux schedule (`schedule`:
///   backing off from 204 ms, each wait capped at 120 s, each timer up to its wheel band late)
///   puts RTO 10 at (208.701, 215.717] s and RTO 11, 120 s + up to 2.048 s later, at (328.701,
///   337.765] s: the flows resume at RTO 11 (302 s is far below tcp_retries2's 924.6 s, so no
///   abort). recover in (328.717, 337.788] s, by repair.
/// - group RTO in the same window: RTO is per disruption episode (from falling below 95 % to back
///   above), the worst one is power-b's (every flow stalled; they resume together);
///   `rto_within = "1m"` fails. `min_throughput = 50%` fails too (0 bps from 660 s). Exit 1.
#[test]
fn both_facilities_power_rto_is_the_worst_episode() {
    let r = run("both-facilities-power-rto");
    let mut c = Checks::new("both-facilities-power-rto");
    let (a, b) = (r.fault("power-a"), r.fault("power-b"));
    c.within("power-a recover", recover(a), recover_window(CARRIER_REROUTE), "failover to fac-b, resume at RTO 3 (1.437-1.509 s)");
    c.recovered_by(a, "failover");
    // No other path: it works again once fac-b's repaired channels are back in the FIBs.
    let back = 300.0 + RETURN;
    c.within("power-b recover", recover(b), recover_window(back), "resume at RTO 11 (328.70-337.77 s) after fac-b's return");
    c.recovered_by(b, "repair");
    let g = r.group("app-db");
    c.within("app-db rto", rto(g), recover_window(back), "the worst episode is power-b's, to RTO 11 and the regrowth");
    c.that(rto(g).is_some_and(|x| x >= 300.0), "RTO must be ≥ 300 s: app-db delivered nothing from 660 s to 962 s");
    if let Some(id) = get(g, &["rto_fault", "rto_fault_id", "rto_started_by"]).and_then(Value::as_str) {
        c.that(id == "power-b", format!("the worst episode was started by `{id}`, true: `power-b`"));
    }
    c.expectation(&r, "rto_within", false, "> 328 s > 60 s");
    c.expectation(&r, "min_throughput", false, "0 bps while both facilities are down");
    c.exit(&r, 1, "rto_within and min_throughput fail");
    c.loss_adds_up(&r);
    c.finish();
}

/// `rpo-backlog`: replication 1 Gbps; all channels cut 10 s → 15 s; the source region lost at 150 s.
///
/// True value: RPO ≈ one RTT of writes, 1.5 ms: between the writes on the wire (one-way,
/// 0.75 ms) and those unacknowledged (RTT, 1.5 ms); asserted in [0.5 ms, 5 ms], ≪ 1 s. The early cut stalls
/// replication to 22.86–23.48 s: every channel is cut, so the path returns only at 15 s +
/// `RETURN` = 17 s, 7 s after the stall, after RTO 5 (at most 6.693 s); the 16 flows (62.5 Mbps,
/// 8.3 segments each before it) resume at RTO 6, (12.861, 13.477] s (6.528 s after RTO 5 plus up
/// to 256 ms of wheel lateness), and are back at 95 % of 62.5 Mbps 11.9–19.2 ms later (repair,
/// slow start to ssthresh 5.8 segments, CUBIC's Reno-friendly growth to 7.9): early-cut recover
/// in (12.873, 13.496] s. The ~13 s backlog is then caught up at the rate the network allows
/// (4 × 4.589 Gbps for 1 Gbps of writes: seconds, not minutes), long before 150 s. When the
/// source is lost, only the writes in flight (rate × RTT) are not yet replicated (README: "its
/// RPO equals the data in flight").
/// Conservation: delivered = 18.75 GB written in 150 s − the RPO's bytes (nothing more: the
/// catch-up ends when the backlog is gone). `rpo_within = "1s"` passes: exit 0.
#[test]
fn rpo_backlog_is_drained_long_before_the_source_is_lost() {
    let r = run("rpo-backlog");
    let mut c = Checks::new("rpo-backlog");
    let g = r.group("repl");
    c.within("repl rpo", rpo(g), (0.0005, 0.005), "only the writes in flight (≈ 1 RTT = 1.5 ms) are unreplicated at 150 s");
    // The 5 s cut of every channel: the path works again once they are back in the FIBs.
    let back = 5.0 + RETURN;
    c.within(
        "early-cut recover",
        recover(r.fault("early-cut")),
        recover_window_for(back, 1e9 / 16.0),
        "resume at RTO 6 (12.861-13.477 s), then 62.5 Mbps flows regrow",
    );
    // Conservation: the source wrote 1 Gbps for 150 s and nothing after it was lost, so the group
    // delivers at most 18.75 GB, and all of it but the RPO's bytes.
    let written = 1e9 * 150.0 / 8.0;
    let unreplicated = num(g, &["rpo_bytes"]).unwrap_or(0.0);
    c.within(
        "repl delivered bytes",
        num(g, &["delivered_bytes"]),
        (written - unreplicated - 1e6, written + 1408.0),
        "18.75 GB written before the source was lost; a catch-up cannot deliver more than was written",
    );
    c.expectation(&r, "rpo_within", true, "≈ 1.5 ms ≤ 1 s");
    c.exit(&r, 0, "every expectation holds");
    c.loss_adds_up(&r);
    c.finish();
}

/// `rpo-packet`: replication 200 Mbps; all channels blackholed at 10 s; the source lost at 20 s.
///
/// True value: RPO ≈ 10 s of writes (250 MB), in fluid AND packet fidelity. From 10 s nothing is
/// delivered (the blackhole, then no route once BFD has withdrawn every channel by ≤ 16 s), so
/// when the source is lost at 20 s the 10 s of writes made since 10 s (plus ≤ 1 RTT in flight
/// before) are not replicated. `rpo_within = "1s"` fails: exit 1.
#[test]
fn rpo_packet_counts_the_stuck_writes_in_both_fidelities() {
    let mut c = Checks::new("rpo-packet");
    for (label, extra) in [("fluid", &[][..]), ("packet", &["--fidelity", "packet"][..])] {
        let r = run_path(&fixture("rpo-packet"), extra);
        let g = r.group("repl");
        c.within(&format!("{label}: repl rpo"), rpo(g), (9.9, 10.5), "10 s of writes stuck before the source was lost");
        if let Some(b) = num(g, &["rpo_bytes"]) {
            c.within(&format!("{label}: repl rpo_bytes"), Some(b), (0.99 * 250e6, 1.05 * 250e6), "10 s × 200 Mbps = 250 MB");
        }
        c.expectation(&r, "rpo_within", false, "10 s > 1 s");
        c.exit(&r, 1, "rpo_within fails");
    }
    c.finish();
}

/// `rpo-replica-lost`: replication blackholed at 10 s; at 40 s the REPLICA's region is lost.
///
/// True value: RPO null (and rpo_bytes null). RPO measures writes lost with the source; the
/// source (aws:us-east-1) is never lost and keeps every write. `rpo_within` then has nothing to
/// measure: inconclusive (exit 2), not a 30 s failure.
#[test]
fn rpo_replica_lost_has_no_rpo() {
    let r = run("rpo-replica-lost");
    let mut c = Checks::new("rpo-replica-lost");
    let g = r.group("repl");
    c.that(get(g, &["rpo_s"]).is_some(), "traffic lacks `rpo_s`");
    c.null("repl rpo", get(g, &["rpo_s"]), "the source was never lost");
    c.null("repl rpo_bytes", get(g, &["rpo_bytes"]), "the source was never lost");
    c.exit(&r, 2, "rpo_within has nothing to measure");
    c.loss_adds_up(&r);
    c.finish();
}

/// `dr-stall`: aws:us-east-1 lost at 60 s; alarm after 60 s unreachable; a runbook shifts app-db
/// to Oregon after a 2–5 min human delay (seeded).
///
/// True values:
/// - app-db's 64 flows stall from 60 s until the shift moves them: each stall lasts shift − 60 s,
///   where the shift comes at 120 s (alarm) + U(120 s, 300 s), so in [180, 360] s; with this seed
///   the runbook acted at `runbook[0].acted_s` (≈ 362.6 s), so stall p99 ≈ 302.6 s (± 0.5 s).
///   Stalls ended by a shift count. `stall_p99_within = "1s"` fails: exit 1. The group's RTO is
///   the same episode: shift − 60 s plus the shifted flows' slow start (≤ 25 ms).
/// - db-replication's source is lost: RPO ≈ one backbone RTT (69.8 ms + 0.25 ms) of writes, in
///   [30 ms, 200 ms]; `rpo_within = "1s"` passes.
#[test]
fn dr_stall_records_stalls_ended_by_the_shift() {
    let r = run("dr-stall");
    let mut c = Checks::new("dr-stall");
    let acted = r.v["runbook"].as_array().and_then(|s| s.iter().find(|s| s["id"] == "shift-to-oregon")).and_then(|s| num(s, &["acted_s"]));
    c.within("shift acted", acted, (240.0, 420.0), "alarm at 120 s + 2–5 min");
    let stall = acted.map_or(302.6, |a| a - 60.0);
    let g = r.group("app-db");
    c.within("app-db stall p99", num(g, &["stall_p99_s"]), (stall - 0.5, stall + 0.5), "every flow stalls from 60 s to the shift");
    c.that(num(g, &["stall_p99_s"]).is_some_and(|s| s >= 180.0), "stall p99 must be ≥ 180 s (alarm 60 s + ≥ 2 min delay)");
    c.within("app-db stall count", num(g, &["stall_count"]), (64.0, 1e6), "all 64 flows stall");
    c.within("app-db rto", rto(g), (stall - EPS, stall + RAMP), "from the loss at 60 s to the shifted flows' slow start");
    c.within("db-replication rpo", rpo(r.group("db-replication")), (0.03, 0.2), "writes in flight on the 69.8 ms backbone");
    c.expectation(&r, "stall_p99_within", false, "~302 s > 1 s");
    c.expectation(&r, "rpo_within", true, "≈ 70 ms ≤ 1 s");
    c.exit(&r, 1, "stall_p99_within fails");
    c.loss_adds_up(&r);
    c.finish();
}

/// `shift-healthy`: no fault; a runbook shifts the group to another path at 30 s.
///
/// True value: 0 bytes lost. Nothing is cut or dropped; a planned shift is make-before-break (the
/// new path is up before the old one is left), so nothing in flight on the old path is lost.
/// `no_loss` passes: exit 0.
#[test]
fn shift_healthy_loses_nothing() {
    let r = run("shift-healthy");
    let mut c = Checks::new("shift-healthy");
    c.within("app lost", lost(r.group("app")), (0.0, 0.0), "a make-before-break shift on healthy links loses nothing");
    c.expectation(&r, "no_loss", true, "0 B lost");
    c.exit(&r, 0, "every expectation holds");
    c.finish();
}

/// `gray-short`: 2 % loss on ash/ch1 for 0.8 s (30.1 → 30.9 s); BFD does not notice.
///
/// True values:
/// - the fault's lost bytes = the group's lost bytes − background (0: no `loss` key, template
///   `base_loss_ppm: 0`) and > 0. They are p/(1−p) of what ch1 delivered in 0.8 s: N flows held
///   to the Mathis bound 1408 B·8/1.5 ms·√1.5/√0.02 = 65 Mbps give N × 132.7 kB (≈ 2.65 MB for
///   20 flows), and at most 0.02/0.98 × 4.589 Gbps × 0.8 s = 9.37 MB (ch1's whole goodput).
/// - those numbers do not depend on how the run is sliced: the CLI runs `run_until` in 1,000
///   slices of duration/1000, so the same scenario with `duration` 1000 s, 100 s, 37 s and 33 s
///   (nothing happens after 30.9 s, and the 1 s recovery hold ends at 31.9 s, inside all of them)
///   is sliced at 1 s, 100 ms, 37 ms and 33 ms, and must report the
///   same fault loss; `sweep` (one slice) must report the same recover as `run`.
/// - the loss lowers those flows' rate (disrupts them): the group's lowest throughput is
///   6 Gbps − n × (93.75 − 65.0) Mbps for n ≥ 1 flows on ch1, and the lost bytes match that n.
/// - recover ≈ 0.8 s: the capped flows are back to their share when the loss ends at 30.9 s; the
///   network (capacity) allows their full share throughout, so they are not "recovered" while
///   held to two thirds of it.
/// - `undetected` passes: exit 0.
#[test]
fn gray_short_fault_loss_is_the_group_loss_however_the_run_is_sliced() {
    let r = run("gray-short");
    let mut c = Checks::new("gray-short");
    let f = r.fault("dirty-optic");
    let group = lost(r.group("app-db"));
    let fault = lost(f);
    c.within("fault lost", fault, (1.0, 9.37e6), "2 % of what ch1 carried in 0.8 s");
    if let (Some(g), Some(x)) = (group, fault) {
        c.that((g - x).abs() <= 1.0, format!("fault lost {x} B but group lost {g} B with background 0"));
    }
    c.null("detect", get(f, &["detect_s"]), "BFD needs 3 (AWS side) / 5 consecutive losses: p ≤ 8e-6 per window");
    // The flows on ch1 are held to the Mathis bound: the group's lowest throughput shows how many
    // (n = drop / (share − Mathis)), and the loss must be p/(1−p) of what those n flows carried.
    let g = r.group("app-db");
    let (offered, min_tput) = (num(g, &["offered_bps"]).unwrap_or(6e9), num(g, &["min_throughput_bps"]));
    let (share, cap) = (offered / 64.0, mathis_bps(0.02));
    let n = min_tput.map(|m| (offered - m) / (share - cap));
    c.within("flows held to the Mathis bound", n.map(f64::round), (1.0, 64.0), "2 % loss caps ch1's flows at 65 Mbps < 93.75 Mbps");
    if let (Some(n), Some(x)) = (n, fault) {
        let want = n * 0.02 / 0.98 * cap * 0.8 / 8.0;
        c.within("fault lost vs Mathis", Some(x), (0.95 * want, 1.05 * want), &format!("{n:.1} capped flows × 65 Mbps × 0.8 s × 2/98"));
    }
    c.within("recover", recover(f), (0.8 - EPS, 0.8 + RAMP), "flows capped by Mathis until the loss ends at 30.9 s");
    c.expectation(&r, "undetected", true, "no session went down");
    c.exit(&r, 0, "every expectation holds");
    c.loss_adds_up(&r);

    // The same physics sliced differently.
    let text = std::fs::read_to_string(root().join(fixture("gray-short"))).expect("fixture");
    assert!(text.contains("duration = \"1000s\""), "the fixture's duration line changed");
    let dir = std::env::temp_dir().join(format!("faultline-metrics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for d in ["100s", "37s", "33s"] {
        let path = dir.join(format!("gray-short-{d}.toml"));
        std::fs::write(&path, text.replace("duration = \"1000s\"", &format!("duration = \"{d}\""))).expect("write variant");
        let v = run_path(path.to_str().expect("utf-8 path"), &[]);
        let fv = v.fault("dirty-optic");
        if let (Some(a), Some(b)) = (fault, lost(fv)) {
            c.that((a - b).abs() <= 1.0, format!("fault lost {a} B with 1 s slices but {b} B with duration {d} (slices of {d}/1000)"));
        }
        if let (Some(a), Some(b)) = (group, lost(v.group("app-db"))) {
            c.that((a - b).abs() <= 1.0, format!("group lost {a} B with 1 s slices but {b} B with duration {d}"));
        }
        c.that(recover(f) == recover(fv), format!("recover {:?} vs {:?} with duration {d}", recover(f), recover(fv)));
    }
    let o = faultline(&["sweep", &fixture("gray-short"), "--seeds", "1..=1", "--jobs", "1", "--json"]);
    let s: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("sweep JSON: {e}"));
    c.that(s["recover_s"]["p50"].as_f64() == recover(f), format!("sweep recover {} vs run {:?}", s["recover_s"]["p50"], recover(f)));
    c.that(s["verdict"] == r.v["verdict"], format!("sweep verdict {} vs run {}", s["verdict"], r.v["verdict"]));
    c.finish();
}

/// `two-ic-policy`: interconnects `ash` (convergence 5 s, max_paths 2) and `ash2` (defaults:
/// convergence 1 s, ECMP up to 4) between the same two sites.
///
/// True value: each interconnect keeps its own policy, so `faultline show` states ash's 5 s
/// convergence and ECMP width 2 as well as ash2's 1 s and 4 (the table says they vanish today).
#[test]
fn two_ic_policy_show_states_both_interconnects_policies() {
    let o = faultline(&["show", &fixture("two-ic-policy")]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let norm = out.replace(['=', ':'], " ").split_whitespace().collect::<Vec<_>>().join(" ");
    let has = |phrases: &[&str]| phrases.iter().any(|p| norm.contains(p));
    let mut c = Checks::new("two-ic-policy");
    c.that(
        has(&["convergence 5s", "convergence 5 s", "convergence 5.000s"]),
        format!("`show` does not state ash's 5 s convergence:\n{out}"),
    );
    c.that(
        has(&["ECMP up to 2", "max_paths 2", "max paths 2", "ECMP 2", "ECMP width 2"]),
        format!("`show` does not state ash's ECMP width of 2:\n{out}"),
    );
    c.that(has(&["convergence 1s", "convergence 1 s"]), format!("`show` does not state ash2's 1 s convergence:\n{out}"));
    c.that(has(&["ECMP up to 4", "max_paths 4", "max paths 4", "ECMP 4", "ECMP width 4"]), format!("`show` lost ash2's ECMP 4:\n{out}"));
    c.finish();
}

/// `two-ic-policy`, behaviour: the same file with `ash` (all four channels) cut at 20 s, and again
/// with `ash2` cut; then the same with a BGP reset of each instead. Carrier loss takes the
/// sessions down at once and each side's routers drop the links by local repair, 50 ms for both
/// interconnects (ash's 5 s convergence does not slow a carrier loss). A reset is learned
/// through BGP, so its forwarding change follows after the convergence delay of the interconnect
/// whose sessions went down: converge = 5 s for the `ash` reset and 1 s for the `ash2` reset
/// (whichever of them changed forwarding; at least one cut and one reset did, since the traffic
/// uses both interconnects).
#[test]
fn two_ic_policy_each_interconnect_converges_on_its_own_delay() {
    let text = std::fs::read_to_string(root().join(fixture("two-ic-policy"))).expect("fixture");
    let dir = std::env::temp_dir().join(format!("faultline-metrics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut c = Checks::new("two-ic-policy (cuts)");
    let mut changed = 0;
    let cases =
        [("ash", "cut", LOCAL_REPAIR), ("ash2", "cut", LOCAL_REPAIR), ("ash", "bgp_reset", 5.0), ("ash2", "bgp_reset", CONVERGENCE)];
    for (ic, action, delay) in cases {
        let end = if action == "cut" { "for = \"20s\"\n" } else { "" };
        let fault = format!("\n[[fault]]\nid = \"{action}-{ic}\"\nat = \"20s\"\n{action} = \"{ic}\"\n{end}");
        let body = text.replace("[expect]", &format!("{fault}\n[expect]"));
        let path = dir.join(format!("two-ic-policy-{action}-{ic}.toml"));
        std::fs::write(&path, body).expect("write variant");
        let r = run_path(path.to_str().expect("utf-8 path"), &[]);
        let f = r.fault(&format!("{action}-{ic}"));
        c.within(&format!("{action} {ic} detect"), detect(f), about(0.0), "carrier loss or a reset: at once");
        if let Some(x) = converge(f) {
            changed += 1;
            let why =
                if action == "cut" { "local repair on carrier loss".to_string() } else { format!("{ic}'s convergence delay is {delay} s") };
            c.within(&format!("{action} {ic} converge"), Some(x), about(delay), &why);
        }
    }
    c.that(changed >= 2, "a cut and a reset of the interconnects must change forwarding");
    c.finish();
}

/// `local-repair` (issue 9 item 3): ash/ch2 cut at 30 s for 30 s; ash/ch4 blackholed at 70 s for
/// 30 s, BFD on. Read from the report and from the trace (one `fib` record per side and change).
///
/// True values:
/// - cut: both ends lose carrier, so both sessions go down at once (detect 0) and each side's
///   routers drop ch2 by local repair: one forwarding change per side at 30 s + 50 ms, and none
///   until the repair (BGP's withdrawal at 31 s finds it done). converge = blackhole = 50 ms;
///   the stalled flows resume at RTO 1, (0.213, 0.221] s (the tail loss probe, ~10 ms after the
///   cut, comes before the repair and is lost), by failover. ch2 returns at 60 s +
///   1 s (establish) + 1 s (convergence) = 62 s on both sides: through BGP, not local repair.
/// - blackhole: carrier stays up, so each side learns of it only through BFD: the GCP side times
///   out (2, 3] s after it, the AWS side (4, 5] s (RFC 5880 §6.8.4, §6.8.7); each side's
///   forwarding changes exactly one convergence delay (1 s) after its own session went down, so
///   converge = the later detection + 1 s, in (5, 6] s, and so is its blackhole.
/// - the same file with `local_repair = "5ms"`: the cut's changes come at 30.005 s on both sides
///   (converge 5 ms); the blackhole's numbers are unchanged (same seed, same BFD draws). With
///   `local_repair = "1s"` (= convergence: routers that wait for BGP) the cut converges in 1 s.
#[test]
fn local_repair_carrier_loss_reaches_forwarding_at_once_a_blackhole_waits_for_bfd() {
    let dir = std::env::temp_dir().join(format!("faultline-metrics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let text = std::fs::read_to_string(root().join(fixture("local-repair"))).expect("fixture");
    let mut c = Checks::new("local-repair");
    // (label, local_repair key, the cut's repair delay)
    let variants = [("default", None, LOCAL_REPAIR), ("5ms", Some("5ms"), 0.005), ("1s", Some("1s"), CONVERGENCE)];
    let mut bh_converge = Vec::new();
    for (label, key, repair) in variants {
        let body = match key {
            Some(v) => text.replace("bandwidth = \"10Gbps\"\n", &format!("bandwidth = \"10Gbps\"\nlocal_repair = \"{v}\"\n")),
            None => text.clone(),
        };
        let path = dir.join(format!("local-repair-{label}.toml"));
        std::fs::write(&path, body).expect("write variant");
        let trace = dir.join(format!("local-repair-{label}.jsonl"));
        let r = run_path(path.to_str().expect("utf-8 path"), &["--trace", trace.to_str().expect("utf-8 path")]);
        let records: Vec<Value> =
            std::fs::read_to_string(&trace).expect("trace written").lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        let at = |rec: &Value| rec["t_s"].as_f64().unwrap_or(f64::NAN);
        // `b` is the side: the adjacency side for `fib`, the link side for `session-down`; both
        // are 0 = aws:us-east-1 here (the links' side A and the lower site id).
        let fibs = |side: u64, from: f64, to: f64| -> Vec<f64> {
            records.iter().filter(|x| x["kind"] == "fib" && x["b"] == side && at(x) >= from && at(x) < to).map(at).collect()
        };
        let cut = r.fault("cut");
        c.within(&format!("{label}: cut detect"), detect(cut), about(0.0), "carrier loss");
        c.within(&format!("{label}: cut converge"), converge(cut), about(repair), "local repair on both sides");
        c.within(&format!("{label}: cut blackhole"), blackhole(cut), about(repair), "FIB points into ch2 until the local repair");
        c.within(&format!("{label}: cut recover"), recover(cut), recover_window(repair), "first RTO after the local repair");
        c.recovered_by(cut, "failover");
        for side in 0..2 {
            let got = fibs(side, 30.0, 60.0);
            c.that(
                got.len() == 1 && (got[0] - (30.0 + repair)).abs() <= EPS,
                format!("{label}: side {side} changed forwarding during the cut at {got:?}, true: once, at {:.3} s", 30.0 + repair),
            );
            let back = fibs(side, 60.0, 70.0);
            let want = 60.0 + ESTABLISH + CONVERGENCE;
            c.that(
                back.len() == 1 && (back[0] - want).abs() <= EPS,
                format!("{label}: side {side} took ch2 back at {back:?}, true: once, at {want} s (establish + convergence)"),
            );
        }
        let bh = r.fault("bh");
        let (lo, hi) = BFD_LAST_FIB;
        c.within(&format!("{label}: bh converge"), converge(bh), (lo - EPS, hi + EPS), "AWS side's BFD (4, 5] s + 1 s convergence");
        c.within(&format!("{label}: bh blackhole"), blackhole(bh), (lo - EPS, hi + EPS), "the AWS FIB points into ch4 until then");
        for side in 0..2 {
            let down = records.iter().find(|x| x["kind"] == "session-down" && x["a"] == 3 && x["b"] == side && at(x) >= 70.0).map(at);
            let got = fibs(side, 70.0, 100.0);
            match down {
                Some(d) => c.that(
                    got.len() == 1 && (got[0] - (d + CONVERGENCE)).abs() <= EPS,
                    format!(
                        "{label}: side {side} lost ch4's session at {d} s and changed forwarding at {got:?}, true: {} s",
                        d + CONVERGENCE
                    ),
                ),
                None => c.that(false, format!("{label}: ch4's session never went down at side {side}")),
            }
        }
        bh_converge.push(converge(bh));
    }
    c.that(bh_converge.windows(2).all(|w| w[0] == w[1]), format!("local_repair changed the blackhole's converge: {bh_converge:?}"));
    c.finish();
}

/// `capacity-cut`: every channel of `ash` loses half its capacity from 60 s to 150 s; 64 flows
/// of 250 Mbps (16 Gbps) are offered.
///
/// True values:
/// - no session sees a capacity change (BGP and BFD packets still arrive): detect and converge
///   never happen, forwarding never moves (`flows_moved` 0).
/// - each channel keeps 2.5 Gbps of its 5 Gbps line, 2.2947 Gbps of goodput after MACsec framing
///   (1408 of 1534 B per frame): 9.1786 Gbps in all, below the demand, so every flow's rate drops
///   at once (all 64 disrupted) to its share of what is left, which is what the surviving network
///   allows it: recover 0 s, `by` = `adapted` (nothing was routed around it; not `failover`).
/// - the group's RTO counts against its offered 16 Gbps: below 95 % of it from 60 s until the
///   repair at 150 s, when fluid flows get their demand back at once: 90 s, from `half`.
/// - min throughput: the 9.1786 Gbps left.
#[test]
fn capacity_cut_recovers_by_adapting_while_the_rto_runs_to_the_repair() {
    let r = run("capacity-cut");
    let mut c = Checks::new("capacity-cut");
    let f = r.fault("half");
    c.that(detect(f).is_none(), "no session goes down: nothing is detected");
    c.that(converge(f).is_none(), "forwarding never changes");
    c.within("flows moved", f["effect"]["flows_moved"].as_f64(), about(0.0), "nothing routes around a capacity cut");
    c.within("flows disrupted", f["effect"]["flows_disrupted"].as_f64(), about(64.0), "every flow's rate drops");
    c.within("recover", recover(f), about(0.0), "at once at what the degraded network allows");
    c.recovered_by(f, "adapted");
    let left = 4.0 * 2.5e9 * 1408.0 / 1534.0;
    c.within("min throughput", num(r.group("app"), &["min_throughput_bps"]), (left * 0.999, left * 1.001), "half of 4 x 5 Gbps, framed");
    c.within("rto", rto(r.group("app")), about(90.0), "below 95 % of 16 Gbps until the repair");
    c.finish();
}
