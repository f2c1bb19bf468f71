//! An interconnect's BGP and BFD timer keys (`bfd`, `bfd_a`, `bfd_b`, `bgp`, `bgp_a`,
//! `bgp_b`) applied to its template's session.
//!
//! It changes only the quad's `SessionSpec`.

use std::ops::Range;

use sim_core::spec::{BfdTimers, BgpTimers, SessionSpec};
use sim_core::{SimDuration, presets};

use super::R;
use super::context::Ctx;
use crate::format::{self, Either, Sp};

/// The quad's BGP session, which timer keys need; some templates have none.
fn session<'q>(cx: &Ctx<'_>, q: &'q mut presets::Quad, span: &Range<usize>) -> R<&'q mut SessionSpec> {
    q.session.as_mut().ok_or_else(|| cx.err(span, "this template has no BGP session to configure"))
}

/// BFD and BGP timers: `bfd` for both sides first, then `bfd_a`/`bfd_b`, then `bgp`,
/// `bgp_a`, `bgp_b`, so a per-side key refines the shared one.
pub(super) fn session_overrides(cx: &Ctx<'_>, t: &format::Interconnect, q: &mut presets::Quad) -> R<()> {
    if let Some(b) = &t.bfd {
        let session = session(cx, q, &b.span)?;
        match &b.value {
            Either::Bool(false) => session.bfd = None,
            Either::Bool(true) => {}
            Either::Table(bt) => session.bfd = Some([bfd_timers(cx, bt)?; 2]),
            _ => return cx.fail(&b.span, "bfd takes `false`, `true` or { interval = \"300ms\", multiplier = 3 }"),
        }
    }
    for (side, b) in [(0, &t.bfd_a), (1, &t.bfd_b)] {
        if let Some(b) = b {
            let session = session(cx, q, &b.span)?;
            let timers = bfd_timers(cx, &b.value)?;
            match session.bfd.as_mut() {
                Some(both) => both[side] = timers,
                None => return cx.fail(&b.span, "BFD is off here (bfd = false): drop `bfd = false` to configure one side"),
            }
        }
    }
    for (sides, b) in [(&[0usize, 1][..], &t.bgp), (&[0][..], &t.bgp_a), (&[1][..], &t.bgp_b)] {
        if let Some(b) = b {
            let session = session(cx, q, &b.span)?;
            for &side in sides {
                bgp_timers(cx, b, &mut session.bgp[side])?;
            }
        }
    }
    Ok(())
}

/// `{ interval, multiplier }` as BFD parameters (RFC 5880: multiplier 1-255).
fn bfd_timers(cx: &Ctx<'_>, bt: &format::BfdTable) -> R<BfdTimers> {
    let iv = cx.positive(&bt.interval, "the BFD interval")?;
    if iv < SimDuration::from_millis(1) {
        return cx.fail(&bt.interval.span, "BFD intervals below 1 ms are not supported");
    }
    if bt.multiplier.value == 0 || bt.multiplier.value > 255 {
        return cx.fail(&bt.multiplier.span, "the BFD multiplier must be between 1 and 255 (RFC 5880)");
    }
    Ok(BfdTimers { desired_min_tx: iv, required_min_rx: iv, multiplier: bt.multiplier.value })
}

/// Applies `{ keepalive, hold }` to one speaker's timers (RFC 4271: hold at least 3 s;
/// keepalive at least 1 s, the AWS Direct Connect minimum, and at most the hold time).
fn bgp_timers(cx: &Ctx<'_>, b: &Sp<format::BgpTable>, timers: &mut BgpTimers) -> R<()> {
    if let Some(k) = &b.value.keepalive {
        timers.keepalive = cx.positive(k, "the BGP keepalive")?;
        if timers.keepalive < SimDuration::from_secs(1) {
            return cx.fail(&k.span, "the BGP keepalive must be at least 1 s");
        }
    }
    if let Some(h) = &b.value.hold {
        let hold = cx.positive(h, "the BGP hold time")?;
        if hold < SimDuration::from_secs(3) {
            return cx.fail(&h.span, "the BGP hold time must be at least 3 s (RFC 4271 §4.2)");
        }
        timers.hold = hold;
    }
    if timers.keepalive > timers.hold {
        return cx.fail(&b.span, format!("keepalive {} exceeds hold {}", timers.keepalive, timers.hold));
    }
    Ok(())
}
