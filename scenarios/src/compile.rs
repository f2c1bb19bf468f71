//! From text to a validated `sim_core::ModelSpec`: parse the TOML, apply templates and
//! overrides, expand `count` replication, check every reference and value, and point each
//! problem at its line.
//!
//! Checks happen here, with spans, wherever the file's structure is known (ids, targets,
//! triggers, units, zero values). sim-core's `Model::build` runs last as a guard; its errors
//! name elements by id, and are mapped back to the span of the id they mention. This module
//! does not run simulations or judge results (see `expect`).

use std::collections::BTreeMap;
use std::ops::Range;

use sim_core::model::{Element, Model};
use sim_core::spec::*;
use sim_core::{BuildError, SimDuration, SimTime, presets};

use crate::error::{Diagnostic, did_you_mean};
use crate::expect::Expectations;
use crate::format::{self, Either, Sp};
use crate::templates::{self, DEFAULT_DRAIN_WAIT, DEFAULT_RESILIENT_BUCKETS};
use crate::units::{Dur, Percent, Throughput, fmt_bps};

type R<T> = Result<T, Box<Diagnostic>>;

/// `label`/`help` on boxed diagnostics, so checks can chain them before returning.
trait Decorate {
    fn label(self, l: impl Into<String>) -> Self;
    fn help(self, h: impl Into<String>) -> Self;
}

impl Decorate for Box<Diagnostic> {
    fn label(mut self, l: impl Into<String>) -> Self {
        self.label = Some(l.into());
        self
    }
    fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
}

struct Ctx<'a> {
    origin: &'a str,
    text: &'a str,
    /// Where each generated element id was written (its table's `id`).
    spans: BTreeMap<String, Range<usize>>,
    duration: SimDuration,
}

impl Ctx<'_> {
    fn err(&self, span: &Range<usize>, msg: impl Into<String>) -> Box<Diagnostic> {
        Box::new(Diagnostic::new(self.origin, self.text, span.clone(), msg))
    }
    fn fail<T>(&self, span: &Range<usize>, msg: impl Into<String>) -> R<T> {
        Err(self.err(span, msg))
    }
    fn positive(&self, d: &Sp<Dur>, what: &str) -> R<SimDuration> {
        if d.value.0 == SimDuration::ZERO {
            return Err(self.err(&d.span, format!("{what} must be positive")).label("a zero duration is not allowed here"));
        }
        Ok(d.value.0)
    }
}

/// Parses and compiles a scenario's text; its display name names it in messages.
pub(crate) fn compile(source: crate::Source) -> R<crate::Scenario> {
    let origin = &source.display_name();
    let text = &source.text;
    let file: format::File = toml::from_str(text).map_err(|e| Box::new(toml_error(origin, text, &e)))?;
    let mut cx = Ctx { origin, text, spans: BTreeMap::new(), duration: SimDuration::ZERO };
    let sc = &file.scenario.value;
    if sc.name.value.trim().is_empty() {
        return cx.fail(&sc.name.span, "the scenario name is empty");
    }
    cx.duration = cx.positive(&sc.duration, "the scenario duration")?;
    if cx.duration > sim_core::model::MAX_DURATION {
        return Err(cx
            .err(&sc.duration.span, format!("a run of {} is longer than the 366 days faultline simulates", cx.duration))
            .help("split a long availability study into runs of a day or a month, each with its own seed"));
    }
    let mut spec = ModelSpec { duration: cx.duration, ..ModelSpec::default() };

    for ic in &file.interconnect {
        interconnect(&mut cx, &mut spec, ic)?;
    }
    for v in &file.vpn {
        vpn(&mut cx, &mut spec, v)?;
    }
    for b in &file.backbone {
        backbone(&mut cx, &mut spec, b)?;
    }
    for e in &file.endpoint {
        endpoint(&mut cx, &mut spec, e)?;
    }
    // Build the topology alone first: its ids are what traffic, faults and alarms may name.
    let topo = Model::build(&spec).map_err(|e| build_error(&cx, &e, &file.scenario.span))?;
    for t in &file.traffic {
        traffic(&mut cx, &mut spec, &topo, t)?;
    }
    faults(&mut cx, &mut spec, &topo, &file.fault)?;
    for (i, r) in file.random_faults.iter().enumerate() {
        random_faults(&mut cx, &mut spec, i, r)?;
    }
    for a in &file.alarm {
        alarm(&mut cx, &mut spec, &topo, a)?;
    }
    runbook(&mut cx, &mut spec, &topo, &file.runbook)?;
    let expect = match &file.expect {
        Some(e) => expectations(&cx, &spec, e)?,
        None => Expectations::default(),
    };
    Model::build(&spec).map_err(|e| build_error(&cx, &e, &file.scenario.span))?;
    Ok(crate::Scenario {
        name: sc.name.value.clone(),
        summary: sc.summary.clone().unwrap_or_default(),
        seed: sc.seed.unwrap_or(1),
        duration: cx.duration,
        spec,
        expect,
        source: source.clone(),
    })
}

/// Turns a toml/serde error into a diagnostic, adding the section and a "did you mean".
fn toml_error(origin: &str, text: &str, e: &toml::de::Error) -> Diagnostic {
    let span = e.span().unwrap_or(0..0);
    let msg = e.message().trim();
    let (first, rest) = msg.split_once('\n').unwrap_or((msg, ""));
    let section = section_at(text, span.start);
    let ticks: Vec<&str> = first.split('`').skip(1).step_by(2).collect();
    if let Some(after) = first.strip_prefix("unknown field ") {
        let key = ticks.first().copied().unwrap_or("");
        let expected: Vec<&str> = if after.contains("expected") { ticks[1..].to_vec() } else { Vec::new() };
        let in_header = line_at(text, span.start).trim_start().starts_with('[');
        let what = if in_header { "table" } else { "key" };
        let mut d = Diagnostic::new(origin, text, span, format!("unknown {what} `{key}` in {section}"));
        if let Some(s) = did_you_mean(key, expected.iter().copied()) {
            d = d.label(format!("did you mean `{s}`?"));
        }
        if !expected.is_empty() {
            d = d.help(format!("the keys allowed here are: {}", expected.join(", ")));
        }
        return d;
    }
    if let Some(key) = first.strip_prefix("missing field ") {
        // The span is the table itself, so its header names the section.
        let header = line_at(text, span.start).trim();
        let section = if header.starts_with('[') { header.to_string() } else { section };
        return Diagnostic::new(origin, text, span, format!("missing key {key} in {section}"))
            .help("see the 'Scenario format' section of README.md for the keys each table needs");
    }
    let mut d = Diagnostic::new(origin, text, span, first.to_string());
    if !rest.trim().is_empty() {
        d = d.help(rest.trim().replace('\n', " "));
    }
    d
}

fn line_at(text: &str, at: usize) -> &str {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// The nearest table header above `at` (`[[interconnect]]`), or "the top level".
fn section_at(text: &str, at: usize) -> String {
    let at = at.min(text.len());
    let cur = line_at(text, at).trim();
    if cur.starts_with('[') {
        return "the top level".to_string();
    }
    for line in text[..at].lines().rev() {
        let l = line.trim();
        if l.starts_with('[') {
            return l.split('#').next().unwrap_or(l).trim().to_string();
        }
    }
    "the top level".to_string()
}

/// Maps a sim-core error to the span of the first element id it mentions.
fn build_error(cx: &Ctx<'_>, e: &BuildError, fallback: &Range<usize>) -> Box<Diagnostic> {
    let msg = e.to_string();
    let span = msg.split('`').skip(1).step_by(2).find_map(|id| cx.spans.get(id)).unwrap_or(fallback);
    cx.err(span, msg)
}

/// Substitutes the copy number for `{n}`; ids without `{n}` get it appended.
fn subst(s: &str, n: Option<(u32, usize)>, append: bool) -> String {
    match n {
        None => s.to_string(),
        Some((n, w)) => {
            let num = format!("{n:0w$}");
            if s.contains("{n}") {
                s.replace("{n}", &num)
            } else if append {
                format!("{s}{num}")
            } else {
                s.to_string()
            }
        }
    }
}

fn copies(cx: &Ctx<'_>, count: &Option<Sp<u32>>) -> R<Vec<Option<(u32, usize)>>> {
    match count {
        None => Ok(vec![None]),
        Some(c) => {
            if c.value == 0 || c.value > 100_000 {
                return cx.fail(&c.span, format!("count must be between 1 and 100000, not {}", c.value));
            }
            let w = c.value.to_string().len().max(4);
            Ok((1..=c.value).map(|n| Some((n, w))).collect())
        }
    }
}

/// Checks `cloud:region` syntax.
fn site(cx: &Ctx<'_>, s: &Sp<String>, text: &str) -> R<String> {
    let Some((cloud, region)) = text.split_once(':') else {
        return Err(cx.err(&s.span, format!("`{text}` is not a site")).label("write sites as cloud:region, e.g. \"aws:us-east-1\""));
    };
    if Cloud::parse(cloud).is_none() {
        let mut d = cx.err(&s.span, format!("unknown cloud `{cloud}` in site `{text}`"));
        d = match did_you_mean(cloud, ["aws", "gcp", "azure", "onprem"]) {
            Some(n) => d.label(format!("did you mean `{n}`?")),
            None => d.label("clouds are aws, gcp, azure and onprem"),
        };
        return Err(d);
    }
    if region.is_empty() || region.contains(char::is_whitespace) {
        return cx.fail(&s.span, format!("`{text}` has an empty or spaced region"));
    }
    Ok(text.to_string())
}

fn claim(cx: &mut Ctx<'_>, id: &str, span: &Range<usize>, what: &str) -> R<()> {
    if id.is_empty() {
        return cx.fail(span, format!("the {what} id is empty"));
    }
    if let Some(prev) = cx.spans.get(id) {
        let line = cx.text[..prev.start.min(cx.text.len())].matches('\n').count() + 1;
        return Err(cx.err(span, format!("duplicate id `{id}`")).label(format!("already used on line {line}")));
    }
    cx.spans.insert(id.to_string(), span.clone());
    Ok(())
}

fn interconnect(cx: &mut Ctx<'_>, spec: &mut ModelSpec, ic: &Sp<format::Interconnect>) -> R<()> {
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

/// The quad's BGP session, which timer keys need; some templates have none.
fn session<'q>(cx: &Ctx<'_>, q: &'q mut presets::Quad, span: &Range<usize>) -> R<&'q mut SessionSpec> {
    q.session.as_mut().ok_or_else(|| cx.err(span, "this template has no BGP session to configure"))
}

/// BFD and BGP timers: `bfd` for both sides first, then `bfd_a`/`bfd_b`, then `bgp`,
/// `bgp_a`, `bgp_b`, so a per-side key refines the shared one.
fn session_overrides(cx: &Ctx<'_>, t: &format::Interconnect, q: &mut presets::Quad) -> R<()> {
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

fn vpn(cx: &mut Ctx<'_>, spec: &mut ModelSpec, v: &Sp<format::Vpn>) -> R<()> {
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

fn backbone(cx: &mut Ctx<'_>, spec: &mut ModelSpec, b: &Sp<format::Backbone>) -> R<()> {
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
fn bgp_timers(cx: &Ctx<'_>, b: &Sp<format::BgpTable>, timers: &mut sim_core::spec::BgpTimers) -> R<()> {
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

fn endpoint(cx: &mut Ctx<'_>, spec: &mut ModelSpec, e: &Sp<format::Endpoint>) -> R<()> {
    let t = &e.value;
    let site = site(cx, &t.site, &t.site.value)?;
    if !spec.links.iter().any(|l| l.a_site == site || l.b_site == site) {
        return cx.fail(&t.site.span, format!("no interconnect, vpn or backbone reaches `{site}`"));
    }
    claim(cx, &t.id.value, &t.id.span, "endpoint")?;
    spec.endpoints.push(sim_core::spec::EndpointSpec { id: t.id.value.clone(), site });
    Ok(())
}

fn site_ids(topo: &Model) -> impl Iterator<Item = &str> {
    topo.sites.iter().map(|s| s.id.as_str())
}

/// Checks a route of sites against the topology: every site exists, every hop has a link.
fn route(cx: &Ctx<'_>, topo: &Model, entries: &[(String, Range<usize>)]) -> R<Vec<String>> {
    // The first and last entries may be endpoints: they stand for their sites here.
    let last = entries.len().saturating_sub(1);
    let mut sites = Vec::with_capacity(entries.len());
    for (i, (s, span)) in entries.iter().enumerate() {
        match topo.element(s) {
            Some(Element::Endpoint(e)) if i == 0 || i == last => {
                sites.push((topo.sites[topo.endpoints[e.index()].site.index()].id.clone(), span.clone()))
            }
            Some(Element::Endpoint(_)) => {
                return cx.fail(span, format!("`{s}` is an endpoint: only the first and last entries of a route may be endpoints"));
            }
            _ => sites.push((s.clone(), span.clone())),
        }
    }
    for (s, span) in &sites {
        if !matches!(topo.element(s), Some(Element::Site(_))) {
            let mut d = cx.err(span, format!("unknown site `{s}`: no interconnect, vpn or backbone reaches it"));
            if let Some(n) = did_you_mean(s, site_ids(topo)) {
                d = d.label(format!("did you mean `{n}`?"));
            }
            return Err(d);
        }
    }
    for w in sites.windows(2) {
        if w[0].0 == w[1].0 {
            return cx.fail(&w[1].1, format!("the route visits `{}` twice in a row", w[0].0));
        }
        let joined = topo.adjacencies.iter().any(|a| {
            let ids = [topo.sites[a.sites[0].index()].id.as_str(), topo.sites[a.sites[1].index()].id.as_str()];
            (ids[0] == w[0].0 && ids[1] == w[1].0) || (ids[1] == w[0].0 && ids[0] == w[1].0)
        });
        if !joined {
            return Err(cx
                .err(&w[1].1, format!("no link joins `{}` and `{}`", w[0].0, w[1].0))
                .help("add an [[interconnect]], [[vpn]] or [[backbone]] between them, or route through an intermediate site with `via`"));
        }
    }
    Ok(entries.iter().map(|s| s.0.clone()).collect())
}

fn traffic(cx: &mut Ctx<'_>, spec: &mut ModelSpec, topo: &Model, t: &Sp<format::Traffic>) -> R<()> {
    let g = &t.value;
    check_volume(cx, g)?;
    let tcp = tcp_model(cx, t)?;
    let fidelity = choice(cx, &g.fidelity, &t.span, "fidelity", FIDELITIES, Fidelity::Fluid, FIDELITY_HELP)?;
    let packet = packet_options(cx, t, fidelity)?;
    let start = match &g.start {
        Some(s) if s.value.0 >= cx.duration => {
            return cx.fail(&s.span, format!("the traffic starts at {}, not before the end of the run ({})", s.value.0, cx.duration));
        }
        Some(s) => SimTime::ZERO + s.value.0,
        None => SimTime::ZERO,
    };
    for copy in copies(cx, &g.count)? {
        let id = subst(&g.id.value, copy, true);
        if topo.element(&id).is_some() {
            return cx.fail(&g.id.span, format!("duplicate id `{id}`: it already names a {}", topo.element(&id).map_or("", |e| e.class())));
        }
        claim(cx, &id, &g.id.span, "traffic")?;
        let mut sites = vec![(subst(&g.from.value, copy, false), g.from.span.clone())];
        sites.extend(g.via.iter().map(|v| (subst(&v.value, copy, false), v.span.clone())));
        sites.push((subst(&g.to.value, copy, false), g.to.span.clone()));
        let route = route(cx, topo, &sites)?;
        spec.traffic.push(TrafficSpec {
            id,
            route,
            flows: g.flows.value,
            demand_bps: g.rate.as_ref().map(|r| r.value.0),
            bytes_per_flow: g.bytes.as_ref().map(|b| b.value.0),
            start,
            tcp,
            replication: g.replication,
            fidelity,
            packet,
        });
    }
    Ok(())
}

/// Flows, rate and bytes per flow: each must be non-zero when given.
fn check_volume(cx: &Ctx<'_>, g: &format::Traffic) -> R<()> {
    if g.flows.value == 0 {
        return Err(cx.err(&g.flows.span, "flows must be at least 1").label("a traffic group with no flows carries nothing"));
    }
    if let Some(r) = &g.rate
        && r.value.0 == 0
    {
        return Err(cx.err(&r.span, "rate must be positive").help("omit `rate` for bulk flows limited only by the network"));
    }
    if let Some(b) = &g.bytes
        && b.value.0 == 0
    {
        return cx.fail(&b.span, "bytes per flow must be positive (omit it for flows that run to the end)");
    }
    Ok(())
}

const TCP_MODELS: &[(&str, TcpSpec)] = &[("linux", TcpSpec::LINUX), ("smoltcp", TcpSpec::SMOLTCP)];
const TCP_HELP: &str = "tcp is \"linux\" (RTO min 200 ms) or \"smoltcp\" (RTO min 1 s)";
const FIDELITIES: &[(&str, Fidelity)] = &[("fluid", Fidelity::Fluid), ("packet", Fidelity::Packet)];
const FIDELITY_HELP: &str = "fidelity is \"fluid\" (rates and a TCP model) or \"packet\" (smoltcp TCP, packets hop by hop)";
const CONGESTION_CONTROLS: &[(&str, CongestionControl)] = &[("cubic", CongestionControl::Cubic), ("reno", CongestionControl::Reno)];
const CC_HELP: &str = "cc is \"cubic\" (default) or \"reno\"";

/// A keyword choice (`tcp = "linux"`): `default` when absent, otherwise one of `options`, with
/// a suggestion for a near miss. `fallback` is the span for errors when the key is absent.
fn choice<T: Copy>(
    cx: &Ctx<'_>,
    key: &Option<Sp<String>>,
    fallback: &Range<usize>,
    what: &str,
    options: &[(&str, T)],
    default: T,
    help: &str,
) -> R<T> {
    let Some(other) = key.as_ref().map(|s| s.value.as_str()) else { return Ok(default) };
    if let Some((_, v)) = options.iter().find(|(name, _)| *name == other) {
        return Ok(*v);
    }
    let span = key.as_ref().map_or(fallback, |s| &s.span);
    let mut d = cx.err(span, format!("unknown {what} `{other}`"));
    if let Some(n) = did_you_mean(other, options.iter().map(|(name, _)| *name)) {
        d = d.label(format!("did you mean `{n}`?"));
    }
    Err(d.help(help))
}

/// The TCP model with its RTO overrides, which must leave rto_max at or above rto_min.
fn tcp_model(cx: &Ctx<'_>, t: &Sp<format::Traffic>) -> R<TcpSpec> {
    let g = &t.value;
    let mut tcp = choice(cx, &g.tcp, &t.span, "TCP model", TCP_MODELS, TcpSpec::LINUX, TCP_HELP)?;
    if let Some(d) = &g.rto_min {
        tcp.rto_min = cx.positive(d, "rto_min")?;
    }
    if let Some(d) = &g.rto_initial {
        tcp.rto_initial = cx.positive(d, "rto_initial")?;
    }
    if let Some(d) = &g.rto_max {
        tcp.rto_max = cx.positive(d, "rto_max")?;
    }
    if tcp.rto_max < tcp.rto_min {
        let span = g.rto_max.as_ref().or(g.rto_min.as_ref()).map_or(&t.span, |s| &s.span);
        return cx.fail(span, format!("rto_max {} is below rto_min {}", tcp.rto_max, tcp.rto_min));
    }
    Ok(tcp)
}

/// `cc` and `buffer`, which only packet fidelity uses, and packet fidelity's flow limit.
fn packet_options(cx: &Ctx<'_>, t: &Sp<format::Traffic>, fidelity: Fidelity) -> R<PacketOptions> {
    let g = &t.value;
    let cc = choice(cx, &g.cc, &t.span, "congestion control", CONGESTION_CONTROLS, CongestionControl::Cubic, CC_HELP)?;
    if fidelity == Fidelity::Fluid
        && let Some(s) = g.cc.as_ref().map(|c| &c.span).or(g.buffer.as_ref().map(|b| &b.span))
    {
        return cx.fail(s, "`cc` and `buffer` apply to packet fidelity only; add fidelity = \"packet\"");
    }
    if let Some(b) = &g.buffer
        && !(4096..=(1u64 << 30)).contains(&b.value.0)
    {
        return cx.fail(&b.span, "buffer must be between 4 KiB and 1 GiB (smoltcp's window-scaling limit)");
    }
    if fidelity == Fidelity::Packet && g.flows.value > 1024 {
        return cx.fail(&g.flows.span, "packet fidelity runs a TCP stack per flow: at most 1024 flows per group (use fluid for more)");
    }
    Ok(PacketOptions { cc, buffer_bytes: g.buffer.as_ref().map(|b| b.value.0) })
}

/// Looks up an element the file names, with a suggestion when it does not exist.
fn element(cx: &Ctx<'_>, topo: &Model, name: &Sp<String>, what: &str) -> R<Element> {
    topo.element(&name.value).ok_or_else(|| {
        let mut d = cx.err(&name.span, format!("unknown {what} `{}`", name.value));
        if let Some(n) = sim_core::model::nearest(&name.value, topo.ids().map(|(k, _)| k)) {
            d = d.label(format!("did you mean `{n}`?"));
        }
        d
    })
}

fn expect_class(cx: &Ctx<'_>, name: &Sp<String>, e: Element, ok: &[&str], action: &str) -> R<()> {
    if ok.contains(&e.class()) {
        return Ok(());
    }
    cx.fail(&name.span, format!("`{}` is a {}; `{action}` needs a {}", name.value, e.class(), ok.join(" or ")))
}

const ACTION_KEYS: &str = "cut, blackhole, degrade, partition, flap, router_down, facility_down, site_down, region_down, endpoint_down, bgp_reset, bfd_disable, drain";

/// The element classes that link-level fault actions apply to.
const LINK_LIKE: [&str; 2] = ["link", "interconnect"];

fn faults(cx: &mut Ctx<'_>, spec: &mut ModelSpec, topo: &Model, list: &[Sp<format::Fault>]) -> R<()> {
    // Ids come first, as a whole, so that `after` may name a fault defined further down.
    let ids: Vec<(String, Range<usize>)> = list
        .iter()
        .enumerate()
        .map(|(i, f)| f.value.id.as_ref().map_or_else(|| (format!("f{}", i + 1), f.span.clone()), |s| (s.value.clone(), s.span.clone())))
        .collect();
    for (id, span) in &ids {
        claim(cx, id, span, "fault")?;
    }
    for (f, (id, _)) in list.iter().zip(&ids) {
        let trigger = fault_trigger(cx, f, id, &ids)?;
        check_one_action(cx, f, id)?;
        let (target, action) = fault_action(cx, topo, f)?;
        cx.spans.insert(target.value.clone(), target.span.clone());
        let duration = match &f.value.for_ {
            Some(d) => Some(cx.positive(d, "a fault's `for`")?),
            None => None,
        };
        spec.faults.push(FaultSpec { id: id.clone(), target: target.value, action, trigger, duration });
    }
    check_fault_chains(cx, &spec.faults, list)
}

/// `at` a time before the end of the run, or `after` another fault (plus an optional `delay`).
fn fault_trigger(cx: &Ctx<'_>, f: &Sp<format::Fault>, id: &str, ids: &[(String, Range<usize>)]) -> R<Trigger> {
    let t = &f.value;
    match (&t.at, &t.after) {
        (Some(at), None) => {
            if let Some(d) = &t.delay {
                return cx.fail(&d.span, "`delay` goes with `after`; with `at`, write the time directly");
            }
            if at.value.0 >= cx.duration {
                return Err(cx
                    .err(&at.span, format!("fault `{id}` starts at {}, after the end of the run", at.value.0))
                    .help(format!("the scenario lasts {}; start the fault earlier or make the run longer", cx.duration)));
            }
            Ok(Trigger::At(SimTime::ZERO + at.value.0))
        }
        (None, Some(after)) => {
            if !ids.iter().any(|(k, _)| *k == after.value) {
                let mut d = cx.err(&after.span, format!("`after` names an unknown fault `{}`", after.value));
                if let Some(n) = did_you_mean(&after.value, ids.iter().map(|(k, _)| k.as_str())) {
                    d = d.label(format!("did you mean `{n}`?"));
                }
                return Err(d);
            }
            Ok(Trigger::After { fault: after.value.clone(), delay: t.delay.as_ref().map_or(SimDuration::ZERO, |d| d.value.0) })
        }
        (Some(at), Some(_)) => cx.fail(&at.span, "a fault starts either `at` a time or `after` another fault, not both"),
        (None, None) => Err(cx.err(&f.span, format!("fault `{id}` has no start")).help("add `at = \"30s\"` or `after = \"other-fault\"`")),
    }
}

/// The action keys a fault table sets, in `ACTION_KEYS` order, with their spans.
fn action_keys(t: &format::Fault) -> Vec<(&'static str, Range<usize>)> {
    let s = |o: &Option<Sp<String>>| o.as_ref().map(|x| x.span.clone());
    [
        ("cut", s(&t.cut)),
        ("blackhole", s(&t.blackhole)),
        ("degrade", t.degrade.as_ref().map(|x| x.span.clone())),
        ("partition", t.partition.as_ref().map(|x| x.span.clone())),
        ("flap", t.flap.as_ref().map(|x| x.span.clone())),
        ("router_down", s(&t.router_down)),
        ("facility_down", s(&t.facility_down)),
        ("site_down", s(&t.site_down)),
        ("region_down", s(&t.region_down)),
        ("endpoint_down", s(&t.endpoint_down)),
        ("bgp_reset", s(&t.bgp_reset)),
        ("bfd_disable", s(&t.bfd_disable)),
        ("drain", t.drain.as_ref().map(|x| x.span.clone())),
    ]
    .into_iter()
    .filter_map(|(k, span)| span.map(|span| (k, span)))
    .collect()
}

/// A fault has exactly one action; a second one is reported where it is written.
fn check_one_action(cx: &Ctx<'_>, f: &Sp<format::Fault>, id: &str) -> R<()> {
    let actions = action_keys(&f.value);
    match actions.len() {
        0 => Err(cx.err(&f.span, format!("fault `{id}` has no action")).help(format!("add exactly one of: {ACTION_KEYS}"))),
        1 => Ok(()),
        _ => cx.fail(
            &actions[1].1,
            format!("fault `{id}` has two actions, `{}` and `{}`; write one [[fault]] per action", actions[0].0, actions[1].0),
        ),
    }
}

/// The target and action of a fault with exactly one action key.
fn fault_action(cx: &Ctx<'_>, topo: &Model, f: &Sp<format::Fault>) -> R<(Sp<String>, FaultAction)> {
    let t = &f.value;
    if let Some(x) = &t.cut {
        named_target(cx, topo, x, &LINK_LIKE, "cut", FaultAction::Down)
    } else if let Some(x) = &t.blackhole {
        named_target(cx, topo, x, &LINK_LIKE, "blackhole", FaultAction::Blackhole)
    } else if let Some(x) = &t.router_down {
        named_target(cx, topo, x, &["router"], "router_down", FaultAction::Down)
    } else if let Some(x) = &t.facility_down {
        named_target(cx, topo, x, &["facility"], "facility_down", FaultAction::Down)
    } else if let Some(x) = t.site_down.as_ref().or(t.region_down.as_ref()) {
        named_target(cx, topo, x, &["site"], "site_down", FaultAction::Down)
    } else if let Some(x) = &t.endpoint_down {
        named_target(cx, topo, x, &["endpoint"], "endpoint_down", FaultAction::Down)
    } else if let Some(x) = &t.bgp_reset {
        named_target(cx, topo, x, &LINK_LIKE, "bgp_reset", FaultAction::BgpReset)
    } else if let Some(x) = &t.bfd_disable {
        named_target(cx, topo, x, &LINK_LIKE, "bfd_disable", FaultAction::BfdDisable)
    } else if let Some(d) = &t.degrade {
        degrade(cx, topo, d)
    } else if let Some(p) = &t.partition {
        partition(cx, topo, p)
    } else if let Some(fl) = &t.flap {
        flap(cx, topo, &fl.value)
    } else if let Some(dr) = &t.drain {
        drain(cx, topo, dr)
    } else {
        cx.fail(&f.span, "fault without an action")
    }
}

/// An action whose key's value is the target (`cut = "link-id"`), which must be one of
/// `classes`.
fn named_target(
    cx: &Ctx<'_>,
    topo: &Model,
    x: &Sp<String>,
    classes: &[&str],
    key: &str,
    action: FaultAction,
) -> R<(Sp<String>, FaultAction)> {
    let e = element(cx, topo, x, "fault target")?;
    expect_class(cx, x, e, classes, key)?;
    Ok((x.clone(), action))
}

/// `degrade = { target, loss, delay, jitter, capacity }`: unset impairments stay neutral.
fn degrade(cx: &Ctx<'_>, topo: &Model, d: &Sp<format::DegradeTable>) -> R<(Sp<String>, FaultAction)> {
    let g = &d.value;
    let e = element(cx, topo, &g.target, "fault target")?;
    expect_class(cx, &g.target, e, &LINK_LIKE, "degrade")?;
    if g.loss.is_none() && g.delay.is_none() && g.jitter.is_none() && g.capacity.is_none() {
        return cx.fail(&d.span, "degrade needs at least one of loss, delay, jitter, capacity");
    }
    let deg = Degradation {
        loss_ppm: g.loss.as_ref().map_or(0, |x| x.value.0),
        extra_delay: g.delay.as_ref().map_or(SimDuration::ZERO, |x| x.value.0),
        jitter: g.jitter.as_ref().map_or(SimDuration::ZERO, |x| x.value.0),
        capacity_ppm: g.capacity.as_ref().map_or(1_000_000, |x| x.value.0),
    };
    Ok((g.target.clone(), FaultAction::Degrade(deg)))
}

const DIRECTIONS: &[(&str, Direction)] = &[("a-to-b", Direction::AToB), ("b-to-a", Direction::BToA), ("both", Direction::Both)];

/// `partition = "target"` (both directions) or `{ target, direction }`.
fn partition(cx: &Ctx<'_>, topo: &Model, p: &Sp<Either<format::PartitionTable>>) -> R<(Sp<String>, FaultAction)> {
    let (target, dir) = match &p.value {
        Either::Str(s) => (Sp::new(s.clone(), p.span.clone()), Direction::Both),
        Either::Table(pt) => {
            let help = "direction is \"a-to-b\", \"b-to-a\" or \"both\"";
            (pt.target.clone(), choice(cx, &pt.direction, &p.span, "direction", DIRECTIONS, Direction::Both, help)?)
        }
        _ => return cx.fail(&p.span, "partition takes a target or { target = \"...\", direction = \"a-to-b\" }"),
    };
    let e = element(cx, topo, &target, "fault target")?;
    expect_class(cx, &target, e, &LINK_LIKE, "partition")?;
    Ok((target, FaultAction::Partition(dir)))
}

/// `flap = { target, period, duty, count }`: `count` cycles, up for `duty` of each period.
fn flap(cx: &Ctx<'_>, topo: &Model, g: &format::FlapTable) -> R<(Sp<String>, FaultAction)> {
    let e = element(cx, topo, &g.target, "fault target")?;
    expect_class(cx, &g.target, e, &LINK_LIKE, "flap")?;
    let period = cx.positive(&g.period, "the flap period")?;
    if g.count.value == 0 {
        return cx.fail(&g.count.span, "count must be at least 1");
    }
    if g.duty.value.0 == 0 || g.duty.value.0 >= 1_000_000 {
        return cx.fail(&g.duty.span, "duty (the share of each period the link is up) must be strictly between 0% and 100%");
    }
    Ok((g.target.clone(), FaultAction::Flap { period, up_ppm: g.duty.value.0, count: g.count.value }))
}

/// `drain = "target"` or `{ target, wait }`: prepend, wait, then take the link down.
fn drain(cx: &Ctx<'_>, topo: &Model, dr: &Sp<Either<format::DrainTable>>) -> R<(Sp<String>, FaultAction)> {
    let (target, wait) = match &dr.value {
        Either::Str(s) => (Sp::new(s.clone(), dr.span.clone()), DEFAULT_DRAIN_WAIT),
        Either::Table(d) => (d.target.clone(), d.wait.as_ref().map_or(DEFAULT_DRAIN_WAIT, |w| w.value.0)),
        _ => return cx.fail(&dr.span, "drain takes a target or { target = \"...\", wait = \"30s\" }"),
    };
    let e = element(cx, topo, &target, "fault target")?;
    expect_class(cx, &target, e, &LINK_LIKE, "drain")?;
    Ok((target, FaultAction::Drain { wait }))
}

/// Resolves `after` chains: each fault's start, summed along its chain, must come before
/// the end of the run, and no chain may loop back on itself.
fn check_fault_chains(cx: &Ctx<'_>, faults: &[FaultSpec], list: &[Sp<format::Fault>]) -> R<()> {
    for (i, f) in faults.iter().enumerate() {
        let mut t = SimDuration::ZERO;
        let mut cur = f;
        let mut seen = vec![f.id.clone()];
        loop {
            match &cur.trigger {
                Trigger::At(at) => {
                    t = t + SimDuration(at.as_nanos());
                    break;
                }
                Trigger::After { fault, delay } => {
                    t = t + *delay;
                    if seen.contains(fault) {
                        seen.push(fault.clone());
                        let span = list[i].value.after.as_ref().map_or(&list[i].span, |a| &a.span);
                        return cx.fail(span, format!("faults form a loop of `after` triggers: {}", seen.join(" -> ")));
                    }
                    seen.push(fault.clone());
                    match faults.iter().find(|g| &g.id == fault) {
                        Some(next) => cur = next,
                        None => break,
                    }
                }
            }
        }
        if t >= cx.duration {
            let span =
                list[i].value.delay.as_ref().map_or_else(|| list[i].value.after.as_ref().map_or(&list[i].span, |a| &a.span), |d| &d.span);
            return Err(cx
                .err(span, format!("fault `{}` starts at {t}, after the end of the run", f.id))
                .help(format!("the scenario lasts {}", cx.duration)));
        }
    }
    Ok(())
}

fn random_faults(cx: &mut Ctx<'_>, spec: &mut ModelSpec, i: usize, r: &Sp<format::RandomFaults>) -> R<()> {
    let t = &r.value;
    let (id, span) = t.id.as_ref().map_or_else(|| (format!("r{}", i + 1), r.span.clone()), |s| (s.value.clone(), s.span.clone()));
    claim(cx, &id, &span, "random_faults")?;
    let class = match t.class.value.as_str() {
        "channel" => ElementClass::Channel,
        "router" => ElementClass::Router,
        "facility" => ElementClass::Facility,
        other => {
            let mut d = cx.err(&t.class.span, format!("unknown element class `{other}`"));
            if let Some(n) = did_you_mean(other, ["channel", "router", "facility"]) {
                d = d.label(format!("did you mean `{n}`?"));
            }
            return Err(d.help("class is \"channel\", \"router\" or \"facility\""));
        }
    };
    let action = match t.action.as_ref().map(|a| a.value.as_str()) {
        None | Some("cut") | Some("down") => FaultAction::Down,
        Some(a) if class == ElementClass::Channel => match a {
            "blackhole" => FaultAction::Blackhole,
            "bgp_reset" => FaultAction::BgpReset,
            "bfd_disable" => FaultAction::BfdDisable,
            other => {
                let span = t.action.as_ref().map_or(&r.span, |a| &a.span);
                let mut d = cx.err(span, format!("unknown random fault action `{other}`"));
                if let Some(n) = did_you_mean(other, ["cut", "blackhole", "bgp_reset", "bfd_disable"]) {
                    d = d.label(format!("did you mean `{n}`?"));
                }
                return Err(d.help("for channels: cut, blackhole, bgp_reset or bfd_disable"));
            }
        },
        Some(other) => {
            let span = t.action.as_ref().map_or(&r.span, |a| &a.span);
            return cx.fail(span, format!("routers and facilities can only be `cut` (taken down), not `{other}`"));
        }
    };
    let mtbf = cx.positive(&t.mtbf, "mtbf")?;
    let mttr = cx.positive(&t.mttr, "mttr")?;
    spec.random_faults.push(RandomFaultSpec { id, class, action, mtbf, mttr, max_faults: t.max.unwrap_or(0) });
    Ok(())
}

fn group(cx: &Ctx<'_>, spec: &ModelSpec, name: &Sp<String>) -> R<String> {
    if spec.traffic.iter().any(|g| g.id == name.value) {
        return Ok(name.value.clone());
    }
    let mut d = cx.err(&name.span, format!("unknown traffic group `{}`", name.value));
    if let Some(n) = did_you_mean(&name.value, spec.traffic.iter().map(|g| g.id.as_str())) {
        d = d.label(format!("did you mean `{n}`?"));
    }
    Err(d)
}

fn alarm(cx: &mut Ctx<'_>, spec: &mut ModelSpec, topo: &Model, a: &Sp<format::Alarm>) -> R<()> {
    let t = &a.value;
    claim(cx, &t.id.value, &t.id.span, "alarm")?;
    let n = usize::from(t.below.is_some()) + usize::from(t.session_down.is_some()) + usize::from(t.unreachable.is_some());
    if n != 1 {
        return Err(cx
            .err(&t.id.span, format!("alarm `{}` needs exactly one condition", t.id.value))
            .help("one of below = {...}, session_down = {...}, unreachable = {...}"));
    }
    let condition = if let Some(b) = &t.below {
        let g = &b.value;
        if g.threshold.value.0 == 0 {
            return cx.fail(&g.threshold.span, "the threshold must be above 0%");
        }
        AlarmCondition::GroupBelow { group: group(cx, spec, &g.traffic)?, fraction_ppm: g.threshold.value.0, for_: g.for_.value.0 }
    } else if let Some(s) = &t.session_down {
        let e = element(cx, topo, &s.value.target, "alarm target")?;
        expect_class(cx, &s.value.target, e, &["link", "interconnect"], "session_down")?;
        AlarmCondition::SessionDown { target: s.value.target.value.clone(), for_: s.value.for_.value.0 }
    } else if let Some(u) = &t.unreachable {
        AlarmCondition::Unreachable { group: group(cx, spec, &u.value.traffic)?, for_: u.value.for_.value.0 }
    } else {
        return cx.fail(&a.span, "alarm without a condition");
    };
    spec.alarms.push(AlarmSpec { id: t.id.value.clone(), condition });
    Ok(())
}

fn shift(cx: &Ctx<'_>, spec: &ModelSpec, topo: &Model, s: &format::ShiftTable) -> R<(String, Vec<String>)> {
    let g = group(cx, spec, &s.traffic)?;
    if s.to.value.len() < 2 {
        return Err(cx
            .err(&s.to.span, "`to` is the new route: at least a source and a destination site")
            .help("e.g. to = [\"aws:us-west-2\", \"gcp:us-west1\"]"));
    }
    let sites: Vec<(String, Range<usize>)> = s.to.value.iter().map(|x| (x.value.clone(), x.span.clone())).collect();
    Ok((g, route(cx, topo, &sites)?))
}

fn runbook(cx: &mut Ctx<'_>, spec: &mut ModelSpec, topo: &Model, list: &[Sp<format::Runbook>]) -> R<()> {
    for r in list {
        claim(cx, &r.value.id.value, &r.value.id.span, "runbook step")?;
    }
    let step_ids: Vec<&str> = list.iter().map(|r| r.value.id.value.as_str()).collect();
    for r in list {
        let t = &r.value;
        let trigger = step_trigger(cx, spec, t, &step_ids)?;
        let delay = step_delay(cx, t)?;
        let action = step_action(cx, spec, topo, r)?;
        spec.steps.push(StepSpec { id: t.id.value.clone(), trigger, delay, action });
    }
    check_step_loops(cx, &spec.steps, list)
}

/// Exactly one of `on` (an alarm), `at` (a time in the run) or `after` (another step).
fn step_trigger(cx: &Ctx<'_>, spec: &ModelSpec, t: &format::Runbook, step_ids: &[&str]) -> R<StepTrigger> {
    let id = &t.id.value;
    match (&t.on, &t.at, &t.after) {
        (Some(on), None, None) => {
            if !spec.alarms.iter().any(|a| a.id == on.value) {
                let mut d = cx.err(&on.span, format!("runbook step `{id}` waits on an unknown alarm `{}`", on.value));
                if let Some(n) = did_you_mean(&on.value, spec.alarms.iter().map(|a| a.id.as_str())) {
                    d = d.label(format!("did you mean `{n}`?"));
                } else if spec.alarms.is_empty() {
                    d = d.help("define it in an [[alarm]] table");
                }
                return Err(d);
            }
            Ok(StepTrigger::Alarm(on.value.clone()))
        }
        (None, Some(at), None) => {
            if at.value.0 >= cx.duration {
                return cx.fail(&at.span, format!("step `{id}` runs at {}, after the end of the run ({})", at.value.0, cx.duration));
            }
            Ok(StepTrigger::At(SimTime::ZERO + at.value.0))
        }
        (None, None, Some(after)) => {
            if !step_ids.contains(&after.value.as_str()) {
                let mut d = cx.err(&after.span, format!("`after` names an unknown runbook step `{}`", after.value));
                if let Some(n) = did_you_mean(&after.value, step_ids.iter().copied()) {
                    d = d.label(format!("did you mean `{n}`?"));
                }
                return Err(d);
            }
            Ok(StepTrigger::AfterStep(after.value.clone()))
        }
        (None, None, None) => Err(cx
            .err(&t.id.span, format!("runbook step `{id}` has no trigger"))
            .help("add one of on = \"alarm-id\", at = \"60s\", after = \"step-id\"")),
        _ => cx.fail(&t.id.span, format!("runbook step `{id}` has more than one trigger; use one of `on`, `at`, `after`")),
    }
}

/// The wait between the trigger and the action: none, fixed (`"5m"`) or uniform in a range.
fn step_delay(cx: &Ctx<'_>, t: &format::Runbook) -> R<Delay> {
    let Some(d) = &t.delay else { return Ok(Delay::Fixed(SimDuration::ZERO)) };
    match &d.value {
        Either::Str(s) => Ok(Delay::Fixed(format::parse_str::<Dur>(s).map_err(|e| cx.err(&d.span, e))?.0)),
        Either::Table(range) => {
            if range.min.value > range.max.value {
                return cx.fail(&range.max.span, format!("delay max {} is below min {}", range.max.value.0, range.min.value.0));
            }
            Ok(Delay::Uniform { min: range.min.value.0, max: range.max.value.0 })
        }
        _ => cx.fail(&d.span, "delay is a duration (\"5m\") or { min = \"2m\", max = \"10m\" }"),
    }
}

/// Exactly one of shift, drain, prefer or failover, with its references checked.
fn step_action(cx: &Ctx<'_>, spec: &ModelSpec, topo: &Model, r: &Sp<format::Runbook>) -> R<StepAction> {
    let t = &r.value;
    let n = [t.shift.is_some(), t.drain.is_some(), t.prefer.is_some(), t.failover.is_some()].iter().filter(|b| **b).count();
    if n != 1 {
        return Err(cx
            .err(&t.id.span, format!("runbook step `{}` needs exactly one action", t.id.value))
            .help("one of shift, drain, prefer, failover"));
    }
    if let Some(s) = &t.shift {
        let (group, route) = shift(cx, spec, topo, &s.value)?;
        Ok(StepAction::Shift { group, route })
    } else if let Some(l) = &t.drain {
        let e = element(cx, topo, l, "link")?;
        expect_class(cx, l, e, &["link"], "drain")?;
        Ok(StepAction::Drain { link: l.value.clone() })
    } else if let Some(p) = &t.prefer {
        prefer(cx, topo, &p.value)
    } else if let Some(f) = &t.failover {
        if f.value.is_empty() {
            return cx.fail(&f.span, "failover lists at least one { traffic, to } shift");
        }
        let shifts = f.value.iter().map(|s| shift(cx, spec, topo, &s.value)).collect::<R<Vec<_>>>()?;
        Ok(StepAction::Failover { shifts })
    } else {
        cx.fail(&r.span, "runbook step without an action")
    }
}

/// `prefer = { link, local_pref, prepend, med }`: unset attributes take the defaults.
fn prefer(cx: &Ctx<'_>, topo: &Model, p: &format::PreferTable) -> R<StepAction> {
    let e = element(cx, topo, &p.link, "link")?;
    expect_class(cx, &p.link, e, &["link"], "prefer")?;
    let d = RouteAttrs::DEFAULT;
    let attrs = RouteAttrs {
        local_pref: p.local_pref.unwrap_or(d.local_pref),
        prepend: p.prepend.unwrap_or(d.prepend),
        med: p.med.unwrap_or(d.med),
    };
    Ok(StepAction::Prefer { link: p.link.value.clone(), attrs })
}

/// Loops of `after` triggers, reported at the step that closes the loop.
fn check_step_loops(cx: &Ctx<'_>, steps: &[StepSpec], list: &[Sp<format::Runbook>]) -> R<()> {
    for (i, r) in list.iter().enumerate() {
        let mut seen = vec![r.value.id.value.clone()];
        let mut cur = &steps[i];
        while let StepTrigger::AfterStep(prev) = &cur.trigger {
            if seen.contains(prev) {
                seen.push(prev.clone());
                let span = r.value.after.as_ref().map_or(&r.span, |a| &a.span);
                return Err(cx
                    .err(span, format!("runbook steps form a loop: {}", seen.join(" -> ")))
                    .help("a step cannot (indirectly) wait for itself"));
            }
            seen.push(prev.clone());
            match steps.iter().find(|s| &s.id == prev) {
                Some(next) => cur = next,
                None => break,
            }
        }
    }
    Ok(())
}

fn expectations(cx: &Ctx<'_>, spec: &ModelSpec, e: &Sp<format::Expect>) -> R<Expectations> {
    let t = &e.value;
    let mut scope = Vec::new();
    for g in &t.traffic {
        scope.push(group(cx, spec, g)?);
    }
    let in_scope: Vec<&TrafficSpec> = spec.traffic.iter().filter(|g| scope.is_empty() || scope.contains(&g.id)).collect();
    let d = |x: &Option<Sp<Dur>>| x.as_ref().map(|v| v.value.0);
    if let Some(m) = &t.min_throughput {
        if in_scope.is_empty() {
            return cx.fail(&m.span, "min_throughput needs a [[traffic]] group to measure");
        }
        if let Throughput::Fraction(_) = m.value
            && !in_scope.iter().any(|g| g.demand_bps.is_some())
        {
            return Err(cx
                .err(&m.span, "a percentage of the offered rate needs a traffic group with a `rate`")
                .help(format!("give the traffic a rate, or write an absolute floor such as \"{}\"", fmt_bps(4_000_000_000))));
        }
    }
    if let Some(r) = &t.rpo_within
        && !spec.traffic.iter().any(|g| g.replication)
    {
        return Err(cx.err(&r.span, "rpo_within needs a traffic group with `replication = true`"));
    }
    let undetected = t.undetected.as_ref().is_some_and(|u| u.value);
    if undetected && let Some(dw) = &t.detect_within {
        return cx.fail(&dw.span, "detect_within contradicts undetected = true");
    }
    Ok(Expectations {
        traffic: scope,
        detect_within: d(&t.detect_within),
        converge_within: d(&t.converge_within),
        recover_within: d(&t.recover_within),
        min_throughput: t.min_throughput.as_ref().map(|m| m.value),
        max_lost_bytes: t.max_lost_bytes.as_ref().map(|b| b.value.0),
        no_loss: t.no_loss.as_ref().is_some_and(|b| b.value),
        rto_within: d(&t.rto_within),
        rpo_within: d(&t.rpo_within),
        stall_p99_within: d(&t.stall_p99_within),
        undetected,
    })
}
