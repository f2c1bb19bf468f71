//! The file format as written: plain serde structs mirroring the TOML tables, with byte
//! spans kept on every value a later check may need to point at.
//!
//! This is syntax only. Nothing here knows templates, defaults or whether an id exists;
//! `compile` turns these structs into a sim-core `ModelSpec`. The same structs generate the
//! JSON Schema (`schema`), so the schema cannot drift from what the parser accepts.
//! Every table denies unknown keys; `compile::parse` adds the "did you mean" suggestion.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, IntoDeserializer, MapAccess, Visitor};

use crate::units::{Bandwidth, Bytes, Dur, Percent, Throughput, Whole};

/// A value and the byte span it was written at.
#[derive(Clone, Debug, PartialEq)]
pub struct Sp<T> {
    pub value: T,
    pub span: Range<usize>,
}

impl<T> Sp<T> {
    pub fn new(value: T, span: Range<usize>) -> Sp<T> {
        Sp { value, span }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sp<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = toml::Spanned::<T>::deserialize(d)?;
        let span = s.span();
        Ok(Sp { value: s.into_inner(), span })
    }
}

impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        T::json_schema(g)
    }
}

/// A key that takes either a plain value (a string, a boolean or an integer) or a table,
/// e.g. `bfd = false` or `bfd = { interval = "300ms", multiplier = 3 }`.
#[derive(Clone, Debug, PartialEq)]
pub enum Either<T> {
    Str(String),
    Bool(bool),
    Int(i64),
    Table(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Either<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Either<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, a boolean, an integer or a table")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Either<T>, E> {
                Ok(Either::Str(s.to_string()))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Either<T>, E> {
                Ok(Either::Bool(b))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Either<T>, E> {
                Ok(Either::Int(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Either<T>, E> {
                i64::try_from(n).map(Either::Int).map_err(|_| E::custom("integer too large"))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Either<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Either::Table)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<T: JsonSchema> JsonSchema for Either<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("ValueOr{}", T::schema_name()).into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let table = g.subschema_for::<T>();
        json_schema!({ "anyOf": [ { "type": ["string", "boolean", "integer"] }, table ] })
    }
}

/// Helper so a plain string can be turned into a unit type with the parser's message.
pub fn parse_str<'de, T: Deserialize<'de>>(s: &'de str) -> Result<T, String> {
    let d: de::value::StrDeserializer<'de, de::value::Error> = s.into_deserializer();
    T::deserialize(d).map_err(|e| e.to_string())
}

/// A whole scenario file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "faultline scenario", description = "One scenario per file; see the 'Scenario format' section of README.md.")]
pub struct File {
    /// The scenario's name, summary, run length and default seed (required).
    pub scenario: Sp<ScenarioTable>,
    /// Managed or dedicated interconnects, each a bundle of channels between two sites built
    /// from a template (README "[[interconnect]]").
    #[serde(default)]
    pub interconnect: Vec<Sp<Interconnect>>,
    /// IPsec VPN backups: two tunnels between two sites, preferred less than any interconnect.
    #[serde(default)]
    pub vpn: Vec<Sp<Vpn>>,
    /// A provider's inter-region backbone spans (no BGP session: they follow carrier).
    #[serde(default)]
    pub backbone: Vec<Sp<Backbone>>,
    /// Workloads in a site that traffic can start or end at and that can fail on their own.
    #[serde(default)]
    pub endpoint: Vec<Sp<Endpoint>>,
    /// Groups of TCP flows along a route of sites.
    #[serde(default)]
    pub traffic: Vec<Sp<Traffic>>,
    /// Scripted faults, each with a start, an optional repair time and exactly one action.
    #[serde(default)]
    pub fault: Vec<Sp<Fault>>,
    /// MTBF/MTTR failure processes over a class of elements, drawn from the seed.
    #[serde(default)]
    pub random_faults: Vec<Sp<RandomFaults>>,
    /// Alarms a runbook step can wait on, each with exactly one condition.
    #[serde(default)]
    pub alarm: Vec<Sp<Alarm>>,
    /// Runbook steps: one trigger, an optional delay and one action.
    #[serde(default)]
    pub runbook: Vec<Sp<Runbook>>,
    /// The SLOs the run is judged against; without it the verdict is inconclusive.
    pub expect: Option<Sp<Expect>>,
    /// `faultline sweep` only: gates over the seeds of a sweep; `run` and `check` ignore it.
    pub sweep: Option<Sp<SweepTable>>,
    /// `faultline live` only: a TCP proxy per table; every other command ignores them.
    #[serde(default)]
    pub proxy: Vec<Sp<Proxy>>,
    /// SLA accounting: the month's length and which provider terms apply to an interconnect.
    pub sla: Option<Sp<SlaTable>>,
}

/// `[scenario]`: name, summary, run length and seed.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioTable {
    /// The scenario's name, not empty (library files: the file stem).
    #[schemars(length(min = 1))]
    pub name: Sp<String>,
    /// One line saying what is rehearsed.
    pub summary: Option<String>,
    /// Simulated run length, a positive duration of at most 366 days, e.g. `"120s"`.
    #[schemars(schema_with = "crate::schema::positive_duration")]
    pub duration: Sp<Dur>,
    /// The default seed (default 1); `--seed` overrides it.
    pub seed: Option<u64>,
}

/// `[[interconnect]]`: a bundle of channels between two sites, from a template.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Interconnect {
    /// The interconnect's id; it also names all its channels (`ash` for `ash/ch1`…).
    #[schemars(length(min = 1))]
    pub id: Sp<String>,
    /// The template whose defaults (sides, channels, facilities, MTU, BGP and BFD timers) the
    /// interconnect starts from (README "Template defaults").
    #[schemars(schema_with = "crate::schema::template")]
    pub template: Sp<String>,
    /// Replicate this interconnect N times (1 to 100000); `{n}` in ids and sites becomes the
    /// copy number.
    #[schemars(range(min = 1, max = 100_000))]
    pub count: Option<Sp<u32>>,
    /// The AWS side's region (`"us-east-1"`), for templates with an `aws` side.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::aws_region")]
    pub aws: Option<Sp<String>>,
    /// The Google Cloud side's region (`"us-east4"`), for templates with a `gcp` side.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::gcp_region")]
    pub gcp: Option<Sp<String>>,
    /// The Azure side's region (`"eastus"`), for `azure-expressroute`.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::azure_region")]
    pub azure: Option<Sp<String>>,
    /// The on-premises side's site name (`"ashburn-dc"`), any name without spaces.
    pub onprem: Option<Sp<String>>,
    /// Side A as `cloud:region` (instead of the template's cloud key).
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::site")]
    pub a: Option<Sp<String>>,
    /// Side B as `cloud:region` (instead of the template's cloud key).
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::site")]
    pub b: Option<Sp<String>>,
    /// Required. For `aws-gcp-managed` the sold bandwidth (each channel carries half), for the
    /// other templates the bandwidth of each connection, e.g. `"10Gbps"`.
    pub bandwidth: Sp<Bandwidth>,
    /// Per-channel capacity, overriding the template's share of `bandwidth`.
    pub channel_bandwidth: Option<Sp<Bandwidth>>,
    /// Number of channels, 1 to 64 (the ECMP members sim-core supports).
    #[schemars(range(min = 1, max = 64))]
    pub channels: Option<Sp<u32>>,
    /// Number of facilities the channels are spread over in order, 1 to 26 and at most
    /// `channels`.
    #[schemars(range(min = 1, max = 26))]
    pub facilities: Option<Sp<u32>>,
    /// IP MTU in bytes, 576 to 9216 (template default: 1460 managed, 1500 DX, 1440 GCP).
    #[schemars(range(min = 576, max = 9216))]
    pub mtu: Option<Sp<u32>>,
    /// MACsec on the channels: 32 B of overhead per frame (template default).
    pub macsec: Option<bool>,
    /// One-way propagation delay of each channel (template default from the region pair).
    pub delay: Option<Sp<Dur>>,
    /// Drop-tail queue per channel direction, bytes (default: one bandwidth-delay product of
    /// the channel's round trip, at least 64 KiB); at least one full-size frame, at most 16 GiB.
    pub queue: Option<Sp<Bytes>>,
    /// Background random loss of each channel, below 100 % (default 0 %).
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::percent_below_100")]
    pub loss: Option<Sp<Percent>>,
    /// BFD on both sides: `false` (off), `true` (template default) or
    /// `{ interval, multiplier }`.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::bool_or_bfd")]
    pub bfd: Option<Sp<Either<BfdTable>>>,
    /// BGP timers on both sides, `{ keepalive, hold }` (hold at least 3 s, keepalive 1 s to hold).
    pub bgp: Option<Sp<BgpTable>>,
    /// Side A's (the template's first cloud's) BFD, applied after `bfd`.
    pub bfd_a: Option<Sp<BfdTable>>,
    /// Side B's BFD, applied after `bfd`.
    pub bfd_b: Option<Sp<BfdTable>>,
    /// Side A's BGP timers, applied after `bgp`.
    pub bgp_a: Option<Sp<BgpTable>>,
    /// Side B's BGP timers, applied after `bgp`.
    pub bgp_b: Option<Sp<BgpTable>>,
    /// Delay from a change BGP or BFD learns to the forwarding change, both sides
    /// (default 1 s [ASSUMPTION]).
    pub convergence: Option<Sp<Dur>>,
    /// Delay from carrier loss on a channel to the routers at that end dropping it (local
    /// repair), both sides; at most `convergence` (default 50 ms, or `convergence` if shorter).
    pub local_repair: Option<Sp<Dur>>,
    /// ECMP width over this interconnect's channels, 1 to 64 (1 = active/passive).
    #[schemars(range(min = 1, max = 64))]
    pub max_paths: Option<Sp<u32>>,
    /// Resilient hashing: `false` (hash modulo N), `true` (64 buckets [ASSUMPTION]) or a
    /// bucket count 1 to 4096.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::bool_or_buckets")]
    pub resilient_hashing: Option<Sp<Either<NoTable>>>,
    /// Per-channel overrides keyed by channel name (`ch1`, `ch2`, ...).
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^ch[1-9][0-9]*$" }))]
    pub channel: BTreeMap<String, Sp<ChannelOverride>>,
}

/// Never deserializes from a table: for keys that take a plain value or a boolean.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
pub struct NoTable;

impl<'de> Deserialize<'de> for NoTable {
    fn deserialize<D: Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(de::Error::custom("expected `true`, `false` or a bucket count, not a table"))
    }
}

/// Never deserializes from a table: `sla_within` takes a boolean or a percentage.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
pub struct NoUptimeTable;

impl<'de> Deserialize<'de> for NoUptimeTable {
    fn deserialize<D: Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(de::Error::custom("expected `true`, `false` or a monthly uptime (\"99.95%\"), not a table"))
    }
}

/// `bfd = { interval, multiplier }`: both sides' BFD parameters.
#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct BfdTable {
    /// Transmit and receive interval, at least 1 ms (`"300ms"`; Cloud Router's floor is 1000 ms).
    #[schemars(schema_with = "crate::schema::positive_duration")]
    pub interval: Sp<Dur>,
    /// Detect multiplier, 1 to 255: the session goes down after this many missed intervals.
    #[schemars(range(min = 1, max = 255))]
    pub multiplier: Sp<u32>,
}

/// `bgp = { keepalive, hold }`: both sides' BGP timers.
#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct BgpTable {
    /// Keepalive interval, at least 1 s and at most `hold` (template default 30 s AWS, 20 s
    /// Cloud Router).
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::positive_duration")]
    pub keepalive: Option<Sp<Dur>>,
    /// Hold time, at least 3 s (RFC 4271 §4.2; template default 90 s AWS, 60 s Cloud Router).
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::positive_duration")]
    pub hold: Option<Sp<Dur>>,
}

/// `[interconnect.channel.chN]`: overrides for one channel.
#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct ChannelOverride {
    /// This channel's capacity.
    pub bandwidth: Option<Sp<Bandwidth>>,
    /// This channel's one-way propagation delay.
    pub delay: Option<Sp<Dur>>,
    /// This channel's drop-tail queue per direction, bytes.
    pub queue: Option<Sp<Bytes>>,
    /// This channel's background random loss, below 100 %.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::percent_below_100")]
    pub loss: Option<Sp<Percent>>,
    /// BGP LOCAL_PREF of routes over this channel (default 100; higher wins).
    pub local_pref: Option<u32>,
    /// AS_PATH prepends on this channel (default 0; more makes it less preferred).
    pub prepend: Option<u32>,
    /// MED of routes over this channel (default 100; lower wins).
    pub med: Option<u32>,
}

/// `[[vpn]]`: an IPsec VPN backup (template `vpn-backup`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vpn {
    /// The VPN's id; its tunnels are `<id>/tunnel1` and `<id>/tunnel2`.
    #[schemars(length(min = 1))]
    pub id: Sp<String>,
    /// Side A's site, `cloud:region`.
    #[schemars(schema_with = "crate::schema::site")]
    pub a: Sp<String>,
    /// Side B's site, `cloud:region`.
    #[schemars(schema_with = "crate::schema::site")]
    pub b: Sp<String>,
    /// Bandwidth per tunnel (default 1.25 Gbps [ASSUMPTION]).
    pub bandwidth: Option<Sp<Bandwidth>>,
    /// One-way delay of each tunnel (default 5 ms [ASSUMPTION]).
    pub delay: Option<Sp<Dur>>,
    /// Drop-tail queue per tunnel direction, bytes (default: one bandwidth-delay product).
    pub queue: Option<Sp<Bytes>>,
}

/// `[[backbone]]`: a provider's inter-region backbone span.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backbone {
    /// The span's id (default `backbone/<a>--<b>` with `:` as `-`).
    pub id: Option<Sp<String>>,
    /// One end's site, `cloud:region`.
    #[schemars(schema_with = "crate::schema::site")]
    pub a: Sp<String>,
    /// The other end's site, `cloud:region`.
    #[schemars(schema_with = "crate::schema::site")]
    pub b: Sp<String>,
    /// Round-trip time between the two sites, positive (interconnect-facts.md §4 lists
    /// measured ones).
    #[schemars(schema_with = "crate::schema::positive_duration")]
    pub rtt: Sp<Dur>,
    /// Capacity (default 100 Gbps [ASSUMPTION]).
    pub bandwidth: Option<Sp<Bandwidth>>,
    /// Drop-tail queue per direction, bytes (default: one bandwidth-delay product of `rtt`).
    pub queue: Option<Sp<Bytes>>,
}

/// `[[endpoint]]`: a workload in a site that traffic can start or end at, and that can fail
/// on its own (`endpoint_down`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// The endpoint's id, which traffic `from`/`to` and `endpoint_down` name.
    #[schemars(length(min = 1))]
    pub id: Sp<String>,
    /// The site it runs in, `cloud:region`; a link must reach it.
    #[schemars(schema_with = "crate::schema::site")]
    pub site: Sp<String>,
}

/// `[[traffic]]`: a group of TCP flows along a route of sites.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    /// The group's id, which alarms, expectations and runbook shifts name.
    #[schemars(length(min = 1))]
    pub id: Sp<String>,
    /// Replicate this group N times (1 to 100000); `{n}` in ids and sites becomes the copy
    /// number.
    #[schemars(range(min = 1, max = 100_000))]
    pub count: Option<Sp<u32>>,
    /// The route's first site (`cloud:region`) or an endpoint id.
    pub from: Sp<String>,
    /// The route's last site (`cloud:region`) or an endpoint id.
    pub to: Sp<String>,
    /// Intermediate sites between `from` and `to`, e.g. `["aws:us-west-2"]`.
    #[serde(default)]
    pub via: Vec<Sp<String>>,
    /// Number of flows, 1 to 1,000,000 (packet fidelity: at most 1024).
    #[schemars(range(min = 1, max = crate::compile::MAX_FLOWS_PER_GROUP))]
    pub flows: Sp<u32>,
    /// Total offered rate, positive; omit for bulk flows limited only by the network and TCP.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::positive_bandwidth")]
    pub rate: Option<Sp<Bandwidth>>,
    /// Bytes per flow, positive; omitted = flows run to the end.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::positive_bytes")]
    pub bytes: Option<Sp<Bytes>>,
    /// When the flows start (default 0).
    pub start: Option<Sp<Dur>>,
    /// The hosts' TCP profile (default `"linux"`); the keys below override its constants.
    #[serde(default)]
    #[schemars(schema_with = "tcp_profile_schema")]
    pub tcp: Option<Sp<String>>,
    /// Override the profile's lower RTO bound, positive.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::positive_duration")]
    pub rto_min: Option<Sp<Dur>>,
    /// Override the profile's initial RTO, positive.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::positive_duration")]
    pub rto_initial: Option<Sp<Dur>>,
    /// Override the profile's upper RTO bound, positive and at least `rto_min`.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::positive_duration")]
    pub rto_max: Option<Sp<Dur>>,
    /// Retransmissions before a connection whose data stays unacknowledged is given up
    /// (Linux `tcp_retries2`), at least 1.
    #[schemars(range(min = 1, max = 4294967295u32))]
    pub retries: Option<Sp<Whole>>,
    /// TCP_USER_TIMEOUT (RFC 5482), positive: unacknowledged data older than this aborts the
    /// connection.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::positive_duration")]
    pub user_timeout: Option<Sp<Dur>>,
    /// The waits after each SYN, e.g. `["1s", "1s", "2s"]`: connect() fails when the last
    /// runs out (1 to 16 positive durations).
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::syn_schedule")]
    pub syn_schedule: Option<Sp<Vec<Sp<Dur>>>>,
    /// Each RTO re-draws the flow's ECMP member (Linux `sk_rethink_txhash`), so a flow can
    /// leave a blackholed member before routing reacts (default false).
    #[serde(default)]
    pub rehash_on_rto: bool,
    /// The group replicates data: the report gives the RPO when the source is lost
    /// (default false).
    #[serde(default)]
    pub replication: bool,
    /// `"fluid"` (default) or `"packet"` (smoltcp endpoints, packets hop by hop).
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::fidelity")]
    pub fidelity: Option<Sp<String>>,
    /// Packet fidelity: congestion control, `"cubic"` (default) or `"reno"`.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::congestion_control")]
    pub cc: Option<Sp<String>>,
    /// Packet fidelity: socket buffer per direction, 4 KiB to 1 GiB (default: BDP + queue).
    pub buffer: Option<Sp<Bytes>>,
}

/// `tcp`: one of sim-core's profile names, listed from `TcpProfile::ALL` so the schema
/// cannot drift from what `compile` accepts.
fn tcp_profile_schema(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = sim_core::tcp::TcpProfile::ALL.iter().map(|p| p.name()).collect();
    json_schema!({ "type": "string", "enum": names })
}

/// `[[fault]]`: one scripted fault. Exactly one action key.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = crate::schema::fault_rules)]
pub struct Fault {
    /// The fault's id (default `f1`, `f2`… by position).
    pub id: Option<Sp<String>>,
    /// Start time, before the end of the run (or use `after`).
    pub at: Option<Sp<Dur>>,
    /// Start `delay` after the fault with this id starts (instead of `at`).
    pub after: Option<Sp<String>>,
    /// With `after`: how long after that fault starts (default 0).
    pub delay: Option<Sp<Dur>>,
    /// How long until repair, positive; omitted = until the end of the run.
    #[serde(rename = "for", default)]
    #[schemars(schema_with = "crate::schema::positive_duration")]
    pub for_: Option<Sp<Dur>>,
    /// Carrier loss on a link or interconnect (its id).
    pub cut: Option<Sp<String>>,
    /// A link or interconnect stays up but drops everything (a gray failure BGP cannot see).
    pub blackhole: Option<Sp<String>>,
    /// Impair a link or interconnect: `{ target, loss, delay, jitter, capacity, burst }`.
    pub degrade: Option<Sp<DegradeTable>>,
    /// Drop one or both directions of a link or interconnect: a target, or
    /// `{ target, direction }`.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::string_or_partition")]
    pub partition: Option<Sp<Either<PartitionTable>>>,
    /// Take a link or interconnect down and up `count` times: `{ target, period, duty, count }`.
    pub flap: Option<Sp<FlapTable>>,
    /// Take a router down (`ash/aws-r1`).
    pub router_down: Option<Sp<String>>,
    /// Take a facility down, with every channel in it (`ash/fac-a`).
    pub facility_down: Option<Sp<String>>,
    /// Take a site down (`aws:us-east-1`), with every link ending there.
    pub site_down: Option<Sp<String>>,
    /// Take a region down: the same as `site_down` on that site.
    pub region_down: Option<Sp<String>>,
    /// Stop only the traffic that starts or ends at this endpoint.
    pub endpoint_down: Option<Sp<String>>,
    /// Reset the BGP sessions of a link or interconnect (a NOTIFICATION, then re-establish).
    pub bgp_reset: Option<Sp<String>>,
    /// Turn BFD off on a link or interconnect, so only the BGP hold timer detects failures.
    pub bfd_disable: Option<Sp<String>>,
    /// Drain a link or interconnect: prepend, wait (default 30 s [ASSUMPTION]), then take it
    /// down; a target, or `{ target, wait }`.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::string_or_drain")]
    pub drain: Option<Sp<Either<DrainTable>>>,
}

/// `degrade = { target, loss, delay, jitter, capacity, burst }`: at least one of the first four
/// impairments.
#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
#[schemars(extend("anyOf" = [
    { "required": ["loss"] }, { "required": ["delay"] }, { "required": ["jitter"] }, { "required": ["capacity"] }
]))]
pub struct DegradeTable {
    /// The link or interconnect to impair.
    pub target: Sp<String>,
    /// Random loss added, 0 % to 100 %.
    pub loss: Option<Sp<Percent>>,
    /// Mean length of a loss burst in packets, 1 to 10000 (default 1: independent loss).
    #[schemars(range(min = 1, max = 10_000))]
    pub burst: Option<Sp<u32>>,
    /// One-way delay added.
    pub delay: Option<Sp<Dur>>,
    /// Random delay variation added.
    pub jitter: Option<Sp<Dur>>,
    /// The share of capacity left, 0 % to 100 % (default 100 %).
    pub capacity: Option<Sp<Percent>>,
}

/// `partition = { target, direction }`.
#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct PartitionTable {
    /// The link or interconnect to partition.
    pub target: Sp<String>,
    /// Which direction drops: `"a-to-b"`, `"b-to-a"` or `"both"` (default).
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::direction")]
    pub direction: Option<Sp<String>>,
}

/// `flap = { target, period, duty, count }`.
#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct FlapTable {
    /// The link or interconnect to flap.
    pub target: Sp<String>,
    /// One down-and-up cycle, at least 1 ms.
    #[schemars(schema_with = "crate::schema::positive_duration")]
    pub period: Sp<Dur>,
    /// The share of each period the link is up, strictly between 0 % and 100 %.
    #[schemars(schema_with = "crate::schema::percent_open")]
    pub duty: Sp<Percent>,
    /// Number of cycles, 1 to 1,000,000.
    #[schemars(range(min = 1, max = crate::compile::MAX_FLAP_COUNT))]
    pub count: Sp<u32>,
}

/// `drain = { target, wait }`.
#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct DrainTable {
    /// The link or interconnect to drain.
    pub target: Sp<String>,
    /// How long traffic has to move away before the link goes down (default 30 s
    /// [ASSUMPTION]).
    pub wait: Option<Sp<Dur>>,
}

/// `[[random_faults]]`: an MTBF/MTTR failure process over a class of elements.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RandomFaults {
    /// The process's id (default `r1`, `r2`…); its faults are `<id>#1`, `<id>#2`…
    pub id: Option<Sp<String>>,
    /// Which elements fail: `"channel"`, `"router"` or `"facility"`.
    #[schemars(schema_with = "crate::schema::random_class")]
    pub class: Sp<String>,
    /// What a failure does: `"cut"` (default; `"down"` is the same); channels also
    /// `"blackhole"`, `"bgp_reset"`, `"bfd_disable"`.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::random_action")]
    pub action: Option<Sp<String>>,
    /// Mean time between failures of each element, at least 1 s.
    #[schemars(schema_with = "crate::schema::positive_duration")]
    pub mtbf: Sp<Dur>,
    /// Mean time to repair, at least 1 ms.
    #[schemars(schema_with = "crate::schema::positive_duration")]
    pub mttr: Sp<Dur>,
    /// Stop after this many faults (0 or absent: no limit).
    pub max: Option<u32>,
}

/// `[[alarm]]`: exactly one of `below`, `session_down`, `unreachable`, `loss_above`,
/// `latency_above`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = crate::schema::alarm_rules)]
pub struct Alarm {
    /// The alarm's id, which a runbook step's `on` names.
    #[schemars(length(min = 1))]
    pub id: Sp<String>,
    /// Fires when a group's throughput stays under a share of its offered (or pre-fault) rate.
    pub below: Option<Sp<BelowTable>>,
    /// Fires when a link's or interconnect's BGP session stays down.
    pub session_down: Option<Sp<SessionDownTable>>,
    /// Fires when a group delivers nothing.
    pub unreachable: Option<Sp<UnreachableTable>>,
    /// `{ traffic, threshold = "1%", for }`: the share of the group's packets lost (lost ÷
    /// (delivered + lost), at its current rates) stays above the threshold.
    pub loss_above: Option<Sp<LossAboveTable>>,
    /// `{ traffic, threshold = "50ms", for }`: the round trip of the group's slowest flow
    /// with a working path (propagation and added delay, no queueing) stays above it.
    pub latency_above: Option<Sp<LatencyAboveTable>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LossAboveTable {
    /// The traffic group watched.
    pub traffic: Sp<String>,
    /// The loss share (lost ÷ (delivered + lost)) above which the condition holds (`"1%"`),
    /// below 100 %.
    #[schemars(schema_with = "crate::schema::percent_below_100")]
    pub threshold: Sp<Percent>,
    /// How long the loss must stay above the threshold before the alarm fires (`"60s"`).
    #[serde(rename = "for")]
    pub for_: Sp<Dur>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencyAboveTable {
    /// The traffic group watched.
    pub traffic: Sp<String>,
    /// The round-trip time of the group's slowest working flow above which the condition
    /// holds (`"50ms"`).
    pub threshold: Sp<Dur>,
    /// How long the latency must stay above the threshold before the alarm fires (`"60s"`).
    #[serde(rename = "for")]
    pub for_: Sp<Dur>,
}

/// `below = { traffic, threshold, for }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BelowTable {
    /// The traffic group watched.
    pub traffic: Sp<String>,
    /// The share of the offered rate (pre-fault rate for bulk traffic), above 0 %.
    #[schemars(schema_with = "crate::schema::percent_positive")]
    pub threshold: Sp<Percent>,
    /// How long the condition must hold before the alarm fires.
    #[serde(rename = "for")]
    pub for_: Sp<Dur>,
}

/// `session_down = { target, for }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionDownTable {
    /// The link or interconnect whose session is watched.
    pub target: Sp<String>,
    /// How long the session must stay down before the alarm fires.
    #[serde(rename = "for")]
    pub for_: Sp<Dur>,
}

/// `unreachable = { traffic, for }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnreachableTable {
    /// The traffic group watched.
    pub traffic: Sp<String>,
    /// How long the group must deliver nothing before the alarm fires.
    #[serde(rename = "for")]
    pub for_: Sp<Dur>,
}

/// `[[runbook]]`: a step with one trigger (`on`, `at`, `after`), a delay and one action.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = crate::schema::runbook_rules)]
pub struct Runbook {
    /// The step's id, which another step's `after` names.
    #[schemars(length(min = 1))]
    pub id: Sp<String>,
    /// Trigger: when this alarm fires.
    pub on: Option<Sp<String>>,
    /// Trigger: at this time.
    pub at: Option<Sp<Dur>>,
    /// Trigger: when this other step has acted.
    pub after: Option<Sp<String>>,
    /// Wait after the trigger: a duration, or `{ min, max }` drawn uniformly from the seed
    /// (default 0).
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::duration_or_range")]
    pub delay: Option<Sp<Either<DelayRange>>>,
    /// Action: move a traffic group to a new route, `{ traffic, to = [sites...] }`.
    pub shift: Option<Sp<ShiftTable>>,
    /// Action: drain this link or interconnect.
    pub drain: Option<Sp<String>>,
    /// Action: change a link's BGP attributes, `{ link, local_pref, prepend, med }`.
    pub prefer: Option<Sp<PreferTable>>,
    /// Action: several shifts at once, `[{ traffic, to }, ...]`, at least one.
    #[schemars(length(min = 1))]
    pub failover: Option<Sp<Vec<Sp<ShiftTable>>>>,
}

/// `delay = { min, max }`: a delay drawn uniformly from the seed.
#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct DelayRange {
    /// The shortest delay.
    pub min: Sp<Dur>,
    /// The longest delay, at least `min`.
    pub max: Sp<Dur>,
}

/// `shift = { traffic, to }`: a new route for a traffic group.
#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct ShiftTable {
    /// The traffic group to move.
    pub traffic: Sp<String>,
    /// Where the group goes: a VPN or an interconnect id alone (`["vpn"]`: the group's route
    /// with the hop it joins carried by that connection only), or a new route, source
    /// first: sites (endpoints at the ends), at least two, in which a VPN or an interconnect
    /// may stand between the two sites it joins to pin that hop to it.
    #[schemars(length(min = 1))]
    pub to: Sp<Vec<Sp<String>>>,
}

/// `prefer = { link, local_pref, prepend, med }`: new BGP attributes for a link.
#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct PreferTable {
    /// The link whose routes change (`ash/ch1`), or a VPN or an interconnect id: every one
    /// of its links.
    pub link: Sp<String>,
    /// LOCAL_PREF (default 100; higher wins).
    pub local_pref: Option<u32>,
    /// AS_PATH prepends (default 0).
    pub prepend: Option<u32>,
    /// MED (default 100; lower wins).
    pub med: Option<u32>,
}

/// `[[proxy]]`: for `faultline live`, a TCP listener whose accepted connections become flows
/// of a traffic group and are forwarded to `upstream` as that group's flows fare in the
/// simulation. Other commands check the table and otherwise ignore it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Proxy {
    /// The id of the traffic group (fluid fidelity) whose flows the real connections become.
    pub traffic: Sp<String>,
    /// The socket address to listen on, `IP:port` (`"127.0.0.1:15432"`, `"[::1]:15432"`);
    /// port 0 takes any free port.
    #[schemars(example = "127.0.0.1:15432")]
    #[schemars(schema_with = "crate::schema::socket_addr")]
    pub listen: Sp<String>,
    /// Where accepted connections are forwarded, `host:port` (`"127.0.0.1:5432"`,
    /// `"localhost:6379"`, `"[::1]:5432"`), resolved at each connection; port 1 to 65535.
    #[schemars(example = "127.0.0.1:5432")]
    #[schemars(schema_with = "crate::schema::host_port")]
    pub upstream: Sp<String>,
    /// The proxy's name (API clients address proxies by name); default: the traffic id.
    pub name: Option<Sp<String>>,
}

/// `[expect]`: the SLOs the run is judged against.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Traffic groups the throughput, loss, RTO, RPO and stall checks look at (default: all).
    #[serde(default)]
    pub traffic: Vec<Sp<String>>,
    /// Every fault that took effect was detected (a session went down) within this.
    pub detect_within: Option<Sp<Dur>>,
    /// Every fault's last forwarding change came within this.
    pub converge_within: Option<Sp<Dur>>,
    /// Every fault's disrupted flows were back at 95 % of their target for 1 s within this,
    /// from the fault's start.
    pub recover_within: Option<Sp<Dur>>,
    /// Each group's lowest throughput in a fault window is at least this share of its offered
    /// rate (`"75%"`) or this absolute rate (`"4Gbps"`).
    pub min_throughput: Option<Sp<Throughput>>,
    /// Bytes lost, summed over groups, at most this.
    pub max_lost_bytes: Option<Sp<Bytes>>,
    /// `true`: no byte lost.
    pub no_loss: Option<Sp<bool>>,
    /// Each group's longest disruption episode (RTO) is within this.
    pub rto_within: Option<Sp<Dur>>,
    /// The RPO of replication groups when their source was lost is within this.
    pub rpo_within: Option<Sp<Dur>>,
    /// The p99 of per-flow stalls is within this.
    pub stall_p99_within: Option<Sp<Dur>>,
    /// `true`: faults took effect but no session ever went down (a gray failure is expected).
    pub undetected: Option<Sp<bool>>,
    /// `true`: every interconnect met its provider's monthly SLA (no credit owed); a
    /// percentage (`"99.95%"`): every interconnect's monthly uptime, counted by its
    /// provider's rules, is at least that.
    pub sla_within: Option<Sp<Either<NoUptimeTable>>>,
}

/// `[sla]`: how the SLA accounting counts. It changes no fingerprint.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaTable {
    /// The month the downtime is counted against (default `"30d"`).
    pub month: Option<Sp<Dur>>,
    /// Per interconnect id, the terms to account it under instead of its template's
    /// (`{ ash = ["gcp-interconnect-non-critical"] }`; `[]`: no SLA).
    #[serde(default)]
    pub terms: BTreeMap<String, Sp<Vec<Sp<String>>>>,
}

/// `[sweep]`: gates over the seeds of `faultline sweep`, judged on every seed that ran.
/// `faultline run` and `check` (one seed each) ignore it. With this table the sweep's verdict
/// is the gates' instead of its worst seed's. Percentiles are nearest-rank over every fault
/// of every seed; a fault that never recovered counts as +infinity for the recover gates.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1))]
pub struct SweepTable {
    /// Fewer seeds than this make the sweep inconclusive (a p99 over three seeds says little).
    #[schemars(range(min = 1))]
    pub min_runs: Option<Sp<u64>>,
    /// The largest share of seeds whose own `[expect]` verdict may be fail (default 0%).
    pub fail_rate_within: Option<Sp<Percent>>,
    /// The largest share of seeds whose own verdict may be inconclusive (default 0%); above
    /// it the sweep is inconclusive.
    pub inconclusive_rate_within: Option<Sp<Percent>>,
    /// The median detection time (fault start to the first session down it caused) over
    /// the faults that were detected.
    pub detect_p50_within: Option<Sp<Dur>>,
    /// The 99th-percentile detection time.
    pub detect_p99_within: Option<Sp<Dur>>,
    /// The slowest detection.
    pub detect_max_within: Option<Sp<Dur>>,
    /// The median recovery time (fault start to every flow it disrupted back at 95% of its
    /// target for 1 s); a fault that never recovered counts as infinite.
    pub recover_p50_within: Option<Sp<Dur>>,
    /// The 99th-percentile recovery time.
    pub recover_p99_within: Option<Sp<Dur>>,
    /// The slowest recovery: any fault that never recovered fails it.
    pub recover_max_within: Option<Sp<Dur>>,
}
