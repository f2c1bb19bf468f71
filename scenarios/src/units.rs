//! Humane units in scenario files: durations (`"900ms"`, `"2.5s"`, `"5m"`), bandwidth
//! (`"10Gbps"`, `"1.25Gbps"`), byte counts (`"10MB"`, `"1GiB"`) and percentages (`"2%"`).
//!
//! Values are parsed exactly (decimal digits, not floats) into sim-core's integer types:
//! nanoseconds, bits per second, bytes and parts per million. A value that cannot be
//! represented exactly (`"0.5ns"`, `"0.00001%"`) is an error rather than a silent rounding.
//! This module does not decide which values are sensible for a field (zero, upper bounds);
//! `compile` does, because only it knows the field.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use sim_core::SimDuration;

/// Splits `"12.5Gbps"` into an exact decimal and its unit, or explains what is wrong.
fn split(text: &str, what: &str, example: &str) -> Result<(u128, u32, String), String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("{what} cannot be negative (`{text}`)"));
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    let end = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')).unwrap_or(t.len());
    let (num, unit) = t.split_at(end);
    let num = num.replace('_', "");
    if num.is_empty() {
        return Err(format!("`{text}` is not a {what}: write a number and a unit, e.g. `{example}`"));
    }
    let (int, frac) = num.split_once('.').unwrap_or((&num, ""));
    if int.is_empty() || frac.contains('.') || (num.contains('.') && frac.is_empty()) {
        return Err(format!("`{text}` is not a {what}: `{num}` is not a number"));
    }
    if frac.len() > 12 || int.len() > 20 {
        return Err(format!("`{text}` has too many digits"));
    }
    let mut mantissa: u128 = 0;
    for c in int.chars().chain(frac.chars()) {
        mantissa = mantissa * 10 + u128::from(c.to_digit(10).unwrap_or(0));
    }
    let unit = unit.trim();
    if unit.is_empty() {
        return Err(format!("`{text}` has no unit: write e.g. `{example}`"));
    }
    Ok((mantissa, frac.len() as u32, unit.to_string()))
}

/// Multiplies an exact decimal by a unit factor; errors if the result is fractional or huge.
fn scale(text: &str, mantissa: u128, frac_digits: u32, factor: u128, finest: &str) -> Result<u64, String> {
    let div = 10u128.pow(frac_digits);
    let v = mantissa.checked_mul(factor).ok_or_else(|| format!("`{text}` is too large"))?;
    if v % div != 0 {
        return Err(format!("`{text}` is finer than {finest}"));
    }
    u64::try_from(v / div).map_err(|_| format!("`{text}` is too large"))
}

/// Parses a duration: a non-negative decimal and one of `ns`, `us` (`µs`), `ms`, `s`, `m`
/// (`min`), `h`, `d`.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let (m, f, unit) = split(text, "duration", "90s")?;
    let factor: u128 = match unit.as_str() {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "s" | "sec" => 1_000_000_000,
        "m" | "min" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        "d" => 86_400_000_000_000,
        other => return Err(format!("unknown duration unit `{other}` in `{text}`: use ns, us, ms, s, m, h or d")),
    };
    scale(text, m, f, factor, "a nanosecond").map(SimDuration)
}

/// Parses a bit rate: a decimal and `bps`, `kbps`, `Mbps`, `Gbps` or `Tbps` (SI, powers of
/// 1000; the prefix is case-insensitive, `bit/s` is accepted for `bps`).
pub fn parse_bandwidth(text: &str) -> Result<u64, String> {
    let (m, f, unit) = split(text, "bandwidth", "10Gbps")?;
    let lower = unit.to_ascii_lowercase().replace("bit/s", "bps");
    if unit.ends_with("Bps") || unit.ends_with("B/s") {
        return Err(format!("`{text}` looks like bytes per second; write bits per second, e.g. `10Gbps`"));
    }
    let factor: u128 = match lower.as_str() {
        "bps" => 1,
        "kbps" => 1_000,
        "mbps" => 1_000_000,
        "gbps" => 1_000_000_000,
        "tbps" => 1_000_000_000_000,
        other => return Err(format!("unknown bandwidth unit `{other}` in `{text}`: use bps, kbps, Mbps, Gbps or Tbps")),
    };
    scale(text, m, f, factor, "1 bps")
}

/// Parses a byte count: a decimal and `B`, `kB`/`KB`, `MB`, `GB`, `TB` (powers of 1000) or
/// `KiB`, `MiB`, `GiB`, `TiB` (powers of 1024).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let (m, f, factor) = bytes_parts(text)?;
    scale(text, m, f, factor, "a byte")
}

/// [`parse_bytes`] for a budget, where a fraction of a byte does not matter: `1.3GiB` is
/// rounded down to a whole byte instead of refused.
pub fn parse_bytes_floor(text: &str) -> Result<u64, String> {
    let (m, f, factor) = bytes_parts(text)?;
    let v = m.checked_mul(factor).ok_or_else(|| format!("`{text}` is too large"))?;
    u64::try_from(v / 10u128.pow(f)).map_err(|_| format!("`{text}` is too large"))
}

fn bytes_parts(text: &str) -> Result<(u128, u32, u128), String> {
    let (m, f, unit) = split(text, "byte count", "10MB")?;
    let factor: u128 = match unit.as_str() {
        "B" => 1,
        "kB" | "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "TB" => 1_000_000_000_000,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        other => return Err(format!("unknown byte unit `{other}` in `{text}`: use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB")),
    };
    Ok((m, f, factor))
}

/// Parses a percentage between 0% and 100% into parts per million (`"2%"` is 20000).
pub fn parse_percent(text: &str) -> Result<u32, String> {
    let (m, f, unit) = split(text, "percentage", "2%")?;
    if unit != "%" {
        return Err(format!("`{text}` is not a percentage: write e.g. `2%`"));
    }
    let ppm = scale(text, m, f, 10_000, "0.0001% (one part per million)")?;
    if ppm > 1_000_000 {
        return Err(format!("`{text}` is above 100%"));
    }
    Ok(ppm as u32)
}

macro_rules! unit_type {
    ($(#[$doc:meta])* $name:ident($inner:ty), $parse:ident, $what:literal, $example:literal, $pattern:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        pub struct $name(pub $inner);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "a {} string such as \"{}\"", $what, $example)
                    }
                    fn visit_str<E: de::Error>(self, s: &str) -> Result<$name, E> {
                        $parse(s).map($name).map_err(E::custom)
                    }
                    fn visit_i64<E: de::Error>(self, n: i64) -> Result<$name, E> {
                        Err(E::custom(format!("a {} needs a unit: write it as a string, e.g. \"{}\" (got {n})", $what, $example)))
                    }
                    fn visit_u64<E: de::Error>(self, n: u64) -> Result<$name, E> {
                        Err(E::custom(format!("a {} needs a unit: write it as a string, e.g. \"{}\" (got {n})", $what, $example)))
                    }
                    fn visit_f64<E: de::Error>(self, n: f64) -> Result<$name, E> {
                        Err(E::custom(format!("a {} needs a unit: write it as a string, e.g. \"{}\" (got {n})", $what, $example)))
                    }
                }
                d.deserialize_any(V)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "type": "string", "pattern": $pattern, "description": concat!("A ", $what, ", e.g. \"", $example, "\"") })
            }
        }
    };
}

unit_type!(
    /// A duration such as `"900ms"`, in sim-core nanoseconds.
    Dur(SimDuration), parse_duration, "duration", "90s",
    r"^\+?[0-9][0-9_]*(\.[0-9]+)?\s*(ns|us|µs|ms|s|sec|m|min|h|d)$"
);
unit_type!(
    /// A bit rate such as `"10Gbps"`, in bits per second.
    Bandwidth(u64), parse_bandwidth, "bandwidth", "10Gbps",
    r"^\+?[0-9][0-9_]*(\.[0-9]+)?\s*([kKmMgGtT]?(bps|bit/s))$"
);
unit_type!(
    /// A byte count such as `"10MB"` or `"1GiB"`.
    Bytes(u64), parse_bytes, "byte count", "10MB",
    r"^\+?[0-9][0-9_]*(\.[0-9]+)?\s*(B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$"
);
unit_type!(
    /// A percentage such as `"2%"`, in parts per million.
    Percent(u32), parse_percent, "percentage", "2%",
    // 0 % to 100 %, as `parse_percent` accepts (leading zeros allowed, no `_` separators).
    r"^\+?0*(100(\.0+)?|[0-9]?[0-9](\.[0-9]+)?)\s*%$"
);

/// A whole number written without quotes (`retries = 15`); `compile` checks its range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Whole(pub i64);

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Whole;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number without quotes, e.g. 15")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Whole, E> {
                Ok(Whole(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Whole, E> {
                i64::try_from(n).map(Whole).map_err(|_| E::custom(format!("{n} is too large")))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Whole {
    fn schema_name() -> Cow<'static, str> {
        "Whole".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "integer" })
    }
}

/// A throughput floor: a share of the offered rate (`"75%"`) or an absolute rate (`"4Gbps"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Throughput {
    /// Parts per million of each group's offered rate.
    Fraction(u32),
    /// Bits per second, per group.
    Absolute(u64),
}

impl<'de> Deserialize<'de> for Throughput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim_end().ends_with('%') {
            parse_percent(&s).map(Throughput::Fraction).map_err(de::Error::custom)
        } else {
            parse_bandwidth(&s).map(Throughput::Absolute).map_err(de::Error::custom)
        }
    }
}

impl JsonSchema for Throughput {
    fn schema_name() -> Cow<'static, str> {
        "Throughput".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": r"^\+?[0-9][0-9_]*(\.[0-9]+)?\s*(%|[kKmMgGtT]?(bps|bit/s))$",
            "description": "A share of the offered rate (\"75%\") or an absolute rate (\"4Gbps\")"
        })
    }
}

/// Formats bits per second the way files write them (`10Gbps`, `1.25Gbps`, `500Mbps`).
pub fn fmt_bps(bps: u64) -> String {
    let (div, unit) = match bps {
        b if b >= 1_000_000_000_000 => (1e12, "Tbps"),
        b if b >= 1_000_000_000 => (1e9, "Gbps"),
        b if b >= 1_000_000 => (1e6, "Mbps"),
        b if b >= 1_000 => (1e3, "kbps"),
        _ => (1.0, "bps"),
    };
    let v = bps as f64 / div;
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}{unit}")
}

/// Formats a byte count exactly, the way files write them: a whole SI unit (`2MB`), else a
/// whole binary unit (`6MiB`, `64KiB`), else SI with the decimals it needs (`781.25kB`).
/// Bytes as a person reads a size, with binary units and one decimal: `2.0 GiB`, `213 KiB`.
/// For messages about budgets, where an exact figure would only be noise.
pub fn approx_bytes(bytes: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if bytes >= size {
            let v = bytes as f64 / size as f64;
            return if v >= 100.0 { format!("{v:.0} {unit}") } else { format!("{v:.1} {unit}") };
        }
    }
    format!("{bytes} B")
}

/// Two sizes for a message that says the first is above the second: each as
/// [`approx_bytes`] writes it, with more digits where rounding would print the same figure
/// twice ("8.3 MiB above 8.3 MiB"), and exact bytes when no rounding tells them apart.
pub fn approx_above(above: u64, limit: u64) -> (String, String) {
    let (a, b) = (approx_bytes(above), approx_bytes(limit));
    if a != b || above == limit {
        return (a, b);
    }
    const UNITS: [(u64, &str); 4] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    let Some(&(size, unit)) = UNITS.iter().find(|(size, _)| limit >= *size) else { return (a, b) };
    for digits in 2..=6 {
        let (x, y) = (above as f64 / size as f64, limit as f64 / size as f64);
        let (a, b) = (format!("{x:.digits$} {unit}"), format!("{y:.digits$} {unit}"));
        if a != b {
            return (a, b);
        }
    }
    (format!("{above} B"), format!("{limit} B"))
}

pub fn fmt_bytes(bytes: u64) -> String {
    const SI: [(u64, &str); 4] = [(1_000_000_000_000, "TB"), (1_000_000_000, "GB"), (1_000_000, "MB"), (1_000, "kB")];
    const BINARY: [(u64, &str); 4] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    let Some(&(div, unit)) = SI.iter().find(|(d, _)| bytes >= *d) else { return format!("{bytes}B") };
    if bytes.is_multiple_of(div) {
        return format!("{}{unit}", bytes / div);
    }
    if let Some((d, u)) = BINARY.iter().find(|(d, _)| bytes >= *d && bytes.is_multiple_of(*d)) {
        return format!("{}{u}", bytes / d);
    }
    let digits = div.ilog10() as usize;
    let frac = format!("{:0digits$}", bytes % div);
    format!("{}.{}{unit}", bytes / div, frac.trim_end_matches('0'))
}

// How every report, table and message writes a quantity lives in sim-core (the TUI, which
// does not depend on this crate, writes them too).
pub use sim_core::show::{show_bps, show_bytes, show_secs, show_secs_exact};

/// Formats parts per million as a percentage (`20000` is `2%`).
pub fn fmt_ppm(ppm: u32) -> String {
    let s = format!("{:.4}", f64::from(ppm) / 10_000.0);
    format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn quantities_are_shown_one_way() {
        use super::{show_bps, show_bytes, show_secs, show_secs_exact};
        assert_eq!([show_secs(0.0), show_secs(0.2497), show_secs(1.894), show_secs(437.2)], ["0s", "250ms", "1.89s", "437s"]);
        let exact = [0.0, 0.249_748, 0.1, 1.894_4, 5.0, 900.0].map(show_secs_exact);
        assert_eq!(exact, ["0s", "249.748ms", "100ms", "1.894s", "5s", "900s"]);
        assert_eq!([show_bytes(0), show_bytes(105_100), show_bytes(1_617_047_280)], ["0B", "105.1kB", "1.62GB"]);
        assert_eq!([show_bps(0.0), show_bps(4e8), show_bps(2.837e9)], ["0bps", "400.0Mbps", "2.84Gbps"]);
    }

    use super::*;

    #[test]
    fn a_size_above_a_limit_never_prints_as_the_same_figure() {
        let mib = 1u64 << 20;
        // 8.30 and 8.34 MiB both round to 8.3 MiB.
        let (a, b) = approx_above(8 * mib + 320 * 1024, 8 * mib + 310 * 1024);
        assert_ne!(a, b);
        assert_eq!((a.as_str(), b.as_str()), ("8.31 MiB", "8.30 MiB"));
        // Far apart: the usual one decimal.
        assert_eq!(approx_above(9 * mib, 8 * mib), ("9.0 MiB".to_string(), "8.0 MiB".to_string()));
        // One byte apart: six decimals still tell them apart; past that, exact bytes.
        let (a, b) = approx_above(8 * mib + 1, 8 * mib);
        assert_eq!((a.as_str(), b.as_str()), ("8.000001 MiB", "8.000000 MiB"));
        let (a, b) = approx_above(1024 * mib + 1, 1024 * mib);
        assert_eq!((a.as_str(), b.as_str()), ("1073741825 B", "1073741824 B"));
    }

    #[test]
    fn byte_counts_print_exactly() {
        assert_eq!(fmt_bytes(781_250), "781.25kB");
        assert_eq!(fmt_bytes(1_562_500), "1.5625MB");
        assert_eq!(fmt_bytes(2_000_000), "2MB");
        assert_eq!(fmt_bytes(6 << 20), "6MiB");
        assert_eq!(fmt_bytes(64 * 1024), "64KiB");
        assert_eq!(fmt_bytes(1534), "1.534kB");
        assert_eq!(fmt_bytes(512), "512B");
        for b in [781_250, 1_562_500, 6 << 20, 64 * 1024, 1534, 512, 33_554_433] {
            assert_eq!(parse_bytes(&fmt_bytes(b)), Ok(b), "{b} round-trips");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("900ms"), Ok(SimDuration::from_millis(900)));
        assert_eq!(parse_duration("90s"), Ok(SimDuration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(SimDuration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(SimDuration::from_secs(3600)));
        assert_eq!(parse_duration("2.5s"), Ok(SimDuration::from_millis(2500)));
        assert_eq!(parse_duration("250us"), Ok(SimDuration::from_micros(250)));
        assert_eq!(parse_duration("1d"), Ok(SimDuration::from_secs(86_400)));
        assert_eq!(parse_duration("0s"), Ok(SimDuration::ZERO));
        assert_eq!(parse_duration("1_000ms"), Ok(SimDuration::from_secs(1)));
        assert_eq!(parse_duration(" 3 s "), Ok(SimDuration::from_secs(3)));
    }

    #[test]
    fn bad_durations() {
        for bad in ["-5s", "5", "s", "5parsecs", "0.5ns", "1.s", ".5s", "1.2.3s", "", "99999999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad} should fail");
        }
        assert!(parse_duration("-5s").is_err_and(|e| e.contains("negative")));
        assert!(parse_duration("5").is_err_and(|e| e.contains("no unit")));
    }

    #[test]
    fn bandwidths() {
        assert_eq!(parse_bandwidth("10Gbps"), Ok(10_000_000_000));
        assert_eq!(parse_bandwidth("500Mbps"), Ok(500_000_000));
        assert_eq!(parse_bandwidth("1.25Gbps"), Ok(1_250_000_000));
        assert_eq!(parse_bandwidth("100 kbps"), Ok(100_000));
        assert_eq!(parse_bandwidth("1gbit/s"), Ok(1_000_000_000));
        assert!(parse_bandwidth("10GBps").is_err_and(|e| e.contains("bytes")));
        assert!(parse_bandwidth("10Gbs").is_err());
        assert!(parse_bandwidth("0.1bps").is_err());
    }

    #[test]
    fn byte_counts() {
        assert_eq!(parse_bytes("10MB"), Ok(10_000_000));
        assert_eq!(parse_bytes("1GiB"), Ok(1 << 30));
        assert_eq!(parse_bytes("1.5KiB"), Ok(1536));
        assert_eq!(parse_bytes("0B"), Ok(0));
        assert!(parse_bytes("10mb").is_err());
    }

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("2%"), Ok(20_000));
        assert_eq!(parse_percent("0.5%"), Ok(5_000));
        assert_eq!(parse_percent("100%"), Ok(1_000_000));
        assert_eq!(parse_percent("0.0001%"), Ok(1));
        assert!(parse_percent("101%").is_err_and(|e| e.contains("above 100%")));
        assert!(parse_percent("0.00001%").is_err());
        assert!(parse_percent("2").is_err());
        assert!(parse_percent("-1%").is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(fmt_bps(10_000_000_000), "10Gbps");
        assert_eq!(fmt_bps(1_250_000_000), "1.25Gbps");
        assert_eq!(fmt_bps(500_000_000), "500Mbps");
        assert_eq!(fmt_ppm(20_000), "2%");
        assert_eq!(fmt_ppm(5_000), "0.5%");
    }
}
