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
use super::context::{Ctx, Decorate, claim, copies, link_queue, subst};
use super::session::session_overrides;
use super::sites::site;
use crate::error::did_you_mean;
use crate::format::{self, Either, Sp};
use crate::templates::{self, DEFAULT_RESILIENT_BUCKETS};

pub(super) fn interconnect(cx: &mut Ctx<'_>, spec: &mut ModelSpec, ic: &Sp<format::Interconnect>) -> R<()> {
    let t = &ic.value;
    let tpl = template(cx, &t.template)?;
    check_cloud_keys(cx, t, tpl)?;
    for copy in copies(cx, &t.count)? {
        let id = subst(&t.id.value, copy, true);
        let sides = [side_site(cx, t, tpl, copy, 0)?, side_site(cx, t, tpl, copy, 1)?];
        warn_undocumented_pair(cx, t, tpl, &sides);
        let mut q = quad(ic, tpl, &id, sides);
        quad_overrides(cx, t, &mut q)?;
        session_overrides(cx, t, &id, &mut q)?;
        claim(cx, &id, &t.id.span, "interconnect")?;
        note_fields(cx, t, tpl, &id);
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

/// A managed template between two regions its pairs table does not list: the hop gets the
/// template's default delay, measured or documented for another pair, so say so unless the
/// file sets the delay itself (`delay`, or a `delay` on every channel it names). A warning,
/// never an error, and it changes nothing that is simulated.
fn warn_undocumented_pair(cx: &Ctx<'_>, t: &format::Interconnect, tpl: &templates::Template, sides: &[String; 2]) {
    let Some(pairs) = tpl.pairs else { return };
    let region = |s: &str| s.split_once(':').map_or(String::new(), |p| p.1.to_string());
    let (a, b) = (region(&sides[0]), region(&sides[1]));
    // A synthetic or unlisted region is warned about already, as a region; a pair is only
    // worth a word between two real ones.
    let real = |k: usize, r: &str| crate::regions::check(tpl.clouds[k], r) == crate::regions::RegionCheck::Known;
    if !real(0, &a) || !real(1, &b) {
        return;
    }
    let n = t.channels.as_ref().map_or(4, |c| c.value) as usize;
    let all_channels_delayed = t.channel.len() >= n && t.channel.values().all(|c| c.value.delay.is_some());
    if t.delay.is_some() || all_channels_delayed || pairs.iter().any(|p| p.0 == a && p.1 == b) {
        return;
    }
    let listed: Vec<String> = pairs.iter().map(|p| format!("{} <-> {}", p.0, p.1)).collect();
    // At `template` (whose RTT it is): a region key may carry a warning of its own.
    cx.warn(
        &t.template.span,
        format!(
            "{a} <-> {b} is not a pair the `{}` template's RTT was measured or documented for: the interconnect hop gets the template's default delay ({} one way), not this pair's; set `delay` to this pair's own",
            tpl.name,
            tpl_default_delay(tpl)
        ),
        &format!("set `delay` (one way, per channel) to this pair's own, e.g. half a measured RTT; the documented pairs are {} (README \"Managed pairs\")", listed.join(", ")),
    );
}

/// The delay a template gives a pair its table does not list (what its preset falls back
/// to), as `0.75 ms`.
fn tpl_default_delay(tpl: &templates::Template) -> String {
    let d = (tpl.build)("x", "", "", 1_000_000_000).one_way_delay;
    format!("{} ms", d.as_nanos() as f64 / 1e6)
}

/// The template's quad between the two sites; presets take bare regions, so the full
/// site ids are put back afterwards.
fn quad(ic: &Sp<format::Interconnect>, tpl: &templates::Template, id: &str, sides: [String; 2]) -> presets::Quad {
    let region = |s: &str| s.split_once(':').map_or(String::new(), |p| p.1.to_string());
    let mut q = (tpl.build)(id, &region(&sides[0]), &region(&sides[1]), ic.value.bandwidth.value.0);
    let [a, b] = sides;
    q.a_site = a;
    q.b_site = b;
    q
}

/// Overrides of the quad's shape and physical layer: channel bandwidth and count,
/// facilities, MTU, MACsec and delay. Values are sim-core's to check, except the shape of
/// the quad, which must be known before its links exist.
fn quad_overrides(cx: &Ctx<'_>, t: &format::Interconnect, q: &mut presets::Quad) -> R<()> {
    if let Some(b) = &t.channel_bandwidth {
        q.channel_bps = b.value.0;
    }
    if let Some(c) = &t.channels {
        if c.value == 0 {
            return Err(cx.err(&c.span, "an interconnect needs at least one channel").label("zero channels"));
        }
        // Before `links()` allocates them: sim-core lets at most 64 links join two sites,
        // so a larger quad can never build.
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

/// Where the interconnect's own keys set what sim-core checks (`Ctx::fields`): its
/// channels' bandwidth, MTU, loss and sites, and its routing policy. Session timers are
/// noted by `session_overrides`, per-channel keys by `channel_overrides`.
fn note_fields(cx: &mut Ctx<'_>, t: &format::Interconnect, tpl: &templates::Template, id: &str) {
    let bandwidth = t.channel_bandwidth.as_ref().map_or(&t.bandwidth.span, |b| &b.span);
    cx.fields.set(id, "bandwidth", bandwidth);
    for (field, key) in [("mtu", t.mtu.as_ref().map(|k| &k.span)), ("loss", t.loss.as_ref().map(|k| &k.span))] {
        if let Some(span) = key {
            cx.fields.set(id, field, span);
        }
    }
    for (k, field) in ["a_site", "b_site"].into_iter().enumerate() {
        if let Some(s) = [&t.a, &t.b][k].as_ref().or(cloud_key(t, tpl.clouds[k]).as_ref()) {
            cx.fields.set(id, field, &s.span);
        }
    }
    let policy = [
        ("max_paths", t.max_paths.as_ref().map(|k| &k.span)),
        ("resilient_buckets", t.resilient_hashing.as_ref().map(|k| &k.span)),
        ("convergence", t.convergence.as_ref().map(|k| &k.span)),
        ("local_repair", t.local_repair.as_ref().map(|k| &k.span)),
    ];
    for (field, key) in policy {
        if let Some(span) = key {
            cx.fields.set(id, field, span);
        }
    }
}

/// The interconnect-wide `loss`, then each `[interconnect.channel.chN]` table; a channel's
/// other fields were written on the interconnect's table. Last, each channel's queue: its own
/// `queue`, else the interconnect's, else one bandwidth-delay product of the channel as
/// overridden.
fn channel_overrides(cx: &mut Ctx<'_>, t: &format::Interconnect, id: &str, channels: u32, links: &mut [LinkSpec]) -> R<()> {
    for l in links.iter_mut() {
        cx.fields.inherit(&l.id, id);
        if let Some(loss) = &t.loss {
            l.base_loss_ppm = loss.value.0;
        }
    }
    for (name, ov) in &t.channel {
        let l = channel_link(cx, links, id, name, &ov.span, channels)?;
        channel_override(cx, l, &ov.value);
    }
    for l in links.iter_mut() {
        let own = t.channel.iter().find(|(name, _)| l.id == format!("{id}/{name}")).and_then(|(_, ov)| ov.value.queue.as_ref());
        link_queue(cx, own.or(t.queue.as_ref()), l)?;
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

fn channel_override(cx: &mut Ctx<'_>, l: &mut LinkSpec, o: &format::ChannelOverride) {
    if let Some(b) = &o.bandwidth {
        l.member_bps = b.value.0;
        cx.fields.set(&l.id, "bandwidth", &b.span);
    }
    if let Some(d) = &o.delay {
        l.one_way_delay = d.value.0;
    }
    if let Some(loss) = &o.loss {
        l.base_loss_ppm = loss.value.0;
        cx.fields.set(&l.id, "loss", &loss.span);
    }
    for r in &mut l.route {
        r.local_pref = o.local_pref.unwrap_or(r.local_pref);
        r.prepend = o.prepend.unwrap_or(r.prepend);
        r.med = o.med.unwrap_or(r.med);
    }
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

/// The interconnect's routing policy (the preset's names the interconnect, so it governs
/// only its links): convergence, local repair, ECMP width, resilient hashing.
fn adjacency(cx: &Ctx<'_>, t: &format::Interconnect, mut adj: AdjacencySpec) -> R<AdjacencySpec> {
    if let Some(c) = &t.convergence {
        adj.convergence = [c.value.0; 2];
    }
    match &t.local_repair {
        Some(r) => adj.local_repair = [r.value.0; 2],
        // A control plane set faster than the default local repair bounds it.
        None => adj.local_repair = [adj.local_repair[0].min(adj.convergence[0]), adj.local_repair[1].min(adj.convergence[1])],
    }
    if let Some(m) = &t.max_paths {
        adj.max_paths = m.value;
    }
    if let Some(h) = &t.resilient_hashing {
        let bad = || cx.err(&h.span, "resilient_hashing takes true, false or a bucket count");
        adj.resilient_buckets = match &h.value {
            Either::Bool(true) => Some(DEFAULT_RESILIENT_BUCKETS),
            Either::Bool(false) => None,
            Either::Int(n) => Some(u32::try_from(*n).map_err(|_| bad())?),
            _ => return Err(bad()),
        };
    }
    Ok(adj)
}
