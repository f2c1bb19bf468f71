//! Runbook steps that name a VPN or an interconnect as a whole (`shift … to = ["vpn"]`,
//! `prefer = { link = "vpn" }`), and what a step found when its work was already done.
//! Figures are worked out by hand from the fixtures' rates and the 2 % loss; the
//! metamorphic checks compare a run with the same file less a step or plus a fault.

mod common;

use serde_json::Value;

const DIR: &str = "tests/fixtures/runbook";

fn group<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["traffic"].as_array().expect("traffic").iter().find(|g| g["id"] == id).unwrap_or_else(|| panic!("no group {id}: {v}"))
}

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} is not a number: {v}"))
}

/// The fixture `name` with `edit` applied, written to a temporary file.
fn variant(name: &str, tag: &str, edit: impl Fn(&str) -> String) -> String {
    let text = std::fs::read_to_string(common::root().join(DIR).join(name)).expect("fixture");
    let dir = std::env::temp_dir().join(format!("faultline-runbook-conn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(format!("{tag}-{name}"));
    std::fs::write(&p, edit(&text)).expect("write variant");
    p.to_string_lossy().into_owned()
}

fn without_runbook(t: &str) -> String {
    t[..t.find("[[runbook]]").expect("a runbook step")].to_string()
}

/// 2 % loss on every channel from 60 s. app-db (400 Mbps = 50 MB/s) moves onto the VPN at
/// 240 s, so it loses 2 % of 180 s of its traffic, a third of what it loses when it stays
/// for all 540 s; bulk, which shares no bottleneck with it, is unchanged to the byte.
#[test]
fn shifting_one_group_onto_the_vpn_ends_its_loss_and_leaves_the_other_alone() {
    let f = format!("{DIR}/shift-to-vpn.toml");
    let (code, moved) = common::run_json(&f, &[]);
    assert_eq!(code, Some(2), "no [expect]: inconclusive\n{moved}");
    let (_, stayed) = common::run_json(&variant("shift-to-vpn.toml", "stay", without_runbook), &[]);
    let (lost_moved, lost_stayed) = (num(group(&moved, "app-db"), "lost_bytes"), num(group(&stayed, "app-db"), "lost_bytes"));
    let by_hand = 0.02 * 50e6 * 540.0;
    assert!((lost_stayed - by_hand).abs() / by_hand < 0.03, "app-db left on the lossy path loses ~2 %: {lost_stayed} vs {by_hand}");
    assert!((lost_moved * 3.0 - lost_stayed).abs() / lost_stayed < 0.01, "a third of the loss: {lost_moved} vs {lost_stayed}");
    for key in ["delivered_bytes", "lost_bytes", "min_throughput_bps", "rto_episodes"] {
        assert_eq!(group(&moved, "bulk")[key], group(&stayed, "bulk")[key], "bulk's {key} does not depend on app-db's move");
    }
    assert!(moved["runbook"][0]["found"].is_null(), "a move off a gray failure was needed: {}", moved["runbook"]);
}

/// Once pinned to the VPN, app-db falls back to the interconnect when both tunnels are cut
/// (400 s): carrier loss, local repair after 50 ms, the more-specific withdrawn; then it is
/// on the lossy path again for the last 200 s: 2 % of 200 s × 50 MB/s more loss.
#[test]
fn a_pinned_group_falls_back_to_the_hops_usual_routes_when_its_connection_fails() {
    let cut = |t: &str| {
        format!(
            "{t}\n[[fault]]\nid = \"t1\"\nat = \"400s\"\ncut = \"vpn/tunnel1\"\n\n[[fault]]\nid = \"t2\"\nat = \"400s\"\ncut = \"vpn/tunnel2\"\n"
        )
    };
    let (_, v) = common::run_json(&variant("shift-to-vpn.toml", "fallback", cut), &[]);
    let (_, base) = common::run_json(&format!("{DIR}/shift-to-vpn.toml"), &[]);
    let g = group(&v, "app-db");
    assert_eq!(num(g, "rto_episodes"), 1.0, "{g}");
    let rto = num(g, "rto_s");
    assert!(rto > 0.05 && rto < 1.0, "local repair (50 ms) then TCP's retransmission: {rto}");
    let extra = num(g, "lost_bytes") - num(group(&base, "app-db"), "lost_bytes");
    let by_hand = 0.02 * 50e6 * 200.0;
    assert!((extra - by_hand).abs() / by_hand < 0.05, "lossy again for 200 s: {extra} vs {by_hand}");
    let t1 = v["faults"].as_array().expect("faults").iter().find(|f| f["id"] == "t1").expect("t1");
    assert_eq!(t1["converge_s"].as_f64(), Some(0.05), "the pinned routes go with local repair: {t1}");
}

/// The whole interconnect is cut at 60 s; BGP moves app-db onto the VPN (recovery 1.9 s).
/// Five minutes after the page the runbook's shift onto the VPN changes no path, and the
/// prefer that follows sets the VPN's default LOCAL_PREF (50) again: both say so. Removing
/// the two steps changes no number of the faults or the traffic.
#[test]
fn a_step_that_finds_its_work_done_says_so_and_changes_nothing() {
    let (code, v) = common::run_json(&format!("{DIR}/already-done.toml"), &[]);
    assert_eq!(code, Some(0), "{v}");
    let rb = v["runbook"].as_array().expect("runbook");
    assert_eq!(rb[0]["found"], "already-there", "{}", v["runbook"]);
    assert_eq!(rb[1]["found"], "already-set", "{}", v["runbook"]);
    assert!(rb[0]["found_text"].as_str().is_some_and(|t| t.contains("already")), "{}", rb[0]);
    let (_, none) = common::run_json(&variant("already-done.toml", "none", without_runbook), &[]);
    assert_eq!(v["traffic"], none["traffic"], "the steps found nothing to do");
    assert_eq!(v["faults"], none["faults"]);
    let text = String::from_utf8_lossy(&common::faultline(&["run", &format!("{DIR}/already-done.toml")]).stdout).into_owned();
    assert!(text.contains("found the work already done"), "{text}");
}

/// One channel of four is cut: ECMP carries on over the other three at once, so a shift of
/// app-db onto the VPN two minutes later moves traffic that was already flowing.
#[test]
fn a_shift_after_routing_repaired_the_damage_finds_the_traffic_flowing() {
    let one_channel = |t: &str| t.replace("cut = \"ash\"", "cut = \"ash/ch2\"").replace("target = \"ash/ch1\"", "target = \"ash/ch2\"");
    let (_, v) = common::run_json(&variant("already-done.toml", "one", one_channel), &[]);
    assert_eq!(v["runbook"][0]["found"], "already-flowing", "{}", v["runbook"]);
}

/// `prefer = { link = "vpn", local_pref = 200 }` at 60 s moves everything onto the VPN: a
/// cut of the whole interconnect at 120 s then costs nothing, a cut of one tunnel does.
#[test]
fn preferring_the_vpn_as_a_whole_moves_all_traffic_onto_it() {
    let fault = |target: &'static str| {
        move |t: &str| {
            t.replace("rate = \"4Gbps\"", "rate = \"1Gbps\"") + &format!("\n[[fault]]\nid = \"cut\"\nat = \"120s\"\ncut = \"{target}\"\n")
        }
    };
    let (_, ash) = common::run_json(&variant("prefer-vpn.toml", "ash", fault("ash")), &[]);
    let g = group(&ash, "app-db");
    assert_eq!(num(g, "lost_bytes"), 0.0, "{g}");
    assert_eq!(num(g, "rto_episodes"), 0.0, "{g}");
    let (_, tunnel) = common::run_json(&variant("prefer-vpn.toml", "tunnel", fault("vpn/tunnel1")), &[]);
    assert!(num(group(&tunnel, "app-db"), "lost_bytes") > 0.0, "{}", tunnel["traffic"]);
}

/// Names that are not connections, or connections where a route cannot use them: exit 3
/// at the value, with a suggestion where one is near.
#[test]
fn connection_names_are_checked_at_the_value() {
    let cases: [(&str, &str, &str, &[&str]); 4] = [
        ("typo", "to = [\"vpn\"]", "to = [\"vpm\"]", &["`vpm` is not a VPN or an interconnect", "did you mean `vpn`?"]),
        (
            "wrong-hop",
            "to = [\"vpn\"]",
            "to = [\"aws:us-east-1\", \"vpn\", \"gcp:us-west1\"]",
            &["`vpn` joins `aws:us-east-1` and `gcp:us-east4`, not `aws:us-east-1` and `gcp:us-west1`"],
        ),
        ("at-end", "to = [\"vpn\"]", "to = [\"aws:us-east-1\", \"vpn\"]", &["in a route it stands between the two sites it joins"]),
        (
            "prefer",
            "shift = { traffic = \"app-db\", to = [\"vpn\"] }",
            "prefer = { link = \"vpm\" }",
            &["unknown link, VPN or interconnect `vpm`", "did you mean `vpn`?"],
        ),
    ];
    for (tag, from, to, wants) in cases {
        let p = variant("shift-to-vpn.toml", tag, |t| {
            assert!(t.contains(from), "{from}");
            t.replace(from, to)
        });
        let o = common::faultline(&["validate", &p]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{tag}: {err}");
        assert!(err.contains(&format!("{p}:50:")), "{tag}: the runbook line: {err}");
        for w in wants {
            assert!(err.contains(w), "{tag}: wants {w:?} in {err}");
        }
    }
}

/// Both tunnels are cut at 10 s and stay down: the shift onto the VPN at 240 s cannot
/// move anything, and says so instead of claiming the work was done.
#[test]
fn a_shift_onto_a_dead_connection_says_it_could_not_move_the_traffic() {
    let dead = |t: &str| {
        format!(
            "{t}\n[[fault]]\nid = \"t1\"\nat = \"10s\"\ncut = \"vpn/tunnel1\"\n\n[[fault]]\nid = \"t2\"\nat = \"10s\"\ncut = \"vpn/tunnel2\"\n"
        )
    };
    let (_, v) = common::run_json(&variant("shift-to-vpn.toml", "dead", dead), &[]);
    assert_eq!(v["runbook"][0]["found"], "unavailable", "{}", v["runbook"]);
    let (_, base) = common::run_json(&variant("shift-to-vpn.toml", "dead-none", |t| dead(&without_runbook(t))), &[]);
    assert_eq!(group(&v, "app-db")["lost_bytes"], group(&base, "app-db")["lost_bytes"], "it stayed on the lossy interconnect");
}

/// 50 ms of added delay is a gray failure too: a step that moves the group off it at a
/// fixed time was needed, and says nothing; so was one off a capacity cut.
#[test]
fn a_shift_off_added_delay_or_lost_capacity_was_needed() {
    for (tag, harm) in [("delay", "delay = \"50ms\""), ("capacity", "capacity = \"1%\"")] {
        let edit = move |t: &str| t.replace("loss = \"2%\"", harm).replace("on = \"app-db-lossy\"", "at = \"240s\"");
        let (_, v) = common::run_json(&variant("shift-to-vpn.toml", tag, edit), &[]);
        assert!(v["runbook"][0]["found"].is_null(), "{tag}: {}", v["runbook"]);
    }
}

/// A failover that moves one group twice is refused at the value; a loss alarm on a packet
/// group is accepted (it reads the group's packets, see tests/alarms.rs).
#[test]
fn conflicting_failovers_are_refused_and_packet_loss_alarms_accepted() {
    let twice = variant("shift-to-vpn.toml", "twice", |t| {
        t.replace(
            "shift = { traffic = \"app-db\", to = [\"vpn\"] }",
            "failover = [{ traffic = \"app-db\", to = [\"vpn\"] }, { traffic = \"app-db\", to = [\"ash\"] }]",
        )
    });
    let o = common::faultline(&["validate", &twice]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("failover moves `app-db` twice"), "{}", String::from_utf8_lossy(&o.stderr));
    let packet =
        variant("shift-to-vpn.toml", "packet", |t| t.replacen("rate = \"400Mbps\"", "rate = \"400Mbps\"\nfidelity = \"packet\"", 1));
    let o = common::faultline(&["validate", &packet]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}
