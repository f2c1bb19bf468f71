//! The memory budget checked while compiling, before anything large is allocated.
//!
//! Two checks, each pointing at the table that is too big:
//! - before `count` is expanded: every copy of a table costs about [`EXPANSION_BYTES_PER_BYTE`]
//!   bytes per byte of the table's text to compile and build (ids copied into indexes, spans
//!   and field maps), so a 1,000-character id replicated 20,000 times is refused at its
//!   `count` key instead of taking gigabytes to validate;
//! - before the model is built and run: sim-core's [`Estimate`] of the run (links, flows,
//!   histograms, packet buffers), summed per table, names the table and the product that
//!   dominates.

use std::collections::BTreeMap;
use std::ops::Range;

use sim_core::budget::{CostKind, Estimate};
use sim_core::spec::ModelSpec;

use super::R;
use super::context::{Ctx, Decorate};
use crate::budget::budget;
use crate::format;
use crate::units::{approx_above, approx_bytes};

/// Compiling and building a copy of a table costs about this many bytes per byte of its text
/// (measured: 115 B per byte for an interconnect with a 1,000-character id, 110 for a
/// plain one; peak RSS of `validate`).
pub(crate) const EXPANSION_BYTES_PER_BYTE: u64 = 128;

/// Refuses a file whose `count` expansion alone would exceed the memory budget.
pub(super) fn check_expansion(cx: &Ctx<'_>, file: &format::File) -> R<()> {
    let b = budget();
    let mut tables: Vec<(&str, usize, &format::Sp<u32>)> = Vec::new();
    let len = |span: &Range<usize>| table_len(cx.text, span);
    tables.extend(file.interconnect.iter().filter_map(|t| t.value.count.as_ref().map(|c| ("interconnect", len(&t.span), c))));
    tables.extend(file.traffic.iter().filter_map(|t| t.value.count.as_ref().map(|c| ("traffic", len(&t.span), c))));
    let mut total = cx.text.len() as u64 * EXPANSION_BYTES_PER_BYTE;
    let mut worst: Option<(u64, &str, usize, &format::Sp<u32>)> = None;
    for (kind, len, c) in tables {
        let bytes = u64::from(c.value).saturating_mul(len as u64).saturating_mul(EXPANSION_BYTES_PER_BYTE);
        total = total.saturating_add(bytes);
        if worst.is_none_or(|w| bytes > w.0) {
            worst = Some((bytes, kind, len, c));
        }
    }
    match worst {
        Some((bytes, kind, len, c)) if total > b.max_memory => {
            let (total_s, max_s) = approx_above(total, b.max_memory);
            Err(cx
            .err(
                &c.span,
                format!(
                    "count = {} copies of this {len}-byte [[{kind}]] table need about {} to compile ({} x {len} B x {EXPANSION_BYTES_PER_BYTE}); \
                     with the rest of the file, about {}, above the memory budget of {}",
                    c.value,
                    approx_bytes(bytes),
                    c.value,
                    total_s,
                    max_s,
                ),
            )
            .label("too many copies for the memory budget")
            .help(format!("{}; lower `count` or shorten the table's ids, or raise the budget with --max-memory", b.source)))
        }
        _ => Ok(()),
    }
}

/// Which part of the file the estimate covers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// Interconnects, VPNs, backbones and endpoints, before `Model::build` of the topology.
    Topology,
    /// The whole file, before the final `Model::build` and the run.
    Run,
}

/// A table (its id's span) and a kind of cost.
type TableKind = ((usize, usize), CostKind);
/// A table's share of one kind: bytes, units, the largest unit, the first copy's id.
type Share = (u64, u64, u64, String);

/// Refuses a spec whose run sim-core estimates above the memory budget, pointing at the
/// table whose share is the largest (the first copy's id names it).
pub(super) fn check_estimate(cx: &Ctx<'_>, spec: &ModelSpec, fallback: &Range<usize>, stage: Stage) -> R<()> {
    let b = budget();
    let est = Estimate::of(spec);
    let total = est.bytes();
    let base: u64 = est.costs.iter().filter(|c| c.kind == CostKind::Base).map(|c| c.bytes()).sum();
    // Before traffic is compiled only the topology can be too big to build; the whole
    // estimate (and its message) waits for the rest of the file.
    let counted = if stage == Stage::Topology { total - base } else { total };
    if counted <= b.max_memory {
        return Ok(());
    }
    // Sum each kind of cost per table: every copy of a `count`ed table shares its id's span.
    let mut per: BTreeMap<TableKind, Share> = BTreeMap::new();
    for c in &est.costs {
        let Some(span) = cx.spans.get(&c.owner) else { continue };
        let e = per.entry(((span.start, span.end), c.kind)).or_insert((0, 0, 0, c.owner.clone()));
        e.0 = e.0.saturating_add(c.bytes());
        e.1 = e.1.saturating_add(c.count);
        e.2 = e.2.max(c.each);
    }
    // When the run's fixed state outweighs every table, no table is to blame.
    let worst = per.iter().max_by_key(|(_, v)| v.0).filter(|(_, v)| v.0 >= base);
    // At the topology stage the figure is the topology's alone (the run's fixed state and
    // traffic are not counted yet); say so rather than call a partial sum the run's.
    let (whose, figure) = if stage == Stage::Topology { ("the topology's estimate", counted) } else { ("the run's estimate", total) };
    let (total_s, max_s) = approx_above(figure, b.max_memory);
    let (span, msg) = match worst {
        Some((((start, end), kind), (bytes, count, each, _))) => (
            *start..*end,
            format!(
                "{} of {} ({} {}{} x {}) make {whose} {}, above the memory budget of {}",
                approx_bytes(*bytes),
                kind.noun(),
                count,
                kind.unit(),
                if *count == 1 { "" } else { "s" },
                approx_bytes(*each),
                total_s,
                max_s,
            ),
        ),
        None => (
            fallback.clone(),
            format!(
                "the run's estimate {} (of which {} is the fixed state every run holds) is above the memory budget of {}",
                total_s,
                approx_bytes(base),
                max_s
            ),
        ),
    };
    let named = short(cx.text.get(span.clone()).unwrap_or("").trim_matches('"'));
    // Point at the key that sets the product when the file wrote one: a packet group's
    // `buffer` (or its `flows`, when the buffer is the default one).
    let span = match worst {
        Some(((_, CostKind::PacketBuffers), (_, _, _, owner))) => cx.fields.get(owner, "buffer").cloned().unwrap_or(span),
        _ => span,
    };
    let msg = if named.is_empty() { msg } else { format!("`{named}`: {msg}") };
    Err(cx.err(&span, msg).label("this table's share is the largest").help(format!(
        "{}; make the table smaller (fewer flows, groups or copies, smaller buffers), or raise the budget with --max-memory",
        b.source
    )))
}

/// An id as a message quotes it: at most 40 characters.
fn short(id: &str) -> String {
    if id.chars().count() <= 40 { id.to_string() } else { format!("{}...", id.chars().take(37).collect::<String>()) }
}

/// The bytes of a table's text: from its header (the span toml gives a table in an array of
/// tables) to the next line that opens a table, or the end of the file.
fn table_len(text: &str, header: &Range<usize>) -> usize {
    let rest = text.get(header.end..).unwrap_or("");
    let body = rest.find("\n[").map_or(rest.len(), |i| i + 1);
    header.len() + body
}
