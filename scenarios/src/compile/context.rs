//! What every part of compilation shares: the context (`Ctx`: the file's text, the span of
//! each id claimed so far, where the values sim-core checks were written, the run's
//! duration), diagnostics built on it, id claiming and `count` replication, and lookups of
//! elements and keyword choices.
//!
//! It knows no table of the format; the other modules call it and it calls none of them.

use std::collections::BTreeMap;
use std::ops::Range;

use sim_core::SimDuration;
use sim_core::model::{Element, Model};
use sim_core::spec::{Fidelity, LinkSpec};

use super::R;
use crate::error::{Diagnostic, did_you_mean};
use crate::format::Sp;
use crate::units::{Bytes, Dur, fmt_bytes};

/// `label`/`help` on boxed diagnostics, so checks can chain them before returning.
pub(super) trait Decorate {
    fn label(self, l: impl Into<String>) -> Self;
    fn help(self, h: impl Into<String>) -> Self;
}

impl Decorate for Box<Diagnostic> {
    fn label(mut self, l: impl Into<String>) -> Self {
        self.label = Some(l.into());
        self
    }
    fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
}

pub(super) struct Ctx<'a> {
    pub(super) origin: &'a str,
    pub(super) text: &'a str,
    /// Where each generated element id was written (its table's `id`).
    pub(super) spans: BTreeMap<String, Range<usize>>,
    pub(super) fields: FieldSpans,
    pub(super) duration: SimDuration,
    /// `--fidelity`: every traffic group at this fidelity, whatever its table says.
    pub(super) fidelity: Option<Fidelity>,
    /// Warnings so far, by the byte offset of the value they point at, so a value `count`
    /// expands many times warns once (with the number of copies it stands for).
    pub(super) warnings: std::cell::RefCell<BTreeMap<usize, (Diagnostic, usize)>>,
}

/// Where the file wrote the values that sim-core's `Model::build` checks, by element id and
/// field, so that a `BuildError::Invalid` naming both points at the key (see `model_errors`).
///
/// Fields are named as sim-core names them (`mtu`, `loss`, `max_paths`), refined by side and
/// key for session timers (`bgp.a.hold`, `bfd.b.multiplier`, and `bgp.a` for the table that
/// set side A's timers). A later key overrides an earlier one, as it overrides the value.
#[derive(Default)]
pub(super) struct FieldSpans {
    keys: BTreeMap<String, BTreeMap<String, Range<usize>>>,
    /// An element whose other fields were written on another's table (a channel, on its
    /// interconnect's).
    parent: BTreeMap<String, String>,
}

impl FieldSpans {
    pub(super) fn set(&mut self, id: &str, field: impl Into<String>, span: &Range<usize>) {
        self.keys.entry(id.to_string()).or_default().insert(field.into(), span.clone());
    }

    pub(super) fn inherit(&mut self, child: &str, parent: &str) {
        self.parent.insert(child.to_string(), parent.to_string());
    }

    /// Where `id`'s `field` was written: on its own table, else on its parent's.
    pub(super) fn get(&self, id: &str, field: &str) -> Option<&Range<usize>> {
        let own = self.keys.get(id).and_then(|k| k.get(field));
        own.or_else(|| self.parent.get(id).and_then(|p| self.keys.get(p)).and_then(|k| k.get(field)))
    }

    /// Whether any field of `id` (or of its parent) is known.
    pub(super) fn knows(&self, id: &str) -> bool {
        self.keys.contains_key(id) || self.parent.contains_key(id)
    }
}

impl Ctx<'_> {
    pub(super) fn err(&self, span: &Range<usize>, msg: impl Into<String>) -> Box<Diagnostic> {
        Box::new(Diagnostic::new(self.origin, self.text, span.clone(), msg))
    }
    pub(super) fn fail<T>(&self, span: &Range<usize>, msg: impl Into<String>) -> R<T> {
        Err(self.err(span, msg))
    }
    /// Records a warning at `span`: printed by the CLI, never an error.
    pub(super) fn warn(&self, span: &Range<usize>, msg: impl Into<String>, help: &str) {
        let mut w = self.warnings.borrow_mut();
        let e = w.entry(span.start).or_insert_with(|| (Diagnostic::new(self.origin, self.text, span.clone(), msg).help(help), 0));
        e.1 += 1;
    }

    /// The warnings, in file order; a value expanded by `count` says how many copies it covers.
    pub(super) fn take_warnings(&self) -> Vec<Diagnostic> {
        let w = std::mem::take(&mut *self.warnings.borrow_mut());
        w.into_values()
            .map(|(mut d, n)| {
                if n > 1 {
                    d.message = format!("{} (and {} more copies from `count`)", d.message, n - 1);
                }
                d
            })
            .collect()
    }

    pub(super) fn positive(&self, d: &Sp<Dur>, what: &str) -> R<SimDuration> {
        if d.value.0 == SimDuration::ZERO {
            return Err(self.err(&d.span, format!("{what} must be positive")).label("a zero duration is not allowed here"));
        }
        Ok(d.value.0)
    }
}

/// The largest `queue` a file may set (16 GiB): a bound that keeps packet fidelity's buffer
/// arithmetic far from overflow.
const MAX_QUEUE_BYTES: u64 = 16 << 30;

/// Sets a link's drop-tail queue: the file's `queue` key if given (at least one full-size
/// frame, at most 16 GiB), else one bandwidth-delay product of the link as it now is
/// (`presets::default_queue_bytes`, after every bandwidth and delay override).
pub(super) fn link_queue(cx: &Ctx<'_>, key: Option<&Sp<Bytes>>, l: &mut LinkSpec) -> R<()> {
    let Some(q) = key else {
        l.queue_bytes = sim_core::presets::default_queue_bytes(l);
        return Ok(());
    };
    let frame = u64::from(l.mtu) + u64::from(l.framing.bytes_per_frame());
    if q.value.0 < frame {
        return Err(cx
            .err(&q.span, format!("queue {} B is smaller than one full-size frame of `{}` ({frame} B)", q.value.0, l.id))
            .label("a drop-tail queue this small drops every full-size packet")
            .help("omit `queue` for one bandwidth-delay product of the link's round trip"));
    }
    if q.value.0 > MAX_QUEUE_BYTES {
        return cx.fail(&q.span, format!("queue {} is larger than the 16 GiB faultline allows per link direction", fmt_bytes(q.value.0)));
    }
    l.queue_bytes = q.value.0;
    Ok(())
}

/// Substitutes the copy number for `{n}`; ids without `{n}` get it appended.
pub(super) fn subst(s: &str, n: Option<(u32, usize)>, append: bool) -> String {
    match n {
        None => s.to_string(),
        Some((n, w)) => {
            let num = format!("{n:0w$}");
            if s.contains("{n}") {
                s.replace("{n}", &num)
            } else if append {
                format!("{s}{num}")
            } else {
                s.to_string()
            }
        }
    }
}

pub(super) fn copies(cx: &Ctx<'_>, count: &Option<Sp<u32>>) -> R<Vec<Option<(u32, usize)>>> {
    match count {
        None => Ok(vec![None]),
        Some(c) => {
            if c.value == 0 || c.value > 100_000 {
                return cx.fail(&c.span, format!("count must be between 1 and 100000, not {}", c.value));
            }
            let w = c.value.to_string().len().max(4);
            Ok((1..=c.value).map(|n| Some((n, w))).collect())
        }
    }
}

pub(super) fn claim(cx: &mut Ctx<'_>, id: &str, span: &Range<usize>, what: &str) -> R<()> {
    if id.is_empty() {
        return cx.fail(span, format!("the {what} id is empty"));
    }
    if let Some(prev) = cx.spans.get(id) {
        let line = cx.text[..prev.start.min(cx.text.len())].matches('\n').count() + 1;
        return Err(cx.err(span, format!("duplicate id `{id}`")).label(format!("already used on line {line}")));
    }
    cx.spans.insert(id.to_string(), span.clone());
    Ok(())
}

/// Looks up an element the file names, with a suggestion when it does not exist.
pub(super) fn element(cx: &Ctx<'_>, topo: &Model, name: &Sp<String>, what: &str) -> R<Element> {
    topo.element(&name.value).ok_or_else(|| {
        let mut d = cx.err(&name.span, format!("unknown {what} `{}`", name.value));
        if let Some(n) = sim_core::model::nearest(&name.value, topo.ids().map(|(k, _)| k)) {
            d = d.label(format!("did you mean `{n}`?"));
        }
        d
    })
}

pub(super) fn expect_class(cx: &Ctx<'_>, name: &Sp<String>, e: Element, ok: &[&str], action: &str) -> R<()> {
    if ok.contains(&e.class()) {
        return Ok(());
    }
    cx.fail(&name.span, format!("`{}` is a {}; `{action}` needs a {}", name.value, e.class(), ok.join(" or ")))
}

/// A keyword choice (`tcp = "linux"`): `default` when absent, otherwise one of `options`, with
/// a suggestion for a near miss. `fallback` is the span for errors when the key is absent.
pub(super) fn choice<T: Copy>(
    cx: &Ctx<'_>,
    key: &Option<Sp<String>>,
    fallback: &Range<usize>,
    what: &str,
    options: &[(&str, T)],
    default: T,
    help: &str,
) -> R<T> {
    let Some(other) = key.as_ref().map(|s| s.value.as_str()) else { return Ok(default) };
    if let Some((_, v)) = options.iter().find(|(name, _)| *name == other) {
        return Ok(*v);
    }
    let span = key.as_ref().map_or(fallback, |s| &s.span);
    let mut d = cx.err(span, format!("unknown {what} `{other}`"));
    if let Some(n) = did_you_mean(other, options.iter().map(|(name, _)| *name)) {
        d = d.label(format!("did you mean `{n}`?"));
    }
    Err(d.help(help))
}
