//! `run --svg`: well-formed SVG (xmllint, a parser we did not write), the time axis in a
//! human unit, fault labels in lanes that never overlap, a mark for every detection,
//! convergence, recovery, alarm and runbook action of the run's JSON, the RTO target drawn,
//! nothing outside the canvas; and insta snapshots of two library scenarios' charts.

mod common;

use serde_json::Value;

const WIDTH: f64 = 960.0;

fn svg_of(args: &[&str]) -> (Value, String) {
    let dir = tempfile::tempdir().expect("well-formed output of the test");
    let path = dir.path().join("chart.svg");
    let mut a = vec!["run"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["--json", "--svg", path.to_str().expect("well-formed output of the test")]);
    let o = common::faultline(&a);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&o.stderr)));
    if common::have("svg_is_well_formed", &["xmllint"]) {
        let x = std::process::Command::new("xmllint").arg("--noout").arg(&path).output().expect("well-formed output of the test");
        assert!(x.status.success(), "xmllint: {}", String::from_utf8_lossy(&x.stderr));
    }
    (v, std::fs::read_to_string(&path).expect("well-formed output of the test"))
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(tag[i..i + tag[i..].find('"')?].to_string())
}

/// Every `<text …>content</text>`: (tag, content).
fn texts(svg: &str) -> Vec<(String, String)> {
    svg.split("<text")
        .skip(1)
        .map(|t| {
            let end = t.find('>').expect("well-formed output of the test");
            let content = t[end + 1..].split("</text>").next().unwrap_or("").to_string();
            (t[..end].to_string(), content)
        })
        .collect()
}

fn width_of(s: &str) -> f64 {
    // The renderer's own estimate, 0.62 em per character, plus a margin.
    s.chars().count() as f64 * 11.0 * 0.62
}

fn check(case: &str, json: &Value, svg: &str, unit: &str) {
    let mut c = common::Checks::new(case);
    c.that(svg.contains(&format!(">simulated time ({unit})</text>")), format!("the time axis is not in {unit}"));
    // Tick labels are small numbers in that unit (no 1800 s on a 30-minute run).
    let axis = svg
        .split("<g class=\"x-axis\"")
        .nth(1)
        .expect("well-formed output of the test")
        .split("</g>")
        .next()
        .expect("well-formed output of the test");
    for (_, label) in texts(axis) {
        if let Ok(v) = label.parse::<f64>() {
            c.that(v <= 1000.0, format!("tick label {label}"));
        }
    }
    // Nothing outside the canvas, given each text's anchor.
    let (body, legend) = svg.split_once("<g class=\"legend\">").expect("well-formed output of the test");
    for (tag, content) in texts(body) {
        if tag.contains("transform") {
            continue;
        }
        let (Some(x), anchor) = (attr(&tag, "x").and_then(|x| x.parse::<f64>().ok()), attr(&tag, "text-anchor")) else { continue };
        let w = width_of(&content);
        let (x0, x1) = match anchor.as_deref() {
            Some("middle") => (x - w / 2.0, x + w / 2.0),
            Some("end") => (x - w, x),
            _ => (x, x + w),
        };
        c.that(x0 >= -0.5 && x1 <= WIDTH + 0.5, format!("`{content}` spans {x0:.0}..{x1:.0}, outside 0..{WIDTH}"));
    }
    // Legend entries: translated groups, each a symbol and its text at x = 22.
    for entry in legend.split("<g transform=\"translate(").skip(1) {
        let lx: f64 = entry.split(' ').next().expect("well-formed output of the test").parse().expect("well-formed output of the test");
        let text = texts(entry).last().map(|t| t.1.clone()).unwrap_or_default();
        c.that(lx + 22.0 + width_of(&text) <= WIDTH, format!("legend `{text}` passes the right edge"));
    }
    // Fault labels: none overlaps another in its lane.
    let faults = svg
        .split("<g class=\"faults\">")
        .nth(1)
        .expect("well-formed output of the test")
        .split("</g>")
        .next()
        .expect("well-formed output of the test");
    let mut labels: Vec<(f64, f64, f64, String)> = texts(faults)
        .into_iter()
        .filter(|(t, _)| t.contains("fill=\"#802020\"") && !t.contains("text-anchor"))
        .map(|(t, s)| {
            let x: f64 = attr(&t, "x").expect("well-formed output of the test").parse().expect("well-formed output of the test");
            let y: f64 = attr(&t, "y").expect("well-formed output of the test").parse().expect("well-formed output of the test");
            (y, x, x + width_of(&s), s)
        })
        .collect();
    labels.sort_by(|a, b| a.partial_cmp(b).expect("well-formed output of the test"));
    for w in labels.windows(2) {
        if w[0].0 == w[1].0 {
            c.that(w[0].2 <= w[1].1, format!("labels `{}` and `{}` overlap", w[0].3, w[1].3));
        }
    }
    let faults_n = json["faults"].as_array().expect("well-formed output of the test").len();
    let hidden = svg.contains("not shown (see the fault table)");
    c.that(hidden || labels.len() == faults_n, format!("{} fault labels for {faults_n} faults", labels.len()));
    // A mark per event of the JSON.
    let marks = |what: &str| svg.matches(&format!("<g class=\"mark\"><title>{what}")).count();
    let count = |key: &str| json["faults"].as_array().expect("well-formed output of the test").iter().filter(|f| !f[key].is_null()).count();
    for (what, key) in [("detection of", "detect_s"), ("convergence after", "converge_s"), ("recovery from", "recover_s")] {
        // A glyph may lose its lane on a crowded chart; its line is always drawn.
        c.that(marks(what) <= count(key), format!("{what}: {} marks, {} in JSON", marks(what), count(key)));
        c.that(count(key) == 0 || marks(what) > 0, format!("{what}: no mark"));
    }
    let fired: usize = json["alarms"]
        .as_array()
        .expect("well-formed output of the test")
        .iter()
        .map(|a| a["fired_s"].as_array().expect("well-formed output of the test").len())
        .sum();
    c.that(fired == 0 || marks("alarm ") > 0, "no alarm mark");
    let acted = json["runbook"].as_array().expect("well-formed output of the test").iter().filter(|s| !s["acted_s"].is_null()).count();
    c.that(acted == 0 || marks("runbook step ") > 0, "no runbook mark");
    c.finish();
}

#[test]
fn ashburn_chart() {
    let (json, svg) = svg_of(&["ashburn-facility-power-2018"]);
    check("ashburn", &json, &svg, "h");
    insta::assert_snapshot!("svg_ashburn_facility_power_2018", svg);
}

#[test]
fn a_40_minute_run_is_in_minutes() {
    let (json, svg) = svg_of(&["dx-tokyo-2021-packet-loss"]);
    check("dx-tokyo", &json, &svg, "min");
    insta::assert_snapshot!("svg_dx_tokyo_2021_packet_loss", svg);
}

#[test]
fn alarms_runbook_and_the_rto_target_are_drawn() {
    let (json, svg) = svg_of(&["region-outage-dr"]);
    check("region-outage-dr", &json, &svg, "min");
    // Its rto_within (15 min from a fault at 1 min) ends past the 15-minute run: not drawn.
    assert!(!svg.contains("<title>RTO target for "), "a target past the end is drawn");
    for scenario in ["us-east-1-oct-2025", "database-endpoint-failover"] {
        let (json, svg) = svg_of(&[scenario]);
        check(scenario, &json, &svg, "min");
        assert!(svg.contains("<title>RTO target for "), "{scenario}: no RTO target on a scenario with rto_within");
        assert!(svg.contains(": rto_within from each fault&#39;s start</text>"), "{scenario}: the legend names the RTO target");
    }
}

#[test]
fn many_faults_stay_legible() {
    // 24 h of random faults: labels that find no lane are left out and counted.
    let (json, svg) = svg_of(&["random-chaos"]);
    check("random-chaos", &json, &svg, "h");
}

#[test]
fn a_long_label_near_the_end_is_moved_left_whole() {
    // `outlive-the-run-unrepaired` starts 1 s before the end of a 60 s run: at its window its
    // label "outlive-the-run-unrepaired (not repaired)" would run ~230 px past the canvas.
    let (json, svg) = svg_of(&["tests/fixtures/report/postmortem-edges.toml"]);
    check("postmortem-edges", &json, &svg, "s");
    let faults = svg.split("<g class=\"faults\">").nth(1).expect("a faults group");
    let (tag, content) =
        texts(faults).into_iter().find(|(_, c)| c.starts_with("outlive-the-run-unrepaired")).expect("the long label is drawn, in full");
    assert_eq!(content, "outlive-the-run-unrepaired (not repaired)");
    let x: f64 = attr(&tag, "x").and_then(|x| x.parse().ok()).expect("an x");
    assert!(x + width_of(&content) <= WIDTH, "the label ends at {:.0} > {WIDTH}", x + width_of(&content));
    assert!(attr(&tag, "text-anchor").is_none(), "{tag}");
    // The other labels are all there too: no label is hidden on a chart of three faults.
    assert!(!svg.contains("not shown (see the fault table)"), "a label is hidden");
}

/// The RTO and `recover_within` targets share a colour and a dash: each reads its own tag,
/// `RTO ≤ 2min` and `recover ≤ 5s`, and the legend says which `[expect]` key each stands
/// for. Once both were a red "T" and only the tooltip told them apart.
#[test]
fn the_two_targets_read_apart() {
    let (json, svg) = svg_of(&["tests/fixtures/report/late-and-lists.toml"]);
    check("late-and-lists", &json, &svg, "min");
    let mark = |title: &str| {
        svg.split("<g class=\"mark\">").find(|m| m.starts_with(&format!("<title>{title}"))).map(|m| m.split("</g>").next().unwrap_or(""))
    };
    let rto = mark("RTO target for cut-1 at 320.25s").expect("cut-1's RTO target");
    let rec = mark("recover_within target for cut-1 at 205.25s").expect("cut-1's recover_within target");
    assert!(rto.contains(">RTO ≤ 2min</text>"), "{rto}");
    assert!(rec.contains(">recover ≤ 5s</text>"), "{rec}");
    assert!(!svg.contains("bold\" fill=\"#fff\">T</text>"), "a target still reads T");
    assert!(svg.contains(">RTO ≤ 2min: rto_within from each fault&#39;s start</text>"), "the legend's RTO entry");
    assert!(svg.contains(">recover ≤ 5s: recover_within from each fault&#39;s start</text>"), "the legend's recover_within entry");
    // A tag's width holds its text: no two glyphs in one lane overlap.
    let mut glyphs: Vec<(f64, f64, f64)> = vec![];
    for m in svg.split("<g class=\"mark\">").skip(1) {
        let m = m.split("</g>").next().unwrap_or("");
        if let Some(r) = m.split("<rect ").nth(1) {
            let r = format!(" {r}");
            let n = |k: &str| attr(&r, k).and_then(|v| v.parse::<f64>().ok()).expect("a number");
            glyphs.push((n("y"), n("x"), n("x") + n("width")));
        } else if let Some(c) = m.split("<circle ").nth(1) {
            let c = format!(" {c}");
            let n = |k: &str| attr(&c, k).and_then(|v| v.parse::<f64>().ok()).expect("a number");
            glyphs.push((n("cy") - 7.0, n("cx") - 7.0, n("cx") + 7.0));
        }
    }
    for (i, a) in glyphs.iter().enumerate() {
        for b in &glyphs[i + 1..] {
            let same_lane = (a.0 - b.0).abs() < 1.0;
            assert!(!same_lane || a.2 <= b.1 || b.2 <= a.1, "glyphs overlap: {a:?} {b:?}");
        }
    }
}
