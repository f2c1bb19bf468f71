//! Faults injected by hand on the selected element, and their repair, recorded with the
//! simulated times at which they happened so the session can be exported and replayed.
//!
//! Injection and repair wait for a clean whole millisecond (see
//! [`crate::advance::settle_at_clean_ms`]), one hand action per millisecond: the export can
//! then write the time exactly and the replay runs the same events in the same order (a
//! replay would order two faults of one instant by when they were scheduled, not by when
//! the keys were pressed). Writing the scenario text is
//! [`crate::export`]'s job, not this module's.

use sim_core::model::FaultId;
use sim_core::spec::{Degradation, FaultAction};
use sim_core::{SimDuration, SimTime};

use crate::advance::settle_at_clean_ms;
use crate::app::App;
use crate::events::LineKind;

/// Loss of the degrade key: 2 % of packets.
pub const DEGRADE_LOSS_PPM: u32 = 20_000;

/// Wait between prepending a drained channel's routes and taking it down: 30 s, the scenario
/// format's default (written out explicitly in exports).
pub const DRAIN_WAIT: SimDuration = SimDuration::from_secs(30);

/// The faults a key can inject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandKind {
    Cut,
    Blackhole,
    /// 2 % packet loss.
    Degrade,
    /// The selected channel's facility loses power.
    FacilityDown,
    /// Graceful maintenance drain of the channel.
    Drain,
}

impl HandKind {
    pub fn action(self) -> FaultAction {
        match self {
            HandKind::Cut | HandKind::FacilityDown => FaultAction::Down,
            HandKind::Blackhole => FaultAction::Blackhole,
            HandKind::Degrade => FaultAction::Degrade(Degradation {
                loss_ppm: DEGRADE_LOSS_PPM,
                burst: 1,
                extra_delay: SimDuration::ZERO,
                jitter: SimDuration::ZERO,
                capacity_ppm: 1_000_000,
            }),
            HandKind::Drain => FaultAction::Drain { wait: DRAIN_WAIT },
        }
    }

    /// How the log names it.
    pub fn verb(self) -> &'static str {
        match self {
            HandKind::Cut => "cut",
            HandKind::Blackhole => "blackhole",
            HandKind::Degrade => "degrade (2% loss)",
            HandKind::FacilityDown => "facility down",
            HandKind::Drain => "maintenance drain",
        }
    }
}

/// A fault injected by hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandFault {
    pub id: String,
    pub fault: FaultId,
    pub kind: HandKind,
    /// The element hit: the channel, or its facility for [`HandKind::FacilityDown`].
    pub target: String,
    pub at: SimTime,
    /// When it was repaired by hand, if it was.
    pub repaired: Option<SimTime>,
}

/// Injects `kind` on the selected channel (or its facility) at the next clean millisecond.
pub(crate) fn inject(app: &mut App, kind: HandKind) {
    let Some(link) = app.selected_link() else {
        return app.log.note(app.sim.now(), LineKind::Problem, "nothing selected: this model has no links");
    };
    let l = &app.sim.model().links[link.index()];
    let target = match kind {
        HandKind::FacilityDown => match l.facility {
            Some(f) => app.sim.model().facilities[f.index()].id.clone(),
            None => return app.log.note(app.sim.now(), LineKind::Problem, format!("{} lands in no facility", l.id())),
        },
        _ => l.id().to_string(),
    };
    let Some(at) = settle_at_clean_ms(app) else {
        return app.log.note(app.sim.now(), LineKind::Problem, "too late: the run ends before the next millisecond");
    };
    let id = fresh_id(app);
    match app.sim.inject(&id, &target, kind.action(), None) {
        Ok(fault) => {
            app.log.note(at, LineKind::Note, format!("you injected {id}: {} {target}", kind.verb()));
            app.hand.push(HandFault { id, fault, kind, target, at, repaired: None });
        }
        Err(e) => app.log.note(at, LineKind::Problem, format!("cannot inject: {e}")),
    }
    // One hand action per instant: a replay orders same-instant faults its own way.
    app.mid_instant = true;
    app.after_change();
}

/// Repairs the latest active hand fault on the selected channel or its facility.
pub(crate) fn repair(app: &mut App) {
    let Some(link) = app.selected_link() else { return };
    let l = &app.sim.model().links[link.index()];
    let facility = l.facility.map(|f| app.sim.model().facilities[f.index()].id.clone());
    let name = l.id().to_string();
    let active: Vec<bool> = app.sim.fault_list().iter().map(|f| f.active).collect();
    let found = app.hand.iter().rposition(|h| {
        h.repaired.is_none()
            && active.get(h.fault.index()).copied().unwrap_or(false)
            && (h.target == name || Some(&h.target) == facility.as_ref())
    });
    let Some(i) = found else {
        return app.log.note(app.sim.now(), LineKind::Problem, format!("no active fault of yours on {name} to repair"));
    };
    let Some(at) = settle_at_clean_ms(app) else {
        return app.log.note(app.sim.now(), LineKind::Problem, "too late: the run ends before the next millisecond");
    };
    let h = &mut app.hand[i];
    h.repaired = Some(at);
    let (fault, msg) = (h.fault, format!("you repaired {} ({} {})", h.id, h.kind.verb(), h.target));
    app.sim.repair(fault);
    app.mid_instant = true;
    app.log.note(at, LineKind::Note, msg);
    app.after_change();
}

/// `manual-N`, the first N not already an id in the scenario or this run (a traffic group
/// may be called `manual-1` too), so the exported file defines every id once.
fn fresh_id(app: &mut App) -> String {
    let mut n = app.hand.len() + 1;
    loop {
        let id = format!("manual-{n}");
        if !crate::export::id_taken(app, &id) {
            return id;
        }
        n += 1;
    }
}
