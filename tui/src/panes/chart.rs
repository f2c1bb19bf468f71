//! The throughput chart: the aggregate delivered rate of all traffic and the load of each
//! channel of the selected channel's interconnect, over the whole run, with every fault
//! start marked by a red vertical line on the time axis (and listed in the title).
//!
//! It plots the sampled [`crate::history::History`] plus the present value; it never samples
//! the simulation into the history itself.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, LegendPosition, Widget};

use crate::app::App;
use crate::history::{aggregate, link_load};
use crate::panes::{block, rate};
use crate::theme::THEME;

/// Most channel series drawn at once.
const MAX_SERIES: usize = 6;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let h = &app.history;
    let end = app.sim.end().as_secs_f64().max(1e-9);
    let now = app.sim.now().as_secs_f64();
    let total = series(&h.times, &h.aggregate, now, aggregate(&app.sim));
    let chans: Vec<(String, Vec<(f64, f64)>)> = shown_channels(app)
        .into_iter()
        .map(|i| {
            let l = app.order[i];
            let name = app.sim.model().links[l.index()].id().rsplit('/').next().unwrap_or("?").to_string();
            (name, series(&h.times, &h.links[i], now, link_load(&app.sim, l)))
        })
        .collect();
    let top = nice_top(h.peak.max(aggregate(&app.sim)));
    let faults: Vec<(String, f64)> = app.sim.fault_list().into_iter().filter_map(|f| f.start.map(|s| (f.id, s.as_secs_f64()))).collect();
    let markers: Vec<Vec<(f64, f64)>> = faults.iter().map(|(_, t)| vec![(*t, 0.0), (*t, top as f64 / 1e9)]).collect();

    let mut sets = Vec::new();
    for m in &markers {
        sets.push(
            Dataset::default().marker(Marker::Braille).graph_type(GraphType::Line).style(Style::new().fg(THEME.fault_marker)).data(m),
        );
    }
    for (k, (name, data)) in chans.iter().enumerate() {
        let color = THEME.series[k % THEME.series.len()];
        sets.push(
            Dataset::default()
                .name(name.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::new().fg(color))
                .data(data),
        );
    }
    sets.push(
        Dataset::default()
            .name("all")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::new().fg(THEME.aggregate))
            .data(&total),
    );

    let legend = if area.width >= 44 && area.height >= 12 { Some(LegendPosition::TopRight) } else { None };
    // In the unit the reports' time axis uses for the run's length: a 30-minute run ends at
    // `30m`, not `1800s`.
    let x_labels = [Line::from(axis_time(0.0, end)), Line::from(axis_time(end, end))];
    let y_labels = [Line::from("0"), Line::from(rate(top))];
    let chart = Chart::new(sets)
        .block(block(title(app, &faults)))
        .legend_position(legend)
        .hidden_legend_constraints((Constraint::Ratio(1, 3), Constraint::Ratio(1, 2)))
        .x_axis(Axis::default().bounds([0.0, end]).labels(x_labels).style(THEME.dim))
        .y_axis(Axis::default().bounds([0.0, top as f64 / 1e9]).labels(y_labels).style(THEME.dim));
    chart.render(area, buf);
}

/// `Throughput all 6.00G · ▲cut-ch2 30s`; fault times in the axis's unit (`▲cut 10m`).
fn title(app: &App, faults: &[(String, f64)]) -> Line<'static> {
    let end = app.sim.end().as_secs_f64();
    let mut spans = vec![Span::styled(format!("Throughput all {}", rate(aggregate(&app.sim))), THEME.title)];
    for (id, t) in faults.iter().rev().take(3).rev() {
        spans.push(Span::styled(format!(" ▲{id} {}", axis_time(*t, end)), Style::new().fg(THEME.fault_marker)));
    }
    Line::from(spans)
}

/// A time on the chart's axis, which spans the run (`end_s`): `sim_core::show::show_axis_secs`.
fn axis_time(t: f64, end_s: f64) -> String {
    sim_core::show::show_axis_secs(t, end_s)
}

/// Samples as (seconds, Gbps), then the present.
fn series(times: &[sim_core::SimTime], values: &[u64], now: f64, current: u64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = times.iter().zip(values).map(|(t, v)| (t.as_secs_f64(), *v as f64 / 1e9)).collect();
    if out.last().is_none_or(|p| p.0 < now) {
        out.push((now, current as f64 / 1e9));
    }
    out
}

/// Indexes (in display order) of the channels in the selected channel's interconnect.
fn shown_channels(app: &App) -> Vec<usize> {
    let model = app.sim.model();
    let group = |i: usize| app.order.get(i).map(|l| model.links[l.index()].interconnect);
    let sel = group(app.selected);
    (0..app.order.len()).filter(|&i| group(i) == sel).take(MAX_SERIES).collect()
}

/// A round upper bound above `peak` (1, 2 or 5 times a power of ten, in bits per second).
fn nice_top(peak: u64) -> u64 {
    let want = (peak as f64 * 1.1).max(1e6);
    let mut base = 1e6;
    loop {
        for m in [1.0, 2.0, 5.0] {
            if base * m >= want {
                return (base * m) as u64;
            }
        }
        base *= 10.0;
    }
}
