//! The values of `--vary`: durations, bandwidths, byte counts, percentages and whole
//! numbers, read exactly (the scenario units' parsers), spaced in integers of the model's
//! resolution (1 ns, 1 bps, 1 B, 1 ppm, 1) and printed back in the first value's unit,
//! so `0.5s..3s:6` is `0.5s, 1s, 1.5s, 2s, 2.5s, 3s` and never `1.4999999s`.

use scenarios::units::{parse_bandwidth, parse_bytes, parse_duration, parse_percent};

/// What a key takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Duration,
    Bandwidth,
    Bytes,
    Percent,
    Integer,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Duration => "a duration",
            Kind::Bandwidth => "a bandwidth",
            Kind::Bytes => "a byte count",
            Kind::Percent => "a percentage",
            Kind::Integer => "a whole number",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Kind::Duration => "0.5s..3s:6",
            Kind::Bandwidth => "1Gbps..10Gbps:4",
            Kind::Bytes => "64KiB..1MiB:4",
            Kind::Percent => "0%..2%:5",
            Kind::Integer => "2..5:4",
        }
    }

    /// The units of this kind, as `(name, size in base units)`, largest first; the decimal
    /// ones are where a value that is not exact in its own unit is printed instead.
    fn units(self) -> &'static [(&'static str, u128)] {
        match self {
            Kind::Duration => &[
                ("d", 86_400_000_000_000),
                ("h", 3_600_000_000_000),
                ("min", 60_000_000_000),
                ("m", 60_000_000_000),
                ("s", 1_000_000_000),
                ("sec", 1_000_000_000),
                ("ms", 1_000_000),
                ("us", 1_000),
                ("µs", 1_000),
                ("ns", 1),
            ],
            Kind::Bandwidth => &[("Tbps", 1_000_000_000_000), ("Gbps", 1_000_000_000), ("Mbps", 1_000_000), ("kbps", 1_000), ("bps", 1)],
            Kind::Bytes => &[
                ("TiB", 1 << 40),
                ("TB", 1_000_000_000_000),
                ("GiB", 1 << 30),
                ("GB", 1_000_000_000),
                ("MiB", 1 << 20),
                ("MB", 1_000_000),
                ("KiB", 1 << 10),
                ("kB", 1_000),
                ("KB", 1_000),
                ("B", 1),
            ],
            Kind::Percent => &[("%", 10_000)],
            Kind::Integer => &[("", 1)],
        }
    }

    /// Where a value that its own unit cannot print exactly falls back to.
    fn decimal_units(self) -> &'static [(&'static str, u128)] {
        match self {
            Kind::Duration => &[("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000), ("ns", 1)],
            Kind::Bandwidth => &[("Gbps", 1_000_000_000), ("Mbps", 1_000_000), ("kbps", 1_000), ("bps", 1)],
            Kind::Bytes => &[("MB", 1_000_000), ("kB", 1_000), ("B", 1)],
            Kind::Percent => &[("%", 10_000)],
            Kind::Integer => &[("", 1)],
        }
    }
}

/// A value in base units and the unit it was written in (its size in base units).
#[derive(Clone, Copy, Debug)]
struct Value {
    base: u128,
    unit: (&'static str, u128),
}

/// Reads one value of `kind`, with the scenario format's own parser and message.
fn read(kind: Kind, text: &str) -> Result<Value, String> {
    let t = text.trim();
    let base: u128 = match kind {
        Kind::Duration => parse_duration(t).map(|d| u128::from(d.as_nanos()))?,
        Kind::Bandwidth => parse_bandwidth(t).map(u128::from)?,
        Kind::Bytes => parse_bytes(t).map(u128::from)?,
        Kind::Percent => parse_percent(t).map(u128::from)?,
        Kind::Integer => t.replace('_', "").parse::<u64>().map(u128::from).map_err(|_| format!("`{t}` is not a whole number"))?,
    };
    let written = t.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '_' || c == '+').trim();
    // Bandwidth prefixes are case-insensitive and `bit/s` is `bps`; other units are exact.
    let same = |u: &str| match kind {
        Kind::Bandwidth => u.eq_ignore_ascii_case(&written.to_ascii_lowercase().replace("bit/s", "bps")),
        _ => u == written,
    };
    let smallest = kind.units()[kind.units().len() - 1];
    let unit = kind.units().iter().copied().find(|(u, _)| same(u)).unwrap_or(smallest);
    Ok(Value { base, unit })
}

/// `v` base units in `unit`, if that is exact with at most 9 decimals.
fn exact(v: u128, (name, size): (&str, u128)) -> Option<String> {
    let int = v / size;
    let rem = v % size;
    if rem == 0 {
        return Some(format!("{int}{name}"));
    }
    let mut frac = String::new();
    let mut r = rem;
    for _ in 0..9 {
        r *= 10;
        frac.push(char::from(b'0' + (r / size) as u8));
        r %= size;
        if r == 0 {
            return Some(format!("{int}.{frac}{name}"));
        }
    }
    None
}

/// `v` printed in `unit` when exact, else in the largest decimal unit that is.
fn print(kind: Kind, v: u128, unit: (&'static str, u128)) -> String {
    exact(v, unit)
        .or_else(|| kind.decimal_units().iter().find_map(|&u| exact(v, u)))
        .unwrap_or_else(|| format!("{v}{}", kind.decimal_units()[kind.decimal_units().len() - 1].0))
}

/// `A..B:N`: N evenly spaced values from A to B, both included, printed in A's unit.
pub fn range(kind: Kind, spec: &str) -> Result<Vec<String>, String> {
    let bad = || format!("`{spec}`: expected A..B:N (N values from A to B, e.g. `{}`) or a list `v1,v2,v3`", kind.example());
    let (ab, n) = spec.rsplit_once(':').ok_or_else(bad)?;
    let (a, b) = ab.split_once("..").ok_or_else(bad)?;
    let n: u128 = n.trim().parse().map_err(|_| format!("`{spec}`: N (`{}`) is not a whole number", n.trim()))?;
    if !(2..=1000).contains(&n) {
        return Err(format!("`{spec}`: N must be between 2 and 1000, not {n}"));
    }
    let (a, b) = (read(kind, a)?, read(kind, b)?);
    if a.base == b.base {
        return Err(format!("`{spec}`: the two ends are equal"));
    }
    let steps = n - 1;
    let mut out: Vec<String> = Vec::new();
    for i in 0..n {
        // a + (b - a)·i/steps, rounded to the nearest base unit, in integers.
        let v = if b.base >= a.base {
            a.base + ((b.base - a.base) * i * 2 + steps) / (steps * 2)
        } else {
            a.base - ((a.base - b.base) * i * 2 + steps) / (steps * 2)
        };
        if kind == Kind::Integer && ((b.base.abs_diff(a.base)) * i) % steps != 0 {
            return Err(format!(
                "`{spec}`: the values are not whole numbers (a step of {}/{steps}); choose N so that the step is whole",
                b.base.abs_diff(a.base)
            ));
        }
        let s = print(kind, v, a.unit);
        if out.last() == Some(&s) {
            return Err(format!("`{spec}`: {n} values repeat at the model's resolution; use fewer"));
        }
        out.push(s);
    }
    Ok(out)
}

/// `v1,v2,v3`: each checked as `kind`, printed as written.
pub fn list(kind: Kind, spec: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for v in spec.split(',') {
        let v = v.trim();
        if v.is_empty() {
            return Err(format!("`{spec}`: an empty value in the list"));
        }
        read(kind, v)?;
        out.push(v.to_string());
    }
    Ok(out)
}

/// Whether `text` is a value of `kind`, with the parser's message if not.
pub fn check(kind: Kind, text: &str) -> Result<(), String> {
    read(kind, text).map(|_| ()).map_err(|e| format!("{e} (this key takes {})", kind.name()))
}

/// A duration in nanoseconds, exactly, in the largest decimal unit that holds it.
pub fn duration(ns: u64) -> String {
    print(Kind::Duration, u128::from(ns), ("s", 1_000_000_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_spaced_in_the_first_value_unit() {
        assert_eq!(range(Kind::Duration, "0.5s..3s:6"), Ok(["0.5s", "1s", "1.5s", "2s", "2.5s", "3s"].map(String::from).to_vec()));
        assert_eq!(range(Kind::Duration, "100ms..1s:4"), Ok(["100ms", "400ms", "700ms", "1000ms"].map(String::from).to_vec()));
        // Thirds of a second are not exact in seconds: printed in the unit that is.
        assert_eq!(range(Kind::Duration, "0s..1s:4"), Ok(["0s", "0.333333333s", "0.666666667s", "1s"].map(String::from).to_vec()));
        assert_eq!(range(Kind::Duration, "1m..2m:3"), Ok(["1m", "1.5m", "2m"].map(String::from).to_vec()));
        assert_eq!(range(Kind::Duration, "1m..2m:4"), Ok(["1m", "80s", "100s", "2m"].map(String::from).to_vec()));
        assert_eq!(range(Kind::Duration, "3s..1s:3"), Ok(["3s", "2s", "1s"].map(String::from).to_vec()));
    }

    #[test]
    fn other_units() {
        assert_eq!(range(Kind::Percent, "0%..1%:5"), Ok(["0%", "0.25%", "0.5%", "0.75%", "1%"].map(String::from).to_vec()));
        assert_eq!(range(Kind::Bandwidth, "1Gbps..2.5Gbps:4"), Ok(["1Gbps", "1.5Gbps", "2Gbps", "2.5Gbps"].map(String::from).to_vec()));
        assert_eq!(range(Kind::Bytes, "64KiB..256KiB:4"), Ok(["64KiB", "128KiB", "192KiB", "256KiB"].map(String::from).to_vec()));
        assert_eq!(range(Kind::Integer, "2..5:4"), Ok(["2", "3", "4", "5"].map(String::from).to_vec()));
        assert!(range(Kind::Integer, "2..5:3").is_err_and(|e| e.contains("whole")));
    }

    #[test]
    fn bad_ranges() {
        assert!(range(Kind::Duration, "1s..3s").is_err_and(|e| e.contains("A..B:N")));
        assert!(range(Kind::Duration, "1s..3s:1").is_err_and(|e| e.contains("between 2 and 1000")));
        assert!(range(Kind::Duration, "1s..1s:3").is_err_and(|e| e.contains("equal")));
        assert!(range(Kind::Duration, "1..3:3").is_err_and(|e| e.contains("no unit")));
        assert!(range(Kind::Duration, "1ns..2ns:5").is_err_and(|e| e.contains("repeat")));
        assert!(range(Kind::Percent, "1%..120%:3").is_err_and(|e| e.contains("above 100%")));
    }

    #[test]
    fn lists_keep_what_was_written() {
        assert_eq!(list(Kind::Duration, "300ms, 1s,2.5s"), Ok(["300ms", "1s", "2.5s"].map(String::from).to_vec()));
        assert!(list(Kind::Duration, "300ms,,1s").is_err());
        assert!(list(Kind::Integer, "3,x").is_err());
    }

    #[test]
    fn exact_durations() {
        assert_eq!(duration(300_000_000), "0.3s");
        assert_eq!(duration(362_625_094_123), "362.625094123s");
        assert_eq!(duration(0), "0s");
    }
}
