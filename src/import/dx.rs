//! AWS Direct Connect: `aws_dx_connection` and `aws_dx_lag` become the channels of an
//! `aws-dx-max-resiliency` interconnect per AWS region (each DX location a facility);
//! `aws_dx_connection_association` folds a connection into its LAG; the virtual interfaces
//! give the MTU; `aws_dx_bgp_peer` adds sessions, on which AWS runs BFD.
//!
//! A LAG is one channel: one BGP session over LACP, as the spec's channel is "a stand-in for
//! a Physical LAG" (updates §1.3); its bandwidth is its members' sum.

use std::collections::BTreeMap;

use super::model::{Found, Interconnect, Line, bandwidth_text, site_name};
use super::plan::{Attrs, Input, Plan, Resource};
use super::{ImportError, aws_region, channel_product, parse_bandwidth};
use crate::import::emit::quote;

struct Channel {
    addresses: Vec<String>,
    location: String,
    bps: u64,
    /// How the bandwidth was read, for its note.
    how: String,
    macsec: bool,
}

/// AWS's side of a DX BGP session: BFD 300 ms x 3, asynchronous, enabled on every virtual
/// interface (interconnect-facts §7.4 [dx-bgp], [dx-bfd-repost]); BGP keepalive 30 s, hold
/// 90 s ([dx-bgp]). Terraform has no attribute for either.
const DX_BFD_MS: u64 = 300;
const DX_BFD_MULT: u64 = 3;

/// The MTUs a virtual interface may have here: IPv4's minimum datagram a host must accept
/// (RFC 791, 576) to the largest jumbo frame the templates carry (9216).
const MTU_MIN: u64 = 576;
const MTU_MAX: u64 = 9216;

/// Why a connection or LAG without a virtual interface is not a channel.
const NO_VIF: &str =
    "no virtual interface on it in the plan: on Direct Connect BGP and traffic run per virtual interface, so it carries neither";

/// Whether a connection or LAG carries BGP and traffic: a virtual interface names it. A
/// plan with no virtual interface at all (connections ordered first, interfaces elsewhere)
/// counts every one, and the channels' note says so.
fn routed(plan: &Plan, vifs: &[&Resource], r: &Resource) -> bool {
    vifs.is_empty() || vifs.iter().any(|v| plan.refers(v, "connection_id", r))
}

pub fn read(input: &Input<'_>, plan: &Plan, found: &mut Found) -> Result<(), ImportError> {
    let of = |kind: &str| plan.resources.iter().filter(move |r| r.kind == kind).collect::<Vec<&Resource>>();
    let (conns, lags, assocs) = (of("aws_dx_connection"), of("aws_dx_lag"), of("aws_dx_connection_association"));
    let vifs: Vec<&Resource> = plan
        .resources
        .iter()
        .filter(|r| r.kind == "aws_dx_private_virtual_interface" || r.kind == "aws_dx_transit_virtual_interface")
        .collect();
    let peers = of("aws_dx_bgp_peer");
    if conns.is_empty() && lags.is_empty() {
        return Ok(());
    }
    let mut in_lag: Vec<&str> = vec![];
    // region -> channels
    let mut groups: BTreeMap<String, (Option<String>, Vec<Channel>)> = BTreeMap::new();
    for lag in &lags {
        let a = Attrs::of(input, lag);
        let per = match a.str("connections_bandwidth")? {
            Some(b) => parse_bandwidth(&a, "connections_bandwidth", b)?,
            None => {
                return Err(input.error_at(&lag.address, "connections_bandwidth", format!("{}: no `connections_bandwidth`", lag.address)));
            }
        };
        let mut members: Vec<String> = vec![];
        for c in &conns {
            let via_assoc = assocs.iter().any(|x| plan.refers(x, "lag_id", lag) && plan.refers(x, "connection_id", c));
            if via_assoc || plan.refers(lag, "connection_id", c) {
                members.push(c.address.clone());
                in_lag.push(&c.address);
            }
        }
        for x in &assocs {
            if plan.refers(x, "lag_id", lag) {
                found.used.insert(x.address.clone());
            }
        }
        let declared = a.uint("number_of_connections")?.unwrap_or(0);
        let n = if declared > 0 { declared } else { members.len() as u64 };
        if n == 0 {
            found.skipped.push((
                lag.address.clone(),
                "a LAG with no connections: no `number_of_connections` and no connection associated with it in the file".into(),
            ));
            continue;
        }
        let how = if declared > 0 {
            format!("{} x connections_bandwidth {} (number_of_connections of {})", n, bandwidth_text(per), lag.address)
        } else {
            format!(
                "{} x connections_bandwidth {} ({} and its {} associated connection(s))",
                n,
                bandwidth_text(per),
                lag.address,
                members.len()
            )
        };
        if !routed(plan, &vifs, lag) {
            found.skipped.push((lag.address.clone(), NO_VIF.into()));
            continue;
        }
        let macsec = a.bool("request_macsec")?.unwrap_or(false);
        let mut addresses = vec![lag.address.clone()];
        addresses.extend(members);
        let region = aws_region(&a, plan)?;
        let g = groups.entry(region.0).or_insert((region.1, vec![]));
        let key = if declared > 0 { "number_of_connections" } else { "connections_bandwidth" };
        let bps = channel_product(&a, key, n, per, &format!("{n} x connections_bandwidth {}", bandwidth_text(per)))?;
        g.1.push(Channel { addresses, location: a.str("location")?.unwrap_or("unknown").to_string(), bps, how, macsec });
    }
    for c in &conns {
        if in_lag.contains(&c.address.as_str()) {
            continue;
        }
        if !routed(plan, &vifs, c) {
            found.skipped.push((c.address.clone(), NO_VIF.into()));
            continue;
        }
        let a = Attrs::of(input, c);
        let Some(b) = a.str("bandwidth")? else {
            return Err(input.error_at(&c.address, "bandwidth", format!("{}: no `bandwidth`", c.address)));
        };
        let bps = parse_bandwidth(&a, "bandwidth", b)?;
        let macsec =
            a.bool("request_macsec")?.unwrap_or(false) || matches!(a.str("encryption_mode")?, Some("must_encrypt" | "should_encrypt"));
        let region = aws_region(&a, plan)?;
        let g = groups.entry(region.0).or_insert((region.1, vec![]));
        g.1.push(Channel {
            addresses: vec![c.address.clone()],
            location: a.str("location")?.unwrap_or("unknown").to_string(),
            bps,
            how: format!("bandwidth {b} of {}", c.address),
            macsec,
        });
    }
    for (region, (region_note, mut chans)) in groups {
        if chans.is_empty() {
            continue;
        }
        // Channels of one location next to each other: faultline fills facilities in order.
        chans.sort_by(|x, y| x.location.cmp(&y.location));
        chans.truncate(64);
        let first = chans[0].addresses[0].clone();
        let id = found.id_for(&first);
        let mut locations: Vec<&str> = chans.iter().map(|c| c.location.as_str()).collect();
        locations.dedup();
        let n = chans.len() as u32;
        let facilities = (locations.len() as u32).clamp(1, n.min(26));
        let mut notes = vec![];
        let mut lines = vec![Line::new("template", quote("aws-dx-max-resiliency"), None)];
        lines.push(Line::new("aws", quote(&region), region_note));
        lines.push(Line::new(
            "onprem",
            quote(&site_name(locations[0])),
            format!(
                "[ASSUMPTION] the customer router's site, named after the DX location {}: the plan names no on-premises site",
                locations[0]
            ),
        ));
        lines.push(Line::new("bandwidth", quote(&bandwidth_text(chans[0].bps)), format!("ch1: {}", chans[0].how)));
        lines.push(Line::new(
            "channels",
            n.to_string(),
            format!(
                "one per connection or LAG{}: {}",
                if vifs.is_empty() {
                    " [ASSUMPTION: each carries a virtual interface; the plan has none]"
                } else {
                    " with a virtual interface"
                },
                chans.iter().map(|c| c.addresses[0].as_str()).collect::<Vec<_>>().join(", ")
            ),
        ));
        lines.push(Line::new("facilities", facilities.to_string(), format!("the DX locations: {}", locations.join(", "))));
        // The plan's split over locations against faultline's even fill, in order.
        let per = n.div_ceil(facilities);
        let counts: Vec<usize> = locations.iter().map(|l| chans.iter().filter(|c| c.location == *l).count()).collect();
        let even: Vec<usize> = (0..facilities).map(|f| (n - f * per).min(per) as usize).collect();
        if counts != even {
            notes.push(format!(
                "[ASSUMPTION] faultline spreads channels over facilities {per} at a time in order; the plan has {:?} per location",
                counts
            ));
        }
        let mtu = vifs
            .iter()
            .filter(|v| aws_region(&Attrs::of(input, v), plan).is_ok_and(|r| r.0 == region))
            .map(|v| {
                let m = Attrs::of(input, v).uint("mtu")?;
                // Direct Connect takes 1500, 8500 (transit) or 9001 (private): a value outside
                // what any interconnect carries is refused at its key, not replaced unsaid by
                // the template's 1500.
                if let Some(m) = m.filter(|m| !(MTU_MIN..=MTU_MAX).contains(m)) {
                    return Err(input.error_at(
                        &v.address,
                        "mtu",
                        format!(
                            "{}: `mtu` = {m} is outside what an interconnect carries ({MTU_MIN} to {MTU_MAX}; Direct Connect takes 1500, 8500 or 9001)",
                            v.address
                        ),
                    ));
                }
                Ok((m.unwrap_or(1500), v.address.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        match mtu.iter().min() {
            Some((m, from)) => {
                lines.push(Line::new("mtu", m.to_string(), format!("mtu of {from} (the smallest of the region's virtual interfaces)")))
            }
            _ => notes.push("MTU: the template's 1500 (no virtual interface in the plan sets one)".into()),
        }
        for (_, from) in &mtu {
            found.used.insert(from.clone());
        }
        let macsec = chans.iter().any(|c| c.macsec);
        lines.push(Line::new("macsec", macsec.to_string(), "request_macsec / encryption_mode of the connections and LAGs".to_string()));
        let region_peers: Vec<&&Resource> =
            peers.iter().filter(|p| aws_region(&Attrs::of(input, p), plan).is_ok_and(|r| r.0 == region)).collect();
        for p in &region_peers {
            found.used.insert(p.address.clone());
        }
        lines.push(Line::new(
            "bgp",
            format!("{{ keepalive = {}, hold = {} }}", quote("30s"), quote("90s")),
            "AWS DX BGP keepalive 30 s, hold 90 s (interconnect-facts §7.4, [dx-bgp]); the customer router mirrors them [ASSUMPTION]"
                .to_string(),
        ));
        lines.push(Line::new(
            "bfd",
            format!("{{ interval = {}, multiplier = {DX_BFD_MULT} }}", quote(&format!("{DX_BFD_MS}ms"))),
            format!(
                "AWS runs asynchronous BFD 300 ms x 3 on every DX virtual interface (interconnect-facts §7.4, [dx-bgp], [dx-bfd-repost]); not a Terraform attribute; the customer router must enable it too [ASSUMPTION: it does]; {} virtual interface(s) and {} aws_dx_bgp_peer session(s) in the plan",
                mtu.len(),
                region_peers.len()
            ),
        ));
        let mut channel_bandwidth = vec![];
        for (i, c) in chans.iter().enumerate().skip(1) {
            if c.bps != chans[0].bps {
                channel_bandwidth.push((i as u32 + 1, quote(&bandwidth_text(c.bps)), format!("ch{}: {}", i + 1, c.how)));
            }
        }
        let mut addresses = vec![];
        for c in &chans {
            for a in &c.addresses {
                found.used.insert(a.clone());
                addresses.push(a.clone());
            }
        }
        found.interconnects.push(Interconnect {
            id: id.clone(),
            addresses,
            notes,
            lines,
            channel_bandwidth,
            sites: [format!("aws:{region}"), format!("onprem:{}", site_name(locations[0]))],
            channels: n,
            facilities,
            channel_bps: chans.iter().map(|c| c.bps).collect(),
            blackhole_detect_s: (DX_BFD_MS * DX_BFD_MULT) as f64 / 1000.0,
        });
    }
    Ok(())
}
