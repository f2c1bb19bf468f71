//! The input to a simulation: plain data describing sites, links, traffic, faults, alarms and
//! runbooks, with elements named by stable human ids.
//!
//! This is what the `scenarios` crate produces from a file and what tests write by hand.
//! Nothing here is validated; [`crate::Model::build`] resolves names, checks every value and
//! returns typed errors. Defaults carry their source (see `shared/reference/interconnect-facts.md`).

use serde::{Deserialize, Serialize};

use crate::time::{SimDuration, SimTime};

/// What a site belongs to. Site ids are written `cloud:region`, e.g. `aws:us-east-1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    Aws,
    Gcp,
    Azure,
    Onprem,
}

impl Cloud {
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
            Cloud::Onprem => "onprem",
        }
    }
    pub fn parse(s: &str) -> Option<Cloud> {
        match s {
            "aws" => Some(Cloud::Aws),
            "gcp" => Some(Cloud::Gcp),
            "azure" => Some(Cloud::Azure),
            "onprem" => Some(Cloud::Onprem),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SiteKind {
    /// A cloud region where workloads run.
    Region,
    /// An edge or colocation location (no workloads of its own).
    Edge,
}

/// A site. Sites that are only referenced (by a link or a traffic route) are created as
/// regions with the default internal RTT.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteSpec {
    /// `cloud:region`, e.g. `gcp:us-east4`.
    pub id: String,
    pub kind: SiteKind,
    /// Round trip inside the site between a workload and the edge router.
    pub internal_rtt: SimDuration,
}

impl SiteSpec {
    /// Same-zone VM to VM RTT, 0.25 ms: interconnect-facts §7.5 (fantoch measurements).
    pub const DEFAULT_INTERNAL_RTT: SimDuration = SimDuration::from_micros(250);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkKind {
    /// One channel of an interconnect (a physical link or LAG between two routers).
    Channel,
    /// An IPsec VPN over the internet, a backup path.
    Vpn,
    /// A provider's inter-region backbone.
    Backbone,
}

/// Per-frame overheads that reduce a link's usable capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Framing {
    /// Ethernet framing: 42 B per frame (preamble+SFD 8, MAC 14, 802.1Q 4, FCS 4, IFG 12),
    /// interconnect-facts §3.4.
    pub ethernet: bool,
    /// MACsec: 32 B per frame (SecTAG with SCI 16 + ICV 16), interconnect-facts §1.6, §3.4.
    pub macsec: bool,
    /// Any further per-packet bytes (e.g. IPsec ESP in tunnel mode).
    pub extra_bytes: u32,
}

impl Framing {
    pub const ETHERNET_BYTES: u32 = 42;
    pub const MACSEC_BYTES: u32 = 32;

    pub fn bytes_per_frame(self) -> u32 {
        let mut b = self.extra_bytes;
        if self.ethernet {
            b += Self::ETHERNET_BYTES;
        }
        if self.macsec {
            b += Self::MACSEC_BYTES;
        }
        b
    }
}

/// BGP timers of one speaker. Hold time is negotiated lower-wins (RFC 4271 §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BgpTimers {
    pub keepalive: SimDuration,
    pub hold: SimDuration,
}

impl BgpTimers {
    /// AWS Direct Connect defaults: keepalive 30 s, hold 90 s (interconnect-facts §3.1, [dx-bgp]).
    pub const AWS: BgpTimers = BgpTimers { keepalive: SimDuration::from_secs(30), hold: SimDuration::from_secs(90) };
    /// GCP Cloud Router defaults: keepalive 20 s, hold 60 s (§3.1, [cr-timers]).
    pub const GCP: BgpTimers = BgpTimers { keepalive: SimDuration::from_secs(20), hold: SimDuration::from_secs(60) };
    /// Azure ExpressRoute defaults: keepalive 60 s, hold 180 s (issue #3 template).
    pub const AZURE: BgpTimers = BgpTimers { keepalive: SimDuration::from_secs(60), hold: SimDuration::from_secs(180) };
}

/// BFD parameters of one system (RFC 5880 §6.8.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BfdTimers {
    pub desired_min_tx: SimDuration,
    pub required_min_rx: SimDuration,
    pub multiplier: u32,
}

impl BfdTimers {
    /// AWS Direct Connect: 300 ms x 3 (interconnect-facts §3.1, [dx-bgp]).
    pub const AWS: BfdTimers =
        BfdTimers { desired_min_tx: SimDuration::from_millis(300), required_min_rx: SimDuration::from_millis(300), multiplier: 3 };
    /// GCP Cloud Router: 1000 ms x 5, the platform minimum (§3.1, [cr-bfd-api]).
    pub const GCP: BfdTimers =
        BfdTimers { desired_min_tx: SimDuration::from_millis(1000), required_min_rx: SimDuration::from_millis(1000), multiplier: 5 };
}

/// The control-plane session running over a link: BGP, optionally with BFD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSpec {
    /// Side A's and side B's BGP timers.
    pub bgp: [BgpTimers; 2],
    /// Side A's and side B's BFD parameters; `None` when BFD is off.
    pub bfd: Option<[BfdTimers; 2]>,
    /// Time from a working link to an Established session (TCP + OPEN + KEEPALIVE).
    /// [ASSUMPTION] 1 s; not published by any provider.
    pub establish: SimDuration,
    /// Interval between connection attempts while the link does not carry the session.
    /// [ASSUMPTION] 5 s; RFC 4271 suggests 120 s, router OSes use less.
    pub connect_retry: SimDuration,
}

impl SessionSpec {
    pub const DEFAULT_ESTABLISH: SimDuration = SimDuration::from_secs(1);
    pub const DEFAULT_CONNECT_RETRY: SimDuration = SimDuration::from_secs(5);
}

/// BGP path attributes of the routes a side learns over a link.
///
/// Selection (RFC 4271 §9.1.2, as on AWS DX and Cloud Router): highest `local_pref`, then the
/// shortest AS path (`prepend` adds hops), then the lowest `med`. Ties form the ECMP set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteAttrs {
    pub local_pref: u32,
    pub prepend: u32,
    pub med: u32,
}

impl RouteAttrs {
    /// Default local preference 100 (RFC 4271 common default), no prepend, MED 100 (Cloud
    /// Router base priority default, interconnect-facts §3.3).
    pub const DEFAULT: RouteAttrs = RouteAttrs { local_pref: 100, prepend: 0, med: 100 };
}

/// A link: a channel of an interconnect, a VPN tunnel, or a backbone span.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkSpec {
    /// Stable id, e.g. `ash/ch2`.
    pub id: String,
    pub kind: LinkKind,
    /// The interconnect this channel belongs to.
    pub interconnect: Option<String>,
    /// The facility the link lands in (channels only), e.g. `ash/fac-a`.
    pub facility: Option<String>,
    pub a_site: String,
    pub b_site: String,
    /// Router ids on each side; generated from the link id when absent.
    pub a_router: Option<String>,
    pub b_router: Option<String>,
    /// LAG members (1 for a plain link) and the line rate of each, bits per second.
    pub members: u32,
    pub member_bps: u64,
    /// IP MTU in bytes.
    pub mtu: u32,
    pub framing: Framing,
    pub one_way_delay: SimDuration,
    /// Background random loss, parts per million.
    pub base_loss_ppm: u32,
    /// Drop-tail queue per direction, bytes (used by packet fidelity).
    pub queue_bytes: u64,
    pub session: Option<SessionSpec>,
    /// Attributes of routes learned over this link by side A and by side B.
    pub route: [RouteAttrs; 2],
}

/// Routing policy between a pair of sites (an adjacency): for every link between them, or,
/// with `interconnect`, only for that interconnect's links (two interconnects between the
/// same sites each keep their own convergence delay and ECMP width).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdjacencySpec {
    pub a_site: String,
    pub b_site: String,
    /// The interconnect whose links this policy governs; `None` for all links between the sites.
    #[serde(default)]
    pub interconnect: Option<String>,
    /// ECMP width (1 means active-passive even between equal routes).
    pub max_paths: u32,
    /// Resilient hashing: a bucket table where only flows of a removed member move.
    /// `None` means hash modulo N (what most routers do).
    pub resilient_buckets: Option<u32>,
    /// Delay from a change the control plane learns (a BFD or hold-timer timeout, a
    /// NOTIFICATION, a BFD Down from the peer, a reset, a session coming up, a preference
    /// change) to side A's (resp. B's) forwarding change: BGP withdraws, recomputes and
    /// programs the provider's fabric. [ASSUMPTION] 1 s inside a provider
    /// (interconnect-facts §3.2).
    pub convergence: [SimDuration; 2],
    /// Delay from carrier loss on a link to side A's (resp. B's) routers dropping that next
    /// hop: the router sees its interface go down and switches to the alternates already in
    /// its FIB (remaining ECMP members, or the pre-installed backup path: BGP PIC Edge),
    /// without waiting for BGP. Must not exceed `convergence`. Default
    /// [`AdjacencySpec::DEFAULT_LOCAL_REPAIR`].
    #[serde(default = "AdjacencySpec::default_local_repair")]
    pub local_repair: [SimDuration; 2],
}

impl AdjacencySpec {
    pub const DEFAULT_CONVERGENCE: SimDuration = SimDuration::from_secs(1);
    /// 50 ms: "Local repair reduces the amount of time needed to reroute traffic to less than
    /// 50 milliseconds. In contrast, global repair can take up to 800 milliseconds" (Juniper,
    /// Loop-Free Alternate Routes for OSPF Overview, Junos OS 12.3:
    /// <https://juniper.net/documentation/en_US/junos12.3/topics/concept/ospf-loop-free-alternate-routes-overview.html>);
    /// the vendor's bound, so a conservative default. [ASSUMPTION] that the providers' edge
    /// routers repair this way on interface down (pre-installed alternates, as with BGP PIC
    /// Edge); neither provider publishes it.
    pub const DEFAULT_LOCAL_REPAIR: SimDuration = SimDuration::from_millis(50);

    fn default_local_repair() -> [SimDuration; 2] {
        [Self::DEFAULT_LOCAL_REPAIR; 2]
    }
}

pub use crate::tcp::profile::{AbortRule, Growth, Repair, RtoRule, SynSchedule, TcpProfile, TcpSpec, TimerClock};

/// How a traffic group is simulated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fidelity {
    /// Rates from max-min sharing and an explicit TCP model: fast, exact byte counts.
    #[default]
    Fluid,
    /// Real TCP stacks (smoltcp) at the endpoints, packets carried hop by hop.
    Packet,
}

/// Congestion control of a packet-fidelity flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CongestionControl {
    /// CUBIC (RFC 9438), the default of Linux, Windows and Apple stacks.
    #[default]
    Cubic,
    Reno,
}

/// Options of packet fidelity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PacketOptions {
    pub cc: CongestionControl,
    /// Socket buffer size per direction; `None` sizes it to the path's bandwidth-delay
    /// product plus the largest queue on the path (crate-notes §2: tx >= cwnd, rx >= BDP + queue).
    pub buffer_bytes: Option<u64>,
}

/// A traffic group: `flows` TCP flows along a route of sites.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrafficSpec {
    pub id: String,
    /// Sites the traffic crosses, source first; each adjacent pair must be joined by links.
    /// The first and last entries may name endpoints instead, which stand for their sites.
    pub route: Vec<String>,
    pub flows: u32,
    /// Total demand of the group, bits per second; `None` for bulk flows limited only by
    /// the network and TCP.
    pub demand_bps: Option<u64>,
    /// Bytes each flow sends before it finishes; `None` for flows that run to the end.
    pub bytes_per_flow: Option<u64>,
    pub start: SimTime,
    pub tcp: TcpSpec,
    /// Each RTO re-draws the flow's ECMP member (Linux `sk_rethink_txhash` where ECMP hashes the
    /// IPv6 flow label), so a flow can leave a blackholed member before routing reacts.
    #[serde(default)]
    pub rehash_on_rto: bool,
    /// Replication traffic: the report gives the RPO when a site on its route is lost.
    pub replication: bool,
    pub fidelity: Fidelity,
    pub packet: PacketOptions,
}

/// Direction of a one-way failure, relative to the link's A and B sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    AToB,
    BToA,
    Both,
}

/// Gray-failure parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Degradation {
    /// Per-packet loss, parts per million (the long-run fraction lost).
    pub loss_ppm: u32,
    /// Mean length of a loss burst, in packets: 1 for independent loss, more for losses that
    /// come in runs (a Gilbert-Elliott channel whose bad state drops everything).
    #[serde(default = "Degradation::independent")]
    pub burst: u32,
    pub extra_delay: SimDuration,
    pub jitter: SimDuration,
    /// Remaining capacity, parts per million of the healthy capacity.
    pub capacity_ppm: u32,
}

impl Degradation {
    fn independent() -> u32 {
        1
    }
}

/// What a fault does to its target.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultAction {
    /// Carrier loss: both ends see the link (or every link of the target) go down.
    Down,
    /// The link stays up and silently drops everything in both directions.
    Blackhole,
    /// Silent drop in one direction (or both).
    Partition(Direction),
    Degrade(Degradation),
    /// Repeated down/up: `count` cycles of `period`, up for `up_ppm` of each.
    Flap {
        period: SimDuration,
        up_ppm: u32,
        count: u32,
    },
    /// Both speakers tear the BGP session down (NOTIFICATION) and re-establish it.
    BgpReset,
    /// BFD is switched off on the session (a misconfiguration); BGP timers remain.
    BfdDisable,
    /// Graceful maintenance: prepend the link's routes, wait, then take it down.
    Drain {
        wait: SimDuration,
    },
}

/// When a scripted fault starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    At(SimTime),
    /// `delay` after another fault starts.
    After {
        fault: String,
        delay: SimDuration,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultSpec {
    pub id: String,
    /// Element id: a link, router, facility, interconnect, site or endpoint.
    pub target: String,
    pub action: FaultAction,
    pub trigger: Trigger,
    /// How long until the element is repaired; `None` lasts to the end of the run.
    pub duration: Option<SimDuration>,
}

/// Classes of elements a random fault process can pick from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ElementClass {
    Channel,
    Router,
    Facility,
}

/// Random failures of every element of a class: exponential times to failure (mean `mtbf`)
/// and to repair (mean `mttr`), drawn from the seed per element.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RandomFaultSpec {
    pub id: String,
    pub class: ElementClass,
    pub action: FaultAction,
    pub mtbf: SimDuration,
    pub mttr: SimDuration,
    /// Stop starting new faults after this many (0 = no limit).
    pub max_faults: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlarmCondition {
    /// The group's throughput stays below `fraction_ppm` of its demand (or of its pre-fault
    /// throughput for bulk groups) for `for_`.
    GroupBelow { group: String, fraction_ppm: u32, for_: SimDuration },
    /// Any BGP session on the target (a link or an interconnect) is down for `for_`.
    SessionDown { target: String, for_: SimDuration },
    /// The group delivers nothing for `for_`.
    Unreachable { group: String, for_: SimDuration },
    /// The share of the group's packets lost, lost ÷ (delivered + lost) at its current rates,
    /// stays above `loss_ppm` for `for_` (a gray failure BFD never sees).
    LossAbove { group: String, loss_ppm: u32, for_: SimDuration },
    /// The round-trip time of the group's slowest flow with a working path (propagation and
    /// any added delay, both directions; no queueing) stays above `rtt` for `for_`.
    LatencyAbove { group: String, rtt: SimDuration, for_: SimDuration },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlarmSpec {
    pub id: String,
    pub condition: AlarmCondition,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepTrigger {
    Alarm(String),
    At(SimTime),
    /// When another step has completed.
    AfterStep(String),
}

/// A human's or an automation's reaction time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delay {
    Fixed(SimDuration),
    Uniform { min: SimDuration, max: SimDuration },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepAction {
    /// Move a traffic group onto another route of sites (a backup path or another region
    /// pair), or onto one connection (a VPN, an interconnect) of a hop.
    Shift(ShiftSpec),
    /// Drain a link gracefully.
    Drain { link: String },
    /// Change the attributes both sides give routes over a set of links: one link, or every
    /// link of a VPN or an interconnect (`name` says which, for reports).
    Prefer { name: String, links: Vec<String>, attrs: RouteAttrs },
    /// Fail a service over: shift several groups at once.
    Failover { shifts: Vec<ShiftSpec> },
}

/// Where a runbook step moves one traffic group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShiftSpec {
    pub group: String,
    /// The new route, source first: site names (endpoints at the ends).
    pub route: Vec<String>,
    /// Per hop of `route` (empty, or one entry per hop): the connection whose links alone
    /// carry the group over that hop, as a more-specific route advertised over them only
    /// would (`None`: the hop's usual best routes).
    #[serde(default)]
    pub over: Vec<Option<PinSpec>>,
}

/// A connection a shifted group is pinned to on one hop: its name (a VPN's or an
/// interconnect's id) and its links.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PinSpec {
    pub name: String,
    pub links: Vec<String>,
}

impl ShiftSpec {
    /// A shift onto a route of sites, over each hop's usual routes.
    pub fn sites(group: impl Into<String>, route: Vec<String>) -> ShiftSpec {
        ShiftSpec { group: group.into(), route, over: Vec::new() }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepSpec {
    pub id: String,
    pub trigger: StepTrigger,
    pub delay: Delay,
    pub action: StepAction,
}

/// A workload in a site (an application tier, a database primary): traffic starts or ends at
/// it, and it can fail on its own while its site stays up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndpointSpec {
    pub id: String,
    /// `cloud:region`.
    pub site: String,
}

/// Everything a simulation needs, by name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    pub sites: Vec<SiteSpec>,
    pub endpoints: Vec<EndpointSpec>,
    pub links: Vec<LinkSpec>,
    pub adjacencies: Vec<AdjacencySpec>,
    pub traffic: Vec<TrafficSpec>,
    pub faults: Vec<FaultSpec>,
    pub random_faults: Vec<RandomFaultSpec>,
    pub alarms: Vec<AlarmSpec>,
    pub steps: Vec<StepSpec>,
    /// The simulated time at which the run stops.
    pub duration: SimDuration,
}
