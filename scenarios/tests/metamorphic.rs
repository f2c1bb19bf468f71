//! Metamorphic and invariant tests of the metrics (issue 8), over the scenario library and over
//! random fault schedules generated with proptest.
//!
//! The properties, each written as it should hold (none is weakened to fit the current code):
//!
//! 1. **Slicing.** The report (the whole struct, fingerprint included) is the same whether
//!    `run_until` is called once, in 7 or 1,000 equal slices, or at random points (including
//!    the instants faults act and 1 ns either side). 1b: reading the byte ledger at those
//!    points changes nothing either.
//! 2. **Permutation.** Reordering the `[[fault]]` tables changes nothing but the order of the
//!    per-fault rows: every row, compared by fault id, and everything else in the report is
//!    equal. The fingerprint is not compared: trace records name faults by index, so it
//!    changes whenever the indices of faults that act change (the tests count how often).
//! 3. **Locality.** Adding a fault on a second interconnect that shares nothing with a group
//!    (another site pair; the group's route does not cross it) leaves that group's
//!    `GroupReport` unchanged (3a), and the rows of the faults on the group's own
//!    interconnect (3b).
//! 4. **Invariants** on every schedule: times are non-negative and detect <= converge (drains
//!    excepted: they move traffic before they take the session down); blackhole <= the
//!    fault's span + 2 s; the faults' losses plus background loss equal the groups' total;
//!    with a single fault and no background loss, that fault's loss is the groups' whole loss
//!    and its recovery comes no earlier than the last stalled flow's resume (never, if a flow
//!    is still stalled at the end); bytes are conserved exactly at many instants.
//!
//! Random schedules run on two managed quads (`ash`: us-east-1 to us-east4, `pdx`: us-west-2
//! to us-west1) for 60 s with 8 + 4 flows, and are adversarial on purpose: faults at t = 0 and
//! 1 ms before the end, 1 ms long, simultaneous (a shared instant), overlapping on one
//! channel, a facility and one of its channels together, and every action the format has
//! except site, region and endpoint loss. The proptest runner uses a fixed seed, so CI sees
//! the same cases every time; a failure prints the shrunk schedule as a scenario file.
//!
//! The library runs once per scenario (shared by the tests); packet-fidelity scenarios are
//! cut to 8 s and `bench-scale` is left out, to keep the suite within CI's budget.
//!
//! Run: `cargo test --release -p scenarios --test metamorphic -- --nocapture`
//! (`PROPTEST_CASES=1000` for a deeper run).

#[path = "support/budget_stops.rs"]
mod budget_stops;

use std::collections::BTreeMap;
use std::fmt;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use scenarios::Scenario;
use sim_core::model::GroupId;
use sim_core::report::{FaultReport, GroupReport};
use sim_core::trace::{TraceKind, TraceRecord};
use sim_core::{Model, Report, SimOptions, SimTime, Simulation};

// ---------------------------------------------------------------------------------------------
// Running a scenario

fn simulation(s: &Scenario, opts: SimOptions) -> Simulation {
    let model = Model::build(&s.spec).unwrap_or_else(|e| panic!("{}: a loaded scenario builds: {e}", s.name));
    Simulation::new(model, s.seed, opts)
}

fn end_of(s: &Scenario) -> SimTime {
    SimTime::ZERO + s.duration
}

/// Runs to each cut in order (cuts need not be sorted or distinct), then to the end.
fn run_cut(s: &Scenario, cuts: &[SimTime]) -> Report {
    let mut sim = simulation(s, SimOptions::default());
    for &t in cuts {
        sim.run_until(t);
    }
    sim.run();
    sim.report()
}

/// `n` equal slices of the run.
fn equal_cuts(end: SimTime, n: u64) -> Vec<SimTime> {
    (1..=n).map(|k| SimTime((u128::from(end.as_nanos()) * u128::from(k) / u128::from(n)) as u64)).collect()
}

/// Runs to each cut, checking conservation of every group's ledger there; returns the report
/// and the violations found.
fn run_checking_ledgers(s: &Scenario, cuts: &[SimTime]) -> (Report, Vec<String>) {
    let mut sim = simulation(s, SimOptions::default());
    let groups = s.spec.traffic.len();
    let mut bad = Vec::new();
    let mut check = |sim: &mut Simulation| {
        for g in 0..groups {
            let (sent, delivered, lost, in_flight) = sim.group_ledger_exact(GroupId(g as u32));
            if sent != delivered + lost + in_flight {
                bad.push(format!(
                    "group {} at {:?}: sent {sent} != delivered {delivered} + lost {lost} + in flight {in_flight} (bit-ns; off by {})",
                    s.spec.traffic[g].id,
                    sim.now(),
                    sent as i128 - (delivered + lost + in_flight) as i128
                ));
            }
        }
    };
    check(&mut sim);
    for &t in cuts {
        sim.run_until(t);
        check(&mut sim);
    }
    sim.run();
    check(&mut sim);
    (sim.report(), bad)
}

// ---------------------------------------------------------------------------------------------
// Comparing reports

/// Paths (JSON pointer style) where two serialisable values differ, with both values.
fn diff<T: serde::Serialize>(a: &T, b: &T) -> Vec<String> {
    fn walk(path: String, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
        use serde_json::Value::{Array, Object};
        match (a, b) {
            (Object(x), Object(y)) => {
                for (k, va) in x {
                    match y.get(k) {
                        Some(vb) => walk(format!("{path}/{k}"), va, vb, out),
                        None => out.push(format!("{path}/{k}: {va} vs (absent)")),
                    }
                }
                for k in y.keys().filter(|k| !x.contains_key(*k)) {
                    out.push(format!("{path}/{k}: (absent) vs {}", y[k]));
                }
            }
            (Array(x), Array(y)) if x.len() == y.len() => {
                for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                    // Name rows by their id where they have one.
                    let name = va.get("id").and_then(|v| v.as_str()).map_or_else(|| i.to_string(), |id| format!("{i}({id})"));
                    walk(format!("{path}/{name}"), va, vb, out);
                }
            }
            _ if a != b => out.push(format!("{path}: {a} vs {b}")),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let (a, b) = (serde_json::to_value(a).expect("serialises"), serde_json::to_value(b).expect("serialises"));
    walk(String::new(), &a, &b, &mut out);
    out
}

fn same<T: serde::Serialize + PartialEq>(what: &str, a: &T, b: &T) -> Result<(), String> {
    if a == b {
        return Ok(());
    }
    let d = diff(a, b);
    let shown: Vec<&String> = d.iter().take(12).collect();
    Err(format!(
        "{what} differ in {} place(s){}:\n    {}",
        d.len().max(1),
        if d.len() > 12 { " (first 12)" } else { "" },
        shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n    ")
    ))
}

fn faults_by_id(r: &Report) -> BTreeMap<&str, &FaultReport> {
    r.faults.iter().map(|f| (f.id.as_str(), f)).collect()
}

fn group<'a>(r: &'a Report, id: &str) -> &'a GroupReport {
    r.traffic.iter().find(|g| g.id == id).unwrap_or_else(|| panic!("group {id} in the report"))
}

// ---------------------------------------------------------------------------------------------
// The properties, as functions of a scenario (shared by the library and the random schedules)

/// Property 1: 7 and 1,000 equal slices give the report of one `run_until` (the whole run:
/// `run` is `run_until(end)`, so one slice is that run itself).
fn check_equal_slices(s: &Scenario, whole: &Report) -> Result<(), String> {
    let end = end_of(s);
    for n in [7, 1000] {
        same(&format!("reports of one run_until and of {n} equal slices"), whole, &run_cut(s, &equal_cuts(end, n)))?;
    }
    Ok(())
}

/// Property 1: `run_until` at chosen points gives the report of one call.
fn check_cut_points(s: &Scenario, whole: &Report, cuts: &[SimTime]) -> Result<(), String> {
    same(&format!("reports of one run_until and of run_until at {} chosen points {cuts:?}", cuts.len()), whole, &run_cut(s, cuts))
}

/// Property 1b and 4 (conservation): sent = delivered + lost + in flight exactly at each cut,
/// and reading the ledgers there changes nothing (`plain` is the run cut at the same points).
fn check_ledgers(s: &Scenario, cuts: &[SimTime], plain: &Report) -> Result<(), String> {
    let (observed, bad) = run_checking_ledgers(s, cuts);
    if !bad.is_empty() {
        return Err(format!(
            "bytes not conserved at {} instant(s):\n    {}",
            bad.len(),
            bad.iter().take(6).cloned().collect::<Vec<_>>().join("\n    ")
        ));
    }
    same("reports of a run cut at the same points with and without reading the ledgers there", plain, &observed)
}

/// Property 2: `b` is `a` with its faults reordered. Returns whether the fingerprints agree
/// (not asserted: trace records name faults by index).
fn check_permutation(a: &Report, b: &Report) -> Result<bool, String> {
    let (fa, fb) = (faults_by_id(a), faults_by_id(b));
    if fa.keys().ne(fb.keys()) {
        return Err(format!("fault ids differ: {:?} vs {:?}", fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>()));
    }
    for (id, x) in &fa {
        same(&format!("rows of fault `{id}` before and after permuting the faults"), *x, fb[id])?;
    }
    let strip = |r: &Report| Report { fingerprint: String::new(), faults: Vec::new(), ..r.clone() };
    same("reports (all but the fault rows and the fingerprint) before and after permuting", &strip(a), &strip(b))?;
    Ok(a.fingerprint == b.fingerprint)
}

fn tag(f: &FaultReport) -> String {
    format!("fault `{}` ({} {} at {} s)", f.id, f.kind, f.target, f.at_s)
}

fn collect(bad: Vec<String>) -> Result<(), String> {
    if bad.is_empty() { Ok(()) } else { Err(bad.join("\n    ")) }
}

const EPS: f64 = 1e-9;

/// Property 4a: times are non-negative, a fault ends after it starts, and it is detected no
/// later than its last forwarding change. Drains are exempt from the last: a drain moves
/// traffic first (the prepend changes forwarding) and takes the session down `wait` later,
/// by design, so its detection legitimately comes after its convergence.
fn check_times(r: &Report) -> Result<(), String> {
    let mut bad = Vec::new();
    for f in &r.faults {
        for (name, v) in
            [("detect_s", f.detect_s), ("converge_s", f.converge_s), ("recover_s", f.recover_s), ("blackhole_s", Some(f.blackhole_s))]
        {
            // `is_nan` too: a NaN would slip past `v < 0.0`.
            if let Some(v) = v
                && (v < 0.0 || v.is_nan())
            {
                bad.push(format!("{}: {name} = {v} < 0", tag(f)));
            }
        }
        if let Some(e) = f.end_s
            && e < f.at_s
        {
            bad.push(format!("{}: ends at {e} s, before it starts", tag(f)));
        }
        if let (Some(d), Some(c)) = (f.detect_s, f.converge_s)
            && d > c + EPS
            && f.kind != "drain"
        {
            bad.push(format!("{}: detected at +{d} s, after its last forwarding change at +{c} s", tag(f)));
        }
    }
    collect(bad)
}

/// Span of a fault for the blackhole bound, from the report: start to repair, or to the end.
fn span_s(f: &FaultReport, duration_s: f64) -> f64 {
    f.end_s.unwrap_or(duration_s).min(duration_s) - f.at_s
}

/// [ASSUMPTION] Slack on the blackhole bound. Forwarding stops pointing into a dead link when
/// the link is repaired (it no longer drops anything), so blackhole <= span holds exactly in
/// the model; 2 s allows each side of the one hop its 1 s convergence delay, generously.
const BLACKHOLE_SLACK_S: f64 = 2.0;

/// Property 4b: blackhole <= span + slack. `spans` gives the span by fault id where the
/// schedule knows it better than the report (a reset is an instant; a flap lasts its cycles).
fn check_blackhole(r: &Report, duration_s: f64, spans: &BTreeMap<String, f64>) -> Result<(), String> {
    let mut bad = Vec::new();
    for f in &r.faults {
        let span = spans.get(&f.id).copied().unwrap_or_else(|| span_s(f, duration_s));
        if f.blackhole_s > span + BLACKHOLE_SLACK_S + EPS {
            bad.push(format!("{}: blackhole {} s > span {span} s + {BLACKHOLE_SLACK_S} s", tag(f), f.blackhole_s));
        }
    }
    collect(bad)
}

/// Property 4c: the faults' losses plus the groups' background (unattributed) loss equal the
/// groups' total. The background figure is read through serde so that this compiles whether
/// or not `GroupReport` has it yet (`background_lost_bytes`); without it, only "the faults
/// lose no more than the groups" is checked. Each figure is a floor of an exact
/// bit-nanosecond sum, so the two sides may differ by less than one byte per fault and group.
fn check_loss_sum(r: &Report) -> Result<(), String> {
    let mut bad = Vec::new();
    for f in &r.faults {
        if f.lost_bytes != f.effect.lost_bytes {
            bad.push(format!("{}: lost_bytes {} but effect.lost_bytes {}", tag(f), f.lost_bytes, f.effect.lost_bytes));
        }
    }
    let fault_lost: u64 = r.faults.iter().map(|f| f.lost_bytes).sum();
    let group_lost: u64 = r.traffic.iter().map(|g| g.lost_bytes).sum();
    let background: Option<u64> = r.traffic.iter().map(|g| serde_json::to_value(g).ok()?.get("background_lost_bytes")?.as_u64()).sum();
    let slack = (r.faults.len() + r.traffic.len()) as u64;
    match background {
        Some(bg) if (fault_lost + bg).abs_diff(group_lost) > slack => bad.push(format!(
            "faults lost {fault_lost} B and background {bg} B, {} B in all, but the groups lost {group_lost} B",
            fault_lost + bg
        )),
        None if fault_lost > group_lost + r.traffic.len() as u64 => {
            bad.push(format!("faults lost {fault_lost} B in all, more than the groups' {group_lost} B"))
        }
        _ => {}
    }
    collect(bad)
}

/// Property 4c with one fault and no background loss: every lost byte is that fault's.
fn check_single_fault_loss(r: &Report) -> Result<(), String> {
    let [f] = r.faults.as_slice() else { return Ok(()) };
    let group_lost: u64 = r.traffic.iter().map(|g| g.lost_bytes).sum();
    let slack = r.traffic.len() as u64;
    if group_lost > f.lost_bytes + slack || f.lost_bytes > group_lost + slack {
        return Err(format!(
            "the only fault, {}, lost {} B but the groups lost {group_lost} B, with no background loss",
            tag(f),
            f.lost_bytes
        ));
    }
    Ok(())
}

/// Property 4d with one fault (so every stall is its doing): it has not recovered before every
/// flow that stalled has resumed, and not at all if a flow is still stalled at the end.
fn check_single_fault_recovery(r: &Report, records: &[TraceRecord]) -> Result<(), String> {
    let [f] = r.faults.as_slice() else { return Ok(()) };
    let Some(rec) = f.recover_s else { return Ok(()) };
    let mut last: BTreeMap<u32, (TraceKind, SimTime)> = BTreeMap::new();
    for x in records.iter().filter(|x| matches!(x.kind, TraceKind::Stall | TraceKind::Resume)) {
        last.insert(x.a, (x.kind, x.t));
    }
    let stalled: Vec<u32> = last.iter().filter(|(_, (k, _))| *k == TraceKind::Stall).map(|(flow, _)| *flow).collect();
    if !stalled.is_empty() {
        return Err(format!("{} recovered at +{rec} s although flow(s) {stalled:?} are still stalled at the end", tag(f)));
    }
    let last_resume = last.values().map(|(_, t)| t.as_secs_f64()).fold(f64::NEG_INFINITY, f64::max);
    if f.at_s + rec + EPS < last_resume {
        return Err(format!("{} recovered at +{rec} s, before its last stalled flow resumed at +{} s", tag(f), last_resume - f.at_s));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Random schedules

const DURATION_MS: u64 = 60_000;
/// A shared instant, so that several faults start together.
const SHARED_MS: u64 = 20_000;

#[derive(Clone, Debug, PartialEq)]
enum Action {
    Cut(String),
    Blackhole(String),
    Degrade { target: String, loss: Option<&'static str>, delay: Option<&'static str>, capacity: Option<&'static str> },
    Partition { target: String, direction: &'static str },
    BgpReset(String),
    BfdDisable(String),
    FacilityDown(String),
    RouterDown(String),
    Flap { target: String, period_ms: u64, duty_pct: u32, count: u32 },
    Drain { target: String, wait_ms: u64 },
}

#[derive(Clone, PartialEq)]
struct FaultDef {
    id: String,
    at_ms: u64,
    for_ms: Option<u64>,
    action: Action,
}

impl FaultDef {
    /// The interconnect it touches.
    fn interconnect(&self) -> &str {
        let t = match &self.action {
            Action::Cut(t)
            | Action::Blackhole(t)
            | Action::BgpReset(t)
            | Action::BfdDisable(t)
            | Action::FacilityDown(t)
            | Action::RouterDown(t) => t,
            Action::Degrade { target, .. }
            | Action::Partition { target, .. }
            | Action::Flap { target, .. }
            | Action::Drain { target, .. } => target,
        };
        t.split('/').next().unwrap_or(t)
    }

    /// Seconds the fault can keep a link broken: to its repair (or the end); a reset is an
    /// instant; a flap lasts its cycles.
    fn span_s(&self) -> f64 {
        let until_end = (DURATION_MS - self.at_ms) as f64 / 1e3;
        match &self.action {
            Action::BgpReset(_) => 0.0,
            Action::Flap { period_ms, count, .. } => {
                let cycles = (period_ms * u64::from(*count)) as f64 / 1e3;
                self.for_ms.map_or(cycles, |f| cycles.min(f as f64 / 1e3)).min(until_end)
            }
            _ => self.for_ms.map_or(until_end, |f| (f as f64 / 1e3).min(until_end)),
        }
    }

    fn toml(&self) -> String {
        let mut s = format!("[[fault]]\nid = \"{}\"\nat = \"{}ms\"\n", self.id, self.at_ms);
        if let Some(f) = self.for_ms {
            s += &format!("for = \"{f}ms\"\n");
        }
        s += &match &self.action {
            Action::Cut(t) => format!("cut = \"{t}\"\n"),
            Action::Blackhole(t) => format!("blackhole = \"{t}\"\n"),
            Action::BgpReset(t) => format!("bgp_reset = \"{t}\"\n"),
            Action::BfdDisable(t) => format!("bfd_disable = \"{t}\"\n"),
            Action::FacilityDown(t) => format!("facility_down = \"{t}\"\n"),
            Action::RouterDown(t) => format!("router_down = \"{t}\"\n"),
            Action::Degrade { target, loss, delay, capacity } => {
                let mut parts = vec![format!("target = \"{target}\"")];
                for (k, v) in [("loss", loss), ("delay", delay), ("capacity", capacity)] {
                    if let Some(v) = v {
                        parts.push(format!("{k} = \"{v}\""));
                    }
                }
                format!("degrade = {{ {} }}\n", parts.join(", "))
            }
            Action::Partition { target, direction } => format!("partition = {{ target = \"{target}\", direction = \"{direction}\" }}\n"),
            Action::Flap { target, period_ms, duty_pct, count } => {
                format!("flap = {{ target = \"{target}\", period = \"{period_ms}ms\", duty = \"{duty_pct}%\", count = {count} }}\n")
            }
            Action::Drain { target, wait_ms } => format!("drain = {{ target = \"{target}\", wait = \"{wait_ms}ms\" }}\n"),
        };
        s
    }
}

#[derive(Clone, PartialEq)]
struct Schedule {
    seed: u64,
    /// BFD on `ash` (off: silent failures wait for the BGP hold timer).
    bfd: bool,
    faults: Vec<FaultDef>,
}

impl Schedule {
    fn toml(&self) -> String {
        let mut s = format!(
            r#"[scenario]
name = "metamorphic"
duration = "{DURATION_MS}ms"
seed = {seed}

[[interconnect]]
id = "ash"
template = "aws-gcp-managed"
aws = "us-east-1"
gcp = "us-east4"
bandwidth = "10Gbps"
bfd = {bfd}

[[interconnect]]
id = "pdx"
template = "aws-gcp-managed"
aws = "us-west-2"
gcp = "us-west1"
bandwidth = "10Gbps"

[[traffic]]
id = "east"
from = "aws:us-east-1"
to = "gcp:us-east4"
flows = 8
rate = "6Gbps"

[[traffic]]
id = "west"
from = "aws:us-west-2"
to = "gcp:us-west1"
flows = 4
rate = "3Gbps"
"#,
            seed = self.seed,
            bfd = self.bfd
        );
        for f in &self.faults {
            s += "\n";
            s += &f.toml();
        }
        s
    }

    fn scenario(&self) -> Scenario {
        scenarios::load_str("metamorphic.toml", &self.toml())
            .unwrap_or_else(|e| panic!("generated scenario is valid:\n{e}\n{}", self.toml()))
    }

    fn spans(&self) -> BTreeMap<String, f64> {
        self.faults.iter().map(|f| (f.id.clone(), f.span_s())).collect()
    }

    /// The instants faults act at, and 1 ns either side.
    fn fault_instants(&self) -> Vec<SimTime> {
        let mut v = Vec::new();
        for f in &self.faults {
            let at = f.at_ms * 1_000_000;
            let mut ts = vec![at];
            if let Some(d) = f.for_ms {
                ts.push(at + d * 1_000_000);
            }
            for t in ts {
                v.extend([t.saturating_sub(1), t, t + 1].map(SimTime));
            }
        }
        v.sort();
        v.dedup();
        v
    }
}

/// Debug prints the schedule as the scenario file it is, so a shrunk case can be pasted into
/// `faultline run`.
impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{}", self.toml())
    }
}
impl fmt::Debug for FaultDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{}", self.toml())
    }
}

fn link_target(ic: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (1u32..=4).prop_map(move |n| format!("{ic}/ch{n}")),
        1 => Just(ic.to_string()),
    ]
}

fn action(ic: &'static str) -> impl Strategy<Value = Action> {
    let loss = prop_oneof![Just(None), Just(Some("0.5%")), Just(Some("2%")), Just(Some("20%"))];
    let delay = prop_oneof![Just(None), Just(Some("1ms")), Just(Some("20ms"))];
    let capacity = prop_oneof![Just(None), Just(Some("50%")), Just(Some("10%"))];
    prop_oneof![
        4 => link_target(ic).prop_map(Action::Cut),
        4 => link_target(ic).prop_map(Action::Blackhole),
        3 => (link_target(ic), loss, delay, capacity).prop_map(|(target, loss, delay, capacity)| {
            let loss = if loss.is_none() && delay.is_none() && capacity.is_none() { Some("2%") } else { loss };
            Action::Degrade { target, loss, delay, capacity }
        }),
        3 => (link_target(ic), prop_oneof![Just("a-to-b"), Just("b-to-a"), Just("both")])
            .prop_map(|(target, direction)| Action::Partition { target, direction }),
        2 => link_target(ic).prop_map(Action::BgpReset),
        1 => link_target(ic).prop_map(Action::BfdDisable),
        3 => prop_oneof![Just("fac-a"), Just("fac-b")].prop_map(move |f| Action::FacilityDown(format!("{ic}/{f}"))),
        1 => (prop_oneof![Just("aws"), Just("gcp")], 1u32..=4).prop_map(move |(c, n)| Action::RouterDown(format!("{ic}/{c}-r{n}"))),
        1 => (link_target(ic), 200u64..5_000, 10u32..90, 1u32..4)
            .prop_map(|(target, period_ms, duty_pct, count)| Action::Flap { target, period_ms, duty_pct, count }),
        1 => (link_target(ic), 1u64..10_000).prop_map(|(target, wait_ms)| Action::Drain { target, wait_ms }),
    ]
}

fn at_ms() -> impl Strategy<Value = u64> {
    prop_oneof![
        2 => Just(0u64),
        2 => Just(DURATION_MS - 1),
        3 => Just(SHARED_MS),
        3 => SHARED_MS..SHARED_MS + 600,
        4 => 0..DURATION_MS,
    ]
}

fn for_ms() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![
        2 => Just(None),
        2 => Just(Some(1u64)),
        3 => (2u64..3_000).prop_map(Some),
        3 => (3_000u64..40_000).prop_map(Some),
    ]
}

fn fault_on(ic: &'static str) -> impl Strategy<Value = FaultDef> {
    (at_ms(), for_ms(), action(ic)).prop_map(|(at_ms, for_ms, action)| {
        // A flap ends with its cycles.
        let for_ms = if matches!(action, Action::Flap { .. }) { None } else { for_ms };
        FaultDef { id: String::new(), at_ms, for_ms, action }
    })
}

fn numbered(mut faults: Vec<FaultDef>, prefix: &str) -> Vec<FaultDef> {
    for (i, f) in faults.iter_mut().enumerate() {
        f.id = format!("{prefix}{}", i + 1);
    }
    faults
}

/// Faults mostly on `ash` (where the `east` group runs), some on `pdx`.
fn schedule(max_faults: usize) -> impl Strategy<Value = Schedule> {
    let fault = prop_oneof![4 => fault_on("ash"), 1 => fault_on("pdx")];
    (1u64..1_000, prop::bool::weighted(0.8), prop::collection::vec(fault, 1..=max_faults)).prop_map(|(seed, bfd, faults)| Schedule {
        seed,
        bfd,
        faults: numbered(faults, "f"),
    })
}

/// Random cut points for `run_until`, in nanoseconds (unsorted and repeated on purpose).
fn cut_points() -> impl Strategy<Value = Vec<SimTime>> {
    prop::collection::vec((0..DURATION_MS * 1_000_000).prop_map(SimTime), 1..40)
}

/// Runs `cases` cases of `strategy` through `test` with a fixed seed (CI sees the same cases
/// every run); on failure returns the message with the case proptest shrank it to.
fn check<S: Strategy>(name: &str, cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), String>) -> Result<(), String>
where
    S::Value: fmt::Debug,
{
    // PROPTEST_CASES raises (or lowers) the count for a deeper local run.
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 4096, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let started = std::time::Instant::now();
    let result = runner.run(&strategy, |v| test(v).map_err(TestCaseError::fail));
    eprintln!("{name}: {cases} cases in {:.1} s", started.elapsed().as_secs_f64());
    match result {
        Ok(()) => Ok(()),
        Err(TestError::Fail(why, minimal)) => Err(format!("{name} fails; the minimal case proptest found:\n{minimal:?}\n\n{why}")),
        Err(TestError::Abort(why)) => Err(format!("{name}: proptest aborted: {why}")),
    }
}

fn must(r: Result<(), String>) {
    if let Err(e) = r {
        panic!("{e}");
    }
}

/// Runs a schedule to the end keeping the trace.
fn traced(sched: &Schedule) -> (Scenario, Report, Vec<TraceRecord>) {
    let s = sched.scenario();
    let mut sim = simulation(&s, SimOptions { keep_trace: true, ..SimOptions::default() });
    sim.run();
    let r = sim.report();
    let records = sim.trace().records().to_vec();
    (s, r, records)
}

/// One fault on either interconnect.
fn single_fault() -> impl Strategy<Value = Schedule> {
    (1u64..1_000, prop::bool::weighted(0.8), prop_oneof![4 => fault_on("ash"), 1 => fault_on("pdx")]).prop_map(|(seed, bfd, f)| Schedule {
        seed,
        bfd,
        faults: numbered(vec![f], "f"),
    })
}

// ---------------------------------------------------------------------------------------------
// Property 1: slicing

#[test]
fn p1_equal_slices_random_schedules() {
    must(check("p1 equal slices", 256, schedule(5), |sched| {
        let s = sched.scenario();
        check_equal_slices(&s, &run_cut(&s, &[]))
    }));
}

#[test]
fn p1_random_cut_points_random_schedules() {
    must(check("p1 cut points", 256, (schedule(5), cut_points(), prop::bool::ANY), |(sched, mut cuts, at_faults)| {
        if at_faults {
            cuts.extend(sched.fault_instants());
        }
        cuts.sort();
        let s = sched.scenario();
        check_cut_points(&s, &run_cut(&s, &[]), &cuts)
    }));
}

#[test]
fn p1b_reading_ledgers_changes_nothing_and_bytes_are_conserved_random_schedules() {
    must(check("p1b ledgers", 256, (schedule(5), cut_points()), |(sched, mut cuts)| {
        cuts.extend(sched.fault_instants());
        cuts.sort();
        let s = sched.scenario();
        check_ledgers(&s, &cuts, &run_cut(&s, &cuts))
    }));
}

// ---------------------------------------------------------------------------------------------
// Property 2: permutation

#[test]
fn p2_permuting_faults_changes_only_row_order() {
    let seen = std::cell::Cell::new((0u32, 0u32));
    let strategy = schedule(5).prop_flat_map(|s| {
        let faults = s.faults.clone();
        (Just(s), Just(faults).prop_shuffle())
    });
    let result = check("p2 permutation", 256, strategy, |(sched, shuffled)| {
        let a = run_cut(&sched.scenario(), &[]);
        let b = run_cut(&Schedule { faults: shuffled, ..sched.clone() }.scenario(), &[]);
        let (n, m) = seen.get();
        seen.set((n + 1, m + u32::from(a.fingerprint == b.fingerprint)));
        check_permutation(&a, &b).map(|_| ())
    });
    let (n, m) = seen.get();
    eprintln!("p2 permutation: fingerprints equal in {m} of {n} runs, shrinking included (trace records name faults by index)");
    must(result);
}

// ---------------------------------------------------------------------------------------------
// Property 3: a fault elsewhere changes nothing here

/// The base schedule, and the same with one more fault on `pdx`, which `east` does not cross.
fn with_extra_on_pdx() -> impl Strategy<Value = (Schedule, Schedule)> {
    (schedule(4), fault_on("pdx")).prop_map(|(base, extra)| {
        let faults = [base.faults.clone(), vec![FaultDef { id: "extra".into(), ..extra }]].concat();
        let with = Schedule { faults, ..base.clone() };
        (base, with)
    })
}

#[test]
fn p3a_a_fault_on_another_interconnect_leaves_the_group_report_alone() {
    must(check("p3a locality (group)", 256, with_extra_on_pdx(), |(base, with)| {
        let (a, b) = (run_cut(&base.scenario(), &[]), run_cut(&with.scenario(), &[]));
        same("the `east` group's report without and with the fault on `pdx`", group(&a, "east"), group(&b, "east"))
    }));
}

#[test]
fn p3b_a_fault_on_another_interconnect_leaves_the_local_fault_rows_alone() {
    must(check("p3b locality (fault rows)", 256, with_extra_on_pdx(), |(base, with)| {
        let (a, b) = (run_cut(&base.scenario(), &[]), run_cut(&with.scenario(), &[]));
        let (fa, fb) = (faults_by_id(&a), faults_by_id(&b));
        for f in base.faults.iter().filter(|f| f.interconnect() == "ash") {
            match (fa.get(f.id.as_str()), fb.get(f.id.as_str())) {
                (Some(x), Some(y)) => same(&format!("rows of `ash` fault `{}` without and with the fault on `pdx`", f.id), *x, *y)?,
                (None, None) => {}
                (x, y) => return Err(format!("fault `{}` has a row in one run only ({} / {})", f.id, x.is_some(), y.is_some())),
            }
        }
        Ok(())
    }));
}

// ---------------------------------------------------------------------------------------------
// Property 4: invariants

#[test]
fn p4a_times_are_ordered_random_schedules() {
    must(check("p4a times", 256, schedule(5), |sched| check_times(&run_cut(&sched.scenario(), &[]))));
}

#[test]
fn p4b_blackhole_is_bounded_by_the_fault_span_random_schedules() {
    must(check("p4b blackhole", 256, schedule(5), |sched| {
        let s = sched.scenario();
        check_blackhole(&run_cut(&s, &[]), s.duration.as_secs_f64(), &sched.spans())
    }));
}

#[test]
fn p4c_fault_and_background_loss_add_up_to_the_groups_random_schedules() {
    must(check("p4c loss sum", 256, schedule(5), |sched| check_loss_sum(&run_cut(&sched.scenario(), &[]))));
}

#[test]
fn p4c_a_single_fault_owns_all_loss() {
    must(check("p4c single-fault loss", 256, single_fault(), |sched| check_single_fault_loss(&run_cut(&sched.scenario(), &[]))));
}

#[test]
fn p4d_a_single_fault_recovers_no_earlier_than_its_flows_resume() {
    must(check("p4d single-fault recovery", 256, single_fault(), |sched| {
        let (_, r, records) = traced(&sched);
        check_single_fault_recovery(&r, &records)
    }));
}

#[test]
fn p4_a_run_without_faults_loses_nothing() {
    let s = Schedule { seed: 1, bfd: true, faults: Vec::new() }.scenario();
    let r = run_cut(&s, &[]);
    for g in &r.traffic {
        assert_eq!(g.lost_bytes, 0, "group {} lost bytes without any fault", g.id);
        assert_eq!(g.stalls.count, 0, "group {} stalled without any fault", g.id);
    }
}

// ---------------------------------------------------------------------------------------------
// The library

/// Too large for a CI test run; still validated by tests/library.rs.
const LIBRARY_SKIP: &[&str] = &["bench-scale"];

/// Packet-fidelity scenarios cost about 0.2 s of CPU per simulated second; they are cut to
/// this length (their faults start at 5 s) so the suite stays within CI's budget.
const PACKET_DURATION: sim_core::SimDuration = sim_core::SimDuration::from_secs(8);

/// Every library scenario (shortened where it runs packets) with its report of one run.
fn library() -> &'static [(Scenario, Report)] {
    static RUNS: std::sync::OnceLock<Vec<(Scenario, Report)>> = std::sync::OnceLock::new();
    RUNS.get_or_init(|| {
        scenarios::library()
            .iter()
            .filter(|e| !LIBRARY_SKIP.contains(&e.name))
            .map(|e| {
                let mut s = scenarios::load_library(e.name).unwrap_or_else(|err| panic!("{}: {err}", e.name));
                if s.spec.traffic.iter().any(|t| t.fidelity == sim_core::spec::Fidelity::Packet) && s.duration > PACKET_DURATION {
                    s.duration = PACKET_DURATION;
                    s.spec.duration = PACKET_DURATION;
                }
                let r = run_cut(&s, &[]);
                (s, r)
            })
            .collect()
    })
}

/// Pseudo-random cut points for a library scenario (a fixed LCG: the library is fixed, so
/// there is nothing for proptest to shrink).
fn lcg_cuts(end: SimTime, n: usize, seed: u64) -> Vec<SimTime> {
    let mut x = seed ^ 0x9e37_79b9_7f4a_7c15;
    let mut v: Vec<SimTime> = (0..n)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            SimTime((x >> 11) % end.as_nanos().max(1))
        })
        .collect();
    v.sort();
    v
}

/// Runs `f` over the library, collecting every failure before failing.
fn over_library(what: &str, f: impl Fn(&Scenario, &Report) -> Result<(), String>) {
    let mut failures = Vec::new();
    let started = std::time::Instant::now();
    for (s, whole) in library() {
        if let Err(e) = f(s, whole) {
            failures.push(format!("{}: {e}", s.name));
        }
    }
    eprintln!("{what}: {} library scenarios in {:.1} s, {} fail", library().len(), started.elapsed().as_secs_f64(), failures.len());
    assert!(failures.is_empty(), "{what} fails for {} library scenario(s):\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn library_p1_equal_slices() {
    over_library("library p1 equal slices", check_equal_slices);
}

#[test]
fn library_p1_cut_points_p1b_ledgers() {
    over_library("library p1 cut points, p1b ledgers", |s, whole| {
        let cuts = lcg_cuts(end_of(s), 25, s.seed);
        let plain = run_cut(s, &cuts);
        let points = same(&format!("reports of one run_until and of run_until at {} pseudo-random points", cuts.len()), whole, &plain);
        let ledgers = check_ledgers(s, &cuts, &plain);
        match (points, ledgers) {
            (Ok(()), Ok(())) => Ok(()),
            (a, b) => Err([a.err(), b.err()].into_iter().flatten().collect::<Vec<_>>().join("\n  ")),
        }
    });
}

#[test]
fn library_p2_permutation() {
    over_library("library p2 permutation", |s, whole| {
        if s.spec.faults.len() < 2 {
            return Ok(());
        }
        let mut rotated = s.spec.faults.clone();
        rotated.rotate_left(1);
        for (how, faults) in [("reversed", s.spec.faults.iter().rev().cloned().collect::<Vec<_>>()), ("rotated", rotated)] {
            let mut t = s.clone();
            t.spec.faults = faults;
            let same_fp = check_permutation(whole, &run_cut(&t, &[])).map_err(|e| format!("faults {how}: {e}"))?;
            eprintln!(
                "library p2 permutation: {} with its faults {how}: fingerprint {}",
                s.name,
                if same_fp { "equal" } else { "differs" }
            );
        }
        Ok(())
    });
}

#[test]
fn library_p4_invariants() {
    over_library("library p4 invariants", |s, r| {
        let checks = [check_times(r), check_blackhole(r, s.duration.as_secs_f64(), &BTreeMap::new()), check_loss_sum(r)];
        let bad: Vec<String> = checks.into_iter().filter_map(Result::err).collect();
        collect(bad)
    });
}

// ---------------------------------------------------------------------------------------------
// Property 5: lazy control packets change nothing

/// A lazy run (sliced at `cuts`, reading the event count at each) against a per-packet run
/// in one go: the same report, fingerprint and trace; and the same stop under an event
/// budget of `max_events`.
fn check_lazy(s: &Scenario, cuts: &[SimTime], max_events: u64) -> Result<(), String> {
    use sim_core::ControlMode;
    let opts = |control| SimOptions { keep_trace: true, control };
    let mut a = simulation(s, opts(ControlMode::PerPacket));
    a.run();
    let mut b = simulation(s, opts(ControlMode::Lazy));
    for &t in cuts {
        b.run_until(t);
        let _ = b.events();
    }
    b.run();
    same("per-packet and lazy reports", &a.report(), &b.report())?;
    if a.trace().records() != b.trace().records() {
        return Err("per-packet and lazy traces differ".into());
    }
    let end = end_of(s);
    budget_stops::agree(|c| simulation(s, opts(c)), end, max_events)
}

#[test]
fn p5_lazy_control_packets_equal_per_packet_random_schedules() {
    let strategy = (schedule(6), cut_points(), 1u64..40_000);
    must(check("p5 lazy equals per-packet", 160, strategy, |(sched, mut cuts, max_events)| {
        let s = sched.scenario();
        cuts.extend(sched.fault_instants());
        cuts.sort();
        check_lazy(&s, &cuts, max_events)
    }));
}
