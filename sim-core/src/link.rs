//! Link physics: capacity after framing overheads, and a link's fault state.
//!
//! A link is two directions sharing one carrier. Faults stack: each cause is counted, so a
//! facility outage and a channel cut on the same link both have to end before it comes back.

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

/// What faults currently do to a link. Counts, so overlapping faults compose.
#[derive(Clone, Debug, Default)]
pub struct LinkState {
    /// Carrier-loss causes (cut, router, facility or site down, flap, drain's down phase).
    pub down: u32,
    /// Silent-drop causes per direction (blackhole, partition).
    pub blackhole: [u32; 2],
    /// Active degradations, by the fault that applied them (in application order).
    pub degradations: Vec<(u32, Degradation)>,
    /// Drain causes: routes over the link are prepended so traffic leaves before it goes down.
    pub drained: u32,
}

/// Prepends a drain adds to a link's routes: enough to lose to any undrained equal path.
pub const DRAIN_PREPEND: u32 = 3;

impl LinkState {
    pub fn carrier(&self) -> bool {
        self.down == 0
    }

    /// Whether packets sent in direction `d` arrive (ignoring random loss).
    pub fn delivers(&self, d: Dir) -> bool {
        self.down == 0 && self.blackhole[d] == 0 && self.loss_ppm() < 1_000_000 && self.capacity_ppm() > 0
    }

    /// Combined independent loss of every degradation, parts per million.
    pub fn loss_ppm(&self) -> u32 {
        let mut pass = 1.0f64;
        for (_, d) in &self.degradations {
            pass *= 1.0 - f64::from(d.loss_ppm) / 1e6;
        }
        ((1.0 - pass) * 1e6).round() as u32
    }

    pub fn extra_delay(&self) -> SimDuration {
        self.degradations.iter().fold(SimDuration::ZERO, |acc, (_, d)| acc + d.extra_delay)
    }

    pub fn jitter(&self) -> SimDuration {
        self.degradations.iter().fold(SimDuration::ZERO, |acc, (_, d)| acc + d.jitter)
    }

    /// Remaining capacity, parts per million.
    pub fn capacity_ppm(&self) -> u32 {
        self.degradations.iter().fold(1_000_000u64, |acc, (_, d)| acc * u64::from(d.capacity_ppm) / 1_000_000) as u32
    }

    /// A short label for views: `up`, `down`, `blackhole`, `partial`, `degraded`, `drained`.
    pub fn label(&self) -> &'static str {
        if self.down > 0 {
            "down"
        } else if self.blackhole[0] > 0 && self.blackhole[1] > 0 {
            "blackhole"
        } else if self.blackhole[0] > 0 || self.blackhole[1] > 0 {
            "partition"
        } else if !self.degradations.is_empty() {
            "degraded"
        } else if self.drained > 0 {
            "drained"
        } else {
            "up"
        }
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

    #[test]
    fn overlapping_causes_compose() {
        let mut s = LinkState::default();
        s.down += 1;
        s.down += 1;
        s.down -= 1;
        assert!(!s.carrier());
        s.down -= 1;
        assert!(s.delivers(0));
        s.blackhole[1] += 1;
        assert!(s.delivers(0) && !s.delivers(1));
        assert_eq!(s.label(), "partition");
    }

    #[test]
    fn degradations_combine_independently() {
        let mut s = LinkState::default();
        let d =
            Degradation { loss_ppm: 20_000, extra_delay: SimDuration::from_millis(5), jitter: SimDuration::ZERO, capacity_ppm: 500_000 };
        s.degradations.push((0, d));
        s.degradations.push((1, d));
        // 1 - 0.98^2 = 3.96 %
        assert_eq!(s.loss_ppm(), 39_600);
        assert_eq!(s.capacity_ppm(), 250_000);
        assert_eq!(s.extra_delay(), SimDuration::from_millis(10));
    }
}
