//! Writes run outcomes in the format asked for (human table, `--quiet`, `--json`, JUnit)
//! and returns the worst verdict's exit code. Shared by `run` and `check`.

use scenarios::Verdict;

use crate::outcome::Outcome;
use crate::{OutputArgs, human, json, junit, print_stdout, write_file};

/// Prints outcomes in the chosen format, writes JUnit, and returns the worst exit code.
pub fn emit(outcomes: &[Outcome], out: &OutputArgs) -> anyhow::Result<u8> {
    if let Some(path) = &out.junit {
        write_file(path, &junit::report(outcomes)?)?;
    }
    let worst = outcomes.iter().map(|o| o.verdict).max_by_key(|v| match v {
        Verdict::Pass => 0,
        Verdict::Inconclusive => 1,
        Verdict::Fail => 2,
    });
    if out.json {
        let v = if outcomes.len() == 1 {
            json::run(&outcomes[0])
        } else {
            serde_json::json!({
                "verdict": worst.map_or("pass", Verdict::name),
                "scenarios": outcomes.iter().map(json::run).collect::<Vec<_>>(),
            })
        };
        print_stdout(&(serde_json::to_string_pretty(&v)? + "\n"));
    } else if out.quiet {
        for o in outcomes {
            print_stdout(&(human::verdict_line(o) + "\n"));
        }
    } else if outcomes.len() == 1 {
        print_stdout(&human::summary(&outcomes[0]));
    } else {
        let rows: Vec<Vec<String>> = outcomes
            .iter()
            .map(|o| {
                let max = |f: fn(&sim_core::report::FaultReport) -> Option<f64>| {
                    o.report.faults.iter().filter_map(f).fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x))))
                };
                vec![
                    o.scenario.clone(),
                    o.verdict.name().to_string(),
                    o.report.faults.len().to_string(),
                    human::secs(max(|f| f.detect_s)),
                    human::secs(max(|f| f.recover_s)),
                    o.report.fingerprint.clone(),
                ]
            })
            .collect();
        let mut text = human::table(&["scenario", "verdict", "faults", "detect", "recover", "fingerprint"], &rows);
        for o in outcomes.iter().filter(|o| o.verdict != Verdict::Pass) {
            text.push_str(&format!("\n{}: {}\n", o.scenario, o.verdict.name()));
            for c in o.checks.iter().filter(|c| !c.pass) {
                text.push_str(&format!("  {} {}: {}\n", c.status.name(), c.name, c.detail));
            }
            text.push_str(&format!("  reproduce: {}\n", o.reproduce()));
        }
        print_stdout(&text);
    }
    Ok(worst.map_or(0, |v| v.exit_code() as u8))
}
