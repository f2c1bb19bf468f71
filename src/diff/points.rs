//! Pairing the points of two `sweep --vary` outputs. Points pair by value (the text of the
//! value as `--vary` wrote it: `0.5s` and `500ms` are different points). Two sweeps compare
//! only if both vary the same key or neither varies any: a varied sweep against an unvaried
//! one, or two varying different keys, have no point in common and are refused (exit 3).
//! With the same key, the values both sweeps ran are compared; a value only OLD ran is a
//! regression (that point is no longer swept), one only NEW ran is reported; two sweeps with
//! no value in common are refused.

use serde_json::Value;

use super::input::Input;
use super::rows::{Better, Row, Unit, Val};

/// One side's `--vary`: the key and each point's value and object, in the sweep's order.
struct Varied<'a> {
    key: &'a str,
    points: Vec<(&'a str, &'a Value)>,
}

/// How two sweeps pair.
pub enum Pairing<'a> {
    /// Neither is varied: the two top-level objects compare.
    Plain,
    Points {
        key: &'a str,
        /// `(value, old point, new point)` for each value both ran, in OLD's order.
        common: Vec<(&'a str, &'a Value, &'a Value)>,
        only_old: Vec<&'a str>,
        only_new: Vec<&'a str>,
    },
}

impl Pairing<'_> {
    /// A row per value one side only ran: gone is worse, added is a change.
    pub fn presence_rows(&self) -> Vec<Row> {
        let Pairing::Points { key, only_old, only_new, .. } = self else { return vec![] };
        let row = |v: &str, old: Val, new: Val| Row {
            scope: format!("point {key}={v}"),
            metric: "swept".into(),
            old,
            new,
            unit: Unit::Label,
            better: Better::Lower,
        };
        let gone = only_old.iter().map(|v| row(v, Val::Label(0, "swept".into()), Val::Label(1, "missing".into())));
        let added = only_new.iter().map(|v| row(v, Val::Absent, Val::Label(0, "swept".into())));
        gone.chain(added).collect()
    }
}

/// The points of `i`, or `None` for an unvaried sweep; an error for a varied one that does
/// not say its key or repeats a value.
fn varied(i: &Input) -> Result<Option<Varied<'_>>, String> {
    let file = i.path.display();
    let Some(points) = i.value.get("points").and_then(Value::as_array) else {
        if i.value.get("vary").is_some_and(|v| !v.is_null()) {
            return Err(format!("{file} has a `vary` key but no `points`: it is not a whole `sweep --vary --json` output"));
        }
        return Ok(None);
    };
    let key = i.value.get("vary").and_then(|v| v.get("key")).and_then(Value::as_str);
    let Some(key) = key else {
        return Err(format!("{file} has `points` but no `vary.key`: it is not a whole `sweep --vary --json` output"));
    };
    let mut out: Vec<(&str, &Value)> = Vec::new();
    for (n, p) in points.iter().enumerate() {
        let Some(value) = p.get("value").and_then(Value::as_str) else {
            return Err(format!("{file}: `points[{n}]` has no `value`, so it cannot be matched with a point of the other sweep"));
        };
        if out.iter().any(|(v, _)| *v == value) {
            return Err(format!("{file}: `points[{n}]` repeats the value {key}={value}"));
        }
        out.push((value, p));
    }
    Ok(Some(Varied { key, points: out }))
}

/// Pairs the points of two sweeps, or says why they cannot be compared (naming both files).
pub fn pair<'a>(old: &'a Input, new: &'a Input) -> Result<Pairing<'a>, String> {
    let (fo, fn_) = (old.path.display(), new.path.display());
    let values = |v: &Varied| v.points.iter().map(|(x, _)| *x).collect::<Vec<_>>().join(", ");
    match (varied(old)?, varied(new)?) {
        (None, None) => Ok(Pairing::Plain),
        (Some(a), None) => Err(format!(
            "cannot compare {fo} (a sweep with --vary {}: {}) with {fn_} (a sweep without --vary): a varied sweep compares only with one that varies the same key",
            a.key,
            values(&a)
        )),
        (None, Some(b)) => Err(format!(
            "cannot compare {fo} (a sweep without --vary) with {fn_} (a sweep with --vary {}: {}): a varied sweep compares only with one that varies the same key",
            b.key,
            values(&b)
        )),
        (Some(a), Some(b)) if a.key != b.key => Err(format!(
            "cannot compare {fo} (--vary {}) with {fn_} (--vary {}): they vary different keys, so no point of one is a point of the other",
            a.key, b.key
        )),
        (Some(a), Some(b)) => {
            let common: Vec<(&str, &Value, &Value)> =
                a.points.iter().filter_map(|(v, p)| b.points.iter().find(|(w, _)| w == v).map(|(_, q)| (*v, *p, *q))).collect();
            if common.is_empty() {
                return Err(format!(
                    "cannot compare {fo} with {fn_}: both vary {} but over values with none in common ({} in old; {} in new)",
                    a.key,
                    values(&a),
                    values(&b)
                ));
            }
            let only = |x: &Varied<'a>, y: &Varied<'a>| -> Vec<&'a str> {
                x.points.iter().map(|(v, _)| *v).filter(|v| !y.points.iter().any(|(w, _)| w == v)).collect()
            };
            Ok(Pairing::Points { key: a.key, only_old: only(&a, &b), only_new: only(&b, &a), common })
        }
    }
}
