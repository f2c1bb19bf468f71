//! The HTML report (`faultline report --html`, `run --html`, `sweep --html`): one
//! self-contained file a postmortem can link to or print. Nothing leaves the page: CSS and
//! SVG are inline, there is no script, and a Content-Security-Policy of `default-src 'none'`
//! makes the browser refuse any request a future edit might add.
//!
//! Every number comes from the run's `Outcome` (the one `--json` prints) and every metric
//! cell carries `data-json` (its JSON pointer into `run --json`) and `data-value` (the
//! value), so a test checks the page against the JSON cell by cell.

pub mod escape;
mod page;
mod sweep;
mod timeline;

pub use page::run;
pub use sweep::{FailingSeed, SweepPoint, SweepView, sweep};
// `1 fault`, `2 faults`: the pages' sections count with `super::count`.
use sim_core::show::count;

/// The page around a report's body: the head, the inline stylesheet, the CSP.
fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"faultline {}\">\n<title>{}</title>\n<style>\n{}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape::esc(&crate::version::tag()),
        escape::esc(title),
        include_str!("html/style.css"),
    )
}

/// A table cell holding a metric: its human text, and the JSON pointer and value a test
/// compares with `--json`.
fn cell(pointer: &str, value: &serde_json::Value, text: &str) -> String {
    format!(
        "<td class=\"num\" data-json=\"{}\" data-value=\"{}\">{}</td>",
        escape::esc(pointer),
        escape::esc(&value.to_string()),
        escape::esc(text)
    )
}
