//! Edges of the model a hostile review of issue 13 found wrong, each against a figure worked
//! out by hand (the files in `tests/fixtures/model/` say how). They are event counts and
//! simulated quantities, never wall-clock timings.

mod common;

use serde_json::Value;

fn fixture(name: &str) -> String {
    common::root().join("tests/fixtures/model").join(name).to_string_lossy().into_owned()
}

fn secs(v: &Value, what: &str) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{what} is not a number: {v}"))
}

/// Connections opened into an outage: the SYNs at 0, 1 and 3 s find no route (forwarding
/// is back at about 4 s), the one at 7 s connects. The group is disrupted from its first SYN
/// to then: recovery, RTO and stall all about 7 s, where they used to read 0 s, `—`, `—`
/// (and the three expectations passed). Delivery starts once the connections open, at the
/// offered rate: no burst of what accrued while they could not send.
#[test]
fn connections_opened_into_an_outage_are_disrupted_from_their_first_syn() {
    let (code, v) = common::run_json(&fixture("syn-into-outage.toml"), &[]);
    assert_eq!(code, Some(1), "the three 1 s expectations fail");
    let f = &v["faults"][0];
    let app = &v["traffic"][0];
    let recover = secs(&f["recover_s"], "recover_s");
    assert!((6.9..7.2).contains(&recover), "recover {recover} s: the SYN at 7 s connects\n{f}");
    let rto = secs(&app["rto_s"], "rto_s");
    assert!((6.9..7.2).contains(&rto), "RTO {rto} s\n{app}");
    let stall = secs(&app["stall_p99_s"], "stall_p99_s");
    assert!((6.9..7.2).contains(&stall), "stall p99 {stall} s, from the first SYN\n{app}");
    // 400 Mbps for the 20 - 7.04 s the connections were open: 648 MB. It was 1,000 MB, the
    // whole run's worth, sent at up to 11 times the rate once the SYN got through.
    let delivered = app["delivered_bytes"].as_u64().expect("delivered_bytes") as f64;
    let open = 400e6 / 8.0 * (20.0 - recover);
    assert!(delivered <= open * 1.01 && delivered >= open * 0.97, "{delivered} B delivered, {open} B offered while open");
}

/// A capacity degrade changes the line rate and keeps the queue: nothing on the wire is
/// dropped (it used to be, the SYN at t = 0 included, and the group read 0 bps).
#[test]
fn a_capacity_degrade_drops_nothing_on_the_wire() {
    let (code, v) = common::run_json(&fixture("degrade-keeps-queue.toml"), &[]);
    let app = &v["traffic"][0];
    assert_eq!(code, Some(0), "{app}");
    assert_eq!(app["packet"]["drops"], 0, "{app}");
    assert_eq!(app["lost_bytes"], 0, "{app}");
    let min = app["min_throughput_bps"].as_u64().expect("min_throughput_bps");
    assert!(min > 8_000_000, "min {min} bps of 10 Mbps on a 99 % line");
}

/// Two identical cuts, the flows on the VPN between them: the same bytes lost by both,
/// 457.8 kB (2 Gbps x 0.75 ms in flight + 3 x 64 x 1408 B retransmitted), however long the
/// flows spent on the VPN before (the second used to lose 902.2 kB with the VPN's window).
#[test]
fn a_cut_after_time_on_the_vpn_loses_what_the_same_cut_loses_first() {
    let (_, v) = common::run_json(&fixture("vpn-then-cut.toml"), &[]);
    let lost = |i: usize| v["faults"][i]["lost_bytes"].as_u64().expect("lost_bytes");
    let expected = 187_500 + 3 * 64 * 1408;
    assert!(lost(0).abs_diff(expected) <= 1_000, "first cut {} B, expected {expected} B", lost(0));
    assert_eq!(lost(1), lost(0), "second cut against the first");
}
