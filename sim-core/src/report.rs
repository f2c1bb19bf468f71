//! Metrics derived from a run: per fault (detect, converge, recover, blackhole, loss,
//! evidence) and per traffic group (bytes, throughput, stalls, RTO, RPO).
//!
//! Recovery follows resilience-testing practice: a group has recovered when its delivered
//! throughput is back to 95 % of what it had before the fault, or of what the surviving
//! capacity allows if that is less, counted from the fault's start and looked for only once
//! forwarding has converged. A group whose surviving capacity is zero has not recovered.

use serde::Serialize;

use crate::sim::Simulation;
use crate::time::{SimDuration, SimTime};

/// Bit-nanoseconds per byte in the ledger.
const LEDGER_PER_BYTE: u128 = 8 * 1_000_000_000;

/// The share of the target a group must reach to count as recovered.
pub const RECOVERY_FRACTION: f64 = 0.95;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Evidence {
    pub links_changed: u32,
    pub sessions_down: u32,
    pub flows_moved: u64,
    pub lost_bytes: u64,
    pub forwarding_changed: bool,
}

impl Evidence {
    /// Whether the fault did anything observable.
    pub fn any(&self) -> bool {
        self.links_changed > 0 || self.sessions_down > 0 || self.flows_moved > 0 || self.lost_bytes > 0 || self.forwarding_changed
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FaultReport {
    pub id: String,
    pub kind: &'static str,
    pub target: String,
    pub at_s: f64,
    pub end_s: Option<f64>,
    /// From the fault's start to the first session down.
    pub detect_s: Option<f64>,
    /// From the fault's start to the last forwarding change before repair.
    pub converge_s: Option<f64>,
    /// From the fault's start to recovery (see the module docs); `None` if never.
    pub recover_s: Option<f64>,
    /// Time forwarding pointed into links that dropped everything.
    pub blackhole_s: f64,
    pub lost_bytes: u64,
    pub effect: Evidence,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StallStats {
    pub count: u64,
    pub p50_s: Option<f64>,
    pub p99_s: Option<f64>,
    pub max_s: Option<f64>,
}

/// What packet fidelity measured on the wire for a group.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PacketStats {
    /// Link traversals by the group's packets (data and ACKs).
    pub hops: u64,
    pub drops: u64,
    /// Data segments sent again (a segment ending at or before the highest sent).
    pub retransmissions: u64,
    pub rtt_p50_s: Option<f64>,
    pub rtt_p99_s: Option<f64>,
    /// Backlog found by the group's packets when they reached a link queue.
    pub queue_p99_bytes: u64,
    pub queue_max_bytes: u64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GroupReport {
    pub id: String,
    /// Which TCP produced these numbers: `fluid/linux`, `fluid/rfc6298`, `smoltcp-0.14/cubic`
    /// or `smoltcp-0.14/reno`.
    pub tcp_model: String,
    /// Demand in bits per second (0 for bulk groups).
    pub offered_bps: u64,
    pub delivered_bytes: u64,
    pub lost_bytes: u64,
    /// Lowest delivered throughput inside any fault window; `None` without faults.
    pub min_throughput_bps: Option<u64>,
    pub mean_throughput_bps: u64,
    pub stalls: StallStats,
    /// From the first fault that cut the group below 95 % of its reference to 95 % again.
    pub rto_s: Option<f64>,
    /// Replication groups: seconds of writes not yet delivered when a site was lost.
    pub rpo_s: Option<f64>,
    pub rpo_bytes: Option<u64>,
    pub packet: Option<PacketStats>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AlarmReport {
    pub id: String,
    pub fired_s: Vec<f64>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StepReport {
    pub id: String,
    pub triggered_s: Option<f64>,
    pub acted_s: Option<f64>,
}

/// Everything a run measured.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Report {
    pub seed: u64,
    pub fingerprint: String,
    pub duration_s: f64,
    pub events: u64,
    pub trace_records: u64,
    /// Link traversals by packets (packet fidelity only).
    pub packet_hops: u64,
    pub faults: Vec<FaultReport>,
    pub traffic: Vec<GroupReport>,
    pub alarms: Vec<AlarmReport>,
    pub runbook: Vec<StepReport>,
}

/// A piecewise-constant timeline of (time, rate, ideal).
type Timeline<'a> = &'a [(SimTime, u64, u64)];

/// Value of the timeline at `t` (the last point at or before `t`).
fn at(tl: Timeline<'_>, t: SimTime) -> (u64, u64) {
    match tl.partition_point(|p| p.0 <= t) {
        0 => (0, 0),
        i => (tl[i - 1].1, tl[i - 1].2),
    }
}

/// Value just before `t`.
fn before(tl: Timeline<'_>, t: SimTime) -> u64 {
    match tl.partition_point(|p| p.0 < t) {
        0 => 0,
        i => tl[i - 1].1,
    }
}

/// Points in [from, to), starting with the value in force at `from`.
fn window(tl: Timeline<'_>, from: SimTime, to: SimTime) -> impl Iterator<Item = (SimTime, u64, u64)> + '_ {
    let (r, i) = at(tl, from);
    let start = tl.partition_point(|p| p.0 <= from);
    std::iter::once((from, r, i)).chain(tl[start..].iter().copied().take_while(move |p| p.0 < to))
}

fn below(rate: u64, target: f64) -> bool {
    (rate as f64) < RECOVERY_FRACTION * target
}

/// How long throughput must hold at the target to count as recovered: a burst of catch-up
/// traffic (a sender draining its backlog) or one good bin between stalls is not recovery.
/// [ASSUMPTION] 1 s, or less when the window ends sooner.
pub const RECOVERY_HOLD: SimDuration = SimDuration::from_secs(1);

/// The first point at or after `from` from which `ok` holds for `RECOVERY_HOLD` (or until `to`).
fn first_sustained(tl: Timeline<'_>, from: SimTime, to: SimTime, ok: impl Fn(u64, u64) -> bool) -> Option<SimTime> {
    let pts: Vec<(SimTime, u64, u64)> = window(tl, from, to).collect();
    let mut start: Option<SimTime> = None;
    for (i, &(t, r, id)) in pts.iter().enumerate() {
        if ok(r, id) {
            let s = *start.get_or_insert(t);
            let next = pts.get(i + 1).map_or(to, |p| p.0);
            if next.saturating_since(s) >= RECOVERY_HOLD || next >= to {
                return Some(s);
            }
        } else {
            start = None;
        }
    }
    None
}

/// When a group recovered from a fault at `t0` (see the module docs), or `Some(t0)` if it
/// was never affected, `None` if it never recovered before `to`.
pub fn recovery(tl: Timeline<'_>, t0: SimTime, look_from: SimTime, to: SimTime) -> Option<SimTime> {
    let pre = before(tl, t0) as f64;
    if pre <= 0.0 {
        return Some(t0);
    }
    let affected = window(tl, t0, to).any(|(_, r, i)| below(r, pre.min(i as f64)) || below(i, pre));
    if !affected {
        return Some(t0);
    }
    first_sustained(tl, look_from.max(t0), to, |r, i| i > 0 && !below(r, pre.min(i as f64)) && !below(r, pre * 0.05 / RECOVERY_FRACTION))
}

fn secs(d: SimDuration) -> f64 {
    d.as_secs_f64()
}

impl Simulation {
    /// The report of the run so far.
    pub fn report(&self) -> Report {
        let end = self.now().max(self.end.min(self.now()));
        let mut starts: Vec<(SimTime, usize)> = self.faults.iter().enumerate().filter_map(|(i, f)| f.start.map(|s| (s, i))).collect();
        starts.sort();
        let mut faults = Vec::new();
        for (k, &(t0, i)) in starts.iter().enumerate() {
            let f = &self.faults[i];
            // Faults that start together share a window up to the next later start.
            let next = starts[k + 1..].iter().find(|s| s.0 > t0).map_or(end, |s| s.0);
            let converge = f.last_fib;
            let look_from = converge.unwrap_or(t0);
            let mut recover: Option<SimTime> = Some(t0);
            for g in &self.flows.groups {
                match (recovery(&g.timeline, t0, look_from, next), recover) {
                    (Some(r), Some(cur)) => recover = Some(r.max(cur)),
                    _ => recover = None,
                }
            }
            let mut blackhole = f.blackhole_ns;
            if self.window.map(|w| w.index()) == Some(i)
                && let Some(since) = self.broken_since
            {
                blackhole += end.saturating_since(since.max(t0)).as_nanos();
            }
            let lost_bytes = (f.lost_bits / LEDGER_PER_BYTE) as u64;
            let effect = Evidence {
                links_changed: f.links_changed,
                sessions_down: f.sessions_down,
                flows_moved: f.flows_moved,
                lost_bytes,
                forwarding_changed: f.last_fib.is_some(),
            };
            faults.push(FaultReport {
                id: f.def.id.clone(),
                kind: f.def.kind(),
                target: f.def.target_name.clone(),
                at_s: t0.as_secs_f64(),
                end_s: f.end.map(SimTime::as_secs_f64),
                detect_s: f.detect.map(|d| secs(d - t0)),
                converge_s: converge.map(|c| secs(c - t0)),
                recover_s: recover.map(|r| secs(r - t0)),
                blackhole_s: SimDuration(blackhole).as_secs_f64(),
                lost_bytes,
                effect,
            });
        }
        let first_fault = starts.first().map(|s| s.0);
        let traffic = (0..self.flows.groups.len()).map(|g| self.group_report(g, &starts, end, first_fault)).collect();
        Report {
            seed: self.seed,
            fingerprint: format!("{:016x}", self.fingerprint()),
            duration_s: end.as_secs_f64(),
            events: self.events,
            trace_records: self.trace.len(),
            packet_hops: self.packets.hops,
            faults,
            traffic,
            alarms: self
                .alarms
                .iter()
                .enumerate()
                .map(|(a, rt)| AlarmReport {
                    id: self.model.alarms[a].id.clone(),
                    fired_s: rt.fired.iter().map(|t| t.as_secs_f64()).collect(),
                })
                .collect(),
            runbook: self
                .steps
                .iter()
                .enumerate()
                .map(|(s, rt)| StepReport {
                    id: self.model.steps[s].id.clone(),
                    triggered_s: rt.triggered.map(SimTime::as_secs_f64),
                    acted_s: rt.acted.map(SimTime::as_secs_f64),
                })
                .collect(),
        }
    }

    fn group_report(&self, g: usize, starts: &[(SimTime, usize)], end: SimTime, first_fault: Option<SimTime>) -> GroupReport {
        let gr = &self.flows.groups[g];
        let spec = &self.model.groups[g].spec;
        let tl = &gr.timeline;
        // The ledger is settled up to the group's last change; add the tail at current rates.
        let tail = if gr.packet { 0 } else { u128::from(end.saturating_since(gr.last).as_nanos()) };
        let delivered = gr.delivered + u128::from(gr.rate) * tail;
        let lost = gr.lost + u128::from(gr.loss_rate) * tail;
        let min_tp = starts.iter().enumerate().flat_map(|(k, &(t0, _))| {
            let to = starts[k + 1..].iter().find(|s| s.0 > t0).map_or(end, |s| s.0);
            window(tl, t0, to).map(|p| p.1)
        });
        let min_throughput_bps = min_tp.min();
        // Stalls still open at the end count too, at their length so far.
        let mut h = gr.stalls.clone();
        for f in gr.first_flow..gr.first_flow + gr.n_flows {
            if let crate::flows::TcpState::Stalled { since, .. } = self.flows.flows[f as usize].state {
                let _ = h.record((end.saturating_since(since).as_nanos() / 1_000).max(1));
            }
        }
        let h = &h;
        let q = |x: f64| if h.is_empty() { None } else { Some(h.value_at_quantile(x) as f64 / 1e6) };
        let reference = spec.demand_bps.map_or_else(|| first_fault.map_or(gr.peak, |t| before(tl, t)), |d| d as f64 as u64);
        let rto_s = first_fault.and_then(|t0| {
            let down = window(tl, t0, end).find(|p| below(p.1, reference as f64))?;
            Some(first_sustained(tl, down.0, end, |r, _| !below(r, reference as f64)).map(|t| secs(t - t0)))
        });
        let rto_s = match rto_s {
            None => first_fault.map(|_| 0.0),
            Some(v) => v,
        };
        let (rpo_s, rpo_bytes) = match (gr.rpo, spec.demand_bps) {
            (Some((_, bits)), Some(d)) => (Some(bits as f64 / 1e9 / d as f64), Some((bits / LEDGER_PER_BYTE) as u64)),
            (Some((_, bits)), None) => (None, Some((bits / LEDGER_PER_BYTE) as u64)),
            _ => (None, None),
        };
        let span = end.saturating_since(spec.start).as_nanos().max(1);
        let (tcp_model, packet) = match self.packets.groups.get(g).and_then(Option::as_ref) {
            Some(pg) => {
                let cc = match pg.cc {
                    crate::spec::CongestionControl::Cubic => "cubic",
                    crate::spec::CongestionControl::Reno => "reno",
                };
                let q =
                    |h: &hdrhistogram::Histogram<u64>, x: f64| if h.is_empty() { None } else { Some(h.value_at_quantile(x) as f64 / 1e6) };
                let stats = PacketStats {
                    hops: pg.hops,
                    drops: pg.drops,
                    retransmissions: pg.retransmissions,
                    rtt_p50_s: q(&pg.rtt, 0.5),
                    rtt_p99_s: q(&pg.rtt, 0.99),
                    queue_p99_bytes: if pg.queue.is_empty() { 0 } else { pg.queue.value_at_quantile(0.99) },
                    queue_max_bytes: pg.queue.max(),
                };
                (format!("smoltcp-0.14/{cc}"), Some(stats))
            }
            None => {
                let rule = match spec.tcp.rule {
                    crate::spec::RtoRule::Linux => "linux",
                    crate::spec::RtoRule::Rfc6298 => "rfc6298",
                };
                (format!("fluid/{rule}"), None)
            }
        };
        GroupReport {
            id: spec.id.clone(),
            tcp_model,
            offered_bps: spec.demand_bps.unwrap_or(0),
            delivered_bytes: (delivered / LEDGER_PER_BYTE) as u64,
            lost_bytes: (lost / LEDGER_PER_BYTE) as u64,
            min_throughput_bps,
            mean_throughput_bps: (delivered / u128::from(span)) as u64,
            stalls: StallStats {
                count: h.len(),
                p50_s: q(0.5),
                p99_s: q(0.99),
                max_s: if h.is_empty() { None } else { Some(h.max() as f64 / 1e6) },
            },
            rto_s,
            rpo_s,
            rpo_bytes,
            packet,
        }
    }
}
