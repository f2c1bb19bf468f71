//! Writes outcomes in the format asked for (human table, `--quiet`, `--json`, JUnit) and
//! returns the exit code: `emit` for `run`, `check` for `check` (which adds the skipped
//! files, the invalid ones and the totals line).

use crate::check::{CheckRun, Totals};
use crate::outcome::{Outcome, Verdict};
use crate::output::write_atomic;
use crate::{OutputArgs, human, json, junit};

/// `run`'s output: each outcome (one, in practice) in the chosen format, JUnit if asked;
/// returns the worst verdict's exit code.
pub fn emit(outcomes: &[Outcome], out: &OutputArgs) -> anyhow::Result<u8> {
    if let Some(path) = &out.junit {
        write_atomic(path, junit::report(outcomes, &[])?.as_bytes())?;
    }
    for o in outcomes {
        let text = if out.json {
            serde_json::to_string_pretty(&json::run(o))? + "\n"
        } else if out.quiet {
            human::verdict_line(o) + "\n"
        } else {
            human::summary(o)
        };
        if out.json {
            crate::output::out(&text);
        } else {
            crate::output::summary(&text, out.summary_to_stderr);
        }
    }
    // Fail (exit 1) is worse than inconclusive (exit 2).
    let worst = outcomes.iter().map(|o| o.verdict).max_by_key(|v| match v {
        Verdict::Pass => 0,
        Verdict::Inconclusive => 1,
        Verdict::Fail => 2,
    });
    Ok(worst.map_or(0, |v| v.exit_code() as u8))
}

/// `check`'s output; the exit code follows the totals (3 if anything was invalid).
pub fn check(run: &CheckRun, out: &OutputArgs) -> anyhow::Result<u8> {
    let totals = Totals::of(run);
    if let Some(path) = &out.junit {
        write_atomic(path, junit::report(&run.outcomes, &run.invalid)?.as_bytes())?;
    }
    if out.json {
        crate::output::out(&(serde_json::to_string_pretty(&json::check(run, &totals))? + "\n"));
        return Ok(totals.exit_code());
    }
    let mut text = String::new();
    if out.quiet {
        for o in &run.outcomes {
            text.push_str(&(human::verdict_line(o) + "\n"));
        }
    } else if let [o] = run.outcomes.as_slice() {
        text.push_str(&human::summary(o));
        text.push('\n');
    } else if !run.outcomes.is_empty() {
        text.push_str(&table(&run.outcomes));
        text.push('\n');
    }
    text.push_str(&(human::totals_line(&totals) + "\n"));
    crate::output::summary(&text, out.summary_to_stderr);
    Ok(totals.exit_code())
}

/// One row per scenario, then what failed or proved nothing, each with its reproduce line.
fn table(outcomes: &[Outcome]) -> String {
    let rows: Vec<Vec<String>> = outcomes
        .iter()
        .map(|o| {
            let max = |f: fn(&sim_core::report::FaultReport) -> Option<f64>| {
                o.report.faults.iter().filter_map(f).fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x))))
            };
            vec![
                o.scenario.clone(),
                crate::color::word(o.verdict.name()),
                o.report.faults.len().to_string(),
                human::secs(max(|f| f.detect_s)),
                human::secs(max(|f| f.recover_s)),
                o.report.fingerprint.clone(),
            ]
        })
        .collect();
    let mut text = human::table(&["scenario", "verdict", "faults", "detect", "recover", "fingerprint"], &rows);
    for o in outcomes.iter().filter(|o| o.verdict != Verdict::Pass) {
        text.push_str(&format!("\n{}: {}\n", o.scenario, crate::color::word(o.verdict.name())));
        for c in o.checks.iter().filter(|c| !c.pass) {
            text.push_str(&format!("  {} {}: {}\n", crate::color::word(c.status.name()), c.name, c.detail));
        }
        if o.checks.iter().all(|c| c.pass) {
            for why in o.inconclusive() {
                text.push_str(&format!("  inconclusive {why}\n"));
            }
        }
        text.push_str(&format!("  reproduce: {}\n", o.reproduce()));
    }
    text
}
