//! sim-core's `BuildError`s mapped back to a span of the file.
//!
//! `Model::build` is the authority on values; this module only decides where its errors
//! point. An invalid value (`BuildError::Invalid { owner, field, reason }`) points at the key
//! that set `field` on the element `owner` names, as recorded in `Ctx::fields`; any other
//! error, or a value no key set, points at the first element id the message mentions.

use std::ops::Range;

use sim_core::spec::{AdjacencySpec, ModelSpec};
use sim_core::{BuildError, Model};

use super::context::{Ctx, Decorate};
use crate::error::Diagnostic;

/// Session timer keys inside a `bgp`/`bfd` table, as sim-core's reasons mention them.
const TIMER_KEYS: [&str; 4] = ["keepalive", "hold", "interval", "multiplier"];

/// Maps a sim-core error to the key that set the offending value, or else to the span of
/// the first element id it mentions.
pub(super) fn build_error(cx: &Ctx<'_>, spec: &ModelSpec, e: &BuildError, fallback: &Range<usize>) -> Box<Diagnostic> {
    let msg = e.to_string();
    if let BuildError::Invalid { owner, field, reason } = e
        && let Some((span, key)) = key_span(cx, spec, owner, field, reason)
    {
        let d = cx.err(span, msg);
        return match hint(&key, reason) {
            Some(h) => d.help(h),
            None => d,
        };
    }
    let span = msg.split('`').skip(1).step_by(2).find_map(|id| cx.spans.get(id)).unwrap_or(fallback);
    cx.err(span, msg)
}

/// The span of the key behind `field` of the element `owner` names, and the field as
/// refined (`bgp.a.hold`).
fn key_span<'c>(cx: &'c Ctx<'_>, spec: &ModelSpec, owner: &str, field: &str, reason: &str) -> Option<(&'c Range<usize>, String)> {
    let id = element_of(cx, spec, owner, field)?;
    refinements(cx, &id, field, reason).into_iter().find_map(|f| cx.fields.get(&id, &f).map(|s| (s, f)))
}

/// The element whose field it is: an id in `owner` that `Ctx::fields` knows (a link,
/// interconnect, VPN or backbone), or, for routing between two sites, the interconnect
/// whose policy sim-core rejected.
fn element_of(cx: &Ctx<'_>, spec: &ModelSpec, owner: &str, field: &str) -> Option<String> {
    let ids: Vec<&str> = owner.split('`').skip(1).step_by(2).collect();
    if let Some(id) = ids.iter().find(|id| cx.fields.knows(id)) {
        return Some((*id).to_string());
    }
    let [a, b] = ids[..] else { return None };
    let policies: Vec<&AdjacencySpec> = spec
        .adjacencies
        .iter()
        .filter(|p| (p.a_site == a && p.b_site == b) || (p.a_site == b && p.b_site == a))
        .filter(|p| p.interconnect.as_deref().is_some_and(|ic| cx.fields.get(ic, field).is_some()))
        .collect();
    let culprit = match policies[..] {
        [one] => Some(one),
        // Several interconnects between the two sites set the field: ask sim-core which
        // policy it rejects, one at a time over the same links.
        _ => policies.into_iter().find(|p| {
            let probe = ModelSpec {
                sites: spec.sites.clone(),
                links: spec.links.clone(),
                adjacencies: vec![(*p).clone()],
                duration: spec.duration,
                ..ModelSpec::default()
            };
            matches!(Model::build(&probe), Err(BuildError::Invalid { field: f, .. }) if f == field)
        }),
    };
    culprit.and_then(|p| p.interconnect.clone())
}

/// The refined field names to try, most precise first. A reason starting "side a: " is
/// about side A's timers; if it names exactly one timer key that the file set for that side
/// ("hold 2s is below ..."), that key is meant; a reason naming both ("keepalive 30s exceeds
/// hold 10s") with both set points at their table.
fn refinements(cx: &Ctx<'_>, id: &str, field: &str, reason: &str) -> Vec<String> {
    let side = ["a", "b"].into_iter().find(|s| reason.starts_with(&format!("side {s}:")));
    let Some(side) = side else { return vec![field.to_string()] };
    let table = format!("{field}.{side}");
    let set: Vec<String> = TIMER_KEYS
        .iter()
        .filter(|k| reason.contains(*k))
        .map(|k| format!("{table}.{k}"))
        .filter(|f| cx.fields.get(id, f).is_some())
        .collect();
    let mut out = Vec::new();
    if let [one] = &set[..] {
        out.push(one.clone());
    }
    out.push(table);
    out.push(field.to_string());
    out
}

/// A note on the rule where sim-core's wording of it differs from the format's
/// documentation ("hold ≥ 3 s" in README.md's interconnect keys): a hold time rejected on
/// its own, not against the keepalive.
fn hint(field: &str, reason: &str) -> Option<&'static str> {
    let hold_alone = field.starts_with("bgp.") && field.ends_with(".hold") && !reason.contains("keepalive");
    hold_alone.then_some("a BGP hold time must be at least 3 s (RFC 4271 §4.2)")
}
