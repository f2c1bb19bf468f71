//! How every report, table and message writes a quantity: compact, the unit glued to the
//! number as scenario files write it (`1.89s`, `250ms`, `105.1kB`, `400.0Mbps`). One home
//! for the convention, so the CLI tables, the expectation details, JUnit, the HTML report
//! and the TUI agree. Formatting only: nothing here is hashed or read by the simulation.

/// Seconds rounded for tables: `0s`, `250ms`, `1.89s`, `437s`. Measured-versus-limit
/// comparisons use [`show_secs_exact`], where a near miss must stay visible.
pub fn show_secs(s: f64) -> String {
    match s {
        0.0 => "0s".to_string(),
        s if s < 1.0 => format!("{:.0}ms", s * 1e3),
        s if s < 100.0 => format!("{s:.2}s"),
        s => format!("{s:.0}s"),
    }
}

/// A figure that may be absent (a detection, convergence or recovery that did not happen),
/// as the reports' tables write it: [`show_secs`], or `—` when there is none.
pub fn show_secs_or_dash(s: Option<f64>) -> String {
    s.map_or_else(|| "—".to_string(), show_secs)
}

/// The unit a time axis spanning `span_s` seconds is labelled in: the largest in which it
/// spans at least 3 (ms below 3 s, s below 3 min, minutes below 3 h, hours beyond). The one
/// table of thresholds: the reports' SVG axis (`src/svg/axis.rs`) and the TUI's chart both
/// take their unit from it, each writing its own symbol for minutes (`min` under an SVG
/// axis, `m` in the terminal as scenario files write it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AxisUnit {
    Ms,
    S,
    Min,
    H,
}

impl AxisUnit {
    pub fn for_span(span_s: f64) -> AxisUnit {
        match span_s {
            x if x < 3.0 => AxisUnit::Ms,
            x if x < 180.0 => AxisUnit::S,
            x if x < 3.0 * 3600.0 => AxisUnit::Min,
            _ => AxisUnit::H,
        }
    }

    /// How many seconds one of it is.
    pub fn seconds(self) -> f64 {
        match self {
            AxisUnit::Ms => 1e-3,
            AxisUnit::S => 1.0,
            AxisUnit::Min => 60.0,
            AxisUnit::H => 3600.0,
        }
    }

    /// Its symbol as scenario files write it: `ms`, `s`, `m`, `h`.
    pub fn symbol(self) -> &'static str {
        match self {
            AxisUnit::Ms => "ms",
            AxisUnit::S => "s",
            AxisUnit::Min => "m",
            AxisUnit::H => "h",
        }
    }
}

/// A time on an axis that spans `span_s` seconds, in the [`AxisUnit`] of that span, to two
/// decimals at most, the unit glued on as scenario files write it: a 30-minute run ends at
/// `30m`, a day at `24h`, not `1800s` and `86400s`.
pub fn show_axis_secs(s: f64, span_s: f64) -> String {
    let unit = AxisUnit::for_span(span_s);
    let v = format!("{:.2}", s / unit.seconds());
    let v = v.trim_end_matches('0').trim_end_matches('.');
    format!("{}{}", if v == "-0" { "0" } else { v }, unit.symbol())
}

/// `1 flow`, `28 flows`, `0 faults`: a count and its noun in the number it takes (`one`,
/// `many`), as every report and message writes counts; never `flow(s)`.
pub fn count<N: std::fmt::Display + PartialEq + From<u8>>(n: N, one: &str, many: &str) -> String {
    let noun = if n == N::from(1) { one } else { many };
    format!("{n} {noun}")
}

/// Seconds to the millisecond (microseconds below 1 s), trailing zeros trimmed: `0s`,
/// `249.748ms`, `1.894s`, `5s`, `900s`. See [`show_secs`].
pub fn show_secs_exact(s: f64) -> String {
    let trim = |x: String| x.trim_end_matches('0').trim_end_matches('.').to_string();
    match s {
        0.0 => "0s".to_string(),
        s if s.abs() < 1.0 => format!("{}ms", trim(format!("{:.3}", s * 1e3))),
        s => format!("{}s", trim(format!("{s:.3}"))),
    }
}

/// Bytes with an SI prefix and one decimal (two at GB and above): `0B`, `105.1kB`, `1.62GB`.
pub fn show_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= 1e12 {
        format!("{:.2}TB", b / 1e12)
    } else if b >= 1e9 {
        format!("{:.2}GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1}MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1}kB", b / 1e3)
    } else {
        format!("{b:.0}B")
    }
}

/// Bits per second with an SI prefix: `0bps`, `400.0Mbps`, `2.84Gbps`.
pub fn show_bps(b: f64) -> String {
    if b >= 1e9 {
        format!("{:.2}Gbps", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1}Mbps", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1}kbps", b / 1e3)
    } else {
        format!("{b:.0}bps")
    }
}

/// A long span in hours, minutes and seconds, as a person reads a downtime: `37h 0m 1s`,
/// `2m 13s`; below a minute, [`show_secs_exact`] (`59.5s`, `250ms`). Whole seconds from a
/// minute up (a downtime counted in minutes is not read to the millisecond).
pub fn show_hms(s: f64) -> String {
    if !s.is_finite() || s.abs() < 60.0 {
        return show_secs_exact(s);
    }
    let sign = if s < 0.0 { "-" } else { "" };
    let t = s.abs().round() as u64;
    let (h, m, sec) = (t / 3600, t / 60 % 60, t % 60);
    if h > 0 { format!("{sign}{h}h {m}m {sec}s") } else { format!("{sign}{m}m {sec}s") }
}

/// A measured fraction and its limit as percentages (`99.9942%`, `99.99%`): each with the
/// fewest decimals (two at least, ten at most) at which two values that differ read
/// differently, so a reader never sees equal numbers beside a verdict that says otherwise.
pub fn show_pct_pair(measured: f64, limit: f64) -> (String, String) {
    let (m, l) = (measured * 100.0, limit * 100.0);
    let trim = |x: String| {
        // Trailing zeros beyond the second decimal say nothing: `99.9900` is `99.99`.
        let (int, frac) = x.split_once('.').unwrap_or((&x, ""));
        let frac = frac.trim_end_matches('0');
        let frac = if frac.len() < 2 { format!("{frac:0<2}") } else { frac.to_string() };
        format!("{int}.{frac}%")
    };
    // Enough decimals to tell the two apart, and to keep either, when below 100 %, from
    // rounding up to `100.00%` (119 s down in a month is 99.99541 %, not "100.00%").
    let d = (2..10).find(|&d| format!("{m:.d$}") != format!("{l:.d$}") && !rounds_to_full(m, d) && !rounds_to_full(l, d)).unwrap_or(10);
    (trim(format!("{m:.d$}")), trim(format!("{l:.d$}")))
}

/// True when `pct` (in percent) is below 100 but reads `100` at `d` decimals.
fn rounds_to_full(pct: f64, d: usize) -> bool {
    pct < 100.0 && format!("{pct:.d$}").parse::<f64>().is_ok_and(|r| r >= 100.0)
}

/// One fraction as a percentage at two decimals: `99.99%`. Beside a limit, use
/// [`show_pct_pair`].
pub fn show_pct(v: f64) -> String {
    // A share below 100 % never reads `100.00%`: the decimals grow until it does not.
    let p = v * 100.0;
    let d = (2..10).find(|&d| !rounds_to_full(p, d)).unwrap_or(10);
    format!("{p:.d$}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absent_figure_reads_as_a_dash() {
        assert_eq!(show_secs_or_dash(None), "—");
        assert_eq!(show_secs_or_dash(Some(0.05)), "50ms");
    }

    #[test]
    fn counts_take_the_number_of_their_noun() {
        assert_eq!(count(1usize, "fault", "faults"), "1 fault");
        assert_eq!(count(0u64, "fault", "faults"), "0 faults");
        assert_eq!(count(2u32, "process", "processes"), "2 processes");
    }

    #[test]
    fn axis_units_change_at_three_of_the_next() {
        assert_eq!(AxisUnit::for_span(2.999), AxisUnit::Ms);
        assert_eq!(AxisUnit::for_span(3.0), AxisUnit::S);
        assert_eq!(AxisUnit::for_span(179.9), AxisUnit::S);
        assert_eq!(AxisUnit::for_span(180.0), AxisUnit::Min);
        assert_eq!(AxisUnit::for_span(10_799.0), AxisUnit::Min);
        assert_eq!(AxisUnit::for_span(10_800.0), AxisUnit::H);
    }

    #[test]
    fn axis_times_take_the_unit_of_the_span() {
        assert_eq!(show_axis_secs(1800.0, 1800.0), "30m");
        assert_eq!(show_axis_secs(86_400.0, 86_400.0), "24h");
        assert_eq!(show_axis_secs(7200.0, 86_400.0), "2h");
        assert_eq!(show_axis_secs(615.0, 1800.0), "10.25m");
        assert_eq!(show_axis_secs(60.0, 60.0), "60s");
        assert_eq!(show_axis_secs(20.0, 60.0), "20s");
        assert_eq!(show_axis_secs(2.5, 2.5), "2500ms");
        assert_eq!(show_axis_secs(0.0, 1800.0), "0m");
    }

    #[test]
    fn long_spans_read_in_hours_minutes_and_seconds() {
        // 37 h = 133200 s: the downtime of the review's example, plus one second.
        assert_eq!(show_hms(133_201.0), "37h 0m 1s");
        assert_eq!(show_hms(133.0), "2m 13s");
        assert_eq!(show_hms(3600.0), "1h 0m 0s");
        assert_eq!(show_hms(59.5), "59.5s");
        assert_eq!(show_hms(0.0), "0s");
    }

    #[test]
    fn a_measured_percentage_differs_from_its_limit_when_the_values_do() {
        // 99.9942 % against 99.99 %: at two decimals both read 99.99.
        assert_eq!(show_pct_pair(0.999_942, 0.9999), ("99.994%".to_string(), "99.99%".to_string()));
        assert_eq!(show_pct_pair(0.9999, 0.9999), ("99.99%".to_string(), "99.99%".to_string()));
        assert_eq!(show_pct_pair(0.95, 0.999), ("95.00%".to_string(), "99.90%".to_string()));
        // 119 s down in a 30-day month: 99.99541 %, which two decimals round up to 100.00.
        let up = 1.0 - 119.0 / 2_592_000.0;
        assert_eq!(show_pct_pair(up, 0.9999), ("99.995%".to_string(), "99.99%".to_string()));
        assert_eq!(show_pct(up), "99.995%");
        assert_eq!(show_pct(1.0), "100.00%");
        assert_eq!(show_pct(0.351), "35.10%");
        let (m, l) = show_pct_pair(0.999_899_99, 0.9999);
        assert_ne!(m, l);
    }
}
