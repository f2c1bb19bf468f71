//! The status bar: play state, simulated time, speed, seed, fingerprint, events run.
//!
//! Everything shown is simulated or derived from the run; no wall time, so a snapshot of it
//! is reproducible. Attached to a live run, it names the API, the run's speed and its
//! connections, and warns when the API is lost or the local copy diverged.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::App;
use crate::attach::Attached;
use crate::theme::THEME;
use sim_core::show::{AxisUnit, show_axis_secs};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let sim = &app.sim;
    let (badge, style) = match (app.playing, sim.is_finished()) {
        (_, true) => (" ■ END  ", THEME.paused),
        (true, false) => (" ▶ PLAY ", THEME.playing),
        (false, false) => (" ‖ PAUSE", THEME.paused),
    };
    let mut parts = match &app.attached {
        Some(a) => attached(app, a),
        None => vec![
            clock(sim.now().as_secs_f64(), sim.end().as_secs_f64()),
            speed(app.speed_tenths()),
            format!("seed {}", app.seed),
            format!("fp {:016x}", sim.fingerprint()),
            format!("{} ev", sim.events()),
        ],
    };
    if !app.hand.is_empty() {
        parts.push(format!("{} by hand", app.hand.len()));
    }
    parts.push(app.session.name.clone());
    // Drop from the end (name, hand faults, events) until the bar fits.
    let room = (area.width as usize).saturating_sub(badge.chars().count());
    while parts.len() > 4 && text(&parts).chars().count() > room {
        parts.pop();
    }
    buf.set_style(area, THEME.status);
    Line::from(vec![Span::styled(badge, style), Span::styled(text(&parts), THEME.status)]).render(area, buf);
}

/// Time, the API (and what is wrong with it), fingerprint, connections, speed, seed, events.
fn attached(app: &App, a: &Attached) -> Vec<String> {
    let sim = &app.sim;
    let mut api = format!("attached to {}", a.addr);
    if !a.reachable {
        api.push_str(" (API LOST)");
    }
    let mut fp = format!("fp {:016x}", sim.fingerprint());
    if a.mismatch.is_some() {
        fp.push_str(" ≠ LIVE");
    } else if a.behind {
        fp.push_str(" catching up");
    }
    let conns = a
        .remote
        .as_ref()
        .map_or_else(|| "no state yet".to_string(), |r| format!("{} conn ({} open)", r.connections.len(), r.open_connections()));
    let tenths = a.remote.as_ref().map_or(10, |r| (r.speed * 10.0).round().max(1.0) as u64);
    vec![
        clock(sim.now().as_secs_f64(), sim.end().as_secs_f64()),
        api,
        fp,
        conns,
        speed(tenths),
        format!("seed {}", app.seed),
        format!("{} ev", sim.events()),
    ]
}

/// `10.25m / 30m`: the simulated time and the run's end in the unit of the chart's axis,
/// which spans the run (`sim_core::show::show_axis_secs`), not raw seconds (`615s / 1800s`).
fn clock(now_s: f64, end_s: f64) -> String {
    // The time is cut, not rounded, to the two decimals shown: 29.999 minutes into a
    // 30-minute run must not read `30m / 30m`, the end, while the run goes on.
    let u = AxisUnit::for_span(end_s).seconds();
    let cut = (now_s / u * 100.0 + 1e-6).floor() / 100.0 * u;
    format!("{} / {}", show_axis_secs(cut.min(now_s), end_s), show_axis_secs(end_s, end_s))
}

fn text(parts: &[String]) -> String {
    format!(" {}", parts.join(" │ "))
}

/// `×0.1`, `×10`, `×10,000`.
pub fn speed(tenths: u64) -> String {
    if tenths < 10 {
        return format!("×0.{tenths}");
    }
    let whole = (tenths / 10).to_string();
    let mut out = String::from("×");
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{clock, speed};

    #[test]
    fn speeds_are_written_as_multiples_of_real_time() {
        assert_eq!(speed(1), "×0.1");
        assert_eq!(speed(10), "×1");
        assert_eq!(speed(100_000), "×10,000");
    }

    #[test]
    fn the_clock_is_in_the_unit_of_the_chart_axis() {
        assert_eq!(clock(0.0, 1800.0), "0m / 30m");
        assert_eq!(clock(615.0, 1800.0), "10.25m / 30m");
        assert_eq!(clock(25.0, 60.0), "25s / 60s");
        assert_eq!(clock(7200.0, 86_400.0), "2h / 24h");
        assert_eq!(clock(0.29, 1.0), "290ms / 1000ms");
        // Just short of the end does not read as the end.
        assert_eq!(clock(1799.9, 1800.0), "29.99m / 30m");
        assert_eq!(clock(1800.0, 1800.0), "30m / 30m");
    }
}
