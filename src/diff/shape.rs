//! The shapes `faultline diff` accepts: the type of every key it reads in a run, check or
//! sweep output. A known key of the wrong type (`"runs": "x"`, `"digest": 5`) is refused with
//! the file and the key's path (exit 3) instead of being read as missing: a hand-edited or
//! truncated file must not diff as "no change". Keys diff does not read are not checked, so
//! outputs of newer faultlines with more keys still compare; a key that is absent reads as
//! absent (older outputs lack some).

use serde_json::Value;

use super::input::Kind;

/// The type of a value at a known key.
#[derive(Clone, Copy, Debug)]
enum Ty {
    Str,
    /// A whole number, 0 or more.
    Count,
    Num,
    Bool,
    OrNull(&'static Ty),
    /// An object: the keys diff reads and their types (others are not checked).
    Obj(&'static [(&'static str, Ty)]),
    List(&'static Ty),
}

const NUM_OR_NULL: Ty = Ty::OrNull(&Ty::Num);

const META: Ty = Ty::Obj(&[("version", Ty::Str), ("commit", Ty::Str), ("model", Ty::OrNull(&Ty::Count))]);

/// An expectation or a gate: `{name, pass, status, measured, limit}`.
const CHECK: Ty = Ty::Obj(&[("name", Ty::Str), ("pass", Ty::Bool), ("status", Ty::Str), ("measured", NUM_OR_NULL), ("limit", NUM_OR_NULL)]);

/// A fault of a run: every key `rows::FAULT` reads, and more.
const FAULT: Ty = Ty::Obj(&[
    ("id", Ty::Str),
    ("detect_s", NUM_OR_NULL),
    ("converge_s", NUM_OR_NULL),
    ("recover_s", NUM_OR_NULL),
    ("blackhole_s", NUM_OR_NULL),
    ("lost_bytes", NUM_OR_NULL),
    ("recovered_by", Ty::OrNull(&Ty::Str)),
    ("effect", Ty::OrNull(&Ty::Obj(&[("flows_disrupted", NUM_OR_NULL)]))),
]);

/// A traffic group of a run: every key `rows::TRAFFIC` reads.
const TRAFFIC: Ty = Ty::Obj(&[
    ("id", Ty::Str),
    ("delivered_bytes", NUM_OR_NULL),
    ("lost_bytes", NUM_OR_NULL),
    ("mean_throughput_bps", NUM_OR_NULL),
    ("min_throughput_bps", NUM_OR_NULL),
    ("stall_count", NUM_OR_NULL),
    ("stall_p50_s", NUM_OR_NULL),
    ("stall_p99_s", NUM_OR_NULL),
    ("stall_max_s", NUM_OR_NULL),
    ("rto_s", NUM_OR_NULL),
    ("rpo_s", NUM_OR_NULL),
    ("rpo_bytes", NUM_OR_NULL),
    ("connections_aborted", NUM_OR_NULL),
    ("connect_failures", NUM_OR_NULL),
]);

const RUN: Ty = Ty::Obj(&[
    ("scenario", Ty::Str),
    ("seed", Ty::Count),
    ("fingerprint", Ty::Str),
    ("verdict", Ty::Str),
    ("faultline", META),
    ("faults", Ty::List(&FAULT)),
    ("traffic", Ty::List(&TRAFFIC)),
    ("expectations", Ty::List(&CHECK)),
]);

const CHECK_OUTPUT: Ty = Ty::Obj(&[
    ("verdict", Ty::Str),
    ("faultline", META),
    (
        "totals",
        Ty::Obj(&[
            ("scenarios", Ty::Count),
            ("passed", Ty::Count),
            ("failed", Ty::Count),
            ("inconclusive", Ty::Count),
            ("invalid", Ty::Count),
            ("skipped_files", Ty::Count),
            ("skipped_dirs", Ty::Count),
        ]),
    ),
    ("scenarios", Ty::List(&RUN)),
    ("invalid", Ty::List(&Ty::Obj(&[("path", Ty::Str), ("error", Ty::Str)]))),
    ("skipped", Ty::List(&Ty::Obj(&[("path", Ty::Str), ("reason", Ty::Str)]))),
]);

const DIST: Ty = Ty::Obj(&[("count", Ty::Count), ("p50", NUM_OR_NULL), ("p99", NUM_OR_NULL), ("max", NUM_OR_NULL)]);

/// The keys of an unvaried sweep and of each point of a varied one.
macro_rules! point_keys {
    ($($extra:expr),* $(,)?) => {
        &[
            ("runs", Ty::Count),
            ("pass", Ty::Count),
            ("fail", Ty::Count),
            ("inconclusive", Ty::Count),
            ("verdict", Ty::Str),
            ("digest", Ty::Str),
            ("detect_s", DIST),
            ("recover_s", DIST),
            ("unrecovered_faults", Ty::Count),
            (
                "failing_seeds",
                Ty::List(&Ty::Obj(&[("seed", Ty::Count), ("verdict", Ty::Str), ("fingerprint", Ty::Str), ("failed", Ty::List(&Ty::Str))])),
            ),
            ("gates", Ty::List(&CHECK)),
            $($extra),*
        ]
    };
}

const POINT: Ty = Ty::Obj(point_keys![("key", Ty::Str), ("value", Ty::Str)]);

const SWEEP: Ty = Ty::Obj(point_keys![
    ("scenario", Ty::Str),
    ("faultline", META),
    ("seeds", Ty::Obj(&[("start", Ty::Count), ("end", Ty::Count)])),
    ("vary", Ty::OrNull(&Ty::Obj(&[("key", Ty::Str), ("values", Ty::List(&Ty::Str))]))),
    ("points", Ty::List(&POINT)),
]);

/// Checks every known key of an output of `kind`; the error names the key's path
/// (`scenarios[1].faults[0].detect_s`) and what was found there.
pub fn check(v: &Value, kind: Kind) -> Result<(), String> {
    let ty = match kind {
        Kind::Run => RUN,
        Kind::Check => CHECK_OUTPUT,
        Kind::Sweep => SWEEP,
    };
    walk(v, ty, "")
}

fn walk(v: &Value, ty: Ty, path: &str) -> Result<(), String> {
    if !is(v, ty) {
        return Err(if path.is_empty() {
            format!("the file holds {}, expected {}", found(v), wanted(ty))
        } else {
            format!("key `{path}` is {}, expected {}", found(v), wanted(ty))
        });
    }
    match (ty, v) {
        (Ty::OrNull(t), x) if !x.is_null() => walk(x, *t, path),
        (Ty::Obj(keys), Value::Object(o)) => {
            keys.iter().filter_map(|(k, t)| o.get(*k).map(|x| (k, t, x))).try_for_each(|(k, t, x)| walk(x, *t, &join(path, k)))
        }
        (Ty::List(t), Value::Array(items)) => items.iter().enumerate().try_for_each(|(i, x)| walk(x, *t, &format!("{path}[{i}]"))),
        _ => Ok(()),
    }
}

/// Whether `v` is of type `ty` at its top level (its contents are `walk`'s).
fn is(v: &Value, ty: Ty) -> bool {
    match ty {
        Ty::Str => v.is_string(),
        Ty::Count => v.as_u64().is_some(),
        Ty::Num => v.as_f64().is_some(),
        Ty::Bool => v.is_boolean(),
        Ty::OrNull(t) => v.is_null() || is(v, *t),
        Ty::Obj(_) => v.is_object(),
        Ty::List(_) => v.is_array(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn wanted(ty: Ty) -> String {
    match ty {
        Ty::Str => "a string".into(),
        Ty::Count => "a whole number (0 or more)".into(),
        Ty::Num => "a number".into(),
        Ty::Bool => "true or false".into(),
        Ty::OrNull(t) => format!("{} or null", wanted(*t)),
        Ty::Obj(_) => "an object".into(),
        Ty::List(_) => "a list".into(),
    }
}

fn found(v: &Value) -> String {
    let mut shown = v.to_string();
    if shown.chars().count() > 40 {
        shown = shown.chars().take(40).collect::<String>() + "…";
    }
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(_) => format!("the number {shown}"),
        Value::String(_) => format!("a string ({shown})"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_known_key_of_the_wrong_type_is_named_with_its_path() {
        let e = check(&json!({"runs": "x", "digest": 5}), Kind::Sweep).expect_err("runs is a string");
        assert_eq!(e, "key `runs` is a string (\"x\"), expected a whole number (0 or more)");
        let e = check(&json!({"runs": 3, "digest": 5}), Kind::Sweep).expect_err("digest is a number");
        assert!(e.contains("`digest` is the number 5, expected a string"), "{e}");
        let run = json!({"fingerprint": "ab", "faults": [{"id": "f", "detect_s": "1s"}]});
        let e = check(&json!({"scenarios": [run]}), Kind::Check).expect_err("detect_s is a string");
        assert!(e.contains("`scenarios[0].faults[0].detect_s` is a string (\"1s\"), expected a number or null"), "{e}");
        let e = check(&json!({"runs": 1, "digest": "d", "points": [{"value": 2}]}), Kind::Sweep).expect_err("value");
        assert!(e.contains("`points[0].value` is the number 2"), "{e}");
        let e = check(&json!({"runs": -1, "digest": "d"}), Kind::Sweep).expect_err("negative count");
        assert!(e.contains("`runs` is the number -1"), "{e}");
    }

    #[test]
    fn null_absent_and_unknown_keys_pass() {
        let run = json!({"fingerprint": "ab", "faults": [{"id": "f", "detect_s": null, "new_key": [1]}], "other": "x"});
        assert_eq!(check(&run, Kind::Run), Ok(()));
        assert_eq!(check(&json!({"runs": 0, "digest": "d", "vary": null}), Kind::Sweep), Ok(()));
    }

    /// Every numeric key `rows` compares is typed here: none reads as silently absent.
    #[test]
    fn every_compared_metric_has_a_type() {
        let keys = |ty: Ty| match ty {
            Ty::Obj(k) => k.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            _ => vec![],
        };
        for (name, metrics, ty) in [("fault", super::super::rows::FAULT, FAULT), ("traffic", super::super::rows::TRAFFIC, TRAFFIC)] {
            for (k, ..) in metrics {
                assert!(keys(ty).contains(k), "{name} key `{k}` has no type");
            }
        }
    }
}
