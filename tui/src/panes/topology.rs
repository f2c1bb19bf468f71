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
    let inner_w = area.width.saturating_sub(2) as usize;
    let (lines, selected_line) = lines(app, inner_w);
    let rows = area.height.saturating_sub(2) as usize;
    let scroll = selected_line.map_or(0, |s| (s + 2).saturating_sub(rows));
    let title = format!("Topology ({} links)", app.order.len());
    Paragraph::new(lines).block(block(title)).scroll((scroll as u16, 0)).render(area, buf);
}

/// The pane's lines and the index of the selected channel's line.
fn lines(app: &App, width: usize) -> (Vec<Line<'static>>, Option<usize>) {
    let model = app.sim.model();
    let mut out = Vec::new();
    let mut selected_line = None;
    let mut group: Option<Option<u32>> = None;
    let mut facility = None;
    for (i, &l) in app.order.iter().enumerate() {
        let link = &model.links[l.index()];
        let ic = link.interconnect.map(|g| g.0);
        if group != Some(ic) {
            group = Some(ic);
            facility = None;
            out.push(group_header(model, l));
        }
        if ic.is_some() && link.facility != facility {
            facility = link.facility;
            let name = link.facility.map_or("(no facility)", |f| model.facilities[f.index()].id.as_str());
            out.push(Line::styled(format!(" {}", short(name)), THEME.dim));
        }
        if i == app.selected {
            selected_line = Some(out.len());
        }
        out.push(channel_line(app, l, i == app.selected, width));
    }
    (out, selected_line)
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
fn channel_line(app: &App, l: LinkId, selected: bool, width: usize) -> Line<'static> {
    let model = app.sim.model();
    let link = &model.links[l.index()];
    let view = app.sim.link(l);
    let load = view.load_bps[0].max(view.load_bps[1]);
    let fraction = load as f64 / link.goodput_bps.max(1) as f64;
    let name = if link.interconnect.is_some() { short(link.id()) } else { link.id() };
    let name_w = app.order.iter().map(|o| short(model.links[o.index()].id()).chars().count()).max().unwrap_or(3);
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
