//! The throughput timeline as SVG: one line per traffic group, fault windows shaded.
//! plotters with only its SVG backend, so no system fonts are needed.

use plotters::prelude::*;

use crate::outcome::Outcome;

pub fn render(o: &Outcome) -> anyhow::Result<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (960, 480)).into_drawing_area();
        root.fill(&WHITE)?;
        let end = o.report.duration_s.max(1e-9);
        let peak = o.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0f64, f64::max).max(1.0) / 1e9 * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{} — throughput (seed {})", o.scenario, o.seed), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..end, 0.0..peak)?;
        chart.configure_mesh().x_desc("simulated time (s)").y_desc("Gbps").draw()?;
        for &(a, b) in &o.fault_windows {
            chart
                .draw_series(std::iter::once(Rectangle::new([(a, 0.0), (b.min(end), peak)], RGBColor(255, 200, 200).mix(0.4).filled())))?;
        }
        for (i, s) in o.series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            // Piecewise constant: hold each value until the next point.
            let mut pts = Vec::with_capacity(s.points.len() * 2 + 1);
            for (k, &(t, v)) in s.points.iter().enumerate() {
                if k > 0 {
                    pts.push((t, s.points[k - 1].1 / 1e9));
                }
                pts.push((t, v / 1e9));
            }
            if let Some(&(_, v)) = s.points.last() {
                pts.push((end, v / 1e9));
            }
            chart
                .draw_series(LineSeries::new(pts, color.stroke_width(2)))?
                .label(s.id.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
        }
        chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
        root.present()?;
    }
    Ok(buf)
}
