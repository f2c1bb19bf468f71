//! Test fixtures for the unit tests: a small scenario compiled by the `scenarios` crate.

use crate::Session;

/// A 60 s managed AWS-GCP quad plus a VPN backup, 6 Gbps over 64 flows; the file's seed is 1.
pub const SOURCE: &str = r#"[scenario]
name = "tui-fixture"
summary = "A quad interconnect to poke at."
duration = "60s"
seed = 1

[[interconnect]]
id = "ash"
template = "aws-gcp-managed"
aws = "us-east-1"
gcp = "us-east4"
bandwidth = "10Gbps"

[[vpn]]
id = "vpn"
a = "aws:us-east-1"
b = "gcp:us-east4"

[[traffic]]
id = "app-db"
from = "aws:us-east-1"
to = "gcp:us-east4"
flows = 64
rate = "6Gbps"
"#;

/// The fixture opened at seed 7, as `faultline tui fixture --seed 7` would.
pub fn session() -> Session {
    let s = scenarios::load_str("tui-fixture", SOURCE).expect("the fixture compiles");
    Session {
        name: s.name,
        origin: "tui-fixture".into(),
        source: SOURCE.into(),
        spec: s.spec,
        seed: 7,
        duration: s.duration,
        judge: None,
        compile: Some(compiler()),
        control: sim_core::ControlMode::default(),
    }
}

/// The compiler `faultline tui` passes: the scenarios crate's.
pub fn compiler() -> crate::Compiler {
    crate::Compiler::new(|text| {
        let s = scenarios::load_str("session", text).map_err(|e| e.to_string())?;
        Ok(crate::Compiled { ids: s.ids(), seed: s.seed, spec: s.spec })
    })
}
