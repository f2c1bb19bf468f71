//! Google Cloud Interconnect (Dedicated or Partner): each `google_compute_interconnect_attachment`
//! (a VLAN attachment with its own Cloud Router BGP session) is a channel of a
//! `gcp-interconnect-9999` interconnect per region; `google_compute_interconnect` gives the
//! facilities (its locations) and MACsec; `google_compute_router_peer`'s `bfd` block and
//! `google_compute_router`'s keepalive give the session timers.

use std::collections::BTreeMap;

use super::model::{Found, Interconnect, Line, bandwidth_text, millis_text, site_name};
use super::plan::{Attrs, Input, Plan, Resource};
use super::{ImportError, parse_bandwidth};
use crate::import::emit::quote;

/// Cloud Router's defaults: BFD 1000 ms x 5 (range 1000-30000 ms, 5-16), keepalive 20 s,
/// hold three times the keepalive (interconnect-facts §7.4, [cr-bfd-api], [cr-timers]).
const CR_BFD_MS: u64 = 1000;
const CR_BFD_MULT: u64 = 5;
const CR_KEEPALIVE_S: u64 = 20;
/// The ranges Cloud Router accepts, which a plan's values must be in: keepalive 20 to 60 s
/// ([cr-timers]: "configurable 20-60 s"; [cr-keepalive]: RouterBgp.keepaliveInterval), BFD
/// min transmit and receive intervals 1000 to 30000 ms and multiplier 5 to 16
/// ([cr-bfd-api]: RouterBgpPeerBfd); interconnect-facts §3.1. A value outside them is
/// refused at its key: Google's API would refuse it too, and the scenario would rehearse
/// timers no Cloud Router runs.
const CR_KEEPALIVE_RANGE_S: (u64, u64) = (20, 60);
const CR_BFD_RANGE_MS: (u64, u64) = (1000, 30000);
const CR_BFD_MULT_RANGE: (u64, u64) = (5, 16);

/// `v` of `key`, or an error at the key when it is outside `range` (its unit after the
/// numbers: "1000 to 30000 ms").
fn in_range(a: &Attrs<'_>, key: &str, v: Option<u64>, range: (u64, u64), unit: &str) -> Result<Option<u64>, ImportError> {
    match v {
        Some(x) if x < range.0 || x > range.1 => {
            let unit = if unit.is_empty() { String::new() } else { format!(" {unit}") };
            Err(a.input.error_at(
                a.address,
                key,
                format!(
                    "{}: `{key}` = {x} is outside the range Cloud Router accepts, {} to {}{unit} (Google's RouterBgp / RouterBgpPeerBfd reference)",
                    a.address, range.0, range.1
                ),
            ))
        }
        v => Ok(v),
    }
}

/// An attachment's bandwidth when the plan leaves it out: the provider's default BPS_10G.
const DEFAULT_ATTACHMENT_BPS: u64 = 10_000_000_000;

pub fn read(input: &Input<'_>, plan: &Plan, found: &mut Found) -> Result<(), ImportError> {
    let of = |kind: &str| plan.resources.iter().filter(move |r| r.kind == kind).collect::<Vec<&Resource>>();
    let (attachments, interconnects) = (of("google_compute_interconnect_attachment"), of("google_compute_interconnect"));
    let (peers, routers) = (of("google_compute_router_peer"), of("google_compute_router"));
    let mut by_region: BTreeMap<String, Vec<&Resource>> = BTreeMap::new();
    for r in &attachments {
        let a = Attrs::of(input, r);
        let Some(region) = a.str("region")? else {
            found.skipped.push((r.address.clone(), "an attachment without a region (known only after apply)".into()));
            continue;
        };
        by_region.entry(region.to_string()).or_default().push(r);
    }
    if by_region.is_empty() && !interconnects.is_empty() {
        for r in &interconnects {
            found.skipped.push((r.address.clone(), "an interconnect without a VLAN attachment: no region, no BGP session to model".into()));
        }
    }
    for (region, atts) in by_region {
        let atts: Vec<&Resource> = atts.into_iter().take(64).collect();
        let id = found.id_for(&atts[0].address);
        let mut notes = vec![];
        let mut lines = vec![Line::new("template", quote("gcp-interconnect-9999"), None)];
        lines.push(Line::new("gcp", quote(&region), format!("region of {}", atts[0].address)));
        // The interconnects' locations are the facilities; else the edge availability domains.
        let mut locations: Vec<String> = vec![];
        let mut macsec = false;
        for ic in &interconnects {
            let a = Attrs::of(input, ic);
            if let Some(l) = a.str("location")? {
                let short = l.rsplit('/').next().unwrap_or(l).to_string();
                if !locations.contains(&short) {
                    locations.push(short);
                }
            }
            macsec |= a.bool("macsec_enabled")?.unwrap_or(false);
            found.used.insert(ic.address.clone());
        }
        let mut domains: Vec<String> = vec![];
        let mut bps = vec![];
        let mut mtus = vec![];
        for r in &atts {
            let a = Attrs::of(input, r);
            let b = match a.str("bandwidth")? {
                Some(b) => (parse_bandwidth(&a, "bandwidth", b)?, format!("bandwidth {b} of {}", r.address)),
                None => (DEFAULT_ATTACHMENT_BPS, format!("[ASSUMPTION] the provider's default BPS_10G: {} sets no bandwidth", r.address)),
            };
            bps.push(b);
            if let Some(m) = a.uint("mtu")? {
                // Google takes 1440, 1460, 1500 or 8896 on a VLAN attachment: a value outside
                // what any interconnect carries is refused at its key, as for Direct Connect,
                // not dropped unsaid for the template's 1440.
                if !(576..=9216).contains(&m) {
                    return Err(input.error_at(
                        &r.address,
                        "mtu",
                        format!(
                            "{}: `mtu` = {m} is outside what an interconnect carries (576 to 9216; a VLAN attachment takes 1440, 1460, 1500 or 8896)",
                            r.address
                        ),
                    ));
                }
                mtus.push((m, r.address.clone()));
            }
            if let Some(d) = a.str("edge_availability_domain")?
                && !domains.iter().any(|x| x == d)
            {
                domains.push(d.to_string());
            }
            found.used.insert(r.address.clone());
        }
        let onprem = locations.first().map_or_else(|| "customer-dc".to_string(), |l| site_name(l.split('-').next().unwrap_or(l)));
        let onprem_note = match locations.first() {
            Some(l) => format!("[ASSUMPTION] the customer router's site, named after the interconnect location {l}"),
            None => "[ASSUMPTION] the customer router's site: the plan names no interconnect location".into(),
        };
        lines.push(Line::new("onprem", quote(&onprem), onprem_note));
        let n = atts.len() as u32;
        lines.push(Line::new("bandwidth", quote(&bandwidth_text(bps[0].0)), format!("ch1: {}", bps[0].1)));
        lines.push(Line::new(
            "channels",
            n.to_string(),
            format!(
                "one per VLAN attachment (each has its own Cloud Router BGP session): {}",
                atts.iter().map(|r| r.address.as_str()).collect::<Vec<_>>().join(", ")
            ),
        ));
        let (fac, fac_note) = if locations.len() > 1 {
            (locations.len() as u32, format!("the interconnects' locations: {}", locations.join(", ")))
        } else if domains.len() > 1 {
            (domains.len() as u32, format!("the attachments' edge availability domains: {}", domains.join(", ")))
        } else {
            (1, "one location and one edge availability domain in the plan".to_string())
        };
        lines.push(Line::new("facilities", fac.clamp(1, n.min(26)).to_string(), fac_note));
        if let Some((m, from)) = mtus.iter().min() {
            lines.push(Line::new("mtu", m.to_string(), format!("mtu of {from} (the smallest of the attachments')")));
        } else {
            notes.push("MTU: the template's 1440, Google's default for a VLAN attachment (interconnect-facts §1.7)".into());
        }
        if !interconnects.is_empty() {
            lines.push(Line::new("macsec", macsec.to_string(), "macsec_enabled of the interconnects".to_string()));
        }
        // Session timers from Cloud Router, else its documented defaults.
        let mut keepalive = None;
        for r in routers.iter().filter(|r| Attrs::of(input, r).str("region").ok().flatten() == Some(region.as_str())) {
            found.used.insert(r.address.clone());
            if let Some(bgp) = Attrs::of(input, r).block("bgp")?
                && let Some(k) = in_range(&bgp, "keepalive_interval", bgp.uint("keepalive_interval")?, CR_KEEPALIVE_RANGE_S, "s")?
            {
                keepalive = Some((k, r.address.clone()));
            }
        }
        let (k, k_note) = match keepalive {
            Some((k, from)) => (k, format!("keepalive_interval {k} of {from}; hold = 3 x keepalive ([cr-timers])")),
            None => (CR_KEEPALIVE_S, "Cloud Router's default keepalive 20 s, hold 60 s (interconnect-facts §7.4, [cr-timers])".to_string()),
        };
        lines.push(Line::new(
            "bgp",
            format!("{{ keepalive = {}, hold = {} }}", quote(&format!("{k}s")), quote(&format!("{}s", 3 * k))),
            k_note,
        ));
        let mut bfd: Option<(u64, u64, String)> = None;
        let mut disabled = None;
        for p in peers.iter().filter(|p| Attrs::of(input, p).str("region").ok().flatten() == Some(region.as_str())) {
            found.used.insert(p.address.clone());
            let Some(b) = Attrs::of(input, p).block("bfd")? else { continue };
            // Checked even in a DISABLED block: Google refuses such a value either way.
            let tx = in_range(&b, "min_transmit_interval", b.uint("min_transmit_interval")?, CR_BFD_RANGE_MS, "ms")?;
            let rx = in_range(&b, "min_receive_interval", b.uint("min_receive_interval")?, CR_BFD_RANGE_MS, "ms")?;
            let mult = in_range(&b, "multiplier", b.uint("multiplier")?, CR_BFD_MULT_RANGE, "")?;
            if b.str("session_initialization_mode")? == Some("DISABLED") {
                disabled = Some(p.address.clone());
                continue;
            }
            let (tx, rx, mult) = (tx.unwrap_or(CR_BFD_MS), rx.unwrap_or(CR_BFD_MS), mult.unwrap_or(CR_BFD_MULT));
            // The slower of the two intervals is what the session runs at (interconnect-facts §7.4).
            let ms = tx.max(rx);
            if bfd.as_ref().is_none_or(|(m, k, _)| ms * mult > m * k) {
                bfd = Some((ms, mult, p.address.clone()));
            }
        }
        let detect = match (&bfd, &disabled) {
            (Some((ms, mult, from)), _) => {
                lines.push(Line::new(
                    "bfd",
                    format!("{{ interval = {}, multiplier = {mult} }}", quote(&millis_text(*ms))),
                    format!("the bfd block of {from}: the slower of min_transmit_interval and min_receive_interval; the customer router mirrors it [ASSUMPTION]"),
                ));
                (ms * mult) as f64 / 1000.0
            }
            (None, Some(from)) => {
                lines.push(Line::new("bfd", "false".into(), format!("session_initialization_mode DISABLED in {from}")));
                3.0 * k as f64
            }
            _ => {
                notes.push("BFD: Cloud Router's 1000 ms x 5 (the template; no google_compute_router_peer bfd block in the plan)".into());
                (CR_BFD_MS * CR_BFD_MULT) as f64 / 1000.0
            }
        };
        let mut channel_bandwidth = vec![];
        for (i, (b, how)) in bps.iter().enumerate().skip(1) {
            if *b != bps[0].0 {
                channel_bandwidth.push((i as u32 + 1, quote(&bandwidth_text(*b)), format!("ch{}: {how}", i + 1)));
            }
        }
        found.interconnects.push(Interconnect {
            id,
            addresses: atts.iter().map(|r| r.address.clone()).collect(),
            notes,
            lines,
            channel_bandwidth,
            sites: [format!("gcp:{region}"), format!("onprem:{onprem}")],
            channels: n,
            facilities: fac.clamp(1, n.min(26)),
            channel_bps: bps.iter().map(|b| b.0).collect(),
            blackhole_detect_s: detect,
        });
    }
    Ok(())
}
