//! Time and rate axes in units a reader expects: a 30-minute run is labelled in minutes, a
//! 3-hour one in hours, a sub-second one in milliseconds; ticks fall on 1-2-5 steps (and on
//! 15/30 for minutes and hours).

/// The unit a time axis is labelled in: sim-core's [`AxisUnit`], whose thresholds the TUI's
/// chart shares, so a run's report and its terminal chart pick the same unit.
pub use sim_core::show::AxisUnit as TimeUnit;

/// The unit's symbol under an SVG axis: `min` for minutes, as the charts have always
/// written it, the others as scenario files write them.
pub fn symbol(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Min => "min",
        u => u.symbol(),
    }
}

/// A time axis from `start_s` (0 for a run's charts) to `end_s`.
#[derive(Clone, Copy, Debug)]
pub struct TimeAxis {
    pub start_s: f64,
    pub end_s: f64,
    pub unit: TimeUnit,
    /// Tick spacing, in `unit`.
    pub step: f64,
    /// What the axis measures, its title before the unit: `simulated time` unless told.
    pub quantity: &'static str,
}

impl TimeAxis {
    pub fn new(end_s: f64) -> TimeAxis {
        let end_s = if end_s.is_finite() && end_s > 0.0 { end_s } else { 1.0 };
        TimeAxis::between(0.0, end_s)
    }

    /// An axis over `start_s..end_s` (a sweep's histogram spans its data, not 0 to its
    /// largest value): the unit follows the largest value, the step the span, so 3.17 s to
    /// 3.20 s reads 3.17, 3.175, … s. An empty or reversed span becomes 0 to 1 s.
    pub fn between(start_s: f64, end_s: f64) -> TimeAxis {
        let (start_s, end_s) =
            if start_s.is_finite() && end_s.is_finite() && end_s > start_s && start_s >= 0.0 { (start_s, end_s) } else { (0.0, 1.0) };
        let unit = TimeUnit::for_span(end_s);
        let span = (end_s - start_s) / unit.seconds();
        let steps: &[f64] = match unit {
            TimeUnit::Min | TimeUnit::H => &[1.0, 2.0, 5.0, 10.0, 15.0, 30.0],
            TimeUnit::Ms | TimeUnit::S => &[1.0, 2.0, 5.0],
        };
        TimeAxis { start_s, end_s, unit, step: nice_step(span / 8.0, steps), quantity: "simulated time" }
    }

    /// Ticks at multiples of the step from the start to the end: (seconds, label without
    /// unit), each label with the decimals its step needs (and no more).
    pub fn ticks(&self) -> Vec<(f64, String)> {
        let u = self.unit.seconds();
        let k0 = (self.start_s / u / self.step - 1e-9).ceil().max(0.0) as u64;
        let k1 = (self.end_s / u / self.step + 1e-9).floor() as u64;
        let decimals = (0..9).find(|&d| {
            let scaled = self.step * 10f64.powi(d);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        });
        (k0..=k1)
            .map(|k| {
                let v = k as f64 * self.step;
                let label = match decimals {
                    Some(d) if d > 3 => {
                        let s = format!("{v:.*}", d as usize);
                        s.trim_end_matches('0').trim_end_matches('.').to_string()
                    }
                    _ => number(v),
                };
                (v * u, label)
            })
            .collect()
    }

    /// The axis title: what it measures (`simulated time`, or `what` for an axis of
    /// durations such as a sweep's detection times) and its unit.
    pub fn title(&self) -> String {
        format!("{} ({})", self.quantity, symbol(self.unit))
    }

    /// The same axis titled by what it measures: `time to detection` on a histogram of
    /// detection durations is not `simulated time`.
    pub fn measuring(self, quantity: &'static str) -> TimeAxis {
        TimeAxis { quantity, ..self }
    }
}

/// The smallest of `steps` × 10^k that is at least `raw`.
fn nice_step(raw: f64, steps: &[f64]) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mut mag = 10f64.powf(raw.log10().floor());
    loop {
        for &s in steps {
            if s * mag >= raw * (1.0 - 1e-9) {
                return s * mag;
            }
        }
        mag *= 10.0;
    }
}

/// A number without trailing zeros: `5`, `2.5`, `0.05`.
pub fn number(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_string() } else { s.to_string() }
}

/// A rate axis from 0 to a little above `peak_bps`: its unit (bps, kbps, Mbps, Gbps), the
/// divisor, the top and the ticks (bits per second, label).
#[derive(Clone, Debug)]
pub struct RateAxis {
    pub unit: &'static str,
    pub div: f64,
    pub top_bps: f64,
    pub step_bps: f64,
}

impl RateAxis {
    pub fn new(peak_bps: f64) -> RateAxis {
        let peak = if peak_bps.is_finite() && peak_bps > 0.0 { peak_bps } else { 1e9 };
        let (unit, div) = if peak >= 1e9 {
            ("Gbps", 1e9)
        } else if peak >= 1e6 {
            ("Mbps", 1e6)
        } else if peak >= 1e3 {
            ("kbps", 1e3)
        } else {
            ("bps", 1.0)
        };
        let step = nice_step(peak * 1.1 / div / 5.0, &[1.0, 2.0, 5.0]);
        let top = ((peak * 1.1 / div) / step).ceil() * step;
        RateAxis { unit, div, top_bps: top * div, step_bps: step * div }
    }

    pub fn ticks(&self) -> Vec<(f64, String)> {
        let n = (self.top_bps / self.step_bps + 1e-9).floor() as u64;
        (0..=n).map(|k| (k as f64 * self.step_bps, number(k as f64 * self.step_bps / self.div))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_30_minute_run_is_labelled_in_minutes() {
        let a = TimeAxis::new(1800.0);
        assert_eq!(a.unit, TimeUnit::Min);
        let ticks = a.ticks();
        assert_eq!(ticks.first().map(|t| t.1.as_str()), Some("0"));
        assert_eq!(ticks.last().map(|t| t.1.as_str()), Some("30"));
        assert!(ticks.iter().all(|t| t.1.parse::<f64>().is_ok_and(|v| v <= 30.0)));
    }

    #[test]
    fn the_svg_writes_min_on_the_shared_thresholds() {
        // sim-core's table decides the unit; the SVG keeps its `min`.
        assert_eq!(TimeAxis::new(1800.0).title(), "simulated time (min)");
        assert_eq!(TimeAxis::new(179.0).title(), "simulated time (s)");
        assert_eq!(TimeAxis::new(10_800.0).title(), "simulated time (h)");
        assert_eq!(
            TimeAxis::between(0.1, 0.2).measuring("time from fault start to detection").title(),
            "time from fault start to detection (ms)"
        );
    }

    #[test]
    fn units_follow_the_span() {
        assert_eq!(TimeAxis::new(0.5).unit, TimeUnit::Ms);
        assert_eq!(TimeAxis::new(60.0).unit, TimeUnit::S);
        assert_eq!(TimeAxis::new(3.0 * 3600.0).unit, TimeUnit::H);
        // Ticks never pass the end and never number more than about a dozen.
        for end in [0.01, 0.7, 5.0, 59.0, 600.0, 1800.0, 10800.0, 86400.0] {
            let t = TimeAxis::new(end).ticks();
            assert!(t.len() >= 3 && t.len() <= 13, "{end}: {} ticks", t.len());
            assert!(t.last().is_some_and(|l| l.0 <= end * (1.0 + 1e-9)), "{end}");
        }
    }

    #[test]
    fn an_axis_between_two_values_ticks_inside_them() {
        let a = TimeAxis::between(3.17, 3.2);
        assert_eq!(a.unit, TimeUnit::S);
        let t = a.ticks();
        assert!(t.len() >= 3, "{t:?}");
        assert!(t.iter().all(|(s, _)| *s >= 3.17 - 1e-9 && *s <= 3.2 + 1e-9), "{t:?}");
        assert_eq!(t.first().map(|t| t.1.as_str()), Some("3.17"));
        // Distinct ticks read differently, however narrow the span.
        let t = TimeAxis::between(1000.0, 1000.001).ticks();
        let labels: std::collections::BTreeSet<&str> = t.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels.len(), t.len(), "{t:?}");
    }

    #[test]
    fn rate_ticks_cover_the_peak() {
        let r = RateAxis::new(12e9);
        assert_eq!(r.unit, "Gbps");
        assert!(r.top_bps >= 12e9);
        assert_eq!(r.ticks().first().map(|t| t.1.as_str()), Some("0"));
    }
}
