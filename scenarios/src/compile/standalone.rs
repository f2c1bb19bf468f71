//! `[[vpn]]` and `[[backbone]]` tables: the links that belong to no interconnect.
//!
//! It adds links to the spec and claims their ids.

use sim_core::presets;
use sim_core::spec::ModelSpec;

use super::R;
use super::context::{Ctx, claim};
use super::sites::site;
use crate::format::{self, Sp};

pub(super) fn vpn(cx: &mut Ctx<'_>, spec: &mut ModelSpec, v: &Sp<format::Vpn>) -> R<()> {
    let t = &v.value;
    let a = site(cx, &t.a, &t.a.value)?;
    let b = site(cx, &t.b, &t.b.value)?;
    if a == b {
        return cx.fail(&t.b.span, "a VPN must join two different sites");
    }
    claim(cx, &t.id.value, &t.id.span, "vpn")?;
    let mut links = presets::vpn_backup(&t.id.value, &a, &b);
    for l in &mut links {
        if let Some(bw) = &t.bandwidth {
            if bw.value.0 == 0 {
                return cx.fail(&bw.span, "bandwidth must be positive");
            }
            l.member_bps = bw.value.0;
        }
        if let Some(d) = &t.delay {
            l.one_way_delay = d.value.0;
        }
        cx.spans.entry(l.id.clone()).or_insert_with(|| t.id.span.clone());
    }
    spec.links.extend(links);
    Ok(())
}

pub(super) fn backbone(cx: &mut Ctx<'_>, spec: &mut ModelSpec, b: &Sp<format::Backbone>) -> R<()> {
    let t = &b.value;
    let a = site(cx, &t.a, &t.a.value)?;
    let bs = site(cx, &t.b, &t.b.value)?;
    if a == bs {
        return cx.fail(&t.b.span, "a backbone span must join two different sites");
    }
    let rtt = cx.positive(&t.rtt, "the backbone RTT")?;
    let mut l = presets::backbone(&a, &bs, rtt);
    if let Some(id) = &t.id {
        l.id.clone_from(&id.value);
    }
    if let Some(bw) = &t.bandwidth {
        if bw.value.0 == 0 {
            return cx.fail(&bw.span, "bandwidth must be positive");
        }
        l.member_bps = bw.value.0;
    }
    let span = t.id.as_ref().map_or(&b.span, |i| &i.span).clone();
    claim(cx, &l.id, &span, "backbone")?;
    spec.links.push(l);
    Ok(())
}
