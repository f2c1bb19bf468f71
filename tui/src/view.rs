//! The view of the Elm architecture: lays the panes out for the terminal's size and draws
//! them from the [`App`] without changing it.
//!
//! Rendering is `impl Widget for &App`: a shared reference is all a view needs, so the type
//! system guarantees a frame cannot step or alter the simulation. The panes themselves live
//! in [`crate::panes`], one file each; the help overlay in [`crate::help`].

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Widget;

use crate::app::{App, Overlay};
use crate::help;
use crate::panes;

/// Draws the whole screen.
pub fn view(app: &App, frame: &mut Frame) {
    frame.render_widget(app, frame.area());
}

/// Where each pane goes, for a given screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub status: Rect,
    pub topology: Rect,
    pub chart: Rect,
    pub log: Rect,
    pub metrics: Rect,
    pub hints: Rect,
}

impl Areas {
    /// Status bar on top, hint bar at the bottom; topology beside the chart, the log beside
    /// the metrics. Wide screens give the topology more room, tall ones the log.
    pub fn new(area: Rect) -> Areas {
        let [status, body, hints] = Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)]).areas(area);
        // Below 24 body rows (an 80×24 terminal has 22) the top gets the 10 rows one quad's
        // topology needs, so the failover pane below keeps room for the expectations.
        let top_rows = if body.height < 24 { 10.min(body.height) } else { (body.height * 11 / 20).clamp(9, 20) };
        let [top, bottom] = Layout::vertical([Constraint::Length(top_rows), Constraint::Min(0)]).areas(body);
        let topo_cols = match area.width {
            w if w >= 120 => w / 2,
            w if w >= 100 => 56,
            w => 44.min(w),
        };
        let [topology, chart] = Layout::horizontal([Constraint::Length(topo_cols), Constraint::Min(0)]).areas(top);
        let metrics_cols = if area.width >= 120 { 44 } else { 30.min(area.width / 2) };
        let [log, metrics] = Layout::horizontal([Constraint::Min(0), Constraint::Length(metrics_cols)]).areas(bottom);
        Areas { status, topology, chart, log, metrics, hints }
    }
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let a = Areas::new(area);
        panes::status::render(self, a.status, buf);
        panes::topology::render(self, a.topology, buf);
        panes::chart::render(self, a.chart, buf);
        panes::log::render(self, a.log, buf);
        panes::metrics::render(self, a.metrics, buf);
        panes::hints::render(self.attached.is_some(), a.hints, buf);
        if self.overlay == Overlay::Help {
            help::render(self.attached.is_some(), area, buf);
        }
    }
}
