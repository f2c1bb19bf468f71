//! `--annotations FILE`: the run as Grafana annotations, a JSON array whose every element is
//! the body Grafana's HTTP API takes at `POST /api/annotations` (`time` and `timeEnd` in
//! epoch milliseconds, `tags`, `text`, and `dashboardUID` / `panelId` when given). One per
//! fault window (a region from its start to its repair), and one per detection,
//! convergence, recovery, alarm and runbook action (points), in time order.
//!
//! Simulated time has no wall-clock epoch: `--annotations-epoch` says which instant t = 0 is
//! (RFC 3339 or epoch milliseconds; default 2000-01-01T00:00:00Z, so the same run always
//! gives the same file).

use std::path::PathBuf;

use scenarios::Expectations;
use serde_json::{Value, json};

use crate::outcome::Outcome;
use crate::svg::marks::{self, MarkKind};

/// 2000-01-01T00:00:00Z in epoch milliseconds: the default t = 0.
pub const DEFAULT_EPOCH_MS: i64 = 946_684_800_000;

#[derive(clap::Args, Debug, Clone)]
pub struct AnnotationArgs {
    /// Write Grafana annotations (the JSON array of `POST /api/annotations` bodies) to FILE
    /// (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub annotations: Option<PathBuf>,
    /// The wall-clock instant of simulated t = 0: RFC 3339 (`2026-03-02T14:00:00Z`) or epoch
    /// milliseconds [default: 2000-01-01T00:00:00Z].
    #[arg(long, value_name = "RFC3339|MS", value_parser = parse_epoch, requires = "annotations")]
    pub annotations_epoch: Option<i64>,
    /// Put the annotations on this dashboard (its UID); without it they are organization-wide.
    #[arg(long, value_name = "UID", requires = "annotations")]
    pub annotations_dashboard: Option<String>,
    /// And on this panel of it.
    #[arg(long, value_name = "ID", requires = "annotations_dashboard")]
    pub annotations_panel: Option<u64>,
}

impl AnnotationArgs {
    /// Writes the file, if one was asked for.
    pub fn write(&self, o: &Outcome, expect: &Expectations) -> anyhow::Result<()> {
        if let Some(path) = &self.annotations {
            let v = annotations(
                o,
                expect,
                self.annotations_epoch.unwrap_or(DEFAULT_EPOCH_MS),
                self.annotations_dashboard.as_deref(),
                self.annotations_panel,
            );
            crate::output::write_atomic(path, (serde_json::to_string_pretty(&v)? + "\n").as_bytes())?;
        }
        Ok(())
    }
}

/// Simulated seconds to epoch milliseconds.
fn ms(epoch_ms: i64, t_s: f64) -> i64 {
    epoch_ms.saturating_add((t_s * 1e3).round() as i64)
}

pub fn annotations(o: &Outcome, expect: &Expectations, epoch_ms: i64, dashboard: Option<&str>, panel: Option<u64>) -> Value {
    let r = &o.report;
    let base = |time: i64, time_end: Option<i64>, kind: &str, text: String| {
        let mut a = json!({
            "time": time,
            "tags": ["faultline", kind, o.scenario.clone(), format!("seed:{}", o.seed)],
            "text": text,
        });
        if let Some(end) = time_end {
            a["timeEnd"] = json!(end);
        }
        if let Some(d) = dashboard {
            a["dashboardUID"] = json!(d);
        }
        if let Some(p) = panel {
            a["panelId"] = json!(p);
        }
        (time, a)
    };
    let mut out: Vec<(i64, Value)> = Vec::new();
    for f in &r.faults {
        let end = f.end_s.unwrap_or(r.duration_s);
        let repaired = if f.end_s.is_some() { "" } else { " (not repaired by the end of the run)" };
        out.push(base(
            ms(epoch_ms, f.at_s),
            Some(ms(epoch_ms, end)),
            "fault",
            format!("fault {}: {} on {}{repaired} — {} seed {}", f.id, f.kind, f.target, o.scenario, o.seed),
        ));
    }
    for m in marks::marks(o, Some(expect)) {
        let kind = match m.kind {
            MarkKind::Detect => "detection",
            MarkKind::Converge => "convergence",
            MarkKind::Recover => "recovery",
            MarkKind::Alarm => "alarm",
            MarkKind::Runbook => "runbook",
            // Targets are what was asked for, not something that happened.
            MarkKind::RtoTarget | MarkKind::RecoverTarget => continue,
        };
        out.push(base(ms(epoch_ms, m.t_s), None, kind, format!("{} — {} seed {}", m.text, o.scenario, o.seed)));
    }
    // Stable: equal times keep the order above (fault windows first).
    out.sort_by_key(|a| a.0);
    Value::Array(out.into_iter().map(|a| a.1).collect())
}

/// `--annotations-epoch`: epoch milliseconds, or an RFC 3339 date-time
/// (`2026-03-02T14:00:00Z`, `2026-03-02T14:00:00.250+01:00`).
pub fn parse_epoch(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms);
    }
    if let Some(ms) = rfc3339_ms(s) {
        return Ok(ms);
    }
    // A local date-time names no instant until it says which zone: say so, rather than
    // refuse it as if it were no date at all.
    if let Some(local) = without_offset(s) {
        return Err(format!(
            "`{s}` has no UTC offset: an RFC 3339 date-time needs one, `Z` for UTC or `+01:00` / `-05:00` for a zone, \
             e.g. {local}Z or {local}+01:00"
        ));
    }
    Err(format!("`{s}` is neither epoch milliseconds nor an RFC 3339 date-time like 2026-03-02T14:00:00Z"))
}

/// `s` as a date-time that only lacks its offset (`2026-12-01T10:00:00`, `…T10:00`,
/// `…T10:00:00.250`): the date-time, with `:00` seconds when they were left out.
fn without_offset(s: &str) -> Option<String> {
    let full = match s.len() {
        16 => format!("{s}:00"),
        _ => s.to_string(),
    };
    rfc3339_ms(&format!("{full}Z")).map(|_| full)
}

fn rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) { t.parse().ok() } else { None }
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut frac_ms = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let digits = &s[start..i.min(start + 3)];
        frac_ms = digits.parse::<i64>().ok()? * 10i64.pow(3 - digits.len() as u32);
    }
    let offset_min = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        c @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let v = num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?;
            if *c == b'-' { -v } else { v }
        }
        _ => return None,
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mdays = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&mo) || d < 1 || d > mdays[(mo - 1) as usize] || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60) * 1000) + frac_ms)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates_become_epoch_milliseconds() {
        // References: `date -u -d 2000-01-01T00:00:00Z +%s` = 946684800, and
        // `date -u -d 2026-03-02T13:00:00Z +%s` = 1772456400.
        assert_eq!(parse_epoch("2000-01-01T00:00:00Z"), Ok(DEFAULT_EPOCH_MS));
        assert_eq!(parse_epoch("2026-03-02T14:00:00.25+01:00"), Ok(1_772_456_400_250));
        assert_eq!(parse_epoch("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_epoch("1772456400000"), Ok(1_772_456_400_000));
        assert!(parse_epoch("2026-02-30T00:00:00Z").is_err());
        assert!(parse_epoch("yesterday").is_err());
        // An offset is required, and the refusal says so, with the fixed forms.
        let e = parse_epoch("2026-12-01T10:00:00").expect_err("an offset is required");
        assert!(e.contains("no UTC offset") && e.contains("2026-12-01T10:00:00Z") && e.contains("+01:00"), "{e}");
        let e = parse_epoch("2026-12-01T10:00").expect_err("an offset is required");
        assert!(e.contains("no UTC offset") && e.contains("2026-12-01T10:00:00Z"), "{e}");
        assert!(parse_epoch("2026-12-01T10:00:00.5").expect_err("no offset").contains("2026-12-01T10:00:00.5Z"));
        assert!(!parse_epoch("2026-13-01T10:00:00").expect_err("no month 13").contains("offset"));
    }
}
