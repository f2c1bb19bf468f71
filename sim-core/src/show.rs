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
