//! The HTML report of a sweep: the verdict and counts, the distribution of detection and
//! recovery times over every fault of every seed (a histogram and the nearest-rank p50, p90,
//! p99 and max, the same percentiles `sweep` prints), the `[sweep]` gates, and the failing
//! seeds with their reproduce lines.

use std::fmt::Write;
use std::ops::Range;

use scenarios::{Check, Verdict};
use serde_json::json;

use super::escape::esc;
use super::{cell, document};
use crate::svg::{self, Embed, XScale, axis};
use sim_core::show::show_secs_exact;

/// A run of the sweep that did not pass.
pub struct FailingSeed {
    pub seed: u64,
    pub verdict: Verdict,
    pub fingerprint: String,
    pub failed: Vec<String>,
    pub reproduce: String,
}

/// One point of the sweep (the whole sweep without `--vary`), as the summary holds it.
pub struct SweepPoint<'a> {
    /// `key=value` under `--vary`.
    pub label: Option<String>,
    /// The JSON pointer of this point's object in `sweep --json` (`` or `/points/3`).
    pub pointer: String,
    /// The counts and sorted times the gates read, as the summary holds them.
    pub stats: scenarios::SweepStats<'a>,
    pub verdict: Verdict,
    pub gates: &'a [Check],
    pub failing: Vec<FailingSeed>,
}

pub struct SweepView<'a> {
    pub scenario: &'a str,
    pub origin: &'a str,
    pub seeds: Range<u64>,
    pub verdict: Verdict,
    pub digest: &'a str,
    pub points: Vec<SweepPoint<'a>>,
}

/// Failing seeds listed per point at most.
const MAX_FAILING: usize = 100;
const BINS: usize = 20;

pub fn sweep(v: &SweepView) -> String {
    let mut b = String::new();
    let verdict = v.verdict.name();
    let runs: usize = v.points.iter().map(|p| p.stats.runs).sum();
    let _ = writeln!(
        b,
        "<header><p class=\"kicker\">faultline sweep report</p><h1>{}</h1>\
<p class=\"meta\"><span class=\"verdict {verdict}\" data-json=\"/verdict\" data-value=\"{}\">{}</span> seeds {}..{} · {runs} runs · digest <code>{}</code></p></header>\n<main>",
        esc(v.scenario),
        esc(&json!(verdict).to_string()),
        verdict.to_uppercase(),
        v.seeds.start,
        v.seeds.end,
        esc(v.digest)
    );
    for (i, p) in v.points.iter().enumerate() {
        let title = p.label.as_deref().map_or("Distribution over seeds".to_string(), |l| format!("Point {l}"));
        let id = if p.label.is_some() { format!("point-{i}") } else { "distribution".into() };
        let _ = writeln!(b, "<section id=\"{id}\">\n<h2>{}</h2>", esc(&title));
        let ptr = |k: &str| format!("{}/{k}", p.pointer);
        let _ = writeln!(
            b,
            "<table class=\"counts\"><thead><tr><th>runs</th><th>pass</th><th>fail</th><th>inconclusive</th><th>unrecovered faults</th><th>verdict</th></tr></thead><tbody><tr>{}{}{}{}{}<td><span class=\"status {}\">{}</span></td></tr></tbody></table>",
            cell(&ptr("runs"), &json!(p.stats.runs), &p.stats.runs.to_string()),
            cell(&ptr("pass"), &json!(p.stats.pass), &p.stats.pass.to_string()),
            cell(&ptr("fail"), &json!(p.stats.fail), &p.stats.fail.to_string()),
            cell(&ptr("inconclusive"), &json!(p.stats.inconclusive), &p.stats.inconclusive.to_string()),
            cell(&ptr("unrecovered_faults"), &json!(p.stats.unrecovered), &p.stats.unrecovered.to_string()),
            p.verdict.name(),
            p.verdict.name().to_uppercase()
        );
        b.push_str("<p>Nearest-rank percentiles over every fault of every seed (a fault that never recovered is not in the recover row; it is counted as unrecovered).</p>\n");
        b.push_str("<table class=\"percentiles\"><thead><tr><th>metric</th><th>faults</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr></thead><tbody>\n");
        for (name, vals) in [("detect_s", p.stats.detect_s), ("recover_s", p.stats.recover_s)] {
            let q = |x: f64| scenarios::percentile(vals, x);
            let _ = writeln!(
                b,
                "<tr><td>{}</td>{}{}<td class=\"num\" data-value=\"{}\">{}</td>{}{}</tr>",
                name.trim_end_matches("_s"),
                cell(&ptr(&format!("{name}/count")), &json!(vals.len()), &vals.len().to_string()),
                cell(&ptr(&format!("{name}/p50")), &json!(q(0.5)), &crate::human::secs(q(0.5))),
                esc(&json!(q(0.9)).to_string()),
                esc(&crate::human::secs(q(0.9))),
                cell(&ptr(&format!("{name}/p99")), &json!(q(0.99)), &crate::human::secs(q(0.99))),
                cell(&ptr(&format!("{name}/max")), &json!(vals.last()), &crate::human::secs(vals.last().copied())),
            );
        }
        b.push_str("</tbody></table>\n");
        for (name, vals, quantity) in [
            ("detection", p.stats.detect_s, "time from fault start to detection"),
            ("recovery", p.stats.recover_s, "time from fault start to recovery"),
        ] {
            if !vals.is_empty() {
                let _ = writeln!(b, "<figure>{}</figure>", histogram(name, quantity, vals));
            }
        }
        if !p.gates.is_empty() {
            b.push_str(
                "<h3>Gates</h3>\n<table class=\"gates\"><thead><tr><th>gate</th><th>result</th><th>measured</th></tr></thead><tbody>\n",
            );
            for c in p.gates {
                let _ = writeln!(
                    b,
                    "<tr><td>{}</td><td><span class=\"status {}\">{}</span></td><td>{}</td></tr>",
                    esc(c.name),
                    c.status.name(),
                    c.status.name().to_uppercase(),
                    super::escape::inline(&c.detail)
                );
            }
            b.push_str("</tbody></table>\n");
        }
        if p.failing.is_empty() {
            b.push_str("<p>Every seed passed its own <code>[expect]</code>.</p>\n");
        } else {
            b.push_str("<h3>Seeds that did not pass</h3>\n<table class=\"failing\"><thead><tr><th>seed</th><th>verdict</th><th>failed</th><th>fingerprint</th><th>reproduce</th></tr></thead><tbody>\n");
            for (k, f) in p.failing.iter().take(MAX_FAILING).enumerate() {
                let _ = writeln!(
                    b,
                    "<tr>{}<td><span class=\"status {}\">{}</span></td><td>{}</td><td><code>{}</code></td><td><code data-json=\"{}\" data-value=\"{}\">{}</code></td></tr>",
                    cell(&ptr(&format!("failing_seeds/{k}/seed")), &json!(f.seed), &f.seed.to_string()),
                    f.verdict.name(),
                    f.verdict.name().to_uppercase(),
                    esc(&f.failed.join(", ")),
                    esc(&f.fingerprint),
                    esc(&ptr(&format!("failing_seeds/{k}/reproduce"))),
                    esc(&json!(f.reproduce).to_string()),
                    esc(&f.reproduce)
                );
            }
            b.push_str("</tbody></table>\n");
            if p.failing.len() > MAX_FAILING {
                let _ = writeln!(b, "<p class=\"note\">… and {} more (see <code>sweep --json</code>).</p>", p.failing.len() - MAX_FAILING);
            }
        }
        b.push_str("</section>\n");
    }
    let _ = writeln!(
        b,
        "<section id=\"reproduce\">\n<h2>Reproduce</h2>\n<pre class=\"reproduce\">faultline sweep {} --seeds {}..{}  # {}</pre>\n</section>\n</main>",
        esc(&crate::outcome::origin_arg(v.origin)),
        v.seeds.start,
        v.seeds.end,
        esc(&crate::version::tag())
    );
    document(&format!("{} — faultline sweep ({verdict})", v.scenario), &b)
}

/// A histogram of sorted `vals` in 20 equal bins from the smallest to the largest (from 0,
/// values 3.17 s to 3.20 s all fell in one bar), with the p50, p90 and p99 drawn. When every
/// value is the same, one bar at it, on an axis a little either side. The axis is titled
/// by what it measures (`quantity`): durations from each fault's start, not simulated time.
fn histogram(name: &str, quantity: &'static str, vals: &[f64]) -> String {
    let (lo, hi) = (vals.first().copied().unwrap_or(0.0), vals.last().copied().unwrap_or(0.0));
    let single = hi <= lo;
    let ax = if single {
        let pad = (lo.abs() * 0.1).max(1e-3);
        axis::TimeAxis::between((lo - pad).max(0.0), lo + pad)
    } else {
        axis::TimeAxis::between(lo, hi)
    }
    .measuring(quantity);
    let mut counts = [0usize; BINS];
    for &v in vals {
        // The largest value closes the last bin.
        let i = if single { 0 } else { ((v - lo) / (hi - lo) * BINS as f64).floor() as usize };
        counts[i.min(BINS - 1)] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let (left, h, plot_top) = (64.0, 160.0, 58.0);
    let xs = XScale::of(&ax, left, svg::WIDTH - left - 48.0);
    let bottom = plot_top + h;
    let mut out = svg::open(Embed::Inline, svg::WIDTH, bottom + 44.0, &format!("{name} time over seeds"));
    let _ = writeln!(
        out,
        "<text x=\"{left}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{name}: {} fault{}{}</text>",
        vals.len(),
        if vals.len() == 1 { "" } else { "s" },
        if single && vals.len() > 1 { format!(", every one {}", esc(&show_secs_exact(lo))) } else { String::new() }
    );
    svg::time_axis(&mut out, &xs, &ax, plot_top, bottom, svg::WIDTH);
    let bw = xs.width / BINS as f64;
    // Named, not positional: the tooltip's count once stood first in the argument list and
    // took the place of `x` (a string cut to one character by `.1`), shifting every bar.
    let bar = |out: &mut String, x: f64, c: usize, tip: &str| {
        let bh = h * c as f64 / top;
        let (y, w) = (bottom - bh, (bw - 2.0).max(1.0));
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{bh:.1}\" fill=\"#0072b2\"><title>{tip}</title></rect>"
        );
    };
    if single {
        let x = (xs.x(lo) - bw / 2.0).clamp(left, left + xs.width - bw) + 1.0;
        let tip = format!("{} at {} (every value)", super::count(vals.len(), "fault", "faults"), esc(&show_secs_exact(lo)));
        bar(&mut out, x, vals.len(), &tip);
    } else {
        let width = (hi - lo) / BINS as f64;
        for (i, &c) in counts.iter().enumerate() {
            let from = lo + width * i as f64;
            let to = if i + 1 == BINS { hi } else { from + width };
            let tip = format!("{} from {} to {}", super::count(c, "fault", "faults"), esc(&edge(from, width)), esc(&edge(to, width)));
            bar(&mut out, left + i as f64 * bw + 1.0, c, &tip);
        }
    }
    let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>", left - 6.0, plot_top + 4.0, top as usize);
    let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{bottom:.1}\" text-anchor=\"end\">0</text>", left - 6.0);
    // Percentile labels: one lane each so close percentiles stay legible.
    for (k, (q, label)) in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99")].iter().enumerate() {
        if let Some(v) = scenarios::percentile(vals, *q) {
            let x = xs.x(v);
            let y = 20.0 + k as f64 * 12.0;
            // Near the right edge the label ends at its line, on the left of it.
            let near_end = x > svg::WIDTH - 120.0;
            let _ = writeln!(
                out,
                "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#b00020\" stroke-dasharray=\"4 3\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#b00020\"{}>{label} {}</text>",
                if near_end { x - 3.0 } else { x + 3.0 },
                y + 8.0,
                if near_end { " text-anchor=\"end\"" } else { "" },
                // To the millisecond: on a narrow span p90 and p99 differ past the tables'
                // rounding (3.196 s and 3.197 s both read 3.20s).
                esc(&show_secs_exact(v))
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// A bin's edge with the digits that tell it from the next one `width` away: `3.1715s`
/// beside `3.173s`, where the tables' rounding would print `3.17s` for both.
fn edge(s: f64, width: f64) -> String {
    let (v, unit, w) = if s.abs() < 1.0 { (s * 1e3, "ms", width * 1e3) } else { (s, "s", width) };
    let decimals = if w > 0.0 && w.is_finite() { (-(w.log10()).floor() as i64 + 1).clamp(0, 9) as usize } else { 3 };
    let t = format!("{v:.decimals$}");
    let t = if t.contains('.') { t.trim_end_matches('0').trim_end_matches('.').to_string() } else { t };
    format!("{t}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_edges_stay_distinct() {
        assert_eq!(edge(3.17, 0.0015), "3.17s");
        assert_eq!(edge(3.1715, 0.0015), "3.1715s");
        assert_eq!(edge(0.2785, 0.00015), "278.5ms");
        assert_eq!(edge(0.0, 0.01), "0ms");
        assert_eq!(edge(120.0, 30.0), "120s");
    }
}
