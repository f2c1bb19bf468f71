//! STUB (helper C, issue 14): the Terraform importer is helper A's (`src/import.rs` and
//! `src/import/*.rs`); this file only holds the agreed signature so `faultline mcp`'s
//! `import` tool builds. Drop it at the merge in favour of A's module.

/// A scenario written from a Terraform plan or state.
#[allow(dead_code)]
pub(crate) struct Imported {
    pub toml: String,
    /// Resource addresses the importer does not model.
    pub unmodelled: Vec<String>,
}

/// Why a plan could not be imported.
#[derive(Debug)]
pub(crate) struct ImportError(String);

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `terraform show -json` output to a scenario (not built yet in this branch).
pub(crate) fn terraform_to_scenario(_plan_json: &str, source: &str) -> Result<Imported, ImportError> {
    Err(ImportError(format!("{source}: the Terraform importer is not built yet in this build of faultline")))
}
