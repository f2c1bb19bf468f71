//! The metrics `faultline diff` compares, what "worse" means for each, and one row per
//! metric: old, new, delta, relative change and whether it is a regression.
//!
//! Worse is per metric: a time up (detection, convergence, recovery, blackhole, stalls, RTO,
//! RPO, percentiles), throughput or delivered bytes down, lost bytes or any count of harm up
//! (flows disrupted, connections aborted, failing seeds), a verdict from pass towards fail,
//! an expectation from pass to not pass. A time that became `null` (never detected, never
//! recovered) is worse than any number. A regression is a worse change beyond the relative
//! tolerance (`--tolerance`); a verdict or an expectation that got worse is always one.

use serde_json::{Value, json};

/// Which way is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
    /// Reported, never worse (a count of runs, a fault count).
    Neither,
}

/// How a value prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Secs,
    Bps,
    Bytes,
    Count,
    Fraction,
    /// An ordinal with names: a verdict, a check's status, how a fault recovered.
    Label,
}

/// What a JSON `null` means for a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Null {
    /// It never happened: worse than any number (a fault never detected or recovered).
    Never,
    /// Nothing to count: zero (no stall).
    Zero,
    /// Not applicable (no RPO without a replication source lost).
    Absent,
}

/// One side's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Num(f64),
    /// Never happened: +∞ for a time.
    Never,
    /// Not present (not applicable, or the metric is missing from this output).
    Absent,
    /// An ordinal: its rank (higher is worse) and its name.
    Label(u8, String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Same,
    Better,
    Worse,
    /// Changed with no better or worse (a neutral metric, or a value that appeared).
    Changed,
}

#[derive(Clone, Debug)]
pub struct Row {
    /// What the metric belongs to: `run`, `fault cut`, `traffic app-db`, `expect detect_within`, `sweep`.
    pub scope: String,
    pub metric: String,
    pub old: Val,
    pub new: Val,
    pub unit: Unit,
    pub better: Better,
}

impl Row {
    pub fn direction(&self) -> Direction {
        if self.old == self.new {
            return Direction::Same;
        }
        let sign = match (&self.old, &self.new) {
            (Val::Label(a, _), Val::Label(b, _)) => b.cmp(a),
            (Val::Num(a), Val::Num(b)) => b.total_cmp(a),
            (Val::Num(_), Val::Never) => std::cmp::Ordering::Greater,
            (Val::Never, Val::Num(_)) => std::cmp::Ordering::Less,
            _ => return Direction::Changed,
        };
        let up_is_worse = match (self.unit, self.better) {
            (Unit::Label, _) | (_, Better::Lower) => true,
            (_, Better::Higher) => false,
            (_, Better::Neither) => return Direction::Changed,
        };
        match (sign, up_is_worse) {
            (std::cmp::Ordering::Equal, _) => Direction::Same,
            (std::cmp::Ordering::Greater, true) | (std::cmp::Ordering::Less, false) => Direction::Worse,
            _ => Direction::Better,
        }
    }

    /// Worse beyond `tolerance` (a fraction of the old value; labels and a time that became
    /// "never" have no tolerance).
    pub fn regression(&self, tolerance: f64) -> bool {
        if self.direction() != Direction::Worse {
            return false;
        }
        match (&self.old, &self.new) {
            (Val::Num(a), Val::Num(b)) => (b - a).abs() > tolerance * a.abs() + 1e-12,
            _ => true,
        }
    }

    pub fn delta(&self) -> Option<f64> {
        match (&self.old, &self.new) {
            (Val::Num(a), Val::Num(b)) => Some(b - a),
            _ => None,
        }
    }

    pub fn relative(&self) -> Option<f64> {
        match (&self.old, &self.new) {
            (Val::Num(a), Val::Num(b)) if *a != 0.0 => Some((b - a) / a.abs()),
            _ => None,
        }
    }

    pub fn json(&self, tolerance: f64) -> Value {
        let v = |x: &Val| match x {
            Val::Num(n) => json!(n),
            Val::Never => json!("never"),
            Val::Absent => Value::Null,
            Val::Label(_, s) => json!(s),
        };
        json!({
            "scope": self.scope,
            "metric": self.metric,
            "old": v(&self.old),
            "new": v(&self.new),
            "delta": self.delta(),
            "relative": self.relative(),
            "direction": match self.direction() {
                Direction::Same => "same",
                Direction::Better => "better",
                Direction::Worse => "worse",
                Direction::Changed => "changed",
            },
            "regression": self.regression(tolerance),
        })
    }
}

/// A numeric field of a JSON object, read with its metric's meaning of `null`.
fn num(o: Option<&Value>, key: &str, null: Null) -> Val {
    let Some(o) = o else { return Val::Absent };
    match o.get(key) {
        None => Val::Absent,
        Some(Value::Null) => match null {
            Null::Never => Val::Never,
            Null::Zero => Val::Num(0.0),
            Null::Absent => Val::Absent,
        },
        Some(v) => v.as_f64().map_or(Val::Absent, Val::Num),
    }
}

/// Lays out rows for one scope: `(key, null, unit, better)` of two objects.
pub(super) fn rows_of(scope: &str, old: Option<&Value>, new: Option<&Value>, metrics: &[(&str, Null, Unit, Better)]) -> Vec<Row> {
    metrics
        .iter()
        .map(|&(key, null, unit, better)| Row {
            scope: scope.to_string(),
            metric: key.to_string(),
            old: num(old, key, null),
            new: num(new, key, null),
            unit,
            better,
        })
        .collect()
}

/// Pass, inconclusive, fail, invalid (a check with a file that would not load): worse in
/// that order (an inconclusive run lost its evidence). A verdict this build does not know
/// ranks worst of all, so a change to it is never passed over.
pub fn verdict(v: Option<&Value>) -> Val {
    match v.and_then(Value::as_str) {
        Some("pass") => Val::Label(0, "pass".into()),
        Some("inconclusive") => Val::Label(1, "inconclusive".into()),
        Some("fail") => Val::Label(2, "fail".into()),
        Some("invalid") => Val::Label(3, "invalid".into()),
        Some(other) => Val::Label(4, other.to_string()),
        None => Val::Absent,
    }
}

/// A fault recovered by failover, by a runbook step, by adapting to the degraded network,
/// only with the repair, or never: worse in that order.
fn recovered_by(f: Option<&Value>) -> Val {
    let Some(f) = f else { return Val::Absent };
    match f.get("recovered_by") {
        Some(Value::String(s)) => {
            let rank = ["failover", "runbook", "adapted", "repair"].iter().position(|l| l == s).unwrap_or(4);
            Val::Label(rank as u8, s.clone())
        }
        Some(Value::Null) if f.get("recover_s").is_some_and(Value::is_null) => Val::Label(5, "never".into()),
        // A fault that disrupted no flow: nothing to say.
        _ => Val::Absent,
    }
}

pub(super) const FAULT: &[(&str, Null, Unit, Better)] = &[
    ("detect_s", Null::Never, Unit::Secs, Better::Lower),
    ("converge_s", Null::Absent, Unit::Secs, Better::Lower),
    ("recover_s", Null::Never, Unit::Secs, Better::Lower),
    ("blackhole_s", Null::Zero, Unit::Secs, Better::Lower),
    ("lost_bytes", Null::Zero, Unit::Bytes, Better::Lower),
];

pub(super) const TRAFFIC: &[(&str, Null, Unit, Better)] = &[
    ("delivered_bytes", Null::Zero, Unit::Bytes, Better::Higher),
    ("lost_bytes", Null::Zero, Unit::Bytes, Better::Lower),
    ("mean_throughput_bps", Null::Zero, Unit::Bps, Better::Higher),
    ("min_throughput_bps", Null::Absent, Unit::Bps, Better::Higher),
    ("stall_count", Null::Zero, Unit::Count, Better::Lower),
    ("stall_p50_s", Null::Zero, Unit::Secs, Better::Lower),
    ("stall_p99_s", Null::Zero, Unit::Secs, Better::Lower),
    ("stall_max_s", Null::Zero, Unit::Secs, Better::Lower),
    ("rto_s", Null::Never, Unit::Secs, Better::Lower),
    ("rpo_s", Null::Absent, Unit::Secs, Better::Lower),
    ("rpo_bytes", Null::Absent, Unit::Bytes, Better::Lower),
    ("connections_aborted", Null::Zero, Unit::Count, Better::Lower),
    ("connect_failures", Null::Zero, Unit::Count, Better::Lower),
];

/// Ids of `key`'s objects in both lists, old order first, then those only in new.
fn ids<'a>(old: &'a Value, new: &'a Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for side in [old, new] {
        for item in side[key].as_array().into_iter().flatten() {
            if let Some(id) = item.get("id").and_then(Value::as_str)
                && !out.iter().any(|x| x == id)
            {
                out.push(id.to_string());
            }
        }
    }
    out
}

fn by_id<'a>(v: &'a Value, key: &str, id: &str) -> Option<&'a Value> {
    v[key].as_array()?.iter().find(|x| x.get("id").and_then(Value::as_str) == Some(id))
}

/// The `verdict` row of a scope: worse towards fail (and invalid).
pub fn verdict_row(scope: &str, old: &Value, new: &Value) -> Row {
    Row {
        scope: scope.into(),
        metric: "verdict".into(),
        old: verdict(old.get("verdict")),
        new: verdict(new.get("verdict")),
        unit: Unit::Label,
        better: Better::Lower,
    }
}

/// Every row of two runs: the verdict, each fault (by id), each traffic group (by id) and
/// each expectation (by name).
pub fn run_rows(old: &Value, new: &Value) -> Vec<Row> {
    let mut rows = vec![verdict_row("run", old, new)];
    for id in ids(old, new, "faults") {
        let (a, b) = (by_id(old, "faults", &id), by_id(new, "faults", &id));
        let scope = format!("fault {id}");
        rows.extend(rows_of(&scope, a, b, FAULT));
        rows.push(Row {
            scope: scope.clone(),
            metric: "recovered_by".into(),
            old: recovered_by(a),
            new: recovered_by(b),
            unit: Unit::Label,
            better: Better::Lower,
        });
        rows.extend(rows_of(&scope, effect(a), effect(b), &[("flows_disrupted", Null::Zero, Unit::Count, Better::Lower)]));
    }
    for id in ids(old, new, "traffic") {
        rows.extend(rows_of(&format!("traffic {id}"), by_id(old, "traffic", &id), by_id(new, "traffic", &id), TRAFFIC));
    }
    rows.extend(check_rows("expect", old.get("expectations"), new.get("expectations")));
    rows
}

fn effect(f: Option<&Value>) -> Option<&Value> {
    f.and_then(|f| f.get("effect"))
}

/// Checks (`{name, pass, measured, ...}`) matched by name: pass to not pass is worse.
fn check_rows(scope: &str, old: Option<&Value>, new: Option<&Value>) -> Vec<Row> {
    let list = |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
    let (a, b) = (list(old), list(new));
    let mut names: Vec<String> = Vec::new();
    for c in a.iter().chain(b.iter()) {
        if let Some(n) = c.get("name").and_then(Value::as_str)
            && !names.iter().any(|x| x == n)
        {
            names.push(n.to_string());
        }
    }
    let status = |list: &[Value], name: &str| -> Val {
        let Some(c) = list.iter().find(|c| c.get("name").and_then(Value::as_str) == Some(name)) else { return Val::Absent };
        match c.get("status").and_then(Value::as_str) {
            Some(s) => verdict(Some(&json!(s))),
            None if c.get("pass").and_then(Value::as_bool) == Some(true) => Val::Label(0, "pass".into()),
            None => Val::Label(2, "not pass".into()),
        }
    };
    names
        .iter()
        .map(|n| Row {
            scope: format!("{scope} {n}"),
            metric: "status".into(),
            old: status(&a, n),
            new: status(&b, n),
            unit: Unit::Label,
            better: Better::Lower,
        })
        .collect()
}

/// Every row of two sweeps (or two points of varied sweeps): [`sweep_totals`], the detection
/// and recovery percentiles, unrecovered faults, and any gate checks the sweeps list.
pub fn sweep_rows(old: &Value, new: &Value) -> Vec<Row> {
    let mut rows = sweep_totals(old, new);
    for metric in ["detect_s", "recover_s"] {
        rows.extend(rows_of(
            &format!("sweep {metric}"),
            old.get(metric),
            new.get(metric),
            &[
                ("count", Null::Absent, Unit::Count, Better::Neither),
                ("p50", Null::Absent, Unit::Secs, Better::Lower),
                ("p99", Null::Absent, Unit::Secs, Better::Lower),
                ("max", Null::Absent, Unit::Secs, Better::Lower),
            ],
        ));
    }
    rows.extend(rows_of("sweep", Some(old), Some(new), &[("unrecovered_faults", Null::Absent, Unit::Count, Better::Lower)]));
    // Gate checks, under whatever key the sweep lists them (an array of `{name, pass}`).
    let mut keys: Vec<&String> = Vec::new();
    for side in [old, new] {
        for (k, v) in side.as_object().into_iter().flatten() {
            let checks =
                v.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(|c| c.get("name").is_some() && c.get("pass").is_some()));
            if checks && !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    for k in keys {
        rows.extend(check_rows(&format!("sweep {k}"), old.get(k.as_str()), new.get(k.as_str())));
    }
    rows
}

/// The verdict, the pass/fail/inconclusive counts and the fail rate: all a varied sweep's
/// top level has (its percentiles are per point).
pub fn sweep_totals(old: &Value, new: &Value) -> Vec<Row> {
    let mut rows = vec![verdict_row("sweep", old, new)];
    rows.extend(rows_of(
        "sweep",
        Some(old),
        Some(new),
        &[
            ("runs", Null::Absent, Unit::Count, Better::Neither),
            ("pass", Null::Absent, Unit::Count, Better::Higher),
            ("fail", Null::Absent, Unit::Count, Better::Lower),
            ("inconclusive", Null::Absent, Unit::Count, Better::Lower),
        ],
    ));
    let rate = |v: &Value| match (v.get("fail").and_then(Value::as_f64), v.get("runs").and_then(Value::as_f64)) {
        (Some(f), Some(r)) if r > 0.0 => Val::Num(f / r),
        _ => Val::Absent,
    };
    rows.push(Row {
        scope: "sweep".into(),
        metric: "fail_rate".into(),
        old: rate(old),
        new: rate(new),
        unit: Unit::Fraction,
        better: Better::Lower,
    });
    rows
}

/// Seeds that fail (or are inconclusive) in `new` and not in `old`, and the reverse.
pub fn seed_changes(old: &Value, new: &Value) -> (Vec<u64>, Vec<u64>) {
    let seeds = |v: &Value| -> Vec<u64> {
        v["failing_seeds"].as_array().into_iter().flatten().filter_map(|s| s.get("seed").and_then(Value::as_u64)).collect()
    };
    let (a, b) = (seeds(old), seeds(new));
    let now: Vec<u64> = b.iter().copied().filter(|s| !a.contains(s)).collect();
    let no_longer: Vec<u64> = a.iter().copied().filter(|s| !b.contains(s)).collect();
    (now, no_longer)
}

/// A value as the table prints it.
pub fn show(v: &Val, unit: Unit) -> String {
    match v {
        Val::Num(n) => fmt(*n, unit),
        Val::Never => "never".into(),
        Val::Absent => "—".into(),
        Val::Label(_, s) => s.clone(),
    }
}

/// A signed delta in the metric's unit.
pub fn show_delta(d: f64, unit: Unit) -> String {
    let sign = if d < 0.0 { "-" } else { "+" };
    format!("{sign}{}", fmt(d.abs(), unit))
}

fn fmt(n: f64, unit: Unit) -> String {
    match unit {
        Unit::Secs => secs(n),
        Unit::Bps => scaled(n, &[(1e12, "Tbps"), (1e9, "Gbps"), (1e6, "Mbps"), (1e3, "kbps")], "bps"),
        Unit::Bytes => scaled(n, &[(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")], "B"),
        Unit::Count | Unit::Label => trim(format!("{n:.3}")),
        Unit::Fraction => format!("{}%", trim(format!("{:.2}", n * 100.0))),
    }
}

/// Seconds with the digits a diff needs: `279.111ms`, `3.032s`, `0s`.
fn secs(s: f64) -> String {
    if s == 0.0 {
        "0s".into()
    } else if s < 1e-3 {
        format!("{}us", trim(format!("{:.3}", s * 1e6)))
    } else if s < 1.0 {
        format!("{}ms", trim(format!("{:.3}", s * 1e3)))
    } else {
        format!("{}s", trim(format!("{s:.3}")))
    }
}

fn scaled(n: f64, units: &[(f64, &str)], base: &str) -> String {
    for &(div, unit) in units {
        if n >= div {
            return format!("{}{unit}", trim(format!("{:.3}", n / div)));
        }
    }
    format!("{}{base}", trim(format!("{n:.0}")))
}

fn trim(s: String) -> String {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(old: Val, new: Val, better: Better) -> Row {
        Row { scope: "x".into(), metric: "m".into(), old, new, unit: Unit::Secs, better }
    }

    #[test]
    fn worse_is_per_metric() {
        assert_eq!(row(Val::Num(1.0), Val::Num(2.0), Better::Lower).direction(), Direction::Worse);
        assert_eq!(row(Val::Num(1.0), Val::Num(2.0), Better::Higher).direction(), Direction::Better);
        assert_eq!(row(Val::Num(1.0), Val::Never, Better::Lower).direction(), Direction::Worse);
        assert_eq!(row(Val::Never, Val::Num(9.0), Better::Lower).direction(), Direction::Better);
        assert_eq!(row(Val::Absent, Val::Num(9.0), Better::Lower).direction(), Direction::Changed);
        assert_eq!(row(Val::Num(1.0), Val::Num(1.0), Better::Lower).direction(), Direction::Same);
        assert_eq!(row(Val::Num(1.0), Val::Num(2.0), Better::Neither).direction(), Direction::Changed);
        let v = |r: u8, s: &str| Val::Label(r, s.into());
        assert_eq!(row(v(0, "pass"), v(2, "fail"), Better::Lower).direction(), Direction::Worse);
        assert_eq!(row(v(2, "fail"), v(0, "pass"), Better::Lower).direction(), Direction::Better);
    }

    #[test]
    fn tolerance_is_relative_to_the_old_value() {
        let r = row(Val::Num(1.0), Val::Num(1.04), Better::Lower);
        assert!(r.regression(0.0));
        assert!(!r.regression(0.05));
        assert!(r.regression(0.03));
        // From zero, any increase is beyond a relative tolerance.
        assert!(row(Val::Num(0.0), Val::Num(0.001), Better::Lower).regression(0.5));
        assert!(row(Val::Num(1.0), Val::Never, Better::Lower).regression(10.0));
        assert!(!row(Val::Num(1.0), Val::Num(0.5), Better::Lower).regression(0.0));
    }

    #[test]
    fn values_print_with_their_unit() {
        assert_eq!(show(&Val::Num(0.279110526), Unit::Secs), "279.111ms");
        assert_eq!(show(&Val::Num(3.0316), Unit::Secs), "3.032s");
        assert_eq!(show(&Val::Num(6e9), Unit::Bps), "6Gbps");
        assert_eq!(show(&Val::Num(96566.0), Unit::Bytes), "96.566kB");
        assert_eq!(show(&Val::Num(0.125), Unit::Fraction), "12.5%");
        assert_eq!(show_delta(-0.05, Unit::Secs), "-50ms");
        assert_eq!(show(&Val::Never, Unit::Secs), "never");
    }
}
