//! `[[interconnect]]` tables: a template's quad between two sites, the shape and physical
//! overrides, per-channel overrides and the interconnect's routing policy.
//!
//! It adds the interconnect's links and adjacency policy to the spec, and records where the
//! ids it generates (channels, facilities, routers) were written. Session timers are
//! `session`'s.

use std::ops::Range;

use sim_core::presets;
use sim_core::spec::*;

use super::R;
use super::context::{Ctx, Decorate, claim, copies, subst};
use super::session::session_overrides;
use super::sites::site;
use crate::error::did_you_mean;
use crate::format::{self, Either, Sp};
use crate::templates::{self, DEFAULT_RESILIENT_BUCKETS};
use crate::units::Percent;

pub(super) fn interconnect(cx: &mut Ctx<'_>, spec: &mut ModelSpec, ic: &Sp<format::Interconnect>) -> R<()> {
    let t = &ic.value;
    let tpl = template(cx, &t.template)?;
    check_cloud_keys(cx, t, tpl)?;
    if t.bandwidth.value.0 == 0 {
        return cx.fail(&t.bandwidth.span, "bandwidth must be positive");
    }
    for copy in copies(cx, &t.count)? {
        let id = subst(&t.id.value, copy, true);
        let sides = [side_site(cx, t, tpl, copy, 0)?, side_site(cx, t, tpl, copy, 1)?];
        let mut q = quad(cx, ic, tpl, &id, sides)?;
        quad_overrides(cx, t, &mut q)?;
        session_overrides(cx, t, &mut q)?;
        claim(cx, &id, &t.id.span, "interconnect")?;
        let mut links = q.links();
        channel_overrides(cx, t, &id, q.channels, &mut links)?;
        point_generated_ids(cx, &links, &t.id.span);
        let adj = adjacency(cx, t, q.adjacency())?;
        spec.links.extend(links);
        spec.adjacencies.push(adj);
    }
    Ok(())
}

fn template(cx: &Ctx<'_>, name: &Sp<String>) -> R<&'static templates::Template> {
    templates::find(&name.value).ok_or_else(|| {
        let mut d = cx.err(&name.span, format!("unknown template `{}`", name.value));
        if let Some(n) = did_you_mean(&name.value, templates::names()) {
            d = d.label(format!("did you mean `{n}`?"));
        }
        d.help(format!("templates: {}", templates::names().collect::<Vec<_>>().join(", ")))
    })
}

/// The cloud key (`aws = "us-east-1"`) that names a side's region, if the file gives it.
fn cloud_key<'t>(t: &'t format::Interconnect, cloud: &str) -> &'t Option<Sp<String>> {
    match cloud {
        "aws" => &t.aws,
        "gcp" => &t.gcp,
        "azure" => &t.azure,
        _ => &t.onprem,
    }
}

/// Only the template's two clouds may be used as keys.
fn check_cloud_keys(cx: &Ctx<'_>, t: &format::Interconnect, tpl: &templates::Template) -> R<()> {
    for (c, v) in [("aws", &t.aws), ("gcp", &t.gcp), ("azure", &t.azure), ("onprem", &t.onprem)] {
        if let Some(v) = v
            && !tpl.clouds.contains(&c)
        {
            return Err(cx.err(&v.span, format!("template `{}` has no `{c}` side", tpl.name)).help(format!(
                "it joins `{}` and `{}`; use `a = \"cloud:region\"` and `b = ...` to name other sites",
                tpl.clouds[0], tpl.clouds[1]
            )));
        }
    }
    Ok(())
}

/// Side `k`'s site, from either the generic key (`a`/`b`, a full site) or the template's
/// cloud key (a region of that cloud), but not both.
fn side_site(cx: &Ctx<'_>, t: &format::Interconnect, tpl: &templates::Template, copy: Option<(u32, usize)>, k: usize) -> R<String> {
    let generic = [&t.a, &t.b][k];
    match (generic, cloud_key(t, tpl.clouds[k])) {
        (Some(g), None) => site(cx, g, &subst(&g.value, copy, false)),
        (None, Some(r)) => site(cx, r, &format!("{}:{}", tpl.clouds[k], subst(&r.value, copy, false))),
        (Some(g), Some(_)) => {
            cx.fail(&g.span, format!("side {} is given twice: use either `{}` or `{}`", ["a", "b"][k], ["a", "b"][k], tpl.clouds[k]))
        }
        (None, None) => Err(cx
            .err(&t.template.span, format!("template `{}` needs `{}` and `{}` regions", tpl.name, tpl.clouds[0], tpl.clouds[1]))
            .help(format!(
                "e.g. {} = \"...\" and {} = \"...\", or a = \"cloud:region\" and b = \"cloud:region\"",
                tpl.clouds[0], tpl.clouds[1]
            ))),
    }
}

/// The template's quad between the two sites; presets take bare regions, so the full
/// site ids are put back afterwards.
fn quad(cx: &Ctx<'_>, ic: &Sp<format::Interconnect>, tpl: &templates::Template, id: &str, sides: [String; 2]) -> R<presets::Quad> {
    let region = |s: &str| s.split_once(':').map_or(String::new(), |p| p.1.to_string());
    let mut q = (tpl.build)(id, &region(&sides[0]), &region(&sides[1]), ic.value.bandwidth.value.0);
    let [a, b] = sides;
    q.a_site = a;
    q.b_site = b;
    if q.a_site == q.b_site {
        return cx.fail(&ic.span, format!("interconnect `{id}` joins `{}` to itself", q.a_site));
    }
    Ok(q)
}

/// Overrides of the quad's shape and physical layer: channel bandwidth and count,
/// facilities, MTU, MACsec and delay.
fn quad_overrides(cx: &Ctx<'_>, t: &format::Interconnect, q: &mut presets::Quad) -> R<()> {
    if let Some(b) = &t.channel_bandwidth {
        if b.value.0 == 0 {
            return cx.fail(&b.span, "channel_bandwidth must be positive");
        }
        q.channel_bps = b.value.0;
    }
    if let Some(c) = &t.channels {
        if c.value == 0 {
            return Err(cx.err(&c.span, "an interconnect needs at least one channel").label("zero channels"));
        }
        if c.value > 64 {
            return cx.fail(&c.span, format!("{} channels is more than the 64 ECMP members sim-core supports", c.value));
        }
        q.channels = c.value;
    }
    if let Some(f) = &t.facilities {
        if f.value == 0 || f.value > q.channels || f.value > 26 {
            return cx.fail(&f.span, format!("facilities must be between 1 and the number of channels ({})", q.channels));
        }
        q.facilities = f.value;
    }
    if let Some(m) = &t.mtu {
        if !(576..=9216).contains(&m.value) {
            return cx.fail(&m.span, format!("mtu {} is outside 576..=9216 bytes", m.value));
        }
        q.mtu = m.value;
    }
    if let Some(m) = t.macsec {
        q.framing.macsec = m;
    }
    if let Some(d) = &t.delay {
        q.one_way_delay = d.value.0;
    }
    Ok(())
}

fn background_loss(cx: &Ctx<'_>, loss: &Sp<Percent>) -> R<u32> {
    if loss.value.0 >= 1_000_000 {
        return cx.fail(&loss.span, "background loss must be below 100%");
    }
    Ok(loss.value.0)
}

/// The interconnect-wide `loss`, then each `[interconnect.channel.chN]` table.
fn channel_overrides(cx: &Ctx<'_>, t: &format::Interconnect, id: &str, channels: u32, links: &mut [LinkSpec]) -> R<()> {
    for l in links.iter_mut() {
        if let Some(loss) = &t.loss {
            l.base_loss_ppm = background_loss(cx, loss)?;
        }
    }
    for (name, ov) in &t.channel {
        let l = channel_link(cx, links, id, name, &ov.span, channels)?;
        channel_override(cx, l, &ov.value)?;
    }
    Ok(())
}

/// The link of channel `name` (`ch1`, ...), or an error listing the channels there are.
fn channel_link<'l>(
    cx: &Ctx<'_>,
    links: &'l mut [LinkSpec],
    id: &str,
    name: &str,
    span: &Range<usize>,
    channels: u32,
) -> R<&'l mut LinkSpec> {
    let link_id = format!("{id}/{name}");
    links.iter_mut().find(|l| l.id == link_id).ok_or_else(|| {
        let names: Vec<String> = (1..=channels).map(|n| format!("ch{n}")).collect();
        let mut d = cx.err(span, format!("interconnect `{id}` has no channel `{name}`"));
        if let Some(n) = did_you_mean(name, names.iter().map(String::as_str)) {
            d = d.label(format!("did you mean `{n}`?"));
        }
        d.help(format!("its channels are {}", names.join(", ")))
    })
}

fn channel_override(cx: &Ctx<'_>, l: &mut LinkSpec, o: &format::ChannelOverride) -> R<()> {
    if let Some(b) = &o.bandwidth {
        if b.value.0 == 0 {
            return cx.fail(&b.span, "bandwidth must be positive");
        }
        l.member_bps = b.value.0;
    }
    if let Some(d) = &o.delay {
        l.one_way_delay = d.value.0;
    }
    if let Some(loss) = &o.loss {
        l.base_loss_ppm = background_loss(cx, loss)?;
    }
    for r in &mut l.route {
        r.local_pref = o.local_pref.unwrap_or(r.local_pref);
        r.prepend = o.prepend.unwrap_or(r.prepend);
        r.med = o.med.unwrap_or(r.med);
    }
    Ok(())
}

/// Generated ids (channels, facilities, routers) point at the interconnect's `id`, so that
/// sim-core errors naming them, and references to them, land on a line of the file.
fn point_generated_ids(cx: &mut Ctx<'_>, links: &[LinkSpec], span: &Range<usize>) {
    for l in links {
        cx.spans.entry(l.id.clone()).or_insert_with(|| span.clone());
        for e in [&l.facility, &l.a_router, &l.b_router].into_iter().flatten() {
            cx.spans.entry(e.clone()).or_insert_with(|| span.clone());
        }
    }
}

/// The routing policy between the two sites: convergence, ECMP width, resilient hashing.
fn adjacency(cx: &Ctx<'_>, t: &format::Interconnect, mut adj: AdjacencySpec) -> R<AdjacencySpec> {
    if let Some(c) = &t.convergence {
        adj.convergence = [c.value.0; 2];
    }
    if let Some(m) = &t.max_paths {
        if m.value == 0 || m.value > 64 {
            return cx.fail(&m.span, "max_paths must be between 1 and 64");
        }
        adj.max_paths = m.value;
    }
    if let Some(h) = &t.resilient_hashing {
        adj.resilient_buckets = match &h.value {
            Either::Bool(true) => Some(DEFAULT_RESILIENT_BUCKETS),
            Either::Bool(false) => None,
            Either::Int(n) if (1..=4096).contains(n) => Some(*n as u32),
            _ => return cx.fail(&h.span, "resilient_hashing takes true, false or a bucket count between 1 and 4096"),
        };
    }
    Ok(adj)
}
