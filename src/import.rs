//! `faultline import terraform PLAN.json`: a commented scenario of the interconnects a
//! Terraform plan or state describes (`terraform show -json` output), with a default set of
//! faults worth rehearsing, so `faultline import terraform plan.json | faultline run -`
//! gives a first answer.
//!
//! `plan` reads the JSON; one reader per concept turns resources into tables (`managed`:
//! AWS Interconnect – multicloud; `dx`: Direct Connect; `gcp`: Cloud Interconnect; `azure`:
//! ExpressRoute; `vpn`: Site-to-Site VPN); `emit` writes the TOML. The result is compiled
//! before it is returned, so what it prints always loads.

mod azure;
mod dx;
mod emit;
mod gcp;
mod managed;
mod model;
mod plan;
mod vpn;

use std::fmt;
use std::path::PathBuf;

use plan::{Attrs, Input, Plan};

/// The scenario text and the resources it does not model.
#[derive(Clone, Debug)]
pub(crate) struct Imported {
    pub toml: String,
    /// Addresses of the managed resources the scenario does not model.
    pub unmodelled: Vec<String>,
}

/// Bad input: `SOURCE:LINE:COL: message` when the place is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ImportError {
    pub source: String,
    pub at: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.source, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for ImportError {}

/// Every resource type the importer reads, and what it becomes.
pub(crate) const MODELLED: &[(&str, &str)] = &[
    (
        "aws_interconnect_connection",
        "an aws-gcp-managed interconnect, or aws-azure-managed when its environment names Azure (AWS side: region, bandwidth)",
    ),
    ("aws_interconnect_connection_proposal_acceptor", "the same, for a partner-initiated connection"),
    ("google_network_connectivity_transport", "its Google side (region, bandwidth, mtu_limit)"),
    ("aws_dx_connection", "a channel of an aws-dx-max-resiliency interconnect (bandwidth, location = facility, MACsec)"),
    ("aws_dx_lag", "one channel of its member connections' total bandwidth"),
    ("aws_dx_connection_association", "a connection counted into its LAG"),
    ("aws_dx_private_virtual_interface", "the interconnect's MTU"),
    ("aws_dx_transit_virtual_interface", "the interconnect's MTU"),
    ("aws_dx_bgp_peer", "a BGP session; AWS runs BFD 300 ms x 3 on it"),
    ("google_compute_interconnect", "facilities (its location) and MACsec of a gcp-interconnect-9999 interconnect"),
    ("google_compute_interconnect_attachment", "a channel (bandwidth, mtu) of a gcp-interconnect-9999 interconnect"),
    ("google_compute_router", "Cloud Router's BGP keepalive (hold = 3 x keepalive)"),
    ("google_compute_router_peer", "BFD interval and multiplier (its bfd block)"),
    (
        "azurerm_express_route_circuit",
        "an azure-expressroute interconnect: 2 links per circuit (bandwidth, peering location); of tier MultiCloud, the Azure side of an aws-azure-managed one",
    ),
    ("aws_vpn_connection", "a vpn-backup VPN (tunnel bandwidth)"),
];

/// Reads `terraform show -json` text; `source` names it in errors (a path or `<stdin>`).
pub(crate) fn terraform_to_scenario(plan_json: &str, source: &str) -> Result<Imported, ImportError> {
    let input = Input { text: plan_json, source, unknown_read: Default::default() };
    let plan = plan::read(&input)?;
    let mut found = model::Found::default();
    managed::read(&input, &plan, &mut found)?;
    dx::read(&input, &plan, &mut found)?;
    gcp::read(&input, &plan, &mut found)?;
    azure::read(&input, &plan, &mut found)?;
    vpn::read(&input, &plan, &mut found)?;
    let mut unmodelled: Vec<(String, String)> = found.skipped.clone();
    for r in &plan.resources {
        if !found.used.contains(&r.address) && !unmodelled.iter().any(|(a, _)| a == &r.address) {
            let why = if MODELLED.iter().any(|(k, _)| *k == r.kind) {
                "read, but nothing in the topology uses it".to_string()
            } else {
                format!("faultline has no model for `{}`", r.kind)
            };
            unmodelled.push((r.address.clone(), why));
        }
    }
    plan_notes(&plan, &input, &mut found);
    if found.interconnects.is_empty() {
        let kinds: Vec<&str> = MODELLED.iter().map(|(k, _)| *k).filter(|k| !k.starts_with("aws_vpn")).collect();
        let seen = if plan.resources.is_empty() {
            "it has no managed resources".to_string()
        } else {
            format!("it has {} managed resources, none an interconnect", plan.resources.len())
        };
        let vpn = if found.vpns.is_empty() { "" } else { " (a VPN alone is a backup with nothing to back up)" };
        // Resources of a modelled kind that were read and set aside (a DX connection no
        // virtual interface names): "none an interconnect" alone would hide why.
        let set_aside = if found.skipped.is_empty() {
            String::new()
        } else {
            let shown: Vec<String> = found.skipped.iter().take(5).map(|(a, why)| format!("{a}: {why}")).collect();
            let more = found.skipped.len().saturating_sub(shown.len());
            let more = if more > 0 { format!("; and {more} more") } else { String::new() };
            format!(" ({} set aside: {}{more})", found.skipped.len(), shown.join("; "))
        };
        return Err(input.error(format!("nothing to model: {seen}{vpn}{set_aside}; the importer reads {}", kinds.join(", "))));
    }
    let header = emit::Header {
        source,
        is_plan: plan.is_plan,
        unmodelled: &unmodelled,
        destroyed: &plan.destroyed,
        data_sources: plan.data_sources,
    };
    let toml = emit::scenario(&found, &header);
    // What the importer writes must load; if it does not, that is the importer's bug, shown
    // with the generated text's own location.
    if let Err(e) = scenarios::load_str("<imported>", &toml) {
        return Err(input.error(format!("the generated scenario does not load (an importer bug; please report it):\n{e}")));
    }
    Ok(Imported { toml, unmodelled: unmodelled.into_iter().map(|(a, _)| a).collect() })
}

/// What the plan says about the resources folded into each interconnect that the scenario
/// cannot show as a value: a replacement, a connection that is down, an attribute known
/// only after apply. Each becomes a labelled `[ASSUMPTION: …]` note above its table.
fn plan_notes(plan: &Plan, input: &Input<'_>, found: &mut model::Found) {
    let unknown = input.unknown_read.borrow();
    for ic in &mut found.interconnects {
        for address in &ic.addresses {
            let Some(r) = plan.resources.iter().find(|r| &r.address == address) else { continue };
            if let plan::Action::Replace { create_first } = r.action {
                let order = if create_first {
                    "[\"create\", \"delete\"]: the new one is created before the old one goes (create_before_destroy), but its traffic still moves over"
                } else {
                    "[\"delete\", \"create\"]: the old one is deleted before the new one exists"
                };
                ic.notes.push(format!(
                    "[ASSUMPTION: modelled as it is after apply] {address} is replaced by this plan ({order}). In reality a replacement is an outage window of what it carries, from the delete until the new one is provisioned and its BGP is up; this scenario starts after it and does not rehearse it (add a `cut` of its channel for that window)"
                ));
            }
            if let Some(state) = r.values.get("state").and_then(serde_json::Value::as_str)
                && matches!(state.to_ascii_lowercase().as_str(), "down" | "failed" | "deleting" | "deleted" | "rejected")
            {
                ic.notes.push(format!(
                    "[ASSUMPTION: starts healthy] {address} is in state `{state}` in the file: the scenario starts it up, so the faults below are rehearsed from a healthy interconnect; in reality it carries nothing until it is `available` again"
                ));
            }
            let keys: Vec<&str> = unknown.iter().filter(|(a, _)| a == address).map(|(_, k)| k.as_str()).collect();
            if !keys.is_empty() {
                ic.notes.push(format!(
                    "[ASSUMPTION: known only after apply] {address}: `{}` unknown in the plan (after_unknown); the documented default noted at each key below stands in",
                    keys.join("`, `")
                ));
            }
        }
    }
    // A replaced or down resource the scenario does not model is in the header's list.
    for r in &plan.resources {
        if matches!(r.action, plan::Action::Replace { .. }) && !found.interconnects.iter().any(|ic| ic.addresses.contains(&r.address)) {
            found.remarks.push(format!(
                "[ASSUMPTION: not modelled] {} is replaced by this plan (an outage window of what it carries, in reality)",
                r.address
            ));
        }
    }
}

/// The region of an AWS resource: its own `region` (provider 6.x), else the AWS provider's
/// constant `region`, else an assumption. Returns the region and the note beside it.
fn aws_region(a: &Attrs<'_>, plan: &Plan) -> Result<(String, Option<String>), ImportError> {
    if let Some(r) = a.str("region")? {
        return Ok((r.to_string(), Some(format!("region of {}", a.address))));
    }
    if let Some(r) = &plan.aws_region {
        return Ok((r.clone(), Some("the AWS provider's region (configuration.provider_config)".into())));
    }
    Ok((
        "us-east-1".into(),
        Some("[ASSUMPTION] us-east-1: the plan names no AWS region (no `region` attribute, no constant provider region); edit this".into()),
    ))
}

/// [ASSUMPTION] The most one channel can carry: 1.6 Tbps, four 400G ports in one LAG. The
/// spec's channel is a LAG of identical 100G or 400G ports and a Direct Connect LAG has at
/// most 2 members at 100G/400G (interconnect-facts §1, §2.3); no provider sells more per
/// channel, so a larger figure is a typo (`16000Gbps`) or a unit mistake, refused rather
/// than rehearsed.
pub(crate) const MAX_CHANNEL_BPS: u64 = 1_600_000_000_000;

/// A bandwidth as the providers write it: `10Gbps`, `500Mbps` (AWS), `BPS_10G`, `BPS_500M`
/// (Google), in bits per second, at most [`MAX_CHANNEL_BPS`].
fn parse_bandwidth(a: &Attrs<'_>, key: &str, text: &str) -> Result<u64, ImportError> {
    let t = text.trim();
    let normal = match t.strip_prefix("BPS_") {
        Some(rest) => format!("{}bps", rest),
        None => t.to_string(),
    };
    let bps = match scenarios::units::parse_bandwidth(&normal) {
        Ok(b) if b > 0 => b,
        Ok(_) => return Err(a.input.error_at(a.address, key, format!("{}: `{key}` = {text:?} is zero", a.address))),
        // More than 2^64 bits per second: far above the channel limit, said as an overflow.
        Err(e) if e.ends_with("is too large") || e.ends_with("has too many digits") => {
            return Err(a.input.error_at(
                a.address,
                key,
                format!(
                    "{}: `{key}` = {text:?} overflows (more than 2^64 bits per second); one interconnect channel is at most 1.6 Tbps [ASSUMPTION]",
                    a.address
                ),
            ));
        }
        Err(e) => {
            return Err(a.input.error_at(
                a.address,
                key,
                format!("{}: `{key}` = {text:?} is not a bandwidth (e.g. \"10Gbps\" or \"BPS_10G\"): {e}", a.address),
            ));
        }
    };
    channel_bps(a, key, bps, &format!("`{key}` = {text:?}"))
}

/// `bps`, when one channel can carry it (at most [`MAX_CHANNEL_BPS`]); else an error at
/// `key` that says what `what` (the key and its value, or a product of them) came to.
fn channel_bps(a: &Attrs<'_>, key: &str, bps: u64, what: &str) -> Result<u64, ImportError> {
    if bps > MAX_CHANNEL_BPS {
        return Err(a.input.error_at(
            a.address,
            key,
            format!(
                "{}: {what} is {}, more than one interconnect channel can be (at most 1.6 Tbps, four 400G ports in a LAG [ASSUMPTION]): is the unit right?",
                a.address,
                model::bandwidth_text(bps),
            ),
        ));
    }
    Ok(bps)
}

/// `count` × `unit` bits per second for `key`, refused at the key when it overflows or is
/// more than one channel can carry (a LAG's members, an Azure circuit's Mbps).
fn channel_product(a: &Attrs<'_>, key: &str, count: u64, unit: u64, what: &str) -> Result<u64, ImportError> {
    match count.checked_mul(unit) {
        Some(bps) => channel_bps(a, key, bps, what),
        None => Err(a.input.error_at(
            a.address,
            key,
            format!(
                "{}: {what} overflows (more than 2^64 bits per second); one interconnect channel is at most 1.6 Tbps [ASSUMPTION]",
                a.address
            ),
        )),
    }
}

/// `faultline import terraform FILE [-o OUT]`.
pub(crate) fn cmd_terraform(file: &str, output: Option<&std::path::Path>) -> anyhow::Result<u8> {
    let (text, source) = if file == scenarios::STDIN_ARG {
        match scenarios::read_stdin() {
            Ok(t) => (t, scenarios::STDIN_NAME.to_string()),
            Err(e) => {
                crate::output::err(&e.to_string());
                return Ok(crate::EXIT_INVALID);
            }
        }
    } else {
        match scenarios::read_file(&PathBuf::from(file)) {
            Ok(t) => (t, file.to_string()),
            Err(e) => {
                crate::output::err(&e.to_string());
                return Ok(crate::EXIT_INVALID);
            }
        }
    };
    let imported = match terraform_to_scenario(&text, &source) {
        Ok(i) => i,
        Err(e) => {
            crate::output::err(&format!("error: {e}"));
            return Ok(crate::EXIT_INVALID);
        }
    };
    if !imported.unmodelled.is_empty() {
        crate::output::err(&format!(
            "note: {} resource(s) not modelled (listed at the top of the scenario): {}",
            imported.unmodelled.len(),
            imported.unmodelled.join(", ")
        ));
    }
    match output {
        Some(path) => crate::output::write_atomic(path, imported.toml.as_bytes())?,
        None => {
            crate::output::out(&imported.toml);
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODULES: &str = include_str!("../tests/fixtures/terraform/modules.plan.json");

    #[test]
    fn the_function_other_callers_use_returns_the_toml_and_the_unmodelled_addresses() {
        let i = terraform_to_scenario(MODULES, "m.json").expect("imports");
        assert_eq!(i.unmodelled, vec!["aws_vpc.main".to_string()]);
        assert!(scenarios::load_str("m", &i.toml).is_ok());
    }

    #[test]
    fn errors_name_the_source_and_the_place() {
        let e = terraform_to_scenario("{\n  \"format_version\": 1,\n}", "<stdin>").expect_err("bad");
        assert_eq!(e.to_string(), "<stdin>:3:1: not valid JSON: trailing comma");
        let e = terraform_to_scenario("[]", "p.json").expect_err("not an object");
        assert!(e.to_string().starts_with("p.json: not `terraform show -json` output"), "{e}");
    }
}
