//! `sweep --vary KEY=A..B:N`: the points of a sweep over a labelled assumption, each a
//! scenario recompiled with the key set to one value.
//!
//! `parse` reads the flag (`keys` says which keys exist, `values` spaces and prints the
//! values exactly, in the first value's unit); `apply` writes one value into the scenario's
//! text with `toml_edit` (comments and layout kept) and recompiles it with
//! `scenarios::load_str`, so a value out of range is reported as the file's own error, at
//! the line the key is on. The recompiled scenario's origin is its text under the file's
//! name (`Origin::Text`): replaying a point needs the value too, which the caller names.

mod keys;
mod values;

use std::ops::Range;

use scenarios::{Diagnostic, Scenario, ScenarioError};
use toml_edit::{DocumentMut, InlineTable, Item, TableLike, Value};

use keys::Target;
use values::Kind;

/// `--vary KEY=A..B:N`: a key and the values it takes, as the file would write them
/// (`"0.5s"`, `"1s"`, …).
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    pub key: String,
    pub values: Vec<String>,
}

/// Parses `KEY=A..B:N` (N evenly spaced values from A to B, both included, in A's unit) or
/// `KEY=v1,v2,v3`; the key must be one `--vary` knows, and the values of its kind.
pub fn parse(arg: &str) -> Result<Vary, String> {
    let Some((key, spec)) = arg.split_once('=') else {
        return Err(format!("--vary `{arg}`: expected KEY=A..B:N (e.g. convergence=0.5s..3s:6) or KEY=v1,v2,v3"));
    };
    let target = keys::target(key)?;
    let spec = spec.trim();
    let values = if spec.contains("..") { values::range(target.kind, spec) } else { values::list(target.kind, spec) }
        .map_err(|e| format!("--vary {}: {e} ({} takes {})", key.trim(), target.key, target.kind.name()))?;
    Ok(Vary { key: key.trim().to_string(), values })
}

/// `s` with `key` set to `value` wherever the key applies, recompiled (so a value out of
/// range is the file's own error).
pub fn apply(s: &Scenario, key: &str, value: &str) -> Result<Scenario, ScenarioError> {
    let origin = s.source.display_name();
    let text = s.source.text.as_str();
    let err = |span: Range<usize>, msg: String| -> ScenarioError { Diagnostic::new(&origin, text, span, msg).into() };
    // Spans for messages come from a parse that keeps them; edits go to a mutable copy.
    let parsed = toml_edit::Document::parse(text).map_err(|e| err(e.span().unwrap_or(0..0), e.message().to_string()))?;
    let name_span = parsed.get("scenario").and_then(|t| t.get("name")).and_then(Item::span).unwrap_or(0..0);
    let target = keys::target(key).map_err(|e| err(name_span.clone(), e))?;
    values::check(target.kind, value).map_err(|e| err(name_span.clone(), format!("--vary {key}={value}: {e}")))?;
    let found = tables(&parsed, target.table);
    let chosen: Vec<usize> = match &target.id {
        None => (0..found.len()).collect(),
        Some(id) => found.iter().enumerate().filter(|(_, t)| &t.id == id).map(|(i, _)| i).collect(),
    };
    if chosen.is_empty() {
        let ids: Vec<String> = found.iter().map(|t| format!("`{}`", t.id)).collect();
        let (span, what) = match (&target.id, found.first()) {
            (Some(id), Some(first)) => {
                (first.span.clone(), format!("no [[{}]] with id `{id}` (the file has {})", target.table, ids.join(", ")))
            }
            _ => (name_span, format!("the scenario has no [[{}]] table for --vary {key}", target.table)),
        };
        return Err(err(span, what));
    }
    let mut doc: DocumentMut = parsed.into_mut();
    for i in chosen {
        let info = &found[i];
        let Some(t) = table_mut(&mut doc, target.table, i) else { continue };
        set(t, &target, value, current_session(s, info)).map_err(|m| err(info.span.clone(), m))?;
    }
    scenarios::load_str(&origin, &doc.to_string())
}

/// One table of the kind `--vary` edits: its id (written, or the default a random process
/// gets) and the span of its id for messages.
struct Found {
    id: String,
    span: Range<usize>,
    count: Option<i64>,
}

fn tables(doc: &toml_edit::Document<&str>, name: &str) -> Vec<Found> {
    let list: Vec<&dyn TableLike> = match doc.get(name) {
        Some(Item::ArrayOfTables(a)) => a.iter().map(|t| t as &dyn TableLike).collect(),
        Some(Item::Value(Value::Array(a))) => a.iter().filter_map(|v| v.as_inline_table().map(|t| t as &dyn TableLike)).collect(),
        _ => Vec::new(),
    };
    list.iter()
        .enumerate()
        .map(|(i, t)| {
            let id = t.get("id");
            Found {
                // `[[random_faults]]` without an id is `r1`, `r2`… (README, "[[random_faults]]").
                id: id.and_then(Item::as_str).map_or_else(|| format!("r{}", i + 1), str::to_string),
                span: id.and_then(Item::span).unwrap_or(0..0),
                count: t.get("count").and_then(Item::as_integer),
            }
        })
        .collect()
}

fn table_mut<'d>(doc: &'d mut DocumentMut, name: &str, i: usize) -> Option<&'d mut dyn TableLike> {
    match doc.get_mut(name)? {
        Item::ArrayOfTables(a) => a.get_mut(i).map(|t| t as &mut dyn TableLike),
        Item::Value(Value::Array(a)) => a.get_mut(i).and_then(Value::as_inline_table_mut).map(|t| t as &mut dyn TableLike),
        _ => None,
    }
}

/// The BFD timers (per side) the compiled scenario gives an interconnect's channels, for
/// `bfd.*` keys in a file that leaves BFD to its template.
type Session = Option<Option<[sim_core::spec::BfdTimers; 2]>>;

fn current_session(s: &Scenario, t: &Found) -> Session {
    // The first copy's id, as `count` generates it (`ic{n}` -> `ic0001`, `ic` -> `ic0001`).
    let id = match t.count {
        Some(c) => {
            let w = c.to_string().len().max(4);
            let num = format!("{:0w$}", 1);
            if t.id.contains("{n}") { t.id.replace("{n}", &num) } else { format!("{}{num}", t.id) }
        }
        None => t.id.clone(),
    };
    s.spec.links.iter().find(|l| l.interconnect.as_deref() == Some(id.as_str())).map(|l| l.session.as_ref().and_then(|x| x.bfd))
}

/// The TOML value of `value` for a key of `kind`: a bare integer or a string with a unit.
fn toml_value(kind: Kind, value: &str) -> Value {
    match (kind, value.trim().replace('_', "").parse::<i64>()) {
        (Kind::Integer, Ok(n)) => Value::from(n),
        _ => Value::from(value.trim()),
    }
}

/// Sets `key` (possibly `table.key`) in `t` to `v`, keeping the old value's comments.
fn put(t: &mut dyn TableLike, key: &str, v: Value) {
    match t.get_mut(key) {
        Some(Item::Value(old)) => {
            let decor = old.decor().clone();
            let mut v = v;
            *v.decor_mut() = decor;
            *old = v;
        }
        _ => {
            t.insert(key, Item::Value(v));
        }
    }
}

/// A sub-table (`bfd = { ... }` or `[interconnect.bfd]`) of `t`, if it is one.
fn sub<'t>(t: &'t mut dyn TableLike, key: &str) -> Option<&'t mut dyn TableLike> {
    t.get_mut(key).and_then(Item::as_table_like_mut)
}

/// Writes the value into one table. Session timers need care: `bfd.interval` sets both
/// sides' interval, in `bfd` and in `bfd_a`/`bfd_b` where they exist (they override `bfd`),
/// and, where the file leaves BFD to the template, writes `bfd_a`/`bfd_b` with the
/// template's other value kept; `bgp.hold` sets `bgp` (and `bgp_a`/`bgp_b` where they set
/// that timer).
fn set(t: &mut dyn TableLike, target: &Target, value: &str, session: Session) -> Result<(), String> {
    let v = toml_value(target.kind, value);
    let Some((table, field)) = target.key.split_once('.') else {
        put(t, target.key, v);
        return Ok(());
    };
    match table {
        "bgp" => {
            match sub(t, "bgp") {
                Some(b) => put(b, field, v.clone()),
                None => {
                    let mut it = InlineTable::new();
                    it.insert(field, v.clone());
                    put(t, "bgp", Value::InlineTable(it));
                }
            }
            for side in ["bgp_a", "bgp_b"] {
                if let Some(b) = sub(t, side)
                    && b.contains_key(field)
                {
                    put(b, field, v.clone());
                }
            }
        }
        "bgp_a" | "bgp_b" => match sub(t, table) {
            Some(b) => put(b, field, v),
            None => {
                let mut it = InlineTable::new();
                it.insert(field, v);
                put(t, table, Value::InlineTable(it));
            }
        },
        "bfd" | "bfd_a" | "bfd_b" => bfd(t, table, field, v, session)?,
        _ => put(t, target.key, v),
    }
    Ok(())
}

fn bfd(t: &mut dyn TableLike, table: &str, field: &str, v: Value, session: Session) -> Result<(), String> {
    if t.get("bfd").and_then(Item::as_bool) == Some(false) {
        return Err(format!("BFD is off here (bfd = false): there is no BFD {field} for --vary to set"));
    }
    let sides: &[(usize, &str)] = match table {
        "bfd" => &[(0, "bfd_a"), (1, "bfd_b")],
        "bfd_a" => &[(0, "bfd_a")],
        _ => &[(1, "bfd_b")],
    };
    if table == "bfd"
        && let Some(b) = sub(t, "bfd")
    {
        put(b, field, v.clone());
        for &(_, side) in sides {
            if let Some(b) = sub(t, side) {
                put(b, field, v.clone());
            }
        }
        return Ok(());
    }
    for &(i, side) in sides {
        if let Some(b) = sub(t, side) {
            put(b, field, v.clone());
            continue;
        }
        // No table sets this side: write one from the timers it has now.
        let Some(Some(timers)) = session else {
            return Err(format!("this interconnect runs no BFD (its template has none): there is no BFD {field} for --vary to set"));
        };
        let now = timers[i];
        let mut it = InlineTable::new();
        it.insert("interval", Value::from(values::duration(now.desired_min_tx.as_nanos())));
        it.insert("multiplier", Value::from(i64::from(now.multiplier)));
        it.insert(field, v.clone());
        put(t, side, Value::InlineTable(it));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(name: &str) -> Scenario {
        scenarios::load_library(name).expect("a library scenario")
    }

    #[test]
    fn parse_ranges_and_lists() {
        let v = parse("convergence=0.5s..3s:6").expect("parses");
        assert_eq!(v.key, "convergence");
        assert_eq!(v.values, ["0.5s", "1s", "1.5s", "2s", "2.5s", "3s"]);
        assert_eq!(parse("bfd.multiplier=3,5").expect("parses").values, ["3", "5"]);
        assert_eq!(parse("interconnect.ash.loss=0%..0.1%:3").expect("parses").values, ["0%", "0.05%", "0.1%"]);
        assert!(parse("convergence").is_err_and(|e| e.contains("KEY=A..B:N")));
        assert!(parse("convergence=1..3:3").is_err_and(|e| e.contains("no unit") && e.contains("a duration")));
        assert!(parse("convergance=1s..2s:2").is_err_and(|e| e.contains("did you mean `convergence`?")));
        assert!(parse("bfd.multiplier=1s,2s").is_err_and(|e| e.contains("whole number")));
    }

    #[test]
    fn apply_sets_the_key_everywhere_and_nothing_else() {
        let s = load("channel-cut");
        let v = apply(&s, "convergence", "2.5s").expect("applies");
        assert!(v.spec.adjacencies.iter().all(|a| a.convergence == [sim_core::SimDuration::from_millis(2500); 2]));
        // Everything else is as it was.
        let mut same = v.spec.clone();
        same.adjacencies = s.spec.adjacencies.clone();
        assert_eq!(same, s.spec);
        assert_eq!(v.expect, s.expect);
        // The file's comments survive the edit.
        assert!(v.source.text.contains("# expect: pass"));
    }

    #[test]
    fn apply_bfd_keeps_each_side_other_value() {
        let s = load("channel-cut");
        let v = apply(&s, "bfd.interval", "2s").expect("applies");
        let bfd = v.spec.links[0].session.as_ref().and_then(|x| x.bfd).expect("BFD on");
        let was = s.spec.links[0].session.as_ref().and_then(|x| x.bfd).expect("BFD on");
        for side in 0..2 {
            assert_eq!(bfd[side].desired_min_tx, sim_core::SimDuration::from_secs(2));
            assert_eq!(bfd[side].multiplier, was[side].multiplier);
        }
        let v = apply(&s, "bgp.hold", "30s").expect("applies");
        let bgp = v.spec.links[0].session.as_ref().map(|x| x.bgp).expect("a session");
        assert!(bgp.iter().all(|b| b.hold == sim_core::SimDuration::from_secs(30)));
    }

    #[test]
    fn apply_errors_are_the_file_own() {
        let s = load("channel-cut");
        // Out of sim-core's range: the file's error, at the key's line.
        let e = apply(&s, "bgp.hold", "1s").expect_err("hold below 3 s");
        assert!(e.diagnostic().is_some() && e.to_string().contains("at least 3 s"), "{e}");
        let e = apply(&s, "interconnect.nope.delay", "5ms").expect_err("no such interconnect");
        assert!(e.to_string().contains("no [[interconnect]] with id `nope`"), "{e}");
        let e = apply(&s, "random_faults.mtbf", "1h").expect_err("no random process");
        assert!(e.to_string().contains("no [[random_faults]]"), "{e}");
    }

    #[test]
    fn apply_random_fault_rates() {
        let s = load("random-chaos");
        let v = apply(&s, "random_faults.channel-cuts.mtbf", "4h").expect("applies");
        assert_eq!(v.spec.random_faults[0].mtbf, sim_core::SimDuration::from_secs(4 * 3600));
        assert_eq!(v.spec.random_faults[1].mtbf, s.spec.random_faults[1].mtbf);
    }
}
