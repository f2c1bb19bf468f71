//! `[sla]` and each interconnect's SLA terms: its template's, unless `[sla] terms` names
//! others. It reads the file and the spec and adds nothing to the spec (accounting is a
//! reading of the report, so it changes no fingerprint).

use std::collections::BTreeMap;

use sim_core::SimDuration;
use sim_core::spec::ModelSpec;

use super::R;
use super::context::{Ctx, Decorate, copies, subst};
use crate::error::did_you_mean;
use crate::format;
use crate::sla::{DEFAULT_MONTH, Plan, terms};

pub(super) fn plan(cx: &Ctx<'_>, spec: &ModelSpec, file: &format::File) -> R<Plan> {
    let table = file.sla.as_ref().map(|s| &s.value);
    let month = match table.and_then(|t| t.month.as_ref()) {
        None => DEFAULT_MONTH,
        Some(m) => {
            let d = cx.positive(m, "the SLA month")?;
            if d < SimDuration::from_secs(86_400) {
                return Err(cx.err(&m.span, format!("an SLA month of {d} is shorter than a day")).help("e.g. month = \"30d\" or \"31d\""));
            }
            d
        }
    };
    let empty = BTreeMap::new();
    let overrides = table.map_or(&empty, |t| &t.terms);
    // Each interconnect id (copies expanded) with its template, in file order.
    let mut ids: Vec<(String, &str)> = Vec::new();
    for ic in &file.interconnect {
        for copy in copies(cx, &ic.value.count)? {
            ids.push((subst(&ic.value.id.value, copy, true), ic.value.template.value.as_str()));
        }
    }
    for (id, list) in overrides {
        if !ids.iter().any(|(i, _)| i == id) {
            let mut d = cx.err(&list.span, format!("[sla] terms names `{id}`, which is not an interconnect"));
            if let Some(n) = did_you_mean(id, ids.iter().map(|(i, _)| i.as_str())) {
                d = d.label(format!("did you mean `{n}`?"));
            }
            return Err(d);
        }
        for n in &list.value {
            if terms::find(&n.value).is_none() {
                let mut d = cx.err(&n.span, format!("unknown SLA terms `{}`", n.value));
                if let Some(s) = did_you_mean(&n.value, terms::names()) {
                    d = d.label(format!("did you mean `{s}`?"));
                }
                return Err(d.help(format!("terms: {}", terms::names().collect::<Vec<_>>().join(", "))));
            }
        }
    }
    let mut rows = Vec::new();
    for (id, template) in ids {
        let names: Vec<&str> = match overrides.get(&id) {
            Some(list) => list.value.iter().map(|n| n.value.as_str()).collect(),
            None => terms::for_template(template).to_vec(),
        };
        for n in names {
            rows.push((id.clone(), terms::find(n).expect("checked above or a template's own")));
        }
    }
    debug_assert!(rows.iter().all(|(id, _)| spec.links.iter().any(|l| l.interconnect.as_deref() == Some(id))));
    Ok(Plan { month, rows })
}
