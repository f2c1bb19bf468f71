//! Network namespaces through iproute2's `ip`, and the checks that say why `--l3` cannot
//! run before anything is created.
//!
//! [`Netns`] owns the namespaces it created and deletes them when dropped, so every error
//! path after the first `ip netns add` cleans up by returning.

use std::path::Path;
use std::process::Command;

use super::L3Error;

/// Capability bits (linux/capability.h).
const CAP_NET_ADMIN: u32 = 12;
const CAP_SYS_ADMIN: u32 = 21;

/// Says why `--l3` cannot run here, if it cannot: the capabilities (CAP_NET_ADMIN for the
/// TUN devices and addresses, CAP_SYS_ADMIN for `ip netns add`'s mount), `/dev/net/tun`,
/// and the `ip` command.
pub(crate) fn preflight() -> Result<(), L3Error> {
    if !cfg!(target_os = "linux") {
        return Err(L3Error::Unsupported);
    }
    if let Some(caps) = effective_caps() {
        for cap in [CAP_NET_ADMIN, CAP_SYS_ADMIN] {
            if caps & (1 << cap) == 0 {
                return Err(L3Error::NotPermitted);
            }
        }
    }
    if !Path::new("/dev/net/tun").exists() {
        return Err(L3Error::NoTun);
    }
    match Command::new("ip").arg("-V").output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(L3Error::NoIp(String::from_utf8_lossy(&o.stderr).trim().to_string())),
        Err(e) => Err(L3Error::NoIp(e.to_string())),
    }
}

/// The effective capability set, from `/proc/self/status` (`None` if unreadable).
fn effective_caps() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let hex = status.lines().find_map(|l| l.strip_prefix("CapEff:"))?.trim();
    u64::from_str_radix(hex, 16).ok()
}

/// Runs `ip ARGS`; its stderr is the error.
pub(crate) fn ip(args: &[&str]) -> Result<(), L3Error> {
    let out = Command::new("ip").args(args).output().map_err(|e| L3Error::NoIp(e.to_string()))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if stderr.contains("Operation not permitted") {
        return Err(L3Error::NotPermitted);
    }
    Err(L3Error::Ip { args: args.join(" "), stderr })
}

/// The namespaces this process created, deleted on drop.
#[derive(Debug, Default)]
pub(crate) struct Netns {
    names: Vec<String>,
}

impl Netns {
    /// Creates namespace `name`. One of that name left by an earlier process of the same
    /// pid (names carry the pid; one killed before it could clean up leaves its namespaces
    /// mounted) is deleted first.
    pub fn add(&mut self, name: &str) -> Result<(), L3Error> {
        if Path::new("/run/netns").join(name).exists() {
            let _ = ip(&["netns", "del", name]);
        }
        ip(&["netns", "add", name])?;
        self.names.push(name.to_string());
        Ok(())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for n in self.names.iter().rev() {
            let _ = ip(&["netns", "del", n]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_capabilities() {
        // Whatever this process may do, the field exists on Linux.
        if cfg!(target_os = "linux") {
            assert!(effective_caps().is_some());
        }
    }
}
