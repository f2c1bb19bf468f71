//! The human summary: compact tables that fit an 80-column terminal, then the verdict, seed,
//! fingerprint and a `reproduce:` line.

use std::fmt::Write;

use scenarios::units;

use crate::color::{self, Tone};
use crate::outcome::Outcome;

/// Left-aligns the first column and right-aligns the rest. Widths are those of the plain
/// text, so a cell coloured by [`crate::color`] lines up as it would uncoloured.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let n = header.len();
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            w[i] = w[i].max(color::width(c));
        }
    }
    let mut out = String::new();
    let line = |cells: &[String], out: &mut String| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate().take(n) {
            let pad = " ".repeat(w[i].saturating_sub(color::width(c)));
            if i == 0 {
                let _ = write!(s, "{c}{pad}");
            } else {
                let _ = write!(s, "  {pad}{c}");
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>(), &mut out);
    for r in rows {
        line(r, &mut out);
    }
    out
}

/// Seconds as tables write them (`scenarios::units::show_secs`); `—` when absent.
pub fn secs(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), units::show_secs)
}

/// An instant of the run (a fault's start, an alarm firing, a runbook step) to the
/// millisecond: [`secs`] rounds to whole seconds from 100 s, so 1799.5 s read `1800s`, the
/// end of a 30-minute run, and two firings 0.4 s apart read the same.
pub fn at(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), units::show_secs_exact)
}

pub fn bytes(b: u64) -> String {
    units::show_bytes(b)
}

pub fn bps(b: f64) -> String {
    units::show_bps(b)
}

/// The full summary of one run.
pub fn summary(o: &Outcome) -> String {
    let r = &o.report;
    let mut out = String::new();
    let _ = writeln!(out, "scenario  {}  ({} simulated, {} events)", o.scenario, secs(Some(r.duration_s)), r.events);
    if !r.faults.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = r
            .faults
            .iter()
            .map(|f| {
                vec![
                    f.id.clone(),
                    f.kind.to_string(),
                    f.target.clone(),
                    at(Some(f.at_s)),
                    secs(f.detect_s),
                    secs(f.converge_s),
                    secs(f.recover_s),
                    f.recovered_by.map_or("—", |b| b.label()).to_string(),
                    secs(Some(f.blackhole_s)),
                    bytes(f.lost_bytes),
                ]
            })
            .collect();
        out.push_str(&table(&["fault", "kind", "target", "at", "detect", "converge", "recover", "by", "blackhole", "lost"], &rows));
    }
    if !r.traffic.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = r
            .traffic
            .iter()
            .map(|g| {
                vec![
                    g.id.clone(),
                    if g.offered_bps > 0 { bps(g.offered_bps as f64) } else { "bulk".into() },
                    bytes(g.delivered_bytes),
                    bytes(g.lost_bytes),
                    g.min_throughput_bps.map_or("—".into(), |m| bps(m as f64)),
                    secs(g.stalls.p99_s),
                    match (g.rto_s, g.rto_episodes) {
                        (_, 0) => "—".into(),
                        (None, _) => "never".into(),
                        (rto, _) => secs(rto),
                    },
                    g.rto_fault.clone().unwrap_or_else(|| "—".into()),
                ]
            })
            .collect();
        out.push_str(&table(&["traffic", "offered", "delivered", "lost", "min tput", "stall p99", "rto", "rto from"], &rows));
    }
    if r.alarms.iter().any(|a| !a.fired_s.is_empty()) {
        out.push('\n');
        let rows: Vec<Vec<String>> = r
            .alarms
            .iter()
            .map(|a| {
                // Every firing: an alarm fires again each time its condition holds again.
                let fired: Vec<String> = a.fired_s.iter().map(|t| at(Some(*t))).collect();
                vec![a.id.clone(), if fired.is_empty() { "never".into() } else { fired.join(", ") }]
            })
            .collect();
        out.push_str(&table(&["alarm", "fired"], &rows));
    }
    if !r.runbook.is_empty() {
        out.push('\n');
        // What a step found is shown only when one found its work already done.
        let found = r.runbook.iter().any(|s| s.found.is_some());
        let rows: Vec<Vec<String>> = r
            .runbook
            .iter()
            .map(|s| {
                let mut row = vec![s.id.clone(), at(s.triggered_s), at(s.acted_s)];
                if found {
                    row.push(s.found.map_or("", |f| f.sentence()).to_string());
                }
                row
            })
            .collect();
        let head: &[&str] = if found { &["runbook step", "triggered", "acted", "found"] } else { &["runbook step", "triggered", "acted"] };
        out.push_str(&table(head, &rows));
    }
    // Only when there is something to say: downtime, or an SLA the file checks.
    if o.sla.iter().any(|a| a.downtime_s > 0.0) || o.checks.iter().any(|c| c.name == "sla_within") {
        out.push('\n');
        let rows: Vec<Vec<String>> = o
            .sla
            .iter()
            .map(|a| {
                // Downtime in hours and minutes; the uptime with the digits that tell it from
                // the target.
                let (uptime, target) = sim_core::show::show_pct_pair(a.monthly_uptime_pct / 100.0, a.sla_target_pct / 100.0);
                vec![
                    a.interconnect.clone(),
                    a.terms.to_string(),
                    sim_core::show::show_hms(a.downtime_s),
                    sim_core::show::show_hms(a.counted_downtime_s),
                    uptime,
                    target,
                    format!("{}%", a.credit_pct),
                ]
            })
            .collect();
        out.push_str(&table(&["sla", "terms", "down", "counted", "month uptime", "target", "credit"], &rows));
    }
    if !o.checks.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> =
            o.checks.iter().map(|c| vec![c.name.to_string(), color::word(&c.status.name().to_uppercase()), c.detail.clone()]).collect();
        out.push_str(&table(&["expectation", "result", "measured"], &rows));
    }
    for why in &o.inconclusive() {
        let _ = writeln!(out, "inconclusive: {why}");
    }
    out.push('\n');
    let _ = writeln!(out, "verdict      {}", color::word(o.verdict.name()));
    let _ = writeln!(out, "seed         {}", o.seed);
    let _ = writeln!(out, "fingerprint  {}", r.fingerprint);
    let _ = writeln!(out, "reproduce:   {}", o.reproduce());
    out
}

/// `check`'s last line: `3 scenarios: 1 passed, 1 failed, 1 inconclusive, 0 invalid (2 files
/// skipped)`, with `, N directories not searched` when the walk passed over some.
pub fn totals_line(t: &crate::check::Totals) -> String {
    format!(
        "{}: {}, {}, {}, {} ({}{})",
        plural(t.scenarios(), "scenario", "scenarios"),
        color::count(Tone::Good, t.passed, &format!("{} passed", t.passed)),
        color::count(Tone::Bad, t.failed, &format!("{} failed", t.failed)),
        color::count(Tone::Unsure, t.inconclusive, &format!("{} inconclusive", t.inconclusive)),
        color::count(Tone::Invalid, t.invalid, &format!("{} invalid", t.invalid)),
        skipped_files(t.skipped_files),
        if t.skipped_dirs > 0 { format!(", {} not searched", plural(t.skipped_dirs, "directory", "directories")) } else { String::new() },
    )
}

/// `validate`'s last line: `4 scenarios: 3 valid, 1 invalid (2 files skipped)`.
pub fn validate_totals(valid: usize, invalid: usize, skipped: usize) -> String {
    format!(
        "{}: {}, {} ({})",
        plural(valid + invalid, "scenario", "scenarios"),
        color::count(Tone::Good, valid, &format!("{valid} valid")),
        color::count(Tone::Invalid, invalid, &format!("{invalid} invalid")),
        skipped_files(skipped)
    )
}

fn skipped_files(n: usize) -> String {
    format!("{} skipped", plural(n, "file", "files"))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The one line `--quiet` prints.
pub fn verdict_line(o: &Outcome) -> String {
    format!("{}: {} (seed {}, fingerprint {})", o.scenario, color::word(o.verdict.name()), o.seed, o.report.fingerprint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let t = table(&["a", "bb"], &[vec!["long name".into(), "1".into()], vec!["x".into(), "200".into()]]);
        assert_eq!(t, "a           bb\nlong name    1\nx          200\n");
    }

    #[test]
    fn units_are_humane() {
        assert_eq!(secs(Some(0.0015)), "2ms");
        assert_eq!(secs(Some(1.4165)), "1.42s");
        assert_eq!(secs(None), "—");
        // Instants keep their milliseconds: 1799.5 s is not the end of a 30-minute run.
        assert_eq!(at(Some(1799.5)), "1799.5s");
        assert_eq!(at(Some(200.25)), "200.25s");
        assert_eq!(at(Some(10.0)), "10s");
        assert_eq!(bytes(530_247), "530.2kB");
        assert_eq!(bps(6e9), "6.00Gbps");
    }

    #[test]
    fn the_totals_line_counts_and_agrees_in_number() {
        let t = crate::check::Totals { passed: 1, failed: 1, inconclusive: 0, invalid: 0, skipped_files: 1, skipped_dirs: 0 };
        assert_eq!(totals_line(&t), "2 scenarios: 1 passed, 1 failed, 0 inconclusive, 0 invalid (1 file skipped)");
        let t = crate::check::Totals { passed: 1, skipped_files: 0, skipped_dirs: 2, ..t };
        assert_eq!(
            totals_line(&t),
            "2 scenarios: 1 passed, 1 failed, 0 inconclusive, 0 invalid (0 files skipped, 2 directories not searched)"
        );
    }
}
