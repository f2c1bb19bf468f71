//! Exporting a session as a scenario file: the original text, its `seed` set to the run's,
//! and every hand fault appended as a `[[fault]]` table at its simulated time, so that
//! `faultline run` on the file reproduces the session's fingerprint.
//!
//! Before writing, the export replays itself in-process (the session's model plus the hand
//! faults as scripted faults) up to the present and checks that the fingerprints agree, then
//! runs the replay to the end to name the fingerprint the file reproduces. This module does
//! not parse the scenario format; it edits the text line by line.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sim_core::spec::{FaultSpec, Trigger};
use sim_core::{Model, ModelSpec, SimOptions, SimTime, Simulation};

use crate::app::App;
use crate::events::LineKind;
use crate::inject::{DEGRADE_LOSS_PPM, DRAIN_WAIT, HandFault, HandKind};

/// What an export found when it replayed itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
    /// The replay's fingerprint at the session's present equals the session's.
    pub matches_now: bool,
    /// The fingerprint of the exported scenario run to the end.
    pub final_fingerprint: u64,
}

/// `e`: writes the session file into the export directory and logs the result.
pub(crate) fn export(app: &mut App) {
    let path = app.export_dir.join(file_name(&app.session.name, app.seed));
    let now = app.sim.now();
    let replay = replay(app);
    let text = app.export_text(replay.as_ref(), &path);
    match crate::atomic::write(&path, text) {
        Ok(()) => {
            let check = match &replay {
                Some(r) if r.matches_now => format!("replay checked, final fingerprint {:016x}", r.final_fingerprint),
                Some(_) => "replay check FAILED: the fingerprints differ".to_string(),
                None => "replay not checked: the model did not build".to_string(),
            };
            let kind = if replay.as_ref().is_some_and(|r| r.matches_now) { LineKind::Note } else { LineKind::Problem };
            app.log.note(now, kind, format!("exported {} ({check})", path.display()));
            app.last_export = Some(path);
        }
        Err(e) => app.log.note(now, LineKind::Problem, format!("cannot write {}: {e}", path.display())),
    }
}

/// `faultline-session-<name>-<seed>.toml`, with the name reduced to safe characters.
pub fn file_name(name: &str, seed: u64) -> String {
    let safe: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    format!("faultline-session-{safe}-{seed}.toml")
}

/// The session's model with the hand faults scripted in: what the exported file compiles to.
pub fn replay_spec(spec: &ModelSpec, hand: &[HandFault]) -> ModelSpec {
    let mut spec = spec.clone();
    spec.faults.extend(hand.iter().map(|h| FaultSpec {
        id: h.id.clone(),
        target: h.target.clone(),
        action: h.kind.action(),
        trigger: Trigger::At(h.at),
        duration: h.repaired.map(|r| r.saturating_since(h.at)),
    }));
    spec
}

/// Runs the replay to the session's present (same trace length) and then to the end.
fn replay(app: &App) -> Option<Replay> {
    let model = Model::build(&app.replay_spec()).ok()?;
    let mut sim = Simulation::new(model, app.seed, SimOptions::default());
    let now = app.sim.now();
    sim.run_until(now);
    while sim.trace().len() < app.sim.trace().len() && sim.peek() == Some(now) {
        sim.step();
    }
    let matches_now = sim.fingerprint() == app.sim.fingerprint();
    sim.run();
    Some(Replay { matches_now, final_fingerprint: sim.fingerprint() })
}

/// The exported file: `source` with `seed = <seed>` in `[scenario]` and the hand faults
/// appended. With hand faults, the header's documented verdict (`# expect: pass`) no longer
/// applies and is reworded so tools do not read it.
pub fn scenario_text(source: &str, origin: &str, seed: u64, hand: &[HandFault], replay: Option<&Replay>, path: &Path) -> String {
    let how = format!("Exported by `faultline tui` from {origin} at seed {seed}, with {} fault(s) injected by hand.", hand.len());
    let tables: Vec<String> = hand.iter().map(fault_table).collect();
    compose(source, seed, &how, &tables, replay, path)
}

/// `source` at `seed`, a comment saying how it was exported (`how`), the `reproduce:` and
/// fingerprint lines, and the fault tables appended.
pub(crate) fn compose(source: &str, seed: u64, how: &str, tables: &[String], replay: Option<&Replay>, path: &Path) -> String {
    let mut out = with_seed(source, seed);
    if !tables.is_empty() {
        out = without_documented_verdict(&out);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    let _ = writeln!(out, "\n# {how}");
    let _ = writeln!(out, "# reproduce: faultline run {}", PathBuf::from(path.file_name().unwrap_or_default()).display());
    if let Some(r) = replay {
        let _ = writeln!(out, "# fingerprint at the end of the run: {:016x}", r.final_fingerprint);
    }
    for t in tables {
        out.push('\n');
        out.push_str(t);
    }
    out
}

/// One `[[fault]]` table in the scenarios format.
pub fn fault_table(h: &HandFault) -> String {
    let target = quote(&h.target);
    let action = match h.kind {
        HandKind::Cut => format!("cut = {target}"),
        HandKind::Blackhole => format!("blackhole = {target}"),
        HandKind::Degrade => format!("degrade = {{ target = {target}, loss = \"{}\" }}", percent(DEGRADE_LOSS_PPM)),
        HandKind::FacilityDown => format!("facility_down = {target}"),
        HandKind::Drain => format!("drain = {{ target = {target}, wait = \"{}ms\" }}", DRAIN_WAIT.as_nanos() / 1_000_000),
    };
    let mut t = format!("[[fault]]\nid = {}\nat = \"{}\"\n{action}\n", quote(&h.id), millis(h.at));
    if let Some(r) = h.repaired {
        let _ = writeln!(t, "for = \"{}ms\"", r.saturating_since(h.at).as_nanos() / 1_000_000);
    }
    t
}

/// `source` with its `[scenario]` table's `seed` line set to `seed` (added if absent).
pub fn with_seed(source: &str, seed: u64) -> String {
    let mut out = String::with_capacity(source.len() + 16);
    let mut section = String::new();
    let mut done = false;
    for line in source.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            if section == "[scenario]" && !done {
                let _ = writeln!(out, "seed = {seed}");
                done = true;
            }
            section = t.split('#').next().unwrap_or("").replace([' ', '\t'], "");
        } else if section == "[scenario]" && !done && is_seed_line(t) {
            let _ = writeln!(out, "seed = {seed}");
            done = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if section == "[scenario]" && !done {
        let _ = writeln!(out, "seed = {seed}");
    }
    out
}

/// Rewords `# expect: <verdict>` lines of the leading comment block.
fn without_documented_verdict(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut header = true;
    for line in text.lines() {
        let t = line.trim_start();
        header &= t.is_empty() || t.starts_with('#');
        match t.trim_start_matches('#').trim().strip_prefix("expect:") {
            Some(verdict) if header => {
                let _ = writeln!(out, "# Before the faults injected by hand, the documented verdict was{verdict}.");
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

fn is_seed_line(t: &str) -> bool {
    t.strip_prefix("seed").is_some_and(|rest| rest.trim_start().starts_with('='))
}

fn millis(t: SimTime) -> String {
    format!("{}ms", t.as_nanos() / 1_000_000)
}

pub(crate) fn percent(ppm: u32) -> String {
    if ppm.is_multiple_of(10_000) { format!("{}%", ppm / 10_000) } else { format!("{}%", f64::from(ppm) / 10_000.0) }
}

pub(crate) fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::model::FaultId;

    fn hand(kind: HandKind, target: &str, at_ms: u64, repaired_ms: Option<u64>) -> HandFault {
        HandFault {
            id: "manual-1".into(),
            fault: FaultId(0),
            kind,
            target: target.into(),
            at: SimTime::from_millis(at_ms),
            repaired: repaired_ms.map(SimTime::from_millis),
        }
    }

    #[test]
    fn a_repaired_cut_is_written_with_its_times_in_milliseconds() {
        let t = fault_table(&hand(HandKind::Cut, "ash/ch2", 12_345, Some(31_000)));
        assert_eq!(t, "[[fault]]\nid = \"manual-1\"\nat = \"12345ms\"\ncut = \"ash/ch2\"\nfor = \"18655ms\"\n");
    }

    #[test]
    fn every_kind_uses_the_format_s_key() {
        let line = |k| fault_table(&hand(k, "x", 1, None)).lines().nth(3).unwrap_or_default().to_string();
        assert_eq!(line(HandKind::Blackhole), "blackhole = \"x\"");
        assert_eq!(line(HandKind::Degrade), "degrade = { target = \"x\", loss = \"2%\" }");
        assert_eq!(line(HandKind::FacilityDown), "facility_down = \"x\"");
        assert_eq!(line(HandKind::Drain), "drain = { target = \"x\", wait = \"30000ms\" }");
    }

    #[test]
    fn the_seed_line_of_the_scenario_table_is_replaced_and_no_other() {
        let src = "# seed = 3 in a comment\n[scenario]\nname = \"x\"\nseed = 1\n\n[[traffic]]\nseed = 5\n";
        assert_eq!(with_seed(src, 9), "# seed = 3 in a comment\n[scenario]\nname = \"x\"\nseed = 9\n\n[[traffic]]\nseed = 5\n");
    }

    #[test]
    fn a_missing_seed_line_is_added_to_the_scenario_table() {
        assert_eq!(with_seed("[scenario]\nname = \"x\"\n[expect]\n", 4), "[scenario]\nname = \"x\"\nseed = 4\n[expect]\n");
        assert_eq!(with_seed("[scenario]\nname = \"x\"", 4), "[scenario]\nname = \"x\"\nseed = 4\n");
    }

    #[test]
    fn hand_faults_retire_the_documented_verdict() {
        let src = "# x\n# expect: pass\n[scenario]\nname = \"x\"\n";
        let h = [hand(HandKind::Cut, "a/ch1", 5, None)];
        let out = scenario_text(src, "x.toml", 1, &h, None, Path::new("f.toml"));
        assert!(out.starts_with("# x\n# Before the faults injected by hand, the documented verdict was pass.\n[scenario]"), "{out}");
        assert!(scenario_text(src, "x.toml", 1, &[], None, Path::new("f.toml")).starts_with(src));
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("channel cut/../x", 2), "faultline-session-channel_cut____x-2.toml");
    }
}
