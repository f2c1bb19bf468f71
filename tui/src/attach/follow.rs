//! The local copy follows the live run: each `/state` answer moves the horizon to the live
//! run's `now_ns`, and each frame advances toward it, replaying the faults injected through
//! the API at their exact times, then compares fingerprints.

use sim_core::SimTime;

use super::{Applied, Attached, Mismatch, Reply};
use crate::advance::catch_up;
use crate::app::{App, MAX_EVENTS_PER_FRAME};
use crate::events::LineKind;

/// The next thing the live run did that the local copy has not: inject or repair the
/// `known` fault at this index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Inject(usize),
    Repair(usize),
}

impl Attached {
    /// The earliest action not replayed yet, with its time. At one instant the faults go in
    /// the live run's order: by their place in its list, each one's repair after its start.
    fn next_action(&self) -> Option<(SimTime, Action)> {
        let mut best: Option<(u64, usize, Action)> = None;
        for (i, k) in self.known.iter().enumerate() {
            let candidate = match self.applied.iter().find(|a| a.id == k.id) {
                None => Some((k.at_ns, 2 * i, Action::Inject(i))),
                Some(a) if a.repaired.is_none() => k.repaired_ns.map(|r| (r, 2 * i + 1, Action::Repair(i))),
                Some(_) => None,
            };
            if let Some(c) = candidate
                && best.is_none_or(|b| (c.0, c.1) < (b.0, b.1))
            {
                best = Some(c);
            }
        }
        best.map(|(t, _, a)| (SimTime(t), a))
    }

    /// Records `f` (a fault the live run reports): updated in place, or appended.
    fn learn(&mut self, f: super::InjectedFault) {
        match self.known.iter_mut().find(|k| k.id == f.id) {
            Some(k) => *k = f,
            None => self.known.push(f),
        }
    }
}

/// A frame passed: advance the local copy toward the live run.
pub(crate) fn tick(app: &mut App) {
    let before = (app.sim.now(), app.sim.events(), app.attached.as_ref().map_or(0, |a| a.applied.len()));
    follow(app, MAX_EVENTS_PER_FRAME);
    let after = (app.sim.now(), app.sim.events(), app.attached.as_ref().map_or(0, |a| a.applied.len()));
    if after != before {
        app.after_change();
    }
}

/// Runs the local copy toward the last state's time, at most `cap` events, replaying the
/// API's faults on the way; once there, compares the fingerprints.
pub(crate) fn follow(app: &mut App, cap: u64) {
    let Some(horizon) = app.attached.as_ref().and_then(Attached::remote_now) else { return };
    let horizon = horizon.min(app.sim.end());
    let mut left = cap;
    loop {
        let Some(a) = app.attached.as_ref() else { return };
        let next = a.next_action().filter(|(t, _)| *t <= horizon);
        let stop = next.map_or(horizon, |(t, _)| t);
        if stop > app.sim.now() {
            app.target = stop;
            left = left.saturating_sub(catch_up(app, left));
            if app.sim.now() < stop {
                set_behind(app, true);
                return;
            }
        }
        match next {
            Some((t, Action::Inject(i))) => inject(app, i, t),
            Some((t, Action::Repair(i))) => repair(app, i, t),
            None => break,
        }
    }
    set_behind(app, false);
    compare(app);
}

fn set_behind(app: &mut App, behind: bool) {
    if let Some(a) = app.attached.as_mut() {
        a.behind = behind;
    }
}

/// Runs to `t` exactly as the live run did before acting (a no-op once there); a time
/// already passed is noted: the action then happens late and the fingerprints will say so.
fn reach(app: &mut App, t: SimTime, what: &str) {
    app.log.collect(&app.sim);
    if t < app.sim.now() {
        let now = app.sim.now();
        app.log.note(now, LineKind::Problem, format!("{what} happened at {t} in the live run, before this copy's {now}: replayed late"));
    } else {
        app.sim.run_until(t);
        app.mid_instant = false;
    }
}

fn inject(app: &mut App, i: usize, t: SimTime) {
    let Some(k) = app.attached.as_ref().and_then(|a| a.known.get(i)).cloned() else { return };
    reach(app, t, &k.id);
    let at = app.sim.now();
    let Some(a) = app.attached.as_ref() else { return };
    let spec = a.fault_spec(&app.session.source, &k);
    let fault = spec.clone().and_then(|s| app.sim.inject(&s.id, &s.target, s.action, s.duration).map_err(|e| e.to_string()));
    match &fault {
        Ok(f) => {
            let kind = app.sim.fault_list().get(f.index()).map_or("fault", |v| v.kind);
            app.log.note(at, LineKind::Note, format!("the live run injected {}: {kind} {}", k.id, k.target));
        }
        Err(e) => app.log.note(at, LineKind::Problem, format!("cannot replay {} locally: {e}", k.id)),
    }
    let applied = Applied { id: k.id, fault: fault.ok(), spec: spec.ok(), table: k.table, at: SimTime(k.at_ns), repaired: None };
    if let Some(a) = app.attached.as_mut() {
        a.applied.push(applied);
    }
}

fn repair(app: &mut App, i: usize, t: SimTime) {
    let Some(id) = app.attached.as_ref().and_then(|a| a.known.get(i)).map(|k| k.id.clone()) else { return };
    reach(app, t, &format!("the repair of {id}"));
    let Some(a) = app.attached.as_mut() else { return };
    let Some(entry) = a.applied.iter_mut().find(|x| x.id == id) else { return };
    entry.repaired = Some(t);
    if let Some(f) = entry.fault {
        app.sim.repair(f);
        app.log.note(t, LineKind::Note, format!("the live run repaired {id}"));
    }
}

/// Once at the live run's time: the fingerprints must agree (checked once per state).
fn compare(app: &mut App) {
    let now = app.sim.now();
    let local = app.sim.fingerprint();
    let Some(a) = app.attached.as_mut() else { return };
    let Some(remote) = &a.remote else { return };
    if a.checked || SimTime(remote.now_ns) != now {
        return;
    }
    a.checked = true;
    let Some(fp) = remote.fingerprint_u64() else { return };
    if fp != local && a.mismatch.is_none() {
        a.mismatch = Some(Mismatch { at: now, local, remote: fp });
        app.log.note(
            now,
            LineKind::Problem,
            format!("this copy diverged from the live run: fingerprint {local:016x} here, {fp:016x} there; the panes no longer show the live run"),
        );
    }
}

/// An answer from the live API.
pub(crate) fn on_reply(app: &mut App, reply: Reply) {
    let now = app.sim.now();
    let Some(a) = app.attached.as_mut() else { return };
    match reply {
        Reply::State(s) => {
            if !a.reachable {
                app.log.note(now, LineKind::Note, format!("the live API at {} answers again", a.addr));
            }
            a.reachable = true;
            if a.remote.is_none() && (s.seed != app.seed || s.scenario != app.session.name) {
                app.log.note(
                    now,
                    LineKind::Problem,
                    format!("the live run is {} at seed {}, not {} at seed {}", s.scenario, s.seed, app.session.name, app.seed),
                );
            }
            if let Some(prev) = &a.remote
                && s.now_ns < prev.now_ns
            {
                app.log.note(now, LineKind::Problem, "the live run went back in time (restarted?): attach again to follow it");
            }
            for f in &s.injected {
                a.learn(f.clone());
            }
            app.playing = !s.paused && !s.finished;
            a.remote = Some(*s);
            a.checked = false;
        }
        Reply::Injected(f) => {
            app.log.note(now, LineKind::Note, format!("the live run took {} at {}", f.id, SimTime(f.at_ns)));
            a.learn(f);
        }
        Reply::Repaired(f) => {
            let at = f.repaired_ns.map_or(now, SimTime);
            app.log.note(now, LineKind::Note, format!("the live run repairs {} at {at}", f.id));
            a.learn(f);
        }
        Reply::Paused(paused) => {
            if let Some(r) = a.remote.as_mut() {
                r.paused = paused;
            }
            app.playing = !paused && !app.sim.is_finished();
            app.log.note(now, LineKind::Note, if paused { "the live run is paused" } else { "the live run goes on" });
        }
        Reply::Failed { request, error } => {
            if matches!(error, super::ClientError::Unreachable(_)) {
                if a.reachable {
                    a.reachable = false;
                    app.log.note(
                        now,
                        LineKind::Problem,
                        format!("lost the live API at {} ({error}); showing the last state, retrying", a.addr),
                    );
                } else if request != "state" {
                    app.log.note(now, LineKind::Problem, format!("cannot {request}: the live API is unreachable"));
                }
            } else {
                app.log.note(now, LineKind::Problem, format!("the live run refused to {request}: {error}"));
            }
        }
    }
}
