//! Expectations (`[expect]`), the checks they become after a run, and the verdict.
//!
//! A check compares one number from sim-core's `Report` with a limit. The verdict is:
//! - **Fail** when any check fails;
//! - otherwise **Inconclusive** when a check had nothing to measure, when a scripted fault
//!   had no observable effect (`FaultReport.effect.any()` is false), when no fault of a
//!   random process took effect, or when the file has no expectations at all;
//! - otherwise **Pass**.
//!
//! What counts as "nothing to measure" versus "failed": a fault that took effect but was
//! never detected fails `detect_within` (detection was expected and did not happen); a
//! recovery, convergence or RTO expectation in a run without faults is inconclusive (there
//! was nothing to recover from). Recovery follows resilience-testing practice: it passes when
//! the SLO holds again within the limit, counted from the fault's start (sim-core's
//! `recover_s`). This module does not parse files or build models.

use serde::Serialize;
use sim_core::report::{FaultReport, GroupReport};
use std::sync::atomic::{AtomicU8, Ordering};

use sim_core::{BuildError, ControlMode, Model, Report, SimDuration, SimOptions, SimTime, Simulation};

use crate::Scenario;
use crate::units::{Throughput, fmt_bps, fmt_ppm, show_secs_exact};

/// The SLOs of `[expect]`, in sim-core units. `None`/`false` means "not checked".
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Expectations {
    /// Traffic groups the throughput, loss, RTO, RPO and stall checks look at; empty = all.
    pub traffic: Vec<String>,
    pub detect_within: Option<SimDuration>,
    pub converge_within: Option<SimDuration>,
    pub recover_within: Option<SimDuration>,
    pub min_throughput: Option<Throughput>,
    pub max_lost_bytes: Option<u64>,
    pub no_loss: bool,
    pub rto_within: Option<SimDuration>,
    pub rpo_within: Option<SimDuration>,
    pub stall_p99_within: Option<SimDuration>,
    /// Expect a gray failure: faults take effect but no session ever goes down.
    pub undetected: bool,
    /// Every interconnect's month, counted by its provider's rules, meets this.
    pub sla_within: Option<SlaWithin>,
}

/// What `sla_within` asks of each interconnect's month (see `crate::sla`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SlaWithin {
    /// `true`: the provider's own target (no credit owed).
    Own,
    /// A percentage: the monthly uptime is at least this many parts per million.
    AtLeast(u32),
}

impl Expectations {
    pub fn is_empty(&self) -> bool {
        *self == Expectations::default()
    }
}

/// The result of a run or of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
}

impl Verdict {
    /// Process exit code: 0 pass, 1 fail, 2 inconclusive (3, invalid input, is the CLI's).
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
            Verdict::Inconclusive => 2,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
        }
    }
    pub fn parse(s: &str) -> Option<Verdict> {
        match s.trim() {
            "pass" => Some(Verdict::Pass),
            "fail" => Some(Verdict::Fail),
            "inconclusive" => Some(Verdict::Inconclusive),
            _ => None,
        }
    }
}

/// One expectation checked against the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    /// The `[expect]` key (or `fault_effect` for the evidence check).
    pub name: &'static str,
    /// True only when `status` is `Pass`.
    pub pass: bool,
    pub status: Verdict,
    /// The worst measured value, in `unit`.
    pub measured: Option<f64>,
    pub limit: Option<f64>,
    /// `s`, `bps`, `bytes` or `fraction`.
    pub unit: &'static str,
    pub detail: String,
}

impl Check {
    pub(crate) fn new(
        name: &'static str,
        status: Verdict,
        measured: Option<f64>,
        limit: Option<f64>,
        unit: &'static str,
        detail: String,
    ) -> Check {
        Check { name, pass: status == Verdict::Pass, status, measured, limit, unit, detail }
    }
}

/// What a run produced: the report, the verdict and each check.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub report: Report,
    pub verdict: Verdict,
    pub checks: Vec<Check>,
}

/// Builds a ready-to-run simulation of `scenario` under `seed` (for the TUI, traces, or
/// stepping by hand). A loaded scenario always builds; the error is for hand-made ones.
pub fn prepare(scenario: &Scenario, seed: u64, opts: SimOptions) -> Result<Simulation, BuildError> {
    let opts = SimOptions { control: control_override().unwrap_or(opts.control), ..opts };
    Ok(Simulation::new(Model::build(&scenario.spec)?, seed, opts))
}

/// The process's `--control`, if one was given: 0 none, 1 lazy, 2 per packet.
static CONTROL: AtomicU8 = AtomicU8::new(0);

/// Sets how every simulation this process prepares runs its control packets (`--control`).
/// It changes the speed of a run, never its result.
pub fn set_control(mode: ControlMode) {
    CONTROL.store(if mode == ControlMode::Lazy { 1 } else { 2 }, Ordering::Relaxed);
}

/// The mode simulations this process builds run their control packets in: `--control`'s,
/// else the default (for simulations built outside [`prepare`], such as the TUI's).
pub fn control() -> ControlMode {
    control_override().unwrap_or_default()
}

fn control_override() -> Option<ControlMode> {
    match CONTROL.load(Ordering::Relaxed) {
        1 => Some(ControlMode::Lazy),
        2 => Some(ControlMode::PerPacket),
        _ => None,
    }
}

/// Runs `scenario` to its end under `seed` and judges the report.
pub fn run(scenario: &Scenario, seed: u64, opts: SimOptions) -> Result<Outcome, BuildError> {
    let mut sim = prepare(scenario, seed, opts)?;
    // Held to the process's budget, so a runaway run ends inconclusive instead of never.
    let end = sim.end();
    let stop = crate::run_bounded(scenario, &mut sim, end, &mut |_| None);
    let report = sim.report();
    let (verdict, checks) = crate::evaluate_bounded(scenario, &report, stop.as_ref());
    Ok(Outcome { report, verdict, checks })
}

fn secs(d: SimDuration) -> f64 {
    d.as_secs_f64()
}

fn worst(values: impl Iterator<Item = f64>) -> Option<f64> {
    values.fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
}

/// A time-to-X check over faults that took effect: each must have a value within `limit`.
fn per_fault(
    name: &'static str,
    faults: &[&FaultReport],
    limit: SimDuration,
    get: fn(&FaultReport) -> Option<f64>,
    never: &str,
    stopped: Option<SimTime>,
) -> Check {
    let lim = secs(limit);
    if faults.is_empty() {
        return Check::new(
            name,
            Verdict::Inconclusive,
            None,
            Some(lim),
            "s",
            "no fault took effect, so there is nothing to measure".into(),
        );
    }
    // In a run that stopped early, an open fault whose time so far is above the limit has
    // failed already; one still within it might have made it.
    let open = |f: &&&FaultReport| get(f).is_none();
    let late = |f: &&&FaultReport| stopped.is_none_or(|at| at.as_secs_f64() - f.at_s > lim + 1e-9);
    let pending = match name {
        "detect_within" => "been detected",
        "converge_within" => "changed forwarding",
        _ => "recovered",
    };
    if let Some(f) = faults.iter().filter(open).find(late) {
        let detail = match stopped {
            None => format!("fault `{}` ({} {}) {never}", f.id, f.kind, f.target),
            Some(at) => format!(
                "fault `{}` ({} {}) had not {pending} when the run stopped at t = {at}, {} after it began, above {}",
                f.id,
                f.kind,
                f.target,
                show_secs_exact(at.as_secs_f64() - f.at_s),
                show_secs_exact(lim)
            ),
        };
        return Check::new(name, Verdict::Fail, None, Some(lim), "s", detail);
    }
    if let (Some(f), Some(at)) = (faults.iter().find(open), stopped) {
        let detail = format!(
            "not known: fault `{}` ({} {}) had not {pending} when the run stopped at t = {at}, {} after it began, within {}",
            f.id,
            f.kind,
            f.target,
            show_secs_exact(at.as_secs_f64() - f.at_s),
            show_secs_exact(lim)
        );
        return Check::new(name, Verdict::Inconclusive, None, Some(lim), "s", detail);
    }
    let (id, m) = faults.iter().map(|f| (f.id.as_str(), get(f).unwrap_or(0.0))).fold(("", f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
    let ok = m <= lim + 1e-9;
    let detail = format!("worst {} (fault `{id}`) {} {}", show_secs_exact(m), if ok { "<=" } else { ">" }, show_secs_exact(lim));
    Check::new(name, if ok { Verdict::Pass } else { Verdict::Fail }, Some(m), Some(lim), "s", detail)
}

/// Verdict for a measured value that passes when `ok`.
fn pass_if(ok: bool) -> Verdict {
    if ok { Verdict::Pass } else { Verdict::Fail }
}

/// What the checks read from a report, gathered once.
struct Evidence<'a> {
    /// Faults (scripted or random) that had an observable effect.
    affected: Vec<&'a FaultReport>,
    /// Traffic groups in the `[expect] traffic` scope.
    groups: Vec<&'a GroupReport>,
    /// Bytes lost across `groups`.
    lost: u64,
    /// Whether the scenario injects any fault at all (or the report shows one).
    any_fault: bool,
}

impl<'a> Evidence<'a> {
    fn gather(scenario: &Scenario, report: &'a Report) -> Evidence<'a> {
        let e = &scenario.expect;
        let groups: Vec<&GroupReport> = report.traffic.iter().filter(|g| e.traffic.is_empty() || e.traffic.contains(&g.id)).collect();
        Evidence {
            affected: report.faults.iter().filter(|f| f.effect.any()).collect(),
            lost: groups.iter().map(|g| g.lost_bytes).sum(),
            groups,
            any_fault: !report.faults.is_empty() || !scenario.spec.faults.is_empty() || !scenario.spec.random_faults.is_empty(),
        }
    }
}

/// Judges a report against the scenario's expectations. See the module docs for the rules.
pub fn evaluate(scenario: &Scenario, report: &Report) -> (Verdict, Vec<Check>) {
    evaluate_until(scenario, report, None)
}

/// [`evaluate`] for a run that may have stopped early, at `stopped` seconds: a fault not yet
/// detected, converged or recovered when the run stopped fails its check only when the time
/// it had already taken is above the limit; within the limit the check is inconclusive (the
/// run did not get far enough to know).
pub(crate) fn evaluate_until(scenario: &Scenario, report: &Report, stopped: Option<SimTime>) -> (Verdict, Vec<Check>) {
    let e = &scenario.expect;
    let per_fault = |name, faults: &[&FaultReport], limit, get, never| per_fault(name, faults, limit, get, never, stopped);
    let ev = Evidence::gather(scenario, report);
    // The order here is the order checks are printed and serialised in.
    let checks: Vec<Check> = [
        ev.any_fault.then(|| fault_effect(scenario, report, &ev.affected)),
        e.detect_within.map(|l| per_fault("detect_within", &ev.affected, l, |f| f.detect_s, "was never detected (no session went down)")),
        e.converge_within.map(|l| per_fault("converge_within", &ev.affected, l, |f| f.converge_s, "never changed forwarding")),
        e.recover_within
            .map(|l| per_fault("recover_within", &ev.affected, l, |f| f.recover_s, "never recovered before the next fault or the end")),
        e.undetected.then(|| undetected(&ev.affected)),
        e.min_throughput.map(|t| min_throughput(t, &ev.groups)),
        e.max_lost_bytes.map(|l| max_lost_bytes(ev.lost, l)),
        e.no_loss.then(|| no_loss(ev.lost)),
        e.rto_within.map(|l| rto_within(l, report, &ev)),
        e.rpo_within.map(|l| rpo_within(l, report)),
        e.stall_p99_within.map(|l| stall_p99_within(l, &ev.groups)),
        e.sla_within.map(|w| sla_within(w, scenario, report, stopped.map(SimTime::as_secs_f64))),
    ]
    .into_iter()
    .flatten()
    .collect();
    (verdict(e, &checks), checks)
}

/// Fail beats inconclusive beats pass; a file with no expectations proves nothing.
fn verdict(e: &Expectations, checks: &[Check]) -> Verdict {
    if checks.iter().any(|c| c.status == Verdict::Fail) {
        Verdict::Fail
    } else if checks.iter().any(|c| c.status == Verdict::Inconclusive) || e.is_empty() {
        Verdict::Inconclusive
    } else {
        Verdict::Pass
    }
}

/// Evidence: a fault that changed nothing proves nothing.
fn fault_effect(scenario: &Scenario, report: &Report, affected: &[&FaultReport]) -> Check {
    let scripted = scenario.spec.faults.iter().map(|f| f.id.as_str());
    let mut idle: Vec<String> =
        scripted.filter(|id| !report.faults.iter().any(|f| f.id == *id && f.effect.any())).map(|id| format!("`{id}`")).collect();
    for r in &scenario.spec.random_faults {
        let prefix = format!("{}#", r.id);
        if !report.faults.iter().any(|f| f.id.starts_with(&prefix) && f.effect.any()) {
            idle.push(format!("random process `{}`", r.id));
        }
    }
    let (status, detail) = if idle.is_empty() {
        (Verdict::Pass, format!("{} of {} faults left evidence", affected.len(), report.faults.len()))
    } else {
        (Verdict::Inconclusive, format!("no observable effect from {}", idle.join(", ")))
    };
    Check::new("fault_effect", status, Some(affected.len() as f64), None, "faults", detail)
}

/// A gray failure: faults took effect and no session noticed.
fn undetected(affected: &[&FaultReport]) -> Check {
    if affected.is_empty() {
        return Check::new("undetected", Verdict::Inconclusive, None, None, "faults", "no fault took effect".into());
    }
    let seen: Vec<&str> = affected.iter().filter(|f| f.detect_s.is_some()).map(|f| f.id.as_str()).collect();
    if seen.is_empty() {
        Check::new(
            "undetected",
            Verdict::Pass,
            Some(0.0),
            Some(0.0),
            "faults",
            format!(
                "{} took effect and no session went down: a gray failure",
                if affected.len() == 1 { "1 fault".to_string() } else { format!("{} faults", affected.len()) }
            ),
        )
    } else {
        Check::new(
            "undetected",
            Verdict::Fail,
            Some(seen.len() as f64),
            Some(0.0),
            "faults",
            format!("detected by the control plane: {}", seen.join(", ")),
        )
    }
}

/// The group's worst throughput. Without faults sim-core reports no fault-window minimum;
/// the mean stands in for it.
fn floor_bps(g: &GroupReport) -> u64 {
    g.min_throughput_bps.unwrap_or(g.mean_throughput_bps)
}

fn min_throughput(t: Throughput, groups: &[&GroupReport]) -> Check {
    match t {
        Throughput::Fraction(ppm) => min_throughput_fraction(ppm, groups),
        Throughput::Absolute(bps) => min_throughput_absolute(bps, groups),
    }
}

/// The lowest share of its offered rate any group kept; groups without a rate are skipped.
fn min_throughput_fraction(ppm: u32, groups: &[&GroupReport]) -> Check {
    let lim = f64::from(ppm) / 1e6;
    let rated: Vec<(&str, f64)> =
        groups.iter().filter(|g| g.offered_bps > 0).map(|g| (g.id.as_str(), floor_bps(g) as f64 / g.offered_bps as f64)).collect();
    match rated.iter().copied().fold(None, |m: Option<(&str, f64)>, v| if m.is_none_or(|m| v.1 < m.1) { Some(v) } else { m }) {
        None => {
            Check::new("min_throughput", Verdict::Inconclusive, None, Some(lim), "fraction", "no traffic group has an offered rate".into())
        }
        Some((id, m)) => {
            let ok = m + 1e-9 >= lim;
            let detail = format!("lowest {:.1}% of offered (`{id}`) {} {}", m * 100.0, if ok { ">=" } else { "<" }, fmt_ppm(ppm));
            Check::new("min_throughput", pass_if(ok), Some(m), Some(lim), "fraction", detail)
        }
    }
}

/// The lowest throughput of any group against an absolute floor.
fn min_throughput_absolute(bps: u64, groups: &[&GroupReport]) -> Check {
    match groups.iter().map(|g| (g.id.as_str(), floor_bps(g))).min_by_key(|p| p.1) {
        None => Check::new("min_throughput", Verdict::Inconclusive, None, Some(bps as f64), "bps", "no traffic group".into()),
        Some((id, m)) => {
            let ok = m >= bps;
            let detail = format!("lowest {} (`{id}`) {} {}", fmt_bps(m), if ok { ">=" } else { "<" }, fmt_bps(bps));
            Check::new("min_throughput", pass_if(ok), Some(m as f64), Some(bps as f64), "bps", detail)
        }
    }
}

fn max_lost_bytes(lost: u64, l: u64) -> Check {
    let ok = lost <= l;
    Check::new(
        "max_lost_bytes",
        pass_if(ok),
        Some(lost as f64),
        Some(l as f64),
        "bytes",
        // In the units the tables use (`2.5MB`), exact, so a near miss is still visible.
        format!("{} lost {} {}", crate::units::fmt_bytes(lost), if ok { "<=" } else { ">" }, crate::units::fmt_bytes(l)),
    )
}

fn no_loss(lost: u64) -> Check {
    Check::new("no_loss", pass_if(lost == 0), Some(lost as f64), Some(0.0), "bytes", format!("{} lost", crate::units::fmt_bytes(lost)))
}

/// The worst time any group in scope took to get back to its reference throughput.
fn rto_within(l: SimDuration, report: &Report, ev: &Evidence<'_>) -> Check {
    let lim = secs(l);
    if !ev.any_fault || report.faults.is_empty() {
        return Check::new(
            "rto_within",
            Verdict::Inconclusive,
            None,
            Some(lim),
            "s",
            "no fault happened, so there is no recovery time".into(),
        );
    }
    if let Some(g) = ev.groups.iter().find(|g| g.rto_s.is_none()) {
        return Check::new(
            "rto_within",
            Verdict::Fail,
            None,
            Some(lim),
            "s",
            format!("`{}` never got back to 95% of its reference throughput", g.id),
        );
    }
    let m = worst(ev.groups.iter().filter_map(|g| g.rto_s)).unwrap_or(0.0);
    let ok = m <= lim + 1e-9;
    Check::new(
        "rto_within",
        pass_if(ok),
        Some(m),
        Some(lim),
        "s",
        format!("RTO {} {} {}", show_secs_exact(m), if ok { "<=" } else { ">" }, show_secs_exact(lim)),
    )
}

/// The worst replication lag lost with a site.
fn rpo_within(l: SimDuration, report: &Report) -> Check {
    let lim = secs(l);
    // RPO is about replication groups, which `traffic` scoping would usually leave out.
    match worst(report.traffic.iter().filter_map(|g| g.rpo_s)) {
        None => Check::new(
            "rpo_within",
            Verdict::Inconclusive,
            None,
            Some(lim),
            "s",
            "no site on a replication route was lost (or the group has no rate), so there is no RPO".into(),
        ),
        Some(m) => {
            let ok = m <= lim + 1e-9;
            Check::new(
                "rpo_within",
                pass_if(ok),
                Some(m),
                Some(lim),
                "s",
                format!("RPO {} {} {}", show_secs_exact(m), if ok { "<=" } else { ">" }, show_secs_exact(lim)),
            )
        }
    }
}

/// The worst 99th-percentile stall of any group in scope.
fn stall_p99_within(l: SimDuration, groups: &[&GroupReport]) -> Check {
    let lim = secs(l);
    let m = worst(groups.iter().filter_map(|g| g.stalls.p99_s)).unwrap_or(0.0);
    let ok = m <= lim + 1e-9;
    Check::new(
        "stall_p99_within",
        pass_if(ok),
        Some(m),
        Some(lim),
        "s",
        format!("stall p99 {} {} {}", show_secs_exact(m), if ok { "<=" } else { ">" }, show_secs_exact(lim)),
    )
}

/// The worst interconnect month against its provider's target, or against a floor. A run that
/// stopped early has seen only part of its downtime: a month already failing fails, one
/// still passing is not known.
fn sla_within(w: SlaWithin, scenario: &Scenario, report: &Report, stopped: Option<f64>) -> Check {
    let accounts = crate::sla::account(&scenario.sla, report);
    let month = scenario.sla.month;
    // Each account against its bound, with the bound in ppm.
    let bound = |t: &crate::sla::Terms| match w {
        SlaWithin::Own => t.target_ppm,
        SlaWithin::AtLeast(p) => p,
    };
    let judged: Vec<(&crate::sla::Account, u32, bool)> = accounts
        .iter()
        .filter_map(|a| {
            let t = crate::sla::terms::find(a.terms)?;
            let down = SimDuration::from_nanos(a.worst_month_ns);
            let ok = match w {
                SlaWithin::Own => a.met,
                SlaWithin::AtLeast(p) => !crate::sla::terms::below(month, down, p),
            };
            Some((a, bound(t), ok))
        })
        .collect();
    let Some(&(a, b, _)) =
        judged.iter().find(|j| !j.2).or_else(|| judged.iter().min_by(|x, y| x.0.monthly_uptime_pct.total_cmp(&y.0.monthly_uptime_pct)))
    else {
        return Check::new("sla_within", Verdict::Inconclusive, None, None, "fraction", "no interconnect has SLA terms".into());
    };
    let ok = judged.iter().all(|j| j.2);
    let lim = f64::from(b) / 1e6;
    // Enough digits that the uptime and the bound read differently whenever they differ.
    let (uptime, bound) = sim_core::show::show_pct_pair(a.monthly_uptime_pct / 100.0, lim);
    let what = format!(
        "`{}` under {} ({}): {uptime} monthly uptime, {} counted of {} down",
        a.interconnect,
        a.terms,
        a.provider,
        sim_core::show::show_hms(a.counted_downtime_s),
        sim_core::show::show_hms(a.downtime_s)
    );
    let cmp = if ok { ">=" } else { "<" };
    let (status, detail) = match (ok, stopped) {
        (false, _) => (Verdict::Fail, format!("{what} {cmp} {bound}, credit {}%", a.credit_pct)),
        (true, Some(at)) => (Verdict::Inconclusive, format!("not known: the run stopped at {}; so far {what}", show_secs_exact(at))),
        (true, None) => (Verdict::Pass, format!("worst {what} {cmp} {bound}")),
    };
    Check::new("sla_within", status, Some(a.monthly_uptime_pct / 100.0), Some(lim), "fraction", detail)
}
