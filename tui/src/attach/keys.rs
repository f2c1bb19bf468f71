//! Keys while attached: faults and repairs become API requests, space pauses the live run,
//! and the keys of the local clock explain that the live run keeps its own.

use ratatui::crossterm::event::KeyCode;
use serde_json::json;

use super::Request;
use crate::app::App;
use crate::events::LineKind;
use crate::export::percent;
use crate::inject::{DEGRADE_LOSS_PPM, DRAIN_WAIT, HandKind};

/// Handles `code` if attached mode gives it its own meaning; false leaves it to the usual
/// handling (selection, export, help, quit).
pub(crate) fn on_key(app: &mut App, code: KeyCode) -> bool {
    match code {
        KeyCode::Char(' ') | KeyCode::Char('p') => pause(app),
        KeyCode::Char('+' | '=' | '-' | '_' | 'n' | '.' | 'r' | 's') => {
            let now = app.sim.now();
            app.log.note(
                now,
                LineKind::Problem,
                "attached: the live run keeps its own clock (faultline live --speed); space pauses or resumes it",
            );
        }
        KeyCode::Char('c') => inject(app, HandKind::Cut),
        KeyCode::Char('b') => inject(app, HandKind::Blackhole),
        KeyCode::Char('d') => inject(app, HandKind::Degrade),
        KeyCode::Char('f') => inject(app, HandKind::FacilityDown),
        KeyCode::Char('m') => inject(app, HandKind::Drain),
        KeyCode::Char('u') => repair(app),
        _ => return false,
    }
    true
}

fn pause(app: &mut App) {
    let now = app.sim.now();
    let Some(a) = app.attached.as_mut() else { return };
    let Some(paused) = a.remote.as_ref().map(|r| r.paused) else {
        return app.log.note(now, LineKind::Problem, "no state from the live run yet");
    };
    a.outbox.push(Request::Pause(!paused));
    app.log.note(now, LineKind::Note, if paused { "asking the live run to resume" } else { "asking the live run to pause" });
}

/// The `POST /faults` body of `kind` on `target`: the keys of a `[[fault]]` table.
pub(crate) fn request(kind: HandKind, id: &str, target: &str) -> serde_json::Value {
    match kind {
        HandKind::Cut => json!({ "id": id, "cut": target }),
        HandKind::Blackhole => json!({ "id": id, "blackhole": target }),
        HandKind::Degrade => json!({ "id": id, "degrade": { "target": target, "loss": percent(DEGRADE_LOSS_PPM) } }),
        HandKind::FacilityDown => json!({ "id": id, "facility_down": target }),
        HandKind::Drain => {
            json!({ "id": id, "drain": { "target": target, "wait": format!("{}ms", DRAIN_WAIT.as_nanos() / 1_000_000) } })
        }
    }
}

fn inject(app: &mut App, kind: HandKind) {
    let now = app.sim.now();
    let Some(link) = app.selected_link() else {
        return app.log.note(now, LineKind::Problem, "nothing selected: this model has no links");
    };
    let l = &app.sim.model().links[link.index()];
    let target = match kind {
        HandKind::FacilityDown => match l.facility {
            Some(f) => app.sim.model().facilities[f.index()].id.clone(),
            None => return app.log.note(now, LineKind::Problem, format!("{} lands in no facility", l.id())),
        },
        _ => l.id().to_string(),
    };
    let id = fresh_id(app);
    let Some(a) = app.attached.as_mut() else { return };
    a.asked += 1;
    a.outbox.push(Request::Inject(request(kind, &id, &target)));
    app.log.note(now, LineKind::Note, format!("asking the live run for {id}: {} {target}", kind.verb()));
}

/// `manual-N`, the first N not already a fault id here or in the live run.
fn fresh_id(app: &App) -> String {
    let mut taken: Vec<String> = app.sim.fault_list().into_iter().map(|f| f.id).collect();
    let asked = app.attached.as_ref().map_or(0, |a| {
        taken.extend(a.known.iter().map(|k| k.id.clone()));
        taken.extend(a.remote.iter().flat_map(|r| r.faults.iter().map(|f| f.id.clone())));
        a.asked
    });
    (asked + 1..).map(|n| format!("manual-{n}")).find(|id| !taken.contains(id)).unwrap_or_else(|| "manual".to_string())
}

/// Asks the live run to repair the latest active fault injected through the API on the
/// selected channel or its facility.
fn repair(app: &mut App) {
    let now = app.sim.now();
    let Some(link) = app.selected_link() else { return };
    let l = &app.sim.model().links[link.index()];
    let facility = l.facility.map(|f| app.sim.model().facilities[f.index()].id.clone());
    let name = l.id().to_string();
    let Some(a) = app.attached.as_mut() else { return };
    let active = |id: &str| a.remote.as_ref().is_some_and(|r| r.faults.iter().any(|f| f.id == id && f.active));
    let found = a
        .known
        .iter()
        .rev()
        .find(|k| k.repaired_ns.is_none() && active(&k.id) && (k.target == name || Some(&k.target) == facility.as_ref()))
        .map(|k| k.id.clone());
    let Some(id) = found else {
        return app.log.note(now, LineKind::Problem, format!("no active fault injected through the API on {name} to repair"));
    };
    a.outbox.push(Request::Repair(id.clone()));
    app.log.note(now, LineKind::Note, format!("asking the live run to repair {id}"));
}
