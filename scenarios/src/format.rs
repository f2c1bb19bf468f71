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
    pub scenario: Sp<ScenarioTable>,
    #[serde(default)]
    pub interconnect: Vec<Sp<Interconnect>>,
    #[serde(default)]
    pub vpn: Vec<Sp<Vpn>>,
    #[serde(default)]
    pub backbone: Vec<Sp<Backbone>>,
    #[serde(default)]
    pub endpoint: Vec<Sp<Endpoint>>,
    #[serde(default)]
    pub traffic: Vec<Sp<Traffic>>,
    #[serde(default)]
    pub fault: Vec<Sp<Fault>>,
    #[serde(default)]
    pub random_faults: Vec<Sp<RandomFaults>>,
    #[serde(default)]
    pub alarm: Vec<Sp<Alarm>>,
    #[serde(default)]
    pub runbook: Vec<Sp<Runbook>>,
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
    pub name: Sp<String>,
    pub summary: Option<String>,
    pub duration: Sp<Dur>,
    pub seed: Option<u64>,
}

/// `[[interconnect]]`: a bundle of channels between two sites, from a template.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Interconnect {
    pub id: Sp<String>,
    pub template: Sp<String>,
    /// Replicate this interconnect N times; `{n}` in ids and sites becomes the copy number.
    pub count: Option<Sp<u32>>,
    pub aws: Option<Sp<String>>,
    pub gcp: Option<Sp<String>>,
    pub azure: Option<Sp<String>>,
    pub onprem: Option<Sp<String>>,
    /// Side A as `cloud:region` (instead of the template's cloud key).
    pub a: Option<Sp<String>>,
    pub b: Option<Sp<String>>,
    pub bandwidth: Sp<Bandwidth>,
    pub channel_bandwidth: Option<Sp<Bandwidth>>,
    pub channels: Option<Sp<u32>>,
    pub facilities: Option<Sp<u32>>,
    pub mtu: Option<Sp<u32>>,
    pub macsec: Option<bool>,
    pub delay: Option<Sp<Dur>>,
    /// Drop-tail queue per channel direction, bytes (default: one bandwidth-delay product of
    /// the channel's round trip, at least 64 KiB).
    pub queue: Option<Sp<Bytes>>,
    pub loss: Option<Sp<Percent>>,
    pub bfd: Option<Sp<Either<BfdTable>>>,
    pub bgp: Option<Sp<BgpTable>>,
    /// Side A's (the template's first cloud's) BFD, applied after `bfd`.
    pub bfd_a: Option<Sp<BfdTable>>,
    /// Side B's BFD, applied after `bfd`.
    pub bfd_b: Option<Sp<BfdTable>>,
    /// Side A's BGP timers, applied after `bgp`.
    pub bgp_a: Option<Sp<BgpTable>>,
    /// Side B's BGP timers, applied after `bgp`.
    pub bgp_b: Option<Sp<BgpTable>>,
    pub convergence: Option<Sp<Dur>>,
    /// Delay from carrier loss on a channel to the routers at that end dropping it (local
    /// repair), both sides; at most `convergence`.
    pub local_repair: Option<Sp<Dur>>,
    pub max_paths: Option<Sp<u32>>,
    pub resilient_hashing: Option<Sp<Either<NoTable>>>,
    /// Per-channel overrides keyed by channel name (`ch1`, `ch2`, ...).
    #[serde(default)]
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

/// `bfd = { interval, multiplier }`: both sides' BFD parameters.
#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct BfdTable {
    pub interval: Sp<Dur>,
    pub multiplier: Sp<u32>,
}

/// `bgp = { keepalive, hold }`: both sides' BGP timers.
#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct BgpTable {
    pub keepalive: Option<Sp<Dur>>,
    pub hold: Option<Sp<Dur>>,
}

/// `[interconnect.channel.chN]`: overrides for one channel.
#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct ChannelOverride {
    pub bandwidth: Option<Sp<Bandwidth>>,
    pub delay: Option<Sp<Dur>>,
    /// This channel's drop-tail queue per direction, bytes.
    pub queue: Option<Sp<Bytes>>,
    pub loss: Option<Sp<Percent>>,
    pub local_pref: Option<u32>,
    pub prepend: Option<u32>,
    pub med: Option<u32>,
}

/// `[[vpn]]`: an IPsec VPN backup (template `vpn-backup`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vpn {
    pub id: Sp<String>,
    pub a: Sp<String>,
    pub b: Sp<String>,
    /// Per tunnel.
    pub bandwidth: Option<Sp<Bandwidth>>,
    pub delay: Option<Sp<Dur>>,
    /// Drop-tail queue per tunnel direction, bytes (default: one bandwidth-delay product).
    pub queue: Option<Sp<Bytes>>,
}

/// `[[backbone]]`: a provider's inter-region backbone span.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backbone {
    pub id: Option<Sp<String>>,
    pub a: Sp<String>,
    pub b: Sp<String>,
    pub rtt: Sp<Dur>,
    pub bandwidth: Option<Sp<Bandwidth>>,
    /// Drop-tail queue per direction, bytes (default: one bandwidth-delay product of `rtt`).
    pub queue: Option<Sp<Bytes>>,
}

/// `[[endpoint]]`: a workload in a site that traffic can start or end at, and that can fail
/// on its own (`endpoint_down`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub id: Sp<String>,
    pub site: Sp<String>,
}

/// `[[traffic]]`: a group of TCP flows along a route of sites.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    pub id: Sp<String>,
    pub count: Option<Sp<u32>>,
    pub from: Sp<String>,
    pub to: Sp<String>,
    #[serde(default)]
    pub via: Vec<Sp<String>>,
    pub flows: Sp<u32>,
    pub rate: Option<Sp<Bandwidth>>,
    /// Bytes per flow; omitted = flows run to the end.
    pub bytes: Option<Sp<Bytes>>,
    pub start: Option<Sp<Dur>>,
    /// The hosts' TCP profile (default `"linux"`); the keys below override its constants.
    #[serde(default)]
    #[schemars(schema_with = "tcp_profile_schema")]
    pub tcp: Option<Sp<String>>,
    pub rto_min: Option<Sp<Dur>>,
    pub rto_initial: Option<Sp<Dur>>,
    pub rto_max: Option<Sp<Dur>>,
    /// Retransmissions before a connection whose data stays unacknowledged is given up
    /// (Linux `tcp_retries2`), at least 1.
    #[schemars(range(min = 1, max = 4294967295u32))]
    pub retries: Option<Sp<Whole>>,
    /// TCP_USER_TIMEOUT (RFC 5482): unacknowledged data older than this aborts the connection.
    pub user_timeout: Option<Sp<Dur>>,
    /// The waits after each SYN, e.g. `["1s", "1s", "2s"]`: connect() fails when the last
    /// runs out (1 to 16 positive durations).
    #[schemars(length(min = 1, max = 16))]
    pub syn_schedule: Option<Sp<Vec<Sp<Dur>>>>,
    /// Each RTO re-draws the flow's ECMP member (Linux `sk_rethink_txhash`), so a flow can
    /// leave a blackholed member before routing reacts (default false).
    #[serde(default)]
    pub rehash_on_rto: bool,
    #[serde(default)]
    pub replication: bool,
    /// `"fluid"` (default) or `"packet"` (smoltcp endpoints, packets hop by hop).
    pub fidelity: Option<Sp<String>>,
    /// Packet fidelity: congestion control, `"cubic"` (default) or `"reno"`.
    pub cc: Option<Sp<String>>,
    /// Packet fidelity: socket buffer per direction (default: BDP + queue).
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
pub struct Fault {
    pub id: Option<Sp<String>>,
    pub at: Option<Sp<Dur>>,
    pub after: Option<Sp<String>>,
    pub delay: Option<Sp<Dur>>,
    #[serde(rename = "for")]
    pub for_: Option<Sp<Dur>>,
    pub cut: Option<Sp<String>>,
    pub blackhole: Option<Sp<String>>,
    pub degrade: Option<Sp<DegradeTable>>,
    pub partition: Option<Sp<Either<PartitionTable>>>,
    pub flap: Option<Sp<FlapTable>>,
    pub router_down: Option<Sp<String>>,
    pub facility_down: Option<Sp<String>>,
    pub site_down: Option<Sp<String>>,
    pub region_down: Option<Sp<String>>,
    pub endpoint_down: Option<Sp<String>>,
    pub bgp_reset: Option<Sp<String>>,
    pub bfd_disable: Option<Sp<String>>,
    pub drain: Option<Sp<Either<DrainTable>>>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct DegradeTable {
    pub target: Sp<String>,
    pub loss: Option<Sp<Percent>>,
    /// Mean length of a loss burst in packets (default 1: independent loss).
    pub burst: Option<Sp<u32>>,
    pub delay: Option<Sp<Dur>>,
    pub jitter: Option<Sp<Dur>>,
    pub capacity: Option<Sp<Percent>>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct PartitionTable {
    pub target: Sp<String>,
    pub direction: Option<Sp<String>>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct FlapTable {
    pub target: Sp<String>,
    pub period: Sp<Dur>,
    pub duty: Sp<Percent>,
    pub count: Sp<u32>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct DrainTable {
    pub target: Sp<String>,
    pub wait: Option<Sp<Dur>>,
}

/// `[[random_faults]]`: an MTBF/MTTR failure process over a class of elements.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RandomFaults {
    pub id: Option<Sp<String>>,
    pub class: Sp<String>,
    pub action: Option<Sp<String>>,
    pub mtbf: Sp<Dur>,
    pub mttr: Sp<Dur>,
    pub max: Option<u32>,
}

/// `[[alarm]]`: exactly one of `below`, `session_down`, `unreachable`, `loss_above`,
/// `latency_above`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alarm {
    pub id: Sp<String>,
    pub below: Option<Sp<BelowTable>>,
    pub session_down: Option<Sp<SessionDownTable>>,
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
    pub traffic: Sp<String>,
    pub threshold: Sp<Percent>,
    #[serde(rename = "for")]
    pub for_: Sp<Dur>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencyAboveTable {
    pub traffic: Sp<String>,
    pub threshold: Sp<Dur>,
    #[serde(rename = "for")]
    pub for_: Sp<Dur>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BelowTable {
    pub traffic: Sp<String>,
    pub threshold: Sp<Percent>,
    #[serde(rename = "for")]
    pub for_: Sp<Dur>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionDownTable {
    pub target: Sp<String>,
    #[serde(rename = "for")]
    pub for_: Sp<Dur>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnreachableTable {
    pub traffic: Sp<String>,
    #[serde(rename = "for")]
    pub for_: Sp<Dur>,
}

/// `[[runbook]]`: a step with one trigger (`on`, `at`, `after`), a delay and one action.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    pub id: Sp<String>,
    pub on: Option<Sp<String>>,
    pub at: Option<Sp<Dur>>,
    pub after: Option<Sp<String>>,
    pub delay: Option<Sp<Either<DelayRange>>>,
    pub shift: Option<Sp<ShiftTable>>,
    pub drain: Option<Sp<String>>,
    pub prefer: Option<Sp<PreferTable>>,
    pub failover: Option<Sp<Vec<Sp<ShiftTable>>>>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct DelayRange {
    pub min: Sp<Dur>,
    pub max: Sp<Dur>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct ShiftTable {
    pub traffic: Sp<String>,
    pub to: Sp<Vec<Sp<String>>>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct PreferTable {
    pub link: Sp<String>,
    pub local_pref: Option<u32>,
    pub prepend: Option<u32>,
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
    pub listen: Sp<String>,
    /// Where accepted connections are forwarded, `host:port` (`"127.0.0.1:5432"`,
    /// `"localhost:6379"`, `"[::1]:5432"`), resolved at each connection; port 1 to 65535.
    #[schemars(example = "127.0.0.1:5432")]
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
    pub detect_within: Option<Sp<Dur>>,
    pub converge_within: Option<Sp<Dur>>,
    pub recover_within: Option<Sp<Dur>>,
    pub min_throughput: Option<Sp<Throughput>>,
    pub max_lost_bytes: Option<Sp<Bytes>>,
    pub no_loss: Option<Sp<bool>>,
    pub rto_within: Option<Sp<Dur>>,
    pub rpo_within: Option<Sp<Dur>>,
    pub stall_p99_within: Option<Sp<Dur>>,
    pub undetected: Option<Sp<bool>>,
    /// `true`: every interconnect met its provider's monthly SLA (no credit owed); a
    /// percentage (`"99.95%"`): every interconnect's monthly uptime, counted by its
    /// provider's rules, is at least that.
    pub sla_within: Option<Sp<Either<NoTable>>>,
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
