//! Ready-made topologies with cited defaults: the building blocks of scenario templates.
//!
//! Every number names its source in `shared/reference/interconnect-facts.md` (section and
//! reference key); assumptions say so. The `scenarios` crate's templates start from these
//! and let a file override any field.

use crate::spec::*;
use crate::time::SimDuration;

/// One-way delay of an interconnect hop in the same metro. [ASSUMPTION] Cross-cloud
/// same-metro VM-to-VM RTT is 1.5 ms (§4.3, §7.5); minus 0.25 ms inside the two sites
/// (§7.5, fantoch) leaves 1.25 ms of round trip on the link, 0.625 ms each way.
pub const SAME_METRO_ONE_WAY: SimDuration = SimDuration::from_micros(625);

/// Effective AWS-GCP path MTU with a default GCP VPC: 1460 (§1.7, §7.3, [gcp-vpc-mtu]).
pub const AWS_GCP_MTU: u32 = 1460;

/// Ethernet framing plus MACsec, as on every AWS Interconnect link (§1.6, [aws-ic-sec]).
pub const MACSEC_ETHERNET: Framing = Framing { ethernet: true, macsec: true, extra_bytes: 0 };

/// Plain Ethernet framing, no MACsec.
pub const ETHERNET: Framing = Framing { ethernet: true, macsec: false, extra_bytes: 0 };

/// The smallest default drop-tail buffer per port direction: 64 KiB, so a short or slow link
/// still holds a burst of a few dozen full-size frames. [ASSUMPTION]
pub const MIN_QUEUE_BYTES: u64 = 64 * 1024;

/// A drop-tail buffer of one bandwidth-delay product of the link's round trip: line rate in
/// bytes per second × 2 × one-way delay, at least [`MIN_QUEUE_BYTES`]. This is the classic
/// sizing rule for router buffers (B = RTT × C, Villamizar and Song 1994; the "rule of thumb"
/// Appenzeller et al. examine in "Sizing Router Buffers", SIGCOMM 2004), and the queue the
/// Linux measurements of shared/reference/tcp-timing.md §1 ran behind (a 1-BDP drop-tail queue).
/// [ASSUMPTION] providers do not publish their port buffers (neither paper is in the reference
/// files); the round trip is the link's own, not the path's.
pub fn bdp_queue_bytes(line_bps: u64, one_way_delay: SimDuration) -> u64 {
    let bytes = u128::from(line_bps) * 2 * u128::from(one_way_delay.as_nanos()) / 8 / 1_000_000_000;
    u64::try_from(bytes).unwrap_or(u64::MAX).max(MIN_QUEUE_BYTES)
}

/// A link's default queue: [`bdp_queue_bytes`] of its line rate (every member) and its
/// one-way delay. Callers that change either after building a link recompute it with this.
pub fn default_queue_bytes(l: &LinkSpec) -> u64 {
    bdp_queue_bytes(u64::from(l.members).saturating_mul(l.member_bps), l.one_way_delay)
}

fn with_default_queue(mut l: LinkSpec) -> LinkSpec {
    l.queue_bytes = default_queue_bytes(&l);
    l
}

/// The six managed AWS Interconnect - multicloud pairs with Google Cloud (§1.3, §7.1,
/// [aws-regions]), with the interconnect hop's one-way delay: same metro except
/// us-west-1 / us-west2, 9 ms RTT [ASSUMPTION, §4.3] so 4.5 ms each way less the sites' share.
pub const MANAGED_PAIRS: [(&str, &str, SimDuration); 6] = [
    ("us-east-1", "us-east4", SAME_METRO_ONE_WAY),
    ("us-west-1", "us-west2", SimDuration::from_micros(4_375)),
    ("us-west-2", "us-west1", SAME_METRO_ONE_WAY),
    ("eu-west-2", "europe-west2", SAME_METRO_ONE_WAY),
    ("eu-central-1", "europe-west3", SAME_METRO_ONE_WAY),
    ("ap-southeast-1", "asia-southeast1", SAME_METRO_ONE_WAY),
];

/// One-way delay of the interconnect hop of Azure Multicloud Interconnect between us-east-1
/// and East US: the implementer's measured ICMP RTT of 3-4 ms VM to VM (updates-2026-12.md
/// §1.2, jalcalaroot/aws-azure-interconnect, secondary), taken as 3.5 ms, less the 0.25 ms
/// inside the two sites (§7.5), leaves 3.25 ms of round trip on the link: 1.625 ms each way.
pub const AWS_AZURE_ONE_WAY: SimDuration = SimDuration::from_micros(1_625);

/// The four AWS-Azure pairs of the Azure Multicloud Interconnect preview (updates-2026-12.md
/// §1.2: Azure's preview regions East US, West US, Australia East and Germany West Central,
/// learn.microsoft.com availability-limits, primary; the AWS side of each from the
/// implementer's notes, secondary), Azure regions by their ARM names. Only us-east-1 / East US
/// has a measured RTT; the others take it too [ASSUMPTION: no published RTT].
pub const AZURE_MANAGED_PAIRS: [(&str, &str, SimDuration); 4] = [
    ("us-east-1", "eastus", AWS_AZURE_ONE_WAY),
    ("us-west-1", "westus", AWS_AZURE_ONE_WAY),
    ("ap-southeast-2", "australiaeast", AWS_AZURE_ONE_WAY),
    ("eu-central-1", "germanywestcentral", AWS_AZURE_ONE_WAY),
];

/// The sold bandwidth of the Azure Multicloud Interconnect preview: 1 Gbps only
/// (updates-2026-12.md §1.2, availability-limits page).
pub const AZURE_MANAGED_PREVIEW_BPS: u64 = 1_000_000_000;

/// Effective AWS-Azure path MTU: 1500. [ASSUMPTION] Neither the Azure availability page nor
/// the implementer's notes give one; 1500 is the Azure VM and ExpressRoute default, the
/// lower of the two sides (AWS's side is 8500, §1.7).
pub const AWS_AZURE_MTU: u32 = 1500;

/// Session defaults for a managed AWS-GCP channel: AWS DX timers on side A (BGP 30/90 s, BFD
/// 300 ms x 3, [dx-bgp]) and Cloud Router's on side B (BGP 20/60 s, BFD 1000 ms x 5,
/// [cr-timers], [cr-bfd-api]). Negotiated: hold 60 s (lower wins), BFD 1000 ms (slower wins).
/// [ASSUMPTION] BFD on for the managed product; its timers are not published (§8.1).
pub fn aws_gcp_session() -> SessionSpec {
    SessionSpec {
        bgp: [BgpTimers::AWS, BgpTimers::GCP],
        bfd: Some([BfdTimers::AWS, BfdTimers::GCP]),
        establish: SessionSpec::DEFAULT_ESTABLISH,
        connect_retry: SessionSpec::DEFAULT_CONNECT_RETRY,
    }
}

/// Parameters of a quad-channel interconnect.
#[derive(Clone, Debug)]
pub struct Quad {
    pub id: String,
    pub a_site: String,
    pub b_site: String,
    /// Capacity each channel carries for the customer, bits per second. [ASSUMPTION] sold
    /// bandwidth / 2 per channel, so a one-facility loss keeps the full sold rate (§7.2).
    pub channel_bps: u64,
    pub mtu: u32,
    pub framing: Framing,
    pub one_way_delay: SimDuration,
    pub session: Option<SessionSpec>,
    pub channels: u32,
    pub facilities: u32,
    pub kind: LinkKind,
}

impl Quad {
    /// The managed AWS-GCP product: 4 channels in 2 facilities on 4 + 4 routers, MACsec,
    /// BGP + BFD per channel (§1.5, [spec-api], [classmethod]).
    pub fn aws_gcp_managed(id: &str, aws: &str, gcp: &str, sold_bps: u64) -> Quad {
        let delay = MANAGED_PAIRS.iter().find(|p| p.0 == aws && p.1 == gcp).map_or(SAME_METRO_ONE_WAY, |p| p.2);
        Quad {
            id: id.to_string(),
            a_site: format!("aws:{aws}"),
            b_site: format!("gcp:{gcp}"),
            channel_bps: sold_bps / 2,
            mtu: AWS_GCP_MTU,
            framing: MACSEC_ETHERNET,
            one_way_delay: delay,
            session: Some(aws_gcp_session()),
            channels: 4,
            facilities: 2,
            kind: LinkKind::Channel,
        }
    }

    /// Azure Multicloud Interconnect (public preview, AWS only): an ExpressRoute circuit of
    /// tier `MultiCloud` on the Azure side (updates-2026-12.md §1.2). 4 channels, one BGP
    /// session each (the implementer measured 4 sessions "Connected"), in 2 facilities
    /// [ASSUMPTION: the spec's quad, as for Google; Azure publishes no facility layout], MACsec
    /// on the AWS Interconnect links (§1.6, [aws-ic-sec]), path MTU [`AWS_AZURE_MTU`]. Sides: AWS
    /// DX timers (BGP 30/90 s, BFD 300 ms x 3, [dx-bgp]) and ExpressRoute's (BGP 60/180 s,
    /// BFD 300 ms x 3, as the `azure_expressroute` preset [ASSUMPTION]); hold negotiates to
    /// 90 s. Each channel carries half the sold bandwidth, as for Google (§7.2 [ASSUMPTION]).
    pub fn aws_azure_managed(id: &str, aws: &str, azure: &str, sold_bps: u64) -> Quad {
        let delay = AZURE_MANAGED_PAIRS.iter().find(|p| p.0 == aws && p.1 == azure).map_or(AWS_AZURE_ONE_WAY, |p| p.2);
        Quad {
            id: id.to_string(),
            a_site: format!("aws:{aws}"),
            b_site: format!("azure:{azure}"),
            channel_bps: sold_bps / 2,
            mtu: AWS_AZURE_MTU,
            framing: MACSEC_ETHERNET,
            one_way_delay: delay,
            session: Some(SessionSpec {
                bgp: [BgpTimers::AWS, BgpTimers::AZURE],
                bfd: Some([BfdTimers::AWS, BfdTimers::AWS]),
                establish: SessionSpec::DEFAULT_ESTABLISH,
                connect_retry: SessionSpec::DEFAULT_CONNECT_RETRY,
            }),
            channels: 4,
            facilities: 2,
            kind: LinkKind::Channel,
        }
    }

    /// A customer-facing quad in the same metro: 4 connections at 2 locations, the same BGP
    /// and BFD timers on both sides (a customer router mirrors the provider's defaults).
    fn customer_quad(
        id: &str,
        (a_site, b_site): (String, String),
        channel_bps: u64,
        (mtu, framing): (u32, Framing),
        (bgp, bfd): (BgpTimers, BfdTimers),
    ) -> Quad {
        Quad {
            id: id.to_string(),
            a_site,
            b_site,
            channel_bps,
            mtu,
            framing,
            one_way_delay: SAME_METRO_ONE_WAY,
            session: Some(SessionSpec {
                bgp: [bgp; 2],
                bfd: Some([bfd; 2]),
                establish: SessionSpec::DEFAULT_ESTABLISH,
                connect_retry: SessionSpec::DEFAULT_CONNECT_RETRY,
            }),
            channels: 4,
            facilities: 2,
            kind: LinkKind::Channel,
        }
    }

    /// AWS Direct Connect Maximum Resiliency: 4 connections at 2 locations (§2.1,
    /// [dx-resil-page]) to a customer router with the same timers as AWS: BGP 30/90 s,
    /// BFD 300 ms x 3 on both sides ([dx-bgp]), MACsec, MTU 1500. Cloud Router cannot go
    /// below 1000 ms x 5, so this is a DX-to-customer-router setup, not Cloud Router.
    pub fn aws_dx_max_resiliency(id: &str, aws: &str, onprem: &str, connection_bps: u64) -> Quad {
        let sites = (format!("aws:{aws}"), format!("onprem:{onprem}"));
        Quad::customer_quad(id, sites, connection_bps, (1500, MACSEC_ETHERNET), (BgpTimers::AWS, BfdTimers::AWS))
    }

    /// GCP Dedicated Interconnect 99.99 %: 4 connections, 2 metros (§2.2, [gcp-9999]),
    /// Cloud Router timers (BGP 20/60 s, BFD 1000 ms x 5) on both sides, attachment MTU 1440
    /// ([gcp-attach-mtu]), no MACsec.
    pub fn gcp_interconnect_9999(id: &str, gcp: &str, onprem: &str, connection_bps: u64) -> Quad {
        let sites = (format!("gcp:{gcp}"), format!("onprem:{onprem}"));
        Quad::customer_quad(id, sites, connection_bps, (1440, ETHERNET), (BgpTimers::GCP, BfdTimers::GCP))
    }

    /// Azure ExpressRoute: 2 circuits in 2 peering locations, each with a primary and a
    /// secondary link, BGP keepalive 60 s / hold 180 s and BFD 300 ms x 3 (issue #3).
    /// [ASSUMPTION] Azure's own timer documentation is not in the reference file.
    pub fn azure_expressroute(id: &str, azure: &str, onprem: &str, circuit_bps: u64) -> Quad {
        let sites = (format!("azure:{azure}"), format!("onprem:{onprem}"));
        Quad::customer_quad(id, sites, circuit_bps, (1500, ETHERNET), (BgpTimers::AZURE, BfdTimers::AWS))
    }

    /// The links: `{id}/ch{n}` in `{id}/fac-{a,b,..}`, routers `{id}/{cloud}-r{n}`.
    pub fn links(&self) -> Vec<LinkSpec> {
        let cloud = |site: &str| site.split(':').next().unwrap_or("site").to_string();
        let per_facility = self.channels.div_ceil(self.facilities.max(1)).max(1);
        (1..=self.channels)
            .map(|n| {
                let fac = (b'a' + ((n - 1) / per_facility) as u8) as char;
                with_default_queue(LinkSpec {
                    id: format!("{}/ch{n}", self.id),
                    kind: self.kind,
                    interconnect: Some(self.id.clone()),
                    facility: Some(format!("{}/fac-{fac}", self.id)),
                    a_site: self.a_site.clone(),
                    b_site: self.b_site.clone(),
                    a_router: Some(format!("{}/{}-r{n}", self.id, cloud(&self.a_site))),
                    b_router: Some(format!("{}/{}-r{n}", self.id, cloud(&self.b_site))),
                    members: 1,
                    member_bps: self.channel_bps,
                    mtu: self.mtu,
                    framing: self.framing,
                    one_way_delay: self.one_way_delay,
                    base_loss_ppm: 0,
                    queue_bytes: 0,
                    session: self.session,
                    route: [RouteAttrs::DEFAULT; 2],
                })
            })
            .collect()
    }

    /// Routing between the two sites: ECMP over all channels, hash modulo N.
    pub fn adjacency(&self) -> AdjacencySpec {
        AdjacencySpec {
            a_site: self.a_site.clone(),
            b_site: self.b_site.clone(),
            interconnect: Some(self.id.clone()),
            max_paths: self.channels.max(1),
            resilient_buckets: None,
            convergence: [AdjacencySpec::DEFAULT_CONVERGENCE; 2],
            local_repair: [AdjacencySpec::DEFAULT_LOCAL_REPAIR; 2],
        }
    }
}

/// An IPsec VPN backup between two sites: two tunnels, preferred less than any interconnect
/// (local-pref 50 < 100). [ASSUMPTION] 1.25 Gbps per tunnel (AWS Site-to-Site VPN's
/// published per-tunnel maximum; not in the reference file), 1500 B MTU (§6.4), 73 B of
/// ESP tunnel overhead, one-way delay 5 ms over the internet in the same metro, BGP
/// keepalive 10 s / hold 30 s, no BFD (Cloud Router offers none on HA VPN, §3.1).
pub fn vpn_backup(id: &str, a_site: &str, b_site: &str) -> Vec<LinkSpec> {
    (1..=2)
        .map(|n| {
            with_default_queue(LinkSpec {
                id: format!("{id}/tunnel{n}"),
                kind: LinkKind::Vpn,
                interconnect: None,
                facility: None,
                a_site: a_site.to_string(),
                b_site: b_site.to_string(),
                a_router: Some(format!("{id}/a-gw{n}")),
                b_router: Some(format!("{id}/b-gw{n}")),
                members: 1,
                member_bps: 1_250_000_000,
                mtu: 1500,
                framing: Framing { ethernet: true, macsec: false, extra_bytes: 73 },
                one_way_delay: SimDuration::from_millis(5),
                base_loss_ppm: 0,
                queue_bytes: 0,
                session: Some(SessionSpec {
                    bgp: [
                        BgpTimers { keepalive: SimDuration::from_secs(10), hold: SimDuration::from_secs(30) },
                        BgpTimers { keepalive: SimDuration::from_secs(10), hold: SimDuration::from_secs(30) },
                    ],
                    bfd: None,
                    establish: SessionSpec::DEFAULT_ESTABLISH,
                    connect_retry: SessionSpec::DEFAULT_CONNECT_RETRY,
                }),
                route: [RouteAttrs { local_pref: 50, prepend: 0, med: 100 }; 2],
            })
        })
        .collect()
}

/// A provider backbone span between two regions of one cloud: no BGP session (an internal
/// path that follows carrier), 100 Gbps [ASSUMPTION], half the measured RTT each way.
pub fn backbone(a_site: &str, b_site: &str, rtt: SimDuration) -> LinkSpec {
    with_default_queue(LinkSpec {
        id: format!("backbone/{}--{}", a_site.replace(':', "-"), b_site.replace(':', "-")),
        kind: LinkKind::Backbone,
        interconnect: None,
        facility: None,
        a_site: a_site.to_string(),
        b_site: b_site.to_string(),
        a_router: None,
        b_router: None,
        members: 1,
        member_bps: 100_000_000_000,
        mtu: 8500,
        framing: Framing { ethernet: true, macsec: false, extra_bytes: 0 },
        one_way_delay: SimDuration(rtt.as_nanos() / 2),
        base_loss_ppm: 0,
        queue_bytes: 0,
        session: None,
        route: [RouteAttrs::DEFAULT; 2],
    })
}

/// A bulk-or-demand traffic group over a route, with Linux TCP.
pub fn traffic(id: &str, route: &[&str], flows: u32, demand_bps: Option<u64>) -> TrafficSpec {
    TrafficSpec {
        id: id.to_string(),
        route: route.iter().map(|s| s.to_string()).collect(),
        flows,
        demand_bps,
        bytes_per_flow: None,
        start: crate::time::SimTime::ZERO,
        tcp: TcpSpec::LINUX,
        rehash_on_rto: false,
        replication: false,
        fidelity: Fidelity::Fluid,
        packet: PacketOptions::default(),
    }
}

/// A model with one managed AWS-GCP interconnect and one traffic group across it: the
/// smallest useful model, for tests and benchmarks.
pub fn one_quad(sold_bps: u64, flows: u32, demand_bps: Option<u64>, duration: SimDuration) -> ModelSpec {
    let q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", sold_bps);
    ModelSpec {
        links: q.links(),
        adjacencies: vec![q.adjacency()],
        traffic: vec![traffic("app", &["aws:us-east-1", "gcp:us-east4"], flows, demand_bps)],
        duration,
        ..ModelSpec::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One round trip's bandwidth-delay product: a managed 10 Gbps pair carries 5 Gbps per
    /// channel over 1.25 ms of round trip (781,250 B); 1 Gbps over a 10 ms round trip is
    /// 1.25 MB; a slow or short link gets the 64 KiB floor.
    #[test]
    fn default_queue_is_one_bdp_of_the_link_round_trip() {
        let q = Quad::aws_gcp_managed("ash", "us-east-1", "us-east4", 10_000_000_000);
        assert!(q.links().iter().all(|l| l.queue_bytes == 781_250));
        assert_eq!(bdp_queue_bytes(1_000_000_000, SimDuration::from_millis(5)), 1_250_000);
        assert_eq!(bdp_queue_bytes(10_000_000, SimDuration::from_millis(1)), MIN_QUEUE_BYTES);
        let tunnel = &vpn_backup("v", "aws:us-east-1", "gcp:us-east4")[0];
        assert_eq!(tunnel.queue_bytes, 1_562_500, "1.25 Gbps x 10 ms");
        assert_eq!(backbone("aws:us-east-1", "aws:us-west-2", SimDuration::from_millis(60)).queue_bytes, 750_000_000);
    }

    /// The measured pair's VM-to-VM RTT is 3.5 ms (updates-2026-12.md §1.2: 3-4 ms): two
    /// link crossings plus the two sites' internal round trips; 4 channels of half the sold
    /// 1 Gbps, hold negotiated to AWS's 90 s (the lower of 90 and 180).
    #[test]
    fn aws_azure_managed_matches_the_measured_pair() {
        let q = Quad::aws_azure_managed("az", "us-east-1", "eastus", AZURE_MANAGED_PREVIEW_BPS);
        let links = q.links();
        assert_eq!(links.len(), 4);
        let rtt = 2 * links[0].one_way_delay.as_nanos() + SiteSpec::DEFAULT_INTERNAL_RTT.as_nanos();
        assert_eq!(rtt, 3_500_000);
        assert!(links.iter().all(|l| l.member_bps == 500_000_000 && l.b_site == "azure:eastus"));
        let s = links[0].session.expect("BGP on every channel");
        assert_eq!(s.bgp[0].hold.min(s.bgp[1].hold), SimDuration::from_secs(90));
    }
}
