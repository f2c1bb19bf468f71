//! An interconnect's BGP and BFD timer keys (`bfd`, `bfd_a`, `bfd_b`, `bgp`, `bgp_a`,
//! `bgp_b`) applied to its template's session.
//!
//! It changes only the quad's `SessionSpec`, and records where each timer was written
//! (`Ctx::fields`); sim-core checks the values.

use std::ops::Range;

use sim_core::presets;
use sim_core::spec::{BfdTimers, BgpTimers, SessionSpec};

use super::R;
use super::context::Ctx;
use crate::format::{self, Either, Sp};

/// The quad's BGP session, which timer keys need; some templates have none.
fn session<'q>(cx: &Ctx<'_>, q: &'q mut presets::Quad, span: &Range<usize>) -> R<&'q mut SessionSpec> {
    q.session.as_mut().ok_or_else(|| cx.err(span, "this template has no BGP session to configure"))
}

/// BFD and BGP timers: `bfd` for both sides first, then `bfd_a`/`bfd_b`, then `bgp`,
/// `bgp_a`, `bgp_b`, so a per-side key refines the shared one.
///
/// The values are sim-core's to check (`Model::build`); this records, under the
/// interconnect `id`, the key each side's value came from (`bfd.a.interval`, `bgp.b.hold`,
/// and `bgp.b` for the table), so that its errors point there.
pub(super) fn session_overrides(cx: &mut Ctx<'_>, t: &format::Interconnect, id: &str, q: &mut presets::Quad) -> R<()> {
    if let Some(b) = &t.bfd {
        let session = session(cx, q, &b.span)?;
        match &b.value {
            Either::Bool(false) => session.bfd = None,
            Either::Bool(true) => {}
            Either::Table(bt) => {
                session.bfd = Some([bfd_timers(bt); 2]);
                for side in SIDES {
                    note_bfd(cx, id, side, &b.span, bt);
                }
            }
            _ => return cx.fail(&b.span, "bfd takes `false`, `true` or { interval = \"300ms\", multiplier = 3 }"),
        }
    }
    for (side, b) in [(0, &t.bfd_a), (1, &t.bfd_b)] {
        if let Some(b) = b {
            let session = session(cx, q, &b.span)?;
            match session.bfd.as_mut() {
                Some(both) => both[side] = bfd_timers(&b.value),
                None => return cx.fail(&b.span, "BFD is off here (bfd = false): drop `bfd = false` to configure one side"),
            }
            note_bfd(cx, id, SIDES[side], &b.span, &b.value);
        }
    }
    for (sides, b) in [(&[0usize, 1][..], &t.bgp), (&[0][..], &t.bgp_a), (&[1][..], &t.bgp_b)] {
        if let Some(b) = b {
            let session = session(cx, q, &b.span)?;
            for &side in sides {
                bgp_timers(&b.value, &mut session.bgp[side]);
                note_bgp(cx, id, SIDES[side], b);
            }
        }
    }
    Ok(())
}

/// Sides as sim-core's errors name them ("side a: ...").
const SIDES: [&str; 2] = ["a", "b"];

/// `{ interval, multiplier }` as BFD parameters: the interval is both the desired transmit
/// and the required receive interval.
fn bfd_timers(bt: &format::BfdTable) -> BfdTimers {
    let iv = bt.interval.value.0;
    BfdTimers { desired_min_tx: iv, required_min_rx: iv, multiplier: bt.multiplier.value }
}

fn note_bfd(cx: &mut Ctx<'_>, id: &str, side: &str, table: &Range<usize>, bt: &format::BfdTable) {
    cx.fields.set(id, format!("bfd.{side}"), table);
    cx.fields.set(id, format!("bfd.{side}.interval"), &bt.interval.span);
    cx.fields.set(id, format!("bfd.{side}.multiplier"), &bt.multiplier.span);
}

/// Applies `{ keepalive, hold }` to one speaker's timers; a key left out keeps its value.
fn bgp_timers(b: &format::BgpTable, timers: &mut BgpTimers) {
    if let Some(k) = &b.keepalive {
        timers.keepalive = k.value.0;
    }
    if let Some(h) = &b.hold {
        timers.hold = h.value.0;
    }
}

fn note_bgp(cx: &mut Ctx<'_>, id: &str, side: &str, b: &Sp<format::BgpTable>) {
    cx.fields.set(id, format!("bgp.{side}"), &b.span);
    for (key, v) in [("keepalive", &b.value.keepalive), ("hold", &b.value.hold)] {
        if let Some(v) = v {
            cx.fields.set(id, format!("bgp.{side}.{key}"), &v.span);
        }
    }
}
