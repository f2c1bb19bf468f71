//! Metrics derived from a run: per fault (detect, converge, recover, blackhole, loss,
//! evidence) and per traffic group (bytes, throughput, stalls, RTO, RPO).
//!
//! The per-fault figures and RTO episodes come from attribution (a fold over the run's timed
//! effects, see `attribution.rs`); the definitions are in README.md ("Metrics"). This file
//! only reads them out, with whatever is still open finished at the report's time.

use serde::Serialize;

use crate::model::FaultId;
use crate::sim::Simulation;
use crate::time::{SimDuration, SimTime};

pub use crate::attribution::{RECOVERY_HOLD, RECOVERY_PPM};

/// Bit-nanoseconds per byte in the ledger.
const LEDGER_PER_BYTE: u128 = 8 * 1_000_000_000;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Evidence {
    /// Links whose state the fault changed when it started (a repair is no evidence).
    pub links_changed: u32,
    /// Sites or endpoints it took down.
    pub workloads_down: u32,
    pub sessions_down: u32,
    pub flows_moved: u64,
    /// Flows it stalled or slowed below 95 % of their rate.
    pub flows_disrupted: u64,
    pub lost_bytes: u64,
    pub forwarding_changed: bool,
}

impl Evidence {
    /// Whether the fault did anything observable.
    pub fn any(&self) -> bool {
        self.links_changed > 0
            || self.workloads_down > 0
            || self.sessions_down > 0
            || self.flows_moved > 0
            || self.flows_disrupted > 0
            || self.lost_bytes > 0
            || self.forwarding_changed
    }
}

/// How the flows a fault disrupted got back.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RecoveredBy {
    /// Before the fault was repaired, and the fault changed forwarding: the network routed
    /// around it.
    Failover,
    /// Before the fault was repaired, the fault changed no forwarding, and a runbook step
    /// acted between the fault's start and the recovery: the operator moved the traffic.
    Runbook,
    /// Before the fault was repaired, with no forwarding change and no runbook step: the
    /// flows settled at what the degraded network still allows them (bulk traffic under a
    /// capacity cut or random loss). Nothing was routed around.
    Adapted,
    /// Only once it was repaired.
    Repair,
}

impl RecoveredBy {
    pub fn label(self) -> &'static str {
        match self {
            RecoveredBy::Failover => "failover",
            RecoveredBy::Runbook => "runbook",
            RecoveredBy::Adapted => "adapted",
            RecoveredBy::Repair => "repair",
        }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FaultReport {
    pub id: String,
    pub kind: &'static str,
    pub target: String,
    pub at_s: f64,
    pub end_s: Option<f64>,
    /// From the fault's start to the first session down it caused.
    pub detect_s: Option<f64>,
    /// From the fault's start to the last forwarding change it caused (decided while it was
    /// in force, applied possibly after its repair).
    pub converge_s: Option<f64>,
    /// From the fault's start to the moment every flow it disrupted was back at 95 % of its
    /// target, and stayed there for 1 s; `None` if never.
    pub recover_s: Option<f64>,
    /// Whether that recovery came before the repair (failover) or with it.
    pub recovered_by: Option<RecoveredBy>,
    /// Time forwarding pointed into links that dropped everything because of this fault.
    pub blackhole_s: f64,
    /// Bytes lost on the wire because of this fault.
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
    /// Whose retransmission timing these numbers show: the fluid profile (`linux`, `windows`,
    /// `macos`, `rfc6298`, `smoltcp`), and `rfc6298` for packet groups, since smoltcp keeps a
    /// 1 s minimum RTO and has no tail loss probe (tcp-timing §4).
    pub tcp_host: String,
    /// Connections given up (retransmission limit or TCP_USER_TIMEOUT) and reopened.
    pub connections_aborted: u32,
    /// connect() calls that failed after the last SYN of the host's schedule.
    pub connect_failures: u32,
    /// Demand in bits per second (0 for bulk groups).
    pub offered_bps: u64,
    pub delivered_bytes: u64,
    pub lost_bytes: u64,
    /// The part of `lost_bytes` no fault caused (the links' background loss, congestion).
    /// The faults' `lost_bytes` for this group plus this equal `lost_bytes`.
    pub background_lost_bytes: u64,
    /// Lowest delivered throughput inside any fault window; `None` without faults. A
    /// packet-fidelity group's windows open no earlier than the end of its start-up ramp.
    pub min_throughput_bps: Option<u64>,
    pub mean_throughput_bps: u64,
    pub stalls: StallStats,
    /// The longest disruption episode: from falling below 95 % of its reference (its demand,
    /// or its rate before) to back at 95 % for 1 s. `None` if an episode never ended.
    pub rto_s: Option<f64>,
    /// The fault that started that episode (`None`: no fault, e.g. a runbook shift).
    pub rto_fault: Option<String>,
    /// Disruption episodes in the run.
    pub rto_episodes: u32,
    /// Replication groups: seconds of writes not yet delivered when the source was lost.
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
    /// When it acted, its work was already done (by routing, or by an earlier step).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<StepFinding>,
}

/// What a runbook step found when it acted, if its action was not needed: the runbook was
/// slower than the network (BGP failed over first) or repeated another step.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum StepFinding {
    /// The shift changed no flow's path: its traffic already used those links.
    AlreadyThere,
    /// The shift moved traffic that was already flowing both ways, unharmed by any
    /// degradation (routing had failed it over, or it never broke): the step was not
    /// needed to restore it.
    AlreadyFlowing,
    /// The shift names a connection none of whose links could carry traffic when it acted
    /// (their sessions down): the group stays on the hop's usual routes until one can.
    Unavailable,
    /// The link it drains was already drained.
    AlreadyOut,
    /// The route attributes it sets were already in force on every link it names.
    AlreadySet,
}

impl StepFinding {
    /// The finding in words, for reports.
    pub fn sentence(self) -> &'static str {
        match self {
            StepFinding::AlreadyThere => "found the work already done: the traffic already used that path",
            StepFinding::AlreadyFlowing => {
                "found the traffic already flowing unharmed (routing had failed it over, or it never broke); moved it anyway"
            }
            StepFinding::Unavailable => {
                "could not move the traffic: none of the connection's links can carry it now; it stays on the hop's usual routes until one can"
            }
            StepFinding::AlreadyOut => "found the link already drained",
            StepFinding::AlreadySet => "found those route attributes already in force",
        }
    }
}

/// One period during which an interconnect could carry no traffic: none of its channels
/// delivered in both directions with its BGP session established (see `availability`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DownPeriod {
    pub from_s: f64,
    pub to_s: f64,
    /// Exact start and length, nanoseconds (the seconds above are rounded for long runs).
    pub from_ns: u64,
    pub duration_ns: u64,
    /// Still down when the run ended (the period is cut at the end).
    pub open: bool,
}

/// An interconnect's availability over the run.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct InterconnectReport {
    pub id: String,
    pub down: Vec<DownPeriod>,
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
    /// Per interconnect, in model order: when it was down.
    pub interconnects: Vec<InterconnectReport>,
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

/// Points in [from, to), starting with the value in force at `from`.
fn window(tl: Timeline<'_>, from: SimTime, to: SimTime) -> impl Iterator<Item = (SimTime, u64, u64)> + '_ {
    let (r, i) = at(tl, from);
    let start = tl.partition_point(|p| p.0 <= from);
    std::iter::once((from, r, i)).chain(tl[start..].iter().copied().take_while(move |p| p.0 < to))
}

/// When a packet-fidelity group's start-up is over. It opens its connections at its start
/// (handshake, then slow start), so its first 10 ms bins read a fraction of its rate whatever
/// the faults: the ramp is over at the first bin boundary, once the group has delivered
/// something, at which its goodput is not above the bin before (it reached its rate, or a
/// fault holds it where it is), and at the latest `STALL_GAP` after its start, when a flow
/// that has delivered nothing counts as stalled (`packet.rs`), so a fault that stops it from
/// the start still reads as zero. A fluid group starts in steady state and has no ramp.
fn ramp_end(tl: Timeline<'_>, start: SimTime, end: SimTime) -> SimTime {
    let bin = crate::packet::BIN.as_nanos();
    let last = end.min(start + crate::packet::STALL_GAP);
    let mut b = (start.as_nanos() / bin + 1) * bin;
    let mut prev = at(tl, start).0;
    // At most `STALL_GAP / BIN` (10) steps.
    while b < last.as_nanos() {
        let rate = at(tl, SimTime(b)).0;
        if prev > 0 && rate <= prev {
            return SimTime(b);
        }
        prev = rate;
        b += bin;
    }
    last
}

fn secs(d: SimDuration) -> f64 {
    d.as_secs_f64()
}

impl Simulation {
    /// The report of the run so far.
    pub fn report(&self) -> Report {
        let end = self.now();
        let mut starts: Vec<(SimTime, usize)> = self.faults.all().iter().enumerate().filter_map(|(i, f)| f.start.map(|s| (s, i))).collect();
        starts.sort();
        let recoveries = self.attribution.recoveries(end);
        let faults =
            starts.iter().map(|&(t0, i)| self.fault_report(FaultId(i as u32), t0, end, recoveries.get(i).copied().flatten())).collect();
        let traffic = (0..self.traffic.groups.len()).map(|g| self.group_report(g, &starts, end)).collect();
        Report {
            seed: self.seed,
            fingerprint: format!("{:016x}", self.fingerprint()),
            duration_s: end.as_secs_f64(),
            events: self.events(),
            trace_records: self.trace.len(),
            packet_hops: self.packets.hops,
            faults,
            traffic,
            alarms: (0..self.model.alarms.len())
                .map(|a| AlarmReport {
                    id: self.model.alarms[a].id.clone(),
                    fired_s: self.operator.alarm_fired(a).iter().map(|t| t.as_secs_f64()).collect(),
                })
                .collect(),
            runbook: (0..self.model.steps.len())
                .map(|s| {
                    let (triggered, acted) = self.operator.step_times(s);
                    StepReport {
                        id: self.model.steps[s].id.clone(),
                        triggered_s: triggered.map(SimTime::as_secs_f64),
                        acted_s: acted.map(SimTime::as_secs_f64),
                        found: self.operator.step_finding(s),
                    }
                })
                .collect(),
            interconnects: (0..self.model.interconnects.len())
                .map(|i| InterconnectReport {
                    id: self.model.interconnects[i].id.clone(),
                    down: self
                        .availability
                        .periods(i, end)
                        .into_iter()
                        .map(|(a, b, open)| DownPeriod {
                            from_s: a.as_secs_f64(),
                            to_s: b.as_secs_f64(),
                            from_ns: a.as_nanos(),
                            duration_ns: b.saturating_since(a).as_nanos(),
                            open,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn fault_report(&self, f: FaultId, t0: SimTime, end: SimTime, recover: Option<SimTime>) -> FaultReport {
        let rt = self.faults.get(f);
        let ev = self.attribution.evidence(f);
        // Nothing to say of a fault that disrupted no flow.
        let recovered_by = recover.filter(|_| ev.disrupted > 0).map(|r| match rt.end {
            Some(e) if r >= e && !rt.is_instant() => RecoveredBy::Repair,
            _ if ev.last_fib.is_some() || ev.flows_moved > 0 => RecoveredBy::Failover,
            _ if (0..self.model.steps.len()).any(|s| self.operator.step_times(s).1.is_some_and(|a| a >= t0 && a <= r)) => {
                RecoveredBy::Runbook
            }
            _ => RecoveredBy::Adapted,
        });
        let lost_bytes = (self.attribution.lost(f, end) / LEDGER_PER_BYTE) as u64;
        FaultReport {
            id: rt.def.id.clone(),
            kind: rt.def.kind(),
            target: rt.def.target_name.clone(),
            at_s: t0.as_secs_f64(),
            end_s: rt.end.map(SimTime::as_secs_f64),
            detect_s: ev.detect.map(|d| secs(d - t0)),
            converge_s: ev.last_fib.map(|c| secs(c - t0)),
            recover_s: recover.map(|r| secs(r - t0)),
            recovered_by,
            blackhole_s: self.attribution.blackhole(f, end).as_secs_f64(),
            lost_bytes,
            effect: Evidence {
                links_changed: ev.links_changed,
                workloads_down: ev.workloads_down,
                sessions_down: ev.sessions_down,
                flows_moved: ev.flows_moved,
                flows_disrupted: ev.disrupted,
                lost_bytes,
                forwarding_changed: ev.last_fib.is_some(),
            },
        }
    }

    fn group_report(&self, g: usize, starts: &[(SimTime, usize)], end: SimTime) -> GroupReport {
        let gr = &self.traffic.groups[g];
        let spec = &self.model.groups[g].spec;
        let tl = &gr.timeline;
        // The ledger is settled up to the group's last change; add the tail at current rates.
        let tail = if gr.packet { 0 } else { u128::from(end.saturating_since(gr.last).as_nanos()) };
        let delivered = gr.delivered + u128::from(gr.rate) * tail;
        let lost = gr.lost + u128::from(gr.loss_rate) * tail;
        let attributed = self.attribution.group_attributed_loss(g, end);
        // Fault windows, from when the group exists: before its start it had nothing to send;
        // a packet group's, from the end of its start-up ramp.
        let settled = if gr.packet { ramp_end(tl, spec.start, end) } else { spec.start };
        let min_tp = starts.iter().enumerate().flat_map(|(k, &(t0, _))| {
            let to = starts[k + 1..].iter().find(|s| s.0 > t0).map_or(end, |s| s.0);
            let from = t0.max(settled);
            (from < to).then(|| window(tl, from, to).map(|p| p.1)).into_iter().flatten()
        });
        let min_throughput_bps = min_tp.min();
        // Stalls still open at the end count too, at their length so far.
        let mut stall_max = gr.stall_max;
        let open: Vec<u64> = self
            .traffic
            .open_stalls(g, end)
            .map(|d| {
                stall_max = stall_max.max(d);
                crate::traffic::stall_micros(d)
            })
            .collect();
        let h = gr.stalls.histogram(open).filter(|h| !h.is_empty());
        let h = h.as_ref();
        // A quantile never above the exact maximum (the histogram rounds up within 0.1 %).
        let q = |x: f64| h.map(|h| (h.value_at_quantile(x) as f64 / 1e6).min(stall_max.as_secs_f64()));
        let (worst, causes, open, episodes) = self.attribution.episodes(g, end);
        let rto_s = match (open, worst) {
            (true, _) => None,
            (false, Some(w)) => Some(secs(w)),
            (false, None) => (!starts.is_empty()).then_some(0.0),
        };
        // Of the faults that started the worst episode, the one that started first (by id
        // among equals, so the order of the file does not matter).
        let rto_fault = causes
            .iter()
            .map(|&f| self.faults.get(f))
            .min_by(|a, b| (a.start, &a.def.id).cmp(&(b.start, &b.def.id)))
            .map(|f| f.def.id.clone());
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
            None => (format!("fluid/{}", spec.tcp.profile.name()), None),
        };
        let lost_bytes = (lost / LEDGER_PER_BYTE) as u64;
        let tcp_host = if packet.is_some() { "rfc6298" } else { spec.tcp.profile.name() }.to_string();
        GroupReport {
            id: spec.id.clone(),
            tcp_model,
            tcp_host,
            connections_aborted: gr.connections_aborted,
            connect_failures: gr.connect_failures,
            offered_bps: spec.demand_bps.unwrap_or(0),
            delivered_bytes: (delivered / LEDGER_PER_BYTE) as u64,
            lost_bytes,
            background_lost_bytes: (lost.saturating_sub(attributed) / LEDGER_PER_BYTE) as u64,
            min_throughput_bps,
            mean_throughput_bps: (delivered / u128::from(span)) as u64,
            stalls: StallStats {
                count: h.map_or(0, |h| h.len()),
                p50_s: q(0.5),
                p99_s: q(0.99),
                // Exact: the histogram's top bucket can overstate it by 0.1 %.
                max_s: h.map(|_| stall_max.as_secs_f64()),
            },
            rto_s,
            rto_fault,
            rto_episodes: episodes,
            rpo_s,
            rpo_bytes,
            packet,
        }
    }
}
