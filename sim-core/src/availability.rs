//! Per-interconnect availability: the periods during which no channel of an interconnect
//! could carry traffic, for SLA accounting (the `scenarios` crate applies each provider's
//! counting rules to them).
//!
//! A channel **serves** while it delivers in both directions (carrier up, not blackholed or
//! partitioned, loss below 100 %, capacity above 0) and its BGP session is established on
//! both sides (a link without a session: while it delivers). An interconnect is **down**
//! while none of its channels serves: it cannot carry any traffic sent to it, the wording of
//! Google's "Downtime" ("not able to serve any traffic directed to it"). 2 % loss or an
//! added delay leaves a channel serving.
//!
//! It only watches: nothing here feeds back into the run or the trace, so it changes no
//! fingerprint. It is settled at the end of each instant from the links the instant touched,
//! so how a run is sliced (`run`, `sweep`, the TUI) does not change it.

use crate::control::ControlPlane;
use crate::model::{LinkId, Model};
use crate::network::Network;
use crate::time::SimTime;

#[derive(Debug, Default)]
pub(crate) struct Availability {
    /// Per interconnect: since when it has been down (`None`: serving).
    down_since: Vec<Option<SimTime>>,
    /// Per interconnect: its finished down periods, [from, to).
    periods: Vec<Vec<(SimTime, SimTime)>>,
    /// Interconnects touched this instant, and a flag per interconnect so each is listed once.
    dirty: Vec<u32>,
    flagged: Vec<bool>,
}

impl Availability {
    pub fn new(model: &Model) -> Availability {
        let n = model.interconnects.len();
        // Every interconnect is looked at once at the end of the first instant.
        Availability { down_since: vec![None; n], periods: vec![Vec::new(); n], dirty: (0..n as u32).collect(), flagged: vec![true; n] }
    }

    /// A link changed state or a session on it went up or down this instant.
    pub fn touch(&mut self, model: &Model, link: LinkId) {
        if let Some(ic) = model.links[link.index()].interconnect {
            let i = ic.index();
            if !self.flagged[i] {
                self.flagged[i] = true;
                self.dirty.push(i as u32);
            }
        }
    }

    /// At the end of an instant: whether each touched interconnect still serves.
    pub fn settle(&mut self, now: SimTime, model: &Model, net: &Network, control: &ControlPlane) {
        for i in std::mem::take(&mut self.dirty) {
            let i = i as usize;
            self.flagged[i] = false;
            let serves = model.interconnects[i].links.iter().any(|&l| {
                let s = net.link(l);
                s.delivers(0) && s.delivers(1) && control.side_up(net, l, 0) && control.side_up(net, l, 1)
            });
            match (serves, self.down_since[i]) {
                (false, None) => self.down_since[i] = Some(now),
                (true, Some(from)) => {
                    self.down_since[i] = None;
                    if now > from {
                        self.periods[i].push((from, now));
                    }
                }
                _ => {}
            }
        }
    }

    /// Interconnect `i`'s down periods up to `end`, the last one open (`true`) if it still is.
    pub fn periods(&self, i: usize, end: SimTime) -> Vec<(SimTime, SimTime, bool)> {
        let mut v: Vec<(SimTime, SimTime, bool)> = self.periods[i].iter().map(|&(a, b)| (a, b, false)).collect();
        if let Some(from) = self.down_since[i]
            && end > from
        {
            v.push((from, end, true));
        }
        v
    }
}
