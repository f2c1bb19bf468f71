//! AWS Site-to-Site VPN: each `aws_vpn_connection` becomes a `[[vpn]]` (two IPsec tunnels,
//! preferred less than any interconnect) from its AWS region to the far side of the
//! interconnect it backs up (the first one with an end in that region).

use super::model::{Found, Line, Vpn};
use super::plan::{Attrs, Input, Plan};
use super::{ImportError, aws_region};
use crate::import::emit::quote;

pub fn read(input: &Input<'_>, plan: &Plan, found: &mut Found) -> Result<(), ImportError> {
    for r in plan.resources.iter().filter(|r| r.kind == "aws_vpn_connection") {
        let a = Attrs::of(input, r);
        let (region, region_note) = aws_region(&a, plan)?;
        let here = format!("aws:{region}");
        let far = found.interconnects.iter().find_map(|ic| {
            if ic.sites[0] == here {
                Some((ic.sites[1].clone(), ic.id.clone()))
            } else if ic.sites[1] == here {
                Some((ic.sites[0].clone(), ic.id.clone()))
            } else {
                None
            }
        });
        let mut lines = vec![Line::new("a", quote(&here), region_note)];
        match &far {
            Some((site, ic)) => lines.push(Line::new(
                "b",
                quote(site),
                format!("[ASSUMPTION] the far side of {ic}: the customer gateway is taken to be there, so the VPN backs it up"),
            )),
            None => lines.push(Line::new(
                "b",
                quote("onprem:customer-gateway"),
                "[ASSUMPTION] the customer gateway's site: no interconnect of the plan ends in this region".to_string(),
            )),
        }
        match a.str("tunnel_bandwidth")? {
            Some("large") => lines.push(Line::new(
                "bandwidth",
                quote("5Gbps"),
                "tunnel_bandwidth large: up to 5 Gbps per tunnel (AWS Site-to-Site VPN tunnel options)".to_string(),
            )),
            Some("standard") | None => {}
            Some(other) => {
                return Err(input.error_at(
                    &r.address,
                    "tunnel_bandwidth",
                    format!("{}: `tunnel_bandwidth` = {other:?} is neither \"standard\" nor \"large\"", r.address),
                ));
            }
        }
        let mut notes = vec![format!(
            "From {}: two tunnels of 1.25 Gbps each unless `tunnel_bandwidth` is large (vpn-backup template [ASSUMPTION] rates).",
            r.address
        )];
        if a.bool("static_routes_only")? == Some(true) {
            notes.push("static_routes_only: the tunnels run no BGP; faultline's VPN keeps its BGP 10/30 s sessions [ASSUMPTION]".into());
        }
        for t in ["tunnel1_bgp_holdtime", "tunnel2_bgp_holdtime"] {
            if let Some(h) = a.uint(t)? {
                notes.push(format!("{t} {h} s (faultline's vpn-backup uses hold 30 s)"));
            }
        }
        let id = found.id_for(&r.address);
        found.used.insert(r.address.clone());
        found.vpns.push(Vpn { id, notes, lines });
    }
    Ok(())
}
