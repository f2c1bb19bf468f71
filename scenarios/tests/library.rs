//! Every library scenario validates, runs, and meets the verdict its header documents; and
//! their fingerprints are those `sim_core::MODEL_VERSION` promises.

use sim_core::SimOptions;

/// Scenarios too large to run in a debug-build test; they are still validated.
const VALIDATE_ONLY: &[&str] = &["bench-scale"];

/// The digest of the library's fingerprints (in library order, validate-only scenarios
/// left out) under each model version. A change that moves any fingerprint must bump
/// `sim_core::MODEL_VERSION` and add its digest here: outputs name the model version, and
/// `faultline diff` relies on equal versions meaning equal models.
const MODEL_DIGESTS: &[(u32, &str)] = &[(1, "50d2183f6d37fc6a")];

#[test]
fn every_library_scenario_meets_its_documented_verdict() {
    let mut failures = Vec::new();
    let mut fingerprints = String::new();
    for entry in scenarios::library() {
        let s = match scenarios::load_library(entry.name) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{}: does not load:\n{e}", entry.name));
                continue;
            }
        };
        if s.name != entry.name {
            failures.push(format!("{}: name key is `{}`, not the file stem", entry.name, s.name));
        }
        let Some(want) = entry.documented_verdict() else {
            failures.push(format!("{}: header has no `# expect:` line", entry.name));
            continue;
        };
        if VALIDATE_ONLY.contains(&entry.name) {
            continue;
        }
        let out = scenarios::run(&s, s.seed, SimOptions::default()).expect("validated scenario builds");
        fingerprints.push_str(&format!("{} {}\n", entry.name, out.report.fingerprint));
        let faults: Vec<String> = out
            .report
            .faults
            .iter()
            .take(3)
            .map(|f| {
                format!("{} {} det={:?} conv={:?} rec={:?} lost={}", f.id, f.kind, f.detect_s, f.converge_s, f.recover_s, f.lost_bytes)
            })
            .collect();
        let checks: Vec<String> = out.checks.iter().map(|c| format!("{}={} ({})", c.name, c.status.name(), c.detail)).collect();
        println!(
            "{}: {} (want {})\n  faults: {}\n  checks: {}",
            entry.name,
            out.verdict.name(),
            want.name(),
            faults.join("; "),
            checks.join("; ")
        );
        if out.verdict != want {
            failures.push(format!(
                "{}: verdict {} but the header says {}: {}",
                entry.name,
                out.verdict.name(),
                want.name(),
                checks.join("; ")
            ));
        }
    }
    let digest = format!("{:016x}", sim_core::rng::fnv1a(fingerprints.as_bytes()));
    match MODEL_DIGESTS.iter().find(|(v, _)| *v == sim_core::MODEL_VERSION) {
        Some((_, d)) if *d == digest => {}
        Some((v, d)) => failures.push(format!(
            "the library's fingerprints moved (digest {digest}, model version {v} promises {d}): bump sim_core::MODEL_VERSION and add ({}, \"{digest}\") to MODEL_DIGESTS\n{fingerprints}",
            v + 1
        )),
        None => failures.push(format!("no digest recorded for model version {}: add it to MODEL_DIGESTS (this run: {digest})", sim_core::MODEL_VERSION)),
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn library_is_complete() {
    assert!(scenarios::library().len() >= 21, "only {} scenarios", scenarios::library().len());
    assert!(scenarios::library().iter().any(|e| e.name == scenarios::FLAGSHIP));
}
