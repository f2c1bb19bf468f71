//! What the importer found, before it is written as TOML: interconnects and VPNs, each key
//! with the note that says where its value came from (the plan, a provider's documented
//! default, or an assumption).

use std::collections::BTreeSet;

/// One `key = value` of a table; `value` is already a TOML literal (see `emit::quote`).
#[derive(Clone, Debug)]
pub struct Line {
    pub key: &'static str,
    pub value: String,
    /// Written as a comment on the line above: the source, or `[ASSUMPTION] …` and why.
    pub note: Option<String>,
}

impl Line {
    pub fn new(key: &'static str, value: String, note: impl Into<Option<String>>) -> Line {
        Line { key, value, note: note.into() }
    }
}

/// An `[[interconnect]]` table and what the default faults and expectations need of it.
#[derive(Clone, Debug)]
pub struct Interconnect {
    pub id: String,
    /// The resource addresses folded into it.
    pub addresses: Vec<String>,
    /// Comment lines above the table.
    pub notes: Vec<String>,
    pub lines: Vec<Line>,
    /// `[interconnect.channel.chN]` bandwidth overrides: (N, bandwidth literal, note).
    pub channel_bandwidth: Vec<(u32, String, String)>,
    /// `cloud:region` of side A and side B.
    pub sites: [String; 2],
    pub channels: u32,
    pub facilities: u32,
    /// Each channel's line rate, bits per second (ch1 first).
    pub channel_bps: Vec<u64>,
    /// How long the slower side takes to notice a silent blackhole: BFD's interval × its
    /// multiplier, or the BGP hold time without BFD (seconds).
    pub blackhole_detect_s: f64,
}

impl Interconnect {
    /// The sum of the channels' line rates.
    pub fn capacity_bps(&self) -> u64 {
        self.channel_bps.iter().sum()
    }

    /// What survives the loss of the largest channel, as ECMP can use it: it splits flows
    /// evenly over the channels left, not by their bandwidth, so they carry at most their
    /// number times the smallest of them (with equal channels, the sum less one).
    pub fn surviving_bps(&self) -> u64 {
        let mut left = self.channel_bps.clone();
        left.sort_unstable();
        left.pop();
        match left.first() {
            Some(min) => min * left.len() as u64,
            // One channel: nothing survives its loss; size against the channel itself.
            None => self.capacity_bps(),
        }
    }

    /// Whether the channels differ in bandwidth.
    pub fn unequal(&self) -> bool {
        self.channel_bps.windows(2).any(|w| w[0] != w[1])
    }
}

/// A `[[vpn]]` table.
#[derive(Clone, Debug)]
pub struct Vpn {
    pub id: String,
    pub notes: Vec<String>,
    pub lines: Vec<Line>,
}

/// Everything the provider readers produced.
#[derive(Default)]
pub struct Found {
    pub interconnects: Vec<Interconnect>,
    pub vpns: Vec<Vpn>,
    /// Addresses the readers used (directly or folded into a table).
    pub used: BTreeSet<String>,
    /// Resources of a modelled type that could still not be modelled: (address, why).
    pub skipped: Vec<(String, String)>,
    /// Lines for the header: what the plan says that the scenario does not model.
    pub remarks: Vec<String>,
    ids: BTreeSet<String>,
}

impl Found {
    /// A scenario id from a resource address, unique among the ids given so far: the part
    /// after the resource type (`module.net.aws_dx_lag.main[0]` -> `net-main-0`), lower case,
    /// with every run of characters other than letters and digits as one `-`. An instance
    /// key is part of its segment, dots and all (`this["eqdc2.b"]` -> `this-eqdc2-b`), so a
    /// `for_each` key is never split into segments of its own. Two addresses that come to the
    /// same id get `-2`, `-3`, … in the order the readers meet them, which is the file's.
    pub fn id_for(&mut self, address: &str) -> String {
        let parts = segments(address);
        // Drop the resource type (the part before the name) and the `module` keywords.
        let mut kept = vec![];
        let n = parts.len();
        for (i, p) in parts.iter().enumerate() {
            if p == "module" || (n >= 2 && i == n - 2) {
                continue;
            }
            kept.push(p.as_str());
        }
        let mut id = String::new();
        for c in kept.join("-").chars() {
            if c.is_ascii_alphanumeric() {
                id.push(c.to_ascii_lowercase());
            } else if !id.ends_with('-') && !id.is_empty() {
                id.push('-');
            }
        }
        let base = id.trim_end_matches('-').to_string();
        let base = if base.is_empty() { "ic".to_string() } else { base };
        let mut id = base.clone();
        let mut k = 2;
        while self.ids.contains(&id) {
            id = format!("{base}-{k}");
            k += 1;
        }
        self.ids.insert(id.clone());
        id
    }
}

/// An address's dot-separated segments, each with its instance key: a dot inside `[…]` or
/// inside a quoted key (`this["eqdc2.b"]`, `[count.index]` in a reference) does not split.
fn segments(address: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let (mut depth, mut quoted, mut escaped) = (0u32, false, false);
    for c in address.chars() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
        } else {
            match c {
                '"' => quoted = true,
                '[' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                '.' if depth == 0 => {
                    out.push(String::new());
                    continue;
                }
                _ => {}
            }
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    out
}

/// A site name for `onprem = "…"` from a provider's location text (`"Washington DC"`,
/// `"EqDC2"`): lower case, runs of other characters as `-`.
pub fn site_name(text: &str) -> String {
    let mut s = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() { "customer-site".to_string() } else { s }
}

/// `10Gbps`-style text for a rate in bits per second, exact (Mbps when not whole Gbps).
pub fn bandwidth_text(bps: u64) -> String {
    if bps.is_multiple_of(1_000_000_000) {
        format!("{}Gbps", bps / 1_000_000_000)
    } else if bps.is_multiple_of(1_000_000) {
        format!("{}Mbps", bps / 1_000_000)
    } else {
        format!("{bps}bps")
    }
}

/// `300ms` or `5s` for a whole number of milliseconds.
pub fn millis_text(ms: u64) -> String {
    if ms.is_multiple_of(1000) { format!("{}s", ms / 1000) } else { format!("{ms}ms") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_addresses_and_stay_unique() {
        let mut f = Found::default();
        assert_eq!(f.id_for("aws_interconnect_connection.to_gcp"), "to-gcp");
        assert_eq!(f.id_for("module.net.aws_dx_lag.main[0]"), "net-main-0");
        assert_eq!(f.id_for("module.net.aws_dx_lag.main[\"a b\"]"), "net-main-a-b");
        assert_eq!(f.id_for("aws_dx_connection.to_gcp"), "to-gcp-2");
        assert_eq!(f.id_for("aws_dx_connection.this[\"eqdc2.b\"]"), "this-eqdc2-b");
        assert_eq!(f.id_for("module.m[\"x.y\"].aws_dx_lag.main[\"a\\\".b\"]"), "m-x-y-main-a-b");
        assert_eq!(f.id_for("aws_dx_connection.this[\"eqdc2-b\"]"), "this-eqdc2-b-2");
    }

    #[test]
    fn texts() {
        assert_eq!(bandwidth_text(10_000_000_000), "10Gbps");
        assert_eq!(bandwidth_text(500_000_000), "500Mbps");
        assert_eq!(millis_text(300), "300ms");
        assert_eq!(millis_text(5000), "5s");
        assert_eq!(site_name("Washington DC"), "washington-dc");
        assert_eq!(site_name("  "), "customer-site");
    }
}
