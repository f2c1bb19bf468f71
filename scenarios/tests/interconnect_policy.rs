//! Each interconnect keeps its own routing policy, even when two join the same sites
//! (`../shared/cases/metrics/two-ic-policy.toml`): the compiled spec holds one policy per
//! interconnect, and `faultline show` prints each in its interconnect's section.

use sim_core::SimDuration;
use sim_core::spec::AdjacencySpec;

const TWO_IC_POLICY: &str = r#"[scenario]
name = "two-ic-policy"
duration = "60s"

[[interconnect]]
id = "ash"
template = "aws-gcp-managed"
aws = "us-east-1"
gcp = "us-east4"
bandwidth = "10Gbps"
convergence = "5s"
max_paths = 2

[[interconnect]]
id = "ash2"
template = "aws-gcp-managed"
aws = "us-east-1"
gcp = "us-east4"
bandwidth = "10Gbps"

[[traffic]]
id = "app"
from = "aws:us-east-1"
to = "gcp:us-east4"
flows = 64
rate = "6Gbps"

[expect]
min_throughput = "90%"
"#;

fn load() -> scenarios::Scenario {
    scenarios::load_str("two-ic-policy.toml", TWO_IC_POLICY).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn each_interconnect_compiles_to_its_own_policy() {
    let s = load();
    assert_eq!(s.spec.adjacencies.len(), 2, "{:?}", s.spec.adjacencies);
    let policy = |id: &str| -> &AdjacencySpec {
        s.spec.adjacencies.iter().find(|a| a.interconnect.as_deref() == Some(id)).unwrap_or_else(|| panic!("no policy for {id}"))
    };
    let ash = policy("ash");
    assert_eq!((ash.a_site.as_str(), ash.b_site.as_str()), ("aws:us-east-1", "gcp:us-east4"));
    assert_eq!(ash.max_paths, 2);
    assert_eq!(ash.convergence, [SimDuration::from_secs(5); 2]);
    // ash2 sets nothing: ECMP over its four channels, the default convergence.
    let ash2 = policy("ash2");
    assert_eq!((ash2.a_site.as_str(), ash2.b_site.as_str()), ("aws:us-east-1", "gcp:us-east4"));
    assert_eq!(ash2.max_paths, 4);
    assert_eq!(ash2.convergence, [AdjacencySpec::DEFAULT_CONVERGENCE; 2]);
    assert_eq!((ash.resilient_buckets, ash2.resilient_buckets), (None, None));
}

/// The lines of `faultline show`'s section for interconnect `id`.
fn section<'a>(shown: &'a str, id: &str) -> Vec<&'a str> {
    let header = format!("  interconnect {id}: ");
    let mut lines = shown.lines().skip_while(|l| !l.starts_with(&header));
    let first = lines.next().unwrap_or_else(|| panic!("no section for {id} in\n{shown}"));
    std::iter::once(first).chain(lines.take_while(|l| l.starts_with("    "))).collect()
}

#[test]
fn show_prints_each_interconnects_policy_in_its_section() {
    let shown = scenarios::describe(&load());
    let routing = |id: &str| -> String {
        let lines = section(&shown, id);
        let r: Vec<&str> = lines.iter().copied().filter(|l| l.trim_start().starts_with("routing:")).collect();
        assert_eq!(r.len(), 1, "one routing line for {id} in\n{shown}");
        r[0].to_string()
    };
    let ash = routing("ash");
    assert!(ash.contains("ECMP up to 2 (max_paths)") && ash.contains("convergence 5s / 5s"), "{ash}");
    assert!(ash.contains("hash modulo N"), "{ash}");
    let ash2 = routing("ash2");
    assert!(ash2.contains("ECMP up to 4 (max_paths)") && ash2.contains("convergence 1s / 1s"), "{ash2}");
    assert!(ash2.contains("hash modulo N"), "{ash2}");
}
