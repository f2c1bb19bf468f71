//! `loss_above` and `latency_above` alarms end to end: a gray failure BFD never sees pages
//! someone and triggers a runbook step; thresholds are judged against hand-worked figures.

mod common;

use serde_json::Value;

fn fired(v: &Value, id: &str) -> Vec<f64> {
    let a = v["alarms"]
        .as_array()
        .expect("as the test set it up")
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no alarm {id}: {v}"));
    a["fired_s"].as_array().expect("as the test set it up").iter().map(|t| t.as_f64().expect("as the test set it up")).collect()
}

fn edited(name: &str, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(common::root().join("tests/fixtures/alarms").join(name)).expect("as the test set it up");
    assert!(text.contains(from), "{from}");
    let dir = std::env::temp_dir().join(format!("faultline-alarms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("as the test set it up");
    let p = dir.join(format!("{}-{name}", from.len()));
    std::fs::write(&p, text.replace(from, to)).expect("as the test set it up");
    p.to_string_lossy().into_owned()
}

/// 2 % loss from 30 s on one of four channels: no session goes down, the group's loss is
/// above 0.1 % from 30 s, so the alarm fires at 30 + 30 = 60 s; the step drains ch1 two
/// minutes later, at 180 s, and the run passes `undetected` and `recover_within`.
#[test]
fn a_gray_failure_fires_the_loss_alarm_and_the_runbook_drains() {
    let (code, v) = common::run_json("tests/fixtures/alarms/gray-loss-pages.toml", &[]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(fired(&v, "db-loss"), vec![60.0]);
    let step = &v["runbook"][0];
    assert_eq!((step["triggered_s"].as_f64(), step["acted_s"].as_f64()), (Some(60.0), Some(180.0)));
    assert!(v["faults"][0]["detect_s"].is_null(), "BFD never saw it");
    let o = common::faultline(&["run", "tests/fixtures/alarms/gray-loss-pages.toml"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.lines().any(|l| l.starts_with("db-loss") && l.ends_with(" 60s")), "{text}");
}

/// The group's loss can never exceed the 2 % its worst channel drops (it is a share of what
/// all its flows send): a 2 % threshold never fires, and nor does the step.
#[test]
fn a_loss_threshold_above_the_links_loss_never_fires() {
    let p = edited("gray-loss-pages.toml", "threshold = \"0.1%\"", "threshold = \"2%\"");
    let (_, v) = common::run_json(&p, &[]);
    assert!(fired(&v, "db-loss").is_empty(), "{v}");
    assert!(v["runbook"][0]["triggered_s"].is_null());
}

/// 40 ms more one way on every channel: the round trip goes from about 1.5 ms to about
/// 81.5 ms at 30 s, above 50 ms; held 10 s, the alarm fires at 40 s. Above 100 ms it does not.
#[test]
fn added_delay_fires_the_latency_alarm() {
    let (code, v) = common::run_json("tests/fixtures/alarms/latency-pages.toml", &[]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(fired(&v, "db-slow"), vec![40.0]);
    let p = edited("latency-pages.toml", "threshold = \"50ms\"", "threshold = \"100ms\"");
    let (_, v) = common::run_json(&p, &[]);
    assert!(fired(&v, "db-slow").is_empty(), "{v}");
}

/// A loss threshold of 100 % could never be exceeded: an error that points at it.
#[test]
fn an_impossible_threshold_is_an_error() {
    let p = edited("gray-loss-pages.toml", "threshold = \"0.1%\"", "threshold = \"100%\"");
    let o = common::faultline(&["validate", &p]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("below 100%") && err.contains(":32:"), "{err}");
}

/// `run --json` with `--control MODE`: its fingerprint and the alarm's firing times.
fn fired_under(path: &str, id: &str, control: &str) -> (String, Vec<f64>, Value) {
    let (_, v) = common::run_json(path, &["--control", control]);
    (v["fingerprint"].as_str().unwrap_or_default().to_string(), fired(&v, id), v)
}

/// A packet-fidelity group: 2 flows of 50 Mbps, and from 10 s 2 % loss on every channel of
/// ash, so every data packet crosses one link that drops 2 % of them: the share lost of what
/// the group sends (retransmissions included) is 2 %, twice the alarm's 1 %. The alarm reads
/// that share over its window, its `for` of 5 s, as of each 10 ms bin, and fires once it has
/// held 5 s without a break.
/// - Not before 15 s: nothing is lost before 10 s, so the condition cannot hold before then,
///   and it must hold 5 s.
/// - By about 21 s: smoltcp (1 s minimum RTO, no SACK) collapses under 2 % loss to PFTK's
///   MSS / (RTT √(2bp/3) + T0 · 3√(3bp/8) · p (1 + 32p²)) = 11,264 bit / (0.245 ms + 7.45 ms)
///   ≈ 1.5 Mbps per flow (b = 2, T0 = 1 s), some 260 packets a second for the group. The
///   ~9,000 clean packets a second sent before 10 s dilute the share until they have left the
///   window, by 15 s; after that the window holds only lossy packets (~1,300, 26 ± 5 lost,
///   the 1 % needs 13), so the condition holds from at most 15 s and the alarm fires by
///   15 + 5 = 20 s, plus a second for the noise of so few packets.
/// - The step acts its 10 s delay later; the VPN loses nothing, so it was needed (no `found`).
///
/// Lazy and per-packet control give the same run: the fingerprint and the firing time.
#[test]
fn gray_loss_fires_a_packet_groups_loss_alarm_and_the_runbook_shifts_it_to_the_vpn() {
    let path = "tests/fixtures/alarms/packet-gray-loss.toml";
    let (fp_lazy, lazy, v) = fired_under(path, "app-lossy", "lazy");
    let (fp_pp, per_packet, _) = fired_under(path, "app-lossy", "per-packet");
    assert_eq!((&fp_lazy, &lazy), (&fp_pp, &per_packet), "lazy and per-packet control agree");
    assert_eq!(lazy.len(), 1, "{v}");
    assert!(lazy[0] > 15.0 && lazy[0] <= 21.0, "fired at {} s", lazy[0]);
    let step = &v["runbook"][0];
    assert_eq!(step["triggered_s"].as_f64(), Some(lazy[0]));
    let acted = step["acted_s"].as_f64().expect("the step acted");
    assert!((acted - (lazy[0] + 10.0)).abs() < 1e-9, "{step}");
    assert!(step["found"].is_null(), "the shift off the lossy interconnect was needed: {step}");
    assert!(v["faults"][0]["detect_s"].is_null(), "BFD never saw it");
}

/// The alarm honours its `for` as fluid alarms do: loss that lasts 4 s (10–14 s) can make the
/// condition hold at most from the first loss to 14 s plus the 5 s the lossy packets stay in
/// the window, but it never holds before the clean packets have left the window (~15 s)…
/// so with `for = "30s"` (a 30 s window, the condition needing 30 s held) it never fires.
#[test]
fn a_packet_loss_alarm_waits_its_whole_for() {
    let p = edited("packet-gray-loss.toml", "loss = \"2%\" }", "loss = \"2%\" }\nfor = \"4s\"");
    let p2 = std::fs::read_to_string(&p).expect("as the test set it up").replace("for = \"5s\" }", "for = \"30s\" }");
    std::fs::write(&p, p2).expect("as the test set it up");
    let (_, v) = common::run_json(&p, &[]);
    assert!(fired(&v, "app-lossy").is_empty(), "{}", v["alarms"]);
    assert!(v["runbook"][0]["triggered_s"].is_null());
}

/// A packet group's round trip: 1.5 ms on ash (2 × 0.625 ms on the channel + 0.25 ms in the
/// sites), at most 11.5 ms measured with a 10 ms delayed ACK: below 30 ms. From 10 s each
/// channel adds 20 ms one way: the first segment sent after 10 s is acknowledged after
/// 1.5 + 40 = 41.5 ms (no queue: 100 Mbps on 4.6 Gbps channels), at 10.0415 s, above 30 ms.
/// The alarm reads its flows' latest samples at each 10 ms bin: it holds from 10.05 s and,
/// held 5 s, fires at 15.05 s. With a 60 ms threshold (above 41.5 ms plus a 10 ms delayed
/// ACK) it never fires. Lazy and per-packet control agree.
#[test]
fn added_delay_fires_a_packet_groups_latency_alarm() {
    let path = "tests/fixtures/alarms/packet-latency.toml";
    let (fp_lazy, lazy, _) = fired_under(path, "app-slow", "lazy");
    let (fp_pp, per_packet, _) = fired_under(path, "app-slow", "per-packet");
    assert_eq!((&fp_lazy, &lazy), (&fp_pp, &per_packet), "lazy and per-packet control agree");
    assert_eq!(lazy, vec![15.05]);
    let p = edited("packet-latency.toml", "threshold = \"30ms\"", "threshold = \"60ms\"");
    let (_, v) = common::run_json(&p, &[]);
    assert!(fired(&v, "app-slow").is_empty(), "{}", v["alarms"]);
}
