//! Read-only views of the running simulation, for reports and the TUI.
//!
//! Views copy small values out; they never hand out mutable state, so rendering cannot
//! change what the simulation does.

use crate::model::{GroupId, LinkId};
use crate::sim::Simulation;
use crate::time::SimTime;

pub use crate::control::SessionView;

#[derive(Clone, Debug, PartialEq)]
pub struct FaultView {
    pub id: String,
    pub kind: &'static str,
    pub target: String,
    pub start: Option<SimTime>,
    pub end: Option<SimTime>,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LinkView {
    pub id: String,
    /// `up`, `down`, `blackhole`, `partition`, `degraded` or `drained`.
    pub state: &'static str,
    pub session: Option<SessionView>,
    /// Goodput capacity per direction, bits per second, after degradation.
    pub capacity_bps: u64,
    /// Delivered load per direction (A to B, B to A), bits per second.
    pub load_bps: [u64; 2],
}

/// The names a trace record's numeric fields stand for ([`Simulation::trace_names`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceNames {
    /// `fault`, `link`, `session`, `adjacency`, `flow`, `group`, `alarm` or `step`.
    pub target_kind: &'static str,
    /// The target's id (a flow's index; an adjacency as `site ~ site`); `None` if unknown.
    pub target: Option<String>,
    /// The traffic group of a flow or group record.
    pub group: Option<String>,
    /// The side a session or forwarding record is about.
    pub site: Option<String>,
    /// What happened to the target, in words (`down`, `BFD detection timeout`, `3 paths`).
    pub detail: String,
    /// A `shift` record's routes, in words (`aws:us-east-1 → gcp:us-east4 over vpn`): the
    /// one the group left and the one the step moved it onto.
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Simulation {
    pub fn link(&self, l: LinkId) -> LinkView {
        let li = l.index();
        let st = self.net.link(l);
        let load = |d: usize| self.traffic.flows_on(li * 2 + d).iter().map(|&f| self.traffic.flow(f as usize).rate_bps).sum();
        LinkView {
            id: self.model.links[li].spec.id.clone(),
            state: st.label(),
            session: self.control.view(l),
            capacity_bps: (u128::from(self.model.links[li].goodput_bps) * u128::from(st.capacity_ppm()) / 1_000_000) as u64,
            load_bps: [load(0), load(1)],
        }
    }

    /// A group's delivered throughput now, bits per second.
    pub fn group_rate(&self, g: GroupId) -> u64 {
        self.traffic.groups[g.index()].rate
    }

    /// A group's throughput timeline: (time, delivered bps, bps the surviving capacity allows).
    pub fn group_timeline(&self, g: GroupId) -> &[(SimTime, u64, u64)] {
        &self.traffic.groups[g.index()].timeline
    }

    /// The group's exact ledger in bytes: (sent, delivered, lost, in flight), settled to now.
    /// Conservation: sent = delivered + lost + in flight.
    pub fn group_ledger(&mut self, g: GroupId) -> (u128, u128, u128, u128) {
        let now = self.now();
        self.traffic.groups[g.index()].settle(now);
        let gr = &self.traffic.groups[g.index()];
        let b = 8 * 1_000_000_000u128;
        (gr.sent / b, gr.delivered / b, gr.lost / b, gr.window / b)
    }

    /// The raw ledger in bit-nanoseconds (exact, for conservation checks).
    pub fn group_ledger_exact(&mut self, g: GroupId) -> (u128, u128, u128, u128) {
        let now = self.now();
        self.traffic.groups[g.index()].settle(now);
        let gr = &self.traffic.groups[g.index()];
        // Packet groups: what is neither delivered nor lost is in flight (a duplicate delivery
        // of a spuriously retransmitted segment is not delivered twice).
        let window = if gr.packet { gr.sent.saturating_sub(gr.delivered + gr.lost) } else { gr.window };
        (gr.sent, gr.delivered, gr.lost, window)
    }

    /// Sum of the in-flight windows of the group's flows, computed flow by flow.
    pub fn group_in_flight_exact(&self, g: GroupId) -> u128 {
        self.traffic.groups[g.index()].flows().map(|f| self.traffic.flows[f as usize].window).sum()
    }

    /// Faults started so far, with their ids and start times.
    pub fn started_faults(&self) -> Vec<(String, SimTime)> {
        self.faults.all().iter().filter_map(|f| f.start.map(|s| (f.def.id.clone(), s))).collect()
    }
}

impl Simulation {
    /// Faults so far, scripted, random and injected, in the order they were created.
    pub fn fault_list(&self) -> Vec<FaultView> {
        self.faults
            .all()
            .iter()
            .map(|f| FaultView {
                id: f.def.id.clone(),
                kind: f.def.kind(),
                target: f.def.target_name.clone(),
                start: f.start,
                end: f.end,
                active: f.active,
            })
            .collect()
    }

    /// What a trace record is about, by name: the `--trace` file's `target_kind`, `target`,
    /// `group`, `site` and `detail` fields. Rendering only: nothing here is hashed, so the
    /// fingerprint does not depend on it.
    pub fn trace_names(&self, r: &crate::trace::TraceRecord) -> TraceNames {
        use crate::trace::{DownReason, TraceKind};
        let m = &self.model;
        let link = |i: u32| m.links.get(i as usize).map(|l| l.spec.id.clone());
        let link_site = |l: u32, side: u32| m.links.get(l as usize).map(|l| m.sites[l.sites[side.min(1) as usize].index()].id.clone());
        let adj = |a: u32| {
            m.adjacencies.get(a as usize).map(|a| {
                let over = a.pin.as_ref().map_or(String::new(), |p| format!(" over {}", p.name));
                format!("{} ~ {}{over}", m.sites[a.sites[0].index()].id, m.sites[a.sites[1].index()].id)
            })
        };
        let adj_site = |a: u32, side: u32| m.adjacencies.get(a as usize).map(|a| m.sites[a.sites[side.min(1) as usize].index()].id.clone());
        let flow_group =
            |f: u32| self.traffic.flows.get(f as usize).and_then(|fl| m.groups.get(fl.group as usize)).map(|g| g.spec.id.clone());
        let named = |target_kind: &'static str, target: Option<String>| TraceNames {
            target_kind,
            target,
            group: None,
            site: None,
            detail: String::new(),
            from: None,
            to: None,
        };
        match r.kind {
            TraceKind::Fault => TraceNames {
                detail: if r.b == 1 { "starts" } else { "repaired" }.into(),
                ..named("fault", self.faults.all().get(r.a as usize).map(|f| f.def.id.clone()))
            },
            TraceKind::LinkState => TraceNames {
                detail: ["up", "down", "blackhole", "partition", "degraded", "drained"].get(r.b as usize).unwrap_or(&"?").to_string(),
                ..named("link", link(r.a))
            },
            TraceKind::SessionDown => TraceNames {
                site: link_site(r.a, r.b),
                detail: DownReason::from_code(r.v).map_or("?", DownReason::label).into(),
                ..named("session", link(r.a))
            },
            TraceKind::SessionUp => TraceNames { detail: "established".into(), ..named("session", link(r.a)) },
            TraceKind::Fib => TraceNames { site: adj_site(r.a, r.b), detail: plural(r.v, "path", "paths"), ..named("adjacency", adj(r.a)) },
            TraceKind::FlowsMoved => TraceNames {
                site: adj_site(r.a, r.b),
                detail: format!("{} moved", plural(r.v, "flow", "flows")),
                ..named("adjacency", adj(r.a))
            },
            TraceKind::Stall => TraceNames { group: flow_group(r.a), detail: "stalled".into(), ..named("flow", Some(r.a.to_string())) },
            TraceKind::Resume => TraceNames {
                group: flow_group(r.a),
                detail: format!("resumed after {}", crate::time::SimDuration(r.v)),
                ..named("flow", Some(r.a.to_string()))
            },
            TraceKind::GroupRate => {
                let g = m.groups.get(r.a as usize).map(|g| g.spec.id.clone());
                TraceNames { group: g.clone(), detail: format!("{} bps", r.v), ..named("group", g) }
            }
            TraceKind::Alarm => TraceNames { detail: "fired".into(), ..named("alarm", m.alarms.get(r.a as usize).map(|a| a.id.clone())) },
            TraceKind::Step => TraceNames { detail: "acted".into(), ..named("step", m.steps.get(r.a as usize).map(|s| s.id.clone())) },
            TraceKind::ConnectionAborted => TraceNames {
                group: flow_group(r.a),
                detail: if r.v == 2 { "user timeout" } else { "retransmission limit" }.into(),
                ..named("flow", Some(r.a.to_string()))
            },
            TraceKind::ConnectFailed => TraceNames {
                group: flow_group(r.a),
                detail: format!("connect() failed after {}", plural(r.v, "SYN", "SYNs")),
                ..named("flow", Some(r.a.to_string()))
            },
            TraceKind::Shift => {
                let g = m.groups.get(r.a as usize).map(|g| g.spec.id.clone());
                let (from, to) = (self.shift_from(r), self.shift_to(r));
                let step = m.steps.get(r.b as usize).map_or("?", |s| s.id.as_str());
                TraceNames {
                    group: g.clone(),
                    detail: format!(
                        "shifted by runbook step {step} from {} to {}",
                        from.as_deref().unwrap_or("?"),
                        to.as_deref().unwrap_or("?")
                    ),
                    from,
                    to,
                    ..named("group", g)
                }
            }
        }
    }

    /// The route a `shift` record's group left: the one an earlier step's shift gave it, or
    /// its own.
    fn shift_from(&self, r: &crate::trace::TraceRecord) -> Option<String> {
        let m = &self.model;
        match r.v.checked_sub(1) {
            None => m.groups.get(r.a as usize).map(|g| self.route_words(&g.route)),
            Some(prev) => self.shifted_route(prev as usize, r.a).map(|route| self.route_words(route)),
        }
    }

    /// The route a `shift` record's step moved its group onto.
    fn shift_to(&self, r: &crate::trace::TraceRecord) -> Option<String> {
        self.shifted_route(r.b as usize, r.a).map(|route| self.route_words(route))
    }

    /// The route step `step`'s shift gives group `g`.
    fn shifted_route(&self, step: usize, g: u32) -> Option<&crate::model::Route> {
        match &self.model.steps.get(step)?.action {
            crate::model::Action::Shift(shifts) => shifts.iter().find(|(id, _)| id.0 == g).map(|(_, route)| route),
            _ => None,
        }
    }

    /// A route in words: its sites in order, each hop over a named connection saying so
    /// (`aws:us-east-1 → gcp:us-east4 over vpn`).
    fn route_words(&self, route: &crate::model::Route) -> String {
        let m = &self.model;
        let site = |s: &crate::model::SiteId| m.sites.get(s.index()).map_or("?", |s| s.id.as_str());
        let mut out = route.sites.first().map_or_else(String::new, |s| site(s).to_string());
        for (i, hop) in route.hops.iter().enumerate() {
            out.push_str(" → ");
            out.push_str(route.sites.get(i + 1).map_or("?", site));
            if let Some(pin) = m.adjacencies.get(hop.adj.index()).and_then(|a| a.pin.as_ref()) {
                out.push_str(" over ");
                out.push_str(&pin.name);
            }
        }
        out
    }

    /// A trace record in words, naming elements by their ids.
    pub fn describe(&self, r: &crate::trace::TraceRecord) -> String {
        use crate::trace::{DownReason, TraceKind};
        let m = &self.model;
        let link = |i: u32| m.links.get(i as usize).map_or("?", |l| l.spec.id.as_str()).to_string();
        let site = |l: u32, side: u32| {
            m.links.get(l as usize).map_or("?".to_string(), |l| m.sites[l.sites[side.min(1) as usize].index()].id.clone())
        };
        let adj = |a: u32, side: u32| {
            m.adjacencies.get(a as usize).map_or("?".to_string(), |a| m.sites[a.sites[side.min(1) as usize].index()].id.clone())
        };
        let fault = |i: u32| {
            self.faults.all().get(i as usize).map_or("?".to_string(), |f| format!("{} ({} {})", f.def.id, f.def.kind(), f.def.target_name))
        };
        let flow_group =
            |f: u32| self.traffic.flows.get(f as usize).and_then(|fl| m.groups.get(fl.group as usize)).map_or("?", |g| g.spec.id.as_str());
        match r.kind {
            TraceKind::Fault if r.b == 1 => format!("fault {} starts", fault(r.a)),
            TraceKind::Fault => format!("fault {} repaired", fault(r.a)),
            TraceKind::LinkState => format!(
                "link {} is {}",
                link(r.a),
                ["up", "down", "blackhole", "partition", "degraded", "drained"].get(r.b as usize).unwrap_or(&"?")
            ),
            TraceKind::SessionDown => {
                format!("session {} down at {}: {}", link(r.a), site(r.a, r.b), DownReason::from_code(r.v).map_or("?", DownReason::label))
            }
            TraceKind::SessionUp => format!("session {} established", link(r.a)),
            TraceKind::Fib => format!("forwarding at {} towards the peer now uses {}", adj(r.a, r.b), plural(r.v, "path", "paths")),
            TraceKind::FlowsMoved => format!("{} rehashed at {}", plural(r.v, "flow", "flows"), adj(r.a, r.b)),
            TraceKind::Stall => format!("flow {} of {} stalled", r.a, flow_group(r.a)),
            TraceKind::Resume => format!("flow {} of {} resumed after {}", r.a, flow_group(r.a), crate::time::SimDuration(r.v)),
            TraceKind::GroupRate => {
                format!("traffic {} at {:.3} Gbps", m.groups.get(r.a as usize).map_or("?", |g| g.spec.id.as_str()), r.v as f64 / 1e9)
            }
            TraceKind::Alarm => format!("alarm {} fired", m.alarms.get(r.a as usize).map_or("?", |a| a.id.as_str())),
            TraceKind::Step => format!("runbook step {} acted", m.steps.get(r.a as usize).map_or("?", |s| s.id.as_str())),
            TraceKind::ConnectionAborted => format!(
                "flow {} of {} gave its connection up ({}) and reconnects",
                r.a,
                flow_group(r.a),
                if r.v == 2 { "user timeout" } else { "retransmission limit" }
            ),
            TraceKind::ConnectFailed => {
                format!("flow {} of {}: connect() failed after {}; retrying", r.a, flow_group(r.a), plural(r.v, "SYN", "SYNs"))
            }
            TraceKind::Shift => format!(
                "runbook step {} shifts traffic {} from {} to {}",
                m.steps.get(r.b as usize).map_or("?", |s| s.id.as_str()),
                m.groups.get(r.a as usize).map_or("?", |g| g.spec.id.as_str()),
                self.shift_from(r).as_deref().unwrap_or("?"),
                self.shift_to(r).as_deref().unwrap_or("?")
            ),
        }
    }
}

impl Simulation {
    /// Read-only view of a flow.
    pub fn flow(&self, f: usize) -> crate::traffic::FlowView {
        self.traffic.flow(f)
    }

    pub fn flow_count(&self) -> usize {
        self.traffic.flows.len()
    }

    /// Total packet hops so far.
    pub fn packet_hops(&self) -> u64 {
        self.packets.hops
    }
}

/// What the simulation says of one flow's path at this instant: what a live proxy applies
/// to the real bytes bound to it (`faultline live`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlowPathView {
    pub group: GroupId,
    pub state: crate::traffic::TcpState,
    /// The flow's rate, bits per second (zero while stalled).
    pub rate_bps: u64,
    /// Both directions deliver and both ends are alive: a SYN sent now would be answered.
    pub path_ok: bool,
    /// An end site or endpoint of the flow is down (a connection to it is reset).
    pub end_down: bool,
    /// One-way delay of the data direction (source to destination, the sites' internal
    /// halves and the standing queue included) and of the ACK direction.
    pub one_way: [crate::time::SimDuration; 2],
    /// The part of `one_way[0]` that is the standing queue loss-based senders keep at a
    /// saturated bottleneck (a real TCP on an emulated link builds its own).
    pub standing: crate::time::SimDuration,
    /// Whether the data direction and the ACK direction deliver (ends alive included).
    pub delivers: [bool; 2],
    /// What the network allows the flow without TCP's caps (its max-min share of the
    /// bottleneck), bits per second: the rate a real TCP on this path could reach.
    pub ideal_bps: u64,
    /// Packet loss along the data direction, parts per million.
    pub loss_ppm: u32,
    /// The flow's ECMP hash.
    pub hash: u64,
}

impl Simulation {
    /// The flows of a traffic group, by index (they are numbered contiguously).
    pub fn group_flows(&self, g: GroupId) -> std::ops::Range<usize> {
        let r = self.traffic.groups[g.index()].flows();
        r.start as usize..r.end as usize
    }

    /// The path view of flow `f`.
    pub fn flow_path(&self, f: usize) -> FlowPathView {
        let fl = &self.traffic.flows[f];
        let g = fl.group as usize;
        let route = self.traffic.route(g);
        let sites = (route.sites[0], route.sites[route.sites.len() - 1]);
        let halves =
            self.model.sites[sites.0.index()].internal_rtt.as_nanos() / 2 + self.model.sites[sites.1.index()].internal_rtt.as_nanos() / 2;
        let one_way = |hops: &[(u32, u8)]| {
            hops.iter().fold(halves, |acc, &(l, _)| {
                acc + (self.model.links[l as usize].spec.one_way_delay + self.net.link(LinkId(l)).extra_delay()).as_nanos()
            })
        };
        FlowPathView {
            group: GroupId(fl.group),
            state: fl.state,
            rate_bps: fl.rate,
            path_ok: fl.ok,
            end_down: matches!(fl.broken, Some(crate::events::Broken::End { .. })),
            one_way: [crate::time::SimDuration(one_way(&fl.fwd) + fl.standing.as_nanos()), crate::time::SimDuration(one_way(&fl.rev))],
            delivers: [fl.data_delivers, fl.acks_deliver],
            ideal_bps: fl.ideal,
            standing: fl.standing,
            loss_ppm: fl.loss_ppm,
            hash: fl.hash,
        }
    }
}

/// `1 path`, `3 paths`: a count and its noun in the number it takes.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
