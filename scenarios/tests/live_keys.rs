//! What `faultline live` takes from the scenarios crate: `[[proxy]]` tables (what they
//! compile to, and where and how each bad value is reported), faults an API client writes in
//! the `[[fault]]` vocabulary (`live::fault_request`), and the replayable export of a live
//! session (`live::export_with_faults`), checked against `Simulation::inject` and `repair`.

mod common;

use scenarios::live::{self, InjectFault};
use serde_json::json;
use sim_core::spec::{Degradation, Direction, FaultAction, Trigger};
use sim_core::{SimDuration, SimOptions, SimTime, Simulation};

const HEAD: &str = r#"[scenario]
name = "live-keys"
duration = "60s"

[[interconnect]]
id = "ash"
template = "aws-gcp-managed"
aws = "us-east-1"
gcp = "us-east4"
bandwidth = "10Gbps"

[[traffic]]
id = "app-db"
from = "aws:us-east-1"
to = "gcp:us-east4"
flows = 8
rate = "1Gbps"
"#;

/// The first line after HEAD.
const NEXT: usize = 18;

fn load(extra: &str) -> scenarios::Scenario {
    scenarios::load_str("live.toml", &format!("{HEAD}{extra}")).unwrap_or_else(|e| panic!("{e}"))
}

#[track_caller]
fn assert_at(extra: &str, line: usize, column: usize, words: &[&str]) {
    let (l, c, rendered) = common::load_error("live.toml", &format!("{HEAD}{extra}"));
    assert_eq!((l, c), (line, column), "{rendered}");
    assert!(rendered.contains(&format!("live.toml:{line}:{column}")), "the message names file:line:column\n{rendered}");
    for w in words {
        assert!(rendered.contains(w), "`{w}` not in\n{rendered}");
    }
}

fn proxy(traffic: &str, listen: &str, upstream: &str) -> String {
    format!("\n[[proxy]]\ntraffic = \"{traffic}\"\nlisten = \"{listen}\"\nupstream = \"{upstream}\"\n")
}

// ---- [[proxy]] ----

#[test]
fn proxies_compile_with_the_traffic_id_as_the_default_name() {
    let s = load(&format!(
        "{}{}name = \"db-2\"\n{}{}",
        proxy("app-db", "127.0.0.1:15432", "127.0.0.1:5432"),
        proxy("app-db", "[::1]:15433", "localhost:6379"),
        proxy("app-db", "127.0.0.1:0", "db.internal:5432"),
        "name = \"any-1\"\n",
    ));
    let names: Vec<&str> = s.proxies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["app-db", "db-2", "any-1"]);
    let p = &s.proxies[0];
    assert_eq!((p.traffic.as_str(), p.group), ("app-db", 0));
    assert_eq!(p.listen, "127.0.0.1:15432".parse().expect("an address"));
    assert_eq!(p.upstream, "127.0.0.1:5432");
    assert_eq!(s.proxies[1].listen.to_string(), "[::1]:15433");
    assert_eq!(s.proxies[1].upstream, "localhost:6379");
    assert_eq!(s.proxies[2].listen.port(), 0, "port 0 takes any free port");
    assert!(load("").proxies.is_empty());
}

#[test]
fn two_proxies_may_both_listen_on_port_zero() {
    let s = load(&format!("{}{}name = \"b\"\n", proxy("app-db", "127.0.0.1:0", "h:1"), proxy("app-db", "127.0.0.1:0", "h:2")));
    assert_eq!(s.proxies.len(), 2);
}

#[test]
fn proxies_change_nothing_the_simulation_sees() {
    let with = load(&proxy("app-db", "127.0.0.1:15432", "127.0.0.1:5432"));
    let without = load("");
    assert_eq!(with.spec, without.spec);
    let run = |s: &scenarios::Scenario| scenarios::run(s, 3, SimOptions::default()).expect("builds").report.fingerprint;
    assert_eq!(run(&with), run(&without));
}

#[test]
fn show_lists_the_proxies() {
    let s = load(&format!("{}name = \"db\"\n", proxy("app-db", "127.0.0.1:15432", "127.0.0.1:5432")));
    let text = scenarios::describe(&s);
    assert!(text.contains("proxy db: 127.0.0.1:15432 -> 127.0.0.1:5432, traffic app-db"), "{text}");
    assert!(!scenarios::describe(&load("")).contains("prox"));
}

#[test]
fn the_schema_documents_the_proxy_table() {
    let schema = scenarios::schema();
    let p = &schema["$defs"]["Proxy"];
    assert_eq!(p["additionalProperties"], false, "{p}");
    let required: Vec<&str> = p["required"].as_array().expect("required keys").iter().filter_map(|v| v.as_str()).collect();
    assert_eq!(required, ["traffic", "listen", "upstream"]);
    for key in ["traffic", "listen", "upstream", "name"] {
        assert!(p["properties"][key]["description"].as_str().is_some_and(|d| !d.is_empty()), "{key} has no description: {p}");
    }
}

#[test]
fn an_unknown_traffic_group_is_reported_with_a_suggestion() {
    assert_at(&proxy("app-bd", "127.0.0.1:1", "h:1"), NEXT + 2, 11, &["unknown traffic group `app-bd`", "did you mean `app-db`?"]);
}

#[test]
fn a_packet_group_is_refused() {
    let bulk = "\n[[traffic]]\nid = \"bulk\"\nfrom = \"aws:us-east-1\"\nto = \"gcp:us-east4\"\nflows = 2\nfidelity = \"packet\"\n";
    assert_at(
        &format!("{bulk}{}", proxy("bulk", "127.0.0.1:1", "h:1")),
        NEXT + 9,
        11,
        &["packet fidelity", "`live` proxies fluid groups only"],
    );
}

#[test]
fn listen_must_be_an_ip_and_a_port() {
    let line = NEXT + 3;
    assert_at(&proxy("app-db", "localhost:15432", "h:1"), line, 10, &["listen `localhost:15432` is not an IP:port", "not an IP address"]);
    assert_at(&proxy("app-db", "127.0.0.1", "h:1"), line, 10, &["is not an IP:port", "add the port"]);
    assert_at(&proxy("app-db", "127.0.0.1:99999", "h:1"), line, 10, &["`99999` is not a port"]);
    assert_at(&proxy("app-db", "::1:15432", "h:1"), line, 10, &["in brackets"]);
}

#[test]
fn upstream_needs_a_host_and_a_port_from_1_to_65535() {
    let line = NEXT + 4;
    assert_at(&proxy("app-db", "127.0.0.1:1", "localhost"), line, 12, &["upstream `localhost` is not host:port", "no port"]);
    assert_at(&proxy("app-db", "127.0.0.1:1", "localhost:0"), line, 12, &["port 0"]);
    assert_at(&proxy("app-db", "127.0.0.1:1", "localhost:65536"), line, 12, &["`65536` is not a port"]);
    assert_at(&proxy("app-db", "127.0.0.1:1", "localhost:"), line, 12, &["no port after"]);
    assert_at(&proxy("app-db", "127.0.0.1:1", ":5432"), line, 12, &["no host"]);
    assert_at(&proxy("app-db", "127.0.0.1:1", "::1:5432"), line, 12, &["in brackets"]);
    assert_at(&proxy("app-db", "127.0.0.1:1", "db host:5432"), line, 12, &["neither an IP address nor a host name"]);
}

#[test]
fn names_and_listen_addresses_are_unique() {
    let two = format!("{}{}", proxy("app-db", "127.0.0.1:15432", "h:1"), proxy("app-db", "127.0.0.1:15433", "h:1"));
    assert_at(&two, NEXT + 7, 11, &["duplicate proxy name `app-db`", &format!("already used on line {}", NEXT + 2), "its own `name`"]);
    let same = format!("{}{}name = \"b\"\n", proxy("app-db", "127.0.0.1:15432", "h:1"), proxy("app-db", "127.0.0.1:15432", "h:1"));
    assert_at(
        &same,
        NEXT + 8,
        10,
        &["listens on 127.0.0.1:15432, which proxy `app-db` already takes", &format!("already used on line {}", NEXT + 3)],
    );
    let wildcard = format!("{}{}name = \"b\"\n", proxy("app-db", "0.0.0.0:15432", "h:1"), proxy("app-db", "127.0.0.1:15432", "h:1"));
    assert_at(&wildcard, NEXT + 8, 10, &["already takes (0.0.0.0:15432)"]);
    let named = format!("{}name = \"a/b\"\n", proxy("app-db", "127.0.0.1:1", "h:1"));
    assert_at(&named, NEXT + 5, 8, &["cannot be used in an API path"]);
}

#[test]
fn proxy_keys_are_checked_like_every_table() {
    let typo = "\n[[proxy]]\ntraffic = \"app-db\"\nlisten = \"127.0.0.1:1\"\nupsteam = \"h:1\"\n";
    assert_at(typo, NEXT + 4, 1, &["unknown key `upsteam` in [[proxy]]", "did you mean `upstream`?"]);
    let missing = "\n[[proxy]]\ntraffic = \"app-db\"\nlisten = \"127.0.0.1:1\"\n";
    assert_at(missing, NEXT + 1, 1, &["missing key `upstream` in [[proxy]]"]);
}

// ---- fault_request ----

fn inject(s: &scenarios::Scenario, req: serde_json::Value) -> InjectFault {
    live::fault_request(s, &req).unwrap_or_else(|e| panic!("{req}: {e}"))
}

#[track_caller]
fn refused(s: &scenarios::Scenario, req: serde_json::Value, words: &[&str]) {
    let e = live::fault_request(s, &req).expect_err("the request is invalid");
    for w in words {
        assert!(e.contains(w), "`{w}` not in `{e}` (request {req})");
    }
}

#[test]
fn each_action_compiles_as_the_file_would() {
    let s = load("");
    let f = inject(&s, json!({"id": "cut-1", "cut": "ash/ch2", "for": "30s"}));
    assert_eq!(
        (f.id.as_str(), f.target.as_str(), f.action, f.duration),
        ("cut-1", "ash/ch2", FaultAction::Down, Some(SimDuration::from_secs(30)))
    );
    assert_eq!(f.table, "[[fault]]\nid = \"cut-1\"\ncut = \"ash/ch2\"\nfor = \"30s\"\n");
    let f = inject(&s, json!({"id": "gray", "degrade": {"target": "ash", "loss": "2%", "delay": "5ms"}}));
    let d = Degradation {
        loss_ppm: 20_000,
        burst: 1,
        extra_delay: SimDuration::from_millis(5),
        jitter: SimDuration::ZERO,
        capacity_ppm: 1_000_000,
    };
    assert_eq!((f.target.as_str(), f.action, f.duration), ("ash", FaultAction::Degrade(d), None));
    let f = inject(&s, json!({"id": "p", "partition": {"target": "ash/ch1", "direction": "a-to-b"}}));
    assert_eq!(f.action, FaultAction::Partition(Direction::AToB));
    assert_eq!(inject(&s, json!({"id": "p", "partition": "ash/ch1"})).action, FaultAction::Partition(Direction::Both));
    assert_eq!(inject(&s, json!({"id": "d", "drain": "ash/ch3"})).action, FaultAction::Drain { wait: SimDuration::from_secs(30) });
    let f = inject(&s, json!({"id": "d", "drain": {"target": "ash/ch3", "wait": "2s"}}));
    assert_eq!(f.action, FaultAction::Drain { wait: SimDuration::from_secs(2) });
    assert_eq!(inject(&s, json!({"id": "fac", "facility_down": "ash/fac-a"})).target, "ash/fac-a");
    assert_eq!(inject(&s, json!({"id": "r", "router_down": "ash/aws-r1"})).action, FaultAction::Down);
    assert_eq!(inject(&s, json!({"id": "site", "site_down": "gcp:us-east4"})).target, "gcp:us-east4");
    assert_eq!(inject(&s, json!({"id": "b", "bgp_reset": "ash/ch1"})).action, FaultAction::BgpReset);
    assert_eq!(inject(&s, json!({"id": "b", "bfd_disable": "ash/ch1"})).action, FaultAction::BfdDisable);
    assert_eq!(inject(&s, json!({"id": "b", "blackhole": "ash/ch1", "for": "1500ms"})).duration, Some(SimDuration::from_millis(1500)));
}

#[test]
fn an_injected_fault_starts_now() {
    let s = load("");
    refused(&s, json!({"id": "x", "cut": "ash/ch1", "at": "5s"}), &["`at` = \"5s\" cannot be injected", "starts now"]);
    refused(&s, json!({"id": "x", "cut": "ash/ch1", "after": "y"}), &["`after` = \"y\"", "starts now"]);
    refused(&s, json!({"id": "x", "cut": "ash/ch1", "delay": "1s"}), &["`delay` = \"1s\"", "starts now"]);
    refused(
        &s,
        json!({"id": "x", "flap": {"target": "ash/ch1", "period": "1s", "duty": "50%", "count": 3}}),
        &["`flap`", "starts now", "inject a `cut`"],
    );
}

#[test]
fn bad_requests_name_the_key_and_the_value() {
    let s = load("");
    refused(&s, json!({"cut": "ash/ch1"}), &["needs an `id`"]);
    refused(&s, json!(["cut"]), &["JSON object", "[\"cut\"]"]);
    refused(&s, json!({"id": "x", "cut": "ash/ch9"}), &["`cut = \"ash/ch9\"`", "unknown fault target `ash/ch9`", "did you mean"]);
    refused(&s, json!({"id": "x", "cut": "ash/ch1", "for": "5x"}), &["`for = \"5x\"`", "unknown duration unit `x`"]);
    refused(&s, json!({"id": "x", "cut": "ash/ch1", "for": "0s"}), &["`for = \"0s\"`", "must be positive"]);
    refused(&s, json!({"id": "x", "cut": "ash/ch1", "for": 5}), &["`for = 5`"]);
    refused(
        &s,
        json!({"id": "x", "degrade": {"target": "ash", "loss": "120%"}}),
        &["`degrade = { target = \"ash\", loss = \"120%\" }`", "`120%` is above 100%"],
    );
    refused(&s, json!({"id": "x", "facility_down": "ash/ch1"}), &["`ash/ch1` is a link; `facility_down` needs a facility"]);
    refused(&s, json!({"id": "x", "cut": "ash/ch1", "blackhole": "ash/ch2"}), &["two actions"]);
    refused(&s, json!({"id": "x"}), &["fault `x` has no action", "add exactly one of"]);
    refused(&s, json!({"id": "x", "cutt": "ash/ch1"}), &["unknown key `cutt` in [[fault]]", "did you mean `cut`?"]);
    refused(&s, json!({"id": "x", "cut": null}), &["`cut` is null"]);
    refused(&s, json!({"id": "x", "degrade": {"target": "ash", "loss": null}}), &["`degrade.loss` is null"]);
    refused(&s, json!({"id": "x", "duration": "5s", "cut": "ash/ch1"}), &["unknown key `duration`", "`for`"]);
    refused(&s, json!({"id": "x", "target": "ash/ch1", "action": "cut"}), &["unknown key `action`"]);
    refused(&s, json!({"id": "", "cut": "ash/ch1"}), &["the fault id is empty"]);
    refused(&s, json!({"id": "r1#2", "cut": "ash/ch1"}), &["`#` is reserved"]);
    refused(&s, json!({"id": "x\n[scenario]", "cut": "ash/ch9"}), &["unknown fault target"]);
}

#[test]
fn an_id_the_file_already_uses_is_refused() {
    let s = load("\n[[fault]]\nid = \"cut-ch2\"\nat = \"30s\"\ncut = \"ash/ch2\"\n");
    refused(&s, json!({"id": "cut-ch2", "cut": "ash/ch1"}), &["duplicate id `cut-ch2`", &format!("already used on line {}", NEXT + 2)]);
    refused(&s, json!({"id": "ash", "cut": "ash/ch1"}), &["duplicate id `ash`"]);
    refused(&s, json!({"id": "app-db", "cut": "ash/ch1"}), &["duplicate id `app-db`"]);
    let unnamed = load("\n[[fault]]\nat = \"30s\"\ncut = \"ash/ch2\"\n");
    refused(&unnamed, json!({"id": "f1", "cut": "ash/ch1"}), &["duplicate id `f1`"]);
    let random = load("\n[[random_faults]]\nid = \"chaos\"\nclass = \"channel\"\nmtbf = \"1h\"\nmttr = \"5m\"\n");
    refused(&random, json!({"id": "chaos", "cut": "ash/ch1"}), &["duplicate id `chaos`", "live.toml:"]);
}

#[test]
fn a_file_with_an_inline_fault_array_takes_requests_too() {
    let body = HEAD.split_once("\n\n").map_or("", |(_, rest)| rest);
    let text = format!(
        "scenario = {{ name = \"inline\", duration = \"60s\" }}\nfault = [ {{ id = \"c\", at = \"10s\", cut = \"ash/ch1\" }} ]\n\n{body}"
    );
    let s = scenarios::load_str("inline.toml", &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inject(&s, json!({"id": "x", "cut": "ash/ch2"})).target, "ash/ch2");
    refused(&s, json!({"id": "c", "cut": "ash/ch2"}), &["duplicate id `c`"]);
}

#[test]
fn a_file_with_crlf_line_ends_takes_requests_and_exports() {
    let text = format!("{HEAD}\n[[fault]]\nid = \"c\"\nat = \"10s\"\ncut = \"ash/ch1\"\n").replace('\n', "\r\n");
    let s = scenarios::load_str("crlf.toml", &text).unwrap_or_else(|e| panic!("{e}"));
    let f = inject(&s, json!({"id": "x", "cut": "ash/ch2"}));
    refused(&s, json!({"id": "x", "cut": "ash/ch7"}), &["`cut = \"ash/ch7\"`: unknown fault target"]);
    let out = live::export_with_faults(&s, 5, &[(ms(12_000), Some(ms(13_000)), f.table)]);
    let back = scenarios::load_str("out.toml", &out).unwrap_or_else(|e| panic!("{e}\n{out}"));
    assert_eq!((back.seed, back.spec.faults.len()), (5, 2), "{out}");
}

// ---- export_with_faults ----

fn ms(t: u64) -> SimTime {
    SimTime::from_millis(t)
}

#[test]
fn the_seed_is_set_however_the_scenario_table_is_written() {
    let body = HEAD.split_once("\n\n").map_or("", |(_, rest)| rest);
    let seeded = |t: &str| HEAD.replace("duration = \"60s\"\n", &format!("duration = \"60s\"\n{t}\n"));
    let inline = |t: &str| format!("scenario = {{ {t} }}\n\n{body}");
    let dotted = |t: &str| format!("# a comment\n{t}\n\n{body}");
    let n = "name = \"n\", duration = \"60s\"";
    let forms = [
        (HEAD.to_string(), HEAD.replace("[scenario]\n", "[scenario]\nseed = 424242\n")),
        (seeded("seed = 7 # the file's seed"), seeded("seed = 424242 # the file's seed")),
        (seeded("\"seed\" = 0x1f"), seeded("\"seed\" = 424242")),
        (inline(n), inline(&format!("seed = 424242, {n}"))),
        (inline(&format!("{n}, seed = 3")), inline(&format!("{n}, seed = 424242"))),
        (
            dotted("scenario.name = \"d\"\nscenario.duration = \"60s\""),
            dotted("scenario.seed = 424242\nscenario.name = \"d\"\nscenario.duration = \"60s\""),
        ),
        (
            dotted("scenario.seed = 12\nscenario.name = \"d\"\nscenario.duration = \"60s\""),
            dotted("scenario.seed = 424242\nscenario.name = \"d\"\nscenario.duration = \"60s\""),
        ),
        (
            format!("{body}\n[scenario] # last\nname = \"last\"\nduration = \"60s\""),
            format!("{body}\n[scenario] # last\nseed = 424242\nname = \"last\"\nduration = \"60s\""),
        ),
    ];
    for (text, want) in forms {
        let s = scenarios::load_str("forms.toml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let out = live::export_with_faults(&s, 424242, &[]);
        assert_eq!(out, want, "only the seed changes");
        let back = scenarios::load_str("out.toml", &out).unwrap_or_else(|e| panic!("{e}\n{out}"));
        assert_eq!((back.seed, &back.spec), (424242, &s.spec), "{out}");
    }
}

#[test]
fn faults_are_appended_at_their_exact_times() {
    let s = load("\n[expect]\nno_loss = true\n");
    let cut = inject(&s, json!({"id": "cut-1", "cut": "ash/ch2", "for": "30s"}));
    let gray = inject(&s, json!({"id": "gray", "degrade": {"target": "ash", "loss": "1%"}}));
    let late = inject(&s, json!({"id": "late", "cut": "ash/ch3"}));
    let odd = SimTime::ZERO + SimDuration::from_nanos(12_345_678_901);
    let faults = [(ms(5_000), Some(ms(7_250)), cut.table.clone()), (odd, None, gray.table.clone()), (ms(60_000), None, late.table.clone())];
    let out = live::export_with_faults(&s, 9, &faults);
    // Counted in number: `with 3 faults injected`, and `1 fault` below, never `fault(s)`.
    assert!(out.contains("at seed 9, with 3 faults injected through its API."), "{out}");
    assert!(out.contains("[[fault]]\nid = \"cut-1\"\nat = \"5000ms\"\ncut = \"ash/ch2\"\nfor = \"2250ms\"\n"), "{out}");
    assert!(out.contains("at = \"12345678901ns\""), "{out}");
    assert!(out.contains("# fault `late`, injected at 60s, at or after the end of the run (60s), is left out"), "{out}");
    let back = scenarios::load_str("out.toml", &out).unwrap_or_else(|e| panic!("{e}\n{out}"));
    let f = &back.spec.faults;
    assert_eq!(f.len(), 2);
    assert_eq!((f[0].trigger.clone(), f[0].duration), (Trigger::At(ms(5_000)), Some(SimDuration::from_millis(2_250))));
    assert_eq!((f[1].trigger.clone(), f[1].duration, f[1].action), (Trigger::At(odd), None, gray.action));
    // A repair after the fault's own `for` ran out changes nothing: `for` stays.
    let out = live::export_with_faults(&s, 9, &[(ms(5_000), Some(ms(50_000)), cut.table.clone())]);
    assert!(out.contains("for = \"30000ms\""), "{out}");
    assert!(out.contains("with 1 fault injected through its API.") && !out.contains("(s)"), "{out}");
    let out = live::export_with_faults(&s, 9, &[(ms(5_000), Some(ms(5_000)), cut.table)]);
    assert!(out.contains("for = \"1ns\"") && out.contains("repaired at the instant it was injected"), "{out}");
}

#[test]
fn faults_join_an_inline_fault_array() {
    for array in ["fault = [ { id = \"c\", at = \"10s\", cut = \"ash/ch1\", for = \"1s\" }, ]", "fault = []"] {
        let text = HEAD.replacen("[scenario]", &format!("{array}\n\n[scenario]"), 1);
        let s = scenarios::load_str("inline.toml", &text).unwrap_or_else(|e| panic!("{e}"));
        let a = inject(&s, json!({"id": "x", "cut": "ash/ch2", "for": "3s"}));
        let b = inject(&s, json!({"id": "y", "blackhole": "ash/ch3"}));
        let out = live::export_with_faults(&s, 2, &[(ms(20_000), None, a.table), (ms(21_000), Some(ms(22_000)), b.table)]);
        let back = scenarios::load_str("out.toml", &out).unwrap_or_else(|e| panic!("{e}\n{out}"));
        let ids: Vec<&str> = back.spec.faults.iter().map(|f| f.id.as_str()).collect();
        let want: &[&str] = if array.contains("\"c\"") { &["c", "x", "y"] } else { &["x", "y"] };
        assert_eq!(ids, want, "{out}");
        assert_eq!(back.spec.faults.last().and_then(|f| f.duration), Some(SimDuration::from_secs(1)));
    }
}

#[test]
fn injected_faults_retire_the_documented_verdict() {
    let s = scenarios::load_library("channel-cut").expect("library");
    let f = inject(&s, json!({"id": "more", "cut": "ash/ch3"}));
    let out = live::export_with_faults(&s, 1, &[(ms(40_000), None, f.table)]);
    assert!(out.contains("# Before the faults injected through `faultline live`, the documented verdict was pass."), "{out}");
    assert_eq!(scenarios::documented_verdict(&out), None);
    assert_eq!(live::export_with_faults(&s, 1, &[]), s.source.text, "no faults, same seed: the file as it was");
}

/// Advances `sim` to the first whole millisecond at or after `t` at which no event is due,
/// so that an injection there is an instant of its own, as the scripted fault's start is.
fn free_instant(sim: &mut Simulation, t: SimTime) -> SimTime {
    let mut t = t;
    loop {
        sim.run_until(t);
        if sim.peek() != Some(t) {
            return t;
        }
        t += SimDuration::from_millis(1);
    }
}

#[test]
fn the_export_replays_injections_and_repairs_with_the_same_fingerprint() {
    let facility = "\n[[fault]]\nid = \"power\"\nat = \"20s\"\nfacility_down = \"ash/fac-a\"\nfor = \"30s\"\n";
    let cut = "\n[[fault]]\nid = \"cut-ch2\"\nat = \"20s\"\ncut = \"ash/ch2\"\n";
    for (name, extra) in [("facility", facility), ("cut", cut)] {
        let s = load(extra);
        let seed = 17;
        let requests = [
            json!({"id": "hand-cut", "cut": "ash/ch3", "for": "40s"}),
            json!({"id": "hand-gray", "degrade": {"target": "ash/ch1", "loss": "1%", "delay": "2ms"}}),
            json!({"id": "hand-drain", "drain": {"target": "ash/ch4", "wait": "3s"}}),
        ];
        let mut sim = scenarios::prepare(&s, seed, SimOptions::default()).expect("builds");
        let mut recorded = Vec::new();
        let mut ids = Vec::new();
        for (i, req) in requests.iter().enumerate() {
            let f = inject(&s, req.clone());
            let at = free_instant(&mut sim, ms(25_000 + 5_000 * i as u64));
            let id = sim.inject(&f.id, &f.target, f.action, f.duration).expect("injects");
            ids.push(id);
            recorded.push((at, None, f.table));
        }
        // Repair the cut before its own `for` runs out, and the drain after it went down.
        for (k, when) in [(0usize, 45_000u64), (2, 52_000)] {
            let r = free_instant(&mut sim, ms(when));
            sim.repair(ids[k]);
            recorded[k].1 = Some(r);
        }
        sim.run();
        let live_fp = sim.fingerprint();

        let text = live::export_with_faults(&s, seed, &recorded);
        let replay = scenarios::load_str("replay.toml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(replay.seed, seed);
        assert_eq!(replay.spec.faults.len(), s.spec.faults.len() + requests.len());
        let (at0, r0, _) = &recorded[0];
        let cut = &replay.spec.faults[s.spec.faults.len()];
        assert_eq!(cut.duration, r0.map(|r| r.saturating_since(*at0)), "the repair sets `for`");
        let out = scenarios::run(&replay, replay.seed, SimOptions::default()).expect("builds");
        assert_eq!(out.report.fingerprint, format!("{live_fp:016x}"), "{name}: the export replays the live session\n{text}");
        let plain = scenarios::run(&s, seed, SimOptions::default()).expect("builds");
        assert_ne!(plain.report.fingerprint, out.report.fingerprint, "the injected faults did something");
    }
}
