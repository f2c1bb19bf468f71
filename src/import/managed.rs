//! AWS Interconnect – multicloud, both ends: `aws_interconnect_connection` (AWS starts it),
//! `aws_interconnect_connection_proposal_acceptor` (the partner starts it) and Google's
//! `google_network_connectivity_transport`, paired by region into `aws-gcp-managed`
//! interconnects (updates-2026-12.md §1.5 for the attributes). A connection whose
//! environment names Azure, and the `MultiCloud` ExpressRoute circuit on Azure's side
//! (`azure::multicloud`), pair into `aws-azure-managed` interconnects (Azure Multicloud
//! Interconnect, preview: updates §1.2).

use sim_core::presets::{AZURE_MANAGED_PAIRS, MANAGED_PAIRS};

use super::azure::{MulticloudCircuit, multicloud};

use super::model::{Found, Interconnect, Line, bandwidth_text};
use super::plan::{Attrs, Input, Plan, Resource};
use super::{ImportError, aws_region, parse_bandwidth};
use crate::import::emit::quote;

pub const AWS_KINDS: [&str; 2] = ["aws_interconnect_connection", "aws_interconnect_connection_proposal_acceptor"];
pub const GCP_KIND: &str = "google_network_connectivity_transport";

/// The partner cloud an AWS connection's `environment_id` names (`mce-aws-gcp-iad`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Partner {
    Google,
    Azure,
    Oracle,
}

fn partner(environment: &str) -> Option<Partner> {
    let e = environment.to_ascii_lowercase();
    if e.contains("gcp") || e.contains("google") {
        Some(Partner::Google)
    } else if e.contains("azure") || e.contains("microsoft") || e.contains("msft") {
        Some(Partner::Azure)
    } else if e.contains("oci") || e.contains("oracle") {
        Some(Partner::Oracle)
    } else {
        None
    }
}

struct AwsSide<'a> {
    r: &'a Resource,
    region: (String, Option<String>),
    bandwidth: Option<(u64, &'a str)>,
    environment: Option<&'a str>,
}

struct GcpSide<'a> {
    r: &'a Resource,
    region: Option<&'a str>,
    /// The AWS region the remote profile names (`aws-us-east-1`, or a URL ending in it).
    aws_region: Option<String>,
    profile: Option<&'a str>,
    bandwidth: Option<(u64, &'a str)>,
    mtu: Option<u64>,
}

pub fn read(input: &Input<'_>, plan: &Plan, found: &mut Found) -> Result<(), ImportError> {
    let mut aws = vec![];
    for r in plan.resources.iter().filter(|r| AWS_KINDS.contains(&r.kind.as_str())) {
        let a = Attrs::of(input, r);
        let bandwidth = match a.str("bandwidth")? {
            Some(b) => Some((parse_bandwidth(&a, "bandwidth", b)?, b)),
            None => None,
        };
        aws.push(AwsSide { r, region: aws_region(&a, plan)?, bandwidth, environment: a.str("environment_id")? });
    }
    let mut gcp = vec![];
    for r in plan.resources.iter().filter(|r| r.kind == GCP_KIND) {
        let a = Attrs::of(input, r);
        let profile = a.str("remote_profile")?;
        let aws_region = profile.and_then(|p| p.rsplit('/').next()).and_then(|p| p.strip_prefix("aws-")).map(str::to_string);
        let bandwidth = match a.str("bandwidth")? {
            Some(b) => Some((parse_bandwidth(&a, "bandwidth", b)?, b)),
            None => None,
        };
        gcp.push(GcpSide { r, region: a.str("region")?, aws_region, profile, bandwidth, mtu: a.uint("mtu_limit")? });
    }
    let azure = multicloud(input, plan)?;
    let mut paired_az = vec![false; azure.len()];
    let mut paired = vec![false; gcp.len()];
    for side in &aws {
        let env = side.environment.and_then(partner);
        if env == Some(Partner::Oracle) {
            found.skipped.push((
                side.r.address.clone(),
                format!(
                    "an AWS Interconnect – multicloud connection to Oracle Cloud (environment {}); faultline has no Oracle template",
                    side.environment.unwrap_or("?")
                ),
            ));
            continue;
        }
        if env == Some(Partner::Azure) {
            // The circuit of the documented pair, else the only one left (its pair is then
            // one the template's RTT was not measured for, and `validate` warns).
            let is_pair =
                |c: &MulticloudCircuit| AZURE_MANAGED_PAIRS.iter().any(|p| p.0 == side.region.0 && Some(p.1) == c.region.as_deref());
            let free: Vec<usize> = (0..azure.len()).filter(|i| !paired_az[*i]).collect();
            let c = free.iter().copied().find(|i| is_pair(&azure[*i])).or(if free.len() == 1 { Some(free[0]) } else { None });
            if let Some(i) = c {
                paired_az[i] = true;
            }
            let ic = build_azure(found, Some(side), c.map(|i| &azure[i]));
            found.interconnects.push(ic);
            continue;
        }
        let g = gcp.iter().enumerate().position(|(i, g)| !paired[i] && g.aws_region.as_deref() == Some(side.region.0.as_str()));
        if let Some(i) = g {
            paired[i] = true;
        }
        let ic = build(found, Some(side), g.map(|i| &gcp[i]), env.is_none());
        found.interconnects.push(ic);
    }
    for (i, c) in azure.iter().enumerate() {
        if !paired_az[i] {
            let ic = build_azure(found, None, Some(c));
            found.interconnects.push(ic);
        }
    }
    for (i, g) in gcp.iter().enumerate() {
        if paired[i] {
            continue;
        }
        if g.aws_region.is_none() && g.profile.is_some() {
            found.skipped.push((g.r.address.clone(), format!("remote profile `{}` is not an AWS one", g.profile.unwrap_or_default())));
            continue;
        }
        let ic = build(found, None, Some(g), false);
        found.interconnects.push(ic);
    }
    Ok(())
}

fn build(found: &mut Found, aws: Option<&AwsSide<'_>>, gcp: Option<&GcpSide<'_>>, guessed_partner: bool) -> Interconnect {
    let address = aws.map(|a| &a.r.address).or(gcp.map(|g| &g.r.address)).cloned().unwrap_or_default();
    let id = found.id_for(&address);
    let mut addresses = vec![];
    let mut notes = vec![];
    let mut lines = vec![Line::new("template", quote("aws-gcp-managed"), None)];
    // Regions: each side's own, else the other's managed pair.
    let pair_of_gcp = |gcp: &str| MANAGED_PAIRS.iter().find(|p| p.1 == gcp).map(|p| p.0.to_string());
    let pair_of_aws = |aws: &str| MANAGED_PAIRS.iter().find(|p| p.0 == aws).map(|p| p.1.to_string());
    let (aws_region, aws_note) = match (aws, gcp) {
        (Some(a), _) => a.region.clone(),
        (None, Some(g)) => match (&g.aws_region, g.region.and_then(pair_of_gcp)) {
            (Some(r), _) => (r.clone(), Some(format!("from the transport's remote profile `{}`", g.profile.unwrap_or_default()))),
            (None, Some(r)) => {
                (r, Some("[ASSUMPTION] the AWS region of the managed pair (sim-core presets MANAGED_PAIRS, updates §1.1)".into()))
            }
            (None, None) => ("us-east-1".into(), Some("[ASSUMPTION] us-east-1: the plan names no AWS region; edit this".into())),
        },
        (None, None) => ("us-east-1".into(), None),
    };
    let (gcp_region, gcp_note) = match gcp.and_then(|g| g.region) {
        Some(r) => (r.to_string(), Some(format!("from {}", gcp.map_or("", |g| g.r.address.as_str())))),
        None => match pair_of_aws(&aws_region) {
            Some(r) => (
                r,
                Some(format!(
                    "[ASSUMPTION] the Google region of the managed pair of {aws_region} (sim-core presets MANAGED_PAIRS, updates §1.1): no google_network_connectivity_transport in the plan"
                )),
            ),
            None => {
                ("us-east4".into(), Some(format!("[ASSUMPTION] us-east4: {aws_region} has no managed Google pair in our table; edit this")))
            }
        },
    };
    lines.push(Line::new("aws", quote(&aws_region), aws_note));
    lines.push(Line::new("gcp", quote(&gcp_region), gcp_note));
    if let Some(a) = aws {
        addresses.push(a.r.address.clone());
        found.used.insert(a.r.address.clone());
        if let Some(e) = a.environment {
            notes.push(format!("environment_id {e}"));
        }
        if guessed_partner {
            notes.push("[ASSUMPTION] the partner is Google Cloud: the environment id does not name one".into());
        }
    }
    if let Some(g) = gcp {
        addresses.push(g.r.address.clone());
        found.used.insert(g.r.address.clone());
    }
    let bw = aws.and_then(|a| a.bandwidth.map(|b| (b, &a.r.address))).or(gcp.and_then(|g| g.bandwidth.map(|b| (b, &g.r.address))));
    let sold = match bw {
        Some(((bps, text), from)) => {
            lines.push(Line::new(
                "bandwidth",
                quote(&bandwidth_text(bps)),
                format!("the sold bandwidth: `bandwidth = \"{text}\"` of {from}"),
            ));
            if let (Some((a, _)), Some((g, gt))) = (aws.and_then(|a| a.bandwidth), gcp.and_then(|g| g.bandwidth))
                && a != g
            {
                notes.push(format!("the two ends disagree on bandwidth: the Google transport says {gt}; the AWS side's is used"));
            }
            bps
        }
        None => {
            lines.push(Line::new(
                "bandwidth",
                quote("1Gbps"),
                "[ASSUMPTION] 1 Gbps: the plan does not say (an accepted proposal's bandwidth is known only after apply)".to_string(),
            ));
            1_000_000_000
        }
    };
    if let Some(m) = gcp.and_then(|g| g.mtu) {
        if (576..=9216).contains(&m) {
            lines.push(Line::new("mtu", m.to_string(), format!("mtu_limit of {}", gcp.map_or("", |g| g.r.address.as_str()))));
        } else {
            notes.push(format!("mtu_limit {m} is outside 576-9216; the template's 1460 is kept"));
        }
    } else {
        notes.push(
            "MTU: the template's 1460 (interconnect-facts §1.7) [ASSUMPTION]: the file gives no mtu_limit (an output of the transport, known after apply)".into(),
        );
    }
    notes.push(
        "Channels, facilities, BGP and BFD: the template's 4 channels in 2 facilities (the spec's minimum of four), AWS BGP 30/90 s + BFD 300 ms x 3, Cloud Router BGP 20/60 s + BFD 1000 ms x 5 [ASSUMPTION]: the spec negotiates no timers and Terraform sets none (updates §1.3)".into(),
    );
    Interconnect {
        id,
        addresses,
        notes,
        lines,
        channel_bandwidth: vec![],
        sites: [format!("aws:{aws_region}"), format!("gcp:{gcp_region}")],
        channels: 4,
        facilities: 2,
        // Each channel carries half the sold bandwidth (template aws-gcp-managed, §7.2).
        channel_bps: vec![sold / 2; 4],
        // Negotiated BFD interval 1000 ms (the slower side); Cloud Router's multiplier 5.
        blackhole_detect_s: 5.0,
    }
}

/// An `aws-azure-managed` interconnect from an AWS connection to Azure and/or its
/// `MultiCloud` circuit: regions from each side (else the documented pair of the other),
/// the sold bandwidth (else the preview's only one, 1 Gbps), the rest the template's.
fn build_azure(found: &mut Found, aws: Option<&AwsSide<'_>>, az: Option<&MulticloudCircuit>) -> Interconnect {
    let address = aws.map(|a| a.r.address.clone()).or(az.map(|c| c.address.clone())).unwrap_or_default();
    let id = found.id_for(&address);
    let mut addresses = vec![];
    let mut notes = vec!["Azure Multicloud Interconnect (public preview: AWS only, 1 Gbps only, no SLA; updates §1.2)".to_string()];
    let mut lines = vec![Line::new("template", quote("aws-azure-managed"), None)];
    let (aws_region, aws_note) = match (aws, az.and_then(|c| c.region.as_deref())) {
        (Some(a), _) => a.region.clone(),
        (None, Some(r)) => match AZURE_MANAGED_PAIRS.iter().find(|p| p.1 == r) {
            Some(p) => (
                p.0.to_string(),
                Some(format!(
                    "[ASSUMPTION] the AWS region of the documented pair of {r} (sim-core presets AZURE_MANAGED_PAIRS, updates §1.2): no AWS connection to Azure in the plan"
                )),
            ),
            None => (
                "us-east-1".into(),
                Some(format!("[ASSUMPTION] us-east-1: {r} is not a preview region with a documented AWS pair; edit this")),
            ),
        },
        (None, None) => ("us-east-1".into(), None),
    };
    let (azure_region, azure_note) = match az.and_then(|c| c.region.clone()) {
        Some(r) => (r, Some(format!("location of {}, as ARM names it", az.map_or("", |c| c.address.as_str())))),
        None => match AZURE_MANAGED_PAIRS.iter().find(|p| p.0 == aws_region) {
            Some(p) => (
                p.1.to_string(),
                Some(format!(
                    "[ASSUMPTION] the Azure region of the documented pair of {aws_region} (sim-core presets AZURE_MANAGED_PAIRS, updates §1.2): no MultiCloud ExpressRoute circuit in the plan"
                )),
            ),
            None => ("eastus".into(), Some(format!("[ASSUMPTION] eastus: {aws_region} has no documented Azure pair; edit this"))),
        },
    };
    lines.push(Line::new("aws", quote(&aws_region), aws_note));
    lines.push(Line::new("azure", quote(&azure_region), azure_note));
    if let Some(a) = aws {
        addresses.push(a.r.address.clone());
        found.used.insert(a.r.address.clone());
        if let Some(e) = a.environment {
            notes.push(format!("environment_id {e}"));
        }
    }
    if let Some(c) = az {
        addresses.push(c.address.clone());
        found.used.insert(c.address.clone());
    }
    let bw = aws
        .and_then(|a| a.bandwidth.map(|(b, t)| (b, format!("`bandwidth = \"{t}\"` of {}", a.r.address))))
        .or(az.and_then(|c| c.bps.map(|b| (b, format!("the bandwidth of {}", c.address)))));
    let sold = match bw {
        Some((bps, from)) => {
            lines.push(Line::new("bandwidth", quote(&bandwidth_text(bps)), format!("the sold bandwidth: {from}")));
            bps
        }
        None => {
            lines.push(Line::new(
                "bandwidth",
                quote("1Gbps"),
                "[ASSUMPTION] 1 Gbps: the plan does not say; the preview sells only 1 Gbps (updates §1.2)".to_string(),
            ));
            1_000_000_000
        }
    };
    notes.push(
        "Channels, facilities, MTU, BGP and BFD: the template's 4 channels (4 BGP sessions measured) in 2 facilities [ASSUMPTION], MTU 1500 [ASSUMPTION], AWS BGP 30/90 s and ExpressRoute 60/180 s [ASSUMPTION], BFD 300 ms x 3 both sides [ASSUMPTION]: Terraform sets none (updates §1.2)".into(),
    );
    Interconnect {
        id,
        addresses,
        notes,
        lines,
        channel_bandwidth: vec![],
        sites: [format!("aws:{aws_region}"), format!("azure:{azure_region}")],
        channels: 4,
        facilities: 2,
        // Each channel carries half the sold bandwidth (template aws-azure-managed).
        channel_bps: vec![sold / 2; 4],
        // BFD 300 ms x 3 on both sides.
        blackhole_detect_s: 0.9,
    }
}
