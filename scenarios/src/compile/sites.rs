//! Sites (`cloud:region` syntax), `[[endpoint]]` tables, and routes of sites checked
//! against the built topology.
//!
//! It reads the topology (`Model`) but adds only endpoints to the spec.

use std::ops::Range;

use sim_core::model::{Element, Model};
use sim_core::spec::{Cloud, EndpointSpec, ModelSpec};

use super::R;
use super::context::{Ctx, Decorate, claim};
use crate::error::did_you_mean;
use crate::format::{self, Sp};
use crate::regions::{self, RegionCheck};

/// Checks `cloud:region` syntax.
pub(super) fn site(cx: &Ctx<'_>, s: &Sp<String>, text: &str) -> R<String> {
    let Some((cloud, region)) = text.split_once(':') else {
        return Err(cx.err(&s.span, format!("`{text}` is not a site")).label("write sites as cloud:region, e.g. \"aws:us-east-1\""));
    };
    if Cloud::parse(cloud).is_none() {
        let mut d = cx.err(&s.span, format!("unknown cloud `{cloud}` in site `{text}`"));
        d = match did_you_mean(cloud, regions::CLOUDS.iter().copied()) {
            Some(n) => d.label(format!("did you mean `{n}`?")),
            None => d.label("clouds are aws, gcp, azure and onprem"),
        };
        return Err(d);
    }
    if region.is_empty() || region.contains(char::is_whitespace) {
        return cx.fail(&s.span, format!("`{text}` has an empty or spaced region"));
    }
    check_region(cx, s, cloud, region)?;
    Ok(text.to_string())
}

/// Checks a cloud region against that cloud's list (`regions`): a near miss of a listed
/// region is an error that suggests it; a name far from every listed one (a synthetic
/// benchmark site, a region newer than the table) is a warning.
fn check_region(cx: &Ctx<'_>, s: &Sp<String>, cloud: &str, region: &str) -> R<()> {
    let Some((name, _)) = regions::list(cloud) else { return Ok(()) };
    match regions::check(cloud, region) {
        RegionCheck::Known => Ok(()),
        RegionCheck::Typo(known) => Err(cx
            .err(&s.span, format!("unknown {name} region `{region}`; did you mean `{known}`?"))
            .label(format!("not in {name}'s region list"))
            .help(format!("{name} regions are listed, with their source, in scenarios/src/regions.rs (README \"Regions\")"))),
        RegionCheck::Unknown => {
            cx.warn(
                &s.span,
                format!("`{region}` is not a known {name} region"),
                "accepted as a synthetic site; for a real region, check its spelling (README \"Regions\")",
            );
            Ok(())
        }
    }
}

pub(super) fn endpoint(cx: &mut Ctx<'_>, spec: &mut ModelSpec, e: &Sp<format::Endpoint>) -> R<()> {
    let t = &e.value;
    let site = site(cx, &t.site, &t.site.value)?;
    if !spec.links.iter().any(|l| l.a_site == site || l.b_site == site) {
        return cx.fail(&t.site.span, format!("no interconnect, vpn or backbone reaches `{site}`"));
    }
    claim(cx, &t.id.value, &t.id.span, "endpoint")?;
    spec.endpoints.push(EndpointSpec { id: t.id.value.clone(), site });
    Ok(())
}

/// Whether a site's region is in its cloud's list (`onprem` sites never are).
fn listed(site: &str) -> bool {
    site.split_once(':').is_some_and(|(c, r)| regions::list(c).is_some() && regions::check(c, r) == RegionCheck::Known)
}

fn site_ids(topo: &Model) -> impl Iterator<Item = &str> {
    topo.sites.iter().map(|s| s.id.as_str())
}

/// Checks a route of sites against the topology: every site exists, every hop has a link.
pub(super) fn route(cx: &Ctx<'_>, topo: &Model, entries: &[(String, Range<usize>)]) -> R<Vec<String>> {
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
                // A listed region is what was meant; the near site the file built is then the
                // misspelling (`aws:us-east-l` for `aws:us-east-1`), not a suggestion.
                if listed(s) && !listed(&n) {
                    d = d.label(format!("`{n}` is close, but its region is not a known one: is that site misspelt?"));
                } else {
                    d = d.label(format!("did you mean `{n}`?"));
                }
            }
            return Err(d);
        }
    }
    for w in sites.windows(2) {
        if w[0].0 == w[1].0 {
            return cx.fail(&w[1].1, format!("the route visits `{}` twice in a row", w[0].0));
        }
        // A lookup, not a scan of every adjacency: a scan per hop made 20,000 groups over
        // 20,000 interconnects take 38 s to validate.
        let joined = match (topo.element(&w[0].0), topo.element(&w[1].0)) {
            (Some(Element::Site(a)), Some(Element::Site(b))) => topo.adjacency_between(a, b).is_some(),
            _ => false,
        };
        if !joined {
            return Err(cx
                .err(&w[1].1, format!("no link joins `{}` and `{}`", w[0].0, w[1].0))
                .help("add an [[interconnect]], [[vpn]] or [[backbone]] between them, or route through an intermediate site with `via`"));
        }
    }
    Ok(entries.iter().map(|s| s.0.clone()).collect())
}
