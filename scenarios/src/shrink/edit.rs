//! The scenario text as a `toml_edit` document: the tables the shrinker removes, the values
//! it rewrites, and what a removal takes with it.
//!
//! Editing the text (rather than regenerating it from the compiled spec) keeps the file's
//! comments, layout and every key the shrinker does not touch, and makes each candidate
//! exactly the text that is compiled, run and finally written. Both ways a file can write a
//! list of tables are handled: `[[fault]]` headers and an inline array (`fault = [{...}]`).

use std::collections::BTreeSet;

use sim_core::SimDuration;
use toml_edit::{DocumentMut, Item, TableLike, Value};

use crate::units::parse_duration;

/// The kinds of table the shrinker can remove, in the order its passes visit them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Fault,
    RandomFaults,
    Runbook,
    Alarm,
    Proxy,
    Traffic,
    Vpn,
    Backbone,
    Endpoint,
    Interconnect,
}

impl Kind {
    /// Every kind a scenario file has as a list of tables.
    pub const ALL: [Kind; 10] = [
        Kind::Fault,
        Kind::RandomFaults,
        Kind::Runbook,
        Kind::Alarm,
        Kind::Proxy,
        Kind::Traffic,
        Kind::Vpn,
        Kind::Backbone,
        Kind::Endpoint,
        Kind::Interconnect,
    ];

    /// The key the tables are listed under (`[[fault]]`).
    pub fn key(self) -> &'static str {
        match self {
            Kind::Fault => "fault",
            Kind::RandomFaults => "random_faults",
            Kind::Runbook => "runbook",
            Kind::Alarm => "alarm",
            Kind::Proxy => "proxy",
            Kind::Traffic => "traffic",
            Kind::Vpn => "vpn",
            Kind::Backbone => "backbone",
            Kind::Endpoint => "endpoint",
            Kind::Interconnect => "interconnect",
        }
    }
}

/// One table of the document: its kind and its position in that kind's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Unit {
    pub kind: Kind,
    pub index: usize,
}

/// A scenario file being shrunk.
#[derive(Clone, Debug)]
pub(crate) struct Doc {
    doc: DocumentMut,
}

impl Doc {
    pub fn parse(text: &str) -> Result<Doc, String> {
        text.parse::<DocumentMut>().map(|doc| Doc { doc }).map_err(|e| e.to_string())
    }

    pub fn text(&self) -> String {
        self.doc.to_string()
    }

    /// How many tables of `kind` the file has.
    pub fn len(&self, kind: Kind) -> usize {
        match self.doc.get(kind.key()) {
            Some(Item::ArrayOfTables(a)) => a.len(),
            Some(Item::Value(Value::Array(a))) => a.len(),
            _ => 0,
        }
    }

    pub fn units(&self, kind: Kind) -> Vec<Unit> {
        (0..self.len(kind)).map(|index| Unit { kind, index }).collect()
    }

    pub fn table(&self, kind: Kind, i: usize) -> Option<&dyn TableLike> {
        match self.doc.get(kind.key())? {
            Item::ArrayOfTables(a) => a.get(i).map(|t| t as &dyn TableLike),
            Item::Value(Value::Array(a)) => a.get(i)?.as_inline_table().map(|t| t as &dyn TableLike),
            _ => None,
        }
    }

    pub fn table_mut(&mut self, kind: Kind, i: usize) -> Option<&mut dyn TableLike> {
        match self.doc.get_mut(kind.key())? {
            Item::ArrayOfTables(a) => a.get_mut(i).map(|t| t as &mut dyn TableLike),
            Item::Value(Value::Array(a)) => a.get_mut(i)?.as_inline_table_mut().map(|t| t as &mut dyn TableLike),
            _ => None,
        }
    }

    /// Moves `key` to the front of a table (an `id` the shrinker wrote in reads first).
    pub fn key_first(&mut self, kind: Kind, i: usize, key: &str) {
        match self.doc.get_mut(kind.key()) {
            Some(Item::ArrayOfTables(a)) => {
                if let Some(t) = a.get_mut(i) {
                    t.sort_values_by(|a, _, b, _| (a.get() != key).cmp(&(b.get() != key)));
                }
            }
            Some(Item::Value(Value::Array(a))) => {
                if let Some(t) = a.get_mut(i).and_then(Value::as_inline_table_mut) {
                    t.sort_values_by(|a, _, b, _| (a.get() != key).cmp(&(b.get() != key)));
                }
            }
            _ => {}
        }
    }

    /// A top-level table such as `[scenario]` or `[expect]`, however it is written.
    pub fn top(&self, key: &str) -> Option<&dyn TableLike> {
        self.doc.get(key)?.as_table_like()
    }

    pub fn top_mut(&mut self, key: &str) -> Option<&mut dyn TableLike> {
        self.doc.get_mut(key)?.as_table_like_mut()
    }

    /// The `id` of a table, as written.
    pub fn id(&self, kind: Kind, i: usize) -> Option<String> {
        self.table(kind, i).and_then(|t| get_str(t, "id"))
    }

    /// The ids a table defines: one, or one per copy when it has a `count` (the compiler's
    /// rule: `{n}` becomes the zero-padded copy number, or the number is appended).
    pub fn ids(&self, kind: Kind, i: usize) -> Vec<String> {
        let Some(id) = self.id(kind, i) else { return Vec::new() };
        match self.table(kind, i).and_then(|t| get_int(t, "count")) {
            Some(n) if n > 0 => {
                let w = n.to_string().len().max(4);
                (1..=n)
                    .map(|k| {
                        let num = format!("{k:0w$}");
                        if id.contains("{n}") { id.replace("{n}", &num) } else { format!("{id}{num}") }
                    })
                    .collect()
            }
            _ => vec![id],
        }
    }

    /// Every id any table of the file defines (for choosing new ones that collide with none).
    pub fn all_ids(&self) -> BTreeSet<String> {
        Kind::ALL.iter().flat_map(|&k| (0..self.len(k)).flat_map(move |i| self.ids(k, i))).collect()
    }

    /// How many copies a table makes (`count`, default 1).
    pub fn copies(&self, kind: Kind, i: usize) -> u64 {
        self.table(kind, i).and_then(|t| get_int(t, "count")).filter(|&n| n > 0).map_or(1, |n| n as u64)
    }

    /// The sum of copies over a kind's tables.
    pub fn count(&self, kind: Kind) -> u64 {
        (0..self.len(kind)).map(|i| self.copies(kind, i)).sum()
    }

    /// Appends a `[[kind]]` table (or an inline table, when the file writes the list inline).
    pub fn push(&mut self, kind: Kind, table: toml_edit::Table) {
        match self.doc.get_mut(kind.key()) {
            Some(Item::ArrayOfTables(a)) => a.push(table),
            Some(Item::Value(Value::Array(a))) => a.push(table.into_inline_table()),
            _ => {
                let mut a = toml_edit::ArrayOfTables::new();
                a.push(table);
                self.doc.insert(kind.key(), Item::ArrayOfTables(a));
            }
        }
    }

    /// Where a kind's first table is printed (for placing new tables where old ones were).
    pub fn position(&self, kind: Kind) -> Option<isize> {
        match self.doc.get(kind.key())? {
            Item::ArrayOfTables(a) => a.get(0)?.position(),
            _ => None,
        }
    }

    /// The document without `units` and without what depends on them (see [`dependents`]),
    /// with removed traffic groups taken out of `[expect] traffic`. `None` when the result
    /// cannot be a candidate: the removal would empty `[expect] traffic`, which would widen
    /// the checks to every group instead of narrowing them.
    pub fn without(&self, units: &BTreeSet<Unit>) -> Option<Doc> {
        let gone = self.dependents(units);
        let mut out = self.clone();
        let dropped_traffic: BTreeSet<String> =
            gone.iter().filter(|u| u.kind == Kind::Traffic).flat_map(|u| self.ids(u.kind, u.index)).collect();
        if !dropped_traffic.is_empty()
            && let Some(Item::Value(Value::Array(list))) = out.top_mut("expect").and_then(|e| e.get_mut("traffic"))
        {
            let before = list.len();
            let gone: Vec<usize> =
                (0..before).filter(|&i| list.get(i).and_then(Value::as_str).is_some_and(|s| dropped_traffic.contains(s))).collect();
            remove_from_array(list, &gone);
            if before > 0 && list.is_empty() {
                return None;
            }
        }
        for &kind in Kind::ALL.iter().rev() {
            let mut idx: Vec<usize> = gone.iter().filter(|u| u.kind == kind).map(|u| u.index).collect();
            idx.sort_unstable_by(|a, b| b.cmp(a));
            if idx.is_empty() {
                continue;
            }
            let empty = match out.doc.get_mut(kind.key()) {
                Some(Item::ArrayOfTables(a)) => {
                    for i in idx {
                        if i < a.len() {
                            a.remove(i);
                        }
                    }
                    a.is_empty()
                }
                Some(Item::Value(Value::Array(a))) => {
                    remove_from_array(a, &idx);
                    a.is_empty()
                }
                _ => false,
            };
            if empty {
                out.doc.remove(kind.key());
            }
        }
        Some(out)
    }

    /// `units` and every table that names one of them by id, transitively: faults `after` a
    /// removed fault; alarms on a removed traffic group; runbook steps `on` a removed alarm,
    /// `after` a removed step, or shifting a removed group; proxies of a removed group.
    /// References to elements (links, sites) are left to the compiler: a candidate that
    /// still names a removed link is invalid and rejected.
    pub fn dependents(&self, units: &BTreeSet<Unit>) -> BTreeSet<Unit> {
        let mut gone = units.clone();
        loop {
            let ids = |kind: Kind| -> BTreeSet<String> {
                gone.iter().filter(|u| u.kind == kind).flat_map(|u| self.ids(u.kind, u.index)).collect()
            };
            let (faults, traffic, alarms, steps) = (ids(Kind::Fault), ids(Kind::Traffic), ids(Kind::Alarm), ids(Kind::Runbook));
            let mut more = Vec::new();
            for u in self.units(Kind::Fault) {
                if self.table(u.kind, u.index).and_then(|t| get_str(t, "after")).is_some_and(|a| faults.contains(&a)) {
                    more.push(u);
                }
            }
            for u in self.units(Kind::Alarm) {
                let Some(t) = self.table(u.kind, u.index) else { continue };
                let on_group = ["below", "unreachable"].iter().any(|c| nested_str(t, c, "traffic").is_some_and(|g| traffic.contains(&g)));
                if on_group {
                    more.push(u);
                }
            }
            for u in self.units(Kind::Runbook) {
                let Some(t) = self.table(u.kind, u.index) else { continue };
                let on = get_str(t, "on").is_some_and(|a| alarms.contains(&a));
                let after = get_str(t, "after").is_some_and(|s| steps.contains(&s));
                let shift = nested_str(t, "shift", "traffic").is_some_and(|g| traffic.contains(&g));
                let failover = t.get("failover").and_then(Item::as_array).is_some_and(|a| {
                    a.iter().any(|v| {
                        v.as_inline_table().and_then(|s| s.get("traffic")).and_then(|g| g.as_str()).is_some_and(|g| traffic.contains(g))
                    })
                });
                if on || after || shift || failover {
                    more.push(u);
                }
            }
            for u in self.units(Kind::Proxy) {
                if self.table(u.kind, u.index).and_then(|t| get_str(t, "traffic")).is_some_and(|g| traffic.contains(&g)) {
                    more.push(u);
                }
            }
            let before = gone.len();
            gone.extend(more);
            if gone.len() == before {
                return gone;
            }
        }
    }
}

/// Removes the elements at `idx` from an inline array; the new first element takes the old
/// first's leading whitespace (`["a", "b"]` less `"a"` is `["b"]`, not `[ "b"]`).
fn remove_from_array(a: &mut toml_edit::Array, idx: &[usize]) {
    let first = a.get(0).map(|v| v.decor().prefix().cloned());
    let mut idx = idx.to_vec();
    idx.sort_unstable_by(|x, y| y.cmp(x));
    idx.dedup();
    for i in idx {
        if i < a.len() {
            a.remove(i);
        }
    }
    if let (Some(Some(prefix)), Some(v)) = (first, a.get_mut(0)) {
        v.decor_mut().set_prefix(prefix);
    }
}

/// A string value of a table.
pub(crate) fn get_str(t: &dyn TableLike, key: &str) -> Option<String> {
    t.get(key).and_then(Item::as_str).map(str::to_string)
}

/// An integer value of a table.
pub(crate) fn get_int(t: &dyn TableLike, key: &str) -> Option<i64> {
    t.get(key).and_then(Item::as_integer)
}

/// A string in a sub-table (`below = { traffic = "..." }`).
pub(crate) fn nested_str(t: &dyn TableLike, table: &str, key: &str) -> Option<String> {
    t.get(table).and_then(Item::as_table_like).and_then(|s| get_str(s, key))
}

/// A duration value of a table, read by the format's own parser.
pub(crate) fn get_dur(t: &dyn TableLike, key: &str) -> Option<SimDuration> {
    t.get(key).and_then(Item::as_str).and_then(|s| parse_duration(s).ok())
}

/// Sets `key` to `v`, keeping the old value's surrounding whitespace and comment.
pub(crate) fn set_value(t: &mut dyn TableLike, key: &str, v: impl Into<Value>) {
    let mut v: Value = v.into();
    match t.get_mut(key) {
        Some(Item::Value(old)) => {
            *v.decor_mut() = old.decor().clone();
            *old = v;
        }
        _ => {
            // The space before an inline table's `}` belongs to its last value; it moves to
            // the new last one (`{ cut = "x", for = "1s" }`, not `{ cut = "x" , for = "1s"}`).
            if let Some((_, Item::Value(last))) = t.iter_mut().last()
                && let Some(suffix) = last.decor().suffix().and_then(|s| s.as_str()).map(str::to_string)
                && !suffix.is_empty()
                && suffix.trim().is_empty()
            {
                last.decor_mut().set_suffix("");
                v.decor_mut().set_suffix(suffix);
            }
            t.insert(key, Item::Value(v));
        }
    }
}

/// Sets a duration, written so the parser reads back exactly the same nanoseconds.
pub(crate) fn set_dur(t: &mut dyn TableLike, key: &str, d: SimDuration) {
    set_value(t, key, exact(d));
}

/// A duration the units parser reads back exactly: whole seconds as `s`, whole
/// milliseconds as `ms`, anything else in nanoseconds.
pub(crate) fn exact(d: SimDuration) -> String {
    let ns = d.as_nanos();
    if ns.is_multiple_of(1_000_000_000) {
        format!("{}s", ns / 1_000_000_000)
    } else if ns.is_multiple_of(1_000_000) {
        format!("{}ms", ns / 1_000_000)
    } else {
        format!("{ns}ns")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
[scenario]
name = "x"
duration = "60s"

[[traffic]]
id = "a"

[[traffic]]
id = "b"

[[alarm]]
id = "a-slow"
below = { traffic = "a", threshold = "50%", for = "5s" }

[[runbook]]
id = "page"
on = "a-slow"

[[runbook]]
id = "then"
after = "page"

[[fault]]
id = "f1"
at = "10s"  # the first
cut = "x/ch1"

[expect]
traffic = ["a", "b"]
"#;

    #[test]
    fn removing_a_group_takes_its_alarm_steps_and_scope_entry_with_it() {
        let d = Doc::parse(TEXT).expect("parses");
        let out = d.without(&BTreeSet::from([Unit { kind: Kind::Traffic, index: 0 }])).expect("a candidate");
        assert_eq!(out.len(Kind::Traffic), 1);
        assert_eq!(out.len(Kind::Alarm), 0);
        assert_eq!(out.len(Kind::Runbook), 0, "the step on the alarm and the step after it go too");
        assert!(out.text().contains("traffic = [\"b\"]"), "{}", out.text());
        let both = BTreeSet::from([Unit { kind: Kind::Traffic, index: 0 }, Unit { kind: Kind::Traffic, index: 1 }]);
        assert!(d.without(&both).is_none(), "emptying [expect] traffic would widen the checks");
    }

    #[test]
    fn rewriting_a_value_keeps_its_comment() {
        let mut d = Doc::parse(TEXT).expect("parses");
        let t = d.table_mut(Kind::Fault, 0).expect("a fault");
        set_dur(t, "at", SimDuration(1_500_000));
        assert!(d.text().contains("at = \"1500000ns\"  # the first"), "{}", d.text());
    }

    #[test]
    fn a_key_added_to_an_inline_table_goes_inside_its_braces() {
        let mut d = Doc::parse("fault = [{ id = \"a\", cut = \"x\" }]\n").expect("parses");
        set_dur(d.table_mut(Kind::Fault, 0).expect("a fault"), "for", SimDuration(2_000_000));
        assert_eq!(d.text(), "fault = [{ id = \"a\", cut = \"x\", for = \"2ms\" }]\n");
    }

    #[test]
    fn counted_tables_define_one_id_per_copy() {
        let d = Doc::parse("[[interconnect]]\nid = \"ic{n}\"\ncount = 3\n[[traffic]]\nid = \"t\"\ncount = 2\n").expect("parses");
        assert_eq!(d.ids(Kind::Interconnect, 0), ["ic0001", "ic0002", "ic0003"]);
        assert_eq!(d.ids(Kind::Traffic, 0), ["t0001", "t0002"]);
        assert_eq!(d.count(Kind::Interconnect), 3);
    }

    #[test]
    fn exact_durations_read_back() {
        for ns in [0, 1, 999, 1_000_000, 1_500_000, 2_000_000_000, 86_400_000_000_000, 12_345_678_901] {
            assert_eq!(parse_duration(&exact(SimDuration(ns))), Ok(SimDuration(ns)), "{ns}");
        }
    }
}
