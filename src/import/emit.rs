//! Writing what the importer found as a commented scenario: the header (source, what is not
//! modelled), the tables, a traffic group per interconnect, the default faults worth
//! rehearsing and expectations a first run can judge.
//!
//! Every string from the plan goes through [`quote`] (a one-line TOML basic string, escaped
//! per TOML 1.0) or, in comments, through [`comment`], which keeps each line a comment.

use std::fmt::Write;

use super::model::{Found, Interconnect, Line, bandwidth_text};

/// A one-line TOML basic string: the library's (so no text from a plan can end the string
/// or the line; `toml_edit` would pick a multi-line literal for text with a newline, and one
/// line keeps each note above its key). The tests parse it back with `toml_edit`.
pub use scenarios::live::quote;

/// `s` fit for a `#` comment: control characters (a newline would end the comment and start
/// TOML) shown as spaces, at most 1000 characters, wrapped into lines of about 100 joined by
/// `\n# ` so each stays a comment.
pub fn comment(s: &str) -> String {
    let one: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let one = if one.chars().count() > 1000 { format!("{}…", one.chars().take(1000).collect::<String>()) } else { one };
    let mut out = String::new();
    let mut width = 0;
    for word in one.split(' ') {
        if width > 0 && width + word.chars().count() > 100 {
            out.push_str("\n# ");
            width = 0;
        } else if width > 0 {
            out.push(' ');
            width += 1;
        }
        out.push_str(word);
        width += word.chars().count();
    }
    out
}

/// Start of the first default fault, and the spacing between faults: each fault lasts
/// [`FAULT_FOR_S`] and the run has time to recover before the next.
const FIRST_FAULT_S: u64 = 30;
const FAULT_FOR_S: u64 = 60;
const FAULT_GAP_S: u64 = 90;
/// Offered rate as a share of what survives the loss of an interconnect's largest channel
/// [ASSUMPTION]: the plan says nothing about traffic. Sized against the survivors, not the
/// whole line rate, so a one-channel loss is a fair test when the channels differ (a 40 Gbps
/// LAG beside a 10 Gbps connection: 40 % of the 50 Gbps total is 20 Gbps, twice what is left
/// when the LAG goes); 40 % of it still fits after the loss of one facility of two when the
/// channels are equal (`rto_within` catches the case where it does not fit).
const LOAD_PERCENT: u64 = 40;
/// Flows per traffic group [ASSUMPTION]: as in the library's scenarios.
const FLOWS: u32 = 64;

pub struct Header<'a> {
    pub source: &'a str,
    pub is_plan: bool,
    pub unmodelled: &'a [(String, String)],
    pub destroyed: &'a [String],
    pub data_sources: usize,
}

pub fn scenario(found: &Found, h: &Header<'_>) -> String {
    let mut out = String::new();
    let what = if h.is_plan { "plan" } else { "state" };
    let _ = writeln!(out, "# Imported from the Terraform {what} {} by `faultline import terraform`.", comment(h.source));
    let _ = writeln!(out, "# Sites, bandwidths, channel counts, MTU and BGP/BFD settings come from the resources' attributes;");
    let _ = writeln!(out, "# every value the {what} cannot give is marked [ASSUMPTION] with its source. Review them, then run:");
    let _ = writeln!(out, "#   faultline run THIS.toml");
    let _ = writeln!(out, "#");
    if h.unmodelled.is_empty() {
        let _ = writeln!(out, "# Not modelled: nothing (every managed resource of the {what} is in the tables below).");
    } else {
        let _ = writeln!(out, "# Not modelled ({} resources; they are not in the topology below):", h.unmodelled.len());
        for (address, why) in h.unmodelled {
            let _ = writeln!(out, "#   - {}: {}", comment(address), comment(why));
        }
    }
    for d in h.destroyed {
        let _ = writeln!(
            out,
            "#   - {}: destroyed by this plan [ASSUMPTION: not imported: it will not exist after apply (actions [\"delete\"])]",
            comment(d)
        );
    }
    if h.data_sources > 0 {
        let _ = writeln!(out, "# {} data sources were read by the {what} and are not resources; they are not modelled.", h.data_sources);
    }
    for r in &found.remarks {
        let _ = writeln!(out, "# {}", comment(r));
    }
    let n = found.interconnects.len() as u64;
    let duration = FIRST_FAULT_S + n * 3 * FAULT_GAP_S + FIRST_FAULT_S;
    out.push_str("\n[scenario]\n");
    let _ = writeln!(out, "name = {}", quote(&format!("imported-{}", found.interconnects.first().map_or("plan", |i| i.id.as_str()))));
    let _ = writeln!(
        out,
        "summary = {}",
        quote(&format!(
            "Imported from Terraform: {} interconnect(s), {} VPN(s); one channel cut, one facility lost and one silent blackhole each.",
            n,
            found.vpns.len()
        ))
    );
    let _ = writeln!(out, "duration = {}", quote(&format!("{duration}s")));
    out.push_str("seed = 1\n");
    for ic in &found.interconnects {
        interconnect(&mut out, ic);
    }
    for v in &found.vpns {
        out.push('\n');
        for n in &v.notes {
            let _ = writeln!(out, "# {}", comment(n));
        }
        out.push_str("[[vpn]]\n");
        let _ = writeln!(out, "id = {}", quote(&v.id));
        lines(&mut out, &v.lines);
    }
    for ic in &found.interconnects {
        let surviving = ic.surviving_bps();
        let rate = surviving / 100 * LOAD_PERCENT;
        out.push('\n');
        let _ = writeln!(out, "# {}", comment(&traffic_note(ic, surviving)));
        out.push_str("[[traffic]]\n");
        let _ = writeln!(out, "id = {}", quote(&format!("{}-app", ic.id)));
        let _ = writeln!(out, "from = {}", quote(&ic.sites[0]));
        let _ = writeln!(out, "to = {}", quote(&ic.sites[1]));
        let _ = writeln!(out, "flows = {FLOWS}");
        let _ = writeln!(out, "rate = {}", quote(&bandwidth_text(rate.max(1_000_000) / 1_000_000 * 1_000_000)));
    }
    let mut at = FIRST_FAULT_S;
    for ic in &found.interconnects {
        faults(&mut out, ic, &mut at);
    }
    expect(&mut out, &found.interconnects);
    out
}

/// The comment above an imported `[[traffic]]`: what its rate is sized against, and why.
fn traffic_note(ic: &Interconnect, surviving: u64) -> String {
    let n = ic.channel_bps.len();
    let total = bandwidth_text(ic.capacity_bps());
    let basis = if n < 2 {
        format!("its one channel ({total}): nothing survives the loss of it")
    } else if ic.unequal() {
        let largest = ic.channel_bps.iter().copied().max().unwrap_or(0);
        let mut left = ic.channel_bps.clone();
        left.sort_unstable();
        left.pop();
        format!(
            "what survives the loss of its largest channel ({} of {total}): {}, the {} channels left at the smallest one's {} each, because ECMP splits flows evenly, not by bandwidth",
            bandwidth_text(largest),
            bandwidth_text(surviving),
            n - 1,
            bandwidth_text(left.first().copied().unwrap_or(0))
        )
    } else {
        format!("what survives the loss of one channel: {} of {total}", bandwidth_text(surviving))
    };
    format!(
        "[ASSUMPTION] traffic: the plan says nothing about it; {FLOWS} flows offering {LOAD_PERCENT} % of {}'s capacity after a one-channel loss, sized against {basis}.",
        ic.id
    )
}

fn lines(out: &mut String, lines: &[Line]) {
    for l in lines {
        if let Some(n) = &l.note {
            let _ = writeln!(out, "# {}", comment(n));
        }
        let _ = writeln!(out, "{} = {}", l.key, l.value);
    }
}

fn interconnect(out: &mut String, ic: &Interconnect) {
    out.push('\n');
    let _ = writeln!(out, "# From {}.", comment(&ic.addresses.join(", ")));
    for n in &ic.notes {
        let _ = writeln!(out, "# {}", comment(n));
    }
    out.push_str("[[interconnect]]\n");
    let _ = writeln!(out, "id = {}", quote(&ic.id));
    lines(out, &ic.lines);
    for (n, bw, note) in &ic.channel_bandwidth {
        let _ = writeln!(out, "# {}", comment(note));
        let _ = writeln!(out, "[interconnect.channel.ch{n}]");
        let _ = writeln!(out, "bandwidth = {bw}");
    }
}

/// One channel cut (the largest when they differ), the loss of facility A, a silent
/// blackhole on the last channel (in the last facility), one after the other.
fn faults(out: &mut String, ic: &Interconnect, at: &mut u64) {
    let id = &ic.id;
    let last = ic.channels.max(1);
    let fac = if ic.facilities > 1 {
        "the other facility keeps its channels".to_string()
    } else {
        "it is the only facility: every channel goes down".to_string()
    };
    // With unequal channels the largest one's loss is the one-channel case that matters.
    let (cut, which) = match ic.channel_bps.iter().enumerate().max_by_key(|(i, b)| (**b, std::cmp::Reverse(*i))) {
        Some((i, b)) if ic.unequal() => (i + 1, format!("the largest channel, ch{} ({})", i + 1, bandwidth_text(*b))),
        _ => (1, "one channel".to_string()),
    };
    let rows = [
        (
            format!("{id}-cut-ch{cut}"),
            "cut",
            format!("{id}/ch{cut}"),
            format!("{which} cut (a fibre cut or an optic failure): carrier loss, local repair, ECMP moves its flows"),
        ),
        (format!("{id}-power-fac-a"), "facility_down", format!("{id}/fac-a"), format!("facility A loses power; {fac}")),
        (
            format!("{id}-blackhole-ch{last}"),
            "blackhole",
            format!("{id}/ch{last}"),
            "a silent blackhole: the carrier stays up and packets vanish; only BFD (or the BGP hold timer) notices".to_string(),
        ),
    ];
    for (fid, action, target, why) in rows {
        out.push('\n');
        let _ = writeln!(out, "# {}", comment(&why));
        out.push_str("[[fault]]\n");
        let _ = writeln!(out, "id = {}", quote(&fid));
        let _ = writeln!(out, "at = {}", quote(&format!("{at}s")));
        let _ = writeln!(out, "{action} = {}", quote(&target));
        let _ = writeln!(out, "for = {}", quote(&format!("{FAULT_FOR_S}s")));
        *at += FAULT_GAP_S;
    }
}

/// Limits a first run can judge: detection within the slowest blackhole detection (BFD or
/// hold timer) plus 1 s, recovery within twice that plus 5 s (convergence, 1 s [ASSUMPTION],
/// and TCP's backed-off retransmission timers after the stall).
fn expect(out: &mut String, ics: &[Interconnect]) {
    let detect = ics.iter().map(|i| i.blackhole_detect_s).fold(0.0_f64, f64::max);
    let detect_within = (detect + 1.0).ceil() as u64;
    let recover_within = (2.0 * detect + 5.0).ceil() as u64;
    out.push('\n');
    let _ = writeln!(
        out,
        "# Detection: the slowest silent-blackhole detection of the imported sessions is {detect} s (BFD interval × multiplier,"
    );
    out.push_str("# or the BGP hold time without BFD), plus 1 s. Recovery: twice that plus 5 s for convergence (1 s [ASSUMPTION])\n");
    out.push_str("# and TCP's backed-off retransmissions [ASSUMPTION]. The RTO gate holds the traffic to the same\n");
    out.push_str("# limit: the traffic is sized to fit what survives the loss of any one channel, so a one-channel\n");
    out.push_str("# loss should pass; a fault the routing survives but whose surviving channels cannot carry the load\n");
    out.push_str("# (ECMP splits flows evenly, not by bandwidth) fails here. Tighten them to your own objectives.\n");
    out.push_str("[expect]\n");
    let _ = writeln!(out, "detect_within = {}", quote(&format!("{detect_within}s")));
    let _ = writeln!(out, "recover_within = {}", quote(&format!("{recover_within}s")));
    let _ = writeln!(out, "rto_within = {}", quote(&format!("{recover_within}s")));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_and_comments_stay_on_one_line() {
        for s in ["a\"b\\c\nd", "tab\there", "nul\u{0}del\u{7f}", "é '''x''' \"\"\""] {
            let q = quote(s);
            assert!(!q.contains('\n'), "{q}");
            let doc: toml_edit::DocumentMut = format!("k = {q}\n").parse().expect("valid TOML");
            assert_eq!(doc["k"].as_str(), Some(s), "{q}");
        }
        assert_eq!(quote("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(comment("x\ny = 1"), "x y = 1");
        let long = comment(&"word ".repeat(60));
        assert!(long.lines().skip(1).all(|l| l.starts_with("# ")) && long.lines().count() == 3, "{long}");
    }
}
