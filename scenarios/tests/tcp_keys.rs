//! The `[[traffic]]` TCP keys (`tcp` profiles and the overrides of their constants) and the
//! links' `queue` key: what each compiles to, and where and how each bad value is reported.

mod common;

use sim_core::SimDuration;
use sim_core::presets;
use sim_core::spec::{LinkSpec, SynSchedule, TcpProfile, TcpSpec, TrafficSpec};

const HEAD: &str = r#"[scenario]
name = "tcp-keys"
duration = "60s"

[[interconnect]]
id = "ash"
template = "aws-gcp-managed"
aws = "us-east-1"
gcp = "us-east4"
bandwidth = "10Gbps"

[[traffic]]
id = "app"
from = "aws:us-east-1"
to = "gcp:us-east4"
flows = 4
"#;

/// The first line after HEAD.
const NEXT: usize = 17;

fn s(x: u64) -> SimDuration {
    SimDuration::from_secs(x)
}

fn ms(x: u64) -> SimDuration {
    SimDuration::from_millis(x)
}

fn load(extra: &str) -> scenarios::Scenario {
    let text = format!("{HEAD}{extra}");
    scenarios::load_str("tcp.toml", &text).unwrap_or_else(|e| panic!("{e}"))
}

fn group(extra: &str) -> TrafficSpec {
    load(extra).spec.traffic.remove(0)
}

fn links(text: &str) -> Vec<LinkSpec> {
    scenarios::load_str("queue.toml", text).unwrap_or_else(|e| panic!("{e}")).spec.links
}

/// The error for HEAD plus `extra`: its line, column and rendering (message, `file:line:col`,
/// label and help).
fn error_at(extra: &str) -> (usize, usize, String) {
    common::load_error("tcp.toml", &format!("{HEAD}{extra}"))
}

#[track_caller]
fn assert_at(extra: &str, line: usize, column: usize, words: &[&str]) {
    let (l, c, rendered) = error_at(extra);
    assert_eq!((l, c), (line, column), "{rendered}");
    assert!(rendered.contains(&format!("tcp.toml:{line}:{column}")), "the message names file:line:column\n{rendered}");
    for w in words {
        assert!(rendered.contains(w), "`{w}` not in\n{rendered}");
    }
}

#[test]
fn each_profile_compiles_to_its_constants() {
    assert_eq!(group("").tcp, TcpSpec::LINUX, "linux is the default");
    assert!(!group("").rehash_on_rto, "rehash_on_rto defaults to false");
    for p in TcpProfile::ALL {
        let g = group(&format!("tcp = \"{}\"\n", p.name()));
        assert_eq!(g.tcp, p.spec(), "{}", p.name());
        assert_eq!(g.tcp.profile, p);
    }
    assert_eq!(group("tcp = \"windows\"\n").tcp, TcpSpec::WINDOWS);
    assert_eq!(group("tcp = \"macos\"\n").tcp, TcpSpec::MACOS);
    assert_eq!(group("tcp = \"rfc6298\"\n").tcp, TcpSpec::RFC6298);
    assert_eq!(group("tcp = \"smoltcp\"\n").tcp, TcpSpec::SMOLTCP);
}

#[test]
fn overrides_replace_only_their_constant() {
    let g = group(concat!(
        "tcp = \"windows\"\n",
        "rto_min = \"250ms\"\n",
        "rto_initial = \"3s\"\n",
        "rto_max = \"30s\"\n",
        "retries = 5\n",
        "user_timeout = \"20s\"\n",
        "syn_schedule = [\"1s\", \"1s\", \"2s\"]\n",
        "rehash_on_rto = true\n",
    ));
    let want = TcpSpec {
        rto_min: ms(250),
        rto_initial: s(3),
        rto_max: s(30),
        retries: 5,
        user_timeout: Some(s(20)),
        syn: SynSchedule::from_waits(&[s(1), s(1), s(2)]).expect("a schedule"),
        ..TcpSpec::WINDOWS
    };
    assert_eq!(g.tcp, want);
    assert!(g.rehash_on_rto);
    assert_eq!(g.tcp.syn.give_up(), s(4), "connect() fails when the last wait runs out");
    assert!(!group("rehash_on_rto = false\n").rehash_on_rto);
    // Each key alone leaves the rest of the profile as it was.
    assert_eq!(group("retries = 3\n").tcp, TcpSpec { retries: 3, ..TcpSpec::LINUX });
    assert_eq!(group("tcp = \"smoltcp\"\nuser_timeout = \"90s\"\n").tcp, TcpSpec { user_timeout: Some(s(90)), ..TcpSpec::SMOLTCP });
    let sixteen = vec!["\"500ms\""; 16].join(", ");
    assert_eq!(group(&format!("syn_schedule = [{sixteen}]\n")).tcp.syn.waits(), [ms(500); 16]);
    // `count` copies carry the overrides.
    let copies = load("count = 3\nretries = 7\nrehash_on_rto = true\n").spec.traffic;
    assert_eq!(copies.len(), 3);
    assert!(copies.iter().all(|t| t.tcp.retries == 7 && t.rehash_on_rto));
}

#[test]
fn a_bad_profile_names_the_five() {
    assert_at("tcp = \"linx\"\n", NEXT, 7, &["unknown TCP model `linx`", "did you mean `linux`?"]);
    let (_, _, rendered) = error_at("tcp = \"freebsd\"\n");
    for name in ["\"linux\"", "\"windows\"", "\"macos\"", "\"rfc6298\"", "\"smoltcp\""] {
        assert!(rendered.contains(name), "the help lists {name}\n{rendered}");
    }
    assert!(rendered.contains("RTO min 200ms") && rendered.contains("200ms slop"), "{rendered}");
    assert_at("tcp = \"windws\"\n", NEXT, 7, &["did you mean `windows`?"]);
}

#[test]
fn bad_rto_bounds_point_at_their_key() {
    assert_at("rto_min = \"0s\"\n", NEXT, 11, &["rto_min must be positive"]);
    assert_at("rto_initial = \"0ms\"\n", NEXT, 15, &["rto_initial must be positive"]);
    assert_at("rto_max = \"100ms\"\n", NEXT, 11, &["rto_max 100ms is below rto_min 200ms"]);
    // The profile's rto_max is what a raised rto_min must stay under.
    assert_at("tcp = \"smoltcp\"\nrto_min = \"90s\"\n", NEXT + 1, 11, &["rto_max 60s is below rto_min 90s"]);
}

#[test]
fn bad_retries_are_explained() {
    assert_at("retries = 0\n", NEXT, 11, &["retries must be at least 1, not 0", "user_timeout"]);
    assert_at("retries = -3\n", NEXT, 11, &["retries must be at least 1, not -3"]);
    assert_at("retries = 5000000000\n", NEXT, 11, &["retries 5000000000 is too large (at most 4294967295)"]);
    assert_at("retries = \"15\"\n", NEXT, 11, &["expected a whole number without quotes"]);
    assert_at("tcp = \"smoltcp\"\nretries = 5\n", NEXT + 1, 11, &["smoltcp profile never gives up", "set `user_timeout`"]);
}

#[test]
fn bad_user_timeouts_are_explained() {
    assert_at("user_timeout = \"0s\"\n", NEXT, 16, &["user_timeout must be positive"]);
    assert_at("user_timeout = 20\n", NEXT, 16, &["needs a unit"]);
    assert_at("user_timeout = \"-20s\"\n", NEXT, 16, &["cannot be negative"]);
}

#[test]
fn bad_syn_schedules_point_at_the_wait() {
    assert_at("syn_schedule = []\n", NEXT, 16, &["syn_schedule needs at least one wait", "connect() fails 4 s after the first"]);
    assert_at("syn_schedule = [\"1s\", \"0s\", \"2s\"]\n", NEXT, 23, &["each syn_schedule wait must be positive"]);
    let seventeen = vec!["\"1s\""; 17].join(", ");
    let column = 16 + 1 + 16 * "\"1s\", ".len();
    assert_at(&format!("syn_schedule = [{seventeen}]\n"), NEXT, column, &["syn_schedule has 17 waits; at most 16 are allowed"]);
    assert_at("syn_schedule = \"1s\"\n", NEXT, 16, &["invalid type"]);
    assert_at("syn_schedule = [\"1\"]\n", NEXT, 17, &["has no unit"]);
}

#[test]
fn bad_rehash_on_rto_names_the_key() {
    assert_at("rehash_on_rto = \"yes\"\n", NEXT, 17, &["invalid type", "expected a boolean"]);
}

#[test]
fn show_prints_the_profile_and_its_constants() {
    let shown = scenarios::describe(&load("tcp = \"macos\"\nrehash_on_rto = true\n"));
    for want in [
        "macos TCP, re-hashes its ECMP member on every RTO",
        "tcp macos: RTO initial 1s, min 30ms, max 64s",
        "+ 200ms slop",
        "after 12 retransmissions",
        "connect() fails 75s after the first SYN",
    ] {
        assert!(shown.contains(want), "`{want}` not in\n{shown}");
    }
    let linux = scenarios::describe(&load(""));
    for want in ["tcp linux:", "min 200ms", "250 Hz jiffies", "tail loss probe", "F-RTO + SACK", "CUBIC", "15 retries (tcp_retries2)"] {
        assert!(linux.contains(want), "`{want}` not in\n{linux}");
    }
    assert!(linux.contains("924.6s"), "Linux gives up at 924.6 s\n{linux}");
    assert!(linux.contains("fails 131s after the first SYN"), "{linux}");
    let rfc = scenarios::describe(&load("tcp = \"rfc6298\"\nuser_timeout = \"20s\"\n"));
    assert!(rfc.contains("no tail loss probe") && rfc.contains("Reno") && rfc.contains("user timeout 20s"), "{rfc}");
}

#[test]
fn the_schema_lists_the_profiles_and_the_keys() {
    let schema = scenarios::schema();
    let traffic = &schema["$defs"]["Traffic"];
    let names: Vec<&str> = traffic["properties"]["tcp"]["enum"].as_array().expect("an enum").iter().filter_map(|v| v.as_str()).collect();
    assert_eq!(names, ["linux", "windows", "macos", "rfc6298", "smoltcp"]);
    for key in ["retries", "user_timeout", "syn_schedule", "rehash_on_rto", "rto_min", "rto_initial", "rto_max"] {
        assert!(traffic["properties"].get(key).is_some(), "schema lacks {key}");
    }
    assert_eq!(traffic["properties"]["syn_schedule"]["maxItems"], 16);
    assert_eq!(traffic["properties"]["retries"]["minimum"], 1);
    let required: Vec<&str> = traffic["required"].as_array().expect("required").iter().filter_map(|v| v.as_str()).collect();
    assert!(!required.contains(&"tcp"), "tcp is optional: {required:?}");
    for table in ["Interconnect", "ChannelOverride", "Vpn", "Backbone"] {
        assert!(schema["$defs"][table]["properties"].get("queue").is_some(), "{table} lacks queue");
    }
}

const QUEUE_HEAD: &str = r#"[scenario]
name = "queues"
duration = "60s"

[[interconnect]]
id = "ash"
template = "aws-gcp-managed"
aws = "us-east-1"
gcp = "us-east4"
bandwidth = "10Gbps"
"#;

fn queue_error(extra: &str) -> (usize, usize, String) {
    common::load_error("queue.toml", &format!("{QUEUE_HEAD}{extra}"))
}

#[test]
fn the_default_queue_is_one_bdp_of_each_link_as_overridden() {
    // 5 Gbps per channel over 2 x 625 us.
    let l = links(QUEUE_HEAD);
    assert!(l.iter().all(|l| l.queue_bytes == 781_250), "{:?}", l.iter().map(|l| l.queue_bytes).collect::<Vec<_>>());
    // The interconnect's delay, then a channel's own bandwidth and delay, resize its queue.
    let text = format!(
        "{QUEUE_HEAD}delay = \"5ms\"\n[interconnect.channel.ch2]\nbandwidth = \"1Gbps\"\n[interconnect.channel.ch3]\ndelay = \"20us\"\n"
    );
    let l = links(&text);
    assert_eq!(l[0].queue_bytes, 6_250_000, "5 Gbps x 10 ms");
    assert_eq!(l[1].queue_bytes, 1_250_000, "1 Gbps x 10 ms");
    assert_eq!(l[2].queue_bytes, presets::MIN_QUEUE_BYTES, "5 Gbps x 40 us is below the floor");
    assert!(l.iter().all(|l| l.queue_bytes == presets::default_queue_bytes(l)));
    // VPN tunnels and backbones, with and without overrides.
    let text = format!(
        "{QUEUE_HEAD}\n[[vpn]]\nid = \"v\"\na = \"aws:us-east-1\"\nb = \"gcp:us-east4\"\nbandwidth = \"500Mbps\"\n\n[[backbone]]\na = \"aws:us-east-1\"\nb = \"aws:us-west-2\"\nrtt = \"60ms\"\nbandwidth = \"10Gbps\"\n"
    );
    let l = links(&text);
    let tunnel = l.iter().find(|l| l.id == "v/tunnel1").expect("a tunnel");
    assert_eq!(tunnel.queue_bytes, 625_000, "500 Mbps x 10 ms");
    let bb = l.iter().find(|l| l.id.starts_with("backbone/")).expect("a backbone");
    assert_eq!(bb.queue_bytes, 75_000_000, "10 Gbps x 60 ms");
}

#[test]
fn queue_keys_override_the_default() {
    let text = format!("{QUEUE_HEAD}queue = \"1.25MB\"\n[interconnect.channel.ch4]\nqueue = \"256KiB\"\n");
    let l = links(&text);
    assert_eq!(l.iter().map(|l| l.queue_bytes).collect::<Vec<_>>(), [1_250_000, 1_250_000, 1_250_000, 256 * 1024]);
    let text = format!(
        "{QUEUE_HEAD}\n[[vpn]]\nid = \"v\"\na = \"aws:us-east-1\"\nb = \"gcp:us-east4\"\nqueue = \"2MB\"\n\n[[backbone]]\na = \"aws:us-east-1\"\nb = \"aws:us-west-2\"\nrtt = \"60ms\"\nqueue = \"32MiB\"\n"
    );
    let l = links(&text);
    assert!(l.iter().filter(|l| l.id.starts_with("v/")).all(|l| l.queue_bytes == 2_000_000));
    assert_eq!(l.iter().find(|l| l.id.starts_with("backbone/")).map(|l| l.queue_bytes), Some(32 << 20));
    let shown = scenarios::describe(&scenarios::load_str("queue.toml", &text).unwrap_or_else(|e| panic!("{e}")));
    assert!(shown.contains("queue 781.25kB") && shown.contains("queue 2MB") && shown.contains("queue 32MiB"), "{shown}");
}

#[test]
fn bad_queues_point_at_their_key() {
    let (l, c, r) = queue_error("queue = \"1kB\"\n");
    assert_eq!((l, c), (11, 9), "{r}");
    assert!(r.contains("queue 1000 B is smaller than one full-size frame of `ash/ch1` (1534 B)"), "{r}");
    assert!(r.contains("queue.toml:11:9") && r.contains("omit `queue`"), "{r}");
    let (l, c, r) = queue_error("[interconnect.channel.ch2]\nqueue = \"17GiB\"\n");
    assert_eq!((l, c), (12, 9), "{r}");
    assert!(r.contains("larger than the 16 GiB"), "{r}");
    let (l, c, r) = queue_error("queue = 1000000\n");
    assert_eq!((l, c), (11, 9), "{r}");
    assert!(r.contains("needs a unit"), "{r}");
    let vpn = "\n[[vpn]]\nid = \"v\"\na = \"aws:us-east-1\"\nb = \"gcp:us-east4\"\nqueue = \"0B\"\n";
    let (l, c, r) = queue_error(vpn);
    assert_eq!((l, c), (16, 9), "{r}");
    assert!(r.contains("smaller than one full-size frame of `v/tunnel1`"), "{r}");
    let bb = "\n[[backbone]]\na = \"aws:us-east-1\"\nb = \"aws:us-west-2\"\nrtt = \"60ms\"\nqueue = \"4kB\"\n";
    let (l, c, r) = queue_error(bb);
    assert_eq!((l, c), (16, 9), "{r}");
    assert!(r.contains("(8542 B)"), "a backbone's 8500 B MTU plus Ethernet\n{r}");
}
