//! faultline's simulator: a deterministic, sans-IO discrete-event model of cloud regions,
//! edge locations and the quad-redundant private interconnects between them.
//!
//! Build a [`ModelSpec`] (or let the `scenarios` crate compile one from a file), validate it
//! with [`Model::build`], and run it with [`Simulation`]. The caller owns the loop:
//! [`Simulation::step`] runs one event, [`Simulation::run_until`] runs to a time, and
//! [`Simulation::report`] derives the metrics. Nothing here reads a clock, touches a file or
//! draws OS randomness; the same model and seed give the same [`Simulation::fingerprint`]
//! on every machine.

mod attribution;
mod availability;
pub mod budget;
mod control;
mod digest;
mod endpoint;
mod events;
mod faults;
pub mod link;
pub mod maxmin;
pub mod model;
mod network;
mod operator;
mod packet;
pub mod presets;
pub mod report;
pub mod rng;
mod routing;
pub mod scheduler;
pub mod show;
mod sim;
pub mod spec;
pub mod tcp;
pub mod time;
pub mod trace;
mod traffic;
mod views;
pub mod workloads;

pub use control::{Negotiated, negotiate};
/// Packet fidelity's endpoints with nothing around them: the baseline of its hop rate (benches).
pub use endpoint::smoltcp_pair_loop;
pub use model::{BuildError, Element, Model};
pub use report::Report;
pub use routing::{mix64, rebalance_buckets};
pub use sim::{ControlMode, FlowView, SimOptions, Simulation, TcpState};
pub use spec::ModelSpec;
pub use time::{SimDuration, SimTime};
pub use views::{FaultView, FlowPathView, LinkView, SessionView, TraceNames};

/// The model's version. Two builds with the same model version give the same fingerprint
/// for the same scenario and seed; a change that alters any fingerprint bumps it (a test,
/// `scenarios/tests/library.rs`, pins the library's fingerprints to this number). Outputs carry
/// it, so `faultline diff` across releases can say the model changed rather than the
/// scenario.
pub const MODEL_VERSION: u32 = 2;
