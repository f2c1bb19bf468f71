//! The JSON Schema of the scenario format, generated from the same structs the parser uses
//! (`format`), so it cannot drift. Units are strings with a pattern. The schema describes
//! shape only; cross-references (a fault target that exists) are checked by `compile`.
//!
//! The closed sets (templates, TCP profiles, fidelities, ...) and the bounds are listed here
//! from the constants `compile` matches against, so a value the schema offers is one compile
//! takes. Bounds on unit strings (a positive duration, a percentage below 100 %) are patterns
//! derived from the unit's own pattern. The schema rejects nothing `validate` accepts: the
//! library test runs a real validator over every library file.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Value, json};

use crate::units::{Bandwidth, Bytes, Dur};

/// The JSON Schema (draft 2020-12) of a scenario file.
pub fn schema() -> serde_json::Value {
    let s = schemars::schema_for!(crate::format::File);
    let mut v = s.to_value();
    integer_bounds(&mut v);
    v
}

/// schemars writes an unsigned integer as `"format": "uint32"` with `"minimum": 0`; most
/// validators ignore `format`, so the type's upper bound (what the TOML reader refuses
/// above) is added as a `maximum` wherever no tighter one is set.
fn integer_bounds(v: &mut Value) {
    match v {
        Value::Object(m) => {
            let max = match m.get("format").and_then(Value::as_str) {
                Some("uint8") => Some(u64::from(u8::MAX)),
                Some("uint16") => Some(u64::from(u16::MAX)),
                Some("uint32") => Some(u64::from(u32::MAX)),
                Some("uint64") => Some(u64::MAX),
                _ => None,
            };
            if let Some(max) = max {
                m.entry("maximum").or_insert(json!(max));
            }
            m.values_mut().for_each(integer_bounds);
        }
        Value::Array(a) => a.iter_mut().for_each(integer_bounds),
        _ => {}
    }
}

fn string_enum<'a>(names: impl IntoIterator<Item = &'a str>) -> Schema {
    let names: Vec<&str> = names.into_iter().collect();
    json_schema!({ "type": "string", "enum": names })
}

pub(crate) fn template(_: &mut SchemaGenerator) -> Schema {
    string_enum(crate::templates::names())
}

pub(crate) fn fidelity(_: &mut SchemaGenerator) -> Schema {
    string_enum(crate::compile::FIDELITIES.iter().map(|(n, _)| *n))
}

pub(crate) fn congestion_control(_: &mut SchemaGenerator) -> Schema {
    string_enum(crate::compile::CONGESTION_CONTROLS.iter().map(|(n, _)| *n))
}

pub(crate) fn direction(_: &mut SchemaGenerator) -> Schema {
    string_enum(crate::compile::DIRECTIONS.iter().map(|(n, _)| *n))
}

pub(crate) fn random_class(_: &mut SchemaGenerator) -> Schema {
    string_enum(crate::compile::RANDOM_CLASSES.iter().copied())
}

pub(crate) fn random_action(_: &mut SchemaGenerator) -> Schema {
    string_enum(crate::compile::RANDOM_ACTIONS.iter().copied())
}

/// A site, `cloud:region`: a cloud `sites::site` accepts and a region without spaces.
pub(crate) fn site(_: &mut SchemaGenerator) -> Schema {
    let pattern = format!("^({}):\\S+$", crate::regions::CLOUDS.join("|"));
    json_schema!({ "type": "string", "pattern": pattern })
}

/// A region key: any name (an unlisted one is a warning, not an error), with the cloud's
/// regions as examples for an editor's completion.
fn region(list: &[&str]) -> Schema {
    json_schema!({ "type": "string", "pattern": "^\\S+$", "examples": list })
}

pub(crate) fn aws_region(_: &mut SchemaGenerator) -> Schema {
    region(crate::regions::AWS)
}

pub(crate) fn gcp_region(_: &mut SchemaGenerator) -> Schema {
    region(crate::regions::GCP)
}

pub(crate) fn azure_region(_: &mut SchemaGenerator) -> Schema {
    region(crate::regions::AZURE)
}

/// The number part every unit pattern in `units` starts with, after `^\+?`.
const NUMBER: &str = "[0-9][0-9_]*(\\.[0-9]+)?";
/// The same number, not zero: a non-zero digit before the point, or after it.
const POSITIVE_NUMBER: &str = "((?:[0-9][0-9_]*)?[1-9][0-9_]*(?:\\.[0-9]+)?|[0-9][0-9_]*\\.[0-9]*[1-9][0-9]*)";

/// `T`'s string pattern with its number made positive.
fn positive<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    let base = T::json_schema(g);
    let pattern = base.get("pattern").and_then(Value::as_str).unwrap_or_default();
    assert!(pattern.contains(NUMBER), "unit pattern {pattern} lacks the number part");
    let pattern = pattern.replacen(NUMBER, POSITIVE_NUMBER, 1);
    json_schema!({ "type": "string", "pattern": pattern })
}

pub(crate) fn positive_duration(g: &mut SchemaGenerator) -> Schema {
    positive::<Dur>(g)
}

pub(crate) fn positive_bandwidth(g: &mut SchemaGenerator) -> Schema {
    positive::<Bandwidth>(g)
}

pub(crate) fn positive_bytes(g: &mut SchemaGenerator) -> Schema {
    positive::<Bytes>(g)
}

/// `syn_schedule`: 1 to `SynSchedule::MAX` positive durations.
pub(crate) fn syn_schedule(g: &mut SchemaGenerator) -> Schema {
    let item = positive_duration(g);
    let max = sim_core::tcp::SynSchedule::MAX;
    json_schema!({ "type": "array", "items": item, "minItems": 1, "maxItems": max })
}

/// A percentage strictly below 100 % (a link's background loss).
const BELOW_100: &str = "^\\+?0*[0-9]?[0-9](\\.[0-9]+)?\\s*%$";
/// Above 0 %: some non-zero digit.
const NOT_ZERO_PERCENT: &str = "[1-9]";

pub(crate) fn percent_below_100(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "pattern": BELOW_100 })
}

/// Strictly between 0 % and 100 % (a flap's duty).
pub(crate) fn percent_open(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "allOf": [ { "pattern": BELOW_100 }, { "pattern": NOT_ZERO_PERCENT } ] })
}

/// Above 0 %, at most 100 % (an alarm's threshold).
pub(crate) fn percent_positive(g: &mut SchemaGenerator) -> Schema {
    let base = g.subschema_for::<crate::units::Percent>();
    json_schema!({ "allOf": [ base, { "type": "string", "pattern": NOT_ZERO_PERCENT } ] })
}

/// `IP:port` as `std::net::SocketAddr` parses it: IPv4 dotted quad or a bracketed IPv6
/// address, then a port.
pub(crate) fn socket_addr(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "pattern": "^([0-9]{1,3}(\\.[0-9]{1,3}){3}|\\[[0-9A-Fa-f:.]+(%[^\\]]+)?\\]):[0-9]{1,5}$"
    })
}

/// `host:port`: a host name or address, then a port.
pub(crate) fn host_port(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "pattern": "^(\\[[^\\]]+\\]|[^\\s:\\[\\]]+):[0-9]{1,5}$" })
}

pub(crate) fn bool_or_bfd(g: &mut SchemaGenerator) -> Schema {
    let table = g.subschema_for::<crate::format::BfdTable>();
    json_schema!({ "anyOf": [ { "type": "boolean" }, table ] })
}

pub(crate) fn bool_or_buckets(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "anyOf": [ { "type": "boolean" }, { "type": "integer", "minimum": 1, "maximum": 4096 } ] })
}

pub(crate) fn string_or_partition(g: &mut SchemaGenerator) -> Schema {
    let table = g.subschema_for::<crate::format::PartitionTable>();
    json_schema!({ "anyOf": [ { "type": "string" }, table ] })
}

pub(crate) fn string_or_drain(g: &mut SchemaGenerator) -> Schema {
    let table = g.subschema_for::<crate::format::DrainTable>();
    json_schema!({ "anyOf": [ { "type": "string" }, table ] })
}

pub(crate) fn duration_or_range(g: &mut SchemaGenerator) -> Schema {
    let d = g.subschema_for::<Dur>();
    let table = g.subschema_for::<crate::format::DelayRange>();
    json_schema!({ "anyOf": [ d, table ] })
}

/// The object's property names, except `not`.
fn keys_except(s: &Schema, not: &[&str]) -> Vec<String> {
    let props = s.get("properties").and_then(Value::as_object);
    props.map(|p| p.keys().filter(|k| !not.contains(&k.as_str())).cloned().collect()).unwrap_or_default()
}

/// `oneOf` over `keys`: exactly one of them is present.
fn exactly_one(keys: &[String]) -> Value {
    let alternatives: Vec<Value> = keys
        .iter()
        .map(|k| {
            let others: Vec<&String> = keys.iter().filter(|o| *o != k).collect();
            json!({ "required": [k], "not": { "anyOf": others.iter().map(|o| json!({ "required": [o] })).collect::<Vec<_>>() } })
        })
        .collect();
    json!({ "oneOf": alternatives })
}

fn push_all_of(s: &mut Schema, rule: Value) {
    let all = s.ensure_object().entry("allOf").or_insert_with(|| json!([]));
    if let Some(a) = all.as_array_mut() {
        a.push(rule);
    }
}

/// The keys of `[[fault]]` that are not its action: every other property is one.
const FAULT_NOT_ACTIONS: &[&str] = &["id", "at", "after", "delay", "for"];

/// `[[fault]]`: exactly one action, exactly one of `at` and `after`, `delay` only with
/// `after` (as `compile::faults` checks them).
pub(crate) fn fault_rules(s: &mut Schema) {
    let actions = keys_except(s, FAULT_NOT_ACTIONS);
    push_all_of(s, exactly_one(&actions));
    push_all_of(s, exactly_one(&["at".into(), "after".into()]));
    s.ensure_object().insert("dependentRequired".into(), json!({ "delay": ["after"] }));
}

/// `[[alarm]]`: exactly one condition (every property but `id`).
pub(crate) fn alarm_rules(s: &mut Schema) {
    let conditions = keys_except(s, &["id"]);
    push_all_of(s, exactly_one(&conditions));
}

/// The keys of `[[runbook]]` that are its trigger; the others but `id` and `delay` are actions.
const RUNBOOK_TRIGGERS: &[&str] = &["on", "at", "after"];

/// `[[runbook]]`: exactly one trigger and exactly one action.
pub(crate) fn runbook_rules(s: &mut Schema) {
    let triggers: Vec<String> = RUNBOOK_TRIGGERS.iter().map(|t| t.to_string()).collect();
    let mut not_actions = vec!["id", "delay"];
    not_actions.extend(RUNBOOK_TRIGGERS);
    let actions = keys_except(s, &not_actions);
    push_all_of(s, exactly_one(&triggers));
    push_all_of(s, exactly_one(&actions));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_the_tables() {
        let s = super::schema().to_string();
        for key in ["interconnect", "traffic", "fault", "runbook", "expect", "detect_within", "pattern"] {
            assert!(s.contains(key), "schema lacks {key}");
        }
    }

    /// Every property of every object in the schema, with its path.
    fn properties(v: &Value, path: &str, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(p)) = m.get("properties") {
                    for (k, pv) in p {
                        out.push((format!("{path}.{k}"), pv.clone()));
                    }
                }
                for (k, x) in m {
                    properties(x, &format!("{path}/{k}"), out);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| properties(x, path, out)),
            _ => {}
        }
    }

    #[test]
    fn every_property_has_a_description() {
        let mut props = Vec::new();
        properties(&schema(), "", &mut props);
        assert!(props.len() > 150, "{} properties", props.len());
        let bare: Vec<&String> = props.iter().filter(|(_, v)| v.get("description").is_none()).map(|(p, _)| p).collect();
        assert!(bare.is_empty(), "properties without a description: {bare:?}");
    }

    #[test]
    fn every_object_denies_unknown_keys() {
        let s = schema();
        for (name, def) in s["$defs"].as_object().into_iter().flatten() {
            if def.get("properties").is_some() {
                assert_eq!(def["additionalProperties"], json!(false), "{name}");
            }
        }
        assert_eq!(s["additionalProperties"], json!(false));
    }

    #[test]
    fn closed_sets_are_enums_from_compile() {
        let s = schema();
        let d = &s["$defs"];
        assert_eq!(d["Traffic"]["properties"]["fidelity"]["enum"], json!(["fluid", "packet"]));
        assert_eq!(d["Traffic"]["properties"]["cc"]["enum"], json!(["cubic", "reno"]));
        assert_eq!(d["PartitionTable"]["properties"]["direction"]["enum"], json!(["a-to-b", "b-to-a", "both"]));
        assert_eq!(d["RandomFaults"]["properties"]["class"]["enum"], json!(["channel", "router", "facility"]));
        let templates: Vec<&str> = crate::templates::names().collect();
        assert_eq!(d["Interconnect"]["properties"]["template"]["enum"], json!(templates));
        assert!(d["Traffic"]["properties"]["tcp"]["enum"].as_array().is_some_and(|a| a.len() >= 5));
    }

    #[test]
    fn positive_patterns_reject_zero_and_keep_units() {
        let mut g = SchemaGenerator::default();
        let p = positive_duration(&mut g);
        let re = p.get("pattern").and_then(Value::as_str).unwrap_or_default().to_string();
        // No regex crate here: check the derived pattern's shape instead.
        assert!(re.starts_with("^\\+?((?:") && re.contains("(ns|us|µs|ms|s|sec|m|min|h|d)$"), "{re}");
    }
}
