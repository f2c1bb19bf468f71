//! The topology pane: each interconnect with its two sites, its facilities, and per channel
//! the routers at both ends, the state (coloured and written out), the BGP session and the
//! utilization. Links outside interconnects (VPN tunnels, backbones) follow.
//!
//! The selected channel is highlighted and kept in view by scrolling.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use sim_core::Model;
use sim_core::model::LinkId;

use crate::app::App;
use crate::panes::{block, rate};
use crate::theme::{self, THEME};

/// Cells of a utilization bar.
const BAR: usize = 6;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let width = area.width.saturating_sub(2) as usize;
    let rows = layout(app);
    let height = area.height.saturating_sub(2) as usize;
    let selected_row = rows.iter().position(|r| *r == Row::Link(app.selected));
    let scroll = selected_row.map_or(0, |s| (s + 2).saturating_sub(height)).min(rows.len().saturating_sub(height));
    let model = app.sim.model();
    let name_w = app.order.iter().map(|o| short(model.links[o.index()].id()).chars().count()).max().unwrap_or(3);
    // Only the visible rows are drawn: a model may have thousands of links.
    let lines: Vec<Line> = rows
        .iter()
        .skip(scroll)
        .take(height)
        .map(|r| match *r {
            Row::Group(l) => group_header(model, l),
            Row::Facility(l) => {
                let name = model.links[l.index()].facility.map_or("(no facility)", |f| model.facilities[f.index()].id.as_str());
                Line::styled(format!(" {}", short(name)), THEME.dim)
            }
            Row::Link(i) => channel_line(app, app.order[i], i == app.selected, width, name_w),
        })
        .collect();
    let title = format!("Topology ({} links)", app.order.len());
    Paragraph::new(lines).block(block(title)).render(area, buf);
}

/// One row of the pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Row {
    /// The header of the group this link starts.
    Group(LinkId),
    /// The facility this link starts.
    Facility(LinkId),
    /// The link at this display index.
    Link(usize),
}

/// The rows: per interconnect a header, per facility a sub-header, then the channels.
fn layout(app: &App) -> Vec<Row> {
    let model = app.sim.model();
    let mut rows = Vec::with_capacity(app.order.len() * 2);
    let mut group = None;
    let mut facility = None;
    for (i, &l) in app.order.iter().enumerate() {
        let link = &model.links[l.index()];
        if group != Some(link.interconnect) {
            group = Some(link.interconnect);
            facility = None;
            rows.push(Row::Group(l));
        }
        if link.interconnect.is_some() && link.facility != facility {
            facility = link.facility;
            rows.push(Row::Facility(l));
        }
        rows.push(Row::Link(i));
    }
    rows
}

fn group_header(model: &Model, l: LinkId) -> Line<'static> {
    let link = &model.links[l.index()];
    let sites = |s: usize| model.sites[link.sites[s].index()].id.clone();
    let title = match link.interconnect {
        Some(g) => model.interconnects[g.index()].id.clone(),
        None => "other paths".to_string(),
    };
    let text = if link.interconnect.is_some() { format!(" {} ⇄ {}", sites(0), sites(1)) } else { String::new() };
    Line::from(vec![Span::styled(title, THEME.title), Span::styled(text, THEME.text)])
}

/// `▶ch2 aws-r2⇄gcp-r2 DOWN      ○ ▯▯▯▯▯▯   0% 0/4.59G`: routers if they fit, rates after.
fn channel_line(app: &App, l: LinkId, selected: bool, width: usize, name_w: usize) -> Line<'static> {
    let model = app.sim.model();
    let link = &model.links[l.index()];
    let view = app.sim.link(l);
    let load = view.load_bps[0].max(view.load_bps[1]);
    let fraction = load as f64 / link.goodput_bps.max(1) as f64;
    let name = if link.interconnect.is_some() { short(link.id()) } else { link.id() };
    let session = match view.session {
        Some(s) if s.up[0] && s.up[1] => ("●", theme::link_state("up")),
        Some(_) => ("○", theme::link_state("down")),
        None => (" ", Style::new()),
    };
    let filled = ((fraction * BAR as f64).round() as usize).min(BAR);
    let mut spans = vec![Span::styled(if selected { "▶" } else { " " }, THEME.title), Span::raw(format!("{name:<name_w$} "))];
    let tail = vec![
        Span::styled(format!("{:<9} ", view.state.to_uppercase()), theme::link_state(view.state)),
        Span::styled(format!("{} ", session.0), session.1),
        Span::styled(format!("{}{}", "▮".repeat(filled), "▯".repeat(BAR - filled)), theme::utilization(fraction)),
        Span::raw(format!("{:>4.0}%", fraction * 100.0)),
    ];
    let routers = format!("{}⇄{} ", short(&model.routers[link.routers[0].index()].id), short(&model.routers[link.routers[1].index()].id));
    let used = |spans: &[Span]| spans.iter().map(|s| s.content.chars().count()).sum::<usize>();
    if used(&spans) + used(&tail) + routers.chars().count() <= width {
        spans.push(Span::styled(routers, THEME.dim));
    }
    spans.extend(tail);
    let rates = format!(" {}/{}", rate(load), rate(view.capacity_bps));
    if used(&spans) + rates.chars().count() <= width {
        spans.push(Span::styled(rates, THEME.dim));
    }
    let line = Line::from(spans);
    if selected { line.style(THEME.selected) } else { line }
}

/// The id without its interconnect prefix: `ash/ch2` → `ch2`.
fn short(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}
