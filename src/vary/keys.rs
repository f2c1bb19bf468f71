//! The keys `--vary` can set: the scenario format's `[ASSUMPTION]` values (what no provider
//! publishes: convergence, local repair, queues, per-channel bandwidth, failure rates, human
//! delays) and the timers and physical values next to them, each with the table it lives
//! in and the kind of value it takes.
//!
//! A bare key (`convergence`) is an `[[interconnect]]` key applied to every interconnect;
//! `TABLE.KEY` applies to every table of that kind, `TABLE.ID.KEY` to the one with that id
//! (`interconnect.ash.delay`, `random_faults.channel-cuts.mtbf`).

use super::values::Kind;

/// A table kind of the format and the keys of it `--vary` can set.
pub struct Table {
    /// The array's name in the file (`interconnect` for `[[interconnect]]`).
    pub name: &'static str,
    pub keys: &'static [(&'static str, Kind)],
}

pub const INTERCONNECT: Table = Table {
    name: "interconnect",
    keys: &[
        ("convergence", Kind::Duration),
        ("local_repair", Kind::Duration),
        ("delay", Kind::Duration),
        ("queue", Kind::Bytes),
        ("channel_bandwidth", Kind::Bandwidth),
        ("bandwidth", Kind::Bandwidth),
        ("loss", Kind::Percent),
        ("max_paths", Kind::Integer),
        ("resilient_hashing", Kind::Integer),
        ("bfd.interval", Kind::Duration),
        ("bfd.multiplier", Kind::Integer),
        ("bfd_a.interval", Kind::Duration),
        ("bfd_a.multiplier", Kind::Integer),
        ("bfd_b.interval", Kind::Duration),
        ("bfd_b.multiplier", Kind::Integer),
        ("bgp.keepalive", Kind::Duration),
        ("bgp.hold", Kind::Duration),
        ("bgp_a.keepalive", Kind::Duration),
        ("bgp_a.hold", Kind::Duration),
        ("bgp_b.keepalive", Kind::Duration),
        ("bgp_b.hold", Kind::Duration),
    ],
};

pub const TABLES: [Table; 5] = [
    INTERCONNECT,
    Table { name: "vpn", keys: &[("bandwidth", Kind::Bandwidth), ("delay", Kind::Duration), ("queue", Kind::Bytes)] },
    Table { name: "backbone", keys: &[("bandwidth", Kind::Bandwidth), ("rtt", Kind::Duration), ("queue", Kind::Bytes)] },
    Table { name: "random_faults", keys: &[("mtbf", Kind::Duration), ("mttr", Kind::Duration)] },
    Table { name: "runbook", keys: &[("delay", Kind::Duration)] },
];

/// Where a `--vary` key points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub table: &'static str,
    /// One table's id, or every table of the kind.
    pub id: Option<String>,
    /// The key inside the table, possibly dotted (`bfd.interval`).
    pub key: &'static str,
    pub kind: Kind,
}

/// Every key as the user may write it for every table of its kind, for messages.
pub fn all_keys() -> Vec<String> {
    let mut out: Vec<String> = INTERCONNECT.keys.iter().map(|(k, _)| k.to_string()).collect();
    for t in &TABLES[1..] {
        out.extend(t.keys.iter().map(|(k, _)| format!("{}.{k}", t.name)));
    }
    out
}

/// Reads a `--vary` key, or says which keys exist.
pub fn target(key: &str) -> Result<Target, String> {
    let key = key.trim();
    for t in &TABLES {
        let Some(rest) = key.strip_prefix(t.name).and_then(|r| r.strip_prefix('.')) else { continue };
        if let Some(&(k, kind)) = t.keys.iter().find(|(k, _)| *k == rest) {
            return Ok(Target { table: t.name, id: None, key: k, kind });
        }
        // `TABLE.ID.KEY`: the longest key that ends the text (`bfd.interval` before `interval`).
        let mut keys: Vec<&(&str, Kind)> = t.keys.iter().collect();
        keys.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        for &&(k, kind) in &keys {
            if let Some(id) = rest.strip_suffix(k).and_then(|r| r.strip_suffix('.'))
                && !id.is_empty()
            {
                return Ok(Target { table: t.name, id: Some(id.to_string()), key: k, kind });
            }
        }
        return Err(unknown(key, &format!("`{}` has no key `--vary` can set in `{key}`", t.name)));
    }
    if let Some(&(k, kind)) = INTERCONNECT.keys.iter().find(|(k, _)| *k == key) {
        return Ok(Target { table: INTERCONNECT.name, id: None, key: k, kind });
    }
    Err(unknown(key, &format!("unknown key `{key}`")))
}

fn unknown(key: &str, what: &str) -> String {
    let keys = all_keys();
    let suggestion = did_you_mean(key, &keys).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
    format!(
        "--vary: {what}{suggestion}\n  keys (bare keys apply to every [[interconnect]]; TABLE.ID.KEY to one table, e.g. interconnect.ash.delay): {}",
        keys.join(", ")
    )
}

/// The nearest key, by the last dotted part too (`interconnect.ash.convergance`).
fn did_you_mean(key: &str, keys: &[String]) -> Option<String> {
    let best = |k: &str| {
        keys.iter()
            .map(|c| (strsim::jaro_winkler(k, c), c))
            .filter(|(s, _)| *s >= 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, c)| c.clone())
    };
    best(key).or_else(|| key.rsplit_once('.').and_then(|(_, last)| best(last)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_scopes() {
        let t = target("convergence").expect("a key");
        assert_eq!((t.table, t.id.as_deref(), t.key, t.kind), ("interconnect", None, "convergence", Kind::Duration));
        let t = target("interconnect.ash.bfd.interval").expect("a key");
        assert_eq!((t.table, t.id.as_deref(), t.key), ("interconnect", Some("ash"), "bfd.interval"));
        let t = target("interconnect.delay").expect("a key");
        assert_eq!((t.table, t.id), ("interconnect", None));
        let t = target("random_faults.channel-cuts.mtbf").expect("a key");
        assert_eq!((t.table, t.id.as_deref(), t.key), ("random_faults", Some("channel-cuts"), "mtbf"));
        // An id may contain dots.
        let t = target("interconnect.a.b.queue").expect("a key");
        assert_eq!(t.id.as_deref(), Some("a.b"));
    }

    #[test]
    fn unknown_keys_suggest_and_list() {
        let e = target("convergance").expect_err("unknown");
        assert!(e.contains("did you mean `convergence`?"), "{e}");
        assert!(e.contains("local_repair") && e.contains("bgp.hold") && e.contains("random_faults.mtbf"), "{e}");
        let e = target("interconnect.ash.convergance").expect_err("unknown");
        assert!(e.contains("did you mean `convergence`?"), "{e}");
        assert!(target("mtu").is_err());
    }
}
