//! The server's resources: every library scenario (`faultline://scenarios/NAME`, its TOML)
//! and the scenario format's JSON Schema (`faultline://schema`).

use rmcp::ErrorData as McpError;
use rmcp::model::{ReadResourceResult, Resource, ResourceContents};

const SCENARIOS: &str = "faultline://scenarios/";
const SCHEMA: &str = "faultline://schema";

pub fn list() -> Vec<Resource> {
    let mut out: Vec<Resource> = scenarios::library()
        .iter()
        .map(|e| {
            let summary = scenarios::load_library(e.name).map(|s| s.summary).unwrap_or_default();
            Resource::new(format!("{SCENARIOS}{}", e.name), e.name)
                .with_description(summary)
                .with_mime_type("application/toml")
                .with_size(e.text.len() as u64)
        })
        .collect();
    out.push(
        Resource::new(SCHEMA, "schema")
            .with_title("The scenario format's JSON Schema")
            .with_description("What a scenario file may say, with every key's description and bounds (`faultline schema`).")
            .with_mime_type("application/schema+json"),
    );
    out
}

pub fn read(uri: &str) -> Result<ReadResourceResult, McpError> {
    if uri == SCHEMA {
        let text = serde_json::to_string_pretty(&scenarios::schema()).map_err(|e| McpError::internal_error(e.to_string(), None))?;
        return Ok(ReadResourceResult::new(vec![ResourceContents::text(text, uri).with_mime_type("application/schema+json")]));
    }
    if let Some(name) = uri.strip_prefix(SCENARIOS)
        && let Some(e) = scenarios::library().iter().find(|e| e.name == name)
    {
        return Ok(ReadResourceResult::new(vec![ResourceContents::text(e.text, uri).with_mime_type("application/toml")]));
    }
    Err(McpError::resource_not_found(
        format!("no resource `{uri}`: see resources/list (faultline://scenarios/NAME, faultline://schema)"),
        None,
    ))
}
