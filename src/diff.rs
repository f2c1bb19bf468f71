//! `faultline diff OLD.json NEW.json`: what changed between two run or sweep outputs, per
//! fault, traffic group, expectation and percentile, and whether anything got worse.
//!
//! Inputs are `run --json` (or `live --json`), `check --json` or `sweep --json` outputs; a
//! run compares with a run or a check (runs are matched by scenario name), a sweep with a
//! sweep (a `--vary` sweep point by point). Two checks also compare as a whole: verdict,
//! totals, scenarios gone or added, files newly invalid. The header says when the scenarios,
//! seeds or model versions differ, and when the fingerprints (or sweep digests) are equal:
//! then nothing can have changed. Exit codes: 0, or 1 with `--fail-on-regression` when a
//! metric got worse beyond `--tolerance`; 3 when an input cannot be read, is malformed or
//! the two cannot be compared. `input` reads and classifies the files, `shape` types their
//! keys; `rows` defines the metrics and what "worse" means for each; `suite` compares two
//! checks as a whole, `points` pairs the points of two varied sweeps.

mod input;
mod points;
mod rows;
mod shape;
mod suite;

use std::fmt::Write;

use serde_json::{Value, json};

use input::{Input, Kind};
use rows::{Direction, Row};

/// `faultline diff`'s arguments.
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The baseline: a `run --json`, `check --json` or `sweep --json` output (`-`: standard
    /// input).
    pub old: std::path::PathBuf,
    /// The candidate, of the same kind (`-`: standard input).
    pub new: std::path::PathBuf,
    /// Exit 1 when a metric got worse beyond the tolerance.
    #[arg(long)]
    pub fail_on_regression: bool,
    /// How much worse a number may get, relative to its old value, before it is a
    /// regression (e.g. `5%`). A verdict or an expectation that got worse always is one.
    #[arg(long, value_name = "PERCENT", default_value = "0%")]
    pub tolerance: String,
    /// Also list the metrics that did not change.
    #[arg(long)]
    pub all: bool,
    /// One JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// One pair of runs (or the pair of sweeps) compared.
struct Comparison {
    /// `channel-cut`, or `a -> b` when the names differ.
    title: String,
    notes: Vec<String>,
    rows: Vec<Row>,
    /// Same fingerprint (or digest): identical by construction.
    identical: bool,
}

pub fn cmd_diff(a: &DiffArgs) -> anyhow::Result<u8> {
    let Some(tolerance) = tolerance(&a.tolerance) else {
        crate::output::err(&format!("error: --tolerance `{}`: expected a percentage such as `5%` (0% or more)", a.tolerance));
        return Ok(crate::EXIT_INVALID);
    };
    if a.old.as_os_str() == scenarios::STDIN_ARG && a.new.as_os_str() == scenarios::STDIN_ARG {
        crate::output::err("error: OLD and NEW are both `-`: standard input holds one of them; name the other as a file");
        return Ok(crate::EXIT_INVALID);
    }
    let (old, new) = match (Input::load(&a.old), Input::load(&a.new)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => {
            crate::output::err(&format!("error: {e}"));
            return Ok(crate::EXIT_INVALID);
        }
    };
    let sweep = [old.kind, new.kind].map(|k| k == Kind::Sweep);
    if sweep[0] != sweep[1] {
        crate::output::err(&format!(
            "error: cannot compare a {} output ({}) with a {} output ({}): diff a run or check with a run or check, and a sweep with a sweep",
            old.kind.name(),
            old.path.display(),
            new.kind.name(),
            new.path.display()
        ));
        return Ok(crate::EXIT_INVALID);
    }
    let model = model_note(&old, &new);
    let (comparisons, only_old, only_new) = match if sweep[0] { sweeps(&old, &new) } else { Ok(runs(&old, &new)) } {
        Ok(c) => c,
        Err(e) => {
            crate::output::err(&format!("error: {e}"));
            return Ok(crate::EXIT_INVALID);
        }
    };
    let regressions: Vec<(&Comparison, &Row)> =
        comparisons.iter().flat_map(|c| c.rows.iter().filter(|r| r.regression(tolerance)).map(move |r| (c, r))).collect();
    let code = if a.fail_on_regression && !regressions.is_empty() { 1 } else { 0 };
    if a.json {
        let v = json!({
            "faultline": crate::version::json(),
            "old": side_json(&old),
            "new": side_json(&new),
            "model": model.json,
            "tolerance": tolerance,
            "comparisons": comparisons.iter().map(|c| json!({
                "title": c.title,
                "identical": c.identical,
                "notes": c.notes,
                "changes": c.rows.iter().filter(|r| a.all || r.direction() != Direction::Same).map(|r| r.json(tolerance)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "only_old": only_old,
            "only_new": only_new,
            "regressions": regressions.len(),
        });
        crate::output::out(&(serde_json::to_string_pretty(&v)? + "\n"));
    } else {
        crate::output::out(&human(&old, &new, &model.text, &comparisons, (&only_old, &only_new), tolerance, a.all, regressions.len()));
    }
    Ok(code)
}

/// `5%` as 0.05. Above 100% is allowed (a time may be allowed to triple: `200%`).
fn tolerance(text: &str) -> Option<f64> {
    let n: f64 = text.trim().strip_suffix('%')?.trim().parse().ok()?;
    (n.is_finite() && n >= 0.0).then_some(n / 100.0)
}

fn side_json(i: &Input) -> Value {
    json!({ "file": i.path.display().to_string(), "kind": i.kind.name(), "faultline": i.meta() })
}

struct ModelNote {
    text: String,
    json: Value,
}

/// Whether the model version changed: equal model versions give equal fingerprints for the
/// same scenario and seed, so a difference across model versions may be the simulator's.
fn model_note(old: &Input, new: &Input) -> ModelNote {
    let (a, b) = (old.model(), new.model());
    let text = match (a, b) {
        (Some(a), Some(b)) if a == b => {
            format!("model version {a} in both: a difference comes from the scenario or the seed, not the simulator")
        }
        (Some(a), Some(b)) => format!(
            "the model changed: model version {a} -> {b} ({} -> {}): the simulator itself differs, so numbers may move with no change to the scenario",
            old.made_by(),
            new.made_by()
        ),
        _ => {
            let missing: Vec<String> =
                [(a, old), (b, new)].iter().filter(|(m, _)| m.is_none()).map(|(_, i)| i.path.display().to_string()).collect();
            let (verb, made) =
                if missing.len() > 1 { ("do", "older faultlines made them") } else { ("does", "an older faultline made it") };
            format!(
                "model version unknown: {} {verb} not name it (no `faultline` key: {made}), so a difference may be the simulator's",
                missing.join(" and ")
            )
        }
    };
    let json = json!({ "old": a, "new": b, "known": a.is_some() && b.is_some(), "changed": a.is_some() && b.is_some() && a != b });
    ModelNote { text, json }
}

fn name(v: &Value) -> String {
    v.get("scenario").and_then(Value::as_str).unwrap_or("?").to_string()
}

/// What the comparisons found: the comparisons, and what only one side holds (scenario
/// names, or a varied sweep's `KEY=VALUE` points).
type Found = (Vec<Comparison>, Vec<String>, Vec<String>);

/// Pairs the runs of two run/check outputs by scenario name (the n-th run of a name with the
/// n-th); returns the comparisons and the names found only on one side. Two checks also get
/// a first comparison of the checks as a whole ([`suite`]).
fn runs(old: &Input, new: &Input) -> Found {
    let (a, b) = (old.runs(), new.runs());
    let checks = old.kind == Kind::Check && new.kind == Kind::Check;
    // A single run compares with a single run even when their names differ (the header says
    // so); two checks pair only by name, so a renamed scenario is one gone and one added.
    if !checks && a.len() == 1 && b.len() == 1 {
        return (vec![run_pair(a[0], b[0])], vec![], vec![]);
    }
    let mut used = vec![false; b.len()];
    let mut out = Vec::new();
    let mut only_old = Vec::new();
    for r in &a {
        match b.iter().enumerate().position(|(i, x)| !used[i] && name(x) == name(r)) {
            Some(i) => {
                used[i] = true;
                out.push(run_pair(r, b[i]));
            }
            None => only_old.push(name(r)),
        }
    }
    let only_new: Vec<String> = b.iter().enumerate().filter(|(i, _)| !used[*i]).map(|(_, x)| name(x)).collect();
    if checks {
        let mut notes = Vec::new();
        if !only_old.is_empty() {
            notes.push(format!(
                "{} of old's scenarios did not run in new: each is a regression (a check that stops running a scenario goes green silently)",
                only_old.len()
            ));
        }
        let rows = suite::rows(&old.value, &new.value, &only_old, &only_new);
        out.insert(0, Comparison { title: "check (all scenarios)".into(), notes, rows, identical: false });
    }
    (out, only_old, only_new)
}

fn run_pair(old: &Value, new: &Value) -> Comparison {
    let mut c = header(old, new);
    let (sa, sb) = (old.get("seed"), new.get("seed"));
    if sa == sb {
        c.notes.push(format!("seed {}", sa.map_or("?".into(), Value::to_string)));
    } else {
        c.notes.push(format!(
            "different seeds: {} (old) and {} (new): random draws differ",
            sa.map_or("?".into(), Value::to_string),
            sb.map_or("?".into(), Value::to_string)
        ));
    }
    let (fa, fb) = (old.get("fingerprint"), new.get("fingerprint"));
    c.identical = fa.is_some() && fa == fb;
    if c.identical {
        c.notes.push(format!(
            "fingerprints equal ({}): the same model, scenario and seed, so nothing changed",
            fb.and_then(Value::as_str).unwrap_or("?")
        ));
    } else {
        c.notes.push(format!("fingerprint {} -> {}", fa.and_then(Value::as_str).unwrap_or("?"), fb.and_then(Value::as_str).unwrap_or("?")));
    }
    c.rows = rows::run_rows(old, new);
    c
}

/// Compares two sweeps: the whole sweep, and for `--vary` sweeps each value both ran; an
/// error when they cannot be compared ([`points::pair`]).
fn sweeps(old: &Input, new: &Input) -> Result<Found, String> {
    let pairing = points::pair(old, new)?;
    let (o, n) = (&old.value, &new.value);
    let mut top = header(o, n);
    let (ra, rb) = (o.get("runs"), n.get("runs"));
    match (seeds(o), seeds(n)) {
        (Some(a), Some(b)) if a != b => top.notes.push(format!("different seeds: {a} (old) and {b} (new)")),
        (Some(a), Some(_)) => top.notes.push(format!("seeds {a}")),
        _ if ra != rb => top.notes.push(format!(
            "different numbers of seeds: {} (old) and {} (new)",
            ra.map_or("?".into(), Value::to_string),
            rb.map_or("?".into(), Value::to_string)
        )),
        _ => top.notes.push(format!("{} seeds each", ra.map_or("?".into(), Value::to_string))),
    }
    digest_notes(&mut top, o, n);
    let presence = pairing.presence_rows();
    let points::Pairing::Points { key, common, only_old, only_new } = pairing else {
        top.rows = rows::sweep_rows(o, n);
        return Ok((vec![top], vec![], vec![]));
    };
    let base = top.title.clone();
    top.title = format!("{base} (all points)");
    top.notes.push(format!(
        "--vary {key}: {} compared point by point below",
        match common.len() {
            1 => "1 value".to_string(),
            n => format!("{n} values"),
        }
    ));
    if !only_old.is_empty() {
        top.notes.push(format!(
            "only old swept {}: each is a regression (that point is no longer swept)",
            only_old.iter().map(|v| format!("{key}={v}")).collect::<Vec<_>>().join(", ")
        ));
    }
    top.rows = rows::sweep_totals(o, n);
    top.rows.extend(presence);
    let mut out = vec![top];
    for (value, a, b) in common {
        let mut c =
            Comparison { title: format!("{base} {key}={value}"), notes: Vec::new(), rows: rows::sweep_rows(a, b), identical: false };
        digest_notes(&mut c, a, b);
        out.push(c);
    }
    let label = |vs: Vec<&str>| vs.into_iter().map(|v| format!("{key}={v}")).collect();
    Ok((out, label(only_old), label(only_new)))
}

/// `1..21` from a sweep's `"seeds": {"start": 1, "end": 21}` (end exclusive, as `--seeds`
/// takes it).
fn seeds(v: &Value) -> Option<String> {
    let s = v.get("seeds")?;
    let at = |k: &str| s.get(k).and_then(Value::as_u64);
    Some(format!("{}..{}", at("start")?, at("end")?))
}

/// Whether the digests are equal (nothing changed), and which seeds stopped or started
/// passing.
fn digest_notes(c: &mut Comparison, old: &Value, new: &Value) {
    let (da, db) = (old.get("digest"), new.get("digest"));
    c.identical = da.is_some() && da == db;
    if c.identical {
        c.notes.push(format!(
            "digests equal ({}): every seed's fingerprint is the same, so nothing changed",
            db.and_then(Value::as_str).unwrap_or("?")
        ));
    } else {
        c.notes.push(format!("digest {} -> {}", da.and_then(Value::as_str).unwrap_or("?"), db.and_then(Value::as_str).unwrap_or("?")));
    }
    let (now, no_longer) = rows::seed_changes(old, new);
    if !now.is_empty() {
        c.notes.push(format!("not passing now: seeds {}", seed_list(&now)));
    }
    if !no_longer.is_empty() {
        c.notes.push(format!("passing now: seeds {}", seed_list(&no_longer)));
    }
}

/// The title, and a note when the scenario names differ.
fn header(old: &Value, new: &Value) -> Comparison {
    let (na, nb) = (name(old), name(new));
    let mut notes = Vec::new();
    let title = if na == nb {
        na.clone()
    } else {
        notes.push(format!("different scenarios: `{na}` (old) and `{nb}` (new): the faults and groups are matched by id"));
        format!("{na} -> {nb}")
    };
    Comparison { title, notes, rows: Vec::new(), identical: false }
}

fn seed_list(s: &[u64]) -> String {
    let shown: Vec<String> = s.iter().take(20).map(u64::to_string).collect();
    if s.len() > 20 { format!("{} and {} more", shown.join(", "), s.len() - 20) } else { shown.join(", ") }
}

#[allow(clippy::too_many_arguments)]
fn human(
    old: &Input,
    new: &Input,
    model: &str,
    comparisons: &[Comparison],
    only: (&[String], &[String]),
    tolerance: f64,
    all: bool,
    regressions: usize,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "old  {}  ({}, {})", old.path.display(), old.kind.name(), old.made_by());
    let _ = writeln!(out, "new  {}  ({}, {})", new.path.display(), new.kind.name(), new.made_by());
    let _ = writeln!(out, "{model}");
    for c in comparisons {
        let _ = writeln!(out, "\n{}", c.title);
        for n in &c.notes {
            let _ = writeln!(out, "  {n}");
        }
        let shown: Vec<&Row> = c.rows.iter().filter(|r| all || r.direction() != Direction::Same).collect();
        let same = c.rows.iter().filter(|r| r.direction() == Direction::Same).count();
        if shown.is_empty() {
            let _ = writeln!(out, "  no change in {same} metrics");
            continue;
        }
        let table: Vec<Vec<String>> = shown
            .iter()
            .map(|r| {
                let verdict = match r.direction() {
                    Direction::Worse if r.regression(tolerance) => "REGRESSION",
                    Direction::Worse => "worse (tolerated)",
                    Direction::Better => "better",
                    Direction::Changed => "changed",
                    Direction::Same => "",
                };
                vec![
                    r.scope.clone(),
                    r.metric.clone(),
                    rows::show(&r.old, r.unit),
                    rows::show(&r.new, r.unit),
                    r.delta().map_or(String::new(), |d| rows::show_delta(d, r.unit)),
                    r.relative().map_or(String::new(), |x| format!("{:+.1}%", x * 100.0)),
                    crate::color::word(verdict),
                ]
            })
            .collect();
        out.push('\n');
        out.push_str(&crate::human::table(&["what", "metric", "old", "new", "delta", "change", ""], &table));
        let count = |d: Direction| c.rows.iter().filter(|r| r.direction() == d).count();
        let _ = writeln!(
            out,
            "  {} worse, {} better, {} changed, {same} unchanged",
            count(Direction::Worse),
            count(Direction::Better),
            count(Direction::Changed)
        );
        if c.identical && !shown.iter().all(|r| r.direction() == Direction::Same) {
            let _ = writeln!(out, "  note: the fingerprints are equal but numbers differ: was a file edited by hand?");
        }
    }
    let (only_old, only_new) = only;
    if !only_old.is_empty() {
        let _ = writeln!(out, "\nonly in old: {}", only_old.join(", "));
    }
    if !only_new.is_empty() {
        let _ = writeln!(out, "\nonly in new: {}", only_new.join(", "));
    }
    let tol = format!("{}%", (tolerance * 1e6).round() / 1e4);
    let _ = writeln!(
        out,
        "\n{}",
        match regressions {
            0 => format!("{} (tolerance {tol})", crate::color::paint(crate::color::Tone::Good, "no regression")),
            1 => format!("{} (tolerance {tol})", crate::color::paint(crate::color::Tone::Bad, "1 regression")),
            n => format!("{} (tolerance {tol})", crate::color::paint(crate::color::Tone::Bad, &format!("{n} regressions"))),
        }
    );
    out
}
