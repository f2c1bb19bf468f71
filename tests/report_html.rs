//! The HTML report end to end: its numbers equal `run --json`'s cell by cell, nothing on the
//! page can make a request, user text is escaped, its structure is snapshotted, and a real
//! headless Chromium renders it without a console error into a non-blank A4-sized
//! screenshot and an A4 PDF.
//!
//! Console errors: Chromium's `--enable-logging=stderr` writes every console message of the
//! page (and every Content-Security-Policy refusal, which the browser reports on the
//! console) to stderr as a `CONSOLE` line with its level; a control page that calls
//! `console.error` shows the capture works, so a silent run means a clean page.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn run_with_html(args: &[&str], html: &Path) -> (Value, String) {
    let mut a: Vec<&str> = vec!["run"];
    a.extend_from_slice(args);
    let h = html.to_str().expect("utf-8 path");
    a.extend_from_slice(&["--json", "--html", h]);
    let o = common::faultline(&a);
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)));
    (v, std::fs::read_to_string(html).expect("the report was written"))
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// Every `data-json="POINTER" data-value="VALUE"` pair of the page.
fn cells(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("data-json=\"") {
        rest = &rest[i + 11..];
        let end = rest.find('"').expect("closed attribute");
        let pointer = unescape(&rest[..end]);
        rest = &rest[end..];
        let j = rest.find("data-value=\"").expect("a data-value follows each data-json");
        rest = &rest[j + 12..];
        let end = rest.find('"').expect("closed attribute");
        out.push((pointer, unescape(&rest[..end])));
        rest = &rest[end..];
    }
    out
}

fn check_cells_equal_json(case: &str, html: &str, json: &Value) -> usize {
    let cells = cells(html);
    let mut checks = common::Checks::new(case);
    for (pointer, value) in &cells {
        let shown: Value = serde_json::from_str(value).unwrap_or_else(|e| panic!("{case}: {pointer}: `{value}` is not JSON: {e}"));
        match json.pointer(pointer) {
            Some(j) => checks.that(*j == shown, format!("{pointer}: the page says {shown}, --json {j}")),
            // `/alarms/0/fired_s/0` of an alarm that never fired: the page shows null.
            None => checks.that(shown.is_null(), format!("{pointer}: not in --json, but the page says {shown}")),
        }
    }
    checks.finish();
    cells.len()
}

#[test]
fn the_report_numbers_equal_the_json_ones() {
    let dir = tmp();
    for (name, args) in [
        ("ashburn", vec!["ashburn-facility-power-2018"]),
        ("small-cut", vec!["tests/fixtures/small-cut.toml", "--seed", "7"]),
        ("flagship", vec![]),
    ] {
        let path = dir.path().join(format!("{name}.html"));
        let (json, html) = run_with_html(&args, &path);
        let n = check_cells_equal_json(name, &html, &json);
        let faults = json["faults"].as_array().map_or(0, Vec::len);
        let groups = json["traffic"].as_array().map_or(0, Vec::len);
        let checks = json["expectations"].as_array().map_or(0, Vec::len);
        // Eight timed cells per fault, ten per group, two per expectation, and the header.
        assert!(n >= 8 * faults + 10 * groups + 2 * checks + 4, "{name}: only {n} cells");
    }
}

#[test]
fn report_writes_what_run_html_writes() {
    let dir = tmp();
    let a = dir.path().join("run.html");
    let b = dir.path().join("report.html");
    let o = common::faultline(&["run", "ashburn-facility-power-2018", "-q", "--html", a.to_str().expect("well-formed output of the test")]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let o = common::faultline(&["report", "ashburn-facility-power-2018", "--html", b.to_str().expect("well-formed output of the test")]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(&a).expect("well-formed output of the test"),
        std::fs::read(&b).expect("well-formed output of the test"),
        "the same run gives the same bytes"
    );
    // A bad scenario is the usual invalid input: exit 3, no file.
    let c = dir.path().join("none.html");
    let o = common::faultline(&["report", "no-such-scenario", "--html", c.to_str().expect("well-formed output of the test")]);
    assert_eq!(o.status.code(), Some(3));
    assert!(!c.exists());
}

/// Nothing on the page can fetch: no script, no external URL in any src/href/url(), and a
/// CSP that would make the browser refuse one anyway.
fn assert_self_contained(case: &str, html: &str) {
    assert!(
        html.contains(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        ),
        "{case}: CSP"
    );
    assert!(!html.contains("<script"), "{case}: a script");
    assert!(!html.contains("<link"), "{case}: a link element");
    for needle in ["src=", "url(", "@import", "http://", "https://", "//cdn", "xlink:href"] {
        assert!(!html.contains(needle), "{case}: `{needle}` on the page");
    }
    // The only hrefs are the table of contents' fragment links.
    for (i, _) in html.match_indices("href=\"") {
        assert_eq!(&html[i + 6..i + 7], "#", "{case}: a non-fragment href at byte {i}");
    }
}

#[test]
fn the_report_is_self_contained_and_escapes_user_text() {
    let dir = tmp();
    let scenario = dir.path().join("evil.toml");
    let text = std::fs::read_to_string(common::root().join("tests/fixtures/small-cut.toml")).expect("well-formed output of the test");
    let evil = r#"<script>alert("x")</script> & 'quotes' <img src=http://example.com/x>"#;
    let mut edited = String::new();
    edited.push_str(&format!("# Rehearses: {evil}\n"));
    for line in text.lines() {
        if line.trim_start().starts_with("summary") {
            edited.push_str(&format!("summary = '''{evil}'''\n"));
        } else {
            edited.push_str(line);
            edited.push('\n');
        }
    }
    std::fs::write(&scenario, &edited).expect("well-formed output of the test");
    let path = dir.path().join("evil.html");
    let (_, html) = run_with_html(&[scenario.to_str().expect("well-formed output of the test")], &path);
    let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39; &lt;img src=http://example.com/x&gt;";
    assert!(!html.contains("<script>alert") && !html.contains("<img"), "raw user text on the page");
    assert!(html.matches(escaped).count() >= 3, "the summary and the comment, escaped, in the header and the body");
    // The escaped text is text: with it removed, nothing on the page names a URL.
    assert_self_contained("evil", &html.replace(escaped, ""));
    let (_, html) = run_with_html(&["ashburn-facility-power-2018"], &dir.path().join("a.html"));
    assert_self_contained("ashburn", &html);
}

/// Headings with their ids and every table's header row: what a reader navigates by.
fn structure(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    loop {
        let next = ["<h1", "<h2", "<h3", "<section id=\"", "<thead>"].iter().filter_map(|t| rest.find(t).map(|i| (i, *t))).min();
        let Some((i, tag)) = next else { break };
        rest = &rest[i..];
        match tag {
            "<section id=\"" => {
                let end = rest[13..].find('"').expect("well-formed output of the test") + 13;
                out.push_str(&format!("section #{}\n", &rest[13..end]));
            }
            "<thead>" => {
                let end = rest.find("</thead>").expect("well-formed output of the test");
                let head = &rest[..end];
                let cols: Vec<&str> = head.split("<th>").skip(1).map(|c| c.split("</th>").next().unwrap_or("")).collect();
                out.push_str(&format!("    table: {}\n", cols.join(" | ")));
            }
            h => {
                let start = rest.find('>').expect("well-formed output of the test") + 1;
                let close = format!("</{}>", &h[1..]);
                let end = rest.find(&close).expect("well-formed output of the test");
                let text = &rest[start..end];
                let text = if h == "<h1" { "(scenario name)" } else { text };
                out.push_str(&format!("  {}: {}\n", &h[1..], text));
            }
        }
        rest = &rest[tag.len()..];
    }
    out
}

#[test]
fn report_structure() {
    let dir = tmp();
    let (_, html) = run_with_html(&["ashburn-facility-power-2018"], &dir.path().join("a.html"));
    insta::assert_snapshot!("report_structure_ashburn", structure(&html));
    let o = common::faultline(&[
        "sweep",
        "tests/fixtures/small-cut.toml",
        "--seeds",
        "1..21",
        "-q",
        "--html",
        dir.path().join("s.html").to_str().expect("well-formed output of the test"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(dir.path().join("s.html")).expect("well-formed output of the test");
    assert_self_contained("sweep", &html);
    insta::assert_snapshot!("report_structure_sweep", structure(&html));
}

#[test]
fn the_sweep_report_numbers_equal_the_json_ones() {
    let dir = tmp();
    let path = dir.path().join("s.html");
    // fails.toml fails on some seeds: the failing table and its reproduce lines are checked too.
    for (case, scenario) in [("small-cut", "tests/fixtures/small-cut.toml"), ("fails", "tests/fixtures/fails.toml")] {
        let o = common::faultline(&[
            "sweep",
            scenario,
            "--seeds",
            "1..31",
            "--json",
            "--html",
            path.to_str().expect("well-formed output of the test"),
        ]);
        let json: Value = serde_json::from_slice(&o.stdout).expect("sweep JSON");
        let html = std::fs::read_to_string(&path).expect("well-formed output of the test");
        let n = check_cells_equal_json(case, &html, &json);
        assert!(n >= 13, "{case}: {n} cells");
        let failing = json["failing_seeds"].as_array().map_or(0, Vec::len);
        assert_eq!(html.matches("<tr><td class=\"num\" data-json=\"/failing_seeds/").count(), failing.min(100), "{case}");
    }
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|p| std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(p).is_file())))
}

/// Renders `page` headless; returns Chromium's stderr (with the console lines).
fn render(browser: &str, page: &Path, out: &Path, mode: &str) -> String {
    let profile = tmp();
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            &format!("--user-data-dir={}", profile.path().display()),
            "--window-size=1240,1754",
            "--virtual-time-budget=2000",
        ])
        .arg(match mode {
            "pdf" => format!("--print-to-pdf={}", out.display()),
            _ => format!("--screenshot={}", out.display()),
        })
        .args(if mode == "pdf" { vec!["--no-pdf-header-footer"] } else { vec![] })
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains("CONSOLE") || l.contains("Content Security Policy") || l.contains("Refused to")).collect()
}

fn png_size(p: &Path) -> (u32, u32, usize) {
    let b = std::fs::read(p).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", p.display()));
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (be(16), be(20), b.len())
}

#[test]
fn chromium_renders_the_report_without_console_errors() {
    let Some(browser) = chromium() else {
        common::skip("chromium_renders_the_report_without_console_errors", "chromium not installed");
        return;
    };
    let dir = tmp();
    // The capture works: a page that logs an error and fetches from outside shows both.
    let control = dir.path().join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'\"></head><body><img src=\"http://192.0.2.1/x.png\"><script>console.error('faultline-control-error')</script></body></html>",
    )
    .expect("well-formed output of the test");
    let stderr = render(browser, &control, &dir.path().join("control.png"), "png");
    let lines = console_lines(&stderr);
    assert!(lines.iter().any(|l| l.contains("faultline-control-error")), "the console capture missed console.error:\n{stderr}");
    assert!(lines.iter().any(|l| l.contains("192.0.2.1")), "the console capture missed a refused request:\n{stderr}");

    let shots = std::env::var_os("FAULTLINE_SCREENSHOTS").map(PathBuf::from);
    for (case, args) in [("ashburn", vec!["ashburn-facility-power-2018"]), ("flagship", vec![])] {
        let page = dir.path().join(format!("{case}.html"));
        run_with_html(&args, &page);
        let png = dir.path().join(format!("{case}.png"));
        let stderr = render(browser, &page, &png, "png");
        assert_eq!(console_lines(&stderr), Vec::<&str>::new(), "{case}: console output:\n{stderr}");
        let (w, h, bytes) = png_size(&png);
        assert_eq!((w, h), (1240, 1754), "{case}: screenshot size");
        // A blank page compresses to a few kB; this one has charts, tables and text.
        assert!(bytes > 60_000, "{case}: the screenshot is {bytes} bytes, nearly blank");
        let pdf = dir.path().join(format!("{case}.pdf"));
        let stderr = render(browser, &page, &pdf, "pdf");
        assert_eq!(console_lines(&stderr), Vec::<&str>::new(), "{case}: console output when printing:\n{stderr}");
        let doc = std::fs::read(&pdf).unwrap_or_else(|e| panic!("{case}: no PDF: {e}"));
        let text = String::from_utf8_lossy(&doc);
        // A4 is 595.28 x 841.89 points (ISO 216: 210 x 297 mm at 72 points per inch).
        let a4 = text.match_indices("/MediaBox [").any(|(i, _)| {
            let nums: Vec<f64> = text[i + 11..].split(']').next().unwrap_or("").split_whitespace().filter_map(|n| n.parse().ok()).collect();
            nums.len() == 4 && (nums[2] - 595.28).abs() < 1.0 && (nums[3] - 841.89).abs() < 1.0
        });
        assert!(a4, "{case}: the PDF's pages are not A4");
        if let Some(d) = &shots {
            std::fs::create_dir_all(d).expect("well-formed output of the test");
            std::fs::copy(&png, d.join(format!("{case}.png"))).expect("well-formed output of the test");
            std::fs::copy(&pdf, d.join(format!("{case}.pdf"))).expect("well-formed output of the test");
        }
    }
    // And a sweep report.
    let page = dir.path().join("sweep.html");
    let o = common::faultline(&[
        "sweep",
        "tests/fixtures/fails.toml",
        "--seeds",
        "1..41",
        "-q",
        "--html",
        page.to_str().expect("well-formed output of the test"),
    ]);
    assert!(page.exists(), "{}", String::from_utf8_lossy(&o.stderr));
    let png = dir.path().join("sweep.png");
    let stderr = render(browser, &page, &png, "png");
    assert_eq!(console_lines(&stderr), Vec::<&str>::new(), "sweep: console output:\n{stderr}");
    let (_, _, bytes) = png_size(&png);
    assert!(bytes > 30_000, "sweep: the screenshot is {bytes} bytes");
    if let Some(d) = &shots {
        std::fs::copy(&png, d.join("sweep.png")).expect("well-formed output of the test");
    }
}

/// The header comment keeps its structure: `-` and `*` lines are a list (a line indented
/// under an item continues it), blank lines split paragraphs, backticks are code, and
/// markup stays text. Expectation details' backticks are code too.
#[test]
fn the_header_comment_keeps_its_lists_and_code() {
    let dir = tmp();
    let (_, html) = run_with_html(&["tests/fixtures/report/late-and-lists.toml"], &dir.path().join("l.html"));
    let section = html.split("<section id=\"rehearsed\">").nth(1).and_then(|s| s.split("</section>").next()).expect("the section");
    assert!(section.contains("<p class=\"why\">What it rehearses:</p>\n<ul class=\"why\"><li>a cut of <code>ash</code> at 200.25 s, and another at 1799.5 s, half a second before the end (an instant that must not read as <code>1800s</code>, the end);</li><li>an alarm <code>down</code> that fires on each cut, so twice.</li></ul>"), "{section}");
    assert!(
        section.contains(
            "<p class=\"why\">Both <code>rto_within</code> and <code>recover_within</code> are set: their targets must read apart.</p>"
        ),
        "{section}"
    );
    assert!(
        section.contains("<p class=\"why\">Markup stays text: &lt;b&gt;bold&lt;/b&gt; &amp; <code>a&lt;b&gt;</code> are not HTML.</p>"),
        "{section}"
    );
    assert!(!section.contains('`'), "a raw backtick: {section}");
    let expectations = html.split("<table class=\"expectations\">").nth(1).and_then(|s| s.split("</table>").next()).expect("the table");
    assert!(expectations.contains("<td>fault <code>cut-2</code> (cut ash) never recovered"), "{expectations}");
    assert!(!expectations.contains('`'), "a raw backtick: {expectations}");
    assert_self_contained("late-and-lists", &html);
}
