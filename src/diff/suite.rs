//! Two `check --json` outputs as a whole, beyond their runs one by one: the check's verdict
//! (pass, inconclusive, fail, invalid), its totals, which scenarios ran and which files would
//! not load. A scenario that ran in OLD and is missing from NEW is a regression: it no longer
//! runs, and a check that quietly stopped running a failing scenario is the classic silent
//! green. So is a file that is newly invalid. A scenario only in NEW is reported, not a
//! regression.

use serde_json::Value;

use super::rows::{Better, Null, Row, Unit, Val, rows_of, verdict_row};

/// The rows of the check level: `old`/`new` are the whole outputs, `only_old`/`only_new`
/// the scenario names found on one side only.
pub fn rows(old: &Value, new: &Value, only_old: &[String], only_new: &[String]) -> Vec<Row> {
    let mut rows = vec![verdict_row("check", old, new)];
    // Fewer passing scenarios alone is a scenario gone (its own row below) or one now
    // failing (counted by `failed`): reported, not counted twice.
    rows.extend(rows_of(
        "totals",
        old.get("totals"),
        new.get("totals"),
        &[
            ("scenarios", Null::Absent, Unit::Count, Better::Neither),
            ("passed", Null::Absent, Unit::Count, Better::Neither),
            ("failed", Null::Absent, Unit::Count, Better::Lower),
            ("inconclusive", Null::Absent, Unit::Count, Better::Lower),
            ("invalid", Null::Absent, Unit::Count, Better::Lower),
            ("skipped_files", Null::Absent, Unit::Count, Better::Neither),
            ("skipped_dirs", Null::Absent, Unit::Count, Better::Neither),
        ],
    ));
    let ran = |name: &String, old: Val, new: Val| Row {
        scope: format!("scenario {name}"),
        metric: "ran".into(),
        old,
        new,
        unit: Unit::Label,
        better: Better::Lower,
    };
    rows.extend(only_old.iter().map(|n| ran(n, Val::Label(0, "ran".into()), Val::Label(1, "missing".into()))));
    rows.extend(only_new.iter().map(|n| ran(n, Val::Absent, Val::Label(0, "ran".into()))));
    let (a, b) = (invalid_paths(old), invalid_paths(new));
    let mut paths: Vec<&str> = a.clone();
    paths.extend(b.iter().filter(|p| !a.contains(p)));
    let status = |list: &[&str], p: &str| {
        if list.contains(&p) { Val::Label(1, "invalid".into()) } else { Val::Label(0, "not invalid".into()) }
    };
    rows.extend(paths.iter().map(|p| Row {
        scope: format!("file {p}"),
        metric: "loads".into(),
        old: status(&a, p),
        new: status(&b, p),
        unit: Unit::Label,
        better: Better::Lower,
    }));
    rows
}

fn invalid_paths(v: &Value) -> Vec<&str> {
    v["invalid"].as_array().into_iter().flatten().filter_map(|i| i.get("path").and_then(Value::as_str)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::rows::Direction;
    use serde_json::json;

    fn regressions(rows: &[Row]) -> Vec<String> {
        rows.iter().filter(|r| r.regression(0.0)).map(|r| format!("{} {}", r.scope, r.metric)).collect()
    }

    #[test]
    fn a_scenario_gone_a_newly_invalid_file_and_a_worse_verdict_regress() {
        let old = json!({"verdict": "pass", "totals": {"scenarios": 2, "passed": 2, "failed": 0, "invalid": 0}, "invalid": []});
        let new = json!({"verdict": "invalid", "totals": {"scenarios": 2, "passed": 1, "failed": 0, "invalid": 1},
            "invalid": [{"path": "b.toml", "error": "e"}]});
        let rows = rows(&old, &new, &["gone".into()], &["added".into()]);
        assert_eq!(regressions(&rows), ["check verdict", "totals invalid", "scenario gone ran", "file b.toml loads"]);
        let added = rows.iter().find(|r| r.scope == "scenario added").expect("added row");
        assert_eq!(added.direction(), Direction::Changed);
        // Backwards every one of them is better (or, for the added scenario, a removal).
        let back = super::rows(&new, &old, &["added".into()], &["gone".into()]);
        assert_eq!(regressions(&back), ["scenario added ran"]);
    }
}
