//! From text to a validated `sim_core::ModelSpec`: parse the TOML, apply templates and
//! overrides, expand `count` replication, check every reference and value, and point each
//! problem at its line.
//!
//! Checks happen here, with spans, wherever the file's structure is known (ids, targets,
//! triggers, units, zero values). The limits of the values sim-core simulates (link and
//! session timers, MTU, loss, ECMP width, hashing buckets) are checked only by sim-core's
//! `Model::build`; its errors name the element and field, and are mapped back to the key
//! that set the value, or else to the span of the id they mention. This module does not
//! run simulations or judge results (see `expect`).
//!
//! This file runs the stages in order; each table kind has a module of its own:
//! `interconnect` (with `session` for its timers), `standalone` (VPN and backbone links),
//! `sites` (site syntax, endpoints, routes), `traffic`, `faults`, `runbook` (alarms and
//! steps), `expectations`, `sweep` (gates over seeds) and `proxy` (`faultline live`'s listeners). `context` is what they share, `syntax` turns parser errors into
//! diagnostics and `model_errors` maps sim-core's errors back to the file.

mod budget;
mod connection;
mod context;
mod expectations;
mod faults;
mod interconnect;
mod model_errors;
mod proxy;
mod runbook;
mod session;
mod sites;
mod sla;
mod standalone;
mod sweep;
mod syntax;
mod traffic;

use std::collections::BTreeMap;

use sim_core::SimDuration;
use sim_core::model::Model;
use sim_core::spec::ModelSpec;

use crate::error::Diagnostic;
use crate::expect::Expectations;
use crate::format;

use context::{Ctx, Decorate, FieldSpans};

// The closed sets and bounds the JSON Schema (`crate::schema`) lists, from where compile
// checks them.
pub(crate) use faults::{DIRECTIONS, MAX_FLAP_COUNT, RANDOM_ACTIONS, RANDOM_CLASSES};
pub(crate) use traffic::{CONGESTION_CONTROLS, FIDELITIES, MAX_FLOWS_PER_GROUP};

type R<T> = Result<T, Box<Diagnostic>>;

/// Parses and compiles a scenario's text with the command line's overrides; its display name
/// names it in messages.
pub(crate) fn compile(source: &crate::Source, overrides: &crate::Overrides) -> R<crate::Scenario> {
    let origin = &source.display_name();
    let file: format::File = toml::from_str(&source.text).map_err(|e| Box::new(syntax::toml_error(origin, &source.text, &e)))?;
    compile_file(source, &source.text, &file, overrides)
}

/// Compiles `source` with one more `[[fault]]` table, `table` (the text of that one table),
/// through the same checks as the file's own faults. The table is read as if it followed the
/// file's text (its spans, and so its diagnostics' lines, are past the file's), but parsed on
/// its own, so a file whose faults are an inline array (`fault = [...]`) takes it too.
pub(crate) fn compile_with_fault(source: &crate::Source, table: &str) -> R<crate::Scenario> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Extra {
        fault: Vec<format::Sp<format::Fault>>,
    }
    let origin = &source.display_name();
    let mut file: format::File = toml::from_str(&source.text).map_err(|e| Box::new(syntax::toml_error(origin, &source.text, &e)))?;
    let text = format!("{}\n{table}", source.text);
    // The file's bytes blanked into comments of the same length, so the table's spans are
    // offsets into `text`.
    let padded = format!("{}\n{table}", blank(&source.text));
    let extra: Extra = toml::from_str(&padded).map_err(|e| Box::new(syntax::toml_error(origin, &text, &e)))?;
    file.fault.extend(extra.fault);
    compile_file(source, &text, &file, &crate::Overrides::default())
}

/// `text` with every line turned into a comment of the same byte length (line ends kept).
fn blank(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let (body, cr) = line.strip_suffix('\r').map_or((line, ""), |b| (b, "\r"));
        if !body.is_empty() {
            out.push('#');
            out.extend(std::iter::repeat_n(' ', body.len() - 1));
        }
        out.push_str(cr);
    }
    out
}

/// Compiles a parsed file; `text` is what its spans point into.
fn compile_file(source: &crate::Source, text: &str, file: &format::File, overrides: &crate::Overrides) -> R<crate::Scenario> {
    let origin = &source.display_name();
    let mut cx = Ctx {
        origin,
        text,
        spans: BTreeMap::new(),
        fields: FieldSpans::default(),
        duration: SimDuration::ZERO,
        fidelity: overrides.fidelity,
        warnings: Default::default(),
    };
    let sc = &file.scenario.value;
    if sc.name.value.trim().is_empty() {
        return cx.fail(&sc.name.span, "the scenario name is empty");
    }
    budget::check_expansion(&cx, file)?;
    cx.duration = cx.positive(&sc.duration, "the scenario duration")?;
    if cx.duration > sim_core::model::MAX_DURATION {
        return Err(cx
            .err(&sc.duration.span, format!("a run of {} is longer than the 366 days faultline simulates", cx.duration))
            .help("split a long availability study into runs of a day or a month, each with its own seed"));
    }
    let mut spec = ModelSpec { duration: cx.duration, ..ModelSpec::default() };

    for ic in &file.interconnect {
        interconnect::interconnect(&mut cx, &mut spec, ic)?;
    }
    for v in &file.vpn {
        standalone::vpn(&mut cx, &mut spec, v)?;
    }
    for b in &file.backbone {
        standalone::backbone(&mut cx, &mut spec, b)?;
    }
    for e in &file.endpoint {
        sites::endpoint(&mut cx, &mut spec, e)?;
    }
    // Build the topology alone first: its ids are what traffic, faults and alarms may name.
    budget::check_estimate(&cx, &spec, &file.scenario.span, budget::Stage::Topology)?;
    let topo = Model::build(&spec).map_err(|e| model_errors::build_error(&cx, &spec, &e, &file.scenario.span))?;
    for t in &file.traffic {
        traffic::traffic(&mut cx, &mut spec, &topo, t)?;
    }
    faults::faults(&mut cx, &mut spec, &topo, &file.fault)?;
    for (i, r) in file.random_faults.iter().enumerate() {
        faults::random_faults(&mut cx, &mut spec, i, r)?;
    }
    for a in &file.alarm {
        runbook::alarm(&mut cx, &mut spec, &topo, a)?;
    }
    runbook::runbook(&mut cx, &mut spec, &topo, &file.runbook)?;
    let sla = sla::plan(&cx, &spec, file)?;
    let expect = match &file.expect {
        Some(e) => expectations::expectations(&cx, &spec, e, &sla)?,
        None => Expectations::default(),
    };
    let sweep = match &file.sweep {
        Some(t) => sweep::sweep(&cx, t)?,
        None => crate::SweepExpect::default(),
    };
    let proxies = proxy::proxies(&cx, &spec, &file.proxy)?;
    budget::check_estimate(&cx, &spec, &file.scenario.span, budget::Stage::Run)?;
    Model::build(&spec).map_err(|e| model_errors::build_error(&cx, &spec, &e, &file.scenario.span))?;
    Ok(crate::Scenario {
        name: sc.name.value.clone(),
        summary: sc.summary.clone().unwrap_or_default(),
        seed: sc.seed.unwrap_or(1),
        duration: cx.duration,
        spec,
        expect,
        sweep,
        sla,
        proxies,
        source: source.clone(),
        warnings: cx.take_warnings(),
        claimed: cx.spans.into_keys().collect(),
    })
}
