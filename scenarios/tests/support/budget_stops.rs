//! Shared by `lazy_control.rs` and `metamorphic.rs`: a per-packet and a lazy run stopped by
//! the same event budget must stop at the same instant, after the same events, with the same
//! fingerprint.

use sim_core::{ControlMode, SimTime, Simulation};

/// Runs `make(PerPacket)` and `make(Lazy)` to `end` under `max` events and compares where
/// they stopped.
pub fn agree(make: impl Fn(ControlMode) -> Simulation, end: SimTime, max: u64) -> Result<(), String> {
    let mut a = make(ControlMode::PerPacket);
    let mut b = make(ControlMode::Lazy);
    let (ra, rb) = (a.run_until_bounded(end, max), b.run_until_bounded(end, max));
    a.mark_stopped();
    b.mark_stopped();
    if (ra, a.now(), a.events(), a.fingerprint()) != (rb, b.now(), b.events(), b.fingerprint()) {
        return Err(format!(
            "stopped by {max} events: per-packet at {} after {} events, lazy at {} after {}",
            a.now(),
            a.events(),
            b.now(),
            b.events()
        ));
    }
    Ok(())
}
