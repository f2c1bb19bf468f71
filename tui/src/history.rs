//! Throughput history for the chart: the aggregate delivered rate of all traffic groups and
//! each link's load, sampled at fixed simulated-time boundaries.
//!
//! Rates in the simulation are piecewise constant between events, so a sample taken at a
//! boundary before the events at that instant run is exact. The advance loop
//! ([`crate::advance`]) stops at every boundary to take one; nothing here steps the
//! simulation. The chart adds the current value itself, so a frame between two boundaries
//! still shows the present.

use sim_core::model::{GroupId, LinkId};
use sim_core::{SimDuration, SimTime, Simulation};

/// Samples across a whole run.
const SAMPLES_PER_RUN: u64 = 240;

#[derive(Clone, Debug)]
pub struct History {
    /// Time between samples.
    pub step: SimDuration,
    pub times: Vec<SimTime>,
    /// Delivered bits per second, all traffic groups together.
    pub aggregate: Vec<u64>,
    /// Per link in display order: load in both directions together, bits per second.
    pub links: Vec<Vec<u64>>,
    /// The highest aggregate seen, for the chart's scale.
    pub peak: u64,
}

impl History {
    pub fn new(sim: &Simulation, links: usize) -> History {
        let span = sim.end().saturating_since(SimTime::ZERO).as_nanos();
        let step = SimDuration((span / SAMPLES_PER_RUN).max(1_000_000));
        History { step, times: Vec::new(), aggregate: Vec::new(), links: vec![Vec::new(); links], peak: 0 }
    }

    /// The next boundary at which a sample is due.
    pub fn due(&self) -> SimTime {
        SimTime(self.times.len() as u64 * self.step.as_nanos())
    }

    /// Records the simulation's rates as the sample for the due boundary.
    pub fn record(&mut self, sim: &Simulation, order: &[LinkId]) {
        let t = self.due();
        let agg = aggregate(sim);
        self.peak = self.peak.max(agg);
        self.times.push(t);
        self.aggregate.push(agg);
        for (i, l) in order.iter().enumerate() {
            if let Some(series) = self.links.get_mut(i) {
                series.push(link_load(sim, *l));
            }
        }
    }
}

/// All traffic groups' delivered throughput now, bits per second.
pub fn aggregate(sim: &Simulation) -> u64 {
    (0..sim.model().groups.len()).map(|g| sim.group_rate(GroupId(g as u32))).sum()
}

/// A link's load in both directions now, bits per second.
pub fn link_load(sim: &Simulation, l: LinkId) -> u64 {
    let v = sim.link(l);
    v.load_bps[0].saturating_add(v.load_bps[1])
}
