//! Shrinking a failing scenario: delta debugging over its faults (random processes
//! materialised as scripted faults), then shorter fault spans and earlier times, then the
//! traffic groups, interconnects, alarms and runbook steps the failure does not need. Every
//! candidate is compiled and re-run; only one that fails the same expectation is kept.
//!
//! (Issue 11: to be written.)
