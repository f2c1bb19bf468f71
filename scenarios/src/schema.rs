//! The JSON Schema of the scenario format, generated from the same structs the parser uses
//! (`format`), so it cannot drift. Units are strings with a pattern. The schema describes
//! shape only; cross-references (a fault target that exists) are checked by `compile`.

/// The JSON Schema (draft 2020-12) of a scenario file.
pub fn schema() -> serde_json::Value {
    let s = schemars::schema_for!(crate::format::File);
    s.to_value()
}

#[cfg(test)]
mod tests {
    #[test]
    fn schema_names_the_tables() {
        let s = super::schema().to_string();
        for key in ["interconnect", "traffic", "fault", "runbook", "expect", "detect_within", "pattern"] {
            assert!(s.contains(key), "schema lacks {key}");
        }
    }
}
