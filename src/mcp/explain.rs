//! The `explain` tool: a fault's timeline in sentences, from the run's report (the numbers
//! `run --json` prints) and the marks the HTML report's chronology and the charts draw
//! (`svg::marks`), so the three never disagree.

use std::fmt::Write;

use scenarios::Scenario;
use sim_core::report::{FaultReport, RecoveredBy};
use sim_core::show::count;

use crate::human::{bytes, secs};
use crate::outcome::Outcome;
use crate::svg::marks::{MarkKind, marks};

/// `T+0:01:30.250`, as the HTML report's chronology writes simulated time.
fn clock(t: f64) -> String {
    let ms = (t * 1000.0).round().max(0.0) as u64;
    format!("T+{}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

/// Every fault's timeline (or only `fault`'s), paragraph by paragraph; an unknown id names
/// the ones the run has.
pub fn explain(o: &Outcome, s: &Scenario, fault: Option<&str>) -> Result<String, String> {
    let r = &o.report;
    let chosen: Vec<(usize, &FaultReport)> = r.faults.iter().enumerate().filter(|(_, f)| fault.is_none_or(|id| f.id == id)).collect();
    if chosen.is_empty() {
        let ids: Vec<String> = r.faults.iter().map(|f| format!("`{}`", f.id)).collect();
        return Err(match fault {
            Some(id) if ids.is_empty() => format!("no fault `{id}`: the run of {} at seed {} had no faults", o.scenario, o.seed),
            Some(id) => format!("no fault `{id}` in the run of {} at seed {} (its faults: {})", o.scenario, o.seed, ids.join(", ")),
            None => format!("the run of {} at seed {} had no faults, so there is no timeline to explain", o.scenario, o.seed),
        });
    }
    let all = marks(o, Some(&s.expect));
    let mut out = String::new();
    for (i, f) in chosen {
        paragraph(&mut out, o, f, all.iter().filter(|m| m.fault == Some(i)).map(|m| (m.kind, m.t_s)));
        // Alarms and runbook steps belong to no fault: name those inside its window.
        let end = f.end_s.unwrap_or(r.duration_s);
        for m in all.iter().filter(|m| m.fault.is_none() && m.t_s >= f.at_s && m.t_s <= end) {
            let _ = writeln!(out, "- At {}, while it was in force, the {} ({}).", clock(m.t_s), m.kind.name(), m.text);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "Verdict of the run: {}. reproduce: {}", o.verdict.name(), o.reproduce());
    Ok(out)
}

fn paragraph(out: &mut String, o: &Outcome, f: &FaultReport, own: impl Iterator<Item = (MarkKind, f64)>) {
    let _ = writeln!(out, "Fault `{}` ({} on {}):", f.id, f.kind, f.target);
    let _ = writeln!(out, "- It starts at {}.", clock(f.at_s));
    if !f.effect.any() {
        let _ = writeln!(out, "- It changed nothing observable: no link, session, forwarding entry or flow.");
    }
    let mut detected = false;
    for (kind, t) in own {
        let after = secs(Some(t - f.at_s));
        let sentence = match kind {
            MarkKind::Detect => {
                detected = true;
                format!(
                    "- At {} ({after} after it started) it was detected: {}",
                    clock(t),
                    match f.effect.sessions_down {
                        1 => "the one BGP session it took down went down.".to_string(),
                        n => format!("the first of the {n} BGP sessions it took down went down."),
                    }
                )
            }
            MarkKind::Converge => format!("- At {} ({after} after it started) forwarding made its last change because of it.", clock(t)),
            MarkKind::Recover => {
                let how = match f.recovered_by {
                    Some(RecoveredBy::Failover) => "by failover, before the fault was repaired",
                    Some(RecoveredBy::Runbook) => "after a runbook step moved the traffic, before the fault was repaired",
                    Some(RecoveredBy::Adapted) => "at what the degraded network still allows, with nothing routed around the fault",
                    Some(RecoveredBy::Repair) => "only once the fault was repaired",
                    None => "",
                };
                format!(
                    "- At {} ({after} after it started) every flow it disrupted was back at 95 % of its target for 1 s{}{how}.",
                    clock(t),
                    if how.is_empty() { "" } else { ", " }
                )
            }
            MarkKind::RtoTarget => format!("- At {} the scenario's RTO target (`rto_within`, {after}) falls due.", clock(t)),
            MarkKind::RecoverTarget => format!("- At {} the scenario's `recover_within` target ({after}) falls due.", clock(t)),
            MarkKind::Alarm | MarkKind::Runbook => continue,
        };
        let _ = writeln!(out, "{sentence}");
    }
    if !detected && f.effect.any() {
        let _ = writeln!(out, "- No BGP session went down because of it, so routing never saw it as a failure.");
    }
    if f.effect.flows_disrupted > 0 || f.effect.flows_moved > 0 {
        let _ = writeln!(
            out,
            "- It disrupted {} (stalled, or below 95 % of their rate) and moved {} to other paths.",
            count(f.effect.flows_disrupted, "flow", "flows"),
            f.effect.flows_moved
        );
        if f.recover_s.is_none() {
            let _ = writeln!(out, "- The flows it disrupted never recovered before the run ended.");
        }
    }
    if f.blackhole_s > 0.0 {
        let _ = writeln!(out, "- Forwarding pointed into links that dropped everything for {} in all.", secs(Some(f.blackhole_s)));
    }
    if f.lost_bytes > 0 {
        let _ = writeln!(out, "- {} were lost on the wire because of it.", bytes(f.lost_bytes));
    }
    for g in o.report.traffic.iter().filter(|g| g.rto_fault.as_deref() == Some(f.id.as_str())) {
        match g.rto_s {
            Some(rto) => {
                let _ =
                    writeln!(out, "- Traffic group `{}`'s longest disruption (its RTO, {}) began with this fault.", g.id, secs(Some(rto)));
            }
            None => {
                let _ = writeln!(out, "- Traffic group `{}`'s disruption that began with this fault never ended (no RTO).", g.id);
            }
        }
    }
    match f.end_s {
        Some(e) => {
            let _ = writeln!(out, "- It is repaired at {} ({} after it started).", clock(e), secs(Some(e - f.at_s)));
        }
        None => {
            let _ = writeln!(out, "- It is never repaired before the run ends at {}.", clock(o.report.duration_s));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_matches_the_chronology() {
        assert_eq!(clock(90.25), "T+0:01:30.250");
        assert_eq!(clock(3600.0), "T+1:00:00.000");
    }
}
