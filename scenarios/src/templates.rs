//! Named templates for `[[interconnect]]`, `[[vpn]]` and `[[backbone]]`, and the few format
//! defaults that are not in sim-core.
//!
//! Every template is a thin name over a `sim_core::presets` constructor, so each number keeps
//! the single source citation it has there (interconnect-facts.md section and reference key).
//! Nothing here repeats a preset's numbers; this module only says which preset a name means
//! and which cloud keys (`aws = "us-east-1"`) it takes.

use sim_core::SimDuration;
use sim_core::presets::Quad;

/// A quad-interconnect template: a name, the site keys it expects, and its preset.
pub struct Template {
    pub name: &'static str,
    /// Cloud of side A and side B; each is also the key naming that side's region
    /// (`aws = "us-east-1"`).
    pub clouds: [&'static str; 2],
    /// What `bandwidth` means for this template.
    pub bandwidth_means: &'static str,
    /// One line with the source of its defaults.
    pub source: &'static str,
    pub build: fn(&str, &str, &str, u64) -> Quad,
    /// The region pairs whose RTT the template's delay was measured or documented for
    /// (the managed templates' pairs tables); `None` when its delay does not depend on the
    /// pair (a cloud region to a customer site).
    pub pairs: Option<&'static [(&'static str, &'static str, SimDuration)]>,
}

/// All interconnect templates, in documentation order.
pub const TEMPLATES: &[Template] = &[
    Template {
        name: "aws-gcp-managed",
        clouds: ["aws", "gcp"],
        bandwidth_means: "the sold bandwidth; each channel carries half of it (§7.2 [ASSUMPTION])",
        source: "AWS Interconnect - multicloud: 4 channels, 2 facilities, MACsec, BGP AWS 30/90 s + Cloud Router 20/60 s, BFD 300 ms x 3 / 1000 ms x 5 (§1.5, §3.1, §7.2-7.4; [spec-api], [dx-bgp], [cr-timers], [cr-bfd-api])",
        build: Quad::aws_gcp_managed,
        pairs: Some(&sim_core::presets::MANAGED_PAIRS),
    },
    Template {
        name: "aws-azure-managed",
        clouds: ["aws", "azure"],
        bandwidth_means: "the sold bandwidth (the preview sells 1 Gbps only); each channel carries half of it (§7.2 [ASSUMPTION])",
        source: "Azure Multicloud Interconnect (public preview, AWS only): 4 channels (4 BGP sessions measured), 2 facilities [ASSUMPTION], MACsec, MTU 1500 [ASSUMPTION], BGP AWS 30/90 s + ExpressRoute 60/180 s, BFD 300 ms x 3 both sides, RTT 3.5 ms us-east-1 <-> eastus (updates-2026-12.md §1.2; [dx-bgp])",
        build: Quad::aws_azure_managed,
        pairs: Some(&sim_core::presets::AZURE_MANAGED_PAIRS),
    },
    Template {
        name: "aws-dx-max-resiliency",
        clouds: ["aws", "onprem"],
        bandwidth_means: "the bandwidth of each of the 4 connections",
        source: "AWS Direct Connect Maximum Resiliency: 4 connections at 2 locations to a customer router, BGP 30/90 s and BFD 300 ms x 3 on both sides (§2.1, §3.1; [dx-resil-page], [dx-bgp])",
        build: Quad::aws_dx_max_resiliency,
        pairs: None,
    },
    Template {
        name: "gcp-interconnect-9999",
        clouds: ["gcp", "onprem"],
        bandwidth_means: "the bandwidth of each of the 4 connections",
        source: "GCP Dedicated Interconnect 99.99%: 4 connections, 2 metros, Cloud Router BGP 20/60 s, BFD 1000 ms x 5 (§2.2, §3.1; [gcp-9999], [cr-timers], [cr-bfd-api])",
        build: Quad::gcp_interconnect_9999,
        pairs: None,
    },
    Template {
        name: "azure-expressroute",
        clouds: ["azure", "onprem"],
        bandwidth_means: "the bandwidth of each link of the 2 circuits",
        source: "Azure ExpressRoute: 2 circuits x (primary + secondary), BGP 60/180 s, BFD 300 ms x 3 (sim-core presets; [ASSUMPTION] Azure timers are not in the reference file)",
        build: Quad::azure_expressroute,
        pairs: None,
    },
];

/// The VPN template name (documentation only: `[[vpn]]` has a single template).
pub const VPN_TEMPLATE: &str = "vpn-backup";

/// Wait between prepending a drained link's routes and taking it down, when `drain` names
/// only a target. [ASSUMPTION] 30 s: long enough for the prepend to propagate (the 1 s
/// convergence delay of §7.4) and for flows to move; no provider publishes a drain time.
pub const DEFAULT_DRAIN_WAIT: SimDuration = SimDuration::from_secs(30);

/// Buckets of the resilient-hashing table for `resilient_hashing = true`.
/// [ASSUMPTION] 64: a common small table size on data-centre switches; not from the reference.
pub const DEFAULT_RESILIENT_BUCKETS: u32 = 64;

pub fn find(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.name == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    TEMPLATES.iter().map(|t| t.name)
}
