//! Values that only sim-core checks (`Model::build`: link, session and routing limits) are
//! reported at the key that set them, not at the table or the scenario.

mod common;

const HEAD: &str = r#"[scenario]
name = "values"
duration = "60s"

[[interconnect]]
id = "ash"
template = "aws-gcp-managed"
aws = "us-east-1"
gcp = "us-east4"
bandwidth = "10Gbps"
"#;

/// Loads HEAD plus `extra` (from line 11 on) and returns the error's line, column and text.
fn error_at(extra: &str) -> (usize, usize, String) {
    common::load_error("values.toml", &format!("{HEAD}{extra}"))
}

#[track_caller]
fn assert_at(extra: &str, line: usize, column: usize, words: &str) {
    let (l, c, rendered) = error_at(extra);
    assert_eq!((l, c), (line, column), "{rendered}");
    assert!(rendered.contains(words), "`{words}` not in\n{rendered}");
}

#[test]
fn link_values_point_at_their_key() {
    assert_at("mtu = 100\n", 11, 7, "`mtu` 100 is outside");
    assert_at("loss = \"100%\"\n", 11, 8, "`loss` must be below 100%");
    assert_at("channel_bandwidth = \"0bps\"\n", 11, 21, "`bandwidth` must be positive");
    // A channel's own key wins over the interconnect's.
    assert_at("loss = \"1%\"\n[interconnect.channel.ch3]\nloss = \"100%\"\n", 13, 8, "link `ash/ch3`: `loss`");
}

#[test]
fn session_timers_point_at_the_side_and_key_that_set_them() {
    assert_at("bfd = { interval = \"300ms\", multiplier = 0 }\n", 11, 42, "multiplier must be 1..=255");
    // `bfd_b` refines `bfd` for side B only.
    assert_at("bfd = { interval = \"300ms\", multiplier = 3 }\nbfd_b = { interval = \"100us\", multiplier = 3 }\n", 12, 22, "side b");
    assert_at("bgp_b = { keepalive = \"100ms\" }\n", 11, 23, "side b: keepalive 100ms");
    let (l, c, rendered) = error_at("bgp = { keepalive = \"1s\", hold = \"2s\" }\n");
    assert_eq!((l, c), (11, 34), "{rendered}");
    assert!(rendered.contains("at least 3 s"), "{rendered}");
    // Two keys in conflict: the table that holds both.
    assert_at("bgp = { keepalive = \"20s\", hold = \"10s\" }\n", 11, 7, "keepalive 20s exceeds hold 10s");
    // Only the hold was written: it is what made the template's keepalive too long.
    assert_at("bgp = { hold = \"10s\" }\n", 11, 16, "keepalive 30s exceeds hold 10s");
}

#[test]
fn a_value_is_checked_once_it_is_final() {
    // The shared `bgp` hold is below the template's keepalive until the per-side keys
    // lower it; only the final timers are checked.
    let text = format!("{HEAD}bgp = {{ hold = \"10s\" }}\nbgp_a = {{ keepalive = \"3s\" }}\nbgp_b = {{ keepalive = \"3s\" }}\n");
    let s = scenarios::load_str("values.toml", &text).unwrap_or_else(|e| panic!("{e}"));
    let session = s.spec.links[0].session.expect("the template has a session");
    assert_eq!(session.bgp[0].hold, sim_core::SimDuration::from_secs(10));
    assert_eq!(session.bgp[1].keepalive, sim_core::SimDuration::from_secs(3));
}

#[test]
fn routing_values_point_at_the_interconnect_that_set_them() {
    assert_at("max_paths = 65\n", 11, 13, "`max_paths` must be between 1 and 64");
    assert_at("resilient_hashing = 5000\n", 11, 21, "`resilient_buckets` must be between 1 and 4096");
    // Two interconnects between the same sites both set max_paths; the second is wrong.
    let second = "max_paths = 2\n\n[[interconnect]]\nid = \"ash2\"\ntemplate = \"aws-gcp-managed\"\naws = \"us-east-1\"\ngcp = \"us-east4\"\nbandwidth = \"10Gbps\"\nmax_paths = 0\n";
    assert_at(second, 19, 13, "`max_paths` must be between 1 and 64");
}

#[test]
fn standalone_links_point_at_their_keys() {
    let vpn = "\n[[vpn]]\nid = \"v\"\na = \"aws:us-east-1\"\nb = \"gcp:us-east4\"\nbandwidth = \"0bps\"\n";
    assert_at(vpn, 16, 13, "link `v/tunnel1`: `bandwidth` must be positive");
    let same = "\n[[backbone]]\na = \"aws:us-east-1\"\nb = \"aws:us-east-1\"\nrtt = \"1ms\"\n";
    assert_at(same, 14, 5, "a link must join two different sites");
}
