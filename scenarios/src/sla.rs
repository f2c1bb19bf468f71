//! SLA accounting by each provider's own rules: which terms apply to an interconnect
//! (`terms`, one cited table), and what a run's downtime means for the month and its credit
//! (`account`). The downtime itself is sim-core's (`Report::interconnects`).

pub mod account;
pub mod terms;

pub use account::{Account, DEFAULT_MONTH, Plan, account};
pub use terms::Terms;
