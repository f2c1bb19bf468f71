//! `[[vpn]]` and `[[backbone]]` tables: the links that belong to no interconnect.
//!
//! It adds links to the spec, claims their ids and records where their keys were written
//! (`Ctx::fields`); sim-core checks the values, except `queue` (`context::link_queue`).

use sim_core::presets;
use sim_core::spec::ModelSpec;

use super::R;
use super::context::{Ctx, claim, link_queue};
use super::sites::site;
use crate::format::{self, Sp};
use crate::units::Bandwidth;

pub(super) fn vpn(cx: &mut Ctx<'_>, spec: &mut ModelSpec, v: &Sp<format::Vpn>) -> R<()> {
    let t = &v.value;
    let a = site(cx, &t.a, &t.a.value)?;
    let b = site(cx, &t.b, &t.b.value)?;
    claim(cx, &t.id.value, &t.id.span, "vpn")?;
    note_fields(cx, &t.id.value, &t.a, &t.b, &t.bandwidth);
    let mut links = presets::vpn_backup(&t.id.value, &a, &b);
    for l in &mut links {
        if let Some(bw) = &t.bandwidth {
            l.member_bps = bw.value.0;
        }
        if let Some(d) = &t.delay {
            l.one_way_delay = d.value.0;
        }
        link_queue(cx, t.queue.as_ref(), l)?;
        cx.spans.entry(l.id.clone()).or_insert_with(|| t.id.span.clone());
        cx.fields.inherit(&l.id, &t.id.value);
    }
    spec.links.extend(links);
    Ok(())
}

pub(super) fn backbone(cx: &mut Ctx<'_>, spec: &mut ModelSpec, b: &Sp<format::Backbone>) -> R<()> {
    let t = &b.value;
    let a = site(cx, &t.a, &t.a.value)?;
    let bs = site(cx, &t.b, &t.b.value)?;
    let rtt = cx.positive(&t.rtt, "the backbone RTT")?;
    let mut l = presets::backbone(&a, &bs, rtt);
    if let Some(id) = &t.id {
        l.id.clone_from(&id.value);
    }
    if let Some(bw) = &t.bandwidth {
        l.member_bps = bw.value.0;
    }
    link_queue(cx, t.queue.as_ref(), &mut l)?;
    let span = t.id.as_ref().map_or(&b.span, |i| &i.span).clone();
    claim(cx, &l.id, &span, "backbone")?;
    note_fields(cx, &l.id, &t.a, &t.b, &t.bandwidth);
    spec.links.push(l);
    Ok(())
}

/// Where the table set what sim-core checks on its links (`Ctx::fields`).
fn note_fields(cx: &mut Ctx<'_>, id: &str, a: &Sp<String>, b: &Sp<String>, bandwidth: &Option<Sp<Bandwidth>>) {
    cx.fields.set(id, "a_site", &a.span);
    cx.fields.set(id, "b_site", &b.span);
    if let Some(bw) = bandwidth {
        cx.fields.set(id, "bandwidth", &bw.span);
    }
}
