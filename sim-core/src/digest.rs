//! The identity of a model for the fingerprint: everything that shapes a run before any
//! fault (topology, timers, traffic), encoded as fixed-width little-endian bytes and hashed
//! with FNV-1a. Faults, alarms and runbook steps are left out: they enter the trace when they
//! act, and a fault injected by hand must fingerprint like the same fault scripted in a file.

use crate::model::Model;
use crate::spec::{BfdTimers, BgpTimers, CongestionControl, Fidelity, RouteAttrs};
use crate::tcp::{AbortRule, Growth, Repair, RtoRule, TcpSpec, TimerClock};

struct Digest(u64);

impl Digest {
    fn bytes(&mut self, b: &[u8]) {
        for x in b {
            self.0 ^= u64::from(*x);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.bytes(s.as_bytes());
    }
    fn bgp(&mut self, t: &BgpTimers) {
        self.u64(t.keepalive.as_nanos());
        self.u64(t.hold.as_nanos());
    }
    fn bfd(&mut self, t: &BfdTimers) {
        self.u64(t.desired_min_tx.as_nanos());
        self.u64(t.required_min_rx.as_nanos());
        self.u64(u64::from(t.multiplier));
    }
    fn attrs(&mut self, a: &RouteAttrs) {
        self.u64(u64::from(a.local_pref));
        self.u64(u64::from(a.prepend));
        self.u64(u64::from(a.med));
    }
}

/// The model's digest under `seed`: the starting value of the run's fingerprint.
pub(crate) fn model_digest(m: &Model, seed: u64) -> u64 {
    let mut d = Digest(0xcbf2_9ce4_8422_2325);
    d.u64(seed);
    for s in &m.sites {
        d.str(&s.id);
        d.u64(s.internal_rtt.as_nanos());
    }
    for e in &m.endpoints {
        d.str(&e.id);
        d.u64(u64::from(e.site.0));
    }
    for l in &m.links {
        let s = &l.spec;
        d.str(&s.id);
        for v in [u64::from(l.sites[0].0), u64::from(l.sites[1].0), u64::from(s.members), s.member_bps, u64::from(s.mtu)] {
            d.u64(v);
        }
        d.u64(u64::from(s.framing.bytes_per_frame()));
        d.u64(s.one_way_delay.as_nanos());
        d.u64(u64::from(s.base_loss_ppm));
        d.u64(s.queue_bytes);
        if let Some(sess) = &s.session {
            sess.bgp.iter().for_each(|t| d.bgp(t));
            sess.bfd.iter().flatten().for_each(|t| d.bfd(t));
            d.u64(sess.establish.as_nanos());
            d.u64(sess.connect_retry.as_nanos());
        }
        s.route.iter().for_each(|a| d.attrs(a));
    }
    for a in &m.adjacencies {
        d.u64(u64::from(a.resilient_buckets.unwrap_or(0)));
        for p in &a.policies {
            d.u64(u64::from(p.max_paths));
            p.convergence.iter().for_each(|c| d.u64(c.as_nanos()));
            p.local_repair.iter().for_each(|c| d.u64(c.as_nanos()));
        }
        a.links.iter().for_each(|l| d.u64(u64::from(m.links[l.index()].policy)));
        // Only models with a shift onto one connection have pinned adjacencies.
        if let Some(p) = &a.pin {
            d.u64(u64::from(p.base.0));
            a.links.iter().for_each(|l| d.u64(u64::from(l.0)));
        }
    }
    for g in &m.groups {
        let t = &g.spec;
        d.str(&t.id);
        g.route.sites.iter().for_each(|s| d.u64(u64::from(s.0)));
        for v in [u64::from(t.flows), t.demand_bps.unwrap_or(0), t.bytes_per_flow.unwrap_or(0), t.start.as_nanos()] {
            d.u64(v);
        }
        tcp_digest(&mut d, &t.tcp);
        d.u64(u64::from(t.rehash_on_rto));
        let fidelity = match t.fidelity {
            Fidelity::Fluid => 0,
            Fidelity::Packet => 1,
        };
        let cc = match t.packet.cc {
            CongestionControl::Cubic => 0,
            CongestionControl::Reno => 1,
        };
        for v in [fidelity, cc, t.packet.buffer_bytes.unwrap_or(0), u64::from(t.replication)] {
            d.u64(v);
        }
        g.route.ends.iter().for_each(|e| d.u64(e.map_or(u64::MAX, |e| u64::from(e.0))));
    }
    d.0
}

/// Every constant of a TCP profile, so two runs with different host settings never share a
/// model digest.
fn tcp_digest(d: &mut Digest, t: &TcpSpec) {
    d.u64(t.profile as u64);
    d.u64(match t.rule {
        RtoRule::Linux => 0,
        RtoRule::Rfc6298 => 1,
        RtoRule::Xnu => 2,
    });
    for v in [t.rto_initial, t.rto_min, t.rto_max, t.rto_slop, t.delayed_ack] {
        d.u64(v.as_nanos());
    }
    d.u64(u64::from(t.initial_window));
    d.u64(t.rwnd_bytes);
    d.u64(match t.clock {
        TimerClock::Exact => 0,
        TimerClock::Jiffies { hz } => u64::from(hz),
    });
    d.u64(u64::from(t.tail_loss_probe) | u64::from(t.byte_counting) << 1);
    d.u64(match t.repair {
        Repair::FrtoSack => 0,
        Repair::GoBackN => 1,
    });
    d.u64(match t.growth {
        Growth::Cubic => 0,
        Growth::Reno => 1,
    });
    d.u64(u64::from(t.retries));
    d.u64(match t.abort {
        AbortRule::LinuxModel => 0,
        AbortRule::Count => 1,
        AbortRule::Never => 2,
    });
    d.u64(t.user_timeout.map_or(u64::MAX, |u| u.as_nanos()));
    d.u64(t.syn.waits().len() as u64);
    t.syn.waits().iter().for_each(|w| d.u64(w.as_nanos()));
}
