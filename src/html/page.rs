//! The report of one run, in the order a postmortem reads: what happened in one paragraph,
//! what was rehearsed and why, the topology, the timeline, throughput, the tables, the
//! expectations, and how to reproduce it.

use std::fmt::Write;

use scenarios::Scenario;
use serde_json::json;
use sim_core::spec::LinkKind;

use super::escape::{esc, inline};
use super::{cell, count, document, timeline};
use crate::human::{at, bps, bytes, secs};
use crate::outcome::{Outcome, Verdict};
use crate::svg::{self, Embed};
use sim_core::show::{show_hms, show_pct, show_pct_pair, show_secs, show_secs_exact};

/// The report's sections, in order: (id, heading). The SLA section's place is kept for the
/// SLA accounting of issue 13 (see [`sla_section`]).
pub const SECTIONS: [(&str, &str); 11] = [
    ("summary", "Summary"),
    ("rehearsed", "What was rehearsed"),
    ("topology", "Topology"),
    ("timeline", "Timeline"),
    ("throughput", "Throughput"),
    ("faults", "Faults"),
    ("traffic", "Traffic groups"),
    ("operations", "Alarms and runbook"),
    ("expectations", "Expectations"),
    ("sla", "SLA"),
    ("reproduce", "Reproduce"),
];

/// The HTML report of one run of `s`.
pub fn run(o: &Outcome, s: &Scenario) -> String {
    let mut b = String::new();
    let verdict = o.verdict.name();
    let _ = writeln!(
        b,
        "<header><p class=\"kicker\">faultline rehearsal report</p><h1>{}</h1><p class=\"lede\">{}</p>\
<p class=\"meta\"><span class=\"verdict {verdict}\" data-json=\"/verdict\" data-value=\"{}\">{}</span> seed <code data-json=\"/seed\" data-value=\"{}\">{}</code> · fingerprint <code data-json=\"/fingerprint\" data-value=\"{}\">{}</code> · {} simulated</p></header>",
        esc(&o.scenario),
        esc(&s.summary),
        esc(&json!(verdict).to_string()),
        verdict.to_uppercase(),
        o.seed,
        o.seed,
        esc(&json!(o.report.fingerprint).to_string()),
        esc(&o.report.fingerprint),
        esc(&show_secs(o.report.duration_s)),
    );
    b.push_str("<nav><ol>");
    for (id, h) in SECTIONS {
        if id != "sla" || sla_section(o).is_some() {
            let _ = write!(b, "<li><a href=\"#{id}\">{h}</a></li>");
        }
    }
    b.push_str("</ol></nav>\n<main>\n");
    section(&mut b, "summary", &summary(o));
    section(&mut b, "rehearsed", &rehearsed(o, s));
    section(&mut b, "topology", &topology(s));
    section(&mut b, "timeline", &timeline::section(o, s));
    section(
        &mut b,
        "throughput",
        &format!(
            "<p>Delivered throughput of each traffic group; fault windows shaded and labelled above the plot, marks for every detection, convergence, recovery, alarm and runbook action, targets dashed.</p>\n<figure>{}</figure>\n",
            svg::throughput(o, Some(&s.expect), Embed::Inline)
        ),
    );
    section(&mut b, "faults", &faults(o));
    section(&mut b, "traffic", &traffic(o));
    section(&mut b, "operations", &operations(o));
    section(&mut b, "expectations", &expectations(o));
    if let Some(sla) = sla_section(o) {
        section(&mut b, "sla", &sla);
    }
    section(&mut b, "reproduce", &reproduce(o));
    b.push_str("</main>\n");
    document(&format!("{} — faultline report ({verdict})", o.scenario), &b)
}

/// HOOK for the SLA accounting (issue 13, item 4): return the section's HTML (per
/// interconnect, the downtime and what it means for the monthly figure and credit) and it
/// is placed between the expectations and the reproduce line, with its entry in the table of
/// contents. `None` leaves it out.
fn sla_section(o: &Outcome) -> Option<String> {
    if o.sla.is_empty() {
        return None;
    }
    let rows: Vec<String> = o
        .sla
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let p = |k: &str| format!("/sla/{i}/{k}");
            let (uptime, target) = show_pct_pair(a.monthly_uptime_pct / 100.0, a.sla_target_pct / 100.0);
            format!(
                "<tr>{}{}{}{}{}{}{}{}{}</tr>",
                td(&a.interconnect),
                td(a.terms),
                cell(&p("downtime_s"), &json!(a.downtime_s), &show_hms(a.downtime_s)),
                cell(&p("counted_downtime_s"), &json!(a.counted_downtime_s), &show_hms(a.counted_downtime_s)),
                cell(&p("monthly_uptime_pct"), &json!(a.monthly_uptime_pct), &uptime),
                cell(&p("sla_target_pct"), &json!(a.sla_target_pct), &target),
                cell(&p("credit_pct"), &json!(a.credit_pct), &format!("{}%", a.credit_pct)),
                td(if a.met { "met" } else { "missed" }),
                td(a.source),
            )
        })
        .collect();
    let mut body = String::from(
        "<p>Per interconnect, the downtime this rehearsal produced, counted by each provider's own rules \
         (Google counts only periods of 120 s or more), set against a month, and the service credit it would owe.</p>\n",
    );
    body.push_str(&table("sla", &["interconnect", "terms", "down", "counted", "month uptime", "target", "credit", "SLA", "source"], &rows));
    Some(body)
}

fn section(b: &mut String, id: &str, body: &str) {
    let heading = SECTIONS.iter().find(|s| s.0 == id).map_or(id, |s| s.1);
    let _ = writeln!(b, "<section id=\"{id}\">\n<h2>{heading}</h2>\n{body}</section>");
}

/// `<table>` with a header row; rows are already `<tr>…</tr>`.
fn table(class: &str, header: &[&str], rows: &[String]) -> String {
    let mut t = format!("<table class=\"{class}\"><thead><tr>");
    for h in header {
        let _ = write!(t, "<th>{}</th>", esc(h));
    }
    t.push_str("</tr></thead><tbody>\n");
    for r in rows {
        t.push_str(r);
        t.push('\n');
    }
    t.push_str("</tbody></table>\n");
    t
}

fn td(text: &str) -> String {
    format!("<td>{}</td>", esc(text))
}

fn secs_cell(p: &str, v: Option<f64>) -> String {
    cell(p, &json!(v), &secs(v))
}

/// A cell holding an instant of the run, to the millisecond (see [`crate::human::at`]).
fn at_cell(p: &str, v: Option<f64>) -> String {
    cell(p, &json!(v), &at(v))
}

/// Firings listed per alarm at most (a flapping alarm can fire thousands of times).
const MAX_FIRINGS: usize = 50;

fn summary(o: &Outcome) -> String {
    let r = &o.report;
    let mut p = String::new();
    let _ = write!(
        p,
        "<p>The rehearsal <strong class=\"verdict-text {}\">{}</strong>. {} {} injected over {} of simulated time ({}).",
        o.verdict.name(),
        match o.verdict {
            Verdict::Pass => "passed",
            Verdict::Fail => "failed",
            Verdict::Inconclusive => "was inconclusive",
        },
        count(r.faults.len(), "fault", "faults"),
        if r.faults.len() == 1 { "was" } else { "were" },
        esc(&show_secs(r.duration_s)),
        count(r.events as usize, "event", "events")
    );
    let worst = |f: fn(&sim_core::report::FaultReport) -> Option<f64>| {
        r.faults.iter().filter_map(|x| f(x).map(|v| (v, x.id.as_str()))).max_by(|a, b| a.0.total_cmp(&b.0))
    };
    // Faults that took effect and that no session noticed: said first, so that "the slowest
    // detection" is never read as covering them.
    let undetected: Vec<&str> = r.faults.iter().filter(|f| f.detect_s.is_none() && f.effect.any()).map(|f| f.id.as_str()).collect();
    if !undetected.is_empty() && worst(|f| f.detect_s).is_some() {
        let _ = write!(
            p,
            " {} never detected (no BGP session went down): {}.",
            if undetected.len() == 1 { "1 fault was".to_string() } else { format!("{} faults were", undetected.len()) },
            undetected.iter().map(|i| format!("<code>{}</code>", esc(i))).collect::<Vec<_>>().join(", ")
        );
    }
    if let Some((v, id)) = worst(|f| f.detect_s) {
        let of = if undetected.is_empty() { "The slowest detection" } else { "Of the faults detected, the slowest detection" };
        let _ = write!(p, " {of} took {} (fault <code>{}</code>)", esc(&show_secs_exact(v)), esc(id));
        match worst(|f| f.recover_s) {
            Some((v, id)) => {
                let _ = write!(p, "; the slowest recovery {} (fault <code>{}</code>).", esc(&show_secs(v)), esc(id));
            }
            None => p.push('.'),
        }
    } else if let Some((v, id)) = worst(|f| f.recover_s) {
        let _ = write!(p, " No session went down; the slowest recovery took {} (fault <code>{}</code>).", esc(&show_secs(v)), esc(id));
    }
    let never: Vec<&str> =
        r.faults.iter().filter(|f| f.recover_s.is_none() && f.effect.flows_disrupted > 0).map(|f| f.id.as_str()).collect();
    if !never.is_empty() {
        let _ = write!(
            p,
            " Traffic disrupted by {} never recovered.",
            never.iter().map(|i| format!("<code>{}</code>", esc(i))).collect::<Vec<_>>().join(", ")
        );
    }
    p.push_str("</p>\n");
    let failed: Vec<_> = o.checks.iter().filter(|c| !c.pass).collect();
    if !failed.is_empty() {
        p.push_str("<ul class=\"findings\">");
        for c in failed {
            let _ = write!(
                p,
                "<li><span class=\"status {}\">{}</span> <code>{}</code>: {}</li>",
                c.status.name(),
                c.status.name().to_uppercase(),
                esc(c.name),
                // A detail names ids in backticks, as the text output does: code here.
                inline(&c.detail)
            );
        }
        p.push_str("</ul>\n");
    }
    for why in o.inconclusive() {
        let _ = writeln!(p, "<p class=\"note\">Inconclusive: {}</p>", esc(&why));
    }
    if let Some(stop) = &o.stop {
        let _ = writeln!(p, "<p class=\"note\">The run stopped early: {}</p>", esc(&stop.to_string()));
    }
    p
}

/// A block of the scenario's header comment.
#[derive(Debug, PartialEq)]
pub enum Block {
    Para(String),
    /// Lines starting `-` or `*`: one item each, with the lines indented under it.
    List(Vec<String>),
}

/// The scenario's header comment, the file's own account of what it rehearses and why
/// (`# expect:` lines left out): paragraphs split at blank lines, and lists kept as lists.
/// A line indented deeper than the `-` before it continues that item (the way a comment
/// wraps one); a line that is not ends the list and starts a paragraph.
pub fn header_comment(text: &str) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    // Whether the next line continues the last block (false after a blank line), and the
    // indent of the last item's marker.
    let (mut open, mut marker) = (false, 0usize);
    for line in text.lines() {
        let Some(raw) = line.strip_prefix('#') else { break };
        let rest = raw.trim();
        if rest.starts_with("expect:") || rest.starts_with(":schema") {
            continue;
        }
        if rest.is_empty() {
            open = false;
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        let item = rest.strip_prefix("- ").or_else(|| rest.strip_prefix("* ")).map(str::trim);
        match (item, blocks.last_mut()) {
            (Some(item), Some(Block::List(items))) if open => {
                items.push(item.to_string());
                marker = indent;
            }
            (Some(item), _) => {
                blocks.push(Block::List(vec![item.to_string()]));
                marker = indent;
            }
            (None, Some(Block::List(items))) if open && indent > marker => {
                if let Some(last) = items.last_mut() {
                    last.push(' ');
                    last.push_str(rest);
                }
            }
            (None, Some(Block::Para(p))) if open => {
                p.push(' ');
                p.push_str(rest);
            }
            (None, _) => blocks.push(Block::Para(rest.to_string())),
        }
        open = true;
    }
    blocks
}

fn rehearsed(o: &Outcome, s: &Scenario) -> String {
    let mut b = String::new();
    // `summary` is optional: without one the name stands alone, not before an empty dash.
    if s.summary.trim().is_empty() {
        let _ = writeln!(b, "<p><strong>{}</strong></p>", esc(&s.name));
    } else {
        let _ = writeln!(b, "<p><strong>{}</strong> — {}</p>", esc(&s.name), esc(&s.summary));
    }
    for block in header_comment(&s.source.text) {
        match block {
            Block::Para(p) => {
                let _ = writeln!(b, "<p class=\"why\">{}</p>", inline(&p));
            }
            Block::List(items) => {
                b.push_str("<ul class=\"why\">");
                for i in items {
                    let _ = write!(b, "<li>{}</li>", inline(&i));
                }
                b.push_str("</ul>\n");
            }
        }
    }
    let _ = writeln!(b, "<p class=\"source\">Scenario: <code>{}</code>, seed {}.</p>", esc(&o.origin), o.seed);
    if o.report.faults.is_empty() {
        b.push_str("<p>No fault was injected.</p>\n");
    } else {
        b.push_str("<h3>The faults</h3>\n<ul>");
        for f in &o.report.faults {
            // To the millisecond, and the length too: a 1 ms fault must not read as
            // starting and ending at the same time.
            let until = match f.end_s {
                Some(e) => format!("repaired at {} (after {})", show_secs_exact(e), show_secs_exact(e - f.at_s)),
                None => "never repaired".into(),
            };
            let _ = write!(
                b,
                "<li><code>{}</code>: {} on <code>{}</code> at {}, {}</li>",
                esc(&f.id),
                esc(f.kind),
                esc(&f.target),
                esc(&show_secs_exact(f.at_s)),
                esc(&until)
            );
        }
        b.push_str("</ul>\n");
    }
    b
}

fn topology(s: &Scenario) -> String {
    let spec = &s.spec;
    let mut b = String::new();
    let kind = |k: LinkKind| match k {
        LinkKind::Channel => "interconnect channel",
        LinkKind::Vpn => "VPN",
        LinkKind::Backbone => "backbone",
    };
    let rows: Vec<String> = spec
        .links
        .iter()
        .map(|l| {
            format!(
                "<tr>{}{}{}{}{}{}<td class=\"num\">{}</td></tr>",
                td(&l.id),
                td(kind(l.kind)),
                td(l.interconnect.as_deref().unwrap_or("—")),
                td(l.facility.as_deref().unwrap_or("—")),
                td(&format!("{} ↔ {}", l.a_site, l.b_site)),
                td(&if l.members > 1 { format!("{} × {}", l.members, bps(l.member_bps as f64)) } else { bps(l.member_bps as f64) }),
                esc(&show_secs_exact(l.one_way_delay.as_secs_f64())),
            )
        })
        .collect();
    let ics: std::collections::BTreeSet<&str> = spec.links.iter().filter_map(|l| l.interconnect.as_deref()).collect();
    let facs: std::collections::BTreeSet<&str> = spec.links.iter().filter_map(|l| l.facility.as_deref()).collect();
    // A VPN is its tunnels' links (`ID/tunnel1`, `ID/tunnel2`): count VPNs, not tunnels.
    let vpns: std::collections::BTreeSet<&str> = spec
        .links
        .iter()
        .filter(|l| l.kind == LinkKind::Vpn)
        .map(|l| l.id.rsplit_once('/').map_or(l.id.as_str(), |(vpn, _)| vpn))
        .collect();
    // Sites a link or route names are made implicitly: count every one the model has.
    let sites: std::collections::BTreeSet<&str> =
        spec.sites.iter().map(|s| s.id.as_str()).chain(spec.links.iter().flat_map(|l| [l.a_site.as_str(), l.b_site.as_str()])).collect();
    let _ = writeln!(
        b,
        "<p>{}, {} in {}, {} ({}).</p>",
        count(sites.len(), "site", "sites"),
        count(ics.len(), "interconnect", "interconnects"),
        count(facs.len(), "facility", "facilities"),
        count(spec.links.len(), "link", "links"),
        if vpns.is_empty() {
            "no VPN".to_string()
        } else {
            let tunnels = spec.links.iter().filter(|l| l.kind == LinkKind::Vpn).count();
            format!("{} of {}", count(tunnels, "tunnel", "tunnels"), count(vpns.len(), "VPN", "VPNs"))
        }
    );
    b.push_str(&table("topology", &["link", "kind", "interconnect", "facility", "between", "capacity", "one-way delay"], &rows));
    if !spec.traffic.is_empty() {
        let rows: Vec<String> = spec
            .traffic
            .iter()
            .map(|t| {
                format!(
                    "<tr>{}{}{}{}</tr>",
                    td(&t.id),
                    td(&t.route.join(" → ")),
                    td(&t.flows.to_string()),
                    td(&t.demand_bps.map_or("bulk".into(), |d| bps(d as f64))),
                )
            })
            .collect();
        b.push_str(&table("groups", &["traffic group", "route", "flows", "demand"], &rows));
    }
    b
}

fn faults(o: &Outcome) -> String {
    if o.report.faults.is_empty() {
        return "<p>No fault was injected.</p>\n".into();
    }
    let rows: Vec<String> = o
        .report
        .faults
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let p = |k: &str| format!("/faults/{i}/{k}");
            format!(
                "<tr>{}{}{}{}{}{}{}{}{}{}{}</tr>",
                td(&f.id),
                td(f.kind),
                td(&f.target),
                cell(&p("at_s"), &json!(f.at_s), &show_secs_exact(f.at_s)),
                cell(&p("end_s"), &json!(f.end_s), &f.end_s.map_or("—".into(), show_secs_exact)),
                secs_cell(&p("detect_s"), f.detect_s),
                secs_cell(&p("converge_s"), f.converge_s),
                secs_cell(&p("recover_s"), f.recover_s),
                td(f.recovered_by.map_or("—", |b| b.label())),
                secs_cell(&p("blackhole_s"), Some(f.blackhole_s)),
                cell(&p("lost_bytes"), &json!(f.lost_bytes), &bytes(f.lost_bytes)),
            )
        })
        .collect();
    let mut b = String::from(
        "<p>Times from each fault's start: detection to the first session down, convergence to the last forwarding change, recovery to every disrupted flow back at 95 % for 1 s.</p>\n",
    );
    b.push_str(&table(
        "faults",
        &["fault", "kind", "target", "at", "repaired", "detect", "converge", "recover", "by", "blackhole", "lost"],
        &rows,
    ));
    b
}

fn traffic(o: &Outcome) -> String {
    if o.report.traffic.is_empty() {
        return "<p>No traffic group.</p>\n".into();
    }
    let rows: Vec<String> = o
        .report
        .traffic
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let p = |k: &str| format!("/traffic/{i}/{k}");
            format!(
                "<tr>{}{}{}{}{}{}{}{}{}{}{}</tr>",
                td(&g.id),
                cell(&p("offered_bps"), &json!(g.offered_bps), &if g.offered_bps > 0 { bps(g.offered_bps as f64) } else { "bulk".into() }),
                cell(&p("delivered_bytes"), &json!(g.delivered_bytes), &bytes(g.delivered_bytes)),
                cell(&p("lost_bytes"), &json!(g.lost_bytes), &bytes(g.lost_bytes)),
                cell(&p("mean_throughput_bps"), &json!(g.mean_throughput_bps), &bps(g.mean_throughput_bps as f64)),
                cell(&p("min_throughput_bps"), &json!(g.min_throughput_bps), &g.min_throughput_bps.map_or("—".into(), |m| bps(m as f64))),
                cell(&p("stall_count"), &json!(g.stalls.count), &g.stalls.count.to_string()),
                secs_cell(&p("stall_p99_s"), g.stalls.p99_s),
                cell(
                    &p("rto_s"),
                    &json!(g.rto_s),
                    &match (g.rto_s, g.rto_episodes) {
                        (_, 0) => "—".into(),
                        (None, _) => "never".into(),
                        (rto, _) => secs(rto),
                    }
                ),
                td(g.rto_fault.as_deref().unwrap_or("—")),
                secs_cell(&p("rpo_s"), g.rpo_s),
            )
        })
        .collect();
    let mut b = String::from(
        "<p>RTO: the longest disruption episode, from falling below 95 % of the reference rate to back at 95 % for 1 s. RPO (replication groups): writes not yet delivered when the source was lost.</p>\n",
    );
    b.push_str(&table(
        "traffic",
        &["traffic", "offered", "delivered", "lost", "mean tput", "min tput", "stalls", "stall p99", "RTO", "RTO from", "RPO"],
        &rows,
    ));
    b
}

fn operations(o: &Outcome) -> String {
    let r = &o.report;
    if r.alarms.is_empty() && r.runbook.is_empty() {
        return "<p>The scenario defines no alarm and no runbook step.</p>\n".into();
    }
    let mut b = String::new();
    if !r.alarms.is_empty() {
        let rows: Vec<String> = r
            .alarms
            .iter()
            .enumerate()
            .map(|(i, a)| {
                // Every firing (an alarm fires again each time its condition holds again for
                // its period), each with its JSON pointer; the first 50 of a flapping one.
                let mut times: Vec<String> = a
                    .fired_s
                    .iter()
                    .take(MAX_FIRINGS)
                    .enumerate()
                    .map(|(k, t)| {
                        format!(
                            "<span data-json=\"/alarms/{i}/fired_s/{k}\" data-value=\"{}\">{}</span>",
                            esc(&json!(t).to_string()),
                            esc(&at(Some(*t)))
                        )
                    })
                    .collect();
                if a.fired_s.len() > MAX_FIRINGS {
                    times.push(format!("… and {} more (see <code>--json</code>)", a.fired_s.len() - MAX_FIRINGS));
                }
                format!(
                    "<tr>{}{}<td class=\"num\">{}</td></tr>",
                    td(&a.id),
                    cell(&format!("/alarms/{i}/fired_s"), &json!(a.fired_s), &a.fired_s.len().to_string()),
                    if times.is_empty() { "never".to_string() } else { times.join(", ") },
                )
            })
            .collect();
        b.push_str(&table("alarms", &["alarm", "times fired", "fired at"], &rows));
        b.push_str("<p class=\"note\">An alarm fires when its condition has held for its period, and can fire again once the condition has stopped holding; the run records when it fired, not when it cleared.</p>\n");
    }
    if !r.runbook.is_empty() {
        // A column for what steps found, only when one found its work already done.
        let any_found = r.runbook.iter().any(|s| s.found.is_some());
        let rows: Vec<String> = r
            .runbook
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let found = if any_found { td(s.found.map_or("", |f| f.sentence())) } else { String::new() };
                format!(
                    "<tr>{}{}{}{found}</tr>",
                    td(&s.id),
                    at_cell(&format!("/runbook/{i}/triggered_s"), s.triggered_s),
                    at_cell(&format!("/runbook/{i}/acted_s"), s.acted_s)
                )
            })
            .collect();
        let head: &[&str] = if any_found {
            &["runbook step", "triggered at", "acted at", "what it found"]
        } else {
            &["runbook step", "triggered at", "acted at"]
        };
        b.push_str(&table("runbook", head, &rows));
    }
    b
}

fn expectations(o: &Outcome) -> String {
    if o.checks.is_empty() {
        return "<p class=\"note\">[expect] is empty: the run proves nothing.</p>\n".into();
    }
    let rows: Vec<String> = o
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| {
            // A fraction is shown beside its limit with the digits that tell them apart.
            let (m_pct, l_pct) = match (c.measured, c.limit) {
                (Some(m), Some(l)) => {
                    let (a, b) = show_pct_pair(m, l);
                    (Some(a), Some(b))
                }
                (m, l) => (m.map(show_pct), l.map(show_pct)),
            };
            let fmt = |v: Option<f64>, pct: Option<String>| match (v, c.unit) {
                (None, _) => "—".to_string(),
                (Some(v), "s") => secs(Some(v)),
                (Some(v), "bps") => bps(v),
                (Some(v), "bytes") => bytes(v as u64),
                (Some(v), "fraction") => pct.unwrap_or_else(|| show_pct(v)),
                (Some(v), u) => format!("{v} {u}"),
            };
            format!(
                "<tr>{}<td><span class=\"status {}\" data-json=\"/expectations/{i}/status\" data-value=\"{}\">{}</span></td>{}{}<td>{}</td></tr>",
                td(c.name),
                c.status.name(),
                esc(&json!(c.status.name()).to_string()),
                c.status.name().to_uppercase(),
                cell(&format!("/expectations/{i}/measured"), &json!(c.measured), &fmt(c.measured, m_pct)),
                cell(&format!("/expectations/{i}/limit"), &json!(c.limit), &fmt(c.limit, l_pct)),
                // A detail names ids in backticks, as the text output does: code here.
                inline(&c.detail),
            )
        })
        .collect();
    table("expectations", &["expectation", "result", "measured", "limit", "detail"], &rows)
}

fn reproduce(o: &Outcome) -> String {
    format!(
        "<p>Replays this run exactly (same fingerprint) with the same faultline:</p>\n<pre class=\"reproduce\" data-json=\"/reproduce\" data-value=\"{}\">{}</pre>\n\
<dl class=\"facts\"><dt>verdict</dt><dd>{}</dd><dt>seed</dt><dd>{}</dd><dt>fingerprint</dt><dd><code>{}</code></dd><dt>faultline</dt><dd>{} (commit {}, model {})</dd><dt>events</dt><dd data-json=\"/stats/events\" data-value=\"{}\">{}</dd><dt>simulated</dt><dd>{}</dd></dl>\n",
        esc(&json!(o.reproduce()).to_string()),
        esc(&o.reproduce()),
        o.verdict.name(),
        o.seed,
        esc(&o.report.fingerprint),
        crate::version::VERSION,
        crate::version::COMMIT,
        sim_core::MODEL_VERSION,
        o.report.events,
        o.report.events,
        esc(&show_secs(o.report.duration_s)),
    )
}
