//! The throughput chart (`run --svg`, and the HTML report's chart): one line per traffic
//! group; every fault window shaded and labelled in a lane above the plot, labels staggered so
//! none overlaps another; a mark for each detection, convergence, recovery, alarm and runbook
//! action; the `[expect]` RTO and recovery targets dashed; the time axis in the unit the run's
//! length calls for. Hand-written SVG (no fonts, no dependencies): every coordinate is
//! computed here, so nothing is clipped (the last tick label is kept inside the canvas).

pub mod axis;
pub mod marks;

use std::fmt::Write;

use scenarios::Expectations;

use crate::html::escape::esc;
use crate::outcome::Outcome;
use axis::{RateAxis, TimeAxis};
use marks::{Mark, MarkKind, Window};

/// How the SVG is used: a file of its own (with the XML declaration and namespace) or inline
/// in the HTML report (where it scales to the page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Embed {
    File,
    Inline,
}

/// Line colours (Okabe-Ito, told apart by most colour-blind readers), then repeated.
pub const PALETTE: [&str; 7] = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000"];
const FAULT_FILL: &str = "#e8a0a0";

pub const WIDTH: f64 = 960.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 56.0;
const PLOT_H: f64 = 280.0;
const LABEL_LANES: usize = 4;
const LABEL_LANE_H: f64 = 15.0;
const MARK_LANES: usize = 5;
const MARK_LANE_H: f64 = 18.0;

/// `run --svg FILE`: the chart as a file of its own.
pub fn render(o: &Outcome, expect: Option<&Expectations>) -> String {
    throughput(o, expect, Embed::File)
}

/// Width of `text` at 11 px sans-serif, roughly (no font metrics without a font: this
/// errs wide, so labels given separate lanes never touch).
pub fn text_width(text: &str, px: f64) -> f64 {
    text.chars().count() as f64 * px * 0.62
}

/// A fault label's text and where it starts, so that all of it lies inside the canvas.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultLabel {
    pub text: String,
    pub x: f64,
    /// Its width by [`text_width`] (which errs wide).
    pub width: f64,
}

impl FaultLabel {
    /// The label of a window starting at `x0`: at the window, moved left as far as it must
    /// to end inside the canvas, and shortened with `…` only if wider than the canvas.
    pub fn place(full: &str, x0: f64) -> FaultLabel {
        let (min_x, max_x) = (4.0, WIDTH - 4.0);
        let mut text = full.to_string();
        if text_width(&text, 11.0) > max_x - min_x {
            let keep = ((max_x - min_x) / (11.0 * 0.62)).floor() as usize;
            text = full.chars().take(keep.saturating_sub(1)).chain(std::iter::once('…')).collect();
        }
        let width = text_width(&text, 11.0);
        FaultLabel { x: (x0 + 1.0).min(max_x - width).max(min_x), text, width }
    }
}

/// Maps simulated seconds onto the plot's x range.
#[derive(Clone, Copy, Debug)]
pub struct XScale {
    pub left: f64,
    pub width: f64,
    /// The time at the left edge: 0 for a run's charts, the smallest value for a sweep's
    /// histogram.
    pub start_s: f64,
    pub end_s: f64,
}

impl XScale {
    /// The scale of an axis, over `width` pixels from `left`.
    pub fn of(ax: &TimeAxis, left: f64, width: f64) -> XScale {
        XScale { left, width, start_s: ax.start_s, end_s: ax.end_s }
    }

    pub fn x(&self, t: f64) -> f64 {
        let span = self.end_s - self.start_s;
        let f = if span > 0.0 { (t - self.start_s) / span } else { 0.0 };
        self.left + self.width * f.clamp(0.0, 1.0)
    }
}

/// `<svg …>`: the opening tag for either use.
pub fn open(embed: Embed, w: f64, h: f64, title: &str) -> String {
    let ns = match embed {
        Embed::File => " xmlns=\"http://www.w3.org/2000/svg\"",
        Embed::Inline => "",
    };
    let size = match embed {
        Embed::File => format!(" width=\"{w:.0}\" height=\"{h:.0}\""),
        Embed::Inline => String::new(),
    };
    format!(
        "<svg{ns}{size} viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\"><title>{}</title>\n<rect width=\"{w:.0}\" height=\"{h:.0}\" fill=\"#fff\"/>\n",
        esc(title)
    )
}

/// A mark's glyph: a circle with its letter for what happened, a white tag with a dashed red
/// border and its label for a target (`RTO ≤ 15min`, `recover ≤ 5s`: the two targets share
/// a colour, so the label is what tells them apart), and a tooltip saying what and when (to
/// the millisecond: an instant near the run's end must not read as the end). A tag is kept
/// inside the canvas; its line (drawn by the caller) stays at its time.
pub fn glyph(out: &mut String, x: f64, y: f64, m: &Mark) {
    let k = m.kind;
    let title = format!("<title>{} at {}</title>", esc(&m.text), esc(&sim_core::show::show_secs_exact(m.t_s)));
    if m.is_tag() {
        let w = m.glyph_width();
        let cx = x.clamp(w / 2.0 + 2.0, WIDTH - w / 2.0 - 2.0);
        let _ = writeln!(
            out,
            "<g class=\"mark\">{title}<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"14\" rx=\"7\" fill=\"#fff\" stroke=\"{}\" stroke-dasharray=\"2 1\"/><text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"9\" font-weight=\"bold\" fill=\"{}\">{}</text></g>",
            cx - w / 2.0,
            y - 7.0,
            k.colour(),
            y + 3.2,
            k.colour(),
            esc(&m.label)
        );
        return;
    }
    let _ = writeln!(
        out,
        "<g class=\"mark\">{title}<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"7\" fill=\"{}\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"9\" font-weight=\"bold\" fill=\"#fff\">{}</text></g>",
        k.colour(),
        y + 3.2,
        esc(&m.label)
    );
}

/// The time axis under a plot whose bottom is at `y`: ticks, labels (the last one kept
/// inside the canvas), the axis title, and light vertical grid lines up to `top`.
pub fn time_axis(out: &mut String, xs: &XScale, ax: &TimeAxis, top: f64, y: f64, canvas_w: f64) {
    let _ = writeln!(out, "<g class=\"x-axis\" fill=\"#333\">");
    for (t, label) in ax.ticks() {
        let x = xs.x(t);
        let _ = writeln!(out, "<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{y:.1}\" stroke=\"#eee\"/>");
        let _ = writeln!(out, "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#333\"/>", y + 4.0);
        let w = text_width(&label, 11.0);
        let anchor = if x + w / 2.0 > canvas_w - 2.0 { "end" } else { "middle" };
        let _ = writeln!(out, "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>", y + 16.0, esc(&label));
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n</g>",
        xs.left + xs.width / 2.0,
        y + 32.0,
        esc(&ax.title())
    );
}

/// A target's legend entry: its tag's text and the `[expect]` key it stands for,
/// `RTO ≤ 15min: rto_within from each fault's start`.
pub fn target_legend(k: MarkKind, label: &str) -> String {
    format!("{label}: {} from each fault's start", k.expect_key().unwrap_or("[expect]"))
}

/// The throughput chart.
pub fn throughput(o: &Outcome, expect: Option<&Expectations>, embed: Embed) -> String {
    let end = o.report.duration_s.max(1e-9);
    let ax = TimeAxis::new(end);
    let xs = XScale::of(&ax, LEFT, WIDTH - LEFT - RIGHT);
    let windows = marks::windows(o);
    // A target past the run's end (an RTO longer than the run) has no place on the plot;
    // the report's chronology still lists it.
    let marks: Vec<Mark> = marks::marks(o, expect).into_iter().filter(|m| m.t_s <= end).collect();

    // Fault labels: each takes its window or its label's width, whichever is wider. A label
    // starts at its window, or further left when it would run past the canvas (a fault near
    // the run's end); one wider than the whole canvas is shortened, its full text in a tooltip.
    let full_label = |w: &Window| if w.repaired { w.id.clone() } else { format!("{} (not repaired)", w.id) };
    let placed: Vec<FaultLabel> = windows.iter().map(|w| FaultLabel::place(&full_label(w), xs.x(w.start_s))).collect();
    let extents: Vec<(f64, f64)> =
        windows.iter().zip(&placed).map(|(w, p)| (p.x.min(xs.x(w.start_s)), xs.x(w.end_s).max(p.x + p.width + 4.0))).collect();
    let label_lane = marks::lanes(&extents, LABEL_LANES);
    let label_lanes = label_lane.iter().flatten().max().map_or(0, |l| l + 1);
    let mark_extents: Vec<(f64, f64)> = marks
        .iter()
        .map(|m| {
            let half = m.glyph_width() / 2.0 + 1.0;
            (xs.x(m.t_s) - half, xs.x(m.t_s) + half)
        })
        .collect();
    let mark_lane = marks::lanes(&mark_extents, MARK_LANES);
    let mark_lanes = mark_lane.iter().flatten().max().map_or(0, |l| l + 1);

    let lanes_top = 34.0;
    let marks_top = lanes_top + label_lanes as f64 * LABEL_LANE_H + 4.0;
    let plot_top = marks_top + mark_lanes as f64 * MARK_LANE_H + 6.0;
    let plot_bottom = plot_top + PLOT_H;

    let peak = o.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0f64, f64::max);
    let ra = RateAxis::new(peak);
    let y = |bps: f64| plot_bottom - PLOT_H * (bps / ra.top_bps).clamp(0.0, 1.0);

    // The legend: groups, the fault window, then the kinds of mark present, wrapped.
    let mut legend: Vec<(String, String)> = Vec::new();
    for (i, s) in o.series.iter().enumerate() {
        legend.push((
            format!("<line x1=\"0\" y1=\"-4\" x2=\"16\" y2=\"-4\" stroke=\"{}\" stroke-width=\"2\"/>", PALETTE[i % PALETTE.len()]),
            format!("traffic {}", s.id),
        ));
    }
    if !windows.is_empty() {
        legend.push((
            format!("<rect x=\"0\" y=\"-10\" width=\"16\" height=\"10\" fill=\"{FAULT_FILL}\" fill-opacity=\"0.45\"/>"),
            "fault window".into(),
        ));
    }
    for k in MarkKind::ALL {
        let Some(first) = marks.iter().find(|m| m.kind == k) else { continue };
        if k.is_target() {
            // A target's entry says which `[expect]` key its tag stands for.
            legend.push((
                format!(
                    "<line x1=\"8\" y1=\"-11\" x2=\"8\" y2=\"3\" stroke=\"{}\" stroke-width=\"1.2\" stroke-dasharray=\"5 3\"/>",
                    k.colour()
                ),
                target_legend(k, &first.label),
            ));
        } else {
            legend.push((
                format!(
                    "<circle cx=\"8\" cy=\"-4\" r=\"7\" fill=\"{}\"/><text x=\"8\" y=\"-0.8\" text-anchor=\"middle\" font-size=\"9\" font-weight=\"bold\" fill=\"#fff\">{}</text>",
                    k.colour(),
                    k.glyph()
                ),
                k.name().to_string(),
            ));
        }
    }
    let mut rows: Vec<Vec<(f64, usize)>> = vec![Vec::new()];
    let mut x = LEFT;
    for (i, (_, text)) in legend.iter().enumerate() {
        let w = 22.0 + text_width(text, 11.0) + 14.0;
        if x + w > WIDTH - 8.0 && x > LEFT {
            rows.push(Vec::new());
            x = LEFT;
        }
        if let Some(r) = rows.last_mut() {
            r.push((x, i));
        }
        x += w;
    }
    let legend_top = plot_bottom + 56.0;
    let height = legend_top + rows.len() as f64 * 18.0 + 6.0;

    let title = format!("{} — throughput per traffic group (seed {})", o.scenario, o.seed);
    let mut out = String::new();
    out.push_str(&open(embed, WIDTH, height, &title));
    let _ = writeln!(out, "<text x=\"{LEFT}\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{}</text>", esc(&title));

    // Fault windows: shaded over the plot, and a bar with the fault's id in its lane.
    let _ = writeln!(out, "<g class=\"faults\">");
    for (i, w) in windows.iter().enumerate() {
        let (x0, x1) = (xs.x(w.start_s), xs.x(w.end_s));
        let _ = writeln!(
            out,
            "<rect x=\"{x0:.1}\" y=\"{plot_top:.1}\" width=\"{:.1}\" height=\"{PLOT_H:.1}\" fill=\"{FAULT_FILL}\" fill-opacity=\"0.35\"><title>fault {} {} to {}</title></rect>",
            (x1 - x0).max(1.0),
            esc(&w.id),
            esc(&sim_core::show::show_secs_exact(w.start_s)),
            if w.repaired { esc(&sim_core::show::show_secs_exact(w.end_s)) } else { "the end (not repaired)".into() }
        );
        if let Some(l) = label_lane[i] {
            let ly = lanes_top + l as f64 * LABEL_LANE_H;
            let p = &placed[i];
            let tip = if p.text == full_label(w) { String::new() } else { format!("<title>{}</title>", esc(&full_label(w))) };
            let _ = writeln!(
                out,
                "<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"3\" fill=\"#b04040\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#802020\">{tip}{}</text>",
                ly + 10.0,
                (x1 - x0).max(2.0),
                p.x,
                ly + 8.5,
                esc(&p.text)
            );
        }
    }
    let hidden = label_lane.iter().filter(|l| l.is_none()).count();
    if hidden > 0 {
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"20\" text-anchor=\"end\" fill=\"#802020\">{} not shown (see the fault table)</text>",
            WIDTH - 8.0,
            if hidden == 1 { "1 more fault label".to_string() } else { format!("{hidden} more fault labels") }
        );
    }
    let _ = writeln!(out, "</g>");

    // Y axis and grid.
    let _ = writeln!(out, "<g class=\"y-axis\" fill=\"#333\">");
    for (bps, text) in ra.ticks() {
        let yy = y(bps);
        let _ = writeln!(out, "<line x1=\"{LEFT}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#eee\"/>", xs.left + xs.width);
        let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>", LEFT - 6.0, yy + 4.0, esc(&text));
    }
    let _ = writeln!(
        out,
        "<text transform=\"translate(14 {:.1}) rotate(-90)\" text-anchor=\"middle\">throughput ({})</text>\n</g>",
        plot_top + PLOT_H / 2.0,
        ra.unit
    );
    time_axis(&mut out, &xs, &ax, plot_top, plot_bottom, WIDTH);

    // The lines: piecewise constant, each value held until the next point.
    let _ = writeln!(out, "<g class=\"series\" fill=\"none\" stroke-width=\"2\">");
    for (i, s) in o.series.iter().enumerate() {
        let mut d = String::new();
        let mut last: Option<(String, String)> = None;
        for &(t, v) in &s.points {
            let (px, py) = (format!("{:.1}", xs.x(t)), format!("{:.1}", y(v)));
            match &last {
                None => {
                    let _ = write!(d, "M{px} {py}");
                }
                Some((lx, ly)) if *lx == px && *ly == py => continue,
                Some((_, ly)) if *ly == py => continue,
                Some(_) => {
                    let _ = write!(d, "H{px}V{py}");
                }
            }
            last = Some((px, py));
        }
        if last.is_some() {
            let _ = write!(d, "H{:.1}", xs.x(end));
        }
        let _ = writeln!(out, "<path d=\"{d}\" stroke=\"{}\"><title>traffic {}</title></path>", PALETTE[i % PALETTE.len()], esc(&s.id));
    }
    let _ = writeln!(out, "</g>");
    let _ = writeln!(
        out,
        "<rect x=\"{LEFT}\" y=\"{plot_top:.1}\" width=\"{:.1}\" height=\"{PLOT_H:.1}\" fill=\"none\" stroke=\"#333\"/>",
        xs.width
    );

    // Marks: a line down the plot, and the glyph in its lane above it.
    let _ = writeln!(out, "<g class=\"marks\">");
    // Lines first, glyphs over them, so no line crosses a letter.
    for m in &marks {
        let x = xs.x(m.t_s);
        let dash = if m.kind.is_target() { " stroke-dasharray=\"5 3\"" } else { " stroke-dasharray=\"1 2\"" };
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{plot_bottom:.1}\" stroke=\"{}\" stroke-width=\"1.2\"{dash}/>",
            marks_top,
            m.kind.colour()
        );
    }
    for (i, m) in marks.iter().enumerate() {
        let x = xs.x(m.t_s);
        if let Some(l) = mark_lane[i] {
            glyph(&mut out, x, marks_top + l as f64 * MARK_LANE_H + 8.0, m);
        }
    }
    let _ = writeln!(out, "</g>");

    let _ = writeln!(out, "<g class=\"legend\">");
    for (r, row) in rows.iter().enumerate() {
        let ly = legend_top + r as f64 * 18.0;
        for &(lx, i) in row {
            let (sym, text) = &legend[i];
            let _ = writeln!(out, "<g transform=\"translate({lx:.1} {ly:.1})\">{sym}<text x=\"22\" y=\"0\">{}</text></g>", esc(text));
        }
    }
    let _ = writeln!(out, "</g>\n</svg>");
    out
}
