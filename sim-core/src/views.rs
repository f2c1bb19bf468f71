//! Read-only views of the running simulation, for reports and the TUI.
//!
//! Views copy small values out; they never hand out mutable state, so rendering cannot
//! change what the simulation does.

use crate::model::{GroupId, LinkId};
use crate::sim::Simulation;
use crate::time::SimTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionView {
    pub up: [bool; 2],
    pub bfd: bool,
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

impl Simulation {
    pub fn link(&self, l: LinkId) -> LinkView {
        let li = l.index();
        let st = &self.links[li];
        let load = |d: usize| self.flows.res_flows[li * 2 + d].iter().map(|&f| self.flows.flows[f as usize].rate).sum();
        LinkView {
            id: self.model.links[li].spec.id.clone(),
            state: st.label(),
            session: self.sessions[li]
                .as_ref()
                .map(|s| SessionView { up: [s.sides[0].up, s.sides[1].up], bfd: s.sides[0].bfd_up || s.sides[1].bfd_up }),
            capacity_bps: (u128::from(self.model.links[li].goodput_bps) * u128::from(st.capacity_ppm()) / 1_000_000) as u64,
            load_bps: [load(0), load(1)],
        }
    }

    /// A group's delivered throughput now, bits per second.
    pub fn group_rate(&self, g: GroupId) -> u64 {
        self.flows.groups[g.index()].rate
    }

    /// A group's throughput timeline: (time, delivered bps, bps the surviving capacity allows).
    pub fn group_timeline(&self, g: GroupId) -> &[(SimTime, u64, u64)] {
        &self.flows.groups[g.index()].timeline
    }

    /// The group's exact ledger in bytes: (sent, delivered, lost, in flight), settled to now.
    /// Conservation: sent = delivered + lost + in flight.
    pub fn group_ledger(&mut self, g: GroupId) -> (u128, u128, u128, u128) {
        let now = self.now();
        self.settle_group(g.index(), now);
        let gr = &self.flows.groups[g.index()];
        let b = 8 * 1_000_000_000u128;
        (gr.sent / b, gr.delivered / b, gr.lost / b, gr.window / b)
    }

    /// The raw ledger in bit-nanoseconds (exact, for conservation checks).
    pub fn group_ledger_exact(&mut self, g: GroupId) -> (u128, u128, u128, u128) {
        let now = self.now();
        self.settle_group(g.index(), now);
        let gr = &self.flows.groups[g.index()];
        (gr.sent, gr.delivered, gr.lost, gr.window)
    }

    /// Sum of the in-flight windows of the group's flows, computed flow by flow.
    pub fn group_in_flight_exact(&self, g: GroupId) -> u128 {
        let gr = &self.flows.groups[g.index()];
        (gr.first_flow..gr.first_flow + gr.n_flows).map(|f| self.flows.flows[f as usize].window).sum()
    }

    /// Faults started so far, with their ids and start times.
    pub fn started_faults(&self) -> Vec<(String, SimTime)> {
        self.faults.iter().filter_map(|f| f.start.map(|s| (f.def.id.clone(), s))).collect()
    }
}
