//! Exporting a session as a scenario file: the original text, its `seed` set to the run's,
//! and every hand fault appended as a `[[fault]]` table at its simulated time, so that
//! `faultline run` on the file reproduces the session's fingerprint.
//!
//! The file is the original edited as a TOML document (`toml_edit`, which keeps comments and
//! layout), not line by line: `seed` is set in the scenario table however that is written
//! (`[scenario]`, an inline `scenario = { … }`, a quoted `"seed"` key), and the faults join
//! the file's own `fault` array, whether it is an array of tables or an inline array. Hand
//! fault ids are chosen, when injected, outside every id of the scenario
//! ([`Compiled::ids`]), so the export never redefines one.
//!
//! The claim "replay checked" is earned from the file on disk: the text is compiled and run
//! (to the session's present, whose fingerprint must equal the session's, then to the end,
//! whose fingerprint the file names), written, read back from disk, compiled again by the
//! embedding program's compiler ([`Compiler`]) and run again; only when the file read back
//! reproduces both fingerprints does the log say so. Otherwise the file is kept and the log
//! says what did not match. This crate does not know the scenario format; the compiler does.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sim_core::spec::{FaultSpec, Trigger};
use sim_core::{Model, ModelSpec, SimOptions, SimTime, Simulation};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

use crate::app::App;
use crate::events::LineKind;
use crate::inject::{DEGRADE_LOSS_PPM, DRAIN_WAIT, HandFault, HandKind};

/// What a scenario file compiles to, as far as an export needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Compiled {
    pub spec: ModelSpec,
    /// The file's seed: the one `faultline run FILE` uses.
    pub seed: u64,
    /// Every id the scenario defines or makes (tables, `count` copies, template elements):
    /// a fault added to the file needs an id outside it.
    pub ids: BTreeSet<String>,
}

/// The function behind a [`Compiler`].
pub type CompileFn = dyn Fn(&str) -> Result<Compiled, String> + Send + Sync;

/// Compiles scenario text as `faultline run` would. The embedding program supplies it (the
/// CLI passes the scenarios crate's compiler).
#[derive(Clone)]
pub struct Compiler(pub Arc<CompileFn>);

impl Compiler {
    pub fn new(f: impl Fn(&str) -> Result<Compiled, String> + Send + Sync + 'static) -> Compiler {
        Compiler(Arc::new(f))
    }

    pub fn compile(&self, text: &str) -> Result<Compiled, String> {
        (self.0)(text)
    }
}

impl std::fmt::Debug for Compiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Compiler(..)")
    }
}

/// What a replay of an exported file found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
    /// The replay's fingerprint at the session's present equals the session's.
    pub matches_now: bool,
    /// The fingerprint of the exported scenario run to the end.
    pub final_fingerprint: u64,
}

/// How an export ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exported {
    /// Read back from disk, the file reproduces the session at its present and ends with
    /// the fingerprint it names.
    Checked { final_fingerprint: u64 },
    /// Written, but its replay does not match; says what differs.
    Differs(String),
    /// Written, but not replayed; says why.
    Unchecked(String),
}

/// `e`: writes the session file into the export directory and logs the result.
pub(crate) fn export(app: &mut App) {
    let path = app.export_dir.join(file_name(&app.session.name, app.seed));
    let now = app.sim.now();
    let (kind, line) = match export_to(app, &path) {
        Ok(Exported::Checked { final_fingerprint }) => (
            LineKind::Note,
            format!(
                "exported {} (replay checked from disk: {:016x} at {now} as here, {final_fingerprint:016x} at the end)",
                path.display(),
                app.sim.fingerprint()
            ),
        ),
        Ok(Exported::Differs(why)) => (LineKind::Problem, format!("exported {}, but its replay does NOT match: {why}", path.display())),
        Ok(Exported::Unchecked(why)) => (LineKind::Problem, format!("exported {} (replay not checked: {why})", path.display())),
        Err(e) => (LineKind::Problem, format!("cannot export {}: {e}", path.display())),
    };
    app.log.note(now, kind, line);
}

/// Writes the session file to `path` and checks it from disk. `Err` when nothing was written.
pub fn export_to(app: &mut App, path: &Path) -> Result<Exported, String> {
    let body = app.export_text(None, path)?;
    let Some(compiler) = app.session.compile.clone() else {
        write(path, &body)?;
        app.last_export = Some(path.to_path_buf());
        return Ok(Exported::Unchecked("no scenario compiler was given to the explorer".into()));
    };
    let first = match compiler.compile(&body).and_then(|c| replay(&c, app)) {
        Ok(r) => r,
        Err(e) => {
            write(path, &body)?;
            app.last_export = Some(path.to_path_buf());
            return Ok(Exported::Unchecked(e));
        }
    };
    let text = app.export_text(Some(&first), path)?;
    write(path, &text)?;
    app.last_export = Some(path.to_path_buf());
    // From disk: what a user's `faultline run FILE` will read.
    let back = std::fs::read_to_string(path).map_err(|e| format!("cannot read {} back: {e}", path.display()))?;
    let compiled = match compiler.compile(&back) {
        Ok(c) => c,
        Err(e) => return Ok(Exported::Differs(format!("read back from disk, it does not compile: {e}"))),
    };
    if compiled.seed != app.seed {
        return Ok(Exported::Differs(format!("read back from disk, its seed is {}, not the session's {}", compiled.seed, app.seed)));
    }
    let again = match replay(&compiled, app) {
        Ok(r) => r,
        Err(e) => return Ok(Exported::Differs(format!("read back from disk, {e}"))),
    };
    if !again.matches_now {
        return Ok(Exported::Differs(format!(
            "read back from disk, its fingerprint at {} is not this session's {:016x}",
            app.sim.now(),
            app.sim.fingerprint()
        )));
    }
    if again.final_fingerprint != first.final_fingerprint {
        return Ok(Exported::Differs(format!(
            "read back from disk, it ends at {:016x}, not at the {:016x} the file names",
            again.final_fingerprint, first.final_fingerprint
        )));
    }
    Ok(Exported::Checked { final_fingerprint: again.final_fingerprint })
}

/// The one write of the session file.
fn write(path: &Path, text: &str) -> Result<(), String> {
    crate::atomic::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
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

/// Runs a compiled file at its seed to the session's present (same trace length), compares
/// fingerprints, then runs it to the end.
fn replay(file: &Compiled, app: &App) -> Result<Replay, String> {
    let model = Model::build(&file.spec).map_err(|e| format!("its model does not build: {e}"))?;
    let mut sim = Simulation::new(model, file.seed, SimOptions { control: app.session.control, ..SimOptions::default() });
    let now = app.sim.now();
    sim.run_until(now);
    while sim.trace().len() < app.sim.trace().len() && sim.peek() == Some(now) {
        sim.step();
    }
    let matches_now = sim.fingerprint() == app.sim.fingerprint();
    sim.run();
    Ok(Replay { matches_now, final_fingerprint: sim.fingerprint() })
}

/// Whether `id` is taken in this session: an id of the scenario file (asked of the
/// compiler once, then kept), an element of the model, or a fault, random fault process,
/// alarm or runbook step of the run.
pub(crate) fn id_taken(app: &mut App, id: &str) -> bool {
    if app.file_ids.is_none() {
        let from_file = app.session.compile.as_ref().and_then(|c| c.compile(&app.session.source).ok()).map(|c| c.ids);
        app.file_ids = Some(from_file.unwrap_or_default());
    }
    let spec = &app.session.spec;
    app.file_ids.as_ref().is_some_and(|ids| ids.contains(id))
        || app.sim.model().element(id).is_some()
        || app.sim.fault_list().iter().any(|f| f.id == id)
        || spec.random_faults.iter().any(|r| r.id == id)
        || spec.alarms.iter().any(|a| a.id == id)
        || spec.steps.iter().any(|s| s.id == id)
}

/// The exported file: `source` at `seed` with the hand faults appended. With hand faults,
/// the header's documented verdict (`# expect: pass`) no longer applies and is reworded so
/// tools do not read it.
pub fn scenario_text(
    source: &str,
    origin: &str,
    seed: u64,
    hand: &[HandFault],
    replay: Option<&Replay>,
    path: &Path,
) -> Result<String, String> {
    let how = format!(
        "Exported by `faultline tui` from {origin} at seed {seed}, with {} injected by hand.",
        crate::count(hand.len(), "fault", "faults")
    );
    let tables: Vec<String> = hand.iter().map(fault_table).collect();
    compose(source, seed, &how, &tables, replay, path)
}

/// `source` at `seed`, with `tables` (each the text of one `[[fault]]` table) added to its
/// faults, and comments saying how it was exported (`how`), how to reproduce it and, after a
/// replay, the fingerprint it ends with.
pub(crate) fn compose(
    source: &str,
    seed: u64,
    how: &str,
    tables: &[String],
    replay: Option<&Replay>,
    path: &Path,
) -> Result<String, String> {
    let source = if tables.is_empty() { source.to_string() } else { without_documented_verdict(source) };
    let mut doc: DocumentMut = source.parse().map_err(|e| format!("the scenario is not valid TOML: {e}"))?;
    set_seed(&mut doc, seed)?;
    let mut note = format!("# {}\n", comment(how));
    note.push_str(&format!(
        "# reproduce: faultline run {}\n",
        comment(&PathBuf::from(path.file_name().unwrap_or_default()).display().to_string())
    ));
    if let Some(r) = replay {
        note.push_str(&format!("# fingerprint at the end of the run: {:016x}\n", r.final_fingerprint));
    }
    let faults = tables.iter().map(|t| parse_fault(t)).collect::<Result<Vec<Table>, String>>()?;
    let noted = append_faults(&mut doc, faults, &note)?;
    let mut out = doc.to_string();
    if !noted {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&note);
    }
    Ok(out)
}

/// Sets `seed` in the scenario table, keeping the key as written and the comment after the
/// value; adds it when absent.
fn set_seed(doc: &mut DocumentMut, seed: u64) -> Result<(), String> {
    // TOML integers are 64-bit signed.
    let seed = i64::try_from(seed).map_err(|_| format!("seed {seed} does not fit a TOML integer (at most {})", i64::MAX))?;
    let item = doc.get_mut("scenario").ok_or("the file has no `scenario` table")?;
    if let Some(Item::Value(v)) = item.as_table_like_mut().and_then(|t| t.get_mut("seed")) {
        let decor = v.decor().clone();
        *v = Value::from(seed);
        *v.decor_mut() = decor;
        return Ok(());
    }
    match item {
        // The space before `}` belongs to the last value; it moves to the new last one.
        Item::Value(Value::InlineTable(t)) => {
            let gap = t.iter_mut().last().map(|(_, v)| take_suffix(v));
            t.insert("seed", Value::from(seed));
            if let (Some(gap), Some(v)) = (gap, t.get_mut("seed")) {
                v.decor_mut().set_suffix(gap);
            }
        }
        other => {
            let table = other.as_table_like_mut().ok_or("the file's `scenario` is not a table")?;
            table.insert("seed", toml_edit::value(seed));
        }
    }
    Ok(())
}

/// The one table of a `[[fault]]` table's text.
fn parse_fault(text: &str) -> Result<Table, String> {
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("a fault table is not valid TOML: {e}"))?;
    let one = match doc.remove("fault") {
        Some(Item::ArrayOfTables(a)) if a.len() == 1 => a.into_iter().next(),
        _ => None,
    };
    one.ok_or_else(|| format!("not one [[fault]] table: {text}"))
}

/// Appends `faults` to the file's `fault` array: after the file's last table for an array of
/// tables (the first of them headed by `note`), inside the brackets for an inline array.
/// Returns whether `note` was placed (it is not for an inline array or no faults).
fn append_faults(doc: &mut DocumentMut, faults: Vec<Table>, note: &str) -> Result<bool, String> {
    if faults.is_empty() {
        return Ok(false);
    }
    let mut next = last_position(doc.as_table()) + 1;
    let item = doc.entry("fault").or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
    match item {
        Item::ArrayOfTables(array) => {
            for (i, mut t) in faults.into_iter().enumerate() {
                place(&mut t, &mut next);
                t.decor_mut().set_prefix(if i == 0 { format!("\n{note}\n") } else { "\n".to_string() });
                array.push(t);
            }
            Ok(true)
        }
        Item::Value(Value::Array(array)) => {
            // The space before `]` belongs to the last value; it moves to the new last one.
            let gap = array.iter_mut().last().map(take_suffix);
            for t in faults {
                array.push(Value::InlineTable(t.into_inline_table()));
            }
            if let (Some(gap), Some(last)) = (gap, array.iter_mut().last()) {
                last.decor_mut().set_suffix(gap);
            }
            Ok(false)
        }
        _ => Err("the file's `fault` is neither [[fault]] tables nor an array of inline tables".to_string()),
    }
}

/// The whitespace (or comment) after `v`, removed from it.
fn take_suffix(v: &mut Value) -> String {
    let gap = v.decor().suffix().and_then(|s| s.as_str()).unwrap_or_default().to_string();
    v.decor_mut().set_suffix("");
    gap
}

/// The largest position of a table in the document (where the last one is written).
fn last_position(table: &Table) -> isize {
    let mut last = table.position().unwrap_or(0);
    for (_, item) in table.iter() {
        match item {
            Item::Table(t) => last = last.max(last_position(t)),
            Item::ArrayOfTables(a) => {
                for t in a.iter() {
                    last = last.max(last_position(t));
                }
            }
            _ => {}
        }
    }
    last
}

/// Numbers `table` and its sub-tables from `next` on, so they are written in that order
/// after every table already in the document (a table parsed elsewhere keeps the position
/// it had there, which would put it first).
fn place(table: &mut Table, next: &mut isize) {
    table.set_position(Some(*next));
    *next += 1;
    for (_, item) in table.iter_mut() {
        match item {
            Item::Table(t) => place(t, next),
            Item::ArrayOfTables(a) => {
                for t in a.iter_mut() {
                    place(t, next);
                }
            }
            _ => {}
        }
    }
}

/// `text` fit for one comment line: a line break (a path may hold one) would end the comment
/// and put the rest into the TOML.
fn comment(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
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
        t.push_str(&format!("for = \"{}ms\"\n", r.saturating_since(h.at).as_nanos() / 1_000_000));
    }
    t
}

/// `source` with its scenario table's `seed` set to `seed` (added if absent).
pub fn with_seed(source: &str, seed: u64) -> Result<String, String> {
    let mut doc: DocumentMut = source.parse().map_err(|e| format!("the scenario is not valid TOML: {e}"))?;
    set_seed(&mut doc, seed)?;
    Ok(doc.to_string())
}

/// Rewords `# expect: <verdict>` lines of the leading comment block.
fn without_documented_verdict(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut header = true;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        header &= t.trim().is_empty() || t.starts_with('#');
        match t.trim_start_matches('#').trim().strip_prefix("expect:") {
            Some(verdict) if header => {
                out.push_str(&format!("# Before the faults injected by hand, the documented verdict was{verdict}.\n"));
            }
            _ => out.push_str(line),
        }
    }
    out
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

    fn export(src: &str, seed: u64, h: &[HandFault]) -> String {
        scenario_text(src, "x.toml", seed, h, None, Path::new("f.toml")).unwrap_or_else(|e| panic!("{e}"))
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
    fn the_seed_of_the_scenario_table_is_replaced_and_no_other() {
        let src = "# seed = 3 in a comment\n[scenario]\nname = \"x\"\nseed = 1 # the file's\n\n[[traffic]]\nseed = 5\n";
        let want = "# seed = 3 in a comment\n[scenario]\nname = \"x\"\nseed = 9 # the file's\n\n[[traffic]]\nseed = 5\n";
        assert_eq!(with_seed(src, 9).as_deref(), Ok(want));
    }

    #[test]
    fn a_quoted_seed_key_and_an_inline_scenario_table_get_the_seed() {
        let quoted = "[scenario]\nname = \"x\"\n\"seed\" = 1\n";
        assert_eq!(with_seed(quoted, 9).as_deref(), Ok("[scenario]\nname = \"x\"\n\"seed\" = 9\n"));
        let inline = "scenario = { name = \"x\", seed = 1 }\n[[traffic]]\nseed = 5\n";
        assert_eq!(with_seed(inline, 9).as_deref(), Ok("scenario = { name = \"x\", seed = 9 }\n[[traffic]]\nseed = 5\n"));
        let dotted = "scenario.name = \"x\"\nscenario.seed = 2\n";
        assert_eq!(with_seed(dotted, 9).as_deref(), Ok("scenario.name = \"x\"\nscenario.seed = 9\n"));
        let without = "scenario = { name = \"x\" }\n";
        assert_eq!(with_seed(without, 9).as_deref(), Ok("scenario = { name = \"x\", seed = 9 }\n"));
    }

    #[test]
    fn a_missing_seed_is_added_to_the_scenario_table() {
        assert_eq!(with_seed("[scenario]\nname = \"x\"\n[expect]\n", 4).as_deref(), Ok("[scenario]\nname = \"x\"\nseed = 4\n[expect]\n"));
        assert_eq!(with_seed("[scenario]\nname = \"x\"", 4).as_deref(), Ok("[scenario]\nname = \"x\"\nseed = 4\n"));
    }

    #[test]
    fn a_seed_toml_cannot_hold_is_refused() {
        assert!(with_seed("[scenario]\nname = \"x\"\n", u64::MAX).is_err_and(|e| e.contains("does not fit")));
    }

    #[test]
    fn faults_join_an_inline_fault_array() {
        let src = "fault = [ { id = \"pre\", at = \"5s\", cut = \"a\" } ] # kept\n[scenario]\nname = \"x\"\n";
        let out = export(src, 2, &[hand(HandKind::Cut, "b", 7, None)]);
        assert!(
            out.starts_with(
                "fault = [ { id = \"pre\", at = \"5s\", cut = \"a\" }, { id = \"manual-1\", at = \"7ms\", cut = \"b\" } ] # kept\n"
            ),
            "{out}"
        );
        assert!(!out.contains("[[fault]]"), "{out}");
        assert!(out.ends_with("\n# reproduce: faultline run f.toml\n"), "{out}");
    }

    #[test]
    fn faults_follow_the_file_s_last_table_with_the_note_above_them() {
        let src = "[scenario]\nname = \"x\"\n\n[[fault]]\nid = \"pre\"\nat = \"1s\"\ncut = \"a\"\n\n[expect]\ndetect_within = \"1s\"\n";
        let mut second = hand(HandKind::Blackhole, "c", 9, Some(10));
        second.id = "manual-2".into();
        let out = export(src, 2, &[hand(HandKind::Cut, "b", 7, None), second]);
        let tail = "[expect]\ndetect_within = \"1s\"\n\n# Exported by `faultline tui` from x.toml at seed 2, with 2 faults injected by hand.\n# reproduce: faultline run f.toml\n\n[[fault]]\nid = \"manual-1\"\nat = \"7ms\"\ncut = \"b\"\n\n[[fault]]\nid = \"manual-2\"\nat = \"9ms\"\nblackhole = \"c\"\nfor = \"1ms\"\n";
        assert!(out.ends_with(tail), "{out}");
        assert!(out.starts_with("[scenario]\nname = \"x\"\nseed = 2\n\n[[fault]]\nid = \"pre\""), "{out}");
    }

    #[test]
    fn a_line_break_in_the_origin_stays_in_the_comment() {
        let out = scenario_text("[scenario]\nname = \"x\"\n", "a\nb = 1", 1, &[], None, Path::new("f.toml")).unwrap_or_default();
        assert!(out.contains("# Exported by `faultline tui` from a b = 1 at seed 1"), "{out}");
        assert!(out.parse::<DocumentMut>().is_ok_and(|d| d.get("b").is_none()), "{out}");
    }

    #[test]
    fn hand_faults_retire_the_documented_verdict() {
        let src = "# x\n# expect: pass\n[scenario]\nname = \"x\"\n";
        let h = [hand(HandKind::Cut, "a/ch1", 5, None)];
        let out = export(src, 1, &h);
        assert!(out.starts_with("# x\n# Before the faults injected by hand, the documented verdict was pass.\n[scenario]"), "{out}");
        assert!(export(src, 1, &[]).starts_with(src));
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("channel cut/../x", 2), "faultline-session-channel_cut____x-2.toml");
    }
}
