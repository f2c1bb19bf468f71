//! Link physics: capacity after framing overheads, and a link's fault state.
//!
//! A link is two directions sharing one carrier. Faults stack: each cause is kept with the
//! fault behind it, so a facility outage and a channel cut on the same link both have to end
//! before it comes back, and every effect on the link can name its causes.

use crate::spec::{Degradation, Framing};
use crate::time::SimDuration;

/// IPv4 (20 B) + TCP with timestamps (32 B) headers per packet (interconnect-facts §3.4).
pub const TCP_IP_HEADER_BYTES: u32 = 52;

/// The TCP maximum segment size at an IP MTU.
pub fn mss(mtu: u32) -> u32 {
    mtu.saturating_sub(TCP_IP_HEADER_BYTES)
}

/// Capacity left for TCP payload on a line of `line_bps` carrying full-size packets of
/// `mtu` bytes, each with `framing` bytes of per-frame overhead.
///
/// goodput = line * MSS / (MTU + overhead). At 1500 B with Ethernet and MACsec this is
/// 1448 / 1574 = 91.99 % of the line rate (interconnect-facts §3.4 table).
pub fn goodput_bps(line_bps: u64, mtu: u32, framing: Framing) -> u64 {
    let wire = u128::from(mtu) + u128::from(framing.bytes_per_frame());
    let payload = u128::from(mss(mtu));
    (u128::from(line_bps) * payload / wire) as u64
}

/// One direction of a link: 0 is A to B, 1 is B to A.
pub type Dir = usize;

/// What one cause does to a link.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CauseEffect {
    /// Carrier loss (cut, router, facility or site down, a flap's down phase, a drain's end).
    Down,
    /// Silent drop per direction (blackhole: both; partition: one).
    Blackhole([bool; 2]),
    /// Loss, delay, jitter or capacity change.
    Degrade(Degradation),
    /// Routes over the link are prepended so traffic leaves before it goes down.
    Drain,
}

/// One reason a link is not healthy, and who is behind it: a fault, or (`None`) an
/// operator's runbook step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkCause {
    pub fault: Option<crate::model::FaultId>,
    pub effect: CauseEffect,
}

/// What faults currently do to a link: the list of active causes, in the order they were
/// applied, so overlapping faults compose and each effect can be traced to its causes.
/// The derived figures are cached because packets consult them on every hop.
#[derive(Clone, Debug, Default)]
pub struct LinkState {
    causes: Vec<LinkCause>,
    down: u32,
    blackhole: [u32; 2],
    drained: u32,
    loss_ppm: u32,
    /// Mean loss burst (packets) of the degradations that add loss: the longest of them.
    loss_burst: u32,
    capacity_ppm: u32,
    extra_delay: SimDuration,
    jitter: SimDuration,
}

/// Prepends a drain adds to a link's routes: enough to lose to any undrained equal path.
pub const DRAIN_PREPEND: u32 = 3;

impl LinkState {
    pub fn healthy() -> LinkState {
        LinkState { capacity_ppm: 1_000_000, ..Default::default() }
    }

    /// Adds a cause.
    pub fn add(&mut self, c: LinkCause) {
        self.causes.push(c);
        self.recompute();
    }

    /// Removes one cause equal to `c`; returns whether there was one.
    pub fn remove(&mut self, c: &LinkCause) -> bool {
        match self.causes.iter().position(|x| x == c) {
            Some(i) => {
                self.causes.remove(i);
                self.recompute();
                true
            }
            None => false,
        }
    }

    fn recompute(&mut self) {
        let mut s = LinkState { causes: std::mem::take(&mut self.causes), ..LinkState::healthy() };
        let mut pass = 1.0f64;
        let mut cap = 1_000_000u64;
        for c in &s.causes {
            match c.effect {
                CauseEffect::Down => s.down += 1,
                CauseEffect::Blackhole(d) => {
                    s.blackhole[0] += u32::from(d[0]);
                    s.blackhole[1] += u32::from(d[1]);
                }
                CauseEffect::Degrade(d) => {
                    pass *= 1.0 - f64::from(d.loss_ppm) / 1e6;
                    if d.loss_ppm > 0 {
                        s.loss_burst = s.loss_burst.max(d.burst.max(1));
                    }
                    cap = cap * u64::from(d.capacity_ppm) / 1_000_000;
                    s.extra_delay = s.extra_delay + d.extra_delay;
                    s.jitter = s.jitter + d.jitter;
                }
                CauseEffect::Drain => s.drained += 1,
            }
        }
        s.loss_ppm = ((1.0 - pass) * 1e6).round() as u32;
        s.capacity_ppm = cap as u32;
        *self = s;
    }

    /// The active causes, oldest first.
    pub fn causes(&self) -> &[LinkCause] {
        &self.causes
    }

    pub fn carrier(&self) -> bool {
        self.down == 0
    }

    pub fn drained(&self) -> bool {
        self.drained > 0
    }

    /// Whether packets sent in direction `d` arrive (ignoring random loss).
    pub fn delivers(&self, d: Dir) -> bool {
        self.down == 0 && self.blackhole[d] == 0 && self.loss_ppm < 1_000_000 && self.capacity_ppm > 0
    }

    /// Combined independent loss of every degradation, parts per million.
    pub fn loss_ppm(&self) -> u32 {
        self.loss_ppm
    }

    /// Mean length of a loss burst, packets (1: independent loss, or no loss).
    pub fn loss_burst(&self) -> u32 {
        self.loss_burst.max(1)
    }

    pub fn extra_delay(&self) -> SimDuration {
        self.extra_delay
    }

    pub fn jitter(&self) -> SimDuration {
        self.jitter
    }

    /// Remaining capacity, parts per million.
    pub fn capacity_ppm(&self) -> u32 {
        self.capacity_ppm
    }

    /// Faults whose cause alone stops direction `d` from delivering (carrier, silent drop,
    /// total loss, no capacity), oldest first.
    pub fn breaking(&self, d: Dir) -> impl Iterator<Item = crate::model::FaultId> + '_ {
        self.causes.iter().filter(move |c| breaks(c.effect, d)).filter_map(|c| c.fault)
    }

    /// Faults whose cause alone stops direction `d` from delivering now, as attribution
    /// credits it: with the carrier gone, only what took it away (a blackhole or total loss on
    /// a link without carrier drops nothing the missing carrier did not drop already);
    /// otherwise [`LinkState::breaking`].
    pub fn stopping(&self, d: Dir) -> impl Iterator<Item = crate::model::FaultId> + '_ {
        let down = !self.carrier();
        self.causes.iter().filter(move |c| if down { c.effect == CauseEffect::Down } else { breaks(c.effect, d) }).filter_map(|c| c.fault)
    }

    /// Faults whose cause shows on the link now: with the carrier gone, only what took it
    /// away (anything else on a link that carries nothing changes nothing: it is masked);
    /// otherwise every cause.
    pub fn effective(&self) -> impl Iterator<Item = crate::model::FaultId> + '_ {
        let down = !self.carrier();
        self.causes.iter().filter(move |c| !down || c.effect == CauseEffect::Down).filter_map(|c| c.fault)
    }

    /// Faults that take the carrier away (cut, router, facility or site down, a flap's or a
    /// drain's down phase), oldest first.
    pub fn carrier_causes(&self) -> impl Iterator<Item = crate::model::FaultId> + '_ {
        self.causes.iter().filter(|c| c.effect == CauseEffect::Down).filter_map(|c| c.fault)
    }

    /// Faults adding random loss, with their loss in parts per million.
    pub fn lossy(&self) -> impl Iterator<Item = (crate::model::FaultId, u32)> + '_ {
        self.causes.iter().filter_map(|c| match (c.fault, c.effect) {
            (Some(f), CauseEffect::Degrade(d)) if d.loss_ppm > 0 => Some((f, d.loss_ppm)),
            _ => None,
        })
    }

    /// A short label for views: `up`, `down`, `blackhole`, `partition`, `degraded`, `drained`.
    pub fn label(&self) -> &'static str {
        if self.down > 0 {
            "down"
        } else if self.blackhole[0] > 0 && self.blackhole[1] > 0 {
            "blackhole"
        } else if self.blackhole[0] > 0 || self.blackhole[1] > 0 {
            "partition"
        } else if self.causes.iter().any(|c| matches!(c.effect, CauseEffect::Degrade(_))) {
            "degraded"
        } else if self.drained > 0 {
            "drained"
        } else {
            "up"
        }
    }

    /// Everything a change can alter that the rest of the simulation reacts to.
    pub fn summary(&self) -> LinkSummary {
        LinkSummary {
            carrier: self.carrier(),
            delivers: [self.delivers(0), self.delivers(1)],
            loss_ppm: self.loss_ppm,
            loss_burst: self.loss_burst(),
            capacity_ppm: self.capacity_ppm,
            extra_delay: self.extra_delay,
            jitter: self.jitter,
            drained: self.drained > 0,
            label: self.label(),
        }
    }
}

fn breaks(e: CauseEffect, d: Dir) -> bool {
    match e {
        CauseEffect::Down => true,
        CauseEffect::Blackhole(b) => b[d],
        CauseEffect::Degrade(g) => g.loss_ppm >= 1_000_000 || g.capacity_ppm == 0,
        CauseEffect::Drain => false,
    }
}

/// A link's observable state, compared before and after a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkSummary {
    pub carrier: bool,
    pub delivers: [bool; 2],
    pub loss_ppm: u32,
    pub loss_burst: u32,
    pub capacity_ppm: u32,
    pub extra_delay: SimDuration,
    pub jitter: SimDuration,
    pub drained: bool,
    pub label: &'static str,
}

impl LinkSummary {
    /// Whether two states differ in anything a packet or a route would notice (a degradation
    /// of 0 % loss, no delay and full capacity changes the label only).
    pub fn same_effect(&self, other: &LinkSummary) -> bool {
        LinkSummary { label: "", ..*self } == LinkSummary { label: "", ..*other }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETH_MACSEC: Framing = Framing { ethernet: true, macsec: true, extra_bytes: 0 };
    const ETH: Framing = Framing { ethernet: true, macsec: false, extra_bytes: 0 };

    /// Framing arithmetic by hand, independent of the code: a 1500 B IP packet carries
    /// 1500 - 20 (IPv4) - 32 (TCP with timestamps) = 1448 B of payload and occupies
    /// 1500 + 8 preamble + 14 MAC + 4 VLAN + 4 FCS + 12 IFG + 16 SecTAG + 16 ICV = 1574 B of wire time.
    #[test]
    fn line_rate_with_macsec_matches_framing_arithmetic_at_mtu_1500_and_8500() {
        let ten_g = 10_000_000_000u64;
        assert_eq!(goodput_bps(ten_g, 1500, ETH_MACSEC), ten_g * 1448 / 1574);
        assert_eq!(goodput_bps(ten_g, 8500, ETH_MACSEC), ten_g * 8448 / 8574);
        // The published percentages (interconnect-facts §3.4): 91.99 % and 98.53 % with MACsec,
        // 93.90 % and 98.90 % without.
        let pct = |bps: u64| (bps as f64 / ten_g as f64 * 10_000.0).round() / 100.0;
        assert_eq!(pct(goodput_bps(ten_g, 1500, ETH_MACSEC)), 91.99);
        assert_eq!(pct(goodput_bps(ten_g, 8500, ETH_MACSEC)), 98.53);
        assert_eq!(pct(goodput_bps(ten_g, 1500, ETH)), 93.90);
        assert_eq!(pct(goodput_bps(ten_g, 8500, ETH)), 98.90);
    }

    fn cause(f: u32, effect: CauseEffect) -> LinkCause {
        LinkCause { fault: Some(crate::model::FaultId(f)), effect }
    }

    #[test]
    fn overlapping_causes_compose() {
        let mut s = LinkState::healthy();
        s.add(cause(0, CauseEffect::Down));
        s.add(cause(1, CauseEffect::Down));
        assert!(s.remove(&cause(0, CauseEffect::Down)));
        assert!(!s.carrier());
        assert_eq!(s.breaking(0).collect::<Vec<_>>(), vec![crate::model::FaultId(1)]);
        assert!(s.remove(&cause(1, CauseEffect::Down)));
        assert!(s.delivers(0));
        s.add(cause(2, CauseEffect::Blackhole([false, true])));
        assert!(s.delivers(0) && !s.delivers(1));
        assert_eq!(s.label(), "partition");
        assert_eq!(s.breaking(0).count(), 0);
    }

    #[test]
    fn a_pure_delay_breaks_nothing() {
        let mut s = LinkState::healthy();
        let d = Degradation {
            loss_ppm: 0,
            burst: 1,
            extra_delay: SimDuration::from_millis(1),
            jitter: SimDuration::ZERO,
            capacity_ppm: 1_000_000,
        };
        s.add(cause(0, CauseEffect::Degrade(d)));
        assert_eq!(s.lossy().count(), 0);
        assert_eq!(s.label(), "degraded");
    }

    #[test]
    fn degradations_combine_independently() {
        let mut s = LinkState::healthy();
        let d = Degradation {
            loss_ppm: 20_000,
            burst: 1,
            extra_delay: SimDuration::from_millis(5),
            jitter: SimDuration::ZERO,
            capacity_ppm: 500_000,
        };
        s.add(cause(0, CauseEffect::Degrade(d)));
        s.add(cause(1, CauseEffect::Degrade(d)));
        // 1 - 0.98^2 = 3.96 %
        assert_eq!(s.loss_ppm(), 39_600);
        assert_eq!(s.capacity_ppm(), 250_000);
        assert_eq!(s.extra_delay(), SimDuration::from_millis(10));
    }
}
