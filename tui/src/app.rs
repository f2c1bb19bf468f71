//! The model of the Elm architecture: the running simulation plus everything the screen
//! needs that the simulation does not keep (selection, speed, sampled history, the log,
//! the faults injected by hand).
//!
//! `App` is changed only by [`crate::update`]; [`crate::view`] reads it. Nothing here reads a
//! clock or touches the terminal; the wall clock enters only as the length of a
//! [`crate::Msg::Tick`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sim_core::model::LinkId;
use sim_core::report::FaultReport;
use sim_core::{Model, ModelSpec, SimOptions, SimTime, Simulation};

use crate::Session;
use crate::attach::Attached;
use crate::events::{EventLog, LineKind};
use crate::export::{Replay, file_name, replay_spec, scenario_text};
use crate::history::History;
use crate::inject::HandFault;
use crate::judge::{Check, Judgement, PENDING, shown};

/// Speeds in tenths of real time: ×0.1 … ×10,000.
pub const SPEEDS_TENTHS: [u64; 16] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000];

/// The speed a session opens at: ×10.
pub const DEFAULT_SPEED: usize = 6;

/// At most this many simulation events run per frame; the rest of the frame's budget is
/// carried to the next frame, so a frame never stalls the UI whatever the speed.
pub const MAX_EVENTS_PER_FRAME: u64 = 20_000;

/// What is drawn over the main screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
}

/// The explorer's whole state.
pub struct App {
    pub session: Session,
    pub sim: Simulation,
    /// The seed of the current run (the session's, or later ones after `s`).
    pub seed: u64,
    /// Index into [`SPEEDS_TENTHS`].
    pub speed: usize,
    pub playing: bool,
    /// Links in display order (by interconnect, then facility); selection indexes this.
    pub order: Vec<LinkId>,
    pub selected: usize,
    /// Faults injected by hand in this run, in order, with their simulated times.
    pub hand: Vec<HandFault>,
    pub log: EventLog,
    pub history: History,
    pub overlay: Overlay,
    /// Metrics of the fault that started last, refreshed after the simulation moves.
    pub latest: Option<FaultReport>,
    /// The judge's answer on the report so far (`None` without a judge): the exported
    /// file's expectations as `faultline run` judges them, or why they could not be judged.
    pub judgement: Option<Result<Judgement, String>>,
    /// Where `e` writes the session file.
    pub export_dir: PathBuf,
    pub last_export: Option<PathBuf>,
    /// Every id of the scenario file, asked of the session's compiler when a hand fault first
    /// needs a fresh id (see `export::id_taken`).
    pub(crate) file_ids: Option<BTreeSet<String>>,
    pub quit: bool,
    /// Following a live run through its API (`faultline tui --attach`): the local
    /// simulation replays the remote one, and fault keys go to the API.
    pub attached: Option<Attached>,
    /// Simulated time the play budget has reached; the simulation catches up to it under
    /// the per-frame event cap.
    pub(crate) target: SimTime,
    /// True once an event at the current instant has run (after a single step or a capped
    /// frame): a hand fault must then wait for the next millisecond to replay exactly.
    pub(crate) mid_instant: bool,
}

impl App {
    /// Opens a session: builds the model and a simulation at its seed, paused at time zero.
    pub fn new(session: Session) -> anyhow::Result<App> {
        let model = Model::build(&session.spec).map_err(|e| anyhow::anyhow!("scenario `{}`: {e}", session.name))?;
        let order = display_order(&model);
        let seed = session.seed;
        let sim = Simulation::new(model, seed, SimOptions { keep_trace: true, control: session.control });
        let history = History::new(&sim, order.len());
        let mut app = App {
            session,
            sim,
            seed,
            speed: DEFAULT_SPEED,
            playing: false,
            order,
            selected: 0,
            hand: Vec::new(),
            log: EventLog::default(),
            history,
            overlay: Overlay::None,
            latest: None,
            judgement: None,
            export_dir: PathBuf::from("."),
            last_export: None,
            file_ids: None,
            quit: false,
            attached: None,
            target: SimTime::ZERO,
            mid_instant: false,
        };
        app.after_change();
        app.log.note(
            SimTime::ZERO,
            LineKind::Note,
            format!("opened {} at seed {}: space plays, ? lists every key", app.session.name, seed),
        );
        Ok(app)
    }

    /// Starts the run again at `seed` (same model), forgetting hand faults and history.
    pub(crate) fn restart(&mut self, seed: u64) {
        // The spec built once already, so it builds again; keep the old run if it somehow does not.
        let Ok(model) = Model::build(&self.session.spec) else { return };
        self.seed = seed;
        self.sim = Simulation::new(model, seed, SimOptions { keep_trace: true, control: self.session.control });
        self.history = History::new(&self.sim, self.order.len());
        self.hand.clear();
        self.log.clear();
        self.target = SimTime::ZERO;
        self.mid_instant = false;
        self.after_change();
    }

    /// The selected link, if the model has any.
    pub fn selected_link(&self) -> Option<LinkId> {
        self.order.get(self.selected).copied()
    }

    /// The selected link's id, e.g. `ash/ch2`.
    pub fn selected_name(&self) -> Option<&str> {
        self.selected_link().map(|l| self.sim.model().links[l.index()].id())
    }

    /// The speed as a multiple of real time, in tenths.
    pub fn speed_tenths(&self) -> u64 {
        SPEEDS_TENTHS[self.speed.min(SPEEDS_TENTHS.len() - 1)]
    }

    /// The session as a scenario file: what `e` would write now (less the fingerprint line,
    /// which needs a replay to the end), and what the judge judges; `Err` when the file
    /// cannot be written (a seed TOML cannot hold, a `fault` key of another shape).
    pub fn scenario_text(&self) -> Result<String, String> {
        let path = PathBuf::from(file_name(&self.session.name, self.seed));
        self.export_text(None, &path)
    }

    /// The session file `e` writes to `path`: the scenario with the hand faults (or, attached,
    /// the faults injected through the live API) appended.
    pub fn export_text(&self, replay: Option<&Replay>, path: &Path) -> Result<String, String> {
        match &self.attached {
            Some(a) => a.scenario_text(&self.session, self.seed, replay, path),
            None => scenario_text(&self.session.source, &self.session.origin, self.seed, &self.hand, replay, path),
        }
    }

    /// The model the exported file compiles to: the session's, with the faults of this run
    /// scripted in.
    pub fn replay_spec(&self) -> ModelSpec {
        match &self.attached {
            Some(a) => a.replay_spec(&self.session.spec),
            None => replay_spec(&self.session.spec, &self.hand),
        }
    }

    /// The verdict as shown: `pending` until the run ends, then the judge's (`None` without
    /// a judge, or with one that gives no verdict or could not judge).
    pub fn verdict(&self) -> Option<&'static str> {
        let verdict = self.judgement.as_ref()?.as_ref().ok()?.verdict?;
        Some(if self.sim.is_finished() { verdict } else { PENDING })
    }

    /// Each check with the status shown for it (see [`crate::shown`]).
    pub fn checks(&self) -> Vec<(&Check, &'static str)> {
        let Some(Ok(j)) = &self.judgement else { return Vec::new() };
        let latest = self.latest.as_ref().map(|f| f.at_s);
        let (now, finished) = (self.sim.now().as_secs_f64(), self.sim.is_finished());
        j.checks.iter().map(|c| (c, shown(c, latest, now, finished))).collect()
    }

    /// Takes in what the simulation did since the last call: log lines, history, metrics.
    pub(crate) fn after_change(&mut self) {
        self.log.collect(&self.sim);
        let report = self.sim.report();
        if let Some(judge) = &self.session.judge {
            self.judgement = Some(self.scenario_text().and_then(|text| judge.0.judge(&text, &report)));
        }
        self.latest = report.faults.into_iter().max_by(|a, b| a.at_s.total_cmp(&b.at_s));
    }
}

/// Links grouped by interconnect and facility in model order, then every other link.
fn display_order(model: &Model) -> Vec<LinkId> {
    let mut order: Vec<LinkId> = Vec::with_capacity(model.links.len());
    for ic in &model.interconnects {
        let mut links = ic.links.clone();
        links.sort_by_key(|l| (model.links[l.index()].facility, *l));
        order.extend(links);
    }
    order.extend((0..model.links.len()).map(|i| LinkId(i as u32)).filter(|l| model.links[l.index()].interconnect.is_none()));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::session;

    #[test]
    fn links_are_ordered_by_interconnect_then_facility() {
        let app = App::new(session()).expect("valid");
        let names: Vec<&str> = app.order.iter().map(|l| app.sim.model().links[l.index()].id()).collect();
        assert_eq!(names, ["ash/ch1", "ash/ch2", "ash/ch3", "ash/ch4", "vpn/tunnel1", "vpn/tunnel2"]);
    }

    #[test]
    fn a_session_opens_paused_at_zero_at_its_seed() {
        let app = App::new(session()).expect("valid");
        assert!(!app.playing);
        assert_eq!(app.sim.now(), SimTime::ZERO);
        assert_eq!(app.seed, 7);
    }
}
