//! What a run will cost, estimated from its spec before anything large is allocated, and
//! the budgets a run is held to.
//!
//! [`Estimate::of`] reads a [`ModelSpec`] only (no model is built, nothing is allocated
//! per element), so a caller can refuse a file that would exhaust memory with an error that
//! names the element and the product, instead of aborting half-way through `Model::build`.
//! The byte figures are per-element costs measured on this code (peak RSS of runs that vary
//! one dimension at a time; see the README's "Limits" section), rounded up: an estimate is
//! meant to be an upper bound of the heap a run holds, not an exact account.
//!
//! The event estimate counts what a run schedules that the spec makes predictable: BGP
//! keepalives and BFD packets on every session, the faults scripted and drawn, flows' timers,
//! and packet fidelity's packets. It sets the default event budget (a multiple of it), so a
//! budget that must fit every library scenario and benchmark scales with them, and still
//! stops a run whose event count runs away from what its spec predicts.

use crate::spec::{ElementClass, FaultAction, Fidelity, LinkSpec, ModelSpec, TrafficSpec};
use crate::time::SimDuration;

/// Heap bytes per link beyond its id: link state, the session's timers and streams, the
/// routing entries and attribution's per-link causes (measured: 4 KiB per channel).
pub const LINK_BYTES: u64 = 4 << 10;
/// Heap bytes per byte of an element's id: ids are copied into the name indexes, the
/// routing tables, the attribution maps and the trace's names (measured: about 25 copies for
/// a link's id; 32 keeps the estimate above it).
pub const ID_COPIES: u64 = 32;
/// Heap bytes per fluid flow: TCP state, path, timers and attribution's per-flow record
/// (measured: about 690 B).
pub const FLOW_BYTES: u64 = 768;
/// Heap bytes per traffic group besides its histograms: ledger, timeline start, episodes.
pub const GROUP_BYTES: u64 = 8 << 10;
/// Heap bytes per fault, alarm or runbook step: its lifecycle state and attribution record.
pub const FAULT_BYTES: u64 = 2 << 10;
/// Per packet-fidelity flow, how many buffers of the group's `buffer` size are live at the
/// peak: smoltcp's send and receive buffers at each of the two endpoints.
pub const PACKET_BUFFERS_PER_FLOW: u64 = 4;
/// Memory every run holds whatever its size: the scheduler's initial heap, the trace's
/// name tables, the report.
pub const BASE_BYTES: u64 = 8 << 20;
/// Bytes one kept trace record costs until it is written: the record, and the JSON line the
/// CLI renders from it.
pub const TRACE_RECORD_BYTES: u64 = 320;
/// Bytes a point of a group's throughput timeline costs, with the vector's doubling slack
/// and the series the CLI renders from it.
pub const TIMELINE_POINT_BYTES: u64 = 64;
/// Events a fault costs at most in the estimate: its start and end, the sessions it takes
/// down, the FIB changes and the flows' stalls and resumes it causes.
pub const EVENTS_PER_FAULT: u64 = 64;

/// One line of an estimate: `count` × `each` bytes of one kind, for one element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cost {
    pub kind: CostKind,
    /// The element's id (a link, a traffic group, a fault), or empty for the run's base.
    pub owner: String,
    pub count: u64,
    pub each: u64,
}

impl Cost {
    pub fn bytes(&self) -> u64 {
        self.count.saturating_mul(self.each)
    }
}

/// What a [`Cost`] is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CostKind {
    Base,
    Link,
    Flows,
    StallHistogram,
    PacketBuffers,
    PacketHistogram,
    Fault,
}

impl CostKind {
    /// The product in words, as an error message names it ("flows x 768 B").
    pub fn noun(self) -> &'static str {
        match self {
            CostKind::Base => "the run's fixed state",
            CostKind::Link => "link state (with its id)",
            CostKind::Flows => "flow state",
            CostKind::StallHistogram => "stall histogram",
            CostKind::PacketBuffers => "packet-fidelity TCP buffers (send and receive, both ends)",
            CostKind::PacketHistogram => "packet-fidelity delay histogram",
            CostKind::Fault => "fault, alarm and runbook state",
        }
    }

    /// What one unit of `count` is.
    pub fn unit(self) -> &'static str {
        match self {
            CostKind::Base => "run",
            CostKind::Link => "link",
            CostKind::Flows => "flow",
            CostKind::StallHistogram | CostKind::PacketHistogram => "group",
            CostKind::PacketBuffers => "buffer",
            CostKind::Fault => "element",
        }
    }
}

/// A run's cost, predicted from its spec.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Estimate {
    pub costs: Vec<Cost>,
    /// Events the spec predicts (periodic control packets, faults, flows' timers, packets).
    pub events: u64,
}

impl Estimate {
    /// The estimate of running `spec`; `keep_trace` adds nothing here (the trace grows with
    /// events and is checked as the run goes, see [`Estimate::trace_bytes`]).
    pub fn of(spec: &ModelSpec) -> Estimate {
        let mut costs = vec![Cost { kind: CostKind::Base, owner: String::new(), count: 1, each: BASE_BYTES }];
        let secs = spec.duration.as_secs_f64();
        let mut events = 0f64;
        for l in &spec.links {
            costs.push(Cost { kind: CostKind::Link, owner: l.id.clone(), count: 1, each: link_bytes(l) });
            events += control_events_per_sec(l) * secs;
        }
        let stall_hist = stall_histogram_bytes();
        for t in &spec.traffic {
            let id_bytes = (t.id.len() as u64).saturating_mul(ID_COPIES);
            costs.push(Cost { kind: CostKind::Flows, owner: t.id.clone(), count: u64::from(t.flows), each: FLOW_BYTES });
            costs.push(Cost { kind: CostKind::StallHistogram, owner: t.id.clone(), count: 1, each: stall_hist + GROUP_BYTES + id_bytes });
            if t.fidelity == Fidelity::Packet {
                let buffer = t.packet.buffer_bytes.unwrap_or_else(|| default_buffer_bound(spec, t));
                costs.push(Cost {
                    kind: CostKind::PacketBuffers,
                    owner: t.id.clone(),
                    count: u64::from(t.flows).saturating_mul(PACKET_BUFFERS_PER_FLOW),
                    each: buffer,
                });
                costs.push(Cost { kind: CostKind::PacketHistogram, owner: t.id.clone(), count: 1, each: packet_histogram_bytes() });
                events += packet_events_per_sec(spec, t) * secs;
            }
            // A fluid flow schedules a handful of timers per disruption; count ten per flow.
            events += 10.0 * f64::from(t.flows);
        }
        for f in &spec.faults {
            costs.push(Cost { kind: CostKind::Fault, owner: f.id.clone(), count: 1, each: FAULT_BYTES });
            let repeats = match f.action {
                FaultAction::Flap { count, .. } => u64::from(count),
                _ => 1,
            };
            events += (repeats.saturating_mul(EVENTS_PER_FAULT)) as f64;
        }
        for r in &spec.random_faults {
            costs.push(Cost { kind: CostKind::Fault, owner: r.id.clone(), count: 1, each: FAULT_BYTES });
            let targets = match r.class {
                ElementClass::Channel => spec.links.len(),
                _ => spec.links.len().max(spec.sites.len()),
            } as f64;
            let cycle = (r.mtbf + r.mttr).as_secs_f64().max(1e-9);
            let mut drawn = targets * secs / cycle;
            if r.max_faults > 0 {
                drawn = drawn.min(f64::from(r.max_faults));
            }
            events += drawn * EVENTS_PER_FAULT as f64;
        }
        for id in spec.alarms.iter().map(|a| &a.id).chain(spec.steps.iter().map(|s| &s.id)) {
            costs.push(Cost { kind: CostKind::Fault, owner: id.clone(), count: 1, each: FAULT_BYTES });
            events += EVENTS_PER_FAULT as f64;
        }
        Estimate { costs, events: events.min(u64::MAX as f64 / 2.0) as u64 }
    }

    /// Every cost summed, saturating.
    pub fn bytes(&self) -> u64 {
        self.costs.iter().fold(0u64, |s, c| s.saturating_add(c.bytes()))
    }

    /// Bytes the kept trace holds after `records` records.
    pub fn trace_bytes(records: u64) -> u64 {
        records.saturating_mul(TRACE_RECORD_BYTES)
    }

    /// The default event budget: the larger of 10^9 events and four times what the spec
    /// predicts, so every scenario whose events follow its spec fits, and a run that keeps
    /// scheduling beyond that stops.
    pub fn default_max_events(&self) -> u64 {
        DEFAULT_MIN_EVENTS.max(self.events.saturating_mul(4))
    }
}

/// The floor of the default event budget: 10^9 events, a few minutes of one core.
pub const DEFAULT_MIN_EVENTS: u64 = 1_000_000_000;

fn link_bytes(l: &LinkSpec) -> u64 {
    LINK_BYTES.saturating_add((l.id.len() as u64).saturating_mul(ID_COPIES))
}

/// Control packets per simulated second on a link: each side's BGP keepalives and BFD
/// packets, each sent and received (two events).
fn control_events_per_sec(l: &LinkSpec) -> f64 {
    let Some(s) = &l.session else { return 0.0 };
    let per = |d: SimDuration| if d.as_nanos() == 0 { 0.0 } else { 1.0 / d.as_secs_f64() };
    let mut rate: f64 = s.bgp.iter().map(|t| 2.0 * per(t.keepalive)).sum();
    if let Some(bfd) = &s.bfd {
        // The negotiated interval is the slower of one side's tx and the other's rx; the
        // faster of the two configured values bounds it from above.
        rate += bfd.iter().map(|t| 2.0 * per(t.desired_min_tx.min(t.required_min_rx))).sum::<f64>();
    }
    rate
}

/// Packets per second packet fidelity moves for a group, times the hops each takes: the
/// offered rate over a 1,500-byte segment (or the group's links' capacity), data and ACKs, and
/// four hops (endpoint, two routers, endpoint).
fn packet_events_per_sec(spec: &ModelSpec, t: &TrafficSpec) -> f64 {
    let cap: u64 = spec.links.iter().map(|l| l.member_bps.saturating_mul(u64::from(l.members))).max().unwrap_or(0);
    let bps = t.demand_bps.unwrap_or(cap).min(cap.max(1)) as f64;
    let segs = bps / (1500.0 * 8.0);
    segs * 2.0 * 4.0
}

/// An upper bound of the socket buffer packet fidelity sizes for a group that sets none
/// (`PacketWorld::default_buffer`: the bandwidth-delay product plus a share of the largest
/// queue, 64 KiB .. 64 MiB), from the spec alone: the fastest link, the longest delays and
/// the largest queue anywhere stand in for the group's route.
fn default_buffer_bound(spec: &ModelSpec, t: &TrafficSpec) -> u64 {
    let fastest = spec.links.iter().map(|l| l.member_bps.saturating_mul(u64::from(l.members))).max().unwrap_or(0);
    let rate = t.demand_bps.map_or(fastest, |d| fastest.min(d / u64::from(t.flows.max(1))));
    let owd = spec.links.iter().map(|l| l.one_way_delay.as_nanos()).max().unwrap_or(0);
    let site_rtt = spec.sites.iter().map(|s| s.internal_rtt.as_nanos()).max().unwrap_or(0);
    // A route crosses at most a backbone, an interconnect and a backbone.
    let rtt_ns = u128::from(site_rtt) + 6 * u128::from(owd);
    let bdp = (u128::from(rate) * rtt_ns / 8 / 1_000_000_000).min(u128::from(u64::MAX)) as u64;
    let queue = spec.links.iter().map(|l| l.queue_bytes).max().unwrap_or(0) / u64::from(t.flows.max(1));
    bdp.saturating_add(queue).clamp(64 << 10, crate::packet::MAX_DEFAULT_BUFFER)
}

/// The most heap one group's stall record holds (`traffic/stalls.rs`): nothing until its
/// first stall, then 8 B per stall, and past 16,384 stalls an HdrHistogram (1 us .. 10^10 us,
/// 3 significant digits, a `u64` per bucket of the layout HdrHistogram derives). The
/// estimate, from the spec alone, cannot know which groups stall or how often, so it counts
/// the most; most groups of a large run hold far less (bench-scale: see the README's
/// "Performance" section), and the estimate stays an upper bound.
pub fn stall_histogram_bytes() -> u64 {
    crate::traffic::Stalls::most_heap_bytes()
}

/// The heap of one packet delay histogram (`packet.rs`: 1 .. 10^12 ns, 3 digits).
pub fn packet_histogram_bytes() -> u64 {
    histogram_bytes(1_000_000_000_000)
}

fn histogram_bytes(high: u64) -> u64 {
    hdrhistogram::Histogram::<u64>::new_with_bounds(1, high, 3).map_or(0, |h| h.distinct_values() as u64 * 8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads;

    #[test]
    fn histogram_sizes_are_what_hdrhistogram_allocates() {
        // 1 ns .. 10 s at 3 digits: 2048 sub-buckets over 24 buckets, about 205 KiB.
        assert!((150_000..=260_000).contains(&stall_histogram_bytes()), "{}", stall_histogram_bytes());
        assert!(packet_histogram_bytes() > stall_histogram_bytes());
    }

    #[test]
    fn estimate_grows_with_each_dimension() {
        let small = Estimate::of(&workloads::bench_scale(2, 4, 1, 60));
        let more_links = Estimate::of(&workloads::bench_scale(4, 4, 1, 60));
        let more_flows = Estimate::of(&workloads::bench_scale(2, 8, 1, 60));
        assert!(more_links.bytes() > small.bytes());
        assert!(more_flows.bytes() > small.bytes());
        assert!(more_links.events > small.events, "control packets scale with links");
    }
}
