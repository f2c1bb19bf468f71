//! `faultline import terraform` on the real binary, against plan and state fixtures written
//! from the providers' documented schemas (`tests/fixtures/terraform/`): each imports, the
//! output loads and validates against the committed JSON Schema (the real
//! `check-jsonschema`), its topology has the numbers the fixture gives (read here from the
//! fixture's JSON, not from the importer), `import … | run -` works through a shell pipe,
//! unmodelled resources are listed and broken inputs exit 3 at FILE:LINE:COL. Also `-` as
//! standard input for `run`, `check` and `validate`.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const DIR: &str = "tests/fixtures/terraform";
const GOOD: [&str; 9] = [
    "aws-gcp-multicloud.plan.json",
    "aws-azure-multicloud.plan.json",
    "changes.plan.json",
    "dx-lag-vpn.plan.json",
    "azure-expressroute.plan.json",
    "gcp-dedicated.state.json",
    "modules.plan.json",
    "module-for-each.plan.json",
    "unmodelled.plan.json",
];

fn fixture(name: &str) -> String {
    format!("{DIR}/{name}")
}

fn json(name: &str) -> Value {
    let text = std::fs::read_to_string(common::root().join(fixture(name))).expect("fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// `faultline ARGS` with `stdin` piped in.
fn with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(common::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // The binary may stop reading early (a cap); a closed pipe is not this test's failure.
    let _ = child.stdin.take().expect("stdin").write_all(stdin);
    child.wait_with_output().expect("it ends")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The scenario the importer writes for a fixture (exit 0 asserted).
fn import(name: &str) -> String {
    let o = common::faultline(&["import", "terraform", &fixture(name)]);
    assert_eq!(o.status.code(), Some(0), "import {name}: {}", text(&o.stderr));
    text(&o.stdout)
}

fn scratch(name: &str) -> PathBuf {
    let d = common::root().join("target/test-scratch/import_terraform");
    std::fs::create_dir_all(&d).expect("scratch dir");
    d.join(name)
}

/// The imported scenario written to a scratch file, and `faultline show` of it.
fn imported(name: &str) -> (toml::Table, String) {
    let toml_text = import(name);
    let path = scratch(&format!("{name}.toml"));
    std::fs::write(&path, &toml_text).expect("write");
    let o = common::faultline(&["show", path.to_str().expect("utf-8 path")]);
    assert_eq!(o.status.code(), Some(0), "show {name}: {}", text(&o.stderr));
    (toml_text.parse().expect("the output is TOML"), text(&o.stdout))
}

fn resources(v: &Value) -> Vec<Value> {
    fn walk(m: &Value, out: &mut Vec<Value>) {
        out.extend(m["resources"].as_array().into_iter().flatten().cloned());
        for c in m["child_modules"].as_array().into_iter().flatten() {
            walk(c, out);
        }
    }
    let mut out = vec![];
    let root = if v["planned_values"].is_object() { &v["planned_values"]["root_module"] } else { &v["values"]["root_module"] };
    walk(root, &mut out);
    out
}

fn of_type(v: &Value, t: &str) -> Vec<Value> {
    resources(v).into_iter().filter(|r| r["type"] == t).collect()
}

fn first_interconnect(t: &toml::Table) -> &toml::Table {
    t["interconnect"].as_array().and_then(|a| a.first()).and_then(|i| i.as_table()).expect("an [[interconnect]]")
}

/// Bits per second of `"10Gbps"`, `"BPS_10G"`, `"500Mbps"`: the fixtures' own spellings.
fn bps(s: &str) -> u64 {
    let s = s.trim_start_matches("BPS_").trim_end_matches("bps");
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n.parse().expect("a number");
    n * match unit {
        "G" => 1_000_000_000,
        "M" => 1_000_000,
        _ => 1,
    }
}

#[test]
fn every_fixture_imports_and_the_output_validates_and_runs_to_a_verdict() {
    for name in GOOD {
        let path = scratch(&format!("{name}.toml"));
        let o = common::faultline(&["import", "terraform", &fixture(name), "-o", path.to_str().expect("utf-8")]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", text(&o.stderr));
        assert!(o.stdout.is_empty(), "-o writes the file, not stdout");
        let v = common::faultline(&["validate", path.to_str().expect("utf-8")]);
        assert_eq!(v.status.code(), Some(0), "{name} does not validate: {}", text(&v.stderr));
        let r = common::faultline(&["run", path.to_str().expect("utf-8"), "-q"]);
        // A judged answer: pass or fail, never "inconclusive" (the faults leave evidence and
        // [expect] has checks).
        assert!(matches!(r.status.code(), Some(0 | 1)), "{name}: exit {:?}: {}{}", r.status.code(), text(&r.stdout), text(&r.stderr));
    }
}

#[test]
fn the_multicloud_plan_pairs_both_ends_with_the_fixtures_regions_and_bandwidth() {
    let v = json("aws-gcp-multicloud.plan.json");
    let aws = &of_type(&v, "aws_interconnect_connection")[0]["values"];
    let gcp = &of_type(&v, "google_network_connectivity_transport")[0]["values"];
    let (t, show) = imported("aws-gcp-multicloud.plan.json");
    let ic = first_interconnect(&t);
    assert_eq!(ic["template"].as_str(), Some("aws-gcp-managed"));
    assert_eq!(ic["aws"].as_str(), aws["region"].as_str());
    assert_eq!(ic["gcp"].as_str(), gcp["region"].as_str());
    assert_eq!(ic["id"].as_str(), Some("to-gcp"), "the id comes from the address aws_interconnect_connection.to_gcp");
    let sold = bps(aws["bandwidth"].as_str().expect("bandwidth"));
    // The product's four channels each carry half the sold bandwidth (README, template table).
    assert!(show.contains("4 channels in 2 facilities"), "{show}");
    assert!(show.contains(&format!("to-gcp/ch1: {}Gbps line", sold / 2 / 1_000_000_000)), "{show}");
}

#[test]
fn the_dx_plan_gives_channels_bandwidth_mtu_and_bfd_from_its_resources() {
    let v = json("dx-lag-vpn.plan.json");
    let conns = of_type(&v, "aws_dx_connection");
    let lags = of_type(&v, "aws_dx_lag");
    let assocs = of_type(&v, "aws_dx_connection_association");
    // Each association folds one connection into the LAG; the LAG is one channel. On Direct
    // Connect BGP runs per virtual interface, so a channel is a connection or LAG one names.
    let channels = conns.len() - assocs.len() + lags.len();
    let mut named: Vec<&str> = v["configuration"]["root_module"]["resources"]
        .as_array()
        .expect("configuration")
        .iter()
        .filter(|r| r["type"] == "aws_dx_private_virtual_interface")
        .filter_map(|r| r["expressions"]["connection_id"]["references"][1].as_str())
        .collect();
    named.sort_unstable();
    named.dedup();
    assert_eq!(named.len(), channels, "the fixture puts a virtual interface on every channel");
    let lag_bps = bps(lags[0]["values"]["connections_bandwidth"].as_str().expect("bw")) * assocs.len() as u64;
    let mut locations: Vec<&str> = conns.iter().chain(&lags).filter_map(|r| r["values"]["location"].as_str()).collect();
    locations.sort_unstable();
    locations.dedup();
    let mtu = of_type(&v, "aws_dx_private_virtual_interface").iter().filter_map(|r| r["values"]["mtu"].as_u64()).min().expect("mtu");
    let (t, show) = imported("dx-lag-vpn.plan.json");
    let ic = first_interconnect(&t);
    assert_eq!(ic["template"].as_str(), Some("aws-dx-max-resiliency"));
    assert_eq!(ic["channels"].as_integer(), Some(channels as i64));
    assert_eq!(ic["facilities"].as_integer(), Some(locations.len() as i64));
    assert_eq!(ic["mtu"].as_integer(), Some(mtu as i64));
    assert!(show.contains(&format!("{channels} channels in {} facilities", locations.len())), "{show}");
    assert!(show.contains(&format!("{}Gbps line", lag_bps / 1_000_000_000)), "the LAG's channel: {show}");
    assert!(show.contains(&format!("MTU {mtu}")), "{show}");
    // AWS's published DX BFD, 300 ms x 3 (interconnect-facts §7.4, [dx-bgp]): Terraform has no
    // attribute for it, so it is the documented number, on both sides.
    let bfd = ic["bfd"].as_table().expect("bfd table");
    assert_eq!((bfd["interval"].as_str(), bfd["multiplier"].as_integer()), (Some("300ms"), Some(3)));
    assert!(show.contains("BFD A 300ms x 3, B 300ms x 3"), "{show}");
    assert_eq!(ic["macsec"].as_bool(), Some(false), "no connection requests MACsec");
    // The VPN backs the DX up: `tunnel_bandwidth = "large"` is 5 Gbps per tunnel.
    let vpn = t["vpn"].as_array().and_then(|a| a.first()).and_then(|v| v.as_table()).expect("[[vpn]]");
    assert_eq!(vpn["bandwidth"].as_str(), Some("5Gbps"));
    assert_eq!(vpn["b"].as_str(), Some(format!("onprem:{}", ic["onprem"].as_str().expect("onprem")).as_str()));
}

#[test]
fn the_gcp_state_takes_bfd_and_bgp_timers_from_cloud_router() {
    let v = json("gcp-dedicated.state.json");
    assert!(v.get("planned_values").is_none(), "the fixture is a state, not a plan");
    let atts = of_type(&v, "google_compute_interconnect_attachment");
    let peer = &of_type(&v, "google_compute_router_peer")[0]["values"]["bfd"][0];
    let keepalive = of_type(&v, "google_compute_router")[0]["values"]["bgp"][0]["keepalive_interval"].as_u64().expect("keepalive");
    let interval = peer["min_transmit_interval"].as_u64().max(peer["min_receive_interval"].as_u64()).expect("intervals");
    let mult = peer["multiplier"].as_u64().expect("multiplier");
    let (t, show) = imported("gcp-dedicated.state.json");
    let ic = first_interconnect(&t);
    assert_eq!(ic["template"].as_str(), Some("gcp-interconnect-9999"));
    assert_eq!(ic["channels"].as_integer(), Some(atts.len() as i64));
    let bfd = ic["bfd"].as_table().expect("bfd");
    assert_eq!(bfd["interval"].as_str(), Some(format!("{interval}ms").as_str()));
    assert_eq!(bfd["multiplier"].as_integer(), Some(mult as i64));
    // Cloud Router's hold time is three times its keepalive ([cr-timers]).
    let bgp = ic["bgp"].as_table().expect("bgp");
    assert_eq!(
        (bgp["keepalive"].as_str(), bgp["hold"].as_str()),
        (Some(format!("{keepalive}s").as_str()), Some(format!("{}s", 3 * keepalive).as_str()))
    );
    assert!(show.contains(&format!("detection A {}s", interval * mult / 1000)), "{show}");
    let mtu: i64 = atts[0]["values"]["mtu"].as_str().expect("Google writes mtu as a string").parse().expect("number");
    assert_eq!(ic["mtu"].as_integer(), Some(mtu));
}

#[test]
fn azure_circuits_are_two_links_each_in_their_peering_locations() {
    let v = json("azure-expressroute.plan.json");
    let circuits = of_type(&v, "azurerm_express_route_circuit");
    let mbps = circuits[0]["values"]["bandwidth_in_mbps"].as_u64().expect("mbps");
    let (t, show) = imported("azure-expressroute.plan.json");
    let ic = first_interconnect(&t);
    assert_eq!(ic["template"].as_str(), Some("azure-expressroute"));
    assert_eq!(ic["azure"].as_str(), Some("eastus"), "\"East US\" as ARM names it");
    assert_eq!(ic["channels"].as_integer(), Some(2 * circuits.len() as i64));
    assert!(show.contains(&format!("{} channels in {} facilities", 2 * circuits.len(), circuits.len())), "{show}");
    assert!(show.contains(&format!("{}Gbps line", mbps / 1000)), "{show}");
}

#[test]
fn resources_in_nested_modules_are_found() {
    let (t, _) = imported("modules.plan.json");
    let out = import("modules.plan.json");
    assert!(out.contains("module.interconnect.aws_interconnect_connection.this"), "{out}");
    assert!(out.contains("module.interconnect.module.google.google_network_connectivity_transport.this"), "{out}");
    let ic = first_interconnect(&t);
    assert_eq!((ic["aws"].as_str(), ic["gcp"].as_str(), ic["bandwidth"].as_str()), (Some("us-west-2"), Some("us-west1"), Some("1Gbps")));
    assert_eq!(ic["id"].as_str(), Some("interconnect-this"));
}

#[test]
fn unmodelled_resources_are_listed_not_dropped() {
    let o = common::faultline(&["import", "terraform", &fixture("unmodelled.plan.json")]);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    let err = text(&o.stderr);
    let header: String = out.lines().take_while(|l| l.starts_with('#')).collect::<Vec<_>>().join("\n");
    for a in ["aws_dx_gateway.main", "aws_ec2_transit_gateway.hub"] {
        assert!(header.contains(a), "{a} missing from the header:\n{header}");
        assert!(err.contains(a), "{a} missing from the note on stderr: {err}");
    }
    assert!(header.contains("aws_dx_connection.old: destroyed by this plan"), "{header}");
    assert!(header.contains("1 data sources"), "{header}");
    // Only the DX connection is a table.
    assert_eq!(out.matches("[[interconnect]]").count(), 1);
}

#[test]
fn broken_inputs_exit_3_at_file_line_and_column() {
    let cases = [
        ("bad-json.json", "not valid JSON"),
        ("wrong-type.plan.json", "`bandwidth` should be a string, not 10"),
        ("nothing-modelled.plan.json", "nothing to model"),
        ("not-terraform.json", "no `format_version`"),
    ];
    for (name, why) in cases {
        let o = common::faultline(&["import", "terraform", &fixture(name)]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{name}: {err}");
        assert!(err.contains(why), "{name}: {err}");
        assert!(o.stdout.is_empty(), "{name}: nothing on stdout");
    }
    // The positions, found here in the fixtures' text: serde's for the syntax error (the
    // second comma), and the value of the wrong type's key.
    let at = |name: &str, needle: &str, offset: usize| {
        let t = std::fs::read_to_string(common::root().join(fixture(name))).expect("fixture");
        let i = t.find(needle).expect("needle") + offset;
        let line = t[..i].matches('\n').count() + 1;
        let col = i - t[..i].rfind('\n').map_or(0, |n| n + 1) + 1;
        format!("{}:{line}:{col}: ", fixture(name))
    };
    let o = common::faultline(&["import", "terraform", &fixture("bad-json.json")]);
    assert!(text(&o.stderr).contains(&at("bad-json.json", ",,", 1)), "{}", text(&o.stderr));
    let o = common::faultline(&["import", "terraform", &fixture("wrong-type.plan.json")]);
    assert!(text(&o.stderr).contains(&at("wrong-type.plan.json", "\"bandwidth\": 10", 0)), "{}", text(&o.stderr));
    // From standard input the place is `<stdin>:LINE:COL`.
    let bad = std::fs::read(common::root().join(fixture("bad-json.json"))).expect("fixture");
    let o = with_stdin(&["import", "terraform", "-"], &bad);
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o.stderr).contains("<stdin>:6:"), "{}", text(&o.stderr));
    let o = common::faultline(&["import", "terraform", "tests/fixtures/terraform/no-such.json"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
}

/// Text from a plan never becomes TOML: a location that tries to close the string and add a
/// fault, and an address with a newline, stay a value and a comment.
#[test]
fn hostile_strings_in_a_plan_stay_inside_their_values_and_comments() {
    let mut v = json("azure-expressroute.plan.json");
    let evil = "X\"\n[[fault]]\nat = \"1s\"\ncut = \"wdc\"\n#";
    v["planned_values"]["root_module"]["resources"][0]["values"]["peering_location"] = Value::from(evil);
    v["planned_values"]["root_module"]["resources"][1]["address"] = Value::from("azurerm_express_route_circuit.nyc\n[[fault]]");
    let o = with_stdin(&["import", "terraform", "-"], v.to_string().as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let t: toml::Table = out.parse().expect("TOML");
    assert_eq!(t["fault"].as_array().map(Vec::len), Some(3), "only the three default faults:\n{out}");
    let v = with_stdin(&["validate", "-"], out.as_bytes());
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
}

#[test]
fn import_piped_into_run_gives_a_first_answer_in_one_line() {
    if !common::have("import_piped_into_run_gives_a_first_answer_in_one_line", &["sh"]) {
        return;
    }
    let bin = env!("CARGO_BIN_EXE_faultline");
    let line = format!("'{bin}' import terraform {} | '{bin}' run - -q", fixture("aws-gcp-multicloud.plan.json"));
    let o = Command::new("sh").args(["-c", &line]).current_dir(common::root()).output().expect("sh runs");
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("imported-to-gcp: pass (seed 1, fingerprint "), "{out}");
    // And from standard input to standard input: terraform show -json | import - | run -.
    let line = format!("cat {} | '{bin}' import terraform - | '{bin}' run - -q", fixture("dx-lag-vpn.plan.json"));
    let o = Command::new("sh").args(["-c", &line]).current_dir(common::root()).output().expect("sh runs");
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}{}", text(&o.stdout), text(&o.stderr));
    assert_eq!(text(&o.stdout).lines().count(), 1);
}

#[test]
fn the_imported_scenarios_validate_against_the_committed_json_schema() {
    if !common::have("the_imported_scenarios_validate_against_the_committed_json_schema", &["check-jsonschema"]) {
        return;
    }
    let files: Vec<PathBuf> = GOOD
        .iter()
        .map(|name| {
            let p = scratch(&format!("schema-{name}.toml"));
            std::fs::write(&p, import(name)).expect("write");
            p
        })
        .collect();
    let o = Command::new("check-jsonschema")
        .args(["-o", "json", "--schemafile", "scenarios-data/scenario.schema.json"])
        .args(&files)
        .current_dir(common::root())
        .output()
        .expect("check-jsonschema runs");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {}", text(&o.stderr)));
    assert_eq!(v["status"], "ok", "{v:#}");
}

#[test]
fn dash_reads_a_library_file_for_run_check_and_validate() {
    let path = Path::new("scenarios-data/channel-cut.toml");
    let bytes = std::fs::read(common::root().join(path)).expect("library file");
    let (_, from_file) = common::run_json(path.to_str().expect("utf-8"), &[]);
    let o = with_stdin(&["run", "-", "--json"], &bytes);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    // Same model, same fingerprint, whatever the text came through.
    assert_eq!(v["fingerprint"], from_file["fingerprint"]);
    let reproduce = v["reproduce"].as_str().expect("reproduce");
    assert!(reproduce.starts_with("faultline run - --seed 1  # the scenario was read from standard input"), "{reproduce}");
    assert!(reproduce.contains("scenario digest "), "{reproduce}");
    let o = with_stdin(&["check", "-", "-q"], &bytes);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("1 scenario: 1 passed"), "{}", text(&o.stdout));
    // Standard input holds one scenario: a second `-` is refused (exit 3), not run twice
    // from the text read once nor from an exhausted stream; the first still runs.
    for cmd in ["validate", "check"] {
        let o = with_stdin(&[cmd, "-", "-"], &bytes);
        assert_eq!(o.status.code(), Some(3), "{cmd}: {}{}", text(&o.stdout), text(&o.stderr));
        assert!(text(&o.stderr).contains("error: `-` (standard input) is named more than once"), "{cmd}: {}", text(&o.stderr));
        let counted = if cmd == "check" { "1 passed" } else { "1 valid" };
        assert!(text(&o.stdout).contains(counted) && text(&o.stdout).contains("1 invalid"), "{cmd}: {}", text(&o.stdout));
    }
    let o = with_stdin(&["validate", "-"], b"[scenario]\nname = \"x\"\nduration = 5\n");
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o.stderr).contains("--> <stdin>:3:12"), "{}", text(&o.stderr));
}

#[test]
fn the_reproduce_line_of_a_run_from_stdin_replays_with_the_same_text_piped_in() {
    if !common::have("the_reproduce_line_of_a_run_from_stdin_replays_with_the_same_text_piped_in", &["sh"]) {
        return;
    }
    let bytes = std::fs::read(common::root().join("scenarios-data/channel-cut.toml")).expect("library file");
    let o = with_stdin(&["run", "-", "--json", "--seed", "7"], &bytes);
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let line = v["reproduce"].as_str().expect("reproduce").replacen("faultline", env!("CARGO_BIN_EXE_faultline"), 1);
    let o = Command::new("sh")
        .args(["-c", &format!("< scenarios-data/channel-cut.toml {line}")])
        .current_dir(common::root())
        .output()
        .expect("sh runs");
    assert!(text(&o.stdout).contains(&format!("fingerprint  {}", v["fingerprint"].as_str().expect("fp"))), "{}", text(&o.stdout));
}

#[test]
fn standard_input_is_held_to_the_same_byte_cap_as_a_file() {
    // 1 MB of memory parses at most 1 MB / 8 of text; 300 kB of comment is over it.
    let big = vec![b'#'; 300_000];
    let o = with_stdin(&["--max-memory", "1MB", "validate", "-"], &big);
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o.stderr).contains("cannot read `<stdin>`: the input is larger than"), "{}", text(&o.stderr));
    let o = with_stdin(&["--max-memory", "1MB", "import", "terraform", "-"], &big);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
}

/// A comment's text with its wrapping undone (`emit::comment` wraps at about 100 columns).
fn unwrapped(out: &str) -> String {
    out.replace("\n# ", " ")
}

#[test]
fn unequal_channels_size_the_traffic_against_what_survives_the_largest_loss() {
    // The DX fixture: a LAG of 2 x 10 Gbps beside three 10 Gbps connections.
    let v = json("dx-lag-vpn.plan.json");
    let assocs = of_type(&v, "aws_dx_connection_association").len() as u64;
    let lag = bps(of_type(&v, "aws_dx_lag")[0]["values"]["connections_bandwidth"].as_str().expect("bw")) * assocs;
    let conns: Vec<u64> = of_type(&v, "aws_dx_connection").iter().map(|c| bps(c["values"]["bandwidth"].as_str().expect("bw"))).collect();
    assert!(conns.windows(2).all(|w| w[0] == w[1]), "the fixture's connections are alike");
    // Each association folds one connection into the LAG; the others are channels alone.
    let mut chans = vec![conns[0]; conns.len() - assocs as usize];
    chans.push(lag);
    chans.sort_unstable();
    let largest = chans.pop().expect("channels");
    // ECMP splits flows evenly: what is left carries its count times its smallest channel.
    let surviving = chans[0] * chans.len() as u64;
    let (t, _) = imported("dx-lag-vpn.plan.json");
    let out = unwrapped(&import("dx-lag-vpn.plan.json"));
    let rate = t["traffic"].as_array().and_then(|a| a.first()).and_then(|g| g["rate"].as_str()).expect("traffic rate");
    assert_eq!(bps(rate), surviving / 100 * 40, "40 % of {surviving} b/s, not of the {} b/s total", surviving + largest + chans[0]);
    assert!(
        out.contains(&format!("what survives the loss of its largest channel ({}Gbps of", largest / 1_000_000_000)),
        "the comment says what the traffic is sized against: {out}"
    );
    // The default cut takes the largest channel, the one-channel loss that matters.
    let ic = first_interconnect(&t);
    let faults = t["fault"].as_array().expect("faults");
    let cut = faults.iter().find_map(|f| f["cut"].as_str()).expect("a cut");
    let n: usize = cut.rsplit_once("/ch").and_then(|(_, n)| n.parse().ok()).expect("chN");
    let overrides = ic.get("channel").and_then(|c| c.as_table());
    let bw_of =
        |k: usize| overrides.and_then(|o| o.get(&format!("ch{k}"))).and_then(|c| c["bandwidth"].as_str()).map(bps).unwrap_or(chans[0]);
    assert_eq!(bw_of(n), largest, "the cut takes ch{n}: {out}");
    // End to end: the largest channel's loss still fits, so the run passes its RTO gate.
    let path = scratch("dx-lag-vpn.sized.toml");
    std::fs::write(&path, import("dx-lag-vpn.plan.json")).expect("write");
    let (_, run) = common::run_json(path.to_str().expect("utf-8"), &[]);
    let failed: Vec<&Value> = run["checks"].as_array().into_iter().flatten().filter(|c| c["status"] == "fail").collect();
    assert!(failed.is_empty(), "{failed:?}");
}

#[test]
fn what_the_plan_does_to_each_resource_is_a_labelled_assumption() {
    let out = import("changes.plan.json");
    let flat = unwrapped(&out);
    for want in [
        "[ASSUMPTION: modelled as it is after apply] aws_interconnect_connection.to_gcp is replaced by this plan ([\"create\", \"delete\"]",
        "[ASSUMPTION: modelled as it is after apply] google_network_connectivity_transport.to_aws is replaced by this plan ([\"delete\", \"create\"]",
        "In reality a replacement is an outage window",
        "[ASSUMPTION: starts healthy] aws_interconnect_connection.to_gcp_west is in state `down`",
        "[ASSUMPTION: known only after apply] google_network_connectivity_transport.to_aws: `bandwidth`, `mtu_limit` unknown",
        "aws_dx_connection.old: destroyed by this plan [ASSUMPTION: not imported",
    ] {
        assert!(flat.contains(want), "missing {want:?} in:\n{out}");
    }
    let t: toml::Table = out.parse().expect("TOML");
    let ics = t["interconnect"].as_array().expect("interconnects");
    // The replaced and the down connection are imported; the deleted one is not.
    assert_eq!(ics.len(), 2, "{out}");
    assert!(!out.contains("aws_dx_connection.old") || !ics.iter().any(|i| i["template"].as_str() == Some("aws-dx-max-resiliency")));
    // The unknown bandwidth took the AWS side's; the unknown MTU the template's, each said.
    assert!(flat.contains("MTU: the template's 1460"), "{out}");
    let o = with_stdin(&["run", "-", "-q"], out.as_bytes());
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}{}", text(&o.stdout), text(&o.stderr));
}

#[test]
fn azure_multicloud_maps_to_the_aws_azure_managed_template() {
    let v = json("aws-azure-multicloud.plan.json");
    let aws = &of_type(&v, "aws_interconnect_connection")[0]["values"];
    let circuit = &of_type(&v, "azapi_resource")[0]["values"];
    assert_eq!(circuit["body"]["sku"]["tier"], "MultiCloud", "the fixture's Azure side is a MultiCloud circuit");
    let (t, show) = imported("aws-azure-multicloud.plan.json");
    let ic = first_interconnect(&t);
    assert_eq!(ic["template"].as_str(), Some("aws-azure-managed"));
    assert_eq!(ic["aws"].as_str(), aws["region"].as_str());
    assert_eq!(ic["azure"].as_str(), circuit["location"].as_str());
    assert_eq!(ic["bandwidth"].as_str(), aws["bandwidth"].as_str());
    assert_eq!(t["interconnect"].as_array().map(Vec::len), Some(1), "both ends are one interconnect");
    assert!(show.contains("4 channels in 2 facilities"), "{show}");
    let out = import("aws-azure-multicloud.plan.json");
    let header: String = out.lines().take_while(|l| l.starts_with('#')).collect::<Vec<_>>().join("\n");
    for a in ["azurerm_virtual_network_gateway.er", "azurerm_virtual_network_gateway_connection.mci"] {
        assert!(header.contains(a), "{a} is listed as not modelled:\n{header}");
    }
    assert!(!header.contains("azapi_resource.multicloud_circuit"), "the circuit is modelled:\n{header}");
    // A documented pair: no RTT warning; and the scenario runs to a verdict.
    let path = scratch("aws-azure-multicloud.checked.toml");
    std::fs::write(&path, &out).expect("write");
    let o = common::faultline(&["validate", path.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("warning:"), "{}", text(&o.stderr));
    let o = common::faultline(&["run", path.to_str().expect("utf-8"), "-q"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}{}", text(&o.stdout), text(&o.stderr));
}

/// A plan of `resources` (each `(address, type, values)`), pretty-printed as Terraform
/// writes it, in a scratch file; returns the path and the text.
fn plan_file(name: &str, resources: &[(&str, &str, Value)]) -> (String, String) {
    let rs: Vec<Value> = resources
        .iter()
        .map(|(address, kind, values)| {
            let local = address.rsplit_once('.').map_or(*address, |(_, n)| n);
            serde_json::json!({"address": address, "mode": "managed", "type": kind,
                "name": local.split('[').next().unwrap_or(local), "values": values})
        })
        .collect();
    let v = serde_json::json!({"format_version": "1.2", "planned_values": {"root_module": {"resources": rs}}});
    let text = serde_json::to_string_pretty(&v).expect("JSON");
    let path = scratch(name);
    std::fs::write(&path, &text).expect("write");
    (path.to_str().expect("utf-8").to_string(), text)
}

/// `FILE:LINE:COL: ` of the first `"key":` after the resource `address` in `text`, found
/// here by reading the text, 1-based.
fn key_place(file: &str, text: &str, address: &str, key: &str) -> String {
    let start = text.find(&format!("\"address\": {}", serde_json::to_string(address).expect("str"))).expect("address in the text");
    let i = start + text[start..].find(&format!("\"{key}\":")).expect("key after the address");
    let line = text[..i].matches('\n').count() + 1;
    let col = text[text[..i].rfind('\n').map_or(0, |n| n + 1)..i].chars().count() + 1;
    format!("{file}:{line}:{col}: ")
}

/// `faultline import terraform FILE`: exit 3, nothing on stdout, and stderr (returned).
fn refused_import(file: &str) -> String {
    let o = common::faultline(&["import", "terraform", file]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{file}: {err}");
    assert!(o.stdout.is_empty(), "{file}: printed {}", text(&o.stdout));
    err
}

fn dx(bandwidth: &str) -> Value {
    serde_json::json!({"bandwidth": bandwidth, "location": "EqDC2", "region": "us-east-1"})
}

/// 1.6 Tbps per channel is the most an interconnect can be [ASSUMPTION: four 400G ports in a
/// LAG]; above it, and figures that overflow 64 bits, are refused at their key.
#[test]
fn bandwidths_beyond_a_channel_or_that_overflow_are_refused_at_their_key() {
    let mut c = common::Checks::new("bandwidths_beyond_a_channel_or_that_overflow_are_refused_at_their_key");
    let lag = |n: u64, per: &str| serde_json::json!({"connections_bandwidth": per, "number_of_connections": n, "location": "EqDC2", "region": "us-east-1"});
    let er = |key: &str, n: u64| {
        let mut v = serde_json::json!({"location": "East US", "peering_location": "Washington DC",
            "sku": [{"tier": "Standard", "family": "MeteredData"}]});
        v[key] = n.into();
        v
    };
    let cases: Vec<(&str, &str, &str, Value, &str, &str)> = vec![
        (
            "dx-2t",
            "aws_dx_connection.big",
            "aws_dx_connection",
            dx("2Tbps"),
            "bandwidth",
            "is 2000Gbps, more than one interconnect channel can be (at most 1.6 Tbps",
        ),
        ("dx-1601g", "aws_dx_connection.big", "aws_dx_connection", dx("1601Gbps"), "bandwidth", "is 1601Gbps, more than"),
        (
            "dx-overflow",
            "aws_dx_connection.big",
            "aws_dx_connection",
            dx("99999999999Gbps"),
            "bandwidth",
            "overflows (more than 2^64 bits per second)",
        ),
        ("dx-digits", "aws_dx_connection.big", "aws_dx_connection", dx("999999999999999999999999Gbps"), "bandwidth", "overflows"),
        (
            "gcp-bps",
            "google_compute_interconnect_attachment.v",
            "google_compute_interconnect_attachment",
            serde_json::json!({"region": "us-east4", "bandwidth": "BPS_2T"}),
            "bandwidth",
            "more than one interconnect channel",
        ),
        (
            "lag-5x400",
            "aws_dx_lag.bundle",
            "aws_dx_lag",
            lag(5, "400Gbps"),
            "number_of_connections",
            "5 x connections_bandwidth 400Gbps is 2000Gbps",
        ),
        ("lag-overflow", "aws_dx_lag.bundle", "aws_dx_lag", lag(1 << 62, "100Gbps"), "number_of_connections", "overflows"),
        (
            "er-mbps",
            "azurerm_express_route_circuit.c",
            "azurerm_express_route_circuit",
            er("bandwidth_in_mbps", 20_000_000_000_000),
            "bandwidth_in_mbps",
            "overflows",
        ),
        (
            "er-gbps",
            "azurerm_express_route_circuit.c",
            "azurerm_express_route_circuit",
            er("bandwidth_in_gbps", 2000),
            "bandwidth_in_gbps",
            "is 2000Gbps, more than",
        ),
    ];
    for (name, address, kind, values, key, why) in cases {
        let (file, body) = plan_file(&format!("{name}.plan.json"), &[(address, kind, values)]);
        let err = refused_import(&file);
        let at = key_place(&file, &body, address, key);
        c.that(err.contains(&format!("{at}{address}: ")), format!("{name}: not at {at}: {err}"));
        c.that(err.contains(why), format!("{name}: lacks `{why}`: {err}"));
        c.that(!err.contains("  "), format!("{name}: a double space: {err}"));
    }
    // 1.6 Tbps itself is a channel (a LAG of four 400G ports): imported, and it compiles.
    let (file, _) = plan_file("lag-4x400.plan.json", &[("aws_dx_lag.bundle", "aws_dx_lag", lag(4, "400Gbps"))]);
    let o = common::faultline(&["import", "terraform", &file]);
    c.that(o.status.code() == Some(0), format!("4 x 400Gbps: {}", text(&o.stderr)));
    c.that(text(&o.stdout).contains("bandwidth = \"1600Gbps\""), format!("4 x 400Gbps: {}", text(&o.stdout)));
    c.finish();
}

/// Cloud Router's timers outside the ranges Google documents (keepalive 20 to 60 s; BFD
/// intervals 1000 to 30000 ms; multiplier 5 to 16; interconnect-facts §3.1 [cr-timers],
/// [cr-bfd-api]) are refused at their key; the ends of each range are accepted.
#[test]
fn cloud_router_timers_outside_googles_ranges_are_refused_at_their_key() {
    let mut c = common::Checks::new("cloud_router_timers_outside_googles_ranges_are_refused_at_their_key");
    let base = json("gcp-dedicated.state.json");
    let edit = |address: &str, block: &str, key: &str, n: u64| {
        let mut v = base.clone();
        for r in v["values"]["root_module"]["resources"].as_array_mut().expect("resources") {
            if r["address"] == address {
                r["values"][block][0][key] = n.into();
            }
        }
        serde_json::to_string_pretty(&v).expect("JSON")
    };
    let router = "google_compute_router.cr";
    let peer = "google_compute_router_peer.peer[0]";
    let cases = [
        (router, "bgp", "keepalive_interval", 19, "20 to 60 s", true),
        (router, "bgp", "keepalive_interval", 61, "20 to 60 s", true),
        (router, "bgp", "keepalive_interval", 20, "", false),
        (router, "bgp", "keepalive_interval", 60, "", false),
        (peer, "bfd", "min_transmit_interval", 999, "1000 to 30000 ms", true),
        (peer, "bfd", "min_transmit_interval", 30001, "1000 to 30000 ms", true),
        (peer, "bfd", "min_receive_interval", 100, "1000 to 30000 ms", true),
        (peer, "bfd", "min_receive_interval", 30000, "", false),
        (peer, "bfd", "multiplier", 4, "5 to 16 (", true),
        (peer, "bfd", "multiplier", 17, "5 to 16 (", true),
        (peer, "bfd", "multiplier", 16, "", false),
        (peer, "bfd", "multiplier", 5, "", false),
    ];
    for (i, (address, block, key, n, range, bad)) in cases.into_iter().enumerate() {
        let body = edit(address, block, key, n);
        let path = scratch(&format!("cr-timer-{i}.state.json"));
        std::fs::write(&path, &body).expect("write");
        let file = path.to_str().expect("utf-8");
        let o = common::faultline(&["import", "terraform", file]);
        let err = text(&o.stderr);
        if !bad {
            c.that(o.status.code() == Some(0), format!("{key} = {n} is in range: {err}"));
            continue;
        }
        c.that(o.status.code() == Some(3) && o.stdout.is_empty(), format!("{key} = {n}: exit {:?}: {err}", o.status.code()));
        let at = key_place(file, &body, address, key);
        let want = format!("{at}{address}: `{key}` = {n} is outside the range Cloud Router accepts, {range}");
        c.that(err.contains(&want), format!("{key} = {n}: lacks `{want}`: {err}"));
        c.that(!err.contains("  "), format!("{key} = {n}: a double space: {err}"));
    }
    c.finish();
}

/// `for_each` keys with dots keep a readable id, and two instances that come to the same id
/// get distinct ones, the same on every import.
#[test]
fn for_each_keys_with_dots_keep_readable_distinct_ids() {
    let conn = |region: &str, location: &str| serde_json::json!({"bandwidth": "10Gbps", "location": location, "region": region});
    let (file, _) = plan_file(
        "for-each.plan.json",
        &[
            ("aws_dx_connection.this[\"eqdc2.b\"]", "aws_dx_connection", conn("us-east-1", "EqDC2")),
            ("aws_dx_connection.this[\"sv5.a\"]", "aws_dx_connection", conn("us-west-2", "EqSV5")),
            ("aws_dx_connection.this[\"lon-1\"]", "aws_dx_connection", conn("eu-west-1", "EqLD5")),
            ("aws_dx_connection.this[\"lon.1\"]", "aws_dx_connection", conn("eu-west-2", "TCSH")),
            ("module.edge[\"a.b\"].aws_dx_connection.x", "aws_dx_connection", conn("eu-central-1", "EqFA5")),
        ],
    );
    let o = common::faultline(&["import", "terraform", &file]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let t: toml::Table = text(&o.stdout).parse().expect("TOML");
    let ids: Vec<&str> = t["interconnect"].as_array().expect("interconnects").iter().filter_map(|i| i["id"].as_str()).collect();
    // One interconnect per region, in region order (eu-central-1, eu-west-1, eu-west-2, …).
    assert_eq!(ids, ["edge-a-b-x", "this-lon-1", "this-lon-1-2", "this-eqdc2-b", "this-sv5-a"], "{}", text(&o.stdout));
    let again = common::faultline(&["import", "terraform", &file]);
    assert_eq!(again.stdout, o.stdout, "the same plan, the same ids");
}

/// A JSON error at the end of the file has a 1-based column; a child module that is not an
/// object is an error, not a module without resources.
#[test]
fn json_errors_at_the_end_and_modules_that_are_not_objects_are_clear() {
    let mut c = common::Checks::new("json_errors_at_the_end_and_modules_that_are_not_objects_are_clear");
    for (name, body, place) in [
        ("eof-newline.json", "{\n  \"format_version\": \"1.2\",\n", ":3:1: "),
        ("eof.json", "{\n  \"format_version\": \"1.2\"", ":2:26: "),
        ("eof-wide.json", "{\n  \"format_version\": \"é\"", ":2:24: "),
    ] {
        let path = scratch(name);
        std::fs::write(&path, body).expect("write");
        let file = path.to_str().expect("utf-8");
        let err = refused_import(file);
        c.that(err.contains(&format!("{file}{place}not valid JSON: EOF")), format!("{name}: not at {place}: {err}"));
        c.that(!err.contains(":0: "), format!("{name}: column 0: {err}"));
    }
    let bad = |child: Value| {
        serde_json::json!({"format_version": "1.2", "planned_values": {"root_module": {
            "resources": [{"address": "aws_dx_connection.a", "mode": "managed", "type": "aws_dx_connection", "name": "a", "values": dx("10Gbps")}],
            "child_modules": [{"address": "module.ok", "resources": []}, child]}}})
    };
    for (name, child, what) in
        [("module-string", Value::from("module.net"), "a string"), ("module-array", serde_json::json!([]), "an array")]
    {
        let path = scratch(&format!("{name}.plan.json"));
        std::fs::write(&path, bad(child).to_string()).expect("write");
        let err = refused_import(path.to_str().expect("utf-8"));
        let want = format!("`planned_values.root_module.child_modules[1]` is {what}, not a module");
        c.that(err.contains(&want), format!("{name}: lacks `{want}`: {err}"));
    }
    c.finish();
}

/// A module instanced by `for_each` (one per DX location, the usual layout): the
/// configuration names its resources once, without the instance key, so the references
/// (virtual interface -> LAG, association -> LAG and connection) must be matched with the
/// keys dropped, and only within one instance: each LAG gets its own two members (2 x 10
/// Gbps), not the four of both instances.
#[test]
fn references_inside_a_for_each_module_link_each_instances_own_resources() {
    let (t, shown) = imported("module-for-each.plan.json");
    let ic = first_interconnect(&t);
    assert_eq!(ic["channels"].as_integer(), Some(2), "one channel per LAG: {shown}");
    assert_eq!(ic["facilities"].as_integer(), Some(2));
    assert_eq!(ic["bandwidth"].as_str(), Some("20Gbps"), "2 associated members x 10Gbps each");
    assert_eq!(ic["mtu"].as_integer(), Some(1500));
    assert!(t.get("interconnect").and_then(|i| i.as_array()).is_some_and(|a| a.len() == 1));
    assert!(!shown.contains("40Gbps"), "a LAG took the other instance's members: {shown}");
    let v = json("module-for-each.plan.json");
    assert_eq!(of_type(&v, "aws_dx_lag").len(), 2);
}

/// Every DX connection set aside (the only virtual interface names a connection outside the
/// plan) leaves nothing to model: the error says which were set aside and why, instead of
/// "none an interconnect" beside a plan full of `aws_dx_connection`s.
#[test]
fn nothing_to_model_names_the_resources_set_aside_and_why() {
    let o = common::faultline(&["import", "terraform", &fixture("vif-elsewhere.plan.json")]);
    assert_eq!(o.status.code(), Some(3));
    let e = text(&o.stderr);
    assert!(e.contains("nothing to model"), "{e}");
    assert!(e.contains("2 set aside: aws_dx_connection.primary: no virtual interface on it"), "{e}");
    assert!(e.contains("aws_dx_connection.secondary: no virtual interface"), "{e}");
}

/// `faultline import terraform bad.json | faultline run -`: the importer fails and pipes in
/// nothing; `run -` says its input is empty (exit 3) instead of "missing key `scenario`" at
/// <stdin>:1:1, which would blame the scenario rather than the command before the `|`.
#[test]
fn run_dash_on_an_empty_pipe_says_nothing_was_piped_in() {
    for stdin in [&b""[..], b"\n  \n"] {
        for cmd in [&["run", "-"][..], &["validate", "-"], &["show", "-"]] {
            let o = with_stdin(cmd, stdin);
            assert_eq!(o.status.code(), Some(3), "{cmd:?}");
            let e = text(&o.stderr);
            assert!(e.contains("standard input is empty: no scenario was piped in"), "{cmd:?}: {e}");
            assert!(!e.contains("missing key"), "{cmd:?}: {e}");
        }
    }
}

/// A virtual interface's `mtu` no interconnect carries (0, or above 9216) is refused at its
/// key, exit 3, rather than replaced by the template's 1500 under a note that says no
/// virtual interface sets one.
#[test]
fn a_virtual_interface_mtu_out_of_range_is_refused_at_its_key() {
    let plan = |mtu: u64| {
        serde_json::json!({"format_version": "1.2", "planned_values": {"root_module": {"resources": [
            {"address": "aws_dx_connection.a", "mode": "managed", "type": "aws_dx_connection", "name": "a",
             "values": {"id": "dxcon-a", "bandwidth": "10Gbps", "location": "EqDC2", "region": "us-east-1"}},
            {"address": "aws_dx_private_virtual_interface.v", "mode": "managed", "type": "aws_dx_private_virtual_interface", "name": "v",
             "values": {"connection_id": "dxcon-a", "mtu": mtu, "region": "us-east-1"}}]}}})
        .to_string()
    };
    for bad in [0, 575, 9217, 100_000] {
        let o = with_stdin(&["import", "terraform", "-"], plan(bad).as_bytes());
        assert_eq!(o.status.code(), Some(3), "mtu {bad}");
        let e = text(&o.stderr);
        assert!(e.contains(&format!("aws_dx_private_virtual_interface.v: `mtu` = {bad} is outside")), "{e}");
        assert!(e.starts_with("error: <stdin>:1:"), "placed at the key: {e}");
    }
    for good in [576, 1500, 9001, 9216] {
        let o = with_stdin(&["import", "terraform", "-"], plan(good).as_bytes());
        assert_eq!(o.status.code(), Some(0), "mtu {good}: {}", text(&o.stderr));
        assert!(text(&o.stdout).contains(&format!("\nmtu = {good}\n")), "mtu {good}");
    }
}

/// A VLAN attachment's `mtu` outside what an interconnect carries is refused at its key, as a
/// Direct Connect virtual interface's is (it used to be dropped without a word for the
/// template's 1440); Google's own values are kept.
#[test]
fn a_vlan_attachment_mtu_out_of_range_is_refused_at_its_key() {
    let base = json("gcp-dedicated.state.json");
    let with_mtu = |mtu: u64| {
        let mut v = base.clone();
        for r in v["values"]["root_module"]["resources"].as_array_mut().expect("resources") {
            if r["type"] == "google_compute_interconnect_attachment" {
                r["values"]["mtu"] = mtu.into();
            }
        }
        serde_json::to_string_pretty(&v).expect("JSON")
    };
    for bad in [0, 575, 9217, 100_000] {
        let o = with_stdin(&["import", "terraform", "-"], with_mtu(bad).as_bytes());
        assert_eq!(o.status.code(), Some(3), "mtu {bad}");
        let e = text(&o.stderr);
        assert!(e.contains(&format!("`mtu` = {bad} is outside what an interconnect carries (576 to 9216")), "{e}");
        assert!(e.starts_with("error: <stdin>:"), "placed at the key: {e}");
    }
    for good in [1440, 1500, 8896] {
        let o = with_stdin(&["import", "terraform", "-"], with_mtu(good).as_bytes());
        assert_eq!(o.status.code(), Some(0), "mtu {good}: {}", text(&o.stderr));
        assert!(text(&o.stdout).contains(&format!("\nmtu = {good}\n")), "mtu {good}: {}", text(&o.stdout));
    }
}
