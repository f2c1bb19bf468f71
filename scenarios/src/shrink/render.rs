//! The shrunk file's header: what it was shrunk from (origin, seed, fingerprint), the
//! failing expectation before and after, the sizes before and after, the search's counts,
//! and the command that replays it. Comments only, so the file runs as the body does.

use std::fmt::Write as _;

use super::edit::exact;
use super::{Options, RandomFaults, Shrunk, Side, Sizes};
use crate::Check;
use sim_core::show::count;

/// How the header starts, so a file shrunk again is recognised.
const FIRST_LINE: &str = "# Shrunk by `faultline shrink`";
/// The line that introduces the original file's own header.
const ORIGINAL_HEADER: &str = "The original file's header";

/// The header, the original file's own header (its `# expect:` line dropped: the shrunk
/// file documents `# expect: fail`), and the body.
pub(super) fn file(sh: &Shrunk, body: &str, opts: &Options<'_>) -> String {
    let (mut own, rest) = split_header(body);
    // A file shrunk before: keep only the header of the file it was shrunk from.
    if own.first().is_some_and(|l| l.starts_with(FIRST_LINE)) {
        own = match own.iter().position(|l| l.contains(ORIGINAL_HEADER)) {
            Some(i) => own.split_off(i + 1),
            None => Vec::new(),
        };
    }
    let mut h = String::new();
    let what = if sh.library { format!("{} (library scenario)", sh.origin) } else { sh.origin.clone() };
    let _ = writeln!(h, "{FIRST_LINE} from {what} at seed {}:", sh.seed);
    if sh.smaller {
        let _ = writeln!(h, "# a smaller scenario that fails the same expectation.");
    } else {
        let _ = writeln!(h, "# the input with its seed and ids written in (nothing smaller was found).");
    }
    let _ = writeln!(h, "# shrunk by {}", opts.made_by);
    let _ = writeln!(h, "#");
    let _ = writeln!(h, "# original     {}, seed {}, fingerprint {}", sh.origin, sh.seed, sh.before.fingerprint);
    let _ = writeln!(h, "# fails        {}", check_line(&sh.before.check));
    let _ = writeln!(h, "# this file    fingerprint {}", sh.after.fingerprint);
    let _ = writeln!(h, "# fails        {}", check_line(&sh.after.check));
    if let Some(f) = &sh.target.fault {
        let _ = writeln!(h, "#              (the same expectation on the same fault, `{f}`)");
    }
    match &sh.random {
        RandomFaults::None => {}
        RandomFaults::Scripted { processes, faults } => {
            let _ = writeln!(h, "# random       {} at seed {};", started(*processes, *faults), sh.seed);
            let _ = writeln!(h, "#              written as scripted [[fault]] tables (`<process>-<n>`) that fail the same way");
        }
        RandomFaults::Kept { processes, faults, asked } => {
            let _ = writeln!(h, "# random       {} at seed {}; kept", started(*processes, *faults), sh.seed);
            if *asked {
                let _ = writeln!(h, "#              as processes (--keep-random)");
            } else {
                let _ = writeln!(h, "#              as processes: written as scripted faults they did not fail the same way");
            }
        }
    }
    let _ = writeln!(h, "#");
    sizes(&mut h, &sh.before, &sh.after);
    let _ = writeln!(h, "#");
    let _ = writeln!(
        h,
        "# candidates   {} judged ({} did not compile), {} kept, {} of passes",
        sh.candidates,
        sh.invalid,
        sh.accepted,
        count(sh.rounds, "round", "rounds")
    );
    if sh.budget_exhausted {
        let _ = writeln!(h, "# budget       --max-runs {} ran out: the smallest file found so far, not a fixpoint", sh.max_runs);
    }
    if !sh.smaller && !sh.budget_exhausted {
        let _ = writeln!(h, "# not shrunk   no smaller candidate fails the same way: the input with its seed and ids written in");
    } else if !sh.smaller {
        let _ = writeln!(h, "# not shrunk   the budget ran out before a smaller candidate was found");
    }
    let file = opts.output_name.clone().unwrap_or_else(|| "<this file>".to_string());
    let _ = writeln!(h, "# replay       faultline run {file} --seed {}", sh.seed);
    let _ = writeln!(h, "#");
    let _ = writeln!(h, "# expect: fail");
    let kept: Vec<&str> = own.iter().copied().filter(|l| !is_verdict_line(l)).collect();
    if kept.iter().any(|l| !l.trim().trim_start_matches('#').trim().is_empty()) {
        let _ = writeln!(h, "#");
        let _ = writeln!(h, "# {ORIGINAL_HEADER} (about the scenario before it was shrunk):");
        for l in kept {
            let _ = writeln!(h, "{}", if l.trim().is_empty() { "#" } else { l.trim_end() });
        }
    }
    h.push_str(rest);
    if !h.ends_with('\n') {
        h.push('\n');
    }
    h
}

/// The leading comment block (lines) and the rest of the text.
/// `2 [[random_faults]] processes started 21 faults`, `1 [[random_faults]] process started
/// 1 fault`: counts in number, never `process(es)`.
fn started(processes: usize, faults: usize) -> String {
    format!("{} started {}", count(processes, "[[random_faults]] process", "[[random_faults]] processes"), count(faults, "fault", "faults"))
}

fn split_header(text: &str) -> (Vec<&str>, &str) {
    let mut lines = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if !(t.is_empty() || t.starts_with('#')) {
            break;
        }
        lines.push(line.trim_end_matches(['\n', '\r']));
        at += line.len();
    }
    // Leading blank lines are dropped; trailing ones stay with the body.
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    (lines, &text[at..])
}

fn is_verdict_line(l: &str) -> bool {
    l.trim_start().trim_start_matches('#').trim().starts_with("expect:")
}

/// `min_throughput: lowest 0.0% of offered (`app-db`) < 30% (measured 0, limit 0.3, fraction)`.
fn check_line(c: &Check) -> String {
    let num = |v: Option<f64>| v.map_or_else(|| "none".to_string(), |v| format!("{v}"));
    format!("{}: {} (measured {}, limit {}, {})", c.name, c.detail, num(c.measured), num(c.limit), c.unit)
}

/// The table of sizes; rows that are zero on both sides are left out.
fn sizes(h: &mut String, before: &Side, after: &Side) {
    let (b, a): (&Sizes, &Sizes) = (&before.sizes, &after.sizes);
    let rows: [(&str, u64, u64); 11] = [
        ("faults", b.faults_in_run() as u64, a.faults_in_run() as u64),
        ("random processes", b.random_processes as u64, a.random_processes as u64),
        ("traffic groups", b.traffic_groups, a.traffic_groups),
        ("interconnects", b.interconnects, a.interconnects),
        ("vpns", b.vpns, a.vpns),
        ("backbones", b.backbones, a.backbones),
        ("endpoints", b.endpoints, a.endpoints),
        ("alarms", b.alarms, a.alarms),
        ("runbook steps", b.runbook_steps, a.runbook_steps),
        ("proxies", b.proxies, a.proxies),
        ("expectations", b.expectations as u64, a.expectations as u64),
    ];
    let _ = writeln!(h, "# {:<18}{:>12}{:>12}", "", "before", "after");
    for (name, x, y) in rows {
        if x > 0 || y > 0 || name == "faults" {
            let _ = writeln!(h, "#   {name:<16}{x:>12}{y:>12}");
        }
    }
    let _ = writeln!(h, "#   {:<16}{:>12}{:>12}", "duration", exact(b.duration), exact(a.duration));
}
