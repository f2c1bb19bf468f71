//! What `faultline live` needs from a scenario file: its `[[proxy]]` tables, faults written
//! by an API client in the scenario's own vocabulary, and the replayable export of a live
//! session (the original text with the injected faults appended as `[[fault]]` tables).
//!
//! A client's fault is compiled by the same code as the file's own `[[fault]]` tables
//! (`compile::compile_with_fault`), so its checks, units and messages are the file's. The
//! export edits the original text at the spans the parser reports, so comments, layout and
//! every other key stay as written.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::ops::Range;

use serde::Deserialize;
use serde::de::IgnoredAny;
use sim_core::show::count;
use sim_core::spec::FaultAction;
use sim_core::{SimDuration, SimTime};

use crate::format::Sp;
use crate::{Diagnostic, Scenario};

/// A `[[proxy]]` table: real TCP connections accepted on `listen` become flows of the
/// traffic group `traffic` and are forwarded to `upstream`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Proxy {
    /// `name`, or the traffic id when the table names none (Toxiproxy clients address
    /// proxies by name).
    pub name: String,
    /// The traffic group's id.
    pub traffic: String,
    /// The traffic group's index in the model.
    pub group: usize,
    pub listen: SocketAddr,
    /// `host:port`, resolved when a connection is made.
    pub upstream: String,
}

/// A fault an API client asked for, compiled and ready for `Simulation::inject`.
#[derive(Clone, Debug, PartialEq)]
pub struct InjectFault {
    pub id: String,
    /// The element the action applies to, by id.
    pub target: String,
    pub action: FaultAction,
    /// `for`, if the client gave one.
    pub duration: Option<SimDuration>,
    /// The request as a `[[fault]]` table (header, `id`, the action, `for`), without `at`:
    /// what [`export_with_faults`] writes, with the time it was injected.
    pub table: String,
}

/// Keys of a `[[fault]]` table that an injected fault cannot have, and why.
const REFUSED: &[(&str, &str)] = &[
    ("at", "an injected fault starts now, when it is injected (the export records the time)"),
    ("after", "an injected fault starts now, not after another fault"),
    ("delay", "an injected fault starts now; `delay` goes with `after`"),
    (
        "flap",
        "an injected fault starts now and lasts until its `for` runs out or it is repaired, and a flap keeps a schedule of its own; inject a `cut` and repair it, or script the flap in the file",
    ),
];

/// Keys a client may expect from other tools, and what the format calls them.
const RENAMED: &[(&str, &str)] = &[
    ("duration", "a fault's length is `for`, e.g. \"for\": \"30s\""),
    ("target", "the action key names the target, e.g. \"cut\": \"ash/ch2\" or \"degrade\": {\"target\": \"ash/ch2\", \"loss\": \"2%\"}"),
    ("action", "the action is a key whose value is the target, e.g. \"cut\": \"ash/ch2\" or \"blackhole\": \"ash/ch1\""),
];

const EXAMPLE: &str = "{\"id\": \"cut-1\", \"cut\": \"ash/ch2\", \"for\": \"30s\"}";

/// Compiles a fault an API client sent as JSON, with exactly the keys of a `[[fault]]` table
/// (`id`, `for`, and one action: `cut`, `blackhole`, `degrade = {target, loss, ...}`,
/// `partition`, `router_down`, `facility_down`, `site_down`, `region_down`,
/// `endpoint_down`, `bgp_reset`, `bfd_disable`, `drain`), against the scenario `s`.
///
/// `id` is required and must not name anything the scenario already names. `at`, `after`,
/// `delay` and `flap` are refused: an injected fault starts when it is injected. The error
/// names the key and the value, in the words `faultline validate` would use for the file.
pub fn fault_request(s: &Scenario, req: &serde_json::Value) -> Result<InjectFault, String> {
    let Some(obj) = req.as_object() else {
        return Err(format!("a fault is a JSON object with the keys of a [[fault]] table, e.g. {EXAMPLE}; got {req}"));
    };
    for key in obj.keys() {
        if let Some((_, why)) = REFUSED.iter().find(|(k, _)| k == key) {
            return Err(format!("`{key}` = {} cannot be injected: {why}", obj[key]));
        }
        if let Some((_, hint)) = RENAMED.iter().find(|(k, _)| k == key) {
            return Err(format!("unknown key `{key}` in a fault: {hint}"));
        }
    }
    match obj.get("id") {
        None => return Err(format!("a fault needs an `id`, e.g. {EXAMPLE}")),
        Some(serde_json::Value::String(id)) if id.contains('#') => {
            return Err(format!("`id` = \"{id}\": `#` is reserved for the faults of [[random_faults]] (`r1#1`)"));
        }
        Some(_) => {}
    }
    let mut table = toml::Table::new();
    for (k, v) in obj {
        table.insert(k.clone(), to_toml(k, v)?);
    }
    let text = fault_table(&table, false);
    let with_at = format!("{text}at = \"0ns\"\n");
    let compiled = crate::compile::compile_with_fault(&s.source, &with_at).map_err(|d| request_error(s, &d))?;
    let id = table.get("id").and_then(toml::Value::as_str).unwrap_or_default();
    match compiled.spec.faults.last() {
        Some(f) if f.id == id => {
            Ok(InjectFault { id: f.id.clone(), target: f.target.clone(), action: f.action, duration: f.duration, table: text })
        }
        _ => Err(format!("the fault `{id}` did not compile to a fault")),
    }
}

/// A JSON value as the TOML value a file would write; `path` names it in errors.
fn to_toml(path: &str, v: &serde_json::Value) -> Result<toml::Value, String> {
    use serde_json::Value as J;
    Ok(match v {
        J::Null => return Err(format!("`{path}` is null: leave the key out instead")),
        J::Bool(b) => toml::Value::Boolean(*b),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => toml::Value::Integer(i),
            (None, _) if n.is_u64() => return Err(format!("`{path}` = {n} is too large")),
            (None, Some(f)) => toml::Value::Float(f),
            (None, None) => return Err(format!("`{path}` = {n} is not a number TOML can hold")),
        },
        J::String(s) => toml::Value::String(s.clone()),
        J::Array(a) => {
            toml::Value::Array(a.iter().enumerate().map(|(i, x)| to_toml(&format!("{path}[{i}]"), x)).collect::<Result<_, _>>()?)
        }
        J::Object(o) => {
            let mut t = toml::Table::new();
            for (k, x) in o {
                t.insert(k.clone(), to_toml(&format!("{path}.{k}"), x)?);
            }
            toml::Value::Table(t)
        }
    })
}

/// A diagnostic on a request as one line: the offending `key = value`, the message, the
/// label and the help. A problem found in the file itself (an id the fault collides with)
/// names the file's line instead.
fn request_error(s: &Scenario, d: &Diagnostic) -> String {
    let file_lines = s.source.text.split('\n').count();
    let mut m = String::new();
    let line = d.source_line.trim();
    if d.line <= file_lines {
        let _ = write!(m, "{} (at {}:{}: `{line}`)", d.message, s.source.display_name(), d.line);
    } else if line.is_empty() || line.starts_with('[') {
        m.push_str(&d.message);
    } else {
        let _ = write!(m, "`{line}`: {}", d.message);
    }
    if let Some(l) = &d.label {
        let _ = write!(m, " ({l})");
    }
    if let Some(h) = &d.help {
        let _ = write!(m, "; {h}");
    }
    m
}

/// The `[[fault]]` table (`inline`: the `{ ... }` inline table) of `t`'s keys: `id` and
/// `at` first, `for` last, the others in between in the table's order.
fn fault_table(t: &toml::Table, inline: bool) -> String {
    let rank = |k: &str| match k {
        "id" => 0,
        "at" => 1,
        "for" => 3,
        _ => 2,
    };
    let mut keys: Vec<&String> = t.keys().collect();
    keys.sort_by_key(|k| rank(k));
    let pairs = keys.iter().map(|k| format!("{} = {}", key(k), value(&t[k.as_str()])));
    if inline {
        format!("{{ {} }}", pairs.collect::<Vec<_>>().join(", "))
    } else {
        let mut out = String::from("[[fault]]\n");
        for p in pairs {
            out.push_str(&p);
            out.push('\n');
        }
        out
    }
}

/// A key, bare when TOML allows it.
fn key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') { k.to_string() } else { quote(k) }
}

/// A value on one line (tables inline).
fn value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => quote(s),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => format!("{f:?}"),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Array(a) => format!("[{}]", a.iter().map(value).collect::<Vec<_>>().join(", ")),
        toml::Value::Table(t) if t.is_empty() => "{}".to_string(),
        toml::Value::Table(t) => {
            // `target` first, as the README writes `degrade = { target, loss, ... }`.
            let mut keys: Vec<&String> = t.keys().collect();
            keys.sort_by_key(|k| *k != "target");
            format!("{{ {} }}", keys.iter().map(|k| format!("{} = {}", key(k), value(&t[k.as_str()]))).collect::<Vec<_>>().join(", "))
        }
    }
}

/// A one-line TOML basic string (TOML 1.0 "Basic strings"): `"` and `\` escaped, control
/// characters as `\n`-style or `\uXXXX` escapes, so no text can end the string or the line.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Where the export edits the file: its `[scenario]` table (and `seed` in it) and its
/// `fault` array.
#[derive(Deserialize)]
struct Outline {
    scenario: Sp<ScenarioOutline>,
    fault: Option<Sp<Vec<Sp<IgnoredAny>>>>,
}

#[derive(Deserialize)]
struct ScenarioOutline {
    seed: Option<Sp<IgnoredAny>>,
}

/// The scenario's text with `seed` set to `seed` and each injected fault appended as a
/// `[[fault]]` table, so that `faultline run` of the result reproduces a live session
/// (fingerprint included) when the faults were injected by `Simulation::inject` at their
/// times. Each fault is `(injected at, repaired at, InjectFault::table)`.
///
/// The fault's `at` is written exactly (`"12345ms"`, or in nanoseconds off the millisecond).
/// A fault repaired at `r` lasts `r - at`, or its own `for` if that ran out first; one
/// repaired at the instant it was injected is written with the shortest `for` the format
/// has, 1 ns (a comment says so). A fault injected at or after the end of the run is left
/// out, with a comment, since no file can start one there. When the file writes its faults
/// as an inline array (`fault = [...]`), the new ones join that array. With faults, the
/// header's documented verdict (`# expect: pass`) is reworded, since it no longer applies.
pub fn export_with_faults(s: &Scenario, seed: u64, faults: &[(SimTime, Option<SimTime>, String)]) -> String {
    let text = &s.source.text;
    let Ok(outline) = toml::from_str::<Outline>(text) else {
        // Cannot happen for a compiled scenario; keep the text rather than write a broken one.
        return text.clone();
    };
    let mut edits: Vec<(Range<usize>, String)> = vec![seed_edit(text, &outline, seed)];
    let mut notes = Vec::new();
    let mut tables = Vec::new();
    let inline_array = outline.fault.as_ref().filter(|f| !text[f.span.clone()].starts_with("[["));
    for (at, repaired, table) in faults {
        match replay_table(s, *at, *repaired, table, inline_array.is_some()) {
            Ok((t, note)) => {
                tables.push(t);
                notes.extend(note);
            }
            Err(note) => notes.push(note),
        }
    }
    let mut tail = String::new();
    if !faults.is_empty() {
        let _ = writeln!(
            tail,
            "\n# Exported by `faultline live` at seed {seed}, with {} injected through its API.",
            count(faults.len(), "fault", "faults")
        );
        for n in &notes {
            let _ = writeln!(tail, "# {n}");
        }
    }
    match inline_array {
        Some(arr) if !tables.is_empty() => {
            let (at, sep) = match arr.value.last() {
                Some(last) => (last.span.end, ", "),
                None => (arr.span.start + 1, ""),
            };
            edits.push((at..at, format!("{sep}{}", tables.join(", "))));
        }
        _ => {
            for t in &tables {
                tail.push('\n');
                tail.push_str(t);
            }
        }
    }
    let mut out = text.clone();
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    for (r, with) in edits {
        out.replace_range(r, &with);
    }
    if !faults.is_empty() {
        out = without_documented_verdict(&out);
    }
    if !tail.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&tail);
    out
}

/// The edit that sets the `[scenario]` table's seed: its value replaced, or a `seed` key
/// added to the table however it is written (`[scenario]`, inline, dotted keys).
fn seed_edit(text: &str, o: &Outline, seed: u64) -> (Range<usize>, String) {
    if let Some(sp) = &o.scenario.value.seed {
        return (sp.span.clone(), seed.to_string());
    }
    let span = &o.scenario.span;
    let start = span.start.min(text.len());
    if text[start..].starts_with('{') {
        return (start + 1..start + 1, format!(" seed = {seed},"));
    }
    if text[start..].starts_with('[') {
        // The line after the header.
        return match text[start..].find('\n') {
            Some(i) => (start + i + 1..start + i + 1, format!("seed = {seed}\n")),
            None => (text.len()..text.len(), format!("\nseed = {seed}\n")),
        };
    }
    // Dotted keys (`scenario.name = "x"`) at the top level: one more, before the first.
    let line = text[..start].rfind('\n').map_or(0, |i| i + 1);
    (line..line, format!("scenario.seed = {seed}\n"))
}

/// One injected fault as a table at its time (a note to leave in the file with it), or the
/// note that says why it is left out.
fn replay_table(
    s: &Scenario,
    at: SimTime,
    repaired: Option<SimTime>,
    table: &str,
    inline: bool,
) -> Result<(String, Option<String>), String> {
    let parsed = toml::from_str::<toml::Table>(table).ok();
    let fault = parsed
        .as_ref()
        .and_then(|t| t.get("fault"))
        .and_then(toml::Value::as_array)
        .and_then(|a| a.first())
        .and_then(toml::Value::as_table);
    let Some(fault) = fault else {
        return Err(format!("a fault injected at {} is left out: its table did not parse: {}", at, table.replace('\n', " ")));
    };
    let mut t = fault.clone();
    let id = t.get("id").and_then(toml::Value::as_str).unwrap_or("?").to_string();
    if at >= SimTime::ZERO + s.duration {
        return Err(format!("fault `{id}`, injected at {at}, at or after the end of the run ({}), is left out", s.duration));
    }
    t.insert("at".into(), toml::Value::String(exact(SimDuration(at.as_nanos()))));
    let mut note = None;
    if let Some(r) = repaired {
        let own = t.get("for").and_then(toml::Value::as_str).and_then(|d| crate::units::parse_duration(d).ok());
        let mut d = r.saturating_since(at);
        if let Some(own) = own
            && own < d
        {
            d = own;
        }
        if d == SimDuration::ZERO {
            d = SimDuration(1);
            note = Some(format!("fault `{id}` was repaired at the instant it was injected ({at}): written with for = \"1ns\""));
        }
        t.insert("for".into(), toml::Value::String(exact(d)));
    }
    Ok((fault_table(&t, inline), note))
}

/// A duration the units parser reads back exactly: whole milliseconds as `ms`, else `ns`.
fn exact(d: SimDuration) -> String {
    let ns = d.as_nanos();
    if ns.is_multiple_of(1_000_000) { format!("{}ms", ns / 1_000_000) } else { format!("{ns}ns") }
}

/// Rewords `# expect: <verdict>` lines of the leading comment block.
fn without_documented_verdict(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut header = true;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        header &= t.trim().is_empty() || t.starts_with('#');
        match t.trim_start_matches('#').trim().strip_prefix("expect:") {
            Some(verdict) if header => {
                let _ =
                    writeln!(out, "# Before the faults injected through `faultline live`, the documented verdict was {}.", verdict.trim());
            }
            _ => out.push_str(line),
        }
    }
    out
}
