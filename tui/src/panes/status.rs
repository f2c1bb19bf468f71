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
            format!("{} / {}", sim.now(), sim.end()),
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
        format!("{} / {}", sim.now(), sim.end()),
        api,
        fp,
        conns,
        speed(tenths),
        format!("seed {}", app.seed),
        format!("{} ev", sim.events()),
    ]
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
    use super::speed;

    #[test]
    fn speeds_are_written_as_multiples_of_real_time() {
        assert_eq!(speed(1), "×0.1");
        assert_eq!(speed(10), "×1");
        assert_eq!(speed(100_000), "×10,000");
    }
}
