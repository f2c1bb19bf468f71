//! `--control`: how control packets on clean links run. An execution strategy, not a model
//! input: it changes how long a run takes, never its fingerprint or report.

use sim_core::ControlMode;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct ControlArgs {
    /// How BGP keepalives and BFD packets on links that lose nothing run: `lazy` catches
    /// them up in bulk when something about the link changes; `per-packet` runs each as an
    /// event (the reference, much slower on large files). The results are the same.
    #[arg(long, value_enum, value_name = "MODE", global = true, default_value_t = Control::Lazy)]
    pub control: Control,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Control {
    #[default]
    Lazy,
    PerPacket,
}

/// Sets the mode for every simulation the process prepares (once, at start).
pub fn install(args: &ControlArgs) {
    scenarios::set_control(match args.control {
        Control::Lazy => ControlMode::Lazy,
        Control::PerPacket => ControlMode::PerPacket,
    });
}
