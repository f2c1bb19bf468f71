//! The `--trace` file's records: each names its kind, its target and (for flows and groups)
//! its traffic group in words, looked up in the model when the record is written. The raw
//! `a`/`b`/`v` fields stay for scripts that read them; the fingerprint is folded from the raw
//! record inside the simulator, so the names change nothing it hashes. Every field is listed
//! in README.md, "Trace records".

use serde_json::{Value, json};
use sim_core::Simulation;
use sim_core::trace::TraceRecord;

pub fn record(sim: &Simulation, r: &TraceRecord) -> Value {
    let n = sim.trace_names(r);
    let mut v = json!({
        "t_s": r.t.as_secs_f64(),
        "t_ns": r.t.as_nanos(),
        "kind": r.kind,
        "target_kind": n.target_kind,
        "target": n.target,
        "group": n.group,
        "site": n.site,
        "detail": n.detail,
        "a": r.a,
        "b": r.b,
        "v": r.v,
        "text": sim.describe(r),
    });
    // Only a `shift` record has routes; the other kinds keep their fields as they were.
    if let (Some(from), Some(to), Some(o)) = (n.from, n.to, v.as_object_mut()) {
        o.insert("from".into(), json!(from));
        o.insert("to".into(), json!(to));
    }
    v
}
