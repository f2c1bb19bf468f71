//! The machine output: a stable JSON contract (documented in README.md, "JSON output").
//!
//! Keys are written out explicitly here rather than derived from internal types, so that
//! refactoring the simulator cannot silently change what users script against.

use serde_json::{Value, json};

use crate::check::{CheckRun, Totals};
use crate::outcome::Outcome;
use crate::version;

/// `check --json`: the totals, every scenario's `run` object, and what was invalid or skipped.
pub fn check(run: &CheckRun, t: &Totals) -> Value {
    json!({
        "faultline": version::json(),
        "verdict": t.verdict(),
        "totals": {
            "scenarios": t.scenarios(),
            "passed": t.passed,
            "failed": t.failed,
            "inconclusive": t.inconclusive,
            "invalid": t.invalid,
            "skipped_files": t.skipped_files,
            "skipped_dirs": t.skipped_dirs,
        },
        "scenarios": run.outcomes.iter().map(self::run).collect::<Vec<_>>(),
        "invalid": run.invalid.iter().map(|i| json!({ "path": i.path, "error": i.message })).collect::<Vec<_>>(),
        "skipped": run.skipped.iter().map(|s| json!({ "path": s.path, "reason": s.why.text() })).collect::<Vec<_>>(),
    })
}

/// `run --json`, and each of `check --json`'s `scenarios`.
pub fn run(o: &Outcome) -> Value {
    let r = &o.report;
    json!({
        "faultline": version::json(),
        "scenario": o.scenario,
        "warnings": o.warnings,
        "seed": o.seed,
        "fingerprint": r.fingerprint,
        "verdict": o.verdict.name(),
        "reproduce": o.reproduce(),
        "inconclusive": o.inconclusive(),
        "faults": r.faults.iter().map(|f| json!({
            "id": f.id,
            "kind": f.kind,
            "target": f.target,
            "at_s": f.at_s,
            "end_s": f.end_s,
            "detect_s": f.detect_s,
            "converge_s": f.converge_s,
            "recover_s": f.recover_s,
            "recovered_by": f.recovered_by.map(|b| b.label()),
            "blackhole_s": f.blackhole_s,
            "lost_bytes": f.lost_bytes,
            "effect": {
                "links_changed": f.effect.links_changed,
                "workloads_down": f.effect.workloads_down,
                "sessions_down": f.effect.sessions_down,
                "flows_moved": f.effect.flows_moved,
                "flows_disrupted": f.effect.flows_disrupted,
                "forwarding_changed": f.effect.forwarding_changed,
                "any": f.effect.any(),
            },
        })).collect::<Vec<_>>(),
        "traffic": r.traffic.iter().map(|g| json!({
            "id": g.id,
            "offered_bps": g.offered_bps,
            "delivered_bytes": g.delivered_bytes,
            "lost_bytes": g.lost_bytes,
            "background_lost_bytes": g.background_lost_bytes,
            "mean_throughput_bps": g.mean_throughput_bps,
            "min_throughput_bps": g.min_throughput_bps,
            "stall_count": g.stalls.count,
            "stall_p50_s": g.stalls.p50_s,
            "stall_p99_s": g.stalls.p99_s,
            "stall_max_s": g.stalls.max_s,
            "rto_s": g.rto_s,
            "rto_fault": g.rto_fault,
            "rto_episodes": g.rto_episodes,
            "rpo_s": g.rpo_s,
            "rpo_bytes": g.rpo_bytes,
            "tcp_model": g.tcp_model,
            "tcp_host": g.tcp_host,
            "connections_aborted": g.connections_aborted,
            "connect_failures": g.connect_failures,
            "packet": g.packet.as_ref().map(|p| json!({
                "hops": p.hops,
                "drops": p.drops,
                "retransmissions": p.retransmissions,
                "rtt_p50_s": p.rtt_p50_s,
                "rtt_p99_s": p.rtt_p99_s,
                "queue_p99_bytes": p.queue_p99_bytes,
                "queue_max_bytes": p.queue_max_bytes,
            })),
        })).collect::<Vec<_>>(),
        "alarms": r.alarms.iter().map(|a| json!({"id": a.id, "fired_s": a.fired_s})).collect::<Vec<_>>(),
        "sla": o.sla.iter().map(|a| json!({
            "interconnect": a.interconnect,
            "terms": a.terms,
            "provider": a.provider,
            "product": a.product,
            "downtime_s": a.downtime_s,
            "counted_downtime_s": a.counted_downtime_s,
            "periods": a.periods,
            "counted_periods": a.counted_periods,
            "month_s": a.month_s,
            "monthly_uptime_pct": a.monthly_uptime_pct,
            "sla_target_pct": a.sla_target_pct,
            "met": a.met,
            "credit_pct": a.credit_pct,
            "open": a.open,
            "source": a.source,
            "basis": a.basis,
        })).collect::<Vec<_>>(),
        "runbook": r.runbook.iter().map(|s| json!({"id": s.id, "triggered_s": s.triggered_s, "acted_s": s.acted_s, "found": s.found, "found_text": s.found.map(|f| f.sentence())})).collect::<Vec<_>>(),
        "expectations": o.checks.iter().map(|c| json!({
            "name": c.name,
            "pass": c.pass,
            "status": c.status.name(),
            "measured": c.measured,
            "limit": c.limit,
            "unit": c.unit,
            "detail": c.detail,
        })).collect::<Vec<_>>(),
        "stats": {
            "events": r.events,
            "trace_records": r.trace_records,
            "packet_hops": r.packet_hops,
            "simulated_s": r.duration_s,
            "wall_s": o.wall_s,
        },
        "budget": {
            "estimate_bytes": o.budget.estimate_bytes,
            "estimate_events": o.budget.estimate_events,
            "max_memory": o.budget.max_memory,
            "max_events": o.budget.max_events,
            "stopped": o.stop.as_ref().map(|s| s.to_string()),
        },
    })
}
