//! AWS Interconnect – multicloud, both ends: `aws_interconnect_connection` (AWS starts it),
//! `aws_interconnect_connection_proposal_acceptor` (the partner starts it) and Google's
//! `google_network_connectivity_transport`, paired by region into `aws-gcp-managed`
//! interconnects (updates-2026-12.md §1.5 for the attributes).

use sim_core::presets::MANAGED_PAIRS;

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
    let mut paired = vec![false; gcp.len()];
    for side in &aws {
        let env = side.environment.and_then(partner);
        if matches!(env, Some(Partner::Azure | Partner::Oracle)) {
            let who = if env == Some(Partner::Azure) { "Microsoft Azure" } else { "Oracle Cloud" };
            found.skipped.push((
                side.r.address.clone(),
                format!(
                    "an AWS Interconnect – multicloud connection to {who} (environment {}); this build models only the Google pairs",
                    side.environment.unwrap_or("?")
                ),
            ));
            continue;
        }
        let g = gcp.iter().enumerate().position(|(i, g)| !paired[i] && g.aws_region.as_deref() == Some(side.region.0.as_str()));
        if let Some(i) = g {
            paired[i] = true;
        }
        let ic = build(found, Some(side), g.map(|i| &gcp[i]), env.is_none());
        found.interconnects.push(ic);
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
        capacity_bps: sold / 2 * 4,
        // Negotiated BFD interval 1000 ms (the slower side); Cloud Router's multiplier 5.
        blackhole_detect_s: 5.0,
    }
}
