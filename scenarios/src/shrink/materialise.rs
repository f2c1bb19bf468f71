//! Random faults written down: each fault a `[[random_faults]]` process started in the
//! original run becomes a scripted `[[fault]]` at its exact start (nanoseconds) with its
//! exact repair, so delta debugging can remove faults one by one.
//!
//! The run's `fault_list` gives each realised fault's start and end as `SimTime`s (the
//! report's seconds are rounded). A process draws from streams of its own (derived from the
//! seed, its id and the element), so its faults, once scripted, should fail the same way;
//! the shrinker checks that they do before relying on it.

use std::collections::{BTreeMap, BTreeSet};

use sim_core::spec::{ElementClass, FaultAction};
use sim_core::{FaultView, SimDuration, SimTime};
use toml_edit::{Table, value};

use super::edit::{Doc, Kind, Unit, exact};
use crate::Scenario;

/// The document with its random processes replaced by their faults, and the new id of each
/// realised fault (`r1#3` → `r1-3`).
pub(crate) struct Materialised {
    pub doc: Doc,
    pub renamed: BTreeMap<String, String>,
}

/// `None` when the scenario has no random process.
pub(crate) fn materialise(doc: &Doc, s: &Scenario, seed: u64, faults: &[FaultView]) -> Option<Materialised> {
    if s.spec.random_faults.is_empty() {
        return None;
    }
    let position = doc.position(Kind::RandomFaults);
    let mut out = doc.without(&doc.units(Kind::RandomFaults).into_iter().collect::<BTreeSet<Unit>>())?;
    let mut taken = doc.all_ids();
    let mut renamed = BTreeMap::new();
    for f in faults {
        let Some((process, n)) = f.id.split_once('#') else { continue };
        let Some(spec) = s.spec.random_faults.iter().find(|r| r.id == process) else { continue };
        let Some(start) = f.start else { continue };
        let Some(key) = action_key(spec.class, spec.action) else { continue };
        let id = fresh(&format!("{process}-{n}"), &taken);
        taken.insert(id.clone());
        let mut t = Table::new();
        t.insert("id", value(id.as_str()));
        t.insert("at", value(exact(SimDuration(start.as_nanos()))));
        t.insert(key, value(f.target.as_str()));
        // A reset is over at the instant it starts; a fault still in force at the end of
        // the run lasts to the end, which is what a table without `for` does.
        let end = f.end.filter(|_| !matches!(spec.action, FaultAction::BgpReset));
        if let Some(end) = end {
            t.insert("for", value(exact(end.saturating_since(start))));
        }
        let until = f.end.map_or_else(|| "the end of the run".to_string(), |e: SimTime| format!("{e}"));
        t.decor_mut()
            .set_prefix(format!("\n# `{}`: a fault of [[random_faults]] `{process}` at seed {seed}, from {start} to {until}.\n", f.id));
        t.set_position(position);
        out.push(Kind::Fault, t);
        renamed.insert(f.id.clone(), id);
    }
    Some(Materialised { doc: out, renamed })
}

/// The `[[fault]]` action key a process's faults are written with.
fn action_key(class: ElementClass, action: FaultAction) -> Option<&'static str> {
    Some(match (class, action) {
        (ElementClass::Channel, FaultAction::Down) => "cut",
        (ElementClass::Channel, FaultAction::Blackhole) => "blackhole",
        (ElementClass::Channel, FaultAction::BgpReset) => "bgp_reset",
        (ElementClass::Channel, FaultAction::BfdDisable) => "bfd_disable",
        (ElementClass::Router, FaultAction::Down) => "router_down",
        (ElementClass::Facility, FaultAction::Down) => "facility_down",
        _ => return None,
    })
}

/// `want`, or `want-2`, `want-3`… if the file already uses it.
fn fresh(want: &str, taken: &BTreeSet<String>) -> String {
    if !taken.contains(want) {
        return want.to_string();
    }
    (2u32..).map(|k| format!("{want}-{k}")).find(|c| !taken.contains(c)).unwrap_or_else(|| want.to_string())
}
