//! Every library scenario validates, runs, and meets the verdict its header documents; and
//! their fingerprints are those `sim_core::MODEL_VERSION` promises.

use sim_core::SimOptions;

/// Scenarios too large to run in a debug-build test; they are still validated.
const VALIDATE_ONLY: &[&str] = &["bench-scale"];

/// The digest of the library's fingerprints (in library order, validate-only scenarios
/// left out) under each model version. A change that moves any fingerprint must bump
/// `sim_core::MODEL_VERSION` and add its digest here: outputs name the model version, and
/// `faultline diff` relies on equal versions meaning equal models.
/// Version 1's digest was "50d2183f6d37fc6a" over the first 27 files (26 run); issue 14 added
/// nine files without moving any of those fingerprints (`FINGERPRINTS`), so the digest over
/// the library as it now is replaces it under the same version.
/// Version 2 (issue 13's review): a packet-fidelity application paced at its rate gives up
/// what its socket cannot take (it used to keep a backlog and burst it out after a stall),
/// a capacity degrade keeps the wire's queue, a lost SYN disrupts its group: the two
/// rate-limited packet scenarios moved (packet-channel-cut, packet-silent-blackhole-bfd).
const MODEL_DIGESTS: &[(u32, &str)] = &[(1, "8d499752e409082a"), (2, "67131fb2a779aeb7")];

/// Each run scenario's fingerprint under `sim_core::MODEL_VERSION` 2 at its seed (version 1
/// had packet-channel-cut 0a59e3790f44973b and packet-silent-blackhole-bfd df02301cb9610d9e), so a moved
/// one is named (the digest only says that one moved). Issue 14's files are the
/// `aws-azure-*`, `azure-eastus-*` and `spec-*` rows.
const FINGERPRINTS: &[(&str, &str)] = &[
    ("ashburn-facility-power-2018", "728259200292adaa"),
    ("aws-azure-channel-cut", "bdd7debfe5cdba77"),
    ("azure-eastus-fiber-cut-2025-03", "49cf7bce3f791069"),
    ("azure-expressroute-circuit-loss", "9ba5ac6832a74bf8"),
    ("baseline-ap-southeast-1--asia-southeast1", "61c03be110892742"),
    ("baseline-eu-central-1--europe-west3", "9831184676fbcd2a"),
    ("baseline-eu-west-2--europe-west2", "3542b32fa49e3765"),
    ("baseline-us-east-1--us-east4", "0f7b904a60a36a0a"),
    ("baseline-us-west-1--us-west2", "ab6dd48d0dcf79b4"),
    ("baseline-us-west-2--us-west1", "8ddc3cc0f16a3960"),
    ("bench-day", "012dc465f4524715"),
    ("channel-cut", "ff1a0c295b188c6c"),
    ("cross-region-connectivity", "3b960857fa82c414"),
    ("database-endpoint-failover", "7d803145bd6b7a7c"),
    ("dx-tokyo-2021-packet-loss", "1645099deba9cd2f"),
    ("facility-power-loss", "81ebf2c2c82bdf6a"),
    ("flapping-channel", "f2931c54f62d7f97"),
    ("gray-loss-2pct", "3b7e7244d2b8e2d7"),
    ("interconnect-loss-vpn-fallback", "f9af8216c0765b0c"),
    ("packet-channel-cut", "1c4b2eb678dfb2f2"),
    ("packet-clean-path", "579a339a516f8a92"),
    ("packet-silent-blackhole-bfd", "d1a7827b4c2afca4"),
    ("random-chaos", "67d8a2556aa80565"),
    ("region-outage-dr", "92869fed8e40634c"),
    ("router-maintenance-drain", "79e0fe0736109959"),
    ("silent-blackhole-bfd", "f5861c4d370d3931"),
    ("silent-blackhole-no-bfd", "61053d9a28e12af4"),
    ("spec-emergency-maintenance-overlap", "cb55ddc59d4b4c14"),
    ("spec-macsec-rotation-fail-closed", "313d833574c3869d"),
    ("spec-maintenance-one-channel", "c89128da08226c24"),
    ("spec-migration-drain-skipped", "fc4b16c62bd2b070"),
    ("spec-migration-make-before-break", "8a58638482aa3bbb"),
    ("spec-provisioned-3-of-4", "1c0872185bd3f901"),
    ("us-east-1-oct-2025", "b443c858c67e5ead"),
];

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
        match FINGERPRINTS.iter().find(|(n, _)| *n == entry.name) {
            Some((_, f)) if sim_core::MODEL_VERSION != 2 || *f == out.report.fingerprint => {}
            Some((_, f)) => failures.push(format!("{}: fingerprint {} but model version 2 has {f}", entry.name, out.report.fingerprint)),
            None => failures.push(format!("{}: not in FINGERPRINTS (its fingerprint is {})", entry.name, out.report.fingerprint)),
        }
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
