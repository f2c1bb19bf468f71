//! The fluid model's TCP, one mechanism per module, each a pure function that names the
//! kernel function or RFC section it follows. The constants of each host are in `profile`.
//!
//! - `rto`: the retransmission timeout, back-off and giving up;
//! - `wheel`: when a Linux jiffy timer really fires;
//! - `probe`: the tail loss probe;
//! - `repair`: from the retransmission that gets through to in-order bytes;
//! - `growth`: ssthresh and CUBIC / Reno congestion avoidance;
//! - `response`: the rate caps of the window and of random loss.

pub mod growth;
pub mod probe;
pub mod profile;
pub mod repair;
pub mod response;
pub mod rto;
pub mod wheel;

pub use profile::{AbortRule, Growth, Repair, RtoRule, SynSchedule, TcpProfile, TcpSpec, TimerClock};
pub use response::{loss_limited_bps, mathis_bps, window_bps};
pub use rto::{backoff, rto};
