//! Masked faults end to end: a fault whose every effect another fault already had, for its
//! whole window, changed nothing observable. It is reported with no evidence (`effect.any`
//! false), so `detect_within` and the other per-fault checks leave it out and the verdict is
//! inconclusive (`fault_effect`: "no observable effect"), as for a second cut of a cut channel
//! (`tests/fixtures/no-effect.toml`); never a `detect_within` failure for a detection that
//! had nothing to detect. And it changes none of the masking fault's own figures.

mod common;

use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/blackhole-inside-cut.toml";

/// The fixture with the blackhole's window (and whether it is there at all) changed.
fn variant(tag: &str, bh: Option<(&str, &str)>) -> String {
    let text = std::fs::read_to_string(common::root().join(FIXTURE)).expect("the fixture exists");
    let old = "[[fault]]\nid = \"bh\"\nat = \"20s\"\nblackhole = \"ash/ch2\"\nfor = \"20s\"\n";
    assert!(text.contains(old), "the fixture's blackhole is as this test expects");
    let new = match bh {
        Some((at, len)) => format!("[[fault]]\nid = \"bh\"\nat = \"{at}\"\nblackhole = \"ash/ch2\"\nfor = \"{len}\"\n"),
        None => String::new(),
    };
    let dir = std::env::temp_dir().join(format!("faultline-masking-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(format!("{tag}.toml"));
    std::fs::write(&p, text.replace(old, &new)).expect("temp file");
    p.to_string_lossy().into_owned()
}

fn fault<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["faults"].as_array().expect("faults").iter().find(|f| f["id"] == id).unwrap_or_else(|| panic!("no fault {id}: {v}"))
}

fn check<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["expectations"].as_array().expect("expectations").iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no check {name}: {v}"))
}

/// Everything the report says of a fault but its id and window.
fn figures(f: &Value) -> Value {
    let mut f = f.clone();
    let o = f.as_object_mut().expect("a fault is an object");
    for k in ["id", "at_s", "end_s", "kind", "target"] {
        o.remove(k);
    }
    f
}

/// ash/ch2 is cut from 10 s to 60 s. A silent blackhole of the same channel anywhere inside
/// that window finds no carrier: every packet it would drop is already dropped, the BGP
/// session it would have to fool is already down (carrier loss, at 10 s), and forwarding has
/// already left the link (local repair, 10.05 s). So whatever its window inside the cut (the
/// fixture's 20–40 s; one starting with the cut, 10–30 s; the cut's whole window; one ending
/// with it, 40–60 s), it has no evidence, `detect_within` judges the cut alone (detected at
/// once by carrier loss, 0 s <= 1 s: pass) and the verdict is inconclusive (exit 2) because
/// of the masked fault, never a failure.
///
/// Metamorphic: the cut's own figures (detect, converge, recover, blackhole, lost bytes,
/// evidence) are the same with and without the blackhole.
#[test]
fn a_blackhole_inside_a_cut_is_masked_and_changes_nothing_of_the_cut() {
    let (code, alone) = common::run_json(&variant("cut-alone", None), &[]);
    assert_eq!(code, Some(0), "the cut alone passes: {alone}");
    let cut_alone = figures(fault(&alone, "cut"));
    assert_eq!(cut_alone["detect_s"].as_f64(), Some(0.0), "carrier loss is detected at once");
    for (tag, window) in
        [("fixture", None), ("same-start", Some(("10s", "20s"))), ("whole", Some(("10s", "50s"))), ("same-end", Some(("40s", "20s")))]
    {
        let path = match window {
            None => FIXTURE.to_string(),
            Some(w) => variant(tag, Some(w)),
        };
        let (code, v) = common::run_json(&path, &[]);
        let bh = fault(&v, "bh");
        assert_eq!(bh["effect"]["any"], false, "{tag}: the blackhole is masked: {bh}");
        assert!(bh["detect_s"].is_null() && bh["blackhole_s"] == 0.0 && bh["lost_bytes"] == 0, "{tag}: {bh}");
        assert_eq!(check(&v, "detect_within")["status"], "pass", "{tag}: only the cut is judged: {v}");
        assert_eq!(check(&v, "fault_effect")["status"], "inconclusive", "{tag}: {v}");
        assert!(check(&v, "fault_effect")["detail"].as_str().is_some_and(|d| d.contains("`bh`")), "{tag}: {v}");
        assert_eq!(code, Some(2), "{tag}: inconclusive, never a failure: {v}");
        assert_eq!(figures(fault(&v, "cut")), cut_alone, "{tag}: the blackhole changes none of the cut's figures");
    }
}

/// A blackhole that outlasts the cut (50–70 s) is not masked: from 60 s, when the carrier
/// returns, it keeps ash/ch2 from delivering, so it changed the link (evidence), even though
/// no session can go down for it (the session, down since the cut, cannot re-establish
/// through it).
#[test]
fn a_blackhole_that_outlasts_the_cut_shows_when_the_carrier_returns() {
    let (_, v) = common::run_json(&variant("outlasts", Some(("50s", "20s"))), &[]);
    let bh = fault(&v, "bh");
    assert_eq!(bh["effect"]["links_changed"], 1, "{bh}");
    assert_eq!(bh["effect"]["any"], true, "{bh}");
}
