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

use std::path::PathBuf;
use std::process::{Command, Output};

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
    /// interconnect-facts §6.5 tabulates its schedule: "0.20 s (RTT 1.5 ms) | 0.20, 0.60, 1.41,
    /// 3.02, 6.25, 12.7, 25.6, 51.4, 103.0, 206.1".
    pub const RTT: f64 = 0.0015;
    /// Linux RTO on a stable path: srtt + max(4·rttvar, rto_min) with rto_min = 200 ms and
    /// rttvar ≈ 0 (tcp-timing.md §1, mechanism 1; README "SRTT + 200 ms"): 201.5 ms.
    pub const RTO: f64 = RTT + 0.200;
    /// Linux rto_max (`tcp_rto_max_ms`, tcp-timing.md §1 mechanism 3): 120 s.
    pub const RTO_MAX: f64 = 120.0;
    /// Convergence delay from a session change to the FIB change, each side (README, presets
    /// `[ASSUMPTION]`): 1 s.
    pub const CONVERGENCE: f64 = 1.0;
    /// Time for a session to re-establish after carrier returns (ARCHITECTURE "Control plane",
    /// `establish`, assumed): 1 s.
    pub const ESTABLISH: f64 = 1.0;
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
    /// Slow start after a resume: one segment per RTT (1408 B / 1.5 ms = 7.5 Mbps), doubling per
    /// RTT (RFC 5681 §3.1) to 95 % of the 93.75 Mbps per-flow share (6 Gbps / 64) takes 5 RTT
    /// ≈ 7.5 ms; a margin of 25 ms also covers larger shares.
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

    /// The seconds after its path broke at which a stalled flow retransmits: RTO, then each
    /// interval doubled and capped at rto_max (RFC 6298 §5.5; tcp-timing.md §1 mechanism 3;
    /// README "0.2, 0.6, 1.4, 3.0 s … after the loss"). The flow resumes at the first of these
    /// at or after its path works again (README "How the model is checked").
    pub fn first_retransmission_at_or_after(path_back: f64) -> f64 {
        let (mut t, mut interval) = (0.0, RTO);
        loop {
            t += interval;
            if t >= path_back - 1e-9 {
                return t;
            }
            interval = (interval * 2.0).min(RTO_MAX);
        }
    }

    /// The window in which a recovery that waits for flows whose path came back `path_back`
    /// seconds after they stalled must lie: from their resume to the end of slow start, plus
    /// 0.2 % of the resume time for an srtt a little above 1.5 ms (it is multiplied by up to
    /// 2^k − 1 = 255 at the later points of the schedule). Nothing is allowed below the resume.
    pub fn recover_window(path_back: f64) -> (f64, f64) {
        let resume = first_retransmission_at_or_after(path_back);
        (resume - EPS, resume + RAMP + 0.002 * resume)
    }
}

use model::*;

// ---------------------------------------------------------------------------------------------
// Running the binary and reading its JSON defensively.
// ---------------------------------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline")).args(args).current_dir(root()).output().expect("the binary runs")
}

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
    let mut args = vec!["run", path, "--json"];
    args.extend_from_slice(extra);
    let o = faultline(&args);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "`faultline {}` did not print JSON ({e}); exit {:?}\nstdout: {}\nstderr: {}",
            args.join(" "),
            o.status.code(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    Run { name: path.to_string(), code: o.status.code(), v }
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

/// Collects every failed assertion of one test and reports them together.
struct Checks {
    case: String,
    failures: Vec<String>,
}

impl Checks {
    fn new(case: &str) -> Checks {
        Checks { case: case.to_string(), failures: Vec::new() }
    }

    fn that(&mut self, ok: bool, msg: impl Into<String>) {
        if !ok {
            self.failures.push(msg.into());
        }
    }

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

    fn finish(self) {
        if !self.failures.is_empty() {
            panic!("{}: {} wrong number(s):\n  - {}", self.case, self.failures.len(), self.failures.join("\n  - "));
        }
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
/// - recover ≈ 51.39 s: the flows hashed onto ch2 (data or ACK) stall at 30 s and retransmit on the
///   Linux schedule 0.2015·(1, 3, 7, …, 127, 255) s; the path works again at +30 s, so they resume
///   at the first point ≥ 30 s, 0.2015 × 255 = 51.38 s, plus ~7.5 ms of slow start.
///   Recovered by repair. The run lasts to 90 s, so the 1 s hold fits.
/// - stalls: 28 of 64 flows (data or ACK hashed onto ch2: 1 − (3/4)² = 7/16), each ~51.4 s.
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
    c.within("recover", recover(f), recover_window(30.0), "stalled flows resume at the first RTO point after the 30 s repair");
    c.recovered_by(f, "repair");
    c.within("lost", lost(f), (1.0, 1e9), "in-flight data and retransmissions into the blackhole are lost");
    c.within("app stall p99", num(r.group("app"), &["stall_p99_s"]), recover_window(30.0), "28 of 64 flows stall ~51 s");
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
/// - detect 0 (carrier loss takes the sessions down at once), converge 1 s (the withdrawal after
///   the 1 s convergence delay; the re-advertisement is decided after the repair), blackhole 1 s
///   (from 0 to the withdrawal the FIBs point into dead links; then there is no route at all).
/// - recover ≈ 51.39 s, not 0: there is no pre-fault interval, the reference is the rate the
///   repaired network allows (the offered 6 Gbps). Every flow stalls at 0 s; the path returns at
///   30 s (repair) + 1 s (establish) + 1 s (convergence) = 32 s; the first Linux RTO point at or
///   after 32 s is 0.2015 × 255 = 51.38 s. Recovered by repair.
/// - group RTO ≈ 51.39 s (one episode, 0 → 51.39 s): `rto_within = "1s"` and `recover_within =
///   "1s"` both fail, exit 1.
#[test]
fn fault_at_zero_recovers_only_when_the_flows_resume_after_the_repair() {
    let r = run("fault-at-zero");
    let mut c = Checks::new("fault-at-zero");
    let f = r.fault("cut-all");
    let back = 30.0 + ESTABLISH + CONVERGENCE;
    c.within("detect", detect(f), about(0.0), "carrier loss");
    c.within("converge", converge(f), about(CONVERGENCE), "withdrawal 1 s after the sessions went down");
    c.within("blackhole", blackhole(f), about(CONVERGENCE), "FIBs point into the cut links until the withdrawal");
    c.within("recover", recover(f), recover_window(back), "no flow delivers anything before ~51.4 s");
    c.that(recover(f).is_some_and(|x| x > 30.0), "recover must be later than the 30 s repair");
    c.recovered_by(f, "repair");
    c.within("app rto", rto(r.group("app")), recover_window(back), "one episode from 0 s to the resume");
    c.expectation(&r, "recover_within", false, "~51 s > 1 s");
    c.expectation(&r, "rto_within", false, "~51 s > 1 s");
    c.exit(&r, 1, "recover_within and rto_within fail");
    c.loss_adds_up(&r);
    c.finish();
}

/// `overlap-cuts`: ash/ch1 cut at 30 s and ash/ch3 at 30.5 s, both for 60 s.
///
/// True values (carrier loss: detect 0 for both; each withdrawal 1 s later: converge 1 s each):
/// - cut1 recover in [1.41, 3.05] s: its flows stall at 30 s; the first retransmission after its
///   withdrawal at 31 s is at 30 + 1.41 s (lower bound); at the latest, a flow rehashed onto ch3
///   before ch3's withdrawal at 31.5 s waits for the next point, 30 + 3.02 s. After 31.5 s ch2 and
///   ch4 carry 2 × 4.589 Gbps > 6 Gbps, so every flow gets its full share.
/// - cut3 recover in [1.41, 2.55] s: its flows stall at 30.5 s. The 31 s rehash (modulo 3) moves
///   most of them to working members, but a flow whose hash is ≡ 2 (mod 4) and ≡ 1 (mod 3) stays
///   on ch3 (about 1/12 of each direction's ~16 flows there) and resumes only at the first point
///   after ch3's own withdrawal at 31.5 s, 30.5 + 1.41 s; every flow of the group has resumed by
///   33.03 s = 30.5 + 2.53 s.
/// - Both recover, by failover; `recover_within = "5s"` passes: verdict pass, exit 0.
#[test]
fn overlap_cuts_both_recover_within_about_3s() {
    let r = run("overlap-cuts");
    let mut c = Checks::new("overlap-cuts");
    let (cut1, cut3) = (r.fault("cut1"), r.fault("cut3"));
    for f in [cut1, cut3] {
        let id = f["id"].as_str().unwrap_or("?");
        c.within(&format!("{id} detect"), detect(f), about(0.0), "carrier loss");
        c.within(&format!("{id} converge"), converge(f), about(CONVERGENCE), "withdrawal after the convergence delay");
        c.within(&format!("{id} blackhole"), blackhole(f), about(CONVERGENCE), "FIB points into the cut link until its withdrawal");
        c.recovered_by(f, "failover");
    }
    let lo = first_retransmission_at_or_after(CONVERGENCE) - EPS;
    let hi1 = first_retransmission_at_or_after(1.5) + RAMP;
    let hi3 = first_retransmission_at_or_after(1.5) - 0.5 + RAMP;
    c.within("cut1 recover", recover(cut1), (lo, hi1), "resume after 31 s, all resumed by 33.03 s");
    c.within("cut3 recover", recover(cut3), (lo, hi3), "resume after 31.5 s, all resumed by 33.03 s");
    c.expectation(&r, "recover_within", true, "both recover in ≤ 3.05 s ≤ 5 s");
    c.exit(&r, 0, "every expectation holds");
    c.loss_adds_up(&r);
    c.finish();
}

/// `same-instant-cuts`: ash/ch1 and ash/ch3 cut at the same instant, 30 s, for 60 s.
///
/// True values: both sessions go down at once (detect 0); one forwarding change per side 1 s later
/// removes both links, and it is caused by both faults, so each has converge = 1 s and blackhole =
/// 1 s. Every stalled flow resumes at the first RTO point after 31 s, 30 + 1.41 s, on ch2/ch4
/// (9.18 Gbps for 6 Gbps): recover ≈ 1.42 s for both, by failover. 3/4 of the flows stall
/// (1 − (2/4)²: data or ACK on one of the two cut channels), 48 of 64. `converge_within = "2s"` and
/// `recover_within = "5s"` pass: exit 0.
#[test]
fn same_instant_cuts_both_change_forwarding() {
    let r = run("same-instant-cuts");
    let mut c = Checks::new("same-instant-cuts");
    for id in ["cut1", "cut3"] {
        let f = r.fault(id);
        c.within(&format!("{id} detect"), detect(f), about(0.0), "carrier loss");
        c.within(&format!("{id} converge"), converge(f), about(CONVERGENCE), "the shared withdrawal has both faults as causes");
        c.within(&format!("{id} blackhole"), blackhole(f), about(CONVERGENCE), "FIB points into its link until the withdrawal");
        c.within(&format!("{id} recover"), recover(f), recover_window(CONVERGENCE), "resume at 31.41 s");
        c.that(f["effect"]["forwarding_changed"] != Value::Bool(false), format!("{id}: effect.forwarding_changed is false"));
        c.recovered_by(f, "failover");
    }
    c.within("app stall count", num(r.group("app"), &["stall_count"]), stalled_flows(2), "3/4 of 64 flows: data OR ACK on ch1 or ch3");
    c.expectation(&r, "converge_within", true, "1 s ≤ 2 s for both");
    c.expectation(&r, "recover_within", true, "1.42 s ≤ 5 s for both");
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
/// - bh recover ≈ 6.25 s: the stalled flows retransmit at 0.2015·(1, 3, 7, 15, 31) s; the last
///   withdrawal comes in (5, 6] s (the GCP side's, for ACK paths, in (3, 4] s, after the 3.02 s
///   point), so every one of them resumes at 6.25 s, plus slow start.
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
    c.within("bh recover", recover(bh), recover_window(BFD_LAST_FIB.0), "every stalled flow resumes at the 6.25 s RTO point");
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
/// - recover ≈ 3.03 s (not 0): the flows on ch2 stall at 30 s; the path works again at +2 s; the
///   first Linux RTO point at or after 2 s is 0.2015 × 15 = 3.02 s, plus slow start. By repair.
///   The flows that stall are those with data or ACKs on ch2: 7/16 of 64 ≈ 28.
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
    c.within("recover", recover(f), recover_window(2.0), "flows resume at 3.02 s, the first RTO point after the repair");
    c.recovered_by(f, "repair");
    c.within("app rto", rto(r.group("app")), recover_window(2.0), "one episode, 30 → 33.03 s");
    c.within("app stall count", num(r.group("app"), &["stall_count"]), stalled_flows(1), "7/16 of 64 flows: data OR ACK on ch2");
    c.expectation(&r, "recover_within", false, "3.03 s > 1 s");
    c.exit(&r, 1, "recover_within fails");
    c.loss_adds_up(&r);
    c.finish();
}

/// `cut-short`: ash/ch2 cut at 30 s for 500 ms.
///
/// True values:
/// - detect 0 (carrier loss).
/// - converge 1 s: the withdrawal was decided at 30 s, while the cut was in force, and applied at
///   31 s after the repair; it counts. The re-advertisement (session up at 31.5 s, FIB 32.5 s) is
///   decided after the repair and does not.
/// - blackhole = 0.5 s: the link drops everything only while cut (30 → 30.5 s) and the FIB points
///   into it all that time; from 30.5 s it forwards again (the flows resume on it at 30.6 s).
/// - recover ≈ 0.61 s: flows stall at 30 s, the path is back at +0.5 s, the first RTO point at or
///   after it is 0.2015 × 3 = 0.60 s; by repair. `recover_within = "1s"` passes: exit 0.
#[test]
fn cut_short_keeps_its_blackhole_and_convergence() {
    let r = run("cut-short");
    let mut c = Checks::new("cut-short");
    let f = r.fault("bh");
    c.within("detect", detect(f), about(0.0), "carrier loss");
    c.within("converge", converge(f), about(CONVERGENCE), "withdrawal decided during the cut, applied after it");
    c.within("blackhole", blackhole(f), about(0.5), "FIB points into the cut link for the whole 0.5 s cut");
    c.that(blackhole(f).is_some_and(|b| b > 0.0 && b <= 0.5 + CONVERGENCE), "blackhole must be in (0, 0.5 s + convergence]");
    c.within("recover", recover(f), recover_window(0.5), "resume at 0.60 s");
    c.within("app stall count", num(r.group("app"), &["stall_count"]), stalled_flows(1), "7/16 of 64 flows: data OR ACK on ch2");
    c.recovered_by(f, "repair");
    c.expectation(&r, "recover_within", true, "0.61 s ≤ 1 s");
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
/// - group RTO ≈ 3.03 s: the reset lowers no flow's rate (the rehash moves flows between working
///   channels with 13.8 Gbps for 6 Gbps), so the only episode is later-bh's, 60 s → 63.03 s (the
///   first RTO point after its 2 s repair). Measured from the first fault it would be 33 s.
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
    c.within("later-bh recover", recover(bh), recover_window(2.0), "its flows resume 3.02 s after it started");
    c.within("app rto", rto(r.group("app")), recover_window(2.0), "the only disruption episode is later-bh's");
    if let Some(id) = get(r.group("app"), &["rto_fault", "rto_fault_id", "rto_started_by"]).and_then(Value::as_str) {
        c.that(id == "later-bh", format!("the worst episode was started by `{id}`, true: `later-bh`"));
    }
    c.loss_adds_up(&r);
    c.finish();
}

/// `both-facilities-power-rto`: fac-a down 60 s → 1260 s; fac-b down 660 s → 960 s.
///
/// True values:
/// - power-a: carrier, failover to fac-b's channels 1 s later; recover = 1.41 s (first RTO point
///   after 1 s) + slow start.
/// - power-b: from 660 s no channel is left; every flow stalls. fac-b returns at 960 s, sessions at
///   961 s, FIBs at 962 s: 302 s after the stall. The Linux schedule 0.2015·(2^k − 1) s with each
///   interval capped at 120 s passes 102.96, 206.13, 326.13 s: the flows resume 326.13 s after
///   660 s. recover ≈ 326.14 s, by repair.
/// - group RTO ≈ 326.14 s: RTO is per disruption episode (from falling below 95 % to back above),
///   the worst one is power-b's; `rto_within = "1m"` fails. `min_throughput = 50%` fails too (0 bps
///   from 660 s). Exit 1.
#[test]
fn both_facilities_power_rto_is_the_worst_episode() {
    let r = run("both-facilities-power-rto");
    let mut c = Checks::new("both-facilities-power-rto");
    let (a, b) = (r.fault("power-a"), r.fault("power-b"));
    c.within("power-a recover", recover(a), recover_window(CONVERGENCE), "failover to fac-b");
    c.recovered_by(a, "failover");
    let back = 300.0 + ESTABLISH + CONVERGENCE;
    c.within("power-b recover", recover(b), recover_window(back), "resume at 326.13 s after fac-b's return");
    c.recovered_by(b, "repair");
    let g = r.group("app-db");
    c.within("app-db rto", rto(g), recover_window(back), "the worst episode is power-b's 326 s");
    c.that(rto(g).is_some_and(|x| x >= 300.0), "RTO must be ≥ 300 s: app-db delivered nothing from 660 s to 986 s");
    if let Some(id) = get(g, &["rto_fault", "rto_fault_id", "rto_started_by"]).and_then(Value::as_str) {
        c.that(id == "power-b", format!("the worst episode was started by `{id}`, true: `power-b`"));
    }
    c.expectation(&r, "rto_within", false, "326 s > 60 s");
    c.expectation(&r, "min_throughput", false, "0 bps while both facilities are down");
    c.exit(&r, 1, "rto_within and min_throughput fail");
    c.loss_adds_up(&r);
    c.finish();
}

/// `rpo-backlog`: replication 1 Gbps; all channels cut 10 s → 15 s; the source region lost at 150 s.
///
/// True value: RPO ≈ one RTT of writes, 1.5 ms: between the writes on the wire (one-way,
/// 0.75 ms) and those unacknowledged (RTT, 1.5 ms); asserted in [0.5 ms, 5 ms], ≪ 1 s. The early cut stalls
/// replication until 22.7 s (resume at the first RTO point after the path returns at 17 s); the
/// 12.7 s backlog is then caught up at the rate the network allows (4 × 4.589 Gbps for 1 Gbps of
/// writes: seconds, not minutes), long before 150 s. When the source is lost, only the writes in
/// flight (rate × RTT) are not yet replicated (README: "its RPO equals the data in flight").
/// Conservation: delivered = 18.75 GB written in 150 s − the RPO's bytes (nothing more: the
/// catch-up ends when the backlog is gone). `rpo_within = "1s"` passes: exit 0.
#[test]
fn rpo_backlog_is_drained_long_before_the_source_is_lost() {
    let r = run("rpo-backlog");
    let mut c = Checks::new("rpo-backlog");
    let g = r.group("repl");
    c.within("repl rpo", rpo(g), (0.0005, 0.005), "only the writes in flight (≈ 1 RTT = 1.5 ms) are unreplicated at 150 s");
    c.within("early-cut recover", recover(r.fault("early-cut")), recover_window(5.0 + ESTABLISH + CONVERGENCE), "resume at 12.69 s");
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
/// with `ash2` cut. Carrier loss takes the sessions down at once, and the forwarding change
/// follows after the convergence delay of the interconnect whose sessions went down: converge =
/// 5 s for the `ash` cut and 1 s for the `ash2` cut (whichever of the two changed forwarding; at
/// least one did, since the traffic uses one of them).
#[test]
fn two_ic_policy_each_interconnect_converges_on_its_own_delay() {
    let text = std::fs::read_to_string(root().join(fixture("two-ic-policy"))).expect("fixture");
    let dir = std::env::temp_dir().join(format!("faultline-metrics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut c = Checks::new("two-ic-policy (cuts)");
    let mut changed = 0;
    for (ic, delay) in [("ash", 5.0), ("ash2", CONVERGENCE)] {
        let cut = format!("\n[[fault]]\nid = \"cut-{ic}\"\nat = \"20s\"\ncut = \"{ic}\"\nfor = \"20s\"\n");
        let body = text.replace("[expect]", &format!("{cut}\n[expect]"));
        let path = dir.join(format!("two-ic-policy-cut-{ic}.toml"));
        std::fs::write(&path, body).expect("write variant");
        let r = run_path(path.to_str().expect("utf-8 path"), &[]);
        let f = r.fault(&format!("cut-{ic}"));
        c.within(&format!("cut {ic} detect"), detect(f), about(0.0), "carrier loss");
        if let Some(x) = converge(f) {
            changed += 1;
            c.within(&format!("cut {ic} converge"), Some(x), about(delay), &format!("{ic}'s convergence delay is {delay} s"));
        }
    }
    c.that(changed > 0, "neither cut changed forwarding");
    c.finish();
}
