//! Azure ExpressRoute: `azurerm_express_route_circuit`s of one Azure region become an
//! `azure-expressroute` interconnect, two links (primary and secondary) per circuit, each
//! peering location a facility. A circuit of the `MultiCloud` tier is Azure Multicloud
//! Interconnect to AWS (updates §1.2): `managed.rs` reads it ([`multicloud`]), from
//! `azurerm_express_route_circuit` or from the `azapi_resource` the reference describes
//! (`Microsoft.Network/expressRouteCircuits`, `sku.tier = "MultiCloud"`).

use std::collections::BTreeMap;

use super::model::{Found, Interconnect, Line, bandwidth_text, site_name};
use super::plan::{Attrs, Input, Plan};
use super::{ImportError, channel_product};
use crate::import::emit::quote;

/// Azure's region names as ARM writes them (`eastus`) from a display name (`East US`).
fn arm_region(location: &str) -> String {
    location.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase()
}

/// The Azure side of an Azure Multicloud Interconnect: a `MultiCloud`-tier ExpressRoute
/// circuit (address, ARM region, bandwidth in bits per second when the file gives one).
pub struct MulticloudCircuit {
    pub address: String,
    pub region: Option<String>,
    pub bps: Option<u64>,
}

/// Whether `kind`/`values` is a `MultiCloud` ExpressRoute circuit: an
/// `azurerm_express_route_circuit` with `sku { tier = "MultiCloud" }`, or an `azapi_resource`
/// of type `Microsoft.Network/expressRouteCircuits@…` whose body's `sku.tier` is `MultiCloud`
/// (the way the reference's implementer built it; azapi 1.x writes `body` as a JSON string).
fn azapi_body(values: &serde_json::Value) -> Option<serde_json::Value> {
    let kind = values.get("type").and_then(serde_json::Value::as_str)?;
    if !kind.to_ascii_lowercase().starts_with("microsoft.network/expressroutecircuits") {
        return None;
    }
    match values.get("body")? {
        serde_json::Value::String(s) => serde_json::from_str(s).ok(),
        v => Some(v.clone()),
    }
}

fn is_multicloud_tier(tier: Option<&str>) -> bool {
    tier.is_some_and(|t| t.eq_ignore_ascii_case("multicloud"))
}

/// Every `MultiCloud` circuit of the plan.
pub fn multicloud(input: &Input<'_>, plan: &Plan) -> Result<Vec<MulticloudCircuit>, ImportError> {
    let mut out = vec![];
    for r in &plan.resources {
        let a = Attrs::of(input, r);
        if r.kind == "azurerm_express_route_circuit" {
            let Some(sku) = a.block("sku")? else { continue };
            if !is_multicloud_tier(sku.str("tier")?) {
                continue;
            }
            let bps = match a.uint("bandwidth_in_mbps")?.filter(|m| *m > 0) {
                Some(m) => Some(channel_product(&a, "bandwidth_in_mbps", m, 1_000_000, &format!("`bandwidth_in_mbps` = {m}"))?),
                None => None,
            };
            out.push(MulticloudCircuit { address: r.address.clone(), region: a.str("location")?.map(arm_region), bps });
        } else if r.kind == "azapi_resource"
            && let Some(body) = azapi_body(&r.values)
            && is_multicloud_tier(body.pointer("/sku/tier").and_then(serde_json::Value::as_str))
        {
            let mbps = body
                .pointer("/properties/bandwidthInMbps")
                .or(body.pointer("/properties/serviceProviderProperties/bandwidthInMbps"))
                .and_then(serde_json::Value::as_u64);
            let bps = match mbps.filter(|m| *m > 0) {
                Some(m) => Some(channel_product(&a, "bandwidthInMbps", m, 1_000_000, &format!("`bandwidthInMbps` = {m}"))?),
                None => None,
            };
            out.push(MulticloudCircuit { address: r.address.clone(), region: a.str("location")?.map(arm_region), bps });
        }
    }
    Ok(out)
}

pub fn read(input: &Input<'_>, plan: &Plan, found: &mut Found) -> Result<(), ImportError> {
    // region -> circuits: (address, per-link bps, bandwidth note, peering location)
    let mut by_region: BTreeMap<String, Vec<(String, u64, String, String)>> = BTreeMap::new();
    for r in plan.resources.iter().filter(|r| r.kind == "azurerm_express_route_circuit") {
        let a = Attrs::of(input, r);
        // Azure Multicloud Interconnect: `managed.rs` made it an aws-azure-managed table.
        if let Some(sku) = a.block("sku")?
            && is_multicloud_tier(sku.str("tier")?)
        {
            continue;
        }
        let Some(location) = a.str("location")? else {
            return Err(input.error_at(&r.address, "location", format!("{}: no `location`", r.address)));
        };
        let (bps, how) = match (a.uint("bandwidth_in_mbps")?, a.uint("bandwidth_in_gbps")?) {
            (Some(m), _) if m > 0 => (
                channel_product(&a, "bandwidth_in_mbps", m, 1_000_000, &format!("`bandwidth_in_mbps` = {m}"))?,
                format!("bandwidth_in_mbps {m} of {}", r.address),
            ),
            (_, Some(g)) if g > 0 => (
                channel_product(&a, "bandwidth_in_gbps", g, 1_000_000_000, &format!("`bandwidth_in_gbps` = {g}"))?,
                format!("bandwidth_in_gbps {g} of {} (ExpressRoute Direct)", r.address),
            ),
            _ => {
                return Err(input.error_at(
                    &r.address,
                    "bandwidth_in_mbps",
                    format!("{}: no `bandwidth_in_mbps` or `bandwidth_in_gbps`", r.address),
                ));
            }
        };
        let peering = a.str("peering_location")?.unwrap_or("unknown").to_string();
        by_region.entry(arm_region(location)).or_default().push((r.address.clone(), bps, how, peering));
    }
    for (region, mut circuits) in by_region {
        circuits.sort_by(|x, y| x.3.cmp(&y.3));
        circuits.truncate(32);
        let id = found.id_for(&circuits[0].0);
        let mut locations: Vec<&str> = circuits.iter().map(|c| c.3.as_str()).collect();
        locations.dedup();
        let n = 2 * circuits.len() as u32;
        let mut lines = vec![Line::new("template", quote("azure-expressroute"), None)];
        lines.push(Line::new("azure", quote(&region), format!("location of {}, as ARM names it", circuits[0].0)));
        let onprem = site_name(locations[0]);
        lines.push(Line::new(
            "onprem",
            quote(&onprem),
            format!("[ASSUMPTION] the customer router's site, named after the peering location {}", locations[0]),
        ));
        lines.push(Line::new(
            "bandwidth",
            quote(&bandwidth_text(circuits[0].1)),
            format!("each link of a circuit carries the circuit's bandwidth: {}", circuits[0].2),
        ));
        lines.push(Line::new(
            "channels",
            n.to_string(),
            "two links (primary and secondary) per circuit, ExpressRoute's own redundancy".to_string(),
        ));
        lines.push(Line::new(
            "facilities",
            (locations.len() as u32).clamp(1, n.min(26)).to_string(),
            format!("the peering locations: {}", locations.join(", ")),
        ));
        let mut channel_bandwidth = vec![];
        for (i, c) in circuits.iter().enumerate() {
            if c.1 != circuits[0].1 {
                for link in 0..2 {
                    let ch = 2 * i as u32 + link + 1;
                    channel_bandwidth.push((ch, quote(&bandwidth_text(c.1)), format!("ch{ch}: {}", c.2)));
                }
            }
            found.used.insert(c.0.clone());
        }
        let notes = vec![
            "BGP 60/180 s and BFD 300 ms x 3: the template's [ASSUMPTION] (Azure's timers are not in our notes); Terraform sets neither"
                .into(),
        ];
        found.interconnects.push(Interconnect {
            id,
            addresses: circuits.iter().map(|c| c.0.clone()).collect(),
            notes,
            lines,
            channel_bandwidth,
            sites: [format!("azure:{region}"), format!("onprem:{onprem}")],
            channels: n,
            facilities: (locations.len() as u32).clamp(1, n.min(26)),
            channel_bps: circuits.iter().flat_map(|c| [c.1, c.1]).collect(),
            blackhole_detect_s: 0.9,
        });
    }
    Ok(())
}
